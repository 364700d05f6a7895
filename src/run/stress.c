/* stress.c - progressive stress: levels of load, each a whole run, judged.
 *
 * Each level is a generator of its own, made through the public API from a
 * copy of the template config (so a level is exactly what `surge run`
 * would do with the same options), run to its end and judged on its final
 * result. Levels never overlap: one runs, it ends, a cooldown lets the
 * target settle, the next starts. The generators are kept until
 * surge_stress_free: their results stay readable for the outputs, and
 * surge_stress_stop (from a signal handler) can reach the running one
 * without racing a free.
 *
 * Each level is judged as it ends (stress_judge.c). The watched system's
 * baseline and its return to it after the last level are read here, with
 * the same watcher the generator uses for its gauges.
 */
#include "surge.h"

#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "out/jsonw.h"
#include "run/events.h"
#include "run/stress_int.h"
#include "watch/watch.h"

#define NS_PER_S 1000000000ull
/* After the last level, CPU within this many points of the baseline is "back". */
#define RECOVERY_BAND 10.0

static const double default_cpu[] = { 80 };
static const double default_mem[] = { 85 };

struct surge_stress {
    surge_stress_config cfg;     /* lists point into the arrays below */
    double planned[SURGE_STRESS_MAX_LEVELS];
    double lat[SURGE_STRESS_MAX_LEVELS], cpu[SURGE_STRESS_MAX_LEVELS], mem[SURGE_STRESS_MAX_LEVELS];
    surge_gen *gens[SURGE_STRESS_MAX_LEVELS];
    _Atomic(surge_gen *) current;
    atomic_int stop;
    bool ran;
    int running;                 /* the level whose events are forwarded */
    uint64_t t0_ns;
    surge_stress_level levels[SURGE_STRESS_MAX_LEVELS];
    stress_findings store[SURGE_STRESS_MAX_LEVELS];
    surge_stress_result res;
    watch *watch;
};

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

void surge_stress_config_init(surge_stress_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    surge_config_init(&cfg->run);
    cfg->kind = SURGE_STRESS_RATE;
    cfg->level_duration = 30;
    cfg->cooldown = 5;
    cfg->min_throughput = 0.96;
    cfg->max_errors = 0.001;
    cfg->cpu_pct = default_cpu;
    cfg->ncpu = 1;
    cfg->mem_pct = default_mem;
    cfg->nmem = 1;
    cfg->check_lost = true;
}

/* ---- checking the configuration ---------------------------------------- */

