/* test_pattern.c - rate patterns: counts against values worked out by hand,
 * the inverse against the forward integral, clamped sines against a fine
 * Riemann sum of the rate, the parser's error columns, and the preview.
 */
#include "core/pattern.h"
#include "out/plan.h"
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const double PI = 3.14159265358979323846;

static pat_t *parse(const char *expr)
{
    pat_error e;
    pat_t *p = pat_parse(expr, &e);
    CHECK(p != NULL, "%s: %s at column %d", expr, e.msg, e.column);
    return p;
}

static int near(double a, double b, double tol)
{
    return fabs(a - b) <= tol;
}

/* Operations the scheduler places before `end`: operation k at C(t) = k + 0.5. */
static long scheduled(const pat_t *p, double end)
{
    long k = 0;
    while (pat_time_at(p, k + 0.5) < end)
        k++;
    return k;
}

/* Midpoint Riemann sum of the rate over [0, end), n slices. */
static double riemann(const pat_t *p, double end, long n)
{
    double sum = 0, h = end / n;
    for (long i = 0; i < n; i++)
        sum += pat_rate(p, (i + 0.5) * h);
    return sum * h;
}

/* xorshift64, so the test needs nothing else and always draws the same t. */
static unsigned long long seed = 0x9E3779B97F4A7C15ull;
static double uniform(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return (double)(seed >> 11) / 9007199254740992.0;
}

/* A finite pattern's duration, C(end), scheduled operations and what
 * happens after its end. */
static void expect_total(const char *expr, double dur, double ops)
{
    pat_t *p = parse(expr);
    if (!p)
        return;
    CHECK(near(pat_duration(p), dur, 1e-9), "%s: duration %.9g, want %g", expr, pat_duration(p), dur);
    CHECK(near(pat_count(p, dur), ops, 1e-6 * fmax(1, ops)), "%s: C(end) %.9g, want %g", expr, pat_count(p, dur), ops);
    long n = scheduled(p, dur);
    CHECK(labs(n - (long)llround(ops)) <= 1, "%s: %ld scheduled, want %g", expr, n, ops);
    CHECK(pat_rate(p, dur) == 0 && pat_rate(p, dur + 1) == 0, "%s: rate after the end", expr);
    CHECK(pat_count(p, dur + 100) == pat_count(p, dur), "%s: C grows after the end", expr);
    CHECK(pat_time_at(p, ops + 1) == INFINITY, "%s: time_at past the end", expr);
    pat_free(p);
}

static void test_totals(void)
{
    expect_total("ramp(0, 100, 10s)", 10, 500);
    expect_total("constant(7, 3s)", 3, 21);
    expect_total("constant(0.2, 60s)", 60, 12);
    expect_total("constant(rate=30/m, duration=2m)", 120, 60);
    expect_total("sine(100, 50, 10s, duration=60s)", 60, 6000);
    expect_total("sine(base=100, amp=100, period=250ms, duration=1m)", 60, 6000);
    expect_total("burst(500, on=5s, off=10s, count=10)", 150, 25000);
    expect_total("burst(100, on=1s, off=1s, count=3, idle=10)", 6, 330);
    expect_total("step(10:1s, 20:2s)", 3, 50);
    expect_total("points(0s:10, 30s:100, 60s:50)", 60, 3900);
    expect_total("ramp(10, 500, 60s, hold=3m, down=true)", 300, 120600);
    expect_total("ramp(start=500, end=0, duration=1m)", 60, 15000);
    expect_total("ramp(0, 100, 10s) then constant(7, 3s) then burst(500, on=5s, off=10s, count=10)", 163, 25521);
    expect_total("constant(0, 10s) then constant(10, 1s) then constant(0, 5s)", 16, 10);
    expect_total("constant(1, 1h30m)", 5400, 5400);
    expect_total("step(10:1s, 20:2s, repeat=false) then points(0:0, 2s:10, loop=false)", 5, 60);
}

