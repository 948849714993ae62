/* The per-host summary's table (depth host: the record of kind "host"). The engine fills a
 * struct host_summary while a host is in flight (engine/hostsum.c) and attaches it to the
 * host record; this file only says how it is written. */
#include <stdlib.h>
#include <string.h>
#include "base/record.h"

/* The words a service's access can be: the probe's summarize() word (http: open,
 * login_required, unknown; smb: open, listing_only, login_required), else the MQTT auth
 * vocabulary (msw_auth_enum; test_fields checks every name matches). */
#define HOST_ACCESS_PATTERN                                                                   \
	"^(anonymous|any_credentials|authenticated|credentials_required|client_cert_required|" \
	"not_authorized|banned|server_moved|use_another_server|unknown|open|login_required|"   \
	"listing_only)$"

#define S struct host_service
#define H struct host_summary

/* The same words, for a reader of records: the text it reads becomes one of these. */
static const char *const access_words[] = {
	"anonymous", "any_credentials", "authenticated", "credentials_required",
	"client_cert_required", "not_authorized", "banned", "server_moved",
	"use_another_server", "unknown", "open", "login_required", "listing_only",
};

/* a worst severity: absent -1, else its index in the vocabulary (the reader looked the
 * name up) */
static int set_worst(int *worst, const struct fval *v)
{
	if (!v->absent && (v->i < 0 || v->i >= SEV__COUNT))
		return MSW_ERR_MALFORMED;
	*worst = v->absent ? -1 : (int)v->i;
	return 0;
}

/* access is static text: NULL reads as "" */
static void get_access(const void *o, const struct fdef *f, struct fval *v)
{
	const char *a = ((const S *)o)->access;

	v->s = (const uint8_t *)(a ? a : "");
	v->n = a ? strlen(a) : 0;
}

/* "" is no word (NULL); any other text must be one of the words a probe gives */
static int set_access(void *o, const struct fdef *f, const struct fval *v)
{
	S *s = o;

	s->access = NULL;
	if (v->absent)
		return MSW_ERR_MALFORMED;
	if (!v->n)
		return 0;
	for (size_t i = 0; i < sizeof(access_words) / sizeof(access_words[0]); i++)
		if (strlen(access_words[i]) == v->n && !memcmp(access_words[i], v->s, v->n)) {
			s->access = access_words[i];
			return 0;
		}
	return MSW_ERR_MALFORMED;
}

static void get_worst_service(const void *o, const struct fdef *f, struct fval *v)
{
	const S *s = o;

	v->i = s->worst;
	v->absent = s->worst < 0;
	if (!v->absent) {
		v->s = (const uint8_t *)severity_str((enum msw_severity)s->worst);
		v->n = strlen((const char *)v->s);
	}
}

static int set_worst_service(void *o, const struct fdef *f, const struct fval *v)
{
	return set_worst(&((S *)o)->worst, v);
}

static const struct fdef service_fields[] = {
	{FIELD_KEY("probe"), .type = FT_CHARS, FSIZED(S, probe)},
	{FIELD_KEY("port"), .type = FT_UINT, FSIZED(S, port), .min = 0, .max = 65535},
	{FIELD_KEY("transport"), .type = FT_ENUM, FMEMBER(S, transport), .enm = &msw_transport_enum},
	{FIELD_KEY("status"), .type = FT_ENUM, FMEMBER(S, status), .enm = &msw_status_enum},
	{FIELD_KEY("auth"), .type = FT_WORD, FMEMBER(S, access), .get = get_access,
	 .set = set_access, .pattern = HOST_ACCESS_PATTERN,
	 .desc = "what an outsider gets, in the probe's own words"},
	{FIELD_KEY("worst_severity"), .type = FT_ENUM, .get = get_worst_service, .set = set_worst_service, .flags = F_NULL,
	 .enm = &msw_severity_enum},
};
static const struct fblock service_table = {FIELDS(service_fields), .size = sizeof(S)};

/* findings_by_category: one row per category, in the vocabulary's order (a unit test keeps
 * the names in step with msw_category_enum) */
#define CAT_ROW(nm, c) \
	{FIELD_KEY(nm), .type = FT_UINT, .off = (uint32_t)(offsetof(H, cats) + (c) * sizeof(uint32_t)), \
	 .size = sizeof(uint32_t), .flags = F_OPT | F_ZERO}
static const struct fdef cats_fields[] = {
	CAT_ROW("location", CAT_LOCATION),
	CAT_ROW("presence", CAT_PRESENCE),
	CAT_ROW("door_state", CAT_DOOR_STATE),
	CAT_ROW("actuator_control", CAT_ACTUATOR_CONTROL),
	CAT_ROW("credential", CAT_CREDENTIAL),
	CAT_ROW("network_key", CAT_NETWORK_KEY),
	CAT_ROW("device_inventory", CAT_DEVICE_INVENTORY),
	CAT_ROW("broker_info", CAT_BROKER_INFO),
	CAT_ROW("dashboard", CAT_DASHBOARD),
	CAT_ROW("file_share", CAT_FILE_SHARE),
};
static const struct fblock cats_table = {FIELDS(cats_fields)};

static void get_worst_host(const void *o, const struct fdef *f, struct fval *v)
{
	const H *h = o;

	v->i = h->worst;
	v->absent = h->worst < 0;
	if (!v->absent) {
		v->s = (const uint8_t *)severity_str((enum msw_severity)h->worst);
		v->n = strlen((const char *)v->s);
	}
}

static int set_worst_host(void *o, const struct fdef *f, const struct fval *v)
{
	return set_worst(&((H *)o)->worst, v);
}

static void get_self(const void *o, const struct fdef *f, struct fval *v)
{
	v->p = o;
}

static const struct fdef risk_fields[] = {
	{FIELD_KEY("worst_severity"), .type = FT_ENUM, .get = get_worst_host, .set = set_worst_host, .flags = F_NULL,
	 .enm = &msw_severity_enum, .desc = "the worst finding on the host"},
	{FIELD_KEY("findings_by_category"), .type = FT_BLOCK, .get = get_self, .sub = &cats_table,
	 .desc = "counts of findings per category across the host's services"},
	{FIELD_KEY("chain"), .type = FT_STR, FMEMBER(H, chain),
	 .desc = "the open doors in order, e.g. mqtt:1883 [high] -> http:1880 [critical]"},
};
static const struct fblock risk_table = {FIELDS(risk_fields)};

static const struct fdef host_fields[] = {
	{FIELD_KEY("services"), .type = FT_LIST, FMEMBER(H, services.p), FCOUNT(H, services.n),
	 .sub = &service_table, .desc = "every service probed on the host"},
	{FIELD_KEY("risk"), .type = FT_BLOCK, .get = get_self, .sub = &risk_table},
};

void host_summary_init(struct host_summary *h)
{
	memset(h, 0, sizeof(*h));
	vec_init(&h->services, sizeof(struct host_service), 4, HOST_MAX_SERVICES);
	h->worst = -1;
}

void host_summary_free(void *p)
{
	H *h = p;

	vec_free(&h->services);
	free(h->chain);
	h->chain = NULL;
}

const struct fblock host_summary_table = {
	FBLOCK_KEY("host"), FIELDS(host_fields), .size = sizeof(H), .flags = FB_TOP,
	.slot = RB_SLOT_TAIL, .rank = 80, .free = host_summary_free,
	.desc = "depth host: the host's services and its risk",
};
