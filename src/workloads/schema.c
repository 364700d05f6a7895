/* schema.c - the schema model: reading it (one reader per dialect), finding
 * in it, freeing it, and showing it to people (text) and programs (JSON).
 *
 * The readers only fill the model; everything that must hold whatever the
 * dialect (tables in one order, the dialect named, a failed read leaving
 * nothing behind) is done here, once.
 */
#include "workloads/schema.h"

#include <stdlib.h>
#include <string.h>

#include "out/jsonw.h"

/* ---- reading ---------------------------------------------------------- */

static int cmp_str_null_first(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

/* Byte order, not the server's collation: the same schema lists the same
 * way on every dialect and under every locale. */
static int cmp_tables(const void *pa, const void *pb)
{
    const sc_table *a = pa, *b = pb;
    int c = cmp_str_null_first(a->schema, b->schema);
    return c ? c : cmp_str_null_first(a->name, b->name);
}

int schema_read(const drv_ops *d, drv_conn *c, sc_schema *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!d->query) {
        snprintf(err, errlen, "%s targets have no catalog to read", d->name);
        return -1;
    }
    int rc;
    if (strcmp(d->dialect, "sqlite") == 0)
        rc = schema_read_sqlite(d, c, out, err, errlen);
    else if (strcmp(d->dialect, "postgres") == 0)
        rc = schema_read_postgres(d, c, out, err, errlen);
    else if (strcmp(d->dialect, "mysql") == 0)
        rc = schema_read_mysql(d, c, out, err, errlen);
    else if (strcmp(d->dialect, "mssql") == 0)
        rc = schema_read_mssql(d, c, out, err, errlen);
    else {
        snprintf(err, errlen, "no catalog reader for %s targets (dialect %s)", d->name, d->dialect);
        return -1;
    }
    /* A reader that fails may leave a partial model (its counts cover only
     * entries it initialised); schema_free takes it whole. */
    if (rc != 0) {
        schema_free(out);
        return -1;
    }
    if (!out->dialect && !(out->dialect = strdup(d->dialect))) {
        schema_free(out);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (out->ntables > 1)
        qsort(out->tables, (size_t)out->ntables, sizeof *out->tables, cmp_tables);
    return 0;
}

/* ---- freeing ---------------------------------------------------------- */

static void free_strings(char **v, int n)
{
    if (!v)
        return;
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void key_free(sc_key *k)
{
    free(k->name);
    free_strings(k->cols, k->ncols);
}

static void table_free(sc_table *t)
{
    free(t->schema);
    free(t->name);
    for (int i = 0; t->cols && i < t->ncols; i++) {
        sc_column *c = &t->cols[i];
        free(c->name);
        free(c->type);
        free(c->base_type);
        free(c->default_expr);
        free_strings(c->enum_values, c->nenum);
    }
    free(t->cols);
    key_free(&t->pk);
    for (int i = 0; t->unique && i < t->nunique; i++)
        key_free(&t->unique[i]);
    free(t->unique);
    for (int i = 0; t->fkeys && i < t->nfkeys; i++) {
        sc_fkey *f = &t->fkeys[i];
        free(f->name);
        free(f->ref_schema);
        free(f->ref_table);
        free_strings(f->cols, f->ncols);
        free_strings(f->ref_cols, f->ncols);
    }
    free(t->fkeys);
    for (int i = 0; t->checks && i < t->nchecks; i++) {
        free(t->checks[i].name);
        free(t->checks[i].expr);
    }
    free(t->checks);
}

/* Leaves *s zeroed, so freeing twice (a reader that cleans up after
 * itself, then schema_read) is harmless. */
void schema_free(sc_schema *s)
{
    if (!s)
        return;
    for (int i = 0; s->tables && i < s->ntables; i++)
        table_free(&s->tables[i]);
    free(s->tables);
    free(s->dialect);
    memset(s, 0, sizeof *s);
}

/* ---- finding ---------------------------------------------------------- */

const sc_table *schema_table(const sc_schema *s, const char *schema, const char *name)
{
    for (int i = 0; i < s->ntables; i++) {
        const sc_table *t = &s->tables[i];
        if (strcmp(t->name, name) == 0 && (!schema || (t->schema && strcmp(t->schema, schema) == 0)))
            return t;
    }
    return NULL;
}

const sc_column *schema_column(const sc_table *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0)
            return &t->cols[i];
    return NULL;
}

/* ---- text, for people ------------------------------------------------- */

/* Names are shown bare when they read unambiguously, in double quotes
 * (doubled inside) when they hold spaces, punctuation or nothing at all:
 * `"Order Lines"`, but `order` and `user` as they are. */
static bool plain_name(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              (unsigned char)*s >= 0x80))
            return false;
    return true;
}

