/* test_schema.c - the schema model: reading SQLite's catalog when every
 * catalog query in turn fails (nothing may leak or be left half-filled; run
 * it under ASan), the CHECK scanner on hard text, and the text and JSON
 * outputs of a model holding what SQLite never gives (schemas, enums,
 * named keys, estimated rows). The whole SQLite reader against a schema is
 * tested from the CLI (tests/cli/test_inspect_sqlite.py).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/driver.h"
#include "workloads/schema.h"
#include "check.h"

extern const drv_ops sqlite_driver;

#define CHECK_STR(got, want) \
    CHECK((got) && strcmp((got), (want)) == 0, "got \"%s\", want \"%s\"", (got) ? (got) : "(null)", (want))
#define CHECK_HAS(text, needle) \
    CHECK(strstr((text), (needle)) != NULL, "\"%s\" missing from:\n%s", (needle), (text))

/* ---- a driver whose Nth catalog query fails --------------------------- */

static int fail_at;            /* 1-based query to fail; 0 never */
static bool fail_after_rows;   /* fail after the real query delivered its rows */
static int queries;

static int failing_query(drv_conn *c, const char *sql, int nparams, const char *const *params,
                         int (*row)(void *, int, const char *const *), void *user, char *err, size_t errlen)
{
    if (++queries == fail_at && !fail_after_rows) {
        snprintf(err, errlen, "injected failure");
        return -1;
    }
    int rc = sqlite_driver.query(c, sql, nparams, params, row, user, err, errlen);
    if (queries == fail_at) {
        snprintf(err, errlen, "injected failure");
        return -1;
    }
    return rc;
}

static const char SCHEMA[] =
    "CREATE TABLE p (id INTEGER PRIMARY KEY, code VARCHAR(3) UNIQUE, CHECK (id > 0));"
    "CREATE TABLE c (a INT, b INT, pid INT REFERENCES p, PRIMARY KEY (a, b),"
    "  FOREIGN KEY (a, b) REFERENCES c (a, b), UNIQUE (pid, b));"
    "CREATE TABLE \"check\" (\"check\" INT CHECK (\"check\" > 0),"
    "  [x] TEXT CONSTRAINT [my name] CHECK([x]<>')' AND (1 = (1))),"
    "  y TEXT DEFAULT 'CHECK(1)' /* CHECK(2) */, z TEXT -- CHECK(3)\n"
    ", `w` INT CONSTRAINT \"q\"\"uote\" CHECK(`w` IN (1, 2)));"
    "INSERT INTO p VALUES (1, 'abc');";

static void test_failures(drv_conn *conn)
{
    drv_ops ops = sqlite_driver;
    ops.query = failing_query;
    char err[256];
    sc_schema s;
    for (int mode = 0; mode < 2; mode++) {
        fail_after_rows = mode == 1;
        int n = 1;
        for (;; n++) {
            fail_at = n;
            queries = 0;
            err[0] = 0;
            int rc = schema_read(&ops, conn, &s, err, sizeof err);
            if (rc == 0 && queries < n)
                break;               /* every query ran, none was failed */
            if (rc == 0) {           /* a failure the reader recovered from */
                schema_free(&s);
                continue;
            }
            CHECK(strstr(err, "injected failure") != NULL, "query %d: err \"%s\"", n, err);
            CHECK(s.ntables == 0 && !s.tables && !s.dialect, "query %d: a failed read left a model", n);
        }
        /* When the first query fails, the reader falls back to the catalog
         * query of older SQLite versions, which succeeds. */
        CHECK(n > 10, "only %d queries", n);
        CHECK(s.ntables == 3, "%d tables", s.ntables);
        schema_free(&s);
    }
    ops.query = NULL;
    CHECK(schema_read(&ops, conn, &s, err, sizeof err) == -1, "a driver without query()");
    CHECK_HAS(err, "no catalog");
}

static void test_read(drv_conn *conn)
{
    char err[256];
    sc_schema s;
    int rc = schema_read(&sqlite_driver, conn, &s, err, sizeof err);
    CHECK(rc == 0, "schema_read: %s", err);
    if (rc != 0)
        return;
    CHECK_STR(s.dialect, "sqlite");
    CHECK(s.ntables == 3, "%d tables", s.ntables);
    CHECK(schema_table(&s, NULL, "P") == NULL, "lookups are exact");
    CHECK(schema_table(&s, "main", "p") == NULL, "SQLite tables have no schema");
    const sc_table *t = schema_table(&s, NULL, "check");
    CHECK(t != NULL, "table \"check\"");
    if (t) {
        CHECK(t->nchecks == 3, "%d checks", t->nchecks);
        if (t->nchecks == 3) {
            CHECK_STR(t->checks[0].expr, "\"check\" > 0");
            CHECK(t->checks[0].name == NULL, "unnamed");
            CHECK_STR(t->checks[1].expr, "[x]<>')' AND (1 = (1))");
            CHECK_STR(t->checks[1].name, "my name");
            CHECK_STR(t->checks[2].expr, "`w` IN (1, 2)");
            CHECK_STR(t->checks[2].name, "q\"uote");
        }
        CHECK(t->rows == 0 && !t->rows_estimated, "rows %lld", (long long)t->rows);
        CHECK(t->pk.ncols == 0, "no primary key");
        CHECK(schema_column(t, "check") && !schema_column(t, "CHECK"), "schema_column");
    }
    t = schema_table(&s, NULL, "c");
    CHECK(t != NULL, "table c");
    if (t) {
        CHECK(t->nfkeys == 2, "%d foreign keys", t->nfkeys);
        if (t->nfkeys == 2) {
            CHECK(t->fkeys[0].ncols == 1, "first written first");
            CHECK_STR(t->fkeys[0].ref_table, "p");
            CHECK_STR(t->fkeys[0].ref_cols[0], "id");   /* REFERENCES p: its primary key */
            CHECK(t->fkeys[1].ncols == 2, "composite");
            CHECK_STR(t->fkeys[1].ref_cols[1], "b");
        }
        CHECK(t->nunique == 1 && t->unique[0].ncols == 2, "UNIQUE (pid, b)");
        CHECK(!t->cols[0].identity, "INT PRIMARY KEY is no rowid");
    }
    t = schema_table(&s, NULL, "p");
    CHECK(t != NULL, "table p");
    if (t) {
        CHECK(t->cols[0].identity && !t->cols[0].nullable, "INTEGER PRIMARY KEY is identity");
        CHECK(t->cols[1].length == 3, "VARCHAR(3)");
        CHECK(t->rows == 1, "rows %lld", (long long)t->rows);
    }
    schema_free(&s);
    schema_free(&s);   /* twice is harmless */
    schema_free(NULL);
}

