/* redis.c - Redis job queues (lists or streams), on hiredis.
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
 * made nonblocking, start() appends the command with
 * redisAppendCommandArgv and writes what the kernel takes, and the engine
 * polls until the reply is there.
 *
 * Pipelining (pipeline=N): the engine runs one call at a time per
 * connection, so each engine connection is a *lane*, and up to N lanes
 * opened one after another by the same thread share one socket (a *pipe*).
 * Commands go out in the order lanes start them, replies come back in that
 * order, and the pipe keeps a FIFO of the lanes waiting (a ring indexed by
 * sequence number) to hand each reply to its lane. Lanes of different
 * threads never share a pipe (the registry of pipes with room is keyed by
 * thread), so nothing here needs a lock on the hot path.
 *
 * Each lane gives the engine its own fds, never the shared socket itself
 * (two slots cannot register one fd in one epoll, and a slot's
 * registration outlives its call): a dup of the socket, and an eventfd.
 * Which one a waiting lane hands over:
 *   - the *reader*: at most one lane per pipe waits on (its dup of) the
 *     socket for EPOLLIN, and only the reader reads. Its own reply can
 *     therefore never be taken by another lane while it sleeps on a socket
 *     that has gone quiet.
 *   - the others wait on their eventfd; the reader, dispatching a reply to
 *     a lane, marks the lane done and writes its eventfd.
 *   - a lane whose command is not all written waits on its dup for
 *     EPOLLOUT (writable stays true until the buffer fills, so a lane
 *     whose bytes another lane flushed still wakes).
 * When the reader leaves (its reply came, or it is closed) while lanes are
 * still waiting, it writes the eventfd of the oldest waiting lane, which
 * takes over reading when it runs. So every lane waiting has either the
 * reader ahead of it, a pending eventfd count, or pending output to wake it.
 * A socket error, EOF or protocol error fails the pipe: every lane waiting
 * gets DRV_ERR_CONNECTION (and its eventfd), every later start() too, and the
 * engine replaces the lanes, which then open a new pipe together. A lane
 * closed mid-call leaves a hole in the FIFO; its reply is read and dropped,
 * and the healthy pipe has room again for the lane opened in its place.
 * With N = 1 a lane is its pipe's only lane: it waits on the socket itself.
 *
 * Run level (run_open): one blocking *sampler* connection reads LLEN / XLEN
 * for the gauges; `consumers` threads, each with its own blocking
 * connection, pop jobs (BRPOP over the lists, key order rotated so no queue
 * starves, then RPOP key 128 for the rest of a batch; or XREADGROUP in
 * group "surge", XACK + XDEL, so a stream's XLEN is its backlog) and record
 * wall clock now - the job's "timestamp" into their own histograms, merged
 * into the run's under a lock every RQ_FLUSH_S. run_finish lets them drain
 * the queues for drain_s at most, then stops and joins them (bounded).
 * Redis going away never fails the run: every connection comes back with
 * backoff, so run_failed is always false.
 *
 * hiredis writes with write(2): on a socket the server has closed that
 * raises SIGPIPE, which would kill the process. Every thread that uses a
 * connection blocks SIGPIPE for itself once (the signal then stays pending,
 * harmless, and the write fails with EPIPE).
 */
#include "drivers/driver.h"

#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/hist.h"
#include "surge.h"

#define RQ_PORT           6379
#define RQ_DEFAULT_QUEUE  "surge:jobs"
#define RQ_MAX_QUEUES     16
#define RQ_MAX_PIPELINE   1024
#define RQ_CONNECT_MS     5000     /* producers: connect + handshake */
#define RQ_CONSUMER_MS    2000     /* consumers: connect, and any reply (BRPOP waits RQ_POP_MS) */
#define RQ_SAMPLER_MS     500      /* the sampler runs on the reporter thread: keep its stalls short */
#define RQ_POP_MS         200      /* a consumer's blocking pop: how often it looks at the stop flag */
#define RQ_BATCH          128      /* jobs a consumer takes per round trip after the first */
#define RQ_FLUSH_S        0.1      /* consumers merge their histograms into the run's this often */
#define RQ_BACKOFF_MIN_S  0.1
#define RQ_BACKOFF_MAX_S  2.0
#define RQ_JOIN_S         3.0      /* consumers must have stopped this long after being told */
#define RQ_GROUP          "surge"

/* ---- the target ---------------------------------------------------------- */

typedef struct rq_target {
    char host[256];
    int port;
    long db;
    char user[128];
    char pass[256];
    bool has_pass;
    bool streams;
    int pipeline;
    int nq;
    char names[RQ_MAX_QUEUES][DRV_NAME];
    size_t lens[RQ_MAX_QUEUES];
    char where[300];   /* "host:port", for messages */
} rq_target;

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
    if (s <= 0)
        return;
    struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static void block_sigpipe(void)
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

static int parse_url(const char *url, rq_target *t, char *err, size_t errlen)
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
    if (parse_url(url, &t, out, len) != 0)
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
    if (parse_url(url, &t, err, errlen) != 0)
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

static void first_line(const char *s, size_t n, char *buf, size_t len)
{
    size_t k = 0;
    while (k < n && s[k] != '\n' && s[k] != '\r')
        k++;
    snprintf(buf, len, "%.*s", (int)k, s);
}

/* A context's error as one line; a read that timed out says so. */
static void ctx_error(const redisContext *c, double timeout_s, char *buf, size_t len)
{
    if (!c)
        snprintf(buf, len, "out of memory");
    else if (c->err == REDIS_ERR_IO && strstr(c->errstr, "temporarily unavailable"))
        snprintf(buf, len, "no answer within %.1f s", timeout_s);
    else
        first_line(c->errstr, strlen(c->errstr), buf, len);
}

