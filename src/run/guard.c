/* guard.c - guardrails (see guard.h).
 *
 * Rates and latencies are judged over the last second: every check keeps
 * the cumulative counts and the merged latency histogram of all workers in
 * a ring, and the window is the newest entry minus the one a second older.
 * A window needs a few operations (GUARD_MIN_OPS) before it can trip, so
 * one early failure out of two operations is not a 50% error rate.
 */
#include "run/guard.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/hist.h"
#include "run/engine.h"
#include "run/events.h"

#define GUARD_RING     11          /* checks 100 ms apart: a second and one more */
#define GUARD_MIN_OPS  20

typedef struct guard_point {
    uint64_t ok, failed;
    hist_t lat;
} guard_point;

struct guard {
    guard_point ring[GUARD_RING];
    int n, head;                   /* entries kept; next slot */
    hist_t window;
};

guard *guard_new(struct surge_gen *g)
{
    const surge_config *c = &g->cfg;
    if (!(c->max_duration > 0 || c->max_error_rate > 0 || c->max_latency_ms > 0 || c->stop_file))
        return NULL;
    return calloc(1, sizeof(guard));
}

void guard_free(guard *gd) { free(gd); }

static void trip(struct surge_gen *g, const char *name, const char *fmt, double a, double b)
{
    snprintf(g->guardrail, sizeof g->guardrail, "%s", name);
    snprintf(g->stop_detail, sizeof g->stop_detail, fmt, a, b);
    event_emit(g, "guardrail", NULL, "%s: %s", name, g->stop_detail);
    gen_request_stop(g, STOP_GUARDRAIL);
}

bool guard_check(guard *gd, struct surge_gen *g)
{
    const surge_config *c = &g->cfg;
    if (!gd || atomic_load(&g->stop))
        return false;
    if (c->stop_file && access(c->stop_file, F_OK) == 0) {
        snprintf(g->guardrail, sizeof g->guardrail, "stop-file");
        snprintf(g->stop_detail, sizeof g->stop_detail, "%s exists", c->stop_file);
        event_emit(g, "guardrail", NULL, "stop-file: %s exists", c->stop_file);
        gen_request_stop(g, STOP_GUARDRAIL);
        return true;
    }
    double since = (double)(now_ns() - g->t0_ns) / 1e9;
    if (c->max_duration > 0 && since >= c->max_duration) {
        trip(g, "max-duration", "%.1f s since the start (limit %.1f s)", since, c->max_duration);
        return true;
    }

    guard_point *p = &gd->ring[gd->head];
    p->ok = p->failed = 0;
    hist_reset(&p->lat);
    for (int i = 0; i < g->nworkers; i++)
        for (int o = 0; o < g->nops; o++) {
            op_stats *os = &g->workers[i].stats.ops[o];
            p->ok += counter_get(&os->ok) + counter_get(&os->warmup_ok);
            p->failed += counter_get(&os->failed);
            if (c->max_latency_ms > 0)
                hist_merge(&p->lat, &os->lat);   /* only the latency guardrail reads it */
        }
    const guard_point *old = &gd->ring[gd->n < GUARD_RING ? 0 : (gd->head + 1) % GUARD_RING];
    gd->head = (gd->head + 1) % GUARD_RING;
    if (gd->n < GUARD_RING)
        gd->n++;

    uint64_t dok = p->ok - old->ok, dfail = p->failed - old->failed;
    if (c->max_error_rate > 0 && dok + dfail >= GUARD_MIN_OPS &&
        (double)dfail > c->max_error_rate * (double)(dok + dfail)) {
        trip(g, "max-error-rate", "%.1f%% of operations failed in the last second (limit %.1f%%)",
             100.0 * (double)dfail / (double)(dok + dfail), 100.0 * c->max_error_rate);
        return true;
    }
    if (c->max_latency_ms > 0) {
        hist_diff(&gd->window, &p->lat, &old->lat);
        if (hist_count(&gd->window) >= GUARD_MIN_OPS) {
            double v = (double)hist_percentile(&gd->window, c->max_latency_pct) / 1e6;
            if (v > c->max_latency_ms) {
                char fmt[128];
                snprintf(fmt, sizeof fmt, "p%g latency %%.1f ms in the last second (limit %%.1f ms)", c->max_latency_pct);
                trip(g, "max-latency", fmt, v, c->max_latency_ms);
                return true;
            }
        }
    }
    return false;
}
