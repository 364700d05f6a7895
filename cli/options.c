/* options.c - `surge run` options: one table for parsing and for --help,
 * so the help can't drift from the code. Every value is range-checked and a
 * bad one gets a line naming the option and what was expected. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "profile.h"

int cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("surge: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n", stderr);
    va_end(ap);
    return 2;
}

typedef int (*setter)(cli_run *r, const char *opt, const char *arg);

typedef struct option_def {
    const char *name;     /* long name without "--" */
    char shortname;       /* 0: none */
    const char *arg;      /* placeholder, NULL for a flag */
    const char *help;
    setter set;
} option_def;

static int parse_u64(const char *opt, const char *arg, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (!*arg || *end || errno || arg[0] == '-' || v < lo || v > hi)
        return cli_usage_error("--%s: expected a whole number %" PRIu64 "..%" PRIu64 ", got \"%s\"", opt, lo, hi, arg);
    *out = v;
    return 0;
}

static int parse_int(const char *opt, const char *arg, int lo, int hi, int *out)
{
    uint64_t v;
    if (parse_u64(opt, arg, (uint64_t)lo, (uint64_t)hi, &v))
        return 2;
    *out = (int)v;
    return 0;
}

static int parse_dur(const char *opt, const char *arg, double *out)
{
    if (surge_parse_duration(arg, out) != 0)
        return cli_usage_error("--%s: expected a duration like 500ms, 30s, 5m or 1h30m, got \"%s\"", opt, arg);
    return 0;
}

static int set_target(cli_run *r, const char *o, const char *a) { (void)o; r->cfg.target = a; return 0; }
static int set_workload(cli_run *r, const char *o, const char *a) { (void)o; r->cfg.workload = a; return 0; }
static int set_pattern(cli_run *r, const char *o, const char *a) { (void)o; r->cfg.pattern = a; return 0; }
static int set_op_pattern(cli_run *r, const char *o, const char *a)
{
    if (r->nop_patterns == CLI_MAX_THRESHOLDS)
        return cli_usage_error("--%s: at most %d", o, CLI_MAX_THRESHOLDS);
    r->op_patterns[r->nop_patterns++] = a;
    r->cfg.op_patterns = r->op_patterns;
    return 0;
}
static int set_mix(cli_run *r, const char *o, const char *a) { (void)o; r->cfg.mix = a; return 0; }
static int set_tables(cli_run *r, const char *o, const char *a) { (void)o; r->cfg.tables = a; return 0; }
static int set_message(cli_run *r, const char *o, const char *a) { (void)o; r->cfg.message = a; return 0; }
static int set_consumers(cli_run *r, const char *o, const char *a) { return parse_int(o, a, 0, 1000, &r->cfg.consumers); }
static int set_ack(cli_run *r, const char *o, const char *a) { (void)o; r->cfg.ack = a; return 0; }
static int set_drain(cli_run *r, const char *o, const char *a) { return parse_dur(o, a, &r->cfg.drain); }
static int set_fresh(cli_run *r, const char *o, const char *a) { (void)o, (void)a; r->cfg.fresh = true; return 0; }
static int set_help(cli_run *r, const char *o, const char *a) { (void)o, (void)a; r->help = true; return 0; }
static int set_profile(cli_run *r, const char *o, const char *a) { (void)o; r->profile = a; return 0; }
static int set_profiles(cli_run *r, const char *o, const char *a) { (void)o; r->profiles_dir = a; return 0; }
static int set_threads(cli_run *r, const char *o, const char *a) { return parse_int(o, a, 1, 1024, &r->cfg.threads); }
static int set_connections(cli_run *r, const char *o, const char *a) { return parse_int(o, a, 1, 100000, &r->cfg.connections); }
static int set_history(cli_run *r, const char *o, const char *a) { return parse_int(o, a, 1, 10000000, &r->cfg.history); }
static int set_max_tries(cli_run *r, const char *o, const char *a) { return parse_int(o, a, 1, 1000, &r->cfg.max_tries); }
static int set_scale(cli_run *r, const char *o, const char *a) { return parse_int(o, a, 1, 100000, &r->cfg.scale); }
static int set_warmup(cli_run *r, const char *o, const char *a) { return parse_dur(o, a, &r->cfg.warmup); }
static int set_late(cli_run *r, const char *o, const char *a) { return parse_dur(o, a, &r->cfg.late_after); }

