/* options.h - the command line as data: one table drives parsing and --help. */
#ifndef SURGE_CLI_OPTIONS_H
#define SURGE_CLI_OPTIONS_H

#include <stdbool.h>

#include "surge.h"

#define CLI_MAX_OUTS 8
#define CLI_MAX_THRESHOLDS 32

typedef struct cli_out {
    enum { OUT_JSON, OUT_CSV, OUT_EVENTS, OUT_HTML } kind;
    const char *path;
} cli_out;

/* Everything `surge run` was asked for: the library's config plus what the
 * CLI itself handles (outputs, progress). */
typedef struct cli_run {
    surge_config cfg;
    surge_progress progress;
    int nouts;
    cli_out outs[CLI_MAX_OUTS];
    const char *thresholds[CLI_MAX_THRESHOLDS + 1];
    const char *op_patterns[CLI_MAX_THRESHOLDS + 1];   /* --op-pattern, NULL-terminated */
    int nop_patterns;
    int nthresholds;
    bool help;
    const char *dashboard;      /* --dashboard [ADDR:]PORT */
    const char *dashboard_token;
    const char *profile;        /* --profile NAME|FILE: its settings come first */
    const char *profiles_dir;   /* --profiles DIR */
} cli_run;

/* Parse `surge run` arguments (argv[0] is the first option). 0, or 2 after
 * printing a one-line error naming the option. */
int cli_parse_run(int argc, char **argv, cli_run *run);
void cli_help_run(FILE *out);

/* `surge seed` (cli/seed.c). */
int cmd_seed(int argc, char **argv);

/* `surge report` (cli/report.c). */
int cmd_report(int argc, char **argv);

/* Shared by the subcommands: print "surge: MSG" to stderr and return 2. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
