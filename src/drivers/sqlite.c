/* sqlite.c - the embedded default target, on libsqlite3.
 *
 * URL: sqlite:PATH, sqlite://PATH or sqlite::memory:. Each connection opens
 * the file itself, in WAL mode so readers never wait for the writer.
 * SQLite's calls block the calling thread, so the engine gives this driver
 * one connection per worker thread; write transactions start with
 * BEGIN IMMEDIATE so a second writer waits on busy_timeout instead of
 * failing at once when it upgrades a read lock (SQLite's deadlock escape).
 */
#include "drivers/driver.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SQLITE_BUSY_MS 5000

enum { TX_BEGIN, TX_COMMIT, TX_ROLLBACK, TX_COUNT };

struct drv_conn {
    sqlite3 *db;
    int nstmts;
    sqlite3_stmt **stmts;
    sqlite3_stmt *tx[TX_COUNT];
};

static const char *sqlite_path(const char *url)
{
    if (strncmp(url, "sqlite://", 9) == 0)
        return url + 9;
    return url + 7;   /* "sqlite:" */
}

/* The prepared statements go: at close, and when another set replaces them. */
static void free_stmts(drv_conn *c)
{
    for (int i = 0; i < c->nstmts; i++)
        sqlite3_finalize(c->stmts[i]);
    free(c->stmts);
    c->stmts = NULL;
    c->nstmts = 0;
}

static void sqlite_close(drv_conn *c)
{
    if (!c)
        return;
    free_stmts(c);
    for (int i = 0; i < TX_COUNT; i++)
        sqlite3_finalize(c->tx[i]);
    sqlite3_close(c->db);
    free(c);
}

static int memory_keep(const char *name, int flags, char *err, size_t errlen)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static sqlite3 *keeper;   /* never closed: the database lasts as long as the process */
    int rc = 0;
    pthread_mutex_lock(&lock);
    if (!keeper && sqlite3_open_v2(name, &keeper, flags & ~SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "sqlite: cannot open an in-memory database: %s",
                 keeper ? sqlite3_errmsg(keeper) : "out of memory");
        sqlite3_close(keeper);
        keeper = NULL;
        rc = -1;
    }
    pthread_mutex_unlock(&lock);
    return rc;
}

static drv_conn *sqlite_connect(const char *url, char *err, size_t errlen)
{
    const char *path = sqlite_path(url);
    if (!*path) {
        snprintf(err, errlen, "sqlite: no file name in '%s' (try sqlite:surge.db)", url);
        return NULL;
    }
    drv_conn *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "sqlite: out of memory");
        return NULL;
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    bool memory = strcmp(path, ":memory:") == 0;
    char memname[64];
    if (memory) {
        /* A plain :memory: is private to its connection: the workers would
         * each see an empty database, not the one set-up filled. memdb
         * databases whose name starts with '/' are shared by the process's
         * connections (with SQLite's usual locking), and live while one of
         * them is open: a keeper connection holds it for the process. */
        snprintf(memname, sizeof memname, "file:/surge-memory-%ld?vfs=memdb", (long)getpid());
        path = memname;
        flags |= SQLITE_OPEN_URI;
        if (memory_keep(path, flags, err, errlen) != 0) {
            free(c);
            return NULL;
        }
    }
    if (sqlite3_open_v2(path, &c->db, flags, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "sqlite: cannot open '%s': %s", path,
                 c->db ? sqlite3_errmsg(c->db) : "out of memory");
        sqlite_close(c);
        return NULL;
    }
    sqlite3_busy_timeout(c->db, SQLITE_BUSY_MS);
    /* The first statement reads the file: a file that is not a database, or
     * one we may not write, fails here rather than mid-run. */
    char *msg = NULL;
    const char *setup = memory
        ? "PRAGMA foreign_keys=ON"
        : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON";
    if (sqlite3_exec(c->db, setup, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "sqlite: cannot use '%s': %s", path, msg ? msg : sqlite3_errmsg(c->db));
        sqlite3_free(msg);
        sqlite_close(c);
        return NULL;
    }
    static const char *const tx_sql[TX_COUNT] = { "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK" };
    for (int i = 0; i < TX_COUNT; i++)
        if (sqlite3_prepare_v3(c->db, tx_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &c->tx[i], NULL) != SQLITE_OK) {
            snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(c->db));
            sqlite_close(c);
            return NULL;
        }
    return c;
}

static int sqlite_prepare(drv_conn *c, int nstmts, const char *const *sql, char *err, size_t errlen)
{
    free_stmts(c);
    c->stmts = calloc((size_t)(nstmts > 0 ? nstmts : 1), sizeof *c->stmts);
    if (!c->stmts) {
        snprintf(err, errlen, "sqlite: out of memory");
        return -1;
    }
    c->nstmts = nstmts;
    for (int i = 0; i < nstmts; i++)
        if (sqlite3_prepare_v3(c->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &c->stmts[i], NULL) != SQLITE_OK) {
            snprintf(err, errlen, "sqlite: cannot prepare statement %d (%.60s...): %s", i, sql[i],
                     sqlite3_errmsg(c->db));
            return -1;
        }
    return 0;
}

