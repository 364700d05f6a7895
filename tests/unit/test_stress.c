/* test_stress.c - a stress level's verdict from made-up results (every
 * criterion and warning at its edge), and the checks surge_stress_new makes
 * of levels and bounds. No run: the running is tested by
 * tests/cli/test_stress.py. */
#include "run/stress_int.h"

#include <math.h>
#include <string.h>

#include "check.h"

/* A level of `level` ops/s that ran 10 s, every operation fine. */
typedef struct fixture {
    surge_stress_config cfg;
    surge_result r;
    surge_stress_level lv, prev;
    stress_findings st;
    surge_gauge gauges[3];
    surge_observed observed[1];
    surge_threshold_result thresholds[1];
    surge_sample history[4];
} fixture;

static void setup(fixture *f, double level)
{
    memset(f, 0, sizeof *f);
    surge_stress_config_init(&f->cfg);
    f->r.stop_reason = "pattern ended";
    f->r.workload = "ecommerce";
    f->r.duration_s = 10;
    f->r.ops_total = f->r.ops_ok = (uint64_t)(level * 10);
    f->r.throughput = level;
    f->r.latency_ms = (surge_latency){ .p50 = 1, .p90 = 2, .p95 = 3, .p99 = 5, .p999 = 8, .max = 10 };
    f->lv = (surge_stress_level){ .level = level, .target_rate = level, .result = &f->r,
                                  .latency_bound_ms = NAN, .cpu_bound = 80, .mem_bound = 85 };
}

static const char *judge(fixture *f, const surge_stress_level *prev)
{
    stress_judge(&f->cfg, &f->lv, prev, &f->st);
    return f->lv.verdict;
}

static bool has(const surge_stress_finding *list, int n, const char *what)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i].what, what) == 0)
            return true;
    return false;
}

static void test_throughput_and_errors(void)
{
    fixture f;
    setup(&f, 400);
    CHECK(!strcmp(judge(&f, NULL), "pass"), "a clean level passes, got %s", f.lv.verdict);
    CHECK(f.lv.nfailures == 0 && f.lv.nwarnings == 0, "%d failures, %d warnings", f.lv.nfailures, f.lv.nwarnings);
    CHECK(isnan(f.lv.cpu_pct) && isnan(f.lv.mem_pct), "no gauges: not measured");

    f.r.throughput = 384;   /* exactly 96% */
    CHECK(!strcmp(judge(&f, NULL), "pass"), "96%% of the rate passes");
    f.r.throughput = 383.9;
    CHECK(!strcmp(judge(&f, NULL), "fail") && has(f.lv.failures, f.lv.nfailures, "throughput"), "under 96%% fails");
    CHECK(f.lv.failures[0].bound == 384 && f.lv.failures[0].value == 383.9, "value %g bound %g",
          f.lv.failures[0].value, f.lv.failures[0].bound);
    f.cfg.min_throughput = 0;
    CHECK(!strcmp(judge(&f, NULL), "pass"), "0: throughput not judged");
    f.cfg.kind = SURGE_STRESS_CONNECTIONS;
    f.cfg.min_throughput = 0.96;
    CHECK(!strcmp(judge(&f, NULL), "pass"), "connection levels: no target rate to judge");

    setup(&f, 100);
    f.r.ops_failed = 1;   /* 1 of 1000: 0.1%, the bound itself */
    CHECK(!strcmp(judge(&f, NULL), "fail") && has(f.lv.failures, f.lv.nfailures, "errors"), "0.1%% is not under 0.1%%");
    f.r.ops_total = 1001;
    f.r.ops_failed = 1;
    CHECK(!strcmp(judge(&f, NULL), "pass"), "1 in 1001 is under 0.1%%");
    f.cfg.max_errors = 0;
    CHECK(!strcmp(judge(&f, NULL), "fail"), "bound 0: no failure at all");
    f.cfg.max_errors = -1;
    CHECK(!strcmp(judge(&f, NULL), "pass"), "negative: errors not judged");

    setup(&f, 100);
    f.r.ops_total = f.r.ops_ok = 0;
    f.r.throughput = 0;
    CHECK(!strcmp(judge(&f, NULL), "fail") && has(f.lv.failures, f.lv.nfailures, "throughput"), "nothing completed fails");
}

