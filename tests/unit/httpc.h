/* httpc.h - a tiny HTTP/1.1 client for the dashboard's tests: one request
 * per connection (Connection: close) to 127.0.0.1, the whole reply read
 * until the server closes, with a timeout so a hung server fails the test
 * rather than hanging it. Header-only, like check.h. */
#ifndef SURGE_TEST_HTTPC_H
#define SURGE_TEST_HTTPC_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

typedef struct http_reply {
    int status;          /* 0: no reply (connection failed, timeout, garbage) */
    char *head;          /* the status line and headers */
    char *body;
    size_t body_len;
} http_reply;

static void http_reply_free(http_reply *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* A header's value in the reply (case-insensitive name), copied into buf. */
static const char *http_header(const http_reply *r, const char *name, char *buf, size_t len)
{
    size_t n = strlen(name);
    for (const char *p = r->head ? strstr(r->head, "\r\n") : NULL; p && p[2]; p = strstr(p + 2, "\r\n")) {
        const char *line = p + 2;
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            snprintf(buf, len, "%.*s", (int)strcspn(v, "\r\n"), v);
            return buf;
        }
    }
    return NULL;
}

/* method path on 127.0.0.1:port; extra: more header lines, each ending
 * "\r\n" (may be NULL); a Host header is added unless extra has one. */
static http_reply http_request(int port, const char *method, const char *path, const char *extra)
{
    http_reply r = { 0 };
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return r;
    struct timeval tv = { .tv_sec = 10 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return r;
    }
    char req[2048];
    bool has_host = extra && strcasestr(extra, "Host:");
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\n%s%d\r\n%s%sConnection: close\r\n\r\n", method, path,
                     has_host ? "X-Port: " : "Host: 127.0.0.1:", port, extra ? extra : "",
                     strcmp(method, "POST") == 0 ? "Content-Length: 0\r\n" : "");
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return r;
    }
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 1 == cap)
            buf = realloc(buf, cap *= 2);
        ssize_t got = read(fd, buf + len, cap - len - 1);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    buf[len] = '\0';
    char *sep = strstr(buf, "\r\n\r\n");
    if (strncmp(buf, "HTTP/1.1 ", 9) != 0 || !sep) {
        free(buf);
        return r;
    }
    r.status = atoi(buf + 9);
    r.head = strndup(buf, (size_t)(sep - buf + 2));
    r.body_len = len - (size_t)(sep + 4 - buf);
    r.body = malloc(r.body_len + 1);
    memcpy(r.body, sep + 4, r.body_len);
    r.body[r.body_len] = '\0';
    free(buf);
    return r;
}

#endif
