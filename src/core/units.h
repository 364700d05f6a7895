/* units.h - durations and rates as people write them. */
#ifndef SURGE_UNITS_H
#define SURGE_UNITS_H

#include <stddef.h>

/* Parse a whole string as a duration: "500ms", "30s", "5m", "2h", "1h30m",
 * "250us", "1.5s", or a bare number meaning seconds. Returns 0 and sets
 * *seconds (>= 0) on success, -1 on anything else (empty, negative, junk,
 * unknown unit, overflow). */
int units_parse_duration(const char *s, double *seconds);

/* Parse a rate: "100", "100/s", "30/m", "2/h", "0.5". Returns 0 and sets
 * *per_second (>= 0), -1 on bad input. */
int units_parse_rate(const char *s, double *per_second);

/* Format a duration for people: "850ms", "12.5s", "3m20s", "1h02m". */
char *units_format_duration(double seconds, char *buf, size_t len);

#endif
