/* stress_out.c - what a progressive stress leaves: the verdict table for
 * people, the JSON document (docs/stress.md) and the HTML report.
 *
 * Everything here reads the stress through the public API only
 * (surge_stress_get and each level's surge_result), as a program driving
 * the library would: the outputs cannot show a number the API does not give.
 */
#include "surge.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "out/fmt.h"
#include "out/jsonw.h"
#include "out/page.h"

/* Built from web/src/stress.js by cmake/web_assets.cmake (asset stress_js),
 * like the assets declared in out/web_assets.h. */
extern const web_asset web_stress_js;

static bool rate_kind(const surge_stress_result *res)
{
    return res->config->kind == SURGE_STRESS_RATE;
}

static const char *pct_label(double pct, char *buf, size_t len)
{
    if (pct == 100)
        snprintf(buf, len, "max");
    else
        snprintf(buf, len, "p%g", pct ? pct : 99);
    return buf;
}

/* ---- the table ------------------------------------------------------------ */

static void print_level(const surge_stress_result *res, const surge_stress_level *lv, FILE *out)
{
    char target[32], achieved[FMT_LEN], p50[FMT_LEN], p99[FMT_LEN], errors[FMT_LEN], cpu[16];
    snprintf(target, sizeof target, "%g %s", lv->level, rate_kind(res) ? "ops/s" : lv->level == 1 ? "conn" : "conns");
    const surge_result *r = lv->result;
    fmt_rate(r ? lv->achieved : NAN, achieved, sizeof achieved);
    fmt_ms(r && r->ops_total ? r->latency_ms.p50 : NAN, p50, sizeof p50);
    fmt_ms(r && r->ops_total ? r->latency_ms.p99 : NAN, p99, sizeof p99);
    if (r)
        fmt_pct((double)r->ops_failed, (double)r->ops_total, errors, sizeof errors);
    else
        snprintf(errors, sizeof errors, "-");
    if (isfinite(lv->cpu_pct))
        snprintf(cpu, sizeof cpu, "%.1f%%", lv->cpu_pct);
    else
        snprintf(cpu, sizeof cpu, "-");
    const char *verdict = !strcmp(lv->verdict, "pass") ? "pass" : !strcmp(lv->verdict, "fail") ? "FAIL" : "stopped";
    fprintf(out, "%5d  %14s  %10s  %7s  %7s  %7s  %6s  %s", lv->index + 1, target, achieved, p50, p99, errors,
            cpu, verdict);
    if (lv->nfailures)
        fprintf(out, "%*s", (int)(7 - strlen(verdict)), "");
    for (int k = 0; k < lv->nfailures; k++) {
        char clean[320];
        fprintf(out, "%s%s: %s", k ? "; " : "  ", lv->failures[k].what,
                fmt_clean(lv->failures[k].detail, 0, clean, sizeof clean));
    }
    fputc('\n', out);
}