static int set_duration(cli_run *r, const char *o, const char *a)
{
    if (parse_dur(o, a, &r->cfg.duration))
        return 2;
    if (r->cfg.duration <= 0)
        return cli_usage_error("--%s: must be more than 0, got \"%s\"", o, a);
    return 0;
}

static int set_interval(cli_run *r, const char *o, const char *a)
{
    if (parse_dur(o, a, &r->cfg.interval))
        return 2;
    if (r->cfg.interval < 0.01 || r->cfg.interval > 3600)
        return cli_usage_error("--%s: expected 10ms..1h, got \"%s\"", o, a);
    return 0;
}

static int set_transactions(cli_run *r, const char *o, const char *a)
{
    return parse_u64(o, a, 1, UINT64_MAX / 2, &r->cfg.transactions);
}

static int set_seed(cli_run *r, const char *o, const char *a)
{
    r->cfg.has_seed = true;
    return parse_u64(o, a, 0, UINT64_MAX, &r->cfg.seed);
}

static int set_arrivals(cli_run *r, const char *o, const char *a)
{
    if (strcmp(a, "even") == 0)
        r->cfg.arrivals = SURGE_ARRIVALS_EVEN;
    else if (strcmp(a, "poisson") == 0)
        r->cfg.arrivals = SURGE_ARRIVALS_POISSON;
    else
        return cli_usage_error("--%s: expected even or poisson, got \"%s\"", o, a);
    return 0;
}

static int set_think(cli_run *r, const char *o, const char *a)
{
    const char *dots = strstr(a, "..");
    char lo[64];
    const char *hi = a;
    if (dots) {
        snprintf(lo, sizeof lo, "%.*s", (int)(dots - a), a);
        hi = dots + 2;
    } else {
        snprintf(lo, sizeof lo, "%s", a);
    }
    if (surge_parse_duration(lo, &r->cfg.think_min) || surge_parse_duration(hi, &r->cfg.think_max) ||
        r->cfg.think_min > r->cfg.think_max)
        return cli_usage_error("--%s: expected MIN..MAX durations like 10ms..50ms, got \"%s\"", o, a);
    return 0;
}

static int set_progress(cli_run *r, const char *o, const char *a)
{
    static const struct { const char *name; surge_progress mode; } modes[] = {
        { "auto", SURGE_PROGRESS_AUTO }, { "live", SURGE_PROGRESS_LIVE },
        { "plain", SURGE_PROGRESS_PLAIN }, { "none", SURGE_PROGRESS_NONE },
    };
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(a, modes[i].name) == 0) {
            r->progress = modes[i].mode;
            return 0;
        }
    return cli_usage_error("--%s: expected auto, live, plain or none, got \"%s\"", o, a);
}

static int set_out(cli_run *r, const char *o, const char *a)
{
    if (r->nouts == CLI_MAX_OUTS)
        return cli_usage_error("--%s: at most %d outputs", o, CLI_MAX_OUTS);
    cli_out *out = &r->outs[r->nouts];
    if (strncmp(a, "json:", 5) == 0)
        out->kind = OUT_JSON;
    else if (strncmp(a, "csv:", 4) == 0)
        out->kind = OUT_CSV;
    else if (strncmp(a, "events:", 7) == 0)
        out->kind = OUT_EVENTS;
    else if (strncmp(a, "html:", 5) == 0)
        out->kind = OUT_HTML;
    else
        return cli_usage_error("--%s: expected json:FILE, csv:FILE, events:FILE or html:FILE, got \"%s\"", o, a);
    out->path = strchr(a, ':') + 1;
    if (!*out->path)
        return cli_usage_error("--%s: no file name in \"%s\"", o, a);
    r->nouts++;
    return 0;
}

static int set_max_rate(cli_run *r, const char *o, const char *a)
{
    if (surge_parse_rate(a, &r->cfg.max_rate) != 0 || r->cfg.max_rate <= 0)
        return cli_usage_error("--%s: expected a rate like 500 or 30/m, got \"%s\"", o, a);
    return 0;
}

