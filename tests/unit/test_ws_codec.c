/* RFC 6455 codec vectors: §1.3 accept key, §5.7 frame examples, handshake parsing, and
 * hostile frames (RSV, masked server frames, oversize/fragmented control frames, 2^63
 * lengths, endless fragments, non-minimal lengths, bytes after close). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "transport/ws_codec.h"

/* RFC 6455 §1.3 (the brief quoted a wrong value; this is the RFC's and openssl's) */
static void test_accept_rfc(void **st)
{
	char acc[WS_ACCEPT_LEN + 1];
	ws_accept_for("dGhlIHNhbXBsZSBub25jZQ==", acc);
	assert_string_equal(acc, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void test_b64(void **st)
{
	char out[32];
	assert_int_equal(ws_b64_encode((const uint8_t *)"f", 1, out, sizeof(out)), 4);
	assert_string_equal(out, "Zg==");
	ws_b64_encode((const uint8_t *)"fo", 2, out, sizeof(out));
	assert_string_equal(out, "Zm8=");
	ws_b64_encode((const uint8_t *)"foobar", 6, out, sizeof(out));
	assert_string_equal(out, "Zm9vYmFy");
	assert_int_equal(ws_b64_encode((const uint8_t *)"foobar", 6, out, 8), 0);
	/* RFC 6455 §4.1 example nonce */
	const uint8_t nonce[16] = "the sample nonce";
	char key[WS_KEY_LEN + 1];
	ws_make_key(nonce, key);
	assert_string_equal(key, "dGhlIHNhbXBsZSBub25jZQ==");
}

static void test_request(void **st)
{
	char buf[1024];
	size_t len;
	struct ws_request rq = {.host = "broker.example:9001",
				.path = "/mqtt",
				.key = "dGhlIHNhbXBsZSBub25jZQ==",
				.protocols = "mqtt, mqttv3.1",
				.user_agent = "mqttsweep/0.1.0"};
	assert_int_equal(ws_build_request(&rq, buf, sizeof(buf), &len), MSW_OK);
	assert_int_equal(len, strlen(buf));
	assert_true(!strncmp(buf, "GET /mqtt HTTP/1.1\r\n", 20));
	assert_non_null(strstr(buf, "\r\nHost: broker.example:9001\r\n"));
	assert_non_null(strstr(buf, "\r\nUpgrade: websocket\r\n"));
	assert_non_null(strstr(buf, "\r\nConnection: Upgrade\r\n"));
	assert_non_null(strstr(buf, "\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"));
	assert_non_null(strstr(buf, "\r\nSec-WebSocket-Version: 13\r\n"));
	assert_non_null(strstr(buf, "\r\nSec-WebSocket-Protocol: mqtt, mqttv3.1\r\n"));
	assert_non_null(strstr(buf, "\r\nUser-Agent: mqttsweep/0.1.0\r\n"));
	assert_true(len >= 4 && !memcmp(buf + len - 4, "\r\n\r\n", 4));
	assert_int_equal(ws_build_request(&rq, buf, 40, &len), MSW_ERR_TOO_BIG);
	rq.path = "/x\r\nEvil: 1";
	assert_int_equal(ws_build_request(&rq, buf, sizeof(buf), &len), MSW_ERR_USAGE);
	rq.path = "mqtt";
	assert_int_equal(ws_build_request(&rq, buf, sizeof(buf), &len), MSW_ERR_USAGE);
}

static const char good_resp[] = "HTTP/1.1 101 Switching Protocols\r\n"
				"Upgrade: websocket\r\n"
				"Connection: keep-alive, Upgrade\r\n"
				"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
				"Sec-WebSocket-Protocol: mqtt\r\n"
				"Server: TestServer/1.0\r\n"
				"\r\n\x82\x02\x20\x02";

static void test_response_ok(void **st)
{
	struct ws_response *r = malloc(sizeof(*r));
	size_t n = sizeof(good_resp) - 1;
	assert_int_equal(
		ws_parse_response((const uint8_t *)good_resp, n, "dGhlIHNhbXBsZSBub25jZQ==", r),
		MSW_OK);
	assert_int_equal(r->status, 101);
	assert_true(ws_response_ok(r));
	assert_string_equal(r->protocol, "mqtt");
	assert_string_equal(r->server, "TestServer/1.0");
	assert_string_equal(r->status_line, "HTTP/1.1 101 Switching Protocols");
	assert_int_equal(r->nheaders, 5);
	assert_int_equal(r->head_len, n - 4);
	/* every split before the end of the head needs more */
	for (size_t i = 0; i < n - 4; i++)
		assert_int_equal(ws_parse_response((const uint8_t *)good_resp, i, NULL, r),
				 MSW_ERR_NEED_MORE);
	/* wrong key: accept does not match */
	assert_int_equal(
		ws_parse_response((const uint8_t *)good_resp, n, "AAAAAAAAAAAAAAAAAAAAAA==", r),
		MSW_OK);
	assert_false(r->accept_ok);
	assert_false(ws_response_ok(r));
	free(r);
}

static void test_response_other(void **st)
{
	struct ws_response *r = malloc(sizeof(*r));
	const char *nf =
		"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nServer: nginx\r\n\r\nnot found";
	assert_int_equal(ws_parse_response((const uint8_t *)nf, strlen(nf), "k", r), MSW_OK);
	assert_int_equal(r->status, 404);
	assert_false(ws_response_ok(r));
	assert_true(r->has_content_length);
	assert_int_equal(r->content_length, 9);
	const char *bad[] = {
		"HTTP/2 101 X\r\n\r\n",
		"HTTP/1.1 10 X\r\n\r\n",
		"XTTP/1.1 101 X\r\n\r\n",
		"HTTP/1.1 101 X\r\nNoColon\r\n\r\n",
		"HTTP/1.1 101 X\r\n folded: x\r\n\r\n",
		"HTTP/1.1 101 X\nUpgrade: websocket\r\n\r\n",
		"HTTP/1.1 101 X\r\nA: b\x01\r\n\r\n",
		"HTTP/1.1 101 X\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		"HTTP/1.1 101 X\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(
			ws_parse_response((const uint8_t *)bad[i], strlen(bad[i]), NULL, r),
			MSW_ERR_MALFORMED);
	/* garbage is refused before the head is complete */
	assert_int_equal(ws_parse_response((const uint8_t *)"\x20\x02", 2, NULL, r),
			 MSW_ERR_MALFORMED);
	assert_int_equal(ws_parse_response((const uint8_t *)"HTTQ", 4, NULL, r), MSW_ERR_MALFORMED);
	assert_int_equal(ws_parse_response((const uint8_t *)"HTT", 3, NULL, r), MSW_ERR_NEED_MORE);
	assert_int_equal(ws_parse_response((const uint8_t *)"HTTP/1.1 xyz\r\nA", 17, NULL, r),
			 MSW_ERR_MALFORMED);
	assert_int_equal(ws_parse_response((const uint8_t *)"HTTP/1.1 101 OK\r\nA", 18, NULL, r),
			 MSW_ERR_NEED_MORE);
	/* a NUL inside the head */
	const char nul[] = "HTTP/1.1 101 X\r\nA: \0b\r\n\r\n";
	assert_int_equal(ws_parse_response((const uint8_t *)nul, sizeof(nul) - 1, NULL, r),
			 MSW_ERR_MALFORMED);
	/* an endless head is TOO_BIG at the cap, never read past it */
	uint8_t *big = malloc(WS_RESP_MAX + 100);
	memcpy(big, "HTTP/1.1 101 X\r\n", 16);
	memset(big + 16, 'a', WS_RESP_MAX + 84);
	assert_int_equal(ws_parse_response(big, WS_RESP_MAX - 1, NULL, r), MSW_ERR_NEED_MORE);
	assert_int_equal(ws_parse_response(big, WS_RESP_MAX + 100, NULL, r), MSW_ERR_TOO_BIG);
	/* many headers: the first WS_MAX_HEADERS kept, all counted */
	char many[4096];
	size_t o = (size_t)snprintf(many, sizeof(many), "HTTP/1.1 200 OK\r\n");
	for (int i = 0; i < 50; i++)
		o += (size_t)snprintf(many + o, sizeof(many) - o, "X-%d: v\r\n", i);
	o += (size_t)snprintf(many + o, sizeof(many) - o, "\r\n");
	assert_int_equal(ws_parse_response((const uint8_t *)many, o, NULL, r), MSW_OK);
	assert_int_equal(r->nheaders, WS_MAX_HEADERS);
	assert_int_equal(r->headers_total, 50);
	free(big);
	free(r);
}

/* Decode everything in one call sequence; collect data into out. Returns the first error. */
static msw_err decode_all(struct ws_decoder *d, const uint8_t *in, size_t n, size_t max_data,
			  uint8_t *out, size_t *outlen, int *events)
{
	size_t off = 0;
	*outlen = 0;
	*events = 0;
	while (off < n) {
		struct ws_event ev;
		size_t used;
		msw_err rc = ws_decode(d, in + off, n - off, max_data, &used, &ev);
		if (rc)
			return rc;
		off += used;
		if (ev.type == WS_EV_DATA) {
			memcpy(out + *outlen, ev.data, ev.len);
			*outlen += ev.len;
		}
		if (ev.type != WS_EV_NONE)
			(*events)++;
		else if (!used)
			break;
	}
	return MSW_OK;
}

static void test_rfc_frames(void **st)
{
	struct ws_decoder d;
	uint8_t out[512];
	size_t ol;
	int evs;
	struct ws_event ev;
	size_t used;

	/* §5.7: unmasked text "Hello" (text allowed for this check) */
	const uint8_t hello[] = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
	ws_decoder_init(&d, 1024);
	assert_int_equal(ws_decode(&d, hello, sizeof(hello), 64, &used, &ev), MSW_ERR_PROTOCOL);
	ws_decoder_init(&d, 1024);
	d.allow_text = true;
	assert_int_equal(decode_all(&d, hello, sizeof(hello), 64, out, &ol, &evs), MSW_OK);
	assert_int_equal(ol, 5);
	assert_memory_equal(out, "Hello", 5);

	/* §5.7: masked "Hello" from a client: a server must never send it */
	const uint8_t mhello[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
	ws_decoder_init(&d, 1024);
	d.allow_text = true;
	assert_int_equal(ws_decode(&d, mhello, sizeof(mhello), 64, &used, &ev), MSW_ERR_MALFORMED);
	/* and unmasking it gives Hello (our masking function) */
	uint8_t tmp[5];
	memcpy(tmp, mhello + 6, 5);
	ws_mask(tmp, 5, mhello + 2, 0);
	assert_memory_equal(tmp, "Hello", 5);

	/* §5.7: fragmented "Hel" + "lo" */
	const uint8_t frag[] = {0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f};
	ws_decoder_init(&d, 1024);
	d.allow_text = true;
	assert_int_equal(decode_all(&d, frag, sizeof(frag), 64, out, &ol, &evs), MSW_OK);
	assert_int_equal(ol, 5);
	assert_memory_equal(out, "Hello", 5);

	/* §5.7: unmasked ping "Hello" */
	const uint8_t ping[] = {0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
	ws_decoder_init(&d, 1024);
	assert_int_equal(ws_decode(&d, ping, sizeof(ping), 64, &used, &ev), MSW_OK);
	assert_int_equal(ev.type, WS_EV_PING);
	assert_int_equal(used, sizeof(ping));
	assert_int_equal(ev.len, 5);
	assert_memory_equal(ev.data, "Hello", 5);
}

static void test_lengths(void **st)
{
	struct ws_decoder d;
	struct ws_frame f;
	uint8_t *buf = malloc(70000);
	uint8_t *out = malloc(70000);
	size_t ol;
	int evs;

	/* §5.7: 256 bytes binary in a single unmasked frame: 0x82 0x7E 0x0100 */
	buf[0] = 0x82;
	buf[1] = 126;
	buf[2] = 0x01;
	buf[3] = 0x00;
	for (int i = 0; i < 256; i++)
		buf[4 + i] = (uint8_t)i;
	assert_int_equal(ws_parse_frame_header(buf, 4, &f), MSW_OK);
	assert_int_equal(f.len, 256);
	assert_int_equal(f.hdr_len, 4);
	ws_decoder_init(&d, 1 << 20);
	assert_int_equal(decode_all(&d, buf, 260, 100, out, &ol, &evs), MSW_OK);
	assert_int_equal(ol, 256);
	assert_int_equal(evs, 3); /* max_data 100 → 100 + 100 + 56 */
	assert_memory_equal(out, buf + 4, 256);

	/* §5.7: 64 KiB in a single frame: 0x82 0x7F 0x0000000000010000 */
	const uint8_t h64[] = {0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0};
	memcpy(buf, h64, 10);
	memset(buf + 10, 0x5a, 65536);
	ws_decoder_init(&d, 1 << 20);
	assert_int_equal(decode_all(&d, buf, 10 + 65536, 70000, out, &ol, &evs), MSW_OK);
	assert_int_equal(ol, 65536);
	/* the same frame against a 64 KiB - 1 cap: refused before any payload */
	ws_decoder_init(&d, 65535);
	struct ws_event ev;
	size_t used;
	assert_int_equal(ws_decode(&d, buf, 10, 70000, &used, &ev), MSW_ERR_TOO_BIG);

	/* 2^63 and above: malformed; 2^63-1: too big for any cap */
	const uint8_t huge[] = {0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0};
	assert_int_equal(ws_parse_frame_header(huge, sizeof(huge), &f), MSW_ERR_MALFORMED);
	const uint8_t big[] = {0x82, 127, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	ws_decoder_init(&d, 1 << 20);
	assert_int_equal(ws_decode(&d, big, sizeof(big), 64, &used, &ev), MSW_ERR_TOO_BIG);
	/* non-minimal encodings */
	const uint8_t nm16[] = {0x82, 126, 0x00, 0x05};
	assert_int_equal(ws_parse_frame_header(nm16, 4, &f), MSW_ERR_MALFORMED);
	const uint8_t nm64[] = {0x82, 127, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	assert_int_equal(ws_parse_frame_header(nm64, 10, &f), MSW_ERR_MALFORMED);
	/* header split byte by byte */
	ws_decoder_init(&d, 1 << 20);
	memcpy(buf, h64, 10);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(ws_decode(&d, buf + i, 1, 64, &used, &ev), MSW_OK);
		assert_int_equal(used, 1);
		assert_int_equal(ev.type, WS_EV_NONE);
	}
	assert_int_equal(d.frame_left, 65536);
	free(buf);
	free(out);
}

static void expect_err(const uint8_t *in, size_t n, msw_err want)
{
	struct ws_decoder d;
	uint8_t out[1024];
	size_t ol;
	int evs;
	ws_decoder_init(&d, 1024);
	assert_int_equal(decode_all(&d, in, n, sizeof(out), out, &ol, &evs), want);
}

static void test_hostile(void **st)
{
	/* RSV1/2/3 set */
	const uint8_t rsv1[] = {0xc2, 0x01, 0x00};
	const uint8_t rsv3[] = {0x92, 0x01, 0x00};
	expect_err(rsv1, sizeof(rsv1), MSW_ERR_MALFORMED);
	expect_err(rsv3, sizeof(rsv3), MSW_ERR_MALFORMED);
	/* reserved opcodes */
	const uint8_t op3[] = {0x83, 0x00};
	const uint8_t opb[] = {0x8b, 0x00};
	expect_err(op3, sizeof(op3), MSW_ERR_MALFORMED);
	expect_err(opb, sizeof(opb), MSW_ERR_MALFORMED);
	/* control frame of 126 bytes (16-bit length) */
	uint8_t bigping[4 + 126] = {0x89, 126, 0x00, 126};
	expect_err(bigping, sizeof(bigping), MSW_ERR_MALFORMED);
	/* fragmented control frame */
	const uint8_t fragping[] = {0x09, 0x00};
	expect_err(fragping, sizeof(fragping), MSW_ERR_MALFORMED);
	/* continuation without a message */
	const uint8_t cont[] = {0x80, 0x01, 0x00};
	expect_err(cont, sizeof(cont), MSW_ERR_MALFORMED);
	/* new data frame inside a fragmented message */
	const uint8_t twice[] = {0x02, 0x01, 0x00, 0x82, 0x01, 0x00};
	expect_err(twice, sizeof(twice), MSW_ERR_MALFORMED);
	/* masked server frame */
	const uint8_t masked[] = {0x82, 0x81, 1, 2, 3, 4, 0x00};
	expect_err(masked, sizeof(masked), MSW_ERR_MALFORMED);
	/* close with a 1-byte body */
	const uint8_t close1[] = {0x88, 0x01, 0x03};
	expect_err(close1, sizeof(close1), MSW_ERR_MALFORMED);
	/* bytes after close */
	const uint8_t after[] = {0x88, 0x02, 0x03, 0xe8, 0x82, 0x00};
	expect_err(after, sizeof(after), MSW_ERR_MALFORMED);
	/* a message growing past the cap across fragments */
	uint8_t grow[4 * 103];
	for (int i = 0; i < 4; i++) {
		grow[i * 103] = i == 0 ? 0x02 : 0x00;
		grow[i * 103 + 1] = 101;
		memset(grow + i * 103 + 2, 'x', 101);
	}
	struct ws_decoder d;
	uint8_t out[1024];
	size_t ol;
	int evs;
	ws_decoder_init(&d, 300);
	assert_int_equal(decode_all(&d, grow, sizeof(grow), sizeof(out), out, &ol, &evs),
			 MSW_ERR_TOO_BIG);
	assert_int_equal(ol, 202); /* two fragments passed before the third broke the cap */
}

static void test_endless_fragments(void **st)
{
	struct ws_decoder d;
	struct ws_event ev;
	size_t used;
	const uint8_t first[] = {0x02, 0x00};
	const uint8_t cont[] = {0x00, 0x00};
	msw_err rc = MSW_OK;
	ws_decoder_init(&d, 1 << 20);
	assert_int_equal(ws_decode(&d, first, 2, 64, &used, &ev), MSW_OK);
	uint32_t i;
	for (i = 0; i < WS_MAX_FRAGMENTS + 10 && !rc; i++)
		rc = ws_decode(&d, cont, 2, 64, &used, &ev);
	assert_int_equal(rc, MSW_ERR_TOO_BIG);
	assert_true(i <= WS_MAX_FRAGMENTS);
}

static void test_control_between_fragments(void **st)
{
	struct ws_decoder d;
	uint8_t out[64];
	size_t ol;
	int evs;
	/* "ab" | ping "p" | pong | "cd" fin | close 1000 "bye" */
	const uint8_t in[] = {0x02, 0x02, 'a', 'b',  0x89, 0x01, 'p',  0x8a, 0x00, 0x80,
			      0x02, 'c',  'd', 0x88, 0x05, 0x03, 0xe8, 'b',  'y',  'e'};
	ws_decoder_init(&d, 1024);
	assert_int_equal(decode_all(&d, in, sizeof(in), sizeof(out), out, &ol, &evs), MSW_OK);
	assert_int_equal(ol, 4);
	assert_memory_equal(out, "abcd", 4);
	assert_int_equal(evs, 5);
	assert_true(d.closed);
	/* same input one byte at a time gives the same bytes and events */
	struct ws_event ev;
	size_t used;
	ws_decoder_init(&d, 1024);
	ol = 0;
	int closes = 0, pings = 0;
	for (size_t i = 0; i < sizeof(in); i++) {
		assert_int_equal(ws_decode(&d, in + i, 1, 64, &used, &ev), MSW_OK);
		assert_int_equal(used, 1);
		if (ev.type == WS_EV_DATA) {
			memcpy(out + ol, ev.data, ev.len);
			ol += ev.len;
		}
		closes += ev.type == WS_EV_CLOSE;
		pings += ev.type == WS_EV_PING;
		if (ev.type == WS_EV_CLOSE)
			assert_int_equal(ev.close_code, 1000);
	}
	assert_int_equal(ol, 4);
	assert_int_equal(closes, 1);
	assert_int_equal(pings, 1);
}

static void test_encode(void **st)
{
	uint8_t h[WS_FRAME_HDR_MAX];
	const uint8_t mask[4] = {0x37, 0xfa, 0x21, 0x3d};
	/* §5.7 masked "Hello" */
	size_t n = ws_frame_header(h, true, WS_OP_TEXT, 5, mask);
	assert_int_equal(n, 6);
	const uint8_t want[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d};
	assert_memory_equal(h, want, 6);
	uint8_t p[5] = {'H', 'e', 'l', 'l', 'o'};
	ws_mask(p, 5, mask, 0);
	const uint8_t wantp[] = {0x7f, 0x9f, 0x4d, 0x51, 0x58};
	assert_memory_equal(p, wantp, 5);
	/* masking split at an odd offset equals masking at once */
	uint8_t a[7] = "abcdefg", b[7] = "abcdefg";
	ws_mask(a, 7, mask, 0);
	ws_mask(b, 3, mask, 0);
	ws_mask(b + 3, 4, mask, 3);
	assert_memory_equal(a, b, 7);
	/* 16- and 64-bit lengths round-trip through the header parser (mask bit set) */
	struct ws_frame f;
	n = ws_frame_header(h, true, WS_OP_BINARY, 300, mask);
	assert_int_equal(n, 8);
	assert_int_equal(ws_parse_frame_header(h, n, &f), MSW_OK);
	assert_int_equal(f.len, 300);
	assert_true(f.masked);
	n = ws_frame_header(h, false, WS_OP_BINARY, 70000, mask);
	assert_int_equal(n, 14);
	assert_int_equal(ws_parse_frame_header(h, n, &f), MSW_OK);
	assert_int_equal(f.len, 70000);
	assert_false(f.fin);
	assert_memory_equal(f.mask, mask, 4);
}

/* The incremental scan agrees with the whole-buffer parse for every way of cutting a head
 * into growing prefixes (byte by byte, and in 5-byte steps), for good heads, garbage and
 * a bad status line; an endless head ends in TOO_BIG. */
static msw_err progress_then_parse(const char *h, size_t n, size_t step, struct ws_response *r)
{
	struct ws_head_scan hs = { 0 };
	msw_err rc = MSW_ERR_NEED_MORE;

	for (size_t have = step < n ? step : n;; have = have + step < n ? have + step : n) {
		rc = ws_response_progress((const uint8_t *)h, have, &hs);
		if (rc == MSW_OK)
			rc = ws_parse_response((const uint8_t *)h, have, NULL, r);
		if (rc != MSW_ERR_NEED_MORE || have == n)
			return rc;
	}
}

static void test_response_progress(void **st)
{
	(void)st;
	struct ws_response *r = malloc(sizeof(*r));
	const char *cases[] = {
		good_resp,
		"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found",
		"XTTP/1.1 101 X\r\n\r\n",
		"HTTP/1.1 xyz\r\nA: b\r\n\r\n",
		"HTTP/1.1 101 X\nUpgrade: websocket\r\n\r\n",
		"HTTP/1.1 101 OK\r\nA: b",
		"\x20\x02",
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = strlen(cases[i]);
		msw_err whole = ws_parse_response((const uint8_t *)cases[i], n, NULL, r);

		for (size_t step = 1; step <= 5; step += 4)
			assert_int_equal(progress_then_parse(cases[i], n, step, r), whole);
	}
	char *big = malloc(WS_RESP_MAX + 16);
	struct ws_head_scan hs = { 0 };
	msw_err rc = MSW_ERR_NEED_MORE;

	memcpy(big, "HTTP/1.1 101 OK\r\n", 17);
	memset(big + 17, 'a', WS_RESP_MAX - 1);
	for (size_t have = 1; have <= WS_RESP_MAX + 16 && rc == MSW_ERR_NEED_MORE; have++)
		rc = ws_response_progress((const uint8_t *)big, have, &hs);
	assert_int_equal(rc, MSW_ERR_TOO_BIG);
	assert_int_equal(hs.searched, WS_RESP_MAX);
	free(big);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_rfc),
		cmocka_unit_test(test_b64),
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_response_ok),
		cmocka_unit_test(test_response_other),
		cmocka_unit_test(test_rfc_frames),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_endless_fragments),
		cmocka_unit_test(test_control_between_fragments),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_response_progress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
