/* test_message.c - message templates: every message is strict JSON, ids
 * are unique across producers, timestamps read back to the microsecond,
 * walks stay in bounds, derived fields agree with what they read, a seed
 * repeats the messages, and each mistake in a template is reported with
 * its file:line:column. Field values are read back with libfyaml's own
 * JSON parser and times with timegm, not with the module's own code. */
#include <libfyaml.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "core/timestamp.h"
#include "out/jsonv.h"
#include "workloads/message.h"

#define N 1000
#define T0 1795000000.0   /* 2026-11-18T11:06:40Z */

/* A rendered message, parsed. */
typedef struct parsed {
    struct fy_document *doc;
} parsed;

static parsed parse(const char *json, size_t len)
{
    struct fy_parse_cfg cfg = { .flags = FYPCF_QUIET | FYPCF_JSON_FORCE };
    return (parsed){ fy_document_build_from_string(&cfg, json, len) };
}

static void unparse(parsed *p)
{
    fy_document_destroy(p->doc);
    p->doc = NULL;
}

/* The scalar at a path like "/system_state/memory_usage", or "" (NULL when
 * there is no such scalar). */
static const char *field(const parsed *p, const char *path)
{
    struct fy_node *n = p->doc ? fy_node_by_path(fy_document_root(p->doc), path, FY_NT, FYNWF_DONT_FOLLOW) : NULL;
    return n && fy_node_is_scalar(n) ? fy_node_get_scalar0(n) : NULL;
}

static double num(const parsed *p, const char *path)
{
    const char *s = field(p, path);
    return s ? strtod(s, NULL) : NAN;
}

/* Seconds since the epoch of "YYYY-MM-DDTHH:MM:SS.ffffffZ", read with
 * sscanf and timegm; NAN if it has another form. */
static double iso_us(const char *s)
{
    int y, mo, d, h, mi, se, us, n = 0;
    if (!s || strlen(s) != 27 || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%6dZ%n", &y, &mo, &d, &h, &mi, &se, &us, &n) != 7 ||
        n != 27)
        return NAN;
    struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = se };
    return (double)timegm(&tm) + us / 1e6;
}

static msg_template *compile(const char *origin, const char *text, char *err, size_t errlen)
{
    return msg_compile(text, strlen(text), origin, err, errlen);
}

static bool valid_json(const strbuf *b, char *why, size_t n)
{
    jsonv_type ty;
    if (jsonv_check(b->p, b->len, &ty, NULL, NULL, why, n) != 0)
        return false;
    if (ty != JSONV_OBJECT)
        snprintf(why, n, "%s, not an object", jsonv_type_name(ty));
    return ty == JSONV_OBJECT && !memchr(b->p, '\n', b->len);
}

