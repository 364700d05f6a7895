/* check.h - the whole unit-test "framework": CHECK and a failure count.
 *
 * CHECK(cond, printf-args...) reports a failed condition with its location
 * and a message, and carries on, so one run shows every broken case rather
 * than the first. main() ends with `return check_report();`, which prints a
 * summary and gives the process a nonzero status if anything failed.
 */
#ifndef SURGE_TEST_CHECK_H
#define SURGE_TEST_CHECK_H

#include <stdio.h>

static int check_failures;
static int check_total;

#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        check_total++;                                                    \
        if (!(cond)) {                                                    \
            check_failures++;                                             \
            fprintf(stderr, "%s:%d: FAIL: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                 \
            fputc('\n', stderr);                                          \
        }                                                                 \
    } while (0)

static inline int check_report(void)
{
    if (check_failures) {
        fprintf(stderr, "%d of %d checks failed\n", check_failures, check_total);
        return 1;
    }
    printf("all %d checks passed\n", check_total);
    return 0;
}

#endif
