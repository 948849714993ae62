/* mqtt_diff: our MQTT codec's side of the differential test against the npm mqtt-packet
 * package (tests/peers/mqttpacket/diff.mjs drives it).
 *
 *   mqtt_diff decode            stdin: lines "VERSION HEX"; stdout: one JSON line per input
 *                               with the fields our decoder produced (normalised: property ids
 *                               as keys, binary as hex, user properties as [k, v] pairs)
 *   mqtt_diff encode SEED N     stdout: N JSON lines {ver, hex, type, fields} made by our
 *                               encoders with seeded random inputs, for mqtt-packet to parse
 *
 * The JSON shapes are the contract with diff.mjs; both sides normalise to them. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "probes/mqtt_codec.h"

#define LINE_MAX_BYTES (1u << 21)

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

static void add_slice(cJSON *o, const char *name, struct slice s)
{
	char *c = strndup((const char *)s.p, s.len);
	if (!c)
		abort();
	cJSON_AddStringToObject(o, name, c);
	free(c);
}

static cJSON *slice_str(struct slice s)
{
	char *c = strndup((const char *)s.p, s.len);
	cJSON *j = cJSON_CreateString(c ? c : "");
	free(c);
	return j;
}

static void add_props(cJSON *o, const char *name, const struct mqtt_props *p)
{
	cJSON *j = cJSON_AddObjectToObject(o, name);
	char key[8];
	for (int id = 1; id <= MQTT_P__MAX; id++) {
		if (!mqtt_props_has(p, id))
			continue;
		snprintf(key, sizeof(key), "%d", id);
		switch (mqtt_prop_type(id)) {
		case MP_UTF8: add_slice(j, key, p->v[id].s); break;
		case MP_BINARY: add_hex(j, key, p->v[id].s.p, p->v[id].s.len); break;
		case MP_PAIR: {
			cJSON *a = cJSON_AddArrayToObject(j, key);
			for (uint32_t i = 0; i < p->nuser && i < MQTT_MAX_USER_PROPS; i++) {
				cJSON *pair = cJSON_CreateArray();
				cJSON_AddItemToArray(pair, slice_str(p->user_key[i]));
				cJSON_AddItemToArray(pair, slice_str(p->user_val[i]));
				cJSON_AddItemToArray(a, pair);
			}
			break;
		}
		default: cJSON_AddNumberToObject(j, key, p->v[id].u); break;
		}
	}
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
		if (c->version == 5)
			add_props(o, "willProps", &c->will_props);
	}
	if (c->version == 5)
		add_props(o, "props", &c->props);
}

static void subscribe_fields(cJSON *o, const struct mqtt_subscribe_in *s, int ver)
{
	cJSON_AddNumberToObject(o, "messageId", s->packet_id);
	cJSON *a = cJSON_AddArrayToObject(o, "filters");
	for (size_t i = 0; i < s->nfilters && i < MQTT_MAX_SUB_CODES; i++) {
		cJSON *f = cJSON_CreateObject();
		add_slice(f, "topic", s->filter[i]);
		cJSON_AddNumberToObject(f, "options", s->options[i]);
		cJSON_AddItemToArray(a, f);
	}
	if (ver == 5)
		add_props(o, "props", &s->props);
}

/* Fields of one decoded packet, by type. */
static void fields(cJSON *o, int ver, const struct mqtt_frame *f, const union mqtt_any *a)
{
	cJSON_AddStringToObject(o, "type", mqtt_type_str(f->type));
	switch (f->type) {
	case MQTT_CONNECT: connect_fields(o, &a->connect); break;
	case MQTT_CONNACK:
		cJSON_AddBoolToObject(o, "sessionPresent", a->connack.session_present);
		cJSON_AddNumberToObject(o, "code", a->connack.code);
		if (ver == 5)
			add_props(o, "props", &a->connack.props);
		break;
	case MQTT_PUBLISH:
		cJSON_AddNumberToObject(o, "qos", a->publish.qos);
		cJSON_AddBoolToObject(o, "dup", a->publish.dup);
		cJSON_AddBoolToObject(o, "retain", a->publish.retain);
		add_slice(o, "topic", a->publish.topic);
		cJSON_AddNumberToObject(o, "messageId", a->publish.packet_id);
		add_hex(o, "payload", a->publish.payload.p, a->publish.payload.len);
		if (ver == 5)
			add_props(o, "props", &a->publish.props);
		break;
	case MQTT_PUBACK: case MQTT_PUBREC: case MQTT_PUBREL: case MQTT_PUBCOMP:
		cJSON_AddNumberToObject(o, "messageId", a->ack.packet_id);
		cJSON_AddNumberToObject(o, "code", a->ack.reason);
		if (ver == 5)
			add_props(o, "props", &a->ack.props);
		break;
	case MQTT_SUBSCRIBE: subscribe_fields(o, &a->subscribe, ver); break;
	case MQTT_SUBACK: case MQTT_UNSUBACK:
		cJSON_AddNumberToObject(o, "messageId", a->suback.packet_id);
		add_codes(o, &a->suback);
		if (ver == 5)
			add_props(o, "props", &a->suback.props);
		break;
	case MQTT_DISCONNECT: case MQTT_AUTH:
		cJSON_AddNumberToObject(o, "code", a->disconnect.reason);
		if (ver == 5)
			add_props(o, "props", &a->disconnect.props);
		break;
	default: break;
	}
}

