/* Bounded reader/writer tests: every getter fails past the end without moving, the
 * stream flavour says NEED_MORE, varints over 4 bytes or not minimal are malformed, and
 * UTF-8 strings obey RFC 3629 plus MQTT's U+0000 ban. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "base/cursor.h"

static void test_ints(void **st)
{
	(void)st;
	const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
	struct cursor c;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	cur_init(&c, b, sizeof(b));
	assert_int_equal(cur_u8(&c, &u8), MSW_OK);
	assert_int_equal(u8, 1);
	assert_int_equal(cur_u16(&c, &u16), MSW_OK);
	assert_int_equal(u16, 0x0203);
	assert_int_equal(cur_u32(&c, &u32), MSW_OK);
	assert_int_equal(u32, 0x04050607);
	assert_true(cur_done(&c));
	assert_int_equal(cur_u8(&c, &u8), MSW_ERR_MALFORMED);
	/* short reads leave the cursor where it was */
	cur_init(&c, b, 3);
	assert_int_equal(cur_u32(&c, &u32), MSW_ERR_MALFORMED);
	assert_int_equal(c.off, 0);
	cur_init(&c, b, 1);
	assert_int_equal(cur_u16(&c, &u16), MSW_ERR_MALFORMED);
	assert_int_equal(c.off, 0);
	cur_init_stream(&c, b, 1);
	assert_int_equal(cur_u16(&c, &u16), MSW_ERR_NEED_MORE);
	cur_init(&c, NULL, 5);
	assert_int_equal(cur_left(&c), 0);
}

static msw_err varint_of(const uint8_t *b, size_t n, uint32_t *v, size_t *used)
{
	struct cursor c;
	uint8_t *x = malloc(n ? n : 1); /* exact size: over-reads trip ASan */
	memcpy(x, b, n);
	cur_init(&c, x, n);
	msw_err rc = cur_varint(&c, v);
	*used = c.off;
	free(x);
	return rc;
}

/* MQTT 5 §1.5.5 Table 1-1 boundaries. */
static void test_varint(void **st)
{
	(void)st;
	static const struct {
		uint8_t b[5];
		size_t n;
		uint32_t v;
	} ok[] = {
		{{0x00}, 1, 0},
		{{0x7f}, 1, 127},
		{{0x80, 0x01}, 2, 128},
		{{0xff, 0x7f}, 2, 16383},
		{{0x80, 0x80, 0x01}, 3, 16384},
		{{0xff, 0xff, 0x7f}, 3, 2097151},
		{{0x80, 0x80, 0x80, 0x01}, 4, 2097152},
		{{0xff, 0xff, 0xff, 0x7f}, 4, 268435455},
	};
	uint32_t v;
	size_t used;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(varint_of(ok[i].b, ok[i].n, &v, &used), MSW_OK);
		assert_int_equal(v, ok[i].v);
		assert_int_equal(used, ok[i].n);
		assert_int_equal(varint_len(v), ok[i].n);
		uint8_t w[4];
		struct wcursor wc;
		wcur_init(&wc, w, ok[i].n);
		wcur_varint(&wc, v);
		assert_memory_equal(w, ok[i].b, ok[i].n);
	}
	const uint8_t five[] = {0xff, 0xff, 0xff, 0xff, 0x7f};
	assert_int_equal(varint_of(five, 5, &v, &used), MSW_ERR_MALFORMED);
	assert_int_equal(varint_of(five, 4, &v, &used),
			 MSW_ERR_MALFORMED); /* 4 continuation bytes */
	assert_int_equal(varint_of(five, 3, &v, &used),
			 MSW_ERR_MALFORMED); /* short: MALFORMED cursor */
	assert_int_equal(used, 0);
	const uint8_t over1[] = {0x80, 0x00}, over2[] = {0xff, 0x80, 0x00};
	assert_int_equal(varint_of(over1, 2, &v, &used), MSW_ERR_MALFORMED);
	assert_int_equal(varint_of(over2, 3, &v, &used), MSW_ERR_MALFORMED);
	struct cursor c;
	cur_init_stream(&c, five, 2);
	assert_int_equal(cur_varint(&c, &v), MSW_ERR_NEED_MORE);
	assert_int_equal(c.off, 0);
}

static msw_err utf8_of(const char *s, size_t n)
{
	uint8_t *b = malloc(n + 2);
	b[0] = (uint8_t)(n >> 8);
	b[1] = (uint8_t)n;
	memcpy(b + 2, s, n);
	struct cursor c;
	struct slice out;
	cur_init(&c, b, n + 2);
	msw_err rc = cur_utf8(&c, &out);
	if (rc == MSW_OK)
		assert_true(out.len == n && cur_done(&c));
	else
		assert_int_equal(c.off, 0);
	free(b);
	return rc;
}