/* A blocking connection, set up: AUTH if a password is given, SELECT,
 * and a client name (surge:PID:ROLE, for CLIENT LIST), in one round trip.
 * Every step is bounded by timeout_ms, which also stays the read timeout. */
static redisContext *dial(const rq_target *t, int timeout_ms, const char *role, char *err, size_t errlen)
{
    block_sigpipe();
    struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
    double timeout_s = timeout_ms / 1000.0;
    char why[256];
    redisContext *c = redisConnectWithTimeout(t->host, t->port, tv);
    if (!c || c->err) {
        ctx_error(c, timeout_s, why, sizeof why);
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
            ctx_error(c, timeout_s, why, sizeof why);
            if (!err[0])
                snprintf(err, errlen, "redis: %s: %s", t->where, why);
            break;
        }
        if (rep->type == REDIS_REPLY_ERROR && !err[0]) {
            first_line(rep->str, rep->len, why, sizeof why);
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
 *   LANE_QUEUED  the command is written (or being written); the reply is
 *                not read yet. The reader moves it to
 *   LANE_DONE    the outcome is in the lane (its reply, or the pipe's
 *                failure); the next start() or resume() hands it over and
 *                the lane is idle again. */
typedef enum lane_state { LANE_IDLE, LANE_QUEUED, LANE_DONE } lane_state;

typedef struct rq_pipe rq_pipe;

struct drv_conn {                 /* a lane */
    rq_pipe *p;
    lane_state state;
    uint64_t seq;                 /* LANE_QUEUED: its command's place in the FIFO */
    int sock;                     /* its own dup of the socket; the socket itself when the pipe has one lane */
    int efd;                      /* eventfd: its reply came, or it is to take over reading; -1 with one lane */
    bool signalled;               /* efd holds a count not read yet */
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
    bool pending;                 /* output not written yet */
    drv_conn *reader;             /* the lane waiting on the socket for EPOLLIN, NULL none */
    drv_conn **ring;              /* FIFO: ring[seq & (cap - 1)] is the lane of command seq, NULL if it closed */
    size_t cap;
    uint64_t sent, recv;          /* commands appended; replies read */
};

/* Pipes with room for more lanes. Touched on connect and close only. */
static pthread_mutex_t rq_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static rq_pipe *rq_registry;

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

static void pipe_free(rq_pipe *p)
{
    if (p->ctx)
        redisFree(p->ctx);
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
        p->next = rq_registry;
        rq_registry = p;
        p->listed = true;
    }
    pthread_mutex_unlock(&rq_registry_lock);
    if (last)
        pipe_free(p);
}

static void lane_signal(drv_conn *l)
{
    if (l->efd < 0 || l->signalled)
        return;
    uint64_t one = 1;
    if (write(l->efd, &one, sizeof one) == (ssize_t)sizeof one)
        l->signalled = true;
}

static void lane_quiet(drv_conn *l)
{
    if (!l->signalled)
        return;
    uint64_t v;
    if (read(l->efd, &v, sizeof v) < 0 && errno != EAGAIN)
        return;
    l->signalled = false;
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
        l->state = LANE_DONE;
        l->err = DRV_ERR_CONNECTION;
        snprintf(l->msg, sizeof l->msg, "%s", p->why);
        lane_signal(l);
    }
    p->recv = p->sent;
    p->reader = NULL;
    p->pending = false;
    pthread_mutex_lock(&rq_registry_lock);
    unlist_locked(p);
    pthread_mutex_unlock(&rq_registry_lock);
}

static void pipe_fail_ctx(rq_pipe *p)
{
    char why[200];
    ctx_error(p->ctx, 0, why, sizeof why);
    pipe_fail(p, why);
}

/* The reader left: the oldest lane still waiting takes over (when it runs). */
static void hand_off(rq_pipe *p)
{
    if (p->reader || p->dead)
        return;
    for (uint64_t s = p->recv; s < p->sent; s++) {
        drv_conn *l = p->ring[s & (p->cap - 1)];
        if (l) {
            lane_signal(l);
            return;
        }
    }
}

static void pipe_write(rq_pipe *p)
{
    int done = 0;
    if (redisBufferWrite(p->ctx, &done) != REDIS_OK)
        pipe_fail_ctx(p);
    else
        p->pending = !done;
}

static void lane_take(drv_conn *l, const redisReply *rep)
{
    l->state = LANE_DONE;
    l->len = -1;
    if (rep->type == REDIS_REPLY_ERROR) {
        l->err = DRV_ERR_OTHER;   /* OOM, READONLY, WRONGTYPE, NOAUTH ...: the server's word */
        first_line(rep->str, rep->len, l->msg, sizeof l->msg);
        if (!l->msg[0])
            snprintf(l->msg, sizeof l->msg, "error reply");
    } else {
        l->err = DRV_OK;
        if (rep->type == REDIS_REPLY_INTEGER)
            l->len = rep->integer;
    }
}

/* The reader's read: what the socket has, each whole reply to its lane. */
static void pipe_read(rq_pipe *p, drv_conn *self)
{
    if (redisBufferRead(p->ctx) != REDIS_OK) {
        pipe_fail_ctx(p);
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
            freeReplyObject(v);
            pipe_fail(p, "a reply to no command");
            return;
        }
        drv_conn *l = p->ring[p->recv++ & (p->cap - 1)];
        if (l) {
            lane_take(l, v);
            if (l != self)
                lane_signal(l);
        }
        freeReplyObject(v);
    }
}

static drv_status lane_collect(drv_conn *l, drv_reply *r)
{
    rq_pipe *p = l->p;
    r->err = l->err;
    snprintf(r->errmsg, sizeof r->errmsg, "%s", l->err == DRV_OK ? "" : l->msg);
    r->rows = l->err == DRV_OK;
    if (l->err == DRV_OK && l->len >= 0) {
        r->ncols = 1;
        r->col[0] = l->len;
    }
    l->state = LANE_IDLE;
    lane_quiet(l);
    if (p->reader == l) {
        p->reader = NULL;
        hand_off(p);
    }
    return DRV_DONE;
}

