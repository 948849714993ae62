/* The classifier's block of the record (see cls_result.h): its table and its life. */
#include "classify/cls_result.h"
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const char *const hp_names[CLS_HP__COUNT] = {
	[CLS_HP_STRONG] = "strong",
	[CLS_HP_WEAK] = "weak",
};
const struct fenum cls_hp_likelihood_enum = {hp_names, CLS_HP__COUNT, CLS_HP_WEAK};

#define C struct cls_result

static void get_honeypot(const void *o, const struct fdef *f, struct fval *v)
{
	const C *c = o;

	v->p = c;
	v->absent = !c->honeypot;
}

static int set_honeypot(void *o, const struct fdef *f, const struct fval *v)
{
	((C *)o)->honeypot = !v->absent;
	return 0;
}

static const struct fdef hp_fields[] = {
	{FIELD_KEY("likelihood"), .type = FT_ENUM, FMEMBER(C, hp_likelihood),
	 .enm = &cls_hp_likelihood_enum,
	 .desc = "strong: a strong signal or two weak ones; weak: one weak signal"},
	{FIELD_KEY("signals"), .type = FT_STRLIST, FMEMBER(C, hp_signals.v),
	 FCOUNT(C, hp_signals.n), .pattern = "^[a-z][a-z0-9_]*$",
	 .desc = "malformed_reply, version_blind, connack_changed, silent_accept"},
};
static const struct fblock hp_table = {
	FIELDS(hp_fields), .desc = "honeypot telltales of this target (docs/findings.md, Honeypots)"};

/* A fingerprint's rows: .arg is the offset of its struct cls_fingerprint. */
static const struct cls_fingerprint *fp_of(const void *o, const struct fdef *f)
{
	return (const struct cls_fingerprint *)((const char *)o + f->arg);
}

static void get_fp_hash(const void *o, const struct fdef *f, struct fval *v)
{
	const struct cls_fingerprint *fp = fp_of(o, f);

	v->s = fp->hash;
	v->n = sizeof(fp->hash);
	v->absent = !fp->n;
}

static void get_fp_n(const void *o, const struct fdef *f, struct fval *v)
{
	const struct cls_fingerprint *fp = fp_of(o, f);

	v->u = fp->n;
	v->absent = !fp->n;
}

static void get_fp_capped(const void *o, const struct fdef *f, struct fval *v)
{
	const struct cls_fingerprint *fp = fp_of(o, f);

	v->b = fp->capped;
	v->absent = !fp->n || !fp->capped;
}

/* The setters (the record reader) take the three rows in order: the hash, then its count
 * (a hash is written with its count, never alone), then capped (written only when true). */
static struct cls_fingerprint *fp_at(void *o, const struct fdef *f)
{
	return (struct cls_fingerprint *)((char *)o + f->arg);
}

static int set_fp_hash(void *o, const struct fdef *f, const struct fval *v)
{
	struct cls_fingerprint *fp = fp_at(o, f);

	if (v->absent)
		return 0;
	if (v->n != sizeof(fp->hash))
		return MSW_ERR_MALFORMED;
	memcpy(fp->hash, v->s, sizeof(fp->hash));
	fp->n = 1; /* there; the count follows */
	return 0;
}

static int set_fp_n(void *o, const struct fdef *f, const struct fval *v)
{
	struct cls_fingerprint *fp = fp_at(o, f);

	if (v->absent)
		return fp->n ? MSW_ERR_MALFORMED : 0;
	if (!fp->n || !v->u || v->u > UINT32_MAX)
		return MSW_ERR_MALFORMED;
	fp->n = (uint32_t)v->u;
	return 0;
}

static int set_fp_capped(void *o, const struct fdef *f, const struct fval *v)
{
	struct cls_fingerprint *fp = fp_at(o, f);

	if (v->absent)
		return 0;
	if (!fp->n || !v->b)
		return MSW_ERR_MALFORMED;
	fp->capped = true;
	return 0;
}

#define FP_ROWS(nm, m, what, hash_desc)                                                       \
	{FIELD_KEY(nm), .type = FT_HEX, .get = get_fp_hash, .set = set_fp_hash,                \
	 .arg = offsetof(C, m),                                                                 \
	 .flags = F_OPT, .pattern = "^[0-9a-f]{32}$", .desc = hash_desc},                      \
	{FIELD_KEY(nm "_n"), .type = FT_UINT, .get = get_fp_n, .set = set_fp_n,                \
	 .arg = offsetof(C, m),                                                                 \
	 .flags = F_OPT, .min = 1, .max = UINT32_MAX,                                          \
	 .desc = "how many messages of the " what " the fingerprint covers"},                   \
	{FIELD_KEY(nm "_capped"), .type = FT_BOOL, .get = get_fp_capped, .set = set_fp_capped, \
	 .arg = offsetof(C, m),                                                                 \
	 .flags = F_OPT,                                                                        \
	 .desc = "the " what " outgrew the classifier's table: the fingerprint covers a prefix"}

static const struct fdef cls_fields[] = {
	{FIELD_KEY("tags"), .type = FT_STRLIST, FMEMBER(C, tags.v), FCOUNT(C, tags.n),
	 .flags = F_OPT | F_ZERO, .pattern = "^[a-z][a-z0-9_]*$",
	 .desc = "measurement-honesty tags (public_test_broker, acl_filtered, ...)"},
	{FIELD_KEY("honeypot"), .type = FT_BLOCK, .get = get_honeypot, .set = set_honeypot,
	 .flags = F_OPT,
	 .sub = &hp_table},
	FP_ROWS("retained_fingerprint", retained, "retained set",
		"hash over the sorted non-$SYS retained topic+payload set (cross-target honeypot "
		"heuristic)"),
	FP_ROWS("sys_fingerprint", sys, "$SYS snapshot",
		"hash over the sorted retained $SYS topic+payload snapshot, counters included "
		"(cross-target honeypot heuristic)"),
	{FIELD_KEY("sys_identity"), .type = FT_STR, FMEMBER(C, sys_identity), .flags = F_OPT,
	 .desc = "the broker's $SYS identity (EMQX/VerneMQ node name, Aedes broker id), to spot "
		 "repeated deployments"},
	{FIELD_KEY("findings_dropped"), .type = FT_UINT, FSIZED(C, findings_dropped),
	 .flags = F_OPT | F_ZERO, .min = 1, .max = UINT32_MAX,
	 .desc = "findings the classifier produced but the record's cap dropped"},
};

void cls_result_free(void *p)
{
	C *c = p;

	strlist_free(&c->tags);
	strlist_free(&c->hp_signals);
	free(c->sys_identity);
	c->sys_identity = NULL;
}

/* After the probes' own members, before the host summary. */
const struct fblock cls_result_table = {
	FBLOCK_KEY("classifier"), FIELDS(cls_fields), .size = sizeof(C), .flags = FB_TOP,
	.slot = RB_SLOT_TAIL, .rank = 70, .free = cls_result_free,
	.desc = "what the classifier says besides findings: tags, honeypot telltales, "
		"fingerprints, $SYS identity",
};
#undef C
