/* mssql.c - SQL Server and Azure SQL targets, on FreeTDS db-lib (libsybdb).
 *
 * URL: mssql://user:pass@host:port/db or sqlserver://..., user and password
 * percent-decoded; host 127.0.0.1 and port 1433 by default, an IPv6 address
 * in brackets; ?encrypt=true demands TLS (without it freetds.conf decides,
 * FreeTDS's default being to encrypt when the server asks). TDS 7.4, UTF-8
 * on the client side: FreeTDS converts to and from the server's UCS-2.
 *
 * Blocking or not. db-lib has no nonblocking API: dbsqlok() and dbresults()
 * read the socket until they have what they want. What it does have is a
 * split between sending (dbrpcsend / dbsqlsend return once the request is
 * written) and reading, and the socket (dbiordesc). So start() sends and
 * answers DRV_WAIT on the socket; resume() runs once the first bytes of
 * the answer are there and reads the answer to its end. The wait that
 * matters - the server executing the statement, waiting on locks - is the
 * engine's poll, so one worker thread drives many connections; what still
 * blocks the thread is the transfer of an answer that has started to
 * arrive, which is short unless the server streams a large result slowly.
 * The statements of a load are small, so the driver does not limit
 * connections per thread; a workload of big streaming reads would be
 * better served by more threads.
 *
 * Statements keep their `?` placeholders up to prepare(), which rewrites
 * them as @p1, @p2 ... and each call runs through sp_executesql as an RPC
 * with the values as typed parameters: never pasted into the text, and
 * the server caches one plan per text and parameter declaration. db-lib
 * cannot send an empty string as an RPC parameter (a zero length means
 * NULL), so a call with an empty text value has that one placeholder
 * written as the constant N'' in its text instead; the value is fixed, so
 * nothing of the caller's reaches the text. Transaction control goes as
 * plain batches.
 *
 * db-lib reports through two process-wide callbacks (server messages,
 * library errors); they find the connection through dbgetuserdata() and
 * keep the first of each kind for the call in flight.
 */
#include "drivers/driver.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <sybfront.h>
#include <sybdb.h>

#include "core/strbuf.h"

#define MS_DEFAULT_PORT  1433
#define MS_DEFAULT_HOST  "127.0.0.1"
#define MS_LOGIN_S       5        /* an unreachable server fails in seconds, not minutes */
#define MS_MAX_PARAMS    2098     /* an RPC takes 2100; sp_executesql's @stmt and @params are two */
#define MS_NVARCHAR_MAX  4000     /* bytes of UTF-8 that surely fit nvarchar(4000); longer go as (max) */
#define MS_MAX_FAILS     1000     /* failed results of one answer before we stop believing it ends */

/* What every session gets first. db-lib logins get the old DB-Library
 * defaults (ANSI_NULLS, QUOTED_IDENTIFIER, ANSI_WARNINGS ... OFF), under
 * which a table with a filtered index or an indexed computed column
 * refuses writes and NULL columns default to NOT NULL; these are the
 * settings ODBC and SSMS sessions have. DATEFORMAT ymd so '2024-01-02'
 * reads the same under any language; TEXTSIZE so long text is not cut
 * at freetds.conf's "text size". */
static const char ms_session_sql[] =
    "SET ANSI_NULLS ON; SET ANSI_PADDING ON; SET ANSI_WARNINGS ON; SET ARITHABORT ON;"
    " SET CONCAT_NULL_YIELDS_NULL ON; SET QUOTED_IDENTIFIER ON; SET NUMERIC_ROUNDABORT OFF;"
    " SET ANSI_NULL_DFLT_ON ON; SET IMPLICIT_TRANSACTIONS OFF; SET DATEFORMAT ymd;"
    " SET TEXTSIZE 2147483647";

/* ROLLBACK only when a transaction is open: a deadlock or a severe error
 * has already rolled it back, and ROLLBACK alone would then fail (3903). */
static const char *const tx_sql[] = {
    [-DRV_STMT_BEGIN - 1] = "BEGIN TRANSACTION",
    [-DRV_STMT_COMMIT - 1] = "COMMIT TRANSACTION",
    [-DRV_STMT_ROLLBACK - 1] = "IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION",
};
#define NTX ((int)(sizeof tx_sql / sizeof tx_sql[0]))

typedef struct ms_stmt {
    char *sql;        /* as given, with `?` */
    char *text;       /* rewritten with @p1 ... */
    int nparams;
} ms_stmt;

#define MS_OWN (-1)       /* ms_msg.code of a message of the driver's own */

typedef struct ms_msg {   /* the first message of one kind; code 0 = none */
    int code;             /* server message number, db-lib's own (20000 and up), or MS_OWN */
    int severity;
    int oserr;            /* db-lib errors: errno of a failed socket call */
    char text[DRV_ERRMSG];
} ms_msg;

typedef struct ms_msgs {
    ms_msg server;        /* from the server, severity above 10 (lower is information) */
    ms_msg client;        /* from db-lib itself: network, conversion */
} ms_msgs;

struct drv_conn {
    DBPROCESS *db;
    bool broken;          /* lost: every call fails until close() */
    bool busy;            /* a request sent, its answer not read yet */
    int nstmts;
    ms_stmt *stmts;
    ms_msgs msgs;         /* of the call in flight */

    /* What dbrpcparam points at until dbrpcsend copies it. */
    DBBIGINT *ival;
    DBFLT8 *dval;
    int paramcap;
    strbuf decl;          /* "@p1 bigint, @p2 nvarchar(4000)" */
    char *scratch;        /* a statement rewritten for one call (empty strings, query()) */
    size_t scratchcap;
};

/* ---- placeholders ------------------------------------------------------ */