static void test_builtins(void)
{
    const char *const *names = msg_builtin_names();
    int count = 0;
    for (; names[count]; count++) {
        const char *text = msg_builtin_text(names[count]);
        char why[256];
        strbuf b = { .p = (char *)text, .len = text ? strlen(text) : 0 };
        CHECK(text && jsonv_check(b.p, b.len, NULL, NULL, NULL, why, sizeof why) == 0,
              "built-in %s's source is JSON: %s", names[count], text ? why : "missing");
    }
    CHECK(count == 2 && strcmp(names[0], "job") == 0 && strcmp(names[1], "snapshot") == 0, "built-ins: %d", count);
    CHECK(msg_builtin_text("nope") == NULL, "unknown built-in");

    char err[512];
    msg_template *t = msg_load("job", err, sizeof err);
    CHECK(t != NULL, "job: %s", err);
    if (!t)
        return;
    /* Producer 1 of 3: sequence 1, 4, 7 ... */
    msg_state *s = msg_state_new(t, 1, 3);
    rng_t r;
    rng_seed(&r, 7, 0);
    strbuf out = { 0 }, id = { 0 };
    int bad_json = 0, bad_id = 0, bad_fields = 0, bad_ts = 0;
    char why[256] = "";
    for (int i = 0; i < N; i++) {
        uint64_t seq = msg_state_next_seq(s);
        double now = T0 + i * 0.001234567;
        sb_reset(&out);
        sb_reset(&id);
        msg_render(t, s, &r, now, &out, &id);
        if (!valid_json(&out, why, sizeof why)) {
            if (!bad_json++)
                fprintf(stderr, "not JSON: %s: %s\n", why, out.p);
            continue;
        }
        char want[32];
        snprintf(want, sizeof want, "job_%llu", (unsigned long long)(1 + 3 * (uint64_t)i));
        bad_id += seq != 1 + 3 * (uint64_t)i || strcmp(id.p, want) != 0;
        parsed p = parse(out.p, out.len);
        const char *uid = field(&p, "/user_id"), *act = field(&p, "/action"), *prio = field(&p, "/metadata/priority");
        bad_fields += !field(&p, "/id") || strcmp(field(&p, "/id"), want) != 0 || !uid || strncmp(uid, "user_10", 7) != 0 ||
                      !act || !prio || (strcmp(prio, "low") && strcmp(prio, "normal") && strcmp(prio, "high")) ||
                      num(&p, "/metadata/attempt") != 1 || !(num(&p, "/metadata/payload_kb") >= 1) ||
                      !(num(&p, "/metadata/payload_kb") <= 512);
        double ts;
        bad_ts += fabs(iso_us(field(&p, "/timestamp")) - now) > 1e-6 || ts_find_json(out.p, out.len, &ts) != 0 ||
                  fabs(ts - now) > 1e-6;
        unparse(&p);
    }
    CHECK(bad_json == 0, "%d job messages are not one JSON object", bad_json);
    CHECK(bad_id == 0, "%d job ids are not job_<1 + 3i>", bad_id);
    CHECK(bad_fields == 0, "%d job messages with a field out of its choices or range", bad_fields);
    CHECK(bad_ts == 0, "%d job timestamps do not read back within 1 us", bad_ts);
    msg_state_free(s);
    msg_free(t);
    sb_free(&out);
    sb_free(&id);
}

/* The snapshot's walk, derived status and timestamps over 1000 messages. */
static void test_snapshot(void)
{
    char err[512];
    msg_template *t = msg_load("snapshot", err, sizeof err);
    CHECK(t != NULL, "snapshot: %s", err);
    if (!t)
        return;
    msg_state *s = msg_state_new(t, 0, 1);
    rng_t r;
    rng_seed(&r, 11, 0);
    strbuf out = { 0 }, id = { 0 };
    int bad_json = 0, bad_status = 0, bad_walk = 0, bad_ts = 0, bad_id = 0, running = 0;
    double prev = 100, lo = 100, hi = 100;
    char why[256];
    for (int i = 0; i < N; i++) {
        double now = T0 + 0.5 + i * 0.000137;   /* crosses second boundaries */
        sb_reset(&out);
        sb_reset(&id);
        msg_render(t, s, &r, now, &out, &id);
        if (!valid_json(&out, why, sizeof why)) {
            if (!bad_json++)
                fprintf(stderr, "not JSON: %s: %s\n", why, out.p);
            continue;
        }
        parsed p = parse(out.p, out.len);
        double mem = num(&p, "/system_state/memory_usage"), price = num(&p, "/market_data/price");
        const char *status = field(&p, "/system_state/status");
        const char *want = mem < 70 ? "running" : "high_memory";
        running += mem < 70;
        bad_status += !status || strcmp(status, want) != 0 || !(mem >= 40 && mem <= 90);
        /* ±0.5 a message (printed with 2 decimals, so exactly), in 50..150 */
        bad_walk += !(fabs(price - prev) <= 0.5 + 1e-9) || price < 50 || price > 150;
        prev = price;
        lo = fmin(lo, price);
        hi = fmax(hi, price);
        bad_ts += fabs(iso_us(field(&p, "/meta/timestamp")) - now) > 1e-6 ||
                  fabs(iso_us(field(&p, "/market_data/timestamp")) - now) > 1e-6;
        char w[32];
        snprintf(w, sizeof w, "stress_%d", i);
        bad_id += strcmp(id.p, w) != 0 || !field(&p, "/meta/run_id") || strcmp(field(&p, "/meta/run_id"), w) != 0;
        unparse(&p);
    }
    CHECK(bad_json == 0, "%d snapshot messages are not one JSON object", bad_json);
    CHECK(bad_status == 0, "%d statuses disagree with memory_usage < 70", bad_status);
    CHECK(running > N / 10 && running < N * 9 / 10, "both statuses should occur: %d running", running);
    CHECK(bad_walk == 0, "%d prices moved by more than 0.5 or left 50..150", bad_walk);
    CHECK(hi - lo > 1, "the price should move: %.2f .. %.2f", lo, hi);
    CHECK(bad_ts == 0, "%d snapshot timestamps do not read back within 1 us", bad_ts);
    CHECK(bad_id == 0, "%d snapshot ids are not stress_<seq>", bad_id);
    msg_state_free(s);
    msg_free(t);
    sb_free(&out);
    sb_free(&id);
}

