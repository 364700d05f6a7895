/* stress.c - `surge stress TARGET [options]`: levels of load, a verdict per
 * level, the capacity. The run options apply to every level (one table,
 * options.c); this file adds the stress's own, parses them into a
 * surge_stress_config, and leaves the rest to the library (src/run/stress.c).
 *
 * Exit codes: 0 the stress ran and a level passed; 99 it ran and no level
 * passed; 1 a runtime failure (the first level could not start, an output
 * could not be written); 2 bad input.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "outs.h"

typedef struct stress_opts {
    const char *levels;          /* parsed once the kind is known */
    const char *start, *factor, *max;
    bool connections;
    double level_duration, cooldown;
    bool keep_going;
    double min_throughput, max_errors;
    double latency_pct;
    double latency_ms[SURGE_STRESS_MAX_LEVELS];
    int nlatency;
    double cpu[SURGE_STRESS_MAX_LEVELS], mem[SURGE_STRESS_MAX_LEVELS];
    int ncpu, nmem;
} stress_opts;

/* "96%" or a fraction "0.96", 0..1. */
static int parse_share(const char *o, const char *a, double *out)
{
    double v = cli_parse_share(a);
    if (!(v >= 0 && v <= 1))
        return cli_usage_error("--%s: expected a percentage like 96%% or a fraction like 0.96, got \"%s\"", o, a);
    *out = v;
    return 0;
}

/* "80,75%,60": percentages 0 < v <= 100, one per level; "none": not judged. */
static int parse_pcts(const char *o, const char *a, double *out, int *n)
{
    *n = 0;
    if (strcmp(a, "none") == 0)
        return 0;
    for (const char *p = a;;) {
        char *end;
        double v = strtod(p, &end);
        if (end != p && *end == '%')
            end++;
        if (end == p || (*end && *end != ',') || !(v > 0) || v > 100)
            return cli_usage_error("--%s: expected percentages above 0 and at most 100 like 80 or 40,60,75,80 "
                                   "(or none), got \"%s\"", o, a);
        if (*n == SURGE_STRESS_MAX_LEVELS)
            return cli_usage_error("--%s: at most %d values", o, SURGE_STRESS_MAX_LEVELS);
        out[(*n)++] = v;
        if (!*end)
            return 0;
        p = end + 1;
    }
}

static int set_levels(void *u, const char *o, const char *a) { (void)o; ((stress_opts *)u)->levels = a; return 0; }
static int set_start(void *u, const char *o, const char *a) { (void)o; ((stress_opts *)u)->start = a; return 0; }
static int set_factor(void *u, const char *o, const char *a) { (void)o; ((stress_opts *)u)->factor = a; return 0; }
static int set_max(void *u, const char *o, const char *a) { (void)o; ((stress_opts *)u)->max = a; return 0; }
static int set_continue(void *u, const char *o, const char *a) { (void)o, (void)a; ((stress_opts *)u)->keep_going = true; return 0; }

static int set_kind(void *u, const char *o, const char *a)
{
    stress_opts *so = u;
    if (strcmp(a, "rate") == 0)
        so->connections = false;
    else if (strcmp(a, "connections") == 0)
        so->connections = true;
    else
        return cli_usage_error("--%s: expected rate or connections, got \"%s\"", o, a);
    return 0;
}

static int set_dur(const char *o, const char *a, double lo, double *out)
{
    if (surge_parse_duration(a, out) != 0 || !(*out >= lo) || *out > 86400)
        return cli_usage_error("--%s: expected a duration like %s (at most 24h), got \"%s\"", o,
                               lo > 0 ? "30s or 2m, at least 100ms" : "5s or 0", a);
    return 0;
}

