/* The one record model → JSON.
 *
 * Every vocabulary (status, auth, read/write access, transport, severity, confidence,
 * category) is a table indexed by its enum, so the strings here, the enums in
 * docs/record.schema.json and the columns in SQLite stay one list each.
 *
 * Network strings are kept as bytes; json_add_bytes() writes them as a JSON string only
 * when they are valid UTF-8 with no NUL (cJSON strings are NUL-terminated, so an embedded
 * NUL would silently truncate), and otherwise as "<name>_b64" with the exact bytes in
 * base64. Nothing is ever replaced lossily. Plain C strings that may carry peer bytes
 * (error, broker product/version, finding texts) go through the same gate. */
#include "output/record.h"
#include "output/record_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Keys written by this file are string literals: they go into the tree by reference
 * (cJSON_StringIsConst: not copied, not freed), half the allocations of a record. An
 * item whose add fails is deleted here. */
/* A value from one of this file's string tables (a literal): referenced, not copied. */
static cJSON *lit_str(const char *lit)
{
	return cJSON_CreateStringReference(lit);
}

static cJSON *kadd(cJSON *o, const char *lit, cJSON *item)
{
	if (item && !cJSON_AddItemToObjectCS(o, lit, item)) {
		cJSON_Delete(item);
		return NULL;
	}
	return item;
}

#define NAMEFN(fn, type, table, count, fallback)                 \
	const char *fn(type v)                                   \
	{                                                        \
		if ((unsigned)v >= (unsigned)(count) || !table[v]) \
			return fallback;                         \
		return table[v];                                 \
	}

static const char *const status_names[ST__COUNT] = {
	[ST_SUCCESS] = "success",
	[ST_CONNECTION_REFUSED] = "connection-refused",
	[ST_CONNECTION_TIMEOUT] = "connection-timeout",
	[ST_CONNECTION_CLOSED] = "connection-closed",
	[ST_IO_TIMEOUT] = "io-timeout",
	[ST_HANDSHAKE_ERROR] = "handshake-error",
	[ST_PROTOCOL_ERROR] = "protocol-error",
	[ST_APPLICATION_ERROR] = "application-error",
	[ST_INVALID_INPUTS] = "invalid-inputs",
	[ST_BLOCKLISTED_TARGET] = "blocklisted-target",
	[ST_UNKNOWN_ERROR] = "unknown-error",
	[ST_INTERRUPTED] = "interrupted",
};
static const char *const auth_names[AUTH__COUNT] = {
	[AUTH_UNKNOWN] = "unknown",
	[AUTH_ANONYMOUS] = "anonymous",
	[AUTH_ANY_CREDENTIALS] = "any_credentials",
	[AUTH_AUTHENTICATED] = "authenticated",
	[AUTH_CREDENTIALS_REQUIRED] = "credentials_required",
	[AUTH_CLIENT_CERT_REQUIRED] = "client_cert_required",
	[AUTH_NOT_AUTHORIZED] = "not_authorized",
	[AUTH_BANNED] = "banned",
	[AUTH_SERVER_MOVED] = "server_moved",
	[AUTH_USE_ANOTHER_SERVER] = "use_another_server",
};
static const char *const read_names[READ__COUNT] = {
	[READ_UNTESTED] = "untested",
	[READ_GRANTED_WITH_DATA] = "granted_with_data",
	[READ_GRANTED_NO_DATA] = "granted_no_data",
	[READ_DENIED] = "denied",
};
static const char *const write_names[WRITE__COUNT] = {
	[WRITE_UNTESTED] = "untested",
	[WRITE_INFERRED] = "inferred",
	[WRITE_CONFIRMED] = "confirmed",
	[WRITE_DENIED] = "denied",
};
static const char *const transport_names[TRANSPORT__COUNT] = {
	[TRANSPORT_TCP] = "tcp",
	[TRANSPORT_TLS] = "tls",
	[TRANSPORT_WS] = "ws",
	[TRANSPORT_WSS] = "wss",
};
static const char *const severity_names[SEV__COUNT] = {
	[SEV_INFO] = "info",
	[SEV_LOW] = "low",
	[SEV_MEDIUM] = "medium",
	[SEV_HIGH] = "high",
	[SEV_CRITICAL] = "critical",
};
static const char *const confidence_names[CONF__COUNT] = {
	[CONF_CONFIRMED] = "confirmed",
	[CONF_INFERRED] = "inferred",
	[CONF_VERSION_MATCH] = "version_match",
};
static const char *const category_names[CAT__COUNT] = {
	[CAT_LOCATION] = "location",
	[CAT_PRESENCE] = "presence",
	[CAT_DOOR_STATE] = "door_state",
	[CAT_ACTUATOR_CONTROL] = "actuator_control",
	[CAT_CREDENTIAL] = "credential",
	[CAT_NETWORK_KEY] = "network_key",
	[CAT_DEVICE_INVENTORY] = "device_inventory",
	[CAT_BROKER_INFO] = "broker_info",
	[CAT_DASHBOARD] = "dashboard",
	[CAT_FILE_SHARE] = "file_share",
};