static void test_latency(void)
{
    fixture f;
    setup(&f, 100);
    f.cfg.latency_pct = 99;
    f.lv.latency_bound_ms = 5;
    CHECK(!strcmp(judge(&f, NULL), "pass") && f.lv.latency_ms == 5, "p99 at its bound passes (%g)", f.lv.latency_ms);
    f.lv.latency_bound_ms = 4.99;
    CHECK(!strcmp(judge(&f, NULL), "fail") && has(f.lv.failures, f.lv.nfailures, "latency"), "p99 over its bound fails");
    f.cfg.latency_pct = 100;
    f.lv.latency_bound_ms = 9;
    CHECK(!strcmp(judge(&f, NULL), "fail") && f.lv.latency_ms == 10, "max is judged on max (%g)", f.lv.latency_ms);
    f.cfg.latency_pct = 99.9;
    CHECK(!strcmp(judge(&f, NULL), "pass") && f.lv.latency_ms == 8, "p99.9 on p999 (%g)", f.lv.latency_ms);

    /* Rising latency, level over level: a warning, never a failure. */
    fixture g;
    setup(&g, 100);
    judge(&g, NULL);        /* p99 5 ms */
    setup(&f, 200);
    f.r.latency_ms.p99 = 7.5;
    CHECK(!strcmp(judge(&f, &g.lv), "pass") && f.lv.nwarnings == 0, "+50%% is not more than 50%%");
    f.r.latency_ms.p99 = 7.6;
    CHECK(!strcmp(judge(&f, &g.lv), "pass") && has(f.lv.warnings, f.lv.nwarnings, "latency_rise"), "+52%% warns");
    /* ... but not a sub-millisecond wobble, however large in percent. */
    setup(&g, 100);
    g.r.latency_ms.p99 = 0.08;
    judge(&g, NULL);
    setup(&f, 200);
    f.r.latency_ms.p99 = 0.24;
    CHECK(!strcmp(judge(&f, &g.lv), "pass") && f.lv.nwarnings == 0, "0.08 -> 0.24 ms is noise, no warning");
}

static void test_gauges(void)
{
    fixture f;
    setup(&f, 100);
    f.gauges[0] = (surge_gauge){ .name = "cpu_pct", .max = 70, .samples = 10 };
    f.gauges[1] = (surge_gauge){ .name = "mem_pct", .max = 74.9, .samples = 10 };
    f.r.gauges = f.gauges;
    f.r.ngauges = 2;
    CHECK(!strcmp(judge(&f, NULL), "pass"), "CPU 70 under 80 passes");
    CHECK(has(f.lv.warnings, f.lv.nwarnings, "cpu") && !has(f.lv.warnings, f.lv.nwarnings, "memory"),
          "CPU within 10 points warns, memory 10.1 points under does not");
    CHECK(f.lv.cpu_pct == 70 && f.lv.mem_pct == 74.9, "measured %g %g", f.lv.cpu_pct, f.lv.mem_pct);
    f.gauges[0].max = 80;
    CHECK(!strcmp(judge(&f, NULL), "fail") && has(f.lv.failures, f.lv.nfailures, "cpu"), "CPU at its bound fails");
    f.lv.cpu_bound = NAN;
    CHECK(!strcmp(judge(&f, NULL), "pass"), "no bound: not judged");
    f.gauges[0].samples = 0;   /* the source gave no reading */
    f.lv.cpu_bound = 80;
    CHECK(!strcmp(judge(&f, NULL), "pass") && isnan(f.lv.cpu_pct), "no reading: not measured, not failed");
}

