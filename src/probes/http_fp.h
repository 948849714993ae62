/* Dashboard fingerprints as data (http_fp.c) and the small engine that applies them.
 *
 * A product lists the ports it lives on and the paths to request there. Rules read one
 * response each (status, a header, a body substring, a JSON expression, a WebSocket
 * verdict) and either add identification weight (FPE_IDENT) or record an authentication
 * verdict (FPE_OPEN → a finding; FPE_LOGIN → "login required"). Rules are applied as each
 * response arrives (fp_apply), so bodies need not be kept; fp_decide() then picks the
 * product with the highest weight at or above its threshold and reports only that
 * product's verdicts. A server that matches no marker is "unknown" with no finding.
 *
 * JSON expressions (fp_json_match): "a.b=v&c" — every term must hold in the same object;
 * a term is a dotted key path (arrays on the way match if any element does) with an
 * optional "=value" (string, true/false/null or number, compared by value). When the body
 * is an array the expression holds if it holds for any element. "{}" = an empty object,
 * "[]" = any JSON array. */
#ifndef MSW_HTTP_FP_H
#define MSW_HTTP_FP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "base/record.h"

enum fp_req { FPR_GET, FPR_WS, FPR_WS_MQTT };
enum fp_field {
	FPF_STATUS,     /* status alone */
	FPF_BODY,       /* case-insensitive substring of the body */
	FPF_JSON,       /* JSON expression on the body */
	FPF_SERVER,     /* substring of the Server header */
	FPF_LOCATION,   /* substring of the Location header */
	FPF_WWW_AUTH,   /* substring of WWW-Authenticate */
	FPF_WS_CLOSE,   /* WebSocket accepted, then closed with this code (decimal) */
	FPF_WS_DATA,    /* WebSocket accepted and the server sent data frames */
};
/* FPE_SIDE: an open side door (a finding) that does not decide the main auth verdict */
enum fp_effect { FPE_IDENT, FPE_OPEN, FPE_LOGIN, FPE_SIDE };
enum fp_auth { FP_AUTH_UNKNOWN, FP_AUTH_OPEN, FP_AUTH_LOGIN };

#define FP_ANY_2XX 0
#define FP_ANY_STATUS (-1)

struct fp_path {
	const char *path;
	enum fp_req req;
};

struct fp_product {
	const char *id;          /* "home_assistant" */
	const char *name;        /* "Home Assistant" */
	uint16_t ports[6];       /* 0-terminated */
	struct fp_path paths[8]; /* requested in order; path NULL ends */
	uint8_t ident_min;       /* weight needed to claim the product */
	const char *version_path;
	const char *version_key; /* dotted JSON key ('*' = any key; arrays: first element);
				  * NULL = the body text itself */
	const char *broker;      /* an MQTT broker's console: record.broker.product to set */
};

struct fp_rule {
	const char *product;
	const char *path;
	int status;              /* exact, FP_ANY_2XX or FP_ANY_STATUS */
	enum fp_field field;
	const char *marker;
	enum fp_effect effect;
	uint8_t weight;          /* FPE_IDENT */
	const char *finding;     /* FPE_OPEN/FPE_LOGIN: an fp_findings id */
};

struct fp_finding_def {
	const char *id;
	enum msw_severity severity;
	enum msw_category category;
	int cwe;
	const char *title;
	const char *remediation;
};

struct fp_supersede {
	const char *finding;     /* not reported ... */
	const char *by;          /* ... when this one is */
};

/* Default logins (--try-default-logins only): one attempt each. GET with HTTP basic auth
 * where the product supports it; a JSON POST only to the product's own login API. */
struct fp_login {
	const char *product;
	const char *path;
	const char *user, *pass;
	bool post_json;          /* POST {"username":..,"password":..} */
	int ok_status;
	const char *ok_json;     /* JSON expression that proves success */
	const char *finding;
};

struct fp_port {
	uint16_t port;
	bool tls;
};

extern const struct fp_product fp_products[];
extern const size_t fp_nproducts;
extern const struct fp_rule fp_rules[];
extern const size_t fp_nrules;
extern const struct fp_finding_def fp_findings[];
extern const size_t fp_nfindings;
extern const struct fp_supersede fp_supersedes[];
extern const size_t fp_nsupersedes;
extern const struct fp_login fp_logins[];
extern const size_t fp_nlogins;
extern const struct fp_port fp_ports[];     /* the dashboard port list */
extern const size_t fp_nports;
extern const uint16_t fp_mqtt_ws_ports[];   /* 0-terminated */
extern const char fp_mqtt_ws_path[];

#define FP_MAX_PRODUCTS 24
#define FP_MAX_RULES 128
#define FP_VERSION_MAX 40

/* One response as the rules see it (strings NUL-terminated or NULL). */
struct fp_response {
	const char *path;
	enum fp_req req;
	int status;              /* 0 = no HTTP response */
	const char *server, *location, *www_auth, *content_type;
	const uint8_t *body;
	size_t body_len;
	const cJSON *json;       /* parsed body, or NULL */
	int ws_close_code;       /* -1 = none */
	bool ws_data;
};

struct fp_acc {
	uint16_t score[FP_MAX_PRODUCTS];
	uint16_t matched[FP_MAX_RULES];  /* status of the response that matched, 0 = no */
	char version[FP_MAX_PRODUCTS][FP_VERSION_MAX];
};

struct fp_result {
	int product;             /* index in fp_products, -1 = unknown */
	enum fp_auth auth;
	const char *version;     /* points into the acc, "" when unknown */
};

const struct fp_product *fp_product_by_id(const char *id);
int fp_product_index(const char *id);
const struct fp_finding_def *fp_finding_by_id(const char *id);
/* Products that live on this port (indices); when none does, every product. */
size_t fp_candidates(uint16_t port, int *out, size_t max);
bool fp_json_match(const cJSON *j, const char *expr);
bool fp_rule_matches(const struct fp_rule *r, const struct fp_response *resp);

/* Is this finding of the product superseded by a worse one that matched? */
bool fp_superseded(const struct fp_acc *a, const char *product, const char *finding);

void fp_acc_init(struct fp_acc *a);
/* Apply the rules of the candidate products for resp->path; returns the first matched
 * rule's index (for the path's "marker" field) or -1. */
int fp_apply(struct fp_acc *a, const int *cands, size_t ncands, const struct fp_response *resp);
void fp_decide(const struct fp_acc *a, const int *cands, size_t ncands, struct fp_result *res);

#endif
