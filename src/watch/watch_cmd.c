/* watch_cmd.c - "cmd:COMMAND": a command run for each reading, that
 * prints the CPU percentage and optionally the memory percentage of
 * whatever it measures (a remote server, over ssh or from its metrics).
 *
 * The command runs without a shell (argv split by core/argv.c), with
 * /dev/null as its stdin, in a process group of its own, so that at the
 * time limit the whole group (a `sh -c` and what it started) is killed. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "watch/watch_int.h"

extern char **environ;

#define CMD_TIMEOUT_MS 2000   /* the reporter reads every 0.1-1 s: a command may take about that, not more */
#define CMD_OUT_MAX    512    /* what we keep of its stdout: two numbers fit many times */
#define CMD_ERR_MAX    512    /* and of its stderr: the first line is the message */

typedef struct cmd_result {
    char out[CMD_OUT_MAX], errs[CMD_ERR_MAX];
    size_t nout, nerr;
    int status;               /* waitpid's */
    bool timed_out;
} cmd_result;

static int remaining_ms(uint64_t deadline)
{
    uint64_t now = watch_now_ns();
    return now >= deadline ? 0 : (int)((deadline - now + 999999) / 1000000);
}

/* Append what fd has to buf (what does not fit is read and dropped, so the
 * command never blocks on a full pipe). 0 at EOF, 1 when open. */
static int drain(int fd, char *buf, size_t cap, size_t *n)
{
    char tmp[4096];
    ssize_t got = read(fd, tmp, sizeof tmp);
    if (got < 0)
        return errno == EINTR || errno == EAGAIN ? 1 : 0;
    if (got == 0)
        return 0;
    size_t room = cap - 1 - *n, take = (size_t)got < room ? (size_t)got : room;
    memcpy(buf + *n, tmp, take);
    *n += take;
    buf[*n] = '\0';
    return 1;
}

/* Run the command once: its stdout and stderr, and how it ended, within
 * CMD_TIMEOUT_MS. -1 only when it could not be started. */
static int run(watch *w, cmd_result *r, char *err, size_t errlen)
{
    memset(r, 0, sizeof *r);
    int out[2], errp[2];
    if (pipe2(out, O_CLOEXEC) != 0)
        return snprintf(err, errlen, "cmd: pipe: %s", strerror(errno)), -1;
    if (pipe2(errp, O_CLOEXEC) != 0) {
        close(out[0]), close(out[1]);
        return snprintf(err, errlen, "cmd: pipe: %s", strerror(errno)), -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
    /* Default dispositions and no blocked signals, whatever the run's
     * threads have; a group of its own to kill it whole. */
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t all, none;
    sigfillset(&all);
    sigemptyset(&none);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP);
    char **argv = w->u.cmd.argv;
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(out[1]);
    close(errp[1]);
    if (rc != 0) {
        close(out[0]);
        close(errp[0]);
        return snprintf(err, errlen, "cmd: cannot run '%s': %s", argv[0], strerror(rc)), -1;
    }

    /* Read both pipes until the command exits, then what is left in
     * them, and stop: something it started in the background (ssh's
     * ControlPersist master, a `cmd &`) may hold them open for long. A
     * pidfd says when it exits; without one (Linux < 5.3), until both
     * pipes close. */
    uint64_t deadline = watch_now_ns() + (uint64_t)CMD_TIMEOUT_MS * 1000000;
    int pidfd = -1;
#ifdef SYS_pidfd_open
    pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
#endif
    struct pollfd p[3] = {{.fd = out[0], .events = POLLIN}, {.fd = errp[0], .events = POLLIN},
                          {.fd = pidfd, .events = POLLIN}};
    bool reaped = false;
    for (;;) {
        if (p[0].fd < 0 && p[1].fd < 0 && (reaped || pidfd < 0))
            break;
        int ms = remaining_ms(deadline);
        if (ms == 0) {
            r->timed_out = !reaped;
            break;
        }
        int n = poll(p, 3, reaped ? 0 : ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 && !reaped)
            continue;   /* the deadline: the next turn says so */
        if (n <= 0)     /* an error, or nothing left to read after the exit */
            break;
        for (int i = 0; i < 2; i++) {
            if (p[i].fd < 0 || !p[i].revents)
                continue;
            bool open = i == 0 ? drain(p[i].fd, r->out, sizeof r->out, &r->nout)
                               : drain(p[i].fd, r->errs, sizeof r->errs, &r->nerr);
            if (!open) {
                close(p[i].fd);
                p[i].fd = -1;
            }
        }
        if (p[2].fd >= 0 && p[2].revents) {
            reaped = waitpid(pid, &r->status, WNOHANG) == pid;
            close(p[2].fd);
            p[2].fd = -1;
        }
    }
    for (int i = 0; i < 3; i++)
        if (p[i].fd >= 0)
            close(p[i].fd);

    /* Without a pidfd: both pipes closed, so it is exiting; wait for it
     * until the deadline, polling. At the deadline the group is killed. */
    for (unsigned nap_us = 200; !reaped;) {
        pid_t got = r->timed_out ? 0 : waitpid(pid, &r->status, WNOHANG);
        if (got == pid)
            break;
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {   /* reaped elsewhere (SIGCHLD ignored): its output decides */
            r->status = 0;
            return 0;
        }
        if (r->timed_out || remaining_ms(deadline) == 0) {
            r->timed_out = true;
            kill(-pid, SIGKILL);
            while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR) {
            }
            return 0;
        }
        struct timespec ts = {0, (long)nap_us * 1000};
        nanosleep(&ts, NULL);
        if (nap_us < 10000)
            nap_us *= 2;
    }
    /* It has exited: what it left running in its group goes too, or each
     * reading would leave one more. (The group id stays reserved while the
     * group has members, so this cannot reach anyone else.) */
    kill(-pid, SIGKILL);
    return 0;
}

