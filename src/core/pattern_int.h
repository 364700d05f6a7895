/* pattern_int.h - inside the pattern module: pattern_lex.c reads tokens,
 * pattern_parse.c checks each value against its column (so errors point at
 * the right token) and fills a pat_shape, pattern.c turns checked shapes
 * into pieces and phases. Nothing outside these three files includes this.
 */
#ifndef SURGE_PATTERN_INT_H
#define SURGE_PATTERN_INT_H

#include "core/pattern.h"

/* Limits that keep a hostile or mistyped expression from eating memory or
 * time: the parser reports each with its own message. */
#define PAT_MAX_EXPR     65536         /* characters in an expression */
#define PAT_MAX_PIECES   10000         /* compiled pieces (and so steps or points) */
#define PAT_MAX_MIX      64            /* operations in one mix */
#define PAT_MAX_RATE     1e9           /* ops/s in any one value */
#define PAT_MAX_SECONDS  315576000.0   /* any one duration: 10 years, as in units.c */
#define PAT_MAX_TOTAL    1e9           /* the whole finite pattern (about 31 years) */
#define PAT_MAX_COUNT    1e9           /* burst count */
#define PAT_MIN_SECONDS  1e-6          /* shortest non-zero duration: 1us */

enum pat_shape_kind { SHAPE_CONSTANT, SHAPE_RAMP, SHAPE_STEP, SHAPE_SINE, SHAPE_BURST, SHAPE_POINTS };

/* step: x = rate, y = seconds; points: x = time, y = rate. */
typedef struct pat_pair {
    double x, y;
} pat_pair;

/* One parsed shape, values already checked and in seconds, ops/s and
 * radians. Booleans are 0 or 1 (doubles, so one argument table can point at
 * every field). dur is INFINITY when no duration was given. */
typedef struct pat_shape {
    int kind;
    double rate, dur;                  /* constant; burst's rate; sine's duration */
    double start, end, ramp, hold, down;
    double base, amp, period, phase;
    double on, off, count, idle;
    double repeat;                     /* step's repeat, points' loop */
    const pat_pair *pairs;
    int npairs;
} pat_shape;

/* Results of pat_add_shape. */
enum { PAT_OK = 0, PAT_ENOMEM = -1, PAT_ETOOMANY = -2, PAT_ETOOLONG = -3 };

pat_t *pat_alloc(void);
void pat_set_time_scale(pat_t *p, double scale);   /* before any shape is added */

/* Compile a checked shape and append it as the next phase, which takes
 * ownership of `mix` (malloc'd, nmix entries; NULL when 0) in every case.
 * A shape may only follow one that ends (the parser checks). */
int pat_add_shape(pat_t *p, const pat_shape *s, const char *label, pat_mix *mix, int nmix);

/* ---- tokens (pattern_lex.c) ---------------------------------------------- */

typedef enum {
    TOK_END, TOK_NUM, TOK_WORD, TOK_LPAREN, TOK_RPAREN, TOK_COMMA, TOK_EQUALS, TOK_COLON, TOK_LBRACE, TOK_RBRACE
} pat_tok_type;

/* What a number's unit made it: a bare number, seconds, ops/s or radians. */
typedef enum { UNIT_NONE, UNIT_TIME, UNIT_RATE, UNIT_ANGLE } pat_unit;

typedef struct pat_tok {
    pat_tok_type type;
    int pos, len;     /* byte offset and length in the expression; TOK_END: the last character */
    double num;       /* TOK_NUM: the value, converted by its unit */
    pat_unit unit;
} pat_tok;

typedef struct pat_lexer {
    const char *s;
    int n;            /* length of s */
    int at;           /* where the next token starts looking */
    pat_tok t;        /* the current token */
    pat_error *err;
    int failed;       /* an error is recorded: the first one wins */
} pat_lexer;

/* Clear *err, check the length and read the first token. 0 or -1. */
int pat_lex_init(pat_lexer *ps, const char *expr, pat_error *err);

/* Move to the next token. 0, or -1 with the error recorded. */
int pat_next(pat_lexer *ps);

/* Record an error at byte `pos` unless one already is. Always returns -1. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int pat_fail(pat_lexer *ps, int pos, const char *fmt, ...);

/* A token as quoted in messages: 'abc', cut at 40 bytes, bytes that are not
 * printable ASCII shown as '?' so a message stays one clean line. */
const char *pat_quote(const pat_lexer *ps, const pat_tok *t, char buf[64]);

int pat_is_word(const pat_lexer *ps, const char *word);   /* the current token is this word */
int pat_named(const pat_lexer *ps);                       /* a word followed by '=' */

#endif
