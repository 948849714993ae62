/* MQTT codec tests: every vector in tests/vectors (named by spec clause, each stating its
 * protocol level and expected outcome), field-level checks on the interesting ones,
 * encoder output byte for byte, streaming (one packet across many reads, several packets
 * in one buffer), truncations of every valid packet, and the JSON view of properties.
 * Inputs are copied into buffers of exactly their size so ASan catches any over-read. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "probes/mqtt_codec.h"

#define CAP (1024u * 1024u)

struct vec {
	char name[256];
	int ver;
	char expect[32];
	uint8_t *p;
	size_t n;
};

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Parse "# ver: N", "# expect: X" and the hex line. */
static void parse_line(struct vec *v, const char *line, uint8_t *tmp, size_t *tn)
{
	if (line[0] == '#') {
		if (!strncmp(line, "# ver: ", 7))
			v->ver = (int)strtol(line + 7, NULL, 10);
		else if (!strncmp(line, "# expect: ", 10)) {
			size_t n = strcspn(line + 10, "\r\n");
			if (n >= sizeof(v->expect))
				n = sizeof(v->expect) - 1;
			memcpy(v->expect, line + 10, n);
			v->expect[n] = 0;
		}
		return;
	}
	for (const char *s = line; s[0] && s[1]; s += 2) {
		int hi = hexval(s[0]), lo = hexval(s[1]);
		if (hi < 0 || lo < 0)
			break;
		tmp[(*tn)++] = (uint8_t)(hi << 4 | lo);
	}
}

static int load_vec(const char *dir, const char *fname, struct vec *v)
{
	char path[2048], line[8192];
	static uint8_t tmp[4096];
	size_t tn = 0;
	snprintf(path, sizeof(path), "%s/%s", dir, fname);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", fname);
	while (fgets(line, sizeof(line), f))
		parse_line(v, line, tmp, &tn);
	fclose(f);
	v->p = malloc(tn ? tn : 1);
	memcpy(v->p, tmp, tn);
	v->n = tn;
	return 0;
}

static msw_err expect_rc(const char *e)
{
	if (!strcmp(e, "ok"))
		return MSW_OK;
	if (!strcmp(e, "malformed"))
		return MSW_ERR_MALFORMED;
	if (!strcmp(e, "protocol"))
		return MSW_ERR_PROTOCOL;
	if (!strcmp(e, "too_big"))
		return MSW_ERR_TOO_BIG;
	if (!strcmp(e, "need_more"))
		return MSW_ERR_NEED_MORE;
	return MSW_ERR__COUNT;
}

static char vecdir[1024];

static struct vec *get_vec(const char *name)
{
	static struct vec v;
	char fn[512];
	snprintf(fn, sizeof(fn), "%s.hex", name);
	free(v.p);
	v.p = NULL;
	if (load_vec(vecdir, fn, &v))
		fail_msg("missing vector %s", fn);
	return &v;
}

/* Copy into an exact-size buffer and decode. */
static msw_err decode_exact(int ver, const uint8_t *p, size_t n, struct mqtt_frame *f,
			    union mqtt_any *u)
{
	uint8_t *b = malloc(n ? n : 1);
	memcpy(b, p, n);
	msw_err rc = mqtt_decode_packet(ver, b, n, CAP, f, u);
	/* slices point into b: callers that inspect fields use decode_keep instead */
	free(b);
	return rc;
}

/* Truncate the body of a valid packet to every shorter length (rewriting the remaining
 * length): decoders must return an error or success, never read past the end. */
static void truncations(const struct vec *v)
{
	struct mqtt_frame f;
	static union mqtt_any u;
	if (mqtt_frame_parse(v->p, v->n, v->ver, CAP, &f) != MSW_OK)
		return;
	for (uint32_t k = 0; k < f.remaining; k++) {
		uint8_t hdr[5] = {v->p[0], (uint8_t)k};
		size_t n = 2 + k;
		uint8_t *b = malloc(n);
		memcpy(b, hdr, 2);
		memcpy(b + 2, f.body, k);
		if (k >= 128) { /* keep it simple: two-byte varint */
			free(b);
			n = 3 + k;
			b = malloc(n);
			b[0] = v->p[0];
			b[1] = (uint8_t)(0x80 | (k & 0x7f));
			b[2] = (uint8_t)(k >> 7);
			memcpy(b + 3, f.body, k);
		}
		struct mqtt_frame f2;
		msw_err rc = mqtt_decode_packet(v->ver, b, n, CAP, &f2, &u);
		assert_true(rc == MSW_OK || rc == MSW_ERR_MALFORMED || rc == MSW_ERR_PROTOCOL);
		free(b);
	}
}

/* Every proper prefix of a complete packet is NEED_MORE (or MALFORMED if the header
 * already is), never OK. */
static void prefixes(const struct vec *v)
{
	struct mqtt_frame f;
	static union mqtt_any u;
	for (size_t k = 0; k < v->n; k++) {
		uint8_t *b = malloc(k ? k : 1);
		memcpy(b, v->p, k);
		msw_err rc = mqtt_decode_packet(v->ver, b, k, CAP, &f, &u);
		assert_int_equal(rc, MSW_ERR_NEED_MORE);
		free(b);
	}
}

