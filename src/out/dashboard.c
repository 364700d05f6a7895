/* dashboard.c - the web dashboard's HTTP server (libmicrohttpd): routes,
 * access control, and the hand-over from the generator's threads.
 *
 * The reporter thread hands each live result to surge_dashboard_update,
 * which deep-copies it under the mutex (dash_state.c); the server's own
 * thread answers requests from that copy, so a slow client never holds up
 * the generator and a busy generator never holds up the page. Nothing here
 * calls into the generator with the mutex held: pause and resume may call
 * back into surge_dashboard_event from the same thread.
 *
 * Access: loopback by default. On any other address a token is required,
 * and every request must carry it (Authorization: Bearer, or ?token= for a
 * link that opens the page). Without a token the server answers only
 * requests whose Host is a loopback name, so a web page elsewhere cannot
 * reach it through DNS rebinding; and a POST whose Origin is another site
 * is refused, so such a page cannot stop a run with a form either.
 *
 * Stop the dashboard before freeing the generator: its buttons call into it.
 */
#include "surge.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "out/dash.h"
#include "run/engine.h"
#include "out/page.h"

#define DEFAULT_ADDR "127.0.0.1"
#define MAX_TOKEN 256

#define PAGE_CSP "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; " \
                 "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

struct surge_dashboard {
    struct MHD_Daemon *mhd;
    surge_gen *gen;
    char *token;                /* NULL: none asked */
    int port;
    char bound[INET6_ADDRSTRLEN];   /* the address listened on, as text */
    char *page;                 /* the live page, built once */
    size_t page_len;
    pthread_mutex_t lock;       /* guards state */
    dash_state state;
};

typedef struct listen_addr {
    struct sockaddr_storage sa;
    socklen_t len;
    bool loopback;
    char host[INET6_ADDRSTRLEN];
} listen_addr;

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return n > 0;
}

/* "PORT", "ADDR:PORT" or "[V6ADDR]:PORT"; "localhost" is 127.0.0.1. */
static int parse_addr(const char *addr, listen_addr *la, char *err, size_t errlen)
{
    memset(la, 0, sizeof *la);
    if (!addr || !*addr) {
        snprintf(err, errlen, "dashboard: no address given (expected PORT or ADDR:PORT)");
        return -1;
    }
    char host[INET6_ADDRSTRLEN + 2] = DEFAULT_ADDR;
    const char *port = addr;
    const char *colon = strrchr(addr, ':');
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (!close || close[1] != ':' || (size_t)(close - addr - 1) >= sizeof host) {
            snprintf(err, errlen, "dashboard: \"%s\": expected [IPV6]:PORT", addr);
            return -1;
        }
        snprintf(host, sizeof host, "%.*s", (int)(close - addr - 1), addr + 1);
        port = close + 2;
    } else if (colon) {
        if (memchr(addr, ':', (size_t)(colon - addr)) || (size_t)(colon - addr) >= sizeof host) {
            snprintf(err, errlen, "dashboard: \"%s\": expected ADDR:PORT (an IPv6 address goes in brackets)", addr);
            return -1;
        }
        snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
        port = colon + 1;
    }
    long p = all_digits(port, strlen(port)) && strlen(port) <= 5 ? strtol(port, NULL, 10) : -1;
    if (p < 0 || p > 65535) {
        snprintf(err, errlen, "dashboard: \"%s\": expected a port 0..65535 (0 picks a free one)", addr);
        return -1;
    }
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "%s", DEFAULT_ADDR);

    struct sockaddr_in *v4 = (struct sockaddr_in *)&la->sa;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&la->sa;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)p);
        la->len = sizeof *v4;
        la->loopback = (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)p);
        la->len = sizeof *v6;
        la->loopback = IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
    } else {
        snprintf(err, errlen, "dashboard: \"%s\": expected an IP address (or localhost)", host);
        return -1;
    }
    snprintf(la->host, sizeof la->host, "%s", host);
    return 0;
}

static int check_token(const char *token, char *err, size_t errlen)
{
    size_t n = strlen(token);
    if (n == 0 || n > MAX_TOKEN) {
        snprintf(err, errlen, "dashboard: the token must be 1 to %d characters", MAX_TOKEN);
        return -1;
    }
    /* It travels in a header and in a URL: visible ASCII, no spaces. */
    for (size_t i = 0; i < n; i++)
        if (token[i] <= ' ' || token[i] > '~') {
            snprintf(err, errlen, "dashboard: the token may hold only visible ASCII characters, no spaces");
            return -1;
        }
    return 0;
}

/* A listening socket of our own, rather than MHD's: it tells why binding
 * failed (MHD only says it did), and which port 0 picked. */
static int open_listener(const listen_addr *la, int *port, char *err, size_t errlen)
{
    int fd = socket(la->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        snprintf(err, errlen, "dashboard: socket: %s", strerror(errno));
        return -1;
    }
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (la->sa.ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    struct sockaddr_storage got;
    socklen_t gotlen = sizeof got;
    if (bind(fd, (const struct sockaddr *)&la->sa, la->len) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&got, &gotlen) != 0) {
        int e = errno;
        close(fd);
        snprintf(err, errlen, "dashboard: cannot listen on %s:%d: %s", la->host,
                 ntohs(((const struct sockaddr_in *)&la->sa)->sin_port), strerror(e));
        return -1;
    }
    *port = ntohs(got.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&got)->sin6_port
                                            : ((struct sockaddr_in *)&got)->sin_port);
    return fd;
}

