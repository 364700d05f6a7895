/* strbuf.h - a growing string for generated SQL and rows.
 *
 * Appends never fail loudly: running out of memory sets `oom` and later
 * appends do nothing, so a builder can be filled with a run of calls and
 * checked once at the end.
 */
#ifndef SURGE_STRBUF_H
#define SURGE_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct strbuf {
    char *p;          /* NUL-terminated when len > 0 or after any append */
    size_t len, cap;
    bool oom;
} strbuf;

void sb_add(strbuf *b, const char *s);
void sb_addn(strbuf *b, const char *s, size_t n);
void sb_addc(strbuf *b, char c);
void sb_addf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_reset(strbuf *b);                 /* len = 0, memory kept */
char *sb_take(strbuf *b);                 /* the string (caller frees; NULL on oom), builder emptied */
void sb_free(strbuf *b);

#endif
