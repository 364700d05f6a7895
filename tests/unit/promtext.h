/* promtext.h - a strict parser of Prometheus' text exposition format
 * (0.0.4), for the dashboard's /metrics test when promtool is not around.
 *
 * Stricter than Prometheus itself where a scraper would silently accept a
 * mistake of ours: every sample's family must have a TYPE, HELP and TYPE
 * come once and before the family's samples, a family's samples are
 * contiguous, no series appears twice, counters are >= 0, a summary's
 * samples carry a quantile in [0, 1] (and its _sum and _count none).
 * Header-only, like check.h.
 */
#ifndef SURGE_TEST_PROMTEXT_H
#define SURGE_TEST_PROMTEXT_H

#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROM_MAX 512

typedef struct prom_sample {
    char name[128];
    char labels[512];    /* name="value" pairs as unescaped text, in order, joined by ',' */
    double value;
} prom_sample;

typedef struct prom_family {
    char name[128];
    char type[16];
    bool help, done;     /* done: its samples have ended (another family's began) */
} prom_family;

typedef struct prom {
    prom_sample s[PROM_MAX];
    int n;
    prom_family f[PROM_MAX];
    int nf;
    char err[256];
} prom;

static bool prom_fail(prom *p, int line, const char *msg, const char *what)
{
    snprintf(p->err, sizeof p->err, "line %d: %s: %.80s", line, msg, what);
    return false;
}

static bool prom_name_char(int c, bool first, bool metric)
{
    return isalpha(c) || c == '_' || (metric && c == ':') || (!first && isdigit(c));
}

/* A metric or label name at *s; advances. */
static bool prom_name(const char **s, char *out, size_t len, bool metric)
{
    size_t n = 0;
    while (prom_name_char((unsigned char)(*s)[n], n == 0, metric))
        n++;
    if (n == 0 || n >= len)
        return false;
    memcpy(out, *s, n);
    out[n] = '\0';
    *s += n;
    return true;
}

static prom_family *prom_family_of(prom *p, const char *name, bool create)
{
    for (int i = 0; i < p->nf; i++)
        if (strcmp(p->f[i].name, name) == 0)
            return &p->f[i];
    if (!create || p->nf == PROM_MAX)
        return NULL;
    prom_family *f = &p->f[p->nf++];
    memset(f, 0, sizeof *f);
    snprintf(f->name, sizeof f->name, "%s", name);
    return f;
}

/* A float as the format has them: Go's ParseFloat, or NaN, +Inf, -Inf. */
static bool prom_value(const char *s, double *v)
{
    if (strcmp(s, "NaN") == 0)
        return *v = NAN, true;
    if (strcmp(s, "+Inf") == 0 || strcmp(s, "Inf") == 0)
        return *v = INFINITY, true;
    if (strcmp(s, "-Inf") == 0)
        return *v = -INFINITY, true;
    char *end;
    *v = strtod(s, &end);
    return *s && *end == '\0' && !isnan(*v) && !isinf(*v) && !isalpha((unsigned char)s[strlen(s) - 1]);
}

