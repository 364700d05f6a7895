/* gen.c - the generator's life: check the configuration, set the target up,
 * start the workers and the reporter, stop, wait, free. */
#include <errno.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/strbuf.h"
#include "run/engine.h"
#include "run/threshold.h"
#include "watch/watch.h"

#define DEFAULT_DURATION_S 10.0
#define MAX_THREADS 1024
#define MAX_CONNECTIONS 100000

void surge_config_init(surge_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->target = "sqlite:surge.db";
    cfg->workload = NULL;   /* ecommerce, or queue for a queue target */
    cfg->interval = 1.0;
    cfg->history = 1000;
    cfg->scale = 1;
    cfg->late_after = 0.001;
    cfg->max_tries = 1;
    cfg->drain = 10;
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
            for (int o = 0; o < g->nops; o++)
                if (strcmp(g->ops[o].name, ph->mix[m].name) == 0)
                    found = o;
            if (found < 0)
                return snprintf(err, errlen, "pattern phase %d (%s): unknown operation '%s' in mix (workload %s)",
                                i + 1, ph->label, ph->mix[m].name, g->wl->name), -1;
            w[found] = ph->mix[m].weight;
        }
        if (wl_picker_init(&g->phase_pickers[i], g->nops, w) != 0)
            return snprintf(err, errlen, "pattern phase %d (%s): every weight in its mix is 0", i + 1, ph->label), -1;
    }
    return 0;
}

/* The operations: the workload's own, or for a queue workload one per
 * channel of the target (queue), named after it. */
static int build_ops(surge_gen *g, char *err, size_t errlen)
{
    const wl_def *wl = g->wl;
    if (!wl->per_channel) {
        g->nops = wl->nops;
        memcpy(g->ops, wl->ops, (size_t)wl->nops * sizeof *wl->ops);
        return 0;
    }
    int n = g->drv->channels ? g->drv->channels(g->target, g->op_names, WL_MAX_OPS, err, errlen) : 0;
    if (n < 0)
        return -1;
    if (n == 0) {   /* one unnamed stream: the operation keeps the workload's name for it */
        g->nops = 1;
        g->ops[0] = wl->ops[0];
        return 0;
    }
    g->nops = n;
    for (int i = 0; i < n; i++) {
        g->ops[i] = wl->ops[0];
        g->ops[i].name = g->op_names[i];
    }
    return 0;
}

/* The queue options are for queue targets; given to any other, they are a mistake. */
static int check_queue_options(const surge_gen *g, char *err, size_t errlen)
{
    bool queue = strcmp(g->drv->dialect, "queue") == 0;
    if (g->cfg.consumers < 0 || g->cfg.consumers > 1000)
        return snprintf(err, errlen, "consumers: expected 0..1000, got %d", g->cfg.consumers), -1;
    if (!(g->cfg.drain >= 0) || g->cfg.drain > 3600)
        return snprintf(err, errlen, "drain: expected 0..1h"), -1;
    if (g->cfg.consumers && strcmp(g->drv->name, "redis") != 0)
        return snprintf(err, errlen, "--consumers works with redis:// targets, not %s", g->drv->name), -1;
    if (g->ack_text && strncmp(g->target, "exec:", 5) != 0)
        return snprintf(err, errlen, "--ack reads a consumer's output: it works with exec: targets, not %s", g->drv->name), -1;
    if (g->ack_text) {
        regex_t re;
        int e = regcomp(&re, g->ack_text, REG_EXTENDED);
        if (e != 0) {
            char why[128];
            regerror(e, &re, why, sizeof why);
            return snprintf(err, errlen, "--ack: bad regular expression '%s': %s", g->ack_text, why), -1;
        }
        size_t groups = re.re_nsub;
        regfree(&re);
        if (groups < 1)
            return snprintf(err, errlen, "--ack: '%s' has no capture group: put the message id in (...)", g->ack_text), -1;
    }
    if (g->message_text && !queue)
        return snprintf(err, errlen, "--message is for queue targets (redis:, stdout:, file:, exec:), not %s", g->drv->name), -1;
    return 0;
}

/* --op-pattern NAME=EXPR: a stream per operation, each with its own
 * pattern. The run's pattern text becomes "NAME=EXPR; NAME=EXPR" for the
 * result; the first stream's pattern stands for the run's phases. */
