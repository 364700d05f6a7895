/* seed_order.c - in which order tables can be filled: parents before the
 * children that reference them.
 *
 * A foreign key is an edge child -> parent. Kahn's algorithm takes tables
 * whose parents are all filled (or not being filled at all: their existing
 * rows are the parents). When it is stuck, the rest holds a cycle; an edge
 * of it whose columns are all nullable is deferred (written NULL, filled by
 * a second pass once every table has rows) and the sort goes on. A
 * self-reference is always deferred: the first rows have no parent yet.
 * A cycle through NOT NULL columns cannot be seeded by INSERTs at all.
 */
#include "workloads/seed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool fkey_nullable(const sc_table *t, const sc_fkey *f)
{
    for (int i = 0; i < f->ncols; i++) {
        const sc_column *c = schema_column(t, f->cols[i]);
        if (!c || !c->nullable)
            return false;
    }
    return true;
}

/* The index of the table a foreign key points at, or -1 (another schema
 * surge did not read, a table that is gone). */
int seed_parent_index(const sc_schema *s, const sc_table *t, const sc_fkey *f)
{
    const sc_table *p = schema_table(s, f->ref_schema ? f->ref_schema : t->schema, f->ref_table);
    return p ? (int)(p - s->tables) : -1;
}

int seed_order(const sc_schema *s, const bool *selected, int *order, bool **deferred, char *err, size_t errlen)
{
    int n = s->ntables, done = 0;
    bool *placed = calloc((size_t)(n ? n : 1), sizeof *placed);
    if (!placed) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int i = 0; i < n; i++) {
        const sc_table *t = &s->tables[i];
        for (int k = 0; k < t->nfkeys; k++)
            deferred[i][k] = seed_parent_index(s, t, &t->fkeys[k]) == i;   /* self-reference */
    }
    int want = 0;
    for (int i = 0; i < n; i++)
        want += selected[i];
    while (done < want) {
        bool progress = false;
        for (int i = 0; i < n; i++) {
            if (!selected[i] || placed[i])
                continue;
            const sc_table *t = &s->tables[i];
            bool ready = true;
            for (int k = 0; k < t->nfkeys && ready; k++) {
                int p = seed_parent_index(s, t, &t->fkeys[k]);
                if (p >= 0 && p != i && selected[p] && !placed[p] && !deferred[i][k])
                    ready = false;
            }
            if (ready) {
                placed[i] = true;
                order[done++] = i;
                progress = true;
            }
        }
        if (progress)
            continue;
        /* Stuck: defer one nullable edge between tables still waiting. */
        bool broke = false;
        for (int i = 0; i < n && !broke; i++) {
            if (!selected[i] || placed[i])
                continue;
            const sc_table *t = &s->tables[i];
            for (int k = 0; k < t->nfkeys && !broke; k++) {
                int p = seed_parent_index(s, t, &t->fkeys[k]);
                if (p >= 0 && selected[p] && !placed[p] && !deferred[i][k] && fkey_nullable(t, &t->fkeys[k]))
                    deferred[i][k] = broke = true;
            }
        }
        if (!broke) {
            char names[512] = "";
            size_t o = 0;
            for (int i = 0; i < n && o < sizeof names - 64; i++)
                if (selected[i] && !placed[i])
                    o += (size_t)snprintf(names + o, sizeof names - o, "%s%s", o ? ", " : "", s->tables[i].name);
            snprintf(err, errlen,
                     "seed: the foreign keys of %s form a cycle through NOT NULL columns; "
                     "make one nullable or seed those tables yourself", names);
            free(placed);
            return -1;
        }
    }
    free(placed);
    return done;
}
