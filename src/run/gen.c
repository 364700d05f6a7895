/* gen.c - the generator's life: check the configuration, set the target up,
 * start the workers and the reporter, stop, wait, free. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "run/engine.h"
#include "run/threshold.h"

#define DEFAULT_DURATION_S 10.0
#define MAX_THREADS 1024
#define MAX_CONNECTIONS 100000

void surge_config_init(surge_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->target = "sqlite:surge.db";
    cfg->workload = "ecommerce";
    cfg->interval = 1.0;
    cfg->history = 1000;
    cfg->scale = 1;
    cfg->late_after = 0.001;
    cfg->max_tries = 1;
}

const char *const *surge_workload_names(void)
{
    static const char *names[16];
    const wl_def *const *all = wl_all();
    for (int i = 0; all[i] && i < 15; i++)
        names[i] = all[i]->name;
    return names;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void fail(char *err, size_t errlen, const char *fmt, const char *a, const char *b)
{
    snprintf(err, errlen, fmt, a, b);
}

/* The pattern's error with the expression and a caret under the column. */
static void pattern_error(const pat_error *pe, const char *expr, char *err, size_t errlen)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f) {
        pat_error_print(pe, "pattern", expr, f);
        fclose(f);
    }
    snprintf(err, errlen, "%s", buf ? buf : pe->msg);
    /* pat_error_print starts with "surge: " and ends with a newline; the
     * caller adds its own prefix, so drop both. */
    if (strncmp(err, "surge: ", 7) == 0)
        memmove(err, err + 7, strlen(err + 7) + 1);
    size_t n = strlen(err);
    while (n && err[n - 1] == '\n')
        err[--n] = '\0';
    free(buf);
}

static int check_numbers(const surge_config *c, char *err, size_t errlen)
{
    if (c->threads < 0 || c->threads > MAX_THREADS)
        return snprintf(err, errlen, "threads: expected 0..%d, got %d", MAX_THREADS, c->threads), -1;
    if (c->connections < 0 || c->connections > MAX_CONNECTIONS)
        return snprintf(err, errlen, "connections: expected 0..%d, got %d", MAX_CONNECTIONS, c->connections), -1;
    if (!(c->duration >= 0) || !(c->warmup >= 0) || !isfinite(c->duration) || !isfinite(c->warmup))
        return snprintf(err, errlen, "duration and warmup must be >= 0"), -1;
    if (!(c->think_min >= 0) || !(c->think_max >= c->think_min) || !isfinite(c->think_max))
        return snprintf(err, errlen, "think time: expected MIN..MAX with 0 <= MIN <= MAX"), -1;
    if (c->think_max > 0 && c->pattern)
        return snprintf(err, errlen, "--think applies to closed loop only: with a --pattern, the pattern sets when operations start"), -1;
    if (!(c->interval >= 0.01) || c->interval > 3600)
        return snprintf(err, errlen, "interval: expected 10ms..1h"), -1;
    if (c->history < 1 || c->history > 10000000)
        return snprintf(err, errlen, "history: expected 1..10000000 samples, got %d", c->history), -1;
    if (c->scale < 1 || c->scale > 100000)
        return snprintf(err, errlen, "scale: expected 1..100000, got %d", c->scale), -1;
    if (c->max_tries < 1 || c->max_tries > 1000)
        return snprintf(err, errlen, "max tries: expected 1..1000, got %d", c->max_tries), -1;
    if (!(c->late_after >= 0))
        return snprintf(err, errlen, "late threshold must be >= 0"), -1;
    return 0;
}

