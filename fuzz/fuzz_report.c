/* fuzz_report.c - libFuzzer target: any bytes through the HTML report
 * (and so through the JSON checker, jsonv), with its promise checked
 * (abort() on a violation so the fuzzer keeps the input):
 *   - a refused input gets a one-line message that names a place;
 *   - an accepted one is a JSON object, and nothing in it ends the data
 *     element early: the page has exactly its own four "</script" and no
 *     '<' between the data's start and its end.
 */
#include "surge.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *json = malloc(size + 1);
    if (!json)
        return 0;
    memcpy(json, data, size);
    json[size] = '\0';
    char *page = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&page, &len);
    char err[512] = "";
    int rc = surge_report_html(json, out, err, sizeof err);
    fclose(out);
    if (rc != 0) {
        if (!err[0] || strchr(err, '\n'))
            abort();
    } else {
        size_t n = strspn(json, " \t\r\n");
        if (json[n] != '{')
            abort();
        int closes = 0;
        for (const char *p = page; (p = strcasestr(p, "</script")); p++)
            closes++;
        if (closes != 4)
            abort();
        const char *start = strstr(page, "id=\"surge-result\"");
        const char *body = start ? strchr(start, '>') : NULL;
        const char *end = body ? strstr(body, "</script>") : NULL;
        if (!end || memchr(body + 1, '<', (size_t)(end - body - 1)))
            abort();
    }
    free(page);
    free(json);
    return 0;
}
