/* AMQP banner codec (see amqp_codec.h). Layouts: AMQP 0-9-1 §2.3.5 (frames: type, channel,
 * size, payload, frame-end 0xCE), §4.2.5 (field tables; the type letters are RabbitMQ's, as
 * its errata list them: t b B s u I i l f d D S x A T F V); AMQP 1.0 §2.3 (frames: size, doff,
 * type, channel), §1.6 (encodings), §5.3.3.1 (sasl-mechanisms, descriptor 0x40). Checked
 * against RabbitMQ 3.10.8's bytes (tests/vectors/amqp/). */
#include "probes/amqp_codec.h"
#include <string.h>
#include "base/cursor.h"

const uint8_t amqp_header_091[8] = {'A', 'M', 'Q', 'P', 0, 0, 9, 1};
const uint8_t amqp_header_10sasl[8] = {'A', 'M', 'Q', 'P', 3, 1, 0, 0};

#define FRAME_END 0xCE

/* A property value kept as text: valid UTF-8 stays, control bytes and invalid sequences
 * become '?', cut at AMQP_STR - 1 bytes on a character boundary. */
static void keep_str(struct amqp_str *d, const uint8_t *p, size_t n)
{
	size_t o = 0, i = 0;

	d->present = true;
	while (i < n && o + 1 < sizeof(d->s)) {
		size_t k = 1;

		if (p[i] >= 0x80) {
			k = p[i] >= 0xF0 ? 4 : p[i] >= 0xE0 ? 3 : p[i] >= 0xC0 ? 2 : 1;
			if (i + k > n || !mqtt_utf8_valid(p + i, k))
				k = 0;
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			k = 0;
		}
		if (!k) {
			d->s[o++] = '?';
			i++;
			continue;
		}
		if (o + k + 1 > sizeof(d->s))
			break;
		memcpy(d->s + o, p + i, k);
		o += k;
		i += k;
	}
	d->s[o] = 0;
	d->cut = i < n;
}

static void keep_word(char *d, size_t cap, const uint8_t *p, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < cap; i++)
		d[o++] = p[i] > 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	d[o] = 0;
}

static bool key_is(const struct slice *k, const char *name)
{
	return k->len == strlen(name) && memcmp(k->p, name, k->len) == 0;
}

/* ---------------------------------------------------------------- 0-9-1 field tables */

struct walk {
	unsigned entries;
};

static msw_err table(struct cursor *c, int depth, struct walk *w, struct amqp_reply *out, bool top,
		     bool caps);

/* One value of type t; at the top level the string properties we keep, in the
 * capabilities table the true flags. */
static msw_err value(struct cursor *c, uint8_t t, int depth, struct walk *w, struct amqp_reply *out,
		     const struct slice *key, bool top, bool caps)
{
	struct slice s;
	uint32_t len;
	uint8_t b;
	msw_err rc;

	switch (t) {
	case 't':
		if ((rc = cur_u8(c, &b)))
			return rc;
		if (caps && b && key && out->ncaps < AMQP_MAX_CAPS)
			keep_word(out->caps[out->ncaps++], sizeof(out->caps[0]), key->p, key->len);
		return MSW_OK;
	case 'b': case 'B': return cur_skip(c, 1);
	case 's': case 'u': return cur_skip(c, 2);
	case 'I': case 'i': case 'f': return cur_skip(c, 4);
	case 'D': return cur_skip(c, 5);
	case 'l': case 'L': case 'd': case 'T': return cur_skip(c, 8);
	case 'V': return MSW_OK;
	case 'S': case 'x':
		if ((rc = cur_u32(c, &len)) || (rc = cur_bytes(c, len, &s)))
			return rc;
		if (t == 'S' && top && key) {
			struct amqp_str *d = key_is(key, "product")	 ? &out->product
					     : key_is(key, "version")	 ? &out->version
					     : key_is(key, "platform")	 ? &out->platform
					     : key_is(key, "cluster_name") ? &out->cluster_name
					     : key_is(key, "copyright")	 ? &out->copyright
					     : key_is(key, "information") ? &out->information
									 : NULL;
			if (d)
				keep_str(d, s.p, s.len);
		}
		return MSW_OK;
	case 'F':
		return table(c, depth + 1, w, out, false, top && key && key_is(key, "capabilities"));
	case 'A': {
		struct cursor sub;

		if (depth + 1 > AMQP_MAX_DEPTH)
			return MSW_ERR_MALFORMED;
		if ((rc = cur_u32(c, &len)) || (rc = cur_sub(c, len, &sub)))
			return rc;
		while (!cur_done(&sub)) {
			uint8_t et;

			if (++w->entries > AMQP_MAX_ENTRIES)
				return MSW_ERR_MALFORMED;
			if ((rc = cur_u8(&sub, &et)) ||
			    (rc = value(&sub, et, depth + 1, w, out, NULL, false, false)))
				return rc;
		}
		return MSW_OK;
	}
	default:
		return MSW_ERR_MALFORMED;
	}
}

