/* The dashboard probe (issue 5): GETs the fingerprint paths of the products that live on
 * one port, in turn, and decides product, version and "open" vs "login required" without
 * changing anything on the server. Requests share a connection while the server keeps it
 * alive (HTTP/1.1, framed body, no "Connection: close"); otherwise PROBE_RECONNECT gives a
 * fresh one. Each request has its own deadline (the probe timer, --io-timeout); three
 * failures in a row end the port. Redirects: at most 3, same scheme, host and port only.
 *
 * Why our own parser on the engine's layer stack and not libcurl: the engine already owns
 * the socket, the timers, the per-host cap and the TLS layer with its verdicts, so HTTPS
 * here is TRANSPORT_TLS on the port spec and the record gets the same tls block as MQTT;
 * everything stays in the one event loop and under the one set of deadlines. What we
 * need from HTTP is small (a status line, a few headers, a capped body, chunked framing)
 * and bounded (http_parse.c: head ≤ 16 KiB, ≤ 64 headers, body ≤ 64 KiB).
 *
 * Bodies are applied to the rule table as each response completes (http_fp.c) and then
 * dropped, so per-target memory is the state struct plus one capped body. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/config.h"
#include "base/target.h"
#include "classify/classify.h"
#include "base/record.h"
#include "probes/http_fp.h"
#include "probes/http_parse.h"
#include "probes/http_result.h"
#include "probes/probe.h"
#include "transport/ws_codec.h"

#define HTTP_BODY_CAP (64 * 1024)
#define HTTP_MAX_REQS 40
#define HTTP_PATH_MAX 200
#define HTTP_MAX_REDIRECTS 3
#define HTTP_WS_WAIT_MS 2000
#define HTTP_LOGIN_GAP_MS 1000
#define HTTP_MAX_FAILS 3
#define HTTP_REQ_DEFAULT_MS 10000
#define HTTP_UA "mqttsweep/" MSW_VERSION " (security audit; GET only)"
_Static_assert(HTTP_MAX_REQS <= HTTP_RESULT_MAX_PATHS, "one http.paths entry per request");

struct hreq {
	char path[HTTP_PATH_MAX];
	uint8_t req;        /* enum fp_req */
	int8_t login;       /* index in fp_logins, -1 = none */
	uint8_t redirects;  /* redirects that led to this request */
};

/* Where the probe stands with its connection and the current request. set_phase() is
 * the only place it changes. The probe timer's meaning follows from the phase: the gap
 * before a default-login attempt (HP_LOGIN_GAP), the request's deadline (HP_HEAD, HP_BODY;
 * while it is armed the engine's idle deadline is suspended, so it also bounds a server
 * that trickles bytes), or the wait for a WebSocket verdict (HP_WS).
 *
 *   CLOSED -> IDLE (connected) -> HEAD (request sent) -> BODY -> IDLE (response judged)
 *   HEAD -> WS (101 to our upgrade) -> IDLE (a frame, a close, or the wait is over)
 *   IDLE -> LOGIN_GAP -> HEAD (a default login waits its turn)
 *   HEAD, BODY -> IDLE (failed: deadline, malformed); IDLE -> HEAD (kept alive)
 *   any -> CLOSED (the connection closed; a request in flight is judged or failed first) */
enum http_phase {
	HP_CLOSED,    /* no connection: before the first, between reconnects, after the last */
	HP_IDLE,      /* connected, no request out */
	HP_LOGIN_GAP, /* connected, waiting out the gap before a default-login request */
	HP_HEAD,      /* request sent, reading the response head (interim 1xx skipped) */
	HP_BODY,      /* reading the body: to its length, its last chunk, or the close */
	HP_WS,        /* 101 Switching Protocols: waiting for a frame or a close (the verdict) */
	HP__COUNT
};

struct http_state {
	int cands[FP_MAX_PRODUCTS];
	size_t ncands;
	struct hreq reqs[HTTP_MAX_REQS];
	size_t nreqs, cur;
	enum http_phase phase;
	bool ws_accept_ok, login_sent;
	bool keepalive, framed;  /* connection reusable; body ended by its framing */
	unsigned fails, interim;
	/* the response being read */
	int status;
	char server[96], ctype[96], location[HTTP_PATH_MAX + 64], www_auth[96], ws_proto[32];
	enum http_body body_kind;
	uint64_t body_left, dropped;
	struct http_chunked ck;
	uint8_t *body;
	size_t body_len;
	char ws_key[WS_KEY_LEN + 1];
	struct ws_decoder wsd;
	int ws_close;
	bool ws_data;
	/* results */
	struct fp_acc acc;
	struct http_result res;  /* moves into the record's http block at the end */
	bool any_response;
	msw_err first_err;
	unsigned positions, users;
};

static const struct msw_target *tgt(struct pctx *c)
{
	return c->target;
}

/* The only place the phase changes. Debug builds trace every change under -v, as
 * "http ADDRESS:PORT: from -> to". */
static void set_phase(struct pctx *c, struct http_state *s, enum http_phase to)
{
#ifndef NDEBUG
	static const char *const phase_names[HP__COUNT] = {
		"closed", "idle", "login-gap", "head", "body", "websocket",
	};
	if (c->cfg->verbose && s->phase != to)
		fprintf(stderr, "mqttsweep: http %s:%u: %s -> %s\n", tgt(c)->ip,
			(unsigned)tgt(c)->port, phase_names[s->phase], phase_names[to]);
#else
	(void)c;
#endif
	s->phase = to;
}

