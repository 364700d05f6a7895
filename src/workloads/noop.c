/* noop.c - one operation, one trivial statement: the smallest workload, for
 * measuring the generator's own overhead (on null:) or a target's round trip. */
#include "workloads/workload.h"

#include <string.h>

static const wl_opdef noop_ops[] = {
    { "noop", 1, "SELECT 1" },
};

static const char *const noop_sql[] = { "SELECT 1" };

static const char *const *noop_statements(const wl_def *w, const char *dialect, const void *shared, int *n)
{
    (void)w;
    (void)shared;
    if (strcmp(dialect, "queue") == 0)
        return NULL;   /* a queue takes messages, not statements */
    *n = 1;
    return noop_sql;
}

static int noop_setup(const wl_def *w, const drv_ops *d, drv_conn *c, const wl_setup *o, void **shared, char *err, size_t errlen)
{
    (void)w;
    (void)d, (void)c, (void)o, (void)err, (void)errlen;
    *shared = NULL;
    return 0;
}

static void noop_begin(void *state, int op, wl_env *env, drv_call *call)
{
    (void)state, (void)op, (void)env;
    call->stmt = 0;
    call->nparams = 0;
}

static int noop_next(void *state, wl_env *env, const drv_reply *reply, drv_call *call)
{
    (void)state, (void)env, (void)reply, (void)call;
    return 0;
}

const wl_def wl_noop = {
    .name = "noop",
    .summary = "one trivial statement per operation, for measuring overhead and round trips",
    .nops = 1,
    .ops = noop_ops,
    .statements = noop_statements,
    .setup = noop_setup,
    .state_size = 0,
    .begin = noop_begin,
    .next = noop_next,
};
