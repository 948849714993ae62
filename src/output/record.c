/* The record as a cJSON tree (the path the sinks took before they walked the field
 * tables; kept until every sink walks them, and as the reference the table walker's JSON
 * is compared with). Blocks that are typed now (tls, websocket, CONNACK properties, http, smb,
 * acl and accounts, amqp, the host summary) are built here from their structs
 * the way their layers built their trees before, so the comparison still checks the
 * tables against the old shape.
 *
 * Network strings are kept as bytes; json_add_bytes() writes them as a JSON string only
 * when they are valid UTF-8 with no NUL (cJSON strings are NUL-terminated, so an embedded
 * NUL would silently truncate), and otherwise as "<name>_b64" with the exact bytes in
 * base64. Nothing is ever replaced lossily. Plain C strings that may carry peer bytes
 * (error, broker product/version, finding texts) go through the same gate. */
#include "output/record.h"
#include "classify/cls_result.h"
#include "probes/amqp_rec.h"
#include "probes/http_result.h"
#include "probes/mqtt_access_rec.h"
#include "probes/mqtt_props_rec.h"
#include "probes/smb_result.h"
#include "transport/tlsinfo.h"
#include "transport/ws_info.h"

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

/* connack.properties as the codec's tree (mqtt_props_json), from the kept copy. */
static cJSON *props_or_null(const struct fref *ref)
{
	const struct mqtt_props_rec *pr = mqtt_props_rec_of(ref);

	return pr ? mqtt_props_json(&pr->p) : cJSON_CreateNull();
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
	kadd(c, "properties", props_or_null(&r->connack_props));
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

/* ---- the tls block, as the TLS layer built it before it kept a typed tls_info ---- */

/* A DN as {"CN": "...", ...}: a value holding NUL as "<key>_b64" where it stands; other
 * values by key, a repeated key turning into an array (sanitize_tree() then handles bytes
 * that are not UTF-8). */
static void add_dn_part(cJSON *o, const struct tls_dn_part *p)
{
	cJSON *old;
	char *v;

	if (memchr(p->val.p, 0, p->val.len)) {
		json_add_bytes(o, p->key, p->val.p, p->val.len);
		return;
	}
	v = (char *)p->val.p; /* NUL-terminated by mbytes_set */
	old = cJSON_GetObjectItemCaseSensitive(o, p->key);
	if (!old) {
		cJSON_AddStringToObject(o, p->key, v);
		return;
	}
	if (!cJSON_IsArray(old)) {
		cJSON *arr = cJSON_CreateArray();
		if (!arr)
			return;
		cJSON_AddItemToArray(arr, cJSON_Duplicate(old, 0));
		cJSON_ReplaceItemInObjectCaseSensitive(o, p->key, arr);
		old = arr;
	}
	cJSON_AddItemToArray(old, cJSON_CreateString(v));
}

static cJSON *dn_json(const struct vec *parts)
{
	cJSON *o = cJSON_CreateObject();
	const struct tls_dn_part *p = parts->p;

	for (size_t i = 0; o && i < parts->n; i++)
		add_dn_part(o, &p[i]);
	return o;
}

static void add_san_json(cJSON *o, const struct tls_cert *c)
{
	cJSON *san = kadd(o, "san", cJSON_CreateObject());
	cJSON *dns = san ? kadd(san, "dns", cJSON_CreateArray()) : NULL;
	cJSON *ip = san ? kadd(san, "ip", cJSON_CreateArray()) : NULL;

	for (uint32_t i = 0; dns && i < c->san_dns.n; i++) {
		const struct mbytes *m = &c->san_dns.v[i];
		if (memchr(m->p, 0, m->len)) {
			cJSON *w = cJSON_CreateObject();
			if (w)
				json_add_bytes(w, "dns", m->p, m->len);
			cJSON_AddItemToArray(dns, w);
		} else {
			cJSON_AddItemToArray(dns, cJSON_CreateString((const char *)m->p));
		}
	}
	for (uint32_t i = 0; ip && i < c->san_ip.n; i++)
		cJSON_AddItemToArray(ip, cJSON_CreateString((const char *)c->san_ip.v[i].p));
}

static cJSON *cert_json(const struct tls_cert *c)
{
	static const char *const fp_names[] = {"sha1", "sha256", "sha512", "md5"};
	const char *fps[] = {c->sha1, c->sha256, c->sha512, c->md5};
	cJSON *o = cJSON_CreateObject(), *fp;

	if (!o)
		return NULL;
	kadd(o, "subject", dn_json(&c->subject));
	kadd(o, "issuer", dn_json(&c->issuer));
	add_san_json(o, c);
	if (c->serial)
		cJSON_AddStringToObject(o, "serial", c->serial);
	if (c->not_before[0])
		cJSON_AddStringToObject(o, "not_before", c->not_before);
	if (c->not_after[0])
		cJSON_AddStringToObject(o, "not_after", c->not_after);
	fp = kadd(o, "fingerprints", cJSON_CreateObject());
	for (size_t i = 0; fp && i < 4; i++)
		if (fps[i][0])
			cJSON_AddStringToObject(fp, fp_names[i], fps[i]);
	if (c->has_key) {
		cJSON_AddStringToObject(o, "key_type", c->key_type ? c->key_type : "");
		cJSON_AddNumberToObject(o, "key_bits", c->key_bits);
	}
	if (c->key_curve[0])
		cJSON_AddStringToObject(o, "key_curve", c->key_curve);
	if (c->has_key)
		cJSON_AddStringToObject(o, "signature_algorithm",
					c->signature_algorithm ? c->signature_algorithm : "");
	cJSON_AddNumberToObject(o, "version", (double)c->version);
	return o;
}

static cJSON *legacy_json(int legacy)
{
	return legacy < 0 ? cJSON_CreateNull() : cJSON_CreateBool(legacy == 1);
}

static void add_cert_facts(cJSON *o, const struct tls_info *t)
{
	const struct tls_verdicts *v = &t->v;
	cJSON *vj;

	kadd(o, "certificate", cert_json(t->cert));
	cJSON_AddNumberToObject(o, "chain_length", t->chain_length);
	if (t->insecure)
		cJSON_AddStringToObject(o, "verification", "skipped (--insecure)");
	else if (t->verify_error)
		cJSON_AddStringToObject(o, "verify_error", t->verify_error);
	vj = kadd(o, "verdicts", cJSON_CreateObject());
	if (!vj)
		return;
	cJSON_AddBoolToObject(vj, "self_signed", v->self_signed);
	cJSON_AddBoolToObject(vj, "expired", v->expired);
	cJSON_AddBoolToObject(vj, "not_yet_valid", v->not_yet_valid);
	cJSON_AddBoolToObject(vj, "hostname_mismatch", v->hostname_mismatch);
	cJSON_AddBoolToObject(vj, "chain_verified", v->chain_verified);
	cJSON_AddBoolToObject(vj, "weak_key", v->weak_key);
	kadd(vj, "legacy_protocols", legacy_json(t->legacy));
}

static cJSON *tls_json(const struct tls_info *t)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddBoolToObject(o, "handshake_ok", t->handshake_ok);
	if (t->facts) {
		cJSON_AddStringToObject(o, "version", t->version);
		cJSON_AddStringToObject(o, "cipher", t->cipher);
	}
	if (t->psk)
		cJSON_AddBoolToObject(o, "psk", true);
	if (t->cert)
		add_cert_facts(o, t);
	if (t->legacy_version)
		cJSON_AddStringToObject(o, "legacy_version", t->legacy_version);
	if (!t->cert && t->legacy >= 0)
		cJSON_AddBoolToObject(o, "legacy_protocols", t->legacy == 1);
	cJSON_AddBoolToObject(o, "client_cert_requested", t->client_cert_requested);
	cJSON_AddBoolToObject(o, "client_cert_sent", t->client_cert_sent);
	cJSON_AddBoolToObject(o, "client_cert_required", t->client_cert_required);
	if (t->alert >= 0) {
		cJSON *a = cJSON_AddObjectToObject(o, "alert");
		if (a) {
			cJSON_AddNumberToObject(a, "code", t->alert);
			cJSON_AddStringToObject(a, "name", t->alert_name ? t->alert_name : "");
		}
	}
	if (t->sni)
		cJSON_AddStringToObject(o, "sni", t->sni);
	if (t->error)
		cJSON_AddStringToObject(o, "error", t->error);
	return o;
}

