/* test_watch.c - the watch sources against what the kernel says, read
 * here independently: a process tree the test makes (a spinning child, a
 * grandchild holding memory), the host's /proc/meminfo, a cgroup's
 * memory.current (a real one when the machine has cgroup v2, and a made-up
 * directory whose numbers the test controls), and commands. Every wait is
 * bounded in time. */
#include "watch/watch.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "watch/proc_int.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MIB    (1024.0 * 1024.0)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static int cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* MemTotal and MemTotal - MemAvailable, in bytes, read here. */
static void meminfo(double *total, double *used)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    double t = NAN, a = NAN, kb;
    while (f && fgets(line, sizeof line, f)) {
        if (sscanf(line, "MemTotal: %lf", &kb) == 1)
            t = kb * 1024;
        if (sscanf(line, "MemAvailable: %lf", &kb) == 1)
            a = kb * 1024;
    }
    if (f)
        fclose(f);
    *total = t;
    *used = t - a;
}

/* A process's time on a CPU so far, in seconds, from /proc/PID/schedstat
 * (nanoseconds, not the ticks of /proc/PID/stat the watcher reads); NAN
 * when the kernel has no schedstat. */
static double schedstat_s(pid_t pid)
{
    char path[64];
    unsigned long long ns;
    snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
    FILE *f = fopen(path, "r");
    int ok = f && fscanf(f, "%llu", &ns) == 1;
    if (f)
        fclose(f);
    return ok ? (double)ns / 1e9 : NAN;
}

/* Wait for one byte on fd, at most `s` seconds. */
static int wait_byte(int fd, double s)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    char c;
    return poll(&p, 1, (int)(s * 1000)) == 1 && read(fd, &c, 1) == 1 ? 0 : -1;
}

static volatile unsigned long spin_sink;   /* volatile: the loop is not optimized away */

static void spin_until(double end)
{
    while (now_s() < end)
        for (int i = 0; i < 10000; i++)
            spin_sink += (unsigned long)i;
}

static void kill_group(pid_t pgid)
{
    kill(-pgid, SIGKILL);
    double end = now_s() + 5;
    while (now_s() < end && waitpid(pgid, NULL, WNOHANG) == 0)
        sleep_s(0.01);
}

static bool one_line(const char *s)
{
    return *s && !strchr(s, '\n');
}

/* ---- specs -------------------------------------------------------------- */

static void test_bad_specs(void)
{
    static const struct {
        const char *spec, *err;
    } bad[] = {
        {"pid:abc", "expected a process id"},
        {"pid:0", "expected a process id"},
        {"pid:", "expected a process id"},
        {"pid:-1", "expected a process id"},
        {"pid:+5", "expected a process id"},
        {"pid: 5", "expected a process id"},
        {"pid:5x", "expected a process id"},
        {"pid:99999999", "expected a process id"},
        {"nosuch:x", "unknown watch source 'nosuch:x': expected pid:N, cgroup:PATH, host or cmd:COMMAND"},
        {"host:x", "unknown watch source"},
        {"HOST", "unknown watch source"},
        {"", "empty watch source"},
        {"cmd:", "expected a command after 'cmd:'"},
        {"cmd:  \t", "expected a command after 'cmd:'"},
        {"cmd:echo 'oops", "cmd: unterminated ' quote"},
        {"cmd:/nonexistent/surge-watch-test", "cannot run '/nonexistent/surge-watch-test': No such file"},
        {"cgroup:", "expected a cgroup's path"},
    };
    for (size_t i = 0; i < LEN(bad); i++) {
        char err[512] = "";
        watch *w = watch_open(bad[i].spec, err, sizeof err);
        CHECK(!w && strstr(err, bad[i].err) && one_line(err), "'%s': got '%s', want one line with '%s'",
              bad[i].spec, err, bad[i].err);
        watch_close(w);
    }
    char err[512] = "";
    CHECK(!watch_open(NULL, err, sizeof err) && one_line(err), "NULL: '%s'", err);
    watch_close(NULL);

    /* A pid nobody has: a child's, once it is reaped. */
    pid_t gone = fork();
    if (gone == 0)
        _exit(0);
    waitpid(gone, NULL, 0);
    char spec[32];
    snprintf(spec, sizeof spec, "pid:%d", (int)gone);
    watch *w = watch_open(spec, err, sizeof err);
    CHECK(!w && strstr(err, "no such process") && one_line(err), "%s: '%s'", spec, err);
    watch_close(w);
}

