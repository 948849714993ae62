/* Pure MQTT codec; see mqtt_codec.h for the contract.
 *
 * Design: every decoder takes one complete packet body (framing already checked the
 * remaining length against the cap) and walks it with a bounded cursor whose short read
 * is MALFORMED; a decoder must consume the body exactly. Property handling is table
 * driven: one row per MQTT 5 property gives its spec name, wire type and the packets it
 * may appear in, so decode, validation and the JSON view read the same data.
 * Encoders compute the exact size first and then write with an asserting cursor. */
#include "probes/mqtt_codec.h"
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

const char *mqtt_ver_str(int level)
{
	switch (level) {
	case MQTT_V31:
		return "3.1";
	case MQTT_V311:
		return "3.1.1";
	case MQTT_V5:
		return "5.0";
	default:
		return "?";
	}
}

const char *mqtt_type_str(int type)
{
	static const char *const n[16] = {
		"reserved", "CONNECT",  "CONNACK",    "PUBLISH", "PUBACK",      "PUBREC",
		"PUBREL",   "PUBCOMP",  "SUBSCRIBE",  "SUBACK",  "UNSUBSCRIBE", "UNSUBACK",
		"PINGREQ",  "PINGRESP", "DISCONNECT", "AUTH",
	};
	return type >= 0 && type < 16 ? n[type] : "?";
}

/* ------------------------------------------------------------------ framing */

/* Required fixed-header flags (3.1.1 §2.2.2, 5.0 §2.1.3); -1 = PUBLISH (checked apart). */
static int required_flags(int type)
{
	switch (type) {
	case MQTT_PUBLISH:
		return -1;
	case MQTT_PUBREL:
	case MQTT_SUBSCRIBE:
	case MQTT_UNSUBSCRIBE:
		return 0x2;
	default:
		return 0;
	}
}

static msw_err check_flags(int type, uint8_t flags, int ver)
{
	if (type == 0 || (type == MQTT_AUTH && ver != MQTT_V5))
		return MSW_ERR_MALFORMED; /* reserved packet type */
	int req = required_flags(type);
	if (req < 0) {
		uint8_t qos = (flags >> 1) & 3;
		if (qos == 3)
			return MSW_ERR_MALFORMED; /* [MQTT-3.3.1-4] */
		if (qos == 0 && (flags & 0x8) && ver != MQTT_V31)
			return MSW_ERR_MALFORMED; /* DUP on QoS 0 [MQTT-3.3.1-2] */
		return MSW_OK;
	}
	if (ver == MQTT_V31 && req == 0x2)
		return (flags & ~0x8u) == 0x2 ? MSW_OK : MSW_ERR_MALFORMED; /* 3.1 allowed DUP */
	return flags == req ? MSW_OK : MSW_ERR_MALFORMED;
}

msw_err mqtt_frame_parse(const uint8_t *p, size_t n, int ver, uint32_t cap, struct mqtt_frame *f)
{
	struct cursor c;
	uint8_t b0;
	uint32_t rl;
	msw_err rc;

	memset(f, 0, sizeof(*f));
	cur_init_stream(&c, p, n);
	if ((rc = cur_u8(&c, &b0)))
		return rc;
	f->type = b0 >> 4;
	f->flags = b0 & 0xf;
	if ((rc = check_flags(f->type, f->flags, ver)))
		return rc;
	if ((rc = cur_varint(&c, &rl)))
		return rc;
	f->remaining = rl;
	f->hdr_len = c.off;
	f->total = c.off + (size_t)rl;
	if (rl > cap)
		return MSW_ERR_TOO_BIG;
	if (cur_left(&c) < rl)
		return MSW_ERR_NEED_MORE;
	f->body = cur_ptr(&c);
	return MSW_OK;
}

/* --------------------------------------------------------------- properties */

#define C(t) MQTT_PCTX(MQTT_##t)
#define ACKS (C(PUBACK) | C(PUBREC) | C(PUBREL) | C(PUBCOMP))
#define ALL_PROPS                                                                                  \
	(C(CONNECT) | C(CONNACK) | C(PUBLISH) | ACKS | C(SUBSCRIBE) | C(SUBACK) | C(UNSUBSCRIBE) | \
	 C(UNSUBACK) | C(DISCONNECT) | C(AUTH) | MQTT_PCTX_WILL)