/* Not static so tests/unit/test_mssql.c can check them without a server;
 * no header, as nothing else has any business calling them. */
size_t drv_mssql_placeholders(const char *sql, char *out, size_t outlen, int *count);
drv_errclass drv_mssql_class(int code, int severity, bool client);
int drv_mssql_url_describe(const char *url, char *out, size_t outlen, char *err, size_t errlen);

static bool is_empty_text(const drv_value *v)
{
    return v->type == DRV_TEXT && v->v.text.s && (v->v.text.len == 0 || (v->v.text.len < 0 && !*v->v.text.s));
}

/* The `?` of sql as @p1, @p2 ... into out (at most outlen - 1 bytes and a
 * NUL, like snprintf), leaving alone any `?` inside '...' strings (N'...'
 * too), "..." and [...] identifiers, -- and (nested) block comments. With
 * pv, a placeholder whose value is an empty text becomes N'' (see the top).
 * Returns the length of the whole rewrite; *count the placeholders. */
static size_t rewrite(const char *sql, const drv_value *pv, char *out, size_t outlen, int *count)
{
    size_t o = 0;
    int n = 0;
#define PUT(ch) do { char put_ = (ch); if (o + 1 < outlen) out[o] = put_; o++; } while (0)
    const char *p = sql;
    while (*p) {
        char ch = *p;
        if (ch == '\'' || ch == '"' || ch == '[') {
            char close = ch == '[' ? ']' : ch;   /* the closer doubled stands for itself */
            PUT(*p++);
            while (*p && !(*p == close && p[1] != close)) {
                if (*p == close)
                    PUT(*p++);
                PUT(*p++);
            }
            if (*p)
                PUT(*p++);
        } else if (ch == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                PUT(*p++);
        } else if (ch == '/' && p[1] == '*') {
            int depth = 0;
            do {
                if (p[0] == '/' && p[1] == '*') {
                    depth++;
                    PUT(*p++);
                } else if (p[0] == '*' && p[1] == '/') {
                    depth--;
                    PUT(*p++);
                }
                PUT(*p++);
            } while (*p && depth > 0);
        } else if (ch == '?') {
            char name[16];
            int len = pv && is_empty_text(&pv[n]) ? snprintf(name, sizeof name, "N''")
                                                   : snprintf(name, sizeof name, "@p%d", n + 1);
            n++;
            for (int i = 0; i < len; i++)
                PUT(name[i]);
            p++;
        } else {
            PUT(*p++);
        }
    }
#undef PUT
    if (outlen)
        out[o < outlen ? o : outlen - 1] = '\0';
    if (count)
        *count = n;
    return o;
}

size_t drv_mssql_placeholders(const char *sql, char *out, size_t outlen, int *count)
{
    return rewrite(sql, NULL, out, outlen, count);
}

/* ---- errors ------------------------------------------------------------ */

/* Server messages and db-lib errors that are not "other". Deadlocks, lock
 * timeouts and snapshot or in-memory conflicts are worth retrying, as is
 * Azure SQL's "busy" and throttling; constraint failures (keys, NOT NULL,
 * too long or too big for the column) are the data's doing. The
 * connection class covers a server shutting down, a session killed, Azure
 * moving the database, and db-lib losing the socket. Severity 20 and above
 * is fatal to the connection whatever the number. */
static const struct {
    int code;
    drv_errclass cls;
} ms_server_errors[] = {
    { 1205, DRV_ERR_RETRYABLE },    /* chosen as deadlock victim */
    { 1222, DRV_ERR_RETRYABLE },    /* lock request time out (SET LOCK_TIMEOUT) */
    { 3960, DRV_ERR_RETRYABLE },    /* snapshot isolation update conflict */
    { 41301, DRV_ERR_RETRYABLE },   /* in-memory OLTP: commit dependency failed */
    { 41302, DRV_ERR_RETRYABLE },   /* in-memory OLTP: update conflict */
    { 41305, DRV_ERR_RETRYABLE },   /* in-memory OLTP: repeatable read validation */
    { 41325, DRV_ERR_RETRYABLE },   /* in-memory OLTP: serializable validation */
    { 40501, DRV_ERR_RETRYABLE },   /* Azure SQL: the service is busy */
    { 49918, DRV_ERR_RETRYABLE },   /* Azure SQL: not enough resources */
    { 49919, DRV_ERR_RETRYABLE },
    { 49920, DRV_ERR_RETRYABLE },
    { 2627, DRV_ERR_CONSTRAINT },   /* PRIMARY KEY or UNIQUE constraint */
    { 2601, DRV_ERR_CONSTRAINT },   /* duplicate key in a unique index */
    { 547, DRV_ERR_CONSTRAINT },    /* FOREIGN KEY or CHECK constraint */
    { 515, DRV_ERR_CONSTRAINT },    /* NULL into a NOT NULL column */
    { 8152, DRV_ERR_CONSTRAINT },   /* string or binary data would be truncated */
    { 2628, DRV_ERR_CONSTRAINT },   /* the same, naming the column (2019+) */
    { 8115, DRV_ERR_CONSTRAINT },   /* arithmetic overflow converting to the column's type */
    { 6005, DRV_ERR_CONNECTION },   /* SHUTDOWN is in progress */
    { 596, DRV_ERR_CONNECTION },    /* the session is in the kill state */
    { 40197, DRV_ERR_CONNECTION },  /* Azure SQL: error processing the request, reconnect */
    { 40613, DRV_ERR_CONNECTION },  /* Azure SQL: database not available */
};

/* db-lib errors that mean the socket is gone (or never was). */
static const int ms_client_lost[] = {
    SYBEFCON, SYBETIME, SYBEREAD, SYBEWRIT, SYBESOCK, SYBECONN, SYBESEOF, SYBEDDNE,
};

