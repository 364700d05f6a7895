/* pattern.c - a compiled rate pattern: rate, C(t), its inverse, phases.
 *
 * A pattern is a list of segments, each one cycle of pieces repeated a whole
 * number of times (once for most shapes, `count` times for a burst, forever
 * for an endless tail). Nothing is unrolled: a burst of a billion cycles or
 * a sine running for a month is one cycle of at most four pieces, and
 * time and count are reduced modulo the cycle. That keeps memory bounded by
 * what was written and every lookup at two binary searches.
 *
 * On a piece the rate is linear or an unclamped sine arc, so its integral
 * has a closed form. A sine that dips below zero is cut at its analytic zero
 * crossings into arcs and zero-rate pieces, so no arc ever goes negative and
 * every piece's integral is monotone, which the inverse relies on. Arcs are
 * also cut at the sine's peaks and troughs: a monotone rate on every piece
 * makes the peak the larger end and gives the inverse a close first guess.
 */
#include "core/pattern_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { PIECE_LINEAR, PIECE_SINE };

typedef struct pat_piece {
    double t0, dur;   /* start within its cycle and length, seconds (dur > 0) */
    double c0, cnt;   /* operations before it within the cycle, and in it */
    int kind;
    double a, b;      /* linear: rate = a + b*u; sine: rate = a + b*sin(th0 + w*u) */
    double w;         /* sine only; u is the time since the piece's start */
    double sn, cs;    /* sin(th0), cos(th0): one sin and one cos per evaluation */
    double r1;        /* the rate at the end (the sine inverse's first guess) */
} pat_piece;

typedef struct pat_seg {
    double t0, c0;      /* where it starts: seconds, operations */
    double t1, c1;      /* where it ends; t1 = INFINITY for an endless tail */
    double period, per; /* one cycle: seconds, operations */
    double reps;        /* cycles: a whole number, or INFINITY */
    int first, n;       /* its cycle's pieces in pat.pieces */
} pat_seg;

struct pat {
    double time_scale;          /* durations in the text are divided by it (--time-scale); 1 normally */
    pat_piece *pieces;
    int npieces, cap_pieces;
    pat_seg *segs;
    int nsegs, cap_segs;
    pat_phase *phases;
    int nphases, cap_phases;
    double end_t, end_c;  /* duration, and C at the end (finite even when endless with rate 0) */
    double peak;
};

static const double PI = 3.14159265358979323846;
static const double TWO_PI = 6.28318530717958647693;

/* ---- one piece ---------------------------------------------------------- */

/* A sine arc at u, from the half angle h = w*u/2 (one sin, one cos):
 *   rate = a + b*sin(th0 + 2h)
 *   F    = a*u + (b/w) * (cos(th0) - cos(th0 + 2h))
 *        = a*u + (b/w) * 2*sin(th0 + h)*sin(h)
 * The product form keeps its digits for small u, where the difference of
 * cosines would cancel them all. Returns F; stores the rate and its slope. */
static double sine_eval(const pat_piece *pc, double u, double *rate, double *slope)
{
    double h = 0.5 * pc->w * u, sh = sin(h), ch = cos(h);
    double s2 = 2 * sh * ch, c2 = 1 - 2 * sh * sh;
    *rate = pc->a + pc->b * (pc->sn * c2 + pc->cs * s2);
    *slope = pc->b * pc->w * (pc->cs * c2 - pc->sn * s2);
    return pc->a * u + (pc->b / pc->w) * 2 * (pc->sn * ch + pc->cs * sh) * sh;
}

static double piece_rate(const pat_piece *pc, double u)
{
    double r, slope;
    if (pc->kind == PIECE_LINEAR)
        r = pc->a + pc->b * u;
    else
        sine_eval(pc, u, &r, &slope);
    return r > 0 ? r : 0;   /* rounding at a zero crossing or a ramp's end */
}

/* Operations in [0, u) of the piece. */
static double piece_integral(const pat_piece *pc, double u)
{
    double r, slope;
    return pc->kind == PIECE_LINEAR ? u * (pc->a + 0.5 * pc->b * u) : sine_eval(pc, u, &r, &slope);
}

/* Linear piece: solve a*u + b*u^2/2 = x for u >= 0. The textbook root
 * (-a + sqrt(a^2 + 2bx)) / b cancels when b is small; multiplying through by
 * the conjugate gives a sum of non-negative terms (a >= 0 on any piece). */
