/* rowplan.h - how rows for one table are made: a generator per column
 * (colgen.h), a parent for each foreign key, unique numbers for keys.
 * Shared by seeding (many rows, in order) and the crud workload (one row
 * per insert, numbered by a shared counter).
 *
 * Row i of a plan is a function of i and the random stream: keys that
 * must be unique take their value from `offset + i` (offset: past the
 * largest value the table held), a key made only of foreign-key columns
 * enumerates parent combinations from `start + i`, the rest is random.
 */
#ifndef SURGE_ROWPLAN_H
#define SURGE_ROWPLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/strbuf.h"
#include "workloads/colgen.h"
#include "workloads/schema.h"

typedef struct rp_db {          /* where plans read keys from */
    const drv_ops *d;
    drv_conn *c;
    dl_kind dialect;
} rp_db;

/* Key tuples read from a table, in key order: what foreign keys point at,
 * what point selects look up. */
typedef struct keyset {
    int ncols;
    int64_t n, cap;
    drv_value *v;               /* n * ncols; text owned */
    bool *is_int;               /* per column: read back as an integer */
} keyset;

#define KEYS_MAX 1000000        /* most tuples read */

int  keyset_read(const rp_db *db, const sc_table *t, int ncols, char *const *cols, int64_t limit, keyset *out,
                 char *err, size_t errlen);
void keyset_free(keyset *k);

typedef struct rowplan {
    const sc_table *t;
    int nw;                  /* columns written */
    int *wcol;               /* their indexes in t->cols */
    cg_col *gen;             /* per written column */
    int *fk;                 /* per written column: the foreign key it belongs to, or -1 */
    int *fkpos;              /* its position in that key */
    uint64_t *offset;        /* per written column: first unique number */
    keyset *parents;         /* per foreign key (empty when deferred) */
    int64_t *radix;          /* per foreign key: 0 random parent, else enumerate with this divisor */
    bool *deferred;          /* per foreign key: written NULL (filled later), copied */
    int64_t start;           /* rows the table had: where enumeration continues */
    int64_t rows;            /* rows wanted, capped by parent combinations */
    int rowbuf;              /* text bytes a row needs */
} rowplan;

/* Plan table ti of s for `rows` more rows; `before` is how many it has.
 * columns: "TABLE.COLUMN=KIND[:ARG]" generators chosen by hand (NULL-
 * terminated, or NULL); those naming other tables are skipped.
 * deferred: per foreign key, or NULL for none. need_parents: a foreign
 * key whose parent is empty is an error unless nullable (false for a dry
 * run, which writes nothing). 0; -1 the server failed; -2 the schema
 * cannot be filled (message says why). */
int  rowplan_init(rowplan *p, const rp_db *db, const sc_schema *s, int ti, int64_t rows, int64_t before,
                  const bool *deferred, bool need_parents, const char *const *columns, char *err, size_t errlen);

/* A generator asked for by name, "TABLE.COLUMN=KIND[:ARG]" (see
 * cg_override): which table and column it names in s. 0, or -1 with a
 * message (no such table or column, no '='). */
int rp_column_spec(const sc_schema *s, const char *spec, int *table, int *column, const char **gen, char *err,
                   size_t errlen);
void rowplan_free(rowplan *p);

/* Row i: p->nw values into vals, text into buf (p->rowbuf bytes). */
void rowplan_row(const rowplan *p, rng_t *r, int64_t i, drv_value *vals, char *buf);

/* The written columns, quoted and comma-separated; the table's name as
 * SQL (schema-qualified except on SQLite). */
void rowplan_columns(strbuf *b, const rowplan *p, dl_kind k);
void rp_table(strbuf *b, dl_kind k, const sc_table *t);

int rp_col_index(const sc_table *t, const char *name);                 /* -1 none */
int rp_fkey_of(const sc_table *t, int ci, int *pos);                    /* foreign key holding column ci; -1 none */

#endif
