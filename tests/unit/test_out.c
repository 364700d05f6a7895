/* test_out.c - the outputs: JSON result, CSV history, summary, display.
 *
 * The JSON is checked by a parser that is not ours (Python's json module),
 * so escaping bugs can't hide behind a writer and reader that agree with
 * each other. The text outputs are checked for the lines and numbers a
 * person would look for, so none of them can silently print nothing.
 */
#include "surge.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out/fmt.h"
#include "out/jsonw.h"
#include "check.h"


#define CHECK_STR(got, want) \
    CHECK(strcmp((got), (want)) == 0, "got \"%s\", want \"%s\"", (got), (want))

#define CHECK_HAS(text, needle) \
    CHECK(strstr((text), (needle)) != NULL, "\"%s\" missing from:\n%s", (needle), (text))

/* The whole of a stream written so far, NUL-terminated; the caller frees. */
static char *slurp(FILE *f)
{
    fflush(f);
    long n = ftell(f);
    char *buf = malloc(n > 0 ? (size_t)n + 1 : 1);
    if (!buf)
        abort();
    rewind(f);
    size_t got = n > 0 ? fread(buf, 1, (size_t)n, f) : 0;
    buf[got] = '\0';
    return buf;
}

/* A new file in $TMPDIR (or /tmp), for the programs that need a path. */
static int temp_file(char *path, size_t len)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, len, "%s/surge_test_out_XXXXXX", dir && *dir ? dir : "/tmp");
    return mkstemp(path);
}

/* ---- a result built by hand ------------------------------------------- */

/* A quote, a newline, a tab, an escape sequence, UTF-8 (é), a lone 0xFF and
 * a character cut short (the first two bytes of a three-byte one). */
#define NASTY_MSG "duplicate key \"k\"\nDETAIL:\tcaf\xc3\xa9 \x1b[31mred \xff end \xe2\x82"

static surge_op_result ops[2] = {
    { .name = "browse", .weight = 3, .ok = 5900, .failed = 0,
      .latency_ms = { 1.1, 2.0, 2.5, 4.25, 9.0, 1.3, 0.2, 12.0 },
      .service_ms = { 1.0, 1.9, 2.4, 4.0, 8.0, 1.2, 0.2, 11.0 } },
    { .name = "checkout", .weight = 1, .ok = 1950, .failed = 50,
      .latency_ms = { 2.2, 4.0, 5.0, 9.5, 30.0, 2.6, 0.4, 41.5 },
      .service_ms = { 2.0, 3.8, 4.9, 9.0, 28.0, 2.4, 0.4, 40.0 } },
};

static surge_error_count errors[12] = {
    { .message = NASTY_MSG, .op = "checkout", .count = 30 },
    { .message = "database is locked", .op = "checkout", .count = 12 },
    { .message = "timeout after # ms", .op = "browse", .count = 2 },
};

static surge_sample history[3] = {
    { .t = 1, .length = 1, .target_rate = 500, .actual_rate = 498.2, .ok = 498, .failed = 2, .late = 1,
      .p50_ms = 1.2, .p95_ms = 3.4, .p99_ms = 8.1, .max_ms = 20, .mean_ms = 1.5, .phase = 0 },
    { .t = 2, .length = 1, .target_rate = 500, .actual_rate = 501, .ok = 501, .failed = 0, .late = 0,
      .p50_ms = 1.1, .p95_ms = 3.0, .p99_ms = NAN, .max_ms = 19, .mean_ms = 1.4, .phase = 0 },
    { .t = 3, .length = 1, .target_rate = 1000, .actual_rate = 998, .ok = 990, .failed = 8, .late = 3,
      .p50_ms = 1.3, .p95_ms = 3.6, .p99_ms = 9.0, .max_ms = 22.5, .mean_ms = 1.6, .phase = 1 },
};

