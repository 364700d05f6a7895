/* postgres.c - PostgreSQL, on libpq's asynchronous API.
 *
 * URL: postgres://user:pass@host:port/db?opts or postgresql://..., handed
 * to libpq whole, so its URI syntax, query options (sslmode=...) and the
 * PG* environment variables all work as they do for psql.
 *
 * Setting up blocks (connect, prepare, exec: they run before the load or
 * on reconnect). Statements during the load do not: start() sends the
 * prepared statement on a nonblocking connection and hands the engine the
 * socket; resume() reads what has arrived and finishes once libpq has the
 * whole result. So one worker thread drives many connections.
 *
 * A call's life on a connection:
 *   start   Bind/Execute/Sync queued and pushed; if the kernel would not
 *           take it all, `flushing` is set and the engine also waits for
 *           EPOLLOUT.
 *   resume  flush the rest, read, and take results while libpq has whole
 *           ones; the call ends when PQgetResult says NULL (the server's
 *           ReadyForQuery has arrived), never earlier, so the connection is
 *           idle and ready for the next call.
 * An error result is remembered (the first one wins) and classed when the
 * call ends, once we know whether the connection survived it.
 */
#include "drivers/driver.h"

#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "surge.h"

#define PG_CONNECT_TIMEOUT "5"   /* seconds, when neither the URL nor PGCONNECT_TIMEOUT says */
#define PG_NUM_LEN 32            /* an int64 or a %.17g double, with room to spare */
#define PG_MAX_RESULTS 16        /* one statement gives one or two; more means libpq is stuck */

enum { TX_BEGIN, TX_COMMIT, TX_ROLLBACK, TX_COUNT };

static const char *const tx_sql[TX_COUNT] = { "BEGIN", "COMMIT", "ROLLBACK" };
static const char *const tx_name[TX_COUNT] = { "surge_begin", "surge_commit", "surge_rollback" };

struct drv_conn {
    PGconn *pg;
    int nstmts;                 /* prepared as names[i]: s0, s1 ... */
    char (*names)[12];
    bool flushing;              /* part of the call is still in libpq's output buffer */
    bool stuck;                 /* libpq is in a state we cannot leave (COPY): the connection is lost */
    int nresults;
    char sqlstate[6];           /* of the call's first error, "" if none or not from the server */
    bool fatal;                 /* that error was FATAL/PANIC: the server is closing the connection */

    /* Parameters as text, valid until the call has been queued; grown to
     * the widest call seen. */
    const char **values;
    char (*num)[PG_NUM_LEN];
    int paramcap;
    char *text;                 /* text parameters, each NUL-terminated */
    size_t textcap;
};

/* ---- placeholders ----------------------------------------------------- */

/* Not static so tests/unit/test_postgres.c can check it without a server;
 * no header, as nothing else has any business calling it. */
size_t drv_pg_placeholders(const char *sql, char *out, size_t outlen);

static bool ident_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
           ch == '$' || (unsigned char)ch >= 0x80;
}

/* Length of a dollar quote's opening "$tag$" at p (tag empty or an
 * identifier without '$'), or 0 if p does not start one. */
static size_t dollar_tag(const char *p)
{
    size_t n = 1;
    if (p[n] != '$') {
        char ch = p[n];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' || (unsigned char)ch >= 0x80))
            return 0;   /* "$1" is a parameter, not a quote */
        while (p[n] && p[n] != '$' && ident_char(p[n]))
            n++;
        if (p[n] != '$')
            return 0;
    }
    return n + 1;
}

/* Rewrite the `?` placeholders of sql as $1, $2 ... into out (at most
 * outlen - 1 bytes and a NUL, like snprintf), leaving alone any `?` inside
 * '...' and E'...' strings, "..." identifiers, -- and (nested) block
 * comments and $tag$...$tag$ strings. Returns the length of the whole
 * rewrite. Every other `?` is a placeholder, so PostgreSQL's ?-operators
 * (jsonb ?, ?|, ?&) cannot be written in a statement; use the functions
 * (jsonb_exists ...) instead. */
