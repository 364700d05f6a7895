/* schema_sqlite.c - reading an SQLite database's schema from its catalog:
 * sqlite_schema for the tables and their CREATE text, the table-valued
 * pragmas (table_xinfo, index_list, index_info, foreign_key_list) for
 * columns and keys, and COUNT(*) for rows.
 *
 * Table names reach the pragmas as bound parameters, never pasted into SQL;
 * the only SQL built from a name (the COUNT) quotes it. SQLite keeps CHECK
 * constraints and type sizes nowhere but in text; sqlite_ddl.c reads them
 * out of it. Names are matched case-insensitively, as SQLite does:
 * a foreign key written `REFERENCES "ORDER"(ID)` names the table `order`
 * and its column `id` in the model, so lookups by the real names work.
 */
#include "workloads/schema.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "workloads/sqlite_ddl.h"

typedef struct rd {          /* one read: the connection and how it went */
    const drv_ops *d;
    drv_conn *c;
    char *err;
    size_t errlen;
    bool oom;
} rd;

static char *xdup(rd *r, const char *s)
{
    if (!s)
        return NULL;
    char *p = strdup(s);
    r->oom |= !p;
    return p;
}

static void *xcalloc(rd *r, size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    r->oom |= !p;
    return p;
}

/* ---- query results, copied ---------------------------------------------- */

typedef struct rows {
    int n, ncols, cap;
    char **v;                /* n * ncols values, row after row; NULL for SQL NULL */
    bool oom;
} rows;

static int rows_add(void *user, int ncols, const char *const *values)
{
    rows *q = user;
    if (!q->v)
        q->ncols = ncols;
    if (ncols != q->ncols)
        return q->oom = true, 1;
    if (q->n == q->cap) {
        int cap = q->cap ? 2 * q->cap : 16;
        char **v = realloc(q->v, (size_t)cap * (size_t)(ncols ? ncols : 1) * sizeof *v);
        if (!v)
            return q->oom = true, 1;
        q->v = v;
        q->cap = cap;
    }
    for (int i = 0; i < ncols; i++) {
        char **dst = &q->v[(size_t)q->n * (size_t)ncols + (size_t)i];
        *dst = values[i] ? strdup(values[i]) : NULL;
        q->oom |= values[i] && !*dst;
    }
    q->n++;
    return q->oom;
}

static void rows_free(rows *q)
{
    for (size_t i = 0; q->v && i < (size_t)q->n * (size_t)q->ncols; i++)
        free(q->v[i]);
    free(q->v);
    memset(q, 0, sizeof *q);
}

static const char *at(const rows *q, int row, int col)
{
    return q->v[(size_t)row * (size_t)q->ncols + (size_t)col];
}

/* Run sql with at most one text parameter. 0, or -1 with r->err set. */
static int fetch(rd *r, const char *sql, const char *param, rows *q)
{
    memset(q, 0, sizeof *q);
    const char *params[1] = { param };
    int rc = r->d->query(r->c, sql, param ? 1 : 0, params, rows_add, q, r->err, r->errlen);
    if (rc == 0 && q->oom) {
        snprintf(r->err, r->errlen, "out of memory");
        rc = -1;
    }
    if (rc != 0)
        rows_free(q);
    return rc;
}

/* ---- one table ------------------------------------------------------------ */

static const char SQL_COLUMNS[] =
    "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?, 'main') "
    "WHERE hidden <> 1 ORDER BY cid";   /* hidden 1: a virtual table's hidden column, not data */
static const char SQL_INDEXES[] =
    "SELECT il.name, il.origin, il.partial, ii.cid, ii.name "
    "FROM pragma_index_list(?, 'main') il JOIN pragma_index_info(il.name, 'main') ii "
    "WHERE il.\"unique\" ORDER BY il.seq DESC, ii.seqno";   /* seq counts from the newest index */
static const char SQL_FKEYS[] =
    "SELECT id, \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?, 'main') "
    "ORDER BY id DESC, seq";                                /* id 0 is the last one written */

