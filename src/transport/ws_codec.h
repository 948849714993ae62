/* RFC 6455 WebSocket client codec: pure functions over byte buffers, no sockets, no
 * clock, no randomness (the caller passes the key and mask bytes), so it is fuzzable and
 * testable on byte vectors. layer_ws (ws.c) drives it over the layer below.
 *
 *  - ws_build_request(): the HTTP/1.1 upgrade request (GET path, Host, Upgrade,
 *    Connection, Sec-WebSocket-Key/Version/Protocol, User-Agent).
 *  - ws_parse_response(): bounded (WS_RESP_MAX bytes) parse of the server's response head
 *    in picohttpparser's style (NEED_MORE until "\r\n\r\n"; MALFORMED/TOO_BIG otherwise),
 *    checking 101, Upgrade, Connection and Sec-WebSocket-Accept = b64(SHA1(key + GUID)).
 *  - ws_decode(): streaming frame decoder. Server frames must be unmasked, RSV bits clear,
 *    opcodes known, control frames <= 125 bytes and never fragmented, lengths minimally
 *    encoded and checked against the message cap before anything else happens. Data
 *    frame payloads are handed out as they arrive (MQTT is a byte stream; one MQTT packet
 *    may span messages), so nothing is ever allocated for them; fragments are tracked
 *    (continuation rules, message-size and fragment-count caps).
 *  - ws_frame_header() / ws_mask(): client frame encoding (always masked). */
#ifndef MSW_WS_CODEC_H
#define MSW_WS_CODEC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"

#define WS_GUID          "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_KEY_LEN       24   /* base64 of 16 random bytes */
#define WS_ACCEPT_LEN    28   /* base64 of a SHA-1 digest */
#define WS_RESP_MAX      8192 /* response head cap */
#define WS_MAX_HEADERS   32   /* response headers kept */
#define WS_HDR_NAME_MAX  64
#define WS_HDR_VALUE_MAX 256
#define WS_CTRL_MAX      125
#define WS_FRAME_HDR_MAX 14 /* 2 + 8 (length) + 4 (mask) */
#define WS_MAX_FRAGMENTS 65536u

enum ws_opcode {
	WS_OP_CONT = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xA,
};

/* base64 (RFC 4648, padded). Returns the length written (without NUL) or 0 when out is
 * too small; out is NUL-terminated. */
size_t ws_b64_encode(const uint8_t *in, size_t n, char *out, size_t outsz);
/* The Sec-WebSocket-Key for 16 nonce bytes. */
void ws_make_key(const uint8_t nonce[16], char key[WS_KEY_LEN + 1]);
/* Sec-WebSocket-Accept for a key (RFC 6455 §4.2.2 step 5.4). */
void ws_accept_for(const char *key, char accept[WS_ACCEPT_LEN + 1]);

struct ws_request {
	const char *host;      /* Host header value: "name", "name:port", "[v6]:port" */
	const char *path;      /* must start with '/'; no CR/LF/space */
	const char *key;       /* Sec-WebSocket-Key */
	const char *protocols; /* Sec-WebSocket-Protocol value, e.g. "mqtt, mqttv3.1" */
	const char *user_agent;
};
/* Writes the request into out (NUL-terminated), *len = bytes without NUL.
 * MSW_ERR_TOO_BIG when it does not fit, MSW_ERR_USAGE on CR/LF in any field. */
msw_err ws_build_request(const struct ws_request *rq, char *out, size_t outsz, size_t *len);

struct ws_header {
	char name[WS_HDR_NAME_MAX]; /* truncated copies, NUL-terminated */
	char value[WS_HDR_VALUE_MAX];
};

struct ws_response {
	int status; /* e.g. 101 */
	int http_minor;
	char status_line[WS_HDR_VALUE_MAX];
	char server[WS_HDR_VALUE_MAX];   /* Server header or "" */
	char protocol[WS_HDR_VALUE_MAX]; /* Sec-WebSocket-Protocol chosen, or "" */
	char accept[WS_HDR_VALUE_MAX];
	bool upgrade_ok;    /* Upgrade: websocket */
	bool connection_ok; /* Connection contains the "upgrade" token */
	bool accept_ok;     /* Sec-WebSocket-Accept matches the key */
	bool conn_close;    /* Connection: close */
	bool has_content_length;
	uint64_t content_length;
	bool chunked;
	struct ws_header headers[WS_MAX_HEADERS];
	size_t nheaders; /* kept (the rest are counted) */
	size_t headers_total;
	size_t head_len; /* bytes of the head incl. the blank line */
};

