/* redis.c - Redis job queues (lists or streams), on hiredis: the driver
 * table, the URL, connecting, and the producers' hot path (lanes sharing a
 * pipelined socket). The run level (depth sampler, consumers, drain) is in
 * redis_run.c; what both use is in redis_int.h.
 *
 * URL: redis://[[user]:password@]host[:port][/db][?queue=a,b[&pipeline=N]]
 *      redis://...?stream=a,b    streams (XADD) instead of lists (LPUSH)
 * Port 6379, db 0 and queue "surge:jobs" unless given. AUTH is sent when
 * a password is given (AUTH user password for an ACL user). A '/' in the
 * password, or a ',' or '&' in a name, is written %2F, %2C, %26.
 *
 * Producers. A call sends one message: LPUSH <queue> <msg> (consumers pop
 * from the other end, so a list is FIFO), or XADD <stream> * job <msg>
 * [id <id>]. Connecting blocks (bounded by RQ_CONNECT_MS: AUTH, SELECT and
 * CLIENT SETNAME in one round trip); the load does not: the socket is then
 * made nonblocking, start() appends the command to the pipe's output
 * buffer, and the engine polls until the reply is there. Past connecting,
 * hiredis only parses replies, into the pipe (reply_fns): commands are
 * formatted, and the socket read and written, here, with no allocation per
 * command or reply.
 *
 * Pipelining (pipeline=N): the engine runs one call at a time per
 * connection, so each engine connection is a *lane*, and up to N lanes
 * opened one after another by the same thread share one socket (a *pipe*).
 * Commands go out in the order lanes start them, replies come back in that
 * order, and the pipe keeps a FIFO of the lanes waiting (a ring indexed by
 * sequence number) to hand each reply to its lane. Lanes of different
 * threads never share a pipe (the registry of pipes with room is keyed by
 * thread), and a pipe's lanes are started, resumed and closed on that
 * thread, so nothing here needs a lock on the hot path.
 *
 * Sending: with N = 1, or in a thread that does not call flush(), start()
 * writes at once what the kernel takes. A worker thread calls flush() before
 * each sleep (driver.h); from its first call on, start() on a shared pipe
 * only appends, and flush() writes each pipe the thread touched in one
 * write: the commands of every lane started in one pass of the worker's
 * loop go out together, and Redis reads them in one read. A thread that
 * has called flush() once must call it before every sleep (so must anything
 * else that polls lanes in that thread).
 *
 * Waking (N > 1). A lane cannot wait on the socket itself (two slots cannot
 * register one fd in one epoll, and a slot's registration outlives its
 * call), nor should one lane's read leave another asleep on a socket gone
 * quiet. So the pipe has its own epoll instance, holding the socket (EPOLLIN,
 * and EPOLLOUT while `blocked`) and an eventfd, and every lane waits on its
 * own dup of that epoll fd, which is readable while either is ready. Any
 * lane resumed does the pipe's work: it writes what is left, reads what has
 * come, and hands every whole reply to its lane (LANE_DONE). No lane can
 * miss its wake-up, because a waiting lane is always in one of these cases:
 *   - its reply has not come: its command is written (the pipe's epoll turns
 *     readable when the reply comes), or it is in the output buffer and the
 *     pipe is either in this thread's flush list (flush() writes it before
 *     the sleep) or `blocked` (readable when the socket takes more);
 *   - another lane read its reply (it is `owed`): the eventfd is set while
 *     the pipe owes any lane, immediately, or in a flushing thread by the
 *     flush() before the sleep (until then every owed lane woken by the
 *     same data is still on the engine's ready list), and it is cleared by
 *     the last owed lane to collect its outcome.
 * So a lane resumed for nothing (its reply not in yet) just waits again.
 * Lanes register with EPOLLET: each event on the pipe's epoll (data in, room
 * to write, the eventfd set) wakes every lane registered on it, and the
 * engine re-arms (so polls) a lane's registration with each wait, so what a
 * lane waits for cannot come without waking it; level-triggered, the
 * engine's epoll would also poll the pipe again at each of its waits for
 * every lane it had just returned.
 * A socket error, EOF or protocol error fails the pipe: every lane waiting
 * gets DRV_ERR_CONNECTION (and the wake-up), every later start() too, and
 * the engine replaces the lanes, which then open a new pipe together. A
 * lane closed mid-call leaves a hole in the FIFO; its reply is read and
 * dropped, and the healthy pipe has room again for the lane opened in its
 * place. With N = 1 a lane is its pipe's only lane: it waits on the socket
 * itself, for EPOLLOUT too while its command is not all written.
 *
 * Sockets are written with write(2) (by hiredis while connecting): on a
 * socket the server has closed that raises SIGPIPE, which would kill the
 * process. Every thread that uses a
 * connection blocks SIGPIPE for itself once (the signal then stays pending,
 * harmless, and the write fails with EPIPE).
 */
#include "drivers/redis_int.h"

#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "drivers/driver.h"

#define RQ_PORT           6379
#define RQ_DEFAULT_QUEUE  "surge:jobs"
#define RQ_MAX_PIPELINE   1024
#define RQ_OUT_KEEP       (1u << 20)   /* a pipe's output buffer larger than this is freed once written */

/* SIGPIPE: see the top of the file. */
void rq_block_sigpipe(void)
{
    static _Thread_local bool done;
    if (done)
        return;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    done = true;
}

/* ---- the target ---------------------------------------------------------- */

