/* migrate.c - numbered SQL files applied once each, in order, recorded in
 * surge_migrations (see migrate.h; the folder is read by migrate_files.c).
 *
 * Order of a run: take the lock, create the table if missing, read what it
 * records, refuse when an applied file changed, then per pending file:
 * begin, look again (another run may have applied it while this one
 * waited), run the file's text, insert its row, commit. A file and its row
 * commit together where DDL is transactional (SQLite, PostgreSQL, SQL
 * Server); MySQL and MariaDB commit each DDL statement as it runs, so there
 * the transaction only covers DML and the row is written after the file.
 *
 * A file's text goes to the driver's exec() whole: every server here parses
 * several statements itself (SQLite's sqlite3_exec, PostgreSQL's simple
 * query protocol, MySQL with CLIENT_MULTI_STATEMENTS, SQL Server batches
 * split at GO lines by the driver), and the server's own parser is the one
 * that knows dollar quoting, BEGIN ... END bodies and comments. Splitting
 * here would only be a second, weaker copy of it.
 */
#include "workloads/migrate.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "surge.h"
#include "workloads/dialect.h"
#include "workloads/migrate_int.h"

#define MG_TABLE        "surge_migrations"
#define MG_LOCK_WAIT_S  600.0          /* how long a run waits for another run's lock */
#define MG_PG_LOCK_KEY  "495874549605" /* 0x7375726765, "surge" in ASCII: pg_advisory_lock's key */
#define MG_LOCK_NAME    "surge_migrations"

/* One row of surge_migrations. */
typedef struct mg_record {
    int64_t version;
    char name[256];
    char checksum[65];
    char applied_at[32];
    int64_t duration_ms;
} mg_record;

typedef struct mg_records {
    mg_record *r;
    int n, cap;
    bool oom;
} mg_records;

typedef struct mg_ctx {
    const drv_ops *d;
    drv_conn *c;
    dl_kind k;
    char table[64];             /* MG_TABLE quoted for the dialect */
    FILE *log;
    char *err;
    size_t errlen;
} mg_ctx;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void pause_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- SQL per dialect ----------------------------------------------------- */

static const char *tx_begin(dl_kind k)
{
    /* SQLite: IMMEDIATE takes the write lock now, which is the lock that
     * keeps two runs apart there (the others use a lock of their own). */
    return k == DL_SQLITE ? "BEGIN IMMEDIATE" : k == DL_MYSQL ? "START TRANSACTION" : k == DL_MSSQL ? "BEGIN TRANSACTION" : "BEGIN";
}

static const char *tx_commit(dl_kind k)
{
    return k == DL_MSSQL ? "COMMIT TRANSACTION" : "COMMIT";
}

static const char *tx_rollback(dl_kind k)
{
    return k == DL_MSSQL ? "IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION" : "ROLLBACK";
}

static void sql_create(const mg_ctx *m, char *buf, size_t len)
{
    switch (m->k) {
    case DL_SQLITE:
        snprintf(buf, len, "CREATE TABLE IF NOT EXISTS %s (version BIGINT PRIMARY KEY, name TEXT NOT NULL, "
                           "checksum TEXT NOT NULL, applied_at TEXT NOT NULL, duration_ms BIGINT NOT NULL)", m->table);
        break;
    case DL_POSTGRES:
        snprintf(buf, len, "CREATE TABLE IF NOT EXISTS %s (version BIGINT PRIMARY KEY, name TEXT NOT NULL, "
                           "checksum VARCHAR(64) NOT NULL, applied_at TIMESTAMPTZ NOT NULL, "
                           "duration_ms BIGINT NOT NULL)", m->table);
        break;
    case DL_MYSQL:
        snprintf(buf, len, "CREATE TABLE IF NOT EXISTS %s (version BIGINT PRIMARY KEY, name VARCHAR(255) NOT NULL, "
                           "checksum VARCHAR(64) NOT NULL, applied_at DATETIME NOT NULL, "
                           "duration_ms BIGINT NOT NULL)", m->table);
        break;
    default:
        snprintf(buf, len, "IF OBJECT_ID(N'%s', N'U') IS NULL CREATE TABLE %s (version BIGINT NOT NULL PRIMARY KEY, "
                           "name NVARCHAR(255) NOT NULL, checksum VARCHAR(64) NOT NULL, "
                           "applied_at DATETIME2(0) NOT NULL, duration_ms BIGINT NOT NULL)", MG_TABLE, m->table);
        break;
    }
}

