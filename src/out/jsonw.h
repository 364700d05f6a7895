/* jsonw.h - a small streaming JSON writer.
 *
 * The caller says what comes next (begin an object, a key, a number, end)
 * and the writer puts in the commas, the indentation and the escapes, so
 * each output (result file, JSON lines history, dashboard API) only says
 * what its document holds. It writes straight to a FILE and keeps no copy.
 *
 * Always valid JSON, whatever the data:
 *   - strings: quotes, backslashes and control characters are escaped;
 *     bytes that are not well-formed UTF-8 (a server message cut in the
 *     middle of a character, a Latin-1 database) become U+FFFD;
 *     U+2028/U+2029 are escaped too, so the text can be embedded in a
 *     <script> of an HTML report;
 *   - numbers: NaN and infinities, which JSON cannot represent, are written
 *     as null; doubles are written with the fewest digits that read back
 *     to the same value, and with a '.' whatever the locale;
 *   - a NULL string is written as null.
 *
 *   jsonw w;
 *   jsonw_init(&w, out, 2);
 *   jsonw_object(&w);
 *   jsonw_key(&w, "ok");   jsonw_uint(&w, 12);
 *   jsonw_key(&w, "t");    jsonw_array_flat(&w); jsonw_double(&w, 0.5); jsonw_end(&w);
 *   jsonw_end(&w);
 *   if (jsonw_finish(&w) != 0) ... write error ...
 *
 * Misuse (a value in an object without its key, a key in an array, an end
 * too many, nesting past JSONW_MAX_DEPTH) writes nothing more for that call
 * and makes jsonw_finish fail with EINVAL: a bug shows as an error, not as
 * a broken document downstream.
 */
#ifndef SURGE_JSONW_H
#define SURGE_JSONW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSONW_MAX_DEPTH 32

typedef struct jsonw_level {
    bool object;     /* object (keys and values) or array */
    bool empty;      /* nothing written in it yet */
    bool flat;       /* on one line, even when pretty-printing */
} jsonw_level;

typedef struct jsonw {
    FILE *out;
    int indent;      /* spaces per level; 0 = compact, all on one line */
    int depth;
    bool after_key;  /* a key was written, its value comes next */
    bool started;    /* the top-level value has begun (there is only one) */
    bool misuse;
    jsonw_level level[JSONW_MAX_DEPTH];
} jsonw;

/* indent: spaces per nesting level for pretty output, or 0 for compact. */
void jsonw_init(jsonw *w, FILE *out, int indent);

/* Containers. The _flat variants keep the container and everything in it
 * on one line of a pretty-printed document (one history sample per line). */
void jsonw_object(jsonw *w);
void jsonw_object_flat(jsonw *w);
void jsonw_array(jsonw *w);
void jsonw_array_flat(jsonw *w);
void jsonw_end(jsonw *w);        /* closes the innermost object or array */

/* In an object: the key of the next value. NULL is written as "". */
void jsonw_key(jsonw *w, const char *key);

void jsonw_string(jsonw *w, const char *s);   /* NULL -> null */
void jsonw_double(jsonw *w, double v);        /* not finite -> null */
void jsonw_int(jsonw *w, int64_t v);
void jsonw_uint(jsonw *w, uint64_t v);
void jsonw_bool(jsonw *w, bool v);
void jsonw_null(jsonw *w);

/* A key and its value in one call, for the usual object member. */
static inline void jsonw_kv_string(jsonw *w, const char *key, const char *s) { jsonw_key(w, key); jsonw_string(w, s); }
static inline void jsonw_kv_uint(jsonw *w, const char *key, uint64_t v) { jsonw_key(w, key); jsonw_uint(w, v); }

/* End the document (a newline when pretty), flush, and say how it went:
 * 0, or -1 with errno set when a write failed (EINVAL after misuse or when
 * containers were left open). */
int jsonw_finish(jsonw *w);

#endif
