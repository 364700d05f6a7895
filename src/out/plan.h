/* plan.h - preview a rate pattern without running it (`surge plan`).
 *
 * Both views cover the window [0, window_s]; a window_s that is not a
 * positive finite number means plan_default_window(p).
 */
#ifndef SURGE_PLAN_H
#define SURGE_PLAN_H

#include <stdio.h>

#include "core/pattern.h"

/* The pattern's duration; for one that never ends, its start-up part plus
 * two cycles of its repeating tail, and at least 60 s. */
double plan_default_window(const pat_t *p);

/* A terminal plot, width x height characters for the plot area (clamped to
 * 10..2000 x 2..500): rate on the y axis, time on the x axis, each column
 * the mean rate over its slice of time (so a short burst shows as the
 * operations it really carries). UTF-8 block characters when the locale
 * variables (LC_ALL, LC_CTYPE, LANG) name UTF-8, plain ASCII otherwise.
 * Then the duration (or "never ends"), the phases with their start and end,
 * the peak rate and the operations in the window. */
void plan_print_text(const pat_t *p, double window_s, int width, int height, FILE *out);

/* One JSON object and a newline:
 *   {"duration_s":D,"total_ops":N,"peak_rate":R,
 *    "phases":[{"label":"ramp","start_s":0.000,"end_s":60.000,"mix":{"read":80}}],
 *    "points":[[t,rate],...]}
 * duration_s and total_ops (round(C(end))) cover the whole pattern, null
 * when it never ends; then, and when the window is shorter than the
 * pattern, "window_s" and "window_ops" follow them. end_s is null for a
 * phase that never ends; mix is {} for a phase without one. points are 201
 * evenly spaced times over the window plus each phase boundary inside it,
 * in time order; where the rate jumps at a boundary, two points share the
 * time (the rate just before, then at it). Times %.3f, rates %.6g. */
void plan_print_json(const pat_t *p, double window_s, FILE *out);

#endif
