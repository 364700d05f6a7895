/* api.c - the library's small public services besides the generator:
 * previewing a pattern and describing the built-in workloads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "surge.h"
#include "core/pattern.h"
#include "core/units.h"
#include "out/plan.h"
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
        const char *const *sql = w->statements(dialects[d], &n);
        if (!sql)
            continue;
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
