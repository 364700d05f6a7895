/* test_mssql.c - the SQL Server driver and schema reader.
 *
 * Without a server (always): the `?` -> @pN rewriting, the dialect pieces
 * for DL_MSSQL, URL parsing, error classes, the catalog queries, the
 * schema reader fed canned catalog rows by a fake driver, and connect
 * failures against sockets of our own (refused, silent, closed at once):
 * quick, one line, naming where, never showing the password.
 *
 * With a server: set SURGE_TEST_MSSQL to the URL of a database the test
 * may create a table in, e.g.
 *   SURGE_TEST_MSSQL='mssql://sa:Secret_1@127.0.0.1:1433/surge'
 * Without it that part prints "skipped: SURGE_TEST_MSSQL not set".
 */
#include "drivers/driver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "core/strbuf.h"
#include "workloads/dialect.h"
#include "workloads/schema.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* In mssql.c and schema_mssql.c, exported for this test only. */
size_t drv_mssql_placeholders(const char *sql, char *out, size_t outlen, int *count);
drv_errclass drv_mssql_class(int code, int severity, bool client);
int drv_mssql_url_describe(const char *url, char *out, size_t outlen, char *err, size_t errlen);
const char *schema_mssql_query(int i, const char **name);

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- placeholders ------------------------------------------------------ */

static void test_placeholders(void)
{
    static const struct {
        const char *in, *want;
        int count;
    } cases[] = {
        { "SELECT 1", "SELECT 1", 0 },
        { "SELECT ?", "SELECT @p1", 1 },
        { "INSERT INTO t VALUES (?, ?, ?)", "INSERT INTO t VALUES (@p1, @p2, @p3)", 3 },
        { "SELECT '?', ?", "SELECT '?', @p1", 1 },
        { "SELECT 'it''s ?', ?", "SELECT 'it''s ?', @p1", 1 },
        { "SELECT N'?''', ?", "SELECT N'?''', @p1", 1 },
        { "SELECT 'a\\', ?", "SELECT 'a\\', @p1", 1 },     /* no backslash escapes in T-SQL */
        { "SELECT \"a?\"\"b\" FROM t WHERE x = ?", "SELECT \"a?\"\"b\" FROM t WHERE x = @p1", 1 },
        { "SELECT [a?]]b] FROM [t ?] WHERE x = ?", "SELECT [a?]]b] FROM [t ?] WHERE x = @p1", 1 },
        { "SELECT [it's] FROM t WHERE x = ?", "SELECT [it's] FROM t WHERE x = @p1", 1 },   /* ' in [ ] */
        { "WHERE n LIKE '[a-z]?%' AND id = ?", "WHERE n LIKE '[a-z]?%' AND id = @p1", 1 },  /* [ in ' ' */
        { "SELECT ? -- what?\n, ?", "SELECT @p1 -- what?\n, @p2", 2 },
        { "SELECT ? /* a ? /* nested ? */ still ? */, ?", "SELECT @p1 /* a ? /* nested ? */ still ? */, @p2", 2 },
        { "SELECT 'unterminated ?", "SELECT 'unterminated ?", 0 },
        { "SELECT [unterminated ?", "SELECT [unterminated ?", 0 },
        { "SELECT /* unterminated ?", "SELECT /* unterminated ?", 0 },
        { "?,?,?,?,?,?,?,?,?,?,?", "@p1,@p2,@p3,@p4,@p5,@p6,@p7,@p8,@p9,@p10,@p11", 11 },
        { "", "", 0 },
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        char out[256];
        int count = -1;
        size_t n = drv_mssql_placeholders(cases[i].in, out, sizeof out, &count);
        CHECK(strcmp(out, cases[i].want) == 0 && n == strlen(cases[i].want) && count == cases[i].count,
              "\"%s\": got \"%s\" (%zu, %d placeholders), want \"%s\" (%d)", cases[i].in, out, n, count,
              cases[i].want, cases[i].count);
    }

    /* Like snprintf: cut to fit, the whole length returned. */
    char small[8];
    size_t n = drv_mssql_placeholders("SELECT ?, ?", small, sizeof small, NULL);
    CHECK(n == strlen("SELECT @p1, @p2") && strcmp(small, "SELECT ") == 0, "cut: %zu \"%s\"", n, small);
    CHECK(drv_mssql_placeholders("a ? b", NULL, 0, NULL) == 7, "length only");

    /* As many as one sp_executesql call takes. */
    enum { MANY = 2098 };
    char *in = malloc(2 * MANY), *want = malloc(8 * MANY), *out = malloc(8 * MANY);
    if (!in || !want || !out) {
        CHECK(0, "out of memory");
    } else {
        size_t wi = 0;
        for (int i = 0; i < MANY; i++) {
            in[2 * i] = '?';
            in[2 * i + 1] = i + 1 < MANY ? ',' : '\0';
            wi += (size_t)sprintf(want + wi, "%s@p%d", i ? "," : "", i + 1);
        }
        int count = 0;
        n = drv_mssql_placeholders(in, out, 8 * MANY, &count);
        CHECK(count == MANY && n == wi && strcmp(out, want) == 0, "%d placeholders: %d, %zu bytes", MANY, count, n);
    }
    free(in);
    free(want);
    free(out);
}

/* ---- dialect ----------------------------------------------------------- */

