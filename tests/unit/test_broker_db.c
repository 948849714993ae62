/* Broker fingerprint and CVE table tests: $SYS rules for Mosquitto, EMQX, Aedes and
 * VerneMQ, the MQTT 5 CONNACK hints (real Mosquitto 2.0.11 bytes), version comparison,
 * and the findings a version yields (ranges are half-open: the fixed version is clean). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output/record.h"
#include "probes/broker_db.h"
#include "probes/mqtt_codec.h"

static void sys(struct msw_record *r, const char *topic, const char *payload)
{
	broker_db_observe_sys(r, (const uint8_t *)topic, strlen(topic), (const uint8_t *)payload,
			      strlen(payload));
}

static bool has_finding(const struct msw_record *r, const char *id)
{
	for (size_t i = 0; i < r->findings.n; i++)
		if (!strcmp(record_findings(r)[i].id, id))
			return true;
	return false;
}

static const struct msw_finding *finding(const struct msw_record *r, const char *id)
{
	for (size_t i = 0; i < r->findings.n; i++)
		if (!strcmp(record_findings(r)[i].id, id))
			return &record_findings(r)[i];
	return NULL;
}

static void test_version_cmp(void **st)
{
	(void)st;
	assert_true(broker_version_cmp("2.0.9", "2.0.10") < 0);
	assert_true(broker_version_cmp("2.0.10", "2.0.9") > 0);
	assert_int_equal(broker_version_cmp("1.5", "1.5.0"), 0);
	assert_true(broker_version_cmp("1.4.15", "1.5") < 0);
	assert_int_equal(broker_version_cmp("2.0.18a", "2.0.18"), 0);
	assert_true(broker_version_cmp("2.0.18a", "2.0.19") < 0);
	assert_true(broker_version_cmp("10.0", "9.9.9") > 0);
}

static void test_parse_text(void **st)
{
	(void)st;
	char p[32], v[32];
	const char *t = "mosquitto version 2.0.11";
	assert_int_equal(broker_parse_version_text((const uint8_t *)t, strlen(t), p, sizeof(p), v,
						   sizeof(v)),
			 0);
	assert_string_equal(p, "mosquitto");
	assert_string_equal(v, "2.0.11");
	t = "FlashMQ version 1.9.1";
	assert_int_equal(broker_parse_version_text((const uint8_t *)t, strlen(t), p, sizeof(p), v,
						   sizeof(v)),
			 0);
	assert_string_equal(p, "flashmq");
	t = "v5.1.0";
	assert_int_equal(broker_parse_version_text((const uint8_t *)t, strlen(t), p, sizeof(p), v,
						   sizeof(v)),
			 0);
	assert_string_equal(p, "");
	assert_string_equal(v, "5.1.0");
	t = "HiveMQ/4.9.0";
	assert_int_equal(broker_parse_version_text((const uint8_t *)t, strlen(t), p, sizeof(p), v,
						   sizeof(v)),
			 0);
	assert_string_equal(p, "hivemq");
	assert_string_equal(v, "4.9.0");
	t = "no version here";
	assert_int_not_equal(broker_parse_version_text((const uint8_t *)t, strlen(t), p, sizeof(p),
						       v, sizeof(v)),
			     0);
	assert_int_not_equal(
		broker_parse_version_text((const uint8_t *)"", 0, p, sizeof(p), v, sizeof(v)), 0);
	const uint8_t nul[] = {'x', ' ', '1', 0, '2'};
	assert_int_not_equal(
		broker_parse_version_text(nul, sizeof(nul), p, sizeof(p), v, sizeof(v)), 0);
}

static void test_mosquitto_sys_and_cves(void **st)
{
	(void)st;
	struct msw_record r;
	record_init(&r, "mqtt");
	sys(&r, "$SYS/broker/uptime", "12 seconds");
	assert_null(r.broker_product);
	sys(&r, "$SYS/broker/version", "mosquitto version 2.0.11");
	assert_string_equal(r.broker_product, "mosquitto");
	assert_string_equal(r.broker_version, "2.0.11");
	sys(&r, "$SYS/broker/version", "mosquitto version 2.0.11"); /* retained + live: one entry */
	assert_int_equal(cJSON_GetArraySize(r.broker_evidence), 1);
	cJSON *e = cJSON_GetArrayItem(r.broker_evidence, 0);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(e, "source")),
			    "$SYS/broker/version");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(e, "value")),
			    "mosquitto version 2.0.11");

	broker_db_findings(&r);
	/* 2.0.11 lies in [2.0.0, 2.0.12), [1.3.2, 2.0.16), < 2.0.19 ... but not < 2.0.10 */
	assert_true(has_finding(&r, "broker.cve.CVE-2021-34434"));
	assert_true(has_finding(&r, "broker.cve.CVE-2021-41039"));
	assert_true(has_finding(&r, "broker.cve.CVE-2023-28366"));
	assert_true(has_finding(&r, "broker.cve.CVE-2024-8376"));
	assert_false(has_finding(&r, "broker.cve.CVE-2021-28166"));
	assert_false(has_finding(&r, "broker.cve.CVE-2021-34431")); /* fixed in 2.0.11 */
	assert_false(has_finding(&r, "broker.cve.CVE-2017-7650"));
	const struct msw_finding *f = finding(&r, "broker.cve.CVE-2023-28366");
	assert_int_equal(f->category, CAT_BROKER_INFO);
	assert_int_equal(f->severity, SEV_HIGH);
	assert_int_equal(f->cwe, 401);
	assert_non_null(strstr(f->remediation, "2.0.16"));
	assert_non_null(strstr(f->title, "2.0.11"));
	record_free(&r);
}