static void test_shapes(void)
{
    pat_t *p = parse("ramp(0, 100, 10s)");
    CHECK(near(pat_count(p, 5), 125, 1e-9) && near(pat_rate(p, 5), 50, 1e-9), "ramp midpoint");
    CHECK(pat_peak(p) == 100, "ramp peak %g", pat_peak(p));
    pat_free(p);

    p = parse("ramp(10, 500, 60s, hold=3m, down=true)");
    CHECK(near(pat_rate(p, 270), 255, 1e-9), "ramp down %g", pat_rate(p, 270));
    CHECK(near(pat_rate(p, 100), 500, 1e-9), "hold");
    pat_free(p);

    p = parse("sine(100, 50, 10s, duration=60s)");
    CHECK(near(pat_count(p, 5), 500 + 500 / PI, 1e-9), "half period %.12g", pat_count(p, 5));
    CHECK(near(pat_rate(p, 2.5), 150, 1e-9) && pat_peak(p) == 150, "sine peak");
    pat_free(p);

    p = parse("sine(100, 50, 10s, phase=90deg)");
    CHECK(near(pat_rate(p, 0), 150, 1e-9), "phase in degrees: %g", pat_rate(p, 0));
    pat_free(p);
    p = parse("sine(base=100, amp=50, period=10s, phase=3.14159265358979)");
    CHECK(near(pat_rate(p, 2.5), 50, 1e-9), "phase in radians: %g", pat_rate(p, 2.5));
    pat_free(p);
    p = parse("sine(100, 50, 1m, duration=15s)");
    CHECK(pat_peak(p) == 150 && near(pat_duration(p), 15, 1e-12), "a quarter period reaches the top");
    pat_free(p);
    p = parse("sine(100, 50, 1m, duration=10s)");
    CHECK(pat_peak(p) < 150, "less than a quarter period does not: %g", pat_peak(p));
    pat_free(p);

    p = parse("120");
    CHECK(pat_duration(p) == INFINITY && pat_rate(p, 1e6) == 120 && near(pat_count(p, 10), 1200, 1e-9), "bare rate");
    pat_free(p);
    p = parse("100/m");
    CHECK(near(pat_rate(p, 3), 100.0 / 60, 1e-12), "rate per minute");
    pat_free(p);

    p = parse("step(10:1s, 20:2s, repeat=true)");
    CHECK(pat_duration(p) == INFINITY, "step repeat never ends");
    CHECK(near(pat_count(p, 30), 500, 1e-9) && near(pat_count(p, 31.5), 520, 1e-9), "step cycles %g", pat_count(p, 31.5));
    CHECK(pat_rate(p, 30.5) == 10 && pat_rate(p, 32) == 20, "step rate");
    pat_free(p);

    p = parse("points(0:0, 10s:100, loop=true)");
    CHECK(near(pat_count(p, 10), 500, 1e-9) && near(pat_count(p, 25), 1125, 1e-9), "points loop %g", pat_count(p, 25));
    CHECK(near(pat_rate(p, 15), 50, 1e-9), "points interpolate");
    pat_free(p);

    /* A count reached exactly at the end of a burst maps to that end, not to
     * the next burst's start: the smallest t with C(t) >= c. */
    p = parse("burst(500, on=5s, off=10s, count=10)");
    CHECK(near(pat_time_at(p, 2500), 5, 1e-9) && near(pat_time_at(p, 2500.5), 15.001, 1e-9), "burst edges %.9g",
           pat_time_at(p, 2500));
    CHECK(pat_time_at(p, 0) == 0 && pat_time_at(p, -1) == 0, "time_at(0)");
    pat_free(p);
}

/* Clamped sines (amp > base) against a fine Riemann sum of the rate. */
static void test_clamped_sine(void)
{
    const char *exprs[] = {
        "sine(50, 100, 10s, duration=30s)",
        "sine(0, 100, 10s, phase=200deg, duration=20s)",
        "sine(10, 100, 7s, phase=-1, duration=25s)",
        "sine(30, 60, 4s, phase=270deg, duration=9s)",
    };
    for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
        pat_t *p = parse(exprs[i]);
        if (!p)
            continue;
        double d = pat_duration(p), exact = pat_count(p, d), sum = riemann(p, d, 2000000);
        CHECK(near(exact, sum, 1e-6 * sum), "%s: C %.9g, Riemann %.9g", exprs[i], exact, sum);
        double lowest = INFINITY;
        for (int k = 0; k <= 10000; k++)
            lowest = fmin(lowest, pat_rate(p, d * k / 10000));
        CHECK(lowest >= 0, "%s: negative rate", exprs[i]);
        CHECK(labs(scheduled(p, d) - (long)llround(exact)) <= 1, "%s: scheduled", exprs[i]);
        pat_free(p);
    }
    pat_t *p = parse("sine(0, 100, 10s, duration=20s)");
    CHECK(near(pat_count(p, 20), 2 * 1000 / PI, 1e-9), "half-wave %.12g", pat_count(p, 20));
    pat_free(p);
}

