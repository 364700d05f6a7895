/* colgen.c - values that fit a column (see colgen.h).
 *
 * The plan comes from three sources, later ones narrowing earlier ones:
 * the type (what can be stored at all), the name (what a person would
 * expect there: `email`, `price`, `created_at`), and CHECK constraints of
 * the simple forms catalogs give back (`x > 0`, `x BETWEEN 1 AND 5`,
 * `x IN ('a','b')`, `length(x) <= 20`). A CHECK surge cannot read is left
 * alone; if it rejects a value, that shows as a constraint error.
 */
#include "workloads/colgen.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "workloads/datagen.h"

/* Generated times fall in the two years before this instant, so the same
 * seed gives the same data whenever it runs: 2026-01-01T00:00:00Z. */
#define CG_EPOCH    1767225600.0
#define CG_SPAN_S   (2 * 365 * 86400.0)
#define CG_TEXT_CAP 200       /* longest text generated, whatever the column allows */

static const char *const kind_names[] = {
    [CG_SKIP] = "skip", [CG_NULL] = "null", [CG_INT] = "int", [CG_FLOAT] = "float",
    [CG_DECIMAL] = "decimal", [CG_BOOL] = "bool", [CG_TEXT] = "text", [CG_NAME] = "name",
    [CG_FIRST_NAME] = "first_name", [CG_LAST_NAME] = "last_name", [CG_EMAIL] = "email",
    [CG_PHONE] = "phone", [CG_CITY] = "city", [CG_COUNTRY] = "country", [CG_ADDRESS] = "address",
    [CG_URL] = "url", [CG_SKU] = "sku", [CG_CODE] = "code", [CG_CHOICE] = "choice", [CG_DATE] = "date",
    [CG_TIMESTAMP] = "timestamp", [CG_TIME] = "time", [CG_UUID] = "uuid", [CG_JSON] = "json",
    [CG_BYTES] = "bytes", [CG_INTERVAL] = "interval", [CG_INET] = "inet",
};

const char *cg_kind_name(cg_kind k) { return kind_names[k]; }

int cg_override(cg_col *g, const char *spec, char *err, size_t errlen)
{
    size_t klen = strcspn(spec, ":");
    const char *arg = spec[klen] == ':' ? spec + klen + 1 : NULL;
    int kind = -1;
    for (int k = CG_NULL; k <= CG_INET; k++)
        if (strlen(kind_names[k]) == klen && !strncmp(spec, kind_names[k], klen))
            kind = k;
    if (kind < 0) {
        snprintf(err, errlen, "unknown generator '%.*s' (expected int, float, decimal, text, name, email, phone, "
                 "city, country, address, url, sku, code, choice, date, timestamp, time, uuid, json, bool or null)",
                 (int)klen, spec);
        return -1;
    }
    cg_free(g);
    g->kind = (cg_kind)kind;
    if (kind == CG_INT || kind == CG_FLOAT || kind == CG_DECIMAL) {
        double lo, hi;
        char *end;
        if (arg) {
            /* "5..6": strtod would read "5." as the low end, so split first. */
            const char *dots = strstr(arg, "..");
            char lo_text[64];
            snprintf(lo_text, sizeof lo_text, "%.*s", dots ? (int)(dots - arg) : 0, arg);
            lo = strtod(lo_text, &end);
            bool lo_ok = dots && dots > arg && !*end;
            if (!lo_ok || (hi = strtod(dots + 2, &end), *end || end == dots + 2) || hi < lo) {
                snprintf(err, errlen, "generator '%s': expected %s:LO..HI, e.g. %s:1..100", spec, kind_names[kind],
                         kind_names[kind]);
                return -1;
            }
            g->lo = (int64_t)lo, g->hi = (int64_t)hi, g->dlo = lo, g->dhi = hi;
        } else if (kind == CG_INT && g->hi <= g->lo) {
            g->lo = 1, g->hi = 1000000;
        } else if (kind != CG_INT && g->dhi <= g->dlo) {
            g->dlo = 0, g->dhi = 1000;
        }
        if (kind == CG_DECIMAL && g->scale <= 0)
            g->scale = 2;
    } else if (kind == CG_CHOICE) {
        if (!arg || !*arg) {
            snprintf(err, errlen, "generator '%s': expected choice:a|b|c", spec);
            return -1;
        }
        for (const char *p = arg;;) {
            size_t n = strcspn(p, "|");
            char **c = realloc(g->choices, sizeof *c * (size_t)(g->nchoices + 1));
            char *v = c ? strndup(p, n) : NULL;
            if (!v) {
                if (c)
                    g->choices = c;
                snprintf(err, errlen, "out of memory");
                return -1;
            }
            g->choices = c;
            g->choices[g->nchoices++] = v;
            if ((int)n + 1 > g->buflen)
                g->buflen = (int)n + 1;
            if (!p[n])
                break;
            p += n + 1;
        }
    } else if (arg) {
        char *end;
        long n = strtol(arg, &end, 10);
        if (*end || n < 1 || n > 10000) {
            snprintf(err, errlen, "generator '%s': expected %s:LENGTH (1..10000)", spec, kind_names[kind]);
            return -1;
        }
        g->maxlen = (int)n;
        if ((int)n + 1 > g->buflen)
            g->buflen = (int)n + 1;
    }
    return 0;
}

