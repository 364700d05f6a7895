/* summary.c - the end-of-run report for people.
 *
 * Laid out for an 80-column terminal or a CI log: a block of "what ran",
 * a block of "what happened", the latency table, the per-operation table
 * and the errors. Everything from outside (target, pattern, messages) is
 * passed through fmt_clean, so a server message with a newline or an
 * escape sequence cannot break the layout or the terminal. The JSON result
 * holds the same numbers unrounded and the messages uncut.
 */
#include "surge.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "out/fmt.h"

#define WIDTH       80
#define KEY_W       12      /* "operations  " */
#define NAME_MIN    9       /* "operation" */
#define NAME_MAX    22      /* 22 + 58 columns of numbers = 80 */
#define MAX_ERRORS  10

__attribute__((format(printf, 3, 4)))
static void kv(FILE *out, const char *key, const char *fmt, ...)
{
    va_list ap;
    fprintf(out, "%-*s", KEY_W, key);
    va_start(ap, fmt);
    vfprintf(out, fmt, ap);
    va_end(ap);
    fputc('\n', out);
}

static bool is_open_loop(const surge_result *r)
{
    if (r->mode)
        return strcmp(r->mode, "open") == 0;
    return r->pattern != NULL;
}

/* Width of the operation-name column, shared by the operation and error
 * tables so that names line up. */
static int name_width(const surge_result *r)
{
    size_t w = NAME_MIN;
    for (int i = 0; i < r->nops; i++) {
        size_t n = r->ops[i].name ? fmt_cols(r->ops[i].name) : 0;
        if (n > w)
            w = n;
    }
    return w > NAME_MAX ? NAME_MAX : (int)w;
}

static void print_setup(const surge_result *r, FILE *out)
{
    char a[1024], b[FMT_LEN], c[FMT_LEN];
    bool open = is_open_loop(r);

    fprintf(out, "surge %s", SURGE_VERSION);
    if (r->started_at[0])
        fprintf(out, ", run started %s", fmt_clean(r->started_at, 40, a, sizeof a));
    fputs("\n\n", out);

    /* What ran is printed whole, even past the width: it is the record. */
    kv(out, "target", "%s", fmt_clean(r->target, 0, a, sizeof a));
    kv(out, "workload", "%s", fmt_clean(r->workload, 0, a, sizeof a));
    if (open) {
        kv(out, "mode", "open loop, %s arrivals", r->arrivals ? r->arrivals : "even");
        kv(out, "pattern", "%s", fmt_clean(r->pattern, 0, a, sizeof a));
    } else {
        kv(out, "mode", "closed loop (each connection waits for its last answer)");
    }
    kv(out, "threads", "%d, %d connection%s, seed %" PRIu64, r->threads, r->connections,
       r->connections == 1 ? "" : "s", r->seed);

    fmt_duration(r->duration_s, a, sizeof a);
    if (isfinite(r->planned_s) && r->planned_s > 0 && fabs(r->planned_s - r->duration_s) >= 0.05)
        snprintf(a + strlen(a), sizeof a - strlen(a), " of %s planned", fmt_duration(r->planned_s, b, sizeof b));
    if (r->warmup_s > 0)
        snprintf(a + strlen(a), sizeof a - strlen(a), " after %s warmup", fmt_duration(r->warmup_s, c, sizeof c));
    if (r->paused_s > 0)
        snprintf(a + strlen(a), sizeof a - strlen(a), " (+%s paused)", fmt_duration(r->paused_s, c, sizeof c));
    kv(out, "duration", "%s; stopped: %s", a, r->stop_reason ? r->stop_reason : "-");
    if (r->guardrail)
        kv(out, "guardrail", "%s: %s", r->guardrail, r->stop_detail ? r->stop_detail : "");
}