static int set_max_total(cli_run *r, const char *o, const char *a) { return parse_u64(o, a, 1, UINT64_MAX / 2, &r->cfg.max_total); }
static int set_max_child_cpu(cli_run *r, const char *o, const char *a)
{
    char *end;
    double v = strtod(a, &end);
    if (end == a || (*end && strcmp(end, "%") != 0) || !(v > 0) || v > 1e5)
        return cli_usage_error("--%s: expected a percentage of one core above 0, like 90 or 150%%, got \"%s\"", o, a);
    r->cfg.max_child_cpu = v;
    return 0;
}
static int set_max_child_rss(cli_run *r, const char *o, const char *a)
{
    char *end;
    double v = strtod(a, &end);
    if (end == a || *end || !(v > 0) || v > 1e9)
        return cli_usage_error("--%s: expected mebibytes above 0, like 512, got \"%s\"", o, a);
    r->cfg.max_child_rss_mb = v;
    return 0;
}
static int set_watch(cli_run *r, const char *o, const char *a) { (void)o; r->cfg.watch = a; return 0; }
static int set_pct_of(const char *o, const char *a, double *out)
{
    char *end;
    double v = strtod(a, &end);
    if (end == a || (*end && strcmp(end, "%") != 0) || !(v > 0) || v > 100)
        return cli_usage_error("--%s: expected a percentage above 0 and at most 100, got \"%s\"", o, a);
    *out = v;
    return 0;
}
static int set_max_cpu(cli_run *r, const char *o, const char *a) { return set_pct_of(o, a, &r->cfg.max_cpu); }
static int set_max_mem(cli_run *r, const char *o, const char *a) { return set_pct_of(o, a, &r->cfg.max_mem); }
static int set_cpu_target(cli_run *r, const char *o, const char *a) { return set_pct_of(o, a, &r->cfg.cpu_target); }
static int set_cpu_band(cli_run *r, const char *o, const char *a) { return set_pct_of(o, a, &r->cfg.cpu_band); }
static int set_stable_for(cli_run *r, const char *o, const char *a) { return parse_dur(o, a, &r->cfg.stable_for); }
static int set_max_connections(cli_run *r, const char *o, const char *a) { return parse_int(o, a, 1, 100000, &r->cfg.max_connections); }
static int set_max_queue(cli_run *r, const char *o, const char *a) { return parse_u64(o, a, 1, UINT64_MAX / 2, &r->cfg.max_queue_depth); }
static int set_stop_file(cli_run *r, const char *o, const char *a) { (void)o; r->cfg.stop_file = a; return 0; }

static int set_max_duration(cli_run *r, const char *o, const char *a)
{
    if (parse_dur(o, a, &r->cfg.max_duration))
        return 2;
    if (r->cfg.max_duration <= 0)
        return cli_usage_error("--%s: must be more than 0, got \"%s\"", o, a);
    return 0;
}

double cli_parse_share(const char *a)
{
    char *end;
    double v = strtod(a, &end);
    if (end != a && *end == '%' && !end[1])
        return v / 100;
    return end == a || *end ? -1 : v;
}

/* "5%" or a fraction "0.05". */
static int set_max_error_rate(cli_run *r, const char *o, const char *a)
{
    double v = cli_parse_share(a);
    if (!(v > 0 && v <= 1))
        return cli_usage_error("--%s: expected a percentage like 5%% or a fraction like 0.05, got \"%s\"", o, a);
    r->cfg.max_error_rate = v;
    return 0;
}

/* "p99:500ms": a percentile of the last second's latency and its bound. */
static int set_max_latency(cli_run *r, const char *o, const char *a)
{
    char *end;
    double pct = a[0] == 'p' ? strtod(a + 1, &end) : -1;
    double bound;
    if (pct <= 0 || pct > 100 || *end != ':' || surge_parse_duration(end + 1, &bound) != 0 || bound <= 0)
        return cli_usage_error("--%s: expected PERCENTILE:BOUND like p99:500ms, got \"%s\"", o, a);
    r->cfg.max_latency_pct = pct;
    r->cfg.max_latency_ms = bound * 1e3;
    return 0;
}

static int set_dashboard(cli_run *r, const char *o, const char *a) { (void)o; r->dashboard = a; return 0; }
static int set_dashboard_token(cli_run *r, const char *o, const char *a) { (void)o; r->dashboard_token = a; return 0; }

static int set_time_scale(cli_run *r, const char *o, const char *a)
{
    char *end;
    double v = strtod(a, &end);
    if (end == a || *end || !(v > 0) || v > 1e6)
        return cli_usage_error("--%s: expected a factor > 0 like 60 (an hour in a minute), got \"%s\"", o, a);
    r->cfg.time_scale = v;
    return 0;
}