/* ---- the websocket block, as the WebSocket layer built it before ws_info ---- */

static void add_ws_response(cJSON *w, const struct ws_response_rec *r)
{
	const struct ws_header_rec *hv = r->headers.p;
	cJSON *h;

	cJSON_AddNumberToObject(w, "http_status", r->http_status);
	cJSON_AddStringToObject(w, "status_line", r->status_line ? r->status_line : "");
	if (r->server)
		cJSON_AddStringToObject(w, "server", r->server);
	if (r->subprotocol)
		cJSON_AddStringToObject(w, "subprotocol", r->subprotocol);
	cJSON_AddBoolToObject(w, "accept_ok", r->accept_ok);
	h = cJSON_AddArrayToObject(w, "headers");
	for (size_t i = 0; h && i < r->headers.n; i++) {
		cJSON *kv = cJSON_CreateArray();
		if (!kv)
			break;
		cJSON_AddItemToArray(kv, cJSON_CreateString(hv[i].name ? hv[i].name : ""));
		cJSON_AddItemToArray(kv, cJSON_CreateString(hv[i].value ? hv[i].value : ""));
		cJSON_AddItemToArray(h, kv);
	}
	if (r->headers_truncated)
		cJSON_AddBoolToObject(w, "headers_truncated", true);
}

