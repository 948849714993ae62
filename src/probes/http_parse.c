/* Bounded HTTP/1.1 response parser; see http_parse.h for the contract.
 *
 * Strictness: the status line must start "HTTP/1.<digit> <3 digits>"; header names are
 * RFC 9110 tokens; control characters other than HTAB in values are rejected, as are
 * obs-fold continuation lines (a client may reject them, RFC 9112 §5.2). Bare LF line
 * ends are accepted (as picohttpparser does) because embedded devices send them. */
#include "probes/http_parse.h"
#include <string.h>
#include <strings.h>

static bool is_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_vchar_or_ws(uint8_t c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* Find the line starting at pos. Returns the index after its LF (content ends at *end),
 * or HTTP_NEED_MORE / HTTP_MALFORMED (no LF within the head cap). */
static ssize_t next_line(const uint8_t *b, size_t len, size_t pos, size_t *end)
{
	size_t lim = len < HTTP_MAX_HEAD ? len : HTTP_MAX_HEAD;
	const uint8_t *lf = pos < lim ? memchr(b + pos, '\n', lim - pos) : NULL;
	if (!lf)
		return len >= HTTP_MAX_HEAD ? HTTP_MALFORMED : HTTP_NEED_MORE;
	size_t e = (size_t)(lf - b);
	if (e > pos && b[e - 1] == '\r')
		e--;
	*end = e;
	return (ssize_t)(lf - b) + 1;
}

static bool all_visible(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_vchar_or_ws(p[i]))
			return false;
	return true;
}

/* "HTTP/1.x SSS[ reason]" in [b, b+n). */
static int parse_status_line(const uint8_t *b, size_t n, struct http_response *r)
{
	if (n < 12 || memcmp(b, "HTTP/1.", 7) != 0 || b[7] < '0' || b[7] > '9' || b[8] != ' ')
		return HTTP_MALFORMED;
	for (int i = 9; i < 12; i++)
		if (b[i] < '0' || b[i] > '9')
			return HTTP_MALFORMED;
	r->minor_version = b[7] - '0';
	r->status = (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
	if (r->status < 100)
		return HTTP_MALFORMED;
	r->reason = (const char *)b + n;
	r->reason_len = 0;
	if (n == 12)
		return 0;
	if (b[12] != ' ' || !all_visible(b + 13, n - 13))
		return HTTP_MALFORMED;
	r->reason = (const char *)b + 13;
	r->reason_len = n - 13;
	return 0;
}

static int parse_header_line(const uint8_t *b, size_t n, struct http_header *h)
{
	size_t i = 0;
	while (i < n && is_tchar(b[i]))
		i++;
	if (i == 0 || i >= n || b[i] != ':')
		return HTTP_MALFORMED;  /* also rejects obs-fold (leading whitespace) */
	h->name = (const char *)b;
	h->name_len = i;
	i++;
	while (i < n && (b[i] == ' ' || b[i] == '\t'))
		i++;
	size_t e = n;
	while (e > i && (b[e - 1] == ' ' || b[e - 1] == '\t'))
		e--;
	if (!all_visible(b + i, e - i))
		return HTTP_MALFORMED;
	h->value = (const char *)b + i;
	h->value_len = e - i;
	return 0;
}

/* Reject early what can never become an HTTP/1.x status line. */
static bool prefix_possible(const uint8_t *b, size_t len)
{
	static const char pre[] = "HTTP/1.";
	size_t k = len < 7 ? len : 7;
	return memcmp(b, pre, k) == 0;
}

ssize_t http_parse_response(const uint8_t *buf, size_t len, struct http_response *r)
{
	memset(r, 0, sizeof(*r));
	if (!prefix_possible(buf, len))
		return HTTP_MALFORMED;
	size_t end;
	ssize_t next = next_line(buf, len, 0, &end);
	if (next < 0)
		return next;
	if (parse_status_line(buf, end, r))
		return HTTP_MALFORMED;
	size_t pos = (size_t)next;
	for (;;) {
		next = next_line(buf, len, pos, &end);
		if (next < 0)
			return next;
		if (end == pos)
			return next;  /* blank line: head complete */
		if (r->nheaders == HTTP_MAX_HEADERS)
			return HTTP_MALFORMED;
		if (parse_header_line(buf + pos, end - pos, &r->headers[r->nheaders]))
			return HTTP_MALFORMED;
		r->nheaders++;
		pos = (size_t)next;
	}
}

static bool name_is(const struct http_header *h, const char *name)
{
	return strlen(name) == h->name_len && strncasecmp(h->name, name, h->name_len) == 0;
}

const struct http_header *http_header_find(const struct http_response *r, const char *name)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (name_is(&r->headers[i], name))
			return &r->headers[i];
	return NULL;
}