NAMEFN(status_str, enum msw_status, status_names, ST__COUNT, "unknown-error")
NAMEFN(auth_str, enum msw_auth, auth_names, AUTH__COUNT, "unknown")
NAMEFN(read_access_str, enum msw_read_access, read_names, READ__COUNT, "untested")
NAMEFN(write_access_str, enum msw_write_access, write_names, WRITE__COUNT, "untested")
NAMEFN(transport_str, enum msw_transport, transport_names, TRANSPORT__COUNT, "tcp")
NAMEFN(severity_str, enum msw_severity, severity_names, SEV__COUNT, "info")
NAMEFN(confidence_str, enum msw_confidence, confidence_names, CONF__COUNT, "inferred")
NAMEFN(category_str, enum msw_category, category_names, CAT__COUNT, "device_inventory")

static int lookup(const char *const *table, int n, const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < n; i++)
		if (table[i] && strcmp(table[i], s) == 0)
			return i;
	return -1;
}

int severity_from_str(const char *s) { return lookup(severity_names, SEV__COUNT, s); }
int category_from_str(const char *s) { return lookup(category_names, CAT__COUNT, s); }

/* ---- bytes ---- */

msw_err mbytes_set(struct mbytes *b, const void *p, size_t n)
{
	uint8_t *q;

	if (n == SIZE_MAX)
		return MSW_ERR_TOO_BIG;
	q = malloc(n + 1);
	if (!q)
		return MSW_ERR_NOMEM;
	if (n)
		memcpy(q, p, n);
	q[n] = 0;
	free(b->p);
	b->p = q;
	b->len = n;
	return MSW_OK;
}

void mbytes_free(struct mbytes *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
}

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. */
bool utf8_valid(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i];
		size_t need;
		uint32_t cp, min;
		uint64_t w;

		if (n - i >= 8 && (memcpy(&w, p + i, 8), !(w & 0x8080808080808080ull))) {
			i += 8;   /* eight ASCII bytes at once: records are mostly ASCII */
			continue;
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1; cp = c & 0x1F; min = 0x80;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2; cp = c & 0x0F; min = 0x800;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3; cp = c & 0x07; min = 0x10000;
		} else {
			return false;
		}
		if (n - i - 1 < need)
			return false;
		for (size_t k = 1; k <= need; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += need + 1;
	}
	return true;
}

char *record_b64(const uint8_t *p, size_t n)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t olen = 4 * ((n + 2) / 3) + 1, j = 0;
	char *o = malloc(olen);

	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		size_t rem = n - i;

		if (rem > 1)
			v |= (uint32_t)p[i + 1] << 8;
		if (rem > 2)
			v |= p[i + 2];
		o[j++] = tbl[(v >> 18) & 63];
		o[j++] = tbl[(v >> 12) & 63];
		o[j++] = rem > 1 ? tbl[(v >> 6) & 63] : '=';
		o[j++] = rem > 2 ? tbl[v & 63] : '=';
	}
	o[j] = 0;
	return o;
}