static const char *sql_exists(dl_kind k)
{
    switch (k) {
    case DL_SQLITE:   return "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '" MG_TABLE "'";
    case DL_POSTGRES: return "SELECT 1 WHERE to_regclass('" MG_TABLE "') IS NOT NULL";
    case DL_MYSQL:    return "SELECT 1 FROM information_schema.tables WHERE table_schema = DATABASE() "
                             "AND table_name = '" MG_TABLE "'";
    default:          return "SELECT 1 WHERE OBJECT_ID(N'" MG_TABLE "', N'U') IS NOT NULL";
    }
}

/* applied_at as text, UTC, the same shape everywhere. */
static const char *applied_text(dl_kind k)
{
    switch (k) {
    case DL_SQLITE:   return "applied_at";
    case DL_POSTGRES: return "to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')";
    case DL_MYSQL:    return "DATE_FORMAT(applied_at, '%Y-%m-%d %H:%i:%s')";
    default:          return "CONVERT(varchar(19), applied_at, 120)";
    }
}

static const char *utc_now(dl_kind k)
{
    switch (k) {
    case DL_SQLITE:   return "strftime('%Y-%m-%d %H:%M:%S', 'now')";
    case DL_POSTGRES: return "now()";
    case DL_MYSQL:    return "UTC_TIMESTAMP()";
    default:          return "SYSUTCDATETIME()";
    }
}

/* ---- the table ----------------------------------------------------------- */

static int on_record(void *user, int ncols, const char *const *v)
{
    mg_records *rs = user;
    if (ncols < 5 || !v[0])
        return 0;
    if (rs->n == rs->cap) {
        int ncap = rs->cap ? rs->cap * 2 : 64;
        mg_record *grown = realloc(rs->r, sizeof *grown * (size_t)ncap);
        if (!grown) {
            rs->oom = true;
            return 1;
        }
        rs->r = grown;
        rs->cap = ncap;
    }
    mg_record *r = &rs->r[rs->n++];
    memset(r, 0, sizeof *r);
    r->version = strtoll(v[0], NULL, 10);
    snprintf(r->name, sizeof r->name, "%s", v[1] ? v[1] : "");
    snprintf(r->checksum, sizeof r->checksum, "%s", v[2] ? v[2] : "");
    snprintf(r->applied_at, sizeof r->applied_at, "%s", v[3] ? v[3] : "");
    r->duration_ms = v[4] ? strtoll(v[4], NULL, 10) : 0;
    return 0;
}

static int on_any_row(void *user, int ncols, const char *const *v)
{
    (void)ncols;
    (void)v;
    *(bool *)user = true;
    return 1;
}

static int table_exists(mg_ctx *m, bool *exists)
{
    *exists = false;
    if (!m->c)
        return 0;
    return m->d->query(m->c, sql_exists(m->k), 0, NULL, on_any_row, exists, m->err, m->errlen);
}

static int read_records(mg_ctx *m, mg_records *rs)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT version, name, checksum, %s, duration_ms FROM %s ORDER BY version",
             applied_text(m->k), m->table);
    if (m->d->query(m->c, sql, 0, NULL, on_record, rs, m->err, m->errlen) != 0)
        return -1;
    if (rs->oom) {
        snprintf(m->err, m->errlen, "migrate: out of memory");
        return -1;
    }
    return 0;
}

static const mg_record *find_record(const mg_records *rs, int64_t version)
{
    for (int i = 0; i < rs->n; i++)
        if (rs->r[i].version == version)
            return &rs->r[i];
    return NULL;
}

/* ---- the lock ------------------------------------------------------------ */

