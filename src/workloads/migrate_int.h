/* migrate_int.h - the parts of migrate.c that know nothing of databases:
 * a migrations folder read into numbered files (migrate_files.c). */
#ifndef SURGE_MIGRATE_INT_H
#define SURGE_MIGRATE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MG_MAX_FILE_BYTES (64u << 20)   /* one file's text, held in memory while it is applied */
#define MG_CHECKSUM_LEN   16            /* hex digits of FNV-1a 64 */

typedef struct mg_file {
    int64_t version;            /* the file name's leading number */
    char *name;                 /* the file name alone: "003_add_index.sql" */
    char *text;                 /* its contents, NUL-terminated */
    size_t len;
    char checksum[MG_CHECKSUM_LEN + 1];
} mg_file;

typedef struct mg_dir {
    mg_file *files;             /* in numeric order of version, no two alike */
    int n;
} mg_dir;

/* Read the NNN_name.sql files of path, sorted by number (2 before 10).
 * Other files are noted on log (when not NULL) and left out; hidden files
 * and folders are skipped quietly. 0, or -1 with a one-line message (no
 * such folder, a .sql file not named NNN_name.sql, two files with one
 * number, an unreadable or oversized file). */
int mg_dir_read(const char *path, mg_dir *out, FILE *log, char *err, size_t errlen);
void mg_dir_free(mg_dir *d);

/* FNV-1a 64 of the bytes, as 16 lowercase hex digits: a file's identity,
 * so an applied file that was edited afterwards is noticed. */
void mg_checksum(const char *text, size_t len, char out[MG_CHECKSUM_LEN + 1]);

/* True when sql holds no statement: only whitespace and comments (-- and
 * block comments, and # ones where hash_comments, as MySQL has). MySQL
 * refuses an empty query; such a file is recorded without running it. */
bool mg_sql_blank(const char *sql, bool hash_comments);

#endif
