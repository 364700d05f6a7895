/* web_assets.h - the web files compiled into the library.
 *
 * The HTML report and the dashboard inline the same files: uPlot (from npm,
 * pinned by web/package-lock.json) and our own renderer from web/src/. The
 * build turns each into a byte array (cmake/web_assets.cmake writes
 * web_assets.c in the build tree), so the binary needs no files at run time
 * and a report opens with no network. The build refuses a file holding a
 * sequence that would end its element early ("</script", "</style").
 */
#ifndef SURGE_WEB_ASSETS_H
#define SURGE_WEB_ASSETS_H

#include <stddef.h>

typedef struct web_asset {
    const unsigned char *data;   /* followed by a NUL not counted in len */
    size_t len;
} web_asset;

extern const web_asset web_uplot_js;       /* uPlot.iife.min.js: the global uPlot */
extern const web_asset web_uplot_css;      /* uPlot.min.css */
extern const web_asset web_uplot_license;  /* uPlot's MIT licence, shipped in every page */
extern const web_asset web_common_js;      /* web/src/common.js: formatting, DOM, chart set-up */
extern const web_asset web_surge_css;      /* web/src/surge.css */
extern const web_asset web_report_js;      /* web/src/report.js: draws the report from its embedded result */
extern const web_asset web_dashboard_js;   /* web/src/dashboard.js: the live page, polling the API */

#endif
