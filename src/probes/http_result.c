/* The "http" block's tables and life (see http_result.h). */
#include "probes/http_result.h"
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char *const auth_names[] = {
	[FP_AUTH_UNKNOWN] = "unknown",
	[FP_AUTH_OPEN] = "open",
	[FP_AUTH_LOGIN] = "login_required",
};
static const struct fenum auth_enum = {auth_names, 3, FP_AUTH_UNKNOWN};

/* The upgrades a path entry names (a GET names none). */
static const char *const request_names[] = {"websocket", "websocket-mqtt"};
static const struct fenum request_enum = {request_names, 2, 0};

static const char *const method_names[] = {"GET", "POST"};
static const struct fenum method_enum = {method_names, 2, 0};

const char *http_auth_word(int auth)
{
	return fenum_name(&auth_enum, auth);
}

#define P struct http_path_rec
static void get_request(const void *o, const struct fdef *f, struct fval *v)
{
	const P *p = o;

	v->absent = p->request != FPR_WS && p->request != FPR_WS_MQTT;
	v->i = p->request == FPR_WS_MQTT;
	v->s = (const uint8_t *)request_names[v->i];
	v->n = strlen(request_names[v->i]);
}

/* absent: a GET; else the upgrade its name says */
static int set_request(void *o, const struct fdef *f, const struct fval *v)
{
	P *p = o;

	if (!v->absent && (v->i < 0 || v->i > 1))
		return MSW_ERR_MALFORMED;
	p->request = v->absent ? FPR_GET : v->i ? FPR_WS_MQTT : FPR_WS;
	return 0;
}

static void get_ws_close(const void *o, const struct fdef *f, struct fval *v)
{
	const P *p = o;

	v->i = p->ws_close_code;
	v->absent = p->ws_close_code < 0;
}

/* absent: no close frame (-1); a code is never negative and fits an int */
static int set_ws_close(void *o, const struct fdef *f, const struct fval *v)
{
	P *p = o;

	if (!v->absent && (v->i < 0 || v->i > INT_MAX))
		return MSW_ERR_MALFORMED;
	p->ws_close_code = v->absent ? -1 : (int)v->i;
	return 0;
}

static const struct fdef path_fields[] = {
	{FIELD_KEY("path"), .type = FT_STR, FMEMBER(P, path), .desc = "the request's path"},
	{FIELD_KEY("request"), .type = FT_ENUM, .get = get_request, .set = set_request, .flags = F_OPT,
	 .enm = &request_enum,
	 .desc = "a WebSocket upgrade (websocket-mqtt: asking for the mqtt subprotocol); absent for a GET"},
	{FIELD_KEY("status"), .type = FT_INT, FSIZED(P, status), .min = 0, .max = 999,
	 .desc = "the HTTP status of the answer, 0 when none came"},
	{FIELD_KEY("server"), .type = FT_STR, FMEMBER(P, server), .flags = F_OPT,
	 .desc = "the Server header (bytes that are not printable ASCII as '?')"},
	{FIELD_KEY("content_type"), .type = FT_STR, FMEMBER(P, content_type), .flags = F_OPT,
	 .desc = "the Content-Type header"},
	{FIELD_KEY("location"), .type = FT_STR, FMEMBER(P, location), .flags = F_OPT,
	 .desc = "the Location header of a redirect"},
	{FIELD_KEY("bytes"), .type = FT_UINT, FSIZED(P, bytes), .flags = F_OPT | F_ZERO,
	 .desc = "body bytes received, those past the cap included"},
	{FIELD_KEY("truncated"), .type = FT_BOOL, FMEMBER(P, truncated), .flags = F_OPT | F_ZERO,
	 .desc = "the body was longer than the probe keeps (64 KiB)"},
	{FIELD_KEY("ws_close_code"), .type = FT_INT, .get = get_ws_close, .set = set_ws_close, .flags = F_OPT,
	 .min = 0, .max = 65535,
	 .desc = "after a 101: the code of the server's close frame (1005 when it had none)"},
	{FIELD_KEY("ws_data"), .type = FT_BOOL, FMEMBER(P, ws_data), .flags = F_OPT | F_ZERO,
	 .desc = "after a 101: the server pushed data without being asked"},
	{FIELD_KEY("ws_protocol"), .type = FT_STR, FMEMBER(P, ws_protocol), .flags = F_OPT,
	 .desc = "after a 101: the subprotocol the server chose"},
	{FIELD_KEY("marker"), .type = FT_STR, FMEMBER(P, marker), .flags = F_OPT,
	 .desc = "the first fingerprint rule this answer matched (status: the status alone)"},
	{FIELD_KEY("error"), .type = FT_STR, FMEMBER(P, error), .flags = F_OPT,
	 .desc = "why the request failed (no complete answer)"},
};
static const struct fblock path_table = {FIELDS(path_fields), .size = sizeof(P)};
#undef P

