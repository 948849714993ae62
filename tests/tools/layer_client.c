/* layer_client: drives one layer stack (tcp → tls → ws) against a real peer with poll(),
 * the way the engine does (handshake until MSW_OK, then send/recv on the top), speaks a
 * minimal MQTT exchange (CONNECT → CONNACK, optional SUBSCRIBE → SUBACK and the first
 * PUBLISH), and prints what the layers recorded as one JSON object. Used by the TLS and
 * WebSocket integration tests to check the layers against Mosquitto and Aedes without
 * the rest of the scanner.
 *
 *   layer_client -t tcp|tls|ws|wss -a 127.0.94.1 -p PORT [-n HOSTNAME] [--cafile F]
 *                [--cert F --key F] [--psk HEX --psk-identity ID] [--ws-path P]
 *                [--legacy] [-V 3|4|5] [-u USER -P PASS] [-s TOPIC] [-w MS]
 * Exit status: 0 when the exchange ran (whatever the CONNACK said), 2 on transport
 * failure (the JSON still says why), 1 on usage errors. */
#include <arpa/inet.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <cjson/cJSON.h>
#include "base/config.h"
#include "base/target.h"
#include "output/record.h"
#include "transport/layer.h"
#include "transport/ws.h"

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct opts {
	int transport;
	const char *addr, *host, *user, *pass, *topic;
	uint16_t port;
	int version;
	int wait_ms;
	struct msw_config cfg;
};

static size_t put_str(uint8_t *b, const char *s)
{
	size_t n = strlen(s);
	b[0] = (uint8_t)(n >> 8);
	b[1] = (uint8_t)n;
	memcpy(b + 2, s, n);
	return n + 2;
}

static size_t put_varint(uint8_t *b, size_t v)
{
	size_t o = 0;
	do {
		uint8_t c = v & 0x7f;
		v >>= 7;
		b[o++] = c | (v ? 0x80 : 0);
	} while (v);
	return o;
}

static size_t packet(uint8_t *out, uint8_t type, const uint8_t *body, size_t n)
{
	out[0] = type;
	size_t o = 1 + put_varint(out + 1, n);
	memcpy(out + o, body, n);
	return o + n;
}

static size_t build_connect(const struct opts *o, uint8_t *out)
{
	uint8_t b[600];
	size_t n = put_str(b, o->version == 3 ? "MQIsdp" : "MQTT");
	char cid[64];
	snprintf(cid, sizeof(cid), "msw-layer-%d", (int)getpid());
	b[n++] = (uint8_t)o->version;
	b[n++] = (uint8_t)(0x02 | (o->user ? 0x80 : 0) | (o->pass ? 0x40 : 0));
	b[n++] = 0;
	b[n++] = 30;
	if (o->version == 5)
		b[n++] = 0; /* no properties */
	n += put_str(b + n, cid);
	if (o->user)
		n += put_str(b + n, o->user);
	if (o->pass)
		n += put_str(b + n, o->pass);
	return packet(out, 0x10, b, n);
}

static size_t build_subscribe(const struct opts *o, uint8_t *out)
{
	uint8_t b[300];
	size_t n = 0;
	b[n++] = 0;
	b[n++] = 1;
	if (o->version == 5)
		b[n++] = 0;
	n += put_str(b + n, o->topic);
	b[n++] = 0;
	return packet(out, 0x82, b, n);
}

/* Waits for fd readiness (or writability when the stack has output queued). */
static int wait_fd(struct layer *top, int fd, bool want_write, int64_t deadline)
{
	int64_t left = deadline - now_ms();
	if (left <= 0)
		return -1;
	struct pollfd pf = {.fd = fd, .events = POLLIN};
	if (want_write || stack_pending_out(top))
		pf.events |= POLLOUT;
	return poll(&pf, 1, (int)left) < 0 ? -1 : 0;
}