void surge_stress_print(const surge_stress *s, FILE *out)
{
    const surge_stress_result *res = surge_stress_get(s);
    const surge_stress_config *c = res->config;
    fprintf(out, "%5s  %14s  %10s  %7s  %7s  %7s  %6s  %-7s  %s\n", "level", "target", "achieved", "p50", "p99",
            "errors", "CPU", "verdict", "why");
    for (int i = 0; i < res->nlevels; i++)
        print_level(res, &res->levels[i], out);
    for (int i = res->nlevels; i < res->nplanned; i++)
        fprintf(out, "%5d  %8g %-5s  %10s  %7s  %7s  %7s  %6s  %s\n", i + 1, res->planned[i],
                rate_kind(res) ? "ops/s" : "conns", "-", "-", "-", "-", "-", "not run");

    bool header = false;
    for (int i = 0; i < res->nlevels; i++)
        for (int k = 0; k < res->levels[i].nwarnings; k++) {
            char clean[320];
            if (!header)
                fputs("\nwarnings:\n", out);
            header = true;
            fprintf(out, "  level %d (%g %s): %s\n", i + 1, res->levels[i].level, rate_kind(res) ? "ops/s" : "connections",
                    fmt_clean(res->levels[i].warnings[k].detail, 0, clean, sizeof clean));
        }

    bool measured = false;
    for (int i = 0; i < res->nlevels; i++)
        measured |= isfinite(res->levels[i].cpu_pct) || isfinite(res->levels[i].mem_pct);
    if (!measured && (c->ncpu || c->nmem) && res->nlevels)
        fprintf(out, "\nCPU and memory: not measured (%s)\n",
                c->run.watch ? "the watched system gave no reading" : "no --watch: those criteria were not judged");

    fputc('\n', out);
    if (res->capacity_index >= 0) {
        const surge_stress_level *cap = &res->levels[res->capacity_index];
        if (rate_kind(res))
            fprintf(out, "capacity: %g ops/s (highest level passed)\n", res->capacity);
        else
        {
            char rate[FMT_LEN];
            fprintf(out, "capacity: %g connection%s (highest level passed, %s)\n", res->capacity,
                    res->capacity == 1 ? "" : "s", fmt_rate(cap->achieved, rate, sizeof rate));
        }
        for (int i = 0; i < res->capacity_index; i++)
            if (!strcmp(res->levels[i].verdict, "fail"))
                fprintf(out, "  note: level %d (%g) below it failed\n", i + 1, res->levels[i].level);
    } else {
        fputs("capacity: no level passed\n", out);
    }
    if (!strcmp(res->stop_reason, "level failed") && res->nlevels < res->nplanned)
        fprintf(out, "stopped at the first failed level (%d of %d ran; --continue runs them all)\n", res->nlevels,
                res->nplanned);
    else if (!strcmp(res->stop_reason, "stopped"))
        fprintf(out, "stopped before the end (%d of %d levels ran)\n", res->nlevels, res->nplanned);

    if (isfinite(res->baseline_cpu)) {
        fprintf(out, "baseline: CPU %.1f%%", res->baseline_cpu);
        if (isfinite(res->baseline_mem))
            fprintf(out, ", memory %.1f%%", res->baseline_mem);
        fputs(" before the first level", out);
        if (res->recovered == 1)
            fprintf(out, "; back to baseline: yes (CPU %.1f%% after %.1fs)\n", res->recovery_cpu, res->recovery_s);
        else if (res->recovered == 0)
            fprintf(out, "; back to baseline: no (CPU still %.1f%% at the last reading)\n", res->recovery_cpu);
        else
            fputs("; back to baseline: not checked\n", out);
    } else if (c->run.watch) {
        fputs("baseline: no reading of the watched system before the first level\n", out);
    }
}

/* ---- JSON ----------------------------------------------------------------- */

#define Q_MS    1e6
#define Q_RATE  1e3
#define Q_PCT   1e4

static double quantize(double v, double per)
{
    if (!isfinite(v))
        return v;
    double r = round(v * per) / per;
    return isfinite(r) ? r : v;
}

static void num(jsonw *w, const char *key, double v, double q)
{
    jsonw_key(w, key);
    jsonw_double(w, quantize(v, q));
}

static void list(jsonw *w, const char *key, const double *v, int n, double q)
{
    jsonw_key(w, key);
    if (!n) {
        jsonw_null(w);
        return;
    }
    jsonw_array_flat(w);
    for (int i = 0; i < n; i++)
        jsonw_double(w, quantize(v[i], q));
    jsonw_end(w);
}

static void findings(jsonw *w, const char *key, const surge_stress_finding *f, int n)
{
    jsonw_key(w, key);
    jsonw_array(w);
    for (int i = 0; i < n; i++) {
        jsonw_object_flat(w);
        jsonw_key(w, "what");
        jsonw_string(w, f[i].what);
        num(w, "value", f[i].value, Q_MS);
        num(w, "bound", f[i].bound, Q_MS);
        jsonw_key(w, "detail");
        jsonw_string(w, f[i].detail);
        jsonw_end(w);
    }
    jsonw_end(w);
}

