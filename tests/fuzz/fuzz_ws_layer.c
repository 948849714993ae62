/* Fuzz layer_ws end to end over a scripted layer below: the input is what the server sends.
 * Byte 0: bit 0 = splice a valid 101 head (with the accept for the key the layer really sent)
 * in front of the rest, so the frame path after the upgrade is reached; bits 1-4 = read size
 * (1..16 bytes per read from below); bits 5-7 = recv buffer size. The layer must never
 * crash, read out of bounds, leak, or hand out more than asked. */
#define _GNU_SOURCE
#include <assert.h>
#include <stdio.h>
#include "fuzz_common.h"
#include "base/config.h"
#include "base/target.h"
#include "output/record.h"
#include "transport/layer.h"
#include "transport/ws.h"
#include "transport/ws_codec.h"

struct mock {
	const uint8_t *in;
	size_t inlen, inoff, chunk;
	uint8_t head[512];
	size_t headlen, headoff;
	char key[WS_KEY_LEN + 1];
	bool splice;
	size_t sent;
};

static msw_err m_send(struct layer *l, const uint8_t *p, size_t n)
{
	struct mock *m = l->state;
	if (m->splice && !m->headlen && n > 20 && !memcmp(p, "GET ", 4)) {
		const char *k = memmem(p, n, "Sec-WebSocket-Key: ", 19);
		if (k && (size_t)(k - (const char *)p) + 19 + WS_KEY_LEN <= n) {
			char acc[WS_ACCEPT_LEN + 1];
			memcpy(m->key, k + 19, WS_KEY_LEN);
			m->key[WS_KEY_LEN] = 0;
			ws_accept_for(m->key, acc);
			m->headlen = (size_t)snprintf(
				(char *)m->head, sizeof(m->head),
				"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
				"Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
				acc);
		}
	}
	m->sent += n;
	return MSW_OK;
}

static msw_err m_recv(struct layer *l, uint8_t *p, size_t n, size_t *got)
{
	struct mock *m = l->state;
	const uint8_t *src;
	size_t avail;
	*got = 0;
	if (m->headoff < m->headlen) {
		src = m->head + m->headoff;
		avail = m->headlen - m->headoff;
	} else {
		src = m->in + m->inoff;
		avail = m->inlen - m->inoff;
	}
	if (!avail)
		return MSW_ERR_CLOSED;
	size_t k = avail < m->chunk ? avail : m->chunk;
	if (k > n)
		k = n;
	memcpy(p, src, k);
	if (m->headoff < m->headlen)
		m->headoff += k;
	else
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	static struct mock m;
	memset(&m, 0, sizeof(m));
	m.splice = data[0] & 1;
	m.chunk = 1 + ((data[0] >> 1) & 15);
	size_t rsz = (size_t)1 << ((data[0] >> 5) & 7);
	m.in = data + 1;
	m.inlen = size - 1;

	struct layer bottom = {.ops = &mock_ops, .state = &m, .fd = -1};
	struct layer top = {.ops = &layer_ws, .below = &bottom, .fd = -1};
	struct msw_target t = {0};
	struct msw_config cfg = {0};
	snprintf(t.ip, sizeof(t.ip), "127.0.95.250");
	t.port = 9001;
	ws_memo_forget(&t); /* each input starts from the same state */
	top.state = calloc(1, layer_ws.state_size);
	if (!top.state)
		return 0;
	msw_err rc = layer_ws.open(&top, &t, &cfg);
	bool ww;
	for (int i = 0; !rc && i < 100000; i++) {
		rc = layer_ws.handshake(&top, &ww);
		if (rc != MSW_ERR_AGAIN)
			break;
		rc = MSW_OK;
	}
	uint8_t buf[128];
	for (int i = 0; rc == MSW_OK && i < 100000; i++) {
		size_t got = 0;
		rc = layer_ws.recv(&top, buf, rsz, &got);
		assert(got <= rsz);
	}
	struct msw_record rec;
	record_init(&rec, "mqtt");
	layer_ws.describe(&top, &rec);
	cJSON *j = record_to_json(&rec, "fuzz");
	assert(j);
	cJSON_Delete(j);
	record_free(&rec);
	layer_ws.destroy(&top);
	free(top.state);
	return 0;
}
