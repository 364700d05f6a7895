/* threshold.c - pass/fail checks on a run (see threshold.h). */
#include "run/threshold.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hist.h"
#include "run/engine.h"
#include "run/events.h"

typedef enum metric { M_PCT, M_MEAN, M_MIN, M_MAX, M_ERRORS, M_RATE, M_OPS, M_THROUGHPUT } metric;
typedef enum cmp { C_LT, C_LE, C_GT, C_GE, C_EQ } cmp;
static const char *const cmp_text[] = { "<", "<=", ">", ">=", "==" };

typedef struct point {         /* cumulative, at a sample's end */
    double t;
    uint64_t ok, failed;
    double target_ops;         /* the pattern's count up to t */
    hist_t *lat;               /* latency metrics only */
} point;

typedef struct thr {
    char *expr;
    metric m;
    double pct;                /* M_PCT */
    int op;                    /* -1: all operations */
    cmp c;
    double bound;              /* ms for latency, % for errors% and rate, a count otherwise */
    bool percent;              /* errors as a share */
    const char *unit;          /* for details: "ms", "%", "" */
    double window;             /* seconds; 0 the whole run */
    bool abort;

    bool failed;
    int windows;               /* windows judged so far */
    double value;
    char detail[192];
    point *ring;               /* windowed: the last points, oldest first once full */
    int ring_cap, ring_n, ring_head;
    hist_t scratch;
} thr;

struct thr_set {
    int n;
    thr *t;
    surge_threshold_result *res;
    double target_ops;         /* running sum of the history's target counts */
    int seen_samples;
};

/* ---- parsing ------------------------------------------------------------------ */

static int perr(char *err, size_t errlen, const char *expr, const char *at, const char *what)
{
    snprintf(err, errlen, "--threshold '%s': column %d: %s", expr, (int)(at - expr) + 1, what);
    return -1;
}

