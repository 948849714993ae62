/* layer_ws over a scripted layer below (no sockets): upgrade with the response cut into
 * small reads, masked client frames, ping → pong, fragments and an MQTT byte stream across
 * messages, the close handshake, path retry on a kept-alive connection and across
 * connections (per ip:port memo), and refusals (bad accept, garbage). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "base/config.h"
#include "base/target.h"
#include "output/record.h"
#include "transport/layer.h"
#include "transport/ws.h"
#include "transport/ws_codec.h"

struct mock {
	uint8_t in[65536];
	size_t inlen, inoff, chunk;
	uint8_t out[131072];
	size_t outlen;
	bool eof;
	bool endless;   /* replay in[] forever (a flooding peer); reads counted */
	unsigned long reads;
};

static msw_err m_send(struct layer *l, const uint8_t *p, size_t n)
{
	struct mock *m = l->state;
	assert_true(m->outlen + n <= sizeof(m->out));
	memcpy(m->out + m->outlen, p, n);
	m->outlen += n;
	return MSW_OK;
}

static msw_err m_recv(struct layer *l, uint8_t *p, size_t n, size_t *got)
{
	struct mock *m = l->state;
	*got = 0;
	if (m->endless && ++m->reads > 100000)
		return MSW_ERR_IO; /* the layer never gave control back */
	if (m->endless && m->inoff == m->inlen)
		m->inoff = 0;
	size_t k = m->inlen - m->inoff;
	if (!k)
		return m->eof ? MSW_ERR_CLOSED : MSW_ERR_AGAIN;
	if (k > m->chunk)
		k = m->chunk;
	if (k > n)
		k = n;
	memcpy(p, m->in + m->inoff, k);
	m->inoff += k;
	*got = k;
	return MSW_OK;
}

static msw_err m_handshake(struct layer *l, bool *ww)
{
	*ww = false;
	l->ready = true;
	return MSW_OK;
}

static const struct layer_ops mock_ops = {
	.name = "mock",
	.handshake = m_handshake,
	.send = m_send,
	.recv = m_recv,
};

static void feed(struct mock *m, const void *p, size_t n)
{
	assert_true(m->inlen + n <= sizeof(m->in));
	memcpy(m->in + m->inlen, p, n);
	m->inlen += n;
}

struct rig {
	struct mock m;
	struct layer bottom, top;
	struct msw_target t;
	struct msw_config cfg;
};

static struct rig *rig_new(const char *ip, size_t chunk)
{
	struct rig *r = calloc(1, sizeof(*r));
	r->m.chunk = chunk;
	r->bottom.ops = &mock_ops;
	r->bottom.state = &r->m;
	r->bottom.fd = -1;
	r->top.ops = &layer_ws;
	r->top.below = &r->bottom;
	r->top.fd = -1;
	r->top.state = calloc(1, layer_ws.state_size);
	snprintf(r->t.ip, sizeof(r->t.ip), "%s", ip);
	r->t.port = 9001;
	r->t.transport = TRANSPORT_WS;
	return r;
}

static void rig_free(struct rig *r)
{
	layer_ws.destroy(&r->top);
	free(r->top.state);
	free(r);
}

/* The request line and key of the last request the layer wrote (from out[from..]). */
static void last_request(struct rig *r, size_t from, char *path, size_t psz, char key[32])
{
	char req[2048];
	size_t n = r->m.outlen - from;
	assert_true(n < sizeof(req));
	memcpy(req, r->m.out + from, n);
	req[n] = '\0';
	assert_int_equal(strncmp(req, "GET ", 4), 0);
	const char *sp = strchr(req + 4, ' ');
	assert_non_null(sp);
	snprintf(path, psz, "%.*s", (int)(sp - req - 4), req + 4);
	const char *k = strstr(req, "Sec-WebSocket-Key: ");
	assert_non_null(k);
	snprintf(key, 32, "%.24s", k + 19);
	assert_non_null(strstr(req, "\r\nSec-WebSocket-Protocol: mqtt, mqttv3.1\r\n"));
	assert_non_null(strstr(req, "\r\nUser-Agent: mqttsweep/"));
	char host[96];
	snprintf(host, sizeof(host), "\r\nHost: %s:9001\r\n", r->t.ip);
	assert_non_null(strstr(req, host));
}

static void respond_101(struct rig *r, const char *key, const char *extra)
{
	char acc[WS_ACCEPT_LEN + 1], resp[512];
	ws_accept_for(key, acc);
	int n = snprintf(
		resp, sizeof(resp),
		"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		"Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Protocol: mqtt\r\nServer: mock/1\r\n\r\n%s",
		acc, extra ? extra : "");
	feed(&r->m, resp, (size_t)n);
}