static surge_result make_result(void)
{
    /* Enough further kinds of error to make the summary say "and N more". */
    static char msgs[9][32];
    for (int i = 3; i < 12; i++) {
        snprintf(msgs[i - 3], sizeof msgs[0], "rare error %c", 'a' + i);
        errors[i] = (surge_error_count){ .message = msgs[i - 3], .op = "browse", .count = 1 };
    }
    surge_result r = {
        .state = SURGE_STATE_DONE,
        .stop_reason = "pattern ended",
        .target = "postgres://app:****@db.local/shop",
        .workload = "ecommerce",
        .pattern = "ramp(10, 1000, 8s) then 1000",
        .mode = "open",
        .arrivals = "poisson",
        .threads = 4, .connections = 16,
        .seed = 18446744073709551615ull,   /* the largest: must not go through a double */
        .warmup_s = 2, .interval_s = 1,
        .planned_s = INFINITY,              /* unknown: must become null */
        .planned_ops = 0,
        .started_at = "2024-05-01T12:00:00Z",
        .elapsed_s = 16, .duration_s = 16,
        .ops_total = 7900, .ops_ok = 7850, .ops_failed = 50,
        .late = 12, .late_after_s = 0.001, .warmup_dropped = 3, .unsent = 5,
        .throughput = 490.625, .target_rate = 500, .current_rate = 998,
        .latency_ms = { 1.25, 2.5, 3.0, 8.125, 30.0, 1.5, 0.2, 41.5 },
        .service_ms = { 1.0, 2.0, 2.75, 7.5, 28.0, 1.375, 0.2, 40.0 },
        .lag_ms = { 0.01, 0.05, 0.1, 0.4, 2.0, 0.03, 0.0, 3.5 },
        .phase = 1, .nphases = 2,
        .nops = 2, .ops = ops,
        .nerrors = 12, .errors = errors,
        .nhistory = 3, .history = history,
    };
    return r;
}

/* ---- the JSON writer on its own ---------------------------------------- */

static char *jsonw_compact(void (*build)(jsonw *), int *rc)
{
    FILE *f = tmpfile();
    jsonw w;
    jsonw_init(&w, f, 0);
    build(&w);
    *rc = jsonw_finish(&w);
    char *s = slurp(f);
    fclose(f);
    return s;
}

static void build_nested(jsonw *w)
{
    jsonw_object(w);
    jsonw_key(w, "a");
    jsonw_array(w);
    jsonw_int(w, 1);
    jsonw_int(w, -2);
    jsonw_object(w);
    jsonw_key(w, "b");
    jsonw_null(w);
    jsonw_end(w);
    jsonw_array(w);
    jsonw_end(w);
    jsonw_end(w);
    jsonw_key(w, "c");
    jsonw_string(w, NULL);
    jsonw_key(w, "d");
    jsonw_bool(w, true);
    jsonw_end(w);
}

static void build_numbers(jsonw *w)
{
    jsonw_array(w);
    jsonw_double(w, 0.1);
    jsonw_double(w, 1.0 / 3.0);
    jsonw_double(w, 1e300 * 1e300);
    jsonw_double(w, -INFINITY);
    jsonw_double(w, NAN);
    jsonw_double(w, 2.0);
    jsonw_uint(w, UINT64_MAX);
    jsonw_double(w, 1e-7);
    jsonw_end(w);
}

static void build_strings(jsonw *w)
{
    jsonw_array(w);
    jsonw_string(w, "q\"b\\s/\x01\x1f\x7f");
    jsonw_string(w, "\xc3\x28");              /* lead byte, then not a continuation */
    jsonw_string(w, "\xc0\xaf");              /* overlong '/' */
    jsonw_string(w, "\xed\xa0\x80");          /* a UTF-16 surrogate */
    jsonw_string(w, "\xf4\x90\x80\x80");      /* past U+10FFFF */
    jsonw_string(w, "ok \xf0\x9f\x98\x80 \xe2\x80\xa8");  /* emoji kept, U+2028 escaped */
    jsonw_end(w);
}

static void build_key_in_array(jsonw *w)
{
    jsonw_array(w);
    jsonw_key(w, "x");
    jsonw_int(w, 1);
    jsonw_end(w);
}

static void build_unclosed(jsonw *w)
{
    jsonw_object(w);
}

static void build_two_tops(jsonw *w)
{
    jsonw_int(w, 1);
    jsonw_int(w, 2);
}