static void test_all_vectors(void **st)
{
	(void)st;
	DIR *d = opendir(vecdir);
	assert_non_null(d);
	struct dirent *e;
	int count = 0;
	static union mqtt_any u;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".hex"))
			continue;
		struct vec v;
		assert_int_equal(load_vec(vecdir, e->d_name, &v), 0);
		msw_err want = expect_rc(v.expect);
		if (want == MSW_ERR__COUNT || !v.ver || !v.n)
			fail_msg("%s: bad vector header", v.name);
		struct mqtt_frame f;
		msw_err got = decode_exact(v.ver, v.p, v.n, &f, &u);
		if (got != want)
			fail_msg("%s: expected %s, got %s", v.name, v.expect, msw_err_str(got));
		if (want == MSW_OK) {
			assert_int_equal(f.total, v.n); /* exactly one packet per vector */
			prefixes(&v);
			truncations(&v);
		}
		free(v.p);
		count++;
	}
	closedir(d);
	assert_true(count >= 60);
}

static void decode_vec(const char *name, msw_err want, union mqtt_any *u, struct mqtt_frame *f)
{
	struct vec *v = get_vec(name);
	assert_int_equal(mqtt_decode_packet(v->ver, v->p, v->n, CAP, f, u), want);
}

static bool slice_is(struct slice s, const char *t)
{
	return s.len == strlen(t) && !memcmp(s.p, t, s.len);
}

static void test_connack_v3_codes(void **st)
{
	(void)st;
	assert_int_equal(mqtt_connack_class(MQTT_V311, 0), CK_ACCEPTED);
	assert_int_equal(mqtt_connack_class(MQTT_V311, 1), CK_BAD_VERSION);
	assert_int_equal(mqtt_connack_class(MQTT_V311, 2), CK_BAD_CLIENT_ID);
	assert_int_equal(mqtt_connack_class(MQTT_V311, 3), CK_UNAVAILABLE);
	assert_int_equal(mqtt_connack_class(MQTT_V311, 4), CK_BAD_CREDENTIALS);
	assert_int_equal(mqtt_connack_class(MQTT_V311, 5), CK_NOT_AUTHORIZED);
	assert_int_equal(mqtt_connack_class(MQTT_V311, 6), CK_OTHER);
	assert_string_equal(mqtt_connack_str(MQTT_V311, 5), "Connection Refused, not authorized");
	assert_string_equal(mqtt_connack_str(MQTT_V31, 1),
			    "Connection Refused, unacceptable protocol version");
	assert_string_equal(mqtt_connack_str(MQTT_V311, 9), "unknown");

	union mqtt_any u;
	struct mqtt_frame f;
	decode_vec("v311_3.2.2.3_connack_rc5_not_authorized", MSW_OK, &u, &f);
	assert_int_equal(f.type, MQTT_CONNACK);
	assert_int_equal(u.connack.code, 5);
	decode_vec("v311_3.2.2.2_connack_session_present", MSW_OK, &u, &f);
	assert_true(u.connack.session_present);
}

static void test_connack_v5_reason_codes(void **st)
{
	(void)st;
	static const struct {
		uint8_t c;
		const char *n;
		enum mqtt_connack_class k;
	} t[] = {
		{0x00, "Success", CK_ACCEPTED},
		{0x80, "Unspecified error", CK_OTHER},
		{0x81, "Malformed Packet", CK_OTHER},
		{0x82, "Protocol Error", CK_OTHER},
		{0x83, "Implementation specific error", CK_OTHER},
		{0x84, "Unsupported Protocol Version", CK_BAD_VERSION},
		{0x85, "Client Identifier not valid", CK_BAD_CLIENT_ID},
		{0x86, "Bad User Name or Password", CK_BAD_CREDENTIALS},
		{0x87, "Not authorized", CK_NOT_AUTHORIZED},
		{0x88, "Server unavailable", CK_UNAVAILABLE},
		{0x89, "Server busy", CK_UNAVAILABLE},
		{0x8A, "Banned", CK_BANNED},
		{0x8C, "Bad authentication method", CK_BAD_AUTH_METHOD},
		{0x90, "Topic Name invalid", CK_OTHER},
		{0x95, "Packet too large", CK_OTHER},
		{0x97, "Quota exceeded", CK_OTHER},
		{0x99, "Payload format invalid", CK_OTHER},
		{0x9A, "Retain not supported", CK_OTHER},
		{0x9B, "QoS not supported", CK_OTHER},
		{0x9C, "Use another server", CK_USE_ANOTHER_SERVER},
		{0x9D, "Server moved", CK_SERVER_MOVED},
		{0x9F, "Connection rate exceeded", CK_UNAVAILABLE},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_string_equal(mqtt_connack_str(MQTT_V5, t[i].c), t[i].n);
		assert_int_equal(mqtt_connack_class(MQTT_V5, t[i].c), t[i].k);
		/* and each decodes as a CONNACK with an empty property block */
		uint8_t pkt[5] = {0x20, 3, 0, t[i].c, 0};
		union mqtt_any u;
		struct mqtt_frame f;
		assert_int_equal(mqtt_decode_packet(MQTT_V5, pkt, 5, CAP, &f, &u), MSW_OK);
		assert_int_equal(u.connack.code, t[i].c);
		assert_false(u.connack.legacy);
	}
	union mqtt_any u;
	struct mqtt_frame f;
	decode_vec("v5_3.2_connack_legacy_rc1", MSW_OK, &u, &f);
	assert_true(u.connack.legacy);
	assert_int_equal(u.connack.code, 1);
	decode_vec("v5_3.2.2.2_connack_0x9d_server_moved", MSW_OK, &u, &f);
	assert_true(
		slice_is(u.connack.props.v[MQTT_P_SERVER_REFERENCE].s, "moved.example.net:8883"));
	assert_true(slice_is(u.connack.props.v[MQTT_P_REASON_STRING].s, "moved"));
}