static double linear_inverse(const pat_piece *pc, double x)
{
    if (pc->b == 0)
        return x / pc->a;
    double d = pc->a * pc->a + 2.0 * pc->b * x;
    if (d < 0)
        d = 0;   /* x = cnt on a ramp down to exactly 0, less rounding */
    return 2.0 * x / (pc->a + sqrt(d));
}

/* Sine arc: Halley's method (Newton with the rate's slope too: the error
 * cubes at each step), kept inside a shrinking bracket and falling back to
 * bisection whenever a step leaves it (near an arc's ends the rate may go
 * to zero and a raw step would shoot off). Arcs are cut at the sine's peaks
 * and troughs, so the rate is monotone on each and the trapezoid under its
 * end rates is a close first guess: two steps usually reach 0.1 ns. */
static double sine_inverse(const pat_piece *pc, double x)
{
    double r0 = pc->a + pc->b * pc->sn, r1 = pc->r1, lo = 0, hi = pc->dur, u;
    double area = 0.5 * (r0 + r1) * pc->dur;
    if (area > 0) {
        pat_piece trap = { .kind = PIECE_LINEAR, .a = r0, .b = (r1 - r0) / pc->dur };
        u = linear_inverse(&trap, x * (area / pc->cnt));
    } else {
        u = pc->dur * (x / pc->cnt);
    }
    if (!(u > lo && u < hi))
        u = 0.5 * (lo + hi);
    for (int i = 0; i < 200; i++) {
        double f, df, g = sine_eval(pc, u, &f, &df) - x;
        if (g == 0)
            return u;
        if (g > 0)
            hi = u;
        else
            lo = u;
        double den = 2 * f * f - g * df;
        double next = f > 0 && den > 0 ? u - 2 * g * f / den : lo - 1;
        if (!(next > lo && next < hi))
            next = 0.5 * (lo + hi);
        double tol = fmax(1e-10, 4e-16 * next);   /* 0.1 ns, or the last bits of u */
        if (fabs(next - u) <= tol || hi - lo <= tol)
            return next;
        u = next;
    }
    return u;
}

static double piece_inverse(const pat_piece *pc, double x)
{
    if (!(x > 0) || pc->cnt == 0)
        return 0;
    if (x >= pc->cnt)
        return pc->dur;
    double u = pc->kind == PIECE_LINEAR ? linear_inverse(pc, x) : sine_inverse(pc, x);
    return u < 0 ? 0 : u > pc->dur ? pc->dur : u;
}

/* Rates are monotone on every piece (arcs end at peaks and troughs). */
static double piece_peak(const pat_piece *pc)
{
    return fmax(piece_rate(pc, 0), piece_rate(pc, pc->dur));
}

/* ---- lookups ------------------------------------------------------------ */

/* The segment running at t (the last one starting at or before t). */
static const pat_seg *seg_at_time(const pat_t *p, double t)
{
    int lo = 0, hi = p->nsegs - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (p->segs[mid].t0 <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return &p->segs[lo];
}

/* Split t (inside segment s) into a cycle number and a piece with the time
 * into that piece. Cycle numbers are whole doubles: a run of 1e10 cycles
 * would overflow an int, and k*period must be computed in double anyway. */
static const pat_piece *locate_time(const pat_t *p, const pat_seg *s, double t,
                                    double *k, double *u)
{
    double x = t - s->t0, kk = 0;
    if (s->reps > 1) {
        kk = floor(x / s->period);
        if (kk > s->reps - 1)
            kk = s->reps - 1;
        if (kk < 0)
            kk = 0;
        x = fma(-kk, s->period, x);   /* one rounding, not two */
    }
    if (x < 0)
        x = 0;
    if (x > s->period)
        x = s->period;
    const pat_piece *pcs = p->pieces + s->first;
    int lo = 0, hi = s->n - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (pcs[mid].t0 <= x)
            lo = mid;
        else
            hi = mid - 1;
    }
    *k = kk;
    *u = fmin(x - pcs[lo].t0, pcs[lo].dur);
    return &pcs[lo];
}

double pat_duration(const pat_t *p)
{
    return p->end_t;
}

double pat_peak(const pat_t *p)
{
    return p->peak;
}

double pat_rate(const pat_t *p, double t)
{
    if (!(t >= 0) || t >= p->end_t)
        return 0;
    double k, u;
    const pat_piece *pc = locate_time(p, seg_at_time(p, t), t, &k, &u);
    return piece_rate(pc, u);
}