static bool prom_sample_line(prom *p, int ln, const char *line, prom_family **cur)
{
    const char *s = line;
    prom_sample *x = &p->s[p->n];
    memset(x, 0, sizeof *x);
    if (!prom_name(&s, x->name, sizeof x->name, true))
        return prom_fail(p, ln, "bad metric name", line);
    bool has_quantile = false;
    if (*s == '{') {
        s++;
        char seen[16][64];
        int nseen = 0;
        while (*s != '}') {
            char lname[64];
            if (!prom_name(&s, lname, sizeof lname, false))
                return prom_fail(p, ln, "bad label name", line);
            if (strncmp(lname, "__", 2) == 0)
                return prom_fail(p, ln, "reserved label name", line);
            for (int i = 0; i < nseen; i++)
                if (strcmp(seen[i], lname) == 0)
                    return prom_fail(p, ln, "label given twice", line);
            if (nseen < 16)
                snprintf(seen[nseen++], 64, "%s", lname);
            if (*s++ != '=' || *s++ != '"')
                return prom_fail(p, ln, "expected =\" after a label name", line);
            char val[256];
            size_t n = 0;
            for (; *s != '"'; s++) {
                if (!*s)
                    return prom_fail(p, ln, "unterminated label value", line);
                char c = *s;
                if (c == '\\') {
                    s++;
                    if (*s == 'n')
                        c = '\n';
                    else if (*s == '\\' || *s == '"')
                        c = *s;
                    else
                        return prom_fail(p, ln, "bad escape in a label value", line);
                }
                if (n + 1 < sizeof val)
                    val[n++] = c;
            }
            val[n] = '\0';
            s++;
            if (strcmp(lname, "quantile") == 0) {
                double q;
                if (!prom_value(val, &q) || !(q >= 0 && q <= 1))
                    return prom_fail(p, ln, "quantile not in [0, 1]", line);
                has_quantile = true;
            }
            size_t used = strlen(x->labels);
            snprintf(x->labels + used, sizeof x->labels - used, "%s%s=%s", used ? "," : "", lname, val);
            if (*s == ',')
                s++;
            else if (*s != '}')
                return prom_fail(p, ln, "expected , or } after a label", line);
        }
        s++;
    }
    if (*s++ != ' ')
        return prom_fail(p, ln, "expected one space before the value", line);
    char num[64];
    size_t n = strcspn(s, " ");
    if (n == 0 || n >= sizeof num)
        return prom_fail(p, ln, "missing value", line);
    memcpy(num, s, n);
    num[n] = '\0';
    if (!prom_value(num, &x->value))
        return prom_fail(p, ln, "bad value", num);
    s += n;
    if (*s == ' ') {   /* a timestamp: an integer of milliseconds */
        s++;
        if (*s == '-')
            s++;
        if (!isdigit((unsigned char)*s))
            return prom_fail(p, ln, "bad timestamp", line);
        while (isdigit((unsigned char)*s))
            s++;
    }
    if (*s)
        return prom_fail(p, ln, "text after the sample", line);

    /* Which family: the name itself, or a summary's / histogram's base. */
    char base[128];
    snprintf(base, sizeof base, "%s", x->name);
    prom_family *f = prom_family_of(p, base, false);
    static const char *const suffixes[] = { "_sum", "_count", "_bucket" };
    bool suffixed = false;
    for (size_t i = 0; !f && i < 3; i++) {
        size_t bl = strlen(x->name), sl = strlen(suffixes[i]);
        if (bl > sl && strcmp(x->name + bl - sl, suffixes[i]) == 0) {
            snprintf(base, sizeof base, "%.*s", (int)(bl - sl), x->name);
            f = prom_family_of(p, base, false);
            suffixed = f != NULL;
            if (f && strcmp(f->type, "summary") != 0 && strcmp(f->type, "histogram") != 0)
                return prom_fail(p, ln, "suffix on a family that is neither summary nor histogram", line);
        }
    }
    if (!f || !f->type[0])
        return prom_fail(p, ln, "sample without a # TYPE for its family", line);
    if (f->done)
        return prom_fail(p, ln, "family's samples are not together", line);
    if (*cur && *cur != f)
        (*cur)->done = true;
    *cur = f;
    if (strcmp(f->type, "counter") == 0 && !(x->value >= 0))
        return prom_fail(p, ln, "a counter below 0 or NaN", line);
    if (strcmp(f->type, "summary") == 0 && suffixed == has_quantile)
        return prom_fail(p, ln, suffixed ? "quantile on _sum/_count" : "summary sample without quantile", line);
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->s[i].name, x->name) == 0 && strcmp(p->s[i].labels, x->labels) == 0)
            return prom_fail(p, ln, "series given twice", line);
    if (p->n + 1 == PROM_MAX)
        return prom_fail(p, ln, "too many samples for the test's parser", line);
    p->n++;
    return true;
}

/* 0 when text is valid; -1 with p->err. */
static int prom_parse(prom *p, const char *text)
{
    memset(p, 0, sizeof *p);
    size_t len = strlen(text);
    if (len == 0 || text[len - 1] != '\n')
        return prom_fail(p, 0, "the text must end with a newline", ""), -1;
    prom_family *cur = NULL;
    int ln = 0;
    for (const char *s = text; *s;) {
        ln++;
        size_t n = strcspn(s, "\n");
        char line[1024];
        if (n >= sizeof line)
            return prom_fail(p, ln, "line too long", ""), -1;
        memcpy(line, s, n);
        line[n] = '\0';
        s += n + 1;
        if (n == 0)
            continue;
        if (strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0) {
            bool help = line[2] == 'H';
            const char *q = line + 7;
            char name[128];
            if (!prom_name(&q, name, sizeof name, true) || *q != ' ' || !q[1])
                return prom_fail(p, ln, "expected a name and text", line), -1;
            prom_family *f = prom_family_of(p, name, true);
            if (!f)
                return prom_fail(p, ln, "too many families", line), -1;
            if (f->done || (cur == f))
                return prom_fail(p, ln, "HELP/TYPE after the family's samples", line), -1;
            if (help) {
                if (f->help)
                    return prom_fail(p, ln, "second HELP", line), -1;
                f->help = true;
            } else {
                static const char *const types[] = { "counter", "gauge", "summary", "histogram", "untyped" };
                bool ok = false;
                for (size_t i = 0; i < 5; i++)
                    ok |= strcmp(q + 1, types[i]) == 0;
                if (!ok)
                    return prom_fail(p, ln, "unknown type", line), -1;
                if (f->type[0])
                    return prom_fail(p, ln, "second TYPE", line), -1;
                snprintf(f->type, sizeof f->type, "%s", q + 1);
            }
            continue;
        }
        if (line[0] == '#')
            continue;   /* another comment */
        if (!prom_sample_line(p, ln, line, &cur))
            return -1;
    }
    return 0;
}

/* The value of the series name{labels} (labels as stored: a=x,b=y), or NAN. */
static double prom_get(const prom *p, const char *name, const char *labels)
{
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->s[i].name, name) == 0 && strcmp(p->s[i].labels, labels ? labels : "") == 0)
            return p->s[i].value;
    return NAN;
}

#endif