static void test_queues(void)
{
    fixture f;
    setup(&f, 100);
    f.r.workload = "queue";
    f.observed[0] = (surge_observed){ .name = "ack", .count = 990, .lost = 10 };
    f.r.observed = f.observed;
    f.r.nobserved = 1;
    CHECK(!strcmp(judge(&f, NULL), "fail") && has(f.lv.failures, f.lv.nfailures, "lost"), "lost messages fail");
    f.observed[0].lost = 0;
    f.r.unsent = 5;
    CHECK(!strcmp(judge(&f, NULL), "fail") && has(f.lv.failures, f.lv.nfailures, "lost"), "unsent messages fail");
    CHECK(!has(f.lv.warnings, f.lv.nwarnings, "backlog"), "unsent is a failure here, not also a warning");
    f.cfg.check_lost = false;
    CHECK(!strcmp(judge(&f, NULL), "pass") && has(f.lv.warnings, f.lv.nwarnings, "backlog"),
          "without the loss check, unsent is a backlog warning");

    /* The queue grew within the level: by more than 10% of its operations. */
    setup(&f, 100);
    f.r.workload = "queue";
    f.gauges[0] = (surge_gauge){ .name = "queue_depth", .samples = 4 };
    f.r.gauges = f.gauges;
    f.r.ngauges = 1;
    double depth[4] = { NAN, 50, 90, 150 };   /* the first sample had no reading */
    for (int i = 0; i < 4; i++)
        f.history[i].gauge[0] = depth[i];
    f.r.history = f.history;
    f.r.nhistory = 4;
    CHECK(!strcmp(judge(&f, NULL), "pass") && f.lv.nwarnings == 0, "grew by 100 = 10%% of 1000: no warning");
    f.history[3].gauge[0] = 151;
    CHECK(!strcmp(judge(&f, NULL), "pass") && has(f.lv.warnings, f.lv.nwarnings, "backlog"), "grew by 101 warns");
}

static void test_stops(void)
{
    fixture f;
    setup(&f, 100);
    f.r.guardrail = "max-latency";
    f.r.stop_reason = "guardrail";
    f.r.stop_detail = "p99 of the last second 900 ms (limit 500 ms)";
    CHECK(!strcmp(judge(&f, NULL), "fail") && has(f.lv.failures, f.lv.nfailures, "guardrail"), "a guardrail fails the level");
    CHECK(strstr(f.lv.failures[0].detail, "max-latency") && strstr(f.lv.failures[0].detail, "900 ms"), "%s",
          f.lv.failures[0].detail);

    setup(&f, 100);
    f.thresholds[0] = (surge_threshold_result){ .expr = "p95<1ms", .ok = false, .value = 3, .detail = "p95 = 3 ms" };
    f.r.thresholds = f.thresholds;
    f.r.nthresholds = 1;
    CHECK(!strcmp(judge(&f, NULL), "fail") && has(f.lv.failures, f.lv.nfailures, "threshold"), "a failed threshold fails");

    setup(&f, 100);
    f.r.stop_reason = "signal";
    f.r.throughput = 10;   /* cut short */
    CHECK(!strcmp(judge(&f, NULL), "stopped") && f.lv.nfailures == 0, "interrupted: stopped, not judged");

    setup(&f, 100);
    f.r.stop_reason = "error";
    f.r.error = "exec: the consumer exited with status 3";
    CHECK(!strcmp(judge(&f, NULL), "fail") && has(f.lv.failures, f.lv.nfailures, "error"), "a fatal error fails");
}