/* --- requests --- */

static void plan_add(struct http_state *s, const char *path, enum fp_req req, int login,
		     unsigned redirects, size_t at)
{
	if (s->nreqs >= HTTP_MAX_REQS || strlen(path) >= HTTP_PATH_MAX)
		return;
	for (size_t i = 0; i < s->nreqs; i++)
		if (s->reqs[i].req == req && s->reqs[i].login == login &&
		    strcmp(s->reqs[i].path, path) == 0)
			return;
	if (at > s->nreqs)
		at = s->nreqs;
	memmove(&s->reqs[at + 1], &s->reqs[at], (s->nreqs - at) * sizeof(s->reqs[0]));
	struct hreq *r = &s->reqs[at];
	memcpy(r->path, path, strlen(path) + 1);
	r->req = (uint8_t)req;
	r->login = (int8_t)login;
	r->redirects = (uint8_t)redirects;
	s->nreqs++;
}

static bool port_in(const uint16_t *list, uint16_t port)
{
	for (; *list; list++)
		if (*list == port)
			return true;
	return false;
}

static void plan_build(struct pctx *c, struct http_state *s)
{
	s->ncands = fp_candidates(c->target->port, s->cands, FP_MAX_PRODUCTS);
	if (s->ncands == fp_nproducts && port_in(fp_mqtt_ws_ports, c->target->port))
		s->ncands = 0;  /* a WebSocket-only port (9001): just the MQTT upgrade */
	for (size_t k = 0; k < s->ncands; k++) {
		const struct fp_product *p = &fp_products[s->cands[k]];
		for (size_t i = 0; i < 8 && p->paths[i].path; i++)
			plan_add(s, p->paths[i].path, p->paths[i].req, -1, 0, s->nreqs);
	}
	if (port_in(fp_mqtt_ws_ports, c->target->port))
		plan_add(s, fp_mqtt_ws_path, FPR_WS_MQTT, -1, 0, s->nreqs);
	if (!c->cfg->try_default_logins)
		return;
	for (size_t i = 0; i < fp_nlogins && i < 127; i++)
		for (size_t k = 0; k < s->ncands; k++)
			if (strcmp(fp_products[s->cands[k]].id, fp_logins[i].product) == 0)
				plan_add(s, fp_logins[i].path, FPR_GET, (int)i, 0, s->nreqs);
}

static void host_header(const struct msw_target *t, char *buf, size_t n)
{
	const char *h = t->hostname ? t->hostname : t->ip;
	bool v6 = !t->hostname && strchr(t->ip, ':');
	bool dflt = (t->port == 80 && t->transport == TRANSPORT_TCP) ||
		    (t->port == 443 && t->transport == TRANSPORT_TLS);
	if (dflt)
		snprintf(buf, n, v6 ? "[%s]" : "%s", h);
	else
		snprintf(buf, n, v6 ? "[%s]:%u" : "%s:%u", h, (unsigned)t->port);
}

static void b64(const uint8_t *in, size_t n, char *out, size_t outsz)
{
	if (!ws_b64_encode(in, n, out, outsz))
		out[0] = 0;
}

static void make_ws_key(struct pctx *c, struct http_state *s)
{
	uint8_t raw[16];
	uint64_t a = pctx_random(c), b = pctx_random(c);
	memcpy(raw, &a, 8);
	memcpy(raw + 8, &b, 8);
	ws_make_key(raw, s->ws_key);
	ws_decoder_init(&s->wsd, HTTP_BODY_CAP);
	s->wsd.allow_text = true;  /* dashboards speak JSON text frames */
}

/* Extra request headers for this request kind (upgrade, basic auth, JSON body). */
static int extra_headers(struct pctx *c, struct http_state *s, const struct hreq *r,
			 char *buf, size_t n, char *body, size_t bodysz)
{
	body[0] = 0;
	if (r->req != FPR_GET) {
		make_ws_key(c, s);
		return snprintf(buf, n, "Connection: Upgrade\r\nUpgrade: websocket\r\n"
				"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n%s",
				s->ws_key, r->req == FPR_WS_MQTT ? "Sec-WebSocket-Protocol: mqtt\r\n" : "");
	}
	if (r->login < 0)
		return snprintf(buf, n, "%s", "");
	const struct fp_login *l = &fp_logins[r->login];
	if (l->post_json) {
		int bl = snprintf(body, bodysz, "{\"username\":\"%s\",\"password\":\"%s\"}", l->user, l->pass);
		return snprintf(buf, n, "Content-Type: application/json\r\n"
				"Content-Length: %d\r\n", bl);
	}
	char up[96], enc[140];
	int ul = snprintf(up, sizeof(up), "%s:%s", l->user, l->pass);
	b64((const uint8_t *)up, (size_t)ul, enc, sizeof(enc));
	return snprintf(buf, n, "Authorization: Basic %s\r\n", enc);
}

static msw_err send_request(struct pctx *c, struct http_state *s)
{
	const struct hreq *r = &s->reqs[s->cur];
	char host[128], extra[512], body[160], req[1024];
	host_header(c->target, host, sizeof(host));
	extra_headers(c, s, r, extra, sizeof(extra), body, sizeof(body));
	bool post = r->login >= 0 && fp_logins[r->login].post_json;
	int n = snprintf(req, sizeof(req),
			 "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: " HTTP_UA "\r\n"
			 "Accept: */*\r\n%s\r\n%s",
			 post ? "POST" : "GET", r->path, host, extra, body);
	if (n < 0 || (size_t)n >= sizeof(req))
		return MSW_ERR_INTERNAL;
	if (post)
		s->login_sent = true;
	return pctx_send(c, req, (size_t)n);
}