static void write_head(jsonw *w, const surge_stress_result *res)
{
    const surge_stress_config *c = res->config;
    char masked[1024], pn[16];
    jsonw_key(w, "surge_version");
    jsonw_string(w, SURGE_VERSION);
    jsonw_key(w, "kind");
    jsonw_string(w, rate_kind(res) ? "rate" : "connections");
    jsonw_key(w, "target");
    jsonw_string(w, surge_mask_url(c->run.target ? c->run.target : "sqlite:surge.db", masked, sizeof masked));
    const surge_result *r0 = res->nlevels && res->levels[0].result ? res->levels[0].result : NULL;
    jsonw_key(w, "workload");
    jsonw_string(w, r0 ? r0->workload : c->run.workload);
    jsonw_key(w, "watch");
    jsonw_string(w, c->run.watch);
    list(w, "planned", res->planned, res->nplanned, Q_RATE);
    num(w, "level_duration_s", c->level_duration, 1e6);
    num(w, "cooldown_s", c->cooldown, 1e6);
    jsonw_key(w, "continue");
    jsonw_bool(w, c->keep_going);

    jsonw_key(w, "criteria");
    jsonw_object(w);
    num(w, "throughput_pct", rate_kind(res) && c->min_throughput > 0 ? c->min_throughput * 100 : NAN, Q_PCT);
    num(w, "errors_pct", c->max_errors >= 0 ? c->max_errors * 100 : NAN, Q_PCT);
    jsonw_key(w, "latency_percentile");
    jsonw_string(w, c->latency_pct ? pct_label(c->latency_pct, pn, sizeof pn) : NULL);
    list(w, "latency_ms", c->latency_ms, c->nlatency, Q_MS);
    list(w, "cpu_pct", c->cpu_pct, c->ncpu, Q_PCT);
    list(w, "mem_pct", c->mem_pct, c->nmem, Q_PCT);
    jsonw_key(w, "nothing_lost");
    jsonw_bool(w, c->check_lost);
    jsonw_end(w);

    jsonw_key(w, "stop_reason");
    jsonw_string(w, res->stop_reason);
    jsonw_key(w, "capacity");
    if (res->capacity_index >= 0)
        jsonw_double(w, quantize(res->capacity, Q_RATE));
    else
        jsonw_null(w);
    jsonw_key(w, "capacity_level");
    if (res->capacity_index >= 0)
        jsonw_int(w, res->capacity_index);
    else
        jsonw_null(w);
    num(w, "capacity_throughput", res->capacity_index >= 0 ? res->levels[res->capacity_index].achieved : NAN, Q_RATE);
    jsonw_key(w, "baseline");
    if (isfinite(res->baseline_cpu)) {
        jsonw_object_flat(w);
        num(w, "cpu_pct", res->baseline_cpu, Q_PCT);
        num(w, "mem_pct", res->baseline_mem, Q_PCT);
        jsonw_end(w);
    } else {
        jsonw_null(w);
    }
    jsonw_key(w, "recovered");
    if (res->recovered >= 0)
        jsonw_bool(w, res->recovered == 1);
    else
        jsonw_null(w);
    num(w, "recovery_s", res->recovery_s, 1e3);
    num(w, "recovery_cpu_pct", res->recovery_cpu, Q_PCT);
}

static void write_level(jsonw *w, const surge_stress_result *res, const surge_stress_level *lv)
{
    jsonw_key(w, "index");
    jsonw_int(w, lv->index);
    num(w, "level", lv->level, Q_RATE);
    num(w, "target_rate", rate_kind(res) ? lv->target_rate : NAN, Q_RATE);
    jsonw_key(w, "connections");
    if (!rate_kind(res))
        jsonw_int(w, (int64_t)lv->level);
    else if (lv->result)
        jsonw_int(w, lv->result->connections);
    else
        jsonw_null(w);
    jsonw_key(w, "verdict");
    jsonw_string(w, lv->verdict);
    num(w, "achieved", lv->achieved, Q_RATE);
    num(w, "error_rate_pct", lv->error_rate * 100, Q_PCT);
    num(w, "latency_ms", lv->latency_ms, Q_MS);
    num(w, "cpu_pct", lv->cpu_pct, Q_PCT);
    num(w, "mem_pct", lv->mem_pct, Q_PCT);
    jsonw_key(w, "bounds");
    jsonw_object_flat(w);
    num(w, "latency_ms", lv->latency_bound_ms, Q_MS);
    num(w, "cpu_pct", lv->cpu_bound, Q_PCT);
    num(w, "mem_pct", lv->mem_bound, Q_PCT);
    jsonw_end(w);
    findings(w, "failures", lv->failures, lv->nfailures);
    findings(w, "warnings", lv->warnings, lv->nwarnings);
}

