/* Compact JSON writer for cJSON trees (same text as cJSON_PrintUnformatted, faster). */
#ifndef MSW_JSONW_H
#define MSW_JSONW_H
#include <cjson/cJSON.h>
#include "core/dbuf.h"
#include "core/err.h"

/* Appends item's JSON text to b. On an error (b's cap reached: MSW_ERR_TOO_BIG or
 * MSW_ERR_NOMEM from dbuf; a tree deeper than 1000 levels; an invalid node) b is left as
 * it was. */
msw_err jsonw_append(struct dbuf *b, const cJSON *item);

#endif
