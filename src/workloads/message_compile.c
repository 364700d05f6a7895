/* message_compile.c - a message template's text to its compiled form (see
 * message_int.h; the language is in docs/messages.md).
 *
 * Compiling walks the libfyaml document once and turns it into two things:
 * slots (one per placeholder: what to draw, with its arguments checked and
 * converted) and ops (copy this run of literal JSON / write slot k's value).
 * Adjacent literal text is merged, so the built-in job template is a dozen
 * ops. An if() may read a field that comes later in the document, so its
 * reference is resolved once the whole document is read, and the slots are
 * put in an order that computes each value before it is compared.
 *
 * A mistake is reported as "FILE:LINE:COLUMN: FIELD: what", the position
 * counted in the file's own text (through YAML's quotes and escapes) to the
 * placeholder or argument at fault.
 */
#include "workloads/message_int.h"

#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/spell.h"
#include "core/yaml_diag.h"

#define MSG_MAX_DEPTH 64
#define MSG_MAX_LOREM 65536
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- static types -------------------------------------------------------- */

enum { T_NULL, T_BOOL, T_NUM, T_STR, T_MIXED };

static int mval_type(const mval *v)
{
    switch (v->kind) {
    case MV_NULL: return T_NULL;
    case MV_BOOL: return T_BOOL;
    case MV_STR: return T_STR;
    default: return T_NUM;
    }
}

static const char *type_word(int type)
{
    static const char *const w[] = { "null", "true or false", "a number", "text", "of mixed types" };
    return w[type];
}

/* ---- the functions a placeholder may call -------------------------------- */

typedef struct mfunc {
    const char *name;
    uint8_t fn;
    int16_t min, max;    /* arguments */
    uint16_t room;       /* bytes of scratch for its text (datagen functions) */
    const char *usage;   /* for messages */
} mfunc;

static const mfunc funcs[] = {
    { "seq", F_SEQ, 0, 0, 0, "seq" },
    { "producer", F_PRODUCER, 0, 0, 0, "producer" },
    { "now", F_NOW, 0, 0, 0, "now" },
    { "now_ms", F_NOW_MS, 0, 0, 0, "now_ms" },
    { "now_us", F_NOW_US, 0, 0, 0, "now_us" },
    { "int", F_INT, 2, 2, 0, "int(lo, hi)" },
    { "float", F_FLOAT, 2, 3, 0, "float(lo, hi[, decimals])" },
    { "bool", F_BOOL, 0, 1, 0, "bool([p])" },
    { "choice", F_CHOICE, 1, 4096, 0, "choice(a, b, ...) or choice(a=weight, b=weight, ...)" },
    { "walk", F_WALK, 2, 5, 0, "walk(base, step[, lo, hi[, decimals]])" },
    { "if", F_IF, 3, 3, 0, "if(field op value, then, else)" },
    { "uuid", F_UUID, 0, 0, 40, "uuid" },
    { "name", F_NAME, 0, 0, 64, "name" },
    { "first_name", F_FIRST_NAME, 0, 0, 32, "first_name" },
    { "last_name", F_LAST_NAME, 0, 0, 32, "last_name" },
    { "email", F_EMAIL, 0, 0, 128, "email" },
    { "phone", F_PHONE, 0, 0, 32, "phone" },
    { "city", F_CITY, 0, 0, 32, "city" },
    { "country", F_COUNTRY, 0, 0, 40, "country" },
    { "address", F_ADDRESS, 0, 0, 64, "address" },
    { "url", F_URL, 0, 0, 128, "url" },
    { "sku", F_SKU, 0, 0, 16, "sku" },
    { "lorem", F_LOREM, 0, 1, 0, "lorem([n])" },
};

/* ---- the template's constant strings ------------------------------------- */

