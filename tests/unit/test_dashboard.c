/* test_dashboard.c - the web dashboard and its control API, over real HTTP,
 * against a running generator (null: target, noop workload, 200 ops/s):
 * the page, /api/status, /api/metrics, /api/events, Prometheus text at
 * /metrics (parsed strictly, tests/unit/promtext.h), pause / resume / stop,
 * the token and the address rules; a queue target's gauges, observed
 * latencies and end facts through all three. And the parts under the server
 * on their own: the deep copy, the history bound, label escaping.
 *
 *   test_dashboard                    run the checks
 *   test_dashboard --serve SECONDS    run a generator with a dashboard on a
 *                                     free port, print "port N", end with the
 *                                     run (tests/cli/test_dashboard_browser.py)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "httpc.h"
#include "out/dash.h"
#include "out/jsonv.h"
#include "promtext.h"
#include "surge.h"

static void sleep_s(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    nanosleep(&ts, NULL);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- a generator with a dashboard --------------------------------------- */

typedef struct feed {
    surge_dashboard *d;
} feed;

static void on_sample(const surge_result *live, void *user)
{
    surge_dashboard_update(((feed *)user)->d, live);
}

static void on_event(const surge_event *e, void *user)
{
    surge_dashboard_event(((feed *)user)->d, e);
}

static surge_gen *start_run(const char *pattern, const char *addr, const char *token, feed *f)
{
    surge_config cfg;
    surge_config_init(&cfg);
    cfg.target = "null:";
    cfg.workload = "noop";
    cfg.pattern = pattern;
    cfg.threads = 1;
    cfg.on_sample = on_sample;
    cfg.on_event = on_event;
    cfg.user = f;
    char err[512];
    surge_gen *g = surge_gen_new(&cfg, err, sizeof err);
    CHECK(g != NULL, "surge_gen_new: %s", err);
    if (!g)
        return NULL;
    /* The dashboard first: the callbacks find it from the first sample on. */
    f->d = surge_dashboard_start(addr, token, g, err, sizeof err);
    CHECK(f->d != NULL, "surge_dashboard_start: %s", err);
    if (f->d && surge_gen_start(g, err, sizeof err) == 0)
        return g;
    CHECK(false, "surge_gen_start: %s", err);
    surge_dashboard_stop(f->d);
    surge_gen_free(g);
    return NULL;
}

/* ---- reading replies ------------------------------------------------------ */

static bool json_object(const http_reply *r)
{
    jsonv_type t;
    char err[256];
    return r->body && jsonv_check(r->body, r->body_len, &t, NULL, NULL, err, sizeof err) == 0 && t == JSONV_OBJECT;
}

static http_reply get(int port, const char *path)
{
    return http_request(port, "GET", path, NULL);
}

static bool status_has(int port, const char *needle)
{
    http_reply r = get(port, "/api/status");
    bool yes = r.body && strstr(r.body, needle);
    http_reply_free(&r);
    return yes;
}

static bool wait_status(int port, const char *needle, double timeout)
{
    for (double end = now_s() + timeout; now_s() < end; sleep_s(0.05))
        if (status_has(port, needle))
            return true;
    return false;
}

/* A number after "key": in a JSON body (the first one). */
static double json_num(const char *body, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = body ? strstr(body, k) : NULL;
    return p ? strtod(p + strlen(k), NULL) : NAN;
}

static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; p && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static bool scrape(int port, prom *p)
{
    http_reply r = get(port, "/metrics");
    char type[128] = "";
    http_header(&r, "Content-Type", type, sizeof type);
    CHECK(r.status == 200, "/metrics: status %d", r.status);
    CHECK(strcmp(type, "text/plain; version=0.0.4; charset=utf-8") == 0, "/metrics content type: %s", type);
    bool ok = r.body && prom_parse(p, r.body) == 0;
    CHECK(ok, "/metrics parses as Prometheus text: %s\n%.400s", p->err, r.body ? r.body : "");
    http_reply_free(&r);
    return ok;
}

static bool prom_has(const prom *p, const char *name, const char *labels)
{
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->s[i].name, name) == 0 && strcmp(p->s[i].labels, labels) == 0)
            return true;
    return false;
}

static bool prom_has_family(const prom *p, const char *name)
{
    for (int i = 0; i < p->nf; i++)
        if (strcmp(p->f[i].name, name) == 0)
            return true;
    return false;
}

