/* record.c: vocabularies, UTF-8 gate, record_to_json (every field, _b64 fallbacks,
 * extension blocks) and schema validity via tests/tools/validate_schema.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "output/record.h"
#include "probes/mqtt_props_rec.h"
#include "transport/tlsinfo.h"
#include "test_util.h"

static void test_vocabularies(void **st)
{
	static const char *const stv[] = {"success", "connection-refused", "connection-timeout",
		"connection-closed", "io-timeout", "handshake-error", "protocol-error",
		"application-error", "invalid-inputs", "blocklisted-target", "unknown-error",
		"interrupted"};
	static const char *const au[] = {"unknown", "anonymous", "any_credentials",
		"authenticated", "credentials_required", "client_cert_required", "not_authorized",
		"banned", "server_moved", "use_another_server"};
	static const char *const cats[] = {"location", "presence", "door_state",
		"actuator_control", "credential", "network_key", "device_inventory", "broker_info",
		"dashboard", "file_share"};
	(void)st;
	for (int i = 0; i < ST__COUNT; i++)
		assert_string_equal(status_str((enum msw_status)i), stv[i]);
	for (int i = 0; i < AUTH__COUNT; i++)
		assert_string_equal(auth_str((enum msw_auth)i), au[i]);
	for (int i = 0; i < CAT__COUNT; i++) {
		assert_string_equal(category_str((enum msw_category)i), cats[i]);
		assert_int_equal(category_from_str(cats[i]), i);
	}
	assert_string_equal(read_access_str(READ_GRANTED_NO_DATA), "granted_no_data");
	assert_string_equal(read_access_str(READ_GRANTED_WITH_DATA), "granted_with_data");
	assert_string_equal(read_access_str(READ_DENIED), "denied");
	assert_string_equal(read_access_str(READ_UNTESTED), "untested");
	assert_string_equal(write_access_str(WRITE_INFERRED), "inferred");
	assert_string_equal(write_access_str(WRITE_CONFIRMED), "confirmed");
	assert_string_equal(transport_str(TRANSPORT_WSS), "wss");
	assert_string_equal(transport_str(TRANSPORT_TLS), "tls");
	assert_string_equal(severity_str(SEV_CRITICAL), "critical");
	assert_string_equal(confidence_str(CONF_INFERRED), "inferred");
	assert_int_equal(severity_from_str("high"), SEV_HIGH);
	assert_int_equal(severity_from_str("nope"), -1);
	assert_int_equal(severity_from_str(NULL), -1);
	assert_int_equal(category_from_str("location "), -1);
	/* out of range never crashes */
	assert_non_null(status_str((enum msw_status)99));
	assert_non_null(auth_str((enum msw_auth)-1));
}

static void test_utf8(void **st)
{
	(void)st;
	assert_true(utf8_valid((const uint8_t *)"", 0));
	assert_true(utf8_valid((const uint8_t *)"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80", 15));
	assert_false(utf8_valid((const uint8_t *)"\xc0\xaf", 2));          /* overlong '/' */
	assert_false(utf8_valid((const uint8_t *)"\xe0\x80\xaf", 3));      /* overlong */
	assert_false(utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));      /* surrogate */
	assert_false(utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4));  /* > U+10FFFF */
	assert_false(utf8_valid((const uint8_t *)"\xe2\x82", 2));          /* truncated */
	assert_false(utf8_valid((const uint8_t *)"\xff", 1));
	assert_false(utf8_valid((const uint8_t *)"a\x80", 2));
}

static void test_json_add_bytes(void **st)
{
	cJSON *o = cJSON_CreateObject();
	(void)st;
	json_add_bytes(o, "a", (const uint8_t *)"plain", 5);
	json_add_bytes(o, "b", (const uint8_t *)"\xff\xfe", 2);
	json_add_bytes(o, "c", (const uint8_t *)"x\0y", 3);           /* NUL: not lossy */
	json_add_bytes(o, "d", (const uint8_t *)"\x1b[2J", 4);         /* valid, escaped by JSON */
	json_add_bytes(o, "e", NULL, 0);
	assert_string_equal(cJSON_GetObjectItem(o, "a")->valuestring, "plain");
	assert_null(cJSON_GetObjectItem(o, "b"));
	assert_string_equal(cJSON_GetObjectItem(o, "b_b64")->valuestring, "//4=");
	assert_string_equal(cJSON_GetObjectItem(o, "c_b64")->valuestring, "eAB5");
	assert_string_equal(cJSON_GetObjectItem(o, "d")->valuestring, "\x1b[2J");
	assert_string_equal(cJSON_GetObjectItem(o, "e")->valuestring, "");
	char *txt = cJSON_PrintUnformatted(o);
	assert_non_null(strstr(txt, "\\u001b[2J"));
	cJSON_free(txt);
	cJSON_Delete(o);
}