/* Issue 4: every finding id maps to a CWE and carries a reproduce line. A version below
 * every fixed release meets every row of the table. */
static void test_cve_cwe_and_reproduce(void **st)
{
	(void)st;
	const char *versions[] = {"1.4.10", "1.5.1", "1.6.3", "2.0.5"};
	size_t total = 0;
	for (size_t v = 0; v < sizeof(versions) / sizeof(versions[0]); v++) {
		struct msw_record r;
		char line[64];
		record_init(&r, "mqtt");
		snprintf(r.ip, sizeof(r.ip), "127.0.0.7");
		r.port = 8883;
		r.transport = TRANSPORT_TLS;
		snprintf(line, sizeof(line), "mosquitto version %s", versions[v]);
		sys(&r, "$SYS/broker/version", line);
		broker_db_findings(&r);
		assert_true(r.findings.n > 0);
		for (size_t i = 0; i < r.findings.n; i++) {
			const struct msw_finding *f = &record_findings(&r)[i];
			assert_true(f->cwe > 0);
			assert_non_null(f->reproduce);
			assert_non_null(strstr(f->reproduce, "mosquitto_sub -h 127.0.0.7 -p 8883 --capath"));
			assert_non_null(strstr(f->reproduce, "-t '$SYS/broker/version' -C 1"));
		}
		total += r.findings.n;
		record_free(&r);
	}
	assert_true(total >= broker_db_cve_count("mosquitto"));
	/* the record's CWE where it states one; ours from the description is said so */
	struct msw_record r;
	record_init(&r, "mqtt");
	sys(&r, "$SYS/broker/version", "mosquitto version 1.4.10");
	broker_db_findings(&r);
	assert_int_equal(finding(&r, "broker.cve.CVE-2017-7650")->cwe, 284);
	assert_int_equal(finding(&r, "broker.cve.CVE-2017-7654")->cwe, 401);
	assert_null(strstr(finding(&r, "broker.cve.CVE-2017-7654")->evidence, "from the description"));
	assert_non_null(strstr(finding(&r, "broker.cve.CVE-2017-7651")->evidence,
			       "CWE-770 assigned from the description"));
	/* a hostile reverse name never reaches the shell line */
	record_free(&r);
	record_init(&r, "mqtt");
	r.hostname = strdup("x;rm -rf $HOME");
	sys(&r, "$SYS/broker/version", "mosquitto version 1.4.10");
	broker_db_findings(&r);
	assert_non_null(strstr(finding(&r, "broker.cve.CVE-2017-7650")->reproduce, "-h x_rm_-rf__HOME "));
	record_free(&r);
}

static void test_old_mosquitto(void **st)
{
	(void)st;
	struct msw_record r;
	record_init(&r, "mqtt");
	sys(&r, "$SYS/broker/version", "mosquitto version 1.4.10");
	broker_db_findings(&r);
	assert_true(has_finding(&r, "broker.cve.CVE-2017-7650")); /* < 1.4.12 */
	assert_true(has_finding(&r, "broker.cve.CVE-2017-7651"));
	assert_true(has_finding(&r, "broker.cve.CVE-2017-7654"));
	assert_false(has_finding(&r, "broker.cve.CVE-2018-12543")); /* 1.5 to 1.5.2 only */
	assert_false(has_finding(&r, "broker.cve.CVE-2021-41039")); /* from 1.6 */
	record_free(&r);

	/* a CVE listed with two ranges yields one finding */
	record_init(&r, "mqtt");
	sys(&r, "$SYS/broker/version", "mosquitto version 1.6.3");
	broker_db_findings(&r);
	size_t n = 0;
	for (size_t i = 0; i < r.findings.n; i++)
		n += !strcmp(record_findings(&r)[i].id, "broker.cve.CVE-2019-11779");
	assert_int_equal(n, 1);
	assert_true(has_finding(&r, "broker.cve.CVE-2019-11778"));
	record_free(&r);

	/* the newest versions are clean */
	record_init(&r, "mqtt");
	sys(&r, "$SYS/broker/version", "mosquitto version 2.0.22");
	broker_db_findings(&r);
	assert_int_equal(r.findings.n, 0);
	assert_true(broker_db_cve_count("mosquitto") >= 15);
	record_free(&r);
}