/* pat_time_at(pat_count(t)) == t wherever the rate is above zero, <= t in a
 * pause, and both functions monotone, for every shape. */
static void test_inverse(void)
{
    const char *exprs[] = {
        "ramp(0, 100, 10s)", "ramp(500, 3, 1m, hold=10s, down=true)", "constant(7, 3s)", "42",
        "step(10:1s, 0:2s, 300:500ms, repeat=true)", "sine(100, 50, 10s)", "sine(20, 80, 3s, phase=1, duration=100s)",
        "sine(0, 5, 1s)", "burst(500, on=5s, off=10s, count=10)", "burst(50, on=100ms, off=300ms, idle=5)",
        "points(0:0, 10s:100, 12s:0, 30s:40, loop=true)",
        "constant(0.2, 60s) then ramp(0.2, 1000, 2m) then sine(500, 600, 45s)",
        "ramp(0, 1000000, 1ms) then constant(1000000, 1s)",
    };
    for (size_t i = 0; i < sizeof exprs / sizeof exprs[0]; i++) {
        pat_t *p = parse(exprs[i]);
        if (!p)
            continue;
        double end = fmin(pat_duration(p), 400), worst = 0, last_c = 0, last_t = 0;
        int bad_inverse = 0, bad_order = 0;
        for (int k = 0; k < 20000; k++) {
            double t = end * uniform(), r = pat_rate(p, t);
            if (r > 1e-3) {
                double err = fabs(pat_time_at(p, pat_count(p, t)) - t);
                worst = fmax(worst, err);
                bad_inverse += err > 1e-6;
            } else if (r == 0) {
                /* in a pause: the count was reached at or before t, never after */
                bad_inverse += !(pat_time_at(p, pat_count(p, t)) <= t + 1e-9);
            }
            double c = pat_count(p, end * k / 20000);
            bad_order += c < last_c;
            last_c = c;
        }
        double total_c = pat_count(p, end);
        for (double c = 0.5; c < total_c; c += 1 + total_c / 100000) {
            double t = pat_time_at(p, c);
            bad_order += t < last_t;
            last_t = t;
        }
        CHECK(bad_inverse == 0, "%s: %d inverse errors, worst %.3g s", exprs[i], bad_inverse, worst);
        CHECK(bad_order == 0, "%s: %d monotonicity errors", exprs[i], bad_order);
        pat_free(p);
    }
}

/* Days of time and 1e10 operations keep their precision: cycles are reduced,
 * never unrolled. */
static void test_large(void)
{
    double month = 30 * 86400.0;
    pat_t *p = parse("sine(100, 50, 10s)");
    CHECK(near(pat_count(p, month), 100 * month, 1e-5), "30 days %.6f", pat_count(p, month));
    CHECK(near(pat_count(p, month + 2.5), 100 * month + 250 + 250 / PI, 1e-5), "30 days + 2.5 s %.6f",
           pat_count(p, month + 2.5));
    double t = month + 1.234567;
    CHECK(near(pat_time_at(p, pat_count(p, t)), t, 1e-6), "30 days inverse %.9f", pat_time_at(p, pat_count(p, t)));
    pat_free(p);

    p = parse("sine(20, 100, 10s)");
    double per_cycle = pat_count(p, 10);
    CHECK(near(pat_count(p, month), per_cycle * month / 10, 1e-4), "clamped, 30 days");
    t = month + 0.75;
    CHECK(near(pat_time_at(p, pat_count(p, t)), t, 1e-6), "clamped, 30 days inverse");
    pat_free(p);

    p = parse("burst(100, on=1s, off=1s)");
    CHECK(near(pat_time_at(p, 1e10), 199999999, 1e-6), "1e10 ops: %.9f", pat_time_at(p, 1e10));
    CHECK(near(pat_time_at(p, 1e10 + 0.5), 2e8 + 0.005, 1e-6), "1e10 + 0.5 ops: %.9f", pat_time_at(p, 1e10 + 0.5));
    CHECK(near(pat_count(p, 2e8 + 0.5), 1e10 + 50, 1e-3), "count at 2e8 s");
    pat_free(p);
}

