/* Classifier engine behaviour: evidence policies in findings, dedupe and the per-target
 * findings cap, write_access inference, service-level findings and tags, the retained-set
 * fingerprint, Home Assistant expansion, SMB file classification, and hostile input
 * (random topics/payloads under ASan). */
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
#include "transport/tlsinfo.h"
#include "classify/cls_int.h"
#include "output/record.h"

/* The record's JSON line as every sink writes it, parsed (the classifier's members are
 * read from there, where `mqttsweep stats` and the reports read them). */
static cJSON *line_of(const struct msw_record *r)
{
	struct dbuf b;
	cJSON *j;

	dbuf_init(&b, 1u << 24);
	assert_int_equal(record_text(r, "t", &b), MSW_OK);
	j = cJSON_ParseWithLength((const char *)b.p, b.len);
	assert_non_null(j);
	dbuf_free(&b);
	return j;
}

static void rec_init(struct msw_record *r)
{
	record_init(r, "mqtt");
	snprintf(r->ip, sizeof(r->ip), "127.0.0.1");
	r->port = 1883;
	r->read_access = READ_GRANTED_WITH_DATA;
}

static void msg(struct classify_ctx *c, const char *t, const char *p)
{
	cls_message(c, (const uint8_t *)t, strlen(t), (const uint8_t *)p, strlen(p), true);
}

static const struct msw_finding *find(const struct msw_record *r, const char *id)
{
	for (size_t i = 0; i < r->findings.n; i++)
		if (strcmp(record_findings(r)[i].id, id) == 0)
			return &record_findings(r)[i];
	return NULL;
}

static const char *loc = "{\"_type\":\"location\",\"lat\":51.50123,\"lon\":-0.14187,\"acc\":9,\"tst\":1767349440}";

static void run_mode(enum msw_evidence ev, struct msw_record *rec)
{
	struct msw_config cfg = { .evidence = ev, .hash_key = "k" };
	struct classify_ctx *c = cls_new(&cfg);

	rec_init(rec);
	msg(c, "owntracks/alice/phone", loc);
	cls_finish(c, rec);
	cls_free(c);
}

static void test_evidence_modes(void **state)
{
	struct msw_record r;
	const struct msw_finding *f;

	(void)state;
	run_mode(EVIDENCE_RAW, &r);
	f = find(&r, "owntracks.location");
	assert_non_null(f);
	assert_non_null(strstr(f->title, "51.50123"));
	assert_non_null(strstr(f->title, "alice"));
	assert_non_null(strstr(f->reproduce, "'owntracks/alice/phone'"));
	record_free(&r);

	run_mode(EVIDENCE_REDACTED, &r);
	f = find(&r, "owntracks.location");
	assert_null(strstr(f->title, "51.50123"));
	assert_non_null(strstr(f->title, "51.50"));
	assert_null(strstr(f->title, "alice"));
	assert_null(strstr(f->evidence, "51.50123"));
	assert_non_null(strstr(f->reproduce, "'owntracks/+/+'"));
	assert_memory_equal(f->topic.p, "owntracks/a***e/p***e", f->topic.len);
	record_free(&r);

	run_mode(EVIDENCE_MINIMAL, &r);
	f = find(&r, "owntracks.location");
	assert_null(strstr(f->title, "51.5"));
	assert_null(strstr(f->title, "alice"));
	assert_null(strstr(f->evidence, "51.5"));
	assert_non_null(strstr((const char *)f->topic.p, "owntracks/+/+ (h="));
	record_free(&r);
}

static void test_dedupe_and_cap(void **state)
{
	struct msw_config cfg = { 0 };
	struct classify_ctx *c = cls_new(&cfg);
	struct msw_record r;
	char t[64];
	const cJSON *d;
	cJSON *line;

	(void)state;
	rec_init(&r);
	msg(c, "stat/plug/POWER", "ON");
	msg(c, "stat/plug/POWER", "OFF");   /* same (id, topic): one finding */
	for (int i = 0; i < 700; i++) {
		snprintf(t, sizeof(t), "stat/plug%d/POWER", i);
		msg(c, t, "ON");
	}
	cls_finish(c, &r);
	cls_free(c);
	assert_int_equal(r.findings.n, CLS_MAX_FINDINGS);
	line = line_of(&r);
	d = cJSON_GetObjectItemCaseSensitive(line, "findings_dropped");
	assert_true(cJSON_IsNumber(d));
	assert_int_equal((int)d->valuedouble, 701 - CLS_MAX_FINDINGS);
	cJSON_Delete(line);
	assert_int_equal(r.write_access, WRITE_INFERRED);
	record_free(&r);
}