static int on_first_value(void *user, int ncols, const char *const *v)
{
    char *out = user;
    snprintf(out, 32, "%s", ncols > 0 && v[0] ? v[0] : "");
    return 1;
}

/* One try at the lock: 1 taken, 0 held by another run, -1 error. GET_LOCK
 * and sp_getapplock wait up to a second themselves; the others answer at
 * once. The MySQL lock is named per database, like the others are. */
static int lock_try(mg_ctx *m)
{
    const char *sql;
    switch (m->k) {
    case DL_POSTGRES:
        sql = "SELECT pg_try_advisory_lock(" MG_PG_LOCK_KEY ")";
        break;
    case DL_MYSQL:
        sql = "SELECT GET_LOCK(LEFT(CONCAT('" MG_LOCK_NAME ".', COALESCE(DATABASE(), '')), 64), 1)";
        break;
    default:
        sql = "DECLARE @r int; EXEC @r = sp_getapplock @Resource = N'" MG_LOCK_NAME "', @LockMode = 'Exclusive', "
              "@LockOwner = 'Session', @LockTimeout = 1000; SELECT @r";
        break;
    }
    char v[32] = "";
    if (m->d->query(m->c, sql, 0, NULL, on_first_value, v, m->err, m->errlen) != 0)
        return -1;
    if (m->k == DL_POSTGRES)
        return v[0] == 't';
    if (m->k == DL_MYSQL && !v[0]) {
        snprintf(m->err, m->errlen, "mysql: GET_LOCK failed");
        return -1;
    }
    return atoi(v) >= (m->k == DL_MYSQL ? 1 : 0);
}

static int lock_take(mg_ctx *m)
{
    if (m->k == DL_SQLITE)
        return 0;   /* each file's BEGIN IMMEDIATE */
    double deadline = now_s() + MG_LOCK_WAIT_S;
    bool said = false;
    for (;;) {
        int got = lock_try(m);
        if (got != 0)
            return got > 0 ? 0 : -1;
        if (now_s() > deadline) {
            snprintf(m->err, m->errlen, "migrate: another run held the migration lock for %.0f s; gave up",
                     MG_LOCK_WAIT_S);
            return -1;
        }
        if (m->log && !said)
            fprintf(m->log, "waiting for another surge migrate to finish\n");
        said = true;
        if (m->k == DL_POSTGRES)
            pause_ms(200);
    }
}

static void lock_release(mg_ctx *m)
{
    char ignored[DRV_ERRMSG], v[32];
    switch (m->k) {
    case DL_POSTGRES:
        m->d->query(m->c, "SELECT pg_advisory_unlock(" MG_PG_LOCK_KEY ")", 0, NULL, on_first_value, v, ignored,
                    sizeof ignored);
        break;
    case DL_MYSQL:
        m->d->query(m->c, "SELECT RELEASE_LOCK(LEFT(CONCAT('" MG_LOCK_NAME ".', COALESCE(DATABASE(), '')), 64))",
                    0, NULL, on_first_value, v, ignored, sizeof ignored);
        break;
    case DL_MSSQL:
        m->d->exec(m->c, "EXEC sp_releaseapplock @Resource = N'" MG_LOCK_NAME "', @LockOwner = 'Session'", ignored,
                   sizeof ignored);
        break;
    default:
        break;
    }
}

/* SQLite's lock is the write transaction: busy_timeout waits a few
 * seconds inside BEGIN IMMEDIATE, this waits for a long migration. */
static int begin(mg_ctx *m)
{
    double deadline = now_s() + MG_LOCK_WAIT_S;
    for (;;) {
        if (m->d->exec(m->c, tx_begin(m->k), m->err, m->errlen) == 0)
            return 0;
        bool busy = m->k == DL_SQLITE && (strstr(m->err, "locked") || strstr(m->err, "busy"));
        if (!busy || now_s() > deadline)
            return -1;
        pause_ms(100);
    }
}

/* ---- applying ------------------------------------------------------------ */

static void rollback(mg_ctx *m)
{
    char ignored[DRV_ERRMSG];
    m->d->exec(m->c, tx_rollback(m->k), ignored, sizeof ignored);
}

