/* layer_ws: an RFC 6455 client over the layer below (tcp or tls), built on the pure codec
 * in ws_codec.c. handshake() sends the upgrade request and reads the response head
 * (capped at WS_RESP_MAX, never reading past it); recv() turns data frames back into the
 * byte stream MQTT expects (one MQTT packet may span messages), answers pings, and
 * completes the close handshake; send() writes one masked binary frame per call, masking
 * in fixed chunks so nothing is allocated per send. Path retry rules: see ws.h. */
#include "transport/ws.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/rand.h>
#include "base/config.h"
#include "base/dbuf.h"
#include "base/target.h"
#include "base/record.h"
#include "transport/layer.h"
#include "transport/ws_codec.h"
#include "transport/ws_info.h"

#ifndef MSW_VERSION
#define MSW_VERSION "0"
#endif
#define WS_USER_AGENT     "mqttsweep/" MSW_VERSION " (MQTT exposure audit)"
#define WS_PROTOCOLS      "mqtt, mqttv3.1"
#define WS_RBUF           8192
#define WS_BODY_REUSE_MAX 65536u
#define WS_MSG_MIN        (1u << 20)
#define WS_MSG_MAX        (256u << 20)
#define WS_MEMO_SLOTS     256
#define WS_READS_PER_CALL 16

enum ws_phase { WSP_SEND, WSP_RESP, WSP_BODY, WSP_OPEN, WSP_FAILED };

struct ws_try {
	char path[128];
	int status; /* HTTP status, 0 = no response */
};

struct ws_state {
	enum ws_phase ph;
	char ip[64];
	uint16_t port;
	char host[320];
	char key[WS_KEY_LEN + 1];
	char paths[WS_NPATHS][128];
	size_t npaths, cur;
	bool fixed_path;
	struct ws_try tries[WS_NPATHS];
	size_t ntries;
	struct dbuf resp;
	struct ws_head_scan hscan; /* how far resp has been looked at */
	struct ws_response *r; /* parse space, freed when the handshake ends */
	struct ws_response_rec kept; /* what the record keeps of the last response */
	uint64_t body_left;
	struct ws_decoder dec;
	uint8_t rbuf[WS_RBUF];
	size_t rlen, roff;
	msw_err err; /* deferred error, returned once buffered data is out */
	bool close_sent, close_rcvd;
	int close_code;
	char fail[192]; /* why the upgrade failed */
};

/* ---- per ip:port memo of the path to use (see ws.h) ---- */

struct ws_memo {
	char ip[64];
	uint16_t port;
	uint8_t next; /* path index for the next connection */
	bool retry;   /* the last upgrade failed and next is untried */
	bool used;
};
static struct ws_memo memo[WS_MEMO_SLOTS];
static size_t memo_clock;
static pthread_mutex_t memo_mu = PTHREAD_MUTEX_INITIALIZER;

static struct ws_memo *memo_find(const char *ip, uint16_t port, bool add)
{
	for (size_t i = 0; i < WS_MEMO_SLOTS; i++)
		if (memo[i].used && memo[i].port == port && !strcmp(memo[i].ip, ip))
			return &memo[i];
	if (!add)
		return NULL;
	struct ws_memo *m = &memo[memo_clock++ % WS_MEMO_SLOTS];
	memset(m, 0, sizeof(*m));
	snprintf(m->ip, sizeof(m->ip), "%s", ip);
	m->port = port;
	m->used = true;
	return m;
}

static void memo_set(const char *ip, uint16_t port, size_t next, bool retry)
{
	pthread_mutex_lock(&memo_mu);
	struct ws_memo *m = memo_find(ip, port, true);
	m->next = (uint8_t)next;
	m->retry = retry;
	pthread_mutex_unlock(&memo_mu);
}

static size_t memo_get(const char *ip, uint16_t port)
{
	size_t next = 0;
	pthread_mutex_lock(&memo_mu);
	struct ws_memo *m = memo_find(ip, port, false);
	if (m) {
		next = m->next;
		m->retry = false;
	}
	pthread_mutex_unlock(&memo_mu);
	return next;
}

bool ws_retry_pending(const struct msw_target *t)
{
	bool r = false;
	pthread_mutex_lock(&memo_mu);
	struct ws_memo *m = memo_find(t->ip, t->port, false);
	if (m)
		r = m->retry;
	pthread_mutex_unlock(&memo_mu);
	return r;
}

void ws_memo_forget(const struct msw_target *t)
{
	pthread_mutex_lock(&memo_mu);
	struct ws_memo *m = memo_find(t->ip, t->port, false);
	if (m)
		memset(m, 0, sizeof(*m));
	pthread_mutex_unlock(&memo_mu);
}

