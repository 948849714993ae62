/* HTTP response parser and chunked decoder: every input is placed flush against an
 * unreadable page (picohttpparser's trick), so any over-read crashes the test at once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "probes/http_parse.h"

static uint8_t *guard_base;
static size_t guard_len;

/* Copy s so that its last byte is the last readable byte before a PROT_NONE page. */
static const uint8_t *flush(const void *s, size_t n)
{
	long pg = sysconf(_SC_PAGESIZE);
	size_t data_pages = (n + (size_t)pg - 1) / (size_t)pg + 1;
	if (guard_base)
		munmap(guard_base, guard_len);
	guard_len = (data_pages + 1) * (size_t)pg;
	guard_base = mmap(NULL, guard_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(guard_base != MAP_FAILED);
	assert_int_equal(mprotect(guard_base + data_pages * (size_t)pg, (size_t)pg, PROT_NONE), 0);
	uint8_t *p = guard_base + data_pages * (size_t)pg - n;
	memcpy(p, s, n);
	return p;
}

static ssize_t parse(const char *s, struct http_response *r)
{
	return http_parse_response(flush(s, strlen(s)), strlen(s), r);
}

static void test_simple(void **st)
{
	struct http_response r;
	const char *s = "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 5\r\n\r\nhello";
	ssize_t k = parse(s, &r);
	assert_int_equal(k, (ssize_t)(strlen(s) - 5));
	assert_int_equal(r.status, 200);
	assert_int_equal(r.minor_version, 1);
	assert_int_equal(r.reason_len, 2);
	assert_memory_equal(r.reason, "OK", 2);
	assert_int_equal(r.nheaders, 2);
	const struct http_header *h = http_header_find(&r, "SERVER");
	assert_non_null(h);
	assert_int_equal(h->value_len, 5);
	assert_memory_equal(h->value, "nginx", 5);
	enum http_body kind;
	uint64_t len;
	assert_int_equal(http_body_kind(&r, false, &kind, &len), MSW_OK);
	assert_int_equal(kind, HTTP_BODY_LENGTH);
	assert_int_equal(len, 5);
	assert_int_equal(http_body_kind(&r, true, &kind, &len), MSW_OK);
	assert_int_equal(kind, HTTP_BODY_NONE);
}

static void test_every_prefix_needs_more(void **st)
{
	const char *s = "HTTP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"x\"\r\n"
			"X-Empty:\r\nContent-Type: text/plain;  charset=utf-8  \r\n\r\n";
	size_t n = strlen(s);
	struct http_response r;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(http_parse_response(flush(s, i), i, &r), HTTP_NEED_MORE);
	assert_int_equal(http_parse_response(flush(s, n), n, &r), (ssize_t)n);
	assert_int_equal(r.status, 401);
	const struct http_header *h = http_header_find(&r, "content-type");
	assert_int_equal(h->value_len, strlen("text/plain;  charset=utf-8"));
	assert_int_equal(http_header_find(&r, "x-empty")->value_len, 0);
}

static void test_bare_lf_and_no_reason(void **st)
{
	struct http_response r;
	const char *s = "HTTP/1.1 204\nA: b\n\n";
	assert_int_equal(parse(s, &r), (ssize_t)strlen(s));
	assert_int_equal(r.status, 204);
	assert_int_equal(r.reason_len, 0);
	assert_int_equal(r.nheaders, 1);
}

static void test_malformed(void **st)
{
	static const char *bad[] = {
		"SSH-2.0-OpenSSH_9.2\r\n",
		"\x10\x02\x00\x00",                          /* an MQTT CONNACK */
		"\x15\x03\x03\x00\x02\x02\x46",              /* a TLS alert */
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"HTTP/1.1 099 Low\r\n\r\n",
		"HTTP/1.1 200OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
		"HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
		"HTTP/1.1 200 OK\r\nA: b\x01\r\n\r\n",
		"HTTP/1.1 200 O\x7fK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n",
	};
	struct http_response r;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], &r), HTTP_MALFORMED);
	/* a NUL inside a value */
	const char nul[] = "HTTP/1.1 200 OK\r\nA: b\0c\r\n\r\n";
	assert_int_equal(http_parse_response(flush(nul, sizeof(nul) - 1), sizeof(nul) - 1, &r),
			 HTTP_MALFORMED);
}

