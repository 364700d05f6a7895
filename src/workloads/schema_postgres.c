/* schema_postgres.c - the PostgreSQL schema reader: pg_catalog through the
 * driver's blocking query().
 *
 * What counts as a user table: relkind r (ordinary) and p (partitioned) in
 * every schema but pg_catalog, information_schema, pg_toast and the
 * temporary ones. Partitions are left out: rows written to the partitioned
 * table land in them, and listing both would count each row twice.
 *
 * A handful of queries, each over all those tables at once (ordered by
 * table oid, then position), not one round trip per table; only the row
 * counts go table by table.
 *
 * Type names. `type` is format_type() with the modifier, as psql shows it
 * ("character varying(5)", "numeric(6,2)", "timestamp with time zone").
 * `base_type` is the same SQL name without the modifier, with PostgreSQL's
 * own short forms where the SQL name is long: varchar, char, timestamp,
 * timestamptz, time, timetz, varbit; everything else as format_type spells
 * it (integer, bigint, smallint, numeric, real, double precision, boolean,
 * text, uuid, json, jsonb, bytea, date, ...), arrays with "[]" (integer[]).
 * A column of an enum type has base_type "enum" (as MySQL's DATA_TYPE
 * says) and its labels in enum_values; a domain is described by the type
 * it is over (the domain's name stays in `type`).
 *
 * The catalog columns used need PostgreSQL 12 or newer (attgenerated,
 * pg_partition_tree). Fills *out wholly (dialect included) on success;
 * leaves it untouched on failure.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/schema.h"
#include "workloads/schema_util.h"

#define PG_EXACT_ROWS 100000   /* count exactly up to this many (estimated) rows */

/* The relations read, for `... IN (SELECT c.oid` PG_TABLES `)`. */
#define PG_TABLES                                                                      \
    " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"                   \
    " WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition"                          \
    " AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"           \
    " AND n.nspname !~ '^pg_(toast_)?temp_'"

/* Partitioned tables have no reltuples of their own: their leaves' sum. */
static const char q_tables[] =
    "SELECT c.oid, n.nspname, c.relname,"
    " (CASE WHEN c.relkind = 'p' THEN (SELECT coalesce(sum(greatest(l.reltuples, 0)), 0)"
    "   FROM pg_partition_tree(c.oid) t JOIN pg_class l ON l.oid = t.relid WHERE t.isleaf)"
    "  ELSE c.reltuples END)::bigint"
    PG_TABLES
    " ORDER BY n.nspname COLLATE \"C\", c.relname COLLATE \"C\"";

/* A domain is described by its base type and the domain's own modifier. */
static const char q_columns[] =
    "SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), format_type(b.oid, NULL), b.typtype,"
    " CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END, a.attnotnull,"
    " pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated"
    " FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
    " JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END"
    " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum"
    " WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attrelid IN (SELECT c.oid" PG_TABLES ")"
    " ORDER BY a.attrelid, a.attnum";

static const char q_enums[] =
    "SELECT a.attrelid, a.attname, e.enumlabel"
    " FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
    " JOIN pg_enum e ON e.enumtypid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END"
    " WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attrelid IN (SELECT c.oid" PG_TABLES ")"
    " ORDER BY a.attrelid, a.attnum, e.enumsortorder";

/* Primary, unique and foreign keys, one row per column in key order; then
 * unique indexes that back no constraint (CREATE UNIQUE INDEX), which bind
 * inserts just the same, unless partial or on expressions. A foreign key
 * to a partitioned table also has a clone per partition (conparentid set):
 * only the original counts. */
