/* api.c - the library's small public services besides the generator:
 * previewing a pattern, describing the built-in workloads, and inspecting
 * a database's schema. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "surge.h"
#include "core/pattern.h"
#include "core/units.h"
#include "drivers/driver.h"
#include "out/plan.h"
#include "workloads/schema.h"
#include "workloads/workload.h"

int surge_plan_print(const char *expr, double window, bool json, int width, int height,
                     FILE *out, char *err, size_t errlen)
{
    pat_error pe;
    pat_t *p = pat_parse(expr, &pe);
    if (!p) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (f) {
            pat_error_print(&pe, "pattern", expr, f);
            fclose(f);
        }
        snprintf(err, errlen, "%s", buf ? buf : pe.msg);
        free(buf);
        return -1;
    }
    if (window <= 0)
        window = plan_default_window(p);
    if (json)
        plan_print_json(p, window, out);
    else
        plan_print_text(p, window, width, height, out);
    pat_free(p);
    return 0;
}

int surge_workload_describe(const char *name, FILE *out)
{
    if (!name) {
        for (const wl_def *const *w = wl_all(); *w; w++) {
            fprintf(out, "%-12s %s\n", (*w)->name, (*w)->summary);
            double total = 0;
            for (int i = 0; i < (*w)->nops; i++)
                total += (*w)->ops[i].weight;
            for (int i = 0; i < (*w)->nops; i++)
                fprintf(out, "    %-30s %5.1f%%  %s\n", (*w)->ops[i].name, 100 * (*w)->ops[i].weight / total,
                        (*w)->ops[i].summary);
        }
        return 0;
    }
    const wl_def *w = wl_find(name);
    if (!w)
        return -1;
    fprintf(out, "%s: %s\n\noperations (weight):\n", w->name, w->summary);
    for (int i = 0; i < w->nops; i++)
        fprintf(out, "  %-30s %6.1f  %s\n", w->ops[i].name, w->ops[i].weight, w->ops[i].summary);
    static const char *const dialects[] = { "sqlite", "postgres", "mysql" };
    for (size_t d = 0; d < sizeof dialects / sizeof dialects[0]; d++) {
        int n;
        const char *const *sql = w->statements(w, dialects[d], NULL, &n);
        if (!sql)
            continue;
        if (n == 0) {   /* written from the schema the target has */
            fprintf(out, "\nstatements: written at start from the target's schema (see surge inspect URL)\n");
            break;
        }
        fprintf(out, "\nstatements (%s):\n", dialects[d]);
        for (int i = 0; i < n; i++)
            fprintf(out, "  %s;\n", sql[i]);
    }
    return 0;
}

int surge_parse_duration(const char *s, double *seconds)
{
    return units_parse_duration(s, seconds);
}

int surge_parse_rate(const char *s, double *per_second)
{
    return units_parse_rate(s, per_second);
}

/* A driver's message should never hold the password, but the URL it was
 * given may be quoted whole: replace it with the masked one if so. */
static void mask_in_message(const char *url, const char *masked, char *err, size_t errlen)
{
    char *at = strcmp(url, masked) != 0 ? strstr(err, url) : NULL;
    if (!at)
        return;
    char rest[1024];
    snprintf(rest, sizeof rest, "%s", at + strlen(url));
    snprintf(at, errlen - (size_t)(at - err), "%s%s", masked, rest);
}


int surge_inspect(const char *url, bool json, FILE *out, char *err, size_t errlen)
{
    char masked[1024];
    surge_mask_url(url, masked, sizeof masked);
    const drv_ops *d = url ? drv_find(url) : NULL;
    if (!d) {
        snprintf(err, errlen, "unknown target '%s' (expected a URL starting with %s)", masked, drv_schemes_list());
        return SURGE_EINPUT;
    }
    if (!d->query) {
        snprintf(err, errlen, "inspect: %s targets have no catalog to read", d->name);
        return SURGE_EINPUT;
    }
    /* Inspecting reads; opening a file that is not there would create an
     * empty database and report it, hiding the typo. */
    if (drv_local_missing(d, url)) {
        const char *path = drv_local_path(d, url);
        snprintf(err, errlen, "inspect: no database file '%s' (inspect reads an existing database)", path);
        return SURGE_EINPUT;
    }
    drv_conn *c = d->connect(url, err, errlen);
    if (!c) {
        mask_in_message(url, masked, err, errlen);
        return d->local ? SURGE_EINPUT : SURGE_ERUNTIME;
    }
    sc_schema s;
    int rc = schema_read(d, c, &s, err, errlen);
    if (d->close)
        d->close(c);
    if (rc != 0) {
        char why[1024];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen, "inspect %s: %s", masked, why);
        mask_in_message(url, masked, err, errlen);
        return SURGE_ERUNTIME;
    }
    if (json) {
        rc = schema_print_json(&s, out);
    } else {
        schema_print(&s, out);
        rc = fflush(out) != 0 || ferror(out) ? -1 : 0;
    }
    schema_free(&s);
    if (rc != 0) {
        snprintf(err, errlen, "inspect: writing the schema failed");
        return SURGE_ERUNTIME;
    }
    return 0;
}
