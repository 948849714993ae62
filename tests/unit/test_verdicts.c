/* Verdicts that must not be wrong (each a case a new user met): a broker's own $SYS
 * retained count is no proof of an ACL; a topic that looks like the fixture notation for a
 * file is still an MQTT topic; our own connection's $SYS events are not a leak; $SYS
 * remediation names the product's own switch; a BSSID is redacted like a position; a
 * version banner says "may be affected", in one finding, and rates no higher than what the
 * broker was seen to do. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "classify/classify.h"
#include "output/record.h"
#include "probes/broker_db.h"

static void rec_init(struct msw_record *r, enum msw_read_access ra)
{
	record_init(r, "mqtt");
	snprintf(r->ip, sizeof(r->ip), "127.0.0.1");
	r->port = 1883;
	r->auth = AUTH_ANONYMOUS;
	r->transport = TRANSPORT_TCP;
	r->read_access = ra;
}

static void msg(struct classify_ctx *c, const char *t, const char *p, bool retained)
{
	cls_message(c, (const uint8_t *)t, strlen(t), (const uint8_t *)p, strlen(p), retained);
}

static const struct msw_finding *find(const struct msw_record *r, const char *id)
{
	for (size_t i = 0; i < r->findings.n; i++)
		if (strcmp(record_findings(r)[i].id, id) == 0)
			return &record_findings(r)[i];
	return NULL;
}

static bool any_text(const struct msw_record *r, const char *needle)
{
	for (size_t i = 0; i < r->findings.n; i++) {
		const struct msw_finding *f = &record_findings(r)[i];
		const char *s[] = { f->title, f->evidence, f->remediation, f->reproduce };

		for (size_t k = 0; k < 4; k++)
			if (s[k] && strstr(s[k], needle))
				return true;
	}
	return false;
}

static bool has_tag(const struct msw_record *r, const char *tag)
{
	cJSON *j = record_to_json(r, "t"), *it; /* what the sinks read */
	bool has = false;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "tags"))
		has |= cJSON_IsString(it) && strcmp(it->valuestring, tag) == 0;
	cJSON_Delete(j);
	return has;
}

/* Mosquitto 2.0.x's retained $SYS topics as a fresh broker publishes them: the version and
 * `n - 1` counters, `count` the value of "retained messages/count". */
static void mosquitto_sys(struct classify_ctx *c, int n, long count)
{
	char t[64], v[24];

	msg(c, "$SYS/broker/version", "mosquitto version 2.0.11", true);
	for (int i = 1; i < n - 1; i++) {
		snprintf(t, sizeof(t), "$SYS/broker/load/x%d/1min", i);
		msg(c, t, "0.00", true);
	}
	snprintf(v, sizeof(v), "%ld", count);
	msg(c, "$SYS/broker/retained messages/count", v, true);
}

static struct msw_record run_sys(int received, long count, const char *extra_topic)
{
	struct msw_config cfg = { .evidence = EVIDENCE_REDACTED };
	struct classify_ctx *c = cls_new(&cfg);
	struct msw_record r;

	rec_init(&r, READ_GRANTED_NO_DATA);
	mosquitto_sys(c, received, count);
	if (extra_topic)
		msg(c, extra_topic, "1", true);
	cls_service(c, &r);
	cls_finish(c, &r);
	cls_free(c);
	return r;
}

/* An open, empty Mosquitto: its count includes its own $SYS values (52 received, 53
 * counted; after a while the two drift apart as unchanged values expire). No ACL claim. */
static void test_sys_count_is_not_an_acl(void **state)
{
	(void)state;
	for (long count = 52; count <= 53 + 10; count++) {
		struct msw_record r = run_sys(52, count, NULL);

		assert_null(find(&r, "mqtt.acl_filtered"));
		assert_false(has_tag(&r, "acl_filtered"));
		record_free(&r);
	}
	/* even every $SYS value expired unseen (only 10 arrived) and a bridge is still explained */
	struct msw_record r = run_sys(10, 54, "$SYS/broker/connection/site-b/state");
	assert_null(find(&r, "mqtt.acl_filtered"));
	record_free(&r);
	/* many more retained messages than the broker's own tree: a hint, worded as one */
	r = run_sys(52, 52 + 80, NULL);
	const struct msw_finding *f = find(&r, "mqtt.acl_filtered");
	assert_non_null(f);
	assert_int_equal(f->severity, SEV_INFO);
	assert_int_equal(f->confidence, CONF_INFERRED);
	assert_non_null(strstr(f->title, "possibly"));
	assert_non_null(strstr(f->title, "'$' topics"));
	assert_true(has_tag(&r, "acl_filtered"));
	record_free(&r);
	/* not Mosquitto (no version text): the arithmetic does not apply */
	struct msw_config cfg = { 0 };
	struct classify_ctx *c = cls_new(&cfg);
	rec_init(&r, READ_GRANTED_NO_DATA);
	msg(c, "$SYS/broker/retained messages/count", "500", true);
	cls_service(c, &r);
	cls_finish(c, &r);
	cls_free(c);
	assert_null(find(&r, "mqtt.acl_filtered"));
	record_free(&r);
}