size_t drv_pg_placeholders(const char *sql, char *out, size_t outlen)
{
    size_t o = 0;
    int n = 0;
#define PUT(ch) do { char put_ = (ch); if (o + 1 < outlen) out[o] = put_; o++; } while (0)
    const char *p = sql;
    while (*p) {
        char ch = *p;
        if (ch == '\'' || ch == '"') {
            /* A doubled quote stands for itself; E'...' also takes
             * backslash escapes. */
            bool backslash = ch == '\'' && p > sql && (p[-1] == 'E' || p[-1] == 'e') &&
                             (p - 1 == sql || !ident_char(p[-2]));
            PUT(*p++);
            while (*p) {
                if ((backslash && *p == '\\' && p[1]) || (*p == ch && p[1] == ch)) {
                    PUT(*p++);
                    PUT(*p++);
                } else if (*p == ch) {
                    break;
                } else {
                    PUT(*p++);
                }
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
        } else if (ch == '$' && (p == sql || !ident_char(p[-1])) && dollar_tag(p)) {
            size_t t = dollar_tag(p);
            const char *end = strstr(p + t, "$");
            while (end && strncmp(end, p, t) != 0)
                end = strstr(end + 1, "$");
            const char *stop = end ? end + t : p + strlen(p);
            while (p < stop)
                PUT(*p++);
        } else if (ch == '?') {
            char num[16];
            int len = snprintf(num, sizeof num, "$%d", ++n);
            for (int i = 0; i < len; i++)
                PUT(num[i]);
            p++;
        } else {
            PUT(*p++);
        }
    }
#undef PUT
    if (outlen)
        out[o < outlen ? o : outlen - 1] = '\0';
    return o;
}

/* ---- messages ------------------------------------------------------------ */

/* The first line of s into buf, without libpq's "ERROR:  " style prefix,
 * tabs and carriage returns as spaces. */
static void first_line(const char *s, char *buf, size_t len)
{
    if (!s)
        s = "";
    static const char *const prefixes[] = { "ERROR:  ", "FATAL:  ", "PANIC:  " };
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(s, prefixes[i], strlen(prefixes[i])) == 0)
            s += strlen(prefixes[i]);
    size_t n = strcspn(s, "\n");
    snprintf(buf, len, "%.*s", (int)n, s);
    for (char *q = buf; *q; q++)
        if (*q == '\t' || *q == '\r')
            *q = ' ';
}

/* Replace every occurrence of secret in buf by "****". Secrets shorter
 * than 3 bytes are left: they would match ordinary text, and give away
 * nothing a guess would not. */
static void scrub(char *buf, size_t len, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    if (n < 3)
        return;
    char *from = buf, *hit;
    while ((hit = strstr(from, secret)) != NULL) {
        char rest[512];
        snprintf(rest, sizeof rest, "%s", hit + n);
        snprintf(hit, len - (size_t)(hit - buf), "****%s", rest);
        from = hit + strlen(hit) - strlen(rest);   /* past the mask, which may hold the secret ("***") */
    }
}

/* The password as written in a URL we could not parse: after the user's
 * ':' up to the last '@' before the path, and any password= value. */
static void scrub_raw(char *buf, size_t len, const char *url)
{
    char pw[256];
    const char *auth = strstr(url, "://");
    if (auth) {
        auth += 3;
        const char *end = auth + strcspn(auth, "/?");
        const char *at = NULL;
        for (const char *q = auth; q < end; q++)
            if (*q == '@')
                at = q;
        const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
        if (colon) {
            snprintf(pw, sizeof pw, "%.*s", (int)(at - colon - 1), colon + 1);
            scrub(buf, len, pw);
        }
    }
    for (const char *q = url; (q = strstr(q, "password=")) != NULL;) {
        q += 9;
        size_t n = strcspn(q, "&; ");
        snprintf(pw, sizeof pw, "%.*s", (int)n, q);
        scrub(buf, len, pw);
    }
}

