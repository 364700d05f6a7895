/* schema_mssql.c - the SQL Server schema reader: the sys.* catalog views of
 * the connection's current database, through the driver's blocking query().
 *
 * What counts as a user table: sys.tables without the ones SQL Server or
 * its tools own (is_ms_shipped; sysdiagrams, marked by the tools' extended
 * property) and without system-versioned history tables, which nothing may
 * write. A handful of queries, each over all those tables at once, ordered
 * by object_id, then position; only exact row counts go table by table.
 *
 * Type names. `type` is the column's type as it would be declared
 * ("nvarchar(50)", "varchar(max)", "decimal(10,2)", "datetime2(3)"), an
 * alias type by its own name; `base_type` is the system type's name in
 * lower case ("nvarchar", "decimal", "uniqueidentifier"), an alias type's
 * being the type it is over. `length` counts characters (nvarchar(50):
 * 50, not its 100 bytes) and is -1 for (max); precision and scale are
 * given for decimal and numeric. A rowversion (timestamp) column is
 * filled by the server and may not be written: base_type "rowversion",
 * generated. JSON lives in nvarchar columns with an ISJSON check: such a
 * column has base_type "json" (the check is kept as a check).
 *
 * Defaults and checks come with the parentheses SQL Server wraps them in
 * ("((0))", "([qty]>(0))"); defaults lose all of them ("0", "getdate()"),
 * checks the outer one ("[qty]>(0)").
 *
 * The catalog views used exist since SQL Server 2005; what came later
 * (temporal tables, GENERATED ALWAYS columns) is asked through
 * OBJECTPROPERTY / COLUMNPROPERTY, which answer NULL where they do not
 * know the property. Fills *out wholly (dialect included) on success;
 * leaves it untouched on failure.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/strbuf.h"
#include "workloads/dialect.h"
#include "workloads/schema.h"
#include "workloads/schema_util.h"

#define MS_EXACT_ROWS 100000   /* count exactly up to this many rows in sys.partitions */

/* The tables read, for `... IN (SELECT t.object_id` MS_TABLES `)`. */
#define MS_TABLES                                                                                   \
    " FROM sys.tables t WHERE t.is_ms_shipped = 0"                                                  \
    " AND ISNULL(OBJECTPROPERTY(t.object_id, 'TableTemporalType'), 0) <> 1"                         \
    " AND NOT EXISTS (SELECT 1 FROM sys.extended_properties ep WHERE ep.class = 1"                  \
    " AND ep.major_id = t.object_id AND ep.minor_id = 0 AND ep.name = N'microsoft_database_tools_support')"

/* sys.partitions.rows of the heap or clustered index: kept by the server,
 * "approximate" by the manual, exact once no transaction is in flight. */
static const char q_tables[] =
    "SELECT t.object_id, s.name, t.name,"
    " (SELECT SUM(p.rows) FROM sys.partitions p WHERE p.object_id = t.object_id AND p.index_id IN (0, 1))"
    " FROM sys.tables t JOIN sys.schemas s ON s.schema_id = t.schema_id"
    " WHERE t.object_id IN (SELECT t.object_id" MS_TABLES ")"
    " ORDER BY t.object_id";

/* An alias type (CREATE TYPE ... FROM, and sysname) is described by the
 * system type it is over: sys.types has that at user_type_id = the
 * alias's system_type_id (a system type is its own); CLR types
 * (geography, hierarchyid) are their own base. max_length is in bytes,
 * -1 for (max). */
static const char q_columns[] =
    "SELECT c.object_id, c.name, ty.name,"
    " CASE WHEN ty.is_assembly_type = 0 AND bt.name IS NOT NULL THEN bt.name ELSE ty.name END,"
    " c.max_length, c.precision, c.scale, c.is_nullable, c.is_identity, c.is_computed,"
    " ISNULL(COLUMNPROPERTY(c.object_id, c.name, 'GeneratedAlwaysType'), 0), d.definition"
    " FROM sys.columns c JOIN sys.types ty ON ty.user_type_id = c.user_type_id"
    " LEFT JOIN sys.types bt ON bt.user_type_id = ty.system_type_id"
    " LEFT JOIN sys.default_constraints d ON d.object_id = c.default_object_id"
    " WHERE c.object_id IN (SELECT t.object_id" MS_TABLES ")"
    " ORDER BY c.object_id, c.column_id";

