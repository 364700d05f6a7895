/* test_redis.c - the Redis queue driver against a real server.
 *
 * The URL parser is checked always (the consumers' timestamp reader is
 * core/timestamp.c's, checked by test_timestamp.c). The rest needs a
 * server: SURGE_TEST_REDIS=redis://127.0.0.1:PORT/0 (set by
 * tests/with-servers.sh under ctest). Without it the rest is skipped, except
 * under ctest (SURGE_SERVERS_DIR set), where a missing server is a failure.
 *
 * Every count is checked with an independent hiredis connection (LLEN,
 * LRANGE, XLEN, CLIENT LIST), not with the driver's own numbers. Keys are
 * named surge:test:PID:..., so runs at once do not meet.
 */
#include "drivers/driver.h"

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "core/hist.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* In redis.c, exported for this test only. */
int drv_redis_describe(const char *url, char *out, size_t len);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- without a server --------------------------------------------------- */

static void test_urls(void)
{
    static const struct {
        const char *url, *want;   /* want: the description, or (after "!") part of the error */
    } cases[] = {
        { "redis://", "host=127.0.0.1 port=6379 db=0 user= password=no kind=lists pipeline=1 queues=surge:jobs" },
        { "redis://h", "host=h port=6379 db=0 user= password=no kind=lists pipeline=1 queues=surge:jobs" },
        { "redis://10.0.0.1:6380/3?queue=a,b",
          "host=10.0.0.1 port=6380 db=3 user= password=no kind=lists pipeline=1 queues=a,b" },
        { "redis://:pw@h/", "host=h port=6379 db=0 user= password=yes kind=lists pipeline=1 queues=surge:jobs" },
        { "redis://bob:p%40ss@h:1?stream=x&pipeline=16",
          "host=h port=1 db=0 user=bob password=yes kind=streams pipeline=16 queues=x" },
        { "redis://:p@ss?@h?queue=q", "host=h port=6379 db=0 user= password=yes kind=lists pipeline=1 queues=q" },
        { "redis://[::1]:7000/1?pipeline=2&queue=jobs%2Chigh,low",
          "host=::1 port=7000 db=1 user= password=no kind=lists pipeline=2 queues=jobs,high,low" },
        { "redis://h?queue=a:b.c", "host=h port=6379 db=0 user= password=no kind=lists pipeline=1 queues=a:b.c" },
        { "postgres://h", "!expected redis://" },
        { "redis://h:0", "!port 1..65535" },
        { "redis://h:99999", "!port 1..65535" },
        { "redis://h:x", "!port 1..65535" },
        { "redis://h/x", "!database number" },
        { "redis://h?queue=", "!empty name" },
        { "redis://h?queue=a,,b", "!empty name" },
        { "redis://h?queue=a,a", "!names 'a' twice" },
        { "redis://h?queue=a&stream=b", "!queue= or stream= once" },
        { "redis://h?pipeline=0", "!pipeline: expected 1..1024" },
        { "redis://h?pipeline=2000", "!pipeline: expected 1..1024" },
        { "redis://h?pipelines=2", "!unknown option 'pipelines'" },
        { "redis://h?queue=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q", "!at most 16 queues" },
        { "redis://h?queue=0123456789012345678901234567890123456789012345678", "!longer than 47 bytes" },
        { "redis://[::1", "!closing ']'" },
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        char out[512];
        int rc = drv_redis_describe(cases[i].url, out, sizeof out);
        if (cases[i].want[0] == '!') {
            CHECK(rc == -1 && strstr(out, cases[i].want + 1) && strncmp(out, "redis: bad URL: ", 16) == 0 &&
                      !strchr(out, '\n'),
                  "%s: rc %d, got \"%s\", want an error with \"%s\"", cases[i].url, rc, out, cases[i].want + 1);
        } else {
            CHECK(rc == 0 && strcmp(out, cases[i].want) == 0, "%s: rc %d, got \"%s\", want \"%s\"", cases[i].url,
                  rc, out, cases[i].want);
        }
    }
    /* Errors never show a password, even one the parser trips over. */
    static const char *const secret_urls[] = {
        "redis://:s3cretpw@h:notaport/0",
        "redis://bob:s3cr%zzetpw@h/0",
        "redis://:s3cret/pw@h:6379/0",
        "redis://:s3cretpw@h/0?queue=a&bad=1",
    };
    for (size_t i = 0; i < LEN(secret_urls); i++) {
        char out[512];
        int rc = drv_redis_describe(secret_urls[i], out, sizeof out);
        CHECK(rc == -1 && !strstr(out, "s3cr") && !strstr(out, "etpw"), "%s: %s", secret_urls[i], out);
    }

    const drv_ops *d = drv_find("redis://h");
    CHECK(d && strcmp(d->name, "redis") == 0 && strcmp(d->dialect, "queue") == 0, "redis:// finds the driver");
    if (!d)
        return;
    CHECK(d->start && d->resume && d->close && d->channels && d->run_open && d->run_connect && d->run_gauges &&
              d->run_observed && d->run_failed && d->run_finish && d->run_close && !d->query && !d->local,
          "an asynchronous queue driver with run-level hooks");
    char names[4][DRV_NAME], err[256];
    int n = d->channels("redis://h?queue=high,low", names, 4, err, sizeof err);
    CHECK(n == 2 && strcmp(names[0], "high") == 0 && strcmp(names[1], "low") == 0, "channels: %d", n);
    n = d->channels("redis://h", names, 4, err, sizeof err);
    CHECK(n == 1 && strcmp(names[0], "surge:jobs") == 0, "default channel: %d %s", n, n > 0 ? names[0] : "");
    n = d->channels("redis://h?queue=a,b,c", names, 2, err, sizeof err);
    CHECK(n == -1 && strstr(err, "at most 2"), "more channels than room: %d %s", n, err);
    n = d->channels("redis://:s3cretpw@h?queue=a&x=1", names, 4, err, sizeof err);
    CHECK(n == -1 && strstr(err, "unknown option 'x'") && !strstr(err, "s3cretpw"), "bad channels URL: %s", err);
}

/* ---- the server side, seen independently --------------------------------- */

static char host[256] = "127.0.0.1";
static int port;
static char prefix[64];   /* surge:test:PID */

static redisContext *admin(void)
{
    struct timeval tv = { 5, 0 };
    redisContext *c = redisConnectWithTimeout(host, port, tv);
    if (c && !c->err && redisSetTimeout(c, tv) == REDIS_OK)
        return c;
    fprintf(stderr, "admin connection: %s\n", c ? c->errstr : "out of memory");
    if (c)
        redisFree(c);
    return NULL;
}

static long long integer(redisContext *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(a, fmt, ap);
    va_end(ap);
    long long v = r && r->type == REDIS_REPLY_INTEGER ? r->integer : -1;
    if (r && r->type == REDIS_REPLY_ERROR)
        fprintf(stderr, "%s: %s\n", fmt, r->str);
    freeReplyObject(r);
    return v;
}

static void command(redisContext *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(a, fmt, ap);
    va_end(ap);
    CHECK(r && r->type != REDIS_REPLY_ERROR, "%s: %s", fmt, r ? r->str : a->errstr);
    freeReplyObject(r);
}

/* Our connections of a role in CLIENT LIST; the id of the last one. */
static int clients(redisContext *a, const char *role, long long *id)
{
    char name[80];
    snprintf(name, sizeof name, " name=surge:%ld:%s ", (long)getpid(), role);
    redisReply *r = redisCommand(a, "CLIENT LIST");
    int n = 0;
    for (const char *line = r && r->type != REDIS_REPLY_ERROR ? r->str : NULL; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[1024];
        snprintf(buf, sizeof buf, "%.*s ", (int)len, line);
        if (strstr(buf, name)) {
            n++;
            if (id)
                sscanf(buf, "id=%lld", id);
        }
        line = end ? end + 1 : NULL;
    }
    freeReplyObject(r);
    return n;
}

static void key(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s:%s", prefix, name);
}

/* "2026-11-23T11:23:29.123456Z" for wall clock now - ago_s. */
static void stamp(char *buf, size_t len, double ago_s)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000 - (int64_t)(ago_s * 1e6);
    time_t sec = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    char day[24];
    strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, len, "%s.%06dZ", day, (int)(us % 1000000));
}

/* ---- an engine-like loop ----------------------------------------------------
 *
 * Like src/run/worker.c: one epoll, with the events the driver asks for; a
 * lane's registration is kept between calls (MOD when the fd is the same,
 * DEL + ADD when not), an event on an idle lane drops its registration, and
 * the driver's flush() comes before every sleep (not in a thread that sets
 * no_flush: there the driver writes each command at once). Each lane sends
 * its quota of messages, one at a time, closed loop. */

