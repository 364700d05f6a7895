/* test_hist.c - the histogram against exact answers from sorted raw values.
 *
 * Every distribution is drawn into an array, recorded, then sorted; the
 * histogram's percentiles must match the sorted array's at the same rank
 * within 1% (the design gives 0.4%). Most draws come from rng.h; one
 * distribution and the tiny values come from a separate LCG, so a fault
 * shared by rng and hist cannot pass unseen.
 */
#include "core/hist.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "core/rng.h"

#define N     1000000
#define NS_US 1000ull
#define NS_MS 1000000ull
#define NS_S  1000000000ull

static const double percentiles[] = {0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100};
#define N_PERCENTILES (sizeof percentiles / sizeof percentiles[0])

/* Knuth's MMIX LCG; the top bits are the good ones. */
typedef struct {
    uint64_t x;
} lcg_t;

static uint64_t lcg_next(lcg_t *g)
{
    g->x = g->x * 6364136223846793005ull + 1442695040888963407ull;
    return g->x >> 11;   /* 53 bits */
}

static double lcg_unit(lcg_t *g)   /* (0, 1] */
{
    return ((double)lcg_next(g) + 1.0) * 0x1.0p-53;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The exact percentile of sorted values, with hist.h's rank definition. */
static uint64_t exact_percentile(const uint64_t *sorted, size_t n, double p)
{
    if (p <= 0)
        return sorted[0];
    if (p >= 100)
        return sorted[n - 1];
    double r = ceil(p * (double)n / 100.0);
    size_t rank = r < 1 ? 1 : r > (double)n ? n : (size_t)r;
    return sorted[rank - 1];
}

static uint64_t clamp_ns(double ns)
{
    if (!(ns >= 0))
        return 0;
    return ns >= (double)HIST_MAX_NS ? HIST_MAX_NS : (uint64_t)llround(ns);
}

/* Record v[0..n), then compare everything the histogram reports with the
 * exact answers. Sorts v. */
static void check_against_exact(const char *name, hist_t *h, uint64_t *v, size_t n)
{
    hist_init(h);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        hist_record(h, v[i]);
        sum += v[i];
    }
    qsort(v, n, sizeof v[0], cmp_u64);

    CHECK(hist_count(h) == n, "%s: count %" PRIu64 ", want %zu", name, hist_count(h), n);
    CHECK(hist_min(h) == v[0], "%s: min %" PRIu64 ", want %" PRIu64, name, hist_min(h), v[0]);
    CHECK(hist_max(h) == v[n - 1], "%s: max %" PRIu64 ", want %" PRIu64, name, hist_max(h), v[n - 1]);
    double mean = (double)sum / (double)n;
    CHECK(fabs(hist_mean(h) - mean) <= 1e-12 * mean, "%s: mean %.6f, want %.6f", name, hist_mean(h), mean);

    double worst = 0;
    for (size_t i = 0; i < N_PERCENTILES; i++) {
        double p = percentiles[i];
        uint64_t got = hist_percentile(h, p), want = exact_percentile(v, n, p);
        double err = want ? fabs((double)got - (double)want) / (double)want : (double)got;
        CHECK(err <= 0.01, "%s: p%g = %" PRIu64 ", exact %" PRIu64 " (error %.3f%%)", name, p, got, want,
              100 * err);
        worst = err > worst ? err : worst;
    }
    /* The design's own bound, tighter than the 1% promised: half a bucket of
     * at most 1/128 of its lower edge. Reporting a bucket's edge instead of
     * its midpoint would still pass 1% but not this. */
    CHECK(worst <= 1.0 / 256, "%s: worst percentile error %.3f%% exceeds 1/256", name, 100 * worst);
}