/* --- responses --- */

static void reset_response(struct http_state *s)
{
	s->ws_accept_ok = s->ws_data = false;
	s->keepalive = s->framed = false;
	s->interim = 0;
	s->status = 0;
	s->server[0] = s->ctype[0] = s->location[0] = s->www_auth[0] = s->ws_proto[0] = 0;
	s->body_len = 0;
	s->body_left = s->dropped = 0;
	s->ws_close = -1;
	memset(&s->ck, 0, sizeof(s->ck));
}

static void copy_header(const struct http_response *r, const char *name, char *dst, size_t n)
{
	const struct http_header *h = http_header_find(r, name);
	size_t k = 0;
	if (h)
		for (; k < h->value_len && k + 1 < n; k++)
			dst[k] = isprint((unsigned char)h->value[k]) ? h->value[k] : '?';
	dst[k] = 0;
}

static bool ws_accept_valid(const struct http_response *r, const char *key)
{
	char want[WS_ACCEPT_LEN + 1];
	ws_accept_for(key, want);
	const struct http_header *h = http_header_find(r, "sec-websocket-accept");
	return h && h->value_len == WS_ACCEPT_LEN && memcmp(h->value, want, WS_ACCEPT_LEN) == 0;
}

/* The head is read: the phase moves on to HP_WS (a 101 to our upgrade) or HP_BODY. */
static msw_err take_head(struct pctx *c, struct http_state *s, const struct http_response *r)
{
	s->any_response = true;
	s->status = r->status;
	copy_header(r, "server", s->server, sizeof(s->server));
	copy_header(r, "content-type", s->ctype, sizeof(s->ctype));
	copy_header(r, "location", s->location, sizeof(s->location));
	copy_header(r, "www-authenticate", s->www_auth, sizeof(s->www_auth));
	copy_header(r, "sec-websocket-protocol", s->ws_proto, sizeof(s->ws_proto));
	if (s->reqs[s->cur].req != FPR_GET && r->status == 101) {
		s->ws_accept_ok = ws_accept_valid(r, s->ws_key);
		s->body_kind = HTTP_BODY_NONE;
		set_phase(c, s, HP_WS);
		return MSW_OK;
	}
	msw_err rc = http_body_kind(r, false, &s->body_kind, &s->body_left);
	if (rc)
		return rc;
	set_phase(c, s, HP_BODY);
	s->keepalive = r->minor_version >= 1 && s->reqs[s->cur].req == FPR_GET &&
		       !http_header_has_token(r, "connection", "close") && s->body_kind != HTTP_BODY_EOF;
	if (s->body_kind != HTTP_BODY_NONE && !s->body) {
		s->body = malloc(HTTP_BODY_CAP);
		if (!s->body)
			return MSW_ERR_NOMEM;
	}
	return MSW_OK;
}

static void body_append(struct http_state *s, const uint8_t *p, size_t n)
{
	size_t room = HTTP_BODY_CAP - s->body_len;
	size_t k = n < room ? n : room;
	memcpy(s->body + s->body_len, p, k);
	s->body_len += k;
	s->dropped += n - k;
}

/* Feed body bytes; *done when the body is complete (or the cap reached: we stop there). */
static msw_err body_feed(struct http_state *s, const uint8_t *p, size_t n, size_t *used, bool *done)
{
	*used = 0;
	*done = false;
	switch (s->body_kind) {
	case HTTP_BODY_NONE:
		*done = s->framed = true;
		return MSW_OK;
	case HTTP_BODY_LENGTH: {
		size_t k = s->body_left < n ? (size_t)s->body_left : n;
		body_append(s, p, k);
		s->body_left -= k;
		*used = k;
		s->framed = s->body_left == 0;
		*done = s->framed || s->body_len == HTTP_BODY_CAP;
		return MSW_OK;
	}
	case HTTP_BODY_CHUNKED: {
		msw_err rc = http_chunked_feed(&s->ck, p, n, used, s->body, &s->body_len, HTTP_BODY_CAP,
					       &s->dropped);
		if (rc == MSW_ERR_MALFORMED)
			return rc;
		s->framed = rc == MSW_OK;
		*done = s->framed || s->body_len == HTTP_BODY_CAP;
		return MSW_OK;
	}
	case HTTP_BODY_EOF:
		body_append(s, p, n);
		*used = n;
		*done = s->body_len == HTTP_BODY_CAP;
		return MSW_OK;
	}
	return MSW_ERR_INTERNAL;
}

/* Server→client frames through the shared RFC 6455 decoder (transport/ws_codec.c: masked
 * server frames, RSV bits, control-frame rules all checked). Returns MSW_OK when a verdict
 * is in (a data frame, or a close and its code), NEED_MORE, or the decoder's error. */
static msw_err ws_feed(struct http_state *s, const uint8_t *p, size_t n, size_t *used)
{
	*used = 0;
	while (*used < n) {
		struct ws_event ev;
		size_t k = 0;
		msw_err rc = ws_decode(&s->wsd, p + *used, n - *used, n - *used, &k, &ev);
		*used += k;
		if (rc)
			return rc;
		if (ev.type == WS_EV_DATA) {
			s->ws_data = true;
			return MSW_OK;
		}
		if (ev.type == WS_EV_CLOSE) {
			s->ws_close = ev.close_code >= 0 ? ev.close_code : 1005;  /* 1005: no code */
			return MSW_OK;
		}
		if (ev.type == WS_EV_NONE && !k)
			break;
	}
	return MSW_ERR_NEED_MORE;
}