static int parse_op_patterns(surge_gen *g, const char *const *specs, char *err, size_t errlen)
{
    if (g->pattern_text)
        return snprintf(err, errlen, "--pattern and --op-pattern: give one or the other (--op-pattern "
                        "gives each operation its own pattern)"), -1;
    strbuf all = { 0 };
    for (int i = 0; specs[i]; i++) {
        const char *eq = strchr(specs[i], '=');
        int op = -1;
        for (int o = 0; eq && o < g->nops; o++)
            if (strlen(g->ops[o].name) == (size_t)(eq - specs[i]) && !strncmp(g->ops[o].name, specs[i], (size_t)(eq - specs[i])))
                op = o;
        if (op < 0) {
            char names[512] = "";
            for (int o = 0; o < g->nops; o++)
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", o ? ", " : "", g->ops[o].name);
            snprintf(err, errlen, "--op-pattern: expected OPERATION=PATTERN with an operation of %s (%s), got '%s'",
                     g->wl->name, names, specs[i]);
            goto bad;
        }
        for (int k = 0; k < g->nstreams; k++)
            if (g->streams[k].op == op) {
                snprintf(err, errlen, "--op-pattern: '%s' has two patterns", g->ops[op].name);
                goto bad;
            }
        if (g->nstreams == WL_MAX_OPS) {
            snprintf(err, errlen, "--op-pattern: at most %d", WL_MAX_OPS);
            goto bad;
        }
        pat_error pe;
        pat_t *p = pat_parse_scaled(eq + 1, g->cfg.time_scale > 0 ? g->cfg.time_scale : 1, &pe);
        if (!p) {
            char why[512];
            pattern_error(&pe, eq + 1, why, sizeof why);
            snprintf(err, errlen, "--op-pattern %s: %s", g->ops[op].name, why);
            goto bad;
        }
        for (int ph = 0; ph < pat_nphases(p); ph++)
            if (pat_phase_get(p, ph)->nmix > 0) {
                pat_free(p);
                snprintf(err, errlen, "--op-pattern %s: a mix={...} has no meaning here: the pattern sends only %s",
                         g->ops[op].name, g->ops[op].name);
                goto bad;
            }
        g->streams[g->nstreams].pat = p;
        g->streams[g->nstreams++].op = op;
        sb_addf(&all, "%s%s", i ? "; " : "", specs[i]);
    }
    g->pat = g->streams[0].pat;
    free(g->pattern_text);
    g->pattern_text = sb_take(&all);
    g->cfg.pattern = g->pattern_text;
    return 0;
bad:
    sb_free(&all);
    return -1;
}

/* --cpu-target: check it, default its settings, and in a closed loop make
 * room for the most connections it may use (slots past the active count
 * stay parked, unconnected, until the controller wants them). */
static int setup_cpu_target(surge_gen *g, char *err, size_t errlen)
{
    surge_config *c = &g->cfg;
    if (!(c->cpu_target > 0)) {
        if (c->cpu_band || c->stable_for || c->max_connections)
            return snprintf(err, errlen, "--cpu-band, --stable-for and --max-connections go with --cpu-target"), -1;
        return 0;
    }
    if (c->cpu_target > 100)
        return snprintf(err, errlen, "--cpu-target: expected a percentage of the machine, 1..100, got %g", c->cpu_target), -1;
    if (!c->cpu_band)
        c->cpu_band = 5;
    if (!(c->cpu_band > 0) || c->cpu_band >= 50)
        return snprintf(err, errlen, "--cpu-band: expected 0..50 percentage points, got %g", c->cpu_band), -1;
    if (!c->stable_for)
        c->stable_for = 60;
    if (!(c->stable_for > 0))
        return snprintf(err, errlen, "--stable-for: expected a duration above 0"), -1;
    if (!c->watch) {   /* the machine this runs on, by default */
        free(g->watch_text);
        g->watch_text = strdup("host");
        c->watch = g->watch_text;
    }
    if (g->nstreams > 1)
        return snprintf(err, errlen, "--cpu-target sets one rate: use --pattern, not --op-pattern"), -1;
    /* No --duration: run until the CPU has been stable for --stable-for (at most 10 minutes). */
    g->stop_when_stable = c->duration == 0 && !c->transactions;
    if (g->stop_when_stable && !(g->pat && isfinite(pat_duration(g->pat))))
        c->duration = 600;
    if (g->pat) {
        atomic_store(&g->ctl_rate, pat_rate(g->pat, 0) > 0 ? pat_rate(g->pat, 0) : 1);
        return 0;
    }
    int start = c->connections ? c->connections : 50;
    int most = c->max_connections ? c->max_connections : (start * 10 < 1000 ? start * 10 : 1000);
    if (most < start)
        return snprintf(err, errlen, "--max-connections (%d) is below --connections (%d)", most, start), -1;
    if (g->drv->max_conns_per_thread == 1 || g->drv->max_conns == 1)
        return snprintf(err, errlen, "--cpu-target changes the connections in use; %s runs one per thread: use a pattern "
                        "(open loop: the rate is changed instead)", g->drv->name), -1;
    g->ctl_start = start;
    atomic_store(&g->ctl_conns, start * 1000);
    c->connections = most;   /* slots */
    return 0;
}

