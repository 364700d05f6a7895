/* crud.c - the crud workload: create, read, update, delete and aggregate
 * on whatever schema the target has.
 *
 * Setup reads the schema (schema.h), plans an insert per table
 * (rowplan.h: values that fit, parents that exist, unique keys from a
 * counter shared by all connections) and reads each table's primary keys,
 * so selects and updates name rows that exist. Statements are written per
 * dialect with every identifier quoted and every value a parameter.
 *
 * What keeps it free of constraint errors:
 *  - inserts pick parents only from keys read at setup, and those are never
 *    deleted: deletes take rows this connection inserted (nothing can
 *    reference them, as no insert picks them as a parent), or, on a table
 *    no foreign key points at, a row read at setup;
 *  - a delete with nothing of its own to delete inserts a row first and
 *    deletes that, so every delete removes a row the generator wrote;
 *  - updates change only columns outside every key (primary, unique,
 *    foreign), with values from the column's generator.
 * Tables without a primary key get inserts, scans and aggregates.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "workloads/rowplan.h"
#include "workloads/seed.h"
#include "workloads/workload.h"

enum { OP_SELECT, OP_INSERT, OP_UPDATE, OP_DELETE, OP_AGGREGATE, NOPS };

static const wl_opdef crud_ops[NOPS] = {
    [OP_SELECT] = { "select", 50, "point SELECT by primary key (a scan of 10 rows where there is none)" },
    [OP_INSERT] = { "insert", 20, "INSERT a row that fits every column, unique and foreign key" },
    [OP_UPDATE] = { "update", 20, "UPDATE one random non-key column of a row that exists" },
    [OP_DELETE] = { "delete", 5, "DELETE a row the generator inserted (never one with children)" },
    [OP_AGGREGATE] = { "aggregate", 5, "COUNT, SUM, AVG, MIN, MAX over a key range (or the table)" },
};

#define KEYS_READ   1000000   /* primary keys read per table at setup */
#define OWN_MAX     100000    /* rows a connection remembers having inserted, per table */
#define AGG_SPAN    100       /* key range an aggregate covers */

typedef struct crud_table {
    const sc_table *t;
    rowplan plan;
    _Atomic int64_t next;     /* insert number, shared by all connections */
    keyset keys;              /* primary keys read at setup */
    int *pk_w;                /* per key column: its written column, or -1 for the identity */
    int identity_pos;         /* key column the server fills (its value comes back), or -1 */
    bool own_ok;              /* inserted rows' keys are knowable: deletes can find them */
    bool referenced;          /* some foreign key points here: rows read at setup stay */
    bool int_range;           /* the first key column is an integer: aggregates take a range */
    int nupd;
    int *upd_w;               /* updatable columns, as written-column indexes */
    int st_select, st_scan, st_insert, st_update, st_delete, st_agg;
} crud_table;

typedef struct crud_shared {
    sc_schema s;
    int ntables;
    crud_table *tables;
    int nsql;
    char **sql;
    int maxw, maxbuf, maxpk;
    int *with_pk, nwith_pk;       /* tables with a key and keys to use */
    int *updatable, nupdatable;
    int *leaf, nleaf;             /* with keys, no foreign key points at them */
    bool *chosen;                 /* per schema table: named by --tables */
} crud_shared;

/* ---- statements ----------------------------------------------------------- */

static int add_sql(crud_shared *sh, strbuf *b)
{
    char **sql = realloc(sh->sql, sizeof *sql * (size_t)(sh->nsql + 1));
    char *text = sb_take(b);
    if (!sql || !text) {
        free(text);
        if (sql)
            sh->sql = sql;
        return -1;
    }
    sh->sql = sql;
    sql[sh->nsql] = text;
    return sh->nsql++;
}

static void where_key(strbuf *b, dl_kind k, const sc_table *t)
{
    sb_add(b, " WHERE ");
    for (int j = 0; j < t->pk.ncols; j++) {
        sb_add(b, j ? " AND " : "");
        dl_quote(b, k, t->pk.cols[j]);
        sb_add(b, " = ?");
    }
}

static bool is_numeric(const cg_col *g) { return g->kind == CG_INT || g->kind == CG_FLOAT || g->kind == CG_DECIMAL; }