/* MQTT 5.0 §2.2.2.2, Table 2-4. flag B = value must be 0 or 1; N = value must not be 0. */
#define PF_BOOL    1
#define PF_NONZERO 2
struct prop_def {
	const char *name;
	uint8_t type;
	uint8_t vflags;
	unsigned ctx;
};
static const struct prop_def props_tab[MQTT_P__MAX + 1] = {
	[0x01] = {"payload_format_indicator", MP_BYTE, PF_BOOL, C(PUBLISH) | MQTT_PCTX_WILL},
	[0x02] = {"message_expiry_interval", MP_U32, 0, C(PUBLISH) | MQTT_PCTX_WILL},
	[0x03] = {"content_type", MP_UTF8, 0, C(PUBLISH) | MQTT_PCTX_WILL},
	[0x08] = {"response_topic", MP_UTF8, 0, C(PUBLISH) | MQTT_PCTX_WILL},
	[0x09] = {"correlation_data", MP_BINARY, 0, C(PUBLISH) | MQTT_PCTX_WILL},
	[0x0B] = {"subscription_identifier", MP_VARINT, PF_NONZERO, C(PUBLISH) | C(SUBSCRIBE)},
	[0x11] = {"session_expiry_interval", MP_U32, 0, C(CONNECT) | C(CONNACK) | C(DISCONNECT)},
	[0x12] = {"assigned_client_identifier", MP_UTF8, 0, C(CONNACK)},
	[0x13] = {"server_keep_alive", MP_U16, 0, C(CONNACK)},
	[0x15] = {"authentication_method", MP_UTF8, 0, C(CONNECT) | C(CONNACK) | C(AUTH)},
	[0x16] = {"authentication_data", MP_BINARY, 0, C(CONNECT) | C(CONNACK) | C(AUTH)},
	[0x17] = {"request_problem_information", MP_BYTE, PF_BOOL, C(CONNECT)},
	[0x18] = {"will_delay_interval", MP_U32, 0, MQTT_PCTX_WILL},
	[0x19] = {"request_response_information", MP_BYTE, PF_BOOL, C(CONNECT)},
	[0x1A] = {"response_information", MP_UTF8, 0, C(CONNACK)},
	[0x1C] = {"server_reference", MP_UTF8, 0, C(CONNACK) | C(DISCONNECT)},
	[0x1F] = {"reason_string", MP_UTF8, 0,
		  C(CONNACK) | ACKS | C(SUBACK) | C(UNSUBACK) | C(DISCONNECT) | C(AUTH)},
	[0x21] = {"receive_maximum", MP_U16, PF_NONZERO, C(CONNECT) | C(CONNACK)},
	[0x22] = {"topic_alias_maximum", MP_U16, 0, C(CONNECT) | C(CONNACK)},
	[0x23] = {"topic_alias", MP_U16, PF_NONZERO, C(PUBLISH)},
	[0x24] = {"maximum_qos", MP_BYTE, PF_BOOL, C(CONNACK)},
	[0x25] = {"retain_available", MP_BYTE, PF_BOOL, C(CONNACK)},
	[0x26] = {"user_property", MP_PAIR, 0, ALL_PROPS},
	[0x27] = {"maximum_packet_size", MP_U32, PF_NONZERO, C(CONNECT) | C(CONNACK)},
	[0x28] = {"wildcard_subscription_available", MP_BYTE, PF_BOOL, C(CONNACK)},
	[0x29] = {"subscription_identifier_available", MP_BYTE, PF_BOOL, C(CONNACK)},
	[0x2A] = {"shared_subscription_available", MP_BYTE, PF_BOOL, C(CONNACK)},
};

const char *mqtt_prop_name(int id)
{
	return id > 0 && id <= MQTT_P__MAX ? props_tab[id].name : NULL;
}

int mqtt_prop_type(int id)
{
	return id > 0 && id <= MQTT_P__MAX ? props_tab[id].type : 0;
}

/* Read one value of the given type into v. */
static msw_err prop_value(struct cursor *c, int type, struct mqtt_pval *v)
{
	uint8_t b;
	uint16_t h;
	msw_err rc;

	switch (type) {
	case MP_BYTE:
		rc = cur_u8(c, &b);
		v->u = b;
		return rc;
	case MP_U16:
		rc = cur_u16(c, &h);
		v->u = h;
		return rc;
	case MP_U32:
		return cur_u32(c, &v->u);
	case MP_VARINT:
		return cur_varint(c, &v->u);
	case MP_UTF8:
		return cur_utf8(c, &v->s);
	case MP_BINARY:
		return cur_binary(c, &v->s);
	case MP_PAIR:
		if ((rc = cur_utf8(c, &v->s)))
			return rc;
		return cur_utf8(c, &v->s2);
	default:
		return MSW_ERR_MALFORMED;
	}
}

/* Record a decoded property; repeats are allowed only for User Property and, in PUBLISH,
 * Subscription Identifier (5.0 §3.3.2.3.8). */
static msw_err prop_store(struct mqtt_props *o, uint32_t id, unsigned ctx,
			  const struct mqtt_pval *v)
{
	if (id == MQTT_P_USER_PROPERTY) {
		if (o->nuser < MQTT_MAX_USER_PROPS) {
			o->user_key[o->nuser] = v->s;
			o->user_val[o->nuser] = v->s2;
		}
		o->nuser++;
		o->present |= 1ull << id;
		return MSW_OK;
	}
	bool seen = mqtt_props_has(o, (int)id);
	if (id == MQTT_P_SUBSCRIPTION_ID && ctx == MQTT_PCTX(MQTT_PUBLISH)) {
		if (!seen)
			o->v[id] = *v;
		o->nsubids++;
		o->present |= 1ull << id;
		return MSW_OK;
	}
	if (seen)
		return MSW_ERR_MALFORMED; /* "more than once is a Protocol Error"; malformed here */
	o->v[id] = *v;
	o->present |= 1ull << id;
	return MSW_OK;
}

msw_err mqtt_props_read(struct cursor *c, unsigned ctx, struct mqtt_props *o)
{
	uint32_t plen, id;
	struct cursor pc;
	msw_err rc;

	memset(o, 0, sizeof(*o));
	if ((rc = cur_varint(c, &plen)))
		return rc;
	if ((rc = cur_sub(c, plen, &pc)))
		return rc;
	while (!cur_done(&pc)) {
		struct mqtt_pval v = {0};
		if ((rc = cur_varint(&pc, &id)))
			return rc;
		if (id == 0 || id > MQTT_P__MAX || !props_tab[id].name ||
		    !(props_tab[id].ctx & ctx))
			return MSW_ERR_MALFORMED;
		if ((rc = prop_value(&pc, props_tab[id].type, &v)))
			return rc;
		if ((props_tab[id].vflags & PF_BOOL) && v.u > 1)
			return MSW_ERR_PROTOCOL;
		if ((props_tab[id].vflags & PF_NONZERO) && v.u == 0)
			return MSW_ERR_PROTOCOL;
		if ((rc = prop_store(o, id, ctx, &v)))
			return rc;
	}
	return MSW_OK;
}

