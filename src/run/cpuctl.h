/* cpuctl.h - the CPU feedback controller (see cpuctl.c). Reporter thread only. */
#ifndef SURGE_CPUCTL_H
#define SURGE_CPUCTL_H

#include <stdbool.h>

#include "surge.h"

struct surge_gen;
typedef struct cpuctl cpuctl;

/* NULL when --cpu-target is off. Sets the starting value in the engine. */
cpuctl *cpuctl_new(struct surge_gen *g, const char *describe);
void cpuctl_free(cpuctl *c);

/* One step, after a sample: the CPU it measured (NAN: none), t seconds
 * since the measured start at its end, dt its length. */
void cpuctl_step(cpuctl *c, struct surge_gen *g, double cpu, double t, double dt);

double cpuctl_value(const cpuctl *c);        /* the connections or rate in force */
const char *cpuctl_gauge(const cpuctl *c);   /* its gauge's name */

/* The result section, live or final. */
const surge_cpu_control *cpuctl_result(cpuctl *c, const struct surge_gen *g, bool final);

#endif
