/* Classifier internals shared by the engine, the rule tables and the hooks.
 *
 * A rule (struct rule) is data: a topic pattern in MQTT filter syntax with named captures
 * ({user} = one level, {name:glob|glob} = one level matching a glob, {*rest} or # = zero
 * or more levels, + = one level), a payload kind, up to CLS_MAX_CONDS JSON conditions on
 * dotted paths, an optional text matcher (glob alternatives), and what to emit: id,
 * category, severity, confidence, CWE, a title template, an evidence list, the redaction
 * class of each capture, remediation and a reproduce template. A few ecosystems need a
 * little code: a rule may name a hook that decides the match and adds variables for the
 * templates (cls_var). Everything here is bounded: JSON is depth- and size-checked before
 * cJSON sees it, topics are split into at most CLS_MAX_LEVELS levels, per-target tables
 * are capped. */
#ifndef MSW_CLS_INT_H
#define MSW_CLS_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "base/hashset.h"
#include "base/vec.h"
#include "classify/classify.h"

#define CLS_JSON_MAX_DEPTH 64          /* deeper payloads are not handed to cJSON */
#define CLS_JSON_MAX_BYTES (512 * 1024)
#define CLS_TEXT_MAX (1u << 20)        /* a rendered title, evidence or reproduce line */
#define CLS_MAX_FINDINGS 500           /* per target; the rest are counted as dropped */
#define CLS_MAX_DISCOVERY 512          /* HA discovery entries kept for correlation */
#define CLS_MAX_STATES 256             /* short payloads kept for correlation */
#define CLS_STATE_PAYLOAD 640
#define CLS_MAX_RETAINED 4096          /* retained-message hashes for the fingerprint */
#define CLS_SEEN_MAX 1024               /* dedupe table slots (3/4 usable) */
#define CLS_MAX_PEOPLE 64              /* distinct OwnTracks user/device pairs inventoried */
#define CLS_MAX_LEVELS 64
#define CLS_MAX_CAPS 8
#define CLS_MAX_VARS 16
#define CLS_MAX_CONDS 5
#define CLS_MAX_GROUPS 16
#define CLS_VAL_MAX 256                /* longest value rendered into a title/evidence */
#define CLS_OWN_IDS 4                  /* our own client ids remembered per target */
#define CLS_MAX_QUIRK_TAGS 4
#define CLS_HP_RAW 16                  /* bytes of a honeypot signal's reply kept as evidence */

/* Redaction class of a value. */
enum rclass { RC_NONE, RC_COORD, RC_SECRET, RC_NAME, RC_EMAIL, RC_IP, RC_DROP, RC_SAFE, RC_BSSID };
/* RC_SAFE: derived by us (counts, state words), shown under every policy.
 * RC_BSSID: a Wi-Fi access point's MAC; public Wi-Fi maps geolocate it to a home, so it is
 * coarsened like coordinates: the vendor prefix (OUI) stays, the rest is masked. */

enum pkind {
	PK_ANY,       /* anything, including empty */
	PK_OBJ,       /* JSON object */
	PK_ARR,       /* JSON array */
	PK_TEXT,      /* valid UTF-8, not a JSON object/array, not empty */
	PK_NUM,       /* text that is a number */
	PK_EMPTY,     /* zero-length payload */
	PK_NONEMPTY,
	PK_IMAGE,     /* JPEG/PNG magic */
	PK_BINARY,    /* not valid UTF-8 */
};

enum jop {
	J_NONE, J_PRESENT, J_ABSENT, J_EQ, J_NE, J_ONEOF, J_GLOB, J_NUM, J_STR, J_BOOL,
	J_OBJ, J_ARR, J_NONEMPTY, J_GT, J_NONEOF,
};

struct jcond {
	const char *path;   /* dotted path; numeric segments index arrays */
	enum jop op;
	const char *arg;    /* J_EQ/J_NE value, J_ONEOF/J_GLOB "a|b*", J_GT number */
};

struct cls_run;
struct rule;
typedef bool (*cls_hook)(struct cls_run *r, const struct rule *ru);

