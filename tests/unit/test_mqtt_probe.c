/* The MQTT probe's state machine without the engine: this file provides the pctx_*
 * services (a send log, a settable clock, a counter for randomness, the armed timer) and a
 * feeder that behaves like the engine (unconsumed bytes are kept and offered again with
 * the next read). Each test drives one target through init → on_connected → on_data …
 * and checks the packets the probe sent and the record it filled. */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/config.h"
#include "base/target.h"
#include "classify/classify.h"
#include "output/record.h"
#include "probes/mqtt_access_rec.h"
#include "probes/mqtt_codec.h"
#include "probes/probe.h"

/* ---- fake engine services ---- */
static uint8_t sent[1 << 16];
static size_t nsent;
static int64_t now_ms;
static uint32_t timer_ms;
static uint64_t rnd;

msw_err pctx_send(struct pctx *c, const void *p, size_t n)
{
	(void)c;
	assert_true(nsent + n <= sizeof(sent));
	memcpy(sent + nsent, p, n);
	nsent += n;
	return MSW_OK;
}
void pctx_timer(struct pctx *c, uint32_t ms)
{
	(void)c;
	timer_ms = ms;
}
uint64_t pctx_random(struct pctx *c)
{
	(void)c;
	return rnd = rnd * 6364136223846793005ull + 1442695040888963407ull;
}
int64_t pctx_now_ms(struct pctx *c)
{
	(void)c;
	return now_ms;
}

struct harness {
	struct msw_config cfg;
	struct msw_target tgt;
	struct msw_record rec;
	struct pctx pc;
	uint8_t pending[1 << 20]; /* unconsumed input, like the engine's rx dbuf */
	size_t npending;
};

static struct harness *H;

/* The outcome the record keeps for one protocol level ("3.1", "3.1.1", "5.0"), or NULL
 * when that level was not planned. */
static const char *vres_of_level(const char *level)
{
	static const char *const names[3] = {"3.1", "3.1.1", "5.0"};
	for (int i = 0; i < 3; i++)
		if (!strcmp(level, names[i]))
			return H->rec.versions.set && (H->rec.versions.planned & (1u << i))
				       ? fenum_name(&msw_vres_enum, H->rec.versions.v[i])
				       : NULL;
	return NULL;
}

static void setup_h(enum msw_depth depth, unsigned versions, uint32_t window_ms)
{
	H = calloc(1, sizeof(*H));
	H->cfg.depth = depth;
	H->cfg.versions = versions;
	H->cfg.window_ms = window_ms;
	H->cfg.client_id_prefix = "msw-";
	H->cfg.max_packet = 1024;
	H->cfg.max_topics = 100;
	H->cfg.sample_bytes = 64;
	H->cfg.max_messages = 1000;
	snprintf(H->tgt.ip, sizeof(H->tgt.ip), "127.0.0.1");
	H->tgt.port = 1883;
	record_init(&H->rec, "mqtt");
	H->pc.state = calloc(1, probe_mqtt.state_size);
	H->pc.rec = &H->rec;
	H->pc.cfg = &H->cfg;
	H->pc.target = &H->tgt;
	nsent = 0;
	now_ms = 1000;
	timer_ms = 0;
	assert_int_equal(probe_mqtt.init(&H->pc), PROBE_CONTINUE);
}

static void teardown_h(void)
{
	probe_mqtt.finish(&H->pc);
	record_free(&H->rec);
	free(H->pc.state);
	free(H);
}

static enum probe_rc connect_(void)
{
	H->npending = 0;
	nsent = 0;
	return probe_mqtt.on_connected(&H->pc);
}

/* Offer bytes like the engine: append to the pending input, call on_data until it stops
 * consuming, keep the rest. */
static enum probe_rc feed(const uint8_t *p, size_t n)
{
	memcpy(H->pending + H->npending, p, n);
	H->npending += n;
	enum probe_rc rc = PROBE_CONTINUE;
	size_t off = 0;
	while (off < H->npending) {
		size_t used = 0;
		rc = probe_mqtt.on_data(&H->pc, H->pending + off, H->npending - off, &used);
		off += used;
		if (rc != PROBE_CONTINUE || !used)
			break;
	}
	memmove(H->pending, H->pending + off, H->npending - off);
	H->npending -= off;
	return rc;
}

/* Feed a byte at a time; returns the first non-CONTINUE verdict. */
static enum probe_rc trickle(const uint8_t *p, size_t n)
{
	enum probe_rc rc = PROBE_CONTINUE;
	for (size_t i = 0; i < n && rc == PROBE_CONTINUE; i++)
		rc = feed(p + i, 1);
	return rc;
}

/* The k-th packet the probe sent since the last connect_(). */
static int sent_packet(size_t k, int ver, union mqtt_any *u)
{
	size_t off = 0;
	struct mqtt_frame f;
	for (size_t i = 0;; i++) {
		assert_true(off < nsent);
		msw_err rc = mqtt_decode_packet(ver, sent + off, nsent - off, 1u << 20, &f, u);
		assert_int_equal(rc, MSW_OK);
		if (i == k)
			return f.type;
		off += f.total;
	}
}

static size_t count_sent(int ver)
{
	size_t off = 0, n = 0;
	struct mqtt_frame f;
	static union mqtt_any u;
	while (off < nsent &&
	       mqtt_decode_packet(ver, sent + off, nsent - off, 1u << 20, &f, &u) == MSW_OK) {
		off += f.total;
		n++;
	}
	return n;
}

