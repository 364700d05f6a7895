/* rng.h - seeded pseudo-random numbers and the distributions surge draws from.
 *
 * xoshiro256** (Blackman & Vigna): 256 bits of state, period 2^256-1, fast
 * and good enough for load generation (not for cryptography). Streams are
 * made independent with the generator's jump function (2^128 steps apart),
 * so worker N of a run seeded S always draws the same numbers, whatever the
 * other workers do.
 */
#ifndef SURGE_RNG_H
#define SURGE_RNG_H

#include <stdint.h>

typedef struct rng {
    uint64_t s[4];
} rng_t;

/* Seed stream `stream` (0, 1, 2 ...) of seed `seed`: the state is expanded
 * from the seed with splitmix64, then jumped `stream` times. */
void     rng_seed(rng_t *r, uint64_t seed, uint64_t stream);
uint64_t rng_next(rng_t *r);
double   rng_double(rng_t *r);                          /* uniform in [0, 1) */
uint64_t rng_below(rng_t *r, uint64_t n);               /* uniform in [0, n), unbiased; 0 if n == 0 */
int64_t  rng_range(rng_t *r, int64_t lo, int64_t hi);   /* uniform in [lo, hi], inclusive */
double   rng_uniform(rng_t *r, double lo, double hi);   /* uniform in [lo, hi) */
double   rng_gaussian(rng_t *r, double mean, double sd);
double   rng_exponential(rng_t *r, double mean);        /* mean > 0; Poisson inter-arrival gaps */
int      rng_bool(rng_t *r, double p);                  /* 1 with probability p */

/* Zipfian over ranks [0, n): rank 0 is the most frequent, P(k) ~ 1/(k+1)^theta.
 * theta > 0 (YCSB uses 0.99). O(1) set-up and draw (rejection-inversion),
 * so n may change every draw (a table that grows) at no cost. */
typedef struct zipf {
    uint64_t n;
    double theta;
    double h_x1, h_n, s;   /* precomputed by zipf_init */
} zipf_t;

void     zipf_init(zipf_t *z, uint64_t n, double theta);
uint64_t zipf_next(const zipf_t *z, rng_t *r);

#endif
