/* rowplan.c - how rows for one table are made (see rowplan.h). */
#include "workloads/rowplan.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/seed.h"

void keyset_free(keyset *k)
{
    for (int64_t i = 0; i < k->n * k->ncols; i++)
        if (k->v[i].type == DRV_TEXT)
            free((char *)k->v[i].v.text.s);
    free(k->v);
    free(k->is_int);
    *k = (keyset){ 0 };
}

/* A catalog's text as a value: an integer column's whole numbers as
 * integers, the rest as text. */
static drv_value text_to_value(const char *s, bool is_int)
{
    if (!s)
        return drv_null();
    char *end;
    long long v = is_int ? strtoll(s, &end, 10) : 0;
    if (is_int && *s && !*end)
        return drv_int(v);
    char *copy = strdup(s);
    return copy ? drv_text(copy, (int)strlen(copy)) : drv_null();
}

static int on_key_row(void *user, int ncols, const char *const *vals)
{
    keyset *k = user;
    if (k->n == k->cap) {
        int64_t cap = k->cap ? k->cap * 2 : 1024;
        drv_value *v = realloc(k->v, sizeof *v * (size_t)(cap * k->ncols));
        if (!v)
            return 1;
        k->v = v;
        k->cap = cap;
    }
    for (int i = 0; i < k->ncols; i++)
        k->v[k->n * k->ncols + i] = text_to_value(i < ncols ? vals[i] : NULL, k->is_int[i]);
    k->n++;
    return 0;
}


void rp_table(strbuf *b, dl_kind k, const sc_table *t)
{
    dl_table(b, k, k == DL_SQLITE ? NULL : t->schema, t->name);
}

/* Up to `limit` tuples of cols from t, in key order. -1 with a message. */
int keyset_read(const rp_db *db, const sc_table *t, int ncols, char *const *cols, int64_t limit, keyset *out,
                char *err, size_t errlen)
{
    strbuf q = { 0 };
    sb_add(&q, "SELECT ");
    dl_select_top(&q, db->dialect, (long)limit);
    for (int i = 0; i < ncols; i++) {
        sb_add(&q, i ? ", " : "");
        dl_quote(&q, db->dialect, cols[i]);
    }
    sb_add(&q, " FROM ");
    rp_table(&q, db->dialect, t);
    sb_add(&q, " ORDER BY ");
    for (int i = 0; i < ncols; i++) {
        sb_add(&q, i ? ", " : "");
        dl_quote(&q, db->dialect, cols[i]);
    }
    dl_limit(&q, db->dialect, (long)limit);
    *out = (keyset){ .ncols = ncols };
    /* Integers go back as integers (SQLite compares by storage class), text
     * as text even when it looks like a number ('42' in a char column:
     * MySQL would compare every row's value as a number). */
    out->is_int = calloc((size_t)ncols + 1, sizeof *out->is_int);
    for (int i = 0; out->is_int && i < ncols; i++) {
        int ci = rp_col_index(t, cols[i]);
        cg_col probe;
        if (ci < 0)
            continue;
        cg_plan(&probe, t, ci, false, db->dialect);
        const sc_column *c = &t->cols[ci];
        out->is_int[i] = probe.kind == CG_INT || (c->identity && probe.kind == CG_SKIP);
        cg_free(&probe);
    }
    int rc = q.oom || !out->is_int ? -1 : db->d->query(db->c, q.p, 0, NULL, on_key_row, out, err, errlen);
    sb_free(&q);
    if (rc != 0)
        keyset_free(out);
    return rc;
}

static int on_one_text(void *user, int ncols, const char *const *v)
{
    char **out = user;
    if (ncols >= 1 && v[0])
        *out = strdup(v[0]);
    return 1;
}

/* MAX(col) of a table as text (NULL when empty or unreadable). */
static char *max_of(const rp_db *db, const sc_table *t, const char *col)
{
    strbuf q = { 0 };
    sb_add(&q, "SELECT MAX(");
    dl_quote(&q, db->dialect, col);
    sb_add(&q, ") FROM ");
    rp_table(&q, db->dialect, t);
    char *v = NULL;
    char why[DRV_ERRMSG];
    if (!q.oom)
        db->d->query(db->c, q.p, 0, NULL, on_one_text, &v, why, sizeof why);
    sb_free(&q);
    return v;
}