static const uint8_t CONNACK_OK[] = {0x20, 2, 0, 0};
static const uint8_t SUBACK_OK[] = {0x90, 4, 0, 1, 0, 0};

static void test_connack_depth(void **st)
{
	(void)st;
	setup_h(DEPTH_CONNACK, MSW_V311, 0);
	assert_int_equal(connect_(), PROBE_CONTINUE);
	static union mqtt_any u;
	assert_int_equal(sent_packet(0, MQTT_V311, &u), MQTT_CONNECT);
	assert_int_equal(u.connect.version, MQTT_V311);
	assert_true(u.connect.flags & 0x02); /* clean session */
	assert_false(u.connect.has_will);
	assert_false(u.connect.has_username);
	assert_int_equal(u.connect.keepalive, 60);
	assert_int_equal(u.connect.client_id.len, 23);
	assert_memory_equal(u.connect.client_id.p, "msw-", 4);
	/* one CONNACK across four reads */
	assert_int_equal(trickle(CONNACK_OK, sizeof(CONNACK_OK)), PROBE_DONE);
	assert_int_equal(sent_packet(1, MQTT_V311, &u), MQTT_DISCONNECT);
	assert_int_equal(count_sent(MQTT_V311), 2); /* nothing subscribed */
	assert_true(H->rec.mqtt);
	assert_int_equal(H->rec.auth, AUTH_ANONYMOUS);
	assert_int_equal(H->rec.status, ST_SUCCESS);
	assert_string_equal(H->rec.mqtt_version, "3.1.1");
	assert_int_equal(H->rec.connack_code, 0);
	assert_int_equal(H->rec.connack_raw.len, 4);
	teardown_h();
}

static void test_topics_window(void **st)
{
	(void)st;
	setup_h(DEPTH_TOPICS, MSW_V311, 5000);
	connect_();
	assert_int_equal(feed(CONNACK_OK, 4), PROBE_CONTINUE);
	static union mqtt_any u;
	assert_int_equal(sent_packet(1, MQTT_V311, &u), MQTT_SUBSCRIBE);
	assert_int_equal(u.subscribe.nfilters, 2);
	assert_memory_equal(u.subscribe.filter[0].p, "#", 1);
	assert_int_equal(u.subscribe.options[0], 0);
	assert_int_equal(u.subscribe.options[1], 0);
	/* SUBACK, a retained PUBLISH, a QoS 1 PUBLISH and half of a QoS 2 one, in one read */
	uint8_t buf[64];
	size_t n = 0;
	memcpy(buf, SUBACK_OK, 6);
	n = 6;
	const uint8_t p1[] = {0x31, 8, 0, 3, 'a', '/', 'b', 'o', 'n', '!'};
	const uint8_t p2[] = {0x32, 7, 0, 1, 'c', 0, 9, 'h', 'i'};
	const uint8_t p3[] = {0x34, 7, 0, 1, 'd', 0, 10, 'y', 'o'};
	memcpy(buf + n, p1, sizeof(p1));
	n += sizeof(p1);
	memcpy(buf + n, p2, sizeof(p2));
	n += sizeof(p2);
	memcpy(buf + n, p3, 4);
	n += 4;
	assert_int_equal(feed(buf, n), PROBE_CONTINUE);
	assert_int_equal(timer_ms, 5000); /* the window, shorter than the 30 s ping */
	assert_int_equal(feed(p3 + 4, sizeof(p3) - 4), PROBE_CONTINUE);
	assert_int_equal(sent_packet(2, MQTT_V311, &u), MQTT_PUBACK);
	assert_int_equal(u.ack.packet_id, 9);
	assert_int_equal(sent_packet(3, MQTT_V311, &u), MQTT_PUBREC);
	assert_int_equal(u.ack.packet_id, 10);
	const uint8_t pubrel[] = {0x62, 2, 0, 10};
	assert_int_equal(feed(pubrel, 4), PROBE_CONTINUE);
	assert_int_equal(sent_packet(4, MQTT_V311, &u), MQTT_PUBCOMP);
	assert_int_equal(u.ack.packet_id, 10);
	/* the window ends */
	now_ms += 5000;
	assert_int_equal(probe_mqtt.on_timer(&H->pc), PROBE_DONE);
	assert_int_equal(sent_packet(5, MQTT_V311, &u), MQTT_DISCONNECT);
	assert_int_equal(H->rec.topics.n, 3);
	assert_true(record_topics(&H->rec)[0].retained);
	assert_false(record_topics(&H->rec)[1].retained);
	assert_int_equal(H->rec.messages_total, 3);
	assert_int_equal(H->rec.retained_count, 1);
	probe_mqtt.finish(&H->pc);
	assert_int_equal(H->rec.read_access, READ_GRANTED_WITH_DATA);
	teardown_h();
}