/* "127.0.0.1:5432", "[::1]:5432" or "socket /run/postgresql/.s.PGSQL.5432". */
static void where(PGconn *pg, char *buf, size_t len)
{
    const char *host = pg ? PQhost(pg) : NULL;
    const char *port = pg ? PQport(pg) : NULL;
    if (!host || !*host)
        host = "localhost";
    if (!port || !*port)
        port = "5432";
    if (host[0] == '/' || host[0] == '@')
        snprintf(buf, len, "socket %s/.s.PGSQL.%s", host, port);
    else if (strchr(host, ':'))
        snprintf(buf, len, "[%s]:%s", host, port);
    else
        snprintf(buf, len, "%s:%s", host, port);
}

static void quiet_notices(void *arg, const char *message)
{
    /* libpq prints notices to stderr by default, which would tear through
     * the live display ("relation ... already exists, skipping" on every
     * set-up). Warnings go too: the load's outcome is in the results. */
    (void)arg, (void)message;
}

/* ---- connections --------------------------------------------------------- */

static void pg_close(drv_conn *c)
{
    if (!c)
        return;
    PQfinish(c->pg);
    free(c->names);
    free(c->values);
    free(c->num);
    free(c->text);
    free(c);
}

static drv_conn *pg_connect(const char *url, char *err, size_t errlen)
{
    char masked[512];
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &perr);
    if (!opts) {
        char why[256];
        first_line(perr ? perr : "out of memory", why, sizeof why);
        scrub_raw(why, sizeof why, url);
        snprintf(err, errlen, "postgres: bad URL '%s': %s", surge_mask_url(url, masked, sizeof masked), why);
        PQfreemem(perr);
        return NULL;
    }
    char password[256] = "";
    for (PQconninfoOption *o = opts; o->keyword; o++)
        if (strcmp(o->keyword, "password") == 0 && o->val)
            snprintf(password, sizeof password, "%s", o->val);
    PQconninfoFree(opts);

    drv_conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "postgres: out of memory");
        return NULL;
    }
    /* Entries before dbname (the URL, expanded) are defaults the URL
     * overrides; a NULL value is skipped, so PGCONNECT_TIMEOUT, which only
     * fills what nothing set, still gets its say. Without any timeout a
     * server that drops packets would hang the run in connect. */
    const char *const keys[] = { "fallback_application_name", "connect_timeout", "dbname", NULL };
    const char *const vals[] = { "surge", getenv("PGCONNECT_TIMEOUT") ? NULL : PG_CONNECT_TIMEOUT, url, NULL };
    c->pg = PQconnectdbParams(keys, vals, 1);
    if (!c->pg || PQstatus(c->pg) != CONNECTION_OK) {
        char at[300], why[256];
        where(c->pg, at, sizeof at);
        const char *msg = c->pg ? PQerrorMessage(c->pg) : "out of memory";
        /* libpq writes a line 'connection to server at "h" (addr), port N
         * failed: REASON' (and hints) for each address it tried; PQhost
         * names the last one, so keep that one's REASON. */
        const char *last = NULL;
        for (const char *q = msg; q; q = strchr(q, '\n') ? strchr(q, '\n') + 1 : NULL)
            if (strncmp(q, "connection to server", 20) == 0)
                last = q;
        const char *reason = last ? strstr(last, "failed: ") : NULL;
        if (reason && reason < last + strcspn(last, "\n"))
            msg = reason + 8;
        first_line(msg, why, sizeof why);
        scrub(why, sizeof why, password);
        scrub_raw(why, sizeof why, url);
        snprintf(err, errlen, "postgres: cannot connect to %s: %s", at, why[0] ? why : "unknown error");
        pg_close(c);
        return NULL;
    }
    PQsetNoticeProcessor(c->pg, quiet_notices, NULL);
    /* Only the asynchronous calls honour this; PQexec and PQprepare block
     * as before, which is what set-up wants. */
    if (PQsetnonblocking(c->pg, 1) != 0) {
        snprintf(err, errlen, "postgres: cannot make the connection nonblocking");
        pg_close(c);
        return NULL;
    }
    for (int i = 0; i < TX_COUNT; i++) {
        PGresult *res = PQprepare(c->pg, tx_name[i], tx_sql[i], 0, NULL);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            char why[256];
            first_line(res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg), why, sizeof why);
            snprintf(err, errlen, "postgres: cannot prepare %s: %s", tx_sql[i], why);
            PQclear(res);
            pg_close(c);
            return NULL;
        }
        PQclear(res);
    }
    return c;
}