/* Primary keys, UNIQUE constraints and unique indexes (which bind inserts
 * just the same), one row per key column in key order; not filtered
 * indexes (they bind only some rows), disabled or hypothetical ones, nor
 * INCLUDE columns (key_ordinal 0). */
static const char q_keys[] =
    "SELECT i.object_id, i.index_id, i.name, CASE WHEN i.is_primary_key = 1 THEN 'p' ELSE 'u' END, c.name"
    " FROM sys.indexes i"
    " JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.key_ordinal > 0"
    " JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id"
    " WHERE (i.is_primary_key = 1 OR i.is_unique = 1) AND i.has_filter = 0 AND i.is_disabled = 0"
    " AND i.is_hypothetical = 0 AND i.object_id IN (SELECT t.object_id" MS_TABLES ")"
    " ORDER BY i.object_id, i.index_id, ic.key_ordinal";

/* One row per column pair, in the constraint's order; a self-reference
 * is a row like any other. */
static const char q_fkeys[] =
    "SELECT fk.parent_object_id, fk.object_id, fk.name, pc.name, rs.name, rt.name, rc.name"
    " FROM sys.foreign_keys fk"
    " JOIN sys.foreign_key_columns fkc ON fkc.constraint_object_id = fk.object_id"
    " JOIN sys.columns pc ON pc.object_id = fkc.parent_object_id AND pc.column_id = fkc.parent_column_id"
    " JOIN sys.tables rt ON rt.object_id = fkc.referenced_object_id"
    " JOIN sys.schemas rs ON rs.schema_id = rt.schema_id"
    " JOIN sys.columns rc ON rc.object_id = fkc.referenced_object_id AND rc.column_id = fkc.referenced_column_id"
    " WHERE fk.parent_object_id IN (SELECT t.object_id" MS_TABLES ")"
    " ORDER BY fk.parent_object_id, fk.object_id, fkc.constraint_column_id";

static const char q_checks[] =
    "SELECT cc.parent_object_id, cc.name, cc.definition FROM sys.check_constraints cc"
    " WHERE cc.parent_object_id IN (SELECT t.object_id" MS_TABLES ")"
    " ORDER BY cc.parent_object_id, cc.object_id";

/* The catalog queries by name, for tests/unit/test_mssql.c (no header: it
 * is no one else's business). NULL past the last. */
const char *schema_mssql_query(int i, const char **name);

const char *schema_mssql_query(int i, const char **name)
{
    static const struct {
        const char *name, *sql;
    } all[] = {
        { "tables", q_tables }, { "columns", q_columns }, { "keys", q_keys },
        { "foreign keys", q_fkeys }, { "check constraints", q_checks },
    };
    if (i < 0 || i >= (int)(sizeof all / sizeof all[0]))
        return NULL;
    if (name)
        *name = all[i].name;
    return all[i].sql;
}

typedef struct ms_oid {
    long long id;          /* object_id */
    int table;
} ms_oid;

typedef struct ms_read {
    const drv_ops *d;
    drv_conn *c;
    sc_schema *s;
    ms_oid *oids;          /* by object_id, as the tables come */
    int64_t *estimate;     /* per table, from sys.partitions; -1 unknown */
    const sc_table *last_table;   /* the table and index (or constraint) of the previous row */
    long long last_key;
    bool oom;
} ms_read;

static long long to_id(const char *v)
{
    return v ? strtoll(v, NULL, 10) : 0;
}

static int cmp_oid(const void *a, const void *b)
{
    long long x = ((const ms_oid *)a)->id, y = ((const ms_oid *)b)->id;
    return (x > y) - (x < y);
}

static sc_table *table_of(ms_read *r, const char *id)
{
    if (!r->oids)
        return NULL;   /* no tables (bsearch wants an array, even of none) */
    ms_oid key = { to_id(id), 0 };
    const ms_oid *hit = bsearch(&key, r->oids, (size_t)r->s->ntables, sizeof *r->oids, cmp_oid);
    return hit ? &r->s->tables[hit->table] : NULL;
}

/* s without the parentheses that enclose all of it, up to `levels` pairs
 * ("((0))" -> "0" with levels big enough); quoted text is skipped over so a
 * parenthesis in a string does not count. A new string. */
