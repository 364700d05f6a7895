/* units.c - durations and rates as people write them; see units.h.
 *
 * Numbers are scanned by hand before strtod sees them, because strtod alone
 * is too generous for user input: it skips leading spaces, takes signs,
 * "inf", "nan", hex ("0x1p3") and exponents ("1e3s" would be read as 1000
 * followed by "s"). Only digits with at most one decimal point get through;
 * strtod then converts that span, correctly rounded. surge never calls
 * setlocale, so the decimal point is always '.'.
 */
#include "core/units.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Beyond this a duration is a typo, and its double no longer holds
 * nanoseconds exactly. */
#define MAX_DURATION_S (10.0 * 365.25 * 86400.0)

/* Scan "123", "1.5", "0.25", ".5" or "2." at *p; store its value and move
 * *p past it. Returns -1 (leaving *p) if there is no number there. */
static int scan_number(const char **p, double *value)
{
    const char *s = *p;
    size_t digits = 0, len = 0;
    int dot = 0;
    for (;; len++) {
        char c = s[len];
        if (c >= '0' && c <= '9')
            digits++;
        else if (c == '.' && !dot)
            dot = 1;
        else
            break;
    }
    char buf[64];
    if (digits == 0 || len >= sizeof buf)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    double v = strtod(buf, NULL);
    if (!isfinite(v))
        return -1;
    *value = v;
    *p = s + len;
    return 0;
}

static const struct {
    const char *name;
    double seconds;
} duration_units[] = {
    /* Longest names first where one is a prefix of another ("ms" vs "m"). */
    {"ns", 1e-9}, {"us", 1e-6}, {"\xc2\xb5s", 1e-6} /* µs */, {"ms", 1e-3},
    {"s", 1.0},   {"m", 60.0},  {"h", 3600.0},
};

/* Match a unit name at *p; returns its size in seconds and moves *p past
 * it, or returns 0. */
static double scan_duration_unit(const char **p)
{
    for (size_t i = 0; i < sizeof duration_units / sizeof duration_units[0]; i++) {
        size_t n = strlen(duration_units[i].name);
        if (strncmp(*p, duration_units[i].name, n) == 0) {
            *p += n;
            return duration_units[i].seconds;
        }
    }
    return 0.0;
}

int units_parse_duration(const char *s, double *seconds)
{
    if (s == NULL || *s == '\0')
        return -1;
    const char *p = s;
    double v, total = 0.0;
    if (scan_number(&p, &v) < 0)
        return -1;
    if (*p == '\0') {                 /* bare number: seconds */
        total = v;
    } else {
        /* One or more <number><unit> terms, units strictly decreasing:
         * "1h30m" yes; "30m1h" or "1m1m" is more likely a typo than intent. */
        double last_unit = INFINITY;
        for (;;) {
            double unit = scan_duration_unit(&p);
            if (unit == 0.0 || !(unit < last_unit))
                return -1;
            total += v * unit;
            last_unit = unit;
            if (*p == '\0')
                break;
            if (scan_number(&p, &v) < 0)
                return -1;
        }
    }
    if (!(total <= MAX_DURATION_S))
        return -1;
    *seconds = total;
    return 0;
}

int units_parse_rate(const char *s, double *per_second)
{
    if (s == NULL)
        return -1;
    const char *p = s;
    double v;
    if (scan_number(&p, &v) < 0)
        return -1;
    double per = 1.0;                 /* seconds in the rate's time unit */
    if (*p == '/') {
        p++;
        if (strcmp(p, "s") == 0)
            per = 1.0;
        else if (strcmp(p, "m") == 0)
            per = 60.0;
        else if (strcmp(p, "h") == 0)
            per = 3600.0;
        else
            return -1;
    } else if (*p != '\0') {
        return -1;
    }
    *per_second = v / per;
    return 0;
}

/* Print v with three significant digits and no trailing zeros: 850, 12.5,
 * 1.25, 2. */
static void print_short(char *buf, size_t len, double v, const char *unit)
{
    int decimals = v >= 100.0 ? 0 : v >= 10.0 ? 1 : 2;
    char num[64];
    snprintf(num, sizeof num, "%.*f", decimals, v);
    if (strchr(num, '.')) {
        size_t n = strlen(num);
        while (num[n - 1] == '0')
            num[--n] = '\0';
        if (num[n - 1] == '.')
            num[--n] = '\0';
    }
    snprintf(buf, len, "%s%s", num, unit);
}

/* The value v would print as with print_short's rounding, to decide the
 * unit before printing: 999.7 ms must come out as "1s", not "1000ms". */
static double rounded_short(double v)
{
    double scale = v >= 100.0 ? 1.0 : v >= 10.0 ? 10.0 : 100.0;
    return round(v * scale) / scale;
}

char *units_format_duration(double seconds, char *buf, size_t len)
{
    if (buf == NULL || len == 0)
        return buf;
    if (!isfinite(seconds)) {
        snprintf(buf, len, "%s", isnan(seconds) ? "nan" : seconds > 0 ? "inf" : "-inf");
        return buf;
    }
    if (seconds < 0) {
        if (len < 2) {
            buf[0] = '\0';
            return buf;
        }
        buf[0] = '-';
        units_format_duration(-seconds, buf + 1, len - 1);
        return buf;
    }
    if (seconds == 0) {
        snprintf(buf, len, "0s");
        return buf;
    }

    /* Below a minute: the largest unit in which the value is >= 1, with
     * three significant digits. */
    static const struct {
        const char *name;
        double seconds;
    } small[] = {{"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1.0}};
    for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
        double v = seconds / small[i].seconds;
        double limit = i + 1 < sizeof small / sizeof small[0] ? 1000.0 : 60.0;
        if (rounded_short(v) < limit) {
            print_short(buf, len, v, small[i].name);
            return buf;
        }
    }

    /* Then two fields, the second zero-padded so that a live display keeps
     * its width: "3m20s", "1h02m". Round the total first so that 59.7 s of
     * a minute carries into the minute instead of printing "60s". */
    if (seconds < 1e15) {
        long long secs = llround(seconds);
        if (secs < 3600) {
            snprintf(buf, len, "%lldm%02llds", secs / 60, secs % 60);
            return buf;
        }
        long long mins = llround(seconds / 60.0);
        snprintf(buf, len, "%lldh%02lldm", mins / 60, mins % 60);
        return buf;
    }
    snprintf(buf, len, "%.3gh", seconds / 3600.0);
    return buf;
}
