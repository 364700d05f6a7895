/* rng.c - xoshiro256** and the distributions built on it; see rng.h.
 *
 * Generator, seeding and jump follow Blackman & Vigna, "Scrambled linear
 * pseudorandom number generators" (2018); the zipf sampler follows Hörmann
 * & Derflinger, "Rejection-inversion to generate variates from monotone
 * discrete distributions" (1996).
 */
#include "core/rng.h"

#include <math.h>

#define TWO_PI 6.283185307179586476925286766559

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* splitmix64: a different generator, so that nearby seeds (0, 1, 2 ...) give
 * unrelated xoshiro states, and never the all-zero state it cannot leave. */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t rng_next(rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

/* Advance by 2^128 steps. The generator is linear over GF(2), so stepping
 * 2^128 times is multiplying the state by a fixed polynomial in the step
 * matrix; these 256 bits are its coefficients (published with the
 * generator). Summing the states met along 256 steps, weighted by them,
 * lands 2^128 steps ahead. */
static void jump(rng_t *r)
{
    static const uint64_t poly[4] = {
        0x180ec6d33cfd0abaull, 0xd5a61266f0c9392cull,
        0xa9582618e03fc9aaull, 0x39abdc4529b1661cull,
    };
    uint64_t acc[4] = {0, 0, 0, 0};
    for (int w = 0; w < 4; w++) {
        for (int b = 0; b < 64; b++) {
            if (poly[w] & (1ull << b)) {
                for (int i = 0; i < 4; i++)
                    acc[i] ^= r->s[i];
            }
            rng_next(r);
        }
    }
    for (int i = 0; i < 4; i++)
        r->s[i] = acc[i];
}

void rng_seed(rng_t *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
    /* Linear in `stream`, but a run has at most a few thousand workers and
     * one jump is ~256 steps: microseconds, once per worker. */
    for (uint64_t k = 0; k < stream; k++)
        jump(r);
}

double rng_double(rng_t *r)
{
    /* The top 53 bits fill a double's mantissa exactly. */
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t rng_below(rng_t *r, uint64_t n)
{
    if (n == 0)
        return 0;
    /* Lemire's method: the high word of x * n is uniform in [0, n) except
     * that some values get one extra x; those x are exactly the ones whose
     * low word falls below 2^64 mod n, so they are redrawn. The modulo is
     * only computed on the rare path where the low word is already < n. */
    __extension__ typedef unsigned __int128 u128;
    u128 m = (u128)rng_next(r) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = -n % n;   /* 2^64 mod n */
        while (low < threshold) {
            m = (u128)rng_next(r) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

int64_t rng_range(rng_t *r, int64_t lo, int64_t hi)
{
    if (hi <= lo)
        return lo;
    /* Unsigned arithmetic: hi - lo + 1 overflows int64 for wide ranges, and
     * is 0 (mod 2^64) for the full range, where any 64 bits will do. */
    uint64_t span = (uint64_t)hi - (uint64_t)lo + 1;
    uint64_t off = span ? rng_below(r, span) : rng_next(r);
    return (int64_t)((uint64_t)lo + off);
}

double rng_uniform(rng_t *r, double lo, double hi)
{
    double x = lo + (hi - lo) * rng_double(r);
    /* lo + (hi - lo) * u can round up to hi itself; keep the interval open. */
    return x < hi ? x : (hi > lo ? nextafter(hi, lo) : lo);
}

double rng_gaussian(rng_t *r, double mean, double sd)
{
    /* Box-Muller. Each call draws two uniforms and uses one of the two
     * normals they make: keeping the spare would need state in rng_t and
     * make the sequence depend on call history across distributions. */
    double u1 = 1.0 - rng_double(r);   /* (0, 1]: log(0) is out */
    double u2 = rng_double(r);
    return mean + sd * sqrt(-2.0 * log(u1)) * cos(TWO_PI * u2);
}

double rng_exponential(rng_t *r, double mean)
{
    /* Inversion; log1p(-u) keeps precision for small u and u < 1 keeps the
     * result finite. */
    return -mean * log1p(-rng_double(r));
}

int rng_bool(rng_t *r, double p)
{
    return rng_double(r) < p;
}

/* ---- Zipf by rejection-inversion ------------------------------------------
 *
 * Ranks k = 1..n (returned as k-1) with P(k) ~ h(k) = k^-q. The hat is the
 * continuous h(x) = x^-q, whose integral is
 *
 *     H(x) = (x^(1-q) - 1) / (1-q)      (log x when q = 1)
 *
 * and whose inverse H^-1 is closed-form. Because h is convex and decreasing,
 * the area under it over [k-1/2, k+1/2] is at least h(k). So: draw X from
 * the density h on the whole range by inverting H, round it to k, and
 * accept only if X lies in the right part of k's cell holding area exactly
 * h(k), i.e. H(X) >= H(k+1/2) - h(k). The range starts at H(3/2) - h(1), so
 * rank 1's cell is exactly h(1) and it is never rejected. The acceptance
 * rate is high (the cells' waste shrinks fast with k) and nothing depends on
 * n but two numbers, hence O(1) set-up.
 *
 * The squeeze `s`: let b_k be the left edge of the accepted part of cell k.
 * Cells waste less as h flattens, so k - b_k is smallest at k = 2, and any
 * X with k - X <= s = 2 - b_2 is accepted without evaluating H.
 *
 * Near q = 1 the formulas divide 0 by 0; they are rewritten with
 * (e^t - 1)/t and log(1+t)/t, computed by series for small t.
 */

/* (exp(t) - 1) / t, t -> 0 gives 1. */
static double expm1_over(double t)
{
    if (fabs(t) > 1e-8)
        return expm1(t) / t;
    return 1.0 + t / 2.0 * (1.0 + t / 3.0 * (1.0 + t / 4.0));
}

/* log(1 + t) / t, t -> 0 gives 1. */
static double log1p_over(double t)
{
    if (fabs(t) > 1e-8)
        return log1p(t) / t;
    return 1.0 - t * (1.0 / 2.0 - t * (1.0 / 3.0 - t / 4.0));
}

/* H(x) = (x^(1-q) - 1) / (1-q) = log x * (e^t - 1)/t with t = (1-q) log x. */
static double zipf_H(double x, double q)
{
    double lx = log(x);
    return lx * expm1_over((1.0 - q) * lx);
}

/* H^-1(y) = (1 + (1-q) y)^(1/(1-q)) = exp(y * log(1+t)/t) with t = (1-q) y. */
static double zipf_H_inv(double y, double q)
{
    double t = (1.0 - q) * y;
    if (t <= -1.0)              /* only by rounding, at the very top of the range for q > 1 */
        t = nextafter(-1.0, 0.0);
    return exp(y * log1p_over(t));
}

static double zipf_h(double x, double q)
{
    return exp(-q * log(x));
}

void zipf_init(zipf_t *z, uint64_t n, double theta)
{
    /* theta <= 0 (or NaN) would make h non-decreasing and break the method;
     * 0 is the uniform limit, which the method handles. */
    double q = theta > 0.0 ? theta : 0.0;
    z->n = n;
    z->theta = q;
    z->h_x1 = zipf_H(1.5, q) - 1.0;
    z->h_n = zipf_H((double)n + 0.5, q);
    z->s = 2.0 - zipf_H_inv(zipf_H(2.5, q) - zipf_h(2.0, q), q);
}

uint64_t zipf_next(const zipf_t *z, rng_t *r)
{
    if (z->n <= 1)
        return 0;
    double q = z->theta;
    for (;;) {
        double u = z->h_x1 + rng_double(r) * (z->h_n - z->h_x1);
        double x = zipf_H_inv(u, q);
        double kd = floor(x + 0.5);
        uint64_t k;
        /* Rounding at the ends of the range can step outside [1, n]. */
        if (kd < 1.0)
            k = 1;
        else if (kd >= (double)z->n)
            k = z->n;
        else
            k = (uint64_t)kd;
        double kk = (double)k;
        if (kk - x <= z->s || u >= zipf_H(kk + 0.5, q) - zipf_h(kk, q))
            return k - 1;
    }
}
