/* The dashboard fingerprint table: consistency of the data, the JSON expression matcher,
 * and product/auth decisions over recorded response shapes (Node-RED with and without
 * adminAuth, Home Assistant before and after onboarding, Zigbee2MQTT's WebSocket verdict,
 * a plain server and a catch-all server that answers 200 everywhere). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include "probes/http_fp.h"

static void test_table_consistent(void **st)
{
	assert_true(fp_nproducts <= FP_MAX_PRODUCTS);
	assert_true(fp_nrules <= FP_MAX_RULES);
	for (size_t i = 0; i < fp_nproducts; i++) {
		assert_true(fp_products[i].ident_min > 0);
		for (size_t k = i + 1; k < fp_nproducts; k++)
			assert_string_not_equal(fp_products[i].id, fp_products[k].id);
	}
	for (size_t i = 0; i < fp_nrules; i++) {
		const struct fp_rule *r = &fp_rules[i];
		const struct fp_product *p = fp_product_by_id(r->product);
		assert_non_null(p);
		bool requested = false;
		for (size_t k = 0; k < 8 && p->paths[k].path; k++)
			requested = requested || strcmp(p->paths[k].path, r->path) == 0;
		if (!requested)
			print_error("rule %zu: %s %s is never requested\n", i, r->product, r->path);
		assert_true(requested);
		if (r->effect != FPE_IDENT)
			assert_non_null(fp_finding_by_id(r->finding));
		else
			assert_null(r->finding);
		if (r->field != FPF_STATUS && r->field != FPF_WS_DATA)
			assert_non_null(r->marker);
		/* "open" needs proof in the body, never a bare status */
		if (r->effect == FPE_OPEN)
			assert_true(r->field != FPF_STATUS);
	}
	for (size_t i = 0; i < fp_nfindings; i++) {
		const struct fp_finding_def *d = &fp_findings[i];
		if (d->severity >= SEV_HIGH)
			assert_true(d->cwe == 306 || d->cwe == 1392);
		assert_true(strlen(d->title) > 10 && strlen(d->remediation) > 10);
		for (size_t k = i + 1; k < fp_nfindings; k++)
			assert_string_not_equal(d->id, fp_findings[k].id);
	}
	for (size_t i = 0; i < fp_nsupersedes; i++) {
		assert_non_null(fp_finding_by_id(fp_supersedes[i].finding));
		assert_non_null(fp_finding_by_id(fp_supersedes[i].by));
	}
	for (size_t i = 0; i < fp_nlogins; i++) {
		assert_non_null(fp_product_by_id(fp_logins[i].product));
		assert_non_null(fp_finding_by_id(fp_logins[i].finding));
	}
	/* every product's ports are in the dashboard port list */
	for (size_t i = 0; i < fp_nproducts; i++)
		for (size_t k = 0; k < 6 && fp_products[i].ports[k]; k++) {
			bool listed = false;
			for (size_t m = 0; m < fp_nports; m++)
				listed = listed || fp_ports[m].port == fp_products[i].ports[k];
			if (!listed && fp_products[i].ports[k] != 443 && fp_products[i].ports[k] != 8099)
				fail_msg("%s port %u not in fp_ports", fp_products[i].id, fp_products[i].ports[k]);
		}
}

static bool jm(const char *json, const char *expr)
{
	cJSON *j = cJSON_Parse(json);
	assert_non_null(j);
	bool r = fp_json_match(j, expr);
	cJSON_Delete(j);
	return r;
}

static void test_json_match(void **st)
{
	const char *onb = "[{\"step\":\"user\",\"done\":false},{\"step\":\"core_config\",\"done\":true}]";
	assert_true(jm(onb, "step=user&done=false"));
	assert_false(jm(onb, "step=user&done=true"));
	assert_true(jm(onb, "step=core_config&done=true"));
	assert_true(jm(onb, "step=user&done"));
	assert_true(jm("{}", "{}"));
	assert_false(jm("{\"a\":1}", "{}"));
	assert_false(jm("[]", "{}"));
	assert_true(jm("[]", "[]"));
	assert_false(jm("{}", "[]"));
	assert_true(jm("{\"a\":{\"b\":[{\"c\":\"x\"},{\"c\":\"y\"}]}}", "a.b.c=y"));
	assert_false(jm("{\"a\":{\"b\":[{\"c\":\"x\"}]}}", "a.b.c=y"));
	assert_true(jm("{\"n\":42,\"z\":null,\"t\":true}", "n=42&z=null&t=true"));
	assert_false(jm("{\"n\":42}", "n=42.5"));
	assert_false(jm("{\"n\":\"42\"}", "n=4"));
	assert_false(jm("\"just a string\"", "a"));
	assert_false(jm("{\"type\":\"credentials\"}", "type=credentials&prompts"));
	assert_false(fp_json_match(NULL, "a"));
}

