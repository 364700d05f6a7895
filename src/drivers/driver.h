/* driver.h - how an operation reaches a target: one table of functions per
 * driver, one file per driver (src/drivers/NAME.c), registered in driver.c.
 *
 * A driver executes statements it is given; it knows nothing of workloads.
 * Statements are SQL text with `?` placeholders (a driver whose server wants
 * `$1` rewrites them when it prepares), prepared once per connection, and run
 * with parameters that are always bound, never pasted into the text.
 *
 * The engine runs one statement at a time on a connection:
 *
 *   start(conn, call, reply)  -> DRV_DONE   finished; reply holds the outcome
 *                             -> DRV_WAIT   in progress: poll reply->fd for
 *                                           reply->events, then call resume()
 *   resume(conn, reply)       -> DRV_DONE | DRV_WAIT (same meaning)
 *
 * A driver whose library only blocks (SQLite) always answers DRV_DONE, and
 * the worker's thread waits inside the call; one that talks to a server over
 * a socket answers DRV_WAIT so one worker thread can drive many connections.
 * Errors are outcomes, not return values: reply->err says which class
 * (the engine decides what to do with each: retry, reconnect, count).
 *
 * Queue targets (redis:, stdout:, file:, exec:) take no SQL: their dialect
 * is "queue", prepare is given no statements, and a call sends one message:
 * call.stmt is the channel (an index into channels(): which queue), params[0]
 * the message (text, one JSON object, no newline) and params[1], when
 * nparams is 2, its id (text), which exec: --ack matches.
 */
#ifndef SURGE_DRIVER_H
#define SURGE_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DRV_MAX_PARAMS 16       /* parameters a call holds inline; more go through drv_call.pv */
#define DRV_MAX_BOUND  32766    /* most parameters one statement may take (SQLite's limit, the lowest) */
#define DRV_MAX_COLS   4
#define DRV_ERRMSG     256

/* Statement ids below 0 are the driver's own transaction control. */
enum {
    DRV_STMT_BEGIN = -1,      /* start a read-write transaction (SQLite: BEGIN IMMEDIATE) */
    DRV_STMT_COMMIT = -2,
    DRV_STMT_ROLLBACK = -3,
};

typedef enum drv_status { DRV_DONE = 0, DRV_WAIT = 1 } drv_status;

typedef enum drv_errclass {
    DRV_OK = 0,
    DRV_ERR_RETRYABLE,    /* deadlock, serialization failure, busy / lock timeout */
    DRV_ERR_CONNECTION,   /* the connection is gone; reconnect */
    DRV_ERR_CONSTRAINT,   /* unique, foreign key, check, not null */
    DRV_ERR_OTHER,
} drv_errclass;

typedef enum drv_type { DRV_NULL = 0, DRV_INT, DRV_DOUBLE, DRV_TEXT } drv_type;

typedef struct drv_value {
    drv_type type;
    union {
        int64_t i;
        double d;
        struct { const char *s; int len; } text;   /* not copied: valid until the call completes */
    } v;
} drv_value;

/* One statement to run. */
typedef struct drv_call {
    int stmt;                 /* index into the prepared statements, or DRV_STMT_* */
    int nparams;
    drv_value params[DRV_MAX_PARAMS];
    const drv_value *pv;      /* not NULL: the nparams parameters are here instead (wide rows,
                                 multi-row inserts), up to DRV_MAX_BOUND; valid until the call completes */
} drv_call;

static inline const drv_value *drv_call_params(const drv_call *c) { return c->pv ? c->pv : c->params; }

/* The outcome of a statement (or, for DRV_WAIT, what to wait for). */
typedef struct drv_reply {
    int fd;                   /* DRV_WAIT: the socket to poll */
    uint32_t events;          /* DRV_WAIT: EPOLLIN / EPOLLOUT (and EPOLLET, if the driver wants edges) */
    drv_errclass err;         /* DRV_OK when the statement succeeded */
    char errmsg[DRV_ERRMSG];  /* the server's message when err != DRV_OK */
    int64_t rows;             /* rows changed (DML) or returned (queries) */
    int64_t last_id;          /* id of the last row inserted: SQLite's rowid, MySQL's LAST_INSERT_ID();
                                 where the server has none (PostgreSQL), the first column of the first
                                 row returned, so workloads write INSERT ... RETURNING id there */
    int ncols;                /* integer columns of the first row returned, up to DRV_MAX_COLS */
    int64_t col[DRV_MAX_COLS];
} drv_reply;