/* The class of a message: a server message (code, severity) or, with
 * client, a db-lib error. Pure, for the tests. */
drv_errclass drv_mssql_class(int code, int severity, bool client)
{
    if (client) {
        for (size_t i = 0; i < sizeof ms_client_lost / sizeof ms_client_lost[0]; i++)
            if (ms_client_lost[i] == code)
                return DRV_ERR_CONNECTION;
        return DRV_ERR_OTHER;
    }
    for (size_t i = 0; i < sizeof ms_server_errors / sizeof ms_server_errors[0]; i++)
        if (ms_server_errors[i].code == code)
            return ms_server_errors[i].cls;
    return severity >= 20 ? DRV_ERR_CONNECTION : DRV_ERR_OTHER;
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

/* Messages at login, before the connection has its user data: one thread
 * runs one dbopen() at a time, so a slot per thread is the connect's own. */
static _Thread_local ms_msgs ms_login_msgs;

static ms_msgs *msgs_of(DBPROCESS *db)
{
    drv_conn *c = db ? (drv_conn *)dbgetuserdata(db) : NULL;
    return c ? &c->msgs : &ms_login_msgs;
}

static void keep(ms_msg *m, int code, int severity, int oserr, const char *text)
{
    if (m->code)
        return;
    m->code = code;
    m->severity = severity;
    m->oserr = oserr;
    one_line(m->text, sizeof m->text, text);
    /* db-lib still calls every server "Adaptive Server" (Sybase's). */
    char *as = strstr(m->text, "Adaptive Server");
    if (as) {
        memmove(as + 3, as + 8, strlen(as + 8) + 1);
        memcpy(as, "SQL", 3);
    }
}

static int ms_on_message(DBPROCESS *db, DBINT msgno, int msgstate, int severity, char *msgtext, char *srvname,
                         char *proc, int line)
{
    (void)msgstate, (void)srvname, (void)proc, (void)line;
    if (severity > 10)   /* 10 and below: "changed database context" and the like */
        keep(&msgs_of(db)->server, (int)msgno, severity, 0, msgtext);
    return 0;
}

/* Always INT_CANCEL: the call fails and we decide. (db-lib's default for a
 * dead connection, INT_EXIT, would end the whole process.) */
static int ms_on_error(DBPROCESS *db, int severity, int dberr, int oserr, char *dberrstr, char *oserrstr)
{
    (void)oserrstr;
    /* SYBESMSG only says "the server sent a message", which we have; a name
     * not in freetds.conf is what every host:port is. */
    if (dberr != SYBESMSG && dberr != SYBEINTF)
        keep(&msgs_of(db)->client, dberr, severity, oserr, dberrstr);
    return INT_CANCEL;
}

/* ---- URL --------------------------------------------------------------- */

typedef struct ms_url {
    char user[128], pass[256], host[256], db[128];
    unsigned port;
    bool encrypt;
} ms_url;

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
            int hi = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
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

static int url_fail(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "mssql: %s", what);
    return -1;
}

/* Every message names the part that is wrong, never the password. */
static int parse_url(const char *url, ms_url *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof *u);
    u->port = MS_DEFAULT_PORT;
    const char *p = strstr(url, "://");
    if (!p)
        return url_fail(err, errlen, "expected mssql://user:pass@host:port/db");
    p += 3;
    /* The user info ends at the last '@' before the path, so an unescaped
     * '@' in a password still works. */
    const char *aend = p + strcspn(p, "/?"), *at = NULL;
    for (const char *q = p; q < aend; q++)
        if (*q == '@')
            at = q;
    if (!at)
        return url_fail(err, errlen, "no user in the URL (mssql://user:pass@host:port/db)");
    const char *colon = memchr(p, ':', (size_t)(at - p));
    size_t ulen = colon ? (size_t)(colon - p) : (size_t)(at - p);
    if (pct_decode(u->user, sizeof u->user, p, ulen) != 0 || !u->user[0])
        return url_fail(err, errlen, "bad or empty user name in the URL (percent-encode special characters)");
    if (colon && pct_decode(u->pass, sizeof u->pass, colon + 1, (size_t)(at - colon - 1)) != 0)
        return url_fail(err, errlen, "bad password in the URL (percent-encode special characters)");
    p = at + 1;

    const char *hend, *port;
    if (*p == '[') {   /* IPv6 */
        const char *rb = memchr(p, ']', (size_t)(aend - p));
        if (!rb)
            return url_fail(err, errlen, "missing ']' after the IPv6 address in the URL");
        if (rb + 1 < aend && rb[1] != ':')
            return url_fail(err, errlen, "expected ':port' after ']' in the URL");
        port = rb + 1 < aend ? rb + 2 : NULL;
        hend = rb;
        p++;
    } else {
        port = memchr(p, ':', (size_t)(aend - p));
        hend = port ? port : aend;
        if (port)
            port++;
    }
    if (pct_decode(u->host, sizeof u->host, p, (size_t)(hend - p)) != 0)
        return url_fail(err, errlen, "bad host name in the URL");
    if (!u->host[0])
        snprintf(u->host, sizeof u->host, "%s", MS_DEFAULT_HOST);
    if (port) {
        unsigned v = 0;
        const char *q = port;
        for (; q < aend && *q >= '0' && *q <= '9' && v <= 65535; q++)
            v = v * 10 + (unsigned)(*q - '0');
        if (q != aend || q == port || v == 0 || v > 65535) {
            snprintf(err, errlen, "mssql: bad port '%.*s' in the URL (expected 1..65535)", (int)(aend - port), port);
            return -1;
        }
        u->port = v;
    }
    p = aend;
    if (*p == '/') {
        size_t dlen = strcspn(++p, "?");
        if (pct_decode(u->db, sizeof u->db, p, dlen) != 0)
            return url_fail(err, errlen, "bad database name in the URL");
        p += dlen;
    }
    if (*p == '?')
        p++;
    while (*p) {
        size_t n = strcspn(p, "&");
        if (n == 12 && strncmp(p, "encrypt=true", 12) == 0)
            u->encrypt = true;
        else if (n == 13 && strncmp(p, "encrypt=false", 13) == 0)
            u->encrypt = false;
        else if (n > 0) {
            snprintf(err, errlen, "mssql: unknown URL option '%.*s' (known: encrypt=true|false)",
                     (int)strcspn(p, "&="), p);
            return -1;
        }
        p += n + (p[n] == '&');
    }
    return 0;
}