/* Reads one MQTT packet into buf; returns its total length, 0 on EOF/timeout/error. */
static size_t read_packet(struct layer *top, int fd, uint8_t *buf, size_t cap, int64_t deadline,
			  size_t *have, msw_err *err)
{
	for (;;) {
		if (*have >= 2) {
			size_t rl = 0, i = 1;
			int shift = 0;
			while (i < *have && i < 5) {
				rl |= (size_t)(buf[i] & 0x7f) << shift;
				shift += 7;
				if (!(buf[i++] & 0x80))
					break;
			}
			if (i <= *have && !(buf[i - 1] & 0x80) && *have >= i + rl)
				return i + rl;
		}
		if (*have >= cap) {
			*err = MSW_ERR_TOO_BIG;
			return 0;
		}
		size_t got = 0;
		stack_flush(top);
		msw_err rc = top->ops->recv(top, buf + *have, cap - *have, &got);
		if (rc == MSW_ERR_AGAIN) {
			if (wait_fd(top, fd, false, deadline)) {
				*err = MSW_ERR_TIMEOUT;
				return 0;
			}
			continue;
		}
		if (rc) {
			*err = rc;
			return 0;
		}
		*have += got;
	}
}

static msw_err handshake(struct layer *top, int fd, int64_t deadline)
{
	for (;;) {
		bool ww = false;
		msw_err rc = top->ops->handshake(top, &ww);
		stack_flush(top);
		if (rc != MSW_ERR_AGAIN)
			return rc;
		if (wait_fd(top, fd, ww, deadline))
			return MSW_ERR_TIMEOUT;
	}
}

static int parse_transport(const char *s)
{
	const char *names[] = {"tcp", "tls", "ws", "wss"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"cafile", 1, 0, 'C'}, {"cert", 1, 0, 'c'},         {"key", 1, 0, 'k'},
		{"psk", 1, 0, 'K'},    {"psk-identity", 1, 0, 'i'}, {"ws-path", 1, 0, 'W'},
		{"legacy", 0, 0, 'L'}, {"insecure", 0, 0, 'I'},     {0, 0, 0, 0}};
	int c;
	o->version = 4;
	o->wait_ms = 5000;
	while ((c = getopt_long(argc, argv, "t:a:p:n:V:u:P:s:w:", lo, NULL)) != -1) {
		switch (c) {
		case 't':
			o->transport = parse_transport(optarg);
			break;
		case 'a':
			o->addr = optarg;
			break;
		case 'p':
			o->port = (uint16_t)strtoul(optarg, NULL, 10);
			break;
		case 'n':
			o->host = optarg;
			break;
		case 'V':
			o->version = (int)strtol(optarg, NULL, 10);
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'P':
			o->pass = optarg;
			break;
		case 's':
			o->topic = optarg;
			break;
		case 'w':
			o->wait_ms = (int)strtol(optarg, NULL, 10);
			break;
		case 'C':
			o->cfg.ca_file = optarg;
			break;
		case 'c':
			o->cfg.cert_file = optarg;
			break;
		case 'k':
			o->cfg.key_file = optarg;
			break;
		case 'K':
			o->cfg.psk = optarg;
			break;
		case 'i':
			o->cfg.psk_identity = optarg;
			break;
		case 'W':
			o->cfg.ws_path = optarg;
			break;
		case 'L':
			o->cfg.tls_legacy_check = true;
			break;
		case 'I':
			o->cfg.insecure = true;
			break;
		default:
			return -1;
		}
	}
	if (o->transport < 0 || !o->addr || !o->port)
		return -1;
	if (strncmp(o->addr, "127.", 4) != 0) {
		fprintf(stderr, "layer_client: loopback (127.0.0.0/8) only\n");
		return -1;
	}
	return 0;
}

static int connect_to(const struct opts *o, struct msw_target *t)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&t->sa;
	memset(t, 0, sizeof(*t));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(o->port);
	if (inet_pton(AF_INET, o->addr, &sin->sin_addr) != 1)
		return -1;
	t->salen = sizeof(*sin);
	snprintf(t->ip, sizeof(t->ip), "%s", o->addr);
	t->port = o->port;
	t->transport = o->transport;
	t->hostname = o->host;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)sin, sizeof(*sin)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	return fd;
}

