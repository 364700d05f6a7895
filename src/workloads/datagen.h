/* datagen.h - realistic values for generated rows: names, emails, times. */
#ifndef SURGE_DATAGEN_H
#define SURGE_DATAGEN_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"

/* "Ada Lovelace"-like full name. Returns the length written (NUL-terminated). */
int dg_name(rng_t *r, char *buf, size_t len);

/* An email that is unique for (a, b, c) whatever the random part:
 * first.last.<a>.<b>.<c>@domain, numbers in base 36. */
int dg_email(rng_t *r, uint64_t a, uint64_t b, uint64_t c, char *buf, size_t len);

/* UTC ISO-8601 with milliseconds: 2026-11-23T07:00:00.123Z (24 chars). */
int dg_iso8601(double epoch_s, char *buf, size_t len);

/* UTC for a SQL timestamp column, with milliseconds: 2026-11-23 07:00:00.123
 * (every dialect reads this form). */
int dg_sql_timestamp(double epoch_s, char *buf, size_t len);

/* A product code like "SKU-04711". */
int dg_sku(rng_t *r, char *buf, size_t len);

#endif