static _Thread_local bool no_flush;

/* flush(), then epoll_wait. */
static int sleep_wait(const drv_ops *d, int ep, struct epoll_event *evs, int max, int ms)
{
    if (d->flush && !no_flush)
        d->flush();
    return epoll_wait(ep, evs, max, ms);
}

/* This thread's write and read system calls so far (the kernel's count:
 * sockets, eventfds, everything). */
static void thread_io(long long *writes, long long *reads)
{
    char line[128];
    *writes = *reads = -1;
    FILE *f = fopen("/proc/thread-self/io", "r");
    while (f && fgets(line, sizeof line, f)) {
        sscanf(line, "syscw: %lld", writes);
        sscanf(line, "syscr: %lld", reads);
    }
    if (f)
        fclose(f);
}

typedef struct lane {
    drv_conn *c;
    int id;
    int fd;                 /* registered, -1 none */
    bool busy;
    int sent, done, quota;
    int failed;
    drv_errclass last_err;
    char last_msg[DRV_ERRMSG];
    drv_call call;
    drv_reply r;
    char msg[256];
} lane;

/* Fills l->msg and l->call for message l->sent of lane l. */
typedef void (*make_fn)(lane *l, void *user);

static void lane_unwatch(int ep, lane *l)
{
    if (l->fd >= 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, l->fd, NULL);
        l->fd = -1;
    }
}

/* What lanes waited on, to show which paths a test took; with look_inside,
 * also what a pipe's epoll waits for (reading /proc: not while counting
 * system calls). */
static struct {
    bool look_inside;
    int on_socket, on_epoll, for_output;
} waits;

/* An epoll fd watches some fd for EPOLLOUT (the kernel's list of its
 * registrations, in /proc/self/fdinfo). */
static bool epoll_wants_out(int fd)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    FILE *f = fopen(path, "r");
    bool out = false;
    unsigned events;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "tfd: %*d events: %x", &events) == 1 && (events & EPOLLOUT))
            out = true;
    if (f)
        fclose(f);
    return out;
}

static void count_wait(const drv_reply *r)
{
    char path[64], what[64] = "";
    snprintf(path, sizeof path, "/proc/self/fd/%d", r->fd);
    ssize_t n = readlink(path, what, sizeof what - 1);
    what[n > 0 ? n : 0] = '\0';
    bool epoll = strstr(what, "eventpoll") != NULL;
    waits.on_socket += strncmp(what, "socket:", 7) == 0;
    waits.on_epoll += epoll;
    waits.for_output += (r->events & EPOLLOUT) || (epoll && waits.look_inside && epoll_wants_out(r->fd));
}

static void lane_watch(int ep, lane *ls, int n, lane *l)
{
    count_wait(&l->r);
    struct epoll_event ev = { .events = l->r.events, .data.ptr = l };
    if (l->fd == l->r.fd && epoll_ctl(ep, EPOLL_CTL_MOD, l->fd, &ev) == 0)
        return;
    lane_unwatch(ep, l);
    for (int i = 0; i < n; i++)
        if (ls[i].fd == l->r.fd)
            ls[i].fd = -1;
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, l->r.fd, &ev) == 0, "lane %d: epoll add fd %d: %m", l->id, l->r.fd);
    l->fd = l->r.fd;
}

static void lane_done(lane *l)
{
    l->busy = false;
    l->done++;
    if (l->r.err != DRV_OK) {
        l->failed++;
        l->last_err = l->r.err;
        snprintf(l->last_msg, sizeof l->last_msg, "%s", l->r.errmsg);
    }
}

/* Run every lane to its quota; false if the time limit came first. */
static bool pump(const drv_ops *d, lane *ls, int n, make_fn make, void *user, double limit_s)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    for (int i = 0; i < n; i++) {
        ls[i].fd = -1;
        ls[i].busy = false;
    }
    double t0 = now_s();
    bool finished = false;
    while (now_s() - t0 < limit_s) {
        bool all = true;
        for (int i = 0; i < n; i++) {
            lane *l = &ls[i];
            while (!l->busy && l->sent < l->quota) {
                make(l, user);
                l->sent++;
                if (d->start(l->c, &l->call, &l->r) == DRV_WAIT) {
                    l->busy = true;
                    lane_watch(ep, ls, n, l);
                } else {
                    lane_done(l);
                }
            }
            all = all && !l->busy && l->sent == l->quota;
        }
        if (all) {
            finished = true;
            break;
        }
        struct epoll_event evs[64];
        int k = sleep_wait(d, ep, evs, 64, 100);
        for (int i = 0; i < k; i++) {
            lane *l = evs[i].data.ptr;
            if (!l->busy) {
                lane_unwatch(ep, l);
                continue;
            }
            if (d->resume(l->c, &l->r) == DRV_WAIT)
                lane_watch(ep, ls, n, l);
            else
                lane_done(l);
        }
    }
    for (int i = 0; i < n; i++)
        lane_unwatch(ep, &ls[i]);
    close(ep);
    return finished;
}

static int failures(const lane *ls, int n, int *which)
{
    int f = 0;
    for (int i = 0; i < n; i++) {
        f += ls[i].failed;
        if (ls[i].failed && which)
            *which = i;
    }
    return f;
}

static bool open_lanes(const drv_ops *d, const char *url, lane *ls, int n)
{
    char err[256];
    memset(ls, 0, sizeof *ls * (size_t)n);
    for (int i = 0; i < n; i++) {
        ls[i].id = i;
        ls[i].fd = -1;
        ls[i].c = d->connect(url, err, sizeof err);
        CHECK(ls[i].c, "connect lane %d: %s", i, err);
        if (!ls[i].c)
            return false;
        CHECK(d->prepare(ls[i].c, 0, NULL, err, sizeof err) == 0, "prepare: %s", err);
    }
    return true;
}

static void close_lanes(const drv_ops *d, lane *ls, int n)
{
    for (int i = 0; i < n; i++) {
        d->close(ls[i].c);
        ls[i].c = NULL;
    }
}

/* Message `sent` of a lane: {"lane":L,"seq":S,"timestamp":"..."} to queue
 * stmt = (user: spread) ? 3 of every 5 to queue 0, the rest to 1 : 0. */
static void make_seq(lane *l, void *user)
{
    const int *spread = user;
    char ts[40];
    stamp(ts, sizeof ts, 0);
    int len = snprintf(l->msg, sizeof l->msg, "{\"lane\":%d,\"seq\":%d,\"timestamp\":\"%s\"}", l->id, l->sent, ts);
    l->call = (drv_call){ .stmt = spread && *spread ? (l->sent % 5 < 3 ? 0 : 1) : 0, .nparams = 1 };
    l->call.params[0] = drv_text(l->msg, len);
}

/* ---- producers ------------------------------------------------------------- */

static double push_rate(const drv_ops *d, const char *url, int nlanes, int total, int spread, double *took)
{
    lane ls[16];
    if (!open_lanes(d, url, ls, nlanes)) {
        close_lanes(d, ls, nlanes);
        return 0;
    }
    for (int i = 0; i < nlanes; i++)
        ls[i].quota = total / nlanes + (i < total % nlanes);
    double t0 = now_s();
    bool ok = pump(d, ls, nlanes, make_seq, &spread, 60);
    *took = now_s() - t0;
    int which = 0, f = failures(ls, nlanes, &which);
    CHECK(ok && f == 0, "%d lanes: finished %d, %d failures (%s)", nlanes, ok, f, f ? ls[which].last_msg : "");
    close_lanes(d, ls, nlanes);
    return total / *took;
}