static cJSON *slice_json(struct slice s)
{
	/* UTF-8 strings were validated on decode; binary values may be anything, so they
	 * are shown as hex (the record layer owns base64 for top-level byte fields). */
	char *t = malloc(s.len + 1);
	if (!t)
		return NULL;
	if (s.len)
		memcpy(t, s.p, s.len);
	t[s.len] = 0;
	cJSON *j = cJSON_CreateString(t);
	free(t);
	return j;
}

static cJSON *hex_json(struct slice s)
{
	static const char hx[] = "0123456789abcdef";
	char *t = malloc(2 * s.len + 1);
	if (!t)
		return NULL;
	for (size_t i = 0; i < s.len; i++) {
		t[2 * i] = hx[s.p[i] >> 4];
		t[2 * i + 1] = hx[s.p[i] & 0xf];
	}
	t[2 * s.len] = 0;
	cJSON *j = cJSON_CreateString(t);
	free(t);
	return j;
}

/* cJSON_AddItemToObject copies the key: when that allocation fails the item is not
 * linked, so free it here instead of leaking it. */
static void add_item(cJSON *o, const char *name, cJSON *item)
{
	if (item && !cJSON_AddItemToObject(o, name, item))
		cJSON_Delete(item);
}

static void add_user_props(cJSON *o, const struct mqtt_props *p)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "user_properties");
	uint32_t n = p->nuser < MQTT_MAX_USER_PROPS ? p->nuser : MQTT_MAX_USER_PROPS;
	for (uint32_t i = 0; arr && i < n; i++) {
		cJSON *pair = cJSON_CreateArray();
		if (!pair)
			return;
		cJSON_AddItemToArray(pair, slice_json(p->user_key[i]));
		cJSON_AddItemToArray(pair, slice_json(p->user_val[i]));
		cJSON_AddItemToArray(arr, pair);
	}
	if (p->nuser > MQTT_MAX_USER_PROPS)
		cJSON_AddNumberToObject(o, "user_properties_total", p->nuser);
}

cJSON *mqtt_props_json(const struct mqtt_props *p)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	for (int id = 1; id <= MQTT_P__MAX; id++) {
		if (!mqtt_props_has(p, id))
			continue;
		const struct prop_def *d = &props_tab[id];
		switch (d->type) {
		case MP_UTF8:
			add_item(o, d->name, slice_json(p->v[id].s));
			break;
		case MP_BINARY:
			add_item(o, d->name, hex_json(p->v[id].s));
			break;
		case MP_PAIR:
			add_user_props(o, p);
			break;
		default:
			cJSON_AddNumberToObject(o, d->name, p->v[id].u);
		}
	}
	return o;
}

/* ------------------------------------------------------------------ CONNECT */

/* Properties a 5.0 CONNECT of ours carries (§3.1.2.11). */
static size_t connect_props_len(const struct mqtt_connect *o)
{
	size_t n = 5 /* session expiry */ + 3 /* topic alias max */ + 2 /* problem info */;
	if (o->receive_maximum)
		n += 3;
	if (o->maximum_packet_size)
		n += 5;
	return n;
}

static void connect_props_write(struct wcursor *w, const struct mqtt_connect *o)
{
	wcur_varint(w, (uint32_t)connect_props_len(o));
	wcur_u8(w, MQTT_P_SESSION_EXPIRY);
	wcur_u32(w, 0); /* session ends with the connection */
	if (o->receive_maximum) {
		wcur_u8(w, MQTT_P_RECEIVE_MAXIMUM);
		wcur_u16(w, o->receive_maximum);
	}
	if (o->maximum_packet_size) {
		wcur_u8(w, MQTT_P_MAXIMUM_PACKET_SIZE);
		wcur_u32(w, o->maximum_packet_size);
	}
	wcur_u8(w, MQTT_P_TOPIC_ALIAS_MAXIMUM);
	wcur_u16(w, 0); /* the server must not send aliases */
	wcur_u8(w, MQTT_P_REQUEST_PROBLEM_INFO);
	wcur_u8(w, 1);
}

static size_t connect_body_len(const struct mqtt_connect *o)
{
	size_t n = 2 + (o->version == MQTT_V31 ? 6 : 4) + 1 + 1 + 2;
	if (o->version == MQTT_V5) {
		size_t pl = connect_props_len(o);
		n += varint_len((uint32_t)pl) + pl;
	}
	n += 2 + strlen(o->client_id);
	if (o->username) {
		n += 2 + strlen(o->username);
		if (o->password)
			n += 2 + strlen(o->password);
	}
	return n;
}

