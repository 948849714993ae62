/* WebSocket layer extras beyond layer.h: the default path list and the retry hook.
 *
 * Path selection: --ws-path (cfg->ws_path) or a ws:// URL path (t->ws_path) is the only
 * path tried. Otherwise "/mqtt", "/", "/ws" in turn:
 *  - on the same connection when the refusal keeps the HTTP/1.1 connection usable
 *    (Content-Length body of at most 64 KiB, no "Connection: close");
 *  - else the layer fails with MSW_ERR_HANDSHAKE and remembers, per ip:port, the next
 *    path; a probe that gets on_close(MSW_ERR_HANDSHAKE) asks ws_retry_pending() and, if
 *    true, returns PROBE_RECONNECT: the next ws layer opened to that ip:port starts at the
 *    remembered path. A path that upgraded is remembered too, so later connections to
 *    the same service (version fallback, auth probe) go straight to it. */
#ifndef MSW_WS_H
#define MSW_WS_H
#include <stdbool.h>
#include <stddef.h>

struct msw_target;

#define WS_DEFAULT_PATHS            \
	{                           \
		"/mqtt", "/", "/ws" \
	}
#define WS_NPATHS 3

/* true when the last WebSocket upgrade to t's ip:port was refused and another default
 * path is left to try on a fresh connection. */
bool ws_retry_pending(const struct msw_target *t);
/* Forget what was remembered for t's ip:port (tests). */
void ws_memo_forget(const struct msw_target *t);

#endif