/* lit: name is a string literal (added by reference). A string without NUL that is valid
 * UTF-8 and already NUL-terminated at p[n] (a C string) is not copied first. */
static void add_bytes(cJSON *o, const char *name, bool lit, const uint8_t *p, size_t n,
		      bool terminated)
{
	char key[96], small[256];
	char *s;
	cJSON *item;

	if (!p)
		n = 0;
	if (n == 0 || (utf8_valid(p, n) && !memchr(p, 0, n))) {
		if (n && terminated)
			s = (char *)p;
		else if (n < sizeof(small))
			s = small;
		else if (!(s = malloc(n + 1)))
			return;
		if (s != (const char *)p) {
			if (n)
				memcpy(s, p, n);
			s[n] = 0;
		}
		item = cJSON_CreateString(s);
		if (lit)
			kadd(o, name, item);
		else if (item && !cJSON_AddItemToObject(o, name, item))
			cJSON_Delete(item);
		if (s != small && s != (const char *)p)
			free(s);
		return;
	}
	snprintf(key, sizeof(key), "%s_b64", name);
	s = record_b64(p, n);
	if (!s)
		return;
	cJSON_AddStringToObject(o, key, s);
	free(s);
}

void json_add_bytes(cJSON *o, const char *name, const uint8_t *p, size_t n)
{
	add_bytes(o, name, false, p, n, false);
}

/* A C string that may hold peer bytes: null when absent, else through add_bytes. name is
 * a literal. */
static void json_add_cstr(cJSON *o, const char *name, const char *s)
{
	if (!s)
		kadd(o, name, cJSON_CreateNull());
	else
		add_bytes(o, name, true, (const uint8_t *)s, strlen(s), true);
}

/* ---- record life ---- */

/* Empty lists: the first topic allocates 4 entries, the first finding 8. */
static void lists_init(struct msw_record *r)
{
	vec_init(&r->topics, sizeof(struct msw_topic), 4, RECORD_TOPICS_MAX);
	vec_init(&r->findings, sizeof(struct msw_finding), 8, RECORD_FINDINGS_MAX);
}

void record_init(struct msw_record *r, const char *probe)
{
	memset(r, 0, sizeof(*r));
	lists_init(r);
	r->probe = probe ? strdup(probe) : NULL;
	r->connack_code = -1;
	r->status = ST_UNKNOWN_ERROR;
}

static void finding_free(struct msw_finding *f)
{
	free(f->id);
	free(f->title);
	free(f->evidence);
	free(f->remediation);
	free(f->reproduce);
	mbytes_free(&f->topic);
}

void record_free(struct msw_record *r)
{
	free(r->probe);
	free(r->kind);
	free(r->hostname);
	free(r->error);
	mbytes_free(&r->connack_raw);
	cJSON_Delete(r->connack_props);
	cJSON_Delete(r->versions);
	free(r->broker_product);
	free(r->broker_version);
	cJSON_Delete(r->broker_evidence);
	for (size_t i = 0; i < r->topics.n; i++) {
		mbytes_free(&record_topics(r)[i].topic);
		mbytes_free(&record_topics(r)[i].sample);
	}
	vec_free(&r->topics);
	for (size_t i = 0; i < r->findings.n; i++)
		finding_free(&record_findings(r)[i]);
	vec_free(&r->findings);
	cJSON_Delete(r->tls);
	cJSON_Delete(r->websocket);
	cJSON_Delete(r->extra);
	free(r->transport_security);
	memset(r, 0, sizeof(*r));
	lists_init(r);
	r->connack_code = -1;
}

struct msw_topic *record_topic(struct msw_record *r, const uint8_t *t, size_t tlen, size_t cap)
{
	struct msw_topic *e;