static void *a_alloc(msg_template *t, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    ablock *b = t->mem;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 4000 ? n : 4000;
        b = malloc(sizeof *b + cap);
        if (!b)
            return NULL;
        b->next = t->mem;
        b->used = 0;
        b->cap = cap;
        t->mem = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

static char *a_strdup(msg_template *t, const char *s, size_t n)
{
    char *p = a_alloc(t, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* ---- JSON text helpers --------------------------------------------------- */

static bool clean_text(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (msg_needs_escape((unsigned char)s[i]))
            return false;
    return true;
}

static void sb_escaped(strbuf *b, const char *s, size_t n)
{
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (!msg_needs_escape((unsigned char)s[i]))
            continue;
        char e[8];
        sb_addn(b, s + run, i - run);
        sb_addn(b, e, msg_escape_byte((unsigned char)s[i], e));
        run = i + 1;
    }
    sb_addn(b, s + run, n - run);
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)? : the text may go into the message as is. */
static bool json_number(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '-')
        i++;
    if (i >= n || s[i] < '0' || s[i] > '9')
        return false;
    if (s[i] == '0')
        i++;
    else
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    if (i < n && s[i] == '.') {
        if (++i >= n || s[i] < '0' || s[i] > '9')
            return false;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= n || s[i] < '0' || s[i] > '9')
            return false;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    return i == n;
}

/* [-+]?digits[.digits] or [-+]?.digits: an argument's number, with how many
 * decimals it was written with. No exponents: a price is written as one. */
static bool plain_decimal(const char *s, size_t n, double *d, int *decimals)
{
    size_t i = 0, digits = 0;
    int dec = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, digits++;
    if (i < n && s[i] == '.')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            digits++, dec++;
    if (i != n || digits == 0 || n > 40)
        return false;
    char buf[48];
    memcpy(buf, s, n);
    buf[n] = '\0';
    *d = strtod(buf, NULL);
    if (decimals)
        *decimals = dec;
    return isfinite(*d);
}

/* ---- compiling: positions and errors ------------------------------------- */

enum { FK_CONST, FK_SLOT, FK_TEXT, FK_OBJECT, FK_ARRAY };

/* A field of the template, by dotted path, for if() to find. */
typedef struct field {
    const char *path;
    uint8_t kind;
    int slot;     /* FK_SLOT */
    mval c;       /* FK_CONST */
} field;

typedef struct comp {
    msg_template *t;
    const char *origin, *text;   /* the text libfyaml parsed: its marks are offsets into it */
    size_t len;
    struct fy_diag *diag;
    char *err;
    size_t errlen;
    field *fields;
    size_t nfields, capfields;
    strbuf path;                 /* of the field being compiled */
    bool oom;
} comp;

/* 1-based line and column of byte pos, counting from a libfyaml mark
 * (0-based line and column at mark->input_pos). Columns count characters,
 * as libfyaml's do. */
static void pos_from(const comp *C, const struct fy_mark *m, size_t pos, int *line, int *col)
{
    int l = m->line, c = m->column;
    for (size_t i = m->input_pos; i < pos && i < C->len; i++) {
        unsigned char ch = (unsigned char)C->text[i];
        if (ch == '\n') {
            l++;
            c = 0;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l + 1;
    *col = c + 1;
}

static uint32_t hex_at(const char *s, size_t n, size_t i, int digits, bool *ok)
{
    uint32_t v = 0;
    *ok = i + (size_t)digits <= n;
    for (int k = 0; *ok && k < digits; k++) {
        char c = s[i + (size_t)k];
        int h = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (h < 0)
            *ok = false;
        v = v * 16 + (uint32_t)(h < 0 ? 0 : h);
    }
    return v;
}

static size_t utf8_len(uint32_t cp) { return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4; }

/* The byte of the file that byte `off` of a scalar's value came from: the
 * value starts at `start` (libfyaml's mark) and escapes, doubled quotes and
 * folded lines are undone on the way. SIZE_MAX for block scalars (| and >),
 * whose indentation this does not follow. */
static size_t raw_offset(const comp *C, enum fy_node_style st, size_t start, size_t off)
{
    if (st != FYNS_PLAIN && st != FYNS_SINGLE_QUOTED && st != FYNS_DOUBLE_QUOTED)
        return SIZE_MAX;
    const char *s = C->text;
    size_t n = C->len, i = start, d = 0;
    bool ok;
    while (i < n && d < off) {
        char c = s[i];
        if (c == '\n' || c == '\r') {   /* a line break folds to one space; the indent goes */
            i += c == '\r' && i + 1 < n && s[i + 1] == '\n' ? 2 : 1;
            while (i < n && (s[i] == ' ' || s[i] == '\t'))
                i++;
            d++;
        } else if (st == FYNS_SINGLE_QUOTED && c == '\'') {   /* '' is one quote */
            i += 2;
            d++;
        } else if (st == FYNS_DOUBLE_QUOTED && c == '\\' && i + 1 < n) {
            char e = s[i + 1];
            uint32_t cp;
            if (e == 'x' || e == 'u' || e == 'U') {
                int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                cp = hex_at(s, n, i + 2, digits, &ok);
                i += 2 + (size_t)digits;
                if (e == 'u' && cp >= 0xD800 && cp < 0xDC00 && i + 1 < n && s[i] == '\\' && s[i + 1] == 'u') {
                    i += 6;   /* a surrogate pair: one 4-byte character */
                    cp = 0x10000;
                }
                d += utf8_len(cp);
            } else if (e == '\n' || e == '\r') {   /* an escaped line break continues the line */
                i += 2;
                while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'))
                    i++;
            } else {
                i += 2;
                d += e == 'N' || e == '_' ? 2 : e == 'L' || e == 'P' ? 3 : 1;
            }
        } else {
            i++;
            d++;
        }
    }
    return i;
}

/* Position of node n (off == SIZE_MAX), or of byte off of its value. */
static bool node_pos(comp *C, struct fy_node *n, size_t off, int *line, int *col)
{
    if (!n)
        return false;
    struct fy_token *tk = fy_node_is_scalar(n) ? fy_node_get_scalar_token(n) : NULL;
    const struct fy_mark *m = tk ? fy_token_start_mark(tk) : NULL;
    if (m) {
        enum fy_node_style st = fy_node_get_style(n);
        size_t raw = off == SIZE_MAX ? m->input_pos : raw_offset(C, st, m->input_pos, off);
        if (raw == SIZE_MAX) {
            /* A block scalar: find the value's text from off in the file. */
            size_t vn;
            const char *v = fy_node_get_scalar(n, &vn);
            const struct fy_mark *e = fy_token_end_mark(tk);
            size_t want = 0, lim = e && e->input_pos <= C->len ? e->input_pos : C->len;
            while (v && off + want < vn && want < 24 && v[off + want] != '\n')   /* the rest of its line */
                want++;
            raw = m->input_pos;
            for (size_t i = m->input_pos; v && want && i + want <= lim; i++)
                if (memcmp(C->text + i, v + off, want) == 0) {
                    raw = i;
                    break;
                }
        }
        pos_from(C, m, raw, line, col);
        /* The mark of a quoted scalar is inside the quote: the node itself
         * starts at the quote. */
        if (off == SIZE_MAX && (st == FYNS_SINGLE_QUOTED || st == FYNS_DOUBLE_QUOTED) && *col > 1)
            (*col)--;
        return true;
    }
    return yaml_reported_pos(C->diag, n, line, col);   /* a mapping or a list */
}

/* "ORIGIN:LINE:COL: FIELD: message"; line 0 leaves the place out, an empty
 * where the field. Returns -1, for `return fail...`. */
__attribute__((format(printf, 5, 0)))
static int vfail_lc(comp *C, int line, int col, const char *where, const char *fmt, va_list ap)
{
    char msg[1024], place[64] = "";
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (line > 0)
        snprintf(place, sizeof place, ":%d:%d", line, col);
    snprintf(C->err, C->errlen, "%s%s: %s%s%s", C->origin, place, where && *where ? where : "",
             where && *where ? ": " : "", msg);
    return -1;
}

__attribute__((format(printf, 5, 6)))
static int fail_lc(comp *C, int line, int col, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail_lc(C, line, col, where, fmt, ap);
    va_end(ap);
    return -1;
}

/* An error at node n (off SIZE_MAX) or at byte off of its value, in the
 * field being compiled. */
__attribute__((format(printf, 4, 5)))
static int fail_at(comp *C, struct fy_node *n, size_t off, const char *fmt, ...)
{
    int line = 0, col = 0;
    if (!node_pos(C, n, off, &line, &col))
        line = 0;
    va_list ap;
    va_start(ap, fmt);
    vfail_lc(C, line, col, C->path.p, fmt, ap);
    va_end(ap);
    return -1;
}

static int out_of_memory(comp *C)
{
    snprintf(C->err, C->errlen, "%s: out of memory", C->origin);
    C->oom = true;
    return -1;
}

/* ---- compiling: emitting ops --------------------------------------------- */

static void op_push(comp *C, oplist *l, uint32_t kind, uint32_t a, uint32_t b)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        mop *v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            C->oom = true;
            return;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (mop){ kind, a, b };
}

/* Literal text, merged into the previous op when that is literal too. */
static void emit_lit(comp *C, oplist *l, strbuf *b, const char *s, size_t n)
{
    size_t at = b->len;
    sb_addn(b, s, n);
    if (b->oom || b->len > UINT32_MAX) {
        C->oom = true;
        return;
    }
    if (l->n && l->v[l->n - 1].kind == OP_LIT && l->v[l->n - 1].a + l->v[l->n - 1].b == at)
        l->v[l->n - 1].b += (uint32_t)n;
    else if (n)
        op_push(C, l, OP_LIT, (uint32_t)at, (uint32_t)n);
}

static void lit(comp *C, const char *s, size_t n) { emit_lit(C, &C->t->ops, &C->t->lit, s, n); }

static void lit_escaped(comp *C, const char *s, size_t n)
{
    strbuf b = { 0 };
    sb_escaped(&b, s, n);
    if (b.oom)
        C->oom = true;
    else if (b.len)
        lit(C, b.p, b.len);
    sb_free(&b);
}

static void lit_string(comp *C, const char *s, size_t n)
{
    lit(C, "\"", 1);
    lit_escaped(C, s, n);
    lit(C, "\"", 1);
}

static void add_field(comp *C, int kind, int slot, const mval *c)
{
    if (C->nfields == C->capfields) {
        size_t cap = C->capfields ? C->capfields * 2 : 32;
        field *f = realloc(C->fields, cap * sizeof *f);
        if (!f) {
            C->oom = true;
            return;
        }
        C->fields = f;
        C->capfields = cap;
    }
    const char *p = a_strdup(C->t, C->path.p ? C->path.p : "", C->path.len);
    if (!p) {
        C->oom = true;
        return;
    }
    C->fields[C->nfields++] = (field){ .path = p, .kind = (uint8_t)kind, .slot = slot, .c = c ? *c : (mval){ 0 } };
}

static int new_slot(comp *C, uint8_t fn)
{
    msg_template *t = C->t;
    if (t->nslots == t->capslots) {
        size_t cap = t->capslots ? t->capslots * 2 : 16;
        mslot *v = realloc(t->slots, cap * sizeof *v);
        if (!v)
            return out_of_memory(C);
        t->slots = v;
        t->capslots = cap;
    }
    t->slots[t->nslots] = (mslot){ .fn = fn, .ref = -1, .walk = -1 };
    t->slots[t->nslots].where = a_strdup(t, C->path.p ? C->path.p : "", C->path.len);
    if (!t->slots[t->nslots].where)
        return out_of_memory(C);
    return (int)t->nslots++;
}

/* ---- compiling: placeholders --------------------------------------------- */

/* One argument of a placeholder: its text (trimmed) and where it starts in
 * the string, for messages; a quoted one also unquoted. */
typedef struct marg {
    const char *s;
    size_t n, off;
    bool quoted;
    const char *q;
    size_t qn;
} marg;

static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

/* c is one of set (never the NUL that ends set). */
static bool in_set(char c, const char *set) { return c && strchr(set, c); }

/* A quote starts a quoted value only where a value starts (after '(', ',',
 * '=' or a comparison), so a bare word like don't keeps its apostrophe. */
static bool opens_quote(const char *s, size_t from, size_t j)
{
    while (j > from && is_space(s[j - 1]))
        j--;
    return j > from && in_set(s[j - 1], "(,=<>!");
}

/* The end of the quoted value starting at s[j] (the closing quote), or
 * SIZE_MAX. A backslash takes the next character as it is. */
static size_t quote_end(const char *s, size_t n, size_t j)
{
    for (size_t k = j + 1; k < n; k++) {
        if (s[k] == '\\')
            k++;
        else if (s[k] == s[j])
            return k;
    }
    return SIZE_MAX;
}

/* The '}' closing the placeholder opened at s[open]; SIZE_MAX if none,
 * with *quote set to where an unclosed quote starts, if that is why. */
static size_t close_brace(const char *s, size_t n, size_t open, size_t *quote)
{
    *quote = SIZE_MAX;
    for (size_t j = open + 1; j < n; j++) {
        if ((s[j] == '\'' || s[j] == '"') && opens_quote(s, open, j)) {
            *quote = j;
            j = quote_end(s, n, j);
            if (j == SIZE_MAX)
                return SIZE_MAX;
            *quote = SIZE_MAX;
        } else if (s[j] == '}') {
            return j;
        } else if (s[j] == '{') {
            return SIZE_MAX;
        }
    }
    return SIZE_MAX;
}

static const char *unquote(comp *C, const char *s, size_t n, size_t *len)
{
    char *q = a_alloc(C->t, n + 1);
    size_t k = 0;
    if (!q)
        return NULL;
    for (size_t i = 1; i + 1 < n; i++) {
        if (s[i] == '\\' && i + 2 < n)
            i++;
        q[k++] = s[i];
    }
    q[k] = '\0';
    *len = k;
    return q;
}

/* Split s[from, to) (between the parentheses) at top-level commas. */
static int split_args(comp *C, struct fy_node *node, const char *s, size_t from, size_t to, marg **out, int *nout)
{
    marg *a = NULL;
    int na = 0, cap = 0;
    size_t start = from;
    bool empty = true;
    for (size_t j = from; j < to; j++)
        if (!is_space(s[j]))
            empty = false;
    for (size_t j = from; !empty && j <= to; j++) {
        if (j < to && (s[j] == '\'' || s[j] == '"') && (opens_quote(s, from - 1, j) || j == start)) {
            size_t e = quote_end(s, to, j);
            if (e == SIZE_MAX) {
                free(a);
                return fail_at(C, node, j, "unclosed %c", s[j]);
            }
            j = e;
            continue;
        }
        if (j < to && s[j] != ',')
            continue;
        size_t b = start, e = j;
        while (b < e && is_space(s[b]))
            b++;
        while (e > b && is_space(s[e - 1]))
            e--;
        if (b == e) {
            free(a);
            return fail_at(C, node, b, "empty argument");
        }
        if (na == cap) {
            cap = cap ? cap * 2 : 8;
            marg *v = realloc(a, (size_t)cap * sizeof *v);
            if (!v) {
                free(a);
                return out_of_memory(C);
            }
            a = v;
        }
        marg m = { .s = s + b, .n = e - b, .off = b };
        if ((s[b] == '\'' || s[b] == '"') && quote_end(s, e, b) == e - 1) {
            m.quoted = true;
            if (!(m.q = unquote(C, m.s, m.n, &m.qn))) {
                free(a);
                return out_of_memory(C);
            }
        }
        a[na++] = m;
        start = j + 1;
    }
    *out = a;
    *nout = na;
    return 0;
}

/* A constant: 'quoted' or "quoted" text, true, false, null, a JSON number,
 * else the bare word as text. */
static int const_value(comp *C, const char *s, size_t n, bool quoted, mval *v)
{
    *v = (mval){ .kind = MV_STR, .s = s, .n = (uint32_t)n };
    if (!quoted && n == 4 && memcmp(s, "true", 4) == 0)
        *v = (mval){ .kind = MV_BOOL, .i = 1 };
    else if (!quoted && n == 5 && memcmp(s, "false", 5) == 0)
        *v = (mval){ .kind = MV_BOOL, .i = 0 };
    else if (!quoted && n == 4 && memcmp(s, "null", 4) == 0)
        *v = (mval){ .kind = MV_NULL };
    else if (!quoted && json_number(s, n))
        v->kind = MV_NUM;
    if (v->kind == MV_STR || v->kind == MV_NUM) {
        if (!(v->s = a_strdup(C->t, s, n)))
            return out_of_memory(C);
        v->clean = clean_text(s, n);
        if (v->kind == MV_NUM)
            v->d = strtod(v->s, NULL);
    }
    return 0;
}

static int arg_const(comp *C, const marg *a, mval *v)
{
    return a->quoted ? const_value(C, a->q, a->qn, true, v) : const_value(C, a->s, a->n, false, v);
}

/* A whole number argument in [lo, hi]. */
static int arg_int(comp *C, struct fy_node *node, const mfunc *f, const marg *a, const char *what, int64_t lo,
                   int64_t hi, int64_t *v)
{
    char buf[32];
    bool ok = !a->quoted && a->n < sizeof buf;
    if (ok) {
        memcpy(buf, a->s, a->n);
        buf[a->n] = '\0';
        char *end;
        errno = 0;
        long long x = strtoll(buf, &end, 10);
        ok = *end == '\0' && errno == 0 && !is_space(buf[0]);
        *v = x;
    }
    if (!ok)
        return fail_at(C, node, a->off, "%s(): %s: expected a whole number, got %.*s", f->name, what, (int)a->n, a->s);
    if (*v < lo || *v > hi)
        return fail_at(C, node, a->off, "%s(): %s: expected %lld to %lld, got %lld", f->name, what, (long long)lo,
                       (long long)hi, (long long)*v);
    return 0;
}

static int arg_num(comp *C, struct fy_node *node, const mfunc *f, const marg *a, const char *what, double *v, int *dec)
{
    if (a->quoted || !plain_decimal(a->s, a->n, v, dec))
        return fail_at(C, node, a->off, "%s(): %s: expected a number like 12 or 0.5, got %.*s", f->name, what,
                       (int)a->n, a->s);
    return 0;
}

/* A number in units of 10^-dec, range-checked so it stays exact. */
static int to_units(comp *C, struct fy_node *node, const mfunc *f, const marg *a, double v, int dec, int64_t *u)
{
    double x = v * pow10d[dec];
    if (fabs(x) > 9e15)
        return fail_at(C, node, a->off, "%s(): %.*s is too large for %d decimals", f->name, (int)a->n, a->s, dec);
    *u = (int64_t)llround(x);
    return 0;
}

static int parse_choice(comp *C, struct fy_node *node, mslot *sl, const marg *a, int na)
{
    msg_template *t = C->t;
    sl->items = a_alloc(t, (size_t)na * sizeof *sl->items);
    if (!sl->items)
        return out_of_memory(C);
    sl->nitems = (uint32_t)na;
    int weighted = 0;
    for (int i = 0; i < na; i++) {
        /* value=weight: the last '=' outside quotes */
        size_t eq = SIZE_MAX;
        for (size_t j = 0; !a[i].quoted && j < a[i].n; j++) {
            if ((a[i].s[j] == '\'' || a[i].s[j] == '"') && j == 0) {
                size_t e = quote_end(a[i].s, a[i].n, j);
                j = e == SIZE_MAX ? a[i].n : e;
            } else if (a[i].s[j] == '=') {
                eq = j;
            }
        }
        weighted += eq != SIZE_MAX;
        if (weighted && weighted != i + 1)
            return fail_at(C, node, a[i].off, "choice(): give every value a weight (value=weight), or none");
        if (eq == SIZE_MAX) {
            if (arg_const(C, &a[i], &sl->items[i]))
                return -1;
            continue;
        }
        marg v = { .s = a[i].s, .n = eq, .off = a[i].off }, w = { .s = a[i].s + eq + 1, .n = a[i].n - eq - 1,
                                                                   .off = a[i].off + eq + 1 };
        while (v.n && is_space(v.s[v.n - 1]))
            v.n--;
        while (w.n && is_space(w.s[0]))
            w.s++, w.n--, w.off++;
        if (!v.n)
            return fail_at(C, node, a[i].off, "choice(): expected a value before '='");
        if (v.s[0] == '\'' || v.s[0] == '"') {
            if (quote_end(v.s, v.n, 0) != v.n - 1)
                return fail_at(C, node, v.off, "choice(): unclosed %c", v.s[0]);
            v.quoted = true;
            if (!(v.q = unquote(C, v.s, v.n, &v.qn)))
                return out_of_memory(C);
        }
        double wt;
        if (!plain_decimal(w.s, w.n, &wt, NULL) || wt < 0)
            return fail_at(C, node, w.off, "choice(): weight of %.*s: expected a number >= 0, got %.*s", (int)v.n,
                           v.s, (int)w.n, w.s);
        if (arg_const(C, &v, &sl->items[i]))
            return -1;
        if (!sl->cum && !(sl->cum = malloc((size_t)na * sizeof *sl->cum)))
            return out_of_memory(C);
        sl->cum[i] = (i ? sl->cum[i - 1] : 0) + wt;
    }
    if (sl->cum && !(sl->cum[na - 1] > 0))
        return fail_at(C, node, a[0].off, "choice(): the weights add up to 0");
    return 0;
}

static int parse_walk(comp *C, struct fy_node *node, const mfunc *f, mslot *sl, const marg *a, int na)
{
    if (na == 3)
        return fail_at(C, node, a[2].off, "walk(): give both bounds (lo and hi) or neither: %s", f->usage);
    double base, step, lo = 0, hi = 0;
    int db, ds, dl = 0, dh = 0;
    if (arg_num(C, node, f, &a[0], "base", &base, &db) || arg_num(C, node, f, &a[1], "step", &step, &ds))
        return -1;
    if (na >= 4 && (arg_num(C, node, f, &a[2], "lo", &lo, &dl) || arg_num(C, node, f, &a[3], "hi", &hi, &dh)))
        return -1;
    if (!(step > 0))
        return fail_at(C, node, a[1].off, "walk(): step: expected a number above 0, got %.*s", (int)a[1].n, a[1].s);
    /* Decimals: as given, else the finest the arguments were written with,
     * and at least 2 (cents). The position is kept in those units, so each
     * move is exactly within step. */
    int64_t dec = 2;
    if (na == 5) {
        if (arg_int(C, node, f, &a[4], "decimals", 0, MAX_DECIMALS, &dec))
            return -1;
    } else {
        int m = db > ds ? db : ds;
        m = m > dl ? m : dl;
        m = m > dh ? m : dh;
        dec = m > 2 ? (m > MAX_DECIMALS ? MAX_DECIMALS : m) : 2;
    }
    sl->dec = (uint8_t)dec;
    if (na < 4) {   /* around base: ±100 steps, and no lower than 0 for a base that is not */
        lo = base - 100 * step;
        hi = base + 100 * step;
        if (base >= 0 && lo < 0)
            lo = 0;
    }
    if (to_units(C, node, f, &a[0], base, (int)dec, &sl->base) || to_units(C, node, f, &a[1], step, (int)dec, &sl->step) ||
        to_units(C, node, f, &a[na >= 4 ? 2 : 0], lo, (int)dec, &sl->lo) ||
        to_units(C, node, f, &a[na >= 4 ? 3 : 0], hi, (int)dec, &sl->hi))
        return -1;
    if (sl->step < 1)
        return fail_at(C, node, a[1].off, "walk(): step %.*s rounds to 0 with %d decimals", (int)a[1].n, a[1].s, (int)dec);
    if (sl->lo > sl->hi)
        return fail_at(C, node, a[2].off, "walk(): lo (%.*s) is above hi (%.*s)", (int)a[2].n, a[2].s, (int)a[3].n, a[3].s);
    if (sl->base < sl->lo || sl->base > sl->hi)
        return fail_at(C, node, a[0].off, "walk(): base %.*s is outside lo..hi", (int)a[0].n, a[0].s);
    sl->walk = C->t->nwalks++;
    return 0;
}

/* if(field op value, then, else): the condition's parts. */
static int parse_if(comp *C, struct fy_node *node, mslot *sl, const marg *a)
{
    static const struct { const char *s; uint8_t op; } ops[] = {
        { "<=", OP_LE }, { ">=", OP_GE }, { "==", OP_EQ }, { "!=", OP_NE }, { "<", OP_LT }, { ">", OP_GT },
    };
    const char *s = a[0].s;
    size_t n = a[0].n, i = 0;
    if (a[0].quoted)
        return fail_at(C, node, a[0].off, "if(): expected a condition like memory_usage < 70, got a quoted text");
    while (i < n && !in_set(s[i], "<>=! \t"))
        i++;
    if (i == 0)
        return fail_at(C, node, a[0].off, "if(): expected a field path before %c", s[0]);
    if (!(sl->path = a_strdup(C->t, s, i)))
        return out_of_memory(C);
    int line, col;
    if (!node_pos(C, node, a[0].off, &line, &col))
        line = col = 0;
    sl->line = line;
    sl->col = col;
    while (i < n && is_space(s[i]))
        i++;
    sl->op = OP_TRUTH;
    if (i < n) {
        size_t k = 0;
        while (k < COUNT(ops) && strncmp(s + i, ops[k].s, strlen(ops[k].s)) != 0)
            k++;
        if (k == COUNT(ops))
            return fail_at(C, node, a[0].off + i, "if(): expected <, <=, >, >=, == or != after the field%s",
                           s[i] == '=' ? " (== to compare)" : "");
        sl->op = ops[k].op;
        i += strlen(ops[k].s);
        while (i < n && is_space(s[i]))
            i++;
        if (i == n)
            return fail_at(C, node, a[0].off + i, "if(): expected a value after %s", ops[k].s);
        marg r = { .s = s + i, .n = n - i, .off = a[0].off + i };
        if (r.s[0] == '\'' || r.s[0] == '"') {
            if (quote_end(r.s, r.n, 0) != r.n - 1)
                return fail_at(C, node, r.off, "if(): expected one quoted value after %s", ops[k].s);
            r.quoted = true;
            if (!(r.q = unquote(C, r.s, r.n, &r.qn)))
                return out_of_memory(C);
        }
        if (arg_const(C, &r, &sl->rhs))
            return -1;
        if (sl->op < OP_EQ && sl->rhs.kind != MV_NUM)
            return fail_at(C, node, r.off, "if(): expected a number after %s, got %.*s", ops[k].s, (int)r.n, r.s);
    }
    if (!(sl->items = a_alloc(C->t, 2 * sizeof *sl->items)))
        return out_of_memory(C);
    sl->nitems = 2;
    return arg_const(C, &a[1], &sl->items[0]) || arg_const(C, &a[2], &sl->items[1]) ? -1 : 0;
}

/* The placeholder s[open] .. s[close] ('{' .. '}'): a new slot's index, or -1. */
static int comp_call(comp *C, struct fy_node *node, const char *s, size_t open, size_t close)
{
    size_t i = open + 1;
    while (i < close && is_space(s[i]))
        i++;
    size_t name = i;
    while (i < close && (s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
                         (i > name && s[i] >= '0' && s[i] <= '9')))
        i++;
    if (i == name)
        return fail_at(C, node, open, "expected a function name after { (write {{ for a literal {)");
    char fname[48];
    snprintf(fname, sizeof fname, "%.*s", (int)(i - name), s + name);
    const mfunc *f = NULL;
    for (size_t k = 0; k < COUNT(funcs) && !f; k++)
        if (strcmp(funcs[k].name, fname) == 0)
            f = &funcs[k];
    if (!f) {
        const char *best = NULL;
        int bestd = strlen(fname) <= 4 ? 2 : 3;   /* a suggestion must be close: 1 edit in a short name */
        char all[512] = "";
        for (size_t k = 0; k < COUNT(funcs); k++) {
            int d = spell_distance(fname, funcs[k].name);
            if (d < bestd)
                bestd = d, best = funcs[k].name;
            snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", k ? ", " : "", funcs[k].name);
        }
        if (best)
            return fail_at(C, node, open, "unknown function %s (did you mean %s?)", fname, best);
        return fail_at(C, node, open, "unknown function %s (functions: %s)", fname, all);
    }
    while (i < close && is_space(s[i]))
        i++;
    marg *a = NULL;
    int na = 0;
    if (i < close && s[i] == '(') {
        size_t j = i + 1;
        for (; j < close && s[j] != ')'; j++)
            if ((s[j] == '\'' || s[j] == '"') && opens_quote(s, i, j) && (j = quote_end(s, close, j)) == SIZE_MAX)
                break;
        if (j >= close)
            return fail_at(C, node, i, "%s: missing ) (usage: %s)", f->name, f->usage);
        if (split_args(C, node, s, i + 1, j, &a, &na))
            return -1;
        for (i = j + 1; i < close && is_space(s[i]);)
            i++;
    }
    if (i < close) {
        free(a);
        return fail_at(C, node, i, "unexpected %c in {%s} (usage: %s)", s[i], f->name, f->usage);
    }
    if (na < f->min || na > f->max) {
        free(a);
        if (f->max == 0)
            return fail_at(C, node, open, "%s takes no arguments, got %d", f->name, na);
        char want[32];
        if (na > f->max)
            snprintf(want, sizeof want, "at most %d arguments", f->max);
        else if (f->min == f->max)
            snprintf(want, sizeof want, "%d argument%s", f->min, f->min == 1 ? "" : "s");
        else if (f->max > 100)   /* choice(): open-ended */
            snprintf(want, sizeof want, "at least %d argument%s", f->min, f->min == 1 ? "" : "s");
        else
            snprintf(want, sizeof want, "%d to %d arguments", f->min, f->max);
        return fail_at(C, node, open, "%s(): expected %s, got %d (usage: %s)", f->name, want, na, f->usage);
    }
    int k = new_slot(C, f->fn);
    if (k < 0) {
        free(a);
        return -1;
    }
    mslot *sl = &C->t->slots[k];
    int rc = 0;
    double lo, hi;
    int64_t dec = 2, n;
    switch (f->fn) {
    case F_INT:
        rc = arg_int(C, node, f, &a[0], "lo", INT64_MIN + 1, INT64_MAX - 1, &sl->lo) ||
             arg_int(C, node, f, &a[1], "hi", INT64_MIN + 1, INT64_MAX - 1, &sl->hi);
        if (!rc && sl->lo > sl->hi)
            rc = fail_at(C, node, a[0].off, "int(): lo (%lld) is above hi (%lld)", (long long)sl->lo, (long long)sl->hi);
        break;
    case F_FLOAT:
        rc = arg_num(C, node, f, &a[0], "lo", &lo, NULL) || arg_num(C, node, f, &a[1], "hi", &hi, NULL) ||
             (na == 3 && arg_int(C, node, f, &a[2], "decimals", 0, MAX_DECIMALS, &dec));
        if (!rc) {
            sl->dec = (uint8_t)dec;
            rc = to_units(C, node, f, &a[0], lo, (int)dec, &sl->lo) || to_units(C, node, f, &a[1], hi, (int)dec, &sl->hi);
        }
        if (!rc && sl->lo > sl->hi)
            rc = fail_at(C, node, a[0].off, "float(): lo (%.*s) is above hi (%.*s)", (int)a[0].n, a[0].s, (int)a[1].n,
                         a[1].s);
        break;
    case F_BOOL:
        sl->p = 0.5;
        if (na && !(rc = arg_num(C, node, f, &a[0], "p", &sl->p, NULL)) && (sl->p < 0 || sl->p > 1))
            rc = fail_at(C, node, a[0].off, "bool(): p: expected a probability from 0 to 1, got %.*s", (int)a[0].n,
                         a[0].s);
        break;
    case F_CHOICE:
        rc = parse_choice(C, node, sl, a, na);
        break;
    case F_WALK:
        rc = parse_walk(C, node, f, sl, a, na);
        break;
    case F_IF:
        rc = parse_if(C, node, sl, a);
        break;
    case F_LOREM:
        n = 60;
        if (na)
            rc = arg_int(C, node, f, &a[0], "n", 1, MSG_MAX_LOREM, &n);
        sl->room = (uint32_t)n + 1;
        break;
    case F_NOW:
        C->t->uses_now = true;
        break;
    default:
        sl->room = f->room;
        break;
    }
    free(a);
    if (rc)
        return -1;
    if (sl->room) {
        sl->scratch = C->t->scratch;
        C->t->scratch += sl->room;
    }
    return k;
}

/* ---- compiling: the document --------------------------------------------- */

typedef struct part {
    int slot;         /* -1: literal text */
    const char *s;
    size_t n;
} part;

/* A string value: literal text with {placeholders}. */
static int comp_string(comp *C, struct fy_node *node, const char *s, size_t n)
{
    msg_template *t = C->t;
    part *parts = NULL;
    size_t np = 0, cap = 0, i = 0;
    strbuf text = { 0 };
    bool seq = false;
    int rc = -1;
    while (i <= n) {
        bool open = i < n && s[i] == '{' && !(i + 1 < n && s[i + 1] == '{');
        if (i < n && !open) {   /* {{ and }} are one brace */
            sb_addc(&text, s[i]);
            i += (s[i] == '{' || s[i] == '}') && i + 1 < n && s[i + 1] == s[i] ? 2 : 1;
            continue;
        }
        if (np + 2 > cap) {
            cap = cap ? cap * 2 : 8;
            part *v = realloc(parts, cap * sizeof *v);
            if (!v) {
                out_of_memory(C);
                goto out;
            }
            parts = v;
        }
        if (text.len) {
            char *lt = a_strdup(t, text.p, text.len);
            if (!lt) {
                out_of_memory(C);
                goto out;
            }
            parts[np++] = (part){ -1, lt, text.len };
            sb_reset(&text);
        }
        if (i == n)
            break;
        size_t quote, close = close_brace(s, n, i, &quote);
        if (close == SIZE_MAX) {
            if (quote != SIZE_MAX)
                fail_at(C, node, quote, "unclosed %c in a placeholder", s[quote]);
            else
                fail_at(C, node, i, "unclosed { (write {{ for a literal {)");
            goto out;
        }
        int k = comp_call(C, node, s, i, close);
        if (k < 0)
            goto out;
        seq |= t->slots[k].fn == F_SEQ;
        parts[np++] = (part){ k, NULL, 0 };
        i = close + 1;
    }
    if (text.oom) {
        out_of_memory(C);
        goto out;
    }
    if (np == 1 && parts[0].slot >= 0) {   /* "{f}" alone: the value's own JSON type */
        op_push(C, &t->ops, OP_VAL, (uint32_t)parts[0].slot, 0);
        add_field(C, FK_SLOT, parts[0].slot, NULL);
    } else if (np == 0 || (np == 1 && parts[0].slot < 0)) {
        mval c = { .kind = MV_STR, .s = np ? parts[0].s : "", .n = np ? (uint32_t)parts[0].n : 0 };
        c.clean = clean_text(c.s, c.n);
        lit_string(C, c.s, c.n);
        add_field(C, FK_CONST, -1, &c);
    } else {
        lit(C, "\"", 1);
        for (size_t k = 0; k < np; k++) {
            if (parts[k].slot < 0)
                lit_escaped(C, parts[k].s, parts[k].n);
            else
                op_push(C, &t->ops, OP_TEXT, (uint32_t)parts[k].slot, 0);
        }
        lit(C, "\"", 1);
        add_field(C, FK_TEXT, -1, NULL);
    }
    if (seq && !t->has_id) {   /* the id: this field's text, unescaped */
        t->has_id = true;
        for (size_t k = 0; k < np; k++) {
            if (parts[k].slot < 0)
                emit_lit(C, &t->idops, &t->idlit, parts[k].s, parts[k].n);
            else
                op_push(C, &t->idops, OP_TEXT, (uint32_t)parts[k].slot, 0);
        }
    }
    rc = C->oom ? out_of_memory(C) : 0;
out:
    free(parts);
    sb_free(&text);
    return rc;
}

static bool word_in(const char *s, size_t n, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == n && memcmp(s, *words, n) == 0)
            return true;
    return false;
}

/* [-+]?(.digits|digits[.digits])([eE][-+]?digits)?: YAML's float form. */
static bool yaml_float(const char *s, size_t n)
{
    size_t i = 0, digits = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        digits++;
    if (i < n && s[i] == '.')
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
    if (!digits)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        if (++i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t e = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == e)
            return false;
    }
    return i == n;
}