/* ---- pid: a process tree ------------------------------------------------- */

/* The CPU seconds a tree has really used so far, by the kernel's count
 * read another way than the watcher's ticks of /proc/PID/stat; NAN when
 * unknown. */
typedef double (*truth_fn)(void *ctx);

/* A spinning process's time on a CPU, from /proc/PID/schedstat (ns). */
static double spinner_truth(void *ctx)
{
    return schedstat_s(*(pid_t *)ctx);
}

/* The tree's CPU over half a second while one of its processes spins: one
 * core, so 100/cores percent of the machine. On a machine too busy to
 * give the spinner a core, against what it got: `truth` says. */
static void check_one_core(watch *w, truth_fn truth, void *ctx, const char *what)
{
    char err[256] = "";
    watch_reading r;
    double want = 100.0 / cores();
    double s0 = truth(ctx), t0 = now_s();
    CHECK(watch_read(w, &r, err, sizeof err) == 0 && isnan(r.cpu_pct), "%s: first reading: %s, cpu %g", what, err,
          r.cpu_pct);
    sleep_s(0.5);
    CHECK(watch_read(w, &r, err, sizeof err) == 0, "%s: %s", what, err);
    double s1 = truth(ctx), t1 = now_s();
    double got_core = (s1 - s0) / (t1 - t0);   /* of one core; NAN when unknown */
    if (isnan(got_core) || got_core >= 0.75)
        CHECK(fabs(r.cpu_pct - want) <= 0.25 * want, "%s: CPU %.1f%%, want %.1f%% (one of %d cores) +-25%%", what,
              r.cpu_pct, want, cores());
    else
        printf("%s: the machine is busy: the tree got %.0f%% of a core; checking against that\n", what,
               100 * got_core);
    if (!isnan(got_core))
        CHECK(fabs(r.cpu_pct - 100 * got_core / cores()) <= 0.25 * want, "%s: CPU %.1f%%, the kernel says %.1f%%",
              what, r.cpu_pct, 100 * got_core / cores());
}

