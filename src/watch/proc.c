/* proc.c - CPU and memory of a process tree (see proc.h). */
#include "watch/proc.h"

#include <ctype.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PROCS 65536

typedef struct pinfo {
    pid_t pid, ppid;
    double cpu_s, rss_bytes;
} pinfo;

/* One process's parent, CPU and RSS from /proc/PID/stat. The command name
 * (field 2) is in parentheses and may hold spaces or ')', so the fields
 * are counted from the last ')'. */
static int read_stat(pid_t pid, pinfo *p)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *s = strrchr(buf, ')');
    if (!s)
        return -1;
    /* After ") ": state(3) ppid(4) ... utime(14) stime(15) ... rss(24), in pages. */
    char state;
    int ppid;
    unsigned long long utime, stime;
    long long rss;
    if (sscanf(s + 2, "%c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %*d %*d %*d %*d %*u %*u %lld",
               &state, &ppid, &utime, &stime, &rss) != 5)
        return -1;
    static long ticks, page;
    if (!ticks) {
        ticks = sysconf(_SC_CLK_TCK);
        page = sysconf(_SC_PAGESIZE);
    }
    p->pid = pid;
    p->ppid = ppid;
    p->cpu_s = (double)(utime + stime) / (double)(ticks > 0 ? ticks : 100);
    p->rss_bytes = state == 'Z' ? 0 : (double)rss * (double)(page > 0 ? page : 4096);
    return 0;
}

int proc_tree_usage(pid_t root, proc_usage *out)
{
    memset(out, 0, sizeof *out);
    pinfo self;
    if (read_stat(root, &self) != 0)
        return -1;
    DIR *d = opendir("/proc");
    if (!d)
        return -1;
    /* Every process, then the tree by repeated passes over the parent
     * links (trees are shallow: a few passes). */
    pinfo *all = malloc(sizeof *all * 1024);
    size_t n = 0, cap = all ? 1024 : 0;
    struct dirent *e;
    while (all && (e = readdir(d)) && n < MAX_PROCS) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        if (n == cap) {
            pinfo *more = realloc(all, sizeof *all * cap * 2);
            if (!more)
                break;
            all = more;
            cap *= 2;
        }
        if (read_stat((pid_t)atoi(e->d_name), &all[n]) == 0)
            n++;
    }
    closedir(d);
    char *in = calloc(n ? n : 1, 1);
    out->cpu_s = self.cpu_s;
    out->rss_bytes = self.rss_bytes;
    out->nprocs = 1;
    for (int pass = 0, grew = 1; grew && pass < 64 && in; pass++) {
        grew = 0;
        for (size_t i = 0; i < n; i++) {
            if (in[i] || all[i].pid == root)
                continue;
            bool child = all[i].ppid == root;
            for (size_t j = 0; !child && j < n; j++)
                child = in[j] && all[j].pid == all[i].ppid;
            if (child) {
                in[i] = 1;
                grew = 1;
                out->cpu_s += all[i].cpu_s;
                out->rss_bytes += all[i].rss_bytes;
                out->nprocs++;
            }
        }
    }
    free(in);
    free(all);
    return 0;
}

double cpu_meter_pct(cpu_meter *m, double cpu_s, uint64_t now_ns)
{
    double pct = NAN;
    if (m->primed && now_ns > m->last_ns)
        pct = 100.0 * (cpu_s - m->last_cpu_s) / ((double)(now_ns - m->last_ns) / 1e9);
    if (pct < 0)
        pct = 0;   /* a child in the tree exited: its CPU left the sum */
    m->last_cpu_s = cpu_s;
    m->last_ns = now_ns;
    m->primed = true;
    return pct;
}
