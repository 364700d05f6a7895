/* dash_api.c - the dashboard's JSON API documents. Field names and units
 * follow the result file (docs/result.md), so a reader of one can read the
 * other:
 *
 *   GET /api/status     {state, paused, paused_s, elapsed_s, duration_s, planned_s,
 *                        planned_ops, stop_reason (once stopping), stop_detail, guardrail,
 *                        error, target, workload, pattern, mode, arrivals, threads,
 *                        connections, seed, started_at, phase, nphases,
 *                        ops {total, ok, failed, late, unsent, retries},
 *                        rate {current, target, throughput}, latency_ms, service_ms,
 *                        lag_ms, by_op [{name, weight, ok, failed, latency_ms, service_ms}],
 *                        errors [{message, op, count}] (the 20 most frequent),
 *                        thresholds [{expr, ok, value, detail}],
 *                        gauges {NAME: {last, min, max, mean, samples}},
 *                        observed {NAME: {count, lost, latency_ms}},
 *                        target_end {NAME: number or text}}
 *   GET /api/metrics    {interval_s, samples [history samples with t > since,
 *                        each gauge a field: number, or null without a reading]}
 *   GET /api/events     {total, events [the last 200 event objects, oldest first]}
 */
#include "out/dash.h"

#include <math.h>

#include "out/jsonw.h"

#define API_MAX_ERRORS 20   /* the status shows the most frequent; the result file has them all */

const char *dash_state_name(surge_state st)
{
    switch (st) {
    case SURGE_STATE_NEW:      return "new";
    case SURGE_STATE_SETUP:    return "setup";
    case SURGE_STATE_WARMUP:   return "warmup";
    case SURGE_STATE_RUNNING:  return "running";
    case SURGE_STATE_STOPPING: return "stopping";
    case SURGE_STATE_DONE:     return "done";
    }
    return "unknown";
}

static void num(jsonw *w, const char *key, double v)
{
    jsonw_key(w, key);
    jsonw_double(w, v);
}

static void latency(jsonw *w, const char *key, const surge_latency *l)
{
    jsonw_key(w, key);
    jsonw_object_flat(w);
    num(w, "p50", l->p50);
    num(w, "p90", l->p90);
    num(w, "p95", l->p95);
    num(w, "p99", l->p99);
    num(w, "p999", l->p999);
    num(w, "mean", l->mean);
    num(w, "min", l->min);
    num(w, "max", l->max);
    jsonw_end(w);
}

static void status_lists(jsonw *w, const surge_result *r)
{
    jsonw_key(w, "by_op");
    jsonw_array(w);
    for (int i = 0; i < r->nops; i++) {
        const surge_op_result *op = &r->ops[i];
        jsonw_object_flat(w);
        jsonw_kv_string(w, "name", op->name);
        num(w, "weight", op->weight);
        jsonw_kv_uint(w, "ok", op->ok);
        jsonw_kv_uint(w, "failed", op->failed);
        latency(w, "latency_ms", &op->latency_ms);
        latency(w, "service_ms", &op->service_ms);
        jsonw_end(w);
    }
    jsonw_end(w);

    jsonw_key(w, "errors");
    jsonw_array(w);
    for (int i = 0; i < r->nerrors && i < API_MAX_ERRORS; i++) {
        jsonw_object_flat(w);
        jsonw_kv_string(w, "message", r->errors[i].message);
        jsonw_kv_string(w, "op", r->errors[i].op);
        jsonw_kv_uint(w, "count", r->errors[i].count);
        jsonw_end(w);
    }
    jsonw_end(w);

    jsonw_key(w, "thresholds");
    jsonw_array(w);
    for (int i = 0; i < r->nthresholds; i++) {
        const surge_threshold_result *t = &r->thresholds[i];
        jsonw_object_flat(w);
        jsonw_kv_string(w, "expr", t->expr);
        jsonw_key(w, "ok");
        jsonw_bool(w, t->ok);
        num(w, "value", t->value);
        jsonw_kv_string(w, "detail", t->detail);
        jsonw_end(w);
    }
    jsonw_end(w);
}

/* Queue and process targets, in the result file's shape (json.c's
 * write_target): objects keyed by name, empty for other targets. */
static void status_target(jsonw *w, const surge_result *r)
{
    jsonw_key(w, "gauges");
    jsonw_object(w);
    for (int i = 0; i < r->ngauges; i++) {
        const surge_gauge *gs = &r->gauges[i];
        if (!gs->name)
            continue;   /* its copy ran out of memory */
        jsonw_key(w, gs->name);
        jsonw_object_flat(w);
        num(w, "last", gs->last);
        num(w, "min", gs->min);
        num(w, "max", gs->max);
        num(w, "mean", gs->mean);
        jsonw_kv_uint(w, "samples", gs->samples);
        jsonw_end(w);
    }
    jsonw_end(w);

    jsonw_key(w, "observed");
    jsonw_object(w);
    for (int i = 0; i < r->nobserved; i++) {
        const surge_observed *o = &r->observed[i];
        if (!o->name)
            continue;
        jsonw_key(w, o->name);
        jsonw_object_flat(w);
        jsonw_kv_uint(w, "count", o->count);
        jsonw_kv_uint(w, "lost", o->lost);
        latency(w, "latency_ms", &o->latency_ms);
        jsonw_end(w);
    }
    jsonw_end(w);

    jsonw_key(w, "target_end");
    jsonw_object(w);
    for (int i = 0; i < r->nfacts; i++) {
        const surge_fact *f = &r->facts[i];
        if (!f->name)
            continue;
        if (f->text)
            jsonw_kv_string(w, f->name, f->text);
        else
            num(w, f->name, f->value);
    }
    jsonw_end(w);
}