/* ---- the live run ----------------------------------------------------- */

static void check_page(int port)
{
    http_reply r = get(port, "/");
    char buf[512];
    CHECK(r.status == 200, "/: status %d", r.status);
    CHECK(http_header(&r, "Content-Type", buf, sizeof buf) && strcmp(buf, "text/html; charset=utf-8") == 0, "/: type");
    CHECK(http_header(&r, "Content-Security-Policy", buf, sizeof buf) && strstr(buf, "default-src 'none'"),
          "/: a policy that loads nothing from elsewhere");
    CHECK(r.body && strstr(r.body, "var uPlot=") && strstr(r.body, "surgeDashboard"), "/: uPlot and the page's script");
    CHECK(r.body && !strstr(r.body, " src="), "/: no external script");
    http_reply_free(&r);
}

static void check_api(int port)
{
    http_reply r = get(port, "/api/status");
    char buf[256];
    CHECK(r.status == 200, "/api/status: %d", r.status);
    CHECK(http_header(&r, "Content-Type", buf, sizeof buf) && strcmp(buf, "application/json") == 0, "status type");
    CHECK(json_object(&r), "/api/status is a JSON object: %.300s", r.body);
    CHECK(r.body && strstr(r.body, "\"state\":\"running\"") && strstr(r.body, "\"workload\":\"noop\"") &&
              strstr(r.body, "\"target\":\"null:\"") && strstr(r.body, "\"paused\":false"),
          "status says what runs: %.300s", r.body);
    CHECK(json_num(r.body, "ok") > 0 && json_num(r.body, "elapsed_s") > 0, "status counts: %.300s", r.body);
    CHECK(r.body && strstr(r.body, "\"by_op\":[{\"name\":\"noop\""), "status has the operation");
    CHECK(r.body && strstr(r.body, "\"gauges\":{},\"observed\":{},\"target_end\":{}"),
          "null: has no gauges, nothing observed, no end facts: empty objects");
    http_reply_free(&r);

    r = get(port, "/api/metrics");
    int n = r.body ? count_of(r.body, "{\"t\":") : 0;
    CHECK(r.status == 200 && json_object(&r), "/api/metrics: %d %.200s", r.status, r.body);
    CHECK(n >= 2, "/api/metrics has samples (%d)", n);
    double rate = json_num(r.body ? strrchr(r.body, '{') : NULL, "actual_rate");
    CHECK(fabs(rate - 200) < 30, "the last sample's rate is about 200/s: %g", rate);
    http_reply_free(&r);

    r = get(port, "/api/metrics?since=1.5");
    int later = r.body ? count_of(r.body, "{\"t\":") : 0;
    CHECK(later == n - 1, "since=1.5 drops the sample at t=1 (%d of %d)", later, n);
    CHECK(r.body && !strstr(r.body, "{\"t\":1,"), "since: only t > since");
    http_reply_free(&r);
    r = get(port, "/api/metrics?since=100000");
    CHECK(r.status == 200 && r.body && strstr(r.body, "\"samples\":[]"), "since past the end: none: %.100s", r.body);
    http_reply_free(&r);
    r = get(port, "/api/metrics?since=abc");
    CHECK(r.status == 400 && json_object(&r), "since=abc: 400 (got %d)", r.status);
    http_reply_free(&r);

    r = get(port, "/api/events");
    CHECK(r.status == 200 && json_object(&r), "/api/events: %d %.200s", r.status, r.body);
    CHECK(r.body && strstr(r.body, "\"type\":\"started\""), "the started event is there: %.300s", r.body);
    http_reply_free(&r);
}

static void check_prometheus_live(int port)
{
    static prom p;
    if (!scrape(port, &p))
        return;
    CHECK(prom_get(&p, "surge_ops_total", "result=ok") > 0, "ok counted");
    CHECK(prom_get(&p, "surge_ops_total", "result=failed") == 0, "none failed");
    CHECK(prom_get(&p, "surge_target_rate_ops_per_second", NULL) == 200, "target 200/s: %g",
          prom_get(&p, "surge_target_rate_ops_per_second", NULL));
    CHECK(fabs(prom_get(&p, "surge_rate_ops_per_second", NULL) - 200) < 30, "rate about 200/s");
    CHECK(prom_get(&p, "surge_paused", NULL) == 0 && prom_get(&p, "surge_running", NULL) == 1, "running, not paused");
    double q99 = prom_get(&p, "surge_operation_latency_seconds", "op=noop,quantile=0.99");
    CHECK(q99 > 0 && q99 < 1, "noop's p99 in seconds: %g", q99);
    CHECK(prom_get(&p, "surge_operation_latency_seconds_count", "op=noop") ==
              prom_get(&p, "surge_operation_ops_total", "op=noop,result=ok"), "summary count = ok");
    CHECK(prom_get(&p, "surge_info", "version=" SURGE_VERSION ",target=null:,workload=noop,mode=open") == 1, "info");
    CHECK(!prom_has_family(&p, "surge_target_gauge") && !prom_has_family(&p, "surge_observed_total"),
          "null: no target families");
}