static cJSON *ws_json(const struct ws_info *w)
{
	const struct ws_try_rec *tv = w->tried.p;
	cJSON *o = cJSON_CreateObject(), *tried;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "path", w->path ? w->path : "");
	cJSON_AddBoolToObject(o, "upgraded", w->upgraded);
	cJSON_AddStringToObject(o, "request_subprotocols",
				w->request_subprotocols ? w->request_subprotocols : "");
	if (w->resp.have)
		add_ws_response(o, &w->resp);
	tried = cJSON_AddArrayToObject(o, "paths_tried");
	for (size_t i = 0; tried && i < w->tried.n; i++) {
		cJSON *t = cJSON_CreateObject();
		if (!t)
			break;
		cJSON_AddStringToObject(t, "path", tv[i].path ? tv[i].path : "");
		if (tv[i].status)
			cJSON_AddNumberToObject(t, "status", tv[i].status);
		else
			cJSON_AddNullToObject(t, "status");
		cJSON_AddItemToArray(tried, t);
	}
	if (w->counted) {
		cJSON_AddNumberToObject(o, "frames_received", (double)w->frames);
		cJSON_AddNumberToObject(o, "messages_received", (double)w->messages);
	}
	if (w->close_code >= 0)
		cJSON_AddNumberToObject(o, "close_code", w->close_code);
	if (w->error)
		cJSON_AddStringToObject(o, "error", w->error);
	return o;
}

/* ---- the http block, as the dashboard probe built it before http_result ---- */

