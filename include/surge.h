/* surge.h - the public API of libsurge, a patterned load generator.
 *
 * A program fills a surge_config, creates a generator, starts it, and waits;
 * the generator runs worker threads that put load on a target following a
 * rate pattern (open loop) or at a fixed concurrency (closed loop), and a
 * reporter thread that takes a sample every interval. The CLI, the dashboard
 * and other programs all drive the generator through this header.
 *
 *   surge_config cfg;
 *   surge_config_init(&cfg);
 *   cfg.target = "sqlite:app.db";
 *   cfg.pattern = "ramp(10, 500, 60s)";
 *   char err[256];
 *   surge_gen *g = surge_gen_new(&cfg, err, sizeof err);
 *   if (!g || surge_gen_start(g, err, sizeof err) != 0) ... report err ...
 *   surge_gen_wait(g);
 *   const surge_result *r = surge_gen_result(g);
 *   surge_gen_free(g);
 *
 * Units: times in seconds (double) unless a name says _ms; latencies in the
 * result are milliseconds; rates in operations per second.
 * Latency ("latency_ms") is measured from each operation's *intended* start
 * (its place in the schedule), so a stalled target shows in the percentiles;
 * service time ("service_ms") is measured from the moment it was really sent.
 */
#ifndef SURGE_H
#define SURGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SURGE_VERSION "0.1.0"

typedef enum surge_arrivals {
    SURGE_ARRIVALS_EVEN = 0,     /* evenly spaced by the pattern's rate */
    SURGE_ARRIVALS_POISSON = 1,  /* Poisson process with the pattern's rate */
} surge_arrivals;

typedef enum surge_progress {
    SURGE_PROGRESS_AUTO = 0,     /* live display on a terminal, plain lines otherwise */
    SURGE_PROGRESS_LIVE,
    SURGE_PROGRESS_PLAIN,
    SURGE_PROGRESS_NONE,
} surge_progress;

typedef struct surge_result surge_result;

/* Something that happened during a run, for people and programs. */
typedef struct surge_event {
    double t;                     /* seconds since the measured start (negative during warm-up) */
    const char *wall;             /* UTC ISO-8601 with milliseconds */
    const char *type;             /* "started", "paused", "resumed", "phase", "guardrail",
                                     "threshold_failed", "error_burst", "stopped" */
    const char *detail;           /* one line for people */
    const char *json;             /* the whole event as one JSON object, no newline:
                                     {"t":…,"wall":…,"type":…,"detail":…, more fields per type} */
} surge_event;

/* Called from the generator's threads (reporter, or the caller of pause /
 * resume) as events happen; `e` is valid only during the call. */
typedef void (*surge_event_fn)(const surge_event *e, void *user);

/* Called by the reporter thread after every sample (and once at the end with
 * state SURGE_STATE_DONE). `live` is valid only during the call. */
typedef void (*surge_sample_fn)(const surge_result *live, void *user);

