/* prometheus.c - the dashboard's /metrics, in Prometheus' text format
 * (version 0.0.4): one HELP and one TYPE line per family, then its samples,
 * every family's samples together.
 *
 * Units are Prometheus' base units: seconds, not the milliseconds of the
 * result file. Latency is a summary per operation (quantile labels, _sum,
 * _count) over the whole run, from the same merged histograms as the result
 * file: a scraper gets surge's own percentiles, never an average of them.
 * The histograms hold successful operations only, so _count is ok.
 * Queue and process targets add their gauges and the latencies observed on
 * the far side (surge_target_gauge, surge_observed_*), by name.
 */
#include "out/dash.h"

#include <math.h>
#include <stddef.h>

#include "out/fmt.h"

static void family(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped, as the format
 * asks; anything else goes as it is (the format is UTF-8). */
static void label(FILE *out, const char *name, const char *v, bool first)
{
    fprintf(out, "%s%s=\"", first ? "" : ",", name);
    for (const char *p = v ? v : ""; *p; p++) {
        if (*p == '\\')
            fputs("\\\\", out);
        else if (*p == '"')
            fputs("\\\"", out);
        else if (*p == '\n')
            fputs("\\n", out);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void value(FILE *out, double v)
{
    if (isnan(v)) {
        fputs(" NaN\n", out);
    } else if (isinf(v)) {
        fputs(v > 0 ? " +Inf\n" : " -Inf\n", out);
    } else {
        char buf[64];
        snprintf(buf, sizeof buf, "%.17g", v);
        fmt_c_decimal(buf);   /* a host program's locale may use a comma */
        fprintf(out, " %s\n", buf);
    }
}

static void plain(FILE *out, const char *name, double v)
{
    fputs(name, out);
    value(out, v);
}

/* "{key="v"" opened for a series of name, or nothing when key is NULL;
 * whether a label was written (so the next one needs a comma). */
static bool open_series(FILE *out, const char *name, const char *suffix, const char *key, const char *v)
{
    fprintf(out, "%s%s", name, suffix);
    if (!key)
        return false;
    fputc('{', out);
    label(out, key, v, true);
    return true;
}

/* One summary's series: quantiles, _sum and _count, for one labelled
 * thing (key="v": op="insert", name="dequeue"; key NULL: none). Nothing
 * counted, no quantiles: NaN, as client libraries write an empty summary. */
static void summary(FILE *out, const char *name, const char *key, const char *v, const surge_latency *l, uint64_t n)
{
    static const struct { const char *q; size_t off; } qs[] = {
        { "0.5", offsetof(surge_latency, p50) },   { "0.9", offsetof(surge_latency, p90) },
        { "0.95", offsetof(surge_latency, p95) },  { "0.99", offsetof(surge_latency, p99) },
        { "0.999", offsetof(surge_latency, p999) },
    };
    for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
        double ms = *(const double *)((const char *)l + qs[i].off);
        bool more = open_series(out, name, "", key, v);
        if (!more)
            fputc('{', out);
        label(out, "quantile", qs[i].q, !more);
        fputc('}', out);
        value(out, n ? ms / 1e3 : NAN);
    }
    if (open_series(out, name, "_sum", key, v))
        fputc('}', out);
    value(out, l->mean / 1e3 * (double)n);
    if (open_series(out, name, "_count", key, v))
        fputc('}', out);
    value(out, (double)n);
}

/* One series labelled name="v" of a per-name family. */
static void named(FILE *out, const char *family_name, const char *v, double x)
{
    open_series(out, family_name, "", "name", v);
    fputc('}', out);
    value(out, x);
}

/* Queue and process targets: the gauges' latest readings and the latencies
 * the target side observed. Left out for targets without them. A gauge
 * without a reading in the newest sample (NaN: a child gone, a read that
 * failed) is left out rather than sent as NaN: a series missing from a
 * scrape reads as "no value", where NaN would spoil every sum over it. */
static void target_families(FILE *out, const dash_state *s)
{
    const surge_result *r = &s->r;
    const surge_sample *newest = s->nhist ? &s->hist[s->nhist - 1] : NULL;
    if (r->ngauges > 0) {
        family(out, "surge_target_gauge", "gauge",
               "The target's own numbers at the end of the last interval (queue depth, a child's CPU %), by name.");
        for (int i = 0; newest && i < r->ngauges && i < SURGE_MAX_GAUGES; i++)
            if (r->gauges[i].name && !isnan(newest->gauge[i]))
                named(out, "surge_target_gauge", r->gauges[i].name, newest->gauge[i]);
    }
    if (r->nobserved > 0) {
        family(out, "surge_observed_total", "counter",
               "Messages the target side observed (dequeued by consumers, acknowledged by the child), by name.");
        for (int i = 0; i < r->nobserved; i++)
            if (r->observed[i].name)
                named(out, "surge_observed_total", r->observed[i].name, (double)r->observed[i].count);
        family(out, "surge_observed_lost_total", "counter",
               "Messages sent and never observed (known at the end of the run), by name.");
        for (int i = 0; i < r->nobserved; i++)
            if (r->observed[i].name)
                named(out, "surge_observed_lost_total", r->observed[i].name, (double)r->observed[i].lost);
        family(out, "surge_observed_latency_seconds", "summary",
               "Latency the target side observed (enqueue to dequeue, send to acknowledgement), over the run.");
        for (int i = 0; i < r->nobserved; i++)
            if (r->observed[i].name)
                summary(out, "surge_observed_latency_seconds", "name", r->observed[i].name,
                        &r->observed[i].latency_ms, r->observed[i].count);
    }
}

void dash_write_prometheus(const dash_state *s, FILE *out)
{
    const surge_result *r = &s->r;
    family(out, "surge_info", "gauge", "The run: surge's version, the target (password masked), workload and mode.");
    fputs("surge_info{", out);
    label(out, "version", SURGE_VERSION, true);
    label(out, "target", r->target, false);
    label(out, "workload", r->workload, false);
    label(out, "mode", r->mode, false);
    fputs("} 1\n", out);

    family(out, "surge_running", "gauge", "1 from set-up until the run has stopped, else 0.");
    plain(out, "surge_running", r->state != SURGE_STATE_NEW && r->state != SURGE_STATE_DONE);
    family(out, "surge_paused", "gauge", "1 while the run is paused.");
    plain(out, "surge_paused", r->paused);
    family(out, "surge_elapsed_seconds", "gauge", "Seconds since the measured start (negative during the warm-up).");
    plain(out, "surge_elapsed_seconds", r->elapsed_s);
    family(out, "surge_paused_seconds", "gauge", "Seconds spent paused.");
    plain(out, "surge_paused_seconds", r->paused_s);

    family(out, "surge_ops_total", "counter", "Measured operations completed, by result.");
    plain(out, "surge_ops_total{result=\"ok\"}", (double)r->ops_ok);
    plain(out, "surge_ops_total{result=\"failed\"}", (double)r->ops_failed);
    family(out, "surge_late_ops_total", "counter",
           "Measured operations that started more than the late-after bound behind their intended start.");
    plain(out, "surge_late_ops_total", (double)r->late);
    family(out, "surge_unsent_ops_total", "counter",
           "Open loop: measured operations that were due but never started (every connection busy).");
    plain(out, "surge_unsent_ops_total", (double)r->unsent);

    family(out, "surge_rate_ops_per_second", "gauge", "Operations completed per second over the last interval.");
    plain(out, "surge_rate_ops_per_second", r->current_rate);
    family(out, "surge_target_rate_ops_per_second", "gauge",
           "Operations per second the pattern asks for now (0 in a closed loop).");
    plain(out, "surge_target_rate_ops_per_second", r->target_rate);

    family(out, "surge_operation_ops_total", "counter", "Measured operations completed, by operation and result.");
    for (int i = 0; i < r->nops; i++) {
        for (int ok = 1; ok >= 0; ok--) {
            fputs("surge_operation_ops_total{", out);
            label(out, "op", r->ops[i].name, true);
            label(out, "result", ok ? "ok" : "failed", false);
            fputc('}', out);
            value(out, (double)(ok ? r->ops[i].ok : r->ops[i].failed));
        }
    }

    family(out, "surge_latency_seconds", "summary",
           "Latency from each operation's intended start, successful operations, over the run.");
    summary(out, "surge_latency_seconds", NULL, NULL, &r->latency_ms, r->ops_ok);
    family(out, "surge_operation_latency_seconds", "summary",
           "Latency from the intended start by operation, successful operations, over the run.");
    for (int i = 0; i < r->nops; i++)
        summary(out, "surge_operation_latency_seconds", "op", r->ops[i].name, &r->ops[i].latency_ms, r->ops[i].ok);

    if (r->nthresholds > 0) {
        family(out, "surge_threshold_ok", "gauge", "1 while the threshold holds, 0 once it has failed.");
        for (int i = 0; i < r->nthresholds; i++) {
            fputs("surge_threshold_ok{", out);
            label(out, "expr", r->thresholds[i].expr, true);
            fputc('}', out);
            value(out, r->thresholds[i].ok);
        }
    }
    target_families(out, s);
}
