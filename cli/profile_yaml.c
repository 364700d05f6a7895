/* profile_yaml.c - reading a profile with libfyaml (YAML, or strict JSON
 * for a .json file), and writing one as YAML.
 *
 * Reading walks the document against the settings table (profile.c): every
 * key must be known, every value of its kind; a mistake is reported as
 * "FILE:LINE:COLUMN: message", with the position libfyaml keeps for each
 * node. Writing quotes only what needs it, so a saved profile reads like
 * one written by hand, and loads back to the same settings.
 */
#include <errno.h>
#include <libfyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/file.h"
#include "core/spell.h"
#include "core/strbuf.h"
#include "core/yaml_diag.h"
#include "profile_int.h"

/* ---- loading --------------------------------------------------------------- */

typedef struct loader {
    const char *path;          /* for messages */
    struct fy_diag *diag;
    char *err;
    size_t errlen;
} loader;

/* 1-based line and column of a node: a scalar's token, else what libfyaml
 * reports for the node (its start), read back from the collected errors. */
static bool node_pos(loader *L, struct fy_node *n, int *line, int *col)
{
    if (!n)
        return false;
    struct fy_token *t = fy_node_is_scalar(n) ? fy_node_get_scalar_token(n) : NULL;
    const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
    if (m) {
        /* A quoted scalar's mark is its first character inside the quote:
         * point at the quote, where the value starts in the file. */
        enum fy_node_style st = fy_node_get_style(n);
        bool quoted = (st == FYNS_SINGLE_QUOTED || st == FYNS_DOUBLE_QUOTED) && m->column > 0;
        *line = m->line + 1;
        *col = m->column + 1 - quoted;
        return true;
    }
    return yaml_reported_pos(L->diag, n, line, col);
}

/* "FILE:LINE:COLUMN: message" at node `at`, else at `alt` (a value with no
 * position of its own, e.g. an empty one: its key), else "FILE: message". */
__attribute__((format(printf, 4, 5)))
static int fail(loader *L, struct fy_node *at, struct fy_node *alt, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line, col;
    if (node_pos(L, at, &line, &col) || node_pos(L, alt, &line, &col))
        snprintf(L->err, L->errlen, "%s:%d:%d: %s", L->path, line, col, msg);
    else
        snprintf(L->err, L->errlen, "%s: %s", L->path, msg);
    return 2;
}

static int out_of_memory(loader *L)
{
    snprintf(L->err, L->errlen, "%s: out of memory", L->path);
    return 1;
}

static const char *type_name(struct fy_node *n)
{
    switch (fy_node_get_type(n)) {
    case FYNT_SEQUENCE:
        return "a list";
    case FYNT_MAPPING:
        return "a mapping";
    default:
        return "a single value";
    }
}

/* YAML's null: an empty or ~ / null plain scalar (JSON's null too). */
static bool is_null(struct fy_node *n)
{
    if (!n)
        return true;
    if (!fy_node_is_scalar(n) || fy_node_get_style(n) != FYNS_PLAIN)
        return false;
    const char *s = fy_node_get_scalar0(n);
    return !s || !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
           strcmp(s, "NULL") == 0;
}

/* The text of a scalar; "" for an empty one. */
static const char *scalar_text(struct fy_node *n)
{
    const char *s = fy_node_get_scalar0(n);
    return s ? s : "";
}

/* What the file calls a key, for messages: "threads", "guardrails.max_rate". */
static void key_label(const pf_field *f, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s", f->section == PF_GUARD ? "guardrails." : "", f->key);
}

