/* errtab.h - errors grouped by message, with the numbers taken out so that
 * "duplicate key 1234" and "duplicate key 99" count as one kind of error.
 * Fixed size: past ERRTAB_MAX distinct messages, the rest are counted under
 * one "(other errors)" entry, so a storm of unique messages costs no memory. */
#ifndef SURGE_ERRTAB_H
#define SURGE_ERRTAB_H

#include <stdint.h>

#define ERRTAB_MAX 64
#define ERRTAB_MSG 160

typedef struct errtab_entry {
    char msg[ERRTAB_MSG];
    int op;            /* the first operation seen failing with it */
    uint64_t count;
} errtab_entry;

typedef struct errtab {
    int n;
    errtab_entry e[ERRTAB_MAX + 1];   /* the last slot is "(other errors)" */
} errtab;

void errtab_init(errtab *t);
/* Group and count one error. */
void errtab_add(errtab *t, int op, const char *msg, uint64_t count);
void errtab_merge(errtab *dst, const errtab *src);
/* Copy msg with every run of digits replaced by '#'. */
void errtab_normalize(const char *msg, char *out, int outlen);

#endif