static int set_level_duration(void *u, const char *o, const char *a) { return set_dur(o, a, 0.1, &((stress_opts *)u)->level_duration); }
static int set_cooldown(void *u, const char *o, const char *a) { return set_dur(o, a, 0, &((stress_opts *)u)->cooldown); }
static int set_pass_throughput(void *u, const char *o, const char *a) { return parse_share(o, a, &((stress_opts *)u)->min_throughput); }
static int set_pass_errors(void *u, const char *o, const char *a) { return parse_share(o, a, &((stress_opts *)u)->max_errors); }
static int set_pass_cpu(void *u, const char *o, const char *a) { stress_opts *so = u; return parse_pcts(o, a, so->cpu, &so->ncpu); }
static int set_pass_mem(void *u, const char *o, const char *a) { stress_opts *so = u; return parse_pcts(o, a, so->mem, &so->nmem); }

/* "p99:300ms" or "p99:50ms,75ms,150ms,300ms" (one bound per level), "none". */
static int set_pass_latency(void *u, const char *o, const char *a)
{
    stress_opts *so = u;
    so->nlatency = 0;
    so->latency_pct = 0;
    if (strcmp(a, "none") == 0)
        return 0;
    const char *colon = strchr(a, ':');
    char pct[16];
    if (!colon || colon - a >= (long)sizeof pct)
        return cli_usage_error("--%s: expected PERCENTILE:BOUND[,BOUND...] like p99:300ms or p99:50ms,75ms,150ms, got \"%s\"", o, a);
    snprintf(pct, sizeof pct, "%.*s", (int)(colon - a), a);
    static const struct { const char *name; double pct; } known[] = {
        { "p50", 50 }, { "p90", 90 }, { "p95", 95 }, { "p99", 99 }, { "p99.9", 99.9 }, { "p999", 99.9 }, { "max", 100 },
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(pct, known[i].name) == 0)
            so->latency_pct = known[i].pct;
    if (!so->latency_pct)
        return cli_usage_error("--%s: percentile \"%s\" is not kept: expected p50, p90, p95, p99, p99.9 or max", o, pct);
    for (const char *p = colon + 1;;) {
        size_t n = strcspn(p, ",");
        char one[64];
        double s;
        snprintf(one, sizeof one, "%.*s", (int)(n < sizeof one ? n : sizeof one - 1), p);
        if (n >= sizeof one || surge_parse_duration(one, &s) != 0 || !(s > 0))
            return cli_usage_error("--%s: expected bounds like 300ms or 50ms,75ms, got \"%s\" in \"%s\"", o, one, a);
        if (so->nlatency == SURGE_STRESS_MAX_LEVELS)
            return cli_usage_error("--%s: at most %d bounds", o, SURGE_STRESS_MAX_LEVELS);
        so->latency_ms[so->nlatency++] = s * 1e3;
        if (!p[n])
            return 0;
        p += n + 1;
    }
}

/* Run options a level sets itself. */
static int refuse(void *u, const char *o, const char *a)
{
    (void)u, (void)a;
    if (!strcmp(o, "duration"))
        return cli_usage_error("--duration: not with stress: use --level-duration (the length of each level)");
    if (!strncmp(o, "cpu-", 4) || !strcmp(o, "stable-for") || !strcmp(o, "max-connections"))
        return cli_usage_error("--%s: not with stress: a CPU controller would change each level's load", o);
    return cli_usage_error("--%s: not with stress: each level sets its own load (--levels, --level-kind)", o);
}

