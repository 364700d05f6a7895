/* strbuf.c - a growing string (see strbuf.h). */
#include "core/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool sb_reserve(strbuf *b, size_t more)
{
    if (b->oom)
        return false;
    if (b->len + more + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

void sb_addn(strbuf *b, const char *s, size_t n)
{
    if (!sb_reserve(b, n))
        return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void sb_add(strbuf *b, const char *s) { sb_addn(b, s, strlen(s)); }

void sb_addc(strbuf *b, char c) { sb_addn(b, &c, 1); }

void sb_addf(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !sb_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void sb_reset(strbuf *b)
{
    b->len = 0;
    if (b->p)
        b->p[0] = '\0';
}

char *sb_take(strbuf *b)
{
    char *p = b->oom ? NULL : b->p;
    if (!p && !b->oom)
        p = calloc(1, 1);
    if (b->oom)
        free(b->p);
    *b = (strbuf){ 0 };
    return p;
}

void sb_free(strbuf *b)
{
    free(b->p);
    *b = (strbuf){ 0 };
}