/* A string value for f from a scalar node, checked. */
static int scalar_value(loader *L, const pf_field *f, struct fy_node *key, struct fy_node *v, const char **out)
{
    char label[64], why[256];
    key_label(f, label, sizeof label);
    if (!fy_node_is_scalar(v))
        return fail(L, v, key, "%s: expected %s, got %s", label,
                    f->k == PFK_INT ? "a whole number" : f->k == PFK_BOOL ? "true or false" : "a single value",
                    type_name(v));
    const char *s = scalar_text(v);
    if (f->k == PFK_BOOL && fy_node_get_style(v) == FYNS_PLAIN) {
        if (strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0)
            s = "true";
        else if (strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0)
            s = "false";
    }
    if (pf_check_value(f, s, why, sizeof why) != 0)
        return fail(L, v, key, "%s: %s, got \"%s\"", label, why, s);
    *out = s;
    return 0;
}

/* A list of strings (or one string) into l; each item checked against f. */
static int list_value(loader *L, const pf_field *f, struct fy_node *key, struct fy_node *v, profile_list *l)
{
    char label[64], why[256];
    key_label(f, label, sizeof label);
    if (fy_node_is_scalar(v)) {
        const char *s = scalar_text(v);
        if (!*s || pf_check_value(f, s, why, sizeof why) != 0)
            return fail(L, v, key, "%s: %s, got \"%s\"", label, *s ? why : "expected a non-empty string", s);
        return pf_list_push(l, s) != 0 ? out_of_memory(L) : 0;
    }
    if (!fy_node_is_sequence(v))
        return fail(L, v, key, "%s: expected a list of strings, got %s", label, type_name(v));
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(v, &it))) {
        if (l->n >= PF_MAX_ITEMS)
            return fail(L, item, v, "%s: at most %d items", label, PF_MAX_ITEMS);
        if (!fy_node_is_scalar(item) || is_null(item))
            return fail(L, item, v, "%s: expected a string in the list, got %s", label,
                        is_null(item) ? "nothing" : type_name(item));
        const char *s = scalar_text(item);
        if (!*s || pf_check_value(f, s, why, sizeof why) != 0)
            return fail(L, item, v, "%s: %s, got \"%s\"", label, *s ? why : "expected a non-empty string", s);
        if (pf_list_push(l, s) != 0)
            return out_of_memory(L);
    }
    return 0;
}

static int pattern_value(loader *L, const pf_field *f, struct fy_node *key, struct fy_node *v, profile *p)
{
    char label[64], prefix[600];
    key_label(f, label, sizeof label);
    strbuf b = { 0 };
    int line, col;
    if (fy_node_is_scalar(v)) {
        const char *s = scalar_text(v);
        if (!*s)
            return fail(L, v, key, "%s: expected a pattern expression, got an empty string", label);
        if (!node_pos(L, v, &line, &col) && !node_pos(L, key, &line, &col))
            line = col = 1;
        snprintf(prefix, sizeof prefix, "%s:%d:%d: ", L->path, line, col);
        if (pf_check_pattern(prefix, label, s, L->err, L->errlen) != 0)
            return 2;
        return pf_set_str(pf_str(p, f), s) != 0 ? out_of_memory(L) : 0;
    }
    if (!fy_node_is_sequence(v))
        return fail(L, v, key, "%s: expected a pattern expression or a list of phases, got %s", label, type_name(v));
    void *it = NULL;
    struct fy_node *item;
    int i = 0;
    while ((item = fy_node_sequence_iterate(v, &it))) {
        i++;
        if (!fy_node_is_scalar(item) || is_null(item) || !*scalar_text(item)) {
            sb_free(&b);
            return fail(L, item, v, "%s: phase %d: expected a pattern expression like ramp(10, 100, 1m), got %s", label,
                        i, fy_node_is_scalar(item) ? "nothing" : type_name(item));
        }
        const char *s = scalar_text(item);
        if (!node_pos(L, item, &line, &col))
            line = col = 1;
        char what[100];
        snprintf(prefix, sizeof prefix, "%s:%d:%d: ", L->path, line, col);
        snprintf(what, sizeof what, "%s, phase %d", label, i);
        if (pf_check_pattern(prefix, what, s, L->err, L->errlen) != 0) {
            sb_free(&b);
            return 2;
        }
        if (b.len)
            sb_add(&b, " then ");
        sb_add(&b, s);
    }
    if (b.oom) {
        sb_free(&b);
        return out_of_memory(L);
    }
    if (!b.len)
        return fail(L, v, key, "%s: expected at least one phase, got an empty list", label);
    /* Each phase parses; together they may not (an endless phase before
     * `then`): the error then shows the joined expression. */
    if (!node_pos(L, v, &line, &col) && !node_pos(L, key, &line, &col))
        line = col = 1;
    char what[100];
    snprintf(prefix, sizeof prefix, "%s:%d:%d: ", L->path, line, col);
    snprintf(what, sizeof what, "%s (the phases joined with 'then')", label);
    if (pf_check_pattern(prefix, what, b.p, L->err, L->errlen) != 0) {
        sb_free(&b);
        return 2;
    }
    int rc = pf_set_str(pf_str(p, f), b.p) != 0 ? out_of_memory(L) : 0;
    sb_free(&b);
    return rc;
}