static bool is_any(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (!strcasecmp(s, *list))
            return true;
    return false;
}

static bool has(const char *s, const char *part) { return strcasestr(s, part) != NULL; }

/* ---- from the type ------------------------------------------------------ */

static void plan_int(cg_col *g, const char *bt, const char *type)
{
    int64_t max = 2147483647;
    if (is_any(bt, (const char *const[]){ "smallint", "int2", "smallserial", NULL }))
        max = 32767;
    else if (!strcasecmp(bt, "tinyint"))
        max = 127;
    else if (!strcasecmp(bt, "mediumint"))
        max = 8388607;
    else if (is_any(bt, (const char *const[]){ "bigint", "int8", "bigserial", NULL }))
        max = INT64_MAX / 2;
    g->kind = CG_INT;
    g->lo = 1;
    g->hi = g->unique ? max : (max < 1000000 ? max : 1000000);
    (void)type;
}

/* The column's type, lower case and without size, to a kind. SQLite's
 * declared types are free text, so its affinity rules come last. */
static void plan_type(cg_col *g, const sc_column *c)
{
    const char *bt = c->base_type ? c->base_type : "";
    const char *type = c->type ? c->type : bt;
    g->maxlen = c->length > 0 ? c->length : CG_TEXT_CAP;
    if (strchr(type, '[') || strchr(bt, '[') || !strcasecmp(bt, "array")) {
        g->kind = CG_NULL;                   /* arrays: nothing generated yet */
        return;
    }
    if (is_any(bt, (const char *const[]){ "smallint", "int2", "integer", "int", "int4", "bigint", "int8",
                                           "mediumint", "serial", "bigserial", "smallserial", NULL }) ||
        (!strcasecmp(bt, "tinyint") && !has(type, "tinyint(1)"))) {
        plan_int(g, bt, type);
    } else if (is_any(bt, (const char *const[]){ "boolean", "bool", NULL }) || has(type, "tinyint(1)") ||
               (!strcasecmp(bt, "bit") && c->length <= 1)) {
        g->kind = CG_BOOL;
    } else if (is_any(bt, (const char *const[]){ "real", "float4", "float8", "double precision", "double",
                                                  "float", NULL })) {
        g->kind = CG_FLOAT;
        g->dlo = 0, g->dhi = 1000;
    } else if (is_any(bt, (const char *const[]){ "numeric", "decimal", "money", "smallmoney", NULL })) {
        g->kind = CG_DECIMAL;
        g->scale = c->scale >= 0 ? c->scale : 2;
        g->dlo = 0, g->dhi = 10000;
        if (c->precision > 0) {
            double max = pow(10, c->precision - g->scale) - pow(10, -g->scale);
            if (max < g->dhi)
                g->dhi = max;
        }
    } else if (is_any(bt, (const char *const[]){ "date", NULL })) {
        g->kind = CG_DATE;
    } else if (has(bt, "timestamp") || is_any(bt, (const char *const[]){ "datetime", "datetime2",
                                                    "smalldatetime", "datetimeoffset", "timestamptz", NULL })) {
        g->kind = CG_TIMESTAMP;
    } else if (has(bt, "time") && !has(bt, "interval")) {
        g->kind = CG_TIME;
    } else if (!strcasecmp(bt, "year")) {
        g->kind = CG_INT;
        g->lo = 1970, g->hi = 2030;
    } else if (is_any(bt, (const char *const[]){ "uuid", "uniqueidentifier", NULL })) {
        g->kind = CG_UUID;
    } else if (is_any(bt, (const char *const[]){ "json", "jsonb", NULL })) {
        g->kind = CG_JSON;
    } else if (is_any(bt, (const char *const[]){ "bytea", "blob", "tinyblob", "mediumblob", "longblob",
                                                  "binary", "varbinary", "image", NULL })) {
        g->kind = CG_BYTES;
    } else if (!strcasecmp(bt, "interval")) {
        g->kind = CG_INTERVAL;
    } else if (is_any(bt, (const char *const[]){ "inet", "cidr", NULL })) {
        g->kind = CG_INET;
    } else if (is_any(bt, (const char *const[]){ "text", "varchar", "character varying", "char", "character",
                                                  "bpchar", "nvarchar", "nchar", "ntext", "tinytext",
                                                  "mediumtext", "longtext", "citext", "string", "clob", NULL })) {
        g->kind = CG_TEXT;
    } else if (has(bt, "int")) {             /* SQLite affinity, in its own order */
        plan_int(g, "bigint", type);
    } else if (has(bt, "char") || has(bt, "clob") || has(bt, "text")) {
        g->kind = CG_TEXT;
    } else if (has(bt, "real") || has(bt, "floa") || has(bt, "doub")) {
        g->kind = CG_FLOAT;
        g->dlo = 0, g->dhi = 1000;
    } else if (!*bt) {
        g->kind = CG_TEXT;                   /* SQLite column without a type: anything goes */
    } else {
        g->kind = CG_NULL;                   /* arrays, geometry, user types: nothing safe to make */
    }
}

