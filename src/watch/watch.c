/* watch.c - which source a spec names, and the dispatch to it (see watch.h).
 * The sources are in watch_pid.c, watch_host.c, watch_cgroup.c and
 * watch_cmd.c. */
#include "watch/watch.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "watch/watch_int.h"

#define PID_MAX_LIMIT 4194304   /* the kernel's ceiling for /proc/sys/kernel/pid_max */

static const char sources[] = "expected pid:N, cgroup:PATH, host or cmd:COMMAND";

uint64_t watch_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

ssize_t watch_read_file(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t n = 0;
    while (n < len - 1) {   /* /proc and /sys files come whole from the first read; others may not */
        ssize_t got = read(fd, buf + n, len - 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    buf[n] = '\0';
    return (ssize_t)n;
}

int watch_meminfo(double *total, double *used)
{
    char buf[8192];
    if (watch_read_file("/proc/meminfo", buf, sizeof buf) < 0)
        return -1;
    /* MemAvailable (Linux 3.14+) is the kernel's estimate of what could
     * be given to programs without swapping: free memory plus the page
     * cache and slab it can reclaim. */
    double t = NAN, avail = NAN;
    for (char *line = buf, *nl; line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        unsigned long long kb;
        if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
            t = (double)kb * 1024;
        else if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
            avail = (double)kb * 1024;
    }
    if (!(t > 0) || isnan(avail))
        return -1;
    *total = t;
    *used = t > avail ? t - avail : 0;
    return 0;
}

const char *watch_fmt_bytes(double bytes, char *buf, size_t len)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4)
        bytes /= 1024, u++;
    snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", bytes, unit[u]);
    return buf;
}

/* "pid:N": a whole positive number within the kernel's limit. */
static int parse_pid(const char *s, pid_t *pid)
{
    if (*s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*end || errno || v < 1 || v > PID_MAX_LIMIT)
        return -1;
    *pid = (pid_t)v;
    return 0;
}

watch *watch_open(const char *spec, char *err, size_t errlen)
{
    if (!spec || !*spec)
        return snprintf(err, errlen, "empty watch source: %s", sources), NULL;
    watch *w = calloc(1, sizeof *w);
    if (!w)
        return snprintf(err, errlen, "out of memory"), NULL;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    w->cores = cores > 0 ? (int)cores : 1;
    double used;
    if (watch_meminfo(&w->mem_total, &used) != 0) {
        snprintf(err, errlen, "%s: cannot read MemTotal and MemAvailable from /proc/meminfo", spec);
        free(w);
        return NULL;
    }

    int rc;
    if (strncmp(spec, "pid:", 4) == 0) {
        pid_t pid;
        w->kind = WATCH_PID;
        if (parse_pid(spec + 4, &pid) != 0)
            rc = -1, snprintf(err, errlen, "%s: expected a process id (1..%d) after 'pid:', got '%s'",
                              spec, PID_MAX_LIMIT, spec + 4);
        else
            rc = watch_pid_open(w, pid, err, errlen);
    } else if (strcmp(spec, "host") == 0) {
        w->kind = WATCH_HOST;
        rc = watch_host_open(w, err, errlen);
    } else if (strncmp(spec, "cgroup:", 7) == 0) {
        w->kind = WATCH_CGROUP;
        if (!spec[7])
            rc = -1, snprintf(err, errlen, "cgroup: expected a cgroup's path after 'cgroup:' (e.g. "
                                           "cgroup:system.slice/postgresql.service)");
        else
            rc = watch_cgroup_open(w, spec + 7, err, errlen);
    } else if (strncmp(spec, "cmd:", 4) == 0) {
        w->kind = WATCH_CMD;
        rc = watch_cmd_open(w, spec + 4, err, errlen);
    } else {
        rc = -1;
        snprintf(err, errlen, "unknown watch source '%s': %s", spec, sources);
    }
    if (rc != 0) {
        watch_close(w);
        return NULL;
    }
    return w;
}

int watch_read(watch *w, watch_reading *out, char *err, size_t errlen)
{
    out->cpu_pct = out->mem_pct = out->mem_bytes = NAN;
    switch (w->kind) {
    case WATCH_PID:
        return watch_pid_read(w, out, err, errlen);
    case WATCH_HOST:
        return watch_host_read(w, out, err, errlen);
    case WATCH_CGROUP:
        return watch_cgroup_read(w, out, err, errlen);
    case WATCH_CMD:
        return watch_cmd_read(w, out, err, errlen);
    }
    return snprintf(err, errlen, "watch: unknown source"), -1;
}

const char *watch_describe(const watch *w)
{
    return w->desc;
}

int watch_cores(const watch *w)
{
    return w->kind == WATCH_CMD ? 0 : w->cores;
}

void watch_close(watch *w)
{
    if (!w)
        return;
    if (w->kind == WATCH_CMD)
        watch_cmd_fini(w);
    free(w);
}