static void test_ping_and_no_data(void **st)
{
	(void)st;
	setup_h(DEPTH_TOPICS, MSW_V311, 70000);
	connect_();
	feed(CONNACK_OK, 4);
	assert_int_equal(feed(SUBACK_OK, 6), PROBE_CONTINUE);
	assert_int_equal(timer_ms, 30000); /* ping before the window ends */
	now_ms += 30000;
	assert_int_equal(probe_mqtt.on_timer(&H->pc), PROBE_CONTINUE);
	static union mqtt_any u;
	assert_int_equal(sent_packet(2, MQTT_V311, &u), MQTT_PINGREQ);
	assert_int_equal(timer_ms, 30000);
	const uint8_t pingresp[] = {0xd0, 0};
	assert_int_equal(feed(pingresp, 2), PROBE_CONTINUE);
	now_ms += 30000;
	assert_int_equal(probe_mqtt.on_timer(&H->pc), PROBE_CONTINUE);
	assert_int_equal(timer_ms, 10000);
	now_ms += 10000;
	/* nothing at all in the window: one re-check with the same CONNECT, CONNACK only */
	assert_int_equal(probe_mqtt.on_timer(&H->pc), PROBE_RECONNECT);
	assert_int_equal(sent_packet(4, MQTT_V311, &u), MQTT_DISCONNECT);
	assert_int_equal(connect_(), PROBE_CONTINUE);
	assert_int_equal(sent_packet(0, MQTT_V311, &u), MQTT_CONNECT);
	assert_int_equal(u.connect.version, MQTT_V311);
	assert_int_equal(feed(CONNACK_OK, 4), PROBE_DONE);
	assert_int_equal(sent_packet(1, MQTT_V311, &u), MQTT_DISCONNECT);
	assert_int_equal(count_sent(MQTT_V311), 2); /* no second SUBSCRIBE */
	probe_mqtt.finish(&H->pc);
	assert_int_equal(H->rec.read_access, READ_GRANTED_NO_DATA); /* the main pass's verdict */
	assert_int_equal(H->rec.auth, AUTH_ANONYMOUS);
	teardown_h();
}

/* The honeypot signals the probe hands to the classifier: the re-check's CONNACK differs
 * (rc 5 where 0 came), and, on another target, a SUBACK that is a template's (RIoTPot: flag
 * bits set, no return codes). */
static void test_honeypot_signals(void **st)
{
	static const uint8_t rc5[] = {0x20, 2, 0, 5}, suback_92[] = {0x92, 2, 0, 0};
	struct msw_record *r = &H->rec;
	cJSON *tree, *hp;
	(void)st;

	setup_h(DEPTH_TOPICS, MSW_V311, 1000);
	H->pc.cls = cls_new(&H->cfg);
	connect_();
	feed(CONNACK_OK, 4);
	assert_int_equal(feed(SUBACK_OK, 6), PROBE_CONTINUE);
	now_ms += 1000;
	assert_int_equal(probe_mqtt.on_timer(&H->pc), PROBE_RECONNECT);
	connect_();
	assert_int_equal(feed(rc5, 4), PROBE_DONE);
	probe_mqtt.finish(&H->pc);
	r = &H->rec;
	assert_int_equal(r->auth, AUTH_ANONYMOUS); /* the verdict stays the first answer's */
	assert_int_equal(r->connack_code, 0);
	cls_service(H->pc.cls, r);
	cls_finish(H->pc.cls, r);
	tree = record_to_json(r, "t"); /* what the sinks read */
	hp = cJSON_GetObjectItem(tree, "honeypot");
	assert_non_null(hp);
	/* connack_changed + silent_accept (nothing delivered, no product): two weak = strong */
	assert_string_equal(cJSON_GetObjectItem(hp, "likelihood")->valuestring, "strong");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(hp, "signals"), 0)->valuestring,
			    "connack_changed");
	cJSON_Delete(tree);
	cls_free(H->pc.cls);
	H->pc.cls = NULL;
	teardown_h();

	setup_h(DEPTH_TOPICS, MSW_V311, 1000);
	H->pc.cls = cls_new(&H->cfg);
	connect_();
	feed(CONNACK_OK, 4);
	assert_int_equal(feed(suback_92, 4), PROBE_DONE);
	probe_mqtt.finish(&H->pc);
	assert_int_equal(H->rec.status, ST_PROTOCOL_ERROR);
	cls_service(H->pc.cls, &H->rec);
	cls_finish(H->pc.cls, &H->rec);
	tree = record_to_json(&H->rec, "t");
	hp = cJSON_GetObjectItem(tree, "honeypot");
	assert_non_null(hp);
	assert_string_equal(cJSON_GetObjectItem(hp, "likelihood")->valuestring, "strong");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(hp, "signals"), 0)->valuestring,
			    "malformed_reply");
	cJSON_Delete(tree);
	cls_free(H->pc.cls);
	H->pc.cls = NULL;
	teardown_h();

	/* a broker that answers the re-check alike and delivered $SYS: nothing */
	setup_h(DEPTH_TOPICS, MSW_V311, 1000);
	H->pc.cls = cls_new(&H->cfg);
	connect_();
	feed(CONNACK_OK, 4);
	assert_int_equal(feed(SUBACK_OK, 6), PROBE_CONTINUE);
	now_ms += 1000;
	assert_int_equal(probe_mqtt.on_timer(&H->pc), PROBE_RECONNECT);
	connect_();
	assert_int_equal(feed(CONNACK_OK, 4), PROBE_DONE);
	probe_mqtt.finish(&H->pc);
	cls_service(H->pc.cls, &H->rec);
	cls_finish(H->pc.cls, &H->rec);
	/* silent and unnamed, answered alike: one weak signal */
	tree = record_to_json(&H->rec, "t");
	hp = cJSON_GetObjectItem(tree, "honeypot");
	assert_non_null(hp);
	assert_string_equal(cJSON_GetObjectItem(hp, "likelihood")->valuestring, "weak");
	cJSON_Delete(tree);
	cls_free(H->pc.cls);
	H->pc.cls = NULL;
	teardown_h();

	/* the same broker at --window 0: the probe listened to nothing, so silence says nothing */
	setup_h(DEPTH_TOPICS, MSW_V311, 0);
	H->pc.cls = cls_new(&H->cfg);
	connect_();
	feed(CONNACK_OK, 4);
	static const uint8_t suback_hash[] = {0x90, 3, 0, 1, 0}; /* '#' only at window 0 */
	enum probe_rc prc = feed(suback_hash, sizeof(suback_hash));
	if (prc == PROBE_RECONNECT) { /* the re-check connection, answered alike */
		connect_();
		prc = feed(CONNACK_OK, 4);
	}
	assert_int_equal(prc, PROBE_DONE);
	probe_mqtt.finish(&H->pc);
	assert_int_equal(H->rec.read_access, READ_GRANTED_NO_DATA);
	cls_service(H->pc.cls, &H->rec);
	cls_finish(H->pc.cls, &H->rec);
	tree = record_to_json(&H->rec, "t");
	assert_non_null(tree);
	assert_null(cJSON_GetObjectItem(tree, "honeypot"));
	cJSON_Delete(tree);
	cls_free(H->pc.cls);
	H->pc.cls = NULL;
	teardown_h();
}

