/* profile_int.h - what profile.c (the settings, their checks, the run
 * options) and profile_yaml.c (reading and writing the files) share. */
#ifndef SURGE_CLI_PROFILE_INT_H
#define SURGE_CLI_PROFILE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"

#define PF_MAX_BYTES (1 << 20)   /* a profile is a few lines; anything this big is a mistake */
#define PF_MAX_ITEMS 1000        /* per list */

/* The kinds of value a setting takes. */
typedef enum pf_kind {
    PFK_META,       /* name, description: a string, not a run option */
    PFK_TAGS,       /* a string or a list of strings, not a run option */
    PFK_STR,        /* any non-empty string */
    PFK_TABLES,     /* "a,b" or a list of table names */
    PFK_MIX,        /* "op=w,op=w" or a mapping op: weight */
    PFK_PATTERN,    /* an expression or a list of phases, joined with " then " */
    PFK_ARRIVALS,   /* even | poisson */
    PFK_INT,        /* a whole number lo..hi */
    PFK_THINK,      /* MIN..MAX durations (or one duration) */
    PFK_DUR,        /* a duration >= 0 */
    PFK_DURPOS,     /* a duration > 0 */
    PFK_INTERVAL,   /* a duration 10ms..1h */
    PFK_FACTOR,     /* a number > 0 */
    PFK_RATE,       /* a rate > 0 */
    PFK_PCT,        /* "5%" or 0.05, > 0 */
    PFK_LATENCY,    /* "p99:500ms" */
    PFK_BOOL,       /* true | false; the run option takes no value */
    PFK_LIST,       /* a string or a list of strings; the run option is repeated */
    PFK_OUTS,       /* like PFK_LIST, each "json:F", "csv:F", "html:F" or "events:F" */
    PFK_SECTION,    /* guardrails: a mapping of its own keys */
} pf_kind;

enum { PF_TOP = 0, PF_GUARD = 1 };   /* where a key goes: the top level, or under guardrails: */

typedef struct pf_field {
    const char *key;      /* in the file */
    int section;          /* PF_TOP or PF_GUARD */
    const char *opt;      /* the `surge run` option, without "--"; NULL: none */
    char shortname;       /* its one-letter form, 0: none */
    pf_kind k;
    uint64_t lo, hi;      /* PFK_INT */
    size_t off;           /* where it lives in struct profile (PFK_SECTION: unused) */
} pf_field;

/* Every setting, in the order they are written and turned into options. */
extern const pf_field pf_fields[];
extern const size_t pf_nfields;

static inline char **pf_str(profile *p, const pf_field *f) { return (char **)((char *)p + f->off); }
static inline char *const *pf_cstr(const profile *p, const pf_field *f)
{
    return (char *const *)((const char *)p + f->off);
}
static inline profile_list *pf_list(profile *p, const pf_field *f) { return (profile_list *)((char *)p + f->off); }
static inline const profile_list *pf_clist(const profile *p, const pf_field *f)
{
    return (const profile_list *)((const char *)p + f->off);
}
static inline bool pf_is_list(pf_kind k) { return k == PFK_TAGS || k == PFK_LIST || k == PFK_OUTS; }

const pf_field *pf_field_by_key(const char *key, int section);

/* 0 if s is a good value for f; else -1 with what was expected in why
 * ("expected a whole number 1..1024"). Patterns are checked apart. */
int pf_check_value(const pf_field *f, const char *s, char *why, size_t n);

/* Parse a pattern: 0, or -1 with "PREFIX" + "WHAT: MSG at column N" and
 * the expression with a caret under the column (three lines) in err. */
int pf_check_pattern(const char *prefix, const char *what, const char *expr, char *err, size_t errlen);

/* A plain decimal: digits with at most one '.'; no sign, no exponent. */
bool pf_plain_decimal(const char *s, size_t len, double *out);

bool pf_ends_with(const char *s, const char *suffix);

/* Replace a string / append to a list (copies s). 0, or -1 out of memory. */
int pf_set_str(char **slot, const char *s);
int pf_list_push(profile_list *l, const char *s);

/* Read the file at path into p (profile_yaml.c). 0; 2 with
 * "FILE:LINE:COLUMN: message" in err; 1 out of memory. */
int pf_read(const char *path, profile *p, char *err, size_t errlen);

#endif