/* Every CONNACK property, decoded by type, and its JSON view by spec name. */
static void test_connack_all_props(void **st)
{
	(void)st;
	union mqtt_any u;
	struct mqtt_frame f;
	decode_vec("v5_3.2.2.2_connack_props", MSW_OK, &u, &f);
	const struct mqtt_props *p = &u.connack.props;
	assert_int_equal(p->v[MQTT_P_SESSION_EXPIRY].u, 0);
	assert_int_equal(p->v[MQTT_P_RECEIVE_MAXIMUM].u, 20);
	assert_int_equal(p->v[MQTT_P_MAXIMUM_QOS].u, 1);
	assert_int_equal(p->v[MQTT_P_MAXIMUM_PACKET_SIZE].u, 268435455u);
	assert_int_equal(p->v[MQTT_P_TOPIC_ALIAS_MAXIMUM].u, 10);
	assert_int_equal(p->v[MQTT_P_SERVER_KEEP_ALIVE].u, 30);
	assert_int_equal(p->v[MQTT_P_SUB_ID_AVAILABLE].u, 0);
	assert_true(mqtt_props_has(p, MQTT_P_SUB_ID_AVAILABLE));
	assert_false(mqtt_props_has(p, MQTT_P_TOPIC_ALIAS));
	assert_int_equal(p->nuser, 2);
	assert_true(slice_is(p->user_key[1], "k2"));
	assert_true(slice_is(p->v[MQTT_P_ASSIGNED_CLIENT_ID].s,
			     "auto-7F1E2D3C-0000-4000-8000-00000000abcd"));
	assert_int_equal(p->v[MQTT_P_AUTH_DATA].s.len, 3);

	cJSON *j = mqtt_props_json(p);
	char *txt = cJSON_PrintUnformatted(j);
	static const char *const want[] = {
		"\"receive_maximum\":20",
		"\"maximum_packet_size\":268435455",
		"\"topic_alias_maximum\":10",
		"\"assigned_client_identifier\":\"auto-7F1E2D3C",
		"\"wildcard_subscription_available\":1",
		"\"shared_subscription_available\":1",
		"\"retain_available\":1",
		"\"maximum_qos\":1",
		"\"server_keep_alive\":30",
		"\"reason_string\":\"welcome\"",
		"\"server_reference\":\"other.example:1883\"",
		"\"user_properties\":[[\"k1\",\"v1\"],[\"k2\",\"v2\"]]",
		"\"subscription_identifier_available\":0",
		"\"response_information\":\"resp/info\"",
		"\"authentication_method\":\"SCRAM-SHA-1\"",
		"\"authentication_data\":\"0001ff\"",
		"\"session_expiry_interval\":0",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(txt, want[i]))
			fail_msg("missing %s in %s", want[i], txt);
	free(txt);
	cJSON_Delete(j);
}

