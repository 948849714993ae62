/* Pure MQTT codec (3.1, 3.1.1, 5.0): no sockets, no globals, no allocation except the
 * optional JSON view of properties. Encoders write what a client sends into a buffer of
 * the exact size (call with buf == NULL to learn the size; they assert on internal
 * errors). Decoders read what a server sends (and CONNECT/SUBSCRIBE, for differential
 * tests) from a complete packet body and return MSW_ERR_MALFORMED on anything the spec
 * calls malformed; decoded strings are slices into the input.
 *
 * Framing is stateless (picohttpparser style): mqtt_frame_parse() looks at the bytes received so
 * far and says NEED_MORE, MALFORMED, TOO_BIG (declared remaining length over the caller's
 * cap, checked before anything is buffered or allocated; the header fields are filled so
 * the caller can skip the packet) or OK with the packet's type, flags and body.
 *
 * Spec references: MQTT 3.1.1 (OASIS 2014) and MQTT 5.0 (OASIS 2019) section numbers. */
#ifndef MSW_MQTT_CODEC_H
#define MSW_MQTT_CODEC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/cursor.h"
#include "base/err.h"

/* Protocol level byte of CONNECT */
enum mqtt_ver { MQTT_V31 = 3, MQTT_V311 = 4, MQTT_V5 = 5 };
const char *mqtt_ver_str(int level); /* "3.1", "3.1.1", "5.0" or "?" */

enum mqtt_type {
	MQTT_CONNECT = 1,
	MQTT_CONNACK,
	MQTT_PUBLISH,
	MQTT_PUBACK,
	MQTT_PUBREC,
	MQTT_PUBREL,
	MQTT_PUBCOMP,
	MQTT_SUBSCRIBE,
	MQTT_SUBACK,
	MQTT_UNSUBSCRIBE,
	MQTT_UNSUBACK,
	MQTT_PINGREQ,
	MQTT_PINGRESP,
	MQTT_DISCONNECT,
	MQTT_AUTH
};
const char *mqtt_type_str(int type);

/* ---- framing (§2.1 fixed header, §2.1.4 / 3.1.1 §2.2.3 remaining length) ---- */
struct mqtt_frame {
	uint8_t type;        /* enum mqtt_type */
	uint8_t flags;       /* low nibble of byte 1 */
	uint32_t remaining;  /* declared remaining length */
	size_t hdr_len;      /* 2..5 */
	const uint8_t *body; /* valid only on MSW_OK */
	size_t total;        /* hdr_len + remaining */
};
/* ver selects the flag rules (AUTH exists only in 5.0). Returns MSW_OK, NEED_MORE,
 * MALFORMED (bad varint, reserved type, wrong reserved flag bits) or TOO_BIG
 * (remaining > cap; f->type/flags/remaining/hdr_len/total are set). */
msw_err mqtt_frame_parse(const uint8_t *p, size_t n, int ver, uint32_t cap, struct mqtt_frame *f);

