/* Broker fingerprint rules and the version → CVE table (see broker_db.h).
 *
 * Both are data. $SYS rules map a topic pattern ('+' = one level, a trailing '@' in a
 * level = that prefix) to what its payload says: a version text ("mosquitto version
 * 2.0.11"), a bare version, a product description, or mere presence of a product's
 * topic tree. CONNACK rules (MQTT 5) are weaker hints and never override $SYS.
 * The CVE table lists half-open version ranges [from, fixed) per product, each row with
 * its public source; a finding is emitted per row that contains the observed version. */
#include "probes/broker_db.h"
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "base/record.h"
#include "probes/broker_cves.h"
#include "probes/mqtt_codec.h"

#define VALUE_MAX    160

/* ------------------------------------------------------------------ $SYS rules */

enum sys_kind { SK_VERSION_TEXT, SK_VERSION_BARE, SK_PRODUCT_TEXT, SK_PRESENCE };
struct sys_rule {
	const char *pattern;
	enum sys_kind kind;
	const char *product; /* NULL: named by the payload text */
};
static const struct sys_rule sys_rules[] = {
	/* Mosquitto (and brokers copying its tree, e.g. FlashMQ): "mosquitto version 2.0.11"
	 * — observed from Debian's mosquitto 2.0.11; mosquitto(8) "$SYS/broker/version" */
	{"$SYS/broker/version", SK_VERSION_TEXT, NULL},
	/* EMQX: https://docs.emqx.com/en/emqx/latest/observability/mqtt-system-topics.html
	 * "$SYS/brokers/${node}/version | EMQX version", "/sysdescr | EMQX description" */
	{"$SYS/brokers/+/version", SK_VERSION_BARE, "emqx"},
	{"$SYS/brokers/+/sysdescr", SK_PRODUCT_TEXT, "emqx"},
	/* "$SYS/brokers | cluster node list" (same page): "emqx@127.0.0.1" */
	{"$SYS/brokers", SK_PRODUCT_TEXT, "emqx"},
	/* Aedes publishes "$SYS/<broker id>/heartbeat" and "$SYS/<id>/new/clients"
	 * (aedes lib: broker heartbeat and client events); aedes-stats adds "$SYS/<id>/uptime" */
	{"$SYS/+/heartbeat", SK_PRESENCE, "aedes"},
	{"$SYS/+/new/clients", SK_PRESENCE, "aedes"},
	/* ... and "$SYS/<id>/new/subscribes" for every SUBSCRIBE, ours included (observed:
	 * Aedes 1.2 sends it right after our SUBACK: {"clientId":...,"subs":[...]}) */
	{"$SYS/+/new/subscribes", SK_PRESENCE, "aedes"},
	{"$SYS/+/disconnect/clients", SK_PRESENCE, "aedes"},
	/* VerneMQ's systree publishes metrics under "$SYS/<nodename>/..."; the default
	 * nodename is "VerneMQ@127.0.0.1" (vernemq.conf `nodename`) */
	{"$SYS/VerneMQ@/#", SK_PRESENCE, "vernemq"},
	/* NanoMQ client events (NanoNNG mqtt_parser.c @ 64926f4e; client_status from f4da7fff) */
	{"$SYS/brokers/connected", SK_PRESENCE, "nanomq"},
	{"$SYS/brokers/disconnected", SK_PRESENCE, "nanomq"},
	{"$SYS/brokers/client_status", SK_PRESENCE, "nanomq"},
	/* FlashMQ copies Mosquitto's names but adds its own (threaddata.cpp @ 7beb9c3d) */
	{"$SYS/broker/load/aclchecks/#", SK_PRESENCE, "flashmq"},
	{"$SYS/broker/threads/#", SK_PRESENCE, "flashmq"},
	{"$SYS/broker/retained messages/node_count", SK_PRESENCE, "flashmq"},
	/* Mochi: "$SYS/broker/version" is a bare "2.7.9"; its system/ subtree is its own
	 * (server.go @ 5b7f94bd) */
	{"$SYS/broker/system/#", SK_PRESENCE, "mochi"},
	/* ActiveMQ Classic delivers its advisory topics to a '#' subscriber [measured 5.17.2:
	 * ActiveMQ/Advisory/MasterBroker, ActiveMQ/Advisory/Consumer/Topic/#] */
	{"ActiveMQ/Advisory/#", SK_PRESENCE, "activemq"},
};

/* Match one topic level against a pattern level ('+' any, "X@" prefix "X@"). */
static bool level_match(const char *pl, size_t pn, const uint8_t *tl, size_t tn)
{
	if (pn == 1 && pl[0] == '+')
		return tn > 0;
	if (pn > 1 && pl[pn - 1] == '@')
		return tn >= pn && !memcmp(pl, tl, pn);
	return pn == tn && !memcmp(pl, tl, pn);
}