/* ---- from the name ------------------------------------------------------ */

static void plan_name(cg_col *g, const char *name)
{
    if (g->kind == CG_TEXT) {
        if (has(name, "email") || has(name, "e_mail"))
            g->kind = CG_EMAIL;
        else if (has(name, "phone") || has(name, "mobile") || has(name, "fax"))
            g->kind = CG_PHONE;
        else if (has(name, "first_name") || has(name, "firstname") || has(name, "given_name"))
            g->kind = CG_FIRST_NAME;
        else if (has(name, "last_name") || has(name, "lastname") || has(name, "surname") || has(name, "family_name"))
            g->kind = CG_LAST_NAME;
        else if (has(name, "name"))
            g->kind = CG_NAME;
        else if (has(name, "city") || has(name, "town"))
            g->kind = CG_CITY;
        else if (has(name, "country"))
            g->kind = CG_COUNTRY;
        else if (has(name, "address") || has(name, "street"))
            g->kind = CG_ADDRESS;
        else if (has(name, "url") || has(name, "website") || has(name, "link"))
            g->kind = CG_URL;
        else if (has(name, "sku"))
            g->kind = CG_SKU;
        else if (has(name, "code") || has(name, "zip") || has(name, "postal") || has(name, "token"))
            g->kind = CG_CODE;
    } else if (g->kind == CG_INT || g->kind == CG_FLOAT || g->kind == CG_DECIMAL) {
        double lo = 0, hi = 0;
        if (has(name, "price") || has(name, "amount") || has(name, "cost") || has(name, "total") ||
            has(name, "balance") || has(name, "salary"))
            lo = 1, hi = 1000;
        else if (has(name, "qty") || has(name, "quantity"))
            lo = 1, hi = 20;
        else if (!strcasecmp(name, "age"))
            lo = 18, hi = 90;
        else if (has(name, "year"))
            lo = 1970, hi = 2030;
        else if (has(name, "rating") || has(name, "stars"))
            lo = 1, hi = 5;
        else if (has(name, "percent") || has(name, "score"))
            lo = 0, hi = 100;
        else if (!strcasecmp(name, "lat") || has(name, "latitude"))
            lo = -90, hi = 90;
        else if (!strcasecmp(name, "lon") || !strcasecmp(name, "lng") || has(name, "longitude"))
            lo = -180, hi = 180;
        if (hi > lo && !g->unique) {
            if (g->kind == CG_INT) {
                g->lo = g->lo > (int64_t)lo ? g->lo : (int64_t)lo;
                g->hi = g->hi < (int64_t)hi ? g->hi : (int64_t)hi;
            } else {
                g->dlo = g->dlo > lo ? g->dlo : lo;
                g->dhi = g->dhi < hi ? g->dhi : hi;
            }
        }
    }
}

