/* display.c - progress while running: a live panel, or plain lines.
 *
 * LIVE redraws a panel in place with a few ANSI escapes (no curses: one
 * cursor-up, one clear-to-end-of-screen). Each frame is built in memory
 * and written in one go, so the terminal never shows half a frame. The
 * cursor-up count is only right if every line drawn took exactly one row,
 * so each line is cut to the terminal's width (asked again at every update,
 * as the window may be resized) and the panel to its height. Known limits:
 * anything else written to the terminal while the panel is up (a driver
 * writing to stderr) is overwritten by the next frame, and a window made
 * narrower between two updates re-wraps the old frame, which leaves a few
 * stale lines above the new one.
 *
 * PLAIN writes one line per update, for logs and pipes.
 */
#include "surge.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "out/fmt.h"

#define LINE_CAP    1024    /* bytes of one panel line, escapes included */
#define LABEL_W     10      /* "last 1.0s " */
#define MAX_OPS     8       /* operation rows before "and N more" */
#define MAX_ERRORS  3

/* SGR colour codes, used only when colour is on. */
#define C_RESET  "0"
#define C_BOLD   "1"
#define C_DIM    "2"
#define C_RED    "31"
#define C_GREEN  "32"
#define C_YELLOW "33"
#define C_CYAN   "36"

struct surge_display {
    FILE *out;
    surge_progress mode;        /* LIVE, PLAIN or NONE: AUTO is resolved in _new */
    bool color, utf8;
    int drawn;                  /* rows of the last frame, to move back over */

    /* The frame being built: whole lines, then written at once. */
    char *frame;
    size_t flen, fcap;
    bool oom;                   /* a frame we could not hold is skipped, not half drawn */
    int cols, rows;             /* terminal size for this frame */
    int nlines;

    char line[LINE_CAP];        /* the line being built */
    size_t llen;
};

/* ---- choosing the mode ------------------------------------------------ */

static bool want_live(FILE *out)
{
    const char *term = getenv("TERM");
    return isatty(fileno(out)) && term && *term && strcmp(term, "dumb") != 0;
}

/* The locale's character set, from the environment the way setlocale reads
 * it (the first of LC_ALL, LC_CTYPE, LANG that is set): the bar's block
 * characters only make sense on a UTF-8 terminal. */
static bool utf8_locale(void)
{
    const char *names[] = { "LC_ALL", "LC_CTYPE", "LANG" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = getenv(names[i]);
        if (v && *v)
            return strcasestr(v, "utf-8") || strcasestr(v, "utf8");
    }
    return false;
}

surge_display *surge_display_new(FILE *out, surge_progress mode)
{
    surge_display *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->out = out;
    if (mode == SURGE_PROGRESS_AUTO)
        mode = want_live(out) ? SURGE_PROGRESS_LIVE : SURGE_PROGRESS_PLAIN;
    d->mode = mode;
    if (mode == SURGE_PROGRESS_LIVE) {
        const char *nc = getenv("NO_COLOR");   /* https://no-color.org */
        d->color = !(nc && *nc);
        d->utf8 = utf8_locale();
    }
    return d;
}

void surge_display_free(surge_display *d)
{
    if (!d)
        return;
    free(d->frame);
    free(d);
}

/* ---- building a frame ----------------------------------------------- */

static void frame_put(surge_display *d, const char *s, size_t n)
{
    if (d->oom)
        return;
    if (d->flen + n + 1 > d->fcap) {
        size_t cap = d->fcap ? d->fcap : 4096;
        while (d->flen + n + 1 > cap)
            cap *= 2;
        char *f = realloc(d->frame, cap);
        if (!f) {
            d->oom = true;
            return;
        }
        d->frame = f;
        d->fcap = cap;
    }
    memcpy(d->frame + d->flen, s, n);
    d->flen += n;
}