static void test_two_queues(const drv_ops *d, redisContext *a, const char *base)
{
    char url[512], qa[96], qb[96];
    key(qa, sizeof qa, "a");
    key(qb, sizeof qb, "b");
    command(a, "DEL %s %s", qa, qb);
    snprintf(url, sizeof url, "%s?queue=%s,%s", base, qa, qb);
    double took;
    double rate = push_rate(d, url, 1, 10000, 1, &took);
    long long la = integer(a, "LLEN %s", qa), lb = integer(a, "LLEN %s", qb);
    CHECK(la == 6000 && lb == 4000, "two queues, one lane: LLEN %lld and %lld, want 6000 and 4000", la, lb);
    printf("pipeline=1, 1 lane: 10000 LPUSH in %.3f s, %.0f/s\n", took, rate);

    /* The messages arrived whole and in order. */
    redisReply *r = redisCommand(a, "LRANGE %s -3 -1", qa);
    CHECK(r && r->type == REDIS_REPLY_ARRAY && r->elements == 3 && strstr(r->element[2]->str, "\"seq\":0,") &&
              strstr(r->element[1]->str, "\"seq\":1,") && strstr(r->element[0]->str, "\"seq\":2,"),
          "oldest messages of queue a in order");
    freeReplyObject(r);

    /* The same through drv_run_sync (set-up style): one call, polled. */
    char err[256];
    drv_conn *c = d->connect(url, err, sizeof err);
    CHECK(c, "connect: %s", err);
    if (c) {
        drv_call call = { .stmt = 1, .nparams = 2 };
        call.params[0] = drv_text("{\"x\":1}", 7);
        call.params[1] = drv_text("id-1", 4);
        drv_reply rep;
        drv_errclass e = drv_run_sync(d, c, &call, &rep);
        CHECK(e == DRV_OK && rep.rows == 1 && rep.ncols == 1 && rep.col[0] == 4001,
              "drv_run_sync: err %d rows %" PRId64 " len %" PRId64 " (%s)", (int)e, rep.rows, rep.col[0], rep.errmsg);
        call.stmt = 2;
        e = drv_run_sync(d, c, &call, &rep);
        CHECK(e == DRV_ERR_OTHER && strstr(rep.errmsg, "no such queue"), "queue 2 of 2: %d %s", (int)e, rep.errmsg);
        call.stmt = 0;
        call.params[0] = drv_int(5);
        e = drv_run_sync(d, c, &call, &rep);
        CHECK(e == DRV_ERR_OTHER, "a message that is no text: %d %s", (int)e, rep.errmsg);
        /* A key of another type: the server's error, and the lane goes on. */
        char other[96];
        key(other, sizeof other, "str");
        command(a, "SET %s x", other);
        char url2[512];
        snprintf(url2, sizeof url2, "%s?queue=%s", base, other);
        drv_conn *c2 = d->connect(url2, err, sizeof err);
        if (c2) {
            call.params[0] = drv_text("{}", 2);
            e = drv_run_sync(d, c2, &call, &rep);
            CHECK(e == DRV_ERR_OTHER && strncmp(rep.errmsg, "WRONGTYPE", 9) == 0, "wrong type: %d %s", (int)e,
                  rep.errmsg);
            e = drv_run_sync(d, c2, &call, &rep);
            CHECK(e == DRV_ERR_OTHER, "again: %d %s", (int)e, rep.errmsg);
            d->close(c2);
        }
        command(a, "DEL %s", other);
        d->close(c);
    }
    command(a, "DEL %s %s", qa, qb);
}

/* pipeline=16, 16 lanes in one thread: one socket, every message there, each
 * lane's in the order it sent them. */
static void test_pipeline(const drv_ops *d, redisContext *a, const char *base)
{
    char url[512], q[96];
    key(q, sizeof q, "order");
    command(a, "DEL %s", q);
    snprintf(url, sizeof url, "%s?queue=%s&pipeline=16", base, q);
    lane ls[16];
    if (open_lanes(d, url, ls, 16)) {
        CHECK(clients(a, "producer", NULL) == 1, "16 lanes share one socket: %d", clients(a, "producer", NULL));
        for (int i = 0; i < 16; i++)
            ls[i].quota = 625;
        memset(&waits, 0, sizeof waits);
        long long w0, r0, w1, r1;
        thread_io(&w0, &r0);
        double t0 = now_s();
        bool ok = pump(d, ls, 16, make_seq, NULL, 60);
        double took = now_s() - t0;
        thread_io(&w1, &r1);
        int which = 0, f = failures(ls, 16, &which);
        CHECK(ok && f == 0, "pipeline: finished %d, %d failures (%s)", ok, f, f ? ls[which].last_msg : "");
        printf("pipeline=16, 16 lanes: 10000 LPUSH in %.3f s, %.0f/s, %.3f writes and %.3f reads a call "
               "(waits: %d on the socket, %d on the pipe's epoll)\n",
               took, 10000 / took, (double)(w1 - w0) / 10000, (double)(r1 - r0) / 10000, waits.on_socket,
               waits.on_epoll);
        CHECK(waits.on_socket == 0 && waits.on_epoll >= 10000, "lanes waited on the pipe's epoll (%d), not the socket (%d)",
              waits.on_epoll, waits.on_socket);
        /* flush() sends what all 16 appended in one write (and wakes nobody
         * when the engine resumes them all in one pass): at most 2 writes
         * for 16 calls. One write a command, as before flush(), is 16. */
        CHECK(w0 >= 0 && w1 - w0 <= 10000 / 8, "pipeline: %lld write calls for 10000 commands", w1 - w0);

        /* One round by hand: starting writes nothing, flush() one write. */
        d->flush();   /* from now on this thread flushes, if it did not yet */
        for (int i = 0; i < 16; i++)
            ls[i].fd = -1;
        int ep = epoll_create1(EPOLL_CLOEXEC), busy = 0;
        thread_io(&w0, &r0);
        for (int i = 0; i < 16; i++) {
            make_seq(&ls[i], NULL);
            ls[i].busy = d->start(ls[i].c, &ls[i].call, &ls[i].r) == DRV_WAIT;
            busy += ls[i].busy;
        }
        thread_io(&w1, &r1);
        d->flush();
        long long w2, r2;
        thread_io(&w2, &r2);
        CHECK(busy == 16 && w1 == w0 && w2 - w1 == 1, "16 starts: %d wait, %lld writes; then flush: %lld writes", busy,
              w1 - w0, w2 - w1);
        for (int i = 0; i < 16; i++) {
            ls[i].sent++;
            if (ls[i].busy)
                lane_watch(ep, ls, 16, &ls[i]);
        }
        t0 = now_s();
        while (busy && now_s() - t0 < 5) {
            struct epoll_event evs[16];
            int k = sleep_wait(d, ep, evs, 16, 100);
            for (int i = 0; i < k; i++) {
                lane *l = evs[i].data.ptr;
                if (!l->busy)
                    continue;
                if (d->resume(l->c, &l->r) == DRV_WAIT) {
                    lane_watch(ep, ls, 16, l);
                } else {
                    lane_done(l);
                    busy--;
                }
            }
        }
        CHECK(busy == 0 && failures(ls, 16, NULL) == 0, "the round by hand: %d waiting, %d failures", busy,
              failures(ls, 16, NULL));
        for (int i = 0; i < 16; i++)
            lane_unwatch(ep, &ls[i]);
        close(ep);
    }
    close_lanes(d, ls, 16);
    CHECK(clients(a, "producer", NULL) == 0, "closing the lanes closes the socket");

    long long n = integer(a, "LLEN %s", q);
    CHECK(n == 10016, "pipeline: LLEN %lld", n);
    redisReply *r = redisCommand(a, "LRANGE %s 0 -1", q);
    int next[16] = { 0 }, bad = 0, parsed = 0;
    for (size_t i = r && r->type == REDIS_REPLY_ARRAY ? r->elements : 0; i-- > 0;) {   /* oldest first */
        int l, s;
        if (sscanf(r->element[i]->str, "{\"lane\":%d,\"seq\":%d", &l, &s) != 2 || l < 0 || l >= 16) {
            bad++;
            continue;
        }
        parsed++;
        if (s != next[l])
            bad++;
        next[l] = s + 1;
    }
    freeReplyObject(r);
    CHECK(parsed == 10016 && bad == 0, "pipeline order: %d messages, %d out of order", parsed, bad);
    for (int i = 0; i < 16; i++)
        CHECK(next[i] == 626, "lane %d: %d messages", i, next[i]);

    /* For comparison: 16 lanes on 16 sockets. */
    snprintf(url, sizeof url, "%s?queue=%s", base, q);
    double took;
    double rate = push_rate(d, url, 16, 10000, 0, &took);
    printf("pipeline=1, 16 lanes (16 sockets): 10000 LPUSH in %.3f s, %.0f/s\n", took, rate);
    command(a, "DEL %s", q);
}

/* Lanes of two threads never share a socket; one thread flushes, the
 * other does not (its lanes write at once). */
typedef struct thread_arg {
    const drv_ops *d;
    const char *url;
    pthread_barrier_t *ready, *counted;
    bool no_flush;
    int failed;
} thread_arg;

static void *lanes_thread(void *p)
{
    thread_arg *t = p;
    no_flush = t->no_flush;
    lane ls[4];
    if (open_lanes(t->d, t->url, ls, 4)) {
        for (int i = 0; i < 4; i++)
            ls[i].quota = 250;
        t->failed = pump(t->d, ls, 4, make_seq, NULL, 30) ? failures(ls, 4, NULL) : -1;
    }
    pthread_barrier_wait(t->ready);
    pthread_barrier_wait(t->counted);
    close_lanes(t->d, ls, 4);
    return NULL;
}