/* ---- set-up ---- */

static bool below_is_tls(const struct layer *l)
{
	for (const struct layer *b = l->below; b; b = b->below)
		if (b->ops == &layer_tls)
			return true;
	return false;
}

static void make_host(struct ws_state *s, const struct msw_target *t, bool tls)
{
	const char *name = t->hostname && t->hostname[0] ? t->hostname : t->ip;
	bool v6 = strchr(name, ':') != NULL;
	bool dflt = t->port == (tls ? 443 : 80);
	if (dflt)
		snprintf(s->host, sizeof(s->host), v6 ? "[%s]" : "%s", name);
	else
		snprintf(s->host, sizeof(s->host), v6 ? "[%s]:%u" : "%s:%u", name, t->port);
}

static msw_err set_paths(struct ws_state *s, const struct msw_target *t,
			 const struct msw_config *cfg)
{
	const char *fixed = cfg && cfg->ws_path ? cfg->ws_path : t->ws_path;
	if (fixed && fixed[0]) {
		if (fixed[0] != '/' || strlen(fixed) >= sizeof(s->paths[0]) ||
		    strpbrk(fixed, " \r\n"))
			return MSW_ERR_USAGE;
		snprintf(s->paths[0], sizeof(s->paths[0]), "%s", fixed);
		s->npaths = 1;
		s->fixed_path = true;
		return MSW_OK;
	}
	static const char *const dflt[WS_NPATHS] = WS_DEFAULT_PATHS;
	for (size_t i = 0; i < WS_NPATHS; i++)
		snprintf(s->paths[i], sizeof(s->paths[i]), "%s", dflt[i]);
	s->npaths = WS_NPATHS;
	s->cur = memo_get(s->ip, s->port);
	if (s->cur >= s->npaths)
		s->cur = 0;
	return MSW_OK;
}

static msw_err ws_open(struct layer *l, const struct msw_target *t, const struct msw_config *cfg)
{
	struct ws_state *s = l->state;
	if (!l->below)
		return MSW_ERR_INTERNAL;
	snprintf(s->ip, sizeof(s->ip), "%s", t->ip);
	s->port = t->port;
	make_host(s, t, below_is_tls(l));
	if (set_paths(s, t, cfg)) {
		/* fail in handshake() so that describe() can say why */
		snprintf(s->fail, sizeof(s->fail),
			 "websocket path must start with '/', hold no "
			 "space or CR/LF and be under 128 bytes");
		s->ph = WSP_FAILED;
		return MSW_OK;
	}
	s->r = calloc(1, sizeof(*s->r));
	if (!s->r)
		return MSW_ERR_NOMEM;
	dbuf_init(&s->resp, WS_RESP_MAX);
	uint64_t cap = cfg && cfg->max_packet ? 2ull * cfg->max_packet : 0;
	cap = cap < WS_MSG_MIN ? WS_MSG_MIN : cap > WS_MSG_MAX ? WS_MSG_MAX : cap;
	ws_decoder_init(&s->dec, cap);
	s->ph = WSP_SEND;
	return MSW_OK;
}

/* ---- handshake ---- */

static msw_err fail(struct ws_state *s, msw_err rc, const char *why)
{
	snprintf(s->fail, sizeof(s->fail), "websocket upgrade: %s", why);
	s->ph = WSP_FAILED;
	return rc;
}

static msw_err send_request(struct layer *l, struct ws_state *s)
{
	uint8_t nonce[16];
	char req[1024];
	size_t len;

	if (RAND_bytes(nonce, sizeof(nonce)) != 1)
		return fail(s, MSW_ERR_INTERNAL, "no randomness");
	ws_make_key(nonce, s->key);
	struct ws_request rq = {.host = s->host,
				.path = s->paths[s->cur],
				.key = s->key,
				.protocols = WS_PROTOCOLS,
				.user_agent = WS_USER_AGENT};
	msw_err rc = ws_build_request(&rq, req, sizeof(req), &len);
	if (rc)
		return fail(s, rc, "cannot build request");
	rc = l->below->ops->send(l->below, (const uint8_t *)req, len);
	if (rc)
		return fail(s, rc, "send failed");
	if (s->ntries < WS_NPATHS) {
		memcpy(s->tries[s->ntries].path, s->paths[s->cur], sizeof(s->tries[0].path));
		s->tries[s->ntries++].status = 0;
	}
	dbuf_reset(&s->resp);
	memset(&s->hscan, 0, sizeof(s->hscan));
	s->ph = WSP_RESP;
	return MSW_OK;
}