/* A value of every property type in the contexts it belongs to; names and types. */
static void test_property_types(void **st)
{
	(void)st;
	assert_int_equal(mqtt_prop_type(MQTT_P_PAYLOAD_FORMAT), MP_BYTE);
	assert_int_equal(mqtt_prop_type(MQTT_P_SERVER_KEEP_ALIVE), MP_U16);
	assert_int_equal(mqtt_prop_type(MQTT_P_MESSAGE_EXPIRY), MP_U32);
	assert_int_equal(mqtt_prop_type(MQTT_P_SUBSCRIPTION_ID), MP_VARINT);
	assert_int_equal(mqtt_prop_type(MQTT_P_CONTENT_TYPE), MP_UTF8);
	assert_int_equal(mqtt_prop_type(MQTT_P_CORRELATION_DATA), MP_BINARY);
	assert_int_equal(mqtt_prop_type(MQTT_P_USER_PROPERTY), MP_PAIR);
	assert_int_equal(mqtt_prop_type(0x04), 0);
	assert_null(mqtt_prop_name(0x2B));
	assert_string_equal(mqtt_prop_name(MQTT_P_WILL_DELAY), "will_delay_interval");

	union mqtt_any u;
	struct mqtt_frame f;
	decode_vec("v5_3.3.2.3_publish_props", MSW_OK, &u, &f);
	const struct mqtt_props *p = &u.publish.props;
	assert_int_equal(p->v[MQTT_P_PAYLOAD_FORMAT].u, 1);
	assert_int_equal(p->v[MQTT_P_MESSAGE_EXPIRY].u, 3600);
	assert_true(slice_is(p->v[MQTT_P_CONTENT_TYPE].s, "application/json"));
	assert_true(slice_is(p->v[MQTT_P_RESPONSE_TOPIC].s, "reply/to"));
	assert_int_equal(p->v[MQTT_P_CORRELATION_DATA].s.len, 2);
	assert_int_equal(p->v[MQTT_P_SUBSCRIPTION_ID].u, 5); /* first kept */
	assert_int_equal(p->nsubids, 2);
	assert_int_equal(p->nuser, 1);
	assert_true(slice_is(u.publish.payload, "{\"x\":1}"));
	assert_int_equal(u.publish.qos, 1);
	assert_int_equal(u.publish.packet_id, 1);

	/* Subscription Identifier may not repeat outside PUBLISH; a varint over 4 bytes is
	 * malformed inside a property too. */
	uint8_t sub[] = {0x82, 9, 0, 1, 4, 0x0b, 1, 0x0b, 2, 0, 0};
	assert_int_equal(mqtt_decode_packet(MQTT_V5, sub, sizeof(sub), CAP, &f, &u),
			 MSW_ERR_MALFORMED);
	uint8_t pub[] = {0x30, 10, 0, 1, 'a', 6, 0x0b, 0x80, 0x80, 0x80, 0x80, 0x01};
	assert_int_equal(mqtt_decode_packet(MQTT_V5, pub, sizeof(pub), CAP, &f, &u),
			 MSW_ERR_MALFORMED);
	/* Will-only property in CONNACK */
	uint8_t ck[] = {0x20, 8, 0, 0, 5, 0x18, 0, 0, 0, 1};
	assert_int_equal(mqtt_decode_packet(MQTT_V5, ck, sizeof(ck), CAP, &f, &u),
			 MSW_ERR_MALFORMED);
}

static void test_user_property_cap(void **st)
{
	(void)st;
	/* 40 user properties "k"="v" (7 bytes each) in a CONNACK: all counted, 16 kept. */
	size_t np = 40, plen = np * 7, body = 2 + 2 + plen;
	uint8_t *b = malloc(3 + body);
	size_t o = 0;
	b[o++] = 0x20;
	b[o++] = (uint8_t)(0x80 | (body & 0x7f));
	b[o++] = (uint8_t)(body >> 7);
	b[o++] = 0;
	b[o++] = 0;
	b[o++] = (uint8_t)(0x80 | (plen & 0x7f));
	b[o++] = (uint8_t)(plen >> 7);
	for (size_t i = 0; i < np; i++) {
		uint8_t one[7] = {0x26, 0, 1, 'k', 0, 1, 'v'};
		memcpy(b + o, one, 7);
		o += 7;
	}
	assert_int_equal(o, 3 + body);
	union mqtt_any u;
	struct mqtt_frame f;
	assert_int_equal(mqtt_decode_packet(MQTT_V5, b, o, CAP, &f, &u), MSW_OK);
	assert_int_equal(u.connack.props.nuser, 40);
	cJSON *j = mqtt_props_json(&u.connack.props);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "user_properties")),
			 MQTT_MAX_USER_PROPS);
	assert_int_equal(cJSON_GetObjectItem(j, "user_properties_total")->valueint, 40);
	cJSON_Delete(j);
	free(b);
}

static void check_encoded(const uint8_t *got, size_t n, const char *vec)
{
	struct vec *v = get_vec(vec);
	assert_int_equal(n, v->n);
	assert_memory_equal(got, v->p, n);
}

static void test_encode_connect(void **st)
{
	(void)st;
	uint8_t buf[256];
	struct mqtt_connect c = {
		.version = MQTT_V311, .keepalive = 60, .clean = true, .client_id = "msw-a1B2c3"};
	size_t n = mqtt_encode_connect(&c, NULL, 0);
	assert_int_equal(mqtt_encode_connect(&c, buf, sizeof(buf)), n);
	check_encoded(buf, n, "v311_3.1_connect");
	c.version = MQTT_V31;
	n = mqtt_encode_connect(&c, buf, sizeof(buf));
	check_encoded(buf, n, "v31_3.1_connect_mqisdp");
	c.version = MQTT_V5;
	c.username = "user";
	c.password = "pw";
	c.receive_maximum = 16;
	c.maximum_packet_size = 1048576;
	n = mqtt_encode_connect(&c, NULL, 0);
	uint8_t *exact = malloc(n); /* exact-size buffer: ASan catches overruns */
	assert_int_equal(mqtt_encode_connect(&c, exact, n), n);
	check_encoded(exact, n, "v5_3.1.2.11_connect_props");

	/* and our own decoder reads it back */
	union mqtt_any u;
	struct mqtt_frame f;
	assert_int_equal(mqtt_decode_packet(MQTT_V5, exact, n, CAP, &f, &u), MSW_OK);
	assert_int_equal(u.connect.version, MQTT_V5);
	assert_true(slice_is(u.connect.client_id, "msw-a1B2c3"));
	assert_true(slice_is(u.connect.password, "pw"));
	assert_int_equal(u.connect.props.v[MQTT_P_TOPIC_ALIAS_MAXIMUM].u, 0);
	assert_true(mqtt_props_has(&u.connect.props, MQTT_P_TOPIC_ALIAS_MAXIMUM));
	assert_int_equal(u.connect.props.v[MQTT_P_RECEIVE_MAXIMUM].u, 16);
	assert_int_equal(u.connect.props.v[MQTT_P_REQUEST_PROBLEM_INFO].u, 1);
	assert_false(u.connect.has_will);
	free(exact);
	/* too small a buffer: size returned, nothing written */
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(mqtt_encode_connect(&c, buf, 3), n);
	assert_int_equal(buf[0], 0xaa);
}

