/* dash_state.c - what the dashboard serves: a deep copy of the latest live
 * result, a longer history, the recent events. */
#include "out/dash.h"

#include <stdlib.h>
#include <string.h>

#include "out/jsonv.h"

static char *dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Every array pointer cleared, before it is copied or after it is freed. */
static void clear_arrays(surge_result *r)
{
    r->ops = NULL, r->nops = 0;
    r->errors = NULL, r->nerrors = 0;
    r->thresholds = NULL, r->nthresholds = 0;
    r->gauges = NULL, r->ngauges = 0;
    r->observed = NULL, r->nobserved = 0;
    r->facts = NULL, r->nfacts = 0;
}

/* Free what the copy owns: the strings and arrays, not hist. */
static void free_copy(surge_result *r)
{
    const char **strings[] = { &r->stop_reason, &r->guardrail, &r->stop_detail, &r->error,
                               &r->target, &r->workload, &r->pattern, &r->mode, &r->arrivals };
    for (size_t i = 0; i < sizeof strings / sizeof *strings; i++) {
        free((char *)*strings[i]);
        *strings[i] = NULL;
    }
    for (int i = 0; i < r->nops; i++)
        free((char *)r->ops[i].name);
    free((void *)r->ops);
    for (int i = 0; i < r->nerrors; i++) {
        free((char *)r->errors[i].message);
        free((char *)r->errors[i].op);
    }
    free((void *)r->errors);
    for (int i = 0; i < r->nthresholds; i++) {
        free((char *)r->thresholds[i].expr);
        free((char *)r->thresholds[i].detail);
    }
    free((void *)r->thresholds);
    for (int i = 0; i < r->ngauges; i++)
        free((char *)r->gauges[i].name);
    free((void *)r->gauges);
    for (int i = 0; i < r->nobserved; i++)
        free((char *)r->observed[i].name);
    free((void *)r->observed);
    for (int i = 0; i < r->nfacts; i++) {
        free((char *)r->facts[i].name);
        free((char *)r->facts[i].text);
    }
    free((void *)r->facts);
    clear_arrays(r);
}

int dash_state_init(dash_state *s)
{
    memset(s, 0, sizeof *s);
    s->hist = calloc(DASH_HISTORY, sizeof *s->hist);
    s->r.state = SURGE_STATE_NEW;
    s->r.phase = -1;
    s->r.history = s->hist;
    return s->hist ? 0 : -1;
}

void dash_state_fini(dash_state *s)
{
    free_copy(&s->r);
    free(s->hist);
    for (int i = 0; i < s->nevents; i++)
        free(s->events[i]);
    memset(s, 0, sizeof *s);
}

static void copy_arrays(surge_result *to, const surge_result *live)
{
    surge_op_result *ops = live->nops > 0 ? calloc((size_t)live->nops, sizeof *ops) : NULL;
    if (ops) {
        for (int i = 0; i < live->nops; i++) {
            ops[i] = live->ops[i];
            ops[i].name = dup(live->ops[i].name);
        }
        to->ops = ops, to->nops = live->nops;
    }
    surge_error_count *errs = live->nerrors > 0 ? calloc((size_t)live->nerrors, sizeof *errs) : NULL;
    if (errs) {
        for (int i = 0; i < live->nerrors; i++) {
            errs[i] = live->errors[i];
            errs[i].message = dup(live->errors[i].message);
            errs[i].op = dup(live->errors[i].op);
        }
        to->errors = errs, to->nerrors = live->nerrors;
    }
    surge_threshold_result *th = live->nthresholds > 0 ? calloc((size_t)live->nthresholds, sizeof *th) : NULL;
    if (th) {
        for (int i = 0; i < live->nthresholds; i++) {
            th[i] = live->thresholds[i];
            th[i].expr = dup(live->thresholds[i].expr);
            th[i].detail = dup(live->thresholds[i].detail);
        }
        to->thresholds = th, to->nthresholds = live->nthresholds;
    }
}