/* Replace each occurrence of secret in buf by "****" (secrets shorter than
 * 3 bytes are left: they would match ordinary text). */
static void scrub(char *buf, size_t len, const char *secret, size_t n)
{
    if (n < 3)
        return;
    for (char *hit = buf; (hit = memmem(hit, strlen(hit), secret, n)) != NULL;) {
        char rest[512];
        snprintf(rest, sizeof rest, "%s", hit + n);
        snprintf(hit, len - (size_t)(hit - buf), "****%s", rest);
        hit += 4;
    }
}

/* Whatever could be a password in a URL we may not have parsed: after the
 * first ':' behind "://" up to the last '@' anywhere. */
static void scrub_url(char *buf, size_t len, const char *url)
{
    const char *auth = strstr(url, "://");
    const char *at = strrchr(url, '@');
    if (!auth || !at || at < auth + 3)
        return;
    const char *colon = memchr(auth + 3, ':', (size_t)(at - auth - 3));
    if (colon)
        scrub(buf, len, colon + 1, (size_t)(at - colon - 1));
}

/* %XX escapes of [s, s + n) into out (NUL-terminated); -1 when one is bad
 * or the result does not fit. */
static int unescape(const char *s, size_t n, char *out, size_t outlen)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '%') {
            unsigned v;
            char hex[3] = { i + 1 < n ? s[i + 1] : 0, i + 2 < n ? s[i + 2] : 0, 0 };
            if (!hex[0] || !hex[1] || strspn(hex, "0123456789abcdefABCDEF") != 2 || sscanf(hex, "%x", &v) != 1 ||
                v == 0)
                return -1;
            ch = (char)v;
            i += 2;
        }
        if (o + 1 >= outlen)
            return -1;
        out[o++] = ch;
    }
    out[o] = '\0';
    return 0;
}

