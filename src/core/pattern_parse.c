/* pattern_parse.c - the pattern expression language (docs/patterns.md).
 *
 *   pattern := shape ('then' shape)*
 *   shape   := RATE | NAME '(' [arg (',' arg)* [',']] ')'
 *   arg     := value | NAME '=' value | 'mix' '=' '{' NAME '=' NUMBER, ... '}'
 *   value   := NUMBER[unit] | NUMBER ':' NUMBER | 'true' | 'false'
 *
 * Each shape's arguments are a table (name, kind of value, position, field
 * in pat_shape), so checking, defaults and messages are written once. Every
 * value is checked here, where its column is known; pattern.c only compiles.
 */
#include "core/pattern_int.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double PI = 3.14159265358979323846;

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
static int read_value(pat_lexer *ps, const char *shape, const char *arg, int type, double *out)
{
    pat_tok t = ps->t;
    char q[64];
    double v = t.num;
    int num = t.type == TOK_NUM;
    switch (type) {
    case V_RATE:
        if (!num || (t.unit != UNIT_NONE && t.unit != UNIT_RATE))
            return pat_fail(ps, t.pos, "%s: expected a rate like 100 or 100/s, got %s", shape, pat_quote(ps, &t, q));
        if (v < 0)
            return pat_fail(ps, t.pos, "%s: %s must be >= 0, got %s", shape, arg, pat_quote(ps, &t, q));
        if (v > PAT_MAX_RATE)
            return pat_fail(ps, t.pos, "%s: %s is too large (at most %.0f/s)", shape, arg, PAT_MAX_RATE);
        break;
    case V_DUR:
    case V_DUR0:
        if (!num || (t.unit != UNIT_NONE && t.unit != UNIT_TIME))
            return pat_fail(ps, t.pos, "%s: expected a duration like 30s, got %s", shape, pat_quote(ps, &t, q));
        if (type == V_DUR && v <= 0)
            return pat_fail(ps, t.pos, "%s: %s must be > 0", shape, arg);
        if (v < 0)
            return pat_fail(ps, t.pos, "%s: %s must be >= 0", shape, arg);
        if (v > 0 && v < PAT_MIN_SECONDS * 0.999999)
            return pat_fail(ps, t.pos, "%s: %s must be at least 1us", shape, arg);
        if (v > PAT_MAX_SECONDS)
            return pat_fail(ps, t.pos, "%s: %s is too long (at most 10 years)", shape, arg);
        break;
    case V_COUNT:
        if (!num || t.unit != UNIT_NONE || v < 0 || v != floor(v))
            return pat_fail(ps, t.pos, "%s: %s must be a whole number >= 0, got %s", shape, arg, pat_quote(ps, &t, q));
        if (v > PAT_MAX_COUNT)
            return pat_fail(ps, t.pos, "%s: %s is too large (at most %.0f)", shape, arg, PAT_MAX_COUNT);
        break;
    case V_BOOL:
        if (pat_is_word(ps, "true"))
            v = 1;
        else if (pat_is_word(ps, "false"))
            v = 0;
        else
            return pat_fail(ps, t.pos, "%s: %s must be true or false, got %s", shape, arg, pat_quote(ps, &t, q));
        break;
    case V_ANGLE:
        if (!num || (t.unit != UNIT_NONE && t.unit != UNIT_ANGLE) || fabs(v) > 1e6)
            return pat_fail(ps, t.pos, "%s: expected an angle like 1.57 or 90deg, got %s", shape, pat_quote(ps, &t, q));
        v = fmod(v, 2 * PI);
        if (v < 0)
            v += 2 * PI;
        break;
    }
    *out = v;
    return pat_next(ps);
}

