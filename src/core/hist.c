/* hist.c - log-linear latency histogram; see hist.h for the contract.
 *
 * Bucket layout. Let shift = max(0, b - HIST_SUB_BITS) where 2^b is the
 * highest bit of the value. Then
 *
 *     index = (shift << HIST_SUB_BITS) + (ns >> shift)
 *
 * For ns < 256 the shift is 0 and the index is the value itself. Above, the
 * top SUB_BITS+1 bits of the value (always 128..255) select a sub-bucket of
 * width 2^shift inside [2^b, 2^(b+1)), and each power of two adds 128 to
 * the index. One count-leading-zeros, one shift, one add: no loop, no table.
 *
 * Values above HIST_MAX_NS all go in the last bucket, whose range is then
 * (HIST_MAX_NS, UINT64_MAX]. HIST_MAX_NS is not a bucket edge, so the few
 * buckets between index(HIST_MAX_NS) and the last are never used; keeping
 * the layout a pure function of the bits is worth more than 40 counters.
 */
#include "core/hist.h"

#include <math.h>

#define LAST    (HIST_BUCKETS - 1)
#define LINEAR  (1 << (HIST_SUB_BITS + 1))   /* values below this are exact */

_Static_assert(HIST_BUCKETS == LINEAR + (HIST_TOP_BIT - HIST_SUB_BITS - 1) * (1 << HIST_SUB_BITS),
               "bucket count and layout disagree");
_Static_assert(HIST_MAX_NS < (1ull << HIST_TOP_BIT), "HIST_MAX_NS must fit below 2^HIST_TOP_BIT");

/* Relaxed atomics: the worker is the only writer, so load + store is enough
 * and compiles to plain moves; the reporter's copies only need each word to
 * be read whole, which relaxed gives. */
static inline uint64_t ld(const _Atomic uint64_t *p)
{
    return atomic_load_explicit(p, memory_order_relaxed);
}

static inline void st(_Atomic uint64_t *p, uint64_t v)
{
    atomic_store_explicit(p, v, memory_order_relaxed);
}

static inline void add(_Atomic uint64_t *p, uint64_t v)
{
    st(p, ld(p) + v);
}

int hist_index(uint64_t ns)
{
    if (ns > HIST_MAX_NS)
        return LAST;
    /* OR-ing in bit SUB_BITS makes every value below 256 take shift 0, and
     * keeps clz away from 0, where it is undefined. */
    int b = 63 - __builtin_clzll(ns | (1ull << HIST_SUB_BITS));
    int shift = b - HIST_SUB_BITS;
    return (shift << HIST_SUB_BITS) + (int)(ns >> shift);
}

/* Width of bucket `index` is 2^bucket_shift(index). */
static int bucket_shift(int index)
{
    return index < LINEAR ? 0 : (index >> HIST_SUB_BITS) - 1;
}

uint64_t hist_bucket_lo(int index)
{
    if (index <= 0)
        return 0;
    if (index >= LAST)
        return HIST_MAX_NS + 1;
    int shift = bucket_shift(index);
    return (uint64_t)(index - (shift << HIST_SUB_BITS)) << shift;
}

uint64_t hist_bucket_hi(int index)
{
    if (index < 0)
        return 0;
    if (index >= LAST)
        return UINT64_MAX;
    return hist_bucket_lo(index) + (1ull << bucket_shift(index)) - 1;
}

void hist_init(hist_t *h)
{
    /* Plain stores into the caller's fresh storage; a reset while a reader
     * copies is the owner's business (the recorder swaps, then resets). */
    for (int i = 0; i < HIST_BUCKETS; i++)
        st(&h->buckets[i], 0);
    st(&h->count, 0);
    st(&h->sum_ns, 0);
    st(&h->min_ns, UINT64_MAX);
    st(&h->max_ns, 0);
}

void hist_reset(hist_t *h)
{
    hist_init(h);
}

void hist_record(hist_t *h, uint64_t ns)
{
    add(&h->buckets[hist_index(ns)], 1);
    add(&h->count, 1);
    add(&h->sum_ns, ns);
    if (ns < ld(&h->min_ns))
        st(&h->min_ns, ns);
    if (ns > ld(&h->max_ns))
        st(&h->max_ns, ns);
}

void hist_record_n(hist_t *h, uint64_t ns, uint64_t n)
{
    if (n == 0)
        return;
    add(&h->buckets[hist_index(ns)], n);
    add(&h->count, n);
    add(&h->sum_ns, ns * n);
    if (ns < ld(&h->min_ns))
        st(&h->min_ns, ns);
    if (ns > ld(&h->max_ns))
        st(&h->max_ns, ns);
}

