/* schema_util.h - what the catalog readers (schema_postgres.c,
 * schema_mysql.c) share: growing the model's arrays, reading numbers out
 * of text rows, exact row counts. */
#ifndef SURGE_SCHEMA_UTIL_H
#define SURGE_SCHEMA_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "workloads/schema.h"

char *sc_dup(const char *v);                          /* strdup, NULL stays NULL */
void *sc_push(void *arr, int *n, size_t size);        /* grow *arr by one zeroed element; NULL out of memory */
int   sc_add_name(char ***list, int n, const char *name);  /* append a copy at [n]; -1 out of memory */
int   sc_to_int(const char *v, int fallback);         /* a whole int, else fallback */
/* SELECT COUNT(*) of schema.name, identifiers quoted with q: the count, -1
 * when the query fails (e.g. no permission), -2 out of memory. */
int64_t sc_count_rows(const drv_ops *d, drv_conn *c, const sc_table *t, char q);

#endif