static void test_jsonw(void)
{
    int rc;
    char *s;

    s = jsonw_compact(build_nested, &rc);
    CHECK(rc == 0, "rc %d", rc);
    CHECK_STR(s, "{\"a\":[1,-2,{\"b\":null},[]],\"c\":null,\"d\":true}");
    free(s);

    s = jsonw_compact(build_numbers, &rc);
    CHECK(rc == 0, "rc %d", rc);
    CHECK_STR(s, "[0.1,0.33333333333333331,null,null,null,2,18446744073709551615,1e-07]");
    free(s);

    s = jsonw_compact(build_strings, &rc);
    CHECK(rc == 0, "rc %d", rc);
    CHECK_STR(s, "[\"q\\\"b\\\\s/\\u0001\\u001f\\u007f\",\"\\ufffd(\",\"\\ufffd\\ufffd\","
                 "\"\\ufffd\\ufffd\\ufffd\",\"\\ufffd\\ufffd\\ufffd\\ufffd\","
                 "\"ok \xf0\x9f\x98\x80 \\u2028\"]");
    free(s);

    errno = 0;
    s = jsonw_compact(build_key_in_array, &rc);
    CHECK(rc == -1 && errno == EINVAL, "key in an array: rc %d errno %d", rc, errno);
    free(s);
    s = jsonw_compact(build_unclosed, &rc);
    CHECK(rc == -1, "unclosed object accepted");
    free(s);
    s = jsonw_compact(build_two_tops, &rc);
    CHECK(rc == -1, "two top-level values accepted: %s", s);
    free(s);
}

/* ---- the result document ----------------------------------------------- */

/* Python reads the file and checks what C's strstr can't: that the nasty
 * message decodes to the right text (invalid bytes as U+FFFD) and that
 * the structure has the right types. */
static const char *const PY_CHECK =
    "import json, sys\n"
    "d = json.load(open(sys.argv[1], 'rb'))\n"
    "m = list(d['errors'])[0]\n"
    "assert m == 'duplicate key \"k\"\\nDETAIL:\\tcaf\\u00e9 \\x1b[31mred \\ufffd end \\ufffd\\ufffd', repr(m)\n"
    "assert d['errors'][m] == 30 and d['error_ops'][m] == 'checkout'\n"
    "assert list(d['errors'].values()) == sorted(d['errors'].values(), reverse=True)\n"
    "assert d['planned_s'] is None and d['planned_ops'] is None\n"
    "assert d['history'][1]['p99_ms'] is None and d['history'][2]['p99_ms'] == 9.0\n"
    "assert d['seed'] == 18446744073709551615\n"
    "assert d['by_op']['checkout']['latency_ms']['max'] == 41.5\n"
    "assert d['ops'] == {'total': 7900, 'ok': 7850, 'failed': 50, 'late': 12, 'warmup_dropped': 3, 'unsent': 5, 'capped': 0, 'warmup_ok': 0, 'retries': 0}\n"
    "assert set(d['lag_ms']) == {'p50','p90','p95','p99','p999','mean','min','max'}\n";

static void test_json(void)
{
    surge_result r = make_result();
    char path[256];
    int fd = temp_file(path, sizeof path);
    CHECK(fd >= 0, "mkstemp: %s", strerror(errno));
    if (fd < 0)
        return;
    FILE *f = fdopen(fd, "w+");
    CHECK(surge_result_write_json(&r, f) == 0, "write_json failed");
    char *doc = slurp(f);
    fclose(f);

    char cmd[1024];
    snprintf(cmd, sizeof cmd, "python3 -c 'import json,sys; json.load(sys.stdin)' < '%s'", path);
    CHECK(system(cmd) == 0, "python3 could not parse the result:\n%s", doc);

    char script[256];
    int sfd = temp_file(script, sizeof script);
    if (sfd >= 0) {
        FILE *sf = fdopen(sfd, "w");
        fputs(PY_CHECK, sf);
        fclose(sf);
        snprintf(cmd, sizeof cmd, "python3 '%s' '%s'", script, path);
        CHECK(system(cmd) == 0, "python3 checks of the result failed");
        unlink(script);
    }
    unlink(path);

    CHECK_HAS(doc, "{\n  \"surge_version\": \"" SURGE_VERSION "\",\n");
    CHECK_HAS(doc, "\"target\": \"postgres://app:****@db.local/shop\"");
    CHECK_HAS(doc, "\"planned_s\": null");
    CHECK_HAS(doc, "\"mode\": \"open\"");
    CHECK_HAS(doc, "\"throughput\": 490.625");
    CHECK_HAS(doc, "\"ops\": {\"total\": 7900, \"ok\": 7850, \"failed\": 50, \"late\": 12, \"warmup_dropped\": 3, \"unsent\": 5, \"capped\": 0, \"warmup_ok\": 0, \"retries\": 0}");
    CHECK_HAS(doc, "\"latency_ms\": {\"p50\": 1.25, \"p90\": 2.5, \"p95\": 3, \"p99\": 8.125");
    CHECK_HAS(doc, "\"duplicate key \\\"k\\\"\\nDETAIL:\\tcaf\xc3\xa9 \\u001b[31mred \\ufffd end \\ufffd\\ufffd\": 30");
    CHECK_HAS(doc, "    {\"t\": 2, \"length\": 1, \"target_rate\": 500, \"actual_rate\": 501, \"ok\": 501, "
                   "\"failed\": 0, \"late\": 0, \"p50_ms\": 1.1, \"p95_ms\": 3, \"p99_ms\": null, "
                   "\"max_ms\": 19, \"mean_ms\": 1.4, \"phase\": 0},\n");
    CHECK(strstr(doc, "nan") == NULL && strstr(doc, "inf") == NULL, "NaN or infinity leaked:\n%s", doc);
    free(doc);

    /* A closed loop run has no pattern: null, not "" or "(null)". */
    r.pattern = NULL;
    r.mode = "closed";
    FILE *g = tmpfile();
    CHECK(surge_result_write_json(&r, g) == 0, "write_json failed");
    doc = slurp(g);
    fclose(g);
    CHECK_HAS(doc, "\"pattern\": null");
    free(doc);

    /* A failed write must be reported: /dev/full takes nothing. */
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        errno = 0;
        CHECK(surge_result_write_json(&r, full) == -1, "write to /dev/full reported success");
        CHECK(errno == ENOSPC, "errno %d", errno);
        fclose(full);
    }
}