/* tables: "a,b" or [a, b]; mix: "a=1,b=2" or {a: 1, b: 2}. */
static int joined_value(loader *L, const pf_field *f, struct fy_node *key, struct fy_node *v, profile *p)
{
    char label[64], why[256];
    key_label(f, label, sizeof label);
    strbuf b = { 0 };
    if (fy_node_is_scalar(v)) {
        sb_add(&b, scalar_text(v));
    } else if (f->k == PFK_TABLES && fy_node_is_sequence(v)) {
        void *it = NULL;
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(v, &it))) {
            const char *s = fy_node_is_scalar(item) ? scalar_text(item) : "";
            if (!*s || strchr(s, ',')) {
                sb_free(&b);
                return fail(L, item, v, "%s: expected a table name, got %s", label,
                            fy_node_is_scalar(item) ? (*s ? "a name with a comma" : "nothing") : type_name(item));
            }
            if (b.len)
                sb_add(&b, ",");
            sb_add(&b, s);
        }
    } else if (f->k == PFK_MIX && fy_node_is_mapping(v)) {
        void *it = NULL;
        struct fy_node_pair *pr;
        while ((pr = fy_node_mapping_iterate(v, &it))) {
            struct fy_node *k = fy_node_pair_key(pr), *w = fy_node_pair_value(pr);
            const char *ks = k && fy_node_is_scalar(k) ? scalar_text(k) : "";
            double d;
            if (!*ks || strpbrk(ks, ",= ")) {
                sb_free(&b);
                return fail(L, k, v, "%s: expected an operation name as the key", label);
            }
            const char *ws = w && fy_node_is_scalar(w) && !is_null(w) ? scalar_text(w) : "";
            if (!pf_plain_decimal(ws, strlen(ws), &d)) {
                sb_free(&b);
                return fail(L, w, k, "%s: weight of '%s': expected a number >= 0, got %s%s%s", label, ks,
                            *ws ? "\"" : "", *ws ? ws : w && !fy_node_is_scalar(w) ? type_name(w) : "nothing",
                            *ws ? "\"" : "");
            }
            if (b.len)
                sb_add(&b, ",");
            sb_add(&b, ks);
            sb_add(&b, "=");
            sb_add(&b, ws);
        }
    } else {
        return fail(L, v, key, "%s: expected %s, got %s", label,
                    f->k == PFK_MIX ? "name=weight,... or a mapping of operation: weight"
                                  : "a,b or a list of table names",
                    type_name(v));
    }
    if (b.oom) {
        sb_free(&b);
        return out_of_memory(L);
    }
    if (pf_check_value(f, b.p ? b.p : "", why, sizeof why) != 0) {
        int rc = fail(L, v, key, "%s: %s, got \"%s\"", label, why, b.p ? b.p : "");
        sb_free(&b);
        return rc;
    }
    int rc = pf_set_str(pf_str(p, f), b.p ? b.p : "") != 0 ? out_of_memory(L) : 0;
    sb_free(&b);
    return rc;
}

