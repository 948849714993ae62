/* hostile_broker: a deliberately misbehaving MQTT server for the hostile test suite.
 *
 * Each listener has one behaviour ("mode"), chosen by a switch. The server speaks just enough
 * MQTT (and WebSocket, for the ws-* modes) to get a scanner to the point where the trap is
 * sprung: it parses CONNECT and SUBSCRIBE itself (independently of the codec under test),
 * then answers per mode - oversized remaining lengths, malformed CONNACKs, hostile topic
 * names, floods, slowloris, bad WebSocket frames, MQTT 5 property floods and so on.
 *
 * One thread, poll(); every connection has an output queue, an optional byte "drip" queue
 * (slowloris: one byte per second), a wake-up time for paced modes and a generator that
 * refills the output queue while the peer keeps reading (floods). Loopback only: every
 * listen address must be in 127.0.0.0/8.
 *
 *   hostile_broker --listen 127.0.95.1:18830 --mode flood [--listen A:P --mode M]...
 *   hostile_broker --range 127.0.96.1-100:18830 --modes flood,silent,ok   (cycled)
 *   hostile_broker --list
 * Prints "ready" on stdout once every listener is bound. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum mode {
	M_OK, M_RL_MAX, M_CONNACK_HUGE, M_RL_5BYTE, M_CONNACK_LEN, M_PUBLISH_FIRST,
	M_SUBACK_WRONG_ID, M_TOPIC_NUL, M_TOPIC_UTF8, M_TOPIC_ANSI, M_TOPIC_HTML, M_TOPIC_CSV,
	M_TOPIC_64K, M_FLOOD, M_MANY_TOPICS, M_SLOWLORIS, M_SILENT, M_CLOSE_MID, M_TLS_GARBAGE,
	M_GARBAGE, M_WS_OK, M_WS_BAD_OPCODE, M_WS_BIG_CONTROL, M_WS_FRAGMENTS, M_DEEP_JSON,
	M_V5_USERPROPS, M_AUTH_CHALLENGE, M_DISCONNECT_64K, M_SERVER_PINGREQ, M_QOS2_UNRELEASED,
	M__COUNT
};

static const struct {
	const char *name;
	const char *what;
} modes[M__COUNT] = {
	[M_OK] = {"ok", "well-behaved control: CONNACK, SUBACK + retained PUBLISH in one write"},
	[M_RL_MAX] = {"rl-max", "after SUBACK a PUBLISH declaring remaining length 268,435,455"},
	[M_CONNACK_HUGE] = {"connack-huge", "CONNACK declaring remaining length 268,435,455"},
	[M_RL_5BYTE] = {"rl-5byte", "CONNACK with a 5-byte remaining-length varint"},
	[M_CONNACK_LEN] = {"connack-len", "CONNACK with remaining length 1 (wrong length)"},
	[M_PUBLISH_FIRST] = {"publish-first", "PUBLISH before CONNACK"},
	[M_SUBACK_WRONG_ID] = {"suback-wrong-id", "SUBACK for another packet id"},
	[M_TOPIC_NUL] = {"topic-nul", "retained PUBLISH whose topic contains NUL"},
	[M_TOPIC_UTF8] = {"topic-utf8", "retained PUBLISH whose topic is invalid UTF-8"},
	[M_TOPIC_ANSI] = {"topic-ansi", "topic and payload with ANSI/OSC escape sequences"},
	[M_TOPIC_HTML] = {"topic-html", "topic and payload with HTML/script"},
	[M_TOPIC_CSV] = {"topic-csv", "topics starting with = + - @ (CSV formula injection)"},
	[M_TOPIC_64K] = {"topic-64k", "a 65,535-byte topic name"},
	[M_FLOOD] = {"flood", "endless PUBLISH flood after SUBACK"},
	[M_MANY_TOPICS] = {"many-topics", "20,000 distinct retained topics"},
	[M_SLOWLORIS] = {"slowloris", "every byte one second apart, forever"},
	[M_SILENT] = {"silent", "accepts and never answers"},
	[M_CLOSE_MID] = {"close-mid", "closes in the middle of the CONNACK"},
	[M_TLS_GARBAGE] = {"tls-garbage", "random bytes (TLS record-like) in reply to anything"},
	[M_GARBAGE] = {"garbage", "random non-MQTT bytes in reply to CONNECT"},
	[M_WS_OK] = {"ws-ok", "WebSocket control: proper upgrade, MQTT over binary frames"},
	[M_WS_BAD_OPCODE] = {"ws-bad-opcode", "WebSocket frames with reserved opcodes"},
	[M_WS_BIG_CONTROL] = {"ws-big-control", "WebSocket ping frame of 200 bytes (>125)"},
	[M_WS_FRAGMENTS] = {"ws-fragments", "WebSocket message fragmented forever"},
	[M_DEEP_JSON] = {"deep-json", "5,000-deep JSON payloads (object and array)"},
	[M_V5_USERPROPS] = {"v5-userprops", "MQTT 5 only: CONNACK with 10,000 user properties"},
	[M_AUTH_CHALLENGE] = {"auth-challenge", "MQTT 5 only: AUTH challenge instead of CONNACK"},
	[M_DISCONNECT_64K] = {"disconnect-64k", "MQTT 5 only: DISCONNECT with a 64 KB reason"},
	[M_SERVER_PINGREQ] = {"server-pingreq", "server-sent PINGREQ"},
	[M_QOS2_UNRELEASED] = {"qos2-unreleased", "QoS 2 PUBLISHes never released (no PUBREL)"},
};

#define MAX_LISTENERS 512
#define MAX_CONNS 4096
#define RAW_CAP (64 * 1024)
#define OUT_LOW (64 * 1024)      /* generators refill below this */
#define OUT_CAP (16 * 1024 * 1024)
#define FILL_TOTAL (8u << 20)    /* rl-max: bytes of the giant packet we actually send */
#define MANY_TOPICS 20000