static int write_statements(crud_shared *sh, crud_table *ct, dl_kind k)
{
    const sc_table *t = ct->t;
    strbuf b = { 0 };
    /* select / scan */
    sb_add(&b, "SELECT ");
    if (!t->pk.ncols)
        dl_select_top(&b, k, 10);
    sb_add(&b, "* FROM ");
    rp_table(&b, k, t);
    if (t->pk.ncols)
        where_key(&b, k, t);
    else
        dl_limit(&b, k, 10);
    if ((ct->st_select = ct->st_scan = add_sql(sh, &b)) < 0)
        return -1;
    /* insert, handing back the key the server fills */
    const char *idcol = ct->identity_pos >= 0 ? t->pk.cols[ct->identity_pos] : NULL;
    sb_add(&b, "INSERT INTO ");
    rp_table(&b, k, t);
    if (ct->plan.nw == 0) {
        if (k == DL_MYSQL)
            sb_add(&b, " () VALUES ()");
        else {
            if (idcol)
                dl_output_key(&b, k, idcol);
            sb_add(&b, " DEFAULT VALUES");
        }
    } else {
        sb_add(&b, " (");
        rowplan_columns(&b, &ct->plan, k);
        sb_addc(&b, ')');
        if (idcol)
            dl_output_key(&b, k, idcol);
        sb_add(&b, " VALUES (");
        for (int w = 0; w < ct->plan.nw; w++)
            sb_add(&b, w ? ", ?" : "?");
        sb_addc(&b, ')');
    }
    if (idcol)
        dl_returning_key(&b, k, idcol);
    if ((ct->st_insert = add_sql(sh, &b)) < 0)
        return -1;
    /* one update per updatable column, then delete */
    ct->st_update = sh->nsql;
    for (int u = 0; u < ct->nupd; u++) {
        sb_add(&b, "UPDATE ");
        rp_table(&b, k, t);
        sb_add(&b, " SET ");
        dl_quote(&b, k, t->cols[ct->plan.wcol[ct->upd_w[u]]].name);
        sb_add(&b, " = ?");
        where_key(&b, k, t);
        if (add_sql(sh, &b) < 0)
            return -1;
    }
    ct->st_delete = -1;
    if (t->pk.ncols) {
        sb_add(&b, "DELETE FROM ");
        rp_table(&b, k, t);
        where_key(&b, k, t);
        if ((ct->st_delete = add_sql(sh, &b)) < 0)
            return -1;
    }
    /* aggregate over a numeric column outside the keys, if any */
    const char *num = NULL;
    for (int u = 0; u < ct->nupd && !num; u++)
        if (is_numeric(&ct->plan.gen[ct->upd_w[u]]))
            num = t->cols[ct->plan.wcol[ct->upd_w[u]]].name;
    sb_add(&b, "SELECT COUNT(*)");
    if (num) {
        const char *fn[] = { "SUM", "AVG", "MIN", "MAX" };
        for (int i = 0; i < 4; i++) {
            sb_addf(&b, ", %s(", fn[i]);
            dl_quote(&b, k, num);
            sb_addc(&b, ')');
        }
    }
    sb_add(&b, " FROM ");
    rp_table(&b, k, t);
    if (ct->int_range) {
        sb_add(&b, " WHERE ");
        dl_quote(&b, k, t->pk.cols[0]);
        sb_add(&b, " >= ? AND ");
        dl_quote(&b, k, t->pk.cols[0]);
        sb_add(&b, " < ?");
    }
    if ((ct->st_agg = add_sql(sh, &b)) < 0)
        return -1;
    return 0;
}

/* ---- setup ------------------------------------------------------------------- */

static bool column_in_key(const sc_table *t, const char *name)
{
    for (int j = 0; j < t->pk.ncols; j++)
        if (!strcmp(t->pk.cols[j], name))
            return true;
    for (int u = 0; u < t->nunique; u++)
        for (int j = 0; j < t->unique[u].ncols; j++)
            if (!strcmp(t->unique[u].cols[j], name))
                return true;
    return false;
}