static int load_mapping(loader *L, struct fy_node *map, int section, profile *p);

/* Closest known key (edit distance <= 2, or the same with '-' for '_'),
 * for "did you mean". */
static int unknown_key(loader *L, struct fy_node *k, const char *name, int section)
{
    const pf_field *other = pf_field_by_key(name, section == PF_TOP ? PF_GUARD : PF_TOP);
    if (other && section == PF_TOP)
        return fail(L, k, NULL, "'%s' is a guardrail: it goes under guardrails:", name);
    if (other)
        return fail(L, k, NULL, "guardrails: '%s' is not a guardrail (it goes at the top level)", name);
    const char *best = NULL;
    int bestd = 3;
    char under[64];
    snprintf(under, sizeof under, "%s", name);
    for (char *c = under; *c; c++)
        if (*c == '-')
            *c = '_';
    for (size_t i = 0; i < pf_nfields; i++) {
        if (pf_fields[i].section != section)
            continue;
        int d = strcmp(pf_fields[i].key, under) == 0 ? 0 : spell_distance(name, pf_fields[i].key);
        if (d < bestd) {
            bestd = d;
            best = pf_fields[i].key;
        }
    }
    if (best)
        return fail(L, k, NULL, "%sunknown key '%s' (did you mean '%s'?)", section == PF_GUARD ? "guardrails: " : "",
                    name, best);
    char all[1024] = "";
    for (size_t i = 0; i < pf_nfields; i++)
        if (pf_fields[i].section == section)
            snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", all[0] ? ", " : "", pf_fields[i].key);
    return fail(L, k, NULL, "%sunknown key '%s' (expected %s)", section == PF_GUARD ? "guardrails: " : "", name, all);
}

static int load_mapping(loader *L, struct fy_node *map, int section, profile *p)
{
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(map, &it))) {
        struct fy_node *k = fy_node_pair_key(pr), *v = fy_node_pair_value(pr);
        if (!k || !fy_node_is_scalar(k) || is_null(k))
            return fail(L, k, map, "expected a setting name as the key, got %s", k && !is_null(k) ? type_name(k) : "nothing");
        const char *name = scalar_text(k);
        const pf_field *f = pf_field_by_key(name, section);
        if (!f)
            return unknown_key(L, k, name, section);
        if (is_null(v))
            continue;   /* `key:` with nothing: not set */
        int rc = 0;
        const char *s;
        switch (f->k) {
        case PFK_SECTION:
            if (!fy_node_is_mapping(v))
                return fail(L, v, k, "guardrails: expected a mapping like {max_rate: 1000}, got %s", type_name(v));
            rc = load_mapping(L, v, PF_GUARD, p);
            break;
        case PFK_TAGS:
        case PFK_LIST:
        case PFK_OUTS:
            rc = list_value(L, f, k, v, pf_list(p, f));
            break;
        case PFK_PATTERN:
            rc = pattern_value(L, f, k, v, p);
            break;
        case PFK_TABLES:
        case PFK_MIX:
            rc = joined_value(L, f, k, v, p);
            break;
        case PFK_BOOL:
            rc = scalar_value(L, f, k, v, &s);
            if (!rc)
                p->fresh = strcmp(s, "true") == 0;
            break;
        default:
            rc = scalar_value(L, f, k, v, &s);
            if (!rc && pf_set_str(pf_str(p, f), s) != 0)
                rc = out_of_memory(L);
            break;
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* The file's bytes, NUL-terminated; NULL with a message in err. */
static char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", path);
        fclose(f);
        return NULL;
    }
    if (st.st_size > PF_MAX_BYTES) {
        snprintf(err, errlen, "%s: too large for a profile (%lld bytes; at most %d)", path, (long long)st.st_size,
                 PF_MAX_BYTES);
        fclose(f);
        return NULL;
    }
    return file_read_close(f, path, (size_t)st.st_size, len, err, errlen);
}