static void test_caps(void **st)
{
	static char buf[HTTP_MAX_HEAD + 4096];
	struct http_response r;
	/* 65 headers */
	size_t n = (size_t)snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i <= HTTP_MAX_HEADERS; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "H%d: v\r\n", i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n");
	assert_int_equal(http_parse_response(flush(buf, n), n, &r), HTTP_MALFORMED);
	/* exactly 64 is fine */
	n = (size_t)snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i < HTTP_MAX_HEADERS; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "H%d: v\r\n", i);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\r\n");
	assert_int_equal(http_parse_response(flush(buf, n), n, &r), (ssize_t)n);
	/* a head that never ends: NEED_MORE below the cap, MALFORMED at it */
	n = (size_t)snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\nCookie: ");
	memset(buf + n, 'a', sizeof(buf) - n);
	assert_int_equal(http_parse_response(flush(buf, HTTP_MAX_HEAD - 1), HTTP_MAX_HEAD - 1, &r),
			 HTTP_NEED_MORE);
	assert_int_equal(http_parse_response(flush(buf, sizeof(buf)), sizeof(buf), &r), HTTP_MALFORMED);
}

static msw_err kind_of(const char *s, enum http_body *kind, uint64_t *len)
{
	struct http_response r;
	assert_true(parse(s, &r) > 0);
	return http_body_kind(&r, false, kind, len);
}

static void test_body_kinds(void **st)
{
	enum http_body k;
	uint64_t len;
	assert_int_equal(kind_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n",
				 &k, &len), MSW_OK);
	assert_int_equal(k, HTTP_BODY_CHUNKED);
	assert_int_equal(kind_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, CHUNKED\r\n\r\n", &k, &len), MSW_OK);
	assert_int_equal(k, HTTP_BODY_CHUNKED);
	assert_int_equal(kind_of("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", &k, &len), MSW_OK);
	assert_int_equal(k, HTTP_BODY_EOF);
	assert_int_equal(kind_of("HTTP/1.1 200 OK\r\n\r\n", &k, &len), MSW_OK);
	assert_int_equal(k, HTTP_BODY_EOF);
	assert_int_equal(kind_of("HTTP/1.1 200 OK\r\nContent-Length: 7, 7\r\nContent-Length: 7\r\n\r\n",
				 &k, &len), MSW_OK);
	assert_int_equal(k, HTTP_BODY_LENGTH);
	assert_int_equal(len, 7);
	assert_int_equal(kind_of("HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n", &k, &len), MSW_OK);
	assert_int_equal(k, HTTP_BODY_NONE);
	assert_int_equal(kind_of("HTTP/1.1 101 Switching Protocols\r\n\r\n", &k, &len), MSW_OK);
	assert_int_equal(k, HTTP_BODY_NONE);
	assert_int_equal(kind_of("HTTP/1.1 200 OK\r\nContent-Length: 7\r\nContent-Length: 8\r\n\r\n",
				 &k, &len), MSW_ERR_MALFORMED);
	assert_int_equal(kind_of("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", &k, &len), MSW_ERR_MALFORMED);
	assert_int_equal(kind_of("HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n", &k, &len), MSW_ERR_MALFORMED);
	assert_int_equal(kind_of("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", &k, &len), MSW_ERR_MALFORMED);
	assert_int_equal(kind_of("HTTP/1.1 200 OK\r\nContent-Length: 9999999999999999999\r\n\r\n", &k, &len),
			 MSW_ERR_MALFORMED);
}

static void test_tokens(void **st)
{
	struct http_response r;
	assert_true(parse("HTTP/1.1 101 x\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n", &r) > 0);
	assert_true(http_header_has_token(&r, "connection", "upgrade"));
	assert_true(http_header_has_token(&r, "Upgrade", "WebSocket"));
	assert_false(http_header_has_token(&r, "connection", "close"));
	assert_false(http_header_has_token(&r, "connection", "keep"));
}

