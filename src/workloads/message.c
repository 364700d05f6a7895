/* message.c - message templates: where they come from (a built-in or a
 * file) and the entry points of message.h; the language is in
 * docs/messages.md.
 *
 * The module is three files around one structure, the compiled template
 * (message_int.h): message_compile.c turns a template's text into slots
 * (one per placeholder) and ops (copy literal JSON / write a slot's value),
 * message_render.c runs the ops into messages, and this file loads the text
 * and frees the result.
 */
#include "workloads/message.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/file.h"
#include "workloads/message_int.h"

/* ---- a compiled template ------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

msg_template *msg_compile(const char *text, size_t len, const char *origin, char *err, size_t errlen)
{
    return msg_compile_as(text, len, origin, origin && ends_with(origin, ".json"), err, errlen);
}

void msg_free(msg_template *t)
{
    if (!t)
        return;
    free(t->ops.v);
    free(t->idops.v);
    sb_free(&t->lit);
    sb_free(&t->idlit);
    for (size_t i = 0; i < t->nslots; i++)
        free(t->slots[i].cum);
    free(t->slots);
    free(t->order);
    while (t->mem) {
        ablock *b = t->mem;
        t->mem = b->next;
        free(b);
    }
    free(t);
}

/* ---- built-in templates -------------------------------------------------- */

static const char job_text[] =
    "{\n"
    "  \"id\": \"job_{seq}\",\n"
    "  \"user_id\": \"{choice(user_1001, user_1002, user_1003, user_1004, user_1005, user_1006, user_1007, "
    "user_1008, user_1009, user_1010)}\",\n"
    "  \"action\": \"{choice(send_email, resize_image, charge_card, generate_report, sync_inventory, "
    "send_push_notification, export_csv, refund_payment)}\",\n"
    "  \"timestamp\": \"{now}\",\n"
    "  \"metadata\": {\n"
    "    \"attempt\": 1,\n"
    "    \"max_attempts\": 3,\n"
    "    \"priority\": \"{choice(low=20, normal=70, high=10)}\",\n"
    "    \"payload_kb\": \"{int(1, 512)}\",\n"
    "    \"source\": \"surge\"\n"
    "  }\n"
    "}\n";

static const char snapshot_text[] =
    "{\n"
    "  \"meta\": {\n"
    "    \"run_id\": \"stress_{seq}\",\n"
    "    \"timestamp\": \"{now}\",\n"
    "    \"source\": \"surge\"\n"
    "  },\n"
    "  \"market_data\": {\n"
    "    \"symbol\": \"{choice(AAPL, MSFT, GOOG, AMZN, NVDA, META, TSLA, ORCL)}\",\n"
    "    \"price\": \"{walk(100, 0.5)}\",\n"
    "    \"volume\": \"{int(100, 50000)}\",\n"
    "    \"timestamp\": \"{now}\"\n"
    "  },\n"
    "  \"system_state\": {\n"
    "    \"status\": \"{if(system_state.memory_usage < 70, running, high_memory)}\",\n"
    "    \"memory_usage\": \"{float(40, 90, 1)}\"\n"
    "  }\n"
    "}\n";

static const char *const builtin_names[] = { "job", "snapshot", NULL };
static const char *const builtin_texts[] = { job_text, snapshot_text };

const char *const *msg_builtin_names(void) { return builtin_names; }

const char *msg_builtin_text(const char *name)
{
    for (size_t i = 0; name && builtin_names[i]; i++)
        if (strcmp(name, builtin_names[i]) == 0)
            return builtin_texts[i];
    return NULL;
}

/* ---- loading ------------------------------------------------------------- */

msg_template *msg_load(const char *name_or_path, char *err, size_t errlen)
{
    const char *builtin = msg_builtin_text(name_or_path);
    if (builtin)
        return msg_compile_as(builtin, strlen(builtin), name_or_path, true, err, errlen);
    const char *path = name_or_path ? name_or_path : "";
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT && !strchr(path, '/') && !strchr(path, '.'))
            snprintf(err, errlen, "%s: not a built-in template (job, snapshot) nor a file", path);
        else
            snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > MSG_MAX_BYTES) {
        snprintf(err, errlen, "%s: %s", path,
                 S_ISREG(st.st_mode) ? "too large for a template (at most 1 MiB)" : "not a regular file");
        fclose(f);
        return NULL;
    }
    size_t n;
    char *buf = file_read_close(f, path, (size_t)st.st_size, &n, err, errlen);
    if (!buf)
        return NULL;
    msg_template *t = msg_compile(buf, n, path, err, errlen);
    free(buf);
    return t;
}