/* Columns on screen, not bytes: UTF-8 continuation bytes take none. */
static int text_width(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static int name_width(const char *s)
{
    if (!s)
        s = "";
    if (plain_name(s))
        return text_width(s);
    int n = 2 + text_width(s);
    for (; *s; s++)
        n += *s == '"';
    return n;
}

/* Returns the columns it took, for alignment. */
static int print_name(FILE *out, const char *s)
{
    if (!s)
        s = "";
    if (plain_name(s))
        fputs(s, out);
    else {
        fputc('"', out);
        for (const char *p = s; *p; p++) {
            if (*p == '"')
                fputc('"', out);
            fputc(*p, out);
        }
        fputc('"', out);
    }
    return name_width(s);
}

static void print_list(FILE *out, char *const *names, int n)
{
    fputc('(', out);
    for (int i = 0; i < n; i++) {
        if (i)
            fputs(", ", out);
        print_name(out, names[i]);
    }
    fputc(')', out);
}

static void print_qualified(FILE *out, const char *schema, const char *name)
{
    if (schema) {
        print_name(out, schema);
        fputc('.', out);
    }
    print_name(out, name);
}

static void print_rows(FILE *out, const sc_table *t)
{
    if (t->rows < 0)
        fputs("rows unknown", out);
    else
        fprintf(out, "%s%lld %s", t->rows_estimated ? "about " : "", (long long)t->rows,
                t->rows == 1 ? "row" : "rows");
}

static void print_pad(FILE *out, int written, int width)
{
    for (int i = written; i < width; i++)
        fputc(' ', out);
}

#define DEFAULT_SHOWN_MAX 40   /* longer defaults still print whole, past the column */

static void print_table(FILE *out, const sc_table *t)
{
    print_qualified(out, t->schema, t->name);
    fputs("  (", out);
    print_rows(out, t);
    fputs(")\n", out);

    int wname = 0, wtype = 0, wdef = 0;
    for (int i = 0; i < t->ncols; i++) {
        const sc_column *c = &t->cols[i];
        int n = name_width(c->name);
        wname = n > wname ? n : wname;
        n = c->type && *c->type ? text_width(c->type) : 1;
        wtype = n > wtype ? n : wtype;
        n = c->default_expr ? text_width(c->default_expr) + 8 : 0;
        n = n > DEFAULT_SHOWN_MAX ? DEFAULT_SHOWN_MAX : n;
        wdef = n > wdef ? n : wdef;
    }
    for (int i = 0; i < t->ncols; i++) {
        const sc_column *c = &t->cols[i];
        fputs("    ", out);
        print_pad(out, print_name(out, c->name), wname + 2);
        /* A column the catalog gives no type (SQLite allows it) shows '-'. */
        const char *type = c->type && *c->type ? c->type : "-";
        fputs(type, out);
        print_pad(out, text_width(type), wtype + 2);
        int n = fprintf(out, "%s", c->nullable ? "null" : "not null");
        bool more = c->default_expr || c->identity || c->generated || c->nenum > 0;
        if (more)
            print_pad(out, n, 10);
        n = 0;
        if (c->default_expr) {
            fprintf(out, "default %s", c->default_expr);
            n = 8 + text_width(c->default_expr);
        }
        bool extra = c->identity || c->generated || c->nenum > 0;
        if (extra && wdef)
            print_pad(out, n, wdef + 2);
        const char *sep = "";
        if (c->identity)
            fputs("identity", out), sep = "  ";
        if (c->generated)
            fprintf(out, "%sgenerated", sep), sep = "  ";
        if (c->nenum > 0) {
            fprintf(out, "%senum(", sep);
            for (int e = 0; e < c->nenum; e++) {
                fputs(e ? ", '" : "'", out);
                for (const char *p = c->enum_values[e]; p && *p; p++) {
                    if (*p == '\'')
                        fputc('\'', out);
                    fputc(*p, out);
                }
                fputc('\'', out);
            }
            fputc(')', out);
        }
        fputc('\n', out);
    }
    if (t->pk.ncols > 0) {
        fputs("  PRIMARY KEY ", out);
        print_list(out, t->pk.cols, t->pk.ncols);
        fputc('\n', out);
    }
    for (int i = 0; i < t->nunique; i++) {
        fputs("  ", out);
        if (t->unique[i].name) {
            fputs("CONSTRAINT ", out);
            print_name(out, t->unique[i].name);
            fputc(' ', out);
        }
        fputs("UNIQUE ", out);
        print_list(out, t->unique[i].cols, t->unique[i].ncols);
        fputc('\n', out);
    }
    for (int i = 0; i < t->nfkeys; i++) {
        const sc_fkey *f = &t->fkeys[i];
        fputs("  ", out);
        if (f->name) {
            fputs("CONSTRAINT ", out);
            print_name(out, f->name);
            fputc(' ', out);
        }
        fputs("FOREIGN KEY ", out);
        print_list(out, f->cols, f->ncols);
        fputs(" -> ", out);
        print_qualified(out, f->ref_schema, f->ref_table);
        print_list(out, f->ref_cols, f->ncols);
        fputc('\n', out);
    }
    for (int i = 0; i < t->nchecks; i++) {
        fputs("  ", out);
        if (t->checks[i].name) {
            fputs("CONSTRAINT ", out);
            print_name(out, t->checks[i].name);
            fputc(' ', out);
        }
        fprintf(out, "CHECK (%s)\n", t->checks[i].expr ? t->checks[i].expr : "");
    }
}

void schema_print(const sc_schema *s, FILE *out)
{
    fprintf(out, "%s: %d %s\n", s->dialect ? s->dialect : "?", s->ntables, s->ntables == 1 ? "table" : "tables");
    for (int i = 0; i < s->ntables; i++) {
        fputc('\n', out);
        print_table(out, &s->tables[i]);
    }
}

/* ---- JSON, for programs ----------------------------------------------- */

static void json_names(jsonw *w, char *const *names, int n)
{
    jsonw_array_flat(w);
    for (int i = 0; i < n; i++)
        jsonw_string(w, names[i]);
    jsonw_end(w);
}

static void json_int_or_null(jsonw *w, const char *key, int64_t v)
{
    jsonw_key(w, key);
    if (v < 0)
        jsonw_null(w);
    else
        jsonw_int(w, v);
}

static void json_column(jsonw *w, const sc_column *c)
{
    jsonw_object_flat(w);   /* one column a line */
    jsonw_key(w, "name");      jsonw_string(w, c->name);
    jsonw_key(w, "type");      jsonw_string(w, c->type);
    jsonw_key(w, "base_type"); jsonw_string(w, c->base_type);
    jsonw_key(w, "nullable");  jsonw_bool(w, c->nullable);
    jsonw_key(w, "default");   jsonw_string(w, c->default_expr);
    jsonw_key(w, "identity");  jsonw_bool(w, c->identity);
    jsonw_key(w, "generated"); jsonw_bool(w, c->generated);
    json_int_or_null(w, "length", c->length);
    json_int_or_null(w, "precision", c->precision);
    json_int_or_null(w, "scale", c->scale);
    jsonw_key(w, "enum");
    if (c->nenum > 0)
        json_names(w, c->enum_values, c->nenum);
    else
        jsonw_null(w);
    jsonw_end(w);
}

static void json_table(jsonw *w, const sc_table *t)
{
    jsonw_object(w);
    jsonw_key(w, "schema");         jsonw_string(w, t->schema);
    jsonw_key(w, "name");           jsonw_string(w, t->name);
    json_int_or_null(w, "rows", t->rows);
    jsonw_key(w, "rows_estimated"); jsonw_bool(w, t->rows_estimated);
    jsonw_key(w, "columns");
    jsonw_array(w);
    for (int i = 0; i < t->ncols; i++)
        json_column(w, &t->cols[i]);
    jsonw_end(w);
    jsonw_key(w, "primary_key");
    json_names(w, t->pk.cols, t->pk.ncols);
    jsonw_key(w, "unique");
    jsonw_array(w);
    for (int i = 0; i < t->nunique; i++) {
        jsonw_object_flat(w);
        jsonw_key(w, "name");    jsonw_string(w, t->unique[i].name);
        jsonw_key(w, "columns"); json_names(w, t->unique[i].cols, t->unique[i].ncols);
        jsonw_end(w);
    }
    jsonw_end(w);
    jsonw_key(w, "foreign_keys");
    jsonw_array(w);
    for (int i = 0; i < t->nfkeys; i++) {
        const sc_fkey *f = &t->fkeys[i];
        jsonw_object_flat(w);
        jsonw_key(w, "name");        jsonw_string(w, f->name);
        jsonw_key(w, "columns");     json_names(w, f->cols, f->ncols);
        jsonw_key(w, "ref_schema");  jsonw_string(w, f->ref_schema);
        jsonw_key(w, "ref_table");   jsonw_string(w, f->ref_table);
        jsonw_key(w, "ref_columns"); json_names(w, f->ref_cols, f->ncols);
        jsonw_end(w);
    }
    jsonw_end(w);
    jsonw_key(w, "checks");
    jsonw_array(w);
    for (int i = 0; i < t->nchecks; i++) {
        jsonw_object_flat(w);
        jsonw_key(w, "name"); jsonw_string(w, t->checks[i].name);
        jsonw_key(w, "expr"); jsonw_string(w, t->checks[i].expr);
        jsonw_end(w);
    }
    jsonw_end(w);
    jsonw_end(w);
}

int schema_print_json(const sc_schema *s, FILE *out)
{
    jsonw w;
    jsonw_init(&w, out, 2);
    jsonw_object(&w);
    jsonw_key(&w, "dialect");
    jsonw_string(&w, s->dialect);
    jsonw_key(&w, "tables");
    jsonw_array(&w);
    for (int i = 0; i < s->ntables; i++)
        json_table(&w, &s->tables[i]);
    jsonw_end(&w);
    jsonw_end(&w);
    return jsonw_finish(&w);
}

int schema_find(const sc_schema *s, const char *name, size_t len)
{
    for (int i = 0; i < s->ntables; i++)
        if (strlen(s->tables[i].name) == len && !strncmp(s->tables[i].name, name, len))
            return i;
    /* schema.table */
    for (int i = 0; i < s->ntables; i++) {
        const sc_table *t = &s->tables[i];
        size_t sl = t->schema ? strlen(t->schema) : 0;
        if (sl && len == sl + 1 + strlen(t->name) && !strncmp(name, t->schema, sl) && name[sl] == '.' &&
            !strncmp(name + sl + 1, t->name, len - sl - 1))
            return i;
    }
    return -1;
}
