/* plan.c - preview a rate pattern: a terminal plot and a JSON description.
 *
 * Everything here reads the pattern through pattern.h only, so what the
 * preview shows is what the scheduler will do: column heights and operation
 * counts come from C(t), never from sampling the rate and adding it up.
 */
#include "out/plan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PLAN_SAMPLES    200   /* evenly spaced intervals in the JSON points */
#define PLAN_MAX_PHASES 20    /* phases listed under the plot; the rest are counted */

double plan_default_window(const pat_t *p)
{
    double d = pat_duration(p), start, period;
    if (isfinite(d))
        return d;
    if (pat_cycle(p, &start, &period) != 0)
        return 60;
    double w = start + 2 * period;
    return w > 60 ? w : 60;
}

static double window_or_default(const pat_t *p, double w)
{
    return w > 0 && isfinite(w) ? w : plan_default_window(p);
}

/* Seconds for people: "250us", "850ms", "12.5s", "3m20s", "1h02m", "3d04h". */
static char *fmt_time(double s, char *buf, size_t len)
{
    if (!isfinite(s)) {
        snprintf(buf, len, "never");
    } else if (s <= 0) {
        snprintf(buf, len, "0s");
    } else if (s < 1e-3) {
        snprintf(buf, len, "%.3gus", s * 1e6);
    } else if (s < 1) {
        snprintf(buf, len, "%.3gms", s * 1e3);
    } else if (s < 59.95) {
        snprintf(buf, len, "%.3gs", s);
    } else if (s < 3599.5) {
        long long x = llround(s);
        snprintf(buf, len, x % 60 ? "%lldm%02llds" : "%lldm", x / 60, x % 60);
    } else if (s < 86370) {
        long long x = llround(s / 60);
        snprintf(buf, len, x % 60 ? "%lldh%02lldm" : "%lldh", x / 60, x % 60);
    } else {
        long long x = llround(s / 3600);
        snprintf(buf, len, x % 24 ? "%lldd%02lldh" : "%lldd", x / 24, x % 24);
    }
    return buf;
}

/* A rate, short: "0.2", "500", "1250", "12.5k", "3M". */
static char *fmt_rate(double r, char *buf, size_t len)
{
    if (r < 1e4)
        snprintf(buf, len, "%.4g", r);
    else if (r < 1e6)
        snprintf(buf, len, "%.3gk", r / 1e3);
    else
        snprintf(buf, len, "%.3gM", r / 1e6);
    return buf;
}

/* The smallest round number (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a
 * power of ten) >= v: the axis reads well and the plot keeps its height. */
