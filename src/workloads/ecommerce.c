/* ecommerce.c - customers, orders with a status workflow, order items.
 *
 * Modelled on a change-capture test generator: every operation is a small,
 * realistic business event whose effect a downstream consumer can check.
 *
 *   new_customer_order          40  a new customer with an order of 1-5 items, one transaction
 *   advance_order_status        30  pending -> paid -> shipped -> delivered
 *   new_order_existing_customer 15  an order of 1-5 items for a customer that exists
 *   update_customer_email       10  a customer changes their email (unique)
 *   delete_pending_item          5  an item leaves a pending order; the order total follows
 *
 * Random keys are drawn from [1, max id] and resolved with "the first row
 * at or after this id", so a key always lands on a row that exists even
 * where ids have gaps. Emails carry the run id, the worker and a sequence
 * number, so they are unique across workers and runs without a lookup.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "workloads/datagen.h"
#include "workloads/ecommerce.h"
#include "workloads/workload.h"

enum op { NEW_CUSTOMER_ORDER, ADVANCE_STATUS, NEW_ORDER_EXISTING, UPDATE_EMAIL, DELETE_PENDING_ITEM };

static const wl_opdef ec_ops[] = {
    [NEW_CUSTOMER_ORDER]  = { "new_customer_order", 40, "insert a customer, an order and 1-5 items in one transaction" },
    [ADVANCE_STATUS]      = { "advance_order_status", 30, "move an order one step along pending -> paid -> shipped -> delivered" },
    [NEW_ORDER_EXISTING]  = { "new_order_existing_customer", 15, "insert an order with 1-5 items for an existing customer" },
    [UPDATE_EMAIL]        = { "update_customer_email", 10, "change a customer's email" },
    [DELETE_PENDING_ITEM] = { "delete_pending_item", 5, "delete an item of a pending order and lower the order's total" },
};

static const char *const statuses[] = { "pending", "paid", "shipped", "delivered" };

#define MAX_ITEMS 5
#define SEED_CUSTOMERS 2000

/* Shared by every worker: the id ranges random keys are drawn from. */
typedef struct ec_shared {
    _Atomic int64_t max_customer, max_order;
} ec_shared;

/* One operation in progress on a connection. Text parameters point into it,
 * so it lives as long as the operation. */
typedef struct ec_state {
    int op, step, attempt;
    int nitems, item;
    int from_status;            /* advance_order_status: index into statuses */
    int64_t customer_id, order_id, item_id, amount, min_id;
    int64_t total_cents;
    int32_t qty[MAX_ITEMS], price[MAX_ITEMS];
    char sku[MAX_ITEMS][16];
    char name[64], email[160], ts[32];
} ec_state;

static const char *const *ec_statements(const wl_def *w, const char *dialect, const void *shared, int *n)
{
    (void)w;
    (void)shared;
    const ec_sql *sql = ec_sql_for(dialect);
    *n = S_COUNT;
    return sql ? sql->stmts : NULL;
}

static void bump_max(_Atomic int64_t *max, int64_t id)
{
    int64_t cur = atomic_load_explicit(max, memory_order_relaxed);
    while (id > cur && !atomic_compare_exchange_weak(max, &cur, id))
        ;
}

/* Always one draw, whatever the current max: how many numbers a worker takes
 * must not depend on how far the other workers have got, or the same seed
 * would not give the same choices. */
static int64_t random_id(rng_t *r, _Atomic int64_t *max)
{
    double u = rng_double(r);
    int64_t m = atomic_load_explicit(max, memory_order_relaxed);
    return m > 0 ? 1 + (int64_t)(u * (double)m) : 0;
}

static void pick_items(ec_state *s, rng_t *r)
{
    s->nitems = (int)rng_range(r, 1, MAX_ITEMS);
    s->item = 0;
    s->total_cents = 0;
    for (int i = 0; i < s->nitems; i++) {
        dg_sku(r, s->sku[i], sizeof s->sku[i]);
        s->qty[i] = (int32_t)rng_range(r, 1, 4);
        s->price[i] = (int32_t)rng_range(r, 199, 49999);
        s->total_cents += (int64_t)s->qty[i] * s->price[i];
    }
}

static drv_value text(const char *s)
{
    return drv_text(s, (int)strlen(s));
}

static void call0(drv_call *c, int stmt)
{
    c->stmt = stmt;
    c->nparams = 0;
}

