/* test_rng.c - xoshiro256** against known answers, and every distribution
 * against its exact law.
 *
 * The known answers were computed by an independent Python implementation
 * written from the algorithm definitions; the jumped states there come from
 * raising the generator's 256x256 GF(2) step matrix to the power 2^128, so
 * they check the jump polynomial rather than repeat it. All statistical
 * checks use a fixed seed, so they are deterministic; their bounds are loose
 * (about 6 standard deviations) so that a correct generator never trips
 * them on some other seed either.
 */
#include "core/rng.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"

#define N_DRAWS 1000000

/* Loose upper bound for a chi-square statistic with `df` degrees of
 * freedom: mean df, sd sqrt(2 df), plus slack for the skew at small df. */
static double chi2_bound(int df)
{
    return df + 6.0 * sqrt(2.0 * df) + 6.0;
}

/* Chi-square of `obs` (k bins, `total` draws) against probabilities `p`. */
static double chi2(const uint64_t *obs, const double *p, int k, uint64_t total)
{
    double x = 0;
    for (int i = 0; i < k; i++) {
        double e = p[i] * (double)total;
        double d = (double)obs[i] - e;
        x += d * d / e;
    }
    return x;
}

static void test_known_answers(void)
{
    /* First outputs from state {1, 2, 3, 4}. */
    static const uint64_t want[8] = {
        0x0000000000002d00ull, 0x0000000000000000ull, 0x000000005a007080ull,
        0x10e0000000009d80ull, 0x10e0b61ce1009d80ull, 0x0870021ce143ad00ull,
        0xe071c3c2e143f089ull, 0x75a1690ef7a20380ull,
    };
    rng_t r = {{1, 2, 3, 4}};
    for (int i = 0; i < 8; i++) {
        uint64_t got = rng_next(&r);
        CHECK(got == want[i], "output %d: got %016" PRIx64 ", want %016" PRIx64, i, got, want[i]);
    }

    /* splitmix64 expansion of seed 0 and 42 (stream 0), and streams 1..3 of
     * seed 42 (1, 2 and 3 jumps of 2^128 steps). */
    static const struct {
        uint64_t seed, stream, s[4];
    } states[] = {
        {0, 0, {0xe220a8397b1dcdafull, 0x6e789e6aa1b965f4ull, 0x06c45d188009454full, 0xf88bb8a8724c81ecull}},
        {0, 1, {0xfee4f58cd4a88d82ull, 0xeb57cb7870f7d5a3ull, 0x076f2d192bd2720full, 0xb0a71cb77110d77bull}},
        {42, 0, {0xbdd732262feb6e95ull, 0x28efe333b266f103ull, 0x47526757130f9f52ull, 0x581ce1ff0e4ae394ull}},
        {42, 1, {0x81746704fde896b5ull, 0x645e944932dae0aeull, 0xf4776829231c282cull, 0x2393f9798732dba1ull}},
        {42, 2, {0xac1efbd1c1f9edb7ull, 0xe3ef388185a3e19dull, 0x8928517ea1524addull, 0x5f0e2c50350e976full}},
        {42, 3, {0xeaf43ca1fd59b7b5ull, 0x1e2dc15cc4ad4ba0ull, 0x8e44bc177ee1d7e6ull, 0x9cf11261ebb86aacull}},
    };
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
        rng_seed(&r, states[i].seed, states[i].stream);
        CHECK(memcmp(r.s, states[i].s, sizeof r.s) == 0,
              "seed %" PRIu64 " stream %" PRIu64 ": state %016" PRIx64 "... want %016" PRIx64 "...",
              states[i].seed, states[i].stream, r.s[0], states[i].s[0]);
    }
}