static void test_fallback_and_denied(void **st)
{
	(void)st;
	setup_h(DEPTH_TOPICS, MSW_V311, 0);
	connect_();
	const uint8_t rc1[] = {0x20, 2, 0, 1};
	assert_int_equal(feed(rc1, 4), PROBE_RECONNECT);
	H->pc.attempt++;
	connect_();
	static union mqtt_any u;
	assert_int_equal(sent_packet(0, MQTT_V31, &u), MQTT_CONNECT);
	assert_int_equal(u.connect.version, MQTT_V31);
	assert_int_equal(feed(CONNACK_OK, 4), PROBE_CONTINUE);
	/* window 0: '#' alone (no $SYS tree to drop), SUBACK, then finish */
	assert_int_equal(sent_packet(1, MQTT_V31, &u), MQTT_SUBSCRIBE);
	assert_int_equal(u.subscribe.nfilters, 1);
	assert_memory_equal(u.subscribe.filter[0].p, "#", 1);
	const uint8_t suback_fail[] = {0x90, 3, 0, 1, 0x80};
	assert_int_equal(feed(suback_fail, 5), PROBE_DONE);
	probe_mqtt.finish(&H->pc);
	assert_int_equal(H->rec.read_access, READ_DENIED);
	assert_string_equal(H->rec.mqtt_version, "3.1");
	assert_true(H->rec.versions.set && (H->rec.versions.planned & 2));
	assert_int_equal(H->rec.versions.v[1], VR_REFUSED);
	teardown_h();
}

/* --window 0 stops at the SUBACK: messages in the same read are not read, and after the
 * DISCONNECT the engine is told the broker closes first (it waits for the broker's FIN
 * instead of sending one); a refused CONNACK also means the broker closes. */
static void test_window0_close(void **st)
{
	(void)st;
	static union mqtt_any u;
	setup_h(DEPTH_TOPICS, MSW_V311, 0);
	H->pc.peer_closes = false;
	connect_();
	assert_int_equal(count_sent(MQTT_V311), 1);
	assert_int_equal(feed(CONNACK_OK, 4), PROBE_CONTINUE);
	assert_false(H->pc.peer_closes);
	const uint8_t all[] = {0x90, 3, 0, 1, 0, 0x31, 4, 0, 1, 'a', 'x'};
	assert_int_equal(feed(all, sizeof(all)), PROBE_DONE);
	assert_int_equal(sent_packet(2, MQTT_V311, &u), MQTT_DISCONNECT);
	assert_true(H->pc.peer_closes);
	assert_int_equal(H->rec.topics.n, 0);
	probe_mqtt.finish(&H->pc);
	assert_int_equal(H->rec.read_access, READ_GRANTED_NO_DATA);
	teardown_h();

	/* depth connack, accepted: DISCONNECT, the broker closes */
	setup_h(DEPTH_CONNACK, MSW_V311, 0);
	connect_();
	assert_int_equal(feed(CONNACK_OK, 4), PROBE_DONE);
	assert_true(H->pc.peer_closes);
	teardown_h();

	/* refused: no DISCONNECT, and no promise about who closes first */
	setup_h(DEPTH_TOPICS, MSW_V311, 1000);
	connect_();
	const uint8_t rc5[] = {0x20, 2, 0, 5};
	assert_int_equal(feed(rc5, 4), PROBE_DONE);
	assert_int_equal(count_sent(MQTT_V311), 1);
	assert_false(H->pc.peer_closes);
	probe_mqtt.finish(&H->pc);
	assert_int_equal(H->rec.read_access, READ_UNTESTED);
	teardown_h();
}

static void test_protocol_errors(void **st)
{
	(void)st;
	/* PUBLISH before CONNACK */
	setup_h(DEPTH_TOPICS, MSW_V311, 1000);
	connect_();
	const uint8_t pub[] = {0x30, 4, 0, 1, 'a', 'x'};
	assert_int_equal(feed(pub, sizeof(pub)), PROBE_DONE);
	assert_int_equal(H->rec.status, ST_PROTOCOL_ERROR);
	assert_false(H->rec.mqtt);
	teardown_h();
	/* SUBACK for a packet id we did not use: verdict kept */
	setup_h(DEPTH_TOPICS, MSW_V311, 1000);
	connect_();
	feed(CONNACK_OK, 4);
	const uint8_t bad[] = {0x90, 4, 0, 7, 0, 0};
	assert_int_equal(feed(bad, 6), PROBE_DONE);
	assert_int_equal(H->rec.status, ST_PROTOCOL_ERROR);
	assert_int_equal(H->rec.auth, AUTH_ANONYMOUS);
	teardown_h();
	/* not MQTT at all */
	setup_h(DEPTH_CONNACK, MSW_V311, 0);
	connect_();
	const char *http = "HTTP/1.1 400 Bad Request\r\n\r\n";
	assert_int_equal(feed((const uint8_t *)http, strlen(http)), PROBE_DONE);
	assert_int_equal(H->rec.status, ST_PROTOCOL_ERROR);
	assert_non_null(strstr(H->rec.error, "48545450")); /* "HTTP" in hex */
	teardown_h();
}

