/* The owner's fix for a finding, written for the software the owner runs.
 *
 * A finding's own `remediation` says what to change in general words ("require
 * authentication and an ACL"). The fix table says how, for one product: the Mosquitto lines
 * (`allow_anonymous false`, a `password_file`, an `acl_file` with
 * `pattern readwrite owntracks/%u/#`, a plain listener on localhost beside a TLS one), the
 * Home Assistant Mosquitto add-on's options and its customize folder, Node-RED's
 * `adminAuth`, Samba without guests, Zigbee2MQTT's frontend `auth_token`, a leaked secret to
 * rotate. The table is data (fixes.c): a row matches finding ids (exact or a `prefix.*`) or
 * a category, for one software or for any; fix_lookup() takes the closest row (the id
 * itself over a prefix over a category), among equals one written for the software over
 * one for any software, else none (the finding's remediation then
 * stands alone). Products without rows of their own (EMQX, HiveMQ, VerneMQ, ...) get the
 * classifier's product-specific remediation and no snippet.
 *
 * Which software: the broker's product (broker.product) names Mosquitto, Aedes or RabbitMQ;
 * a Mosquitto (or a broker that did not say) that looks like the Home Assistant Mosquitto
 * add-on (fix_addon_signals: its port layout, its `addons` account, Home Assistant traffic,
 * a certificate for core-mosquitto or homeassistant, Home Assistant on the same host) gets
 * the add-on's way instead of raw mosquitto.conf lines. Every text here is our own; nothing
 * a peer sent is ever put into a fix. */
#ifndef MSW_FIXES_H
#define MSW_FIXES_H
#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

enum fix_sw {
	FSW_ANY,        /* a row for any software; as a lookup key: nothing known */
	FSW_MOSQUITTO,
	FSW_HA_ADDON,   /* the Home Assistant Mosquitto add-on */
	FSW_AEDES,
	FSW_RABBITMQ,
	FSW_OTHER,      /* a broker product without rows of its own */
	FSW__COUNT
};

/* The software's name for a reader ("Mosquitto", "the Home Assistant Mosquitto add-on"). */
const char *fix_sw_name(enum fix_sw sw);
/* The software a broker.product names (case-insensitive); FSW_ANY for NULL or "". */
enum fix_sw fix_sw_of_product(const char *product);

struct fix {
	const char *id;        /* stable key, e.g. "mosquitto.anonymous" */
	const char *findings;  /* finding ids, '|'-separated; "owntracks.*" matches a prefix;
				* NULL: every finding of `category` */
	int category;          /* enum msw_category, or -1 (any, with findings set) */
	enum fix_sw sw;        /* FSW_ANY: any software */
	const char *title;     /* what to do, imperative */
	const char *how;       /* a sentence or two: why and how */
	const char *where;     /* the file or place to change, or NULL */
	const char *config;    /* lines to put there, or NULL */
	const char *commands;  /* shell commands to run, or NULL */
};

/* The fix for a finding (its id and enum msw_category) on this software, or NULL. */
const struct fix *fix_lookup(const char *finding_id, int category, enum fix_sw sw);
/* What a finding of this category (enum msw_category) means, in one sentence. */
const char *fix_meaning(int category);
/* The table, for tests and the docs. */
const struct fix *fix_table(size_t *n);

/* What marks a broker as the Home Assistant Mosquitto add-on (any two; a certificate
 * made for core-mosquitto counts twice). */
struct addon_signals {
	bool ports;        /* two or more of 1883/1884/8883/8884 answer MQTT on the address */
	bool account;      /* an account named `addons` was used or seen */
	bool ha_traffic;   /* Home Assistant discovery or status topics on the broker */
	bool ha_cert;      /* its certificate names core-mosquitto or homeassistant */
	bool ha_host;      /* Home Assistant itself answers on the same address */
	bool not_mosquitto;/* the broker named another product */
};
bool fix_is_addon(const struct addon_signals *s);
/* Adds what one record (a cJSON result record) shows: a certificate for Home Assistant's
 * broker, Home Assistant topics, an `addons` account, Home Assistant's web UI, another
 * product's name. The port layout (ports) is the caller's: it needs the host's services. */
void fix_signals_add(struct addon_signals *s, const cJSON *rec);
/* The same, one text at a time, for a caller that reads the record another way: which
 * text of the record it is (a certificate's SAN DNS name or subject CN; the HTTP product
 * of an http record; the broker product; a finding's id; a finding's title or evidence),
 * NULL when the record has none. */
enum fix_src { FX_CERT_NAME, FX_HTTP_PRODUCT, FX_PRODUCT, FX_FINDING_ID, FX_FINDING_TEXT };
void fix_signal_text(struct addon_signals *s, enum fix_src k, const char *text);
/* The software fixes are written for: a product other than Mosquitto by its name, else the
 * add-on when the signals say so, else Mosquitto when it named itself, else FSW_ANY. */
enum fix_sw fix_sw_for(const char *product, const struct addon_signals *s);
/* The signals that held, in words, comma-separated, into out (for the report). */
void fix_addon_why(const struct addon_signals *s, char *out, size_t cap);

#endif
