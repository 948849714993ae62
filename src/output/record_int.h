/* Helpers shared by the two renderings of a record (record.c: the cJSON tree;
 * record_text.c: the same JSON text written directly). Not for other modules. */
#ifndef MSW_RECORD_INT_H
#define MSW_RECORD_INT_H
#include <stddef.h>
#include <stdint.h>

/* Standard base64 with padding, NUL-terminated (malloc'd; NULL when out of memory). */
char *record_b64(const uint8_t *p, size_t n);
/* RFC 3339 UTC with milliseconds. */
void record_format_ts(int64_t us, char *out, size_t cap);
/* The CONNACK code's name for this protocol version ("5.0" or a 3.x one), or NULL. */
const char *record_connack_reason(int code, const char *version);
/* A record's CONNACK bytes kept as raw_hex. */
#define CONNACK_RAW_MAX 1024

#endif