/* The file's version recorded now (another run may have written it since
 * this one read the table): its checksum in sum, or "" when not. */
static int recorded_now(mg_ctx *m, const mg_file *f, char sum[32])
{
    char sql[128], ver[24];
    snprintf(sql, sizeof sql, "SELECT checksum FROM %s WHERE version = ?", m->table);
    snprintf(ver, sizeof ver, "%" PRId64, f->version);
    const char *params[1] = { ver };
    sum[0] = '\0';
    return m->d->query(m->c, sql, 1, params, on_first_value, sum, m->err, m->errlen);
}

static int record(mg_ctx *m, const mg_file *f, int64_t ms)
{
    char sql[256], ver[24], dur[24];
    snprintf(sql, sizeof sql, "INSERT INTO %s (version, name, checksum, applied_at, duration_ms) VALUES (?, ?, ?, %s, ?)",
             m->table, utc_now(m->k));
    snprintf(ver, sizeof ver, "%" PRId64, f->version);
    snprintf(dur, sizeof dur, "%" PRId64, ms);
    const char *params[4] = { ver, f->name, f->checksum, dur };
    return m->d->query(m->c, sql, 4, params, NULL, NULL, m->err, m->errlen);
}

/* Why a failed file left what it left, for the message. */
static const char *after_failure(dl_kind k)
{
    return k == DL_MYSQL ? "not recorded; MySQL commits DDL as it runs, so statements before the failing one may "
                           "have taken effect: see docs/migrations.md"
                         : "rolled back, not recorded";
}

/* 1 applied, 0 found applied meanwhile, -1 failed (message in m->err). */
static int apply_one(mg_ctx *m, const mg_file *f, int64_t *ms)
{
    if (begin(m) != 0) {
        char why[DRV_ERRMSG];
        snprintf(why, sizeof why, "%s", m->err);
        snprintf(m->err, m->errlen, "migrate: %s: cannot begin a transaction: %s", f->name, why);
        return -1;
    }
    char sum[32];
    if (recorded_now(m, f, sum) != 0)
        goto failed;
    if (sum[0]) {
        rollback(m);
        return 0;
    }
    double t0 = now_s();
    if (!mg_sql_blank(f->text, m->k == DL_MYSQL) && m->d->exec(m->c, f->text, m->err, m->errlen) != 0)
        goto failed;
    *ms = (int64_t)((now_s() - t0) * 1000.0 + 0.5);
    if (record(m, f, *ms) != 0 || m->d->exec(m->c, tx_commit(m->k), m->err, m->errlen) != 0)
        goto failed;
    return 1;
failed:;
    char why[DRV_ERRMSG * 2];
    snprintf(why, sizeof why, "%s", m->err);
    rollback(m);
    snprintf(m->err, m->errlen, "migrate: %s: %s (%s)", f->name, why, after_failure(m->k));
    return -1;
}

/* An applied file whose text changed: an error, or with allow_changed a
 * warning. -2 (message in m->err) or 0. */
static int check_changed(mg_ctx *m, const mg_dir *dir, const mg_records *rs, bool allow_changed)
{
    for (int i = 0; i < dir->n; i++) {
        const mg_file *f = &dir->files[i];
        const mg_record *r = find_record(rs, f->version);
        if (!r || strcmp(r->checksum, f->checksum) == 0)
            continue;
        if (!allow_changed) {
            snprintf(m->err, m->errlen,
                     "migrate: %s was changed after it was applied (checksum %s, recorded %s); "
                     "restore it, or pass --allow-changed",
                     f->name, f->checksum, r->checksum);
            return -2;
        }
        if (m->log)
            fprintf(m->log, "warning: %s was changed after it was applied (--allow-changed: not applied again)\n",
                    f->name);
    }
    return 0;
}

static void note_missing(mg_ctx *m, const mg_dir *dir, const mg_records *rs)
{
    for (int i = 0; i < rs->n && m->log; i++) {
        bool found = false;
        for (int j = 0; j < dir->n && !found; j++)
            found = dir->files[j].version == rs->r[i].version;
        if (!found)
            fprintf(m->log, "note: %s (number %" PRId64 ") is recorded as applied but its file is gone\n",
                    rs->r[i].name, rs->r[i].version);
    }
}