static void item_call(ec_state *s, drv_call *c)
{
    int i = s->item++;
    c->stmt = S_INS_ITEM;
    c->nparams = 4;
    c->params[0] = drv_int(s->order_id);
    c->params[1] = text(s->sku[i]);
    c->params[2] = drv_int(s->qty[i]);
    c->params[3] = drv_int(s->price[i]);
}

static void pick_order_call(ec_state *s, drv_call *c)
{
    c->stmt = S_PICK_ORDER;
    c->nparams = 2;
    c->params[0] = text(statuses[s->from_status]);
    c->params[1] = drv_int(s->min_id);
}

static void order_for_call(ec_state *s, drv_call *c)
{
    c->stmt = S_INS_ORDER_FOR;
    c->nparams = 4;
    c->params[0] = drv_int(s->total_cents);
    c->params[1] = text(s->ts);
    c->params[2] = text(s->ts);
    c->params[3] = drv_int(s->min_id);
}

static void ec_begin(void *state, int op, wl_env *env, drv_call *c)
{
    ec_state *s = state;
    ec_shared *sh = env->shared;
    rng_t *r = env->rng;
    s->op = op;
    s->step = 0;
    s->attempt = 0;
    dg_sql_timestamp(env->now_wall, s->ts, sizeof s->ts);
    switch (op) {
    case NEW_CUSTOMER_ORDER:
        dg_name(r, s->name, sizeof s->name);
        dg_email(r, env->run_id, (uint64_t)env->worker, env->seq++, s->email, sizeof s->email);
        pick_items(s, r);
        call0(c, DRV_STMT_BEGIN);
        break;
    case ADVANCE_STATUS:
        s->from_status = (int)rng_below(r, 3);
        s->min_id = random_id(r, &sh->max_order);
        call0(c, DRV_STMT_BEGIN);
        break;
    case NEW_ORDER_EXISTING:
        s->min_id = random_id(r, &sh->max_customer);
        pick_items(s, r);
        call0(c, DRV_STMT_BEGIN);
        break;
    case UPDATE_EMAIL:
        s->customer_id = random_id(r, &sh->max_customer);
        dg_email(r, env->run_id, (uint64_t)env->worker, env->seq++, s->email, sizeof s->email);
        c->stmt = S_UPD_EMAIL;
        c->nparams = 3;
        c->params[0] = text(s->email);
        c->params[1] = text(s->ts);
        c->params[2] = drv_int(s->customer_id);
        break;
    default: /* DELETE_PENDING_ITEM */
        s->from_status = 0;   /* pending */
        s->min_id = random_id(r, &sh->max_order);
        call0(c, DRV_STMT_BEGIN);
        break;
    }
}

/* The order's items one by one, then COMMIT, then done. */
static int items_then_commit(ec_state *s, drv_call *c)
{
    if (s->item < s->nitems) {
        item_call(s, c);
        return 1;
    }
    if (s->item == s->nitems) {
        s->item++;
        call0(c, DRV_STMT_COMMIT);
        return 1;
    }
    return 0;
}

static int next_new_customer_order(ec_state *s, const drv_reply *rep, drv_call *c)
{
    switch (s->step++) {
    case 0: /* BEGIN done */
        c->stmt = S_INS_CUSTOMER;
        c->nparams = 4;
        c->params[0] = text(s->name);
        c->params[1] = text(s->email);
        c->params[2] = text(s->ts);
        c->params[3] = text(s->ts);
        return 1;
    case 1:
        s->customer_id = rep->last_id;
        c->stmt = S_INS_ORDER;
        c->nparams = 5;
        c->params[0] = drv_int(s->customer_id);
        c->params[1] = text("pending");
        c->params[2] = drv_int(s->total_cents);
        c->params[3] = text(s->ts);
        c->params[4] = text(s->ts);
        return 1;
    case 2:
        s->order_id = rep->last_id;
        item_call(s, c);
        return 1;
    default:
        return items_then_commit(s, c);
    }
}

static int next_new_order_existing(ec_state *s, const drv_reply *rep, drv_call *c)
{
    switch (s->step++) {
    case 0: /* BEGIN done */
        order_for_call(s, c);
        return 1;
    case 1:
        if (rep->rows == 0 && s->min_id > 1) {
            /* past the last customer (ids with gaps): take the first one */
            s->min_id = 0;
            s->step = 1;
            order_for_call(s, c);
            return 1;
        }
        if (rep->rows == 0) {   /* no customers at all: nothing to do */
            s->item = s->nitems + 1;
            call0(c, DRV_STMT_COMMIT);
            return 1;
        }
        s->order_id = rep->last_id;
        item_call(s, c);
        return 1;
    default:
        return items_then_commit(s, c);
    }
}

