/* message_render.c - messages from a compiled template (see message.h).
 *
 * Rendering first computes every slot's value for the message (so a
 * derived field, if(), can read a field that comes later in the object),
 * then runs the ops. Numbers are fixed point and timestamps are built from
 * a per-second cache by hand: printf shows up only in datagen's text
 * functions (names, emails...), which a template uses by choice.
 */
#include "workloads/message_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/datagen.h"

static const int64_t pow10i[MAX_DECIMALS + 1] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
};

/* ---- JSON text ----------------------------------------------------------- */

/* The escape for byte c into e (which holds 7), its length. */
size_t msg_escape_byte(unsigned char c, char *e)
{
    static const char hex[] = "0123456789abcdef";
    e[0] = '\\';
    switch (c) {
    case '"': e[1] = '"'; return 2;
    case '\\': e[1] = '\\'; return 2;
    case '\n': e[1] = 'n'; return 2;
    case '\r': e[1] = 'r'; return 2;
    case '\t': e[1] = 't'; return 2;
    case '\b': e[1] = 'b'; return 2;
    case '\f': e[1] = 'f'; return 2;
    default:
        memcpy(e + 1, "u00", 3);
        e[4] = hex[c >> 4];
        e[5] = hex[c & 15];
        return 6;
    }
}

/* Digits of v, written backwards ending at end; returns the first. */
static char *utoa_back(uint64_t v, char *end)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

size_t msg_fmt_i64(char *d, int64_t v)
{
    char tmp[24], *end = tmp + sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char *p = utoa_back(u, end);
    if (v < 0)
        *--p = '-';
    memcpy(d, p, (size_t)(end - p));
    return (size_t)(end - p);
}

/* units * 10^-dec with exactly dec decimals: "-12.30". */
static size_t fmt_fix(char *d, int64_t units, unsigned dec)
{
    if (dec == 0)
        return msg_fmt_i64(d, units);
    char tmp[32], *end = tmp + sizeof tmp;
    uint64_t u = units < 0 ? (uint64_t)0 - (uint64_t)units : (uint64_t)units;
    uint64_t ip = u / (uint64_t)pow10i[dec], fp = u % (uint64_t)pow10i[dec];
    char *p = end;
    for (unsigned i = 0; i < dec; i++, fp /= 10)
        *--p = (char)('0' + fp % 10);
    *--p = '.';
    p = utoa_back(ip, p);
    if (units < 0)
        *--p = '-';
    memcpy(d, p, (size_t)(end - p));
    return (size_t)(end - p);
}

/* ---- per-producer state -------------------------------------------------- */

/* The state's own output buffer: grown, never shrunk, so a steady run
 * allocates nothing. */
typedef struct wbuf {
    char *p;
    size_t len, cap;
    bool oom;
} wbuf;

struct msg_state {
    const msg_template *t;
    uint64_t next_seq, stride;
    int stream;
    mval *vals;            /* this message's value of each slot */
    int64_t *walk;         /* each walk()'s position, in its units */
    char *scratch;         /* text functions write here (message_compile.c's `room` per slot) */
    wbuf w;
    int64_t ts_sec;        /* the second ts[0..19) shows ("2026-11-23T11:23:29") */
    char ts[32];
};

msg_state *msg_state_new(const msg_template *t, int stream, int nstreams)
{
    if (!t || nstreams < 1 || stream < 0 || stream >= nstreams)
        return NULL;
    msg_state *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->t = t;
    s->stream = stream;
    s->next_seq = (uint64_t)stream;
    s->stride = (uint64_t)nstreams;
    s->ts_sec = -1;
    s->vals = calloc(t->nslots ? t->nslots : 1, sizeof *s->vals);
    s->walk = calloc(t->nwalks ? (size_t)t->nwalks : 1, sizeof *s->walk);
    s->scratch = malloc(t->scratch ? t->scratch : 1);
    s->w.cap = 512;
    s->w.p = malloc(s->w.cap);
    if (!s->vals || !s->walk || !s->scratch || !s->w.p) {
        msg_state_free(s);
        return NULL;
    }
    for (size_t k = 0; k < t->nslots; k++)
        if (t->slots[k].fn == F_WALK)
            s->walk[t->slots[k].walk] = t->slots[k].base;
    return s;
}

