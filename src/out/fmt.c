/* fmt.c - numbers and text for people (see fmt.h). */
#include "out/fmt.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Three significant digits, moving to the next unit (a factor of 1000) when
 * the value would print as 1000 or more. The thresholds are where printf's
 * rounding would carry into one more digit (9.996 prints "10.00" with %.2f),
 * so "9.99ms" is followed by "10.0ms", never by "10.00ms". */
static char *sig3(double v, const char *const *units, int nunits, char *buf, size_t len)
{
    int u = 0;
    while (u < nunits - 1 && v >= 999.5) {
        v /= 1000;
        u++;
    }
    if (v < 9.995)
        snprintf(buf, len, "%.2f%s", v, units[u]);
    else if (v < 99.95)
        snprintf(buf, len, "%.1f%s", v, units[u]);
    else
        snprintf(buf, len, "%.0f%s", v, units[u]);
    return buf;
}

char *fmt_ms(double ms, char *buf, size_t len)
{
    static const char *const units[] = { "ns", "us", "ms", "s" };

    if (!isfinite(ms) || ms < 0) {
        snprintf(buf, len, "-");
        return buf;
    }
    if (ms == 0) {
        snprintf(buf, len, "0");
        return buf;
    }
    double ns = ms * 1e6;
    if (ns < 999.5) {   /* below a microsecond the digits after the point are noise */
        snprintf(buf, len, "%.0fns", ns);
        return buf;
    }
    return sig3(ns, units, 4, buf, len);
}

char *fmt_si(double v, char *buf, size_t len)
{
    static const char *const units[] = { "", "k", "M", "G", "T", "P" };

    if (!isfinite(v)) {
        snprintf(buf, len, "-");
        return buf;
    }
    if (fabs(v) < 9999.5) {
        snprintf(buf, len, "%.0f", v);
        return buf;
    }
    if (v < 0) {   /* counts are never negative; keep the sign if one ever is */
        buf[0] = '-';
        if (len > 1)
            sig3(-v, units, 6, buf + 1, len - 1);
        return buf;
    }
    return sig3(v, units, 6, buf, len);
}

char *fmt_count(uint64_t n, char *buf, size_t len)
{
    char digits[24];
    int nd = snprintf(digits, sizeof digits, "%" PRIu64, n);
    char grouped[32];
    size_t o = 0;
    for (int i = 0; i < nd; i++) {
        if (i > 0 && (nd - i) % 3 == 0)
            grouped[o++] = ',';
        grouped[o++] = digits[i];
    }
    grouped[o] = '\0';
    snprintf(buf, len, "%s", grouped);
    return buf;
}

char *fmt_rate(double per_s, char *buf, size_t len)
{
    char num[FMT_LEN];

    if (!isfinite(per_s)) {
        snprintf(buf, len, "-");
        return buf;
    }
    if (per_s < 9.995)          /* slow patterns ("3/m") need the second decimal */
        snprintf(num, sizeof num, "%.2f", per_s);
    else if (per_s < 999.95)
        snprintf(num, sizeof num, "%.1f", per_s);
    else
        fmt_si(per_s >= 9999.5 ? per_s : round(per_s), num, sizeof num);
    snprintf(buf, len, "%s/s", num);
    return buf;
}

char *fmt_pct(double part, double whole, char *buf, size_t len)
{
    if (!(whole > 0) || !isfinite(part) || !isfinite(whole)) {
        snprintf(buf, len, "-");
        return buf;
    }
    double p = 100.0 * part / whole;
    if (p == 0)
        snprintf(buf, len, "0%%");
    else if (p < 0.01)
        snprintf(buf, len, "<0.01%%");
    else if (p < 1)
        snprintf(buf, len, "%.2f%%", p);
    else if (p >= 99.95 && part < whole)   /* "100.0%" would hide the few that are missing */
        snprintf(buf, len, "99.9%%");
    else if (part == whole)
        snprintf(buf, len, "100%%");
    else
        snprintf(buf, len, "%.1f%%", p);
    return buf;
}

char *fmt_duration(double s, char *buf, size_t len)
{
    if (!isfinite(s) || s < 0) {
        snprintf(buf, len, "-");
        return buf;
    }
    if (s < 0.9995) {
        snprintf(buf, len, "%.0fms", s * 1000);
    } else if (s < 59.95) {
        snprintf(buf, len, "%.1fs", s);
    } else if (s < 3599.5) {
        long t = lround(s);
        snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
    } else {
        long m = lround(s / 60);
        snprintf(buf, len, "%ldh%02ldm", m / 60, m % 60);
    }
    return buf;
}

size_t fmt_utf8_len(const unsigned char *s, size_t n)
{
    if (n == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    /* The second byte's range is narrower after some lead bytes: that is
     * what rules out overlong forms (E0, F0), UTF-16 surrogates (ED) and
     * values past U+10FFFF (F4). C0, C1 and F5..FF never start a sequence. */
    unsigned lo = 0x80, hi = 0xBF;
    size_t need;
    if (c < 0xC2) {
        return 0;
    } else if (c < 0xE0) {
        need = 2;
    } else if (c < 0xF0) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c < 0xF5) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < need || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    return need;
}

char *fmt_clean(const char *s, size_t max_cols, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    buf[0] = '\0';
    if (!s)
        return buf;

    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    size_t o = 0, cols = 0;
    size_t cut = 0;          /* where to put "..." if it comes to that */
    bool cut_short = false;

    for (size_t i = 0; i < n;) {
        char one[4];
        size_t k = fmt_utf8_len(p + i, n - i);
        size_t take = k ? k : 1;
        if (k == 1 && (p[i] == '\n' || p[i] == '\r' || p[i] == '\t')) {
            /* "ERROR: x\n  DETAIL: y" reads best as one line with one space. */
            if (o > 0 && buf[o - 1] == ' ') {
                i++;
                continue;
            }
            one[0] = ' ';
            k = 1;
        } else if (k == 0 || (k == 1 && (p[i] < 0x20 || p[i] == 0x7F)) ||
                   (k == 2 && p[i] == 0xC2 && p[i + 1] < 0xA0)) {
            one[0] = '?';   /* broken byte, or a control a terminal would act on */
            k = 1;
        } else {
            memcpy(one, p + i, k);
        }
        if ((max_cols && cols + 1 > max_cols) || o + k + 1 > len) {
            cut_short = true;
            break;
        }
        memcpy(buf + o, one, k);
        o += k;
        cols++;
        i += take;
        if ((!max_cols || cols + 3 <= max_cols) && o + 4 <= len)
            cut = o;
    }
    if (cut_short && (max_cols == 0 || max_cols >= 3) && len >= 4) {
        memcpy(buf + cut, "...", 3);
        o = cut + 3;
    }
    buf[o] = '\0';
    return buf;
}

size_t fmt_cols(const char *s)
{
    size_t cols = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (p[0] == 0x1B && p[1] == '[') {
            p += 2;
            while (*p && !(*p >= 0x40 && *p <= 0x7E))
                p++;
            if (!*p)
                break;
            continue;
        }
        if ((*p & 0xC0) != 0x80 && *p >= 0x20 && *p != 0x7F)
            cols++;
    }
    return cols;
}

void fmt_c_decimal(char *s)
{
    for (; *s; s++)
        if (*s == ',')
            *s = '.';
}