static void test_encode_subscribe_acks(void **st)
{
	(void)st;
	static const char *const filters[] = {"#", "$SYS/#"};
	struct mqtt_subscribe s = {
		.version = MQTT_V311, .packet_id = 1, .filters = filters, .nfilters = 2};
	uint8_t buf[64];
	size_t n = mqtt_encode_subscribe(&s, buf, sizeof(buf));
	check_encoded(buf, n, "v311_3.8_subscribe_two_filters");
	s.version = MQTT_V5;
	n = mqtt_encode_subscribe(&s, buf, sizeof(buf));
	check_encoded(buf, n, "v5_3.8.3.1_subscribe_options");
	union mqtt_any u;
	struct mqtt_frame f;
	assert_int_equal(mqtt_decode_packet(MQTT_V5, buf, n, CAP, &f, &u), MSW_OK);
	assert_int_equal(u.subscribe.nfilters, 2);
	assert_true(slice_is(u.subscribe.filter[1], "$SYS/#"));

	n = mqtt_encode_ack(MQTT_PUBACK, 7, buf, sizeof(buf));
	check_encoded(buf, n, "v311_3.4_puback");
	n = mqtt_encode_ack(MQTT_PUBREC, 7, buf, sizeof(buf));
	check_encoded(buf, n, "v311_3.5_pubrec");
	n = mqtt_encode_ack(MQTT_PUBREL, 7, buf, sizeof(buf));
	check_encoded(buf, n, "v311_3.6_pubrel");
	n = mqtt_encode_ack(MQTT_PUBCOMP, 7, buf, sizeof(buf));
	check_encoded(buf, n, "v311_3.7_pubcomp");
	n = mqtt_encode_pingreq(buf, sizeof(buf));
	check_encoded(buf, n, "v311_3.12_pingreq");
	n = mqtt_encode_disconnect(MQTT_V5, buf, sizeof(buf));
	check_encoded(buf, n, "v311_3.14_disconnect");
}

static void test_suback_unsuback(void **st)
{
	(void)st;
	union mqtt_any u;
	struct mqtt_frame f;
	decode_vec("v311_3.9_suback_granted_and_failure", MSW_OK, &u, &f);
	assert_int_equal(u.suback.ncodes, 2);
	assert_true(mqtt_suback_granted(u.suback.codes[0]));
	assert_false(mqtt_suback_granted(u.suback.codes[1]));
	assert_string_equal(mqtt_suback_str(MQTT_V311, 0x80), "Failure");
	decode_vec("v5_3.9.2.1_suback_props", MSW_OK, &u, &f);
	assert_int_equal(u.suback.codes[1], 0x87);
	assert_true(slice_is(u.suback.props.v[MQTT_P_REASON_STRING].s, "acl"));
	assert_string_equal(mqtt_suback_str(MQTT_V5, 0x87), "Not authorized");
	decode_vec("v5_3.11.3_unsuback_codes", MSW_OK, &u, &f);
	assert_int_equal(u.suback.ncodes, 2);
	assert_int_equal(u.suback.codes[1], 0x11);
	decode_vec("v311_3.11_unsuback", MSW_OK, &u, &f);
	assert_int_equal(u.suback.packet_id, 2);
}

static void test_publish_and_acks(void **st)
{
	(void)st;
	union mqtt_any u;
	struct mqtt_frame f;
	decode_vec("v311_3.3_publish_qos1_retained", MSW_OK, &u, &f);
	assert_true(u.publish.retain);
	assert_int_equal(u.publish.qos, 1);
	assert_int_equal(u.publish.packet_id, 7);
	assert_true(slice_is(u.publish.topic, "home/door"));
	assert_true(slice_is(u.publish.payload, "open"));
	decode_vec("v311_3.3_publish_qos2_dup", MSW_OK, &u, &f);
	assert_int_equal(u.publish.qos, 2);
	assert_true(u.publish.dup);
	assert_int_equal(u.publish.payload.len, 5);
	decode_vec("v5_3.3.2.3.4_publish_topic_alias", MSW_OK, &u, &f);
	assert_int_equal(u.publish.props.v[MQTT_P_TOPIC_ALIAS].u, 3);
	assert_int_equal(u.publish.topic.len, 0);
	decode_vec("v5_3.4.2.1_puback_reason_props", MSW_OK, &u, &f);
	assert_int_equal(u.ack.reason, 0x10);
	assert_int_equal(u.ack.packet_id, 7);
	decode_vec("v5_3.6.2_pubrel_short", MSW_OK, &u, &f);
	assert_int_equal(f.type, MQTT_PUBREL);
	assert_int_equal(u.ack.reason, 0);
	assert_int_equal(u.ack.packet_id, 9);
}

