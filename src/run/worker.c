/* worker.c - one worker thread: an event loop over its connections.
 *
 * Each worker owns its connections, its random stream, its share of the
 * schedule and its statistics; nothing on this path takes a lock (errors
 * excepted, which are rare). A driver either finishes a call at once (the
 * loop goes straight on) or hands back a socket, which the worker's epoll
 * watches until the driver can go on, so one thread drives many connections.
 *
 * Open loop: the next operation is due at the schedule's time whether or not
 * earlier ones have finished; if every connection is busy it waits for one,
 * and the wait shows in its latency because latency counts from the due
 * time. Closed loop: each connection starts its next operation as soon as
 * the last one ends (plus think time).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>

#include "run/engine.h"

#define SPIN_NS        50000ull          /* closer than this to a due time: spin, don't sleep */
#define MAX_SLEEP_NS   20000000ull       /* wake at least this often to see a stop */
#define PAUSED_SLEEP_NS 500000ull        /* ... and this often while paused */
#define DRAIN_NS       (5 * NS_PER_S)    /* how long a stopping worker waits for calls in flight */
#define BACKOFF_MIN_NS (100 * 1000000ull)
#define BACKOFF_MAX_NS (5 * NS_PER_S)

typedef struct loop {
    worker *w;
    struct surge_gen *g;
    uint64_t now;               /* the latest clock reading */
    uint64_t late_ns;
    bool open;                  /* open loop: rate-driven */
    int *idle;                  /* open loop: stack of idle slot indices */
    int nidle;
    int ndown;
} loop;

static uint64_t s_to_ns(double s)
{
    return s <= 0 ? 0 : (uint64_t)(s * 1e9 + 0.5);
}

static void unwatch(loop *l, slot *sl)
{
    if (sl->fd >= 0) {
        epoll_ctl(l->w->epfd, EPOLL_CTL_DEL, sl->fd, NULL);
        sl->fd = -1;
    }
}

static void watch(loop *l, slot *sl)
{
    struct epoll_event ev = { .events = sl->reply.events, .data.ptr = sl };
    /* A driver whose fds live as long as the connection (and which closes
     * none under us) keeps its registration: no epoll_ctl per wait. */
    if (sl->fd == sl->reply.fd && sl->fd_events == sl->reply.events && l->g->drv->stable_fds)
        return;
    sl->fd_events = sl->reply.events;
    if (sl->fd == sl->reply.fd) {
        if (epoll_ctl(l->w->epfd, EPOLL_CTL_MOD, sl->fd, &ev) == 0 || errno != ENOENT)
            return;
        sl->fd = -1;   /* the fd was closed and reopened under us: register it anew */
    }
    unwatch(l, sl);
    /* A driver may close its socket itself (libpq does on EOF) before we
     * unregister it; the kernel then drops it from epoll, and the number may
     * come back for another connection of this worker. Forget any other
     * slot's claim on it, or that slot's later unwatch would remove ours. */
    for (int i = 0; i < l->w->nslots; i++)
        if (l->w->slots[i].fd == sl->reply.fd)
            l->w->slots[i].fd = -1;
    if (epoll_ctl(l->w->epfd, EPOLL_CTL_ADD, sl->reply.fd, &ev) == 0)
        sl->fd = sl->reply.fd;
}

static int slot_connect(loop *l, slot *sl, char *err, size_t errlen)
{
    struct surge_gen *g = l->g;
    int n;
    const char *const *sql = g->wl->statements(g->wl, g->drv->dialect, g->wl_shared, &n);
    sl->dc = g->run ? g->drv->run_connect(g->run, err, errlen) : g->drv->connect(g->target, err, errlen);
    if (!sl->dc)
        return -1;
    if (g->drv->prepare(sl->dc, n, sql, err, errlen) != 0) {
        g->drv->close(sl->dc);
        sl->dc = NULL;
        return -1;
    }
    return 0;
}

/* The connection broke: close it and try again later, backing off. */
static void slot_down(loop *l, slot *sl)
{
    unwatch(l, sl);
    l->g->drv->close(sl->dc);
    sl->dc = NULL;
    sl->state = SLOT_DOWN;
    sl->backoff_ns = sl->backoff_ns ? sl->backoff_ns * 2 : BACKOFF_MIN_NS;
    if (sl->backoff_ns > BACKOFF_MAX_NS)
        sl->backoff_ns = BACKOFF_MAX_NS;
    /* Jitter: connections that broke together should not all come back at once. */
    sl->retry_ns = l->now + sl->backoff_ns / 2 + rng_below(&l->w->rng, sl->backoff_ns / 2 + 1);
    l->ndown++;
}