static int bad(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int plan_levels(surge_stress *s, char *err, size_t errlen)
{
    const surge_stress_config *c = &s->cfg;
    bool conns = c->kind == SURGE_STRESS_CONNECTIONS;
    double most = conns ? 100000 : 1e9;
    if (c->levels) {
        if (c->nlevels < 1 || c->nlevels > SURGE_STRESS_MAX_LEVELS)
            return bad(err, errlen, "levels: expected 1..%d levels, got %d", SURGE_STRESS_MAX_LEVELS, c->nlevels);
        for (int i = 0; i < c->nlevels; i++)
            s->planned[i] = c->levels[i];
        s->res.nplanned = c->nlevels;
    } else {
        if (!(c->start > 0) || !(c->factor > 1) || !(c->max >= c->start) || !isfinite(c->max))
            return bad(err, errlen, "levels: expected a list, or start > 0, factor > 1 and max >= start");
        int n = 0;
        for (double v = c->start; v <= c->max * (1 + 1e-9); v *= c->factor) {
            if (n == SURGE_STRESS_MAX_LEVELS)
                return bad(err, errlen, "levels: start %g, factor %g up to %g makes more than %d levels",
                           c->start, c->factor, c->max, SURGE_STRESS_MAX_LEVELS);
            /* Levels as people write them: whole rates from 10 on (100,
             * 200, 400 rather than 100.0000001), whole connections always,
             * a level rounded onto the one before left out. */
            double level = conns || v >= 10 ? round(v) : round(v * 1000) / 1000;
            if (n == 0 || level > s->planned[n - 1])
                s->planned[n++] = level;
        }
        s->res.nplanned = n;
    }
    for (int i = 0; i < s->res.nplanned; i++) {
        double v = s->planned[i];
        if (!(v > 0) || v > most || (conns && v != floor(v)))
            return bad(err, errlen, "levels: level %d is %g: expected %s", i + 1, v,
                       conns ? "a whole number of connections 1..100000" : "a rate above 0 (ops/s)");
        if (i > 0 && !(v > s->planned[i - 1]))
            return bad(err, errlen, "levels: expected increasing levels, got %g after %g", v, s->planned[i - 1]);
    }
    s->res.planned = s->planned;
    return 0;
}

/* A bound list, one value per level (the last repeating) in out. */
static int expand(const char *name, const double *in, int n, double lo, double hi, double *out, int nlevels,
                  char *err, size_t errlen)
{
    if (n > nlevels)
        return bad(err, errlen, "%s: %d bounds for %d levels", name, n, nlevels);
    for (int i = 0; i < n; i++)
        if (!(in[i] > lo) || in[i] > hi)
            return bad(err, errlen, "%s: bound %d is %g: expected more than %g, at most %g", name, i + 1, in[i], lo, hi);
    for (int i = 0; i < nlevels; i++)
        out[i] = n ? in[i < n ? i : n - 1] : NAN;
    return 0;
}

static bool known_percentile(double p)
{
    return p == 50 || p == 90 || p == 95 || p == 99 || p == 99.9 || p == 100;
}

/* The numbers and lists of c, checked; the lists expanded into s. */
static int check_config(surge_stress *s, char *err, size_t errlen)
{
    surge_stress_config *c = &s->cfg;
    if (plan_levels(s, err, errlen) != 0)
        return -1;
    int n = s->res.nplanned;
    c->levels = s->planned;
    c->nlevels = n;
    if (!(c->level_duration >= 0.1) || c->level_duration > 86400)
        return bad(err, errlen, "level-duration: expected 100ms..24h, got %gs", c->level_duration);
    if (!(c->cooldown >= 0) || c->cooldown > 86400)
        return bad(err, errlen, "cooldown: expected 0..24h, got %gs", c->cooldown);
    if (!(c->min_throughput >= 0) || c->min_throughput > 1)
        return bad(err, errlen, "pass-throughput: expected 0..100%%, got %g%%", c->min_throughput * 100);
    if (!(c->max_errors <= 1))
        return bad(err, errlen, "pass-errors: expected 0..100%%, got %g%%", c->max_errors * 100);
    if (c->latency_pct != 0 && !known_percentile(c->latency_pct))
        return bad(err, errlen, "pass-latency: percentile %g is not kept (p50, p90, p95, p99, p99.9 or max)",
                   c->latency_pct);
    if (c->latency_pct != 0 && c->nlatency < 1)
        return bad(err, errlen, "pass-latency: a percentile without a bound");
    if (expand("pass-latency", c->latency_ms, c->latency_pct ? c->nlatency : 0, 0, 3.6e6, s->lat, n, err, errlen) ||
        expand("pass-cpu", c->cpu_pct, c->ncpu, 0, 100, s->cpu, n, err, errlen) ||
        expand("pass-mem", c->mem_pct, c->nmem, 0, 100, s->mem, n, err, errlen))
        return -1;
    c->latency_ms = s->lat;
    c->nlatency = c->latency_pct ? n : 0;
    c->cpu_pct = s->cpu;
    c->ncpu = c->ncpu ? n : 0;
    c->mem_pct = s->mem;
    c->nmem = c->nmem ? n : 0;
    if (c->run.op_patterns && c->run.op_patterns[0])
        return bad(err, errlen, "op-pattern: not with stress: each level sets the rate");
    if (c->run.cpu_target > 0)
        return bad(err, errlen, "cpu-target: not with stress: a controller would change the level's load");
    return 0;
}

/* Level i's config: a copy of the template with the level's load. pattern
 * is the caller's buffer for the level's pattern. */
static surge_config level_config(const surge_stress *s, int i, char *pattern, size_t len)
{
    const surge_stress_config *c = &s->cfg;
    surge_config lc = c->run;
    if (c->kind == SURGE_STRESS_RATE) {
        snprintf(pattern, len, "constant(%.10g, %.10gs)", s->planned[i], c->level_duration);
        lc.pattern = pattern;
    } else {
        lc.pattern = NULL;
        lc.connections = (int)s->planned[i];
    }
    lc.op_patterns = NULL;
    lc.duration = c->level_duration;
    lc.transactions = 0;
    lc.time_scale = 0;
    lc.fresh = c->run.fresh && i == 0;   /* a later level builds on the data the first made */
    if (lc.has_seed)
        lc.seed = c->run.seed + (uint64_t)i;   /* repeatable, but not the same choices at every level */
    return lc;
}

surge_stress *surge_stress_new(const surge_stress_config *cfg, char *err, size_t errlen)
{
    surge_stress *s = calloc(1, sizeof *s);
    if (!s)
        return bad(err, errlen, "out of memory"), NULL;
    s->cfg = *cfg;
    if (check_config(s, err, errlen) != 0)
        goto fail;

    /* The first level as a generator: a target, workload or number that is
     * wrong fails here, before anything runs. */
    char pattern[96];
    surge_config first = level_config(s, 0, pattern, sizeof pattern);
    surge_gen *g = surge_gen_new(&first, err, errlen);
    if (!g)
        goto fail;
    surge_gen_free(g);
    if (s->cfg.run.watch) {
        watch *w = watch_open(s->cfg.run.watch, err, errlen);
        if (!w)
            goto fail;
        watch_close(w);
    }
    s->res.config = &s->cfg;
    s->res.levels = s->levels;
    s->res.capacity_index = -1;
    s->res.capacity = NAN;
    s->res.baseline_cpu = s->res.baseline_mem = NAN;
    s->res.recovered = -1;
    s->res.recovery_s = s->res.recovery_cpu = NAN;
    s->res.stop_reason = "all levels ran";
    return s;
fail:
    free(s);
    return NULL;
}

/* ---- events -------------------------------------------------------------- */

typedef struct event_more {
    int level;                   /* index, -1 none */
    double value;                /* the level's value; NAN none */
    const surge_stress_finding *finding;
    const char *verdict;
    bool rate;                   /* set by emit: value is a rate, else connections */
} event_more;

/* What a stress event has beyond the members of every event (event_vtell). */
static void more_members(jsonw *w, const void *arg)
{
    const event_more *m = arg;
    if (m->level >= 0) {
        jsonw_key(w, "level");
        jsonw_int(w, m->level);
    }
    if (isfinite(m->value)) {
        jsonw_key(w, m->rate ? "target_rate" : "connections");
        jsonw_double(w, m->value);
    }
    if (m->verdict) {
        jsonw_key(w, "verdict");
        jsonw_string(w, m->verdict);
    }
    if (m->finding) {
        jsonw_key(w, "what");
        jsonw_string(w, m->finding->what);
        jsonw_key(w, "value");
        jsonw_double(w, m->finding->value);
        jsonw_key(w, "bound");
        jsonw_double(w, m->finding->bound);
    }
}

static void emit(surge_stress *s, const char *type, const event_more *m, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void emit(surge_stress *s, const char *type, const event_more *m, const char *fmt, ...)
{
    double t = (double)(mono_ns() - s->t0_ns) / 1e9;
    event_more more = m ? *m : (event_more){ .level = -1, .value = NAN };
    more.rate = s->cfg.kind == SURGE_STRESS_RATE;
    va_list ap;
    va_start(ap, fmt);
    event_vtell(s->cfg.on_event, s->cfg.user, t, type, more_members, &more, NULL, fmt, ap);
    va_end(ap);
}

/* A level's own events, with the level they belong to. */
static void level_event(const surge_event *e, void *user)
{
    surge_stress *s = user;
    if (!s->cfg.on_event)
        return;
    char *json = NULL;
    if (e->json && e->json[0] == '{' && asprintf(&json, "{\"level\":%d,%s", s->running, e->json + 1) < 0)
        json = NULL;
    surge_event copy = *e;
    if (json)
        copy.json = json;
    s->cfg.on_event(&copy, s->cfg.user);
    free(json);
}

static void level_sample(const surge_result *live, void *user)
{
    surge_stress *s = user;
    s->cfg.run.on_sample(live, s->cfg.run.user);
}

/* ---- running -------------------------------------------------------------- */

/* Sleep until deadline_ns, or until stopped: false when stopped. */
static bool pause_until(surge_stress *s, uint64_t deadline_ns)
{
    for (;;) {
        if (atomic_load(&s->stop))
            return false;
        uint64_t now = mono_ns();
        if (now >= deadline_ns)
            return true;
        uint64_t step = deadline_ns - now < 50000000 ? deadline_ns - now : 50000000;
        struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)step };
        nanosleep(&ts, NULL);
    }
}

