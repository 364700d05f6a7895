/* pattern_parse.c - the pattern expression language (docs/patterns.md).
 *
 *   pattern := shape ('then' shape)*
 *   shape   := RATE | NAME '(' [arg (',' arg)* [',']] ')'
 *   arg     := value | NAME '=' value | 'mix' '=' '{' NAME '=' NUMBER, ... '}'
 *   value   := NUMBER[unit] | NUMBER ':' NUMBER | 'true' | 'false'
 *
 * The lexer reads numbers with their units itself instead of calling
 * units.c: inside an expression a number ends where the unit does ("1h30m",
 * "100/s", "90deg"), and each error must name the token's column.
 *
 * Each shape's arguments are a table (name, kind of value, position, field
 * in pat_shape), so checking, defaults and messages are written once. Every
 * value is checked here, where its column is known; pattern.c only compiles.
 *
 * Errors at the end of the input point at the last character written (the
 * place where the expression stops short), which is what pattern.h shows.
 */
#include "core/pattern_int.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { T_END, T_NUM, T_WORD, T_LPAREN, T_RPAREN, T_COMMA, T_EQUALS, T_COLON, T_LBRACE, T_RBRACE } tok_type;
typedef enum { U_NONE, U_TIME, U_RATE, U_ANGLE } unit_kind;

typedef struct tok {
    tok_type type;
    int pos, len;     /* byte offset and length in the expression */
    double num;       /* T_NUM: seconds, ops/s or radians when a unit says so */
    unit_kind unit;
} tok;

typedef struct parser {
    const char *s;
    int n;            /* length of s */
    int at;           /* where the lexer goes on */
    tok t;            /* the current token */
    pat_error *err;
    int failed;
} parser;

static const double PI = 3.14159265358979323846;

/* Record the first error only: later ones are consequences. Returns -1. */
static int fail(parser *ps, int pos, const char *fmt, ...)
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

/* A token as quoted in messages: 'abc', cut at 40 bytes, bytes that are
 * not printable ASCII shown as '?' so a message stays one clean line. */