__attribute__((format(printf, 2, 3)))
static void put(surge_display *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(d->line + d->llen, LINE_CAP - d->llen, fmt, ap);
    va_end(ap);
    if (n > 0)
        d->llen += (size_t)n < LINE_CAP - d->llen ? (size_t)n : LINE_CAP - 1 - d->llen;
}

static void color(surge_display *d, const char *sgr)
{
    if (d->color)
        put(d, "\033[%sm", sgr);
}

/* Text in a colour, then back to normal. */
static void colored(surge_display *d, const char *sgr, const char *text)
{
    color(d, sgr);
    put(d, "%s", text);
    color(d, C_RESET);
}

/* End the line: cut it to the width, leaving the last column free (some
 * terminals wrap as soon as it is written), keeping escape sequences
 * whole, and drop it when the panel already fills the screen. */
static void endl(surge_display *d)
{
    size_t max = d->cols > 1 ? (size_t)d->cols - 1 : 1;
    const unsigned char *p = (const unsigned char *)d->line;
    size_t i = 0, cols = 0;

    d->line[d->llen] = '\0';
    if (d->nlines < d->rows - 1) {
        while (p[i]) {
            if (p[i] == 0x1B && p[i + 1] == '[') {
                size_t j = i + 2;
                while (p[j] && !(p[j] >= 0x40 && p[j] <= 0x7E))
                    j++;
                i = p[j] ? j + 1 : j;
                continue;
            }
            if ((p[i] & 0xC0) != 0x80) {
                if (cols == max)
                    break;
                cols++;
            }
            i++;
        }
        frame_put(d, d->line, i);
        if (d->color && memchr(d->line, 0x1B, i))
            frame_put(d, "\033[0m", 4);
        frame_put(d, "\n", 1);
        d->nlines++;
    }
    d->llen = 0;
}

static void terminal_size(surge_display *d)
{
    struct winsize ws;
    d->cols = 80;
    d->rows = 24;
    if (ioctl(fileno(d->out), TIOCGWINSZ, &ws) == 0) {
        if (ws.ws_col > 0)
            d->cols = ws.ws_col;
        if (ws.ws_row > 0)
            d->rows = ws.ws_row;
    }
    if (d->rows < 8)   /* too small to be useful: draw anyway, let it scroll */
        d->rows = 8;
}

/* ---- the panel ---------------------------------------------------------- */

static bool is_open_loop(const surge_result *r)
{
    if (r->mode)
        return strcmp(r->mode, "open") == 0;
    return r->pattern != NULL;
}

static const char *state_label(surge_state s, const char **sgr)
{
    switch (s) {
    case SURGE_STATE_NEW:      *sgr = C_DIM;    return "starting";
    case SURGE_STATE_SETUP:    *sgr = C_CYAN;   return "setup";
    case SURGE_STATE_WARMUP:   *sgr = C_YELLOW; return "warmup";
    case SURGE_STATE_RUNNING:  *sgr = C_GREEN;  return "running";
    case SURGE_STATE_STOPPING: *sgr = C_YELLOW; return "stopping";
    case SURGE_STATE_DONE:     *sgr = C_BOLD;   return "done";
    }
    *sgr = C_RESET;
    return "?";
}

/* How far the run is, and the words that go with the bar. false when there
 * is no way to know (no planned length, no planned count). */
static bool progress(const surge_result *r, double *frac, char *what, size_t len)
{
    char a[FMT_LEN], b[FMT_LEN];
    double t = r->state == SURGE_STATE_DONE ? r->duration_s : r->elapsed_s;

    if (r->state == SURGE_STATE_WARMUP && r->warmup_s > 0) {
        double left = t < 0 ? -t : 0;
        *frac = 1 - left / r->warmup_s;
        snprintf(what, len, "%s of warmup left", fmt_duration(left, a, sizeof a));
        return true;
    }
    if (t < 0)
        t = 0;
    if (isfinite(r->planned_s) && r->planned_s > 0) {
        *frac = t / r->planned_s;
        snprintf(what, len, "%s / %s", fmt_duration(t, a, sizeof a), fmt_duration(r->planned_s, b, sizeof b));
        return true;
    }
    if (r->planned_ops > 0) {
        *frac = (double)r->ops_total / (double)r->planned_ops;
        snprintf(what, len, "%s / %s ops", fmt_count(r->ops_total, a, sizeof a),
                 fmt_count(r->planned_ops, b, sizeof b));
        return true;
    }
    snprintf(what, len, "%s elapsed, runs until stopped", fmt_duration(t, a, sizeof a));
    return false;
}

