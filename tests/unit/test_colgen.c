/* test_colgen.c - column generators: values fit the column as the catalog
 * describes it, CHECKs of simple forms narrow them, unique plans give
 * distinct values, hand-picked generators parse. Every value is checked
 * against the column's rules directly, over many draws. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "workloads/colgen.h"

#define DRAWS 5000

static sc_column col(const char *name, const char *type, const char *base, int length, int precision, int scale)
{
    return (sc_column){ .name = (char *)name, .type = (char *)type, .base_type = (char *)base, .nullable = false,
                        .length = length, .precision = precision, .scale = scale };
}

static void test_types(void)
{
    sc_column cols[] = {
        col("code", "character varying(5)", "varchar", 5, -1, -1),
        col("price", "numeric(6,2)", "numeric", -1, 6, 2),
        col("n", "smallint", "smallint", -1, -1, -1),
        col("email", "varchar(40)", "varchar", 40, -1, -1),
        col("at", "timestamp", "timestamp", -1, -1, -1),
        col("tags", "text[]", "text[]", -1, -1, -1),
    };
    sc_table t = { .name = "t", .ncols = 6, .cols = cols };
    rng_t r;
    rng_seed(&r, 1, 0);
    cg_col g[6];
    for (int i = 0; i < 6; i++)
        cg_plan(&g[i], &t, i, false, DL_POSTGRES);
    CHECK(g[0].kind == CG_CODE, "varchar(5) is too short for words: %s", cg_kind_name(g[0].kind));
    CHECK(g[1].kind == CG_DECIMAL, "numeric: %s", cg_kind_name(g[1].kind));
    CHECK(g[3].kind == CG_EMAIL, "a column named email: %s", cg_kind_name(g[3].kind));
    CHECK(g[4].kind == CG_TIMESTAMP, "timestamp: %s", cg_kind_name(g[4].kind));
    CHECK(g[5].kind == CG_NULL, "an array is left NULL: %s", cg_kind_name(g[5].kind));
    char *buf = malloc(4096);
    int bad_len = 0, bad_price = 0, bad_n = 0, bad_email = 0;
    for (int i = 0; i < DRAWS; i++) {
        drv_value v = cg_value(&g[0], &r, 0, buf);
        bad_len += v.type != DRV_TEXT || v.v.text.len < 1 || v.v.text.len > 5;
        v = cg_value(&g[1], &r, 0, buf);
        double d = v.type == DRV_TEXT ? atof(v.v.text.s) : -1;
        const char *dot = v.type == DRV_TEXT ? strchr(v.v.text.s, '.') : NULL;
        bad_price += d < 0 || d > 9999.99 || !dot || strlen(dot + 1) != 2;
        v = cg_value(&g[2], &r, 0, buf);
        bad_n += v.type != DRV_INT || v.v.i < 1 || v.v.i > 32767;
        v = cg_value(&g[3], &r, 0, buf);
        bad_email += v.type != DRV_TEXT || v.v.text.len > 40 || !memchr(v.v.text.s, '@', (size_t)v.v.text.len);
    }
    CHECK(bad_len == 0, "%d varchar(5) values of the wrong length", bad_len);
    CHECK(bad_price == 0, "%d numeric(6,2) values out of range or scale", bad_price);
    CHECK(bad_n == 0, "%d smallint values out of range", bad_n);
    CHECK(bad_email == 0, "%d emails too long or without @", bad_email);
    for (int i = 0; i < 6; i++)
        cg_free(&g[i]);
    free(buf);
}

static void test_checks(void)
{
    sc_column cols[] = {
        col("qty", "integer", "integer", -1, -1, -1),
        col("status", "text", "text", -1, -1, -1),
        col("score", "double precision", "double precision", -1, -1, -1),
        col("label", "text", "text", -1, -1, -1),
    };
    sc_check checks[] = {
        { .expr = "CHECK ((qty > 0))" },
        { .expr = "CHECK (qty <= 7)" },
        { .expr = "CHECK (((status)::text = ANY ((ARRAY['new'::character varying, 'it''s paid'::character varying])::text[])))" },
        { .expr = "CHECK (score BETWEEN 2.5 AND 3)" },
        { .expr = "CHECK (length(label) <= 4)" },
        { .expr = "CHECK (qty < score)" },   /* two columns: not one surge solves; must be ignored */
    };
    sc_table t = { .name = "t", .ncols = 4, .cols = cols, .nchecks = 6, .checks = checks };
    cg_col g[4];
    for (int i = 0; i < 4; i++)
        cg_plan(&g[i], &t, i, false, DL_POSTGRES);
    CHECK(g[0].kind == CG_INT && g[0].lo == 1 && g[0].hi == 7, "qty > 0 AND qty <= 7: %lld..%lld", (long long)g[0].lo,
          (long long)g[0].hi);
    CHECK(g[1].kind == CG_CHOICE && g[1].nchoices == 2 && !strcmp(g[1].choices[1], "it's paid"),
          "status IN two literals, quotes undone: %s, %d", cg_kind_name(g[1].kind), g[1].nchoices);
    CHECK(g[2].dlo == 2.5 && g[2].dhi == 3, "score BETWEEN 2.5 AND 3: %g..%g", g[2].dlo, g[2].dhi);
    CHECK(g[3].maxlen == 4, "length(label) <= 4: maxlen %d", g[3].maxlen);
    rng_t r;
    rng_seed(&r, 2, 0);
    char *buf = malloc(4096);
    int bad = 0;
    for (int i = 0; i < DRAWS; i++) {
        drv_value v = cg_value(&g[3], &r, 0, buf);
        bad += v.v.text.len > 4;
        v = cg_value(&g[2], &r, 0, buf);
        bad += v.v.d < 2.5 || v.v.d > 3;
    }
    CHECK(bad == 0, "%d values break their CHECK", bad);
    for (int i = 0; i < 4; i++)
        cg_free(&g[i]);
    free(buf);
}