static bool topic_match(const char *pat, const uint8_t *t, size_t tn)
{
	const char *p = pat;
	size_t ti = 0;
	for (;;) {
		if (!strcmp(p, "#"))
			return true;
		size_t pn = strcspn(p, "/");
		size_t tl = 0;
		while (ti + tl < tn && t[ti + tl] != '/')
			tl++;
		if (!level_match(p, pn, t + ti, tl))
			return false;
		bool pend = p[pn] == 0, tend = ti + tl == tn;
		if (pend || tend)
			return pend && tend;
		p += pn + 1;
		ti += tl + 1;
	}
}

static void add_evidence(struct msw_record *r, const char *source, const uint8_t *v, size_t n)
{
	char buf[VALUE_MAX + 1];
	if (n > VALUE_MAX)
		n = VALUE_MAX;
	if (!utf8_valid(v, n))
		return;
	memcpy(buf, v, n);
	buf[n] = 0;
	(void)record_add_evidence(r, source, buf); /* a repeat or one past the cap: ignored */
}

static void set_str(char **dst, const char *v)
{
	char *n = v ? strdup(v) : NULL;
	if (v && !n)
		return;
	free(*dst);
	*dst = n;
}

static bool is_version_char(int ch)
{
	return isdigit(ch) || ch == '.' || ch == '-' || isalpha(ch) || ch == '+';
}

/* A version token: starts with a digit (an optional leading 'v' is dropped). */
static int take_version(const char *s, char *out, size_t cap)
{
	if ((*s == 'v' || *s == 'V') && isdigit((unsigned char)s[1]))
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	size_t n = 0;
	while (s[n] && is_version_char((unsigned char)s[n]) && n + 1 < cap)
		n++;
	memcpy(out, s, n);
	out[n] = 0;
	return 0;
}

int broker_parse_version_text(const uint8_t *p, size_t n, char *product, size_t pcap, char *version,
			      size_t vcap)
{
	char t[VALUE_MAX + 1];
	if (!n || n > VALUE_MAX || memchr(p, 0, n) || pcap < 2 || vcap < 2)
		return -1;
	memcpy(t, p, n);
	t[n] = 0;
	product[0] = version[0] = 0;
	/* "<name> version <v>", "<name> <v>", "<name>/<v>", or a bare "<v>" */
	char *s = t;
	while (*s == ' ')
		s++;
	if (!take_version(s, version, vcap))
		return 0;
	size_t pn = strcspn(s, " /");
	if (!pn || pn >= pcap || !s[pn])
		return -1;
	for (size_t i = 0; i < pn; i++)
		product[i] = (char)tolower((unsigned char)s[i]);
	product[pn] = 0;
	char *rest = s + pn + 1;
	while (*rest == ' ')
		rest++;
	if (!strncasecmp(rest, "version", 7))
		rest += 7;
	while (*rest == ' ' || *rest == ':')
		rest++;
	return take_version(rest, version, vcap);
}

static void apply_rule(struct msw_record *r, const struct sys_rule *ru, const uint8_t *payload,
		       size_t plen)
{
	char prod[32], ver[48];
	switch (ru->kind) {
	case SK_VERSION_TEXT:
		if (broker_parse_version_text(payload, plen, prod, sizeof(prod), ver, sizeof(ver)))
			return;
		if (prod[0])
			set_str(&r->broker_product, prod);
		set_str(&r->broker_version, ver);
		return;
	case SK_VERSION_BARE:
		if (broker_parse_version_text(payload, plen, prod, sizeof(prod), ver, sizeof(ver)))
			return;
		set_str(&r->broker_product, ru->product);
		set_str(&r->broker_version, ver);
		return;
	case SK_PRODUCT_TEXT:
		/* a description names the product ("EMQX", "EMQ X Broker"); other brokers that
		 * copy the EMQX tree name themselves here too */
		if (r->broker_version && r->broker_product)
			return;
		if (plen >= 3 && !strncasecmp((const char *)payload, "emq", 3))
			set_str(&r->broker_product, "emqx");
		else if (!broker_parse_version_text(payload, plen, prod, sizeof(prod), ver,
						    sizeof(ver)) &&
			 prod[0])
			set_str(&r->broker_product, prod);
		return;
	case SK_PRESENCE:
		/* a product's own topics beat a CONNACK hint; a version text naming a product
		 * beats them (a bare version names none) */
		if (!r->broker_version || !r->broker_product)
			set_str(&r->broker_product, ru->product);
		return;
	}
}

