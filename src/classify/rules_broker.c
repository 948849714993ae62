/* Broker-level topics: Mosquitto $SYS (version, counters), EMQX client events (user names,
 * client ids and IPs — masked under --evidence redacted), VerneMQ and Aedes trees. One
 * finding per kind (dedupe keys), not one per counter. */
#include "classify/cls_int.h"

#define RM_SYS "Restrict $SYS to administrators with an ACL (or sys_interval 0) so clients cannot " \
	"read the broker's identity and counters."

static const struct rule rules[] = {
{
	.id = "mosquitto.version", .group = "sys",
	.topic = "$SYS/broker/version", .payload = PK_TEXT,
	.cat = CAT_BROKER_INFO, .sev = SEV_INFO, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "Broker identifies itself as '{payload}' ($SYS)",
	.evidence = "version=payload",
	.redact = "payload=safe",
	.remediation = RM_SYS,
},
{
	.id = "emqx.client_event", .group = "sys",
	.topic = "$SYS/brokers/{node}/clients/{client}/{ev:connected|disconnected}", .payload = PK_OBJ,
	.cat = CAT_BROKER_INFO, .sev = SEV_MEDIUM, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "EMQX $SYS client event readable: client '{client}' (user '{$username|?}') {ev} from {$ipaddress|?}",
	.evidence = "client,$username,$ipaddress,$proto_ver,$connected_at",
	.redact = "$username=name,$ipaddress=ip",
	.dedupe = "{client}",
	.remediation = "Keep EMQX's default: allow $SYS/# only from localhost (acl.conf).",
},
{
	.id = "emqx.sys", .group = "sys",
	.topic = "$SYS/brokers/{*rest}", .payload = PK_ANY,
	.cat = CAT_BROKER_INFO, .sev = SEV_INFO, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "EMQX-style $SYS tree is readable ({rest})",
	.evidence = "rest",
	.dedupe = "emqx",
	.remediation = "Keep EMQX's default: allow $SYS/# only from localhost (acl.conf).",
},
{
	.id = "mosquitto.sys", .group = "sys",
	.topic = "$SYS/broker/{*rest}", .payload = PK_ANY,
	.cat = CAT_BROKER_INFO, .sev = SEV_INFO, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "Broker $SYS tree is readable (uptime, client and message counters), e.g. {rest} = {payload}",
	.evidence = "rest,value=payload",
	.redact = "payload=safe",
	.dedupe = "sys",
	.remediation = RM_SYS,
},
{
	.id = "vernemq.sys", .group = "sys",
	.topic = "$SYS/{node:VerneMQ@*}/{*rest}", .payload = PK_ANY,
	.cat = CAT_BROKER_INFO, .sev = SEV_INFO, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "VerneMQ node '{node}' publishes its $SYS metrics",
	.evidence = "node",
	.dedupe = "vernemq",
	.remediation = RM_SYS,
},
{
	.id = "aedes.clients", .group = "sys",
	.topic = "$SYS/{id}/{k:new|disconnect}/clients", .payload = PK_TEXT,
	.cat = CAT_BROKER_INFO, .sev = SEV_LOW, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "Aedes $SYS announces client ids as they come and go (e.g. '{payload}')",
	.evidence = "client=payload",
	.redact = "payload=name",
	.dedupe = "aedes.clients",
	.remediation = RM_SYS,
},
{
	.id = "aedes.heartbeat", .group = "sys",
	.topic = "$SYS/{id}/heartbeat", .payload = PK_ANY,
	.cat = CAT_BROKER_INFO, .sev = SEV_INFO, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "Aedes broker heartbeat readable (broker id {id})",
	.evidence = "id",
	.dedupe = "aedes",
	.remediation = RM_SYS,
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

const struct rule_table cls_rules_broker = { "broker", rules, sizeof(rules) / sizeof(rules[0]) };