/* rate:duration for step, time:rate for points. */
static int read_pair(pat_lexer *ps, const shapedef *sd, pat_pair *out)
{
    pat_tok first = ps->t;
    char q[64];
    int step = sd->pairs == STEP_PAIRS;
    if (read_value(ps, sd->name, step ? "rate" : "time", step ? V_RATE : V_DUR0, &out->x))
        return -1;
    if (ps->t.type != TOK_COLON)
        return pat_fail(ps, first.pos, step ? "step: expected rate:duration like 100:30s, got %s"
                                        : "points: expected time:rate like 30s:100, got %s",
                    pat_quote(ps, &first, q));
    if (pat_next(ps))
        return -1;
    return read_value(ps, sd->name, step ? "duration" : "rate", step ? V_DUR : V_RATE, &out->y);
}

/* mix={name=weight, ...}; the current token is the '{'. */
static int read_mix(pat_lexer *ps, pat_mix **out, int *nout)
{
    char q[64];
    pat_tok open = ps->t;
    if (open.type != TOK_LBRACE)
        return pat_fail(ps, open.pos, "mix: expected '{' as in mix={read=80, write=20}, got %s", pat_quote(ps, &open, q));
    if (pat_next(ps))
        return -1;
    pat_mix *mix = NULL;
    int n = 0;
    double sum = 0;
    while (ps->t.type != TOK_RBRACE) {
        pat_tok name = ps->t;
        if (name.type != TOK_WORD)
            return pat_fail(ps, name.pos, "mix: expected an operation name, got %s", pat_quote(ps, &name, q));
        if (name.len >= (int)sizeof mix->name)
            return pat_fail(ps, name.pos, "mix: operation name too long (at most %d characters)", (int)sizeof mix->name - 1);
        if (n == PAT_MAX_MIX)
            return pat_fail(ps, name.pos, "mix: too many operations (at most %d)", PAT_MAX_MIX);
        for (int i = 0; i < n; i++)
            if ((int)strlen(mix[i].name) == name.len && memcmp(mix[i].name, ps->s + name.pos, (size_t)name.len) == 0)
                return pat_fail(ps, name.pos, "mix: %s given twice", pat_quote(ps, &name, q));
        if (pat_next(ps))
            return -1;
        if (ps->t.type != TOK_EQUALS) {
            char q2[64];
            return pat_fail(ps, ps->t.pos, "mix: expected '=' after %s, got %s", pat_quote(ps, &name, q), pat_quote(ps, &ps->t, q2));
        }
        if (pat_next(ps))
            return -1;
        pat_tok w = ps->t;
        if (w.type != TOK_NUM || w.unit != UNIT_NONE)
            return pat_fail(ps, w.pos, "mix: expected a weight like 80, got %s", pat_quote(ps, &w, q));
        if (w.num < 0 || w.num > 1e9)
            return pat_fail(ps, w.pos, "mix: a weight must be between 0 and 1e9, got %s", pat_quote(ps, &w, q));
        pat_mix *grown = realloc(*out, (size_t)(n + 1) * sizeof *grown);
        if (!grown)
            return pat_fail(ps, name.pos, "out of memory");
        *out = mix = grown;
        memcpy(mix[n].name, ps->s + name.pos, (size_t)name.len);
        mix[n].name[name.len] = '\0';
        mix[n].weight = w.num;
        sum += w.num;
        *nout = ++n;
        if (pat_next(ps))
            return -1;
        if (ps->t.type == TOK_COMMA) {
            if (pat_next(ps))
                return -1;
        } else if (ps->t.type == TOK_END) {
            return pat_fail(ps, ps->t.pos, "mix: expected '}'");
        } else if (ps->t.type != TOK_RBRACE) {
            return pat_fail(ps, ps->t.pos, "mix: expected ',' or '}', got %s", pat_quote(ps, &ps->t, q));
        }
    }
    if (n == 0)
        return pat_fail(ps, open.pos, "mix: empty (write mix={read=80, write=20})");
    if (!(sum > 0))
        return pat_fail(ps, open.pos, "mix: at least one weight must be > 0");
    return pat_next(ps);
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

static int add_pair(pat_lexer *ps, const shapedef *sd, args *a)
{
    pat_tok at = ps->t;
    char q[64];
    if (a->npairs >= PAT_MAX_PIECES)
        return pat_fail(ps, at.pos, "%s: too many %s (at most %d)", sd->name,
                    sd->pairs == STEP_PAIRS ? "steps" : "points", PAT_MAX_PIECES);
    if (a->npairs == a->cap) {
        int cap = a->cap ? 2 * a->cap : 16;
        pat_pair *grown = realloc(a->pairs, (size_t)cap * sizeof *grown);
        if (!grown)
            return pat_fail(ps, at.pos, "out of memory");
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
            return pat_fail(ps, at.pos, "points: the first point must be at time 0, got %s", pat_quote(ps, &at, q));
        if (a->npairs > 0 && !(pr.x > a->pairs[a->npairs - 1].x))
            return pat_fail(ps, at.pos, "points: times must increase from one point to the next, got %s", pat_quote(ps, &at, q));
    }
    a->pairs[a->npairs++] = pr;
    return 0;
}

static int named_arg(pat_lexer *ps, const shapedef *sd, args *a)
{
    pat_tok name = ps->t;
    char q[64];
    if (pat_next(ps) || pat_next(ps))   /* the name and the '=' */
        return -1;
    if (name.len == 3 && memcmp(ps->s + name.pos, "mix", 3) == 0) {
        if (a->seen_mix)
            return pat_fail(ps, name.pos, "%s: 'mix' given twice", sd->name);
        a->seen_mix = 1;
        return read_mix(ps, &a->mix, &a->nmix);
    }
    for (int k = 0; k < sd->nargs; k++) {
        const argdef *ad = &sd->args[k];
        if ((int)strlen(ad->name) != name.len || memcmp(ad->name, ps->s + name.pos, (size_t)name.len) != 0)
            continue;
        if (a->seen & (1u << k))
            return pat_fail(ps, name.pos, "%s: %s given twice", sd->name, pat_quote(ps, &name, q));
        a->seen |= 1u << k;
        return read_value(ps, sd->name, ad->name, ad->type, (double *)((char *)&a->sh + ad->off));
    }
    char names[128] = "";
    for (int k = 0; k < sd->nargs; k++) {
        strcat(names, sd->args[k].name);   /* at most 5 names of 8 letters */
        strcat(names, ", ");
    }
    strcat(names, "mix");
    return pat_fail(ps, name.pos, "%s: unknown argument %s (expected %s)", sd->name, pat_quote(ps, &name, q), names);
}

/* Everything between the parentheses; the current token follows the '('. */
static int parse_args(pat_lexer *ps, const shapedef *sd, args *a)
{
    char q[64];
    int npos = 0, had_name = 0;
    while (ps->t.type != TOK_RPAREN) {
        pat_tok at = ps->t;
        if (at.type == TOK_END)
            return pat_fail(ps, at.pos, "expected ')'");
        if (pat_named(ps)) {
            had_name = 1;
            if (named_arg(ps, sd, a))
                return -1;
        } else if (had_name) {
            return pat_fail(ps, at.pos, "%s: an argument without a name can't follow a named one", sd->name);
        } else if (sd->pairs != NO_PAIRS) {
            if (add_pair(ps, sd, a))
                return -1;
        } else {
            int k = 0;
            while (k < sd->nargs && sd->args[k].pos != npos)
                k++;
            if (k == sd->nargs)
                return pat_fail(ps, at.pos, "%s: too many arguments (at most %d without names)", sd->name, npos);
            a->seen |= 1u << k;
            npos++;
            if (read_value(ps, sd->name, sd->args[k].name, sd->args[k].type, (double *)((char *)&a->sh + sd->args[k].off)))
                return -1;
        }
        if (ps->t.type == TOK_COMMA) {
            if (pat_next(ps))
                return -1;
        } else if (ps->t.type == TOK_END) {
            return pat_fail(ps, ps->t.pos, "expected ')'");
        } else if (ps->t.type != TOK_RPAREN) {
            return pat_fail(ps, ps->t.pos, "expected ',' or ')', got %s", pat_quote(ps, &ps->t, q));
        }
    }
    pat_tok close = ps->t;
    for (int k = 0; k < sd->nargs; k++)
        if (sd->args[k].missing && !(a->seen & (1u << k)))
            return pat_fail(ps, close.pos, "%s: missing %s", sd->name, sd->args[k].missing);
    if (sd->pairs == STEP_PAIRS && a->npairs == 0)
        return pat_fail(ps, close.pos, "step: expected rate:duration pairs, like step(10:30s, 50:1m)");
    if (sd->pairs == POINT_PAIRS && a->npairs < 2)
        return pat_fail(ps, close.pos, "points: expected at least two time:rate points, like points(0s:10, 1m:100)");
    return pat_next(ps);
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
static int parse_shape(pat_lexer *ps, pat_t *p, const char **never_ends)
{
    pat_tok first = ps->t;
    char q[64];
    args a = { .sh = { .dur = INFINITY } };
    const shapedef *sd = NULL;
    int rc = -1;
    if (first.type == TOK_NUM && (first.unit == UNIT_NONE || first.unit == UNIT_RATE)) {
        a.sh.kind = SHAPE_CONSTANT;
        if (read_value(ps, "constant", "rate", V_RATE, &a.sh.rate))
            return -1;
        *never_ends = "a bare rate";
        rc = pat_add_shape(p, &a.sh, "constant", NULL, 0);
    } else if (first.type == TOK_WORD) {
        for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
            if (pat_is_word(ps, shapes[i].name))
                sd = &shapes[i];
        if (!sd)
            return pat_fail(ps, first.pos, "unknown shape %s (expected constant, ramp, step, sine, burst, points)",
                        pat_quote(ps, &first, q));
        if (pat_next(ps))
            return -1;
        if (ps->t.type != TOK_LPAREN)
            return pat_fail(ps, ps->t.pos, "expected '(' after '%s', got %s", sd->name, pat_quote(ps, &ps->t, q));
        a.sh.kind = sd->kind;
        if (pat_next(ps) || parse_args(ps, sd, &a)) {
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
        return pat_fail(ps, first.pos, "expected a rate or a shape like ramp(...), got %s", pat_quote(ps, &first, q));
    }
    if (rc == PAT_ETOOMANY)
        return pat_fail(ps, first.pos, "pattern too complex (more than %d pieces)", PAT_MAX_PIECES);
    if (rc == PAT_ETOOLONG)
        return pat_fail(ps, first.pos, "pattern too long (more than 31 years)");
    if (rc != PAT_OK)
        return pat_fail(ps, first.pos, "out of memory");
    return 0;
}

pat_t *pat_parse(const char *expr, pat_error *err)
{
    return pat_parse_scaled(expr, 1, err);
}

pat_t *pat_parse_scaled(const char *expr, double time_scale, pat_error *err)
{
    pat_lexer ps;
    char q[64];
    if (pat_lex_init(&ps, expr, err))
        return NULL;
    if (ps.t.type == TOK_END) {
        pat_fail(&ps, 0, "empty pattern");
        return NULL;
    }
    pat_t *p = pat_alloc();
    if (!p) {
        pat_fail(&ps, 0, "out of memory");
        return NULL;
    }
    pat_set_time_scale(p, time_scale);
    for (;;) {
        const char *never_ends = NULL;
        if (parse_shape(&ps, p, &never_ends))
            goto bad;
        if (ps.t.type == TOK_END)
            return p;
        if (!pat_is_word(&ps, "then")) {
            pat_fail(&ps, ps.t.pos, "expected 'then' or the end of the pattern, got %s", pat_quote(&ps, &ps.t, q));
            goto bad;
        }
        if (never_ends) {
            pat_fail(&ps, ps.t.pos, "%s never ends, so nothing can follow it with 'then'", never_ends);
            goto bad;
        }
        if (pat_next(&ps))
            goto bad;
        if (ps.t.type == TOK_END) {
            pat_fail(&ps, ps.t.pos, "expected a shape after 'then'");
            goto bad;
        }
    }
bad:
    pat_free(p);
    return NULL;
}