static msw_err table(struct cursor *c, int depth, struct walk *w, struct amqp_reply *out, bool top,
		     bool caps)
{
	struct cursor sub;
	uint32_t len;
	msw_err rc;

	if (depth > AMQP_MAX_DEPTH)
		return MSW_ERR_MALFORMED;
	if ((rc = cur_u32(c, &len)) || (rc = cur_sub(c, len, &sub)))
		return rc;
	while (!cur_done(&sub)) {
		uint8_t klen, t;
		struct slice key;

		if (++w->entries > AMQP_MAX_ENTRIES)
			return MSW_ERR_MALFORMED;
		if ((rc = cur_u8(&sub, &klen)) || (rc = cur_bytes(&sub, klen, &key)) ||
		    (rc = cur_u8(&sub, &t)) || (rc = value(&sub, t, depth, w, out, &key, top, caps)))
			return rc;
		out->nprops += top;
	}
	return MSW_OK;
}

/* "PLAIN AMQPLAIN" (0-9-1 mechanisms are one space-separated long string) */
static void split_mechs(struct amqp_reply *out, const struct slice *s)
{
	size_t i = 0;

	while (i < s->len && out->nmechs < AMQP_MAX_MECHS) {
		size_t j = i;

		while (j < s->len && s->p[j] != ' ')
			j++;
		if (j > i)
			keep_word(out->mechs[out->nmechs++], sizeof(out->mechs[0]), s->p + i, j - i);
		i = j + 1;
	}
}

/* Connection.Start: class 10, method 10, version, server-properties, mechanisms, locales. */
static msw_err connection_start(struct cursor *c, struct amqp_reply *out)
{
	uint16_t cls, method;
	struct slice mech, loc;
	uint32_t len;
	struct walk w = {0};
	msw_err rc;

	if ((rc = cur_u16(c, &cls)) || (rc = cur_u16(c, &method)))
		return rc;
	if (cls != 10 || method != 10)
		return MSW_ERR_MALFORMED;
	if ((rc = cur_u8(c, &out->ver_major)) || (rc = cur_u8(c, &out->ver_minor)) ||
	    (rc = table(c, 0, &w, out, true, false)) || (rc = cur_u32(c, &len)) ||
	    (rc = cur_bytes(c, len, &mech)) || (rc = cur_u32(c, &len)) || (rc = cur_bytes(c, len, &loc)))
		return rc;
	split_mechs(out, &mech);
	keep_word(out->locales, sizeof(out->locales), loc.p, loc.len);
	return MSW_OK;
}

static long parse_091_frame(const uint8_t *p, size_t n, struct amqp_reply *out)
{
	struct cursor c, body;
	uint8_t type, end;
	uint16_t chan;
	uint32_t size;

	cur_init_stream(&c, p, n);
	if (cur_u8(&c, &type) || cur_u16(&c, &chan) || cur_u32(&c, &size))
		return 0;
	if (type != 1 || chan != 0 || size > AMQP_MAX_FRAME)
		return -1;
	if (cur_left(&c) < (size_t)size + 1)
		return 0;
	cur_init(&body, cur_ptr(&c), size);
	end = p[7 + size];
	if (end != FRAME_END || connection_start(&body, out) || !cur_done(&body))
		return -1;
	out->kind = AMQP_START;
	return (long)(8 + size);
}

/* ---------------------------------------------------------------- 1.0 SASL */

/* One symbol of an array whose element constructor is 0xa3 (sym8) or 0xb3 (sym32). */
static msw_err symbol(struct cursor *c, uint8_t ctor, struct slice *s)
{
	uint32_t len = 0;
	uint8_t l8;
	msw_err rc;

	if (ctor == 0xa3) {
		if ((rc = cur_u8(c, &l8)))
			return rc;
		len = l8;
	} else if ((rc = cur_u32(c, &len))) {
		return rc;
	}
	return cur_bytes(c, len, s);
}