/* Claim an order in the chosen status at or after a random id; if there is
 * none, from the start, then in the other statuses: an order that can move
 * on is found whenever one exists. Then move it one step and commit. */
static int next_advance(ec_state *s, const drv_reply *rep, drv_call *c)
{
    switch (s->step++) {
    case 0: /* BEGIN done */
        pick_order_call(s, c);
        return 1;
    case 1:
        if (rep->rows == 0 && ++s->attempt < 6) {
            if (s->min_id > 0)
                s->min_id = 0;
            else
                s->from_status = (s->from_status + 1) % 3;
            s->step = 1;
            pick_order_call(s, c);
            return 1;
        }
        if (rep->rows == 0) {   /* every order is delivered */
            s->step = 3;
            call0(c, DRV_STMT_COMMIT);
            return 1;
        }
        s->order_id = rep->col[0];
        c->stmt = S_SET_STATUS;
        c->nparams = 4;
        c->params[0] = text(statuses[s->from_status + 1]);
        c->params[1] = text(s->ts);
        c->params[2] = drv_int(s->order_id);
        c->params[3] = text(statuses[s->from_status]);
        return 1;
    case 2:
        call0(c, DRV_STMT_COMMIT);
        return 1;
    default:
        return 0;
    }
}

/* Claim a pending order (its row lock keeps its status and items still),
 * then its first item: two index lookups, whatever the tables' size. */
static int next_delete_item(ec_state *s, const drv_reply *rep, drv_call *c)
{
    switch (s->step++) {
    case 0: /* BEGIN done */
        pick_order_call(s, c);
        return 1;
    case 1:
        if (rep->rows == 0 && s->min_id > 0) {
            s->min_id = 0;
            s->step = 1;
            pick_order_call(s, c);
            return 1;
        }
        if (rep->rows == 0)   /* no pending order */
            break;
        s->order_id = rep->col[0];
        c->stmt = S_PICK_ITEM;
        c->nparams = 1;
        c->params[0] = drv_int(s->order_id);
        return 1;
    case 2:
        if (rep->rows == 0 || rep->ncols < 2)   /* the order has no items left */
            break;
        s->item_id = rep->col[0];
        s->amount = rep->col[1];
        c->stmt = S_DEL_ITEM;
        c->nparams = 1;
        c->params[0] = drv_int(s->item_id);
        return 1;
    case 3:
        if (rep->rows == 0)
            break;
        c->stmt = S_SUB_TOTAL;
        c->nparams = 3;
        c->params[0] = drv_int(s->amount);
        c->params[1] = text(s->ts);
        c->params[2] = drv_int(s->order_id);
        return 1;
    case 4:
        break;
    default:
        return 0;
    }
    s->step = 5;   /* done or nothing to do: commit, then end */
    call0(c, DRV_STMT_COMMIT);
    return 1;
}

static int ec_next(void *state, wl_env *env, const drv_reply *rep, drv_call *c)
{
    ec_state *s = state;
    (void)env;
    switch (s->op) {
    case NEW_CUSTOMER_ORDER:  return next_new_customer_order(s, rep, c);
    case ADVANCE_STATUS:      return next_advance(s, rep, c);
    case NEW_ORDER_EXISTING:  return next_new_order_existing(s, rep, c);
    case UPDATE_EMAIL:        return 0;
    default:                  return next_delete_item(s, rep, c);
    }
}

static void ec_end(void *state, wl_env *env, int ok)
{
    ec_state *s = state;
    ec_shared *sh = env->shared;
    if (!ok || !sh)
        return;
    if (s->op == NEW_CUSTOMER_ORDER) {
        bump_max(&sh->max_customer, s->customer_id);
        bump_max(&sh->max_order, s->order_id);
    } else if (s->op == NEW_ORDER_EXISTING) {
        bump_max(&sh->max_order, s->order_id);
    }
}

/* ---- set-up: schema and seed data ----------------------------------------- */

static int run(const drv_ops *d, drv_conn *c, drv_call *call, drv_reply *rep, char *err, size_t errlen)
{
    if (drv_run_sync(d, c, call, rep) != DRV_OK) {
        snprintf(err, errlen, "ecommerce: seeding failed: %s", rep->errmsg);
        return -1;
    }
    return 0;
}

/* Customers, each with 0-3 orders of 1-5 items, spread over the last 90
 * days with statuses as an order's age would give them. One transaction:
 * SQLite writes it as fast as it can go. Deterministic for a given seed. */