static const char *skip(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static int parse_one(thr *t, const char *expr, const char *const *ops, int nops, bool open_loop, char *err,
                     size_t errlen)
{
    const char *p = skip(expr);
    t->op = -1;
    if (p[0] == 'p' && isdigit((unsigned char)p[1])) {
        char *end;
        t->m = M_PCT;
        t->pct = strtod(p + 1, &end);
        if (t->pct <= 0 || t->pct > 100)
            return perr(err, errlen, expr, p, "a percentile is p1 to p100, like p99 or p99.9");
        p = end;
    } else {
        static const struct { const char *name; metric m; } names[] = {
            { "mean", M_MEAN }, { "avg", M_MEAN }, { "min", M_MIN }, { "max", M_MAX }, { "med", M_PCT },
            { "errors", M_ERRORS }, { "rate", M_RATE }, { "ops", M_OPS }, { "throughput", M_THROUGHPUT },
        };
        size_t n = 0;
        while (isalpha((unsigned char)p[n]))
            n++;
        int found = -1;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strlen(names[i].name) == n && !strncmp(p, names[i].name, n))
                found = (int)i;
        if (found < 0)
            return perr(err, errlen, expr, p,
                        "expected a metric: pNN, mean, min, max, errors, rate, ops or throughput");
        t->m = names[found].m;
        t->pct = 50;
        p += n;
    }
    p = skip(p);
    if (*p == '{') {
        const char *q = skip(p + 1);
        if (strncmp(q, "op", 2) != 0 || *(q = skip(q + 2)) != '=')
            return perr(err, errlen, expr, q, "expected {op=NAME}");
        q = skip(q + 1);
        size_t n = strcspn(q, "} ");
        for (int i = 0; i < nops; i++)
            if (strlen(ops[i]) == n && !strncmp(q, ops[i], n))
                t->op = i;
        if (t->op < 0)
            return perr(err, errlen, expr, q, "no such operation in this workload");
        q = skip(q + n);
        if (*q != '}')
            return perr(err, errlen, expr, q, "expected }");
        p = skip(q + 1);
    }
    static const struct { const char *text; cmp c; } cmps[] = {
        { "<=", C_LE }, { ">=", C_GE }, { "==", C_EQ }, { "<", C_LT }, { ">", C_GT },
    };
    size_t ci = 0;
    while (ci < 5 && strncmp(p, cmps[ci].text, strlen(cmps[ci].text)) != 0)
        ci++;
    if (ci == 5)
        return perr(err, errlen, expr, p, "expected a comparison: <, <=, >, >= or ==");
    t->c = cmps[ci].c;
    p = skip(p + strlen(cmps[ci].text));
    char *end;
    t->bound = strtod(p, &end);
    if (end == p)
        return perr(err, errlen, expr, p, "expected a number");
    p = end;
    bool latency = t->m <= M_MAX;
    if (latency) {
        t->unit = "ms";
        if (!strncmp(p, "us", 2))
            t->bound /= 1e3, p += 2;
        else if (!strncmp(p, "ms", 2))
            p += 2;
        else if (*p == 's' && !isalpha((unsigned char)p[1]))
            t->bound *= 1e3, p += 1;
    } else if (*p == '%') {
        if (t->m != M_ERRORS && t->m != M_RATE)
            return perr(err, errlen, expr, p, "only errors and rate take a %");
        t->percent = true;
        t->unit = "%";
        p++;
    } else if (t->m == M_RATE) {
        return perr(err, errlen, expr, p, "rate is a share of the target: write it with %, like rate>=95%");
    } else {
        t->unit = t->m == M_THROUGHPUT ? "/s" : "";
        if (t->m == M_THROUGHPUT && !strncmp(p, "/s", 2))
            p += 2;
    }
    if (t->m == M_RATE && !open_loop)
        return perr(err, errlen, expr, expr, "rate needs a target rate: it applies to open-loop runs (--pattern)");
    for (;;) {
        p = skip(p);
        if (!*p)
            break;
        if (!strncmp(p, "over", 4) && isspace((unsigned char)p[4])) {
            p = skip(p + 4);
            size_t n = strcspn(p, " \t");
            char dur[64];
            snprintf(dur, sizeof dur, "%.*s", (int)(n < 63 ? n : 63), p);
            if (surge_parse_duration(dur, &t->window) != 0 || t->window <= 0)
                return perr(err, errlen, expr, p, "expected a window like 10s or 1m after 'over'");
            if (t->m == M_OPS || t->m == M_THROUGHPUT)
                return perr(err, errlen, expr, p, "ops and throughput are judged on the whole run, without 'over'");
            p += n;
        } else if (!strncmp(p, "abort", 5) && (!p[5] || isspace((unsigned char)p[5]))) {
            t->abort = true;
            p += 5;
        } else {
            return perr(err, errlen, expr, p, "expected 'over DURATION' or 'abort' (or nothing) here");
        }
    }
    return 0;
}

thr_set *thr_parse(const char *const *exprs, const char *const *op_names, int nops, bool open_loop, char *err,
                   size_t errlen)
{
    thr_set *s = calloc(1, sizeof *s);
    int n = 0;
    while (exprs && exprs[n])
        n++;
    if (s) {
        s->t = calloc((size_t)n + 1, sizeof *s->t);
        s->res = calloc((size_t)n + 1, sizeof *s->res);
    }
    if (!s || !s->t || !s->res) {
        thr_free(s);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        thr *t = &s->t[s->n++];
        if (!(t->expr = strdup(exprs[i])) || parse_one(t, exprs[i], op_names, nops, open_loop, err, errlen) != 0) {
            if (!t->expr)
                snprintf(err, errlen, "out of memory");
            thr_free(s);
            return NULL;
        }
        s->res[i] = (surge_threshold_result){ .expr = t->expr, .ok = true, .detail = t->detail };
        snprintf(t->detail, sizeof t->detail, "not judged yet");
    }
    return s;
}