/* The mechanisms field: a single symbol, or an array of symbols (array8 0xe0, array32 0xf0). */
static msw_err sasl_mechs(struct cursor *c, struct amqp_reply *out)
{
	uint8_t fc, ctor;
	uint32_t size, count;
	struct slice s;
	msw_err rc;

	if ((rc = cur_u8(c, &fc)))
		return rc;
	if (fc == 0xa3 || fc == 0xb3) {
		if ((rc = symbol(c, fc, &s)))
			return rc;
		keep_word(out->mechs[out->nmechs++], sizeof(out->mechs[0]), s.p, s.len);
		return MSW_OK;
	}
	/* the size counts the bytes after itself: the count, the constructor, the elements */
	if (fc == 0xe0) {
		uint8_t s8, c8;

		if ((rc = cur_u8(c, &s8)) || s8 > cur_left(c) || (rc = cur_u8(c, &c8)))
			return rc ? rc : MSW_ERR_MALFORMED;
		size = s8;
		count = c8;
	} else if (fc == 0xf0) {
		if ((rc = cur_u32(c, &size)) || size > cur_left(c) || (rc = cur_u32(c, &count)))
			return rc ? rc : MSW_ERR_MALFORMED;
	} else {
		return MSW_ERR_MALFORMED;
	}
	if (count > size || (rc = cur_u8(c, &ctor)))
		return MSW_ERR_MALFORMED;
	if (ctor != 0xa3 && ctor != 0xb3)
		return MSW_ERR_MALFORMED;
	for (uint32_t i = 0; i < count; i++) {
		if ((rc = symbol(c, ctor, &s)))
			return rc;
		if (out->nmechs < AMQP_MAX_MECHS)
			keep_word(out->mechs[out->nmechs++], sizeof(out->mechs[0]), s.p, s.len);
	}
	return MSW_OK;
}

/* A SASL frame holding sasl-mechanisms: 00 53 40, then a list (0xc0 list8 / 0xd0 list32)
 * whose first field is the mechanisms. */
static msw_err sasl_frame_body(struct cursor *c, struct amqp_reply *out)
{
	uint8_t d0, d1, d2, lc;
	msw_err rc;

	if ((rc = cur_u8(c, &d0)) || (rc = cur_u8(c, &d1)) || (rc = cur_u8(c, &d2)))
		return rc;
	if (d0 != 0 || d1 != 0x53 || d2 != 0x40 || (rc = cur_u8(c, &lc)))
		return rc ? rc : MSW_ERR_MALFORMED;
	if (lc == 0xc0)
		rc = cur_skip(c, 2);    /* size, count */
	else if (lc == 0xd0)
		rc = cur_skip(c, 8);
	else
		return MSW_ERR_MALFORMED;
	return rc ? rc : sasl_mechs(c, out);
}

static long parse_sasl(const uint8_t *p, size_t n, struct amqp_reply *out)
{
	struct cursor c, body;
	uint32_t size;
	uint8_t doff, type;

	memcpy(out->proto, p + 4, 4);
	cur_init_stream(&c, p + 8, n - 8);
	if (cur_u32(&c, &size) || cur_u8(&c, &doff) || cur_u8(&c, &type) || cur_skip(&c, 2))
		return 0;
	if (size > AMQP_MAX_FRAME || doff < 2 || (size_t)doff * 4 > size || type != 1)
		return -1;
	if (n - 8 < size)
		return 0;
	cur_init(&body, p + 8 + (size_t)doff * 4, size - (size_t)doff * 4);
	if (sasl_frame_body(&body, out))
		return -1;
	out->kind = AMQP_SASL;
	return (long)(8 + size);
}

/* ---------------------------------------------------------------- entry */

long amqp_parse_reply(const uint8_t *p, size_t n, bool sasl, struct amqp_reply *out)
{
	memset(out, 0, sizeof(*out));
	if (!n)
		return 0;
	if (p[0] == 'A') {
		if (n < 8)
			return memcmp(p, "AMQP", n < 4 ? n : 4) ? -1 : 0;
		if (memcmp(p, "AMQP", 4))
			return -1;
		memcpy(out->proto, p + 4, 4);
		/* our SASL header echoed: the mechanisms frame follows */
		if (sasl && !memcmp(p, amqp_header_10sasl, 8))
			return parse_sasl(p, n, out);
		out->kind = AMQP_HEADER;
		return 8;
	}
	return parse_091_frame(p, n, out);
}

const char *amqp_proto_name(const uint8_t proto[4])
{
	if (proto[0] == 0 && proto[1] == 0 && proto[2] == 9 && proto[3] == 1)
		return "0-9-1";
	if (proto[0] == 3 && proto[1] == 1 && proto[2] == 0 && proto[3] == 0)
		return "1.0 (SASL)";
	if (proto[0] == 0 && proto[1] == 1 && proto[2] == 0 && proto[3] == 0)
		return "1.0";
	if (proto[0] == 2 && proto[1] == 1 && proto[2] == 0 && proto[3] == 0)
		return "1.0 (TLS)";
	return NULL;
}

bool amqp_offers(const struct amqp_reply *r, const char *mechanism)
{
	for (size_t i = 0; i < r->nmechs; i++)
		if (strcmp(r->mechs[i], mechanism) == 0)
			return true;
	return false;
}
