/* One error enum for the whole program. Functions return msw_err (0 = MSW_OK);
 * callers propagate with `if (rc) return rc;`. Readers of untrusted bytes return
 * MSW_ERR_MALFORMED (or MSW_ERR_NEED_MORE for a short buffer); writers into buffers they
 * sized themselves assert instead of returning errors. */
#ifndef MSW_ERR_H
#define MSW_ERR_H

typedef enum msw_err {
	MSW_OK = 0,
	MSW_ERR_NEED_MORE,   /* incomplete input: call again with more bytes */
	MSW_ERR_AGAIN,       /* would block (transport): wait for readiness */
	MSW_ERR_MALFORMED,   /* input violates the protocol */
	MSW_ERR_TOO_BIG,     /* a declared or accumulated size exceeds its cap */
	MSW_ERR_NOMEM,
	MSW_ERR_IO,          /* socket/file error (errno kept by caller if useful) */
	MSW_ERR_CLOSED,      /* peer closed the connection */
	MSW_ERR_REFUSED,     /* connection refused */
	MSW_ERR_TIMEOUT,
	MSW_ERR_TLS,         /* TLS handshake or record failure */
	MSW_ERR_HANDSHAKE,   /* transport handshake (WebSocket upgrade, ...) failed */
	MSW_ERR_PROTOCOL,    /* peer spoke, but not the expected protocol */
	MSW_ERR_UNSUPPORTED,
	MSW_ERR_USAGE,       /* bad command line / configuration */
	MSW_ERR_RESOLVE,     /* name did not resolve */
	MSW_ERR_SINK,        /* an output sink failed */
	MSW_ERR_INTERRUPTED,
	MSW_ERR_INTERNAL,
	MSW_ERR__COUNT
} msw_err;

const char *msw_err_str(msw_err e);

#endif
