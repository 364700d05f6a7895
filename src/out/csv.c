/* csv.c - the history as CSV, one line per sample, written while running.
 *
 * Columns are documented in docs/result.md. Every field is a number, so
 * nothing needs quoting. A value that is not known (not finite) is left
 * empty rather than written as "nan", which spreadsheets and pandas read as
 * text or as a string, not as a missing value.
 */
#include "surge.h"

#include <inttypes.h>
#include <math.h>

#include "out/fmt.h"

void surge_csv_header(FILE *out)
{
    fputs("t,length,target_rate,actual_rate,ok,failed,late,"
          "p50_ms,p95_ms,p99_ms,max_ms,mean_ms,phase\n", out);
    fflush(out);
}

/* One decimal field and its comma. Three decimals: a millisecond to the
 * microsecond, a rate to a thousandth of an operation per second. */
static void field(FILE *out, double v)
{
    if (isfinite(v)) {
        char buf[48];
        snprintf(buf, sizeof buf, "%.3f", v);
        fmt_c_decimal(buf);
        fputs(buf, out);
    }
    fputc(',', out);
}

void surge_csv_sample(const surge_sample *s, FILE *out)
{
    field(out, s->t);
    field(out, s->length);
    field(out, s->target_rate);
    field(out, s->actual_rate);
    fprintf(out, "%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",", s->ok, s->failed, s->late);
    field(out, s->p50_ms);
    field(out, s->p95_ms);
    field(out, s->p99_ms);
    field(out, s->max_ms);
    field(out, s->mean_ms);
    fprintf(out, "%d\n", s->phase);
    /* Streamed while the run goes on: someone may be tailing the file, and
     * a killed run should still leave every sample taken so far. */
    fflush(out);
}