struct buf {
	uint8_t *p;
	size_t len, off, cap;
};

struct listener {
	int fd;
	enum mode mode;
};

struct conn {
	int fd;
	enum mode mode;
	int level;             /* MQTT protocol level from CONNECT */
	bool ws, ws_up, connected, subscribed, close_after_flush, dead, triggered;
	struct buf raw;        /* bytes from the socket (HTTP upgrade / WebSocket frames) */
	struct buf in;         /* MQTT byte stream */
	struct buf out;        /* to the socket */
	struct buf drip;       /* slowloris: moved to out one byte per second */
	int64_t wake_ms;       /* 0 = none */
	uint64_t gen;          /* generator progress */
	uint16_t pid;
};

static struct listener listeners[MAX_LISTENERS];
static size_t nlisteners;
static struct conn *conns[MAX_CONNS];
static int verbose;
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static volatile sig_atomic_t stop;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- buffers ---------------------------------------------------------------------------- */

static bool buf_put(struct buf *b, const void *p, size_t n)
{
	if (!n)
		return true;
	if (b->off && b->off == b->len)
		b->off = b->len = 0;
	if (n > OUT_CAP - (b->len - b->off))
		return false;
	if (b->len + n > b->cap) {
		if (b->off) {
			memmove(b->p, b->p + b->off, b->len - b->off);
			b->len -= b->off;
			b->off = 0;
		}
		size_t nc = b->cap ? b->cap : 4096;
		while (nc < b->len + n)
			nc *= 2;
		uint8_t *np = realloc(b->p, nc);
		if (!np)
			return false;
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return true;
}

static size_t buf_avail(const struct buf *b)
{
	return b->len - b->off;
}

static void buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	if (b->off >= b->len)
		b->off = b->len = 0;
}

static void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* ---- MQTT encoding ---------------------------------------------------------------------- */

/* Encodes a remaining length (<= 268,435,455) and returns its size. */
static size_t varint(uint8_t *o, uint32_t v)
{
	size_t n = 0;
	do {
		uint8_t b = v % 128;
		v /= 128;
		o[n++] = b | (v ? 0x80 : 0);
	} while (v && n < 4);
	return n;
}

/* Sends bytes of the MQTT stream: raw on TCP, one binary frame per call on WebSocket, and
 * through the drip queue for slowloris. */