/* The MQTT exchange after the handshake; fills out. */
static msw_err exchange(const struct opts *o, struct layer *top, int fd, cJSON *out)
{
	static uint8_t buf[1 << 20];
	uint8_t pkt[1024];
	size_t have = 0, n;
	msw_err err = MSW_OK;
	int64_t deadline = now_ms() + o->wait_ms;

	msw_err rc = top->ops->send(top, pkt, build_connect(o, pkt));
	if (rc)
		return rc;
	n = read_packet(top, fd, buf, sizeof(buf), deadline, &have, &err);
	if (!n)
		return err;
	cJSON_AddNumberToObject(out, "connack_type", buf[0] >> 4);
	cJSON_AddNumberToObject(out, "connack_code", n >= 4 ? buf[3] : -1);
	if (!o->topic || n < 4 || buf[3] != 0)
		return MSW_OK;
	memmove(buf, buf + n, have - n);
	have -= n;
	rc = top->ops->send(top, pkt, build_subscribe(o, pkt));
	if (rc)
		return rc;
	for (int i = 0; i < 2; i++) { /* SUBACK, then the first PUBLISH (retained) */
		n = read_packet(top, fd, buf, sizeof(buf), deadline, &have, &err);
		if (!n)
			return err == MSW_ERR_TIMEOUT ? MSW_OK : err;
		cJSON_AddNumberToObject(out, i ? "publish_bytes" : "suback_type",
					i ? (double)n : (double)(buf[0] >> 4));
		memmove(buf, buf + n, have - n);
		have -= n;
	}
	return MSW_OK;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	struct msw_target t;
	struct msw_record rec;
	struct layer *top = NULL;

	if (parse_opts(argc, argv, &o)) {
		fprintf(stderr, "usage: see the comment atop tests/tools/layer_client.c\n");
		return 1;
	}
	cJSON *out = cJSON_CreateObject();
	record_init(&rec, "mqtt");
	msw_err rc;
	int fd, attempts = 0;
	/* what a probe does: a refused WebSocket upgrade with another path left → reconnect */
	for (;;) {
		attempts++;
		fd = connect_to(&o, &t);
		rc = fd < 0 ? MSW_ERR_REFUSED : stack_build(fd, o.transport, &t, &o.cfg, &top);
		if (!rc)
			rc = handshake(top, fd, now_ms() + o.wait_ms);
		if (rc != MSW_ERR_HANDSHAKE || !ws_retry_pending(&t) || attempts >= 5)
			break;
		stack_describe(top, &rec);
		stack_destroy(top);
		top = NULL;
	}
	cJSON_AddNumberToObject(out, "connections", attempts);
	cJSON_AddStringToObject(out, "handshake", msw_err_str(rc));
	if (!rc) {
		msw_err xr = exchange(&o, top, fd, out);
		cJSON_AddStringToObject(out, "exchange", msw_err_str(xr));
		if (xr)
			rc = xr;
	}
	if (top)
		stack_describe(top, &rec);
	cJSON_AddBoolToObject(out, "ws_retry_pending", ws_retry_pending(&t));
	cJSON_AddStringToObject(out, "auth", auth_str(rec.auth));
	if (rec.transport_security)
		cJSON_AddStringToObject(out, "transport_security",
					fenum_name(&msw_tsec_enum, rec.transport_security));
	if (rec.error)
		cJSON_AddStringToObject(out, "error", rec.error);
	cJSON *recj = record_to_json(&rec, "layer_client");
	const char *const blocks[] = {"tls", "websocket"};
	for (size_t i = 0; i < 2; i++) {
		cJSON *b = cJSON_DetachItemFromObject(recj, blocks[i]);
		if (b)
			cJSON_AddItemToObject(out, blocks[i], b);
	}
	cJSON_Delete(recj);
	char *s = cJSON_PrintUnformatted(out);
	printf("%s\n", s ? s : "{}");
	free(s);
	cJSON_Delete(out);
	stack_destroy(top);
	record_free(&rec);
	return rc ? 2 : 0;
}