static void test_disconnect_auth(void **st)
{
	(void)st;
	union mqtt_any u;
	struct mqtt_frame f;
	decode_vec("v5_3.14.2.2_disconnect_server_moved", MSW_OK, &u, &f);
	assert_int_equal(u.disconnect.reason, 0x9d);
	assert_true(slice_is(u.disconnect.props.v[MQTT_P_SERVER_REFERENCE].s, "new.example.net"));
	assert_true(slice_is(u.disconnect.props.v[MQTT_P_REASON_STRING].s, "maintenance"));
	assert_string_equal(mqtt_reason_str(0x8B), "Server shutting down");
	decode_vec("v5_3.14.2.1_disconnect_short", MSW_OK, &u, &f);
	assert_int_equal(u.disconnect.reason, 0x8b);
	decode_vec("v5_3.15_auth_continue", MSW_OK, &u, &f);
	assert_int_equal(f.type, MQTT_AUTH);
	assert_int_equal(u.disconnect.reason, 0x18);
	assert_true(slice_is(u.disconnect.props.v[MQTT_P_AUTH_METHOD].s, "SCRAM-SHA-256"));
}

/* Several packets in one buffer, and one packet fed a byte at a time. */
static void test_streaming(void **st)
{
	(void)st;
	uint8_t stream[256];
	size_t n = 0;
	const char *names[] = {
		"v311_3.2.2.3_connack_accepted", "v311_3.9_suback_granted_and_failure",
		"v311_3.3_publish_qos1_retained", "v311_3.13_pingresp", "v311_3.3_publish_qos0"};
	const int types[] = {MQTT_CONNACK, MQTT_SUBACK, MQTT_PUBLISH, MQTT_PINGRESP, MQTT_PUBLISH};
	for (size_t i = 0; i < 5; i++) {
		struct vec *v = get_vec(names[i]);
		memcpy(stream + n, v->p, v->n);
		n += v->n;
	}
	/* all at once */
	size_t off = 0, k = 0;
	union mqtt_any u;
	struct mqtt_frame f;
	while (off < n) {
		assert_int_equal(mqtt_decode_packet(MQTT_V311, stream + off, n - off, CAP, &f, &u),
				 MSW_OK);
		assert_int_equal(f.type, types[k++]);
		off += f.total;
	}
	assert_int_equal(k, 5);
	/* trickled: the parser keeps no state; it is called again with the longer prefix */
	size_t have = 0;
	off = 0;
	k = 0;
	while (have < n) {
		have++;
		for (;;) {
			uint8_t *b = malloc(have - off ? have - off : 1);
			memcpy(b, stream + off, have - off);
			msw_err rc = mqtt_decode_packet(MQTT_V311, b, have - off, CAP, &f, &u);
			free(b);
			if (rc == MSW_ERR_NEED_MORE)
				break;
			assert_int_equal(rc, MSW_OK);
			assert_int_equal(f.type, types[k++]);
			off += f.total;
		}
	}
	assert_int_equal(k, 5);
}

static void test_cap_before_body(void **st)
{
	(void)st;
	/* header only, declaring 2,000,000 bytes: TOO_BIG at once, with the size reported */
	uint8_t h[4] = {0x30, 0x80, 0x89, 0x7a};
	struct mqtt_frame f;
	assert_int_equal(mqtt_frame_parse(h, 4, MQTT_V311, CAP, &f), MSW_ERR_TOO_BIG);
	assert_int_equal(f.remaining, 2000000);
	assert_int_equal(f.hdr_len, 4);
	assert_int_equal(f.type, MQTT_PUBLISH);
	assert_int_equal(f.total, 2000004);
	/* exactly at the cap is fine (needs more) */
	uint8_t h2[4] = {0x30, 0x80, 0x80, 0x40}; /* 1048576 */
	assert_int_equal(mqtt_frame_parse(h2, 4, MQTT_V311, CAP, &f), MSW_ERR_NEED_MORE);
	assert_int_equal(f.remaining, CAP);
	/* a 4-byte header with the continuation bit still set is malformed even before the
	 * fifth byte arrives */
	uint8_t h3[5] = {0x30, 0xff, 0xff, 0xff, 0xff};
	assert_int_equal(mqtt_frame_parse(h3, 5, MQTT_V311, CAP, &f), MSW_ERR_MALFORMED);
	assert_int_equal(mqtt_frame_parse(h3, 4, MQTT_V311, CAP, &f), MSW_ERR_NEED_MORE);
}

