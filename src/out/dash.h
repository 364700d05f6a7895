/* dash.h - the dashboard's insides, shared by dashboard.c (the HTTP server),
 * dash_state.c (what it serves, copied from the live results), dash_api.c
 * (the JSON API) and prometheus.c (/metrics). Nothing here is public. */
#ifndef SURGE_DASH_H
#define SURGE_DASH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "surge.h"

#define DASH_HISTORY 3600   /* samples kept: an hour at the default interval */
#define DASH_EVENTS  200    /* events kept, newest last */

/* A deep copy of the latest live result, owned here: the generator's is
 * valid only during the callback, and the server's threads read this one
 * whenever a request comes. r.history points into hist, which keeps more
 * than the generator's own history (up to DASH_HISTORY samples). Guarded
 * by the dashboard's mutex; the writers below are called with it held. */
typedef struct dash_state {
    surge_result r;
    surge_sample *hist;         /* [DASH_HISTORY], oldest first */
    int nhist;
    char *events[DASH_EVENTS];  /* each a JSON object, oldest first */
    int nevents;
    uint64_t events_seen;
} dash_state;

/* 0, or -1 when memory for the history ran out. */
int  dash_state_init(dash_state *s);
void dash_state_fini(dash_state *s);
/* Take what is new in live: every field, and the samples newer than the
 * newest kept. A copy that fails for want of memory leaves that part empty. */
void dash_state_update(dash_state *s, const surge_result *live);
void dash_state_event(dash_state *s, const char *json);

/* The documents served; each writes one whole document to out. */
void dash_write_status(const dash_state *s, FILE *out);                 /* GET /api/status */
void dash_write_metrics(const dash_state *s, double since, FILE *out);  /* GET /api/metrics */
void dash_write_events(const dash_state *s, FILE *out);                 /* GET /api/events */
void dash_write_prometheus(const dash_state *s, FILE *out);             /* GET /metrics */

const char *dash_state_name(surge_state st);

#endif