static const cli_extra_opt stress_options[] = {
    { "levels",          "A,B,...",  "the levels in order: rates (ops/s) like 100,200,400,800, or connections with --level-kind connections", set_levels },
    { "start",           "LEVEL",    "geometric levels: the first ...", set_start },
    { "factor",          "X",        "... times X each level (default 2) ...", set_factor },
    { "max",             "LEVEL",    "... while at most LEVEL", set_max },
    { "level-kind",      "KIND",     "rate (default: open loop, constant(LEVEL, level-duration)) or connections (closed loop)", set_kind },
    { "level-duration",  "DUR",      "measured length of each level (default 30s)", set_level_duration },
    { "cooldown",        "DUR",      "pause after each level (default 5s)", set_cooldown },
    { "continue",        NULL,       "run every level, even after one failed (default: stop at the first failure)", set_continue },
    { "pass-throughput", "PCT",      "a level passes when it completes at least PCT of its rate (default 96%; 0 not judged)", set_pass_throughput },
    { "pass-errors",     "PCT",      "... fewer than PCT of its operations failed (default 0.1%)", set_pass_errors },
    { "pass-latency",    "P:B,...",  "... that latency percentile is at most B, per level, the last repeating (e.g. p99:50ms,75ms,150ms,300ms; default none)", set_pass_latency },
    { "pass-cpu",        "PCT,...",  "... the watched system's CPU stayed under PCT, per level (default 80; needs --watch; none)", set_pass_cpu },
    { "pass-mem",        "PCT,...",  "... and its memory under PCT, per level (default 85; needs --watch; none)", set_pass_mem },
    { "pattern",         "EXPR",     NULL, refuse },
    { "rate",            "EXPR",     NULL, refuse },
    { "op-pattern",      "OP=EXPR",  NULL, refuse },
    { "duration",        "DUR",      NULL, refuse },
    { "transactions",    "N",        NULL, refuse },
    { "time-scale",      "X",        NULL, refuse },
    { "dashboard",       "ADDR",     NULL, refuse },
    { "dashboard-token", "TOKEN",    NULL, refuse },
    { "cpu-target",      "PCT",      NULL, refuse },
    { "cpu-band",        "PCT",      NULL, refuse },
    { "cpu-source",      "SPEC",     NULL, refuse },
    { "stable-for",      "DUR",      NULL, refuse },
    { "max-connections", "N",        NULL, refuse },
};

static void help(FILE *out, const cli_command *cmd)
{
    fprintf(out, "usage: surge stress [TARGET] [options]\n\n"
                 "Progressive stress: levels of load one after another, each a whole run\n"
                 "judged against pass/fail criteria, then a verdict table and the capacity:\n"
                 "the highest level that passed (docs/stress.md).\n\nstress options:\n");
    cli_help_options(out, cmd, true);
    fprintf(out, "\nrun options, applied to every level:\n");
    cli_help_options(out, cmd, false);
    fprintf(out, "\nexit codes: 0 a level passed, 99 none passed, 1 runtime failure, 2 bad input\n"
                 "\nexamples:\n"
                 "  surge stress postgres://app@db/shop --levels 100,200,400,800 --level-duration 1m --watch pid:4242\n"
                 "  surge stress sqlite:shop.db --start 100 --factor 2 --max 10000 --pass-latency p99:50ms,75ms,150ms,300ms\n"
                 "  surge stress 'exec:python3 consumer.py' --ack '^ack (.+)$' --levels 100,200,400 --out html:stress.html\n"
                 "  surge stress postgres://app@db/shop --level-kind connections --levels 8,16,32,64 --workload crud\n");
}

/* One level: a rate ("100", "30/m") or a whole number of connections. */
static int parse_level(const char *o, const char *a, bool conns, double *out)
{
    if (conns) {
        char *end;
        errno = 0;
        long v = strtol(a, &end, 10);
        if (end == a || *end || errno || v < 1 || v > 100000)
            return cli_usage_error("--%s: expected connections 1..100000, got \"%s\"", o, a);
        *out = (double)v;
        return 0;
    }
    if (surge_parse_rate(a, out) != 0 || !(*out > 0) || *out > 1e9)
        return cli_usage_error("--%s: expected a rate above 0 like 100 or 30/m, got \"%s\"", o, a);
    return 0;
}