/* "127.0.0.1:1433" or "[::1]:1433": for messages, and FreeTDS takes the
 * same as a server name. */
static void where_of(const ms_url *u, char *buf, size_t len)
{
    snprintf(buf, len, strchr(u->host, ':') ? "[%s]:%u" : "%s:%u", u->host, u->port);
}

/* What the driver makes of a URL, without the password:
 * "server=HOST:PORT user=U db=D encrypt=true|default". For the tests. */
int drv_mssql_url_describe(const char *url, char *out, size_t outlen, char *err, size_t errlen)
{
    ms_url u;
    if (parse_url(url, &u, err, errlen) != 0)
        return -1;
    char where[300];
    where_of(&u, where, sizeof where);
    snprintf(out, outlen, "server=%s user=%s db=%s encrypt=%s", where, u.user, u.db, u.encrypt ? "true" : "default");
    explicit_bzero(u.pass, sizeof u.pass);
    return 0;
}

/* ---- connections ------------------------------------------------------- */

static pthread_once_t ms_once = PTHREAD_ONCE_INIT;
static RETCODE ms_init_rc = FAIL;

/* db-lib's state, handlers and login timeout are process-wide: set once. */
static void ms_library_init(void)
{
    ms_init_rc = dbinit();
    if (ms_init_rc != SUCCEED)
        return;
    dberrhandle(ms_on_error);
    dbmsghandle(ms_on_message);
    dbsetlogintime(MS_LOGIN_S);
}

/* Why a connect failed: the server's own message when it sent one (login
 * failed, no such database), else db-lib's, in plainer words where we
 * know them. */
static void login_failure(const ms_msgs *m, char *buf, size_t len)
{
    const ms_msg *c = &m->client;
    if (m->server.code)
        snprintf(buf, len, "%.200s (error %d)", m->server.text, m->server.code);
    else if (c->code == SYBECONN && c->oserr > 0)
        snprintf(buf, len, "%s", strerror(c->oserr));
    else if (c->code == SYBETIME)
        snprintf(buf, len, "no answer within %d s", MS_LOGIN_S);
    else if (c->code == SYBEFCON)
        snprintf(buf, len, "the connection closed during login");
    else if (c->code == SYBEUHST)
        snprintf(buf, len, "unknown host");
    else
        snprintf(buf, len, "%s", c->code ? c->text : "login failed");
}

/* Replace every occurrence of secret in buf by "****" (secrets under 3
 * bytes would match ordinary text). */
static void scrub(char *buf, size_t len, const char *secret)
{
    size_t n = strlen(secret);
    if (n < 3)
        return;
    char *from = buf, *hit;
    while ((hit = strstr(from, secret)) != NULL) {
        char rest[DRV_ERRMSG * 2];
        snprintf(rest, sizeof rest, "%s", hit + n);
        snprintf(hit, len - (size_t)(hit - buf), "****%s", rest);
        from = hit + 4;
    }
}

static void free_stmts(drv_conn *c)
{
    for (int i = 0; i < c->nstmts; i++) {
        free(c->stmts[i].sql);
        free(c->stmts[i].text);
    }
    free(c->stmts);
    c->stmts = NULL;
    c->nstmts = 0;
}

static void ms_close(drv_conn *c)
{
    if (!c)
        return;
    if (c->db) {
        /* Closing may write to the socket; on a connection that is broken
         * or stopped mid-call, shut it first so nothing waits on a dead
         * peer. Ask the library for the socket: it may have closed it. */
        int fd = dbiordesc(c->db);
        if ((c->broken || c->busy) && fd >= 0)
            shutdown(fd, SHUT_RDWR);
        dbclose(c->db);
    }
    free_stmts(c);
    free(c->ival);
    free(c->dval);
    sb_free(&c->decl);
    free(c->scratch);
    free(c);
}

static int run_batch(drv_conn *c, const char *sql, size_t len, char *err, size_t errlen);

static drv_conn *ms_connect(const char *url, char *err, size_t errlen)
{
    ms_url u;
    if (parse_url(url, &u, err, errlen) != 0)
        return NULL;
    char where[300], why[DRV_ERRMSG];
    where_of(&u, where, sizeof where);

    pthread_once(&ms_once, ms_library_init);
    drv_conn *c = calloc(1, sizeof *c);
    LOGINREC *login = ms_init_rc == SUCCEED ? dblogin() : NULL;
    if (!c || !login) {
        snprintf(err, errlen, "mssql: cannot initialise the client library");
        goto failed;
    }
    DBSETLUSER(login, u.user);
    DBSETLPWD(login, u.pass);
    DBSETLAPP(login, "surge");
    DBSETLCHARSET(login, "UTF-8");
    DBSETLVERSION(login, DBVERSION_74);
    if (u.db[0])
        DBSETLDBNAME(login, u.db);
    if (u.encrypt)
        DBSETLENCRYPT(login, TRUE);
    memset(&ms_login_msgs, 0, sizeof ms_login_msgs);
    c->db = dbopen(login, where);
    if (!c->db) {
        login_failure(&ms_login_msgs, why, sizeof why);
        scrub(why, sizeof why, u.pass);
        snprintf(err, errlen, "mssql: cannot connect to %s: %s", where, why);
        goto failed;
    }
    dbsetuserdata(c->db, (BYTE *)c);
    if (run_batch(c, ms_session_sql, strlen(ms_session_sql), why, sizeof why) != 0) {
        scrub(why, sizeof why, u.pass);
        snprintf(err, errlen, "mssql: cannot set up the session on %s: %s", where, why);
        goto failed;
    }
    dbloginfree(login);
    explicit_bzero(u.pass, sizeof u.pass);
    return c;
failed:
    if (login)
        dbloginfree(login);
    explicit_bzero(u.pass, sizeof u.pass);
    ms_close(c);
    return NULL;
}

