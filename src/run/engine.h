/* engine.h - the generator's insides, shared by gen.c (life cycle),
 * worker.c (the event loops), sched.c (intended start times) and report.c
 * (samples and the result). Nothing here is public. */
#ifndef SURGE_ENGINE_H
#define SURGE_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "surge.h"
#include "core/hist.h"
#include "core/pattern.h"
#include "core/rng.h"
#include "drivers/driver.h"
#include "run/errtab.h"
#include "workloads/workload.h"

#define NS_PER_S 1000000000ull

/* What each worker writes on every operation lives on cache lines no other
 * worker writes: two lines, because Intel's prefetcher pulls lines in
 * pairs. Sharing them costs 3x per operation with two workers. */
#define CACHE_PAIR 128

/* Zeroed memory for n items, aligned and padded to CACHE_PAIR. free() it. */
void *cache_calloc(size_t n, size_t size);

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

/* Counters written by one thread and read by another: a relaxed load and
 * store is a plain add on x86 (no lock prefix), and still race-free C11. */
static inline void counter_add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}
static inline uint64_t counter_get(const _Atomic uint64_t *c)
{
    return atomic_load_explicit((_Atomic uint64_t *)c, memory_order_relaxed);
}

/* ---- schedule --------------------------------------------------------- */

/* Where one worker's next operations fall in time. Open loop: the run's
 * count function is a warm-up at a constant rate followed by the pattern;
 * worker w of W takes every W-th operation of the whole schedule (even
 * arrivals) or an independent Poisson stream at 1/W of the rate, so the
 * workers together follow the pattern exactly. */
typedef struct sched {
    const pat_t *pat;
    double warm_s, warm_rate;   /* warm-up prefix */
    double c;                   /* count-space position of the next operation */
    double stride;              /* W */
    bool poisson;
    rng_t rng;                  /* its own stream, so arrivals don't shift op choices */
} sched;

void   sched_init(sched *s, const pat_t *pat, double warm_s, double warm_rate,
                  int index, int nworkers, bool poisson, uint64_t seed);
/* Intended start of the next operation, seconds from the run's start
 * (warm-up included); INFINITY when the pattern has ended. Advances. */
double sched_next(sched *s);
/* One pattern's target rate and count function (warm-up included). */
double sched_rate(const pat_t *pat, double warm_s, double warm_rate, double t);
double sched_count(const pat_t *pat, double warm_s, double warm_rate, double t);
/* The whole run's: the sum over its streams (see surge_gen.streams). */
struct surge_gen;
double run_rate(const struct surge_gen *g, double t);
double run_count(const struct surge_gen *g, double t);

/* ---- statistics --------------------------------------------------------- */

typedef struct op_stats {
    _Atomic uint64_t ok, failed;
    _Atomic uint64_t warmup_ok;   /* committed during the warm-up: in the data, not in the statistics */
    hist_t lat;                 /* from the intended start */
    hist_t svc;                 /* from the real start */
} op_stats;

/* One worker's cumulative statistics: written only by the worker, copied by
 * the reporter (no locks on the hot path), except the error table, which
 * has a mutex because errors are rare and their table is not atomic. */
typedef struct wstats {
    op_stats *ops;              /* [nops] */
    hist_t lag;                 /* real start - intended start */
    _Atomic uint64_t late;
    _Atomic uint64_t retries;   /* measured operations run again after a retryable error */
    _Atomic uint64_t warmup_dropped;
    _Atomic uint64_t unsent;            /* open loop: due before the end, never started */
    _Atomic uint64_t capped;            /* open loop: left out by --max-rate */
    pthread_mutex_t err_lock;
    errtab errors;
} wstats;

/* Everything merged, as the reporter sees it at one moment. */
typedef struct snapshot {
    int nops;
    uint64_t *ok, *failed, *warmup_ok;   /* [nops] */
    hist_t *lat, *svc;          /* [nops] */
    hist_t all_lat, all_svc, lag;
    uint64_t late, retries, warmup_dropped, unsent, capped;
} snapshot;