/* Decode in pieces of `step` bytes; returns the result of the last feed. */
static msw_err decode(const char *in, size_t n, size_t step, char *out, size_t *olen, size_t omax,
		      uint64_t *dropped, size_t *total_used)
{
	struct http_chunked d;
	memset(&d, 0, sizeof(d));
	*olen = 0;
	*dropped = 0;
	*total_used = 0;
	msw_err rc = MSW_ERR_NEED_MORE;
	for (size_t off = 0; off < n && rc == MSW_ERR_NEED_MORE;) {
		size_t k = n - off < step ? n - off : step, used;
		rc = http_chunked_feed(&d, flush(in + off, k), k, &used, (uint8_t *)out, olen, omax, dropped);
		assert_true(used <= k);
		off += used;
		*total_used = off;
		if (rc == MSW_ERR_NEED_MORE)
			assert_int_equal(used, k);
	}
	return rc;
}

static void test_chunked(void **st)
{
	const char *in = "4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\nNEXT";
	size_t n = strlen(in);
	char out[64];
	for (size_t step = 1; step <= n; step++) {
		size_t olen, used;
		uint64_t dropped;
		assert_int_equal(decode(in, n, step, out, &olen, sizeof(out), &dropped, &used), MSW_OK);
		assert_int_equal(olen, strlen("Wikipedia in\r\n\r\nchunks."));
		assert_memory_equal(out, "Wikipedia in\r\n\r\nchunks.", olen);
		assert_int_equal(used, n - 4);  /* stops before the next message */
		assert_int_equal(dropped, 0);
	}
	/* cap: keep 5, count the rest */
	size_t olen, used;
	uint64_t dropped;
	assert_int_equal(decode(in, n, 7, out, &olen, 5, &dropped, &used), MSW_OK);
	assert_int_equal(olen, 5);
	assert_int_equal(dropped, strlen("Wikipedia in\r\n\r\nchunks.") - 5);
	/* bare LF framing */
	assert_int_equal(decode("3\nabc\n0\n\n", 9, 1, out, &olen, sizeof(out), &dropped, &used), MSW_OK);
	assert_int_equal(olen, 3);
}

static void test_chunked_malformed(void **st)
{
	static const char *bad[] = {
		"g\r\n", "\r\n", ";x\r\n", "4\r\nWikiX\r\n", "4\r\nWiki\rX",
		"11111111111111111\r\n", "4 \x01\r\n", "0\r\nA\x01\r\n\r\n", "4\rX",
	};
	char out[16];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t olen, used;
		uint64_t dropped;
		assert_int_equal(decode(bad[i], strlen(bad[i]), 1, out, &olen, sizeof(out), &dropped, &used),
				 MSW_ERR_MALFORMED);
	}
	/* a chunk-size line longer than the cap (extension padding) */
	static char line[HTTP_CHUNK_LINE_MAX + 16];
	memset(line, 'a', sizeof(line));
	line[0] = '1';
	line[1] = ';';
	size_t olen, used;
	uint64_t dropped;
	assert_int_equal(decode(line, sizeof(line), 100, out, &olen, sizeof(out), &dropped, &used),
			 MSW_ERR_MALFORMED);
	/* trailers past their cap */
	static char tr[HTTP_TRAILER_MAX + 64];
	memcpy(tr, "0\r\n", 3);
	for (size_t i = 3; i < sizeof(tr); i += 8)
		memcpy(tr + i, "A: bbb\r\n", i + 8 <= sizeof(tr) ? 8 : sizeof(tr) - i);
	assert_int_equal(decode(tr, sizeof(tr), 512, out, &olen, sizeof(out), &dropped, &used),
			 MSW_ERR_MALFORMED);
	/* a 16-digit size is accepted (data dropped past the cap), 17 digits are not */
	assert_int_equal(decode("fffffffffffffff\r\nab", 19, 3, out, &olen, sizeof(out), &dropped, &used),
			 MSW_ERR_NEED_MORE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_every_prefix_needs_more),
		cmocka_unit_test(test_bare_lf_and_no_reason),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_body_kinds),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_chunked_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