static int plan_crud_table(crud_shared *sh, const rp_db *db, int ti, crud_table *ct, char *err, size_t errlen)
{
    const sc_table *t = &sh->s.tables[ti];
    ct->t = t;
    ct->identity_pos = -1;
    /* A self-reference is left NULL: a parent read at setup would do, but
     * a NULL is always valid and keeps the plan like seeding's. */
    bool deferred[64] = { 0 };
    for (int k = 0; k < t->nfkeys && k < 64; k++)
        deferred[k] = seed_parent_index(&sh->s, t, &t->fkeys[k]) == ti;
    int rc = rowplan_init(&ct->plan, db, &sh->s, ti, INT64_MAX / 4, t->rows > 0 ? t->rows : 0, deferred, true, NULL,
                          err, errlen);
    if (rc != 0)
        return rc;
    atomic_init(&ct->next, 0);
    ct->pk_w = calloc((size_t)t->pk.ncols + 1, sizeof *ct->pk_w);
    ct->upd_w = calloc((size_t)ct->plan.nw + 1, sizeof *ct->upd_w);
    if (!ct->pk_w || !ct->upd_w)
        return snprintf(err, errlen, "out of memory"), -1;
    ct->own_ok = t->pk.ncols > 0;
    for (int j = 0; j < t->pk.ncols; j++) {
        ct->pk_w[j] = -1;
        for (int w = 0; w < ct->plan.nw; w++)
            if (!strcmp(t->cols[ct->plan.wcol[w]].name, t->pk.cols[j]))
                ct->pk_w[j] = w;
        const sc_column *c = schema_column(t, t->pk.cols[j]);
        if (ct->pk_w[j] < 0 && c && c->identity && ct->identity_pos < 0)
            ct->identity_pos = j;
        else if (ct->pk_w[j] < 0)
            ct->own_ok = false;             /* a default the server picks: the key is not known */
    }
    for (int w = 0; w < ct->plan.nw && t->pk.ncols; w++) {   /* without a key, no row can be named */
        const sc_column *c = &t->cols[ct->plan.wcol[w]];
        if (ct->plan.fk[w] < 0 && !column_in_key(t, c->name) && ct->plan.gen[w].kind != CG_SKIP &&
            ct->plan.gen[w].kind != CG_NULL)
            ct->upd_w[ct->nupd++] = w;
    }
    if (t->pk.ncols) {
        rc = keyset_read(db, t, t->pk.ncols, t->pk.cols, KEYS_READ, &ct->keys, err, errlen);
        if (rc != 0)
            return rc;
        ct->int_range = ct->keys.n > 0 && ct->keys.v[0].type == DRV_INT;
    }
    for (int i = 0; i < sh->s.ntables; i++)
        for (int k = 0; k < sh->s.tables[i].nfkeys; k++)
            if (seed_parent_index(&sh->s, &sh->s.tables[i], &sh->s.tables[i].fkeys[k]) == ti)
                ct->referenced = true;
    return 0;
}

static void crud_shared_free(void *p)
{
    crud_shared *sh = p;
    if (!sh)
        return;
    for (int i = 0; i < sh->ntables; i++) {
        crud_table *ct = &sh->tables[i];
        if (ct->t) {
            rowplan_free(&ct->plan);
            keyset_free(&ct->keys);
        }
        free(ct->pk_w);
        free(ct->upd_w);
    }
    for (int i = 0; i < sh->nsql; i++)
        free(sh->sql[i]);
    free(sh->sql);
    free(sh->tables);
    free(sh->with_pk), free(sh->updatable), free(sh->leaf), free(sh->chosen);
    schema_free(&sh->s);
    free(sh);
}

