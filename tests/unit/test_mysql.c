/* test_mysql.c - the MySQL/MariaDB driver against a real server.
 *
 * Skipped unless SURGE_TEST_MYSQL holds a mysql:// URL of a user that may
 * create tables in the URL's database, e.g.
 *   SURGE_TEST_MYSQL='mysql://surge:secret@127.0.0.1:3306/surge'
 * It checks what the engine relies on: ids, row counts, first-row columns,
 * error classes and messages, transactions, that calls really wait on the
 * socket (several connections at once from one thread), that a killed
 * connection is reported as such, and that failing to connect is quick,
 * one line, names where, and never shows the password.
 */
#include "drivers/driver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

enum { S_INSERT, S_UPDATE, S_BY_NAME, S_COUNT, S_NOTE_NULL, S_PRICE, S_SLEEP, S_CONN_ID, S_NSTMTS };

static const char *const stmts[S_NSTMTS] = {
    [S_INSERT] = "INSERT INTO surge_test_items (name, qty, price, note) VALUES (?, ?, ?, ?)",
    [S_UPDATE] = "UPDATE surge_test_items SET qty = qty + ? WHERE qty >= ?",
    [S_BY_NAME] = "SELECT id, qty, name, note FROM surge_test_items WHERE name = ?",
    [S_COUNT] = "SELECT COUNT(*) FROM surge_test_items",
    [S_NOTE_NULL] = "SELECT note IS NULL, qty, note FROM surge_test_items WHERE id = ?",
    [S_PRICE] = "SELECT ROUND(price * 100) FROM surge_test_items WHERE id = ?",
    [S_SLEEP] = "SELECT SLEEP(?), 7",
    [S_CONN_ID] = "SELECT CONNECTION_ID()",
};

static const char *const schema =
    "DROP TABLE IF EXISTS surge_test_items;"
    "CREATE TABLE surge_test_items ("
    "  id BIGINT AUTO_INCREMENT PRIMARY KEY,"
    "  name VARCHAR(64) NOT NULL UNIQUE,"
    "  qty INT NOT NULL DEFAULT 0,"
    "  price DOUBLE,"
    "  note TEXT NULL"
    ") ENGINE=InnoDB";

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static drv_call call_of(int stmt, int n, const drv_value *v)
{
    drv_call c = { .stmt = stmt, .nparams = n };
    for (int i = 0; i < n; i++)
        c.params[i] = v[i];
    return c;
}

static drv_errclass run(const drv_ops *d, drv_conn *c, int stmt, int n, const drv_value *v, drv_reply *r)
{
    drv_call call = call_of(stmt, n, v);
    memset(r, 0, sizeof *r);
    return drv_run_sync(d, c, &call, r);
}

static drv_errclass insert(const drv_ops *d, drv_conn *c, drv_value name, int64_t qty, drv_value note,
                           drv_reply *r)
{
    drv_value v[] = { name, drv_int(qty), drv_double(qty * 1.25), note };
    return run(d, c, S_INSERT, 4, v, r);
}

static int64_t count_rows(const drv_ops *d, drv_conn *c)
{
    drv_reply r;
    if (run(d, c, S_COUNT, 0, NULL, &r) != DRV_OK || r.ncols != 1)
        return -1;
    return r.col[0];
}

static drv_value txt(const char *s)
{
    return drv_text(s, (int)strlen(s));
}

