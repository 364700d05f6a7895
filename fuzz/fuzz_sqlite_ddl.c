/* fuzz_sqlite_ddl.c - libFuzzer target: any text through the readers of
 * SQLite's DDL text (CHECK constraints, declared types), with what they
 * promise checked (abort() on a violation so the fuzzer keeps the input):
 *   - every CHECK expression and name is a piece of the input, trimmed
 *     expressions never longer than the text, names never longer either;
 *   - a declared type's base is no longer than the type, sizes are -1 or
 *     >= 0, and a type has a length or a precision, never both.
 * Memory errors show through the sanitizers it is built with.
 */
#include "workloads/sqlite_ddl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    size_t len = strlen(text);   /* the readers stop at a NUL, as C strings do */

    sc_check *checks = NULL;
    int n = 0;
    int rc = sqlite_ddl_checks(text, &checks, &n);
    for (int i = 0; i < n; i++) {
        if (rc == 0 && (!checks[i].expr || strlen(checks[i].expr) > len || !strstr(text, checks[i].expr)))
            abort();
        if (checks[i].name && strlen(checks[i].name) > len)
            abort();
        free(checks[i].expr);
        free(checks[i].name);
    }
    free(checks);

    sc_column col = { 0 };
    if (sqlite_ddl_type(text, &col) == 0) {
        if (!col.base_type || strlen(col.base_type) > len)
            abort();
        if (col.length < -1 || col.precision < -1 || col.scale < -1)
            abort();
        if (col.length >= 0 && col.precision >= 0)
            abort();
        free(col.base_type);
    }
    free(text);
    return 0;
}
