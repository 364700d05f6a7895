/* events.h - what happened during a run, told as it happens (surge_event in
 * surge.h): to the on_event callback, as one JSON object per event. Every
 * event comes from the reporter thread, so they arrive in order. */
#ifndef SURGE_EVENTS_H
#define SURGE_EVENTS_H

struct surge_gen;

/* Tell the event `type`: detail is printf-style, one line for people;
 * extra is more JSON members to add ("\"k\": 1, \"m\": \"x\"", already
 * escaped) or NULL. */
void event_emit(struct surge_gen *g, const char *type, const char *extra, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
