/* A bounded HTTP/1.1 response parser in picohttpparser's style.
 *
 * http_parse_response() keeps no state and never allocates: given every byte received so
 * far it returns the length of the response head (status line + headers + blank line)
 * once it is complete, HTTP_NEED_MORE while it is not, or HTTP_MALFORMED. Header names and
 * values point into the caller's buffer. Caps: HTTP_MAX_HEADERS header lines and
 * HTTP_MAX_HEAD bytes of head; past either the response is MALFORMED (a scanner has no
 * use for a 20 KiB cookie).
 *
 * http_body_kind() decides how the body is framed (RFC 9112 §6.3). The chunked decoder is
 * the one stateful piece (like picohttpparser's phr_decode_chunked): it is fed input in any
 * split, appends decoded data to a capped buffer and drops what is past the cap, with caps
 * on chunk-size digits, extension and trailer lengths. */
#ifndef MSW_HTTP_PARSE_H
#define MSW_HTTP_PARSE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "base/err.h"

#define HTTP_MAX_HEADERS 64
#define HTTP_MAX_HEAD 16384
#define HTTP_NEED_MORE (-2)
#define HTTP_MALFORMED (-1)

struct http_header {
	const char *name;
	size_t name_len;
	const char *value;   /* leading and trailing whitespace removed */
	size_t value_len;
};

struct http_response {
	int minor_version;   /* HTTP/1.x */
	int status;          /* 100..999 */
	const char *reason;
	size_t reason_len;
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t nheaders;
};

/* > 0: bytes of head consumed; HTTP_NEED_MORE; HTTP_MALFORMED. */
ssize_t http_parse_response(const uint8_t *buf, size_t len, struct http_response *r);

/* First header with this name (case-insensitive), or NULL. */
const struct http_header *http_header_find(const struct http_response *r, const char *name);
/* Does a comma-separated header (any occurrence) contain this token (case-insensitive)? */
bool http_header_has_token(const struct http_response *r, const char *name, const char *token);

enum http_body { HTTP_BODY_NONE, HTTP_BODY_LENGTH, HTTP_BODY_CHUNKED, HTTP_BODY_EOF };
/* How the body is framed; *length set for HTTP_BODY_LENGTH. MSW_ERR_MALFORMED for an
 * invalid or conflicting Content-Length. head_request: the request was HEAD. */
msw_err http_body_kind(const struct http_response *r, bool head_request, enum http_body *kind,
		       uint64_t *length);

#define HTTP_CHUNK_LINE_MAX 1024   /* chunk-size line incl. extensions */
#define HTTP_TRAILER_MAX 8192

struct http_chunked {
	int state;
	uint64_t remaining;  /* bytes left in the current chunk */
	size_t line;         /* bytes in the current size/trailer line */
	size_t trailer;      /* bytes of trailer section so far */
	unsigned digits;
	bool in_ext;
};

/* Feed n bytes; decoded data goes to out (up to out_max; the rest is counted in
 * *dropped but not stored). Sets *consumed. Returns MSW_OK when the last chunk and the
 * trailers are done (*consumed tells where the next message starts), MSW_ERR_NEED_MORE
 * when every byte was consumed and more are needed, MSW_ERR_MALFORMED. */
msw_err http_chunked_feed(struct http_chunked *d, const uint8_t *in, size_t n, size_t *consumed,
			  uint8_t *out, size_t *out_len, size_t out_max, uint64_t *dropped);

#endif
