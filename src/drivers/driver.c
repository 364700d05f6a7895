/* driver.c - the driver registry: a new driver is one file and one line here. */
#include "drivers/driver.h"

#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

extern const drv_ops sqlite_driver;
extern const drv_ops null_driver;
extern const drv_ops postgres_driver;
extern const drv_ops mysql_driver;
extern const drv_ops mssql_driver;
extern const drv_ops redis_driver;
extern const drv_ops jsonl_driver;

static const drv_ops *const drivers[] = {
    &sqlite_driver,
    &null_driver,
    &postgres_driver,
    &mysql_driver,
    &mssql_driver,
    &redis_driver,
    &jsonl_driver,
};

#define NDRIVERS (sizeof drivers / sizeof drivers[0])

const drv_ops *drv_find(const char *url)
{
    for (size_t i = 0; i < NDRIVERS; i++)
        for (const char *const *s = drivers[i]->schemes; *s; s++)
            if (strncmp(url, *s, strlen(*s)) == 0)
                return drivers[i];
    return NULL;
}

const char *drv_schemes_list(void)
{
    static char list[256];
    if (list[0])
        return list;
    size_t n = 0;
    for (size_t i = 0; i < NDRIVERS; i++)
        for (const char *const *s = drivers[i]->schemes; *s; s++)
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", *s);
    return list;
}

drv_errclass drv_run_sync(const drv_ops *d, drv_conn *c, const drv_call *call, drv_reply *reply)
{
    drv_status st = d->start(c, call, reply);
    while (st == DRV_WAIT) {
        if (d->flush)
            d->flush();   /* what the call queued goes out before we wait for its answer */
        struct pollfd p = { .fd = reply->fd,
                            .events = (short)((reply->events & EPOLLIN ? POLLIN : 0) |
                                              (reply->events & EPOLLOUT ? POLLOUT : 0)) };
        if (poll(&p, 1, 1000) < 0)
            continue;
        st = d->resume(c, reply);
    }
    return reply->err;
}

const char *drv_local_path(const drv_ops *d, const char *url)
{
    if (!d->local)
        return NULL;
    for (const char *const *s = d->schemes; *s; s++)
        if (strncmp(url, *s, strlen(*s)) == 0) {
            const char *p = url + strlen(*s);
            return strncmp(p, "//", 2) == 0 ? p + 2 : p;
        }
    return NULL;
}

bool drv_local_missing(const drv_ops *d, const char *url)
{
    const char *path = drv_local_path(d, url);
    return path && *path && strcmp(path, ":memory:") != 0 && access(path, F_OK) != 0;
}
