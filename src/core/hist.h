/* hist.h - log-linear latency histogram (HdrHistogram-like), fixed memory.
 *
 * Values are nanoseconds. Values below 2^(HIST_SUB_BITS+1) = 256 ns are kept
 * exactly; above, each power of two is split into 2^HIST_SUB_BITS linear
 * sub-buckets, so a bucket is never wider than 1/128 of its lower edge:
 * reporting the bucket's midpoint keeps every percentile within 0.4% of the
 * exact value.
 * The top is one hour; larger values are counted in the last bucket (their
 * exact maximum is still kept in `max`).
 *
 * Single writer, many readers: every counter is an atomic updated with
 * relaxed load + store (a plain add on x86, no lock prefix), so a reporter
 * thread may copy a histogram while its worker records into it. A copy taken
 * that way can be off by the one value being recorded; the next copy sees it.
 */
#ifndef SURGE_HIST_H
#define SURGE_HIST_H

#include <stdatomic.h>
#include <stdint.h>

#define HIST_SUB_BITS 7                           /* 128 sub-buckets per power of two */
#define HIST_MAX_NS   (3600ull * 1000000000ull)   /* 1 hour */
#define HIST_TOP_BIT  42                          /* 2^42 ns > 1 h */
/* Linear part: 0 .. 2^(SUB_BITS+1)-1, then (TOP_BIT - SUB_BITS) halves of 128. */
#define HIST_BUCKETS  ((1 << (HIST_SUB_BITS + 1)) + (HIST_TOP_BIT - HIST_SUB_BITS - 1) * (1 << HIST_SUB_BITS))

typedef struct hist {
    _Atomic uint64_t count;
    _Atomic uint64_t sum_ns;      /* exact sum, for the mean */
    _Atomic uint64_t min_ns;      /* exact; UINT64_MAX when empty */
    _Atomic uint64_t max_ns;      /* exact; 0 when empty */
    _Atomic uint64_t buckets[HIST_BUCKETS];
} hist_t;

void hist_init(hist_t *h);                       /* empty */
void hist_reset(hist_t *h);                      /* same as init */
void hist_record(hist_t *h, uint64_t ns);        /* one value; single writer only */
void hist_record_n(hist_t *h, uint64_t ns, uint64_t n);
void hist_merge(hist_t *dst, const hist_t *src); /* dst += src (exact) */
/* dst = now - before, for an interval out of two snapshots of a cumulative
 * histogram. min/max of the result come from its buckets (within 1%),
 * clamped to now's exact min/max. dst may alias neither input. */
void hist_diff(hist_t *dst, const hist_t *now, const hist_t *before);
void hist_copy(hist_t *dst, const hist_t *src);  /* consistent-enough snapshot */

uint64_t hist_count(const hist_t *h);
uint64_t hist_min(const hist_t *h);              /* 0 when empty */
uint64_t hist_max(const hist_t *h);              /* 0 when empty */
double   hist_mean(const hist_t *h);             /* ns; 0 when empty */
/* The value at rank ceil(p/100 * count) (1-based) of the recorded values,
 * p in [0, 100]; p = 0 gives the min, p = 100 the max. Within 1% of the exact
 * value. 0 when empty. */
uint64_t hist_percentile(const hist_t *h, double p);

/* Bucket index of a value and the bucket's [lo, hi] range; exposed for tests.
 * The last bucket holds everything above HIST_MAX_NS: [HIST_MAX_NS+1, UINT64_MAX]. */
int      hist_index(uint64_t ns);
uint64_t hist_bucket_lo(int index);
uint64_t hist_bucket_hi(int index);

#endif
