/* fmt.h - numbers and text for people, shared by the summary and the display.
 *
 * Numbers keep three significant digits and step through units, so a column
 * of them stays narrow and readable at any scale ("412us", "1.23ms",
 * "12.4k/s"). Text from outside (error messages from the server, the target,
 * the pattern) goes through fmt_clean before it reaches a terminal: a
 * message may hold newlines, escape sequences or broken UTF-8, and any of
 * them would garble the live panel or the user's terminal.
 *
 * Every function writes a NUL-terminated string into buf and returns buf;
 * FMT_LEN bytes are enough for any of the number formats. Output is cut
 * (still terminated) when buf is shorter.
 */
#ifndef SURGE_FMT_H
#define SURGE_FMT_H

#include <stddef.h>
#include <stdint.h>

#define FMT_LEN 32

/* Milliseconds: "0", "412ns", "41.2us", "1.23ms", "12.3ms", "123ms",
 * "1.23s", "3600s". At most 6 characters below 1000 s. "-" when the value
 * is not finite or negative. */
char *fmt_ms(double ms, char *buf, size_t len);

/* A count, compact: exact below 10000, then "12.4k", "124k", "1.24M", "1.24G". */
char *fmt_si(double v, char *buf, size_t len);

/* A count, exact, with thousands grouped: "1,234,567". */
char *fmt_count(uint64_t n, char *buf, size_t len);

/* Operations per second: "0.05/s", "498.2/s", "12.4k/s"; "-" when not finite. */
char *fmt_rate(double per_s, char *buf, size_t len);

/* part as a share of whole: "41.2%", "0.04%", "<0.01%", "100%"; "-" when
 * whole is 0. */
char *fmt_pct(double part, double whole, char *buf, size_t len);

/* Seconds as a duration: "850ms", "12.5s", "3m20s", "1h02m"; "-" when the
 * value is not finite or negative. */
char *fmt_duration(double s, char *buf, size_t len);

/* Length in bytes of the well-formed UTF-8 sequence at s (1 to 4; ASCII is
 * 1), or 0 when the bytes there are not one: a stray continuation byte, an
 * overlong form, a surrogate, a value past U+10FFFF, or a sequence cut short
 * (n is how many bytes may be read). */
size_t fmt_utf8_len(const unsigned char *s, size_t n);

/* s as one line that is safe to print on a terminal: newlines and tabs
 * become one space, other control characters (C0, DEL, C1) and bytes that
 * are not well-formed UTF-8 become '?'. Cut to at most max_cols columns
 * (0: no limit) with "..." at the end when it was cut. NULL prints as "".
 * One code point counts as one column (wide CJK characters take two on a
 * real terminal: a known limit). */
char *fmt_clean(const char *s, size_t max_cols, char *buf, size_t len);

/* Columns that s takes on a terminal: code points, not counting control
 * characters or CSI escape sequences (ESC '[' ... final byte). */
size_t fmt_cols(const char *s);

/* Make a number printed with printf machine-readable whatever the locale:
 * a host program that called setlocale(LC_ALL, "") may have made the
 * decimal point a comma, which would break JSON and CSV. Our formats never
 * group thousands, so any comma in s is that decimal point. */
void fmt_c_decimal(char *s);

#endif
