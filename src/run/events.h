/* events.h - what happened during a run, told as it happens (surge_event in
 * surge.h): to the on_event callback, as one JSON object per event. Every
 * event comes from the reporter thread, so they arrive in order. */
#ifndef SURGE_EVENTS_H
#define SURGE_EVENTS_H

#include <stdarg.h>

#include "surge.h"
#include "out/jsonw.h"

struct surge_gen;

/* Tell the event `type`: detail is printf-style, one line for people;
 * extra is more JSON members to add ("\"k\": 1, \"m\": \"x\"", already
 * escaped) or NULL. */
void event_emit(struct surge_gen *g, const char *type, const char *extra, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Members an event adds to its JSON after t, wall, type and detail, written
 * on w; arg is the caller's. */
typedef void (*event_members_fn)(jsonw *w, const void *arg);

/* Make one event and hand it to fn(e, user): the run's events (event_emit)
 * and surge stress's own go through here, so both have the same shape.
 * t is seconds since the measured start (in the JSON to the millisecond,
 * toward zero); wall is the time now; the detail is fmt with ap. The JSON
 * is {"t", "wall", "type", "detail", what more(w, arg) writes, then extra}:
 * more and extra (members already in JSON, as for event_emit) may be NULL.
 * Nothing is told when fn is NULL or the JSON cannot be made (out of
 * memory). */
void event_vtell(surge_event_fn fn, void *user, double t, const char *type, event_members_fn more, const void *arg,
                 const char *extra, const char *fmt, va_list ap) __attribute__((format(printf, 8, 0)));

#endif