static int pg_prepare(drv_conn *c, int nstmts, const char *const *sql, char *err, size_t errlen)
{
    /* A second set replaces the first (seeding prepares per table): the
     * server still holds the old names. */
    for (int i = 0; i < c->nstmts; i++) {
        char q[40];
        snprintf(q, sizeof q, "DEALLOCATE %s", c->names[i]);
        PQclear(PQexec(c->pg, q));
    }
    free(c->names);
    c->nstmts = 0;
    c->names = calloc((size_t)(nstmts > 0 ? nstmts : 1), sizeof *c->names);
    if (!c->names) {
        snprintf(err, errlen, "postgres: out of memory");
        return -1;
    }
    for (int i = 0; i < nstmts; i++) {
        size_t len = drv_pg_placeholders(sql[i], NULL, 0);
        char *text = malloc(len + 1);
        if (!text) {
            snprintf(err, errlen, "postgres: out of memory");
            return -1;
        }
        drv_pg_placeholders(sql[i], text, len + 1);
        snprintf(c->names[i], sizeof c->names[i], "s%d", i);
        PGresult *res = PQprepare(c->pg, c->names[i], text, 0, NULL);
        free(text);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            char why[256];
            first_line(res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg), why, sizeof why);
            snprintf(err, errlen, "postgres: cannot prepare statement %d (%.60s...): %s", i, sql[i], why);
            PQclear(res);
            return -1;
        }
        PQclear(res);
        c->nstmts = i + 1;
    }
    return 0;
}

static int pg_exec(drv_conn *c, const char *sql, char *err, size_t errlen)
{
    PGresult *res = PQexec(c->pg, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
        PQclear(res);
        return 0;
    }
    char why[256];
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    first_line(primary ? primary : res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg), why, sizeof why);
    snprintf(err, errlen, "postgres: %s", why[0] ? why : "statement failed");
    PQclear(res);
    return -1;
}

/* Blocking, for catalog reads (never during the load). The connection is
 * nonblocking for the load; PQexecParams waits for its result either way,
 * but libpq only promises it a blocking connection (a send that would
 * block is an error in nonblocking mode), so the mode is switched for the
 * call. Text in, text out: the catalog's own spelling of every value. */
static int pg_query(drv_conn *c, const char *sql, int nparams, const char *const *params,
                    int (*row)(void *user, int ncols, const char *const *values), void *user, char *err,
                    size_t errlen)
{
    size_t len = drv_pg_placeholders(sql, NULL, 0);
    char *text = malloc(len + 1);
    if (!text) {
        snprintf(err, errlen, "postgres: out of memory");
        return -1;
    }
    drv_pg_placeholders(sql, text, len + 1);
    if (PQsetnonblocking(c->pg, 0) != 0) {
        char why[256];
        first_line(PQerrorMessage(c->pg), why, sizeof why);
        snprintf(err, errlen, "postgres: %s", why[0] ? why : "connection lost");
        free(text);
        return -1;
    }
    PGresult *res = PQexecParams(c->pg, text, nparams, NULL, params, NULL, NULL, 0);
    free(text);
    PQsetnonblocking(c->pg, 1);   /* a failure shows in the next call's status */
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        char why[256];
        const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
        first_line(primary ? primary : res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg), why, sizeof why);
        snprintf(err, errlen, "postgres: %s", why[0] ? why : "query failed");
        PQclear(res);
        return -1;
    }
    int ncols = PQnfields(res), nrows = PQntuples(res);
    const char **values = calloc((size_t)(ncols > 0 ? ncols : 1), sizeof *values);
    if (!values) {
        snprintf(err, errlen, "postgres: out of memory");
        PQclear(res);
        return -1;
    }
    for (int r = 0; r < nrows && row; r++) {
        for (int i = 0; i < ncols; i++)
            values[i] = PQgetisnull(res, r, i) ? NULL : PQgetvalue(res, r, i);
        if (row(user, ncols, values) != 0)
            break;
    }
    free(values);
    PQclear(res);
    return 0;
}