/* flags */
#define R_GENERIC 0x1u   /* skip when this message already has a finding of the category */
#define R_NOSYS   0x2u   /* never on $-topics */
#define R_FALLBACK 0x4u  /* skip when this message already has any finding (an ecosystem
			  * rule knows the topic better than its words do) */

struct rule {
	const char *id;
	const char *group;      /* first matching rule of a group wins for a message */
	const char *topic;      /* pattern, NULL = any topic */
	enum pkind payload;
	const char *text;       /* text payload: glob alternatives, case-insensitive */
	struct jcond when[CLS_MAX_CONDS];
	cls_hook hook;
	const char *arg;        /* hook argument */
	enum msw_category cat;
	enum msw_severity sev;
	enum msw_confidence conf;
	int cwe;
	const char *title;      /* template: {cap} {var} {$json.path} {payload} {topic},
				 * {name|default}; {[ ... ]} is an optional part, left out
				 * when a name in it has no value (never a "?") */
	const char *evidence;   /* comma list: cap, var, $path or label=$path */
	const char *redact;     /* comma list name=class (coord, secret, name, email, ip, drop) */
	const char *remediation;
	const char *reproduce;  /* NULL = subscribe to the (redacted) topic */
	const char *dedupe;     /* template; NULL = topic */
	unsigned flags;
};

struct rule_table {
	const char *name;
	const struct rule *rules;
	size_t n;
	/* called after any rule of the table matched (NULL: nothing to note) */
	void (*on_match)(struct cls_run *r, const struct rule *ru);
};

/* rule tables, in evaluation order (rules_*.c) */
extern const struct rule_table *const cls_tables[];
extern const size_t cls_ntables;
extern const struct rule_table cls_rules_broker, cls_rules_owntracks, cls_rules_homeassistant,
	cls_rules_tasmota, cls_rules_zigbee2mqtt, cls_rules_misc, cls_rules_generic,
	cls_rules_named;

struct cls_cap {
	char name[24];
	size_t off, len;       /* into run->mtopic */
};

struct cls_var {
	char name[24];
	char *val;
	enum rclass rc;
};

/* A topic split into levels once per message, so ~150 rule patterns do not each re-scan it.
 * nl < 0: more than CLS_MAX_LEVELS levels (matches no pattern). */
struct cls_level {
	size_t off, len;
};
struct cls_tview {
	const char *t;
	size_t n;
	int nl;
	uint32_t h0;           /* hash of the first level */
	struct cls_level l[CLS_MAX_LEVELS];
};
/* A rule pattern split once (cls_topic.c); np < 0: not compiled, matched the slow way. */
#define CLS_PAT_LEVELS 16
struct cls_pat {
	const char *p;
	int np;
	bool lit0, litn;       /* first / last level is a literal */
	uint32_t h0;           /* hash of the first level */
	struct cls_level l[CLS_PAT_LEVELS];
};
/* Compiled patterns parallel to cls_tables[t]->rules / cls_person_patterns (NULL if
 * they could not be allocated). */
const struct cls_pat *cls_table_pats(size_t t);
/* Per table: the rules a topic can match, by the hash of its first level. A rule whose
 * first level is a literal is listed only in its bucket; the others in wild. Both lists
 * ascend, so merging them keeps the table's order (groups and R_GENERIC depend on it). */
#define CLS_BUCKETS 64
struct cls_tindex {
	const struct cls_pat *pats;
	const uint16_t *wild;
	size_t nwild;
	const uint16_t *order;          /* bucket b: order[boff[b] .. boff[b + 1]) */
	uint32_t boff[CLS_BUCKETS + 1];
};
const struct cls_tindex *cls_table_index(size_t t);   /* NULL: run every rule */
/* Walk the candidate rules of a table for a first-level hash, ascending. */
struct cls_iter {
	const uint16_t *a, *ae, *c, *ce;
};
void cls_iter_init(struct cls_iter *it, const struct cls_tindex *ix, uint32_t h0);
bool cls_iter_next(struct cls_iter *it, size_t *i);
const struct cls_pat *cls_person_pats(void);
/* Match with an optional compiled form of pattern (cp may be NULL). */
bool cls_pat_match(const struct cls_pat *cp, const char *pattern, const struct cls_tview *v,
		   struct cls_cap *caps, int *ncaps);
