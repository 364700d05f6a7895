/* watch_host.c - "host": the whole machine, from /proc/stat and
 * /proc/meminfo. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "watch/watch_int.h"

/* The aggregate "cpu" line: user nice system idle iowait irq softirq
 * steal guest guest_nice, in ticks summed over every CPU. guest and
 * guest_nice are already inside user and nice, so they are not added
 * again. Busy is everything but idle and iowait: a CPU waiting for a disk
 * could run something else. */
static int read_ticks(watch_ticks *t)
{
    char buf[512];
    if (watch_read_file("/proc/stat", buf, sizeof buf) < 0)
        return -1;
    unsigned long long v[8] = {0};
    int n = sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
                   &v[5], &v[6], &v[7]);
    if (n < 4)
        return -1;
    uint64_t total = 0;
    for (int i = 0; i < 8; i++)
        total += v[i];
    t->total = total;
    t->busy = total - v[3] - v[4];
    return 0;
}

int watch_host_open(watch *w, char *err, size_t errlen)
{
    watch_ticks t;
    if (read_ticks(&t) != 0)
        return snprintf(err, errlen, "host: cannot read the cpu line of /proc/stat"), -1;
    w->u.host.last_pct = NAN;
    char mem[32];
    snprintf(w->desc, sizeof w->desc,
             "this host; CPU in %% of all %d cores (100 = every core busy; idle and iowait are not busy), "
             "memory in use (MemTotal - MemAvailable) in %% of %s",
             w->cores, watch_fmt_bytes(w->mem_total, mem, sizeof mem));
    return 0;
}

int watch_host_read(watch *w, watch_reading *out, char *err, size_t errlen)
{
    watch_ticks now, *last = &w->u.host.last;
    double total, used;
    if (read_ticks(&now) != 0 || watch_meminfo(&total, &used) != 0)
        return snprintf(err, errlen, "host: cannot read /proc/stat or /proc/meminfo"), -1;
    /* Counters only grow, but iowait has been seen to step back on some
     * kernels: a step back counts as nothing. With no tick since the last
     * reading (two calls within a few ms) there is no new interval: give
     * the last figure and keep measuring from the same start. */
    if (!w->u.host.primed) {
        *last = now;
        w->u.host.primed = true;
    } else if (now.total > last->total) {
        uint64_t dt = now.total - last->total;
        uint64_t db = now.busy > last->busy ? now.busy - last->busy : 0;
        double pct = 100.0 * (double)db / (double)dt;
        w->u.host.last_pct = pct > 100 ? 100 : pct;
        *last = now;
    }
    out->cpu_pct = w->u.host.last_pct;
    out->mem_bytes = used;
    out->mem_pct = 100.0 * used / total;
    return 0;
}
