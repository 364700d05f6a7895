/* migrate.h - applying numbered SQL files from a folder, once each, in
 * order, recorded in a table (surge migrate, and a workload's migrations
 * folder applied before it starts).
 *
 * Files are named NNN_name.sql (any number of digits), applied in numeric
 * order (2 before 10); other files are skipped with a note. Each applied
 * file leaves a row in surge_migrations(version, name, checksum,
 * applied_at, duration_ms); the checksum (FNV-1a 64, hex) of a file
 * already applied must not change. Where DDL is transactional (SQLite,
 * PostgreSQL, SQL Server) a file and its row commit together; on MySQL /
 * MariaDB DDL commits by itself, so a file is applied and then recorded.
 * A lock (pg_advisory_lock, GET_LOCK, BEGIN IMMEDIATE, sp_getapplock)
 * keeps two runs at once from applying a file twice.
 */
#ifndef SURGE_MIGRATE_H
#define SURGE_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "drivers/driver.h"

/* Apply the pending files of dir on an open connection c of driver d.
 * log NULL: quiet; else one line per file applied or skipped (and a note
 * per ignored file). 0 done (nothing pending is also done); -2 bad input
 * (no such folder, a badly named or duplicate-numbered file, a file whose
 * recorded checksum changed, a driver without SQL); -1 a statement failed
 * (the files before it stay applied). err gets a one-line message. */
int migrate_apply(const drv_ops *d, drv_conn *c, const char *dir, FILE *log, char *err, size_t errlen);

/* What migrate_run does. */
typedef enum migrate_mode {
    MIGRATE_APPLY = 0,
    MIGRATE_DRY_RUN,      /* list the files that would be applied; change nothing */
    MIGRATE_STATUS,       /* list applied (from the table) and pending files (dir may be NULL) */
} migrate_mode;

typedef struct migrate_opts {
    migrate_mode mode;
    bool allow_changed;   /* a changed checksum of an applied file is a warning, not an error */

    /* Filled in: */
    int applied;          /* files applied by this call (MIGRATE_APPLY) */
    int pending;          /* files not applied: still to apply (dry run, status), or left by a failure */
    int done_before;      /* files found already applied */
} migrate_opts;

/* migrate_apply with options (o filled in with counts). Same return
 * values. c NULL: a database that does not exist yet (a SQLite file not
 * created), read as one with nothing applied; only for DRY_RUN and STATUS. */
int migrate_run(const drv_ops *d, drv_conn *c, const char *dir, migrate_opts *o, FILE *log,
                char *err, size_t errlen);

#endif