static const char q_keys[] =
    "SELECT con.conrelid, con.conname, con.contype::text, ka.attname, fn.nspname, fc.relname, fa.attname, k.ord"
    " FROM pg_constraint con CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)"
    " JOIN pg_attribute ka ON ka.attrelid = con.conrelid AND ka.attnum = k.attnum"
    " LEFT JOIN pg_class fc ON fc.oid = con.confrelid LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace"
    " LEFT JOIN pg_attribute fa ON fa.attrelid = con.confrelid AND fa.attnum = con.confkey[k.ord]"
    " WHERE con.contype IN ('p', 'u', 'f') AND con.conparentid = 0"
    " AND con.conrelid IN (SELECT c.oid" PG_TABLES ")"
    " UNION ALL"
    " SELECT i.indrelid, ic.relname, 'u', ka.attname, NULL, NULL, NULL, k.ord"
    " FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid"
    " CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)"
    " JOIN pg_attribute ka ON ka.attrelid = i.indrelid AND ka.attnum = k.attnum"
    " WHERE i.indisunique AND NOT i.indisprimary AND i.indpred IS NULL AND i.indexprs IS NULL"
    " AND k.ord <= i.indnkeyatts"
    " AND NOT EXISTS (SELECT 1 FROM pg_constraint x WHERE x.conindid = i.indexrelid AND x.conrelid = i.indrelid)"
    " AND i.indrelid IN (SELECT c.oid" PG_TABLES ")"
    " ORDER BY 1, 3, 2, 8";

static const char q_checks[] =
    "SELECT con.conrelid, con.conname, pg_get_expr(con.conbin, con.conrelid)"
    " FROM pg_constraint con WHERE con.contype = 'c' AND con.conrelid IN (SELECT c.oid" PG_TABLES ")"
    " ORDER BY 1, 2";

typedef struct pg_oid {
    unsigned oid;
    int table;
} pg_oid;

typedef struct pg_read {
    const drv_ops *d;
    drv_conn *c;
    sc_schema *s;
    pg_oid *oids;        /* sorted by oid, once the tables are read */
    int64_t *estimate;   /* per table, reltuples (partitioned: the leaves' sum) */
    bool oom;
} pg_read;

static unsigned to_oid(const char *v)
{
    return v ? (unsigned)strtoul(v, NULL, 10) : 0;
}

static int cmp_oid(const void *a, const void *b)
{
    unsigned x = ((const pg_oid *)a)->oid, y = ((const pg_oid *)b)->oid;
    return (x > y) - (x < y);
}

static sc_table *table_of(pg_read *r, const char *oid)
{
    pg_oid key = { to_oid(oid), 0 };
    const pg_oid *hit = bsearch(&key, r->oids, (size_t)r->s->ntables, sizeof *r->oids, cmp_oid);
    return hit ? &r->s->tables[hit->table] : NULL;
}

/* ---- tables ------------------------------------------------------------- */

static int on_table(void *user, int ncols, const char *const *v)
{
    pg_read *r = user;
    if (ncols < 4)
        return 0;
    int n = r->s->ntables;
    pg_oid *o = realloc(r->oids, (size_t)(n + 1) * sizeof *o);
    if (o)
        r->oids = o;
    int64_t *e = o ? realloc(r->estimate, (size_t)(n + 1) * sizeof *e) : NULL;
    if (e)
        r->estimate = e;
    sc_table *t = e ? sc_push(&r->s->tables, &r->s->ntables, sizeof *t) : NULL;
    if (!t)
        return r->oom = true;
    o[n] = (pg_oid){ to_oid(v[0]), n };
    e[n] = v[3] ? strtoll(v[3], NULL, 10) : -1;
    t->rows = -1;
    if (!(t->schema = sc_dup(v[1])) || !(t->name = sc_dup(v[2])))
        return r->oom = true;
    return 0;
}

/* ---- columns ------------------------------------------------------------ */

/* base_type from format_type(type, NULL): the long SQL spellings that
 * PostgreSQL itself shortens, shortened; arrays keep their "[]". */