void msg_state_free(msg_state *s)
{
    if (!s)
        return;
    free(s->vals);
    free(s->walk);
    free(s->scratch);
    free(s->w.p);
    free(s);
}

uint64_t msg_state_next_seq(const msg_state *s) { return s->next_seq; }

/* ---- writing values ------------------------------------------------------ */

static bool w_grow(wbuf *w, size_t more)
{
    size_t cap = w->cap ? w->cap : 256;
    while (cap < w->len + more)
        cap *= 2;
    char *p = realloc(w->p, cap);
    if (!p) {
        w->oom = true;
        return false;
    }
    w->p = p;
    w->cap = cap;
    return true;
}

/* Room for n more bytes at w->p + w->len, or NULL (out of memory). */
static inline char *w_room(wbuf *w, size_t n)
{
    if (w->len + n > w->cap && !w_grow(w, n))
        return NULL;
    return w->p + w->len;
}

static inline void w_put(wbuf *w, const char *s, size_t n)
{
    char *d = w_room(w, n);
    if (d) {
        memcpy(d, s, n);
        w->len += n;
    }
}

static void w_escaped(wbuf *w, const char *s, size_t n, bool clean)
{
    if (clean) {
        w_put(w, s, n);
        return;
    }
    char *d = w_room(w, 6 * n);
    if (!d)
        return;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (msg_needs_escape(c))
            d += msg_escape_byte(c, d);
        else
            *d++ = (char)c;
    }
    w->len = (size_t)(d - w->p);
}

enum { AS_JSON, AS_TEXT, AS_RAW };

static void w_val(wbuf *w, const mval *v, int as)
{
    char *d = w_room(w, 32);
    if (!d)
        return;
    switch (v->kind) {
    case MV_NULL:
        w_put(w, "null", 4);
        break;
    case MV_BOOL:
        w_put(w, v->i ? "true" : "false", v->i ? 4 : 5);
        break;
    case MV_INT:
        w->len += msg_fmt_i64(d, v->i);
        break;
    case MV_FIX:
        w->len += fmt_fix(d, v->i, v->dec);
        break;
    case MV_NUM:
        w_put(w, v->s, v->n);
        break;
    case MV_STR:
        if (as == AS_JSON)
            w_put(w, "\"", 1);
        if (as == AS_RAW)
            w_put(w, v->s, v->n);
        else
            w_escaped(w, v->s, v->n, v->clean);
        if (as == AS_JSON)
            w_put(w, "\"", 1);
        break;
    }
}

/* ---- {now} --------------------------------------------------------------- */

static void put2(char *d, unsigned v)
{
    d[0] = (char)('0' + v / 10);
    d[1] = (char)('0' + v % 10);
}

/* Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm): no
 * gmtime_r, which takes glibc's time zone lock on every call. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

#define MAX_WALL_US 253402300799999999LL   /* 9999-12-31T23:59:59.999999Z */

/* Wall time in whole microseconds, rounded: what {now} shows must read
 * back to now_wall within half a microsecond. */
static int64_t wall_us(double now)
{
    double x = floor(now * 1e6 + 0.5);
    return !(x > 0) ? 0 : x >= (double)MAX_WALL_US ? MAX_WALL_US : (int64_t)x;
}

/* "2026-11-23T11:23:29.123456Z" into s->ts; the date and time are redone
 * only when the second changes. */
