/* The fix table (see fixes.h). Rows are tried in order: the specific ones (finding ids)
 * before the category fallbacks, for one software before "any". Snippets are what the
 * owner types, with placeholder names (homeassistant, phone1, sensors) and the paths of a
 * Debian/Ubuntu package or of the Home Assistant add-on. */
#include "output/fixes.h"
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "output/jget.h"
#include "output/record.h"

static const char *const sw_names[FSW__COUNT] = {
	[FSW_ANY] = "any software",
	[FSW_MOSQUITTO] = "Mosquitto",
	[FSW_HA_ADDON] = "the Home Assistant Mosquitto add-on",
	[FSW_AEDES] = "Aedes",
	[FSW_RABBITMQ] = "RabbitMQ",
	[FSW_OTHER] = "this broker",
};

const char *fix_sw_name(enum fix_sw sw)
{
	return (unsigned)sw < FSW__COUNT ? sw_names[sw] : sw_names[FSW_ANY];
}

static const struct {
	const char *product;
	enum fix_sw sw;
} products[] = {
	{"mosquitto", FSW_MOSQUITTO},
	{"aedes", FSW_AEDES},
	{"rabbitmq", FSW_RABBITMQ},
};

enum fix_sw fix_sw_of_product(const char *product)
{
	if (!product || !product[0])
		return FSW_ANY;
	for (size_t i = 0; i < sizeof(products) / sizeof(products[0]); i++)
		if (strcasecmp(product, products[i].product) == 0)
			return products[i].sw;
	return FSW_OTHER;
}

#define MOSQ_ACL_WHERE "/etc/mosquitto/conf.d/acl.conf and /etc/mosquitto/acl"
#define ADDON_ACL_CONFIG                                                                   \
	"# the add-on's Configuration tab\n"                                               \
	"customize:\n"                                                                     \
	"  active: true\n"                                                                 \
	"  folder: mosquitto\n"                                                            \
	"\n"                                                                               \
	"# /share/mosquitto/acl.conf\n"                                                    \
	"acl_file /share/mosquitto/accesscontrollist\n"                                    \
	"\n"                                                                               \
	"# /share/mosquitto/accesscontrollist\n"                                           \
	"user addons\n"                                                                    \
	"topic readwrite #\n"                                                              \
	"user homeassistant\n"                                                             \
	"topic readwrite #\n"                                                              \
	"pattern readwrite owntracks/%u/#\n"