/* Client packets decode too (differential tests, the hostile broker). */
static void test_decode_client_packets(void **st)
{
	(void)st;
	union mqtt_any u;
	struct mqtt_frame f;
	decode_vec("v5_3.1.3.2_connect_will_props", MSW_OK, &u, &f);
	assert_true(u.connect.has_will);
	assert_int_equal(u.connect.keepalive, 30);
	assert_true(slice_is(u.connect.will_topic, "will/t"));
	assert_true(slice_is(u.connect.will_payload, "bye"));
	assert_int_equal(u.connect.will_props.v[MQTT_P_WILL_DELAY].u, 30);
	assert_true(slice_is(u.connect.will_props.v[MQTT_P_CONTENT_TYPE].s, "text/plain"));
	assert_int_equal(u.connect.will_props.nuser, 1);
	assert_true(slice_is(u.connect.props.v[MQTT_P_AUTH_METHOD].s, "PLAIN"));
	assert_false(u.connect.has_username);
	decode_vec("v5_3.1.2.9_connect_password_only", MSW_OK, &u, &f);
	assert_true(u.connect.has_password && !u.connect.has_username);
	decode_vec("v5_3.8.2.1_subscribe_subscription_identifier", MSW_OK, &u, &f);
	assert_int_equal(u.subscribe.props.v[MQTT_P_SUBSCRIPTION_ID].u, 268435455u);
	assert_int_equal(u.subscribe.options[0], 0x2e);
	assert_true(slice_is(u.subscribe.filter[0], "a/+/c"));
	decode_vec("v311_3.10_unsubscribe", MSW_OK, &u, &f);
	assert_int_equal(f.type, MQTT_UNSUBSCRIBE);
	assert_int_equal(u.subscribe.nfilters, 2);
	assert_int_equal(u.subscribe.packet_id, 4);
	assert_true(slice_is(u.subscribe.filter[1], "$SYS/#"));
	decode_vec("v5_3.10.2.1_unsubscribe_user_property", MSW_OK, &u, &f);
	assert_int_equal(u.subscribe.props.nuser, 1);
}

/* The lenient PUBLISH decode keeps a broken broker's topic bytes; framing errors stay fatal. */
static void test_publish_lenient(void **st)
{
	(void)st;
	struct mqtt_frame f;
	struct mqtt_publish p;
	static const char *const kept[] = {"v311_1.5.3_publish_topic_bad_utf8",
					   "v311_1.5.3_publish_topic_nul",
					   "v311_1.5.3_publish_topic_surrogate"};
	for (size_t i = 0; i < 3; i++) {
		struct vec *v = get_vec(kept[i]);
		assert_int_equal(mqtt_frame_parse(v->p, v->n, v->ver, CAP, &f), MSW_OK);
		assert_int_equal(mqtt_decode_publish(v->ver, f.flags, f.body, f.remaining, &p),
				 MSW_ERR_MALFORMED);
		assert_int_equal(
			mqtt_decode_publish_ex(v->ver, f.flags, f.body, f.remaining, true, &p),
			MSW_ERR_PROTOCOL);
		assert_true(p.bad_utf8);
		assert_int_equal(p.topic.len, 3);
		assert_int_equal(p.payload.len, 1);
	}
	struct vec *v = get_vec("v311_1.5.3_publish_topic_past_end");
	assert_int_equal(mqtt_frame_parse(v->p, v->n, v->ver, CAP, &f), MSW_OK);
	assert_int_equal(mqtt_decode_publish_ex(v->ver, f.flags, f.body, f.remaining, true, &p),
			 MSW_ERR_MALFORMED);
	v = get_vec("v311_3.3.2.1_publish_wildcard_topic");
	assert_int_equal(mqtt_frame_parse(v->p, v->n, v->ver, CAP, &f), MSW_OK);
	assert_int_equal(mqtt_decode_publish(v->ver, f.flags, f.body, f.remaining, &p),
			 MSW_ERR_PROTOCOL);
	assert_true(p.wildcard);
	assert_true(slice_is(p.topic, "a/#"));
	/* bad topic and then a property error: the error wins, no "kept" flag */
	const uint8_t bad_then_prop[] = {0x30, 8, 0, 2, 0xc3, 0x28, 2, 0x0b, 0, 'x'};
	assert_int_equal(mqtt_decode_publish_ex(MQTT_V5, 0, bad_then_prop + 2, 8, true, &p),
			 MSW_ERR_PROTOCOL);
	assert_false(p.bad_utf8 || p.wildcard);
	const uint8_t bad_then_short[] = {0x30, 5, 0, 2, 0xc3, 0x28, 9};
	assert_int_equal(mqtt_decode_publish_ex(MQTT_V5, 0, bad_then_short + 2, 5, true, &p),
			 MSW_ERR_MALFORMED);
	assert_false(p.bad_utf8);
	v = get_vec("v311_3.3_publish_qos0");
	assert_int_equal(mqtt_frame_parse(v->p, v->n, v->ver, CAP, &f), MSW_OK);
	assert_int_equal(mqtt_decode_publish_ex(v->ver, f.flags, f.body, f.remaining, true, &p),
			 MSW_OK);
	assert_false(p.bad_utf8 || p.wildcard);
}