double pat_count(const pat_t *p, double t)
{
    if (!(t > 0))
        return 0;
    if (t >= p->end_t)
        return p->end_c;
    const pat_seg *s = seg_at_time(p, t);
    double k, u;
    const pat_piece *pc = locate_time(p, s, t, &k, &u);
    double in = piece_integral(pc, u);
    in = in < 0 ? 0 : in > pc->cnt ? pc->cnt : in;   /* stay between the neighbours' counts */
    /* fma: k*per + local rounded once, so the end of cycle k (local = per)
     * gives exactly the start of cycle k+1 and C never steps back there. */
    return s->c0 + fma(k, s->per, pc->c0 + in);
}

double pat_time_at(const pat_t *p, double c)
{
    if (!(c > 0))
        return 0;
    if (c > p->end_c)
        return INFINITY;
    /* A count read back from pat_count went through a few roundings, and may
     * sit an ulp above a level where C is flat (a burst's pause, a zero
     * stretch of a clamped sine): read exactly, it would jump to the far end
     * of the flat part. Levels within tol count as reached, which can only
     * move an answer earlier, and by no more than C's own rounding. */
    double tol = 1e-14 * c;
    /* the first segment whose end count reaches c */
    int lo = 0, hi = p->nsegs - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (p->segs[mid].c1 >= c - tol)
            hi = mid;
        else
            lo = mid + 1;
    }
    const pat_seg *s = &p->segs[lo];
    double x = c - s->c0, k = 0;
    if (!(s->per > 0))
        return s->t0;
    if (s->reps > 1) {
        /* ceil - 1 puts a c exactly at a cycle's end in that cycle, not at the
         * next one's start: they differ when a cycle ends at rate 0 (a burst). */
        k = ceil((x - tol) / s->per) - 1;
        k = k > s->reps - 1 ? s->reps - 1 : k < 0 ? 0 : k;
        x = fma(-k, s->per, x);
        if (x > s->per + tol && k < s->reps - 1) {
            k += 1;
            x -= s->per;
        } else if (x <= tol && k > 0) {
            k -= 1;
            x += s->per;
        }
    }
    if (x > s->per)
        x = s->per;
    /* the first piece of the cycle whose end count reaches x */
    const pat_piece *pcs = p->pieces + s->first;
    lo = 0;
    hi = s->n - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (pcs[mid].c0 + pcs[mid].cnt >= x - tol)
            hi = mid;
        else
            lo = mid + 1;
    }
    const pat_piece *pc = &pcs[lo];
    return s->t0 + fma(k, s->period, pc->t0 + piece_inverse(pc, x - pc->c0));   /* as in pat_count */
}

/* ---- phases ------------------------------------------------------------- */

int pat_nphases(const pat_t *p)
{
    return p->nphases;
}

const pat_phase *pat_phase_get(const pat_t *p, int i)
{
    return i >= 0 && i < p->nphases ? &p->phases[i] : NULL;
}

int pat_phase_at(const pat_t *p, double t)
{
    int lo = 0, hi = p->nphases - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo + 1) / 2;
        if (p->phases[mid].start <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

int pat_cycle(const pat_t *p, double *start, double *period)
{
    if (p->nsegs == 0 || isfinite(p->end_t))
        return -1;
    const pat_seg *s = &p->segs[p->nsegs - 1];
    *start = s->t0;
    *period = s->period;
    return 0;
}

/* ---- building ----------------------------------------------------------- */

pat_t *pat_alloc(void)
{
    return calloc(1, sizeof(pat_t));
}

void pat_free(pat_t *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->nphases; i++)
        free((void *)p->phases[i].mix);
    free(p->phases);
    free(p->segs);
    free(p->pieces);
    free(p);
}

/* Grow an array to hold `need` elements (doubling). */
static int grow(void **arr, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return 0;
    int n = *cap ? *cap : 8;
    while (n < need)
        n *= 2;
    void *q = realloc(*arr, (size_t)n * size);
    if (!q)
        return -1;
    *arr = q;
    *cap = n;
    return 0;
}

/* Append one segment: the first `n` pieces of `cyc` (dur and rate fields
 * set) as a cycle, `reps` times (INFINITY: forever), optionally cut short at
 * `cut` seconds into the cycle (reps must be 1 then). */
