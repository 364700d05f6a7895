/* pattern.h - rate patterns: the target rate of a run as a function of time.
 *
 * A pattern is parsed from a small expression language (docs/patterns.md):
 *
 *   120                                    constant 120 ops/s, forever
 *   constant(100, 30s)                     100 ops/s for 30 s
 *   ramp(10, 500, 60s, hold=3m, down=true) 10 -> 500 over 60 s, hold, back down over 60 s
 *   step(10:30s, 50:30s, 100:30s, repeat=true)
 *   sine(base=100, amp=50, period=10s, phase=0, duration=2m)
 *   burst(500, on=5s, off=10s, count=10, idle=0)
 *   points(0s:10, 30s:100, 60s:50, loop=false)
 *   ramp(0, 100, 10s) then sine(base=100, amp=20, period=5s, duration=30s)
 *
 * Every shape takes an optional `mix={name=weight, ...}`: the operation
 * weights of the workload while that phase runs (a read-heavy night, a
 * write-heavy day). Names are not checked here; the engine checks them
 * against the workload.
 *
 * After parsing, a pattern is compiled into pieces on which the rate is
 * linear or an unclamped sine arc, each with a closed-form integral, so
 *   C(t) = expected operations in [0, t)
 * and its inverse are exact and cheap. The scheduler places operation k
 * (k = 0, 1, 2 ...) at the time where C(t) = k + 0.5 (even arrivals) and
 * so a finite pattern yields round(C(end)) operations.
 *
 * A compiled pattern is immutable: threads share it without locks.
 */
#ifndef SURGE_PATTERN_H
#define SURGE_PATTERN_H

#include <stddef.h>

typedef struct pat pat_t;

typedef struct pat_error {
    int column;          /* 1-based column in the expression where it went wrong */
    char msg[200];       /* what is wrong, one line, no column in it */
} pat_error;

typedef struct pat_mix {
    char name[64];       /* operation name as written */
    double weight;       /* >= 0 */
} pat_mix;

typedef struct pat_phase {
    double start, end;   /* seconds from the pattern's start; end = INFINITY if it never ends */
    char label[64];      /* the shape's name, e.g. "ramp", "sine" */
    int nmix;            /* 0: the workload's own weights */
    const pat_mix *mix;
} pat_phase;

/* Parse and compile. NULL on error, with *err filled (err may not be NULL). */
pat_t *pat_parse(const char *expr, pat_error *err);
/* The same, time-compressed: every duration in the text divided by
 * time_scale, rates unchanged (a day written in hours, run in minutes). */
pat_t *pat_parse_scaled(const char *expr, double time_scale, pat_error *err);
void   pat_free(pat_t *p);                     /* NULL is a no-op */

/* Length in seconds; INFINITY when it never ends (a bare rate, a repeating
 * step, a burst with count=0, looping points, a sine without duration). */
double pat_duration(const pat_t *p);

/* Target rate in ops/s at t seconds (>= 0); 0 at and after the end. */
double pat_rate(const pat_t *p, double t);

/* C(t): expected number of operations in [0, t). Monotone, continuous;
 * constant after the end. */
double pat_count(const pat_t *p, double t);

/* Inverse of C: the smallest t with C(t) >= c. INFINITY when C never reaches c
 * (the pattern ends first). Exact for linear pieces, to 1 ns for sine arcs. */
double pat_time_at(const pat_t *p, double c);

/* The largest rate anywhere in the pattern (for sizing and plots). */
double pat_peak(const pat_t *p);

/* For a pattern that never ends: where its repeating tail starts and the
 * length of one cycle, in seconds (a bare rate or an endless constant
 * repeats a 1 s cycle). Returns 0, or -1 for a pattern that ends. */
int pat_cycle(const pat_t *p, double *start, double *period);

/* Phases: one per shape joined with `then`, in order. */
int              pat_nphases(const pat_t *p);
const pat_phase *pat_phase_get(const pat_t *p, int i);
int              pat_phase_at(const pat_t *p, double t);   /* index of the phase running at t (last one past the end) */

/* Print the error with the expression and a caret under the column, e.g.
 *   surge: pattern: expected ')' at column 17
 *     ramp(10, 500, 60s
 *                     ^
 * `what` names the source ("pattern", "--pattern"). */
void pat_error_print(const pat_error *err, const char *what, const char *expr, void *stream /* FILE* */);

#endif
