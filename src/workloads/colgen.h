/* colgen.h - values that fit a column of a schema surge found: the data
 * generators of seeding and of the crud workload.
 *
 * A plan is made once per column from what the catalog said of it (type,
 * length, precision, nullability, enum values, CHECK constraints of simple
 * forms) and from its name (a column called `email` gets emails, `price` a
 * money amount); then each value costs a few random numbers and at most one
 * short snprintf. Columns that must be unique take their value from a
 * number the caller makes unique (a row index, a counter): the plan maps
 * distinct numbers to distinct values.
 *
 * Foreign keys are not the plan's business: the caller picks parents.
 */
#ifndef SURGE_COLGEN_H
#define SURGE_COLGEN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/rng.h"
#include "drivers/driver.h"
#include "workloads/dialect.h"
#include "workloads/schema.h"

typedef enum cg_kind {
    CG_SKIP,        /* not written: identity, generated, or a default is the only safe value */
    CG_NULL,        /* nothing fits but NULL (an unknown type on a nullable column) */
    CG_INT, CG_FLOAT, CG_DECIMAL, CG_BOOL,
    CG_TEXT,        /* lorem words */
    CG_NAME, CG_FIRST_NAME, CG_LAST_NAME, CG_EMAIL, CG_PHONE, CG_CITY, CG_COUNTRY, CG_ADDRESS,
    CG_URL, CG_SKU, CG_CODE,    /* CODE: base-36 characters, for short or unique text */
    CG_CHOICE,      /* one of a list: enum values, CHECK (x IN (…)) */
    CG_DATE, CG_TIMESTAMP, CG_TIME,
    CG_UUID, CG_JSON, CG_BYTES, CG_INTERVAL, CG_INET,
} cg_kind;

typedef struct cg_col {
    const sc_column *col;
    int index;              /* in the table's columns */
    cg_kind kind;
    bool unique;            /* distinct `u` must give distinct values */
    bool nullable;
    int64_t lo, hi;         /* CG_INT range (inclusive) */
    double dlo, dhi;        /* CG_FLOAT / CG_DECIMAL range */
    int scale;              /* CG_DECIMAL digits after the point */
    int maxlen;             /* text: at most this many characters */
    int nchoices;
    char **choices;         /* CG_CHOICE, owned */
    dl_kind dialect;
    int buflen;             /* bytes a value needs in the caller's buffer */
} cg_col;

/* Plan the value of column `index` of `t`. `unique` when a primary or
 * unique key needs it distinct (the caller decides, as keys are tuples). */
void cg_plan(cg_col *g, const sc_table *t, int index, bool unique, dl_kind dialect);
void cg_free(cg_col *g);

/* A value for the column; `u` matters when the plan is unique. Text goes
 * into buf (g->buflen bytes), which the value points into. */
drv_value cg_value(const cg_col *g, rng_t *r, uint64_t u, char *buf);

/* Replace the plan by what a person asked for: "KIND" or "KIND:ARG" with
 * KIND a name from cg_kind_name (int, float, decimal, text, name, email,
 * phone, city, country, address, url, sku, code, choice, date, timestamp,
 * time, uuid, json, bool, null) and ARG "LO..HI" for numbers, "a|b|c" for
 * choice, a length for text and code. A unique column stays unique where
 * the kind allows. 0, or -1 with a message. */
int cg_override(cg_col *g, const char *spec, char *err, size_t errlen);

/* The name of a kind, for `surge seed --dry-run` and messages. */
const char *cg_kind_name(cg_kind k);

/* For unique text columns: the number a value made by this plan encodes
 * (the inverse of cg_value), or -1 when the text is not one of ours.
 * Lets a run continue after the largest value already in the table. */
int64_t cg_unique_number(const cg_col *g, const char *text);

#endif