/* A plain YAML scalar that is a number, in JSON's form in b; false if it
 * is not one (YAML 1.2's core schema: decimal, 0x hex, 0o octal, floats). */
static bool yaml_number(const char *s, size_t n, strbuf *b)
{
    char buf[64], *end;
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (json_number(s, n)) {
        sb_addn(b, s, n);
        return true;
    }
    errno = 0;
    if (n > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'o')) {
        unsigned long long u = strtoull(buf + 2, &end, buf[1] == 'x' ? 16 : 8);
        if (*end || errno || u > INT64_MAX || buf[2] == '-' || buf[2] == '+' || is_space(buf[2]))
            return false;
        char d[24];
        sb_addn(b, d, msg_fmt_i64(d, (int64_t)u));
        return true;
    }
    size_t k = buf[0] == '+' || buf[0] == '-';
    bool intlike = n > k;
    for (size_t j = k; j < n; j++)
        intlike &= buf[j] >= '0' && buf[j] <= '9';
    if (intlike) {   /* +5, 007 */
        long long v = strtoll(buf, &end, 10);
        if (!*end && !errno) {
            char d[24];
            sb_addn(b, d, msg_fmt_i64(d, v));
            return true;
        }
    }
    if (!yaml_float(buf, n))   /* 1., .5, +1.5, 1E3: re-written in JSON's form */
        return false;
    double v = strtod(buf, &end);
    if (*end || !isfinite(v))
        return false;
    char d[40];
    snprintf(d, sizeof d, "%.15g", v);
    if (strtod(d, NULL) != v)
        snprintf(d, sizeof d, "%.17g", v);
    sb_add(b, d);
    return true;
}