/* Bytes after the response head belong to the next phase: move them into rbuf. */
static void keep_leftover(struct ws_state *s, size_t from)
{
	size_t n = s->resp.len - from;
	memcpy(s->rbuf, s->resp.p + from, n); /* n < WS_RESP_MAX <= WS_RBUF */
	s->rlen = n;
	s->roff = 0;
}

/* The upgrade was refused: next path on this connection, on a new one, or give up. */
static msw_err refused(struct ws_state *s)
{
	const struct ws_response *r = s->r;
	char why[160];

	snprintf(why, sizeof(why), "HTTP %d from %s", r->status, s->paths[s->cur]);
	if (r->status == 101) /* an upgrade with a bad accept or headers: not a retry case */
		return fail(s, MSW_ERR_HANDSHAKE,
			    r->accept_ok ? "bad upgrade headers" : "Sec-WebSocket-Accept mismatch");
	if (s->cur + 1 >= s->npaths) {
		if (!s->fixed_path)
			memo_set(s->ip, s->port, 0, false);
		return fail(s, MSW_ERR_HANDSHAKE, why);
	}
	bool reuse = r->http_minor >= 1 && !r->conn_close && !r->chunked && r->has_content_length &&
		     r->content_length <= WS_BODY_REUSE_MAX;
	if (!reuse) {
		memo_set(s->ip, s->port, s->cur + 1, true);
		return fail(s, MSW_ERR_HANDSHAKE, why);
	}
	s->body_left = r->content_length;
	keep_leftover(s, r->head_len);
	s->ph = WSP_BODY;
	return MSW_OK;
}

static char *dup_if(const char *s)
{
	return s[0] ? strdup(s) : NULL;
}

/* The record's view of the response just parsed (status, Server, subprotocol, headers). */
static void keep_response(struct ws_state *s)
{
	const struct ws_response *r = s->r;
	struct ws_response_rec *k = &s->kept;
	ws_response_rec_free(k);
	k->have = true;
	k->http_status = r->status;
	k->status_line = strdup(r->status_line);
	k->server = dup_if(r->server);
	k->subprotocol = dup_if(r->protocol);
	k->accept_ok = r->accept_ok;
	for (size_t i = 0; i < r->nheaders; i++) {
		struct ws_header_rec *h = vec_push(&k->headers);
		if (!h)
			break;
		h->name = strdup(r->headers[i].name);
		h->value = strdup(r->headers[i].value);
	}
	k->headers_truncated = r->headers_total > r->nheaders;
}

static msw_err read_response(struct layer *l, struct ws_state *s)
{
	uint8_t tmp[4096];
	size_t room = dbuf_room(&s->resp), got = 0;
	if (room > sizeof(tmp))
		room = sizeof(tmp);
	msw_err rc = l->below->ops->recv(l->below, tmp, room, &got);
	if (rc == MSW_ERR_AGAIN)
		return rc;
	if (rc)
		return fail(s, rc == MSW_ERR_CLOSED ? MSW_ERR_HANDSHAKE : rc,
			    rc == MSW_ERR_CLOSED ? "closed before a response" : msw_err_str(rc));
	if (!got) /* tls capped a read that carried no data (a record flood): wait for input */
		return MSW_ERR_AGAIN;
	if (dbuf_append(&s->resp, tmp, got))
		return fail(s, MSW_ERR_HANDSHAKE, "response too big");
	rc = ws_response_progress(s->resp.p, s->resp.len, &s->hscan);
	if (rc == MSW_OK)
		rc = ws_parse_response(s->resp.p, s->resp.len, s->key, s->r);
	if (rc == MSW_ERR_NOMEM)
		return fail(s, rc, msw_err_str(rc));
	if (rc == MSW_ERR_NEED_MORE) /* read on until the layer below says AGAIN (edge-triggered) */
		return s->resp.len >= WS_RESP_MAX
			       ? fail(s, MSW_ERR_HANDSHAKE, "response head too big")
			       : MSW_OK;
	if (rc)
		return fail(s, MSW_ERR_HANDSHAKE,
			    rc == MSW_ERR_TOO_BIG ? "response head too big"
						  : "malformed HTTP response");
	if (s->ntries)
		s->tries[s->ntries - 1].status = s->r->status;
	keep_response(s);
	if (!ws_response_ok(s->r))
		return refused(s);
	keep_leftover(s, s->r->head_len);
	if (!s->fixed_path)
		memo_set(s->ip, s->port, s->cur, false);
	s->ph = WSP_OPEN;
	return MSW_OK;
}