/* A PUBLISH over the cap streams past without being buffered. */
static void test_oversized_skip(void **st)
{
	(void)st;
	setup_h(DEPTH_TOPICS, MSW_V311, 1000);
	connect_();
	feed(CONNACK_OK, 4);
	feed(SUBACK_OK, 6);
	size_t body = 5000; /* cap is 1024 */
	uint8_t *big = calloc(1, body + 3);
	big[0] = 0x32; /* QoS 1 */
	big[1] = (uint8_t)(0x80 | (body & 0x7f));
	big[2] = (uint8_t)(body >> 7);
	memcpy(big + 3,
	       "\0\x03"
	       "big"
	       "\x00\x2a",
	       7);
	for (size_t off = 0; off < body + 3; off += 700) {
		size_t k = body + 3 - off < 700 ? body + 3 - off : 700;
		assert_int_equal(feed(big + off, k), PROBE_CONTINUE);
		assert_true(H->npending < 700); /* never buffered whole */
	}
	free(big);
	static union mqtt_any u;
	assert_int_equal(sent_packet(2, MQTT_V311, &u), MQTT_PUBACK);
	assert_int_equal(u.ack.packet_id, 42);
	const uint8_t after[] = {0x30, 4, 0, 1, 'z', '1'};
	assert_int_equal(feed(after, 6), PROBE_CONTINUE);
	assert_int_equal(H->rec.topics.n, 2);
	assert_true(record_topics(&H->rec)[0].sample_truncated);
	assert_int_equal(record_topics(&H->rec)[0].sample.len, 0);
	teardown_h();
}

static void test_auth_mapping(void **st)
{
	(void)st;
	/* anonymous refused with rc 5 → credentials_required; --auth-probe reconnects once */
	setup_h(DEPTH_CONNACK, MSW_V311, 0);
	H->cfg.auth_probe = true;
	connect_();
	const uint8_t rc5[] = {0x20, 2, 0, 5};
	assert_int_equal(feed(rc5, 4), PROBE_RECONNECT);
	assert_int_equal(H->rec.auth, AUTH_CREDENTIALS_REQUIRED);
	connect_();
	static union mqtt_any u;
	sent_packet(0, MQTT_V311, &u);
	assert_true(u.connect.has_username && u.connect.has_password);
	assert_int_equal(u.connect.username.len, 12);
	assert_int_equal(feed(CONNACK_OK, 4), PROBE_DONE);
	assert_int_equal(H->rec.auth, AUTH_ANY_CREDENTIALS);
	teardown_h();
	/* with -u/-P: accepted → authenticated, rc 5 → not_authorized */
	setup_h(DEPTH_CONNACK, MSW_V311, 0);
	H->cfg.username = "u";
	H->cfg.password = "p";
	connect_();
	sent_packet(0, MQTT_V311, &u);
	assert_true(u.connect.has_username && u.connect.has_password);
	assert_int_equal(feed(rc5, 4), PROBE_DONE);
	assert_int_equal(H->rec.auth, AUTH_NOT_AUTHORIZED);
	teardown_h();
	/* 5.0 banned */
	setup_h(DEPTH_CONNACK, MSW_V5, 0);
	connect_();
	sent_packet(0, MQTT_V5, &u);
	assert_int_equal(u.connect.version, MQTT_V5);
	assert_int_equal(u.connect.props.v[MQTT_P_MAXIMUM_PACKET_SIZE].u, 1024 + 1 + 2);
	assert_int_equal(u.connect.props.v[MQTT_P_RECEIVE_MAXIMUM].u, 16);
	assert_true(mqtt_props_has(&u.connect.props, MQTT_P_SESSION_EXPIRY));
	const uint8_t banned[] = {0x20, 3, 0, 0x8a, 0};
	assert_int_equal(feed(banned, 5), PROBE_DONE);
	assert_int_equal(H->rec.auth, AUTH_BANNED);
	teardown_h();
}

/* Append a QoS 0 PUBLISH of topic/payload to buf; returns the new length. */
static size_t put_publish(uint8_t *buf, size_t n, const char *topic, const char *payload,
			  bool retain)
{
	size_t tl = strlen(topic), pl = strlen(payload);
	buf[n++] = retain ? 0x31 : 0x30;
	buf[n++] = (uint8_t)(2 + tl + pl); /* < 128 in these tests */
	buf[n++] = 0;
	buf[n++] = (uint8_t)tl;
	memcpy(buf + n, topic, tl);
	memcpy(buf + n + tl, payload, pl);
	return n + tl + pl;
}

static bool has_topic(const char *t)
{
	for (size_t i = 0; i < H->rec.topics.n; i++)
		if (record_topics(&H->rec)[i].topic.len == strlen(t) &&
		    !memcmp(record_topics(&H->rec)[i].topic.p, t, strlen(t)))
			return true;
	return false;
}

