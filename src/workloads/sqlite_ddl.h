/* sqlite_ddl.h - what SQLite's catalog keeps only as text, read out of it:
 * sizes in declared column types, and CHECK constraints in the CREATE
 * TABLE statement (sqlite_schema.sql). For schema_sqlite.c; apart so the
 * scanners can be tested and fuzzed on their own.
 */
#ifndef SURGE_SQLITE_DDL_H
#define SURGE_SQLITE_DDL_H

#include "workloads/schema.h"

/* From a declared type ("VARCHAR(5)", "NUMERIC(6,2)", "unsigned big int"):
 * col->base_type (heap: lower case, no size, one blank between words) and
 * col->length / precision / scale (-1 where the type has none). 0, or -1
 * when out of memory (base_type NULL then). */
int sqlite_ddl_type(const char *declared, sc_column *col);

/* Append every CHECK (expr) of a CREATE TABLE text to *checks (heap,
 * *nchecks counting), column- and table-level alike, in the order written:
 * expr is the text between the parentheses, trimmed; name the CONSTRAINT
 * name before it (unquoted), or NULL. Strings, quoted names and comments
 * are skipped, parentheses balanced. 0, or -1 when out of memory (what was
 * appended stays, counted, for the caller to free). */
int sqlite_ddl_checks(const char *create_sql, sc_check **checks, int *nchecks);

#endif
