/* schema_util.c - helpers shared by the catalog readers. */
#include "workloads/schema_util.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *sc_dup(const char *v)
{
    return v ? strdup(v) : NULL;
}

void *sc_push(void *arr, int *n, size_t size)
{
    char *p = realloc(*(void **)arr, (size_t)(*n + 1) * size);
    if (!p)
        return NULL;
    *(void **)arr = p;
    memset(p + (size_t)*n * size, 0, size);
    return p + (size_t)(*n)++ * size;
}

int sc_add_name(char ***list, int n, const char *name)
{
    char *s = strdup(name ? name : "");
    char **p = s ? realloc(*list, (size_t)(n + 1) * sizeof *p) : NULL;
    if (!p) {
        free(s);
        return -1;
    }
    p[n] = s;
    *list = p;
    return 0;
}

int sc_to_int(const char *v, int fallback)
{
    if (!v)
        return fallback;
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    return errno || *end || end == v || x < INT_MIN || x > INT_MAX ? fallback : (int)x;
}


static int sc_on_int64(void *user, int ncols, const char *const *v)
{
    if (ncols >= 1 && v[0])
        *(int64_t *)user = strtoll(v[0], NULL, 10);
    return 1;
}

/* `name` quoted with q, any q inside doubled, appended at *o. */
static void sc_quote_ident(char *buf, size_t *o, const char *name, char q)
{
    buf[(*o)++] = q;
    for (const char *p = name; *p; p++) {
        if (*p == q)
            buf[(*o)++] = q;
        buf[(*o)++] = *p;
    }
    buf[(*o)++] = q;
    buf[*o] = '\0';
}

int64_t sc_count_rows(const drv_ops *d, drv_conn *c, const sc_table *t, char q)
{
    size_t cap = 2 * (strlen(t->schema) + strlen(t->name)) + 40, o;
    char *sql = malloc(cap);
    if (!sql)
        return -2;
    o = (size_t)snprintf(sql, cap, "SELECT COUNT(*) FROM ");
    sc_quote_ident(sql, &o, t->schema, q);
    sql[o++] = '.';
    sc_quote_ident(sql, &o, t->name, q);
    char why[DRV_ERRMSG];
    int64_t n = -1;
    if (d->query(c, sql, 0, NULL, sc_on_int64, &n, why, sizeof why) != 0)
        n = -1;
    free(sql);
    return n;
}