/* Done, or which fd to wait on (see the top of the file). */
static drv_status lane_wait(drv_conn *l, drv_reply *r)
{
    rq_pipe *p = l->p;
    if (l->state != LANE_QUEUED)
        return lane_collect(l, r);
    if (!p->reader)
        p->reader = l;
    if (p->reader == l) {
        r->fd = l->sock;
        r->events = EPOLLIN | (p->pending ? EPOLLOUT : 0);
    } else if (p->pending) {
        r->fd = l->sock;
        r->events = EPOLLOUT;
    } else {
        r->fd = l->efd;
        r->events = EPOLLIN;
    }
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

static drv_status rq_start(drv_conn *l, const drv_call *call, drv_reply *r)
{
    rq_pipe *p = l->p;
    reply_reset(r);
    if (l->state != LANE_IDLE)
        return fail_now(r, DRV_ERR_OTHER, "redis: a call is already in progress on this connection");
    lane_quiet(l);
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
    if (redisAppendCommandArgv(p->ctx, argc, argv, lens) != REDIS_OK) {
        pipe_fail(p, "out of memory");   /* what is in the output buffer now is unknown */
        return fail_now(r, DRV_ERR_CONNECTION, p->why);
    }
    p->ring[p->sent & (p->cap - 1)] = l;
    l->seq = p->sent++;
    l->state = LANE_QUEUED;
    p->pending = true;
    pipe_write(p);
    return lane_wait(l, r);
}

static drv_status rq_resume(drv_conn *l, drv_reply *r)
{
    rq_pipe *p = l->p;
    lane_quiet(l);
    if (l->state == LANE_IDLE)
        return fail_now(r, DRV_ERR_OTHER, "redis: no call in progress");
    if (l->state == LANE_QUEUED) {
        if (p->pending)
            pipe_write(p);
        if (!p->dead && (!p->reader || p->reader == l)) {
            p->reader = l;
            pipe_read(p, l);
        }
    }
    return lane_wait(l, r);
}

static drv_conn *lane_new(rq_pipe *p, char *err, size_t errlen)
{
    drv_conn *l = calloc(1, sizeof *l);
    if (!l) {
        snprintf(err, errlen, "redis: out of memory");
        return NULL;
    }
    l->p = p;
    l->sock = l->efd = -1;
    if (p->t.pipeline == 1) {
        l->sock = p->ctx->fd;
        return l;
    }
    l->sock = fcntl(p->ctx->fd, F_DUPFD_CLOEXEC, 0);
    l->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->sock < 0 || l->efd < 0) {
        snprintf(err, errlen, "redis: cannot open a lane's descriptors: %s", strerror(errno));
        if (l->sock >= 0)
            close(l->sock);
        if (l->efd >= 0)
            close(l->efd);
        free(l);
        return NULL;
    }
    return l;
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
    if (!(p->ctx = dial(t, RQ_CONNECT_MS, "producer", err, errlen))) {
        pipe_free(p);
        return NULL;
    }
    int fl = fcntl(p->ctx->fd, F_GETFL);
    if (fl < 0 || fcntl(p->ctx->fd, F_SETFL, fl | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "redis: %s: cannot make the socket nonblocking", t->where);
        pipe_free(p);
        return NULL;
    }
    p->ctx->flags &= ~REDIS_BLOCK;   /* hiredis now takes EAGAIN as "later", not as an error */
    return p;
}

/* A lane: on a pipe of this thread with room, for the same run and URL,
 * else on a new pipe. */
static drv_conn *lane_connect(const rq_target *t, const char *url, const drv_run *run, char *err, size_t errlen)
{
    block_sigpipe();
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
            p->next = rq_registry;
            rq_registry = p;
            p->listed = true;
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
    if (parse_url(url, &t, err, errlen) != 0)
        return NULL;
    return lane_connect(&t, url, NULL, err, errlen);
}

static void rq_close(drv_conn *l)
{
    if (!l)
        return;
    rq_pipe *p = l->p;
    if (l->state == LANE_QUEUED)
        p->ring[l->seq & (p->cap - 1)] = NULL;   /* its reply will be read and dropped */
    if (p->reader == l)
        p->reader = NULL;
    /* Even if it was not reading: it may be the lane just told to take
     * over, which now never will. */
    hand_off(p);
    if (l->efd >= 0)
        close(l->efd);
    if (l->sock >= 0 && l->sock != p->ctx->fd)
        close(l->sock);
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

/* ---- job timestamps ---------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool digits(const char *s, const char *end, int n, int *out)
{
    if (end - s < n)
        return false;
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Not static so tests/unit/test_redis.c can check it. The time of the first
 * "timestamp":"..." in a job (JSON text, len bytes), in nanoseconds since
 * the epoch: ISO-8601 YYYY-MM-DDTHH:MM:SS, any fraction (nanoseconds
 * kept), then Z, +HH:MM / -HH:MM or nothing (UTC). -1 when there is none
 * or it does not read so. */
int64_t drv_redis_job_time(const char *s, size_t len);

int64_t drv_redis_job_time(const char *s, size_t len)
{
    static const char key[] = "\"timestamp\"";
    const char *end = s + len;
    const char *p = memmem(s, len, key, sizeof key - 1);
    if (!p)
        return -1;
    p += sizeof key - 1;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p >= end || *p++ != ':')
        return -1;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p >= end || *p++ != '"')
        return -1;
    int y, mo, d, h, mi, sec;
    if (!digits(p, end, 4, &y) || end - p < 19 || p[4] != '-' || !digits(p + 5, end, 2, &mo) || p[7] != '-' ||
        !digits(p + 8, end, 2, &d) || (p[10] != 'T' && p[10] != 't' && p[10] != ' ') ||
        !digits(p + 11, end, 2, &h) || p[13] != ':' || !digits(p + 14, end, 2, &mi) || p[16] != ':' ||
        !digits(p + 17, end, 2, &sec))
        return -1;
    static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
        return -1;
    p += 19;
    int64_t frac = 0;
    if (p < end && (*p == '.' || *p == ',')) {
        p++;
        int n = 0;
        for (; p < end && *p >= '0' && *p <= '9'; p++, n++)
            if (n < 9)
                frac = frac * 10 + (*p - '0');
        if (n == 0)
            return -1;
        for (; n < 9; n++)
            frac *= 10;
    }
    int64_t offset_s = 0;
    if (p < end && (*p == 'Z' || *p == 'z')) {
        p++;
    } else if (p < end && (*p == '+' || *p == '-')) {
        int oh, om;
        if (!digits(p + 1, end, 2, &oh) || end - p < 6 || p[3] != ':' || !digits(p + 4, end, 2, &om) || oh > 23 ||
            om > 59)
            return -1;
        offset_s = (*p == '-' ? -1 : 1) * (int64_t)(oh * 3600 + om * 60);
        p += 6;
    }
    if (p >= end || *p != '"')
        return -1;
    int64_t t = (days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) - offset_s;
    if (t < 0 || t > INT64_MAX / 1000000000 - 1)
        return -1;
    return t * 1000000000 + frac;
}

