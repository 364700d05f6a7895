/* events.c - events as callback + JSON (see events.h). */
#include "run/events.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "run/engine.h"

void event_vtell(surge_event_fn fn, void *user, double t, const char *type, event_members_fn more, const void *arg,
                 const char *extra, const char *fmt, va_list ap)
{
    if (!fn)
        return;
    char detail[512], wall[64];
    vsnprintf(detail, sizeof detail, fmt, ap);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(wall, sizeof wall, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000000));

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
    if (more)
        more(&w, arg);
    jsonw_end(&w);
    int rc = jsonw_finish(&w);   /* extra members go before the closing brace, below */
    if (fclose(m) != 0 || rc != 0 || !json) {
        free(json);
        return;
    }
    if (extra && *extra && len > 0 && json[len - 1] == '}') {
        char *with = NULL;
        if (asprintf(&with, "%.*s, %s}", (int)(len - 1), json, extra) > 0) {
            free(json);
            json = with;
        }
    }
    surge_event e = { .t = t, .wall = wall, .type = type, .detail = detail, .json = json };
    fn(&e, user);
    free(json);
}

void event_emit(struct surge_gen *g, const char *type, const char *extra, const char *fmt, ...)
{
    double t = ((double)run_now(g) - (double)g->measure_ns) / 1e9;
    va_list ap;
    va_start(ap, fmt);
    event_vtell(g->cfg.on_event, g->cfg.user, t, type, NULL, NULL, extra, fmt, ap);
    va_end(ap);
}