snapshot *snapshot_new(int nops);
void      snapshot_free(snapshot *s);
void      snapshot_clear(snapshot *s);
void      snapshot_add_worker(snapshot *s, const wstats *w);   /* s += w */

/* ---- connections and workers ------------------------------------------- */

/* A connection's life. IDLE: free for the next operation (closed loop: once
 * ready_ns has passed). BUSY: an operation is in progress; a call may be
 * waiting on the driver's fd. DOWN: the connection failed; it is reopened at
 * retry_ns, with capped, jittered backoff. PARKED: not connected, not in use
 * (--cpu-target has fewer connections active than slots); connected when
 * the controller wants it. */
typedef enum slot_state { SLOT_IDLE = 0, SLOT_BUSY, SLOT_DOWN, SLOT_PARKED } slot_state;

typedef struct slot {
    slot_state state;
    drv_conn *dc;
    int fd;                     /* registered with the worker's epoll, or -1 */
    uint32_t fd_events;         /* ... for these events */
    int op;
    bool measured, in_tx, rolling_back;
    int tries;                  /* tries of the current operation that failed and were retried */
    uint64_t intended_ns, start_ns;
    uint64_t ready_ns;          /* closed loop: earliest next start (think time) */
    uint64_t retry_ns, backoff_ns;
    drv_call call;
    drv_reply reply;
    drv_errclass failure;       /* the first error of the current operation */
    char failmsg[DRV_ERRMSG];
    wl_env env;
    void *state_buf;            /* the workload's per-connection operation state */
} slot;

struct surge_gen;

typedef struct worker {
    _Alignas(CACHE_PAIR) struct surge_gen *g;
    int index;
    pthread_t thread;
    int epfd;
    int nslots;
    slot *slots;
    int busy;                   /* slots in SLOT_BUSY */
    rng_t rng;
    sched *scheds;              /* open loop: [g->nstreams], this worker's share of each stream */
    double *nexts;              /* [g->nstreams]: each one's next intended start */
    double next_s;              /* open loop: the next intended start of all, seconds from t0 */
    int next_stream;            /* ... and its stream */
    uint64_t quota;             /* measured operations it may start; UINT64_MAX no limit */
    double cap_per_ns;          /* --max-rate: this worker's share, operations per ns; 0 none */
    double cap_tokens;          /* token bucket (at most 2): an operation takes one */
    uint64_t cap_last_ns;       /* due time of the last operation the bucket saw */
    uint64_t started;           /* measured operations started */
    wstats stats;
    _Atomic bool finished;
    char fatal[256];            /* a worker that cannot connect at all says why */
} worker;

/* ---- the run clock ------------------------------------------------------------
 *
 * Everything the engine times - due times, the deadline, samples, the stop -
 * is on the run clock, which is the monotonic clock minus the time spent
 * paused, and stands still during a pause. So a pause shifts the rest of
 * the schedule instead of counting against the rate, and the measured
 * length leaves it out. One atomic word holds it (no torn reads, safe in a
 * signal handler): running, the shift; paused, the frozen reading with the
 * top bit set. */
#define CLOCK_PAUSED (1ull << 63)

struct surge_gen;
static inline uint64_t clock_read(uint64_t word, uint64_t wall)
{
    return (word & CLOCK_PAUSED) ? (word & ~CLOCK_PAUSED) : wall - word;
}

/* ---- the generator -------------------------------------------------------- */

enum stop_reason { STOP_NONE = 0, STOP_DURATION, STOP_PATTERN, STOP_TRANSACTIONS, STOP_SIGNAL, STOP_ERROR,
                   STOP_GUARDRAIL, STOP_THRESHOLD, STOP_API, STOP_STABLE };