static bool parse_long(const char *s, size_t n, long lo, long hi, long *out)
{
    if (n == 0 || n > 18 || strspn(s, "0123456789") < n)
        return false;
    long v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    if (v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

/* The names of queue=a,b (or stream=). */
static int parse_names(rq_target *t, const char *s, size_t n, const char *key, char *why, size_t whylen)
{
    t->nq = 0;
    const char *end = s + n;
    for (const char *p = s; p <= end;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma ? comma : end;
        if (t->nq == RQ_MAX_QUEUES)
            return snprintf(why, whylen, "%s= names at most %d queues", key, RQ_MAX_QUEUES), -1;
        char *name = t->names[t->nq];
        if (stop == p)
            return snprintf(why, whylen, "%s= has an empty name", key), -1;
        if (unescape(p, (size_t)(stop - p), name, DRV_NAME) != 0)
            return snprintf(why, whylen, "%s=: a name is longer than %d bytes or has a bad %%-escape", key,
                            DRV_NAME - 1), -1;
        for (int i = 0; i < t->nq; i++)
            if (strcmp(t->names[i], name) == 0)
                return snprintf(why, whylen, "%s= names '%s' twice", key, name), -1;
        t->lens[t->nq] = strlen(name);
        t->nq++;
        p = stop + 1;
    }
    return 0;
}

/* 0, or -1 with a one-line reason in why (never quoting the part of the
 * URL a password may be in). */
static int parse_target(const char *url, rq_target *t, char *why, size_t whylen)
{
    memset(t, 0, sizeof *t);
    t->port = RQ_PORT;
    t->pipeline = 1;
    if (strncmp(url, "redis://", 8) != 0)
        return snprintf(why, whylen, "expected redis://[[user]:password@]host[:port][/db][?queue=NAME,...]"), -1;
    /* The authority ends at the first '/' (so a password may hold '?' and
     * '@', as surge_mask_url assumes); the host at the first '/' or '?'. */
    const char *auth = url + 8;
    const char *slash = strchr(auth, '/');
    const char *auth_end = slash ? slash : auth + strlen(auth);
    const char *at = NULL;
    for (const char *p = auth; p < auth_end; p++)
        if (*p == '@')
            at = p;
    const char *host = auth;
    if (at) {
        const char *colon = memchr(auth, ':', (size_t)(at - auth));
        const char *user_end = colon ? colon : at;
        if (unescape(auth, (size_t)(user_end - auth), t->user, sizeof t->user) != 0)
            return snprintf(why, whylen, "the user name is too long or has a bad %%-escape"), -1;
        if (colon) {
            if (unescape(colon + 1, (size_t)(at - colon - 1), t->pass, sizeof t->pass) != 0)
                return snprintf(why, whylen, "the password is too long or has a bad %%-escape"), -1;
            t->has_pass = t->pass[0] != '\0';
        }
        host = at + 1;
    }
    const char *host_end = host + strcspn(host, "/?");
    const char *port = NULL;
    if (*host == '[') {
        const char *close = memchr(host, ']', (size_t)(host_end - host));
        if (!close)
            return snprintf(why, whylen, "an IPv6 address needs its closing ']'"), -1;
        snprintf(t->host, sizeof t->host, "%.*s", (int)(close - host - 1), host + 1);
        if (close + 1 < host_end) {
            if (close[1] != ':')
                return snprintf(why, whylen, "expected ':PORT' after the IPv6 address"), -1;
            port = close + 2;
        }
    } else {
        const char *colon = memchr(host, ':', (size_t)(host_end - host));
        const char *name_end = colon ? colon : host_end;
        if ((size_t)(name_end - host) >= sizeof t->host)
            return snprintf(why, whylen, "the host name is too long"), -1;
        snprintf(t->host, sizeof t->host, "%.*s", (int)(name_end - host), host);
        if (colon)
            port = colon + 1;
    }
    if (!t->host[0])
        snprintf(t->host, sizeof t->host, "127.0.0.1");
    if (port) {
        long v;
        if (!parse_long(port, (size_t)(host_end - port), 1, 65535, &v))
            return snprintf(why, whylen, "expected a port 1..65535 after the host"), -1;
        t->port = (int)v;
    }
    snprintf(t->where, sizeof t->where, strchr(t->host, ':') ? "[%s]:%d" : "%s:%d", t->host, t->port);

    const char *p = host_end;
    if (*p == '/') {
        p++;
        size_t n = strcspn(p, "?");
        if (n && !parse_long(p, n, 0, INT_MAX, &t->db))
            return snprintf(why, whylen, "expected a database number after the host, as in /0"), -1;
        p += n;
    }
    bool have_names = false;
    if (*p == '?') {
        p++;
        while (*p) {
            size_t n = strcspn(p, "&");
            const char *eq = memchr(p, '=', n);
            size_t klen = eq ? (size_t)(eq - p) : n;
            const char *val = eq ? eq + 1 : p + n;
            size_t vlen = (size_t)(p + n - val);
            if ((klen == 5 && strncmp(p, "queue", 5) == 0) || (klen == 6 && strncmp(p, "stream", 6) == 0)) {
                bool streams = klen == 6;
                if (have_names)
                    return snprintf(why, whylen, "give queue= or stream= once"), -1;
                have_names = true;
                t->streams = streams;
                if (parse_names(t, val, vlen, streams ? "stream" : "queue", why, whylen) != 0)
                    return -1;
            } else if (klen == 8 && strncmp(p, "pipeline", 8) == 0) {
                long v;
                if (!parse_long(val, vlen, 1, RQ_MAX_PIPELINE, &v))
                    return snprintf(why, whylen, "pipeline: expected 1..%d, got '%.*s'", RQ_MAX_PIPELINE,
                                    (int)(vlen < 20 ? vlen : 20), val), -1;
                t->pipeline = (int)v;
            } else {
                return snprintf(why, whylen, "unknown option '%.*s' (expected queue=, stream= or pipeline=)",
                                (int)(klen < 40 ? klen : 40), p), -1;
            }
            p += n;
            if (*p == '&')
                p++;
        }
    }
    if (!have_names) {
        t->nq = 1;
        snprintf(t->names[0], DRV_NAME, "%s", RQ_DEFAULT_QUEUE);
        t->lens[0] = strlen(RQ_DEFAULT_QUEUE);
    }
    return 0;
}

int rq_parse_url(const char *url, rq_target *t, char *err, size_t errlen)
{
    char why[256];
    if (parse_target(url, t, why, sizeof why) == 0)
        return 0;
    scrub_url(why, sizeof why, url);
    snprintf(err, errlen, "redis: bad URL: %s", why);
    return -1;
}

/* Not static so tests/unit/test_redis.c can check the parser; no header,
 * as nothing else has any business calling it. The target as
 * "host=H port=P db=D user=U password=yes|no kind=lists|streams
 * pipeline=N queues=a,b" (the password itself never), or -1 with the
 * error message in out. */
int drv_redis_describe(const char *url, char *out, size_t len);

int drv_redis_describe(const char *url, char *out, size_t len)
{
    rq_target t;
    if (rq_parse_url(url, &t, out, len) != 0)
        return -1;
    int n = snprintf(out, len, "host=%s port=%d db=%ld user=%s password=%s kind=%s pipeline=%d queues=", t.host,
                     t.port, t.db, t.user, t.has_pass ? "yes" : "no", t.streams ? "streams" : "lists", t.pipeline);
    for (int i = 0; i < t.nq && n >= 0 && (size_t)n < len; i++)
        n += snprintf(out + n, len - (size_t)n, "%s%s", i ? "," : "", t.names[i]);
    return 0;
}

static int rq_channels(const char *url, char names[][DRV_NAME], int max, char *err, size_t errlen)
{
    rq_target t;
    if (rq_parse_url(url, &t, err, errlen) != 0)
        return -1;
    if (t.nq > max) {
        snprintf(err, errlen, "redis: %d queues in the URL (at most %d)", t.nq, max);
        return -1;
    }
    for (int i = 0; i < t.nq; i++)
        memcpy(names[i], t.names[i], DRV_NAME);
    return t.nq;
}

/* ---- connecting ---------------------------------------------------------- */

void rq_first_line(const char *s, size_t n, char *buf, size_t len)
{
    size_t k = 0;
    while (k < n && s[k] != '\n' && s[k] != '\r')
        k++;
    snprintf(buf, len, "%.*s", (int)k, s);
}

/* A context's error as one line; a read that timed out says so. */
void rq_ctx_error(const redisContext *c, double timeout_s, char *buf, size_t len)
{
    if (!c)
        snprintf(buf, len, "out of memory");
    else if (c->err == REDIS_ERR_IO && strstr(c->errstr, "temporarily unavailable"))
        snprintf(buf, len, "no answer within %.1f s", timeout_s);
    else
        rq_first_line(c->errstr, strlen(c->errstr), buf, len);
}

/* A blocking connection, set up: AUTH if a password is given, SELECT,
 * and a client name (surge:PID:ROLE, for CLIENT LIST), in one round trip.
 * Every step is bounded by timeout_ms, which also stays the read timeout. */
redisContext *rq_dial(const rq_target *t, int timeout_ms, const char *role, char *err, size_t errlen)
{
    rq_block_sigpipe();
    struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
    double timeout_s = timeout_ms / 1000.0;
    char why[256];
    redisContext *c = redisConnectWithTimeout(t->host, t->port, tv);
    if (!c || c->err) {
        rq_ctx_error(c, timeout_s, why, sizeof why);
        snprintf(err, errlen, "redis: cannot connect to %s: %s", t->where, why);
        scrub(err, errlen, t->pass, strlen(t->pass));
        if (c)
            redisFree(c);
        return NULL;
    }
    fcntl(c->fd, F_SETFD, FD_CLOEXEC);   /* not into exec: children */
    if (redisSetTimeout(c, tv) != REDIS_OK) {
        snprintf(err, errlen, "redis: %s: cannot set a timeout", t->where);
        redisFree(c);
        return NULL;
    }
    char db[24], name[64];
    snprintf(db, sizeof db, "%ld", t->db);
    snprintf(name, sizeof name, "surge:%ld:%s", (long)getpid(), role);
    enum { STEP_AUTH, STEP_SELECT, STEP_NAME };
    int steps[3], nsteps = 0;
    if (t->has_pass) {
        if (t->user[0])
            redisAppendCommand(c, "AUTH %s %s", t->user, t->pass);
        else
            redisAppendCommand(c, "AUTH %s", t->pass);
        steps[nsteps++] = STEP_AUTH;
    }
    redisAppendCommand(c, "SELECT %s", db);
    steps[nsteps++] = STEP_SELECT;
    redisAppendCommand(c, "CLIENT SETNAME %s", name);
    steps[nsteps++] = STEP_NAME;
    err[0] = '\0';
    for (int i = 0; i < nsteps; i++) {
        redisReply *rep = NULL;
        if (redisGetReply(c, (void **)&rep) != REDIS_OK || !rep) {
            rq_ctx_error(c, timeout_s, why, sizeof why);
            if (!err[0])
                snprintf(err, errlen, "redis: %s: %s", t->where, why);
            break;
        }
        if (rep->type == REDIS_REPLY_ERROR && !err[0]) {
            rq_first_line(rep->str, rep->len, why, sizeof why);
            if (steps[i] == STEP_AUTH)
                snprintf(err, errlen, "redis: %s: authentication failed: %s", t->where, why);
            else if (steps[i] == STEP_SELECT && strncmp(why, "NOAUTH", 6) == 0)
                snprintf(err, errlen, "redis: %s: %s (give the password in the URL: redis://:PASSWORD@host)",
                         t->where, why);
            else if (steps[i] == STEP_SELECT)
                snprintf(err, errlen, "redis: %s: cannot select database %ld: %s", t->where, t->db, why);
            /* CLIENT SETNAME may be refused (an ACL without +client): the name is a courtesy. */
        }
        freeReplyObject(rep);
    }
    if (err[0]) {
        scrub(err, errlen, t->pass, strlen(t->pass));
        redisFree(c);
        return NULL;
    }
    return c;
}

/* ---- producers: pipes and lanes ------------------------------------------- */

/* A lane's life, one call at a time:
 *   LANE_IDLE    no call; start() appends a command, puts the lane in its
 *                pipe's FIFO and moves it to
 *   LANE_QUEUED  the command is appended (written, or to be written); the
 *                reply is not read yet. The lane that reads it moves it to
 *   LANE_DONE    the outcome is in the lane (its reply, or the pipe's
 *                failure); the next start() or resume() hands it over and
 *                the lane is idle again. */
typedef enum lane_state { LANE_IDLE, LANE_QUEUED, LANE_DONE } lane_state;

typedef struct rq_pipe rq_pipe;

/* What a lane needs of a reply: hiredis's reader parses into this, in the
 * pipe, instead of building a redisReply per reply (see reply_fns). */
typedef struct rq_reply {
    int type;                     /* REDIS_REPLY_* of the whole reply */
    long long integer;            /* REDIS_REPLY_INTEGER */
    char text[DRV_ERRMSG];        /* REDIS_REPLY_ERROR: its first line */
} rq_reply;

struct drv_conn {                 /* a lane */
    rq_pipe *p;
    lane_state state;
    uint64_t seq;                 /* LANE_QUEUED: its command's place in the FIFO */
    int fd;                       /* what it waits on: its own dup of the pipe's epoll; the socket itself
                                     when the pipe has one lane */
    bool owed;                    /* LANE_DONE by another lane's read: counted in its pipe's `owed` */
    drv_errclass err;             /* LANE_DONE: the outcome */
    int64_t len;                  /* LPUSH's reply: the list's length; -1 none */
    char msg[DRV_ERRMSG];
};

struct rq_pipe {
    redisContext *ctx;
    rq_target t;
    int nlanes;                   /* lanes open on it: it is freed with the last */
    /* Registry key: the thread whose lanes share it, and what it was opened for. */
    pthread_t owner;
    const drv_run *run;
    char *url;
    bool listed;                  /* in the registry: lanes may still join */
    rq_pipe *next;
    bool dead;                    /* the socket failed: every call fails with `why` */
    char why[DRV_ERRMSG];
    int ep;                       /* pipeline > 1: the epoll every lane waits on (see the top); else -1 */
    int efd;                      /* in ep: set while the pipe owes lanes their wake-up; -1 when ep is */
    bool efd_set;
    int owed;                     /* lanes LANE_DONE by another lane's read, not collected yet */
    char *out;                    /* commands appended: [out_off, out_len) not written yet */
    size_t out_off, out_len, out_cap;
    bool blocked;                 /* the socket took only part of them: ep also waits for EPOLLOUT */
    bool noted;                   /* in this thread's flush list */
    rq_pipe *flush_next;
    rq_reply rep;                 /* the reply being read (see reply_fns) */
    drv_conn **ring;              /* FIFO: ring[seq & (cap - 1)] is the lane of command seq, NULL if it closed */
    size_t cap;
    uint64_t sent, recv;          /* commands appended; replies read */
};

/* Pipes with room for more lanes. Touched on connect and close only. */
static pthread_mutex_t rq_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static rq_pipe *rq_registry;

/* This thread calls flush() before it sleeps: set by its first call, for
 * good (see the top of the file). */
static _Thread_local bool rq_flushing;
/* This thread's pipes with something for flush() to do. */
static _Thread_local rq_pipe *rq_flush_list;

static void list_locked(rq_pipe *p)
{
    p->next = rq_registry;
    rq_registry = p;
    p->listed = true;
}

static void unlist_locked(rq_pipe *p)
{
    if (!p->listed)
        return;
    for (rq_pipe **pp = &rq_registry; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            break;
        }
    p->listed = false;
}

/* Give flush() something to do for p (a no-op in threads that do not flush). */
static void pipe_note(rq_pipe *p)
{
    if (p->noted || !rq_flushing)
        return;
    p->flush_next = rq_flush_list;
    rq_flush_list = p;
    p->noted = true;
}

static void pipe_unnote(rq_pipe *p)
{
    if (!p->noted)
        return;
    for (rq_pipe **pp = &rq_flush_list; *pp; pp = &(*pp)->flush_next)
        if (*pp == p) {
            *pp = p->flush_next;
            break;
        }
    p->noted = false;
}

static void pipe_free(rq_pipe *p)
{
    pipe_unnote(p);   /* on the owner's thread: see the top of the file */
    if (p->ctx)
        redisFree(p->ctx);
    if (p->ep >= 0)
        close(p->ep);
    if (p->efd >= 0)
        close(p->efd);
    free(p->out);
    free(p->ring);
    free(p->url);
    free(p);
}

/* A lane lets go of its pipe; the last one frees it. A healthy pipe has
 * room again, for the lane the engine opens in its place. */
static void pipe_release(rq_pipe *p)
{
    pthread_mutex_lock(&rq_registry_lock);
    bool last = --p->nlanes == 0;
    if (last) {
        unlist_locked(p);
    } else if (!p->dead && !p->listed && p->t.pipeline > 1) {
        list_locked(p);
    }
    pthread_mutex_unlock(&rq_registry_lock);
    if (last)
        pipe_free(p);
}

/* Set the eventfd while lanes are owed their wake-up. */
static void pipe_wake(rq_pipe *p)
{
    uint64_t one = 1;
    if (p->efd >= 0 && p->owed > 0 && !p->efd_set && write(p->efd, &one, sizeof one) == (ssize_t)sizeof one)
        p->efd_set = true;
}

/* ... and clear it when none is. */
static void pipe_calm(rq_pipe *p)
{
    uint64_t v;
    if (p->efd_set && p->owed == 0 && (read(p->efd, &v, sizeof v) == (ssize_t)sizeof v || errno == EAGAIN))
        p->efd_set = false;
}

/* Lane l's outcome is in; `self` is the lane doing the pipe's work, which
 * collects its own before it returns (NULL: none does). */
static void lane_deliver(rq_pipe *p, drv_conn *l, const drv_conn *self)
{
    l->state = LANE_DONE;
    if (l == self || p->ep < 0)
        return;
    l->owed = true;
    p->owed++;
    if (rq_flushing)
        pipe_note(p);   /* flush() wakes it if the engine has not resumed it by then */
    else
        pipe_wake(p);
}

/* Wait for EPOLLOUT too, or no more. */
static void pipe_block(rq_pipe *p, bool on)
{
    p->blocked = on;
    if (p->ep < 0)
        return;
    struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0) };
    epoll_ctl(p->ep, EPOLL_CTL_MOD, p->ctx->fd, &ev);
}

