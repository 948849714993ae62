/* A record's JSON (the model itself is base/record.h).
 *
 * record_text() writes a record as one compact JSON object by walking the field tables
 * (output/record_json.c). record_to_json() builds the same object as a cJSON tree (the
 * path the sinks took before the tables; kept as the reference the walker is compared
 * with until every sink walks the tables). */
#ifndef MSW_RECORD_H
#define MSW_RECORD_H
#include <cjson/cJSON.h>
#include "base/dbuf.h"
#include "base/record.h"

/* Build the JSON object (caller frees with cJSON_Delete). */
cJSON *record_to_json(const struct msw_record *r, const char *tool_version);
/* Any block (blk describing obj) as one compact JSON object appended to b (the walker's
 * bytes, as record_text() writes them inside a record). */
msw_err record_block_text(const struct fblock *blk, const void *obj, struct dbuf *b);
/* Append the record's compact JSON text to b: byte for byte jsonw_append(record_to_json(r)).
 * On an error (b's cap, out of memory) b is left as it was. */
msw_err record_text(const struct msw_record *r, const char *tool_version, struct dbuf *b);
/* Reading a record as a parsed copy of its JSON reads it (a sink's column, a report's
 * count): record_top_text() gives the text at the top-level key of row p (one row of
 * record_table), its word or text when written under its own name; false when written as
 * null, left out, or written as "<name>_b64". */
bool record_top_text(const struct msw_record *r, const struct fpath *p, const uint8_t **s,
		     size_t *n);
/* A record from its JSON text (one line record_text() wrote), or from that text parsed:
 * the walker's inverse over the same tables (output/record_read.c). MSW_ERR_MALFORMED for
 * anything no record gives (and TOO_BIG past a cap, NOMEM), MSW_ERR_UNSUPPORTED for a part
 * the tables cannot read back yet (a block with computed rows that have no setter): keep
 * the parsed tree for that one. On an error *r is empty (record_free() is harmless). */
msw_err record_from_json(const char *text, size_t n, struct msw_record *r);
msw_err record_from_tree(const cJSON *o, struct msw_record *r);
/* Add a bytes field to a JSON object: "name" if valid UTF-8, else "name_b64". */
void json_add_bytes(cJSON *o, const char *name, const uint8_t *p, size_t n);

#endif
