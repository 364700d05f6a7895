/* argv.c - split a command line without a shell (see argv.h). */
#include "core/argv.h"

#include <stdio.h>

int argv_split(char *s, char **argv, int max, char *err, size_t errlen)
{
    int n = 0;
    char *out = s;   /* unquoting only shortens: write behind the reader */
    if (max < 1)
        return snprintf(err, errlen, "no room for arguments"), -1;
    while (*s) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        if (n == max - 1)
            return snprintf(err, errlen, "more than %d arguments", max - 1), -1;
        argv[n++] = out;
        char quote = 0;
        for (; *s && (quote || (*s != ' ' && *s != '\t')); s++) {
            if (quote && *s == quote)
                quote = 0;
            else if (!quote && (*s == '\'' || *s == '"'))
                quote = *s;
            else if (*s == '\\' && s[1] && quote != '\'')
                *out++ = *++s;
            else
                *out++ = *s;
        }
        if (quote)
            return snprintf(err, errlen, "unterminated %c quote in the command", quote), -1;
        if (*s)
            s++;
        *out++ = '\0';
    }
    argv[n] = NULL;
    return n;
}