static void check_methods(int port)
{
    static const struct { const char *method, *path; int status; const char *allow; } cases[] = {
        { "GET", "/api/pause", 405, "POST" },   { "GET", "/api/stop", 405, "POST" },
        { "POST", "/api/status", 405, "GET, HEAD" }, { "POST", "/metrics", 405, "GET, HEAD" },
        { "DELETE", "/", 405, "GET, HEAD" },    { "GET", "/nope", 404, NULL },
        { "GET", "/api/", 404, NULL },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        http_reply r = http_request(port, cases[i].method, cases[i].path, NULL);
        char allow[64] = "";
        http_header(&r, "Allow", allow, sizeof allow);
        CHECK(r.status == cases[i].status, "%s %s: %d, want %d", cases[i].method, cases[i].path, r.status,
              cases[i].status);
        CHECK(!cases[i].allow || strcmp(allow, cases[i].allow) == 0, "%s %s: Allow: %s", cases[i].method,
              cases[i].path, allow);
        CHECK(json_object(&r), "%s %s: a JSON error", cases[i].method, cases[i].path);
        http_reply_free(&r);
    }
    /* Another site's page must not reach it: by a form (Origin) or through a
     * name rebound to 127.0.0.1 (Host). */
    http_reply r = http_request(port, "POST", "/api/resume", "Origin: http://evil.example\r\n");
    CHECK(r.status == 403, "a cross-origin POST: 403 (got %d)", r.status);
    http_reply_free(&r);
    char same[128];
    snprintf(same, sizeof same, "Origin: http://127.0.0.1:%d\r\n", port);
    r = http_request(port, "POST", "/api/resume", same);
    CHECK(r.status == 200, "a same-origin POST: 200 (got %d)", r.status);
    http_reply_free(&r);
    r = http_request(port, "GET", "/api/status", "Host: evil.example\r\n");
    CHECK(r.status == 403, "a foreign Host: 403 (got %d)", r.status);
    http_reply_free(&r);
    r = http_request(port, "GET", "/api/status", "Host: localhost\r\n");
    CHECK(r.status == 200, "Host: localhost: 200 (got %d)", r.status);
    http_reply_free(&r);
}

static uint64_t ok_now(int port)
{
    http_reply r = get(port, "/api/status");
    double v = json_num(r.body ? strstr(r.body, "\"ops\":") : NULL, "ok");
    http_reply_free(&r);
    return isfinite(v) ? (uint64_t)v : 0;
}

static void check_pause(int port)
{
    http_reply r = http_request(port, "POST", "/api/pause", NULL);
    CHECK(r.status == 200 && json_object(&r), "POST /api/pause: %d", r.status);
    http_reply_free(&r);
    bool paused = wait_status(port, "\"paused\":true", 3);
    CHECK(paused, "/api/status shows paused within 3 s of POST /api/pause");
    if (paused) {
        /* A sample may still count what was in flight: wait one out. */
        sleep_s(1.1);
        uint64_t a = ok_now(port);
        sleep_s(1.5);
        uint64_t b = ok_now(port);
        CHECK(b - a <= 2, "nothing runs while paused: ok went %llu -> %llu", (unsigned long long)a,
              (unsigned long long)b);
        static prom p;
        if (scrape(port, &p))
            CHECK(prom_get(&p, "surge_paused", NULL) == 1, "/metrics: surge_paused 1");
        r = get(port, "/api/events");
        CHECK(r.body && strstr(r.body, "\"type\":\"paused\""), "a paused event: %.300s", r.body);
        http_reply_free(&r);
    }
    r = http_request(port, "POST", "/api/resume", NULL);
    CHECK(r.status == 200, "POST /api/resume: %d", r.status);
    http_reply_free(&r);
    CHECK(wait_status(port, "\"paused\":false", 3), "/api/status shows resumed within 3 s");
    uint64_t a = ok_now(port);
    sleep_s(1.5);
    CHECK(ok_now(port) > a, "operations run again after resume");
}