static int comp_node(comp *C, struct fy_node *n, int depth);

static int comp_scalar(comp *C, struct fy_node *node)
{
    static const char *const nulls[] = { "", "~", "null", "Null", "NULL", NULL };
    static const char *const trues[] = { "true", "True", "TRUE", NULL };
    static const char *const falses[] = { "false", "False", "FALSE", NULL };
    static const char *const specials[] = { ".inf", ".Inf", ".INF", "-.inf", "-.Inf", "-.INF", "+.inf", ".nan",
                                            ".NaN", ".NAN", NULL };
    size_t n = 0;
    const char *s = node ? fy_node_get_scalar(node, &n) : NULL;
    if (!s)
        s = "", n = 0;
    if (!node || fy_node_get_style(node) == FYNS_PLAIN) {
        mval c = { 0 };
        if (word_in(s, n, nulls)) {
            lit(C, "null", 4);
            c.kind = MV_NULL;
            add_field(C, FK_CONST, -1, &c);
            return 0;
        }
        if (word_in(s, n, trues) || word_in(s, n, falses)) {
            c.kind = MV_BOOL;
            c.i = word_in(s, n, trues);
            lit(C, c.i ? "true" : "false", c.i ? 4 : 5);
            add_field(C, FK_CONST, -1, &c);
            return 0;
        }
        if (word_in(s, n, specials))
            return fail_at(C, node, SIZE_MAX, "%.*s is not a number JSON can hold (quote it for text)", (int)n, s);
        strbuf b = { 0 };
        if (yaml_number(s, n, &b)) {
            int rc = b.oom ? out_of_memory(C) : const_value(C, b.p, b.len, false, &c);
            if (!rc) {
                lit(C, b.p, b.len);
                add_field(C, FK_CONST, -1, &c);
            }
            sb_free(&b);
            return rc;
        }
        sb_free(&b);
    }
    return comp_string(C, node, s, n);
}