size_t mqtt_encode_connect(const struct mqtt_connect *o, uint8_t *buf, size_t cap)
{
	assert(o->client_id && strlen(o->client_id) <= 0xffff);
	assert(!o->username || strlen(o->username) <= 0xffff);
	assert(!o->password || strlen(o->password) <= 0xffff);
	size_t body = connect_body_len(o);
	assert(body <= MSW_VARINT_MAX);
	size_t total = 1 + varint_len((uint32_t)body) + body;
	if (!buf || cap < total)
		return total;

	struct wcursor w;
	uint8_t flags = o->clean ? 0x02 : 0;
	if (o->username) {
		flags |= 0x80;
		if (o->password)
			flags |= 0x40;
	}
	wcur_init(&w, buf, total);
	wcur_u8(&w, MQTT_CONNECT << 4);
	wcur_varint(&w, (uint32_t)body);
	if (o->version == MQTT_V31)
		wcur_string(&w, "MQIsdp", 6);
	else
		wcur_string(&w, "MQTT", 4);
	wcur_u8(&w, (uint8_t)o->version);
	wcur_u8(&w, flags);
	wcur_u16(&w, o->keepalive);
	if (o->version == MQTT_V5)
		connect_props_write(&w, o);
	wcur_string(&w, o->client_id, strlen(o->client_id));
	if (o->username) {
		wcur_string(&w, o->username, strlen(o->username));
		if (o->password)
			wcur_string(&w, o->password, strlen(o->password));
	}
	assert(w.off == total);
	return total;
}

static msw_err connect_will(struct cursor *c, struct mqtt_connect_in *o)
{
	msw_err rc;
	if (o->version == MQTT_V5 && (rc = mqtt_props_read(c, MQTT_PCTX_WILL, &o->will_props)))
		return rc;
	if ((rc = cur_utf8(c, &o->will_topic)))
		return rc;
	return cur_binary(c, &o->will_payload);
}

/* Variable header up to the properties: protocol name/level, flags, keepalive. */
static msw_err connect_header(struct cursor *c, struct mqtt_connect_in *o)
{
	uint8_t level;
	msw_err rc;

	if ((rc = cur_utf8(c, &o->protocol_name)) || (rc = cur_u8(c, &level)) ||
	    (rc = cur_u8(c, &o->flags)) || (rc = cur_u16(c, &o->keepalive)))
		return rc;
	const struct slice *pn = &o->protocol_name;
	if (level == MQTT_V31 && pn->len == 6 && !memcmp(pn->p, "MQIsdp", 6))
		o->version = MQTT_V31;
	else if ((level == MQTT_V311 || level == MQTT_V5) && pn->len == 4 &&
		 !memcmp(pn->p, "MQTT", 4))
		o->version = level;
	else
		return MSW_ERR_PROTOCOL; /* unknown name/level: answered with rc 1 / 0x84 */
	if (o->flags & 0x01)
		return MSW_ERR_MALFORMED; /* reserved flag [MQTT-3.1.2-3] */
	uint8_t wqos = (o->flags >> 3) & 3;
	bool will = o->flags & 0x04;
	if (wqos == 3 || (!will && (wqos || (o->flags & 0x20))))
		return MSW_ERR_MALFORMED; /* [MQTT-3.1.2-13..16] */
	if (o->version != MQTT_V5 && (o->flags & 0xc0) == 0x40)
		return MSW_ERR_MALFORMED; /* password without user name (3.1.1 [MQTT-3.1.2-22]) */
	return MSW_OK;
}

msw_err mqtt_decode_connect(const uint8_t *body, size_t n, struct mqtt_connect_in *o)
{
	struct cursor c;
	msw_err rc;

	memset(o, 0, sizeof(*o));
	cur_init(&c, body, n);
	if ((rc = connect_header(&c, o)))
		return rc;
	if (o->version == MQTT_V5 && (rc = mqtt_props_read(&c, MQTT_PCTX(MQTT_CONNECT), &o->props)))
		return rc;
	if ((rc = cur_utf8(&c, &o->client_id)))
		return rc;
	o->has_will = o->flags & 0x04;
	if (o->has_will && (rc = connect_will(&c, o)))
		return rc;
	o->has_username = o->flags & 0x80;
	if (o->has_username && (rc = cur_utf8(&c, &o->username)))
		return rc;
	o->has_password = o->flags & 0x40;
	if (o->has_password && (rc = cur_binary(&c, &o->password)))
		return rc;
	return cur_done(&c) ? MSW_OK : MSW_ERR_MALFORMED;
}

/* ------------------------------------------------------------------ CONNACK */

msw_err mqtt_decode_connack(int ver, const uint8_t *body, size_t n, struct mqtt_connack *o)
{
	struct cursor c;
	uint8_t flags;
	msw_err rc;

	memset(o, 0, sizeof(*o));
	cur_init(&c, body, n);
	if ((rc = cur_u8(&c, &flags)) || (rc = cur_u8(&c, &o->code)))
		return rc;
	/* 3.1 calls byte 1 "reserved" (unused); 3.1.1/5.0 allow only Session Present. */
	if (ver != MQTT_V31) {
		if (flags & 0xfe)
			return MSW_ERR_MALFORMED; /* [MQTT-3.2.2-1] */
		o->session_present = flags & 1;
	}
	if (ver == MQTT_V5) {
		/* A 3.1.1-only server answers a 5.0 CONNECT in 3.1.1 form (2 bytes, rc 1). */
		if (cur_done(&c)) {
			o->legacy = true;
			return MSW_OK;
		}
		if ((rc = mqtt_props_read(&c, MQTT_PCTX(MQTT_CONNACK), &o->props)))
			return rc;
	}
	return cur_done(&c) ? MSW_OK : MSW_ERR_MALFORMED;
}

const char *mqtt_connack_str(int ver, uint8_t code)
{
	static const char *const v3[6] = {
		"Connection Accepted",
		"Connection Refused, unacceptable protocol version",
		"Connection Refused, identifier rejected",
		"Connection Refused, Server unavailable",
		"Connection Refused, bad user name or password",
		"Connection Refused, not authorized",
	};
	if (ver != MQTT_V5)
		return code < 6 ? v3[code] : "unknown";
	return mqtt_reason_str(code);
}

