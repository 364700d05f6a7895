/* target.c - the run-level side of a target that has one (driver.h,
 * "run-level state"): its gauges sampled into the history and summarised,
 * the latencies it observed (consumers, acknowledgements), the
 * --max-queue-depth guardrail, a target that fails for good (a consumer
 * child that exits), and its wind-down at the end. All on the reporter
 * thread. */
#include "run/target.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/engine.h"
#include "run/events.h"
#include "watch/watch.h"

struct target {
    drv_gauge now[DRV_MAX_GAUGES];       /* the latest reading */
    int nnow;
    int ngauges;                         /* names seen so far: res.gauges[i] */
    char names[SURGE_MAX_GAUGES][DRV_NAME];
    double latest[SURGE_MAX_GAUGES];
    double sum[SURGE_MAX_GAUGES];
    surge_gauge gauges[SURGE_MAX_GAUGES];
    char obs_names[DRV_MAX_OBSERVED][DRV_NAME];
    surge_observed observed[DRV_MAX_OBSERVED];
    hist_t scratch;
    drv_fact dfacts[DRV_MAX_FACTS];
    surge_fact facts[DRV_MAX_FACTS];
    bool failed;
    bool finished;              /* wound down: the last reading before it stands */
    bool watch_warned;          /* a failed watch reading has been reported (once) */
    char fail_msg[256];
};

target *target_new(struct surge_gen *g)
{
    return g->run || g->watch ? calloc(1, sizeof(target)) : NULL;
}

void target_free(target *t)
{
    free(t);
}

/* The index of a gauge by name; new names get the next column, as long
 * as there is room (a target's gauges are stable, so this fills once). */
static int gauge_index(target *t, const char *name)
{
    for (int i = 0; i < t->ngauges; i++)
        if (strcmp(t->names[i], name) == 0)
            return i;
    if (t->ngauges == SURGE_MAX_GAUGES)
        return -1;
    snprintf(t->names[t->ngauges], DRV_NAME, "%s", name);
    t->latest[t->ngauges] = NAN;
    return t->ngauges++;
}

void target_put(target *t, const char *name, double value)
{
    int k = t ? gauge_index(t, name) : -1;
    if (k >= 0)
        t->latest[k] = value;
}

double target_latest(const target *t, const char *name)
{
    for (int i = 0; t && i < t->ngauges; i++)
        if (strcmp(t->names[i], name) == 0)
            return t->latest[i];
    return NAN;
}

static void read_gauges(target *t, struct surge_gen *g)
{
    t->nnow = g->run && g->drv->run_gauges ? g->drv->run_gauges(g->run, t->now) : 0;
    if (g->watch && t->nnow + 2 <= DRV_MAX_GAUGES) {
        /* A source that fails once (a command that timed out) leaves a gap,
         * not an error: the next reading may work. */
        watch_reading wr = { NAN, NAN, NAN };
        char err[200];
        if (watch_read(g->watch, &wr, err, sizeof err) != 0 && !t->watch_warned) {
            event_emit(g, "watch_failed", NULL, "watch %s: %s", g->cfg.watch, err);
            t->watch_warned = true;
        }
        snprintf(t->now[t->nnow].name, DRV_NAME, "cpu_pct");
        t->now[t->nnow++].value = wr.cpu_pct;
        snprintf(t->now[t->nnow].name, DRV_NAME, "mem_pct");
        t->now[t->nnow++].value = wr.mem_pct;
    }
    for (int i = 0; i < t->nnow; i++) {
        int k = gauge_index(t, t->now[i].name);
        if (k >= 0)
            t->latest[k] = t->now[i].value;
    }
}

/* The guardrails on gauges: which gauge, its limit (0 none), and how to say it. */
typedef struct gauge_guard {
    const char *guardrail, *gauge, *what;
    double limit;
} gauge_guard;

static int gauge_guards(const struct surge_gen *g, gauge_guard *gg)
{
    int n = 0;
    if (g->cfg.max_queue_depth > 0)
        gg[n++] = (gauge_guard){ "max-queue-depth", "queue_depth", "queue depth %.0f (limit %.0f)",
                                 (double)g->cfg.max_queue_depth };
    if (g->cfg.max_child_cpu > 0)
        gg[n++] = (gauge_guard){ "max-child-cpu", "child_cpu_pct", "consumer CPU %.1f%% of a core (limit %.1f%%)",
                                 g->cfg.max_child_cpu };
    if (g->cfg.max_cpu > 0)
        gg[n++] = (gauge_guard){ "max-cpu", "cpu_pct", "watched CPU %.1f%% (limit %.1f%%)", g->cfg.max_cpu };
    if (g->cfg.max_mem > 0)
        gg[n++] = (gauge_guard){ "max-mem", "mem_pct", "watched memory %.1f%% (limit %.1f%%)", g->cfg.max_mem };
    if (g->cfg.max_child_rss_mb > 0)
        gg[n++] = (gauge_guard){ "max-child-rss", "child_rss_mb", "consumer memory %.1f MiB (limit %.1f MiB)",
                                 g->cfg.max_child_rss_mb };
    return n;
}

