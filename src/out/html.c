/* html.c - the HTML report: one file, no network needed to open it.
 *
 * The page is drawn in the browser by web/src/report.js from the result
 * JSON, embedded as it is: the charts come from uPlot, inlined with our
 * scripts (page.c), so the report reads the same numbers as the result
 * file, and what a reader sees can be checked against that file.
 */
#include "surge.h"

#include <string.h>

#include "out/page.h"

typedef struct seed_text {
    const char *p;
    size_t len;
} seed_text;

/* The seed may exceed 2^53, past what JavaScript's JSON.parse keeps: its
 * digits go to the page apart, so the report shows the seed that repeats
 * the run. */
static void find_seed(const char *key, size_t keylen, const char *v, size_t vlen, void *user)
{
    seed_text *seed = user;
    if (keylen != 4 || memcmp(key, "seed", 4) != 0 || vlen == 0 || vlen > 20)
        return;
    for (size_t i = 0; i < vlen; i++)
        if (v[i] < '0' || v[i] > '9')
            return;
    seed->p = v;
    seed->len = vlen;
}

int surge_report_html(const char *result_json, FILE *out, char *err, size_t errlen)
{
    seed_text seed = { 0 };
    if (page_report_check(result_json, "result", find_seed, &seed, err, errlen) != 0)
        return -1;
    char attrs[40] = "";   /* the seed is at most 20 digits */
    if (seed.p)
        snprintf(attrs, sizeof attrs, " data-seed=\"%.*s\"", (int)seed.len, seed.p);
    return page_report(out, "surge report", "surge-result", attrs, result_json, &web_report_js, err, errlen);
}