static void test_live(void)
{
    feed f = { 0 };
    surge_gen *g = start_run("constant(200, 20s)", "127.0.0.1:0", NULL, &f);
    if (!g)
        return;
    int port = surge_dashboard_port(f.d);
    CHECK(port > 0 && port < 65536, "port 0 picked a port: %d", port);
    /* Two samples in: the history and the rates have something to show. */
    bool ready = false;
    for (double end = now_s() + 6; !ready && now_s() < end; sleep_s(0.1)) {
        http_reply r = get(port, "/api/metrics");
        ready = r.body && count_of(r.body, "{\"t\":") >= 2;
        http_reply_free(&r);
    }
    CHECK(ready, "two samples within 6 s");

    check_page(port);
    check_api(port);
    check_prometheus_live(port);
    check_methods(port);
    check_pause(port);

    double t0 = now_s();
    http_reply r = http_request(port, "POST", "/api/stop", NULL);
    CHECK(r.status == 200, "POST /api/stop: %d", r.status);
    http_reply_free(&r);
    surge_gen_wait(g);
    CHECK(now_s() - t0 < 5, "the run ended within 5 s of /api/stop (%.1f s)", now_s() - t0);
    const surge_result *res = surge_gen_result(g);
    CHECK(res && res->duration_s < 18, "stopped before the pattern's 20 s: %g", res ? res->duration_s : -1);
    CHECK(res && res->stop_reason && (strcmp(res->stop_reason, "stopped") == 0 || strcmp(res->stop_reason, "signal") == 0),
          "stop reason: %s", res && res->stop_reason ? res->stop_reason : "(null)");
    CHECK(res && strcmp(res->stop_reason, "stopped") == 0,
          "docs/result.md: \"stopped\" is a stop by the API (got \"%s\")", res ? res->stop_reason : "(null)");
    /* The final result came through on_sample: the dashboard shows the end. */
    CHECK(status_has(port, "\"state\":\"done\""), "status: done after the run");
    surge_dashboard_stop(f.d);
    surge_gen_free(g);
}

/* ---- token and address ------------------------------------------------------ */

static int status_with(int port, const char *path, const char *headers)
{
    http_reply r = http_request(port, "GET", path, headers);
    int s = r.status;
    char auth[128] = "";
    if (s == 401)
        CHECK(http_header(&r, "WWW-Authenticate", auth, sizeof auth) && strncmp(auth, "Bearer", 6) == 0,
              "401 says how: %s", auth);
    http_reply_free(&r);
    return s;
}