void thr_free(thr_set *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++) {
        for (int j = 0; j < s->t[i].ring_cap; j++)
            free(s->t[i].ring[j].lat);
        free(s->t[i].ring);
        free(s->t[i].expr);
    }
    free(s->t);
    free(s->res);
    free(s);
}

int thr_count(const thr_set *s) { return s ? s->n : 0; }
const surge_threshold_result *thr_results(const thr_set *s) { return s ? s->res : NULL; }

/* ---- judging -------------------------------------------------------------------- */

static bool holds(const thr *t, double v)
{
    switch (t->c) {
    case C_LT: return v < t->bound;
    case C_LE: return v <= t->bound;
    case C_GT: return v > t->bound;
    case C_GE: return v >= t->bound;
    default:   return v == t->bound;
    }
}

static double latency(const thr *t, const hist_t *h)
{
    if (!hist_count(h))
        return 0;
    switch (t->m) {
    case M_MEAN: return hist_mean(h) / 1e6;
    case M_MIN:  return (double)hist_min(h) / 1e6;
    case M_MAX:  return (double)hist_max(h) / 1e6;
    default:     return (double)hist_percentile(h, t->pct) / 1e6;
    }
}

static void counts(const thr *t, const snapshot *s, uint64_t *ok, uint64_t *failed)
{
    *ok = *failed = 0;
    for (int i = 0; i < s->nops; i++)
        if (t->op < 0 || t->op == i) {
            *ok += s->ok[i];
            *failed += s->failed[i];
        }
}

/* The value of a metric over counts and a histogram; NAN when there is
 * nothing to judge (no operations). */
static double value_of(const thr *t, uint64_t ok, uint64_t failed, const hist_t *lat, double target_ops,
                       double seconds)
{
    switch (t->m) {
    case M_ERRORS:
        if (!t->percent)
            return (double)failed;
        return ok + failed ? 100.0 * (double)failed / (double)(ok + failed) : NAN;
    case M_RATE:       return target_ops > 0 ? 100.0 * (double)(ok + failed) / target_ops : NAN;
    case M_OPS:        return (double)ok;
    case M_THROUGHPUT: return seconds > 0 ? (double)ok / seconds : NAN;
    default:           return hist_count(lat) ? latency(t, lat) : NAN;
    }
}

static const char *metric_name(const thr *t, char *buf, size_t len)
{
    static const char *const names[] = { "", "mean", "min", "max", "errors", "rate", "ops", "throughput" };
    if (t->m == M_PCT)
        snprintf(buf, len, "p%g", t->pct);
    else
        snprintf(buf, len, "%s", names[t->m]);
    return buf;
}

static void fail(thr *t, surge_threshold_result *res, struct surge_gen *g, double v, const char *where)
{
    char m[16];
    t->failed = true;
    t->value = v;
    snprintf(t->detail, sizeof t->detail, "%s = %.4g%s %s, limit %s %g%s", metric_name(t, m, sizeof m), v, t->unit,
             where, cmp_text[t->c], t->bound, t->unit);
    res->ok = false;
    res->value = v;
    event_emit(g, "threshold_failed", NULL, "%s: %s", t->expr, t->detail);
    if (t->abort) {
        snprintf(g->guardrail, sizeof g->guardrail, "threshold");
        snprintf(g->stop_detail, sizeof g->stop_detail, "%s: %s", t->expr, t->detail);
        gen_request_stop(g, STOP_THRESHOLD);
    }
}

