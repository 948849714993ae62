/* Broker fingerprint and CVE table tests: $SYS rules for Mosquitto, EMQX, Aedes and
 * VerneMQ, the MQTT 5 CONNACK hints (real Mosquitto 2.0.11 bytes), version comparison, and
 * the one "may be affected" finding a version yields per product (ranges are half-open:
 * the fixed version is clean; conditions beyond the version hold or are stated; never rated
 * above what the scan saw). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output/record.h"
#include "probes/broker_cves.h"
#include "probes/broker_db.h"
#include "probes/mqtt_codec.h"

static void sys(struct msw_record *r, const char *topic, const char *payload)
{
	broker_db_observe_topic(r, (const uint8_t *)topic, strlen(topic), (const uint8_t *)payload,
			      strlen(payload));
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

/* The CVE ids listed in the finding's evidence. */
static bool lists(const struct msw_finding *f, const char *cve)
{
	cJSON *e = cJSON_Parse(f->evidence), *it;
	bool hit = false;

	assert_non_null(e);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(e, "cves"))
		hit |= !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it, "id")), cve);
	cJSON_Delete(e);
	return hit;
}

/* What the evidence says of one CVE's condition: "holds", "only_if", or NULL. */
static const char *cond_of(const struct msw_finding *f, const char *cve)
{
	static char buf[300];
	cJSON *e = cJSON_Parse(f->evidence), *it;

	buf[0] = 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(e, "cves"))
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(it, "id")), cve)) {
			const char *o = cJSON_GetStringValue(cJSON_GetObjectItem(it, "condition"));
			bool seen = cJSON_IsTrue(cJSON_GetObjectItem(it, "condition_seen"));
			snprintf(buf, sizeof(buf), "%s", !o || seen ? "holds" : o);
		}
	cJSON_Delete(e);
	return buf[0] ? buf : NULL;
}

static struct msw_finding add_seen(struct msw_record *r, enum msw_severity sev)
{
	struct msw_finding f = { .id = "mqtt.anonymous", .category = CAT_BROKER_INFO,
				 .severity = sev, .confidence = CONF_CONFIRMED, .cwe = 306,
				 .title = "seen" };
	record_add_finding(r, &f);
	return f;
}

/* A $SYS banner of Debian's Mosquitto: "may be affected", its own confidence, one finding
 * with the highest fixed version, the dynamic-security CVE stated as a condition, and never
 * above what the scan saw. */
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
	assert_int_equal(r.nevidence, 1);
	assert_string_equal(r.evidence[0].source, "$SYS/broker/version");
	assert_string_equal(r.evidence[0].value, "mosquitto version 2.0.11");
	r.auth = AUTH_ANONYMOUS;
	r.mqtt = true;
	add_seen(&r, SEV_HIGH);

	broker_db_findings(&r);
	assert_int_equal(r.findings.n, 2); /* one finding for every CVE of the product */
	const struct msw_finding *f = finding(&r, "broker.version_cves");
	assert_non_null(f);
	assert_int_equal(f->confidence, CONF_VERSION_MATCH);
	assert_int_equal(f->category, CAT_BROKER_INFO);
	assert_int_equal(f->cwe, 1395);
	assert_non_null(strstr(f->title, "may be affected"));
	assert_non_null(strstr(f->title, "Mosquitto 2.0.11"));
	assert_non_null(strstr(f->title, "version string"));
	/* the highest fixed version among the matches, once */
	assert_non_null(strstr(f->title, "upgrade to 2.0.19 or later"));
	assert_non_null(strstr(f->remediation, "2.0.19"));
	assert_non_null(strstr(f->remediation, "deb12u2"));
	/* 2.0.11 lies in [2.0.0, 2.0.12), [1.3.2, 2.0.16), < 2.0.19 ... but not < 2.0.10 */
	assert_true(lists(f, "CVE-2021-34434"));
	assert_true(lists(f, "CVE-2023-28366"));
	assert_true(lists(f, "CVE-2024-8376"));
	assert_false(lists(f, "CVE-2021-28166"));
	assert_false(lists(f, "CVE-2021-34431")); /* fixed in 2.0.11 */
	assert_false(lists(f, "CVE-2017-7650"));
	/* dynamic security only: stated, not assumed */
	assert_non_null(strstr(cond_of(f, "CVE-2021-34434"), "dynamic-security plugin"));
	/* a connected client: the scan got in anonymously, so it holds */
	assert_string_equal(cond_of(f, "CVE-2024-8376"), "holds");
	assert_non_null(strstr(cond_of(f, "CVE-2023-28366"), "publish"));
	/* upstream 7.5, but the scan saw "high" at most */
	assert_int_equal(f->severity, SEV_HIGH);
	assert_non_null(strstr(f->reproduce, "-t '$SYS/broker/version' -C 1"));
	record_free(&r);

	/* credentials required, nothing else seen: the banner does not raise the service */
	record_init(&r, "mqtt");
	sys(&r, "$SYS/broker/version", "mosquitto version 2.0.11");
	r.auth = AUTH_CREDENTIALS_REQUIRED;
	add_seen(&r, SEV_LOW);
	broker_db_findings(&r);
	f = finding(&r, "broker.version_cves");
	assert_int_equal(f->severity, SEV_LOW);
	assert_non_null(strstr(cond_of(f, "CVE-2024-8376"), "connected client"));
	record_free(&r);

	/* MQTT 5 refused: the MQTT 5 only CVEs do not apply and are left out */
	record_init(&r, "mqtt");
	sys(&r, "$SYS/broker/version", "mosquitto version 2.0.9");
	r.versions = (struct msw_versions){.set = true, .planned = 4, .v = {0, 0, VR_REFUSED}};
	broker_db_findings(&r);
	f = finding(&r, "broker.version_cves");
	assert_false(lists(f, "CVE-2021-28166"));
	assert_false(lists(f, "CVE-2021-41039"));
	assert_true(lists(f, "CVE-2024-8376"));
	assert_int_equal(f->severity, SEV_INFO); /* nothing seen */
	record_free(&r);
	record_init(&r, "mqtt");
	sys(&r, "$SYS/broker/version", "mosquitto version 2.0.9");
	r.versions = (struct msw_versions){.set = true, .planned = 4, .v = {0, 0, VR_ACCEPTED}};
	broker_db_findings(&r);
	f = finding(&r, "broker.version_cves");
	assert_string_equal(cond_of(f, "CVE-2021-28166"), "holds");
	record_free(&r);
}

