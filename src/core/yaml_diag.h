/* yaml_diag.h - what both readers of YAML (message templates in
 * src/workloads, profiles in the CLI) set up the same way around libfyaml:
 * a parser whose errors are collected quietly, to be told as
 * "FILE:LINE:COLUMN: message", and the place of a node that is not a
 * scalar. */
#ifndef SURGE_YAML_DIAG_H
#define SURGE_YAML_DIAG_H

#include <libfyaml.h>
#include <stdbool.h>
#include <stddef.h>

/* A diag that prints nothing and keeps every error for
 * fy_diag_errors_iterate; give it to fy_parse_cfg.diag. NULL when out of
 * memory. fy_diag_destroy frees it. */
struct fy_diag *yaml_diag_new(void);

/* A parser of text[0..len) (not copied: it must outlive the parser) that
 * reports to diag: quiet, aliases and merge keys resolved, strict JSON when
 * json. NULL when out of memory. */
struct fy_parser *yaml_parser_new(struct fy_diag *diag, const char *text, size_t len, bool json);

/* Destroy the documents fyp loaded, then fyp; NULLs are skipped. Both
 * readers load at most two: the one they read, and a second one only to
 * refuse it. */
void yaml_parser_free(struct fy_parser *fyp, struct fy_document *doc, struct fy_document *doc2);

/* The first error (not warning) the diag kept, or NULL. */
struct fy_diag_error *yaml_first_error(struct fy_diag *diag);

/* 1-based line and column where node n starts, as libfyaml knows it for a
 * mapping or a sequence but tells it only in a report: n is reported to
 * diag (an error it keeps) and read back. false when it gave no place. */
bool yaml_reported_pos(struct fy_diag *diag, struct fy_node *n, int *line, int *col);

#endif