void rowplan_free(rowplan *p)
{
    for (int i = 0; i < p->nw; i++)
        cg_free(&p->gen[i]);
    for (int k = 0; p->parents && k < p->t->nfkeys; k++)
        keyset_free(&p->parents[k]);
    free(p->wcol), free(p->gen), free(p->fk), free(p->fkpos), free(p->offset), free(p->parents), free(p->radix), free(p->deferred);
    *p = (rowplan){ 0 };
}

int rp_col_index(const sc_table *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (!strcmp(t->cols[i].name, name))
            return i;
    return -1;
}

/* Which foreign key (and position in it) column ci belongs to; -1 none. */
int rp_fkey_of(const sc_table *t, int ci, int *pos)
{
    for (int k = 0; k < t->nfkeys; k++)
        for (int j = 0; j < t->fkeys[k].ncols; j++)
            if (!strcmp(t->fkeys[k].cols[j], t->cols[ci].name)) {
                *pos = j;
                return k;
            }
    return -1;
}

static bool kind_can_be_unique(cg_kind k)
{
    return k == CG_INT || k == CG_FLOAT || k == CG_DECIMAL || k == CG_CODE || k == CG_EMAIL || k == CG_UUID ||
           k == CG_TIMESTAMP || k == CG_DATE;
}

/* Keep one key (primary or unique) unique: a column outside foreign keys
 * made unique, or, when every column is a foreign-key column, parents
 * enumerated (which caps the rows). unique_col[] marks chosen columns. */
static void plan_key(const sc_table *t, const sc_key *key, bool *unique_col, int64_t *radix_mark)
{
    for (int j = 0; j < key->ncols; j++) {
        int ci = rp_col_index(t, key->cols[j]);
        if (ci >= 0 && (unique_col[ci] || t->cols[ci].identity))
            return;                                  /* already unique */
    }
    /* The column with room for the most distinct values: an int over a
     * char(2), which has only 36 * 36 codes. */
    int best = -1;
    double best_room = 0;
    for (int j = 0; j < key->ncols; j++) {
        int ci = rp_col_index(t, key->cols[j]), pos;
        if (ci < 0 || rp_fkey_of(t, ci, &pos) >= 0 || t->cols[ci].generated)
            continue;
        cg_col probe;
        cg_plan(&probe, t, ci, true, DL_OTHER);
        double room = probe.kind == CG_INT ? (double)probe.hi - (double)probe.lo
                    : probe.kind == CG_CODE ? pow(36, probe.maxlen < 13 ? probe.maxlen : 13)
                    : kind_can_be_unique(probe.kind) ? 1e15 : 0;
        cg_free(&probe);
        if (room > best_room) {
            best = ci;
            best_room = room;
        }
    }
    if (best >= 0) {
        unique_col[best] = true;
        return;
    }
    for (int j = 0; j < key->ncols; j++) {
        int ci = rp_col_index(t, key->cols[j]), pos;
        int k = ci >= 0 ? rp_fkey_of(t, ci, &pos) : -1;
        if (k >= 0)
            radix_mark[k] = 1;                       /* enumerate this foreign key's parents */
    }
}