static void print_totals(const surge_result *r, FILE *out)
{
    char a[FMT_LEN], b[FMT_LEN], c[FMT_LEN], d[FMT_LEN], e[FMT_LEN];
    bool open = is_open_loop(r);

    fputc('\n', out);
    if (r->ops_total)
        kv(out, "operations", "%s total, %s ok, %s failed (%s)",
           fmt_count(r->ops_total, a, sizeof a), fmt_count(r->ops_ok, b, sizeof b),
           fmt_count(r->ops_failed, c, sizeof c),
           fmt_pct((double)r->ops_failed, (double)r->ops_total, d, sizeof d));
    else
        kv(out, "operations", "none completed");
    if (open)
        kv(out, "throughput", "%s ok (target %s on average)",
           fmt_rate(r->throughput, a, sizeof a), fmt_rate(r->target_rate, b, sizeof b));
    else
        kv(out, "throughput", "%s ok", fmt_rate(r->throughput, a, sizeof a));
    if (open) {
        kv(out, "late", "%s (%s) started >%s behind schedule, lag p99 %s max %s",
           fmt_count(r->late, a, sizeof a),
           r->ops_total ? fmt_pct((double)r->late, (double)r->ops_total, b, sizeof b) : "-",
           fmt_ms(r->late_after_s * 1e3, e, sizeof e),
           fmt_ms(r->lag_ms.p99, c, sizeof c), fmt_ms(r->lag_ms.max, d, sizeof d));
    }
    if (r->retries)
        kv(out, "retries", "%s operations run again after a deadlock or serialization failure",
           fmt_count(r->retries, e, sizeof e));
    if (r->unsent)
        kv(out, "unsent", "%s due before the end, never started (all connections busy)",
           fmt_count(r->unsent, e, sizeof e));
    if (r->warmup_dropped)
        kv(out, "warmup", "%s warmup operations dropped when the measured part began",
           fmt_count(r->warmup_dropped, e, sizeof e));
}

static void latency_row(FILE *out, const char *label, const surge_latency *l)
{
    const double v[] = { l->p50, l->p90, l->p95, l->p99, l->p999, l->mean, l->max };
    char buf[FMT_LEN];

    fprintf(out, "%-30s", label);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        fprintf(out, "%7s", fmt_ms(v[i], buf, sizeof buf));
    fputc('\n', out);
}

static void print_latency(const surge_result *r, FILE *out)
{
    fputc('\n', out);
    if (r->ops_total == 0) {
        fputs("latency     no operations completed\n", out);
        return;
    }
    /* 30 + 7 x 7 = 79 columns: values are at most 6 wide (fmt_ms). */
    fprintf(out, "%-30s%7s%7s%7s%7s%7s%7s%7s\n", "", "p50", "p90", "p95", "p99", "p99.9", "mean", "max");
    latency_row(out, "latency (from intended start)", &r->latency_ms);
    latency_row(out, "service time (from send)", &r->service_ms);
    if (is_open_loop(r))
        latency_row(out, "schedule lag", &r->lag_ms);
}

static void print_ops(const surge_result *r, FILE *out)
{
    if (r->nops == 0)
        return;
    int nw = name_width(r);
    uint64_t sum = 0;
    for (int i = 0; i < r->nops; i++)
        sum += r->ops[i].ok + r->ops[i].failed;

    fputc('\n', out);
    fprintf(out, "%-*s %6s %9s %8s %7s %7s %7s %7s\n", nw, "operation",
            "share", "ok", "failed", "p50", "p95", "p99", "max");
    for (int i = 0; i < r->nops; i++) {
        const surge_op_result *op = &r->ops[i];
        char name[128], sh[FMT_LEN], ok[FMT_LEN], fl[FMT_LEN];
        char p50[FMT_LEN], p95[FMT_LEN], p99[FMT_LEN], mx[FMT_LEN];
        uint64_t n = op->ok + op->failed;
        bool any = n > 0;

        fmt_clean(op->name, (size_t)nw, name, sizeof name);
        /* %-*s pads by bytes; pad by columns so UTF-8 names line up. */
        fputs(name, out);
        for (size_t c = fmt_cols(name); c < (size_t)nw; c++)
            fputc(' ', out);
        fprintf(out, " %6s %9s %8s %7s %7s %7s %7s\n",
                fmt_pct((double)n, (double)sum, sh, sizeof sh),
                fmt_count(op->ok, ok, sizeof ok), fmt_count(op->failed, fl, sizeof fl),
                any ? fmt_ms(op->latency_ms.p50, p50, sizeof p50) : "-",
                any ? fmt_ms(op->latency_ms.p95, p95, sizeof p95) : "-",
                any ? fmt_ms(op->latency_ms.p99, p99, sizeof p99) : "-",
                any ? fmt_ms(op->latency_ms.max, mx, sizeof mx) : "-");
    }
}