static void test_token(void)
{
    char err[512];
    /* No generator needed: the rules are the server's. */
    surge_dashboard *d = surge_dashboard_start("127.0.0.1:0", "s3cret-Token", NULL, err, sizeof err);
    CHECK(d != NULL, "loopback with a token: %s", err);
    if (d) {
        int port = surge_dashboard_port(d);
        CHECK(status_with(port, "/api/status", NULL) == 401, "no token: 401");
        CHECK(status_with(port, "/", NULL) == 401, "the page too: 401");
        CHECK(status_with(port, "/metrics", NULL) == 401, "/metrics too: 401");
        CHECK(status_with(port, "/api/status", "Authorization: Bearer wrong\r\n") == 401, "wrong token: 401");
        CHECK(status_with(port, "/api/status", "Authorization: Bearer s3cret-Toke\r\n") == 401, "a prefix: 401");
        CHECK(status_with(port, "/api/status", "Authorization: Bearer s3cret-Token2\r\n") == 401, "longer: 401");
        CHECK(status_with(port, "/api/status", "Authorization: Basic czNjcmV0\r\n") == 401, "Basic: 401");
        CHECK(status_with(port, "/api/status", "Authorization: Bearer s3cret-Token\r\n") == 200, "Bearer: 200");
        CHECK(status_with(port, "/api/status", "Authorization: bearer s3cret-Token\r\n") == 200, "bearer: 200");
        CHECK(status_with(port, "/api/status?token=s3cret-Token", NULL) == 200, "?token=: 200");
        CHECK(status_with(port, "/?token=s3cret-Token", NULL) == 200, "the page with ?token=: 200");
        CHECK(status_with(port, "/api/status?token=nope", NULL) == 401, "?token=wrong: 401");
        http_reply r = http_request(port, "POST", "/api/stop", NULL);
        CHECK(r.status == 401, "POST without the token: 401 (got %d)", r.status);
        http_reply_free(&r);
        /* With a token the Host is not checked: the token is the guard. */
        CHECK(status_with(port, "/api/status", "Host: dash.example\r\nAuthorization: Bearer s3cret-Token\r\n") == 200,
              "any Host with the token");
        surge_dashboard_stop(d);
    }

    d = surge_dashboard_start("0.0.0.0:0", NULL, NULL, err, sizeof err);
    CHECK(d == NULL, "0.0.0.0 without a token is refused");
    CHECK(strstr(err, "token is required") && strstr(err, "0.0.0.0"), "and says why: %s", err);
    surge_dashboard_stop(d);

    d = surge_dashboard_start("0.0.0.0:0", "tok", NULL, err, sizeof err);
    CHECK(d != NULL, "0.0.0.0 with a token: %s", err);
    if (d) {
        int port = surge_dashboard_port(d);
        CHECK(status_with(port, "/api/status", NULL) == 401, "0.0.0.0: no token, 401");
        CHECK(status_with(port, "/api/status", "Authorization: Bearer tok\r\n") == 200, "0.0.0.0: token, 200");
        surge_dashboard_stop(d);
    }
}

static void test_addresses(void)
{
    static const struct { const char *addr, *want; } bad[] = {
        { "", "no address" },           { "abc", "expected a port" },      { "70000", "expected a port" },
        { "127.0.0.1:", "expected a port" }, { "127.0.0.1:x", "expected a port" },
        { "host.example:80", "expected an IP address" }, { "::1:80", "in brackets" },
        { "[::1:80", "expected [IPV6]:PORT" }, { "1.2.3.4.5:80", "expected an IP address" },
        { "-1", "expected a port" },
    };
    char err[512];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        surge_dashboard *d = surge_dashboard_start(bad[i].addr, NULL, NULL, err, sizeof err);
        CHECK(d == NULL, "\"%s\" accepted", bad[i].addr);
        CHECK(strstr(err, bad[i].want) && strncmp(err, "dashboard: ", 11) == 0, "\"%s\": want \"%s\" in \"%s\"",
              bad[i].addr, bad[i].want, err);
        surge_dashboard_stop(d);
    }
    CHECK(surge_dashboard_start("127.0.0.1:0", "has space", NULL, err, sizeof err) == NULL &&
              strstr(err, "visible ASCII"), "a token with a space: %s", err);
    CHECK(surge_dashboard_start("127.0.0.1:0", "", NULL, err, sizeof err) == NULL, "an empty token");

    /* "PORT" alone and "localhost:PORT" are loopback; a port taken says so. */
    surge_dashboard *a = surge_dashboard_start("0", NULL, NULL, err, sizeof err);
    CHECK(a != NULL, "\"0\": %s", err);
    if (a) {
        char addr[64];
        snprintf(addr, sizeof addr, "localhost:%d", surge_dashboard_port(a));
        surge_dashboard *b = surge_dashboard_start(addr, NULL, NULL, err, sizeof err);
        CHECK(b == NULL && strstr(err, "cannot listen on 127.0.0.1:") && strstr(err, "in use"),
              "the same port twice: %s", err);
        surge_dashboard_stop(b);
        http_reply r = get(surge_dashboard_port(a), "/api/status");
        CHECK(r.status == 200 && r.body && strstr(r.body, "\"state\":\"new\""), "before any sample: state new");
        http_reply_free(&r);
        surge_dashboard_stop(a);
    }
    surge_dashboard *v6 = surge_dashboard_start("[::1]:0", NULL, NULL, err, sizeof err);
    CHECK(v6 || strstr(err, "cannot listen"), "[::1]:0: %s", err);   /* a host without IPv6 can't */
    surge_dashboard_stop(v6);
}

/* ---- the parts under the server ------------------------------------------- */