void broker_db_observe_topic(struct msw_record *r, const uint8_t *topic, size_t tlen,
			     const uint8_t *payload, size_t plen)
{
	if ((tlen < 5 || memcmp(topic, "$SYS/", 5)) && (tlen < 18 || memcmp(topic, "ActiveMQ/Advisory/", 18)))
		return;
	for (size_t i = 0; i < sizeof(sys_rules) / sizeof(sys_rules[0]); i++) {
		const struct sys_rule *ru = &sys_rules[i];
		if (!topic_match(ru->pattern, topic, tlen))
			continue;
		char src[VALUE_MAX + 1];
		size_t n = tlen < VALUE_MAX ? tlen : VALUE_MAX;
		memcpy(src, topic, n);
		src[n] = 0;
		if (!utf8_valid(topic, n))
			return;
		apply_rule(r, ru, payload, plen);
		if (ru->kind == SK_PRESENCE)
			add_evidence(r, topic[0] == '$' ? "sys_topic" : "broker_topic", topic, tlen);
		else
			add_evidence(r, src, payload, plen);
		return;
	}
}

/* ------------------------------------------------------------ CONNACK hints */

/* A product's MQTT 5 CONNACK to our CONNECT (Session Expiry 0, Topic Alias Maximum 0,
 * Request Problem Information 1; a client id of ours, so no Assigned Client Identifier
 * unless the broker always assigns): the properties it always sends, those it may add,
 * and exact values. The first rule that fits names the product; $SYS still wins.
 * Sources: each product's own code (docs/broker-zoo.md has the tags). */
#define PB(id) (1ull << (id))
struct connack_rule {
	const char *product;
	uint64_t required, optional;
	struct {
		int id;
		uint32_t v;
	} eq[6];
	const char *source;
};

#define OPT_COMMON (PB(MQTT_P_ASSIGNED_CLIENT_ID) | PB(MQTT_P_SERVER_KEEP_ALIVE) | \
		    PB(MQTT_P_RESPONSE_INFO) | PB(MQTT_P_REASON_STRING) | PB(MQTT_P_USER_PROPERTY))

