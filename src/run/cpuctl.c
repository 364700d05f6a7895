/* cpuctl.c - hold a system's CPU at a target by feedback (--cpu-target).
 *
 * The controlled value u is the number of active connections (closed loop)
 * or the rate (open loop); the measurement is the watched CPU, percent of
 * the machine, read once per sample interval. The controller is a PI in
 * velocity form on the logarithms:
 *
 *   e_k = ln(target / cpu_k)                 (clamped to +-1; cpu smoothed, EWMA 0.5)
 *   ln u_k = ln u_(k-1) + Kp (e_k - e_(k-1)) + Ki e_k dt
 *
 * Logarithms, because load is roughly proportional to concurrency or rate
 * over a wide range: a relative error asks for a relative change, the same
 * gains work from 2 connections to 500 and from 10 ops/s to 100 000, and
 * with Ki dt = 1 a proportional system would land on the target in one
 * step. Ki dt < 1 goes part of the way each interval, which rides out the
 * measurement lag (the CPU of the interval that just ended reflects the
 * previous setting for part of it). Kp 0.2, Ki 0.4/s: slower than that
 * one-step ideal, because real CPU readings per second are noisy. Velocity form has no integral state to
 * wind up: when u is clamped at a limit, the next step starts from the
 * clamped value, so coming back off the limit is immediate (anti-windup).
 * Each step changes u by at most a factor of 2.
 *
 * It reports the trajectory (the gauge ctl_connections or ctl_rate in every
 * sample), the time it took to settle, the CPU reached, whether the CPU
 * stayed in the band for --stable-for, and when the target was not reached
 * the likely cause and what to try. Reporter thread only.
 */
#include "run/cpuctl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/engine.h"
#include "run/events.h"
#include "watch/proc.h"

#define KP 0.2
#define KI 0.4            /* per second */
#define SMOOTH 0.5        /* weight of the newest reading in the CPU the controller acts on */
#define MAX_STEP 2.0      /* u changes by at most this factor per step */
#define HISTORY 4096      /* CPU readings kept, for the mean over the last stable_for */

struct cpuctl {
    bool open;            /* rate, not connections */
    double u, lo, hi;     /* the value and its limits */
    double start, lowest, highest;
    double last_e;
    bool have_e;
    double cpu_smooth;    /* exponentially weighted: one noisy second does not swing the load */
    double in_since;      /* measured-time seconds the CPU entered the band; NAN outside */
    double longest_in;
    bool stable, told_stable;
    double t_last;
    double cpu_t[HISTORY], cpu_v[HISTORY];
    int ncpu;
    cpu_meter self;       /* the generator's own CPU: is it the bottleneck? */
    double self_pct;      /* of one core, last reading */
    char source[160], verdict[400];
    surge_cpu_control res;
};

static void apply(cpuctl *c, struct surge_gen *g)
{
    if (c->open)
        atomic_store(&g->ctl_rate, c->u);
    else
        atomic_store(&g->ctl_conns, (int)lround(c->u * 1000));
}

cpuctl *cpuctl_new(struct surge_gen *g, const char *describe)
{
    if (!(g->cfg.cpu_target > 0))
        return NULL;
    cpuctl *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->open = g->pat != NULL;
    if (c->open) {
        c->u = pat_rate(g->pat, 0);
        c->lo = 1;
        c->hi = g->cfg.max_rate > 0 ? g->cfg.max_rate : 1e7;
    } else {
        c->u = g->ctl_start;
        c->lo = 1;
        c->hi = g->cfg.connections;   /* the slots there are: max connections */
    }
    c->start = c->lowest = c->highest = c->u;
    c->in_since = NAN;
    snprintf(c->source, sizeof c->source, "%s", describe ? describe : (g->cfg.watch ? g->cfg.watch : "host"));
    apply(c, g);
    return c;
}

void cpuctl_free(cpuctl *c)
{
    free(c);
}

double cpuctl_value(const cpuctl *c)
{
    return c->u;
}

const char *cpuctl_gauge(const cpuctl *c)
{
    return c->open ? "ctl_rate" : "ctl_connections";
}