/* A jsonw object in memory, written out without its closing brace, so the
 * caller can add a member jsonw cannot write (a whole result, as text). */
typedef struct open_obj {
    char *text;
    size_t len;
    FILE *f;
    jsonw w;
} open_obj;

static int obj_begin(open_obj *o, int indent)
{
    memset(o, 0, sizeof *o);
    if (!(o->f = open_memstream(&o->text, &o->len)))
        return -1;
    jsonw_init(&o->w, o->f, indent);
    jsonw_object(&o->w);
    return 0;
}

static int obj_put_open(open_obj *o, FILE *out)
{
    jsonw_end(&o->w);
    int rc = jsonw_finish(&o->w);
    if (fclose(o->f) != 0)
        rc = -1;
    size_t n = o->len;
    while (n && (o->text[n - 1] == '\n' || o->text[n - 1] == ' '))
        n--;
    if (rc == 0 && n && o->text[n - 1] == '}')
        n--;
    else
        rc = -1;
    while (n && (o->text[n - 1] == '\n' || o->text[n - 1] == ' '))
        n--;
    if (rc == 0 && fwrite(o->text, 1, n, out) != n)
        rc = -1;
    free(o->text);
    return rc;
}

/* The level's result as its own file holds it, without the final newline. */
static int put_result(const surge_result *r, FILE *out)
{
    if (!r)
        return fputs("null", out) < 0 ? -1 : 0;
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (!m)
        return -1;
    int rc = surge_result_write_json(r, m);
    if (fclose(m) != 0)
        rc = -1;
    while (len && text[len - 1] == '\n')
        len--;
    if (rc == 0 && fwrite(text, 1, len, out) != len)
        rc = -1;
    free(text);
    return rc;
}

int surge_stress_write_json(const surge_stress *s, FILE *out)
{
    const surge_stress_result *res = surge_stress_get(s);
    open_obj o;
    if (obj_begin(&o, 2) != 0)
        return -1;
    write_head(&o.w, res);
    int rc = obj_put_open(&o, out);
    if (rc == 0 && fputs(",\n  \"levels\": [", out) < 0)
        rc = -1;
    for (int i = 0; i < res->nlevels && rc == 0; i++) {
        fputs(i ? ",\n    " : "\n    ", out);
        if (obj_begin(&o, 0) != 0)
            return -1;
        write_level(&o.w, res, &res->levels[i]);
        rc = obj_put_open(&o, out);
        if (rc == 0 && fputs(", \"result\": ", out) < 0)
            rc = -1;
        if (rc == 0)
            rc = put_result(res->levels[i].result, out);
        if (rc == 0 && fputc('}', out) == EOF)
            rc = -1;
    }
    if (rc == 0 && fputs(res->nlevels ? "\n  ]\n}\n" : "]\n}\n", out) < 0)
        rc = -1;
    if (fflush(out) != 0 || ferror(out))
        rc = -1;
    if (rc != 0 && !errno)
        errno = EIO;
    return rc;
}

/* ---- HTML ----------------------------------------------------------------- */

int surge_stress_report_html(const char *stress_json, FILE *out, char *err, size_t errlen)
{
    if (page_report_check(stress_json, "stress result", NULL, NULL, err, errlen) != 0)
        return -1;
    return page_report(out, "surge stress report", "surge-stress", NULL, stress_json, &web_stress_js, err, errlen);
}