static const struct connack_rule connack_rules[] = {
	/* FlashMQ sends its whole capability set, always */
	{"flashmq",
	 PB(MQTT_P_SESSION_EXPIRY) | PB(MQTT_P_RECEIVE_MAXIMUM) | PB(MQTT_P_RETAIN_AVAILABLE) |
		 PB(MQTT_P_MAXIMUM_PACKET_SIZE) | PB(MQTT_P_TOPIC_ALIAS_MAXIMUM) |
		 PB(MQTT_P_WILDCARD_SUB_AVAILABLE) | PB(MQTT_P_SUB_ID_AVAILABLE) |
		 PB(MQTT_P_SHARED_SUB_AVAILABLE) | PB(MQTT_P_SERVER_KEEP_ALIVE),
	 PB(MQTT_P_MAXIMUM_QOS) | OPT_COMMON,
	 {{MQTT_P_RECEIVE_MAXIMUM, 512}, {MQTT_P_TOPIC_ALIAS_MAXIMUM, 65535}},
	 "halfgaar/FlashMQ mqttpacket.cpp @ 7beb9c3d"},
	/* EMQX 4.4 / 5.x: the three availability flags, 1 MiB packets, 65535 aliases (5.6+ adds
	 * Receive Maximum 32) */
	{"emqx",
	 PB(MQTT_P_RETAIN_AVAILABLE) | PB(MQTT_P_MAXIMUM_PACKET_SIZE) | PB(MQTT_P_TOPIC_ALIAS_MAXIMUM) |
		 PB(MQTT_P_WILDCARD_SUB_AVAILABLE) | PB(MQTT_P_SUB_ID_AVAILABLE) |
		 PB(MQTT_P_SHARED_SUB_AVAILABLE),
	 PB(MQTT_P_RECEIVE_MAXIMUM) | PB(MQTT_P_MAXIMUM_QOS) | PB(MQTT_P_SESSION_EXPIRY) | OPT_COMMON,
	 {{MQTT_P_MAXIMUM_PACKET_SIZE, 1048576}, {MQTT_P_TOPIC_ALIAS_MAXIMUM, 65535},
	  {MQTT_P_WILDCARD_SUB_AVAILABLE, 1}, {MQTT_P_SHARED_SUB_AVAILABLE, 1}},
	 "emqx/emqx apps/emqx/src/emqx_channel.erl (enrich_connack_caps) @ v5.8.9"},
	/* Moquette: infinite session expiry and the availability flags */
	{"moquette",
	 PB(MQTT_P_SESSION_EXPIRY) | PB(MQTT_P_RETAIN_AVAILABLE) | PB(MQTT_P_WILDCARD_SUB_AVAILABLE) |
		 PB(MQTT_P_SUB_ID_AVAILABLE) | PB(MQTT_P_SHARED_SUB_AVAILABLE),
	 PB(MQTT_P_RECEIVE_MAXIMUM) | PB(MQTT_P_TOPIC_ALIAS_MAXIMUM) | OPT_COMMON,
	 {{MQTT_P_SESSION_EXPIRY, 0xFFFFFFFFu}},
	 "moquette-io/moquette broker MQTTConnection.java @ 2f52ce15"},
	/* RabbitMQ 3.13+: QoS 1 at most and no shared subscriptions */
	{"rabbitmq",
	 PB(MQTT_P_MAXIMUM_QOS) | PB(MQTT_P_SHARED_SUB_AVAILABLE) | PB(MQTT_P_MAXIMUM_PACKET_SIZE),
	 PB(MQTT_P_TOPIC_ALIAS_MAXIMUM) | PB(MQTT_P_SESSION_EXPIRY) | OPT_COMMON,
	 {{MQTT_P_MAXIMUM_QOS, 1}, {MQTT_P_SHARED_SUB_AVAILABLE, 0}},
	 "rabbitmq/rabbitmq-server deps/rabbitmq_mqtt/src/rabbit_mqtt_processor.erl @ v3.13.7"},
	/* ActiveMQ Artemis: 65535 aliases, the variable byte integer maximum as packet size */
	{"artemis", PB(MQTT_P_TOPIC_ALIAS_MAXIMUM) | PB(MQTT_P_MAXIMUM_PACKET_SIZE), OPT_COMMON,
	 {{MQTT_P_TOPIC_ALIAS_MAXIMUM, 65535}, {MQTT_P_MAXIMUM_PACKET_SIZE, 268435455}},
	 "apache/activemq-artemis artemis-mqtt-protocol MQTTConnectionManager.java @ 6700541d"},
	/* HiveMQ: Receive Maximum 10, Topic Alias Maximum 5, defaults omitted */
	{"hivemq", PB(MQTT_P_RECEIVE_MAXIMUM) | PB(MQTT_P_TOPIC_ALIAS_MAXIMUM),
	 PB(MQTT_P_SESSION_EXPIRY) | OPT_COMMON,
	 {{MQTT_P_RECEIVE_MAXIMUM, 10}, {MQTT_P_TOPIC_ALIAS_MAXIMUM, 5}},
	 "hivemq/hivemq-community-edition Mqtt5ConnackEncoder.java, MqttConfigurationDefaults.java @ 5d953093"},
	/* NanoMQ echoes the client's own CONNECT properties: our Session Expiry 0 and Topic Alias
	 * Maximum 0 come back */
	{"nanomq", PB(MQTT_P_SESSION_EXPIRY) | PB(MQTT_P_TOPIC_ALIAS_MAXIMUM),
	 PB(MQTT_P_RECEIVE_MAXIMUM) | PB(MQTT_P_MAXIMUM_PACKET_SIZE) | PB(MQTT_P_MAXIMUM_QOS) |
		 PB(MQTT_P_RETAIN_AVAILABLE) | OPT_COMMON,
	 {{MQTT_P_SESSION_EXPIRY, 0}, {MQTT_P_TOPIC_ALIAS_MAXIMUM, 0}},
	 "nanomq/NanoNNG src/supplemental/mqtt/mqtt_codec.c (nmq_connack_encode) @ 64926f4e"},
	/* Mochi MQTT: Receive Maximum 1024 */
	{"mochi", PB(MQTT_P_RECEIVE_MAXIMUM), PB(MQTT_P_SESSION_EXPIRY) | OPT_COMMON,
	 {{MQTT_P_RECEIVE_MAXIMUM, 1024}},
	 "mochi-mqtt/server server.go @ 5b7f94bd (v2.7.9)"},
	/* Mosquitto 2.x defaults (observed on 2.0.11 with an empty config): Topic Alias Maximum
	 * 10 (max_topic_alias) and Receive Maximum 20 (max_inflight_messages) */
	{"mosquitto", PB(MQTT_P_TOPIC_ALIAS_MAXIMUM) | PB(MQTT_P_RECEIVE_MAXIMUM),
	 PB(MQTT_P_RETAIN_AVAILABLE) | PB(MQTT_P_MAXIMUM_PACKET_SIZE) | PB(MQTT_P_MAXIMUM_QOS) |
		 PB(MQTT_P_ASSIGNED_CLIENT_ID) | PB(MQTT_P_SERVER_KEEP_ALIVE),
	 {{MQTT_P_TOPIC_ALIAS_MAXIMUM, 10}, {MQTT_P_RECEIVE_MAXIMUM, 20}},
	 "eclipse/mosquitto src/send_connack.c @ v2.0.11; [measured] 2.0.11"},
	/* Mosquitto 1.6: no Receive Maximum */
	{"mosquitto", PB(MQTT_P_TOPIC_ALIAS_MAXIMUM),
	 PB(MQTT_P_RETAIN_AVAILABLE) | PB(MQTT_P_MAXIMUM_PACKET_SIZE) | PB(MQTT_P_ASSIGNED_CLIENT_ID),
	 {{MQTT_P_TOPIC_ALIAS_MAXIMUM, 10}},
	 "eclipse/mosquitto src/send_connack.c @ v1.6.15"},
	/* VerneMQ: no properties at all with its defaults */
	{"vernemq", 0, PB(MQTT_P_ASSIGNED_CLIENT_ID), {{0, 0}},
	 "vernemq/vernemq apps/vmq_server/src/vmq_mqtt5_fsm.erl @ 90ebd3e6"},
};

