/* mqtt_diff: our MQTT codec's side of the differential test against the npm mqtt-packet
 * package (tests/differential: gen.mjs makes the cases, check.mjs compares).
 *
 *   mqtt_diff decode            stdin: lines "VERSION HEX" (HEX "-": no packet); stdout: one
 *                               JSON line per input line with what mqtt_decode_packet() made
 *                               of it: {"ok":true,"type":..,"flags":..,fields} or
 *                               {"ok":false,"err":..}. Normalised for comparison: property
 *                               ids as keys, binary as hex, user properties as [k, v] pairs
 *                               (the first MQTT_MAX_USER_PROPS) plus their count.
 *   mqtt_diff encode SEED N     stdout: N JSON lines {ver, hex, type, fields} made by our
 *                               encoders from seeded random inputs (UTF-8 across the code
 *                               space, binary passwords, edge values), for mqtt-packet to parse.
 *
 * One process handles a whole run through pipes. The JSON shapes are the contract with
 * check.mjs. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "probes/mqtt_codec.h"

#define LINE_CAP   (24u << 20) /* hex of the largest generated packet (~2.1 MB) and more */
#define PACKET_CAP (1u << 23)  /* remaining-length cap given to the decoder */

static char *hex(const uint8_t *p, size_t n)
{
	static const char d[] = "0123456789abcdef";
	char *s = malloc(2 * n + 1);
	if (!s)
		abort();
	for (size_t i = 0; i < n; i++) {
		s[2 * i] = d[p[i] >> 4];
		s[2 * i + 1] = d[p[i] & 15];
	}
	s[2 * n] = 0;
	return s;
}

static void add_hex(cJSON *o, const char *name, const uint8_t *p, size_t n)
{
	char *h = hex(p, n);
	cJSON_AddStringToObject(o, name, h);
	free(h);
}

static cJSON *slice_str(struct slice s)
{
	char *c = strndup(s.len ? (const char *)s.p : "", s.len);
	if (!c)
		abort();
	cJSON *j = cJSON_CreateString(c);
	free(c);
	return j;
}

static void add_slice(cJSON *o, const char *name, struct slice s)
{
	cJSON_AddItemToObject(o, name, slice_str(s));
}

static void add_user_props(cJSON *j, const char *key, const struct mqtt_props *p)
{
	cJSON *a = cJSON_AddArrayToObject(j, key);
	for (uint32_t i = 0; i < p->nuser && i < MQTT_MAX_USER_PROPS; i++) {
		cJSON *pair = cJSON_CreateArray();
		cJSON_AddItemToArray(pair, slice_str(p->user_key[i]));
		cJSON_AddItemToArray(pair, slice_str(p->user_val[i]));
		cJSON_AddItemToArray(a, pair);
	}
	cJSON_AddNumberToObject(j, "nuser", p->nuser);
}

/* {"<id>": value, ...}; user properties as pairs + "nuser"; PUBLISH subscription ids:
 * the first one + "nsubids". */
static void add_props(cJSON *o, const char *name, const struct mqtt_props *p)
{
	cJSON *j = cJSON_AddObjectToObject(o, name);
	char key[8];
	for (int id = 1; id <= MQTT_P__MAX; id++) {
		if (!mqtt_props_has(p, id))
			continue;
		snprintf(key, sizeof(key), "%d", id);
		switch (mqtt_prop_type(id)) {
		case MP_UTF8:
			add_slice(j, key, p->v[id].s);
			break;
		case MP_BINARY:
			add_hex(j, key, p->v[id].s.p, p->v[id].s.len);
			break;
		case MP_PAIR:
			add_user_props(j, key, p);
			break;
		default:
			cJSON_AddNumberToObject(j, key, p->v[id].u);
			break;
		}
	}
	if (p->nsubids)
		cJSON_AddNumberToObject(j, "nsubids", p->nsubids);
}

static void add_codes(cJSON *o, const struct mqtt_suback *s)
{
	cJSON *a = cJSON_AddArrayToObject(o, "codes");
	for (size_t i = 0; i < s->ncodes && i < MQTT_MAX_SUB_CODES; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(s->codes[i]));
	cJSON_AddNumberToObject(o, "ncodes", (double)s->ncodes);
}