/* surge_stress_new on input it must refuse, and the geometric levels. */
static void test_config(void)
{
    char err[512];
    surge_stress_config c;
    surge_stress_config_init(&c);
    c.run.target = "null:";
    c.run.workload = "noop";
    CHECK(!surge_stress_new(&c, err, sizeof err) && strstr(err, "levels"), "no levels: %s", err);

    double down[] = { 200, 100 };
    c.levels = down;
    c.nlevels = 2;
    CHECK(!surge_stress_new(&c, err, sizeof err) && strstr(err, "increasing"), "decreasing: %s", err);

    double ok[] = { 100, 200 };
    c.levels = ok;
    double cpu[] = { 40, 60, 80 };
    c.cpu_pct = cpu;
    c.ncpu = 3;
    CHECK(!surge_stress_new(&c, err, sizeof err) && strstr(err, "pass-cpu"), "3 bounds, 2 levels: %s", err);
    c.ncpu = 1;
    c.latency_pct = 75;
    double lat[] = { 10 };
    c.latency_ms = lat;
    c.nlatency = 1;
    CHECK(!surge_stress_new(&c, err, sizeof err) && strstr(err, "pass-latency"), "p75 is not kept: %s", err);
    c.latency_pct = 99;
    c.kind = SURGE_STRESS_CONNECTIONS;
    double half[] = { 1.5, 3 };
    c.levels = half;
    CHECK(!surge_stress_new(&c, err, sizeof err) && strstr(err, "whole"), "1.5 connections: %s", err);
    c.kind = SURGE_STRESS_RATE;
    c.levels = ok;
    c.run.workload = "nosuch";
    CHECK(!surge_stress_new(&c, err, sizeof err) && strstr(err, "nosuch"), "a bad workload fails up front: %s", err);
    c.run.workload = "noop";

    /* Geometric: 100 x 2 up to 1000 is 100, 200, 400, 800; the bound list
     * is one per level, the last repeating. */
    c.levels = NULL;
    c.nlevels = 0;
    c.start = 100;
    c.factor = 2;
    c.max = 1000;
    double cpu2[] = { 40, 60 };
    c.cpu_pct = cpu2;
    c.ncpu = 2;
    surge_stress *s = surge_stress_new(&c, err, sizeof err);
    CHECK(s != NULL, "geometric: %s", err);
    if (s) {
        const surge_stress_result *res = surge_stress_get(s);
        double want[] = { 100, 200, 400, 800 };
        CHECK(res->nplanned == 4, "%d levels", res->nplanned);
        for (int i = 0; i < 4 && i < res->nplanned; i++)
            CHECK(res->planned[i] == want[i], "level %d: %g", i, res->planned[i]);
        CHECK(res->config->ncpu == 4 && res->config->cpu_pct[1] == 60 && res->config->cpu_pct[3] == 60,
              "cpu bounds expanded: %d", res->config->ncpu);
        CHECK(res->config->nmem == 4 && res->config->mem_pct[3] == 85, "memory default for every level");
        CHECK(res->capacity_index == -1 && isnan(res->capacity) && res->nlevels == 0, "nothing ran yet");
        surge_stress_free(s);
    }
    c.start = 1;
    c.factor = 1.5;
    c.max = 10;
    c.kind = SURGE_STRESS_CONNECTIONS;
    s = surge_stress_new(&c, err, sizeof err);
    CHECK(s != NULL, "geometric connections: %s", err);
    if (s) {
        const surge_stress_result *res = surge_stress_get(s);
        double want[] = { 1, 2, 3, 5, 8 };   /* 1.5 -> 2, 2.25 -> 2 (left out), 3.375 -> 3, ... */
        CHECK(res->nplanned == 5, "%d levels", res->nplanned);
        for (int i = 0; i < 5 && i < res->nplanned; i++)
            CHECK(res->planned[i] == want[i], "level %d: %g", i, res->planned[i]);
        surge_stress_free(s);
    }
    surge_stress_free(NULL);
}

int main(void)
{
    test_throughput_and_errors();
    test_latency();
    test_gauges();
    test_queues();
    test_stops();
    test_config();
    return check_report();
}
