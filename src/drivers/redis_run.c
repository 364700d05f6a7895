/* redis_run.c - the Redis driver's run level: run_open .. run_close.
 *
 * One blocking *sampler* connection reads LLEN / XLEN for the gauges;
 * `consumers` threads, each with its own blocking connection, pop jobs
 * (BRPOP over the lists, key order rotated so no queue starves, then RPOP
 * key 128 for the rest of a batch; or XREADGROUP in group "surge", XACK +
 * XDEL, so a stream's XLEN is its backlog) and record wall clock now - the job's "timestamp" into their own histograms, merged
 * into the run's under a lock every RQ_FLUSH_S. run_finish lets them drain
 * the queues for drain_s at most, then stops and joins them (bounded).
 * Redis going away never fails the run: every connection comes back with
 * backoff, so run_failed is always false.
 */
#include "drivers/redis_int.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/hist.h"
#include "core/timestamp.h"
#include "drivers/driver.h"

#define RQ_CONSUMER_MS    2000     /* consumers: connect, and any reply (BRPOP waits RQ_POP_MS) */
#define RQ_SAMPLER_MS     500      /* the sampler runs on the reporter thread: keep its stalls short */
#define RQ_POP_MS         200      /* a consumer's blocking pop: how often it looks at the stop flag */
#define RQ_BATCH          128      /* jobs a consumer takes per round trip after the first */
#define RQ_FLUSH_S        0.1      /* consumers merge their histograms into the run's this often */
#define RQ_BACKOFF_MIN_S  0.1
#define RQ_BACKOFF_MAX_S  2.0
#define RQ_JOIN_S         3.0      /* consumers must have stopped this long after being told */
#define RQ_GROUP          "surge"

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

/* The wait before the next try after one more failure: doubling from
 * RQ_BACKOFF_MIN_S (after a success, backoff is 0) up to RQ_BACKOFF_MAX_S. */
static double backoff_next(double backoff)
{
    backoff = backoff ? backoff * 2 : RQ_BACKOFF_MIN_S;
    return backoff > RQ_BACKOFF_MAX_S ? RQ_BACKOFF_MAX_S : backoff;
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
static int sample_depth_locked(drv_run *r, int64_t *d)
{
    double now = mono_s();
    if (!r->sampler) {
        if (now < r->sampler_retry)
            return -1;
        char err[256];
        r->sampler = rq_dial(&r->t, RQ_SAMPLER_MS, "sampler", err, sizeof err);
        if (!r->sampler) {
            snprintf(r->sampler_err, sizeof r->sampler_err, "%s", err);
            r->sampler_backoff = backoff_next(r->sampler_backoff);
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
            rq_ctx_error(r->sampler, RQ_SAMPLER_MS / 1000.0, r->sampler_err, sizeof r->sampler_err);
            redisFree(r->sampler);
            r->sampler = NULL;
            r->sampler_retry = now + RQ_BACKOFF_MIN_S;
            return -1;
        }
        if (rep->type == REDIS_REPLY_INTEGER) {
            d[i] = rep->integer;
        } else {   /* WRONGTYPE, NOAUTH after a restart with a password ... */
            if (rep->type == REDIS_REPLY_ERROR)
                rq_first_line(rep->str, rep->len, r->sampler_err, sizeof r->sampler_err);
            rc = -1;
        }
        freeReplyObject(rep);
    }
    return rc;
}

static int sample_depth(drv_run *r, int64_t *d)
{
    pthread_mutex_lock(&r->sampler_lock);
    int rc = sample_depth_locked(r, d);
    pthread_mutex_unlock(&r->sampler_lock);
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
    int64_t t;
    if (q < 0 || ts_find_json_ns(job, len, &t) != 0) {
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
    rq_block_sigpipe();
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
            c = rq_dial(&r->t, RQ_CONSUMER_MS, "consumer", err, sizeof err);
            if (!c) {
                backoff = backoff_next(backoff);
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
            backoff = backoff_next(backoff);
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

void rq_run_close(drv_run *r)
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

drv_run *rq_run_open(const char *url, const drv_run_config *rc, char *err, size_t errlen)
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
    if (rq_parse_url(url, &r->t, err, errlen) != 0 || strlen(url) >= sizeof r->url) {
        if (strlen(url) >= sizeof r->url)
            snprintf(err, errlen, "redis: the URL is longer than %zu bytes", sizeof r->url - 1);
        rq_run_close(r);
        return NULL;
    }
    snprintf(r->url, sizeof r->url, "%s", url);
    /* The sampler first: a target that cannot be reached at the start is
     * an error now, not a run of connection errors. */
    if (!(r->sampler = rq_dial(&r->t, RQ_CONNECT_MS, "sampler", err, errlen))) {
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
                    rq_first_line(rep->str, rep->len, why, sizeof why);
                else
                    rq_ctx_error(r->sampler, RQ_SAMPLER_MS / 1000.0, why, sizeof why);
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

drv_conn *rq_run_connect(drv_run *r, char *err, size_t errlen)
{
    return rq_lane_connect(&r->t, r->url, r, err, errlen);
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

int rq_run_gauges(drv_run *r, drv_gauge *out)
{
    int n = 0;
    int64_t d[RQ_MAX_QUEUES];
    int ok = sample_depth(r, d);
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
int rq_run_observed(drv_run *r, drv_observed *out)
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

bool rq_run_failed(drv_run *r, char *msg, size_t len)
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

int rq_run_finish(drv_run *r, drv_fact *out)
{
    int n = 0;
    int64_t d[RQ_MAX_QUEUES];
    int ok = -1;
    rq_block_sigpipe();
    if (r->nconsumers && !r->stopped) {
        /* The producers are done: the consumers go on until the queues are
         * empty (a job popped is recorded before the consumer looks at the
         * stop flag) or drain_s is over. */
        double t0 = mono_s();
        double limit = r->rc.drain_s > 0 ? r->rc.drain_s : 0;
        bool drained = false;
        for (int guard = 0; guard < 1000000; guard++) {
            ok = sample_depth(r, d);
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
    ok = sample_depth(r, d);
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