/* ---- statements during the load ------------------------------------------ */

/* Doubles in the fewest digits that read back exactly, so 19.99 goes as
 * "19.99" to a numeric column; always with a '.', whatever the host
 * program's locale says. */
static void put_double(char *buf, size_t len, double d)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)   /* the same locale both ways */
            break;
    }
    char *comma = strchr(buf, ',');
    if (comma)
        *comma = '.';
}

/* Text for each parameter in c->values (NULL for SQL NULL). libpq sends
 * text parameters up to their NUL, so text values are copied, terminated,
 * into the connection's buffer. -1 when out of memory. */
static int bind_params(drv_conn *c, const drv_call *call)
{
    const drv_value *pv = drv_call_params(call);
    if (call->nparams > c->paramcap) {
        const char **values = realloc(c->values, sizeof *values * (size_t)call->nparams);
        if (values)
            c->values = values;
        char(*num)[PG_NUM_LEN] = realloc(c->num, sizeof *num * (size_t)call->nparams);
        if (num)
            c->num = num;
        if (!values || !num)
            return -1;
        c->paramcap = call->nparams;
    }
    size_t need = 0;
    for (int i = 0; i < call->nparams; i++)
        if (pv[i].type == DRV_TEXT)
            need += (size_t)(pv[i].v.text.len > 0 ? pv[i].v.text.len : 0) + 1;
    if (need > c->textcap) {
        size_t cap = c->textcap ? c->textcap : 256;
        while (cap < need)
            cap *= 2;
        char *t = realloc(c->text, cap);
        if (!t)
            return -1;
        c->text = t;
        c->textcap = cap;
    }
    size_t off = 0;
    for (int i = 0; i < call->nparams; i++) {
        const drv_value *v = &pv[i];
        switch (v->type) {
        case DRV_INT:
            snprintf(c->num[i], PG_NUM_LEN, "%" PRId64, v->v.i);
            c->values[i] = c->num[i];
            break;
        case DRV_DOUBLE:
            put_double(c->num[i], PG_NUM_LEN, v->v.d);
            c->values[i] = c->num[i];
            break;
        case DRV_TEXT: {
            size_t n = (size_t)(v->v.text.len > 0 ? v->v.text.len : 0);
            if (n)
                memcpy(c->text + off, v->v.text.s, n);
            c->text[off + n] = '\0';
            c->values[i] = c->text + off;
            off += n + 1;
            break;
        }
        default:
            c->values[i] = NULL;
            break;
        }
    }
    return 0;
}

/* Which class an error belongs to. The connection's state comes first: a
 * connection libpq has given up on must be replaced whatever was said. */
static drv_errclass classify(const drv_conn *c)
{
    const char *s = c->sqlstate;
    if (c->stuck || c->fatal || PQstatus(c->pg) == CONNECTION_BAD)
        return DRV_ERR_CONNECTION;
    if (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0 ||   /* serialization failure, deadlock */
        strcmp(s, "55P03") == 0 || strcmp(s, "57014") == 0)     /* lock not available, query canceled */
        return DRV_ERR_RETRYABLE;
    if (strncmp(s, "23", 2) == 0)                                /* integrity constraint violation */
        return DRV_ERR_CONSTRAINT;
    if (strncmp(s, "08", 2) == 0 || strcmp(s, "57P01") == 0 ||  /* connection exception, admin shutdown, */
        strcmp(s, "57P02") == 0 || strcmp(s, "57P03") == 0)     /* crash shutdown, cannot connect now */
        return DRV_ERR_CONNECTION;
    return DRV_ERR_OTHER;
}

/* The call cannot go on: the connection is lost (or unusable). A message
 * the server gave first (e.g. "terminating connection due to
 * administrator command") is kept, as it says why. */
static drv_status lost(drv_conn *c, drv_reply *r)
{
    if (r->err == DRV_OK) {
        first_line(PQerrorMessage(c->pg), r->errmsg, sizeof r->errmsg);
        if (!r->errmsg[0])
            snprintf(r->errmsg, sizeof r->errmsg, "connection to the server lost");
    }
    r->err = DRV_ERR_CONNECTION;
    c->flushing = false;
    return DRV_DONE;
}