static void test_write_access(void **state)
{
	struct msw_config cfg = { 0 };
	struct classify_ctx *c;
	struct msw_record r;

	(void)state;
	c = cls_new(&cfg);
	rec_init(&r);
	msg(c, "owntracks/alice/phone", loc);     /* no actuator */
	cls_finish(c, &r);
	cls_free(c);
	assert_int_equal(r.write_access, WRITE_UNTESTED);
	record_free(&r);

	c = cls_new(&cfg);
	rec_init(&r);
	r.write_access = WRITE_DENIED;           /* a real test result is never overwritten */
	msg(c, "shellies/s1/relay/0", "on");
	cls_finish(c, &r);
	cls_free(c);
	assert_int_equal(r.write_access, WRITE_DENIED);
	record_free(&r);
}

static bool has_tag(const struct msw_record *r, const char *tag)
{
	cJSON *line = line_of(r);
	const cJSON *it;
	bool has = false;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(line, "tags"))
		has |= cJSON_IsString(it) && strcmp(it->valuestring, tag) == 0;
	cJSON_Delete(line);
	return has;
}

static void test_service(void **state)
{
	struct msw_config cfg = { 0 };
	struct classify_ctx *c;
	struct msw_record r;
	const struct msw_finding *f;

	(void)state;
	c = cls_new(&cfg);
	rec_init(&r);
	r.auth = AUTH_ANONYMOUS;
	r.transport = TRANSPORT_TCP;
	r.hostname = strdup("test.mosquitto.org");
	cls_service(c, &r);
	cls_finish(c, &r);
	cls_free(c);
	f = find(&r, "mqtt.anonymous");
	assert_non_null(f);
	assert_int_equal(f->cwe, 306);
	assert_int_equal(f->severity, SEV_HIGH);
	assert_non_null(strstr(f->reproduce, "-h test.mosquitto.org -p 1883"));
	assert_string_equal(f->evidence, "{\"auth\":\"anonymous\",\"messages\":0,\"sys_messages\":0}");
	assert_string_equal(f->title, "Broker accepts anonymous clients (no username or password)");
	assert_true(has_tag(&r, "public_test_broker"));
	assert_null(find(&r, "mqtt.cleartext_credentials"));
	record_free(&r);

	c = cls_new(&cfg);
	rec_init(&r);
	r.auth = AUTH_ANY_CREDENTIALS;
	r.transport = TRANSPORT_WS;
	cls_service(c, &r);
	cls_finish(c, &r);
	cls_free(c);
	assert_int_equal(find(&r, "mqtt.any_credentials")->cwe, 287);
	assert_int_equal(find(&r, "mqtt.cleartext_credentials")->cwe, 319);
	assert_false(has_tag(&r, "public_test_broker"));
	record_free(&r);

	c = cls_new(&cfg);
	rec_init(&r);
	r.auth = AUTH_CREDENTIALS_REQUIRED;
	r.transport = TRANSPORT_TLS;
	{ /* the certificate names a public broker */
		struct tls_info *t = record_block_new(&r, &tls_table);
		assert_non_null(t);
		t->cert = calloc(1, sizeof(*t->cert));
		assert_non_null(t->cert);
		vec_init(&t->cert->subject, sizeof(struct tls_dn_part), 4, TLS_MAX_DN_PARTS);
		vec_init(&t->cert->issuer, sizeof(struct tls_dn_part), 4, TLS_MAX_DN_PARTS);
		struct tls_dn_part *dp = vec_push(&t->cert->subject);
		assert_non_null(dp);
		*dp = (struct tls_dn_part){0};
		snprintf(dp->key, sizeof(dp->key), "CN");
		mbytes_set(&dp->val, "broker.hivemq.com", 17);
	}
	cls_service(c, &r);
	cls_finish(c, &r);
	cls_free(c);
	assert_null(find(&r, "mqtt.cleartext_auth"));   /* TLS: no CWE-319 */
	assert_true(has_tag(&r, "public_test_broker"));
	record_free(&r);

	c = cls_new(&cfg);
	rec_init(&r);
	r.auth = AUTH_CREDENTIALS_REQUIRED;
	cls_service(c, &r);
	cls_finish(c, &r);
	cls_free(c);
	assert_int_equal(find(&r, "mqtt.cleartext_auth")->severity, SEV_LOW);
	record_free(&r);
}