static void bar(surge_display *d, double frac, int cells, const char *sgr)
{
    if (!(frac >= 0))
        frac = 0;
    if (frac > 1)
        frac = 1;
    if (d->utf8) {
        /* Eighth blocks give the bar 8 steps per cell, so it moves smoothly
         * even when the panel is narrow. */
        static const char *const part[8] = { "", "\u258F", "\u258E", "\u258D", "\u258C", "\u258B", "\u258A", "\u2589" };
        int eighths = (int)floor(frac * cells * 8);
        int full = eighths / 8, rest = eighths % 8;
        color(d, sgr);
        for (int i = 0; i < full; i++)
            put(d, "\u2588");
        put(d, "%s", part[rest]);
        color(d, C_DIM);
        for (int i = full + (rest > 0); i < cells; i++)
            put(d, "\u2591");
        color(d, C_RESET);
    } else {
        int full = (int)floor(frac * cells);
        put(d, "[");
        color(d, sgr);
        for (int i = 0; i < full; i++)
            put(d, "#");
        color(d, C_RESET);
        for (int i = full; i < cells; i++)
            put(d, ".");
        put(d, "]");
    }
}

static void draw_title(surge_display *d, const surge_result *r)
{
    char a[256], b[256];
    const char *dot = d->utf8 ? " \u00B7 " : " - ";

    colored(d, C_BOLD, "surge");
    colored(d, C_DIM, dot);
    colored(d, C_BOLD, fmt_clean(r->workload, 40, a, sizeof a));
    colored(d, C_DIM, dot);
    put(d, "%s", fmt_clean(r->target, (size_t)(d->cols > 40 ? d->cols - 1 - 5 - 2 * 3 - (int)fmt_cols(a) : 20), b, sizeof b));
    endl(d);

    /* The pattern gets a line of its own: it is what this run is about,
     * and expressions with "then" are long. */
    if (is_open_loop(r)) {
        snprintf(b, sizeof b, "  (open loop, %s arrivals)", r->arrivals ? r->arrivals : "even");
        put(d, "%-*s", LABEL_W, "pattern");
        put(d, "%s", fmt_clean(r->pattern, (size_t)(d->cols > LABEL_W + 11 ? d->cols - 1 - LABEL_W : 10), a, sizeof a));
        if (LABEL_W + fmt_cols(a) + fmt_cols(b) < (size_t)d->cols)   /* only when it fits */
            colored(d, C_DIM, b);
    } else {
        put(d, "%-*s", LABEL_W, "mode");
        put(d, "closed loop, %d connection%s", r->connections, r->connections == 1 ? "" : "s");
    }
    endl(d);
}

static void draw_progress(surge_display *d, const surge_result *r)
{
    const char *sgr;
    const char *label = state_label(r->state, &sgr);
    char what[96], right[160], pct[16];
    double frac = 0;

    color(d, sgr);
    put(d, "%-*s", LABEL_W, label);
    color(d, C_RESET);
    if (r->state == SURGE_STATE_SETUP || r->state == SURGE_STATE_NEW) {
        put(d, "connecting, preparing the workload...");
        endl(d);
        return;
    }
    if (!progress(r, &frac, what, sizeof what)) {
        put(d, "%s", what);
        endl(d);
        return;
    }
    snprintf(pct, sizeof pct, "%3.0f%%", floor(fmin(fmax(frac, 0), 1) * 100));
    if (r->nphases > 1 && r->phase >= 0 && r->state != SURGE_STATE_WARMUP)
        snprintf(right, sizeof right, "  %s  %s  phase %d/%d", pct, what, r->phase + 1, r->nphases);
    else
        snprintf(right, sizeof right, "  %s  %s", pct, what);
    /* The bar takes what the words leave, within reason. */
    int cells = d->cols - 1 - LABEL_W - (int)fmt_cols(right) - (d->utf8 ? 0 : 2);
    if (cells > 50)
        cells = 50;
    if (cells < 10)
        cells = 10;
    bar(d, frac, cells, r->state == SURGE_STATE_WARMUP ? C_YELLOW : C_GREEN);
    put(d, "%s", right);
    endl(d);
}