/* ---- reading an answer ------------------------------------------------- */

/* A column as an int64: integers and bits as they are, anything else
 * through its text ("42"); 0 for NULL and for what is no whole number. */
static int64_t col_int(DBPROCESS *db, int col)
{
    BYTE *p = dbdata(db, col);
    DBINT len = dbdatlen(db, col);
    if (!p || len <= 0)
        return 0;
    switch (dbcoltype(db, col)) {
    case SYBINT1: return *p;
    case SYBBIT:  return *p != 0;
    case SYBINT2: { DBSMALLINT v; memcpy(&v, p, sizeof v); return v; }
    case SYBINT4: { DBINT v; memcpy(&v, p, sizeof v); return v; }
    case SYBINT8: { DBBIGINT v; memcpy(&v, p, sizeof v); return v; }
    default: break;
    }
    char buf[64];
    DBINT n = dbconvert(NULL, dbcoltype(db, col), p, len, SYBCHAR, (BYTE *)buf, (DBINT)sizeof buf - 1);
    if (n <= 0 || n >= (DBINT)sizeof buf)
        return 0;
    buf[n] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    return *end || errno ? 0 : (int64_t)v;
}

typedef struct ms_rowsink {    /* query(): each row as text */
    int (*row)(void *user, int ncols, const char *const *values);
    void *user;
    bool stopped;              /* row() said stop: the rest is read and dropped */
    bool oom;
    char **bufs;
    size_t *caps;
    const char **values;
    int ncols;
} ms_rowsink;

static int sink_grow(ms_rowsink *s, int ncols)
{
    if (ncols <= s->ncols)
        return 0;
    char **b = realloc(s->bufs, sizeof *b * (size_t)ncols);
    if (b)
        s->bufs = b;
    size_t *cp = b ? realloc(s->caps, sizeof *cp * (size_t)ncols) : NULL;
    if (cp)
        s->caps = cp;
    const char **v = cp ? realloc(s->values, sizeof *v * (size_t)ncols) : NULL;
    if (!v)
        return -1;
    s->values = v;
    for (int i = s->ncols; i < ncols; i++) {
        s->bufs[i] = NULL;
        s->caps[i] = 0;
    }
    s->ncols = ncols;
    return 0;
}

/* The current row as text: character data as it came (already UTF-8),
 * everything else through dbconvert (numbers, dates, binary as hex). */
static int sink_row(ms_rowsink *s, DBPROCESS *db, int ncols)
{
    if (sink_grow(s, ncols) != 0)
        return -1;
    for (int i = 0; i < ncols; i++) {
        BYTE *p = dbdata(db, i + 1);
        DBINT len = dbdatlen(db, i + 1);
        if (!p) {
            s->values[i] = NULL;
            continue;
        }
        if (len < 0)
            len = 0;
        int type = dbcoltype(db, i + 1);
        bool chars = type == SYBCHAR || type == SYBVARCHAR || type == SYBTEXT || type == SYBNTEXT ||
                     type == SYBNVARCHAR;
        size_t need = chars ? (size_t)len + 1 : 2 * (size_t)len + 64;
        if (need > s->caps[i]) {
            char *nb = realloc(s->bufs[i], need);
            if (!nb)
                return -1;
            s->bufs[i] = nb;
            s->caps[i] = need;
        }
        char *buf = s->bufs[i];
        DBINT n = len;
        if (chars)
            memcpy(buf, p, (size_t)len);
        else if ((n = dbconvert(NULL, type, p, len, SYBCHAR, (BYTE *)buf, (DBINT)need - 1)) < 0)
            n = 0;   /* a type db-lib cannot show as text: empty, not a failed read */
        buf[n] = '\0';
        s->values[i] = buf;
    }
    return 0;
}

static void sink_free(ms_rowsink *s)
{
    for (int i = 0; i < s->ncols; i++)
        free(s->bufs[i]);
    free(s->bufs);
    free(s->caps);
    free(s->values);
}

/* Read the answer of the request in flight to its end: every result, every
 * row (the connection is then idle, ready for the next request). The
 * first result set gives the row count and first-row columns, else the
 * first statement's count of rows changed; with a sink, rows go to it.
 * false when a db-lib call failed (the messages say why). */