static void print_errors(const surge_result *r, FILE *out)
{
    if (r->nerrors == 0)
        return;
    char a[FMT_LEN], b[FMT_LEN];
    uint64_t total = 0;
    for (int i = 0; i < r->nerrors; i++)
        total += r->errors[i].count;
    int nw = name_width(r);

    fputc('\n', out);
    kv(out, "errors", "%s in %d kind%s, most frequent first", fmt_count(total, a, sizeof a),
       r->nerrors, r->nerrors == 1 ? "" : "s");
    int shown = r->nerrors < MAX_ERRORS ? r->nerrors : MAX_ERRORS;
    for (int i = 0; i < shown; i++) {
        const surge_error_count *e = &r->errors[i];
        char op[128], msg[512];
        fmt_clean(e->op ? e->op : "-", (size_t)nw, op, sizeof op);
        fprintf(out, "%10s  %s", fmt_count(e->count, a, sizeof a), op);
        for (size_t c = fmt_cols(op); c < (size_t)nw; c++)
            fputc(' ', out);
        /* Cut to the line: the whole message is in the JSON result. */
        size_t room = WIDTH - 10 - 2 - (size_t)nw - 2;
        fprintf(out, "  %s\n", fmt_clean(e->message, room < 30 ? 30 : room, msg, sizeof msg));
    }
    if (r->nerrors > shown) {
        uint64_t rest = 0;
        for (int i = shown; i < r->nerrors; i++)
            rest += r->errors[i].count;
        fprintf(out, "%10s  and %d more kind%s (%s errors)\n", "", r->nerrors - shown,
                r->nerrors - shown == 1 ? "" : "s", fmt_count(rest, b, sizeof b));
    }
}

static void print_thresholds(const surge_result *r, FILE *out)
{
    if (r->nthresholds == 0)
        return;
    int failed = 0;
    for (int i = 0; i < r->nthresholds; i++)
        failed += !r->thresholds[i].ok;
    fputc('\n', out);
    kv(out, "thresholds", "%d of %d held%s", r->nthresholds - failed, r->nthresholds, failed ? " (exit code 99)" : "");
    for (int i = 0; i < r->nthresholds; i++) {
        const surge_threshold_result *t = &r->thresholds[i];
        char line[512];
        snprintf(line, sizeof line, "%-4s %s: %s", t->ok ? "ok" : "FAIL", t->expr, t->detail ? t->detail : "");
        char clean[512];
        fprintf(out, "  %s\n", fmt_clean(line, WIDTH - 2, clean, sizeof clean));
    }
}

