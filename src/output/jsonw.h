/* Compact JSON writer for cJSON trees (same text as cJSON_PrintUnformatted, faster). */
#ifndef MSW_JSONW_H
#define MSW_JSONW_H
#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "base/dbuf.h"
#include "base/err.h"

/* Appends item's JSON text to b. On an error (b's cap reached: MSW_ERR_TOO_BIG or
 * MSW_ERR_NOMEM from dbuf; a tree deeper than 1000 levels; an invalid node) b is left as
 * it was. */
msw_err jsonw_append(struct dbuf *b, const cJSON *item);

/* The pieces, for writers that do not build a tree (record_text.c): raw bytes; a C
 * string or n bytes without NUL as a JSON string (escaped as cJSON does; bytes are
 * copied as they are, so the caller checks UTF-8); a number as cJSON prints it. On an
 * error b may hold part of the value: the caller rolls back to its own mark. */
msw_err jsonw_raw(struct dbuf *b, const char *p, size_t n);
msw_err jsonw_string(struct dbuf *b, const char *s);
msw_err jsonw_string_n(struct dbuf *b, const void *p, size_t n);
msw_err jsonw_number(struct dbuf *b, double d);
/* An integer as cJSON prints the double it would be stored as. */
msw_err jsonw_int(struct dbuf *b, int64_t v);
msw_err jsonw_uint(struct dbuf *b, uint64_t v);
/* p[0..n) is printable ASCII without '"' or '\\': valid UTF-8, no NUL, nothing to
 * escape (one pass, eight bytes at a time; the common case of a record's strings). */
bool jsonw_ascii_plain(const void *p, size_t n);

#endif
