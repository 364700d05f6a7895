/* test_postgres.c - the PostgreSQL driver against a real server.
 *
 * The placeholder rewriting is checked always (a table of statements and
 * the text the server must get). Everything else needs a server: set
 * SURGE_TEST_PG to a URL of a database the test may create a table in
 * (postgres://user@127.0.0.1:5432/db); without it the rest is skipped.
 */
#include "drivers/driver.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* In postgres.c, exported for this test only. */
size_t drv_pg_placeholders(const char *sql, char *out, size_t outlen);

static void test_placeholders(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        { "SELECT 1", "SELECT 1" },
        { "SELECT ?", "SELECT $1" },
        { "INSERT INTO t VALUES (?, ?, ?)", "INSERT INTO t VALUES ($1, $2, $3)" },
        { "SELECT '?', ?", "SELECT '?', $1" },
        { "SELECT 'it''s ?', ?", "SELECT 'it''s ?', $1" },
        { "SELECT E'\\'?', ?", "SELECT E'\\'?', $1" },
        { "SELECT e'a\\\\', ?", "SELECT e'a\\\\', $1" },
        { "SELECT E'a''\\'?', ?", "SELECT E'a''\\'?', $1" },   /* both escapes in one string */
        { "SELECT x'1' || ?", "SELECT x'1' || $1" },
        { "SELECT 'a\\', ?", "SELECT 'a\\', $1" },          /* standard strings: \ is a character */
        { "SELECT \"a?\"\"b\" FROM t WHERE x = ?", "SELECT \"a?\"\"b\" FROM t WHERE x = $1" },
        { "SELECT ? -- what?\n, ?", "SELECT $1 -- what?\n, $2" },
        { "SELECT ? /* a ? /* nested ? */ still ? */, ?", "SELECT $1 /* a ? /* nested ? */ still ? */, $2" },
        { "SELECT $$?$$, ?", "SELECT $$?$$, $1" },
        { "SELECT $tag$ $$ ? $tag$, ?", "SELECT $tag$ $$ ? $tag$, $1" },
        { "SELECT a$b, ?", "SELECT a$b, $1" },              /* '$' inside an identifier */
        { "SELECT ?::int + $1", "SELECT $1::int + $1" },    /* $1 is not a dollar quote */
        { "SELECT 'unterminated ?", "SELECT 'unterminated ?" },
        { "SELECT /* unterminated ?", "SELECT /* unterminated ?" },
        { "SELECT $x$ unterminated ?", "SELECT $x$ unterminated ?" },
        { "?,?,?,?,?,?,?,?,?,?,?", "$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11" },
        { "", "" },
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        char out[256];
        size_t n = drv_pg_placeholders(cases[i].in, out, sizeof out);
        CHECK(strcmp(out, cases[i].want) == 0, "\"%s\": got \"%s\", want \"%s\"", cases[i].in, out, cases[i].want);
        CHECK(n == strlen(cases[i].want), "\"%s\": length %zu", cases[i].in, n);
    }
    /* Like snprintf: cut short, terminated, and the whole length returned. */
    char small[6];
    size_t n = drv_pg_placeholders("SELECT ?, ?", small, sizeof small);
    CHECK(n == strlen("SELECT $1, $2") && strcmp(small, "SELEC") == 0, "short buffer: %zu \"%s\"", n, small);
    CHECK(drv_pg_placeholders("a ? b", NULL, 0) == 6, "length only");
}

/* ---- against a server ----------------------------------------------------- */

enum {
    S_INSERT, S_BUMP, S_BY_NAME, S_LITERALS, S_DIVIDE, S_NULLS, S_ECHO_INT, S_IS_TENTH,
    S_COUNT_NAME, S_NOTE_LEN, S_PID, S_KILL, S_LOCK_ROW, S_SLEEP, S_NOT_INTS, S_NSTMTS
};

