/* json.c - the result file: a surge_result as one JSON document.
 *
 * The schema is documented field by field in docs/result.md; keep the two
 * in step. Keys come in a fixed order (what ran, what happened, the
 * details, the history), so two result files can be compared with diff.
 */
#include "surge.h"

#include <math.h>

#include "out/jsonw.h"

/* Numbers are rounded to what they can mean before they are written: the
 * histograms keep latencies to within 0.4%, so digits past a nanosecond are
 * noise, and "1.234567" reads better than "1.2345670000000001". */
#define Q_MS    1e6     /* latencies in ms: to the nanosecond */
#define Q_S     1e6     /* times in s: to the microsecond */
#define Q_RATE  1e3     /* ops/s: to a thousandth */
#define Q_RATIO 1e9     /* weights */

/* v rounded to 1/per. Dividing by the (exact) power of ten, rather than
 * multiplying by its inverse, gives the double nearest the short decimal. */
static double quantize(double v, double per)
{
    if (!isfinite(v))
        return v;               /* written as null */
    double r = round(v * per) / per;
    return isfinite(r) ? r : v;
}

static void num(jsonw *w, const char *key, double v, double q)
{
    jsonw_key(w, key);
    jsonw_double(w, quantize(v, q));
}

static void latency(jsonw *w, const char *key, const surge_latency *l)
{
    jsonw_key(w, key);
    jsonw_object_flat(w);
    num(w, "p50", l->p50, Q_MS);
    num(w, "p90", l->p90, Q_MS);
    num(w, "p95", l->p95, Q_MS);
    num(w, "p99", l->p99, Q_MS);
    num(w, "p999", l->p999, Q_MS);
    num(w, "mean", l->mean, Q_MS);
    num(w, "min", l->min, Q_MS);
    num(w, "max", l->max, Q_MS);
    jsonw_end(w);
}

static const char *state_name(surge_state s)
{
    switch (s) {
    case SURGE_STATE_NEW:      return "new";
    case SURGE_STATE_SETUP:    return "setup";
    case SURGE_STATE_WARMUP:   return "warmup";
    case SURGE_STATE_RUNNING:  return "running";
    case SURGE_STATE_STOPPING: return "stopping";
    case SURGE_STATE_DONE:     return "done";
    }
    return "unknown";
}

static void write_setup(jsonw *w, const surge_result *r)
{
    jsonw_kv_string(w, "surge_version", SURGE_VERSION);
    jsonw_kv_string(w, "started_at", r->started_at[0] ? r->started_at : NULL);
    jsonw_kv_string(w, "target", r->target);
    jsonw_kv_string(w, "workload", r->workload);
    jsonw_kv_string(w, "pattern", r->pattern);
    jsonw_kv_string(w, "mode", r->mode);
    jsonw_kv_string(w, "arrivals", r->arrivals);
    jsonw_key(w, "threads");
    jsonw_int(w, r->threads);
    jsonw_key(w, "connections");
    jsonw_int(w, r->connections);
    jsonw_kv_uint(w, "seed", r->seed);
    num(w, "warmup_s", r->warmup_s, Q_S);
    num(w, "interval_s", r->interval_s, Q_S);
    num(w, "planned_s", r->planned_s, Q_S);     /* INFINITY (unknown) -> null */
    jsonw_key(w, "planned_ops");
    if (r->planned_ops)
        jsonw_uint(w, r->planned_ops);
    else
        jsonw_null(w);                          /* 0 means unknown, not "none planned" */
}

