/* sched.c - intended start times for open-loop runs.
 *
 * The schedule lives in "count space": C(t) is the number of operations the
 * run should have issued by time t (a constant-rate warm-up, then the
 * pattern). Operation k is due when C(t) = k + 0.5, so the workers' shares
 * interleave exactly and a finite pattern yields round(C(end)) operations
 * however many workers split it. Poisson arrivals step through count space
 * by exponential gaps (time-rescaling of a non-homogeneous Poisson process),
 * which follows the pattern's rate whatever its shape.
 */
#include <math.h>

#include "run/engine.h"

double sched_count(const pat_t *pat, double warm_s, double warm_rate, double t)
{
    if (t < warm_s)
        return warm_rate * t;
    return warm_rate * warm_s + pat_count(pat, t - warm_s);
}

double sched_rate(const pat_t *pat, double warm_s, double warm_rate, double t)
{
    return t < warm_s ? warm_rate : pat_rate(pat, t - warm_s);
}

double run_count(const struct surge_gen *g, double t)
{
    double c = 0;
    for (int k = 0; k < g->nstreams; k++)
        c += sched_count(g->streams[k].pat, g->cfg.warmup, g->streams[k].warm_rate, t);
    return c;
}

double run_rate(const struct surge_gen *g, double t)
{
    double r = 0;
    for (int k = 0; k < g->nstreams; k++)
        r += sched_rate(g->streams[k].pat, g->cfg.warmup, g->streams[k].warm_rate, t);
    return r;
}

static double time_at(const sched *s, double c)
{
    double warm_ops = s->warm_rate * s->warm_s;
    if (c < warm_ops)
        return c / s->warm_rate;
    return s->warm_s + pat_time_at(s->pat, c - warm_ops);
}

void sched_init(sched *s, const pat_t *pat, double warm_s, double warm_rate,
                int index, int nworkers, bool poisson, uint64_t seed)
{
    s->pat = pat;
    s->warm_s = warm_s;
    s->warm_rate = warm_rate;
    s->stride = nworkers;
    s->poisson = poisson;
    rng_seed(&s->rng, seed ^ 0x5ced5ced5ced5cedull, (uint64_t)index);
    s->c = poisson ? rng_exponential(&s->rng, s->stride) : index + 0.5;
}

double sched_next(sched *s)
{
    double t = time_at(s, s->c);
    s->c += s->poisson ? rng_exponential(&s->rng, s->stride) : s->stride;
    return t;
}
