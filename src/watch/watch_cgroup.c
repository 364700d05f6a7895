/* watch_cgroup.c - "cgroup:PATH": a cgroup v2 directory (a systemd
 * service, a container): cpu.stat's usage_usec, memory.current, and
 * memory.max when it has a limit. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "watch/watch_int.h"

#define CGROUP_MOUNT "/sys/fs/cgroup"

static bool is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The root of a hierarchy is a mount point: its parent is on another
 * device (or is itself, for "/"). */
static bool is_mount_point(const char *dir)
{
    char up[PATH_MAX + 4];
    struct stat a, b;
    snprintf(up, sizeof up, "%s/..", dir);
    if (stat(dir, &a) != 0 || stat(up, &b) != 0)
        return false;
    return a.st_dev != b.st_dev || a.st_ino == b.st_ino;
}

static int read_file_in(const char *dir, const char *name, char *buf, size_t len)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return watch_read_file(path, buf, len) < 0 ? -1 : 0;
}

/* CPU microseconds used by every process in the cgroup and below, since
 * it was created. */
static int read_usage(const char *dir, uint64_t *usec)
{
    char buf[2048];
    if (read_file_in(dir, "cpu.stat", buf, sizeof buf) != 0)
        return -1;
    for (char *line = buf, *nl; line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        unsigned long long v;
        if (sscanf(line, "usage_usec %llu", &v) == 1)
            return *usec = v, 0;
    }
    return -1;
}

/* A file holding one number, or "max" (*v = 0, *is_max = true). */
static int read_number(const char *dir, const char *name, uint64_t *v, bool *is_max)
{
    char buf[64], *end;
    if (read_file_in(dir, name, buf, sizeof buf) != 0)
        return -1;
    *is_max = strncmp(buf, "max", 3) == 0;
    if (*is_max)
        return *v = 0, 0;
    errno = 0;
    unsigned long long n = strtoull(buf, &end, 10);
    if (end == buf || errno || (*end && *end != '\n'))
        return -1;
    *v = n;
    return 0;
}

/* The limit memory_pct is of: memory.max, or the machine when it has none
 * (or one above the machine's memory). */
static double mem_limit(const watch *w, bool *limited)
{
    uint64_t max;
    bool is_max;
    *limited = false;
    if (w->u.cg.root || read_number(w->u.cg.dir, "memory.max", &max, &is_max) != 0 || is_max ||
        (double)max >= w->mem_total || max == 0)
        return w->mem_total;
    *limited = true;
    return (double)max;
}

int watch_cgroup_open(watch *w, const char *path, char *err, size_t errlen)
{
    const char *given = path;
    char *dir = w->u.cg.dir;
    size_t len = sizeof w->u.cg.dir;
    /* An absolute path that is a directory is used as it is (a cgroup2
     * mounted elsewhere); otherwise, and for a relative path, the path is
     * under /sys/fs/cgroup, the way /proc/PID/cgroup and `systemctl
     * status` show it ("/system.slice/postgresql.service"). */
    if (path[0] == '/' && strcmp(path, "/") != 0 && is_dir(path)) {
        snprintf(dir, len, "%s", path);
    } else {
        if (strncmp(path, CGROUP_MOUNT, sizeof CGROUP_MOUNT - 1) == 0 &&
            (path[sizeof CGROUP_MOUNT - 1] == '/' || !path[sizeof CGROUP_MOUNT - 1]))
            path += sizeof CGROUP_MOUNT - 1;   /* already under the mount: not twice */
        while (*path == '/')
            path++;
        if (strcmp(path, ".") == 0)
            path = "";
        if (strlen(path) + sizeof CGROUP_MOUNT + 1 >= len)
            return snprintf(err, errlen, "cgroup:%.60s...: path too long", given), -1;
        snprintf(dir, len, *path ? "%s/%s" : "%s", CGROUP_MOUNT, path);
    }
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        dir[--n] = '\0';

    uint64_t usec;
    if (read_usage(dir, &usec) != 0) {
        if (strncmp(dir, CGROUP_MOUNT, sizeof CGROUP_MOUNT - 1) == 0 &&
            access(CGROUP_MOUNT "/cgroup.controllers", F_OK) != 0)
            return snprintf(err, errlen,
                            "cgroup:%s: cgroup v2 not mounted at " CGROUP_MOUNT
                            " (a cgroup v1 machine?): watch the server with pid:N, or the host",
                            given),
                   -1;
        if (!is_dir(dir))
            return snprintf(err, errlen, "cgroup:%s: no such cgroup (%s is not a directory)", given, dir), -1;
        return snprintf(err, errlen, "cgroup:%s: %s has no cpu.stat with usage_usec: not a cgroup v2 directory",
                        given, dir),
               -1;
    }
    /* The root of the hierarchy has no memory.current: its memory is the
     * host's. (Inside a container's cgroup namespace, the mount point is
     * the container's cgroup, which has one.) */
    uint64_t cur;
    bool is_max;
    bool has_mem = read_number(dir, "memory.current", &cur, &is_max) == 0;
    w->u.cg.root = !has_mem && is_mount_point(dir);
    if (!has_mem && !w->u.cg.root)
        return snprintf(err, errlen,
                        "cgroup:%s: %s has no memory.current: the memory controller is not enabled for it "
                        "(add +memory to its parent's cgroup.subtree_control)",
                        given, dir),
               -1;

    bool limited;
    double limit = mem_limit(w, &limited);
    char mem[32];
    watch_fmt_bytes(limit, mem, sizeof mem);
    snprintf(w->desc, sizeof w->desc,
             "cgroup %s%s; CPU in %% of all %d cores of this machine (100 = every core busy), memory in %% of %s%s",
             dir, w->u.cg.root ? " (the root: the whole host)" : "", w->cores,
             limited ? "its memory.max, " : "this machine's ", mem);
    return 0;
}

int watch_cgroup_read(watch *w, watch_reading *out, char *err, size_t errlen)
{
    const char *dir = w->u.cg.dir;
    uint64_t usec, now = watch_now_ns();
    if (read_usage(dir, &usec) != 0)
        return snprintf(err, errlen, "cgroup %s is gone (no cpu.stat)", dir), -1;
    if (w->u.cg.primed && now > w->u.cg.last_ns) {
        /* A cgroup removed and made again starts from zero: a step back
         * counts as nothing. */
        double used = usec > w->u.cg.last_usec ? (double)(usec - w->u.cg.last_usec) * 1e3 : 0;
        double pct = 100.0 * used / ((double)(now - w->u.cg.last_ns) * w->cores);
        out->cpu_pct = pct > 100 ? 100 : pct;
    }
    w->u.cg.last_usec = usec;
    w->u.cg.last_ns = now;
    w->u.cg.primed = true;

    if (w->u.cg.root) {   /* no memory.current at the root: the host's */
        double total, used;
        if (watch_meminfo(&total, &used) != 0)
            return snprintf(err, errlen, "cgroup %s: cannot read /proc/meminfo", dir), -1;
        out->mem_bytes = used;
        out->mem_pct = 100.0 * used / total;
        return 0;
    }
    uint64_t cur;
    bool is_max, limited;
    if (read_number(dir, "memory.current", &cur, &is_max) != 0)
        return snprintf(err, errlen, "cgroup %s is gone (no memory.current)", dir), -1;
    out->mem_bytes = (double)cur;
    out->mem_pct = 100.0 * (double)cur / mem_limit(w, &limited);
    return 0;
}