enum mqtt_connack_class mqtt_connack_class(int ver, uint8_t code)
{
	if (ver != MQTT_V5) {
		static const enum mqtt_connack_class v3[6] = {
			CK_ACCEPTED,    CK_BAD_VERSION,     CK_BAD_CLIENT_ID,
			CK_UNAVAILABLE, CK_BAD_CREDENTIALS, CK_NOT_AUTHORIZED,
		};
		return code < 6 ? v3[code] : CK_OTHER;
	}
	switch (code) {
	case 0x00:
		return CK_ACCEPTED;
	case 0x01:
		return CK_BAD_VERSION; /* legacy 3.1.1-style answer to a 5.0 CONNECT */
	case 0x84:
		return CK_BAD_VERSION;
	case 0x85:
		return CK_BAD_CLIENT_ID;
	case 0x86:
		return CK_BAD_CREDENTIALS;
	case 0x87:
		return CK_NOT_AUTHORIZED;
	case 0x8A:
		return CK_BANNED;
	case 0x8C:
		return CK_BAD_AUTH_METHOD;
	case 0x9C:
		return CK_USE_ANOTHER_SERVER;
	case 0x9D:
		return CK_SERVER_MOVED;
	case 0x88:
	case 0x89:
	case 0x9F:
		return CK_UNAVAILABLE;
	default:
		return CK_OTHER;
	}
}

/* ------------------------------------------------------------------ PUBLISH */

static bool has_wildcard(struct slice s)
{
	return memchr(s.p, '+', s.len) || memchr(s.p, '#', s.len);
}

/* Any failure after the topic: the lenient flags only ever describe an otherwise complete
 * decode, so "MSW_ERR_PROTOCOL with wildcard/bad_utf8 set" always means "kept". */
static msw_err publish_fail(struct mqtt_publish *o, msw_err rc)
{
	o->wildcard = o->bad_utf8 = false;
	return rc;
}

msw_err mqtt_decode_publish_ex(int ver, uint8_t flags, const uint8_t *body, size_t n, bool lenient,
			       struct mqtt_publish *o)
{
	struct cursor c;
	msw_err rc;
	bool no_alias = false;

	memset(o, 0, sizeof(*o));
	o->qos = (flags >> 1) & 3;
	o->dup = flags & 0x8;
	o->retain = flags & 0x1;
	if (o->qos == 3)
		return MSW_ERR_MALFORMED;
	cur_init(&c, body, n);
	rc = cur_utf8(&c, &o->topic);
	if (rc == MSW_ERR_MALFORMED && lenient && !cur_binary(&c, &o->topic))
		o->bad_utf8 = true; /* [MQTT-1.5.4-1/2]: malformed; kept when lenient */
	else if (rc)
		return rc;
	/* a topic name with '+' or '#' violates [MQTT-3.3.2-2]; the packet is still
	 * decoded completely and reported as MSW_ERR_PROTOCOL with o->wildcard set, so a
	 * prober may keep what a broken broker sent */
	o->wildcard = o->topic.len && has_wildcard(o->topic);
	if (o->qos) {
		if ((rc = cur_u16(&c, &o->packet_id)))
			return publish_fail(o, rc);
		if (!o->packet_id)
			return publish_fail(o, MSW_ERR_MALFORMED); /* [MQTT-2.3.1-1] */
	}
	if (ver == MQTT_V5) {
		if ((rc = mqtt_props_read(&c, MQTT_PCTX(MQTT_PUBLISH), &o->props)))
			return publish_fail(o, rc);
		/* an empty topic is only valid with a Topic Alias (§3.3.2.1): a Protocol
		 * Error, reported after the whole packet is decoded */
		no_alias = !o->topic.len && !mqtt_props_has(&o->props, MQTT_P_TOPIC_ALIAS);
	} else if (!o->topic.len) {
		return publish_fail(o, MSW_ERR_MALFORMED); /* [MQTT-4.7.3-1] */
	}
	if ((rc = cur_rest(&c, &o->payload)))
		return publish_fail(o, rc);
	return o->wildcard || o->bad_utf8 || no_alias ? MSW_ERR_PROTOCOL : MSW_OK;
}

msw_err mqtt_decode_publish(int ver, uint8_t flags, const uint8_t *body, size_t n,
			    struct mqtt_publish *o)
{
	return mqtt_decode_publish_ex(ver, flags, body, n, false, o);
}

/* ---------------------------------------------- PUBACK/PUBREC/PUBREL/PUBCOMP */

/* 5.0 §3.4.2.1: the reason code and properties may be omitted (remaining length 2), the
 * properties alone may be omitted (remaining length 3). */
msw_err mqtt_decode_ack(int ver, int type, const uint8_t *body, size_t n, struct mqtt_ack *o)
{
	struct cursor c;
	msw_err rc;

	memset(o, 0, sizeof(*o));
	cur_init(&c, body, n);
	if ((rc = cur_u16(&c, &o->packet_id)))
		return rc;
	if (!o->packet_id)
		return MSW_ERR_MALFORMED;
	if (ver == MQTT_V5 && !cur_done(&c)) {
		if ((rc = cur_u8(&c, &o->reason)))
			return rc;
		if (!cur_done(&c) && (rc = mqtt_props_read(&c, MQTT_PCTX(type), &o->props)))
			return rc;
	}
	return cur_done(&c) ? MSW_OK : MSW_ERR_MALFORMED;
}