static void write_outcome(jsonw *w, const surge_result *r)
{
    jsonw_kv_string(w, "state", state_name(r->state));
    jsonw_kv_string(w, "stop_reason", r->stop_reason);
    jsonw_kv_string(w, "guardrail", r->guardrail);
    jsonw_kv_string(w, "stop_detail", r->stop_detail);
    jsonw_kv_string(w, "error", r->error);
    num(w, "paused_s", r->paused_s, Q_S);
    num(w, "duration_s", r->duration_s, Q_S);
    num(w, "throughput", r->throughput, Q_RATE);
    num(w, "target_rate", r->target_rate, Q_RATE);

    jsonw_key(w, "ops");
    jsonw_object_flat(w);
    jsonw_kv_uint(w, "total", r->ops_total);
    jsonw_kv_uint(w, "ok", r->ops_ok);
    jsonw_kv_uint(w, "failed", r->ops_failed);
    jsonw_kv_uint(w, "late", r->late);
    jsonw_kv_uint(w, "warmup_dropped", r->warmup_dropped);
    jsonw_kv_uint(w, "unsent", r->unsent);
    jsonw_kv_uint(w, "capped", r->capped);
    jsonw_kv_uint(w, "warmup_ok", r->warmup_ok);
    jsonw_kv_uint(w, "retries", r->retries);
    jsonw_end(w);
    num(w, "late_after_ms", r->late_after_s * 1e3, Q_MS);

    latency(w, "latency_ms", &r->latency_ms);
    latency(w, "service_ms", &r->service_ms);
    latency(w, "lag_ms", &r->lag_ms);
}

static void write_ops(jsonw *w, const surge_result *r)
{
    jsonw_key(w, "by_op");
    jsonw_object(w);
    for (int i = 0; i < r->nops; i++) {
        const surge_op_result *op = &r->ops[i];
        jsonw_key(w, op->name);
        jsonw_object(w);
        num(w, "weight", op->weight, Q_RATIO);
        jsonw_kv_uint(w, "ok", op->ok);
        jsonw_kv_uint(w, "failed", op->failed);
        jsonw_kv_uint(w, "warmup_ok", op->warmup_ok);
        latency(w, "latency_ms", &op->latency_ms);
        latency(w, "service_ms", &op->service_ms);
        jsonw_end(w);
    }
    jsonw_end(w);
}

/* Errors are an object keyed by message, in the engine's order (most
 * frequent first): the messages are already grouped, so they are unique,
 * and {"message": count} is what a reader wants to look up. The operation
 * that first failed with each message goes in a parallel object, so
 * "errors" stays a plain map of counts. */
static void write_errors(jsonw *w, const surge_result *r)
{
    jsonw_key(w, "errors");
    jsonw_object(w);
    for (int i = 0; i < r->nerrors; i++)
        jsonw_kv_uint(w, r->errors[i].message, r->errors[i].count);
    jsonw_end(w);

    jsonw_key(w, "error_ops");
    jsonw_object(w);
    for (int i = 0; i < r->nerrors; i++)
        jsonw_kv_string(w, r->errors[i].message, r->errors[i].op);
    jsonw_end(w);
}

static void write_thresholds(jsonw *w, const surge_result *r)
{
    jsonw_key(w, "thresholds");
    jsonw_array(w);
    for (int i = 0; i < r->nthresholds; i++) {
        const surge_threshold_result *t = &r->thresholds[i];
        jsonw_object_flat(w);
        jsonw_kv_string(w, "expr", t->expr);
        jsonw_key(w, "ok");
        jsonw_bool(w, t->ok);
        num(w, "value", t->value, 1e4);
        jsonw_kv_string(w, "detail", t->detail);
        jsonw_end(w);
    }
    jsonw_end(w);
}

/* Queue and process targets: gauges summarised, latencies the target
 * observed, and how it ended. Empty objects for other targets. */