static void test_state(void)
{
    dash_state s;
    CHECK(dash_state_init(&s) == 0, "init");
    /* The generator keeps a sliding window of samples (1000 by default); the
     * dashboard keeps the last DASH_HISTORY of everything it was shown. */
    enum { WINDOW = 1000, TOTAL = DASH_HISTORY + 400 };
    surge_sample *all = calloc(TOTAL, sizeof *all);
    for (int i = 0; i < TOTAL; i++)
        all[i].t = i + 1, all[i].ok = (uint64_t)i;
    for (int n = 1; n <= TOTAL; n++) {
        char *name = strdup("op\"one"), *target = strdup("null:");
        surge_op_result op = { .name = name, .ok = (uint64_t)n };
        surge_result live = { .state = SURGE_STATE_RUNNING, .target = target, .nops = 1, .ops = &op };
        int from = n > WINDOW ? n - WINDOW : 0;
        live.history = all + from;
        live.nhistory = n - from;
        dash_state_update(&s, &live);
        /* live is gone after the callback: nothing of it may be kept. */
        memset(name, 'x', strlen(name));
        free(name);
        free(target);
    }
    CHECK(s.nhist == DASH_HISTORY, "history bounded: %d", s.nhist);
    CHECK(s.hist[0].t == TOTAL - DASH_HISTORY + 1 && s.hist[s.nhist - 1].t == TOTAL, "the last ones kept: %g..%g",
          s.hist[0].t, s.hist[s.nhist - 1].t);
    bool in_order = true;
    for (int i = 1; i < s.nhist; i++)
        in_order &= s.hist[i].t == s.hist[i - 1].t + 1;
    CHECK(in_order, "no sample twice, none missing");
    CHECK(s.r.nops == 1 && strcmp(s.r.ops[0].name, "op\"one") == 0 && strcmp(s.r.target, "null:") == 0,
          "a deep copy");

    for (int i = 0; i < DASH_EVENTS + 5; i++) {
        char ev[64];
        snprintf(ev, sizeof ev, "{\"n\":%d}", i);
        dash_state_event(&s, ev);
    }
    dash_state_event(&s, "{\"broken\":");
    dash_state_event(&s, NULL);
    CHECK(s.nevents == DASH_EVENTS && strcmp(s.events[0], "{\"n\":5}") == 0, "events bounded, the last kept");
    CHECK(s.events_seen == DASH_EVENTS + 5, "broken events are dropped");

    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    dash_write_metrics(&s, TOTAL - 2.5, f);
    fclose(f);
    CHECK(count_of(buf, "{\"t\":") == 3, "since: the last 3 of them: %.200s", buf);
    free(buf);
    free(all);
    dash_state_fini(&s);
}

static void test_prometheus_escaping(void)
{
    dash_state s;
    dash_state_init(&s);
    surge_op_result ops[2] = {
        { .name = "we\"ird\\op\nname", .ok = 3, .latency_ms = { .p50 = 1, .p90 = 2, .p95 = 3, .p99 = 4, .p999 = 5, .mean = 2 } },
        { .name = "idle" },
    };
    surge_threshold_result th = { .expr = "p99<100ms", .ok = false };
    surge_result live = { .state = SURGE_STATE_DONE, .target = "postgres://u:****@h/db", .workload = "w", .mode = "closed",
                          .nops = 2, .ops = ops, .nthresholds = 1, .thresholds = &th, .ops_ok = 3 };
    dash_state_update(&s, &live);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    dash_write_prometheus(&s, f);
    fclose(f);
    static prom p;
    CHECK(prom_parse(&p, buf) == 0, "parses: %s\n%s", p.err, buf);
    CHECK(prom_get(&p, "surge_operation_latency_seconds", "op=we\"ird\\op\nname,quantile=0.99") == 0.004,
          "an odd name escaped and read back; ms -> s");
    CHECK(prom_get(&p, "surge_operation_latency_seconds_sum", "op=we\"ird\\op\nname") == 0.006, "sum = mean x count");
    CHECK(isnan(prom_get(&p, "surge_operation_latency_seconds", "op=idle,quantile=0.5")), "no operations: NaN");
    CHECK(prom_get(&p, "surge_threshold_ok", "expr=p99<100ms") == 0, "a failed threshold: 0");
    CHECK(prom_get(&p, "surge_running", NULL) == 0, "done: not running");
    free(buf);
    dash_state_fini(&s);

    /* The parser itself must catch what it is there to catch. */
    static const char *const broken[] = {
        "x 1\n",                                                        /* no TYPE */
        "# TYPE x gauge\nx 1",                                          /* no final newline */
        "# TYPE x gauge\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n",                 /* twice */
        "# TYPE x counter\nx -1\n",                                     /* counter < 0 */
        "# TYPE x summary\nx 1\n",                                      /* no quantile */
        "# TYPE x gauge\n# TYPE y gauge\nx 1\ny 1\nx{a=\"b\"} 1\n",     /* not together */
        "# TYPE x gauge\nx{a=\"\\t\"} 1\n",                             /* bad escape */
        "# TYPE x gauge\nx  1\n",                                       /* two spaces */
        "# TYPE x gauge\nx 1x\n",                                       /* bad value */
        "# TYPE x gauge\n# TYPE x gauge\nx 1\n",                        /* second TYPE */
        "# TYPE x gauge\nx 1\n# HELP x late\n",                         /* HELP after */
    };
    for (size_t i = 0; i < sizeof broken / sizeof *broken; i++)
        CHECK(prom_parse(&p, broken[i]) != 0, "the test's parser accepts broken text %zu", i);
}