/* Bounded walks keep within their bounds, reflected, over many moves;
 * each producer has its own position. */
static void test_walk_bounds(void)
{
    char err[512];
    msg_template *t = compile("w.json", "{\"p\": \"{walk(10, 1, 9, 12)}\", \"q\": \"{walk(5, 0.25, 0, 100, 3)}\"}",
                              err, sizeof err);
    CHECK(t != NULL, "walk template: %s", err);
    if (!t)
        return;
    msg_state *a = msg_state_new(t, 0, 2), *b = msg_state_new(t, 1, 2);
    rng_t r;
    rng_seed(&r, 3, 0);
    strbuf out = { 0 };
    int bad = 0, bad_dec = 0, seen_lo = 0, seen_hi = 0;
    double prev = 10, prevq = 5;
    for (int i = 0; i < 20000; i++) {
        sb_reset(&out);
        msg_render(t, a, &r, T0, &out, NULL);
        parsed p = parse(out.p, out.len);
        double v = num(&p, "/p"), q = num(&p, "/q");
        const char *qs = field(&p, "/q");
        bad += !(v >= 9 && v <= 12) || !(fabs(v - prev) <= 1 + 1e-9) || !(fabs(q - prevq) <= 0.25 + 1e-9);
        bad_dec += !qs || !strchr(qs, '.') || strlen(strchr(qs, '.') + 1) != 3;
        seen_lo += v < 9.1;
        seen_hi += v > 11.9;
        prev = v;
        prevq = q;
        unparse(&p);
    }
    CHECK(bad == 0, "%d walk values out of 9..12 or moved by more than the step", bad);
    CHECK(bad_dec == 0, "%d walk values without exactly 3 decimals", bad_dec);
    CHECK(seen_lo && seen_hi, "the walk should reach both ends: %d low, %d high", seen_lo, seen_hi);
    sb_reset(&out);
    msg_render(t, b, &r, T0, &out, NULL);
    parsed p = parse(out.p, out.len);
    CHECK(fabs(num(&p, "/p") - 10) <= 1, "a second producer starts at base: %s", out.p);
    unparse(&p);
    msg_state_free(a);
    msg_state_free(b);
    msg_free(t);
    sb_free(&out);
}

/* The same seed gives the same messages; another seed, others. */
static void test_determinism(void)
{
    char err[512];
    msg_template *t = msg_load("snapshot", err, sizeof err);
    if (!t)
        return;
    strbuf x[3] = { { 0 } };
    for (int k = 0; k < 3; k++) {
        msg_state *s = msg_state_new(t, 0, 1);
        rng_t r;
        rng_seed(&r, k == 2 ? 99 : 42, 0);
        for (int i = 0; i < 200; i++)
            msg_render(t, s, &r, T0 + i, &x[k], NULL);
        msg_state_free(s);
    }
    CHECK(x[0].len == x[1].len && memcmp(x[0].p, x[1].p, x[0].len) == 0, "seed 42 twice gives different messages");
    CHECK(x[0].len != x[2].len || memcmp(x[0].p, x[2].p, x[0].len) != 0, "seeds 42 and 99 give the same messages");
    for (int k = 0; k < 3; k++)
        sb_free(&x[k]);
    msg_free(t);
}

