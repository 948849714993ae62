/* The one record model: the envelope every probe fills while it works on a target, and
 * the blocks that transports, probes, the classifier and the engine attach to it.
 *
 * struct msw_record is the envelope (identity, outcome, the MQTT verdict, topics,
 * findings); record_table describes it field by field (base/fields.h) and every sink
 * walks that table: JSON lines, SQLite, CSV, HTML, the schema. Facts that only some
 * layers produce are blocks: a typed struct plus its own table, attached with
 * record_block_new() and found again with record_block(); the walker writes each where its
 * table's slot says (RB_SLOT_LAYER after the findings: tls, websocket; RB_SLOT_TAIL after
 * the error: http, smb, mqtt access, amqp, the classifier's, the host summary), ordered
 * by rank. A record carries no parsed JSON: every part has its table.
 *
 * Strings from the network are kept as bytes (struct mbytes) or C strings; sinks write
 * valid UTF-8 as text and anything else as "<name>_b64", never a lossy replacement. */
#ifndef MSW_BASE_RECORD_H
#define MSW_BASE_RECORD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"
#include "base/fields.h"
#include "base/vec.h"

#define MSW_RECORD_SCHEMA "mqttsweep.record/1"

enum msw_status {
	ST_SUCCESS,
	ST_CONNECTION_REFUSED,
	ST_CONNECTION_TIMEOUT,
	ST_CONNECTION_CLOSED,
	ST_IO_TIMEOUT,
	ST_HANDSHAKE_ERROR,
	ST_PROTOCOL_ERROR,
	ST_APPLICATION_ERROR,
	ST_INVALID_INPUTS,
	ST_BLOCKLISTED_TARGET,
	ST_UNKNOWN_ERROR,
	ST_INTERRUPTED,
	ST__COUNT
};

enum msw_auth {
	AUTH_UNKNOWN,
	AUTH_ANONYMOUS,
	AUTH_ANY_CREDENTIALS,
	AUTH_AUTHENTICATED,
	AUTH_CREDENTIALS_REQUIRED,
	AUTH_CLIENT_CERT_REQUIRED,
	AUTH_NOT_AUTHORIZED,
	AUTH_BANNED,
	AUTH_SERVER_MOVED,        /* MQTT 5 0x9D */
	AUTH_USE_ANOTHER_SERVER,  /* MQTT 5 0x9C */
	AUTH__COUNT
};

enum msw_read_access { READ_UNTESTED, READ_GRANTED_WITH_DATA, READ_GRANTED_NO_DATA, READ_DENIED, READ__COUNT };
enum msw_write_access {
	WRITE_UNTESTED,
	WRITE_INFERRED,
	WRITE_CONFIRMED,
	WRITE_DENIED,
	WRITE_ACCEPTED, /* MQTT 5 PUBACK success, not read back */
	WRITE__COUNT
};
enum msw_transport { TRANSPORT_TCP, TRANSPORT_TLS, TRANSPORT_WS, TRANSPORT_WSS, TRANSPORT__COUNT };
enum msw_severity { SEV_INFO, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL, SEV__COUNT };
/* version_match: only a version string says so (a CVE range); builds with backported fixes
 * report the same version, so it is never more than "may be affected". */
enum msw_confidence { CONF_CONFIRMED, CONF_INFERRED, CONF_VERSION_MATCH, CONF__COUNT };
enum msw_category {
	CAT_LOCATION, CAT_PRESENCE, CAT_DOOR_STATE, CAT_ACTUATOR_CONTROL, CAT_CREDENTIAL,
	CAT_NETWORK_KEY, CAT_DEVICE_INVENTORY, CAT_BROKER_INFO, CAT_DASHBOARD, CAT_FILE_SHARE,
	CAT__COUNT
};
enum msw_kind { KIND_SERVICE, KIND_HOST, KIND__COUNT };
/* How far the channel can be trusted, once the transport has said (unset until then). */
enum msw_tsec { TSEC_UNSET, TSEC_PLAINTEXT, TSEC_TLS_UNVERIFIED, TSEC_TLS_VERIFIED, TSEC_MTLS, TSEC__COUNT };
/* What happened to one MQTT protocol level (the record's "versions"). */
enum msw_vres {
	VR_UNTESTED,
	VR_ACCEPTED,
	VR_REFUSED,
	VR_IDENTIFIER,
	VR_BAD_CREDS,
	VR_NOT_AUTH,
	VR_BANNED,
	VR_MOVED,
	VR_OTHER_SERVER,
	VR_UNAVAILABLE,
	VR_CLOSED,
	VR_TIMEOUT,
	VR_ERROR,
	VR__COUNT
};