void cls_tview_init(struct cls_tview *v, const char *topic, size_t tlen);

/* ---- hand-named topics (cls_words.c; vocabulary in rules_words.c) ---- */
/* What a topic's words name. Order is the priority among words of one level: a "gate
 * light" is a light, a "door lock" a lock, a "garage door" a garage door. */
enum cls_concept {
	CC_NONE, CC_PRESENCE, CC_MOTION, CC_SHUTTER, CC_WINDOW, CC_DOOR, CC_ALARM, CC_GATE,
	CC_GARAGE, CC_LOCK, CC_LIGHT, CC__COUNT
};
/* What a payload word says. BOOL_T/BOOL_F: on/off, true/false, 1/0, yes/no and their
 * translations: a state whose meaning (open or closed?) depends on a convention. */
enum cls_state {
	CS_NONE, CS_OPEN, CS_CLOSED, CS_LOCKED, CS_UNLOCKED, CS_ARMED, CS_DISARMED, CS_ON, CS_OFF,
	CS_BOOL_T, CS_BOOL_F, CS_HOME, CS_AWAY, CS_DETECTED, CS_CLEAR, CS__COUNT
};
/* Word classes of the lexicon. */
enum cls_lex {
	LX_CONCEPT,   /* a topic level word naming a thing (value: enum cls_concept) */
	LX_STATE,     /* a payload word (value: enum cls_state) */
	LX_COMMAND,   /* a last level that takes commands: set, cmd, befehl, ... */
	LX_VERB,      /* a command payload word: open, unlock, öffnen, ouvrir, ... */
	LX_MEASURE,   /* a last level that holds a measurement or setting: battery, lux, ... */
	LX_STATEKEY,  /* a JSON key that holds the thing's state: state, contact, ... */
	LX_CONTEXT,   /* a level that makes the whole topic something else: network, usb, ... */
	LX_EXCLUDE,   /* inside a level, cancels its concept: doorbell, alarmclock, child_lock */
	LX__COUNT
};
#define LXF_WEAK 0x1u   /* concept word that counts only with an explicit state word */
struct cls_words {
	enum cls_lex lex;
	int value;          /* enum cls_concept or enum cls_state */
	unsigned flags;
	const char *lang;   /* ISO 639-1, for the reader */
	const char *words;  /* space separated; folded like topics (lower case, no accents,
			     * separators dropped) when the lexicon is built */
};
extern const struct cls_words cls_word_lists[];
extern const size_t cls_nword_lists;
/* The analysis of one message (once; every rule of the table reads it). */
enum cls_named_kind { CN_NONE, CN_STATE, CN_COMMAND };
struct cls_named {
	bool done;
	enum cls_named_kind kind;
	enum cls_concept concept;
	enum cls_state state;
	bool weak;             /* the concept came from a weak word */
	bool polarity_known;   /* a boolean with a known convention (a contact: false = open) */
	char word[48];         /* the topic word that named the thing (folded) */
	char value[65];        /* the payload word or command (folded), capped */
};
/* Fold a UTF-8 string to lower-case ASCII letters and digits (accents dropped, ß -> ss, ł
 * -> l, ...; other bytes end a token): out gets the joined form, at most cap - 1 chars.
 * Returns its length. */
size_t cls_fold(const char *s, size_t n, char *out, size_t cap);
/* Builds the process-wide lexicon once (later calls return at once). cls_new() calls it, so
 * the one-time allocation happens when a classifier is made, not inside a message's path. */
void cls_words_prepare(void);
const char *cls_concept_name(enum cls_concept c);
const char *cls_state_name(enum cls_state s);