static void connect_fields(cJSON *o, const struct mqtt_connect_in *c)
{
	cJSON_AddNumberToObject(o, "version", c->version);
	add_slice(o, "protocolId", c->protocol_name);
	add_slice(o, "clientId", c->client_id);
	cJSON_AddNumberToObject(o, "keepalive", c->keepalive);
	cJSON_AddBoolToObject(o, "clean", c->flags & 0x02);
	if (c->has_username)
		add_slice(o, "username", c->username);
	if (c->has_password)
		add_hex(o, "password", c->password.p, c->password.len);
	if (c->has_will) {
		add_slice(o, "willTopic", c->will_topic);
		add_hex(o, "willPayload", c->will_payload.p, c->will_payload.len);
		cJSON_AddNumberToObject(o, "willQos", (c->flags >> 3) & 3);
		cJSON_AddBoolToObject(o, "willRetain", c->flags & 0x20);
		if (c->version == MQTT_V5)
			add_props(o, "willProps", &c->will_props);
	}
	if (c->version == MQTT_V5)
		add_props(o, "props", &c->props);
}

/* SUBSCRIBE (filters with their options byte) and UNSUBSCRIBE (filters only). */
static void sublist_fields(cJSON *o, const struct mqtt_subscribe_in *s, int ver, bool opts)
{
	cJSON_AddNumberToObject(o, "messageId", s->packet_id);
	cJSON *a = cJSON_AddArrayToObject(o, "filters");
	for (size_t i = 0; i < s->nfilters && i < MQTT_MAX_SUB_CODES; i++) {
		cJSON *f = cJSON_CreateObject();
		add_slice(f, "topic", s->filter[i]);
		if (opts)
			cJSON_AddNumberToObject(f, "options", s->options[i]);
		cJSON_AddItemToArray(a, f);
	}
	cJSON_AddNumberToObject(o, "nfilters", (double)s->nfilters);
	if (ver == MQTT_V5)
		add_props(o, "props", &s->props);
}

static void publish_fields(cJSON *o, int ver, const struct mqtt_publish *p)
{
	cJSON_AddNumberToObject(o, "qos", p->qos);
	cJSON_AddBoolToObject(o, "dup", p->dup);
	cJSON_AddBoolToObject(o, "retain", p->retain);
	add_slice(o, "topic", p->topic);
	cJSON_AddNumberToObject(o, "messageId", p->packet_id);
	add_hex(o, "payload", p->payload.p, p->payload.len);
	if (ver == MQTT_V5)
		add_props(o, "props", &p->props);
}