static void emit(struct conn *c, const void *p, size_t n)
{
	if (c->mode == M_SLOWLORIS) {
		buf_put(&c->drip, p, n);
		return;
	}
	if (c->ws_up) {
		uint8_t h[10];
		size_t hl = 2;
		h[0] = 0x82;
		if (n < 126) {
			h[1] = (uint8_t)n;
		} else if (n < 65536) {
			h[1] = 126;
			h[2] = (uint8_t)(n >> 8);
			h[3] = (uint8_t)n;
			hl = 4;
		} else {
			h[1] = 127;
			for (int i = 0; i < 8; i++)
				h[2 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
			hl = 10;
		}
		buf_put(&c->out, h, hl);
	}
	buf_put(&c->out, p, n);
}

/* Emits fixed header (type byte + remaining length) followed by body. */
static void packet(struct conn *c, uint8_t type, const uint8_t *body, size_t n)
{
	uint8_t *pk = malloc(n + 5);
	if (!pk)
		return;
	pk[0] = type;
	size_t h = 1 + varint(pk + 1, (uint32_t)n);
	if (n)
		memcpy(pk + h, body, n);
	emit(c, pk, h + n);
	free(pk);
}

static void connack(struct conn *c, uint8_t code)
{
	uint8_t b[3] = {0, code, 0};
	packet(c, 0x20, b, c->level == 5 ? 3 : 2);
}

static void suback(struct conn *c, uint16_t pid, unsigned nfilters)
{
	uint8_t b[2 + 1 + 64];
	size_t n = 0;
	b[n++] = (uint8_t)(pid >> 8);
	b[n++] = (uint8_t)pid;
	if (c->level == 5)
		b[n++] = 0;
	for (unsigned i = 0; i < nfilters && i < 64; i++)
		b[n++] = 0;
	packet(c, 0x90, b, n);
}

static void publish(struct conn *c, const void *topic, size_t tlen, const void *payload,
		    size_t plen, int qos, bool retain)
{
	size_t n = 2 + tlen + (qos ? 2 : 0) + (c->level == 5 ? 1 : 0) + plen;
	uint8_t *b = malloc(n);
	if (!b)
		return;
	size_t o = 0;
	b[o++] = (uint8_t)(tlen >> 8);
	b[o++] = (uint8_t)tlen;
	memcpy(b + o, topic, tlen);
	o += tlen;
	if (qos) {
		c->pid = c->pid == 0xffff ? 1 : c->pid + 1;
		b[o++] = (uint8_t)(c->pid >> 8);
		b[o++] = (uint8_t)c->pid;
	}
	if (c->level == 5)
		b[o++] = 0;
	memcpy(b + o, payload, plen);
	packet(c, (uint8_t)(0x30 | (qos << 1) | (retain ? 1 : 0)), b, n);
	free(b);
}

static void publish_str(struct conn *c, const char *topic, const char *payload, bool retain)
{
	publish(c, topic, strlen(topic), payload, strlen(payload), 0, retain);
}

static void random_bytes(struct buf *b, size_t n, bool tls_like)
{
	uint8_t chunk[256];
	while (n) {
		size_t k = n < sizeof(chunk) ? n : sizeof(chunk);
		for (size_t i = 0; i < k; i++)
			chunk[i] = (uint8_t)rnd();
		if (tls_like && k >= 5) {
			/* a handshake record header whose length covers exactly this chunk, so
			 * the client reads a whole record of garbage and must fail at once
			 * (a random length made it wait for bytes that never come: flaky) */
			chunk[0] = 0x16;
			chunk[1] = 0x03;
			chunk[2] = 0x03;
			chunk[3] = (uint8_t)((k - 5) >> 8);
			chunk[4] = (uint8_t)((k - 5) & 0xff);
		} else if (chunk[0] >> 4 == 2) {
			chunk[0] = 0xff;  /* never a CONNACK by accident */
		}
		buf_put(b, chunk, k);
		n -= k;
	}
}

/* ---- MQTT 5 property floods -------------------------------------------------------------- */

static void connack_userprops(struct conn *c)
{
	const unsigned n = 10000;
	struct buf props = {0};
	for (unsigned i = 0; i < n; i++) {
		char k[16];
		int kl = snprintf(k, sizeof(k), "k%05u", i);
		uint8_t rec[1 + 2 + 16 + 2 + 1];
		size_t o = 0;
		rec[o++] = 0x26;
		rec[o++] = 0;
		rec[o++] = (uint8_t)kl;
		memcpy(rec + o, k, (size_t)kl);
		o += (size_t)kl;
		rec[o++] = 0;
		rec[o++] = 1;
		rec[o++] = 'v';
		buf_put(&props, rec, o);
	}
	struct buf body = {0};
	uint8_t hd[2 + 4] = {0, 0};
	size_t hl = 2 + varint(hd + 2, (uint32_t)buf_avail(&props));
	buf_put(&body, hd, hl);
	buf_put(&body, props.p, buf_avail(&props));
	packet(c, 0x20, body.p, buf_avail(&body));
	buf_free(&props);
	buf_free(&body);
}

static void auth_challenge(struct conn *c)
{
	static const char method[] = "SCRAM-SHA-1";
	uint8_t b[128];
	size_t o = 0, ml = sizeof(method) - 1;
	b[o++] = 0x18;                       /* continue authentication */
	size_t plen = 1 + 2 + ml + 1 + 2 + 32;
	o += varint(b + o, (uint32_t)plen);
	b[o++] = 0x15;
	b[o++] = 0;
	b[o++] = (uint8_t)ml;
	memcpy(b + o, method, ml);
	o += ml;
	b[o++] = 0x16;
	b[o++] = 0;
	b[o++] = 32;
	for (int i = 0; i < 32; i++)
		b[o++] = (uint8_t)rnd();
	packet(c, 0xF0, b, o);
}

static void disconnect_64k(struct conn *c)
{
	const size_t rl = 65000;
	uint8_t *b = malloc(rl + 16);
	if (!b)
		return;
	size_t o = 0;
	b[o++] = 0x80;                       /* unspecified error */
	o += varint(b + o, (uint32_t)(1 + 2 + rl));
	b[o++] = 0x1F;
	b[o++] = (uint8_t)(rl >> 8);
	b[o++] = (uint8_t)rl;
	for (size_t i = 0; i < rl; i++)
		b[o + i] = (i % 64 == 0) ? '\n' : (uint8_t)('A' + i % 26);
	memcpy(b + o, "\x1b[2J\x1b[31mreason", 15);
	o += rl;
	packet(c, 0xE0, b, o);
	free(b);
	c->close_after_flush = true;
}

/* ---- behaviour per mode ----------------------------------------------------------------- */

static bool needs_v5(enum mode m)
{
	return m == M_V5_USERPROPS || m == M_AUTH_CHALLENGE || m == M_DISCONNECT_64K;
}

static void on_connect(struct conn *c)
{
	static const uint8_t huge[] = {0x20, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x00};
	static const uint8_t five[] = {0x20, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00, 0x00};
	static const uint8_t wrong[] = {0x20, 0x01, 0x00};
	static const uint8_t half[] = {0x20, 0x02, 0x00};

	c->connected = true;
	if (needs_v5(c->mode) && c->level != 5) {
		connack(c, 0x01);  /* unacceptable protocol version: make the client fall back */
		c->close_after_flush = true;
		return;
	}
	switch (c->mode) {
	case M_CONNACK_HUGE: emit(c, huge, sizeof(huge)); break;
	case M_RL_5BYTE: emit(c, five, sizeof(five)); break;
	case M_CONNACK_LEN: emit(c, wrong, sizeof(wrong)); break;
	case M_CLOSE_MID:
		emit(c, half, sizeof(half));
		c->close_after_flush = true;
		break;
	case M_PUBLISH_FIRST:
		publish_str(c, "hostile/early", "before connack", false);
		connack(c, 0);
		break;
	case M_GARBAGE: random_bytes(&c->out, 4096, false); break;
	case M_V5_USERPROPS: connack_userprops(c); break;
	case M_AUTH_CHALLENGE: auth_challenge(c); break;
	case M_SERVER_PINGREQ:
		connack(c, 0);
		packet(c, 0xC0, NULL, 0);
		break;
	case M_SLOWLORIS:
		connack(c, 0);
		c->wake_ms = now_ms() + 1000;
		break;
	default: connack(c, 0); break;
	}
}

static void deep_json(struct conn *c, char open, const char *key, char close, const char *topic)
{
	const size_t depth = 5000, kl = strlen(key);
	size_t n = depth * (1 + kl) + 1 + depth;
	char *p = malloc(n), *q = p;
	if (!p)
		return;
	for (size_t i = 0; i < depth; i++) {
		*q++ = open;
		memcpy(q, key, kl);
		q += kl;
	}
	*q++ = '1';
	memset(q, close, depth);
	publish(c, topic, strlen(topic), p, n, 0, true);
	free(p);
}

static void topic_64k(struct conn *c)
{
	const size_t n = 65535;
	char *t = malloc(n);
	if (!t)
		return;
	for (size_t i = 0; i < n; i++)
		t[i] = (i % 32 == 31) ? '/' : (char)('a' + i % 26);
	publish(c, t, n, "long", 4, 0, true);
	free(t);
}

/* Topics and payloads that try to inject into the terminal, HTML and CSV outputs. */
static void hostile_topics(struct conn *c)
{
	switch (c->mode) {
	case M_TOPIC_NUL:
		publish(c, "hostile/nul\0after", 17, "x", 1, 0, true);
		break;
	case M_TOPIC_UTF8:
		publish(c, "hostile/\xff\xfe\xc0\xaf/\xed\xa0\x80", 16, "\xc3\x28", 2, 0, true);
		break;
	case M_TOPIC_ANSI:
		publish_str(c, "hostile/\x1b[2J\x1b[31mRED\x1b]0;owned\x07\x1b[0m\r\x08",
			    "\x1b[5mblink\x1b]52;c;cHduZWQ=\x07\x1b[0m", true);
		break;
	case M_TOPIC_HTML:
		publish_str(c, "hostile/<script>alert(1)</script>",
			    "<img src=x onerror=alert(2)>\"'&<", true);
		publish_str(c, "hostile/\"><svg onload=alert(3)>", "</textarea><b>x", true);
		break;
	case M_TOPIC_CSV:
		publish_str(c, "=HYPERLINK(\"http://192.0.2.1/\",\"x\")", "=1+2", true);
		publish_str(c, "+cmd|' /C calc'!A0", "-2+3", true);
		publish_str(c, "-hostile/minus", "@SUM(1)", true);
		publish_str(c, "@hostile/at", "\t=tab,\"quote\"\nnewline", true);
		break;
	default:
		break;
	}
}

static void on_subscribe(struct conn *c, uint16_t pid, unsigned nfilters)
{
	bool first = !c->subscribed;
	c->subscribed = true;
	if (c->mode == M_SUBACK_WRONG_ID) {
		suback(c, (uint16_t)(pid ^ 0x5a5a ? pid ^ 0x5a5a : 0x1234), nfilters);
		return;
	}
	suback(c, pid, nfilters);
	if (!first)
		return;
	switch (c->mode) {
	case M_OK:
	case M_WS_OK:
	case M_SERVER_PINGREQ:
		publish_str(c, "hostile/ok", "{\"state\":\"ON\"}", true);
		publish_str(c, "hostile/live", "1", false);
		if (c->mode == M_SERVER_PINGREQ)
			packet(c, 0xC0, NULL, 0);
		break;
	case M_DEEP_JSON:
		deep_json(c, '{', "\"a\":", '}', "hostile/deep/object");
		deep_json(c, '[', "", ']', "hostile/deep/array");
		break;
	case M_TOPIC_64K: topic_64k(c); break;
	case M_DISCONNECT_64K: disconnect_64k(c); break;
	case M_RL_MAX: {
		static const uint8_t h[] = {0x30, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x05,
					    'h', 'f', 'i', 'l', 'l'};
		emit(c, h, sizeof(h));
		break;
	}
	case M_QOS2_UNRELEASED: c->wake_ms = now_ms(); break;
	default: hostile_topics(c); break;
	}
}

/* Refills the output queue of the endless modes while the peer keeps reading. */
static void generate(struct conn *c)
{
	if (!c->subscribed && c->mode != M_WS_FRAGMENTS)
		return;
	while (buf_avail(&c->out) < OUT_LOW && !c->close_after_flush) {
		char t[64];
		char payload[512];
		switch (c->mode) {
		case M_FLOOD:
			memset(payload, 'F', sizeof(payload));
			snprintf(t, sizeof(t), "hostile/flood/%u", (unsigned)(c->gen++ % 8));
			publish(c, t, strlen(t), payload, sizeof(payload), 0, false);
			break;
		case M_MANY_TOPICS:
			if (c->gen >= MANY_TOPICS)
				return;
			snprintf(t, sizeof(t), "hostile/many/%05u", (unsigned)c->gen++);
			publish(c, t, strlen(t), "1", 1, 0, true);
			break;
		case M_RL_MAX: {
			if (c->gen >= FILL_TOTAL)
				return;
			uint8_t z[4096] = {0};
			buf_put(&c->out, z, sizeof(z));
			c->gen += sizeof(z);
			break;
		}
		case M_WS_FRAGMENTS: {
			if (!c->triggered)
				return;
			uint8_t f[4 + 1024];
			f[0] = 0x00;           /* continuation, FIN clear: never ends */
			f[1] = 126;
			f[2] = 1024 >> 8;
			f[3] = 0;
			memset(f + 4, 0, 1024);
			buf_put(&c->out, f, sizeof(f));
			break;
		}
		default:
			return;
		}
	}
}

/* Timed behaviour: slowloris drip, paced QoS 2 publishes. */
static void tick(struct conn *c, int64_t now)
{
	if (!c->wake_ms || now < c->wake_ms)
		return;
	c->wake_ms = 0;
	if (c->mode == M_SLOWLORIS) {
		if (!buf_avail(&c->drip) && c->subscribed) {
			char payload[64];
			memset(payload, 'S', sizeof(payload));
			/* emit() routes slowloris output into the drip queue */
			publish(c, "hostile/slow", 12, payload, sizeof(payload), 0, false);
		}
		if (buf_avail(&c->drip)) {
			buf_put(&c->out, c->drip.p + c->drip.off, 1);
			buf_consume(&c->drip, 1);
		}
		c->wake_ms = now + 1000;
	} else if (c->mode == M_QOS2_UNRELEASED && c->gen < 1000) {
		char t[32];
		snprintf(t, sizeof(t), "hostile/qos2/%u", (unsigned)(c->gen % 4));
		publish(c, t, strlen(t), "q2", 2, 2, c->gen < 4);
		c->gen++;
		c->wake_ms = now + 100;
	}
}

/* ---- input: MQTT packets ------------------------------------------------------------------ */

/* Parses one complete packet at p. Returns bytes used, 0 if incomplete, -1 if malformed. */
static long mqtt_packet_len(const uint8_t *p, size_t n, size_t *hdr, uint32_t *rl)
{
	uint32_t v = 0, mul = 1;
	size_t i = 1;
	for (;; i++) {
		if (i >= n)
			return 0;
		if (i > 4)
			return -1;
		v += (p[i] & 0x7fu) * mul;
		mul *= 128;
		if (!(p[i] & 0x80))
			break;
	}
	*hdr = i + 1;
	*rl = v;
	if (v > RAW_CAP)
		return -1;
	if (n - *hdr < v)
		return 0;
	return (long)(*hdr + v);
}

static void handle_connect(struct conn *c, const uint8_t *b, size_t n)
{
	c->level = 4;
	if (n >= 2) {
		size_t pl = (size_t)b[0] << 8 | b[1];
		if (2 + pl < n)
			c->level = b[2 + pl];
	}
	on_connect(c);
}

static void handle_subscribe(struct conn *c, const uint8_t *b, size_t n)
{
	if (n < 2)
		return;
	uint16_t pid = (uint16_t)(b[0] << 8 | b[1]);
	size_t o = 2;
	if (c->level == 5 && o < n) {
		uint32_t pl = 0, mul = 1;
		while (o < n) {
			pl += (b[o] & 0x7fu) * mul;
			mul *= 128;
			if (!(b[o++] & 0x80))
				break;
		}
		o += pl;
	}
	unsigned nf = 0;
	while (o + 2 <= n) {
		o += 2 + ((size_t)b[o] << 8 | b[o + 1]) + 1;
		nf++;
	}
	on_subscribe(c, pid, nf ? nf : 1);
}

static void handle_packet(struct conn *c, uint8_t t, const uint8_t *b, size_t n)
{
	switch (t >> 4) {
	case 1:
		if (!c->connected)
			handle_connect(c, b, n);
		break;
	case 8:
		if (c->connected && c->mode != M_SILENT)
			handle_subscribe(c, b, n);
		break;
	case 12:
		if (c->mode != M_SLOWLORIS)
			packet(c, 0xD0, NULL, 0);
		break;
	case 14:
		c->dead = true;
		break;
	case 15:
		if (c->mode == M_AUTH_CHALLENGE)
			auth_challenge(c);
		break;
	default:
		break;  /* PUBACK/PUBREC/PUBCOMP/PINGRESP...: ignored (QoS 2 never released) */
	}
}

static void mqtt_input(struct conn *c)
{
	if (c->mode == M_SILENT) {
		buf_consume(&c->in, buf_avail(&c->in));
		return;
	}
	if ((c->mode == M_TLS_GARBAGE) && !c->triggered && buf_avail(&c->in)) {
		c->triggered = true;
		random_bytes(&c->out, 4096, true);
	}
	while (buf_avail(&c->in)) {
		size_t hdr;
		uint32_t rl;
		long used = mqtt_packet_len(c->in.p + c->in.off, buf_avail(&c->in), &hdr, &rl);
		if (used < 0) {
			c->dead = true;
			return;
		}
		if (used == 0)
			return;
		uint8_t t = c->in.p[c->in.off];
		handle_packet(c, t, c->in.p + c->in.off + hdr, rl);
		buf_consume(&c->in, (size_t)used);
	}
}

/* ---- input: WebSocket ------------------------------------------------------------------- */

static bool ws_accept_key(const char *key, size_t kl, char *out, size_t outsz)
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	char cat[128];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdl = 0;
	if (kl + sizeof(guid) > sizeof(cat) || outsz < 32)
		return false;
	memcpy(cat, key, kl);
	memcpy(cat + kl, guid, sizeof(guid) - 1);
	if (!EVP_Digest(cat, kl + sizeof(guid) - 1, md, &mdl, EVP_sha1(), NULL))
		return false;
	EVP_EncodeBlock((unsigned char *)out, md, (int)mdl);
	return true;
}