static void test_phases(void)
{
    pat_t *p = parse("ramp(0, 100, 10s, mix={read=80, write=20}) then constant(5, 20s, mix={new-order=45.5,}) "
                     "then sine(100, 50, 10s)");
    if (!p)
        return;
    CHECK(pat_nphases(p) == 3, "3 phases, got %d", pat_nphases(p));
    const pat_phase *a = pat_phase_get(p, 0), *b = pat_phase_get(p, 1), *c = pat_phase_get(p, 2);
    CHECK(a && b && c && !pat_phase_get(p, 3) && !pat_phase_get(p, -1), "phase_get range");
    if (a && b && c) {
        CHECK(!strcmp(a->label, "ramp") && a->start == 0 && a->end == 10, "phase 0");
        CHECK(!strcmp(b->label, "constant") && b->start == 10 && b->end == 30, "phase 1");
        CHECK(!strcmp(c->label, "sine") && c->start == 30 && c->end == INFINITY, "phase 2");
        CHECK(a->nmix == 2 && !strcmp(a->mix[0].name, "read") && a->mix[0].weight == 80 &&
               !strcmp(a->mix[1].name, "write") && a->mix[1].weight == 20, "mix of phase 0");
        CHECK(b->nmix == 1 && !strcmp(b->mix[0].name, "new-order") && b->mix[0].weight == 45.5, "mix of phase 1");
        CHECK(c->nmix == 0 && c->mix == NULL, "no mix");
    }
    CHECK(pat_phase_at(p, 0) == 0 && pat_phase_at(p, 9.999) == 0 && pat_phase_at(p, 10) == 1, "phase_at 0/1");
    CHECK(pat_phase_at(p, 29.9) == 1 && pat_phase_at(p, 30) == 2 && pat_phase_at(p, 1e9) == 2, "phase_at 1/2");
    pat_free(p);

    p = parse("constant(1, 1s) then constant(2, 1s)");
    CHECK(pat_phase_at(p, 5) == 1, "past the end: last phase");
    pat_free(p);
}