static void write_target(jsonw *w, const surge_result *r)
{
    jsonw_key(w, "gauges");
    jsonw_object(w);
    for (int i = 0; i < r->ngauges; i++) {
        const surge_gauge *gs = &r->gauges[i];
        jsonw_key(w, gs->name);
        jsonw_object_flat(w);
        num(w, "last", gs->last, Q_RATE);
        num(w, "min", gs->min, Q_RATE);
        num(w, "max", gs->max, Q_RATE);
        num(w, "mean", gs->mean, Q_RATE);
        jsonw_kv_uint(w, "samples", gs->samples);
        jsonw_end(w);
    }
    jsonw_end(w);

    jsonw_key(w, "observed");
    jsonw_object(w);
    for (int i = 0; i < r->nobserved; i++) {
        const surge_observed *o = &r->observed[i];
        jsonw_key(w, o->name);
        jsonw_object(w);
        jsonw_kv_uint(w, "count", o->count);
        jsonw_kv_uint(w, "lost", o->lost);
        latency(w, "latency_ms", &o->latency_ms);
        jsonw_end(w);
    }
    jsonw_end(w);

    jsonw_key(w, "cpu_control");
    const surge_cpu_control *c = r->cpu_control;
    if (!c) {
        jsonw_null(w);
    } else {
        jsonw_object(w);
        num(w, "target", c->target, Q_RATE);
        num(w, "band", c->band, Q_RATE);
        jsonw_kv_string(w, "source", c->source);
        jsonw_kv_string(w, "kind", c->kind);
        num(w, "start", c->start, Q_RATE);
        num(w, "final", c->final, Q_RATE);
        num(w, "lowest", c->lowest, Q_RATE);
        num(w, "highest", c->highest, Q_RATE);
        num(w, "limit", c->limit, Q_RATE);
        num(w, "cpu_reached", c->cpu_reached, Q_RATE);
        num(w, "settled_s", c->settled_s < 0 ? NAN : c->settled_s, Q_S);
        num(w, "inside_s", c->inside_s, Q_S);
        num(w, "stable_for_s", c->stable_for_s, Q_S);
        jsonw_key(w, "stable");
        jsonw_bool(w, c->stable);
        jsonw_kv_string(w, "verdict", c->verdict);
        jsonw_end(w);
    }

    jsonw_key(w, "target_end");
    jsonw_object(w);
    for (int i = 0; i < r->nfacts; i++) {
        if (r->facts[i].text)
            jsonw_kv_string(w, r->facts[i].name, r->facts[i].text);
        else
            num(w, r->facts[i].name, r->facts[i].value, Q_S);
    }
    jsonw_end(w);
}

static void write_history(jsonw *w, const surge_result *r)
{
    jsonw_key(w, "history");
    jsonw_array(w);
    for (int i = 0; i < r->nhistory; i++) {
        const surge_sample *s = &r->history[i];
        jsonw_object_flat(w);
        num(w, "t", s->t, Q_S);
        num(w, "length", s->length, Q_S);
        num(w, "target_rate", s->target_rate, Q_RATE);
        num(w, "actual_rate", s->actual_rate, Q_RATE);
        jsonw_kv_uint(w, "ok", s->ok);
        jsonw_kv_uint(w, "failed", s->failed);
        jsonw_kv_uint(w, "late", s->late);
        num(w, "p50_ms", s->p50_ms, Q_MS);
        num(w, "p95_ms", s->p95_ms, Q_MS);
        num(w, "p99_ms", s->p99_ms, Q_MS);
        num(w, "max_ms", s->max_ms, Q_MS);
        num(w, "mean_ms", s->mean_ms, Q_MS);
        jsonw_key(w, "phase");
        jsonw_int(w, s->phase);
        for (int g = 0; g < r->ngauges; g++)
            num(w, r->gauges[g].name, s->gauge[g], Q_RATE);   /* NaN (no reading) -> null */
        jsonw_end(w);
    }
    jsonw_end(w);
}

int surge_result_write_json(const surge_result *r, FILE *out)
{
    jsonw w;
    jsonw_init(&w, out, 2);
    jsonw_object(&w);
    write_setup(&w, r);
    write_outcome(&w, r);
    write_ops(&w, r);
    write_thresholds(&w, r);
    write_errors(&w, r);
    write_target(&w, r);
    write_history(&w, r);
    jsonw_end(&w);
    return jsonw_finish(&w);
}