/* clang-format off */
static const struct fix fixes[] = {
	/* ---- who may connect ---- */
	{"mosquitto.anonymous", "mqtt.anonymous", -1, FSW_MOSQUITTO,
	 "Turn off anonymous access",
	 "Mosquitto 2 refuses clients without a user name unless allow_anonymous true is set. "
	 "Remove that line, give every client (Home Assistant, each phone, each device bridge) "
	 "its own account and restart Mosquitto. With per_listener_settings true, put both lines "
	 "under every listener.",
	 "/etc/mosquitto/conf.d/auth.conf (or mosquitto.conf)",
	 "allow_anonymous false\n"
	 "password_file /etc/mosquitto/passwd\n",
	 "sudo mosquitto_passwd -c /etc/mosquitto/passwd homeassistant   # -c: first account only\n"
	 "sudo mosquitto_passwd /etc/mosquitto/passwd phone1\n"
	 "sudo systemctl restart mosquitto\n"},
	{"addon.anonymous", "mqtt.anonymous", -1, FSW_HA_ADDON,
	 "Close the add-on to anonymous clients",
	 "The add-on never lets anonymous clients in by itself: a file in its customize folder "
	 "with allow_anonymous true (or the old anonymous: true option) does. Remove that line, "
	 "add an account for each device under Logins in the add-on's Configuration tab, and "
	 "restart the add-on. Home Assistant's own users can log in already.",
	 "Settings > Add-ons > Mosquitto broker > Configuration, and /share/mosquitto/*.conf",
	 "logins:\n"
	 "  - username: sensors\n"
	 "    password: \"16 or more random characters\"\n",
	 NULL},
	{"aedes.anonymous", "mqtt.anonymous|mqtt.any_credentials", -1, FSW_AEDES,
	 "Check every client's password in Aedes",
	 "Aedes lets every client in unless the program that embeds it passes an authenticate "
	 "function that checks the password; add one (or fix the one that says yes to "
	 "everyone), and authorizeSubscribe/authorizePublish to limit each account to "
	 "its topics.",
	 "the JavaScript that creates the broker",
	 "const aedes = require('aedes')({\n"
	 "  authenticate: (client, username, password, done) =>\n"
	 "    done(null, checkPassword(username, password)),  // your own account check\n"
	 "})\n",
	 NULL},
	{"rabbitmq.anonymous", "mqtt.anonymous", -1, FSW_RABBITMQ,
	 "Turn off anonymous MQTT in RabbitMQ",
	 "RabbitMQ's MQTT plugin logs anonymous clients in as its default user. Turn that off, "
	 "remove or restrict the guest user, and give each client its own user with topic "
	 "permissions.",
	 "/etc/rabbitmq/rabbitmq.conf",
	 "mqtt.allow_anonymous = false\n",
	 "sudo rabbitmqctl add_user sensors 'a long random password'\n"
	 "sudo systemctl restart rabbitmq-server\n"},
	{"mosquitto.any_credentials", "mqtt.any_credentials", -1, FSW_MOSQUITTO,
	 "Make the password check refuse unknown accounts",
	 "This broker lets in any user name with any password: usually an authentication plugin "
	 "that accepts every login, or a listener whose password settings never apply. Check "
	 "every listener with mqttsweep lint, keep one password_file (or a plugin that checks "
	 "passwords) and restart.",
	 "/etc/mosquitto/conf.d/auth.conf (or mosquitto.conf)",
	 "allow_anonymous false\n"
	 "password_file /etc/mosquitto/passwd\n",
	 "mqttsweep lint /etc/mosquitto/mosquitto.conf\n"},
	{"any.any_credentials", "mqtt.any_credentials", -1, FSW_ANY,
	 "Make the password check refuse unknown accounts",
	 "Any user name with any password gets in: the broker's authentication accepts "
	 "everyone. Configure a password database or authentication plugin that refuses "
	 "unknown accounts.",
	 NULL, NULL, NULL},

	/* ---- clear text ---- */
	{"mosquitto.tls", "mqtt.cleartext_credentials|mqtt.cleartext_auth", -1, FSW_MOSQUITTO,
	 "Keep plain MQTT on this machine and offer TLS to the network",
	 "Passwords cross the network in clear text on this port. Bind the plain listener to "
	 "localhost for software on the same machine and let everything else connect with TLS "
	 "(a certificate from your own CA or Let's Encrypt; clients then use port 8883).",
	 "/etc/mosquitto/conf.d/listeners.conf",
	 "listener 1883 127.0.0.1\n"
	 "\n"
	 "listener 8883\n"
	 "certfile /etc/mosquitto/certs/server.crt\n"
	 "keyfile /etc/mosquitto/certs/server.key\n",
	 "sudo systemctl restart mosquitto\n"},
	{"addon.tls", "mqtt.cleartext_credentials|mqtt.cleartext_auth", -1, FSW_HA_ADDON,
	 "Offer only the add-on's TLS ports",
	 "Passwords cross the network in clear text on 1883 (and 1884). In the add-on's Network "
	 "settings leave 1883 and 1884 empty so only 8883 and 8884 (TLS) are published; the add-on "
	 "needs a certificate in /ssl for them.",
	 "Settings > Add-ons > Mosquitto broker > Configuration (Network and options)",
	 "certfile: fullchain.pem\n"
	 "keyfile: privkey.pem\n",
	 NULL},

	/* ---- who may read what: ACLs ---- */
	{"mosquitto.acl_owntracks", "owntracks.*", -1, FSW_MOSQUITTO,
	 "Give each OwnTracks phone its own account and topic",
	 "With an ACL each phone reads and writes only owntracks/<its account>/; the account "
	 "Home Assistant (or the OwnTracks Recorder) uses reads them all. Also turn on payload "
	 "encryption in the app (Preferences > Connection > Encryption key).",
	 MOSQ_ACL_WHERE,
	 "# /etc/mosquitto/conf.d/acl.conf\n"
	 "acl_file /etc/mosquitto/acl\n"
	 "\n"
	 "# /etc/mosquitto/acl\n"
	 "pattern readwrite owntracks/%u/#\n"
	 "user homeassistant\n"
	 "topic read owntracks/#\n",
	 "sudo systemctl restart mosquitto\n"},
	{"mosquitto.acl_tasmota", "tasmota.*", -1, FSW_MOSQUITTO,
	 "Give each Tasmota device an account named like its topic",
	 "A device then reads only its own commands and writes only its own state; only the "
	 "home controller may send commands.",
	 MOSQ_ACL_WHERE,
	 "# /etc/mosquitto/acl\n"
	 "pattern read cmnd/%u/#\n"
	 "pattern write stat/%u/#\n"
	 "pattern write tele/%u/#\n"
	 "pattern readwrite tasmota/discovery/#\n"
	 "user homeassistant\n"
	 "topic readwrite #\n",
	 "sudo systemctl restart mosquitto\n"},
	{"mosquitto.acl_ha", "homeassistant.*|zigbee2mqtt.*|shelly.*|shelly2.*|esphome.*|"
	 "mqttdash.*|frigate.*|zwavejs.*|valetudo.*", -1, FSW_MOSQUITTO,
	 "Let only Home Assistant and the device bridges read and command devices",
	 "Give Home Assistant, Zigbee2MQTT and each other bridge its own account; the ACL lets "
	 "each one reach only its own topics, and nobody else reads states or sends commands.",
	 MOSQ_ACL_WHERE,
	 "# /etc/mosquitto/conf.d/acl.conf\n"
	 "acl_file /etc/mosquitto/acl\n"
	 "\n"
	 "# /etc/mosquitto/acl\n"
	 "user homeassistant\n"
	 "topic readwrite #\n"
	 "user zigbee2mqtt\n"
	 "topic readwrite zigbee2mqtt/#\n"
	 "topic readwrite homeassistant/#\n",
	 "sudo systemctl restart mosquitto\n"},
	{"addon.acl", "owntracks.*|tasmota.*|homeassistant.*|zigbee2mqtt.*|shelly.*|shelly2.*|"
	 "esphome.*|mqttdash.*|frigate.*|zwavejs.*|valetudo.*", -1, FSW_HA_ADDON,
	 "Give the add-on an ACL through its customize folder",
	 "Without an ACL every login of the add-on reads and writes every topic. Turn on the "
	 "customize folder and give the add-on an ACL file: addons and homeassistant keep "
	 "everything, each OwnTracks phone gets its own subtree.",
	 "the add-on's Configuration tab and /share/mosquitto/",
	 ADDON_ACL_CONFIG, NULL},
	{"aedes.acl", "owntracks.*|tasmota.*|homeassistant.*|zigbee2mqtt.*|shelly.*|shelly2.*",
	 -1, FSW_AEDES,
	 "Limit each Aedes client to its own topics",
	 "Pass authorizeSubscribe and authorizePublish functions that allow each account only "
	 "its own topic subtree.",
	 "the JavaScript that creates the broker",
	 "authorizeSubscribe: (client, sub, done) =>\n"
	 "  done(null, mayRead(client, sub.topic) ? sub : null),   // null refuses it\n",
	 NULL},

	/* ---- secrets: rotate ---- */
	{"rotate.owntracks", "owntracks.config_password|owntracks.config", -1, FSW_ANY,
	 "Change the phone's broker password and clear its retained configuration",
	 "The app's configuration, password included, is stored on the broker as a retained "
	 "message. Set a new password for that account, enter it in the app, and publish an empty "
	 "retained message to the dump topic to delete it.",
	 NULL, NULL,
	 "sudo mosquitto_passwd /etc/mosquitto/passwd USER    # Mosquitto\n"
	 "mosquitto_pub -h BROKER -u homeassistant -P PASSWORD -t 'owntracks/USER/DEVICE/dump' -r -n\n"},
	{"rotate.alarm_code", "homeassistant.alarm_code", -1, FSW_ANY,
	 "Change the alarm code and keep it out of MQTT discovery",
	 "Set code: REMOTE_CODE in the alarm panel's MQTT configuration so Home Assistant asks for "
	 "the code instead of publishing it, then change the code on the panel.",
	 "the alarm panel's MQTT configuration", "code: REMOTE_CODE\n", NULL},
	{"rotate.z2m_password", "zigbee2mqtt.mqtt_password|zigbee2mqtt.frontend_token", -1,
	 FSW_ANY,
	 "Change Zigbee2MQTT's passwords and upgrade it",
	 "Zigbee2MQTT 1.15 and 1.16 publish their MQTT password and frontend token in "
	 "zigbee2mqtt/bridge/info. Upgrade Zigbee2MQTT, then set a new MQTT password (on the "
	 "broker and in its configuration) and a new frontend auth_token.",
	 "Zigbee2MQTT's data/configuration.yaml",
	 "mqtt:\n"
	 "  password: \"a new password\"\n"
	 "frontend:\n"
	 "  auth_token: \"a new long random string\"\n",
	 NULL},
	{"rotate.zigbee_key",
	 "zigbee2mqtt.network_key|files.zigbee_network_key|files.zigbee_default_network_key", -1,
	 FSW_ANY,
	 "Give the Zigbee network a new key",
	 "Anyone in radio range who knows the network key can read and forge Zigbee traffic. Let "
	 "Zigbee2MQTT generate a new key; every device must be paired again afterwards.",
	 "Zigbee2MQTT's data/configuration.yaml",
	 "advanced:\n"
	 "  network_key: GENERATE\n",
	 NULL},
	{"rotate.ha_files", "files.*|smb.ha_file", -1, FSW_ANY,
	 "Change every secret the share exposed",
	 "Treat what was readable as known: change the passwords and tokens in secrets.yaml and "
	 "of the integrations in .storage, revoke Home Assistant refresh tokens (Profile > "
	 "Security) and regenerate webhook ids, then close the share.",
	 NULL, NULL, NULL},
	{"rotate.credential", NULL, CAT_CREDENTIAL, FSW_ANY,
	 "Change the leaked password or token",
	 "Change it where it is used. A retained message keeps it on the broker: publish an empty "
	 "retained message (mosquitto_pub -r -n -t TOPIC) to delete it, and stop the device from "
	 "publishing it.",
	 NULL, NULL, NULL},
	{"rotate.network_key", NULL, CAT_NETWORK_KEY, FSW_ANY,
	 "Change the network key",
	 "Anyone in radio range who knows the key can join or read the network. Generate a new "
	 "key; the devices must be included again.",
	 NULL, NULL, NULL},

	/* ---- dashboards and shares on the same host ---- */
	{"nodered.admin_auth", "nodered.admin_open|nodered.flows_readable", -1, FSW_ANY,
	 "Turn on Node-RED's adminAuth",
	 "Without adminAuth anyone who reaches the editor reads the flows and deploys new ones, "
	 "which runs code on this machine. Add an account to settings.js and restart Node-RED.",
	 "~/.node-red/settings.js",
	 "adminAuth: {\n"
	 "    type: \"credentials\",\n"
	 "    users: [{\n"
	 "        username: \"admin\",\n"
	 "        password: \"<the hash node-red admin hash-pw printed>\",\n"
	 "        permissions: \"*\"\n"
	 "    }]\n"
	 "},\n",
	 "node-red admin hash-pw\n"},
	{"nodered.http_auth", "nodered.dashboard_open", -1, FSW_ANY,
	 "Protect Node-RED's dashboard and HTTP endpoints",
	 "httpNodeAuth asks for a login before the dashboard and every HTTP-in node.",
	 "~/.node-red/settings.js",
	 "httpNodeAuth: {user: \"user\", pass: \"<a hash from node-red admin hash-pw>\"},\n",
	 NULL},
	{"samba.no_guest", "smb.guest_share|smb.ha_files", -1, FSW_ANY,
	 "Turn off Samba guest access",
	 "A share that opens without a password gives its files to anyone on the network. Map "
	 "no one to guest, drop guest ok, and let named accounts in. On Home Assistant OS use the "
	 "Samba share add-on (it requires a password) and limit allow_hosts to your network.",
	 "/etc/samba/smb.conf",
	 "[global]\n"
	 "   map to guest = Never\n"
	 "   restrict anonymous = 2\n"
	 "\n"
	 "[config]\n"
	 "   guest ok = no\n"
	 "   valid users = homeassistant\n",
	 "sudo smbpasswd -a homeassistant\n"
	 "sudo systemctl restart smbd\n"},
	{"z2m.auth_token", "z2m.frontend_open", -1, FSW_ANY,
	 "Set a token on Zigbee2MQTT's frontend",
	 "The frontend controls every Zigbee device. With auth_token set it asks for the token; "
	 "binding it to localhost keeps it off the network entirely.",
	 "Zigbee2MQTT's data/configuration.yaml",
	 "frontend:\n"
	 "  auth_token: \"a long random string\"\n"
	 "  host: 127.0.0.1\n",
	 NULL},
	{"ha.onboarding", "ha.onboarding_open", -1, FSW_ANY,
	 "Finish Home Assistant's onboarding now",
	 "Until the first account exists, whoever opens the page first becomes the owner. Create "
	 "the owner account, or stop the port being reachable until you do.",
	 NULL, NULL, NULL},
	{"ha.trusted_networks", "ha.trusted_networks", -1, FSW_ANY,
	 "Remove trusted_networks from Home Assistant's login",
	 "trusted_networks logs in whoever comes from the listed addresses, without a password. "
	 "Remove the provider, or narrow it to 127.0.0.1.",
	 "configuration.yaml (homeassistant: auth_providers:)",
	 "homeassistant:\n"
	 "  auth_providers:\n"
	 "    - type: homeassistant\n",
	 NULL},
	{"esphome.password", "esphome.open", -1, FSW_ANY,
	 "Protect the ESPHome dashboard",
	 "The dashboard shows every device's YAML (Wi-Fi passwords, API keys) and flashes "
	 "firmware. Start it with a login; in the add-on, turn leave_front_door_open off.",
	 NULL, NULL,
	 "esphome dashboard --username admin --password 'a long password' config/\n"},

	/* ---- category fallbacks: the broker keeps its data to accounts ---- */
	{"mosquitto.acl", NULL, CAT_LOCATION, FSW_MOSQUITTO,
	 "Give each client its own account and topics",
	 "An ACL lets each account reach only its topics; nobody without an account reads "
	 "anything.",
	 MOSQ_ACL_WHERE,
	 "# /etc/mosquitto/conf.d/acl.conf\n"
	 "acl_file /etc/mosquitto/acl\n"
	 "\n"
	 "# /etc/mosquitto/acl\n"
	 "pattern readwrite clients/%u/#\n"
	 "user homeassistant\n"
	 "topic readwrite #\n",
	 "sudo systemctl restart mosquitto\n"},
	{"addon.acl_any", NULL, CAT_LOCATION, FSW_HA_ADDON,
	 "Give the add-on an ACL through its customize folder",
	 "Without an ACL every login of the add-on reads and writes every topic.",
	 "the add-on's Configuration tab and /share/mosquitto/",
	 ADDON_ACL_CONFIG, NULL},
};
/* clang-format on */
#define NFIXES (sizeof(fixes) / sizeof(fixes[0]))

