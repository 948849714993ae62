/* The access maps' table and life in the record (see mqtt_access_rec.h). */
#include "probes/mqtt_access_rec.h"
#include <stdlib.h>
#include <string.h>

#define W struct acl_rec_row
/* suback / puback: written only when the broker sent one */
static void get_code(const void *o, const struct fdef *f, struct fval *v)
{
	const W *w = o;
	uint8_t c = f->arg ? w->puback : w->suback;

	v->u = c;
	v->absent = c == ACL_NO_CODE;
}

/* absent: none came (ACL_NO_CODE, which no code that came can be) */
static int set_code(void *o, const struct fdef *f, const struct fval *v)
{
	W *w = o;
	uint8_t *c = f->arg ? &w->puback : &w->suback;

	if (!v->absent && v->u >= ACL_NO_CODE)
		return MSW_ERR_MALFORMED;
	*c = v->absent ? ACL_NO_CODE : (uint8_t)v->u;
	return 0;
}

static void get_read(const void *o, const struct fdef *f, struct fval *v)
{
	const W *w = o;

	v->i = w->read;
	v->s = (const uint8_t *)fenum_name(&acl_read_enum, w->read);
	v->n = strlen((const char *)v->s);
}

static void get_write(const void *o, const struct fdef *f, struct fval *v)
{
	const W *w = o;

	v->i = w->write;
	v->s = (const uint8_t *)fenum_name(&acl_write_enum, w->write);
	v->n = strlen((const char *)v->s);
}

/* a verdict: its index in the vocabulary (the reader looked the name up) */
static int set_verdict(void *o, const struct fdef *f, const struct fval *v)
{
	W *w = o;

	if (v->absent || v->i < 0 || v->i >= f->enm->n)
		return MSW_ERR_MALFORMED;
	*(f->arg ? &w->write : &w->read) = (uint8_t)v->i;
	return 0;
}

static const struct fdef row_fields[] = {
	{FIELD_KEY("filter"), .type = FT_STR, FMEMBER(W, filter),
	 .desc = "the topic filter subscribed to (a family seen on the broker redacted per --evidence)"},
	{FIELD_KEY("read"), .type = FT_ENUM, .get = get_read, .set = set_verdict,
	 .enm = &acl_read_enum,
	 .desc = "granted: a message under it arrived; denied: refused, or a message known to "
		 "exist did not arrive; unknown: no evidence either way"},
	{FIELD_KEY("write"), .type = FT_ENUM, .get = get_write, .set = set_verdict, .arg = 1,
	 .enm = &acl_write_enum,
	 .desc = "the write test's verdict (--publish-proof): confirmed (read back), accepted, "
		 "denied or untested"},
	{FIELD_KEY("suback"), .type = FT_UINT, .get = get_code, .set = set_code, .arg = 0, .flags = F_OPT,
	 .desc = "the SUBACK code the broker answered", .min = 0, .max = 255},
	{FIELD_KEY("write_topic"), .type = FT_STR, FMEMBER(W, write_topic), .flags = F_OPT,
	 .desc = "the topic the write test published to (only when one was sent)"},
	{FIELD_KEY("puback"), .type = FT_UINT, .get = get_code, .set = set_code, .arg = 1, .flags = F_OPT,
	 .desc = "the MQTT 5 PUBACK reason code of the write test", .min = 0, .max = 255},
};
static const struct fblock row_table = {FIELDS(row_fields), .size = sizeof(W)};
#undef W

#define A struct access_account_rec
static void get_account_acl(const void *o, const struct fdef *f, struct fval *v)
{
	const A *a = o;

	v->p = a->acl.rows;
	v->n = a->acl.n;
	v->absent = !a->mapped;
}

/* the map is written: made (its rows are read into acl) */
static int set_account_acl(void *o, const struct fdef *f, const struct fval *v)
{
	((A *)o)->mapped = !v->absent;
	return 0;
}

static const struct fdef account_fields[] = {
	{FIELD_KEY("user"), .type = FT_STR, FMEMBER(A, user), .flags = F_NULL,
	 .desc = "the account's user name; null: none (anonymous). Never a password."},
	{FIELD_KEY("auth"), .type = FT_ENUM, FMEMBER(A, auth), .enm = &msw_auth_enum,
	 .desc = "the account's verdict"},
	{FIELD_KEY("read_access"), .type = FT_ENUM, FMEMBER(A, read_access), .enm = &msw_read_enum,
	 .desc = "what its main pass could read"},
	{FIELD_KEY("write_access"), .type = FT_ENUM, FMEMBER(A, write_access),
	 .enm = &msw_write_enum, .desc = "the write verdict of its proof row"},
	{FIELD_KEY("messages"), .type = FT_UINT, FSIZED(A, messages),
	 .desc = "messages its main pass received"},
	{FIELD_KEY("acl"), .type = FT_LIST, FMEMBER(A, acl.rows), FCOUNT(A, acl.n),
	 .get = get_account_acl, .set = set_account_acl, .flags = F_OPT, .sub = &row_table,
	 .desc = "its access map, as the record's acl"},
};
static const struct fblock account_table = {FIELDS(account_fields), .size = sizeof(A)};
#undef A

#define M struct mqtt_access_rec
static void get_acl(const void *o, const struct fdef *f, struct fval *v)
{
	const M *m = o;

	v->p = m->acl.rows;
	v->n = m->acl.n;
	v->absent = !m->mapped;
}

static int set_acl(void *o, const struct fdef *f, const struct fval *v)
{
	((M *)o)->mapped = !v->absent;
	return 0;
}

static const struct fdef access_fields[] = {
	{FIELD_KEY("acl"), .type = FT_LIST, FMEMBER(M, acl.rows), FCOUNT(M, acl.n),
	 .get = get_acl, .set = set_acl, .flags = F_OPT, .sub = &row_table,
	 .desc = "the access map of the record's account: one row per topic filter tried, in order"},
	{FIELD_KEY("accounts"), .type = FT_LIST, FMEMBER(M, accounts), FCOUNT(M, naccounts),
	 .flags = F_OPT | F_ZERO, .sub = &account_table,
	 .desc = "several accounts audited in one run, in order (the first is the record's own)"},
};

msw_err acl_rec_alloc(struct acl_rec *a, size_t n)
{
	acl_rec_free(a);
	if (n && !(a->rows = calloc(n, sizeof(*a->rows))))
		return MSW_ERR_NOMEM;
	a->n = (uint32_t)n;
	return MSW_OK;
}

void acl_rec_free(struct acl_rec *a)
{
	for (uint32_t i = 0; i < a->n; i++) {
		free(a->rows[i].filter);
		free(a->rows[i].write_topic);
	}
	free(a->rows);
	a->rows = NULL;
	a->n = 0;
}

void mqtt_access_rec_free(void *p)
{
	M *m = p;

	acl_rec_free(&m->acl);
	for (uint32_t i = 0; i < m->naccounts; i++) {
		free(m->accounts[i].user);
		acl_rec_free(&m->accounts[i].acl);
	}
	free(m->accounts);
	m->accounts = NULL;
	m->naccounts = 0;
	m->mapped = false;
}

const struct fblock mqtt_access_table = {
	FBLOCK_KEY("mqtt_access"), FIELDS(access_fields), .size = sizeof(M), .flags = FB_TOP,
	.slot = RB_SLOT_TAIL, .rank = 50, .free = mqtt_access_rec_free,
	.desc = "probe mqtt: the access maps and the accounts audited",
};
#undef M
