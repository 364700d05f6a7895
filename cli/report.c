/* report.c - `surge report RESULT.json -o FILE.html`: the HTML report of a
 * result file written by `surge run --out json:FILE` (libsurge's
 * surge_report_html). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"


#define MAX_RESULT_BYTES (512u << 20)   /* far past any result: history is bounded */

static void report_help(FILE *out)
{
    fprintf(out,
            "usage: surge report RESULT.json [-o FILE.html]\n\n"
            "Write a self-contained HTML report of a result file (surge run --out json:FILE):\n"
            "charts of the target vs actual rate, latency percentiles and errors over time,\n"
            "the per-operation and latency tables, threshold verdicts, the errors and the\n"
            "run's settings. It opens in any browser with no network: the charts (uPlot)\n"
            "and the data are inside the file.\n\n"
            "options:\n"
            "  -o, --output FILE   where to write it (default: RESULT with .html for .json; - for stdout)\n\n"
            "  surge run sqlite:shop.db --duration 1m --out json:r.json && surge report r.json -o r.html\n");
}

/* The whole file as a string. NULL with a message (2: the user's mistake). */
static char *read_all(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        cli_usage_error("report: cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 1 >= cap) {
            cap = cap ? cap * 2 : 1 << 16;
            char *p = cap <= MAX_RESULT_BYTES ? realloc(buf, cap) : NULL;
            if (!p) {
                cli_usage_error("report: %s: larger than %u MiB, or out of memory", path, MAX_RESULT_BYTES >> 20);
                goto fail;
            }
            buf = p;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f)) {
        cli_usage_error("report: cannot read %s: %s", path, strerror(errno));
        goto fail;
    }
    buf[len] = '\0';
    if (strlen(buf) != len) {
        cli_usage_error("report: %s: not a result file (a NUL byte at offset %zu)", path, strlen(buf));
        goto fail;
    }
    if (f != stdin)
        fclose(f);
    return buf;
fail:
    if (f != stdin)
        fclose(f);
    free(buf);
    return NULL;
}

static char *default_output(const char *in)
{
    size_t n = strlen(in);
    size_t stem = n > 5 && strcmp(in + n - 5, ".json") == 0 ? n - 5 : n;
    char *out = malloc(stem + 6);
    if (out)
        snprintf(out, stem + 6, "%.*s.html", (int)stem, in);
    return out;
}

/* A run's result or a stress's (surge stress --out json:): the stress
 * document is the one with a capacity. */
static int render(const char *json, FILE *out, char *err, size_t errlen)
{
    if (strstr(json, "\"capacity\"") && strstr(json, "\"levels\""))
        return surge_stress_report_html(json, out, err, errlen);
    return surge_report_html(json, out, err, errlen);
}

/* Written beside the target, then renamed over it: a failure (a full disk)
 * leaves an older report whole rather than half a new one. */
static int write_report(const char *json, const char *path)
{
    char err[512];
    if (strcmp(path, "-") == 0) {
        if (render(json, stdout, err, sizeof err) != 0) {
            fprintf(stderr, "surge: report: %s\n", err);
            return 1;
        }
        return 0;
    }
    size_t n = strlen(path);
    char *tmp = malloc(n + 8);
    if (!tmp)
        return fprintf(stderr, "surge: report: out of memory\n"), 1;
    snprintf(tmp, n + 8, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        int e = errno;
        if (fd >= 0) {
            close(fd);
            unlink(tmp);
        }
        free(tmp);
        return cli_usage_error("report: cannot write %s: %s", path, strerror(e));
    }
    mode_t mask = umask(0);   /* mkstemp makes 0600; a report is as readable as any file the user writes */
    umask(mask);
    fchmod(fd, 0666 & ~mask);
    int rc = 0;
    if (render(json, f, err, sizeof err) != 0) {
        fprintf(stderr, "surge: report: %s: %s\n", path, err);
        rc = 1;
    }
    if (fclose(f) != 0 && rc == 0) {
        fprintf(stderr, "surge: report: writing %s failed: %s\n", path, strerror(errno));
        rc = 1;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        fprintf(stderr, "surge: report: cannot write %s: %s\n", path, strerror(errno));
        rc = 1;
    }
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

int cmd_report(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("report: %s: needs a file name", argv[i]);
            out = argv[++i];
        } else if (strncmp(argv[i], "--output=", 9) == 0) {
            out = argv[i] + 9;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            report_help(stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("report: unknown option '%s' (see surge report --help)", argv[i]);
        } else if (!in) {
            in = argv[i];
        } else {
            return cli_usage_error("report: unexpected argument '%s' (one result file)", argv[i]);
        }
    }
    if (!in)
        return cli_usage_error("report: no result file given (e.g. surge report result.json -o report.html)");
    if (out && !*out)
        return cli_usage_error("report: -o: needs a file name");

    char *json = read_all(in);
    if (!json)
        return 2;
    /* Check the input before touching the output: a bad file must not cost
     * the user an older report. */
    char err[512];
    FILE *sink = fopen("/dev/null", "w");
    int bad = sink ? render(json, sink, err, sizeof err) : 0;
    if (sink)
        fclose(sink);
    if (bad) {
        free(json);
        return cli_usage_error("report: %s: %s", in, err);
    }
    if (!out && strcmp(in, "-") == 0)
        out = "-";
    char *def = out ? NULL : default_output(in);
    int rc = write_report(json, out ? out : def ? def : "report.html");
    free(def);
    free(json);
    return rc;
}
