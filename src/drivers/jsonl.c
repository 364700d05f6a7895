/* jsonl.c - JSON lines: each message one line on stdout (`stdout:`), in a
 * file (`file:PATH`), or on the stdin of a consumer process the run starts
 * (`exec:CMD ARGS...`, argv split here and run without a shell).
 *
 * A line is one stream, so the run has one connection (max_conns), which
 * writes each message with one write(2) as it falls due: what the consumer
 * sees is the pattern itself. A consumer's pipe is nonblocking; when it is
 * full (the consumer is behind) the call waits for the pipe to drain, and
 * the wait shows in latency, which counts from the intended start.
 *
 * exec: the child's CPU and memory (its whole process tree) are gauges.
 * With --ack REGEX, a reader thread matches each line the child writes on
 * its stdout; the first capture group is a message id (the template's id,
 * params[1] of the call), and the time from the write of that message to
 * its acknowledgement is the processing latency. Messages written and
 * never acknowledged by the end are lost. Without --ack the child's stdout
 * is read and discarded, so it never blocks on it; its stderr is ours.
 *
 * At the end the child's stdin is closed (EOF: a consumer finishes what it
 * has and exits), then, if it has not exited within the drain time, it gets
 * SIGTERM, then SIGKILL; the result says which it took and how long. A
 * child that exits before that is a failed target: the run stops with its
 * exit status as the error. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <regex.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/argv.h"
#include "core/hist.h"
#include "drivers/driver.h"
#include "watch/proc.h"

extern char **environ;

#define MAX_ARGS     64
#define ACK_LINE_MAX 4096
#define TERM_WAIT_S  2.0     /* after SIGTERM, before SIGKILL */

enum kind { K_STDOUT, K_FILE, K_EXEC };

/* Messages written and not yet acknowledged: id -> when it was written.
 * Chained hash table under the run's lock (the writer adds, the reader
 * thread removes). */
typedef struct pending {
    struct pending *next;
    uint64_t sent_ns;
    size_t len;
    char id[];
} pending;

struct drv_run {
    enum kind kind;
    char label[256];            /* for messages: the path or the command */
    int out_fd;                 /* where lines go */
    bool own_fd;
    pid_t pid;                  /* exec: the child; 0 none */
    int from_child;             /* exec: read end of the child's stdout; -1 none */
    pthread_t reader;
    bool reader_started;
    _Atomic bool reader_stop;
    _Atomic bool exited;        /* the child has been reaped */
    int status;                 /* its wait status, once exited */
    bool finishing;             /* run_finish began: an exit now is the expected one */
    double drain_s;             /* how long the child may take to exit after EOF */
    _Atomic uint64_t written;   /* lines written */
    _Atomic uint64_t lines_in;  /* lines the child wrote */
    cpu_meter cpu;

    /* --ack */
    bool acking;
    regex_t ack_re;
    pthread_mutex_t lock;       /* guards the table, acked, the histogram's readers */
    pending **table;
    size_t nbuckets, npending;
    uint64_t acked, unknown_acks, lost;
    hist_t ack_lat;
};