/* Finds header NAME's value in an HTTP request (case-insensitive name). */
static const char *http_header(const char *req, const char *name, size_t *vl)
{
	size_t nl = strlen(name);
	for (const char *l = strstr(req, "\r\n"); l && l[2]; l = strstr(l + 2, "\r\n")) {
		const char *h = l + 2;
		if (strncasecmp(h, name, nl) || h[nl] != ':')
			continue;
		const char *v = h + nl + 1;
		while (*v == ' ')
			v++;
		const char *e = strstr(v, "\r\n");
		*vl = e ? (size_t)(e - v) : strlen(v);
		return v;
	}
	return NULL;
}

static void ws_upgrade(struct conn *c)
{
	size_t n = buf_avail(&c->raw);
	char req[8192];
	if (n >= sizeof(req)) {
		c->dead = true;
		return;
	}
	memcpy(req, c->raw.p + c->raw.off, n);
	req[n] = 0;
	char *end = strstr(req, "\r\n\r\n");
	if (!end)
		return;
	end[2] = 0;
	size_t kl = 0, pl = 0;
	const char *key = http_header(req, "Sec-WebSocket-Key", &kl);
	const char *proto = http_header(req, "Sec-WebSocket-Protocol", &pl);
	char acc[64], resp[512];
	if (!key || !ws_accept_key(key, kl, acc, sizeof(acc))) {
		const char bad[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
		buf_put(&c->out, bad, sizeof(bad) - 1);
		c->close_after_flush = true;
		return;
	}
	for (size_t i = 0; proto && i < pl; i++)
		if (proto[i] == ',' || proto[i] == ' ')
			pl = i;
	int rn = snprintf(resp, sizeof(resp),
			  "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
			  "Connection: Upgrade\r\nServer: hostile_broker\r\n"
			  "Sec-WebSocket-Accept: %s\r\n%s%.*s%s\r\n",
			  acc, proto ? "Sec-WebSocket-Protocol: " : "", (int)(proto ? pl : 0),
			  proto ? proto : "", proto ? "\r\n" : "");
	buf_put(&c->out, resp, (size_t)rn);
	buf_consume(&c->raw, (size_t)(end + 4 - req));
	c->ws_up = true;
}

/* The traps of the ws-* modes, sprung when the client's first data frame arrives. */
static void ws_trap(struct conn *c)
{
	static const uint8_t bad_op[] = {0x83, 0x02, 0x20, 0x00, 0x8B, 0x00};
	uint8_t f[4 + 200];
	c->triggered = true;
	switch (c->mode) {
	case M_WS_BAD_OPCODE: buf_put(&c->out, bad_op, sizeof(bad_op)); break;
	case M_WS_BIG_CONTROL:
		f[0] = 0x89;  /* FIN + ping */
		f[1] = 126;
		f[2] = 0;
		f[3] = 200;
		memset(f + 4, 'P', 200);
		buf_put(&c->out, f, sizeof(f));
		break;
	case M_WS_FRAGMENTS: {
		static const uint8_t first[] = {0x02, 0x01, 0x20};  /* binary, FIN clear */
		buf_put(&c->out, first, sizeof(first));
		break;
	}
	default: break;
	}
}

/* Parses client frames (masked) from raw; data payloads go to the MQTT stream. */
static void ws_input(struct conn *c)
{
	while (buf_avail(&c->raw) >= 2) {
		const uint8_t *p = c->raw.p + c->raw.off;
		size_t n = buf_avail(&c->raw), o = 2;
		uint64_t len = p[1] & 0x7f;
		if (len == 126) {
			if (n < 4)
				return;
			len = (uint64_t)p[2] << 8 | p[3];
			o = 4;
		} else if (len == 127) {
			c->dead = true;  /* no client of ours sends 64 KB frames */
			return;
		}
		bool masked = p[1] & 0x80;
		if (n < o + (masked ? 4 : 0) + len)
			return;
		const uint8_t *mask = p + o;
		o += masked ? 4 : 0;
		uint8_t op = p[0] & 0x0f;
		uint8_t pl[65536];
		for (uint64_t i = 0; i < len; i++)
			pl[i] = p[o + i] ^ (masked ? mask[i % 4] : 0);
		buf_consume(&c->raw, o + len);
		if (op == 0x8) {
			static const uint8_t cl[] = {0x88, 0x00};
			buf_put(&c->out, cl, sizeof(cl));
			c->close_after_flush = true;
			return;
		}
		if (op == 0x9 && len <= 125) {
			uint8_t pong[2 + 125] = {0x8A, (uint8_t)len};
			memcpy(pong + 2, pl, len);
			buf_put(&c->out, pong, 2 + len);
		}
		if (op > 2)
			continue;
		if (c->mode != M_WS_OK && !c->triggered)
			ws_trap(c);
		else if (c->mode == M_WS_OK)
			buf_put(&c->in, pl, len);
	}
}

static void on_input(struct conn *c)
{
	if (!c->ws) {
		buf_put(&c->in, c->raw.p + c->raw.off, buf_avail(&c->raw));
		buf_consume(&c->raw, buf_avail(&c->raw));
	} else {
		if (!c->ws_up)
			ws_upgrade(c);
		if (c->ws_up)
			ws_input(c);
	}
	mqtt_input(c);
}

/* ---- connections -------------------------------------------------------------------------- */

static void conn_free(size_t i)
{
	struct conn *c = conns[i];
	if (verbose)
		fprintf(stderr, "hostile_broker: close fd %d (%s)\n", c->fd, modes[c->mode].name);
	close(c->fd);
	buf_free(&c->raw);
	buf_free(&c->in);
	buf_free(&c->out);
	buf_free(&c->drip);
	free(c);
	conns[i] = NULL;
}

static void do_accept(const struct listener *l)
{
	for (;;) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		size_t i = 0;
		while (i < MAX_CONNS && conns[i])
			i++;
		struct conn *c = i < MAX_CONNS ? calloc(1, sizeof(*c)) : NULL;
		if (!c) {
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c->fd = fd;
		c->mode = l->mode;
		c->level = 4;
		c->ws = l->mode >= M_WS_OK && l->mode <= M_WS_FRAGMENTS;
		conns[i] = c;
	}
}

static void do_read(struct conn *c)
{
	uint8_t b[16384];
	for (;;) {
		ssize_t r = recv(c->fd, b, sizeof(b), 0);
		if (r > 0) {
			if (buf_avail(&c->raw) + (size_t)r > RAW_CAP) {
				c->dead = true;
				return;
			}
			buf_put(&c->raw, b, (size_t)r);
			continue;
		}
		if (r == 0 || (errno != EAGAIN && errno != EINTR))
			c->dead = true;
		if (r < 0 && errno == EINTR)
			continue;
		break;
	}
	on_input(c);
}

static void do_write(struct conn *c)
{
	while (buf_avail(&c->out)) {
		ssize_t w = send(c->fd, c->out.p + c->out.off, buf_avail(&c->out), MSG_NOSIGNAL);
		if (w > 0) {
			buf_consume(&c->out, (size_t)w);
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN)
			c->dead = true;
		return;
	}
	if (c->close_after_flush)
		c->dead = true;
}

static int poll_timeout(int64_t now)
{
	int64_t t = 1000;
	for (size_t i = 0; i < MAX_CONNS; i++)
		if (conns[i] && conns[i]->wake_ms && conns[i]->wake_ms - now < t)
			t = conns[i]->wake_ms - now;
	return t < 0 ? 0 : (int)t;
}

static void serve(void)
{
	static struct pollfd pf[MAX_LISTENERS + MAX_CONNS];
	static size_t idx[MAX_CONNS];
	while (!stop) {
		size_t n = 0, nc = 0;
		for (size_t i = 0; i < nlisteners; i++)
			pf[n++] = (struct pollfd){.fd = listeners[i].fd, .events = POLLIN};
		for (size_t i = 0; i < MAX_CONNS; i++) {
			struct conn *c = conns[i];
			if (!c)
				continue;
			generate(c);
			short ev = POLLIN;
			if (buf_avail(&c->out) || c->close_after_flush)
				ev |= POLLOUT;
			idx[nc++] = i;
			pf[n++] = (struct pollfd){.fd = c->fd, .events = ev};
		}
		if (poll(pf, n, poll_timeout(now_ms())) < 0 && errno != EINTR)
			break;
		for (size_t i = 0; i < nlisteners; i++)
			if (pf[i].revents & POLLIN)
				do_accept(&listeners[i]);
		int64_t now = now_ms();
		for (size_t k = 0; k < nc; k++) {
			struct conn *c = conns[idx[k]];
			short re = pf[nlisteners + k].revents;
			if (re & (POLLIN | POLLHUP | POLLERR))
				do_read(c);
			tick(c, now);
			if (!c->dead && (re & POLLOUT || buf_avail(&c->out)))
				do_write(c);
			if (c->dead)
				conn_free(idx[k]);
		}
	}
}

/* ---- set-up ------------------------------------------------------------------------------- */

static int mode_by_name(const char *s, size_t n)
{
	for (int i = 0; i < M__COUNT; i++)
		if (strlen(modes[i].name) == n && !strncmp(modes[i].name, s, n))
			return i;
	return -1;
}

static int add_listener(struct in_addr a, unsigned port, int mode)
{
	if ((ntohl(a.s_addr) >> 24) != 127) {
		fprintf(stderr, "hostile_broker: refusing to bind outside 127.0.0.0/8\n");
		return -1;
	}
	if (nlisteners >= MAX_LISTENERS || port == 0 || port > 65535 || mode < 0)
		return -1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr = a};
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1024)) {
		char ab[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &a, ab, sizeof(ab));
		fprintf(stderr, "hostile_broker: %s:%u: %s\n", ab, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	listeners[nlisteners++] = (struct listener){.fd = fd, .mode = (enum mode)mode};
	return 0;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max)
		return false;
	*out = v;
	return true;
}