int rowplan_init(rowplan *p, const rp_db *db, const sc_schema *s, int ti, int64_t rows, int64_t before,
                 const bool *deferred, bool need_parents, const char *const *columns, char *err, size_t errlen)
{
    const sc_table *t = &s->tables[ti];
    *p = (rowplan){ .t = t, .rows = rows, .start = before };
    int n = t->ncols, nk = t->nfkeys;
    p->wcol = calloc((size_t)n + 1, sizeof *p->wcol);
    p->gen = calloc((size_t)n + 1, sizeof *p->gen);
    p->fk = calloc((size_t)n + 1, sizeof *p->fk);
    p->fkpos = calloc((size_t)n + 1, sizeof *p->fkpos);
    p->offset = calloc((size_t)n + 1, sizeof *p->offset);
    p->parents = calloc((size_t)nk + 1, sizeof *p->parents);
    p->radix = calloc((size_t)nk + 1, sizeof *p->radix);
    p->deferred = calloc((size_t)nk + 1, sizeof *p->deferred);
    bool *unique_col = calloc((size_t)n + 1, sizeof *unique_col);
    if (!p->wcol || !p->gen || !p->fk || !p->fkpos || !p->offset || !p->parents || !p->radix || !p->deferred || !unique_col) {
        free(unique_col);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int k = 0; k < nk; k++)
        p->deferred[k] = deferred && deferred[k];
    if (t->pk.ncols)
        plan_key(t, &t->pk, unique_col, p->radix);
    for (int u = 0; u < t->nunique; u++)
        plan_key(t, &t->unique[u], unique_col, p->radix);

    for (int ci = 0; ci < n; ci++) {
        int pos = 0, k = rp_fkey_of(t, ci, &pos);
        cg_col g;
        cg_plan(&g, t, ci, unique_col[ci], db->dialect);
        for (const char *const *spec = columns; spec && *spec; spec++) {
            int sti, sci;
            const char *gen;
            if (rp_column_spec(s, *spec, &sti, &sci, &gen, err, errlen) == 0 && sti == ti && sci == ci &&
                cg_override(&g, gen, err, errlen) != 0) {
                cg_free(&g);
                free(unique_col);
                return -2;
            }
        }
        if (g.kind == CG_SKIP && k < 0) {
            cg_free(&g);
            continue;
        }
        if (k >= 0 && p->deferred[k] && !t->cols[ci].nullable) {
            cg_free(&g);
            free(unique_col);
            snprintf(err, errlen, "%s.%s references its own table but is NOT NULL: no first row can be written",
                     t->name, t->cols[ci].name);
            return -2;
        }
        if (g.kind == CG_NULL && !t->cols[ci].nullable && k < 0) {
            cg_free(&g);
            free(unique_col);
            snprintf(err, errlen, "%s.%s has type %s, which surge cannot generate, and is NOT NULL without a default",
                     t->name, t->cols[ci].name, t->cols[ci].type ? t->cols[ci].type : "?");
            return -2;
        }
        int w = p->nw++;
        p->wcol[w] = ci;
        p->gen[w] = g;
        p->fk[w] = k;
        p->fkpos[w] = pos;
        p->rowbuf += g.buflen;
        /* Unique numbers continue after the table's current largest. */
        if (g.unique && before > 0) {
            char *max = max_of(db, t, t->cols[ci].name);
            int64_t next = before;
            if (max && g.kind == CG_INT) {
                next = strtoll(max, NULL, 10) - g.lo + 1;
            } else if (max && (g.kind == CG_FLOAT || g.kind == CG_DECIMAL)) {
                next = (int64_t)(strtod(max, NULL) - g.dlo) + 1;
            } else if (max && g.kind == CG_EMAIL) {
                /* Emails sort by name, not by number: the largest says
                 * nothing. Start in a block of 2^32 numbers of its own,
                 * picked from what the table holds (same contents, same
                 * block), far from blocks earlier runs used. */
                uint64_t h = 1469598103934665603ull ^ (uint64_t)before;
                for (const char *c = max; *c; c++)
                    h = (h ^ (unsigned char)*c) * 1099511628211ull;
                next = (int64_t)(((h >> 20) & 0x3FFFFFFFull) + 1) << 32;
            } else if (max) {
                int64_t v = cg_unique_number(&g, max);   /* codes are fixed width: the largest sorts last */
                if (v + 1 > next)
                    next = v + 1;
            }
            p->offset[w] = next > 0 ? (uint64_t)next : 0;
            free(max);
        }
    }
    free(unique_col);

    /* Parents: read once each foreign key's targets have rows. */
    int64_t combos = 1;
    for (int k = 0; k < nk; k++) {
        const sc_fkey *f = &t->fkeys[k];
        if (p->deferred[k])
            continue;
        int pi = seed_parent_index(s, t, f);
        if (pi < 0) {
            snprintf(err, errlen, "%s references %s, which was not found", t->name, f->ref_table);
            return -2;
        }
        if (keyset_read(db, &s->tables[pi], f->ncols, f->ref_cols, KEYS_MAX, &p->parents[k], err, errlen) != 0)
            return -1;
        if (p->parents[k].n == 0) {
            bool nullable = true;
            for (int j = 0; j < f->ncols; j++) {
                const sc_column *c = schema_column(t, f->cols[j]);
                nullable = nullable && c && c->nullable;
            }
            if (!nullable && need_parents) {
                snprintf(err, errlen, "%s needs rows in %s (foreign key %s), which is empty; seed it too",
                         t->name, f->ref_table, f->name ? f->name : "");
                return -2;
            }
        }
        if (p->radix[k]) {
            p->radix[k] = combos;
            combos = p->parents[k].n > 0 && combos <= INT64_MAX / p->parents[k].n ? combos * p->parents[k].n : combos;
            if (p->rows > combos)
                p->rows = combos;   /* every combination of parents used once */
        }
    }
    return 0;
}

