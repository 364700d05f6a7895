/* schema.h - a database's schema as read from its own catalog: what generic
 * workloads (crud, stress) and seeding are built from, and what
 * `surge inspect` prints.
 *
 * One reader per dialect (schema_sqlite.c, schema_postgres.c,
 * schema_mysql.c, schema_mssql.c) fills the same model through the
 * driver's blocking query() call; schema.c owns the model (free, find,
 * print, JSON).
 * Every string is owned by the model (heap, freed by schema_free).
 */
#ifndef SURGE_SCHEMA_H
#define SURGE_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "drivers/driver.h"

typedef struct sc_column {
    char *name;
    char *type;            /* as the catalog spells it: "character varying(5)", "numeric(6,2)", "int(11)" */
    char *base_type;       /* lower case, no size: "varchar", "numeric", "int", "text", "uuid", "json" ... */
    bool nullable;
    char *default_expr;    /* NULL when none */
    bool identity;         /* IDENTITY, SERIAL / nextval, AUTO_INCREMENT, SQLite INTEGER PRIMARY KEY */
    bool generated;        /* GENERATED ALWAYS AS (expr): never written */
    int length;            /* character max length; -1 none */
    int precision, scale;  /* numeric; -1 none */
    int nenum;             /* enum values (PostgreSQL enum type, MySQL ENUM); 0 none */
    char **enum_values;
} sc_column;

typedef struct sc_key {     /* primary or unique key */
    char *name;            /* constraint / index name; may be NULL */
    int ncols;
    char **cols;           /* in key order */
} sc_key;

typedef struct sc_fkey {
    char *name;
    int ncols;
    char **cols;           /* referencing columns, in order */
    char *ref_schema;      /* NULL for SQLite */
    char *ref_table;
    char **ref_cols;       /* referenced columns, same order and count */
} sc_fkey;

typedef struct sc_check {
    char *name;            /* may be NULL */
    char *expr;            /* as the catalog gives it */
} sc_check;

typedef struct sc_table {
    char *schema;          /* "public", the MySQL database name; NULL for SQLite ("main") */
    char *name;
    int ncols;
    sc_column *cols;
    sc_key pk;             /* ncols == 0: no primary key */
    int nunique;
    sc_key *unique;
    int nfkeys;
    sc_fkey *fkeys;
    int nchecks;
    sc_check *checks;
    int64_t rows;          /* exact COUNT(*) for small tables, the catalog's estimate for big ones; -1 unknown */
    bool rows_estimated;
} sc_table;

typedef struct sc_schema {
    char *dialect;         /* "sqlite", "postgres", "mysql", "mssql" */
    int ntables;
    sc_table *tables;      /* sorted by schema, then name */
} sc_schema;

/* Read the schema of the connection's database (user tables only: no
 * system catalogs). 0, or -1 with a one-line message. -1 at once when the
 * driver has no query(). Tables come back sorted by schema, then name, in
 * byte order, whatever order the reader filled them in. On failure nothing
 * is left to free: a reader may stop with the model partly filled (its
 * counts covering only entries it initialised, the rest zero) and
 * schema_read frees it; schema_free leaves *s zeroed, so a reader that
 * frees its own partial model first does no harm. */
int  schema_read(const drv_ops *d, drv_conn *c, sc_schema *out, char *err, size_t errlen);
void schema_free(sc_schema *s);

const sc_table  *schema_table(const sc_schema *s, const char *schema, const char *name);  /* schema NULL: any */
const sc_column *schema_column(const sc_table *t, const char *name);
/* The index of the table a user named (len bytes of name): "orders", or
 * "schema.orders" where the bare name is ambiguous; -1 none. */
int schema_find(const sc_schema *s, const char *name, size_t len);

/* For people: one block per table (columns with type, nullability,
 * default, identity/generated; keys; foreign keys; checks; rows). */
void schema_print(const sc_schema *s, FILE *out);
/* For programs: {"dialect":…, "tables":[{"schema","name","rows","rows_estimated",
 * "columns":[{"name","type","base_type","nullable","default","identity","generated",
 * "length","precision","scale","enum"}], "primary_key":[…], "unique":[{"name","columns"}],
 * "foreign_keys":[{"name","columns","ref_schema","ref_table","ref_columns"}],
 * "checks":[{"name","expr"}]}]} — documented in docs/inspect.md. */
int  schema_print_json(const sc_schema *s, FILE *out);

/* Per dialect, called by schema_read. */
int schema_read_sqlite(const drv_ops *d, drv_conn *c, sc_schema *out, char *err, size_t errlen);
int schema_read_postgres(const drv_ops *d, drv_conn *c, sc_schema *out, char *err, size_t errlen);
int schema_read_mysql(const drv_ops *d, drv_conn *c, sc_schema *out, char *err, size_t errlen);
int schema_read_mssql(const drv_ops *d, drv_conn *c, sc_schema *out, char *err, size_t errlen);

#endif
