/* yaml_diag.c - libfyaml's errors and positions for messages (see yaml_diag.h). */
#include "core/yaml_diag.h"


static void diag_quiet(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag, (void)user, (void)buf, (void)len;
}

struct fy_diag *yaml_diag_new(void)
{
    struct fy_diag_cfg dc;
    fy_diag_cfg_default(&dc);
    dc.fp = NULL;
    dc.output_fn = diag_quiet;
    dc.colorize = false;
    struct fy_diag *diag = fy_diag_create(&dc);
    if (diag)
        fy_diag_set_collect_errors(diag, true);
    return diag;
}

struct fy_parser *yaml_parser_new(struct fy_diag *diag, const char *text, size_t len, bool json)
{
    struct fy_parse_cfg pc = {
        .flags = FYPCF_QUIET | FYPCF_RESOLVE_DOCUMENT | (json ? FYPCF_JSON_FORCE : FYPCF_JSON_NONE),
        .diag = diag,
    };
    struct fy_parser *fyp = fy_parser_create(&pc);
    if (fyp && fy_parser_set_string(fyp, text, len) != 0) {
        fy_parser_destroy(fyp);
        fyp = NULL;
    }
    return fyp;
}

void yaml_parser_free(struct fy_parser *fyp, struct fy_document *doc, struct fy_document *doc2)
{
    if (doc2)
        fy_parse_document_destroy(fyp, doc2);
    if (doc)
        fy_parse_document_destroy(fyp, doc);
    if (fyp)
        fy_parser_destroy(fyp);
}

struct fy_diag_error *yaml_first_error(struct fy_diag *diag)
{
    struct fy_diag_error *e;
    void *it = NULL;
    while ((e = fy_diag_errors_iterate(diag, &it)))
        if (e->type >= FYET_ERROR)
            return e;
    return NULL;
}

bool yaml_reported_pos(struct fy_diag *diag, struct fy_node *n, int *line, int *col)
{
    fy_node_report(n, FYET_ERROR, "position");
    struct fy_diag_error *e, *last = NULL;
    void *it = NULL;
    while ((e = fy_diag_errors_iterate(diag, &it)))
        last = e;
    if (!last || last->line <= 0)
        return false;
    *line = last->line;
    *col = last->column > 0 ? last->column : 1;
    return true;
}