typedef struct surge_config {
    const char *target;        /* URL, default "sqlite:surge.db" */
    const char *workload;      /* NULL: "ecommerce", or "queue" for a queue target; see surge_workload_names() */
    const char *pattern;       /* rate pattern expression; NULL = closed loop */
    const char *const *op_patterns;  /* instead of pattern: "OP=EXPR" each, NULL-terminated: every
                                        operation named runs on its own pattern (a queue each), the
                                        others not at all; NULL none */
    const char *mix;           /* "op=weight,op=weight" overriding the workload's weights; NULL */
    const char *tables;        /* "a,b": the tables a schema-driven workload (crud) may touch; NULL all */
    surge_arrivals arrivals;
    int threads;               /* worker threads; 0 = number of cores */
    int connections;           /* total connections; 0 = one per thread (drivers may cap it) */
    double think_min, think_max; /* closed loop: random pause between operations, seconds */
    double duration;           /* seconds of measured load; 0 = the pattern's length, or 10 s closed loop */
    uint64_t transactions;     /* stop after this many measured operations; 0 = no limit */
    double warmup;             /* seconds of unmeasured load before the measured part */
    double interval;           /* seconds between samples, default 1 */
    int history;               /* samples kept, default 1000 (oldest dropped) */
    uint64_t seed;             /* random seed; see has_seed */
    bool has_seed;             /* false: a seed is drawn from the clock (and reported) */
    int scale;                 /* seed data size factor for built-in workloads, default 1 */
    bool fresh;                /* drop and recreate the workload's tables before the run */
    double late_after;         /* an operation starting this many seconds past its intended time is late; default 0.001 */
    int max_tries;             /* runs of an operation that fails with a deadlock or serialization
                                  error (rolled back), in all; default 1: no retry */
    surge_sample_fn on_sample;
    surge_event_fn on_event;
    void *user;                /* passed to on_sample and on_event */

    /* Guardrails: each checked at least every 100 ms; the first to trip
     * stops the run cleanly (result.guardrail says which and why). 0 / NULL: none. */
    double max_rate;           /* ops/s: caps the pattern wherever it asks for more */
    uint64_t max_total;        /* operations started, measured or not */
    double max_duration;       /* seconds since the start, warm-up included */
    double max_error_rate;     /* fraction failed over the last second, 0..1 */
    double max_latency_ms;     /* this percentile of latency over the last second ... */
    double max_latency_pct;    /* ... (e.g. 99) may not exceed max_latency_ms */
    uint64_t max_queue_depth;  /* for targets that report a depth */
    double max_child_cpu;      /* exec: the consumer's CPU, percent of one core */
    double max_child_rss_mb;   /* exec: the consumer's resident memory, MiB */
    const char *stop_file;     /* its existence stops the run */

    /* Thresholds (docs/control.md): "p99<100ms", "p95{op=insert}<50ms",
     * "errors<0.1%", "rate>=95%", "ops>10000", "p95<500ms over 10s",
     * "... abort" stops the run at the first failure. NULL-terminated; NULL none. */
    const char *const *thresholds;

    /* Queue targets (redis:, stdout:, file:, exec:), workload "queue". */
    const char *message;       /* message template: a built-in name ("job", "snapshot") or a file; default "job" */
    int consumers;             /* redis: consumers popping the jobs, measuring enqueue -> dequeue latency */
    const char *ack;           /* exec: regex with one capture group, the message id, matched on the child's stdout */
    double drain;              /* seconds consumers may drain the queues at the end, and a child may take to exit; default 10 */

    /* A system to watch (docs/watch.md): "pid:N" (that process and its
     * descendants), "cgroup:PATH" (cgroup v2), "host", or "cmd:COMMAND"
     * (prints a CPU percentage). Its CPU and memory become the gauges
     * cpu_pct and mem_pct (percent of the whole machine). NULL none. */
    const char *watch;
    double max_cpu;            /* guardrail on the watched system's cpu_pct; 0 none */
    /* Hold the watched system's CPU (--watch, default "host") at cpu_target
     * percent +- cpu_band by feedback: concurrency in a closed loop (from
     * `connections`, default 50, up to max_connections), the rate in an open
     * loop (from the pattern's, a bare rate, up to max_rate). docs/cpu-target.md. */
    double cpu_target;         /* 0 off */
    double cpu_band;           /* default 5 */
    double stable_for;         /* seconds inside the band that make it stable; default 60 */
    int max_connections;       /* default 10 x connections, at most 1000 */
    double max_mem;            /* ... and mem_pct; 0 none */

    double time_scale;         /* > 0: the pattern's durations divided by it, rates unchanged (a day in minutes); 0 or 1 none */
} surge_config;

void surge_config_init(surge_config *cfg);   /* every default above */

/* ---- results ---------------------------------------------------------- */

typedef enum surge_state {
    SURGE_STATE_NEW = 0,
    SURGE_STATE_SETUP,       /* connecting, creating schema, seeding */
    SURGE_STATE_WARMUP,
    SURGE_STATE_RUNNING,
    SURGE_STATE_STOPPING,    /* no new operations; waiting for those in flight */
    SURGE_STATE_DONE,
} surge_state;

typedef struct surge_latency {  /* milliseconds; all 0 when there were no operations */
    double p50, p90, p95, p99, p999, mean, min, max;
} surge_latency;

typedef struct surge_op_result {
    const char *name;
    double weight;                /* the workload's weight (after --mix) */
    uint64_t ok, failed;
    uint64_t warmup_ok;           /* committed during the warm-up (in the data, not in the statistics) */
    surge_latency latency_ms;     /* from the intended start */
    surge_latency service_ms;     /* from the real send */
} surge_op_result;

typedef struct surge_error_count {
    const char *message;          /* grouped: digits replaced by '#' */
    const char *op;               /* first operation seen failing with it */
    uint64_t count;
} surge_error_count;

