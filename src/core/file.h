/* file.h - a whole small file in memory (a profile, a message template):
 * the caller opens it and checks its size against its own limit, with its
 * own words; this reads it. */
#ifndef SURGE_FILE_H
#define SURGE_FILE_H

#include <stddef.h>
#include <stdio.h>

/* Read the size bytes of f (opened from path; size from fstat) and close
 * f, whatever happens. A buffer to free, NUL-terminated, with its length
 * in *len (short if the file shrank meanwhile); or NULL with "PATH: why"
 * in err. */
char *file_read_close(FILE *f, const char *path, size_t size, size_t *len, char *err, size_t errlen);

#endif