static msw_err drive(struct rig *r)
{
	bool ww;
	msw_err rc;
	for (int i = 0; i < 10000; i++) {
		rc = r->top.ops->handshake(&r->top, &ww);
		if (rc != MSW_ERR_AGAIN || r->m.inoff == r->m.inlen)
			return rc;
	}
	return rc;
}

static void test_upgrade_and_stream(void **st)
{
	struct rig *r = rig_new("127.0.94.50", 7);
	char path[128], key[32];
	assert_int_equal(layer_ws.open(&r->top, &r->t, &r->cfg), MSW_OK);
	assert_int_equal(drive(r), MSW_ERR_AGAIN); /* request sent, no answer yet */
	last_request(r, 0, path, sizeof(path), key);
	assert_string_equal(path, "/mqtt");
	/* the answer, with the first frame glued to the head: CONNACK split in two messages */
	respond_101(r, key, "\x82\x02\x20\x02");
	assert_int_equal(drive(r), MSW_OK);
	assert_true(r->top.ready);
	const uint8_t rest[] = {0x82, 0x02, 0x00, 0x00, /* ...rest of the CONNACK */
				0x89, 0x01, 'p',        /* ping */
				0x02, 0x01, 0x30, 0x80,
				0x02, 0x01, 'x',         /* fragmented "\x30\x01x" */
				0x88, 0x02, 0x03, 0xe8}; /* close 1000 */
	feed(&r->m, rest, sizeof(rest));
	size_t out_before = r->m.outlen;
	uint8_t buf[64], all[64];
	size_t got, total = 0;
	msw_err rc;
	while ((rc = r->top.ops->recv(&r->top, buf, 3, &got)) == MSW_OK) {
		memcpy(all + total, buf, got);
		total += got;
	}
	assert_int_equal(rc, MSW_ERR_CLOSED);
	assert_int_equal(total, 7);
	assert_memory_equal(all, "\x20\x02\x00\x00\x30\x01x", 7);
	/* what we wrote: a masked pong "p", then a masked close echo with code 1000 */
	const uint8_t *o = r->m.out + out_before;
	assert_true(r->m.outlen - out_before == 7 + 8);
	assert_int_equal(o[0], 0x8a);
	assert_int_equal(o[1], 0x81);
	uint8_t p = o[6] ^ o[2];
	assert_int_equal(p, 'p');
	assert_int_equal(o[7], 0x88);
	assert_int_equal(o[8], 0x82);
	uint8_t c0 = o[13] ^ o[9], c1 = o[14] ^ o[10];
	assert_int_equal(c0 << 8 | c1, 1000);
	/* after close nothing more is sent */
	assert_int_equal(r->top.ops->send(&r->top, (const uint8_t *)"x", 1), MSW_ERR_CLOSED);
	struct msw_record rec;
	record_init(&rec, "mqtt");
	layer_ws.describe(&r->top, &rec);
	cJSON *recj = record_to_json(&rec, "t");
	const cJSON *rec_websocket = cJSON_GetObjectItem(recj, "websocket");
	assert_int_equal(rec.transport_security, TSEC_PLAINTEXT);
	assert_string_equal(cJSON_GetObjectItem(rec_websocket, "server")->valuestring, "mock/1");
	assert_string_equal(cJSON_GetObjectItem(rec_websocket, "subprotocol")->valuestring, "mqtt");
	assert_int_equal(cJSON_GetObjectItem(rec_websocket, "close_code")->valueint, 1000);
	cJSON_Delete(recj);
	record_free(&rec);
	rig_free(r);
}

static void test_send_masked(void **st)
{
	struct rig *r = rig_new("127.0.94.51", 4096);
	char path[128], key[32];
	assert_int_equal(layer_ws.open(&r->top, &r->t, &r->cfg), MSW_OK);
	drive(r);
	last_request(r, 0, path, sizeof(path), key);
	respond_101(r, key, NULL);
	assert_int_equal(drive(r), MSW_OK);
	size_t from = r->m.outlen;
	static uint8_t big[70000];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	assert_int_equal(r->top.ops->send(&r->top, big, sizeof(big)), MSW_OK);
	struct ws_frame f;
	const uint8_t *o = r->m.out + from;
	assert_int_equal(ws_parse_frame_header(o, r->m.outlen - from, &f), MSW_OK);
	assert_true(f.masked && f.fin);
	assert_int_equal(f.opcode, WS_OP_BINARY);
	assert_int_equal(f.len, sizeof(big));
	assert_int_equal(r->m.outlen - from, f.hdr_len + sizeof(big));
	static uint8_t un[70000];
	memcpy(un, o + f.hdr_len, sizeof(big));
	ws_mask(un, sizeof(big), f.mask, 0);
	assert_memory_equal(un, big, sizeof(big));
	rig_free(r);
}