static void path_push(comp *C, const char *s, size_t n)
{
    if (C->path.len)
        sb_addc(&C->path, '.');
    sb_addn(&C->path, s, n);
}

static void path_pop(comp *C, size_t len)
{
    C->path.len = len;
    if (C->path.p)
        C->path.p[len] = '\0';
}

static const char *node_kind(struct fy_node *n)
{
    return !n ? "nothing" : fy_node_is_mapping(n) ? "an object" : fy_node_is_sequence(n) ? "a list" : "a value";
}

static int comp_node(comp *C, struct fy_node *n, int depth)
{
    if (depth > MSG_MAX_DEPTH)
        return fail_at(C, n, SIZE_MAX, "nested deeper than %d levels", MSG_MAX_DEPTH);
    if (C->oom)
        return out_of_memory(C);
    size_t mark = C->path.len;
    void *it = NULL;
    if (n && fy_node_is_mapping(n)) {
        add_field(C, FK_OBJECT, -1, NULL);
        lit(C, "{", 1);
        struct fy_node_pair *pr;
        bool first = true;
        while ((pr = fy_node_mapping_iterate(n, &it))) {
            struct fy_node *k = fy_node_pair_key(pr), *v = fy_node_pair_value(pr);
            size_t kn;
            const char *ks = k && fy_node_is_scalar(k) ? fy_node_get_scalar(k, &kn) : NULL;
            if (!ks)
                return fail_at(C, k ? k : n, SIZE_MAX, "expected a name as the key, got %s", node_kind(k));
            if (!first)
                lit(C, ",", 1);
            first = false;
            lit_string(C, ks, kn);
            lit(C, ":", 1);
            path_push(C, ks, kn);
            if (comp_node(C, v, depth + 1))
                return -1;
            path_pop(C, mark);
        }
        lit(C, "}", 1);
        return 0;
    }
    if (n && fy_node_is_sequence(n)) {
        add_field(C, FK_ARRAY, -1, NULL);
        lit(C, "[", 1);
        struct fy_node *v;
        int i = 0;
        while ((v = fy_node_sequence_iterate(n, &it))) {
            char idx[16];
            if (i)
                lit(C, ",", 1);
            path_push(C, idx, (size_t)snprintf(idx, sizeof idx, "%d", i++));
            if (comp_node(C, v, depth + 1))
                return -1;
            path_pop(C, mark);
        }
        lit(C, "]", 1);
        return 0;
    }
    return comp_scalar(C, n);
}

