/* AMQP banner codec: what a broker's AMQP port says before anyone logs in. Pure: no
 * sockets, no allocation; every length is checked against the bytes given before it is
 * used (picohttpparser's contract: bytes consumed, 0 = need more, <0 = malformed).
 *
 * AMQP 0-9-1 (RabbitMQ 3.x): the client sends "AMQP" 0 0 9 1; the server answers with a
 * Connection.Start method frame (type 1, channel 0, class 10, method 10) carrying its
 * version, a server-properties field table (product, version, platform, cluster_name,
 * copyright, information, capabilities), the SASL mechanisms and the locales.
 * A server that speaks another protocol answers with its own 8-byte protocol header and
 * closes: "AMQP" 0 0 9 1 (RabbitMQ 3.x refusing what it does not speak), "AMQP" 3 1 0 0
 * (AMQP 1.0 with SASL: RabbitMQ 4, ActiveMQ, Artemis), "AMQP" 0 1 0 0 (AMQP 1.0 plain).
 * AMQP 1.0 with SASL: after echoing the header the server sends a sasl-mechanisms frame
 * (descriptor 0x40) listing its mechanisms; ANONYMOUS among them means it offers logins
 * without credentials. */
#ifndef MSW_AMQP_CODEC_H
#define MSW_AMQP_CODEC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AMQP_MAX_FRAME (64u * 1024)  /* a Connection.Start is ~500 bytes; more is refused */
#define AMQP_MAX_DEPTH 4             /* nested tables/arrays in server properties */
#define AMQP_MAX_ENTRIES 256         /* field-table entries walked, all levels */
#define AMQP_STR 128                 /* kept of each property (longer is cut, marked) */
#define AMQP_MAX_CAPS 16
#define AMQP_MAX_MECHS 8

extern const uint8_t amqp_header_091[8];   /* "AMQP" 0 0 9 1 */
extern const uint8_t amqp_header_10sasl[8]; /* "AMQP" 3 1 0 0 */

enum amqp_reply_kind {
	AMQP_NONE,
	AMQP_START,        /* 0-9-1 Connection.Start */
	AMQP_HEADER,       /* a protocol header only: the server names the protocol it speaks */
	AMQP_SASL,         /* 1.0 SASL header + sasl-mechanisms */
};

struct amqp_str {
	char s[AMQP_STR];   /* printable ASCII and UTF-8 kept; control bytes become '?' */
	bool present, cut;
};

struct amqp_reply {
	enum amqp_reply_kind kind;
	uint8_t proto[4];          /* the header's last four bytes (AMQP_HEADER, AMQP_SASL) */
	uint8_t ver_major, ver_minor;
	struct amqp_str product, version, platform, cluster_name, copyright, information;
	char caps[AMQP_MAX_CAPS][40];   /* capabilities set to true */
	size_t ncaps;
	char mechs[AMQP_MAX_MECHS][24]; /* SASL mechanisms, as offered */
	size_t nmechs;
	char locales[32];
	uint32_t nprops;            /* server-properties entries at the top level */
};

/* Parse the server's first bytes; sasl: we sent the 1.0 SASL header (so an echo of it is
 * followed by sasl-mechanisms). Returns the bytes of a complete reply (> 0), 0 when more
 * are needed, -1 when they are not an AMQP reply we know. */
long amqp_parse_reply(const uint8_t *p, size_t n, bool sasl, struct amqp_reply *out);
/* "0-9-1", "1.0 (SASL)", "1.0", or NULL: the protocol a header names. */
const char *amqp_proto_name(const uint8_t proto[4]);
bool amqp_offers(const struct amqp_reply *r, const char *mechanism);

#endif