size_t mqtt_encode_ack(int type, uint16_t packet_id, uint8_t *buf, size_t cap)
{
	assert(type >= MQTT_PUBACK && type <= MQTT_PUBCOMP);
	if (!buf || cap < 4)
		return 4;
	struct wcursor w;
	wcur_init(&w, buf, 4);
	wcur_u8(&w, (uint8_t)((type << 4) | (type == MQTT_PUBREL ? 0x2 : 0)));
	wcur_u8(&w, 2);
	wcur_u16(&w, packet_id);
	return 4;
}

size_t mqtt_encode_publish(const struct mqtt_publish_out *o, uint8_t *buf, size_t cap)
{
	size_t tl = strlen(o->topic);
	assert(o->qos <= 1 && (o->qos == 0 || o->packet_id) && tl && tl <= 0xffff);
	size_t props = o->version == MQTT_V5 && o->expiry ? 5 : 0; /* id + u32 */
	size_t body = 2 + tl + (o->qos ? 2 : 0) + (o->version == MQTT_V5 ? 1 + props : 0) +
		      o->payload_len;
	assert(body <= MSW_VARINT_MAX);
	size_t total = 1 + varint_len((uint32_t)body) + body;
	if (!buf || cap < total)
		return total;
	struct wcursor w;
	wcur_init(&w, buf, total);
	wcur_u8(&w, (uint8_t)((MQTT_PUBLISH << 4) | (o->qos << 1))); /* DUP 0, RETAIN 0 */
	wcur_varint(&w, (uint32_t)body);
	wcur_string(&w, o->topic, tl);
	if (o->qos)
		wcur_u16(&w, o->packet_id);
	if (o->version == MQTT_V5) {
		wcur_varint(&w, (uint32_t)props);
		if (props) {
			wcur_u8(&w, MQTT_P_MESSAGE_EXPIRY);
			wcur_u32(&w, o->expiry);
		}
	}
	wcur_bytes(&w, o->payload, o->payload_len);
	assert(w.off == total);
	return total;
}

/* ------------------------------------------------------- topic filters (§4.7) */

bool mqtt_topic_matches(const char *f, const uint8_t *t, size_t n)
{
	size_t i = 0;

	if (!strncmp(f, "$share/", 7)) { /* 5.0 §4.8.2: $share/{ShareName}/{filter} */
		const char *slash = strchr(f + 7, '/');
		if (!slash)
			return false;
		f = slash + 1;
	}
	if ((*f == '+' || *f == '#') && n && t[0] == '$')
		return false; /* [MQTT-4.7.2-1] */
	for (;;) {
		if (*f == '#')
			return true; /* this level and everything below */
		if (*f == '+') {
			while (i < n && t[i] != '/')
				i++;
			f++;
		} else {
			while (*f && *f != '/' && i < n && t[i] != '/' && (uint8_t)*f == t[i]) {
				f++;
				i++;
			}
			if ((*f && *f != '/') || (i < n && t[i] != '/'))
				return false; /* the level differs */
		}
		if (!*f)
			return i == n;
		/* *f == '/': the topic must go on, except that "a/#" also matches "a" */
		if (i == n)
			return !strcmp(f, "/#");
		f++;
		i++;
	}
}

/* ------------------------------------------------------- SUBSCRIBE / SUBACK */

static size_t subscribe_body_len(const struct mqtt_subscribe *o)
{
	size_t n = 2 + (o->version == MQTT_V5 ? 1 : 0); /* packet id, empty properties */
	for (size_t i = 0; i < o->nfilters; i++)
		n += 2 + strlen(o->filters[i]) + 1;
	return n;
}

size_t mqtt_encode_subscribe(const struct mqtt_subscribe *o, uint8_t *buf, size_t cap)
{
	assert(o->nfilters > 0 && o->packet_id && o->qos <= 2);
	size_t body = subscribe_body_len(o);
	assert(body <= MSW_VARINT_MAX);
	size_t total = 1 + varint_len((uint32_t)body) + body;
	if (!buf || cap < total)
		return total;
	struct wcursor w;
	wcur_init(&w, buf, total);
	wcur_u8(&w, (MQTT_SUBSCRIBE << 4) | 0x2);
	wcur_varint(&w, (uint32_t)body);
	wcur_u16(&w, o->packet_id);
	if (o->version == MQTT_V5)
		wcur_u8(&w, 0);
	for (size_t i = 0; i < o->nfilters; i++) {
		size_t fl = strlen(o->filters[i]);
		assert(fl <= 0xffff);
		wcur_string(&w, o->filters[i], fl);
		/* 5.0 subscription options: QoS, No Local 0, Retain As Published 0, Retain
		 * Handling 0 (send retained messages at subscribe) — same byte as 3.x QoS. */
		wcur_u8(&w, o->qos);
	}
	assert(w.off == total);
	return total;
}

static msw_err sub_options_ok(int ver, uint8_t opt)
{
	if (ver != MQTT_V5) /* reserved bits, or QoS not 0, 1 or 2 [MQTT-3-8.3-4] */
		return (opt & 0xfc) || (opt & 3) == 3 ? MSW_ERR_MALFORMED : MSW_OK;
	if ((opt & 0xc0) || ((opt >> 4) & 3) == 3 || (opt & 3) == 3)
		return MSW_ERR_MALFORMED; /* 5.0 §3.8.3.1 */
	return MSW_OK;
}

