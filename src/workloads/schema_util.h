/* schema_util.h - what the catalog readers (schema_postgres.c,
 * schema_mysql.c) share: growing the model's arrays, reading numbers and
 * counts out of text rows, quoting identifiers. */
#ifndef SURGE_SCHEMA_UTIL_H
#define SURGE_SCHEMA_UTIL_H

#include <stddef.h>

char *sc_dup(const char *v);                          /* strdup, NULL stays NULL */
void *sc_push(void *arr, int *n, size_t size);        /* grow *arr by one zeroed element; NULL out of memory */
int   sc_add_name(char ***list, int n, const char *name);  /* append a copy at [n]; -1 out of memory */
int   sc_to_int(const char *v, int fallback);         /* a whole int, else fallback */
int   sc_on_int64(void *user, int ncols, const char *const *v);  /* query row callback: *(int64_t *)user = v[0] */
/* `name` quoted with q ('"' or '`'), any q inside doubled, appended at *o;
 * buf must hold 2 * strlen(name) + 3 more bytes. */
void  sc_quote_ident(char *buf, size_t *o, const char *name, char q);

#endif