static int read_columns(rd *r, sc_table *t, int **pkpos)
{
    rows q;
    if (fetch(r, SQL_COLUMNS, t->name, &q) != 0)
        return -1;
    t->cols = xcalloc(r, (size_t)q.n, sizeof *t->cols);
    *pkpos = xcalloc(r, (size_t)q.n, sizeof **pkpos);
    if (r->oom)
        return rows_free(&q), -1;
    t->ncols = q.n;
    for (int i = 0; i < q.n; i++) {
        sc_column *c = &t->cols[i];
        const char *type = at(&q, i, 1) ? at(&q, i, 1) : "";
        const char *hidden = at(&q, i, 5);
        c->name = xdup(r, at(&q, i, 0));
        c->type = xdup(r, type);
        r->oom |= sqlite_ddl_type(type, c) != 0;
        c->nullable = !at(&q, i, 2) || strcmp(at(&q, i, 2), "0") == 0;
        c->default_expr = xdup(r, at(&q, i, 3));
        c->generated = hidden && (strcmp(hidden, "2") == 0 || strcmp(hidden, "3") == 0);
        (*pkpos)[i] = at(&q, i, 4) ? atoi(at(&q, i, 4)) : 0;
    }
    rows_free(&q);
    return r->oom ? -1 : 0;
}

static int col_index(const sc_table *t, const char *name)
{
    for (int i = 0; name && i < t->ncols; i++)
        if (strcasecmp(t->cols[i].name, name) == 0)
            return i;
    return -1;
}

/* The same columns, in any order: one uniqueness, however many indexes. */
static bool same_cols(const sc_key *k, char *const *cols, int n)
{
    if (k->ncols != n)
        return false;
    for (int i = 0; i < n; i++) {
        bool found = false;
        for (int j = 0; j < n && !found; j++)
            found = strcmp(k->cols[i], cols[j]) == 0;
        if (!found)
            return false;
    }
    return true;
}

/* One unique index (rows [from, to) of q, all of one index) as a key,
 * unless it is partial, covers an expression or repeats a known key. */
static void add_unique(rd *r, sc_table *t, const rows *q, int from, int to)
{
    const char *origin = at(q, from, 1);
    if (at(q, from, 2) && strcmp(at(q, from, 2), "0") != 0)
        return;                       /* partial: unique only where its WHERE holds */
    int n = to - from;
    char **cols = xcalloc(r, (size_t)n, sizeof *cols);
    if (!cols)
        return;
    for (int i = 0; i < n; i++) {
        int ci = col_index(t, at(q, from + i, 4));
        if (!at(q, from + i, 3) || atoi(at(q, from + i, 3)) < 0 || ci < 0) {   /* -1 rowid, -2 expression */
            for (int j = 0; j < i; j++)
                free(cols[j]);
            free(cols);
            return;
        }
        cols[i] = xdup(r, t->cols[ci].name);
    }
    bool dup = same_cols(&t->pk, cols, n);
    for (int u = 0; u < t->nunique && !dup; u++)
        dup = same_cols(&t->unique[u], cols, n);
    sc_key *grown = dup ? NULL : realloc(t->unique, (size_t)(t->nunique + 1) * sizeof *grown);
    if (!grown) {
        r->oom |= !dup;
        for (int j = 0; j < n; j++)
            free(cols[j]);
        free(cols);
        return;
    }
    t->unique = grown;
    /* UNIQUE constraints' indexes are named sqlite_autoindex_T_N by SQLite,
     * not by the author: only a CREATE UNIQUE INDEX name means anything. */
    t->unique[t->nunique++] = (sc_key){ .name = strcmp(origin, "c") == 0 ? xdup(r, at(q, from, 0)) : NULL,
                                        .ncols = n, .cols = cols };
}