/* One number as the command prints it: digits with at most one '.',
 * optionally followed by '%'. No sign, exponent, hex or nan. */
static int parse_pct(const char *tok, size_t len, double *v)
{
    char buf[64];
    if (len > 0 && tok[len - 1] == '%')
        len--;
    if (len == 0 || len >= sizeof buf)
        return -1;
    int digits = 0, dots = 0;
    for (size_t i = 0; i < len; i++) {
        if (tok[i] >= '0' && tok[i] <= '9')
            digits++;
        else if (tok[i] == '.' && !dots)
            dots++;
        else
            return -1;
    }
    if (!digits)
        return -1;
    memcpy(buf, tok, len);
    buf[len] = '\0';
    *v = strtod(buf, NULL);
    return *v <= 100 ? 0 : -1;
}

/* Its first line, without the newline, shortened for a one-line message. */
static const char *first_line(char *s)
{
    s[strcspn(s, "\r\n")] = '\0';
    return s;
}

/* What it printed: "CPU" or "CPU MEM", percentages. */
static int parse_output(watch *w, cmd_result *r, watch_reading *out, char *err, size_t errlen)
{
    double v[2];
    int n = 0;
    const char *s = r->out, *sep = " \t\r\n";
    for (s += strspn(s, sep); *s; s += strspn(s, sep)) {
        size_t len = strcspn(s, sep);
        if (n == 2 || parse_pct(s, len, &v[n]) != 0)
            break;
        n++;
        s += len;
    }
    if (n == 0 || *s)
        return snprintf(err, errlen,
                        "cmd '%.60s' printed '%.60s': expected the CPU percentage (0-100), optionally "
                        "followed by the memory percentage",
                        w->u.cmd.argv[0], first_line(r->out)),
               -1;
    out->cpu_pct = v[0];
    out->mem_pct = n == 2 ? v[1] : NAN;
    out->mem_bytes = NAN;
    return 0;
}

static int take_reading(watch *w, watch_reading *out, char *err, size_t errlen)
{
    cmd_result r;
    if (run(w, &r, err, errlen) != 0)
        return -1;
    const char *name = w->u.cmd.argv[0];
    const char *why = first_line(r.errs);
    if (r.timed_out)
        return snprintf(err, errlen, "cmd '%.60s' gave no answer within %d s: killed%s%.200s", name,
                        CMD_TIMEOUT_MS / 1000, *why ? ": " : "", why),
               -1;
    if (WIFSIGNALED(r.status))
        return snprintf(err, errlen, "cmd '%.60s' was killed by signal %d%s%.200s", name, WTERMSIG(r.status),
                        *why ? ": " : "", why),
               -1;
    if (WIFEXITED(r.status) && WEXITSTATUS(r.status) != 0)
        return snprintf(err, errlen, "cmd '%.60s' exited with status %d%s%.200s", name, WEXITSTATUS(r.status),
                        *why ? ": " : "", why),
               -1;
    return parse_output(w, &r, out, err, errlen);
}

int watch_cmd_open(watch *w, const char *command, char *err, size_t errlen)
{
    w->u.cmd.line = strdup(command);
    if (!w->u.cmd.line)
        return snprintf(err, errlen, "out of memory"), -1;
    char why[128];
    int argc = argv_split(w->u.cmd.line, w->u.cmd.argv, WATCH_CMD_MAX_ARGS, why, sizeof why);
    if (argc == 0)
        return snprintf(err, errlen, "cmd: expected a command after 'cmd:' that prints the CPU percentage"), -1;
    if (argc < 0)
        return snprintf(err, errlen, "cmd: %s", why), -1;
    snprintf(w->desc, sizeof w->desc,
             "command '%.300s'; CPU and memory in %% as it prints them (of the machine it measures)", command);
    /* Once now, so that a command that cannot work stops the run before
     * it starts rather than at its first reading. */
    watch_reading r;
    return take_reading(w, &r, err, errlen);
}

int watch_cmd_read(watch *w, watch_reading *out, char *err, size_t errlen)
{
    return take_reading(w, out, err, errlen);
}

void watch_cmd_fini(watch *w)
{
    free(w->u.cmd.line);
}
