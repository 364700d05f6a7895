/* profile_cmd.c - `surge profile list|show|save|delete`: the profiles folder
 * (cli/profile.c reads and writes the files; docs/profiles.md). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "options.h"
#include "profile.h"

static void profile_help(FILE *out)
{
    fprintf(out,
            "usage: surge profile COMMAND [--profiles DIR]\n\n"
            "Profiles are saved `surge run` settings in YAML or JSON files (docs/profiles.md),\n"
            "run with `surge run --profile NAME|FILE`; flags on the command line override them.\n\n"
            "commands:\n"
            "  list                        the profiles in the folder: name, description, tags\n"
            "  show NAME|FILE              check a profile and print its file\n"
            "       --normalized           ... as surge would save it\n"
            "       --args                 ... as the `surge run` options it stands for\n"
            "       --pattern              ... just its pattern (surge plan \"$(surge profile show X --pattern)\")\n"
            "  save NAME [TARGET] [run options] [--description TEXT] [--tag TAG]... [--force]\n"
            "                              write NAME.yaml from `surge run` options; --profile OTHER\n"
            "                              starts from another profile; --force replaces one\n"
            "  delete NAME                 remove it\n\n"
            "options:\n"
            "  --profiles DIR              the profiles folder (default $XDG_CONFIG_HOME/surge/profiles,\n"
            "                              else ~/.config/surge/profiles)\n\n"
            "A NAME is looked up in the folder as NAME.yaml, NAME.yml or NAME.json; an argument\n"
            "with a '/' or one of those endings is a file.\n\n"
            "examples:\n"
            "  surge profile save nightly sqlite:shop.db --pattern 'ramp(10, 200, 1m)' --max-error-rate 5%% \\\n"
            "      --threshold 'p99<100ms' --description 'the nightly check' --tag ci\n"
            "  surge profile list\n"
            "  surge run --profile nightly --duration 30s\n"
            "  surge profile show examples/profiles/daily-traffic.yaml --args\n");
}

/* The folder: --profiles DIR, else the default. 0, or 2 after a message. */
static int resolve_dir(const char *given, char *buf, size_t len)
{
    if (given) {
        snprintf(buf, len, "%s", given);
        return 0;
    }
    if (profile_default_dir(buf, len) != 0)
        return cli_usage_error("profile: no profiles folder: neither XDG_CONFIG_HOME nor HOME is set (use --profiles DIR)");
    return 0;
}

/* "--profiles DIR" or "--profiles=DIR" at argv[*i]: 1 (consumed), 0 (not
 * it), 2 (no value, after a message). */
static int take_dir(int argc, char **argv, int *i, const char **dir)
{
    const char *a = argv[*i];
    if (strncmp(a, "--profiles=", 11) == 0) {
        *dir = a + 11;
        return 1;
    }
    if (strcmp(a, "--profiles") != 0)
        return 0;
    if (*i + 1 >= argc) {
        cli_usage_error("--profiles: needs a value (DIR)");
        return 2;
    }
    *dir = argv[++*i];
    return 1;
}

/* ---- list ------------------------------------------------------------------ */

/* A profile file: NAME.yaml, NAME.yml or NAME.json with a usable NAME
 * (hidden files, such as save's temporary ones, are not). */
static int is_profile_file(const struct dirent *e)
{
    static const char *const exts[] = { ".yaml", ".yml", ".json" };
    const char *f = e->d_name;
    size_t n = strlen(f);
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
        size_t m = strlen(exts[i]);
        if (n > m && n - m < 256 && strcmp(f + n - m, exts[i]) == 0) {
            char stem[256];
            memcpy(stem, f, n - m);
            stem[n - m] = '\0';
            return profile_name_ok(stem);
        }
    }
    return 0;
}

/* One line of text: newlines and tabs become spaces. */
static void print_oneline(const char *s)
{
    for (; *s; s++)
        putchar(*s == '\n' || *s == '\t' || *s == '\r' ? ' ' : *s);
}

