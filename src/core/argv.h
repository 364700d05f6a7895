/* argv.h - a command line split into arguments as people type it, for the
 * commands surge runs itself (`exec:` consumers, `cmd:` watchers). There is
 * no shell: no variables, globs, pipes or redirections; a command that
 * needs them runs `sh -c '...'` itself. */
#ifndef SURGE_ARGV_H
#define SURGE_ARGV_H

#include <stddef.h>

/* Split `s` in place into argv: spaces and tabs separate arguments, '...'
 * and "..." quote (the quotes are removed), a backslash outside single
 * quotes takes the next character literally. argv receives pointers into
 * `s` and a NULL after the last, so it must hold `max` pointers (at most
 * max - 1 arguments).
 *
 * Returns the number of arguments: 0 for a blank line (the caller says
 * what was expected), or -1 with a message that names no caller
 * ("unterminated ' quote in the command", "more than 63 arguments"), for
 * the caller to prefix with where the command came from. */
int argv_split(char *s, char **argv, int max, char *err, size_t errlen);

#endif
