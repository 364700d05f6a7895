/* seed.c - surge seed: fill a schema's tables with rows that fit.
 *
 * For each table, parents first (seed_order.c):
 *  - a generator per column (colgen.c), written unless it is an identity,
 *    a generated column, or a default is all that fits;
 *  - foreign-key columns take a tuple of the parent's key, read back from
 *    the parent once it has rows (so identity keys work like any other);
 *  - keys stay unique: a primary or unique key gets one column whose value
 *    comes from the row's number (continuing after what the table holds);
 *    a key made only of foreign-key columns enumerates parent combinations
 *    instead, and caps the rows at how many there are;
 *  - rows go through COPY where the driver has it (PostgreSQL), else
 *    through multi-row prepared INSERTs, in transactions of many rows.
 * Foreign keys deferred by the order (self-references, nullable edges of
 * a cycle) are written NULL, then set by UPDATEs once every table is full.
 *
 * Each table draws from its own random stream, keyed by the seed and the
 * table's name: same seed, same schema, same starting rows, same data.
 */
#include "workloads/seed.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/strbuf.h"
#include "surge.h"
#include "workloads/colgen.h"
#include "workloads/rowplan.h"
#include "workloads/dialect.h"
#include "workloads/workload.h"

#define BATCH_ROWS     1000      /* rows per multi-row INSERT, at most */
#define TX_ROWS        50000     /* rows per transaction on the INSERT path */
#define COPY_CHUNK     (1 << 20) /* bytes of COPY data sent at a time */
#define DEFAULT_ROWS   1000

typedef struct seeder {
    surge_seed_config *cfg;
    const drv_ops *d;
    drv_conn *c;
    dl_kind dialect;
    rp_db db;
    sc_schema s;
    int64_t *rows;          /* per table: rows to add (0: not seeded) */
    int64_t *before;        /* per table: rows it had */
    bool **deferred;
    int64_t done, total;
    double t0, last_progress;
    char *err;
    size_t errlen;
} seeder;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void progress(seeder *sd, const char *table, int64_t tdone, int64_t ttotal, bool finished)
{
    if (!sd->cfg->on_progress)
        return;
    double t = now_s();
    if (!finished && t - sd->last_progress < 0.1)
        return;
    sd->last_progress = t;
    surge_seed_progress p = { .table = table, .table_done = tdone, .table_total = ttotal, .done = sd->done,
                              .total = sd->total, .elapsed_s = t - sd->t0, .table_finished = finished };
    sd->cfg->on_progress(&p, sd->cfg->user);
}

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;   /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* ---- loading ----------------------------------------------------------------- */

/* A value in COPY's text format: \N for NULL, backslash escapes. */
static void copy_value(strbuf *b, const drv_value *v)
{
    switch (v->type) {
    case DRV_INT: {
        /* By hand, not printf: COPY of a million rows spent a third of its
         * time formatting. */
        char digits[24], *e = digits + sizeof digits, *p = e;
        uint64_t u = v->v.i < 0 ? -(uint64_t)v->v.i : (uint64_t)v->v.i;
        do
            *--p = (char)('0' + u % 10);
        while (u /= 10);
        if (v->v.i < 0)
            *--p = '-';
        sb_addn(b, p, (size_t)(e - p));
        break;
    }
    case DRV_DOUBLE: sb_addf(b, "%.17g", v->v.d); break;
    case DRV_TEXT: {
        /* Runs without anything to escape go in one copy. */
        const char *s = v->v.text.s, *end = s + v->v.text.len;
        while (s < end) {
            const char *run = s;
            while (s < end && *s != '\\' && *s != '\t' && *s != '\n' && *s != '\r')
                s++;
            sb_addn(b, run, (size_t)(s - run));
            if (s < end) {
                char esc[2] = { '\\', *s == '\t' ? 't' : *s == '\n' ? 'n' : *s == '\r' ? 'r' : '\\' };
                sb_addn(b, esc, 2);
                s++;
            }
        }
        break;
    }
    default: sb_add(b, "\\N"); break;
    }
}