static void print_status(mg_ctx *m, const mg_dir *dir, const mg_records *rs, migrate_opts *o)
{
    if (!m->log)
        return;
    fprintf(m->log, "state    applied_at (UTC)     duration  file\n");
    int i = 0, j = 0;   /* both in version order: merge them */
    while (i < rs->n || (dir && j < dir->n)) {
        const mg_record *r = i < rs->n ? &rs->r[i] : NULL;
        const mg_file *f = dir && j < dir->n ? &dir->files[j] : NULL;
        if (r && (!f || r->version < f->version)) {
            if (dir)
                fprintf(m->log, "applied  %-19s  %6" PRId64 " ms  %s (its file is gone)\n", r->applied_at,
                        r->duration_ms, r->name);
            else
                fprintf(m->log, "applied  %-19s  %6" PRId64 " ms  %s\n", r->applied_at, r->duration_ms, r->name);
            o->done_before++;
            i++;
        } else if (r && r->version == f->version) {
            bool changed = strcmp(r->checksum, f->checksum) != 0;
            fprintf(m->log, "%s  %-19s  %6" PRId64 " ms  %s%s\n", changed ? "changed" : "applied", r->applied_at,
                    r->duration_ms, f->name, changed ? " (edited after it was applied)" : "");
            o->done_before++;
            i++;
            j++;
        } else {
            fprintf(m->log, "pending  %-19s  %9s  %s\n", "", "", f->name);
            o->pending++;
            j++;
        }
    }
}

static int run(mg_ctx *m, const char *dirpath, migrate_opts *o)
{
    mg_dir dir = { 0 };
    mg_records rs = { 0 };
    bool locked = false;
    int rc = 0;
    if (dirpath && mg_dir_read(dirpath, &dir, m->log, m->err, m->errlen) != 0)
        return -2;
    if (o->mode == MIGRATE_APPLY) {
        char create[512];
        sql_create(m, create, sizeof create);
        if (lock_take(m) != 0) {
            rc = -1;
            goto out;
        }
        locked = true;
        /* Looked for first: on SQLite even CREATE TABLE IF NOT EXISTS waits
         * for the write lock another run may hold for a long file. */
        bool exists = false;
        if (table_exists(m, &exists) != 0 || (!exists && m->d->exec(m->c, create, m->err, m->errlen) != 0) ||
            read_records(m, &rs) != 0) {
            rc = -1;
            goto out;
        }
    } else {
        bool exists = false;
        if (table_exists(m, &exists) != 0 || (exists && read_records(m, &rs) != 0)) {
            rc = -1;
            goto out;
        }
    }
    if (o->mode == MIGRATE_STATUS) {
        print_status(m, dirpath ? &dir : NULL, &rs, o);
        goto out;
    }
    if ((rc = check_changed(m, &dir, &rs, o->allow_changed)) != 0)
        goto out;
    note_missing(m, &dir, &rs);
    int64_t newest = rs.n ? rs.r[rs.n - 1].version : INT64_MIN;
    for (int i = 0; i < dir.n; i++) {
        const mg_file *f = &dir.files[i];
        if (find_record(&rs, f->version)) {
            o->done_before++;
            if (m->log)
                fprintf(m->log, "skipped %s (already applied)\n", f->name);
            continue;
        }
        const char *late = f->version < newest ? " (out of order: a higher number was applied before it)" : "";
        if (o->mode == MIGRATE_DRY_RUN) {
            o->pending++;
            if (m->log)
                fprintf(m->log, "would apply %s%s\n", f->name, late);
            continue;
        }
        int64_t ms = 0;
        int got = apply_one(m, f, &ms);
        if (got < 0) {
            o->pending = dir.n - i;
            rc = -1;
            break;
        }
        if (got == 0) {
            o->done_before++;
            if (m->log)
                fprintf(m->log, "skipped %s (applied meanwhile by another run)\n", f->name);
        } else {
            o->applied++;
            if (m->log)
                fprintf(m->log, "applied %s (%" PRId64 " ms)%s\n", f->name, ms, late);
        }
        if (m->log)
            fflush(m->log);
    }
out:
    if (locked)
        lock_release(m);
    free(rs.r);
    mg_dir_free(&dir);
    return rc;
}