#define L struct http_login_rec
static const struct fdef login_fields[] = {
	{FIELD_KEY("product"), .type = FT_STR, FMEMBER(L, product),
	 .desc = "the product whose factory login was tried"},
	{FIELD_KEY("path"), .type = FT_STR, FMEMBER(L, path), .desc = "the path of the login request"},
	{FIELD_KEY("method"), .type = FT_ENUM, FMEMBER(L, method), .enm = &method_enum,
	 .desc = "GET with HTTP basic auth, or a JSON POST to the product's login API"},
	{FIELD_KEY("username"), .type = FT_STR, FMEMBER(L, username),
	 .desc = "the username tried (the password is never written)"},
	{FIELD_KEY("status"), .type = FT_INT, FSIZED(L, status), .min = 0, .max = 999,
	 .desc = "the HTTP status of the answer"},
	{FIELD_KEY("accepted"), .type = FT_BOOL, FMEMBER(L, accepted),
	 .desc = "the answer proved a login (the product's success status and body)"},
};
static const struct fblock login_table = {FIELDS(login_fields), .size = sizeof(L)};
#undef L

#define H struct http_result
static const struct fdef http_fields[] = {
	{FIELD_KEY("product"), .type = FT_STR, FMEMBER(H, product), .flags = F_NULL,
	 .desc = "the dashboard's product name; null when none was identified"},
	{FIELD_KEY("product_id"), .type = FT_STR, FMEMBER(H, product_id), .flags = F_OPT,
	 .pattern = "^[a-z0-9_.-]+$", .desc = "the product's identifier in the fingerprint table"},
	{FIELD_KEY("version"), .type = FT_CHARS, FSIZED(H, version), .flags = F_NULL | F_ZERO,
	 .desc = "the version the product's own endpoint reported; null when unknown"},
	{FIELD_KEY("auth"), .type = FT_ENUM, FMEMBER(H, auth), .enm = &auth_enum,
	 .desc = "open: a rule proved access without a login; login_required; unknown"},
	{FIELD_KEY("paths"), .type = FT_LIST, FMEMBER(H, paths.p), FCOUNT(H, paths.n),
	 .sub = &path_table, .desc = "every request made, in order, and what came back"},
	{FIELD_KEY("mqtt_ws_endpoints"), .type = FT_STRLIST, FMEMBER(H, ws_endpoints.v),
	 FCOUNT(H, ws_endpoints.n), .pattern = "^wss?://",
	 .desc = "ws(s)://host:port/path URLs that accepted an MQTT WebSocket upgrade"},
	{FIELD_KEY("default_logins"), .type = FT_LIST, FMEMBER(H, logins.p), FCOUNT(H, logins.n),
	 .flags = F_OPT | F_ZERO, .sub = &login_table,
	 .desc = "factory logins tried (--try-default-logins only)"},
};

void http_result_init(struct http_result *h)
{
	memset(h, 0, sizeof(*h));
	h->auth = FP_AUTH_UNKNOWN;
	vec_init(&h->paths, sizeof(struct http_path_rec), 8, HTTP_RESULT_MAX_PATHS);
	vec_init(&h->logins, sizeof(struct http_login_rec), 2, HTTP_RESULT_MAX_PATHS);
}

static void path_rec_free(struct http_path_rec *p)
{
	free(p->path);
	free(p->server);
	free(p->content_type);
	free(p->location);
	free(p->ws_protocol);
	free(p->marker);
	free(p->error);
}

void http_result_free(void *o)
{
	H *h = o;
	struct http_path_rec *p = h->paths.p;
	struct http_login_rec *l = h->logins.p;

	for (size_t i = 0; i < h->paths.n; i++)
		path_rec_free(&p[i]);
	for (size_t i = 0; i < h->logins.n; i++) {
		free(l[i].product);
		free(l[i].path);
		free(l[i].username);
	}
	vec_free(&h->paths);
	vec_free(&h->logins);
	strlist_free(&h->ws_endpoints);
	free(h->product);
	free(h->product_id);
	http_result_init(h);
}

void http_result_move(struct http_result *dst, struct http_result *src)
{
	http_result_free(dst);
	*dst = *src;
	http_result_init(src);
}

void http_result_logins(const struct msw_record *r, unsigned *attempts, unsigned *accepted)
{
	const H *h = record_block(r, &http_table);
	const struct http_login_rec *l = h ? h->logins.p : NULL;

	*attempts = *accepted = 0;
	for (size_t i = 0; h && i < h->logins.n; i++) {
		(*attempts)++;
		*accepted += l[i].accepted;
	}
}

/* After the error; before the classifier's members (they are added after the probe
 * finished) and the host summary (rank 80). */
const struct fblock http_table = {
	FBLOCK_KEY("http"), FIELDS(http_fields), .size = sizeof(H), .slot = RB_SLOT_TAIL,
	.rank = 30, .free = http_result_free,
	.desc = "probe http: the dashboard fingerprint (product, version, access, requests)",
};
#undef H