static bool rule_fits(const struct connack_rule *ru, const struct mqtt_props *p)
{
	uint64_t seen = p->present & ~PB(MQTT_P_USER_PROPERTY) & ~(uint64_t)1;

	if ((seen & ru->required) != ru->required || (seen & ~(ru->required | ru->optional)))
		return false;
	for (size_t i = 0; i < sizeof(ru->eq) / sizeof(ru->eq[0]) && ru->eq[i].id; i++)
		if (!mqtt_props_has(p, ru->eq[i].id) || p->v[ru->eq[i].id].u != ru->eq[i].v)
			return false;
	return true;
}

/* Mosquitto assigns "auto-" + an upper-case UUID (observed: mosquitto 2.0.11 answers a
 * 5.0 CONNECT with an empty client id with "auto-3C629ED9-0F29-594D-4E79-175A16D50F91"). */
static bool mosquitto_assigned_id(const struct slice *s)
{
	if (s->len != 41 || memcmp(s->p, "auto-", 5))
		return false;
	for (size_t i = 5; i < 41; i++) {
		uint8_t ch = s->p[i];
		bool dash = i == 13 || i == 18 || i == 23 || i == 28;
		if (dash ? ch != '-' : !(isdigit(ch) || (ch >= 'A' && ch <= 'F')))
			return false;
	}
	return true;
}

/* Summarise the fingerprint-relevant properties as one evidence string. */
static void connack_summary(const struct mqtt_props *p, char *out, size_t cap)
{
	static const int ids[] = {
		MQTT_P_SESSION_EXPIRY,   MQTT_P_RECEIVE_MAXIMUM,     MQTT_P_TOPIC_ALIAS_MAXIMUM,
		MQTT_P_MAXIMUM_PACKET_SIZE, MQTT_P_MAXIMUM_QOS,      MQTT_P_RETAIN_AVAILABLE,
		MQTT_P_WILDCARD_SUB_AVAILABLE, MQTT_P_SUB_ID_AVAILABLE, MQTT_P_SHARED_SUB_AVAILABLE,
		MQTT_P_SERVER_KEEP_ALIVE,
	};
	size_t o = 0;
	out[0] = 0;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]) && o < cap; i++) {
		if (!mqtt_props_has(p, ids[i]))
			continue;
		int w = snprintf(out + o, cap - o, "%s%s=%u", o ? " " : "", mqtt_prop_name(ids[i]),
				 (unsigned)p->v[ids[i]].u);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	if (!out[0])
		snprintf(out, cap, "no capability properties");
}

const char *broker_db_connack_product(const struct mqtt_props *p)
{
	for (size_t i = 0; i < sizeof(connack_rules) / sizeof(connack_rules[0]); i++)
		if (rule_fits(&connack_rules[i], p))
			return connack_rules[i].product;
	return NULL;
}

void broker_db_observe_connack(struct msw_record *r, const struct mqtt_props *p)
{
	char sum[VALUE_MAX + 1];
	connack_summary(p, sum, sizeof(sum));
	add_evidence(r, "connack_properties", (const uint8_t *)sum, strlen(sum));
	const struct slice *aid = &p->v[MQTT_P_ASSIGNED_CLIENT_ID].s;
	bool id_hint = mqtt_props_has(p, MQTT_P_ASSIGNED_CLIENT_ID) && mosquitto_assigned_id(aid);
	if (id_hint)
		add_evidence(r, "assigned_client_identifier", aid->p, aid->len);
	const char *prod = id_hint ? "mosquitto" : broker_db_connack_product(p);
	if (prod && !r->broker_product)
		set_str(&r->broker_product, prod);
}