static bool drain(drv_conn *c, drv_reply *r, ms_rowsink *sink)
{
    bool ok = dbsqlok(c->db) == SUCCEED, have_set = false, have_count = false;
    int fails = 0;
    while (!dbdead(c->db)) {
        RETCODE rc = dbresults(c->db);
        if (rc == NO_MORE_RESULTS)
            break;
        if (rc != SUCCEED) {   /* a statement failed; later ones still answer */
            ok = false;
            if (++fails > MS_MAX_FAILS) {
                dbcancel(c->db);
                break;
            }
            continue;
        }
        int ncols = dbnumcols(c->db);
        int64_t nrows = 0;
        STATUS st;
        while ((st = dbnextrow(c->db)) != NO_MORE_ROWS) {
            if (st == FAIL) {
                ok = false;
                break;
            }
            if (st != REG_ROW)
                continue;   /* COMPUTE rows */
            if (r && !have_set && nrows == 0) {
                r->ncols = ncols < DRV_MAX_COLS ? ncols : DRV_MAX_COLS;
                for (int i = 0; i < r->ncols; i++)
                    r->col[i] = col_int(c->db, i + 1);
                /* SQL Server has no last insert id to ask for: workloads
                 * write INSERT ... OUTPUT INSERTED.id. */
                r->last_id = r->ncols > 0 ? r->col[0] : 0;
            }
            nrows++;
            if (sink && !sink->stopped && !sink->oom) {
                if (sink_row(sink, c->db, ncols) != 0)
                    sink->oom = true;
                else if (sink->row && sink->row(sink->user, ncols, sink->values) != 0)
                    sink->stopped = true;
            }
        }
        DBINT count = dbcount(c->db);
        if (r && ncols > 0 && !have_set)
            r->rows = nrows;
        else if (r && ncols == 0 && !have_set && !have_count && count >= 0)
            r->rows = count;
        have_set |= ncols > 0;
        have_count |= ncols == 0 && count >= 0;
    }
    c->busy = false;
    if (dbdead(c->db))
        c->broken = true;
    return ok && !c->broken;
}

/* The outcome of a call whose answer has been read, from its messages. */
static drv_errclass outcome(drv_conn *c, bool ok, char *msg, size_t len)
{
    const ms_msg *s = &c->msgs.server, *cl = &c->msgs.client;
    drv_errclass cls = DRV_OK;
    if (c->broken)
        cls = DRV_ERR_CONNECTION;
    else if (s->code)
        cls = drv_mssql_class(s->code, s->severity, false);
    else if (!ok)
        cls = cl->code ? drv_mssql_class(cl->code, cl->severity, true) : DRV_ERR_OTHER;
    if (cls == DRV_ERR_CONNECTION)
        c->broken = true;
    if (cls != DRV_OK)
        snprintf(msg, len, "%s", s->code ? s->text : cl->code ? cl->text
                                 : c->broken ? "connection to the server lost" : "statement failed");
    return cls;
}

/* ---- sending ----------------------------------------------------------- */

/* The text to send for sql: `text` (its rewrite, made at prepare) when
 * there is one and no value is an empty text, else a rewrite for these
 * values in c->scratch. NULL when out of memory. */
static const char *call_text(drv_conn *c, const char *sql, const char *text, int n, const drv_value *pv)
{
    int i = 0;
    while (i < n && !is_empty_text(&pv[i]))
        i++;
    if (i == n && text)
        return text;
    size_t len = rewrite(sql, pv, NULL, 0, NULL);
    if (len + 1 > c->scratchcap) {
        char *b = realloc(c->scratch, len + 1);
        if (!b)
            return NULL;
        c->scratch = b;
        c->scratchcap = len + 1;
    }
    rewrite(sql, pv, c->scratch, len + 1, NULL);
    return c->scratch;
}

static int grow_params(drv_conn *c, int n)
{
    if (n <= c->paramcap)
        return 0;
    DBBIGINT *iv = realloc(c->ival, sizeof *iv * (size_t)n);
    if (iv)
        c->ival = iv;
    DBFLT8 *dv = realloc(c->dval, sizeof *dv * (size_t)n);
    if (dv)
        c->dval = dv;
    if (!iv || !dv)
        return -1;
    c->paramcap = n;
    return 0;
}

/* A text parameter: up to MS_NVARCHAR_MAX bytes as nvarchar (db-lib sends
 * SYBVARCHAR as nvarchar on TDS 7+), longer as SYBNTEXT, which TDS 7.2+
 * sends as nvarchar(max). A zero length would mean NULL: see the top. */
static RETCODE text_param(DBPROCESS *db, const char *name, const char *s, size_t len)
{
    return dbrpcparam(db, name, 0, len > MS_NVARCHAR_MAX ? SYBNTEXT : SYBVARCHAR, -1, (DBINT)len,
                      (BYTE *)s);
}

/* Queue sp_executesql with `text` (placeholders already @pN) and the n
 * values, and send it. 0, or -1 with a message in c->msgs. */