/* The socket failed: every lane waiting gets the error, and a wake-up. */
static void pipe_fail(rq_pipe *p, const char *why)
{
    if (p->dead)
        return;
    p->dead = true;
    snprintf(p->why, sizeof p->why, "connection to %.60s lost: %.150s", p->t.where, why);
    for (uint64_t s = p->recv; s < p->sent; s++) {
        drv_conn *l = p->ring[s & (p->cap - 1)];
        if (!l)
            continue;
        l->err = DRV_ERR_CONNECTION;
        snprintf(l->msg, sizeof l->msg, "%s", p->why);
        lane_deliver(p, l, NULL);
    }
    p->recv = p->sent;
    p->out_off = p->out_len = 0;
    pthread_mutex_lock(&rq_registry_lock);
    unlist_locked(p);
    pthread_mutex_unlock(&rq_registry_lock);
}

static void pipe_fail_ctx(rq_pipe *p)
{
    char why[200];
    rq_ctx_error(p->ctx, 0, why, sizeof why);
    pipe_fail(p, why);
}

static bool pipe_unsent(const rq_pipe *p)
{
    return p->out_off < p->out_len;
}

/* Write what the kernel takes of the commands appended. */
static void pipe_write(rq_pipe *p)
{
    ssize_t n = write(p->ctx->fd, p->out + p->out_off, p->out_len - p->out_off);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        pipe_fail(p, strerror(errno));
        return;
    }
    if (n > 0)
        p->out_off += (size_t)n;
    if (p->out_off == p->out_len) {
        p->out_off = p->out_len = 0;
        if (p->out_cap > RQ_OUT_KEEP) {   /* after a big message, give the memory back */
            free(p->out);
            p->out = NULL;
            p->out_cap = 0;
        }
    }
    if (p->blocked != pipe_unsent(p))
        pipe_block(p, pipe_unsent(p));
}