static void test_other_brokers(void **st)
{
	(void)st;
	struct msw_record r;
	record_init(&r, "mqtt");
	sys(&r, "$SYS/brokers", "emqx@127.0.0.1");
	assert_string_equal(r.broker_product, "emqx");
	sys(&r, "$SYS/brokers/emqx@127.0.0.1/sysdescr", "EMQX");
	assert_string_equal(r.broker_product, "emqx");
	sys(&r, "$SYS/brokers/emqx@127.0.0.1/version", "5.1.0");
	assert_string_equal(r.broker_version, "5.1.0");
	broker_db_findings(&r);
	assert_int_equal(r.findings.n, 0); /* no EMQX rows */
	record_free(&r);

	record_init(&r, "mqtt");
	sys(&r, "$SYS/6c2b1fa0-aa/heartbeat", "6c2b1fa0-aa");
	assert_string_equal(r.broker_product, "aedes");
	assert_null(r.broker_version);
	record_free(&r);
	record_init(&r, "mqtt");
	sys(&r, "$SYS/ae41a08d-56ac-4d0b-b28b-4e44c3800e46/new/subscribes",
	    "{\"clientId\":\"msw-x\",\"subs\":[{\"topic\":\"#\",\"qos\":0}]}");
	assert_string_equal(r.broker_product, "aedes");
	record_free(&r);

	record_init(&r, "mqtt");
	sys(&r, "$SYS/VerneMQ@127.0.0.1/mqtt/connect/received", "3");
	assert_string_equal(r.broker_product, "vernemq");
	sys(&r, "$SYS/VerneMQ/x", "3"); /* prefix needs the '@' */
	record_free(&r);

	/* non-$SYS and wildcard-looking topics never match */
	record_init(&r, "mqtt");
	sys(&r, "home/broker/version", "mosquitto version 1.0");
	sys(&r, "$SYS/brokers/version", "1.0");
	assert_null(r.broker_product);
	record_free(&r);
}

static void test_connack_hints(void **st)
{
	(void)st;
	/* real Mosquitto 2.0.11 CONNACK to a 5.0 CONNECT with an empty client id */
	static const char *hex =
		"203500003222000a1200296175746f2d33433632394544392d304632392d353934442d344537392d313735413136443530463931210014";
	uint8_t b[64];
	size_t n = strlen(hex) / 2;
	for (size_t i = 0; i < n; i++) {
		unsigned x;
		sscanf(hex + 2 * i, "%2x", &x);
		b[i] = (uint8_t)x;
	}
	struct mqtt_frame f;
	union mqtt_any u;
	assert_int_equal(mqtt_decode_packet(MQTT_V5, b, n, 1u << 20, &f, &u), MSW_OK);
	struct msw_record r;
	record_init(&r, "mqtt");
	broker_db_observe_connack(&r, &u.connack.props);
	assert_string_equal(r.broker_product, "mosquitto");
	assert_null(r.broker_version);
	char *j = cJSON_PrintUnformatted(r.broker_evidence);
	assert_non_null(strstr(j, "receive_maximum=20 topic_alias_maximum=10"));
	assert_non_null(strstr(j, "auto-3C629ED9"));
	free(j);
	/* $SYS wins over the hint */
	sys(&r, "$SYS/broker/version", "mosquitto version 2.0.11");
	assert_string_equal(r.broker_version, "2.0.11");
	record_free(&r);

	/* different defaults: evidence only, no product */
	uint8_t other[] = {0x20, 0x0b, 0, 0, 8, 0x21, 0, 32, 0x22, 0xff, 0xff, 0x2a, 1};
	assert_int_equal(mqtt_decode_packet(MQTT_V5, other, sizeof(other), 1u << 20, &f, &u),
			 MSW_OK);
	record_init(&r, "mqtt");
	broker_db_observe_connack(&r, &u.connack.props);
	assert_null(r.broker_product);
	assert_int_equal(cJSON_GetArraySize(r.broker_evidence), 1);
	record_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_cmp),
		cmocka_unit_test(test_parse_text),
		cmocka_unit_test(test_mosquitto_sys_and_cves),
		cmocka_unit_test(test_cve_cwe_and_reproduce),
		cmocka_unit_test(test_old_mosquitto),
		cmocka_unit_test(test_other_brokers),
		cmocka_unit_test(test_connack_hints),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
