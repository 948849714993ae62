/* record_text() writes exactly jsonw_append(record_to_json()): for a default record, a
 * record with every field, _b64 fallbacks everywhere, a typed tls block with hostile
 * certificate names (NUL, bytes that are not UTF-8, repeated DN parts), and 3,000 random
 * records (typed blocks drawn too: tls, websocket, CONNACK properties, host summary, the
 * classifier's, smb, acl/accounts, amqp, http, their peer texts of any bytes). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/dbuf.h"
#include "output/jsonw.h"
#include "output/record.h"
#include "classify/cls_result.h"
#include "probes/http_result.h"
#include "probes/mqtt_props_rec.h"
#include "probes/amqp_rec.h"
#include "probes/mqtt_access_rec.h"
#include "probes/smb_result.h"
#include "transport/tlsinfo.h"
#include "transport/ws_info.h"
#include "test_rng.h"
#include "test_util.h"

static void same(const struct msw_record *r)
{
	struct dbuf a, b;
	cJSON *j = record_to_json(r, "9.9.9");

	assert_non_null(j);
	dbuf_init(&a, 1u << 26);
	dbuf_init(&b, 1u << 26);
	assert_int_equal(jsonw_append(&a, j), MSW_OK);
	assert_int_equal(record_text(r, "9.9.9", &b), MSW_OK);
	if (a.len != b.len || memcmp(a.p, b.p, a.len) != 0) {
		size_t i = 0;
		while (i < a.len && i < b.len && a.p[i] == b.p[i])
			i++;
		size_t from = i > 80 ? i - 80 : 0;
		fprintf(stderr, "differ at %zu (lengths %zu, %zu)\ntree: %.*s\ntext: %.*s\n", i,
			a.len, b.len, (int)((a.len < i + 80 ? a.len : i + 80) - from),
			(char *)a.p + from, (int)((b.len < i + 80 ? b.len : i + 80) - from),
			(char *)b.p + from);
		fail();
	}
	cJSON_Delete(j);
	dbuf_free(&a);
	dbuf_free(&b);
}

static void test_default(void **st)
{
	(void)st;
	struct msw_record r;
	record_init(&r, NULL);
	same(&r);
	record_free(&r);
	record_init(&r, "mqtt");
	r.kind = KIND_HOST;
	r.duration_ms = -5;
	same(&r);
	record_free(&r);
}

static const uint8_t BAD[] = {'a', 0xff, 'b', 0xc0, 0x80};

/* CONNACK properties of every type: text with NUL and bytes that are not UTF-8, binary,
 * more user properties than are kept. */
static void hostile_props(struct msw_record *r)
{
	struct mqtt_props p = {0};
	static const uint8_t bin[] = {0, 0xff, 0x10};

	p.present = 1ull << MQTT_P_REASON_STRING | 1ull << MQTT_P_AUTH_DATA |
		    1ull << MQTT_P_RECEIVE_MAXIMUM | 1ull << MQTT_P_USER_PROPERTY |
		    1ull << MQTT_P_SERVER_REFERENCE;
	p.v[MQTT_P_REASON_STRING].s = (struct slice){(const uint8_t *)"no \xff way", 8};
	p.v[MQTT_P_SERVER_REFERENCE].s = (struct slice){(const uint8_t *)"a\0b", 3};
	p.v[MQTT_P_AUTH_DATA].s = (struct slice){bin, sizeof(bin)};
	p.v[MQTT_P_RECEIVE_MAXIMUM].u = 65535;
	p.nuser = 20;
	for (int i = 0; i < MQTT_MAX_USER_PROPS; i++) {
		p.user_key[i] = (struct slice){(const uint8_t *)"k\xc3\xa9", 3};
		p.user_val[i] = (struct slice){(const uint8_t *)(i & 1 ? "v\xff" : "v\0w"), 3};
	}
	struct mqtt_props_rec *k = mqtt_props_keep(&p);
	assert_non_null(k);
	fref_set(&r->connack_props, &k->tbl, k); /* its own table: the rows present */
}

static void dn_add(struct vec *v, const char *k, const void *p, size_t n)
{
	struct tls_dn_part *d = vec_push(v);

	assert_non_null(d);
	if (!d)
		return;
	snprintf(d->key, sizeof(d->key), "%s", k);
	d->val = (struct mbytes){0};
	mbytes_set(&d->val, p, n);
}

/* A tls block with every field and hostile certificate names. */
static void hostile_tls(struct msw_record *r)
{
	struct tls_info *t = record_block_new(r, &tls_table);
	struct tls_cert *c = calloc(1, sizeof(*c));

	assert_non_null(t);
	assert_non_null(c);
	t->handshake_ok = true;
	t->facts = true;
	snprintf(t->version, sizeof(t->version), "TLSv1.2");
	snprintf(t->cipher, sizeof(t->cipher), "ECDHE-RSA-AES128-GCM-SHA256");
	t->psk = true;
	t->cert = c;
	vec_init(&c->subject, sizeof(struct tls_dn_part), 4, TLS_MAX_DN_PARTS);
	vec_init(&c->issuer, sizeof(struct tls_dn_part), 4, TLS_MAX_DN_PARTS);
	dn_add(&c->subject, "CN", "a\0b", 3);
	dn_add(&c->subject, "CN", "x\xff", 2);
	dn_add(&c->subject, "O", "\xff", 1);
	dn_add(&c->subject, "CN", "ok", 2);
	dn_add(&c->subject, "CN", "c\0", 2);
	dn_add(&c->subject, "L", "", 0);
	dn_add(&c->issuer, "CN", "ca", 2);
	strlist_add(&c->san_dns, "a.com\0.b.com", 12, TLS_MAX_SANS);
	strlist_add(&c->san_dns, "\xc3\x28", 2, TLS_MAX_SANS);
	strlist_add(&c->san_dns, "broker.test", 11, TLS_MAX_SANS);
	strlist_add(&c->san_ip, "127.0.0.1", 9, TLS_MAX_SANS);
	c->serial = strdup("-26cd29b3");
	snprintf(c->not_after, sizeof(c->not_after), "2029-11-15T12:07:14Z");
	snprintf(c->sha1, sizeof(c->sha1), "b94eb9e38d6b930af509f43ed8aefa1bd613e369");
	c->has_key = true;
	c->key_type = "EC";
	c->key_bits = 256;
	snprintf(c->key_curve, sizeof(c->key_curve), "prime256v1");
	c->signature_algorithm = "ecdsa-with-SHA256";
	c->version = 3;
	t->chain_length = 2;
	t->verify_error = "unable to get local issuer certificate";
	t->v.self_signed = true;
	t->legacy = 0;
	t->legacy_version = "TLSv1";
	t->client_cert_requested = true;
	t->alert = 40;
	t->alert_name = "handshake_failure";
	t->sni = strdup("sni\xff");
	t->error = strdup("TLS handshake failed: \x01");
}

