/* queue.c - the queue workload: every operation sends one message, built
 * from a template (message.c), to one of the target's queues. The engine
 * makes one operation per queue (wl_def.per_channel), named after it, so
 * --mix and phase mixes weigh the queues and the result counts each. */
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "workloads/message.h"
#include "workloads/workload.h"

static const wl_opdef queue_ops[] = {
    { "send", 1, "send one message from the template (--message); one operation per queue, named after it" },
};

/* Per connection: its producer state (sequence, random walks) and buffers
 * reused for every message. */
typedef struct queue_state {
    msg_state *ms;
    strbuf msg, id;
} queue_state;

static const char *const *queue_statements(const wl_def *w, const char *dialect, const void *shared, int *n)
{
    (void)w;
    static const char *const none[1] = { NULL };
    (void)shared;
    *n = 0;
    return strcmp(dialect, "queue") == 0 ? none : NULL;
}

static int queue_setup(const wl_def *w, const drv_ops *d, drv_conn *c, const wl_setup *o, void **shared, char *err, size_t errlen)
{
    (void)w;
    (void)d, (void)c;
    msg_template *t = msg_load(o->message ? o->message : "job", err, errlen);
    if (!t)
        return -2;
    *shared = t;
    return 0;
}

static void queue_shared_free(void *shared)
{
    msg_free(shared);
}

static void queue_state_free(void *state)
{
    queue_state *q = state;
    msg_state_free(q->ms);
    sb_free(&q->msg);
    sb_free(&q->id);
}

static void queue_begin(void *state, int op, wl_env *env, drv_call *call)
{
    queue_state *q = state;
    if (!q->ms)   /* producer i of n numbers its messages i, i + n, ...: ids unique across the run */
        q->ms = msg_state_new(env->shared, env->conn, env->nconns > 0 ? env->nconns : 1);
    sb_reset(&q->msg);
    sb_reset(&q->id);
    msg_render(env->shared, q->ms, env->rng, env->now_wall, &q->msg, &q->id);
    call->stmt = op;
    call->pv = NULL;
    call->nparams = 2;
    call->params[0] = drv_text(q->msg.p, (int)q->msg.len);
    call->params[1] = drv_text(q->id.p, (int)q->id.len);
}

static int queue_next(void *state, wl_env *env, const drv_reply *reply, drv_call *call)
{
    (void)state, (void)env, (void)reply, (void)call;
    return 0;
}

const wl_def wl_queue = {
    .name = "queue",
    .summary = "JSON messages from a template to a queue target (redis:, stdout:, file:, exec:)",
    .nops = 1,
    .ops = queue_ops,
    .per_channel = true,
    .statements = queue_statements,
    .setup = queue_setup,
    .shared_free = queue_shared_free,
    .state_size = sizeof(queue_state),
    .state_free = queue_state_free,
    .begin = queue_begin,
    .next = queue_next,
};
