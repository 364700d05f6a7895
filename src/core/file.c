/* file.c - a whole small file in memory (see file.h). */
#include "core/file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

char *file_read_close(FILE *f, const char *path, size_t size, size_t *len, char *err, size_t errlen)
{
    char *buf = malloc(size + 1);
    size_t n = buf ? fread(buf, 1, size, f) : 0;
    if (!buf || ferror(f)) {
        snprintf(err, errlen, "%s: %s", path, buf ? strerror(errno) : "out of memory");
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}
