/* Fuzz the HTTP/1.1 response parser and the chunked body decoder. Input: a response as
 * bytes; byte 0 picks the read size for the chunked decoder and the body cap. Invariants:
 * head length within input, headers within the input buffer, decoded body within its cap,
 * consumed within what was fed. */
#include <assert.h>
#include "fuzz_common.h"
#include "probes/http_parse.h"

static void chunked(const uint8_t *p, size_t n, size_t step, size_t cap)
{
	static uint8_t out[4096];
	struct http_chunked d;
	memset(&d, 0, sizeof(d));
	size_t out_len = 0, off = 0;
	uint64_t dropped = 0;
	while (off < n) {
		size_t give = n - off < step ? n - off : step, consumed = 0;
		msw_err rc = http_chunked_feed(&d, p + off, give, &consumed, out, &out_len, cap,
					       &dropped);
		assert(consumed <= give && out_len <= cap);
		off += consumed;
		if (rc != MSW_ERR_NEED_MORE)
			break;
		if (!consumed)
			break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_response r;
	if (size < 1)
		return 0;
	size_t step = 1 + data[0] % 13, cap = (data[0] & 0x80) ? 16 : 4096;
	data++;
	size--;
	ssize_t h = http_parse_response(data, size, &r);
	assert(h == HTTP_NEED_MORE || h == HTTP_MALFORMED || (h > 0 && (size_t)h <= size));
	if (h <= 0) {
		chunked(data, size, step, cap);  /* the decoder alone, on arbitrary bytes */
		return 0;
	}
	assert(r.nheaders <= HTTP_MAX_HEADERS);
	for (size_t i = 0; i < r.nheaders; i++) {
		const struct http_header *hd = &r.headers[i];
		assert((const uint8_t *)hd->name >= data && (const uint8_t *)hd->name + hd->name_len <= data + size);
		assert(!hd->value_len || ((const uint8_t *)hd->value >= data &&
					  (const uint8_t *)hd->value + hd->value_len <= data + size));
	}
	(void)http_header_find(&r, "Server");
	(void)http_header_has_token(&r, "Connection", "close");
	enum http_body kind;
	uint64_t len = 0;
	if (http_body_kind(&r, false, &kind, &len) == MSW_OK && kind == HTTP_BODY_CHUNKED)
		chunked(data + h, size - (size_t)h, step, cap);
	return 0;
}
