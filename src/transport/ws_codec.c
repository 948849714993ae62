/* RFC 6455 client codec (see ws_codec.h). Everything here is a pure function of its
 * inputs: the handshake parser never reads past n nor past WS_RESP_MAX, the frame decoder
 * keeps only a 14-byte header carry and a 125-byte control payload, and it checks every
 * declared length against its cap before acting on it. */
#include "transport/ws_codec.h"
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>

static const char b64tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t ws_b64_encode(const uint8_t *in, size_t n, char *out, size_t outsz)
{
	size_t need = (n + 2) / 3 * 4;
	if (outsz < need + 1)
		return 0;
	size_t o = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < n)
			v |= in[i + 2];
		out[o++] = b64tab[(v >> 18) & 63];
		out[o++] = b64tab[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64tab[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64tab[v & 63] : '=';
	}
	out[o] = '\0';
	return o;
}

void ws_make_key(const uint8_t nonce[16], char key[WS_KEY_LEN + 1])
{
	ws_b64_encode(nonce, 16, key, WS_KEY_LEN + 1);
}

void ws_accept_for(const char *key, char accept[WS_ACCEPT_LEN + 1])
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	accept[0] = '\0';
	if (!c)
		return;
	if (EVP_DigestInit_ex(c, EVP_sha1(), NULL) == 1 &&
	    EVP_DigestUpdate(c, key, strlen(key)) == 1 &&
	    EVP_DigestUpdate(c, WS_GUID, sizeof(WS_GUID) - 1) == 1 &&
	    EVP_DigestFinal_ex(c, md, &mdlen) == 1 && mdlen == 20)
		ws_b64_encode(md, 20, accept, WS_ACCEPT_LEN + 1);
	EVP_MD_CTX_free(c);
}

static bool has_crlf(const char *s)
{
	return s && strpbrk(s, "\r\n") != NULL;
}

msw_err ws_build_request(const struct ws_request *rq, char *out, size_t outsz, size_t *len)
{
	*len = 0;
	if (!rq->host || !rq->path || !rq->key || rq->path[0] != '/' || strchr(rq->path, ' ') ||
	    has_crlf(rq->host) || has_crlf(rq->path) || has_crlf(rq->key) ||
	    has_crlf(rq->protocols) || has_crlf(rq->user_agent))
		return MSW_ERR_USAGE;
	int w = snprintf(out, outsz,
			 "GET %s HTTP/1.1\r\n"
			 "Host: %s\r\n"
			 "Upgrade: websocket\r\n"
			 "Connection: Upgrade\r\n"
			 "Sec-WebSocket-Key: %s\r\n"
			 "Sec-WebSocket-Version: 13\r\n"
			 "%s%s%s"
			 "%s%s%s"
			 "\r\n",
			 rq->path, rq->host, rq->key,
			 rq->protocols ? "Sec-WebSocket-Protocol: " : "",
			 rq->protocols ? rq->protocols : "", rq->protocols ? "\r\n" : "",
			 rq->user_agent ? "User-Agent: " : "", rq->user_agent ? rq->user_agent : "",
			 rq->user_agent ? "\r\n" : "");
	if (w < 0 || (size_t)w >= outsz)
		return MSW_ERR_TOO_BIG;
	*len = (size_t)w;
	return MSW_OK;
}

/* ---- response head ---- */

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static bool ieq(const char *a, size_t alen, const char *b)
{
	size_t blen = strlen(b);
	if (alen != blen)
		return false;
	for (size_t i = 0; i < alen; i++)
		if (lower((unsigned char)a[i]) != lower((unsigned char)b[i]))
			return false;
	return true;
}

/* Does the comma-separated list v[0..n) contain tok (case-insensitive)? */
static bool has_token(const char *v, size_t n, const char *tok)
{
	size_t i = 0;
	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < n && v[i] != ',')
			i++;
		size_t e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e > s && ieq(v + s, e - s, tok))
			return true;
	}
	return false;
}

