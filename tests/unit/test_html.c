/* test_html.c - the HTML report (surge_report_html) and the JSON checker
 * under it (jsonv): what the page must hold (a queue target's gauges,
 * observed latencies and end too), what must not break out of its
 * <script>, and the errors for files that are not results. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "out/jsonv.h"
#include "surge.h"

/* The report of json as a string (NULL on failure, err filled). */
static char *report(const char *json, char *err, size_t errlen)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int rc = surge_report_html(json, f, err, errlen);
    fclose(f);
    if (rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* The embedded data: between the element's '>' and the next "</script>". */
static char *embedded(const char *html, char *seed, size_t seedlen)
{
    const char *open = strstr(html, "<script type=\"application/json\" id=\"surge-result\"");
    if (!open)
        return NULL;
    const char *gt = strchr(open, '>');
    const char *end = strstr(gt, "</script>");
    const char *ds = strstr(open, "data-seed=\"");
    seed[0] = '\0';
    if (ds && ds < gt)
        snprintf(seed, seedlen, "%.*s", (int)strcspn(ds + 11, "\""), ds + 11);
    return strndup(gt + 1, (size_t)(end - gt - 1));
}

/* Undo the page's one escape: \u003c back to '<'. */
static void unescape_lt(char *s)
{
    char *w = s;
    for (const char *r = s; *r;) {
        if (strncmp(r, "\\u003c", 6) == 0) {
            *w++ = '<';
            r += 6;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

static void test_report_page(void)
{
    const char *json =
        "{\"surge_version\": \"0.1.0\", \"target\": \"sqlite:</script><script>alert(1)</script>.db\",\n"
        " \"workload\": \"<!-- x\", \"seed\": 18446744073709551615,\n"
        " \"by_op\": {\"a</b\": {\"ok\": 1, \"failed\": 0}},\n"
        " \"history\": [{\"t\": 1, \"target_rate\": 10, \"actual_rate\": 9.5, \"failed\": 0}],\n"
        " \"errors\": {\"</SCRIPT >\": 3}}";
    char err[256];
    char *html = report(json, err, sizeof err);
    CHECK(html != NULL, "report failed: %s", err);
    if (!html)
        return;
    CHECK(strncmp(html, "<!DOCTYPE html>", 15) == 0, "starts with the doctype");
    CHECK(strstr(html, "var uPlot=") != NULL, "uPlot's code is inlined");
    CHECK(strstr(html, ".uplot") != NULL, "uPlot's CSS is inlined");
    CHECK(strstr(html, "Leon Sorokin") != NULL, "uPlot's licence notice is inlined");
    CHECK(strstr(html, "const Surge") != NULL && strstr(html, "surge-result") != NULL, "our renderer is inlined");
    CHECK(strstr(html, "Content-Security-Policy") && strstr(html, "default-src &#39;none&#39;"),
          "the page forbids loading anything");
    CHECK(!strstr(html, " src=") && !strstr(html, "<link"), "no external script or stylesheet");
    /* Every "</script>" closes one of our elements: none comes from the data. */
    CHECK(count(html, "<script") == count(html, "</script>"), "%d <script vs %d </script>",
          count(html, "<script"), count(html, "</script>"));
    CHECK(count(html, "<script") == 4, "four scripts: data, uPlot, common, report (got %d)", count(html, "<script"));
    CHECK(!strstr(html, "alert(1)</script>"), "the data's </script> is escaped");
    CHECK(!strstr(html, "<!-- x"), "the data's <!-- is escaped");
    CHECK(strcasestr(html, "</SCRIPT >") == NULL || count(html, "</script>") == 4, "upper-case closing tag too");

    char seed[32];
    char *data = embedded(html, seed, sizeof seed);
    CHECK(data != NULL, "the data element is there");
    if (data) {
        unescape_lt(data);
        CHECK(strcmp(data, json) == 0, "the data is the result, byte for byte but for '<'");
        CHECK(strcmp(seed, "18446744073709551615") == 0, "the seed's digits go apart (got \"%s\")", seed);
    }
    free(data);
    free(html);
}

static void test_bad_input(void)
{
    static const struct { const char *json, *want; } cases[] = {
        { "", "line 1, column 1: expected a JSON value, found the end" },
        { "   \n", "line 2, column 1: expected a JSON value" },
        { "{", "line 1, column 2: expected a string key, found the end" },
        { "{\"a\":1,}", "line 1, column 8: expected a string key, found '}'" },
        { "{\"a\":1 \"b\":2}", "expected ',' or '}' in an object, found '\"'" },
        { "{\n  \"a\": 1,\n  \"b\" 2\n}", "line 3, column 7: expected ':' after a key" },
        { "[1]", "expected a surge result (a JSON object), got an array" },
        { "\"x\"", "got a string" },
        { "null", "got null" },
        { "{\"a\":01}", "expected ',' or '}'" },
        { "{\"a\":-}", "bad number" },
        { "{\"a\":1.}", "expected a digit after '.'" },
        { "{\"a\":1e}", "in the exponent" },
        { "{\"a\":tru}", "expected 'true'" },
        { "{\"a\":\"x\ty\"}", "control character 0x09" },
        { "{\"a\":\"\\x\"}", "bad escape" },
        { "{\"a\":\"\\u12G4\"}", "4 hex digits" },
        { "{\"a\":\"\xff\"}", "not well-formed UTF-8" },
        { "{\"a\":\"\xc3\"}", "not well-formed UTF-8" },
        { "{\"a\":\"abc}", "unterminated string" },
        { "{} {}", "unexpected '{' after the JSON value" },
        { "{\"a\":NaN}", "expected a JSON value, found 'N'" },
        { "{/*c*/}", "expected a string key, found '/'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char err[256] = "";
        char *html = report(cases[i].json, err, sizeof err);
        CHECK(html == NULL, "case %zu (%s) accepted", i, cases[i].json);
        CHECK(strstr(err, cases[i].want) != NULL, "case %zu: want \"%s\" in \"%s\"", i, cases[i].want, err);
        CHECK(strchr(err, '\n') == NULL, "case %zu: one line: \"%s\"", i, err);
        free(html);
    }

    /* Deep nesting is refused before it can exhaust the stack. */
    size_t depth = 100000;
    char *deep = malloc(depth * 2 + 16);
    strcpy(deep, "{\"a\":");
    size_t n = strlen(deep);
    memset(deep + n, '[', depth);
    memset(deep + n + depth, ']', depth);
    strcpy(deep + n + 2 * depth, "}");
    char err[256] = "";
    char *html = report(deep, err, sizeof err);
    CHECK(html == NULL && strstr(err, "nested deeper than"), "deep nesting: %s", err);
    free(html);
    free(deep);

    /* Valid, if unusual, JSON is accepted: the renderer copes with missing fields. */
    static const char *good[] = { "{}", " {\"a\": [1, -0.5e+3, true, false, null, \"\\u00e9\\n\xc3\xa9\"]} \n",
                                  "{\"\xf0\x9f\x98\x80\": {}}" };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        html = report(good[i], err, sizeof err);
        CHECK(html != NULL, "valid JSON %zu refused: %s", i, err);
        free(html);
    }
    CHECK(surge_report_html(NULL, stdout, err, sizeof err) == -1, "NULL result refused");
}

static void test_write_error(void)
{
    FILE *full = fopen("/dev/full", "w");
    if (!full)
        return;   /* not on Linux: nothing to test */
    char err[256] = "";
    CHECK(surge_report_html("{}", full, err, sizeof err) == -1, "a failed write is reported");
    CHECK(strstr(err, "writing the report failed") != NULL, "err: %s", err);
    fclose(full);
}

static void member(const char *key, size_t keylen, const char *v, size_t vlen, void *user)
{
    char *seen = user;
    size_t n = strlen(seen);
    snprintf(seen + n, 256 - n, "%.*s=%.*s;", (int)keylen, key, (int)vlen, v);
}

static void test_members(void)
{
    /* jsonv hands over the top-level members only, raw. */
    const char *j = "{\"seed\": 42, \"o\": {\"seed\": 7}, \"s\": \"x\\\"y\"}";
    jsonv_type t;
    char err[128], seen[256] = "";
    CHECK(jsonv_check(j, strlen(j), &t, member, seen, err, sizeof err) == 0, "valid: %s", err);
    CHECK(strcmp(seen, "seed=42;o={\"seed\": 7};s=\"x\\\"y\";") == 0, "members: %s", seen);
    CHECK(jsonv_check(j, strlen(j), &t, NULL, NULL, err, sizeof err) == 0 && t == JSONV_OBJECT, "valid: %s", err);
    CHECK(jsonv_check("[]", 2, &t, NULL, NULL, err, sizeof err) == 0 && t == JSONV_ARRAY, "array type");
    CHECK(jsonv_check("{}x", 2, &t, NULL, NULL, err, sizeof err) == 0, "n bounds the text");
}

/* A queue target's result, as the JSON writer writes it, goes into the
 * report whole: the gauges (a field of every sample too), what the target
 * observed and how it ended; and the renderer has the parts that show them. */
static void test_target_parts(void)
{
    surge_gauge gauges[2] = { { .name = "child_cpu_pct", .last = 12.5, .min = 0, .max = 50, .mean = 20, .samples = 2 },
                              { .name = "child_rss_mb", .last = 13.75, .min = 13.75, .max = 13.75, .mean = 13.75, .samples = 1 } };
    surge_observed ack = { .name = "ack", .count = 998, .lost = 2,
                           .latency_ms = { .p50 = 2, .p90 = 3, .p95 = 4, .p99 = 60, .p999 = 90, .mean = 3, .min = 1, .max = 91 } };
    surge_fact facts[2] = { { .name = "stopped_by", .text = "eof" }, { .name = "stdin_close_s", .value = 0.008 } };
    surge_sample hist[2] = { { .t = 1, .length = 1, .phase = 0 }, { .t = 2, .length = 1, .phase = 0 } };
    for (int i = 0; i < 2; i++)
        for (int g = 0; g < SURGE_MAX_GAUGES; g++)
            hist[i].gauge[g] = NAN;
    hist[0].gauge[0] = 50, hist[1].gauge[0] = 12.5, hist[1].gauge[1] = 13.75;   /* no memory reading at t=1 */
    surge_result r = { .state = SURGE_STATE_DONE, .target = "exec:consumer", .workload = "queue", .mode = "open",
                       .interval_s = 1, .planned_s = 2, .nhistory = 2, .history = hist, .ngauges = 2, .gauges = gauges,
                       .nobserved = 1, .observed = &ack, .nfacts = 2, .facts = facts };
    char *json = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&json, &len);
    CHECK(surge_result_write_json(&r, f) == 0, "the result writes");
    fclose(f);

    char err[256];
    char *html = report(json, err, sizeof err);
    CHECK(html != NULL, "report failed: %s", err);
    char seed[32];
    char *data = html ? embedded(html, seed, sizeof seed) : NULL;
    CHECK(data != NULL, "the data element is there");
    if (data) {
        unescape_lt(data);
        CHECK(strcmp(data, json) == 0, "the result is embedded as written");
        /* The compact shapes the renderer reads (the writer pretty-prints:
         * compare without the white space). */
        char *flat = data, *w = data;
        for (const char *p = data; *p; p++)
            if (*p != ' ' && *p != '\n')
                *w++ = *p;
        *w = '\0';
        CHECK(strstr(flat, "\"observed\":{\"ack\":{\"count\":998,\"lost\":2,\"latency_ms\":{\"p50\":2,"), "observed: %s", flat);
        CHECK(strstr(flat, "\"gauges\":{\"child_cpu_pct\":{\"last\":12.5,"), "gauges: %s", flat);
        CHECK(strstr(flat, "\"target_end\":{\"stopped_by\":\"eof\",\"stdin_close_s\":0.008}"), "target_end: %s", flat);
        CHECK(strstr(flat, "\"phase\":0,\"child_cpu_pct\":50,\"child_rss_mb\":null}") &&
                  strstr(flat, "\"phase\":0,\"child_cpu_pct\":12.5,\"child_rss_mb\":13.75}"),
              "each gauge a field of its sample, null without a reading: %s", flat);
    }
    if (html) {
        CHECK(strstr(html, "'Observed by the target'") && strstr(html, "Surge.observedTable(r.observed)"),
              "the renderer draws the observed table from the result's observed");
        CHECK(strstr(html, "'Target end'") && strstr(html, "Surge.targetEndList(r.target_end)"),
              "and the target's end from target_end");
        CHECK(strstr(html, "Surge.gaugeTable(r.gauges)") && strstr(html, "Surge.extraCharts(Surge.extraKeys(history))"),
              "and the gauges: a table, and charts of the samples' extra fields");
        CHECK(strstr(html, "child_cpu_pct: {") && strstr(html, "child_rss_mb: {") && strstr(html, "queue_depth: {"),
              "the known gauges have titles and formats of their own");
    }
    free(data);
    free(html);
    free(json);
}

int main(void)
{
    test_report_page();
    test_target_parts();
    test_bad_input();
    test_write_error();
    test_members();
    return check_report();
}
