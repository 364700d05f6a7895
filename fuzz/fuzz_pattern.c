/* fuzz_pattern.c - libFuzzer target: any bytes through the pattern parser,
 * and every pattern that parses through the evaluator, with its invariants
 * checked (abort() on a violation so the fuzzer keeps the input):
 *   - a failed parse names a column inside the input (or just after it);
 *   - rates are finite, >= 0 and never above the peak;
 *   - C(t) is finite, >= 0 and monotone;
 *   - pat_time_at(pat_count(t)) <= t (the smallest t reaching that count),
 *     and C(pat_time_at(c)) ~ c;
 *   - the preview (JSON) runs on it without tripping the sanitizers.
 * Tolerances are relative: rounding at 1e9 operations is not a bug.
 */
#include "core/pattern.h"
#include "out/plan.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_pattern(const pat_t *p)
{
    double d = pat_duration(p), peak = pat_peak(p);
    if (!(d > 0) || !(peak >= 0) || !isfinite(peak) || pat_nphases(p) < 1)
        abort();
    double end = isfinite(d) ? d : 1e4;
    static const double at[] = { 0, 1e-7, 1e-3, 0.013, 0.1, 0.25, 0.37, 0.5, 0.61, 0.75, 0.9, 0.999, 1, 1.5 };
    double last_c = 0;
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        double t = end * at[i], r = pat_rate(p, t), c = pat_count(p, t);
        if (!(r >= 0) || r > peak * (1 + 1e-9) + 1e-9)
            abort();
        if (!(c >= 0) || !isfinite(c) || c < last_c - 1e-9 * (1 + last_c))
            abort();
        last_c = c;
        /* Later than t only where C is flat to its last bits without being
         * zero: next to a point where a sine touches 0, C moves by less than
         * its rounding for a while. A stretch at rate exactly 0 (a pause, a
         * clamped sine's trough) must never be jumped over. */
        double back = pat_time_at(p, c);
        if (!(back <= t + 1e-6 + 1e-9 * t) &&
            (pat_count(p, back) > c + 1e-12 * (1 + c) || pat_rate(p, 0.5 * (t + back)) == 0))
            abort();
        if (c > 0 && fabs(pat_count(p, back) - c) > 1e-6 * (1 + c))
            abort();
        int ph = pat_phase_at(p, t);
        if (ph < 0 || ph >= pat_nphases(p))
            abort();
    }
    for (int i = 1; i < pat_nphases(p); i++)
        if (!(pat_phase_get(p, i)->start >= pat_phase_get(p, i - 1)->start))
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    char *expr = malloc(size + 1);
    if (!expr)
        return 0;
    memcpy(expr, data, size);
    expr[size] = '\0';   /* inputs may hold NULs: the parser sees the first part */
    pat_error err;
    pat_t *p = pat_parse(expr, &err);
    if (!p) {
        if (err.column < 1 || (size_t)err.column > strlen(expr) + 1 || !err.msg[0] ||
            !memchr(err.msg, '\0', sizeof err.msg))
            abort();
        if (devnull)
            pat_error_print(&err, "pattern", expr, devnull);
    } else {
        check_pattern(p);
        if (devnull)
            plan_print_json(p, 0, devnull);
    }
    pat_free(p);
    free(expr);
    return 0;
}
