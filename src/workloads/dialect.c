/* dialect.c - per-dialect pieces of generated SQL (see dialect.h). */
#include "workloads/dialect.h"

#include <string.h>

dl_kind dl_kind_of(const char *d)
{
    if (!d)
        return DL_OTHER;
    if (!strcmp(d, "sqlite"))
        return DL_SQLITE;
    if (!strcmp(d, "postgres"))
        return DL_POSTGRES;
    if (!strcmp(d, "mysql"))
        return DL_MYSQL;
    if (!strcmp(d, "mssql"))
        return DL_MSSQL;
    return DL_OTHER;
}

void dl_quote(strbuf *b, dl_kind k, const char *name)
{
    char open = '"', close = '"';
    if (k == DL_MYSQL)
        open = close = '`';
    else if (k == DL_MSSQL)
        open = '[', close = ']';
    sb_addc(b, open);
    for (const char *p = name; *p; p++) {
        if (*p == close)
            sb_addc(b, close);   /* doubled: the only escape each dialect has */
        sb_addc(b, *p);
    }
    sb_addc(b, close);
}

void dl_table(strbuf *b, dl_kind k, const char *schema, const char *name)
{
    if (schema && *schema) {
        dl_quote(b, k, schema);
        sb_addc(b, '.');
    }
    dl_quote(b, k, name);
}

void dl_select_top(strbuf *b, dl_kind k, long n)
{
    if (k == DL_MSSQL)
        sb_addf(b, "TOP (%ld) ", n);
}

void dl_limit(strbuf *b, dl_kind k, long n)
{
    if (k != DL_MSSQL)
        sb_addf(b, " LIMIT %ld", n);
}

void dl_output_key(strbuf *b, dl_kind k, const char *col)
{
    if (k == DL_MSSQL) {
        sb_add(b, " OUTPUT INSERTED.");
        dl_quote(b, k, col);
    }
}

void dl_returning_key(strbuf *b, dl_kind k, const char *col)
{
    if (k == DL_POSTGRES || k == DL_SQLITE) {
        sb_add(b, " RETURNING ");
        dl_quote(b, k, col);
    }
}

const char *dl_random(dl_kind k)
{
    switch (k) {
    case DL_MYSQL: return "RAND()";
    case DL_MSSQL: return "NEWID()";
    default: return "random()";
    }
}
