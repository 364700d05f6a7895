/* migrate.c - `surge migrate URL --dir DIR`: apply numbered SQL files once
 * each, in order (libsurge's surge_migrate; docs/migrations.md). */
#include <stdio.h>
#include <string.h>

#include "options.h"

static void migrate_help(FILE *out)
{
    fprintf(out,
            "usage: surge migrate URL --dir DIR [--dry-run] [--allow-changed]\n"
            "       surge migrate URL --status [--dir DIR]\n\n"
            "Apply the files DIR/NNN_name.sql to the database, once each, in numeric\n"
            "order (2 before 10), each recorded in the table surge_migrations with its\n"
            "checksum. Running it again applies only the files added since. A file\n"
            "and its record commit together (SQLite, PostgreSQL, SQL Server); a file\n"
            "that fails stops the run (exit 1), the files before it stay applied.\n"
            "Two runs at once are kept apart by a lock: each file is applied once.\n\n"
            "options:\n"
            "  --dir DIR          the migrations folder\n"
            "  --dry-run          list the files that would be applied; change nothing\n"
            "  --status           list applied and pending files\n"
            "  --allow-changed    go on when an applied file was edited since (else exit 2)\n\n"
            "examples:\n"
            "  surge migrate sqlite:app.db --dir examples/migrations\n"
            "  surge migrate postgres://app@localhost/shop --dir db/migrations --dry-run\n"
            "  surge migrate mysql://root@127.0.0.1/app --status --dir db/migrations\n");
}

int cmd_migrate(int argc, char **argv)
{
    const char *url = NULL, *dir = NULL;
    unsigned flags = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            migrate_help(stdout);
            return 0;
        } else if (!strcmp(a, "--dir")) {
            if (i + 1 >= argc)
                return cli_usage_error("migrate: --dir needs a value (a folder of NNN_name.sql files)");
            dir = argv[++i];
        } else if (!strncmp(a, "--dir=", 6)) {
            dir = a + 6;
        } else if (!strcmp(a, "--dry-run")) {
            flags |= SURGE_MIGRATE_DRY_RUN;
        } else if (!strcmp(a, "--status")) {
            flags |= SURGE_MIGRATE_STATUS;
        } else if (!strcmp(a, "--allow-changed")) {
            flags |= SURGE_MIGRATE_ALLOW_CHANGED;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("migrate: unknown option '%s' (see surge migrate --help)", a);
        } else if (!url) {
            url = a;
        } else {
            return cli_usage_error("migrate: unexpected argument '%s' (one target URL)", a);
        }
    }
    if (!url)
        return cli_usage_error("migrate: no target given (e.g. surge migrate sqlite:app.db --dir migrations)");
    if (!dir && !(flags & SURGE_MIGRATE_STATUS))
        return cli_usage_error("migrate: no migrations folder given (--dir DIR)");
    if (dir && !*dir)
        return cli_usage_error("migrate: --dir: empty folder name");
    if ((flags & SURGE_MIGRATE_STATUS) && (flags & SURGE_MIGRATE_DRY_RUN))
        return cli_usage_error("migrate: --status and --dry-run: pick one");
    char err[2048];
    int rc = surge_migrate(url, dir, flags, stdout, err, sizeof err);
    fflush(stdout);
    if (rc != 0) {
        fprintf(stderr, "surge: %s\n", err);
        return rc == SURGE_EINPUT ? 2 : 1;
    }
    return 0;
}
