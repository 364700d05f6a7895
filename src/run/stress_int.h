/* stress_int.h - what the stress runner (stress.c) and the judge
 * (stress_judge.c) share. */
#ifndef SURGE_STRESS_INT_H
#define SURGE_STRESS_INT_H

#include <stdbool.h>

#include "surge.h"

#define STRESS_MAX_FINDINGS 16   /* per level and kind; more are left out */
#define STRESS_FINDING_LEN 256

/* A level's failures and warnings, and the text they point to. */
typedef struct stress_findings {
    surge_stress_finding fail[STRESS_MAX_FINDINGS], warn[STRESS_MAX_FINDINGS];
    char fail_text[STRESS_MAX_FINDINGS][STRESS_FINDING_LEN], warn_text[STRESS_MAX_FINDINGS][STRESS_FINDING_LEN];
    int nfail, nwarn;
} stress_findings;

/* Add a failure (or a warning) with a printf-style detail. */
void stress_finding_add(stress_findings *st, bool failure, const char *what, double value, double bound,
                        const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Judge lv from lv->result (which must be set) and its bounds, against c's
 * criteria; prev is the level before (NULL for the first). Sets verdict,
 * achieved, error_rate, latency_ms, cpu_pct, mem_pct and the findings
 * (stored in st). */
void stress_judge(const surge_stress_config *c, surge_stress_level *lv, const surge_stress_level *prev,
                  stress_findings *st);

#endif