static void lane_take(drv_conn *l, const rq_reply *rep)
{
    l->len = -1;
    if (rep->type == REDIS_REPLY_ERROR) {
        l->err = DRV_ERR_OTHER;   /* OOM, READONLY, WRONGTYPE, NOAUTH ...: the server's word */
        snprintf(l->msg, sizeof l->msg, "%s", rep->text[0] ? rep->text : "error reply");
    } else {
        l->err = DRV_OK;
        if (rep->type == REDIS_REPLY_INTEGER)
            l->len = rep->integer;
    }
}

/* hiredis's reader calls these to build each reply; they note what a lane
 * needs in p->rep (the reader's privdata) and return it as the object,
 * whatever the depth, so no reply costs a malloc. The reader keeps the
 * structure of nested replies itself, and frees nothing we did not give. */
static void *reply_note(const redisReadTask *task, long long integer)
{
    rq_reply *rep = &((rq_pipe *)task->privdata)->rep;
    if (!task->parent) {
        rep->type = task->type;
        rep->integer = integer;
    }
    return rep;
}

static void *reply_string(const redisReadTask *task, char *s, size_t len)
{
    rq_reply *rep = reply_note(task, 0);
    if (!task->parent && task->type == REDIS_REPLY_ERROR)
        rq_first_line(s, len, rep->text, sizeof rep->text);
    return rep;
}