struct surge_gen {
    surge_config cfg;           /* strings below are owned copies */
    char *target, *workload_name, *pattern_text, *mix_text, *tables_text, *stop_file_text;
    struct thr_set *thr;        /* --threshold checks; NULL none */
    char target_masked[512];
    const drv_ops *drv;
    const wl_def *wl;
    int nops;                   /* operations: the workload's, or one per channel of a queue target */
    wl_opdef ops[WL_MAX_OPS];
    char op_names[WL_MAX_OPS][DRV_NAME];
    drv_run *run;               /* run-level state of a target that has it (exec:, redis:); NULL */
    struct watch *watch;        /* --watch: the system whose CPU and memory are gauges; NULL */
    /* --cpu-target: what the controller (cpuctl.c, on the reporter) sets
     * and the workers read: active connections in a closed loop (slot i of
     * worker w is active while (i * nworkers + w) * 1000 < ctl_conns; 0: all), the
     * rate in an open loop (0: the pattern's). Connections are in
     * thousandths: 2.5 is two connections busy and a third busy half the
     * time (think time after each operation as long as the operation
     * took), so the controller is not stuck between two whole numbers
     * when one connection is a large share of the server's CPU. */
    _Atomic int ctl_conns;
    _Atomic double ctl_rate;
    int ctl_start;              /* connections to start with */
    bool stop_when_stable;      /* no --duration: the run ends once the CPU is stable */
    char *message_text, *ack_text, *watch_text;
    pat_t *pat;                 /* NULL: closed loop; else streams[0]'s */
    /* Open loop: the schedules. One, of --pattern, whose operations are
     * picked by weight; or one per --op-pattern, each sending its own
     * operation (a queue each with its own sine). */
    int nstreams;
    struct {
        pat_t *pat;
        int op;                 /* the operation it sends; -1: picked by weight */
        double warm_rate;       /* its rate during the warm-up: where it starts */
    } streams[WL_MAX_OPS];
    double weights[WL_MAX_OPS];
    wl_picker picker;           /* the workload's weights (after --mix) */
    wl_picker *phase_pickers;   /* [nphases]: a phase's own mix, or a copy of picker */
    void *wl_shared;
    uint64_t run_id;
    uint64_t seed;

    int nworkers;
    int conns_per_worker;
    worker *workers;

    uint64_t t0_ns;             /* start of the run (warm-up included) */
    uint64_t measure_ns;        /* start of the measured part */
    uint64_t deadline_ns;       /* end of scheduling; UINT64_MAX none */
    double wall_at_t0;          /* CLOCK_REALTIME seconds at t0, for timestamps in data */
    double warm_rate;
    double planned_s;
    enum stop_reason at_deadline;   /* why the run ends at deadline_ns: duration or pattern ended */

    _Atomic int stop;           /* set once: no new operations */
    _Atomic uint64_t stop_ns;   /* when a stop was asked for (the measured part ends there) */
    _Atomic int stop_reason;    /* first reason wins */
    _Atomic int pause_req;      /* asked for: 1 paused, 0 running (the reporter applies it) */
    _Atomic uint64_t clock_word;   /* the run clock: see run_now(); written by the reporter only */
    uint64_t paused_total_ns;   /* reporter only: time spent paused, in all */
    enum stop_reason quota_stop;   /* why workers stop at their quota: transactions or max-total */
    char guardrail[32];         /* the guardrail or threshold that stopped the run ("" none) */
    char stop_detail[256];      /* and why, for people */
    int workers_left;           /* guarded by lock */

    pthread_t reporter;
    pthread_mutex_t lock;       /* guards cond waits below */
    pthread_cond_t wake;        /* the reporter sleeps on it between samples */
    pthread_cond_t done_cond;
    int nworkers_started;
    bool started, reporter_started, done, joined;
    struct report *report;
};

void *worker_main(void *arg);
void  gen_request_stop(struct surge_gen *g, enum stop_reason why);

/* report.c */
struct report *report_new(struct surge_gen *g);
void  report_free(struct report *r);
void *report_main(void *arg);
const surge_result *report_result(const struct report *r);
void  latency_of(const hist_t *h, surge_latency *l);   /* milliseconds, for the result */

/* The run clock now (see above). */
static inline uint64_t run_now(struct surge_gen *g)
{
    return clock_read(atomic_load_explicit(&g->clock_word, memory_order_acquire), now_ns());
}

static inline bool run_paused(struct surge_gen *g)
{
    return (atomic_load_explicit(&g->clock_word, memory_order_relaxed) & CLOCK_PAUSED) != 0;
}

#endif
