/* The dashboard fingerprint table (data) and the rule engine (see http_fp.h).
 *
 * Sources: ../shared/reference/smart-home-formats.md §6 (tags there say how sure each
 * marker is). Principles: identification needs a marker only the product produces (a
 * title, a JSON shape), never a bare status; an "open" verdict needs a body that proves
 * data was served (JSON of the right shape), so a catch-all server that answers 200 to
 * every path is never called open. Every request is a GET (or a WebSocket upgrade GET);
 * nothing here changes state on the server. */
#include "probes/http_fp.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define P(path) { path, FPR_GET }
#define W(path) { path, FPR_WS }

const struct fp_product fp_products[] = {
	{ .id = "home_assistant", .name = "Home Assistant", .ports = { 8123 }, .ident_min = 2,
	  .paths = { P("/manifest.json"), P("/api/onboarding"), P("/"), P("/auth/providers") } },
	{ .id = "node_red", .name = "Node-RED", .ports = { 1880 }, .ident_min = 2,
	  .paths = { P("/"), P("/settings"), P("/flows"), P("/auth/login"), P("/ui/"),
		     P("/dashboard/") },
	  .version_path = "/settings", .version_key = "version" },
	{ .id = "zigbee2mqtt", .name = "Zigbee2MQTT front end", .ports = { 8080, 8099 },
	  .ident_min = 2, .paths = { P("/"), W("/api") } },
	{ .id = "zwave_js_ui", .name = "Z-Wave JS UI", .ports = { 8091 }, .ident_min = 2,
	  .paths = { P("/"), P("/api/auth-enabled") } },
	{ .id = "openhab", .name = "openHAB", .ports = { 8080, 8443 }, .ident_min = 2,
	  .paths = { P("/rest/"), P("/rest/items") },
	  .version_path = "/rest/", .version_key = "runtimeInfo.version" },
	{ .id = "domoticz", .name = "Domoticz", .ports = { 8080, 443 }, .ident_min = 2,
	  .paths = { P("/json.htm?type=command&param=getversion"),
		     P("/json.htm?type=command&param=getdevices") },
	  .version_path = "/json.htm?type=command&param=getversion", .version_key = "version" },
	{ .id = "iobroker", .name = "ioBroker admin", .ports = { 8081 }, .ident_min = 2,
	  .paths = { P("/") } },
	{ .id = "homebridge", .name = "Homebridge UI", .ports = { 8581 }, .ident_min = 2,
	  .paths = { P("/"), P("/api/auth/settings") },
	  .version_path = "/api/auth/settings", .version_key = "env.packageVersion" },
	{ .id = "esphome", .name = "ESPHome dashboard", .ports = { 6052 }, .ident_min = 2,
	  .paths = { P("/"), P("/devices"), P("/login") } },
	{ .id = "frigate", .name = "Frigate NVR", .ports = { 5000, 8971 }, .ident_min = 2,
	  .paths = { P("/api/version"), P("/api/config") },
	  .version_path = "/api/version" },
	{ .id = "grafana", .name = "Grafana", .ports = { 3000 }, .ident_min = 2,
	  .paths = { P("/api/health"), P("/login"), P("/api/search") },
	  .version_path = "/api/health", .version_key = "version" },
	/* EMQX 5.1-5.8: /api/v5/status?format=json has rel_vsn ("v5.8.9", "e5.8.9") without a
	 * login (apps/emqx_management/src/emqx_mgmt_api_status.erl) */
	{ .id = "emqx", .name = "EMQX dashboard", .ports = { 18083, 18084 }, .ident_min = 2,
	  .paths = { P("/"), P("/api/v5/status"), P("/api/v5/status?format=json") },
	  .version_path = "/api/v5/status?format=json", .version_key = "rel_vsn", .broker = "emqx" },
	{ .id = "hivemq_cc", .name = "HiveMQ Control Center", .ports = { 8080, 8000 },
	  .ident_min = 2, .paths = { P("/") }, .broker = "hivemq" },
	{ .id = "rabbitmq", .name = "RabbitMQ management", .ports = { 15672, 15671 },
	  .ident_min = 2, .paths = { P("/"), P("/api/overview") }, .broker = "rabbitmq" },
	/* ActiveMQ Classic's Jetty console: BASIC realm "ActiveMQRealm" over /, /admin and /api
	 * (conf/jetty.xml, jetty-realm.properties admin:admin @ activemq-5.18.6); Jolokia at
	 * /api/jolokia answers {"value":{"info":{"product":"activemq","version":...}}} */
	{ .id = "activemq", .name = "ActiveMQ web console", .ports = { 8161 }, .ident_min = 2,
	  .paths = { P("/"), P("/admin/"), P("/api/jolokia/version") },
	  .version_path = "/api/jolokia/version", .version_key = "value.info.version",
	  .broker = "activemq" },
	/* VerneMQ's HTTP listener (8888): /status.json, no login by default, is
	 * [{"<node>": {..., "version": ...}}] (apps/vmq_server/src/vmq_status_http.erl) */
	{ .id = "vernemq", .name = "VerneMQ status page", .ports = { 8888 }, .ident_min = 2,
	  .paths = { P("/status"), P("/status.json") },
	  .version_path = "/status.json", .version_key = "*.version", .broker = "vernemq" },
	{ .id = "owntracks_recorder", .name = "OwnTracks Recorder", .ports = { 8083 },
	  .ident_min = 2, .paths = { P("/api/0/version"), P("/api/0/list"), P("/api/0/last") },
	  .version_path = "/api/0/version", .version_key = "version" },
};
const size_t fp_nproducts = sizeof(fp_products) / sizeof(fp_products[0]);