static void *reply_array(const redisReadTask *task, int n)
{
    (void)n;
    return reply_note(task, 0);
}

static void *reply_integer(const redisReadTask *task, long long v)
{
    return reply_note(task, v);
}

static void *reply_nil(const redisReadTask *task)
{
    return reply_note(task, 0);
}

static void reply_free(void *rep)
{
    (void)rep;
}

static redisReplyObjectFunctions reply_fns = {
    .createString = reply_string,
    .createArray = reply_array,
    .createInteger = reply_integer,
    .createNil = reply_nil,
    .freeObject = reply_free,
};

/* One read of what the socket has, each whole reply to its lane. */
static void pipe_read(rq_pipe *p, drv_conn *self)
{
    char buf[16 * 1024];
    ssize_t n = read(p->ctx->fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return;   /* nothing yet */
    if (n <= 0) {
        pipe_fail(p, n == 0 ? "Server closed the connection" : strerror(errno));
        return;
    }
    if (redisReaderFeed(p->ctx->reader, buf, (size_t)n) != REDIS_OK) {
        pipe_fail(p, p->ctx->reader->errstr);
        return;
    }
    for (;;) {
        void *v = NULL;
        if (redisGetReplyFromReader(p->ctx, &v) != REDIS_OK) {
            pipe_fail_ctx(p);
            return;
        }
        if (!v)
            return;
        if (p->recv == p->sent) {
            pipe_fail(p, "a reply to no command");
            return;
        }
        drv_conn *l = p->ring[p->recv++ & (p->cap - 1)];
        if (l) {
            lane_take(l, &p->rep);
            lane_deliver(p, l, self);
        }
    }
}

static drv_status lane_collect(drv_conn *l, drv_reply *r)
{
    rq_pipe *p = l->p;
    r->err = l->err;
    if (l->err == DRV_OK)
        r->errmsg[0] = '\0';
    else
        snprintf(r->errmsg, sizeof r->errmsg, "%s", l->msg);
    r->rows = l->err == DRV_OK;
    if (l->err == DRV_OK && l->len >= 0) {
        r->ncols = 1;
        r->col[0] = l->len;
    }
    l->state = LANE_IDLE;
    if (l->owed) {
        l->owed = false;
        p->owed--;
        pipe_calm(p);
    }
    return DRV_DONE;
}

/* Done, or which fd to wait on (see the top of the file). */
static drv_status lane_wait(drv_conn *l, drv_reply *r)
{
    rq_pipe *p = l->p;
    if (l->state != LANE_QUEUED)
        return lane_collect(l, r);
    r->fd = l->fd;
    r->events = p->ep < 0 ? EPOLLIN | (pipe_unsent(p) ? EPOLLOUT : 0) : EPOLLIN | EPOLLET;
    return DRV_WAIT;
}

static void reply_reset(drv_reply *r)
{
    r->err = DRV_OK;
    r->errmsg[0] = '\0';
    r->rows = 0;
    r->last_id = 0;
    r->ncols = 0;
}

static drv_status fail_now(drv_reply *r, drv_errclass cls, const char *msg)
{
    r->err = cls;
    snprintf(r->errmsg, sizeof r->errmsg, "%s", msg);
    return DRV_DONE;
}

static int ring_grow(rq_pipe *p)
{
    size_t cap = p->cap ? p->cap * 2 : 8;
    drv_conn **ring = calloc(cap, sizeof *ring);
    if (!ring)
        return -1;
    for (uint64_t s = p->recv; s < p->sent; s++)
        ring[s & (cap - 1)] = p->ring[s & (p->cap - 1)];
    free(p->ring);
    p->ring = ring;
    p->cap = cap;
    return 0;
}

/* n in decimal at out; how many bytes. */
static size_t put_len(char *out, size_t n)
{
    char tmp[24];
    size_t k = 0;
    do
        tmp[k++] = (char)('0' + n % 10);
    while ((n /= 10) > 0);
    for (size_t i = 0; i < k; i++)
        out[i] = tmp[k - 1 - i];
    return k;
}

/* Append a command in RESP to the pipe's output; -1 when out of memory.
 * Not through hiredis (redisAppendCommandArgv): it builds each command in a
 * string of its own and frees its buffer after each write, a malloc, a
 * realloc or two and two more copies per command, a good part of a
 * producer's time at pipeline 16. */
static int append_command(rq_pipe *p, int argc, const char **argv, const size_t *lens)
{
    size_t need = 1 + 20 + 2;
    for (int i = 0; i < argc; i++)
        need += 1 + 20 + 2 + lens[i] + 2;
    if (p->out_off > 0) {   /* the rest of a partial write first */
        memmove(p->out, p->out + p->out_off, p->out_len - p->out_off);
        p->out_len -= p->out_off;
        p->out_off = 0;
    }
    if (p->out_cap - p->out_len < need) {
        size_t cap = p->out_cap ? p->out_cap : 4096;
        while (cap - p->out_len < need)
            cap *= 2;
        char *out = realloc(p->out, cap);
        if (!out)
            return -1;
        p->out = out;
        p->out_cap = cap;
    }
    char *o = p->out + p->out_len;
    *o++ = '*';
    o += put_len(o, (size_t)argc);
    *o++ = '\r';
    *o++ = '\n';
    for (int i = 0; i < argc; i++) {
        *o++ = '$';
        o += put_len(o, lens[i]);
        *o++ = '\r';
        *o++ = '\n';
        memcpy(o, argv[i], lens[i]);
        o += lens[i];
        *o++ = '\r';
        *o++ = '\n';
    }
    p->out_len = (size_t)(o - p->out);
    return 0;
}

static drv_status rq_start(drv_conn *l, const drv_call *call, drv_reply *r)
{
    rq_pipe *p = l->p;
    reply_reset(r);
    if (l->state != LANE_IDLE)
        return fail_now(r, DRV_ERR_OTHER, "redis: a call is already in progress on this connection");
    if (p->dead)
        return fail_now(r, DRV_ERR_CONNECTION, p->why);
    const drv_value *pv = drv_call_params(call);
    if (call->stmt < 0 || call->stmt >= p->t.nq)
        return fail_now(r, DRV_ERR_OTHER, "redis: no such queue");
    if (call->nparams < 1 || pv[0].type != DRV_TEXT)
        return fail_now(r, DRV_ERR_OTHER, "redis: a call sends one message (text)");
    bool with_id = call->nparams >= 2 && pv[1].type == DRV_TEXT && pv[1].v.text.s;
    const char *msg = pv[0].v.text.s ? pv[0].v.text.s : "";
    size_t msglen = pv[0].v.text.s && pv[0].v.text.len > 0 ? (size_t)pv[0].v.text.len : 0;
    const char *argv[7];
    size_t lens[7];
    int argc = 0;
#define ARG(s, n) (argv[argc] = (s), lens[argc] = (size_t)(n), argc++)
    if (p->t.streams) {
        ARG("XADD", 4);
        ARG(p->t.names[call->stmt], p->t.lens[call->stmt]);
        ARG("*", 1);
        ARG("job", 3);
        ARG(msg, msglen);
        if (with_id) {
            ARG("id", 2);
            ARG(pv[1].v.text.s, pv[1].v.text.len > 0 ? pv[1].v.text.len : 0);
        }
    } else {
        ARG("LPUSH", 5);
        ARG(p->t.names[call->stmt], p->t.lens[call->stmt]);
        ARG(msg, msglen);
    }
#undef ARG
    if (p->sent - p->recv == p->cap && ring_grow(p) != 0)
        return fail_now(r, DRV_ERR_OTHER, "redis: out of memory");
    if (append_command(p, argc, argv, lens) != 0)
        return fail_now(r, DRV_ERR_OTHER, "redis: out of memory");
    p->ring[p->sent & (p->cap - 1)] = l;
    l->seq = p->sent++;
    l->state = LANE_QUEUED;
    if (p->ep < 0 || !rq_flushing)
        pipe_write(p);
    else if (!p->blocked)
        pipe_note(p);   /* flush() writes it with the others; a blocked pipe's lanes wait for EPOLLOUT */
    return lane_wait(l, r);
}

static drv_status rq_resume(drv_conn *l, drv_reply *r)
{
    rq_pipe *p = l->p;
    if (l->state == LANE_IDLE)
        return fail_now(r, DRV_ERR_OTHER, "redis: no call in progress");
    if (l->state == LANE_QUEUED) {
        if (pipe_unsent(p))
            pipe_write(p);
        if (!p->dead)
            pipe_read(p, l);
    }
    return lane_wait(l, r);
}

/* Write every pipe of this thread that has commands appended, and wake
 * the lanes still owed (see the top of the file). */
static void rq_flush(void)
{
    rq_flushing = true;
    while (rq_flush_list) {
        rq_pipe *p = rq_flush_list;
        rq_flush_list = p->flush_next;
        p->noted = false;
        if (pipe_unsent(p) && !p->blocked && !p->dead)
            pipe_write(p);   /* may fail the pipe, which notes it again */
        pipe_wake(p);
    }
}

static drv_conn *lane_new(rq_pipe *p, char *err, size_t errlen)
{
    drv_conn *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "redis: out of memory");
        return NULL;
    }
    l->p = p;
    if (p->ep < 0) {
        l->fd = p->ctx->fd;
        return l;
    }
    if ((l->fd = fcntl(p->ep, F_DUPFD_CLOEXEC, 0)) < 0) {
        snprintf(err, errlen, "redis: cannot open a lane's descriptor: %s", strerror(errno));
        free(l);
        return NULL;
    }
    return l;
}