static int sqlite_exec(drv_conn *c, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(err, errlen, "sqlite: %s", msg ? msg : sqlite3_errmsg(c->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* Catalog reads: prepared for this one call and finalized after, so they
 * never sit among the workload's persistent statements. */
static int sqlite_query(drv_conn *c, const char *sql, int nparams, const char *const *params,
                        int (*row)(void *user, int ncols, const char *const *values), void *user,
                        char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK || !s) {
        snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(c->db));
        sqlite3_finalize(s);
        return -1;
    }
    for (int i = 0; i < nparams; i++) {
        int rc = params[i] ? sqlite3_bind_text(s, i + 1, params[i], -1, SQLITE_STATIC)
                           : sqlite3_bind_null(s, i + 1);
        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "sqlite: parameter %d: %s", i + 1, sqlite3_errmsg(c->db));
            sqlite3_finalize(s);
            return -1;
        }
    }
    int ncols = sqlite3_column_count(s);
    const char **values = calloc(ncols > 0 ? (size_t)ncols : 1, sizeof *values);
    if (!values) {
        snprintf(err, errlen, "sqlite: out of memory");
        sqlite3_finalize(s);
        return -1;
    }
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        /* Each pointer stays valid until the next step (every column is
         * asked for once); NULL from a value that is not NULL means the
         * conversion to text ran out of memory. */
        for (int i = 0; i < ncols; i++) {
            values[i] = (const char *)sqlite3_column_text(s, i);
            if (!values[i] && sqlite3_column_type(s, i) != SQLITE_NULL) {
                rc = SQLITE_NOMEM;
                break;
            }
        }
        if (rc != SQLITE_ROW || row(user, ncols, values) != 0)
            break;
    }
    int ret = 0;
    if (rc == SQLITE_NOMEM) {
        snprintf(err, errlen, "sqlite: out of memory");
        ret = -1;
    } else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        snprintf(err, errlen, "sqlite: %s", sqlite3_errmsg(c->db));
        ret = -1;
    }
    free(values);
    sqlite3_finalize(s);
    return ret;
}

static drv_errclass sqlite_class(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return DRV_ERR_RETRYABLE;
    case SQLITE_CONSTRAINT:
        return DRV_ERR_CONSTRAINT;
    default:
        return DRV_ERR_OTHER;
    }
}

static int bind_params(sqlite3_stmt *s, const drv_call *call)
{
    const drv_value *pv = drv_call_params(call);
    for (int i = 0; i < call->nparams; i++) {
        const drv_value *v = &pv[i];
        int rc;
        switch (v->type) {
        case DRV_INT:    rc = sqlite3_bind_int64(s, i + 1, v->v.i); break;
        case DRV_DOUBLE: rc = sqlite3_bind_double(s, i + 1, v->v.d); break;
        case DRV_TEXT:   rc = sqlite3_bind_text(s, i + 1, v->v.text.s, v->v.text.len, SQLITE_STATIC); break;
        default:         rc = sqlite3_bind_null(s, i + 1); break;
        }
        if (rc != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

static drv_status sqlite_start(drv_conn *c, const drv_call *call, drv_reply *r)
{
    sqlite3_stmt *s = call->stmt >= 0 ? (call->stmt < c->nstmts ? c->stmts[call->stmt] : NULL)
                                      : (-call->stmt - 1 < TX_COUNT ? c->tx[-call->stmt - 1] : NULL);
    r->err = DRV_OK;
    r->rows = 0;
    r->ncols = 0;
    if (!s) {
        r->err = DRV_ERR_OTHER;
        snprintf(r->errmsg, sizeof r->errmsg, "sqlite: no statement %d", call->stmt);
        return DRV_DONE;
    }
    int rc = bind_params(s, call);
    if (rc == SQLITE_OK) {
        while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            if (r->rows++ == 0) {
                int n = sqlite3_column_count(s);
                r->ncols = n < DRV_MAX_COLS ? n : DRV_MAX_COLS;
                for (int i = 0; i < r->ncols; i++)
                    r->col[i] = sqlite3_column_int64(s, i);
            }
        }
    }
    if (rc == SQLITE_DONE) {
        if (!sqlite3_stmt_readonly(s))
            r->rows = sqlite3_changes64(c->db);
        r->last_id = sqlite3_last_insert_rowid(c->db);
    } else {
        r->err = sqlite_class(rc);
        snprintf(r->errmsg, sizeof r->errmsg, "%s", sqlite3_errmsg(c->db));
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return DRV_DONE;
}

const drv_ops sqlite_driver = {
    .name = "sqlite",
    .schemes = (const char *const[]){ "sqlite:", NULL },
    .dialect = "sqlite",
    .max_conns_per_thread = 1,
    .local = true,
    .connect = sqlite_connect,
    .prepare = sqlite_prepare,
    .exec = sqlite_exec,
    .query = sqlite_query,
    .start = sqlite_start,
    .resume = NULL,
    .close = sqlite_close,
};
