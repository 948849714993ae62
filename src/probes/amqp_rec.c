/* The "amqp" block's table and life (see amqp_rec.h). */
#include "probes/amqp_rec.h"
#include <stdio.h>
#include <string.h>

static const char *const answer_names[AMQP_ANSWER__COUNT] = {
	[AMQP_ANSWER_START] = "connection_start",
	[AMQP_ANSWER_SASL] = "sasl_mechanisms",
	[AMQP_ANSWER_HEADER] = "protocol_header",
};
const struct fenum amqp_answer_enum = {answer_names, AMQP_ANSWER__COUNT, AMQP_ANSWER_HEADER};

#define B struct amqp_info
/* A server property: written when the server sent it (an empty value too). */
static void get_prop(const void *o, const struct fdef *f, struct fval *v)
{
	const struct amqp_str *p = (const struct amqp_str *)((const char *)o + f->off);

	v->s = (const uint8_t *)p->s;
	v->n = strnlen(p->s, sizeof(p->s));
	v->absent = !p->present;
}

/* absent: not sent; a value fits the property's room with its NUL (the codec cuts it
 * there) */
static int set_prop(void *o, const struct fdef *f, const struct fval *v)
{
	struct amqp_str *p = (struct amqp_str *)((char *)o + f->off);

	memset(p, 0, sizeof(*p));
	if (v->absent)
		return 0;
	if (v->n >= sizeof(p->s) || memchr(v->s, 0, v->n))
		return MSW_ERR_MALFORMED;
	memcpy(p->s, v->s, v->n);
	p->present = true;
	return 0;
}

static void get_sasl(const void *o, const struct fdef *f, struct fval *v)
{
	const B *b = o;

	v->p = b->sasl_mechanisms.v;
	v->n = b->sasl_mechanisms.n;
	v->absent = !b->sasl_asked;
}

#define PROP(nm, m, d) \
	{FIELD_KEY(nm), .type = FT_CHARS, FMEMBER(B, m), .get = get_prop, .set = set_prop, .flags = F_OPT, .desc = d}
/* Present: the server was asked with the SASL header (the list is read into the row's
 * member); absent: it was not, and the list stays empty. */
static int set_sasl(void *o, const struct fdef *f, const struct fval *v)
{
	B *b = o;

	b->sasl_asked = !v->absent;
	return 0;
}

static const struct fdef amqp_fields[] = {
	{FIELD_KEY("protocol"), .type = FT_CHARS, FSIZED(B, protocol),
	 .desc = "the protocol the port answered with: 0-9-1, 1.0 (SASL), 1.0, 1.0 (TLS), or the "
		 "four numbers of a header we do not know"},
	{FIELD_KEY("answer"), .type = FT_ENUM, FMEMBER(B, answer), .enm = &amqp_answer_enum,
	 .desc = "what came back to the 0-9-1 protocol header"},
	PROP("product", product, "server property product (e.g. RabbitMQ)"),
	PROP("version", version, "server property version"),
	PROP("platform", platform, "server property platform (e.g. Erlang/OTP 25.2)"),
	PROP("cluster_name", cluster_name, "server property cluster_name: a node name, often the host's"),
	PROP("copyright", copyright, "server property copyright"),
	PROP("information", information, "server property information"),
	{FIELD_KEY("mechanisms"), .type = FT_STRLIST, FMEMBER(B, mechanisms.v),
	 FCOUNT(B, mechanisms.n), .flags = F_OPT | F_ZERO,
	 .desc = "the SASL mechanisms Connection.Start offers"},
	{FIELD_KEY("locales"), .type = FT_CHARS, FSIZED(B, locales), .flags = F_OPT | F_ZERO,
	 .desc = "the locales Connection.Start offers"},
	{FIELD_KEY("capabilities"), .type = FT_STRLIST, FMEMBER(B, capabilities.v),
	 FCOUNT(B, capabilities.n), .flags = F_OPT | F_ZERO,
	 .desc = "the server capabilities set to true"},
	{FIELD_KEY("sasl_mechanisms"), .type = FT_STRLIST, FMEMBER(B, sasl_mechanisms.v),
	 FCOUNT(B, sasl_mechanisms.n), .get = get_sasl, .set = set_sasl, .flags = F_OPT,
	 .desc = "a 1.0 server asked again with the SASL header: the mechanisms it offers "
		 "(ANONYMOUS: logins without credentials)"},
};
#undef PROP

/* n NUL-terminated words of w bytes each, one after the other from base. */
static msw_err words(struct strlist *l, const char *base, size_t n, size_t w, uint32_t cap)
{
	msw_err rc = MSW_OK;

	for (size_t i = 0; i < n && !rc; i++)
		rc = strlist_add(l, base + i * w, strnlen(base + i * w, w), cap);
	return rc;
}

msw_err amqp_info_fill(struct amqp_info *b, const struct amqp_reply *r,
		       const struct amqp_reply *sasl)
{
	const char *proto = r->kind == AMQP_START ? "0-9-1" : amqp_proto_name(r->proto);
	msw_err rc, rc2, rc3 = MSW_OK;

	amqp_info_free(b);
	if (proto)
		snprintf(b->protocol, sizeof(b->protocol), "%s", proto);
	else
		snprintf(b->protocol, sizeof(b->protocol), "%u.%u.%u.%u", r->proto[0], r->proto[1],
			 r->proto[2], r->proto[3]);
	b->answer = r->kind == AMQP_START ? AMQP_ANSWER_START
		    : r->kind == AMQP_SASL ? AMQP_ANSWER_SASL
					   : AMQP_ANSWER_HEADER;
	b->product = r->product;
	b->version = r->version;
	b->platform = r->platform;
	b->cluster_name = r->cluster_name;
	b->copyright = r->copyright;
	b->information = r->information;
	memcpy(b->locales, r->locales, sizeof(b->locales));
	b->locales[sizeof(b->locales) - 1] = 0;
	rc = words(&b->mechanisms, (const char *)r->mechs, r->nmechs, sizeof(r->mechs[0]),
		   AMQP_MAX_MECHS);
	rc2 = words(&b->capabilities, (const char *)r->caps, r->ncaps, sizeof(r->caps[0]),
		    AMQP_MAX_CAPS);
	if (sasl) {
		b->sasl_asked = true;
		rc3 = words(&b->sasl_mechanisms, (const char *)sasl->mechs, sasl->nmechs,
			    sizeof(sasl->mechs[0]), AMQP_MAX_MECHS);
	}
	return rc ? rc : rc2 ? rc2 : rc3;
}

void amqp_info_free(void *p)
{
	B *b = p;

	strlist_free(&b->mechanisms);
	strlist_free(&b->capabilities);
	strlist_free(&b->sasl_mechanisms);
	memset(b, 0, sizeof(*b));
}

const struct fblock amqp_table = {
	FBLOCK_KEY("amqp"), FIELDS(amqp_fields), .size = sizeof(B), .slot = RB_SLOT_TAIL,
	.rank = 60, .free = amqp_info_free,
	.desc = "probe amqp: what the broker's AMQP port says before any login",
};
#undef B