static void check_sb(strbuf *b, const char *want, const char *what)
{
    CHECK(!b->oom && strcmp(b->len ? b->p : "", want) == 0, "%s: got \"%s\", want \"%s\"", what,
          b->len ? b->p : "", want);
    sb_reset(b);
}

static void test_dialect(void)
{
    strbuf b = { 0 };
    CHECK(dl_kind_of("mssql") == DL_MSSQL, "dl_kind_of(mssql)");
    dl_quote(&b, DL_MSSQL, "plain");
    check_sb(&b, "[plain]", "dl_quote plain");
    dl_quote(&b, DL_MSSQL, "a]b");
    check_sb(&b, "[a]]b]", "dl_quote with ]");
    dl_quote(&b, DL_MSSQL, "]]");
    check_sb(&b, "[]]]]]", "dl_quote of ]]");
    dl_quote(&b, DL_MSSQL, "[x");
    check_sb(&b, "[[x]", "dl_quote with [");
    dl_quote(&b, DL_MSSQL, "it's \"q\"");
    check_sb(&b, "[it's \"q\"]", "dl_quote with quotes");
    dl_table(&b, DL_MSSQL, "dbo", "order items");
    check_sb(&b, "[dbo].[order items]", "dl_table");
    dl_table(&b, DL_MSSQL, "s]x", "t]");
    check_sb(&b, "[s]]x].[t]]]", "dl_table with ]");
    dl_table(&b, DL_MSSQL, NULL, "t");
    check_sb(&b, "[t]", "dl_table without schema");
    dl_table(&b, DL_MSSQL, "", "t");
    check_sb(&b, "[t]", "dl_table with empty schema");

    sb_add(&b, "SELECT ");
    dl_select_top(&b, DL_MSSQL, 10);
    sb_add(&b, "id FROM t");
    dl_limit(&b, DL_MSSQL, 10);
    check_sb(&b, "SELECT TOP (10) id FROM t", "TOP, no LIMIT");

    sb_add(&b, "INSERT INTO t (a)");
    dl_output_key(&b, DL_MSSQL, "id");
    sb_add(&b, " VALUES (?)");
    dl_returning_key(&b, DL_MSSQL, "id");
    check_sb(&b, "INSERT INTO t (a) OUTPUT INSERTED.[id] VALUES (?)", "OUTPUT, no RETURNING");
    dl_output_key(&b, DL_MSSQL, "my]id");
    check_sb(&b, " OUTPUT INSERTED.[my]]id]", "OUTPUT with ]");
    CHECK(strcmp(dl_random(DL_MSSQL), "NEWID()") == 0, "dl_random: %s", dl_random(DL_MSSQL));
    sb_free(&b);
}

/* ---- URLs -------------------------------------------------------------- */

static void test_urls(void)
{
    static const struct {
        const char *url, *want;
    } good[] = {
        { "mssql://sa:S3cretPw@db.example:1444/shop", "server=db.example:1444 user=sa db=shop encrypt=default" },
        { "sqlserver://sa:S3cretPw@10.0.0.5/shop", "server=10.0.0.5:1433 user=sa db=shop encrypt=default" },
        { "mssql://sa@:1433", "server=127.0.0.1:1433 user=sa db= encrypt=default" },
        { "mssql://sa:S3cretPw@[::1]:1500/db", "server=[::1]:1500 user=sa db=db encrypt=default" },
        { "mssql://sa:S3cret@Pw@host/db", "server=host:1433 user=sa db=db encrypt=default" },   /* '@' in password */
        { "mssql://us%40er:S3cret%2FPw@host/my%20db", "server=host:1433 user=us@er db=my db encrypt=default" },
        { "mssql://DOM%5Cuser:S3cretPw@host/db?encrypt=true", "server=host:1433 user=DOM\\user db=db encrypt=true" },
        { "mssql://sa:S3cretPw@host/db?encrypt=false", "server=host:1433 user=sa db=db encrypt=default" },
    };
    for (size_t i = 0; i < LEN(good); i++) {
        char out[512] = "", err[256] = "";
        int rc = drv_mssql_url_describe(good[i].url, out, sizeof out, err, sizeof err);
        CHECK(rc == 0 && strcmp(out, good[i].want) == 0, "%s: rc %d, got \"%s\" (%s), want \"%s\"", good[i].url, rc,
              out, err, good[i].want);
        CHECK(!strstr(out, "S3cret"), "%s: the password shows: %s", good[i].url, out);
    }
    static const char *const bad[] = {
        "mssql://host/db",                        /* no user */
        "mssql://:S3cretPw@host/db",               /* empty user */
        "mssql://sa:S3cretPw@host:notaport/db",
        "mssql://sa:S3cretPw@host:0/db",
        "mssql://sa:S3cretPw@host:70000/db",
        "mssql://sa:S3cretPw@host:/db",
        "mssql://sa:S3cretPw%zz@host/db",          /* bad escape in the password */
        "mssql://sa:S3cretPw%00@host/db",          /* NUL in the password */
        "mssql://sa:S3cretPw@[::1/db",
        "mssql://sa:S3cretPw@[::1]x/db",
        "mssql://sa:S3cretPw@host/db?nosuch=1",
        "mssql://sa:S3cretPw@host/db?encrypt=maybe",
        "mssql:sa:S3cretPw@host",
    };
    for (size_t i = 0; i < LEN(bad); i++) {
        char out[512] = "", err[256] = "";
        int rc = drv_mssql_url_describe(bad[i], out, sizeof out, err, sizeof err);
        CHECK(rc == -1 && strncmp(err, "mssql: ", 7) == 0 && !strchr(err, '\n'), "%s: rc %d, '%s'", bad[i], rc, err);
        CHECK(!strstr(err, "S3cret"), "%s: the password shows: %s", bad[i], err);
    }

    const drv_ops *d = drv_find("mssql://sa:x@h/db");
    CHECK(d && strcmp(d->name, "mssql") == 0 && strcmp(d->dialect, "mssql") == 0 && d->query && d->resume,
          "drv_find(mssql://)");
    CHECK(drv_find("sqlserver://sa:x@h/db") == d, "drv_find(sqlserver://)");
    CHECK(strstr(drv_schemes_list(), "mssql://") && strstr(drv_schemes_list(), "sqlserver://"), "schemes: %s",
          drv_schemes_list());
}

