/* The one record model: vocabularies, the envelope's life (topics, findings, evidence,
 * attached blocks) and its field table.
 *
 * Every vocabulary (status, auth, read/write access, transport, severity, confidence,
 * category, kind, version outcome) is a table indexed by its enum (struct fenum), so the
 * strings written, the enums of docs/record.schema.json and the SQLite columns are one
 * list each. record_table lists the envelope's fields in output order; fields computed
 * from others (timestamp, connack reason, the default probe name) have getters here. */
#include "base/record.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ENUM_OF(var, tbl, fb) const struct fenum var = {tbl, (int)(sizeof(tbl) / sizeof(tbl[0])), fb}

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
	[WRITE_ACCEPTED] = "accepted",
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
static const char *const kind_names[KIND__COUNT] = {
	[KIND_SERVICE] = "service",
	[KIND_HOST] = "host",
};
static const char *const tsec_names[TSEC__COUNT] = {
	[TSEC_UNSET] = "unset",
	[TSEC_PLAINTEXT] = "plaintext",
	[TSEC_TLS_UNVERIFIED] = "tls_unverified",
	[TSEC_TLS_VERIFIED] = "tls_verified",
	[TSEC_MTLS] = "mtls",
};
static const char *const vres_names[VR__COUNT] = {
	[VR_UNTESTED] = "untested",
	[VR_ACCEPTED] = "accepted",
	[VR_REFUSED] = "refused",
	[VR_IDENTIFIER] = "identifier_rejected",
	[VR_BAD_CREDS] = "bad_credentials",
	[VR_NOT_AUTH] = "not_authorized",
	[VR_BANNED] = "banned",
	[VR_MOVED] = "server_moved",
	[VR_OTHER_SERVER] = "use_another_server",
	[VR_UNAVAILABLE] = "unavailable",
	[VR_CLOSED] = "closed",
	[VR_TIMEOUT] = "timeout",
	[VR_ERROR] = "error",
};

ENUM_OF(msw_status_enum, status_names, ST_UNKNOWN_ERROR);
ENUM_OF(msw_auth_enum, auth_names, AUTH_UNKNOWN);
ENUM_OF(msw_read_enum, read_names, READ_UNTESTED);
ENUM_OF(msw_write_enum, write_names, WRITE_UNTESTED);
ENUM_OF(msw_transport_enum, transport_names, TRANSPORT_TCP);
ENUM_OF(msw_severity_enum, severity_names, SEV_INFO);
ENUM_OF(msw_confidence_enum, confidence_names, CONF_INFERRED);
ENUM_OF(msw_category_enum, category_names, CAT_DEVICE_INVENTORY);
ENUM_OF(msw_kind_enum, kind_names, KIND_SERVICE);
ENUM_OF(msw_vres_enum, vres_names, VR_UNTESTED);
ENUM_OF(msw_tsec_enum, tsec_names, TSEC_UNSET);

const char *status_str(enum msw_status s) { return fenum_name(&msw_status_enum, (int)s); }
const char *auth_str(enum msw_auth a) { return fenum_name(&msw_auth_enum, (int)a); }
const char *read_access_str(enum msw_read_access r) { return fenum_name(&msw_read_enum, (int)r); }
const char *write_access_str(enum msw_write_access w) { return fenum_name(&msw_write_enum, (int)w); }
const char *transport_str(enum msw_transport t) { return fenum_name(&msw_transport_enum, (int)t); }
const char *severity_str(enum msw_severity s) { return fenum_name(&msw_severity_enum, (int)s); }
const char *confidence_str(enum msw_confidence c) { return fenum_name(&msw_confidence_enum, (int)c); }
const char *category_str(enum msw_category c) { return fenum_name(&msw_category_enum, (int)c); }
int severity_from_str(const char *s) { return fenum_lookup(&msw_severity_enum, s); }
int category_from_str(const char *s) { return fenum_lookup(&msw_category_enum, s); }

/* ---- bytes and text ---- */

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

