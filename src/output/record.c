/* The record as a cJSON tree (the path the sinks took before they walked the field
 * tables; kept until every sink walks them, and as the reference the table walker's JSON
 * is compared with).
 *
 * Network strings are kept as bytes; json_add_bytes() writes them as a JSON string only
 * when they are valid UTF-8 with no NUL (cJSON strings are NUL-terminated, so an embedded
 * NUL would silently truncate), and otherwise as "<name>_b64" with the exact bytes in
 * base64. Nothing is ever replaced lossily. Plain C strings that may carry peer bytes
 * (error, broker product/version, finding texts) go through the same gate. */
#include "output/record.h"

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

/* ---- JSON ---- */

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
	cJSON *ev = kadd(b, "evidence", cJSON_CreateArray());
	for (size_t i = 0; ev && i < r->nevidence; i++) {
		cJSON *e = cJSON_CreateObject();
		if (!e)
			return;
		cJSON_AddStringToObject(e, "source", r->evidence[i].source);
		cJSON_AddStringToObject(e, "value", r->evidence[i].value);
		cJSON_AddItemToArray(ev, e);
	}
}

static void add_versions(cJSON *o, const struct msw_record *r)
{
	static const char *const names[3] = {"3.1", "3.1.1", "5.0"};
	cJSON *v;

	if (!r->versions.set || !(v = kadd(o, "versions", cJSON_CreateObject())))
		return;
	for (int i = 0; i < 3; i++)
		if (r->versions.planned >> i & 1)
			cJSON_AddStringToObject(v, names[i], fenum_name(&msw_vres_enum, r->versions.v[i]));
}

static void add_topics(cJSON *o, const struct msw_record *r)
{
	cJSON *t = kadd(o, "topics", cJSON_CreateObject()), *list;

	if (!t)
		return;
	kadd(t, "count", cJSON_CreateNumber(r->topic_count));
	kadd(t, "sys_count", cJSON_CreateNumber(r->sys_topic_count));
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
	kadd(o, "kind", lit_str(r->kind == KIND_HOST ? "host" : "service"));
	json_add_cstr(o, "probe", r->probe[0] ? r->probe : "mqtt");
	json_add_cstr(o, "scan_id", r->scan_id);
	record_format_ts(r->start_us, ts, sizeof(ts));
	kadd(o, "timestamp", cJSON_CreateString(ts));
	kadd(o, "tool_version", cJSON_CreateString(tool_version ? tool_version : "unknown"));
	json_add_cstr(o, "source_ip", r->source_ip[0] ? r->source_ip : NULL);
	json_add_cstr(o, "ip", r->ip);
	kadd(o, "port", cJSON_CreateNumber(r->port));
	json_add_cstr(o, "hostname", r->hostname);
	json_add_cstr(o, "auth_identity", r->auth_identity);
	kadd(o, "transport", lit_str(transport_str(r->transport)));
	if (r->transport_security)
		json_add_cstr(o, "transport_security", fenum_name(&msw_tsec_enum, r->transport_security));
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
	add_versions(o, r);
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