static void test_distributions(hist_t *h, uint64_t *v)
{
    rng_t r;
    rng_seed(&r, 20240601, 0);
    lcg_t g = {42};

    for (size_t i = 0; i < N; i++)
        v[i] = (uint64_t)rng_range(&r, NS_US, NS_S);
    check_against_exact("uniform 1us..1s", h, v, N);

    for (size_t i = 0; i < N; i++)
        v[i] = clamp_ns(rng_exponential(&r, 2.0 * NS_MS));
    check_against_exact("exponential mean 2ms", h, v, N);

    /* Median 1 ms, sigma 4: the 99.99th percentile is near 45 minutes. */
    for (size_t i = 0; i < N; i++)
        v[i] = clamp_ns(exp(rng_gaussian(&r, log(1e6), 4.0)));
    check_against_exact("lognormal to 1h", h, v, N);

    for (size_t i = 0; i < N; i++)
        v[i] = 12345678;
    check_against_exact("constant", h, v, N);

    for (size_t i = 0; i < N; i++)
        v[i] = lcg_next(&g) % 256;
    check_against_exact("tiny (LCG)", h, v, N);

    /* Pareto, alpha 1.2 from 10 us, drawn by inversion from the LCG. */
    for (size_t i = 0; i < N; i++)
        v[i] = clamp_ns(10.0 * NS_US * pow(lcg_unit(&g), -1.0 / 1.2));
    check_against_exact("pareto (LCG)", h, v, N);
}

static int same_hist(const hist_t *a, const hist_t *b)
{
    for (int i = 0; i < HIST_BUCKETS; i++)
        if (atomic_load(&a->buckets[i]) != atomic_load(&b->buckets[i]))
            return 0;
    return hist_count(a) == hist_count(b) && atomic_load(&a->sum_ns) == atomic_load(&b->sum_ns) &&
           hist_min(a) == hist_min(b) && hist_max(a) == hist_max(b);
}

static void test_merge_and_diff(hist_t *h, uint64_t *v)
{
    static hist_t whole, first, second, merged, snap1, snap2, diff;
    rng_t r;
    rng_seed(&r, 777, 0);
    for (size_t i = 0; i < N / 2; i++)
        v[i] = (uint64_t)rng_range(&r, 1, 50 * NS_MS);
    for (size_t i = N / 2; i < N; i++)   /* a different range, so the halves differ */
        v[i] = clamp_ns(exp(rng_gaussian(&r, log(1e5), 2.0)));

    hist_init(&whole);
    hist_init(&first);
    hist_init(&second);
    for (size_t i = 0; i < N; i++) {
        hist_record(&whole, v[i]);
        hist_record(i < N / 2 ? &first : &second, v[i]);
    }

    /* Merge: first + second is the whole, field by field. */
    hist_init(&merged);
    hist_merge(&merged, &first);
    hist_merge(&merged, &second);
    CHECK(same_hist(&merged, &whole), "merge of the two halves differs from the whole");

    /* Diff: two snapshots of a cumulative histogram, taken around the second
     * half, give the second half's buckets, count and sum exactly. */
    hist_init(h);
    for (size_t i = 0; i < N / 2; i++)
        hist_record(h, v[i]);
    hist_copy(&snap1, h);
    for (size_t i = N / 2; i < N; i++)
        hist_record(h, v[i]);
    hist_copy(&snap2, h);
    hist_diff(&diff, &snap2, &snap1);

    int same_buckets = 1;
    for (int i = 0; i < HIST_BUCKETS; i++)
        same_buckets &= atomic_load(&diff.buckets[i]) == atomic_load(&second.buckets[i]);
    CHECK(same_buckets, "diff of snapshots has other buckets than the second batch alone");
    CHECK(hist_count(&diff) == hist_count(&second), "diff count %" PRIu64 ", want %" PRIu64,
          hist_count(&diff), hist_count(&second));
    CHECK(atomic_load(&diff.sum_ns) == atomic_load(&second.sum_ns), "diff sum differs");

    /* min/max of a diff are only known to their bucket. */
    uint64_t mn = hist_min(&diff), want_mn = hist_min(&second);
    uint64_t mx = hist_max(&diff), want_mx = hist_max(&second);
    CHECK(mn <= want_mn && hist_index(mn) == hist_index(want_mn), "diff min %" PRIu64 ", exact %" PRIu64,
          mn, want_mn);
    CHECK(mx >= want_mx && hist_index(mx) == hist_index(want_mx), "diff max %" PRIu64 ", exact %" PRIu64,
          mx, want_mx);
    CHECK(mn >= hist_min(&snap2) && mx <= hist_max(&snap2), "diff min/max must stay within now's");
    for (size_t i = 0; i < N_PERCENTILES; i++) {
        double p = percentiles[i];
        uint64_t got = hist_percentile(&diff, p), want = hist_percentile(&second, p);
        double err = fabs((double)got - (double)want) / (double)want;
        CHECK(err <= 0.01, "diff p%g = %" PRIu64 ", second batch alone %" PRIu64, p, got, want);
    }

    /* Diff of a snapshot with itself is empty. */
    hist_diff(&diff, &snap2, &snap2);
    CHECK(hist_count(&diff) == 0 && hist_min(&diff) == 0 && hist_max(&diff) == 0 &&
              hist_percentile(&diff, 50) == 0,
          "diff of identical snapshots must be empty");

    /* A histogram reset between the snapshots saturates to empty rather
     * than wrapping around. */
    hist_init(h);
    hist_record(h, 5);
    hist_diff(&diff, h, &snap2);
    CHECK(hist_count(&diff) == 0 && atomic_load(&diff.sum_ns) == 0, "diff across a reset must not wrap");
}