static void test_statements(const drv_ops *d, drv_conn *c)
{
    drv_reply r;
    CHECK(insert(d, c, txt("alice"), 5, drv_text("first", 5), &r) == DRV_OK, "insert: %s", r.errmsg);
    CHECK(r.rows == 1 && r.last_id == 1, "insert: rows %lld, last_id %lld", (long long)r.rows,
          (long long)r.last_id);
    const char *quoted = "o'brien \"the; quote\" -- \\ end";
    CHECK(insert(d, c, txt(quoted), 7, drv_null(), &r) == DRV_OK, "insert quoted: %s", r.errmsg);
    CHECK(r.last_id == 2, "insert quoted: last_id %lld", (long long)r.last_id);
    /* A text that is not NUL-terminated where its length ends. */
    CHECK(insert(d, c, drv_text("bobXXXX", 3), 1, txt("x"), &r) == DRV_OK, "insert bob: %s", r.errmsg);
    CHECK(r.last_id == 3, "insert bob: last_id %lld", (long long)r.last_id);

    /* The quotes went in as data: the row reads back by the same text. */
    drv_value byname = txt(quoted);
    CHECK(run(d, c, S_BY_NAME, 1, &byname, &r) == DRV_OK, "select quoted: %s", r.errmsg);
    CHECK(r.rows == 1 && r.ncols == 4 && r.col[0] == 2 && r.col[1] == 7,
          "select quoted: rows %lld ncols %d col %lld %lld", (long long)r.rows, r.ncols, (long long)r.col[0],
          (long long)r.col[1]);
    CHECK(r.col[2] == 0 && r.col[3] == 0, "text and NULL columns read as 0: %lld %lld", (long long)r.col[2],
          (long long)r.col[3]);
    byname = txt("bob");
    CHECK(run(d, c, S_BY_NAME, 1, &byname, &r) == DRV_OK && r.rows == 1 && r.col[0] == 3,
          "bob by name: rows %lld id %lld %s", (long long)r.rows, (long long)r.col[0], r.errmsg);

    /* No rows: no columns. */
    byname = txt("nobody");
    CHECK(run(d, c, S_BY_NAME, 1, &byname, &r) == DRV_OK && r.rows == 0 && r.ncols == 0,
          "no rows: rows %lld ncols %d", (long long)r.rows, r.ncols);

    /* NULL parameters and NULL columns. */
    drv_value id = drv_int(2);
    CHECK(run(d, c, S_NOTE_NULL, 1, &id, &r) == DRV_OK && r.rows == 1 && r.ncols == 3 && r.col[0] == 1,
          "note of 2 is NULL: rows %lld col0 %lld %s", (long long)r.rows, (long long)r.col[0], r.errmsg);
    id = drv_int(1);
    CHECK(run(d, c, S_NOTE_NULL, 1, &id, &r) == DRV_OK && r.col[0] == 0 && r.col[1] == 5,
          "note of 1 is not NULL: col %lld %lld", (long long)r.col[0], (long long)r.col[1]);

    /* Doubles. */
    id = drv_int(2);
    CHECK(run(d, c, S_PRICE, 1, &id, &r) == DRV_OK && r.ncols == 1 && r.col[0] == 875,
          "price of 2 (7 * 1.25 * 100): %lld %s", (long long)r.col[0], r.errmsg);

    /* UPDATE reports the rows it matched. */
    drv_value up[] = { drv_int(0), drv_int(5) };
    CHECK(run(d, c, S_UPDATE, 2, up, &r) == DRV_OK && r.rows == 2,
          "update +0 where qty >= 5: rows %lld (want 2, matched) %s", (long long)r.rows, r.errmsg);
    up[0] = drv_int(10);
    up[1] = drv_int(100);
    CHECK(run(d, c, S_UPDATE, 2, up, &r) == DRV_OK && r.rows == 0, "update none: rows %lld",
          (long long)r.rows);

    /* Constraint violations. */
    CHECK(insert(d, c, txt("alice"), 1, drv_null(), &r) == DRV_ERR_CONSTRAINT, "duplicate: class %d %s",
          r.err, r.errmsg);
    CHECK(strstr(r.errmsg, "Duplicate entry 'alice'") != NULL && !strchr(r.errmsg, '\n'),
          "duplicate message: '%s'", r.errmsg);
    CHECK(insert(d, c, drv_null(), 1, drv_null(), &r) == DRV_ERR_CONSTRAINT, "NULL into NOT NULL: class %d %s",
          r.err, r.errmsg);
    char longname[100];
    memset(longname, 'x', sizeof longname);
    CHECK(insert(d, c, drv_text(longname, (int)sizeof longname), 1, drv_null(), &r) == DRV_ERR_CONSTRAINT,
          "too long: class %d %s", r.err, r.errmsg);

    /* The connection is usable after errors, and bad calls are errors, not crashes. */
    CHECK(count_rows(d, c) == 3, "count after errors: %lld", (long long)count_rows(d, c));
    CHECK(run(d, c, S_BY_NAME, 0, NULL, &r) == DRV_ERR_OTHER && strstr(r.errmsg, "parameters"),
          "missing parameter: class %d %s", r.err, r.errmsg);
    CHECK(run(d, c, 99, 0, NULL, &r) == DRV_ERR_OTHER, "no statement 99: class %d", r.err);
}