static void test_acl_filtered(void **state)
{
	struct msw_config cfg = { 0 };
	struct classify_ctx *c = cls_new(&cfg);
	struct msw_record r;

	(void)state;
	rec_init(&r);
	r.auth = AUTH_ANONYMOUS;
	r.read_access = READ_GRANTED_NO_DATA;
	msg(c, "$SYS/broker/version", "mosquitto version 2.0.18");
	/* far more than Mosquitto's own 53 $SYS topics (test_verdicts has the borderline) */
	msg(c, "$SYS/broker/retained messages/count", "120");
	cls_service(c, &r);
	cls_finish(c, &r);
	cls_free(c);
	assert_true(has_tag(&r, "acl_filtered"));
	assert_non_null(find(&r, "mqtt.acl_filtered"));
	assert_non_null(find(&r, "mosquitto.version"));
	assert_string_equal(r.broker_version, "2.0.18");
	record_free(&r);

	/* data arrived: not filtered */
	c = cls_new(&cfg);
	rec_init(&r);
	msg(c, "$SYS/broker/retained messages/count", "57");
	msg(c, "a/b", "x");
	cls_service(c, &r);
	cls_finish(c, &r);
	cls_free(c);
	assert_false(has_tag(&r, "acl_filtered"));
	record_free(&r);
}

static char *fingerprint_of(const char *const *tp, size_t n)
{
	struct msw_config cfg = { 0 };
	struct classify_ctx *c = cls_new(&cfg);
	struct msw_record r;
	const cJSON *f;
	cJSON *line;
	char *out;

	rec_init(&r);
	for (size_t i = 0; i + 1 < n; i += 2)
		msg(c, tp[i], tp[i + 1]);
	cls_finish(c, &r);
	cls_free(c);
	line = line_of(&r);
	f = cJSON_GetObjectItemCaseSensitive(line, "retained_fingerprint");
	out = cJSON_IsString(f) ? strdup(f->valuestring) : NULL;
	cJSON_Delete(line);
	record_free(&r);
	return out;
}

