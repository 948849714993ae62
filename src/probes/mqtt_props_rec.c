/* connack.properties: one row per property the codec knows, in identifier order (the
 * order mqtt_props_read() fills them in). UTF-8 strings were validated on decode; binary
 * values are shown as hex. */
#include "probes/mqtt_props_rec.h"
#include <stdlib.h>
#include <string.h>

#define PR struct mqtt_props_rec

static void get_prop(const void *o, const struct fdef *f, struct fval *v)
{
	const PR *r = o;
	int id = (int)f->arg;
	const struct mqtt_pval *pv = &r->p.v[id];

	v->absent = !mqtt_props_has(&r->p, id);
	v->u = pv->u;
	v->s = pv->s.p ? pv->s.p : (const uint8_t *)"";
	v->n = pv->s.p ? pv->s.len : 0;
}

static void get_users(const void *o, const struct fdef *f, struct fval *v)
{
	const PR *r = o;

	v->absent = !mqtt_props_has(&r->p, MQTT_P_USER_PROPERTY);
	v->p = r->users;
	v->n = r->nusers;
}

static void get_users_total(const void *o, const struct fdef *f, struct fval *v)
{
	const PR *r = o;

	v->u = r->p.nuser;
	v->absent = !mqtt_props_has(&r->p, MQTT_P_USER_PROPERTY) || r->p.nuser <= MQTT_MAX_USER_PROPS;
}

static void get_pair(const void *o, const struct fdef *f, struct fval *v)
{
	const struct mqtt_pair *pp = o;
	const struct slice *s = f->arg ? &pp->v : &pp->k;

	v->s = s->p ? s->p : (const uint8_t *)"";
	v->n = s->p ? s->len : 0;
}

static const struct fdef pair_fields[] = {
	{FIELD_KEY("key"), .type = FT_STR, .get = get_pair, .arg = 0, .flags = F_TRUNC_NUL},
	{FIELD_KEY("value"), .type = FT_STR, .get = get_pair, .arg = 1, .flags = F_TRUNC_NUL},
};
static const struct fblock pair_table = {FIELDS(pair_fields), .size = sizeof(struct mqtt_pair),
					 .flags = FB_TUPLE};

#define NUM(nm, id) {FIELD_KEY(nm), .type = FT_UINT, .get = get_prop, .arg = id, .flags = F_OPT}
#define TXT(nm, id) \
	{FIELD_KEY(nm), .type = FT_STR, .get = get_prop, .arg = id, .flags = F_OPT | F_TRUNC_NUL}
#define BIN(nm, id) {FIELD_KEY(nm), .type = FT_HEX, .get = get_prop, .arg = id, .flags = F_OPT}
static const struct fdef props_fields[] = {
	NUM("payload_format_indicator", 0x01),
	NUM("message_expiry_interval", 0x02),
	TXT("content_type", 0x03),
	TXT("response_topic", 0x08),
	BIN("correlation_data", 0x09),
	NUM("subscription_identifier", 0x0B),
	NUM("session_expiry_interval", 0x11),
	TXT("assigned_client_identifier", 0x12),
	NUM("server_keep_alive", 0x13),
	TXT("authentication_method", 0x15),
	BIN("authentication_data", 0x16),
	NUM("request_problem_information", 0x17),
	NUM("will_delay_interval", 0x18),
	NUM("request_response_information", 0x19),
	TXT("response_information", 0x1A),
	TXT("server_reference", 0x1C),
	TXT("reason_string", 0x1F),
	NUM("receive_maximum", 0x21),
	NUM("topic_alias_maximum", 0x22),
	NUM("topic_alias", 0x23),
	NUM("maximum_qos", 0x24),
	NUM("retain_available", 0x25),
	{FIELD_KEY("user_properties"), .type = FT_LIST, .get = get_users, .arg = 0x26,
	 .flags = F_OPT, .sub = &pair_table, .desc = "user properties as [key, value] (16 kept)"},
	{FIELD_KEY("user_properties_total"), .type = FT_UINT, .get = get_users_total, .arg = 0x26,
	 .flags = F_OPT, .desc = "user properties sent, when more than were kept"},
	NUM("maximum_packet_size", 0x27),
	NUM("wildcard_subscription_available", 0x28),
	NUM("subscription_identifier_available", 0x29),
	NUM("shared_subscription_available", 0x2A),
};

static void props_free(void *o)
{
	PR *r = o;

	free(r->buf);
	r->buf = NULL;
}

const struct fblock mqtt_props_table = {
	FBLOCK_KEY("properties"), FIELDS(props_fields), .size = sizeof(PR), .free = props_free,
	.desc = "MQTT 5 CONNACK properties by their specification names",
};