surge_gen *surge_gen_new(const surge_config *cfg, char *err, size_t errlen)
{
    surge_gen *g = calloc(1, sizeof *g);
    if (!g)
        return snprintf(err, errlen, "out of memory"), NULL;
    g->cfg = *cfg;
    g->target = dup_or_null(cfg->target ? cfg->target : "sqlite:surge.db");
    g->pattern_text = dup_or_null(cfg->pattern);
    g->mix_text = dup_or_null(cfg->mix);
    g->tables_text = dup_or_null(cfg->tables);
    g->cfg.tables = g->tables_text;
    g->stop_file_text = dup_or_null(cfg->stop_file);
    g->cfg.stop_file = g->stop_file_text;
    g->message_text = dup_or_null(cfg->message);
    g->cfg.message = g->message_text;
    g->ack_text = dup_or_null(cfg->ack);
    g->cfg.ack = g->ack_text;
    g->watch_text = dup_or_null(cfg->watch);
    g->cfg.watch = g->watch_text;
    g->cfg.target = g->target;
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
    g->workload_name = strdup(cfg->workload ? cfg->workload
                              : strcmp(g->drv->dialect, "queue") == 0 ? "queue" : "ecommerce");
    g->cfg.workload = g->workload_name;
    g->wl = wl_find(g->workload_name);
    if (!g->wl) {
        char names[256] = "";
        for (const char *const *n = surge_workload_names(); *n; n++)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", names[0] ? ", " : "", *n);
        fail(err, errlen, "unknown workload '%s' (expected one of: %s)", g->workload_name, names);
        goto bad;
    }
    if (check_queue_options(g, err, errlen) != 0)
        goto bad;
    int nstmts;
    if (!g->wl->statements(g->wl, g->drv->dialect, NULL, &nstmts)) {
        fail(err, errlen, "workload %s has no SQL for %s targets", g->wl->name, g->drv->name);
        goto bad;
    }
    if (build_ops(g, err, errlen) != 0)
        goto bad;
    for (int i = 0; i < g->nops; i++)
        g->weights[i] = g->ops[i].weight;
    if (g->mix_text && wl_parse_mix(g->wl->name, g->nops, g->ops, g->mix_text, g->weights, err, errlen) != 0)
        goto bad;
    if (wl_picker_init(&g->picker, g->nops, g->weights) != 0) {
        fail(err, errlen, "workload %s: every weight is 0%s", g->wl->name, "");
        goto bad;
    }
    if (cfg->op_patterns && cfg->op_patterns[0]) {
        if (parse_op_patterns(g, cfg->op_patterns, err, errlen) != 0)
            goto bad;
    } else if (g->pattern_text) {
        pat_error pe;
        g->pat = pat_parse_scaled(g->pattern_text, g->cfg.time_scale > 0 ? g->cfg.time_scale : 1, &pe);
        if (!g->pat) {
            pattern_error(&pe, g->pattern_text, err, errlen);
            goto bad;
        }
        g->nstreams = 1;
        g->streams[0].pat = g->pat;
        g->streams[0].op = -1;
        if (build_phase_pickers(g, err, errlen) != 0)
            goto bad;
    }
    for (int k = 0; k < g->nstreams; k++)   /* the warm-up runs at the rate each starts with */
        g->streams[k].warm_rate = pat_rate(g->streams[k].pat, 0);
    if (cfg->thresholds && cfg->thresholds[0]) {
        const char *names[WL_MAX_OPS];
        for (int i = 0; i < g->nops; i++)
            names[i] = g->ops[i].name;
        if (!(g->thr = thr_parse(cfg->thresholds, names, g->nops, g->pat != NULL, err, errlen)))
            goto bad;
    }
    g->cfg.thresholds = NULL;   /* the caller's strings: thr keeps its own copies */
    g->cfg.op_patterns = NULL;  /* parsed into streams */

    /* Threads and connections. A driver whose calls block its thread gets as
     * many threads as connections; otherwise connections spread over threads. */
    if (setup_cpu_target(g, err, errlen) != 0)
        goto bad;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int threads = g->cfg.threads ? g->cfg.threads : (int)(cores > 0 ? cores : 1);
    int conns = g->cfg.connections;
    if (g->drv->max_conns && conns > g->drv->max_conns)
        conns = g->drv->max_conns;   /* e.g. one stream of JSON lines: more would interleave it */
    if (g->drv->max_conns && threads > g->drv->max_conns)
        threads = g->drv->max_conns;
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

    double pat_len = g->pat ? 0 : INFINITY;   /* the longest stream's */
    for (int k = 0; k < g->nstreams; k++)
        if (!(pat_duration(g->streams[k].pat) <= pat_len))
            pat_len = pat_duration(g->streams[k].pat);
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
    g->warm_rate = g->pat ? run_rate(g, 0) : 0;
    return g;
bad:
    surge_gen_free(g);
    return NULL;
}