/* A broker publishing on "(smb) secrets.yaml" gets an MQTT finding about that topic, never a
 * file-share finding with an smbclient line. */
static void test_smb_notation_is_a_topic(void **state)
{
	struct msw_config cfg = { .evidence = EVIDENCE_REDACTED };
	struct classify_ctx *c = cls_new(&cfg);
	struct msw_record r;

	(void)state;
	rec_init(&r, READ_GRANTED_WITH_DATA);
	msg(c, "(smb) secrets.yaml", "mqtt_password: Sup3rS3cretPassw0rd\nlatitude: 52.123456\n", true);
	msg(c, "(smb) \\\\HA\\config\\.storage\\auth", "{\"data\":{\"refresh_tokens\":[{\"token\":\"abcdef0123456789\"}]}}", true);
	cls_finish(c, &r);
	cls_free(c);
	for (size_t i = 0; i < r.findings.n; i++) {
		const struct msw_finding *f = &record_findings(&r)[i];

		assert_true(strncmp(f->id, "files.", 6) != 0);
		assert_null(strstr(f->reproduce, "smbclient"));
		assert_non_null(strstr(f->reproduce, "mosquitto_sub"));
	}
	const struct msw_finding *f = find(&r, "generic.secret");
	assert_non_null(f);
	assert_memory_equal(f->topic.p, "(smb) secrets.yaml", f->topic.len);
	assert_int_equal(f->category, CAT_CREDENTIAL);
	record_free(&r);
}

/* Aedes announces our own CONNECT and SUBSCRIBE on $SYS; another client's are a finding. */
static void test_own_events_ignored(void **state)
{
	struct msw_config cfg = { .evidence = EVIDENCE_REDACTED };
	struct classify_ctx *c = cls_new(&cfg);
	struct msw_record r;
	const char *b = "$SYS/3f0c4b3e-9d52-4d8e-a8a5-0b8f2a3c9e11";
	char t[128];

	(void)state;
	rec_init(&r, READ_GRANTED_WITH_DATA);
	cls_own_client(c, "msw-AbCdEf0123456789xyz");
	snprintf(t, sizeof(t), "%s/new/clients", b);
	msg(c, t, "msw-AbCdEf0123456789xyz", false);
	snprintf(t, sizeof(t), "%s/new/subscribes", b);
	msg(c, t, "{\"clientId\":\"msw-AbCdEf0123456789xyz\",\"subs\":[{\"topic\":\"#\",\"qos\":0}]}", false);
	msg(c, "$SYS/brokers/emqx@127.0.0.1/clients/msw-AbCdEf0123456789xyz/connected",
	    "{\"clientid\":\"msw-AbCdEf0123456789xyz\",\"username\":null,\"ipaddress\":\"127.0.0.1\"}", false);
	cls_finish(c, &r);
	for (size_t i = 0; i < r.findings.n; i++)   /* only the service's own verdict */
		assert_string_equal(record_findings(&r)[i].id, "mqtt.anonymous");
	record_free(&r);
	cls_free(c);

	c = cls_new(&cfg);
	rec_init(&r, READ_GRANTED_WITH_DATA);
	cls_own_client(c, "msw-AbCdEf0123456789xyz");
	snprintf(t, sizeof(t), "%s/new/clients", b);
	msg(c, t, "kitchen-tablet-7", false);
	cls_finish(c, &r);
	cls_free(c);
	const struct msw_finding *f = find(&r, "aedes.clients");
	assert_non_null(f);
	/* Aedes has no sys_interval: the advice is its own */
	assert_null(strstr(f->remediation, "sys_interval"));
	assert_non_null(strstr(f->remediation, "authorizeSubscribe"));
	record_free(&r);
}

static void test_remediation_fits_product(void **state)
{
	struct msw_config cfg = { 0 };
	struct classify_ctx *c = cls_new(&cfg);
	struct msw_record r;

	(void)state;
	rec_init(&r, READ_GRANTED_WITH_DATA);
	msg(c, "$SYS/broker/version", "mosquitto version 2.0.18", true);
	msg(c, "$SYS/VerneMQ@127.0.0.1/mqtt/connack/sent", "12", false);
	msg(c, "$SYS/brokers/emqx@192.0.2.5/version", "5.8.9", true);
	cls_finish(c, &r);
	cls_free(c);
	assert_non_null(strstr(find(&r, "mosquitto.version")->remediation, "sys_interval 0"));
	assert_non_null(strstr(find(&r, "vernemq.sys")->remediation, "systree_enabled"));
	assert_null(strstr(find(&r, "vernemq.sys")->remediation, "sys_interval"));
	assert_null(strstr(find(&r, "emqx.sys")->remediation, "sys_interval"));
	record_free(&r);

	/* a bare version (Mochi) is not called Mosquitto */
	c = cls_new(&cfg);
	rec_init(&r, READ_GRANTED_WITH_DATA);
	msg(c, "$SYS/broker/version", "2.7.9", true);
	cls_finish(c, &r);
	cls_free(c);
	assert_null(find(&r, "mosquitto.version"));
	assert_non_null(find(&r, "sys.version"));
	record_free(&r);
}