static void draw_rate(surge_display *d, const surge_result *r)
{
    char a[FMT_LEN], b[FMT_LEN], c[FMT_LEN];
    bool open = is_open_loop(r);

    put(d, "%-*s", LABEL_W, "rate");
    if (r->state == SURGE_STATE_DONE) {
        /* The last interval is cut short by the stop: the averages are what
         * the run did. */
        colored(d, C_BOLD, fmt_rate(r->throughput, a, sizeof a));
        put(d, " on average");
        if (open)
            put(d, "  target %s on average", fmt_rate(r->target_rate, b, sizeof b));
        endl(d);
        return;
    }
    /* Falling behind the pattern is the first thing to notice in an open
     * loop run: the target cannot keep up, or surge cannot. */
    bool behind = open && r->state == SURGE_STATE_RUNNING && r->target_rate > 0 &&
                  r->current_rate < 0.9 * r->target_rate;
    colored(d, behind ? C_YELLOW : C_BOLD, fmt_rate(r->current_rate, a, sizeof a));
    if (open)
        put(d, "  target %s", fmt_rate(r->target_rate, b, sizeof b));
    if (r->state != SURGE_STATE_WARMUP && r->duration_s > 0)
        put(d, "  average %s", fmt_rate(r->throughput, c, sizeof c));
    endl(d);
}

static void draw_counts(surge_display *d, const surge_result *r)
{
    char a[FMT_LEN], b[FMT_LEN], c[FMT_LEN], e[FMT_LEN], f[FMT_LEN];

    put(d, "%-*s", LABEL_W, "ops");
    put(d, "%s ok  ", fmt_count(r->ops_ok, a, sizeof a));
    colored(d, r->ops_failed ? C_RED : C_RESET, fmt_count(r->ops_failed, b, sizeof b));
    put(d, " failed");
    if (r->ops_failed && r->ops_total)
        put(d, " (%s)", fmt_pct((double)r->ops_failed, (double)r->ops_total, e, sizeof e));
    if (is_open_loop(r)) {
        put(d, "  ");
        colored(d, r->late ? C_YELLOW : C_RESET, fmt_count(r->late, c, sizeof c));
        put(d, " late");
        if (r->ops_total)
            put(d, "  lag p99 %s", fmt_ms(r->lag_ms.p99, f, sizeof f));
    }
    endl(d);
}

static void latency_line(surge_display *d, const char *label, double p50, double p95,
                         double p99, double mean, double max, bool any)
{
    char v[5][FMT_LEN];
    const double x[5] = { p50, p95, p99, mean, max };

    put(d, "%-*s", LABEL_W, label);
    if (!any) {
        put(d, "no operations yet");
        endl(d);
        return;
    }
    for (int i = 0; i < 5; i++)
        fmt_ms(x[i], v[i], FMT_LEN);
    put(d, "p50 %-7s p95 %-7s p99 ", v[0], v[1]);
    colored(d, C_BOLD, v[2]);
    put(d, "%*s mean %-7s max %s", 7 - (int)strlen(v[2]), "", v[3], v[4]);
    endl(d);
}