typedef struct drv_conn drv_conn;   /* each driver defines its own */

/* ---- run-level state ----------------------------------------------------
 *
 * Some targets are more than a set of connections: `exec:` runs one child
 * process for the whole run, `redis:` samples its queues' depth and runs
 * consumers. Such a driver opens a run object once before the workers
 * connect (run_open), the workers then open their connections from it
 * (run_connect, instead of connect), the reporter reads its gauges every
 * interval (run_gauges) and asks whether the target itself has failed
 * (run_failed: a consumer child that exited), and when the workers are done
 * run_finish winds it down (drain the queues, stop the child) and
 * run_close frees it. The engine calls run_* from the reporter thread and
 * the thread that starts and ends the run, never from a worker. */
typedef struct drv_run drv_run;

typedef struct drv_run_config {
    int consumers;            /* redis: consumers that pop the jobs (0 none) */
    const char *ack;          /* exec: a POSIX extended regex with one capture group, the
                                 message id, matched against each line the child writes; NULL none */
    double drain_s;           /* at the end: how long consumers may drain the queues, and a
                                 child may take to exit after its stdin closes, each */
    uint64_t seed;
} drv_run_config;

#define DRV_NAME 48

/* A number the target reports now: queue depth, a child's CPU. Names are
 * [a-z0-9_] and stable for the run; "queue_depth" is the total depth the
 * --max-queue-depth guardrail reads. */
typedef struct drv_gauge {
    char name[DRV_NAME];
    double value;
} drv_gauge;

/* A latency the target side observed: enqueue -> dequeue (consumers),
 * send -> acknowledgement (exec: --ack). Cumulative since the run opened. */
typedef struct drv_observed {
    char name[DRV_NAME];      /* "dequeue", "dequeue.high", "ack" */
    uint64_t count;           /* observed (dequeued, acknowledged) */
    uint64_t lost;            /* sent but never observed, known at the end (0 while running) */
    struct hist *lat;         /* the run object's own histogram (core/hist.h), ns; read with
                                 hist_copy (it may be written meanwhile) */
} drv_observed;

/* A fact about how the target ended, for the result: "exit_status" = 0,
 * "stdin_close_s" = 0.012, "consumer" = "exited with status 3 after 120 lines". */
typedef struct drv_fact {
    char name[DRV_NAME];
    bool is_text;
    double value;
    char text[200];
} drv_fact;

#define DRV_MAX_GAUGES   16
#define DRV_MAX_OBSERVED 8
#define DRV_MAX_FACTS    16