/* A column or a command tag's count as an int64; 0 for anything else
 * (a fraction, a word, a number too big). */
static int64_t parse_int(const char *s)
{
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    return *end || errno ? 0 : (int64_t)v;
}

static void take(drv_conn *c, drv_reply *r, PGresult *res)
{
    switch (PQresultStatus(res)) {
    case PGRES_TUPLES_OK:
    case PGRES_SINGLE_TUPLE:
        r->rows = PQntuples(res);
        if (r->rows > 0) {
            int n = PQnfields(res);
            r->ncols = n < DRV_MAX_COLS ? n : DRV_MAX_COLS;
            for (int i = 0; i < r->ncols; i++)
                r->col[i] = PQgetisnull(res, 0, i) ? 0 : parse_int(PQgetvalue(res, 0, i));
            /* PostgreSQL has no last insert id: workloads INSERT ... RETURNING id. */
            if (r->ncols > 0)
                r->last_id = r->col[0];
        }
        break;
    case PGRES_COMMAND_OK:
        r->rows = parse_int(PQcmdTuples(res));   /* "" for commands that touch no rows */
        break;
    case PGRES_EMPTY_QUERY:
        break;
    case PGRES_COPY_IN:
    case PGRES_COPY_OUT:
    case PGRES_COPY_BOTH:
        /* A statement that starts COPY leaves the connection expecting
         * data we will never send: the connection is spent. */
        c->stuck = true;
        if (r->err == DRV_OK) {
            r->err = DRV_ERR_OTHER;
            snprintf(r->errmsg, sizeof r->errmsg, "COPY is not supported in a workload statement");
        }
        break;
    default:
        if (r->err == DRV_OK) {
            const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
            const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
            const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
            snprintf(c->sqlstate, sizeof c->sqlstate, "%s", state ? state : "");
            c->fatal = severity && (strcmp(severity, "FATAL") == 0 || strcmp(severity, "PANIC") == 0);
            first_line(primary ? primary : PQresultErrorMessage(res), r->errmsg, sizeof r->errmsg);
            if (!r->errmsg[0])
                snprintf(r->errmsg, sizeof r->errmsg, "statement failed");
            r->err = DRV_ERR_OTHER;   /* classed when the call ends */
        }
        break;
    }
}

/* Wait for the socket: readable always, writable too while output is left. */
static drv_status wait_on(drv_conn *c, drv_reply *r)
{
    int fd = PQsocket(c->pg);
    if (fd < 0)
        return lost(c, r);
    r->fd = fd;
    r->events = EPOLLIN | (c->flushing ? EPOLLOUT : 0);
    return DRV_WAIT;
}

static drv_status pg_resume(drv_conn *c, drv_reply *r)
{
    if (c->flushing) {
        int f = PQflush(c->pg);
        if (f < 0)
            return lost(c, r);
        c->flushing = f == 1;
    }
    /* On a read error (the server closed the socket) libpq marks the
     * connection bad; PQisBusy is then false and PQgetResult hands over
     * what had arrived, then the error, without blocking. */
    if (!PQconsumeInput(c->pg) && PQstatus(c->pg) != CONNECTION_BAD)
        return lost(c, r);
    while (!PQisBusy(c->pg)) {
        PGresult *res = PQgetResult(c->pg);
        if (!res) {
            if (r->err != DRV_OK)
                r->err = classify(c);
            return DRV_DONE;
        }
        take(c, r, res);
        PQclear(res);
        if (c->stuck || ++c->nresults > PG_MAX_RESULTS)
            return lost(c, r);
    }
    return wait_on(c, r);
}