static void test_pid(void)
{
    int go[2], ready[2];
    if (pipe(go) != 0 || pipe(ready) != 0) {
        CHECK(0, "pipe: %s", strerror(errno));
        return;
    }
    pid_t child = fork();
    if (child == 0) {
        setpgid(0, 0);   /* one group: the test kills it whole */
        pid_t g = fork();
        if (g == 0) {
            /* The grandchild: sleeps, then on "go" touches 50 MB and says so. */
            close(go[1]);
            if (wait_byte(go[0], 10) != 0)
                _exit(1);
            size_t n = 50 * 1024 * 1024;
            volatile char *p = malloc(n);   /* volatile: the compiler may not drop the stores */
            if (!p)
                _exit(1);
            for (size_t i = 0; i < n; i += 1024)
                p[i] = 1;
            if (write(ready[1], "r", 1) != 1)
                _exit(1);
            sleep_s(10);
            _exit(0);
        }
        if (write(ready[1], "s", 1) != 1)   /* started: spinning now */
            _exit(1);
        spin_until(now_s() + 1.5);
        sleep_s(10);
        _exit(0);
    }
    close(go[0]);
    close(ready[1]);
    setpgid(child, child);   /* either of us may get there first */
    CHECK(wait_byte(ready[0], 5) == 0, "the child did not start");

    char spec[32], err[256] = "";
    snprintf(spec, sizeof spec, "pid:%d", (int)child);
    watch *w = watch_open(spec, err, sizeof err);
    CHECK(w != NULL, "%s: %s", spec, err);
    if (w) {
        char want[64];
        snprintf(want, sizeof want, "of all %d cores", cores());
        CHECK(strstr(watch_describe(w), want) && strstr(watch_describe(w), "descendants"), "describe: %s",
              watch_describe(w));
        CHECK(watch_cores(w) == cores(), "cores %d", watch_cores(w));
        check_one_core(w, spinner_truth, &child, "spinner");

        /* The grandchild's 50 MB are the tree's. */
        watch_reading before, after;
        double total, used;
        meminfo(&total, &used);
        CHECK(watch_read(w, &before, err, sizeof err) == 0, "%s", err);
        CHECK(write(go[1], "g", 1) == 1, "go");
        CHECK(wait_byte(ready[0], 10) == 0, "the grandchild did not touch its memory");
        CHECK(watch_read(w, &after, err, sizeof err) == 0, "%s", err);
        CHECK(after.mem_bytes - before.mem_bytes >= 45 * MIB, "memory %.1f MiB -> %.1f MiB, want +45 MiB or more",
              before.mem_bytes / MIB, after.mem_bytes / MIB);
        CHECK(fabs(after.mem_pct - 100 * after.mem_bytes / total) < 1e-6 * 100, "mem_pct %g of %g bytes",
              after.mem_pct, after.mem_bytes);

        /* The two ways of finding the tree find the same one. */
        proc_usage a, b;
        CHECK(proc_tree_by_children(child, &a) == 0 && proc_tree_by_scan(child, &b) == 0, "tree walks");
        CHECK(a.nprocs == 2 && b.nprocs == 2, "%d and %d processes, want 2", a.nprocs, b.nprocs);
        CHECK(fabs(a.rss_bytes - b.rss_bytes) < 4 * MIB && a.rss_bytes >= 45 * MIB, "memory %.1f and %.1f MiB",
              a.rss_bytes / MIB, b.rss_bytes / MIB);
        CHECK(fabs(a.cpu_s - b.cpu_s) < 0.05, "CPU %.2f and %.2f s", a.cpu_s, b.cpu_s);

        kill_group(child);
        CHECK(proc_tree_by_children(child, &a) == -1 && proc_tree_by_scan(child, &b) == -1, "gone");
        watch_reading r;
        CHECK(watch_read(w, &r, err, sizeof err) == -1 && strstr(err, "has exited") && one_line(err), "gone: '%s'",
              err);
        watch_close(w);
    } else {
        kill_group(child);
    }
    close(go[1]);
    close(ready[0]);
}

/* The reaper's children so far (RUSAGE_CHILDREN), asked over a pipe:
 * it answers between two children, so within one child's 20 ms. */
typedef struct reaper {
    int ask, answer;
} reaper;

static double reaper_truth(void *ctx)
{
    reaper *r = ctx;
    char buf[64];
    struct pollfd p = {.fd = r->answer, .events = POLLIN};
    ssize_t n;
    if (write(r->ask, "?", 1) != 1 || poll(&p, 1, 2000) != 1 || (n = read(r->answer, buf, sizeof buf - 1)) <= 0)
        return NAN;
    buf[n] = '\0';
    return strtod(buf, NULL);
}

/* A tree whose CPU is all in short-lived children, each reaped by its
 * parent: their CPU must stay in the tree's sum after they go. */