/* Row i's values into vals (p->nw of them), text into buf (p->rowbuf bytes). */
void rowplan_row(const rowplan *p, rng_t *r, int64_t i, drv_value *vals, char *buf)
{
    int64_t pick[64];
    int nk = p->t->nfkeys < 64 ? p->t->nfkeys : 64;
    for (int k = 0; k < nk; k++) {
        const keyset *ks = &p->parents[k];
        if (p->deferred[k] || ks->n == 0)
            pick[k] = -1;
        else if (p->radix[k])
            pick[k] = ((p->start + i) / p->radix[k]) % ks->n;
        else
            pick[k] = (int64_t)rng_below(r, (uint64_t)ks->n);
    }
    for (int w = 0; w < p->nw; w++) {
        int k = p->fk[w];
        if (k >= 0 && k < nk) {
            vals[w] = pick[k] < 0 ? drv_null() : p->parents[k].v[pick[k] * p->parents[k].ncols + p->fkpos[w]];
        } else {
            vals[w] = cg_value(&p->gen[w], r, p->offset[w] + (uint64_t)i, buf);
        }
        buf += p->gen[w].buflen;
    }
}


void rowplan_columns(strbuf *b, const rowplan *p, dl_kind k)
{
    for (int w = 0; w < p->nw; w++) {
        sb_add(b, w ? ", " : "");
        dl_quote(b, k, p->t->cols[p->wcol[w]].name);
    }
}


int rp_column_spec(const sc_schema *s, const char *spec, int *table, int *column, const char **gen, char *err,
                   size_t errlen)
{
    const char *eq = strchr(spec, '=');
    const char *dot = NULL;
    for (const char *p = spec; eq && p < eq; p++)
        if (*p == '.')
            dot = p;   /* the last dot before '=': table names may hold dots (schema.table) */
    if (!eq || !dot || dot == spec || dot + 1 == eq) {
        snprintf(err, errlen, "--column '%s': expected TABLE.COLUMN=GENERATOR, e.g. users.age=int:18..90", spec);
        return -1;
    }
    int ti = schema_find(s, spec, (size_t)(dot - spec));
    if (ti < 0) {
        snprintf(err, errlen, "--column '%s': no table '%.*s' in the database", spec, (int)(dot - spec), spec);
        return -1;
    }
    const sc_table *t = &s->tables[ti];
    for (int ci = 0; ci < t->ncols; ci++)
        if (strlen(t->cols[ci].name) == (size_t)(eq - dot - 1) && !strncmp(t->cols[ci].name, dot + 1, (size_t)(eq - dot - 1))) {
            *table = ti;
            *column = ci;
            *gen = eq + 1;
            return 0;
        }
    snprintf(err, errlen, "--column '%s': table %s has no column '%.*s'", spec, t->name, (int)(eq - dot - 1), dot + 1);
    return -1;
}
