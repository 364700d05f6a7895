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

/* First or last name alone. */
int dg_first_name(rng_t *r, char *buf, size_t len);
int dg_last_name(rng_t *r, char *buf, size_t len);

/* "+1-555-0142-3371"-like phone number. */
int dg_phone(rng_t *r, char *buf, size_t len);

/* A city, a country, a street address ("42 Elm Street"), a URL. */
int dg_city(rng_t *r, char *buf, size_t len);
int dg_country(rng_t *r, char *buf, size_t len);
int dg_address(rng_t *r, char *buf, size_t len);
int dg_url(rng_t *r, char *buf, size_t len);

/* Lorem-ipsum words, up to len - 1 characters (at least one word if it fits). */
int dg_lorem(rng_t *r, char *buf, size_t len);

/* A UUID in the usual 8-4-4-4-12 form from two 64-bit halves (version 4
 * and variant bits set): different `lo` give different UUIDs. */
int dg_uuid(uint64_t hi, uint64_t lo, char *buf, size_t len);

/* `v` in base 36 (0-9a-z), left-padded with '0' to `width` characters
 * (more when it needs more). */
int dg_base36(uint64_t v, int width, char *buf, size_t len);

#endif
