/* outs.h - the files of --out, kept the same way by surge run and surge
 * stress.
 *
 * Every file is opened before the run, without truncating it: a path that
 * can't be written is the user's mistake and costs nothing, and a run that
 * fails to start leaves an older file alone (one it created is removed).
 * An events log is emptied as the run starts, since its events come from
 * that moment; the other outputs only once the run has started (surge
 * stress: once it has ended, as it writes them).
 */
#ifndef SURGE_CLI_OUTS_H
#define SURGE_CLI_OUTS_H

#include <stdbool.h>
#include <stdio.h>

#include "options.h"

typedef struct cli_outs {
    const cli_run *opts;          /* files[i] is opts->outs[i] */
    FILE *files[CLI_MAX_OUTS];    /* NULL: not open */
    bool created[CLI_MAX_OUTS];   /* did not exist before cli_outs_open */
} cli_outs;

/* Open every --out of opts, in append mode. 0, or 2 after a message naming
 * the path; what was opened stays open for cli_outs_close. */
int cli_outs_open(cli_outs *o, const cli_run *opts);

/* Empty the events logs (events true) or all the other outputs, with a
 * warning for a file that can't be. The files emptied are put in emptied
 * (NULL: not wanted) and counted in the return value. */
int cli_outs_empty(cli_outs *o, bool events, FILE **emptied);

/* The run never started: remove the files cli_outs_open created. */
void cli_outs_abandon(const cli_outs *o);

/* Close every open file: rc, or 1 after a message when rc was 0 and a file
 * could not be written. */
int cli_outs_close(cli_outs *o, int rc);

/* An event to each of the n events logs: one JSON line, flushed at once,
 * so the file is whole whenever the run stops. */
void cli_outs_event(FILE *const *logs, int n, const surge_event *e);

/* --out html:FILE: the JSON write_json makes of `what`, as --out json:
 * saves it, made into the report by render_html (surge_report_html,
 * surge_stress_report_html), as `surge report` does with that file.
 * 0, or -1 after a message naming path. */
int cli_write_html(int (*write_json)(const void *what, FILE *out), const void *what,
                   int (*render_html)(const char *json, FILE *out, char *err, size_t errlen), FILE *out,
                   const char *path);

#endif