static int cmd_list(int argc, char **argv, const char *dir)
{
    for (int i = 0; i < argc; i++) {
        int t = take_dir(argc, argv, &i, &dir);
        if (t == 2)
            return 2;
        if (t == 0)
            return cli_usage_error("profile list: unexpected argument '%s' (see surge profile --help)", argv[i]);
    }
    char folder[4096];
    if (resolve_dir(dir, folder, sizeof folder))
        return 2;
    DIR *d = opendir(folder);
    if (!d) {
        if (errno == ENOENT) {
            fprintf(stderr, "surge: no profiles in %s (surge profile save NAME ... makes one)\n", folder);
            return 0;
        }
        return cli_usage_error("profile list: cannot read %s: %s", folder, strerror(errno));
    }
    closedir(d);
    struct dirent **files;
    int n = scandir(folder, &files, is_profile_file, alphasort);
    if (n < 0)
        return cli_usage_error("profile list: cannot read %s: %s", folder, strerror(errno));
    if (n == 0)
        fprintf(stderr, "surge: no profiles in %s (surge profile save NAME ... makes one)\n", folder);
    int width = 4, rc = 0;
    for (int i = 0; i < n; i++) {
        int w = (int)(strrchr(files[i]->d_name, '.') - files[i]->d_name);
        width = w > width ? w : width;
    }
    for (int i = 0; i < n; i++) {
        char path[8192], err[4096];
        profile p;
        snprintf(path, sizeof path, "%s/%s", folder, files[i]->d_name);
        *strrchr(files[i]->d_name, '.') = '\0';   /* the name to run it by */
        printf("%-*s  ", width, files[i]->d_name);
        if (profile_load(path, NULL, &p, err, sizeof err) != 0) {
            fflush(stdout);
            fprintf(stderr, "surge: %s\n", err);
            printf("(cannot be loaded: see above)\n");
            rc = 2;
            free(files[i]);
            continue;
        }
        print_oneline(p.description ? p.description : "");
        if (p.tags.n) {
            printf("%s[", p.description && *p.description ? "  " : "");
            for (int j = 0; j < p.tags.n; j++) {
                printf("%s", j ? ", " : "");
                print_oneline(p.tags.v[j]);
            }
            putchar(']');
        }
        putchar('\n');
        profile_free(&p);
        free(files[i]);
    }
    free(files);
    return rc;
}

/* ---- show ------------------------------------------------------------------ */

/* An argument for a POSIX shell: bare when safe, else in single quotes. */
static void print_shell_word(const char *s)
{
    bool bare = *s != '\0';
    for (const char *q = s; *q && bare; q++)
        bare = (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
               strchr("_-./:=,@%+", *q);
    if (bare) {
        fputs(s, stdout);
        return;
    }
    putchar('\'');
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", stdout);
        else
            putchar(*s);
    }
    putchar('\'');
}

static int cmd_show(int argc, char **argv, const char *dir)
{
    const char *which = NULL;
    enum { RAW, NORMALIZED, ARGS, PATTERN } mode = RAW;
    for (int i = 0; i < argc; i++) {
        int t = take_dir(argc, argv, &i, &dir);
        if (t == 2)
            return 2;
        if (t == 1)
            continue;
        if (strcmp(argv[i], "--normalized") == 0)
            mode = NORMALIZED;
        else if (strcmp(argv[i], "--args") == 0)
            mode = ARGS;
        else if (strcmp(argv[i], "--pattern") == 0)
            mode = PATTERN;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("profile show: unknown option '%s' (see surge profile --help)", argv[i]);
        else if (!which)
            which = argv[i];
        else
            return cli_usage_error("profile show: unexpected argument '%s' (one profile)", argv[i]);
    }
    if (!which)
        return cli_usage_error("profile show: which profile? (surge profile show NAME|FILE)");
    profile p;
    char err[4096];
    if (profile_load(which, dir, &p, err, sizeof err) != 0)
        return cli_usage_error("%s", err);
    int rc = 0;
    if (mode == RAW) {
        FILE *f = fopen(p.path, "rb");
        if (!f) {
            rc = cli_usage_error("%s: %s", p.path, strerror(errno));
        } else {
            char buf[8192];
            size_t n, last = 0;
            char lastc = '\n';
            while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
                fwrite(buf, 1, n, stdout);
                last = n;
                lastc = buf[n - 1];
            }
            if (last && lastc != '\n')
                putchar('\n');
            fclose(f);
        }
    } else if (mode == PATTERN) {
        if (p.pattern)
            printf("%s\n", p.pattern);
        else
            rc = cli_usage_error("%s: no pattern (a closed-loop run)", p.path);
    } else if (mode == NORMALIZED) {
        profile_write_yaml(&p, stdout);
    } else {
        char **av;
        int ac;
        if (profile_to_args(&p, &av, &ac) != 0) {
            fputs("surge: out of memory\n", stderr);
            rc = 1;
        } else {
            fputs("surge run", stdout);
            for (int i = 0; i < ac; i++) {
                putchar(' ');
                print_shell_word(av[i]);
            }
            putchar('\n');
            profile_args_free(av, ac);
        }
    }
    profile_free(&p);
    if (fflush(stdout) != 0 && !rc) {
        fprintf(stderr, "surge: writing the output failed: %s\n", strerror(errno));
        rc = 1;
    }
    return rc;
}

/* ---- save ------------------------------------------------------------------ */

