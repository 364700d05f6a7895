/* stress_judge.c - a stress level's verdict: its criteria and early warnings.
 *
 * Computed from the level's final result alone (and the level before, for
 * a latency rise), so anyone holding the result can check the verdict: the
 * same numbers are in the JSON document, next to each failure's value and
 * bound. The criteria and their defaults are documented in docs/stress.md.
 */
#include "run/stress_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* A level is this close to a CPU or memory bound (points): an early warning. */
#define WARN_BAND 10.0
/* The judged latency grew this much (a fraction) over the level before. */
#define WARN_LATENCY_RISE 0.5
#define WARN_LATENCY_MIN_MS 1.0   /* ... and by at least this much */
/* The queue grew by this share of the level's operations within it. */
#define WARN_BACKLOG_SHARE 0.1

void stress_finding_add(stress_findings *st, bool failure, const char *what, double value, double bound,
                        const char *fmt, ...)
{
    int *n = failure ? &st->nfail : &st->nwarn;
    if (*n == STRESS_MAX_FINDINGS)
        return;
    char *text = failure ? st->fail_text[*n] : st->warn_text[*n];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, STRESS_FINDING_LEN, fmt, ap);
    va_end(ap);
    surge_stress_finding *f = failure ? &st->fail[*n] : &st->warn[*n];
    *f = (surge_stress_finding){ .what = what, .value = value, .bound = bound, .detail = text };
    (*n)++;
}

#define FAIL(...) stress_finding_add(st, true, __VA_ARGS__)
#define WARN(...) stress_finding_add(st, false, __VA_ARGS__)

static double pick(const surge_latency *l, double pct)
{
    if (pct == 50) return l->p50;
    if (pct == 90) return l->p90;
    if (pct == 95) return l->p95;
    if (pct == 99.9) return l->p999;
    if (pct == 100) return l->max;
    return l->p99;
}

static const char *pct_name(double pct, char *buf, size_t len)
{
    if (pct == 100)
        snprintf(buf, len, "max");
    else
        snprintf(buf, len, "p%g", pct);
    return buf;
}

static const surge_gauge *gauge(const surge_result *r, const char *name, int *index)
{
    for (int i = 0; i < r->ngauges; i++)
        if (r->gauges[i].name && strcmp(r->gauges[i].name, name) == 0) {
            if (index)
                *index = i;
            return r->gauges[i].samples ? &r->gauges[i] : NULL;
        }
    return NULL;
}

static bool is_queue(const surge_result *r)
{
    return (r->workload && strcmp(r->workload, "queue") == 0) || r->nobserved > 0;
}

/* The watched system's CPU or memory against its bound: a failure at or
 * over it, a warning within WARN_BAND points under it. */
static void judge_gauge(stress_findings *st, const surge_result *r, const char *gname,
                        const char *what, const char *label, double bound, double *measured)
{
    const surge_gauge *gg = gauge(r, gname, NULL);
    *measured = gg ? gg->max : NAN;
    if (!gg || !isfinite(bound))
        return;
    if (gg->max >= bound)
        FAIL(what, gg->max, bound, "%s peaked at %.1f%% (must stay under %g%%)", label, gg->max, bound);
    else if (gg->max >= bound - WARN_BAND)
        WARN(what, gg->max, bound, "%s peaked at %.1f%%, within %g points of its bound %g%%",
             label, gg->max, WARN_BAND, bound);
}