/* "A.B.C.D:PORT" */
static bool parse_addr_port(const char *s, struct in_addr *a, unsigned *port)
{
	char tmp[64];
	const char *colon = strrchr(s, ':');
	unsigned long p;
	if (!colon || (size_t)(colon - s) >= sizeof(tmp))
		return false;
	memcpy(tmp, s, (size_t)(colon - s));
	tmp[colon - s] = 0;
	if (inet_pton(AF_INET, tmp, a) != 1 || !parse_uint(colon + 1, 65535, &p))
		return false;
	*port = (unsigned)p;
	return true;
}

/* --range A.B.C.D-E:PORT --modes m1,m2,...: modes cycled over the addresses. */
static int add_range(const char *range, const char *mlist)
{
	char tmp[64];
	const char *dash = strchr(range, '-'), *colon = strrchr(range, ':');
	unsigned long last, port;
	struct in_addr a;
	if (!dash || !colon || colon < dash || (size_t)(dash - range) >= sizeof(tmp))
		return -1;
	memcpy(tmp, range, (size_t)(dash - range));
	tmp[dash - range] = 0;
	char lastbuf[8];
	if ((size_t)(colon - dash - 1) >= sizeof(lastbuf))
		return -1;
	memcpy(lastbuf, dash + 1, (size_t)(colon - dash - 1));
	lastbuf[colon - dash - 1] = 0;
	if (inet_pton(AF_INET, tmp, &a) != 1 || !parse_uint(lastbuf, 255, &last) ||
	    !parse_uint(colon + 1, 65535, &port))
		return -1;
	uint32_t base = ntohl(a.s_addr);
	const char *m = mlist;
	for (uint32_t h = base & 0xff; h <= last; h++) {
		const char *e = strchr(m, ',');
		size_t ml = e ? (size_t)(e - m) : strlen(m);
		struct in_addr ha = {.s_addr = htonl((base & ~0xffu) | h)};
		if (add_listener(ha, (unsigned)port, mode_by_name(m, ml)))
			return -1;
		m = e ? e + 1 : mlist;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: hostile_broker [-v] --listen ADDR:PORT --mode NAME [...]\n"
		   "       hostile_broker --range A.B.C.D-E:PORT --modes NAME,NAME,...\n"
		   "       hostile_broker --list\nmodes:\n");
	for (int i = 0; i < M__COUNT; i++)
		fprintf(f, "  %-16s %s\n", modes[i].name, modes[i].what);
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct in_addr pend_a = {0};
	unsigned pend_port = 0;
	bool have_pend = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--list")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "-v")) {
			verbose = 1;
		} else if (!strcmp(a, "--listen") && v && parse_addr_port(v, &pend_a, &pend_port)) {
			have_pend = true;
			i++;
		} else if (!strcmp(a, "--mode") && v && have_pend) {
			if (add_listener(pend_a, pend_port, mode_by_name(v, strlen(v))))
				return 2;
			have_pend = false;
			i++;
		} else if (!strcmp(a, "--range") && i + 3 < argc && !strcmp(argv[i + 2], "--modes")) {
			if (add_range(v, argv[i + 3]))
				return 2;
			i += 3;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!nlisteners || have_pend) {
		usage(stderr);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	rng ^= (uint64_t)getpid() << 32;
	printf("ready %zu\n", nlisteners);
	fflush(stdout);
	serve();
	for (size_t i = 0; i < MAX_CONNS; i++)
		if (conns[i])
			conn_free(i);
	for (size_t i = 0; i < nlisteners; i++)
		close(listeners[i].fd);
	return 0;
}