/* Every row has a CWE and a source; the finding a reproduce line for this target. */
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
		assert_int_equal(r.findings.n, 1);
		const struct msw_finding *f = &record_findings(&r)[0];
		assert_non_null(strstr(f->reproduce, "mosquitto_sub -h 127.0.0.7 -p 8883 --capath"));
		assert_non_null(strstr(f->reproduce, "-t '$SYS/broker/version' -C 1"));
		cJSON *e = cJSON_Parse(f->evidence), *it;
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(e, "cves")) {
			assert_non_null(cJSON_GetStringValue(cJSON_GetObjectItem(it, "source")));
			assert_non_null(strstr(cJSON_GetStringValue(cJSON_GetObjectItem(it, "cwe")), "CWE-"));
			total++;
		}
		cJSON_Delete(e);
		record_free(&r);
	}
	assert_true(total >= 15);
	/* the record's CWE where it states one; ours from the description is said so */
	struct msw_record r;
	record_init(&r, "mqtt");
	sys(&r, "$SYS/broker/version", "mosquitto version 1.4.10");
	broker_db_findings(&r);
	assert_non_null(strstr(record_findings(&r)[0].evidence, "\"id\":\"CVE-2017-7650\""));
	assert_non_null(strstr(record_findings(&r)[0].evidence, "CWE-770 (ours, from the description)"));
	record_free(&r);
	/* a hostile reverse name never reaches the shell line */
	record_init(&r, "mqtt");
	r.hostname = strdup("x;rm -rf $HOME");
	sys(&r, "$SYS/broker/version", "mosquitto version 1.4.10");
	broker_db_findings(&r);
	assert_non_null(strstr(record_findings(&r)[0].reproduce, "-h x_rm_-rf__HOME "));
	record_free(&r);
}

static void test_old_mosquitto(void **st)
{
	(void)st;
	struct msw_record r;
	record_init(&r, "mqtt");
	sys(&r, "$SYS/broker/version", "mosquitto version 1.4.10");
	broker_db_findings(&r);
	const struct msw_finding *f = finding(&r, "broker.version_cves");
	assert_true(lists(f, "CVE-2017-7650")); /* < 1.4.12 */
	assert_true(lists(f, "CVE-2017-7651"));
	assert_true(lists(f, "CVE-2017-7654"));
	assert_false(lists(f, "CVE-2018-12543")); /* 1.5 to 1.5.2 only */
	assert_false(lists(f, "CVE-2021-41039")); /* from 1.6 */
	assert_non_null(strstr(f->title, "2.0.19")); /* one upgrade: the highest fixed version */
	record_free(&r);

	/* a CVE listed with two ranges is listed once */
	record_init(&r, "mqtt");
	sys(&r, "$SYS/broker/version", "mosquitto version 1.6.3");
	broker_db_findings(&r);
	f = finding(&r, "broker.version_cves");
	char *ev = f->evidence;
	assert_non_null(strstr(ev, "CVE-2019-11779"));
	assert_null(strstr(strstr(ev, "CVE-2019-11779") + 1, "CVE-2019-11779"));
	assert_true(lists(f, "CVE-2019-11778"));
	record_free(&r);

	/* the newest versions are clean */
	record_init(&r, "mqtt");
	sys(&r, "$SYS/broker/version", "mosquitto version 2.0.22");
	broker_db_findings(&r);
	assert_int_equal(r.findings.n, 0);
	assert_true(broker_db_cve_count("mosquitto") >= 15);
	record_free(&r);
}