/* ---- compiling: if() references, evaluation order ------------------------ */

static int slot_type(const mslot *sl)
{
    switch (sl->fn) {
    case F_SEQ: case F_PRODUCER: case F_NOW_MS: case F_NOW_US: case F_INT: case F_FLOAT: case F_WALK:
        return T_NUM;
    case F_BOOL:
        return T_BOOL;
    case F_CHOICE:
    case F_IF: {
        int ty = mval_type(&sl->items[0]);
        for (uint32_t i = 1; i < sl->nitems; i++)
            if (mval_type(&sl->items[i]) != ty)
                return T_MIXED;
        return ty;
    }
    default:
        return T_STR;
    }
}

static int resolve_if(comp *C, mslot *sl)
{
    const field *f = NULL;
    for (size_t i = 0; i < C->nfields && !f; i++)
        if (strcmp(C->fields[i].path, sl->path) == 0)
            f = &C->fields[i];
    if (!f) {
        const char *best = NULL;
        int bestd = 4;
        for (size_t i = 0; i < C->nfields; i++) {
            int d = C->fields[i].kind <= FK_TEXT ? spell_distance(sl->path, C->fields[i].path) : 99;
            if (d < bestd)
                bestd = d, best = C->fields[i].path;
        }
        return fail_lc(C, sl->line, sl->col, sl->where, "if(): no field %s in the template%s%s%s", sl->path,
                       best ? " (did you mean " : "", best ? best : "", best ? "?)" : " (write the path with dots: meta.run_id)");
    }
    if (f->kind == FK_OBJECT || f->kind == FK_ARRAY)
        return fail_lc(C, sl->line, sl->col, sl->where, "if(): %s is %s, not a value", sl->path,
                       f->kind == FK_OBJECT ? "an object" : "a list");
    if (f->kind == FK_TEXT)
        return fail_lc(C, sl->line, sl->col, sl->where,
                       "if(): %s mixes text and placeholders; compare a field that is one placeholder or a constant",
                       sl->path);
    int ty;
    if (f->kind == FK_SLOT) {
        sl->ref = f->slot;
        ty = slot_type(&C->t->slots[f->slot]);
    } else {
        sl->refc = f->c;
        ty = mval_type(&f->c);
    }
    if (sl->op != OP_TRUTH && sl->op < OP_EQ && ty != T_NUM && ty != T_MIXED)
        return fail_lc(C, sl->line, sl->col, sl->where, "if(): %s is %s; <, <=, > and >= compare numbers", sl->path,
                       type_word(ty));
    if ((sl->op == OP_EQ || sl->op == OP_NE) && ty != T_MIXED && ty != mval_type(&sl->rhs))
        return fail_lc(C, sl->line, sl->col, sl->where, "if(): %s is %s, compared with %s", sl->path, type_word(ty),
                       type_word(mval_type(&sl->rhs)));
    return 0;
}