/* ---- from CHECK constraints ---------------------------------------------- */

/* Where `name` appears in expr as a whole identifier (bare or quoted with
 * " ` [ ]), the position just past it; NULL when it does not. */
static const char *find_ident(const char *expr, const char *name, const char **start)
{
    size_t n = strlen(name);
    for (const char *p = expr; (p = strcasestr(p, name)); p++) {
        char before = p > expr ? p[-1] : ' ', after = p[n];
        bool quoted = strchr("\"`[", before) && before && strchr("\"`]", after) && after;
        bool bare = !(isalnum((unsigned char)before) || before == '_') && !(isalnum((unsigned char)after) || after == '_');
        if (quoted || bare) {
            *start = quoted ? p - 1 : p;
            return p + n + (quoted ? 1 : 0);
        }
    }
    return NULL;
}

/* Skip what catalogs wrap around operands: spaces, parentheses, quotes
 * and PostgreSQL casts (::numeric, ::text). */
static const char *skip_noise(const char *p)
{
    for (;;) {
        while (*p == ' ' || *p == ')' || *p == '(')
            p++;
        if (p[0] == ':' && p[1] == ':') {
            p += 2;
            while (isalnum((unsigned char)*p) || *p == '_' || *p == ' ')
                p++;
            continue;
        }
        return p;
    }
}

/* A number after an operator, skipping noise; false if none. */
static bool number_at(const char *p, double *out)
{
    p = skip_noise(p);
    if (*p == '\'')
        p++;
    char *end;
    double v = strtod(p, &end);
    if (end == p)
        return false;
    *out = v;
    return true;
}

static void narrow(cg_col *g, int op, double v, bool on_length)
{
    /* op: '>' '<' 'G' (>=) 'L' (<=) '=' */
    if (on_length) {
        int m = (int)(op == '<' ? v - 1 : v);
        if ((op == '<' || op == 'L' || op == '=') && m >= 1 && m < g->maxlen)
            g->maxlen = m;
        return;
    }
    if (g->kind == CG_INT) {
        int64_t lo = op == '>' ? (int64_t)floor(v) + 1 : (int64_t)ceil(v);
        int64_t hi = op == '<' ? (int64_t)ceil(v) - 1 : (int64_t)floor(v);
        if ((op == '>' || op == 'G' || op == '=') && lo > g->lo)
            g->lo = lo;
        if ((op == '<' || op == 'L' || op == '=') && hi < g->hi)
            g->hi = hi;
    } else if (g->kind == CG_FLOAT || g->kind == CG_DECIMAL) {
        double step = g->kind == CG_DECIMAL ? pow(10, -g->scale) : 1e-6;
        if ((op == '>' || op == 'G' || op == '=') && v + (op == '>' ? step : 0) > g->dlo)
            g->dlo = v + (op == '>' ? step : 0);
        if ((op == '<' || op == 'L' || op == '=') && v - (op == '<' ? step : 0) < g->dhi)
            g->dhi = v - (op == '<' ? step : 0);
    }
}

/* Single-quoted literals of an IN list or = ANY (ARRAY[…]) as choices. */
static void take_choices(cg_col *g, const char *expr)
{
    for (const char *p = expr; (p = strchr(p, '\'')); ) {
        const char *q = p + 1;
        while (*q && !(q[0] == '\'' && q[1] != '\''))
            q += q[0] == '\'' ? 2 : 1;
        if (!*q)
            break;
        char **c = realloc(g->choices, sizeof *c * (size_t)(g->nchoices + 1));
        if (!c)
            return;
        g->choices = c;
        size_t n = (size_t)(q - p - 1);
        char *v = malloc(n + 1);
        if (!v)
            return;
        size_t o = 0;
        for (const char *s = p + 1; s < q; s++) {
            v[o++] = *s;
            if (s[0] == '\'' && s[1] == '\'')
                s++;
        }
        v[o] = '\0';
        g->choices[g->nchoices++] = v;
        p = q + 1;
    }
}