static void test_empty_and_edges(hist_t *h)
{
    static hist_t other;
    hist_init(h);
    CHECK(hist_count(h) == 0 && hist_min(h) == 0 && hist_max(h) == 0 && hist_mean(h) == 0.0,
          "empty histogram: count %" PRIu64 " min %" PRIu64 " max %" PRIu64 " mean %g", hist_count(h),
          hist_min(h), hist_max(h), hist_mean(h));
    for (size_t i = 0; i < N_PERCENTILES; i++)
        CHECK(hist_percentile(h, percentiles[i]) == 0, "empty histogram p%g is not 0", percentiles[i]);
    hist_init(&other);
    hist_merge(h, &other);
    CHECK(hist_count(h) == 0 && hist_min(h) == 0, "merging empty into empty must stay empty");

    /* One value: every percentile is that value. */
    hist_record(h, 1234567);
    for (size_t i = 0; i < N_PERCENTILES; i++)
        CHECK(hist_percentile(h, percentiles[i]) == 1234567, "single value: p%g = %" PRIu64, percentiles[i],
              hist_percentile(h, percentiles[i]));
    hist_reset(h);
    CHECK(hist_count(h) == 0 && hist_max(h) == 0, "reset must empty the histogram");

    /* record_n is n records. */
    hist_init(&other);
    hist_record_n(h, 4242, 5);
    hist_record_n(h, 17, 0);
    for (int i = 0; i < 5; i++)
        hist_record(&other, 4242);
    CHECK(same_hist(h, &other), "record_n(v, 5) differs from five records");

    /* Beyond an hour: counted in the last bucket, max still exact. */
    hist_init(h);
    uint64_t two_h = 2 * HIST_MAX_NS;
    hist_record(h, 5 * NS_S);
    hist_record(h, HIST_MAX_NS);
    hist_record(h, HIST_MAX_NS + 1);
    hist_record(h, two_h);
    CHECK(hist_index(two_h) == HIST_BUCKETS - 1 && hist_index(HIST_MAX_NS + 1) == HIST_BUCKETS - 1 &&
              hist_index(UINT64_MAX) == HIST_BUCKETS - 1,
          "values over HIST_MAX_NS must go in the last bucket");
    CHECK(hist_index(HIST_MAX_NS) < HIST_BUCKETS - 1, "HIST_MAX_NS itself is in range");
    CHECK(atomic_load(&h->buckets[HIST_BUCKETS - 1]) == 2, "last bucket holds %" PRIu64 ", want 2",
          atomic_load(&h->buckets[HIST_BUCKETS - 1]));
    CHECK(hist_max(h) == two_h, "max %" PRIu64 ", want exactly %" PRIu64, hist_max(h), two_h);
    CHECK(hist_percentile(h, 100) == two_h, "p100 must be the exact max");
    CHECK(hist_percentile(h, 75) > HIST_MAX_NS && hist_percentile(h, 75) <= two_h,
          "p75 (an overflowed value) reported as %" PRIu64, hist_percentile(h, 75));
    uint64_t p50 = hist_percentile(h, 50);
    CHECK(fabs((double)p50 - (double)HIST_MAX_NS) <= 0.01 * HIST_MAX_NS, "p50 (1h) reported as %" PRIu64, p50);
    CHECK(hist_min(h) == 5 * NS_S, "min %" PRIu64, hist_min(h));

    /* Out-of-range p clamps; NaN gives the min rather than garbage. */
    CHECK(hist_percentile(h, -5) == hist_min(h) && hist_percentile(h, 250) == hist_max(h) &&
              hist_percentile(h, NAN) == hist_min(h),
          "p outside [0, 100] must clamp");
}