static bool any_topic_contains(const char *s)
{
	char tmp[256];
	for (size_t i = 0; i < H->rec.topics.n; i++) {
		size_t l = record_topics(&H->rec)[i].topic.len < 255 ? record_topics(&H->rec)[i].topic.len : 255;
		memcpy(tmp, record_topics(&H->rec)[i].topic.p, l);
		tmp[l] = 0;
		if (strstr(tmp, s))
			return true;
	}
	return false;
}

/* Four raw topics, two of which redact alike (a***e/p***e), one delivered twice. */
static void feed_person_topics(void)
{
	uint8_t buf[512];
	size_t n = 0;
	connect_();
	feed(CONNACK_OK, 4);
	feed(SUBACK_OK, 6);
	n = put_publish(buf, n, "owntracks/alice/phone", "{}", true);
	n = put_publish(buf, n, "owntracks/anne/pixie", "{}", false);
	n = put_publish(buf, n, "owntracks/alice/phone", "{}", false);
	n = put_publish(buf, n, "tele/plug/STATE", "ON", true);
	n = put_publish(buf, n, "owntracks/bobby/watch", "{}", true);
	assert_int_equal(feed(buf, n), PROBE_CONTINUE);
}

/* Issue 4: the topic list honours --evidence; distinct topics are counted by raw topic. */
static void test_topic_redaction(void **st)
{
	(void)st;
	/* redacted (the default): person levels masked, alike forms merge into one entry */
	setup_h(DEPTH_TOPICS, MSW_V311, 1000);
	feed_person_topics();
	assert_true(has_topic("owntracks/a***e/p***e"));
	assert_true(has_topic("owntracks/b***y/w***h"));
	assert_true(has_topic("tele/plug/STATE"));
	assert_false(any_topic_contains("alice"));
	assert_false(any_topic_contains("anne"));
	assert_false(any_topic_contains("bobby"));
	assert_int_equal(H->rec.topics.n, 3);
	assert_int_equal(H->rec.topic_count, 4); /* distinct RAW topics */
	assert_int_equal(H->rec.retained_count, 3);
	assert_int_equal(H->rec.messages_total, 5);
	assert_int_equal(record_topics(&H->rec)[0].messages, 3); /* alice twice + anne */
	assert_true(record_topics(&H->rec)[0].retained);	 /* from the first delivery */
	teardown_h();
	/* minimal: generalised filter + keyed hash per level, never the names */
	setup_h(DEPTH_TOPICS, MSW_V311, 1000);
	H->cfg.evidence = EVIDENCE_MINIMAL;
	H->cfg.hash_key = "k";
	feed_person_topics();
	assert_false(any_topic_contains("alice"));
	assert_false(any_topic_contains("phone"));
	assert_true(any_topic_contains("owntracks/+/+ (h="));
	assert_int_equal(H->rec.topics.n, 4);
	assert_int_equal(H->rec.topic_count, 4);
	teardown_h();
	/* raw: as delivered */
	setup_h(DEPTH_TOPICS, MSW_V311, 1000);
	H->cfg.evidence = EVIDENCE_RAW;
	feed_person_topics();
	assert_true(has_topic("owntracks/alice/phone"));
	assert_true(has_topic("owntracks/anne/pixie"));
	assert_int_equal(H->rec.topics.n, 4);
	assert_int_equal(H->rec.topic_count, 4);
	assert_int_equal(H->rec.retained_count, 3);
	teardown_h();
	/* past --max-topics the count goes on (redacted and raw alike) */
	for (int ev = 0; ev < 2; ev++) {
		setup_h(DEPTH_TOPICS, MSW_V311, 1000);
		H->cfg.evidence = ev ? EVIDENCE_RAW : EVIDENCE_REDACTED;
		H->cfg.max_topics = 2;
		H->cfg.max_messages = 100000;
		connect_();
		feed(CONNACK_OK, 4);
		feed(SUBACK_OK, 6);
		for (int i = 0; i < 300; i++) {
			uint8_t buf[64];
			char t[32];
			snprintf(t, sizeof(t), "dev/%d/x", i % 150);
			assert_int_equal(feed(buf, put_publish(buf, 0, t, "1", false)),
					 PROBE_CONTINUE);
		}
		assert_int_equal(H->rec.topics.n, 2);
		assert_true(H->rec.topics_truncated);
		assert_int_equal(H->rec.topic_count, 150);
		teardown_h();
	}
}

/* The attempt plan of --versions all: each level on its own connection; the subscription
 * goes on the last connection when it speaks the best accepted level, else on one more
 * connection at that level. */