void hist_merge(hist_t *dst, const hist_t *src)
{
    for (int i = 0; i < HIST_BUCKETS; i++)
        add(&dst->buckets[i], ld(&src->buckets[i]));
    add(&dst->count, ld(&src->count));
    add(&dst->sum_ns, ld(&src->sum_ns));
    uint64_t mn = ld(&src->min_ns), mx = ld(&src->max_ns);
    if (mn < ld(&dst->min_ns))
        st(&dst->min_ns, mn);
    if (mx > ld(&dst->max_ns))
        st(&dst->max_ns, mx);
}

void hist_copy(hist_t *dst, const hist_t *src)
{
    for (int i = 0; i < HIST_BUCKETS; i++)
        st(&dst->buckets[i], ld(&src->buckets[i]));
    st(&dst->count, ld(&src->count));
    st(&dst->sum_ns, ld(&src->sum_ns));
    st(&dst->min_ns, ld(&src->min_ns));
    st(&dst->max_ns, ld(&src->max_ns));
}

/* Counters only grow, so now >= before in every field of two snapshots taken
 * in that order; saturate anyway, so a histogram reset between the two gives
 * zeros rather than 2^64-ish garbage. */
static uint64_t sub_sat(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

void hist_diff(hist_t *dst, const hist_t *now, const hist_t *before)
{
    int lowest = -1, highest = -1;
    for (int i = 0; i < HIST_BUCKETS; i++) {
        uint64_t c = sub_sat(ld(&now->buckets[i]), ld(&before->buckets[i]));
        st(&dst->buckets[i], c);
        if (c) {
            if (lowest < 0)
                lowest = i;
            highest = i;
        }
    }
    st(&dst->count, sub_sat(ld(&now->count), ld(&before->count)));
    st(&dst->sum_ns, sub_sat(ld(&now->sum_ns), ld(&before->sum_ns)));

    /* The interval's exact extremes are lost; its buckets bound them, and
     * now's exact min/max (over all time) bound them too, which makes the
     * answer exact whenever the interval holds the all-time extreme. */
    if (lowest < 0) {
        st(&dst->min_ns, UINT64_MAX);
        st(&dst->max_ns, 0);
        return;
    }
    uint64_t mn = hist_bucket_lo(lowest), mx = hist_bucket_hi(highest);
    uint64_t now_mn = ld(&now->min_ns), now_mx = ld(&now->max_ns);
    st(&dst->min_ns, mn > now_mn ? mn : now_mn);
    st(&dst->max_ns, mx < now_mx ? mx : now_mx);
}

uint64_t hist_count(const hist_t *h)
{
    return ld(&h->count);
}

uint64_t hist_min(const hist_t *h)
{
    return ld(&h->count) ? ld(&h->min_ns) : 0;
}

uint64_t hist_max(const hist_t *h)
{
    return ld(&h->count) ? ld(&h->max_ns) : 0;
}

double hist_mean(const hist_t *h)
{
    uint64_t n = ld(&h->count);
    return n ? (double)ld(&h->sum_ns) / (double)n : 0.0;
}

uint64_t hist_percentile(const hist_t *h, double p)
{
    uint64_t n = ld(&h->count);
    if (n == 0)
        return 0;
    uint64_t mn = ld(&h->min_ns), mx = ld(&h->max_ns);
    if (!(p > 0.0))            /* also catches NaN */
        return mn;
    if (p >= 100.0)
        return mx;

    /* p * n first: for decimal p like 99.9, p / 100 * n lands a hair above
     * an integer (and ceil goes one rank too far) far more often. */
    double r = ceil(p * (double)n / 100.0);
    uint64_t rank = r < 1.0 ? 1 : r >= (double)n ? n : (uint64_t)r;

    uint64_t seen = 0;
    for (int i = 0; i < HIST_BUCKETS; i++) {
        seen += ld(&h->buckets[i]);
        if (seen >= rank) {
            uint64_t lo = hist_bucket_lo(i), hi = hist_bucket_hi(i);
            uint64_t mid = lo + (hi - lo + 1) / 2;   /* lo > 0 when hi = max */
            return mid < mn ? mn : mid > mx ? mx : mid;
        }
    }
    /* A copy taken mid-record can count a value its buckets don't show yet. */
    return mx;
}
