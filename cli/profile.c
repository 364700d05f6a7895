/* profile.c - profiles: `surge run` settings kept in a YAML or JSON file
 * (docs/profiles.md): the settings, their checks, where the files live, and
 * the run options a profile stands for. profile_yaml.c reads and writes
 * the files.
 *
 * One table below names every setting: its key in the file, the `surge run`
 * option it becomes, the kind of value it takes. Loading walks the parsed
 * document against the table, so an unknown key, a value of the wrong type
 * or out of range is reported at its place in the file before anything
 * runs; `surge profile save` checks its options against the same table, so
 * what it writes always loads back.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/pattern.h"
#include "profile_int.h"
#include "surge.h"

/* ---- the settings ---------------------------------------------------------- */

#define OFF(m) offsetof(profile, m)

const pf_field pf_fields[] = {
    { "name",            PF_TOP,   NULL,              0,   PFK_META,     0, 0, OFF(name) },
    { "description",     PF_TOP,   "description",     0,   PFK_META,     0, 0, OFF(description) },
    { "tags",            PF_TOP,   "tag",             0,   PFK_TAGS,     0, 0, OFF(tags) },
    { "target",          PF_TOP,   "target",          'T', PFK_STR,      0, 0, OFF(target) },
    { "workload",        PF_TOP,   "workload",        'w', PFK_STR,      0, 0, OFF(workload) },
    { "tables",          PF_TOP,   "tables",          0,   PFK_TABLES,   0, 0, OFF(tables) },
    { "mix",             PF_TOP,   "mix",             'm', PFK_MIX,      0, 0, OFF(mix) },
    { "pattern",         PF_TOP,   "pattern",         'p', PFK_PATTERN,  0, 0, OFF(pattern) },
    { "op_patterns",     PF_TOP,   "op-pattern",      0,   PFK_LIST,     0, 0, OFF(op_patterns) },
    { "arrivals",        PF_TOP,   "arrivals",        0,   PFK_ARRIVALS, 0, 0, OFF(arrivals) },
    { "threads",         PF_TOP,   "threads",         't', PFK_INT,      1, 1024, OFF(threads) },
    { "connections",     PF_TOP,   "connections",     'c', PFK_INT,      1, 100000, OFF(connections) },
    { "think",           PF_TOP,   "think",           0,   PFK_THINK,    0, 0, OFF(think) },
    { "duration",        PF_TOP,   "duration",        'd', PFK_DURPOS,   0, 0, OFF(duration) },
    { "transactions",    PF_TOP,   "transactions",    'n', PFK_INT,      1, UINT64_MAX / 2, OFF(transactions) },
    { "warmup",          PF_TOP,   "warmup",          0,   PFK_DUR,      0, 0, OFF(warmup) },
    { "interval",        PF_TOP,   "interval",        'i', PFK_INTERVAL, 0, 0, OFF(interval) },
    { "history",         PF_TOP,   "history",         0,   PFK_INT,      1, 10000000, OFF(history) },
    { "late_after",      PF_TOP,   "late-after",      0,   PFK_DUR,      0, 0, OFF(late_after) },
    { "seed",            PF_TOP,   "seed",            0,   PFK_INT,      0, UINT64_MAX, OFF(seed) },
    { "scale",           PF_TOP,   "scale",           0,   PFK_INT,      1, 100000, OFF(scale) },
    { "fresh",           PF_TOP,   "fresh",           0,   PFK_BOOL,     0, 0, OFF(fresh) },
    { "max_tries",       PF_TOP,   "max-tries",       0,   PFK_INT,      1, 1000, OFF(max_tries) },
    { "time_scale",      PF_TOP,   "time-scale",      0,   PFK_FACTOR,   0, 0, OFF(time_scale) },
    { "guardrails",      PF_TOP,   NULL,              0,   PFK_SECTION,  0, 0, 0 },
    { "max_rate",        PF_GUARD, "max-rate",        0,   PFK_RATE,     0, 0, OFF(max_rate) },
    { "max_total",       PF_GUARD, "max-total",       0,   PFK_INT,      1, UINT64_MAX / 2, OFF(max_total) },
    { "max_duration",    PF_GUARD, "max-duration",    0,   PFK_DURPOS,   0, 0, OFF(max_duration) },
    { "max_error_rate",  PF_GUARD, "max-error-rate",  0,   PFK_PCT,      0, 0, OFF(max_error_rate) },
    { "max_latency",     PF_GUARD, "max-latency",     0,   PFK_LATENCY,  0, 0, OFF(max_latency) },
    { "max_queue_depth", PF_GUARD, "max-queue-depth", 0,   PFK_INT,      1, UINT64_MAX / 2, OFF(max_queue_depth) },
    { "stop_file",       PF_GUARD, "stop-file",       0,   PFK_STR,      0, 0, OFF(stop_file) },
    { "thresholds",      PF_TOP,   "threshold",       0,   PFK_LIST,     0, 0, OFF(thresholds) },
    { "outputs",         PF_TOP,   "out",             'o', PFK_OUTS,     0, 0, OFF(outputs) },
    { "dashboard",       PF_TOP,   "dashboard",       0,   PFK_STR,      0, 0, OFF(dashboard) },
    { "dashboard_token", PF_TOP,   "dashboard-token", 0,   PFK_STR,      0, 0, OFF(dashboard_token) },
    { "message",         PF_TOP,   "message",         0,   PFK_STR,      0, 0, OFF(message) },
    { "consumers",       PF_TOP,   "consumers",       0,   PFK_INT,      0, 1000, OFF(consumers) },
    { "ack",             PF_TOP,   "ack",             0,   PFK_STR,      0, 0, OFF(ack) },
    { "drain",           PF_TOP,   "drain",           0,   PFK_DUR,      0, 0, OFF(drain) },
};