/* Is token one of the comma-separated elements of v? (last_only: only the last one) */
static bool list_has(const char *v, size_t n, const char *token, bool last_only)
{
	size_t tl = strlen(token), i = 0;
	bool found = false;
	while (i <= n) {
		size_t s = i;
		while (i < n && v[i] != ',')
			i++;
		size_t e = i;
		while (s < e && (v[s] == ' ' || v[s] == '\t'))
			s++;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		bool eq = e - s == tl && strncasecmp(v + s, token, tl) == 0;
		if (e > s || !last_only)
			found = last_only ? eq : (found || eq);
		i++;
	}
	return found;
}

bool http_header_has_token(const struct http_response *r, const char *name, const char *token)
{
	for (size_t i = 0; i < r->nheaders; i++)
		if (name_is(&r->headers[i], name) &&
		    list_has(r->headers[i].value, r->headers[i].value_len, token, false))
			return true;
	return false;
}

/* Content-Length: digits only, every occurrence (and list element) the same value. */
static msw_err content_length(const struct http_response *r, bool *present, uint64_t *len)
{
	*present = false;
	for (size_t i = 0; i < r->nheaders; i++) {
		const struct http_header *h = &r->headers[i];
		if (!name_is(h, "content-length"))
			continue;
		size_t j = 0;
		while (j <= h->value_len) {
			while (j < h->value_len && (h->value[j] == ' ' || h->value[j] == '\t'))
				j++;
			uint64_t v = 0;
			unsigned digits = 0;
			while (j < h->value_len && h->value[j] >= '0' && h->value[j] <= '9') {
				if (++digits > 18)
					return MSW_ERR_MALFORMED;
				v = v * 10 + (uint64_t)(h->value[j++] - '0');
			}
			while (j < h->value_len && (h->value[j] == ' ' || h->value[j] == '\t'))
				j++;
			if (!digits || (j < h->value_len && h->value[j] != ','))
				return MSW_ERR_MALFORMED;
			if (*present && v != *len)
				return MSW_ERR_MALFORMED;
			*present = true;
			*len = v;
			j++;
		}
	}
	return MSW_OK;
}

static bool last_coding_chunked(const struct http_response *r)
{
	const struct http_header *last = NULL;
	for (size_t i = 0; i < r->nheaders; i++)
		if (name_is(&r->headers[i], "transfer-encoding"))
			last = &r->headers[i];
	return last && list_has(last->value, last->value_len, "chunked", true);
}

msw_err http_body_kind(const struct http_response *r, bool head_request, enum http_body *kind,
		       uint64_t *length)
{
	*length = 0;
	if (head_request || r->status < 200 || r->status == 204 || r->status == 304) {
		*kind = HTTP_BODY_NONE;
		return MSW_OK;
	}
	if (http_header_find(r, "transfer-encoding")) {
		/* RFC 9112 §6.3: chunked last → chunked (Content-Length ignored); else read to EOF */
		*kind = last_coding_chunked(r) ? HTTP_BODY_CHUNKED : HTTP_BODY_EOF;
		return MSW_OK;
	}
	bool present;
	msw_err rc = content_length(r, &present, length);
	if (rc)
		return rc;
	*kind = present ? HTTP_BODY_LENGTH : HTTP_BODY_EOF;
	return MSW_OK;
}

