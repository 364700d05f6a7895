/* watch_int.h - what the sources of a watch share (watch.c dispatches to
 * watch_pid.c, watch_host.c, watch_cgroup.c and watch_cmd.c). Not for
 * other modules: they use watch.h. */
#ifndef SURGE_WATCH_INT_H
#define SURGE_WATCH_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/argv.h"
#include "watch/proc.h"
#include "watch/watch.h"

#define WATCH_CMD_MAX_ARGS 64

typedef enum watch_kind { WATCH_PID, WATCH_HOST, WATCH_CGROUP, WATCH_CMD } watch_kind;

/* CPU ticks of the whole machine from /proc/stat's first line. */
typedef struct watch_ticks {
    uint64_t busy, total;
} watch_ticks;

struct watch {
    watch_kind kind;
    int cores;               /* online when opened: the 100% of every CPU figure */
    double mem_total;        /* MemTotal in bytes, when opened */
    char desc[512];          /* watch_describe */
    union {
        struct {
            pid_t pid;
            unsigned long long start;   /* its start time (ticks since boot): a reused pid is not it */
            cpu_meter meter;            /* percent of one core */
        } pid;
        struct {
            watch_ticks last;
            bool primed;
            double last_pct;            /* given again when no tick passed since the previous reading */
        } host;
        struct {
            char dir[PATH_MAX];
            bool root;                  /* the hierarchy's root: no memory.current, the host's memory */
            uint64_t last_usec, last_ns;
            bool primed;
        } cg;
        struct {
            char *line;                 /* argv points into it */
            char *argv[WATCH_CMD_MAX_ARGS];
        } cmd;
    } u;
};

/* Each source: open fills its part of w and w->desc (kind, cores and
 * mem_total are set); read fills every field of out. Both return 0, or -1
 * with a one-line message. */
int watch_pid_open(watch *w, pid_t pid, char *err, size_t errlen);
int watch_pid_read(watch *w, watch_reading *out, char *err, size_t errlen);
int watch_host_open(watch *w, char *err, size_t errlen);
int watch_host_read(watch *w, watch_reading *out, char *err, size_t errlen);
int watch_cgroup_open(watch *w, const char *path, char *err, size_t errlen);
int watch_cgroup_read(watch *w, watch_reading *out, char *err, size_t errlen);
int watch_cmd_open(watch *w, const char *command, char *err, size_t errlen);
int watch_cmd_read(watch *w, watch_reading *out, char *err, size_t errlen);
void watch_cmd_fini(watch *w);

/* Helpers of watch.c. */
uint64_t watch_now_ns(void);                                     /* CLOCK_MONOTONIC */
ssize_t watch_read_file(const char *path, char *buf, size_t len);   /* NUL-terminated; -1 and errno */
/* MemTotal and the memory in use (MemTotal - MemAvailable), in bytes. */
int watch_meminfo(double *total, double *used);
/* "7.8 GiB" into buf. */
const char *watch_fmt_bytes(double bytes, char *buf, size_t len);

#endif