#define NFIELDS (sizeof pf_fields / sizeof pf_fields[0])
const size_t pf_nfields = NFIELDS;

const pf_field *pf_field_by_key(const char *key, int section)
{
    for (size_t i = 0; i < NFIELDS; i++)
        if (pf_fields[i].section == section && strcmp(pf_fields[i].key, key) == 0)
            return &pf_fields[i];
    return NULL;
}

static const pf_field *field_by_option(const char *opt)
{
    if (strcmp(opt, "rate") == 0)   /* `surge run --rate` is --pattern */
        opt = "pattern";
    for (size_t i = 0; i < NFIELDS; i++)
        if (pf_fields[i].opt && strcmp(pf_fields[i].opt, opt) == 0)
            return &pf_fields[i];
    return NULL;
}

const char *profile_long_option(char shortname)
{
    if (shortname == 'r')
        return "rate";
    for (size_t i = 0; shortname && i < NFIELDS; i++)
        if (pf_fields[i].shortname == shortname)
            return pf_fields[i].opt;
    return NULL;
}

int profile_option_takes_value(const char *opt)
{
    const pf_field *f = field_by_option(opt);
    return f ? f->k != PFK_BOOL : -1;
}

/* ---- small things ---------------------------------------------------------- */

int pf_list_push(profile_list *l, const char *s)
{
    char **v = realloc(l->v, (size_t)(l->n + 1) * sizeof *v);
    if (!v)
        return -1;
    l->v = v;
    if (!(l->v[l->n] = strdup(s)))
        return -1;
    l->n++;
    return 0;
}

static void list_clear(profile_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

int pf_set_str(char **slot, const char *s)
{
    char *d = NULL;
    if (s && !(d = strdup(s)))
        return -1;
    free(*slot);
    *slot = d;
    return 0;
}

void profile_free(profile *p)
{
    if (!p)
        return;
    free(p->path);
    for (size_t i = 0; i < NFIELDS; i++) {
        const pf_field *f = &pf_fields[i];
        if (f->k == PFK_SECTION || f->k == PFK_BOOL)
            continue;
        if (pf_is_list(f->k))
            list_clear(pf_list(p, f));
        else
            free(*pf_str(p, f));
    }
    memset(p, 0, sizeof *p);
}

/* A plain decimal: digits with at most one '.', at least one digit; no
 * sign, no exponent, no "inf" or "nan" (the pattern language's numbers). */
bool pf_plain_decimal(const char *s, size_t len, double *out)
{
    int digits = 0, dots = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            digits++;
        else if (s[i] == '.' && !dots)
            dots++;
        else
            return false;
    }
    if (!digits || len >= 64)
        return false;
    char buf[64];
    memcpy(buf, s, len);
    buf[len] = '\0';
    *out = strtod(buf, NULL);
    return isfinite(*out);
}

/* ---- checking one value ---------------------------------------------------- */

