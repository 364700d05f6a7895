/* url.c - target URLs shown to people never carry a password. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "surge.h"

/* Mask "scheme://user:PASSWORD@host" and "password=VALUE" (libpq conninfo,
 * query strings). Anything that might be a secret is replaced whole. */
char *surge_mask_url(const char *url, char *buf, size_t len)
{
    if (!buf || len == 0)
        return buf;
    snprintf(buf, len, "%s", url ? url : "");
    char *scheme = strstr(buf, "://");
    if (scheme) {
        char *auth = scheme + 3;
        char *at = strchr(auth, '@');
        char *slash = strchr(auth, '/');
        if (at && (!slash || at < slash)) {
            /* the last '@' before the path: passwords may contain '@' */
            for (char *p = at + 1; *p && (!slash || p < slash); p++)
                if (*p == '@')
                    at = p;
            char *colon = memchr(auth, ':', (size_t)(at - auth));
            if (colon) {
                char rest[1024];
                snprintf(rest, sizeof rest, "%s", at);
                snprintf(colon + 1, len - (size_t)(colon + 1 - buf), "****%s", rest);
            }
        }
    }
    for (char *p = buf; (p = strcasestr(p, "password=")) != NULL;) {
        p += 9;
        size_t n = strcspn(p, " &;");
        char rest[1024];
        snprintf(rest, sizeof rest, "%s", p + n);
        snprintf(p, len - (size_t)(p - buf), "****%s", rest);
        p += 4;
    }
    return buf;
}
