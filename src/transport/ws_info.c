/* The "websocket" block's table and life (see ws_info.h). */
#include "transport/ws_info.h"
#include <stdlib.h>
#include <string.h>

#define HR struct ws_header_rec
static const struct fdef header_fields[] = {
	{FIELD_KEY("name"), .type = FT_STR, FMEMBER(HR, name)},
	{FIELD_KEY("value"), .type = FT_STR, FMEMBER(HR, value)},
};
/* written as [name, value] */
static const struct fblock header_table = {FIELDS(header_fields), .size = sizeof(HR),
					   .flags = FB_TUPLE};
#undef HR

#define T struct ws_try_rec
static void get_try_status(const void *o, const struct fdef *f, struct fval *v)
{
	const T *t = o;

	v->i = t->status;
	v->absent = !t->status;
}

static const struct fdef try_fields[] = {
	{FIELD_KEY("path"), .type = FT_STR, FMEMBER(T, path)},
	{FIELD_KEY("status"), .type = FT_INT, .get = get_try_status, .flags = F_NULL,
	 .desc = "the HTTP status of the answer, null when none came"},
};
static const struct fblock try_table = {FIELDS(try_fields), .size = sizeof(T)};
#undef T

#define R struct ws_response_rec
static const struct fdef resp_fields[] = {
	{FIELD_KEY("http_status"), .type = FT_INT, FSIZED(R, http_status)},
	{FIELD_KEY("status_line"), .type = FT_STR, FMEMBER(R, status_line)},
	{FIELD_KEY("server"), .type = FT_STR, FMEMBER(R, server), .flags = F_OPT},
	{FIELD_KEY("subprotocol"), .type = FT_STR, FMEMBER(R, subprotocol), .flags = F_OPT},
	{FIELD_KEY("accept_ok"), .type = FT_BOOL, FMEMBER(R, accept_ok),
	 .desc = "Sec-WebSocket-Accept matched our key"},
	{FIELD_KEY("headers"), .type = FT_LIST, FMEMBER(R, headers.p), FCOUNT(R, headers.n),
	 .sub = &header_table, .desc = "the response headers as [name, value]"},
	{FIELD_KEY("headers_truncated"), .type = FT_BOOL, FMEMBER(R, headers_truncated),
	 .flags = F_OPT | F_ZERO},
};
static const struct fblock resp_table = {FIELDS(resp_fields)};
#undef R

#define W struct ws_info
static void get_resp(const void *o, const struct fdef *f, struct fval *v)
{
	const W *w = o;

	v->p = &w->resp;
	v->absent = !w->resp.have;
}

static void get_frames(const void *o, const struct fdef *f, struct fval *v)
{
	const W *w = o;

	v->u = f->arg ? w->messages : w->frames;
	v->absent = !w->counted;
}

static void get_close(const void *o, const struct fdef *f, struct fval *v)
{
	const W *w = o;

	v->i = w->close_code;
	v->absent = w->close_code < 0;
}

static const struct fdef ws_fields[] = {
	{FIELD_KEY("path"), .type = FT_STR, FMEMBER(W, path)},
	{FIELD_KEY("upgraded"), .type = FT_BOOL, FMEMBER(W, upgraded)},
	{FIELD_KEY("request_subprotocols"), .type = FT_STR, FMEMBER(W, request_subprotocols)},
	{FIELD_KEY("response"), .type = FT_BLOCK, .get = get_resp, .flags = F_OPT | F_INLINE,
	 .sub = &resp_table, .desc = "the last HTTP answer to an upgrade"},
	{FIELD_KEY("paths_tried"), .type = FT_LIST, FMEMBER(W, tried.p), FCOUNT(W, tried.n),
	 .sub = &try_table, .desc = "every path tried, over all of the target's connections"},
	{FIELD_KEY("frames_received"), .type = FT_UINT, .get = get_frames, .arg = 0, .flags = F_OPT},
	{FIELD_KEY("messages_received"), .type = FT_UINT, .get = get_frames, .arg = 1,
	 .flags = F_OPT},
	{FIELD_KEY("close_code"), .type = FT_INT, .get = get_close, .flags = F_OPT},
	{FIELD_KEY("error"), .type = FT_STR, FMEMBER(W, error), .flags = F_OPT},
};

void ws_response_rec_init(struct ws_response_rec *r)
{
	memset(r, 0, sizeof(*r));
	vec_init(&r->headers, sizeof(struct ws_header_rec), 8, WS_MAX_HEADER_RECS);
}

void ws_response_rec_free(struct ws_response_rec *r)
{
	struct ws_header_rec *h = r->headers.p;

	for (size_t i = 0; i < r->headers.n; i++) {
		free(h[i].name);
		free(h[i].value);
	}
	vec_free(&r->headers);
	free(r->status_line);
	free(r->server);
	free(r->subprotocol);
	ws_response_rec_init(r);
}

void ws_response_rec_move(struct ws_response_rec *dst, struct ws_response_rec *src)
{
	ws_response_rec_free(dst);
	*dst = *src;
	ws_response_rec_init(src);
}

void ws_info_free(void *p)
{
	W *w = p;
	struct ws_try_rec *t = w->tried.p;

	for (size_t i = 0; i < w->tried.n; i++)
		free(t[i].path);
	vec_free(&w->tried);
	ws_response_rec_free(&w->resp);
	free(w->path);
	free(w->error);
	w->path = w->error = NULL;
}

const struct fblock ws_table = {
	FBLOCK_KEY("websocket"), FIELDS(ws_fields), .size = sizeof(W), .slot = RB_SLOT_LAYER,
	.rank = 20, .free = ws_info_free,
	.desc = "facts from the WebSocket layer (path, upgrade, response)",
};
#undef W