static void test_unique(void)
{
    sc_column cols[] = { col("k", "varchar(6)", "varchar", 6, -1, -1), col("email", "text", "text", -1, -1, -1) };
    sc_table t = { .name = "t", .ncols = 2, .cols = cols };
    rng_t r;
    rng_seed(&r, 3, 0);
    char a[64], b[64], *buf = malloc(4096);
    for (int c = 0; c < 2; c++) {
        cg_col g;
        cg_plan(&g, &t, c, true, DL_MYSQL);
        int dup = 0, inverse = 0;
        for (uint64_t u = 0; u < 2000; u++) {
            drv_value v = cg_value(&g, &r, u, buf);
            snprintf(a, sizeof a, "%.*s", v.v.text.len, v.v.text.s);
            v = cg_value(&g, &r, u + 1, buf);
            snprintf(b, sizeof b, "%.*s", v.v.text.len, v.v.text.s);
            dup += !strcmp(a, b);
            inverse += cg_unique_number(&g, a) != (int64_t)u;
        }
        CHECK(dup == 0, "%s: %d neighbours equal", cols[c].name, dup);
        CHECK(inverse == 0, "%s: %d values that do not decode to their number", cols[c].name, inverse);
        cg_free(&g);
    }
    free(buf);
}

static void test_override(void)
{
    sc_column cols[] = { col("age", "integer", "integer", -1, -1, -1) };
    sc_table t = { .name = "t", .ncols = 1, .cols = cols };
    cg_col g;
    char err[256];
    cg_plan(&g, &t, 0, false, DL_SQLITE);
    CHECK(cg_override(&g, "int:18..90", err, sizeof err) == 0 && g.lo == 18 && g.hi == 90, "int:18..90: %s", err);
    CHECK(cg_override(&g, "decimal:5..6", err, sizeof err) == 0 && g.dlo == 5 && g.dhi == 6, "decimal:5..6: %s", err);
    CHECK(cg_override(&g, "choice:a|b|c", err, sizeof err) == 0 && g.nchoices == 3, "choice: %d", g.nchoices);
    CHECK(cg_override(&g, "int:5", err, sizeof err) != 0 && strstr(err, "LO..HI"), "int:5 is refused: %s", err);
    CHECK(cg_override(&g, "nonsense", err, sizeof err) != 0 && strstr(err, "unknown generator"), "%s", err);
    CHECK(cg_override(&g, "choice:", err, sizeof err) != 0, "an empty choice is refused");
    cg_free(&g);
}

int main(void)
{
    test_types();
    test_checks();
    test_unique();
    test_override();
    return check_report();
}