#define SURGE_MAX_GAUGES 16

/* A number the target reports every interval (queue targets: queue depth;
 * exec: the child's CPU and memory), summarised over the measured run. */
typedef struct surge_gauge {
    const char *name;             /* "queue_depth", "queue_depth_high", "child_cpu_pct", "child_rss_mb" */
    double last, min, max, mean;  /* over the samples kept; 0 before the first */
    uint64_t samples;
} surge_gauge;

/* A latency the target side observed, apart from the operations' own:
 * enqueue -> dequeue by consumers, send -> acknowledgement by an exec: child. */
typedef struct surge_observed {
    const char *name;             /* "dequeue", "dequeue.high", "ack" */
    uint64_t count;               /* observed */
    uint64_t lost;                /* sent and never observed (known at the end) */
    surge_latency latency_ms;
} surge_observed;

/* How the target ended: "exit_status" 0, "stdin_close_s" 0.01, "drained" "yes". */
typedef struct surge_fact {
    const char *name;
    const char *text;             /* NULL: a number, in value */
    double value;
} surge_fact;

/* What the CPU controller did (--cpu-target). */
typedef struct surge_cpu_control {
    double target, band;          /* percent of the machine */
    const char *source;           /* the watch spec, and what it is */
    const char *kind;             /* "connections" (closed loop) or "rate" (open loop) */
    double start, final, lowest, highest;   /* the controlled value */
    double limit;                 /* the most it may use (max connections / max rate) */
    double cpu_reached;           /* mean CPU over the last stable_for (or the run, if shorter) */
    double settled_s;             /* seconds from the measured start until the CPU entered the band
                                     for good (stayed in it to the end); -1 never */
    double inside_s;              /* the longest time in the band, seconds */
    double stable_for_s;
    bool stable;                  /* inside the band for stable_for */
    const char *verdict;          /* one line: how it went, or why the target was not reached and what to try */
} surge_cpu_control;

typedef struct surge_sample {
    double t;                     /* seconds since the measured start, at the end of the interval */
    double length;                /* seconds covered by the sample */
    double target_rate;           /* ops/s the pattern asked for, averaged over the interval; 0 closed loop */
    double actual_rate;           /* completed ops/s over the interval */
    uint64_t ok, failed, late;    /* in the interval */
    double p50_ms, p95_ms, p99_ms, max_ms, mean_ms;  /* latency from the intended start, in the interval */
    int phase;                    /* pattern phase index, -1 closed loop */
    double gauge[SURGE_MAX_GAUGES];  /* the target's gauges at the end of the interval, in the
                                        order of surge_result.gauges (queue depth, a child's CPU) */
} surge_sample;

typedef struct surge_threshold_result {
    const char *expr;             /* as given */
    bool ok;                      /* held (so far, while running) */
    double value;                 /* the measured value it was judged on, in the expression's unit */
    const char *detail;           /* "p99 = 143 ms over the run, limit 100 ms" */
} surge_threshold_result;

struct surge_result {
    surge_state state;
    const char *stop_reason;      /* "duration", "pattern ended", "transactions", "signal", "stopped", "error",
                                     "guardrail", "threshold" */
    const char *guardrail;        /* the guardrail that stopped the run ("max-error-rate" ...) or NULL */
    const char *stop_detail;      /* why, for people: "12.5% of operations failed in the last second (limit 5%)" */
    bool paused;                  /* live: the run is paused now */
    double paused_s;              /* time spent paused (not part of duration_s) */
    int nthresholds;
    const surge_threshold_result *thresholds;
    const char *error;            /* a fatal error that ended the run, or NULL */

    /* What ran (echoed for reports; the target's password is masked). */
    const char *target, *workload, *pattern, *mode /* "open" | "closed" */, *arrivals;
    int threads, connections;
    uint64_t seed;
    double warmup_s, interval_s;
    double planned_s;             /* planned measured length; INFINITY unknown (signal or count bound) */
    uint64_t planned_ops;         /* --transactions, or the pattern's count over the planned length; 0 unknown */
    char started_at[32];          /* wall clock, UTC ISO-8601, for people */

