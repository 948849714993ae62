/* Broker-level topics: Mosquitto $SYS (version, counters), EMQX and NanoMQ client events
 * (user names, client ids and IPs — masked under --evidence redacted), VerneMQ and Aedes
 * trees. One finding per kind (dedupe keys), not one per counter. Events about our own
 * connection never reach these rules (cls_sys.c). Each remediation names the switch of the
 * product that publishes the tree. */
#include "classify/cls_int.h"

/* mosquitto.conf(5): sys_interval 0 disables the $SYS tree; an acl_file can hide it */
#define RM_MOSQ "Restrict $SYS to administrators with an ACL (acl_file), or set sys_interval 0 " \
	"to stop publishing the tree, so clients cannot read the broker's identity and counters."
/* Aedes publishes $SYS events to every $SYS/# subscriber; the embedding application's
 * authorizeSubscribe hook decides who may subscribe */
#define RM_AEDES "Refuse $SYS/# in the broker's authorizeSubscribe hook (and require " \
	"authentication): Aedes announces every client id and subscription there."
/* EMQX etc/acl.conf: {deny, all, subscribe, ["$SYS/#", {eq, "#"}]} is the shipped default */
#define RM_EMQX "Keep EMQX's default ACL rule that denies $SYS/# to everyone but localhost " \
	"(acl.conf), and require authentication."
/* vernemq.conf: systree_enabled = off */
#define RM_VERNE "Set systree_enabled = off in vernemq.conf, or deny $SYS/# in the ACL."
/* NanoMQ publishes connect/disconnect events with usernames and addresses */
#define RM_NANO "Require authentication and deny $SYS/# to ordinary clients in NanoMQ's ACL " \
	"(acl rules in nanomq.conf)."
/* the $SYS/broker/ tree is Mosquitto's, copied by FlashMQ and Mochi */
#define RM_TREE "Restrict $SYS to administrators with an ACL so clients cannot read the broker's " \
	"identity and counters (Mosquitto: acl_file, or sys_interval 0 to stop publishing the tree)."
#define RM_SYS "Restrict $SYS/# to administrators with the broker's ACL so clients cannot read " \
	"its identity and counters."

static const struct rule rules[] = {
{
	.id = "mosquitto.version", .group = "sys",
	.topic = "$SYS/broker/version", .payload = PK_TEXT, .text = "mosquitto version *",
	.cat = CAT_BROKER_INFO, .sev = SEV_INFO, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "Broker identifies itself as '{payload}' ($SYS)",
	.evidence = "version=payload",
	.redact = "payload=safe",
	.remediation = RM_MOSQ,
},
{
	/* brokers that copy Mosquitto's tree name (Mochi: a bare "2.7.9") */
	.id = "sys.version", .group = "sys",
	.topic = "$SYS/broker/version", .payload = PK_TEXT,
	.cat = CAT_BROKER_INFO, .sev = SEV_INFO, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "Broker publishes its version '{payload}' in $SYS",
	.evidence = "version=payload",
	.redact = "payload=safe",
	.remediation = RM_SYS,
},
{
	.id = "emqx.client_event", .group = "sys",
	.topic = "$SYS/brokers/{node}/clients/{client}/{ev:connected|disconnected}", .payload = PK_OBJ,
	.cat = CAT_BROKER_INFO, .sev = SEV_MEDIUM, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "EMQX $SYS client event readable: client '{client}'{[ (user '{$username}')]} {ev}{[ from {$ipaddress}]}",
	.evidence = "client,$username,$ipaddress,$proto_ver,$connected_at",
	.redact = "$username=name,$ipaddress=ip",
	.dedupe = "{client}",
	.remediation = RM_EMQX,
},
{
	.id = "nanomq.client_event", .group = "sys",
	.topic = "$SYS/brokers/{ev:connected|disconnected|client_status}", .payload = PK_OBJ,
	.when = { { "client_id", J_PRESENT, NULL } },
	.cat = CAT_BROKER_INFO, .sev = SEV_MEDIUM, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "NanoMQ $SYS client event readable: client{[ '{$client_id}']}{[ (user '{$username}')]} {ev}{[ from {$IPv4}]}",
	.evidence = "$client_id,$username,$IPv4,$proto_ver,$ts",
	.redact = "$client_id=name,$username=name,$IPv4=ip",
	.dedupe = "{$client_id}",
	.remediation = RM_NANO,
},
{
	.id = "emqx.sys", .group = "sys",
	.topic = "$SYS/brokers/{*rest}", .payload = PK_ANY,
	.cat = CAT_BROKER_INFO, .sev = SEV_INFO, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "EMQX-style $SYS tree is readable ({rest})",
	.evidence = "rest",
	.dedupe = "emqx",
	.remediation = RM_EMQX,
},
{
	.id = "mosquitto.sys", .group = "sys",
	.topic = "$SYS/broker/{*rest}", .payload = PK_ANY,
	.cat = CAT_BROKER_INFO, .sev = SEV_INFO, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "Broker $SYS tree is readable (uptime, client and message counters), e.g. {rest} = {payload}",
	.evidence = "rest,value=payload",
	.redact = "payload=safe",
	.dedupe = "sys",
	.remediation = RM_TREE,
},
{
	.id = "vernemq.sys", .group = "sys",
	.topic = "$SYS/{node:VerneMQ@*}/{*rest}", .payload = PK_ANY,
	.cat = CAT_BROKER_INFO, .sev = SEV_INFO, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "VerneMQ node '{node}' publishes its $SYS metrics",
	.evidence = "node",
	.dedupe = "vernemq",
	.remediation = RM_VERNE,
},
{
	.id = "aedes.clients", .group = "sys",
	.topic = "$SYS/{id}/{k:new|disconnect}/clients", .payload = PK_TEXT,
	.cat = CAT_BROKER_INFO, .sev = SEV_LOW, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "Aedes $SYS announces client ids as they come and go (e.g. '{payload}')",
	.evidence = "client=payload",
	.redact = "payload=name",
	.dedupe = "aedes.clients",
	.remediation = RM_AEDES,
},
{
	.id = "aedes.heartbeat", .group = "sys",
	.topic = "$SYS/{id}/heartbeat", .payload = PK_ANY,
	.cat = CAT_BROKER_INFO, .sev = SEV_INFO, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "Aedes broker heartbeat readable (broker id {id})",
	.evidence = "id",
	.dedupe = "aedes",
	.remediation = RM_AEDES,
},
{
	.id = "sys.other", .group = "sys",
	.topic = "$SYS/{*rest}", .payload = PK_ANY,
	.cat = CAT_BROKER_INFO, .sev = SEV_INFO, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "Broker $SYS topics are readable ({rest})",
	.evidence = "rest",
	.dedupe = "sys.other",
	.remediation = RM_SYS,
},
};

const struct rule_table cls_rules_broker = { "broker", rules, sizeof(rules) / sizeof(rules[0]), NULL };