/* The target's part: gauges, observed latencies, facts. */
static void copy_target(surge_result *to, const surge_result *live)
{
    int ng = live->ngauges < SURGE_MAX_GAUGES ? live->ngauges : SURGE_MAX_GAUGES;
    surge_gauge *gs = ng > 0 ? calloc((size_t)ng, sizeof *gs) : NULL;
    if (gs) {
        for (int i = 0; i < ng; i++) {
            gs[i] = live->gauges[i];
            gs[i].name = dup(live->gauges[i].name);
        }
        to->gauges = gs, to->ngauges = ng;
    }
    surge_observed *obs = live->nobserved > 0 ? calloc((size_t)live->nobserved, sizeof *obs) : NULL;
    if (obs) {
        for (int i = 0; i < live->nobserved; i++) {
            obs[i] = live->observed[i];
            obs[i].name = dup(live->observed[i].name);
        }
        to->observed = obs, to->nobserved = live->nobserved;
    }
    surge_fact *facts = live->nfacts > 0 ? calloc((size_t)live->nfacts, sizeof *facts) : NULL;
    if (facts) {
        for (int i = 0; i < live->nfacts; i++) {
            facts[i] = live->facts[i];
            facts[i].name = dup(live->facts[i].name);
            facts[i].text = dup(live->facts[i].text);
            if (live->facts[i].text && !facts[i].text) {
                free((char *)facts[i].name);   /* not shown as a number it isn't: not shown */
                facts[i].name = NULL;
            }
        }
        to->facts = facts, to->nfacts = live->nfacts;
    }
}

/* Append the samples newer than the newest kept, dropping the oldest past
 * DASH_HISTORY. The generator's history is a sliding window too, so "newer
 * than what we have" is the only way to tell the new ones. */
static void merge_history(dash_state *s, const surge_result *live)
{
    if (!s->hist)
        return;
    double newest = s->nhist ? s->hist[s->nhist - 1].t : -1e300;
    for (int i = 0; i < live->nhistory; i++) {
        if (!(live->history[i].t > newest))
            continue;
        if (s->nhist == DASH_HISTORY) {
            /* One move per new sample, at most once a second: simpler than
             * a ring, and it keeps the samples one array for the writers. */
            memmove(s->hist, s->hist + 1, (DASH_HISTORY - 1) * sizeof *s->hist);
            s->nhist--;
        }
        s->hist[s->nhist++] = live->history[i];
    }
}

void dash_state_update(dash_state *s, const surge_result *live)
{
    free_copy(&s->r);
    s->r = *live;
    /* Nothing of live's may stay behind: every pointer is replaced by our
     * own copy, or cleared. */
    s->r.stop_reason = dup(live->stop_reason);
    s->r.guardrail = dup(live->guardrail);
    s->r.stop_detail = dup(live->stop_detail);
    s->r.error = dup(live->error);
    s->r.target = dup(live->target);
    s->r.workload = dup(live->workload);
    s->r.pattern = dup(live->pattern);
    s->r.mode = dup(live->mode);
    s->r.arrivals = dup(live->arrivals);
    clear_arrays(&s->r);
    copy_arrays(&s->r, live);
    copy_target(&s->r, live);
    merge_history(s, live);
    s->r.history = s->hist;
    s->r.nhistory = s->nhist;
}

void dash_state_event(dash_state *s, const char *json)
{
    /* Served as they are, inside an array: one broken event must not break
     * the whole document. */
    jsonv_type type;
    char why[128];
    if (!json || jsonv_check(json, strlen(json), &type, NULL, NULL, why, sizeof why) != 0 || type != JSONV_OBJECT)
        return;
    char *copy = strdup(json);
    if (!copy)
        return;
    if (s->nevents == DASH_EVENTS) {
        free(s->events[0]);
        memmove(s->events, s->events + 1, (DASH_EVENTS - 1) * sizeof *s->events);
        s->nevents--;
    }
    s->events[s->nevents++] = copy;
    s->events_seen++;
}