static void test_fingerprint(void **state)
{
	const char *a[] = { "x/1", "on", "x/2", "off", "$SYS/broker/uptime", "5 seconds" };
	const char *b[] = { "x/2", "off", "x/1", "on", "$SYS/broker/uptime", "9 seconds" };
	const char *c[] = { "x/2", "off", "x/1", "ON" };
	char *fa = fingerprint_of(a, 6), *fb = fingerprint_of(b, 6), *fc = fingerprint_of(c, 4);

	(void)state;
	assert_non_null(fa);
	assert_int_equal(strlen(fa), 32);
	assert_string_equal(fa, fb);      /* order and $SYS counters do not matter */
	assert_string_not_equal(fa, fc);  /* payloads do */
	free(fa);
	free(fb);
	free(fc);
	/* growth and cap of the retained-hash list */
	{
		struct msw_config cfg = { 0 };
		struct classify_ctx *cx = cls_new(&cfg);
		struct msw_record r;
		char t[32];

		rec_init(&r);
		for (int i = 0; i < CLS_MAX_RETAINED + 100; i++) {
			snprintf(t, sizeof(t), "r/%d", i);
			msg(cx, t, "x");
		}
		cls_finish(cx, &r);
		cls_free(cx);
		cJSON *line = line_of(&r);
		assert_int_equal((int)cJSON_GetObjectItemCaseSensitive(line, "retained_fingerprint_n")->valuedouble,
				 CLS_MAX_RETAINED);
		assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(line, "retained_fingerprint_capped")));
		cJSON_Delete(line);
		record_free(&r);
	}
	/* $SYS identity */
	{
		struct msw_config cfg = { 0 };
		struct classify_ctx *cx = cls_new(&cfg);
		struct msw_record r;

		rec_init(&r);
		msg(cx, "$SYS/abc123/heartbeat", "abc123");
		cls_finish(cx, &r);
		cls_free(cx);
		cJSON *line = line_of(&r);
		assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(line, "sys_identity")), "abc123");
		/* after the fingerprints, in the order the classifier always wrote them */
		const cJSON *k = line->child;
		while (k && strcmp(k->string, "sys_fingerprint") != 0)
			k = k->next;
		assert_non_null(k);
		assert_string_equal(k->next->string, "sys_fingerprint_n");
		assert_string_equal(k->next->next->string, "sys_identity");
		cJSON_Delete(line);
		record_free(&r);
	}
	/* an identity that is not UTF-8 is not kept, in neither form */
	{
		struct msw_config cfg = { 0 };
		struct classify_ctx *cx = cls_new(&cfg);
		struct msw_record r;

		rec_init(&r);
		msg(cx, "$SYS/ab\xff\xfe/heartbeat", "x");
		assert_non_null(cx->sys_identity);
		cls_finish(cx, &r);
		cls_free(cx);
		cJSON *line = line_of(&r);
		assert_null(cJSON_GetObjectItemCaseSensitive(line, "sys_identity"));
		assert_null(cJSON_GetObjectItemCaseSensitive(line, "sys_identity_b64"));
		assert_non_null(cJSON_GetObjectItemCaseSensitive(line, "sys_fingerprint"));
		cJSON_Delete(line);
		record_free(&r);
	}
	assert_true(cls_fingerprint_suspicious(5, 10));
	assert_false(cls_fingerprint_suspicious(1, 10));
	assert_false(cls_fingerprint_suspicious(50, 1));
}

static void test_ha_expansion(void **state)
{
	struct msw_config cfg = { .evidence = EVIDENCE_RAW };
	struct classify_ctx *c = cls_new(&cfg);
	struct msw_record r;
	const struct msw_finding *f;

	(void)state;
	rec_init(&r);
	/* '~' at the end of a value, abbreviations inside the availability list */
	msg(c, "homeassistant/cover/gd/config",
	    "{\"~\":\"garage/door\",\"name\":\"Garage\",\"dev_cla\":\"garage\",\"cmd_t\":\"cmd/~\",\"pl_open\":\"UP\","
	    "\"avty\":[{\"t\":\"~/avail\"}]}");
	cls_finish(c, &r);
	cls_free(c);
	f = find(&r, "homeassistant.cover_door");
	assert_non_null(f);
	assert_non_null(strstr(f->title, "publish UP to cmd/garage/door"));
	assert_int_equal(f->severity, SEV_CRITICAL);
	assert_int_equal(f->confidence, CONF_INFERRED);
	record_free(&r);
}

/* The state table grows from a few slots to CLS_MAX_STATES: states seen before and after
 * it grew (and updated after) are found by the discovery correlation; past the cap new
 * topics are dropped, known ones still update. */