/* ---- run level: sampler, consumers --------------------------------------- */

typedef struct rq_consumer {
    struct drv_run *r;
    pthread_t thread;
    bool started, joined;
    hist_t *lat[RQ_MAX_QUEUES];   /* since the last flush; the thread's own */
    double last_flush;
    _Atomic uint64_t popped;      /* jobs taken, all queues; single writer */
    _Atomic uint64_t unparsed;    /* ... of which had no timestamp we could read */
    pthread_mutex_t fd_lock;      /* fd: its socket while connected (-1 not), for run_finish to shut */
    int fd;
    char name[64];                /* its consumer name in the stream group */
    unsigned turn;                /* BRPOP key order rotates, so no queue starves */
    bool no_count;                /* the server has no RPOP key count (before 6.2) */
    bool whole_seconds;           /* ... nor a BRPOP timeout below a second (before 6.0) */
} rq_consumer;

struct drv_run {
    rq_target t;
    char url[512];
    drv_run_config rc;

    pthread_mutex_t sampler_lock; /* the reporter samples, the thread ending the run drains */
    redisContext *sampler;
    double sampler_retry, sampler_backoff;
    char sampler_err[256];
    double last_gauge_s;
    uint64_t last_popped;

    atomic_bool stop;
    int nconsumers;
    rq_consumer *cons;
    bool stopped;                 /* consumers told to stop and joined (or given up on) */
    bool stuck;                   /* one did not join: what it uses is never freed */

    pthread_mutex_t obs_lock;     /* the merged histograms: written by consumers' flushes */
    hist_t *obs_all;
    hist_t *obs_q[RQ_MAX_QUEUES];
    bool finished;                /* left[] holds what stayed in the queues */
    uint64_t left[RQ_MAX_QUEUES];
};

static bool is_error(const redisReply *rep, const char *code)
{
    return rep && rep->type == REDIS_REPLY_ERROR && strncmp(rep->str, code, strlen(code)) == 0;
}

/* Depth of every queue into d; 0, or -1 when Redis cannot be asked now
 * (the sampler reconnects with backoff). Caller holds sampler_lock. */
static int sample_depth(drv_run *r, int64_t *d)
{
    double now = mono_s();
    if (!r->sampler) {
        if (now < r->sampler_retry)
            return -1;
        char err[256];
        r->sampler = dial(&r->t, RQ_SAMPLER_MS, "sampler", err, sizeof err);
        if (!r->sampler) {
            snprintf(r->sampler_err, sizeof r->sampler_err, "%s", err);
            r->sampler_backoff = r->sampler_backoff ? r->sampler_backoff * 2 : RQ_BACKOFF_MIN_S;
            if (r->sampler_backoff > RQ_BACKOFF_MAX_S)
                r->sampler_backoff = RQ_BACKOFF_MAX_S;
            r->sampler_retry = now + r->sampler_backoff;
            return -1;
        }
        r->sampler_backoff = 0;
    }
    for (int i = 0; i < r->t.nq; i++)
        redisAppendCommand(r->sampler, r->t.streams ? "XLEN %b" : "LLEN %b", r->t.names[i], r->t.lens[i]);
    int rc = 0;
    for (int i = 0; i < r->t.nq; i++) {
        redisReply *rep = NULL;
        if (redisGetReply(r->sampler, (void **)&rep) != REDIS_OK || !rep) {
            ctx_error(r->sampler, RQ_SAMPLER_MS / 1000.0, r->sampler_err, sizeof r->sampler_err);
            redisFree(r->sampler);
            r->sampler = NULL;
            r->sampler_retry = now + RQ_BACKOFF_MIN_S;
            return -1;
        }
        if (rep->type == REDIS_REPLY_INTEGER) {
            d[i] = rep->integer;
        } else {   /* WRONGTYPE, NOAUTH after a restart with a password ... */
            if (rep->type == REDIS_REPLY_ERROR)
                first_line(rep->str, rep->len, r->sampler_err, sizeof r->sampler_err);
            rc = -1;
        }
        freeReplyObject(rep);
    }
    return rc;
}

static int64_t total(const drv_run *r, const int64_t *d)
{
    int64_t n = 0;
    for (int i = 0; i < r->t.nq; i++)
        n += d[i];
    return n;
}