/* ---- MQTT 5 properties (§2.2.2) ---- */
enum mqtt_prop_type { MP_BYTE = 1, MP_U16, MP_U32, MP_VARINT, MP_UTF8, MP_BINARY, MP_PAIR };
enum mqtt_prop_id {
	MQTT_P_PAYLOAD_FORMAT = 0x01,
	MQTT_P_MESSAGE_EXPIRY = 0x02,
	MQTT_P_CONTENT_TYPE = 0x03,
	MQTT_P_RESPONSE_TOPIC = 0x08,
	MQTT_P_CORRELATION_DATA = 0x09,
	MQTT_P_SUBSCRIPTION_ID = 0x0B,
	MQTT_P_SESSION_EXPIRY = 0x11,
	MQTT_P_ASSIGNED_CLIENT_ID = 0x12,
	MQTT_P_SERVER_KEEP_ALIVE = 0x13,
	MQTT_P_AUTH_METHOD = 0x15,
	MQTT_P_AUTH_DATA = 0x16,
	MQTT_P_REQUEST_PROBLEM_INFO = 0x17,
	MQTT_P_WILL_DELAY = 0x18,
	MQTT_P_REQUEST_RESPONSE_INFO = 0x19,
	MQTT_P_RESPONSE_INFO = 0x1A,
	MQTT_P_SERVER_REFERENCE = 0x1C,
	MQTT_P_REASON_STRING = 0x1F,
	MQTT_P_RECEIVE_MAXIMUM = 0x21,
	MQTT_P_TOPIC_ALIAS_MAXIMUM = 0x22,
	MQTT_P_TOPIC_ALIAS = 0x23,
	MQTT_P_MAXIMUM_QOS = 0x24,
	MQTT_P_RETAIN_AVAILABLE = 0x25,
	MQTT_P_USER_PROPERTY = 0x26,
	MQTT_P_MAXIMUM_PACKET_SIZE = 0x27,
	MQTT_P_WILDCARD_SUB_AVAILABLE = 0x28,
	MQTT_P_SUB_ID_AVAILABLE = 0x29,
	MQTT_P_SHARED_SUB_AVAILABLE = 0x2A,
	MQTT_P__MAX = 0x2A
};
/* Where a property may appear: the packet it is in (bit = 1 << mqtt_type) or a Will. */
#define MQTT_PCTX_WILL  (1u << 16)
#define MQTT_PCTX(type) (1u << (type))

#define MQTT_MAX_USER_PROPS 16 /* user properties kept; more are counted, not kept */

struct mqtt_pval {
	uint32_t u;         /* byte / u16 / u32 / varint */
	struct slice s, s2; /* string / binary (s2: value of a pair) */
};
struct mqtt_props {
	uint64_t present; /* bit id set when property id was seen */
	struct mqtt_pval v[MQTT_P__MAX + 1];
	struct slice user_key[MQTT_MAX_USER_PROPS], user_val[MQTT_MAX_USER_PROPS];
	uint32_t nuser;   /* user properties seen (may exceed MQTT_MAX_USER_PROPS) */
	uint32_t nsubids; /* Subscription Identifiers seen (PUBLISH may carry several) */
};
static inline bool mqtt_props_has(const struct mqtt_props *p, int id)
{
	return id > 0 && id <= MQTT_P__MAX && (p->present >> id) & 1;
}
const char *mqtt_prop_name(int id); /* snake_case spec name, NULL if unknown */
int mqtt_prop_type(int id);         /* enum mqtt_prop_type, 0 if unknown */
/* Reads Property Length + properties for context ctx (MQTT_PCTX(type) or MQTT_PCTX_WILL).
 * MALFORMED: unknown identifier, identifier not allowed in ctx (§2.2.2.2: "a Control
 * Packet which contains an Identifier which is not valid for its packet type ... is a
 * Malformed Packet"), repeated non-repeatable property, bad type, length past the end.
 * MSW_ERR_PROTOCOL: a value the spec calls a Protocol Error (boolean not 0/1, Receive
 * Maximum / Maximum Packet Size / Topic Alias / Subscription Identifier 0). */
msw_err mqtt_props_read(struct cursor *c, unsigned ctx, struct mqtt_props *out);
/* JSON object {snake_case_name: value, ..., "user_properties": [[k, v], ...]} (cJSON*). */
struct cJSON *mqtt_props_json(const struct mqtt_props *p);

/* ---- CONNECT (3.1 §3.1, 3.1.1 §3.1, 5.0 §3.1) ---- */
struct mqtt_connect {
	int version; /* MQTT_V31, MQTT_V311, MQTT_V5 */
	uint16_t keepalive;
	bool clean;
	const char *client_id;
	const char *username; /* NULL = none */
	const char *password; /* NULL = none (sent only with a username) */
	/* 5.0 properties we send: Session Expiry 0 (omitted: 0 is the default, written
	 * explicitly anyway for clarity), Receive Maximum, Maximum Packet Size, Topic Alias
	 * Maximum 0, Request Problem Information 1. */
	uint16_t receive_maximum;     /* 0 = omit */
	uint32_t maximum_packet_size; /* 0 = omit */
};
/* Returns the encoded size; writes only when buf != NULL and cap is at least that. */
size_t mqtt_encode_connect(const struct mqtt_connect *o, uint8_t *buf, size_t cap);