struct drv_conn {
    drv_run *run;
    const char *buf;            /* the line being written (message + '\n' in line) */
    size_t len, off;
    char *line;
    size_t cap;
    const char *id;
    int idlen;
};

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t hash_id(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;   /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static enum kind kind_of(const char *url)
{
    return strncmp(url, "stdout:", 7) == 0 ? K_STDOUT : strncmp(url, "file:", 5) == 0 ? K_FILE : K_EXEC;
}

/* ---- acknowledgements ------------------------------------------------- */

static void pending_add(drv_run *r, const char *id, size_t len, uint64_t now)
{
    pending *p = malloc(sizeof *p + len + 1);
    if (!p)
        return;
    memcpy(p->id, id, len);
    p->id[len] = '\0';
    p->len = len;
    p->sent_ns = now;
    pthread_mutex_lock(&r->lock);
    if (r->npending >= r->nbuckets) {   /* grow: keep chains short */
        size_t nb = r->nbuckets ? r->nbuckets * 2 : 4096;
        pending **t = calloc(nb, sizeof *t);
        if (t) {
            for (size_t b = 0; b < r->nbuckets; b++)
                for (pending *q = r->table[b], *next; q; q = next) {
                    next = q->next;
                    size_t k = hash_id(q->id, q->len) & (nb - 1);
                    q->next = t[k];
                    t[k] = q;
                }
            free(r->table);
            r->table = t;
            r->nbuckets = nb;
        }
    }
    if (!r->nbuckets) {
        pthread_mutex_unlock(&r->lock);
        free(p);
        return;
    }
    size_t k = hash_id(id, len) & (r->nbuckets - 1);
    p->next = r->table[k];
    r->table[k] = p;
    r->npending++;
    pthread_mutex_unlock(&r->lock);
}

/* Take the entry for this id out of the table; NULL when there is none.
 * Under the lock. */
static pending *pending_take(drv_run *r, const char *id, size_t len)
{
    if (!r->nbuckets)
        return NULL;
    for (pending **pp = &r->table[hash_id(id, len) & (r->nbuckets - 1)]; *pp; pp = &(*pp)->next)
        if ((*pp)->len == len && memcmp((*pp)->id, id, len) == 0) {
            pending *found = *pp;
            *pp = found->next;
            r->npending--;
            return found;
        }
    return NULL;
}

/* A message that was never delivered (the write failed) is not waiting for an ack. */
static void pending_forget(drv_run *r, const char *id, size_t len)
{
    pthread_mutex_lock(&r->lock);
    pending *p = pending_take(r, id, len);
    pthread_mutex_unlock(&r->lock);
    free(p);
}

static void ack_line(drv_run *r, const char *line, uint64_t now)
{
    regmatch_t m[2];
    if (regexec(&r->ack_re, line, 2, m, 0) != 0 || m[1].rm_so < 0)
        return;
    pthread_mutex_lock(&r->lock);
    pending *found = pending_take(r, line + m[1].rm_so, (size_t)(m[1].rm_eo - m[1].rm_so));
    if (found) {
        hist_record(&r->ack_lat, now > found->sent_ns ? now - found->sent_ns : 0);
        r->acked++;
    } else {
        r->unknown_acks++;   /* an id never sent, or acknowledged twice */
    }
    pthread_mutex_unlock(&r->lock);
    free(found);
}

/* The child's stdout, line by line, until EOF or told to stop. */
static void *reader_main(void *arg)
{
    drv_run *r = arg;
    char *buf = malloc(ACK_LINE_MAX + 1);
    size_t have = 0;
    while (buf && !atomic_load(&r->reader_stop)) {
        struct pollfd pfd = { .fd = r->from_child, .events = POLLIN };
        int rc = poll(&pfd, 1, 100);
        if (rc == 0)
            continue;
        if (rc < 0 && errno == EINTR)
            continue;
        ssize_t n = rc < 0 ? -1 : read(r->from_child, buf + have, ACK_LINE_MAX - have);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (n <= 0)
            break;
        uint64_t now = mono_ns();
        have += (size_t)n;
        size_t start = 0;
        for (size_t i = 0; i < have; i++) {
            if (buf[i] != '\n')
                continue;
            buf[i] = '\0';
            atomic_fetch_add(&r->lines_in, 1);
            if (r->acking)
                ack_line(r, buf + start, now);
            start = i + 1;
        }
        if (start == 0 && have == ACK_LINE_MAX)
            start = have;   /* a line longer than we keep: drop it */
        memmove(buf, buf + start, have - start);
        have -= start;
    }
    free(buf);
    return NULL;
}

/* ---- the run ---------------------------------------------------------- */

static int spawn_child(drv_run *r, const char *cmd, char *err, size_t errlen)
{
    char *copy = strdup(cmd);
    char *argv[MAX_ARGS];
    if (!copy)
        return snprintf(err, errlen, "out of memory"), -1;
    char why[128];
    int argc = argv_split(copy, argv, MAX_ARGS, why, sizeof why);
    if (argc <= 0) {
        if (argc == 0)
            snprintf(err, errlen, "exec: expected a command after 'exec:'");
        else
            snprintf(err, errlen, "exec: %s", why);
        free(copy);
        return -1;
    }
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0) {
        free(copy);
        return snprintf(err, errlen, "exec: pipe: %s", strerror(errno)), -1;
    }
    if (pipe2(out, O_CLOEXEC) != 0) {
        close(in[0]), close(in[1]);
        free(copy);
        return snprintf(err, errlen, "exec: pipe: %s", strerror(errno)), -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    /* The child starts with default signal dispositions whatever ours are. */
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t def;
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    sigaddset(&def, SIGINT);
    sigaddset(&def, SIGTERM);
    sigaddset(&def, SIGUSR1);
    posix_spawnattr_setsigdefault(&at, &def);
    sigset_t none;
    sigemptyset(&none);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    int rc = posix_spawnp(&r->pid, argv[0], &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(in[0]);
    close(out[1]);
    if (rc != 0) {
        close(in[1]);
        close(out[0]);
        snprintf(err, errlen, "exec: cannot run '%s': %s", argv[0], strerror(rc));
        free(copy);
        r->pid = 0;
        return -1;
    }
    free(copy);
    r->out_fd = in[1];
    r->own_fd = true;
    r->from_child = out[0];
    fcntl(r->out_fd, F_SETFL, fcntl(r->out_fd, F_GETFL) | O_NONBLOCK);
    return 0;
}

static void run_close(drv_run *r);

static drv_run *run_open(const char *url, const drv_run_config *rc, char *err, size_t errlen)
{
    drv_run *r = calloc(1, sizeof *r);
    if (!r)
        return snprintf(err, errlen, "out of memory"), NULL;
    r->kind = kind_of(url);
    r->drain_s = rc->drain_s;
    r->out_fd = -1;
    r->from_child = -1;
    pthread_mutex_init(&r->lock, NULL);
    hist_init(&r->ack_lat);
    const char *arg = strchr(url, ':') + 1;
    snprintf(r->label, sizeof r->label, "%s", arg);
    if (rc->ack) {
        int e = regcomp(&r->ack_re, rc->ack, REG_EXTENDED);
        if (e != 0) {
            char why[128];
            regerror(e, &r->ack_re, why, sizeof why);
            snprintf(err, errlen, "--ack: bad regular expression '%s': %s", rc->ack, why);
            free(r);
            return NULL;
        }
        if (r->ack_re.re_nsub < 1) {
            snprintf(err, errlen, "--ack: '%s' has no capture group: put the message id in (...)", rc->ack);
            regfree(&r->ack_re);
            free(r);
            return NULL;
        }
        r->acking = true;
    }
    /* A consumer that goes away must be an error on the write, not a
     * signal that ends the whole process. */
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
        signal(SIGPIPE, SIG_IGN);
    switch (r->kind) {
    case K_STDOUT:
        r->out_fd = STDOUT_FILENO;
        break;
    case K_FILE:
        if (!*arg) {
            snprintf(err, errlen, "file: expected a path after 'file:'");
            goto bad;
        }
        r->out_fd = open(arg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (r->out_fd < 0) {
            snprintf(err, errlen, "file:%s: %s", arg, strerror(errno));
            goto bad;
        }
        r->own_fd = true;
        break;
    case K_EXEC:
        if (spawn_child(r, arg, err, errlen) != 0)
            goto bad;
        proc_usage u;   /* the CPU meter starts now: the first interval has a reading too */
        if (proc_tree_usage(r->pid, &u) == 0)
            cpu_meter_pct(&r->cpu, u.cpu_s, mono_ns());
        if (pthread_create(&r->reader, NULL, reader_main, r) != 0) {
            snprintf(err, errlen, "exec: cannot start the reader thread");
            goto bad;
        }
        r->reader_started = true;
        break;
    }
    return r;
bad:
    run_close(r);
    return NULL;
}

static drv_conn *run_connect(drv_run *r, char *err, size_t errlen)
{
    drv_conn *c = calloc(1, sizeof *c);
    if (!c)
        return snprintf(err, errlen, "out of memory"), NULL;
    c->run = r;
    return c;
}

/* Reap the child if it has exited (never blocks). */
static bool child_exited(drv_run *r)
{
    if (!r->pid || atomic_load(&r->exited))
        return r->pid != 0;
    int st;
    if (waitpid(r->pid, &st, WNOHANG) == r->pid) {
        r->status = st;
        atomic_store(&r->exited, true);
        return true;
    }
    return false;
}

static void describe_status(int st, char *out, size_t len)
{
    if (WIFEXITED(st))
        snprintf(out, len, "exited with status %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(out, len, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
    else
        snprintf(out, len, "ended (wait status %d)", st);
}

static bool run_failed(drv_run *r, char *msg, size_t len)
{
    if (r->kind != K_EXEC || r->finishing || !child_exited(r))
        return false;
    char how[96];
    describe_status(r->status, how, sizeof how);
    snprintf(msg, len, "the consumer '%s' %s after %llu messages", r->label, how,
             (unsigned long long)atomic_load(&r->written));
    return true;
}

static int run_gauges(drv_run *r, drv_gauge *g)
{
    if (r->kind != K_EXEC)
        return 0;
    int n = 0;
    proc_usage u;
    bool alive = !atomic_load(&r->exited) && proc_tree_usage(r->pid, &u) == 0;
    double pct = alive ? cpu_meter_pct(&r->cpu, u.cpu_s, mono_ns()) : NAN;
    snprintf(g[n].name, DRV_NAME, "child_cpu_pct");
    g[n++].value = pct;
    snprintf(g[n].name, DRV_NAME, "child_rss_mb");
    g[n++].value = alive ? u.rss_bytes / (1024.0 * 1024.0) : NAN;
    if (r->acking) {
        pthread_mutex_lock(&r->lock);
        snprintf(g[n].name, DRV_NAME, "unacked");
        g[n++].value = (double)r->npending;
        pthread_mutex_unlock(&r->lock);
    }
    return n;
}

static int run_observed(drv_run *r, drv_observed *o)
{
    if (!r->acking)
        return 0;
    pthread_mutex_lock(&r->lock);
    snprintf(o[0].name, DRV_NAME, "ack");
    o[0].count = r->acked;
    o[0].lost = r->lost;
    o[0].lat = &r->ack_lat;
    pthread_mutex_unlock(&r->lock);
    return 1;
}

/* Wait up to s seconds for the child to exit; true when it has. */
static bool wait_exit(drv_run *r, double s)
{
    uint64_t until = mono_ns() + (uint64_t)(s * 1e9);
    for (;;) {
        if (child_exited(r))
            return true;
        if (mono_ns() >= until)
            return false;
        struct timespec ts = { 0, 5000000 };   /* 5 ms: the exit time is reported to that */
        nanosleep(&ts, NULL);
    }
}

static int fact_num(drv_fact *f, int n, const char *name, double v)
{
    snprintf(f[n].name, DRV_NAME, "%s", name);
    f[n].is_text = false;
    f[n].value = v;
    return n + 1;
}

static int fact_text(drv_fact *f, int n, const char *name, const char *text)
{
    snprintf(f[n].name, DRV_NAME, "%s", name);
    f[n].is_text = true;
    snprintf(f[n].text, sizeof f[n].text, "%s", text);
    return n + 1;
}

static int run_finish(drv_run *r, drv_fact *f)
{
    int n = 0;
    n = fact_num(f, n, "lines_written", (double)atomic_load(&r->written));
    if (r->kind != K_EXEC) {
        if (r->kind == K_FILE && r->own_fd && fsync(r->out_fd) != 0 && errno != EINVAL)
            n = fact_text(f, n, "error", strerror(errno));
        return n;
    }
    bool died = child_exited(r);   /* before we closed its stdin: it failed */
    uint64_t t0 = mono_ns();
    r->finishing = true;
    if (r->out_fd >= 0) {
        close(r->out_fd);
        r->out_fd = -1;
    }
    const char *how = died ? "exited before the end" : "eof";
    bool gone = died || wait_exit(r, r->drain_s);
    if (!died)
        n = fact_num(f, n, "stdin_close_s", (double)(mono_ns() - t0) / 1e9);
    if (!gone) {
        uint64_t t1 = mono_ns();
        kill(r->pid, SIGTERM);
        gone = wait_exit(r, TERM_WAIT_S);
        n = fact_num(f, n, "term_s", (double)(mono_ns() - t1) / 1e9);
        how = "terminated";
        if (!gone) {
            uint64_t t2 = mono_ns();
            kill(r->pid, SIGKILL);
            gone = wait_exit(r, TERM_WAIT_S);
            n = fact_num(f, n, "kill_s", (double)(mono_ns() - t2) / 1e9);
            how = "killed";
        }
    }
    n = fact_text(f, n, "stopped_by", how);
    if (gone) {
        char st[96];
        describe_status(r->status, st, sizeof st);
        if (WIFEXITED(r->status))
            n = fact_num(f, n, "exit_status", WEXITSTATUS(r->status));
        else
            n = fact_text(f, n, "exit", st);
    }
    /* The child is gone: what it wrote is all in the pipe; the reader
     * reads to EOF (bounded: a grandchild may still hold the pipe open). */
    if (r->reader_started) {
        uint64_t until = mono_ns() + 2000000000ull;
        while (mono_ns() < until) {
            struct pollfd pfd = { .fd = r->from_child, .events = POLLIN };
            if (poll(&pfd, 1, 10) > 0 && (pfd.revents & POLLHUP) && !(pfd.revents & POLLIN))
                break;
        }
        atomic_store(&r->reader_stop, true);
        pthread_join(r->reader, NULL);
        r->reader_started = false;
    }
    n = fact_num(f, n, "lines_read", (double)atomic_load(&r->lines_in));
    if (r->acking) {
        pthread_mutex_lock(&r->lock);
        r->lost = r->npending;
        n = fact_num(f, n, "unknown_acks", (double)r->unknown_acks);
        pthread_mutex_unlock(&r->lock);
    }
    return n;
}

static void run_close(drv_run *r)
{
    if (!r)
        return;
    if (r->pid && !atomic_load(&r->exited)) {   /* a run that never finished: don't leave the child */
        if (r->out_fd >= 0 && r->own_fd)
            close(r->out_fd), r->out_fd = -1;
        if (!wait_exit(r, 1.0)) {
            kill(r->pid, SIGKILL);
            wait_exit(r, TERM_WAIT_S);
        }
    }
    if (r->reader_started) {
        atomic_store(&r->reader_stop, true);
        pthread_join(r->reader, NULL);
    }
    if (r->own_fd && r->out_fd >= 0)
        close(r->out_fd);
    if (r->from_child >= 0)
        close(r->from_child);
    for (size_t b = 0; b < r->nbuckets; b++)
        for (pending *p = r->table[b], *next; p; p = next) {
            next = p->next;
            free(p);
        }
    free(r->table);
    if (r->acking)
        regfree(&r->ack_re);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* ---- connections ------------------------------------------------------- */

static drv_conn *jsonl_connect(const char *url, char *err, size_t errlen)
{
    (void)url;
    snprintf(err, errlen, "JSON-lines targets are opened by the run (run_connect)");
    return NULL;
}

static int jsonl_prepare(drv_conn *c, int n, const char *const *sql, char *err, size_t errlen)
{
    (void)c, (void)sql;
    if (n != 0)
        return snprintf(err, errlen, "JSON-lines targets take messages, not statements"), -1;
    return 0;
}

/* Write what is left of the line: DONE when all of it is out. */
static drv_status push(drv_conn *c, drv_reply *reply)
{
    drv_run *r = c->run;
    while (c->off < c->len) {
        ssize_t n = r->out_fd < 0 ? (errno = EPIPE, -1) : write(r->out_fd, c->buf + c->off, c->len - c->off);
        if (n > 0) {
            c->off += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {   /* the consumer is behind: wait for room in the pipe */
            reply->fd = r->out_fd;
            reply->events = EPOLLOUT;
            return DRV_WAIT;
        }
        int e = errno;
        reply->err = e == EPIPE ? DRV_ERR_CONNECTION : DRV_ERR_OTHER;
        snprintf(reply->errmsg, sizeof reply->errmsg, "%s: write: %s",
                 r->kind == K_EXEC ? "exec" : r->kind == K_FILE ? "file" : "stdout",
                 e == EPIPE ? "the consumer closed its input" : strerror(e));
        if (r->acking && c->idlen > 0)
            pending_forget(r, c->id, (size_t)c->idlen);
        return DRV_DONE;
    }
    reply->rows = 1;
    atomic_fetch_add(&r->written, 1);
    return DRV_DONE;
}

static drv_status jsonl_start(drv_conn *c, const drv_call *call, drv_reply *reply)
{
    reply->err = DRV_OK;
    reply->rows = 0;
    const drv_value *p = drv_call_params(call);
    if (call->nparams < 1 || p[0].type != DRV_TEXT) {
        reply->err = DRV_ERR_OTHER;
        snprintf(reply->errmsg, sizeof reply->errmsg, "a JSON-lines call needs the message as its first parameter");
        return DRV_DONE;
    }
    size_t len = (size_t)p[0].v.text.len;
    if (len + 1 > c->cap) {
        size_t cap = (len + 1) * 2;
        char *line = realloc(c->line, cap);
        if (!line) {
            reply->err = DRV_ERR_OTHER;
            snprintf(reply->errmsg, sizeof reply->errmsg, "out of memory");
            return DRV_DONE;
        }
        c->line = line;
        c->cap = cap;
    }
    /* One write per line: with the newline in the same buffer, a consumer
     * never sees half a message followed by a pause. */
    memcpy(c->line, p[0].v.text.s, len);
    c->line[len] = '\n';
    c->buf = c->line;
    c->len = len + 1;
    c->off = 0;
    c->id = call->nparams >= 2 && p[1].type == DRV_TEXT ? p[1].v.text.s : NULL;
    c->idlen = c->id ? p[1].v.text.len : 0;
    /* Waiting for its ack from before the write: a fast consumer may answer
     * before write() returns. The processing time counts from here, so a
     * full pipe's wait is part of it. */
    if (c->run->acking && c->idlen > 0)
        pending_add(c->run, c->id, (size_t)c->idlen, mono_ns());
    return push(c, reply);
}

static drv_status jsonl_resume(drv_conn *c, drv_reply *reply)
{
    return push(c, reply);
}

static int jsonl_channels(const char *url, char names[][DRV_NAME], int max, char *err, size_t errlen)
{
    (void)url, (void)names, (void)max, (void)err, (void)errlen;
    return 0;   /* one stream */
}

static void jsonl_close(drv_conn *c)
{
    if (!c)
        return;
    free(c->line);
    free(c);
}

static const char *const jsonl_schemes[] = { "stdout:", "file:", "exec:", NULL };

const drv_ops jsonl_driver = {
    .name = "jsonl",
    .schemes = jsonl_schemes,
    .dialect = "queue",
    .max_conns = 1,
    .local = true,              /* a path or a command of the user's: failing to open it is bad input */
    .connect = jsonl_connect,
    .prepare = jsonl_prepare,
    .start = jsonl_start,
    .resume = jsonl_resume,
    .close = jsonl_close,
    .channels = jsonl_channels,
    .run_open = run_open,
    .run_connect = run_connect,
    .run_gauges = run_gauges,
    .run_observed = run_observed,
    .run_failed = run_failed,
    .run_finish = run_finish,
    .run_close = run_close,
};
