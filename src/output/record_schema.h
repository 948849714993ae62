/* The record's JSON Schema, generated from the field tables (docs/record.schema.json).
 *
 * Every typed part of a record (the envelope, its nested blocks and lists, the blocks
 * layers attach) is described by the same rows the JSON writer walks, so the schema cannot
 * drift from the writer. What no row states is written by hand in a fragments file
 * (docs/schema/untyped.json) that the generator splices in by name:
 *   "envelope"            top-level keywords ($id, title, description, extra allOf rules)
 * A fragment no row asks for is reported (a part that got its table keeps no fragment). */
#ifndef MSW_RECORD_SCHEMA_H
#define MSW_RECORD_SCHEMA_H
#include <cjson/cJSON.h>
#include "base/dbuf.h"
#include "base/err.h"
#include "base/fields.h"

/* The attached-block tables the schema describes (every table a layer may attach). */
extern const struct fblock *const record_schema_blocks[];
extern const size_t record_schema_nblocks;

/* Appends the schema (compact JSON) to out. fragments may be NULL. *unused (when given) is
 * set to the name of a fragment no row asked for (a part that has its table now), or NULL. */
msw_err record_schema_write(struct dbuf *out, const cJSON *fragments, const char **unused);

#endif