/* Closed loop under --cpu-target: is this slot among the active ones? */
static bool slot_active(const worker *w, const struct surge_gen *g, int s)
{
    int n = atomic_load_explicit(&((struct surge_gen *)g)->ctl_conns, memory_order_relaxed);
    return n == 0 || (s * g->nworkers + w->index) * 1000 < n;
}

/* ... and the one slot that is active part of the time (ctl_conns has a
 * fraction f): after each operation it rests (1 - f) / f times as long as
 * the operation took, so on average it is busy a fraction f of the time.
 * Other slots: 0. */
static uint64_t partial_rest_ns(const worker *w, const struct surge_gen *g, int s, uint64_t took)
{
    int n = atomic_load_explicit(&((struct surge_gen *)g)->ctl_conns, memory_order_relaxed);
    if (n == 0 || n % 1000 == 0 || s * g->nworkers + w->index != n / 1000)
        return 0;
    double f = (n % 1000) / 1000.0;
    return (uint64_t)((double)took * (1 - f) / f);
}

static void slot_finish(loop *l, slot *sl, bool ok)
{
    worker *w = l->w;
    struct surge_gen *g = l->g;
    uint64_t end = l->now = run_now(g);
    if (sl->measured) {
        op_stats *os = &w->stats.ops[sl->op];
        if (ok) {
            counter_add(&os->ok, 1);
            /* Latency counts from the intended start, not from the send: when
             * the target stalls, every operation due during the stall waits,
             * and that wait is what its users feel. Measuring from the send
             * would hide it (coordinated omission). */
            hist_record(&os->lat, end - sl->intended_ns);
            hist_record(&os->svc, end - sl->start_ns);
        } else {
            counter_add(&os->failed, 1);
            pthread_mutex_lock(&w->stats.err_lock);
            errtab_add(&w->stats.errors, sl->op, sl->failmsg, 1);
            pthread_mutex_unlock(&w->stats.err_lock);
        }
    } else if (ok) {
        counter_add(&w->stats.ops[sl->op].warmup_ok, 1);
    }
    if (g->wl->end)
        g->wl->end(sl->state_buf, &sl->env, ok);
    w->busy--;
    double think = g->cfg.think_max > 0 ? rng_uniform(&w->rng, g->cfg.think_min, g->cfg.think_max) : 0;
    sl->ready_ns = end + s_to_ns(think) + partial_rest_ns(w, g, (int)(sl - w->slots), end - sl->start_ns);
    if (sl->failure == DRV_ERR_CONNECTION) {
        slot_down(l, sl);
        return;
    }
    sl->backoff_ns = 0;
    sl->state = SLOT_IDLE;
    if (l->open)
        l->idle[l->nidle++] = (int)(sl - w->slots);
}

/* Run the operation's calls until one has to wait or the operation ends.
 * `st` is what the driver said of the call just started or resumed. */
static void slot_drive(loop *l, slot *sl, drv_status st)
{
    struct surge_gen *g = l->g;
    for (;;) {
        if (st == DRV_WAIT) {
            watch(l, sl);
            return;
        }
        const drv_reply *r = &sl->reply;
        int stmt = sl->call.stmt;
        if (stmt == DRV_STMT_BEGIN && r->err == DRV_OK)
            sl->in_tx = true;
        if ((stmt == DRV_STMT_COMMIT && r->err == DRV_OK) || stmt == DRV_STMT_ROLLBACK)
            sl->in_tx = false;
        if (sl->rolling_back || (r->err != DRV_OK && !(sl->in_tx && r->err != DRV_ERR_CONNECTION))) {
            if (!sl->rolling_back) {
                sl->failure = r->err;
                memcpy(sl->failmsg, r->errmsg, sizeof sl->failmsg);
                sl->in_tx = false;
            }
            /* A deadlock or serialization failure, rolled back: run the
             * operation again from its start, up to --max-tries in all. Its
             * latency still counts from the first intended start. */
            if (sl->failure == DRV_ERR_RETRYABLE && ++sl->tries < g->cfg.max_tries) {
                if (sl->measured)
                    counter_add(&l->w->stats.retries, 1);
                sl->failure = DRV_OK;
                sl->rolling_back = false;
                g->wl->begin(sl->state_buf, sl->op, &sl->env, &sl->call);
                st = g->drv->start(sl->dc, &sl->call, &sl->reply);
                continue;
            }
            slot_finish(l, sl, false);
            return;
        }
        if (r->err != DRV_OK) {   /* inside a transaction: roll it back first */
            sl->failure = r->err;
            memcpy(sl->failmsg, r->errmsg, sizeof sl->failmsg);
            sl->rolling_back = true;
            sl->call.stmt = DRV_STMT_ROLLBACK;
            sl->call.nparams = 0;
            st = g->drv->start(sl->dc, &sl->call, &sl->reply);
            continue;
        }
        if (!g->wl->next(sl->state_buf, &sl->env, r, &sl->call)) {
            slot_finish(l, sl, true);
            return;
        }
        st = g->drv->start(sl->dc, &sl->call, &sl->reply);
    }
}

