/* threshold.h - pass/fail checks on a run (--threshold, surge_config.thresholds).
 *
 *   METRIC[{op=NAME}] CMP VALUE [over DURATION] [abort]
 *
 * METRIC: p50 p90 p95 p99 p99.9 (any pNN), mean, min, max (latency from the
 * intended start; VALUE with us, ms or s, a bare number is ms); errors
 * (VALUE with % for the failed share, bare for a count); rate (achieved /
 * target, VALUE in %, open loop only); ops (operations that succeeded);
 * throughput (ops/s). CMP: < <= > >= ==.
 *
 * Percentiles come from merged histograms, never from averages of
 * percentiles. Without `over`, a threshold is judged on the whole measured
 * run at the end; with `over 10s` it fails as soon as any 10 s window (at
 * sample boundaries) breaks it. `abort` stops the run at the first failure
 * (whole-run latency, errors and rate are then also judged as the run goes).
 */
#ifndef SURGE_THRESHOLD_H
#define SURGE_THRESHOLD_H

#include <stdbool.h>
#include <stddef.h>

#include "surge.h"

struct surge_gen;
struct snapshot;
typedef struct thr_set thr_set;

/* Parse every expression against the workload's operation names. NULL
 * with a message naming the expression and the column of the problem. */
thr_set *thr_parse(const char *const *exprs, const char *const *op_names, int nops, bool open_loop, char *err,
                   size_t errlen);
void thr_free(thr_set *t);

/* After each sample (cumulative snapshot `now` at run time t since the
 * measured start, the result's history so far), and once at the end
 * (final = true). Fills the verdicts; a failure with abort stops the run. */
void thr_update(thr_set *t, struct surge_gen *g, const struct snapshot *now, const surge_result *res, bool final);

int thr_count(const thr_set *t);
const surge_threshold_result *thr_results(const thr_set *t);

#endif
