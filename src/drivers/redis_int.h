/* redis_int.h - inside the Redis driver: redis.c holds the driver table,
 * the URL, connecting and the producers' lanes; redis_run.c the run level
 * (depth sampler, consumers, drain). What both need is here. Nothing
 * outside these two files includes this.
 */
#ifndef SURGE_REDIS_INT_H
#define SURGE_REDIS_INT_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

#include "drivers/driver.h"

#define RQ_MAX_QUEUES     16
#define RQ_CONNECT_MS     5000     /* producers, and the sampler at run_open: connect + handshake */

/* A parsed URL. */
typedef struct rq_target {
    char host[256];
    int port;
    long db;
    char user[128];
    char pass[256];
    bool has_pass;
    bool streams;
    int pipeline;
    int nq;
    char names[RQ_MAX_QUEUES][DRV_NAME];
    size_t lens[RQ_MAX_QUEUES];
    char where[300];   /* "host:port", for messages */
} rq_target;

/* ---- redis.c ------------------------------------------------------------- */

/* Fill t from url: 0, or -1 with "redis: bad URL: ..." in err (the
 * password never quoted). */
int rq_parse_url(const char *url, rq_target *t, char *err, size_t errlen);

/* Block SIGPIPE in the calling thread (once per thread): every thread that
 * uses a connection calls it first (why: the top of redis.c). */
void rq_block_sigpipe(void);

/* The first line of [s, s + n) into buf. */
void rq_first_line(const char *s, size_t n, char *buf, size_t len);

/* A context's error (NULL: out of memory) as one line; a read that timed
 * out says "no answer within timeout_s". */
void rq_ctx_error(const redisContext *c, double timeout_s, char *buf, size_t len);

/* A blocking connection with AUTH, SELECT and CLIENT SETNAME surge:PID:role
 * done, every step and later reads bounded by timeout_ms; NULL with the
 * reason in err. The caller frees it with redisFree. */
redisContext *rq_dial(const rq_target *t, int timeout_ms, const char *role, char *err, size_t errlen);

/* A producer lane for t, sharing a pipe with this thread's lanes of the
 * same run (NULL outside one) and url when t->pipeline > 1; NULL with the
 * reason in err. */
drv_conn *rq_lane_connect(const rq_target *t, const char *url, const drv_run *run, char *err, size_t errlen);

/* ---- redis_run.c: the run-level operations (driver.h says what each does) */

drv_run *rq_run_open(const char *url, const drv_run_config *rc, char *err, size_t errlen);
drv_conn *rq_run_connect(drv_run *r, char *err, size_t errlen);
int rq_run_gauges(drv_run *r, drv_gauge *out);
int rq_run_observed(drv_run *r, drv_observed *out);
bool rq_run_failed(drv_run *r, char *msg, size_t len);
int rq_run_finish(drv_run *r, drv_fact *out);
void rq_run_close(drv_run *r);

#endif