static void test_matrix_plan(void **st)
{
	(void)st;
	static union mqtt_any u;
	const uint8_t v5_ok[] = {0x20, 3, 0, 0, 0};
	const uint8_t v5_refused[] = {0x20, 3, 0, 0x84, 0};
	const int order[3] = {MQTT_V311, MQTT_V31, MQTT_V5};

	setup_h(DEPTH_TOPICS, MSW_VALL, 1000);
	for (int i = 0; i < 3; i++) {
		connect_();
		assert_int_equal(sent_packet(0, order[i], &u), MQTT_CONNECT);
		assert_int_equal(u.connect.version, order[i]);
		if (i < 2)
			assert_int_equal(feed(CONNACK_OK, 4), PROBE_RECONNECT);
	}
	assert_int_equal(feed(v5_ok, sizeof(v5_ok)), PROBE_CONTINUE);
	assert_int_equal(sent_packet(1, MQTT_V5, &u), MQTT_SUBSCRIBE); /* same connection */
	probe_mqtt.finish(&H->pc);
	assert_string_equal(H->rec.mqtt_version, "5.0");
	assert_string_equal(vres_of_level("3.1"),
			    "accepted");
	teardown_h();

	/* 5.0 refused: one more connection at 3.1.1 carries the subscription */
	setup_h(DEPTH_TOPICS, MSW_VALL, 1000);
	connect_();
	assert_int_equal(feed(CONNACK_OK, 4), PROBE_RECONNECT);
	connect_();
	assert_int_equal(feed(CONNACK_OK, 4), PROBE_RECONNECT);
	connect_();
	assert_int_equal(feed(v5_refused, sizeof(v5_refused)), PROBE_RECONNECT);
	connect_();
	assert_int_equal(sent_packet(0, MQTT_V311, &u), MQTT_CONNECT);
	assert_int_equal(u.connect.version, MQTT_V311);
	assert_int_equal(feed(CONNACK_OK, 4), PROBE_CONTINUE);
	assert_int_equal(sent_packet(1, MQTT_V311, &u), MQTT_SUBSCRIBE);
	probe_mqtt.finish(&H->pc);
	assert_string_equal(H->rec.mqtt_version, "3.1.1");
	assert_string_equal(vres_of_level("5.0"),
			    "refused");
	teardown_h();

	/* a level that closes after CONNECT moves the matrix on; the verdict stays */
	setup_h(DEPTH_CONNACK, MSW_VALL, 0);
	connect_();
	assert_int_equal(probe_mqtt.on_close(&H->pc, MSW_ERR_CLOSED), PROBE_RECONNECT);
	connect_();
	assert_int_equal(feed(CONNACK_OK, 4), PROBE_RECONNECT);
	connect_();
	assert_int_equal(probe_mqtt.on_close(&H->pc, MSW_ERR_TIMEOUT), PROBE_DONE);
	probe_mqtt.finish(&H->pc);
	assert_int_equal(H->rec.auth, AUTH_ANONYMOUS);
	assert_string_equal(H->rec.mqtt_version, "3.1");
	assert_null(H->rec.error);
	assert_string_equal(vres_of_level("3.1.1"),
			    "closed");
	assert_string_equal(vres_of_level("5.0"),
			    "timeout");
	teardown_h();
}

/* Identifier rejected: the same attempt once more with a strictly alphanumeric id, never
 * twice. */
static void test_id_retry(void **st)
{
	(void)st;
	static union mqtt_any u;
	const uint8_t rc2[] = {0x20, 2, 0, 2};

	setup_h(DEPTH_CONNACK, MSW_V311, 0);
	connect_();
	assert_int_equal(feed(rc2, 4), PROBE_RECONNECT);
	connect_();
	assert_int_equal(sent_packet(0, MQTT_V311, &u), MQTT_CONNECT);
	assert_int_equal(u.connect.version, MQTT_V311);
	assert_memory_equal(u.connect.client_id.p, "msw", 3);
	for (size_t i = 0; i < u.connect.client_id.len; i++)
		assert_true(isalnum(u.connect.client_id.p[i]));
	assert_int_equal(feed(rc2, 4), PROBE_DONE);
	assert_int_equal(H->rec.status, ST_APPLICATION_ERROR);
	teardown_h();
}

/* Run the main pass to its end (window 1000 ms, nothing delivered): the probe asks for
 * the access connection. */
static void main_pass_then_access(int ver)
{
	static union mqtt_any u;
	const uint8_t v5_ok[] = {0x20, 3, 0, 0, 0};
	const uint8_t suback5[] = {0x90, 5, 0, 1, 0, 0, 0};
	connect_();
	assert_int_equal(feed(ver == MQTT_V5 ? v5_ok : CONNACK_OK, ver == MQTT_V5 ? 5 : 4),
			 PROBE_CONTINUE);
	assert_int_equal(feed(ver == MQTT_V5 ? suback5 : SUBACK_OK, ver == MQTT_V5 ? 7 : 6),
			 PROBE_CONTINUE);
	now_ms += 1000;
	assert_int_equal(probe_mqtt.on_timer(&H->pc), PROBE_RECONNECT);
	assert_int_equal(sent_packet(2, ver, &u), MQTT_DISCONNECT);
	connect_();
	assert_int_equal(sent_packet(0, ver, &u), MQTT_CONNECT);
	assert_true(u.connect.flags & 0x02); /* clean session */
	assert_false(u.connect.has_will);
	assert_int_equal(feed(ver == MQTT_V5 ? v5_ok : CONNACK_OK, ver == MQTT_V5 ? 5 : 4),
			 PROBE_CONTINUE);
}

/* Row i of the record's access map: its write verdict ("write") or write topic. */
static const char *acl_field(uint32_t i, const char *k)
{
	const struct mqtt_access_rec *a = record_block(&H->rec, &mqtt_access_table);
	assert_non_null(a);
	assert_true(a->mapped && i < a->acl.n);
	return strcmp(k, "write") ? a->acl.rows[i].write_topic : acl_write_str(a->acl.rows[i].write);
}

/* --publish-proof, MQTT 5: the proof topic subscribed, one QoS 1 PUBLISH (never
 * retained, Message Expiry set) whose echo confirms the write; settle, DISCONNECT. */
