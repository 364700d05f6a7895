/* snapshot.c - the workers' cumulative statistics merged at one moment.
 * Two snapshots a sample apart give the sample (their difference); the last
 * one gives the result. Copying is cheap next to a second of load: a few
 * histograms of 37 KB per worker. */
#include <stdlib.h>

#include "run/engine.h"

snapshot *snapshot_new(int nops)
{
    snapshot *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->nops = nops;
    s->ok = calloc((size_t)nops, sizeof *s->ok);
    s->failed = calloc((size_t)nops, sizeof *s->failed);
    s->warmup_ok = calloc((size_t)nops, sizeof *s->warmup_ok);
    s->lat = calloc((size_t)nops, sizeof *s->lat);
    s->svc = calloc((size_t)nops, sizeof *s->svc);
    if (!s->ok || !s->failed || !s->warmup_ok || !s->lat || !s->svc) {
        snapshot_free(s);
        return NULL;
    }
    snapshot_clear(s);
    return s;
}

void snapshot_free(snapshot *s)
{
    if (!s)
        return;
    free(s->ok);
    free(s->failed);
    free(s->warmup_ok);
    free(s->lat);
    free(s->svc);
    free(s);
}

void snapshot_clear(snapshot *s)
{
    for (int i = 0; i < s->nops; i++) {
        s->ok[i] = s->failed[i] = s->warmup_ok[i] = 0;
        hist_init(&s->lat[i]);
        hist_init(&s->svc[i]);
    }
    hist_init(&s->all_lat);
    hist_init(&s->all_svc);
    hist_init(&s->lag);
    s->late = s->retries = s->warmup_dropped = s->unsent = s->capped = 0;
}

void snapshot_add_worker(snapshot *s, const wstats *w)
{
    for (int i = 0; i < s->nops; i++) {
        s->ok[i] += counter_get(&w->ops[i].ok);
        s->failed[i] += counter_get(&w->ops[i].failed);
        s->warmup_ok[i] += counter_get(&w->ops[i].warmup_ok);
        hist_merge(&s->lat[i], &w->ops[i].lat);
        hist_merge(&s->svc[i], &w->ops[i].svc);
        hist_merge(&s->all_lat, &w->ops[i].lat);
        hist_merge(&s->all_svc, &w->ops[i].svc);
    }
    hist_merge(&s->lag, &w->lag);
    s->late += counter_get(&w->late);
    s->retries += counter_get(&w->retries);
    s->warmup_dropped += counter_get(&w->warmup_dropped);
    s->unsent += counter_get(&w->unsent);
    s->capped += counter_get(&w->capped);
}