/* A phase's own mix: operations it does not name get no weight. */
static int build_phase_pickers(surge_gen *g, char *err, size_t errlen)
{
    int n = pat_nphases(g->pat);
    bool any = false;
    for (int i = 0; i < n; i++)
        any |= pat_phase_get(g->pat, i)->nmix > 0;
    if (!any)
        return 0;
    g->phase_pickers = calloc((size_t)n, sizeof *g->phase_pickers);
    if (!g->phase_pickers)
        return snprintf(err, errlen, "out of memory"), -1;
    for (int i = 0; i < n; i++) {
        const pat_phase *ph = pat_phase_get(g->pat, i);
        if (ph->nmix == 0) {
            g->phase_pickers[i] = g->picker;
            continue;
        }
        double w[WL_MAX_OPS] = { 0 };
        for (int m = 0; m < ph->nmix; m++) {
            int found = -1;
            for (int o = 0; o < g->wl->nops; o++)
                if (strcmp(g->wl->ops[o].name, ph->mix[m].name) == 0)
                    found = o;
            if (found < 0)
                return snprintf(err, errlen, "pattern phase %d (%s): unknown operation '%s' in mix (workload %s)",
                                i + 1, ph->label, ph->mix[m].name, g->wl->name), -1;
            w[found] = ph->mix[m].weight;
        }
        if (wl_picker_init(&g->phase_pickers[i], g->wl->nops, w) != 0)
            return snprintf(err, errlen, "pattern phase %d (%s): every weight in its mix is 0", i + 1, ph->label), -1;
    }
    return 0;
}