static void test_threads(const drv_ops *d, redisContext *a, const char *base)
{
    char url[512], q[96];
    key(q, sizeof q, "threads");
    command(a, "DEL %s", q);
    snprintf(url, sizeof url, "%s?queue=%s&pipeline=4", base, q);
    pthread_barrier_t ready, counted;
    pthread_barrier_init(&ready, NULL, 3);
    pthread_barrier_init(&counted, NULL, 3);
    /* One thread as the engine's (flush before each sleep), one that never flushes. */
    thread_arg args[2] = { { d, url, &ready, &counted, false, 0 }, { d, url, &ready, &counted, true, 0 } };
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, lanes_thread, &args[i]);
    pthread_barrier_wait(&ready);
    int n = clients(a, "producer", NULL);
    pthread_barrier_wait(&counted);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    pthread_barrier_destroy(&ready);
    pthread_barrier_destroy(&counted);
    CHECK(n == 2, "two threads of 4 lanes at pipeline=4: %d sockets, want 2", n);
    CHECK(args[0].failed == 0 && args[1].failed == 0, "threads: %d %d failures", args[0].failed, args[1].failed);
    long long len = integer(a, "LLEN %s", q);
    CHECK(len == 2000, "threads: LLEN %lld", len);
    command(a, "DEL %s", q);
}

static void make_stream(lane *l, void *user)
{
    (void)user;
    int len = snprintf(l->msg, sizeof l->msg, "{\"seq\":%d}", l->sent);
    l->call = (drv_call){ .stmt = l->sent % 5 < 3 ? 0 : 1, .nparams = 2 };
    l->call.params[0] = drv_text(l->msg, len);
    l->call.params[1] = drv_text("the-id", 6);
}

static void test_streams(const drv_ops *d, redisContext *a, const char *base)
{
    char url[512], sa[96], sb[96];
    key(sa, sizeof sa, "sa");
    key(sb, sizeof sb, "sb");
    command(a, "DEL %s %s", sa, sb);
    snprintf(url, sizeof url, "%s?stream=%s,%s&pipeline=8", base, sa, sb);
    lane ls[8];
    if (open_lanes(d, url, ls, 8)) {
        for (int i = 0; i < 8; i++)
            ls[i].quota = 625;
        bool ok = pump(d, ls, 8, make_stream, NULL, 60);
        int which = 0, f = failures(ls, 8, &which);
        CHECK(ok && f == 0, "streams: finished %d, %d failures (%s)", ok, f, f ? ls[which].last_msg : "");
    }
    close_lanes(d, ls, 8);
    long long na = integer(a, "XLEN %s", sa), nb = integer(a, "XLEN %s", sb);
    CHECK(na == 3000 && nb == 2000, "streams: XLEN %lld and %lld, want 3000 and 2000", na, nb);
    redisReply *r = redisCommand(a, "XRANGE %s - + COUNT 1", sa);
    const redisReply *fields = r && r->type == REDIS_REPLY_ARRAY && r->elements == 1 ? r->element[0]->element[1] : NULL;
    CHECK(fields && fields->elements == 4 && strcmp(fields->element[0]->str, "job") == 0 &&
              strcmp(fields->element[1]->str, "{\"seq\":0}") == 0 && strcmp(fields->element[2]->str, "id") == 0 &&
              strcmp(fields->element[3]->str, "the-id") == 0,
          "a stream entry holds job and id");
    freeReplyObject(r);
    command(a, "DEL %s %s", sa, sb);
}

/* Messages larger than the socket takes at once: the pipe waits for
 * EPOLLOUT, and every byte arrives. */
static void make_big(lane *l, void *user)
{
    char *big = user;
    char head[32];
    int n = snprintf(head, sizeof head, "{\"n\":%6d,\"pad\":\"", l->id * 100 + l->sent);
    memcpy(big, head, (size_t)n);   /* the pad runs to the end: {"n":   123,"pad":"xxx...x"} */
    l->call = (drv_call){ .stmt = 0, .nparams = 1 };
    l->call.params[0] = drv_text(big, (int)strlen(big));
}

static void test_big(const drv_ops *d, redisContext *a, const char *base)
{
    char url[512], q[96];
    key(q, sizeof q, "big");
    command(a, "DEL %s", q);
    snprintf(url, sizeof url, "%s?queue=%s&pipeline=4", base, q);
    size_t size = 8u << 20;
    char *big = malloc(size + 1);
    lane ls[4];
    if (big && open_lanes(d, url, ls, 4)) {
        memset(big, 'x', size);
        big[size - 2] = '"';
        big[size - 1] = '}';
        big[size] = '\0';
        for (int i = 0; i < 4; i++)
            ls[i].quota = 4;
        memset(&waits, 0, sizeof waits);
        waits.look_inside = true;
        bool ok = pump(d, ls, 4, make_big, big, 60);
        CHECK(ok && failures(ls, 4, NULL) == 0, "big messages: %d, %d failures", ok, failures(ls, 4, NULL));
        long long n = integer(a, "LLEN %s", q);
        redisReply *r = redisCommand(a, "LINDEX %s 0", q);
        CHECK(n == 16 && r && r->type == REDIS_REPLY_STRING && r->len == size && r->str[size - 1] == '}',
              "16 messages of 4 MB: LLEN %lld, last %zu bytes", n, r ? r->len : 0);
        freeReplyObject(r);
        printf("big messages to Redis: %d waits asked for EPOLLOUT\n", waits.for_output);
    }
    close_lanes(d, ls, 4);
    free(big);
    command(a, "DEL %s", q);
}

/* A stand-in server that answers the handshake, then reads nothing for a
 * while (so the client's socket buffer fills and lanes must wait for
 * EPOLLOUT), then answers each command with :1, and with garbage from
 * command `garbage_at` on. */
typedef struct fake {
    int listen_fd, port;
    int stall_ms;
    int garbage_at;        /* 0 never */
    int pause_after;       /* after answering this command, read nothing for pause_ms; 0 never */
    int pause_ms;
    int commands;          /* after the handshake */
    long long bytes;       /* argument bytes received */
    pthread_t thread;
} fake;

static void *fake_main(void *arg)
{
    fake *f = arg;
    int c = accept(f->listen_fd, NULL, NULL);
    if (c < 0)
        return NULL;
    FILE *in = fdopen(dup(c), "r");
    char line[64];
    static char skip[1 << 16];
    for (int n = 0; in && fgets(line, sizeof line, in); n++) {
        if (line[0] != '*')
            break;
        int args = atoi(line + 1);
        for (int i = 0; i < args; i++) {
            if (!fgets(line, sizeof line, in) || line[0] != '$')
                goto out;
            long long len = atoll(line + 1) + 2;
            if (n >= 2)
                f->bytes += len - 2;
            while (len > 0) {
                size_t k = fread(skip, 1, len < (long long)sizeof skip ? (size_t)len : sizeof skip, in);
                if (k == 0)
                    goto out;
                len -= (long long)k;
            }
        }
        const char *reply = ":1\r\n";
        if (n < 2) {
            reply = "+OK\r\n";   /* SELECT, CLIENT SETNAME */
        } else {
            f->commands++;
            if (f->garbage_at && f->commands >= f->garbage_at)
                reply = "?what\r\n";
        }
        if (write(c, reply, strlen(reply)) < 0)
            break;
        if (n == 1)
            usleep((useconds_t)f->stall_ms * 1000);
        if (n >= 2 && f->commands == f->pause_after)
            usleep((useconds_t)f->pause_ms * 1000);
    }
out:
    if (in)
        fclose(in);
    close(c);
    return NULL;
}

