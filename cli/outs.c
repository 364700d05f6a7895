/* outs.c - the files of --out for surge run and surge stress (see outs.h). */
#include "outs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_outs_open(cli_outs *o, const cli_run *opts)
{
    o->opts = opts;
    for (int i = 0; i < opts->nouts; i++) {
        o->created[i] = access(opts->outs[i].path, F_OK) != 0;
        o->files[i] = fopen(opts->outs[i].path, "a");
        if (!o->files[i])
            return cli_usage_error("--out: cannot write %s: %s", opts->outs[i].path, strerror(errno));
    }
    return 0;
}

int cli_outs_empty(cli_outs *o, bool events, FILE **emptied)
{
    int n = 0;
    for (int i = 0; i < o->opts->nouts; i++) {
        if ((o->opts->outs[i].kind == OUT_EVENTS) != events)
            continue;
        if (ftruncate(fileno(o->files[i]), 0) != 0)
            fprintf(stderr, "surge: cannot truncate %s: %s\n", o->opts->outs[i].path, strerror(errno));
        if (emptied)
            emptied[n] = o->files[i];
        n++;
    }
    return n;
}

void cli_outs_abandon(const cli_outs *o)
{
    for (int i = 0; i < o->opts->nouts; i++)
        if (o->created[i])
            unlink(o->opts->outs[i].path);
}

int cli_outs_close(cli_outs *o, int rc)
{
    for (int i = 0; i < CLI_MAX_OUTS; i++) {
        if (o->files[i] && fclose(o->files[i]) != 0) {
            fprintf(stderr, "surge: writing %s failed: %s\n", o->opts->outs[i].path, strerror(errno));
            rc = rc ? rc : 1;
        }
        o->files[i] = NULL;
    }
    return rc;
}

void cli_outs_event(FILE *const *logs, int n, const surge_event *e)
{
    for (int i = 0; i < n; i++) {
        fputs(e->json, logs[i]);
        fputc('\n', logs[i]);
        fflush(logs[i]);
    }
}

int cli_write_html(int (*write_json)(const void *what, FILE *out), const void *what,
                   int (*render_html)(const char *json, FILE *out, char *err, size_t errlen), FILE *out,
                   const char *path)
{
    char *json = NULL;
    size_t len = 0;
    char err[512] = "out of memory";
    FILE *mem = open_memstream(&json, &len);
    int rc = -1;
    if (mem) {
        int wrote = write_json(what, mem);
        if (fclose(mem) == 0 && wrote == 0)
            rc = render_html(json, out, err, sizeof err);
    }
    if (rc != 0)
        fprintf(stderr, "surge: writing %s failed: %s\n", path, err);
    free(json);
    return rc;
}