/* Discard the refusal's body, then try the next path on the same connection. */
static msw_err skip_body(struct layer *l, struct ws_state *s)
{
	while (s->body_left) {
		if (s->roff == s->rlen) {
			size_t got = 0;
			msw_err rc = l->below->ops->recv(l->below, s->rbuf, sizeof(s->rbuf), &got);
			if (rc == MSW_ERR_AGAIN)
				return rc;
			if (rc) {
				memo_set(s->ip, s->port, s->cur + 1, true);
				return fail(s, MSW_ERR_HANDSHAKE, "closed after refusal");
			}
			s->roff = 0;
			s->rlen = got;
		}
		size_t n = s->rlen - s->roff;
		if (n > s->body_left)
			n = (size_t)s->body_left;
		s->roff += n;
		s->body_left -= n;
	}
	if (s->roff != s->rlen) /* the server sent more than it announced */
		return fail(s, MSW_ERR_HANDSHAKE, "bytes after refusal body");
	s->rlen = s->roff = 0;
	s->cur++;
	s->ph = WSP_SEND;
	return MSW_OK;
}

static msw_err ws_handshake(struct layer *l, bool *want_write)
{
	struct ws_state *s = l->state;
	msw_err rc = MSW_OK;

	*want_write = false;
	if (!l->below->ready) {
		rc = l->below->ops->handshake(l->below, want_write);
		if (rc)
			return rc;
	}
	while (!rc && s->ph != WSP_OPEN) {
		switch (s->ph) {
		case WSP_SEND:
			rc = send_request(l, s);
			break;
		case WSP_RESP:
			rc = read_response(l, s);
			break;
		case WSP_BODY:
			rc = skip_body(l, s);
			break;
		default:
			return MSW_ERR_HANDSHAKE;
		}
	}
	if (rc == MSW_ERR_AGAIN) {
		for (struct layer *b = l->below; b; b = b->below)
			if (b->ops->pending_out && b->ops->pending_out(b))
				*want_write = true;
		return rc;
	}
	dbuf_free(&s->resp); /* the handshake is over: keep only what the record keeps */
	free(s->r);
	s->r = NULL;
	if (!rc)
		l->ready = true;
	return rc;
}

/* ---- data ---- */

static msw_err send_frame(struct layer *l, uint8_t opcode, const uint8_t *p, size_t n)
{
	uint8_t hdr[WS_FRAME_HDR_MAX], mask[4], chunk[4096];
	if (RAND_bytes(mask, sizeof(mask)) != 1)
		return MSW_ERR_INTERNAL;
	size_t hl = ws_frame_header(hdr, true, opcode, n, mask);
	msw_err rc = l->below->ops->send(l->below, hdr, hl);
	for (size_t off = 0; !rc && off < n;) {
		size_t k = n - off < sizeof(chunk) ? n - off : sizeof(chunk);
		memcpy(chunk, p + off, k);
		ws_mask(chunk, k, mask, off);
		rc = l->below->ops->send(l->below, chunk, k);
		off += k;
	}
	return rc;
}

static msw_err ws_send(struct layer *l, const uint8_t *p, size_t n)
{
	struct ws_state *s = l->state;
	if (s->ph != WSP_OPEN || s->close_sent)
		return MSW_ERR_CLOSED;
	return send_frame(l, WS_OP_BINARY, p, n);
}

static void send_close(struct layer *l, struct ws_state *s, int code)
{
	uint8_t body[2] = {(uint8_t)(code >> 8), (uint8_t)code};
	if (s->close_sent)
		return;
	s->close_sent = true;
	(void)send_frame(l, WS_OP_CLOSE, body, code >= 0 ? 2 : 0);
}

/* Handle one decoded event; data goes to p. */
static void on_event(struct layer *l, struct ws_state *s, const struct ws_event *ev, uint8_t *p,
		     size_t *got)
{
	switch (ev->type) {
	case WS_EV_DATA:
		memcpy(p + *got, ev->data, ev->len);
		*got += ev->len;
		break;
	case WS_EV_PING:
		if (!s->close_sent && send_frame(l, WS_OP_PONG, ev->data, ev->len))
			s->err = MSW_ERR_CLOSED;
		break;
	case WS_EV_CLOSE:
		s->close_rcvd = true;
		s->close_code = ev->close_code;
		send_close(l, s, ev->close_code >= 0 ? 1000 : -1);
		s->err = MSW_ERR_CLOSED;
		break;
	default:
		break;
	}
}

