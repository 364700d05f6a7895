/* guard.h - guardrails (surge_config.max_*, stop_file): limits that stop a
 * run before it does harm. The reporter checks them every 100 ms. */
#ifndef SURGE_GUARD_H
#define SURGE_GUARD_H

#include <stdbool.h>

struct surge_gen;
typedef struct guard guard;

guard *guard_new(struct surge_gen *g);   /* NULL when no guardrail is set (or out of memory) */
void guard_free(guard *gd);

/* Check every guardrail against the workers' counters; the first that
 * trips stops the run (reason "guardrail"; its name and why are kept in
 * the generator for the result and the "guardrail" event). true if one did. */
bool guard_check(guard *gd, struct surge_gen *g);

#endif