/* Merge what a consumer recorded since its last flush into the run's. */
static void flush(rq_consumer *k)
{
    drv_run *r = k->r;
    pthread_mutex_lock(&r->obs_lock);
    for (int i = 0; i < r->t.nq; i++)
        if (hist_count(k->lat[i])) {
            hist_merge(r->obs_q[i], k->lat[i]);
            hist_merge(r->obs_all, k->lat[i]);
        }
    pthread_mutex_unlock(&r->obs_lock);
    for (int i = 0; i < r->t.nq; i++)
        if (hist_count(k->lat[i]))
            hist_reset(k->lat[i]);
    k->last_flush = mono_s();
}

static int queue_index(const drv_run *r, const char *name, size_t len)
{
    for (int i = 0; i < r->t.nq; i++)
        if (r->t.lens[i] == len && memcmp(r->t.names[i], name, len) == 0)
            return i;
    return -1;
}

static void consume(rq_consumer *k, int q, const char *job, size_t len)
{
    atomic_store_explicit(&k->popped, atomic_load_explicit(&k->popped, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    int64_t t = q >= 0 ? drv_redis_job_time(job, len) : -1;
    if (t < 0) {
        atomic_store_explicit(&k->unparsed, atomic_load_explicit(&k->unparsed, memory_order_relaxed) + 1,
                              memory_order_relaxed);
        return;
    }
    /* Wall clock on purpose: the producer stamped the job with its wall
     * clock, possibly on another host; monotonic time cannot be compared
     * with it. A job stamped "in the future" (clocks apart) counts as 0. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    hist_record(k->lat[q], now > t ? (uint64_t)(now - t) : 0);
}

/* One BRPOP over the lists, then the rest of a batch from the list that
 * answered. 0, or -1 when the connection is to be replaced. */
static int pop_lists(rq_consumer *k, redisContext *c)
{
    drv_run *r = k->r;
    int nq = r->t.nq;
    const char *argv[RQ_MAX_QUEUES + 2];
    size_t lens[RQ_MAX_QUEUES + 2];
    argv[0] = "BRPOP";
    lens[0] = 5;
    unsigned first = k->turn++ % (unsigned)nq;
    for (int i = 0; i < nq; i++) {
        int q = (int)((first + (unsigned)i) % (unsigned)nq);
        argv[1 + i] = r->t.names[q];
        lens[1 + i] = r->t.lens[q];
    }
    char timeout[16];
    snprintf(timeout, sizeof timeout, k->whole_seconds ? "1" : "%.1f", RQ_POP_MS / 1000.0);
    argv[1 + nq] = timeout;
    lens[1 + nq] = strlen(timeout);
    redisReply *rep = redisCommandArgv(c, nq + 2, argv, lens);
    if (!rep)
        return -1;
    int rc = 0;
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 2 && rep->element[0]->type == REDIS_REPLY_STRING &&
        rep->element[1]->type == REDIS_REPLY_STRING) {
        int q = queue_index(r, rep->element[0]->str, rep->element[0]->len);
        consume(k, q, rep->element[1]->str, rep->element[1]->len);
        if (q >= 0 && !k->no_count) {
            redisReply *more = redisCommand(c, "RPOP %b %d", r->t.names[q], r->t.lens[q], RQ_BATCH);
            if (!more) {
                rc = -1;
            } else if (more->type == REDIS_REPLY_ARRAY) {
                for (size_t i = 0; i < more->elements; i++)
                    if (more->element[i]->type == REDIS_REPLY_STRING)
                        consume(k, q, more->element[i]->str, more->element[i]->len);
            } else if (more->type == REDIS_REPLY_ERROR) {
                k->no_count = true;   /* Redis before 6.2: one job per BRPOP */
            }
            freeReplyObject(more);
        }
    } else if (rep->type == REDIS_REPLY_ERROR && !k->whole_seconds && strstr(rep->str, "timeout")) {
        k->whole_seconds = true;   /* "timeout is not an integer or out of range" */
    } else if (rep->type == REDIS_REPLY_ERROR) {
        rc = -1;   /* e.g. LOADING after a restart: reconnect, with backoff */
    }
    freeReplyObject(rep);
    return rc;
}

static void create_groups(drv_run *r, redisContext *c)
{
    for (int i = 0; i < r->t.nq; i++) {
        /* From the stream's start: jobs already there are the backlog. */
        redisReply *rep = redisCommand(c, "XGROUP CREATE %b %s 0 MKSTREAM", r->t.names[i], r->t.lens[i], RQ_GROUP);
        freeReplyObject(rep);
    }
}

/* One XREADGROUP over the streams; each job taken is acknowledged and
 * deleted, so XLEN stays the backlog. */
static int pop_streams(rq_consumer *k, redisContext *c)
{
    drv_run *r = k->r;
    int nq = r->t.nq;
    const char *argv[8 + 2 * RQ_MAX_QUEUES];
    size_t lens[8 + 2 * RQ_MAX_QUEUES];
    int argc = 0;
    char count[16], block[16];
    snprintf(count, sizeof count, "%d", RQ_BATCH);
    snprintf(block, sizeof block, "%d", RQ_POP_MS);
#define ARG(s, n) (argv[argc] = (s), lens[argc] = (size_t)(n), argc++)
    ARG("XREADGROUP", 10);
    ARG("GROUP", 5);
    ARG(RQ_GROUP, strlen(RQ_GROUP));
    ARG(k->name, strlen(k->name));
    ARG("COUNT", 5);
    ARG(count, strlen(count));
    ARG("BLOCK", 5);
    ARG(block, strlen(block));
    ARG("STREAMS", 7);
    for (int i = 0; i < nq; i++)
        ARG(r->t.names[i], r->t.lens[i]);
    for (int i = 0; i < nq; i++)
        ARG(">", 1);
#undef ARG
    redisReply *rep = redisCommandArgv(c, argc, argv, lens);
    if (!rep)
        return -1;
    int rc = 0;
    if (is_error(rep, "NOGROUP")) {
        create_groups(r, c);   /* the stream was deleted, or Redis restarted empty */
    } else if (rep->type == REDIS_REPLY_ERROR) {
        rc = -1;
    } else if (rep->type == REDIS_REPLY_ARRAY) {
        for (size_t s = 0; s < rep->elements && rc == 0; s++) {
            const redisReply *st = rep->element[s];
            if (st->type != REDIS_REPLY_ARRAY || st->elements != 2 || st->element[0]->type != REDIS_REPLY_STRING ||
                st->element[1]->type != REDIS_REPLY_ARRAY)
                continue;
            const redisReply *name = st->element[0], *entries = st->element[1];
            int q = queue_index(r, name->str, name->len);
            const char *ids[3 + RQ_BATCH];
            size_t idlens[3 + RQ_BATCH];
            int nids = 0;
            for (size_t e = 0; e < entries->elements && nids < RQ_BATCH; e++) {
                const redisReply *en = entries->element[e];
                if (en->type != REDIS_REPLY_ARRAY || en->elements != 2 || en->element[0]->type != REDIS_REPLY_STRING)
                    continue;
                ids[3 + nids] = en->element[0]->str;
                idlens[3 + nids] = en->element[0]->len;
                nids++;
                const redisReply *fields = en->element[1];
                const char *job = NULL;
                size_t joblen = 0;
                for (size_t f = 0; fields->type == REDIS_REPLY_ARRAY && f + 1 < fields->elements; f += 2)
                    if (fields->element[f]->type == REDIS_REPLY_STRING && fields->element[f]->len == 3 &&
                        memcmp(fields->element[f]->str, "job", 3) == 0 &&
                        fields->element[f + 1]->type == REDIS_REPLY_STRING) {
                        job = fields->element[f + 1]->str;
                        joblen = fields->element[f + 1]->len;
                        break;
                    }
                consume(k, job ? q : -1, job ? job : "", joblen);
            }
            if (!nids)
                continue;
            ids[0] = "XACK", idlens[0] = 4;
            ids[1] = name->str, idlens[1] = name->len;
            ids[2] = RQ_GROUP, idlens[2] = strlen(RQ_GROUP);
            redisAppendCommandArgv(c, 3 + nids, ids, idlens);
            ids[1] = "XDEL", idlens[1] = 4;
            ids[2] = name->str, idlens[2] = name->len;
            redisAppendCommandArgv(c, 2 + nids, ids + 1, idlens + 1);
            for (int i = 0; i < 2; i++) {
                redisReply *ack = NULL;
                if (redisGetReply(c, (void **)&ack) != REDIS_OK || !ack)
                    rc = -1;
                freeReplyObject(ack);
                if (rc)
                    break;
            }
        }
    }
    freeReplyObject(rep);
    return rc;
}

static void consumer_set_fd(rq_consumer *k, int fd)
{
    pthread_mutex_lock(&k->fd_lock);
    k->fd = fd;
    pthread_mutex_unlock(&k->fd_lock);
}

static void *consumer_main(void *arg)
{
    rq_consumer *k = arg;
    drv_run *r = k->r;
    block_sigpipe();
    redisContext *c = NULL;
    double backoff = 0, retry = 0;
    k->last_flush = mono_s();
    while (!atomic_load(&r->stop)) {
        double now = mono_s();
        if (!c) {
            if (now < retry) {
                sleep_s(retry - now < 0.05 ? retry - now : 0.05);   /* look at the stop flag often */
                continue;
            }
            char err[256];
            c = dial(&r->t, RQ_CONSUMER_MS, "consumer", err, sizeof err);
            if (!c) {
                backoff = backoff ? backoff * 2 : RQ_BACKOFF_MIN_S;
                if (backoff > RQ_BACKOFF_MAX_S)
                    backoff = RQ_BACKOFF_MAX_S;
                retry = now + backoff;
                continue;
            }
            consumer_set_fd(k, c->fd);
            backoff = 0;
        }
        if ((r->t.streams ? pop_streams(k, c) : pop_lists(k, c)) != 0) {
            consumer_set_fd(k, -1);
            redisFree(c);
            c = NULL;
            backoff = backoff ? backoff * 2 : RQ_BACKOFF_MIN_S;
            if (backoff > RQ_BACKOFF_MAX_S)
                backoff = RQ_BACKOFF_MAX_S;
            retry = mono_s() + backoff;
        }
        if (mono_s() - k->last_flush >= RQ_FLUSH_S)
            flush(k);
    }
    flush(k);
    if (c) {
        consumer_set_fd(k, -1);
        redisFree(c);
    }
    return NULL;
}

static double join_deadline_left(double deadline)
{
    double left = deadline - mono_s();
    return left > 0 ? left : 0;
}

static bool join_by(rq_consumer *k, double deadline)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);   /* pthread_timedjoin_np takes CLOCK_REALTIME */
    double left = join_deadline_left(deadline);
    ts.tv_sec += (time_t)left;
    ts.tv_nsec += (long)((left - (double)(time_t)left) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return pthread_timedjoin_np(k->thread, NULL, &ts) == 0;
}

/* Tell the consumers to stop and join them, bounded: one still in a read
 * after RQ_JOIN_S has its socket shut under it; one that still does not
 * end is left (and what it uses is never freed). */
static void stop_consumers(drv_run *r)
{
    if (r->stopped)
        return;
    r->stopped = true;
    atomic_store(&r->stop, true);
    double deadline = mono_s() + RQ_JOIN_S;
    for (int i = 0; i < r->nconsumers; i++) {
        rq_consumer *k = &r->cons[i];
        if (k->started && !k->joined)
            k->joined = join_by(k, deadline);
    }
    bool late = false;
    for (int i = 0; i < r->nconsumers; i++) {
        rq_consumer *k = &r->cons[i];
        if (k->started && !k->joined) {
            late = true;
            pthread_mutex_lock(&k->fd_lock);
            if (k->fd >= 0)
                shutdown(k->fd, SHUT_RDWR);
            pthread_mutex_unlock(&k->fd_lock);
        }
    }
    if (!late)
        return;
    deadline = mono_s() + RQ_JOIN_S;
    for (int i = 0; i < r->nconsumers; i++) {
        rq_consumer *k = &r->cons[i];
        if (k->started && !k->joined && !(k->joined = join_by(k, deadline)))
            r->stuck = true;
    }
}

static void rq_run_close(drv_run *r)
{
    if (!r)
        return;
    stop_consumers(r);
    if (r->stuck)
        return;   /* a consumer thread may still touch the run: leave it */
    for (int i = 0; i < r->nconsumers; i++) {
        for (int q = 0; q < RQ_MAX_QUEUES; q++)
            free(r->cons[i].lat[q]);
        pthread_mutex_destroy(&r->cons[i].fd_lock);
    }
    free(r->cons);
    for (int q = 0; q < RQ_MAX_QUEUES; q++)
        free(r->obs_q[q]);
    free(r->obs_all);
    if (r->sampler)
        redisFree(r->sampler);
    pthread_mutex_destroy(&r->sampler_lock);
    pthread_mutex_destroy(&r->obs_lock);
    free(r);
}

static hist_t *hist_new(void)
{
    hist_t *h = malloc(sizeof *h);
    if (h)
        hist_init(h);
    return h;
}

static drv_run *rq_run_open(const char *url, const drv_run_config *rc, char *err, size_t errlen)
{
    drv_run *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "redis: out of memory");
        return NULL;
    }
    pthread_mutex_init(&r->sampler_lock, NULL);
    pthread_mutex_init(&r->obs_lock, NULL);
    atomic_init(&r->stop, false);
    r->rc = *rc;
    r->rc.ack = NULL;
    r->last_gauge_s = mono_s();
    r->stopped = true;   /* until consumers start */
    if (parse_url(url, &r->t, err, errlen) != 0 || strlen(url) >= sizeof r->url) {
        if (strlen(url) >= sizeof r->url)
            snprintf(err, errlen, "redis: the URL is longer than %zu bytes", sizeof r->url - 1);
        rq_run_close(r);
        return NULL;
    }
    snprintf(r->url, sizeof r->url, "%s", url);
    /* The sampler first: a target that cannot be reached at the start is
     * an error now, not a run of connection errors. */
    if (!(r->sampler = dial(&r->t, RQ_CONNECT_MS, "sampler", err, errlen))) {
        rq_run_close(r);
        return NULL;
    }
    redisSetTimeout(r->sampler, (struct timeval){ .tv_sec = 0, .tv_usec = RQ_SAMPLER_MS * 1000 });
    if (rc->consumers <= 0)
        return r;
    if (r->t.streams) {
        for (int i = 0; i < r->t.nq; i++) {
            redisReply *rep = redisCommand(r->sampler, "XGROUP CREATE %b %s 0 MKSTREAM", r->t.names[i],
                                           r->t.lens[i], RQ_GROUP);
            if (!rep || (rep->type == REDIS_REPLY_ERROR && !is_error(rep, "BUSYGROUP"))) {
                char why[200];
                if (rep)
                    first_line(rep->str, rep->len, why, sizeof why);
                else
                    ctx_error(r->sampler, RQ_SAMPLER_MS / 1000.0, why, sizeof why);
                snprintf(err, errlen, "redis: %s: cannot create consumer group %s on stream %s: %s", r->t.where,
                         RQ_GROUP, r->t.names[i], why);
                freeReplyObject(rep);
                rq_run_close(r);
                return NULL;
            }
            freeReplyObject(rep);
        }
    }
    r->obs_all = hist_new();
    r->cons = calloc((size_t)rc->consumers, sizeof *r->cons);
    bool ok = r->obs_all && r->cons;
    for (int q = 0; ok && q < r->t.nq; q++)
        ok = (r->obs_q[q] = hist_new()) != NULL;
    for (int i = 0; ok && i < rc->consumers; i++) {
        rq_consumer *k = &r->cons[i];
        k->r = r;
        k->fd = -1;
        snprintf(k->name, sizeof k->name, "surge-%ld-%d", (long)getpid(), i);
        pthread_mutex_init(&k->fd_lock, NULL);
        r->nconsumers = i + 1;
        for (int q = 0; ok && q < r->t.nq; q++)
            ok = (k->lat[q] = hist_new()) != NULL;
    }
    if (!ok) {
        snprintf(err, errlen, "redis: out of memory");
        rq_run_close(r);
        return NULL;
    }
    r->stopped = false;
    for (int i = 0; i < r->nconsumers; i++) {
        rq_consumer *k = &r->cons[i];
        int e = pthread_create(&k->thread, NULL, consumer_main, k);
        if (e != 0) {
            snprintf(err, errlen, "redis: cannot start consumer %d: %s", i + 1, strerror(e));
            rq_run_close(r);
            return NULL;
        }
        k->started = true;
    }
    return r;
}