static msw_err ws_recv(struct layer *l, uint8_t *p, size_t n, size_t *got)
{
	struct ws_state *s = l->state;
	*got = 0;
	if (s->ph != WSP_OPEN)
		return MSW_ERR_CLOSED;
	/* frames without data (pongs, empty messages) must not keep us here while a peer
	 * floods them: after a few reads, return with nothing; the engine calls again on
	 * its next turn (its read budget and ready list), after its deadlines */
	for (int reads = 0;; reads++) {
		while (!s->err && s->roff < s->rlen && *got < n) {
			struct ws_event ev;
			size_t used = 0;
			msw_err rc = ws_decode(&s->dec, s->rbuf + s->roff, s->rlen - s->roff,
					       n - *got, &used, &ev);
			s->roff += used;
			if (rc) {
				snprintf(s->fail, sizeof(s->fail), "%s",
					 s->dec.error ? s->dec.error : "bad websocket frame");
				s->err = rc == MSW_ERR_TOO_BIG ? MSW_ERR_MALFORMED : rc;
				send_close(l, s, rc == MSW_ERR_TOO_BIG ? 1009 : 1002);
				break;
			}
			on_event(l, s, &ev, p, got);
		}
		if (s->roff == s->rlen)
			s->roff = s->rlen = 0;
		if (*got)
			return MSW_OK;
		if (s->err)
			return s->err;
		if (s->rlen || reads == WS_READS_PER_CALL) /* n == 0, or the flood case above */
			return MSW_OK;
		size_t g = 0;
		msw_err rc = l->below->ops->recv(l->below, s->rbuf, sizeof(s->rbuf), &g);
		if (rc)
			return rc;
		s->rlen = g;
	}
}

/* ---- record ---- */

/* Was (path, status) already listed by an earlier connection? (the memo sends later
 * connections straight to the path that worked; listing it again says nothing new) */
static bool tried_before(const struct ws_info *w, const struct ws_try *t)
{
	const struct ws_try_rec *v = w->tried.p;
	for (size_t i = 0; i < w->tried.n; i++)
		if (v[i].path && !strcmp(v[i].path, t->path) && v[i].status == t->status)
			return true;
	return false;
}

static void add_tries(struct ws_info *w, const struct ws_state *s)
{
	for (size_t i = 0; i < s->ntries; i++) {
		if (tried_before(w, &s->tries[i]))
			continue;
		struct ws_try_rec *t = vec_push(&w->tried);
		if (!t)
			return;
		t->path = strdup(s->tries[i].path);
		t->status = s->tries[i].status;
	}
}

/* The record's websocket block: this connection's view; paths tried add up over the
 * target's connections. */
static void ws_describe(struct layer *l, struct msw_record *rec)
{
	struct ws_state *s = l->state;
	struct ws_info *w = record_block_new(rec, &ws_table);
	if (!w)
		return;
	if (!w->tried.esz)
		vec_init(&w->tried, sizeof(struct ws_try_rec), 4, WS_MAX_TRIES_REC);
	add_tries(w, s);
	free(w->path);
	free(w->error);
	w->path = strdup(s->paths[s->cur < s->npaths ? s->cur : 0]);
	w->upgraded = s->ph == WSP_OPEN;
	w->request_subprotocols = WS_PROTOCOLS;
	ws_response_rec_move(&w->resp, &s->kept);
	w->counted = s->ph == WSP_OPEN || s->dec.frames;
	w->frames = s->dec.frames;
	w->messages = s->dec.messages;
	w->close_code = s->close_rcvd ? s->close_code : -1;
	w->error = s->fail[0] ? strdup(s->fail) : NULL;
	if (s->fail[0] && !rec->error)
		record_set_error(rec, "%s", s->fail);
	if (s->ph == WSP_OPEN && rec->error && !strncmp(rec->error, "websocket upgrade:", 18)) {
		free(rec->error); /* an earlier path's refusal: this connection upgraded */
		rec->error = NULL;
	}
	if (!below_is_tls(l) && !rec->transport_security)
		rec->transport_security = TSEC_PLAINTEXT;
}

static void ws_destroy(struct layer *l)
{
	struct ws_state *s = l->state;
	if (!s)
		return;
	if (s->ph == WSP_OPEN && !s->close_sent && !s->err && l->below)
		send_close(l, s, 1000); /* best effort: the polite goodbye */
	dbuf_free(&s->resp);
	free(s->r);
	s->r = NULL;
	ws_response_rec_free(&s->kept);
}

const struct layer_ops layer_ws = {
	.name = "ws",
	.state_size = sizeof(struct ws_state),
	.open = ws_open,
	.handshake = ws_handshake,
	.send = ws_send,
	.recv = ws_recv,
	.pending_out = NULL,
	.flush = NULL,
	.describe = ws_describe,
	.destroy = ws_destroy,
};