msw_err strlist_add(struct strlist *l, const void *p, size_t len, uint32_t cap)
{
	struct mbytes *nv;

	if (l->n >= cap)
		return MSW_ERR_TOO_BIG;
	nv = realloc(l->v, ((size_t)l->n + 1) * sizeof(*nv));
	if (!nv)
		return MSW_ERR_NOMEM;
	l->v = nv;
	nv[l->n] = (struct mbytes){0};
	if (mbytes_set(&nv[l->n], p, len) != MSW_OK)
		return MSW_ERR_NOMEM;
	l->n++;
	return MSW_OK;
}

bool strlist_has(const struct strlist *l, const void *p, size_t len)
{
	for (uint32_t i = 0; i < l->n; i++)
		if (l->v[i].len == len && (!len || memcmp(l->v[i].p, p, len) == 0))
			return true;
	return false;
}

void strlist_free(struct strlist *l)
{
	for (uint32_t i = 0; i < l->n; i++)
		mbytes_free(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
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

bool fields_text_ok(const uint8_t *p, size_t n)
{
	return n == 0 || (utf8_valid(p, n) && !memchr(p, 0, n));
}

size_t b64_encode(const uint8_t *p, size_t n, char *o)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t j = 0;

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
	return j;
}

char *record_b64(const uint8_t *p, size_t n)
{
	char *o = malloc(4 * ((n + 2) / 3) + 1);

	if (!o)
		return NULL;
	o[b64_encode(p, n, o)] = 0;
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
	if (probe) { /* a probe's name: short, cut to the field */
		size_t n = strnlen(probe, sizeof(r->probe) - 1);
		memcpy(r->probe, probe, n);
	}
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

void fref_clear(struct fref *ref)
{
	if (ref->p && ref->tbl && ref->tbl->free)
		ref->tbl->free(ref->p);
	free(ref->p);
	ref->p = NULL;
	ref->tbl = NULL;
}

void fref_set(struct fref *ref, const struct fblock *tbl, void *p)
{
	fref_clear(ref);
	ref->tbl = p ? tbl : NULL;
	ref->p = p;
}

void record_free(struct msw_record *r)
{
	free(r->hostname);
	free(r->auth_identity);
	free(r->error);
	mbytes_free(&r->connack_raw);
	fref_clear(&r->connack_props);
	free(r->broker_product);
	free(r->broker_version);
	for (size_t i = 0; i < r->nevidence; i++) {
		free(r->evidence[i].source);
		free(r->evidence[i].value);
	}
	free(r->evidence);
	for (size_t i = 0; i < r->topics.n; i++) {
		mbytes_free(&record_topics(r)[i].topic);
		mbytes_free(&record_topics(r)[i].sample);
	}
	vec_free(&r->topics);
	for (size_t i = 0; i < r->findings.n; i++)
		finding_free(&record_findings(r)[i]);
	vec_free(&r->findings);
	for (size_t i = 0; i < r->nblocks; i++)
		fref_clear(&r->blocks[i]);
	free(r->blocks);
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

msw_err record_add_evidence(struct msw_record *r, const char *source, const char *value)
{
	struct msw_broker_evidence *n;

	if (!source || !value)
		return MSW_ERR_INTERNAL;
	for (size_t i = 0; i < r->nevidence; i++)
		if (!strcmp(r->evidence[i].source, source) && !strcmp(r->evidence[i].value, value))
			return MSW_OK;
	if (r->nevidence >= RECORD_EVIDENCE_MAX)
		return MSW_OK;
	n = realloc(r->evidence, (r->nevidence + 1) * sizeof(*n));
	if (!n)
		return MSW_ERR_NOMEM;
	r->evidence = n;
	n = &r->evidence[r->nevidence];
	n->source = strdup(source);
	n->value = strdup(value);
	if (!n->source || !n->value) {
		free(n->source);
		free(n->value);
		return MSW_ERR_NOMEM;
	}
	r->nevidence++;
	return MSW_OK;
}

int record_worst_severity(const struct msw_record *r)
{
	int w = -1;

	for (size_t i = 0; i < r->findings.n; i++)
		if ((int)record_findings(r)[i].severity > w)
			w = (int)record_findings(r)[i].severity;
	return w;
}

/* ---- attached blocks ---- */

void *record_block(const struct msw_record *r, const struct fblock *tbl)
{
	for (size_t i = 0; i < r->nblocks; i++)
		if (r->blocks[i].tbl == tbl)
			return r->blocks[i].p;
	return NULL;
}

static bool before(const struct fblock *a, const struct fblock *b)
{
	return a->slot < b->slot || (a->slot == b->slot && a->rank < b->rank);
}

void *record_block_new(struct msw_record *r, const struct fblock *tbl)
{
	void *p = record_block(r, tbl);
	size_t at;

	if (p)
		return p;
	if (r->nblocks >= RECORD_MAX_BLOCKS)
		return NULL;
	if (!r->blocks && !(r->blocks = calloc(RECORD_MAX_BLOCKS, sizeof(*r->blocks))))
		return NULL;
	if (!(p = calloc(1, tbl->size)))
		return NULL;
	for (at = r->nblocks; at > 0 && before(tbl, r->blocks[at - 1].tbl); at--)
		r->blocks[at] = r->blocks[at - 1];
	r->blocks[at] = (struct fref){.tbl = tbl, .p = p};
	r->nblocks++;
	return p;
}

void record_block_drop(struct msw_record *r, const struct fblock *tbl)
{
	for (size_t i = 0; i < r->nblocks; i++) {
		if (r->blocks[i].tbl != tbl)
			continue;
		fref_clear(&r->blocks[i]);
		memmove(&r->blocks[i], &r->blocks[i + 1], (r->nblocks - i - 1) * sizeof(r->blocks[0]));
		r->nblocks--;
		return;
	}
}

/* ---- the envelope's table ---- */

#define R struct msw_record

static void get_schema(const void *o, const struct fdef *f, struct fval *v)
{
	v->s = (const uint8_t *)MSW_RECORD_SCHEMA;
	v->n = sizeof(MSW_RECORD_SCHEMA) - 1;
}

/* A value the sink supplies (F_SINKVAL): nothing to read here. */
static void get_sinkval(const void *o, const struct fdef *f, struct fval *v)
{
	v->s = (const uint8_t *)"";
}

static void get_probe(const void *o, const struct fdef *f, struct fval *v)
{
	const R *r = o;

	v->s = (const uint8_t *)(r->probe[0] ? r->probe : "mqtt");
	v->n = strnlen((const char *)v->s, sizeof(r->probe));
}

static void get_timestamp(const void *o, const struct fdef *f, struct fval *v)
{
	record_format_ts(((const R *)o)->start_us, v->buf, sizeof(v->buf));
	v->s = (const uint8_t *)v->buf;
	v->n = strlen(v->buf);
}

static void get_connack(const void *o, const struct fdef *f, struct fval *v)
{
	v->p = o;
	v->absent = ((const R *)o)->connack_code < 0;
}

static void get_reason(const void *o, const struct fdef *f, struct fval *v)
{
	const R *r = o;
	const char *s = record_connack_reason(r->connack_code, r->mqtt_version);

	v->absent = !s;
	v->s = (const uint8_t *)s;
	v->n = s ? strlen(s) : 0;
}

static void get_raw_hex(const void *o, const struct fdef *f, struct fval *v)
{
	const R *r = o;

	v->s = r->connack_raw.p ? r->connack_raw.p : (const uint8_t *)"";
	/* a CONNACK can be 256 KiB of user properties: keep the record small */
	v->n = r->connack_raw.len > CONNACK_RAW_MAX ? CONNACK_RAW_MAX : r->connack_raw.len;
}

static void get_raw_truncated(const void *o, const struct fdef *f, struct fval *v)
{
	v->b = ((const R *)o)->connack_raw.len > CONNACK_RAW_MAX;
	v->absent = !v->b;
}

static void get_raw_len(const void *o, const struct fdef *f, struct fval *v)
{
	const R *r = o;

	v->u = r->connack_raw.len;
	v->absent = r->connack_raw.len <= CONNACK_RAW_MAX;
}

static void get_self(const void *o, const struct fdef *f, struct fval *v)
{
	v->p = o;
}

static void get_versions(const void *o, const struct fdef *f, struct fval *v)
{
	const R *r = o;

	v->p = &r->versions;
	v->absent = !r->versions.set;
}

static void get_version_at(const void *o, const struct fdef *f, struct fval *v)
{
	const struct msw_versions *x = o;
	int i = (int)f->arg;

	v->absent = !(x->planned >> i & 1);
	v->i = x->v[i];
	v->s = (const uint8_t *)fenum_name(&msw_vres_enum, (int)v->i);
	v->n = strlen((const char *)v->s);
}

static void get_duration(const void *o, const struct fdef *f, struct fval *v)
{
	int64_t d = ((const R *)o)->duration_ms;

	v->i = d > 0 ? d : 0;
}

static void get_blocks(const void *o, const struct fdef *f, struct fval *v)
{
	const R *r = o;
	size_t from = 0, to;

	while (from < r->nblocks && r->blocks[from].tbl->slot < f->arg)
		from++;
	for (to = from; to < r->nblocks && r->blocks[to].tbl->slot == f->arg;)
		to++;
	v->p = r->blocks ? r->blocks + from : NULL; /* none attached: no offset on NULL */
	v->n = to - from;
	v->absent = false;
}

static void get_finding_count(const void *o, const struct fdef *f, struct fval *v)
{
	v->u = ((const R *)o)->findings.n;
}

/* The worst of the severities as their names read (a value outside the vocabulary reads,
 * and ranks, as its fallback). */
static void get_worst(const void *o, const struct fdef *f, struct fval *v)
{
	const R *r = o;

	v->i = -1;
	for (size_t i = 0; i < r->findings.n; i++) {
		int s = fenum_index(&msw_severity_enum, (int)record_findings(r)[i].severity);
		v->i = s > v->i ? s : v->i;
	}
	v->absent = v->i < 0;
	if (!v->absent) {
		v->s = (const uint8_t *)severity_str((enum msw_severity)v->i);
		v->n = strlen((const char *)v->s);
	}
}

/* ---- the getters' inverses (a record read back from its JSON text) ---- */

static int set_schema(void *o, const struct fdef *f, const struct fval *v)
{
	return v->n == sizeof(MSW_RECORD_SCHEMA) - 1 && !memcmp(v->s, MSW_RECORD_SCHEMA, v->n)
		       ? 0 : MSW_ERR_MALFORMED;
}

static int set_probe(void *o, const struct fdef *f, const struct fval *v)
{
	R *r = o;

	if (v->n >= sizeof(r->probe) || memchr(v->s, 0, v->n))
		return MSW_ERR_MALFORMED;
	memset(r->probe, 0, sizeof(r->probe));
	memcpy(r->probe, v->s, v->n);
	return 0;
}

static int digits(const uint8_t *p, int n)
{
	int x = 0;

	for (int i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		x = x * 10 + (p[i] - '0');
	}
	return x;
}

/* "YYYY-MM-DDTHH:MM:SS.mmmZ" back to start_us (the microseconds below the millisecond are
 * not in the text); only a text record_format_ts() writes is taken. */
static int set_timestamp(void *o, const struct fdef *f, const struct fval *v)
{
	R *r = o;
	const uint8_t *p = v->s;
	struct tm tm = {0};
	char again[48];
	time_t t;
	int ms;

	if (v->n != 24 || p[4] != '-' || p[7] != '-' || p[10] != 'T' || p[13] != ':' ||
	    p[16] != ':' || p[19] != '.' || p[23] != 'Z')
		return MSW_ERR_MALFORMED;
	tm.tm_year = digits(p, 4) - 1900;
	tm.tm_mon = digits(p + 5, 2) - 1;
	tm.tm_mday = digits(p + 8, 2);
	tm.tm_hour = digits(p + 11, 2);
	tm.tm_min = digits(p + 14, 2);
	tm.tm_sec = digits(p + 17, 2);
	ms = digits(p + 20, 3);
	if (ms < 0 || tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 0 || tm.tm_hour < 0 ||
	    tm.tm_min < 0 || tm.tm_sec < 0 || (t = timegm(&tm)) == (time_t)-1)
		return MSW_ERR_MALFORMED;
	r->start_us = (int64_t)t * 1000000 + ms * 1000;
	record_format_ts(r->start_us, again, sizeof(again));
	return strlen(again) == v->n && !memcmp(again, p, v->n) ? 0 : MSW_ERR_MALFORMED;
}

static int set_connack(void *o, const struct fdef *f, const struct fval *v)
{
	if (v->absent)
		((R *)o)->connack_code = -1;
	return 0;
}

/* The reason is the code's (read before it): a text that says another is not ours. */
static int set_reason(void *o, const struct fdef *f, const struct fval *v)
{
	const R *r = o;
	const char *s = record_connack_reason(r->connack_code, r->mqtt_version);

	if (v->absent)
		return s ? MSW_ERR_MALFORMED : 0;
	return s && strlen(s) == v->n && !memcmp(s, v->s, v->n) ? 0 : MSW_ERR_MALFORMED;
}

static int set_raw_hex(void *o, const struct fdef *f, const struct fval *v)
{
	R *r = o;

	if (v->n > CONNACK_RAW_MAX)
		return MSW_ERR_MALFORMED;
	mbytes_free(&r->connack_raw);
	return v->n ? mbytes_set(&r->connack_raw, v->s, v->n) : 0;
}

static int set_raw_truncated(void *o, const struct fdef *f, const struct fval *v)
{
	return v->absent || v->b ? 0 : MSW_ERR_MALFORMED;
}

/* A truncated CONNACK's length: the bytes past those shown are not in the text (zeros). */
#define CONNACK_READ_MAX (1u << 20)
static int set_raw_len(void *o, const struct fdef *f, const struct fval *v)
{
	R *r = o;
	uint8_t *p;

	if (v->absent)
		return 0;
	if (v->u <= CONNACK_RAW_MAX || r->connack_raw.len != CONNACK_RAW_MAX)
		return MSW_ERR_MALFORMED;
	if (v->u > CONNACK_READ_MAX)
		return MSW_ERR_TOO_BIG;
	if (!(p = realloc(r->connack_raw.p, (size_t)v->u + 1)))
		return MSW_ERR_NOMEM;
	memset(p + r->connack_raw.len, 0, (size_t)v->u + 1 - r->connack_raw.len);
	r->connack_raw.p = p;
	r->connack_raw.len = (size_t)v->u;
	return 0;
}

static int set_versions(void *o, const struct fdef *f, const struct fval *v)
{
	((R *)o)->versions.set = !v->absent;
	return 0;
}

static int set_version_at(void *o, const struct fdef *f, const struct fval *v)
{
	struct msw_versions *x = o;
	int i = (int)f->arg;

	if (!v->absent) {
		x->planned |= (uint8_t)(1u << i);
		x->v[i] = (uint8_t)v->i;
	}
	return 0;
}

static int set_duration(void *o, const struct fdef *f, const struct fval *v)
{
	if (v->i < 0)
		return MSW_ERR_MALFORMED;
	((R *)o)->duration_ms = v->i;
	return 0;
}

static int set_finding_id(void *o, const struct fdef *f, const struct fval *v)
{
	struct msw_finding *x = o;

	if (memchr(v->s, 0, v->n))
		return MSW_ERR_MALFORMED;
	free(x->id);
	x->id = strndup((const char *)v->s, v->n);
	return x->id ? 0 : MSW_ERR_NOMEM;
}

static int set_cwe(void *o, const struct fdef *f, const struct fval *v)
{
	if (!v->absent && v->i <= 0)
		return MSW_ERR_MALFORMED;
	((struct msw_finding *)o)->cwe = v->absent ? 0 : (int)v->i;
	return 0;
}

/* findings[] */
static void get_finding_id(const void *o, const struct fdef *f, struct fval *v)
{
	const char *s = ((const struct msw_finding *)o)->id;

	v->s = (const uint8_t *)(s ? s : "unknown");
	v->n = strlen((const char *)v->s);
}

static void get_cwe(const void *o, const struct fdef *f, struct fval *v)
{
	v->i = ((const struct msw_finding *)o)->cwe;
	v->absent = v->i <= 0;
}

#define F struct msw_finding
static const struct fdef finding_fields[] = {
	{FIELD_KEY("id"), .type = FT_STR, .get = get_finding_id, .set = set_finding_id,
	 .desc = "stable rule id, e.g. owntracks.location"},
	{FIELD_KEY("category"), .type = FT_ENUM, FMEMBER(F, category), .enm = &msw_category_enum},
	{FIELD_KEY("severity"), .type = FT_ENUM, FMEMBER(F, severity), .enm = &msw_severity_enum},
	{FIELD_KEY("confidence"), .type = FT_ENUM, FMEMBER(F, confidence),
	 .enm = &msw_confidence_enum},
	{FIELD_KEY("cwe"), .type = FT_INT, .get = get_cwe, .set = set_cwe, .flags = F_NULL,
	 .desc = "the CWE that names the weakness", .min = 1, .max = 100000},
	{FIELD_KEY("topic"), .type = FT_BYTES, FMEMBER(F, topic), .flags = F_NULL | F_ZERO,
	 .desc = "the topic the finding was read from (redacted like the topic list)"},
	{FIELD_KEY("title"), .type = FT_STR, FMEMBER(F, title)},
	{FIELD_KEY("evidence"), .type = FT_STR, FMEMBER(F, evidence), .flags = F_NULL},
	{FIELD_KEY("remediation"), .type = FT_STR, FMEMBER(F, remediation), .flags = F_NULL},
	{FIELD_KEY("reproduce"), .type = FT_STR, FMEMBER(F, reproduce), .flags = F_NULL},
};
#undef F
static const struct fblock finding_table = {FIELDS(finding_fields), .size = sizeof(struct msw_finding)};

#define T struct msw_topic
static const struct fdef topic_fields[] = {
	{FIELD_KEY("topic"), .type = FT_BYTES, FMEMBER(T, topic)},
	{FIELD_KEY("retained"), .type = FT_BOOL, FMEMBER(T, retained)},
	{FIELD_KEY("messages"), .type = FT_UINT, FSIZED(T, messages)},
	{FIELD_KEY("bytes"), .type = FT_UINT, FSIZED(T, bytes)},
	{FIELD_KEY("sample"), .type = FT_BYTES, FMEMBER(T, sample), .flags = F_NULL},
	{FIELD_KEY("sample_truncated"), .type = FT_BOOL, FMEMBER(T, sample_truncated)},
};
#undef T
static const struct fblock topic_table = {FIELDS(topic_fields), .size = sizeof(struct msw_topic)};

static const struct fdef topics_fields[] = {
	{FIELD_KEY("count"), .type = FT_UINT, FSIZED(R, topic_count)},
	{FIELD_KEY("sys_count"), .type = FT_UINT, FSIZED(R, sys_topic_count),
	 .desc = "of count: the $SYS/ topics (the broker's own statistics, not the owner's data)"},
	{FIELD_KEY("retained"), .type = FT_UINT, FSIZED(R, retained_count)},
	{FIELD_KEY("messages"), .type = FT_UINT, FSIZED(R, messages_total)},
	{FIELD_KEY("bytes"), .type = FT_UINT, FSIZED(R, bytes_total)},
	{FIELD_KEY("truncated"), .type = FT_BOOL, FMEMBER(R, topics_truncated)},
	{FIELD_KEY("list"), .type = FT_LIST, FMEMBER(R, topics.p), FCOUNT(R, topics.n),
	 .sub = &topic_table},
};
static const struct fblock topics_table = {FIELDS(topics_fields)};

#define E struct msw_broker_evidence
static const struct fdef evidence_fields[] = {
	{FIELD_KEY("source"), .type = FT_STR, FMEMBER(E, source)},
	{FIELD_KEY("value"), .type = FT_STR, FMEMBER(E, value)},
};
#undef E
static const struct fblock evidence_table = {FIELDS(evidence_fields),
					     .size = sizeof(struct msw_broker_evidence)};

static const struct fdef broker_fields[] = {
	{FIELD_KEY("product"), .type = FT_STR, FMEMBER(R, broker_product), .flags = F_NULL},
	{FIELD_KEY("version"), .type = FT_STR, FMEMBER(R, broker_version), .flags = F_NULL},
	{FIELD_KEY("evidence"), .type = FT_LIST, FMEMBER(R, evidence), FCOUNT(R, nevidence),
	 .sub = &evidence_table},
};
static const struct fblock broker_table = {FIELDS(broker_fields)};

static const struct fdef versions_fields[] = {
	{FIELD_KEY("3.1"), .type = FT_ENUM, .get = get_version_at, .set = set_version_at, .arg = 0,
	 .flags = F_OPT,
	 .enm = &msw_vres_enum},
	{FIELD_KEY("3.1.1"), .type = FT_ENUM, .get = get_version_at, .set = set_version_at, .arg = 1,
	 .flags = F_OPT,
	 .enm = &msw_vres_enum},
	{FIELD_KEY("5.0"), .type = FT_ENUM, .get = get_version_at, .set = set_version_at, .arg = 2,
	 .flags = F_OPT,
	 .enm = &msw_vres_enum},
};
static const struct fblock versions_table = {FIELDS(versions_fields)};

static const struct fdef connack_fields[] = {
	{FIELD_KEY("code"), .type = FT_INT, FSIZED(R, connack_code), .min = 0, .max = 255},
	{FIELD_KEY("reason"), .type = FT_WORD, .get = get_reason, .set = set_reason, .flags = F_NULL},
	{FIELD_KEY("raw_hex"), .type = FT_HEX, .get = get_raw_hex, .set = set_raw_hex, .pattern = "^([0-9a-f]{2})*$"},
	{FIELD_KEY("raw_truncated"), .type = FT_BOOL, .get = get_raw_truncated,
	 .set = set_raw_truncated, .flags = F_OPT,
	 .desc = "raw_hex holds only the first 1024 bytes of a larger CONNACK"},
	{FIELD_KEY("raw_len"), .type = FT_UINT, .get = get_raw_len, .set = set_raw_len,
	 .flags = F_OPT,
	 .desc = "length in bytes of the whole CONNACK when raw_hex was truncated"},
	{FIELD_KEY("properties"), .type = FT_REF, FMEMBER(R, connack_props), .flags = F_NULL,
	 .desc = "MQTT 5 CONNACK properties, decoded; null for 3.x"},
};
static const struct fblock connack_table = {FIELDS(connack_fields)};

static const struct fdef record_fields[] = {
	{FIELD_KEY("schema"), .type = FT_WORD, .get = get_schema, .set = set_schema, .pattern = "^mqttsweep\\.record/1$",
	 .desc = "the record format and its version"},
	{FIELD_KEY("kind"), .type = FT_ENUM, FMEMBER(R, kind), .enm = &msw_kind_enum},
	{FIELD_KEY("probe"), .type = FT_STR, .get = get_probe, .set = set_probe},
	{FIELD_KEY("scan_id"), .type = FT_CHARS, FSIZED(R, scan_id)},
	{FIELD_KEY("timestamp"), .type = FT_WORD, .get = get_timestamp, .set = set_timestamp,
	 .pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$"},
	{FIELD_KEY("tool_version"), .type = FT_WORD, .get = get_sinkval, .flags = F_SINKVAL,
	 .desc = "the mqttsweep version that wrote the record"},
	{FIELD_KEY("source_ip"), .type = FT_CHARS, FSIZED(R, source_ip), .flags = F_NULL | F_ZERO},
	{FIELD_KEY("ip"), .type = FT_CHARS, FSIZED(R, ip)},
	{FIELD_KEY("port"), .type = FT_UINT, FSIZED(R, port), .min = 0, .max = 65535},
	{FIELD_KEY("hostname"), .type = FT_STR, FMEMBER(R, hostname), .flags = F_NULL},
	{FIELD_KEY("auth_identity"), .type = FT_STR, FMEMBER(R, auth_identity), .flags = F_NULL,
	 .desc = "the username the scan logged in with (the target URL's, else -u); null when "
		 "none was given. Never a password."},
	{FIELD_KEY("transport"), .type = FT_ENUM, FMEMBER(R, transport), .enm = &msw_transport_enum},
	{FIELD_KEY("transport_security"), .type = FT_ENUM, FMEMBER(R, transport_security),
	 .flags = F_OPT | F_ZERO, .enm = &msw_tsec_enum,
	 .desc = "how much the channel can be trusted; present once the transport reports it"},
	{FIELD_KEY("status"), .type = FT_ENUM, FMEMBER(R, status), .enm = &msw_status_enum},
	{FIELD_KEY("mqtt"), .type = FT_BOOL, FMEMBER(R, mqtt)},
	{FIELD_KEY("mqtt_version"), .type = FT_CHARS, FSIZED(R, mqtt_version),
	 .flags = F_NULL | F_ZERO, .pattern = "^(3\\.1|3\\.1\\.1|5\\.0)$",
	 .desc = "protocol version of the accepted (or last answered) CONNECT; null when MQTT was not spoken"},
	{FIELD_KEY("auth"), .type = FT_ENUM, FMEMBER(R, auth), .enm = &msw_auth_enum},
	{FIELD_KEY("connack"), .type = FT_BLOCK, .get = get_connack, .set = set_connack,
	 .flags = F_NULL,
	 .sub = &connack_table},
	{FIELD_KEY("versions"), .type = FT_BLOCK, .get = get_versions, .set = set_versions,
	 .flags = F_OPT,
	 .sub = &versions_table},
	{FIELD_KEY("read_access"), .type = FT_ENUM, FMEMBER(R, read_access), .enm = &msw_read_enum},
	{FIELD_KEY("write_access"), .type = FT_ENUM, FMEMBER(R, write_access),
	 .enm = &msw_write_enum},
	{FIELD_KEY("broker"), .type = FT_BLOCK, .get = get_self, .sub = &broker_table},
	{FIELD_KEY("topics"), .type = FT_BLOCK, .get = get_self, .sub = &topics_table},
	{FIELD_KEY("findings"), .type = FT_LIST, FMEMBER(R, findings.p), FCOUNT(R, findings.n),
	 .sub = &finding_table},
	{FIELD_KEY(""), .type = FT_BLOCKS, .get = get_blocks, .arg = RB_SLOT_LAYER},
	{FIELD_KEY("duration_ms"), .type = FT_INT, .get = get_duration, .set = set_duration,
	 .min = 0, .max = 0},
	{FIELD_KEY("error"), .type = FT_STR, FMEMBER(R, error), .flags = F_NULL},
	{FIELD_KEY(""), .type = FT_BLOCKS, .get = get_blocks, .arg = RB_SLOT_TAIL},
	{FIELD_KEY("finding_count"), .type = FT_UINT, .get = get_finding_count, .flags = F_DERIVED},
	{FIELD_KEY("worst_severity"), .type = FT_ENUM, .get = get_worst,
	 .flags = F_DERIVED | F_NULL, .enm = &msw_severity_enum},
};
#undef R

const struct fblock record_table = {FIELDS(record_fields), .size = sizeof(struct msw_record)};