static char *base_name(const char *sql, const char *typtype)
{
    static const struct {
        const char *sql, *base;
    } shorter[] = {
        { "character varying", "varchar" },
        { "character", "char" },
        { "timestamp without time zone", "timestamp" },
        { "timestamp with time zone", "timestamptz" },
        { "time without time zone", "time" },
        { "time with time zone", "timetz" },
        { "bit varying", "varbit" },
    };
    if (typtype && strcmp(typtype, "e") == 0)
        return strdup("enum");
    if (!sql)
        return strdup("unknown");
    size_t len = strcspn(sql, "[");
    for (size_t i = 0; i < sizeof shorter / sizeof shorter[0]; i++)
        if (strlen(shorter[i].sql) == len && strncmp(sql, shorter[i].sql, len) == 0) {
            size_t n = strlen(shorter[i].base) + strlen(sql + len) + 1;
            char *out = malloc(n);
            if (out)
                snprintf(out, n, "%s%s", shorter[i].base, sql + len);
            return out;
        }
    return strdup(sql);
}

/* v: attrelid, attname, type, base type, base typtype, typmod, attnotnull,
 * default, attidentity, attgenerated. */
static int on_column(void *user, int ncols, const char *const *v)
{
    pg_read *r = user;
    if (ncols < 10)
        return 0;
    sc_table *t = table_of(r, v[0]);
    if (!t)
        return 0;
    sc_column *col = sc_push(&t->cols, &t->ncols, sizeof *col);
    if (!col)
        return r->oom = true;
    col->name = sc_dup(v[1]);
    col->type = sc_dup(v[2]);
    col->base_type = base_name(v[3], v[4]);
    col->nullable = !(v[6] && v[6][0] == 't');
    col->identity = v[8] && (v[8][0] == 'a' || v[8][0] == 'd');   /* ALWAYS / BY DEFAULT */
    col->generated = v[9] && v[9][0] == 's';                        /* STORED */
    /* A generated column's expression is in pg_attrdef too, but it is not
     * a default: nothing may be written there. */
    col->default_expr = col->generated ? NULL : sc_dup(v[7]);
    if (col->default_expr && strncmp(col->default_expr, "nextval(", 8) == 0)
        col->identity = true;   /* serial */
    col->length = col->precision = col->scale = -1;
    if (!col->name || !col->type || !col->base_type || (v[7] && !col->generated && !col->default_expr))
        return r->oom = true;

    /* The type modifier, by the type's rules (see the typmodout functions):
     * character types add 4 (the header) to the length, numeric packs
     * ((precision << 16) | scale) + 4, the scale as 11 signed bits since
     * PostgreSQL 15 allows negative ones; -1 means none given. */
    int typmod = sc_to_int(v[5], -1);
    const char *b = col->base_type;
    if (typmod >= 4 && (strcmp(b, "varchar") == 0 || strcmp(b, "char") == 0)) {
        col->length = typmod - 4;
    } else if (typmod >= 0 && (strcmp(b, "bit") == 0 || strcmp(b, "varbit") == 0)) {
        col->length = typmod;
    } else if (typmod >= 4 && strcmp(b, "numeric") == 0) {
        col->precision = ((typmod - 4) >> 16) & 0xffff;
        col->scale = (((typmod - 4) & 0x7ff) ^ 1024) - 1024;
    }
    return 0;
}

static int on_enum(void *user, int ncols, const char *const *v)
{
    pg_read *r = user;
    if (ncols < 3 || !v[2])
        return 0;
    sc_table *t = table_of(r, v[0]);
    sc_column *col = t && v[1] ? (sc_column *)schema_column(t, v[1]) : NULL;
    if (!col)
        return 0;
    char *label = strdup(v[2]);
    char **slot = label ? sc_push(&col->enum_values, &col->nenum, sizeof *slot) : NULL;
    if (!slot) {
        free(label);
        return r->oom = true;
    }
    *slot = label;
    return 0;
}

/* ---- keys and checks ----------------------------------------------------- */

/* The key or foreign key this row belongs to: the table's last one when it
 * has the same name, else a new one. Rows come ordered by table, kind,
 * name, position, so each key's columns are consecutive. */