/* Queue and process targets: what the far side saw, and how it ended. */
static void print_target(const surge_result *r, FILE *out)
{
    if (r->nobserved == 0 && r->ngauges == 0 && r->nfacts == 0)
        return;
    fputc('\n', out);
    if (r->nobserved) {
        fprintf(out, "%-30s%9s%7s%7s%7s%7s%7s\n", "observed by the target", "count", "lost", "p50", "p95", "p99", "max");
        for (int i = 0; i < r->nobserved; i++) {
            const surge_observed *o = &r->observed[i];
            char n[FMT_LEN], l[FMT_LEN], a[FMT_LEN], b[FMT_LEN], c[FMT_LEN], d[FMT_LEN], name[64];
            bool any = o->count > 0;
            fprintf(out, "  %-28s%9s%7s%7s%7s%7s%7s\n", fmt_clean(o->name, 28, name, sizeof name),
                    fmt_count(o->count, n, sizeof n), fmt_count(o->lost, l, sizeof l),
                    any ? fmt_ms(o->latency_ms.p50, a, sizeof a) : "-", any ? fmt_ms(o->latency_ms.p95, b, sizeof b) : "-",
                    any ? fmt_ms(o->latency_ms.p99, c, sizeof c) : "-", any ? fmt_ms(o->latency_ms.max, d, sizeof d) : "-");
        }
    }
    if (r->ngauges) {
        fprintf(out, "%-30s%9s%9s%9s%9s\n", "gauges (per interval)", "last", "min", "mean", "max");
        for (int i = 0; i < r->ngauges; i++) {
            const surge_gauge *gs = &r->gauges[i];
            char name[64];
            if (!gs->samples)
                continue;
            fprintf(out, "  %-28s", fmt_clean(gs->name, 28, name, sizeof name));
            double v[4] = { gs->last, gs->min, gs->mean, gs->max };
            for (int k = 0; k < 4; k++)   /* whole numbers whole (depths), else 4 digits; 9 columns each */
                fprintf(out, fabs(v[k]) < 1e8 && (v[k] == floor(v[k]) || fabs(v[k]) >= 1e4) ? "%9.0f" : "%9.4g", v[k]);
            fputc('\n', out);
        }
    }
    if (r->nfacts) {
        /* name value, name value ...: wrapped under the key, never cut. */
        fprintf(out, "%-*s", KEY_W, "target end");
        size_t col = KEY_W;
        for (int i = 0; i < r->nfacts; i++) {
            const surge_fact *f = &r->facts[i];
            char item[320], clean[320];
            if (f->text)
                snprintf(item, sizeof item, "%s %s", f->name, f->text);
            else
                snprintf(item, sizeof item, f->value == floor(f->value) ? "%s %.0f" : "%s %.3f", f->name, f->value);
            fmt_clean(item, WIDTH - KEY_W, clean, sizeof clean);
            size_t w = fmt_cols(clean) + (i + 1 < r->nfacts);
            if (col > KEY_W && col + 1 + w > WIDTH) {
                fprintf(out, "\n%-*s", KEY_W, "");
                col = KEY_W;
            } else if (col > KEY_W) {
                fputc(' ', out);
                col++;
            }
            fprintf(out, "%s%s", clean, i + 1 < r->nfacts ? "," : "");
            col += w;
        }
        fputc('\n', out);
    }
}

void surge_summary_print(const surge_result *r, FILE *out)
{
    print_setup(r, out);
    print_totals(r, out);
    print_latency(r, out);
    print_ops(r, out);
    print_errors(r, out);
    print_target(r, out);
    if (r->cpu_control) {
        const surge_cpu_control *c = r->cpu_control;
        char line[600], clean[600];
        fputc('\n', out);
        kv(out, "cpu target", "%.0f%% +-%.0f of the machine, watching %s", c->target, c->band, c->source);
        snprintf(line, sizeof line, "%s: %s", c->stable ? "stable" : "NOT stable", c->verdict);
        kv(out, "", "%s", fmt_clean(line, 0, clean, sizeof clean));
        kv(out, "", "%s %.0f -> %.0f (range %.0f..%.0f, limit %.0f), CPU reached %.1f%%", c->kind, c->start, c->final,
           c->lowest, c->highest, c->limit, c->cpu_reached);
    }
    print_thresholds(r, out);
    if (r->error) {
        char msg[1024];
        fputc('\n', out);
        kv(out, "run failed", "%s", fmt_clean(r->error, 0, msg, sizeof msg));
    }
    fflush(out);
}