static void test_errors(void)
{
    static const struct {
        const char *expr;
        int column;
        const char *msg;
    } cases[] = {
        { "rmap(1)", 1, "unknown shape 'rmap' (expected constant, ramp, step, sine, burst, points)" },
        { "ramp(10, 500, 60s", 17, "expected ')'" },
        { "ramp(10, 60s)", 10, "ramp: expected a rate like 100 or 100/s, got '60s'" },
        { "ramp(10, 500)", 13, "ramp: missing the ramp duration" },
        { "ramp(start=10, duration=60s)", 28, "ramp: missing the end rate" },
        { "sine(100, 50, 0s)", 15, "sine: period must be > 0" },
        { "sine(100, 50, abc)", 15, "expected a duration like 30s, got 'abc'" },
        { "ramp(-5, 10, 1m)", 6, "ramp: start must be >= 0" },
        { "ramp(1, 2, 3s, foo=1)", 16, "ramp: unknown argument 'foo' (expected start, end, duration, hold, down, mix)" },
        { "ramp(1, 2, 3s, hold=1s, hold=2s)", 25, "ramp: 'hold' given twice" },
        { "constant(5) then ramp(1, 2, 3s)", 13, "constant without a duration never ends" },
        { "120 then constant(1, 1s)", 5, "a bare rate never ends" },
        { "step(10:30s, 20)", 14, "step: expected rate:duration like 100:30s, got '20'" },
        { "points(5s:10, 10s:20)", 8, "points: the first point must be at time 0" },
        { "points(0:10, 10s:20, 5s:30)", 22, "points: times must increase" },
        { "burst(500, on=5s)", 17, "burst: missing off=" },
        { "burst(500, on=5s, off=1s, count=2.5)", 33, "burst: count must be a whole number" },
        { "ramp(1, 2, 3x)", 13, "unknown unit 'x' in '3x'" },
        { "ramp(1, 2, 3s) x", 16, "expected 'then' or the end of the pattern, got 'x'" },
        { "", 1, "empty pattern" },
        { "   ", 1, "empty pattern" },
        { "ramp(1, 2, 3s, down=maybe)", 21, "ramp: down must be true or false, got 'maybe'" },
        { "ramp(1 2)", 8, "expected ',' or ')', got '2'" },
        { "ramp(start=1, 2, 3s)", 15, "ramp: an argument without a name can't follow a named one" },
        { "constant(1, 2s, 3)", 17, "constant: too many arguments" },
        { "sine(100, 50, 10s, mix={read=1, read=2})", 33, "mix: 'read' given twice" },
        { "constant(5, 1s, mix={})", 21, "mix: empty" },
        { "constant(5, 1s, mix={read=0})", 21, "mix: at least one weight must be > 0" },
        { "constant(5, 1s, mix={read=x})", 27, "mix: expected a weight like 80, got 'x'" },
        { "ramp(1, 2, 3s) then", 19, "expected a shape after 'then'" },
        { "ramp(1, 2, 1h30)", 14, "expected a unit after '30'" },
        { "ramp(1, 2, 30s1h)", 16, "units in a duration go from larger to smaller" },
        { "ramp(1, 2, 3s) @", 16, "unexpected character '@'" },
        { "sine(100, 50, 10s, phase=10s)", 26, "sine: expected an angle like 1.57 or 90deg, got '10s'" },
        { "ramp(1/x, 2, 3s)", 7, "unknown rate unit '/x' (expected /s, /m or /h)" },
        { "step()", 6, "step: expected rate:duration pairs" },
        { "ramp(1, 2000000000, 3s)", 9, "ramp: end is too large" },
        { "burst(500, on=5s, off=10s) then ramp(1, 2, 3s)", 28, "burst with count=0 never ends" },
        { "ramp(1, 2, 0.5us)", 12, "ramp: duration must be at least 1us" },
        { "constant 5", 10, "expected '(' after 'constant', got '5'" },
        { "burst(1, on=10s, off=10s, count=1000000000)", 1, "pattern too long" },
        { "ramp(1, 2, 3s", 13, "expected ')'" },
        { "(ramp(1, 2, 3s))", 1, "expected a rate or a shape like ramp(...), got '('" },
        { "30s", 1, "expected a rate or a shape like ramp(...), got '30s'" },
        { "sine(base=100, period=10s)", 26, "sine: missing the amplitude" },
        { "constant(5, 1s, mix={read=1}, mix={write=1})", 31, "constant: 'mix' given twice" },
        { "constant(5, 1s, mix=read)", 21, "mix: expected '{'" },
        { "points(0:1)", 11, "points: expected at least two time:rate points" },
        { "step(10:0s)", 9, "step: duration must be > 0" },
        { "sine(100, -50, 10s)", 11, "sine: amp must be >= 0" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pat_error e;
        pat_t *p = pat_parse(cases[i].expr, &e);
        CHECK(p == NULL, "'%s' parsed", cases[i].expr);
        if (p) {
            pat_free(p);
            continue;
        }
        CHECK(e.column == cases[i].column && strstr(e.msg, cases[i].msg), "'%s': got column %d \"%s\", want %d \"%s\"",
               cases[i].expr, e.column, e.msg, cases[i].column, cases[i].msg);
    }

    /* Size limits, with expressions built here. */
    size_t big = 70000, n = 0;
    char *s = malloc(big + 1);
    pat_error e;
    if (!s)
        return;
    memset(s, ' ', big);
    s[big] = '\0';
    CHECK(!pat_parse(s, &e) && strstr(e.msg, "pattern too long (at most 65536"), "long: %s", e.msg);
    n = (size_t)sprintf(s, "step(");
    for (int i = 0; i < 10001; i++)
        n += (size_t)sprintf(s + n, "1:1,");
    strcpy(s + n, ")");
    CHECK(!pat_parse(s, &e) && strstr(e.msg, "step: too many steps (at most 10000)"), "steps: %s", e.msg);
    n = 0;
    for (int k = 0; k < 3; k++) {
        n += (size_t)sprintf(s + n, k ? ") then step(" : "step(");
        for (int i = 0; i < 4000; i++)
            n += (size_t)sprintf(s + n, "1:1,");
    }
    strcpy(s + n, ")");
    CHECK(!pat_parse(s, &e) && strstr(e.msg, "too complex (more than 10000 pieces)") && e.column > 20000,
           "pieces: %s at %d", e.msg, e.column);
    free(s);
}

static void test_error_print(void)
{
    const char *expr = "ramp(10, 500, 60s";
    pat_error e;
    CHECK(!pat_parse(expr, &e), "parsed");
    FILE *f = tmpfile();
    if (!f)
        return;
    pat_error_print(&e, "pattern", expr, f);
    char buf[512] = "";
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    CHECK(!strcmp(buf, "surge: pattern: expected ')' at column 17\n"
                        "  ramp(10, 500, 60s\n"
                        "                  ^\n"), "printed:\n%s", buf);
}

/* Run f(p, out) into a buffer. */
static char *capture(const pat_t *p, double window, int json)
{
    static char buf[1 << 16];
    FILE *f = tmpfile();
    if (!f)
        return strcpy(buf, "");
    if (json)
        plan_print_json(p, window, f);
    else
        plan_print_text(p, window, 60, 8, f);
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_plan(void)
{
    pat_t *p = parse("burst(500, on=5s, off=10s, count=10, mix={read=1})");
    CHECK(plan_default_window(p) == 150, "window");
    char *j = capture(p, 0, 1);
    const char *head = "{\"duration_s\":150.000,\"total_ops\":25000,\"peak_rate\":500,\"phases\":[{\"label\":\"burst\","
                       "\"start_s\":0.000,\"end_s\":150.000,\"mix\":{\"read\":1}}],\"points\":[[0.000,500],";
    CHECK(!strncmp(j, head, strlen(head)) && !strstr(j, "window_s"), "json: %.200s", j);
    CHECK(strstr(j, "[150.000,0]]}\n") != NULL, "json ends: %s", j + strlen(j) - 40);
    char *t = capture(p, 0, 0);
    CHECK(strstr(t, "duration:   2m30s") && strstr(t, "peak rate:  500/s") && strstr(t, "operations: 25000 in 2m30s") &&
           strstr(t, "1. burst     0s -> 2m30s   mix read=1"), "text:\n%s", t);
    pat_free(p);

    p = parse("ramp(0, 100, 10s) then sine(100, 50, 10s)");
    CHECK(plan_default_window(p) == 60, "endless window %g", plan_default_window(p));
    j = capture(p, 0, 1);
    CHECK(strstr(j, "\"duration_s\":null,\"total_ops\":null,\"window_s\":60.000,\"window_ops\":5500,") &&
           strstr(j, "\"end_s\":null") && strstr(j, "[10.000,100]"), "endless json: %.300s", j);
    int npoints = 0;
    for (char *q = strstr(j, "\"points\""); q && *q; q++)
        npoints += *q == '[';
    CHECK(npoints - 1 == 202, "points: %d", npoints - 1);   /* 201 even ones and the boundary at 10 s */
    t = capture(p, 0, 0);
    CHECK(strstr(t, "never ends (repeats every 10s from 10s on)") && strstr(t, "operations: 5500 in 1m shown"), "text:\n%s", t);
    pat_free(p);

    p = parse("constant(5, 1s) then step(1:1h, 2:1h, repeat=true)");
    CHECK(plan_default_window(p) == 1 + 4 * 3600.0, "window of a slow cycle %g", plan_default_window(p));
    j = capture(p, 0, 1);
    CHECK(strstr(j, "[1.000,5],[1.000,1]"), "step boundary: %.400s", j);
    pat_free(p);
}

int main(void)
{
    test_totals();
    test_shapes();
    test_clamped_sine();
    test_inverse();
    test_large();
    test_phases();
    test_errors();
    test_error_print();
    test_plan();
    return check_report();
}