/* The categories the two ACL fallback rows (written for CAT_LOCATION) also stand for:
 * what a broker gives away to readers and commanders. */
static bool acl_category(int category)
{
	switch (category) {
	case CAT_LOCATION: case CAT_PRESENCE: case CAT_DOOR_STATE: case CAT_ACTUATOR_CONTROL:
	case CAT_DEVICE_INVENTORY: case CAT_DASHBOARD:
		return true;
	default:
		return false;
	}
}

/* How well one '|'-separated entry of list matches id: 3 the id itself, 2 a "prefix.*"
 * entry, 0 none. */
static int id_match(const char *list, const char *id)
{
	size_t idlen = strlen(id);
	int best = 0;

	for (const char *p = list; *p;) {
		const char *bar = strchr(p, '|');
		size_t n = bar ? (size_t)(bar - p) : strlen(p);

		if (n >= 2 && p[n - 1] == '*' && p[n - 2] == '.') {
			if (idlen >= n - 1 && strncmp(id, p, n - 1) == 0 && best < 2)
				best = 2;
		} else if (n == idlen && strncmp(id, p, n) == 0) {
			return 3;
		}
		p += n + (bar ? 1 : 0);
	}
	return best;
}

/* 3 the finding id named, 2 its prefix, 1 its category, 0 no match. */
static int row_match(const struct fix *f, const char *id, int category)
{
	if (f->findings)
		return id ? id_match(f->findings, id) : 0;
	if (f->category == CAT_LOCATION)
		return acl_category(category) ? 1 : 0;
	return f->category == category ? 1 : 0;
}

