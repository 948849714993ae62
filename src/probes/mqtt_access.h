/* What one MQTT account may do: the access map (which topic filters it may subscribe to
 * and read from) and the opt-in write tests (where it may publish). Pure bookkeeping, no
 * sockets: the probe (mqtt.c) drives the connection through the steps this file lists,
 * reports what the broker answered and what it delivered, and this file gives the
 * verdicts.
 *
 * Rows, in this order, at most `max_filters` of them besides the proof (duplicates and
 * what is past the cap left out):
 *   - the write proof (with --publish-proof): the exact topic mqttsweep/<random>/proof,
 *     subscribed and published to; its write verdict is the record's write_access;
 *   - the --acl-topics lines (%u is the account's user name; a line with %u is skipped
 *     for an account without one);
 *   - the known sensitive prefixes: #, $SYS/#, owntracks/#, homeassistant/#,
 *     zigbee2mqtt/#, tasmota/#, cmnd/#, shellies/#, $CONTROL/#, $share/<group>/#;
 *   - the topic families seen on the broker (first level + "/#").
 * Write tests (with --publish-proof): a filter "F/#" (F not starting with '$') gets one
 * non-retained message to F/mqttsweep/<random>/proof; '#' shares the proof's verdict;
 * other filters are not written to (a filter without a trailing '#' could be a topic
 * someone uses).
 *
 * Steps: subscribe each row (one filter per SUBSCRIBE, so a refusal or a dropped
 * connection names its filter), then publish each write test, one at a time; the probe
 * waits for the SUBACK, the PUBACK (5.0) or a PINGRESP after the PUBLISH (3.x: the broker
 * has processed it) before the next step. After a dropped connection the probe reconnects
 * and acl_next_step() goes on from where it stopped, subscribing again only the rows a
 * remaining write test needs.
 *
 * Verdicts (evidence, never a guess):
 *   read  granted: a message matching the filter arrived while we were subscribed to it.
 *         denied: the SUBACK refused it, the broker closed the connection on it, or it was
 *         granted but a message known to exist under it did not arrive: a write test of
 *         ours under it that the broker acknowledged with success (5.0), or retained
 *         messages under it that another account of this run read.
 *         unknown: otherwise (Mosquitto grants every SUBSCRIBE and filters deliveries, so
 *         a granted SUBACK alone proves nothing).
 *   write confirmed: our message came back on our subscription.
 *         denied: a refusing PUBACK (5.0, >= 0x80), the broker closed the connection on
 *         it, or no echo although its filter's read is granted.
 *         accepted: 5.0 PUBACK with success, but we could not read it back; or (3.x)
 *         processed without the broker closing the connection, where this broker closed
 *         one on another write test of this run (Aedes refuses a PUBLISH that way).
 *         untested: otherwise (3.x acknowledges nothing: Mosquitto drops a denied QoS 0
 *         PUBLISH in silence). */
#ifndef MSW_MQTT_ACCESS_H
#define MSW_MQTT_ACCESS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"
#include "base/fields.h"

#define ACL_NO_CODE 0xffu      /* no SUBACK / PUBACK code came */
#define ACL_MAX_FILTER 1024    /* longest filter we subscribe to */
#define ACL_PROOF_PAYLOAD "mqttsweep write proof: a client from outside published this"

enum acl_read { ACL_READ_UNKNOWN, ACL_READ_GRANTED, ACL_READ_DENIED };
enum acl_write { ACL_WRITE_UNTESTED, ACL_WRITE_CONFIRMED, ACL_WRITE_ACCEPTED, ACL_WRITE_DENIED };
/* The verdicts' names (any other value reads as unknown / untested). */
extern const struct fenum acl_read_enum, acl_write_enum;
const char *acl_read_str(int r);
const char *acl_write_str(int w);

/* Where a row comes from. */
enum acl_origin { ACL_PROOF, ACL_PREFIX, ACL_FILE, ACL_FAMILY };

struct acl_row {
	char *filter;      /* what we subscribe to */
	char *write_topic; /* where the write test publishes; NULL: none */
	uint8_t origin;    /* enum acl_origin */
	uint8_t suback;    /* the SUBACK code (first one), ACL_NO_CODE until one came */
	uint8_t puback;    /* 5.0 PUBACK reason of the write test, ACL_NO_CODE */
	bool sub_dropped;  /* connection closed while its SUBACK was awaited */
	bool pub_dropped;  /* connection closed while the write test was awaited */
	bool subscribed;   /* subscribed on the current connection */
	bool published;    /* the write test was sent */
	bool synced;       /* ... and the broker processed it (PUBACK / PINGRESP after it) */
	bool arrived;      /* a message matching the filter arrived while subscribed */
	bool retained;     /* ... one of them retained */
	bool echoed;       /* the write test came back */
	uint8_t read;      /* enum acl_read, from acl_verdicts() */
	uint8_t write;     /* enum acl_write */
};

/* The map of one account. */
struct acl_map {
	struct acl_row *rows;
	size_t n;
	size_t step;  /* next step: 0..n-1 subscribe rows[step], n..2n-1 publish rows[step-n] */
	int version;  /* protocol level the map was made at */
	unsigned publishes; /* write tests sent (opt-in actions) */
};

/* First levels of the topics a broker delivered ("home" for home/door), capped. */
struct acl_families {
	char **v;
	size_t n;
};
/* Add the first level of topic t[0..n) unless it starts with '$', is not text that can be
 * a filter level (UTF-8, no NUL, '+' or '#'), is longer than 128 bytes, is already there,
 * or max levels are kept. */
void acl_family_add(struct acl_families *f, const uint8_t *t, size_t n, size_t max);
void acl_families_free(struct acl_families *f);

/* Whether s is a topic filter we may subscribe to: UTF-8 without NUL, at most
 * ACL_MAX_FILTER bytes, '+' a whole level, '#' a whole last level (§4.7.1). */
bool acl_filter_valid(const char *s);

struct acl_spec {
	bool proof;                /* --publish-proof */
	size_t max_filters;        /* --acl-filters: rows besides the proof */
	char *const *extra;        /* --acl-topics lines */
	size_t nextra;
	const struct acl_families *families;
	const char *user;          /* the account's user name (for %u), NULL = none */
	const char *rnd;           /* [0-9A-Za-z]{16}: names our topics and the share group */
	int version;
};
/* Build the rows. MSW_ERR_NOMEM. */
msw_err acl_map_build(struct acl_map *m, const struct acl_spec *s);
void acl_map_free(struct acl_map *m);

/* Steps not taken yet (a filter never answered, a write test not sent). */
bool acl_pending(const struct acl_map *m);
/* A new connection for the map: nothing is subscribed on it yet. */
void acl_map_reconnect(struct acl_map *m);
enum acl_step { ACL_STEP_DONE, ACL_STEP_SUBSCRIBE, ACL_STEP_PUBLISH };
/* The next step to take (*row its index), skipping what needs no doing. */
enum acl_step acl_next_step(struct acl_map *m, size_t *row);
/* A message on topic t[0..n) arrived (retain flag r). */
void acl_deliver(struct acl_map *m, const uint8_t *t, size_t n, bool r);

/* The verdicts of every row of the maps of one target's accounts (maps[i], i < n; NULL
 * entries are skipped), each account's retained deliveries being evidence for the others. */
void acl_verdicts(struct acl_map *const *maps, size_t n);
/* The write verdict of the proof row, or ACL_WRITE_UNTESTED when there is none. */
int acl_proof_write(const struct acl_map *m);

#endif