static int add_segment(pat_t *p, const pat_piece *cyc, int n, double reps, double cut)
{
    int m = 0;   /* pieces kept */
    double t = 0;
    while (m < n && t < cut)
        t += cyc[m++].dur;
    if (m == 0)
        return PAT_OK;
    if (p->npieces + m > PAT_MAX_PIECES)
        return PAT_ETOOMANY;
    if (grow((void **)&p->pieces, &p->cap_pieces, p->npieces + m, sizeof(pat_piece)) ||
        grow((void **)&p->segs, &p->cap_segs, p->nsegs + 1, sizeof(pat_seg)))
        return PAT_ENOMEM;
    pat_piece *out = p->pieces + p->npieces;
    double t0 = 0, c0 = 0;
    for (int i = 0; i < m; i++) {
        out[i] = cyc[i];
        if (t0 + out[i].dur > cut)
            out[i].dur = cut - t0;
        out[i].t0 = t0;
        out[i].c0 = c0;
        out[i].cnt = fmax(0, piece_integral(&out[i], out[i].dur));
        out[i].r1 = piece_rate(&out[i], out[i].dur);
        p->peak = fmax(p->peak, piece_peak(&out[i]));
        t0 += out[i].dur;
        c0 += out[i].cnt;
    }
    pat_seg *s = &p->segs[p->nsegs];
    s->t0 = p->end_t;
    s->c0 = p->end_c;
    s->period = t0;
    s->per = c0;
    s->reps = reps;
    s->t1 = s->t0 + reps * t0;
    s->c1 = c0 > 0 ? s->c0 + reps * c0 : s->c0;   /* INFINITY * 0 would be NaN */
    s->first = p->npieces;
    s->n = m;
    p->npieces += m;
    p->nsegs++;
    p->end_t = s->t1;
    p->end_c = s->c1;
    return PAT_OK;
}

static pat_piece linear(double r0, double r1, double dur)
{
    return (pat_piece){ .kind = PIECE_LINEAR, .dur = dur, .a = r0, .b = (r1 - r0) / dur };
}