static drv_status pg_start(drv_conn *c, const drv_call *call, drv_reply *r)
{
    r->err = DRV_OK;
    r->errmsg[0] = '\0';
    r->rows = 0;
    r->last_id = 0;
    r->ncols = 0;
    c->sqlstate[0] = '\0';
    c->fatal = false;
    c->nresults = 0;
    c->flushing = false;

    const char *name;
    if (call->stmt >= 0 && call->stmt < c->nstmts)
        name = c->names[call->stmt];
    else if (call->stmt < 0 && call->stmt >= -TX_COUNT)
        name = tx_name[-call->stmt - 1];
    else {
        r->err = DRV_ERR_OTHER;
        snprintf(r->errmsg, sizeof r->errmsg, "postgres: no statement %d", call->stmt);
        return DRV_DONE;
    }
    int most = call->pv ? 65535 : DRV_MAX_PARAMS;   /* the protocol's limit; inline storage's */
    if (call->nparams < 0 || call->nparams > most) {
        r->err = DRV_ERR_OTHER;
        snprintf(r->errmsg, sizeof r->errmsg, "postgres: %d parameters (at most %d)", call->nparams, most);
        return DRV_DONE;
    }
    if (bind_params(c, call) != 0) {
        r->err = DRV_ERR_OTHER;
        snprintf(r->errmsg, sizeof r->errmsg, "postgres: out of memory");
        return DRV_DONE;
    }
    /* Text parameters with type 0: the server infers each type from where
     * the parameter stands, as it does for a literal. Any failure to queue
     * (no connection, a call still in progress) leaves the connection in
     * a state we cannot trust: the engine replaces it. */
    if (!PQsendQueryPrepared(c->pg, name, call->nparams, c->values, NULL, NULL, 0))
        return lost(c, r);
    int f = PQflush(c->pg);
    if (f < 0)
        return lost(c, r);
    c->flushing = f == 1;
    return wait_on(c, r);
}

/* ---- COPY, for seeding ------------------------------------------------ */

/* Blocking, like pg_query: the connection is switched to blocking mode
 * while the COPY lasts, so libpq itself waits when its buffer is full. */
static void copy_error(drv_conn *c, PGresult *res, char *err, size_t errlen)
{
    char why[256];
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    first_line(primary ? primary : res ? PQresultErrorMessage(res) : PQerrorMessage(c->pg), why, sizeof why);
    snprintf(err, errlen, "postgres: %s", why[0] ? why : "COPY failed");
}

static int pg_copy_begin(drv_conn *c, const char *sql, char *err, size_t errlen)
{
    if (PQsetnonblocking(c->pg, 0) != 0) {
        snprintf(err, errlen, "postgres: cannot make the connection blocking");
        return -1;
    }
    PGresult *res = PQexec(c->pg, sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        copy_error(c, res, err, errlen);
        PQclear(res);
        PQsetnonblocking(c->pg, 1);
        return -1;
    }
    PQclear(res);
    return 0;
}

static int pg_copy_data(drv_conn *c, const char *data, size_t len, char *err, size_t errlen)
{
    if (len > INT_MAX || PQputCopyData(c->pg, data, (int)len) != 1) {
        copy_error(c, NULL, err, errlen);
        return -1;
    }
    return 0;
}

static int pg_copy_end(drv_conn *c, char *err, size_t errlen)
{
    int rc = 0;
    if (PQputCopyEnd(c->pg, NULL) != 1) {
        copy_error(c, NULL, err, errlen);
        rc = -1;
    }
    /* The outcome (a constraint the data broke, say) comes as the result. */
    PGresult *res;
    while ((res = PQgetResult(c->pg))) {
        if (rc == 0 && PQresultStatus(res) != PGRES_COMMAND_OK) {
            copy_error(c, res, err, errlen);
            rc = -1;
        }
        PQclear(res);
    }
    PQsetnonblocking(c->pg, 1);
    return rc;
}

const drv_ops postgres_driver = {
    .name = "postgres",
    .schemes = (const char *const[]){ "postgres://", "postgresql://", NULL },
    .dialect = "postgres",
    .max_conns_per_thread = 0,
    .local = false,
    .connect = pg_connect,
    .prepare = pg_prepare,
    .exec = pg_exec,
    .query = pg_query,
    .copy_begin = pg_copy_begin,
    .copy_data = pg_copy_data,
    .copy_end = pg_copy_end,
    .start = pg_start,
    .resume = pg_resume,
    .close = pg_close,
};