static int crud_setup(const wl_def *w, const drv_ops *d, drv_conn *c, const wl_setup *o, void **shared, char *err, size_t errlen)
{
    (void)w;
    crud_shared *sh = calloc(1, sizeof *sh);
    if (!sh)
        return snprintf(err, errlen, "out of memory"), -1;
    *shared = sh;
    rp_db db = { .d = d, .c = c, .dialect = dl_kind_of(d->dialect) };
    if (schema_read(d, c, &sh->s, err, errlen) != 0)
        return -1;
    int n = sh->s.ntables;
    bool *chosen = sh->chosen = calloc((size_t)n + 1, sizeof *chosen);
    if (!chosen)
        return snprintf(err, errlen, "out of memory"), -1;
    for (const char *p = o->tables; p && *p;) {
        size_t len = strcspn(p, ",");
        int i = schema_find(&sh->s, p, len);
        if (i < 0)
            return snprintf(err, errlen, "crud: --tables: no table '%.*s' in the database", (int)len, p), -2;
        chosen[i] = true;
        p += len + (p[len] == ',');
    }
    sh->tables = calloc((size_t)n + 1, sizeof *sh->tables);
    sh->with_pk = calloc((size_t)n + 1, sizeof *sh->with_pk);
    sh->updatable = calloc((size_t)n + 1, sizeof *sh->updatable);
    sh->leaf = calloc((size_t)n + 1, sizeof *sh->leaf);
    if (!sh->tables || !sh->with_pk || !sh->updatable || !sh->leaf)
        return snprintf(err, errlen, "out of memory"), -1;
    for (int i = 0; i < n; i++) {
        if (o->tables && !chosen[i])
            continue;
        crud_table *ct = &sh->tables[sh->ntables++];
        char why[1024];
        if (plan_crud_table(sh, &db, i, ct, why, sizeof why) != 0)
            return snprintf(err, errlen, "crud: %s%s", why,
                            strstr(why, "empty") ? " (fill it first: surge seed URL)" : ""), -1;
        if (write_statements(sh, ct, db.dialect) != 0)
            return snprintf(err, errlen, "out of memory"), -1;
        int idx = (int)(ct - sh->tables);
        if (ct->t->pk.ncols && ct->keys.n > 0) {
            sh->with_pk[sh->nwith_pk++] = idx;
            if (ct->nupd)
                sh->updatable[sh->nupdatable++] = idx;
            if (!ct->referenced)
                sh->leaf[sh->nleaf++] = idx;
        }
        if (ct->plan.nw > sh->maxw)
            sh->maxw = ct->plan.nw;
        if (ct->plan.rowbuf > sh->maxbuf)
            sh->maxbuf = ct->plan.rowbuf;
        if (ct->t->pk.ncols > sh->maxpk)
            sh->maxpk = ct->t->pk.ncols;
    }
    if (sh->ntables == 0)
        return snprintf(err, errlen, "crud: the database has no tables (create some, or use --workload ecommerce)"), -1;
    return 0;
}

static const char *const *crud_statements(const wl_def *w, const char *dialect, const void *shared, int *n)
{
    (void)w;
    static const char *const none[] = { NULL };
    const crud_shared *sh = shared;
    if (dl_kind_of(dialect) == DL_OTHER)
        return NULL;
    *n = sh ? sh->nsql : 0;
    return sh ? (const char *const *)sh->sql : none;
}

/* ---- per connection -------------------------------------------------------- */

typedef struct own_keys {      /* keys of rows this connection inserted, per table */
    int64_t n, cap;
    int ncols;
    drv_value *v;              /* n * pk columns; text owned */
} own_keys;

typedef struct crud_state {
    bool ready;
    int ntables;
    own_keys *own;             /* per table */
    drv_value *vals;           /* the call's parameters when they are many */
    char *buf;                 /* text of the row being written */
    drv_value *pending;        /* key of the row being inserted */
    int table, op, phase;
    int64_t own_pick;          /* the own row a delete removes; -1 none */
} crud_state;

static void own_free_value(drv_value *v)
{
    if (v->type == DRV_TEXT)
        free((char *)v->v.text.s);
    *v = drv_null();
}

static drv_value copy_value(drv_value v)
{
    if (v.type != DRV_TEXT)
        return v;
    char *s = malloc((size_t)v.v.text.len + 1);
    if (!s)
        return drv_null();
    memcpy(s, v.v.text.s, (size_t)v.v.text.len);
    s[v.v.text.len] = '\0';
    return drv_text(s, v.v.text.len);
}

static void crud_state_free(void *state)
{
    crud_state *st = state;
    if (!st->ready)
        return;
    for (int i = 0; st->own && i < st->ntables; i++) {
        own_keys *own = &st->own[i];
        for (int64_t j = 0; j < own->n * own->ncols; j++)
            own_free_value(&own->v[j]);
        free(own->v);
    }
    free(st->own);
    free(st->vals);
    free(st->buf);
    free(st->pending);
}

static bool state_init(crud_state *st, const crud_shared *sh)
{
    if (st->ready)
        return true;
    st->own = calloc((size_t)sh->ntables + 1, sizeof *st->own);
    st->ntables = sh->ntables;
    st->vals = calloc((size_t)(sh->maxw > 2 * sh->maxpk + 2 ? sh->maxw : 2 * sh->maxpk + 2) + 1, sizeof *st->vals);
    st->buf = malloc((size_t)sh->maxbuf + 1);
    st->pending = calloc((size_t)sh->maxpk + 1, sizeof *st->pending);
    st->ready = st->own && st->vals && st->buf && st->pending;
    return st->ready;
}

static void set_params(drv_call *call, int stmt, const drv_value *v, int n)
{
    call->stmt = stmt;
    call->nparams = n;
    if (n <= DRV_MAX_PARAMS) {
        memcpy(call->params, v, sizeof *v * (size_t)n);
        call->pv = NULL;
    } else {
        call->pv = v;
    }
}

