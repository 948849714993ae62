/* Broker fingerprinting and the version → CVE table, as data.
 *
 * The MQTT probe feeds what it observes: every PUBLISH (only the broker's own topics are
 * read) and, for MQTT 5, the CONNACK properties. Rules (tables in broker_db.c) turn those into
 * rec->broker_product / broker_version and append {source, value} evidence to
 * rec->broker_evidence. A $SYS version string always wins over a CONNACK hint.
 * broker_db_findings() then compares the version with the CVE table and appends one
 * finding per matching CVE. Nothing here touches the network. */
#ifndef MSW_BROKER_DB_H
#define MSW_BROKER_DB_H
#include <stddef.h>
#include <stdint.h>

struct msw_record;
struct mqtt_props;

/* Any PUBLISH: the broker's own topics ("$SYS/...", ActiveMQ's "ActiveMQ/Advisory/...") are
 * read, the rest is ignored after a prefix check. */
void broker_db_observe_topic(struct msw_record *rec, const uint8_t *topic, size_t tlen,
			     const uint8_t *payload, size_t plen);
/* MQTT 5 CONNACK properties (only call for an accepted 5.0 CONNACK). */
void broker_db_observe_connack(struct msw_record *rec, const struct mqtt_props *props);
/* The product whose MQTT 5 CONNACK property set these properties fit, or NULL (tests). */
const char *broker_db_connack_product(const struct mqtt_props *props);
/* Append the broker.version_cves finding for rec->broker_product/version. */
void broker_db_findings(struct msw_record *rec);
/* At the end of a target, before the classifier's service findings: name the product from
 * how the MQTT versions were answered when nothing else did. */
void broker_db_identify(struct msw_record *rec);

/* Helpers exposed for tests. */
/* Compare dotted versions numerically ("2.0.9" < "2.0.10"); a trailing suffix is ignored. */
int broker_version_cmp(const char *a, const char *b);
/* Parse "mosquitto version 2.0.11" / "FlashMQ version 1.4.5" / "emqx 5.1.0" style text:
 * writes the product (lower case) and version; returns 0 on success. */
int broker_parse_version_text(const uint8_t *p, size_t n, char *product, size_t pcap, char *version,
			      size_t vcap);
/* Number of CVE rows known for a product (tests). */
size_t broker_db_cve_count(const char *product);

#endif