static void test_ha_state_table_grows(void **state)
{
	struct msw_config cfg = { .evidence = EVIDENCE_RAW };
	struct classify_ctx *c = cls_new(&cfg);
	struct msw_record r;
	char t[64], cfgmsg[160];
	size_t hits = 0;

	(void)state;
	rec_init(&r);
	msg(c, "s/3", "OFF");
	for (int i = 0; i < 400; i++) {
		snprintf(t, sizeof(t), "s/%d", i);
		msg(c, t, i == 3 ? "ON" : "OFF");
	}
	for (int i = 0; i < 400; i += 1) {
		if (i != 3 && i != 200 && i != 390)
			continue;
		snprintf(t, sizeof(t), "homeassistant/binary_sensor/d%d/config", i);
		snprintf(cfgmsg, sizeof(cfgmsg),
			 "{\"name\":\"Door %d\",\"device_class\":\"door\",\"state_topic\":\"s/%d\"}", i, i);
		msg(c, t, cfgmsg);
	}
	cls_finish(c, &r);
	cls_free(c);
	for (size_t i = 0; i < r.findings.n; i++) {
		const struct msw_finding *f = &record_findings(&r)[i];
		if (strcmp(f->id, "homeassistant.state.binary_sensor") != 0)
			continue;
		hits++;
		if (strstr(f->title, "Door 3"))
			assert_non_null(strstr(f->evidence, "\"value\":\"ON\"")); /* updated */
		assert_null(strstr(f->title, "Door 390")); /* past the cap: not kept */
	}
	assert_int_equal(hits, 2); /* s/3 and s/200 */
	record_free(&r);
}

/* A topic is broker-chosen: in a reproduce line it must stay one single-quoted shell word
 * (review: discovery-declared state/attribute topics were pasted in raw). */
static void test_ha_repro_quoting(void **state)
{
	struct msw_config cfg = { .evidence = EVIDENCE_RAW };
	struct classify_ctx *c = cls_new(&cfg);
	struct msw_record r;
	const char *want = "-t 'x'\\''$(id)'\\''/door' ";
	size_t hits = 0;

	(void)state;
	rec_init(&r);
	msg(c, "homeassistant/binary_sensor/fd/config",
	    "{\"name\":\"Front\",\"device_class\":\"door\",\"state_topic\":\"x'$(id)'/door\"}");
	msg(c, "x'$(id)'/door", "ON");
	msg(c, "homeassistant/device_tracker/ph/config",
	    "{\"name\":\"Phone\",\"state_topic\":\"t/ph\",\"json_attributes_topic\":\"x'$(id)'/door\"}");
	msg(c, "t/ph", "home");
	cls_finish(c, &r);
	cls_free(c);
	for (size_t i = 0; i < r.findings.n; i++) {
		const char *rp = record_findings(&r)[i].reproduce;

		if (!rp || !strstr(rp, "$(id)"))
			continue;
		hits++;
		assert_non_null(strstr(rp, want));
	}
	assert_true(hits >= 1);
	record_free(&r);
}

/* Numbers out of every integer type's range in payloads the rules read (found by the
 * fuzzer: a double converted to long long before its range was checked; the unit tests
 * run under UBSan with no recovery, so this aborts if it comes back). */
static void test_huge_numbers(void **state)
{
	struct msw_config cfg = { 0 }; /* redacted evidence: the path the fuzzer took */
	struct classify_ctx *c = cls_new(&cfg);
	struct msw_record r;
	static const char *const m[][2] = {
		{"owntracks/a/b", "{\"_type\":\"location\",\"lat\":1.111e22,\"lon\":-1e300,\"tst\":1.111e22,\"batt\":1e22,\"acc\":-9.3e18,\"tid\":1e19}"},
		{"owntracks/a/b", "{\"_type\":\"location\",\"lat\":52.1,\"lon\":4.9,\"tst\":1e308}"},
		{"zigbee2mqtt/bridge/info", "{\"version\":1e22,\"coordinator\":{\"ieee_address\":1e22},\"network\":{\"pan_id\":1.111e22,\"channel\":-1e20}}"},
		{"tele/sonoff/STATE", "{\"Time\":1e22,\"Uptime\":-1e22,\"POWER\":1e22,\"Wifi\":{\"SSId\":1e22,\"RSSI\":1e22}}"},
		{"homeassistant/binary_sensor/x/config", "{\"name\":1e22,\"device_class\":\"door\",\"state_topic\":\"s/x\"}"},
		{"s/x", "1e22"},
		{"D/co0", "{\"_type\":\"locion\",\"laapi_keyt\":0111100000000000000032456.5,\"|on\":13.4}"},
		{"D/co1", "{\"api_key\":1.111e22,\"password\":-1e22,\"token\":1e19}"},
	};

	(void)state;
	rec_init(&r);
	r.auth = AUTH_ANONYMOUS;
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		msg(c, m[i][0], m[i][1]);
	cls_finish(c, &r);
	cls_free(c);
	assert_true(r.findings.n > 0);
	record_free(&r);
}

