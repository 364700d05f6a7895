/* events.c - events as callback + JSON (see events.h). */
#include "run/events.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "out/jsonw.h"
#include "run/engine.h"

void event_emit(struct surge_gen *g, const char *type, const char *extra, const char *fmt, ...)
{
    if (!g->cfg.on_event)
        return;
    char detail[512], wall[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(wall, sizeof wall, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000000));
    double t = ((double)run_now(g) - (double)g->measure_ns) / 1e9;

    char *json = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&json, &len);
    if (!m)
        return;
    jsonw w;
    jsonw_init(&w, m, 0);
    jsonw_object(&w);
    jsonw_key(&w, "t");
    jsonw_double(&w, (double)(int64_t)(t * 1000) / 1000);
    jsonw_key(&w, "wall");
    jsonw_string(&w, wall);
    jsonw_key(&w, "type");
    jsonw_string(&w, type);
    jsonw_key(&w, "detail");
    jsonw_string(&w, detail);
    jsonw_end(&w);
    jsonw_finish(&w);   /* extra members go before the closing brace, below */
    fclose(m);
    if (!json)
        return;
    if (extra && *extra && len > 0 && json[len - 1] == '}') {
        char *more = NULL;
        if (asprintf(&more, "%.*s, %s}", (int)(len - 1), json, extra) > 0) {
            free(json);
            json = more;
        }
    }
    surge_event e = { .t = t, .wall = wall, .type = type, .detail = detail, .json = json };
    g->cfg.on_event(&e, g->cfg.user);
    free(json);
}