/* A key to read or change: one read at setup, now and then one of ours. */
static const drv_value *some_key(const crud_table *ct, const own_keys *own, rng_t *r)
{
    if (own->n > 0 && (ct->keys.n == 0 || rng_bool(r, 0.1)))
        return &own->v[rng_below(r, (uint64_t)own->n) * ct->t->pk.ncols];
    return &ct->keys.v[rng_below(r, (uint64_t)ct->keys.n) * ct->t->pk.ncols];
}

static void start_insert(crud_state *st, const crud_shared *sh, wl_env *env, drv_call *call)
{
    const crud_table *ct = &sh->tables[st->table];
    crud_table *mut = (crud_table *)ct;   /* only the atomic counter changes */
    int64_t i = atomic_fetch_add_explicit(&mut->next, 1, memory_order_relaxed);
    rowplan_row(&ct->plan, env->rng, i, st->vals, st->buf);
    for (int j = 0; j < ct->t->pk.ncols; j++)
        st->pending[j] = ct->pk_w[j] >= 0 ? st->vals[ct->pk_w[j]] : drv_null();
    set_params(call, ct->st_insert, st->vals, ct->plan.nw);
}

static void remember_insert(crud_state *st, const crud_shared *sh, const drv_reply *reply)
{
    const crud_table *ct = &sh->tables[st->table];
    own_keys *own = &st->own[st->table];
    int n = ct->t->pk.ncols;
    if (!ct->own_ok || own->n >= OWN_MAX)
        return;
    if (own->n == own->cap) {
        int64_t cap = own->cap ? own->cap * 2 : 64;
        drv_value *v = realloc(own->v, sizeof *v * (size_t)(cap * n));
        if (!v)
            return;
        own->v = v;
        own->cap = cap;
        own->ncols = n;
    }
    for (int j = 0; j < n; j++) {
        drv_value v = st->pending[j];
        if (j == ct->identity_pos)
            v = drv_int(reply->ncols > 0 ? reply->col[0] : reply->last_id);
        own->v[own->n * n + j] = copy_value(v);
    }
    own->n++;
}

static void start_delete_own(crud_state *st, const crud_shared *sh, rng_t *r, drv_call *call)
{
    const crud_table *ct = &sh->tables[st->table];
    own_keys *own = &st->own[st->table];
    st->own_pick = (int64_t)rng_below(r, (uint64_t)own->n);
    set_params(call, ct->st_delete, &own->v[st->own_pick * ct->t->pk.ncols], ct->t->pk.ncols);
}

static int pick(rng_t *r, const int *list, int n) { return list[rng_below(r, (uint64_t)n)]; }

