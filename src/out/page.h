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

#include <stddef.h>
#include <stdio.h>

#include "out/jsonv.h"
#include "out/web_assets.h"

/* The head (title escaped, csp as a meta tag when not NULL, the CSS) and the
 * start of the body. */
void page_begin(FILE *out, const char *title, const char *csp);

/* The scripts, in order: uPlot (with its licence), common.js, then app;
 * and the end of the document. */
void page_end(FILE *out, const web_asset *app);

/* s as HTML text or attribute value: & < > " ' escaped. NULL writes nothing. */
void page_escape(FILE *out, const char *s);

/* The JSON a report is drawn from (a run's result, a stress's), checked
 * before anything is written: 0, or -1 with a message in err when it is
 * NULL, not JSON, or not an object. `what` names it in the message:
 * "result" gives "no result given", "expected a surge result (a JSON
 * object), got an array". on_member and user: as for jsonv_check. */
int page_report_check(const char *json, const char *what, jsonv_member_fn on_member, void *user, char *err,
                      size_t errlen);

/* A report: one page (title) that may load nothing from anywhere, with json
 * embedded as it is in <script type="application/json" id="data_id"attrs>
 * for app to draw; attrs are more attributes, written as they are (NULL:
 * none). Flushed: 0, or -1 with a message in err when writing failed. */
int page_report(FILE *out, const char *title, const char *data_id, const char *attrs, const char *json,
                const web_asset *app, char *err, size_t errlen);

#endif
