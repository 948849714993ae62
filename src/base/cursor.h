/* Bounded reader and writer for wire formats.
 *
 * struct cursor reads untrusted bytes: every getter checks the remaining length first and
 * fails with c->short_err (MSW_ERR_MALFORMED for a complete packet body, MSW_ERR_NEED_MORE
 * for a stream prefix) without moving the cursor. Variable Byte Integers are rejected when
 * longer than 4 bytes or not minimally encoded (MQTT 5 §1.5.5, [MQTT-1.5.5-1]); UTF-8
 * strings are rejected when not well-formed or when they contain U+0000 or a surrogate
 * (MQTT 5 §1.5.4, [MQTT-1.5.4-1], [MQTT-1.5.4-2]). String and binary getters return a slice
 * into the input; nothing is allocated.
 *
 * struct wcursor writes into a buffer the caller sized exactly (compute length, allocate
 * once, write): running past the end is a programming error and asserts. */
#ifndef MSW_CURSOR_H
#define MSW_CURSOR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"

struct slice {
	const uint8_t *p;
	size_t len;
};

struct cursor {
	const uint8_t *p;
	size_t len;
	size_t off;
	msw_err short_err; /* returned when a read runs past the end */
};

#define MSW_VARINT_MAX 268435455u /* largest value 4 bytes encode */

void cur_init(struct cursor *c, const void *p, size_t len);        /* short = MALFORMED */
void cur_init_stream(struct cursor *c, const void *p, size_t len); /* short = NEED_MORE */
static inline size_t cur_left(const struct cursor *c)
{
	return c->len - c->off;
}
static inline bool cur_done(const struct cursor *c)
{
	return c->off == c->len;
}
static inline const uint8_t *cur_ptr(const struct cursor *c)
{
	return c->p + c->off;
}

msw_err cur_u8(struct cursor *c, uint8_t *v);
msw_err cur_u16(struct cursor *c, uint16_t *v);    /* big endian */
msw_err cur_u32(struct cursor *c, uint32_t *v);    /* big endian */
msw_err cur_varint(struct cursor *c, uint32_t *v); /* MQTT Variable Byte Integer */
msw_err cur_bytes(struct cursor *c, size_t n, struct slice *s);
msw_err cur_skip(struct cursor *c, size_t n);
msw_err cur_rest(struct cursor *c, struct slice *s);   /* everything left (may be empty) */
msw_err cur_binary(struct cursor *c, struct slice *s); /* u16 length + bytes */
msw_err cur_utf8(struct cursor *c, struct slice *s);   /* u16 length + MQTT UTF-8 */
/* A sub-cursor over the next n bytes (same short_err = MALFORMED); advances c by n. */
msw_err cur_sub(struct cursor *c, size_t n, struct cursor *sub);

/* Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF) without U+0000. */
bool mqtt_utf8_valid(const uint8_t *p, size_t n);
/* Bytes the Variable Byte Integer encoding of v takes (1..4); v must be ≤ MSW_VARINT_MAX. */
size_t varint_len(uint32_t v);

struct wcursor {
	uint8_t *p;
	size_t len;
	size_t off;
};
void wcur_init(struct wcursor *w, void *p, size_t len);
void wcur_u8(struct wcursor *w, uint8_t v);
void wcur_u16(struct wcursor *w, uint16_t v);
void wcur_u32(struct wcursor *w, uint32_t v);
void wcur_varint(struct wcursor *w, uint32_t v);
void wcur_bytes(struct wcursor *w, const void *p, size_t n);
void wcur_string(struct wcursor *w, const void *p, size_t n); /* u16 length + bytes */

#endif
