/* jsonv.c - a strict JSON checker: recursive descent over the grammar of
 * RFC 8259, with the error's line and column. */
#include "out/jsonv.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "out/fmt.h"

typedef struct jv {
    const unsigned char *s;
    size_t n, i;
    bool failed;
    char *err;
    size_t errlen;
} jv;

__attribute__((format(printf, 2, 3)))
static bool fail(jv *p, const char *fmt, ...)
{
    if (p->failed)
        return false;
    p->failed = true;
    size_t line = 1, col = 1;
    for (size_t k = 0; k < p->i && k < p->n; k++) {
        if (p->s[k] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    int w = snprintf(p->err, p->errlen, "line %zu, column %zu: ", line, col);
    if (w >= 0 && (size_t)w < p->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err + w, p->errlen - (size_t)w, fmt, ap);
        va_end(ap);
    }
    return false;
}

static int peek(const jv *p)
{
    return p->i < p->n ? p->s[p->i] : -1;
}

static void skip_ws(jv *p)
{
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' || p->s[p->i] == '\r'))
        p->i++;
}

/* What is at the error's place, for the message: a character or the end. */
static const char *found(const jv *p, char *buf, size_t len)
{
    int c = peek(p);
    if (c < 0)
        snprintf(buf, len, "the end of the text");
    else if (c >= 0x20 && c < 0x7f)
        snprintf(buf, len, "'%c'", c);
    else
        snprintf(buf, len, "byte 0x%02x", (unsigned)c);
    return buf;
}

static bool is_hex(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool string(jv *p)
{
    p->i++;   /* the opening quote */
    for (;;) {
        int c = peek(p);
        if (c < 0)
            return fail(p, "unterminated string");
        if (c == '"') {
            p->i++;
            return true;
        }
        if (c < 0x20)
            return fail(p, "control character 0x%02x in a string (it must be escaped)", (unsigned)c);
        if (c == '\\') {
            p->i++;
            int e = peek(p);
            if (e == 'u') {
                p->i++;
                for (int k = 0; k < 4; k++, p->i++)
                    if (!is_hex(peek(p)))
                        return fail(p, "expected 4 hex digits after \\u");
            } else if (e >= 0 && e < 0x80 && e && strchr("\"\\/bfnrt", e)) {
                p->i++;
            } else {
                return fail(p, "bad escape in a string");
            }
            continue;
        }
        size_t k = fmt_utf8_len(p->s + p->i, p->n - p->i);
        if (!k)
            return fail(p, "not well-formed UTF-8");
        p->i += k;
    }
}

static bool digits(jv *p)
{
    if (peek(p) < '0' || peek(p) > '9')
        return false;
    while (peek(p) >= '0' && peek(p) <= '9')
        p->i++;
    return true;
}

static bool number(jv *p)
{
    if (peek(p) == '-')
        p->i++;
    if (peek(p) == '0') {
        p->i++;
    } else if (!digits(p)) {
        return fail(p, "bad number: expected a digit");
    }
    if (peek(p) == '.') {
        p->i++;
        if (!digits(p))
            return fail(p, "bad number: expected a digit after '.'");
    }
    if (peek(p) == 'e' || peek(p) == 'E') {
        p->i++;
        if (peek(p) == '+' || peek(p) == '-')
            p->i++;
        if (!digits(p))
            return fail(p, "bad number: expected a digit in the exponent");
    }
    return true;
}

static bool literal(jv *p, const char *word)
{
    size_t k = 0;
    while (word[k] && p->i + k < p->n && p->s[p->i + k] == (unsigned char)word[k])
        k++;
    if (word[k]) {
        p->i += k;
        return fail(p, "expected '%s'", word);
    }
    p->i += k;
    return true;
}

typedef struct top {
    jsonv_member_fn fn;
    void *user;
} top;

static bool value(jv *p, int depth, jsonv_type *type, const top *members);

static bool object(jv *p, int depth, const top *members)
{
    char what[32];
    p->i++;
    skip_ws(p);
    if (peek(p) == '}') {
        p->i++;
        return true;
    }
    for (;;) {
        skip_ws(p);
        if (peek(p) != '"')
            return fail(p, "expected a string key, found %s", found(p, what, sizeof what));
        size_t k0 = p->i;
        if (!string(p))
            return false;
        size_t k1 = p->i;
        skip_ws(p);
        if (peek(p) != ':')
            return fail(p, "expected ':' after a key, found %s", found(p, what, sizeof what));
        p->i++;
        skip_ws(p);
        size_t v0 = p->i;
        if (!value(p, depth + 1, NULL, NULL))
            return false;
        if (members && members->fn)
            members->fn((const char *)p->s + k0 + 1, k1 - k0 - 2, (const char *)p->s + v0, p->i - v0,
                        members->user);
        skip_ws(p);
        if (peek(p) == ',') {
            p->i++;
            continue;
        }
        if (peek(p) == '}') {
            p->i++;
            return true;
        }
        return fail(p, "expected ',' or '}' in an object, found %s", found(p, what, sizeof what));
    }
}

static bool array(jv *p, int depth)
{
    char what[32];
    p->i++;
    skip_ws(p);
    if (peek(p) == ']') {
        p->i++;
        return true;
    }
    for (;;) {
        skip_ws(p);
        if (!value(p, depth + 1, NULL, NULL))
            return false;
        skip_ws(p);
        if (peek(p) == ',') {
            p->i++;
            continue;
        }
        if (peek(p) == ']') {
            p->i++;
            return true;
        }
        return fail(p, "expected ',' or ']' in an array, found %s", found(p, what, sizeof what));
    }
}

static bool value(jv *p, int depth, jsonv_type *type, const top *members)
{
    char what[32];
    if (depth > JSONV_MAX_DEPTH)
        return fail(p, "nested deeper than %d levels", JSONV_MAX_DEPTH);
    jsonv_type t;
    bool ok;
    switch (peek(p)) {
    case '{': t = JSONV_OBJECT; ok = object(p, depth, members); break;
    case '[': t = JSONV_ARRAY;  ok = array(p, depth); break;
    case '"': t = JSONV_STRING; ok = string(p); break;
    case 't': t = JSONV_TRUE;   ok = literal(p, "true"); break;
    case 'f': t = JSONV_FALSE;  ok = literal(p, "false"); break;
    case 'n': t = JSONV_NULL;   ok = literal(p, "null"); break;
    default:
        if (peek(p) == '-' || (peek(p) >= '0' && peek(p) <= '9')) {
            t = JSONV_NUMBER;
            ok = number(p);
        } else {
            return fail(p, "expected a JSON value, found %s", found(p, what, sizeof what));
        }
    }
    if (ok && type)
        *type = t;
    return ok;
}

int jsonv_check(const char *s, size_t n, jsonv_type *type, jsonv_member_fn on_member, void *user,
                char *err, size_t errlen)
{
    jv p = { .s = (const unsigned char *)s, .n = n, .err = err, .errlen = errlen };
    top members = { on_member, user };
    char what[32];
    if (errlen)
        err[0] = '\0';
    skip_ws(&p);
    jsonv_type t = JSONV_NULL;
    if (!value(&p, 1, &t, &members))
        return -1;
    skip_ws(&p);
    if (p.i < p.n) {
        fail(&p, "unexpected %s after the JSON value", found(&p, what, sizeof what));
        return -1;
    }
    if (type)
        *type = t;
    return 0;
}

const char *jsonv_type_name(jsonv_type t)
{
    switch (t) {
    case JSONV_OBJECT: return "an object";
    case JSONV_ARRAY:  return "an array";
    case JSONV_STRING: return "a string";
    case JSONV_NUMBER: return "a number";
    case JSONV_TRUE:
    case JSONV_FALSE:  return "a boolean";
    case JSONV_NULL:   return "null";
    }
    return "a value";
}