static void plan_checks(cg_col *g, const sc_table *t)
{
    const char *name = g->col->name;
    for (int i = 0; i < t->nchecks; i++) {
        const char *expr = t->checks[i].expr;
        const char *start, *p;
        if (!expr || !(p = find_ident(expr, name, &start)))
            continue;
        /* Only checks on this column alone: another column named in the
         * same check makes it a relation surge does not solve. */
        bool other = false;
        for (int j = 0; j < t->ncols && !other; j++) {
            const char *s2;
            if (strcasecmp(t->cols[j].name, name) &&
                find_ident(expr, t->cols[j].name, &s2))
                other = true;
        }
        if (other)
            continue;
        if ((has(expr, " IN ") || has(expr, "ANY")) && strchr(expr, '\'')) {
            if (g->kind == CG_TEXT || (g->kind >= CG_NAME && g->kind <= CG_CODE) || g->kind == CG_CHOICE) {
                g->kind = CG_CHOICE;
                take_choices(g, expr);
            }
            continue;
        }
        /* Every comparison with this column on the left, AND-ed. */
        for (; p; p = find_ident(p, name, &start)) {
            bool on_length = start - expr >= 7 && (!strncasecmp(start - 7, "length(", 7) ||
                                                  (start - expr >= 12 && !strncasecmp(start - 12, "char_length(", 12)));
            const char *o = skip_noise(p);
            double v, w;
            if (!strncasecmp(o, "BETWEEN", 7) && number_at(o + 7, &v)) {
                const char *and = strcasestr(o, " AND ");
                if (and && number_at(and + 5, &w)) {
                    narrow(g, 'G', v, on_length);
                    narrow(g, 'L', w, on_length);
                }
            } else if (o[0] == '>' && o[1] == '=' && number_at(o + 2, &v)) {
                narrow(g, 'G', v, on_length);
            } else if (o[0] == '<' && o[1] == '=' && number_at(o + 2, &v)) {
                narrow(g, 'L', v, on_length);
            } else if (o[0] == '>' && number_at(o + 1, &v)) {
                narrow(g, '>', v, on_length);
            } else if (o[0] == '<' && o[1] != '>' && number_at(o + 1, &v)) {
                narrow(g, '<', v, on_length);
            }
        }
    }
}

/* ---- the plan ------------------------------------------------------------ */

void cg_plan(cg_col *g, const sc_table *t, int index, bool unique, dl_kind dialect)
{
    const sc_column *c = &t->cols[index];
    *g = (cg_col){ .col = c, .index = index, .unique = unique, .nullable = c->nullable, .dialect = dialect };
    if (c->identity || c->generated) {
        g->kind = CG_SKIP;
        return;
    }
    if (c->nenum > 0) {
        g->kind = CG_CHOICE;
        for (int i = 0; i < c->nenum; i++) {
            char **ch = realloc(g->choices, sizeof *ch * (size_t)(g->nchoices + 1));
            if (!ch || !(ch[g->nchoices] = strdup(c->enum_values[i]))) {
                if (ch)
                    g->choices = ch;
                break;
            }
            g->choices = ch;
            g->nchoices++;
        }
    } else {
        plan_type(g, c);
        plan_name(g, c->name);
    }
    plan_checks(g, t);
    if (g->kind == CG_CHOICE && g->nchoices == 0)
        g->kind = CG_CODE;
    if (g->kind == CG_TEXT && g->maxlen < 12)
        g->kind = CG_CODE;                   /* too short for words */
    if (g->kind == CG_INT && g->hi < g->lo)
        g->hi = g->lo;
    if ((g->kind == CG_FLOAT || g->kind == CG_DECIMAL) && g->dhi < g->dlo)
        g->dhi = g->dlo;
    if (g->kind == CG_NULL && !c->nullable && c->default_expr)
        g->kind = CG_SKIP;
    /* Unique text: words repeat, so a unique column gets codes (emails
     * keep their form, with the number inside). */
    if (unique && g->kind != CG_EMAIL && g->kind != CG_UUID && g->kind != CG_CHOICE &&
        ((g->kind >= CG_TEXT && g->kind <= CG_CODE) || g->kind == CG_BYTES))
        g->kind = CG_CODE;
    if (unique && g->kind == CG_EMAIL && g->maxlen < 26)
        g->kind = CG_CODE;                   /* no room for <13 digits>@example.com */
    int need = g->maxlen < CG_TEXT_CAP ? g->maxlen : CG_TEXT_CAP;
    g->buflen = (need > 64 ? need : 64) + 1;
    if (g->kind == CG_CHOICE)
        for (int i = 0; i < g->nchoices; i++)
            if ((int)strlen(g->choices[i]) + 1 > g->buflen)
                g->buflen = (int)strlen(g->choices[i]) + 1;
}