static void test_transactions(const drv_ops *d, drv_conn *c)
{
    drv_reply r;
    CHECK(run(d, c, DRV_STMT_BEGIN, 0, NULL, &r) == DRV_OK, "begin: %s", r.errmsg);
    CHECK(insert(d, c, txt("carol"), 1, drv_null(), &r) == DRV_OK, "insert in tx: %s", r.errmsg);
    CHECK(count_rows(d, c) == 4, "count in tx: %lld", (long long)count_rows(d, c));
    CHECK(run(d, c, DRV_STMT_ROLLBACK, 0, NULL, &r) == DRV_OK, "rollback: %s", r.errmsg);
    CHECK(count_rows(d, c) == 3, "count after rollback: %lld", (long long)count_rows(d, c));

    CHECK(run(d, c, DRV_STMT_BEGIN, 0, NULL, &r) == DRV_OK, "begin: %s", r.errmsg);
    CHECK(insert(d, c, txt("dave"), 1, drv_null(), &r) == DRV_OK, "insert in tx: %s", r.errmsg);
    CHECK(run(d, c, DRV_STMT_COMMIT, 0, NULL, &r) == DRV_OK, "commit: %s", r.errmsg);
    CHECK(count_rows(d, c) == 4, "count after commit: %lld", (long long)count_rows(d, c));
}

/* Four half-second sleeps on four connections, driven from this one thread:
 * if calls really wait on the socket they overlap and take ~0.5 s, not 2 s. */
static void test_concurrent(const drv_ops *d, const char *url)
{
    enum { N = 4 };
    drv_conn *cs[N] = { 0 };
    drv_reply rs[N];
    drv_status st[N];
    char err[256];
    for (int i = 0; i < N; i++) {
        cs[i] = d->connect(url, err, sizeof err);
        CHECK(cs[i] != NULL, "connect %d: %s", i, err);
        if (!cs[i] || d->prepare(cs[i], S_NSTMTS, stmts, err, sizeof err) != 0)
            goto out;
    }
    double t0 = now_s();
    int waiting = 0;
    for (int i = 0; i < N; i++) {
        drv_value v = drv_double(0.5);
        drv_call call = call_of(S_SLEEP, 1, &v);
        st[i] = d->start(cs[i], &call, &rs[i]);
        waiting += st[i] == DRV_WAIT;
    }
    CHECK(waiting == N, "every start waits on its socket: %d of %d", waiting, N);
    while (waiting > 0) {
        struct pollfd p[N];
        for (int i = 0; i < N; i++)
            p[i] = (struct pollfd){ .fd = st[i] == DRV_WAIT ? rs[i].fd : -1,
                                    .events = (short)((rs[i].events & EPOLLIN ? POLLIN : 0) |
                                                      (rs[i].events & EPOLLOUT ? POLLOUT : 0)) };
        if (poll(p, N, 5000) <= 0)
            break;
        for (int i = 0; i < N; i++)
            if (st[i] == DRV_WAIT && p[i].revents) {
                st[i] = d->resume(cs[i], &rs[i]);
                waiting -= st[i] == DRV_DONE;
            }
    }
    double took = now_s() - t0;
    CHECK(waiting == 0 && took < 1.5, "4 x SLEEP(0.5) overlapped: %.2fs, %d still waiting", took, waiting);
    for (int i = 0; i < N; i++)
        CHECK(rs[i].err == DRV_OK && rs[i].rows == 1 && rs[i].ncols == 2 && rs[i].col[1] == 7,
              "sleep %d: err %d rows %lld col1 %lld %s", i, rs[i].err, (long long)rs[i].rows,
              (long long)rs[i].col[1], rs[i].errmsg);
out:
    for (int i = 0; i < N; i++)
        d->close(cs[i]);
}

/* A connection killed by the server, between calls and during one, is a
 * connection error, and closing it afterwards does not hang. */