/* RabbitMQ and ActiveMQ banners as Debian 12 ships them: in range, patched by Debian. */
static void test_other_products(void **st)
{
	(void)st;
	struct msw_record r;
	record_init(&r, "amqp");
	r.broker_product = strdup("rabbitmq");
	r.broker_version = strdup("3.10.8");
	broker_db_findings(&r);
	const struct msw_finding *f = finding(&r, "broker.version_cves");
	assert_non_null(f);
	assert_true(lists(f, "CVE-2023-46118"));
	assert_false(lists(f, "CVE-2016-9877"));
	assert_non_null(strstr(f->remediation, "3.10.8-1.1+deb12u1"));
	assert_non_null(strstr(f->title, "RabbitMQ 3.10.8 may be affected"));
	record_free(&r);

	record_init(&r, "amqp");
	r.broker_product = strdup("activemq");
	r.broker_version = strdup("5.17.2");
	add_seen(&r, SEV_INFO);
	broker_db_findings(&r);
	f = finding(&r, "broker.version_cves");
	assert_true(lists(f, "CVE-2023-46604"));
	assert_non_null(strstr(cond_of(f, "CVE-2023-46604"), "OpenWire"));
	assert_int_equal(f->severity, SEV_INFO); /* CVSS 10, but nothing was seen here */
	assert_non_null(strstr(f->remediation, "CVE-2023-46604"));
	record_free(&r);

	/* no version on the wire: never matched */
	record_init(&r, "mqtt");
	r.broker_product = strdup("aedes");
	r.broker_version = strdup("1.0.0");
	broker_db_findings(&r);
	assert_int_equal(r.findings.n, 0);
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
	assert_int_equal(r.findings.n, 0); /* 5.1.0: no EMQX row applies */
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
	bool defaults = false, prefix = false;
	for (size_t i = 0; i < r.nevidence; i++) {
		defaults |= strstr(r.evidence[i].value, "receive_maximum=20 topic_alias_maximum=10") != NULL;
		prefix |= strstr(r.evidence[i].value, "auto-3C629ED9") != NULL ||
			  strstr(r.evidence[i].source, "auto-3C629ED9") != NULL;
	}
	assert_true(defaults);
	assert_true(prefix);
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
	assert_int_equal(r.nevidence, 1);
	record_free(&r);
}

static void md(char **b, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*b = realloc(*b, *cap);
		assert_non_null(*b);
	}
	memcpy(*b + *len, s, n + 1);
	*len += n;
}

static const char *cond_name(enum cve_cond c)
{
	static const char *const n[] = {
		[CV_NONE] = "-", [CV_CLIENT] = "client", [CV_PUBLISH] = "publish", [CV_MQTT5] = "mqtt5",
		[CV_MQTT] = "mqtt", [CV_CONFIG] = "config", [CV_OTHER_PORT] = "other port",
	};
	return n[c];
}

/* The CVE tables of docs/broker-zoo.md, from broker_cves.c: the section from
 * "<!-- cve tables -->" to the end. MSW_CVES_MD=FILE writes the generated text. */