static void copy_trunc(char *dst, size_t dstsz, const char *src, size_t n)
{
	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static bool is_tchar(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* "HTTP/1.x SSS[ reason]" */
static msw_err parse_status(const char *s, size_t n, struct ws_response *r)
{
	if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || s[7] < '0' || s[7] > '9' || s[8] != ' ')
		return MSW_ERR_MALFORMED;
	for (int i = 9; i < 12; i++)
		if (s[i] < '0' || s[i] > '9')
			return MSW_ERR_MALFORMED;
	if (n > 12 && s[12] != ' ')
		return MSW_ERR_MALFORMED;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
			return MSW_ERR_MALFORMED;
	r->http_minor = s[7] - '0';
	r->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
	copy_trunc(r->status_line, sizeof(r->status_line), s, n);
	return MSW_OK;
}

static msw_err parse_content_length(const char *v, size_t n, struct ws_response *r)
{
	uint64_t x = 0;
	if (!n)
		return MSW_ERR_MALFORMED;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9' || x > (UINT64_MAX - 9) / 10)
			return MSW_ERR_MALFORMED;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	if (r->has_content_length && r->content_length != x)
		return MSW_ERR_MALFORMED;
	r->has_content_length = true;
	r->content_length = x;
	return MSW_OK;
}

static msw_err apply_header(struct ws_response *r, const char *name, size_t nl, const char *v,
			    size_t vl, const char *accept)
{
	if (ieq(name, nl, "upgrade")) {
		if (has_token(v, vl, "websocket"))
			r->upgrade_ok = true;
	} else if (ieq(name, nl, "connection")) {
		if (has_token(v, vl, "upgrade"))
			r->connection_ok = true;
		if (has_token(v, vl, "close"))
			r->conn_close = true;
	} else if (ieq(name, nl, "sec-websocket-accept")) {
		copy_trunc(r->accept, sizeof(r->accept), v, vl);
		if (accept && accept[0] && vl == WS_ACCEPT_LEN && !memcmp(v, accept, vl))
			r->accept_ok = true;
	} else if (ieq(name, nl, "sec-websocket-protocol")) {
		copy_trunc(r->protocol, sizeof(r->protocol), v, vl);
	} else if (ieq(name, nl, "server")) {
		copy_trunc(r->server, sizeof(r->server), v, vl);
	} else if (ieq(name, nl, "content-length")) {
		return parse_content_length(v, vl, r);
	} else if (ieq(name, nl, "transfer-encoding")) {
		if (has_token(v, vl, "chunked"))
			r->chunked = true;
	}
	return MSW_OK;
}

/* One "name: value" line (without CRLF). */
static msw_err parse_header_line(const char *s, size_t n, struct ws_response *r, const char *accept)
{
	size_t nl = 0;
	while (nl < n && is_tchar((unsigned char)s[nl]))
		nl++;
	if (!nl || nl >= n || s[nl] != ':')
		return MSW_ERR_MALFORMED; /* also rejects obs-fold (line starting with SP) */
	size_t vs = nl + 1, ve = n;
	while (vs < ve && (s[vs] == ' ' || s[vs] == '\t'))
		vs++;
	while (ve > vs && (s[ve - 1] == ' ' || s[ve - 1] == '\t'))
		ve--;
	for (size_t i = vs; i < ve; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return MSW_ERR_MALFORMED;
	}
	r->headers_total++;
	if (r->nheaders < WS_MAX_HEADERS) {
		struct ws_header *h = &r->headers[r->nheaders++];
		copy_trunc(h->name, sizeof(h->name), s, nl);
		copy_trunc(h->value, sizeof(h->value), s + vs, ve - vs);
	}
	return apply_header(r, s, nl, s + vs, ve - vs, accept);
}

static const uint8_t *find_head_end(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 3 < n; i++)
		if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')
			return p + i;
	return NULL;
}

