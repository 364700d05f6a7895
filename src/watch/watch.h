/* watch.h - CPU and memory of a system under load: a process tree, a
 * cgroup, the whole host, or whatever a command prints (a remote server).
 *
 *   pid:N          process N and all its descendants (/proc)
 *   cgroup:PATH    a cgroup v2 directory (cpu.stat usage_usec, memory.current;
 *                  a relative PATH is under /sys/fs/cgroup)
 *   host           the whole machine (/proc/stat, /proc/meminfo)
 *   cmd:COMMAND    a command run each reading (argv, no shell) that prints
 *                  the CPU percentage, optionally a second number: memory percent
 *
 * CPU is given as a percentage of the whole machine (every online core:
 * 100 = all of them busy), so one number means the same on any machine;
 * memory as a percentage of the machine's memory (MemTotal), or of the
 * cgroup's memory.max when it has one. */
#ifndef SURGE_WATCH_H
#define SURGE_WATCH_H

#include <stdbool.h>
#include <stddef.h>

typedef struct watch watch;

typedef struct watch_reading {
    double cpu_pct;          /* since the previous reading; NAN for the first (no interval yet) */
    double mem_pct;          /* now; NAN when the source gives none */
    double mem_bytes;        /* now; NAN when unknown */
} watch_reading;

/* NULL with a one-line message for a malformed spec or a source that is
 * not there (no such pid, no such cgroup, a command that cannot run). */
watch *watch_open(const char *spec, char *err, size_t errlen);

/* Take a reading. -1 with a message when the source has gone away (the
 * process exited) or the command failed; the next call may succeed. */
int watch_read(watch *w, watch_reading *out, char *err, size_t errlen);

/* For people: "pid 1234 (postgres) and its descendants, of 2 cores". */
const char *watch_describe(const watch *w);

void watch_close(watch *w);   /* NULL is a no-op */

#endif