/* ---- output of a model built by hand ---------------------------------- */

static char *slurp(FILE *f)
{
    fflush(f);
    long n = ftell(f);
    char *buf = calloc(1, n > 0 ? (size_t)n + 1 : 1);
    if (!buf)
        abort();
    rewind(f);
    if (n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n)
        buf[0] = 0;
    return buf;
}

static void test_print(void)
{
    char *enums[] = { "new", "it's" };
    sc_column cols[] = {
        { .name = "id", .type = "bigint", .base_type = "bigint", .identity = true, .length = -1, .precision = 64,
          .scale = 0 },
        { .name = "state", .type = "order_state", .base_type = "order_state", .nullable = true,
          .default_expr = "'new'::order_state", .length = -1, .precision = -1, .scale = -1, .nenum = 2,
          .enum_values = enums },
    };
    char *pk[] = { "id" }, *fcols[] = { "state" }, *rcols[] = { "Name" };
    sc_fkey fk = { .name = "fk one", .ncols = 1, .cols = fcols, .ref_schema = "ref", .ref_table = "Kinds",
                   .ref_cols = rcols };
    sc_check ck = { .name = "ck", .expr = "(id > 0)" };
    sc_table t = { .schema = "public", .name = "orders", .ncols = 2, .cols = cols,
                   .pk = { .ncols = 1, .cols = pk }, .nfkeys = 1, .fkeys = &fk, .nchecks = 1, .checks = &ck,
                   .rows = 120000, .rows_estimated = true };
    sc_schema s = { .dialect = "postgres", .ntables = 1, .tables = &t };

    CHECK(schema_table(&s, "public", "orders") == &t && schema_table(&s, NULL, "orders") == &t &&
          !schema_table(&s, "other", "orders"), "schema_table by schema");

    FILE *f = tmpfile();
    schema_print(&s, f);
    char *text = slurp(f);
    fclose(f);
    CHECK_HAS(text, "postgres: 1 table\n");
    CHECK_HAS(text, "public.orders  (about 120000 rows)\n");
    CHECK_HAS(text, "identity");
    CHECK_HAS(text, "default 'new'::order_state  enum('new', 'it''s')");
    CHECK_HAS(text, "  CONSTRAINT \"fk one\" FOREIGN KEY (state) -> ref.Kinds(Name)\n");
    CHECK_HAS(text, "  CONSTRAINT ck CHECK ((id > 0))\n");
    free(text);

    f = tmpfile();
    CHECK(schema_print_json(&s, f) == 0, "JSON written");
    char *json = slurp(f);
    fclose(f);
    CHECK_HAS(json, "\"schema\": \"public\"");
    CHECK_HAS(json, "\"rows\": 120000");
    CHECK_HAS(json, "\"rows_estimated\": true");
    CHECK_HAS(json, "\"enum\": [\"new\", \"it's\"]");
    CHECK_HAS(json, "\"length\": null, \"precision\": 64, \"scale\": 0");
    CHECK_HAS(json, "{\"name\": \"fk one\", \"columns\": [\"state\"], \"ref_schema\": \"ref\", "
                    "\"ref_table\": \"Kinds\", \"ref_columns\": [\"Name\"]}");
    CHECK_HAS(json, "\"unique\": []");
    free(json);
}

int main(void)
{
    char path[] = "/tmp/surge-test-schema-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return perror("mkstemp"), 1;
    close(fd);
    char url[64], err[256];
    snprintf(url, sizeof url, "sqlite:%s", path);
    drv_conn *conn = sqlite_driver.connect(url, err, sizeof err);
    CHECK(conn != NULL, "connect: %s", err);
    if (conn) {
        CHECK(sqlite_driver.exec(conn, SCHEMA, err, sizeof err) == 0, "schema: %s", err);
        test_read(conn);
        test_failures(conn);
        sqlite_driver.close(conn);
    }
    test_print();
    unlink(path);
    char side[80];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    return check_report();
}
