/* watch_pid.c - "pid:N": a process and all its descendants, from /proc
 * (the tree walk is proc.c's). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "watch/watch_int.h"

/* Its start time (field 22 of /proc/PID/stat, ticks since boot) tells the
 * process from a later one that was given the same pid. */
static int start_time(pid_t pid, unsigned long long *start, char *comm, size_t commlen)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (watch_read_file(path, buf, sizeof buf) < 0)
        return -1;
    char *open = strchr(buf, '('), *close = strrchr(buf, ')');
    if (!open || !close || close < open || close[1] != ' ')
        return -1;
    if (comm)
        snprintf(comm, commlen, "%.*s", (int)(close - open - 1), open + 1);
    if (sscanf(close + 2,
               "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "   /* state(3) .. cmajflt(13) */
               "%*u %*u %*d %*d %*d %*d %*d %*d %llu",          /* utime(14) .. starttime(22) */
               start) != 1)
        return -1;
    return 0;
}

int watch_pid_open(watch *w, pid_t pid, char *err, size_t errlen)
{
    char comm[64];
    if (start_time(pid, &w->u.pid.start, comm, sizeof comm) != 0)
        return snprintf(err, errlen, "pid:%d: no such process", (int)pid), -1;
    w->u.pid.pid = pid;
    char mem[32];
    snprintf(w->desc, sizeof w->desc,
             "pid %d (%s) and its descendants; CPU in %% of all %d cores of this machine "
             "(100 = every core busy), memory in %% of this machine's %s",
             (int)pid, comm, w->cores, watch_fmt_bytes(w->mem_total, mem, sizeof mem));
    return 0;
}

int watch_pid_read(watch *w, watch_reading *out, char *err, size_t errlen)
{
    pid_t pid = w->u.pid.pid;
    unsigned long long start;
    proc_usage u;
    if (start_time(pid, &start, NULL, 0) != 0 || start != w->u.pid.start || proc_tree_usage(pid, &u) != 0)
        return snprintf(err, errlen, "pid %d has exited", (int)pid), -1;
    /* proc.c's meter gives percent of one core; ours is of the machine. */
    double pct = cpu_meter_pct(&w->u.pid.meter, u.cpu_s, watch_now_ns()) / w->cores;
    out->cpu_pct = pct > 100 ? 100 : pct;   /* tick rounding can pass 100 by a hair */
    out->mem_bytes = u.rss_bytes;
    out->mem_pct = 100.0 * u.rss_bytes / w->mem_total;
    return 0;
}
