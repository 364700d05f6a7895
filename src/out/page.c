/* page.c - the frame of our HTML pages: head, inline CSS, inline scripts. */
#include "out/page.h"

#include <errno.h>
#include <string.h>

/* A report needs nothing from anywhere: a policy that says so, so that
 * neither a bug of ours nor a string in the data can make it load a thing. */
#define REPORT_CSP "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"

void page_escape(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':  fputs("&amp;", out); break;
        case '<':  fputs("&lt;", out); break;
        case '>':  fputs("&gt;", out); break;
        case '"':  fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:   fputc(*s, out);
        }
    }
}

static void asset(FILE *out, const web_asset *a)
{
    fwrite(a->data, 1, a->len, out);
}

void page_begin(FILE *out, const char *title, const char *csp)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n", out);
    if (csp) {
        fputs("<meta http-equiv=\"Content-Security-Policy\" content=\"", out);
        page_escape(out, csp);
        fputs("\">\n", out);
    }
    fputs("<title>", out);
    page_escape(out, title);
    fputs("</title>\n<style>\n", out);
    asset(out, &web_uplot_css);
    fputs("\n</style>\n<style>\n", out);
    asset(out, &web_surge_css);
    fputs("\n</style>\n</head>\n<body>\n<main id=\"app\"></main>\n", out);
}

void page_end(FILE *out, const web_asset *app)
{
    /* uPlot is MIT-licensed: its notice travels with every copy. */
    fputs("<script>\n/*\n", out);
    asset(out, &web_uplot_license);
    fputs("*/\n", out);
    asset(out, &web_uplot_js);
    fputs("\n</script>\n<script>\n", out);
    asset(out, &web_common_js);
    fputs("\n</script>\n<script>\n", out);
    asset(out, app);
    fputs("\n</script>\n</body>\n</html>\n", out);
}

int page_report_check(const char *json, const char *what, jsonv_member_fn on_member, void *user, char *err,
                      size_t errlen)
{
    if (!json) {
        snprintf(err, errlen, "no %s given", what);
        return -1;
    }
    char why[256];
    jsonv_type type;
    if (jsonv_check(json, strlen(json), &type, on_member, user, why, sizeof why) != 0) {
        snprintf(err, errlen, "not valid JSON: %s", why);
        return -1;
    }
    if (type != JSONV_OBJECT) {
        snprintf(err, errlen, "expected a surge %s (a JSON object), got %s", what, jsonv_type_name(type));
        return -1;
    }
    return 0;
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

int page_report(FILE *out, const char *title, const char *data_id, const char *attrs, const char *json,
                const web_asset *app, char *err, size_t errlen)
{
    page_begin(out, title, REPORT_CSP);
    fputs("<script type=\"application/json\" id=\"", out);
    page_escape(out, data_id);
    fputc('"', out);
    if (attrs)
        fputs(attrs, out);
    fputc('>', out);
    embed_json(out, json);
    fputs("</script>\n", out);
    page_end(out, app);
    if (fflush(out) != 0 || ferror(out)) {
        snprintf(err, errlen, "writing the report failed: %s", strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}