/* ---- requests ----------------------------------------------------------- */

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, struct MHD_Response *resp, const char *type)
{
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    enum MHD_Result rc = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* {"error": msg}, msg being one of ours (no escaping needed). */
static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *msg, const char *allow)
{
    char body[256];
    int n = snprintf(body, sizeof body, "{\"error\":\"%s\"}\n", msg);
    struct MHD_Response *resp = MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
    if (resp && status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"surge\"");
    if (resp && allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, allow);
    return respond(c, status, resp, "application/json");
}

/* Equal strings, in a time that does not tell how much of a guess matched. */
static bool same_secret(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    unsigned char diff = na != nb;
    for (size_t i = 0; i < na; i++)
        diff |= (unsigned char)(a[i] ^ b[nb ? i % nb : 0]);
    return diff == 0;
}

static bool authorized(const surge_dashboard *d, struct MHD_Connection *c)
{
    if (!d->token)
        return true;
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (auth && strncasecmp(auth, "Bearer ", 7) == 0 && same_secret(auth + 7, d->token))
        return true;
    const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
    return q && same_secret(q, d->token);
}

/* Without a token: the Host must name loopback (or the address bound), so
 * a page whose name was rebound to 127.0.0.1 gets nothing. */
static bool host_allowed(const surge_dashboard *d, struct MHD_Connection *c)
{
    if (d->token)
        return true;
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!host)
        return true;            /* HTTP/1.0 without Host: no browser sends that */
    char name[256];
    size_t n;
    if (host[0] == '[') {
        const char *close = strchr(host, ']');
        n = close ? (size_t)(close - host + 1) : strlen(host);
    } else {
        n = strcspn(host, ":");
    }
    if (n >= sizeof name)
        return false;
    memcpy(name, host, n);
    name[n] = '\0';
    struct in_addr a4;
    if (strcasecmp(name, "localhost") == 0 || strcmp(name, "[::1]") == 0)
        return true;
    if (inet_pton(AF_INET, name, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127)
        return true;
    if (name[0] == '[' && n > 2) {   /* the bound IPv6 address itself */
        name[n - 1] = '\0';
        return strcmp(name + 1, d->bound) == 0;
    }
    return strcmp(name, d->bound) == 0;
}

/* A POST from a page of another origin (a form on some web site) carries
 * that origin: refuse it. Programs (curl, Python) send no Origin. */
static bool origin_allowed(struct MHD_Connection *c)
{
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    if (!origin)
        return true;
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    return host && strncmp(origin, "http://", 7) == 0 && strcmp(origin + 7, host) == 0;
}

typedef enum doc { DOC_STATUS, DOC_METRICS, DOC_EVENTS, DOC_PROMETHEUS } doc;

static enum MHD_Result send_doc(surge_dashboard *d, struct MHD_Connection *c, doc which, double since)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f)
        return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory", NULL);
    pthread_mutex_lock(&d->lock);
    switch (which) {
    case DOC_STATUS:     dash_write_status(&d->state, f); break;
    case DOC_METRICS:    dash_write_metrics(&d->state, since, f); break;
    case DOC_EVENTS:     dash_write_events(&d->state, f); break;
    case DOC_PROMETHEUS: dash_write_prometheus(&d->state, f); break;
    }
    pthread_mutex_unlock(&d->lock);
    if (fclose(f) != 0) {
        free(buf);
        return send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory", NULL);
    }
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, buf, MHD_RESPMEM_MUST_FREE);
    if (!resp)
        free(buf);
    return respond(c, MHD_HTTP_OK, resp,
                which == DOC_PROMETHEUS ? "text/plain; version=0.0.4; charset=utf-8" : "application/json");
}

static enum MHD_Result send_page(surge_dashboard *d, struct MHD_Connection *c)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(d->page_len, d->page, MHD_RESPMEM_PERSISTENT);
    if (resp) {
        MHD_add_response_header(resp, "Content-Security-Policy", PAGE_CSP);
        MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");   /* the token may be in the URL */
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    }
    return respond(c, MHD_HTTP_OK, resp, "text/html; charset=utf-8");
}

static enum MHD_Result control(surge_dashboard *d, struct MHD_Connection *c, const char *what)
{
    if (!origin_allowed(c))
        return send_error(c, MHD_HTTP_FORBIDDEN, "cross-origin request refused", NULL);
    if (strcmp(what, "pause") == 0)
        surge_gen_pause(d->gen);
    else if (strcmp(what, "resume") == 0)
        surge_gen_resume(d->gen);
    else
        gen_request_stop(d->gen, STOP_API);   /* "stopped", not "signal": someone pressed Stop */
    /* The generator acts on it at once; the status shows it from the next
     * sample on. */
    char body[64];
    int n = snprintf(body, sizeof body, "{\"ok\":true,\"requested\":\"%s\"}\n", what);
    return respond(c, MHD_HTTP_OK, MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY),
                "application/json");
}