/* Parses the response head in p[0..n). MSW_OK with *r filled (any status: the caller
 * checks ws_response_ok()), MSW_ERR_NEED_MORE, MSW_ERR_TOO_BIG (no end of head within
 * WS_RESP_MAX), MSW_ERR_MALFORMED. key may be NULL (accept not checked). */
msw_err ws_parse_response(const uint8_t *p, size_t n, const char *key, struct ws_response *r);

/* Incremental look at a head arriving in pieces, so a head read a byte at a time costs
 * O(n) in all, not O(n^2): the end is searched only in what came since the last call, the
 * status line checked once. MSW_OK: the head is complete (now ws_parse_response() it);
 * MSW_ERR_NEED_MORE; MSW_ERR_MALFORMED (garbage shows); MSW_ERR_TOO_BIG. Zero the scan
 * state for each new response. */
struct ws_head_scan {
	size_t searched;     /* bytes already searched for the blank line */
	bool status_ok;      /* the first line was complete and a valid status line */
};
msw_err ws_response_progress(const uint8_t *p, size_t n, struct ws_head_scan *hs);
/* true when the response completes the upgrade (101 + Upgrade + Connection + accept). */
bool ws_response_ok(const struct ws_response *r);

/* Client frame header (always masked): writes into out, returns its length. */
size_t ws_frame_header(uint8_t out[WS_FRAME_HDR_MAX], bool fin, uint8_t opcode, uint64_t len,
		       const uint8_t mask[4]);
/* XOR p with mask, where p starts at payload offset off. */
void ws_mask(uint8_t *p, size_t n, const uint8_t mask[4], uint64_t off);

/* Parsed frame header (for the decoder and tests). */
struct ws_frame {
	bool fin;
	uint8_t rsv; /* the three RSV bits */
	uint8_t opcode;
	bool masked;
	uint8_t mask[4];
	uint64_t len;
	size_t hdr_len;
};
/* Parses one frame header: MSW_ERR_NEED_MORE, MSW_ERR_MALFORMED (non-minimal length or
 * 64-bit length with the top bit set), MSW_OK. No semantic checks. */
msw_err ws_parse_frame_header(const uint8_t *p, size_t n, struct ws_frame *f);

enum ws_event_type { WS_EV_NONE, WS_EV_DATA, WS_EV_PING, WS_EV_PONG, WS_EV_CLOSE };
struct ws_event {
	enum ws_event_type type;
	const uint8_t *data; /* DATA: points into the input; control: into the decoder */
	size_t len;
	bool message_end; /* DATA: last bytes of a message */
	int close_code;   /* CLOSE: code, or -1 when the frame had no body */
};

struct ws_decoder {
	uint64_t max_message; /* cap on one data message (sum of its fragments) */
	bool allow_text;      /* deliver text frames like binary (MQTT forbids them) */
	/* state */
	bool in_frame;
	struct ws_frame f;
	uint64_t frame_left; /* payload bytes of the current frame not yet delivered */
	uint64_t frame_off;  /* payload offset (for unmasking) */
	bool in_message;     /* a fragmented data message is open */
	uint64_t msg_len;
	uint32_t fragments;
	uint8_t ctrl[WS_CTRL_MAX];
	size_t ctrl_len;
	uint8_t hdr[WS_FRAME_HDR_MAX]; /* a header split across inputs */
	size_t hdr_have;
	bool closed;       /* a close frame was decoded: nothing may follow */
	const char *error; /* why the last call failed (static text), or NULL */
	uint64_t frames;   /* frames decoded (statistics) */
	uint64_t messages; /* data messages completed (statistics) */
};

void ws_decoder_init(struct ws_decoder *d, uint64_t max_message);
/* Decodes from in[0..n): *consumed bytes used; at most max_data payload bytes of a data
 * frame are delivered per call (so the caller's buffer bounds it). ev->type is
 * WS_EV_NONE when all input was consumed without an event (need more input).
 * Errors: MSW_ERR_MALFORMED (RSV, bad opcode, masked server frame, control rules,
 * continuation rules, bytes after close, close body of 1 byte), MSW_ERR_TOO_BIG (frame or
 * message past the cap, too many fragments), MSW_ERR_PROTOCOL (text frame). */
msw_err ws_decode(struct ws_decoder *d, const uint8_t *in, size_t n, size_t max_data,
		  size_t *consumed, struct ws_event *ev);

#endif