static bool fake_start(fake *f)
{
    f->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof sa;
    if (f->listen_fd < 0 || bind(f->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(f->listen_fd, 4) != 0 || getsockname(f->listen_fd, (struct sockaddr *)&sa, &len) != 0)
        return false;
    f->port = ntohs(sa.sin_port);
    return pthread_create(&f->thread, NULL, fake_main, f) == 0;
}

static void fake_stop(fake *f)
{
    pthread_join(f->thread, NULL);
    close(f->listen_fd);
}

static void test_output_waits(const drv_ops *d)
{
    /* Stalled after the first big command too: 4 lanes of 8 MiB messages
     * then outgrow what loopback buffers hold (about 10 MiB at most), so the
     * pipe must wait for EPOLLOUT however fast the server reads otherwise. */
    fake f = { .stall_ms = 500, .garbage_at = 17, .pause_after = 1, .pause_ms = 500 };
    if (!fake_start(&f)) {
        CHECK(false, "fake server: %m");
        return;
    }
    char url[128];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d/0?queue=q&pipeline=4", f.port);
    size_t size = 8u << 20;
    char *big = malloc(size + 1);
    lane ls[4];
    if (big && open_lanes(d, url, ls, 4)) {
        memset(big, 'x', size);
        big[size - 2] = '"';
        big[size - 1] = '}';
        big[size] = '\0';
        for (int i = 0; i < 4; i++)
            ls[i].quota = 4;
        memset(&waits, 0, sizeof waits);
        waits.look_inside = true;
        bool ok = pump(d, ls, 4, make_big, big, 30);
        CHECK(ok && failures(ls, 4, NULL) == 0, "big messages: %d, %d failures (%s)", ok, failures(ls, 4, NULL),
              ls[0].last_msg);
        CHECK(f.commands == 16 && f.bytes == 16 * (5 + 1 + (long long)size), "the server got %d commands, %lld bytes",
              f.commands, f.bytes);
        CHECK(waits.for_output > 0, "the pipe waited for EPOLLOUT: %d", waits.for_output);
        printf("big messages, stalled server: %d waits asked for EPOLLOUT\n", waits.for_output);
        /* A reply hiredis cannot read: the connection is lost, for every lane. */
        for (int i = 0; i < 4; i++)
            ls[i].quota = 5;
        pump(d, ls, 4, make_seq, NULL, 10);
        for (int i = 0; i < 4; i++)
            CHECK(ls[i].failed == 1 && ls[i].last_err == DRV_ERR_CONNECTION, "protocol error, lane %d: %d %d %s", i,
                  ls[i].failed, (int)ls[i].last_err, ls[i].last_msg);
        printf("protocol error: %s\n", ls[0].last_msg);
    }
    close_lanes(d, ls, 4);
    free(big);
    fake_stop(&f);
}

/* A lane whose reply another lane read must still wake when the engine
 * does not resume it in the same pass (it took fewer events than were
 * ready): three lanes with their replies all in; one is resumed and reads
 * all three; the other two come up on later waits, the last after the
 * second was closed without being resumed; and once every outcome is
 * collected, no lane's fd is readable any more. */
static void owed_wake(const drv_ops *d, const char *url)
{
    lane ls[3];
    if (!open_lanes(d, url, ls, 3)) {
        close_lanes(d, ls, 3);
        return;
    }
    const char *how = no_flush ? "without flush" : "with flush";
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int busy = 0;
    for (int i = 0; i < 3; i++) {
        make_seq(&ls[i], NULL);
        ls[i].busy = d->start(ls[i].c, &ls[i].call, &ls[i].r) == DRV_WAIT;
        if (ls[i].busy)
            lane_watch(ep, ls, 3, &ls[i]);
        busy += ls[i].busy;
    }
    CHECK(busy == 3, "%s: 3 calls in flight: %d", how, busy);
    if (d->flush && !no_flush)
        d->flush();   /* sends them (without, start did) */
    usleep(100000);   /* all three replies are in */
    struct epoll_event ev;
    lane *got[3] = { NULL };
    for (int n = 0, tries = 0; n < 3 && busy == 3 && tries < 20; n++, tries++) {
        /* One event per wait, as an engine with more ready than it takes. */
        if (sleep_wait(d, ep, &ev, 1, 1000) != 1)
            break;
        got[n] = ev.data.ptr;
        if (n == 1) {   /* given up on before it runs */
            lane_unwatch(ep, got[n]);
            d->close(got[n]->c);
            got[n]->c = NULL;
            got[n]->busy = false;
        } else if (d->resume(got[n]->c, &got[n]->r) == DRV_DONE) {
            lane_done(got[n]);
        } else {
            lane_watch(ep, ls, 3, got[n]);
            n--;   /* not its reply: wait again */
        }
    }
    CHECK(got[0] && got[1] && got[2] && got[0] != got[1] && got[1] != got[2] && got[0] != got[2],
          "%s: each of the three came up (%p %p %p)", how, (void *)got[0], (void *)got[1], (void *)got[2]);
    bool quiet = true;
    for (int i = 0; i < 3; i++)
        if (ls[i].c) {
            CHECK(!ls[i].busy && ls[i].failed == 0, "%s: lane %d: busy %d, %d failed (%s)", how, i, ls[i].busy,
                  ls[i].failed, ls[i].last_msg);
            struct pollfd pf = { .fd = ls[i].r.fd, .events = POLLIN };
            quiet = quiet && poll(&pf, 1, 0) == 0;
        }
    CHECK(quiet, "%s: once every outcome is collected, no lane's fd is readable", how);
    for (int i = 0; i < 3; i++)
        lane_unwatch(ep, &ls[i]);
    close(ep);
    /* The two left go on. */
    lane rest[3];
    int m = 0;
    for (int i = 0; i < 3; i++)
        if (ls[i].c)
            rest[m++] = ls[i];
    for (int i = 0; i < m; i++)
        rest[i].quota = rest[i].sent + 50;
    bool ok = pump(d, rest, m, make_seq, NULL, 10);
    CHECK(m == 2 && ok && failures(rest, m, NULL) == 0, "%s: and go on: %d lanes, %d, %d failures", how, m, ok,
          failures(rest, m, NULL));
    for (int i = 0; i < m; i++)
        d->close(rest[i].c);
}

typedef struct owed_arg {
    const drv_ops *d;
    const char *url;
} owed_arg;

static void *owed_thread(void *p)
{
    owed_arg *o = p;
    no_flush = true;
    owed_wake(o->d, o->url);
    return NULL;
}

static void test_owed_wake(const drv_ops *d, redisContext *a, const char *base)
{
    char url[512], q[96];
    key(q, sizeof q, "owed");
    command(a, "DEL %s", q);
    snprintf(url, sizeof url, "%s?queue=%s&pipeline=3", base, q);
    owed_wake(d, url);
    owed_arg o = { d, url };
    pthread_t th;
    if (pthread_create(&th, NULL, owed_thread, &o) == 0)
        pthread_join(th, NULL);
    long long n = integer(a, "LLEN %s", q);
    CHECK(n == 2 * (3 + 2 * 50), "owed: LLEN %lld", n);
    command(a, "DEL %s", q);
}

/* Lanes closed mid-call (the engine gives up on them): their replies are
 * read and dropped, the others finish. */
static void test_close_in_flight(const drv_ops *d, redisContext *a, const char *base)
{
    char url[512], q[96];
    key(q, sizeof q, "orphans");
    command(a, "DEL %s", q);
    snprintf(url, sizeof url, "%s?queue=%s&pipeline=6", base, q);
    lane ls[6];
    if (open_lanes(d, url, ls, 6)) {
        command(a, "CLIENT PAUSE 300 WRITE");   /* so all six are still waiting when two go */
        int waiting = 0;
        for (int i = 0; i < 6; i++) {
            make_seq(&ls[i], NULL);
            waiting += d->start(ls[i].c, &ls[i].call, &ls[i].r) == DRV_WAIT;
        }
        CHECK(waiting == 6, "6 in flight: %d", waiting);
        d->flush();   /* sent */
        /* The oldest and one in the middle. */
        d->close(ls[0].c);
        d->close(ls[3].c);
        ls[0].c = ls[3].c = NULL;
        lane rest[4] = { ls[1], ls[2], ls[4], ls[5] };
        for (int i = 0; i < 4; i++)
            rest[i].quota = 1 + 20;   /* the one in flight, then 20 more */
        /* pump starts nothing for a lane still busy: drive the first by hand. */
        int ep = epoll_create1(EPOLL_CLOEXEC);
        for (int i = 0; i < 4; i++) {
            rest[i].fd = -1;
            rest[i].busy = true;
            rest[i].sent = 1;
            lane_watch(ep, rest, 4, &rest[i]);
        }
        double t0 = now_s();
        int busy = 4;
        while (busy && now_s() - t0 < 5) {
            struct epoll_event evs[8];
            int k = sleep_wait(d, ep, evs, 8, 100);
            for (int i = 0; i < k; i++) {
                lane *l = evs[i].data.ptr;
                if (!l->busy) {
                    lane_unwatch(ep, l);
                    continue;
                }
                if (d->resume(l->c, &l->r) == DRV_WAIT) {
                    lane_watch(ep, rest, 4, l);
                } else {
                    lane_done(l);
                    busy--;
                }
            }
        }
        for (int i = 0; i < 4; i++)
            lane_unwatch(ep, &rest[i]);
        close(ep);
        CHECK(busy == 0 && failures(rest, 4, NULL) == 0, "the others finish: %d waiting, %d failures", busy,
              failures(rest, 4, NULL));
        bool ok = pump(d, rest, 4, make_seq, NULL, 10);
        CHECK(ok && failures(rest, 4, NULL) == 0, "and go on: %d, %d failures (%s)", ok, failures(rest, 4, NULL),
              rest[0].last_msg);
        long long n = integer(a, "LLEN %s", q);
        CHECK(n == 6 + 4 * 20, "LLEN %lld: the closed lanes' commands ran too", n);
        for (int i = 0; i < 4; i++)
            d->close(rest[i].c);
        ls[1].c = ls[2].c = ls[4].c = ls[5].c = NULL;
    }
    close_lanes(d, ls, 6);
    command(a, "CLIENT UNPAUSE");
    command(a, "DEL %s", q);
}

/* Lanes closed at random mid-call and opened again, as an engine that
 * gives up on calls would: no call ever waits long, and the server ran
 * every command started (small ones are written whole at once). */
static void test_stress(const drv_ops *d, redisContext *a, const char *base)
{
    char url[512], q[96], err[256];
    key(q, sizeof q, "stress");
    command(a, "DEL %s", q);
    snprintf(url, sizeof url, "%s?queue=%s&pipeline=8", base, q);
    enum { N = 8, TARGET = 20000 };
    lane ls[N];
    if (!open_lanes(d, url, ls, N)) {
        close_lanes(d, ls, N);
        return;
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    double began[N] = { 0 }, t0 = now_s(), longest = 0;
    long started = 0, ok = 0, closed = 0, events = 0;
    unsigned seed = 12345;
    bool stuck = false;
    while (ok < TARGET && now_s() - t0 < 30 && !stuck) {
        for (int i = 0; i < N; i++) {
            lane *l = &ls[i];
            while (!l->busy && l->c) {
                make_seq(l, NULL);
                started++;
                began[i] = now_s();
                if (d->start(l->c, &l->call, &l->r) == DRV_WAIT) {
                    l->busy = true;
                    lane_watch(ep, ls, N, l);
                } else {
                    ok += l->r.err == DRV_OK;
                    if (l->r.err != DRV_OK)
                        CHECK(false, "stress: %s", l->r.errmsg);
                }
            }
        }
        struct epoll_event evs[16];
        int k = sleep_wait(d, ep, evs, 16, 100);
        for (int e = 0; e < k; e++) {
            lane *l = evs[e].data.ptr;
            if (!l->busy) {
                lane_unwatch(ep, l);
                continue;
            }
            if (++events % 53 == 0) {   /* give up on a random busy lane */
                seed = seed * 1103515245u + 12345u;
                lane *v = &ls[(seed >> 16) % N];
                if (v->busy) {
                    lane_unwatch(ep, v);
                    d->close(v->c);
                    v->busy = false;
                    closed++;
                    v->c = d->connect(url, err, sizeof err);
                    CHECK(v->c, "reconnect: %s", err);
                    if (v == l)
                        continue;
                }
            }
            if (!l->busy)
                continue;
            drv_status st = d->resume(l->c, &l->r);
            if (st == DRV_WAIT) {
                lane_watch(ep, ls, N, l);
            } else {
                l->busy = false;
                ok += l->r.err == DRV_OK;
                if (l->r.err != DRV_OK)
                    CHECK(false, "stress: %s", l->r.errmsg);
            }
        }
        for (int i = 0; i < N; i++)
            if (ls[i].busy) {
                double w = now_s() - began[i];
                if (w > longest)
                    longest = w;
                if (w > 3) {
                    CHECK(false, "stress: lane %d waited %.1f s", i, w);
                    stuck = true;
                }
            }
    }
    int busy = 0;
    for (int i = 0; i < N; i++) {
        lane_unwatch(ep, &ls[i]);
        busy += ls[i].busy;
    }
    close(ep);
    int sockets = clients(a, "producer", NULL);
    CHECK(sockets == 1, "stress: lanes opened in place of closed ones join their pipe: %d sockets", sockets);
    close_lanes(d, ls, N);   /* closing the busy ones leaves their commands to the server */
    usleep(100000);
    long long n = integer(a, "LLEN %s", q);
    CHECK(ok >= TARGET && n == started, "stress: %ld ok of %ld started (%ld closed mid-call, %d busy at the end); LLEN %lld",
          ok, started, closed, busy, n);
    printf("stress: %ld calls, %ld lanes closed mid-call, longest wait %.1f ms, %.2f s\n", started, closed,
           longest * 1e3, now_s() - t0);
    command(a, "DEL %s", q);
}

/* ---- failures ---------------------------------------------------------------- */

static int closed_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof sa;
    if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 || getsockname(s, (struct sockaddr *)&sa, &len) != 0) {
        if (s >= 0)
            close(s);
        return 1;
    }
    close(s);
    return ntohs(sa.sin_port);
}