static void fill_record(struct msw_record *r)
{
	struct msw_finding f = {0};
	struct msw_topic *t;

	record_init(r, "mqtt");
	snprintf(r->scan_id, sizeof(r->scan_id), "scan-test");
	r->start_us = 1764091547123456LL;   /* 2025-11-25T17:25:47.123Z */
	r->duration_ms = 42;
	snprintf(r->ip, sizeof(r->ip), "127.0.0.1");
	snprintf(r->source_ip, sizeof(r->source_ip), "127.0.0.1");
	r->port = 1883;
	r->status = ST_SUCCESS;
	r->mqtt = true;
	snprintf(r->mqtt_version, sizeof(r->mqtt_version), "3.1.1");
	r->auth = AUTH_ANONYMOUS;
	r->connack_code = 0;
	mbytes_set(&r->connack_raw, "\x20\x02\x00\x00", 4);
	r->read_access = READ_GRANTED_WITH_DATA;
	r->write_access = WRITE_INFERRED;
	r->broker_product = strdup("mosquitto");
	r->broker_version = strdup("2.0.11\x1b]0;pwned\x07");
	t = record_topic(r, (const uint8_t *)"owntracks/jo/phone", 18, 4);
	t->retained = true;
	t->messages = 2;
	t->bytes = 200;
	mbytes_set(&t->sample, "{\"_type\":\"location\"}", 20);
	t = record_topic(r, (const uint8_t *)"bad/\xff\xfe", 6, 4);
	t->messages = 1;
	mbytes_set(&t->sample, "\x00\x01\x02", 3);
	t->sample_truncated = true;
	r->topic_count = 3;
	r->retained_count = 1;
	r->messages_total = 3;
	r->bytes_total = 203;
	r->topics_truncated = true;
	f.id = "owntracks.location";
	f.category = CAT_LOCATION;
	f.severity = SEV_CRITICAL;
	f.confidence = CONF_CONFIRMED;
	f.cwe = 359;
	mbytes_set(&f.topic, "owntracks/jo/phone", 18);
	f.title = "Anyone can see where jo's phone is";
	f.evidence = "lat 52.52, lon 13.40";
	f.remediation = "Require a password";
	f.reproduce = "mosquitto_sub -h 127.0.0.1 -t 'owntracks/#' -v";
	assert_non_null(record_add_finding(r, &f));
	mbytes_free(&f.topic);
}

static void test_record_to_json(void **st)
{
	struct msw_record r;
	cJSON *j, *c, *t, *list, *f;
	(void)st;

	fill_record(&r);
	j = record_to_json(&r, "0.1.0");
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "schema")->valuestring, "mqttsweep.record/1");
	assert_string_equal(cJSON_GetObjectItem(j, "kind")->valuestring, "service");
	assert_string_equal(cJSON_GetObjectItem(j, "timestamp")->valuestring, "2025-11-25T17:25:47.123Z");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "hostname")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "error")));
	assert_string_equal(cJSON_GetObjectItem(j, "status")->valuestring, "success");
	assert_string_equal(cJSON_GetObjectItem(j, "auth")->valuestring, "anonymous");
	assert_string_equal(cJSON_GetObjectItem(j, "write_access")->valuestring, "inferred");
	c = cJSON_GetObjectItem(j, "connack");
	assert_int_equal(cJSON_GetObjectItem(c, "code")->valueint, 0);
	assert_string_equal(cJSON_GetObjectItem(c, "reason")->valuestring, "Connection Accepted");
	assert_string_equal(cJSON_GetObjectItem(c, "raw_hex")->valuestring, "20020000");
	t = cJSON_GetObjectItem(j, "topics");
	assert_int_equal(cJSON_GetObjectItem(t, "count")->valueint, 3);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(t, "truncated")));
	list = cJSON_GetObjectItem(t, "list");
	assert_int_equal(cJSON_GetArraySize(list), 2);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 0), "topic")->valuestring,
			    "owntracks/jo/phone");
	assert_null(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 1), "topic"));
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 1), "topic_b64")->valuestring,
			    "YmFkL//+");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(list, 1), "sample_b64")->valuestring,
			    "AAEC");
	f = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "findings"), 0);
	assert_string_equal(cJSON_GetObjectItem(f, "category")->valuestring, "location");
	assert_string_equal(cJSON_GetObjectItem(f, "severity")->valuestring, "critical");
	assert_int_equal(cJSON_GetObjectItem(f, "cwe")->valueint, 359);
	assert_string_equal(cJSON_GetObjectItem(f, "topic")->valuestring, "owntracks/jo/phone");
	cJSON_Delete(j);
	record_free(&r);
}