static const char *const stmts[S_NSTMTS] = {
    [S_INSERT] = "INSERT INTO surge_pg_test (name, qty, price, note) VALUES (?, ?, ?, ?) RETURNING id",
    [S_BUMP] = "UPDATE surge_pg_test SET qty = qty + 1 WHERE qty >= ?",
    [S_BY_NAME] = "SELECT id, qty, name, price FROM surge_pg_test WHERE name = ?",
    /* If any `?` in a literal or comment were numbered, this would not
     * prepare (a parameter whose type cannot be found) or not bind. */
    [S_LITERALS] = ("SELECT count(*) /* ? */ FROM surge_pg_test WHERE name <> 'x?y' "
                    "AND $q$?$q$ = '?' AND qty = ? -- and ?\n"),
    [S_DIVIDE] = "SELECT 10 / ?::int",
    [S_NULLS] = "SELECT CASE WHEN ?::int IS NULL THEN 1 ELSE 0 END, coalesce(?::bigint, 42)",
    [S_ECHO_INT] = "SELECT ?::bigint",
    [S_IS_TENTH] = "SELECT (?::float8 = 0.1)::int",
    [S_COUNT_NAME] = "SELECT count(*) FROM surge_pg_test WHERE name = ?",
    [S_NOTE_LEN] = "SELECT length(note) FROM surge_pg_test WHERE name = ?",
    [S_PID] = "SELECT pg_backend_pid()",
    [S_KILL] = "SELECT pg_terminate_backend(?::int)::int",
    [S_LOCK_ROW] = "SELECT id FROM surge_pg_test WHERE name = ? FOR UPDATE",
    [S_SLEEP] = "SELECT pg_sleep(?::float8)",
    [S_NOT_INTS] = "SELECT 99999999999999999999::numeric, 2.5::numeric, 'abc', -7, 1",
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static drv_call call_of(int stmt, int nparams, const drv_value *params)
{
    drv_call c = { .stmt = stmt, .nparams = nparams };
    for (int i = 0; i < nparams; i++)
        c.params[i] = params[i];
    return c;
}

static drv_value text(const char *s)
{
    return drv_text(s, (int)strlen(s));
}

/* Run a call the way a worker does: start, then poll the fd it gives for
 * the events it asks, then resume, until done. */
static int waits_for_output;   /* DRV_WAIT replies that asked for EPOLLOUT */

static drv_errclass run(const drv_ops *d, drv_conn *c, drv_call call, drv_reply *r)
{
    drv_status st = d->start(c, &call, r);
    while (st == DRV_WAIT) {
        CHECK(r->fd >= 0 && (r->events & EPOLLIN), "DRV_WAIT gives fd %d events %#x", r->fd, (unsigned)r->events);
        waits_for_output += (r->events & EPOLLOUT) != 0;
        struct pollfd p = { .fd = r->fd,
                            .events = (short)((r->events & EPOLLIN ? POLLIN : 0) | (r->events & EPOLLOUT ? POLLOUT : 0)) };
        int n = poll(&p, 1, 10000);
        CHECK(n == 1, "the server answers within 10 s (poll %d)", n);
        if (n != 1)
            break;
        st = d->resume(c, r);
    }
    return r->err;
}

#define OK(d, c, call, r)                                                                   \
    do {                                                                                    \
        drv_errclass e_ = run(d, c, call, r);                                               \
        CHECK(e_ == DRV_OK, "%s: err %d: %s", #call, (int)e_, (r)->errmsg);                 \
    } while (0)

static void test_statements(const drv_ops *d, drv_conn *c)
{
    drv_reply r;
    int64_t id_a = 0, id_b = 0;
    static const char quoted[] = "O'Brien \"Bob\" ?; -- $1";

    /* INSERT ... RETURNING id: the id comes back as last_id and col[0]. */
    OK(d, c, call_of(S_INSERT, 4, (drv_value[]){ text("widget"), drv_int(5), drv_double(19.99), text("plain") }), &r);
    id_a = r.last_id;
    CHECK(r.rows == 1 && r.ncols == 1 && id_a > 0 && r.col[0] == id_a, "insert: rows %" PRId64 " ncols %d last_id %" PRId64
          " col0 %" PRId64, r.rows, r.ncols, r.last_id, r.col[0]);

    /* Quotes, a question mark and a semicolon in a text parameter; a NULL. */
    OK(d, c, call_of(S_INSERT, 4, (drv_value[]){ text(quoted), drv_int(7), drv_double(0.5), drv_null() }), &r);
    id_b = r.last_id;
    CHECK(id_b > id_a, "second id %" PRId64 " after %" PRId64, id_b, id_a);

    OK(d, c, call_of(S_BY_NAME, 1, (drv_value[]){ text(quoted) }), &r);
    CHECK(r.rows == 1 && r.ncols == 4 && r.col[0] == id_b && r.col[1] == 7 && r.col[2] == 0 && r.col[3] == 0,
          "select by quoted name: rows %" PRId64 " ncols %d cols %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64,
          r.rows, r.ncols, r.col[0], r.col[1], r.col[2], r.col[3]);
    CHECK(r.last_id == id_b, "a SELECT's first column is last_id too: %" PRId64, r.last_id);

    /* A text value need not end in NUL: only len bytes are sent. */
    OK(d, c, call_of(S_COUNT_NAME, 1, (drv_value[]){ drv_text("widgetXYZ", 6) }), &r);
    CHECK(r.col[0] == 1, "text with len: count %" PRId64, r.col[0]);

    OK(d, c, call_of(S_LITERALS, 1, (drv_value[]){ drv_int(7) }), &r);
    CHECK(r.rows == 1 && r.col[0] == 1, "? in literals and comments: rows %" PRId64 " count %" PRId64, r.rows, r.col[0]);

    /* UPDATE: rows affected. */
    OK(d, c, call_of(S_BUMP, 1, (drv_value[]){ drv_int(0) }), &r);
    CHECK(r.rows == 2 && r.ncols == 0, "update: rows %" PRId64 " ncols %d", r.rows, r.ncols);
    OK(d, c, call_of(S_BUMP, 1, (drv_value[]){ drv_int(1000) }), &r);
    CHECK(r.rows == 0, "update of nothing: rows %" PRId64, r.rows);

    /* NULL parameters, and values at the edges. */
    OK(d, c, call_of(S_NULLS, 2, (drv_value[]){ drv_null(), drv_null() }), &r);
    CHECK(r.ncols == 2 && r.col[0] == 1 && r.col[1] == 42, "nulls: %" PRId64 " %" PRId64, r.col[0], r.col[1]);
    OK(d, c, call_of(S_ECHO_INT, 1, (drv_value[]){ drv_int(INT64_MAX) }), &r);
    CHECK(r.col[0] == INT64_MAX, "int64 max: %" PRId64, r.col[0]);
    OK(d, c, call_of(S_ECHO_INT, 1, (drv_value[]){ drv_int(INT64_MIN) }), &r);
    CHECK(r.col[0] == INT64_MIN, "int64 min: %" PRId64, r.col[0]);
    OK(d, c, call_of(S_ECHO_INT, 1, (drv_value[]){ drv_null() }), &r);
    CHECK(r.rows == 1 && r.col[0] == 0, "NULL column reads 0: %" PRId64, r.col[0]);
    OK(d, c, call_of(S_NOT_INTS, 0, NULL), &r);
    CHECK(r.ncols == DRV_MAX_COLS && r.col[0] == 0 && r.col[1] == 0 && r.col[2] == 0 && r.col[3] == -7,
          "columns that are not int64 read 0: ncols %d, %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64,
          r.ncols, r.col[0], r.col[1], r.col[2], r.col[3]);
    OK(d, c, call_of(S_IS_TENTH, 1, (drv_value[]){ drv_double(0.1) }), &r);
    CHECK(r.col[0] == 1, "0.1 arrives exactly");

    /* A unique violation: its class and the server's message. */
    drv_errclass e = run(d, c, call_of(S_INSERT, 4, (drv_value[]){ text("widget"), drv_int(1), drv_double(1), text("") }), &r);
    CHECK(e == DRV_ERR_CONSTRAINT, "duplicate: class %d (%s)", (int)e, r.errmsg);
    CHECK(strstr(r.errmsg, "duplicate key value violates unique constraint") && !strchr(r.errmsg, '\n'),
          "duplicate message: %s", r.errmsg);

    /* A runtime error that is no constraint; the connection goes on. */
    e = run(d, c, call_of(S_DIVIDE, 1, (drv_value[]){ drv_int(0) }), &r);
    CHECK(e == DRV_ERR_OTHER && strcmp(r.errmsg, "division by zero") == 0, "divide: class %d (%s)", (int)e, r.errmsg);
    OK(d, c, call_of(S_DIVIDE, 1, (drv_value[]){ drv_int(5) }), &r);
    CHECK(r.col[0] == 2, "after an error: %" PRId64, r.col[0]);

    /* A statement that is not there. */
    e = run(d, c, call_of(S_NSTMTS + 3, 0, NULL), &r);
    CHECK(e == DRV_ERR_OTHER, "no such statement: class %d", (int)e);

    /* BEGIN ... ROLLBACK leaves nothing; BEGIN ... COMMIT keeps it. */
    OK(d, c, call_of(DRV_STMT_BEGIN, 0, NULL), &r);
    OK(d, c, call_of(S_INSERT, 4, (drv_value[]){ text("rolled back"), drv_int(1), drv_double(1), text("") }), &r);
    OK(d, c, call_of(DRV_STMT_ROLLBACK, 0, NULL), &r);
    OK(d, c, call_of(S_COUNT_NAME, 1, (drv_value[]){ text("rolled back") }), &r);
    CHECK(r.col[0] == 0, "rolled back row is gone: %" PRId64, r.col[0]);
    OK(d, c, call_of(DRV_STMT_BEGIN, 0, NULL), &r);
    OK(d, c, call_of(S_INSERT, 4, (drv_value[]){ text("committed"), drv_int(1), drv_double(1), text("") }), &r);
    OK(d, c, call_of(DRV_STMT_COMMIT, 0, NULL), &r);
    OK(d, c, call_of(S_COUNT_NAME, 1, (drv_value[]){ text("committed") }), &r);
    CHECK(r.col[0] == 1, "committed row is there: %" PRId64, r.col[0]);

    /* A parameter larger than the socket takes at once: the driver must
     * ask for EPOLLOUT and finish sending in resume(). */
    size_t big = 8u << 20;
    char *note = malloc(big);
    if (note) {
        memset(note, 'x', big);
        waits_for_output = 0;
        OK(d, c, call_of(S_INSERT, 4, (drv_value[]){ text("big"), drv_int(1), drv_double(1), drv_text(note, (int)big) }), &r);
        OK(d, c, call_of(S_NOTE_LEN, 1, (drv_value[]){ text("big") }), &r);
        CHECK(r.col[0] == (int64_t)big, "big text: length %" PRId64, r.col[0]);
        /* Whether the socket filled depends on how fast the server reads
         * (the kernel buffers tens of MB on loopback): shown, not checked. */
        printf("big text: %d waits asked for EPOLLOUT\n", waits_for_output);
        free(note);
    }
}

/* Errors that come from other sessions: lock timeout, statement timeout,
 * and the connection being killed under us. */
static void test_other_session(const drv_ops *d, drv_conn *a, drv_conn *b)
{
    drv_reply r;
    char err[256];
    CHECK(d->exec(b, "SET lock_timeout = '200ms'", err, sizeof err) == 0, "set lock_timeout: %s", err);
    OK(d, a, call_of(DRV_STMT_BEGIN, 0, NULL), &r);
    OK(d, a, call_of(S_LOCK_ROW, 1, (drv_value[]){ text("widget") }), &r);
    drv_errclass e = run(d, b, call_of(S_LOCK_ROW, 1, (drv_value[]){ text("widget") }), &r);
    CHECK(e == DRV_ERR_RETRYABLE, "lock timeout: class %d (%s)", (int)e, r.errmsg);
    OK(d, a, call_of(DRV_STMT_ROLLBACK, 0, NULL), &r);

    CHECK(d->exec(b, "SET statement_timeout = '100ms'", err, sizeof err) == 0, "set statement_timeout: %s", err);
    e = run(d, b, call_of(S_SLEEP, 1, (drv_value[]){ drv_double(5) }), &r);
    CHECK(e == DRV_ERR_RETRYABLE, "statement timeout: class %d (%s)", (int)e, r.errmsg);
    CHECK(d->exec(b, "RESET statement_timeout", err, sizeof err) == 0, "reset: %s", err);

    /* Killed while idle: the next call says the connection is gone, and so
     * does every call after it, quickly. */
    OK(d, b, call_of(S_PID, 0, NULL), &r);
    int64_t pid = r.col[0];
    OK(d, a, call_of(S_KILL, 1, (drv_value[]){ drv_int(pid) }), &r);
    CHECK(r.col[0] == 1, "terminate backend %" PRId64, pid);
    usleep(200000);
    double t0 = now_s();
    e = run(d, b, call_of(S_PID, 0, NULL), &r);
    CHECK(e == DRV_ERR_CONNECTION && r.errmsg[0] && !strchr(r.errmsg, '\n'), "after kill: class %d (%s)", (int)e, r.errmsg);
    e = run(d, b, call_of(S_PID, 0, NULL), &r);
    CHECK(e == DRV_ERR_CONNECTION, "again after kill: class %d (%s)", (int)e, r.errmsg);
    CHECK(now_s() - t0 < 2, "a lost connection is reported at once");

    /* The other connection is unharmed. */
    OK(d, a, call_of(S_PID, 0, NULL), &r);
}

/* A port on 127.0.0.1 with nothing listening. */
static int closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || getsockname(s, (struct sockaddr *)&a, &len) != 0) {
        if (s >= 0)
            close(s);
        return 1;
    }
    close(s);
    return ntohs(a.sin_port);
}