static cJSON *http_path_json(const struct http_path_rec *p)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "path", p->path ? p->path : "");
	if (p->request == FPR_WS || p->request == FPR_WS_MQTT)
		cJSON_AddStringToObject(o, "request",
					p->request == FPR_WS_MQTT ? "websocket-mqtt" : "websocket");
	cJSON_AddNumberToObject(o, "status", p->status);
	if (p->server)
		cJSON_AddStringToObject(o, "server", p->server);
	if (p->content_type)
		cJSON_AddStringToObject(o, "content_type", p->content_type);
	if (p->location)
		cJSON_AddStringToObject(o, "location", p->location);
	if (p->bytes)
		cJSON_AddNumberToObject(o, "bytes", (double)p->bytes);
	if (p->truncated)
		cJSON_AddBoolToObject(o, "truncated", true);
	if (p->ws_close_code >= 0)
		cJSON_AddNumberToObject(o, "ws_close_code", p->ws_close_code);
	if (p->ws_data)
		cJSON_AddBoolToObject(o, "ws_data", true);
	if (p->ws_protocol)
		cJSON_AddStringToObject(o, "ws_protocol", p->ws_protocol);
	if (p->marker)
		cJSON_AddStringToObject(o, "marker", p->marker);
	if (p->error)
		cJSON_AddStringToObject(o, "error", p->error);
	return o;
}

static cJSON *http_login_json(const struct http_login_rec *l)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "product", l->product ? l->product : "");
	cJSON_AddStringToObject(o, "path", l->path ? l->path : "");
	cJSON_AddStringToObject(o, "method", l->method == 1 ? "POST" : "GET");
	cJSON_AddStringToObject(o, "username", l->username ? l->username : "");
	cJSON_AddNumberToObject(o, "status", l->status);
	cJSON_AddBoolToObject(o, "accepted", l->accepted);
	return o;
}

static cJSON *http_json(const struct http_result *h)
{
	const struct http_path_rec *pv = h->paths.p;
	const struct http_login_rec *lv = h->logins.p;
	cJSON *o = cJSON_CreateObject(), *a;

	if (!o)
		return NULL;
	if (h->product)
		cJSON_AddStringToObject(o, "product", h->product);
	else
		cJSON_AddNullToObject(o, "product");
	if (h->product_id)
		cJSON_AddStringToObject(o, "product_id", h->product_id);
	if (h->version[0])
		cJSON_AddStringToObject(o, "version", h->version);
	else
		cJSON_AddNullToObject(o, "version");
	cJSON_AddStringToObject(o, "auth", http_auth_word(h->auth));
	a = cJSON_AddArrayToObject(o, "paths");
	for (size_t i = 0; a && i < h->paths.n; i++)
		cJSON_AddItemToArray(a, http_path_json(&pv[i]));
	a = cJSON_AddArrayToObject(o, "mqtt_ws_endpoints");
	for (uint32_t i = 0; a && i < h->ws_endpoints.n; i++) {
		const struct mbytes *m = &h->ws_endpoints.v[i];
		if (m->p && memchr(m->p, 0, m->len)) { /* the probe makes none: as the walker writes it */
			cJSON *w = cJSON_CreateObject();
			char *b = record_b64(m->p, m->len);
			if (w && b)
				cJSON_AddStringToObject(w, "b64", b);
			free(b);
			cJSON_AddItemToArray(a, w);
		} else {
			cJSON_AddItemToArray(a, cJSON_CreateString(m->p ? (const char *)m->p : ""));
		}
	}
	if (h->logins.n && (a = cJSON_AddArrayToObject(o, "default_logins")))
		for (size_t i = 0; i < h->logins.n; i++)
			cJSON_AddItemToArray(a, http_login_json(&lv[i]));
	return o;
}

/* ---- the smb block, as the SMB probe built it before smb_result ---- */