	/* newest first: live topics repeat in bursts */
	for (size_t i = r->topics.n; i-- > 0;) {
		e = &record_topics(r)[i];
		if (e->topic.len == tlen && (tlen == 0 || memcmp(e->topic.p, t, tlen) == 0))
			return e;
	}
	if (r->topics.n >= cap || tlen > RECORD_TOPIC_BYTES - r->topic_bytes)
		return NULL;
	if (!(e = vec_push(&r->topics)))
		return NULL;
	if (mbytes_set(&e->topic, t, tlen) != MSW_OK) {
		r->topics.n--;
		return NULL;
	}
	r->topic_bytes += tlen;
	return e;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Room for one more finding: the next slot (not yet counted), or NULL. */
static struct msw_finding *finding_slot(struct msw_record *r)
{
	if (vec_reserve(&r->findings, 1))
		return NULL;
	return (struct msw_finding *)r->findings.p + r->findings.n;
}

struct msw_finding *record_add_finding(struct msw_record *r, const struct msw_finding *f)
{
	struct msw_finding *n = finding_slot(r);

	if (!n)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->category = f->category;
	n->severity = f->severity;
	n->confidence = f->confidence;
	n->cwe = f->cwe;
	n->id = dup_or_null(f->id);
	n->title = dup_or_null(f->title);
	n->evidence = dup_or_null(f->evidence);
	n->remediation = dup_or_null(f->remediation);
	n->reproduce = dup_or_null(f->reproduce);
	if ((f->id && !n->id) || (f->title && !n->title) || (f->evidence && !n->evidence) ||
	    (f->remediation && !n->remediation) || (f->reproduce && !n->reproduce) ||
	    (f->topic.len && mbytes_set(&n->topic, f->topic.p, f->topic.len) != MSW_OK)) {
		finding_free(n);
		return NULL;
	}
	r->findings.n++;
	return n;
}

struct msw_finding *record_take_finding(struct msw_record *r, struct msw_finding *f)
{
	struct msw_finding *n = finding_slot(r);

	if (!n)
		return NULL;
	r->findings.n++;
	*n = *f;
	memset(f, 0, sizeof(*f));
	return n;
}

void record_set_error(struct msw_record *r, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(r->error);
	r->error = strdup(buf);
}

/* ---- JSON ---- */

/* CONNACK codes: MQTT 3.1/3.1.1 return codes (§3.2.2.3) and MQTT 5 reason codes
 * (§3.2.2.2). The same number means different things in each, hence two tables. */
const char *record_connack_reason(int code, const char *version)
{
	static const char *const v3[] = {
		"Connection Accepted",
		"unacceptable protocol version",
		"identifier rejected",
		"server unavailable",
		"bad user name or password",
		"not authorized",
	};
	static const struct { int code; const char *s; } v5[] = {
		{0x00, "Success"}, {0x80, "Unspecified error"}, {0x81, "Malformed Packet"},
		{0x82, "Protocol Error"}, {0x83, "Implementation specific error"},
		{0x84, "Unsupported Protocol Version"}, {0x85, "Client Identifier not valid"},
		{0x86, "Bad User Name or Password"}, {0x87, "Not authorized"},
		{0x88, "Server unavailable"}, {0x89, "Server busy"}, {0x8A, "Banned"},
		{0x8C, "Bad authentication method"}, {0x90, "Topic Name invalid"},
		{0x95, "Packet too large"}, {0x97, "Quota exceeded"}, {0x99, "Payload format invalid"},
		{0x9A, "Retain not supported"}, {0x9B, "QoS not supported"},
		{0x9C, "Use another server"}, {0x9D, "Server moved"},
		{0x9F, "Connection rate exceeded"},
	};

	if (version && strcmp(version, "5.0") == 0) {
		for (size_t i = 0; i < sizeof(v5) / sizeof(v5[0]); i++)
			if (v5[i].code == code)
				return v5[i].s;
		return NULL;
	}
	if (code >= 0 && code < (int)(sizeof(v3) / sizeof(v3[0])))
		return v3[code];
	return NULL;
}

static char *hex_encode(const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	char *o = malloc(2 * n + 1);

	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		o[2 * i] = hx[p[i] >> 4];
		o[2 * i + 1] = hx[p[i] & 15];
	}
	o[2 * n] = 0;
	return o;
}

