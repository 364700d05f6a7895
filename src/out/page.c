/* page.c - the frame of our HTML pages: head, inline CSS, inline scripts. */
#include "out/page.h"

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