static void ws_header(struct ws_response_rec *rr, const char *k, const char *v)
{
	struct ws_header_rec *h = vec_push(&rr->headers);

	assert_non_null(h);
	h->name = strdup(k);
	h->value = strdup(v);
}

/* A websocket block with every field, hostile response text, and paths tried. */
static void hostile_ws(struct msw_record *r)
{
	struct ws_info *w = record_block_new(r, &ws_table);
	struct ws_try_rec *t;

	assert_non_null(w);
	w->path = strdup("/mq\xfftt");
	w->upgraded = true;
	w->request_subprotocols = "mqtt, mqttv3.1";
	ws_response_rec_init(&w->resp);
	w->resp.have = true;
	w->resp.http_status = 101;
	w->resp.status_line = strdup("HTTP/1.1 101 \xc3\x28");
	w->resp.server = strdup("mock/1");
	w->resp.accept_ok = true;
	ws_header(&w->resp, "Server", "mock/1");
	ws_header(&w->resp, "X-\xff", "v\x01\xfe");
	w->resp.headers_truncated = true;
	vec_init(&w->tried, sizeof(struct ws_try_rec), 4, WS_MAX_TRIES_REC);
	t = vec_push(&w->tried);
	t->path = strdup("/");
	t->status = 404;
	t = vec_push(&w->tried);
	t->path = strdup("/mqtt");
	w->counted = true;
	w->frames = 5000000000ull;
	w->messages = 3;
	w->close_code = 1000;
	w->error = strdup("websocket upgrade: \xff");
}

/* The classifier's block with every member. */
static void hostile_cls(struct msw_record *r)
{
	struct cls_result *c = record_block_new(r, &cls_result_table);

	assert_non_null(c);
	strlist_add(&c->tags, "public_test_broker", 18, CLS_RESULT_MAX_TAGS);
	strlist_add(&c->tags, "x\xff", 2, CLS_RESULT_MAX_TAGS);
	strlist_add(&c->tags, "a\0b", 3, CLS_RESULT_MAX_TAGS);
	strlist_add(&c->tags, "", 0, CLS_RESULT_MAX_TAGS);
	c->honeypot = true;
	c->hp_likelihood = CLS_HP_WEAK;
	strlist_add(&c->hp_signals, "connack_changed", 15, CLS_RESULT_MAX_SIGNALS);
	for (int i = 0; i < 16; i++) {
		c->retained.hash[i] = (uint8_t)(i * 17);
		c->sys.hash[i] = (uint8_t)(255 - i);
	}
	c->retained.n = 4096;
	c->retained.capped = true;
	c->sys.n = 1;
	c->sys.capped = false;
	c->sys_identity = strdup("node\xc3\x28@host");
	c->findings_dropped = 4294967295u;
}

/* An http block with every field, hostile header and endpoint bytes, and logins. */
static void hostile_http(struct msw_record *r)
{
	struct http_result *h = record_block_new(r, &http_table);
	struct http_path_rec *p;
	struct http_login_rec *l;

	http_result_init(h);
	h->product = strdup("Node-RED \xff");
	h->product_id = strdup("node_red");
	snprintf(h->version, sizeof(h->version), "4.0\xc3");
	h->auth = FP_AUTH_OPEN;
	p = vec_push(&h->paths);
	p->path = strdup("/settings");
	p->status = 200;
	p->server = strdup("srv\xc0\x80");
	p->content_type = strdup("application/json");
	p->location = strdup("\"/x\\");
	p->bytes = (1ull << 60) + 3;
	p->truncated = true;
	p->ws_close_code = -1;
	p->marker = strdup("httpNodeRoot&version");
	p = vec_push(&h->paths);
	p->path = strdup("/comms");
	p->request = FPR_WS;
	p->status = 101;
	p->ws_close_code = 0;
	p->ws_data = true;
	p->ws_protocol = strdup("mqtt\xfe");
	p->error = strdup("timed out");
	p = vec_push(&h->paths);
	p->path = strdup("");
	p->request = 7; /* no upgrade this probe knows: not written */
	p->ws_close_code = 65535;
	strlist_add(&h->ws_endpoints, "ws://127.0.0.1:9001/mqtt", 24, 8);
	strlist_add(&h->ws_endpoints, "ws://h\xff:1/", sizeof("ws://h\xff:1/") - 1, 8);
	strlist_add(&h->ws_endpoints, "wss://a\0b/", sizeof("wss://a\0b/") - 1, 8);
	l = vec_push(&h->logins);
	l->product = strdup("node_red");
	l->path = strdup("/auth/token");
	l->method = 1;
	l->username = strdup("adm\xffin");
	l->status = 401;
	l = vec_push(&h->logins);
	l->method = 5; /* out of the vocabulary: its fallback */
	l->accepted = true;
}