static void format_ts(msg_state *s, int64_t us)
{
    int64_t sec = us / 1000000;
    unsigned frac = (unsigned)(us % 1000000);
    if (sec != s->ts_sec) {
        int64_t y, days = sec / 86400;
        unsigned mo, d, sod = (unsigned)(sec % 86400);
        civil_from_days(days, &y, &mo, &d);
        put2(s->ts, (unsigned)(y / 100));
        put2(s->ts + 2, (unsigned)(y % 100));
        s->ts[4] = '-';
        put2(s->ts + 5, mo);
        s->ts[7] = '-';
        put2(s->ts + 8, d);
        s->ts[10] = 'T';
        put2(s->ts + 11, sod / 3600);
        s->ts[13] = ':';
        put2(s->ts + 14, sod / 60 % 60);
        s->ts[16] = ':';
        put2(s->ts + 17, sod % 60);
        s->ts[19] = '.';
        s->ts[26] = 'Z';
        s->ts_sec = sec;
    }
    for (int i = 25; i >= 20; i--, frac /= 10)
        s->ts[i] = (char)('0' + frac % 10);
}

/* ---- if() ---------------------------------------------------------------- */

static bool is_num(const mval *v) { return v->kind == MV_INT || v->kind == MV_FIX || v->kind == MV_NUM; }

static double num_of(const mval *v)
{
    /* Dividing the exact integer rounds once, to the double nearest the
     * decimal the message shows: a consumer parsing it sees the same. */
    return v->kind == MV_FIX ? (double)v->i / pow10d[v->dec] : v->kind == MV_NUM ? v->d : (double)v->i;
}

static bool same_value(const mval *a, const mval *b)
{
    if (is_num(a) && is_num(b))
        return num_of(a) == num_of(b);
    if (a->kind != b->kind)
        return false;
    if (a->kind == MV_STR)
        return a->n == b->n && memcmp(a->s, b->s, a->n) == 0;
    return a->kind == MV_NULL || a->i == b->i;
}

static bool test(const mval *l, int op, const mval *r)
{
    switch (op) {
    case OP_TRUTH:
        return l->kind == MV_STR ? l->n > 0 : l->kind == MV_NULL ? false : is_num(l) ? num_of(l) != 0 : l->i != 0;
    case OP_EQ:
        return same_value(l, r);
    case OP_NE:
        return !same_value(l, r);
    default:
        if (!is_num(l))
            return false;
        double x = num_of(l), y = r->d;
        return op == OP_LT ? x < y : op == OP_LE ? x <= y : op == OP_GT ? x > y : x >= y;
    }
}

/* ---- a message ----------------------------------------------------------- */