static void test_write_proof_v5(void **st)
{
	(void)st;
	static union mqtt_any u;
	setup_h(DEPTH_TOPICS, MSW_V5, 1000);
	H->cfg.publish_proof = true;
	probe_mqtt.finish(&H->pc); /* init again with the option set */
	record_free(&H->rec);
	record_init(&H->rec, "mqtt");
	memset(H->pc.state, 0, probe_mqtt.state_size);
	assert_int_equal(probe_mqtt.init(&H->pc), PROBE_CONTINUE);
	main_pass_then_access(MQTT_V5);
	assert_int_equal(sent_packet(1, MQTT_V5, &u), MQTT_SUBSCRIBE);
	assert_int_equal(u.subscribe.nfilters, 1);
	char topic[64];
	assert_true(u.subscribe.filter[0].len < sizeof(topic));
	memcpy(topic, u.subscribe.filter[0].p, u.subscribe.filter[0].len);
	topic[u.subscribe.filter[0].len] = 0;
	assert_memory_equal(topic, "mqttsweep/", 10);
	const uint8_t suback[] = {0x90, 4, 0, 2, 0, 0};
	assert_int_equal(feed(suback, sizeof(suback)), PROBE_CONTINUE);
	assert_int_equal(count_sent(MQTT_V5), 2); /* the gap before the next packet */
	assert_int_equal(timer_ms, 50);
	now_ms += 50;
	assert_int_equal(probe_mqtt.on_timer(&H->pc), PROBE_CONTINUE);
	assert_int_equal(sent_packet(2, MQTT_V5, &u), MQTT_PUBLISH);
	assert_int_equal(u.publish.qos, 1);
	assert_false(u.publish.retain);
	assert_int_equal(u.publish.props.v[MQTT_P_MESSAGE_EXPIRY].u, 60);
	assert_memory_equal(u.publish.topic.p, topic, strlen(topic));
	uint16_t pid = u.publish.packet_id;
	/* the echo, then the PUBACK */
	uint8_t echo[96];
	size_t tl = strlen(topic), n = 0;
	echo[n++] = 0x30;
	echo[n++] = (uint8_t)(2 + tl + 1 + 2);
	echo[n++] = 0;
	echo[n++] = (uint8_t)tl;
	memcpy(echo + n, topic, tl);
	n += tl;
	echo[n++] = 0; /* no properties */
	echo[n++] = 'h';
	echo[n++] = 'i';
	const uint8_t puback[] = {0x40, 2, (uint8_t)(pid >> 8), (uint8_t)pid};
	memcpy(echo + n, puback, 4);
	assert_int_equal(feed(echo, n + 4), PROBE_CONTINUE);
	now_ms += 50;
	assert_int_equal(probe_mqtt.on_timer(&H->pc), PROBE_CONTINUE); /* nothing left: settle */
	assert_int_equal(timer_ms, 1000);
	now_ms += 1000;
	assert_int_equal(probe_mqtt.on_timer(&H->pc), PROBE_DONE);
	assert_int_equal(sent_packet(3, MQTT_V5, &u), MQTT_DISCONNECT);
	probe_mqtt.finish(&H->pc);
	assert_int_equal(H->rec.write_access, WRITE_CONFIRMED);
	assert_int_equal(H->rec.read_access, READ_GRANTED_NO_DATA); /* the main pass's */
	assert_int_equal(H->rec.topics.n, 0); /* the echo is no data of the broker's */
	assert_string_equal(acl_field(0, "write"), "confirmed");
	assert_string_equal(acl_field(0, "write_topic"), topic);
	teardown_h();
}

/* MQTT 3.1.1: QoS 0 and a PINGREQ behind it; the broker closing the connection on the
 * PUBLISH is a refusal; nothing is left to do, so no other connection. */
static void test_write_proof_311_dropped(void **st)
{
	(void)st;
	static union mqtt_any u;
	setup_h(DEPTH_TOPICS, MSW_V311, 1000);
	H->cfg.publish_proof = true;
	probe_mqtt.finish(&H->pc);
	record_free(&H->rec);
	record_init(&H->rec, "mqtt");
	memset(H->pc.state, 0, probe_mqtt.state_size);
	assert_int_equal(probe_mqtt.init(&H->pc), PROBE_CONTINUE);
	main_pass_then_access(MQTT_V311);
	const uint8_t suback[] = {0x90, 3, 0, 2, 0};
	assert_int_equal(feed(suback, sizeof(suback)), PROBE_CONTINUE);
	now_ms += 50;
	assert_int_equal(probe_mqtt.on_timer(&H->pc), PROBE_CONTINUE);
	assert_int_equal(sent_packet(2, MQTT_V311, &u), MQTT_PUBLISH);
	assert_int_equal(u.publish.qos, 0);
	assert_false(u.publish.retain);
	assert_int_equal(sent_packet(3, MQTT_V311, &u), MQTT_PINGREQ);
	assert_int_equal(probe_mqtt.on_close(&H->pc, MSW_ERR_CLOSED), PROBE_DONE);
	probe_mqtt.finish(&H->pc);
	assert_int_equal(H->rec.write_access, WRITE_DENIED);
	teardown_h();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connack_depth),    cmocka_unit_test(test_topics_window),
		cmocka_unit_test(test_ping_and_no_data), cmocka_unit_test(test_fallback_and_denied),
		cmocka_unit_test(test_honeypot_signals),
		cmocka_unit_test(test_protocol_errors),  cmocka_unit_test(test_oversized_skip),
		cmocka_unit_test(test_auth_mapping),     cmocka_unit_test(test_topic_redaction),
		cmocka_unit_test(test_window0_close),    cmocka_unit_test(test_matrix_plan),
		cmocka_unit_test(test_id_retry),         cmocka_unit_test(test_write_proof_v5),
		cmocka_unit_test(test_write_proof_311_dropped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