static char request_seen;   /* marks a request whose headers were seen */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **req)
{
    (void)version, (void)upload;
    surge_dashboard *d = cls;
    /* MHD calls once with the headers, then with any body, then once more:
     * answer on the last call, after the body (unused) has been read. */
    if (!*req) {
        *req = &request_seen;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (!host_allowed(d, c))
        return send_error(c, MHD_HTTP_FORBIDDEN, "Host is not a loopback name", NULL);
    if (!authorized(d, c))
        return send_error(c, MHD_HTTP_UNAUTHORIZED, "a token is required", NULL);

    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool post = strcmp(method, "POST") == 0;
    if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
        return get ? send_page(d, c) : send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET", "GET, HEAD");
    if (strcmp(url, "/api/status") == 0 || strcmp(url, "/api/events") == 0 || strcmp(url, "/metrics") == 0) {
        if (!get)
            return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET", "GET, HEAD");
        return send_doc(d, c, url[1] == 'm' ? DOC_PROMETHEUS : url[5] == 's' ? DOC_STATUS : DOC_EVENTS, 0);
    }
    if (strcmp(url, "/api/metrics") == 0) {
        if (!get)
            return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET", "GET, HEAD");
        const char *s = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "since");
        double since = -1e300;
        if (s && surge_parse_duration(s, &since) != 0)
            return send_error(c, MHD_HTTP_BAD_REQUEST, "since: expected seconds, e.g. since=12.5", NULL);
        return send_doc(d, c, DOC_METRICS, since);
    }
    if (strcmp(url, "/api/pause") == 0 || strcmp(url, "/api/resume") == 0 || strcmp(url, "/api/stop") == 0)
        return post ? control(d, c, url + 5) : send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST", "POST");
    return send_error(c, MHD_HTTP_NOT_FOUND, "no such page: try /, /api/status, /api/metrics, /metrics", NULL);
}

/* ---- life cycle --------------------------------------------------------- */

static int build_page(surge_dashboard *d)
{
    FILE *f = open_memstream(&d->page, &d->page_len);
    if (!f)
        return -1;
    page_begin(f, "surge dashboard", NULL);   /* the policy goes in a header instead */
    page_end(f, &web_dashboard_js);
    return fclose(f) == 0 ? 0 : -1;
}

surge_dashboard *surge_dashboard_start(const char *addr, const char *token, surge_gen *g, char *err, size_t errlen)
{
    listen_addr la;
    if (parse_addr(addr, &la, err, errlen) != 0)
        return NULL;
    if (token && check_token(token, err, errlen) != 0)
        return NULL;
    if (!la.loopback && !token) {
        snprintf(err, errlen, "dashboard: a token is required to listen on %s (only loopback is open without one)",
                 la.host);
        return NULL;
    }
    surge_dashboard *d = calloc(1, sizeof *d);
    if (!d || dash_state_init(&d->state) != 0 || build_page(d) != 0 || (token && !(d->token = strdup(token)))) {
        snprintf(err, errlen, "dashboard: out of memory");
        goto fail;
    }
    d->gen = g;
    snprintf(d->bound, sizeof d->bound, "%s", la.host);
    pthread_mutex_init(&d->lock, NULL);
    int fd = open_listener(&la, &d->port, err, errlen);
    if (fd < 0)
        goto fail_mutex;
    /* Its own polling thread: requests are answered whatever the
     * generator's threads are doing. */
    d->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
                              (la.sa.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
                              0, NULL, NULL, on_request, d,
                              MHD_OPTION_LISTEN_SOCKET, fd,
                              MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                              MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
                              MHD_OPTION_END);
    if (!d->mhd) {
        close(fd);
        snprintf(err, errlen, "dashboard: the HTTP server did not start on %s:%d", la.host, d->port);
        goto fail_mutex;
    }
    return d;
fail_mutex:
    pthread_mutex_destroy(&d->lock);
fail:
    if (d) {
        dash_state_fini(&d->state);
        free(d->page);
        free(d->token);
        free(d);
    }
    return NULL;
}

void surge_dashboard_update(surge_dashboard *d, const surge_result *live)
{
    if (!d || !live)
        return;
    pthread_mutex_lock(&d->lock);
    dash_state_update(&d->state, live);
    pthread_mutex_unlock(&d->lock);
}

void surge_dashboard_event(surge_dashboard *d, const surge_event *e)
{
    if (!d || !e)
        return;
    pthread_mutex_lock(&d->lock);
    dash_state_event(&d->state, e->json);
    pthread_mutex_unlock(&d->lock);
}

int surge_dashboard_port(const surge_dashboard *d)
{
    return d ? d->port : -1;
}

void surge_dashboard_stop(surge_dashboard *d)
{
    if (!d)
        return;
    MHD_stop_daemon(d->mhd);    /* joins its thread and closes the socket: no request runs after */
    pthread_mutex_destroy(&d->lock);
    dash_state_fini(&d->state);
    free(d->page);
    free(d->token);
    free(d);
}
