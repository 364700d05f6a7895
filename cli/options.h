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

/* A subcommand that takes the run options plus its own (surge stress):
 * its options are looked up first, so one named like a run option replaces
 * it, by its long and its short name; one without help refuses a run
 * option that has no meaning there (its setter says why). */
typedef struct cli_extra_opt {
    const char *name;     /* long name without "--" */
    const char *arg;      /* placeholder, NULL for a flag */
    const char *help;     /* NULL: a refused run option, left out of --help */
    int (*set)(void *user, const char *opt, const char *arg);   /* 0, or 2 after cli_usage_error */
} cli_extra_opt;

typedef struct cli_command {
    const char *name;             /* "stress": for "see surge stress --help" */
    const cli_extra_opt *opts;
    size_t nopts;
    void *user;                   /* passed to each set */
} cli_command;

/* cli_parse_run with cmd's options too (cmd NULL: cli_parse_run). */
int cli_parse_command(int argc, char **argv, cli_run *run, const cli_command *cmd);

/* --help lines: cmd's own options with own, else the run options it does
 * not replace (cmd NULL: all of them). */
void cli_help_options(FILE *out, const cli_command *cmd, bool own);

/* `surge stress` (cli/stress.c). */
int cmd_stress(int argc, char **argv);

/* `surge seed` (cli/seed.c). */
int cmd_seed(int argc, char **argv);

/* `surge report` (cli/report.c). */
int cmd_report(int argc, char **argv);

/* `surge migrate` (cli/migrate.c). */
int cmd_migrate(int argc, char **argv);

/* A share written as a percentage "5%" or a fraction "0.05": the fraction,
 * or -1 when a is neither (the range is the caller's to check). */
double cli_parse_share(const char *a);

/* Shared by the subcommands: print "surge: MSG" to stderr and return 2. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
