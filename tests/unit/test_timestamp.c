/* test_timestamp.c - reading a message's send time back (core/timestamp.h).
 *
 * One table drives both views, seconds (ts_find_json) and nanoseconds
 * (ts_find_json_ns), so they cannot come to disagree: every case that
 * reads in one reads in the other, to the same time. Then times written
 * by gmtime_r (not by the module's own arithmetic), with every fraction
 * length and offset form, read back exactly.
 */
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "core/rng.h"
#include "core/timestamp.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define NONE INT64_MIN
/* 2026-11-23T11:23:29Z */
#define B_S 1795433009LL
#define B (B_S * 1000000000LL)

static void test_cases(void)
{
    static const struct {
        const char *json;
        int64_t ns;   /* the time in nanoseconds; NONE: does not read */
    } cases[] = {
        /* where the time is */
        { "{\"id\":1,\"timestamp\":\"2026-11-23T11:23:29.123456Z\",\"x\":2}", B + 123456000 },
        { "{\"a\":{\"timestamp\":\"2026-11-23T11:23:30Z\"},\"timestamp\":\"x\"}", B + 1000000000 },   /* the first */
        { "{ \"a\": {\"timestamp\" : \"2026-11-23 12:23:29.5+01:00\"}, \"timestamp\": 1 }", B + 500000000 },
        { "{\"note\": \"timestamp\", \"timestamp\": \"2026-11-23T11:23:29Z\"}", B },   /* a value is not the key */
        { "{\"x\": \"a\\\"timestamp\\\":1\", \"timestamp\": 1795433009250}", B + 250000000 },   /* nor escaped text */
        { "{\n  \"timestamp\":\n    \"2026-11-23T11:23:29Z\"\n}", B },
        { "{\"ts\":\"2026-11-23T11:23:29Z\"}", NONE },
        { "{\"time\": \"2026-11-23T11:23:29Z\"}", NONE },
        { "{\"timestamp\": null}", NONE },
        { "{\"timestamp\": {\"at\": 1795433009}}", NONE },
        { "{\"timestamp\":\"", NONE },
        { "{\"timestamp\":\"2026-11-23T11:23", NONE },
        { "{\"note\":\"timestamp", NONE },
        { "", NONE },
        /* ISO-8601 */
        { "{\"timestamp\":\"2026-11-23T11:23:29Z\"}", B },
        { "{\"timestamp\":\"2026-11-23t11:23:29z\"}", B },
        { "{\"timestamp\":\"2026-11-23 11:23:29Z\"}", B },
        { "{\"timestamp\":\"2026-11-23T11:23:29.123Z\"}", B + 123000000 },
        { "{\"timestamp\":\"2026-11-23T11:23:29.123456789Z\"}", B + 123456789 },
        { "{\"timestamp\":\"2026-11-23T11:23:29.1234567891Z\"}", B + 123456789 },   /* past the ninth: dropped */
        { "{\"timestamp\":\"2026-11-23T11:23:29,25Z\"}", B + 250000000 },
        { "{\"timestamp\": \"2026-11-23T11:23:29.5\"}", B + 500000000 },   /* no zone: UTC */
        { "{\"timestamp\":\"2026-11-23T12:23:29+01:00\"}", B },
        { "{\"timestamp\":\"2026-11-23T12:23:29+0100\"}", B },
        { "{\"timestamp\":\"2026-11-23T10:53:29-00:30\"}", B },
        { "{\"timestamp\":\"2016-12-31T23:59:60Z\"}", 1483228800LL * 1000000000 },   /* a leap second */
        { "{\"timestamp\":\"1970-01-01T00:00:00.000001Z\"}", 1000 },
        { "{\"timestamp\":\"1969-12-31T23:59:59Z\"}", NONE },   /* before 1970 */
        { "{\"timestamp\":\"1970-01-01T00:30:00+01:00\"}", NONE },
        { "{\"timestamp\":\"2026-13-23T11:23:29Z\"}", NONE },
        { "{\"timestamp\":\"2026-11-31T11:23:29Z\"}", NONE },
        { "{\"timestamp\":\"2026-11-23T24:00:00Z\"}", NONE },
        { "{\"timestamp\":\"2026-11-23T11:60:00Z\"}", NONE },
        { "{\"timestamp\":\"2026-11-23T11:23:29.Z\"}", NONE },
        { "{\"timestamp\":\"2026-11-23T11:23:29Zjunk\"}", NONE },
        { "{\"timestamp\":\"2026-11-23T11:23:29+24:00\"}", NONE },
        { "{\"timestamp\":\"2026-11-23T11:23:29+01:60\"}", NONE },
        { "{\"timestamp\":\"2026-11-23T11:23:29+01\"}", NONE },
        { "{\"timestamp\":\"2026-11-23T11:23:29\\u005a\"}", NONE },
        { "{\"timestamp\":\"2026-11-23\"}", NONE },
        { "{\"timestamp\": \"yesterday\"}", NONE },
        /* epoch numbers, told apart by size */
        { "{\"timestamp\":1795433009}", B },
        { "{\"timestamp\": 1795433009250}", B + 250000000 },
        { "{\"timestamp\": 1795433009123456}", B + 123456000 },
        { "{\"timestamp\": 1795433009123456789}", B + 123456789 },
        { "{\"timestamp\": 1795433009.5}", B + 500000000 },
        { "{\"timestamp\": 1.795433009e9}", B },
        { "{\"timestamp\": 0}", 0 },
        { "{\"timestamp\": -1}", NONE },
        { "{\"timestamp\": 1e}", NONE },
        { "{\"timestamp\": \"1795433009\"}", NONE },
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        const char *j = cases[i].json;
        int64_t ns = -1;
        double s = -1;
        int rn = ts_find_json_ns(j, strlen(j), &ns), rs = ts_find_json(j, strlen(j), &s);
        if (cases[i].ns == NONE) {
            CHECK(rn == -1 && rs == -1, "%s: reads as %" PRId64 " ns, %.9f s", j, ns, s);
            continue;
        }
        CHECK(rn == 0 && ns == cases[i].ns, "%s: rc %d, %" PRId64 " ns, want %" PRId64, j, rn, ns, cases[i].ns);
        CHECK(rs == 0 && fabs(s - (double)cases[i].ns / 1e9) < 1e-6, "%s: rc %d, %.9f s", j, rs, s);
    }

    /* Only len bytes are read. */
    const char *cut = "{\"timestamp\":\"2026-11-23T11:23:29Z\"}";
    int64_t ns = 0;
    double s = 0;
    CHECK(ts_find_json_ns(cut, 30, &ns) == -1 && ts_find_json(cut, 30, &s) == -1, "a cut job");
    CHECK(ts_find_json_ns("{\"timestamp\":\"1970-01-01T00:00:00.000001Z\"}", 42, &ns) == 0 && ns == 1000,
          "the closing quote is the last byte: %" PRId64, ns);

    /* Past 2262 nanoseconds no longer fit an int64; seconds go on. */
    static const struct {
        const char *json;
        double s;
    } far[] = {
        { "{\"timestamp\":\"3000-01-01T00:00:00Z\"}", 32503680000.0 },
        { "{\"timestamp\":\"9999-12-31T23:59:59.5Z\"}", 253402300799.5 },
        { "{\"timestamp\": 99999999999}", 99999999999.0 },
        { "{\"timestamp\": 9223372037000}", 9223372037.0 },
    };
    for (size_t i = 0; i < LEN(far); i++) {
        ns = 0;
        s = 0;
        int rn = ts_find_json_ns(far[i].json, strlen(far[i].json), &ns);
        int rs = ts_find_json(far[i].json, strlen(far[i].json), &s);
        CHECK(rn == -1 && rs == 0 && fabs(s - far[i].s) < 1e-3, "%s: ns rc %d, s rc %d %.3f", far[i].json, rn, rs, s);
    }
}

