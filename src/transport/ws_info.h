/* What the WebSocket layer knows (the record's "websocket" block): the path used, whether
 * it upgraded, the last HTTP response to the upgrade (status, Server, subprotocol, headers),
 * every path tried over the target's connections, frame counts and the close code. Filled
 * by transport/ws.c when it describes itself, described by ws_table. */
#ifndef MSW_WS_INFO_H
#define MSW_WS_INFO_H
#include <stdbool.h>
#include <stdint.h>
#include "base/record.h"

struct ws_header_rec {
	char *name, *value;
};

struct ws_try_rec {
	char *path;
	int status; /* HTTP status, 0 = no response */
};

/* The last upgrade response, as the record keeps it. */
struct ws_response_rec {
	bool have;
	int http_status;
	char *status_line, *server, *subprotocol; /* server/subprotocol NULL when absent */
	bool accept_ok;
	struct vec headers; /* struct ws_header_rec */
	bool headers_truncated;
};

#define WS_MAX_TRIES_REC 16
#define WS_MAX_HEADER_RECS 32

struct ws_info {
	char *path;
	bool upgraded;
	const char *request_subprotocols;
	struct ws_response_rec resp;
	struct vec tried;        /* struct ws_try_rec, across the target's connections */
	bool counted;            /* frame counts are written */
	uint64_t frames, messages;
	int close_code;          /* -1: no close frame received */
	char *error;
};

extern const struct fblock ws_table;
void ws_response_rec_init(struct ws_response_rec *r);
void ws_response_rec_free(struct ws_response_rec *r);
/* Move src into dst (dst freed first; src left empty). */
void ws_response_rec_move(struct ws_response_rec *dst, struct ws_response_rec *src);
void ws_info_free(void *w);

#endif
