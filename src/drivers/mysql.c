/* mysql.c - MySQL and MariaDB targets, on libmariadb (MariaDB Connector/C).
 *
 * URL: mysql://user:pass@host:port/db or mariadb://..., user and password
 * percent-decoded (no user: the login name, as the mysql tools do); host
 * 127.0.0.1 and port 3306 by default; ?socket=/path
 * connects through a Unix socket instead. Without ?socket= the connection
 * is always TCP, even to "localhost" (where the MySQL tools would quietly
 * pick a socket), so the port in the URL is the port used.
 *
 * Set-up blocks: connect (bounded by a 5 s connect timeout), prepare and
 * exec run before the load. The load itself uses Connector/C's non-blocking
 * API (each call a _start, then _cont whenever the socket is ready) so one
 * worker thread drives many connections. The library keeps each call's
 * state on a small coroutine stack of its own; we keep only which call is
 * in flight (the phase below) and what it is waiting for.
 *
 * Workload statements already use MySQL's own `?` placeholders, so they are
 * prepared as they are (binary protocol: parameters are never pasted into
 * the text). Transaction control goes as plain queries.
 */
#include "drivers/driver.h"

#include <ctype.h>
#include <mysql.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#define MYSQL_DEFAULT_PORT   3306
#define MYSQL_DEFAULT_HOST   "127.0.0.1"
#define MYSQL_CONNECT_S      5u          /* an unreachable server fails in seconds, not minutes */

/* Where a connection is in the call it is running. A call starts in
 * EXECUTE (a prepared statement) or QUERY (transaction control) and is
 * moved on by its _start or _cont returning 0 (done); a nonzero return
 * leaves the phase as it is and means "wait for the socket, then resume". */
typedef enum my_phase {
    PH_IDLE = 0,     /* no call in flight */
    PH_EXECUTE,      /* mysql_stmt_execute: parameters out, status or column metadata back */
    PH_STORE,        /* mysql_stmt_store_result: the rows of a statement that returns some */
    PH_QUERY,        /* mysql_real_query: START TRANSACTION / COMMIT / ROLLBACK */
} my_phase;

typedef struct my_stmt {
    MYSQL_STMT *st;
    unsigned nparams;
    unsigned ncols;           /* columns of its result; 0 for statements without one */
    MYSQL_BIND *cols;         /* every column bound as an int64 (NULL reads as 0) */
    int64_t *vals;
    my_bool *nulls;
} my_stmt;

typedef struct my_param {     /* what a parameter's MYSQL_BIND points at */
    int64_t ival;
    double dval;
    unsigned long len;
} my_param;

struct drv_conn {
    MYSQL *db;
    bool broken;              /* the connection is lost: every call fails until close() */
    int nstmts;
    my_stmt *stmts;

    /* The call in flight. */
    my_phase phase;
    my_stmt *cur;             /* PH_EXECUTE / PH_STORE */
    int wait;                 /* MYSQL_WAIT_* bits the library asked for */
    int ret;                  /* the blocking function's result, once done */

    /* Parameter storage: numbers are copied here so a call never points
     * into the caller's struct after start() returns. Grown at prepare
     * time to the statement with the most parameters. */
    MYSQL_BIND *binds;        /* contiguous, as mysql_stmt_bind_param wants them */
    my_param *params;
    unsigned paramcap;
};

static const char *const tx_sql[] = {
    [-DRV_STMT_BEGIN - 1] = "START TRANSACTION",
    [-DRV_STMT_COMMIT - 1] = "COMMIT",
    [-DRV_STMT_ROLLBACK - 1] = "ROLLBACK",
};
#define NTX ((int)(sizeof tx_sql / sizeof tx_sql[0]))

/* Server and client error numbers that are not "other". Deadlocks and lock
 * waits are worth retrying; constraint failures are the data's doing; the
 * connection class covers a server that went away, restarted (1053 is what
 * running queries get during a shutdown) or killed us, and a protocol state
 * we cannot recover from (2014, 2027): reconnecting is the only way on. */