static char *strip_parens(const char *s, int levels)
{
    size_t b = 0, e = strlen(s);
    while (levels-- > 0 && e - b >= 2 && s[b] == '(' && s[e - 1] == ')') {
        int depth = 0;
        size_t i;
        for (i = b; i < e; i++) {
            if (s[i] == '\'' || s[i] == '[' || s[i] == '"') {
                char close = s[i] == '[' ? ']' : s[i];
                for (i++; i < e && !(s[i] == close && (i + 1 >= e || s[i + 1] != close)); i++)
                    if (s[i] == close)
                        i++;
                continue;
            }
            if (s[i] == '(')
                depth++;
            else if (s[i] == ')' && --depth == 0)
                break;
        }
        if (i != e - 1)
            break;   /* "(a)+(b)": the first ')' closes before the end */
        b++, e--;
    }
    char *out = malloc(e - b + 1);
    if (out) {
        memcpy(out, s + b, e - b);
        out[e - b] = '\0';
    }
    return out;
}

/* ---- tables ------------------------------------------------------------- */

/* v: object_id, schema, name, rows in sys.partitions. */
static int on_table(void *user, int ncols, const char *const *v)
{
    ms_read *r = user;
    if (ncols < 4 || !v[0] || !v[1] || !v[2])
        return 0;
    int n = r->s->ntables;
    ms_oid *o = realloc(r->oids, (size_t)(n + 1) * sizeof *o);
    if (o)
        r->oids = o;
    int64_t *e = o ? realloc(r->estimate, (size_t)(n + 1) * sizeof *e) : NULL;
    if (e)
        r->estimate = e;
    sc_table *t = e ? sc_push(&r->s->tables, &r->s->ntables, sizeof *t) : NULL;
    if (!t)
        return r->oom = true;
    o[n] = (ms_oid){ to_id(v[0]), n };
    e[n] = v[3] ? strtoll(v[3], NULL, 10) : -1;
    t->rows = -1;
    if (!(t->schema = strdup(v[1])) || !(t->name = strdup(v[2])))
        return r->oom = true;
    return 0;
}

/* ---- columns ------------------------------------------------------------ */

static bool is_type(const char *base, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(base, *names) == 0)
            return true;
    return false;
}

/* The declared type: name, then (length), (max), (p,s) or (scale) as the
 * type takes them. bytes is max_length. */
static char *type_text(const char *name, const char *base, int bytes, int precision, int scale)
{
    strbuf b = { 0 };
    sb_add(&b, name);
    bool bytewise = is_type(base, (const char *const[]){ "varchar", "char", "varbinary", "binary", NULL });
    bool wide = is_type(base, (const char *const[]){ "nvarchar", "nchar", NULL });
    if (strcmp(name, base) == 0) {   /* an alias type has its size built in */
        if ((bytewise || wide) && bytes < 0)
            sb_add(&b, "(max)");
        else if (bytewise || wide)
            sb_addf(&b, "(%d)", wide ? bytes / 2 : bytes);
        else if (is_type(base, (const char *const[]){ "decimal", "numeric", NULL }))
            sb_addf(&b, "(%d,%d)", precision, scale);
        else if (is_type(base, (const char *const[]){ "datetime2", "datetimeoffset", "time", NULL }))
            sb_addf(&b, "(%d)", scale);
    }
    return sb_take(&b);
}

/* v: object_id, name, type, base type, max_length, precision, scale,
 * is_nullable, is_identity, is_computed, generated_always_type, default. */