static void draw_latency(surge_display *d, const surge_result *r)
{
    const surge_latency *l = &r->latency_ms;
    latency_line(d, "latency", l->p50, l->p95, l->p99, l->mean, l->max, r->ops_total > 0);
    if (r->nhistory > 0) {
        const surge_sample *s = &r->history[r->nhistory - 1];
        char label[FMT_LEN], len[FMT_LEN];
        snprintf(label, sizeof label, "last %s", fmt_duration(s->length, len, sizeof len));
        latency_line(d, label, s->p50_ms, s->p95_ms, s->p99_ms, s->mean_ms, s->max_ms,
                     s->ok + s->failed > 0);
    }
}

/* The widest operation name, within what the line leaves beside the 35
 * columns of numbers (share, ok, failed, p99). */
static int name_width(const surge_display *d, const surge_result *r)
{
    size_t w = 9;   /* "operation" */
    for (int i = 0; i < r->nops; i++) {
        size_t n = r->ops[i].name ? fmt_cols(r->ops[i].name) : 0;
        if (n > w)
            w = n;
    }
    size_t room = d->cols > 1 + 35 + 9 ? (size_t)d->cols - 1 - 35 : 9;
    if (room > 40)
        room = 40;
    return w > room ? (int)room : (int)w;
}

/* A count in at most 9 columns: exact and grouped while it fits. */
static char *count_fit(uint64_t n, char *buf, size_t len)
{
    return n < 10000000 ? fmt_count(n, buf, len) : fmt_si((double)n, buf, len);
}

/* Text padded by columns (not bytes), so UTF-8 names line up. */
static void put_padded(surge_display *d, const char *s, int width)
{
    char buf[128];
    fmt_clean(s, (size_t)width, buf, sizeof buf);
    put(d, "%s", buf);
    for (size_t c = fmt_cols(buf); c < (size_t)width; c++)
        put(d, " ");
}

static void draw_ops(surge_display *d, const surge_result *r)
{
    if (r->nops == 0)
        return;
    int nw = name_width(d, r);
    uint64_t sum = 0;
    for (int i = 0; i < r->nops; i++)
        sum += r->ops[i].ok + r->ops[i].failed;

    endl(d);
    color(d, C_DIM);
    put(d, "%-*s %6s %9s %8s %8s", nw, "operation", "share", "ok", "failed", "p99");
    color(d, C_RESET);
    endl(d);
    int shown = r->nops < MAX_OPS ? r->nops : MAX_OPS;
    for (int i = 0; i < shown; i++) {
        const surge_op_result *op = &r->ops[i];
        char sh[FMT_LEN], ok[FMT_LEN], fl[FMT_LEN], p99[FMT_LEN];
        uint64_t n = op->ok + op->failed;
        put_padded(d, op->name, nw);
        put(d, " %6s %9s ", fmt_pct((double)n, (double)sum, sh, sizeof sh), count_fit(op->ok, ok, sizeof ok));
        count_fit(op->failed, fl, sizeof fl);
        color(d, op->failed ? C_RED : C_RESET);
        put(d, "%8s", fl);
        color(d, C_RESET);
        put(d, " %8s", n ? fmt_ms(op->latency_ms.p99, p99, sizeof p99) : "-");
        endl(d);
    }
    if (r->nops > shown) {
        put(d, "and %d more", r->nops - shown);
        endl(d);
    }
}

static void draw_errors(surge_display *d, const surge_result *r)
{
    if (r->nerrors == 0)
        return;
    int nw = name_width(d, r);
    uint64_t total = 0;
    char t[FMT_LEN];
    for (int i = 0; i < r->nerrors; i++)
        total += r->errors[i].count;
    endl(d);
    color(d, C_DIM);
    put(d, "errors: %s in %d kind%s", count_fit(total, t, sizeof t), r->nerrors, r->nerrors == 1 ? "" : "s");
    color(d, C_RESET);
    endl(d);
    int shown = r->nerrors < MAX_ERRORS ? r->nerrors : MAX_ERRORS;
    for (int i = 0; i < shown; i++) {
        const surge_error_count *e = &r->errors[i];
        char n[FMT_LEN], msg[512];
        int room = d->cols - 1 - 8 - 2 - nw - 2;
        color(d, C_RED);
        put(d, "%8s", count_fit(e->count, n, sizeof n));
        color(d, C_RESET);
        put(d, "  ");
        put_padded(d, e->op ? e->op : "-", nw);
        put(d, "  %s", fmt_clean(e->message, room < 10 ? 10 : (size_t)room, msg, sizeof msg));
        endl(d);
    }
    if (r->nerrors > shown) {
        put(d, "%8s  and %d more", "", r->nerrors - shown);
        endl(d);
    }
}