/* The watched system's CPU over the next second. */
static bool read_second(surge_stress *s, watch_reading *out)
{
    char err[256];
    watch_reading first;
    watch_read(s->watch, &first, err, sizeof err);   /* the CPU meter starts here */
    if (!pause_until(s, mono_ns() + NS_PER_S))
        return false;
    return watch_read(s->watch, out, err, sizeof err) == 0 && isfinite(out->cpu_pct);
}

static void take_baseline(surge_stress *s)
{
    char err[256];
    if (!(s->watch = watch_open(s->cfg.run.watch, err, sizeof err)))
        return;
    watch_reading r;
    if (read_second(s, &r)) {
        s->res.baseline_cpu = r.cpu_pct;
        s->res.baseline_mem = r.mem_pct;
    }
}

/* After the last level: CPU back within RECOVERY_BAND points of the
 * baseline within twice the cooldown (at least one reading). */
static void check_recovery(surge_stress *s)
{
    if (!s->watch || !isfinite(s->res.baseline_cpu))
        return;
    uint64_t t0 = mono_ns();
    double window = 2 * s->cfg.cooldown, waited = 0;
    s->res.recovered = 0;
    for (;;) {
        watch_reading r;
        bool got = read_second(s, &r);   /* a failed reading: try again while there is time */
        if (atomic_load(&s->stop))
            break;
        waited = (double)(mono_ns() - t0) / 1e9;
        if (got) {
            s->res.recovery_cpu = r.cpu_pct;
            if (r.cpu_pct <= s->res.baseline_cpu + RECOVERY_BAND) {
                s->res.recovered = 1;
                s->res.recovery_s = waited;
                break;
            }
        }
        if (waited + 1 > window)
            break;
    }
    if (!isfinite(s->res.recovery_cpu)) {
        s->res.recovered = -1;   /* stopped, or the watcher failed, before a reading */
        return;
    }
    event_more m = { .level = -1, .value = NAN };
    if (s->res.recovered == 1)
        emit(s, "recovery", &m, "CPU back to %.1f%% after %.1fs (baseline %.1f%%)", s->res.recovery_cpu,
             s->res.recovery_s, s->res.baseline_cpu);
    else
        emit(s, "recovery", &m, "CPU still at %.1f%% after %.1fs (baseline %.1f%%): not back to baseline",
             s->res.recovery_cpu, waited, s->res.baseline_cpu);
}