static int on_column(void *user, int ncols, const char *const *v)
{
    ms_read *r = user;
    if (ncols < 12 || !v[1] || !v[2])
        return 0;
    sc_table *t = table_of(r, v[0]);
    if (!t)
        return 0;
    sc_column *col = sc_push(&t->cols, &t->ncols, sizeof *col);
    if (!col)
        return r->oom = true;
    const char *base = v[3] ? v[3] : v[2];
    int bytes = sc_to_int(v[4], 0), precision = sc_to_int(v[5], 0), scale = sc_to_int(v[6], 0);
    col->name = strdup(v[1]);
    col->type = type_text(v[2], base, bytes, precision, scale);
    col->base_type = strdup(strcmp(base, "timestamp") == 0 ? "rowversion" : base);
    if (!col->name || !col->type || !col->base_type)
        return r->oom = true;
    for (char *p = col->base_type; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    col->nullable = v[7] && strcmp(v[7], "1") == 0;
    col->identity = v[8] && strcmp(v[8], "1") == 0;
    /* Computed columns, a temporal table's period columns (GENERATED
     * ALWAYS AS ROW START/END) and rowversion: the server writes them. */
    col->generated = (v[9] && strcmp(v[9], "1") == 0) || sc_to_int(v[10], 0) != 0 ||
                     strcmp(col->base_type, "rowversion") == 0;
    if (v[11] && !(col->default_expr = strip_parens(v[11], 64)))
        return r->oom = true;
    col->length = col->precision = col->scale = -1;
    if (is_type(col->base_type, (const char *const[]){ "varchar", "char", "varbinary", "binary", NULL }))
        col->length = bytes;   /* -1 for (max): none */
    else if (is_type(col->base_type, (const char *const[]){ "nvarchar", "nchar", NULL }))
        col->length = bytes < 0 ? -1 : bytes / 2;
    else if (is_type(col->base_type, (const char *const[]){ "decimal", "numeric", NULL })) {
        col->precision = precision;
        col->scale = scale;
    }
    return 0;
}

/* ---- keys and checks ------------------------------------------------------ */

/* v: object_id, index_id, index name, 'p' or 'u', column. Rows come
 * ordered by table, index, key position: a row either extends the key of
 * the row before (same index) or starts the next. */
static int on_key(void *user, int ncols, const char *const *v)
{
    ms_read *r = user;
    if (ncols < 5 || !v[1] || !v[3] || !v[4])
        return 0;
    sc_table *t = table_of(r, v[0]);
    if (!t)
        return 0;
    long long key = to_id(v[1]);   /* index_id: unique on its table only */
    bool next = t != r->last_table || key != r->last_key;
    r->last_table = t;
    r->last_key = key;
    sc_key *k;
    if (v[3][0] == 'p')
        k = &t->pk;
    else if (!next && t->nunique)
        k = &t->unique[t->nunique - 1];
    else if (!(k = sc_push(&t->unique, &t->nunique, sizeof *k)))
        return r->oom = true;
    if ((!k->name && v[2] && !(k->name = strdup(v[2]))) || sc_add_name(&k->cols, k->ncols, v[4]) != 0)
        return r->oom = true;
    k->ncols++;
    return 0;
}

/* v: table object_id, constraint object_id, name, column, ref schema, ref
 * table, ref column; consecutive rows of one constraint. */
static int on_fkey(void *user, int ncols, const char *const *v)
{
    ms_read *r = user;
    if (ncols < 7 || !v[1] || !v[2] || !v[3] || !v[5] || !v[6])
        return 0;
    sc_table *t = table_of(r, v[0]);
    if (!t)
        return 0;
    long long key = to_id(v[1]);
    sc_fkey *f = t->nfkeys && key == r->last_key ? &t->fkeys[t->nfkeys - 1] : NULL;
    r->last_key = key;
    if (!f && (!(f = sc_push(&t->fkeys, &t->nfkeys, sizeof *f)) || !(f->name = strdup(v[2])) ||
               !(f->ref_schema = sc_dup(v[4])) || !(f->ref_table = strdup(v[5]))))
        return r->oom = true;
    if (sc_add_name(&f->cols, f->ncols, v[3]) != 0 || sc_add_name(&f->ref_cols, f->ncols, v[6]) != 0)
        return r->oom = true;
    f->ncols++;
    return 0;
}

/* The column a check is exactly ISJSON of, as SQL Server stores it:
 * "(isjson([doc])=(1))", "(isjson([doc])>(0))", into buf; false for any
 * other check. */
static bool json_check(const char *expr, char *buf, size_t len)
{
    static const char head[] = "(isjson([";
    if (strncasecmp(expr, head, sizeof head - 1) != 0)
        return false;
    const char *p = expr + sizeof head - 1;
    size_t n = 0;
    for (; *p && !(p[0] == ']' && p[1] != ']'); p++) {
        if (p[0] == ']')
            p++;   /* ]] stands for ] */
        if (n + 1 >= len)
            return false;
        buf[n++] = *p;
    }
    buf[n] = '\0';
    if (*p != ']' || n == 0)
        return false;
    p++;
    return strcmp(p, ")=(1))") == 0 || strcmp(p, ")>(0))") == 0 || strcmp(p, ")=1)") == 0 ||
           strcmp(p, ")>0)") == 0;
}

/* v: object_id, name, definition. */
static int on_check(void *user, int ncols, const char *const *v)
{
    ms_read *r = user;
    if (ncols < 3 || !v[2])
        return 0;
    sc_table *t = table_of(r, v[0]);
    if (!t)
        return 0;
    sc_check *ck = sc_push(&t->checks, &t->nchecks, sizeof *ck);
    if (!ck || !(ck->expr = strip_parens(v[2], 1)) || (v[1] && !(ck->name = strdup(v[1]))))
        return r->oom = true;
    char name[256];
    sc_column *col = json_check(v[2], name, sizeof name) ? (sc_column *)schema_column(t, name) : NULL;
    if (col && is_type(col->base_type, (const char *const[]){ "nvarchar", "varchar", NULL })) {
        char *json = strdup("json");
        if (!json)
            return r->oom = true;
        free(col->base_type);
        col->base_type = json;
    }
    return 0;
}

/* ---- row counts ---------------------------------------------------------- */

static int on_count(void *user, int ncols, const char *const *v)
{
    if (ncols >= 1 && v[0])
        *(int64_t *)user = strtoll(v[0], NULL, 10);
    return 1;
}

/* Exact counts where sys.partitions says the table is small, its figure
 * elsewhere: a COUNT of a big table takes as long as reading it. A table
 * we may not read keeps rows = -1. The names go in brackets, which need
 * no session setting (sc_count_rows' double quotes need QUOTED_IDENTIFIER). */
static int count_rows(ms_read *r, char *err, size_t errlen)
{
    for (int i = 0; i < r->s->ntables; i++) {
        sc_table *t = &r->s->tables[i];
        if (r->estimate[i] > MS_EXACT_ROWS) {
            t->rows = r->estimate[i];
            t->rows_estimated = true;
            continue;
        }
        strbuf b = { 0 };
        sb_add(&b, "SELECT COUNT_BIG(*) FROM ");
        dl_table(&b, DL_MSSQL, t->schema, t->name);
        char *sql = sb_take(&b);
        if (!sql) {
            snprintf(err, errlen, "mssql: out of memory");
            return -1;
        }
        char why[DRV_ERRMSG];
        int64_t n = -1;
        if (r->d->query(r->c, sql, 0, NULL, on_count, &n, why, sizeof why) != 0)
            n = -1;
        free(sql);
        t->rows = n;
    }
    return 0;
}

/* ---- the reader ---------------------------------------------------------- */

static int run(ms_read *r, const char *what, const char *sql,
               int (*row)(void *user, int ncols, const char *const *values), char *err, size_t errlen)
{
    char why[DRV_ERRMSG];
    r->last_table = NULL;
    r->last_key = -1;
    if (r->d->query(r->c, sql, 0, NULL, row, r, why, sizeof why) != 0) {
        snprintf(err, errlen, "reading the %s: %s", what, why);
        return -1;
    }
    if (r->oom) {
        snprintf(err, errlen, "mssql: out of memory reading the %s", what);
        return -1;
    }
    return 0;
}

int schema_read_mssql(const drv_ops *d, drv_conn *c, sc_schema *out, char *err, size_t errlen)
{
    sc_schema s = { 0 };
    ms_read r = { .d = d, .c = c, .s = &s };
    int rc = -1;
    if (!(s.dialect = strdup("mssql"))) {
        snprintf(err, errlen, "mssql: out of memory");
        goto done;
    }
    if (run(&r, "tables", q_tables, on_table, err, errlen) != 0)
        goto done;
    if (s.ntables > 1)
        qsort(r.oids, (size_t)s.ntables, sizeof *r.oids, cmp_oid);
    if (run(&r, "columns", q_columns, on_column, err, errlen) != 0 ||
        run(&r, "keys", q_keys, on_key, err, errlen) != 0 ||
        run(&r, "foreign keys", q_fkeys, on_fkey, err, errlen) != 0 ||
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