/* Numeric dotted compare; missing components are 0, a non-digit suffix ends a part. */
int broker_version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		unsigned long x = 0, y = 0;
		while (isdigit((unsigned char)*a) && x < 100000000ul)
			x = x * 10 + (unsigned long)(*a++ - '0');
		while (isdigit((unsigned char)*b) && y < 100000000ul)
			y = y * 10 + (unsigned long)(*b++ - '0');
		if (x != y)
			return x < y ? -1 : 1;
		while (*a && *a != '.')
			a++;
		while (*b && *b != '.')
			b++;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
	return 0;
}

size_t broker_db_cve_count(const char *product)
{
	size_t n = 0;
	for (size_t i = 0; i < broker_ncves; i++)
		n += product && !strcmp(broker_cves[i].product, product);
	return n;
}

/* ------------------------------------------------------------ version -> CVEs */

static const struct cve_product *cve_product(const char *p)
{
	for (size_t i = 0; i < broker_ncve_products; i++)
		if (!strcmp(broker_cve_products[i].product, p))
			return &broker_cve_products[i];
	return NULL;
}

static bool in_range(const struct cve_row *row, const char *v)
{
	if (row->from && broker_version_cmp(v, row->from) < 0)
		return false;
	if (row->fixed)
		return broker_version_cmp(v, row->fixed) < 0;
	return row->last && broker_version_cmp(v, row->last) <= 0;
}

/* What the record says happened to protocol level v ("3.1", "3.1.1", "5.0"); NULL when
 * that level was not tried. */
static const char *version_result(const struct msw_record *r, const char *v)
{
	static const char *const levels[3] = {"3.1", "3.1.1", "5.0"};

	for (int i = 0; i < 3; i++)
		if (!strcmp(v, levels[i]))
			return r->versions.set && (r->versions.planned & (1u << i))
				       ? fenum_name(&msw_vres_enum, r->versions.v[i])
				       : NULL;
	return NULL;
}

enum cond_verdict { CD_HOLDS, CD_STATED, CD_FAILS };

/* Does the row's condition hold for what the scan saw? */
static enum cond_verdict cond_check(const struct cve_row *row, const struct msw_record *r)
{
	const char *v5;

	switch (row->cond) {
	case CV_NONE:
		return CD_HOLDS;
	case CV_CLIENT:
		return r->auth == AUTH_ANONYMOUS || r->auth == AUTH_ANY_CREDENTIALS ||
				       r->auth == AUTH_AUTHENTICATED
			       ? CD_HOLDS
			       : CD_STATED;
	case CV_PUBLISH:
		return r->write_access == WRITE_CONFIRMED ? CD_HOLDS : CD_STATED;
	case CV_MQTT5:
		if (!strcmp(r->mqtt_version, "5.0"))
			return CD_HOLDS;
		v5 = version_result(r, "5.0");
		if (v5 && !strcmp(v5, "accepted"))
			return CD_HOLDS;
		/* refused as a version (or closed/answered in 3.x form): no MQTT 5 listener */
		if (v5 && (!strcmp(v5, "refused") || !strcmp(v5, "closed") || !strcmp(v5, "error")))
			return CD_FAILS;
		return CD_STATED;
	case CV_MQTT:
		return r->mqtt ? CD_HOLDS : CD_STATED;
	case CV_CONFIG:
	case CV_OTHER_PORT:
		return CD_STATED;
	}
	return CD_STATED;
}

static enum msw_severity sev_of(double cvss)
{
	if (cvss >= 9.0)
		return SEV_CRITICAL;
	if (cvss >= 7.0)
		return SEV_HIGH;
	if (cvss >= 4.0 || cvss <= 0.0)
		return SEV_MEDIUM; /* no verified score: medium */
	return SEV_LOW;
}

/* The worst severity of what the scan saw on this service: every finding but version
 * matches. A banner never raises the headline above it. */
static enum msw_severity seen_worst(const struct msw_record *r)
{
	enum msw_severity w = SEV_INFO;

	for (size_t i = 0; i < r->findings.n; i++)
		if (record_findings(r)[i].confidence != CONF_VERSION_MATCH && record_findings(r)[i].severity > w)
			w = record_findings(r)[i].severity;
	return w;
}

/* The evidence entry the version came from ($SYS/broker/version, amqp:server-properties,
 * ...); NULL when none names it. */