static void test_pid_reaped(void)
{
    int ask[2], answer[2];
    if (pipe(ask) != 0 || pipe(answer) != 0)
        return;
    pid_t child = fork();
    if (child == 0) {
        setpgid(0, 0);
        if (write(answer[1], "s", 1) != 1)
            _exit(1);
        double end = now_s() + 1.5;
        while (now_s() < end) {
            pid_t g = fork();
            if (g == 0) {
                spin_until(now_s() + 0.02);
                _exit(0);
            }
            if (g < 0 || waitpid(g, NULL, 0) != g)
                _exit(1);
            struct pollfd p = {.fd = ask[0], .events = POLLIN};
            char c, buf[64];
            if (poll(&p, 1, 0) == 1 && read(ask[0], &c, 1) == 1) {
                struct rusage ru;
                getrusage(RUSAGE_CHILDREN, &ru);
                int n = snprintf(buf, sizeof buf, "%.6f", (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
                                                              (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
                if (write(answer[1], buf, (size_t)n) != n)
                    _exit(1);
            }
        }
        sleep_s(10);
        _exit(0);
    }
    close(ask[0]);
    close(answer[1]);
    setpgid(child, child);
    CHECK(wait_byte(answer[0], 5) == 0, "the child did not start");
    char spec[32], err[256] = "";
    snprintf(spec, sizeof spec, "pid:%d", (int)child);
    watch *w = watch_open(spec, err, sizeof err);
    CHECK(w != NULL, "%s: %s", spec, err);
    reaper r = {ask[1], answer[0]};
    if (w)
        check_one_core(w, reaper_truth, &r, "reaped children");
    kill_group(child);
    watch_close(w);
    close(ask[1]);
    close(answer[0]);
}

/* ---- host ------------------------------------------------------------- */

static void test_host(void)
{
    char err[256] = "";
    watch *w = watch_open("host", err, sizeof err);
    CHECK(w != NULL, "host: %s", err);
    if (!w)
        return;
    char want[64];
    snprintf(want, sizeof want, "of all %d cores", cores());
    CHECK(strstr(watch_describe(w), want) != NULL, "describe: %s", watch_describe(w));

    /* A child spins a core: the host is at least that busy. */
    pid_t child = fork();
    if (child == 0) {
        spin_until(now_s() + 1.0);
        _exit(0);
    }
    watch_reading r;
    CHECK(watch_read(w, &r, err, sizeof err) == 0 && isnan(r.cpu_pct), "first: %s %g", err, r.cpu_pct);
    sleep_s(0.5);
    CHECK(watch_read(w, &r, err, sizeof err) == 0, "%s", err);
    double total, used;
    meminfo(&total, &used);
    CHECK(r.cpu_pct >= 0 && r.cpu_pct <= 100, "CPU %g", r.cpu_pct);
    CHECK(r.cpu_pct >= 0.75 * 100 / cores(), "CPU %.1f%% while a child spins one of %d cores", r.cpu_pct, cores());
    CHECK(fabs(r.mem_pct - 100 * used / total) < 1.0, "mem %.2f%%, /proc/meminfo says %.2f%%", r.mem_pct,
          100 * used / total);
    CHECK(fabs(r.mem_bytes - used) < 0.01 * total, "mem %.0f bytes, /proc/meminfo says %.0f", r.mem_bytes, used);
    waitpid(child, NULL, 0);
    watch_close(w);
}

/* ---- cgroup ----------------------------------------------------------- */

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f && fputs(text, f) >= 0 && fclose(f) == 0, "write %s", path);
}

/* A directory laid out like a cgroup v2 one, with numbers the test sets. */
static void test_cgroup_fake(void)
{
    char dir[] = "/tmp/surge-watch-XXXXXX", spec[64], err[512] = "", buf[128];
    if (!mkdtemp(dir)) {
        CHECK(0, "mkdtemp: %s", strerror(errno));
        return;
    }
    snprintf(spec, sizeof spec, "cgroup:%s", dir);
    write_file(dir, "cpu.stat", "usage_usec 1000000\nuser_usec 800000\nsystem_usec 200000\n");
    write_file(dir, "memory.current", "104857600\n");
    write_file(dir, "memory.max", "209715200\n");
    watch *w = watch_open(spec, err, sizeof err);
    CHECK(w != NULL, "%s: %s", spec, err);
    if (w) {
        CHECK(strstr(watch_describe(w), "memory.max, 200.0 MiB"), "describe: %s", watch_describe(w));
        watch_reading r;
        double t0 = now_s();
        CHECK(watch_read(w, &r, err, sizeof err) == 0, "%s", err);
        double t1 = now_s();
        CHECK(isnan(r.cpu_pct) && r.mem_bytes == 100 * MIB && fabs(r.mem_pct - 50) < 1e-9,
              "first: cpu %g mem %g bytes %g%%", r.cpu_pct, r.mem_bytes, r.mem_pct);

        /* Half of every core for 0.2 s, as the kernel would count it. */
        double used_us = 0.5 * cores() * 0.2 * 1e6;
        snprintf(buf, sizeof buf, "usage_usec %.0f\n", 1e6 + used_us);
        write_file(dir, "cpu.stat", buf);
        write_file(dir, "memory.max", "max\n");
        sleep_s(0.2);
        double t2 = now_s();
        CHECK(watch_read(w, &r, err, sizeof err) == 0, "%s", err);
        double t3 = now_s();
        /* The watcher's interval is inside [t2 - t1, t3 - t0]. */
        double lo = 100 * used_us / ((t3 - t0) * 1e6 * cores()), hi = 100 * used_us / ((t2 - t1) * 1e6 * cores());
        CHECK(r.cpu_pct >= lo - 1e-9 && r.cpu_pct <= hi + 1e-9, "CPU %g%%, want %g..%g", r.cpu_pct, lo, hi);
        double total, used;
        meminfo(&total, &used);
        CHECK(fabs(r.mem_pct - 100 * 100 * MIB / total) < 1e-9, "no memory.max: %g%% of the machine", r.mem_pct);

        /* A counter that steps back (the cgroup was made again) is no CPU. */
        write_file(dir, "cpu.stat", "usage_usec 5\n");
        CHECK(watch_read(w, &r, err, sizeof err) == 0 && r.cpu_pct == 0, "reset: %g", r.cpu_pct);

        char path[512];
        snprintf(path, sizeof path, "%s/memory.current", dir);
        unlink(path);
        CHECK(watch_read(w, &r, err, sizeof err) == -1 && strstr(err, "is gone") && one_line(err), "gone: '%s'",
              err);
        watch_close(w);
        w = watch_open(spec, err, sizeof err);
        CHECK(!w && strstr(err, "no memory.current: the memory controller is not enabled") && one_line(err),
              "no memory.current: '%s'", err);
        watch_close(w);
        snprintf(path, sizeof path, "%s/cpu.stat", dir);
        unlink(path);
        w = watch_open(spec, err, sizeof err);
        CHECK(!w && strstr(err, "not a cgroup v2 directory") && one_line(err), "no cpu.stat: '%s'", err);
        watch_close(w);
    }
    char path[512];
    for (size_t i = 0; i < 3; i++) {
        static const char *const files[] = {"cpu.stat", "memory.current", "memory.max"};
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    rmdir(dir);
}

/* This process's cgroup v2 path, from the "0::PATH" line of /proc/self/cgroup. */
static int own_cgroup(char *path, size_t len)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    char line[1024];
    int rc = -1;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "0::", 3) == 0) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(path, len, "%s", line + 3);
            rc = 0;
        }
    if (f)
        fclose(f);
    return rc;
}