static void test_connect_errors(const drv_ops *d)
{
    char url[256], err[256], where[64];

    /* Nothing listening: a one-line error naming the place, no password. */
    int port = closed_port();
    snprintf(url, sizeof url, "postgres://surge:s3cretpw@127.0.0.1:%d/surge", port);
    snprintf(where, sizeof where, "127.0.0.1:%d", port);
    double t0 = now_s();
    drv_conn *c = d->connect(url, err, sizeof err);
    double took = now_s() - t0;
    CHECK(!c, "connect to a closed port fails");
    d->close(c);
    CHECK(took < 10, "closed port: failed after %.1f s", took);
    CHECK(strstr(err, where) && !strchr(err, '\n') && !strstr(err, "s3cretpw"), "closed port: %s", err);
    printf("closed port: %s\n", err);

    /* A server that accepts and never answers: connect_timeout ends it. */
    if (!getenv("PGCONNECT_TIMEOUT")) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t len = sizeof a;
        if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 && listen(s, 4) == 0 &&
            getsockname(s, (struct sockaddr *)&a, &len) == 0) {
            port = ntohs(a.sin_port);
            snprintf(url, sizeof url, "postgresql://surge:s3cretpw@127.0.0.1:%d/surge", port);
            snprintf(where, sizeof where, "127.0.0.1:%d", port);
            t0 = now_s();
            c = d->connect(url, err, sizeof err);
            took = now_s() - t0;
            CHECK(!c, "connect to a silent server fails");
            d->close(c);
            CHECK(took < 10, "silent server: failed after %.1f s", took);
            CHECK(strstr(err, where) && !strchr(err, '\n') && !strstr(err, "s3cretpw"), "silent server: %s", err);
            printf("silent server: %s\n", err);
        }
        if (s >= 0)
            close(s);
    }

    /* A URL libpq cannot parse: the message masks the password. */
    c = d->connect("postgres://surge:s3cretpw@127.0.0.1:notaport/surge", err, sizeof err);
    CHECK(!c && !strstr(err, "s3cretpw") && !strchr(err, '\n'), "bad port: %s", err);
    d->close(c);
    c = d->connect("postgres://surge:s3cr%zzetpw@127.0.0.1/surge", err, sizeof err);
    CHECK(!c && !strstr(err, "s3cr") && !strchr(err, '\n'), "bad escape: %s", err);
    d->close(c);
    printf("bad URL: %s\n", err);
}