static sc_key *key_for(sc_table *t, const char *kind, const char *name, bool *oom)
{
    sc_key *k;
    if (kind[0] == 'p') {
        k = &t->pk;
    } else {
        k = t->nunique ? &t->unique[t->nunique - 1] : NULL;
        if (k && k->name && strcmp(k->name, name) == 0)
            return k;
        if (!(k = sc_push(&t->unique, &t->nunique, sizeof *k)))
            return *oom = true, NULL;
    }
    if (!k->name && !(k->name = strdup(name)))
        return *oom = true, NULL;
    return k;
}

/* v: conrelid, conname, contype, column, ref schema, ref table, ref column, position. */
static int on_key(void *user, int ncols, const char *const *v)
{
    pg_read *r = user;
    if (ncols < 8 || !v[1] || !v[2] || !v[3])
        return 0;
    sc_table *t = table_of(r, v[0]);
    if (!t)
        return 0;
    if (v[2][0] == 'f') {
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
    sc_key *k = key_for(t, v[2], v[1], &r->oom);
    if (!k || sc_add_name(&k->cols, k->ncols, v[3]) != 0)
        return r->oom = true;
    k->ncols++;
    return 0;
}

static int on_check(void *user, int ncols, const char *const *v)
{
    pg_read *r = user;
    if (ncols < 3 || !v[2])
        return 0;
    sc_table *t = table_of(r, v[0]);
    if (!t)
        return 0;
    sc_check *ck = sc_push(&t->checks, &t->nchecks, sizeof *ck);
    if (!ck || !(ck->expr = strdup(v[2])) || (v[1] && !(ck->name = strdup(v[1]))))
        return r->oom = true;
    return 0;
}

/* ---- row counts ---------------------------------------------------------- */

/* Exact counts where the estimate says the table is small (or was never
 * analysed), the estimate elsewhere: a COUNT(*) of a big table takes as
 * long as reading it. A table we may not read keeps rows = -1. */
static int count_rows(pg_read *r, char *err, size_t errlen)
{
    for (int i = 0; i < r->s->ntables; i++) {
        sc_table *t = &r->s->tables[i];
        if (r->estimate[i] > PG_EXACT_ROWS) {
            t->rows = r->estimate[i];
            t->rows_estimated = true;
            continue;
        }
        t->rows = sc_count_rows(r->d, r->c, t, '"');
        if (t->rows == -2) {
            snprintf(err, errlen, "postgres: out of memory");
            return -1;
        }
    }
    return 0;
}

/* ---- the reader ---------------------------------------------------------- */

static int run(pg_read *r, const char *what, const char *sql,
               int (*row)(void *user, int ncols, const char *const *values), char *err, size_t errlen)
{
    char why[DRV_ERRMSG];
    if (r->d->query(r->c, sql, 0, NULL, row, r, why, sizeof why) != 0) {
        snprintf(err, errlen, "reading the %s: %s", what, why);
        return -1;
    }
    if (r->oom) {
        snprintf(err, errlen, "postgres: out of memory reading the %s", what);
        return -1;
    }
    return 0;
}

int schema_read_postgres(const drv_ops *d, drv_conn *c, sc_schema *out, char *err, size_t errlen)
{
    sc_schema s = { 0 };
    pg_read r = { .d = d, .c = c, .s = &s };
    int rc = -1;
    if (!(s.dialect = strdup("postgres"))) {
        snprintf(err, errlen, "postgres: out of memory");
        goto done;
    }
    if (run(&r, "tables", q_tables, on_table, err, errlen) != 0)
        goto done;
    if (s.ntables > 0)
        qsort(r.oids, (size_t)s.ntables, sizeof *r.oids, cmp_oid);
    if (run(&r, "columns", q_columns, on_column, err, errlen) != 0 ||
        run(&r, "enum labels", q_enums, on_enum, err, errlen) != 0 ||
        run(&r, "keys", q_keys, on_key, err, errlen) != 0 ||
        run(&r, "check constraints", q_checks, on_check, err, errlen) != 0 ||
        count_rows(&r, err, errlen) != 0)
        goto done;
    *out = s;
    rc = 0;
done:
    if (rc != 0)
        schema_free(&s);
    free(r.oids);
    free(r.estimate);
    return rc;
}