#define ID(prod, path, st, fld, mk, w) { prod, path, st, fld, mk, FPE_IDENT, w, NULL }
#define OPEN(prod, path, st, fld, mk, f) { prod, path, st, fld, mk, FPE_OPEN, 0, f }
#define LOGIN(prod, path, st, fld, mk, f) { prod, path, st, fld, mk, FPE_LOGIN, 0, f }
#define SIDE(prod, path, st, fld, mk, f) { prod, path, st, fld, mk, FPE_SIDE, 0, f }
#define A2 FP_ANY_2XX
#define ANY FP_ANY_STATUS

const struct fp_rule fp_rules[] = {
	ID("home_assistant", "/manifest.json", A2, FPF_JSON, "name=Home Assistant", 2),
	ID("home_assistant", "/", A2, FPF_BODY, "<title>Home Assistant</title>", 2),
	ID("home_assistant", "/api/onboarding", A2, FPF_JSON, "step=user&done", 2),
	OPEN("home_assistant", "/api/onboarding", A2, FPF_JSON, "step=user&done=false",
	     "ha.onboarding_open"),
	LOGIN("home_assistant", "/api/onboarding", A2, FPF_JSON, "step=user&done=true",
	      "ha.login_required"),
	/* the providers list was an array, newer releases wrap it in {"providers": [...]} */
	SIDE("home_assistant", "/auth/providers", A2, FPF_JSON, "type=trusted_networks",
	     "ha.trusted_networks"),
	SIDE("home_assistant", "/auth/providers", A2, FPF_JSON, "providers.type=trusted_networks",
	     "ha.trusted_networks"),

	ID("node_red", "/", A2, FPF_BODY, "<title>Node-RED</title>", 2),
	ID("node_red", "/settings", A2, FPF_JSON, "httpNodeRoot&version", 2),
	ID("node_red", "/auth/login", A2, FPF_JSON, "type=credentials&prompts", 2),
	/* /auth/login answers {} only when adminAuth is unset: then anyone can deploy. With
	 * adminAuth and an anonymous "read" default, /flows is readable but deploy is not. */
	OPEN("node_red", "/auth/login", A2, FPF_JSON, "{}", "nodered.admin_open"),
	OPEN("node_red", "/settings", A2, FPF_JSON, "httpNodeRoot", "nodered.flows_readable"),
	OPEN("node_red", "/flows", A2, FPF_JSON, "[]", "nodered.flows_readable"),
	OPEN("node_red", "/flows", A2, FPF_JSON, "flows", "nodered.flows_readable"),
	LOGIN("node_red", "/flows", 401, FPF_STATUS, NULL, "nodered.login_required"),
	LOGIN("node_red", "/settings", 401, FPF_STATUS, NULL, "nodered.login_required"),
	LOGIN("node_red", "/auth/login", A2, FPF_JSON, "type=credentials", "nodered.login_required"),
	LOGIN("node_red", "/auth/login", A2, FPF_JSON, "type=strategy", "nodered.login_required"),
	SIDE("node_red", "/ui/", A2, FPF_BODY, "nr-dashboard", "nodered.dashboard_open"),
	SIDE("node_red", "/dashboard/", A2, FPF_BODY, "<title", "nodered.dashboard_open"),

	ID("zigbee2mqtt", "/", A2, FPF_BODY, "<title>Zigbee2MQTT", 2),
	ID("zigbee2mqtt", "/api", ANY, FPF_WS_CLOSE, "4401", 1),
	OPEN("zigbee2mqtt", "/api", ANY, FPF_WS_DATA, NULL, "z2m.frontend_open"),
	LOGIN("zigbee2mqtt", "/api", ANY, FPF_WS_CLOSE, "4401", "z2m.login_required"),

	ID("zwave_js_ui", "/", A2, FPF_BODY, "Z-Wave JS UI", 2),
	ID("zwave_js_ui", "/", A2, FPF_BODY, "<title>ZWave To MQTT", 2),
	OPEN("zwave_js_ui", "/api/auth-enabled", A2, FPF_JSON, "success=true&data=false",
	     "zwavejsui.open"),
	LOGIN("zwave_js_ui", "/api/auth-enabled", A2, FPF_JSON, "success=true&data=true",
	      "zwavejsui.login_required"),

	ID("openhab", "/rest/", A2, FPF_JSON, "runtimeInfo.version&links", 2),
	OPEN("openhab", "/rest/items", A2, FPF_JSON, "[]", "openhab.open"),
	LOGIN("openhab", "/rest/items", 401, FPF_STATUS, NULL, "openhab.login_required"),

	ID("domoticz", "/json.htm?type=command&param=getversion", A2, FPF_JSON,
	   "title=GetVersion&version", 2),
	OPEN("domoticz", "/json.htm?type=command&param=getdevices", A2, FPF_JSON,
	     "status=OK&title=Devices", "domoticz.open"),
	LOGIN("domoticz", "/json.htm?type=command&param=getdevices", 401, FPF_STATUS, NULL,
	      "domoticz.login_required"),
	LOGIN("domoticz", "/json.htm?type=command&param=getversion", 401, FPF_STATUS, NULL,
	      "domoticz.login_required"),

	ID("iobroker", "/", A2, FPF_BODY, "<title>ioBroker", 2),
	ID("iobroker", "/", ANY, FPF_LOCATION, "/login", 0),

	ID("homebridge", "/", A2, FPF_BODY, "<title>Homebridge", 2),
	ID("homebridge", "/api/auth/settings", A2, FPF_JSON, "formAuth&env.homebridgeInstanceName",
	   2),
	OPEN("homebridge", "/api/auth/settings", A2, FPF_JSON, "env.setupWizardComplete=false",
	     "homebridge.setup_open"),
	OPEN("homebridge", "/api/auth/settings", A2, FPF_JSON, "formAuth=false", "homebridge.open"),
	LOGIN("homebridge", "/api/auth/settings", A2, FPF_JSON, "formAuth=true",
	      "homebridge.login_required"),

	ID("esphome", "/", A2, FPF_BODY, "<title>ESPHome", 2),
	ID("esphome", "/login", A2, FPF_BODY, "ESPHome", 2),
	OPEN("esphome", "/devices", A2, FPF_JSON, "configured", "esphome.open"),
	LOGIN("esphome", "/devices", ANY, FPF_LOCATION, "/login", "esphome.login_required"),
	LOGIN("esphome", "/", ANY, FPF_LOCATION, "/login", "esphome.login_required"),

	ID("frigate", "/api/config", A2, FPF_JSON, "cameras&mqtt", 2),
	OPEN("frigate", "/api/config", A2, FPF_JSON, "cameras&mqtt", "frigate.open"),
	LOGIN("frigate", "/api/config", 401, FPF_STATUS, NULL, "frigate.login_required"),

	ID("grafana", "/api/health", A2, FPF_JSON, "database&version", 2),
	ID("grafana", "/login", A2, FPF_BODY, "<title>Grafana</title>", 2),
	OPEN("grafana", "/api/search", A2, FPF_JSON, "[]", "grafana.anonymous"),
	LOGIN("grafana", "/api/search", 401, FPF_STATUS, NULL, "grafana.login_required"),

	ID("emqx", "/", A2, FPF_BODY, "<title>EMQX", 2),
	ID("emqx", "/api/v5/status", A2, FPF_BODY, "emqx is running", 2),
	LOGIN("emqx", "/", A2, FPF_BODY, "<title>EMQX", "emqx.login_required"),

	ID("emqx", "/api/v5/status?format=json", A2, FPF_JSON, "node_name&broker_status", 2),
	SIDE("emqx", "/api/v5/status?format=json", A2, FPF_JSON, "rel_vsn", "emqx.status_version"),

	ID("activemq", "/", 401, FPF_WWW_AUTH, "ActiveMQRealm", 2),
	ID("activemq", "/admin/", 401, FPF_WWW_AUTH, "ActiveMQRealm", 2),
	ID("activemq", "/admin/", A2, FPF_BODY, "ActiveMQ Console", 2),
	ID("activemq", "/api/jolokia/version", A2, FPF_JSON, "value.info.product=activemq", 2),
	LOGIN("activemq", "/admin/", 401, FPF_STATUS, NULL, "activemq.login_required"),
	OPEN("activemq", "/admin/", A2, FPF_BODY, "ActiveMQ Console", "activemq.console_open"),
	OPEN("activemq", "/api/jolokia/version", A2, FPF_JSON, "value.info.product=activemq",
	     "activemq.jolokia_open"),

	ID("vernemq", "/status", A2, FPF_BODY, "<title>VerneMQ Status", 2),
	ID("vernemq", "/status.json", A2, FPF_JSON, "*.num_online&*.version", 2),
	OPEN("vernemq", "/status.json", A2, FPF_JSON, "*.num_online&*.listeners", "vernemq.status_open"),

	ID("hivemq_cc", "/", A2, FPF_BODY, "HiveMQ Control Center", 2),
	LOGIN("hivemq_cc", "/", A2, FPF_BODY, "HiveMQ Control Center", "hivemq.login_required"),

	ID("rabbitmq", "/", A2, FPF_BODY, "<title>RabbitMQ Management</title>", 2),
	ID("rabbitmq", "/api/overview", 401, FPF_WWW_AUTH, "RabbitMQ Management", 2),
	LOGIN("rabbitmq", "/api/overview", 401, FPF_STATUS, NULL, "rabbitmq.login_required"),
	OPEN("rabbitmq", "/api/overview", A2, FPF_JSON, "rabbitmq_version", "rabbitmq.open"),

	ID("owntracks_recorder", "/api/0/version", A2, FPF_JSON, "version", 1),
	ID("owntracks_recorder", "/api/0/list", A2, FPF_JSON, "results", 1),
	ID("owntracks_recorder", "/api/0/last", A2, FPF_JSON, "username&device&tst", 2),
	OPEN("owntracks_recorder", "/api/0/last", A2, FPF_JSON, "username&device&tst",
	     "owntracks.recorder_open"),
	OPEN("owntracks_recorder", "/api/0/list", A2, FPF_JSON, "results", "owntracks.recorder_open"),
	LOGIN("owntracks_recorder", "/api/0/list", 401, FPF_STATUS, NULL,
	      "owntracks.login_required"),
};
const size_t fp_nrules = sizeof(fp_rules) / sizeof(fp_rules[0]);