static int load_copy(seeder *sd, rowplan *p, rng_t *r)
{
    const sc_table *t = p->t;
    strbuf q = { 0 }, data = { 0 };
    sb_add(&q, "COPY ");
    dl_table(&q, sd->dialect, t->schema, t->name);
    sb_add(&q, " (");
    rowplan_columns(&q, p, sd->dialect);
    sb_add(&q, ") FROM STDIN");
    drv_value *vals = calloc((size_t)p->nw + 1, sizeof *vals);
    char *buf = malloc((size_t)p->rowbuf + 1);
    int64_t base = sd->done;
    int rc = -1;
    if (q.oom || !vals || !buf) {
        snprintf(sd->err, sd->errlen, "out of memory");
        goto out;
    }
    if (sd->d->copy_begin(sd->c, q.p, sd->err, sd->errlen) != 0)
        goto out;
    for (int64_t i = 0; i < p->rows; i++) {
        rowplan_row(p, r, i, vals, buf);
        for (int w = 0; w < p->nw; w++) {
            if (w)
                sb_addc(&data, '\t');
            copy_value(&data, &vals[w]);
        }
        sb_addc(&data, '\n');
        if (data.len >= COPY_CHUNK || i + 1 == p->rows) {
            /* On failure the COPY is left unfinished, not ended: ending it
             * would commit the rows sent so far. The seed stops and closes
             * the connection, and the server throws the COPY away. */
            if (data.oom) {
                snprintf(sd->err, sd->errlen, "out of memory");
                goto out;
            }
            if (sd->d->copy_data(sd->c, data.p, data.len, sd->err, sd->errlen) != 0)
                goto out;
            sb_reset(&data);
        }
        if ((i & 4095) == 4095) {
            sd->done = base + i + 1;
            progress(sd, t->name, i + 1, p->rows, false);
        }
    }
    rc = sd->d->copy_end(sd->c, sd->err, sd->errlen);
out:
    sb_free(&q);
    sb_free(&data);
    free(vals);
    free(buf);
    return rc;
}

static int run_tx(seeder *sd, int stmt)
{
    drv_call call = { .stmt = stmt };
    drv_reply reply;
    if (drv_run_sync(sd->d, sd->c, &call, &reply) != DRV_OK) {
        snprintf(sd->err, sd->errlen, "%s", reply.errmsg);
        return -1;
    }
    return 0;
}

/* INSERT INTO t (cols) VALUES (?, …), (?, …) … with `rows` tuples. */
static char *insert_sql(seeder *sd, const rowplan *p, int rows)
{
    strbuf q = { 0 };
    sb_add(&q, "INSERT INTO ");
    rp_table(&q, sd->dialect, p->t);
    if (p->nw == 0) {
        sb_add(&q, sd->dialect == DL_MYSQL ? " () VALUES ()" : " DEFAULT VALUES");
        return sb_take(&q);
    }
    sb_add(&q, " (");
    rowplan_columns(&q, p, sd->dialect);
    sb_add(&q, ") VALUES ");
    for (int i = 0; i < rows; i++) {
        sb_add(&q, i ? ", (" : "(");
        for (int w = 0; w < p->nw; w++)
            sb_add(&q, w ? ", ?" : "?");
        sb_addc(&q, ')');
    }
    return sb_take(&q);
}

