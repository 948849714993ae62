/* What the dashboard probe found on one port (the record's "http" block): the product it
 * decided on, its version and access word, every request it made and what came back, the
 * MQTT-over-WebSocket endpoints that accepted an upgrade, and the default logins tried.
 * Filled by probes/http.c as responses are judged and attached to the record when the
 * port answered; described by http_table (every sink and the schema walk it).
 *
 * Every text is owned (malloc'ed) and freed by http_result_free(). Header values, paths
 * and versions are kept as the probe cleaned them (printable ASCII); the endpoint URLs hold
 * the name the user gave, so any text may still hold bytes that are not UTF-8: sinks
 * write those as "<name>_b64" (a list element as {"b64": ...}). */
#ifndef MSW_HTTP_RESULT_H
#define MSW_HTTP_RESULT_H
#include <stdbool.h>
#include <stdint.h>
#include "base/record.h"
#include "base/vec.h"
#include "probes/http_fp.h"

/* One request per entry: the probe plans at most this many on a port. */
#define HTTP_RESULT_MAX_PATHS 40

struct http_path_rec {
	char *path;
	int request;          /* enum fp_req: FPR_GET is not written */
	int status;           /* 0: no HTTP answer */
	char *server, *content_type, *location; /* NULL: the header was absent */
	uint64_t bytes;       /* body bytes received (kept and dropped); 0: not written */
	bool truncated;       /* the body passed the cap */
	int ws_close_code;    /* after a 101: the close code received; -1 none */
	bool ws_data;         /* after a 101: the server pushed data unasked */
	char *ws_protocol;    /* after a 101: Sec-WebSocket-Protocol, or NULL */
	char *marker;         /* the first rule that matched ("status" when it has none) */
	char *error;          /* why the request failed, or NULL */
};

struct http_login_rec {
	char *product, *path, *username; /* never the password */
	int method;                      /* 0 GET (basic auth), 1 POST (JSON) */
	int status;
	bool accepted;
};

struct http_result {
	char *product, *product_id;      /* NULL: no product identified */
	char version[FP_VERSION_MAX];    /* "" when unknown */
	int auth;                        /* enum fp_auth */
	struct vec paths;                /* struct http_path_rec */
	struct strlist ws_endpoints;     /* "ws://host:port/path" URLs */
	struct vec logins;               /* struct http_login_rec (--try-default-logins) */
};

extern const struct fblock http_table;

/* An empty result (lists with their caps). */
void http_result_init(struct http_result *h);
/* Releases what h owns; h is left empty (as after http_result_init). */
void http_result_free(void *h);
/* Move src into dst (dst freed first; src left empty). */
void http_result_move(struct http_result *dst, struct http_result *src);

/* The access word ("open", "login_required", "unknown") of an fp_auth value. */
const char *http_auth_word(int auth);

/* The default logins a record's http block lists and how many were accepted (both 0
 * when it has none). */
void http_result_logins(const struct msw_record *r, unsigned *attempts, unsigned *accepted);

#endif
