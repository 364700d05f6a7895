/* null.c - the target that does nothing: every statement succeeds at once.
 * It measures the generator's own cost per operation (scheduling, picking,
 * recording), so it must stay as cheap as a function call. Inserts report a
 * fresh id so workloads that capture ids keep working. */
#include "drivers/driver.h"

#include <stdlib.h>

struct drv_conn {
    int64_t next_id;
};

static drv_conn *null_connect(const char *url, char *err, size_t errlen)
{
    (void)url, (void)err, (void)errlen;
    drv_conn *c = calloc(1, sizeof *c);
    if (c)
        c->next_id = 1;
    return c;
}

static int null_prepare(drv_conn *c, int nstmts, const char *const *sql, char *err, size_t errlen)
{
    (void)c, (void)nstmts, (void)sql, (void)err, (void)errlen;
    return 0;
}

static int null_exec(drv_conn *c, const char *sql, char *err, size_t errlen)
{
    (void)c, (void)sql, (void)err, (void)errlen;
    return 0;
}

static drv_status null_start(drv_conn *c, const drv_call *call, drv_reply *reply)
{
    (void)call;
    reply->err = DRV_OK;
    reply->rows = 1;
    reply->last_id = c->next_id++;
    reply->ncols = 1;
    reply->col[0] = reply->last_id;
    return DRV_DONE;
}

static void null_close(drv_conn *c)
{
    free(c);
}

const drv_ops null_driver = {
    .name = "null",
    .schemes = (const char *const[]){ "null:", NULL },
    .dialect = "none",
    .max_conns_per_thread = 0,
    .connect = null_connect,
    .prepare = null_prepare,
    .exec = null_exec,
    .query = NULL,   /* no catalog: `surge inspect null:` is refused */
    .start = null_start,
    .resume = NULL,
    .close = null_close,
};
