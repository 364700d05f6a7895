/* proc.c - CPU and memory of a process tree (see proc.h).
 *
 * Readings come every 100 ms to 1 s, so a reading should cost what the
 * tree costs, not what the machine does. The tree is found from the root
 * down through /proc/PID/task/TID/children (each thread's children; Linux
 * 3.5+ built with CONFIG_PROC_CHILDREN, which the usual distributions
 * are): a few files per process of the tree. Without those files, /proc
 * is scanned: every process's parent from its /proc/PID/stat, sorted by
 * parent, and the tree walked down by binary search, O(n log n) in the
 * processes of the machine (about 5 ms per thousand). */
#include "watch/proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "watch/proc_int.h"

#define MAX_PROCS 65536   /* pid_max is larger, but a machine with more processes has other problems */

typedef struct pinfo {
    pid_t pid, ppid;
    int threads;
    double cpu_s;
} pinfo;

/* What is summed over the tree as it is walked. */
typedef struct sums {
    double cpu_s, anon, shared;
    int nprocs;
} sums;

/* The whole of a small /proc file with one read: fewer calls than stdio,
 * and no allocation. -1 when it cannot be opened (the process is gone). */
static ssize_t read_small(const char *path, char *buf, size_t len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0)
        return -1;
    buf[n] = '\0';
    return n;
}

/* One process's parent, threads and CPU from /proc/PID/stat. The command
 * name (field 2) is in parentheses and may hold spaces or ')', so the
 * fields are counted from the last ')'.
 *
 * CPU is utime + stime (the process's own threads, dead ones included)
 * plus cutime + cstime (its children that it has reaped): when a process
 * of the tree exits and its parent waits for it, its CPU moves into the
 * parent's cutime, so the tree's sum does not drop each time a short-lived
 * child (a connection's backend, a worker) goes away. */
static int read_stat(pid_t pid, pinfo *p)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (read_small(path, buf, sizeof buf) < 0)
        return -1;
    char *s = strrchr(buf, ')');
    if (!s || s[1] != ' ')
        return -1;
    int ppid, threads;
    unsigned long long utime, stime;
    long long cutime, cstime;
    if (sscanf(s + 2,
               "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u "   /* state(3) ppid(4) .. cmajflt(13) */
               "%llu %llu %lld %lld %*d %*d %d",               /* utime(14) .. cstime(17) .. num_threads(20) */
               &ppid, &utime, &stime, &cutime, &cstime, &threads) != 6)
        return -1;
    long tck = sysconf(_SC_CLK_TCK);   /* a constant in the C library: cheap */
    p->pid = pid;
    p->ppid = ppid;
    p->threads = threads;
    p->cpu_s = (double)(utime + stime) + (double)(cutime > 0 ? cutime : 0) + (double)(cstime > 0 ? cstime : 0);
    p->cpu_s /= (double)(tck > 0 ? tck : 100);
    return 0;
}

/* Resident memory of one process from /proc/PID/statm (in pages):
 * `resident` and `shared`, the part of it backed by files or shared
 * memory. A zombie has no memory: all zeros. */
static int read_statm(pid_t pid, double *anon_bytes, double *shared_bytes)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
    if (read_small(path, buf, sizeof buf) < 0)
        return -1;
    unsigned long long size, resident, shared;
    if (sscanf(buf, "%llu %llu %llu", &size, &resident, &shared) != 3)
        return -1;
    long page = sysconf(_SC_PAGESIZE);
    double psz = (double)(page > 0 ? page : 4096);
    *anon_bytes = (double)(resident > shared ? resident - shared : 0) * psz;
    *shared_bytes = (double)shared * psz;
    return 0;
}

static void add(sums *t, const pinfo *p)
{
    double a, s;
    t->cpu_s += p->cpu_s;
    t->nprocs++;
    if (read_statm(p->pid, &a, &s) == 0) {
        t->anon += a;
        if (s > t->shared)
            t->shared = s;
    }
}

static void finish(const sums *t, proc_usage *out)
{
    out->cpu_s = t->cpu_s;
    /* Anonymous memory (heap, stacks) is each process's own: summed.
     * File-backed and shared memory (the program, its libraries, a
     * database's shared buffers) is mostly the same pages in every process
     * of the tree: counted once, as the most any of them has resident (a
     * lower bound when they hold different parts of it). Summing RSS
     * instead would count a PostgreSQL server's shared buffers once per
     * backend, many times the machine's memory. */
    out->rss_bytes = t->anon + t->shared;
    out->nprocs = t->nprocs;
}

/* ---- down the children files ------------------------------------------ */

typedef struct pidvec {
    pid_t *v;
    size_t n, cap;
} pidvec;

static void push(pidvec *q, pid_t pid)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 256;
        pid_t *more = cap <= MAX_PROCS ? realloc(q->v, sizeof *more * cap) : NULL;
        if (!more)
            return;   /* a tree larger than we follow, or no memory: the rest is left out */
        q->v = more;
        q->cap = cap;
    }
    q->v[q->n++] = pid;
}

/* Queue the pids listed in one children file ("12 345 6789 "). It can be
 * long (a server with thousands of connections), so it is read in chunks,
 * a number cut at a chunk's end carried to the next. */
