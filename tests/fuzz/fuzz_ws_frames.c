/* Fuzz the WebSocket frame decoder (RFC 6455 §5) as a stream. Input: byte 0 picks the
 * message cap and how the stream is cut into reads, the rest is what the server sends.
 * Invariants: consumed never exceeds what was given, data events point inside the input
 * and respect max_data, and the decoder always makes progress or stops. */
#include <assert.h>
#include "fuzz_common.h"
#include "transport/ws_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_decoder d;
	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	ws_decoder_init(&d, (sel & 1) ? 64 : 1u << 20);
	d.allow_text = sel & 2;
	size_t chunk = 1 + (sel >> 2) % 17;   /* reads of 1..17 bytes */
	size_t max_data = (sel & 0x80) ? 3 : 4096;
	const uint8_t *p = data + 1;
	size_t n = size - 1, off = 0;
	while (off < n) {
		size_t avail = n - off < chunk ? n - off : chunk;
		size_t consumed = 0;
		struct ws_event ev = {0};
		msw_err rc = ws_decode(&d, p + off, avail, max_data, &consumed, &ev);
		assert(consumed <= avail);
		if (rc != MSW_OK)
			break;
		if (ev.type == WS_EV_DATA) {
			assert(ev.len <= max_data);
			assert(ev.len == 0 || (ev.data >= p + off && ev.data + ev.len <= p + off + avail));
		} else if (ev.type == WS_EV_PING || ev.type == WS_EV_PONG || ev.type == WS_EV_CLOSE) {
			assert(ev.len <= WS_CTRL_MAX);
		}
		if (consumed == 0 && ev.type == WS_EV_NONE)
			break;
		off += consumed;
	}
	/* the header parser on its own */
	struct ws_frame f;
	if (ws_parse_frame_header(p, n, &f) == MSW_OK)
		assert(f.hdr_len <= WS_FRAME_HDR_MAX && f.hdr_len <= n);
	return 0;
}
