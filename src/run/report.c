/* report.c - the reporter thread: every interval it merges the workers'
 * cumulative statistics into a snapshot, turns the difference from the last
 * snapshot into a sample (kept in a bounded ring), refreshes the live result
 * and hands it to the on_sample callback. When the workers are done it
 * builds the final result the same way, so whatever stopped the run, the
 * result is complete.
 *
 * Samples are aligned to the start of the measured part: with a 2.5 s
 * warm-up and 1 s interval they end at -2, -1, 0, 1, 2 ... seconds, so no
 * sample mixes warm-up and measured time. Warm-up samples are shown live but
 * not kept in the history.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run/engine.h"
#include "run/events.h"
#include "run/guard.h"
#include "run/cpuctl.h"
#include "run/target.h"
#include "run/threshold.h"

struct report {
    struct surge_gen *g;
    snapshot *now, *prev;
    surge_result res;
    surge_op_result *ops;
    surge_error_count *errors;
    int nerrors;
    errtab errs;
    surge_sample *ring;         /* [cap], oldest at ring_head once full */
    surge_sample *history;      /* ring unrolled, oldest first, for res.history */
    int cap, nring, ring_head;
    uint64_t last_ns;           /* end of the last sample */
    hist_t diff;                /* scratch: one interval's latencies */
    guard *guard;
    target *target;             /* run-level state of the target; NULL none */
    cpuctl *ctl;                /* --cpu-target; NULL off */
    int last_phase;             /* for "phase" events */
    bool burst;                 /* the last sample was an error burst */
    uint64_t paused_wall_ns;    /* when the current pause began (wall clock) */
};

static const char *const reason_names[] = {
    [STOP_NONE] = "stopped", [STOP_DURATION] = "duration", [STOP_PATTERN] = "pattern ended",
    [STOP_TRANSACTIONS] = "transactions", [STOP_SIGNAL] = "signal", [STOP_ERROR] = "error",
    [STOP_GUARDRAIL] = "guardrail", [STOP_THRESHOLD] = "threshold", [STOP_API] = "stopped",
    [STOP_STABLE] = "cpu stable",
};