/* SUBSCRIBE (filter + options byte) and UNSUBSCRIBE (filter only): packet id, 5.0
 * properties, at least one filter [MQTT-3.8.3-3] [MQTT-3.10.3-2]. */
static msw_err decode_sublist(int ver, int type, const uint8_t *body, size_t n,
			      struct mqtt_subscribe_in *o)
{
	struct cursor c;
	msw_err rc;

	memset(o, 0, sizeof(*o));
	cur_init(&c, body, n);
	if ((rc = cur_u16(&c, &o->packet_id)))
		return rc;
	if (!o->packet_id)
		return MSW_ERR_MALFORMED;
	if (ver == MQTT_V5 && (rc = mqtt_props_read(&c, MQTT_PCTX(type), &o->props)))
		return rc;
	while (!cur_done(&c)) {
		struct slice f;
		uint8_t opt = 0;
		if ((rc = cur_utf8(&c, &f)))
			return rc;
		if (type == MQTT_SUBSCRIBE && (rc = cur_u8(&c, &opt)))
			return rc;
		if (!f.len || (rc = sub_options_ok(ver, opt)))
			return MSW_ERR_MALFORMED;
		if (o->nfilters < MQTT_MAX_SUB_CODES) {
			o->filter[o->nfilters] = f;
			o->options[o->nfilters] = opt;
		}
		o->nfilters++;
	}
	return o->nfilters ? MSW_OK : MSW_ERR_MALFORMED;
}

msw_err mqtt_decode_subscribe(int ver, const uint8_t *body, size_t n, struct mqtt_subscribe_in *o)
{
	return decode_sublist(ver, MQTT_SUBSCRIBE, body, n, o);
}

msw_err mqtt_decode_unsubscribe(int ver, const uint8_t *body, size_t n, struct mqtt_subscribe_in *o)
{
	return decode_sublist(ver, MQTT_UNSUBSCRIBE, body, n, o);
}

static bool suback_code_ok(int ver, uint8_t code)
{
	if (code <= 2)
		return true;
	if (ver != MQTT_V5)
		return code == 0x80;
	return code >= 0x80; /* 5.0 failure codes (§3.9.3); unknown ones kept as failures */
}

/* Shared by SUBACK and UNSUBACK: packet id, 5.0 properties, reason codes. */
static msw_err decode_xack(int ver, int type, const uint8_t *body, size_t n, struct mqtt_suback *o)
{
	struct cursor c;
	msw_err rc;

	memset(o, 0, sizeof(*o));
	cur_init(&c, body, n);
	if ((rc = cur_u16(&c, &o->packet_id)))
		return rc;
	if (!o->packet_id)
		return MSW_ERR_MALFORMED;
	if (ver == MQTT_V5 && (rc = mqtt_props_read(&c, MQTT_PCTX(type), &o->props)))
		return rc;
	if (type == MQTT_UNSUBACK && ver != MQTT_V5)
		return cur_done(&c) ? MSW_OK : MSW_ERR_MALFORMED;
	while (!cur_done(&c)) {
		uint8_t code;
		if ((rc = cur_u8(&c, &code)))
			return rc;
		if (type == MQTT_SUBACK && !suback_code_ok(ver, code))
			return MSW_ERR_MALFORMED;
		if (o->ncodes < MQTT_MAX_SUB_CODES)
			o->codes[o->ncodes] = code;
		o->ncodes++;
	}
	return o->ncodes ? MSW_OK : MSW_ERR_MALFORMED;
}

msw_err mqtt_decode_suback(int ver, const uint8_t *body, size_t n, struct mqtt_suback *o)
{
	return decode_xack(ver, MQTT_SUBACK, body, n, o);
}

msw_err mqtt_decode_unsuback(int ver, const uint8_t *body, size_t n, struct mqtt_suback *o)
{
	return decode_xack(ver, MQTT_UNSUBACK, body, n, o);
}

const char *mqtt_suback_str(int ver, uint8_t code)
{
	switch (code) {
	case 0x00:
		return "Granted QoS 0";
	case 0x01:
		return "Granted QoS 1";
	case 0x02:
		return "Granted QoS 2";
	case 0x80:
		return ver == MQTT_V5 ? "Unspecified error" : "Failure";
	default:
		return ver == MQTT_V5 ? mqtt_reason_str(code) : "unknown";
	}
}

/* ---------------------------------------------- PING / DISCONNECT / AUTH */

size_t mqtt_encode_pingreq(uint8_t *buf, size_t cap)
{
	if (buf && cap >= 2) {
		buf[0] = MQTT_PINGREQ << 4;
		buf[1] = 0;
	}
	return 2;
}

size_t mqtt_encode_disconnect(int ver, uint8_t *buf, size_t cap)
{
	(void)ver; /* 5.0: remaining length 0 means reason 0x00 Normal disconnection */
	if (buf && cap >= 2) {
		buf[0] = MQTT_DISCONNECT << 4;
		buf[1] = 0;
	}
	return 2;
}

/* 5.0 §3.14.2 / §3.15.2: remaining length 0 = reason 0x00 and no properties; 1 = reason
 * only. 3.x DISCONNECT has no variable header. */
static msw_err decode_reason_props(int type, const uint8_t *body, size_t n,
				   struct mqtt_disconnect *o)
{
	struct cursor c;
	msw_err rc;

	memset(o, 0, sizeof(*o));
	cur_init(&c, body, n);
	if (cur_done(&c))
		return MSW_OK;
	if ((rc = cur_u8(&c, &o->reason)))
		return rc;
	if (!cur_done(&c) && (rc = mqtt_props_read(&c, MQTT_PCTX(type), &o->props)))
		return rc;
	return cur_done(&c) ? MSW_OK : MSW_ERR_MALFORMED;
}