static const char *unit(const surge_stress *s)
{
    return s->cfg.kind == SURGE_STRESS_RATE ? "ops/s" : "connections";
}

/* Run level i: 0, or the generator's start error (rc, message in err). */
static int run_level(surge_stress *s, int i, char *err, size_t errlen)
{
    const surge_stress_config *c = &s->cfg;
    surge_stress_level *lv = &s->levels[i];
    *lv = (surge_stress_level){
        .index = i, .level = s->planned[i], .verdict = "fail",
        .target_rate = c->kind == SURGE_STRESS_RATE ? s->planned[i] : 0,
        .achieved = NAN, .error_rate = NAN, .latency_ms = NAN, .cpu_pct = NAN, .mem_pct = NAN,
        .latency_bound_ms = c->nlatency ? s->lat[i] : NAN,
        .cpu_bound = c->ncpu ? s->cpu[i] : NAN,
        .mem_bound = c->nmem ? s->mem[i] : NAN,
    };
    s->res.nlevels = i + 1;

    char pattern[96];
    surge_config lc = level_config(s, i, pattern, sizeof pattern);
    lc.on_event = level_event;
    lc.on_sample = c->run.on_sample ? level_sample : NULL;
    lc.user = s;
    s->running = i;

    event_more m = { .level = i, .value = lv->level };
    emit(s, "level_started", &m, "level %d of %d: %g %s for %gs", i + 1, s->res.nplanned, lv->level, unit(s),
         c->level_duration);
    surge_gen *g = surge_gen_new(&lc, err, errlen);
    if (!g)
        return SURGE_EINPUT;
    s->gens[i] = g;
    atomic_store(&s->current, g);
    int rc = surge_gen_start(g, err, errlen);
    if (rc != 0) {
        atomic_store(&s->current, NULL);
        return rc;
    }
    if (atomic_load(&s->stop))   /* a stop that came before current was set */
        surge_gen_stop(g);
    surge_gen_wait(g);
    atomic_store(&s->current, NULL);
    lv->result = surge_gen_result(g);
    stress_judge(c, lv, i > 0 ? &s->levels[i - 1] : NULL, &s->store[i]);
    return 0;
}