/* The vocabularies (names and fallback of each enum), for tables and sinks. */
extern const struct fenum msw_status_enum, msw_auth_enum, msw_read_enum, msw_write_enum,
	msw_transport_enum, msw_severity_enum, msw_confidence_enum, msw_category_enum,
	msw_kind_enum, msw_vres_enum, msw_tsec_enum;

const char *status_str(enum msw_status s);
const char *auth_str(enum msw_auth a);
const char *read_access_str(enum msw_read_access r);
const char *write_access_str(enum msw_write_access w);
const char *transport_str(enum msw_transport t);
const char *severity_str(enum msw_severity s);
const char *confidence_str(enum msw_confidence c);
const char *category_str(enum msw_category c);
/* Reverse look-ups; return -1 when the name is unknown. */
int severity_from_str(const char *s);
int category_from_str(const char *s);

msw_err mbytes_set(struct mbytes *b, const void *p, size_t n);
void mbytes_free(struct mbytes *b);

/* A list of texts (an FT_STRLIST row: FMEMBER(T, l.v), FCOUNT(T, l.n)). */
struct strlist {
	struct mbytes *v;
	uint32_t n;
};
/* Append a copy of p[0..len): MSW_ERR_TOO_BIG at cap entries. */
msw_err strlist_add(struct strlist *l, const void *p, size_t len, uint32_t cap);
bool strlist_has(const struct strlist *l, const void *p, size_t len);
void strlist_free(struct strlist *l);

struct msw_topic {
	struct mbytes topic;
	bool retained;          /* first delivery carried the retain flag */
	uint32_t messages;
	uint64_t bytes;
	struct mbytes sample;   /* first payload, capped and already redacted per --evidence */
	bool sample_truncated;
};

struct msw_finding {
	char *id;               /* e.g. "owntracks.location" */
	enum msw_category category;
	enum msw_severity severity;
	enum msw_confidence confidence;
	int cwe;
	struct mbytes topic;    /* may be empty (service-level finding) */
	char *title;
	char *evidence;         /* redacted per --evidence */
	char *remediation;
	char *reproduce;
};

/* Where the broker's identity came from (e.g. source "$SYS/broker/version"). */
struct msw_broker_evidence {
	char *source;
	char *value;
};
#define RECORD_EVIDENCE_MAX 12

/* Outcome per MQTT protocol level, kept when several were tried (audit, fallback). */
struct msw_versions {
	bool set;               /* the block is written */
	uint8_t planned;        /* bit i: level i (0 = 3.1, 1 = 3.1.1, 2 = 5.0) was planned */
	uint8_t v[3];           /* enum msw_vres per level */
};

/* Attached blocks: slots in the envelope. */
enum { RB_SLOT_LAYER = 1, RB_SLOT_TAIL = 2 };
#define RECORD_MAX_BLOCKS 8

struct msw_record {
	/* identity */
	char probe[16];         /* "mqtt", "http", "smb", "host" ("" reads as "mqtt") */
	enum msw_kind kind;
	char scan_id[40];
	int64_t start_us;       /* probe start, microseconds since the epoch */
	int64_t duration_ms;
	char ip[64];
	uint16_t port;
	struct msw_versions versions;
	char *hostname;         /* as the user gave it, or NULL */
	char *auth_identity;    /* the username the scan logged in with (a URL's, else -u), never
				 * a password; NULL: none given (anonymous) */
	char source_ip[64];
	enum msw_transport transport;
	enum msw_tsec transport_security;
	enum msw_status status;
	char *error;            /* human text, or NULL */

	/* mqtt */
	bool mqtt;
	char mqtt_version[8];   /* "3.1", "3.1.1", "5.0" or "" */
	uint8_t nevidence;
	enum msw_auth auth;
	int connack_code;       /* -1 when no CONNACK */
	struct mbytes connack_raw;
	struct fref connack_props; /* MQTT 5 CONNACK properties (the probe's table), or none */
	enum msw_read_access read_access;
	enum msw_write_access write_access;
	char *broker_product;
	char *broker_version;
	struct msw_broker_evidence *evidence; /* nevidence of them */

	/* topics (capped list) */
	struct vec topics;      /* struct msw_topic: record_topics(r)[0 .. topics.n) */
	uint32_t topic_count;   /* distinct topics seen (may exceed topics.n) */
	uint32_t sys_topic_count; /* of topic_count: $SYS/ topics (the broker's own statistics) */
	uint32_t retained_count;
	uint64_t messages_total, bytes_total;
	bool topics_truncated;
	uint8_t nblocks;        /* attached blocks (below) */

	/* findings */
	struct vec findings;    /* struct msw_finding: record_findings(r)[0 .. findings.n) */

	/* attached blocks, ordered by (slot, rank); allocated when the first is attached */
	struct fref *blocks;

