/* proc.h - CPU and memory of a process tree, from /proc.
 *
 * A server (or a consumer) is often many processes: a parent and the
 * children it forks. Its CPU is the sum over the tree, read from each
 * process's /proc/PID/stat (utime + stime, plus cutime + cstime: the
 * children it has already reaped), and its memory the resident memory of
 * the tree with shared pages counted once (see proc.c). */
#ifndef SURGE_WATCH_PROC_H
#define SURGE_WATCH_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct proc_usage {
    double cpu_s;          /* CPU seconds used so far (user + system), the whole tree */
    double rss_bytes;      /* resident memory now, the whole tree */
    int nprocs;            /* processes in the tree; 0 when the root is gone */
} proc_usage;

/* Read the tree rooted at `root` now. -1 when the root no longer exists. */
int proc_tree_usage(pid_t root, proc_usage *out);

/* CPU% between two readings: 100 = one core busy for the whole time. */
typedef struct cpu_meter {
    double last_cpu_s;
    uint64_t last_ns;      /* CLOCK_MONOTONIC */
    bool primed;
} cpu_meter;

/* Feed a reading taken at now_ns; the CPU% since the previous one (NAN for the first). */
double cpu_meter_pct(cpu_meter *m, double cpu_s, uint64_t now_ns);

#endif