    double elapsed_s;             /* since the measured start (negative during warmup) */
    double duration_s;            /* measured length so far / in all */
    uint64_t ops_total, ops_ok, ops_failed;
    uint64_t late;                /* operations that started more than late_after_s past their intended start */
    double late_after_s;
    uint64_t retries;             /* operations run again after a retryable error (--max-tries) */
    uint64_t warmup_dropped;      /* warmup operations never started because the measured part began */
    uint64_t unsent;              /* open loop: measured operations due before the end, never started
                                     (every connection busy: the target fell behind) */
    uint64_t capped;              /* open loop: operations the pattern asked for above --max-rate, left out */
    uint64_t warmup_ok;           /* warm-up operations that succeeded (they changed the data too) */
    double throughput;            /* ops_ok / duration_s */
    double target_rate;           /* the pattern's current rate (live) or average rate (at the end) */
    double current_rate;          /* completed ops/s over the last interval */
    surge_latency latency_ms, service_ms;
    surge_latency lag_ms;         /* real start - intended start */

    int phase;                    /* current pattern phase, -1 closed loop */
    int nphases;

    int nops;
    const surge_op_result *ops;
    int nerrors;                  /* sorted by count, most first */
    const surge_error_count *errors;
    int nhistory;                 /* oldest first */
    const surge_sample *history;

    /* Queue and process targets (empty for SQL targets). */
    int ngauges;
    const surge_gauge *gauges;
    int nobserved;
    const surge_observed *observed;
    int nfacts;                   /* at the end only */
    const surge_fact *facts;

    const struct surge_cpu_control *cpu_control;   /* --cpu-target; NULL off */
};

/* ---- the generator ---------------------------------------------------- */

typedef struct surge_gen surge_gen;

/* Check the configuration (target URL, workload, pattern, mix, numbers) and
 * build a generator. Nothing is connected yet. NULL on bad input, with a
 * one-line message in err. The config is copied. */
surge_gen *surge_gen_new(const surge_config *cfg, char *err, size_t errlen);

#define SURGE_ERUNTIME (-1)   /* the target failed: unreachable, refused, set-up failed */
#define SURGE_EINPUT   (-2)   /* the user's input is wrong: e.g. a database file that cannot be opened */

/* Connect, prepare the workload (create schema and seed when needed), start
 * the workers and the reporter, and return 0. SURGE_EINPUT or SURGE_ERUNTIME
 * with a one-line message in err when the target cannot be opened or set up
 * (nothing keeps running then, and there is no result). */
int surge_gen_start(surge_gen *g, char *err, size_t errlen);

/* Ask the run to stop: no new operations; those in flight finish (bounded).
 * Async-signal-safe: may be called from a signal handler. */
void surge_gen_stop(surge_gen *g);

/* Pause: no new operations are scheduled, and the paused time does not
 * count against the pattern (it resumes where it was). resume ends it;
 * toggle flips it and is async-signal-safe (for SIGUSR1). Each is a no-op
 * in the state it asks for, and after the run has ended. */
void surge_gen_pause(surge_gen *g);
void surge_gen_resume(surge_gen *g);
void surge_gen_toggle_pause(surge_gen *g);

/* Block until the run has ended and the final result is ready. */
void surge_gen_wait(surge_gen *g);

/* The final result after surge_gen_wait; owned by the generator. */
const surge_result *surge_gen_result(const surge_gen *g);

void surge_gen_free(surge_gen *g);   /* NULL is a no-op; stops and waits if needed */

/* ---- outputs ---------------------------------------------------------- */

/* Write the result as JSON (schema in docs/result.md). 0 or -1 (errno set). */
int surge_result_write_json(const surge_result *r, FILE *out);

/* The history as CSV: a header line, then one line per sample. */
void surge_csv_header(FILE *out);
void surge_csv_sample(const surge_sample *s, FILE *out);

/* A self-contained HTML report (charts, per-operation table, thresholds,
 * settings; no network needed to open it) from a result as JSON text (what
 * surge_result_write_json writes). 0, or -1 with a message. */
int surge_report_html(const char *result_json, FILE *out, char *err, size_t errlen);

/* A web dashboard and control API for a running generator, on
 * libmicrohttpd: a live page, GET /api/status, GET /api/metrics?since=S,
 * POST /api/pause|resume|stop, Prometheus text at /metrics. addr:
 * "PORT" or "ADDR:PORT" (default address 127.0.0.1); on any other than
 * loopback a token is required, and then every request must carry it
 * (Authorization: Bearer TOKEN, or ?token=TOKEN). Feed it live results
 * and events from the callbacks. NULL with a message on failure. */
