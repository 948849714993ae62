/* The one record model. A probe fills a struct msw_record while it works on a target;
 * record_to_json() turns it into the JSON object every sink consumes (ndjson prints it,
 * SQLite maps fields to columns, CSV/HTML pick fields). Strings coming from the network are
 * kept as bytes (struct mbytes); record_to_json() writes valid UTF-8 as a string and
 * anything else as a "<name>_b64" field, never a lossy replacement.
 *
 * Blocks that only some transports/probes produce (tls, websocket, broker evidence,
 * connack properties, http, smb) are cJSON subtrees owned by the record. */
#ifndef MSW_RECORD_H
#define MSW_RECORD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "base/err.h"
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
enum msw_write_access { WRITE_UNTESTED, WRITE_INFERRED, WRITE_CONFIRMED, WRITE_DENIED, WRITE__COUNT };
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

/* Network bytes: not necessarily UTF-8, not NUL-terminated (a NUL is appended for
 * convenience but len excludes it). */
struct mbytes {
	uint8_t *p;
	size_t len;
};
msw_err mbytes_set(struct mbytes *b, const void *p, size_t n);
void mbytes_free(struct mbytes *b);

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

struct msw_record {
	/* identity */
	char *probe;            /* "mqtt", "http", "smb" */
	char *kind;             /* "service" (default) or "host" */
	char scan_id[40];
	int64_t start_us;       /* probe start, microseconds since the epoch */
	int64_t duration_ms;
	char ip[64];
	uint16_t port;
	char *hostname;         /* as the user gave it, or NULL */
	char source_ip[64];
	enum msw_transport transport;
	enum msw_status status;
	char *error;            /* human text, or NULL */

	/* mqtt */
	bool mqtt;
	char mqtt_version[8];   /* "3.1", "3.1.1", "5.0" or "" */
	enum msw_auth auth;
	int connack_code;       /* -1 when no CONNACK */
	struct mbytes connack_raw;
	cJSON *connack_props;   /* MQTT 5 CONNACK properties, or NULL */
	cJSON *versions;        /* {"3.1": "...", ...} when several were tried, or NULL */
	enum msw_read_access read_access;
	enum msw_write_access write_access;
	char *broker_product;
	char *broker_version;
	cJSON *broker_evidence; /* array of {source, value} */

	/* topics (capped list) */
	struct vec topics;      /* struct msw_topic: record_topics(r)[0 .. topics.n) */
	uint32_t topic_count;   /* distinct topics seen (may exceed topics.n) */
	uint32_t retained_count;
	uint64_t messages_total, bytes_total;
	bool topics_truncated;

	/* findings */
	struct vec findings;    /* struct msw_finding: record_findings(r)[0 .. findings.n) */

	/* extension blocks, each owned by the record (NULL = absent) */
	cJSON *tls;
	cJSON *websocket;
	cJSON *extra;           /* probe-specific fields merged at top level (http, smb, host) */
	char *transport_security; /* "plaintext", "tls_unverified", "tls_verified", "mtls" */

	size_t topic_bytes;     /* bytes of topic names in the list (≤ RECORD_TOPIC_BYTES) */
};

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
/* Build the JSON object (caller frees with cJSON_Delete). */
cJSON *record_to_json(const struct msw_record *r, const char *tool_version);
/* Append the same object's compact JSON text to b without building the tree: byte for
 * byte jsonw_append(record_to_json(r)). On an error b is left as it was. */
struct dbuf;
msw_err record_text(const struct msw_record *r, const char *tool_version, struct dbuf *b);
/* Add a bytes field to a JSON object: "name" if valid UTF-8, else "name_b64". */
void json_add_bytes(cJSON *o, const char *name, const uint8_t *p, size_t n);
bool utf8_valid(const uint8_t *p, size_t n);

#endif