msw_err mqtt_decode_disconnect(int ver, const uint8_t *body, size_t n, struct mqtt_disconnect *o)
{
	if (ver != MQTT_V5) {
		memset(o, 0, sizeof(*o));
		return n == 0 ? MSW_OK : MSW_ERR_MALFORMED;
	}
	return decode_reason_props(MQTT_DISCONNECT, body, n, o);
}

msw_err mqtt_decode_auth(const uint8_t *body, size_t n, struct mqtt_disconnect *o)
{
	msw_err rc = decode_reason_props(MQTT_AUTH, body, n, o);
	if (rc)
		return rc;
	if (o->reason != 0x00 && o->reason != 0x18 && o->reason != 0x19)
		return MSW_ERR_MALFORMED; /* §3.15.2.1 */
	return MSW_OK;
}

/* MQTT 5.0 §2.4, Table 2-6 (0x00 is "Success" / "Normal disconnection" / "Granted QoS 0"
 * depending on the packet). */
const char *mqtt_reason_str(uint8_t code)
{
	switch (code) {
	case 0x00:
		return "Success";
	case 0x01:
		return "Granted QoS 1";
	case 0x02:
		return "Granted QoS 2";
	case 0x04:
		return "Disconnect with Will Message";
	case 0x10:
		return "No matching subscribers";
	case 0x11:
		return "No subscription existed";
	case 0x18:
		return "Continue authentication";
	case 0x19:
		return "Re-authenticate";
	case 0x80:
		return "Unspecified error";
	case 0x81:
		return "Malformed Packet";
	case 0x82:
		return "Protocol Error";
	case 0x83:
		return "Implementation specific error";
	case 0x84:
		return "Unsupported Protocol Version";
	case 0x85:
		return "Client Identifier not valid";
	case 0x86:
		return "Bad User Name or Password";
	case 0x87:
		return "Not authorized";
	case 0x88:
		return "Server unavailable";
	case 0x89:
		return "Server busy";
	case 0x8A:
		return "Banned";
	case 0x8B:
		return "Server shutting down";
	case 0x8C:
		return "Bad authentication method";
	case 0x8D:
		return "Keep Alive timeout";
	case 0x8E:
		return "Session taken over";
	case 0x8F:
		return "Topic Filter invalid";
	case 0x90:
		return "Topic Name invalid";
	case 0x91:
		return "Packet Identifier in use";
	case 0x92:
		return "Packet Identifier not found";
	case 0x93:
		return "Receive Maximum exceeded";
	case 0x94:
		return "Topic Alias invalid";
	case 0x95:
		return "Packet too large";
	case 0x96:
		return "Message rate too high";
	case 0x97:
		return "Quota exceeded";
	case 0x98:
		return "Administrative action";
	case 0x99:
		return "Payload format invalid";
	case 0x9A:
		return "Retain not supported";
	case 0x9B:
		return "QoS not supported";
	case 0x9C:
		return "Use another server";
	case 0x9D:
		return "Server moved";
	case 0x9E:
		return "Shared Subscriptions not supported";
	case 0x9F:
		return "Connection rate exceeded";
	case 0xA0:
		return "Maximum connect time";
	case 0xA1:
		return "Subscription Identifiers not supported";
	case 0xA2:
		return "Wildcard Subscriptions not supported";
	default:
		return "unknown";
	}
}

/* ------------------------------------------------------------ dispatch */

static msw_err decode_body(int ver, const struct mqtt_frame *f, union mqtt_any *o)
{
	const uint8_t *b = f->body;
	size_t n = f->remaining;

	switch (f->type) {
	case MQTT_CONNECT:
		return mqtt_decode_connect(b, n, &o->connect);
	case MQTT_CONNACK:
		return mqtt_decode_connack(ver, b, n, &o->connack);
	case MQTT_PUBLISH:
		return mqtt_decode_publish(ver, f->flags, b, n, &o->publish);
	case MQTT_PUBACK:
	case MQTT_PUBREC:
	case MQTT_PUBREL:
	case MQTT_PUBCOMP:
		return mqtt_decode_ack(ver, f->type, b, n, &o->ack);
	case MQTT_SUBSCRIBE:
		return mqtt_decode_subscribe(ver, b, n, &o->subscribe);
	case MQTT_SUBACK:
		return mqtt_decode_suback(ver, b, n, &o->suback);
	case MQTT_UNSUBACK:
		return mqtt_decode_unsuback(ver, b, n, &o->suback);
	case MQTT_PINGREQ:
	case MQTT_PINGRESP:
		return n ? MSW_ERR_MALFORMED : MSW_OK;
	case MQTT_DISCONNECT:
		return mqtt_decode_disconnect(ver, b, n, &o->disconnect);
	case MQTT_AUTH:
		return mqtt_decode_auth(b, n, &o->disconnect);
	case MQTT_UNSUBSCRIBE:
		return mqtt_decode_unsubscribe(ver, b, n, &o->subscribe);
	default:
		return MSW_ERR_MALFORMED;
	}
}

msw_err mqtt_decode_packet(int ver, const uint8_t *p, size_t n, uint32_t cap, struct mqtt_frame *f,
			   union mqtt_any *out)
{
	msw_err rc = mqtt_frame_parse(p, n, ver, cap, f);
	if (rc)
		return rc;
	memset(out, 0, sizeof(*out));
	return decode_body(ver, f, out);
}