/* The last error libfyaml collected, as "FILE:LINE:COLUMN: message". */
static int parse_failed(loader *L, const char *fallback)
{
    const struct fy_diag_error *first = yaml_first_error(L->diag);
    if (first && first->line > 0)
        snprintf(L->err, L->errlen, "%s:%d:%d: %s", L->path, first->line, first->column > 0 ? first->column : 1,
                 first->msg ? first->msg : "syntax error");
    else if (first)
        snprintf(L->err, L->errlen, "%s: %s", L->path, first->msg ? first->msg : "syntax error");
    else
        snprintf(L->err, L->errlen, "%s: %s", L->path, fallback);
    return 2;
}

int pf_read(const char *path, profile *p, char *err, size_t errlen)
{
    size_t len;
    char *text = read_file(path, &len, err, errlen);
    if (!text)
        return 2;
    loader L = { .path = path, .err = err, .errlen = errlen };
    L.diag = yaml_diag_new();
    if (!L.diag) {
        free(text);
        return snprintf(err, errlen, "%s: cannot set up the YAML parser", path), 2;
    }
    struct fy_parser *fyp = yaml_parser_new(L.diag, text, len, pf_ends_with(path, ".json"));
    struct fy_document *doc = NULL, *doc2 = NULL;
    int rc = 0;
    if (!fyp) {
        rc = (snprintf(err, errlen, "%s: cannot set up the YAML parser", path), 2);
        goto out;
    }
    doc = fy_parse_load_document(fyp);
    if (!doc) {
        rc = fy_parser_get_stream_error(fyp) || fy_diag_got_error(L.diag)
                 ? parse_failed(&L, "not valid YAML")
                 : (snprintf(err, errlen, "%s: empty profile (expected settings like `pattern: ramp(10, 100, 1m)`)", path), 2);
        goto out;
    }
    doc2 = fy_parse_load_document(fyp);
    if (!doc2 && (fy_parser_get_stream_error(fyp) || fy_diag_got_error(L.diag))) {
        rc = parse_failed(&L, "not valid YAML");
        goto out;
    }
    if (doc2) {
        rc = fail(&L, fy_document_root(doc2), NULL, "a second document: a profile is one mapping of settings");
        goto out;
    }
    struct fy_node *root = fy_document_root(doc);
    if (!root || is_null(root)) {
        rc = (snprintf(err, errlen, "%s: empty profile (expected settings like `pattern: ramp(10, 100, 1m)`)", path), 2);
        goto out;
    }
    if (!fy_node_is_mapping(root)) {
        rc = fail(&L, root, NULL, "expected a mapping of settings (like `pattern: ramp(10, 100, 1m)`), got %s",
                  type_name(root));
        goto out;
    }
    rc = load_mapping(&L, root, PF_TOP, p);
out:
    yaml_parser_free(fyp, doc, doc2);
    fy_diag_destroy(L.diag);
    free(text);
    return rc;
}

/* ---- writing YAML ---------------------------------------------------------- */

/* Can s be written as a plain YAML scalar and read back as the same text? */
static bool plain_ok(const char *s)
{
    static const char *const reserved[] = { "null", "true", "false", "yes", "no", "on", "off", "y", "n" };
    if (!*s || strlen(s) > 200)
        return false;
    char c = s[0];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '/' ||
          c == '.'))
        return false;
    for (const char *q = s; *q; q++) {
        c = *q;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("_./:%+=,@-", c)))
            return false;
    }
    if (s[strlen(s) - 1] == ':' || strstr(s, "..."))
        return false;
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
        if (strcasecmp(s, reserved[i]) == 0)
            return false;
    return true;
}