/* Garbage is refused as soon as it shows (not after WS_RESP_MAX bytes or a timeout): the
 * head must start with "HTTP/1." and, once its first line is complete, that line must be a
 * status line. True when the partial head is already malformed. */
static bool early_check(const uint8_t *p, size_t n, struct ws_response *r)
{
	static const char pre[] = "HTTP/1.";
	size_t k = n < sizeof(pre) - 1 ? n : sizeof(pre) - 1;
	if (memcmp(p, pre, k))
		return true;
	const uint8_t *lf = memchr(p, '\n', n);
	if (!lf)
		return false;
	bool bad = lf == p || lf[-1] != '\r' ||
		   parse_status((const char *)p, (size_t)(lf - 1 - p), r) != MSW_OK;
	memset(r, 0, sizeof(*r));
	return bad;
}

msw_err ws_response_progress(const uint8_t *p, size_t n, struct ws_head_scan *hs)
{
	static const char pre[] = "HTTP/1.";
	size_t lim = n < WS_RESP_MAX ? n : WS_RESP_MAX;
	size_t prev = hs->searched < lim ? hs->searched : lim;
	size_t from = prev > 3 ? prev - 3 : 0;

	if (find_head_end(p + from, lim - from))
		return MSW_OK;
	hs->searched = lim;
	if (!hs->status_ok) {
		size_t k = lim < sizeof(pre) - 1 ? lim : sizeof(pre) - 1;

		if (memcmp(p, pre, k))
			return MSW_ERR_MALFORMED;
		if (memchr(p + prev, '\n', lim - prev)) {   /* the first line just completed */
			struct ws_response *r = calloc(1, sizeof(*r));

			if (!r)
				return MSW_ERR_NOMEM;
			bool bad = early_check(p, lim, r);

			free(r);
			if (bad)
				return MSW_ERR_MALFORMED;
			hs->status_ok = true;
		}
	}
	return n >= WS_RESP_MAX ? MSW_ERR_TOO_BIG : MSW_ERR_NEED_MORE;
}

msw_err ws_parse_response(const uint8_t *p, size_t n, const char *key, struct ws_response *r)
{
	char accept[WS_ACCEPT_LEN + 1] = "";
	size_t lim = n < WS_RESP_MAX ? n : WS_RESP_MAX;
	const uint8_t *end = find_head_end(p, lim);

	memset(r, 0, sizeof(*r));
	if (!end)
		return early_check(p, lim, r) ? MSW_ERR_MALFORMED
		       : n >= WS_RESP_MAX     ? MSW_ERR_TOO_BIG
					      : MSW_ERR_NEED_MORE;
	if (memchr(p, '\0', (size_t)(end - p)))
		return MSW_ERR_MALFORMED;
	if (key)
		ws_accept_for(key, accept);
	const char *s = (const char *)p, *e = (const char *)end + 2; /* e: after last CRLF */
	bool first = true;
	while (s < e) {
		const char *lf = memchr(s, '\n', (size_t)(e - s));
		if (!lf || lf == s || lf[-1] != '\r')
			return MSW_ERR_MALFORMED;
		size_t ln = (size_t)(lf - 1 - s);
		msw_err rc = first ? parse_status(s, ln, r) : parse_header_line(s, ln, r, accept);
		if (rc)
			return rc;
		first = false;
		s = lf + 1;
	}
	r->head_len = (size_t)(end - p) + 4;
	return MSW_OK;
}

bool ws_response_ok(const struct ws_response *r)
{
	return r->status == 101 && r->upgrade_ok && r->connection_ok && r->accept_ok;
}

/* ---- frames ---- */

