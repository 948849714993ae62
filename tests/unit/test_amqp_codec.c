/* AMQP banner codec: RabbitMQ 3.10.8's real answers (tests/vectors/amqp/, captured on
 * loopback), every prefix of them ("need more", never an error or a read past the end: each
 * input is placed flush against an unreadable page), and hostile inputs (declared lengths past
 * the cap, deep nesting, entry floods, unknown types, control bytes in strings). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>
#include "probes/amqp_codec.h"

static uint8_t *slurp(const char *name, size_t *n)
{
	char path[1024];
	const char *d = getenv("MSW_SOURCE_DIR");
	FILE *f;
	uint8_t *b = malloc(1 << 16);

	snprintf(path, sizeof(path), "%s/tests/vectors/amqp/%s", d ? d : MSW_SOURCE_DIR, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_non_null(b);
	*n = fread(b, 1, 1 << 16, f);
	fclose(f);
	return b;
}

/* Parse p[0..n) placed so that its last byte is the last readable one. */
static long guarded(const uint8_t *p, size_t n, bool sasl, struct amqp_reply *r)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE), span = (n + pg - 1) / pg * pg + pg;
	uint8_t *m = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long rc;

	assert_true(m != MAP_FAILED);
	assert_int_equal(mprotect(m + span - pg, pg, PROT_NONE), 0);
	memcpy(m + span - pg - n, p, n);
	rc = amqp_parse_reply(m + span - pg - n, n, sasl, r);
	munmap(m, span);
	return rc;
}

static void test_rabbitmq_connection_start(void **st)
{
	(void)st;
	size_t n;
	uint8_t *b = slurp("rabbitmq-3.10.8-connection-start.bin", &n);
	struct amqp_reply r;

	assert_int_equal(n, 504);
	assert_int_equal(guarded(b, n, false, &r), 504);
	assert_int_equal(r.kind, AMQP_START);
	assert_int_equal(r.ver_major, 0);
	assert_int_equal(r.ver_minor, 9);
	assert_string_equal(r.product.s, "RabbitMQ");
	assert_string_equal(r.version.s, "3.10.8");
	assert_string_equal(r.platform.s, "Erlang/OTP 25.2.3");
	assert_string_equal(r.cluster_name.s, "rabbit@vm");
	assert_non_null(strstr(r.copyright.s, "2007-2022"));
	assert_int_equal(r.nprops, 7);
	assert_int_equal(r.ncaps, 9);
	assert_string_equal(r.caps[0], "publisher_confirms");
	assert_int_equal(r.nmechs, 2);
	assert_string_equal(r.mechs[0], "PLAIN");
	assert_string_equal(r.mechs[1], "AMQPLAIN");
	assert_string_equal(r.locales, "en_US");
	/* every prefix: need more, nothing read past it */
	for (size_t k = 0; k < n; k++)
		assert_int_equal(guarded(b, k, false, &r), 0);
	/* trailing bytes after the frame are not part of the reply */
	uint8_t more[600];
	memcpy(more, b, n);
	memset(more + n, 0x41, sizeof(more) - n);
	assert_int_equal(amqp_parse_reply(more, sizeof(more), false, &r), 504);
	free(b);
}

static void test_headers_and_sasl(void **st)
{
	(void)st;
	size_t n;
	struct amqp_reply r;
	uint8_t *b = slurp("rabbitmq-3.10.8-http-refused.bin", &n);

	/* a 0-9-1 server refusing what it does not speak names its own protocol */
	assert_int_equal(guarded(b, n, false, &r), 8);
	assert_int_equal(r.kind, AMQP_HEADER);
	assert_string_equal(amqp_proto_name(r.proto), "0-9-1");
	free(b);
	b = slurp("rabbitmq-3.10.8-amqp10-sasl.bin", &n);
	/* the 1.0 SASL header echoed and its mechanisms */
	assert_int_equal(guarded(b, n, true, &r), (long)n);
	assert_int_equal(r.kind, AMQP_SASL);
	assert_string_equal(amqp_proto_name(r.proto), "1.0 (SASL)");
	assert_int_equal(r.nmechs, 3);
	assert_true(amqp_offers(&r, "ANONYMOUS"));
	assert_true(amqp_offers(&r, "AMQPLAIN"));
	assert_false(amqp_offers(&r, "EXTERNAL"));
	for (size_t k = 0; k < n; k++)
		assert_int_equal(guarded(b, k, true, &r), 0);
	/* not having sent the SASL header, the echo alone is the answer (ActiveMQ's refusal) */
	assert_int_equal(guarded(b, n, false, &r), 8);
	assert_int_equal(r.kind, AMQP_HEADER);
	free(b);
	b = slurp("rabbitmq-3.10.8-amqp10-plain.bin", &n);
	assert_int_equal(guarded(b, n, false, &r), 8);
	assert_string_equal(amqp_proto_name(r.proto), "1.0");
	free(b);
}