static void generator_cpu(cpuctl *c)
{
    proc_usage u;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (proc_tree_usage(getpid(), &u) == 0) {
        double pct = cpu_meter_pct(&c->self, u.cpu_s, (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec);
        if (!isnan(pct))
            c->self_pct = pct;
    }
}

void cpuctl_step(cpuctl *c, struct surge_gen *g, double cpu, double t, double dt)
{
    generator_cpu(c);
    if (isnan(cpu) || !(dt > 0))
        return;
    double target = g->cfg.cpu_target, band = g->cfg.cpu_band;
    if (c->ncpu < HISTORY) {
        c->cpu_t[c->ncpu] = t;
        c->cpu_v[c->ncpu++] = cpu;
    }
    c->t_last = t;

    /* In the band: since when, and for how long at most. */
    bool inside = fabs(cpu - target) <= band;
    if (inside && isnan(c->in_since))
        c->in_since = t - dt;   /* the whole interval that just ended was in it */
    if (!inside)
        c->in_since = NAN;
    double in_for = isnan(c->in_since) ? 0 : t - c->in_since;
    if (in_for > c->longest_in)
        c->longest_in = in_for;
    if (in_for >= g->cfg.stable_for - 1e-9 && !c->told_stable) {
        c->stable = c->told_stable = true;
        char extra[96];
        snprintf(extra, sizeof extra, "\"cpu\": %.1f, \"%s\": %.1f", cpu, c->open ? "rate" : "connections", c->u);
        event_emit(g, "cpu_stable", extra, "CPU held at %.0f%% +-%.0f for %.0f s (%s %.0f)", target, band,
                   g->cfg.stable_for, c->open ? "rate" : "connections", c->u);
    }

    c->cpu_smooth = c->have_e ? SMOOTH * cpu + (1 - SMOOTH) * c->cpu_smooth : cpu;
    double e = log(target / (c->cpu_smooth > 0.5 ? c->cpu_smooth : 0.5));
    if (e > 1)
        e = 1;
    if (e < -1)
        e = -1;
    double step = KI * e * dt + (c->have_e ? KP * (e - c->last_e) : 0);
    c->last_e = e;
    c->have_e = true;
    if (inside)
        step *= 0.25;   /* inside the band: small corrections, no hunting */
    double f = exp(step);
    if (f > MAX_STEP)
        f = MAX_STEP;
    if (f < 1 / MAX_STEP)
        f = 1 / MAX_STEP;
    /* u stays fractional (connections in use are u rounded), so small
     * steps add up to the next whole connection instead of being lost. */
    double u = c->u * f;
    if (u < c->lo)
        u = c->lo;
    if (u > c->hi)
        u = c->hi;
    c->u = u;
    if (u < c->lowest)
        c->lowest = u;
    if (u > c->highest)
        c->highest = u;
    apply(c, g);
}

/* Why the target was not reached, from where the controller ended. */
static void diagnose(cpuctl *c, const struct surge_gen *g, double cpu, char *out, size_t len)
{
    double target = g->cfg.cpu_target, band = g->cfg.cpu_band;
    const char *what = c->open ? "rate" : "connections";
    int threads = g->nworkers;
    if (cpu < target - band && c->u >= c->hi * 0.99) {
        if (c->self_pct >= 90.0 * threads)
            snprintf(out, len, "CPU reached %.0f%%, not %.0f%%: the generator itself is saturated (%.0f%% of its %d "
                     "thread%s' cores): add --threads, or run surge on another machine", cpu, target, c->self_pct,
                     threads, threads == 1 ? "" : "s");
        else
            snprintf(out, len, "CPU reached %.0f%%, not %.0f%%, at the most %s allowed (%.0f): raise %s; if it is "
                     "already high, the queries are too light or there is too little data for this machine "
                     "(a heavier workload, e.g. --workload stress, or more rows)", cpu, target, what, c->hi,
                     c->open ? "--max-rate" : "--max-connections");
    } else if (cpu > target + band && c->u <= c->lo * 1.01) {
        snprintf(out, len, "CPU stays at %.0f%%, above %.0f%%, even at the least load (%s %.0f): something else "
                 "keeps the system busy, or the machine is too weak for this workload", cpu, target, what, c->u);
    } else if (c->t_last < g->cfg.stable_for) {
        snprintf(out, len, "the run (%.0f s) was shorter than --stable-for (%.0f s): CPU %.0f%% at the end", c->t_last,
                 g->cfg.stable_for, cpu);
    } else {
        snprintf(out, len, "CPU %.0f%% did not stay within %.0f%% +-%.0f for %.0f s (longest %.0f s): the load is "
                 "noisy at this scale; widen --cpu-band or lengthen the interval", cpu, target, band,
                 g->cfg.stable_for, c->longest_in);
    }
}

const surge_cpu_control *cpuctl_result(cpuctl *c, const struct surge_gen *g, bool final)
{
    surge_cpu_control *r = &c->res;
    r->target = g->cfg.cpu_target;
    r->band = g->cfg.cpu_band;
    r->source = c->source;
    r->kind = c->open ? "rate" : "connections";
    r->start = c->start;
    r->final = c->u;
    r->lowest = c->lowest;
    r->highest = c->highest;
    r->limit = c->hi;
    r->stable_for_s = g->cfg.stable_for;
    r->stable = c->stable;
    r->inside_s = c->longest_in;
    r->settled_s = isnan(c->in_since) ? -1 : c->in_since;
    double sum = 0;
    int n = 0;
    for (int i = c->ncpu - 1; i >= 0 && c->t_last - c->cpu_t[i] < g->cfg.stable_for; i--, n++)
        sum += c->cpu_v[i];
    r->cpu_reached = n ? sum / n : NAN;
    double last = c->ncpu ? c->cpu_v[c->ncpu - 1] : NAN;
    if (!c->ncpu)
        snprintf(c->verdict, sizeof c->verdict, "no CPU reading from %s", c->source);
    else if (c->stable)
        snprintf(c->verdict, sizeof c->verdict, "held %.0f%% +-%.0f for %.0f s, settled after %.0f s, at %s %.0f",
                 r->target, r->band, r->stable_for_s, r->settled_s >= 0 ? r->settled_s : 0, r->kind, r->final);
    else if (final || c->t_last >= g->cfg.stable_for)
        diagnose(c, g, last, c->verdict, sizeof c->verdict);
    else
        snprintf(c->verdict, sizeof c->verdict, "settling: CPU %.0f%%, %s %.0f", last, r->kind, r->final);
    r->verdict = c->verdict;
    return r;
}