#define CRIT SEV_CRITICAL
#define HIGH SEV_HIGH
#define INFO SEV_INFO
#define LOGIN_REM "Keep the login; make sure the password is not a default one, and reach " \
	"the interface through a VPN or an authenticating reverse proxy rather than directly."

const struct fp_finding_def fp_findings[] = {
	{ "ha.onboarding_open", CRIT, CAT_DASHBOARD, 306,
	  "Home Assistant onboarding is not finished: anyone who reaches it can create the owner account",
	  "Finish onboarding now (create the owner account), or stop exposing port 8123 until you do." },
	{ "ha.trusted_networks", SEV_MEDIUM, CAT_DASHBOARD, 306,
	  "Home Assistant offers passwordless login to 'trusted networks' (by source address)",
	  "Check that auth_providers: trusted_networks lists only addresses you control, and drop "
	  "allow_bypass_login; a proxy or a shared network turns it into an open door." },
	{ "ha.login_required", INFO, CAT_DASHBOARD, 0,
	  "Home Assistant web interface reachable; login required", LOGIN_REM },
	{ "nodered.admin_open", CRIT, CAT_DASHBOARD, 306,
	  "Node-RED editor has no login: anyone can read the flows and deploy new ones (run code on this host)",
	  "Set adminAuth in settings.js (users with bcrypt password hashes) and restart Node-RED; "
	  "bind uiHost to 127.0.0.1 or put it behind an authenticating proxy." },
	{ "nodered.flows_readable", HIGH, CAT_DASHBOARD, 306,
	  "Node-RED flows can be read without a login (adminAuth grants anonymous read)",
	  "Remove the anonymous default (adminAuth.default) from settings.js: the flows name "
	  "brokers, topics and endpoints of the house." },
	{ "nodered.login_required", INFO, CAT_DASHBOARD, 0,
	  "Node-RED editor reachable; login required (adminAuth set)", LOGIN_REM },
	{ "nodered.dashboard_open", HIGH, CAT_DASHBOARD, 306,
	  "Node-RED dashboard is public: its buttons and switches work for anyone (httpNodeAuth is not set)",
	  "Set httpNodeAuth (or the dashboard's own authentication) in settings.js; adminAuth does not "
	  "protect the dashboard." },
	{ "z2m.frontend_open", CRIT, CAT_DASHBOARD, 306,
	  "Zigbee2MQTT front end accepts anyone: full control of the Zigbee network and its settings",
	  "Set frontend.auth_token in Zigbee2MQTT's configuration.yaml, check the server now closes "
	  "unauthenticated WebSockets (code 4401), and do not expose the front end." },
	{ "z2m.login_required", INFO, CAT_DASHBOARD, 0,
	  "Zigbee2MQTT front end reachable; its WebSocket API requires the token", LOGIN_REM },
	{ "zwavejsui.open", CRIT, CAT_DASHBOARD, 306,
	  "Z-Wave JS UI has authentication off: anyone can control the Z-Wave network (locks included) and read its keys",
	  "Enable authentication in Z-Wave JS UI (Settings → General → Auth) and do not expose port 8091." },
	{ "zwavejsui.login_required", INFO, CAT_DASHBOARD, 0,
	  "Z-Wave JS UI reachable; login required", LOGIN_REM },
	{ "openhab.open", HIGH, CAT_DASHBOARD, 306,
	  "openHAB answers anonymous requests: items can be read and commanded without a login",
	  "Disable the implicit user role (Settings → API Security) and require authentication." },
	{ "openhab.login_required", INFO, CAT_DASHBOARD, 0,
	  "openHAB reachable; its REST API requires a login", LOGIN_REM },
	{ "domoticz.open", HIGH, CAT_DASHBOARD, 306,
	  "Domoticz answers without a login: devices can be read and switched by anyone",
	  "Set a username and password in Domoticz (Setup → Settings → Security) and keep the "
	  "\"Local Networks\" list small." },
	{ "domoticz.login_required", INFO, CAT_DASHBOARD, 0,
	  "Domoticz reachable; login required", LOGIN_REM },
	{ "homebridge.setup_open", CRIT, CAT_DASHBOARD, 306,
	  "Homebridge UI setup is not finished: the first visitor creates the administrator",
	  "Finish the Homebridge UI setup wizard now, or stop exposing port 8581 until you do." },
	{ "homebridge.open", CRIT, CAT_DASHBOARD, 306,
	  "Homebridge UI has authentication off: anyone can change the configuration and use its terminal",
	  "Set \"auth\": \"form\" for the homebridge-config-ui-x platform and restart." },
	{ "homebridge.login_required", INFO, CAT_DASHBOARD, 0,
	  "Homebridge UI reachable; login required", LOGIN_REM },
	{ "esphome.open", CRIT, CAT_DASHBOARD, 306,
	  "ESPHome dashboard has no login: device YAML (Wi-Fi passwords, API keys) can be read and firmware flashed",
	  "Start the dashboard with --username/--password (or keep the add-on behind Home Assistant "
	  "login: leave_front_door_open false)." },
	{ "esphome.login_required", INFO, CAT_DASHBOARD, 0,
	  "ESPHome dashboard reachable; login required", LOGIN_REM },
	{ "frigate.open", CRIT, CAT_DASHBOARD, 306,
	  "Frigate's unauthenticated port is reachable: cameras, recordings and configuration for anyone",
	  "Do not expose port 5000 (Frigate's internal unauthenticated port); use 8971 with login." },
	{ "frigate.login_required", INFO, CAT_DASHBOARD, 0,
	  "Frigate reachable; login required", LOGIN_REM },
	{ "grafana.anonymous", HIGH, CAT_DASHBOARD, 306,
	  "Grafana allows anonymous access: dashboards can be read without a login",
	  "Set [auth.anonymous] enabled = false in grafana.ini." },
	{ "grafana.login_required", INFO, CAT_DASHBOARD, 0,
	  "Grafana reachable; login required", LOGIN_REM },
	{ "emqx.login_required", INFO, CAT_DASHBOARD, 0,
	  "EMQX dashboard reachable; login required", LOGIN_REM },
	{ "hivemq.login_required", INFO, CAT_DASHBOARD, 0,
	  "HiveMQ Control Center reachable; login required", LOGIN_REM },
	{ "rabbitmq.open", CRIT, CAT_DASHBOARD, 306,
	  "RabbitMQ management API answers without a login",
	  "Require authentication on the management plugin and do not expose port 15672." },
	{ "rabbitmq.login_required", INFO, CAT_DASHBOARD, 0,
	  "RabbitMQ management reachable; login required", LOGIN_REM },
	{ "emqx.status_version", INFO, CAT_BROKER_INFO, 200,
	  "EMQX's status endpoint names its node and exact version without a login",
	  "Upgrade to a release whose /status no longer shows rel_vsn (EMQX Enterprise 5.10.4 and "
	  "later), and keep port 18083 off the Internet." },
	{ "activemq.console_open", CRIT, CAT_DASHBOARD, 306,
	  "ActiveMQ web console answers without a login: queues, topics and messages can be read "
	  "and changed by anyone",
	  "Restore the console's security constraint (jetty.xml) with your own users instead of "
	  "admin/admin, bind it to 127.0.0.1 (the default since 5.16) and do not expose port 8161." },
	{ "activemq.jolokia_open", CRIT, CAT_DASHBOARD, 306,
	  "ActiveMQ's Jolokia API answers without a login: the broker's management operations are "
	  "open to anyone (CVE-2024-32114 made this the default in 6.0.0-6.1.1)",
	  "Protect /api/* with the console's security constraint, upgrade past 6.1.1, and do not "
	  "expose port 8161." },
	{ "activemq.login_required", INFO, CAT_DASHBOARD, 0,
	  "ActiveMQ web console reachable; login required (check it is not admin/admin)", LOGIN_REM },
	{ "vernemq.status_open", SEV_MEDIUM, CAT_BROKER_INFO, 200,
	  "VerneMQ's status page answers without a login: its version, listeners (addresses and "
	  "ports) and counters for anyone",
	  "Set http_listener authentication (listener.http.default.http_module.vmq_status_http.auth.mode "
	  "= apikey) or bind the HTTP listener to 127.0.0.1." },
	{ "owntracks.recorder_open", CRIT, CAT_LOCATION, 306,
	  "OwnTracks Recorder serves everyone's positions to anyone (it has no login of its own)",
	  "Put the Recorder behind a reverse proxy with authentication and bind it to 127.0.0.1 "
	  "(--http-host)." },
	{ "owntracks.login_required", INFO, CAT_DASHBOARD, 0,
	  "OwnTracks Recorder reachable; a login is required in front of it", LOGIN_REM },
	{ "dashboard.reachable", INFO, CAT_DASHBOARD, 0,
	  "Web interface reachable; whether it needs a login was not determined", LOGIN_REM },
	{ "default_login", CRIT, CAT_DASHBOARD, 1392,
	  "Web interface accepts its factory default login",
	  "Change the default password now and check nobody added accounts or changed settings." },
};
const size_t fp_nfindings = sizeof(fp_findings) / sizeof(fp_findings[0]);