static double nice_ceil(double v)
{
    if (!(v > 0))
        return 1;
    double p = pow(10, floor(log10(v)));
    static const double steps[] = { 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (steps[i] * p >= v * (1 - 1e-12))
            return steps[i] * p;
    return 10 * p;
}

static int locale_is_utf8(void)
{
    const char *names[] = { "LC_ALL", "LC_CTYPE", "LANG" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = getenv(names[i]);
        if (!v || !*v)
            continue;   /* the first one set decides, as in setlocale */
        char low[64];
        size_t n = 0;
        for (; v[n] && n < sizeof low - 1; n++)
            low[n] = (char)(v[n] >= 'A' && v[n] <= 'Z' ? v[n] - 'A' + 'a' : v[n]);
        low[n] = '\0';
        return strstr(low, "utf-8") || strstr(low, "utf8");
    }
    return 0;
}

/* Copy s into line at column at, if it fits. */
static int place(char *line, int width, int at, const char *s)
{
    int n = (int)strlen(s);
    if (at < 0 || at + n > width)
        return -1;
    memcpy(line + at, s, (size_t)n);
    return at + n;
}

static void print_axis_labels(double window, int width, int indent, FILE *out)
{
    char *line = malloc((size_t)width + 1), a[32], b[32], c[32];
    if (!line)
        return;
    memset(line, ' ', (size_t)width);
    int used = place(line, width, 0, fmt_time(0, a, sizeof a));
    fmt_time(window / 2, b, sizeof b);
    fmt_time(window, c, sizeof c);
    int mid = width / 2 - (int)strlen(b) / 2;
    if (mid > used + 1)
        used = place(line, width, mid, b);
    int end = width - (int)strlen(c);
    if (end > used + 1)
        place(line, width, end, c);
    int n = width;
    while (n > 0 && line[n - 1] == ' ')
        n--;
    fprintf(out, "%*s%.*s\n", indent, "", n, line);
    free(line);
}

static void print_plot(const pat_t *p, double window, int width, int height, FILE *out)
{
    double *col = malloc((size_t)width * sizeof *col), max = 0;
    if (!col)
        return;
    for (int c = 0; c < width; c++) {
        double t0 = window * c / width, t1 = window * (c + 1) / width;
        col[c] = (pat_count(p, t1) - pat_count(p, t0)) / (t1 - t0);
        max = fmax(max, col[c]);
    }
    double top = nice_ceil(max);
    int utf8 = locale_is_utf8(), mid = height / 2;
    static const char *const blocks[] = { " ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
    char ltop[32], lmid[32];
    fmt_rate(top, ltop, sizeof ltop);
    fmt_rate(top * (height - mid) / height, lmid, sizeof lmid);   /* the row's upper edge */
    int lw = (int)(strlen(ltop) > strlen(lmid) ? strlen(ltop) : strlen(lmid));

    fprintf(out, "%*s\n", lw + 2, "ops/s");
    for (int r = 0; r < height; r++) {
        const char *label = r == 0 ? ltop : r == mid ? lmid : "";
        fprintf(out, "%*s %s", lw, label, *label ? (utf8 ? "┤" : "+") : (utf8 ? "│" : "|"));
        double lo = top * (height - 1 - r) / height, cell = top / height;
        for (int c = 0; c < width; c++) {
            double frac = fmin(1, fmax(0, (col[c] - lo) / cell));
            int bottom_and_busy = r == height - 1 && col[c] > 0;   /* never hide a trickle */
            if (utf8) {
                int eighths = (int)(frac * 8 + 0.5);
                fputs(blocks[eighths == 0 && bottom_and_busy ? 1 : eighths], out);
            } else {
                fputc(frac >= 0.5 ? '#' : bottom_and_busy ? '.' : ' ', out);
            }
        }
        fputc('\n', out);
    }
    fprintf(out, "%*s %s", lw, "0", utf8 ? "└" : "+");
    for (int c = 0; c < width; c++)
        fputs(utf8 ? "─" : "-", out);
    fputc('\n', out);
    print_axis_labels(window, width, lw + 2, out);
    free(col);
}

void plan_print_text(const pat_t *p, double window_s, int width, int height, FILE *out)
{
    double window = window_or_default(p, window_s), d = pat_duration(p), start, period;
    width = width < 10 ? 10 : width > 2000 ? 2000 : width;
    height = height < 2 ? 2 : height > 500 ? 500 : height;
    char a[32], b[32];
    print_plot(p, window, width, height, out);

    if (isfinite(d))
        fprintf(out, "duration:   %s\n", fmt_time(d, a, sizeof a));
    else if (strcmp(pat_phase_get(p, pat_nphases(p) - 1)->label, "constant") == 0)
        fprintf(out, "duration:   never ends (constant from %s on)\n",
                fmt_time(pat_phase_get(p, pat_nphases(p) - 1)->start, a, sizeof a));
    else if (pat_cycle(p, &start, &period) == 0)
        fprintf(out, "duration:   never ends (repeats every %s from %s on)\n",
                fmt_time(period, a, sizeof a), fmt_time(start, b, sizeof b));
    fprintf(out, "phases:\n");
    int n = pat_nphases(p);
    for (int i = 0; i < n && i < PLAN_MAX_PHASES; i++) {
        const pat_phase *ph = pat_phase_get(p, i);
        fprintf(out, "  %d. %-9s %s -> %s", i + 1, ph->label, fmt_time(ph->start, a, sizeof a),
                fmt_time(ph->end, b, sizeof b));
        for (int m = 0; m < ph->nmix; m++)
            fprintf(out, "%s%s=%g", m ? ", " : "   mix ", ph->mix[m].name, ph->mix[m].weight);
        fputc('\n', out);
    }
    if (n > PLAN_MAX_PHASES)
        fprintf(out, "  ... and %d more\n", n - PLAN_MAX_PHASES);
    fprintf(out, "peak rate:  %s/s\n", fmt_rate(pat_peak(p), a, sizeof a));
    fprintf(out, "operations: %.0f in %s%s\n", round(pat_count(p, window)), fmt_time(window, a, sizeof a),
            isfinite(d) && window >= d ? "" : " shown");
}

/* ---- JSON --------------------------------------------------------------- */

static void json_str(const char *s, FILE *out)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void json_point(double t, double rate, int *first, FILE *out)
{
    fprintf(out, "%s[%.3f,%.6g]", *first ? "" : ",", t, rate);
    *first = 0;
}

/* Boundary b: the start of phase b (1 .. n-1), then the pattern's end. */
static double boundary(const pat_t *p, int b)
{
    return b < pat_nphases(p) ? pat_phase_get(p, b)->start : pat_duration(p);
}

void plan_print_json(const pat_t *p, double window_s, FILE *out)
{
    double window = window_or_default(p, window_s), d = pat_duration(p);
    if (isfinite(d))
        fprintf(out, "{\"duration_s\":%.3f,\"total_ops\":%.0f", d, round(pat_count(p, d)));
    else
        fputs("{\"duration_s\":null,\"total_ops\":null", out);
    if (!isfinite(d) || window < d)
        fprintf(out, ",\"window_s\":%.3f,\"window_ops\":%.0f", window, round(pat_count(p, window)));
    fprintf(out, ",\"peak_rate\":%.6g,\"phases\":[", pat_peak(p));
    int n = pat_nphases(p);
    for (int i = 0; i < n; i++) {
        const pat_phase *ph = pat_phase_get(p, i);
        fputs(i ? ",{\"label\":" : "{\"label\":", out);
        json_str(ph->label, out);
        fprintf(out, ",\"start_s\":%.3f,\"end_s\":", ph->start);
        if (isfinite(ph->end))
            fprintf(out, "%.3f", ph->end);
        else
            fputs("null", out);
        fputs(",\"mix\":{", out);
        for (int m = 0; m < ph->nmix; m++) {
            if (m)
                fputc(',', out);
            json_str(ph->mix[m].name, out);
            fprintf(out, ":%.6g", ph->mix[m].weight);
        }
        fputs("}}", out);
    }
    fputs("],\"points\":[", out);
    /* Even samples merged with the boundaries; at a boundary where the rate
     * jumps, the value just before it too, so a plot draws a step, not a slope. */
    int first = 1, b = 1, nb = isfinite(d) ? n + 1 : n;
    for (int i = 0; i <= PLAN_SAMPLES; i++) {
        double t = window * i / PLAN_SAMPLES;
        int done = 0;
        for (; b < nb && boundary(p, b) <= t; b++) {
            double tb = boundary(p, b), left = pat_rate(p, nextafter(tb, 0)), right = pat_rate(p, tb);
            if (fabs(left - right) > 1e-9 * fmax(1, right))   /* a jump, not a slope's last bit */
                json_point(tb, left, &first, out);
            json_point(tb, right, &first, out);
            done |= tb == t;
        }
        if (!done)
            json_point(t, pat_rate(p, t), &first, out);
    }
    fputs("]}\n", out);
}
