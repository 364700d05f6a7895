/* main.c - the surge command: parse, call libsurge, set the exit code.
 *
 * Exit codes: 0 the run completed (whatever stopped it, its results were
 * written); 1 a runtime failure (the target could not be set up, a result
 * file could not be written, the run ended on a fatal error); 2 bad input
 * (an unknown option, a malformed pattern or duration, a database file that
 * cannot be opened); 3 a guardrail stopped the run (its results were
 * written); 99 a threshold failed (like k6). `surge stress` (cli/stress.c):
 * 0 a level passed, 99 none passed, 1 and 2 as here.
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "outs.h"
#include "profile.h"

static surge_gen *running;   /* for the signal handler */

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        surge_gen_toggle_pause(running);
    else
        surge_gen_stop(running);
}

typedef struct run_ctx {
    surge_display *display;
    surge_dashboard *dashboard;
    FILE *csv[CLI_MAX_OUTS];
    int ncsv;
    FILE *events[CLI_MAX_OUTS];
    int nevents;
    atomic_bool csv_ready;      /* the CSV files are truncated and have their header */
    double last_csv_t;
} run_ctx;

static void on_sample(const surge_result *live, void *user)
{
    run_ctx *ctx = user;
    surge_display_update(ctx->display, live);
    surge_dashboard_update(ctx->dashboard, live);
    if (live->nhistory > 0 && atomic_load_explicit(&ctx->csv_ready, memory_order_acquire)) {
        const surge_sample *s = &live->history[live->nhistory - 1];
        if (s->t != ctx->last_csv_t) {
            for (int i = 0; i < ctx->ncsv; i++)
                surge_csv_sample(s, ctx->csv[i]);
            ctx->last_csv_t = s->t;
        }
    }
}

static void on_event(const surge_event *e, void *user)
{
    run_ctx *ctx = user;
    surge_dashboard_event(ctx->dashboard, e);
    cli_outs_event(ctx->events, ctx->nevents, e);
}

/* --out html:FILE (cli_write_html). */
static int result_json(const void *r, FILE *out) { return surge_result_write_json(r, out); }

static int cmd_run(int argc, char **argv)
{
    cli_run opts = { .progress = SURGE_PROGRESS_AUTO };
    surge_config_init(&opts.cfg);
    int rc = cli_parse_run(argc, argv, &opts);
    if (rc)
        return rc;
    if (opts.help) {
        cli_help_run(stdout);
        return 0;
    }
    run_ctx ctx = { .last_csv_t = -1e300 };
    opts.cfg.on_sample = on_sample;
    opts.cfg.on_event = on_event;
    opts.cfg.user = &ctx;
    char err[2048];
    surge_gen *g = surge_gen_new(&opts.cfg, err, sizeof err);
    if (!g)
        return cli_usage_error("%s", err);

    /* Every output is opened before the run (outs.h): a path that can't be
     * written must not cost the user the run. */
    cli_outs outs = { 0 };
    rc = cli_outs_open(&outs, &opts);
    if (rc)
        goto out;
    ctx.display = surge_display_new(stderr, opts.progress);
    ctx.nevents = cli_outs_empty(&outs, true, ctx.events);

    if (opts.dashboard) {
        ctx.dashboard = surge_dashboard_start(opts.dashboard, opts.dashboard_token, g, err, sizeof err);
        if (!ctx.dashboard) {
            rc = cli_usage_error("--%s", err);   /* err starts "dashboard: " */
            goto out;
        }
        const char *colon = strrchr(opts.dashboard, ':');
        fprintf(stderr, "surge: dashboard at http://%.*s:%d/\n", colon ? (int)(colon - opts.dashboard) : 9,
                colon ? opts.dashboard : "127.0.0.1", surge_dashboard_port(ctx.dashboard));
    }

    running = g;
    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);

    int start = surge_gen_start(g, err, sizeof err);
    if (start != 0) {
        surge_display_finish(ctx.display);
        fprintf(stderr, "surge: %s\n", err);
        rc = start == SURGE_EINPUT ? 2 : 1;
        cli_outs_abandon(&outs);
        goto out;
    }
    cli_outs_empty(&outs, false, NULL);
    for (int i = 0; i < opts.nouts; i++)
        if (opts.outs[i].kind == OUT_CSV) {
            surge_csv_header(outs.files[i]);
            ctx.csv[ctx.ncsv++] = outs.files[i];
        }
    atomic_store_explicit(&ctx.csv_ready, true, memory_order_release);
    surge_gen_wait(g);
    surge_display_finish(ctx.display);
    const surge_result *r = surge_gen_result(g);
    /* Messages to stdout: the summary goes to stderr, to keep the stream clean. */
    FILE *sum = r->target && strncmp(r->target, "stdout:", 7) == 0 ? stderr : stdout;
    surge_summary_print(r, sum);
    fflush(sum);
    /* A guardrail's stop says more than the thresholds it cut short; a
     * threshold's abort is a failed threshold. */
    bool by_threshold = r->stop_reason && !strcmp(r->stop_reason, "threshold");
    rc = r->error ? 1 : r->guardrail && !by_threshold ? 3 : 0;
    for (int i = 0; i < r->nthresholds && rc == 0; i++)
        if (!r->thresholds[i].ok)
            rc = 99;
    for (int i = 0; i < opts.nouts; i++)
        if (opts.outs[i].kind == OUT_JSON && surge_result_write_json(r, outs.files[i]) != 0) {
            fprintf(stderr, "surge: writing %s failed\n", opts.outs[i].path);
            rc = 1;
        }
    for (int i = 0; i < opts.nouts; i++)
        if (opts.outs[i].kind == OUT_HTML &&
            cli_write_html(result_json, r, surge_report_html, outs.files[i], opts.outs[i].path) != 0)
            rc = 1;