static int pick_op(loop *l, uint64_t intended)
{
    struct surge_gen *g = l->g;
    const wl_picker *p = &g->picker;
    if (g->phase_pickers) {
        double t = (double)(intended - g->t0_ns) / 1e9 - g->cfg.warmup;
        p = &g->phase_pickers[pat_phase_at(g->pat, t < 0 ? 0 : t)];
    }
    return wl_pick(p, &l->w->rng);
}

/* Open loop: the next operation due is the earliest of the streams'. */
static void pick_next(worker *w, struct surge_gen *g)
{
    w->next_stream = 0;
    for (int k = 1; k < g->nstreams; k++)
        if (w->nexts[k] < w->nexts[w->next_stream])
            w->next_stream = k;
    w->next_s = w->nexts[w->next_stream];
}

/* The operation due has started (or been left out): that stream's next.
 * Under --cpu-target the controller sets the rate: operations follow it,
 * evenly spaced, this worker taking every nworkers-th. */
static void advance(worker *w, struct surge_gen *g)
{
    double rate = atomic_load_explicit(&g->ctl_rate, memory_order_relaxed);
    if (rate > 0)
        w->nexts[w->next_stream] += g->nworkers / rate;
    else
        w->nexts[w->next_stream] = sched_next(&w->scheds[w->next_stream]);
    pick_next(w, g);
}

static void slot_begin(loop *l, slot *sl, uint64_t intended, bool measured, int op)
{
    worker *w = l->w;
    struct surge_gen *g = l->g;
    sl->state = SLOT_BUSY;
    w->busy++;
    sl->op = op >= 0 ? op : pick_op(l, intended);
    sl->intended_ns = intended;
    sl->start_ns = l->now;
    sl->measured = measured;
    sl->failure = DRV_OK;
    sl->rolling_back = false;
    sl->tries = 0;
    if (measured) {
        uint64_t lag = l->now > intended ? l->now - intended : 0;
        hist_record(&w->stats.lag, lag);
        if (lag > l->late_ns)
            counter_add(&w->stats.late, 1);
    }
    sl->env.now_wall = g->wall_at_t0 + (double)(l->now - g->t0_ns) * 1e-9;
    g->wl->begin(sl->state_buf, sl->op, &sl->env, &sl->call);
    slot_drive(l, sl, g->drv->start(sl->dc, &sl->call, &sl->reply));
}

static void stop_self(struct surge_gen *g, bool *stopping, enum stop_reason why)
{
    if (!*stopping) {
        *stopping = true;
        int none = STOP_NONE;
        atomic_compare_exchange_strong(&g->stop_reason, &none, (int)why);
    }
}

/* Open loop, at the end: measured operations that were due before the
 * run ended but never started, because every connection was busy (the
 * target, or the generator, fell behind). They are counted, not dropped
 * silently: the schedule asked for them. Bounded, like any backlog. */
static void count_unsent(worker *w, struct surge_gen *g)
{
    uint64_t end = g->deadline_ns, stop = atomic_load(&g->stop_ns), n = 0;
    if (stop && stop < end)
        end = stop;
    for (int guard = 0; guard < 100000000 && !isinf(w->next_s) && w->started + n < w->quota; guard++) {
        uint64_t due = g->t0_ns + s_to_ns(w->next_s);
        if (due >= end)
            break;
        n += due >= g->measure_ns;
        advance(w, g);
    }
    counter_add(&w->stats.unsent, n);
}