static void test_cgroup_real(void)
{
    char err[512] = "", spec[1100], path[1024];
    watch_reading r;
    if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) != 0) {
        watch *w = watch_open("cgroup:system.slice", err, sizeof err);
        CHECK(!w && strstr(err, "cgroup v2 not mounted at /sys/fs/cgroup") && one_line(err), "v1: '%s'", err);
        watch_close(w);
        /* A hybrid machine: the v2 hierarchy elsewhere, its root. */
        if (access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0) {
            w = watch_open("cgroup:/sys/fs/cgroup/unified", err, sizeof err);
            CHECK(w != NULL, "unified: %s", err);
            if (w) {
                CHECK(strstr(watch_describe(w), "the root"), "describe: %s", watch_describe(w));
                CHECK(watch_read(w, &r, err, sizeof err) == 0, "%s", err);
                sleep_s(0.2);
                CHECK(watch_read(w, &r, err, sizeof err) == 0 && r.cpu_pct >= 0 && r.cpu_pct <= 100, "%s: cpu %g",
                      err, r.cpu_pct);
                double total, used;
                meminfo(&total, &used);
                CHECK(fabs(r.mem_pct - 100 * used / total) < 1.0, "root: mem %g%%, meminfo %g%%", r.mem_pct,
                      100 * used / total);
            }
            watch_close(w);
        }
        printf("cgroup v2 is not mounted at /sys/fs/cgroup: checked the error\n");
        return;
    }
    watch *w = watch_open("cgroup:/sys/fs/cgroup/surge-no-such-cgroup", err, sizeof err);
    CHECK(!w && strstr(err, "no such cgroup (/sys/fs/cgroup/surge-no-such-cgroup is") && one_line(err),
          "missing: '%s'", err);
    watch_close(w);

    if (own_cgroup(path, sizeof path) != 0)
        return;
    snprintf(spec, sizeof spec, "cgroup:%s", path);
    w = watch_open(spec, err, sizeof err);
    if (!w && strstr(err, "memory controller is not enabled")) {
        printf("%s: no memory controller here: checked the error\n", spec);
        return;
    }
    CHECK(w != NULL, "%s: %s", spec, err);
    if (!w)
        return;
    CHECK(watch_read(w, &r, err, sizeof err) == 0, "%s", err);
    sleep_s(0.2);
    CHECK(watch_read(w, &r, err, sizeof err) == 0 && r.cpu_pct >= 0 && r.cpu_pct <= 100, "%s: cpu %g", err,
          r.cpu_pct);
    char file[1200];
    snprintf(file, sizeof file, "/sys/fs/cgroup%s/memory.current", strcmp(path, "/") ? path : "");
    FILE *f = fopen(file, "r");
    if (f) {
        double cur = NAN;
        if (fscanf(f, "%lf", &cur) != 1)
            cur = NAN;
        fclose(f);
        CHECK(fabs(r.mem_bytes - cur) <= 0.1 * cur + 4 * MIB, "memory %.0f, %s says %.0f", r.mem_bytes, file, cur);
    } else {   /* the root has no memory.current: the host's */
        double total, used;
        meminfo(&total, &used);
        CHECK(fabs(r.mem_pct - 100 * used / total) < 1.0, "root: mem %g%%, meminfo %g%%", r.mem_pct,
              100 * used / total);
    }
    watch_close(w);
}