static void expect_refused(const drv_ops *d, const char *url, const char *where, const char *secret,
                           const char *want, double most_s)
{
    char err[256] = "";
    double t0 = now_s();
    drv_conn *c = d->connect(url, err, sizeof err);
    double took = now_s() - t0;
    CHECK(!c, "%s: connected", want);
    d->close(c);
    CHECK(took < most_s, "%s: failed after %.1f s", want, took);
    CHECK(strstr(err, where) && strstr(err, want) && !strchr(err, '\n') && !strstr(err, secret),
          "%s: \"%s\"", want, err);
    printf("%s (%.2f s): %s\n", want, took, err);
}

static void test_connect_errors(const drv_ops *d, const char *base)
{
    char url[512], where[300];
    int p = closed_port();
    snprintf(url, sizeof url, "redis://:s3cretpw@127.0.0.1:%d/0", p);
    snprintf(where, sizeof where, "127.0.0.1:%d", p);
    expect_refused(d, url, where, "s3cretpw", "cannot connect", 10);

    /* A server that accepts and never answers: the handshake times out. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof sa;
    if (s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(s, 4) == 0 &&
        getsockname(s, (struct sockaddr *)&sa, &len) == 0) {
        snprintf(url, sizeof url, "redis://:s3cretpw@127.0.0.1:%d/0", ntohs(sa.sin_port));
        snprintf(where, sizeof where, "127.0.0.1:%d", ntohs(sa.sin_port));
        expect_refused(d, url, where, "s3cretpw", "no answer within", 10);
    }
    if (s >= 0)
        close(s);

    /* A password where the server has none, and a wrong one for an ACL user. */
    snprintf(where, sizeof where, "%s:%d", host, port);
    snprintf(url, sizeof url, "redis://:s3cretpw@%s:%d/0", host, port);
    expect_refused(d, url, where, "s3cretpw", "authentication failed", 10);
    redisContext *a = admin();
    if (!a)
        return;
    char user[64];
    snprintf(user, sizeof user, "surge_test_%ld", (long)getpid());
    command(a, "ACL SETUSER %s on >right-pass-123 ~* &* +@all", user);
    snprintf(url, sizeof url, "redis://%s:wr0ngpass@%s:%d/0", user, host, port);
    expect_refused(d, url, where, "wr0ngpass", "authentication failed", 10);
    char err[256];
    snprintf(url, sizeof url, "redis://%s:right-pass-123@%s:%d/0", user, host, port);
    drv_conn *c = d->connect(url, err, sizeof err);
    CHECK(c, "the right password: %s", err);
    d->close(c);
    command(a, "ACL DELUSER %s", user);

    /* A database the server does not have. */
    snprintf(url, sizeof url, "%s", base);
    char *slash = strrchr(url, '/');
    if (slash && slash > url + 8) {
        snprintf(slash, sizeof url - (size_t)(slash - url), "/99999");
        expect_refused(d, url, where, "s3cretpw", "cannot select database 99999", 10);
    }
    redisFree(a);
}

/* The socket breaks with four lanes waiting on it: each gets a connection
 * error, every later call too, quickly; new lanes work. */