/* ---- error classes ------------------------------------------------------ */

static void test_classes(void)
{
    static const struct {
        int code, severity;
        bool client;
        drv_errclass want;
    } cases[] = {
        { 1205, 13, false, DRV_ERR_RETRYABLE },    /* deadlock victim */
        { 1222, 16, false, DRV_ERR_RETRYABLE },    /* lock timeout */
        { 3960, 16, false, DRV_ERR_RETRYABLE },    /* snapshot update conflict */
        { 2627, 14, false, DRV_ERR_CONSTRAINT },   /* primary key / unique constraint */
        { 2601, 14, false, DRV_ERR_CONSTRAINT },   /* unique index */
        { 547, 16, false, DRV_ERR_CONSTRAINT },    /* foreign key / check */
        { 515, 16, false, DRV_ERR_CONSTRAINT },    /* NULL into NOT NULL */
        { 8152, 16, false, DRV_ERR_CONSTRAINT },   /* would be truncated */
        { 208, 16, false, DRV_ERR_OTHER },         /* invalid object name */
        { 102, 15, false, DRV_ERR_OTHER },         /* syntax */
        { 50000, 16, false, DRV_ERR_OTHER },       /* RAISERROR */
        { 0, 20, false, DRV_ERR_CONNECTION },      /* "a severe error occurred" */
        { 50000, 21, false, DRV_ERR_CONNECTION },  /* any fatal severity */
        { 6005, 14, false, DRV_ERR_CONNECTION },   /* shutdown in progress */
        { 20004, 9, true, DRV_ERR_CONNECTION },    /* SYBEREAD */
        { 20006, 9, true, DRV_ERR_CONNECTION },    /* SYBEWRIT */
        { 20017, 9, true, DRV_ERR_CONNECTION },    /* SYBESEOF */
        { 20047, 1, true, DRV_ERR_CONNECTION },    /* SYBEDDNE: dead */
        { 20003, 6, true, DRV_ERR_CONNECTION },    /* SYBETIME */
        { 20049, 4, true, DRV_ERR_OTHER },         /* SYBECOFL: conversion overflow */
        { 20004, 16, false, DRV_ERR_OTHER },       /* a server message with a client-like number */
        { 1205, 13, true, DRV_ERR_OTHER },         /* ... and the other way round */
    };
    for (size_t i = 0; i < LEN(cases); i++) {
        drv_errclass got = drv_mssql_class(cases[i].code, cases[i].severity, cases[i].client);
        CHECK(got == cases[i].want, "%s %d severity %d: class %d, want %d", cases[i].client ? "db-lib" : "server",
              cases[i].code, cases[i].severity, got, cases[i].want);
    }
}

/* ---- catalog queries and the schema reader ------------------------------ */

static void test_queries(void)
{
    static const struct {
        const char *name, *must[4];
    } want[] = {
        { "tables", { "sys.tables", "sys.partitions", "is_ms_shipped", NULL } },
        { "columns", { "sys.columns", "is_identity", "is_computed", "sys.default_constraints" } },
        { "keys", { "sys.indexes", "sys.index_columns", "is_primary_key", "has_filter" } },
        { "foreign keys", { "sys.foreign_keys", "sys.foreign_key_columns", "referenced_object_id", NULL } },
        { "check constraints", { "sys.check_constraints", "definition", NULL } },
    };
    int n = 0;
    const char *name = NULL, *sql;
    while ((sql = schema_mssql_query(n, &name)) != NULL) {
        CHECK(n < (int)LEN(want) && name && strcmp(name, want[n].name) == 0, "query %d is '%s'", n, name);
        CHECK(strncmp(sql, "SELECT ", 7) == 0 && strlen(sql) > 60, "%s: '%.40s'", name, sql);
        /* No placeholders: the driver must send them as they are. */
        char out[4096];
        int count = -1;
        drv_mssql_placeholders(sql, out, sizeof out, &count);
        CHECK(count == 0 && strcmp(out, sql) == 0, "%s: %d placeholders", name, count);
        for (int k = 0; n < (int)LEN(want) && k < 4 && want[n].must[k]; k++)
            CHECK(strstr(sql, want[n].must[k]) != NULL, "%s: no %s in it", name, want[n].must[k]);
        n++;
    }
    CHECK(n == (int)LEN(want), "%d catalog queries, want %zu", n, LEN(want));
    CHECK(schema_mssql_query(-1, NULL) == NULL, "index -1");
}

