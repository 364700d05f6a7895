/* workload.h - what an operation is: built-in workloads behind one table.
 *
 * A workload names its operation types with default weights, gives the SQL
 * statements for a dialect (prepared once per connection), creates and seeds
 * its schema, and turns each operation into a short sequence of statement
 * calls: begin() fills the first call, next() sees each reply and fills the
 * next call or says the operation is complete. The engine runs the calls on
 * whatever driver is in use, so the same code drives a blocking SQLite
 * connection or an asynchronous server connection.
 *
 * Transactions are calls too: DRV_STMT_BEGIN first, DRV_STMT_COMMIT last.
 * If a call fails inside a transaction the engine rolls it back and counts
 * the operation as failed; next() is not called again for it.
 */
#ifndef SURGE_WORKLOAD_H
#define SURGE_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "core/rng.h"
#include "drivers/driver.h"

#define WL_MAX_OPS 32

typedef struct wl_opdef {
    const char *name;
    double weight;          /* default share, any positive scale */
    const char *summary;    /* one line for `surge workloads` */
} wl_opdef;

/* What an operation may use while it runs; one per connection. */
typedef struct wl_env {
    rng_t *rng;             /* the worker's stream: same seed, same choices */
    int worker;             /* worker index, for values unique across workers */
    int conn, nconns;       /* this connection's index among all the run's connections, and their number */
    uint64_t run_id;        /* differs per run, for values unique across runs */
    uint64_t seq;           /* bumped by the workload, for unique values */
    void *shared;           /* the workload's state shared by all workers */
    double now_wall;        /* wall-clock seconds since the epoch when the op began */
} wl_env;

typedef struct wl_setup {
    int scale;              /* seed size factor, >= 1 */
    const char *message;    /* queue workloads: the message template, a built-in name or a file */
    int fresh;              /* drop the workload's tables first */
    uint64_t seed;
    const char *tables;     /* "a,b": the tables a schema-driven workload may touch; NULL all */
    const char *target;     /* the run's URL, for work the set-up does on connections of its own (seeding) */
    double hold_s;          /* stress workload: how long a blocking transaction holds its locks */
} wl_setup;

typedef struct wl_def {
    const char *name;
    const char *summary;
    int nops;
    const wl_opdef *ops;
    bool per_channel;       /* one operation per channel (queue) of the target, each like ops[0],
                               named after its channel; op i sends to channel i */
    bool table_report;      /* report per-table server statistics at the end even when not asked
                               (the stress workload: where did the load go?) */

    /* Statement texts for a dialect ("sqlite", "none" ...), in the order the
     * op code refers to them; NULL when the dialect is not supported.
     * `shared` is what setup built (NULL before it, e.g. for `surge
     * workloads`): a workload whose statements come from the schema it
     * found (crud) returns none until then. */
    const char *const *(*statements)(const struct wl_def *w, const char *dialect, const void *shared, int *nstmts);

    /* Once, before the workers start, on one connection: create the schema
     * and seed it when empty (or when fresh), and build the shared state
     * (*shared, freed with shared_free). -1 with a message on failure;
     * -2 when the user asked for something the target lacks (bad input). */
    int (*setup)(const struct wl_def *w, const drv_ops *d, drv_conn *c, const wl_setup *o, void **shared,
                 char *err, size_t errlen);
    void (*shared_free)(void *shared);

    size_t state_size;      /* bytes of per-connection operation state (zeroed) */
    void (*state_free)(void *state);   /* what the state holds, when it goes; may be NULL */

    /* Fill the first call of operation `op` (an index into ops). */
    void (*begin)(void *state, int op, wl_env *env, drv_call *call);
    /* The last call succeeded with `reply`: fill the next call and return 1,
     * or return 0 when the operation is complete. */
    int (*next)(void *state, wl_env *env, const drv_reply *reply, drv_call *call);
    /* The operation ended (ok = 1 committed, 0 failed and rolled back). */
    void (*end)(void *state, wl_env *env, int ok);

    const void *ctx;        /* the workload's own definition, for workloads built at run time
                               (a workload file): statements() and setup() get the wl_def */
} wl_def;

const wl_def *wl_find(const char *name);
const wl_def *const *wl_all(void);    /* NULL-terminated */

/* Operation picker: cumulative weights, drawn with one random number. */
typedef struct wl_picker {
    int n;
    double cum[WL_MAX_OPS];   /* cum[n-1] == 1 */
} wl_picker;

/* Build from weights (some may be 0, not all). -1 if all are 0. */
int wl_picker_init(wl_picker *p, int n, const double *weights);
static inline int wl_pick(const wl_picker *p, rng_t *r)
{
    if (p->n == 1)
        return 0;
    double u = rng_double(r);
    int i = 0;
    while (i < p->n - 1 && u >= p->cum[i])
        i++;
    return i;
}

/* Parse "name=weight,name=weight" into weights (ops not named keep theirs).
 * -1 with a message naming the bad part. */
int wl_parse_mix(const char *wlname, int nops, const wl_opdef *ops, const char *mix, double *weights,
                 char *err, size_t errlen);

#endif