/* A finding not reported when a worse one about the same door is. */
const struct fp_supersede fp_supersedes[] = {
	{ "nodered.flows_readable", "nodered.admin_open" },
};
const size_t fp_nsupersedes = sizeof(fp_supersedes) / sizeof(fp_supersedes[0]);

/* One attempt each, and only with --try-default-logins. HiveMQ Control Center has no
 * login API (a Vaadin form), so it is not tried. */
const struct fp_login fp_logins[] = {
	{ "grafana", "/api/user", "admin", "admin", false, 200, "login=admin", "default_login" },
	{ "rabbitmq", "/api/whoami", "guest", "guest", false, 200, "name=guest", "default_login" },
	{ "emqx", "/api/v5/login", "admin", "public", true, 200, "token", "default_login" },
	{ "homebridge", "/api/auth/login", "admin", "admin", true, 201, "access_token",
	  "default_login" },
	{ "activemq", "/api/jolokia/version", "admin", "admin", false, 200,
	  "value.info.product=activemq", "default_login" },
};
const size_t fp_nlogins = sizeof(fp_logins) / sizeof(fp_logins[0]);

const struct fp_port fp_ports[] = {
	{ 8123, false }, { 1880, false }, { 8080, false }, { 8091, false }, { 8081, false },
	{ 8581, false }, { 6052, false }, { 5000, false }, { 3000, false }, { 18083, false },
	{ 8000, false }, { 15672, false }, { 8083, false }, { 9001, false }, { 8161, false },
	{ 8888, false },
	{ 18084, true }, { 8443, true }, { 8971, true }, { 15671, true },
};
const size_t fp_nports = sizeof(fp_ports) / sizeof(fp_ports[0]);
const uint16_t fp_mqtt_ws_ports[] = { 8080, 8083, 8000, 9001, 8084, 0 };
const char fp_mqtt_ws_path[] = "/mqtt";