/* Canned catalog rows, as the views would return them. */
typedef struct fake_rows {
    int ncols, nrows;
    const char *const *v;   /* nrows * ncols */
} fake_rows;

#define ROWS(n, ...) { n, (int)(sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *) / (n)), \
                       (const char *const[]){ __VA_ARGS__ } }

static const fake_rows fake_catalog[] = {
    /* tables: object_id, schema, name, rows (unordered on purpose) */
    ROWS(4, "103", "dbo", "order_items", "12", "101", "dbo", "customers", "3", "102", "dbo", "orders", "5",
         "104", "sales", "categories", "2", "105", "dbo", "big", "5000000"),
    /* columns: object_id, name, type, base, max_length, precision, scale, nullable, identity,
     * computed, generated always, default */
    ROWS(12,
         "101", "id", "int", "int", "4", "10", "0", "0", "1", "0", "0", NULL,
         "101", "email", "nvarchar", "nvarchar", "200", "0", "0", "0", "0", "0", "0", NULL,
         "101", "doc", "nvarchar", "nvarchar", "-1", "0", "0", "1", "0", "0", "0", NULL,
         "101", "created", "datetime2", "datetime2", "8", "27", "3", "0", "0", "0", "0", "(sysdatetime())",
         "101", "ver", "timestamp", "timestamp", "8", "0", "0", "0", "0", "0", "0", NULL,
         "101", "total", "decimal", "decimal", "9", "10", "2", "1", "0", "1", "0", NULL,
         "101", "nick", "shortname", "nvarchar", "40", "0", "0", "1", "0", "0", "0", "(N'a(b)')",
         "101", "code", "varchar", "varchar", "-1", "0", "0", "1", "0", "0", "0", "('x')",
         "102", "id", "bigint", "bigint", "8", "19", "0", "0", "1", "0", "0", NULL,
         "102", "customer_id", "int", "int", "4", "10", "0", "0", "0", "0", "0", NULL,
         "102", "status", "varchar", "varchar", "20", "0", "0", "0", "0", "0", "0", "('new')",
         "102", "amount", "decimal", "decimal", "9", "10", "2", "0", "0", "0", "0", "((0))",
         "102", "valid_from", "datetime2", "datetime2", "8", "27", "7", "0", "0", "0", "1", NULL,
         "102", "calc", "int", "int", "4", "10", "0", "1", "0", "0", "0", "((1)+(2))",
         "103", "order_id", "bigint", "bigint", "8", "19", "0", "0", "0", "0", "0", NULL,
         "103", "line", "int", "int", "4", "10", "0", "0", "0", "0", "0", NULL,
         "103", "qty", "int", "int", "4", "10", "0", "0", "0", "0", "0", NULL,
         "104", "id", "int", "int", "4", "10", "0", "0", "0", "0", "0", NULL,
         "104", "parent_id", "int", "int", "4", "10", "0", "1", "0", "0", "0", NULL,
         "104", "label", "sysname", "nvarchar", "256", "0", "0", "0", "0", "0", "0", NULL,
         "999", "ghost", "int", "int", "4", "10", "0", "1", "0", "0", "0", NULL),   /* not a table read */
    /* keys: object_id, index_id, name, p/u, column */
    ROWS(5,
         "101", "1", "PK_customers", "p", "id",
         "101", "2", "UQ_email", "u", "email",
         "101", "3", "UX_email_nick", "u", "email",
         "101", "3", "UX_email_nick", "u", "nick",
         "102", "3", "UQ_orders_status", "u", "status",   /* same index_id, another table */
         "103", "1", "PK_order_items", "p", "order_id",
         "103", "1", "PK_order_items", "p", "line",
         "104", "1", "PK_categories", "p", "id"),
    /* foreign keys: table, constraint id, name, column, ref schema, ref table, ref column */
    ROWS(7,
         "102", "900", "FK_orders_customers", "customer_id", "dbo", "customers", "id",
         "103", "901", "FK_items_orders", "order_id", "dbo", "orders", "id",
         "103", "902", "FK_items_pair", "order_id", "dbo", "pairs", "a",
         "103", "902", "FK_items_pair", "line", "dbo", "pairs", "b",
         "104", "903", "FK_categories_parent", "parent_id", "sales", "categories", "id"),
    /* checks: object_id, name, definition */
    ROWS(3,
         "101", "CK_doc_json", "(isjson([doc])=(1))",
         "101", "CK_code_json", "(isjson([code])>(0))",
         "103", "CK_qty", "([qty]>(0))"),
};

static int fake_counts;
static bool fake_no_tables;            /* the tables query returns no rows (the others theirs) */
static const char *fake_fail;          /* the catalog query (by name) that fails */