static int load_insert(seeder *sd, rowplan *p, rng_t *r)
{
    int limit = sd->dialect == DL_MSSQL ? 2000 : DRV_MAX_BOUND;
    int batch = p->nw ? limit / p->nw : 1;
    if (batch > BATCH_ROWS)
        batch = BATCH_ROWS;
    if (batch < 1) {
        snprintf(sd->err, sd->errlen, "seed: %s has %d columns, more than one statement can bind", p->t->name, p->nw);
        return -2;
    }
    if (p->nw == 0)
        batch = 1;
    int tail = (int)(p->rows % batch);
    const char *sql[2] = { insert_sql(sd, p, batch), insert_sql(sd, p, tail ? tail : 1) };
    drv_value *vals = calloc((size_t)batch * (size_t)p->nw + 1, sizeof *vals);
    char *buf = malloc((size_t)batch * (size_t)p->rowbuf + 1);
    int rc = -1;
    if (!sql[0] || !sql[1] || !vals || !buf) {
        snprintf(sd->err, sd->errlen, "out of memory");
        goto out;
    }
    if (sd->d->prepare(sd->c, 2, sql, sd->err, sd->errlen) != 0)
        goto out;
    bool in_tx = false;
    int64_t since_commit = 0;
    for (int64_t i = 0; i < p->rows;) {
        int n = p->rows - i >= batch ? batch : (int)(p->rows - i);
        for (int j = 0; j < n; j++)
            rowplan_row(p, r, i + j, vals + (size_t)j * (size_t)p->nw, buf + (size_t)j * (size_t)p->rowbuf);
        if (!in_tx) {
            if (run_tx(sd, DRV_STMT_BEGIN) != 0)
                goto out;
            in_tx = true;
        }
        drv_call call = { .stmt = n == batch ? 0 : 1, .nparams = n * p->nw, .pv = vals };
        drv_reply reply;
        if (drv_run_sync(sd->d, sd->c, &call, &reply) != DRV_OK) {
            snprintf(sd->err, sd->errlen, "seed %s: %s", p->t->name, reply.errmsg);
            drv_call rb = { .stmt = DRV_STMT_ROLLBACK };
            drv_run_sync(sd->d, sd->c, &rb, &reply);
            goto out;
        }
        i += n;
        since_commit += n;
        sd->done += n;
        if (since_commit >= TX_ROWS || i == p->rows) {
            if (run_tx(sd, DRV_STMT_COMMIT) != 0)
                goto out;
            in_tx = false;
            since_commit = 0;
        }
        progress(sd, p->t->name, i, p->rows, false);
    }
    rc = 0;
out:
    free((char *)sql[0]);
    free((char *)sql[1]);
    free(vals);
    free(buf);
    return rc;
}

/* ---- the second pass: deferred foreign keys --------------------------------- */