static int set_threshold(cli_run *r, const char *o, const char *a)
{
    if (r->nthresholds == CLI_MAX_THRESHOLDS)
        return cli_usage_error("--%s: at most %d thresholds", o, CLI_MAX_THRESHOLDS);
    r->thresholds[r->nthresholds++] = a;
    r->cfg.thresholds = r->thresholds;
    return 0;
}

static const option_def run_options[] = {
    { "target",       'T', "URL",      "sqlite:PATH (default sqlite:surge.db), postgres://, mysql://, mariadb://, mssql://, redis://, stdout:, file:PATH, exec:CMD ARGS, null:", set_target },
    { "workload",     'w', "NAME",     "workload: ecommerce (default), crud (any schema), noop; queue (the default for queue targets)", set_workload },
    { "tables",       0,   "A,B",      "crud: only these tables (others are read, as parents)", set_tables },
    { "pattern",      'p', "EXPR",     "rate pattern, open loop (see docs/patterns.md); without it: closed loop", set_pattern },
    { "rate",         'r', "EXPR",     "same as --pattern", set_pattern },
    { "op-pattern",   0,   "OP=EXPR",  "instead of --pattern: this operation (a queue) on its own pattern; repeatable", set_op_pattern },
    { "arrivals",     0,   "KIND",     "even (default) or poisson arrivals in open loop", set_arrivals },
    { "mix",          'm', "OP=W,...", "operation weights; ops not named keep theirs, e.g. delete_pending_item=0,update_customer_email=30", set_mix },
    { "threads",      't', "N",        "worker threads (default: cores; SQLite: one per connection)", set_threads },
    { "connections",  'c', "N",        "connections in all (default: one per thread)", set_connections },
    { "think",        0,   "MIN..MAX", "closed loop: random pause between operations", set_think },
    { "duration",     'd', "DUR",      "measured length (default: the pattern's, else 10s)", set_duration },
    { "transactions", 'n', "N",        "stop after N measured operations", set_transactions },
    { "warmup",       0,   "DUR",      "unmeasured load first, at the pattern's starting rate", set_warmup },
    { "interval",     'i', "DUR",      "sample interval (default 1s)", set_interval },
    { "history",      0,   "N",        "samples kept in memory (default 1000)", set_history },
    { "max-tries",    0,   "N",        "run an operation up to N times when it fails with a deadlock or serialization error (default 1)", set_max_tries },
    { "late-after",   0,   "DUR",      "an operation starting this late is counted late (default 1ms)", set_late },
    { "seed",         0,   "N",        "random seed: same seed, same choices (default: from the clock)", set_seed },
    { "scale",        0,   "N",        "seed data size factor (default 1)", set_scale },
    { "fresh",        0,   NULL,       "drop and recreate the workload's tables first", set_fresh },
    { "message",      0,   "NAME|FILE", "queue targets: message template, job (default), snapshot or a file (docs/messages.md)", set_message },
    { "consumers",    0,   "N",        "redis: N consumers pop the jobs and measure enqueue-to-dequeue latency", set_consumers },
    { "ack",          0,   "REGEX",    "exec: the child acknowledges a message with a line matching REGEX, its (group) the message id", set_ack },
    { "drain",        0,   "DUR",      "queue targets, at the end: time for consumers to drain and a child to exit (default 10s)", set_drain },
    { "out",          'o', "KIND:FILE","json:FILE (result at the end), csv:FILE (samples as they come), events:FILE (JSON lines), html:FILE (report at the end); repeatable", set_out },
    { "time-scale",   0,   "X",        "run the pattern X times faster: durations divided by X, rates unchanged", set_time_scale },
    { "dashboard",    0,   "[ADDR:]PORT", "live web dashboard, control API and /metrics (default address 127.0.0.1)", set_dashboard },
    { "dashboard-token", 0, "TOKEN",   "required on every dashboard request; needed on any address but loopback", set_dashboard_token },
    { "max-rate",     0,   "RATE",     "guardrail: cap any pattern at this rate (what is above is left out, counted as capped)", set_max_rate },
    { "max-total",    0,   "N",        "guardrail: stop after N operations", set_max_total },
    { "max-duration", 0,   "DUR",      "guardrail: stop this long after the start, warm-up included", set_max_duration },
    { "max-error-rate", 0, "PCT",      "guardrail: stop when more than PCT of the last second's operations failed (e.g. 5%)", set_max_error_rate },
    { "max-latency",  0,   "P:BOUND",  "guardrail: stop when that percentile of the last second's latency exceeds BOUND (e.g. p99:500ms)", set_max_latency },
    { "max-queue-depth", 0, "N",       "guardrail: stop when a queue target's depth exceeds N", set_max_queue },
    { "watch",        0,   "SPEC",     "watch a system's CPU and memory: pid:N (and its children), cgroup:PATH, host, cmd:COMMAND (docs/watch.md)", set_watch },
    { "cpu-target",   0,   "PCT",      "hold the watched CPU (--watch, default host) at PCT of the machine: changes connections (closed loop) or rate (open loop)", set_cpu_target },
    { "cpu-band",     0,   "PCT",      "--cpu-target: within +-PCT points counts as held (default 5)", set_cpu_band },
    { "cpu-source",   0,   "SPEC",     "same as --watch", set_watch },
    { "stable-for",   0,   "DUR",      "--cpu-target: held this long is stable (default 60s); without --duration the run then ends", set_stable_for },
    { "max-connections", 0, "N",       "--cpu-target, closed loop: the most connections it may use (default 10 x --connections, at most 1000)", set_max_connections },
    { "max-cpu",      0,   "PCT",      "guardrail: stop when the watched system's CPU exceeds PCT of the machine", set_max_cpu },
    { "max-mem",      0,   "PCT",      "guardrail: stop when the watched system's memory exceeds PCT of the machine's", set_max_mem },
    { "max-child-cpu", 0,  "PCT",      "guardrail: stop when an exec: consumer uses more CPU than this (100 = one core)", set_max_child_cpu },
    { "max-child-rss", 0,  "MIB",      "guardrail: stop when an exec: consumer's resident memory exceeds MIB mebibytes", set_max_child_rss },
    { "stop-file",    0,   "PATH",     "guardrail: stop as soon as PATH exists", set_stop_file },
    { "threshold",    0,   "EXPR",     "pass/fail check, e.g. 'p99<100ms', 'errors<0.1%', 'p95<500ms over 10s abort'; repeatable; exit 99 if one fails", set_threshold },
    { "progress",     0,   "MODE",     "auto (default), live, plain or none", set_progress },
    { "profile",      0,   "NAME|FILE", "start from a profile's settings (docs/profiles.md); the other options override them", set_profile },
    { "profiles",     0,   "DIR",      "the profiles folder (default $XDG_CONFIG_HOME/surge/profiles or ~/.config/surge/profiles)", set_profiles },
    { "help",         'h', NULL,       "this help", set_help },
};

