/* message.h - JSON messages for queue targets, built from a template.
 *
 * A template is a JSON (or YAML) object whose strings may hold generator
 * placeholders: "job_{seq}", "{now}", "{walk(100, 0.5)}". It is compiled
 * once into a flat list of literal runs and value slots, so rendering a
 * message is a loop of memcpy and small integer formatting: no parsing, no
 * printf for numbers and timestamps, no allocation once the buffers have
 * grown (see docs/messages.md for the language).
 *
 * A compiled template is read-only and may be shared by threads; each
 * producer connection renders with its own msg_state (sequence numbers,
 * random-walk positions, buffers) and its own rng stream.
 *
 * A consumer reads a message's send time back with ts_find_json
 * (core/timestamp.h).
 */
#ifndef SURGE_MESSAGE_H
#define SURGE_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/rng.h"
#include "core/strbuf.h"

typedef struct msg_template msg_template;

/* A built-in template by name ("job", "snapshot"), else a file: JSON when
 * the name ends in ".json", YAML otherwise (JSON is also valid YAML). NULL
 * with a one-line message in err on failure: "FILE:LINE:COLUMN: what" for a
 * mistake in the file (the user's mistake: exit 2), "FILE: reason" when it
 * cannot be read. Lines and columns count from 1, columns in characters. */
msg_template *msg_load(const char *name_or_path, char *err, size_t errlen);

/* Compile text[0..len) (need not be NUL-terminated). `origin` names it in
 * messages and decides the syntax: JSON when it ends in ".json", else YAML. */
msg_template *msg_compile(const char *text, size_t len, const char *origin, char *err, size_t errlen);

void msg_free(msg_template *t);   /* NULL is a no-op */

/* The built-in names, NULL-terminated, and a built-in's source (pretty JSON,
 * for `surge workloads queue` and the docs); NULL for an unknown name. */
const char *const *msg_builtin_names(void);
const char *msg_builtin_text(const char *name);

/* Per-producer state: the next sequence number, each walk()'s position,
 * the buffers a message is assembled in. */
typedef struct msg_state msg_state;

/* Producer `stream` of `nstreams` (0 <= stream < nstreams) numbers its
 * messages stream, stream + nstreams, stream + 2*nstreams ...: {seq}, and so
 * ids, are unique across all producers of a run without sharing a counter.
 * Walks start at their base. NULL when out of memory. */
msg_state *msg_state_new(const msg_template *t, int stream, int nstreams);
void msg_state_free(msg_state *s);   /* NULL is a no-op */

/* The sequence number the next msg_render will use. */
uint64_t msg_state_next_seq(const msg_state *s);

/* Append one message to out: one object of compact JSON, no newline.
 * s must come from msg_state_new(t, ...). now_wall: seconds since the epoch
 * (UTC, wall clock: it only feeds timestamps a consumer compares with its
 * own clock), read once so every {now} of a message agrees. rng: the
 * caller's stream (each draw advances it, so a seed repeats the run).
 *
 * id (may be NULL): the message's id is appended, unescaped: the text of
 * the first field, in document order, whose template uses {seq} (so it is
 * unique), else the sequence number in decimal.
 *
 * Out of memory shows as out->oom (strbuf's rule). */
void msg_render(const msg_template *t, msg_state *s, rng_t *rng, double now_wall, strbuf *out, strbuf *id);

#endif
