/* Generic rules, last in order and R_GENERIC: they only speak when no ecosystem rule
 * already reported the same category for the message. Location is precision-aware: the
 * hook's argument is the minimum number of decimals (4 ≈ 11 m: high; 2 ≈ 1 km: medium;
 * coarser or integer positions: low). Also: secret-named keys, private keys, JWTs, e-mail
 * addresses, and MAC/IP addresses. Also the index of all tables (evaluation order). */
#include "classify/cls_int.h"

#define RM_GEN "Require authentication on the broker and restrict who may read this topic with an ACL; " \
	"do not publish secrets or personal data over MQTT."

static const struct rule rules[] = {
{
	.id = "generic.private_key", .group = "gen.cred", .flags = R_GENERIC | R_NOSYS,
	.payload = PK_NONEMPTY, .hook = hook_gen_private_key,
	.cat = CAT_CREDENTIAL, .sev = SEV_CRITICAL, .conf = CONF_CONFIRMED, .cwe = 522,
	.title = "Payload contains private key material ({where})",
	.evidence = "where",
	.redact = "where=safe",
	.remediation = "Replace the key pair now. " RM_GEN,
},
{
	.id = "generic.secret", .group = "gen.cred", .flags = R_GENERIC | R_NOSYS,
	.payload = PK_ANY, .hook = hook_gen_secret,
	.cat = CAT_CREDENTIAL, .sev = SEV_CRITICAL, .conf = CONF_CONFIRMED, .cwe = 522,
	.title = "Payload carries a secret in '{key}' ({value}){more}",
	.evidence = "key,value,keys",
	.redact = "key=safe,more=safe,keys=safe",
	.remediation = "Change the exposed secret. " RM_GEN,
},
{
	.id = "generic.jwt", .group = "gen.cred", .flags = R_GENERIC | R_NOSYS,
	.payload = PK_NONEMPTY, .hook = hook_gen_jwt,
	.cat = CAT_CREDENTIAL, .sev = SEV_HIGH, .conf = CONF_CONFIRMED, .cwe = 522,
	.title = "Payload carries a JSON Web Token ({value})",
	.evidence = "value",
	.redact = "value=secret",
	.remediation = "Revoke the token. " RM_GEN,
},
{
	.id = "generic.location", .group = "gen.loc", .flags = R_GENERIC | R_NOSYS,
	.payload = PK_ANY, .hook = hook_gen_latlon, .arg = "4",
	.cat = CAT_LOCATION, .sev = SEV_HIGH, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "Payload carries a precise position ({lat}, {lon}) in '{keys}'",
	.evidence = "lat,lon,keys,decimals",
	.redact = "lat=coord,lon=coord,keys=safe,decimals=safe",
	.remediation = RM_GEN,
},
{
	.id = "generic.location", .group = "gen.loc", .flags = R_GENERIC | R_NOSYS,
	.payload = PK_ANY, .hook = hook_gen_latlon, .arg = "2",
	.cat = CAT_LOCATION, .sev = SEV_MEDIUM, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "Payload carries a position ({lat}, {lon}, ~1 km precision) in '{keys}'",
	.evidence = "lat,lon,keys,decimals",
	.redact = "lat=coord,lon=coord,keys=safe,decimals=safe",
	.remediation = RM_GEN,
},
{
	.id = "generic.location_coarse", .group = "gen.loc", .flags = R_GENERIC | R_NOSYS,
	.payload = PK_ANY, .hook = hook_gen_latlon, .arg = "0",
	.cat = CAT_LOCATION, .sev = SEV_LOW, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "Payload carries a coarse fixed position ({lat}, {lon}) in '{keys}'",
	.evidence = "lat,lon,keys,decimals",
	.redact = "lat=coord,lon=coord,keys=safe,decimals=safe",
	.remediation = RM_GEN,
},
{
	.id = "generic.location", .group = "gen.loc", .flags = R_GENERIC | R_NOSYS,
	.topic = "{*rest}/{k:latitude|lat|Latitude|gps_latitude}", .payload = PK_NUM,
	.hook = hook_gen_coord_text, .arg = "4",
	.cat = CAT_LOCATION, .sev = SEV_HIGH, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "A precise latitude ({payload}) is published on its own topic",
	.evidence = "value=payload",
	.redact = "payload=coord",
	.remediation = RM_GEN,
},
{
	.id = "generic.location_coarse", .group = "gen.loc", .flags = R_GENERIC | R_NOSYS,
	.topic = "{*rest}/{k:latitude|lat|Latitude|gps_latitude}", .payload = PK_NUM,
	.hook = hook_gen_coord_text, .arg = "0",
	.cat = CAT_LOCATION, .sev = SEV_LOW, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "A coarse latitude ({payload}) is published on its own topic",
	.evidence = "value=payload",
	.redact = "payload=coord",
	.remediation = RM_GEN,
},
{
	.id = "generic.email", .flags = R_GENERIC | R_NOSYS,
	.payload = PK_NONEMPTY, .hook = hook_gen_email,
	.cat = CAT_DEVICE_INVENTORY, .sev = SEV_MEDIUM, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "Payload contains an e-mail address ({email})",
	.evidence = "email",
	.redact = "email=email",
	.remediation = RM_GEN,
},
{
	.id = "generic.network_ids", .flags = R_GENERIC | R_NOSYS,
	.payload = PK_OBJ, .hook = hook_gen_netid,
	.cat = CAT_DEVICE_INVENTORY, .sev = SEV_LOW, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "Payload reveals network identifiers ({what})",
	.evidence = "what",
	.remediation = RM_GEN,
},
};

const struct rule_table cls_rules_generic = { "generic", rules, sizeof(rules) / sizeof(rules[0]), NULL };

const struct rule_table *const cls_tables[] = {
	&cls_rules_broker, &cls_rules_owntracks, &cls_rules_homeassistant, &cls_rules_tasmota,
	&cls_rules_zigbee2mqtt, &cls_rules_misc, &cls_rules_named, &cls_rules_generic,
};
const size_t cls_ntables = sizeof(cls_tables) / sizeof(cls_tables[0]);
