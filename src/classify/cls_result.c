/* The classifier's block of the record (see cls_result.h): its table and its life. */
#include "classify/cls_result.h"
#include <stddef.h>
#include <stdlib.h>

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

#define FP_ROWS(nm, m, set, hash_desc)                                                        \
	{FIELD_KEY(nm), .type = FT_HEX, .get = get_fp_hash, .arg = offsetof(C, m),             \
	 .flags = F_OPT, .pattern = "^[0-9a-f]{32}$", .desc = hash_desc},                      \
	{FIELD_KEY(nm "_n"), .type = FT_UINT, .get = get_fp_n, .arg = offsetof(C, m),          \
	 .flags = F_OPT, .min = 1, .max = UINT32_MAX,                                          \
	 .desc = "how many messages of the " set " the fingerprint covers"},                   \
	{FIELD_KEY(nm "_capped"), .type = FT_BOOL, .get = get_fp_capped, .arg = offsetof(C, m), \
	 .flags = F_OPT,                                                                        \
	 .desc = "the " set " outgrew the classifier's table: the fingerprint covers a prefix"}

static const struct fdef cls_fields[] = {
	{FIELD_KEY("tags"), .type = FT_STRLIST, FMEMBER(C, tags.v), FCOUNT(C, tags.n),
	 .flags = F_OPT | F_ZERO, .pattern = "^[a-z][a-z0-9_]*$",
	 .desc = "measurement-honesty tags (public_test_broker, acl_filtered, ...)"},
	{FIELD_KEY("honeypot"), .type = FT_BLOCK, .get = get_honeypot, .flags = F_OPT,
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
