/* page.h - the frame of our HTML pages (the report and the dashboard).
 *
 * A page is one self-contained document: the CSS in <style>, uPlot and our
 * scripts in <script>, nothing loaded from anywhere. The content is drawn
 * by the page's own script (web/src/report.js or dashboard.js) into
 * <main id="app">, from data embedded between page_begin and page_end
 * (the report) or fetched from the API (the dashboard).
 */
#ifndef SURGE_PAGE_H
#define SURGE_PAGE_H

#include <stdio.h>

#include "out/web_assets.h"

/* The head (title escaped, csp as a meta tag when not NULL, the CSS) and the
 * start of the body. */
void page_begin(FILE *out, const char *title, const char *csp);

/* The scripts, in order: uPlot (with its licence), common.js, then app;
 * and the end of the document. */
void page_end(FILE *out, const web_asset *app);

/* s as HTML text or attribute value: & < > " ' escaped. NULL writes nothing. */
void page_escape(FILE *out, const char *s);

#endif