struct resp {
	const char *path;
	enum fp_req req;
	int status;
	const char *body;
	const char *location, *www_auth;
	int ws_close;
	bool ws_data;
};

/* Run the responses through the engine for a port and decide. */
static void run(uint16_t port, const struct resp *rs, size_t n, struct fp_acc *a, struct fp_result *res)
{
	int cands[FP_MAX_PRODUCTS];
	size_t nc = fp_candidates(port, cands, FP_MAX_PRODUCTS);
	fp_acc_init(a);
	for (size_t i = 0; i < n; i++) {
		cJSON *j = rs[i].body ? cJSON_Parse(rs[i].body) : NULL;
		struct fp_response fr = {
			.path = rs[i].path, .req = rs[i].req, .status = rs[i].status,
			.location = rs[i].location, .www_auth = rs[i].www_auth,
			.body = (const uint8_t *)rs[i].body, .body_len = rs[i].body ? strlen(rs[i].body) : 0,
			.json = j, .ws_close_code = rs[i].ws_close ? rs[i].ws_close : -1, .ws_data = rs[i].ws_data,
		};
		fp_apply(a, cands, nc, &fr);
		cJSON_Delete(j);
	}
	fp_decide(a, cands, nc, res);
}

static bool finding_matched(const struct fp_acc *a, const char *finding)
{
	for (size_t i = 0; i < fp_nrules; i++)
		if (a->matched[i] && fp_rules[i].finding && strcmp(fp_rules[i].finding, finding) == 0)
			return true;
	return false;
}

static const char nr_page[] = "<!DOCTYPE html><html><head><title>Node-RED</title></head></html>";

static void test_nodered_open(void **st)
{
	const struct resp rs[] = {
		{ .path = "/", .status = 200, .body = nr_page },
		{ .path = "/settings", .status = 200, .body = "{\"httpNodeRoot\":\"/\",\"version\":\"4.0.9\",\"editorTheme\":{}}" },
		{ .path = "/flows", .status = 200, .body = "[{\"id\":\"a1\",\"type\":\"tab\"}]" },
		{ .path = "/auth/login", .status = 200, .body = "{}" },
		{ .path = "/ui/", .status = 404, .body = "<title>Error</title>" },
		{ .path = "/dashboard/", .status = 404, .body = "<title>Error</title>" },
	};
	struct fp_acc a;
	struct fp_result res;
	run(1880, rs, sizeof(rs) / sizeof(rs[0]), &a, &res);
	assert_int_equal(res.product, fp_product_index("node_red"));
	assert_int_equal(res.auth, FP_AUTH_OPEN);
	assert_string_equal(res.version, "4.0.9");
	assert_true(finding_matched(&a, "nodered.admin_open"));
	assert_false(finding_matched(&a, "nodered.dashboard_open"));
	/* flows readable too, but that is part of the worse finding */
	assert_true(finding_matched(&a, "nodered.flows_readable"));
	assert_true(fp_superseded(&a, "node_red", "nodered.flows_readable"));
	assert_false(fp_superseded(&a, "node_red", "nodered.admin_open"));
}

/* adminAuth with an anonymous "read" default: flows readable, deploy needs a login. */
static void test_nodered_anonymous_read(void **st)
{
	const struct resp rs[] = {
		{ .path = "/", .status = 200, .body = nr_page },
		{ .path = "/settings", .status = 200, .body = "{\"httpNodeRoot\":\"/\",\"version\":\"4.0.9\"}" },
		{ .path = "/flows", .status = 200, .body = "[{\"id\":\"a1\",\"type\":\"tab\"}]" },
		{ .path = "/auth/login", .status = 200,
		  .body = "{\"type\":\"credentials\",\"prompts\":[{\"id\":\"username\"}]}" },
	};
	struct fp_acc a;
	struct fp_result res;
	run(1880, rs, sizeof(rs) / sizeof(rs[0]), &a, &res);
	assert_int_equal(res.product, fp_product_index("node_red"));
	assert_false(finding_matched(&a, "nodered.admin_open"));
	assert_true(finding_matched(&a, "nodered.flows_readable"));
	assert_false(fp_superseded(&a, "node_red", "nodered.flows_readable"));
	assert_int_equal(fp_finding_by_id("nodered.flows_readable")->severity, SEV_HIGH);
}

