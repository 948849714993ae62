/* Classifier interface: turns the topics and payloads one target delivered into findings.
 * Rules are data (classify/rules_*.c tables); this engine applies them. It never publishes
 * and never touches sockets.
 *
 * Use: cls_new() per target; cls_message() for each PUBLISH as it arrives (payload may be
 * any bytes); cls_finish() appends findings to the record, sets write_access and attaches
 * the classifier's block (cls_result.h: tags, honeypot, fingerprints); cls_free().
 * cls_redact_sample() gives the payload sample that may be stored in the topic list under
 * the configured --evidence policy. */
#ifndef MSW_CLASSIFY_H
#define MSW_CLASSIFY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/config.h"
#include "base/record.h"

struct classify_ctx;

struct classify_ctx *cls_new(const struct msw_config *cfg);
void cls_message(struct classify_ctx *c, const uint8_t *topic, size_t tlen,
		 const uint8_t *payload, size_t plen, bool retained);
/* Service-level facts known after the MQTT exchange (anonymous access, clear-text
 * credentials, broker identity): called once before cls_finish. */
void cls_service(struct classify_ctx *c, const struct msw_record *rec);
void cls_finish(struct classify_ctx *c, struct msw_record *rec);
/* The client id of one of our connections to this target: the broker's $SYS events about
 * it (Aedes new/subscribes, EMQX client events, ...) are ours and never become findings. */
void cls_own_client(struct classify_ctx *c, const char *client_id);
/* What the server did that real brokers never do, for the honeypot verdict (cls_honeypot.c):
 * a protocol violation after it accepted us (raw: the offending bytes), or another answer
 * to the same CONNECT sent again (raw: the new CONNACK, or nothing when none came). */
enum cls_signal { CLS_SIG_MALFORMED_REPLY, CLS_SIG_CONNACK_CHANGED, CLS_SIG__COUNT };
void cls_server_signal(struct classify_ctx *c, enum cls_signal s, const uint8_t *raw, size_t n);
void cls_free(struct classify_ctx *c);

/* Redacted (or raw/minimal) copy of a payload for the topic sample. Returns a malloc'ed
 * buffer and its length in *outlen (NULL + 0 when nothing may be stored). */
uint8_t *cls_redact_sample(const struct msw_config *cfg, const uint8_t *topic, size_t tlen,
			   const uint8_t *payload, size_t plen, size_t cap, size_t *outlen);
/* Topic as it may be shown under the --evidence policy (minimal: generalised filter). */
char *cls_redact_topic(const struct msw_config *cfg, const uint8_t *topic, size_t tlen);

/* A URL a peer sent (an HTTP Location header) as the record may keep it: by default a
 * userinfo password and the values of query or fragment parameters named like secrets
 * (token, access_token, password, key, ...) are masked; --evidence minimal masks every
 * parameter value; raw keeps it as sent. Malloc'ed; NULL for NULL or out of memory. */
char *cls_redact_url(const struct msw_config *cfg, const char *url);

/* Classify a file read from a share (issue 5, --read-secrets). */
void cls_file(struct classify_ctx *c, const char *path, const uint8_t *data, size_t len);

/* Cross-target honeypot heuristic for stats/db: cls_finish() keeps the record's
 * retained_fingerprint (hash over the sorted non-$SYS retained topic+payload set) and
 * retained_fingerprint_n (classify/cls_result.h); given how many addresses share one
 * fingerprint, this says whether "possible_honeypot" is a fair tag. */
bool cls_fingerprint_suspicious(uint32_t repeats, uint32_t retained_n);

#endif
