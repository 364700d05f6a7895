/* seed.h - filling a schema's tables with generated rows (surge seed).
 *
 * seed.c plans each table (a generator per column from colgen.c, parents
 * for foreign keys, unique numbers for keys) and loads the rows through the
 * fastest path the driver has; seed_order.c decides the order. The public
 * entry point is surge_seed() in surge.h.
 */
#ifndef SURGE_SEED_H
#define SURGE_SEED_H

#include <stdbool.h>

#include "workloads/schema.h"

/* Order the selected tables parents first into order[] (indexes into
 * s->tables) and mark in deferred[t][k] the foreign keys filled by a
 * second pass (self-references, and nullable edges that break a cycle).
 * deferred[t] has room for each table's fkeys. The number of tables
 * ordered, or -1 with a message (a cycle through NOT NULL columns). */
int seed_order(const sc_schema *s, const bool *selected, int *order, bool **deferred, char *err, size_t errlen);

/* The index in s->tables of the table a foreign key references; -1 when
 * it was not read (another schema). */
int seed_parent_index(const sc_schema *s, const sc_table *t, const sc_fkey *f);

#endif
