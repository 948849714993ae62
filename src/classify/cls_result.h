/* What the classifier says about a target besides its findings, as the record keeps it:
 * the measurement-honesty tags, the honeypot telltales, the fingerprints of the retained
 * set and of the retained $SYS snapshot, the broker's $SYS identity and the count of
 * findings the record's cap dropped. cls_finish() attaches and fills it (only when it has
 * something to say); cls_result_table writes its fields at the record's top level, after
 * the members the probes add (RB_SLOT_TAIL, before the host summary):
 *
 *   "tags": [...], "honeypot": {"likelihood", "signals": [...]},
 *   "retained_fingerprint", "retained_fingerprint_n", "retained_fingerprint_capped",
 *   "sys_fingerprint", "sys_fingerprint_n", "sys_fingerprint_capped",
 *   "sys_identity", "findings_dropped"
 *
 * each only when set. */
#ifndef MSW_CLS_RESULT_H
#define MSW_CLS_RESULT_H
#include <stdbool.h>
#include <stdint.h>
#include "base/record.h"

#define CLS_RESULT_MAX_TAGS 16
#define CLS_RESULT_MAX_SIGNALS 8

/* A 128-bit hash over a sorted set of message hashes; n == 0: no fingerprint. */
struct cls_fingerprint {
	uint8_t hash[16];  /* written as 32 lowercase hex digits */
	uint32_t n;        /* messages in the set */
	bool capped;       /* the set outgrew the classifier's table: a prefix only */
};

enum cls_hp_likelihood { CLS_HP_STRONG, CLS_HP_WEAK, CLS_HP__COUNT };

struct cls_result {
	struct strlist tags;       /* our own words (public_test_broker, acl_filtered, ...) */
	bool honeypot;             /* the honeypot block is written */
	enum cls_hp_likelihood hp_likelihood;
	struct strlist hp_signals; /* malformed_reply, version_blind, ... */
	struct cls_fingerprint retained, sys;
	char *sys_identity;        /* a broker's $SYS text (node name, broker id), or NULL */
	uint32_t findings_dropped;
};

extern const struct fblock cls_result_table;
extern const struct fenum cls_hp_likelihood_enum;
void cls_result_free(void *p);

#endif