/* One message being classified. */
struct cls_run {
	struct classify_ctx *c;
	const char *topic;     /* real topic (NUL-terminated copy) */
	size_t tlen;
	const char *mtopic;    /* topic the patterns see (a synthetic one for HA device discovery) */
	struct cls_tview mview;  /* mtopic split (cls_run_set_mtopic keeps the two together) */
	const uint8_t *payload;
	size_t plen;
	bool retained;
	cJSON *json;           /* parsed payload (may be NULL) */
	char *text;            /* trimmed payload if valid UTF-8 (may be NULL) */
	bool utf8;
	struct cls_cap caps[CLS_MAX_CAPS];
	int ncaps;
	struct cls_var vars[CLS_MAX_VARS];
	int nvars;
	unsigned cats;         /* bit per category already emitted for this message */
	int coord_done;        /* generic coordinate search: 0 not yet, 1 none, 2 found */
	double coord_lat, coord_lon;
	char coord_keys[64];
	const char *groups[CLS_MAX_GROUPS];
	int ngroups;
	struct cls_named named;   /* hand-named topic analysis (cls_words.c) */
};

/* ---- json (cls_json.c) ---- */
/* Parse a payload if it is JSON within the caps; double-encoded strings are decoded once.
 * Returns NULL for anything else (never an error: non-JSON is normal input). */
cJSON *cls_json_parse(const uint8_t *p, size_t n);
bool cls_json_depth_ok(const uint8_t *p, size_t n, int limit);
const cJSON *cls_jget(const cJSON *root, const char *path);
/* Value as text (strings as-is, numbers shortest, bools true/false, containers compact,
 * capped). malloc'ed; NULL for absent/null. */
char *cls_jstr(const cJSON *v);
bool cls_jtruthy(const cJSON *v);
double cls_jnum(const cJSON *v, bool *ok);   /* number or numeric string */

/* ---- topics (cls_topic.c) ---- */
bool cls_glob(const char *pat, size_t plen, const char *s, size_t slen);
bool cls_glob_alt(const char *alts, const char *s, size_t slen);  /* "a|b*" */
/* Match pattern against topic; fills caps (names point into a copy of the pattern). */
bool cls_topic_match(const char *pattern, const char *topic, size_t tlen,
		     struct cls_cap *caps, int *ncaps);
bool cls_topic_match_view(const char *pattern, const struct cls_tview *v,
			  struct cls_cap *caps, int *ncaps);
void cls_run_set_mtopic(struct cls_run *r, const char *mtopic);
/* patterns the redaction rewrites person levels with (cls_redact.c) */
extern const char *const cls_person_patterns[];
extern const size_t cls_nperson_patterns;
/* The pattern's literal levels kept and every wildcard/capture level replaced by '+'. */
char *cls_topic_generalise(const char *pattern, const char *topic, size_t tlen);

/* ---- redaction (cls_redact.c) ---- */
enum rclass cls_key_class(const char *key);          /* by key name: lat → coord ... */
char *cls_redact_value(enum msw_evidence ev, enum rclass rc, const char *v);
char *cls_mask_name(const char *s);
char *cls_mask_secret(const char *s);
char *cls_coarse_coord(const char *s);
char *cls_mask_bssid(const char *s);
bool cls_looks_email(const char *s);
bool cls_has_private_key(const char *s, size_t n);
bool cls_looks_jwt(const char *s);
/* Redact a JSON tree in place (coords, secrets, names by key; e-mails anywhere). */
void cls_redact_tree(cJSON *node, enum msw_evidence ev, bool coord_ctx, bool ip_ctx, int depth);
/* Topic with person-naming levels masked (redacted) / generalised + hashed (minimal). */
char *cls_topic_for(const struct msw_config *cfg, const char *topic, size_t tlen);
/* Filter usable in a reproduce command under the policy (person levels become '+'). */
char *cls_topic_filter(const struct msw_config *cfg, const char *topic, size_t tlen);
/* A peer string made safe inside '...' of a reproduce command line: ' becomes '\'', control
 * bytes (and bytes of invalid UTF-8) become '?', and { becomes {lb} (cls_finish turns it
 * back, so peer text never fills in as {host}, {auth}, ...). Malloc'ed; NULL on OOM. */