static void url_of(struct pctx *c, const char *path, char *buf, size_t n)
{
	char host[128];
	host_header(tgt(c), host, sizeof(host));
	snprintf(buf, n, "%s://%s%s", tgt(c)->transport == TRANSPORT_TLS ? "https" : "http", host,
		 path);
}

/* A same-host Location: a path, or an absolute URL to the same scheme, host and port. */
static bool same_host_path(struct pctx *c, const char *loc, char *out, size_t n)
{
	if (loc[0] == '/' && loc[1] != '/') {
		snprintf(out, n, "%s", loc);
	} else {
		char base[200];
		url_of(c, "", base, sizeof(base));
		size_t bl = strlen(base);
		if (strncasecmp(loc, base, bl) != 0 || loc[bl] != '/')
			return false;
		snprintf(out, n, "%s", loc + bl);
	}
	for (const char *p = out; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return false;
	return strlen(out) < HTTP_PATH_MAX - 1;
}

static void follow_redirect(struct pctx *c, struct http_state *s)
{
	const struct hreq *r = &s->reqs[s->cur];
	char path[HTTP_PATH_MAX + 64];
	if (s->status < 300 || s->status >= 400 || !s->location[0] || r->req != FPR_GET ||
	    r->login >= 0 || r->redirects >= HTTP_MAX_REDIRECTS)
		return;
	if (same_host_path(c, s->location, path, sizeof(path)))
		plan_add(s, path, FPR_GET, -1, r->redirects + 1u, s->cur + 1);
}

/* --- results --- */

static void note_positions(struct pctx *c, struct http_state *s, const cJSON *j)
{
	const cJSON *entry;
	const char *seen[32];
	size_t nseen = 0;
	if (!cJSON_IsArray(j))
		return;
	cJSON_ArrayForEach(entry, j) {
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(entry, "username");
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(entry, "device");
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(entry, "topic");
		if (!cJSON_IsString(u) || !cJSON_IsString(d))
			continue;
		s->positions++;
		bool known = false;
		for (size_t i = 0; i < nseen; i++)
			known = known || strcmp(seen[i], u->valuestring) == 0;
		if (!known && nseen < 32)
			seen[nseen++] = u->valuestring;
		if (!c->cls || s->positions > 256)
			continue;
		/* the classifier's location rules read it as the MQTT message it came from */
		char topic[256];
		if (cJSON_IsString(t) && strncmp(t->valuestring, "owntracks/", 10) == 0)
			snprintf(topic, sizeof(topic), "%s", t->valuestring);
		else
			snprintf(topic, sizeof(topic), "owntracks/%s/%s", u->valuestring, d->valuestring);
		char *payload = cJSON_PrintUnformatted(entry);
		if (payload)
			cls_message(c->cls, (const uint8_t *)topic, strlen(topic), (const uint8_t *)payload,
				    strlen(payload), false);
		free(payload);
	}
	s->users = (unsigned)nseen;
}

/* A copy of a text, or NULL when it is empty (or out of memory). */
static char *dup_or_null(const char *t)
{
	return t && t[0] ? strdup(t) : NULL;
}

static void note_login(struct http_state *s, const struct hreq *r, const cJSON *json)
{
	const struct fp_login *l = &fp_logins[r->login];
	struct http_login_rec *o = vec_push(&s->res.logins);
	if (!o)
		return;
	o->product = strdup(l->product);
	o->path = strdup(l->path);
	o->method = l->post_json;
	o->username = strdup(l->user);
	o->status = s->status;
	o->accepted = s->status == l->ok_status && fp_json_match(json, l->ok_json);
}

static void note_path(const struct pctx *c, struct http_state *s, const struct hreq *r, int rule,
		      const char *err)
{
	struct http_path_rec *o = vec_push(&s->res.paths);
	bool ws = s->phase == HP_WS;
	if (!o)
		return;
	o->path = strdup(r->path);
	o->request = r->req;
	o->status = s->status;
	o->server = dup_or_null(s->server);
	o->content_type = dup_or_null(s->ctype);
	o->location = s->location[0] ? cls_redact_url(c->cfg, s->location) : NULL;
	o->bytes = s->body_len + s->dropped;
	o->truncated = s->dropped != 0;
	o->ws_close_code = ws && s->ws_close >= 0 ? s->ws_close : -1;
	o->ws_data = ws && s->ws_data;  /* the server pushed data, unasked */
	o->ws_protocol = ws ? dup_or_null(s->ws_proto) : NULL;
	if (rule >= 0)
		o->marker = strdup(fp_rules[rule].marker ? fp_rules[rule].marker : "status");
	o->error = err ? strdup(err) : NULL;
}

static void note_ws_mqtt(struct pctx *c, struct http_state *s, const struct hreq *r)
{
	if (r->req != FPR_WS_MQTT || s->status != 101 || !s->ws_accept_ok ||
	    strcasecmp(s->ws_proto, "mqtt") != 0)
		return;
	char url[400], host[128];
	host_header(tgt(c), host, sizeof(host));
	snprintf(url, sizeof(url), "%s://%s%s", tgt(c)->transport == TRANSPORT_TLS ? "wss" : "ws",
		 host, r->path);
	(void)strlist_add(&s->res.ws_endpoints, url, strlen(url), HTTP_RESULT_MAX_PATHS);
}

static cJSON *parse_json_body(const struct http_state *s)
{
	size_t i = 0;
	while (i < s->body_len && isspace(s->body[i]))
		i++;
	if (i == s->body_len || (s->body[i] != '{' && s->body[i] != '['))
		return NULL;
	return cJSON_ParseWithLength((const char *)s->body, s->body_len);
}

/* Skip default-login requests whose product was not identified on this port. */
static void skip_inapplicable(struct http_state *s)
{
	while (s->cur < s->nreqs && s->reqs[s->cur].login >= 0) {
		struct fp_result res;
		fp_decide(&s->acc, s->cands, s->ncands, &res);
		if (res.product >= 0 &&
		    strcmp(fp_products[res.product].id, fp_logins[s->reqs[s->cur].login].product) == 0)
			return;
		s->cur++;
	}
}

static enum probe_rc next_step(struct http_state *s)
{
	skip_inapplicable(s);
	if (s->fails >= HTTP_MAX_FAILS)
		return PROBE_DONE;
	return s->cur < s->nreqs ? PROBE_RECONNECT : PROBE_DONE;
}

static enum probe_rc start_request(struct pctx *c, struct http_state *s);

static enum probe_rc complete_response(struct pctx *c, struct http_state *s)
{
	const struct hreq *r = &s->reqs[s->cur];
	cJSON *json = s->body_len ? parse_json_body(s) : NULL;
	struct fp_response fr = {
		.path = r->path, .req = (enum fp_req)r->req, .status = s->status,
		.server = s->server, .location = s->location, .www_auth = s->www_auth,
		.content_type = s->ctype, .body = s->body, .body_len = s->body_len, .json = json,
		.ws_close_code = s->ws_accept_ok ? s->ws_close : -1,
		.ws_data = s->ws_accept_ok && s->ws_data,
	};
	int rule = -1;
	if (r->login >= 0)
		note_login(s, r, json);
	else
		rule = fp_apply(&s->acc, s->cands, s->ncands, &fr);
	if (r->login < 0 && strcmp(r->path, "/api/0/last") == 0 && s->status == 200)
		note_positions(c, s, json);
	note_path(c, s, r, rule, NULL);
	note_ws_mqtt(c, s, r);
	follow_redirect(c, s);
	cJSON_Delete(json);
	pctx_timer(c, 0);
	set_phase(c, s, HP_IDLE);
	s->fails = 0;
	s->cur++;
	enum probe_rc next = next_step(s);
	bool reuse = s->keepalive && s->framed && !s->dropped;
	if (next == PROBE_RECONNECT && reuse && s->reqs[s->cur].login < 0)
		return start_request(c, s);  /* keep-alive: next request on this connection */
	return next;
}

static enum probe_rc fail_request(struct pctx *c, struct http_state *s, msw_err why)
{
	if (!s->first_err)
		s->first_err = why;
	note_path(c, s, &s->reqs[s->cur], -1, msw_err_str(why));
	pctx_timer(c, 0);
	set_phase(c, s, HP_IDLE);
	s->fails++;
	s->cur++;
	return next_step(s);
}

/* --- probe callbacks --- */

static enum probe_rc http_init(struct pctx *c)
{
	struct http_state *s = c->state;
	fp_acc_init(&s->acc);
	http_result_init(&s->res);
	plan_build(c, s);
	if (!c->rec->probe[0])
		snprintf(c->rec->probe, sizeof(c->rec->probe), "http");
	return s->nreqs ? PROBE_CONTINUE : PROBE_DONE;
}

static enum probe_rc start_request(struct pctx *c, struct http_state *s)
{
	reset_response(s);
	set_phase(c, s, HP_HEAD);
	if (send_request(c, s))
		return fail_request(c, s, MSW_ERR_IO);
	pctx_timer(c, c->cfg->io_timeout_ms ? c->cfg->io_timeout_ms : HTTP_REQ_DEFAULT_MS);
	return PROBE_CONTINUE;
}

static enum probe_rc http_on_connected(struct pctx *c)
{
	struct http_state *s = c->state;
	set_phase(c, s, HP_IDLE);
	skip_inapplicable(s);
	if (s->cur >= s->nreqs)
		return PROBE_DONE;
	if (s->reqs[s->cur].login >= 0) {
		/* rate limit: default logins are spaced out, one per product */
		set_phase(c, s, HP_LOGIN_GAP);
		pctx_timer(c, HTTP_LOGIN_GAP_MS);
		return PROBE_CONTINUE;
	}
	return start_request(c, s);
}

static enum probe_rc http_on_timer(struct pctx *c)
{
	struct http_state *s = c->state;
	switch (s->phase) {
	case HP_LOGIN_GAP:
		return s->cur < s->nreqs ? start_request(c, s) : PROBE_CONTINUE;
	case HP_WS:
		return complete_response(c, s);
	case HP_BODY:
		if (s->body_kind == HTTP_BODY_EOF)
			return complete_response(c, s);  /* a slow read-to-close body: judge what came */
		return fail_request(c, s, MSW_ERR_TIMEOUT);
	case HP_HEAD:
		return fail_request(c, s, MSW_ERR_TIMEOUT);
	default:
		return PROBE_CONTINUE;
	}
}

static enum probe_rc data_head(struct pctx *c, struct http_state *s, const uint8_t *p, size_t n,
			       size_t *off)
{
	struct http_response r;
	ssize_t k = http_parse_response(p, n, &r);
	if (k == HTTP_NEED_MORE)
		return PROBE_CONTINUE;
	if (k > 0 && r.status < 200 && !(r.status == 101 && s->reqs[s->cur].req != FPR_GET)) {
		if (++s->interim > 4)
			return fail_request(c, s, MSW_ERR_MALFORMED);
		*off = (size_t)k;  /* an interim 1xx response: the real one follows */
		return PROBE_CONTINUE;
	}
	if (k < 0 || take_head(c, s, &r))
		return fail_request(c, s, MSW_ERR_MALFORMED);
	*off = (size_t)k;
	if (s->phase == HP_WS && (s->reqs[s->cur].req == FPR_WS_MQTT || !s->ws_accept_ok))
		return complete_response(c, s);
	if (s->phase == HP_WS)
		pctx_timer(c, HTTP_WS_WAIT_MS);
	return PROBE_CONTINUE;
}

static enum probe_rc http_on_data(struct pctx *c, const uint8_t *p, size_t n, size_t *consumed)
{
	struct http_state *s = c->state;
	size_t off = 0, used = 0;
	*consumed = n;  /* whatever we do not need is dropped */
	if (s->phase < HP_HEAD)
		return PROBE_CONTINUE;
	if (s->phase == HP_HEAD) {
		enum probe_rc rc = data_head(c, s, p, n, &off);
		if (s->phase == HP_HEAD && rc == PROBE_CONTINUE)
			*consumed = off;  /* head incomplete (keep the bytes) or a 1xx skipped */
		if (s->phase != HP_BODY && s->phase != HP_WS)
			return rc;
	}
	if (s->phase == HP_WS) {
		msw_err rc = ws_feed(s, p + off, n - off, &used);
		if (rc == MSW_ERR_NEED_MORE) {
			*consumed = off + used;
			return PROBE_CONTINUE;
		}
		return complete_response(c, s);  /* a verdict, or garbage after 101: judged as is */
	}
	bool done;
	if (body_feed(s, p + off, n - off, &used, &done))
		return fail_request(c, s, MSW_ERR_MALFORMED);
	if (!done)
		return PROBE_CONTINUE;
	*consumed = off + used;  /* exact: a kept-alive connection continues after it */
	return complete_response(c, s);
}

static enum probe_rc http_on_close(struct pctx *c, msw_err why)
{
	struct http_state *s = c->state;
	enum http_phase was = s->phase;
	enum probe_rc rc;
	if (was >= HP_HEAD) { /* a request in flight: judged as far as it came, or failed */
		bool eof_body = (was == HP_BODY && s->body_kind == HTTP_BODY_EOF) || was == HP_WS;
		rc = eof_body ? complete_response(c, s) : fail_request(c, s, why);
		set_phase(c, s, HP_CLOSED);
		return rc;
	}
	set_phase(c, s, HP_CLOSED);
	if (was != HP_CLOSED)
		return next_step(s);  /* the close after our own RECONNECT/DONE */
	/* never connected (refused, timed out, TLS failed): the engine maps `why` */
	if (!s->any_response)
		return PROBE_DONE;  /* the port is not for us */
	s->fails++;
	if (s->cur < s->nreqs)
		s->cur++;
	return next_step(s);
}

/* --- findings and the record --- */

static void describe_rule(const struct fp_rule *r, unsigned status, char *buf, size_t n)
{
	const char *m = r->marker ? r->marker : "";
	switch (r->field) {
	case FPF_WS_CLOSE:
		snprintf(buf, n, "WebSocket %s → 101, then closed by the server with code %s", r->path, m);
		return;
	case FPF_WS_DATA:
		snprintf(buf, n, "WebSocket %s → 101, and the server pushed data without any token", r->path);
		return;
	case FPF_JSON:
		snprintf(buf, n, "GET %s → %u; JSON matches %s", r->path, status, m);
		return;
	case FPF_BODY:
		snprintf(buf, n, "GET %s → %u; body contains \"%s\"", r->path, status, m);
		return;
	case FPF_LOCATION:
		snprintf(buf, n, "GET %s → %u; redirect to %s", r->path, status, m);
		return;
	case FPF_WWW_AUTH:
		snprintf(buf, n, "GET %s → %u; WWW-Authenticate names %s", r->path, status, m);
		return;
	default:
		snprintf(buf, n, "GET %s → %u", r->path, status);
	}
}

static void reproduce_line(struct pctx *c, const char *path, enum fp_field f, const struct fp_login *l,
			   char *buf, size_t n)
{
	char url[300];
	url_of(c, path, url, sizeof(url));
	const char *k = tgt(c)->transport == TRANSPORT_TLS ? "k" : "";
	if (l && l->post_json)
		snprintf(buf, n, "curl -s%s -H 'Content-Type: application/json' -d "
			 "'{\"username\":\"%s\",\"password\":\"%s\"}' '%s'", k, l->user, l->pass, url);
	else if (l)
		snprintf(buf, n, "curl -s%s -u '%s:%s' '%s'", k, l->user, l->pass, url);
	else if (f == FPF_WS_CLOSE || f == FPF_WS_DATA)
		snprintf(buf, n, "curl -s%s -i -N --max-time 3 -H 'Connection: Upgrade' -H 'Upgrade: websocket' "
			 "-H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: bXF0dHN3ZWVwLXByb2JlIQ==' '%s'",
			 k, url);
	else
		snprintf(buf, n, "curl -s%s '%s'", k, url);
}

static void add_finding(struct pctx *c, const struct fp_finding_def *d, const char *title,
			const char *evidence, const char *reproduce)
{
	struct msw_finding f = {
		.id = (char *)d->id, .category = d->category, .severity = d->severity,
		.confidence = CONF_CONFIRMED, .cwe = d->cwe, .title = (char *)title,
		.evidence = (char *)evidence, .remediation = (char *)d->remediation,
		.reproduce = (char *)reproduce,
	};
	record_add_finding(c->rec, &f);
}

/* Findings of the decided product's matched OPEN/SIDE rules (one per finding id). */
/* Is `finding` the same door as `of`, or one that `of` supersedes? */
static bool evidence_for(const char *finding, const char *of)
{
	if (strcmp(finding, of) == 0)
		return true;
	for (size_t i = 0; i < fp_nsupersedes; i++)
		if (strcmp(fp_supersedes[i].finding, finding) == 0 && strcmp(fp_supersedes[i].by, of) == 0)
			return true;
	return false;
}

/* Every matched rule that supports this finding, "; "-joined and capped. Returns the last
 * supporting rule (the reproduce line shows the most telling request, e.g. /flows). */
static const struct fp_rule *finding_evidence(const struct http_state *s, const char *prod,
					      const char *finding, char *ev, size_t n)
{
	const struct fp_rule *last = NULL;
	size_t k = 0;
	ev[0] = 0;
	for (size_t i = 0; i < fp_nrules && i < FP_MAX_RULES && k + 2 < n; i++) {
		const struct fp_rule *r = &fp_rules[i];
		if (!s->acc.matched[i] || !r->finding || strcmp(r->product, prod) != 0 ||
		    !evidence_for(r->finding, finding))
			continue;
		char one[256];
		last = r;
		describe_rule(r, s->acc.matched[i], one, sizeof(one));
		int w = snprintf(ev + k, n - k, "%s%s", k ? "; " : "", one);
		if (w < 0 || (size_t)w >= n - k)
			break;
		k += (size_t)w;
	}
	return last;
}

static size_t rule_findings(struct pctx *c, struct http_state *s, const char *prod,
			    enum fp_effect want)
{
	const char *done[FP_MAX_RULES];
	size_t ndone = 0;
	for (size_t i = 0; i < fp_nrules && i < FP_MAX_RULES; i++) {
		const struct fp_rule *r = &fp_rules[i];
		if (!s->acc.matched[i] || r->effect != want || strcmp(r->product, prod) != 0)
			continue;
		bool dup = false;
		for (size_t k = 0; k < ndone; k++)
			dup = dup || strcmp(done[k], r->finding) == 0;
		const struct fp_finding_def *d = fp_finding_by_id(r->finding);
		if (dup || !d || fp_superseded(&s->acc, prod, r->finding))
			continue;
		done[ndone++] = r->finding;
		char ev[512], rep[512];
		const struct fp_rule *shown = finding_evidence(s, prod, r->finding, ev, sizeof(ev));
		if (d->category == CAT_LOCATION && s->positions) {
			size_t l = strlen(ev);
			snprintf(ev + l, sizeof(ev) - l, "; %u position(s) of %u user(s) served "
				 "(coordinates not stored)", s->positions, s->users);
		}
		if (!shown)
			shown = r;
		reproduce_line(c, shown->path, shown->field, NULL, rep, sizeof(rep));
		add_finding(c, d, d->title, ev, rep);
		if (want == FPE_LOGIN)
			return 1;  /* one "login required" note is enough */
	}
	return ndone;
}

static void login_findings(struct pctx *c, struct http_state *s, const char *name)
{
	const struct fp_finding_def *d = fp_finding_by_id("default_login");
	const struct http_login_rec *o = s->res.logins.p;
	if (!d)
		return;
	for (size_t k = 0; k < s->res.logins.n; k++) {
		if (!o[k].accepted)
			continue;
		const char *prod = o[k].product;
		for (size_t i = 0; i < fp_nlogins; i++) {
			const struct fp_login *l = &fp_logins[i];
			if (!prod || strcmp(l->product, prod) != 0)
				continue;
			char title[256], ev[256], rep[512];
			snprintf(title, sizeof(title), "%s accepts its factory default login %s/%s", name,
				 l->user, l->pass);
			snprintf(ev, sizeof(ev), "%s %s as %s → %d (logged in)",
				 l->post_json ? "POST" : "GET", l->path, l->user, l->ok_status);
			reproduce_line(c, l->path, FPF_STATUS, l, rep, sizeof(rep));
			add_finding(c, d, title, ev, rep);
		}
	}
}

static void emit_findings(struct pctx *c, struct http_state *s, const struct fp_result *res)
{
	const struct fp_product *p = &fp_products[res->product];
	rule_findings(c, s, p->id, FPE_OPEN);
	rule_findings(c, s, p->id, FPE_SIDE);
	if (res->auth == FP_AUTH_LOGIN)
		rule_findings(c, s, p->id, FPE_LOGIN);
	login_findings(c, s, p->name);
	if (res->auth != FP_AUTH_UNKNOWN)
		return;
	const struct fp_finding_def *d = fp_finding_by_id("dashboard.reachable");
	char title[256], rep[512];
	snprintf(title, sizeof(title), "%s reachable; whether it needs a login was not determined",
		 p->name);
	reproduce_line(c, p->paths[0].path, FPF_STATUS, NULL, rep, sizeof(rep));
	if (d)
		add_finding(c, d, title, "identified by its web interface markers", rep);
}

static enum msw_status status_of(msw_err why)
{
	switch (why) {
	case MSW_ERR_REFUSED: return ST_CONNECTION_REFUSED;
	case MSW_ERR_TIMEOUT: return ST_IO_TIMEOUT;  /* connected, then too slow */
	case MSW_ERR_CLOSED: return ST_CONNECTION_CLOSED;
	case MSW_ERR_TLS:
	case MSW_ERR_HANDSHAKE: return ST_HANDSHAKE_ERROR;
	case MSW_ERR_MALFORMED:
	case MSW_ERR_PROTOCOL: return ST_PROTOCOL_ERROR;
	case MSW_ERR_INTERRUPTED: return ST_INTERRUPTED;
	default: return ST_UNKNOWN_ERROR;
	}
}

/* The port answered: the result moves into the record's http block, with the verdict. */
static void attach_result(struct pctx *c, struct http_state *s, const struct fp_result *res)
{
	struct http_result *h = record_block_new(c->rec, &http_table);
	if (!h)
		return;
	http_result_move(h, &s->res);
	if (res->product >= 0) {
		h->product = strdup(fp_products[res->product].name);
		h->product_id = strdup(fp_products[res->product].id);
	}
	snprintf(h->version, sizeof(h->version), "%s", res->version);
	h->auth = res->auth;
}

/* ---- what the engine asks of a finished record (probe.h) ---- */

/* The dashboard's access word (the http block's auth). */
static const char *http_summarize(const struct msw_record *r)
{
	const struct http_result *h = record_block(r, &http_table);

	return http_auth_word(h ? h->auth : FP_AUTH_UNKNOWN);
}

/* The MQTT-over-WebSocket endpoints the pages named (ws://host:port/path): their paths,
 * for the engine's stage 3 on the same port. */
static size_t http_follow_ups(const struct msw_record *r, struct probe_follow_up *out, size_t max)
{
	const struct http_result *h = record_block(r, &http_table);
	size_t n = 0;

	for (uint32_t i = 0; h && i < h->ws_endpoints.n && n < max; i++) {
		const struct mbytes *u = &h->ws_endpoints.v[i];
		const char *url = (const char *)u->p, *path;
		bool wss = u->len >= 6 && !memcmp(url, "wss://", 6);
		size_t skip = wss ? 6 : 5, plen;
		if (!wss && (u->len < 5 || memcmp(url, "ws://", 5)))
			continue;
		path = memchr(url + skip, '/', u->len - skip);
		plen = path ? (size_t)(url + u->len - path) : 0;
		if (!path || plen >= PROBE_PATH_MAX || memchr(path, 0, plen))
			continue;
		out[n].transport = wss ? TRANSPORT_WSS : TRANSPORT_WS;
		memcpy(out[n].path, path, plen);
		out[n].path[plen] = 0;
		n++;
	}
	return n;
}

/* A broker's console names the broker: record.broker, so the CVE table applies to the
 * version it shows. "v5.8.9"/"e5.8.9" (EMQX's rel_vsn: open source / enterprise) -> 5.8.9. */
static void set_broker(struct pctx *c, const struct fp_result *res)
{
	const struct fp_product *p = &fp_products[res->product];
	struct msw_record *r = c->rec;
	const char *v = res->version;
	char src[160];

	if (!p->broker)
		return;
	free(r->broker_product);
	r->broker_product = strdup(p->broker);
	if ((v[0] == 'v' || v[0] == 'e') && v[1] >= '0' && v[1] <= '9')
		v++;
	if (!v[0] || !p->version_path)
		return;
	free(r->broker_version);
	r->broker_version = strdup(v);
	snprintf(src, sizeof(src), "http:%s", p->version_path);
	(void)record_add_evidence(r, src, res->version);
}

static void http_finish(struct pctx *c)
{
	struct http_state *s = c->state;
	struct fp_result res;
	fp_decide(&s->acc, s->cands, s->ncands, &res);
	if (s->any_response) {
		c->rec->status = ST_SUCCESS;
		if (res.product >= 0) {
			emit_findings(c, s, &res);  /* before attach_result moves the lists out */
			set_broker(c, &res);
		}
		attach_result(c, s, &res);
	} else if (s->first_err) {
		c->rec->status = status_of(s->first_err);
		if (!c->rec->error)
			record_set_error(c->rec, "%s", s->first_err == MSW_ERR_MALFORMED
				? "the answer was not an HTTP/1.x response" : msw_err_str(s->first_err));
	}
	http_result_free(&s->res);
	free(s->body);
	s->body = NULL;
}

static size_t http_host_ports(const struct msw_config *cfg, struct port_spec *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < fp_nports && n < max; i++) {
		out[n].port = fp_ports[i].port;
		out[n].transport = fp_ports[i].tls ? TRANSPORT_TLS : TRANSPORT_TCP;
		out[n].probe = &probe_http;
		n++;
	}
	return n;
}

const struct probe probe_http = {
	.name = "http",
	.default_port = 8123,
	.state_size = sizeof(struct http_state),
	.max_input = 2 * HTTP_MAX_HEAD,
	.init = http_init,
	.on_connected = http_on_connected,
	.on_data = http_on_data,
	.on_timer = http_on_timer,
	.on_close = http_on_close,
	.finish = http_finish,
	.host_ports = http_host_ports,
	.summarize = http_summarize,
	.follow_ups = http_follow_ups,
	.help = "Smart-home dashboards on the same host (Home Assistant, Node-RED, Zigbee2MQTT, ...): "
		"product, version, open or login required. GET only.",
};
