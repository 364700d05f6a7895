/* target.h - the run-level side of a target (see target.c): gauges,
 * observed latencies, failure and wind-down. Every function takes NULL
 * (a target without run-level state) and does nothing. Reporter thread only. */
#ifndef SURGE_TARGET_H
#define SURGE_TARGET_H

#include <stdbool.h>

#include "surge.h"

struct surge_gen;
typedef struct target target;

target *target_new(struct surge_gen *g);   /* NULL when the driver has no run object */
void target_free(target *t);

/* Every control tick (100 ms): a failed target stops the run; with
 * --max-queue-depth (guarded) the gauges are read and the guardrail judged. */
void target_poll(target *t, struct surge_gen *g, bool guarded);
/* Into a new sample: the gauges now (NAN where there is none). */
void target_sample(target *t, struct surge_gen *g, surge_sample *s);
/* A sample kept in the history: its gauges count in the summary. */
void target_account(target *t, const surge_sample *s);
/* The live result's gauges and observed latencies. */
void target_fill(target *t, struct surge_gen *g, surge_result *res);
/* A gauge the engine itself keeps (the CPU controller's connections or
 * rate): the value in force, shown in the samples from now on. */
void target_put(target *t, const char *name, double value);
/* A gauge's latest reading; NAN when there is none. */
double target_latest(const target *t, const char *name);
/* After the workers: wind the target down, its facts into the result, and
 * a target that failed becomes the result's error. */
void target_finish(target *t, struct surge_gen *g, surge_result *res);

#endif