/* ---- cmd -------------------------------------------------------------- */

static void test_cmd(void)
{
    static const struct {
        const char *spec;
        double cpu, mem;
    } good[] = {
        {"cmd:echo 42.5 17", 42.5, 17},
        {"cmd:echo 42.5% 17%", 42.5, 17},
        {"cmd:printf '  30\\n'", 30, NAN},
        {"cmd:echo 100 0", 100, 0},
        {"cmd:sh -c 'echo 5 7 | cat'", 5, 7},
        {"cmd:sh -c 'sleep 5 & echo 7'", 7, NAN},   /* what it leaves running does not hold the reading */
    };
    for (size_t i = 0; i < LEN(good); i++) {
        char err[512] = "";
        double t0 = now_s();
        watch *w = watch_open(good[i].spec, err, sizeof err);
        CHECK(w != NULL, "%s: %s", good[i].spec, err);
        if (!w)
            continue;
        watch_reading r;
        CHECK(watch_read(w, &r, err, sizeof err) == 0, "%s: %s", good[i].spec, err);
        CHECK(r.cpu_pct == good[i].cpu && (isnan(good[i].mem) ? isnan(r.mem_pct) : r.mem_pct == good[i].mem) &&
                  isnan(r.mem_bytes),
              "%s: cpu %g mem %g bytes %g", good[i].spec, r.cpu_pct, r.mem_pct, r.mem_bytes);
        CHECK(now_s() - t0 < 1.5, "%s: took %.2f s", good[i].spec, now_s() - t0);
        CHECK(watch_cores(w) == 0 && strstr(watch_describe(w), "as it prints them"), "%s: %d, %s", good[i].spec,
              watch_cores(w), watch_describe(w));
        watch_close(w);
    }

    static const struct {
        const char *spec, *err;
    } bad[] = {
        {"cmd:sh -c 'echo first problem >&2; echo second >&2; exit 3'", "exited with status 3: first problem"},
        {"cmd:sh -c 'kill -9 $$'", "killed by signal 9"},
        {"cmd:echo hello", "printed 'hello': expected the CPU percentage"},
        {"cmd:echo 150", "printed '150'"},
        {"cmd:echo -5", "printed '-5'"},
        {"cmd:echo nan", "printed 'nan'"},
        {"cmd:echo 1e2", "printed '1e2'"},
        {"cmd:echo 1 2 3", "printed '1 2 3'"},
        {"cmd:true", "printed ''"},
    };
    for (size_t i = 0; i < LEN(bad); i++) {
        char err[512] = "";
        watch *w = watch_open(bad[i].spec, err, sizeof err);
        CHECK(!w && strstr(err, bad[i].err) && one_line(err), "%s: '%s', want '%s'", bad[i].spec, err, bad[i].err);
        CHECK(!strstr(err, "second"), "%s: only the first line of stderr: '%s'", bad[i].spec, err);
        watch_close(w);
    }

    /* A command that never answers is killed at 2 s. */
    char err[512] = "";
    double t0 = now_s();
    watch *w = watch_open("cmd:sleep 10", err, sizeof err);
    double took = now_s() - t0;
    CHECK(!w && strstr(err, "gave no answer within 2 s") && one_line(err), "sleep: '%s'", err);
    CHECK(took >= 1.9 && took < 3.0, "sleep: gave up after %.2f s", took);
    watch_close(w);

    /* A command that works, then fails, then works again: each reading
     * says how it went. */
    char dir[] = "/tmp/surge-watch-XXXXXX", flag[64], spec[256];
    if (!mkdtemp(dir))
        return;
    snprintf(flag, sizeof flag, "%s/broken", dir);
    snprintf(spec, sizeof spec,
             "cmd:sh -c 'if [ -e %s ]; then echo connection refused >&2; exit 1; fi; echo 12.5'", flag);
    w = watch_open(spec, err, sizeof err);
    CHECK(w != NULL, "%s: %s", spec, err);
    if (w) {
        watch_reading r;
        CHECK(watch_read(w, &r, err, sizeof err) == 0 && r.cpu_pct == 12.5, "%s %g", err, r.cpu_pct);
        FILE *f = fopen(flag, "w");
        CHECK(f && fclose(f) == 0, "%s", flag);
        CHECK(watch_read(w, &r, err, sizeof err) == -1 && strstr(err, "status 1: connection refused"), "'%s'", err);
        unlink(flag);
        CHECK(watch_read(w, &r, err, sizeof err) == 0 && r.cpu_pct == 12.5, "again: %s %g", err, r.cpu_pct);
    }
    watch_close(w);
    rmdir(dir);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    test_bad_specs();
    test_pid();
    test_pid_reaped();
    test_host();
    test_cgroup_fake();
    test_cgroup_real();
    test_cmd();
    return check_report();
}