static void test_retry_same_connection(void **st)
{
	struct rig *r = rig_new("127.0.94.52", 5);
	char path[128], key[32];
	assert_int_equal(layer_ws.open(&r->top, &r->t, &r->cfg), MSW_OK);
	drive(r);
	last_request(r, 0, path, sizeof(path), key);
	assert_string_equal(path, "/mqtt");
	size_t from = r->m.outlen;
	const char nf[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found";
	feed(&r->m, nf, sizeof(nf) - 1);
	assert_int_equal(drive(r), MSW_ERR_AGAIN);
	last_request(r, from, path, sizeof(path), key);
	assert_string_equal(path, "/");
	respond_101(r, key, NULL);
	assert_int_equal(drive(r), MSW_OK);
	struct msw_record rec;
	record_init(&rec, "mqtt");
	layer_ws.describe(&r->top, &rec);
	cJSON *recj = record_to_json(&rec, "t");
	const cJSON *rec_websocket = cJSON_GetObjectItem(recj, "websocket");
	cJSON *tried = cJSON_GetObjectItem(rec_websocket, "paths_tried");
	assert_int_equal(cJSON_GetArraySize(tried), 2);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(tried, 0), "status")->valueint,
			 404);
	assert_string_equal(cJSON_GetObjectItem(rec_websocket, "path")->valuestring, "/");
	assert_false(ws_retry_pending(&r->t));
	cJSON_Delete(recj);
	record_free(&rec);
	rig_free(r);
}

static void test_retry_new_connection(void **st)
{
	char path[128], key[32];
	struct rig *r = rig_new("127.0.94.53", 64);
	assert_int_equal(layer_ws.open(&r->top, &r->t, &r->cfg), MSW_OK);
	drive(r);
	const char bad[] =
		"HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
	feed(&r->m, bad, sizeof(bad) - 1);
	assert_int_equal(drive(r), MSW_ERR_HANDSHAKE);
	assert_true(ws_retry_pending(&r->t));
	struct msw_record rec;
	record_init(&rec, "mqtt");
	layer_ws.describe(&r->top, &rec);
	assert_non_null(rec.error);
	rig_free(r);
	/* the next connection to the same ip:port starts at "/"; then "/ws" upgrades */
	for (int i = 0; i < 2; i++) {
		r = rig_new("127.0.94.53", 64);
		assert_int_equal(layer_ws.open(&r->top, &r->t, &r->cfg), MSW_OK);
		drive(r);
		last_request(r, 0, path, sizeof(path), key);
		assert_string_equal(path, i == 0 ? "/" : "/ws");
		if (i == 0) {
			feed(&r->m, bad, sizeof(bad) - 1);
			assert_int_equal(drive(r), MSW_ERR_HANDSHAKE);
		} else {
			respond_101(r, key, NULL);
			assert_int_equal(drive(r), MSW_OK);
		}
		layer_ws.describe(&r->top, &rec);
		if (i == 1)
			assert_false(ws_retry_pending(&r->t));
		rig_free(r);
	}
	cJSON *recj = record_to_json(&rec, "t");
	const cJSON *rec_websocket = cJSON_GetObjectItem(recj, "websocket");
	cJSON *tried = cJSON_GetObjectItem(rec_websocket, "paths_tried");
	assert_int_equal(cJSON_GetArraySize(tried), 3);
	assert_null(rec.error); /* the earlier refusals no longer stand as the record's error */
	/* and the path that worked is remembered */
	r = rig_new("127.0.94.53", 64);
	assert_int_equal(layer_ws.open(&r->top, &r->t, &r->cfg), MSW_OK);
	drive(r);
	last_request(r, 0, path, sizeof(path), key);
	assert_string_equal(path, "/ws");
	rig_free(r);
	cJSON_Delete(recj);
	record_free(&rec);
}