int fp_product_index(const char *id)
{
	for (size_t i = 0; i < fp_nproducts; i++)
		if (strcmp(fp_products[i].id, id) == 0)
			return (int)i;
	return -1;
}

const struct fp_product *fp_product_by_id(const char *id)
{
	int i = fp_product_index(id);
	return i < 0 ? NULL : &fp_products[i];
}

const struct fp_finding_def *fp_finding_by_id(const char *id)
{
	for (size_t i = 0; i < fp_nfindings; i++)
		if (strcmp(fp_findings[i].id, id) == 0)
			return &fp_findings[i];
	return NULL;
}

size_t fp_candidates(uint16_t port, int *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < fp_nproducts && n < max; i++)
		for (size_t k = 0; k < 6 && fp_products[i].ports[k]; k++)
			if (fp_products[i].ports[k] == port) {
				out[n++] = (int)i;
				break;
			}
	if (n)
		return n;
	for (size_t i = 0; i < fp_nproducts && n < max; i++)
		out[n++] = (int)i;
	return n;
}

/* --- JSON expressions --- */

static bool value_eq(const cJSON *v, const char *val, size_t vlen)
{
	char buf[128];
	if (vlen >= sizeof(buf))
		return false;
	memcpy(buf, val, vlen);
	buf[vlen] = 0;
	if (cJSON_IsString(v))
		return strcmp(v->valuestring, buf) == 0;
	if (cJSON_IsTrue(v))
		return strcmp(buf, "true") == 0;
	if (cJSON_IsFalse(v))
		return strcmp(buf, "false") == 0;
	if (cJSON_IsNull(v))
		return strcmp(buf, "null") == 0;
	if (cJSON_IsNumber(v)) {
		char *end;
		double d = strtod(buf, &end);
		return end != buf && !*end && fabs(d - v->valuedouble) < 1e-9;
	}
	return false;
}

