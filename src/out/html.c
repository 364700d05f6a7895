/* html.c - the HTML report: one file, no network needed to open it.
 *
 * The page is drawn in the browser by web/src/report.js from the result
 * JSON, embedded as it is: the charts come from uPlot, inlined with our
 * scripts (page.c), so the report reads the same numbers as the result
 * file, and what a reader sees can be checked against that file.
 */
#include "surge.h"

#include <errno.h>
#include <string.h>

#include "out/jsonv.h"
#include "out/page.h"

/* The report needs nothing from anywhere: a policy that says so, so that
 * neither a bug of ours nor a string in the data can make it load a thing. */
#define REPORT_CSP "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"

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

/* JSON holds '<' only inside strings, where "\u003c" means the same: no
 * "</script>" (nor "<!--") in the data can end the element early. */
static void embed_json(FILE *out, const char *json)
{
    for (const char *p = json; *p;) {
        size_t n = strcspn(p, "<");
        fwrite(p, 1, n, out);
        p += n;
        if (*p == '<') {
            fputs("\\u003c", out);
            p++;
        }
    }
}

int surge_report_html(const char *result_json, FILE *out, char *err, size_t errlen)
{
    if (!result_json) {
        snprintf(err, errlen, "no result given");
        return -1;
    }
    char why[256];
    jsonv_type type;
    seed_text seed = { 0 };
    if (jsonv_check(result_json, strlen(result_json), &type, find_seed, &seed, why, sizeof why) != 0) {
        snprintf(err, errlen, "not valid JSON: %s", why);
        return -1;
    }
    if (type != JSONV_OBJECT) {
        snprintf(err, errlen, "expected a surge result (a JSON object), got %s", jsonv_type_name(type));
        return -1;
    }

    page_begin(out, "surge report", REPORT_CSP);
    fputs("<script type=\"application/json\" id=\"surge-result\"", out);
    if (seed.p) {
        fputs(" data-seed=\"", out);
        fwrite(seed.p, 1, seed.len, out);
        fputc('"', out);
    }
    fputc('>', out);
    embed_json(out, result_json);
    fputs("</script>\n", out);
    page_end(out, &web_report_js);

    if (fflush(out) != 0 || ferror(out)) {
        snprintf(err, errlen, "writing the report failed: %s", strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}