/* The closest row (the id over a prefix over a category); among equals, one written for
 * the software over one for any, then the first in the table. */
const struct fix *fix_lookup(const char *finding_id, int category, enum fix_sw sw)
{
	const struct fix *best = NULL;
	int best_score = 0;

	for (size_t i = 0; i < NFIXES; i++) {
		const struct fix *f = &fixes[i];
		int m = row_match(f, finding_id, category), score;

		if (!m || (f->sw != FSW_ANY && (f->sw != sw || sw == FSW_ANY)))
			continue;
		score = m * 2 + (f->sw != FSW_ANY);
		if (score > best_score) {
			best = f;
			best_score = score;
		}
	}
	return best;
}

const struct fix *fix_table(size_t *n)
{
	*n = NFIXES;
	return fixes;
}

bool fix_is_addon(const struct addon_signals *s)
{
	int score = s->ports + s->account + s->ha_traffic + 2 * s->ha_cert + s->ha_host;

	return !s->not_mosquitto && score >= 2;
}

void fix_addon_why(const struct addon_signals *s, char *out, size_t cap)
{
	static const char *const words[] = {
		"its ports (two of 1883, 1884, 8883, 8884)", "an account named addons",
		"Home Assistant topics", "a certificate for Home Assistant's broker",
		"Home Assistant on the same address",
	};
	const bool on[] = {s->ports, s->account, s->ha_traffic, s->ha_cert, s->ha_host};
	size_t len = 0;

	if (cap)
		out[0] = '\0';
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]) && len < cap; i++) {
		int w;

		if (!on[i])
			continue;
		w = snprintf(out + len, cap - len, "%s%s", len ? ", " : "", words[i]);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

static const char *const meanings[CAT__COUNT] = {
	[CAT_LOCATION] = "Anyone who connects learns where people are, or were.",
	[CAT_PRESENCE] = "Anyone who connects learns who is at home and when.",
	[CAT_DOOR_STATE] = "Anyone who connects learns whether a door or lock is open.",
	[CAT_ACTUATOR_CONTROL] = "Anyone who can publish could switch or open this device.",
	[CAT_CREDENTIAL] = "A password or token is readable: with it, an outsider logs in as "
			   "its owner.",
	[CAT_NETWORK_KEY] = "A network key is readable: anyone in radio range can join or read "
			    "the network.",
	[CAT_DEVICE_INVENTORY] = "An outsider learns which devices the home has, with names and "
				 "addresses.",
	[CAT_BROKER_INFO] = "How the broker itself is set up and what it lets an outsider do.",
	[CAT_DASHBOARD] = "A control panel on this host opens without a login.",
	[CAT_FILE_SHARE] = "Files on this host can be read without a password.",
};

const char *fix_meaning(int category)
{
	if (category < 0 || category >= CAT__COUNT)
		return "A finding of a kind this version has no sentence for.";
	return meanings[category];
}

static bool has_any(const char *s, const char *const *words)
{
	for (; s && *words; words++)
		if (strcasestr(s, *words))
			return true;
	return false;
}

void fix_signal_text(struct addon_signals *s, enum fix_src k, const char *text)
{
	static const char *const ha_names[] = {"core-mosquitto", "homeassistant", NULL};
	static const char *const addons[] = {"'addons'", "\"addons\"", NULL};
	static const char *const ha[] = {"Home Assistant", NULL};

	switch (k) {
	case FX_CERT_NAME:
		s->ha_cert |= has_any(text, ha_names);
		break;
	case FX_HTTP_PRODUCT:
		s->ha_host |= has_any(text, ha);
		break;
	case FX_PRODUCT:
		s->not_mosquitto |= text && strcasecmp(text, "mosquitto") != 0;
		break;
	case FX_FINDING_ID:
		s->ha_traffic |= text && !strncmp(text, "homeassistant.", 14);
		break;
	case FX_FINDING_TEXT:
		s->account |= has_any(text, addons);
		break;
	}
}

void fix_signals_add(struct addon_signals *s, const cJSON *rec)
{
	const cJSON *cert = jget(jget(rec, "tls"), "certificate"), *d, *f;
	const char *probe = jstr(rec, "probe");

	cJSON_ArrayForEach(d, jget(jget(cert, "san"), "dns"))
		if (cJSON_IsString(d))
			fix_signal_text(s, FX_CERT_NAME, d->valuestring);
	fix_signal_text(s, FX_CERT_NAME, jstr(jget(cert, "subject"), "CN"));
	if (probe && !strcmp(probe, "http"))
		fix_signal_text(s, FX_HTTP_PRODUCT, jstr(jget(rec, "http"), "product"));
	fix_signal_text(s, FX_PRODUCT, jstr(jget(rec, "broker"), "product"));
	cJSON_ArrayForEach(f, jget(rec, "findings")) {
		fix_signal_text(s, FX_FINDING_ID, jstr(f, "id"));
		fix_signal_text(s, FX_FINDING_TEXT, jstr(f, "title"));
		fix_signal_text(s, FX_FINDING_TEXT, jstr(f, "evidence"));
	}
}

enum fix_sw fix_sw_for(const char *product, const struct addon_signals *s)
{
	if (product && strcasecmp(product, "mosquitto"))
		return fix_sw_of_product(product);
	if (fix_is_addon(s))
		return FSW_HA_ADDON;
	return product ? FSW_MOSQUITTO : FSW_ANY;
}