static void tell_verdict(surge_stress *s, int i)
{
    const surge_stress_level *lv = &s->levels[i];
    for (int k = 0; k < lv->nwarnings; k++) {
        event_more m = { .level = i, .value = lv->level, .finding = &lv->warnings[k] };
        emit(s, "warning", &m, "level %d (%g %s): %s", i + 1, lv->level, unit(s), lv->warnings[k].detail);
    }
    event_more m = { .level = i, .value = lv->level, .verdict = lv->verdict };
    if (!strcmp(lv->verdict, "pass")) {
        emit(s, "level_passed", &m, "level %d (%g %s) passed: %.1f ops/s", i + 1, lv->level, unit(s), lv->achieved);
    } else if (!strcmp(lv->verdict, "stopped")) {
        emit(s, "level_stopped", &m, "level %d (%g %s) stopped before its end: not judged", i + 1, lv->level, unit(s));
    } else {
        char why[600] = "";
        for (int k = 0; k < lv->nfailures; k++)
            snprintf(why + strlen(why), sizeof why - strlen(why), "%s%s", k ? "; " : "", lv->failures[k].detail);
        emit(s, "level_failed", &m, "level %d (%g %s) failed: %s", i + 1, lv->level, unit(s), why);
    }
    if (s->cfg.on_level)
        s->cfg.on_level(lv, s->cfg.user);
}

int surge_stress_run(surge_stress *s, char *err, size_t errlen)
{
    if (s->ran)
        return bad(err, errlen, "already run"), SURGE_ERUNTIME;
    s->ran = true;
    s->t0_ns = mono_ns();
    if (s->cfg.run.watch)
        take_baseline(s);
    int n = s->res.nplanned;
    for (int i = 0; i < n && !atomic_load(&s->stop); i++) {
        char lerr[1024];
        int rc = run_level(s, i, lerr, sizeof lerr);
        if (rc != 0 && i == 0) {
            snprintf(err, errlen, "%s", lerr);
            s->res.nlevels = 0;
            return rc;
        }
        surge_stress_level *lv = &s->levels[i];
        if (rc != 0) {
            /* The target went away under an earlier level: that is what
             * this level found. Nothing after it can run either. */
            stress_finding_add(&s->store[i], true, "start", NAN, NAN, "could not start: %s", lerr);
            lv->failures = s->store[i].fail;
            lv->nfailures = s->store[i].nfail;
            lv->verdict = "fail";
            tell_verdict(s, i);
            s->res.stop_reason = "level failed";
            break;
        }
        tell_verdict(s, i);
        if (!strcmp(lv->verdict, "stopped"))
            break;
        if (!strcmp(lv->verdict, "fail") && !s->cfg.keep_going) {
            s->res.stop_reason = "level failed";
            break;
        }
        if (i + 1 < n && !pause_until(s, mono_ns() + (uint64_t)(s->cfg.cooldown * 1e9)))
            break;
    }
    if (atomic_load(&s->stop))
        s->res.stop_reason = "stopped";

    for (int i = 0; i < s->res.nlevels; i++)
        if (!strcmp(s->levels[i].verdict, "pass") && (s->res.capacity_index < 0 || s->levels[i].level > s->res.capacity))
            s->res.capacity_index = i, s->res.capacity = s->levels[i].level;
    event_more m = { .level = s->res.capacity_index, .value = s->res.capacity };
    if (s->res.capacity_index >= 0)
        emit(s, "capacity", &m, "capacity: %g %s (highest level passed, %.1f ops/s achieved)", s->res.capacity,
             unit(s), s->levels[s->res.capacity_index].achieved);
    else
        emit(s, "capacity", &m, "no level passed");

    if (s->cfg.run.watch && !atomic_load(&s->stop))
        check_recovery(s);
    watch_close(s->watch);
    s->watch = NULL;
    return 0;
}

void surge_stress_stop(surge_stress *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, 1);
    surge_gen *g = atomic_load(&s->current);
    if (g)
        surge_gen_stop(g);   /* async-signal-safe; g lives until surge_stress_free */
}

const surge_stress_result *surge_stress_get(const surge_stress *s)
{
    return &s->res;
}

void surge_stress_free(surge_stress *s)
{
    if (!s)
        return;
    for (int i = 0; i < SURGE_STRESS_MAX_LEVELS; i++)
        surge_gen_free(s->gens[i]);
    watch_close(s->watch);
    free(s);
}