surge_gen *surge_gen_new(const surge_config *cfg, char *err, size_t errlen)
{
    surge_gen *g = calloc(1, sizeof *g);
    if (!g)
        return snprintf(err, errlen, "out of memory"), NULL;
    g->cfg = *cfg;
    g->target = dup_or_null(cfg->target ? cfg->target : "sqlite:surge.db");
    g->workload_name = dup_or_null(cfg->workload ? cfg->workload : "ecommerce");
    g->pattern_text = dup_or_null(cfg->pattern);
    g->mix_text = dup_or_null(cfg->mix);
    g->tables_text = dup_or_null(cfg->tables);
    g->cfg.tables = g->tables_text;
    g->stop_file_text = dup_or_null(cfg->stop_file);
    g->cfg.stop_file = g->stop_file_text;
    g->cfg.target = g->target;
    g->cfg.workload = g->workload_name;
    g->cfg.pattern = g->pattern_text;
    g->cfg.mix = g->mix_text;
    surge_mask_url(g->target, g->target_masked, sizeof g->target_masked);
    pthread_mutex_init(&g->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g->wake, &ca);
    pthread_cond_init(&g->done_cond, &ca);
    pthread_condattr_destroy(&ca);

    if (check_numbers(&g->cfg, err, errlen) != 0)
        goto bad;
    g->drv = drv_find(g->target);
    if (!g->drv) {
        fail(err, errlen, "unknown target '%s' (expected a URL starting with %s)", g->target_masked, drv_schemes_list());
        goto bad;
    }
    g->wl = wl_find(g->workload_name);
    if (!g->wl) {
        char names[256] = "";
        for (const char *const *n = surge_workload_names(); *n; n++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", names[0] ? ", " : "", *n);
        fail(err, errlen, "unknown workload '%s' (expected one of: %s)", g->workload_name, names);
        goto bad;
    }
    int nstmts;
    if (!g->wl->statements(g->drv->dialect, NULL, &nstmts)) {
        fail(err, errlen, "workload %s has no SQL for %s targets", g->wl->name, g->drv->name);
        goto bad;
    }
    for (int i = 0; i < g->wl->nops; i++)
        g->weights[i] = g->wl->ops[i].weight;
    if (g->mix_text && wl_parse_mix(g->wl, g->mix_text, g->weights, err, errlen) != 0)
        goto bad;
    if (wl_picker_init(&g->picker, g->wl->nops, g->weights) != 0) {
        fail(err, errlen, "workload %s: every weight is 0%s", g->wl->name, "");
        goto bad;
    }
    if (g->pattern_text) {
        pat_error pe;
        g->pat = pat_parse_scaled(g->pattern_text, g->cfg.time_scale > 0 ? g->cfg.time_scale : 1, &pe);
        if (!g->pat) {
            pattern_error(&pe, g->pattern_text, err, errlen);
            goto bad;
        }
        if (build_phase_pickers(g, err, errlen) != 0)
            goto bad;
    }
    if (cfg->thresholds && cfg->thresholds[0]) {
        const char *names[WL_MAX_OPS];
        for (int i = 0; i < g->wl->nops; i++)
            names[i] = g->wl->ops[i].name;
        if (!(g->thr = thr_parse(cfg->thresholds, names, g->wl->nops, g->pat != NULL, err, errlen)))
            goto bad;
    }
    g->cfg.thresholds = NULL;   /* the caller's strings: thr keeps its own copies */

    /* Threads and connections. A driver whose calls block its thread gets as
     * many threads as connections; otherwise connections spread over threads. */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = g->cfg.threads ? g->cfg.threads : (int)(cores > 0 ? cores : 1);
    int conns = g->cfg.connections;
    if (g->drv->max_conns_per_thread == 1) {
        if (conns)
            threads = conns;
        conns = threads;
    } else if (!conns) {
        conns = threads;
    }
    if (threads > conns)
        threads = conns;
    if (threads > MAX_THREADS) {
        snprintf(err, errlen, "%d connections would need %d threads on %s (at most %d)", conns, threads,
                 g->drv->name, MAX_THREADS);
        goto bad;
    }
    g->nworkers = threads;
    g->cfg.threads = threads;
    g->cfg.connections = conns;
    g->seed = g->cfg.has_seed ? g->cfg.seed : (uint64_t)now_ns() ^ ((uint64_t)getpid() << 32);
    g->cfg.seed = g->seed;

    double pat_len = g->pat ? pat_duration(g->pat) : INFINITY;
    g->at_deadline = STOP_DURATION;
    if (g->cfg.duration > 0 && !(pat_len <= g->cfg.duration)) {
        g->planned_s = g->cfg.duration;
    } else if (isfinite(pat_len)) {
        g->planned_s = pat_len;
        g->at_deadline = STOP_PATTERN;
    }
    else if (g->cfg.transactions)
        g->planned_s = INFINITY;
    else
        g->planned_s = DEFAULT_DURATION_S;
    /* The warm-up runs at the rate the pattern starts with. */
    g->warm_rate = g->pat ? pat_rate(g->pat, 0) : 0;
    return g;
bad:
    surge_gen_free(g);
    return NULL;
}

static int setup_target(surge_gen *g, char *err, size_t errlen)
{
    drv_conn *c = g->drv->connect(g->target, err, errlen);
    if (!c)
        return g->drv->local ? SURGE_EINPUT : SURGE_ERUNTIME;
    wl_setup o = { .scale = g->cfg.scale, .fresh = g->cfg.fresh, .seed = g->seed, .tables = g->cfg.tables };
    int rc = g->wl->setup(g->drv, c, &o, &g->wl_shared, err, errlen);
    g->drv->close(c);
    return rc == 0 ? 0 : rc == -2 ? SURGE_EINPUT : SURGE_ERUNTIME;
}

void *cache_calloc(size_t n, size_t size)
{
    size_t bytes = (n * size + CACHE_PAIR - 1) / CACHE_PAIR * CACHE_PAIR;
    void *p = aligned_alloc(CACHE_PAIR, bytes ? bytes : CACHE_PAIR);
    if (p)
        memset(p, 0, bytes ? bytes : CACHE_PAIR);
    return p;
}

static int make_workers(surge_gen *g)
{
    g->workers = cache_calloc((size_t)g->nworkers, sizeof *g->workers);
    if (!g->workers)
        return -1;
    /* --max-total is a quota like --transactions, so it stops on the
     * operation, not up to 100 ms later; it is reported as a guardrail. */
    uint64_t quota = g->cfg.transactions;
    if (g->cfg.max_total && (!quota || g->cfg.max_total < quota)) {
        quota = g->cfg.max_total;
        g->quota_stop = STOP_GUARDRAIL;
        snprintf(g->guardrail, sizeof g->guardrail, "max-total");
        snprintf(g->stop_detail, sizeof g->stop_detail, "%llu operations (limit %llu)",
                 (unsigned long long)quota, (unsigned long long)quota);
    } else {
        g->quota_stop = STOP_TRANSACTIONS;
    }
    for (int i = 0; i < g->nworkers; i++) {
        worker *w = &g->workers[i];
        w->g = g;
        w->index = i;
        w->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (w->epfd < 0)
            return -1;
        /* Connections and --transactions split as evenly as they go. */
        w->nslots = g->cfg.connections / g->nworkers + (i < g->cfg.connections % g->nworkers);
        w->quota = quota ? quota / (uint64_t)g->nworkers + ((uint64_t)i < quota % (uint64_t)g->nworkers) : UINT64_MAX;
        /* Each worker takes every nworkers-th operation, so the cap splits evenly. */
        w->cap_per_ns = g->cfg.max_rate > 0 ? g->cfg.max_rate / g->nworkers / 1e9 : 0;
        w->cap_tokens = 1;
        rng_seed(&w->rng, g->seed, (uint64_t)i);
        if (g->pat)
            sched_init(&w->sched, g->pat, g->cfg.warmup, g->warm_rate, i, g->nworkers,
                       g->cfg.arrivals == SURGE_ARRIVALS_POISSON, g->seed);
        w->stats.ops = cache_calloc((size_t)g->wl->nops, sizeof *w->stats.ops);
        w->slots = cache_calloc((size_t)w->nslots, sizeof *w->slots);
        if (!w->stats.ops || !w->slots)
            return -1;
        for (int o = 0; o < g->wl->nops; o++) {
            hist_init(&w->stats.ops[o].lat);
            hist_init(&w->stats.ops[o].svc);
        }
        hist_init(&w->stats.lag);
        pthread_mutex_init(&w->stats.err_lock, NULL);
        errtab_init(&w->stats.errors);
        for (int s = 0; s < w->nslots; s++) {
            slot *sl = &w->slots[s];
            sl->fd = -1;
            sl->state = SLOT_IDLE;
            sl->env = (wl_env){ .rng = &w->rng, .worker = i, .run_id = g->run_id, .shared = g->wl_shared };
            sl->env.seq = (uint64_t)s << 40;   /* unique per connection of the worker */
            if (g->wl->state_size && !(sl->state_buf = calloc(1, g->wl->state_size)))
                return -1;
        }
    }
    return 0;
}

int surge_gen_start(surge_gen *g, char *err, size_t errlen)
{
    if (g->started)
        return snprintf(err, errlen, "already started"), SURGE_ERUNTIME;
    g->started = true;
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    g->run_id = ((uint64_t)wall.tv_sec << 20) ^ (uint64_t)wall.tv_nsec ^ (uint64_t)getpid();
    int rc = setup_target(g, err, errlen);
    if (rc != 0)
        goto failed;
    if (make_workers(g) != 0) {
        snprintf(err, errlen, "cannot start workers: %s", strerror(errno ? errno : ENOMEM));
        rc = SURGE_ERUNTIME;
        goto failed;
    }
    g->report = report_new(g);
    if (!g->report) {
        snprintf(err, errlen, "out of memory");
        rc = SURGE_ERUNTIME;
        goto failed;
    }
    clock_gettime(CLOCK_REALTIME, &wall);
    g->t0_ns = now_ns();
    g->wall_at_t0 = (double)wall.tv_sec + wall.tv_nsec / 1e9;
    g->measure_ns = g->t0_ns + (uint64_t)(g->cfg.warmup * 1e9);
    g->deadline_ns = isfinite(g->planned_s) ? g->measure_ns + (uint64_t)(g->planned_s * 1e9) : UINT64_MAX;
    g->workers_left = g->nworkers;
    for (int i = 0; i < g->nworkers; i++)
        if (pthread_create(&g->workers[i].thread, NULL, worker_main, &g->workers[i]) != 0) {
            /* Stop those already running; their thread handles are joined in free. */
            atomic_store(&g->stop, 1);
            g->nworkers_started = i;
            snprintf(err, errlen, "cannot start worker thread %d", i);
            rc = SURGE_ERUNTIME;
            goto failed;
        }
    g->nworkers_started = g->nworkers;
    if (pthread_create(&g->reporter, NULL, report_main, g) != 0) {
        atomic_store(&g->stop, 1);
        snprintf(err, errlen, "cannot start the reporter thread");
        rc = SURGE_ERUNTIME;
        goto failed;
    }
    g->reporter_started = true;
    return 0;
failed:
    pthread_mutex_lock(&g->lock);
    g->done = true;
    pthread_mutex_unlock(&g->lock);
    return rc;
}

void gen_request_stop(surge_gen *g, enum stop_reason why)
{
    int none = STOP_NONE;
    uint64_t zero = 0;
    atomic_compare_exchange_strong(&g->stop_ns, &zero, run_now(g));   /* clock_gettime is async-signal-safe */
    atomic_compare_exchange_strong(&g->stop_reason, &none, (int)why);
    atomic_store(&g->stop, 1);
}

void surge_gen_stop(surge_gen *g)
{
    if (g)
        gen_request_stop(g, STOP_SIGNAL);
}

void surge_gen_pause(surge_gen *g)
{
    if (g)
        atomic_store(&g->pause_req, 1);
}

void surge_gen_resume(surge_gen *g)
{
    if (g)
        atomic_store(&g->pause_req, 0);
}

void surge_gen_toggle_pause(surge_gen *g)
{
    if (g)
        atomic_fetch_xor(&g->pause_req, 1);   /* lock-free on every target we build for: signal-safe */
}

void surge_gen_wait(surge_gen *g)
{
    pthread_mutex_lock(&g->lock);
    while (!g->done)
        pthread_cond_wait(&g->done_cond, &g->lock);
    pthread_mutex_unlock(&g->lock);
    if (!g->joined) {
        for (int i = 0; i < g->nworkers_started; i++)
            pthread_join(g->workers[i].thread, NULL);
        if (g->reporter_started)
            pthread_join(g->reporter, NULL);
        g->joined = true;
    }
}

const surge_result *surge_gen_result(const surge_gen *g)
{
    return g->report ? report_result(g->report) : NULL;
}

void surge_gen_free(surge_gen *g)
{
    if (!g)
        return;
    if (g->started) {
        surge_gen_stop(g);
        surge_gen_wait(g);
    }
    for (int i = 0; g->workers && i < g->nworkers; i++) {
        worker *w = &g->workers[i];
        for (int s = 0; w->slots && s < w->nslots; s++) {
            if (w->slots[s].state_buf && g->wl->state_free)
                g->wl->state_free(w->slots[s].state_buf);
            free(w->slots[s].state_buf);
        }
        free(w->slots);
        free(w->stats.ops);
        if (w->epfd > 0)
            close(w->epfd);
        pthread_mutex_destroy(&w->stats.err_lock);
    }
    free(g->workers);
    report_free(g->report);
    if (g->wl && g->wl->shared_free)
        g->wl->shared_free(g->wl_shared);
    free(g->phase_pickers);
    pat_free(g->pat);
    free(g->target);
    free(g->workload_name);
    free(g->pattern_text);
    free(g->mix_text);
    free(g->tables_text);
    free(g->stop_file_text);
    thr_free(g->thr);
    pthread_cond_destroy(&g->wake);
    pthread_cond_destroy(&g->done_cond);
    pthread_mutex_destroy(&g->lock);
    free(g);
}
