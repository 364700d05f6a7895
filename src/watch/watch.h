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
 * cgroup's memory.max when it has one. A cmd: source's numbers are the
 * command's, of the machine it measures.
 *
 * A watch belongs to one thread. A reading of pid:, cgroup: or host reads
 * a few files under /proc or /sys (pid: three or four per process of the
 * tree); one of cmd: runs the command and waits for it, at most 2 s (then
 * kills it), so call it from a thread that may wait that long.
 * docs/watch.md is the user's guide. */
#ifndef SURGE_WATCH_H
#define SURGE_WATCH_H

#include <stdbool.h>
#include <stddef.h>

typedef struct watch watch;

typedef struct watch_reading {
    double cpu_pct;          /* since the previous reading; NAN for the first (no interval yet),
                                except cmd:, whose every reading is the command's own figure */
    double mem_pct;          /* now; NAN when the source gives none */
    double mem_bytes;        /* now; NAN when unknown */
} watch_reading;

/* NULL with a one-line message for a malformed spec or a source that is
 * not there (no such pid, no such cgroup, a command that cannot run). A
 * cmd: command is run once here, so one that fails or prints something
 * else than numbers is refused before the run starts. */
watch *watch_open(const char *spec, char *err, size_t errlen);

/* Take a reading. -1 with a message when the source has gone away (the
 * process exited) or the command failed; the next call may succeed. */
int watch_read(watch *w, watch_reading *out, char *err, size_t errlen);

/* For people: "pid 1234 (postgres) and its descendants; CPU in % of all 2
 * cores ...": what is watched and what the percentages are of. */
const char *watch_describe(const watch *w);

/* The cores 100% CPU stands for (this machine's, online when opened), for
 * outputs that give the number apart; 0 for cmd: (another machine's). */
int watch_cores(const watch *w);

void watch_close(watch *w);   /* NULL is a no-op */

#endif
