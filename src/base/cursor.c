/* Bounded reader/writer; see cursor.h. Every reader checks cur_left() before touching a
 * byte and leaves the cursor unchanged on failure. */
#include "base/cursor.h"
#include <assert.h>
#include <string.h>

void cur_init(struct cursor *c, const void *p, size_t len)
{
	c->p = p;
	c->len = p ? len : 0;
	c->off = 0;
	c->short_err = MSW_ERR_MALFORMED;
}

void cur_init_stream(struct cursor *c, const void *p, size_t len)
{
	cur_init(c, p, len);
	c->short_err = MSW_ERR_NEED_MORE;
}

msw_err cur_u8(struct cursor *c, uint8_t *v)
{
	if (cur_left(c) < 1)
		return c->short_err;
	*v = c->p[c->off++];
	return MSW_OK;
}

msw_err cur_u16(struct cursor *c, uint16_t *v)
{
	if (cur_left(c) < 2)
		return c->short_err;
	const uint8_t *b = c->p + c->off;
	*v = (uint16_t)((b[0] << 8) | b[1]);
	c->off += 2;
	return MSW_OK;
}

msw_err cur_u32(struct cursor *c, uint32_t *v)
{
	if (cur_left(c) < 4)
		return c->short_err;
	const uint8_t *b = c->p + c->off;
	*v = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
	c->off += 4;
	return MSW_OK;
}

/* MQTT 5 §1.5.5 / 3.1.1 §2.2.3: 7 bits per byte, low group first, at most 4 bytes, and
 * the minimum number of bytes [MQTT-1.5.5-1] (a trailing 0x00 group is overlong). A fifth
 * byte is malformed even when the input stops before it could be read. */
msw_err cur_varint(struct cursor *c, uint32_t *v)
{
	uint32_t val = 0;
	size_t i;

	for (i = 0; i < 4; i++) {
		if (cur_left(c) < i + 1)
			return c->short_err;
		uint8_t b = c->p[c->off + i];
		val |= (uint32_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			if (i > 0 && b == 0)
				return MSW_ERR_MALFORMED;
			c->off += i + 1;
			*v = val;
			return MSW_OK;
		}
	}
	return MSW_ERR_MALFORMED;
}

msw_err cur_bytes(struct cursor *c, size_t n, struct slice *s)
{
	if (cur_left(c) < n)
		return c->short_err;
	s->p = c->p + c->off;
	s->len = n;
	c->off += n;
	return MSW_OK;
}

msw_err cur_skip(struct cursor *c, size_t n)
{
	struct slice s = {0};
	return cur_bytes(c, n, &s);
}

msw_err cur_rest(struct cursor *c, struct slice *s)
{
	return cur_bytes(c, cur_left(c), s);
}

msw_err cur_binary(struct cursor *c, struct slice *s)
{
	size_t save = c->off;
	uint16_t n = 0;
	msw_err rc = cur_u16(c, &n);
	if (rc)
		return rc;
	rc = cur_bytes(c, n, s);
	if (rc)
		c->off = save;
	return rc;
}

msw_err cur_utf8(struct cursor *c, struct slice *s)
{
	size_t save = c->off;
	msw_err rc = cur_binary(c, s);
	if (rc)
		return rc;
	if (!mqtt_utf8_valid(s->p, s->len)) {
		c->off = save;
		return MSW_ERR_MALFORMED;
	}
	return MSW_OK;
}

msw_err cur_sub(struct cursor *c, size_t n, struct cursor *sub)
{
	struct slice s = {0};
	msw_err rc = cur_bytes(c, n, &s);
	if (rc)
		return rc;
	cur_init(sub, s.p, s.len);
	return MSW_OK;
}

/* Length of the sequence led by b (0 = invalid lead) and the smallest second byte
 * range for the overlong / surrogate / > U+10FFFF exclusions of RFC 3629 §4. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
	uint8_t b = p[0];
	size_t len;
	uint8_t lo = 0x80, hi = 0xbf;

	if (b < 0x80)
		return b ? 1 : 0; /* U+0000 is not allowed [MQTT-1.5.4-2] */
	if (b >= 0xc2 && b <= 0xdf)
		len = 2;
	else if (b >= 0xe0 && b <= 0xef) {
		len = 3;
		if (b == 0xe0)
			lo = 0xa0; /* overlong */
		else if (b == 0xed)
			hi = 0x9f; /* U+D800..U+DFFF [MQTT-1.5.4-1] */
	} else if (b >= 0xf0 && b <= 0xf4) {
		len = 4;
		if (b == 0xf0)
			lo = 0x90; /* overlong */
		else if (b == 0xf4)
			hi = 0x8f; /* > U+10FFFF */
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

bool mqtt_utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t l = utf8_seq(p + i, n - i);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

size_t varint_len(uint32_t v)
{
	assert(v <= MSW_VARINT_MAX);
	if (v < 128)
		return 1;
	if (v < 16384)
		return 2;
	if (v < 2097152)
		return 3;
	return 4;
}

void wcur_init(struct wcursor *w, void *p, size_t len)
{
	w->p = p;
	w->len = len;
	w->off = 0;
}

void wcur_bytes(struct wcursor *w, const void *p, size_t n)
{
	assert(n <= w->len - w->off);
	if (n)
		memcpy(w->p + w->off, p, n);
	w->off += n;
}

void wcur_u8(struct wcursor *w, uint8_t v)
{
	wcur_bytes(w, &v, 1);
}

void wcur_u16(struct wcursor *w, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	wcur_bytes(w, b, 2);
}

void wcur_u32(struct wcursor *w, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	wcur_bytes(w, b, 4);
}

void wcur_varint(struct wcursor *w, uint32_t v)
{
	assert(v <= MSW_VARINT_MAX);
	do {
		uint8_t b = v & 0x7f;
		v >>= 7;
		if (v)
			b |= 0x80;
		wcur_u8(w, b);
	} while (v);
}

void wcur_string(struct wcursor *w, const void *p, size_t n)
{
	assert(n <= 0xffff);
	wcur_u16(w, (uint16_t)n);
	wcur_bytes(w, p, n);
}
