/* workload.c - the registry of built-in workloads, weights and the picker. */
#include "workloads/workload.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const wl_def wl_ecommerce;
extern const wl_def wl_noop;
extern const wl_def wl_queue;
extern const wl_def wl_crud;

static const wl_def *const workloads[] = { &wl_ecommerce, &wl_crud, &wl_noop, &wl_queue, NULL };

const wl_def *const *wl_all(void)
{
    return workloads;
}

const wl_def *wl_find(const char *name)
{
    for (int i = 0; workloads[i]; i++)
        if (strcmp(workloads[i]->name, name) == 0)
            return workloads[i];
    return NULL;
}

int wl_picker_init(wl_picker *p, int n, const double *weights)
{
    double total = 0;
    for (int i = 0; i < n; i++)
        total += weights[i];
    if (n <= 0 || n > WL_MAX_OPS || !(total > 0))
        return -1;
    p->n = n;
    double acc = 0;
    for (int i = 0; i < n; i++) {
        acc += weights[i];
        p->cum[i] = acc / total;
    }
    p->cum[n - 1] = 1.0;   /* no rounding gap at the top */
    return 0;
}

int wl_parse_mix(const char *wlname, int nops, const wl_opdef *ops, const char *mix, double *weights,
                 char *err, size_t errlen)
{
    const char *p = mix;
    if (!*p) {
        snprintf(err, errlen, "--mix: expected name=weight[,name=weight...], got nothing");
        return -1;
    }
    while (*p) {
        const char *eq = strchr(p, '=');
        const char *end = strchr(p, ',');
        if (!end)
            end = p + strlen(p);
        if (!eq || eq > end) {
            snprintf(err, errlen, "--mix: expected name=weight, got '%.*s'", (int)(end - p), p);
            return -1;
        }
        int found = -1;
        for (int i = 0; i < nops; i++)
            if (strlen(ops[i].name) == (size_t)(eq - p) && strncmp(ops[i].name, p, (size_t)(eq - p)) == 0)
                found = i;
        if (found < 0) {
            char names[512] = "";
            for (int i = 0; i < nops; i++)
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", i ? ", " : "", ops[i].name);
            snprintf(err, errlen, "--mix: unknown operation '%.*s' (%s has: %s)", (int)(eq - p), p, wlname, names);
            return -1;
        }
        char *stop;
        errno = 0;
        double v = strtod(eq + 1, &stop);
        if (stop == eq + 1 || stop != end || errno || !isfinite(v) || v < 0) {
            snprintf(err, errlen, "--mix: weight of '%.*s' must be a number >= 0, got '%.*s'",
                     (int)(eq - p), p, (int)(end - eq - 1), eq + 1);
            return -1;
        }
        weights[found] = v;
        p = *end ? end + 1 : end;
    }
    double total = 0;
    for (int i = 0; i < nops; i++)
        total += weights[i];
    if (!(total > 0)) {
        snprintf(err, errlen, "--mix: every weight is 0");
        return -1;
    }
    return 0;
}