static int unhex(const char *s, uint8_t *out, size_t cap, size_t *n)
{
	size_t len = strlen(s), o = 0;
	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r'))
		len--;
	if (len % 2 || len / 2 > cap)
		return -1;
	for (size_t i = 0; i < len; i += 2) {
		unsigned v;
		if (sscanf(s + i, "%2x", &v) != 1)
			return -1;
		out[o++] = (uint8_t)v;
	}
	*n = o;
	return 0;
}

static int decode_main(void)
{
	static union mqtt_any any;
	char *line = malloc(LINE_MAX_BYTES);
	uint8_t *buf = malloc(LINE_MAX_BYTES / 2);
	if (!line || !buf)
		return 2;
	while (fgets(line, LINE_MAX_BYTES, stdin)) {
		char *sp = strchr(line, ' ');
		size_t n = 0;
		cJSON *o = cJSON_CreateObject();
		int ver = (int)strtol(line, NULL, 10);
		if (!sp || unhex(sp + 1, buf, LINE_MAX_BYTES / 2, &n)) {
			cJSON_AddFalseToObject(o, "ok");
			cJSON_AddStringToObject(o, "err", "bad input line");
		} else {
			struct mqtt_frame f;
			msw_err rc = mqtt_decode_packet(ver, buf, n, 1u << 20, &f, &any);
			cJSON_AddBoolToObject(o, "ok", rc == MSW_OK && f.total == n);
			if (rc != MSW_OK)
				cJSON_AddStringToObject(o, "err", msw_err_str(rc));
			else if (f.total != n)
				cJSON_AddStringToObject(o, "err", "trailing bytes");
			else
				fields(o, ver, &f, &any);
		}
		char *s = cJSON_PrintUnformatted(o);
		puts(s);
		free(s);
		cJSON_Delete(o);
	}
	free(line);
	free(buf);
	return 0;
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

static void rand_str(char *s, size_t max, const char *alphabet)
{
	size_t al = strlen(alphabet), n = rnd((uint32_t)max);
	for (size_t i = 0; i < n; i++)
		s[i] = alphabet[rnd((uint32_t)al)];
	s[n] = 0;
}

/* A valid topic filter: levels of words or '+', optionally ending in '#'. */
static void rand_filter(char *f, size_t cap)
{
	size_t o = 0, levels = 1 + rnd(4);
	char w[8];
	for (size_t l = 0; l < levels && o + 10 < cap; l++) {
		if (rnd(5) == 0)
			snprintf(w, sizeof(w), "+");
		else
			rand_str(w, 6, "abcxyz0123$");
		if (!w[0])
			snprintf(w, sizeof(w), "x");
		o += (size_t)snprintf(f + o, cap - o, "%s%s", l ? "/" : "", w);
	}
	if (rnd(3) == 0 && o + 2 < cap)
		snprintf(f + o, cap - o, "/#");
}

static void emit(cJSON *o, int ver, const uint8_t *buf, size_t n)
{
	cJSON_AddNumberToObject(o, "ver", ver);
	add_hex(o, "hex", buf, n);
	char *s = cJSON_PrintUnformatted(o);
	puts(s);
	free(s);
	cJSON_Delete(o);
}

static void enc_connect(uint8_t *buf, size_t cap)
{
	static const int vers[] = {MQTT_V31, MQTT_V311, MQTT_V5};
	char cid[32], user[40], pass[40];
	struct mqtt_connect c = {.version = vers[rnd(3)], .keepalive = (uint16_t)rnd(65536),
				 .clean = true};
	rand_str(cid, 24, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
	c.client_id = cid;
	if (rnd(2)) {
		rand_str(user, 32, "abcdefghijklmnopqrstuvwxyz0123456789-_.@");
		c.username = user;
		if (rnd(2)) {
			rand_str(pass, 32, "abcdefghijklmnopqrstuvwxyz0123456789!$%&/()=?");
			c.password = pass;
		}
	}
	if (c.version == MQTT_V5) {
		c.receive_maximum = (uint16_t)rnd(2) * (uint16_t)(1 + rnd(65535));
		c.maximum_packet_size = rnd(2) * (1 + rnd(1u << 28));
	}
	size_t n = mqtt_encode_connect(&c, NULL, 0);
	if (n > cap)
		abort();
	mqtt_encode_connect(&c, buf, n);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "connect");
	cJSON_AddNumberToObject(o, "version", c.version);
	cJSON_AddStringToObject(o, "clientId", cid);
	cJSON_AddNumberToObject(o, "keepalive", c.keepalive);
	cJSON_AddBoolToObject(o, "clean", c.clean);
	if (c.username)
		cJSON_AddStringToObject(o, "username", c.username);
	if (c.password)
		cJSON_AddStringToObject(o, "password", c.password);
	if (c.receive_maximum)
		cJSON_AddNumberToObject(o, "receiveMaximum", c.receive_maximum);
	if (c.maximum_packet_size)
		cJSON_AddNumberToObject(o, "maximumPacketSize", c.maximum_packet_size);
	emit(o, c.version, buf, n);
}

static void enc_subscribe(uint8_t *buf, size_t cap)
{
	char f[4][40];
	const char *fp[4];
	struct mqtt_subscribe s = {.version = rnd(2) ? MQTT_V5 : MQTT_V311,
				   .packet_id = (uint16_t)(1 + rnd(65535)), .filters = fp,
				   .nfilters = 1 + rnd(4), .qos = (uint8_t)rnd(3)};
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
	int ver = rnd(2) ? MQTT_V5 : MQTT_V311, k = (int)rnd(3);
	cJSON *o = cJSON_CreateObject();
	size_t n;
	if (k == 0) {
		int t = acks[rnd(4)];
		uint16_t pid = (uint16_t)(1 + rnd(65535));
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
	emit(o, ver, buf, n);
}

static int encode_main(uint64_t seed, long count)
{
	uint8_t buf[4096];
	rs = seed * 2654435761u + 0x9e3779b97f4a7c15ull;
	for (long i = 0; i < count; i++) {
		switch (rnd(3)) {
		case 0: enc_connect(buf, sizeof(buf)); break;
		case 1: enc_subscribe(buf, sizeof(buf)); break;
		default: enc_other(buf, sizeof(buf)); break;
		}
	}
	return 0;
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
