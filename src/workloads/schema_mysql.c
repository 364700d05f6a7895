/* schema_mysql.c - the MySQL / MariaDB schema reader: information_schema
 * for the connection's current database, through the driver's blocking
 * query() (prepared, the database name bound as a parameter).
 *
 * Base tables only (no views), each query over all of them at once. Type
 * names are the catalog's: `type` is COLUMN_TYPE ("varchar(5)",
 * "decimal(6,2)", "int(11) unsigned", "enum('a','b')"), `base_type` is
 * DATA_TYPE ("varchar", "decimal", "int", "enum", "uuid" on MariaDB 10.7+),
 * except that MariaDB's JSON, which it stores as longtext with a
 * json_valid(col) CHECK, gets base_type "json" (the CHECK is kept as a
 * check); MySQL's own JSON is "json" already.
 *
 * Fills *out wholly (dialect included) on success; leaves it untouched on
 * failure.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "workloads/schema.h"
#include "workloads/schema_util.h"

#define MY_EXACT_ROWS 100000   /* count exactly below this many (estimated) rows */

static const char q_tables[] =
    "SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES"
    " WHERE TABLE_SCHEMA = ? AND TABLE_TYPE = 'BASE TABLE'";

static const char q_columns[] =
    "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, DATA_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,"
    " CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE"
    " FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?"
    " ORDER BY BINARY TABLE_NAME, ORDINAL_POSITION";

/* One row per key column, in key order. A UNIQUE index and a foreign key
 * may share a name on one table: the referenced table tells their rows
 * apart. */
static const char q_keys[] =
    "SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, t.CONSTRAINT_TYPE, k.COLUMN_NAME,"
    " k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME"
    " FROM information_schema.TABLE_CONSTRAINTS t JOIN information_schema.KEY_COLUMN_USAGE k"
    " ON k.CONSTRAINT_SCHEMA = t.CONSTRAINT_SCHEMA AND k.TABLE_SCHEMA = t.TABLE_SCHEMA"
    " AND k.TABLE_NAME = t.TABLE_NAME AND k.CONSTRAINT_NAME = t.CONSTRAINT_NAME"
    " AND (t.CONSTRAINT_TYPE = 'FOREIGN KEY') = (k.REFERENCED_TABLE_NAME IS NOT NULL)"
    " WHERE t.TABLE_SCHEMA = ? AND t.CONSTRAINT_TYPE IN ('PRIMARY KEY', 'UNIQUE', 'FOREIGN KEY')"
    " ORDER BY BINARY k.TABLE_NAME, t.CONSTRAINT_TYPE, BINARY k.CONSTRAINT_NAME, k.ORDINAL_POSITION";

/* CHECK_CONSTRAINTS came with MariaDB 10.2 and MySQL 8.0.16; MariaDB's has
 * TABLE_NAME (its check names are per table: a column check is named after
 * its column), MySQL's does not (its names are per database), so there it
 * is joined to TABLE_CONSTRAINTS for the table. */
static const char q_check_columns[] =
    "SELECT COLUMN_NAME FROM information_schema.COLUMNS"
    " WHERE TABLE_SCHEMA = 'information_schema' AND TABLE_NAME = 'CHECK_CONSTRAINTS'";

static const char q_checks_mariadb[] =
    "SELECT TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS"
    " WHERE CONSTRAINT_SCHEMA = ? ORDER BY BINARY TABLE_NAME, BINARY CONSTRAINT_NAME";

static const char q_checks_mysql[] =
    "SELECT t.TABLE_NAME, t.CONSTRAINT_NAME, c.CHECK_CLAUSE"
    " FROM information_schema.TABLE_CONSTRAINTS t JOIN information_schema.CHECK_CONSTRAINTS c"
    " ON c.CONSTRAINT_SCHEMA = t.CONSTRAINT_SCHEMA AND c.CONSTRAINT_NAME = t.CONSTRAINT_NAME"
    " WHERE t.TABLE_SCHEMA = ? AND t.CONSTRAINT_TYPE = 'CHECK'"
    " ORDER BY BINARY t.TABLE_NAME, BINARY t.CONSTRAINT_NAME";