static void test_streams(void)
{
    rng_t a, b, c, d;
    rng_seed(&a, 7, 3);
    rng_seed(&b, 7, 3);
    rng_seed(&c, 7, 4);
    rng_seed(&d, 8, 3);
    int same_ab = 1, same_ac = 0, same_ad = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = rng_next(&a);
        same_ab &= x == rng_next(&b);
        same_ac += x == rng_next(&c);
        same_ad += x == rng_next(&d);
    }
    CHECK(same_ab, "same seed and stream must give the same sequence");
    CHECK(same_ac == 0, "streams 3 and 4 of one seed agree in %d of 1000 outputs", same_ac);
    CHECK(same_ad == 0, "seeds 7 and 8 agree in %d of 1000 outputs", same_ad);
}

static void test_double(void)
{
    rng_t r;
    rng_seed(&r, 1, 0);
    double lo = 1, hi = 0, sum = 0;
    for (int i = 0; i < N_DRAWS; i++) {
        double u = rng_double(&r);
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
        sum += u;
    }
    CHECK(lo >= 0.0 && hi < 1.0, "rng_double out of [0, 1): min %g max %g", lo, hi);
    CHECK(lo < 1e-4 && hi > 1 - 1e-4, "rng_double does not cover [0, 1): min %g max %g", lo, hi);
    CHECK(fabs(sum / N_DRAWS - 0.5) < 0.002, "rng_double mean %g", sum / N_DRAWS);

    for (int i = 0; i < 1000; i++) {
        double u = rng_uniform(&r, -2.0, 3.0);
        CHECK(u >= -2.0 && u < 3.0, "rng_uniform(-2, 3) gave %g", u);
    }
}

/* Uniformity of rng_below(n) in k equal bins, and of v mod k; k must divide
 * n. The bins catch bias at the coarse scale (x % n); the residues catch the
 * fine-grained kind, one value in a few drawn twice as often (multiply-shift
 * without its rejection step). */
static void check_below(rng_t *r, uint64_t n, int k)
{
    uint64_t obs[1000] = {0}, res[1000] = {0};
    double p[1000];
    uint64_t width = n / (uint64_t)k;
    for (int i = 0; i < k; i++)
        p[i] = 1.0 / k;
    int bad = 0;
    for (int i = 0; i < N_DRAWS; i++) {
        uint64_t v = rng_below(r, n);
        if (v >= n)
            bad++;
        else {
            obs[v / width]++;
            res[v % (uint64_t)k]++;
        }
    }
    CHECK(bad == 0, "rng_below(%" PRIu64 ") returned %d values >= n", n, bad);
    double x = chi2(obs, p, k, N_DRAWS);
    CHECK(x < chi2_bound(k - 1), "rng_below(%" PRIu64 ") chi-square %.1f over %d bins", n, x, k);
    x = chi2(res, p, k, N_DRAWS);
    CHECK(x < chi2_bound(k - 1), "rng_below(%" PRIu64 ") chi-square %.1f over %d residues", n, x, k);
}

static void test_below(void)
{
    rng_t r;
    rng_seed(&r, 12345, 0);
    CHECK(rng_below(&r, 0) == 0, "rng_below(0) must be 0");
    CHECK(rng_below(&r, 1) == 0, "rng_below(1) must be 0");
    check_below(&r, 2, 2);
    check_below(&r, 3, 3);
    check_below(&r, 7, 7);
    check_below(&r, 10, 10);
    check_below(&r, 1000, 1000);
    check_below(&r, 1ull << 40, 64);
    /* 3 * 2^62: naive x % n would make the first third twice as likely as
     * the others; the rejection step must remove that. */
    check_below(&r, 3ull << 62, 3);
    /* The largest n; 2^64 - 1 = 3 * 5 * 17 * 257 * ..., so 15 bins fit. */
    check_below(&r, UINT64_MAX, 15);
}

