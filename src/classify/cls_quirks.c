/* What a broker's product changes about a result (data; applied by cls_service once the
 * product is known): notes that keep a reader from misreading the record, each a finding
 * (broker_info, info) and a tag, and the product's own words for "deny anonymous access".
 *
 * Sources (docs/broker-zoo.md has them per product): RabbitMQ sends retained messages only
 * to subscriptions without wildcards (rabbitmq_mqtt rabbit_mqtt_processor.erl,
 * send_retained_message; https://www.rabbitmq.com/docs/mqtt "Retained Messages"; [measured]
 * 3.10.8); ActiveMQ Classic delivers its advisory topics to '#' [measured 5.17.2]; EMQX's
 * shipped acl.conf denies '#' and '$SYS/#' to remote clients. */
#include <string.h>
#include "classify/cls_int.h"

enum quirk_when { QW_ADVISORIES, QW_READ_GRANTED, QW_READ_DENIED };

struct quirk {
	const char *product;
	enum quirk_when when;
	const char *id, *tag, *title, *remediation, *reproduce;
};

static const struct quirk quirks[] = {
	{"rabbitmq", QW_READ_GRANTED, "rabbitmq.retained_on_exact_topics", "retained_not_on_wildcards",
	 "RabbitMQ delivers retained messages only to subscriptions without wildcards: what '#' "
	 "showed says little about what the broker stores (a retained message arrives only on its "
	 "exact topic)",
	 "None for the measurement; to protect the data, set mqtt.allow_anonymous = false and remove "
	 "the default user's access from anywhere but localhost.",
	 "mosquitto_sub -h {host} -p {port}{tls}{auth} -v -t 'home/garage/door' -C 1 -W 5  # an exact topic"},
	{"activemq", QW_ADVISORIES, "activemq.advisories", "broker_advisories",
	 "ActiveMQ delivers its own advisory topics (ActiveMQ/Advisory/...) to '#', some named with "
	 "'#', which MQTT forbids: they describe the broker's consumers and producers, not the "
	 "owner's data",
	 "Set advisorySupport=\"false\" on the <broker> element if nothing consumes advisories, and "
	 "require authentication (an authorization plugin) for the MQTT connector.",
	 "mosquitto_sub -h {host} -p {port}{tls}{auth} -v -t 'ActiveMQ/Advisory/#' -C 2 -W 5"},
	{"emqx", QW_READ_DENIED, "emqx.default_acl", "default_acl",
	 "EMQX refuses '#' and '$SYS/#' to remote clients by default (acl.conf): a refused '#' is the "
	 "product's default, not proof that its topics are protected; narrower filters are allowed",
	 "Require authentication (an EMQX authenticator) and write ACL rules for the topics in use.",
	 "mosquitto_sub -h {host} -p {port}{tls}{auth} -v -t '+/#' -C 5 -W 10"},
};

/* "Deny anonymous access", in the product's own terms. */
struct anon_fix {
	const char *product, *text;
};
static const struct anon_fix anon_fixes[] = {
	{"mosquitto", "Set allow_anonymous false (Mosquitto 2.x default) and give every client its own "
		      "account with an ACL; never expose 1883 to the Internet."},
	{"rabbitmq", "Set mqtt.allow_anonymous = false in rabbitmq.conf (anonymous MQTT clients use the "
		     "default user), remove or restrict the guest user, and give every client its own "
		     "account; never expose 1883 to the Internet."},
	{"activemq", "Add an authentication plugin (simpleAuthenticationPlugin or JAAS) to the broker "
		     "and an authorizationPlugin for the MQTT topics; never expose 1883 to the Internet."},
	{"aedes", "Give the Aedes broker an authenticate hook that checks every client's credentials, "
		  "and authorizePublish/authorizeSubscribe hooks; never expose it to the Internet."},
	{"emqx", "Enable an EMQX authenticator (password database, JWT or HTTP) so anonymous clients are "
		 "refused, and keep the default ACL; never expose 1883 to the Internet."},
	{"vernemq", "Set allow_anonymous = off in vernemq.conf and configure a password file or auth "
		    "plugin; never expose 1883 to the Internet."},
	{"nanomq", "Set allow_anonymous = false in nanomq.conf and configure authentication; never "
		   "expose 1883 to the Internet."},
	{"hivemq", "Remove HiveMQ's allow-all extension and install an authentication extension; never "
		   "expose 1883 to the Internet."},
};
static const char anon_generic[] = "Require a username and password (or client certificates) "
				   "for every client and an ACL per account; never expose 1883 "
				   "to the Internet.";

const char *cls_anon_remediation(const char *product)
{
	for (size_t i = 0; product && i < sizeof(anon_fixes) / sizeof(anon_fixes[0]); i++)
		if (strcmp(anon_fixes[i].product, product) == 0)
			return anon_fixes[i].text;
	return anon_generic;
}

static bool applies(const struct quirk *q, const struct classify_ctx *c,
		    const struct msw_record *rec)
{
	switch (q->when) {
	case QW_ADVISORIES:
		return c->advisories > 0;
	case QW_READ_GRANTED:
		return rec->read_access == READ_GRANTED_NO_DATA ||
		       rec->read_access == READ_GRANTED_WITH_DATA;
	case QW_READ_DENIED:
		return rec->read_access == READ_DENIED;
	}
	return false;
}

void cls_quirks(struct classify_ctx *c, const struct msw_record *rec)
{
	if (!rec->broker_product)
		return;
	for (size_t i = 0; i < sizeof(quirks) / sizeof(quirks[0]); i++) {
		const struct quirk *q = &quirks[i];
		struct cls_adhoc a = {
			.id = q->id, .cat = CAT_BROKER_INFO, .sev = SEV_INFO, .conf = CONF_CONFIRMED,
			.cwe = 200, .title = q->title, .remediation = q->remediation,
			.reproduce = q->reproduce,
		};

		if (strcmp(q->product, rec->broker_product) != 0 || !applies(q, c, rec))
			continue;
		cls_emit_adhoc(c, &a);
		if (c->nquirk_tags < CLS_MAX_QUIRK_TAGS)
			c->quirk_tags[c->nquirk_tags++] = q->tag;
	}
}