/* Open loop: start every operation that is due, while connections are free. */
static void run_due(loop *l, bool *stopping, uint64_t *wake)
{
    worker *w = l->w;
    struct surge_gen *g = l->g;
    if (run_paused(g))
        return;   /* the run clock stands still: nothing falls due */
    while (!*stopping) {
        /* A blocking driver that has fallen behind comes back here after
         * every operation: the deadline and a stop must still end the run. */
        if (l->now >= g->deadline_ns) {
            stop_self(g, stopping, g->at_deadline);
            return;
        }
        if (atomic_load_explicit(&g->stop, memory_order_relaxed))
            return;
        if (isinf(w->next_s)) {
            /* The pattern has ended; the run still ends at its deadline, if any. */
            if (g->deadline_ns == UINT64_MAX)
                stop_self(g, stopping, STOP_PATTERN);
            return;
        }
        uint64_t due = g->t0_ns + s_to_ns(w->next_s);
        if (due >= g->deadline_ns)
            return;
        if (due > l->now) {
            if (due < *wake)
                *wake = due;
            return;
        }
        if (w->cap_per_ns > 0) {
            /* --max-rate as a token bucket over due times: above the cap,
             * operations are left out, not delayed (a delay would build
             * the queue the cap is there to prevent). */
            w->cap_tokens += (double)(due - w->cap_last_ns) * w->cap_per_ns;
            if (w->cap_tokens > 2)
                w->cap_tokens = 2;   /* room for one token and a fraction: none is lost between two starts */
            w->cap_last_ns = due;
            if (w->cap_tokens < 1) {
                counter_add(&w->stats.capped, 1);
                advance(w, g);
                continue;
            }
        }
        if (l->nidle == 0)
            return;   /* all busy: it starts late, when one frees */
        if (w->cap_per_ns > 0)
            w->cap_tokens -= 1;
        bool measured = due >= g->measure_ns;
        if (!measured && l->now >= g->measure_ns) {
            /* A warm-up operation still waiting when the measured part begins
             * is dropped: warm-up backlog must not delay measured work. */
            counter_add(&w->stats.warmup_dropped, 1);
            advance(w, g);
            continue;
        }
        if (measured && w->started >= w->quota) {
            stop_self(g, stopping, g->quota_stop);
            return;
        }
        w->started += measured;
        slot *sl = &w->slots[l->idle[--l->nidle]];
        slot_begin(l, sl, due, measured, g->streams[w->next_stream].op);
        advance(w, g);
    }
}

/* Closed loop: every free connection whose think time is over goes again. */
static void run_ready(loop *l, bool *stopping, uint64_t *wake)
{
    worker *w = l->w;
    struct surge_gen *g = l->g;
    if (run_paused(g))
        return;
    for (int i = 0; i < w->nslots && !*stopping; i++) {
        slot *sl = &w->slots[i];
        if (!slot_active(w, g, i))
            continue;   /* the controller has fewer connections in use: it keeps its connection, idle */
        if (sl->state == SLOT_PARKED) {
            char err[256];
            if (slot_connect(l, sl, err, sizeof err) != 0) {
                slot_down(l, sl);
                continue;
            }
            sl->state = SLOT_IDLE;
            sl->ready_ns = l->now = run_now(g);
        }
        /* A driver that finishes at once leaves the slot idle again: go round
         * on it directly, reusing the end time as the next start. */
        while (sl->state == SLOT_IDLE) {
            if (sl->ready_ns > l->now) {
                if (sl->ready_ns < *wake)
                    *wake = sl->ready_ns;
                break;
            }
            if (l->now >= g->deadline_ns) {
                stop_self(g, stopping, g->at_deadline);
                return;
            }
            if (atomic_load_explicit(&g->stop, memory_order_relaxed))
                return;
            bool measured = sl->ready_ns >= g->measure_ns;
            if (measured && w->started >= w->quota) {
                stop_self(g, stopping, g->quota_stop);
                return;
            }
            w->started += measured;
            slot_begin(l, sl, sl->ready_ns, measured, -1);
        }
    }
}

static void reconnect_due(loop *l, uint64_t *wake)
{
    worker *w = l->w;
    for (int i = 0; i < w->nslots; i++) {
        slot *sl = &w->slots[i];
        if (sl->state != SLOT_DOWN)
            continue;
        if (sl->retry_ns > l->now) {
            if (sl->retry_ns < *wake)
                *wake = sl->retry_ns;
            continue;
        }
        char err[256];
        l->ndown--;
        if (slot_connect(l, sl, err, sizeof err) != 0) {
            slot_down(l, sl);
            continue;
        }
        sl->state = SLOT_IDLE;
        sl->ready_ns = l->now;
        if (l->open)
            l->idle[l->nidle++] = i;
    }
}

/* Calls still in flight when the drain time is up are counted as failed. */
static void abandon_busy(loop *l)
{
    worker *w = l->w;
    for (int i = 0; i < w->nslots; i++) {
        slot *sl = &w->slots[i];
        if (sl->state != SLOT_BUSY)
            continue;
        snprintf(sl->failmsg, sizeof sl->failmsg, "still running when the run stopped");
        sl->failure = DRV_ERR_CONNECTION;   /* its connection is mid-call: not reusable */
        slot_finish(l, sl, false);
    }
}