/* Decoded CONNECT (for differential tests and the hostile broker). */
struct mqtt_connect_in {
	int version;
	struct slice protocol_name, client_id, username, password, will_topic, will_payload;
	uint8_t flags;
	uint16_t keepalive;
	bool has_username, has_password, has_will;
	struct mqtt_props props, will_props;
};
msw_err mqtt_decode_connect(const uint8_t *body, size_t n, struct mqtt_connect_in *out);

/* ---- CONNACK (3.1.1 §3.2, 5.0 §3.2) ---- */
struct mqtt_connack {
	bool session_present;
	uint8_t code; /* 3.x return code or 5.0 reason code */
	bool legacy;  /* a 5.0 request answered with a 2-byte 3.1.1-style CONNACK */
	struct mqtt_props props;
};
msw_err mqtt_decode_connack(int ver, const uint8_t *body, size_t n, struct mqtt_connack *out);
const char *mqtt_connack_str(int ver, uint8_t code); /* spec name, "unknown" otherwise */
/* What a CONNACK code means to the prober. */
enum mqtt_connack_class {
	CK_ACCEPTED,
	CK_BAD_VERSION,
	CK_BAD_CLIENT_ID,
	CK_BAD_CREDENTIALS,
	CK_NOT_AUTHORIZED,
	CK_BANNED,
	CK_BAD_AUTH_METHOD,
	CK_USE_ANOTHER_SERVER,
	CK_SERVER_MOVED,
	CK_UNAVAILABLE,
	CK_OTHER
};
enum mqtt_connack_class mqtt_connack_class(int ver, uint8_t code);

/* ---- PUBLISH (§3.3) ---- */
struct mqtt_publish {
	uint8_t qos;
	bool dup, retain;
	bool wildcard; /* topic name holds '+' or '#' (decode returns MSW_ERR_PROTOCOL) */
	bool bad_utf8; /* lenient decode only: topic not well-formed UTF-8 or holds U+0000 */
	struct slice topic;
	uint16_t packet_id; /* 0 for QoS 0 */
	struct slice payload;
	struct mqtt_props props;
};
msw_err mqtt_decode_publish(int ver, uint8_t flags, const uint8_t *body, size_t n,
			    struct mqtt_publish *out);
/* Lenient: a topic name that is not MQTT UTF-8 (spec: malformed) is kept as bytes, with
 * bad_utf8 set and MSW_ERR_PROTOCOL returned after a complete decode. For probers that keep
 * what a broken broker delivers; the strict form above is the spec. */
msw_err mqtt_decode_publish_ex(int ver, uint8_t flags, const uint8_t *body, size_t n, bool lenient,
			       struct mqtt_publish *o);

/* The one PUBLISH a client of ours sends (the opt-in write proof): never retained, never
 * a duplicate. qos 0 or 1 (packet_id nonzero with 1). 5.0: the only property is Message
 * Expiry Interval (expiry seconds, omitted when 0), so a copy queued for an offline
 * subscriber does not outlive it. */
struct mqtt_publish_out {
	int version;
	const char *topic;
	const void *payload;
	size_t payload_len;
	uint8_t qos;
	uint16_t packet_id;
	uint32_t expiry;
};
size_t mqtt_encode_publish(const struct mqtt_publish_out *o, uint8_t *buf, size_t cap);

/* Whether topic name t[0..n) matches topic filter f (§4.7: '+' one level, '#' the rest
 * and the parent level, a filter starting with a wildcard matches no topic starting with
 * '$'). A shared subscription "$share/{group}/{filter}" matches as its filter. */
bool mqtt_topic_matches(const char *f, const uint8_t *t, size_t n);