struct report *report_new(struct surge_gen *g)
{
    struct report *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->g = g;
    r->cap = g->cfg.history;
    r->now = snapshot_new(g->nops);
    r->prev = snapshot_new(g->nops);
    r->ops = calloc((size_t)g->nops, sizeof *r->ops);
    r->errors = calloc(ERRTAB_MAX + 1, sizeof *r->errors);
    r->ring = calloc((size_t)r->cap, sizeof *r->ring);
    r->history = calloc((size_t)r->cap, sizeof *r->history);
    if (!r->now || !r->prev || !r->ops || !r->errors || !r->ring || !r->history) {
        report_free(r);
        return NULL;
    }
    surge_result *res = &r->res;
    res->state = SURGE_STATE_SETUP;
    res->stop_reason = NULL;
    res->target = g->target_masked;
    res->workload = g->wl->name;
    res->pattern = g->pattern_text;
    res->mode = g->pat ? "open" : "closed";
    res->arrivals = g->cfg.arrivals == SURGE_ARRIVALS_POISSON ? "poisson" : "even";
    res->threads = g->nworkers;
    res->connections = g->cfg.connections;
    res->seed = g->seed;
    res->warmup_s = g->cfg.warmup;
    res->interval_s = g->cfg.interval;
    res->late_after_s = g->cfg.late_after;
    res->planned_s = g->planned_s;
    if (g->cfg.transactions)
        res->planned_ops = g->cfg.transactions;
    else if (g->pat && isfinite(g->planned_s))
        res->planned_ops = (uint64_t)llround(run_count(g, g->cfg.warmup + g->planned_s) - run_count(g, g->cfg.warmup));
    res->phase = -1;
    res->nphases = g->pat ? pat_nphases(g->pat) : 0;
    res->nops = g->nops;
    res->ops = r->ops;
    res->errors = r->errors;
    res->history = r->history;
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(res->started_at, sizeof res->started_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
    for (int i = 0; i < g->nops; i++) {
        r->ops[i].name = g->ops[i].name;
        r->ops[i].weight = g->weights[i];
    }
    return r;
}

void report_free(struct report *r)
{
    if (!r)
        return;
    snapshot_free(r->now);
    snapshot_free(r->prev);
    free(r->ops);
    free(r->errors);
    free(r->ring);
    guard_free(r->guard);
    target_free(r->target);
    cpuctl_free(r->ctl);
    free(r->history);
    free(r);
}

const surge_result *report_result(const struct report *r)
{
    return &r->res;
}

static double ms(uint64_t ns)
{
    return (double)ns / 1e6;
}

void latency_of(const hist_t *h, surge_latency *l)
{
    l->p50 = ms(hist_percentile(h, 50));
    l->p90 = ms(hist_percentile(h, 90));
    l->p95 = ms(hist_percentile(h, 95));
    l->p99 = ms(hist_percentile(h, 99));
    l->p999 = ms(hist_percentile(h, 99.9));
    l->mean = hist_mean(h) / 1e6;
    l->min = ms(hist_min(h));
    l->max = ms(hist_max(h));
}

static void take_snapshot(struct report *r)
{
    struct surge_gen *g = r->g;
    snapshot_clear(r->now);
    errtab_init(&r->errs);
    for (int i = 0; i < g->nworkers; i++) {
        worker *w = &g->workers[i];
        snapshot_add_worker(r->now, &w->stats);
        pthread_mutex_lock(&w->stats.err_lock);
        errtab_merge(&r->errs, &w->stats.errors);
        pthread_mutex_unlock(&w->stats.err_lock);
    }
}

static int by_count(const void *a, const void *b)
{
    const surge_error_count *x = a, *y = b;
    return (x->count < y->count) - (x->count > y->count);
}

static void fill_errors(struct report *r)
{
    int n = 0;
    for (int i = 0; i <= ERRTAB_MAX; i++) {
        const errtab_entry *e = &r->errs.e[i];
        if ((i < r->errs.n || i == ERRTAB_MAX) && e->count) {
            r->errors[n].message = e->msg;
            r->errors[n].op = r->g->ops[e->op].name;
            r->errors[n].count = e->count;
            n++;
        }
    }
    qsort(r->errors, (size_t)n, sizeof *r->errors, by_count);
    r->res.nerrors = n;
}

/* Seconds since the run's start (warm-up included) of a clock reading. */
static double run_s(const struct surge_gen *g, uint64_t ns)
{
    return (double)(ns - g->t0_ns) / 1e9;
}

static void push_sample(struct report *r, const surge_sample *s)
{
    if (r->nring < r->cap) {
        r->ring[r->nring++] = *s;
    } else {
        r->ring[r->ring_head] = *s;
        r->ring_head = (r->ring_head + 1) % r->cap;
    }
    for (int i = 0; i < r->nring; i++)
        r->history[i] = r->ring[(r->ring_head + i) % r->nring];
    r->res.nhistory = r->nring;
}

/* The sample for (r->last_ns, end]: differences of two snapshots. */
static void make_sample(struct report *r, uint64_t end, surge_sample *s)
{
    struct surge_gen *g = r->g;
    uint64_t begin = r->last_ns;
    memset(s, 0, sizeof *s);
    s->t = (double)((int64_t)end - (int64_t)g->measure_ns) / 1e9;
    s->length = (double)(end - begin) / 1e9;
    hist_t *d = &r->diff;
    uint64_t done = 0;
    for (int i = 0; i < r->now->nops; i++) {
        s->ok += r->now->ok[i] - r->prev->ok[i];
        s->failed += r->now->failed[i] - r->prev->failed[i];
    }
    done = s->ok + s->failed;
    s->late = r->now->late - r->prev->late;
    s->actual_rate = s->length > 0 ? (double)done / s->length : 0;
    hist_diff(d, &r->now->all_lat, &r->prev->all_lat);
    s->p50_ms = ms(hist_percentile(d, 50));
    s->p95_ms = ms(hist_percentile(d, 95));
    s->p99_ms = ms(hist_percentile(d, 99));
    s->max_ms = ms(hist_max(d));
    s->mean_ms = hist_mean(d) / 1e6;
    s->phase = -1;
    if (g->pat) {
        double a = run_s(g, begin), b = run_s(g, end);
        s->target_rate = s->length > 0
            ? (run_count(g, b) - run_count(g, a)) / s->length
            : 0;
        double pt = b - g->cfg.warmup;
        s->phase = pat_phase_at(g->pat, pt > 0 ? pt : 0);
        double ctl = atomic_load(&g->ctl_rate);
        if (ctl > 0)
            s->target_rate = ctl;   /* --cpu-target sets the rate, not the pattern */
    }
    target_sample(r->target, g, s);
}

/* Refresh the live result from the current snapshot. */
static void fill_result(struct report *r, uint64_t end, const surge_sample *last)
{
    struct surge_gen *g = r->g;
    surge_result *res = &r->res;
    snapshot *s = r->now;
    res->elapsed_s = (double)((int64_t)end - (int64_t)g->measure_ns) / 1e9;
    res->duration_s = res->elapsed_s > 0 ? res->elapsed_s : 0;
    res->ops_ok = res->ops_failed = res->warmup_ok = 0;
    for (int i = 0; i < s->nops; i++) {
        surge_op_result *o = &r->ops[i];
        o->ok = s->ok[i];
        o->failed = s->failed[i];
        o->warmup_ok = s->warmup_ok[i];
        latency_of(&s->lat[i], &o->latency_ms);
        latency_of(&s->svc[i], &o->service_ms);
        res->ops_ok += o->ok;
        res->ops_failed += o->failed;
        res->warmup_ok += o->warmup_ok;
    }
    res->ops_total = res->ops_ok + res->ops_failed;
    res->late = s->late;
    res->retries = s->retries;
    res->warmup_dropped = s->warmup_dropped;
    res->unsent = s->unsent;
    res->capped = s->capped;
    res->throughput = res->duration_s > 0 ? (double)res->ops_ok / res->duration_s : 0;
    latency_of(&s->all_lat, &res->latency_ms);
    latency_of(&s->all_svc, &res->service_ms);
    latency_of(&s->lag, &res->lag_ms);
    res->current_rate = last ? last->actual_rate : 0;
    if (g->pat) {
        /* The target over the same interval as current_rate, so the two compare. */
        double t = run_s(g, end);
        res->target_rate = last ? last->target_rate : run_rate(g, t);
        double pt = t - g->cfg.warmup;
        res->phase = pat_phase_at(g->pat, pt > 0 ? pt : 0);
    }
    fill_errors(r);
    target_fill(r->target, g, res);
    if (r->ctl)
        res->cpu_control = cpuctl_result(r->ctl, g, res->state == SURGE_STATE_DONE);
}

/* --cpu-target: one controller step on the sample just taken; the new
 * setting shows in the next sample. Stable, with no --duration: done. */
static void control_cpu(struct report *r, const surge_sample *s)
{
    struct surge_gen *g = r->g;
    cpuctl_step(r->ctl, g, target_latest(r->target, "cpu_pct"), s->t, s->length);
    target_put(r->target, cpuctl_gauge(r->ctl), cpuctl_value(r->ctl));
    const surge_cpu_control *c = cpuctl_result(r->ctl, g, false);
    if (c->stable && g->stop_when_stable && !atomic_load(&g->stop))
        gen_request_stop(g, STOP_STABLE);
}

/* One tick: snapshot, sample, result, callback. */
static void tick(struct report *r, uint64_t end, bool final)
{
    struct surge_gen *g = r->g;
    take_snapshot(r);
    surge_sample s;
    bool have = false;
    if (end > r->last_ns) {
        make_sample(r, end, &s);
        have = true;
        /* Warm-up samples are shown but not kept; a final sliver shorter than
         * a tenth of an interval is folded into the totals only. */
        if (end > g->measure_ns && (!final || s.length >= g->cfg.interval / 10)) {
            push_sample(r, &s);
            target_account(r->target, &s);
            if (r->ctl && !final)
                control_cpu(r, &s);
        }
        r->last_ns = end;
    }
    fill_result(r, end, have ? &s : NULL);
    if (g->thr && end > g->measure_ns) {
        thr_update(g->thr, g, r->now, &r->res, final);
        r->res.nthresholds = thr_count(g->thr);
        r->res.thresholds = thr_results(g->thr);
    }
    if (!final)
        r->res.state = atomic_load(&g->stop) ? SURGE_STATE_STOPPING
                     : end < g->measure_ns   ? SURGE_STATE_WARMUP
                                             : SURGE_STATE_RUNNING;
    snapshot *t = r->prev;
    r->prev = r->now;
    r->now = t;
}

static void finish(struct report *r, uint64_t end)
{
    struct surge_gen *g = r->g;
    surge_result *res = &r->res;
    tick(r, end, true);
    int why = atomic_load(&g->stop_reason);
    res->stop_reason = reason_names[why];
    bool guarded = why == STOP_GUARDRAIL || why == STOP_THRESHOLD;
    res->guardrail = guarded && g->guardrail[0] ? g->guardrail : NULL;
    res->stop_detail = guarded && g->stop_detail[0] ? g->stop_detail : NULL;
    if (why == STOP_GUARDRAIL && g->quota_stop == STOP_GUARDRAIL && !strcmp(g->guardrail, "max-total"))
        event_emit(g, "guardrail", NULL, "max-total: %s", g->stop_detail);   /* the workers stopped on it */
    res->paused = false;
    res->paused_s = (double)g->paused_total_ns / 1e9;
    for (int i = 0; i < g->nworkers; i++)
        if (g->workers[i].fatal[0] && !res->error)
            res->error = g->workers[i].fatal;
    if (g->pat) {
        /* At the end, the target rate is the pattern's average over the run. */
        double a = g->cfg.warmup, b = run_s(g, end);
        res->target_rate = b > a ? (run_count(g, b) - run_count(g, a)) / (b - a)
                                 : 0;
        if (atomic_load(&g->ctl_rate) > 0) {   /* the controller's rates, averaged over the samples */
            double sum = 0;
            for (int k = 0; k < res->nhistory; k++)
                sum += res->history[k].target_rate * res->history[k].length;
            res->target_rate = res->duration_s > 0 ? sum / res->duration_s : 0;
        }
    }
    res->state = SURGE_STATE_DONE;
    if (r->ctl)
        res->cpu_control = cpuctl_result(r->ctl, g, true);
}

/* Scheduling ends at the planned end or when a stop is asked for, whichever
 * comes first; the measured part ends there too. */
static uint64_t end_cap(const struct surge_gen *g)
{
    uint64_t stop_at = atomic_load(&((struct surge_gen *)g)->stop_ns);
    return stop_at && stop_at < g->deadline_ns ? stop_at : g->deadline_ns;
}

/* Apply a pause or resume that was asked for: freeze the run clock, or
 * start it again where it stood. Only this thread writes the clock. */
static void apply_pause(struct report *r)
{
    struct surge_gen *g = r->g;
    uint64_t word = atomic_load(&g->clock_word), wall = now_ns();
    bool paused = word & CLOCK_PAUSED, want = atomic_load(&g->pause_req) != 0;
    if (want == paused || (want && atomic_load(&g->stop)))
        return;
    if (want) {
        atomic_store_explicit(&g->clock_word, CLOCK_PAUSED | clock_read(word, wall), memory_order_release);
        r->paused_wall_ns = wall;
        event_emit(g, "paused", NULL, "paused: nothing new is scheduled until resumed");
    } else {
        atomic_store_explicit(&g->clock_word, wall - (word & ~CLOCK_PAUSED), memory_order_release);
        double s = (double)(wall - r->paused_wall_ns) / 1e9;
        g->paused_total_ns += wall - r->paused_wall_ns;
        char extra[64];
        snprintf(extra, sizeof extra, "\"paused_s\": %.3f", s);
        event_emit(g, "resumed", extra, "resumed after %.1f s paused; the schedule goes on where it stood", s);
    }
    r->res.paused = want;
    r->res.paused_s = (double)g->paused_total_ns / 1e9;
    if (g->cfg.on_sample)
        g->cfg.on_sample(&r->res, g->cfg.user);   /* show the new state at once */
}

/* Events a sample can tell: a new pattern phase, a burst of errors (a
 * tenth or more of an interval's operations failed, at least 10, after an
 * interval without). */
static void sample_events(struct report *r)
{
    struct surge_gen *g = r->g;
    const surge_result *res = &r->res;
    if (res->phase >= 0 && res->phase != r->last_phase && res->state == SURGE_STATE_RUNNING) {
        const char *label = pat_phase_get(g->pat, res->phase)->label;
        char extra[64];
        snprintf(extra, sizeof extra, "\"phase\": %d", res->phase);
        event_emit(g, "phase", extra, "phase %d: %s", res->phase + 1, label ? label : "");
        r->last_phase = res->phase;
    }
    if (res->nhistory > 0) {
        const surge_sample *s = &res->history[res->nhistory - 1];
        bool burst = s->failed >= 10 && (double)s->failed >= 0.1 * (double)(s->ok + s->failed);
        if (burst && !r->burst) {
            char extra[96];
            snprintf(extra, sizeof extra, "\"failed\": %llu, \"ok\": %llu", (unsigned long long)s->failed,
                     (unsigned long long)s->ok);
            event_emit(g, "error_burst", extra, "%llu of %llu operations failed in the last interval%s%s",
                       (unsigned long long)s->failed, (unsigned long long)(s->ok + s->failed),
                       res->nerrors ? ": " : "", res->nerrors ? res->errors[0].message : "");
        }
        r->burst = burst;
    }
}

#define CONTROL_NS 100000000ull   /* guardrails and pause requests are seen this often */

void *report_main(void *arg)
{
    struct surge_gen *g = arg;
    struct report *r = g->report;
    uint64_t step = (uint64_t)(g->cfg.interval * 1e9);
    uint64_t warm = g->measure_ns - g->t0_ns;
    uint64_t next = g->measure_ns - (warm / step) * step;
    if (next <= g->t0_ns)
        next += step;
    r->last_ns = g->t0_ns;
    r->last_phase = -1;
    r->res.state = warm ? SURGE_STATE_WARMUP : SURGE_STATE_RUNNING;
    r->guard = guard_new(g);
    r->target = target_new(g);
    r->ctl = cpuctl_new(g, NULL);
    if (r->ctl)
        target_put(r->target, cpuctl_gauge(r->ctl), cpuctl_value(r->ctl));
    event_emit(g, "started", NULL, "started: %s on %s, %s", g->wl->name, g->target_masked,
               g->pat ? "open loop" : "closed loop");

    for (;;) {
        /* Sleep until the next sample is due on the run clock, or the next
         * control check, whichever is sooner (in wall time: the run clock
         * is the wall clock minus a shift, and stands still when paused). */
        pthread_mutex_lock(&g->lock);
        uint64_t word = atomic_load(&g->clock_word), wake = now_ns() + CONTROL_NS;
        if (!(word & CLOCK_PAUSED) && next + word < wake)
            wake = next + word;
        while (g->workers_left > 0 && now_ns() < wake) {
            struct timespec ts = { .tv_sec = (time_t)(wake / NS_PER_S), .tv_nsec = (long)(wake % NS_PER_S) };
            pthread_cond_timedwait(&g->wake, &g->lock, &ts);
        }
        bool last = g->workers_left == 0;
        pthread_mutex_unlock(&g->lock);
        if (last)
            break;
        apply_pause(r);
        guard_check(r->guard, g);
        target_poll(r->target, g, true);
        if (run_now(g) < next)
            continue;
        /* Samples never reach past the end of scheduling: time spent
         * draining calls in flight is not part of the measured length. */
        uint64_t cap = end_cap(g);
        tick(r, next < cap ? next : cap, false);
        sample_events(r);
        if (g->cfg.on_sample)
            g->cfg.on_sample(&r->res, g->cfg.user);
        uint64_t now = run_now(g);
        while (next <= now)
            next += step;
    }
    /* The target winds down (queues drain, a child exits) before the
     * last reading, so the result says how that went. */
    target_finish(r->target, g, &r->res);
    uint64_t end = run_now(g);
    if (end > end_cap(g))
        end = end_cap(g);
    if (end < r->last_ns)
        end = r->last_ns;
    finish(r, end);
    event_emit(g, "stopped", NULL, "stopped: %s%s%s; %llu operations, %llu failed", r->res.stop_reason,
               r->res.stop_detail ? ": " : "", r->res.stop_detail ? r->res.stop_detail : "", (unsigned long long)r->res.ops_total,
               (unsigned long long)r->res.ops_failed);
    if (g->cfg.on_sample)
        g->cfg.on_sample(&r->res, g->cfg.user);
    pthread_mutex_lock(&g->lock);
    g->done = true;
    pthread_cond_broadcast(&g->done_cond);
    pthread_mutex_unlock(&g->lock);
    return NULL;
}