static void test_connack_v5_and_missing(void **st)
{
	struct msw_record r;
	cJSON *j, *c;
	(void)st;

	record_init(&r, "mqtt");
	snprintf(r.mqtt_version, sizeof(r.mqtt_version), "5.0");
	r.connack_code = 0x87;
	r.mqtt = true;
	r.auth = AUTH_NOT_AUTHORIZED;
	{
		struct mqtt_props p = {0};
		p.present = 1ull << MQTT_P_REASON_STRING;
		p.v[MQTT_P_REASON_STRING].s = (struct slice){(const uint8_t *)"no \xff way", 8};
		fref_set(&r.connack_props, &mqtt_props_table, mqtt_props_keep(&p));
	}
	j = record_to_json(&r, "x");
	c = cJSON_GetObjectItem(j, "connack");
	assert_string_equal(cJSON_GetObjectItem(c, "reason")->valuestring, "Not authorized");
	/* invalid UTF-8 in a block's text is written as _b64, never raw */
	c = cJSON_GetObjectItem(c, "properties");
	assert_null(cJSON_GetObjectItem(c, "reason_string"));
	assert_non_null(cJSON_GetObjectItem(c, "reason_string_b64"));
	cJSON_Delete(j);
	record_free(&r);

	record_init(&r, "mqtt");
	r.status = ST_IO_TIMEOUT;
	record_set_error(&r, "no answer within %d ms", 3000);
	j = record_to_json(&r, "x");
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "connack")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "mqtt_version")));
	assert_string_equal(cJSON_GetObjectItem(j, "error")->valuestring, "no answer within 3000 ms");
	assert_string_equal(cJSON_GetObjectItem(j, "status")->valuestring, "io-timeout");
	cJSON_Delete(j);
	record_free(&r);
}

/* An http record over TLS: the tls block under its key, the envelope's own fields. */
static void test_tls_block(void **st)
{
	struct msw_record r;
	cJSON *j;
	(void)st;

	record_init(&r, "http");
	r.kind = KIND_SERVICE;
	struct tls_info *tls = record_block_new(&r, &tls_table);
	assert_non_null(tls);
	tls->facts = true;
	tls->legacy = tls->alert = -1;
	snprintf(tls->version, sizeof(tls->version), "TLSv1.3");
	r.transport = TRANSPORT_TLS;
	r.transport_security = TSEC_TLS_UNVERIFIED;
	r.status = ST_SUCCESS;
	j = record_to_json(&r, "x");
	assert_string_equal(cJSON_GetObjectItem(j, "status")->valuestring, "success");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "tls"), "version")->valuestring,
			    "TLSv1.3");
	assert_string_equal(cJSON_GetObjectItem(j, "transport_security")->valuestring, "tls_unverified");
	assert_string_equal(cJSON_GetObjectItem(j, "probe")->valuestring, "http");
	cJSON_Delete(j);
	record_free(&r);
}

static void test_topic_cap(void **st)
{
	struct msw_record r;
	char name[16];
	(void)st;

	record_init(&r, "mqtt");
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "t/%d", i);
		struct msw_topic *t = record_topic(&r, (const uint8_t *)name, strlen(name), 5);
		if (i < 5)
			assert_non_null(t);
		else
			assert_null(t);
	}
	/* existing topic found even at the cap */
	assert_ptr_equal(record_topic(&r, (const uint8_t *)"t/2", 3, 5), &record_topics(&r)[2]);
	assert_int_equal(r.topics.n, 5);
	record_free(&r);
}

/* Every vocabulary value, written through record_to_json, validates against the schema. */
/* Topic names are broker-chosen and up to 64 KiB each: the list keeps at most
 * RECORD_TOPIC_BYTES of them, whatever the entry cap (review: 1000 distinct 64 KiB topics
 * made one record 64 MiB, several times that once printed). */