/* Does the key path [key, key+klen) (dotted) lead to a value (equal to val, if given)? */
static bool path_match(const cJSON *node, const char *key, size_t klen, const char *val,
		       size_t vlen, bool has_val, int depth)
{
	if (depth > 16 || !node)
		return false;
	if (cJSON_IsArray(node)) {
		const cJSON *e;
		cJSON_ArrayForEach(e, node)
			if (path_match(e, key, klen, val, vlen, has_val, depth + 1))
				return true;
		return false;
	}
	if (!cJSON_IsObject(node))
		return false;
	const char *dot = memchr(key, '.', klen);
	size_t seg = dot ? (size_t)(dot - key) : klen;
	const cJSON *child;
	bool any = seg == 1 && key[0] == '*';
	cJSON_ArrayForEach(child, node) {
		if (!any && (!child->string || strlen(child->string) != seg ||
			     memcmp(child->string, key, seg) != 0))
			continue;
		if (dot) {
			if (path_match(child, dot + 1, klen - seg - 1, val, vlen, has_val, depth + 1))
				return true;
		} else if (!has_val || value_eq(child, val, vlen)) {
			return true;
		}
	}
	return false;
}

static bool conj_match(const cJSON *obj, const char *expr)
{
	if (!cJSON_IsObject(obj))
		return false;
	const char *p = expr;
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t tl = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', tl);
		size_t klen = eq ? (size_t)(eq - p) : tl;
		const char *val = eq ? eq + 1 : NULL;
		size_t vlen = eq ? tl - klen - 1 : 0;
		if (!path_match(obj, p, klen, val, vlen, eq != NULL, 0))
			return false;
		p += tl + (amp ? 1 : 0);
	}
	return true;
}