/* ---- PUBACK / PUBREC / PUBREL / PUBCOMP (§3.4-3.7), UNSUBACK-less acks ---- */
struct mqtt_ack {
	uint16_t packet_id;
	uint8_t reason; /* 5.0 reason code (0 when omitted) */
	struct mqtt_props props;
};
msw_err mqtt_decode_ack(int ver, int type, const uint8_t *body, size_t n, struct mqtt_ack *out);
/* Encode PUBACK/PUBREC/PUBREL/PUBCOMP with reason 0 (4 bytes, 5.0 may omit the reason). */
size_t mqtt_encode_ack(int type, uint16_t packet_id, uint8_t *buf, size_t cap);

/* ---- SUBSCRIBE (§3.8) / SUBACK (§3.9) / UNSUBACK (§3.11) ---- */
#define MQTT_MAX_SUB_CODES 16
struct mqtt_subscribe {
	int version;
	uint16_t packet_id;
	const char *const *filters;
	size_t nfilters;
	uint8_t qos; /* requested maximum QoS for every filter (we use 0) */
};
size_t mqtt_encode_subscribe(const struct mqtt_subscribe *o, uint8_t *buf, size_t cap);
struct mqtt_subscribe_in {
	uint16_t packet_id;
	struct slice filter[MQTT_MAX_SUB_CODES];
	uint8_t options[MQTT_MAX_SUB_CODES];
	size_t nfilters; /* total (only the first MQTT_MAX_SUB_CODES are kept) */
	struct mqtt_props props;
};
msw_err mqtt_decode_subscribe(int ver, const uint8_t *body, size_t n,
			      struct mqtt_subscribe_in *out);
/* UNSUBSCRIBE (§3.10): filters only (options stay 0). */
msw_err mqtt_decode_unsubscribe(int ver, const uint8_t *body, size_t n,
				struct mqtt_subscribe_in *o);
struct mqtt_suback {
	uint16_t packet_id;
	uint8_t codes[MQTT_MAX_SUB_CODES];
	size_t ncodes; /* total codes in the packet (first MQTT_MAX_SUB_CODES kept) */
	struct mqtt_props props;
};
msw_err mqtt_decode_suback(int ver, const uint8_t *body, size_t n, struct mqtt_suback *out);
msw_err mqtt_decode_unsuback(int ver, const uint8_t *body, size_t n, struct mqtt_suback *out);
const char *mqtt_suback_str(int ver, uint8_t code);
static inline bool mqtt_suback_granted(uint8_t code)
{
	return code < 0x80;
}

/* ---- PINGREQ / PINGRESP / DISCONNECT / AUTH ---- */
size_t mqtt_encode_pingreq(uint8_t *buf, size_t cap);
/* DISCONNECT, Normal disconnection (reason 0x00) */
size_t mqtt_encode_disconnect(int ver, uint8_t *buf, size_t cap);
struct mqtt_disconnect {
	uint8_t reason; /* 5.0 (0 when omitted or 3.x) */
	struct mqtt_props props;
};
msw_err mqtt_decode_disconnect(int ver, const uint8_t *body, size_t n, struct mqtt_disconnect *out);
/* AUTH (5.0 §3.15): reason 0x00 Success, 0x18 Continue authentication, 0x19 Re-authenticate */
msw_err mqtt_decode_auth(const uint8_t *body, size_t n, struct mqtt_disconnect *out);
const char *mqtt_reason_str(uint8_t code); /* 5.0 reason code name (§2.4) */

/* ---- one entry point for tests and fuzzers ---- */
union mqtt_any {
	struct mqtt_connect_in connect;
	struct mqtt_connack connack;
	struct mqtt_publish publish;
	struct mqtt_ack ack;
	struct mqtt_subscribe_in subscribe; /* SUBSCRIBE and UNSUBSCRIBE */
	struct mqtt_suback suback;          /* SUBACK and UNSUBACK */
	struct mqtt_disconnect disconnect;  /* DISCONNECT and AUTH */
};
/* Frame one packet at p (cap on remaining length) and decode it by type. PINGREQ and
 * PINGRESP must be empty. */
msw_err mqtt_decode_packet(int ver, const uint8_t *p, size_t n, uint32_t cap, struct mqtt_frame *f,
			   union mqtt_any *out);

#endif