static void crud_begin(void *state, int op, wl_env *env, drv_call *call)
{
    crud_state *st = state;
    const crud_shared *sh = env->shared;
    rng_t *r = env->rng;
    st->op = op;
    st->phase = 0;
    st->own_pick = -1;
    call->pv = NULL;
    if (!state_init(st, sh)) {
        call->stmt = 1 << 30;   /* no such statement: the driver reports it, the op fails */
        call->nparams = 0;
        return;
    }
    if (op == OP_UPDATE && sh->nupdatable == 0)
        op = st->op = OP_SELECT;   /* nothing updatable: reads instead (see docs) */
    switch (op) {
    case OP_INSERT:
        st->table = (int)rng_below(r, (uint64_t)sh->ntables);
        start_insert(st, sh, env, call);
        return;
    case OP_UPDATE: {
        st->table = pick(r, sh->updatable, sh->nupdatable);
        const crud_table *ct = &sh->tables[st->table];
        int u = (int)rng_below(r, (uint64_t)ct->nupd);
        int n = ct->t->pk.ncols;
        st->vals[0] = cg_value(&ct->plan.gen[ct->upd_w[u]], r, 0, st->buf);
        memcpy(st->vals + 1, some_key(ct, &st->own[st->table], r), sizeof *st->vals * (size_t)n);
        set_params(call, ct->st_update + u, st->vals, n + 1);
        return;
    }
    case OP_DELETE: {
        /* Own rows first (any table holding some), then a row read at
         * setup from a table nothing references, else insert one to delete. */
        int owned[64], nowned = 0;
        for (int i = 0; i < sh->ntables && nowned < 64; i++)
            if (st->own[i].n > 0)
                owned[nowned++] = i;
        if (nowned) {
            st->table = owned[rng_below(r, (uint64_t)nowned)];
            start_delete_own(st, sh, r, call);
        } else if (sh->nleaf) {
            st->table = pick(r, sh->leaf, sh->nleaf);
            const crud_table *ct = &sh->tables[st->table];
            set_params(call, ct->st_delete, &ct->keys.v[rng_below(r, (uint64_t)ct->keys.n) * ct->t->pk.ncols],
                       ct->t->pk.ncols);
        } else {
            int cand[64], ncand = 0;
            for (int i = 0; i < sh->ntables && ncand < 64; i++)
                if (sh->tables[i].own_ok)
                    cand[ncand++] = i;
            if (!ncand) {           /* no key surge can name: a read instead */
                st->op = OP_SELECT;
                crud_begin(state, OP_SELECT, env, call);
                st->op = OP_DELETE;
                return;
            }
            st->table = cand[rng_below(r, (uint64_t)ncand)];
            st->phase = 1;          /* insert, then delete it in next() */
            start_insert(st, sh, env, call);
        }
        return;
    }
    case OP_AGGREGATE: {
        st->table = (int)rng_below(r, (uint64_t)sh->ntables);
        const crud_table *ct = &sh->tables[st->table];
        call->stmt = ct->st_agg;
        call->nparams = 0;
        if (ct->int_range) {
            int64_t lo = ct->keys.v[rng_below(r, (uint64_t)ct->keys.n) * ct->t->pk.ncols].v.i;
            call->nparams = 2;
            call->params[0] = drv_int(lo);
            call->params[1] = drv_int(lo + AGG_SPAN);
        }
        return;
    }
    default: {
        if (sh->nwith_pk && (rng_bool(r, 0.9) || sh->nwith_pk == sh->ntables)) {
            st->table = pick(r, sh->with_pk, sh->nwith_pk);
            const crud_table *ct = &sh->tables[st->table];
            set_params(call, ct->st_select, some_key(ct, &st->own[st->table], r), ct->t->pk.ncols);
        } else {
            st->table = (int)rng_below(r, (uint64_t)sh->ntables);
            const crud_table *ct = &sh->tables[st->table];
            call->stmt = ct->t->pk.ncols ? ct->st_agg : ct->st_scan;   /* a key table without keys: count it */
            call->nparams = 0;
            if (ct->t->pk.ncols && ct->int_range) {
                call->nparams = 2;
                call->params[0] = drv_int(0);
                call->params[1] = drv_int(AGG_SPAN);
            }
        }
        return;
    }
    }
}

static int crud_next(void *state, wl_env *env, const drv_reply *reply, drv_call *call)
{
    crud_state *st = state;
    const crud_shared *sh = env->shared;
    if (st->op == OP_INSERT || (st->op == OP_DELETE && st->phase == 1)) {
        remember_insert(st, sh, reply);
        if (st->op == OP_DELETE && st->own[st->table].n > 0) {
            st->phase = 2;
            /* the row just inserted: the last one remembered */
            const crud_table *ct = &sh->tables[st->table];
            st->own_pick = st->own[st->table].n - 1;
            set_params(call, ct->st_delete, &st->own[st->table].v[st->own_pick * ct->t->pk.ncols], ct->t->pk.ncols);
            return 1;
        }
    }
    return 0;
}

static void crud_end(void *state, wl_env *env, int ok)
{
    crud_state *st = state;
    const crud_shared *sh = env->shared;
    if (!st->ready || st->op != OP_DELETE || st->own_pick < 0 || !ok)
        return;
    /* The row is gone: forget it (the last one takes its place). */
    own_keys *own = &st->own[st->table];
    int n = sh->tables[st->table].t->pk.ncols;
    for (int j = 0; j < n; j++)
        own_free_value(&own->v[st->own_pick * n + j]);
    own->n--;
    if (st->own_pick != own->n)
        memcpy(&own->v[st->own_pick * n], &own->v[own->n * n], sizeof *own->v * (size_t)n);
}

const wl_def wl_crud = {
    .name = "crud",
    .summary = "create, read, update, delete and aggregate on the target's own tables (found by introspection)",
    .nops = NOPS,
    .ops = crud_ops,
    .statements = crud_statements,
    .setup = crud_setup,
    .shared_free = crud_shared_free,
    .state_size = sizeof(crud_state),
    .state_free = crud_state_free,
    .begin = crud_begin,
    .next = crud_next,
    .end = crud_end,
};