static int fill_deferred(seeder *sd, int ti)
{
    const sc_table *t = &sd->s.tables[ti];
    if (!t->pk.ncols || sd->rows[ti] == 0)
        return 0;   /* no way to name a row: the column stays NULL */
    if (sd->before[ti] > 0)
        return 0;   /* rows added to a table that had some: which are ours is not known, so they keep NULL */
    rng_t r;
    rng_seed(&r, sd->cfg->seed_used ^ name_hash(t->name) ^ 0x5eedull, 0);
    for (int k = 0; k < t->nfkeys; k++) {
        if (!sd->deferred[ti][k])
            continue;
        const sc_fkey *f = &t->fkeys[k];
        int pi = seed_parent_index(&sd->s, t, f);
        keyset child = { 0 }, parent = { 0 };
        if (pi < 0 || keyset_read(&sd->db, t, t->pk.ncols, t->pk.cols, KEYS_MAX, &child, sd->err, sd->errlen) != 0 ||
            keyset_read(&sd->db, &sd->s.tables[pi], f->ncols, f->ref_cols, KEYS_MAX, &parent, sd->err, sd->errlen) != 0) {
            keyset_free(&child);
            return pi < 0 ? 0 : -1;
        }
        strbuf q = { 0 };
        sb_add(&q, "UPDATE ");
        rp_table(&q, sd->dialect, t);
        sb_add(&q, " SET ");
        for (int j = 0; j < f->ncols; j++) {
            sb_add(&q, j ? ", " : "");
            dl_quote(&q, sd->dialect, f->cols[j]);
            sb_add(&q, " = ?");
        }
        sb_add(&q, " WHERE ");
        for (int j = 0; j < t->pk.ncols; j++) {
            sb_add(&q, j ? " AND " : "");
            dl_quote(&q, sd->dialect, t->pk.cols[j]);
            sb_add(&q, " = ?");
        }
        const char *sql[1] = { q.p };
        int rc = q.oom ? -1 : sd->d->prepare(sd->c, 1, sql, sd->err, sd->errlen);
        int64_t since = 0;
        for (int64_t i = 0; rc == 0 && i < child.n && parent.n > 0; i++) {
            if (!rng_bool(&r, 0.9))
                continue;   /* a tenth stay roots: NULL parent */
            int64_t pick = (int64_t)rng_below(&r, (uint64_t)parent.n);
            drv_value vals[2 * 32];
            int nv = 0;
            for (int j = 0; j < f->ncols && nv < 32; j++)
                vals[nv++] = parent.v[pick * parent.ncols + j];
            for (int j = 0; j < t->pk.ncols && nv < 64; j++)
                vals[nv++] = child.v[i * child.ncols + j];
            if (since == 0 && run_tx(sd, DRV_STMT_BEGIN) != 0) {
                rc = -1;
                break;
            }
            drv_call call = { .stmt = 0, .nparams = nv, .pv = vals };
            drv_reply reply;
            if (drv_run_sync(sd->d, sd->c, &call, &reply) != DRV_OK) {
                snprintf(sd->err, sd->errlen, "seed %s (second pass): %s", t->name, reply.errmsg);
                drv_call rb = { .stmt = DRV_STMT_ROLLBACK };
                drv_run_sync(sd->d, sd->c, &rb, &reply);
                rc = -1;
                since = 0;
                break;
            }
            if (++since >= 5000) {
                rc = run_tx(sd, DRV_STMT_COMMIT);
                since = 0;
            }
        }
        if (rc == 0 && since > 0)
            rc = run_tx(sd, DRV_STMT_COMMIT);
        sb_free(&q);
        keyset_free(&child);
        keyset_free(&parent);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* ---- the plan, printed -------------------------------------------------------- */

static void print_plan(seeder *sd, int ti, const rowplan *p, FILE *out)
{
    const sc_table *t = p->t;
    fprintf(out, "%s%s%s: %" PRId64 " rows\n", t->schema && sd->dialect != DL_SQLITE ? t->schema : "",
            t->schema && sd->dialect != DL_SQLITE ? "." : "", t->name, p->rows);
    for (int w = 0; w < p->nw; w++) {
        const sc_column *c = &t->cols[p->wcol[w]];
        int k = p->fk[w];
        if (k >= 0) {
            const sc_fkey *f = &t->fkeys[k];
            fprintf(out, "  %-24s -> %s.%s%s%s\n", c->name, f->ref_table, f->ref_cols[p->fkpos[w]],
                    sd->deferred[ti][k] ? " (second pass)" : "", p->radix[k] ? " (every parent combination once)" : "");
            continue;
        }
        const cg_col *g = &p->gen[w];
        fprintf(out, "  %-24s %s", c->name, cg_kind_name(g->kind));
        if (g->kind == CG_INT)
            fprintf(out, " %" PRId64 "..%" PRId64, g->unique ? g->lo + (int64_t)p->offset[w] : g->lo,
                    g->unique ? g->lo + (int64_t)p->offset[w] + p->rows - 1 : g->hi);
        else if (g->kind == CG_FLOAT || g->kind == CG_DECIMAL)
            fprintf(out, " %.*f..%.*f", g->scale, g->dlo, g->scale, g->dhi);
        else if (g->kind == CG_CHOICE)
            for (int i = 0; i < g->nchoices; i++)
                fprintf(out, "%s%s", i ? "|" : " ", g->choices[i]);
        fprintf(out, "%s\n", g->unique ? " unique" : "");
    }
}

/* ---- the whole run ------------------------------------------------------------ */

void surge_seed_config_init(surge_seed_config *cfg)
{
    *cfg = (surge_seed_config){ .rows = DEFAULT_ROWS, .scale = 1 };
}

/* Which tables, how many rows each: --tables, --rows, --table name=N. */
static int choose_rows(seeder *sd)
{
    surge_seed_config *cfg = sd->cfg;
    int n = sd->s.ntables;
    if (cfg->rows < 0) {
        snprintf(sd->err, sd->errlen, "seed: --rows must be 0 or more");
        return -2;
    }
    for (int i = 0; i < n; i++)
        sd->rows[i] = cfg->tables ? 0 : cfg->rows;
    for (const char *p = cfg->tables; p && *p;) {
        size_t len = strcspn(p, ",");
        int i = schema_find(&sd->s, p, len);
        if (i < 0) {
            snprintf(sd->err, sd->errlen, "seed: --tables: no table '%.*s' in the database", (int)len, p);
            return -2;
        }
        sd->rows[i] = cfg->rows;
        p += len + (p[len] == ',');
    }
    for (const char *const *c = cfg->columns; c && *c; c++) {   /* every hand-picked generator names a column */
        int ti, ci;
        const char *gen;
        if (rp_column_spec(&sd->s, *c, &ti, &ci, &gen, sd->err, sd->errlen) != 0)
            return -2;
        cg_col probe;
        cg_plan(&probe, &sd->s.tables[ti], ci, false, sd->dialect);
        int bad = cg_override(&probe, gen, sd->err, sd->errlen);
        cg_free(&probe);
        if (bad) {
            char why[512];
            snprintf(why, sizeof why, "%s", sd->err);
            snprintf(sd->err, sd->errlen, "--column '%s': %s", *c, why);
            return -2;
        }
    }
    for (const char *const *tr = cfg->table_rows; tr && *tr; tr++) {
        const char *eq = strrchr(*tr, '=');
        char *end = NULL;
        long long v = eq ? strtoll(eq + 1, &end, 10) : -1;
        if (!eq || eq == *tr || !end || *end || v < 0 || end == eq + 1) {
            snprintf(sd->err, sd->errlen, "seed: --table '%s': expected NAME=ROWS, e.g. orders=10000", *tr);
            return -2;
        }
        int i = schema_find(&sd->s, *tr, (size_t)(eq - *tr));
        if (i < 0) {
            snprintf(sd->err, sd->errlen, "seed: --table: no table '%.*s' in the database", (int)(eq - *tr), *tr);
            return -2;
        }
        sd->rows[i] = v;
    }
    return 0;
}

static int seed_builtin(seeder *sd, const wl_def *w)
{
    wl_setup o = { .scale = sd->cfg->scale > 0 ? sd->cfg->scale : 1, .fresh = sd->cfg->fresh, .seed = sd->cfg->seed_used };
    if (sd->cfg->dry_run) {
        fprintf(sd->cfg->plan_out ? sd->cfg->plan_out : stdout,
                "would create and seed the %s workload's schema at scale %d\n", w->name, o.scale);
        return 0;
    }
    void *shared = NULL;
    if (!w->setup)
        return 0;
    int rc = w->setup(w, sd->d, sd->c, &o, &shared, sd->err, sd->errlen);
    if (w->shared_free)
        w->shared_free(shared);
    return rc == 0 ? 0 : -1;
}

static int seed_schema(seeder *sd)
{
    int n = sd->s.ntables;
    int rc = choose_rows(sd);
    if (rc)
        return rc;
    int *order = calloc((size_t)n + 1, sizeof *order);
    bool *selected = calloc((size_t)n + 1, sizeof *selected);
    sd->deferred = calloc((size_t)n + 1, sizeof *sd->deferred);
    if (!order || !selected || !sd->deferred) {
        free(order), free(selected);
        snprintf(sd->err, sd->errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        selected[i] = sd->rows[i] > 0;
        sd->before[i] = sd->s.tables[i].rows;
        sd->deferred[i] = calloc((size_t)sd->s.tables[i].nfkeys + 1, sizeof **sd->deferred);
        if (!sd->deferred[i]) {
            free(order), free(selected);
            snprintf(sd->err, sd->errlen, "out of memory");
            return -1;
        }
    }
    int count = seed_order(&sd->s, selected, order, sd->deferred, sd->err, sd->errlen);
    free(selected);
    if (count < 0) {
        free(order);
        return -2;
    }
    for (int j = 0; j < count; j++)
        sd->total += sd->rows[order[j]];
    FILE *plan_out = sd->cfg->plan_out ? sd->cfg->plan_out : stdout;
    rc = 0;
    for (int j = 0; j < count && rc == 0; j++) {
        int ti = order[j];
        rowplan p;
        rc = rowplan_init(&p, &sd->db, &sd->s, ti, sd->rows[ti], sd->before[ti], sd->deferred[ti], !sd->cfg->dry_run,
                          sd->cfg->columns, sd->err, sd->errlen);
        if (rc == 0 && sd->cfg->dry_run) {
            print_plan(sd, ti, &p, plan_out);
        } else if (rc == 0) {
            rng_t r;
            rng_seed(&r, sd->cfg->seed_used ^ name_hash(p.t->name), 0);   /* streams are jumps: one seed per table instead */
            int64_t before = sd->done;
            sd->total -= sd->rows[ti] - p.rows;   /* capped by parent combinations */
            rc = sd->d->copy_begin && p.nw > 0 ? load_copy(sd, &p, &r) : load_insert(sd, &p, &r);
            sd->done = before + (rc == 0 ? p.rows : 0);
            if (rc == 0)
                progress(sd, p.t->name, p.rows, p.rows, true);
        }
        rowplan_free(&p);
    }
    for (int j = 0; j < count && rc == 0 && !sd->cfg->dry_run; j++)
        rc = fill_deferred(sd, order[j]);
    free(order);
    return rc;
}

int surge_seed(surge_seed_config *cfg, char *err, size_t errlen)
{
    char masked[1024];
    surge_mask_url(cfg->target, masked, sizeof masked);
    seeder sd = { .cfg = cfg, .err = err, .errlen = errlen, .t0 = now_s() };
    sd.d = cfg->target ? drv_find(cfg->target) : NULL;
    if (!sd.d) {
        snprintf(err, errlen, "unknown target '%s' (expected a URL starting with %s)", masked, drv_schemes_list());
        return SURGE_EINPUT;
    }
    if (!sd.d->query) {
        snprintf(err, errlen, "seed: %s targets have no tables to fill", sd.d->name);
        return SURGE_EINPUT;
    }
    const wl_def *w = NULL;
    if (cfg->workload && !(w = wl_find(cfg->workload))) {
        snprintf(err, errlen, "seed: unknown workload '%s' (see surge workloads)", cfg->workload);
        return SURGE_EINPUT;
    }
    if (!w && drv_local_missing(sd.d, cfg->target)) {   /* opening it would create it, empty */
        snprintf(err, errlen, "seed: no database file '%s' (create its tables first, or name a built-in workload with --workload)",
                 drv_local_path(sd.d, cfg->target));
        return SURGE_EINPUT;
    }
    cfg->seed_used = cfg->has_seed ? cfg->seed : ((uint64_t)time(NULL) * 2654435761u) ^ (uint64_t)clock();
    sd.dialect = dl_kind_of(sd.d->dialect);
    sd.c = sd.d->connect(cfg->target, err, errlen);
    sd.db = (rp_db){ .d = sd.d, .c = sd.c, .dialect = sd.dialect };
    if (!sd.c)
        return sd.d->local ? SURGE_EINPUT : SURGE_ERUNTIME;
    int rc;
    if (w) {
        rc = seed_builtin(&sd, w);
    } else if ((rc = schema_read(sd.d, sd.c, &sd.s, err, errlen)) != 0) {
        rc = -1;
    } else {
        sd.rows = calloc((size_t)sd.s.ntables + 1, sizeof *sd.rows);
        sd.before = calloc((size_t)sd.s.ntables + 1, sizeof *sd.before);
        if (!sd.rows || !sd.before) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        } else if (sd.s.ntables == 0) {
            snprintf(err, errlen, "seed: %s has no tables (name a built-in workload with --workload to create one)", masked);
            rc = -2;
        } else {
            rc = seed_schema(&sd);
        }
        if (sd.deferred)
            for (int i = 0; i < sd.s.ntables; i++)
                free(sd.deferred[i]);
        free(sd.deferred);
        free(sd.rows);
        free(sd.before);
        schema_free(&sd.s);
    }
    if (sd.d->close)
        sd.d->close(sd.c);
    if (rc != 0 && strncmp(err, "seed", 4) != 0) {
        char why[1024];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen, "seed: %s", why);
    }
    cfg->rows_written = sd.done;
    cfg->seconds = now_s() - sd.t0;
    if (rc != 0 && strstr(err, cfg->target) && strcmp(masked, cfg->target))
        snprintf(err, errlen, "seed: failed (the server's message named the password, so it is not shown)");
    return rc == 0 ? 0 : rc == -2 ? SURGE_EINPUT : SURGE_ERUNTIME;
}