static drv_conn *rq_run_connect(drv_run *r, char *err, size_t errlen)
{
    return lane_connect(&r->t, r->url, r, err, errlen);
}

/* "queue_depth_" + the name in [a-z0-9_]. */
static void gauge_name(char *out, const char *prefix, const char *name)
{
    size_t n = (size_t)snprintf(out, DRV_NAME, "%s", prefix);
    for (const char *s = name; *s && n + 1 < DRV_NAME; s++) {
        char ch = *s;
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
        out[n++] = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ? ch : '_';
    }
    out[n] = '\0';
}

static uint64_t popped(const drv_run *r, uint64_t *unparsed)
{
    uint64_t n = 0, u = 0;
    for (int i = 0; i < r->nconsumers; i++) {
        n += atomic_load_explicit(&r->cons[i].popped, memory_order_relaxed);
        u += atomic_load_explicit(&r->cons[i].unparsed, memory_order_relaxed);
    }
    if (unparsed)
        *unparsed = u;
    return n;
}

static int rq_run_gauges(drv_run *r, drv_gauge *out)
{
    int n = 0;
    int64_t d[RQ_MAX_QUEUES];
    pthread_mutex_lock(&r->sampler_lock);
    int ok = sample_depth(r, d);
    pthread_mutex_unlock(&r->sampler_lock);
    int room = DRV_MAX_GAUGES - 1 - (r->nconsumers ? 2 : 0);   /* per queue, after the total and consumers' */
    if (ok == 0) {
        snprintf(out[n].name, DRV_NAME, "queue_depth");
        out[n++].value = (double)total(r, d);
        for (int i = 0; i < r->t.nq && i < room; i++) {
            gauge_name(out[n].name, "queue_depth_", r->t.names[i]);
            out[n++].value = (double)d[i];
        }
    }
    if (r->nconsumers) {
        double now = mono_s();
        uint64_t unparsed, all = popped(r, &unparsed);
        double dt = now - r->last_gauge_s;
        snprintf(out[n].name, DRV_NAME, "dequeued_per_s");
        out[n++].value = dt > 0 ? (double)(all - r->last_popped) / dt : 0;
        snprintf(out[n].name, DRV_NAME, "unparsed");
        out[n++].value = (double)unparsed;
        r->last_gauge_s = now;
        r->last_popped = all;
    }
    return n;
}