static int fake_query(drv_conn *c, const char *sql, int nparams, const char *const *params,
                      int (*row)(void *user, int ncols, const char *const *values), void *user, char *err,
                      size_t errlen)
{
    (void)c, (void)params;
    if (nparams != 0) {
        snprintf(err, errlen, "fake: unexpected parameters");
        return -1;
    }
    const char *name;
    for (int i = 0; schema_mssql_query(i, &name); i++) {
        if (sql != schema_mssql_query(i, &name))
            continue;
        if (fake_fail && strcmp(fake_fail, name) == 0) {
            snprintf(err, errlen, "mssql: VIEW DEFINITION permission denied (error 300)");
            return -1;
        }
        const fake_rows *f = &fake_catalog[i];
        if (fake_no_tables && i == 0)
            return 0;
        for (int r = 0; r < f->nrows; r++)
            if (row(user, f->ncols, f->v + r * f->ncols) != 0)
                break;
        return 0;
    }
    static const char count[] = "SELECT COUNT_BIG(*) FROM ";
    if (strncmp(sql, count, sizeof count - 1) == 0) {
        fake_counts++;
        const char *t = sql + sizeof count - 1;
        if (strcmp(t, "[sales].[categories]") == 0) {
            snprintf(err, errlen, "The SELECT permission was denied");
            return -1;
        }
        const char *v[1] = { strcmp(t, "[dbo].[customers]") == 0 ? "3" : "7" };
        row(user, 1, v);
        return 0;
    }
    snprintf(err, errlen, "fake: unexpected query %.60s", sql);
    return -1;
}

static void check_col(const sc_table *t, const char *name, const char *type, const char *base, bool nullable,
                      const char *def, bool identity, bool generated, int length, int precision, int scale)
{
    const sc_column *c = t ? schema_column(t, name) : NULL;
    CHECK(c != NULL, "column %s", name);
    if (!c)
        return;
    CHECK(strcmp(c->type, type) == 0 && strcmp(c->base_type, base) == 0, "%s: type %s / %s, want %s / %s", name,
          c->type, c->base_type, type, base);
    CHECK(c->nullable == nullable && c->identity == identity && c->generated == generated,
          "%s: nullable %d identity %d generated %d", name, c->nullable, c->identity, c->generated);
    CHECK((def == NULL) == (c->default_expr == NULL) && (!def || strcmp(def, c->default_expr) == 0),
          "%s: default '%s', want '%s'", name, c->default_expr ? c->default_expr : "(none)", def ? def : "(none)");
    CHECK(c->length == length && c->precision == precision && c->scale == scale, "%s: length %d precision %d scale %d",
          name, c->length, c->precision, c->scale);
}

static void check_names(char *const *got, int n, const char *const *want, int nwant, const char *what)
{
    bool same = n == nwant;
    for (int i = 0; same && i < n; i++)
        same = strcmp(got[i], want[i]) == 0;
    CHECK(same, "%s: %d names, first '%s'", what, n, n ? got[0] : "");
}

