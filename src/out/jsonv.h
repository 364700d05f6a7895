/* jsonv.h - check that a text is one JSON document, strictly (RFC 8259).
 *
 * The HTML report embeds a result file the user hands it; checking it first
 * turns a truncated or hand-edited file into a one-line error with its
 * place ("line 3, column 14: expected ',' or '}'"), instead of a page that
 * opens blank. It only checks: no tree is built, nothing is allocated.
 * Strict: UTF-8 must be well-formed, numbers must have JSON's form, no
 * comments, no trailing commas, nesting at most JSONV_MAX_DEPTH deep (so a
 * hostile file cannot exhaust the stack).
 */
#ifndef SURGE_JSONV_H
#define SURGE_JSONV_H

#include <stddef.h>

#define JSONV_MAX_DEPTH 256

typedef enum jsonv_type {
    JSONV_OBJECT, JSONV_ARRAY, JSONV_STRING, JSONV_NUMBER, JSONV_TRUE, JSONV_FALSE, JSONV_NULL,
} jsonv_type;

/* A member of the top-level object: the raw text of its key (between the
 * quotes, escapes as written) and of its value (a string with its quotes). */
typedef void (*jsonv_member_fn)(const char *key, size_t keylen, const char *value, size_t valuelen,
                                void *user);

/* 0 when s[0..n) is exactly one JSON value, with optional whitespace around
 * it; *type (may be NULL) tells which. -1 with "line L, column C: what" in
 * err otherwise (lines and columns from 1, columns in bytes). on_member (may
 * be NULL) is called as each top-level member is checked: an error further
 * on still fails the call, so trust what it was given only on 0. */
int jsonv_check(const char *s, size_t n, jsonv_type *type, jsonv_member_fn on_member, void *user,
                char *err, size_t errlen);

/* "an object", "an array", ... for messages. */
const char *jsonv_type_name(jsonv_type t);

#endif