/* Every function, escapes, natural types, {{ }}, YAML scalars, the id rule. */
static void test_language(void)
{
    static const char json[] =
        "{\n"
        "  \"ident\": \"a\\\"b-{seq}\",\n"
        "  \"n\": \"{seq}\", \"p\": \"{producer}\", \"ms\": \"{now_ms}\", \"us\": \"{now_us}\",\n"
        "  \"i\": \"{int(-5, 5)}\", \"f\": \"{float(0, 1, 3)}\", \"b\": \"{bool(0)}\", \"b1\": \"{bool(1)}\",\n"
        "  \"c\": \"{choice(1, two, true, null, 'a, \\\"b\\\"')}\", \"w\": \"{choice(x=0, y=1)}\",\n"
        "  \"text\": \"tab\\there {{braces}} \\\"{int(7, 7)}\\\" {choice('q\\\\'s')}\",\n"
        "  \"gen\": [\"{uuid}\", \"{name}\", \"{first_name}\", \"{last_name}\", \"{email}\", \"{phone}\",\n"
        "          \"{city}\", \"{country}\", \"{address}\", \"{url}\", \"{sku}\", \"{lorem(30)}\", \"{lorem}\"],\n"
        "  \"ref\": \"{if(later.v >= 3, big, 0)}\", \"eq\": \"{if(w == y, 1.5, false)}\", \"truth\": \"{if(b1, yes, no)}\",\n"
        "  \"later\": {\"v\": \"{int(1, 5)}\"},\n"
        "  \"x\": [1, 2.50, -0, true, false, null, \"\", {}]\n"
        "}\n";
    char err[512];
    msg_template *t = compile("all.json", json, err, sizeof err);
    CHECK(t != NULL, "all functions: %s", err);
    if (!t)
        return;
    msg_state *s = msg_state_new(t, 2, 5);
    rng_t r;
    rng_seed(&r, 5, 0);
    strbuf out = { 0 }, id = { 0 };
    int bad = 0, bad_json = 0, seen[5] = { 0 };
    char why[256];
    for (int i = 0; i < N; i++) {
        sb_reset(&out);
        sb_reset(&id);
        double now = T0 + i * 0.25 + 0.0004;
        msg_render(t, s, &r, now, &out, &id);
        if (!valid_json(&out, why, sizeof why)) {
            if (!bad_json++)
                fprintf(stderr, "not JSON: %s: %s\n", why, out.p);
            continue;
        }
        parsed p = parse(out.p, out.len);
        int seq = 2 + 5 * i;
        char want[64];
        snprintf(want, sizeof want, "a\"b-%d", seq);
        const char *c = field(&p, "/c"), *text = field(&p, "/text"), *ref = field(&p, "/ref");
        double v = num(&p, "/later/v");
        bad += num(&p, "/n") != seq || num(&p, "/p") != 2;
        bad += num(&p, "/ms") != floor(now * 1e3 + 1e-7) || fabs(num(&p, "/us") - now * 1e6) > 1;
        bad += !(num(&p, "/i") >= -5 && num(&p, "/i") <= 5) || !(num(&p, "/f") >= 0 && num(&p, "/f") <= 1);
        bad += strcmp(field(&p, "/b"), "false") != 0 || strcmp(field(&p, "/b1"), "true") != 0;
        bad += strcmp(field(&p, "/w"), "y") != 0;
        bad += !text || strcmp(text, "tab\there {braces} \"7\" q's") != 0;
        bad += strcmp(field(&p, "/ident"), want) != 0 || strcmp(id.p, want) != 0;
        bad += !ref || (v >= 3 ? strcmp(ref, "big") != 0 : strcmp(ref, "0") != 0);
        bad += strcmp(field(&p, "/eq"), "1.5") != 0 || strcmp(field(&p, "/truth"), "yes") != 0;
        for (int k = 0; k < 13; k++) {
            char path[16];
            snprintf(path, sizeof path, "/gen/%d", k);
            bad += !field(&p, path) || !*field(&p, path);
        }
        bad += strlen(field(&p, "/gen/0")) != 36 || !strchr(field(&p, "/gen/4"), '@') || strlen(field(&p, "/gen/11")) > 30;
        if (c && strcmp(c, "1") == 0)
            seen[0]++;
        else if (c && strcmp(c, "two") == 0)
            seen[1]++;
        else if (c && strcmp(c, "true") == 0)
            seen[2]++;
        else if (c && strcmp(c, "a, \"b\"") == 0)
            seen[4]++;
        else if (!c || strcmp(c, "null") == 0)
            seen[3]++;
        unparse(&p);
        if (i == 0) {   /* natural types, as written in the message */
            CHECK(strstr(out.p, "\"c\":") && (strstr(out.p, "\"c\":1,") || strstr(out.p, "\"c\":\"two\"") ||
                                               strstr(out.p, "\"c\":true") || strstr(out.p, "\"c\":null") ||
                                               strstr(out.p, "\"c\":\"a, \\\"b\\\"\"")),
                  "choice keeps each value's type: %s", out.p);
            CHECK(strstr(out.p, "\"x\":[1,2.50,-0,true,false,null,\"\",{}]") != NULL, "constants kept as written: %s",
                  out.p);
            CHECK(strstr(out.p, "\"n\":2,") != NULL, "a lone {seq} is a number: %s", out.p);
        }
    }
    CHECK(bad_json == 0, "%d messages are not one JSON object", bad_json);
    CHECK(bad == 0, "%d wrong values", bad);
    for (int k = 0; k < 5; k++)
        CHECK(seen[k] > N / 10, "choice value %d drawn %d times in %d", k, seen[k], N);
    msg_state_free(s);
    s = NULL;
    msg_free(t);

    /* No {seq}: the id is the sequence number. YAML scalars become JSON. */
    static const char yaml[] =
        "# a comment\n"
        "kind: order\n"
        "hex: 0x1F\n"
        "plus: +5\n"
        "float: 1.\n"
        "exp: 1E3\n"
        "nothing: ~\n"
        "empty:\n"
        "yes_text: yes\n"
        "flag: True\n"
        "quoted: '42'\n"
        "items:\n"
        "  - {sku: \"{sku}\", qty: \"{int(1, 3)}\"}\n"
        "note: |\n"
        "  line one\n"
        "  at {now}\n";
    t = compile("order.yaml", yaml, err, sizeof err);
    CHECK(t != NULL, "YAML template: %s", err);
    if (t) {
        s = msg_state_new(t, 0, 1);
        sb_reset(&out);
        sb_reset(&id);
        msg_render(t, s, &r, T0, &out, &id);
        msg_render(t, s, &r, T0, &out, &id);
        CHECK(strcmp(id.p, "01") == 0, "ids without {seq}: %s", id.p);
        const char *second = strstr(out.p, "}{") ? strstr(out.p, "}{") + 1 : out.p;
        static const char want_yaml[] =
            "{\"kind\":\"order\",\"hex\":31,\"plus\":5,\"float\":1,\"exp\":1E3,\"nothing\":null,\"empty\":null,"
            "\"yes_text\":\"yes\",\"flag\":true,\"quoted\":\"42\",\"items\":[{\"sku\":\"SKU-";
        CHECK(strncmp(second, want_yaml, strlen(want_yaml)) == 0, "YAML scalars as JSON: %s", second);
        CHECK(strstr(second, "\"note\":\"line one\\nat 2026-11-18T11:06:40.000000Z\\n\"}") != NULL, "block scalar: %s",
              second);
        msg_free(t);
    }
    msg_state_free(s);
    sb_free(&out);
    sb_free(&id);
}

