/* timestamp.c - a message's send time, read back (see timestamp.h).
 *
 * The key is found by walking the text's strings, not by searching for
 * "timestamp": a value that says "timestamp", or the word inside an escaped
 * string, must not be taken for the key. The date is turned into seconds
 * by hand (no strptime, no struct tm): a consumer does this once per
 * message, on the thread that pops them.
 *
 * Both views come from one parse that keeps what the text says exactly (an
 * ISO time's seconds and fraction digits, a whole number's digits), so the
 * nanoseconds are not rounded through a double on the way.
 */
#include "core/timestamp.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define TS_MAX_FRAC 15                 /* fraction digits kept: beyond a double's precision */
#define TS_MAX_NS_SEC 9223372035LL     /* whole seconds whose nanoseconds fit an int64 */

static const double pow10d[TS_MAX_FRAC + 1] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
};

/* What the value reads as: an ISO time, sec + frac / 10^digits seconds
 * since the epoch, or a number x of `unit`s (0 seconds, 1 milli-, 2 micro-,
 * 3 nanoseconds), also held exactly in u when written as digits alone. */
typedef struct ts_read {
    bool iso;
    int64_t sec;
    uint64_t frac;
    int digits;
    double x;
    int unit;
    bool whole;
    uint64_t u;
} ts_read;

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* c is one of set (never the NUL that ends set). */
static bool in_set(char c, const char *set) { return c && strchr(set, c); }

/* ---- finding the value --------------------------------------------------- */

/* The value of the first key "timestamp": *v, *vn bytes, a string's
 * contents without its quotes (*quoted) or a number's text. 0, or -1 when
 * there is no such key. */
static int find_value(const char *j, size_t n, const char **v, size_t *vn, bool *quoted)
{
    size_t i = 0;
    while (i < n) {
        if (j[i] != '"') {
            i++;
            continue;
        }
        size_t a = ++i;
        while (i < n && j[i] != '"')
            i += j[i] == '\\' ? 2 : 1;
        if (i >= n)
            return -1;
        size_t b = i++;
        if (b - a != 9 || memcmp(j + a, "timestamp", 9) != 0)
            continue;
        size_t k = i;
        while (k < n && is_space(j[k]))
            k++;
        if (k >= n || j[k] != ':')
            continue;   /* a value that says "timestamp", not a key */
        for (k++; k < n && is_space(j[k]);)
            k++;
        *quoted = k < n && j[k] == '"';
        if (*quoted) {
            size_t e = ++k;
            while (e < n && j[e] != '"' && j[e] != '\\')
                e++;
            if (e >= n || j[e] != '"')
                return -1;   /* cut short, or an escape: no time is written with one */
            *v = j + k;
            *vn = e - k;
            return 0;
        }
        size_t e = k;
        while (e < n && in_set(j[e], "+-0123456789.eE") && e - k < 40)
            e++;
        *v = j + k;
        *vn = e - k;
        return 0;
    }
    return -1;
}

/* ---- ISO-8601 ------------------------------------------------------------ */