static const char *quote(const parser *ps, const tok *t, char buf[64])
{
    if (t->type == T_END)
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
static int lex_number(parser *ps, tok *t)
{
    const char *s = ps->s;
    int i = t->pos, neg = s[i] == '-';
    if (s[i] == '-' || s[i] == '+')
        i++;
    double v = scan_decimal(s, &i);
    t->unit = U_NONE;
    if (is_alpha(s[i])) {
        int u = i;
        while (is_alpha(s[i]))
            i++;
        if (i - u == 3 && memcmp(s + u, "deg", 3) == 0) {
            t->unit = U_ANGLE;
            v *= PI / 180;
        } else if (i - u == 3 && memcmp(s + u, "rad", 3) == 0) {
            t->unit = U_ANGLE;
        } else {
            double f = time_unit(s + u, i - u), total = 0;
            for (;;) {
                if (f == 0)
                    return fail(ps, u, "unknown unit '%.*s' in '%.*s' (expected us, ms, s, m or h)",
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
                    return fail(ps, part, "expected a unit after '%.*s' in a duration", (i - part) > 20 ? 20 : i - part, s + part);
                double g = time_unit(s + u, i - u);
                if (g != 0 && g >= f)
                    return fail(ps, u, "units in a duration go from larger to smaller, as in 1h30m");
                f = g;
            }
            v = total;
            t->unit = U_TIME;
        }
    } else if (s[i] == '/') {
        int u = ++i;
        while (is_alpha(s[i]))
            i++;
        double f = time_unit(s + u, i - u);
        if (f < 1)   /* not us/ms: "per microsecond" is no rate anyone means */
            return fail(ps, u - 1, "unknown rate unit '/%.*s' (expected /s, /m or /h)", (i - u) > 20 ? 20 : i - u, s + u);
        v /= f;
        t->unit = U_RATE;
    }
    t->type = T_NUM;
    t->len = i - t->pos;
    t->num = neg ? -v : v;
    if (!isfinite(t->num)) {
        char buf[64];
        return fail(ps, t->pos, "number out of range: %s", quote(ps, t, buf));
    }
    ps->at = i;
    return 0;
}

/* Move to the next token. */
static int next(parser *ps)
{
    const char *s = ps->s;
    int i = ps->at;
    while (i < ps->n && is_space(s[i]))
        i++;
    tok t = { .pos = i, .len = 1 };
    ps->at = i + 1;
    if (i >= ps->n) {
        int last = ps->n - 1;
        while (last > 0 && is_space(s[last]))
            last--;
        t = (tok){ .type = T_END, .pos = last > 0 ? last : 0 };
        ps->at = ps->n;
        ps->t = t;
        return 0;
    }
    static const char single[] = "(),=:{}";
    static const tok_type types[] = { T_LPAREN, T_RPAREN, T_COMMA, T_EQUALS, T_COLON, T_LBRACE, T_RBRACE };
    const char *c = s[i] ? strchr(single, s[i]) : NULL;
    if (c) {
        t.type = types[c - single];
    } else if (starts_number(s + i) || ((s[i] == '-' || s[i] == '+') && starts_number(s + i + 1))) {
        if (lex_number(ps, &t))
            return -1;
    } else if (is_alpha(s[i])) {
        while (is_word(s[ps->at]))
            ps->at++;
        t.type = T_WORD;
        t.len = ps->at - i;
    } else {
        unsigned char b = (unsigned char)s[i];
        if (b >= 0x20 && b < 0x7f)
            return fail(ps, i, "unexpected character '%c'", b);
        return fail(ps, i, "unexpected byte 0x%02x", b);
    }
    ps->t = t;
    return 0;
}

static int is_word_tok(const parser *ps, const char *w)
{
    return ps->t.type == T_WORD && (int)strlen(w) == ps->t.len && memcmp(ps->s + ps->t.pos, w, (size_t)ps->t.len) == 0;
}

/* ---- argument tables ---------------------------------------------------- */

enum { V_RATE, V_DUR, V_DUR0, V_COUNT, V_BOOL, V_ANGLE };
enum { NO_PAIRS, STEP_PAIRS, POINT_PAIRS };

typedef struct argdef {
    const char *name;
    int type;
    size_t off;            /* the double it fills in pat_shape */
    int pos;               /* position when given without a name; -1: by name only */
    const char *missing;   /* "the end rate"; NULL when optional */
} argdef;

typedef struct shapedef {
    const char *name;
    int kind;
    const argdef *args;
    int nargs;
    int pairs;
} shapedef;

#define F(field) offsetof(pat_shape, field)
static const argdef constant_args[] = {
    { "rate", V_RATE, F(rate), 0, "the rate" },
    { "duration", V_DUR, F(dur), 1, NULL },
};
static const argdef ramp_args[] = {
    { "start", V_RATE, F(start), 0, "the start rate" },
    { "end", V_RATE, F(end), 1, "the end rate" },
    { "duration", V_DUR, F(ramp), 2, "the ramp duration" },
    { "hold", V_DUR0, F(hold), -1, NULL },
    { "down", V_BOOL, F(down), -1, NULL },
};
static const argdef step_args[] = {
    { "repeat", V_BOOL, F(repeat), -1, NULL },
};
static const argdef sine_args[] = {
    { "base", V_RATE, F(base), 0, "the base rate" },
    { "amp", V_RATE, F(amp), 1, "the amplitude" },
    { "period", V_DUR, F(period), 2, "the period" },
    { "phase", V_ANGLE, F(phase), -1, NULL },
    { "duration", V_DUR, F(dur), -1, NULL },
};
static const argdef burst_args[] = {
    { "rate", V_RATE, F(rate), 0, "the burst rate" },
    { "on", V_DUR, F(on), 1, "on= (how long each burst lasts)" },
    { "off", V_DUR0, F(off), 2, "off= (the pause after each burst)" },
    { "count", V_COUNT, F(count), -1, NULL },
    { "idle", V_RATE, F(idle), -1, NULL },
};
static const argdef points_args[] = {
    { "loop", V_BOOL, F(repeat), -1, NULL },
};
#undef F

#define SHAPE(name, kind, args, pairs) { name, kind, args, (int)(sizeof args / sizeof args[0]), pairs }
static const shapedef shapes[] = {
    SHAPE("constant", SHAPE_CONSTANT, constant_args, NO_PAIRS),
    SHAPE("ramp", SHAPE_RAMP, ramp_args, NO_PAIRS),
    SHAPE("step", SHAPE_STEP, step_args, STEP_PAIRS),
    SHAPE("sine", SHAPE_SINE, sine_args, NO_PAIRS),
    SHAPE("burst", SHAPE_BURST, burst_args, NO_PAIRS),
    SHAPE("points", SHAPE_POINTS, points_args, POINT_PAIRS),
};
#undef SHAPE

/* ---- values ------------------------------------------------------------- */

/* Check the current token as a value of `type` for argument `arg` of
 * `shape`, store it and move on. */
static int read_value(parser *ps, const char *shape, const char *arg, int type, double *out)
{
    tok t = ps->t;
    char q[64];
    double v = t.num;
    int num = t.type == T_NUM;
    switch (type) {
    case V_RATE:
        if (!num || (t.unit != U_NONE && t.unit != U_RATE))
            return fail(ps, t.pos, "%s: expected a rate like 100 or 100/s, got %s", shape, quote(ps, &t, q));
        if (v < 0)
            return fail(ps, t.pos, "%s: %s must be >= 0, got %s", shape, arg, quote(ps, &t, q));
        if (v > PAT_MAX_RATE)
            return fail(ps, t.pos, "%s: %s is too large (at most %g/s)", shape, arg, PAT_MAX_RATE);
        break;
    case V_DUR:
    case V_DUR0:
        if (!num || (t.unit != U_NONE && t.unit != U_TIME))
            return fail(ps, t.pos, "%s: expected a duration like 30s, got %s", shape, quote(ps, &t, q));
        if (type == V_DUR && v <= 0)
            return fail(ps, t.pos, "%s: %s must be > 0", shape, arg);
        if (v < 0)
            return fail(ps, t.pos, "%s: %s must be >= 0", shape, arg);
        if (v > 0 && v < PAT_MIN_SECONDS * 0.999999)
            return fail(ps, t.pos, "%s: %s must be at least 1us", shape, arg);
        if (v > PAT_MAX_SECONDS)
            return fail(ps, t.pos, "%s: %s is too long (at most 10 years)", shape, arg);
        break;
    case V_COUNT:
        if (!num || t.unit != U_NONE || v < 0 || v != floor(v))
            return fail(ps, t.pos, "%s: %s must be a whole number >= 0, got %s", shape, arg, quote(ps, &t, q));
        if (v > PAT_MAX_COUNT)
            return fail(ps, t.pos, "%s: %s is too large (at most %g)", shape, arg, PAT_MAX_COUNT);
        break;
    case V_BOOL:
        if (is_word_tok(ps, "true"))
            v = 1;
        else if (is_word_tok(ps, "false"))
            v = 0;
        else
            return fail(ps, t.pos, "%s: %s must be true or false, got %s", shape, arg, quote(ps, &t, q));
        break;
    case V_ANGLE:
        if (!num || (t.unit != U_NONE && t.unit != U_ANGLE) || fabs(v) > 1e6)
            return fail(ps, t.pos, "%s: expected an angle like 1.57 or 90deg, got %s", shape, quote(ps, &t, q));
        v = fmod(v, 2 * PI);
        if (v < 0)
            v += 2 * PI;
        break;
    }
    *out = v;
    return next(ps);
}

/* rate:duration for step, time:rate for points. */
static int read_pair(parser *ps, const shapedef *sd, pat_pair *out)
{
    tok first = ps->t;
    char q[64];
    int step = sd->pairs == STEP_PAIRS;
    if (read_value(ps, sd->name, step ? "rate" : "time", step ? V_RATE : V_DUR0, &out->x))
        return -1;
    if (ps->t.type != T_COLON)
        return fail(ps, first.pos, step ? "step: expected rate:duration like 100:30s, got %s"
                                        : "points: expected time:rate like 30s:100, got %s",
                    quote(ps, &first, q));
    if (next(ps))
        return -1;
    return read_value(ps, sd->name, step ? "duration" : "rate", step ? V_DUR : V_RATE, &out->y);
}

/* mix={name=weight, ...}; the current token is the '{'. */
static int read_mix(parser *ps, pat_mix **out, int *nout)
{
    char q[64];
    tok open = ps->t;
    if (open.type != T_LBRACE)
        return fail(ps, open.pos, "mix: expected '{' as in mix={read=80, write=20}, got %s", quote(ps, &open, q));
    if (next(ps))
        return -1;
    pat_mix *mix = NULL;
    int n = 0;
    double sum = 0;
    while (ps->t.type != T_RBRACE) {
        tok name = ps->t;
        if (name.type != T_WORD)
            return fail(ps, name.pos, "mix: expected an operation name, got %s", quote(ps, &name, q));
        if (name.len >= (int)sizeof mix->name)
            return fail(ps, name.pos, "mix: operation name too long (at most %d characters)", (int)sizeof mix->name - 1);
        if (n == PAT_MAX_MIX)
            return fail(ps, name.pos, "mix: too many operations (at most %d)", PAT_MAX_MIX);
        for (int i = 0; i < n; i++)
            if ((int)strlen(mix[i].name) == name.len && memcmp(mix[i].name, ps->s + name.pos, (size_t)name.len) == 0)
                return fail(ps, name.pos, "mix: %s given twice", quote(ps, &name, q));
        if (next(ps))
            return -1;
        if (ps->t.type != T_EQUALS) {
            char q2[64];
            return fail(ps, ps->t.pos, "mix: expected '=' after %s, got %s", quote(ps, &name, q), quote(ps, &ps->t, q2));
        }
        if (next(ps))
            return -1;
        tok w = ps->t;
        if (w.type != T_NUM || w.unit != U_NONE)
            return fail(ps, w.pos, "mix: expected a weight like 80, got %s", quote(ps, &w, q));
        if (w.num < 0 || w.num > 1e9)
            return fail(ps, w.pos, "mix: a weight must be between 0 and 1e9, got %s", quote(ps, &w, q));
        pat_mix *grown = realloc(*out, (size_t)(n + 1) * sizeof *grown);
        if (!grown)
            return fail(ps, name.pos, "out of memory");
        *out = mix = grown;
        memcpy(mix[n].name, ps->s + name.pos, (size_t)name.len);
        mix[n].name[name.len] = '\0';
        mix[n].weight = w.num;
        sum += w.num;
        *nout = ++n;
        if (next(ps))
            return -1;
        if (ps->t.type == T_COMMA) {
            if (next(ps))
                return -1;
        } else if (ps->t.type == T_END) {
            return fail(ps, ps->t.pos, "mix: expected '}'");
        } else if (ps->t.type != T_RBRACE) {
            return fail(ps, ps->t.pos, "mix: expected ',' or '}', got %s", quote(ps, &ps->t, q));
        }
    }
    if (n == 0)
        return fail(ps, open.pos, "mix: empty (write mix={read=80, write=20})");
    if (!(sum > 0))
        return fail(ps, open.pos, "mix: at least one weight must be > 0");
    return next(ps);
}

/* ---- shapes ------------------------------------------------------------- */

/* What a shape's arguments gather before it is compiled. */
typedef struct args {
    pat_shape sh;
    pat_pair *pairs;
    int npairs, cap;
    pat_mix *mix;
    int nmix;
    unsigned seen;     /* bit k: args[k] given */
    int seen_mix;
} args;

/* Is the current token a word followed by '=' (a named argument)? */
static int named(const parser *ps)
{
    if (ps->t.type != T_WORD)
        return 0;
    int i = ps->t.pos + ps->t.len;
    while (i < ps->n && is_space(ps->s[i]))
        i++;
    return i < ps->n && ps->s[i] == '=';
}

static int add_pair(parser *ps, const shapedef *sd, args *a)
{
    tok at = ps->t;
    char q[64];
    if (a->npairs >= PAT_MAX_PIECES)
        return fail(ps, at.pos, "%s: too many %s (at most %d)", sd->name,
                    sd->pairs == STEP_PAIRS ? "steps" : "points", PAT_MAX_PIECES);
    if (a->npairs == a->cap) {
        int cap = a->cap ? 2 * a->cap : 16;
        pat_pair *grown = realloc(a->pairs, (size_t)cap * sizeof *grown);
        if (!grown)
            return fail(ps, at.pos, "out of memory");
        a->pairs = grown;
        a->cap = cap;
    }
    pat_pair pr;
    if (read_pair(ps, sd, &pr))
        return -1;
    if (sd->pairs == POINT_PAIRS) {
        /* Starting at 0 is required rather than implied: a rate before the
         * first point would have to be invented (0? the first rate?). */
        if (a->npairs == 0 && pr.x != 0)
            return fail(ps, at.pos, "points: the first point must be at time 0, got %s", quote(ps, &at, q));
        if (a->npairs > 0 && !(pr.x > a->pairs[a->npairs - 1].x))
            return fail(ps, at.pos, "points: times must increase from one point to the next, got %s", quote(ps, &at, q));
    }
    a->pairs[a->npairs++] = pr;
    return 0;
}

static int named_arg(parser *ps, const shapedef *sd, args *a)
{
    tok name = ps->t;
    char q[64];
    if (next(ps) || next(ps))   /* the name and the '=' */
        return -1;
    if (name.len == 3 && memcmp(ps->s + name.pos, "mix", 3) == 0) {
        if (a->seen_mix)
            return fail(ps, name.pos, "%s: 'mix' given twice", sd->name);
        a->seen_mix = 1;
        return read_mix(ps, &a->mix, &a->nmix);
    }
    for (int k = 0; k < sd->nargs; k++) {
        const argdef *ad = &sd->args[k];
        if ((int)strlen(ad->name) != name.len || memcmp(ad->name, ps->s + name.pos, (size_t)name.len) != 0)
            continue;
        if (a->seen & (1u << k))
            return fail(ps, name.pos, "%s: %s given twice", sd->name, quote(ps, &name, q));
        a->seen |= 1u << k;
        return read_value(ps, sd->name, ad->name, ad->type, (double *)((char *)&a->sh + ad->off));
    }
    char names[128] = "";
    for (int k = 0; k < sd->nargs; k++) {
        strcat(names, sd->args[k].name);   /* at most 5 names of 8 letters */
        strcat(names, ", ");
    }
    strcat(names, "mix");
    return fail(ps, name.pos, "%s: unknown argument %s (expected %s)", sd->name, quote(ps, &name, q), names);
}

/* Everything between the parentheses; the current token follows the '('. */
static int parse_args(parser *ps, const shapedef *sd, args *a)
{
    char q[64];
    int npos = 0, had_name = 0;
    while (ps->t.type != T_RPAREN) {
        tok at = ps->t;
        if (at.type == T_END)
            return fail(ps, at.pos, "expected ')'");
        if (named(ps)) {
            had_name = 1;
            if (named_arg(ps, sd, a))
                return -1;
        } else if (had_name) {
            return fail(ps, at.pos, "%s: an argument without a name can't follow a named one", sd->name);
        } else if (sd->pairs != NO_PAIRS) {
            if (add_pair(ps, sd, a))
                return -1;
        } else {
            int k = 0;
            while (k < sd->nargs && sd->args[k].pos != npos)
                k++;
            if (k == sd->nargs)
                return fail(ps, at.pos, "%s: too many arguments (at most %d without names)", sd->name, npos);
            a->seen |= 1u << k;
            npos++;
            if (read_value(ps, sd->name, sd->args[k].name, sd->args[k].type, (double *)((char *)&a->sh + sd->args[k].off)))
                return -1;
        }
        if (ps->t.type == T_COMMA) {
            if (next(ps))
                return -1;
        } else if (ps->t.type == T_END) {
            return fail(ps, ps->t.pos, "expected ')'");
        } else if (ps->t.type != T_RPAREN) {
            return fail(ps, ps->t.pos, "expected ',' or ')', got %s", quote(ps, &ps->t, q));
        }
    }
    tok close = ps->t;
    for (int k = 0; k < sd->nargs; k++)
        if (sd->args[k].missing && !(a->seen & (1u << k)))
            return fail(ps, close.pos, "%s: missing %s", sd->name, sd->args[k].missing);
    if (sd->pairs == STEP_PAIRS && a->npairs == 0)
        return fail(ps, close.pos, "step: expected rate:duration pairs, like step(10:30s, 50:1m)");
    if (sd->pairs == POINT_PAIRS && a->npairs < 2)
        return fail(ps, close.pos, "points: expected at least two time:rate points, like points(0s:10, 1m:100)");
    return next(ps);
}

/* Why a shape never ends (for the error when `then` follows), or NULL. */
static const char *endless(const pat_shape *s)
{
    switch (s->kind) {
    case SHAPE_CONSTANT: return isfinite(s->dur) ? NULL : "constant without a duration";
    case SHAPE_SINE:     return isfinite(s->dur) ? NULL : "sine without a duration";
    case SHAPE_STEP:     return s->repeat ? "step with repeat=true" : NULL;
    case SHAPE_POINTS:   return s->repeat ? "points with loop=true" : NULL;
    case SHAPE_BURST:    return s->count == 0 ? "burst with count=0" : NULL;
    }
    return NULL;
}

/* One shape, compiled and appended to p as a phase. */
static int parse_shape(parser *ps, pat_t *p, const char **never_ends)
{
    tok first = ps->t;
    char q[64];
    args a = { .sh = { .dur = INFINITY } };
    const shapedef *sd = NULL;
    int rc = -1;
    if (first.type == T_NUM && (first.unit == U_NONE || first.unit == U_RATE)) {
        a.sh.kind = SHAPE_CONSTANT;
        if (read_value(ps, "constant", "rate", V_RATE, &a.sh.rate))
            return -1;
        *never_ends = "a bare rate";
        rc = pat_add_shape(p, &a.sh, "constant", NULL, 0);
    } else if (first.type == T_WORD) {
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
            if (is_word_tok(ps, shapes[i].name))
                sd = &shapes[i];
        if (!sd)
            return fail(ps, first.pos, "unknown shape %s (expected constant, ramp, step, sine, burst, points)",
                        quote(ps, &first, q));
        if (next(ps))
            return -1;
        if (ps->t.type != T_LPAREN)
            return fail(ps, ps->t.pos, "expected '(' after '%s', got %s", sd->name, quote(ps, &ps->t, q));
        a.sh.kind = sd->kind;
        if (next(ps) || parse_args(ps, sd, &a)) {
            free(a.pairs);
            free(a.mix);
            return -1;
        }
        a.sh.pairs = a.pairs;
        a.sh.npairs = a.npairs;
        *never_ends = endless(&a.sh);
        rc = pat_add_shape(p, &a.sh, sd->name, a.mix, a.nmix);   /* takes the mix */
        free(a.pairs);
    } else {
        return fail(ps, first.pos, "expected a rate or a shape like ramp(...), got %s", quote(ps, &first, q));
    }
    if (rc == PAT_ETOOMANY)
        return fail(ps, first.pos, "pattern too complex (more than %d pieces)", PAT_MAX_PIECES);
    if (rc == PAT_ETOOLONG)
        return fail(ps, first.pos, "pattern too long (more than 31 years)");
    if (rc != PAT_OK)
        return fail(ps, first.pos, "out of memory");
    return 0;
}

pat_t *pat_parse(const char *expr, pat_error *err)
{
    memset(err, 0, sizeof *err);
    parser ps = { .s = expr ? expr : "", .err = err };
    char q[64];
    while (ps.n <= PAT_MAX_EXPR && ps.s[ps.n])
        ps.n++;
    if (ps.n > PAT_MAX_EXPR) {
        fail(&ps, PAT_MAX_EXPR, "pattern too long (at most %d characters)", PAT_MAX_EXPR);
        return NULL;
    }
    pat_t *p = pat_alloc();
    if (!p) {
        fail(&ps, 0, "out of memory");
        return NULL;
    }
    if (next(&ps))
        goto bad;
    if (ps.t.type == T_END) {
        fail(&ps, 0, "empty pattern");
        goto bad;
    }
    for (;;) {
        const char *never_ends = NULL;
        if (parse_shape(&ps, p, &never_ends))
            goto bad;
        if (ps.t.type == T_END)
            return p;
        if (!is_word_tok(&ps, "then")) {
            fail(&ps, ps.t.pos, "expected 'then' or the end of the pattern, got %s", quote(&ps, &ps.t, q));
            goto bad;
        }
        if (never_ends) {
            fail(&ps, ps.t.pos, "%s never ends, so nothing can follow it with 'then'", never_ends);
            goto bad;
        }
        if (next(&ps))
            goto bad;
        if (ps.t.type == T_END) {
            fail(&ps, ps.t.pos, "expected a shape after 'then'");
            goto bad;
        }
    }
bad:
    pat_free(p);
    return NULL;
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