typedef struct surge_dashboard surge_dashboard;
surge_dashboard *surge_dashboard_start(const char *addr, const char *token, surge_gen *g, char *err, size_t errlen);
void surge_dashboard_update(surge_dashboard *d, const surge_result *live);
void surge_dashboard_event(surge_dashboard *d, const surge_event *e);
int surge_dashboard_port(const surge_dashboard *d);   /* the bound port (useful with port 0) */
void surge_dashboard_stop(surge_dashboard *d);        /* NULL is a no-op */

/* The final summary for people. */
void surge_summary_print(const surge_result *r, FILE *out);

/* Progress while running: a live, redrawn panel on a terminal (progress bar,
 * current vs target rate, ok/failed, latency, operation mix, top errors), or
 * one plain line per sample. Feed it every live result from on_sample. */
typedef struct surge_display surge_display;
surge_display *surge_display_new(FILE *out, surge_progress mode);
void surge_display_update(surge_display *d, const surge_result *live);
void surge_display_finish(surge_display *d);   /* leave the terminal clean */
void surge_display_free(surge_display *d);     /* NULL is a no-op */

/* ---- what is available -------------------------------------------------- */

/* NULL-terminated list of built-in workload names. */
const char *const *surge_workload_names(void);

/* Print the workloads with their operations and weights (name NULL), or one
 * workload with its SQL. -1 if there is no such workload. */
int surge_workload_describe(const char *name, FILE *out);

/* Preview a pattern: a terminal plot (or JSON with json = true) of its rate
 * over [0, window] seconds (window <= 0: its length, or a sensible window
 * when it never ends) and its total operations. -1 with the parse error,
 * caret line included, in err. */
int surge_plan_print(const char *expr, double window, bool json, int width, int height,
                     FILE *out, char *err, size_t errlen);

/* Read the schema of the database at url from its own catalog (tables,
 * columns, keys, foreign keys, checks, row counts) and print it to out: for
 * people, or as JSON (format in docs/inspect.md) with json = true. Reads
 * only: a SQLite file must already exist. 0; SURGE_EINPUT for the user's
 * mistake (an unknown scheme, a target without a catalog such as null:, a
 * SQLite file that is missing or cannot be opened); SURGE_ERUNTIME when the
 * server cannot be reached, the catalog cannot be read or out cannot be
 * written. One line in err, passwords masked. */
int surge_inspect(const char *url, bool json, FILE *out, char *err, size_t errlen);

/* ---- seeding ----------------------------------------------------------- */

typedef struct surge_seed_progress {
    const char *table;          /* the table being filled ("" between tables) */
    int64_t table_done, table_total;
    int64_t done, total;        /* rows over all tables */
    double elapsed_s;
    bool table_finished;        /* the call that ends a table */
} surge_seed_progress;

typedef struct surge_seed_config {
    const char *target;         /* URL */
    const char *workload;       /* a built-in workload: create its schema and seed it (scale) instead */
    int scale;                  /* with workload */
    bool fresh;                 /* with workload: drop its tables first */
    int64_t rows;               /* rows to add to each table (default 1000) */
    const char *const *table_rows;   /* "name=N" overrides, NULL-terminated; NULL none */
    const char *tables;         /* "a,b": only these tables (others are only read, as parents) */
    const char *const *columns; /* "TABLE.COLUMN=KIND[:ARG]" generators by hand, NULL-terminated; NULL none */
    uint64_t seed;
    bool has_seed;              /* else a seed is drawn and reported in seed_used */
    bool dry_run;               /* print the plan (order, rows, a generator per column) and write nothing */
    FILE *plan_out;             /* where dry_run prints (stdout when NULL) */
    void (*on_progress)(const surge_seed_progress *p, void *user);   /* at most every 100 ms, and per table */
    void *user;

    /* Filled in: */
    uint64_t seed_used;
    int64_t rows_written;
    double seconds;
} surge_seed_config;

void surge_seed_config_init(surge_seed_config *cfg);

/* Fill the target's tables with generated rows that fit every column and
 * foreign key, parents first; a foreign-key cycle is broken on a nullable
 * column, filled in a second pass. Same seed, same schema, same starting
 * contents: same data. 0; SURGE_EINPUT (bad option, unknown table, a
 * cycle through NOT NULL columns); SURGE_ERUNTIME (the server refused).
 * One line in err, passwords masked. */
int surge_seed(surge_seed_config *cfg, char *err, size_t errlen);

/* ---- migrations -------------------------------------------------------- */