static void test_docs_cve_tables(void **st)
{
	(void)st;
	char *b = NULL, line[2048], path[1024];
	size_t len = 0, cap = 0;

	md(&b, &len, &cap, "<!-- cve tables: generated from src/probes/broker_cves.c (test_broker_db) -->\n");
	for (size_t p = 0; p < broker_ncve_products; p++) {
		const struct cve_product *pr = &broker_cve_products[p];

		snprintf(line, sizeof(line), "\n### `%s` (%s)%s\n\n| id | affected | fixed | CVSS | CWE | "
			 "condition | what | source |\n|---|---|---|---|---|---|---|---|\n", pr->product, pr->name,
			 pr->version_on_wire ? "" : ": no version on the wire, never matched");
		md(&b, &len, &cap, line);
		if (!broker_db_cve_count(pr->product))
			md(&b, &len, &cap, "| - | | | | | | no broker CVE found in the sources searched | |\n");
		for (size_t i = 0; i < broker_ncves; i++) {
			const struct cve_row *r = &broker_cves[i];
			char aff[96], score[16];

			if (strcmp(r->product, pr->product))
				continue;
			if (r->fixed)
				snprintf(aff, sizeof(aff), "%s%s", r->from ? "≥ " : "all before the fix",
					 r->from ? r->from : "");
			else
				snprintf(aff, sizeof(aff), "%s%s ≤ %s", r->from ? "≥ " : "", r->from ? r->from : "", r->last);
			snprintf(score, sizeof(score), r->cvss > 0 ? "%.1f" : "-", r->cvss);
			snprintf(line, sizeof(line), "| %s | %s | %s | %s | %d%s | %s%s%s | %s | %s |\n", r->cve, aff,
				 r->fixed ? r->fixed : "-", score, r->cwe, r->cwe_inferred ? " (ours)" : "",
				 cond_name(r->cond), r->condition ? ": " : "", r->condition ? r->condition : "",
				 r->title, r->source);
			md(&b, &len, &cap, line);
		}
		if (pr->backports) {
			snprintf(line, sizeof(line), "\nBackports: %s.\n", pr->backports);
			md(&b, &len, &cap, line);
		}
	}
	const char *out = getenv("MSW_CVES_MD");
	if (out) {
		FILE *f = fopen(out, "w");
		assert_non_null(f);
		fputs(b, f);
		fclose(f);
	}
	const char *src = getenv("MSW_SOURCE_DIR");
	snprintf(path, sizeof(path), "%s/docs/broker-zoo.md", src ? src : MSW_SOURCE_DIR);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char doc[1 << 20];
	size_t n = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[n] = 0;
	char *sec = strstr(doc, "<!-- cve tables");
	bool same = sec && strcmp(sec, b) == 0;
	free(b);
	if (!same)
		fail_msg("docs/broker-zoo.md CVE tables differ from broker_cves.c; regenerate with "
			 "MSW_CVES_MD=/tmp/cves.md test_broker_db and paste it in");
}

/* Recorded MQTT 5 CONNACK shapes, one per product, to our CONNECT (no empty client id):
 * measured for Mosquitto 2.0.11, the others built from each product's CONNACK code as
 * docs/broker-zoo.md cites it. Each must name its product and nothing else. */
static void test_connack_shapes(void **st)
{
	(void)st;
	static const struct {
		const char *product, *hex;
	} shapes[] = {
		{"mosquitto", "20090000062200" "0a210014"},
		{"mosquitto", "2006000003" "22000a"},
		{"hivemq", "2009000006" "21000a" "220005"},
		{"vernemq", "2003000000"},
		{"emqx", "2016000013" "2501" "2700100000" "22ffff" "2801" "2901" "2a01" "210020"},
		{"emqx", "2013000010" "2501" "2700100000" "22ffff" "2801" "2901" "2a01"},
		{"rabbitmq", "2014000011" "2401" "220010" "2701000000" "2a00" "1100000000"},
		{"artemis", "200b000008" "22ffff" "270fffffff"},
		{"nanomq", "201000000d" "1100000000" "220000" "2710400000"},
		{"flashmq", "201e00001b" "1100000000" "210200" "2501" "2710000000" "22ffff" "2801" "2901" "2a01" "13003c"},
		{"moquette", "201000000d" "11ffffffff" "2501" "2801" "2901" "2a01"},
		{"mochi", "2006000003" "210400"},
		{NULL, "2009000006" "210021" "220007"},   /* an unknown combination names nothing */
	};
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		uint8_t b[128];
		size_t n = strlen(shapes[i].hex) / 2;
		for (size_t k = 0; k < n; k++) {
			unsigned x;
			sscanf(shapes[i].hex + 2 * k, "%2x", &x);
			b[k] = (uint8_t)x;
		}
		struct mqtt_frame f;
		union mqtt_any u;
		assert_int_equal(mqtt_decode_packet(MQTT_V5, b, n, 1u << 20, &f, &u), MSW_OK);
		const char *got = broker_db_connack_product(&u.connack.props);
		if (!shapes[i].product)
			assert_null(got);
		else if (!got || strcmp(got, shapes[i].product))
			fail_msg("shape %zu (%s) named %s", i, shapes[i].product, got ? got : "nothing");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_cmp),
		cmocka_unit_test(test_parse_text),
		cmocka_unit_test(test_mosquitto_sys_and_cves),
		cmocka_unit_test(test_cve_cwe_and_reproduce),
		cmocka_unit_test(test_old_mosquitto),
		cmocka_unit_test(test_other_products),
		cmocka_unit_test(test_docs_cve_tables),
		cmocka_unit_test(test_other_brokers),
		cmocka_unit_test(test_connack_hints),
		cmocka_unit_test(test_connack_shapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