static cJSON *smb_files_json(const struct smb_share *sh)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t i = 0; a && i < sh->nfiles; i++) {
		const struct smb_file *f = &sh->files[i];
		cJSON *o = cJSON_CreateObject();
		if (!o)
			break;
		cJSON_AddStringToObject(o, "path", f->path ? f->path : "");
		cJSON_AddNumberToObject(o, "size", (double)f->size);
		cJSON_AddStringToObject(o, "what", f->what ? f->what : "");
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *smb_share_json(const struct smb_share *sh)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "name", sh->name ? sh->name : "");
	if (sh->guessed)
		cJSON_AddBoolToObject(o, "guessed", true);
	cJSON_AddStringToObject(o, "access", fenum_name(&smb_access_enum, (int)sh->access));
	if (sh->access == SMB_ACCESS_ERROR && sh->error)
		cJSON_AddStringToObject(o, "error", sh->error);
	if (sh->access != SMB_ACCESS_GUEST)
		return o;
	cJSON_AddStringToObject(o, "session", fenum_name(&smb_session_enum, (int)sh->session));
	cJSON_AddNumberToObject(o, "entries", sh->entries);
	cJSON_AddItemToObject(o, "files", smb_files_json(sh));
	return o;
}

static cJSON *smb_json(const struct smb_result *s)
{
	const struct smb_share *sh = s->shares.p;
	cJSON *o = cJSON_CreateObject(), *a;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "share_listing", fenum_name(&smb_listing_enum, (int)s->listing));
	a = cJSON_AddArrayToObject(o, "shares");
	for (size_t i = 0; a && i < s->shares.n; i++) {
		cJSON *x = smb_share_json(&sh[i]);
		if (x)
			cJSON_AddItemToArray(a, x);
	}
	if (s->secrets == SMB_SECRETS_REFUSED)
		cJSON_AddStringToObject(o, "read_secrets", "refused: the host was not named (part of a range)");
	else if (s->secrets == SMB_SECRETS_READ)
		cJSON_AddNumberToObject(o, "secrets_read", s->secrets_read);
	return o;
}

/* ---- acl and accounts, as the MQTT probe built them before mqtt_access_rec ---- */