static void test_full(void **st)
{
	(void)st;
	struct msw_record r;
	record_init(&r, "mq\xfftt");
	snprintf(r.scan_id, sizeof(r.scan_id), "abc");
	r.start_us = 1764000000123456;
	snprintf(r.ip, sizeof(r.ip), "127.0.0.1");
	snprintf(r.source_ip, sizeof(r.source_ip), "127.0.0.1");
	r.port = 1883;
	r.hostname = strdup("h\xc3\xa9\"\n\x01");
	r.auth_identity = strdup("us\xff" "er"); /* not UTF-8: auth_identity_b64 */
	r.transport = TRANSPORT_WSS;
	r.transport_security = TSEC_TLS_VERIFIED;
	r.status = ST_SUCCESS;
	r.error = strdup("bad \xff");
	r.mqtt = true;
	snprintf(r.mqtt_version, sizeof(r.mqtt_version), "5.0");
	r.auth = AUTH_ANONYMOUS;
	r.connack_code = 0x9D;
	uint8_t big[1500];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	mbytes_set(&r.connack_raw, big, sizeof(big));
	hostile_props(&r);
	r.versions = (struct msw_versions){.set = true, .planned = 5, .v = {VR_ACCEPTED, 0, 99}};
	r.read_access = READ_GRANTED_WITH_DATA;
	r.write_access = WRITE_CONFIRMED;
	r.broker_product = strdup("mosquitto");
	r.broker_version = strdup("2.0\xff");
	record_add_evidence(&r, "$SYS/broker/version", "2.0\xff");
	record_add_evidence(&r, "s\x01\"", "");
	struct msw_topic *t = record_topic(&r, BAD, sizeof(BAD), 10);
	t->retained = true;
	t->messages = 3;
	t->bytes = 5000000000ull;
	mbytes_set(&t->sample, "s\0x", 3);
	t = record_topic(&r, (const uint8_t *)"home/door", 9, 10);
	mbytes_set(&t->sample, "open", 4);
	t->sample_truncated = true;
	record_topic(&r, (const uint8_t *)"", 0, 10);
	r.topic_count = 7;
	r.sys_topic_count = 2;
	r.retained_count = 1;
	r.messages_total = 1ull << 40;
	r.bytes_total = 99;
	r.topics_truncated = true;
	struct msw_finding f = {.id = "x.y",
				.category = CAT_CREDENTIAL,
				.severity = SEV_CRITICAL,
				.confidence = CONF_INFERRED,
				.cwe = 798,
				.title = "T \xff",
				.evidence = "{\"a\":1}",
				.remediation = "fix",
				.reproduce = NULL};
	mbytes_set(&f.topic, BAD, sizeof(BAD));
	record_add_finding(&r, &f);
	mbytes_free(&f.topic);
	struct msw_finding g = {0};
	record_add_finding(&r, &g);
	hostile_tls(&r);
	hostile_ws(&r);
	hostile_cls(&r);
	hostile_http(&r);
	r.duration_ms = 1234;
	same(&r);
	/* every _b64 form of the envelope's names, and the plain forms */
	free(r.error);
	r.error = strdup("ok");
	free(r.hostname);
	r.hostname = NULL;
	free(r.auth_identity);
	r.auth_identity = strdup("tester");
	same(&r);
	record_free(&r);
}

/* ---- random records ---- */


static void rnd_bytes(uint8_t *p, size_t n)
{
	static const uint8_t pool[] = {'a', 'b', '"', '\\', '\n', 0x01, 0x7f, 0xc3, 0xa9,
				       0xff, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, '/', 0};
	for (size_t i = 0; i < n; i++)
		p[i] = pool[rnd(sizeof(pool))];
}

static char *rnd_cstr(size_t max)
{
	size_t n = rnd((uint32_t)max + 1);
	char *s = malloc(n + 1);
	rnd_bytes((uint8_t *)s, n);
	for (size_t i = 0; i < n; i++)
		s[i] = s[i] ? s[i] : 'z';
	s[n] = 0;
	return s;
}

static void rnd_mbytes(struct mbytes *m, size_t max)
{
	uint8_t buf[64];
	size_t n = rnd((uint32_t)(max < sizeof(buf) ? max : sizeof(buf)) + 1);

	rnd_bytes(buf, n);
	mbytes_set(m, buf, n);
}

/* DN parts: a few keys, often repeated; values with NUL, bytes that are not UTF-8, or
 * nothing. */
static void rnd_dn(struct vec *v)
{
	static const char *const keys[] = {"CN", "O", "OU", "emailAddress", "1.2.3.4.5"};

	vec_init(v, sizeof(struct tls_dn_part), 4, TLS_MAX_DN_PARTS);
	for (uint32_t i = 0, n = rnd(6); i < n; i++) {
		struct tls_dn_part *p = vec_push(v);
		if (!p)
			break;
		snprintf(p->key, sizeof(p->key), "%s", keys[rnd(5)]);
		p->val = (struct mbytes){0};
		rnd_mbytes(&p->val, 10);
	}
}

/* SAN names: DNS names may hold NUL (kept whole), addresses are inet_ntop's text (none). */
static void rnd_strlist(struct strlist *l, bool nul)
{
	for (uint32_t i = 0, n = rnd(4); i < n; i++) {
		struct mbytes m = {0};
		rnd_mbytes(&m, 12);
		for (size_t k = 0; !nul && k < m.len; k++)
			m.p[k] = m.p[k] ? m.p[k] : '0';
		strlist_add(l, m.p, m.len, TLS_MAX_SANS);
		mbytes_free(&m);
	}
}

static void rnd_hex(char *out, size_t cap)
{
	size_t n = rnd(2) ? cap - 1 : 0;
	for (size_t i = 0; i < n; i++)
		out[i] = "0123456789abcdef"[rnd(16)];
	out[n] = 0;
}

