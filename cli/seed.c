/* seed.c - `surge seed URL`: fill a database's tables with generated rows
 * that fit every column and foreign key (libsurge's surge_seed). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"

#define MAX_TABLE_ROWS 256

static void seed_help(FILE *out)
{
    fprintf(out,
            "usage: surge seed URL [options]\n\n"
            "Fill the database's tables with generated rows, parents before children:\n"
            "values fit each column's type, length, precision, enum and simple CHECKs,\n"
            "keys stay unique, foreign keys point at rows that exist. A value generator\n"
            "is chosen per column from its type and name (email, name, price, ...).\n"
            "PostgreSQL loads with COPY; the others with multi-row prepared INSERTs.\n\n"
            "options:\n"
            "  --rows N            rows to add to each table (default 1000)\n"
            "  --table NAME=N      rows for one table (repeatable; overrides --rows)\n"
            "  --tables A,B        only these tables (the others are read as parents)\n"
            "  --column T.C=GEN    a column's generator by hand (repeatable): int:18..90, decimal:0..99,\n"
            "                      choice:new|paid|shipped, text:40, code:8, name, email, phone, city,\n"
            "                      country, address, url, date, timestamp, uuid, json, bool, null\n"
            "  --seed N            same seed, same schema, same starting rows: same data\n"
            "  --workload NAME     create a built-in workload's schema and seed it instead\n"
            "  --scale N           with --workload: data size factor (default 1)\n"
            "  --fresh             with --workload: drop its tables first\n"
            "  --dry-run           print the plan (order, rows, generator per column); write nothing\n"
            "  --quiet             no progress bar\n\n"
            "examples:\n"
            "  surge seed postgres://app@localhost/shop --rows 100000 --seed 7\n"
            "  surge seed mysql://root@127.0.0.1/app --table orders=50000 --table customers=5000\n"
            "  surge seed sqlite:shop.db --workload ecommerce --scale 10\n");
}

typedef struct bar {
    bool tty;
    double last_line;
} bar;

/* A bar on a terminal, redrawn in place; elsewhere a line per table. */
static void on_progress(const surge_seed_progress *p, void *user)
{
    bar *b = user;
    double rate = p->elapsed_s > 0 ? (double)p->done / p->elapsed_s : 0;
    if (b->tty) {
        int width = 30, fill = p->total > 0 ? (int)((double)p->done * width / (double)p->total) : width;
        char cells[64];
        for (int i = 0; i < width; i++)
            cells[i] = i < fill ? '#' : '.';
        cells[width] = '\0';
        fprintf(stderr, "\r\033[K[%s] %3.0f%%  %" PRId64 "/%" PRId64 " rows  %.0f rows/s  %s",
                cells, p->total > 0 ? 100.0 * (double)p->done / (double)p->total : 100.0, p->done, p->total, rate,
                p->table);
    } else if (p->table_finished) {
        fprintf(stderr, "seeded %s: %" PRId64 " rows (%" PRId64 "/%" PRId64 " in all, %.0f rows/s)\n", p->table,
                p->table_done, p->done, p->total, rate);
    }
}

static int parse_count(const char *opt, const char *arg, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(arg, &end, 10);
    if (!*arg || *end || errno || v < 0)
        return cli_usage_error("seed: %s: expected a whole number of 0 or more, got \"%s\"", opt, arg);
    *out = v;
    return 0;
}

int cmd_seed(int argc, char **argv)
{
    surge_seed_config cfg;
    surge_seed_config_init(&cfg);
    const char *table_rows[MAX_TABLE_ROWS + 1] = { 0 }, *columns[MAX_TABLE_ROWS + 1] = { 0 };
    int ntable = 0, ncolumns = 0;
    bool quiet = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = !strcmp(a, "--rows") || !strcmp(a, "--table") || !strcmp(a, "--tables") || !strcmp(a, "--column") || !strcmp(a, "--seed") ||
                     !strcmp(a, "--workload") || !strcmp(a, "--scale");
        if (takes && !v)
            return cli_usage_error("seed: %s needs a value", a);
        int64_t n;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            seed_help(stdout);
            return 0;
        } else if (!strcmp(a, "--rows")) {
            if (parse_count(a, v, &cfg.rows))
                return 2;
        } else if (!strcmp(a, "--table")) {
            if (ntable == MAX_TABLE_ROWS)
                return cli_usage_error("seed: at most %d --table options", MAX_TABLE_ROWS);
            table_rows[ntable++] = v;
        } else if (!strcmp(a, "--column")) {
            if (ncolumns == MAX_TABLE_ROWS)
                return cli_usage_error("seed: at most %d --column options", MAX_TABLE_ROWS);
            columns[ncolumns++] = v;
        } else if (!strcmp(a, "--tables")) {
            cfg.tables = v;
        } else if (!strcmp(a, "--seed")) {
            if (parse_count(a, v, &n))
                return 2;
            cfg.seed = (uint64_t)n;
            cfg.has_seed = true;
        } else if (!strcmp(a, "--workload")) {
            cfg.workload = v;
        } else if (!strcmp(a, "--scale")) {
            if (parse_count(a, v, &n) || n < 1 || n > 100000)
                return cli_usage_error("seed: --scale: expected 1..100000, got \"%s\"", v);
            cfg.scale = (int)n;
        } else if (!strcmp(a, "--fresh")) {
            cfg.fresh = true;
        } else if (!strcmp(a, "--dry-run")) {
            cfg.dry_run = true;
        } else if (!strcmp(a, "--quiet")) {
            quiet = true;
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("seed: unknown option '%s' (see surge seed --help)", a);
        } else if (!cfg.target) {
            cfg.target = a;
            continue;
        } else {
            return cli_usage_error("seed: unexpected argument '%s' (one target URL)", a);
        }
        i += takes;
    }
    if (!cfg.target)
        return cli_usage_error("seed: no target given (e.g. surge seed sqlite:app.db --rows 1000)");
    cfg.table_rows = ntable ? table_rows : NULL;
    cfg.columns = ncolumns ? columns : NULL;
    bar b = { .tty = isatty(STDERR_FILENO) };
    if (!quiet && !cfg.dry_run) {
        cfg.on_progress = on_progress;
        cfg.user = &b;
    }
    char err[2048];
    int rc = surge_seed(&cfg, err, sizeof err);
    if (b.tty && cfg.on_progress)
        fputs("\r\033[K", stderr);
    if (rc != 0) {
        fprintf(stderr, "surge: %s\n", err);
        return rc == SURGE_EINPUT ? 2 : 1;
    }
    if (!cfg.dry_run)
        printf("seeded %" PRId64 " rows in %.2f s (%.0f rows/s), seed %" PRIu64 "\n", cfg.rows_written, cfg.seconds,
               cfg.seconds > 0 ? (double)cfg.rows_written / cfg.seconds : 0.0, cfg.seed_used);
    return 0;
}