int pf_check_value(const pf_field *f, const char *s, char *why, size_t n)
{
    double d, d2;
    switch (f->k) {
    case PFK_META:
    case PFK_TAGS:
    case PFK_LIST:
        return 0;
    case PFK_PATTERN:
    case PFK_STR:
        if (!*s)
            return snprintf(why, n, "expected a value, got an empty string"), -1;
        return 0;
    case PFK_TABLES:
        if (!*s || s[0] == ',' || s[strlen(s) - 1] == ',' || strstr(s, ",,"))
            return snprintf(why, n, "expected table names like orders,customers"), -1;
        return 0;
    case PFK_MIX: {
        const char *p = s;
        if (!*p)
            return snprintf(why, n, "expected name=weight[,name=weight...]"), -1;
        while (*p) {
            const char *end = strchr(p, ','), *eq = strchr(p, '=');
            if (!end)
                end = p + strlen(p);
            if (!eq || eq > end || eq == p || !pf_plain_decimal(eq + 1, (size_t)(end - eq - 1), &d))
                return snprintf(why, n, "expected name=weight[,name=weight...] with weights >= 0 like new_customer_order=40"), -1;
            p = *end ? end + 1 : end;
            if (*end && !*p)
                return snprintf(why, n, "expected name=weight[,name=weight...], not a trailing comma"), -1;
        }
        return 0;
    }
    case PFK_ARRIVALS:
        if (strcmp(s, "even") != 0 && strcmp(s, "poisson") != 0)
            return snprintf(why, n, "expected even or poisson"), -1;
        return 0;
    case PFK_INT: {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (!*s || *end || errno || s[0] < '0' || s[0] > '9' || v < f->lo || v > f->hi)
            return snprintf(why, n, "expected a whole number %" PRIu64 "..%" PRIu64, f->lo, f->hi), -1;
        return 0;
    }
    case PFK_THINK: {
        const char *dots = strstr(s, "..");
        char lo[64];
        const char *hi = s;
        if (dots) {
            snprintf(lo, sizeof lo, "%.*s", (int)(dots - s), s);
            hi = dots + 2;
        } else {
            snprintf(lo, sizeof lo, "%s", s);
        }
        if (surge_parse_duration(lo, &d) || surge_parse_duration(hi, &d2) || d > d2)
            return snprintf(why, n, "expected MIN..MAX durations like 10ms..50ms"), -1;
        return 0;
    }
    case PFK_DUR:
        if (surge_parse_duration(s, &d))
            return snprintf(why, n, "expected a duration like 500ms, 30s, 5m or 1h30m"), -1;
        return 0;
    case PFK_DURPOS:
        if (surge_parse_duration(s, &d) || !(d > 0))
            return snprintf(why, n, "expected a duration more than 0, like 500ms, 30s, 5m or 1h30m"), -1;
        return 0;
    case PFK_INTERVAL:
        if (surge_parse_duration(s, &d) || d < 0.01 || d > 3600)
            return snprintf(why, n, "expected a duration 10ms..1h"), -1;
        return 0;
    case PFK_FACTOR:
        if (!pf_plain_decimal(s, strlen(s), &d) || !(d > 0) || d > 1e9)
            return snprintf(why, n, "expected a number more than 0 (720 runs a 24h pattern in 2m)"), -1;
        return 0;
    case PFK_RATE:
        if (surge_parse_rate(s, &d) || !(d > 0))
            return snprintf(why, n, "expected a rate more than 0, like 500, 500/s or 30/m"), -1;
        return 0;
    case PFK_PCT: {
        size_t len = strlen(s);
        bool pct = len > 0 && s[len - 1] == '%';
        if (!pf_plain_decimal(s, pct ? len - 1 : len, &d) || !(d > 0) || d > (pct ? 100 : 1))
            return snprintf(why, n, "expected a percentage like 5%% or a fraction like 0.05"), -1;
        return 0;
    }
    case PFK_LATENCY: {
        const char *colon = strchr(s, ':');
        if (s[0] != 'p' || !colon || !pf_plain_decimal(s + 1, (size_t)(colon - s - 1), &d) || !(d > 0) || d > 100 ||
            surge_parse_duration(colon + 1, &d2) || !(d2 > 0))
            return snprintf(why, n, "expected PERCENTILE:DURATION like p99:500ms"), -1;
        return 0;
    }
    case PFK_OUTS: {
        static const char *const kinds[] = { "json:", "csv:", "html:", "events:" };
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
            size_t kl = strlen(kinds[i]);
            if (strncmp(s, kinds[i], kl) == 0 && s[kl])
                return 0;
        }
        return snprintf(why, n, "expected json:FILE, csv:FILE, html:FILE or events:FILE"), -1;
    }
    case PFK_BOOL:
        if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
            return snprintf(why, n, "expected true or false"), -1;
        return 0;
    case PFK_SECTION:
        break;
    }
    return snprintf(why, n, "not a value"), -1;
}