#define SURGE_MIGRATE_DRY_RUN       1u   /* list what would be applied; change nothing */
#define SURGE_MIGRATE_STATUS        2u   /* list applied and pending files (dir may be NULL) */
#define SURGE_MIGRATE_ALLOW_CHANGED 4u   /* an applied file edited since: a warning, not an error */

/* Apply the NNN_name.sql files of dir to the database at url, once each,
 * in numeric order, recorded in its table surge_migrations
 * (docs/migrations.md); a line per file to out (NULL: quiet), then a
 * count. 0; SURGE_EINPUT (unknown scheme, a target without SQL, no such
 * folder, a badly named or duplicate-numbered file, an applied file whose
 * checksum changed); SURGE_ERUNTIME (unreachable, or a file failed: the
 * files before it stay applied). One line in err, passwords masked. */
int surge_migrate(const char *url, const char *dir, unsigned flags, FILE *out, char *err, size_t errlen);

/* Durations and rates as people write them ("500ms", "1h30m", "30s"; a bare
 * number is seconds / "100", "30/m"). 0 on success, -1 on bad input. */
int surge_parse_duration(const char *s, double *seconds);
int surge_parse_rate(const char *s, double *per_second);

/* Copy url into buf with any password replaced by "****". */
char *surge_mask_url(const char *url, char *buf, size_t len);

/* ---- progressive stress ------------------------------------------------ */

/* Levels of load, one after another, each a complete run of its own (a
 * generator made from a copy of the template config), judged against
 * pass/fail criteria; the capacity is the highest level that passed
 * (docs/stress.md).
 *
 *   surge_stress_config sc;
 *   surge_stress_config_init(&sc);
 *   sc.run.target = "postgres://...";
 *   double levels[] = { 100, 200, 400, 800 };
 *   sc.levels = levels; sc.nlevels = 4;
 *   surge_stress *s = surge_stress_new(&sc, err, sizeof err);
 *   if (!s || surge_stress_run(s, err, sizeof err) != 0) ... report err ...
 *   surge_stress_print(s, stdout);
 *   surge_stress_free(s);
 */

typedef enum surge_stress_kind {
    SURGE_STRESS_RATE = 0,        /* a level is a rate: pattern constant(LEVEL, level_duration) */
    SURGE_STRESS_CONNECTIONS,     /* a level is a number of connections, closed loop */
} surge_stress_kind;

#define SURGE_STRESS_MAX_LEVELS 64

typedef struct surge_stress_level surge_stress_level;
typedef void (*surge_stress_level_fn)(const surge_stress_level *lv, void *user);

typedef struct surge_stress_config {
    /* Every level runs a copy of it. Each level sets the pattern (rate
     * levels) or the connections (connection levels) and the duration;
     * op_patterns, transactions and time_scale are not used; fresh applies
     * to the first level only; with has_seed, level i runs with seed + i.
     * on_sample and user are passed to each level's generator; on_event is
     * replaced (the level's events come through on_event below). */
    surge_config run;
    surge_stress_kind kind;
    const double *levels;         /* nlevels levels in order (ops/s or connections) ... */
    int nlevels;
    double start, factor, max;    /* ... or, with levels NULL: start, start*factor, ... while <= max */
    double level_duration;        /* seconds of measured load per level; default 30 */
    double cooldown;              /* seconds of pause after each level; default 5 */
    bool keep_going;              /* go on after a failed level (default: stop at the first) */

    /* Criteria; a bound list has one value per level, the last repeating. */
    double min_throughput;        /* rate levels: fraction of the level's rate; default 0.96; 0 not judged */
    double max_errors;            /* failed / operations must stay under it; default 0.001; < 0 not judged */
    double latency_pct;           /* the percentile judged: 50, 90, 95, 99, 99.9 or 100 (max); 0 none */
    const double *latency_ms;     /* its bound per level, milliseconds */
    int nlatency;
    const double *cpu_pct;        /* the watched system's CPU (gauge cpu_pct, max over the level) under it; */
    int ncpu;                     /* default { 80 }; ncpu 0: not judged */
    const double *mem_pct;        /* ... and its memory (gauge mem_pct); default { 85 } */
    int nmem;
    bool check_lost;              /* queue targets: nothing unacknowledged, nothing unsent; default true */

    /* Events of the stress ("level_started", "level_passed", "level_failed",
     * "warning", "capacity", "recovery") and of each level's run, which gain
     * a member "level" (its index). From the thread that runs the stress and
     * the levels' reporter threads, one at a time. */
    surge_event_fn on_event;
    surge_stress_level_fn on_level;   /* after each level is judged, from the running thread */
    void *user;                       /* for on_event and on_level */
} surge_stress_config;