/* Presence apart from the coordinates: an OwnTracks location naming the regions it is in
 * ("inregions") is a presence finding too; an empty list or none is not. */
static void test_owntracks_presence(void **state)
{
	struct msw_config cfg = { .evidence = EVIDENCE_REDACTED };
	struct classify_ctx *c = cls_new(&cfg);
	struct msw_record r;
	const struct msw_finding *f;

	(void)state;
	rec_init(&r);
	msg(c, "owntracks/alice/phone",
	    "{\"_type\":\"location\",\"lat\":51.5,\"lon\":-0.1,\"tst\":1767349440,\"inregions\":[\"home\"]}");
	msg(c, "owntracks/bob/phone",
	    "{\"_type\":\"location\",\"lat\":51.6,\"lon\":-0.2,\"tst\":1767349440,\"inregions\":[]}");
	msg(c, "owntracks/carol/phone", "{\"_type\":\"location\",\"lat\":51.7,\"lon\":-0.3,\"tst\":1767349440}");
	cls_finish(c, &r);
	cls_free(c);
	assert_non_null(find(&r, "owntracks.location"));
	f = find(&r, "owntracks.in_region");
	assert_non_null(f);
	assert_int_equal(f->category, CAT_PRESENCE);
	assert_null(strstr(f->evidence, "home")); /* region names are masked when redacted */
	assert_non_null(strstr((const char *)f->topic.p, "owntracks/"));
	for (size_t i = 0, n = 0; i < r.findings.n; i++)
		if (strcmp(record_findings(&r)[i].id, "owntracks.in_region") == 0)
			assert_int_equal(++n, 1); /* bob's empty list and carol's none: no presence */
	record_free(&r);
}

/* A title leaves out what the payload did not say: no rule writes a placeholder ("?") for
 * a missing value, an optional part {[...]} disappears with its missing name, and a list
 * whose first items are missing starts without a comma. */
static void test_titles_leave_out_unknowns(void **state)
{
	struct msw_config cfg = { .evidence = EVIDENCE_RAW };
	struct classify_ctx *c;
	struct msw_record r;
	const struct msw_finding *f;

	(void)state;
	for (size_t t = 0; t < cls_ntables; t++)
		for (size_t i = 0; i < cls_tables[t]->n; i++) {
			const char *title = cls_tables[t]->rules[i].title;

			if (title && strstr(title, "|?}"))
				fail_msg("rule %s writes '?' for a missing value: %s",
					 cls_tables[t]->rules[i].id, title);
		}
	c = cls_new(&cfg);
	rec_init(&r);
	msg(c, "owntracks/alice/phone", "{\"_type\":\"location\",\"lat\":51.5,\"lon\":-0.1,\"tst\":1767349440}");
	msg(c, "tele/plug1/STATE", "{\"Wifi\":{\"SSId\":\"HomeNet\"},\"IPAddress\":\"192.0.2.7\"}");
	cls_finish(c, &r);
	cls_free(c);
	f = find(&r, "owntracks.location");
	assert_non_null(f);
	assert_null(strstr(f->title, "?"));
	assert_null(strstr(f->title, "accuracy"));
	assert_non_null(strstr(f->title, "is readable: 51.5, -0.1"));
	f = find(&r, "tasmota.state_wifi");
	assert_non_null(f);
	assert_string_equal(f->title, "Tasmota 'plug1' telemetry leaks its Wi-Fi network 'HomeNet', IP 192.0.2.7");
	for (size_t i = 0; i < r.findings.n; i++) {
		const struct msw_finding *x = &record_findings(&r)[i];

		if (strstr(x->title, "?") || strstr(x->title, ": ,") || strstr(x->title, "()"))
			fail_msg("%s: %s", x->id, x->title);
	}
	record_free(&r);
}