/* ---- a queue target's parts --------------------------------------------- */

/* A redis-like result (gauges, consumers' dequeue latency, how it ended)
 * goes through the deep copy and comes out, over HTTP, in /api/status,
 * /api/metrics and /metrics with the values put in: nothing of it is read
 * after the update returns (its strings are scribbled over and freed). */
static void test_target(void)
{
    char err[512];
    surge_dashboard *d = surge_dashboard_start("127.0.0.1:0", NULL, NULL, err, sizeof err);
    CHECK(d != NULL, "dashboard without a generator: %s", err);
    if (!d)
        return;
    int port = surge_dashboard_port(d);

    char *names[] = { strdup("queue_depth"), strdup("queue_depth_a"), strdup("dequeue"), strdup("dequeue.a"),
                      strdup("drained"), strdup("yes"), strdup("left_in_queue"), strdup("redis://h/0?queue=a") };
    surge_gauge gauges[2] = {
        { .name = names[0], .last = 7, .min = 0, .max = 12, .mean = 5.5, .samples = 3 },
        { .name = names[1], .last = 4, .min = 4, .max = 4, .mean = 4, .samples = 1 },
    };
    surge_observed observed[2] = {
        { .name = names[2], .count = 1000, .lost = 2,
          .latency_ms = { .p50 = 0.25, .p90 = 1, .p95 = 2, .p99 = 4, .p999 = 8, .mean = 0.5, .min = 0.125, .max = 16 } },
        { .name = names[3], .count = 0, .lost = 0 },
    };
    surge_fact facts[2] = { { .name = names[4], .text = names[5] }, { .name = names[6], .value = 3 } };
    surge_sample hist[3] = { { .t = 1 }, { .t = 2 }, { .t = 3 } };
    double depth[3] = { 0, 12, 7 }, depth_a[3] = { NAN, 4, NAN };   /* queue a: one reading, in the middle */
    for (int i = 0; i < 3; i++) {
        for (int g = 0; g < SURGE_MAX_GAUGES; g++)
            hist[i].gauge[g] = NAN;
        hist[i].gauge[0] = depth[i];
        hist[i].gauge[1] = depth_a[i];
    }
    surge_result live = { .state = SURGE_STATE_DONE, .target = names[7], .workload = "queue", .mode = "open",
                          .interval_s = 1, .nhistory = 3, .history = hist, .ngauges = 2, .gauges = gauges,
                          .nobserved = 2, .observed = observed, .nfacts = 2, .facts = facts };
    surge_dashboard_update(d, &live);
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        memset(names[i], 'x', strlen(names[i]));
        free(names[i]);
    }

    http_reply r = get(port, "/api/status");
    const char *body = r.body ? r.body : "";
    CHECK(r.status == 200 && json_object(&r), "status: %d %.300s", r.status, body);
    CHECK(strstr(body, "\"gauges\":{\"queue_depth\":{\"last\":7,\"min\":0,\"max\":12,\"mean\":5.5,"
                                   "\"samples\":3},\"queue_depth_a\":{\"last\":4,\"min\":4,\"max\":4,\"mean\":4,\"samples\":1}}"),
          "status: gauges as in the result file: %.600s", body);
    CHECK(strstr(body, "\"observed\":{\"dequeue\":{\"count\":1000,\"lost\":2,\"latency_ms\":{\"p50\":0.25,"
                                   "\"p90\":1,\"p95\":2,\"p99\":4,\"p999\":8,\"mean\":0.5,\"min\":0.125,\"max\":16}},"
                                   "\"dequeue.a\":{\"count\":0,\"lost\":0,"),
          "status: observed as in the result file: %.900s", body);
    CHECK(strstr(body, "\"target_end\":{\"drained\":\"yes\",\"left_in_queue\":3}"),
          "status: target_end, text and number: %.900s", body);
    CHECK(strstr(body, "\"target\":\"redis://h/0?queue=a\""), "status: the target, copied");
    http_reply_free(&r);

    r = get(port, "/api/metrics?since=1");
    body = r.body ? r.body : "";
    CHECK(r.status == 200 && json_object(&r), "metrics: %d %.300s", r.status, body);
    CHECK(strstr(body, "\"phase\":0,\"queue_depth\":12,\"queue_depth_a\":4}") &&
              strstr(body, "\"phase\":0,\"queue_depth\":7,\"queue_depth_a\":null}"),
          "metrics: each gauge a field of its sample, null without a reading: %.600s", body);
    CHECK(count_of(body, "{\"t\":") == 2, "metrics: since=1 leaves 2 samples");
    http_reply_free(&r);

    static prom p;
    if (scrape(port, &p)) {
        CHECK(prom_get(&p, "surge_target_gauge", "name=queue_depth") == 7, "the newest depth: %g",
              prom_get(&p, "surge_target_gauge", "name=queue_depth"));
        CHECK(!prom_has(&p, "surge_target_gauge", "name=queue_depth_a"), "no reading in the newest sample: no series");
        CHECK(prom_get(&p, "surge_observed_total", "name=dequeue") == 1000 &&
                  prom_get(&p, "surge_observed_total", "name=dequeue.a") == 0, "observed counts");
        CHECK(prom_get(&p, "surge_observed_lost_total", "name=dequeue") == 2, "lost");
        CHECK(prom_get(&p, "surge_observed_latency_seconds", "name=dequeue,quantile=0.5") == 0.25 / 1e3 &&
                  prom_get(&p, "surge_observed_latency_seconds", "name=dequeue,quantile=0.99") == 4 / 1e3 &&
                  prom_get(&p, "surge_observed_latency_seconds", "name=dequeue,quantile=0.999") == 8 / 1e3,
              "observed quantiles, ms -> s");
        CHECK(prom_get(&p, "surge_observed_latency_seconds_count", "name=dequeue") == 1000 &&
                  fabs(prom_get(&p, "surge_observed_latency_seconds_sum", "name=dequeue") - 0.5) < 1e-12,
              "observed _count and _sum (mean x count, in s)");
        CHECK(isnan(prom_get(&p, "surge_observed_latency_seconds", "name=dequeue.a,quantile=0.5")) &&
                  prom_has(&p, "surge_observed_latency_seconds", "name=dequeue.a,quantile=0.5"),
              "nothing observed: NaN quantiles, as an empty summary");
        for (int i = 0; i < p.nf; i++)
            if (strncmp(p.f[i].name, "surge_observed", 14) == 0 || strcmp(p.f[i].name, "surge_target_gauge") == 0)
                CHECK(strcmp(p.f[i].type, strstr(p.f[i].name, "latency") ? "summary"
                                              : strstr(p.f[i].name, "_total") ? "counter" : "gauge") == 0,
                      "%s: type %s", p.f[i].name, p.f[i].type);
    }
    surge_dashboard_stop(d);
}

/* ---- serve mode, for the browser test --------------------------------------- */

static int serve(double seconds)
{
    char pattern[64];
    snprintf(pattern, sizeof pattern, "constant(200, %.0fs)", seconds);
    feed f = { 0 };
    surge_gen *g = start_run(pattern, "127.0.0.1:0", NULL, &f);
    if (!g)
        return 1;
    printf("port %d\n", surge_dashboard_port(f.d));
    fflush(stdout);
    surge_gen_wait(g);
    sleep_s(1);   /* let the page see the end */
    surge_dashboard_stop(f.d);
    surge_gen_free(g);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--serve") == 0)
        return serve(atof(argv[2]));
    test_state();
    test_prometheus_escaping();
    test_target();
    test_addresses();
    test_token();
    test_live();
    return check_report();
}