/* Parse a pattern expression; on error fill err with "PREFIX: pattern: MSG
 * at column N" and the expression with a caret under the column (the
 * run command's own pattern error, pat_error_print). */
int pf_check_pattern(const char *prefix, const char *what, const char *expr, char *err, size_t errlen)
{
    pat_error pe;
    pat_t *pat = pat_parse(expr, &pe);
    if (pat) {
        pat_free(pat);
        return 0;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (mem) {
        pat_error_print(&pe, what, expr, mem);
        fclose(mem);
    }
    const char *body = text ? text : "";
    if (strncmp(body, "surge: ", 7) == 0)
        body += 7;
    snprintf(err, errlen, "%s%s", prefix, body);
    size_t el = strlen(err);
    while (el && err[el - 1] == '\n')
        err[--el] = '\0';
    if (!text)
        snprintf(err, errlen, "%s%s: %s at column %d", prefix, what, pe.msg, pe.column);
    free(text);
    return -1;
}

/* ---- where profiles live --------------------------------------------------- */

int profile_default_dir(char *buf, size_t len)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    if (xdg && xdg[0] == '/') {
        snprintf(buf, len, "%s/surge/profiles", xdg);
        return 0;
    }
    const char *home = getenv("HOME");
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : NULL;
    }
    if (!home || !*home)
        return -1;
    snprintf(buf, len, "%s/.config/surge/profiles", home);
    return 0;
}

bool pf_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool profile_arg_is_file(const char *arg)
{
    return strchr(arg, '/') || pf_ends_with(arg, ".yaml") || pf_ends_with(arg, ".yml") || pf_ends_with(arg, ".json");
}

bool profile_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 100 || name[0] == '.' || name[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-'))
            return false;
    }
    return true;
}

static const char *const exts[] = { ".yaml", ".yml", ".json" };

int profile_find(const char *name, const char *dir, char *buf, size_t len, char *err, size_t errlen)
{
    char defdir[4096];
    if (!dir) {
        if (profile_default_dir(defdir, sizeof defdir) != 0)
            return snprintf(err, errlen, "no profiles folder: neither XDG_CONFIG_HOME nor HOME is set (use --profiles DIR)"), 2;
        dir = defdir;
    }
    if (!profile_name_ok(name))
        return snprintf(err, errlen, "bad profile name '%s' (letters, digits, '.', '_' and '-'; a file needs a '/' "
                                     "or a .yaml, .yml or .json ending)", name), 2;
    int found = 0;
    char first[4096] = "";
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        char path[4096];
        struct stat st;
        if ((size_t)snprintf(path, sizeof path, "%s/%s%s", dir, name, exts[i]) >= sizeof path)
            return snprintf(err, errlen, "profiles folder name too long: %.100s...", dir), 2;
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            if (found++ == 0) {
                snprintf(first, sizeof first, "%s", path);
            } else {
                return snprintf(err, errlen, "profile '%s' is ambiguous: both %s and %s exist", name, first, path), 2;
            }
        }
    }
    if (!found)
        return snprintf(err, errlen, "no profile '%s' in %s (see surge profile list)", name, dir), 2;
    snprintf(buf, len, "%s", first);
    return 0;
}

int profile_load(const char *path_or_name, const char *dir, profile *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    char path[4096];
    if (profile_arg_is_file(path_or_name)) {
        snprintf(path, sizeof path, "%s", path_or_name);
    } else {
        int rc = profile_find(path_or_name, dir, path, sizeof path, err, errlen);
        if (rc)
            return rc;
    }
    int rc = pf_read(path, out, err, errlen);
    if (rc) {
        profile_free(out);
        return rc;
    }
    if (pf_set_str(&out->path, path) != 0) {
        profile_free(out);
        return snprintf(err, errlen, "out of memory"), 1;
    }
    if (!out->name) {
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        size_t n = strlen(base);
        for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
            if (pf_ends_with(base, exts[i])) {
                n -= strlen(exts[i]);
                break;
            }
        out->name = strndup(base, n);
        if (!out->name) {
            profile_free(out);
            return snprintf(err, errlen, "out of memory"), 1;
        }
    }
    return 0;
}