bool fp_json_match(const cJSON *j, const char *expr)
{
	if (!j || !expr)
		return false;
	if (strcmp(expr, "{}") == 0)
		return cJSON_IsObject(j) && j->child == NULL;
	if (strcmp(expr, "[]") == 0)
		return cJSON_IsArray(j);
	if (cJSON_IsArray(j)) {
		const cJSON *e;
		cJSON_ArrayForEach(e, j)
			if (conj_match(e, expr))
				return true;
		return false;
	}
	return conj_match(j, expr);
}

/* --- rules --- */

static bool icontains(const uint8_t *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	if (!hay || m == 0 || m > n)
		return m == 0;
	for (size_t i = 0; i + m <= n; i++)
		if (strncasecmp((const char *)hay + i, needle, m) == 0)
			return true;
	return false;
}

static bool str_contains(const char *s, const char *needle)
{
	return s && icontains((const uint8_t *)s, strlen(s), needle);
}

static bool status_ok(int want, int got)
{
	if (got <= 0)
		return false;
	if (want == FP_ANY_STATUS)
		return true;
	if (want == FP_ANY_2XX)
		return got >= 200 && got < 300;
	return want == got;
}

bool fp_rule_matches(const struct fp_rule *r, const struct fp_response *resp)
{
	if (strcmp(r->path, resp->path) != 0 || !status_ok(r->status, resp->status))
		return false;
	switch (r->field) {
	case FPF_STATUS:
		return true;
	case FPF_BODY:
		return icontains(resp->body, resp->body_len, r->marker);
	case FPF_JSON:
		return fp_json_match(resp->json, r->marker);
	case FPF_SERVER:
		return str_contains(resp->server, r->marker);
	case FPF_LOCATION:
		return str_contains(resp->location, r->marker);
	case FPF_WWW_AUTH:
		return str_contains(resp->www_auth, r->marker);
	case FPF_WS_CLOSE:
		return resp->status == 101 && resp->ws_close_code >= 0 &&
		       resp->ws_close_code == (int)strtol(r->marker, NULL, 10);
	case FPF_WS_DATA:
		return resp->status == 101 && resp->ws_data && resp->ws_close_code < 0;
	}
	return false;
}

