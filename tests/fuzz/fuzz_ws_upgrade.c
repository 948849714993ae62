/* Fuzz the WebSocket upgrade response parser (RFC 6455 §4.2.2): the HTTP head a server
 * answers the upgrade request with. Invariants: head_len within the input, kept header
 * strings NUL-terminated within their arrays. */
#include <assert.h>
#include "fuzz_common.h"
#include "transport/ws_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ws_response r;
	static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";
	memset(&r, 0, sizeof(r));
	msw_err rc = ws_parse_response(data, size, key, &r);
	if (rc == MSW_OK) {
		assert(r.head_len <= size);
		assert(r.nheaders <= WS_MAX_HEADERS && r.nheaders <= r.headers_total);
		assert(memchr(r.server, 0, sizeof(r.server)));
		assert(memchr(r.protocol, 0, sizeof(r.protocol)));
		for (size_t i = 0; i < r.nheaders; i++) {
			assert(memchr(r.headers[i].name, 0, sizeof(r.headers[i].name)));
			assert(memchr(r.headers[i].value, 0, sizeof(r.headers[i].value)));
		}
		(void)ws_response_ok(&r);
	}
	return 0;
}