typedef struct my_read {
    const drv_ops *d;
    drv_conn *c;
    sc_schema *s;
    char *db;            /* DATABASE() */
    sc_table *last;      /* the table of the previous row: rows come grouped by table */
    int nfound;          /* rows of a query that only counts */
    bool has_table_name; /* CHECK_CONSTRAINTS.TABLE_NAME exists (MariaDB) */
    bool oom;
} my_read;

static int cmp_table(const void *a, const void *b)
{
    return strcmp(((const sc_table *)a)->name, ((const sc_table *)b)->name);
}

/* Table names are compared as bytes: on Linux MySQL tells "T" from "t". */
static sc_table *table_of(my_read *r, const char *name)
{
    if (!name)
        return NULL;
    if (r->last && strcmp(r->last->name, name) == 0)
        return r->last;
    sc_table key = { .name = (char *)name };
    sc_table *t = bsearch(&key, r->s->tables, (size_t)r->s->ntables, sizeof key, cmp_table);
    if (t)
        r->last = t;
    return t;
}

/* Column names are not case-sensitive in MySQL. */
static sc_column *column_of(sc_table *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcasecmp(t->cols[i].name, name) == 0)
            return &t->cols[i];
    return NULL;
}

static int on_db(void *user, int ncols, const char *const *v)
{
    my_read *r = user;
    if (ncols >= 1 && v[0] && !(r->db = strdup(v[0])))
        r->oom = true;
    return 1;
}

static int on_found(void *user, int ncols, const char *const *v)
{
    my_read *r = user;
    if (ncols >= 1 && v[0] && strcasecmp(v[0], "TABLE_NAME") == 0)
        r->has_table_name = true;
    r->nfound++;
    return 0;
}

/* ---- tables and columns -------------------------------------------------- */

/* TABLE_ROWS (InnoDB's estimate) goes in rows for now; count_rows decides. */
static int on_table(void *user, int ncols, const char *const *v)
{
    my_read *r = user;
    if (ncols < 2 || !v[0])
        return 0;
    sc_table *t = sc_push(&r->s->tables, &r->s->ntables, sizeof *t);
    if (!t || !(t->schema = strdup(r->db)) || !(t->name = strdup(v[0])))
        return r->oom = true;
    t->rows = v[1] ? strtoll(v[1], NULL, 10) : -1;
    return 0;
}

/* enum('a','it''s') into the column's values: MySQL doubles a quote inside
 * a value and writes a backslash as two. */
static int parse_enum(sc_column *col, const char *type)
{
    const char *p = type + 5;   /* past "enum(" */
    while (*p == '\'') {
        size_t cap = strlen(p), n = 0;
        char *val = malloc(cap);
        char **slot = val ? sc_push(&col->enum_values, &col->nenum, sizeof *slot) : NULL;
        if (!slot) {
            free(val);
            return -1;
        }
        *slot = val;
        for (p++; *p; p++) {
            if (p[0] == '\'' && p[1] == '\'') {
                val[n++] = '\'';
                p++;
            } else if (p[0] == '\'') {
                p++;
                break;
            } else if (p[0] == '\\' && p[1]) {
                p++;
                val[n++] = *p == 'n' ? '\n' : *p == 'r' ? '\r' : *p == 't' ? '\t' : *p == 'Z' ? '\032' : *p;
            } else {
                val[n++] = *p;
            }
        }
        val[n] = '\0';
        if (*p == ',')
            p++;
    }
    return 0;
}

/* v: table, column, COLUMN_TYPE, DATA_TYPE, IS_NULLABLE, COLUMN_DEFAULT,
 * EXTRA, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE. */