/* The anonymous finding counts what was delivered (numbers written without printf). */
static void test_anon_counts(void **state)
{
	struct msw_config cfg = { 0 };
	struct classify_ctx *c = cls_new(&cfg);
	struct msw_record r;
	const struct msw_finding *f;

	(void)state;
	rec_init(&r);
	r.auth = AUTH_ANONYMOUS;
	for (int i = 0; i < 12; i++)
		msg(c, "a/b", "x");
	msg(c, "$SYS/broker/uptime", "1 seconds");
	cls_finish(c, &r);
	cls_free(c);
	f = find(&r, "mqtt.anonymous");
	assert_non_null(f);
	assert_string_equal(f->evidence, "{\"auth\":\"anonymous\",\"messages\":12,\"sys_messages\":1}");
	assert_string_equal(f->title, "Broker accepts anonymous clients and delivered 12 message(s) to one");
	record_free(&r);
	char out[24], cut[8];
	cls_u64(out, 18446744073709551615ull);
	assert_string_equal(out, "18446744073709551615");
	cls_u64(out, 0);
	assert_string_equal(out, "0");
	cls_concat(cut, sizeof(cut), "abc", "defg", "hij", NULL);
	assert_string_equal(cut, "abcdefg");
}

/* Braces in a broker-chosen topic stay text: a topic named like a placeholder is not
 * filled in ({auth} would put quotes into the quoted word), and the command's own
 * placeholders still are. Also a port of 0 and a hostname of odd bytes. */
static void test_repro_placeholders_in_topics(void **state)
{
	struct msw_config cfg = { .evidence = EVIDENCE_RAW };
	struct classify_ctx *c = cls_new(&cfg);
	struct msw_record r;
	size_t hits = 0;

	(void)state;
	rec_init(&r);
	r.auth = AUTH_AUTHENTICATED;
	r.transport = TRANSPORT_TLS;
	r.port = 0;
	r.hostname = strdup("h o'st{port}");
	msg(c, "homeassistant/binary_sensor/fd/config",
	    "{\"name\":\"Front\",\"device_class\":\"door\",\"state_topic\":\"d/{auth}/{host}/{lb}/{\"}");
	msg(c, "d/{auth}/{host}/{lb}/{", "ON");
	msg(c, "owntracks/{auth}/phone", "{\"_type\":\"location\",\"lat\":52.1,\"lon\":5.1,\"tst\":1}");
	cls_finish(c, &r);
	cls_free(c);
	for (size_t i = 0; i < r.findings.n; i++) {
		const char *rp = record_findings(&r)[i].reproduce;

		assert_non_null(rp);
		assert_non_null(strstr(rp, "h_o_st_port_"));
		if (strncmp(rp, "mosquitto_sub", 13) == 0) {
			assert_non_null(strstr(rp, "-p 0 --capath /etc/ssl/certs -u '<user>' -P '<password>' "));
			const char *u = strstr(rp, "-u '<user>'");
			assert_null(strstr(u + 1, "-u '<user>'")); /* once: not inside the topic */
		}
		if (strstr(rp, "'d/{auth}/{host}/{lb}/{'")) /* the topic, braces and all */
			hits++;
	}
	assert_true(hits >= 1);
	record_free(&r);
}

