/* message_int.h - what the parts of the message module share: the compiled
 * template's structures (message.c loads and frees it, message_compile.c
 * builds it, message_render.c reads it) and the few JSON text helpers both
 * sides use. Private to src/workloads/message*.c.
 */
#ifndef SURGE_MESSAGE_INT_H
#define SURGE_MESSAGE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/strbuf.h"
#include "workloads/message.h"

#define MSG_MAX_BYTES (1 << 20)   /* a template file; far more than any message needs */
#define MAX_DECIMALS 9

static const double pow10d[MAX_DECIMALS + 1] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9 };

/* ---- values -------------------------------------------------------------- */

typedef enum mv_kind { MV_NULL, MV_BOOL, MV_INT, MV_FIX, MV_NUM, MV_STR } mv_kind;

/* A slot's value for the message being rendered, or a constant of the
 * template. MV_FIX is fixed point, i units of 10^-dec (float(), walk()):
 * drawn as an integer and printed exactly, never through a double. MV_NUM
 * is a constant number kept as its JSON text (s, n) and its value (d). */
typedef struct mval {
    uint8_t kind, dec;
    bool clean;        /* MV_STR: no byte JSON must escape */
    uint32_t n;
    int64_t i;
    double d;
    const char *s;
} mval;

/* ---- placeholders' functions --------------------------------------------- */

enum mfn {
    F_SEQ, F_PRODUCER, F_NOW, F_NOW_MS, F_NOW_US, F_INT, F_FLOAT, F_BOOL, F_CHOICE, F_WALK, F_IF,
    F_UUID, F_NAME, F_FIRST_NAME, F_LAST_NAME, F_EMAIL, F_PHONE, F_CITY, F_COUNTRY, F_ADDRESS, F_URL,
    F_SKU, F_LOREM,
};

enum { OP_TRUTH, OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE };

/* One placeholder, compiled. */
typedef struct mslot {
    uint8_t fn, dec, op;
    int line, col;            /* if(): where its condition is, for errors found after parsing */
    const char *where;        /* the field's path, for those errors */
    int64_t lo, hi, step, base;   /* int(); float() and walk() in units of 10^-dec */
    double p;                 /* bool() */
    int walk;                 /* walk(): its position's index in msg_state */
    uint32_t scratch, room;   /* text functions: their bytes in msg_state's scratch */
    mval *items;              /* choice(): the values; if(): then and else */
    double *cum;              /* choice(): cumulative weights; NULL when uniform */
    uint32_t nitems;
    const char *path;         /* if(): the field it reads */
    int ref;                  /* if(): that field's slot, or -1: the constant refc */
    mval refc, rhs;
} mslot;

/* ---- the compiled template ----------------------------------------------- */

typedef enum op_kind {
    OP_LIT,    /* copy b bytes of literal text from offset a */
    OP_VAL,    /* slot a's value as JSON (its natural type) */
    OP_TEXT,   /* slot a's value inside a string: escaped (or raw, for the id) */
} op_kind;

typedef struct mop {
    uint32_t kind, a, b;
} mop;

typedef struct oplist {
    mop *v;
    size_t n, cap;
} oplist;

/* Constant strings of the template (choice items, paths): carved from
 * blocks freed with it, so nothing is freed one by one. */
typedef struct ablock {
    struct ablock *next;
    size_t used, cap;
    char data[];
} ablock;

struct msg_template {
    oplist ops, idops;    /* the message; the id (see msg_render) */
    strbuf lit, idlit;    /* the literal text their OP_LITs point into */
    mslot *slots;
    size_t nslots, capslots;
    uint32_t *order;      /* evaluation order: plain slots, then each if() after what it reads */
    bool has_id, uses_now;
    int nwalks;
    uint32_t scratch;     /* bytes of scratch a state needs */
    ablock *mem;
};

/* ---- shared helpers ------------------------------------------------------ */

/* Compile text[0..len) as JSON (json) or YAML; `origin` names it in
 * messages. msg_compile's contract, with the syntax chosen by the caller. */
msg_template *msg_compile_as(const char *text, size_t len, const char *origin, bool json, char *err, size_t errlen);

static inline bool msg_needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

/* The escape for byte c into e (which holds 7), its length. */
size_t msg_escape_byte(unsigned char c, char *e);

/* v in decimal into d (which holds 21), its length. */
size_t msg_fmt_i64(char *d, int64_t v);

#endif
