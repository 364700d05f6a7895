/* errtab.c - errors grouped by message. Linear search: errors are the slow
 * path, and a table of 64 short strings fits in a few cache lines' worth of
 * comparisons that stop at the first differing byte. */
#include "run/errtab.h"

#include <string.h>

void errtab_init(errtab *t)
{
    memset(t, 0, sizeof *t);
}

void errtab_normalize(const char *msg, char *out, int outlen)
{
    int n = 0;
    for (const char *p = msg; *p && n < outlen - 1; p++) {
        if (*p >= '0' && *p <= '9') {
            while (p[1] >= '0' && p[1] <= '9')
                p++;
            out[n++] = '#';
        } else if (*p == '\n' || *p == '\r' || *p == '\t') {
            out[n++] = ' ';
        } else {
            out[n++] = *p;
        }
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
}

static void add_normalized(errtab *t, int op, const char *msg, uint64_t count)
{
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->e[i].msg, msg) == 0) {
            t->e[i].count += count;
            return;
        }
    errtab_entry *e = t->n < ERRTAB_MAX ? &t->e[t->n++] : &t->e[ERRTAB_MAX];
    if (e == &t->e[ERRTAB_MAX]) {
        if (e->count == 0) {
            strcpy(e->msg, "(other errors)");
            e->op = op;
        }
        e->count += count;
        return;
    }
    strcpy(e->msg, msg);
    e->op = op;
    e->count = count;
}

void errtab_add(errtab *t, int op, const char *msg, uint64_t count)
{
    char norm[ERRTAB_MSG];
    errtab_normalize(msg && *msg ? msg : "(no message)", norm, sizeof norm);
    add_normalized(t, op, norm, count);
}

void errtab_merge(errtab *dst, const errtab *src)
{
    for (int i = 0; i < src->n; i++)
        add_normalized(dst, src->e[i].op, src->e[i].msg, src->e[i].count);
    if (src->e[ERRTAB_MAX].count)
        add_normalized(dst, src->e[ERRTAB_MAX].op, src->e[ERRTAB_MAX].msg, src->e[ERRTAB_MAX].count);
}
