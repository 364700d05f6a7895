/* test_migrate.c - a migrations folder read into numbered files: names
 * accepted and refused, numeric order, duplicates, the checksum against
 * published FNV-1a 64 values, and which texts count as holding no SQL. */
#include "workloads/migrate_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static char dir[] = "/tmp/surge-test-migrate-XXXXXX";

static void put(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static void drop(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
}

static void test_checksum(void)
{
    /* FNV-1a 64 reference values (the offset basis for "", and "a"). */
    char sum[MG_CHECKSUM_LEN + 1];
    mg_checksum("", 0, sum);
    CHECK(strcmp(sum, "cbf29ce484222325") == 0, "\"\" -> %s", sum);
    mg_checksum("a", 1, sum);
    CHECK(strcmp(sum, "af63dc4c8601ec8c") == 0, "\"a\" -> %s", sum);
    mg_checksum("foobar", 6, sum);
    CHECK(strcmp(sum, "85944171f73967e8") == 0, "\"foobar\" -> %s", sum);
}

static void test_blank(void)
{
    static const struct {
        const char *sql;
        bool hash, blank;
    } cases[] = {
        {"", false, true},
        {"  \n\t;\n", false, true},
        {"-- only a comment\n", false, true},
        {"/* block */ -- and line\n;", false, true},
        {"# mysql comment\n", true, true},
        {"# not a comment elsewhere\n", false, false},
        {"SELECT 1", false, false},
        {"-- c\nSELECT 1", false, false},
        {"/* unterminated", false, false},
    };
    for (size_t i = 0; i < LEN(cases); i++)
        CHECK(mg_sql_blank(cases[i].sql, cases[i].hash) == cases[i].blank, "\"%s\" (hash %d)", cases[i].sql,
              cases[i].hash);
}

static void test_folder(void)
{
    char err[512];
    mg_dir d;
    put("10_c.sql", "SELECT 10;");
    put("2_b.sql", "SELECT 2;");
    put("001_a.sql", "SELECT 1;");
    put("README.md", "notes");
    put(".hidden.sql", "ignored");
    int rc = mg_dir_read(dir, &d, NULL, err, sizeof err);
    CHECK(rc == 0 && d.n == 3, "rc %d n %d: %s", rc, d.n, err);
    if (rc == 0 && d.n == 3) {
        CHECK(d.files[0].version == 1 && d.files[1].version == 2 && d.files[2].version == 10,
              "order %lld %lld %lld", (long long)d.files[0].version, (long long)d.files[1].version,
              (long long)d.files[2].version);
        CHECK(strcmp(d.files[2].name, "10_c.sql") == 0 && strcmp(d.files[2].text, "SELECT 10;") == 0, "%s",
              d.files[2].name);
        char sum[MG_CHECKSUM_LEN + 1];
        mg_checksum("SELECT 2;", 9, sum);
        CHECK(strcmp(d.files[1].checksum, sum) == 0, "%s vs %s", d.files[1].checksum, sum);
    }
    mg_dir_free(&d);

    static const struct {
        const char *name, *needle;
    } bad[] = {
        {"02_again.sql", "2_b.sql"},                     /* duplicate number: names both */
        {"create.sql", "create.sql"},                    /* no number */
        {"3.sql", "3.sql"},                              /* no name */
        {"4-dash.sql", "4-dash.sql"},                    /* no underscore */
        {"99999999999999999999_big.sql", "too large"},   /* past 2^63 */
    };
    for (size_t i = 0; i < LEN(bad); i++) {
        put(bad[i].name, "SELECT 1;");
        err[0] = '\0';
        rc = mg_dir_read(dir, &d, NULL, err, sizeof err);
        CHECK(rc == -1 && strstr(err, bad[i].needle), "%s: rc %d err \"%s\"", bad[i].name, rc, err);
        mg_dir_free(&d);
        drop(bad[i].name);
    }
    put("9223372036854775807_max.sql", "SELECT 1;");
    rc = mg_dir_read(dir, &d, NULL, err, sizeof err);
    CHECK(rc == 0 && d.n == 4 && d.files[3].version == INT64_MAX, "largest number: rc %d: %s", rc, err);
    mg_dir_free(&d);
    drop("9223372036854775807_max.sql");

    rc = mg_dir_read("/nonexistent/surge-migrations", &d, NULL, err, sizeof err);
    CHECK(rc == -1 && strstr(err, "/nonexistent/surge-migrations"), "missing folder: %s", err);

    static const char *const all[] = { "10_c.sql", "2_b.sql", "001_a.sql", "README.md", ".hidden.sql" };
    for (size_t i = 0; i < LEN(all); i++)
        drop(all[i]);
}

int main(void)
{
    test_checksum();
    test_blank();
    if (mkdtemp(dir)) {
        test_folder();
        rmdir(dir);
    } else {
        CHECK(0, "mkdtemp failed");
    }
    return check_report();
}