/* ---- CSV ---------------------------------------------------------------- */

static void test_csv(void)
{
    FILE *f = tmpfile();
    surge_csv_header(f);
    surge_csv_sample(&history[0], f);
    surge_csv_sample(&history[1], f);
    char *s = slurp(f);
    fclose(f);
    CHECK_STR(s,
              "t,length,target_rate,actual_rate,ok,failed,late,p50_ms,p95_ms,p99_ms,max_ms,mean_ms,phase\n"
              "1.000,1.000,500.000,498.200,498,2,1,1.200,3.400,8.100,20.000,1.500,0\n"
              "2.000,1.000,500.000,501.000,501,0,0,1.100,3.000,,19.000,1.400,0\n");
    free(s);
}

/* ---- number and text formats -------------------------------------------- */

static void test_fmt(void)
{
    char b[FMT_LEN], big[64];

    CHECK_STR(fmt_ms(1.234, b, sizeof b), "1.23ms");
    CHECK_STR(fmt_ms(12.34, b, sizeof b), "12.3ms");
    CHECK_STR(fmt_ms(123.4, b, sizeof b), "123ms");
    CHECK_STR(fmt_ms(9.996, b, sizeof b), "10.0ms");
    CHECK_STR(fmt_ms(999.6, b, sizeof b), "1.00s");
    CHECK_STR(fmt_ms(0.4123, b, sizeof b), "412us");
    CHECK_STR(fmt_ms(0.0004, b, sizeof b), "400ns");
    CHECK_STR(fmt_ms(3600000, b, sizeof b), "3600s");
    CHECK_STR(fmt_ms(0, b, sizeof b), "0");
    CHECK_STR(fmt_ms(NAN, b, sizeof b), "-");
    CHECK_STR(fmt_si(9999, b, sizeof b), "9999");
    CHECK_STR(fmt_si(12345, b, sizeof b), "12.3k");
    CHECK_STR(fmt_si(999999, b, sizeof b), "1.00M");
    CHECK_STR(fmt_si(1234567, b, sizeof b), "1.23M");
    CHECK_STR(fmt_count(0, b, sizeof b), "0");
    CHECK_STR(fmt_count(999, b, sizeof b), "999");
    CHECK_STR(fmt_count(1000, b, sizeof b), "1,000");
    CHECK_STR(fmt_count(1234567, b, sizeof b), "1,234,567");
    CHECK_STR(fmt_count(UINT64_MAX, b, sizeof b), "18,446,744,073,709,551,615");
    CHECK_STR(fmt_rate(498.2, b, sizeof b), "498.2/s");
    CHECK_STR(fmt_rate(0.05, b, sizeof b), "0.05/s");
    CHECK_STR(fmt_rate(12400, b, sizeof b), "12.4k/s");
    CHECK_STR(fmt_pct(1, 3, b, sizeof b), "33.3%");
    CHECK_STR(fmt_pct(4, 10000, b, sizeof b), "0.04%");
    CHECK_STR(fmt_pct(1, 1e7, b, sizeof b), "<0.01%");
    CHECK_STR(fmt_pct(9999, 10000, b, sizeof b), "99.9%");
    CHECK_STR(fmt_pct(5, 5, b, sizeof b), "100%");
    CHECK_STR(fmt_pct(5, 0, b, sizeof b), "-");
    CHECK_STR(fmt_duration(0.85, b, sizeof b), "850ms");
    CHECK_STR(fmt_duration(12.5, b, sizeof b), "12.5s");
    CHECK_STR(fmt_duration(200, b, sizeof b), "3m20s");
    CHECK_STR(fmt_duration(3720, b, sizeof b), "1h02m");
    CHECK_STR(fmt_duration(INFINITY, b, sizeof b), "-");

    CHECK_STR(fmt_clean(NASTY_MSG, 0, big, sizeof big),
              "duplicate key \"k\" DETAIL: caf\xc3\xa9 ?[31mred ? end ??");
    CHECK_STR(fmt_clean("abcdefghij", 8, big, sizeof big), "abcde...");
    CHECK_STR(fmt_clean("abcdefgh", 8, big, sizeof big), "abcdefgh");
    CHECK_STR(fmt_clean("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 4, big, sizeof big), "\xc3\xa9...");
    CHECK_STR(fmt_clean("\xc2\x9b" "2J", 0, big, sizeof big), "?2J");   /* C1 CSI */
    CHECK_STR(fmt_clean("abcdefghij", 0, b, 8), "abcd...");            /* cut by the buffer */
    CHECK(fmt_cols("\033[1;32mab\xc3\xa9\033[0m") == 3, "cols %zu", fmt_cols("\033[1;32mab\xc3\xa9\033[0m"));
}

/* ---- summary -------------------------------------------------------------- */

/* Every line of s fits in max columns (escape sequences take none). */
static void check_width(const char *s, size_t max)
{
    for (const char *line = s; *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        char buf[1024];
        snprintf(buf, sizeof buf, "%.*s", (int)n, line);
        CHECK(fmt_cols(buf) <= max, "line wider than %zu columns (%zu): %s", max, fmt_cols(buf), buf);
        line += n + (nl != NULL);
    }
}

static void test_summary(void)
{
    surge_result r = make_result();
    r.error = "lost the connection\nto the server";
    FILE *f = tmpfile();
    surge_summary_print(&r, f);
    char *s = slurp(f);
    fclose(f);

    CHECK_HAS(s, "postgres://app:****@db.local/shop");
    CHECK_HAS(s, "ramp(10, 1000, 8s) then 1000");
    CHECK_HAS(s, "stopped: pattern ended");
    CHECK_HAS(s, "7,900 total, 7,850 ok, 50 failed (0.63%)");
    CHECK_HAS(s, "490.6/s ok (target 500.0/s");
    CHECK_HAS(s, "12 (0.15%) started >1.00ms behind schedule");
    CHECK_HAS(s, "latency (from intended start)  1.25ms 2.50ms 3.00ms 8.12ms 30.0ms 1.50ms 41.5ms");
    CHECK_HAS(s, "service time (from send)");
    CHECK_HAS(s, "checkout   25.3%     1,950       50  2.20ms  5.00ms  9.50ms  41.5ms");
    CHECK_HAS(s, "browse     74.7%");
    CHECK_HAS(s, "        30  checkout   duplicate key \"k\" DETAIL: caf\xc3\xa9 ?[31mred ? end ??");
    CHECK_HAS(s, "and 2 more kinds (2 errors)");
    CHECK_HAS(s, "run failed  lost the connection to the server");
    CHECK(strchr(s, '\033') == NULL, "an escape reached the summary");
    check_width(s, 80);
    free(s);

    /* Closed loop, nothing done: no schedule to be late for, no table. */
    r = make_result();
    r.mode = "closed";
    r.pattern = NULL;
    r.stop_reason = "duration";
    r.ops_total = r.ops_ok = r.ops_failed = 0;
    r.nops = r.nerrors = 0;
    f = tmpfile();
    surge_summary_print(&r, f);
    s = slurp(f);
    fclose(f);
    CHECK_HAS(s, "closed loop");
    CHECK_HAS(s, "no operations completed");
    CHECK(strstr(s, "behind schedule") == NULL && strstr(s, "pattern") == NULL, "open-loop lines in a closed loop:\n%s", s);
    check_width(s, 80);
    free(s);
}

/* ---- display -------------------------------------------------------------- */

static char *display_run(surge_progress mode, const surge_result *a, const surge_result *b)
{
    FILE *f = tmpfile();
    surge_display *d = surge_display_new(f, mode);
    surge_display_update(d, a);
    if (b)
        surge_display_update(d, b);
    surge_display_finish(d);
    surge_display_free(d);
    char *s = slurp(f);
    fclose(f);
    return s;
}

static int count_lines(const char *s, size_t n)
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == '\n';
    return k;
}

static void check_live(const char *s)
{
    /* The second frame must move up over exactly the rows of the first. */
    const char *redraw = strstr(s, "\r\033[");
    CHECK(redraw != NULL, "no redraw in:\n%s", s);
    if (redraw) {
        char want[32];
        snprintf(want, sizeof want, "\r\033[%dA\033[J", count_lines(s, (size_t)(redraw - s)));
        CHECK(strncmp(redraw, want, strlen(want)) == 0, "cursor-up does not match the frame drawn");
    }
    CHECK_HAS(s, "surge");
    CHECK_HAS(s, "running");
    CHECK_HAS(s, "warmup");
    CHECK_HAS(s, "p99");
    CHECK_HAS(s, "checkout");
    CHECK_HAS(s, "database is locked");
    CHECK(strstr(s, "rare error") == NULL, "more than the top 3 errors shown");
    CHECK(strstr(s, "\x1b[31mred") == NULL, "a server's escape sequence reached the terminal");
    check_width(s, 79);   /* the live panel keeps the last column free */
}

static void test_display(void)
{
    surge_result warm = make_result(), run = make_result();
    warm.state = SURGE_STATE_WARMUP;
    warm.elapsed_s = -1.2;
    warm.nhistory = 0;
    run.state = SURGE_STATE_RUNNING;
    run.elapsed_s = 12;
    run.planned_s = 20;
    char *s;

    s = display_run(SURGE_PROGRESS_PLAIN, &warm, &run);
    CHECK_STR(s, "[   -1.2s] warmup rate 998.0/s (target 500.0) ok 7850 failed 50 late 12 "
                 "p50 1.25ms p95 3.00ms p99 8.12ms max 41.5ms\n"
                 "[   12.0s] rate 998.0/s (target 500.0) ok 7850 failed 50 late 12 "
                 "p50 1.25ms p95 3.00ms p99 8.12ms max 41.5ms\n");
    free(s);

    s = display_run(SURGE_PROGRESS_AUTO, &run, NULL);   /* not a terminal: plain */
    CHECK(strncmp(s, "[   12.0s] rate", 15) == 0, "AUTO to a file is not plain: %s", s);
    free(s);

    s = display_run(SURGE_PROGRESS_NONE, &warm, &run);
    CHECK_STR(s, "");
    free(s);

    /* LIVE, with colour and UTF-8 block characters, then plain ASCII. */
    unsetenv("NO_COLOR");
    setenv("LC_ALL", "C.UTF-8", 1);
    s = display_run(SURGE_PROGRESS_LIVE, &warm, &run);
    check_live(s);
    CHECK_HAS(s, "\xe2\x96\x88");          /* a full block of the bar */
    CHECK_HAS(s, "\033[32m");              /* running, in green */
    CHECK_HAS(s, "60%  12.0s / 20.0s  phase 2/2");
    CHECK_HAS(s, "1.2s of warmup left");
    free(s);

    setenv("NO_COLOR", "1", 1);
    setenv("LC_ALL", "C", 1);
    s = display_run(SURGE_PROGRESS_LIVE, &warm, &run);
    check_live(s);
    CHECK(strstr(s, "\033[3") == NULL, "colour despite NO_COLOR");
    CHECK_HAS(s, "[##############");
    CHECK_HAS(s, "ok  50 failed (0.63%)  12 late");
    free(s);

    /* Nothing known about the length: no bar, just the time. */
    run.planned_s = INFINITY;
    run.planned_ops = 0;
    s = display_run(SURGE_PROGRESS_LIVE, &run, NULL);
    CHECK_HAS(s, "12.0s elapsed");
    free(s);
    /* A count-bound run: the bar goes by operations. */
    run.planned_ops = 10000;
    s = display_run(SURGE_PROGRESS_LIVE, &run, NULL);
    CHECK_HAS(s, " 79%  7,900 / 10,000 ops");
    free(s);
}

int main(void)
{
    test_fmt();
    test_jsonw();
    test_json();
    test_csv();
    test_summary();
    test_display();
    return check_report();
}