static void test_nodered_adminauth(void **st)
{
	const struct resp rs[] = {
		{ .path = "/", .status = 200, .body = nr_page },
		{ .path = "/settings", .status = 401, .body = "Unauthorized" },
		{ .path = "/flows", .status = 401, .body = "Unauthorized" },
		{ .path = "/auth/login", .status = 200, .body =
		  "{\"type\":\"credentials\",\"prompts\":[{\"id\":\"username\"},{\"id\":\"password\"}]}" },
		{ .path = "/ui/", .status = 200, .body = "<html><body id=\"nr-dashboard\" ng-app=\"ui\"></body></html>" },
	};
	struct fp_acc a;
	struct fp_result res;
	run(1880, rs, sizeof(rs) / sizeof(rs[0]), &a, &res);
	assert_int_equal(res.product, fp_product_index("node_red"));
	/* the editor asks for a login; the dashboard is a separate, open, side door */
	assert_int_equal(res.auth, FP_AUTH_LOGIN);
	assert_true(finding_matched(&a, "nodered.dashboard_open"));
	assert_false(finding_matched(&a, "nodered.admin_open"));
	assert_string_equal(res.version, "");
}

static void test_home_assistant(void **st)
{
	const struct resp open_rs[] = {
		{ .path = "/manifest.json", .status = 200, .body = "{\"name\":\"Home Assistant\",\"short_name\":\"Home Assistant\"}" },
		{ .path = "/api/onboarding", .status = 200, .body =
		  "[{\"step\":\"user\",\"done\":false},{\"step\":\"core_config\",\"done\":false}]" },
	};
	struct fp_acc a;
	struct fp_result res;
	run(8123, open_rs, 2, &a, &res);
	assert_int_equal(res.product, fp_product_index("home_assistant"));
	assert_int_equal(res.auth, FP_AUTH_OPEN);
	assert_true(finding_matched(&a, "ha.onboarding_open"));
	const struct resp done_rs[] = {
		{ .path = "/manifest.json", .status = 200, .body = "{\"name\":\"Home Assistant\"}" },
		{ .path = "/api/onboarding", .status = 200, .body = "[{\"step\":\"user\",\"done\":true}]" },
	};
	run(8123, done_rs, 2, &a, &res);
	assert_int_equal(res.auth, FP_AUTH_LOGIN);
	assert_false(finding_matched(&a, "ha.onboarding_open"));
	assert_false(finding_matched(&a, "ha.trusted_networks"));
	/* trusted_networks, in both response shapes */
	const char *shapes[] = {
		"[{\"name\":\"Home Assistant Local\",\"id\":null,\"type\":\"homeassistant\"},"
		"{\"name\":\"Trusted Networks\",\"id\":null,\"type\":\"trusted_networks\"}]",
		"{\"providers\":[{\"name\":\"Trusted Networks\",\"id\":null,\"type\":\"trusted_networks\"}],"
		"\"preselect_remember_me\":false}",
	};
	for (size_t i = 0; i < 2; i++) {
		const struct resp tn[] = {
			{ .path = "/manifest.json", .status = 200, .body = "{\"name\":\"Home Assistant\"}" },
			{ .path = "/api/onboarding", .status = 200, .body = "[{\"step\":\"user\",\"done\":true}]" },
			{ .path = "/auth/providers", .status = 200, .body = shapes[i] },
		};
		run(8123, tn, 3, &a, &res);
		assert_int_equal(res.auth, FP_AUTH_LOGIN);  /* a side door, not the verdict */
		assert_true(finding_matched(&a, "ha.trusted_networks"));
	}
}

static void test_zigbee2mqtt_ws(void **st)
{
	const char *page = "<html><head><title>Zigbee2MQTT</title></head></html>";
	const struct resp locked[] = {
		{ .path = "/", .status = 200, .body = page },
		{ .path = "/api", .req = FPR_WS, .status = 101, .ws_close = 4401 },
	};
	struct fp_acc a;
	struct fp_result res;
	run(8080, locked, 2, &a, &res);
	assert_int_equal(res.product, fp_product_index("zigbee2mqtt"));
	assert_int_equal(res.auth, FP_AUTH_LOGIN);
	const struct resp open_rs[] = {
		{ .path = "/", .status = 200, .body = page },
		{ .path = "/api", .req = FPR_WS, .status = 101, .ws_data = true },
	};
	run(8080, open_rs, 2, &a, &res);
	assert_int_equal(res.auth, FP_AUTH_OPEN);
	assert_true(finding_matched(&a, "z2m.frontend_open"));
}