/* Plain slots first, in document order; then each if() after the if() it
 * reads, so a value is always computed before it is compared. */
static int order_slots(comp *C)
{
    msg_template *t = C->t;
    size_t n = 0, ns = t->nslots;
    uint8_t *state = calloc(ns ? ns : 1, 1);
    int *chain = malloc((ns ? ns : 1) * sizeof *chain);
    t->order = malloc((ns ? ns : 1) * sizeof *t->order);
    if (!state || !chain || !t->order) {
        free(state);
        free(chain);
        return out_of_memory(C);
    }
    for (size_t k = 0; k < ns; k++)
        if (t->slots[k].fn != F_IF)
            t->order[n++] = (uint32_t)k;
    int rc = 0;
    for (size_t k = 0; k < ns && !rc; k++) {
        size_t m = 0;
        int j = (int)k;
        while (j >= 0 && t->slots[j].fn == F_IF && state[j] != 2) {
            if (state[j] == 1) {
                mslot *sl = &t->slots[k];
                rc = fail_lc(C, sl->line, sl->col, sl->where, "if(): %s leads back to this field (a circular reference)",
                             sl->path);
                break;
            }
            state[j] = 1;
            chain[m++] = j;
            j = t->slots[j].ref;
        }
        while (!rc && m) {
            int x = chain[--m];
            state[x] = 2;
            t->order[n++] = (uint32_t)x;
        }
    }
    free(state);
    free(chain);
    return rc;
}