static void test_utf8(void **st)
{
	(void)st;
	assert_int_equal(utf8_of("", 0), MSW_OK);
	assert_int_equal(utf8_of("home/kitchen", 12), MSW_OK);
	assert_int_equal(utf8_of("caf\xc3\xa9", 5), MSW_OK);         /* U+00E9 */
	assert_int_equal(utf8_of("\xe2\x82\xac", 3), MSW_OK);        /* U+20AC */
	assert_int_equal(utf8_of("\xf0\x9f\x92\xa1", 4), MSW_OK);    /* U+1F4A1 */
	assert_int_equal(utf8_of("\xef\xbb\xbf", 3), MSW_OK);        /* BOM kept [MQTT-1.5.4-3] */
	assert_int_equal(utf8_of("\xf4\x8f\xbf\xbf", 4), MSW_OK);    /* U+10FFFF */
	assert_int_equal(utf8_of("a\0b", 3), MSW_ERR_MALFORMED);     /* U+0000 */
	assert_int_equal(utf8_of("\xc0\x80", 2), MSW_ERR_MALFORMED); /* overlong NUL */
	assert_int_equal(utf8_of("\xc1\xbf", 2), MSW_ERR_MALFORMED); /* overlong */
	assert_int_equal(utf8_of("\xe0\x9f\xbf", 3), MSW_ERR_MALFORMED);     /* overlong 3-byte */
	assert_int_equal(utf8_of("\xf0\x8f\xbf\xbf", 4), MSW_ERR_MALFORMED); /* overlong 4-byte */
	assert_int_equal(utf8_of("\xed\xa0\x80", 3), MSW_ERR_MALFORMED);     /* U+D800 */
	assert_int_equal(utf8_of("\xed\xbf\xbf", 3), MSW_ERR_MALFORMED);     /* U+DFFF */
	assert_int_equal(utf8_of("\xf4\x90\x80\x80", 4), MSW_ERR_MALFORMED); /* > U+10FFFF */
	assert_int_equal(utf8_of("\xf5\x80\x80\x80", 4), MSW_ERR_MALFORMED);
	assert_int_equal(utf8_of("\xc3", 1), MSW_ERR_MALFORMED); /* truncated */
	assert_int_equal(utf8_of("\xe2\x82", 2), MSW_ERR_MALFORMED);
	assert_int_equal(utf8_of("\xe2\x28\xa1", 3), MSW_ERR_MALFORMED); /* bad continuation */
	assert_int_equal(utf8_of("\x80", 1), MSW_ERR_MALFORMED);         /* lone continuation */
	assert_int_equal(utf8_of("\xff", 1), MSW_ERR_MALFORMED);
	/* controls are "SHOULD NOT" in MQTT, not malformed */
	assert_int_equal(utf8_of("\x01\x7f", 2), MSW_OK);
}

static void test_strings_binary(void **st)
{
	(void)st;
	const uint8_t b[] = {0x00, 0x03, 'a', 'b', 'c', 0x00, 0x05, 'x'};
	struct cursor c;
	struct slice s;
	cur_init(&c, b, sizeof(b));
	assert_int_equal(cur_utf8(&c, &s), MSW_OK);
	assert_int_equal(s.len, 3);
	assert_memory_equal(s.p, "abc", 3);
	/* declared 5, only 1 left: the length prefix is not consumed */
	assert_int_equal(cur_binary(&c, &s), MSW_ERR_MALFORMED);
	assert_int_equal(c.off, 5);
	cur_init_stream(&c, b + 5, 3);
	assert_int_equal(cur_binary(&c, &s), MSW_ERR_NEED_MORE);
	assert_int_equal(c.off, 0);
	/* binary may hold anything, including NUL and invalid UTF-8 */
	const uint8_t bin[] = {0x00, 0x02, 0x00, 0xff};
	cur_init(&c, bin, sizeof(bin));
	assert_int_equal(cur_binary(&c, &s), MSW_OK);
	cur_init(&c, bin, sizeof(bin));
	assert_int_equal(cur_utf8(&c, &s), MSW_ERR_MALFORMED);
	/* sub-cursor and rest */
	struct cursor sub;
	cur_init(&c, b, sizeof(b));
	assert_int_equal(cur_sub(&c, 5, &sub), MSW_OK);
	assert_int_equal(cur_left(&sub), 5);
	assert_int_equal(cur_sub(&c, 4, &sub), MSW_ERR_MALFORMED);
	assert_int_equal(cur_rest(&c, &s), MSW_OK);
	assert_int_equal(s.len, 3);
	assert_true(cur_done(&c));
	assert_int_equal(cur_skip(&c, 1), MSW_ERR_MALFORMED);
}

static void test_writer(void **st)
{
	(void)st;
	uint8_t out[11];
	struct wcursor w;
	wcur_init(&w, out, sizeof(out));
	wcur_u8(&w, 0x10);
	wcur_u16(&w, 0xbeef);
	wcur_u32(&w, 0x01020304);
	wcur_string(&w, "hi", 2);
	assert_int_equal(w.off, 11);
	const uint8_t want[] = {0x10, 0xbe, 0xef, 1, 2, 3, 4, 0, 2, 'h', 'i'};
	assert_memory_equal(out, want, sizeof(want));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ints),   cmocka_unit_test(test_varint),
		cmocka_unit_test(test_utf8),   cmocka_unit_test(test_strings_binary),
		cmocka_unit_test(test_writer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
