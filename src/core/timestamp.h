/* timestamp.h - a message's send time, read back from its JSON text.
 *
 * Producers stamp each message with the wall clock ("timestamp": "{now}"
 * in a template, docs/messages.md); a consumer reads the stamp back to
 * measure how long the message waited. Surge's own consumers (the Redis
 * driver's) and the tests of the templates share this one reader, so they
 * agree on what a timestamp is.
 *
 * What is read: the value of the first key named "timestamp" in the text,
 * at any depth, in text order (a string value that says "timestamp" is not
 * a key), as either
 *   - an ISO-8601 string: "2026-11-23T11:23:29.123456Z". 'T', 't' or a
 *     space between date and time; any number of fraction digits after '.'
 *     or ','; then 'Z', an offset +hh:mm / -hh:mm / +hhmm, or nothing (UTC);
 *   - a number of epoch seconds, milliseconds, microseconds or nanoseconds,
 *     told apart by size: below 1e11 seconds (until the year 5138), then
 *     below 1e14 milliseconds, below 1e17 microseconds, else nanoseconds.
 * A time before 1970 is not a send time and does not read.
 */
#ifndef SURGE_TIMESTAMP_H
#define SURGE_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>

/* The time in json[0..len) (need not be NUL-terminated) in seconds since
 * the epoch (UTC) into *epoch_s: 0. -1 when there is no "timestamp" key or
 * its value does not read as a time; *epoch_s is then left alone. */
int ts_find_json(const char *json, size_t len, double *epoch_s);

/* The same time in nanoseconds since the epoch, for latencies kept in
 * nanoseconds: exact for an ISO string (fraction digits past the ninth are
 * dropped) and for a whole number; a number with a fraction or an exponent
 * is as exact as the double it reads as. -1 also for a time past
 * 2262-04-11, which does not fit. */
int ts_find_json_ns(const char *json, size_t len, int64_t *epoch_ns);

#endif