static int build_levels(stress_opts *so, surge_stress_config *sc, double *levels)
{
    if (so->levels && (so->start || so->factor || so->max))
        return cli_usage_error("--levels: give a list, or --start/--factor/--max, not both");
    if (so->levels) {
        int n = 0;
        for (const char *p = so->levels;;) {
            size_t len = strcspn(p, ",");
            char one[64];
            if (len == 0 || len >= sizeof one)
                return cli_usage_error("--levels: expected levels like 100,200,400, got \"%s\"", so->levels);
            snprintf(one, sizeof one, "%.*s", (int)len, p);
            if (n == SURGE_STRESS_MAX_LEVELS)
                return cli_usage_error("--levels: at most %d levels", SURGE_STRESS_MAX_LEVELS);
            if (parse_level("levels", one, so->connections, &levels[n]))
                return 2;
            if (n && !(levels[n] > levels[n - 1]))
                return cli_usage_error("--levels: expected increasing levels, got %s after %g", one, levels[n - 1]);
            n++;
            if (!p[len])
                break;
            p += len + 1;
        }
        sc->levels = levels;
        sc->nlevels = n;
        return 0;
    }
    if (!so->start && !so->max)
        return cli_usage_error("stress: no levels given (--levels 100,200,400,800, or --start 100 --factor 2 --max 10000)");
    if (!so->start || !so->max)
        return cli_usage_error("--%s: geometric levels need --start and --max (and --factor, default 2)", so->start ? "max" : "start");
    if (parse_level("start", so->start, so->connections, &sc->start) || parse_level("max", so->max, so->connections, &sc->max))
        return 2;
    sc->factor = 2;
    if (so->factor) {
        char *end;
        sc->factor = strtod(so->factor, &end);
        if (end == so->factor || *end || !(sc->factor > 1) || sc->factor > 1000)
            return cli_usage_error("--factor: expected a number above 1 like 2 or 1.5, got \"%s\"", so->factor);
    }
    if (!(sc->max >= sc->start))
        return cli_usage_error("--max: expected at least --start (%s), got \"%s\"", so->start, so->max);
    if (log(sc->max / sc->start) / log(sc->factor) >= SURGE_STRESS_MAX_LEVELS)
        return cli_usage_error("--max: %s from %s by %g makes more than %d levels", so->max, so->start, sc->factor,
                               SURGE_STRESS_MAX_LEVELS);
    return 0;
}

/* ---- running ---------------------------------------------------------------- */

typedef struct stress_ctx {
    surge_progress progress;
    surge_display *display;
    FILE *events[CLI_MAX_OUTS];
    int nevents;
} stress_ctx;

static surge_stress *running;   /* for the signal handler */

static void on_signal(int sig)
{
    (void)sig;
    surge_stress_stop(running);
}

static void on_sample(const surge_result *live, void *user)
{
    stress_ctx *ctx = user;
    surge_display_update(ctx->display, live);
}

/* Each level gets a display of its own; the stress's own events go to
 * stderr as lines between them. */
static void on_event(const surge_event *e, void *user)
{
    stress_ctx *ctx = user;
    cli_outs_event(ctx->events, ctx->nevents, e);
    bool start = !strcmp(e->type, "level_started");
    bool end = !strcmp(e->type, "level_passed") || !strcmp(e->type, "level_failed") || !strcmp(e->type, "level_stopped");
    if (end && ctx->display) {
        surge_display_finish(ctx->display);
        surge_display_free(ctx->display);
        ctx->display = NULL;
    }
    bool own = start || end || !strcmp(e->type, "warning") || !strcmp(e->type, "recovery");
    if (own && ctx->progress != SURGE_PROGRESS_NONE)
        fprintf(stderr, "surge: %s\n", e->detail);
    if (start)
        ctx->display = surge_display_new(stderr, ctx->progress);
}

/* --out html:FILE (cli_write_html). */
static int stress_json(const void *s, FILE *out) { return surge_stress_write_json(s, out); }