static void test_refusals(void **st)
{
	char path[128], key[32];
	/* wrong accept: not a retry case */
	struct rig *r = rig_new("127.0.94.54", 64);
	assert_int_equal(layer_ws.open(&r->top, &r->t, &r->cfg), MSW_OK);
	drive(r);
	last_request(r, 0, path, sizeof(path), key);
	respond_101(r, "AAAAAAAAAAAAAAAAAAAAAA==", NULL);
	assert_int_equal(drive(r), MSW_ERR_HANDSHAKE);
	assert_false(ws_retry_pending(&r->t));
	rig_free(r);
	/* garbage instead of HTTP: refused at once */
	r = rig_new("127.0.94.55", 64);
	assert_int_equal(layer_ws.open(&r->top, &r->t, &r->cfg), MSW_OK);
	drive(r);
	feed(&r->m, "\x20\x02\x00\x00", 4);
	assert_int_equal(drive(r), MSW_ERR_HANDSHAKE);
	rig_free(r);
	/* peer closes before answering */
	r = rig_new("127.0.94.56", 64);
	assert_int_equal(layer_ws.open(&r->top, &r->t, &r->cfg), MSW_OK);
	drive(r);
	r->m.eof = true;
	assert_int_equal(drive(r), MSW_ERR_HANDSHAKE);
	rig_free(r);
	/* --ws-path: only that path, no memo */
	r = rig_new("127.0.94.57", 64);
	r->cfg.ws_path = "/custom";
	assert_int_equal(layer_ws.open(&r->top, &r->t, &r->cfg), MSW_OK);
	drive(r);
	last_request(r, 0, path, sizeof(path), key);
	assert_string_equal(path, "/custom");
	const char bad[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
	feed(&r->m, bad, sizeof(bad) - 1);
	assert_int_equal(drive(r), MSW_ERR_HANDSHAKE);
	assert_false(ws_retry_pending(&r->t));
	rig_free(r);
	/* a path that cannot go on the request line: refused before anything is sent */
	r = rig_new("127.0.94.59", 64);
	r->t.ws_path = "/a b";
	assert_int_equal(layer_ws.open(&r->top, &r->t, &r->cfg), MSW_OK);
	assert_int_equal(drive(r), MSW_ERR_HANDSHAKE);
	assert_int_equal(r->m.outlen, 0);
	rig_free(r);
	/* a hostile frame after the upgrade: error with the rule named */
	r = rig_new("127.0.94.58", 64);
	assert_int_equal(layer_ws.open(&r->top, &r->t, &r->cfg), MSW_OK);
	drive(r);
	last_request(r, 0, path, sizeof(path), key);
	respond_101(r, key, NULL);
	assert_int_equal(drive(r), MSW_OK);
	feed(&r->m, "\xc2\x00", 2);
	uint8_t buf[16];
	size_t got;
	assert_int_equal(r->top.ops->recv(&r->top, buf, sizeof(buf), &got), MSW_ERR_MALFORMED);
	struct msw_record rec;
	record_init(&rec, "mqtt");
	layer_ws.describe(&r->top, &rec);
	assert_non_null(strstr(rec.error, "RSV"));
	record_free(&rec);
	rig_free(r);
}

/* A peer that floods frames carrying no data (unsolicited pongs, empty messages) must not
 * keep recv() reading forever: it returns with nothing after a bounded number of reads so
 * the engine's loop (and every deadline) runs (review: it looped while input lasted). */
static void test_flood_without_data(void **st)
{
	static const uint8_t floods[][2] = {{0x8a, 0x00}, {0x82, 0x00}};
	for (size_t f = 0; f < 2; f++) {
		struct rig *r = rig_new("127.0.94.53", 8192);
		char path[128], key[32];
		uint8_t buf[64];
		size_t got = 1;
		assert_int_equal(layer_ws.open(&r->top, &r->t, &r->cfg), MSW_OK);
		assert_int_equal(drive(r), MSW_ERR_AGAIN);
		last_request(r, 0, path, sizeof(path), key);
		respond_101(r, key, NULL);
		assert_int_equal(drive(r), MSW_OK);
		r->m.inlen = r->m.inoff = 0;
		for (int i = 0; i < 4096; i++)
			feed(&r->m, floods[f], 2);
		r->m.endless = true;
		msw_err rc = r->top.ops->recv(&r->top, buf, sizeof(buf), &got);
		assert_int_equal(rc, MSW_OK);
		assert_int_equal(got, 0);
		assert_true(r->m.reads <= 64);
		rig_free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_upgrade_and_stream),
		cmocka_unit_test(test_send_masked),
		cmocka_unit_test(test_retry_same_connection),
		cmocka_unit_test(test_retry_new_connection),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_flood_without_data),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