static int push_children(const char *path, pidvec *q)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[4096];
    long pid = 0;
    bool in_number = false;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] >= '0' && buf[i] <= '9') {
                if (pid <= 0x7fffffff)   /* no pid is longer: stop before overflowing */
                    pid = pid * 10 + (buf[i] - '0');
                in_number = true;
            } else {
                if (in_number && pid > 0 && pid <= 0x7fffffff)
                    push(q, (pid_t)pid);
                pid = 0;
                in_number = false;
            }
        }
    }
    if (in_number && pid > 0 && pid <= 0x7fffffff)
        push(q, (pid_t)pid);
    close(fd);
    return 0;
}

/* Children are listed per thread (the thread that forked them). */
static void push_all_children(const pinfo *p, pidvec *q)
{
    char path[96];
    if (p->threads <= 1) {
        snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)p->pid, (int)p->pid);
        push_children(path, q);
        return;
    }
    snprintf(path, sizeof path, "/proc/%d/task", (int)p->pid);
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%d/task/%.16s/children", (int)p->pid, e->d_name);
        push_children(path, q);
    }
    if (d)
        closedir(d);
}

int proc_tree_by_children(pid_t root, proc_usage *out)
{
    memset(out, 0, sizeof *out);
    pinfo p;
    if (read_stat(root, &p) != 0)
        return -1;
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)root, (int)root);
    if (access(path, R_OK) != 0)
        return read_stat(root, &p) == 0 ? -2 : -1;   /* the root exited meanwhile, or no such files */

    /* Breadth first. A process has one parent, so it is listed once (a
     * pid reused while we walk could show twice: the walk is bounded by
     * MAX_PROCS all the same). One that exits meanwhile is left out. */
    sums t = {0};
    pidvec q = {0};
    add(&t, &p);
    push_all_children(&p, &q);
    for (size_t i = 0; i < q.n; i++) {
        if (q.v[i] == root || read_stat(q.v[i], &p) != 0)
            continue;
        add(&t, &p);
        push_all_children(&p, &q);
    }
    free(q.v);
    finish(&t, out);
    return 0;
}

/* ---- by a scan of /proc ----------------------------------------------- */

static int by_ppid(const void *a, const void *b)
{
    const pinfo *x = a, *y = b;
    if (x->ppid != y->ppid)
        return x->ppid < y->ppid ? -1 : 1;
    return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Index of the first process whose parent is ppid, or n. */
static size_t first_child(const pinfo *all, size_t n, pid_t ppid)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (all[mid].ppid < ppid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Every process now, in a growing array (*n of them). */
static pinfo *scan_all(size_t *n)
{
    *n = 0;
    DIR *d = opendir("/proc");
    if (!d)
        return NULL;
    size_t cap = 1024;
    pinfo *all = malloc(sizeof *all * cap);
    struct dirent *e;
    while (all && *n < MAX_PROCS && (e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        if (*n == cap) {
            pinfo *more = realloc(all, sizeof *all * cap * 2);
            if (!more)
                break;
            all = more;
            cap *= 2;
        }
        if (read_stat((pid_t)strtol(e->d_name, NULL, 10), &all[*n]) == 0)   /* else it exited since readdir */
            (*n)++;
    }
    closedir(d);
    return all;
}

int proc_tree_by_scan(pid_t root, proc_usage *out)
{
    memset(out, 0, sizeof *out);
    pinfo self;
    if (read_stat(root, &self) != 0)
        return -1;
    size_t n;
    pinfo *all = scan_all(&n);
    size_t *queue = malloc(sizeof *queue * (n ? n : 1));
    sums t = {0};
    add(&t, &self);
    if (!all || !queue) {   /* out of memory: the root alone */
        free(all);
        free(queue);
        finish(&t, out);
        return 0;
    }
    qsort(all, n, sizeof *all, by_ppid);

    /* Breadth first from the root. Each process has one parent, so it is
     * queued at most once, and the queue holds at most n (a pid reused
     * during the scan cannot make it loop: the root is never queued). */
    size_t head = 0, tail = 0;
    for (pid_t parent = root;;) {
        for (size_t i = first_child(all, n, parent); i < n && all[i].ppid == parent; i++) {
            if (all[i].pid == root || tail == n)
                continue;
            queue[tail++] = i;
            add(&t, &all[i]);
        }
        if (head == tail)
            break;
        parent = all[queue[head++]].pid;
    }
    free(queue);
    free(all);
    finish(&t, out);
    return 0;
}

int proc_tree_usage(pid_t root, proc_usage *out)
{
    int rc = proc_tree_by_children(root, out);
    return rc == -2 ? proc_tree_by_scan(root, out) : rc;
}

double cpu_meter_pct(cpu_meter *m, double cpu_s, uint64_t now_ns)
{
    double pct = NAN;
    if (m->primed && now_ns > m->last_ns)
        pct = 100.0 * (cpu_s - m->last_cpu_s) / ((double)(now_ns - m->last_ns) / 1e9);
    if (pct < 0)
        pct = 0;   /* a child of the tree exited and nobody in the tree reaped it: its CPU left the sum */
    m->last_cpu_s = cpu_s;
    m->last_ns = now_ns;
    m->primed = true;
    return pct;
}