static void test_broken(const drv_ops *d, redisContext *a, const char *base)
{
    char url[512], q[96];
    key(q, sizeof q, "broken");
    snprintf(url, sizeof url, "%s?queue=%s&pipeline=4", base, q);
    lane ls[4];
    if (!open_lanes(d, url, ls, 4)) {
        close_lanes(d, ls, 4);
        return;
    }
    long long id = -1;
    CHECK(clients(a, "producer", &id) == 1 && id > 0, "one producer socket (id %lld)", id);
    /* Writes wait while the server is paused, so the four stay in flight. */
    command(a, "CLIENT PAUSE 5000 WRITE");
    int waiting = 0;
    for (int i = 0; i < 4; i++) {
        make_seq(&ls[i], NULL);
        waiting += d->start(ls[i].c, &ls[i].call, &ls[i].r) == DRV_WAIT;
    }
    CHECK(waiting == 4, "4 calls in flight: %d", waiting);
    d->flush();   /* sent */
    usleep(100000);
    command(a, "CLIENT KILL ID %lld", id);
    command(a, "CLIENT UNPAUSE");
    /* Drive them as the engine would. */
    int ep = epoll_create1(EPOLL_CLOEXEC);
    for (int i = 0; i < 4; i++) {
        ls[i].busy = waiting == 4;
        ls[i].fd = -1;
        if (ls[i].busy)
            lane_watch(ep, ls, 4, &ls[i]);
    }
    double t0 = now_s();
    int busy = waiting == 4 ? 4 : 0;
    while (busy && now_s() - t0 < 5) {
        struct epoll_event evs[8];
        int k = sleep_wait(d, ep, evs, 8, 100);
        for (int i = 0; i < k; i++) {
            lane *l = evs[i].data.ptr;
            if (!l->busy) {
                lane_unwatch(ep, l);
                continue;
            }
            if (d->resume(l->c, &l->r) == DRV_WAIT) {
                lane_watch(ep, ls, 4, l);
            } else {
                lane_done(l);
                busy--;
            }
        }
    }
    for (int i = 0; i < 4; i++)
        lane_unwatch(ep, &ls[i]);
    close(ep);
    CHECK(busy == 0 && now_s() - t0 < 2, "every lane heard of it, in %.2f s (%d still waiting)", now_s() - t0, busy);
    for (int i = 0; i < 4; i++)
        CHECK(ls[i].failed == 1 && ls[i].last_err == DRV_ERR_CONNECTION && strstr(ls[i].last_msg, "lost") &&
                  !strchr(ls[i].last_msg, '\n'),
              "lane %d: %d failures, class %d: %s", i, ls[i].failed, (int)ls[i].last_err, ls[i].last_msg);
    printf("broken socket: %s\n", ls[0].last_msg);
    make_seq(&ls[2], NULL);
    drv_status st = d->start(ls[2].c, &ls[2].call, &ls[2].r);
    CHECK(st == DRV_DONE && ls[2].r.err == DRV_ERR_CONNECTION, "a call after: %d %d", (int)st, (int)ls[2].r.err);
    close_lanes(d, ls, 4);

    /* The engine reconnects: new lanes, a new socket. */
    if (open_lanes(d, url, ls, 4)) {
        for (int i = 0; i < 4; i++)
            ls[i].quota = 10;
        bool ok = pump(d, ls, 4, make_seq, NULL, 10);
        CHECK(ok && failures(ls, 4, NULL) == 0, "after reconnecting: %d, %d failures", ok, failures(ls, 4, NULL));
    }
    close_lanes(d, ls, 4);
    command(a, "DEL %s", q);

    /* One lane (pipeline=1), killed while idle. */
    snprintf(url, sizeof url, "%s?queue=%s", base, q);
    if (open_lanes(d, url, ls, 1)) {
        ls[0].quota = 1;
        pump(d, ls, 1, make_seq, NULL, 5);
        CHECK(clients(a, "producer", &id) == 1, "one producer");
        command(a, "CLIENT KILL ID %lld", id);
        usleep(50000);
        ls[0].quota = 2;
        t0 = now_s();
        pump(d, ls, 1, make_seq, NULL, 5);
        CHECK(ls[0].failed == 1 && ls[0].last_err == DRV_ERR_CONNECTION && now_s() - t0 < 2,
              "killed while idle: %d failures, class %d, %.2f s: %s", ls[0].failed, (int)ls[0].last_err,
              now_s() - t0, ls[0].last_msg);
    }
    close_lanes(d, ls, 1);
    command(a, "DEL %s", q);
}

/* ---- run level ----------------------------------------------------------------- */

typedef struct jobs {
    double ago_s;
    bool first_bad;  /* each lane's first job has no timestamp */
    int nq;
} jobs;

static void make_job(lane *l, void *user)
{
    const jobs *j = user;
    char ts[40];
    stamp(ts, sizeof ts, j->ago_s);
    int n = l->id * 100000 + l->sent;
    int len = j->first_bad && l->sent == 0
                  ? snprintf(l->msg, sizeof l->msg, "{\"n\":%d,\"when\":\"%s\"}", n, ts)
                  : snprintf(l->msg, sizeof l->msg, "{\"n\":%d,\"timestamp\":\"%s\",\"kind\":\"job\"}", n, ts);
    l->call = (drv_call){ .stmt = l->sent % j->nq, .nparams = 1 };
    l->call.params[0] = drv_text(l->msg, len);
}

static const drv_fact *fact(const drv_fact *f, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0)
            return &f[i];
    return NULL;
}

static const drv_gauge *gauge(const drv_gauge *g, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(g[i].name, name) == 0)
            return &g[i];
    return NULL;
}

/* Gauges without consumers: the depth LLEN says. */
static void test_gauges(const drv_ops *d, redisContext *a, const char *base)
{
    char url[512], qa[96], qb[96], err[256];
    key(qa, sizeof qa, "Depth-A");
    key(qb, sizeof qb, "depth.b");
    command(a, "DEL %s %s", qa, qb);
    snprintf(url, sizeof url, "%s?queue=%s,%s&pipeline=4", base, qa, qb);
    drv_run_config rc = { .consumers = 0, .drain_s = 1 };
    drv_run *r = d->run_open(url, &rc, err, sizeof err);
    CHECK(r, "run_open: %s", err);
    if (!r)
        return;
    lane ls[4];
    memset(ls, 0, sizeof ls);
    bool opened = true;
    for (int i = 0; i < 4 && opened; i++) {
        ls[i].id = i;
        ls[i].c = d->run_connect(r, err, sizeof err);
        CHECK(ls[i].c, "run_connect: %s", err);
        opened = ls[i].c != NULL;
        ls[i].quota = 500;
    }
    CHECK(clients(a, "producer", NULL) == 1, "run_connect lanes share one socket");
    jobs j = { .nq = 2 };
    if (opened)
        CHECK(pump(d, ls, 4, make_job, &j, 30) && failures(ls, 4, NULL) == 0, "push 2000");
    close_lanes(d, ls, 4);
    integer(a, "LPUSH %s extra", qa);
    long long la = integer(a, "LLEN %s", qa), lb = integer(a, "LLEN %s", qb);
    drv_gauge g[DRV_MAX_GAUGES];
    int n = d->run_gauges(r, g);
    char name_a[DRV_NAME], name_b[DRV_NAME];
    snprintf(name_a, sizeof name_a, "queue_depth_surge_test_%ld_depth_a", (long)getpid());
    snprintf(name_b, sizeof name_b, "queue_depth_surge_test_%ld_depth_b", (long)getpid());
    const drv_gauge *total = gauge(g, n, "queue_depth"), *ga = gauge(g, n, name_a), *gb = gauge(g, n, name_b);
    CHECK(la == 1001 && lb == 1000, "LLEN %lld %lld", la, lb);
    CHECK(n == 3 && total && total->value == (double)(la + lb) && ga && ga->value == (double)la && gb &&
              gb->value == (double)lb,
          "gauges: %d, total %g, %s %g, %s %g", n, total ? total->value : -1, name_a, ga ? ga->value : -1, name_b,
          gb ? gb->value : -1);
    drv_observed o[DRV_MAX_OBSERVED];
    CHECK(d->run_observed(r, o) == 0, "no consumers, nothing observed");
    char msg[256];
    CHECK(!d->run_failed(r, msg, sizeof msg), "not failed");
    drv_fact f[DRV_MAX_FACTS];
    n = d->run_finish(r, f);
    const drv_fact *left = fact(f, n, "left_in_queue");
    CHECK(left && left->value == 2001 && !fact(f, n, "drained"), "no consumers: left %g", left ? left->value : -1);
    d->run_close(r);
    CHECK(clients(a, "sampler", NULL) == 0, "run_close closes the sampler");
    command(a, "DEL %s %s", qa, qb);
}

/* Consumers drain what producers push, and see each job at least as old as
 * its timestamp says. */