static cJSON *acl_json(const struct acl_rec *m)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t i = 0; a && i < m->n; i++) {
		const struct acl_rec_row *r = &m->rows[i];
		cJSON *o = cJSON_CreateObject();
		if (!o)
			break;
		cJSON_AddStringToObject(o, "filter", r->filter ? r->filter : "");
		cJSON_AddStringToObject(o, "read", acl_read_str(r->read));
		cJSON_AddStringToObject(o, "write", acl_write_str(r->write));
		if (r->suback != ACL_NO_CODE)
			cJSON_AddNumberToObject(o, "suback", r->suback);
		if (r->write_topic)
			cJSON_AddStringToObject(o, "write_topic", r->write_topic);
		if (r->puback != ACL_NO_CODE)
			cJSON_AddNumberToObject(o, "puback", r->puback);
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static cJSON *accounts_json(const struct mqtt_access_rec *m)
{
	cJSON *arr = cJSON_CreateArray();

	for (uint32_t i = 0; arr && i < m->naccounts; i++) {
		const struct access_account_rec *a = &m->accounts[i];
		cJSON *o = cJSON_CreateObject();
		if (!o)
			break;
		cJSON_AddItemToObject(o, "user", a->user ? cJSON_CreateString(a->user) : cJSON_CreateNull());
		cJSON_AddStringToObject(o, "auth", auth_str(a->auth));
		cJSON_AddStringToObject(o, "read_access", read_access_str(a->read_access));
		cJSON_AddStringToObject(o, "write_access", write_access_str(a->write_access));
		cJSON_AddNumberToObject(o, "messages", (double)a->messages);
		if (a->mapped)
			cJSON_AddItemToObject(o, "acl", acl_json(&a->acl));
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static void add_access(cJSON *o, const struct mqtt_access_rec *m)
{
	if (m->mapped)
		kadd(o, "acl", acl_json(&m->acl));
	if (m->naccounts)
		kadd(o, "accounts", accounts_json(m));
}

/* ---- the amqp block, as the AMQP probe built it before amqp_info ---- */

static void amqp_prop(cJSON *o, const char *k, const struct amqp_str *v)
{
	if (v->present)
		cJSON_AddStringToObject(o, k, v->s);
}

static void amqp_list(cJSON *o, const char *k, const struct strlist *l)
{
	cJSON *a = cJSON_AddArrayToObject(o, k);

	for (uint32_t i = 0; a && i < l->n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(l->v[i].p ? (const char *)l->v[i].p : ""));
}

static cJSON *amqp_json(const struct amqp_info *b)
{
	cJSON *o = cJSON_CreateObject();
	char proto[sizeof(b->protocol) + 1], loc[sizeof(b->locales) + 1];

	if (!o)
		return NULL;
	snprintf(proto, sizeof(proto), "%.*s", (int)sizeof(b->protocol), b->protocol);
	snprintf(loc, sizeof(loc), "%.*s", (int)sizeof(b->locales), b->locales);
	cJSON_AddStringToObject(o, "protocol", proto);
	cJSON_AddStringToObject(o, "answer", fenum_name(&amqp_answer_enum, (int)b->answer));
	amqp_prop(o, "product", &b->product);
	amqp_prop(o, "version", &b->version);
	amqp_prop(o, "platform", &b->platform);
	amqp_prop(o, "cluster_name", &b->cluster_name);
	amqp_prop(o, "copyright", &b->copyright);
	amqp_prop(o, "information", &b->information);
	if (b->mechanisms.n)
		amqp_list(o, "mechanisms", &b->mechanisms);
	if (loc[0])
		cJSON_AddStringToObject(o, "locales", loc);
	if (b->capabilities.n)
		amqp_list(o, "capabilities", &b->capabilities);
	if (b->sasl_asked)
		amqp_list(o, "sasl_mechanisms", &b->sasl_mechanisms);
	return o;
}

/* ---- the host summary, as the engine built it before struct host_summary ---- */

static void add_host_summary(cJSON *o, const struct host_summary *h)
{
	const struct host_service *sv = h->services.p;
	cJSON *svc = cJSON_AddArrayToObject(o, "services"), *rk, *cats;
	char probe[sizeof(sv->probe) + 1];

	for (size_t i = 0; svc && i < h->services.n; i++) {
		cJSON *s = cJSON_CreateObject();
		if (!s)
			break;
		memcpy(probe, sv[i].probe, sizeof(sv[i].probe));
		probe[sizeof(sv[i].probe)] = 0;
		cJSON_AddStringToObject(s, "probe", probe);
		cJSON_AddNumberToObject(s, "port", sv[i].port);
		cJSON_AddStringToObject(s, "transport", fenum_name(&msw_transport_enum, sv[i].transport));
		cJSON_AddStringToObject(s, "status", fenum_name(&msw_status_enum, sv[i].status));
		cJSON_AddStringToObject(s, "auth", sv[i].access ? sv[i].access : "");
		if (sv[i].worst >= 0)
			cJSON_AddStringToObject(s, "worst_severity", severity_str((enum msw_severity)sv[i].worst));
		else
			cJSON_AddNullToObject(s, "worst_severity");
		cJSON_AddItemToArray(svc, s);
	}
	if (!(rk = cJSON_AddObjectToObject(o, "risk")))
		return;
	if (h->worst >= 0)
		cJSON_AddStringToObject(rk, "worst_severity", severity_str((enum msw_severity)h->worst));
	else
		cJSON_AddNullToObject(rk, "worst_severity");
	cats = cJSON_AddObjectToObject(rk, "findings_by_category");
	for (int i = 0; cats && i < CAT__COUNT; i++)
		if (h->cats[i])
			cJSON_AddNumberToObject(cats, category_str((enum msw_category)i), h->cats[i]);
	cJSON_AddStringToObject(rk, "chain", h->chain ? h->chain : "");
}

/* ---- the classifier's members, as cls_finish() built them before they were typed ---- */

/* A list of texts as strings (sanitize_tree() turns one that is not UTF-8 into
 * {"b64": ...}; a C string holds no NUL, exact bytes that do are {"b64": ...} here). */
static cJSON *strlist_json(const struct strlist *l)
{
	cJSON *a = cJSON_CreateArray();

	for (uint32_t i = 0; a && i < l->n; i++) {
		const struct mbytes *m = &l->v[i];
		cJSON *e;

		if (m->p && memchr(m->p, 0, m->len)) {
			char *b = record_b64(m->p, m->len);
			e = cJSON_CreateObject();
			if (e && b)
				cJSON_AddStringToObject(e, "b64", b);
			free(b);
		} else {
			e = cJSON_CreateString(m->p ? (const char *)m->p : "");
		}
		cJSON_AddItemToArray(a, e);
	}
	return a;
}

static void add_fingerprint(cJSON *o, const char *key, const char *kn, const char *kc,
			    const struct cls_fingerprint *fp)
{
	char *hex;

	if (!fp->n)
		return;
	hex = hex_encode(fp->hash, sizeof(fp->hash));
	kadd(o, key, cJSON_CreateString(hex ? hex : ""));
	free(hex);
	kadd(o, kn, cJSON_CreateNumber((double)fp->n));
	if (fp->capped)
		kadd(o, kc, cJSON_CreateTrue());
}

static void add_cls_result(cJSON *o, const struct cls_result *c)
{
	if (c->tags.n)
		kadd(o, "tags", strlist_json(&c->tags));
	if (c->honeypot) {
		cJSON *h = kadd(o, "honeypot", cJSON_CreateObject());
		if (h) {
			kadd(h, "likelihood", lit_str(fenum_name(&cls_hp_likelihood_enum, (int)c->hp_likelihood)));
			kadd(h, "signals", strlist_json(&c->hp_signals));
		}
	}
	add_fingerprint(o, "retained_fingerprint", "retained_fingerprint_n",
			"retained_fingerprint_capped", &c->retained);
	add_fingerprint(o, "sys_fingerprint", "sys_fingerprint_n", "sys_fingerprint_capped",
			&c->sys);
	if (c->sys_identity)
		json_add_cstr(o, "sys_identity", c->sys_identity);
	if (c->findings_dropped)
		kadd(o, "findings_dropped", cJSON_CreateNumber(c->findings_dropped));
}

/* The parts built above from typed blocks, as their layers built them (CONNACK
 * properties, tls, websocket, ...), may hold peer strings: any value that is not valid UTF-8 becomes "<key>_b64" (or, inside an array,
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
	const struct tls_info *tls = record_block(r, &tls_table);
	if (tls)
		kadd(o, "tls", tls_json(tls));
	const struct ws_info *ws = record_block(r, &ws_table);
	if (ws)
		kadd(o, "websocket", ws_json(ws));
	kadd(o, "duration_ms", cJSON_CreateNumber((double)(r->duration_ms > 0 ? r->duration_ms : 0)));
	json_add_cstr(o, "error", r->error);
	/* the tail's blocks, in rank order */
	const struct http_result *http = record_block(r, &http_table);
	if (http)
		kadd(o, "http", http_json(http));
	const struct smb_result *smb = record_block(r, &smb_table);
	if (smb)
		kadd(o, "smb", smb_json(smb));
	const struct mqtt_access_rec *acc = record_block(r, &mqtt_access_table);
	if (acc)
		add_access(o, acc);
	const struct amqp_info *amqp = record_block(r, &amqp_table);
	if (amqp)
		kadd(o, "amqp", amqp_json(amqp));
	const struct cls_result *cr = record_block(r, &cls_result_table);
	if (cr)
		add_cls_result(o, cr);
	const struct host_summary *hs = record_block(r, &host_summary_table);
	if (hs)
		add_host_summary(o, hs);
	sanitize_tree(o, 0);
	return o;
}