/* "dequeue" over all queues, and "dequeue.NAME" per queue when there are
 * several. count is the jobs whose latency was measured (jobs without a
 * readable timestamp are the "unparsed" gauge and fact); lost, once
 * run_finish has run, is what was still in the queues then. */
static int rq_run_observed(drv_run *r, drv_observed *out)
{
    if (!r->nconsumers)
        return 0;
    int n = 0;
    pthread_mutex_lock(&r->obs_lock);
    uint64_t left = 0;
    for (int i = 0; i < r->t.nq; i++)
        left += r->left[i];
    out[n] = (drv_observed){ .count = hist_count(r->obs_all), .lost = r->finished ? left : 0, .lat = r->obs_all };
    snprintf(out[n++].name, DRV_NAME, "dequeue");
    for (int i = 0; r->t.nq > 1 && i < r->t.nq && n < DRV_MAX_OBSERVED; i++) {
        out[n] = (drv_observed){ .count = hist_count(r->obs_q[i]), .lost = r->finished ? r->left[i] : 0,
                                 .lat = r->obs_q[i] };
        snprintf(out[n++].name, DRV_NAME, "dequeue.%.*s", DRV_NAME - 9, r->t.names[i]);
    }
    pthread_mutex_unlock(&r->obs_lock);
    return n;
}