static bool digits_at(const char *s, size_t n, size_t i, int k, unsigned *v)
{
    *v = 0;
    if (i + (size_t)k > n)
        return false;
    for (int j = 0; j < k; j++) {
        char c = s[i + (size_t)j];
        if (c < '0' || c > '9')
            return false;
        *v = *v * 10 + (unsigned)(c - '0');
    }
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* YYYY-MM-DD[Tt ]HH:MM:SS[[.,]fraction][Z|z|+hh:mm|-hh:mm|+hhmm|-hhmm] */
static int parse_iso(const char *s, size_t n, ts_read *t)
{
    /* February always has 29: a leap day of a common year reads as March 1st. */
    static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    unsigned y, mo, d, h, mi, se, oh = 0, om = 0;
    if (!digits_at(s, n, 0, 4, &y) || n < 19 || s[4] != '-' || !digits_at(s, n, 5, 2, &mo) || s[7] != '-' ||
        !digits_at(s, n, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits_at(s, n, 11, 2, &h) ||
        s[13] != ':' || !digits_at(s, n, 14, 2, &mi) || s[16] != ':' || !digits_at(s, n, 17, 2, &se))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
        return -1;
    size_t i = 19;
    t->frac = 0;
    t->digits = 0;
    if (i < n && (s[i] == '.' || s[i] == ',')) {
        size_t start = ++i;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (t->digits < TS_MAX_FRAC) {
                t->frac = t->frac * 10 + (uint64_t)(s[i] - '0');
                t->digits++;
            }
        if (i == start)
            return -1;
    }
    int sign = 0;
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        sign = s[i] == '+' ? 1 : -1;
        if (!digits_at(s, n, i + 1, 2, &oh))
            return -1;
        i += 3;
        if (i < n && s[i] == ':')
            i++;
        if (!digits_at(s, n, i, 2, &om) || oh > 23 || om > 59)
            return -1;
        i += 2;
    }
    if (i != n)
        return -1;
    t->sec = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - sign * (int64_t)(oh * 3600 + om * 60);
    return t->sec < 0 ? -1 : 0;
}

/* ---- epoch numbers ------------------------------------------------------- */

static int parse_number(const char *s, size_t n, ts_read *t)
{
    char buf[48], *end;
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    t->x = strtod(buf, &end);
    if (*end || !isfinite(t->x) || t->x < 0)
        return -1;
    /* seconds until the year 5138, then milli-, micro-, nanoseconds */
    t->unit = t->x < 1e11 ? 0 : t->x < 1e14 ? 1 : t->x < 1e17 ? 2 : 3;
    t->whole = n <= 19;   /* 19 digits fit a uint64 */
    t->u = 0;
    for (size_t i = 0; i < n && t->whole; i++)
        if ((t->whole = s[i] >= '0' && s[i] <= '9'))
            t->u = t->u * 10 + (uint64_t)(s[i] - '0');
    return 0;
}

/* ---- the two views ------------------------------------------------------- */

static int read_time(const char *json, size_t len, ts_read *t)
{
    const char *v;
    size_t n;
    if (find_value(json, len, &v, &n, &t->iso) != 0)
        return -1;
    return t->iso ? parse_iso(v, n, t) : parse_number(v, n, t);
}

static const double per_second[4] = { 1, 1e3, 1e6, 1e9 };

int ts_find_json(const char *json, size_t len, double *epoch_s)
{
    ts_read t;
    if (read_time(json, len, &t) != 0)
        return -1;
    if (t.iso)
        *epoch_s = (double)t.sec + (double)t.frac / pow10d[t.digits];
    else
        *epoch_s = t.x / per_second[t.unit];
    return 0;
}

int ts_find_json_ns(const char *json, size_t len, int64_t *epoch_ns)
{
    static const int64_t ns_per[4] = { 1000000000, 1000000, 1000, 1 };
    ts_read t;
    if (read_time(json, len, &t) != 0)
        return -1;
    if (t.iso) {
        if (t.sec > TS_MAX_NS_SEC)
            return -1;
        uint64_t f = t.frac;
        for (int d = t.digits; d > 9; d--)
            f /= 10;
        for (int d = t.digits; d < 9; d++)
            f *= 10;
        *epoch_ns = t.sec * 1000000000 + (int64_t)f;
    } else if (t.whole) {   /* exact, whatever a double would round it to */
        if (t.u > (uint64_t)INT64_MAX / (uint64_t)ns_per[t.unit])
            return -1;
        *epoch_ns = (int64_t)t.u * ns_per[t.unit];
    } else {
        double s = t.x / per_second[t.unit], w = floor(s);
        if (!(w <= (double)TS_MAX_NS_SEC))
            return -1;
        *epoch_ns = (int64_t)w * 1000000000 + llround((s - w) * 1e9);
    }
    return 0;
}