static void test_topic_bytes_cap(void **st)
{
	struct msw_record r;
	size_t n = 65000, kept = 0, total = 0;
	char *name = malloc(n);
	(void)st;

	assert_non_null(name);
	memset(name, 'a', n);
	record_init(&r, "mqtt");
	for (int i = 0; i < 1000; i++) {
		snprintf(name, 16, "t/%06d/", i);
		name[9] = 'a';
		if (record_topic(&r, (const uint8_t *)name, n, 1000))
			kept++;
	}
	for (size_t i = 0; i < r.topics.n; i++)
		total += record_topics(&r)[i].topic.len;
	assert_true(kept >= 1);
	assert_true(total <= RECORD_TOPIC_BYTES);
	assert_int_equal(kept, r.topics.n);
	/* a known topic is still found once the budget is spent; short new ones still fit */
	snprintf(name, 16, "t/%06d/", 0);
	name[9] = 'a';
	assert_ptr_equal(record_topic(&r, (const uint8_t *)name, n, 1000), &record_topics(&r)[0]);
	assert_non_null(record_topic(&r, (const uint8_t *)"short/one", 9, 1000));
	record_free(&r);
	free(name);
}

static void test_schema_valid(void **st)
{
	char path[] = "/tmp/msw_rec_XXXXXX";
	char cmd[2048];
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	(void)st;

	assert_non_null(f);
	for (int i = 0; i < 12; i++) {
		struct msw_record r;
		cJSON *j;
		char *txt;

		fill_record(&r);
		r.status = (enum msw_status)(i % ST__COUNT);
		r.auth = (enum msw_auth)(i % AUTH__COUNT);
		r.read_access = (enum msw_read_access)(i % READ__COUNT);
		r.write_access = (enum msw_write_access)(i % WRITE__COUNT);
		r.transport = (enum msw_transport)(i % TRANSPORT__COUNT);
		record_findings(&r)[0].category = (enum msw_category)(i % CAT__COUNT);
		record_findings(&r)[0].severity = (enum msw_severity)(i % SEV__COUNT);
		record_findings(&r)[0].confidence = (enum msw_confidence)(i % CONF__COUNT);
		if (i == 3) {
			r.kind = KIND_HOST;
			r.port = 0;
		}
		if (i == 4)
			r.hostname = strdup("h\xffst");
		j = record_to_json(&r, "0.1.0");
		txt = cJSON_PrintUnformatted(j);
		fprintf(f, "%s\n", txt);
		cJSON_free(txt);
		cJSON_Delete(j);
		record_free(&r);
	}
	fclose(f);
	if (system("python3 -c 'import jsonschema' 2>/dev/null") != 0) {
		unlink(path);
		skip();
	}
	snprintf(cmd, sizeof(cmd), "python3 %s/tests/tools/validate_schema.py %s/docs/record.schema.json %s",
		 src_dir(), src_dir(), path);
	assert_int_equal(system(cmd), 0);
	/* and the validator really rejects a broken record */
	f = fopen(path, "w");
	fprintf(f, "{\"schema\":\"mqttsweep.record/1\",\"status\":\"exploded\"}\n");
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 %s/tests/tools/validate_schema.py %s/docs/record.schema.json %s >/dev/null 2>&1",
		 src_dir(), src_dir(), path);
	assert_int_not_equal(system(cmd), 0);
	unlink(path);
}

/* A CONNACK flooded with user properties must not make a 500 KB record line. */
static void test_connack_raw_cap(void **st)
{
	struct msw_record r;
	uint8_t big[3000];
	cJSON *j, *c;
	(void)st;

	memset(big, 0xab, sizeof(big));
	record_init(&r, "mqtt");
	r.connack_code = 0;
	assert_int_equal(mbytes_set(&r.connack_raw, big, sizeof(big)), MSW_OK);
	j = record_to_json(&r, "0.1.0");
	assert_non_null(j);
	c = cJSON_GetObjectItem(j, "connack");
	assert_int_equal(strlen(cJSON_GetObjectItem(c, "raw_hex")->valuestring), 2048);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(c, "raw_truncated")));
	assert_int_equal(cJSON_GetObjectItem(c, "raw_len")->valueint, 3000);
	cJSON_Delete(j);
	record_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vocabularies),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_json_add_bytes),
		cmocka_unit_test(test_record_to_json),
		cmocka_unit_test(test_connack_v5_and_missing),
		cmocka_unit_test(test_tls_block),
		cmocka_unit_test(test_topic_cap),
		cmocka_unit_test(test_topic_bytes_cap),
		cmocka_unit_test(test_connack_raw_cap),
		cmocka_unit_test(test_schema_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