_Static_assert(sizeof(props_fields) / sizeof(props_fields[0]) == MQTT_PROPS_ROWS, "rows");

/* The row of each identifier (-1: none); test_record_text checks it against the codec. */
static const int8_t row_of[MQTT_P__MAX + 1] = {
	[0] = -1, [0x01] = 0, [0x02] = 1, [0x03] = 2, [0x04 ... 0x07] = -1, [0x08] = 3,
	[0x09] = 4, [0x0A] = -1, [0x0B] = 5, [0x0C ... 0x10] = -1, [0x11] = 6, [0x12] = 7,
	[0x13] = 8, [0x14] = -1, [0x15] = 9, [0x16] = 10, [0x17] = 11, [0x18] = 12, [0x19] = 13,
	[0x1A] = 14, [0x1B] = -1, [0x1C] = 15, [0x1D ... 0x1E] = -1, [0x1F] = 16, [0x20] = -1,
	[0x21] = 17, [0x22] = 18, [0x23] = 19, [0x24] = 20, [0x25] = 21, [0x26] = 22,
	[0x27] = 24, [0x28] = 25, [0x29] = 26, [0x2A] = 27,
};

const struct fdef *mqtt_props_row(int id)
{
	if (id < 0 || id > MQTT_P__MAX || row_of[id] < 0)
		return NULL;
	return &props_fields[row_of[id]]; /* the first row of an id: its value */
}

const struct mqtt_props_rec *mqtt_props_rec_of(const struct fref *ref)
{
	const PR *r = ref->p;

	if (!r || (ref->tbl != &mqtt_props_table && ref->tbl != &r->tbl))
		return NULL;
	return r;
}

/* The copy's own table: the rows of the properties present, in identifier order. */
static void own_table(PR *r)
{
	r->tbl = mqtt_props_table;
	r->tbl.f = r->rows;
	r->tbl.n = 0;
	for (uint64_t bits = r->p.present; bits; bits &= bits - 1) {
		int id = __builtin_ctzll(bits), k = id <= MQTT_P__MAX ? row_of[id] : -1;
		if (k < 0)
			continue;
		r->rows[r->tbl.n++] = props_fields[k];
		if (id == MQTT_P_USER_PROPERTY && r->p.nuser > MQTT_MAX_USER_PROPS)
			r->rows[r->tbl.n++] = props_fields[k + 1]; /* user_properties_total */
	}
}

/* Bytes of every slice, for one copy. */
static size_t slices_len(const struct mqtt_props *p)
{
	size_t n = 0;
	uint32_t nu = p->nuser < MQTT_MAX_USER_PROPS ? p->nuser : MQTT_MAX_USER_PROPS;

	for (int id = 1; id <= MQTT_P__MAX; id++)
		if (mqtt_props_has(p, id))
			n += p->v[id].s.len + p->v[id].s2.len;
	for (uint32_t i = 0; i < nu; i++)
		n += p->user_key[i].len + p->user_val[i].len;
	return n;
}

static struct slice rebase(struct slice s, uint8_t **at)
{
	struct slice out = {.p = *at, .len = s.len};

	if (s.len)
		memcpy(*at, s.p, s.len);
	*at += s.len;
	return out;
}

struct mqtt_props_rec *mqtt_props_keep(const struct mqtt_props *p)
{
	size_t n = slices_len(p);
	PR *r = malloc(sizeof(*r));
	uint8_t *at;

	if (r)
		memset(r, 0, offsetof(PR, rows)); /* rows: filled as far as tbl.n says */
	if (!r || !(r->buf = malloc(n ? n : 1))) {
		free(r);
		return NULL;
	}
	at = r->buf;
	r->p.present = p->present;
	r->p.nuser = p->nuser;
	r->p.nsubids = p->nsubids;
	for (int id = 1; id <= MQTT_P__MAX; id++) {
		if (!mqtt_props_has(p, id))
			continue;
		r->p.v[id].u = p->v[id].u;
		r->p.v[id].s = p->v[id].s.p ? rebase(p->v[id].s, &at) : (struct slice){0};
		r->p.v[id].s2 = p->v[id].s2.p ? rebase(p->v[id].s2, &at) : (struct slice){0};
	}
	r->nusers = (uint8_t)(p->nuser < MQTT_MAX_USER_PROPS ? p->nuser : MQTT_MAX_USER_PROPS);
	for (uint8_t i = 0; i < r->nusers; i++) {
		r->users[i].k = rebase(p->user_key[i], &at);
		r->users[i].v = rebase(p->user_val[i], &at);
		r->p.user_key[i] = r->users[i].k;
		r->p.user_val[i] = r->users[i].v;
	}
	own_table(r);
	return r;
}