size_t ws_frame_header(uint8_t out[WS_FRAME_HDR_MAX], bool fin, uint8_t opcode, uint64_t len,
		       const uint8_t mask[4])
{
	size_t o = 0;
	out[o++] = (uint8_t)((fin ? 0x80 : 0) | (opcode & 0x0f));
	if (len < 126) {
		out[o++] = (uint8_t)(0x80 | len);
	} else if (len <= 0xffff) {
		out[o++] = 0x80 | 126;
		out[o++] = (uint8_t)(len >> 8);
		out[o++] = (uint8_t)len;
	} else {
		out[o++] = 0x80 | 127;
		for (int i = 7; i >= 0; i--)
			out[o++] = (uint8_t)(len >> (8 * i));
	}
	memcpy(out + o, mask, 4);
	return o + 4;
}

void ws_mask(uint8_t *p, size_t n, const uint8_t mask[4], uint64_t off)
{
	for (size_t i = 0; i < n; i++)
		p[i] ^= mask[(off + i) & 3];
}

msw_err ws_parse_frame_header(const uint8_t *p, size_t n, struct ws_frame *f)
{
	if (n < 2)
		return MSW_ERR_NEED_MORE;
	memset(f, 0, sizeof(*f));
	f->fin = p[0] & 0x80;
	f->rsv = (p[0] >> 4) & 7;
	f->opcode = p[0] & 0x0f;
	f->masked = p[1] & 0x80;
	uint8_t l7 = p[1] & 0x7f;
	size_t need = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0) + (f->masked ? 4 : 0);
	if (n < need)
		return MSW_ERR_NEED_MORE;
	size_t o = 2;
	if (l7 == 126) {
		f->len = (uint64_t)p[2] << 8 | p[3];
		o = 4;
		if (f->len < 126)
			return MSW_ERR_MALFORMED; /* not minimally encoded */
	} else if (l7 == 127) {
		for (int i = 0; i < 8; i++)
			f->len = f->len << 8 | p[2 + i];
		o = 10;
		if (f->len >> 63 || f->len <= 0xffff)
			return MSW_ERR_MALFORMED;
	} else {
		f->len = l7;
	}
	if (f->masked) {
		memcpy(f->mask, p + o, 4);
		o += 4;
	}
	f->hdr_len = o;
	return MSW_OK;
}

void ws_decoder_init(struct ws_decoder *d, uint64_t max_message)
{
	memset(d, 0, sizeof(*d));
	d->max_message = max_message;
}

/* Semantic checks on a fresh frame header; updates message state. */
static msw_err bad(struct ws_decoder *d, msw_err rc, const char *why)
{
	d->error = why;
	return rc;
}

static msw_err check_frame(struct ws_decoder *d, const struct ws_frame *f)
{
	if (f->rsv)
		return bad(d, MSW_ERR_MALFORMED, "websocket frame with RSV bits set");
	if (f->masked)
		return bad(d, MSW_ERR_MALFORMED, "masked websocket frame from the server");
	switch (f->opcode) {
	case WS_OP_CLOSE:
	case WS_OP_PING:
	case WS_OP_PONG:
		if (!f->fin)
			return bad(d, MSW_ERR_MALFORMED, "fragmented websocket control frame");
		if (f->len > WS_CTRL_MAX)
			return bad(d, MSW_ERR_MALFORMED, "websocket control frame over 125 bytes");
		return MSW_OK;
	case WS_OP_TEXT:
		if (!d->allow_text)
			return bad(d, MSW_ERR_PROTOCOL, "websocket text frame (MQTT needs binary)");
		/* fall through */
	case WS_OP_BINARY:
		if (d->in_message)
			return bad(d, MSW_ERR_MALFORMED,
				   "new websocket message inside a fragmented one");
		d->msg_len = 0;
		d->fragments = 0;
		break;
	case WS_OP_CONT:
		if (!d->in_message)
			return bad(d, MSW_ERR_MALFORMED,
				   "websocket continuation without a message");
		break;
	default:
		return bad(d, MSW_ERR_MALFORMED, "reserved websocket opcode");
	}
	if (f->len > d->max_message - d->msg_len)
		return bad(d, MSW_ERR_TOO_BIG, "websocket message over the size cap");
	if (++d->fragments > WS_MAX_FRAGMENTS)
		return bad(d, MSW_ERR_TOO_BIG, "websocket message in too many fragments");
	d->msg_len += f->len;
	d->in_message = !f->fin;
	return MSW_OK;
}