static void test_server(const char *url)
{
    const drv_ops *d = drv_find(url);
    CHECK(d && strcmp(d->name, "postgres") == 0 && strcmp(d->dialect, "postgres") == 0, "driver for %s", url);
    if (!d)
        return;
    CHECK(drv_find("postgresql://x/y") == d, "postgresql:// too");
    CHECK(d->max_conns_per_thread == 0 && !d->local && d->resume, "an asynchronous server driver");

    char err[256] = "";
    drv_conn *a = d->connect(url, err, sizeof err);
    CHECK(a, "connect: %s", err);
    drv_conn *b = a ? d->connect(url, err, sizeof err) : NULL;
    CHECK(b, "second connect: %s", err);
    if (!a || !b) {
        d->close(a);
        d->close(b);
        return;
    }
    int rc = d->exec(a, "DROP TABLE IF EXISTS surge_pg_test; "
                        "CREATE TABLE surge_pg_test (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
                        " name TEXT NOT NULL UNIQUE, qty INTEGER NOT NULL, price NUMERIC(10,2), note TEXT)",
                     err, sizeof err);
    CHECK(rc == 0, "schema: %s", err);
    rc = d->exec(a, "SELECT no_such_column FROM surge_pg_test", err, sizeof err);
    CHECK(rc == -1 && strstr(err, "no_such_column") && !strchr(err, '\n'), "exec error: %s", err);

    rc = d->prepare(a, S_NSTMTS, stmts, err, sizeof err);
    CHECK(rc == 0, "prepare: %s", err);
    rc = d->prepare(b, S_NSTMTS, stmts, err, sizeof err);
    CHECK(rc == 0, "prepare b: %s", err);
    if (rc == 0) {
        test_statements(d, a);
        test_other_session(d, a, b);
    }
    d->close(b);

    /* A statement that does not prepare: the message names which. */
    drv_conn *c = d->connect(url, err, sizeof err);
    if (c) {
        static const char *const bad[] = { "SELECT 1", "SELECT FROM WHERE ?" };
        rc = d->prepare(c, 2, bad, err, sizeof err);
        CHECK(rc == -1 && strstr(err, "statement 1") && strstr(err, "syntax error") && !strchr(err, '\n'),
              "bad statement: %s", err);
        d->close(c);
    }
    d->exec(a, "DROP TABLE surge_pg_test", err, sizeof err);
    d->close(a);
    d->close(NULL);

    test_connect_errors(d);
}

int main(void)
{
    test_placeholders();
    const char *url = getenv("SURGE_TEST_PG");
    if (!url || !*url) {
        if (check_failures)
            return check_report();
        printf("skipped: SURGE_TEST_PG not set\n");
        return 0;
    }
    test_server(url);
    return check_report();
}