	size_t topic_bytes;     /* bytes of topic names in the list (≤ RECORD_TOPIC_BYTES) */
};

/* The envelope's table: every field of a record, in output order. */
extern const struct fblock record_table;

/* Topic names are up to 64 KiB each and broker-chosen: the list keeps at most this many
 * bytes of them, whatever the entry cap (record_topic() then returns NULL as at the cap). */
#define RECORD_TOPIC_BYTES (1u << 20)
/* Entries at most: every name but one empty name has a byte. */
#define RECORD_TOPICS_MAX (RECORD_TOPIC_BYTES + 1)
/* Findings at most (the classifier keeps 500 per target; probes add a few). */
#define RECORD_FINDINGS_MAX 4096

static inline struct msw_topic *record_topics(const struct msw_record *r)
{
	return r->topics.p;
}

static inline struct msw_finding *record_findings(const struct msw_record *r)
{
	return r->findings.p;
}

void record_init(struct msw_record *r, const char *probe);
void record_free(struct msw_record *r);
/* Find or add a topic entry; returns NULL when the list cap (cap entries, or
 * RECORD_TOPIC_BYTES of names) is reached: the caller then only updates counters. */
struct msw_topic *record_topic(struct msw_record *r, const uint8_t *t, size_t tlen, size_t cap);
/* Append a finding; strings are copied. Returns the new finding or NULL (out of memory,
 * or RECORD_FINDINGS_MAX reached). */
struct msw_finding *record_add_finding(struct msw_record *r, const struct msw_finding *f);
/* Append a finding whose strings were malloc'ed: the record takes them and *f is zeroed.
 * Returns the new finding, or NULL as above (then *f is untouched: the caller frees it). */
struct msw_finding *record_take_finding(struct msw_record *r, struct msw_finding *f);
void record_set_error(struct msw_record *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Add broker evidence (copied); a repeat of the same pair, or one past
 * RECORD_EVIDENCE_MAX, is ignored. */
msw_err record_add_evidence(struct msw_record *r, const char *source, const char *value);
/* The worst severity among the findings, or -1 when there is none. */
int record_worst_severity(const struct msw_record *r);

/* ---- attached blocks ---- */

/* The block of this table attached to r, or NULL. */
void *record_block(const struct msw_record *r, const struct fblock *tbl);
/* The block of this table, attached (zeroed, tbl->size bytes) when it was not yet there.
 * NULL when out of memory or when RECORD_MAX_BLOCKS are attached. */
void *record_block_new(struct msw_record *r, const struct fblock *tbl);
/* Detach and free the block of this table (tbl->free, then the struct). */
void record_block_drop(struct msw_record *r, const struct fblock *tbl);
/* A block typed at run time (FT_REF field): set *ref to (tbl, p), freeing what it held;
 * p is owned from then on (NULL p clears). */
void fref_set(struct fref *ref, const struct fblock *tbl, void *p);
void fref_clear(struct fref *ref);

/* ---- depth host: the per-host summary (record kind "host") ---- */

/* One service of the host, in the host record's services[]. */
struct host_service {
	char probe[16];
	uint16_t port;
	enum msw_transport transport;
	enum msw_status status;
	const char *access;     /* the probe's own word (its summarize hook), static text */
	int worst;              /* the worst finding's severity, or -1 */
};
#define HOST_MAX_SERVICES 64
/* The host record's fields: services[] and risk {worst_severity, findings_by_category,
 * chain}, at the record's top level. */
struct host_summary {
	struct vec services;    /* struct host_service, at most HOST_MAX_SERVICES */
	int worst;              /* -1: no finding */
	uint32_t cats[CAT__COUNT];
	char *chain;            /* "mqtt:1883 [high] -> http:1880 [critical]" */
};
extern const struct fblock host_summary_table;
void host_summary_init(struct host_summary *h);
void host_summary_free(void *h);

/* ---- text helpers ---- */

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. */
bool utf8_valid(const uint8_t *p, size_t n);
/* Standard base64 with padding, NUL-terminated (malloc'd; NULL when out of memory). */
char *record_b64(const uint8_t *p, size_t n);
/* Base64 into out (room for 4 * ((n + 2) / 3) bytes); returns its length. */
size_t b64_encode(const uint8_t *p, size_t n, char *out);
/* RFC 3339 UTC with milliseconds. */
void record_format_ts(int64_t us, char *out, size_t cap);
/* The CONNACK code's name for this protocol version ("5.0" or a 3.x one), or NULL. */
const char *record_connack_reason(int code, const char *version);
/* A record's CONNACK bytes kept as raw_hex. */
#define CONNACK_RAW_MAX 1024

#endif