void target_poll(target *t, struct surge_gen *g, bool guarded)
{
    if (!t)
        return;
    if (!t->failed && g->run && g->drv->run_failed && g->drv->run_failed(g->run, t->fail_msg, sizeof t->fail_msg)) {
        t->failed = true;
        event_emit(g, "target_failed", NULL, "target failed: %s", t->fail_msg);
        gen_request_stop(g, STOP_ERROR);
    }
    gauge_guard gg[5];
    int ng = gauge_guards(g, gg);
    if (!guarded || !ng || t->finished)
        return;
    /* The guardrails are checked at the control rate, so the gauges are
     * read at that rate too; samples take the latest reading. */
    read_gauges(t, g);
    for (int k = 0; k < ng && !atomic_load(&g->stop); k++)
        for (int i = 0; i < t->ngauges; i++)
            if (strcmp(t->names[i], gg[k].gauge) == 0 && t->latest[i] > gg[k].limit) {
                snprintf(g->guardrail, sizeof g->guardrail, "%s", gg[k].guardrail);
                snprintf(g->stop_detail, sizeof g->stop_detail, gg[k].what, t->latest[i], gg[k].limit);
                event_emit(g, "guardrail", NULL, "%s: %s", gg[k].guardrail, g->stop_detail);
                gen_request_stop(g, STOP_GUARDRAIL);
            }
}

void target_sample(target *t, struct surge_gen *g, surge_sample *s)
{
    for (int i = 0; i < SURGE_MAX_GAUGES; i++)
        s->gauge[i] = NAN;
    if (!t)
        return;
    gauge_guard gg[5];
    if (!gauge_guards(g, gg) && !t->finished)
        read_gauges(t, g);
    for (int i = 0; i < t->ngauges; i++)
        s->gauge[i] = t->latest[i];
}

void target_account(target *t, const surge_sample *s)
{
    if (!t)
        return;
    for (int i = 0; i < t->ngauges; i++) {
        double v = s->gauge[i];
        if (isnan(v))
            continue;
        surge_gauge *gs = &t->gauges[i];
        if (!gs->samples || v < gs->min)
            gs->min = v;
        if (!gs->samples || v > gs->max)
            gs->max = v;
        gs->last = v;
        t->sum[i] += v;
        gs->samples++;
        gs->mean = t->sum[i] / (double)gs->samples;
    }
}

void target_fill(target *t, struct surge_gen *g, surge_result *res)
{
    if (!t)
        return;
    for (int i = 0; i < t->ngauges; i++)
        t->gauges[i].name = t->names[i];
    res->ngauges = t->ngauges;
    res->gauges = t->gauges;
    drv_observed o[DRV_MAX_OBSERVED];
    int n = g->run && g->drv->run_observed ? g->drv->run_observed(g->run, o) : 0;
    if (n > DRV_MAX_OBSERVED)
        n = DRV_MAX_OBSERVED;
    for (int i = 0; i < n; i++) {
        memcpy(t->obs_names[i], o[i].name, DRV_NAME);
        t->obs_names[i][DRV_NAME - 1] = '\0';
        t->observed[i].name = t->obs_names[i];
        t->observed[i].count = o[i].count;
        t->observed[i].lost = o[i].lost;
        if (o[i].lat) {
            hist_copy(&t->scratch, o[i].lat);
            latency_of(&t->scratch, &t->observed[i].latency_ms);
        }
    }
    res->nobserved = n;
    res->observed = t->observed;
}

void target_finish(target *t, struct surge_gen *g, surge_result *res)
{
    if (!t)
        return;
    /* The gauges as the load ended: after the wind-down a child is gone
     * and the queues drained, which says nothing of the run. */
    read_gauges(t, g);
    t->finished = true;
    int n = g->run && g->drv->run_finish ? g->drv->run_finish(g->run, t->dfacts) : 0;
    for (int i = 0; i < n; i++) {
        t->facts[i].name = t->dfacts[i].name;
        t->facts[i].text = t->dfacts[i].is_text ? t->dfacts[i].text : NULL;
        t->facts[i].value = t->dfacts[i].value;
    }
    res->nfacts = n;
    res->facts = t->facts;
    /* A target can fail while winding down too (a child that crashes on EOF). */
    if (!t->failed && g->run && g->drv->run_failed && g->drv->run_failed(g->run, t->fail_msg, sizeof t->fail_msg))
        t->failed = true;
    target_fill(t, g, res);   /* the observed latencies as they ended, with what was lost */
    if (t->failed && !res->error)
        res->error = t->fail_msg;
}
