/* sqlite_ddl.c - sizes in declared types and CHECK constraints, read out of
 * the text SQLite keeps them in (see sqlite_ddl.h). */
#include "workloads/sqlite_ddl.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- declared types ------------------------------------------------------ */

/* SQLite enforces none of these sizes, but they are what the schema's
 * author meant values to fit. */
int sqlite_ddl_type(const char *type, sc_column *col)
{
    col->length = col->precision = col->scale = -1;
    const char *paren = strchr(type, '(');
    size_t n = paren ? (size_t)(paren - type) : strlen(type);
    char *base = malloc(n + 1);
    if (!base)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {   /* lower case, one blank between words, none at the ends */
        unsigned char ch = (unsigned char)type[i];
        if (isspace(ch)) {
            if (k && base[k - 1] != ' ')
                base[k++] = ' ';
        } else {
            base[k++] = (char)tolower(ch);
        }
    }
    while (k && base[k - 1] == ' ')
        k--;
    base[k] = 0;
    col->base_type = base;
    if (!paren)
        return 0;
    char *end;
    long a = strtol(paren + 1, &end, 10), b = -1;
    if (end == paren + 1 || a < 0 || a > INT_MAX)
        return 0;
    while (isspace((unsigned char)*end))
        end++;
    if (*end == ',') {
        const char *s = end + 1;
        b = strtol(s, &end, 10);
        if (end == s || b < 0 || b > INT_MAX)
            return 0;
        while (isspace((unsigned char)*end))
            end++;
    }
    if (*end != ')')
        return 0;
    if (strstr(base, "char") || strstr(base, "text") || strstr(base, "clob") || strstr(base, "binary") ||
        strstr(base, "blob")) {
        col->length = (int)a;
    } else if (strstr(base, "dec") || strstr(base, "num")) {
        col->precision = (int)a;
        col->scale = b >= 0 ? (int)b : 0;    /* NUMERIC(p) is NUMERIC(p,0) */
    } else if (strstr(base, "real") || strstr(base, "floa") || strstr(base, "doub")) {
        col->precision = (int)a;
        col->scale = (int)b;
    }
    return 0;
}

/* ---- CHECK constraints ----------------------------------------------------- */

static const char *skip_blank(const char *p)
{
    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e ? e + 2 : p + strlen(p);
        } else {
            return p;
        }
    }
}

static bool is_quote(char ch)
{
    return ch == '\'' || ch == '"' || ch == '`' || ch == '[';
}

/* p at an opening quote: ' " ` or [. Returns the byte after the closing
 * one (a doubled quote inside is part of the text), or the end. */
static const char *skip_quoted(const char *p)
{
    char close = *p == '[' ? ']' : *p;
    for (p++; *p; p++)
        if (*p == close) {
            if (close != ']' && p[1] == close)
                p++;
            else
                return p + 1;
        }
    return p;
}

static bool is_word(unsigned char ch)
{
    return isalnum(ch) || ch == '_' || ch == '$' || ch >= 0x80;
}

/* p at '('. The matching ')', or NULL when the text ends first. */
static const char *match_paren(const char *p)
{
    int depth = 0;
    while (*p) {
        const char *q = skip_blank(p);
        if (q != p) {
            p = q;
            continue;
        }
        if (is_quote(*p)) {
            p = skip_quoted(p);
            continue;
        }
        if (*p == '(')
            depth++;
        else if (*p == ')' && --depth == 0)
            return p;
        p++;
    }
    return NULL;
}

/* A name as written ("Name", [Name], `Name`, 'Name' or bare), unquoted. */
static char *unquote(const char *s, size_t n)
{
    if (n < 2 || !is_quote(*s))
        return strndup(s, n);
    char close = *s == '[' ? ']' : *s;
    char *out = malloc(n);
    if (!out)
        return NULL;
    size_t k = 0;
    for (size_t i = 1; i + 1 < n; i++) {
        out[k++] = s[i];
        if (s[i] == close && close != ']' && s[i + 1] == close)
            i++;
    }
    out[k] = 0;
    return out;
}

typedef struct token {
    const char *s;
    size_t n;
    bool word, quoted;
} token;

static bool token_is(const token *t, const char *kw)
{
    return t->word && t->n == strlen(kw) && strncasecmp(t->s, kw, t->n) == 0;
}

static int add_check(sc_check **checks, int *nchecks, const token *name, const char *a, const char *b)
{
    while (a < b && isspace((unsigned char)*a))
        a++;
    while (b > a && isspace((unsigned char)b[-1]))
        b--;
    sc_check *grown = realloc(*checks, (size_t)(*nchecks + 1) * sizeof *grown);
    if (!grown)
        return -1;
    *checks = grown;
    sc_check *ck = &grown[(*nchecks)++];
    ck->expr = strndup(a, (size_t)(b - a));
    ck->name = name ? unquote(name->s, name->n) : NULL;
    return ck->expr && (!name || ck->name) ? 0 : -1;
}

int sqlite_ddl_checks(const char *sql, sc_check **checks, int *nchecks)
{
    token prev[2] = { { 0 }, { 0 } };   /* the two tokens before this one */
    const char *p = sql ? sql : "";
    for (;;) {
        p = skip_blank(p);
        if (!*p)
            return 0;
        token tok = { .s = p };
        if (is_quote(*p)) {
            p = skip_quoted(p);
            tok.quoted = true;
        } else if (is_word((unsigned char)*p)) {
            while (is_word((unsigned char)*p))
                p++;
            tok.word = true;
        } else {
            p++;
        }
        tok.n = (size_t)(p - tok.s);
        const char *open = skip_blank(p);
        if (token_is(&tok, "check") && *open == '(') {
            const char *close = match_paren(open);
            if (!close)
                return 0;   /* cut short: SQLite would not have stored it */
            bool named = token_is(&prev[0], "constraint") && (prev[1].word || prev[1].quoted);
            if (add_check(checks, nchecks, named ? &prev[1] : NULL, open + 1, close) != 0)
                return -1;
            p = close + 1;
            memset(prev, 0, sizeof prev);
            continue;
        }
        prev[0] = prev[1];
        prev[1] = tok;
    }
}