static void test_reader(void)
{
    static const drv_ops fake = { .name = "fake", .dialect = "mssql", .query = fake_query };
    sc_schema s;
    char err[256] = "";
    fake_counts = 0;
    int rc = schema_read(&fake, NULL, &s, err, sizeof err);
    CHECK(rc == 0, "schema_read: %s", err);
    if (rc != 0)
        return;
    CHECK(strcmp(s.dialect, "mssql") == 0 && s.ntables == 5, "dialect %s, %d tables", s.dialect, s.ntables);
    /* Sorted by schema, then name. */
    static const char *const order[] = { "dbo.big", "dbo.customers", "dbo.order_items", "dbo.orders",
                                         "sales.categories" };
    for (int i = 0; i < s.ntables && i < (int)LEN(order); i++) {
        char qn[128];
        snprintf(qn, sizeof qn, "%s.%s", s.tables[i].schema, s.tables[i].name);
        CHECK(strcmp(qn, order[i]) == 0, "table %d is %s, want %s", i, qn, order[i]);
    }

    const sc_table *cu = schema_table(&s, "dbo", "customers");
    CHECK(cu && cu->ncols == 8, "customers: %d columns", cu ? cu->ncols : -1);
    check_col(cu, "id", "int", "int", false, NULL, true, false, -1, -1, -1);
    check_col(cu, "email", "nvarchar(100)", "nvarchar", false, NULL, false, false, 100, -1, -1);
    check_col(cu, "doc", "nvarchar(max)", "json", true, NULL, false, false, -1, -1, -1);
    check_col(cu, "created", "datetime2(3)", "datetime2", false, "sysdatetime()", false, false, -1, -1, -1);
    check_col(cu, "ver", "timestamp", "rowversion", false, NULL, false, true, -1, -1, -1);
    check_col(cu, "total", "decimal(10,2)", "decimal", true, NULL, false, true, -1, 10, 2);
    check_col(cu, "nick", "shortname", "nvarchar", true, "N'a(b)'", false, false, 20, -1, -1);
    check_col(cu, "code", "varchar(max)", "json", true, "'x'", false, false, -1, -1, -1);
    if (cu) {
        check_names(cu->pk.cols, cu->pk.ncols, (const char *const[]){ "id" }, 1, "customers pk");
        CHECK(cu->nunique == 2, "customers: %d unique keys", cu->nunique);
        if (cu->nunique == 2) {
            CHECK(cu->unique[0].name && strcmp(cu->unique[0].name, "UQ_email") == 0, "unique 0");
            check_names(cu->unique[1].cols, cu->unique[1].ncols, (const char *const[]){ "email", "nick" }, 2,
                        "composite unique");
        }
        CHECK(cu->nchecks == 2 && strcmp(cu->checks[0].expr, "isjson([doc])=(1)") == 0, "customers checks: %d '%s'",
              cu->nchecks, cu->nchecks ? cu->checks[0].expr : "");
        CHECK(cu->rows == 3 && !cu->rows_estimated, "customers rows %lld", (long long)cu->rows);
    }

    const sc_table *o = schema_table(&s, "dbo", "orders");
    check_col(o, "id", "bigint", "bigint", false, NULL, true, false, -1, -1, -1);
    check_col(o, "status", "varchar(20)", "varchar", false, "'new'", false, false, 20, -1, -1);
    check_col(o, "amount", "decimal(10,2)", "decimal", false, "0", false, false, -1, 10, 2);
    check_col(o, "valid_from", "datetime2(7)", "datetime2", false, NULL, false, true, -1, -1, -1);
    check_col(o, "calc", "int", "int", true, "(1)+(2)", false, false, -1, -1, -1);
    if (o) {
        CHECK(o->pk.ncols == 0, "orders: no primary key read, got %d columns", o->pk.ncols);
        CHECK(o->nunique == 1 && o->unique[0].ncols == 1 && strcmp(o->unique[0].cols[0], "status") == 0,
              "orders: %d unique keys", o->nunique);
        CHECK(o->nfkeys == 1 && strcmp(o->fkeys[0].ref_table, "customers") == 0 &&
                  strcmp(o->fkeys[0].ref_schema, "dbo") == 0,
              "orders: %d foreign keys", o->nfkeys);
    }

    const sc_table *oi = schema_table(&s, "dbo", "order_items");
    if (oi) {
        check_names(oi->pk.cols, oi->pk.ncols, (const char *const[]){ "order_id", "line" }, 2, "composite pk");
        CHECK(oi->nfkeys == 2, "order_items: %d foreign keys", oi->nfkeys);
        if (oi->nfkeys == 2) {
            check_names(oi->fkeys[1].cols, oi->fkeys[1].ncols, (const char *const[]){ "order_id", "line" }, 2,
                        "composite fk");
            check_names(oi->fkeys[1].ref_cols, oi->fkeys[1].ncols, (const char *const[]){ "a", "b" }, 2,
                        "composite fk refs");
        }
        CHECK(oi->nchecks == 1 && strcmp(oi->checks[0].expr, "[qty]>(0)") == 0 &&
                  strcmp(oi->checks[0].name, "CK_qty") == 0,
              "order_items check '%s'", oi->nchecks ? oi->checks[0].expr : "");
        CHECK(oi->rows == 7, "order_items rows %lld", (long long)oi->rows);
    }

    const sc_table *cat = schema_table(&s, "sales", "categories");
    check_col(cat, "label", "sysname", "nvarchar", false, NULL, false, false, 128, -1, -1);
    if (cat) {
        CHECK(cat->nfkeys == 1 && strcmp(cat->fkeys[0].ref_table, "categories") == 0 &&
                  strcmp(cat->fkeys[0].ref_schema, "sales") == 0 && strcmp(cat->fkeys[0].cols[0], "parent_id") == 0,
              "self reference");
        CHECK(cat->rows == -1, "a table we may not count: rows %lld", (long long)cat->rows);
    }
    const sc_table *big = schema_table(&s, "dbo", "big");
    CHECK(big && big->rows == 5000000 && big->rows_estimated, "big table: estimated");
    CHECK(fake_counts == 4, "%d exact counts, want 4 (not the big one)", fake_counts);
    schema_free(&s);

    /* No tables (rows of the other queries then belong to none); a catalog
     * query that fails half-way (the partial model is freed: the
     * sanitizer build checks). */
    fake_no_tables = true;
    rc = schema_read(&fake, NULL, &s, err, sizeof err);
    CHECK(rc == 0 && s.ntables == 0, "no tables: rc %d, %d tables, %s", rc, s.ntables, err);
    schema_free(&s);
    fake_no_tables = false;
    fake_fail = "foreign keys";
    rc = schema_read(&fake, NULL, &s, err, sizeof err);
    CHECK(rc == -1 && strstr(err, "reading the foreign keys: ") && strstr(err, "error 300") && s.ntables == 0,
          "failed read: rc %d '%s'", rc, err);
    fake_fail = NULL;
}

/* ---- connect failures, against sockets of our own ---------------------- */

static int listen_on(int *port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 8) != 0 ||
        getsockname(s, (struct sockaddr *)&a, &len) != 0) {
        if (s >= 0)
            close(s);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return s;
}

static void *accept_and_close(void *arg)
{
    int s = *(int *)arg, c = accept(s, NULL, NULL);
    if (c >= 0)
        close(c);
    return NULL;
}

static void check_connect_fails(const drv_ops *d, int port, const char *what, double most_s)
{
    char url[256], err[256] = "", where[64];
    snprintf(url, sizeof url, "mssql://someone:S3cret%%40Pw@127.0.0.1:%d/db", port);
    snprintf(where, sizeof where, "mssql: cannot connect to 127.0.0.1:%d: ", port);
    double t0 = now_s();
    drv_conn *c = d->connect(url, err, sizeof err);
    double took = now_s() - t0;
    CHECK(c == NULL && took < most_s, "%s: connected %d, %.1fs", what, c != NULL, took);
    d->close(c);
    CHECK(strncmp(err, where, strlen(where)) == 0 && strlen(err) > strlen(where), "%s: '%s'", what, err);
    CHECK(!strchr(err, '\n') && !strstr(err, "S3cret") && !strstr(err, "Pw"), "%s: '%s'", what, err);
}

