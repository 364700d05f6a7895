/* jsonw.c - a small streaming JSON writer (see jsonw.h). */
#include "out/jsonw.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "out/fmt.h"

void jsonw_init(jsonw *w, FILE *out, int indent)
{
    memset(w, 0, sizeof *w);
    w->out = out;
    w->indent = indent > 0 ? indent : 0;
}

static bool in_flat(const jsonw *w)
{
    return w->indent == 0 || (w->depth > 0 && w->level[w->depth - 1].flat);
}

static void newline_indent(jsonw *w, int depth)
{
    fputc('\n', w->out);
    for (int i = 0; i < depth * w->indent; i++)
        fputc(' ', w->out);
}

/* Everything that goes before a key, or before a value that has no key:
 * the comma after the previous member and the line break. Returns false
 * (and writes nothing) when the call is out of place. */
static bool before_item(jsonw *w, bool is_key)
{
    if (w->depth == 0) {                /* the one top-level value */
        if (is_key || w->started) {
            w->misuse = true;
            return false;
        }
        w->started = true;
        return true;
    }
    jsonw_level *l = &w->level[w->depth - 1];
    if (l->object != is_key) {          /* key in an array, bare value in an object */
        w->misuse = true;
        return false;
    }
    if (!l->empty)
        fputc(',', w->out);
    if (in_flat(w)) {
        if (!l->empty && w->indent > 0)
            fputc(' ', w->out);
    } else {
        newline_indent(w, w->depth);
    }
    l->empty = false;
    return true;
}

/* Before any value: after a key it goes right there, otherwise it is an
 * array element (or the top-level value). */
static bool before_value(jsonw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return true;
    }
    return before_item(w, false);
}

/* Write s as a JSON string's contents. Runs of bytes that need no escape
 * go out in one fwrite. */
static void write_escaped(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s), run = 0;

    for (size_t i = 0; i < n;) {
        unsigned c = p[i];
        size_t k = fmt_utf8_len(p + i, n - i);
        const char *esc = NULL;
        char ubuf[8];

        if (k == 0) {
            esc = "\\ufffd";
            k = 1;
        } else if (c == '"') {
            esc = "\\\"";
        } else if (c == '\\') {
            esc = "\\\\";
        } else if (c < 0x20 || c == 0x7F) {
            switch (c) {
            case '\n': esc = "\\n"; break;
            case '\r': esc = "\\r"; break;
            case '\t': esc = "\\t"; break;
            case '\b': esc = "\\b"; break;
            case '\f': esc = "\\f"; break;
            default:
                snprintf(ubuf, sizeof ubuf, "\\u%04x", c);
                esc = ubuf;
            }
        } else if (k == 3 && c == 0xE2 && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
            esc = p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029";
        }
        if (esc) {
            if (run)
                fwrite(p + i - run, 1, run, out);
            run = 0;
            fputs(esc, out);
        } else {
            run += k;
        }
        i += k;
    }
    if (run)
        fwrite(p + n - run, 1, run, out);
}

static void write_string(FILE *out, const char *s)
{
    fputc('"', out);
    write_escaped(out, s);
    fputc('"', out);
}

static void open_container(jsonw *w, bool object, bool flat)
{
    if (w->depth >= JSONW_MAX_DEPTH) {
        w->misuse = true;
        return;
    }
    if (!before_value(w))
        return;
    fputc(object ? '{' : '[', w->out);
    /* Inside a flat container everything is flat. Read that before the
     * new level is pushed. */
    bool all_flat = flat || in_flat(w);
    w->level[w->depth] = (jsonw_level){ .object = object, .empty = true, .flat = all_flat };
    w->depth++;
}

void jsonw_object(jsonw *w)      { open_container(w, true, false); }
void jsonw_object_flat(jsonw *w) { open_container(w, true, true); }
void jsonw_array(jsonw *w)       { open_container(w, false, false); }
void jsonw_array_flat(jsonw *w)  { open_container(w, false, true); }

void jsonw_end(jsonw *w)
{
    if (w->depth <= 0 || w->after_key) {   /* nothing open, or a key left without its value */
        w->misuse = true;
        return;
    }
    bool flat = in_flat(w);
    jsonw_level l = w->level[--w->depth];
    if (!l.empty && !flat)
        newline_indent(w, w->depth);
    fputc(l.object ? '}' : ']', w->out);
}

void jsonw_key(jsonw *w, const char *key)
{
    if (w->after_key || !before_item(w, true)) {
        w->misuse = true;
        return;
    }
    write_string(w->out, key ? key : "");
    fputs(w->indent ? ": " : ":", w->out);
    w->after_key = true;
}

void jsonw_string(jsonw *w, const char *s)
{
    if (!s) {
        jsonw_null(w);
        return;
    }
    if (before_value(w))
        write_string(w->out, s);
}

void jsonw_double(jsonw *w, double v)
{
    if (!isfinite(v)) {
        jsonw_null(w);
        return;
    }
    if (!before_value(w))
        return;
    /* 15 significant digits read back exactly for most values people see
     * (0.1 stays "0.1"); 17 always do. Both printf and strtod use the same
     * locale, so the check holds before the decimal point is fixed up. */
    char buf[40];
    snprintf(buf, sizeof buf, "%.15g", v);
    if (strtod(buf, NULL) != v)
        snprintf(buf, sizeof buf, "%.17g", v);
    fmt_c_decimal(buf);
    fputs(buf, w->out);
}

void jsonw_int(jsonw *w, int64_t v)
{
    if (before_value(w))
        fprintf(w->out, "%" PRId64, v);
}

void jsonw_uint(jsonw *w, uint64_t v)
{
    if (before_value(w))
        fprintf(w->out, "%" PRIu64, v);
}

void jsonw_bool(jsonw *w, bool v)
{
    if (before_value(w))
        fputs(v ? "true" : "false", w->out);
}

void jsonw_null(jsonw *w)
{
    if (before_value(w))
        fputs("null", w->out);
}

int jsonw_finish(jsonw *w)
{
    if (w->indent)
        fputc('\n', w->out);
    /* A full disk or a closed pipe may only show when the buffer is
     * flushed, so flush before asking whether every write went through. */
    int flushed = fflush(w->out);
    if (ferror(w->out) || flushed != 0) {
        if (errno == 0)
            errno = EIO;
        return -1;
    }
    if (w->misuse || !w->started || w->depth != 0 || w->after_key) {
        errno = EINVAL;
        return -1;
    }
    return 0;
}