static int send_rpc(drv_conn *c, const char *text, int n, const drv_value *pv)
{
    DBPROCESS *db = c->db;
    sb_reset(&c->decl);
    for (int i = 0; i < n; i++) {
        const drv_value *v = &pv[i];
        const char *type = "nvarchar(4000)";   /* NULL, or an empty text passed as NULL */
        if (v->type == DRV_INT)
            type = "bigint";
        else if (v->type == DRV_DOUBLE)
            type = "float";
        else if (v->type == DRV_TEXT && v->v.text.s && !is_empty_text(v) &&
                 (v->v.text.len < 0 ? strlen(v->v.text.s) : (size_t)v->v.text.len) > MS_NVARCHAR_MAX)
            type = "nvarchar(max)";
        sb_addf(&c->decl, "%s@p%d %s", i ? ", " : "", i + 1, type);
    }
    if (c->decl.oom || grow_params(c, n) != 0) {
        keep(&c->msgs.client, MS_OWN, 0, 0, "out of memory");
        return -1;
    }
    RETCODE rc = dbrpcinit(db, "sp_executesql", 0);
    if (rc == SUCCEED)
        rc = text_param(db, "@stmt", text, strlen(text));
    if (rc == SUCCEED && n > 0)
        rc = text_param(db, "@params", c->decl.p, c->decl.len);
    for (int i = 0; i < n && rc == SUCCEED; i++) {
        const drv_value *v = &pv[i];
        char name[16];
        snprintf(name, sizeof name, "@p%d", i + 1);
        switch (v->type) {
        case DRV_INT:
            c->ival[i] = v->v.i;
            rc = dbrpcparam(db, name, 0, SYBINT8, -1, -1, (BYTE *)&c->ival[i]);
            break;
        case DRV_DOUBLE:
            c->dval[i] = v->v.d;
            rc = dbrpcparam(db, name, 0, SYBFLT8, -1, -1, (BYTE *)&c->dval[i]);
            break;
        default:
            if (v->type == DRV_TEXT && v->v.text.s && !is_empty_text(v))
                rc = text_param(db, name, v->v.text.s,
                                v->v.text.len < 0 ? strlen(v->v.text.s) : (size_t)v->v.text.len);
            else   /* NULL (or an empty text, written into the statement) */
                rc = dbrpcparam(db, name, 0, SYBVARCHAR, -1, 0, NULL);
            break;
        }
    }
    if (rc == SUCCEED)
        rc = dbrpcsend(db);
    if (rc != SUCCEED) {
        dbrpcinit(db, "", DBRPCRESET);   /* drop a half-built call */
        if (dbdead(db))
            c->broken = true;
        if (!c->msgs.client.code)
            keep(&c->msgs.client, MS_OWN, 0, 0, "cannot send the statement");
        return -1;
    }
    c->busy = true;
    return 0;
}

/* Queue a plain batch and send it. */
static int send_batch(drv_conn *c, const char *sql)
{
    dbfreebuf(c->db);
    if (dbcmd(c->db, sql) != SUCCEED || dbsqlsend(c->db) != SUCCEED) {
        if (dbdead(c->db))
            c->broken = true;
        if (!c->msgs.client.code)
            keep(&c->msgs.client, MS_OWN, 0, 0, "cannot send the statement");
        return -1;
    }
    c->busy = true;
    return 0;
}

/* ---- set-up: prepare, exec, query (blocking) ---------------------------- */

static int ms_prepare(drv_conn *c, int nstmts, const char *const *sql, char *err, size_t errlen)
{
    free_stmts(c);
    if (nstmts > 0 && !sql) {
        snprintf(err, errlen, "mssql: the workload has no statements for SQL Server");
        return -1;
    }
    c->stmts = calloc((size_t)(nstmts > 0 ? nstmts : 1), sizeof *c->stmts);
    if (!c->stmts) {
        snprintf(err, errlen, "mssql: out of memory");
        return -1;
    }
    c->nstmts = nstmts;
    /* Nothing goes to the server: sp_executesql compiles each text on its
     * first call (and caches the plan), so a statement the server cannot
     * run fails there, with the server's message. */
    for (int i = 0; i < nstmts; i++) {
        ms_stmt *s = &c->stmts[i];
        const char *text = sql[i] ? sql[i] : "";
        size_t len = rewrite(text, NULL, NULL, 0, &s->nparams);
        if (!(s->sql = strdup(text)) || !(s->text = malloc(len + 1))) {
            snprintf(err, errlen, "mssql: out of memory");
            free_stmts(c);
            return -1;
        }
        rewrite(text, NULL, s->text, len + 1, NULL);
        if (s->nparams > MS_MAX_PARAMS) {
            snprintf(err, errlen, "mssql: statement %d has %d parameters (at most %d)", i, s->nparams, MS_MAX_PARAMS);
            free_stmts(c);
            return -1;
        }
    }
    return 0;
}

static int call_failed(drv_conn *c, bool ok, char *err, size_t errlen)
{
    char msg[DRV_ERRMSG];
    if (outcome(c, ok, msg, sizeof msg) == DRV_OK)
        return 0;
    if (c->msgs.server.code)
        snprintf(err, errlen, "mssql: %s (error %d)", msg, c->msgs.server.code);
    else
        snprintf(err, errlen, "mssql: %s", msg);
    return -1;
}

static int ready(drv_conn *c, char *err, size_t errlen)
{
    if (c->busy || c->broken) {
        snprintf(err, errlen, "mssql: the connection is %s", c->broken ? "lost" : "busy");
        return -1;
    }
    memset(&c->msgs, 0, sizeof c->msgs);
    return 0;
}

static int run_batch(drv_conn *c, const char *sql, size_t len, char *err, size_t errlen)
{
    char *text = malloc(len + 1);
    if (!text) {
        snprintf(err, errlen, "mssql: out of memory");
        return -1;
    }
    memcpy(text, sql, len);
    text[len] = '\0';
    if (ready(c, err, errlen) != 0) {
        free(text);
        return -1;
    }
    bool ok = send_batch(c, text) == 0 && drain(c, NULL, NULL);
    free(text);
    return call_failed(c, ok, err, errlen);
}

/* A line that is only "GO" (any case) separates batches, as in sqlcmd and
 * SSMS: CREATE VIEW, PROCEDURE and TRIGGER must each start a batch. */
static bool go_line(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
        p++;
    if (end - p < 2 || tolower((unsigned char)p[0]) != 'g' || tolower((unsigned char)p[1]) != 'o')
        return false;
    for (p += 2; p < end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != ';')
            return false;
    return true;
}

static int ms_exec(drv_conn *c, const char *sql, char *err, size_t errlen)
{
    const char *batch = sql, *line = sql;
    for (;;) {
        const char *end = line + strcspn(line, "\n");
        bool go = go_line(line, end), last = !*end;
        if (go || last) {
            size_t len = (size_t)((go ? line : end) - batch);
            bool blank = true;   /* whitespace and ';' alone: nothing to send */
            for (size_t i = 0; i < len && blank; i++)
                blank = isspace((unsigned char)batch[i]) || batch[i] == ';';
            if (!blank && run_batch(c, batch, len, err, errlen) != 0)
                return -1;
            batch = last ? end : end + 1;
        }
        if (last)
            return 0;
        line = end + 1;
    }
}