static void test_range(void)
{
    rng_t r;
    rng_seed(&r, 99, 0);
    int seen[7] = {0}, out = 0;
    for (int i = 0; i < 10000; i++) {
        int64_t v = rng_range(&r, -3, 3);
        if (v < -3 || v > 3)
            out++;
        else
            seen[v + 3]++;
    }
    CHECK(out == 0, "rng_range(-3, 3) gave %d values outside", out);
    for (int i = 0; i < 7; i++)
        CHECK(seen[i] > 0, "rng_range(-3, 3) never gave %d", i - 3);
    CHECK(rng_range(&r, 5, 5) == 5, "rng_range(5, 5) must be 5");

    /* The full int64 range: the span overflows to 0, both signs must appear. */
    int neg = 0;
    for (int i = 0; i < 1000; i++)
        neg += rng_range(&r, INT64_MIN, INT64_MAX) < 0;
    CHECK(neg > 400 && neg < 600, "full-range rng_range gave %d negatives of 1000", neg);

    int64_t top = 0;
    for (int i = 0; i < 1000; i++) {
        int64_t v = rng_range(&r, INT64_MAX - 1, INT64_MAX);
        CHECK(v >= INT64_MAX - 1, "rng_range at the top of int64 gave %" PRId64, v);
        top += v == INT64_MAX;
    }
    CHECK(top > 0 && top < 1000, "rng_range(max-1, max) hit max %" PRId64 " times of 1000", top);
}

static void test_gaussian_exponential_bool(void)
{
    rng_t r;
    rng_seed(&r, 2024, 1);
    double sum = 0, sum2 = 0;
    for (int i = 0; i < N_DRAWS; i++) {
        double x = rng_gaussian(&r, 10.0, 2.0);
        sum += x;
        sum2 += x * x;
    }
    double mean = sum / N_DRAWS, sd = sqrt(sum2 / N_DRAWS - mean * mean);
    /* Standard errors: 0.002 for the mean, 0.0014 for the sd. */
    CHECK(fabs(mean - 10.0) < 0.012, "gaussian(10, 2) mean %g", mean);
    CHECK(fabs(sd - 2.0) < 0.01, "gaussian(10, 2) sd %g", sd);

    sum = 0;
    double lo = 1e300;
    int above_mean = 0;
    for (int i = 0; i < N_DRAWS; i++) {
        double x = rng_exponential(&r, 3.0);
        sum += x;
        lo = x < lo ? x : lo;
        above_mean += x > 3.0;
    }
    mean = sum / N_DRAWS;
    CHECK(fabs(mean - 3.0) < 0.018, "exponential(3) mean %g", mean);   /* se 0.003 */
    CHECK(lo >= 0.0 && isfinite(mean), "exponential draws must be finite and >= 0 (min %g)", lo);
    /* P(X > mean) = 1/e for an exponential: checks the shape, not just the mean. */
    double frac = (double)above_mean / N_DRAWS;
    CHECK(fabs(frac - exp(-1.0)) < 0.003, "exponential P(X > mean) %g, want %g", frac, exp(-1.0));

    int yes = 0;
    for (int i = 0; i < N_DRAWS; i++)
        yes += rng_bool(&r, 0.3);
    CHECK(fabs((double)yes / N_DRAWS - 0.3) < 0.003, "rng_bool(0.3) rate %g", (double)yes / N_DRAWS);
    int never = 0, always = 0;
    for (int i = 0; i < 10000; i++) {
        never += rng_bool(&r, 0.0);
        always += rng_bool(&r, 1.0);
    }
    CHECK(never == 0 && always == 10000, "rng_bool(0) gave %d, rng_bool(1) gave %d of 10000", never, always);
}