out:
    running = NULL;
    rc = cli_outs_close(&outs, rc);
    surge_display_free(ctx.display);
    surge_dashboard_stop(ctx.dashboard);   /* before the generator: its buttons call into it */
    surge_gen_free(g);
    return rc;
}

static int cmd_plan(int argc, char **argv)
{
    const char *expr = NULL;
    bool json = false;
    double window = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--duration") == 0 || strcmp(argv[i], "-d") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("--duration: needs a value (DUR)");
            if (surge_parse_duration(argv[++i], &window) != 0 || window <= 0)
                return cli_usage_error("--duration: expected a duration like 30s or 5m, got \"%s\"", argv[i]);
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: surge plan PATTERN [--json] [--duration DUR]\n\n"
                   "Preview a rate pattern without running it: a plot of the rate over time\n"
                   "and the number of operations it asks for. --duration sets the window\n"
                   "shown (default: the whole pattern, or a few cycles if it never ends).\n");
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] && !expr) {
            return cli_usage_error("plan: unknown option '%s' (see surge plan --help)", argv[i]);
        } else if (!expr) {
            expr = argv[i];
        } else {
            return cli_usage_error("plan: unexpected argument '%s' (quote the pattern as one argument)", argv[i]);
        }
    }
    if (!expr)
        return cli_usage_error("plan: no pattern given (e.g. surge plan 'ramp(10, 500, 60s)')");
    char err[2048];
    if (surge_plan_print(expr, window, json, 72, 14, stdout, err, sizeof err) != 0) {
        fputs(err, stderr);
        return 2;
    }
    return 0;
}

static int cmd_workloads(int argc, char **argv)
{
    if (argc > 1)
        return cli_usage_error("workloads: expected at most one workload name");
    if (surge_workload_describe(argc ? argv[0] : NULL, stdout) != 0)
        return cli_usage_error("workloads: unknown workload '%s'", argv[0]);
    return 0;
}

static int cmd_inspect(int argc, char **argv)
{
    const char *url = NULL;
    bool json = false;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: surge inspect URL [--json]\n\n"
                   "Print a database's schema as its own catalog gives it: tables, columns\n"
                   "(type, nullability, length, precision, default, identity, generated,\n"
                   "enum values), primary, unique and foreign keys, CHECK constraints and\n"
                   "row counts. --json prints it for programs (see docs/inspect.md).\n"
                   "It only reads: a SQLite file must already exist.\n\n"
                   "  surge inspect sqlite:app.db\n"
                   "  surge inspect postgres://user@localhost/shop --json\n");
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("inspect: unknown option '%s' (see surge inspect --help)", argv[i]);
        } else if (!url) {
            url = argv[i];
        } else {
            return cli_usage_error("inspect: unexpected argument '%s' (one target URL)", argv[i]);
        }
    }
    if (!url)
        return cli_usage_error("inspect: no target given (e.g. surge inspect sqlite:app.db)");
    char err[2048];
    int rc = surge_inspect(url, json, stdout, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "surge: %s\n", err);
        return rc == SURGE_EINPUT ? 2 : 1;
    }
    return 0;
}

static void usage(FILE *out)
{
    fprintf(out, "usage: surge COMMAND [args]\n\n"
                 "commands:\n"
                 "  run [TARGET] [options]   put load on a target (surge run --help)\n"
                 "  stress [TARGET] [options] levels of load, a verdict each, the capacity (surge stress --help)\n"
                 "  plan PATTERN [--json]    preview a rate pattern\n"
                 "  workloads [NAME]         list the built-in workloads, or show one\n"
                 "  inspect URL [--json]     print a database's schema (surge inspect --help)\n"
                 "  seed URL [options]       fill its tables with generated rows (surge seed --help)\n"
                 "  migrate URL --dir DIR    apply numbered SQL files once each (surge migrate --help)\n"
                 "  report RESULT.json [-o FILE]  an HTML report of a result file (surge report --help)\n"
                 "  profile list|show|save|delete  saved run settings (surge profile --help)\n"
                 "  version                  print the version\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    if (strcmp(cmd, "stress") == 0)
        return cmd_stress(argc - 2, argv + 2);
    if (strcmp(cmd, "plan") == 0)
        return cmd_plan(argc - 2, argv + 2);
    if (strcmp(cmd, "workloads") == 0)
        return cmd_workloads(argc - 2, argv + 2);
    if (strcmp(cmd, "inspect") == 0)
        return cmd_inspect(argc - 2, argv + 2);
    if (strcmp(cmd, "seed") == 0)
        return cmd_seed(argc - 2, argv + 2);
    if (strcmp(cmd, "report") == 0)
        return cmd_report(argc - 2, argv + 2);
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(argc - 2, argv + 2);
    if (strcmp(cmd, "profile") == 0)
        return cmd_profile(argc - 2, argv + 2);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("surge %s\n", SURGE_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    return cli_usage_error("unknown command '%s' (expected run, stress, plan, workloads, inspect, seed, migrate, report, profile, version)", cmd);
}
