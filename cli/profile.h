/* profile.h - profiles: saved `surge run` settings in a YAML or JSON file.
 *
 * A profile is a mapping of settings (docs/profiles.md): a name, a
 * description, tags, the target, workload, pattern (a string, or a list of
 * phases joined with " then "), guardrails, thresholds, outputs ... Loading
 * one checks every key and value, so a mistake is reported as
 * "FILE:LINE:COLUMN: message" before anything runs. A loaded profile turns
 * into the equivalent `surge run` options, which the run command parses
 * before its own command line: flags given on the command line override the
 * file, and repeatable ones (--threshold, --out) add to it.
 */
#ifndef SURGE_CLI_PROFILE_H
#define SURGE_CLI_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct profile_list {
    char **v;
    int n;
} profile_list;

/* Every value is kept as the text its `surge run` option takes ("30s",
 * "4", "p99:500ms"), NULL when not set. All strings are owned. */
typedef struct profile {
    char *path;             /* the file it was read from (NULL when built from options) */
    char *name;             /* the `name` key, else the file name without its extension */
    char *description;
    profile_list tags;

    char *target, *workload, *tables, *mix, *pattern, *arrivals;
    char *threads, *connections, *think;
    char *duration, *transactions, *warmup, *interval, *history, *late_after;
    char *seed, *scale, *max_tries, *time_scale;
    bool fresh;

    /* guardrails: */
    char *max_rate, *max_total, *max_duration, *max_error_rate, *max_latency;
    char *max_queue_depth, *stop_file;

    profile_list thresholds;
    profile_list outputs;   /* "json:FILE", "csv:FILE", "html:FILE", "events:FILE" */
    char *dashboard, *dashboard_token;

    /* queue targets: */
    char *message, *consumers, *ack, *drain;
    profile_list op_patterns;
} profile;

/* The profiles folder: $XDG_CONFIG_HOME/surge/profiles, else
 * ~/.config/surge/profiles. 0, or -1 when there is no home to put it in. */
int profile_default_dir(char *buf, size_t len);

/* True when `arg` names a file rather than a profile in the folder: it
 * holds a '/' or ends in .yaml, .yml or .json. */
bool profile_arg_is_file(const char *arg);

/* True for a usable profile name: letters, digits, '.', '_', '-', not
 * starting with '.' or '-', at most 100 characters. */
bool profile_name_ok(const char *name);

/* Find NAME in dir (NULL: the default folder) as NAME.yaml, NAME.yml or
 * NAME.json. 0 with the path in buf; 2 with a message in err (none, or more
 * than one, or no folder). */
int profile_find(const char *name, const char *dir, char *buf, size_t len, char *err, size_t errlen);

/* Load a profile from a file (see profile_arg_is_file) or by NAME from dir
 * (NULL: the default folder), checking every key and value. 0; 2 for a
 * mistake in it, with the message in err: one line "FILE:LINE:COLUMN:
 * message" (just "FILE: message" when there is no position), plus the
 * expression and a caret line for a pattern error, as `surge run` shows
 * them; 1 when out of memory. *out is zeroed first and needs
 * profile_free() after a 0 (after an error there is nothing to free, and
 * profile_free() is harmless). */
int profile_load(const char *path_or_name, const char *dir, profile *out, char *err, size_t errlen);

void profile_free(profile *p);

/* The equivalent `surge run` options, e.g. {"--target", URL, "--pattern",
 * "...", "--max-error-rate", "5%", "--threshold", "p99<100ms", ...}: *argv
 * is a malloc'd array of *argc malloc'd strings plus a NULL, independent of
 * p (free it with profile_args_free). 0, or -1 when out of memory. */
int profile_to_args(const profile *p, char ***argv, int *argc);
void profile_args_free(char **argv, int argc);

/* Set one setting from a `surge run` option, as `surge profile save` does
 * (long name without "--", e.g. "threads", "max-latency", "threshold";
 * `value` NULL for --fresh; "description" and "tag" too). Checked like a
 * file's value. 0; 1 when `opt` is not something a profile keeps; 2 with a
 * message in err for a bad value (or no memory). */
int profile_set_option(profile *p, const char *opt, const char *value, char *err, size_t errlen);

/* The long option for a short one ('T' -> "target"), NULL if none. */
const char *profile_long_option(char shortname);

/* Does this run option take a value? -1 when it is not a profile setting. */
int profile_option_takes_value(const char *opt);

/* Write p as YAML (profile_yaml.c), keys in the documented order, strings
 * quoted when they need it, a pattern of several phases as a list. 0, or -1
 * on a write error. */
int profile_write_yaml(const profile *p, FILE *out);

/* `surge profile list|show|save|delete` (cli/profile_cmd.c). Exit code:
 * 0; 1 a file could not be written; 2 bad input (a bad profile, an unknown
 * name, a bad option). */
int cmd_profile(int argc, char **argv);

#endif