#define NOPTIONS (sizeof run_options / sizeof run_options[0])

/* One line of --help: "  -c, --connections N    help". */
static void help_line(FILE *out, char shortname, const char *name, const char *arg, const char *help)
{
    char left[64];
    snprintf(left, sizeof left, "%s%c%s--%s %s", shortname ? "-" : "", shortname ? shortname : ' ',
             shortname ? ", " : "  ", name, arg ? arg : "");
    fprintf(out, "  %-30s %s\n", shortname ? left : left + 2, help);
}

static const cli_extra_opt *find_extra(const cli_command *cmd, const char *name, size_t len)
{
    for (size_t i = 0; cmd && i < cmd->nopts; i++)
        if (strlen(cmd->opts[i].name) == len && strncmp(cmd->opts[i].name, name, len) == 0)
            return &cmd->opts[i];
    return NULL;
}

void cli_help_options(FILE *out, const cli_command *cmd, bool own)
{
    if (own) {
        for (size_t i = 0; cmd && i < cmd->nopts; i++)
            if (cmd->opts[i].help)
                help_line(out, 0, cmd->opts[i].name, cmd->opts[i].arg, cmd->opts[i].help);
        return;
    }
    for (size_t i = 0; i < NOPTIONS; i++) {
        const option_def *o = &run_options[i];
        if (!find_extra(cmd, o->name, strlen(o->name)))
            help_line(out, o->shortname, o->name, o->arg, o->help);
    }
}