char *cls_shell_quote(const char *s);
/* Append ", s" (or s when buf is empty) unless it would not fit. */
void cls_list_add(char *buf, size_t cap, const char *s);
/* v in decimal into out (at least 21 bytes). */
void cls_u64(char *out, uint64_t v);
/* The NULL-terminated list of strings, concatenated into out (cut to cap - 1 bytes). */
void cls_concat(char *out, size_t cap, ...);
/* Free text with precise coordinate pairs ("51.50123,-0.14187") coarsened to two decimals and
 * URL passwords (scheme://user:PW@) masked like secrets. Malloc'ed; NULL on OOM. */
char *cls_scrub_text(const char *s);

/* ---- engine helpers (cls_engine.c) ---- */
void cls_var(struct cls_run *r, const char *name, const char *val, enum rclass rc);
void cls_varf(struct cls_run *r, const char *name, enum rclass rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
const char *cls_cap(const struct cls_run *r, const char *name, char *buf, size_t cap);
/* Emit a finding built from a rule (used by the engine and by hooks that emit more). */
void cls_emit(struct cls_run *r, const struct rule *ru, const char *topic_override);
const struct msw_config *cls_cfg(const struct classify_ctx *c);
/* Run every table on one message (also used for synthetic HA device-discovery topics). */
void cls_run_tables(struct cls_run *r);
/* Test hook: called with every rule that matched (NULL in production). */
extern void (*cls_rule_hit)(const struct rule *ru);
void cls_run_table(struct cls_run *r, const struct rule_table *tab, const struct cls_tindex *ix);
/* ---- rule hooks, named by the rule tables ---- */
/* cls_generic.c */
bool hook_gen_private_key(struct cls_run *r, const struct rule *ru);
bool hook_gen_secret(struct cls_run *r, const struct rule *ru);
bool hook_gen_jwt(struct cls_run *r, const struct rule *ru);
bool hook_gen_latlon(struct cls_run *r, const struct rule *ru);
bool hook_gen_coord_text(struct cls_run *r, const struct rule *ru);
bool hook_gen_email(struct cls_run *r, const struct rule *ru);
bool hook_gen_netid(struct cls_run *r, const struct rule *ru);
/* cls_words.c: hand-named topics */
bool hook_named(struct cls_run *r, const struct rule *ru);
/* cls_owntracks.c */
bool hook_ot_csv(struct cls_run *r, const struct rule *ru);
bool hook_ot_waypoints(struct cls_run *r, const struct rule *ru);
/* cls_hooks.c */
bool hook_ha_command(struct cls_run *r, const struct rule *ru);
bool hook_tas_discovery(struct cls_run *r, const struct rule *ru);
bool hook_z2m_devices(struct cls_run *r, const struct rule *ru);
bool hook_dash_controls(struct cls_run *r, const struct rule *ru);
bool hook_dash_count(struct cls_run *r, const struct rule *ru);

/* Emit a finding that no rule describes (service level, files, correlation). */
struct cls_adhoc {
	const char *id;
	enum msw_category cat;
	enum msw_severity sev;
	enum msw_confidence conf;
	int cwe;
	const char *topic;     /* real topic or path (NULL = service) */
	const char *title;     /* already rendered and redacted */
	const char *evidence;  /* already rendered and redacted (JSON text) */
	const char *remediation;
	const char *reproduce; /* may hold {host} {port} */
};
void cls_emit_adhoc(struct classify_ctx *c, const struct cls_adhoc *a);
bool cls_has_finding(const struct classify_ctx *c, const char *id);

/* ---- Home Assistant (cls_ha.c) ---- */
bool cls_ha_discovery(struct cls_run *r);        /* true when the message was discovery */
void cls_ha_remember_state(struct classify_ctx *c, const char *topic, size_t tlen,
			   const uint8_t *p, size_t n);
void cls_ha_correlate(struct classify_ctx *c);   /* at finish */
void cls_ha_free(struct classify_ctx *c);
struct cls_ha;  /* discovery + state tables */

/* ---- per-target bookkeeping shared with service/finish ---- */
struct cls_pending {
	struct msw_finding f;   /* strings owned */
};

struct classify_ctx {
	const struct msw_config *cfg;
	struct vec fs;          /* struct cls_pending, first 2, at most CLS_MAX_FINDINGS */
	uint32_t dropped;
	struct hashset seen;    /* uint64_t dedupe hashes of (id, key): 16 .. CLS_SEEN_MAX slots */
	struct cls_ha *ha;
	/* counters */
	uint64_t messages, sys_messages, nonsys_messages;
	uint64_t advisories;          /* ActiveMQ/Advisory/... (the broker's own, not in nonsys) */
	/* $SYS (cls_sys.c) */
	long sys_retained_reported;   /* $SYS/broker/retained messages/count, -1 unknown */
	uint32_t sys_retained_seen;
	uint32_t sys_bridges;         /* $SYS/broker/connection/+/state topics seen */
	char *broker_version;         /* from $SYS */
	char *sys_identity;           /* EMQX/VerneMQ node name or Aedes broker id from $SYS */
	char own_ids[CLS_OWN_IDS][24]; /* our client ids: the broker's events about them are ours */
	size_t nown, own_next;
	/* retained fingerprint */
	struct vec rhash;       /* uint64_t, first 32, at most CLS_MAX_RETAINED */
	bool rhash_overflow;
	struct vec shash;       /* the same for retained $SYS messages (the $SYS fingerprint) */
	bool shash_overflow;
	/* honeypot telltales (cls_honeypot.c) */
	bool hp_sig[CLS_SIG__COUNT];
	char hp_raw[CLS_SIG__COUNT][CLS_HP_RAW * 2 + 1];
	const char *hp_likelihood;     /* "strong", "weak", or NULL */
	const char *hp_signals[4];
	size_t hp_nsignals;
	/* OwnTracks inventory */
	uint64_t people[CLS_MAX_PEOPLE];
	size_t npeople;
	uint32_t people_extra;
	bool service_done;
	bool tagged_acl;
	const char *quirk_tags[CLS_MAX_QUIRK_TAGS]; /* static strings (cls_quirks.c) */
	size_t nquirk_tags;
	const struct msw_record *svc;  /* set by cls_service for finish */
	enum msw_auth svc_auth;
	enum msw_read_access svc_read;
	enum msw_transport svc_transport;
	char *svc_hostname;
	bool public_test;
};

void cls_service_finish(struct classify_ctx *c, struct msw_record *rec);
uint64_t cls_hash64(const void *p, size_t n, uint64_t seed);

/* ---- $SYS (cls_sys.c) ---- */
void cls_sys_observe(struct classify_ctx *c, const char *topic, const char *text, bool retained);
/* The message is the broker's event about one of our own connections. */
bool cls_sys_own_event(const struct classify_ctx *c, const struct cls_run *r);
/* More retained messages counted than the broker's own $SYS tree and everything we
 * received can explain; *excess = how many more. */
bool cls_sys_acl_suspect(const struct classify_ctx *c, long *excess);
void cls_sys_finish(struct classify_ctx *c, struct msw_record *rec);

/* ---- honeypot telltales (cls_honeypot.c) ---- */
void cls_honeypot(struct classify_ctx *c, const struct msw_record *rec);
void cls_honeypot_finish(const struct classify_ctx *c, struct msw_record *rec);

/* ---- product quirks (cls_quirks.c) ---- */
/* Notes (findings + tags) for what the product changes about the result. */
void cls_quirks(struct classify_ctx *c, const struct msw_record *rec);
/* "Deny anonymous access" in the product's own terms (a generic text when unknown). */
const char *cls_anon_remediation(const char *product);

/* ---- OwnTracks (cls_owntracks.c) ---- */
void cls_ot_on_match(struct cls_run *r, const struct rule *ru);
void cls_ot_inventory(struct classify_ctx *c);
/* An OwnTracks Recorder CSV line (TID,TST,T,LAT,LON,...). */
bool cls_owntracks_csv(const char *t);

#endif
