/* OwnTracks and the OwnTracks Recorder (reference §1). Every _type has a rule; a status
 * message (no coordinates) has none on purpose. Encrypted payloads are "location present,
 * encrypted", not a leak. User and device topic levels name people: they are captures
 * named user/device, which the renderer masks under --evidence redacted. */
#include "classify/cls_int.h"

#define RM_OT "Give each OwnTracks device its own broker account with an ACL limited to " \
	"owntracks/<user>/#, deny anonymous access, and turn on OwnTracks payload encryption."
#define RM_OT_CMD "Disable remote commands (cmd) in the app unless needed, and let only the " \
	"owner's account publish to owntracks/<user>/<device>/cmd."

static const struct rule rules[] = {
{
	.id = "owntracks.recorder_republish", .group = "ot",
	.topic = "{*prefix}/owntracks/{user}/{device}", .payload = PK_OBJ,
	.when = { { "username", J_PRESENT, NULL }, { "lat", J_NUM, NULL }, { "lon", J_NUM, NULL } },
	.cat = CAT_LOCATION, .sev = SEV_CRITICAL, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "OwnTracks Recorder republishes {user}'s {device} location ({$lat}, {$lon}) with a street address, retained",
	.evidence = "$lat,$lon,$addr,$cc,$tst,user,device",
	.remediation = "Run the Recorder without --pubprefix, or restrict the republish prefix with an ACL. " RM_OT,
},
{
	.id = "owntracks.location", .group = "ot",
	.topic = "owntracks/{user}/{device}", .payload = PK_OBJ,
	.when = { { "_type", J_EQ, "location" }, { "lat", J_PRESENT, NULL }, { "lon", J_PRESENT, NULL } },
	.cat = CAT_LOCATION, .sev = SEV_CRITICAL, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "Live location of {user}'s {device} is readable: {$lat}, {$lon}{[ (accuracy {$acc} m)]}",
	.evidence = "$lat,$lon,$acc,$tst,$inregions,$SSID,$BSSID,$conn,$batt,user,device",
	.remediation = RM_OT,
},
{
	.id = "owntracks.location", .group = "ot",
	.topic = "{*base}/{user}/{device}", .payload = PK_OBJ,
	.when = { { "_type", J_EQ, "location" }, { "lat", J_NUM, NULL }, { "lon", J_NUM, NULL }, { "tst", J_PRESENT, NULL } },
	.cat = CAT_LOCATION, .sev = SEV_CRITICAL, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "Live location of {user}'s {device} (OwnTracks, custom topic base) is readable: {$lat}, {$lon}",
	.evidence = "$lat,$lon,$acc,$tst,$inregions,$SSID,user,device",
	.remediation = RM_OT,
},
{
	.id = "owntracks.location", .group = "ot",
	.topic = "owntracks/{user}/{device}", .payload = PK_TEXT, .hook = hook_ot_csv,
	.cat = CAT_LOCATION, .sev = SEV_CRITICAL, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "Live location of {user}'s {device} is readable: {$lat}, {$lon}{[ (accuracy {$acc} m)]}",
	.evidence = "lat,lon,tid,user,device",
	.redact = "lat=coord,lon=coord",
	.remediation = RM_OT,
},
{
	/* presence apart from the coordinates: the regions a location says the device is in
	 * ("inregions": ["home"]) tell who is at home, whatever the location rule reports */
	.id = "owntracks.in_region", .group = "ot_region",
	.topic = "owntracks/{user}/{device}", .payload = PK_OBJ,
	.when = { { "_type", J_EQ, "location" }, { "inregions", J_NONEMPTY, NULL } },
	.cat = CAT_PRESENCE, .sev = SEV_HIGH, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "{user}'s {device} reports which of its regions (such as home) it is in now: who is at home is readable",
	.evidence = "$inregions,$tst,user,device",
	.redact = "$inregions=name",
	.remediation = RM_OT,
},
{
	.id = "owntracks.transition", .group = "ot",
	.topic = "owntracks/{user}/{device}/event", .payload = PK_OBJ,
	.when = { { "_type", J_EQ, "transition" } },
	.cat = CAT_LOCATION, .sev = SEV_CRITICAL, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "{user}'s {device} reports it {$event|crossed} region{[ '{$desc}']}{[ at {$lat}, {$lon}]}",
	.evidence = "$event,$desc,$lat,$lon,$tst,user,device",
	.remediation = RM_OT,
},
{
	.id = "owntracks.waypoints", .group = "ot",
	.topic = "owntracks/{user}/{device}/{w:waypoints|waypoint}", .payload = PK_OBJ,
	.when = { { "_type", J_ONEOF, "waypoints|waypoint" } },
	.hook = hook_ot_waypoints,
	.cat = CAT_LOCATION, .sev = SEV_HIGH, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "{user}'s {device} exported {n} geofence(s) with exact coordinates ({names})",
	.evidence = "n,names,first_lat,first_lon,user,device",
	.redact = "first_lat=coord,first_lon=coord",
	.remediation = RM_OT,
},
{
	.id = "owntracks.card", .group = "ot",
	.topic = "owntracks/{user}/{device}/info", .payload = PK_OBJ,
	.when = { { "_type", J_EQ, "card" } },
	.cat = CAT_DEVICE_INVENTORY, .sev = SEV_MEDIUM, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "OwnTracks card maps tracker{[ '{$tid}']} of {user}/{device} to the full name{[ '{$name}']} and a face image",
	.evidence = "$name,$tid,face=$face,user,device",
	.redact = "$name=name,$face=drop",
	.remediation = RM_OT,
},
{
	.id = "owntracks.lwt", .group = "ot",
	.topic = "owntracks/{user}/{device}", .payload = PK_OBJ,
	.when = { { "_type", J_EQ, "lwt" } },
	.cat = CAT_PRESENCE, .sev = SEV_LOW, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "OwnTracks app of {user}/{device} lost its broker connection (last will{[, tst {$tst}]})",
	.evidence = "$tst,user,device",
	.remediation = RM_OT,
},
{
	.id = "owntracks.cmd", .group = "ot",
	.topic = "owntracks/{user}/{device}/cmd", .payload = PK_OBJ,
	.when = { { "_type", J_EQ, "cmd" } },
	.cat = CAT_ACTUATOR_CONTROL, .sev = SEV_HIGH, .conf = CONF_INFERRED, .cwe = 306,
	.title = "Remote commands to {user}'s {device} pass through this broker (action{[ '{$action}']}): anyone who can publish here can probably request its location or push a configuration",
	.evidence = "$action,user,device",
	.remediation = RM_OT_CMD,
},
{
	.id = "owntracks.config_password", .group = "ot",
	.topic = "owntracks/{user}/{device}/{*rest}", .payload = PK_OBJ,
	.when = { { "_type", J_EQ, "configuration" }, { "password", J_NONEMPTY, NULL } },
	.cat = CAT_CREDENTIAL, .sev = SEV_CRITICAL, .conf = CONF_CONFIRMED, .cwe = 522,
	.title = "OwnTracks configuration dump of {user}/{device} carries broker credentials: password {$password}{[ for user '{$username}']}{[ on {$host}]}{[ port {$port}]}",
	.evidence = "$host,$port,$username,$password,$tls,$deviceId,user,device",
	.redact = "$username=name,$password=secret",
	.remediation = "Change the broker password of this account now; delete the retained dump; " RM_OT,
},
{
	.id = "owntracks.config", .group = "ot",
	.topic = "owntracks/{user}/{device}/{*rest}", .payload = PK_OBJ,
	.when = { { "_type", J_EQ, "configuration" } },
	.cat = CAT_CREDENTIAL, .sev = SEV_HIGH, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "OwnTracks configuration dump of {user}/{device} reveals its broker account{[ '{$username}']}{[ at {$host}]}",
	.evidence = "$host,$port,$username,$tls,$deviceId,$cmd,$remoteConfiguration,user,device",
	.redact = "$username=name",
	.remediation = RM_OT,
},
{
	.id = "owntracks.encrypted", .group = "ot",
	.topic = "owntracks/{user}/{device}/{*rest}", .payload = PK_OBJ,
	.when = { { "_type", J_EQ, "encrypted" }, { "data", J_STR, NULL } },
	.cat = CAT_LOCATION, .sev = SEV_INFO, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "OwnTracks payload of {user}/{device} is encrypted: location present, content hidden (topic names the user and device)",
	.evidence = "user,device",
	.remediation = "Good: payload encryption is on. Also restrict the topic with an ACL: the names are metadata.",
},
{
	.id = "owntracks.steps", .group = "ot",
	.topic = "owntracks/{user}/{device}/{*rest}", .payload = PK_OBJ,
	.when = { { "_type", J_EQ, "steps" } },
	.cat = CAT_PRESENCE, .sev = SEV_LOW, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "Step counts of {user}'s {device} are readable{[ ({$steps} steps)]}",
	.evidence = "$steps,$from,$to,user,device",
	.remediation = RM_OT,
},
{
	.id = "owntracks.beacon", .group = "ot",
	.topic = "owntracks/{user}/{device}/{*rest}", .payload = PK_OBJ,
	.when = { { "_type", J_EQ, "beacon" } },
	.cat = CAT_PRESENCE, .sev = SEV_MEDIUM, .conf = CONF_CONFIRMED, .cwe = 359,
	.title = "{user}'s {device} reports being near iBeacon{[ '{$uuid}']}{[ (proximity {$prox})]}",
	.evidence = "$uuid,$major,$minor,$prox,$acc,user,device",
	.remediation = RM_OT,
},
{
	.id = "owntracks.request", .group = "ot",
	.topic = "owntracks/{user}/{device}/{*rest}", .payload = PK_OBJ,
	.when = { { "_type", J_EQ, "request" } },
	.cat = CAT_DEVICE_INVENTORY, .sev = SEV_INFO, .conf = CONF_CONFIRMED, .cwe = 200,
	.title = "OwnTracks request message from {user}/{device}{[ ({$request})]}",
	.evidence = "$request,user,device",
	.remediation = RM_OT,
},
};

const struct rule_table cls_rules_owntracks = {
	"owntracks", rules, sizeof(rules) / sizeof(rules[0]), cls_ot_on_match,
};