static void test_files(void **state)
{
	struct msw_config cfg = { 0 };
	struct classify_ctx *c = cls_new(&cfg);
	struct msw_record r;
	const char *z2m = "homeassistant: true\nmqtt:\n  server: mqtt://core-mosquitto\n  user: z2m\n  password: z2mPass!234\n"
			  "advanced:\n  network_key:\n    - 1\n    - 3\n    - 5\n    - 7\n    - 9\n    - 11\n    - 13\n    - 15\n"
			  "    - 0\n    - 2\n    - 4\n    - 6\n    - 8\n    - 10\n    - 12\n    - 13\n";
	const char *core = "{\"data\":{\"latitude\":51.50110,\"longitude\":-0.14190,\"location_name\":\"Home\"}}";
	const char *auth = "{\"data\":{\"users\":[],\"refresh_tokens\":[{\"token\":\"abc\",\"jwt_key\":\"def\"}]}}";
	const char *pem = "-----BEGIN PRIVATE KEY-----\nMIIEvQ\n-----END PRIVATE KEY-----\n";
	const struct msw_finding *f;

	(void)state;
	rec_init(&r);
	cls_file(c, "config/zigbee2mqtt/configuration.yaml", (const uint8_t *)z2m, strlen(z2m));
	cls_file(c, "\\\\HA\\config\\.storage\\core.config", (const uint8_t *)core, strlen(core));
	cls_file(c, "config/.storage/auth", (const uint8_t *)auth, strlen(auth));
	cls_file(c, "ssl/privkey.pem", (const uint8_t *)pem, strlen(pem));
	cls_file(c, "config/empty.yaml", (const uint8_t *)"", 0);
	cls_finish(c, &r);
	cls_free(c);
	f = find(&r, "files.zigbee_default_network_key");
	assert_non_null(f);
	assert_int_equal(f->category, CAT_NETWORK_KEY);
	assert_int_equal(f->cwe, 1392);
	assert_non_null(find(&r, "files.secrets"));
	assert_null(strstr(find(&r, "files.secrets")->title, "z2mPass!234"));
	f = find(&r, "files.home_location");
	assert_non_null(f);
	assert_null(strstr(f->title, "51.5011"));
	assert_non_null(strstr(f->reproduce, "smbclient '//127.0.0.1/config'"));
	assert_int_equal(find(&r, "files.ha_auth")->severity, SEV_CRITICAL);
	assert_non_null(find(&r, "files.private_key"));
	record_free(&r);
}

/* Hostile input: random topics and payloads (some JSON-ish) must never crash or leak. */
static void test_random_input(void **state)
{
	struct msw_config cfg = { 0 };
	struct classify_ctx *c = cls_new(&cfg);
	struct msw_record r;
	uint64_t s = 0x9E3779B97F4A7C15ULL;
	static const char *const alpha[] = { "{", "}", "[", "]", "\"", ":", ",", "/", "+", "#", "lat", "1.5",
					     "password", "~", "$SYS", "owntracks", "\\", "\xff", "\x00", "true" };

	(void)state;
	rec_init(&r);
	for (int it = 0; it < 3000; it++) {
		uint8_t t[64], p[300];
		size_t tl = 0, pl = 0;

		for (int k = 0; k < 12; k++) {
			s ^= s << 13, s ^= s >> 7, s ^= s << 17;
			const char *a = alpha[s % 20];
			size_t al = a[0] ? strlen(a) : 1;

			if (tl + al < sizeof(t) && (s >> 20) % 3 == 0) {
				memcpy(t + tl, a, al);
				tl += al;
			}
		}
		for (int k = 0; k < 60; k++) {
			s ^= s << 13, s ^= s >> 7, s ^= s << 17;
			const char *a = alpha[s % 20];
			size_t al = a[0] ? strlen(a) : 1;

			if (pl + al < sizeof(p)) {
				memcpy(p + pl, a, al);
				pl += al;
			}
		}
		cls_message(c, t, tl, p, pl, it & 1);
		size_t ol;
		uint8_t *smp = cls_redact_sample(&cfg, t, tl, p, pl, 64, &ol);

		free(smp);
		free(cls_redact_topic(&cfg, t, tl));
	}
	cls_message(c, NULL, 0, NULL, 0, false);
	cls_finish(c, &r);
	cls_free(c);
	record_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evidence_modes),
		cmocka_unit_test(test_dedupe_and_cap),
		cmocka_unit_test(test_write_access),
		cmocka_unit_test(test_repro_placeholders_in_topics),
		cmocka_unit_test(test_anon_counts),
		cmocka_unit_test(test_titles_leave_out_unknowns),
		cmocka_unit_test(test_owntracks_presence),
		cmocka_unit_test(test_huge_numbers),
		cmocka_unit_test(test_ha_state_table_grows),
		cmocka_unit_test(test_service),
		cmocka_unit_test(test_acl_filtered),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_ha_expansion),
		cmocka_unit_test(test_ha_repro_quoting),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_random_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