/* Tasmota STATE and a generic payload: the BSSID keeps its vendor prefix only. */
static void test_bssid_redacted(void **state)
{
	static const char *tas = "{\"Time\":\"2026-01-02T10:00:00\",\"POWER\":\"ON\",\"Wifi\":{\"AP\":1,"
				 "\"SSId\":\"HomeNet\",\"BSSId\":\"A4:2B:B0:12:34:56\",\"Channel\":6,\"RSSI\":80}}";
	struct msw_config cfg = { .evidence = EVIDENCE_REDACTED };
	struct classify_ctx *c = cls_new(&cfg);
	struct msw_record r;
	size_t n = 0;
	uint8_t *s;

	(void)state;
	rec_init(&r, READ_GRANTED_WITH_DATA);
	msg(c, "tele/plug1/STATE", tas, true);
	msg(c, "sensors/esp1/info", "{\"bssid\":\"a4:2b:b0:65:43:21\",\"ip\":\"192.168.1.7\"}", true);
	msg(c, "espurna-1A2B3C/bssid", "A4:2B:B0:AB:CD:EF", true);
	cls_finish(c, &r);
	cls_free(c);
	assert_non_null(find(&r, "tasmota.state_wifi"));
	assert_false(any_text(&r, "12:34:56"));
	assert_false(any_text(&r, "65:43:21"));
	assert_false(any_text(&r, "AB:CD:EF"));
	assert_true(any_text(&r, "A4:2B:B0:xx:xx:xx"));
	record_free(&r);

	s = cls_redact_sample(&cfg, (const uint8_t *)"tele/plug1/STATE", 16, (const uint8_t *)tas,
			      strlen(tas), 1024, &n);
	assert_non_null(s);
	assert_null(memmem(s, n, "12:34:56", 8));
	assert_non_null(memmem(s, n, "A4:2B:B0", 8));
	free(s);
	s = cls_redact_sample(&cfg, (const uint8_t *)"espurna-1A2B3C/bssid", 20,
			      (const uint8_t *)"A4:2B:B0:AB:CD:EF", 17, 1024, &n);
	assert_non_null(s);
	assert_null(memmem(s, n, "AB:CD:EF", 8));
	free(s);

	/* raw shows it */
	cfg.evidence = EVIDENCE_RAW;
	c = cls_new(&cfg);
	rec_init(&r, READ_GRANTED_WITH_DATA);
	msg(c, "tele/plug1/STATE", tas, true);
	cls_finish(c, &r);
	cls_free(c);
	assert_true(any_text(&r, "A4:2B:B0:12:34:56"));
	record_free(&r);
}

/* Debian's Mosquitto 2.0.11 (open, anonymous): CVEs from the banner are "may be affected",
 * version_match, one upgrade advice, the dynamic-security CVE's condition stated, and the
 * service's headline stays the anonymous access (high) it was seen to allow. */
static void test_version_banner_may_be_affected(void **state)
{
	struct msw_config cfg = { .evidence = EVIDENCE_REDACTED };
	struct classify_ctx *c = cls_new(&cfg);
	struct msw_record r;
	const char *t = "$SYS/broker/version", *v = "mosquitto version 2.0.11";
	enum msw_severity worst = SEV_INFO, worst_seen = SEV_INFO;
	int n = 0;

	(void)state;
	rec_init(&r, READ_GRANTED_NO_DATA);
	r.mqtt = true;
	msg(c, t, v, true);
	broker_db_observe_topic(&r, (const uint8_t *)t, strlen(t), (const uint8_t *)v, strlen(v));
	cls_service(c, &r);
	cls_finish(c, &r);
	cls_free(c);
	broker_db_findings(&r);
	for (size_t i = 0; i < r.findings.n; i++) {
		const struct msw_finding *f = &record_findings(&r)[i];

		if (f->confidence == CONF_VERSION_MATCH) {
			n++;
			assert_string_equal(f->id, "broker.version_cves");
			assert_non_null(strstr(f->title, "may be affected"));
			assert_non_null(strstr(f->evidence, "dynamic-security plugin"));
			assert_non_null(strstr(f->remediation, "2.0.19 or later"));
			if (f->severity > worst)
				worst = f->severity;
		} else if (f->severity > worst_seen) {
			worst_seen = f->severity;
		}
	}
	assert_int_equal(n, 1);
	assert_int_equal(worst_seen, SEV_HIGH); /* mqtt.anonymous */
	assert_true(worst <= worst_seen);
	record_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sys_count_is_not_an_acl),
		cmocka_unit_test(test_smb_notation_is_a_topic),
		cmocka_unit_test(test_own_events_ignored),
		cmocka_unit_test(test_remediation_fits_product),
		cmocka_unit_test(test_bssid_redacted),
		cmocka_unit_test(test_version_banner_may_be_affected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