static bool finding_matched(const struct fp_acc *a, const char *product, const char *finding)
{
	for (size_t i = 0; i < fp_nrules && i < FP_MAX_RULES; i++)
		if (a->matched[i] && fp_rules[i].finding && strcmp(fp_rules[i].product, product) == 0 &&
		    strcmp(fp_rules[i].finding, finding) == 0)
			return true;
	return false;
}

bool fp_superseded(const struct fp_acc *a, const char *product, const char *finding)
{
	for (size_t i = 0; i < fp_nsupersedes; i++)
		if (strcmp(fp_supersedes[i].finding, finding) == 0 &&
		    finding_matched(a, product, fp_supersedes[i].by))
			return true;
	return false;
}

void fp_acc_init(struct fp_acc *a)
{
	memset(a, 0, sizeof(*a));
}

static bool is_candidate(const int *cands, size_t n, int idx)
{
	for (size_t i = 0; i < n; i++)
		if (cands[i] == idx)
			return true;
	return false;
}

/* A version string: printable, no quotes, capped; the body text for text endpoints. */
static void take_version(char *dst, const char *src, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < FP_VERSION_MAX; i++) {
		unsigned char c = (unsigned char)src[i];
		if (c <= ' ' || c == '"' || c >= 0x7f)
			break;
		dst[k++] = (char)c;
	}
	dst[k] = 0;
}

/* A dotted key path: an array on the way stands for its first element, '*' for the first
 * member of an object. */
static const cJSON *json_path(const cJSON *j, const char *key)
{
	char seg[64];
	while (j && *key) {
		const char *dot = strchr(key, '.');
		size_t n = dot ? (size_t)(dot - key) : strlen(key);
		if (n >= sizeof(seg))
			return NULL;
		memcpy(seg, key, n);
		seg[n] = 0;
		if (cJSON_IsArray(j))
			j = j->child;
		if (!cJSON_IsObject(j))
			return NULL;
		j = strcmp(seg, "*") ? cJSON_GetObjectItemCaseSensitive(j, seg) : j->child;
		key += n + (dot ? 1 : 0);
	}
	return j;
}

static void apply_version(struct fp_acc *a, int idx, const struct fp_response *resp)
{
	const struct fp_product *p = &fp_products[idx];
	if (!p->version_path || strcmp(p->version_path, resp->path) != 0 || resp->status < 200 ||
	    resp->status >= 300)
		return;
	if (!p->version_key) {
		if (resp->body && resp->body_len && resp->body[0] >= '0' && resp->body[0] <= '9')
			take_version(a->version[idx], (const char *)resp->body, resp->body_len);
		return;
	}
	const cJSON *v = json_path(resp->json, p->version_key);
	if (cJSON_IsString(v))
		take_version(a->version[idx], v->valuestring, strlen(v->valuestring));
}

int fp_apply(struct fp_acc *a, const int *cands, size_t ncands, const struct fp_response *resp)
{
	int first = -1;
	for (size_t i = 0; i < fp_nrules && i < FP_MAX_RULES; i++) {
		const struct fp_rule *r = &fp_rules[i];
		int idx = fp_product_index(r->product);
		if (idx < 0 || idx >= FP_MAX_PRODUCTS || !is_candidate(cands, ncands, idx))
			continue;
		if (a->matched[i] || !fp_rule_matches(r, resp))
			continue;
		a->matched[i] = (uint16_t)resp->status;
		if (r->effect == FPE_IDENT)
			a->score[idx] += r->weight;
		if (first < 0)
			first = (int)i;
	}
	for (size_t k = 0; k < ncands; k++)
		if (cands[k] >= 0 && cands[k] < FP_MAX_PRODUCTS)
			apply_version(a, cands[k], resp);
	return first;
}

void fp_decide(const struct fp_acc *a, const int *cands, size_t ncands, struct fp_result *res)
{
	res->product = -1;
	res->auth = FP_AUTH_UNKNOWN;
	res->version = "";
	unsigned best = 0;
	for (size_t k = 0; k < ncands; k++) {
		int idx = cands[k];
		if (idx < 0 || idx >= FP_MAX_PRODUCTS)
			continue;
		if (a->score[idx] >= fp_products[idx].ident_min && a->score[idx] > best) {
			best = a->score[idx];
			res->product = idx;
		}
	}
	if (res->product < 0)
		return;
	res->version = a->version[res->product];
	const char *id = fp_products[res->product].id;
	for (size_t i = 0; i < fp_nrules && i < FP_MAX_RULES; i++) {
		if (!a->matched[i] || strcmp(fp_rules[i].product, id) != 0)
			continue;
		if (fp_rules[i].effect == FPE_OPEN)
			res->auth = FP_AUTH_OPEN;
		else if (fp_rules[i].effect == FPE_LOGIN && res->auth == FP_AUTH_UNKNOWN)
			res->auth = FP_AUTH_LOGIN;
	}
}