static void yaml_scalar(FILE *out, const char *s)
{
    if (plain_ok(s)) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *q = (const unsigned char *)s; *q; q++) {
        switch (*q) {
        case '"':  fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        case '\r': fputs("\\r", out); break;
        default:
            if (*q < 0x20 || *q == 0x7f)
                fprintf(out, "\\x%02x", *q);
            else
                fputc(*q, out);
        }
    }
    fputc('"', out);
}

/* The phases of a pattern: split at each `then` outside parentheses and
 * braces. At most max; returns how many (0 if it does not split cleanly). */
static int split_phases(const char *s, const char **start, size_t *len, int max)
{
    int n = 0, depth = 0;
    const char *from = s;
    for (const char *q = s; *q; q++) {
        if (*q == '(' || *q == '{')
            depth++;
        else if ((*q == ')' || *q == '}') && depth > 0)
            depth--;
        else if (depth == 0 && strncmp(q, "then", 4) == 0 && q > s && strchr(" \t\r\n", q[-1]) && q[4] &&
                 strchr(" \t\r\n", q[4])) {
            if (n == max)
                return 0;
            const char *a = from, *b = q;
            while (a < b && strchr(" \t\r\n", *a))
                a++;
            while (b > a && strchr(" \t\r\n", b[-1]))
                b--;
            start[n] = a;
            len[n++] = (size_t)(b - a);
            from = q + 4;
        }
    }
    if (n == max)
        return 0;
    const char *a = from, *b = from + strlen(from);
    while (a < b && strchr(" \t\r\n", *a))
        a++;
    while (b > a && strchr(" \t\r\n", b[-1]))
        b--;
    start[n] = a;
    len[n++] = (size_t)(b - a);
    for (int i = 0; i < n; i++)
        if (len[i] == 0)
            return 0;
    return n;
}

static void yaml_list(FILE *out, const char *indent, const profile_list *l)
{
    for (int i = 0; i < l->n; i++) {
        fprintf(out, "%s  - ", indent);
        yaml_scalar(out, l->v[i]);
        fputc('\n', out);
    }
}

int profile_write_yaml(const profile *p, FILE *out)
{
    bool guard_open = false;
    for (size_t i = 0; i < pf_nfields; i++) {
        const pf_field *f = &pf_fields[i];
        const char *indent = f->section == PF_GUARD ? "  " : "";
        if (f->k == PFK_SECTION)
            continue;
        bool set = f->k == PFK_BOOL ? p->fresh : pf_is_list(f->k) ? pf_clist(p, f)->n > 0 : *pf_cstr(p, f) != NULL;
        if (!set)
            continue;
        if (f->section == PF_GUARD && !guard_open) {
            fputs("guardrails:\n", out);
            guard_open = true;
        }
        fprintf(out, "%s%s:", indent, f->key);
        if (f->k == PFK_BOOL) {
            fputs(" true\n", out);
        } else if (pf_is_list(f->k)) {
            fputc('\n', out);
            yaml_list(out, indent, pf_clist(p, f));
        } else if (f->k == PFK_PATTERN) {
            const char *start[64];
            size_t len[64];
            const char *s = *pf_cstr(p, f);
            int n = split_phases(s, start, len, 64);
            if (n > 1) {
                fputc('\n', out);
                for (int j = 0; j < n; j++) {
                    char *phase = strndup(start[j], len[j]);
                    if (!phase)
                        return -1;
                    fprintf(out, "%s  - ", indent);
                    yaml_scalar(out, phase);
                    fputc('\n', out);
                    free(phase);
                }
            } else {
                fputc(' ', out);
                yaml_scalar(out, s);
                fputc('\n', out);
            }
        } else {
            fputc(' ', out);
            yaml_scalar(out, *pf_cstr(p, f));
            fputc('\n', out);
        }
    }
    return ferror(out) ? -1 : 0;
}