static void eval(const msg_template *t, msg_state *s, uint32_t k, rng_t *r, uint64_t seq, int64_t us)
{
    const mslot *sl = &t->slots[k];
    mval *v = &s->vals[k];
    char *buf = s->scratch + sl->scratch;
    int n = 0;
    switch (sl->fn) {
    case F_SEQ: *v = (mval){ .kind = MV_INT, .i = (int64_t)seq }; return;
    case F_PRODUCER: *v = (mval){ .kind = MV_INT, .i = s->stream }; return;
    case F_NOW: *v = (mval){ .kind = MV_STR, .clean = true, .s = s->ts, .n = 27 }; return;
    case F_NOW_MS: *v = (mval){ .kind = MV_INT, .i = us / 1000 }; return;
    case F_NOW_US: *v = (mval){ .kind = MV_INT, .i = us }; return;
    case F_INT: *v = (mval){ .kind = MV_INT, .i = rng_range(r, sl->lo, sl->hi) }; return;
    case F_FLOAT: *v = (mval){ .kind = MV_FIX, .dec = sl->dec, .i = rng_range(r, sl->lo, sl->hi) }; return;
    case F_BOOL: *v = (mval){ .kind = MV_BOOL, .i = rng_bool(r, sl->p) }; return;
    case F_CHOICE:
        if (!sl->cum) {
            *v = sl->items[rng_below(r, sl->nitems)];
        } else {
            double x = rng_double(r) * sl->cum[sl->nitems - 1];
            uint32_t i = 0;
            while (i + 1 < sl->nitems && !(x < sl->cum[i]))
                i++;
            while (i > 0 && sl->cum[i] == sl->cum[i - 1])   /* x rounded up to the total: not a 0-weight tail */
                i--;
            *v = sl->items[i];
        }
        return;
    case F_WALK: {
        /* Reflect at the bounds, so a move is never longer than step. */
        int64_t x = s->walk[sl->walk] + rng_range(r, -sl->step, sl->step);
        if (x > sl->hi)
            x = 2 * sl->hi - x;
        if (x < sl->lo)
            x = 2 * sl->lo - x;
        x = x > sl->hi ? sl->hi : x < sl->lo ? sl->lo : x;
        s->walk[sl->walk] = x;
        *v = (mval){ .kind = MV_FIX, .dec = sl->dec, .i = x };
        return;
    }
    case F_IF:
        *v = sl->items[test(sl->ref >= 0 ? &s->vals[sl->ref] : &sl->refc, sl->op, &sl->rhs) ? 0 : 1];
        return;
    case F_UUID: n = dg_uuid(rng_next(r), rng_next(r), buf, sl->room); break;
    case F_NAME: n = dg_name(r, buf, sl->room); break;
    case F_FIRST_NAME: n = dg_first_name(r, buf, sl->room); break;
    case F_LAST_NAME: n = dg_last_name(r, buf, sl->room); break;
    case F_EMAIL: n = dg_email(r, seq, k, 0, buf, sl->room); break;
    case F_PHONE: n = dg_phone(r, buf, sl->room); break;
    case F_CITY: n = dg_city(r, buf, sl->room); break;
    case F_COUNTRY: n = dg_country(r, buf, sl->room); break;
    case F_ADDRESS: n = dg_address(r, buf, sl->room); break;
    case F_URL: n = dg_url(r, buf, sl->room); break;
    case F_SKU: n = dg_sku(r, buf, sl->room); break;
    case F_LOREM: n = dg_lorem(r, buf, sl->room); break;
    }
    /* datagen writes plain ASCII: nothing to escape */
    n = n < 0 ? 0 : (uint32_t)n >= sl->room ? (int)sl->room - 1 : n;
    *v = (mval){ .kind = MV_STR, .clean = true, .s = buf, .n = (uint32_t)n };
}

static void run_ops(const oplist *ops, const char *lit_text, const mval *vals, wbuf *w, int text_as)
{
    for (size_t i = 0; i < ops->n; i++) {
        const mop *o = &ops->v[i];
        if (o->kind == OP_LIT)
            w_put(w, lit_text + o->a, o->b);
        else
            w_val(w, &vals[o->a], o->kind == OP_VAL ? AS_JSON : text_as);
    }
}

void msg_render(const msg_template *t, msg_state *s, rng_t *rng, double now_wall, strbuf *out, strbuf *id)
{
    uint64_t seq = s->next_seq;
    s->next_seq += s->stride;
    int64_t us = wall_us(now_wall);
    if (t->uses_now)
        format_ts(s, us);
    for (size_t i = 0; i < t->nslots; i++)
        eval(t, s, t->order[i], rng, seq, us);
    s->w.len = 0;
    s->w.oom = false;
    run_ops(&t->ops, t->lit.p, s->vals, &s->w, AS_TEXT);
    if (s->w.oom)
        out->oom = true;
    else
        sb_addn(out, s->w.p, s->w.len);
    if (!id)
        return;
    if (t->has_id) {
        s->w.len = 0;
        run_ops(&t->idops, t->idlit.p, s->vals, &s->w, AS_RAW);
        if (s->w.oom)
            id->oom = true;
        else
            sb_addn(id, s->w.p, s->w.len);
    } else {
        char d[24];
        sb_addn(id, d, msg_fmt_i64(d, (int64_t)seq));
    }
}