/* Random times up to 2262, written with gmtime_r in every form the reader
 * takes, read back to the nanosecond (and to the second's double). */
static void test_written_by_libc(void)
{
    static const char *const fmt_sep[] = { "T", " ", "t" };
    rng_t r;
    rng_seed(&r, 42, 0);
    int bad = 0;
    char first_bad[200] = "";
    for (int k = 0; k < 20000; k++) {
        int64_t sec = rng_range(&r, 0, 9223372035LL - 86400);
        int digits = (int)rng_range(&r, 0, 12);
        uint64_t frac = 0;
        char fr[16] = "";
        for (int d = 0; d < digits; d++) {
            unsigned c = (unsigned)rng_below(&r, 10);
            fr[d] = (char)('0' + c);
            if (d < 9)
                frac = frac * 10 + c;
        }
        for (int d = digits; d < 9; d++)
            frac *= 10;
        int off_min = (int)rng_range(&r, -23 * 60 - 59, 23 * 60 + 59);
        int form = (int)rng_below(&r, 4);   /* Z, +hh:mm, +hhmm, no zone */
        if (form == 0 || form == 3)
            off_min = 0;
        time_t local = (time_t)(sec + off_min * 60);
        if (local < 0)
            continue;
        struct tm tm;
        gmtime_r(&local, &tm);
        char zone[16] = "Z";
        int a = off_min < 0 ? -off_min : off_min;
        if (form == 1)
            snprintf(zone, sizeof zone, "%c%02d:%02d", off_min < 0 ? '-' : '+', a / 60, a % 60);
        else if (form == 2)
            snprintf(zone, sizeof zone, "%c%02d%02d", off_min < 0 ? '-' : '+', a / 60, a % 60);
        else if (form == 3)
            zone[0] = '\0';
        char json[200];
        snprintf(json, sizeof json, "{\"timestamp\":\"%04d-%02d-%02d%s%02d:%02d:%02d%s%s%s\"}", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, fmt_sep[k % 3], tm.tm_hour, tm.tm_min, tm.tm_sec,
                 digits ? (k & 1 ? "." : ",") : "", fr, zone);
        int64_t ns = -1;
        double s = -1;
        int64_t want = sec * 1000000000 + (int64_t)frac;
        /* apart by a double's rounding (2^-19 s by 2262) and the digits past the ninth */
        double ref = (double)sec + (double)frac / 1e9;
        bool ok = ts_find_json_ns(json, strlen(json), &ns) == 0 && ns == want &&
                  ts_find_json(json, strlen(json), &s) == 0 && fabs(s - ref) <= 4e-16 * ref + 1e-9;
        if (!ok && !bad++)
            snprintf(first_bad, sizeof first_bad, "%s: %" PRId64 " ns, %.9f s, want %" PRId64, json, ns, s, want);
    }
    CHECK(bad == 0, "%d times written by gmtime_r do not read back, first %s", bad, first_bad);
}

int main(void)
{
    test_cases();
    test_written_by_libc();
    return check_report();
}