enum { CK_SIZE, CK_EXT, CK_SIZE_LF, CK_DATA, CK_DATA_CR, CK_DATA_LF, CK_TRAILER, CK_TRAILER_LF };

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* End of a chunk-size line: data follows, or (size 0) the trailer section. */
static void size_line_done(struct http_chunked *d)
{
	d->state = d->remaining ? CK_DATA : CK_TRAILER;
	d->line = 0;
	d->digits = 0;
	d->in_ext = false;
}

/* One byte of a chunk-size line (size, extensions, CR LF). */
static msw_err size_byte(struct http_chunked *d, uint8_t c)
{
	if (++d->line > HTTP_CHUNK_LINE_MAX)
		return MSW_ERR_MALFORMED;
	if (d->state == CK_SIZE_LF) {
		if (c != '\n')
			return MSW_ERR_MALFORMED;
		size_line_done(d);
		return MSW_OK;
	}
	if (c == '\r' || c == '\n') {
		if (!d->digits)
			return MSW_ERR_MALFORMED;
		if (c == '\r')
			d->state = CK_SIZE_LF;
		else
			size_line_done(d);
		return MSW_OK;
	}
	int h = hexval(c);
	if (d->state == CK_SIZE && h >= 0) {
		if (++d->digits > 16)
			return MSW_ERR_MALFORMED;
		d->remaining = (d->remaining << 4) | (uint64_t)h;
		return MSW_OK;
	}
	if (!d->digits || !is_vchar_or_ws(c))
		return MSW_ERR_MALFORMED;
	d->state = CK_EXT;  /* ";ext=val" or whitespace before it */
	return MSW_OK;
}

/* One byte of the trailer section; returns 1 when the blank line ends it. */
static int trailer_byte(struct http_chunked *d, uint8_t c)
{
	if (++d->trailer > HTTP_TRAILER_MAX)
		return -1;
	if (d->state == CK_TRAILER_LF && c != '\n')
		return -1;
	if (c == '\r') {
		d->state = CK_TRAILER_LF;
		return 0;
	}
	if (c == '\n') {
		bool blank = d->line == 0;
		d->line = 0;
		d->state = CK_TRAILER;
		return blank ? 1 : 0;
	}
	if (!is_vchar_or_ws(c))
		return -1;
	d->line++;
	return 0;
}

static size_t data_bytes(struct http_chunked *d, const uint8_t *in, size_t n, uint8_t *out,
			 size_t *out_len, size_t out_max, uint64_t *dropped)
{
	size_t take = d->remaining < n ? (size_t)d->remaining : n;
	size_t room = out_max - *out_len;
	size_t keep = take < room ? take : room;
	if (keep) {
		memcpy(out + *out_len, in, keep);
		*out_len += keep;
	}
	*dropped += take - keep;
	d->remaining -= take;
	if (!d->remaining)
		d->state = CK_DATA_CR;
	return take;
}

msw_err http_chunked_feed(struct http_chunked *d, const uint8_t *in, size_t n, size_t *consumed,
			  uint8_t *out, size_t *out_len, size_t out_max, uint64_t *dropped)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = in[i];
		switch (d->state) {
		case CK_DATA:
			i += data_bytes(d, in + i, n - i, out, out_len, out_max, dropped);
			continue;
		case CK_DATA_CR:
			if (c != '\r' && c != '\n')
				goto bad;
			d->state = c == '\r' ? CK_DATA_LF : CK_SIZE;
			break;
		case CK_DATA_LF:
			if (c != '\n')
				goto bad;
			d->state = CK_SIZE;
			break;
		case CK_TRAILER:
		case CK_TRAILER_LF: {
			int t = trailer_byte(d, c);
			if (t < 0)
				goto bad;
			if (t > 0) {
				*consumed = i + 1;
				return MSW_OK;
			}
			break;
		}
		default:
			if (size_byte(d, c))
				goto bad;
		}
		i++;
	}
	*consumed = n;
	return MSW_ERR_NEED_MORE;
bad:
	*consumed = i;
	return MSW_ERR_MALFORMED;
}