static const char *version_source(const struct msw_record *r)
{
	for (size_t i = 0; i < r->nevidence; i++) {
		const char *src = r->evidence[i].source, *val = r->evidence[i].value;

		if (src && val && strstr(val, r->broker_version))
			return src;
	}
	return NULL;
}

/* The command that shows the version the finding rests on, for this target: host
 * characters outside [A-Za-z0-9.:_-] become '_' (a hostile reverse name must not reach a
 * shell line); TLS adds --capath, -u/-P placeholders when we authenticated. */
static void cve_reproduce(const struct msw_record *r, const char *src, char *buf, size_t n)
{
	char host[300];
	const char *h = r->hostname && r->hostname[0] ? r->hostname : r->ip;
	bool tls = r->transport == TRANSPORT_TLS || r->transport == TRANSPORT_WSS;

	snprintf(host, sizeof(host), "%s", h && h[0] ? h : "HOST");
	for (char *q = host; *q; q++)
		if (!(isalnum((unsigned char)*q) || *q == '.' || *q == ':' || *q == '-' || *q == '_'))
			*q = '_';
	if (src && !strncmp(src, "http:", 5) && !strchr(src, '\''))
		snprintf(buf, n, "curl -s%s '%s://%s:%u%s'", tls ? "k" : "", tls ? "https" : "http",
			 host, (unsigned)r->port, src + 5);
	else if (src && !strncmp(src, "amqp", 4))
		snprintf(buf, n, "printf 'AMQP\\0\\0\\011\\001' | timeout 3 nc %s %u | strings | grep -A1 -i version",
			 host, (unsigned)r->port);
	else
		snprintf(buf, n, "mosquitto_sub -h %s -p %u%s%s -t '%s' -C 1 -v -W 10", host,
			 (unsigned)r->port, tls ? " --capath /etc/ssl/certs" : "",
			 r->auth == AUTH_AUTHENTICATED ? " -u '<user>' -P '<password>'" : "",
			 src && !strncmp(src, "$SYS/", 5) && !strchr(src, '\'') ? src : "$SYS/#");
}

struct cve_match {
	const struct cve_row *row[64];
	enum cond_verdict cond[64];
	size_t n, held;
	const char *fixed;       /* the highest fixed version among the rows */
	double cvss;             /* the worst score among rows whose condition holds */
	bool unscored;           /* a holding row has no verified score */
};

static bool listed(const struct cve_match *m, const char *cve)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->row[i]->cve, cve))
			return true;
	return false;
}

static void match_rows(const struct msw_record *r, struct cve_match *m)
{
	memset(m, 0, sizeof(*m));
	for (size_t i = 0; i < broker_ncves && m->n < 64; i++) {
		const struct cve_row *row = &broker_cves[i];
		enum cond_verdict cd;

		if (strcmp(row->product, r->broker_product) || !in_range(row, r->broker_version) ||
		    listed(m, row->cve) || (cd = cond_check(row, r)) == CD_FAILS)
			continue;
		m->row[m->n] = row;
		m->cond[m->n++] = cd;
		if (row->fixed && (!m->fixed || broker_version_cmp(row->fixed, m->fixed) > 0))
			m->fixed = row->fixed;
		if (cd == CD_HOLDS) {
			m->held++;
			if (row->cvss > m->cvss)
				m->cvss = row->cvss;
			m->unscored |= row->cvss <= 0.0;
		}
	}
}

static void ev_add(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
}

/* One entry of the evidence list: what, range, score, condition, source. */
static cJSON *cve_item(const struct cve_row *row, enum cond_verdict cd)
{
	cJSON *o = cJSON_CreateObject();
	char range[96], cwe[64];

	if (!o)
		return NULL;
	if (row->fixed)
		snprintf(range, sizeof(range), "%s%s up to before %s", row->from ? "" : "every version",
			 row->from ? row->from : "", row->fixed);
	else
		snprintf(range, sizeof(range), "%s%s to %s", row->from ? "" : "every version",
			 row->from ? row->from : "", row->last ? row->last : "?");
	snprintf(cwe, sizeof(cwe), "CWE-%d%s", row->cwe, row->cwe_inferred ? " (ours, from the description)" : "");
	ev_add(o, "id", row->cve);
	ev_add(o, "what", row->title);
	ev_add(o, "affected", range);
	ev_add(o, "fixed", row->fixed);
	if (row->cvss > 0.0)
		cJSON_AddNumberToObject(o, "cvss", row->cvss);
	ev_add(o, "cwe", cwe);
	if (row->condition) {
		ev_add(o, "condition", row->condition);
		cJSON_AddBoolToObject(o, "condition_seen", cd == CD_HOLDS);
	}
	ev_add(o, "source", row->source);
	return o;
}