/* Topic filter matching, 3.1.1 §4.7 / 5.0 §4.7 and the shared-subscription prefix. */
static void test_topic_matches(void **st)
{
	(void)st;
	static const struct {
		const char *f, *t;
		bool match;
	} cases[] = {
		{"#", "a", true},          {"#", "a/b/c", true},       {"#", "$SYS/x", false},
		{"+/x", "$SYS/x", false},  {"$SYS/#", "$SYS/x", true}, {"$SYS/#", "$SYS", true},
		{"a/#", "a", true},        {"a/#", "a/b/c", true},     {"a/#", "ab", false},
		{"a/+", "a", false},       {"a/+", "a/", true},        {"a/+", "a/b/c", false},
		{"a/+/c", "a/b/c", true},  {"a/+/c", "a/b/d", false},  {"a/b", "a/b", true},
		{"a/b", "a/bc", false},    {"a/bc", "a/b", false},     {"a//b", "a//b", true},
		{"+/#", "a", true},        {"+", "a/b", false},        {"+/+", "/x", true},
		{"home/#", "home/door", true}, {"home/#", "homes/door", false},
		{"$share/g/home/#", "home/door", true}, {"$share/g/#", "$SYS/x", false},
		{"$share/g", "g", false},  {"mqttsweep/x/proof", "mqttsweep/x/proof", true},
		{"mqttsweep/x/proof", "mqttsweep/x/proof/y", false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool m = mqtt_topic_matches(cases[i].f, (const uint8_t *)cases[i].t,
					    strlen(cases[i].t));
		if (m != cases[i].match)
			fail_msg("filter '%s' topic '%s': %d", cases[i].f, cases[i].t, m);
	}
	/* topic bytes are compared as bytes, length-bounded (no NUL terminator needed) */
	const uint8_t t[] = {'a', '/', 0, 'b'};
	assert_false(mqtt_topic_matches("a/b", t, sizeof(t)));
	assert_true(mqtt_topic_matches("a/+", t, sizeof(t)));
	assert_true(mqtt_topic_matches("a/b", (const uint8_t *)"a/bXX", 3));
}

/* The write proof's PUBLISH decodes back as sent: never retained, QoS 0 or 1, 5.0 with
 * the Message Expiry Interval alone. */
static void test_encode_publish(void **st)
{
	(void)st;
	uint8_t b[128];
	struct mqtt_publish p;
	struct mqtt_frame f;
	for (int v = MQTT_V31; v <= MQTT_V5; v++)
		for (uint8_t q = 0; q <= 1; q++) {
			struct mqtt_publish_out o = {.version = v, .topic = "mqttsweep/x/proof",
						     .payload = "hi", .payload_len = 2, .qos = q,
						     .packet_id = q ? 7 : 0, .expiry = 60};
			size_t n = mqtt_encode_publish(&o, NULL, 0);
			assert_true(n <= sizeof(b));
			assert_int_equal(mqtt_encode_publish(&o, b, sizeof(b)), n);
			assert_int_equal(mqtt_frame_parse(b, n, v, 1024, &f), MSW_OK);
			assert_int_equal(f.total, n);
			assert_int_equal(mqtt_decode_publish(v, f.flags, f.body, f.remaining, &p),
					 MSW_OK);
			assert_false(p.retain);
			assert_false(p.dup);
			assert_int_equal(p.qos, q);
			assert_int_equal(p.packet_id, q ? 7 : 0);
			assert_int_equal(p.topic.len, 17);
			assert_memory_equal(p.payload.p, "hi", 2);
			if (v == MQTT_V5) {
				assert_true(mqtt_props_has(&p.props, MQTT_P_MESSAGE_EXPIRY));
				assert_int_equal(p.props.v[MQTT_P_MESSAGE_EXPIRY].u, 60);
			}
		}
}

int main(void)
{
	const char *src = getenv("MSW_SOURCE_DIR");
#ifdef MSW_SOURCE_DIR
	if (!src)
		src = MSW_SOURCE_DIR;
#endif
	snprintf(vecdir, sizeof(vecdir), "%s/tests/vectors", src ? src : ".");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_vectors),
		cmocka_unit_test(test_connack_v3_codes),
		cmocka_unit_test(test_connack_v5_reason_codes),
		cmocka_unit_test(test_connack_all_props),
		cmocka_unit_test(test_property_types),
		cmocka_unit_test(test_user_property_cap),
		cmocka_unit_test(test_encode_connect),
		cmocka_unit_test(test_encode_subscribe_acks),
		cmocka_unit_test(test_suback_unsuback),
		cmocka_unit_test(test_publish_and_acks),
		cmocka_unit_test(test_disconnect_auth),
		cmocka_unit_test(test_streaming),
		cmocka_unit_test(test_cap_before_body),
		cmocka_unit_test(test_decode_client_packets),
		cmocka_unit_test(test_publish_lenient),
		cmocka_unit_test(test_topic_matches),
		cmocka_unit_test(test_encode_publish),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
