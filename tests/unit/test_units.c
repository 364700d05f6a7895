/* test_units.c - duration and rate parsing and duration formatting, as
 * tables of inputs and the answer (or the rejection) each must give. */
#include "core/units.h"

#include <math.h>
#include <string.h>

#include "check.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Relative tolerance for parsed values: the parsers multiply by unit sizes
 * like 1e-3, which are not exact in binary. */
static int close_to(double got, double want)
{
    return fabs(got - want) <= 1e-12 * fabs(want);
}

static void test_durations(void)
{
    static const struct {
        const char *in;
        double want;
    } good[] = {
        {"0", 0},          {"0s", 0},          {"30", 30},        {"1.5", 1.5},
        {"30s", 30},       {"500ms", 0.5},     {"250us", 250e-6}, {"250\xc2\xb5s", 250e-6},
        {"100ns", 1e-7},   {"5m", 300},        {"2h", 7200},      {"1h30m", 5400},
        {"1h30m15s", 5415}, {"1m500ms", 60.5}, {"1.5s", 1.5},     {"0.25h", 900},
        {".5s", 0.5},      {"2.s", 2},         {"007s", 7},       {"1s500ms", 1.5},
        {"87600h", 87600 * 3600.0},                       /* 10 years of 365 days */
    };
    for (size_t i = 0; i < LEN(good); i++) {
        double got = -1;
        int rc = units_parse_duration(good[i].in, &got);
        CHECK(rc == 0 && close_to(got, good[i].want), "\"%s\": rc %d, got %.17g, want %.17g",
              good[i].in, rc, got, good[i].want);
    }

    static const char *const bad[] = {
        "",      " ",      "s",      "ms",     "-1s",    "-1",     "+1s",   " 1s",
        "1s ",   "1 s",    "1x",     "1sec",   "5min",   "1h30",   "30m1h", "1m1m",
        "1us1\xc2\xb5s",   "1e3",    "1e3s",   "0x10",   "0x10s",  "inf",   "nan",
        "infs",  "NaNs",   "1..5s",  "1.5.s",  ".",      ".s",     "1h-30m", "87700h",
        "1000000000000", "99999999999999999999999999999999999999999999999999999999999999999999s",
        "1d",    "1S",     "1H",
    };
    for (size_t i = 0; i < LEN(bad); i++) {
        double got = 12345;
        int rc = units_parse_duration(bad[i], &got);
        CHECK(rc == -1 && got == 12345, "\"%s\" must be rejected: rc %d, got %g", bad[i], rc, got);
    }
    double got;
    CHECK(units_parse_duration(NULL, &got) == -1, "NULL must be rejected");
}

static void test_rates(void)
{
    static const struct {
        const char *in;
        double want;
    } good[] = {
        {"100", 100},  {"100/s", 100}, {"30/m", 0.5}, {"2/h", 2 / 3600.0}, {"0.5", 0.5},
        {"0", 0},      {"0/s", 0},     {"1.5/s", 1.5}, {"12000/m", 200},  {"007", 7},
    };
    for (size_t i = 0; i < LEN(good); i++) {
        double got = -1;
        int rc = units_parse_rate(good[i].in, &got);
        CHECK(rc == 0 && close_to(got, good[i].want), "\"%s\": rc %d, got %.17g, want %.17g",
              good[i].in, rc, got, good[i].want);
    }

    static const char *const bad[] = {
        "",    "/s",     "-1",    "-1/s",  "+5",    "1e3",  "inf",   "nan",  "0x10",
        "10/", "10/x",   "10/ms", "10/sec", "10 /s", "10/ s", "10s",  "abc",  " 10",
        "10 ", "10/s/s", "1..2",
    };
    for (size_t i = 0; i < LEN(bad); i++) {
        double got = 12345;
        int rc = units_parse_rate(bad[i], &got);
        CHECK(rc == -1 && got == 12345, "\"%s\" must be rejected: rc %d, got %g", bad[i], rc, got);
    }
    double got;
    CHECK(units_parse_rate(NULL, &got) == -1, "NULL must be rejected");
}

static void test_format(void)
{
    static const struct {
        double in;
        const char *want;
    } cases[] = {
        {0, "0s"},            {0.85, "850ms"},        {12.5, "12.5s"},    {200, "3m20s"},
        {3720, "1h02m"},      {250e-6, "250us"},      {15e-9, "15ns"},    {1.5, "1.5s"},
        {1.234, "1.23s"},     {45.67, "45.7s"},       {30, "30s"},        {1, "1s"},
        {0.0125, "12.5ms"},   {0.9997, "1s"},         {0.0009999, "1ms"}, {59.96, "1m00s"},
        {60, "1m00s"},        {125, "2m05s"},         {3599.6, "1h00m"},  {3600, "1h00m"},
        {90000, "25h00m"},    {-1.5, "-1.5s"},        {1e-12, "0ns"},     {NAN, "nan"},
        {INFINITY, "inf"},
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        char buf[32];
        memset(buf, 'x', sizeof buf);
        const char *got = units_format_duration(cases[i].in, buf, sizeof buf);
        CHECK(got == buf && strcmp(buf, cases[i].want) == 0, "%.17g: got \"%s\", want \"%s\"",
              cases[i].in, buf, cases[i].want);
    }

    /* A short buffer truncates and stays terminated. */
    char small[4];
    units_format_duration(200, small, sizeof small);
    CHECK(strcmp(small, "3m2") == 0, "truncated to \"%s\"", small);
    char one[1] = {'x'};
    units_format_duration(-5, one, sizeof one);
    CHECK(one[0] == '\0', "a one-byte buffer must hold just the terminator");

    /* What it prints parses back (these values print without rounding). */
    static const double round_trip[] = {0.85, 12.5, 1.5, 0.0125, 250e-6, 30, 200, 3720};
    for (size_t i = 0; i < LEN(round_trip); i++) {
        char buf[32];
        double back = -1;
        units_format_duration(round_trip[i], buf, sizeof buf);
        int rc = units_parse_duration(buf, &back);
        CHECK(rc == 0 && close_to(back, round_trip[i]), "%g printed as \"%s\" parsed back as %g",
              round_trip[i], buf, back);
    }
}

int main(void)
{
    test_durations();
    test_rates();
    test_format();
    return check_report();
}