void cli_help_run(FILE *out)
{
    fprintf(out, "usage: surge run [TARGET] [options]\n\n"
                 "Put load on TARGET following a rate pattern (open loop) or at a fixed\n"
                 "concurrency (closed loop), then print a summary.\n\noptions:\n");
    cli_help_options(out, NULL, false);
    fprintf(out, "\nexamples:\n"
                 "  surge run sqlite:shop.db --pattern 'ramp(10, 500, 60s) then sine(base=400, amp=100, period=30s, duration=5m)'\n"
                 "  surge run null: --workload noop --transactions 10000000\n"
                 "  surge run 'redis://127.0.0.1:6379/0?queue=high,low' --pattern 'sine(base=200, amp=100, period=20s, duration=1m)' --consumers 4\n"
                 "  surge run 'exec:python3 consumer.py' --message snapshot --ack '\"ack\": *\"([^\"]+)\"' --pattern 300 --duration 30s\n"
                 "  surge run --profile nightly --duration 30s\n");
}

static const option_def *find_long(const char *name, size_t len)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if (strlen(run_options[i].name) == len && strncmp(run_options[i].name, name, len) == 0)
            return &run_options[i];
    return NULL;
}

static const option_def *find_short(char c)
{
    for (size_t i = 0; i < NOPTIONS; i++)
        if (run_options[i].shortname == c)
            return &run_options[i];
    return NULL;
}

/* One pass over the options. With profile_only, only --profile, --profiles
 * and --help are taken (the rest is checked but not set): the profile's
 * settings go in before the command line's. cmd's own options (NULL: none)
 * come before the run options of the same name, whether asked for by the
 * long or the short name. */
static int parse_args(int argc, char **argv, cli_run *r, bool profile_only, const cli_command *cmd)
{
    const char *cmdname = cmd ? cmd->name : "run";
    bool have_target = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const option_def *o = NULL;
        const cli_extra_opt *x = NULL;
        const char *value = NULL;
        if (strncmp(a, "--", 2) == 0 && a[2]) {
            const char *eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            x = find_extra(cmd, a + 2, len);
            o = x ? NULL : find_long(a + 2, len);
            if (!o && !x)
                return cli_usage_error("unknown option '%.*s' (see surge %s --help)", (int)(len + 2), a, cmdname);
            value = eq ? eq + 1 : NULL;
        } else if (a[0] == '-' && a[1] && !a[2]) {
            o = find_short(a[1]);
            if (!o)
                return cli_usage_error("unknown option '%s' (see surge %s --help)", a, cmdname);
            if ((x = find_extra(cmd, o->name, strlen(o->name))))
                o = NULL;
        } else if (!have_target && a[0] != '-') {
            if (!profile_only)
                r->cfg.target = a;
            have_target = true;
            continue;
        } else {
            return cli_usage_error("unexpected argument '%s' (the target was already given as '%s')", a, r->cfg.target);
        }
        const char *name = x ? x->name : o->name, *arg = x ? x->arg : o->arg;
        if (arg && !value) {
            if (i + 1 >= argc)
                return cli_usage_error("--%s: needs a value (%s)", name, arg);
            value = argv[++i];
        } else if (!arg && value) {
            return cli_usage_error("--%s: takes no value", name);
        }
        if (profile_only && (x || (o->set != set_profile && o->set != set_profiles && o->set != set_help)))
            continue;
        int rc = x ? x->set(cmd->user, name, value) : o->set(r, name, value);
        if (rc)
            return rc;
    }
    return 0;
}

/* The profile's settings as options: they stay allocated (reachable) until
 * the next cli_parse_run, since r->cfg points into them. */
static char **profile_argv;
static int profile_argc;

int cli_parse_command(int argc, char **argv, cli_run *r, const cli_command *cmd)
{
    int rc = parse_args(argc, argv, r, true, cmd);
    if (rc)
        return rc;
    if (r->profile && !r->help) {
        profile p;
        char err[4096];
        if (profile_load(r->profile, r->profiles_dir, &p, err, sizeof err) != 0)
            return cli_usage_error("%s", err);
        profile_args_free(profile_argv, profile_argc);
        rc = profile_to_args(&p, &profile_argv, &profile_argc);
        if (rc) {
            fprintf(stderr, "surge: out of memory\n");
            exit(1);
        }
        rc = parse_args(profile_argc, profile_argv, r, false, cmd);
        if (rc) {
            fprintf(stderr, "surge: (that value comes from the profile %s)\n", p.path);
            profile_free(&p);
            return rc;
        }
        profile_free(&p);
    }
    return parse_args(argc, argv, r, false, cmd);
}

int cli_parse_run(int argc, char **argv, cli_run *r)
{
    return cli_parse_command(argc, argv, r, NULL);
}