static void test_owntracks(void **st)
{
	const struct resp rs[] = {
		{ .path = "/api/0/version", .status = 200, .body = "{\"version\":\"0.9.9\"}" },
		{ .path = "/api/0/list", .status = 200, .body = "{\"results\":[\"alice\",\"bob\"]}" },
		{ .path = "/api/0/last", .status = 200, .body =
		  "[{\"_type\":\"location\",\"lat\":1.5,\"lon\":2.5,\"tst\":1700000000,\"username\":\"alice\","
		  "\"device\":\"phone\",\"topic\":\"owntracks/alice/phone\"}]" },
	};
	struct fp_acc a;
	struct fp_result res;
	run(8083, rs, 3, &a, &res);
	assert_int_equal(res.product, fp_product_index("owntracks_recorder"));
	assert_int_equal(res.auth, FP_AUTH_OPEN);
	assert_string_equal(res.version, "0.9.9");
	const struct fp_finding_def *d = fp_finding_by_id("owntracks.recorder_open");
	assert_int_equal(d->category, CAT_LOCATION);
	assert_int_equal(d->severity, SEV_CRITICAL);
	/* a generic {"version":..} and {"results":..} alone are not enough */
	run(8083, rs, 1, &a, &res);
	assert_int_equal(res.product, -1);
}

/* python -m http.server: a directory listing at /, 404 elsewhere. */
static void test_plain_server(void **st)
{
	const char *listing = "<!DOCTYPE HTML><html><head><title>Directory listing for /</title></head>"
			      "<body><ul><li><a href=\"x\">x</a></li></ul></body></html>";
	const char *nf = "<html><head><title>Error response</title></head><body>404</body></html>";
	uint16_t ports[] = { 8080, 1880, 8123, 3000, 9999 };
	for (size_t p = 0; p < sizeof(ports) / sizeof(ports[0]); p++) {
		int cands[FP_MAX_PRODUCTS];
		size_t nc = fp_candidates(ports[p], cands, FP_MAX_PRODUCTS);
		struct fp_acc a;
		fp_acc_init(&a);
		for (size_t i = 0; i < fp_nproducts; i++)
			for (size_t k = 0; k < 8 && fp_products[i].paths[k].path; k++) {
				const char *path = fp_products[i].paths[k].path;
				bool root = strcmp(path, "/") == 0;
				struct fp_response fr = {
					.path = path, .status = root ? 200 : 404,
					.body = (const uint8_t *)(root ? listing : nf),
					.body_len = strlen(root ? listing : nf), .ws_close_code = -1,
				};
				fp_apply(&a, cands, nc, &fr);
			}
		struct fp_result res;
		fp_decide(&a, cands, nc, &res);
		assert_int_equal(res.product, -1);
		assert_int_equal(res.auth, FP_AUTH_UNKNOWN);
	}
}

/* A catch-all server: 200 and the same JSON or HTML for every path. Nothing claimed. */
static void test_catch_all(void **st)
{
	const char *bodies[] = { "{}", "[]", "{\"status\":\"OK\"}", "<html><title>App</title></html>" };
	for (size_t b = 0; b < 4; b++) {
		int cands[FP_MAX_PRODUCTS];
		size_t nc = fp_candidates(9999, cands, FP_MAX_PRODUCTS);  /* every product */
		struct fp_acc a;
		fp_acc_init(&a);
		cJSON *j = cJSON_Parse(bodies[b]);
		for (size_t i = 0; i < fp_nproducts; i++)
			for (size_t k = 0; k < 8 && fp_products[i].paths[k].path; k++) {
				struct fp_response fr = {
					.path = fp_products[i].paths[k].path, .status = 200,
					.body = (const uint8_t *)bodies[b], .body_len = strlen(bodies[b]),
					.json = j, .ws_close_code = -1,
				};
				fp_apply(&a, cands, nc, &fr);
			}
		cJSON_Delete(j);
		struct fp_result res;
		fp_decide(&a, cands, nc, &res);
		assert_int_equal(res.product, -1);
	}
}

/* Broker consoles, from recorded response shapes (sources in http_fp.c and
 * docs/broker-zoo.md): each names its broker, and a version where one is shown. */