static char *cve_evidence(const struct msw_record *r, const struct cve_product *p,
			  const struct cve_match *m, const char *src)
{
	cJSON *o = cJSON_CreateObject(), *list;
	char *s;

	if (!o)
		return NULL;
	ev_add(o, "version", r->broker_version);
	ev_add(o, "version_from", src);
	ev_add(o, "why_may", "only the version string says so: builds with backported fixes report "
	       "the same version, and conditions beyond the version are listed per CVE");
	ev_add(o, "backports", p->backports);
	list = cJSON_AddArrayToObject(o, "cves");
	for (size_t i = 0; list && i < m->n; i++) {
		cJSON *it = cve_item(m->row[i], m->cond[i]);

		if (it)
			cJSON_AddItemToArray(list, it);
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* One finding per product: "may be affected", the upgrade to the highest fixed version,
 * the CVEs beneath. Severity: the worst score among CVEs whose condition holds (medium when
 * unscored, low when every one is only conditional), never above what the scan saw. */
void broker_db_findings(struct msw_record *r)
{
	const char *v = r->broker_version, *pr = r->broker_product;
	const struct cve_product *p;
	struct cve_match m;
	char title[400], rem[600], rep[480], up[96];
	enum msw_severity sev, cap;

	if (!v || !pr || !isdigit((unsigned char)v[0]) || !(p = cve_product(pr)) || !p->version_on_wire)
		return;
	match_rows(r, &m);
	if (!m.n)
		return;
	sev = !m.held ? SEV_LOW : m.unscored && sev_of(m.cvss) < SEV_MEDIUM ? SEV_MEDIUM : sev_of(m.cvss);
	cap = seen_worst(r);
	if (sev > cap)
		sev = cap;
	const char *src = version_source(r);
	if (m.fixed)
		snprintf(up, sizeof(up), "%s or later", m.fixed);
	else
		snprintf(up, sizeof(up), "a release later than %s", m.row[0]->last);
	snprintf(title, sizeof(title),
		 "%s %s may be affected by %zu known vulnerabilit%s (%zu of them only under "
		 "conditions this scan did not see), judged from its version string alone: upgrade "
		 "to %s", p->name, v, m.n, m.n == 1 ? "y" : "ies", m.n - m.held, up);
	snprintf(rem, sizeof(rem), "Upgrade %s to %s. A distribution package may already carry the "
		 "fixes under the same version number%s%s%s: check its changelog or security tracker.",
		 p->name, up, p->backports ? " (" : "", p->backports ? p->backports : "",
		 p->backports ? ")" : "");
	cve_reproduce(r, src, rep, sizeof(rep));
	char *ev = cve_evidence(r, p, &m, src);
	struct msw_finding f = {
		.id = "broker.version_cves",
		.category = CAT_BROKER_INFO,
		.severity = sev,
		.confidence = CONF_VERSION_MATCH,
		.cwe = 1395, /* dependency on a vulnerable third-party component */
		.title = title,
		.evidence = ev,
		.remediation = rem,
		.reproduce = rep,
	};
	(void)record_add_finding(r, &f);
	free(ev);
}

/* ------------------------------------------------------------ behaviour */

static bool answered(const char *v)
{
	return v && (!strcmp(v, "accepted") || !strcmp(v, "bad_credentials") ||
		     !strcmp(v, "not_authorized") || !strcmp(v, "identifier_rejected"));
}

/* RabbitMQ before 3.13 (rabbitmq_mqtt) speaks 3.1/3.1.1 and closes an MQTT 5 CONNECT without a
 * CONNACK [measured 3.10.8]; ActiveMQ Classic does the same with our CONNECT but delivers its
 * advisory topics to '#', which names it first. So: 3.1.1 answered, 5.0 closed, '#' granted
 * and nothing of a product's own seen. */
static void identify_by_behaviour(struct msw_record *r)
{
	static const char why[] = "MQTT 5 CONNECT closed without a CONNACK, 3.1.1 answered, '#' "
				  "granted and no advisory or $SYS topics: RabbitMQ before 3.13";

	if (!r->mqtt || r->broker_product || !answered(version_result(r, "3.1.1")))
		return;
	const char *v5 = version_result(r, "5.0");
	if (!v5 || strcmp(v5, "closed"))
		return;
	if (r->read_access != READ_GRANTED_NO_DATA && r->read_access != READ_GRANTED_WITH_DATA)
		return;
	set_str(&r->broker_product, "rabbitmq");
	add_evidence(r, "mqtt_versions", (const uint8_t *)why, strlen(why));
}

void broker_db_identify(struct msw_record *r)
{
	identify_by_behaviour(r);
}