static struct tls_cert *rnd_cert(void)
{
	static const char *const words[] = {"RSA", "EC", "ED25519", "sha256WithRSAEncryption", NULL};
	struct tls_cert *c = calloc(1, sizeof(*c));

	rnd_dn(&c->subject);
	rnd_dn(&c->issuer);
	rnd_strlist(&c->san_dns, true);
	rnd_strlist(&c->san_ip, false);
	c->serial = rnd(3) ? rnd_cstr(8) : NULL;
	if (rnd(2))
		snprintf(c->not_before, sizeof(c->not_before), "2026-11-29T19:36:50Z");
	if (rnd(2))
		snprintf(c->not_after, sizeof(c->not_after), "2029-11-15T12:07:14Z");
	rnd_hex(c->sha1, sizeof(c->sha1));
	rnd_hex(c->sha256, sizeof(c->sha256));
	rnd_hex(c->sha512, sizeof(c->sha512));
	rnd_hex(c->md5, sizeof(c->md5));
	c->has_key = rnd(2);
	c->key_type = words[rnd(5)];
	c->key_bits = (int)rnd(5000) - 1;
	if (rnd(2))
		snprintf(c->key_curve, sizeof(c->key_curve), "prime256v1");
	c->signature_algorithm = words[rnd(5)];
	c->version = (long)rnd(5) - 1;
	return c;
}

/* A tls block with every field drawn, consistent or not (the table and the reference
 * tree must agree on any). */
static void rnd_tls(struct msw_record *r)
{
	static const char *const legacy[] = {NULL, "TLSv1", "TLSv1.1", "SSLv3"};
	struct tls_info *t = record_block_new(r, &tls_table);
	char *s;

	t->handshake_ok = rnd(2);
	t->facts = rnd(3);
	s = rnd_cstr(10);
	snprintf(t->version, sizeof(t->version), "%s", rnd(2) ? "TLSv1.3" : s);
	snprintf(t->cipher, sizeof(t->cipher), "%s", rnd(2) ? "TLS_AES_256_GCM_SHA384" : s);
	free(s);
	t->psk = !rnd(4);
	t->cert = rnd(3) ? rnd_cert() : NULL;
	t->chain_length = (int)rnd(4);
	t->insecure = !rnd(4);
	t->verify_error = rnd(2) ? "self-signed certificate" : NULL;
	t->v = (struct tls_verdicts){.self_signed = rnd(2), .expired = rnd(2), .not_yet_valid = rnd(2),
				     .hostname_mismatch = rnd(2), .chain_verified = rnd(2),
				     .weak_key = rnd(2)};
	t->legacy = (int)rnd(3) - 1;
	t->legacy_version = legacy[rnd(4)];
	t->client_cert_requested = rnd(2);
	t->client_cert_sent = rnd(2);
	t->client_cert_required = rnd(2);
	t->alert = (int)rnd(4) - 1;
	t->alert_name = rnd(3) ? "handshake_failure" : NULL;
	t->sni = rnd(2) ? rnd_cstr(10) : NULL;
	t->error = rnd(2) ? rnd_cstr(10) : NULL;
}

static void rnd_ws(struct msw_record *r)
{
	struct ws_info *w = record_block_new(r, &ws_table);

	w->path = rnd(4) ? rnd_cstr(8) : NULL;
	w->upgraded = rnd(2);
	w->request_subprotocols = rnd(4) ? "mqtt" : NULL;
	ws_response_rec_init(&w->resp);
	w->resp.have = rnd(2);
	w->resp.http_status = (int)rnd(600);
	w->resp.status_line = rnd(4) ? rnd_cstr(10) : NULL;
	w->resp.server = rnd(2) ? rnd_cstr(6) : NULL;
	w->resp.subprotocol = rnd(2) ? rnd_cstr(4) : NULL;
	w->resp.accept_ok = rnd(2);
	for (uint32_t i = 0, n = rnd(4); i < n; i++) {
		struct ws_header_rec *h = vec_push(&w->resp.headers);
		h->name = rnd(5) ? rnd_cstr(6) : NULL;
		h->value = rnd(5) ? rnd_cstr(6) : NULL;
	}
	w->resp.headers_truncated = rnd(2);
	vec_init(&w->tried, sizeof(struct ws_try_rec), 4, WS_MAX_TRIES_REC);
	for (uint32_t i = 0, n = rnd(4); i < n; i++) {
		struct ws_try_rec *t = vec_push(&w->tried);
		t->path = rnd(5) ? rnd_cstr(6) : NULL;
		t->status = rnd(2) ? (int)rnd(600) : 0;
	}
	w->counted = rnd(2);
	w->frames = rnd(2) ? rnd(100000) : (uint64_t)rnd(1000) << 30;
	w->messages = rnd(100);
	w->close_code = (int)rnd(3000) - 1;
	w->error = rnd(2) ? rnd_cstr(10) : NULL;
}

