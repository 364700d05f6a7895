/* pattern_lex.c - tokens of the pattern language, and errors that point at them.
 *
 * Numbers are read here with their units instead of through units.c:
 * inside an expression a number ends where its unit does ("1h30m", "100/s",
 * "90deg"), and an error must name the column of the bad part.
 *
 * Errors at the end of the input point at the last character written (the
 * place where the expression stops short), as pattern.h shows.
 */
#include "core/pattern_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double PI = 3.14159265358979323846;

/* ---- errors ------------------------------------------------------------- */

int pat_fail(pat_lexer *ps, int pos, const char *fmt, ...)
{
    if (ps->failed)
        return -1;
    ps->failed = 1;
    ps->err->column = pos + 1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err->msg, sizeof ps->err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

const char *pat_quote(const pat_lexer *ps, const pat_tok *t, char buf[64])
{
    if (t->type == TOK_END)
        return "the end of the pattern";
    int len = t->len < 40 ? t->len : 40, j = 0;
    buf[j++] = '\'';
    for (int i = 0; i < len; i++) {
        unsigned char c = (unsigned char)ps->s[t->pos + i];
        buf[j++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (len < t->len) {
        memcpy(buf + j, "...", 3);
        j += 3;
    }
    buf[j++] = '\'';
    buf[j] = '\0';
    return buf;
}

/* ---- lexer -------------------------------------------------------------- */

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
static int is_word(char c) { return is_alpha(c) || is_digit(c) || c == '.' || c == '-'; }
static int starts_number(const char *s)
{
    return is_digit(s[0]) || (s[0] == '.' && is_digit(s[1]));
}

/* Digits with an optional fraction, by hand: strtod would follow the
 * locale's decimal point and take "1e3", "inf" and hex. Up to 18 significant
 * digits are exact; later ones only move the decimal exponent. */
static double scan_decimal(const char *s, int *i)
{
    unsigned long long m = 0;
    int e = 0, k = *i;
    for (; is_digit(s[k]); k++) {
        if (m < 100000000000000000ull)
            m = m * 10 + (unsigned)(s[k] - '0');
        else
            e++;
    }
    if (s[k] == '.')
        for (k++; is_digit(s[k]); k++)
            if (m < 100000000000000000ull) {
                m = m * 10 + (unsigned)(s[k] - '0');
                e--;
            }
    *i = k;
    /* 10^k is exact up to 1e22, so m / 10^k is correctly rounded there */
    return e < 0 && e >= -22 ? (double)m / pow(10, -e) : (double)m * pow(10, e);
}

static double time_unit(const char *u, int len)
{
    static const struct { const char *name; double s; } units[] = {
        { "us", 1e-6 }, { "ms", 1e-3 }, { "s", 1 }, { "m", 60 }, { "h", 3600 },
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if ((int)strlen(units[i].name) == len && memcmp(u, units[i].name, (size_t)len) == 0)
            return units[i].s;
    return 0;
}

/* A number with what follows it: a time unit, possibly compound (1h30m,
 * larger units first), a rate unit (/s /m /h), or deg/rad for an angle. */
static int lex_number(pat_lexer *ps, pat_tok *t)
{
    const char *s = ps->s;
    int i = t->pos, neg = s[i] == '-';
    if (s[i] == '-' || s[i] == '+')
        i++;
    double v = scan_decimal(s, &i);
    t->unit = UNIT_NONE;
    if (is_alpha(s[i])) {
        int u = i;
        while (is_alpha(s[i]))
            i++;
        if (i - u == 3 && memcmp(s + u, "deg", 3) == 0) {
            t->unit = UNIT_ANGLE;
            v *= PI / 180;
        } else if (i - u == 3 && memcmp(s + u, "rad", 3) == 0) {
            t->unit = UNIT_ANGLE;
        } else {
            double f = time_unit(s + u, i - u), total = 0;
            for (;;) {
                if (f == 0)
                    return pat_fail(ps, u, "unknown unit '%.*s' in '%.*s' (expected us, ms, s, m or h)",
                                (i - u) > 20 ? 20 : i - u, s + u, (i - t->pos) > 40 ? 40 : i - t->pos, s + t->pos);
                total += v * f;
                if (!starts_number(s + i))
                    break;
                int part = i;
                v = scan_decimal(s, &i);
                u = i;
                while (is_alpha(s[i]))
                    i++;
                if (u == i)
                    return pat_fail(ps, part, "expected a unit after '%.*s' in a duration", (i - part) > 20 ? 20 : i - part, s + part);
                double g = time_unit(s + u, i - u);
                if (g != 0 && g >= f)
                    return pat_fail(ps, u, "units in a duration go from larger to smaller, as in 1h30m");
                f = g;
            }
            v = total;
            t->unit = UNIT_TIME;
        }
    } else if (s[i] == '/') {
        int u = ++i;
        while (is_alpha(s[i]))
            i++;
        double f = time_unit(s + u, i - u);
        if (f < 1)   /* not us/ms: "per microsecond" is no rate anyone means */
            return pat_fail(ps, u - 1, "unknown rate unit '/%.*s' (expected /s, /m or /h)", (i - u) > 20 ? 20 : i - u, s + u);
        v /= f;
        t->unit = UNIT_RATE;
    }
    t->type = TOK_NUM;
    t->len = i - t->pos;
    t->num = neg ? -v : v;
    if (!isfinite(t->num)) {
        char buf[64];
        return pat_fail(ps, t->pos, "number out of range: %s", pat_quote(ps, t, buf));
    }
    ps->at = i;
    return 0;
}

int pat_next(pat_lexer *ps)
{
    const char *s = ps->s;
    int i = ps->at;
    while (i < ps->n && is_space(s[i]))
        i++;
    pat_tok t = { .pos = i, .len = 1 };
    ps->at = i + 1;
    if (i >= ps->n) {
        int last = ps->n - 1;
        while (last > 0 && is_space(s[last]))
            last--;
        t = (pat_tok){ .type = TOK_END, .pos = last > 0 ? last : 0 };
        ps->at = ps->n;
        ps->t = t;
        return 0;
    }
    static const char single[] = "(),=:{}";
    static const pat_tok_type types[] = { TOK_LPAREN, TOK_RPAREN, TOK_COMMA, TOK_EQUALS, TOK_COLON, TOK_LBRACE, TOK_RBRACE };
    const char *c = s[i] ? strchr(single, s[i]) : NULL;
    if (c) {
        t.type = types[c - single];
    } else if (starts_number(s + i) || ((s[i] == '-' || s[i] == '+') && starts_number(s + i + 1))) {
        if (lex_number(ps, &t))
            return -1;
    } else if (is_alpha(s[i])) {
        while (is_word(s[ps->at]))
            ps->at++;
        t.type = TOK_WORD;
        t.len = ps->at - i;
    } else {
        unsigned char b = (unsigned char)s[i];
        if (b >= 0x20 && b < 0x7f)
            return pat_fail(ps, i, "unexpected character '%c'", b);
        return pat_fail(ps, i, "unexpected byte 0x%02x", b);
    }
    ps->t = t;
    return 0;
}

int pat_is_word(const pat_lexer *ps, const char *w)
{
    return ps->t.type == TOK_WORD && (int)strlen(w) == ps->t.len && memcmp(ps->s + ps->t.pos, w, (size_t)ps->t.len) == 0;
}

int pat_named(const pat_lexer *ps)
{
    if (ps->t.type != TOK_WORD)
        return 0;
    int i = ps->t.pos + ps->t.len;
    while (i < ps->n && is_space(ps->s[i]))
        i++;
    return i < ps->n && ps->s[i] == '=';
}

int pat_lex_init(pat_lexer *ps, const char *expr, pat_error *err)
{
    memset(err, 0, sizeof *err);
    *ps = (pat_lexer){ .s = expr ? expr : "", .err = err };
    while (ps->n <= PAT_MAX_EXPR && ps->s[ps->n])
        ps->n++;
    if (ps->n > PAT_MAX_EXPR)
        return pat_fail(ps, PAT_MAX_EXPR, "pattern too long (at most %d characters)", PAT_MAX_EXPR);
    return pat_next(ps);
}

/* ---- error display ------------------------------------------------------ */

void pat_error_print(const pat_error *err, const char *what, const char *expr, void *stream)
{
    FILE *out = stream ? stream : stderr;
    fprintf(out, "surge: %s: %s at column %d\n", what ? what : "pattern", err->msg, err->column);
    if (!expr)
        return;
    int n = 0;
    while (n <= PAT_MAX_EXPR && expr[n])
        n++;
    /* A long expression is shown as the 100 bytes around the column. */
    int col = err->column - 1, from = 0, to = n;
    col = col < 0 ? 0 : col > n ? n : col;
    if (n > 100) {
        from = col > 60 ? col - 60 : 0;
        to = from + 100 < n ? from + 100 : n;
    }
    fputs(from > 0 ? "  ..." : "  ", out);
    for (int i = from; i < to; i++) {
        unsigned char c = (unsigned char)expr[i];
        fputc(c == '\t' || c >= 0x20 ? c : ' ', out);   /* a newline would break the caret */
    }
    fputs(to < n ? "...\n" : "\n", out);
    /* The caret goes under the character: one space per character before it
     * (not per byte: UTF-8 continuation bytes take no column), tabs kept. */
    fputs(from > 0 ? "     " : "  ", out);
    for (int i = from; i < col; i++) {
        unsigned char c = (unsigned char)expr[i];
        if (c == '\t')
            fputc('\t', out);
        else if ((c & 0xC0) != 0x80)
            fputc(' ', out);
    }
    fputs("^\n", out);
}