/* Each mistake: one line with the file, line and column of the culprit. */
static void test_errors(void)
{
    static const struct {
        const char *origin, *text, *want;
    } cases[] = {
        { "t.json", "{\"a\": 1, \"b\": \"x {sq}\"}", "t.json:1:18: b: unknown function sq (did you mean seq?)" },
        { "t.json", "{\"a\": 1,\n  \"b\": \"x {nope(1)}\"}",
          "t.json:2:11: b: unknown function nope (functions: seq, producer, now, now_ms, now_us, int, float, bool, "
          "choice, walk, if, uuid, name, first_name, last_name, email, phone, city, country, address, url, sku, "
          "lorem)" },
        { "t.json", "{\"a\": \"{int(1)}\"}", "t.json:1:8: a: int(): expected 2 arguments, got 1 (usage: int(lo, hi))" },
        { "t.json", "{\"a\": \"{int(1, x)}\"}", "t.json:1:16: a: int(): hi: expected a whole number, got x" },
        { "t.json", "{\"a\": \"{int(5, 2)}\"}", "t.json:1:13: a: int(): lo (5) is above hi (2)" },
        { "t.json", "{\"a\": \"{seq(1)}\"}", "t.json:1:8: a: seq takes no arguments, got 1" },
        { "t.json", "{\"a\": \"{float(1, 2, 12)}\"}", "t.json:1:21: a: float(): decimals: expected 0 to 9, got 12" },
        { "t.json", "{\"a\": \"{bool(2)}\"}", "t.json:1:14: a: bool(): p: expected a probability from 0 to 1, got 2" },
        { "t.json", "{\"a\": \"{walk(100, 0.5, 10)}\"}",
          "t.json:1:24: a: walk(): give both bounds (lo and hi) or neither: walk(base, step[, lo, hi[, decimals]])" },
        { "t.json", "{\"a\": \"{walk(100, 0, 10, 200)}\"}", "t.json:1:19: a: walk(): step: expected a number above 0, got 0" },
        { "t.json", "{\"a\": \"{walk(5, 1, 10, 20)}\"}", "t.json:1:14: a: walk(): base 5 is outside lo..hi" },
        { "t.json", "{\"a\": \"{choice(a=1, b)}\"}", "t.json:1:21: a: choice(): give every value a weight (value=weight), or none" },
        { "t.json", "{\"a\": \"{choice(a=x)}\"}", "t.json:1:18: a: choice(): weight of a: expected a number >= 0, got x" },
        { "t.json", "{\"a\": \"{choice(1,,2)}\"}", "t.json:1:18: a: empty argument" },
        { "t.json", "{\"a\": \"{choice('x, 2)}\"}", "t.json:1:16: a: unclosed ' in a placeholder" },
        { "t.json", "{\"a\": \"x {seq\"}", "t.json:1:10: a: unclosed { (write {{ for a literal {)" },
        { "t.json", "{\"a\": \"x {seq x}\"}", "t.json:1:15: a: unexpected x in {seq} (usage: seq)" },
        { "t.json", "{\"a\": \"x { }\"}", "t.json:1:10: a: expected a function name after { (write {{ for a literal {)" },
        { "t.json", "{\"a\": \"\\u00e9\\t{nope}\"}",
          "t.json:1:16: a: unknown function nope (functions: seq, producer, now, now_ms, now_us, int, float, bool, "
          "choice, walk, if, uuid, name, first_name, last_name, email, phone, city, country, address, url, sku, "
          "lorem)" },
        /* if(): paths, types, cycles */
        { "t.json", "{\"a\": \"{if(b.c < 70, x, y)}\", \"b\": {\"d\": 1}}",
          "t.json:1:12: a: if(): no field b.c in the template (did you mean b.d?)" },
        { "t.json", "{\"a\": \"{if(b < 70, x, y)}\", \"b\": {\"d\": 1}}", "t.json:1:12: a: if(): b is an object, not a value" },
        { "t.json", "{\"a\": \"{if(b = 70, x, y)}\", \"b\": 1}",
          "t.json:1:14: a: if(): expected <, <=, >, >=, == or != after the field (== to compare)" },
        { "t.json", "{\"a\": \"{if(b < x, x, y)}\", \"b\": 1}", "t.json:1:16: a: if(): expected a number after <, got x" },
        { "t.json", "{\"a\": \"{if(b < 1, x, y)}\", \"b\": \"{name}\"}",
          "t.json:1:12: a: if(): b is text; <, <=, > and >= compare numbers" },
        { "t.json", "{\"a\": \"{if(b == 1, x, y)}\", \"b\": \"{choice(p, q)}\"}",
          "t.json:1:12: a: if(): b is text, compared with a number" },
        { "t.json", "{\"a\": \"{if(b < 1, x, y)}\", \"b\": \"n{seq}\"}",
          "t.json:1:12: a: if(): b mixes text and placeholders; compare a field that is one placeholder or a constant" },
        { "t.json", "{\"a\": \"{if(b, x, y)}\", \"b\": \"{if(a, 1, 2)}\"}",
          "t.json:1:12: a: if(): b leads back to this field (a circular reference)" },
        /* malformed files */
        { "t.json", "{\"a\": 1,}", "t.json:1:8: JSON disallows trailing comma before closing brace" },
        { "t.json", "{\"a\": 1, \"a\": 2}", "t.json:1:11: duplicate key" },
        { "t.json", "[1, 2]", "t.json:1:1: expected an object at the top (a message is one JSON object), got a list" },
        { "t.yaml", "", "t.yaml: empty template (expected an object like {\"id\": \"job_{seq}\"})" },
        { "t.yaml", "a: [1, 2", "t.yaml:2:1: flow sequence without a closing bracket" },
        { "t.yaml", "a: 1\n---\nb: 2", "t.yaml:3:1: a second document: a template is one object" },
        { "t.yaml", "a: .inf", "t.yaml:1:4: a: .inf is not a number JSON can hold (quote it for text)" },
        /* a placeholder's column in each kind of YAML scalar */
        { "t.yaml", "a: 1\nb: \"x {nope}\"", "t.yaml:2:7: b: unknown function nope (functions: seq, producer, now, "
          "now_ms, now_us, int, float, bool, choice, walk, if, uuid, name, first_name, last_name, email, phone, city, "
          "country, address, url, sku, lorem)" },
        { "t.yaml", "a: 1\nb: plain {sq} x", "t.yaml:2:10: b: unknown function sq (did you mean seq?)" },
        { "t.yaml", "a: 1\nb: 'it''s {sq}'", "t.yaml:2:11: b: unknown function sq (did you mean seq?)" },
        { "t.yaml", "a: 1\nb: |\n  line one\n  x {sq}\n", "t.yaml:4:5: b: unknown function sq (did you mean seq?)" },
        { "t.yaml", "list:\n  - 1\n  - \"{int(2, 1)}\"\n", "t.yaml:3:11: list.1: int(): lo (2) is above hi (1)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[1024] = "";
        msg_template *t = compile(cases[i].origin, cases[i].text, err, sizeof err);
        CHECK(t == NULL && strcmp(err, cases[i].want) == 0, "case %zu (%s):\n  got  %s\n  want %s", i, cases[i].text,
              t ? "(compiled)" : err, cases[i].want);
        msg_free(t);
    }
    char err[256];
    CHECK(msg_load("nope", err, sizeof err) == NULL && strcmp(err, "nope: not a built-in template (job, snapshot) nor a file") == 0,
          "unknown name: %s", err);
    CHECK(msg_load("/nonexistent/t.json", err, sizeof err) == NULL &&
              strcmp(err, "/nonexistent/t.json: No such file or directory") == 0,
          "missing file: %s", err);
}

/* The example templates in examples/messages load and render JSON. */
static void test_examples(void)
{
    static const char *const files[] = { "order-events.json", "sensor-readings.yaml" };
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", __FILE__);
    char *slash = strstr(dir, "tests/unit/");
    if (!slash)
        return;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[1100], err[512], why[256];
        snprintf(path, sizeof path, "%.*sexamples/messages/%s", (int)(slash - dir), dir, files[i]);
        msg_template *t = msg_load(path, err, sizeof err);
        CHECK(t != NULL, "%s: %s", files[i], err);
        if (!t)
            continue;
        msg_state *s = msg_state_new(t, 0, 1);
        rng_t r;
        rng_seed(&r, 1, 0);
        strbuf out = { 0 }, id = { 0 };
        int bad = 0;
        for (int k = 0; k < 200; k++) {
            sb_reset(&out);
            sb_reset(&id);
            msg_render(t, s, &r, T0 + k, &out, &id);
            double ts;
            bad += !valid_json(&out, why, sizeof why) || !id.len || ts_find_json(out.p, out.len, &ts) != 0 ||
                   fabs(ts - (T0 + k)) > 1e-6;
        }
        CHECK(bad == 0, "%s: %d messages not JSON, without an id or a timestamp: %s", files[i], bad, out.p);
        msg_state_free(s);
        msg_free(t);
        sb_free(&out);
        sb_free(&id);
    }
}

int main(void)
{
    test_builtins();
    test_snapshot();
    test_walk_bounds();
    test_determinism();
    test_language();
    test_errors();
    test_examples();
    msg_free(NULL);
    msg_state_free(NULL);
    return check_report();
}