/* Primary key (from the columns' pk positions), identity, unique keys. */
static int read_keys(rd *r, sc_table *t, const int *pkpos)
{
    int npk = 0;
    for (int i = 0; i < t->ncols; i++)
        npk += pkpos[i] > 0;
    if (npk) {
        t->pk.cols = xcalloc(r, (size_t)npk, sizeof *t->pk.cols);
        if (!t->pk.cols)
            return -1;
        t->pk.ncols = npk;
        for (int i = 0; i < t->ncols; i++)
            if (pkpos[i] > 0 && pkpos[i] <= npk)
                t->pk.cols[pkpos[i] - 1] = xdup(r, t->cols[i].name);
        for (int k = 0; k < npk; k++)
            if (!t->pk.cols[k])
                t->pk.cols[k] = xdup(r, "");   /* pk positions with a gap: never seen, but keep the count */
    }
    rows q;
    if (fetch(r, SQL_INDEXES, t->name, &q) != 0)
        return -1;
    bool pk_index = false;
    for (int from = 0, to; from < q.n; from = to) {
        for (to = from + 1; to < q.n && strcmp(at(&q, to, 0), at(&q, from, 0)) == 0; to++)
            ;
        if (strcmp(at(&q, from, 1), "pk") == 0)
            pk_index = true;
        else
            add_unique(r, t, &q, from, to);
    }
    rows_free(&q);
    /* A rowid alias: one primary key column declared exactly INTEGER, with
     * no index of its own (the rowid is the key). That rules out WITHOUT
     * ROWID tables and SQLite's quirk `INTEGER PRIMARY KEY DESC`, which
     * both keep a separate index. Leaving it NULL gets the next id. */
    if (npk == 1 && !pk_index) {
        int ci = col_index(t, t->pk.cols[0]);
        if (ci >= 0 && strcasecmp(t->cols[ci].type, "INTEGER") == 0) {
            t->cols[ci].identity = true;
            t->cols[ci].nullable = false;
        }
    }
    return r->oom ? -1 : 0;
}

static int read_fkeys(rd *r, sc_table *t)
{
    rows q;
    if (fetch(r, SQL_FKEYS, t->name, &q) != 0)
        return -1;
    int nkeys = 0;
    for (int i = 0; i < q.n; i++)
        nkeys += i == 0 || strcmp(at(&q, i, 0), at(&q, i - 1, 0)) != 0;
    t->fkeys = xcalloc(r, (size_t)nkeys, sizeof *t->fkeys);
    if (!t->fkeys)
        return rows_free(&q), -1;
    for (int from = 0, to; from < q.n; from = to) {
        for (to = from + 1; to < q.n && strcmp(at(&q, to, 0), at(&q, from, 0)) == 0; to++)
            ;
        sc_fkey *f = &t->fkeys[t->nfkeys++];
        int n = to - from;
        f->cols = xcalloc(r, (size_t)n, sizeof *f->cols);
        f->ref_cols = xcalloc(r, (size_t)n, sizeof *f->ref_cols);
        if (!f->cols || !f->ref_cols)
            break;
        f->ncols = n;
        f->ref_table = xdup(r, at(&q, from, 1));
        for (int i = 0; i < n; i++) {
            int ci = col_index(t, at(&q, from + i, 2));
            f->cols[i] = xdup(r, ci >= 0 ? t->cols[ci].name : at(&q, from + i, 2));
            f->ref_cols[i] = xdup(r, at(&q, from + i, 3));   /* NULL: the parent's primary key; resolved later */
        }
    }
    rows_free(&q);
    return r->oom ? -1 : 0;
}

/* The identifier in double quotes, quotes inside doubled. */
static char *quote_ident(rd *r, const char *name)
{
    size_t n = 3;
    for (const char *p = name; *p; p++)
        n += *p == '"' ? 2 : 1;
    char *q = xcalloc(r, n, 1), *o = q;
    if (!q)
        return NULL;
    *o++ = '"';
    for (const char *p = name; *p; p++) {
        if (*p == '"')
            *o++ = '"';
        *o++ = *p;
    }
    *o++ = '"';
    *o = 0;
    return q;
}

static int count_rows(rd *r, sc_table *t)
{
    char *ident = quote_ident(r, t->name);
    if (!ident)
        return -1;
    size_t n = strlen(ident) + 32;
    char *sql = xcalloc(r, n, 1);
    if (!sql)
        return free(ident), -1;
    snprintf(sql, n, "SELECT COUNT(*) FROM main.%s", ident);
    free(ident);
    rows q;
    int rc = fetch(r, sql, NULL, &q);
    free(sql);
    if (rc != 0)
        return -1;
    t->rows = q.n == 1 && at(&q, 0, 0) ? strtoll(at(&q, 0, 0), NULL, 10) : -1;
    t->rows_estimated = false;
    rows_free(&q);
    return 0;
}