static void draw_fatal(surge_display *d, const surge_result *r)
{
    if (!r->error)
        return;
    char msg[512];
    endl(d);
    colored(d, C_RED, "error");
    put(d, "    %s", fmt_clean(r->error, 0, msg, sizeof msg));
    endl(d);
}

static void draw_live(surge_display *d, const surge_result *r)
{
    terminal_size(d);
    d->flen = 0;
    d->nlines = 0;
    d->oom = false;
    d->llen = 0;

    draw_title(d, r);
    draw_progress(d, r);
    draw_rate(d, r);
    draw_counts(d, r);
    draw_latency(d, r);
    draw_ops(d, r);
    draw_errors(d, r);
    draw_fatal(d, r);
    if (d->oom)
        return;

    /* Back to the first row of the last frame, clear everything below,
     * draw: the cursor ends on the row after the panel. */
    if (d->drawn > 0)
        fprintf(d->out, "\r\033[%dA\033[J", d->drawn);
    fwrite(d->frame, 1, d->flen, d->out);
    fflush(d->out);
    d->drawn = d->nlines;
}

/* ---- plain lines -------------------------------------------------------- */

static void draw_plain(surge_display *d, const surge_result *r)
{
    char p50[FMT_LEN], p95[FMT_LEN], p99[FMT_LEN], mx[FMT_LEN];
    const char *sgr;
    bool any = r->ops_total > 0;
    double t = r->state == SURGE_STATE_DONE ? r->duration_s : r->elapsed_s;
    FILE *out = d->out;

    fprintf(out, "[%7.1fs]", t);
    if (r->state != SURGE_STATE_RUNNING)
        fprintf(out, " %s", state_label(r->state, &sgr));
    fprintf(out, " rate %.1f/s", r->current_rate);
    if (is_open_loop(r))
        fprintf(out, " (target %.1f)", r->target_rate);
    fprintf(out, " ok %" PRIu64 " failed %" PRIu64, r->ops_ok, r->ops_failed);
    if (is_open_loop(r))
        fprintf(out, " late %" PRIu64, r->late);
    fprintf(out, " p50 %s p95 %s p99 %s max %s\n",
            any ? fmt_ms(r->latency_ms.p50, p50, sizeof p50) : "-",
            any ? fmt_ms(r->latency_ms.p95, p95, sizeof p95) : "-",
            any ? fmt_ms(r->latency_ms.p99, p99, sizeof p99) : "-",
            any ? fmt_ms(r->latency_ms.max, mx, sizeof mx) : "-");
    fflush(out);
}

void surge_display_update(surge_display *d, const surge_result *live)
{
    if (!d || !live)
        return;
    if (d->mode == SURGE_PROGRESS_LIVE)
        draw_live(d, live);
    else if (d->mode == SURGE_PROGRESS_PLAIN)
        draw_plain(d, live);
}

void surge_display_finish(surge_display *d)
{
    if (!d)
        return;
    /* Every frame ends with a newline, so the cursor is already on the row
     * below the panel; forgetting the frame keeps a later update from
     * moving up over whatever is printed next (the summary). */
    if (d->mode == SURGE_PROGRESS_LIVE && d->drawn > 0)
        fputc('\n', d->out);   /* a blank row between the panel and what follows */
    d->drawn = 0;
    if (d->mode != SURGE_PROGRESS_NONE)
        fflush(d->out);
}