/* RFC 3339 UTC with milliseconds. */
void record_format_ts(int64_t us, char *out, size_t cap)
{
	/* the date and time of the last second formatted (records come in bursts) */
	static __thread time_t last_s = (time_t)-1;
	static __thread char last[64];
	static __thread size_t last_n;
	time_t s = (time_t)(us >= 0 ? us / 1000000 : 0);
	int ms = (int)(us >= 0 ? (us / 1000) % 1000 : 0);
	char tmp[80];

	if (s != last_s || !last_n) {
		struct tm tm;
		gmtime_r(&s, &tm);
		int n = snprintf(last, sizeof(last), "%04d-%02d-%02dT%02d:%02d:%02d",
				 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
				 tm.tm_sec);
		last_n = n > 0 && (size_t)n < sizeof(last) ? (size_t)n : 0;
		last_s = s;
	}
	memcpy(tmp, last, last_n);
	tmp[last_n] = '.';
	tmp[last_n + 1] = (char)('0' + ms / 100);
	tmp[last_n + 2] = (char)('0' + ms / 10 % 10);
	tmp[last_n + 3] = (char)('0' + ms % 10);
	tmp[last_n + 4] = 'Z';
	tmp[last_n + 5] = 0;
	size_t n = last_n + 5;
	if (n >= cap) /* truncate as snprintf would */
		n = cap ? cap - 1 : 0;
	if (cap) {
		memcpy(out, tmp, n);
		out[n] = 0;
	}
}

static cJSON *dup_or_null_json(const cJSON *j)
{
	return j ? cJSON_Duplicate(j, 1) : cJSON_CreateNull();
}

static void add_connack(cJSON *o, const struct msw_record *r)
{
	cJSON *c;
	const char *reason;
	char *hex;

	if (r->connack_code < 0) {
		kadd(o, "connack", cJSON_CreateNull());
		return;
	}
	c = kadd(o, "connack", cJSON_CreateObject());
	if (!c)
		return;
	kadd(c, "code", cJSON_CreateNumber(r->connack_code));
	reason = record_connack_reason(r->connack_code, r->mqtt_version);
	if (reason)
		kadd(c, "reason", lit_str(reason));
	else
		kadd(c, "reason", cJSON_CreateNull());
	/* a CONNACK can be 256 KiB of user properties: keep the record small */
	size_t rawn = r->connack_raw.len > CONNACK_RAW_MAX ? CONNACK_RAW_MAX : r->connack_raw.len;
	hex = hex_encode(r->connack_raw.p, rawn);
	kadd(c, "raw_hex", cJSON_CreateString(hex ? hex : ""));
	free(hex);
	if (rawn < r->connack_raw.len) {
		kadd(c, "raw_truncated", cJSON_CreateTrue());
		kadd(c, "raw_len", cJSON_CreateNumber((double)r->connack_raw.len));
	}
	kadd(c, "properties", dup_or_null_json(r->connack_props));
}

static void add_broker(cJSON *o, const struct msw_record *r)
{
	cJSON *b = kadd(o, "broker", cJSON_CreateObject());

	if (!b)
		return;
	json_add_cstr(b, "product", r->broker_product);
	json_add_cstr(b, "version", r->broker_version);
	if (r->broker_evidence)
		kadd(b, "evidence", cJSON_Duplicate(r->broker_evidence, 1));
	else
		kadd(b, "evidence", cJSON_CreateArray());
}

