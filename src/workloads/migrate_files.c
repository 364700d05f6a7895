/* migrate_files.c - a migrations folder read into numbered files (see
 * migrate_int.h). */
#include "workloads/migrate_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "core/file.h"

/* "NNN_name.sql": the number, or -1 when name is not shaped so (1 when the
 * number is too large for a BIGINT column). */
static int parse_name(const char *name, int64_t *version)
{
    size_t len = strlen(name), digits = strspn(name, "0123456789");
    if (digits == 0 || name[digits] != '_' || len < digits + 1 + 1 + 4 || strcasecmp(name + len - 4, ".sql") != 0)
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < digits; i++) {
        int dig = name[i] - '0';
        if (v > (INT64_MAX - dig) / 10)
            return 1;
        v = v * 10 + dig;
    }
    *version = v;
    return 0;
}

static bool ends_sql(const char *name)
{
    size_t len = strlen(name);
    return len >= 4 && strcasecmp(name + len - 4, ".sql") == 0;
}

/* Versions as numbers, never subtracted: they span all of int64. */
static int by_version(const void *a, const void *b)
{
    const mg_file *x = a, *y = b;
    return (x->version > y->version) - (x->version < y->version);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void mg_checksum(const char *text, size_t len, char out[MG_CHECKSUM_LEN + 1])
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)text[i];
        h *= 0x100000001b3ULL;
    }
    snprintf(out, MG_CHECKSUM_LEN + 1, "%016llx", (unsigned long long)h);
}

static int read_file(const char *dir, mg_file *f, char *err, size_t errlen)
{
    size_t plen = strlen(dir) + 1 + strlen(f->name) + 1;
    char *path = malloc(plen);
    if (!path) {
        snprintf(err, errlen, "migrate: out of memory");
        return -1;
    }
    snprintf(path, plen, "%s/%s", dir, f->name);
    struct stat st;
    FILE *in = fopen(path, "rb");
    int rc = -1;
    if (!in || fstat(fileno(in), &st) != 0) {
        snprintf(err, errlen, "migrate: %s: %s", path, strerror(errno));
    } else if ((uintmax_t)st.st_size > MG_MAX_FILE_BYTES) {
        snprintf(err, errlen, "migrate: %s: %lld bytes, more than a migration may hold (%u MiB)", path,
                 (long long)st.st_size, MG_MAX_FILE_BYTES >> 20);
    } else {
        char why[512];
        f->text = file_read_close(in, path, (size_t)st.st_size, &f->len, why, sizeof why);
        in = NULL;
        if (f->text) {
            mg_checksum(f->text, f->len, f->checksum);
            rc = 0;
        } else {
            snprintf(err, errlen, "migrate: %s", why);
        }
    }
    if (in)
        fclose(in);
    free(path);
    return rc;
}

/* The entry names of a folder, sorted so notes come out in a stable order. */
static char **list_names(const char *path, int *count, char *err, size_t errlen)
{
    DIR *dir = opendir(path);
    if (!dir) {
        snprintf(err, errlen, "migrate: --dir %s: %s", path, strerror(errno));
        return NULL;
    }
    char **names = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            int ncap = cap ? cap * 2 : 32;
            char **grown = realloc(names, sizeof *names * (size_t)ncap);
            if (!grown)
                goto oom;
            names = grown;
            cap = ncap;
        }
        if (!(names[n] = strdup(e->d_name)))
            goto oom;
        n++;
    }
    closedir(dir);
    if (n > 1)
        qsort(names, (size_t)n, sizeof *names, by_name);
    *count = n;
    if (!names)
        names = calloc(1, sizeof *names);
    return names;
oom:
    closedir(dir);
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    snprintf(err, errlen, "migrate: out of memory");
    return NULL;
}

int mg_dir_read(const char *path, mg_dir *out, FILE *log, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    int count = 0;
    char **names = list_names(path, &count, err, errlen);
    if (!names)
        return -1;
    int rc = 0;
    out->files = calloc((size_t)(count > 0 ? count : 1), sizeof *out->files);
    if (!out->files) {
        snprintf(err, errlen, "migrate: out of memory");
        rc = -1;
    }
    for (int i = 0; i < count && rc == 0; i++) {
        size_t plen = strlen(path) + 1 + strlen(names[i]) + 1;
        char *full = malloc(plen);
        struct stat st;
        if (full)
            snprintf(full, plen, "%s/%s", path, names[i]);
        bool regular = full && stat(full, &st) == 0 && S_ISREG(st.st_mode);
        free(full);
        if (!regular)
            continue;   /* folders (and what vanished meanwhile) are not migrations */
        int64_t version = 0;
        int shape = parse_name(names[i], &version);
        if (shape != 0 && !ends_sql(names[i])) {
            if (log)
                fprintf(log, "ignored %s (not NNN_name.sql)\n", names[i]);
            continue;
        }
        if (shape != 0) {
            snprintf(err, errlen, "migrate: %s/%s: %s", path, names[i],
                     shape > 0 ? "its number is too large (at most 19 digits, below 2^63)"
                               : "not named NNN_name.sql (e.g. 001_create_users.sql)");
            rc = -1;
            break;
        }
        mg_file *f = &out->files[out->n];
        f->version = version;
        f->name = names[i];
        names[i] = NULL;
        out->n++;
        rc = read_file(path, f, err, errlen);
    }
    for (int i = 0; i < count; i++)
        free(names[i]);
    free(names);
    if (rc == 0 && out->n > 1) {
        qsort(out->files, (size_t)out->n, sizeof *out->files, by_version);
        for (int i = 1; i < out->n; i++)
            if (out->files[i].version == out->files[i - 1].version) {
                snprintf(err, errlen, "migrate: %s: two files with number %lld: %s and %s", path,
                         (long long)out->files[i].version, out->files[i - 1].name, out->files[i].name);
                rc = -1;
                break;
            }
    }
    if (rc != 0)
        mg_dir_free(out);
    return rc;
}

void mg_dir_free(mg_dir *d)
{
    if (!d)
        return;
    for (int i = 0; i < d->n; i++) {
        free(d->files[i].name);
        free(d->files[i].text);
    }
    free(d->files);
    d->files = NULL;
    d->n = 0;
}

bool mg_sql_blank(const char *p, bool hash_comments)
{
    while (*p) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f' || *p == ';') {
            p++;
        } else if ((p[0] == '-' && p[1] == '-') || (hash_comments && p[0] == '#')) {
            p += strcspn(p, "\n");
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            if (!end)
                return false;   /* let the server say what is wrong */
            p = end + 2;
        } else {
            return false;
        }
    }
    return true;
}