static void windowed(thr *t, surge_threshold_result *res, struct surge_gen *g, const snapshot *now, double tnow,
                     double target_ops)
{
    if (!t->ring) {
        t->ring_cap = (int)ceil(t->window / g->cfg.interval) + 2;
        t->ring = calloc((size_t)t->ring_cap, sizeof *t->ring);
        for (int i = 0; t->ring && i < t->ring_cap && t->m <= M_MAX; i++)
            if (!(t->ring[i].lat = malloc(sizeof(hist_t))))
                t->ring_cap = i;
        if (!t->ring || t->ring_cap < 2)
            return;
        /* The measured part starts from nothing: the first window can
         * begin at 0. */
        if (t->ring[0].lat)
            hist_init(t->ring[0].lat);
        t->ring_head = t->ring_n = 1;
    }
    point *p = &t->ring[t->ring_head];
    counts(t, now, &p->ok, &p->failed);
    p->t = tnow;
    p->target_ops = target_ops;
    if (p->lat)
        hist_copy(p->lat, t->op < 0 ? &now->all_lat : &now->lat[t->op]);
    t->ring_head = (t->ring_head + 1) % t->ring_cap;
    if (t->ring_n < t->ring_cap)
        t->ring_n++;
    /* The window ends now and starts at the newest point a window older;
     * none yet (a young run): nothing to judge. */
    const point *old = NULL;
    for (int k = 0; k < t->ring_n; k++) {
        const point *q = &t->ring[(t->ring_head - 1 - k + 2 * t->ring_cap) % t->ring_cap];
        if (q->t <= tnow - t->window + 1e-6) {
            old = q;
            break;
        }
    }
    if (!old || t->failed)
        return;
    t->windows++;
    if (p->lat)
        hist_diff(&t->scratch, p->lat, old->lat);
    double v = value_of(t, p->ok - old->ok, p->failed - old->failed, &t->scratch, p->target_ops - old->target_ops,
                        p->t - old->t);
    t->value = res->value = isnan(v) ? 0 : v;
    if (!isnan(v) && !holds(t, v)) {
        char where[64];
        snprintf(where, sizeof where, "over %gs ending at %.0fs", t->window, tnow);
        fail(t, res, g, v, where);
    }
}

void thr_update(thr_set *s, struct surge_gen *g, const snapshot *now, const surge_result *r, bool final)
{
    if (!s)
        return;
    /* The pattern's count over the samples seen so far (open loop). */
    for (; s->seen_samples < r->nhistory; s->seen_samples++)
        s->target_ops += r->history[s->seen_samples].target_rate * r->history[s->seen_samples].length;
    double tnow = r->duration_s;
    for (int i = 0; i < s->n; i++) {
        thr *t = &s->t[i];
        surge_threshold_result *res = &s->res[i];
        if (t->window > 0 && !final) {
            windowed(t, res, g, now, tnow, s->target_ops);
            continue;
        }
        if (t->failed || (!final && !(t->abort && t->m <= M_RATE)))
            continue;   /* whole-run verdicts come at the end, except those that abort */
        if (t->window > 0 && t->windows > 0)
            continue;   /* judged window by window; a run shorter than its window is judged whole */
        uint64_t ok, failed;
        counts(t, now, &ok, &failed);
        double target = final && r->target_rate > 0 ? r->target_rate * r->duration_s : s->target_ops;
        const hist_t *lat = t->op < 0 ? &now->all_lat : &now->lat[t->op];
        double v = value_of(t, ok, failed, lat, target, r->duration_s);
        t->value = res->value = isnan(v) ? 0 : v;
        if (isnan(v)) {
            if (final)
                snprintf(t->detail, sizeof t->detail, "nothing to judge: no operations");
            continue;
        }
        if (!holds(t, v)) {
            fail(t, res, g, v, final ? "over the run" : "so far");
        } else if (final) {
            char m[16];
            snprintf(t->detail, sizeof t->detail, "%s = %.4g%s over the run, limit %s %g%s", metric_name(t, m, sizeof m),
                     v, t->unit, cmp_text[t->c], t->bound, t->unit);
        }
    }
    if (final)
        for (int i = 0; i < s->n; i++) {
            thr *t = &s->t[i];
            if (!t->failed && t->window > 0 && t->windows > 0) {
                char m[16];
                snprintf(t->detail, sizeof t->detail, "%s held in every %gs window (last %.4g%s), limit %s %g%s",
                         metric_name(t, m, sizeof m), t->window, t->value, t->unit, cmp_text[t->c], t->bound, t->unit);
            }
        }
}