static const struct {
    unsigned code;
    drv_errclass cls;
} my_errors[] = {
    { 1213, DRV_ERR_RETRYABLE },    /* ER_LOCK_DEADLOCK */
    { 1205, DRV_ERR_RETRYABLE },    /* ER_LOCK_WAIT_TIMEOUT */
    { 1020, DRV_ERR_RETRYABLE },    /* ER_CHECKREAD: MariaDB snapshot isolation conflict */
    { 1062, DRV_ERR_CONSTRAINT },   /* ER_DUP_ENTRY */
    { 1451, DRV_ERR_CONSTRAINT },   /* ER_ROW_IS_REFERENCED_2 */
    { 1452, DRV_ERR_CONSTRAINT },   /* ER_NO_REFERENCED_ROW_2 */
    { 1216, DRV_ERR_CONSTRAINT },   /* ER_NO_REFERENCED_ROW (old servers) */
    { 1217, DRV_ERR_CONSTRAINT },   /* ER_ROW_IS_REFERENCED (old servers) */
    { 1048, DRV_ERR_CONSTRAINT },   /* ER_BAD_NULL_ERROR */
    { 1364, DRV_ERR_CONSTRAINT },   /* ER_NO_DEFAULT_FOR_FIELD */
    { 3819, DRV_ERR_CONSTRAINT },   /* MySQL: check constraint violated */
    { 4025, DRV_ERR_CONSTRAINT },   /* MariaDB: ER_CONSTRAINT_FAILED */
    { 1406, DRV_ERR_CONSTRAINT },   /* ER_DATA_TOO_LONG */
    { 1264, DRV_ERR_CONSTRAINT },   /* ER_WARN_DATA_OUT_OF_RANGE */
    { 1053, DRV_ERR_CONNECTION },   /* ER_SERVER_SHUTDOWN */
    { 1927, DRV_ERR_CONNECTION },   /* ER_CONNECTION_KILLED */
    { 4031, DRV_ERR_CONNECTION },   /* MySQL: disconnected by the server (idle timeout) */
    { 2006, DRV_ERR_CONNECTION },   /* CR_SERVER_GONE_ERROR */
    { 2013, DRV_ERR_CONNECTION },   /* CR_SERVER_LOST */
    { 2014, DRV_ERR_CONNECTION },   /* CR_COMMANDS_OUT_OF_SYNC */
    { 2026, DRV_ERR_CONNECTION },   /* CR_SSL_CONNECTION_ERROR */
    { 2027, DRV_ERR_CONNECTION },   /* CR_MALFORMED_PACKET */
    { 2055, DRV_ERR_CONNECTION },   /* CR_SERVER_LOST_EXTENDED */
};

static drv_errclass my_class(unsigned code)
{
    for (size_t i = 0; i < sizeof my_errors / sizeof my_errors[0]; i++)
        if (my_errors[i].code == code)
            return my_errors[i].cls;
    return DRV_ERR_OTHER;
}

/* Copy a message on one line: results and logs hold one error per line. */
static void one_line(char *dst, size_t len, const char *src)
{
    size_t n = 0;
    for (; src && *src && n + 1 < len; src++)
        dst[n++] = (*src == '\n' || *src == '\r' || *src == '\t') ? ' ' : *src;
    while (n > 0 && dst[n - 1] == ' ')
        n--;
    dst[n] = '\0';
}

/* ---- URL ---------------------------------------------------------------- */