static bool rq_run_failed(drv_run *r, char *msg, size_t len)
{
    /* Never for good: a Redis that restarts or is away for a while is met
     * with reconnects (producers, consumers and the sampler), and shows as
     * connection errors and a gap in the depth gauges. */
    (void)r, (void)msg, (void)len;
    return false;
}

static drv_fact fact_num(const char *name, double v)
{
    drv_fact f = { .value = v };
    snprintf(f.name, DRV_NAME, "%s", name);
    return f;
}

static drv_fact fact_text(const char *name, const char *text)
{
    drv_fact f = { .is_text = true };
    snprintf(f.name, DRV_NAME, "%s", name);
    snprintf(f.text, sizeof f.text, "%s", text);
    return f;
}

static int rq_run_finish(drv_run *r, drv_fact *out)
{
    int n = 0;
    int64_t d[RQ_MAX_QUEUES];
    int ok = -1;
    block_sigpipe();
    if (r->nconsumers && !r->stopped) {
        /* The producers are done: the consumers go on until the queues are
         * empty (a job popped is recorded before the consumer looks at the
         * stop flag) or drain_s is over. */
        double t0 = mono_s();
        double limit = r->rc.drain_s > 0 ? r->rc.drain_s : 0;
        bool drained = false;
        for (int guard = 0; guard < 1000000; guard++) {
            pthread_mutex_lock(&r->sampler_lock);
            ok = sample_depth(r, d);
            pthread_mutex_unlock(&r->sampler_lock);
            if (ok == 0 && total(r, d) == 0) {
                drained = true;
                break;
            }
            if (mono_s() - t0 >= limit)
                break;
            sleep_s(0.02);
        }
        double took = mono_s() - t0;
        stop_consumers(r);
        out[n++] = fact_text("drained", drained ? "yes" : "no");
        out[n++] = fact_num("drain_s", took);
    }
    pthread_mutex_lock(&r->sampler_lock);
    ok = sample_depth(r, d);
    pthread_mutex_unlock(&r->sampler_lock);
    if (ok == 0) {
        out[n++] = fact_num("left_in_queue", (double)total(r, d));
        pthread_mutex_lock(&r->obs_lock);
        for (int i = 0; i < r->t.nq; i++)
            r->left[i] = d[i] > 0 ? (uint64_t)d[i] : 0;
        r->finished = true;
        pthread_mutex_unlock(&r->obs_lock);
    } else {
        out[n++] = fact_text("depth", r->sampler_err[0] ? r->sampler_err : "could not be read");
    }
    if (r->nconsumers) {
        uint64_t unparsed, all = popped(r, &unparsed);
        out[n++] = fact_num("dequeued", (double)all);
        out[n++] = fact_num("unparsed", (double)unparsed);
    }
    return n;
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
    .channels = rq_channels,
    .run_open = rq_run_open,
    .run_connect = rq_run_connect,
    .run_gauges = rq_run_gauges,
    .run_observed = rq_run_observed,
    .run_failed = rq_run_failed,
    .run_finish = rq_run_finish,
    .run_close = rq_run_close,
};