static pat_piece arc(double base, double amp, double w, double th0, double dur)
{
    return (pat_piece){ .kind = PIECE_SINE, .dur = dur, .a = base, .b = amp, .w = w,
                        .sn = sin(th0), .cs = cos(th0) };
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* One period of base + amp*sin(w*u + phase), clamped at 0, cut where the
 * sine peaks and bottoms out (so the rate is monotone on each arc, for the
 * inverse's first guess) and, when amp > base, where it crosses zero: the
 * stretches below zero become zero-rate pieces and no arc goes negative.
 * At most 3 cuts, so at most 4 pieces; returns how many. */
static int sine_cycle(pat_piece out[4], double base, double amp, double period, double phase)
{
    double w = TWO_PI / period, cut[5];
    if (amp == 0) {
        out[0] = linear(base, base, period);
        return 1;
    }
    /* angles where a cut goes, turned into times since the phase */
    double angles[3], s = amp > base ? asin(base / amp) : 0;
    int na = 0;
    angles[na++] = 0.5 * PI;                /* peak */
    if (amp > base) {
        angles[na++] = PI + s;              /* goes below zero */
        angles[na++] = TWO_PI - s;          /* comes back */
    } else {
        angles[na++] = 1.5 * PI;            /* trough */
    }
    int nc = 0;
    cut[nc++] = 0;
    for (int i = 0; i < na; i++) {
        double u = fmod(angles[i] - phase + 2 * TWO_PI, TWO_PI) / w;
        if (u > 0 && u < period)
            cut[nc++] = u;
    }
    qsort(cut + 1, (size_t)(nc - 1), sizeof cut[0], cmp_double);
    cut[nc] = period;
    int n = 0;
    for (int i = 0; i < nc; i++) {
        double u0 = cut[i], dur = cut[i + 1] - u0;
        if (!(dur > 0))
            continue;
        if (base + amp * sin(phase + w * (u0 + 0.5 * dur)) < 0)
            out[n++] = linear(0, 0, dur);   /* the clamped trough */
        else
            out[n++] = arc(base, amp, w, phase + w * u0, dur);
    }
    return n;
}

/* Whole cycles of `period` in `dur`, and what is left: a duration that is a
 * whole number of periods give or take rounding counts as exactly that. */
static double whole_cycles(double dur, double period, double *rest)
{
    double n = round(dur / period);
    if (n >= 1 && fabs(n * period - dur) <= 1e-9 * dur) {
        *rest = 0;
        return n;
    }
    n = floor(dur / period);
    *rest = dur - n * period;
    return n;
}

static int add_pieces(pat_t *p, const pat_shape *s)
{
    pat_piece cyc[4];
    switch (s->kind) {
    case SHAPE_CONSTANT:
        /* Endless: a 1 s cycle, so counts and times stay small numbers. */
        cyc[0] = linear(s->rate, s->rate, isfinite(s->dur) ? s->dur : 1.0);
        return add_segment(p, cyc, 1, isfinite(s->dur) ? 1 : INFINITY, INFINITY);
    case SHAPE_RAMP: {
        int n = 0;
        cyc[n++] = linear(s->start, s->end, s->ramp);
        if (s->hold > 0)
            cyc[n++] = linear(s->end, s->end, s->hold);
        if (s->down)
            cyc[n++] = linear(s->end, s->start, s->ramp);
        return add_segment(p, cyc, n, 1, INFINITY);
    }
    case SHAPE_BURST: {
        cyc[0] = linear(s->rate, s->rate, s->on);
        cyc[1] = linear(s->idle, s->idle, s->off);
        return add_segment(p, cyc, s->off > 0 ? 2 : 1, s->count > 0 ? s->count : INFINITY, INFINITY);
    }
    case SHAPE_SINE: {
        int n = sine_cycle(cyc, s->base, s->amp, s->period, s->phase);
        if (!isfinite(s->dur))
            return add_segment(p, cyc, n, INFINITY, INFINITY);
        double rest, reps = whole_cycles(s->dur, s->period, &rest);
        int rc = reps > 0 ? add_segment(p, cyc, n, reps, INFINITY) : PAT_OK;
        if (rc == PAT_OK && rest > 0)
            rc = add_segment(p, cyc, n, 1, rest);
        return rc;
    }
    case SHAPE_STEP:
    case SHAPE_POINTS: {
        int n = s->kind == SHAPE_STEP ? s->npairs : s->npairs - 1;
        if (n > PAT_MAX_PIECES)
            return PAT_ETOOMANY;
        pat_piece *tmp = malloc((size_t)(n > 0 ? n : 1) * sizeof *tmp);
        if (!tmp)
            return PAT_ENOMEM;
        const pat_pair *q = s->pairs;
        for (int i = 0; i < n; i++)
            tmp[i] = s->kind == SHAPE_STEP ? linear(q[i].x, q[i].x, q[i].y)
                                           : linear(q[i].y, q[i + 1].y, q[i + 1].x - q[i].x);
        int rc = add_segment(p, tmp, n, s->repeat ? INFINITY : 1, INFINITY);
        free(tmp);
        return rc;
    }
    }
    return PAT_ENOMEM;
}

static int pat_add_shape_scaled(pat_t *p, const pat_shape *s, const char *label, pat_mix *mix, int nmix);

void pat_set_time_scale(pat_t *p, double scale)
{
    p->time_scale = scale > 0 ? scale : 1;
}

int pat_add_shape(pat_t *p, const pat_shape *s, const char *label, pat_mix *mix, int nmix)
{
    /* Time-compressed: every duration shrinks, every rate stays. */
    pat_shape scaled;
    pat_pair *pairs = NULL;
    double k = p->time_scale > 0 ? p->time_scale : 1;
    if (k != 1) {
        scaled = *s;
        scaled.dur /= k, scaled.ramp /= k, scaled.hold /= k, scaled.down /= k, scaled.period /= k;
        scaled.on /= k, scaled.off /= k, scaled.idle /= k;
        if (s->npairs > 0) {
            pairs = malloc(sizeof *pairs * (size_t)s->npairs);
            if (!pairs) {
                free(mix);
                return PAT_ENOMEM;
            }
            for (int i = 0; i < s->npairs; i++)
                pairs[i] = (pat_pair){ s->pairs[i].x / k, s->pairs[i].y };
            scaled.pairs = pairs;
        }
        s = &scaled;
    }
    int rc = pat_add_shape_scaled(p, s, label, mix, nmix);
    free(pairs);
    return rc;
}

static int pat_add_shape_scaled(pat_t *p, const pat_shape *s, const char *label, pat_mix *mix, int nmix)
{
    double start = p->end_t;
    int rc = grow((void **)&p->phases, &p->cap_phases, p->nphases + 1, sizeof(pat_phase));
    if (rc == 0)
        rc = add_pieces(p, s);
    if (rc == PAT_OK && isfinite(p->end_t) && p->end_t > PAT_MAX_TOTAL)
        rc = PAT_ETOOLONG;
    if (rc != PAT_OK) {
        free(mix);
        return rc < 0 ? rc : PAT_ENOMEM;
    }
    pat_phase *ph = &p->phases[p->nphases++];
    memset(ph, 0, sizeof *ph);
    ph->start = start;
    ph->end = p->end_t;
    snprintf(ph->label, sizeof ph->label, "%s", label);
    ph->nmix = nmix;
    ph->mix = mix;
    return PAT_OK;
}