static void test_consumers(const drv_ops *d, redisContext *a, const char *base, bool streams)
{
    char url[512], qa[96], qb[96], err[256];
    key(qa, sizeof qa, streams ? "cs1" : "c1");
    key(qb, sizeof qb, streams ? "cs2" : "c2");
    command(a, "DEL %s %s", qa, qb);
    snprintf(url, sizeof url, "%s?%s=%s,%s&pipeline=8", base, streams ? "stream" : "queue", qa, qb);
    drv_run_config rc = { .consumers = 3, .drain_s = 20 };
    double t0 = now_s();
    drv_run *r = d->run_open(url, &rc, err, sizeof err);
    CHECK(r, "run_open: %s", err);
    if (!r)
        return;
    CHECK(clients(a, "consumer", NULL) <= 3, "consumers connect");
    lane ls[8];
    memset(ls, 0, sizeof ls);
    bool opened = true;
    for (int i = 0; i < 8 && opened; i++) {
        ls[i].id = i;
        ls[i].c = d->run_connect(r, err, sizeof err);
        opened = ls[i].c != NULL;
        CHECK(opened, "run_connect: %s", err);
        ls[i].quota = 500;
    }
    /* 8 lanes x 500, alternating queues: 2000 each; each lane's first job
     * (to queue a) has no timestamp, so 1992 + 2000 are measured. */
    jobs j = { .ago_s = 0.05, .first_bad = true, .nq = 2 };
    if (opened)
        CHECK(pump(d, ls, 8, make_job, &j, 30) && failures(ls, 8, NULL) == 0, "push 4000");
    close_lanes(d, ls, 8);
    drv_gauge g[DRV_MAX_GAUGES];
    int ng = d->run_gauges(r, g);
    CHECK(gauge(g, ng, "queue_depth") && gauge(g, ng, "dequeued_per_s") && gauge(g, ng, "unparsed"),
          "gauges with consumers: %d", ng);
    drv_fact f[DRV_MAX_FACTS];
    double t1 = now_s();
    int n = d->run_finish(r, f);
    double took = now_s() - t1;
    const drv_fact *drained = fact(f, n, "drained"), *left = fact(f, n, "left_in_queue"),
                   *deq = fact(f, n, "dequeued"), *unp = fact(f, n, "unparsed"), *ds = fact(f, n, "drain_s");
    CHECK(drained && drained->is_text && strcmp(drained->text, "yes") == 0, "drained: %s",
          drained ? drained->text : "(none)");
    CHECK(left && left->value == 0, "left %g", left ? left->value : -1);
    CHECK(deq && deq->value == 4000 && unp && unp->value == 8, "dequeued %g unparsed %g", deq ? deq->value : -1,
          unp ? unp->value : -1);
    CHECK(ds && ds->value >= 0 && ds->value < 20 && took < 10, "drain_s %g, finish took %.2f s", ds ? ds->value : -1,
          took);
    long long la = integer(a, streams ? "XLEN %s" : "LLEN %s", qa), lb = integer(a, streams ? "XLEN %s" : "LLEN %s", qb);
    CHECK(la == 0 && lb == 0, "empty after: %lld %lld", la, lb);

    drv_observed o[DRV_MAX_OBSERVED];
    int no = d->run_observed(r, o);
    CHECK(no == 3 && strcmp(o[0].name, "dequeue") == 0 && o[0].count == 3992 && hist_count(o[0].lat) == 3992,
          "observed: %d, %s count %" PRIu64, no, no ? o[0].name : "", no ? o[0].count : 0);
    if (no == 3) {
        char na[128], nb[128];
        snprintf(na, sizeof na, "dequeue.%s", qa);
        snprintf(nb, sizeof nb, "dequeue.%s", qb);
        CHECK(strcmp(o[1].name, na) == 0 && strcmp(o[2].name, nb) == 0 && o[1].count == 1992 && o[2].count == 2000 &&
                  o[0].lost == 0,
              "per queue: %s %" PRIu64 ", %s %" PRIu64, o[1].name, o[1].count, o[2].name, o[2].count);
        uint64_t lo = hist_min(o[0].lat), hi = hist_max(o[0].lat);
        double wall = now_s() - t0;
        CHECK(lo >= 50000000 && (double)hi < (wall + 1) * 1e9, "dequeue latency %.1f .. %.1f ms, want >= 50",
              (double)lo / 1e6, (double)hi / 1e6);
        printf("%s: 4000 jobs, 3 consumers: dequeue latency min %.1f ms, p50 %.1f ms, max %.1f ms; drained in %.2f s\n",
               streams ? "streams" : "lists", (double)lo / 1e6, (double)hist_percentile(o[0].lat, 50) / 1e6,
               (double)hi / 1e6, ds ? ds->value : -1);
    }
    d->run_close(r);
    CHECK(clients(a, "consumer", NULL) == 0, "consumers gone after run_close");
    command(a, "DEL %s %s", qa, qb);
}

/* The consumers cannot drain (the server holds every write): run_finish
 * gives up after drain_s and still stops them in bounded time. */
static void test_drain_timeout(const drv_ops *d, redisContext *a, const char *base)
{
    char url[512], q[96], err[256];
    key(q, sizeof q, "stalled");
    command(a, "DEL %s", q);
    for (int i = 0; i < 10; i++)
        integer(a, "LPUSH %s {}", q);
    snprintf(url, sizeof url, "%s?queue=%s", base, q);
    command(a, "CLIENT PAUSE 1500 WRITE");   /* BRPOP is a write: the consumers wait */
    drv_run_config rc = { .consumers = 2, .drain_s = 0.3 };
    drv_run *r = d->run_open(url, &rc, err, sizeof err);
    CHECK(r, "run_open: %s", err);
    if (r) {
        drv_fact f[DRV_MAX_FACTS];
        double t0 = now_s();
        int n = d->run_finish(r, f);
        double took = now_s() - t0;
        const drv_fact *drained = fact(f, n, "drained"), *ds = fact(f, n, "drain_s");
        CHECK(drained && strcmp(drained->text, "no") == 0, "drained: %s", drained ? drained->text : "(none)");
        CHECK(ds && ds->value >= 0.3 && ds->value < 1, "drain_s %g", ds ? ds->value : -1);
        CHECK(took < 0.3 + 2 * 3 + 1, "run_finish took %.2f s", took);
        printf("stalled consumers: drained %s after %.2f s, run_finish %.2f s\n", drained ? drained->text : "?",
               ds ? ds->value : -1, took);
        d->run_close(r);
    }
    command(a, "CLIENT UNPAUSE");
    command(a, "DEL %s", q);
}

static void test_run_errors(const drv_ops *d)
{
    char url[128], err[256];
    snprintf(url, sizeof url, "redis://:s3cretpw@127.0.0.1:%d/0", closed_port());
    drv_run_config rc = { .consumers = 1, .drain_s = 1 };
    double t0 = now_s();
    drv_run *r = d->run_open(url, &rc, err, sizeof err);
    CHECK(!r && strstr(err, "cannot connect") && !strstr(err, "s3cretpw") && now_s() - t0 < 10, "run_open: %s", err);
    if (r)
        d->run_close(r);
    r = d->run_open("redis://h?queue=", &rc, err, sizeof err);
    CHECK(!r && strstr(err, "bad URL"), "run_open, bad URL: %s", err);
}

int main(void)
{
    test_urls();
    const char *url = getenv("SURGE_TEST_REDIS");
    if (!url || !*url) {
        if (getenv("SURGE_SERVERS_DIR")) {
            CHECK(false, "SURGE_TEST_REDIS is not set, though the test servers are (SURGE_SERVERS_DIR)");
            return check_report();
        }
        if (check_failures)
            return check_report();
        printf("skipped: SURGE_TEST_REDIS not set\n");
        return 0;
    }
    if (sscanf(url, "redis://%255[^:/]:%d", host, &port) != 2) {
        CHECK(false, "SURGE_TEST_REDIS: expected redis://HOST:PORT/DB, got %s", url);
        return check_report();
    }
    snprintf(prefix, sizeof prefix, "surge:test:%ld", (long)getpid());
    const drv_ops *d = drv_find(url);
    redisContext *a = admin();
    CHECK(d && a, "driver and admin connection");
    if (!d || !a)
        return check_report();
    test_two_queues(d, a, url);
    test_pipeline(d, a, url);
    test_threads(d, a, url);
    test_big(d, a, url);
    test_output_waits(d);
    test_owed_wake(d, a, url);
    test_stress(d, a, url);
    test_close_in_flight(d, a, url);
    test_streams(d, a, url);
    test_broken(d, a, url);
    test_gauges(d, a, url);
    test_consumers(d, a, url, false);
    test_consumers(d, a, url, true);
    test_drain_timeout(d, a, url);
    test_run_errors(d);
    test_connect_errors(d, url);
    CHECK(clients(a, "producer", NULL) + clients(a, "consumer", NULL) + clients(a, "sampler", NULL) == 0,
          "no connection left open");
    redisFree(a);
    return check_report();
}