/* Catalog reads and checks: the same sp_executesql call as the load, with
 * text values (the server converts them where they stand), read to the
 * end here. */
static int ms_query(drv_conn *c, const char *sql, int nparams, const char *const *params,
                    int (*row)(void *user, int ncols, const char *const *values), void *user, char *err,
                    size_t errlen)
{
    if (ready(c, err, errlen) != 0)
        return -1;
    if (nparams < 0 || nparams > MS_MAX_PARAMS) {
        snprintf(err, errlen, "mssql: %d parameters (at most %d)", nparams, MS_MAX_PARAMS);
        return -1;
    }
    drv_value *pv = calloc((size_t)(nparams > 0 ? nparams : 1), sizeof *pv);
    if (!pv) {
        snprintf(err, errlen, "mssql: out of memory");
        return -1;
    }
    for (int i = 0; i < nparams; i++)
        pv[i] = params[i] ? drv_text(params[i], (int)strlen(params[i])) : drv_null();
    int n = 0;
    rewrite(sql, NULL, NULL, 0, &n);   /* count first: the values are read by position */
    const char *text = n == nparams ? call_text(c, sql, NULL, n, pv) : NULL;
    if (!text) {
        if (n != nparams)
            snprintf(err, errlen, "mssql: the query takes %d parameters, got %d", n, nparams);
        else
            snprintf(err, errlen, "mssql: out of memory");
        free(pv);
        return -1;
    }
    ms_rowsink sink = { .row = row, .user = user };
    bool ok = send_rpc(c, text, n, pv) == 0 && drain(c, NULL, &sink);
    free(pv);
    sink_free(&sink);
    if (sink.oom) {
        snprintf(err, errlen, "mssql: out of memory");
        return -1;
    }
    return call_failed(c, ok, err, errlen);
}

/* ---- the load ----------------------------------------------------------- */

static drv_status fail(drv_reply *r, drv_errclass cls, const char *msg)
{
    r->err = cls;
    one_line(r->errmsg, sizeof r->errmsg, msg);
    return DRV_DONE;
}

static drv_status wait_answer(drv_conn *c, drv_reply *r)
{
    int fd = dbiordesc(c->db);
    if (fd < 0) {
        c->broken = true;
        c->busy = false;
        return fail(r, DRV_ERR_CONNECTION, "connection to the server lost");
    }
    r->fd = fd;
    r->events = EPOLLIN;
    return DRV_WAIT;
}

static drv_status ms_start(drv_conn *c, const drv_call *call, drv_reply *r)
{
    r->err = DRV_OK;
    r->errmsg[0] = '\0';
    r->rows = 0;
    r->last_id = 0;
    r->ncols = 0;
    char msg[DRV_ERRMSG];
    if (c->busy)
        return fail(r, DRV_ERR_CONNECTION, "mssql: a call started while another was in flight");
    if (c->broken)
        return fail(r, DRV_ERR_CONNECTION, "mssql: the connection is lost");
    memset(&c->msgs, 0, sizeof c->msgs);
    int rc;
    if (call->stmt < 0) {
        if (-call->stmt - 1 >= NTX) {
            snprintf(msg, sizeof msg, "mssql: no statement %d", call->stmt);
            return fail(r, DRV_ERR_OTHER, msg);
        }
        rc = send_batch(c, tx_sql[-call->stmt - 1]);
    } else {
        if (call->stmt >= c->nstmts) {
            snprintf(msg, sizeof msg, "mssql: no statement %d", call->stmt);
            return fail(r, DRV_ERR_OTHER, msg);
        }
        const ms_stmt *s = &c->stmts[call->stmt];
        if (call->nparams != s->nparams || (!call->pv && call->nparams > DRV_MAX_PARAMS)) {
            snprintf(msg, sizeof msg, "mssql: statement %d takes %d parameters, got %d", call->stmt, s->nparams,
                     call->nparams);
            return fail(r, DRV_ERR_OTHER, msg);
        }
        const drv_value *pv = drv_call_params(call);
        const char *text = call_text(c, s->sql, s->text, call->nparams, pv);
        if (!text)
            return fail(r, DRV_ERR_OTHER, "mssql: out of memory");
        rc = send_rpc(c, text, call->nparams, pv);
    }
    if (rc != 0) {
        drv_errclass cls = outcome(c, false, msg, sizeof msg);
        return fail(r, cls, msg);
    }
    return wait_answer(c, r);
}

/* The socket is readable: the answer has started to arrive. Read it all
 * (see the top for why this may block briefly). */
static drv_status ms_resume(drv_conn *c, drv_reply *r)
{
    if (!c->busy)
        return DRV_DONE;   /* nothing in flight: the reply stands */
    bool ok = drain(c, r, NULL);
    char msg[DRV_ERRMSG];
    drv_errclass cls = outcome(c, ok, msg, sizeof msg);
    if (cls != DRV_OK) {
        r->rows = 0;
        r->ncols = 0;
        r->last_id = 0;
        return fail(r, cls, msg);
    }
    return DRV_DONE;
}

const drv_ops mssql_driver = {
    .name = "mssql",
    .schemes = (const char *const[]){ "mssql://", "sqlserver://", NULL },
    .dialect = "mssql",
    .max_conns_per_thread = 0,
    .local = false,
    .connect = ms_connect,
    .prepare = ms_prepare,
    .exec = ms_exec,
    .query = ms_query,
    .start = ms_start,
    .resume = ms_resume,
    .close = ms_close,
};