static int cmd_save(int argc, char **argv, const char *dir)
{
    if (argc < 1 || argv[0][0] == '-') {
        if (argc >= 1 && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
            profile_help(stdout);
            return 0;
        }
        return cli_usage_error("profile save: no name given (surge profile save NAME [run options])");
    }
    const char *name = argv[0];
    if (!profile_name_ok(name))
        return cli_usage_error("profile save: bad name '%s' (letters, digits, '.', '_' and '-', not starting with "
                               "'.' or '-')", name);

    /* First pass: the options that are not settings (--profiles, --force,
     * --profile BASE, --help), and that every option is known with its
     * value; the settings are applied in a second pass, after the base. */
    const char *base = NULL;
    bool force = false;
    int nset = 0;
    struct setting {
        char opt[64];        /* as spelt: "rate" stays "rate" in messages */
        const char *value;
    } *set = calloc((size_t)argc + 1, sizeof *set);
    if (!set) {
        fputs("surge: out of memory\n", stderr);
        return 1;
    }
    int rc = 0;
    bool have_target = false;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        int t = take_dir(argc, argv, &i, &dir);
        if (t == 2) {
            rc = 2;
            break;
        }
        if (t == 1)
            continue;
        char longname[64];
        const char *value = NULL;
        if (strncmp(a, "--", 2) == 0 && a[2]) {
            const char *eq = strchr(a + 2, '=');
            size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
            snprintf(longname, sizeof longname, "%.*s", (int)(len < 63 ? len : 63), a + 2);
            value = eq ? eq + 1 : NULL;
        } else if (a[0] == '-' && a[1] && !a[2]) {
            const char *l = profile_long_option(a[1]);
            if (!l) {
                if (a[1] == 'h') {
                    snprintf(longname, sizeof longname, "help");
                } else {
                    rc = cli_usage_error("profile save: unknown option '%s' (see surge run --help)", a);
                    break;
                }
            } else {
                snprintf(longname, sizeof longname, "%s", l);
            }
        } else if (!have_target) {
            snprintf(set[nset].opt, sizeof set[nset].opt, "target");
            set[nset++].value = a;
            have_target = true;
            continue;
        } else {
            rc = cli_usage_error("profile save: unexpected argument '%s' (the target was already given)", a);
            break;
        }
        if (strcmp(longname, "help") == 0) {
            profile_help(stdout);
            free(set);
            return 0;
        }
        if (strcmp(longname, "force") == 0) {
            if (value) {
                rc = cli_usage_error("--force: takes no value");
                break;
            }
            force = true;
            continue;
        }
        int takes = strcmp(longname, "profile") == 0 ? 1 : profile_option_takes_value(longname);
        if (takes < 0) {
            rc = cli_usage_error("profile save: %s '--%s' (a profile keeps the settings of docs/profiles.md)",
                                 strcmp(longname, "progress") == 0 || strcmp(longname, "help") == 0
                                     ? "a profile does not keep"
                                     : "unknown option",
                                 longname);
            break;
        }
        if (takes && !value) {
            if (i + 1 >= argc) {
                rc = cli_usage_error("--%s: needs a value", longname);
                break;
            }
            value = argv[++i];
        } else if (!takes && value) {
            rc = cli_usage_error("--%s: takes no value", longname);
            break;
        }
        if (strcmp(longname, "profile") == 0) {
            base = value;
            continue;
        }
        snprintf(set[nset].opt, sizeof set[nset].opt, "%s", longname);
        set[nset++].value = value;
    }
    profile p = { 0 };
    char err[4096], folder[4096];
    if (!rc)
        rc = resolve_dir(dir, folder, sizeof folder);
    if (!rc && base && profile_load(base, dir, &p, err, sizeof err) != 0)
        rc = cli_usage_error("%s", err);
    for (int i = 0; i < nset && !rc; i++) {
        int r = profile_set_option(&p, set[i].opt, set[i].value, err, sizeof err);
        if (r == 1)
            rc = cli_usage_error("profile save: unknown option '--%s' (see surge run --help)", set[i].opt);
        else if (r)
            rc = cli_usage_error("%s", err);
    }
    free(set);
    if (rc) {
        profile_free(&p);
        return rc;
    }
    free(p.path);
    p.path = NULL;
    free(p.name);
    if (!(p.name = strdup(name))) {
        fputs("surge: out of memory\n", stderr);
        profile_free(&p);
        return 1;
    }

    /* The folder, then the file: written beside, then renamed over. */
    char path[8192], tmp[8192];
    for (char *s = folder + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(folder, 0777) != 0 && errno != EEXIST) {
                rc = cli_usage_error("profile save: cannot create %s: %s", folder, strerror(errno));
                *s = '/';
                goto done;
            }
            *s = '/';
        }
    if (mkdir(folder, 0777) != 0 && errno != EEXIST) {
        rc = cli_usage_error("profile save: cannot create %s: %s", folder, strerror(errno));
        goto done;
    }
    static const char *const exts[] = { ".yaml", ".yml", ".json" };
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s%s", folder, name, exts[i]);
        if (access(path, F_OK) == 0 && !force) {
            rc = cli_usage_error("profile save: profile '%s' exists (%s); --force replaces it", name, path);
            goto done;
        }
    }
    snprintf(path, sizeof path, "%s/%s.yaml", folder, name);
    snprintf(tmp, sizeof tmp, "%s/.%s.yaml.XXXXXX", folder, name);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        rc = cli_usage_error("profile save: cannot write in %s: %s", folder, strerror(errno));
        goto done;
    }
    /* A dashboard token is a secret: then only the owner may read the file. */
    if (!p.dashboard_token)
        (void)fchmod(fd, 0644);
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        rc = cli_usage_error("profile save: cannot write %s: %s", tmp, strerror(errno));
        goto done;
    }
    fprintf(f, "# surge profile (docs/profiles.md); run it with: surge run --profile %s\n", name);
    int w = profile_write_yaml(&p, f);
    if (fclose(f) != 0 || w != 0) {
        unlink(tmp);
        rc = 1;
        fprintf(stderr, "surge: profile save: writing %s failed: %s\n", tmp, strerror(errno));
        goto done;
    }
    /* What was written must load back as the same settings. */
    profile back;
    if (profile_load(tmp, NULL, &back, err, sizeof err) != 0) {
        unlink(tmp);
        fprintf(stderr, "surge: profile save: the file written does not load back (a bug): %s\n", err);
        rc = 1;
        goto done;
    }
    profile_free(&back);
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        rc = 1;
        fprintf(stderr, "surge: profile save: cannot write %s: %s\n", path, strerror(errno));
        goto done;
    }
    for (size_t i = 1; i < 3; i++) {   /* --force: the name stays unambiguous */
        char other[8192];
        snprintf(other, sizeof other, "%s/%s%s", folder, name, exts[i]);
        if (unlink(other) != 0 && errno != ENOENT)
            fprintf(stderr, "surge: profile save: cannot remove %s: %s\n", other, strerror(errno));
    }
    printf("saved %s\n", path);
