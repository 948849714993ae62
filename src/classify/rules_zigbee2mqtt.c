/* Zigbee2MQTT (reference §4.3): bridge/info (config minus the secrets current versions
 * delete — 1.15.x still published mqtt.password), bridge/devices inventory, device state
 * (contact:false means OPEN; lock_state), and observed /set commands. */
#include "classify/cls_int.h"

#define RM_Z2M "Require authentication; give Zigbee2MQTT its own account and an ACL so only " \
	"it and Home Assistant may read zigbee2mqtt/# and publish to zigbee2mqtt/+/set."

bool hook_z2m_devices(struct cls_run *r, const struct rule *ru);

static const struct rule rules[] = {
{
	.id = "zigbee2mqtt.mqtt_password",
	.topic = "{base}/bridge/info", .payload = PK_OBJ,
	.when = { { "config.mqtt.password", J_NONEMPTY, NULL } },
	.cat = CAT_CREDENTIAL, .sev = SEV_CRITICAL, .conf = CONF_CONFIRMED, .cwe = 522,
	.title = "Zigbee2MQTT {$version|?} bridge/info publishes its MQTT password ({$config.mqtt.password}) for user '{$config.mqtt.user|?}' (fixed in 1.16.0)",
	.evidence = "$version,$config.mqtt.server,$config.mqtt.user,$config.mqtt.password",
	.redact = "$config.mqtt.user=name,$config.mqtt.password=secret",
	.remediation = "Upgrade Zigbee2MQTT, change the MQTT password, and clear the retained bridge/info. " RM_Z2M,
},
{
	.id = "zigbee2mqtt.network_key",
	.topic = "{base}/bridge/info", .payload = PK_OBJ,
	.when = { { "config.advanced.network_key", J_PRESENT, NULL }, { "config.advanced.network_key", J_NE, "GENERATE" } },
	.cat = CAT_NETWORK_KEY, .sev = SEV_CRITICAL, .conf = CONF_CONFIRMED, .cwe = 522,
	.title = "Zigbee2MQTT bridge/info publishes the Zigbee network key: anyone can decrypt and inject Zigbee traffic",
	.evidence = "network_key=$config.advanced.network_key,$version",
	.redact = "$config.advanced.network_key=secret",
	.remediation = "Re-pair the Zigbee network with a new key, upgrade Zigbee2MQTT. " RM_Z2M,
},
{
	.id = "zigbee2mqtt.frontend_token",
	.topic = "{base}/bridge/info", .payload = PK_OBJ,
	.when = { { "config.frontend.auth_token", J_NONEMPTY, NULL } },
	.cat = CAT_CREDENTIAL, .sev = SEV_CRITICAL, .conf = CONF_CONFIRMED, .cwe = 522,
	.title = "Zigbee2MQTT bridge/info publishes the frontend auth token ({$config.frontend.auth_token})",
	.evidence = "$config.frontend.auth_token,$config.frontend.port",
	.redact = "$config.frontend.auth_token=secret",
	.remediation = "Change the frontend auth_token and upgrade Zigbee2MQTT. " RM_Z2M,
},
{
	.id = "zigbee2mqtt.bridge_info",
	.topic = "{base}/bridge/info", .payload = PK_OBJ,
	.when = { { "version", J_PRESENT, NULL }, { "coordinator", J_OBJ, NULL } },
	.cat = CAT_DEVICE_INVENTORY, .sev = SEV_MEDIUM, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "Zigbee2MQTT {$version} bridge info: coordinator {$coordinator.ieee_address|?}, PAN {$network.pan_id|?} channel {$network.channel|?}, MQTT user '{$config.mqtt.user|?}', adapter {$config.serial.port|?}",
	.evidence = "$version,$coordinator.ieee_address,$coordinator.type,$network.pan_id,$network.extended_pan_id,$network.channel,$config.mqtt.server,$config.mqtt.user,$config.serial.port,$config.frontend.port,$permit_join",
	.redact = "$config.mqtt.user=name",
	.remediation = RM_Z2M,
},
{
	.id = "zigbee2mqtt.devices",
	.topic = "{base}/bridge/devices", .payload = PK_ARR, .hook = hook_z2m_devices,
	.cat = CAT_DEVICE_INVENTORY, .sev = SEV_MEDIUM, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "Zigbee2MQTT device inventory: {n} device(s) with IEEE addresses and models, including {locks} lock(s) and {contacts} contact sensor(s) ({names})",
	.evidence = "n,locks,contacts,names",
	.redact = "n=safe,locks=safe,contacts=safe",
	.remediation = RM_Z2M,
},
{
	.id = "zigbee2mqtt.bridge_state", .group = "z2m.state",
	.topic = "{base}/bridge/state", .payload = PK_OBJ,
	.when = { { "state", J_ONEOF, "online|offline" } },
	.cat = CAT_DEVICE_INVENTORY, .sev = SEV_INFO, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "A Zigbee2MQTT bridge uses this broker (bridge state {$state})",
	.evidence = "$state",
	.remediation = RM_Z2M,
},
{
	.id = "zigbee2mqtt.bridge_state", .group = "z2m.state",
	.topic = "{base}/bridge/state", .payload = PK_TEXT, .text = "online|offline",
	.cat = CAT_DEVICE_INVENTORY, .sev = SEV_INFO, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "A Zigbee2MQTT bridge uses this broker (bridge state {payload}, legacy format)",
	.evidence = "state=payload",
	.remediation = RM_Z2M,
},
{
	.id = "zigbee2mqtt.extensions",
	.topic = "{base}/bridge/{k:converters|extensions}", .payload = PK_ARR,
	.when = { { "0.code", J_STR, NULL } },
	.cat = CAT_DEVICE_INVENTORY, .sev = SEV_MEDIUM, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "Zigbee2MQTT publishes the source code of its user {k} (may embed secrets)",
	.evidence = "k,first=$0.name",
	.remediation = RM_Z2M,
},
{
	.id = "zigbee2mqtt.contact", .group = "z2m.dev",
	.topic = "{base}/{dev}", .payload = PK_OBJ,
	.when = { { "contact", J_EQ, "false" } },
	.cat = CAT_DOOR_STATE, .sev = SEV_HIGH, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "Contact sensor '{dev}' reports OPEN now (contact: false)",
	.evidence = "dev,$contact,$battery,$linkquality",
	.remediation = RM_Z2M,
},
{
	.id = "zigbee2mqtt.contact", .group = "z2m.dev",
	.topic = "{base}/{dev}", .payload = PK_OBJ,
	.when = { { "contact", J_EQ, "true" } },
	.cat = CAT_DOOR_STATE, .sev = SEV_HIGH, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "Contact sensor '{dev}' reports closed now (contact: true); its open/closed history is readable",
	.evidence = "dev,$contact,$battery,$linkquality",
	.remediation = RM_Z2M,
},
{
	.id = "zigbee2mqtt.lock", .group = "z2m.dev",
	.topic = "{base}/{dev}", .payload = PK_OBJ,
	.when = { { "lock_state", J_ONEOF, "unlocked|not_fully_locked|unlocking" } },
	.cat = CAT_DOOR_STATE, .sev = SEV_HIGH, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "Lock '{dev}' reports UNLOCKED now (lock_state {$lock_state}); {base}/{dev}/set would accept {\"state\":\"UNLOCK\"}",
	.evidence = "dev,$lock_state,$state,$action,$battery",
	.remediation = RM_Z2M,
},
{
	.id = "zigbee2mqtt.lock", .group = "z2m.dev",
	.topic = "{base}/{dev}", .payload = PK_OBJ,
	.when = { { "lock_state", J_STR, NULL } },
	.cat = CAT_DOOR_STATE, .sev = SEV_HIGH, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "Lock '{dev}' reports '{$lock_state}' now; {base}/{dev}/set would accept {\"state\":\"UNLOCK\"}",
	.evidence = "dev,$lock_state,$state,$battery",
	.remediation = RM_Z2M,
},
{
	.id = "zigbee2mqtt.occupancy", .group = "z2m.dev",
	.topic = "{base}/{dev}", .payload = PK_OBJ,
	.when = { { "occupancy", J_BOOL, NULL }, { "linkquality", J_PRESENT, NULL } },
	.cat = CAT_PRESENCE, .sev = SEV_HIGH, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "Occupancy sensor '{dev}' reports occupancy={$occupancy} now",
	.evidence = "dev,$occupancy,$illuminance",
	.remediation = RM_Z2M,
},
{
	.id = "zigbee2mqtt.set", .group = "z2m.dev",
	.topic = "{base}/{dev}/set", .payload = PK_OBJ,
	.cat = CAT_ACTUATOR_CONTROL, .sev = SEV_HIGH, .conf = CONF_INFERRED, .cwe = 306,
	.title = "A command to Zigbee device '{dev}' is readable on {base}/{dev}/set: the device probably obeys anyone who can publish there",
	.evidence = "dev,$state",
	.remediation = RM_Z2M,
},
};

const struct rule_table cls_rules_zigbee2mqtt = { "zigbee2mqtt", rules, sizeof(rules) / sizeof(rules[0]) };