static int read_table(rd *r, sc_table *t, const char *create_sql)
{
    int *pkpos = NULL;
    int rc = read_columns(r, t, &pkpos);
    if (rc == 0)
        rc = read_keys(r, t, pkpos);
    free(pkpos);
    if (rc == 0)
        rc = read_fkeys(r, t);
    if (rc == 0 && sqlite_ddl_checks(create_sql, &t->checks, &t->nchecks) != 0)
        rc = -1, r->oom = true;
    if (rc == 0)
        rc = count_rows(r, t);
    return rc;
}

/* ---- the whole database --------------------------------------------------- */

/* Foreign keys name their parent as the author spelled it; point them at
 * the real table and columns, and fill in the parent's primary key where
 * the author wrote only `REFERENCES parent`. */
static void resolve_fkeys(rd *r, sc_schema *s, sc_fkey *f)
{
    sc_table *parent = NULL;
    for (int i = 0; i < s->ntables && !parent; i++)
        if (strcasecmp(s->tables[i].name, f->ref_table) == 0)
            parent = &s->tables[i];
    if (parent && strcmp(parent->name, f->ref_table) != 0) {
        free(f->ref_table);
        f->ref_table = xdup(r, parent->name);
    }
    for (int i = 0; i < f->ncols; i++) {
        const char *real = NULL;
        if (!f->ref_cols[i])
            /* The parent's primary key; without one (or a missing parent),
             * SQLite refuses writes to the child ("foreign key mismatch"),
             * so the name hardly matters: its rowid. */
            real = parent && parent->pk.ncols == f->ncols ? parent->pk.cols[i] : "rowid";
        else if (parent) {
            int ci = col_index(parent, f->ref_cols[i]);
            if (ci >= 0 && strcmp(parent->cols[ci].name, f->ref_cols[i]) != 0)
                real = parent->cols[ci].name;
        }
        if (real) {
            free(f->ref_cols[i]);
            f->ref_cols[i] = xdup(r, real);
        }
    }
}

/* User tables: not SQLite's own (sqlite_%), not virtual tables (their
 * module may not be loaded here, and they are no place for generated
 * rows), not the shadow tables that back them. pragma_table_list (3.37)
 * tells shadow tables apart; without it, they are listed. */
static const char SQL_TABLES[] =
    "SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
    "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' "
    "AND name NOT IN (SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'shadow') "
    "ORDER BY name";
static const char SQL_TABLES_OLD[] =
    "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
    "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name";

int schema_read_sqlite(const drv_ops *d, drv_conn *c, sc_schema *out, char *err, size_t errlen)
{
    rd r = { .d = d, .c = c, .err = err, .errlen = errlen };
    rows q;
    if (fetch(&r, SQL_TABLES, NULL, &q) != 0 && fetch(&r, SQL_TABLES_OLD, NULL, &q) != 0)
        return -1;
    out->dialect = xdup(&r, "sqlite");
    out->tables = xcalloc(&r, (size_t)q.n, sizeof *out->tables);
    if (r.oom) {
        rows_free(&q);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < q.n && rc == 0; i++) {
        sc_table *t = &out->tables[out->ntables++];
        t->rows = -1;
        t->name = xdup(&r, at(&q, i, 0));
        rc = t->name ? read_table(&r, t, at(&q, i, 1)) : -1;
        if (rc != 0 && !r.oom) {
            char why[DRV_ERRMSG];
            snprintf(why, sizeof why, "%s", err);
            snprintf(err, errlen, "reading table \"%s\": %s", at(&q, i, 0), why);
        }
    }
    rows_free(&q);
    for (int i = 0; i < out->ntables && rc == 0; i++)
        for (int k = 0; k < out->tables[i].nfkeys; k++)
            resolve_fkeys(&r, out, &out->tables[i].fkeys[k]);
    if (r.oom) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return rc;
}