/* An http block with every field drawn (texts of any bytes but NUL). */
static void rnd_http(struct msw_record *r)
{
	struct http_result *h = record_block_new(r, &http_table);

	http_result_init(h);
	h->product = rnd(3) ? rnd_cstr(8) : NULL;
	h->product_id = rnd(3) ? rnd_cstr(8) : NULL;
	if (rnd(2)) {
		char *v = rnd_cstr(sizeof(h->version) - 1);
		memcpy(h->version, v, strlen(v) + 1);
		free(v);
	}
	h->auth = (int)rnd(4);
	for (uint32_t i = 0, n = rnd(5); i < n; i++) {
		struct http_path_rec *p = vec_push(&h->paths);
		p->path = rnd(6) ? rnd_cstr(8) : NULL;
		p->request = (int)rnd(4);
		p->status = (int)rnd(600);
		p->server = rnd(2) ? rnd_cstr(6) : NULL;
		p->content_type = rnd(2) ? rnd_cstr(6) : NULL;
		p->location = rnd(3) ? NULL : rnd_cstr(6);
		p->bytes = rnd(2) ? 0 : rnd(3) ? rnd(70000) : (uint64_t)rnd(1u << 30) << rnd(34);
		p->truncated = rnd(2);
		p->ws_close_code = rnd(3) ? (int)rnd(70000) - 1 : -1;
		p->ws_data = rnd(2);
		p->ws_protocol = rnd(3) ? NULL : rnd_cstr(4);
		p->marker = rnd(2) ? rnd_cstr(6) : NULL;
		p->error = rnd(4) ? NULL : rnd_cstr(6);
	}
	for (uint32_t i = 0, n = rnd(3); i < n; i++) {
		char *u = rnd_cstr(10);
		strlist_add(&h->ws_endpoints, u, strlen(u), 8);
		free(u);
	}
	for (uint32_t i = 0, n = rnd(2) ? 0 : rnd(4); i < n; i++) {
		struct http_login_rec *l = vec_push(&h->logins);
		l->product = rnd(5) ? rnd_cstr(6) : NULL;
		l->path = rnd(5) ? rnd_cstr(6) : NULL;
		l->method = (int)rnd(3);
		l->username = rnd(5) ? rnd_cstr(6) : NULL;
		l->status = (int)rnd(600);
		l->accepted = rnd(2);
	}
}

static struct slice rnd_slice(uint8_t *pool, size_t *used, size_t max)
{
	size_t n = rnd((uint32_t)max + 1);
	struct slice s = {.p = pool + *used, .len = n};

	rnd_bytes(pool + *used, n);
	*used += n;
	return s;
}

/* Properties drawn over every identifier the codec knows (values of any bytes). */
static void rnd_props(struct msw_record *r)
{
	uint8_t pool[2048];
	size_t used = 0;
	struct mqtt_props p = {0};

	for (int id = 1; id <= MQTT_P__MAX; id++) {
		int t = mqtt_prop_type(id);
		if (!t || rnd(3))
			continue;
		p.present |= 1ull << id;
		p.v[id].u = rnd(2) ? rnd(300) : 0xffffffffu - rnd(3);
		if (t == MP_UTF8 || t == MP_BINARY)
			p.v[id].s = rnd_slice(pool, &used, 8);
	}
	if (mqtt_props_has(&p, MQTT_P_USER_PROPERTY)) {
		p.nuser = rnd(MQTT_MAX_USER_PROPS + 4);
		for (uint32_t i = 0; i < p.nuser && i < MQTT_MAX_USER_PROPS; i++) {
			p.user_key[i] = rnd_slice(pool, &used, 6);
			p.user_val[i] = rnd_slice(pool, &used, 6);
		}
	}
	struct mqtt_props_rec *k = mqtt_props_keep(&p);
	/* the copy's own table (the rows present) or the whole one: the same JSON */
	fref_set(&r->connack_props, k && rnd(2) ? &k->tbl : &mqtt_props_table, k);
}

/* A host summary (depth host's record): services with the probes' words. */
static void rnd_host(struct msw_record *r)
{
	static const char *const words[] = {"open", "login_required", "unknown", "anonymous", NULL};
	struct host_summary *h = record_block_new(r, &host_summary_table);

	host_summary_init(h);
	for (uint32_t i = 0, n = rnd(5); i < n; i++) {
		struct host_service *s = vec_push(&h->services);
		char *p = rnd_cstr(rnd(2) ? 4 : 16);
		/* a probe's name as the engine copies it: NUL-terminated in its room */
		memcpy(s->probe, p, strlen(p) < sizeof(s->probe) ? strlen(p) : sizeof(s->probe) - 1);
		free(p);
		s->port = (uint16_t)rnd(65536);
		s->transport = (enum msw_transport)rnd(TRANSPORT__COUNT + 1);
		s->status = (enum msw_status)rnd(ST__COUNT + 1);
		s->access = words[rnd(5)];
		s->worst = (int)rnd(SEV__COUNT + 2) - 1;
	}
	h->worst = (int)rnd(SEV__COUNT + 2) - 1;
	for (int i = 0; i < CAT__COUNT; i++)
		h->cats[i] = rnd(3) ? 0 : rnd(100000);
	h->chain = rnd(4) ? rnd_cstr(20) : NULL;
}

/* The classifier's block: any words as tags and signals, fingerprints with or without a
 * set, a $SYS identity of any bytes but NUL (a C string), dropped counts up to 2^32 - 1. */
static void rnd_fp(struct cls_fingerprint *fp)
{
	if (rnd(3) == 0)
		return;
	for (size_t i = 0; i < sizeof(fp->hash); i++)
		fp->hash[i] = (uint8_t)rnd(256);
	fp->n = rnd(5) ? 1 + rnd(4096) : 0xffffffffu - rnd(2);
	fp->capped = rnd(2);
}

static void rnd_cls(struct msw_record *r)
{
	static const char *const words[] = {"public_test_broker", "acl_filtered", "likely_honeypot",
					    "honeypot_signal", "malformed_reply", "silent_accept"};
	struct cls_result *c = record_block_new(r, &cls_result_table);

	for (uint32_t i = 0, n = rnd(5); i < n; i++) {
		struct mbytes m = {0};
		const char *w = words[rnd(6)];
		if (rnd(4))
			mbytes_set(&m, w, strlen(w));
		else
			rnd_mbytes(&m, 8);
		strlist_add(&c->tags, m.p, m.len, CLS_RESULT_MAX_TAGS);
		mbytes_free(&m);
	}
	c->honeypot = rnd(2);
	c->hp_likelihood = (enum cls_hp_likelihood)rnd(CLS_HP__COUNT + 1);
	for (uint32_t i = 0, n = rnd(4); i < n; i++) {
		const char *w = words[rnd(6)];
		strlist_add(&c->hp_signals, w, strlen(w), CLS_RESULT_MAX_SIGNALS);
	}
	rnd_fp(&c->retained);
	rnd_fp(&c->sys);
	c->sys_identity = rnd(2) ? rnd_cstr(12) : NULL;
	c->findings_dropped = rnd(2) ? 0 : rnd(4) ? rnd(1000) : 0xffffffffu;
}

