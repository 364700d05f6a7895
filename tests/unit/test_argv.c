/* test_argv.c - command lines split without a shell (core/argv.c), as a
 * table of lines and the arguments (or the error) each must give. */
#include "core/argv.h"

#include <string.h>

#include "check.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

int main(void)
{
    static const struct {
        const char *line;
        int argc;
        const char *argv[5];
    } good[] = {
        {"echo", 1, {"echo"}},
        {"  echo   a\tb  ", 3, {"echo", "a", "b"}},
        {"", 0, {0}},
        {" \t ", 0, {0}},
        {"sh -c 'echo $HOME | wc'", 3, {"sh", "-c", "echo $HOME | wc"}},
        {"a \"b c\" d", 3, {"a", "b c", "d"}},
        {"a \"it's\"", 2, {"a", "it's"}},
        {"a 'say \"hi\"'", 2, {"a", "say \"hi\""}},
        {"a b\\ c", 2, {"a", "b c"}},
        {"a \"x\\\"y\"", 2, {"a", "x\"y"}},          /* backslash inside double quotes */
        {"a 'x\\y'", 2, {"a", "x\\y"}},              /* but not inside single quotes */
        {"a pre'quoted'post", 2, {"a", "prequotedpost"}},
        {"a ''", 2, {"a", ""}},
        {"a \\", 2, {"a", "\\"}},                    /* a trailing backslash is itself */
    };
    for (size_t i = 0; i < LEN(good); i++) {
        char buf[128], err[128] = "", *argv[8];
        strcpy(buf, good[i].line);
        int n = argv_split(buf, argv, 8, err, sizeof err);
        CHECK(n == good[i].argc, "'%s': %d arguments, want %d (%s)", good[i].line, n, good[i].argc, err);
        for (int k = 0; n == good[i].argc && k < n; k++)
            CHECK(strcmp(argv[k], good[i].argv[k]) == 0, "'%s': argument %d is '%s', want '%s'", good[i].line, k,
                  argv[k], good[i].argv[k]);
        CHECK(n < 0 || argv[n] == NULL, "'%s': argv not NULL-terminated", good[i].line);
    }

    static const struct {
        const char *line;
        const char *err;
    } bad[] = {
        {"a 'b", "unterminated ' quote"},
        {"a \"b", "unterminated \" quote"},
        {"a b c d e f g h", "more than 7 arguments"},
    };
    for (size_t i = 0; i < LEN(bad); i++) {
        char buf[128], err[128] = "", *argv[8];
        strcpy(buf, bad[i].line);
        int n = argv_split(buf, argv, 8, err, sizeof err);
        CHECK(n == -1 && strstr(err, bad[i].err), "'%s': %d, '%s', want the error '%s'", bad[i].line, n, err,
              bad[i].err);
    }
    return check_report();
}