/* A frame around a hand-made Connection.Start payload. */
static size_t frame(uint8_t *out, const uint8_t *payload, size_t n)
{
	out[0] = 1;
	out[1] = out[2] = 0;
	out[3] = (uint8_t)(n >> 24);
	out[4] = (uint8_t)(n >> 16);
	out[5] = (uint8_t)(n >> 8);
	out[6] = (uint8_t)n;
	memcpy(out + 7, payload, n);
	out[7 + n] = 0xCE;
	return n + 8;
}

static size_t put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 4;
}

/* class 10 method 10, 0-9, a server-properties table of tlen bytes at t, then empty
 * mechanisms and locales. */
static size_t start_payload(uint8_t *p, const uint8_t *t, size_t tlen)
{
	size_t o = 0;

	memcpy(p, "\x00\x0a\x00\x0a\x00\x09", 6);
	o = 6;
	o += put32(p + o, (uint32_t)tlen);
	memcpy(p + o, t, tlen);
	o += tlen;
	o += put32(p + o, 0);
	o += put32(p + o, 0);
	return o;
}

static void test_hostile(void **st)
{
	(void)st;
	static uint8_t pl[70000], fr[70010], t[66000];
	struct amqp_reply r;
	size_t n, o;

	/* not AMQP */
	assert_int_equal(amqp_parse_reply((const uint8_t *)"HTTP/1.1 400 Bad", 16, false, &r), -1);
	assert_int_equal(amqp_parse_reply((const uint8_t *)"AMQX\0\0\x09\x01", 8, false, &r), -1);
	assert_int_equal(amqp_parse_reply((const uint8_t *)"AM", 2, false, &r), 0);
	/* a declared frame past the cap is refused at once, before its bytes arrive */
	uint8_t big[7] = {1, 0, 0, 0x7f, 0xff, 0xff, 0xff};
	assert_int_equal(amqp_parse_reply(big, sizeof(big), false, &r), -1);
	/* wrong channel, wrong type */
	uint8_t chan[7] = {1, 0, 1, 0, 0, 0, 4};
	assert_int_equal(amqp_parse_reply(chan, sizeof(chan), false, &r), -1);
	/* a valid small table: product with control bytes and a very long version */
	o = 0;
	t[o++] = 7;
	memcpy(t + o, "product", 7), o += 7;
	t[o++] = 'S';
	o += put32(t + o, 5);
	memcpy(t + o, "R\x01M\x1bQ", 5), o += 5;
	t[o++] = 7;
	memcpy(t + o, "version", 7), o += 7;
	t[o++] = 'S';
	o += put32(t + o, 300);
	memset(t + o, '9', 300), o += 300;
	n = frame(fr, pl, start_payload(pl, t, o));
	assert_int_equal(amqp_parse_reply(fr, n, false, &r), (long)n);
	assert_string_equal(r.product.s, "R?M?Q");
	assert_true(r.version.cut);
	assert_int_equal(strlen(r.version.s), AMQP_STR - 1);
	/* the frame end must be 0xCE */
	fr[n - 1] = 0;
	assert_int_equal(amqp_parse_reply(fr, n, false, &r), -1);
	/* an unknown field type */
	o = 0;
	t[o++] = 1;
	t[o++] = 'k';
	t[o++] = 'Z';
	n = frame(fr, pl, start_payload(pl, t, o));
	assert_int_equal(amqp_parse_reply(fr, n, false, &r), -1);
	/* nesting deeper than the cap: F inside F inside ... */
	o = 0;
	for (int d = 0; d < 8; d++) {
		t[o++] = 1;
		t[o++] = 'k';
		t[o++] = 'F';
		o += put32(t + o, (uint32_t)(7 * (7 - d)));
	}
	n = frame(fr, pl, start_payload(pl, t, o));
	assert_int_equal(amqp_parse_reply(fr, n, false, &r), -1);
	/* an entry flood: thousands of booleans */
	o = 0;
	for (int i = 0; i < 5000; i++) {
		t[o++] = 1;
		t[o++] = 'k';
		t[o++] = 't';
		t[o++] = 1;
	}
	n = frame(fr, pl, start_payload(pl, t, o));
	assert_int_equal(amqp_parse_reply(fr, n, false, &r), -1);
	/* a long string that claims more than the table holds */
	o = 0;
	t[o++] = 1;
	t[o++] = 'k';
	t[o++] = 'S';
	o += put32(t + o, 0xfffffff0u);
	n = frame(fr, pl, start_payload(pl, t, o));
	assert_int_equal(amqp_parse_reply(fr, n, false, &r), -1);
	/* SASL: an array whose count exceeds its size */
	uint8_t sasl[] = {'A', 'M', 'Q', 'P', 3, 1, 0, 0, 0, 0, 0, 16, 2, 1, 0, 0,
			  0, 0x53, 0x40, 0xc0, 3, 1, 0xe0, 2, 200, 0xa3};
	sasl[11] = (uint8_t)(sizeof(sasl) - 8);
	assert_int_equal(amqp_parse_reply(sasl, sizeof(sasl), true, &r), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rabbitmq_connection_start),
		cmocka_unit_test(test_headers_and_sasl),
		cmocka_unit_test(test_hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