/* Fields of one decoded packet, by type. */
static void fields(cJSON *o, int ver, const struct mqtt_frame *f, const union mqtt_any *a)
{
	cJSON_AddStringToObject(o, "type", mqtt_type_str(f->type));
	cJSON_AddNumberToObject(o, "flags", f->flags);
	switch (f->type) {
	case MQTT_CONNECT:
		connect_fields(o, &a->connect);
		break;
	case MQTT_CONNACK:
		cJSON_AddBoolToObject(o, "sessionPresent", a->connack.session_present);
		cJSON_AddNumberToObject(o, "code", a->connack.code);
		if (ver == MQTT_V5)
			add_props(o, "props", &a->connack.props);
		break;
	case MQTT_PUBLISH:
		publish_fields(o, ver, &a->publish);
		break;
	case MQTT_PUBACK:
	case MQTT_PUBREC:
	case MQTT_PUBREL:
	case MQTT_PUBCOMP:
		cJSON_AddNumberToObject(o, "messageId", a->ack.packet_id);
		cJSON_AddNumberToObject(o, "code", a->ack.reason);
		if (ver == MQTT_V5)
			add_props(o, "props", &a->ack.props);
		break;
	case MQTT_SUBSCRIBE:
		sublist_fields(o, &a->subscribe, ver, true);
		break;
	case MQTT_UNSUBSCRIBE:
		sublist_fields(o, &a->subscribe, ver, false);
		break;
	case MQTT_SUBACK:
	case MQTT_UNSUBACK:
		cJSON_AddNumberToObject(o, "messageId", a->suback.packet_id);
		add_codes(o, &a->suback);
		if (ver == MQTT_V5)
			add_props(o, "props", &a->suback.props);
		break;
	case MQTT_DISCONNECT:
	case MQTT_AUTH:
		cJSON_AddNumberToObject(o, "code", a->disconnect.reason);
		if (ver == MQTT_V5)
			add_props(o, "props", &a->disconnect.props);
		break;
	default:
		break; /* PINGREQ, PINGRESP: type and flags only */
	}
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int unhex(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	size_t len = strlen(s);
	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	if (len % 2 || len / 2 > cap)
		return -1;
	for (size_t i = 0; i < len; i += 2) {
		int hi = nibble(s[i]), lo = nibble(s[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*n = len / 2;
	return 0;
}

/* Every proper prefix of a packet that decodes is NEED_MORE (stream framing): the first
 * bytes, the header edge, the last byte missing and a few cuts in between. Returns the first
 * failing prefix length, or -1. */
static long prefix_check(int ver, const uint8_t *p, size_t n, size_t hdr_len)
{
	static union mqtt_any any;
	struct mqtt_frame f;
	size_t cuts[8] = {0, 1, hdr_len - 1, hdr_len, n - 1, n / 2, n / 3, (n * 7) / 8};
	for (size_t i = 0; i < 8; i++) {
		size_t k = cuts[i];
		if (k >= n)
			continue;
		if (mqtt_decode_packet(ver, p, k, PACKET_CAP, &f, &any) != MSW_ERR_NEED_MORE)
			return (long)k;
	}
	return -1;
}

/* A PUBLISH the strict decoder refused, through the lenient decoder the probe uses
 * (mqtt_decode_publish_ex, lenient): {"rc", "topicHex", fields} — the topic as bytes, since
 * it may not be UTF-8. */
static void add_lenient(cJSON *o, int ver, const struct mqtt_frame *f)
{
	static struct mqtt_publish pub;
	msw_err rc = mqtt_decode_publish_ex(ver, f->flags, f->body, f->remaining, true, &pub);
	cJSON *l = cJSON_AddObjectToObject(o, "lenient");
	cJSON_AddStringToObject(l, "rc", msw_err_str(rc));
	if (rc != MSW_OK && rc != MSW_ERR_PROTOCOL)
		return;
	publish_fields(l, ver, &pub);
	cJSON_DeleteItemFromObject(l, "topic");
	add_hex(l, "topicHex", pub.topic.p, pub.topic.len);
	cJSON_AddBoolToObject(l, "badUtf8", pub.bad_utf8);
	cJSON_AddBoolToObject(l, "wildcard", pub.wildcard);
}

/* One input line → one JSON object. */
static cJSON *decode_line(char *line, uint8_t *buf)
{
	static union mqtt_any any;
	cJSON *o = cJSON_CreateObject();
	char *sp = strchr(line, ' '), *end;
	long ver = strtol(line, &end, 10);
	size_t n = 0;
	if (!sp || end != sp || unhex(sp + 1, buf, LINE_CAP / 2, &n)) {
		cJSON_AddFalseToObject(o, "ok");
		cJSON_AddStringToObject(o, "err", "no packet");
		return o;
	}
	struct mqtt_frame f;
	msw_err rc = mqtt_decode_packet((int)ver, buf, n, PACKET_CAP, &f, &any);
	cJSON_AddBoolToObject(o, "ok", rc == MSW_OK && f.total == n);
	if (rc != MSW_OK && f.type == MQTT_PUBLISH && f.body && f.total == n)
		add_lenient(o, (int)ver, &f);
	if (rc != MSW_OK)
		cJSON_AddStringToObject(o, "err", msw_err_str(rc));
	else if (f.total != n)
		cJSON_AddStringToObject(o, "err", "trailing bytes");
	else
		fields(o, (int)ver, &f, &any);
	long bad = rc == MSW_OK && f.total == n ? prefix_check((int)ver, buf, n, f.hdr_len) : -1;
	if (bad >= 0)
		cJSON_AddNumberToObject(o, "prefixNotNeedMore", (double)bad);
	return o;
}

static int decode_main(void)
{
	char *line = malloc(LINE_CAP + 2);
	uint8_t *buf = malloc(LINE_CAP / 2);
	if (!line || !buf)
		return 2;
	while (fgets(line, LINE_CAP + 2, stdin)) {
		cJSON *o = decode_line(line, buf);
		char *s = cJSON_PrintUnformatted(o);
		if (!s)
			abort();
		fputs(s, stdout);
		fputc('\n', stdout);
		free(s);
		cJSON_Delete(o);
	}
	free(line);
	free(buf);
	return fflush(stdout) ? 1 : 0;
}

/* ---- encode: our encoders with seeded random inputs --------------------------------------- */

static uint64_t rs;
static uint32_t rnd(uint32_t n)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return n ? (uint32_t)(rs % n) : 0;
}

/* UTF-8 of one code point (no U+0000, no surrogates); '/', '+', '#' replaced when sep. */
static size_t rand_cp(char *o, bool sep)
{
	static const char alpha[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.$ ";
	uint32_t k = rnd(100), cp;
	if (k < 70)
		cp = (uint8_t)alpha[rnd(sizeof(alpha) - 1)];
	else if (k < 80)
		cp = 0x80 + rnd(0x780);
	else if (k < 90)
		do
			cp = 0x800 + rnd(0xf800);
		while (cp >= 0xd800 && cp <= 0xdfff);
	else if (k < 97)
		cp = 0x10000 + rnd(0x100000);
	else
		cp = 1 + rnd(0x7f);
	if (sep && (cp == '/' || cp == '+' || cp == '#'))
		cp = 'q';
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Up to max code points of UTF-8 into s (cap ≥ 4 * max + 1). */
static void rand_utf8(char *s, size_t max, bool sep)
{
	size_t n = rnd((uint32_t)max + 1), o = 0;
	for (size_t i = 0; i < n; i++)
		o += rand_cp(s + o, sep);
	s[o] = 0;
}

/* Up to max random non-zero bytes (our encoder takes passwords as C strings). */
static void rand_bin(char *s, size_t max)
{
	size_t n = rnd((uint32_t)max + 1);
	for (size_t i = 0; i < n; i++)
		s[i] = (char)(1 + rnd(255));
	s[n] = 0;
}

/* A valid topic filter: levels of UTF-8 or '+', optionally ending in '#'. */
static void rand_filter(char *f, size_t cap)
{
	size_t o = 0, levels = 1 + rnd(5);
	char w[4 * 8 + 1];
	for (size_t l = 0; l < levels && o + sizeof(w) + 4 < cap; l++) {
		if (rnd(5) == 0)
			snprintf(w, sizeof(w), "+");
		else
			rand_utf8(w, 8, true);
		o += (size_t)snprintf(f + o, cap - o, "%s%s", l ? "/" : "", w);
	}
	if (rnd(4) == 0)
		snprintf(f + o, cap - o, "%s#", o ? "/" : "");
	else if (!o)
		snprintf(f, cap, "x");
}

static void emit(cJSON *o, int ver, const uint8_t *buf, size_t n)
{
	cJSON_AddNumberToObject(o, "ver", ver);
	add_hex(o, "hex", buf, n);
	char *s = cJSON_PrintUnformatted(o);
	if (!s)
		abort();
	fputs(s, stdout);
	fputc('\n', stdout);
	free(s);
	cJSON_Delete(o);
}

static uint32_t pick32(const uint32_t *edge, size_t n, uint32_t max)
{
	return rnd(4) == 0 ? edge[rnd((uint32_t)n)] : 1 + rnd(max);
}

static void connect_json(cJSON *o, const struct mqtt_connect *c)
{
	cJSON_AddStringToObject(o, "type", "connect");
	cJSON_AddNumberToObject(o, "version", c->version);
	cJSON_AddStringToObject(o, "clientId", c->client_id);
	cJSON_AddNumberToObject(o, "keepalive", c->keepalive);
	cJSON_AddBoolToObject(o, "clean", c->clean);
	if (c->username)
		cJSON_AddStringToObject(o, "username", c->username);
	if (c->password)
		add_hex(o, "password", (const uint8_t *)c->password, strlen(c->password));
	if (c->receive_maximum)
		cJSON_AddNumberToObject(o, "receiveMaximum", c->receive_maximum);
	if (c->maximum_packet_size)
		cJSON_AddNumberToObject(o, "maximumPacketSize", c->maximum_packet_size);
}

static void enc_connect(uint8_t *buf, size_t cap)
{
	static const int vers[] = {MQTT_V31, MQTT_V311, MQTT_V5};
	static const uint32_t e16[] = {1, 2, 255, 256, 65535};
	static const uint32_t e32[] = {1, 2, 127, 128, 268435455, 268435456, 4294967295u};
	char cid[4 * 23 + 1], user[4 * 24 + 1], pass[64];
	struct mqtt_connect c = {.version = vers[rnd(3)],
				 .clean = rnd(4) != 0,
				 .keepalive = (uint16_t)(rnd(5) ? rnd(65536) : 65535 * rnd(2))};
	rand_utf8(cid, 23, false);
	if (!cid[0] && (c.version == MQTT_V31 || !c.clean))
		snprintf(cid, sizeof(cid), "msw-%u", rnd(100000)); /* [MQTT-3.1.3-7] */
	c.client_id = cid;
	if (rnd(2)) {
		rand_utf8(user, 24, false);
		c.username = user;
		if (rnd(2)) {
			rand_bin(pass, sizeof(pass) - 1);
			c.password = pass;
		}
	}
	if (c.version == MQTT_V5) {
		c.receive_maximum = rnd(2) ? (uint16_t)pick32(e16, 5, 65535) : 0;
		c.maximum_packet_size = rnd(2) ? pick32(e32, 7, 4294967294u) : 0;
	}
	size_t n = mqtt_encode_connect(&c, NULL, 0);
	if (n > cap)
		abort();
	mqtt_encode_connect(&c, buf, n);
	cJSON *o = cJSON_CreateObject();
	connect_json(o, &c);
	emit(o, c.version, buf, n);
}

static void enc_subscribe(uint8_t *buf, size_t cap)
{
	char f[20][256];
	const char *fp[20];
	static const int vers[] = {MQTT_V31, MQTT_V311, MQTT_V5};
	struct mqtt_subscribe s = {.version = vers[rnd(3)],
				   .packet_id = (uint16_t)(rnd(4) ? 1 + rnd(65535) : 65535),
				   .filters = fp,
				   .nfilters = 1 + rnd(rnd(10) ? 4 : 20),
				   .qos = (uint8_t)rnd(3)};
	for (size_t i = 0; i < s.nfilters; i++) {
		rand_filter(f[i], sizeof(f[i]));
		fp[i] = f[i];
	}
	size_t n = mqtt_encode_subscribe(&s, NULL, 0);
	if (n > cap)
		abort();
	mqtt_encode_subscribe(&s, buf, n);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "subscribe");
	cJSON_AddNumberToObject(o, "messageId", s.packet_id);
	cJSON_AddNumberToObject(o, "qos", s.qos);
	cJSON *a = cJSON_AddArrayToObject(o, "filters");
	for (size_t i = 0; i < s.nfilters; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(fp[i]));
	emit(o, s.version, buf, n);
}

static void enc_other(uint8_t *buf, size_t cap)
{
	static const int acks[] = {MQTT_PUBACK, MQTT_PUBREC, MQTT_PUBREL, MQTT_PUBCOMP};
	static const int vers[] = {MQTT_V31, MQTT_V311, MQTT_V5};
	int ver = vers[rnd(3)], k = (int)rnd(3);
	cJSON *o = cJSON_CreateObject();
	size_t n;
	if (k == 0) {
		int t = acks[rnd(4)];
		uint16_t pid = (uint16_t)(rnd(4) ? 1 + rnd(65535) : 65535);
		n = mqtt_encode_ack(t, pid, buf, cap);
		cJSON_AddStringToObject(o, "type", mqtt_type_str(t));
		cJSON_AddNumberToObject(o, "messageId", pid);
	} else if (k == 1) {
		n = mqtt_encode_pingreq(buf, cap);
		cJSON_AddStringToObject(o, "type", mqtt_type_str(MQTT_PINGREQ));
	} else {
		n = mqtt_encode_disconnect(ver, buf, cap);
		cJSON_AddStringToObject(o, "type", mqtt_type_str(MQTT_DISCONNECT));
	}
	if (n > cap)
		abort();
	emit(o, ver, buf, n);
}

static int encode_main(uint64_t seed, long count)
{
	static uint8_t buf[65536];
	rs = seed * 2654435761u + 0x9e3779b97f4a7c15ull;
	for (long i = 0; i < count; i++) {
		switch (rnd(3)) {
		case 0:
			enc_connect(buf, sizeof(buf));
			break;
		case 1:
			enc_subscribe(buf, sizeof(buf));
			break;
		default:
			enc_other(buf, sizeof(buf));
			break;
		}
	}
	return fflush(stdout) ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "decode"))
		return decode_main();
	if (argc >= 4 && !strcmp(argv[1], "encode")) {
		char *e1, *e2;
		unsigned long long seed = strtoull(argv[2], &e1, 10);
		long n = strtol(argv[3], &e2, 10);
		if (*e1 || *e2 || n < 0)
			return 2;
		return encode_main(seed, n);
	}
	fprintf(stderr, "usage: mqtt_diff decode < lines | mqtt_diff encode SEED N\n");
	return 2;
}