typedef struct drv_ops {
    const char *name;           /* "sqlite" */
    const char *const *schemes; /* URL prefixes it answers to, NULL-terminated: "sqlite:" */
    const char *dialect;        /* SQL dialect the workloads write for: "sqlite", "postgres", "mysql", "none" */
    int max_conns_per_thread;   /* 0 = no limit; SQLite is 1: its calls block the thread */
    int max_conns;              /* 0 = no limit; JSON lines are 1: one stream, in order */
    bool stable_fds;            /* the fd a call waits on stays open, the same, for the connection's
                                   life (never closed and reopened under the engine): the engine
                                   registers it once, not on every wait. Not libpq (it closes on EOF). */
    bool local;                 /* a local file: failing to open it is a bad argument, not a runtime failure */

    /* Open a connection. NULL with a one-line message (naming where it tried,
     * never a password) on failure. Called from the thread that will use it. */
    drv_conn *(*connect)(const char *url, char *err, size_t errlen);

    /* Prepare the statement texts once; call.stmt indexes this array.
     * -1 with a message when one fails (the message names which). */
    int (*prepare)(drv_conn *c, int nstmts, const char *const *sql, char *err, size_t errlen);

    /* Run a statement without preparing it (schema set-up, seeding), blocking
     * until done. Multiple statements separated by ';' are allowed. -1 with a message on error. */
    int (*exec)(drv_conn *c, const char *sql, char *err, size_t errlen);

    /* Run one query with text parameters (`?` placeholders; NULL entries are
     * SQL NULL), blocking, and call row(user, ncols, values) for each row
     * returned, values as text (NULL for SQL NULL), valid during the call
     * only; row returns nonzero to stop early. For catalog reads
     * (introspection) and checks, not for the load. NULL where the target
     * has no SQL. 0, or -1 with a one-line message. */
    int (*query)(drv_conn *c, const char *sql, int nparams, const char *const *params,
                 int (*row)(void *user, int ncols, const char *const *values), void *user,
                 char *err, size_t errlen);

    /* Bulk loading for seeding, where the server has a faster path than
     * INSERT (PostgreSQL's COPY): copy_begin runs the statement that starts
     * it (e.g. COPY t (a, b) FROM STDIN), copy_data sends rows in the
     * server's text format, copy_end finishes and reports the outcome.
     * Blocking. NULL where there is none: seeding uses multi-row INSERTs. */
    int (*copy_begin)(drv_conn *c, const char *sql, char *err, size_t errlen);
    int (*copy_data)(drv_conn *c, const char *data, size_t len, char *err, size_t errlen);
    int (*copy_end)(drv_conn *c, char *err, size_t errlen);

    drv_status (*start)(drv_conn *c, const drv_call *call, drv_reply *reply);
    drv_status (*resume)(drv_conn *c, drv_reply *reply);   /* NULL for drivers that never wait */

    void (*close)(drv_conn *c);   /* NULL is a no-op */

    /* Optional: called by a worker thread before it sleeps in epoll, so a
     * driver that batches can queue in start() and send once per wake-up
     * (Redis pipelines: many lanes' commands in one write). It must send
     * everything its connections of this thread have queued. */
    void (*flush)(void);

    /* Queue targets: the names of the queues (or streams) in the URL, which
     * a queue workload makes one operation each; at most max, returns how
     * many (0: one unnamed stream, e.g. JSON lines). -1 with a message when
     * the URL is malformed. NULL for SQL targets. */
    int (*channels)(const char *url, char names[][DRV_NAME], int max, char *err, size_t errlen);

    /* Run-level state (see drv_run above); all NULL for plain drivers.
     * run_open: NULL with a one-line message when the target cannot start
     * (exit 1), e.g. a command that does not exist.
     * run_gauges: fills up to DRV_MAX_GAUGES, returns how many.
     * run_observed: fills up to DRV_MAX_OBSERVED, returns how many; lat
     * points into the run object, valid until run_close.
     * run_failed: true once the target has failed for good (a child that
     * exited before its stdin closed), with a one-line message.
     * run_finish: wind down after the last operation (bounded by drain_s
     * per step); fills up to DRV_MAX_FACTS facts, returns how many. */
    drv_run *(*run_open)(const char *url, const drv_run_config *rc, char *err, size_t errlen);
    drv_conn *(*run_connect)(drv_run *r, char *err, size_t errlen);
    int  (*run_gauges)(drv_run *r, drv_gauge *out);
    int  (*run_observed)(drv_run *r, drv_observed *out);
    bool (*run_failed)(drv_run *r, char *msg, size_t len);
    int  (*run_finish)(drv_run *r, drv_fact *out);
    void (*run_close)(drv_run *r);
} drv_ops;

/* A local target's file: what follows its scheme (and a "//"); NULL when
 * the driver is not local. drv_local_missing: that file does not exist
 * (":memory:" always does), so opening it would create an empty one. */
const char *drv_local_path(const drv_ops *d, const char *url);
bool drv_local_missing(const drv_ops *d, const char *url);

/* The driver that answers to this URL, or NULL. */
const drv_ops *drv_find(const char *url);

/* Names of the registered URL schemes, for error messages ("sqlite:, null:"). */
const char *drv_schemes_list(void);

/* Run a call to completion on any driver, polling when it waits. For set-up
 * and seeding, not for the hot path. Returns reply->err. */
drv_errclass drv_run_sync(const drv_ops *d, drv_conn *c, const drv_call *call, drv_reply *reply);

/* Value constructors, to keep workloads short. */
static inline drv_value drv_int(int64_t i) { drv_value v = { .type = DRV_INT, .v.i = i }; return v; }
static inline drv_value drv_double(double d) { drv_value v = { .type = DRV_DOUBLE, .v.d = d }; return v; }
static inline drv_value drv_text(const char *s, int len) { drv_value v = { .type = DRV_TEXT, .v.text = { s, len } }; return v; }
static inline drv_value drv_null(void) { drv_value v = { .type = DRV_NULL }; return v; }

#endif