/* An smb block: share names and paths of any bytes but NUL (the server's), every access,
 * session and --read-secrets outcome, one past each vocabulary too, sizes up to 2^62. */
static void rnd_smb(struct msw_record *r)
{
	static const char *const what[] = {"plain-text passwords and API keys",
					   "home coordinates", NULL};
	struct smb_result *s = record_block_new(r, &smb_table);

	smb_result_init(s);
	s->listing = (enum smb_listing)rnd(SMB_LIST__COUNT + 1);
	for (uint32_t i = 0, n = rnd(5); i < n; i++) {
		char *name = rnd_cstr(rnd(4) ? 8 : 40);
		struct smb_share *sh = smb_result_add_share(s, name);
		free(name);
		sh->guessed = rnd(2);
		sh->access = (enum smb_access)rnd(SMB_ACCESS__COUNT + 1);
		sh->error = rnd(2) ? rnd_cstr(12) : NULL;
		sh->session = (enum smb_session)rnd(SMB_SESSION__COUNT + 1);
		sh->entries = rnd(2) ? rnd(600) : 0xffffffffu;
		sh->nfiles = rnd(4);
		sh->files = sh->nfiles ? calloc(sh->nfiles, sizeof(*sh->files)) : NULL;
		for (uint32_t k = 0; k < sh->nfiles; k++) {
			sh->files[k].path = rnd(5) ? rnd_cstr(20) : NULL;
			sh->files[k].size = rnd(2) ? rnd(100000) : (uint64_t)rnd(1u << 31) << rnd(32);
			sh->files[k].what = what[rnd(3)];
		}
	}
	s->secrets = (enum smb_secrets)rnd(3);
	s->secrets_read = rnd(20);
}

/* An access map: filters and write topics of any bytes but NUL, every verdict and one past
 * them, codes or none. */
static void rnd_acl(struct acl_rec *a)
{
	acl_rec_alloc(a, rnd(5));
	for (uint32_t i = 0; i < a->n; i++) {
		struct acl_rec_row *w = &a->rows[i];
		w->filter = rnd(8) ? rnd_cstr(12) : NULL;
		w->read = (uint8_t)rnd(ACL_READ_DENIED + 2);
		w->write = (uint8_t)rnd(ACL_WRITE_DENIED + 2);
		w->suback = rnd(3) ? (uint8_t)rnd(256) : ACL_NO_CODE;
		w->puback = rnd(3) ? (uint8_t)rnd(256) : ACL_NO_CODE;
		w->write_topic = rnd(2) ? rnd_cstr(16) : NULL;
	}
}

/* acl and accounts (user names of any bytes but NUL, or none; verdicts one past their
 * vocabularies too). */
static void rnd_access(struct msw_record *r)
{
	struct mqtt_access_rec *m = record_block_new(r, &mqtt_access_table);

	m->mapped = rnd(4);
	if (m->mapped || rnd(2))
		rnd_acl(&m->acl);
	if (rnd(2))
		return;
	m->naccounts = 1 + rnd(4);
	m->accounts = calloc(m->naccounts, sizeof(*m->accounts));
	for (uint32_t i = 0; i < m->naccounts; i++) {
		struct access_account_rec *a = &m->accounts[i];
		a->user = rnd(4) ? rnd_cstr(10) : NULL;
		a->auth = (enum msw_auth)rnd(AUTH__COUNT + 1);
		a->read_access = (enum msw_read_access)rnd(READ__COUNT + 1);
		a->write_access = (enum msw_write_access)rnd(WRITE__COUNT + 1);
		a->messages = rnd(2) ? rnd(1000) : (uint64_t)rnd(1u << 31) << rnd(33);
		a->mapped = rnd(2);
		if (a->mapped || rnd(3))
			rnd_acl(&a->acl);
	}
}

/* A word as the codec keeps it: any byte but NUL (mechanisms hold quotes and backslashes). */
static void rnd_word(struct strlist *l, uint32_t max)
{
	for (uint32_t i = 0, n = rnd(max + 1); i < n; i++) {
		char *w = rnd_cstr(8);
		strlist_add(l, w, strlen(w), max);
		free(w);
	}
}

static void rnd_amqp_str(struct amqp_str *p)
{
	char *s = rnd_cstr(rnd(8) ? 20 : sizeof(p->s) - 1);
	p->present = rnd(3);
	snprintf(p->s, sizeof(p->s), "%s", p->present || rnd(2) ? s : "");
	free(s);
}

static void rnd_amqp(struct msw_record *r)
{
	struct amqp_info *b = record_block_new(r, &amqp_table);
	char *s = rnd_cstr(sizeof(b->protocol) - 1);

	snprintf(b->protocol, sizeof(b->protocol), "%s", rnd(2) ? "0-9-1" : s);
	free(s);
	b->answer = (enum amqp_answer)rnd(AMQP_ANSWER__COUNT + 1);
	rnd_amqp_str(&b->product);
	rnd_amqp_str(&b->version);
	rnd_amqp_str(&b->platform);
	rnd_amqp_str(&b->cluster_name);
	rnd_amqp_str(&b->copyright);
	rnd_amqp_str(&b->information);
	rnd_word(&b->mechanisms, AMQP_MAX_MECHS);
	s = rnd_cstr(rnd(2) ? 0 : sizeof(b->locales) - 1);
	snprintf(b->locales, sizeof(b->locales), "%s", s);
	free(s);
	rnd_word(&b->capabilities, AMQP_MAX_CAPS);
	b->sasl_asked = rnd(2);
	rnd_word(&b->sasl_mechanisms, AMQP_MAX_MECHS);
}