static void test_killed(const drv_ops *d, drv_conn *admin, const char *url)
{
    char err[256], sql[64];
    drv_reply r;
    for (int during = 0; during < 2; during++) {
        drv_conn *c = d->connect(url, err, sizeof err);
        CHECK(c != NULL, "connect: %s", err);
        if (!c || d->prepare(c, S_NSTMTS, stmts, err, sizeof err) != 0) {
            d->close(c);
            return;
        }
        CHECK(run(d, c, S_CONN_ID, 0, NULL, &r) == DRV_OK && r.ncols == 1, "connection id: %s", r.errmsg);
        snprintf(sql, sizeof sql, "KILL %lld", (long long)r.col[0]);
        drv_status st = DRV_DONE;
        if (during) {
            drv_value v = drv_double(5);
            drv_call call = call_of(S_SLEEP, 1, &v);
            st = d->start(c, &call, &r);
            CHECK(st == DRV_WAIT, "sleep waits");
        }
        CHECK(d->exec(admin, sql, err, sizeof err) == 0, "%s: %s", sql, err);
        double t0 = now_s();
        if (during) {
            while (st == DRV_WAIT && now_s() - t0 < 5) {
                struct pollfd p = { .fd = r.fd, .events = POLLIN };
                poll(&p, 1, 1000);
                st = d->resume(c, &r);
            }
            CHECK(st == DRV_DONE && r.err == DRV_ERR_CONNECTION, "killed during a call: class %d '%s'", r.err,
                  r.errmsg);
        } else {
            CHECK(run(d, c, S_COUNT, 0, NULL, &r) == DRV_ERR_CONNECTION, "killed between calls: class %d '%s'",
                  r.err, r.errmsg);
        }
        CHECK(run(d, c, S_COUNT, 0, NULL, &r) == DRV_ERR_CONNECTION, "still lost: class %d", r.err);
        d->close(c);
        CHECK(now_s() - t0 < 3, "killed connection reported and closed in %.2fs", now_s() - t0);
    }
}

/* The engine closes connections whose call is still running when a run
 * stops: that must neither wait for the call nor disturb the server. */
static void test_close_in_flight(const drv_ops *d, drv_conn *admin, const char *url)
{
    char err[256];
    drv_conn *c = d->connect(url, err, sizeof err);
    CHECK(c != NULL, "connect: %s", err);
    if (!c || d->prepare(c, S_NSTMTS, stmts, err, sizeof err) != 0) {
        d->close(c);
        return;
    }
    drv_value v = drv_double(3);
    drv_call call = call_of(S_SLEEP, 1, &v);
    drv_reply r;
    CHECK(d->start(c, &call, &r) == DRV_WAIT, "sleep waits");
    double t0 = now_s();
    d->close(c);
    CHECK(now_s() - t0 < 1, "closed mid-call in %.2fs", now_s() - t0);
    CHECK(d->exec(admin, "SELECT 1", err, sizeof err) == 0, "server still fine: %s", err);
}

/* Replace the password of url with pw (the URL is ours: mysql://user:pass@...). */
static void with_password(char *out, size_t len, const char *url, const char *pw)
{
    const char *auth = strstr(url, "://") + 3;
    const char *at = strrchr(auth, '@');
    const char *colon = memchr(auth, ':', at ? (size_t)(at - auth) : 0);
    if (!at) {
        snprintf(out, len, "%.*sroot:%s@%s", (int)(auth - url), url, pw, auth);
        return;
    }
    size_t userend = (size_t)((colon ? colon : at) - url);
    snprintf(out, len, "%.*s:%s%s", (int)userend, url, pw, at);
}