/* Gathers and checks a frame header; *used = input bytes taken. NEED_MORE leaves the
 * partial header in the carry. */
static msw_err take_header(struct ws_decoder *d, const uint8_t *in, size_t n, size_t *used)
{
	size_t before = d->hdr_have;
	size_t take = WS_FRAME_HDR_MAX - before;
	if (take > n)
		take = n;
	memcpy(d->hdr + before, in, take);
	msw_err rc = ws_parse_frame_header(d->hdr, before + take, &d->f);
	if (rc == MSW_ERR_NEED_MORE) {
		d->hdr_have += take;
		*used = take;
		return rc;
	}
	if (rc)
		return bad(d, rc, "websocket frame length not minimally encoded or over 2^63");
	*used = d->f.hdr_len - before;
	d->hdr_have = 0;
	rc = check_frame(d, &d->f);
	if (rc)
		return rc;
	d->frames++;
	if (!(d->f.opcode & 0x8) && d->f.fin)
		d->messages++;
	d->in_frame = true;
	d->frame_left = d->f.len;
	d->frame_off = 0;
	d->ctrl_len = 0;
	return MSW_OK;
}

static msw_err control_event(struct ws_decoder *d, struct ws_event *ev)
{
	ev->data = d->ctrl;
	ev->len = d->ctrl_len;
	switch (d->f.opcode) {
	case WS_OP_PING:
		ev->type = WS_EV_PING;
		break;
	case WS_OP_PONG:
		ev->type = WS_EV_PONG;
		break;
	default:
		if (d->ctrl_len == 1)
			return bad(d, MSW_ERR_MALFORMED,
				   "websocket close frame with a 1-byte body");
		ev->type = WS_EV_CLOSE;
		ev->close_code = d->ctrl_len >= 2 ? (d->ctrl[0] << 8 | d->ctrl[1]) : -1;
		d->closed = true;
		break;
	}
	return MSW_OK;
}

msw_err ws_decode(struct ws_decoder *d, const uint8_t *in, size_t n, size_t max_data,
		  size_t *consumed, struct ws_event *ev)
{
	size_t c = 0;
	memset(ev, 0, sizeof(*ev));
	ev->close_code = -1;
	*consumed = 0;
	while (c < n) {
		if (d->closed)
			return bad(d, MSW_ERR_MALFORMED, "websocket data after a close frame");
		if (!d->in_frame) {
			size_t used = 0;
			msw_err rc = take_header(d, in + c, n - c, &used);
			c += used;
			*consumed = c;
			if (rc == MSW_ERR_NEED_MORE)
				return MSW_OK;
			if (rc)
				return rc;
		}
		bool ctrl = d->f.opcode & 0x8;
		size_t avail = n - c;
		uint64_t take = d->frame_left < avail ? d->frame_left : avail;
		if (ctrl) {
			memcpy(d->ctrl + d->ctrl_len, in + c, (size_t)take);
		} else if (take > max_data) {
			take = max_data;
		}
		c += (size_t)take;
		*consumed = c;
		d->frame_left -= take;
		d->frame_off += take;
		if (ctrl) {
			d->ctrl_len += (size_t)take;
			if (d->frame_left)
				return MSW_OK;
			d->in_frame = false;
			return control_event(d, ev);
		}
		bool end = !d->frame_left;
		if (end)
			d->in_frame = false;
		if (take || (end && d->f.fin)) {
			ev->type = WS_EV_DATA;
			ev->data = in + c - take;
			ev->len = (size_t)take;
			ev->message_end = end && d->f.fin;
			return MSW_OK;
		}
		if (!end)
			return MSW_OK; /* max_data == 0 */
	}
	return MSW_OK;
}