static void rnd_record(struct msw_record *r)
{
	record_init(r, rnd(4) ? "mqtt" : NULL);
	if (rnd(3) == 0) {
		char *p = rnd_cstr(6);
		snprintf(r->probe, sizeof(r->probe), "%s", p);
		free(p);
	}
	r->kind = (enum msw_kind)rnd(KIND__COUNT + 1);
	r->start_us = (int64_t)rnd(2000000000) * 1000000 + rnd(1000000);
	r->port = (uint16_t)rnd(65536);
	r->hostname = rnd(2) ? rnd_cstr(10) : NULL;
	r->auth_identity = rnd(2) ? rnd_cstr(10) : NULL;
	r->error = rnd(2) ? rnd_cstr(10) : NULL;
	r->transport = (enum msw_transport)rnd(TRANSPORT__COUNT + 1);
	r->status = (enum msw_status)rnd(ST__COUNT + 1);
	r->transport_security = (enum msw_tsec)rnd(TSEC__COUNT + 1);
	r->auth = (enum msw_auth)rnd(AUTH__COUNT + 1); /* one past the table: its fallback */
	r->read_access = (enum msw_read_access)rnd(READ__COUNT + 1);
	r->write_access = (enum msw_write_access)rnd(WRITE__COUNT + 1);
	r->mqtt = rnd(2);
	if (rnd(2))
		snprintf(r->mqtt_version, sizeof(r->mqtt_version), "%s", rnd(2) ? "5.0" : "3.1.1");
	r->connack_code = (int)rnd(300) - 1;
	uint8_t buf[40];
	size_t n = rnd(sizeof(buf));
	rnd_bytes(buf, n);
	mbytes_set(&r->connack_raw, buf, n);
	if (rnd(2))
		rnd_props(r);
	if (!rnd(3))
		r->versions = (struct msw_versions){.set = true, .planned = (uint8_t)rnd(8),
						    .v = {(uint8_t)rnd(VR__COUNT + 1),
							  (uint8_t)rnd(VR__COUNT), (uint8_t)rnd(VR__COUNT)}};
	r->broker_product = rnd(2) ? rnd_cstr(8) : NULL;
	for (uint32_t i = 0, k = rnd(4); i < k; i++) {
		char *a = rnd_cstr(6), *b = rnd_cstr(6);
		record_add_evidence(r, a, b);
		free(a);
		free(b);
	}
	for (uint32_t i = 0, k = rnd(4); i < k; i++) {
		n = rnd(sizeof(buf));
		rnd_bytes(buf, n);
		struct msw_topic *t = record_topic(r, buf, n, 8);
		if (t && rnd(2))
			mbytes_set(&t->sample, buf, rnd((uint32_t)n + 1));
	}
	for (uint32_t i = 0, k = rnd(3); i < k; i++) {
		struct msw_finding f = {.id = rnd(2) ? rnd_cstr(5) : NULL,
					.cwe = (int)rnd(3) - 1,
					.title = rnd(2) ? rnd_cstr(5) : NULL,
					.evidence = rnd(2) ? rnd_cstr(5) : NULL};
		f.category = (enum msw_category)rnd(CAT__COUNT + 1);
		f.severity = (enum msw_severity)rnd(SEV__COUNT + 1);
		f.confidence = (enum msw_confidence)rnd(CONF__COUNT + 1);
		n = rnd(sizeof(buf));
		rnd_bytes(buf, n);
		mbytes_set(&f.topic, buf, n);
		record_add_finding(r, &f);
		free(f.id);
		free(f.title);
		free(f.evidence);
		mbytes_free(&f.topic);
	}
	if (!rnd(3))
		rnd_tls(r);
	if (!rnd(4))
		rnd_ws(r);
	r->sys_topic_count = rnd(3) ? 0 : rnd(100000);
	r->duration_ms = (int64_t)rnd(100000) - 10;
	if (!rnd(5))
		rnd_host(r);
	if (!rnd(3))
		rnd_cls(r);
	if (!rnd(4))
		rnd_smb(r);
	if (!rnd(4))
		rnd_access(r);
	if (!rnd(4))
		rnd_amqp(r);
	if (!rnd(4))
		rnd_http(r);
}

/* The classifier block's computed rows read back through their setters (the record
 * reader's way) give the values their getters gave; a count without its hash, a hash
 * without its count and capped false are refused. */
static void test_cls_setters(void **st)
{
	(void)st;
	for (int k = 0; k < 300; k++) {
		struct msw_record r;
		record_init(&r, "mqtt");
		rnd_cls(&r);
		const struct cls_result *c = record_block(&r, &cls_result_table);
		struct cls_result back = {0};
		for (size_t i = 0; i < cls_result_table.n; i++) {
			const struct fdef *f = &cls_result_table.f[i];
			struct fval v;
			if (!f->get)
				continue;
			assert_non_null(f->set);
			fields_get(c, f, &v);
			assert_int_equal(f->set(&back, f, &v), 0);
		}
		assert_int_equal(back.honeypot, c->honeypot);
		const struct cls_fingerprint *fa[2] = {&c->retained, &c->sys}, *fb[2] = {&back.retained, &back.sys};
		for (int i = 0; i < 2; i++) {
			assert_int_equal(fb[i]->n, fa[i]->n);
			if (fa[i]->n) {
				assert_memory_equal(fb[i]->hash, fa[i]->hash, 16);
				assert_int_equal(fb[i]->capped, fa[i]->capped);
			}
		}
		record_free(&r);
	}
	/* rows 2..4: retained_fingerprint, _n, _capped */
	const struct fdef *h = &cls_result_table.f[2], *n = h + 1, *cp = h + 2;
	struct cls_result x = {0};
	struct fval v = {.t = FT_UINT, .u = 3};
	assert_string_equal(h->name, "retained_fingerprint");
	assert_int_not_equal(n->set(&x, n, &v), 0); /* a count without its hash */
	v = (struct fval){.t = FT_HEX, .s = (const uint8_t *)"0123456789abcdef", .n = 16};
	assert_int_equal(h->set(&x, h, &v), 0);
	v = (struct fval){.t = FT_UINT, .absent = true};
	assert_int_not_equal(n->set(&x, n, &v), 0); /* a hash without its count */
	v = (struct fval){.t = FT_BOOL, .b = false};
	assert_int_not_equal(cp->set(&x, cp, &v), 0); /* capped is written only when true */
}