typedef struct my_url {
    char user[128], pass[256], host[256], db[128], socket[256];
    unsigned port;
    bool has_user, has_pass;
} my_url;

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = tolower(ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* Percent-decode s[0..n) into dst; -1 on a bad escape, an embedded NUL or
 * no room. */
static int pct_decode(char *dst, size_t dstlen, const char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int ch = (unsigned char)s[i];
        if (ch == '%') {
            if (i + 2 >= n)
                return -1;
            int hi = hexval((unsigned char)s[i + 1]);
            int lo = hexval((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return -1;
            ch = hi * 16 + lo;
            i += 2;
        }
        if (o + 1 >= dstlen)
            return -1;
        dst[o++] = (char)ch;
    }
    dst[o] = '\0';
    return 0;
}

static int parse_url(const char *url, my_url *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof *u);
    u->port = MYSQL_DEFAULT_PORT;
    const char *p = strstr(url, "://");
    if (!p) {
        snprintf(err, errlen, "mysql: expected mysql://user:pass@host:port/db");
        return -1;
    }
    p += 3;
    /* Authority: up to the path or the query. Its user info ends at the last
     * '@' in it, so an unescaped '@' in a password still works. */
    size_t alen = strcspn(p, "/?");
    const char *aend = p + alen, *at = NULL;
    for (const char *q = p; q < aend; q++)
        if (*q == '@')
            at = q;
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        size_t ulen = colon ? (size_t)(colon - p) : (size_t)(at - p);
        if (pct_decode(u->user, sizeof u->user, p, ulen) != 0) {
            snprintf(err, errlen, "mysql: bad user name in the URL (percent-encode special characters)");
            return -1;
        }
        u->has_user = ulen > 0;
        if (colon) {
            /* Never echo any of it: it is the password. */
            if (pct_decode(u->pass, sizeof u->pass, colon + 1, (size_t)(at - colon - 1)) != 0) {
                snprintf(err, errlen, "mysql: bad password in the URL (percent-encode special characters)");
                return -1;
            }
            u->has_pass = true;
        }
        p = at + 1;
    }
    /* Host and port; an IPv6 address goes in brackets. */
    const char *hend, *port = NULL;
    if (*p == '[') {
        const char *rb = memchr(p, ']', (size_t)(aend - p));
        if (!rb) {
            snprintf(err, errlen, "mysql: missing ']' after the IPv6 address in the URL");
            return -1;
        }
        if (rb + 1 < aend && rb[1] != ':') {
            snprintf(err, errlen, "mysql: expected ':port' after ']' in the URL");
            return -1;
        }
        port = rb + 1 < aend ? rb + 2 : NULL;
        hend = rb;
        p++;
    } else {
        port = memchr(p, ':', (size_t)(aend - p));
        hend = port ? port : aend;
        if (port)
            port++;
    }
    if (pct_decode(u->host, sizeof u->host, p, (size_t)(hend - p)) != 0) {
        snprintf(err, errlen, "mysql: bad host name in the URL");
        return -1;
    }
    if (!u->host[0])
        snprintf(u->host, sizeof u->host, "%s", MYSQL_DEFAULT_HOST);
    if (port) {
        unsigned v = 0;
        const char *q = port;
        for (; q < aend && *q >= '0' && *q <= '9' && v <= 65535; q++)
            v = v * 10 + (unsigned)(*q - '0');
        if (q != aend || q == port || v == 0 || v > 65535) {
            snprintf(err, errlen, "mysql: bad port '%.*s' in the URL (expected 1..65535)",
                     (int)(aend - port), port);
            return -1;
        }
        u->port = v;
    }
    /* Database, then options. */
    p = aend;
    if (*p == '/') {
        size_t dlen = strcspn(++p, "?");
        if (pct_decode(u->db, sizeof u->db, p, dlen) != 0) {
            snprintf(err, errlen, "mysql: bad database name in the URL");
            return -1;
        }
        p += dlen;
    }
    if (*p == '?')
        p++;
    while (*p) {
        size_t n = strcspn(p, "&");
        if (n > 7 && strncmp(p, "socket=", 7) == 0) {
            if (pct_decode(u->socket, sizeof u->socket, p + 7, n - 7) != 0) {
                snprintf(err, errlen, "mysql: bad socket path in the URL");
                return -1;
            }
        } else if (n > 0) {
            snprintf(err, errlen, "mysql: unknown URL option '%.*s' (known: socket=PATH)",
                     (int)strcspn(p, "&="), p);
            return -1;
        }
        p += n + (p[n] == '&');
    }
    return 0;
}

/* ---- connections ------------------------------------------------------- */

static pthread_once_t my_once = PTHREAD_ONCE_INIT;
static int my_init_rc;

/* mysql_init() would initialise the library on first use, but not safely
 * from several worker threads at once. */
static void my_library_init(void)
{
    my_init_rc = mysql_library_init(0, NULL, NULL);
}

static void free_stmts(drv_conn *c)
{
    for (int i = 0; i < c->nstmts; i++) {
        my_stmt *s = &c->stmts[i];
        if (s->st)
            mysql_stmt_close(s->st);
        free(s->cols);
        free(s->vals);
        free(s->nulls);
    }
    free(c->stmts);
    c->stmts = NULL;
    c->nstmts = 0;
}