/* ---- compiling: the whole text ------------------------------------------- */

/* libfyaml's first error, as "ORIGIN:LINE:COLUMN: message". */
static int parse_failed(comp *C)
{
    const struct fy_diag_error *first = yaml_first_error(C->diag);
    const char *what = first && first->msg ? first->msg : C->len && C->text[0] == '{' ? "not valid JSON" : "not valid YAML";
    return fail_lc(C, first ? first->line : 0, first && first->column > 0 ? first->column : 1, NULL, "%s", what);
}

static int compile_doc(comp *C, bool json)
{
    struct fy_parser *fyp = yaml_parser_new(C->diag, C->text, C->len, json);
    struct fy_document *doc = NULL, *doc2 = NULL;
    int rc = -1;
    if (!fyp) {
        out_of_memory(C);
        goto out;
    }
    doc = fy_parse_load_document(fyp);
    if (!doc && (fy_parser_get_stream_error(fyp) || fy_diag_got_error(C->diag))) {
        parse_failed(C);
        goto out;
    }
    if (doc && (doc2 = fy_parse_load_document(fyp)) != NULL) {
        fail_at(C, fy_document_root(doc2), SIZE_MAX, "a second document: a template is one object");
        goto out;
    }
    if (fy_parser_get_stream_error(fyp) || fy_diag_got_error(C->diag)) {
        parse_failed(C);
        goto out;
    }
    struct fy_node *root = doc ? fy_document_root(doc) : NULL;
    if (!root || (fy_node_is_scalar(root) && fy_node_get_scalar_length(root) == 0 && fy_node_get_style(root) == FYNS_PLAIN)) {
        fail_lc(C, 0, 0, NULL, "empty template (expected an object like {\"id\": \"job_{seq}\"})");
        goto out;
    }
    if (!fy_node_is_mapping(root)) {
        fail_at(C, root, SIZE_MAX, "expected an object at the top (a message is one JSON object), got %s",
                node_kind(root));
        goto out;
    }
    if (comp_node(C, root, 0))
        goto out;
    for (size_t k = 0; k < C->t->nslots; k++)
        if (C->t->slots[k].fn == F_IF && resolve_if(C, &C->t->slots[k]))
            goto out;
    rc = order_slots(C);
    if (!rc && (C->oom || C->t->lit.oom || C->t->idlit.oom))
        rc = out_of_memory(C);
out:
    yaml_parser_free(fyp, doc, doc2);
    return rc;
}

msg_template *msg_compile_as(const char *text, size_t len, const char *origin, bool json, char *err, size_t errlen)
{
    char dummy[1];
    comp C = { .origin = origin ? origin : "template", .text = text, .len = len, .err = err ? err : dummy,
               .errlen = err ? errlen : sizeof dummy };
    if (C.errlen)
        C.err[0] = '\0';
    if (len > MSG_MAX_BYTES) {
        fail_lc(&C, 0, 0, NULL, "too large for a template (%zu bytes; at most %d)", len, MSG_MAX_BYTES);
        return NULL;
    }
    C.t = calloc(1, sizeof *C.t);
    C.diag = C.t ? yaml_diag_new() : NULL;
    if (!C.diag) {
        out_of_memory(&C);
        free(C.t);
        return NULL;
    }
    int rc = compile_doc(&C, json);
    fy_diag_destroy(C.diag);
    free(C.fields);
    sb_free(&C.path);
    if (rc) {
        msg_free(C.t);
        return NULL;
    }
    return C.t;
}