static void test_connect_errors(const drv_ops *d, const char *url)
{
    char bad[1024], err[256];

    /* A wrong password: refused, one line, the password nowhere. */
    with_password(bad, sizeof bad, url, "Wr0ngPassw0rdXyz");
    drv_conn *c = d->connect(bad, err, sizeof err);
    CHECK(c == NULL, "wrong password connects");
    d->close(c);
    CHECK(strstr(err, "Access denied") && !strchr(err, '\n'), "wrong password: '%s'", err);
    CHECK(!strstr(err, "Wr0ngPassw0rdXyz"), "the password shows: '%s'", err);

    /* A closed port: a free port we bound and closed again. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t alen = sizeof a;
    bind(s, (struct sockaddr *)&a, sizeof a);
    getsockname(s, (struct sockaddr *)&a, &alen);
    int port = ntohs(a.sin_port);
    close(s);
    snprintf(bad, sizeof bad, "mysql://someone:S3cretPw@127.0.0.1:%d/db", port);
    char where[64];
    snprintf(where, sizeof where, "127.0.0.1:%d", port);
    double t0 = now_s();
    c = d->connect(bad, err, sizeof err);
    double took = now_s() - t0;
    CHECK(c == NULL && took < 10, "closed port: %.1fs", took);
    d->close(c);
    CHECK(strstr(err, where) && !strchr(err, '\n') && !strstr(err, "S3cretPw"), "closed port: '%s'", err);

    /* A port that accepts but never speaks: the connect timeout ends it. */
    s = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_port = 0;
    bind(s, (struct sockaddr *)&a, sizeof a);
    listen(s, 4);
    alen = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &alen);
    snprintf(bad, sizeof bad, "mariadb://someone:S3cretPw@127.0.0.1:%d/db", ntohs(a.sin_port));
    t0 = now_s();
    c = d->connect(bad, err, sizeof err);
    took = now_s() - t0;
    close(s);
    CHECK(c == NULL && took < 10, "silent server: %.1fs", took);
    d->close(c);
    CHECK(!strchr(err, '\n') && !strstr(err, "S3cretPw") && strstr(err, "127.0.0.1:"), "silent server: '%s'", err);

    /* URLs that cannot be right. */
    static const char *const bad_urls[] = {
        "mysql://u:p@127.0.0.1:notaport/db", "mysql://u:p@127.0.0.1:0/db", "mysql://u:p@127.0.0.1:70000/db",
        "mysql://u:p%zz@127.0.0.1/db",       "mysql://u:p@[::1/db",          "mysql://u:p@h/db?nosuch=1",
    };
    for (size_t i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++) {
        c = d->connect(bad_urls[i], err, sizeof err);
        CHECK(c == NULL && strncmp(err, "mysql: ", 7) == 0, "%s: '%s'", bad_urls[i], err);
        d->close(c);
    }
}

int main(void)
{
    const char *url = getenv("SURGE_TEST_MYSQL");
    if (!url || !*url) {
        printf("skipped: SURGE_TEST_MYSQL not set\n");
        return 0;
    }
    const drv_ops *d = drv_find(url);
    CHECK(d && strcmp(d->name, "mysql") == 0 && strcmp(d->dialect, "mysql") == 0, "driver for %s", url);
    if (!d || strcmp(d->name, "mysql") != 0)
        return check_report();

    char err[256];
    drv_conn *c = d->connect(url, err, sizeof err);
    CHECK(c != NULL, "connect: %s", err);
    if (!c)
        return check_report();
    CHECK(d->exec(c, schema, err, sizeof err) == 0, "schema: %s", err);
    CHECK(d->exec(c, "SELECT 1; SELECT nosuchcolumn FROM surge_test_items", err, sizeof err) != 0 &&
              strstr(err, "nosuchcolumn") && strstr(err, "1054"),
          "exec error names the server error: '%s'", err);
    CHECK(d->exec(c, "SELECT 2", err, sizeof err) == 0, "exec after an error: %s", err);

    const char *badsql[] = { stmts[0], "SELECT * FROM no_such_table_here" };
    CHECK(d->prepare(c, 2, badsql, err, sizeof err) != 0 && strstr(err, "statement 1") &&
              strstr(err, "no_such_table_here"),
          "prepare error: '%s'", err);
    CHECK(d->prepare(c, S_NSTMTS, stmts, err, sizeof err) == 0, "prepare: %s", err);

    test_statements(d, c);
    test_transactions(d, c);
    test_concurrent(d, url);
    test_killed(d, c, url);
    test_close_in_flight(d, c, url);
    test_connect_errors(d, url);

    CHECK(d->exec(c, "DROP TABLE surge_test_items", err, sizeof err) == 0, "drop: %s", err);
    d->close(c);
    return check_report();
}