static void mysql_drv_close(drv_conn *c)
{
    if (!c)
        return;
    /* mysql_close() says goodbye (COM_QUIT) with a blocking write. On a
     * connection that is broken or stopped mid-call, shut the socket first
     * so that write fails at once instead of waiting on a dead peer. Ask the
     * library for the socket: once it has seen the connection drop it has
     * closed it, and the number may already be another connection's. */
    int fd = c->db ? (int)mysql_get_socket(c->db) : -1;
    if ((c->broken || c->phase != PH_IDLE) && fd >= 0)
        shutdown(fd, SHUT_RDWR);
    /* Closing the connection first detaches the statements from it, so
     * closing them after only frees memory: the server drops a session's
     * statements itself, one round trip each would be wasted. */
    if (c->db)
        mysql_close(c->db);
    free_stmts(c);
    free(c->binds);
    free(c->params);
    free(c);
}

static drv_conn *mysql_drv_connect(const char *url, char *err, size_t errlen)
{
    my_url u;
    if (parse_url(url, &u, err, errlen) != 0)
        return NULL;
    char where[300];
    if (u.socket[0])
        snprintf(where, sizeof where, "socket %s", u.socket);
    else if (strchr(u.host, ':'))
        snprintf(where, sizeof where, "[%s]:%u", u.host, u.port);
    else
        snprintf(where, sizeof where, "%s:%u", u.host, u.port);

    pthread_once(&my_once, my_library_init);
    drv_conn *c = calloc(1, sizeof *c);
    unsigned timeout = MYSQL_CONNECT_S;
    unsigned proto = u.socket[0] ? MYSQL_PROTOCOL_SOCKET : MYSQL_PROTOCOL_TCP;
    if (my_init_rc != 0 || !c || !(c->db = mysql_init(NULL)) ||
        mysql_options(c->db, MYSQL_OPT_NONBLOCK, 0) != 0) {   /* allocates the call's own stack */
        snprintf(err, errlen, "mysql: cannot initialise the client library");
        explicit_bzero(u.pass, sizeof u.pass);
        mysql_drv_close(c);
        return NULL;
    }
    mysql_options(c->db, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(c->db, MYSQL_OPT_PROTOCOL, &proto);
    mysql_options(c->db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    /* FOUND_ROWS: an UPDATE reports the rows it matched, as SQLite and
     * PostgreSQL do, not only those whose value changed; workloads read
     * "rows == 0" as "no such row". MULTI_STATEMENTS: for exec(). */
    MYSQL *ok = mysql_real_connect(c->db, u.socket[0] ? "localhost" : u.host,
                                   u.has_user ? u.user : NULL, u.has_pass ? u.pass : NULL,
                                   u.db[0] ? u.db : NULL, u.port, u.socket[0] ? u.socket : NULL,
                                   CLIENT_MULTI_STATEMENTS | CLIENT_FOUND_ROWS);
    explicit_bzero(u.pass, sizeof u.pass);
    if (!ok) {
        char msg[DRV_ERRMSG];
        one_line(msg, sizeof msg, mysql_error(c->db));
        snprintf(err, errlen, "mysql: cannot connect to %s: %s", where, msg);
        mysql_drv_close(c);
        return NULL;
    }
    return c;
}

/* ---- set-up: prepare and exec (blocking) ------------------------------- */

static int bind_columns(my_stmt *s)
{
    s->cols = calloc(s->ncols, sizeof *s->cols);
    s->vals = calloc(s->ncols, sizeof *s->vals);
    s->nulls = calloc(s->ncols, sizeof *s->nulls);
    if (!s->cols || !s->vals || !s->nulls)
        return -1;
    for (unsigned i = 0; i < s->ncols; i++) {
        s->cols[i].buffer_type = MYSQL_TYPE_LONGLONG;
        s->cols[i].buffer = &s->vals[i];
        s->cols[i].is_null = &s->nulls[i];
    }
    return mysql_stmt_bind_result(s->st, s->cols) ? -1 : 0;
}

static int mysql_drv_prepare(drv_conn *c, int nstmts, const char *const *sql, char *err, size_t errlen)
{
    free_stmts(c);
    if (nstmts > 0 && !sql) {
        snprintf(err, errlen, "mysql: the workload has no statements for MySQL");
        return -1;
    }
    c->stmts = calloc((size_t)(nstmts > 0 ? nstmts : 1), sizeof *c->stmts);
    if (!c->stmts) {
        snprintf(err, errlen, "mysql: out of memory");
        return -1;
    }
    c->nstmts = nstmts;
    for (int i = 0; i < nstmts; i++) {
        my_stmt *s = &c->stmts[i];
        const char *text = sql[i] ? sql[i] : "";
        char msg[DRV_ERRMSG];
        if (!(s->st = mysql_stmt_init(c->db))) {
            snprintf(err, errlen, "mysql: out of memory");
            goto failed;
        }
        if (mysql_stmt_prepare(s->st, text, strlen(text)) != 0) {
            one_line(msg, sizeof msg, mysql_stmt_error(s->st));
            snprintf(err, errlen, "mysql: cannot prepare statement %d (%.60s%s): %s", i, text,
                     strlen(text) > 60 ? "..." : "", msg);
            goto failed;
        }
        s->nparams = (unsigned)mysql_stmt_param_count(s->st);
        if (s->nparams > c->paramcap) {
            my_param *p = realloc(c->params, sizeof *p * s->nparams);
            if (p)
                c->params = p;
            MYSQL_BIND *b = realloc(c->binds, sizeof *b * s->nparams);
            if (b)
                c->binds = b;
            if (!p || !b) {
                snprintf(err, errlen, "mysql: out of memory");
                goto failed;
            }
            c->paramcap = s->nparams;
        }
        s->ncols = mysql_stmt_field_count(s->st);
        if (s->ncols && bind_columns(s) != 0) {
            one_line(msg, sizeof msg, mysql_stmt_error(s->st));
            snprintf(err, errlen, "mysql: cannot bind the columns of statement %d: %s", i, msg);
            goto failed;
        }
    }
    return 0;
failed:
    free_stmts(c);   /* none half-prepared: a later call says "no statement" */
    return -1;
}

static int mysql_drv_exec(drv_conn *c, const char *sql, char *err, size_t errlen)
{
    /* Every result must be read, or the connection is out of sync for the
     * next command; an error in a later statement shows at its result. */
    if (mysql_real_query(c->db, sql, strlen(sql)) == 0) {
        for (;;) {
            MYSQL_RES *res = mysql_store_result(c->db);
            if (res)
                mysql_free_result(res);
            else if (mysql_field_count(c->db) != 0)
                break;
            int more = mysql_next_result(c->db);
            if (more < 0)
                return 0;
            if (more > 0)
                break;
        }
    }
    char msg[DRV_ERRMSG];
    one_line(msg, sizeof msg, mysql_error(c->db));
    snprintf(err, errlen, "mysql: %s (error %u)", msg, mysql_errno(c->db));
    if (my_class(mysql_errno(c->db)) == DRV_ERR_CONNECTION)
        c->broken = true;
    return -1;
}

/* ---- catalog reads (blocking) ------------------------------------------ */

/* The statement's error on one line; a lost connection marks c broken. */
static int query_failed(drv_conn *c, MYSQL_STMT *st, char *err, size_t errlen)
{
    char msg[DRV_ERRMSG];
    unsigned code = st && mysql_stmt_errno(st) ? mysql_stmt_errno(st) : mysql_errno(c->db);
    one_line(msg, sizeof msg, st && mysql_stmt_errno(st) ? mysql_stmt_error(st) : mysql_error(c->db));
    snprintf(err, errlen, "mysql: %s (error %u)", msg[0] ? msg : "query failed", code);
    if (my_class(code) == DRV_ERR_CONNECTION)
        c->broken = true;
    return -1;
}

/* A prepared statement, so the parameters are bound, never pasted in; the
 * library's blocking calls work on a handle set up for the nonblocking ones.
 * Every column is fetched as a string into a buffer sized by the stored
 * result's longest value; should one still come back truncated, it is read
 * again whole with mysql_stmt_fetch_column. */
static int mysql_drv_query(drv_conn *c, const char *sql, int nparams, const char *const *params,
                           int (*row)(void *user, int ncols, const char *const *values), void *user, char *err,
                           size_t errlen)
{
    if (c->phase != PH_IDLE || c->broken) {
        snprintf(err, errlen, "mysql: the connection is %s", c->broken ? "lost" : "busy");
        return -1;
    }
    if (nparams < 0 || nparams > DRV_MAX_PARAMS) {
        snprintf(err, errlen, "mysql: %d parameters (at most %d)", nparams, DRV_MAX_PARAMS);
        return -1;
    }
    MYSQL_STMT *st = mysql_stmt_init(c->db);
    if (!st) {
        snprintf(err, errlen, "mysql: out of memory");
        return -1;
    }
    int rc = -1;
    unsigned ncols = 0;
    MYSQL_RES *meta = NULL;
    MYSQL_BIND *cols = NULL;
    unsigned long *lens = NULL;
    my_bool *nulls = NULL;
    char **bufs = NULL;
    const char **values = NULL;

    MYSQL_BIND in[DRV_MAX_PARAMS];
    unsigned long inlen[DRV_MAX_PARAMS];
    memset(in, 0, sizeof in);
    for (int i = 0; i < nparams; i++) {
        if (!params[i]) {
            in[i].buffer_type = MYSQL_TYPE_NULL;
            continue;
        }
        inlen[i] = strlen(params[i]);
        in[i].buffer_type = MYSQL_TYPE_STRING;
        in[i].buffer = (void *)params[i];
        in[i].buffer_length = inlen[i];
        in[i].length = &inlen[i];
    }
    my_bool update_max = 1;
    if (mysql_stmt_prepare(st, sql, strlen(sql)) != 0)
        goto failed;
    if (mysql_stmt_param_count(st) != (unsigned long)nparams) {
        snprintf(err, errlen, "mysql: the query takes %lu parameters, got %d", mysql_stmt_param_count(st), nparams);
        goto done;
    }
    if ((nparams && mysql_stmt_bind_param(st, in)) ||
        mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max) || mysql_stmt_execute(st) != 0)
        goto failed;
    ncols = mysql_stmt_field_count(st);
    if (ncols == 0) {
        rc = 0;
        goto done;
    }
    if (mysql_stmt_store_result(st) != 0 || !(meta = mysql_stmt_result_metadata(st)))
        goto failed;
    MYSQL_FIELD *fields = mysql_fetch_fields(meta);
    cols = calloc(ncols, sizeof *cols);
    lens = calloc(ncols, sizeof *lens);
    nulls = calloc(ncols, sizeof *nulls);
    bufs = calloc(ncols, sizeof *bufs);
    values = calloc(ncols, sizeof *values);
    if (!cols || !lens || !nulls || !bufs || !values)
        goto oom;
    for (unsigned i = 0; i < ncols; i++) {
        unsigned long cap = (fields[i].max_length > 63 ? fields[i].max_length : 63) + 1;
        if (!(bufs[i] = malloc(cap)))
            goto oom;
        cols[i].buffer_type = MYSQL_TYPE_STRING;
        cols[i].buffer = bufs[i];
        cols[i].buffer_length = cap;
        cols[i].length = &lens[i];
        cols[i].is_null = &nulls[i];
    }
    if (mysql_stmt_bind_result(st, cols) != 0)
        goto failed;
    for (;;) {
        int f = mysql_stmt_fetch(st);
        if (f == MYSQL_NO_DATA)
            break;
        if (f == 1)
            goto failed;
        bool rebind = false;
        for (unsigned i = 0; i < ncols; i++) {
            if (!nulls[i] && lens[i] >= cols[i].buffer_length) {
                char *b = realloc(bufs[i], lens[i] + 1);
                if (!b)
                    goto oom;
                bufs[i] = cols[i].buffer = b;
                cols[i].buffer_length = lens[i] + 1;
                if (mysql_stmt_fetch_column(st, &cols[i], i, 0) != 0)
                    goto failed;
                rebind = true;
            }
            if (!nulls[i])
                bufs[i][lens[i]] = '\0';
            values[i] = nulls[i] ? NULL : bufs[i];
        }
        if (rebind && mysql_stmt_bind_result(st, cols) != 0)
            goto failed;
        if (row && row(user, (int)ncols, values) != 0)
            break;
    }
    rc = 0;
    goto done;
oom:
    snprintf(err, errlen, "mysql: out of memory");
    goto done;
failed:
    query_failed(c, st, err, errlen);
done:
    if (meta)
        mysql_free_result(meta);
    mysql_stmt_close(st);   /* also frees the stored rows */
    for (unsigned i = 0; bufs && i < ncols; i++)
        free(bufs[i]);
    free(bufs);
    free(values);
    free(cols);
    free(lens);
    free(nulls);
    return rc;
}

/* ---- the load: non-blocking calls -------------------------------------- */

static drv_status fail(drv_conn *c, drv_reply *r, drv_errclass cls, const char *msg)
{
    c->phase = PH_IDLE;
    c->wait = 0;
    if (cls == DRV_ERR_CONNECTION)
        c->broken = true;
    r->err = cls;
    one_line(r->errmsg, sizeof r->errmsg, msg);
    return DRV_DONE;
}

static drv_status fail_conn(drv_conn *c, drv_reply *r)
{
    unsigned code = mysql_errno(c->db);
    return fail(c, r, code ? my_class(code) : DRV_ERR_OTHER, mysql_error(c->db));
}

/* A statement's error, or the connection's when the library left it there. */
static drv_status fail_stmt(drv_conn *c, drv_reply *r)
{
    MYSQL_STMT *st = c->cur->st;
    unsigned code = mysql_stmt_errno(st);
    if (!code)
        return fail_conn(c, r);
    return fail(c, r, my_class(code), mysql_stmt_error(st));
}

static void first_row(my_stmt *s, drv_reply *r)
{
    /* The rows are stored on our side: this fetch reads memory, not the socket. */
    int rc = mysql_stmt_fetch(s->st);
    if (rc != 0 && rc != MYSQL_DATA_TRUNCATED)
        return;
    r->ncols = s->ncols < DRV_MAX_COLS ? (int)s->ncols : DRV_MAX_COLS;
    for (int i = 0; i < r->ncols; i++)
        r->col[i] = s->nulls[i] ? 0 : s->vals[i];
}

/* Carry the call on from a _start or _cont that returned `status`: wait
 * again, or move to the next phase, or finish. */
static drv_status step(drv_conn *c, drv_reply *r, int status)
{
    for (;;) {
        if (status) {
            /* No read or write timeouts are set, so the library waits on the
             * socket alone (a timeout is only ever asked for by a connect). */
            c->wait = status;
            r->fd = (int)mysql_get_socket(c->db);
            r->events = (status & MYSQL_WAIT_READ ? EPOLLIN : 0) | (status & MYSQL_WAIT_WRITE ? EPOLLOUT : 0) |
                        (status & MYSQL_WAIT_EXCEPT ? EPOLLPRI : 0);
            if (!r->events)
                r->events = EPOLLIN;
            return DRV_WAIT;
        }
        c->wait = 0;
        my_stmt *s = c->cur;
        switch (c->phase) {
        case PH_EXECUTE:
            if (c->ret != 0)
                return fail_stmt(c, r);
            if (s->ncols) {
                c->phase = PH_STORE;
                status = mysql_stmt_store_result_start(&c->ret, s->st);
                continue;
            }
            r->rows = (int64_t)mysql_stmt_affected_rows(s->st);
            r->last_id = (int64_t)mysql_stmt_insert_id(s->st);
            break;
        case PH_STORE:
            if (c->ret != 0)
                return fail_stmt(c, r);
            r->rows = (int64_t)mysql_stmt_num_rows(s->st);
            if (r->rows > 0)
                first_row(s, r);
            mysql_stmt_free_result(s->st);
            break;
        case PH_QUERY:
            if (c->ret != 0)
                return fail_conn(c, r);
            break;
        case PH_IDLE:
            break;
        }
        c->phase = PH_IDLE;
        return DRV_DONE;
    }
}

static int bind_params(drv_conn *c, my_stmt *s, const drv_call *call)
{
    const drv_value *pv = drv_call_params(call);
    MYSQL_BIND *binds = c->binds;
    if (call->nparams)
        memset(binds, 0, sizeof *binds * (size_t)call->nparams);
    for (int i = 0; i < call->nparams; i++) {
        const drv_value *v = &pv[i];
        my_param *p = &c->params[i];
        MYSQL_BIND *b = &binds[i];
        switch (v->type) {
        case DRV_INT:
            p->ival = v->v.i;
            b->buffer_type = MYSQL_TYPE_LONGLONG;
            b->buffer = &p->ival;
            break;
        case DRV_DOUBLE:
            p->dval = v->v.d;
            b->buffer_type = MYSQL_TYPE_DOUBLE;
            b->buffer = &p->dval;
            break;
        case DRV_TEXT:
            if (!v->v.text.s) {
                b->buffer_type = MYSQL_TYPE_NULL;
                break;
            }
            p->len = v->v.text.len >= 0 ? (unsigned long)v->v.text.len : strlen(v->v.text.s);
            b->buffer_type = MYSQL_TYPE_STRING;
            b->buffer = (void *)v->v.text.s;
            b->buffer_length = p->len;
            b->length = &p->len;
            break;
        default:
            b->buffer_type = MYSQL_TYPE_NULL;
            break;
        }
    }
    return call->nparams ? mysql_stmt_bind_param(s->st, binds) : 0;
}

static drv_status mysql_drv_start(drv_conn *c, const drv_call *call, drv_reply *r)
{
    r->err = DRV_OK;
    r->errmsg[0] = '\0';
    r->rows = 0;
    r->last_id = 0;
    r->ncols = 0;
    char msg[DRV_ERRMSG];
    if (c->phase != PH_IDLE)
        return fail(c, r, DRV_ERR_CONNECTION, "mysql: a call started while another was in flight");
    if (c->broken || (int)mysql_get_socket(c->db) < 0)
        return fail(c, r, DRV_ERR_CONNECTION, "mysql: the connection is lost");
    if (call->stmt < 0) {
        if (-call->stmt - 1 >= NTX) {
            snprintf(msg, sizeof msg, "mysql: no statement %d", call->stmt);
            return fail(c, r, DRV_ERR_OTHER, msg);
        }
        const char *q = tx_sql[-call->stmt - 1];
        c->phase = PH_QUERY;
        return step(c, r, mysql_real_query_start(&c->ret, c->db, q, strlen(q)));
    }
    if (call->stmt >= c->nstmts) {
        snprintf(msg, sizeof msg, "mysql: no statement %d", call->stmt);
        return fail(c, r, DRV_ERR_OTHER, msg);
    }
    my_stmt *s = &c->stmts[call->stmt];
    if (call->nparams != (int)s->nparams || call->nparams < 0 || (!call->pv && call->nparams > DRV_MAX_PARAMS)) {
        snprintf(msg, sizeof msg, "mysql: statement %d takes %u parameters, got %d", call->stmt, s->nparams,
                 call->nparams);
        return fail(c, r, DRV_ERR_OTHER, msg);
    }
    c->cur = s;
    if (bind_params(c, s, call) != 0)
        return fail(c, r, DRV_ERR_OTHER, mysql_stmt_error(s->st));
    c->phase = PH_EXECUTE;
    return step(c, r, mysql_stmt_execute_start(&c->ret, s->st));
}

static drv_status mysql_drv_resume(drv_conn *c, drv_reply *r)
{
    /* The worker calls us when the socket is ready for what we asked; tell
     * the library that much. If it was not quite ready, the library asks again. */
    int ready = c->wait & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE | MYSQL_WAIT_EXCEPT);
    if (!ready)
        ready = c->wait;
    int status;
    switch (c->phase) {
    case PH_EXECUTE: status = mysql_stmt_execute_cont(&c->ret, c->cur->st, ready); break;
    case PH_STORE:   status = mysql_stmt_store_result_cont(&c->ret, c->cur->st, ready); break;
    case PH_QUERY:   status = mysql_real_query_cont(&c->ret, c->db, ready); break;
    default:         return DRV_DONE;   /* nothing in flight: the reply stands */
    }
    return step(c, r, status);
}

const drv_ops mysql_driver = {
    .name = "mysql",
    .schemes = (const char *const[]){ "mysql://", "mariadb://", NULL },
    .dialect = "mysql",
    .max_conns_per_thread = 0,
    .local = false,
    .connect = mysql_drv_connect,
    .prepare = mysql_drv_prepare,
    .exec = mysql_drv_exec,
    .query = mysql_drv_query,
    .start = mysql_drv_start,
    .resume = mysql_drv_resume,
    .close = mysql_drv_close,
};
