#include "base/err.h"

static const char *const names[MSW_ERR__COUNT] = {
	[MSW_OK] = "ok",
	[MSW_ERR_NEED_MORE] = "need more input",
	[MSW_ERR_AGAIN] = "would block",
	[MSW_ERR_MALFORMED] = "malformed input",
	[MSW_ERR_TOO_BIG] = "size exceeds cap",
	[MSW_ERR_NOMEM] = "out of memory",
	[MSW_ERR_IO] = "i/o error",
	[MSW_ERR_CLOSED] = "connection closed",
	[MSW_ERR_REFUSED] = "connection refused",
	[MSW_ERR_TIMEOUT] = "timeout",
	[MSW_ERR_TLS] = "tls error",
	[MSW_ERR_HANDSHAKE] = "handshake failed",
	[MSW_ERR_PROTOCOL] = "protocol error",
	[MSW_ERR_UNSUPPORTED] = "unsupported",
	[MSW_ERR_USAGE] = "usage error",
	[MSW_ERR_RESOLVE] = "name did not resolve",
	[MSW_ERR_SINK] = "output sink failed",
	[MSW_ERR_INTERRUPTED] = "interrupted",
	[MSW_ERR_INTERNAL] = "internal error",
};

const char *msw_err_str(msw_err e)
{
	if ((unsigned)e >= MSW_ERR__COUNT || !names[e])
		return "unknown error";
	return names[e];
}