static void test_broker_consoles(void **st)
{
	struct fp_acc a;
	struct fp_result res;
	(void)st;
	/* ActiveMQ Classic's Jetty: the BASIC challenge of realm ActiveMQRealm */
	const struct resp amq[] = {
		{ .path = "/", .status = 401, .www_auth = "basic realm=\"ActiveMQRealm\"" },
		{ .path = "/admin/", .status = 401, .www_auth = "basic realm=\"ActiveMQRealm\"" },
		{ .path = "/api/jolokia/version", .status = 401, .www_auth = "basic realm=\"ActiveMQRealm\"" },
	};
	run(8161, amq, 3, &a, &res);
	assert_int_equal(res.product, fp_product_index("activemq"));
	assert_int_equal(res.auth, FP_AUTH_LOGIN);
	assert_string_equal(fp_products[res.product].broker, "activemq");
	/* ... and a Jolokia that answers anyone (6.0.0-6.1.1's default, CVE-2024-32114) */
	const struct resp jolokia[] = {
		{ .path = "/", .status = 200, .body = "<html><title>Apache ActiveMQ</title></html>" },
		{ .path = "/api/jolokia/version", .status = 200, .body =
		  "{\"request\":{\"type\":\"version\"},\"value\":{\"agent\":\"1.7.2\",\"protocol\":\"7.2\","
		  "\"info\":{\"product\":\"activemq\",\"vendor\":\"Apache\",\"version\":\"6.1.0\"}},\"status\":200}" },
	};
	run(8161, jolokia, 2, &a, &res);
	assert_int_equal(res.product, fp_product_index("activemq"));
	assert_int_equal(res.auth, FP_AUTH_OPEN);
	assert_true(finding_matched(&a, "activemq.jolokia_open"));
	assert_string_equal(res.version, "6.1.0");
	/* VerneMQ /status.json: [{"<node>": {...}}] */
	const struct resp verne[] = {
		{ .path = "/status", .status = 200, .body = "<!doctype html><title>VerneMQ Status</title>" },
		{ .path = "/status.json", .status = 200, .body =
		  "[{\"VerneMQ@127.0.0.1\":{\"num_online\":3,\"num_offline\":0,\"msg_in\":10,\"version\":\"1.11.0\","
		  "\"listeners\":[{\"type\":\"mqtt\",\"status\":\"running\",\"ip\":\"0.0.0.0\",\"port\":1883}]}}]" },
	};
	run(8888, verne, 2, &a, &res);
	assert_int_equal(res.product, fp_product_index("vernemq"));
	assert_true(finding_matched(&a, "vernemq.status_open"));
	assert_string_equal(res.version, "1.11.0");
	/* EMQX 5.1-5.8 /api/v5/status?format=json */
	const struct resp emqx[] = {
		{ .path = "/api/v5/status", .status = 200, .body = "Node emqx@127.0.0.1 is started\nemqx is running" },
		{ .path = "/api/v5/status?format=json", .status = 200, .body =
		  "{\"node_name\":\"emqx@127.0.0.1\",\"rel_vsn\":\"v5.8.9\",\"broker_status\":\"started\","
		  "\"app_status\":\"running\"}" },
	};
	run(18083, emqx, 2, &a, &res);
	assert_int_equal(res.product, fp_product_index("emqx"));
	assert_string_equal(res.version, "v5.8.9");
	assert_true(finding_matched(&a, "emqx.status_version"));
}

static void test_candidates(void **st)
{
	int c[FP_MAX_PRODUCTS];
	size_t n = fp_candidates(1880, c, FP_MAX_PRODUCTS);
	assert_int_equal(n, 1);
	assert_int_equal(c[0], fp_product_index("node_red"));
	n = fp_candidates(8080, c, FP_MAX_PRODUCTS);
	assert_true(n >= 3);
	assert_int_equal(fp_candidates(1, c, FP_MAX_PRODUCTS), fp_nproducts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_consistent),
		cmocka_unit_test(test_json_match),
		cmocka_unit_test(test_nodered_open),
		cmocka_unit_test(test_nodered_adminauth),
		cmocka_unit_test(test_nodered_anonymous_read),
		cmocka_unit_test(test_home_assistant),
		cmocka_unit_test(test_zigbee2mqtt_ws),
		cmocka_unit_test(test_owntracks),
		cmocka_unit_test(test_plain_server),
		cmocka_unit_test(test_catch_all),
		cmocka_unit_test(test_broker_consoles),
		cmocka_unit_test(test_candidates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