static int on_column(void *user, int ncols, const char *const *v)
{
    my_read *r = user;
    if (ncols < 10 || !v[1])
        return 0;
    sc_table *t = table_of(r, v[0]);   /* NULL for a view's columns */
    if (!t)
        return 0;
    sc_column *col = sc_push(&t->cols, &t->ncols, sizeof *col);
    if (!col)
        return r->oom = true;
    const char *type = v[2] ? v[2] : "", *base = v[3] ? v[3] : "", *extra = v[6] ? v[6] : "";
    col->name = strdup(v[1]);
    col->type = strdup(type);
    col->base_type = strdup(base);
    /* MariaDB says 'NULL' for a nullable column without a default (and
     * quotes string literals); a default of NULL is no default. */
    const char *def = v[5] && strcmp(v[5], "NULL") != 0 ? v[5] : NULL;
    col->default_expr = sc_dup(def);
    if (!col->name || !col->type || !col->base_type || (def && !col->default_expr))
        return r->oom = true;
    for (char *p = col->base_type; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    col->nullable = v[4] && strcmp(v[4], "YES") == 0;
    col->identity = strcasestr(extra, "auto_increment") != NULL;
    /* "VIRTUAL GENERATED", "STORED GENERATED" (MariaDB also "PERSISTENT");
     * MySQL's "DEFAULT_GENERATED" is an expression default, not this. */
    col->generated = strcasestr(extra, "VIRTUAL") || strcasestr(extra, "STORED") || strcasestr(extra, "PERSISTENT");
    col->length = col->precision = col->scale = -1;
    bool is_enum = strcmp(col->base_type, "enum") == 0;
    if (!is_enum && strcmp(col->base_type, "set") != 0)
        col->length = sc_to_int(v[7], -1);   /* longtext's 4294967295 does not fit: none */
    if (strcmp(col->base_type, "decimal") == 0 || strcmp(col->base_type, "numeric") == 0) {
        col->precision = sc_to_int(v[8], -1);
        col->scale = sc_to_int(v[9], -1);
    }
    if (is_enum && strncasecmp(type, "enum(", 5) == 0 && parse_enum(col, type) != 0)
        return r->oom = true;
    return 0;
}

/* ---- keys and checks ----------------------------------------------------- */

/* v: table, constraint, type, column, ref schema, ref table, ref column.
 * Rows come ordered by table, type, name, position: each key's columns are
 * consecutive, so a row either extends the table's last key of its kind
 * or starts the next. */
static int on_key(void *user, int ncols, const char *const *v)
{
    my_read *r = user;
    if (ncols < 7 || !v[1] || !v[2] || !v[3])
        return 0;
    sc_table *t = table_of(r, v[0]);
    if (!t)
        return 0;
    if (strcmp(v[2], "FOREIGN KEY") == 0) {
        sc_fkey *f = t->nfkeys ? &t->fkeys[t->nfkeys - 1] : NULL;
        if (!f || strcmp(f->name, v[1]) != 0) {
            if (!(f = sc_push(&t->fkeys, &t->nfkeys, sizeof *f)) || !(f->name = strdup(v[1])) ||
                !(f->ref_schema = sc_dup(v[4])) || !(f->ref_table = sc_dup(v[5])))
                return r->oom = true;
        }
        if (sc_add_name(&f->cols, f->ncols, v[3]) != 0 || sc_add_name(&f->ref_cols, f->ncols, v[6]) != 0)
            return r->oom = true;
        f->ncols++;
        return 0;
    }
    sc_key *k;
    if (strcmp(v[2], "PRIMARY KEY") == 0) {
        k = &t->pk;
    } else {
        k = t->nunique ? &t->unique[t->nunique - 1] : NULL;
        if ((!k || strcmp(k->name, v[1]) != 0) && !(k = sc_push(&t->unique, &t->nunique, sizeof *k)))
            return r->oom = true;
    }
    if ((!k->name && !(k->name = strdup(v[1]))) || sc_add_name(&k->cols, k->ncols, v[3]) != 0)
        return r->oom = true;
    k->ncols++;
    return 0;
}

/* The column a check is exactly json_valid(`col`) of, into buf; false for
 * any other check. */
static bool json_check(const char *expr, char *buf, size_t len)
{
    if (strncasecmp(expr, "json_valid(", 11) != 0)
        return false;
    const char *p = expr + 11;
    size_t n = 0;
    if (*p == '`') {
        for (p++; *p && !(p[0] == '`' && p[1] != '`'); p++) {
            if (p[0] == '`')
                p++;   /* `` stands for ` */
            if (n + 1 >= len)
                return false;
            buf[n++] = *p;
        }
        if (*p++ != '`')
            return false;
    } else {
        while (*p && *p != ')' && n + 1 < len)
            buf[n++] = *p++;
    }
    buf[n] = '\0';
    return n > 0 && strcmp(p, ")") == 0;
}

/* v: table, constraint, clause. */
static int on_check(void *user, int ncols, const char *const *v)
{
    my_read *r = user;
    if (ncols < 3 || !v[2])
        return 0;
    sc_table *t = table_of(r, v[0]);
    if (!t)
        return 0;
    sc_check *ck = sc_push(&t->checks, &t->nchecks, sizeof *ck);
    if (!ck || !(ck->expr = strdup(v[2])) || (v[1] && !(ck->name = strdup(v[1]))))
        return r->oom = true;
    char name[256];
    sc_column *col = json_check(v[2], name, sizeof name) ? column_of(t, name) : NULL;
    if (col && strcmp(col->base_type, "json") != 0) {
        char *json = strdup("json");
        if (!json)
            return r->oom = true;
        free(col->base_type);
        col->base_type = json;
    }
    return 0;
}

/* ---- row counts ---------------------------------------------------------- */

/* TABLE_ROWS is InnoDB's guess (it may be off by half): small tables are
 * counted exactly, big ones keep the guess, as a COUNT(*) of a big table
 * takes as long as reading it. A table we may not read has rows = -1. */
static int count_rows(my_read *r, char *err, size_t errlen)
{
    for (int i = 0; i < r->s->ntables; i++) {
        sc_table *t = &r->s->tables[i];
        if (t->rows >= MY_EXACT_ROWS) {
            t->rows_estimated = true;
            continue;
        }
        t->rows = sc_count_rows(r->d, r->c, t, '`');
        if (t->rows == -2) {
            snprintf(err, errlen, "mysql: out of memory");
            return -1;
        }
    }
    return 0;
}

/* ---- the reader ---------------------------------------------------------- */

static int run(my_read *r, const char *what, const char *sql, int nparams,
               int (*row)(void *user, int ncols, const char *const *values), char *err, size_t errlen)
{
    char why[DRV_ERRMSG];
    const char *params[1] = { r->db };
    r->last = NULL;
    if (r->d->query(r->c, sql, nparams, params, row, r, why, sizeof why) != 0) {
        snprintf(err, errlen, "reading the %s: %s", what, why);
        return -1;
    }
    if (r->oom) {
        snprintf(err, errlen, "mysql: out of memory reading the %s", what);
        return -1;
    }
    return 0;
}

int schema_read_mysql(const drv_ops *d, drv_conn *c, sc_schema *out, char *err, size_t errlen)
{
    sc_schema s = { 0 };
    my_read r = { .d = d, .c = c, .s = &s };
    int rc = -1;
    if (!(s.dialect = strdup("mysql"))) {
        snprintf(err, errlen, "mysql: out of memory");
        goto done;
    }
    if (run(&r, "current database", "SELECT DATABASE()", 0, on_db, err, errlen) != 0)
        goto done;
    if (!r.db) {
        snprintf(err, errlen, "mysql: no database selected: name one in the URL (mysql://user:pass@host:port/DB)");
        goto done;
    }
    if (run(&r, "tables", q_tables, 1, on_table, err, errlen) != 0)
        goto done;
    if (s.ntables > 1)
        qsort(s.tables, (size_t)s.ntables, sizeof *s.tables, cmp_table);
    if (run(&r, "columns", q_columns, 1, on_column, err, errlen) != 0 ||
        run(&r, "keys", q_keys, 1, on_key, err, errlen) != 0 ||
        run(&r, "check constraints", q_check_columns, 0, on_found, err, errlen) != 0)
        goto done;
    if (r.nfound > 0 && run(&r, "check constraints", r.has_table_name ? q_checks_mariadb : q_checks_mysql, 1,
                            on_check, err, errlen) != 0)
        goto done;
    if (count_rows(&r, err, errlen) != 0)
        goto done;
    *out = s;
    rc = 0;
done:
    if (rc != 0)
        schema_free(&s);
    free(r.db);
    return rc;
}