done:
    profile_free(&p);
    return rc;
}

/* ---- delete ---------------------------------------------------------------- */

static int cmd_delete(int argc, char **argv, const char *dir)
{
    const char *name = NULL;
    for (int i = 0; i < argc; i++) {
        int t = take_dir(argc, argv, &i, &dir);
        if (t == 2)
            return 2;
        if (t == 1)
            continue;
        if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("profile delete: unknown option '%s' (see surge profile --help)", argv[i]);
        if (name)
            return cli_usage_error("profile delete: unexpected argument '%s' (one name)", argv[i]);
        name = argv[i];
    }
    if (!name)
        return cli_usage_error("profile delete: which profile? (surge profile delete NAME)");
    if (!profile_name_ok(name))
        return cli_usage_error("profile delete: bad name '%s' (a profile in the folder, by name)", name);
    char folder[4096];
    if (resolve_dir(dir, folder, sizeof folder))
        return 2;
    static const char *const exts[] = { ".yaml", ".yml", ".json" };
    int removed = 0;
    for (size_t i = 0; i < 3; i++) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s%s", folder, name, exts[i]);
        if (unlink(path) == 0) {
            printf("deleted %s\n", path);
            removed++;
        } else if (errno != ENOENT) {
            fprintf(stderr, "surge: profile delete: cannot remove %s: %s\n", path, strerror(errno));
            return 1;
        }
    }
    if (!removed)
        return cli_usage_error("profile delete: no profile '%s' in %s", name, folder);
    return 0;
}

int cmd_profile(int argc, char **argv)
{
    const char *dir = NULL;
    int i = 0;
    for (; i < argc; i++) {
        int t = take_dir(argc, argv, &i, &dir);
        if (t == 2)
            return 2;
        if (t == 0)
            break;
    }
    if (i >= argc) {
        profile_help(stderr);
        return 2;
    }
    const char *sub = argv[i];
    int rest = argc - i - 1;
    char **rv = argv + i + 1;
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        profile_help(stdout);
        return 0;
    }
    for (int j = 0; j < rest; j++)
        if (strcmp(sub, "save") != 0 && (strcmp(rv[j], "--help") == 0 || strcmp(rv[j], "-h") == 0)) {
            profile_help(stdout);
            return 0;
        }
    if (strcmp(sub, "list") == 0 || strcmp(sub, "ls") == 0)
        return cmd_list(rest, rv, dir);
    if (strcmp(sub, "show") == 0)
        return cmd_show(rest, rv, dir);
    if (strcmp(sub, "save") == 0)
        return cmd_save(rest, rv, dir);
    if (strcmp(sub, "delete") == 0 || strcmp(sub, "rm") == 0)
        return cmd_delete(rest, rv, dir);
    return cli_usage_error("profile: unknown command '%s' (expected list, show, save, delete)", sub);
}