static int seed_rows(const drv_ops *d, drv_conn *c, const wl_setup *o, double now, char *err, size_t errlen)
{
    rng_t r;
    rng_seed(&r, o->seed ^ 0x5eed5eed5eed5eedull, 0);   /* apart from the workers' streams */
    drv_call call = { 0 };
    drv_reply rep;
    ec_state s;
    call0(&call, DRV_STMT_BEGIN);
    if (run(d, c, &call, &rep, err, errlen))
        return -1;
    int ncust = SEED_CUSTOMERS * o->scale;
    for (int i = 0; i < ncust; i++) {
        double created = now - 90 * 86400.0 * (1 - (double)i / ncust);
        dg_sql_timestamp(created, s.ts, sizeof s.ts);
        dg_name(&r, s.name, sizeof s.name);
        dg_email(&r, 0, 0, (uint64_t)i, s.email, sizeof s.email);
        call.stmt = S_INS_CUSTOMER;
        call.nparams = 4;
        call.params[0] = text(s.name);
        call.params[1] = text(s.email);
        call.params[2] = text(s.ts);
        call.params[3] = text(s.ts);
        if (run(d, c, &call, &rep, err, errlen))
            return -1;
        s.customer_id = rep.last_id;
        int norders = (int)rng_below(&r, 4);
        for (int k = 0; k < norders; k++) {
            pick_items(&s, &r);
            /* older orders are further along */
            int status = (int)rng_below(&r, 4);
            call.stmt = S_INS_ORDER;
            call.nparams = 5;
            call.params[0] = drv_int(s.customer_id);
            call.params[1] = text(statuses[status]);
            call.params[2] = drv_int(s.total_cents);
            call.params[3] = text(s.ts);
            call.params[4] = text(s.ts);
            if (run(d, c, &call, &rep, err, errlen))
                return -1;
            s.order_id = rep.last_id;
            while (s.item < s.nitems) {
                item_call(&s, &call);
                if (run(d, c, &call, &rep, err, errlen))
                    return -1;
            }
        }
    }
    call0(&call, DRV_STMT_COMMIT);
    return run(d, c, &call, &rep, err, errlen);
}

static int ec_setup(const wl_def *w, const drv_ops *d, drv_conn *c, const wl_setup *o, void **shared, char *err, size_t errlen)
{
    (void)w;
    char msg[256];
    const ec_sql *sql = ec_sql_for(d->dialect);
    if (!sql) {
        snprintf(err, errlen, "ecommerce: no SQL for %s", d->dialect);
        return -1;
    }
    if (o->fresh && d->exec(c, sql->drop, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "ecommerce: cannot drop the old tables: %s", msg);
        return -1;
    }
    if (d->exec(c, sql->schema, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "ecommerce: cannot create the schema: %s", msg);
        return -1;
    }
    if (d->prepare(c, S_COUNT, sql->stmts, msg, sizeof msg) != 0) {
        snprintf(err, errlen, "ecommerce: %s (is this database's 'customers' table from another program?)", msg);
        return -1;
    }
    drv_call call = { 0 };
    drv_reply rep;
    call0(&call, S_COUNT_CUSTOMERS);
    if (run(d, c, &call, &rep, err, errlen))
        return -1;
    if (rep.ncols >= 1 && rep.col[0] == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        if (seed_rows(d, c, o, (double)ts.tv_sec, err, errlen))
            return -1;
        call0(&call, S_COUNT_CUSTOMERS);
        if (run(d, c, &call, &rep, err, errlen))
            return -1;
    }
    ec_shared *sh = calloc(1, sizeof *sh);
    if (!sh) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    atomic_init(&sh->max_customer, rep.ncols >= 2 ? rep.col[1] : 0);
    call0(&call, S_MAX_ORDER);
    if (run(d, c, &call, &rep, err, errlen)) {
        free(sh);
        return -1;
    }
    atomic_init(&sh->max_order, rep.ncols >= 1 ? rep.col[0] : 0);
    *shared = sh;
    return 0;
}

static void ec_shared_free(void *shared)
{
    free(shared);
}

const wl_def wl_ecommerce = {
    .name = "ecommerce",
    .summary = "customers, orders through pending/paid/shipped/delivered, order items (change-capture style)",
    .nops = sizeof ec_ops / sizeof ec_ops[0],
    .ops = ec_ops,
    .statements = ec_statements,
    .setup = ec_setup,
    .shared_free = ec_shared_free,
    .state_size = sizeof(ec_state),
    .begin = ec_begin,
    .next = ec_next,
    .end = ec_end,
};