static void test_connect_failures(void)
{
    const drv_ops *d = drv_find("mssql://");
    if (!d)
        return;
    /* Refused: a port that was free a moment ago. */
    int port = 0, s = listen_on(&port);
    CHECK(s >= 0, "listen");
    if (s < 0)
        return;
    close(s);
    check_connect_fails(d, port, "refused", 3);

    /* Closed at once after accepting. */
    s = listen_on(&port);
    pthread_t th;
    if (s >= 0 && pthread_create(&th, NULL, accept_and_close, &s) == 0) {
        check_connect_fails(d, port, "closed", 3);
        pthread_join(th, NULL);
    }
    if (s >= 0)
        close(s);

    /* Silent: the kernel accepts, nobody answers; the login timeout ends it. */
    s = listen_on(&port);
    if (s >= 0) {
        check_connect_fails(d, port, "silent", 10);
        close(s);
    }

    char err[256] = "";
    drv_conn *c = d->connect("mssql://sa:S3cretPw@nosuchhost.invalid:1433/db", err, sizeof err);
    CHECK(c == NULL && strstr(err, "nosuchhost.invalid:1433") && !strstr(err, "S3cret"), "unknown host: '%s'", err);
    d->close(c);
}

/* ---- against a real server ---------------------------------------------- */

enum { S_INSERT, S_BY_NAME, S_COUNT, S_UPDATE, S_NOTE, S_NSTMTS };

static const char *const live_stmts[S_NSTMTS] = {
    [S_INSERT] = "INSERT INTO surge_test_items (name, qty, price, note) OUTPUT INSERTED.id VALUES (?, ?, ?, ?)",
    [S_BY_NAME] = "SELECT id, qty, CAST(ROUND(price * 100, 0) AS bigint) FROM surge_test_items WHERE name = ?",
    [S_COUNT] = "SELECT COUNT(*) FROM surge_test_items",
    [S_UPDATE] = "UPDATE surge_test_items SET qty = qty + ? WHERE qty >= ?",
    [S_NOTE] = ("SELECT CASE WHEN note IS NULL THEN -1 ELSE LEN(note) END, DATALENGTH(note)"
                " FROM surge_test_items WHERE id = ?"),
};

static const char live_schema[] =
    "DROP TABLE IF EXISTS surge_test_items\n"
    "GO\n"
    "CREATE TABLE surge_test_items (\n"
    "  id BIGINT IDENTITY PRIMARY KEY,\n"
    "  name NVARCHAR(64) NOT NULL UNIQUE,\n"
    "  qty INT NOT NULL DEFAULT 0 CHECK (qty >= 0),\n"
    "  price FLOAT NULL,\n"
    "  note NVARCHAR(MAX) NULL)\n";

static drv_errclass run(const drv_ops *d, drv_conn *c, int stmt, int n, const drv_value *v, drv_reply *r)
{
    drv_call call = { .stmt = stmt, .nparams = n };
    for (int i = 0; i < n; i++)
        call.params[i] = v[i];
    memset(r, 0, sizeof *r);
    return drv_run_sync(d, c, &call, r);
}

static int on_text(void *user, int ncols, const char *const *v)
{
    snprintf(user, 256, "%s|%s", ncols > 0 && v[0] ? v[0] : "NULL", ncols > 1 && v[1] ? v[1] : "NULL");
    return 0;
}