int migrate_run(const drv_ops *d, drv_conn *c, const char *dir, migrate_opts *o, FILE *log, char *err,
                size_t errlen)
{
    o->applied = o->pending = o->done_before = 0;
    dl_kind k = d && d->query && d->exec ? dl_kind_of(d->dialect) : DL_OTHER;
    if (k == DL_OTHER) {
        snprintf(err, errlen, "migrate: %s targets take no SQL", d ? d->name : "unknown");
        return -2;
    }
    if (!dir && o->mode != MIGRATE_STATUS) {
        snprintf(err, errlen, "migrate: no migrations folder given (--dir DIR)");
        return -2;
    }
    if (!c && o->mode == MIGRATE_APPLY) {
        snprintf(err, errlen, "migrate: no connection");
        return -2;
    }
    mg_ctx m = { .d = d, .c = c, .k = k, .log = log, .err = err, .errlen = errlen };
    strbuf b = { 0 };
    dl_quote(&b, k, MG_TABLE);
    snprintf(m.table, sizeof m.table, "%s", b.p && !b.oom ? b.p : MG_TABLE);
    sb_free(&b);
    return run(&m, dir, o);
}

int migrate_apply(const drv_ops *d, drv_conn *c, const char *dir, FILE *log, char *err, size_t errlen)
{
    migrate_opts o = { .mode = MIGRATE_APPLY };
    return migrate_run(d, c, dir, &o, log, err, errlen);
}

/* ---- the public entry (surge.h) ------------------------------------------ */

int surge_migrate(const char *url, const char *dir, unsigned flags, FILE *out, char *err, size_t errlen)
{
    char masked[1024];
    surge_mask_url(url, masked, sizeof masked);
    const drv_ops *d = url ? drv_find(url) : NULL;
    if (!d) {
        snprintf(err, errlen, "migrate: unknown target '%s' (expected a URL starting with %s)", masked,
                 drv_schemes_list());
        return SURGE_EINPUT;
    }
    migrate_opts o = {
        .mode = (flags & SURGE_MIGRATE_STATUS) ? MIGRATE_STATUS
              : (flags & SURGE_MIGRATE_DRY_RUN) ? MIGRATE_DRY_RUN : MIGRATE_APPLY,
        .allow_changed = (flags & SURGE_MIGRATE_ALLOW_CHANGED) != 0,
    };
    /* Looking must not create an empty database file where there was none. */
    bool absent = o.mode != MIGRATE_APPLY && drv_local_missing(d, url);
    drv_conn *c = NULL;
    if (!absent && dl_kind_of(d->dialect) != DL_OTHER && !(c = d->connect(url, err, errlen))) {
        char why[1024];
        snprintf(why, sizeof why, "%s", err);
        char *at = strcmp(url, masked) != 0 ? strstr(why, url) : NULL;
        if (at)
            snprintf(err, errlen, "migrate: %.*s%s%s", (int)(at - why), why, masked, at + strlen(url));
        else
            snprintf(err, errlen, "migrate: %s", why);
        return d->local ? SURGE_EINPUT : SURGE_ERUNTIME;
    }
    int rc = migrate_run(d, c, dir, &o, out, err, errlen);
    if (c && d->close)
        d->close(c);
    if (rc == 0 && out) {
        if (o.mode == MIGRATE_APPLY)
            fprintf(out, "%d applied, %d already applied\n", o.applied, o.done_before);
        else if (o.mode == MIGRATE_DRY_RUN)
            fprintf(out, "%d would be applied, %d already applied (dry run: nothing changed)\n", o.pending,
                    o.done_before);
        else
            fprintf(out, "%d applied, %d pending\n", o.done_before, o.pending);
    }
    return rc == 0 ? 0 : rc == -2 ? SURGE_EINPUT : SURGE_ERUNTIME;
}