/* Draw N_DRAWS ranks and compare with the exact pmf 1/(k+1)^theta / H. */
static void check_zipf(rng_t *r, uint64_t n, double theta, int top_z)
{
    static uint64_t obs[1000];
    static double p[1000];
    double norm = 0;
    for (uint64_t k = 0; k < n; k++)
        norm += p[k] = pow((double)(k + 1), -theta);
    for (uint64_t k = 0; k < n; k++) {
        p[k] /= norm;
        obs[k] = 0;
    }

    zipf_t z;
    zipf_init(&z, n, theta);
    int bad = 0;
    for (int i = 0; i < N_DRAWS; i++) {
        uint64_t k = zipf_next(&z, r);
        if (k >= n)
            bad++;
        else
            obs[k]++;
    }
    CHECK(bad == 0, "zipf(n=%" PRIu64 ", theta=%g) gave %d ranks >= n", n, theta, bad);

    /* The most popular ranks one by one, at 6 standard deviations. */
    for (int k = 0; k < top_z && (uint64_t)k < n; k++) {
        double e = p[k] * N_DRAWS, sd = sqrt(e * (1 - p[k]));
        CHECK(fabs((double)obs[k] - e) < 6 * sd,
              "zipf(n=%" PRIu64 ", theta=%g) rank %d: %" PRIu64 " draws, want %.0f +- %.0f",
              n, theta, k, obs[k], e, 6 * sd);
    }
    double x = chi2(obs, p, (int)n, N_DRAWS);
    CHECK(x < chi2_bound((int)n - 1), "zipf(n=%" PRIu64 ", theta=%g) chi-square %.1f over %" PRIu64 " ranks",
          n, theta, x, n);
}

static void test_zipf(void)
{
    rng_t r;
    rng_seed(&r, 31337, 0);
    check_zipf(&r, 1000, 0.99, 20);
    check_zipf(&r, 10, 1.0, 10);
    check_zipf(&r, 100, 0.5, 10);
    check_zipf(&r, 100, 2.0, 10);
    check_zipf(&r, 2, 0.99, 2);
    check_zipf(&r, 1000, 0.01, 5);   /* nearly uniform */

    zipf_t z;
    zipf_init(&z, 1, 0.99);
    int nonzero = 0;
    for (int i = 0; i < 1000; i++)
        nonzero += zipf_next(&z, &r) != 0;
    CHECK(nonzero == 0, "zipf with n=1 gave %d nonzero ranks", nonzero);
    zipf_init(&z, 0, 0.99);
    CHECK(zipf_next(&z, &r) == 0, "zipf with n=0 must give 0");

    /* A huge key space: ranks stay in range, and rank 0 keeps roughly its
     * share, 1/H(n) (about 3.3% for n = 10^12, theta = 0.99). */
    zipf_init(&z, 1000000000000ull, 0.99);
    int out = 0, zero = 0;
    for (int i = 0; i < 100000; i++) {
        uint64_t k = zipf_next(&z, &r);
        out += k >= z.n;
        zero += k == 0;
    }
    CHECK(out == 0, "zipf over 10^12 gave %d ranks out of range", out);
    CHECK(zero > 2000 && zero < 5000, "zipf over 10^12 gave rank 0 %d times in 100000", zero);

    /* theta = 1 is the 0/0 point of the closed forms: the set-up must be
     * continuous through it. */
    zipf_t a, b, c;
    zipf_init(&a, 1000, 1.0 - 1e-12);
    zipf_init(&b, 1000, 1.0);
    zipf_init(&c, 1000, 1.0 + 1e-12);
    CHECK(isfinite(b.h_x1) && isfinite(b.h_n) && isfinite(b.s), "zipf set-up at theta=1 not finite");
    CHECK(fabs(a.h_n - b.h_n) < 1e-9 && fabs(c.h_n - b.h_n) < 1e-9,
          "zipf H(n) jumps at theta=1: %.15g %.15g %.15g", a.h_n, b.h_n, c.h_n);
    CHECK(fabs(a.s - b.s) < 1e-9 && fabs(c.s - b.s) < 1e-9,
          "zipf squeeze jumps at theta=1: %.15g %.15g %.15g", a.s, b.s, c.s);
    /* H(n + 1/2) = log(n + 1/2) exactly when theta = 1. */
    CHECK(fabs(b.h_n - log(1000.5)) < 1e-12, "zipf H(n) at theta=1 is %.15g, want %.15g", b.h_n, log(1000.5));
}

int main(void)
{
    test_known_answers();
    test_streams();
    test_double();
    test_below();
    test_range();
    test_gaussian_exponential_bool();
    test_zipf();
    return check_report();
}