static void test_live(const char *url)
{
    const drv_ops *d = drv_find(url);
    CHECK(d && strcmp(d->name, "mssql") == 0, "driver for %s", url);
    if (!d)
        return;
    char err[256];
    drv_conn *c = d->connect(url, err, sizeof err);
    CHECK(c != NULL, "connect: %s", err);
    if (!c)
        return;
    CHECK(d->exec(c, live_schema, err, sizeof err) == 0, "schema: %s", err);
    CHECK(d->exec(c, "SELECT 1; SELECT nosuchcolumn FROM surge_test_items", err, sizeof err) != 0 &&
              strstr(err, "nosuchcolumn") && strstr(err, "207"),
          "exec error names the server error: '%s'", err);
    CHECK(d->exec(c, "SELECT 2", err, sizeof err) == 0, "exec after an error: %s", err);
    CHECK(d->prepare(c, S_NSTMTS, live_stmts, err, sizeof err) == 0, "prepare: %s", err);

    drv_reply r;
    static const char odd[] = "it's a ? [x] \xc3\xa9t\xc3\xa9";   /* quotes, ?, brackets, UTF-8 */
    drv_value ins[] = { drv_text(odd, (int)strlen(odd)), drv_int(5), drv_double(19.99), drv_null() };
    CHECK(run(d, c, S_INSERT, 4, ins, &r) == DRV_OK && r.rows == 1 && r.last_id > 0, "insert: %d %s rows %lld id %lld",
          r.err, r.errmsg, (long long)r.rows, (long long)r.last_id);
    int64_t id1 = r.last_id;
    drv_value ins2[] = { drv_text("empty-note", -1), drv_int(1), drv_null(), drv_text("", 0) };
    CHECK(run(d, c, S_INSERT, 4, ins2, &r) == DRV_OK && r.last_id > id1, "insert 2: %s", r.errmsg);
    int64_t id2 = r.last_id;

    drv_value by[] = { drv_text(odd, (int)strlen(odd)) };
    CHECK(run(d, c, S_BY_NAME, 1, by, &r) == DRV_OK && r.rows == 1 && r.ncols == 3 && r.col[0] == id1 &&
              r.col[1] == 5 && r.col[2] == 1999,
          "select by name: %s rows %lld cols %d: %lld %lld %lld", r.errmsg, (long long)r.rows, r.ncols,
          (long long)r.col[0], (long long)r.col[1], (long long)r.col[2]);
    drv_value note1[] = { drv_int(id1) }, note2[] = { drv_int(id2) };
    CHECK(run(d, c, S_NOTE, 1, note1, &r) == DRV_OK && r.col[0] == -1, "NULL stays NULL: %lld", (long long)r.col[0]);
    CHECK(run(d, c, S_NOTE, 1, note2, &r) == DRV_OK && r.col[0] == 0 && r.col[1] == 0,
          "'' stays '' (not NULL): %lld %lld", (long long)r.col[0], (long long)r.col[1]);

    CHECK(run(d, c, S_INSERT, 4, ins, &r) == DRV_ERR_CONSTRAINT, "duplicate: class %d '%s'", r.err, r.errmsg);
    drv_value neg[] = { drv_int(-100), drv_int(0) };
    CHECK(run(d, c, S_UPDATE, 2, neg, &r) == DRV_ERR_CONSTRAINT, "check: class %d '%s'", r.err, r.errmsg);
    drv_value upd[] = { drv_int(1), drv_int(0) };
    CHECK(run(d, c, S_UPDATE, 2, upd, &r) == DRV_OK && r.rows == 2, "update: %s rows %lld", r.errmsg,
          (long long)r.rows);

    /* A transaction rolled back leaves nothing. */
    CHECK(run(d, c, DRV_STMT_BEGIN, 0, NULL, &r) == DRV_OK, "begin: %s", r.errmsg);
    drv_value ins3[] = { drv_text("rolled back", -1), drv_int(1), drv_double(1), drv_null() };
    CHECK(run(d, c, S_INSERT, 4, ins3, &r) == DRV_OK, "insert in tx: %s", r.errmsg);
    CHECK(run(d, c, DRV_STMT_ROLLBACK, 0, NULL, &r) == DRV_OK, "rollback: %s", r.errmsg);
    CHECK(run(d, c, DRV_STMT_ROLLBACK, 0, NULL, &r) == DRV_OK, "rollback without a transaction: %s", r.errmsg);
    CHECK(run(d, c, S_COUNT, 0, NULL, &r) == DRV_OK && r.col[0] == 2, "count after rollback: %lld",
          (long long)r.col[0]);

    /* More parameters than a call holds inline: through pv. */
    enum { WIDE = 40 };
    strbuf sql = { 0 };
    sb_add(&sql, "SELECT ?");
    for (int i = 1; i < WIDE; i++)
        sb_add(&sql, " + ?");
    const char *wide_stmt[] = { sql.p };
    drv_value wide[WIDE];
    for (int i = 0; i < WIDE; i++)
        wide[i] = drv_int(i + 1);
    drv_call wcall = { .stmt = 0, .nparams = WIDE, .pv = wide };
    CHECK(!sql.oom && d->prepare(c, 1, wide_stmt, err, sizeof err) == 0, "prepare wide: %s", err);
    memset(&r, 0, sizeof r);
    CHECK(drv_run_sync(d, c, &wcall, &r) == DRV_OK && r.col[0] == WIDE * (WIDE + 1) / 2, "wide call: %s %lld", r.errmsg,
          (long long)r.col[0]);
    sb_free(&sql);

    char got[256] = "";
    const char *params[] = { "empty-note", NULL };
    CHECK(d->query(c, "SELECT name, note FROM surge_test_items WHERE name = ? OR name = ?", 2, params, on_text, got,
                   err, sizeof err) == 0 && strcmp(got, "empty-note|") == 0,
          "query with parameters: '%s' %s", got, err);

    sc_schema s;
    CHECK(schema_read(d, c, &s, err, sizeof err) == 0, "schema_read: %s", err);
    const sc_table *t = schema_table(&s, NULL, "surge_test_items");   /* in the login's default schema */
    CHECK(t && t->pk.ncols == 1 && strcmp(t->pk.cols[0], "id") == 0 && t->nunique == 1 && t->nchecks == 1 &&
              t->rows == 2,
          "surge_test_items as read");
    if (t) {
        const sc_column *id = schema_column(t, "id"), *name = schema_column(t, "name");
        CHECK(id && id->identity && !id->nullable, "id identity");
        CHECK(name && name->length == 64 && strcmp(name->base_type, "nvarchar") == 0, "name nvarchar(64)");
    }
    if (s.dialect)
        schema_free(&s);
    CHECK(d->exec(c, "DROP TABLE surge_test_items", err, sizeof err) == 0, "drop: %s", err);
    d->close(c);
}

int main(void)
{
    test_placeholders();
    test_dialect();
    test_urls();
    test_classes();
    test_queries();
    test_reader();
    test_connect_failures();

    const char *url = getenv("SURGE_TEST_MSSQL");
    if (!url || !*url)
        printf("skipped: SURGE_TEST_MSSQL not set\n");
    else
        test_live(url);
    return check_report();
}