int cmd_stress(int argc, char **argv)
{
    stress_opts so = { .level_duration = 30, .cooldown = 5, .min_throughput = 0.96, .max_errors = 0.001,
                       .cpu = { 80 }, .ncpu = 1, .mem = { 85 }, .nmem = 1 };
    cli_run opts = { .progress = SURGE_PROGRESS_AUTO };
    surge_config_init(&opts.cfg);
    cli_command cmd = { "stress", stress_options, sizeof stress_options / sizeof stress_options[0], &so };
    int rc = cli_parse_command(argc, argv, &opts, &cmd);
    if (rc)
        return rc;
    if (opts.help) {
        help(stdout, &cmd);
        return 0;
    }
    surge_stress_config sc;
    surge_stress_config_init(&sc);
    double levels[SURGE_STRESS_MAX_LEVELS];
    if ((rc = build_levels(&so, &sc, levels)))
        return rc;
    if (so.connections && opts.cfg.connections)
        return cli_usage_error("--connections: not with --level-kind connections (each level sets them)");
    for (int i = 0; i < opts.nouts; i++)
        if (opts.outs[i].kind == OUT_CSV)
            return cli_usage_error("--out: csv is not written by stress (json:FILE holds every level's history)");
    sc.run = opts.cfg;
    sc.kind = so.connections ? SURGE_STRESS_CONNECTIONS : SURGE_STRESS_RATE;
    sc.level_duration = so.level_duration;
    sc.cooldown = so.cooldown;
    sc.keep_going = so.keep_going;
    sc.min_throughput = so.min_throughput;
    sc.max_errors = so.max_errors;
    sc.latency_pct = so.latency_pct;
    sc.latency_ms = so.latency_ms;
    sc.nlatency = so.nlatency;
    sc.cpu_pct = so.cpu;
    sc.ncpu = so.ncpu;
    sc.mem_pct = so.mem;
    sc.nmem = so.nmem;
    int nlevels = sc.levels ? sc.nlevels : 0;
    if (nlevels && (so.nlatency > nlevels || so.ncpu > nlevels || so.nmem > nlevels))
        return cli_usage_error("--%s: more bounds than the %d levels",
                               so.nlatency > nlevels ? "pass-latency" : so.ncpu > nlevels ? "pass-cpu" : "pass-mem", nlevels);

    stress_ctx ctx = { .progress = opts.progress };
    sc.run.on_sample = on_sample;
    sc.run.user = &ctx;
    sc.on_event = on_event;
    sc.user = &ctx;
    char err[2048];
    surge_stress *s = surge_stress_new(&sc, err, sizeof err);
    if (!s) {
        /* The library names a stress setting as "pass-cpu: ...": say it as the option. */
        size_t word = strcspn(err, ":");
        for (size_t i = 0; i < cmd.nopts; i++)
            if (err[word] == ':' && strlen(stress_options[i].name) == word && !strncmp(err, stress_options[i].name, word))
                return cli_usage_error("--%s", err);
        return cli_usage_error("%s", err);
    }

    /* Outputs opened before the run, as `surge run` does (outs.h); the
     * results are written over the old ones only once the stress has ended. */
    cli_outs outs = { 0 };
    rc = cli_outs_open(&outs, &opts);
    if (rc)
        goto out;
    ctx.nevents = cli_outs_empty(&outs, true, ctx.events);

    running = s;
    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGUSR1, SIG_IGN);   /* `surge run` pauses on it; a stress level cannot (its rate is its verdict) */

    int ran = surge_stress_run(s, err, sizeof err);
    if (ctx.display) {
        surge_display_finish(ctx.display);
        surge_display_free(ctx.display);
        ctx.display = NULL;
    }
    if (ran != 0) {
        fprintf(stderr, "surge: %s\n", err);
        rc = ran == SURGE_EINPUT ? 2 : 1;
        cli_outs_abandon(&outs);
        goto out;
    }
    FILE *table = opts.cfg.target && strncmp(opts.cfg.target, "stdout:", 7) == 0 ? stderr : stdout;
    surge_stress_print(s, table);
    fflush(table);
    rc = surge_stress_get(s)->capacity_index >= 0 ? 0 : 99;
    cli_outs_empty(&outs, false, NULL);
    for (int i = 0; i < opts.nouts; i++) {
        if (opts.outs[i].kind == OUT_JSON && surge_stress_write_json(s, outs.files[i]) != 0) {
            fprintf(stderr, "surge: writing %s failed: %s\n", opts.outs[i].path, strerror(errno));
            rc = 1;
        }
        if (opts.outs[i].kind == OUT_HTML &&
            cli_write_html(stress_json, s, surge_stress_report_html, outs.files[i], opts.outs[i].path) != 0)
            rc = 1;
    }
out:
    running = NULL;
    rc = cli_outs_close(&outs, rc);
    surge_stress_free(s);
    return rc;
}