/* The layout: contiguous, exact below 256, never wider than 1/128 of the
 * lower edge, and hist_index agrees with the ranges. */
static void test_layout(void)
{
    CHECK(HIST_BUCKETS == 256 + 34 * 128, "HIST_BUCKETS is %d", HIST_BUCKETS);
    int ok_contig = 1, ok_exact = 1, ok_width = 1, ok_index = 1;
    for (int i = 0; i < HIST_BUCKETS - 1; i++) {
        uint64_t lo = hist_bucket_lo(i), hi = hist_bucket_hi(i);
        if (i > 0 && lo != hist_bucket_hi(i - 1) + 1)
            ok_contig = 0;
        if (i < 256 && (lo != (uint64_t)i || hi != (uint64_t)i))
            ok_exact = 0;
        if (i >= 256 && (hi - lo + 1) * 128 > lo)
            ok_width = 0;
        /* Buckets past index(HIST_MAX_NS) are unused: their values overflow. */
        if (lo <= HIST_MAX_NS && (hist_index(lo) != i || hist_index(hi < HIST_MAX_NS ? hi : HIST_MAX_NS) != i))
            ok_index = 0;
    }
    CHECK(ok_contig, "buckets are not contiguous");
    CHECK(ok_exact, "buckets below 256 are not exact");
    CHECK(ok_width, "a bucket is wider than 1/128 of its lower edge");
    CHECK(ok_index, "hist_index disagrees with a bucket's [lo, hi]");
    /* Without the overflow rule, the last bucket would end at 2^HIST_TOP_BIT - 1. */
    uint64_t width = hist_bucket_hi(HIST_BUCKETS - 2) - hist_bucket_lo(HIST_BUCKETS - 2) + 1;
    CHECK(hist_bucket_hi(HIST_BUCKETS - 2) + width == (1ull << HIST_TOP_BIT) - 1, "layout ends at %" PRIu64,
          hist_bucket_hi(HIST_BUCKETS - 2) + width);
    CHECK(hist_bucket_lo(HIST_BUCKETS - 1) == HIST_MAX_NS + 1 && hist_bucket_hi(HIST_BUCKETS - 1) == UINT64_MAX,
          "the last bucket must be (HIST_MAX_NS, UINT64_MAX]");

    /* Random values of every magnitude land in a bucket that holds them. */
    lcg_t g = {99};
    int bad = 0;
    for (int i = 0; i < 100000; i++) {
        uint64_t x = lcg_next(&g) >> (lcg_next(&g) % 53);
        int k = hist_index(x);
        bad += k < 0 || k >= HIST_BUCKETS || x < hist_bucket_lo(k) || x > hist_bucket_hi(k);
    }
    CHECK(bad == 0, "%d values fell outside their bucket", bad);
}

int main(void)
{
    static hist_t h;
    uint64_t *v = malloc(N * sizeof *v);
    if (!v) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    test_layout();
    test_distributions(&h, v);
    test_merge_and_diff(&h, v);
    test_empty_and_edges(&h);
    free(v);
    return check_report();
}