static void test_random(void **st)
{
	(void)st;
	for (int i = 0; i < 3000; i++) {
		struct msw_record r;
		rnd_record(&r);
		same(&r);
		record_free(&r);
	}
}

/* The property rows follow the codec's names and types, in identifier order. */
static void test_props_rows(void **st)
{
	(void)st;
	int last = 0;
	for (int id = 1; id <= MQTT_P__MAX; id++) {
		const char *name = mqtt_prop_name(id);
		const struct fdef *f = mqtt_props_row(id);
		if (!name) {
			assert_null(f);
			continue;
		}
		assert_non_null(f);
		assert_true(f - mqtt_props_table.f >= last);
		last = (int)(f - mqtt_props_table.f);
		if (mqtt_prop_type(id) == MP_PAIR)
			assert_string_equal(f->name, "user_properties");
		else
			assert_string_equal(f->name, name);
		int t = mqtt_prop_type(id);
		assert_int_equal(f->type, t == MP_UTF8 ? FT_STR : t == MP_BINARY ? FT_HEX : t == MP_PAIR ? FT_LIST : FT_UINT);
	}
}

/* connack.properties: the bytes the cJSON-based writer of earlier versions wrote for 200
 * CONNACKs (tests/vectors/record/connack_props.jsonl), from the kept copy. */
static void test_props_vectors(void **st)
{
	(void)st;
	char path[512], *line = NULL;
	size_t cap = 0;
	int n = 0;
	snprintf(path, sizeof(path), "%s/tests/vectors/record/connack_props.jsonl", src_dir());
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		char *hex = strstr(line, "\"hex\":\"") + 7, *json = strstr(line, ",\"json\":") + 8;
		static uint8_t pkt[8192];
		size_t pl = 0;
		for (char *q = hex; *q != '"' && pl < sizeof(pkt); q += 2)
			pkt[pl++] = (uint8_t)(hexval(q[0]) << 4 | hexval(q[1]));
		json[strlen(json) - 2] = 0; /* the closing brace and newline */
		struct mqtt_frame fr;
		static union mqtt_any u;
		assert_int_equal(mqtt_decode_packet(MQTT_V5, pkt, pl, 1u << 20, &fr, &u), MSW_OK);
		struct mqtt_props_rec *pr = mqtt_props_keep(&u.connack.props);
		assert_non_null(pr);
		struct dbuf b;
		dbuf_init(&b, 1u << 20);
		assert_int_equal(record_block_text(&mqtt_props_table, pr, &b), MSW_OK);
		if (b.len != strlen(json) || memcmp(b.p, json, b.len) != 0) {
			fprintf(stderr, "properties %d:\nwant %s\ngot  %.*s\n", n, json, (int)b.len,
				(char *)b.p);
			fail();
		}
		/* the copy's own table (only the rows present) writes the same bytes */
		b.len = 0;
		assert_int_equal(record_block_text(&pr->tbl, pr, &b), MSW_OK);
		assert_true(b.len == strlen(json) && memcmp(b.p, json, b.len) == 0);
		dbuf_free(&b);
		struct fref ref = {0};
		fref_set(&ref, &pr->tbl, pr);
		fref_clear(&ref);
		n++;
	}
	free(line);
	fclose(f);
	assert_int_equal(n, 200);
}

/* A cap too small for the record: an error, and the buffer as it was. */
static void test_cap(void **st)
{
	(void)st;
	struct msw_record r;
	struct dbuf b;
	record_init(&r, "mqtt");
	dbuf_init(&b, 64);
	assert_int_equal(dbuf_append(&b, "keep", 4), MSW_OK);
	assert_int_not_equal(record_text(&r, "1", &b), MSW_OK);
	assert_int_equal(b.len, 4);
	dbuf_free(&b);
	record_free(&r);
}

/* record_format_ts() keeps the last second's text: every call still prints its own
 * instant, whatever the order, and truncates like snprintf. */
static void test_timestamp(void **st)
{
	(void)st;
	static const struct {
		int64_t us;
		const char *txt;
	} v[] = {
		{1764091547123456, "2025-11-25T17:25:47.123Z"},
		{1764091547999999, "2025-11-25T17:25:47.999Z"},
		{1764091548000000, "2025-11-25T17:25:48.000Z"},
		{1764091547000999, "2025-11-25T17:25:47.000Z"},
		{0, "1970-01-01T00:00:00.000Z"},
		{-5, "1970-01-01T00:00:00.000Z"},
		{253402300799999000, "9999-12-31T23:59:59.999Z"},
		{1764091547123456, "2025-11-25T17:25:47.123Z"},
	};
	char out[80];
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		record_format_ts(v[i].us, out, sizeof(out));
		assert_string_equal(out, v[i].txt);
	}
	record_format_ts(1764091547123456, out, 11);
	assert_string_equal(out, "2025-11-25");
	out[0] = 'x';
	record_format_ts(1764091547123456, out, 1);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_cls_setters),
		cmocka_unit_test(test_props_rows),
		cmocka_unit_test(test_props_vectors),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_timestamp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