static int setup_target(surge_gen *g, char *err, size_t errlen)
{
    /* The watched system first: a wrong pid is bad input, found before any seeding. */
    if (g->cfg.watch) {
        if (!(g->watch = watch_open(g->cfg.watch, err, errlen)))
            return SURGE_EINPUT;
        watch_reading first;
        char ignored[64];
        watch_read(g->watch, &first, ignored, sizeof ignored);   /* the CPU meter starts here */
    }
    wl_setup o = { .scale = g->cfg.scale, .fresh = g->cfg.fresh, .seed = g->seed, .tables = g->cfg.tables,
                   .message = g->cfg.message };
    /* A queue has no schema to set up: the workload only builds its
     * messages, and the target is reached when the run opens. */
    bool queue = strcmp(g->drv->dialect, "queue") == 0;
    drv_conn *c = queue ? NULL : g->drv->connect(g->target, err, errlen);
    if (!c && !queue)
        return g->drv->local ? SURGE_EINPUT : SURGE_ERUNTIME;
    int rc = g->wl->setup(g->wl, g->drv, c, &o, &g->wl_shared, err, errlen);
    if (c)
        g->drv->close(c);
    if (rc != 0)
        return rc == -2 ? SURGE_EINPUT : SURGE_ERUNTIME;
    if (g->drv->run_open) {
        drv_run_config rc2 = { .consumers = g->cfg.consumers, .ack = g->cfg.ack,
                               .drain_s = g->cfg.drain, .seed = g->seed };
        if (!(g->run = g->drv->run_open(g->target, &rc2, err, errlen)))
            return g->drv->local ? SURGE_EINPUT : SURGE_ERUNTIME;   /* a command or file of the user's */
    }
    return 0;
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
    int conn = 0;
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
        if (g->pat) {
            w->scheds = calloc((size_t)g->nstreams, sizeof *w->scheds);
            w->nexts = calloc((size_t)g->nstreams, sizeof *w->nexts);
            if (!w->scheds || !w->nexts)
                return -1;
            for (int k = 0; k < g->nstreams; k++)   /* each stream its own arrivals: k in the seed */
                sched_init(&w->scheds[k], g->streams[k].pat, g->cfg.warmup, g->streams[k].warm_rate, i,
                           g->nworkers, g->cfg.arrivals == SURGE_ARRIVALS_POISSON, g->seed + (uint64_t)k * 0x9e3779b97f4a7c15ull);
        }
        w->stats.ops = cache_calloc((size_t)g->nops, sizeof *w->stats.ops);
        w->slots = cache_calloc((size_t)w->nslots, sizeof *w->slots);
        if (!w->stats.ops || !w->slots)
            return -1;
        for (int o = 0; o < g->nops; o++) {
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
            sl->env.conn = conn++;
            sl->env.nconns = g->cfg.connections;
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
        free(w->scheds);
        free(w->nexts);
        free(w->stats.ops);
        if (w->epfd > 0)
            close(w->epfd);
        pthread_mutex_destroy(&w->stats.err_lock);
    }
    free(g->workers);
    if (g->run)
        g->drv->run_close(g->run);
    watch_close(g->watch);
    report_free(g->report);
    if (g->wl && g->wl->shared_free)
        g->wl->shared_free(g->wl_shared);
    free(g->phase_pickers);
    for (int k = 0; k < g->nstreams; k++)
        pat_free(g->streams[k].pat);
    free(g->target);
    free(g->workload_name);
    free(g->pattern_text);
    free(g->mix_text);
    free(g->tables_text);
    free(g->stop_file_text);
    free(g->message_text);
    free(g->ack_text);
    free(g->watch_text);
    thr_free(g->thr);
    pthread_cond_destroy(&g->wake);
    pthread_cond_destroy(&g->done_cond);
    pthread_mutex_destroy(&g->lock);
    free(g);
}