static void add_topics(cJSON *o, const struct msw_record *r)
{
	cJSON *t = kadd(o, "topics", cJSON_CreateObject()), *list;

	if (!t)
		return;
	kadd(t, "count", cJSON_CreateNumber(r->topic_count));
	kadd(t, "retained", cJSON_CreateNumber(r->retained_count));
	kadd(t, "messages", cJSON_CreateNumber((double)r->messages_total));
	kadd(t, "bytes", cJSON_CreateNumber((double)r->bytes_total));
	kadd(t, "truncated", cJSON_CreateBool(r->topics_truncated));
	list = kadd(t, "list", cJSON_CreateArray());
	if (!list)
		return;
	for (size_t i = 0; i < r->topics.n; i++) {
		const struct msw_topic *e = &record_topics(r)[i];
		cJSON *j = cJSON_CreateObject();

		if (!j)
			return;
		add_bytes(j, "topic", true, e->topic.p, e->topic.len, false);
		kadd(j, "retained", cJSON_CreateBool(e->retained));
		kadd(j, "messages", cJSON_CreateNumber(e->messages));
		kadd(j, "bytes", cJSON_CreateNumber((double)e->bytes));
		if (e->sample.p)
			add_bytes(j, "sample", true, e->sample.p, e->sample.len, false);
		else
			kadd(j, "sample", cJSON_CreateNull());
		kadd(j, "sample_truncated", cJSON_CreateBool(e->sample_truncated));
		cJSON_AddItemToArray(list, j);
	}
}

static cJSON *finding_json(const struct msw_finding *f)
{
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return NULL;
	json_add_cstr(j, "id", f->id ? f->id : "unknown");
	kadd(j, "category", lit_str(category_str(f->category)));
	kadd(j, "severity", lit_str(severity_str(f->severity)));
	kadd(j, "confidence", lit_str(confidence_str(f->confidence)));
	if (f->cwe > 0)
		kadd(j, "cwe", cJSON_CreateNumber(f->cwe));
	else
		kadd(j, "cwe", cJSON_CreateNull());
	if (f->topic.len)
		add_bytes(j, "topic", true, f->topic.p, f->topic.len, false);
	else
		kadd(j, "topic", cJSON_CreateNull());
	json_add_cstr(j, "title", f->title ? f->title : "");
	json_add_cstr(j, "evidence", f->evidence);
	json_add_cstr(j, "remediation", f->remediation);
	json_add_cstr(j, "reproduce", f->reproduce);
	return j;
}

static void add_findings(cJSON *o, const struct msw_record *r)
{
	cJSON *a = kadd(o, "findings", cJSON_CreateArray());

	if (!a)
		return;
	for (size_t i = 0; i < r->findings.n; i++) {
		cJSON *j = finding_json(&record_findings(r)[i]);

		if (j)
			cJSON_AddItemToArray(a, j);
	}
}

static void add_identity(cJSON *o, const struct msw_record *r, const char *tool_version)
{
	char ts[80];

	kadd(o, "schema", lit_str(MSW_RECORD_SCHEMA));
	kadd(o, "kind", lit_str(r->kind && strcmp(r->kind, "host") == 0 ? "host" : "service"));
	json_add_cstr(o, "probe", r->probe ? r->probe : "mqtt");
	json_add_cstr(o, "scan_id", r->scan_id);
	record_format_ts(r->start_us, ts, sizeof(ts));
	kadd(o, "timestamp", cJSON_CreateString(ts));
	kadd(o, "tool_version", cJSON_CreateString(tool_version ? tool_version : "unknown"));
	json_add_cstr(o, "source_ip", r->source_ip[0] ? r->source_ip : NULL);
	json_add_cstr(o, "ip", r->ip);
	kadd(o, "port", cJSON_CreateNumber(r->port));
	json_add_cstr(o, "hostname", r->hostname);
	kadd(o, "transport", lit_str(transport_str(r->transport)));
	if (r->transport_security)
		json_add_cstr(o, "transport_security", r->transport_security);
	kadd(o, "status", lit_str(status_str(r->status)));
}