void cg_free(cg_col *g)
{
    for (int i = 0; i < g->nchoices; i++)
        free(g->choices[i]);
    free(g->choices);
    g->choices = NULL;
    g->nchoices = 0;
}

/* ---- values -------------------------------------------------------------- */

/* Characters a CODE value has: the column's length, at most 13 (36^13 > 2^64). */
static int code_width(const cg_col *g) { return g->maxlen < 13 ? g->maxlen : 13; }

static drv_value text_value(const cg_col *g, char *buf, int n)
{
    if (n < 0)
        n = 0;
    if (n > g->maxlen)
        n = g->maxlen;             /* ASCII only, so bytes are characters */
    if (n > g->buflen - 1)
        n = g->buflen - 1;
    buf[n] = '\0';
    return drv_text(buf, n);
}

drv_value cg_value(const cg_col *g, rng_t *r, uint64_t u, char *buf)
{
    size_t len = (size_t)g->buflen;
    switch (g->kind) {
    case CG_SKIP:
    case CG_NULL:
        return drv_null();
    case CG_INT:
        if (g->unique)
            return drv_int(g->lo + (int64_t)u);
        return drv_int(rng_range(r, g->lo, g->hi));
    case CG_FLOAT:
        return drv_double(g->unique ? g->dlo + (double)u : rng_uniform(r, g->dlo, g->dhi));
    case CG_DECIMAL: {
        /* As text: exact on every server, whatever the scale. */
        double v = g->unique ? g->dlo + (double)u : rng_uniform(r, g->dlo, g->dhi);
        double m = pow(10, g->scale);
        v = floor(v * m) / m;
        if (v < g->dlo)
            v = g->dlo;
        return text_value(g, buf, snprintf(buf, len, "%.*f", g->scale, v));
    }
    case CG_BOOL:
        return drv_int(rng_bool(r, 0.5));
    case CG_TEXT: {
        size_t room = (size_t)(g->maxlen < 80 ? g->maxlen : 80) + 1;
        return text_value(g, buf, dg_lorem(r, buf, room < len ? room : len));
    }
    case CG_NAME:       return text_value(g, buf, dg_name(r, buf, len));
    case CG_FIRST_NAME: return text_value(g, buf, dg_first_name(r, buf, len));
    case CG_LAST_NAME:  return text_value(g, buf, dg_last_name(r, buf, len));
    case CG_PHONE:      return text_value(g, buf, dg_phone(r, buf, len));
    case CG_CITY:       return text_value(g, buf, dg_city(r, buf, len));
    case CG_COUNTRY:    return text_value(g, buf, dg_country(r, buf, len));
    case CG_ADDRESS:    return text_value(g, buf, dg_address(r, buf, len));
    case CG_URL:        return text_value(g, buf, dg_url(r, buf, len));
    case CG_SKU:        return text_value(g, buf, dg_sku(r, buf, len));
    case CG_EMAIL:
        if (g->unique) {
            /* name.<u in base 36>@example.com, or without the name when
             * the column is too narrow for it: the number keeps it unique. */
            char code[16], local[64];
            dg_base36(u, 1, code, sizeof code);
            int n = dg_name(r, local, sizeof local);
            for (int i = 0; i < n; i++)
                local[i] = local[i] == ' ' ? '.' : (char)tolower((unsigned char)local[i]);
            n = snprintf(buf, len, "%s.%s@example.com", local, code);
            if (n > g->maxlen)
                n = snprintf(buf, len, "%s@example.com", code);
            return text_value(g, buf, n);
        }
        return text_value(g, buf, dg_email(r, rng_below(r, 1000000), 0, 0, buf, len));
    case CG_CODE:
        if (g->unique)
            return text_value(g, buf, dg_base36(u, code_width(g), buf, len));
        return text_value(g, buf, dg_base36(rng_below(r, UINT64_MAX), code_width(g), buf, len));
    case CG_CHOICE: {
        const char *s = g->choices[rng_below(r, (uint64_t)g->nchoices)];
        return drv_text(s, (int)strlen(s));
    }
    case CG_DATE: {
        double t = CG_EPOCH - (g->unique ? (double)u * 86400 : rng_uniform(r, 0, CG_SPAN_S));
        char ts[32];
        dg_sql_timestamp(t, ts, sizeof ts);
        return text_value(g, buf, snprintf(buf, len, "%.10s", ts));
    }
    case CG_TIMESTAMP: {
        double t = CG_EPOCH - (g->unique ? (double)u : rng_uniform(r, 0, CG_SPAN_S));
        int n = dg_sql_timestamp(t, buf, len);
        if (g->dialect == DL_MYSQL && n > 19)
            n = 19;                /* MySQL's TIMESTAMP/DATETIME(0) rounds milliseconds, which can reach :60 */
        buf[n] = '\0';
        return drv_text(buf, n);
    }
    case CG_TIME: {
        int s = (int)rng_below(r, 86400);
        return text_value(g, buf, snprintf(buf, len, "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60));
    }
    case CG_UUID: {
        int n = dg_uuid(rng_next(r), g->unique ? u : rng_next(r), buf, len);
        return drv_text(buf, n);
    }
    case CG_JSON: {
        int n = snprintf(buf, len, "{\"id\": %llu, \"tag\": \"%s\", \"score\": %d}",
                         (unsigned long long)(g->unique ? u : rng_below(r, 1000000)),
                         (const char *const[]){ "red", "green", "blue", "gold" }[rng_below(r, 4)],
                         (int)rng_below(r, 100));
        return drv_text(buf, n);
    }
    case CG_BYTES: {
        /* PostgreSQL reads bytea text as \x-hex; the others take the bytes as they are. */
        int n = g->dialect == DL_POSTGRES ? snprintf(buf, len, "\\x") : 0;
        int want = 8 + (int)rng_below(r, 9);
        for (int i = 0; i < want && (size_t)n + 3 < len; i++)
            n += snprintf(buf + n, len - (size_t)n, "%02x", (unsigned)rng_below(r, 256));
        return text_value(g, buf, n);
    }
    case CG_INTERVAL:
        return text_value(g, buf, snprintf(buf, len, "%d minutes", 1 + (int)rng_below(r, 1440)));
    case CG_INET:
        return text_value(g, buf, snprintf(buf, len, "10.%d.%d.%d", (int)rng_below(r, 256), (int)rng_below(r, 256),
                                           1 + (int)rng_below(r, 254)));
    }
    return drv_null();
}

int64_t cg_unique_number(const cg_col *g, const char *text)
{
    if (!text)
        return -1;
    const char *s = text;
    size_t n = strlen(text);
    if (g->kind == CG_EMAIL) {
        const char *at = strchr(text, '@');
        const char *dot = at ? at : text;
        while (dot > text && dot[-1] != '.')
            dot--;
        if (!at)
            return -1;
        s = dot;
        n = (size_t)(at - dot);
    } else if (g->kind != CG_CODE) {
        return -1;
    }
    if (n == 0 || n > 13)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int d = isdigit((unsigned char)s[i]) ? s[i] - '0' : (s[i] >= 'a' && s[i] <= 'z') ? s[i] - 'a' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 36 + (uint64_t)d;
    }
    return v > (uint64_t)INT64_MAX ? -1 : (int64_t)v;
}