/* A shared pipe's epoll, holding the socket and the eventfd. */
static int pipe_epoll(rq_pipe *p, char *err, size_t errlen)
{
    p->ep = epoll_create1(EPOLL_CLOEXEC);
    p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN };
    if (p->ep < 0 || p->efd < 0 || epoll_ctl(p->ep, EPOLL_CTL_ADD, p->ctx->fd, &ev) != 0 ||
        epoll_ctl(p->ep, EPOLL_CTL_ADD, p->efd, &ev) != 0) {
        snprintf(err, errlen, "redis: cannot open a pipe's descriptors: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static rq_pipe *pipe_open(const rq_target *t, char *err, size_t errlen)
{
    rq_pipe *p = calloc(1, sizeof *p);
    if (!p || ring_grow(p) != 0) {
        free(p);
        snprintf(err, errlen, "redis: out of memory");
        return NULL;
    }
    p->t = *t;
    p->ep = p->efd = -1;
    if (!(p->ctx = rq_dial(t, RQ_CONNECT_MS, "producer", err, errlen))) {
        pipe_free(p);
        return NULL;
    }
    int fl = fcntl(p->ctx->fd, F_GETFL);
    if (fl < 0 || fcntl(p->ctx->fd, F_SETFL, fl | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "redis: %s: cannot make the socket nonblocking", t->where);
        pipe_free(p);
        return NULL;
    }
    p->ctx->reader->fn = &reply_fns;
    p->ctx->reader->privdata = p;
    if (t->pipeline > 1 && pipe_epoll(p, err, errlen) != 0) {
        pipe_free(p);
        return NULL;
    }
    return p;
}
/* A lane: on a pipe of this thread with room, for the same run and URL,
 * else on a new pipe. */
drv_conn *rq_lane_connect(const rq_target *t, const char *url, const drv_run *run, char *err, size_t errlen)
{
    rq_block_sigpipe();
    pthread_t self = pthread_self();
    rq_pipe *p = NULL;
    if (t->pipeline > 1) {
        pthread_mutex_lock(&rq_registry_lock);
        for (p = rq_registry; p; p = p->next)
            if (pthread_equal(p->owner, self) && p->run == run && strcmp(p->url, url) == 0 && !p->dead)
                break;
        if (p && ++p->nlanes == p->t.pipeline)
            unlist_locked(p);
        pthread_mutex_unlock(&rq_registry_lock);
    }
    if (!p) {
        if (!(p = pipe_open(t, err, errlen)))
            return NULL;
        p->owner = self;
        p->run = run;
        p->nlanes = 1;
        if (!(p->url = strdup(url))) {
            snprintf(err, errlen, "redis: out of memory");
            pipe_free(p);
            return NULL;
        }
        if (t->pipeline > 1) {
            pthread_mutex_lock(&rq_registry_lock);
            list_locked(p);
            pthread_mutex_unlock(&rq_registry_lock);
        }
    }
    drv_conn *l = lane_new(p, err, errlen);
    if (!l)
        pipe_release(p);
    return l;
}

static drv_conn *rq_connect(const char *url, char *err, size_t errlen)
{
    rq_target t;
    if (rq_parse_url(url, &t, err, errlen) != 0)
        return NULL;
    return rq_lane_connect(&t, url, NULL, err, errlen);
}

static void rq_close(drv_conn *l)
{
    if (!l)
        return;
    rq_pipe *p = l->p;
    if (l->state == LANE_QUEUED)
        p->ring[l->seq & (p->cap - 1)] = NULL;   /* its reply will be read and dropped */
    if (l->owed) {
        p->owed--;
        pipe_calm(p);
    }
    if (l->fd != p->ctx->fd)
        close(l->fd);
    free(l);
    pipe_release(p);
}

static int rq_prepare(drv_conn *c, int nstmts, const char *const *sql, char *err, size_t errlen)
{
    (void)c, (void)sql;
    if (nstmts == 0)
        return 0;
    snprintf(err, errlen, "redis: a queue takes messages, not SQL statements");
    return -1;
}

const drv_ops redis_driver = {
    .name = "redis",
    .schemes = (const char *const[]){ "redis://", NULL },
    .dialect = "queue",
    .max_conns_per_thread = 0,
    .local = false,
    .connect = rq_connect,
    .prepare = rq_prepare,
    .exec = NULL,
    .query = NULL,
    .start = rq_start,
    .resume = rq_resume,
    .close = rq_close,
    .flush = rq_flush,
    .stable_fds = true,         /* a lane's fd is its pipe's epoll, open as long as the lane */
    .channels = rq_channels,
    .run_open = rq_run_open,
    .run_connect = rq_run_connect,
    .run_gauges = rq_run_gauges,
    .run_observed = rq_run_observed,
    .run_failed = rq_run_failed,
    .run_finish = rq_run_finish,
    .run_close = rq_run_close,
};