/* Probe-specific blocks join the top level; they never replace an envelope field. */
static void merge_extra(cJSON *o, const cJSON *extra)
{
	const cJSON *it;

	if (!cJSON_IsObject(extra))
		return;
	cJSON_ArrayForEach(it, extra) {
		if (!it->string || cJSON_GetObjectItemCaseSensitive(o, it->string))
			continue;
		cJSON *dup = cJSON_Duplicate(it, 1);

		if (dup && !cJSON_AddItemToObject(o, it->string, dup))
			cJSON_Delete(dup);  /* allocation failed: do not leak the copy */
	}
}

/* Subtrees built by other parts (CONNACK properties, tls, http, smb blocks) may hold peer
 * strings: any value that is not valid UTF-8 becomes "<key>_b64" (or, inside an array,
 * {"b64": ...}); an invalid key is replaced by "_b64:" + its base64. */
static void sanitize_tree(cJSON *node, int depth)
{
	cJSON *it;

	if (depth > 64)
		return;
	cJSON_ArrayForEach(it, node) {
		if (it->string && !(it->type & cJSON_StringIsConst) &&
		    !utf8_valid((const uint8_t *)it->string, strlen(it->string))) {
			char *b = record_b64((const uint8_t *)it->string, strlen(it->string));
			size_t n = b ? strlen(b) + 6 : 0;
			char *k = b ? malloc(n) : NULL;

			if (k) {
				snprintf(k, n, "_b64:%s", b);
				if (!(it->type & cJSON_StringIsConst))
					cJSON_free(it->string);
				it->string = k;
				it->type &= ~cJSON_StringIsConst;
			}
			free(b);
		}
		if (cJSON_IsString(it) && it->valuestring && !(it->type & cJSON_IsReference) &&
		    !utf8_valid((const uint8_t *)it->valuestring, strlen(it->valuestring))) {
			char *b = record_b64((const uint8_t *)it->valuestring, strlen(it->valuestring));

			if (!b)
				continue;
			if (cJSON_IsArray(node)) {
				cJSON *w = cJSON_CreateObject();

				if (w) {
					kadd(w, "b64", cJSON_CreateString(b));
					cJSON_ReplaceItemViaPointer(node, it, w);
					it = w;
				}
			} else if (it->string) {
				char key[256];

				snprintf(key, sizeof(key), "%s_b64", it->string);
				cJSON_SetValuestring(it, b);
				if (!(it->type & cJSON_StringIsConst))
					cJSON_free(it->string);
				it->string = strdup(key);
				it->type &= ~cJSON_StringIsConst;
			}
			free(b);
		}
		if (cJSON_IsObject(it) || cJSON_IsArray(it))
			sanitize_tree(it, depth + 1);
	}
}

cJSON *record_to_json(const struct msw_record *r, const char *tool_version)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	add_identity(o, r, tool_version);
	kadd(o, "mqtt", cJSON_CreateBool(r->mqtt));
	json_add_cstr(o, "mqtt_version", r->mqtt_version[0] ? r->mqtt_version : NULL);
	kadd(o, "auth", lit_str(auth_str(r->auth)));
	add_connack(o, r);
	if (r->versions)
		kadd(o, "versions", cJSON_Duplicate(r->versions, 1));
	kadd(o, "read_access", lit_str(read_access_str(r->read_access)));
	kadd(o, "write_access", lit_str(write_access_str(r->write_access)));
	add_broker(o, r);
	add_topics(o, r);
	add_findings(o, r);
	if (r->tls)
		kadd(o, "tls", cJSON_Duplicate(r->tls, 1));
	if (r->websocket)
		kadd(o, "websocket", cJSON_Duplicate(r->websocket, 1));
	kadd(o, "duration_ms", cJSON_CreateNumber((double)(r->duration_ms > 0 ? r->duration_ms : 0)));
	json_add_cstr(o, "error", r->error);
	merge_extra(o, r->extra);
	sanitize_tree(o, 0);
	return o;
}