void dash_write_status(const dash_state *s, FILE *out)
{
    const surge_result *r = &s->r;
    jsonw w;
    jsonw_init(&w, out, 0);
    jsonw_object(&w);
    jsonw_kv_string(&w, "surge_version", SURGE_VERSION);
    jsonw_kv_string(&w, "state", dash_state_name(r->state));
    jsonw_key(&w, "paused");
    jsonw_bool(&w, r->paused);
    num(&w, "paused_s", r->paused_s);
    num(&w, "elapsed_s", r->elapsed_s);
    num(&w, "duration_s", r->duration_s);
    num(&w, "planned_s", r->planned_s);   /* INFINITY: unknown, null */
    jsonw_key(&w, "planned_ops");
    if (r->planned_ops)
        jsonw_uint(&w, r->planned_ops);
    else
        jsonw_null(&w);
    jsonw_kv_string(&w, "stop_reason", r->state == SURGE_STATE_DONE || r->state == SURGE_STATE_STOPPING ? r->stop_reason : NULL);
    jsonw_kv_string(&w, "stop_detail", r->stop_detail);
    jsonw_kv_string(&w, "guardrail", r->guardrail);
    jsonw_kv_string(&w, "error", r->error);

    jsonw_kv_string(&w, "target", r->target);
    jsonw_kv_string(&w, "workload", r->workload);
    jsonw_kv_string(&w, "pattern", r->pattern);
    jsonw_kv_string(&w, "mode", r->mode);
    jsonw_kv_string(&w, "arrivals", r->arrivals);
    jsonw_key(&w, "threads");
    jsonw_int(&w, r->threads);
    jsonw_key(&w, "connections");
    jsonw_int(&w, r->connections);
    jsonw_kv_uint(&w, "seed", r->seed);
    jsonw_kv_string(&w, "started_at", r->started_at[0] ? r->started_at : NULL);
    jsonw_key(&w, "phase");
    jsonw_int(&w, r->phase);
    jsonw_key(&w, "nphases");
    jsonw_int(&w, r->nphases);

    jsonw_key(&w, "ops");
    jsonw_object_flat(&w);
    jsonw_kv_uint(&w, "total", r->ops_total);
    jsonw_kv_uint(&w, "ok", r->ops_ok);
    jsonw_kv_uint(&w, "failed", r->ops_failed);
    jsonw_kv_uint(&w, "late", r->late);
    jsonw_kv_uint(&w, "unsent", r->unsent);
    jsonw_kv_uint(&w, "retries", r->retries);
    jsonw_end(&w);

    jsonw_key(&w, "rate");
    jsonw_object_flat(&w);
    num(&w, "current", r->current_rate);
    num(&w, "target", r->target_rate);
    num(&w, "throughput", r->throughput);
    jsonw_end(&w);

    latency(&w, "latency_ms", &r->latency_ms);
    latency(&w, "service_ms", &r->service_ms);
    latency(&w, "lag_ms", &r->lag_ms);
    status_lists(&w, r);
    status_target(&w, r);
    jsonw_end(&w);
    jsonw_finish(&w);
}

void dash_write_metrics(const dash_state *s, double since, FILE *out)
{
    jsonw w;
    jsonw_init(&w, out, 0);
    jsonw_object(&w);
    num(&w, "interval_s", s->r.interval_s);
    jsonw_key(&w, "samples");
    jsonw_array(&w);
    for (int i = 0; i < s->nhist; i++) {
        const surge_sample *x = &s->hist[i];
        if (!(x->t > since))
            continue;
        jsonw_object_flat(&w);
        num(&w, "t", x->t);
        num(&w, "length", x->length);
        num(&w, "target_rate", x->target_rate);
        num(&w, "actual_rate", x->actual_rate);
        jsonw_kv_uint(&w, "ok", x->ok);
        jsonw_kv_uint(&w, "failed", x->failed);
        jsonw_kv_uint(&w, "late", x->late);
        num(&w, "p50_ms", x->p50_ms);
        num(&w, "p95_ms", x->p95_ms);
        num(&w, "p99_ms", x->p99_ms);
        num(&w, "max_ms", x->max_ms);
        num(&w, "mean_ms", x->mean_ms);
        jsonw_key(&w, "phase");
        jsonw_int(&w, x->phase);
        /* Gauges only grow (a name keeps its column), so the current
         * names fit every sample kept; one not read yet is NaN: null. */
        for (int g = 0; g < s->r.ngauges; g++)
            if (s->r.gauges[g].name)
                num(&w, s->r.gauges[g].name, x->gauge[g]);
        jsonw_end(&w);
    }
    jsonw_end(&w);
    jsonw_end(&w);
    jsonw_finish(&w);
}

void dash_write_events(const dash_state *s, FILE *out)
{
    /* The events are JSON objects already (checked when they came), so
     * they go out as they are, without a second encoding. */
    fprintf(out, "{\"total\":%llu,\"events\":[", (unsigned long long)s->events_seen);
    for (int i = 0; i < s->nevents; i++)
        fprintf(out, "%s%s", i ? "," : "", s->events[i]);
    fputs("]}", out);
}