void stress_judge(const surge_stress_config *c, surge_stress_level *lv, const surge_stress_level *prev,
                  stress_findings *st)
{
    const surge_result *r = lv->result;
    st->nfail = st->nwarn = 0;
    char pn[16];
    double pct = c->latency_pct ? c->latency_pct : 99;
    pct_name(pct, pn, sizeof pn);

    lv->achieved = r->throughput;
    lv->error_rate = r->ops_total ? (double)r->ops_failed / (double)r->ops_total : 0;
    lv->latency_ms = r->ops_total ? pick(&r->latency_ms, pct) : NAN;
    bool interrupted = r->stop_reason && (!strcmp(r->stop_reason, "signal") || !strcmp(r->stop_reason, "stopped"));

    if (r->error)
        FAIL("error", NAN, NAN, "the run failed: %s", r->error);
    bool by_threshold = r->stop_reason && !strcmp(r->stop_reason, "threshold");
    if (r->guardrail && !by_threshold)
        FAIL("guardrail", NAN, NAN, "guardrail %s stopped the level%s%s", r->guardrail,
             r->stop_detail ? ": " : "", r->stop_detail ? r->stop_detail : "");
    for (int k = 0; k < r->nthresholds; k++)
        if (!r->thresholds[k].ok)
            FAIL("threshold", r->thresholds[k].value, NAN, "threshold %s failed%s%s", r->thresholds[k].expr,
                 r->thresholds[k].detail ? ": " : "", r->thresholds[k].detail ? r->thresholds[k].detail : "");

    if (r->ops_total == 0) {
        FAIL("throughput", 0, c->kind == SURGE_STRESS_RATE ? c->min_throughput * lv->level : NAN,
             "no operation completed");
    } else if (c->kind == SURGE_STRESS_RATE && c->min_throughput > 0) {
        double want = c->min_throughput * lv->level;
        if (lv->achieved < want)
            FAIL("throughput", lv->achieved, want, "%.1f ops/s is %.1f%% of %g (at least %g%%)", lv->achieved,
                 100 * lv->achieved / lv->level, lv->level, c->min_throughput * 100);
    }
    if (c->max_errors > 0 ? lv->error_rate >= c->max_errors : c->max_errors == 0 && r->ops_failed > 0)
        FAIL("errors", lv->error_rate * 100, c->max_errors * 100, "%.3g%% of operations failed (%llu; must stay under %g%%)",
             lv->error_rate * 100, (unsigned long long)r->ops_failed, c->max_errors * 100);
    if (c->latency_pct && r->ops_total && lv->latency_ms > lv->latency_bound_ms)
        FAIL("latency", lv->latency_ms, lv->latency_bound_ms, "%s latency %.3g ms over the bound %g ms", pn,
             lv->latency_ms, lv->latency_bound_ms);
    judge_gauge(st, r, "cpu_pct", "cpu", "CPU", lv->cpu_bound, &lv->cpu_pct);
    judge_gauge(st, r, "mem_pct", "memory", "memory", lv->mem_bound, &lv->mem_pct);

    bool queue = is_queue(r);
    if (c->check_lost && queue) {
        for (int k = 0; k < r->nobserved; k++)
            if (r->observed[k].lost)
                FAIL("lost", (double)r->observed[k].lost, 0, "%llu messages never %s (%s)",
                     (unsigned long long)r->observed[k].lost,
                     strncmp(r->observed[k].name, "ack", 3) == 0 ? "acknowledged" : "dequeued", r->observed[k].name);
        if (r->unsent)
            FAIL("lost", (double)r->unsent, 0, "%llu messages due were never sent: the target fell behind",
                 (unsigned long long)r->unsent);
    }

    /* Early warnings: signs of the limit before a criterion fails. */
    if (prev && prev->result && isfinite(prev->latency_ms) && isfinite(lv->latency_ms)) {
        double before = prev->latency_ms;
        /* Relative and absolute: 0.08 -> 0.24 ms is noise, not a sign. */
        if (before > 0 && lv->latency_ms > before * (1 + WARN_LATENCY_RISE) &&
            lv->latency_ms - before >= WARN_LATENCY_MIN_MS)
            WARN("latency_rise", lv->latency_ms, before * (1 + WARN_LATENCY_RISE),
                 "%s latency rose %.0f%% over the level before (%.3g ms -> %.3g ms)", pn,
                 100 * (lv->latency_ms / before - 1), before, lv->latency_ms);
    }
    if (r->unsent && !(c->check_lost && queue))
        WARN("backlog", (double)r->unsent, 0, "%llu operations due were never started: the target fell behind",
             (unsigned long long)r->unsent);
    int qi;
    const surge_gauge *q = gauge(r, "queue_depth", &qi);
    if (q && r->nhistory >= 2) {
        double first = NAN, last = NAN;
        for (int k = 0; k < r->nhistory && !isfinite(first); k++)
            first = r->history[k].gauge[qi];
        for (int k = r->nhistory - 1; k >= 0 && !isfinite(last); k--)
            last = r->history[k].gauge[qi];
        double limit = WARN_BACKLOG_SHARE * (double)r->ops_total;
        if (isfinite(first) && isfinite(last) && last - first > limit)
            WARN("backlog", last - first, limit, "the queue grew by %.0f jobs during the level (%.0f -> %.0f)",
                 last - first, first, last);
    }

    lv->failures = st->fail;
    lv->nfailures = st->nfail;
    lv->warnings = st->warn;
    lv->nwarnings = st->nwarn;
    /* Stopped by the user (an error or a guardrail is another reason). */
    lv->verdict = interrupted ? "stopped" : st->nfail ? "fail" : "pass";
    if (interrupted) {
        lv->nfailures = 0;   /* cut short by the user: not judged */
        lv->nwarnings = 0;
    }
}

#undef FAIL
#undef WARN
