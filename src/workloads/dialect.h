/* dialect.h - what differs between SQL dialects in SQL that surge writes
 * for a schema it found (crud, seeding, stress): how identifiers are
 * quoted, how a row count is limited, how an insert hands back its key.
 *
 * Statements still use `?` placeholders everywhere; drivers rewrite them
 * for their server (driver.h).
 */
#ifndef SURGE_DIALECT_H
#define SURGE_DIALECT_H

#include <stdbool.h>

#include "core/strbuf.h"

typedef enum dl_kind { DL_SQLITE, DL_POSTGRES, DL_MYSQL, DL_MSSQL, DL_OTHER } dl_kind;

dl_kind dl_kind_of(const char *dialect);   /* "sqlite", "postgres", "mysql", "mssql"; else DL_OTHER */

/* Append `name` quoted so that any text is one identifier: "a""b" (SQLite,
 * PostgreSQL), `a``b` (MySQL), [a]]b] (SQL Server). */
void dl_quote(strbuf *b, dl_kind k, const char *name);

/* Append schema.table, both quoted; schema NULL or "" (SQLite's main): the
 * table alone. */
void dl_table(strbuf *b, dl_kind k, const char *schema, const char *name);

/* Row limits: SQL Server puts TOP (n) after SELECT, the others LIMIT n at
 * the end. Call dl_select_top right after "SELECT " and dl_limit at the end;
 * each appends nothing where the other form applies. */
void dl_select_top(strbuf *b, dl_kind k, long n);
void dl_limit(strbuf *b, dl_kind k, long n);

/* Handing back a generated key from an INSERT: PostgreSQL and SQLite
 * append RETURNING col after VALUES (…), SQL Server puts OUTPUT INSERTED.col
 * before VALUES; MySQL has none (the driver reports LAST_INSERT_ID()).
 * Call dl_output_key before " VALUES" and dl_returning_key at the end. */
void dl_output_key(strbuf *b, dl_kind k, const char *col);
void dl_returning_key(strbuf *b, dl_kind k, const char *col);

/* The expression that draws a random number in a query's ORDER BY. */
const char *dl_random(dl_kind k);

#endif