void *worker_main(void *arg)
{
    worker *w = arg;
    struct surge_gen *g = w->g;
    loop l = { .w = w, .g = g, .late_ns = s_to_ns(g->cfg.late_after), .open = g->pat != NULL };
    prctl(PR_SET_TIMERSLACK, 1UL);   /* wake on time: the default slack is 50 us */
    l.idle = calloc((size_t)w->nslots, sizeof *l.idle);
    l.now = run_now(g);
    /* Connections that fail now are retried with backoff like any other;
     * only a worker that gets none at all says why in the result. */
    int connected = 0;
    char err[sizeof w->fatal] = "";
    for (int i = 0; l.idle && i < w->nslots; i++) {
        slot *sl = &w->slots[i];
        sl->fd = -1;
        sl->state = SLOT_IDLE;
        sl->ready_ns = g->t0_ns;
        if (!l.open && !slot_active(w, g, i)) {
            sl->state = SLOT_PARKED;   /* connected when the controller asks for it */
            continue;
        }
        if (slot_connect(&l, sl, err, sizeof err) != 0) {
            slot_down(&l, sl);
            continue;
        }
        connected++;
        if (l.open)
            l.idle[l.nidle++] = i;
    }
    if (!connected && w->nslots && err[0])
        memcpy(w->fatal, err, sizeof w->fatal);
    if (l.open) {
        for (int k = 0; k < g->nstreams; k++)
            w->nexts[k] = sched_next(&w->scheds[k]);
        pick_next(w, g);
    }
    bool stopping = !l.idle;
    uint64_t drain_until = 0;
    struct epoll_event events[64];

    for (;;) {
        l.now = run_now(g);
        if (!stopping && atomic_load_explicit(&g->stop, memory_order_relaxed))
            stopping = true;
        if (!stopping && l.now >= g->deadline_ns)
            stop_self(g, &stopping, g->at_deadline);
        if (stopping) {
            if (w->busy == 0)
                break;
            if (!drain_until)
                drain_until = l.now + DRAIN_NS;
            if (l.now >= drain_until) {
                abandon_busy(&l);
                break;
            }
        }
        /* Paused, look often: the run clock starts again without notice,
         * and operations due at that moment should not wait for a timer. */
        uint64_t wake = l.now + (run_paused(g) ? PAUSED_SLEEP_NS : MAX_SLEEP_NS);
        if (g->deadline_ns < wake)
            wake = g->deadline_ns;
        if (!stopping) {
            if (l.ndown)
                reconnect_due(&l, &wake);
            if (l.open)
                run_due(&l, &stopping, &wake);
            else
                run_ready(&l, &stopping, &wake);
            l.now = run_now(g);
        }
        uint64_t wait = wake > l.now ? wake - l.now : 0;
        if (wait <= SPIN_NS && !stopping && w->busy == 0)
            continue;   /* due very soon: spinning is more punctual than a timer */
        /* Sleep a little short of the due time and spin the rest. */
        uint64_t sleep_ns = wait > SPIN_NS ? wait - SPIN_NS / 2 : 0;
        struct timespec ts = { .tv_sec = (time_t)(sleep_ns / NS_PER_S), .tv_nsec = (long)(sleep_ns % NS_PER_S) };
        if (g->drv->flush)
            g->drv->flush();
        int n = epoll_pwait2(w->epfd, events, 64, &ts, NULL);
        if (n > 0)
            l.now = run_now(g);
        for (int i = 0; i < n; i++) {
            slot *sl = events[i].data.ptr;
            /* An idle connection's socket stays registered between
             * operations (one epoll_ctl less per operation); if the server
             * closes it meanwhile it turns readable for good, so stop
             * watching it. Its next operation finds the error. */
            if (sl->state == SLOT_BUSY)
                slot_drive(&l, sl, g->drv->resume(sl->dc, &sl->reply));
            else
                unwatch(&l, sl);
        }
    }

    if (l.open)
        count_unsent(w, g);
    for (int i = 0; i < w->nslots; i++) {
        unwatch(&l, &w->slots[i]);
        g->drv->close(w->slots[i].dc);
        w->slots[i].dc = NULL;
    }
    free(l.idle);
    atomic_store(&w->finished, true);
    pthread_mutex_lock(&g->lock);
    g->workers_left--;
    pthread_cond_broadcast(&g->wake);
    pthread_mutex_unlock(&g->lock);
    return NULL;
}