void surge_stress_config_init(surge_stress_config *cfg);   /* the defaults above, run from surge_config_init */

/* A failed criterion, or an early warning. */
typedef struct surge_stress_finding {
    const char *what;             /* failures: "throughput", "errors", "latency", "cpu", "memory", "lost",
                                     "guardrail", "threshold", "error", "start"; warnings: "cpu",
                                     "memory", "latency_rise", "backlog" */
    double value, bound;          /* what was measured and its bound, in the criterion's unit; NAN none */
    const char *detail;           /* one line for people */
} surge_stress_finding;

struct surge_stress_level {
    int index;                    /* from 0 */
    double level;                 /* ops/s or connections */
    const char *verdict;          /* "pass", "fail", or "stopped" (interrupted: not judged) */
    double target_rate;           /* ops/s the level asked for; 0 for connection levels */
    double achieved;              /* ops/s that succeeded (the result's throughput) */
    double error_rate;            /* failed / operations, 0..1 */
    double latency_ms;            /* the judged percentile (p99 without a latency criterion) */
    double cpu_pct, mem_pct;      /* the watched system's, max over the level; NAN not measured */
    double latency_bound_ms, cpu_bound, mem_bound;   /* the bounds applied; NAN none */
    int nfailures;
    const surge_stress_finding *failures;
    int nwarnings;
    const surge_stress_finding *warnings;
    const surge_result *result;   /* the level's whole result; NULL when it could not start */
};

typedef struct surge_stress_result {
    const surge_stress_config *config;   /* as run: defaults filled in, every list one value per level */
    int nplanned;
    const double *planned;        /* every level, in order */
    int nlevels;                  /* the levels that ran */
    const surge_stress_level *levels;
    int capacity_index;           /* the highest level that passed, or -1 */
    double capacity;              /* its value (ops/s or connections); NAN when none passed */
    const char *stop_reason;      /* "all levels ran", "level failed", "stopped" */
    double baseline_cpu, baseline_mem;   /* the watched system before the first level; NAN without watch */
    int recovered;                /* after the last level, CPU back within 10 points of the baseline:
                                     1 yes, 0 no, -1 not checked (no watch) */
    double recovery_s;            /* how long it took; NAN when not recovered */
    double recovery_cpu;          /* the last reading; NAN none */
} surge_stress_result;

typedef struct surge_stress surge_stress;

/* Check the configuration (the levels, the criteria, and the template as a
 * first level: target, workload, numbers, the watch spec) and copy it, with
 * its lists of levels and bounds; the strings (and the thresholds array) it
 * points to are the caller's, and must stay valid until surge_stress_run
 * returns. Nothing is connected. NULL with a one-line message on bad input. */
surge_stress *surge_stress_new(const surge_stress_config *cfg, char *err, size_t errlen);

/* Run the levels, the cooldowns and the recovery check; block until done.
 * 0 when the stress ran (whatever the verdicts), or when a level after the
 * first could not start (that level fails with "start"); SURGE_EINPUT or
 * SURGE_ERUNTIME with a message when the first level could not start (then
 * there is no result). Once only. */
int surge_stress_run(surge_stress *s, char *err, size_t errlen);

/* Stop the running level and run no more. Async-signal-safe. */
void surge_stress_stop(surge_stress *s);

/* The verdicts; complete after surge_stress_run, owned by s. */
const surge_stress_result *surge_stress_get(const surge_stress *s);

/* The verdict table, the warnings, the capacity and the recovery, for people. */
void surge_stress_print(const surge_stress *s, FILE *out);

/* The whole stress as JSON (docs/stress.md), each level's result in it as
 * surge_result_write_json writes it. 0 or -1 (errno set). */
int surge_stress_write_json(const surge_stress *s, FILE *out);

/* A self-contained HTML report (the verdict table, charts per level) from
 * the JSON surge_stress_write_json writes. 0, or -1 with a message. */
int surge_stress_report_html(const char *stress_json, FILE *out, char *err, size_t errlen);

/* NULL is a no-op. Not while surge_stress_run runs: stop it, let it return. */
void surge_stress_free(surge_stress *s);

#ifdef __cplusplus
}
#endif
#endif