/* ---- as `surge run` options ------------------------------------------------ */

/* Append a copy of s to the NULL-terminated array *v of *n strings. */
static int push_arg(char ***v, int *n, int *cap, const char *s)
{
    if (*n + 2 > *cap) {
        int nc = *cap ? *cap * 2 : 32;
        char **nv = realloc(*v, (size_t)nc * sizeof *nv);
        if (!nv)
            return -1;
        *v = nv;
        *cap = nc;
    }
    if (!((*v)[*n] = strdup(s)))
        return -1;
    (*v)[++*n] = NULL;
    return 0;
}

int profile_to_args(const profile *p, char ***argv, int *argc)
{
    int n = 0, cap = 32, bad = 0;
    char **v = malloc((size_t)cap * sizeof *v);
    if (!v) {
        *argv = NULL;
        *argc = 0;
        return -1;
    }
    v[0] = NULL;
    for (size_t i = 0; i < NFIELDS && !bad; i++) {
        const pf_field *f = &pf_fields[i];
        if (!f->opt || f->k == PFK_META || f->k == PFK_TAGS || f->k == PFK_SECTION)
            continue;
        char opt[64];
        snprintf(opt, sizeof opt, "--%s", f->opt);
        if (f->k == PFK_BOOL) {
            if (p->fresh)
                bad |= push_arg(&v, &n, &cap, opt) != 0;
        } else if (pf_is_list(f->k)) {
            const profile_list *l = pf_clist(p, f);
            for (int j = 0; j < l->n && !bad; j++)
                bad |= push_arg(&v, &n, &cap, opt) != 0 || push_arg(&v, &n, &cap, l->v[j]) != 0;
        } else if (*pf_cstr(p, f)) {
            bad |= push_arg(&v, &n, &cap, opt) != 0 || push_arg(&v, &n, &cap, *pf_cstr(p, f)) != 0;
        }
    }
    if (bad) {
        profile_args_free(v, n);
        *argv = NULL;
        *argc = 0;
        return -1;
    }
    *argv = v;
    *argc = n;
    return 0;
}

void profile_args_free(char **argv, int argc)
{
    for (int i = 0; argv && i < argc; i++)
        free(argv[i]);
    free(argv);
}

/* ---- from `surge run` options ---------------------------------------------- */

int profile_set_option(profile *p, const char *opt, const char *value, char *err, size_t errlen)
{
    const pf_field *f = field_by_option(opt);
    if (!f)
        return 1;
    char why[256];
    if (f->k == PFK_BOOL) {
        if (value && pf_check_value(f, value, why, sizeof why) != 0)
            return snprintf(err, errlen, "--%s: %s, got \"%s\"", opt, why, value), 2;
        p->fresh = !value || strcmp(value, "true") == 0;
        return 0;
    }
    if (!value)
        return snprintf(err, errlen, "--%s: needs a value", opt), 2;
    if (f->k == PFK_PATTERN) {
        char what[80];
        snprintf(what, sizeof what, "--%s", opt);
        if (!*value)
            return snprintf(err, errlen, "--%s: expected a pattern expression, got nothing", opt), 2;
        if (pf_check_pattern("", what, value, err, errlen) != 0)
            return 2;
        if (pf_set_str(pf_str(p, f), value) != 0)
            return snprintf(err, errlen, "out of memory"), 2;
        return 0;
    }
    if ((f->k == PFK_TAGS || f->k == PFK_LIST || f->k == PFK_META) && !*value && f->off != OFF(description))
        return snprintf(err, errlen, "--%s: expected a non-empty value", opt), 2;
    if (pf_check_value(f, value, why, sizeof why) != 0)
        return snprintf(err, errlen, "--%s: %s, got \"%s\"", opt, why, value), 2;
    if (pf_is_list(f->k)) {
        if (pf_list(p, f)->n >= PF_MAX_ITEMS)
            return snprintf(err, errlen, "--%s: at most %d", opt, PF_MAX_ITEMS), 2;
        if (pf_list_push(pf_list(p, f), value) != 0)
            return snprintf(err, errlen, "out of memory"), 2;
    } else if (pf_set_str(pf_str(p, f), value) != 0) {
        return snprintf(err, errlen, "out of memory"), 2;
    }
    return 0;
}

