/* record_from_json() reads back what record_text() wrote: random records of
 * test_record_text.c's generator (any bytes in every text, _b64 twins, the classifier's
 * block at the top level) and the hostile full record go text -> record -> text byte for
 * byte; a record with a part the tables cannot read back yet (a tls, websocket,
 * CONNACK-property or smb block) is MSW_ERR_UNSUPPORTED, never a different record; the
 * http, amqp, access (acl, accounts) and host-summary blocks are read back (their computed
 * rows through their setters). Hostile texts (every prefix of a record,
 * wrong types, non-canonical base64, text where base64 belongs, out-of-range numbers,
 * unknown members, a block's members out of place, caps) earn an error, never a crash or
 * a leak (ASan). */
#define _GNU_SOURCE
#include "output/record.h"

#pragma GCC diagnostic ignored "-Wunused-function"
#define main test_record_text_main
#include "test_record_text.c"
#undef main

static int rt_same, rt_unsupported, rt_http, rt_amqp, rt_access, rt_host;

/* Parts read back as UNSUPPORTED: a layer block, CONNACK properties or the smb block
 * (computed rows without setters, words read from a table). */
static bool has_unreadable(const struct msw_record *r)
{
	return record_block(r, &tls_table) || record_block(r, &ws_table) || r->connack_props.p ||
	       record_block(r, &smb_table);
}

/* text -> record -> text: the same bytes (or UNSUPPORTED for a part not readable yet). */
static void round_trip(const struct msw_record *r)
{
	struct dbuf a, b;
	struct msw_record back;
	msw_err rc;

	dbuf_init(&a, 1u << 26);
	dbuf_init(&b, 1u << 26);
	assert_int_equal(record_text(r, "9.9.9", &a), MSW_OK);
	rc = record_from_json((const char *)a.p, a.len, &back);
	if (rc == MSW_ERR_UNSUPPORTED && has_unreadable(r)) {
		rt_unsupported++;
	} else {
		if (rc != MSW_OK)
			fprintf(stderr, "%s: %.*s\n", msw_err_str(rc), (int)a.len, (char *)a.p);
		assert_int_equal(rc, MSW_OK);
		assert_int_equal(record_text(&back, "9.9.9", &b), MSW_OK);
		if (a.len != b.len || memcmp(a.p, b.p, a.len)) {
			fprintf(stderr, "text:  %.*s\nagain: %.*s\n", (int)a.len, (char *)a.p,
				(int)b.len, (char *)b.p);
			fail();
		}
		rt_same++;
		rt_http += record_block(r, &http_table) != NULL;
		rt_amqp += record_block(r, &amqp_table) != NULL;
		rt_access += record_block(r, &mqtt_access_table) != NULL;
		rt_host += record_block(r, &host_summary_table) != NULL;
	}
	record_free(&back);
	dbuf_free(&a);
	dbuf_free(&b);
}

static void test_read_random(void **st)
{
	(void)st;
	rt_same = rt_unsupported = rt_http = rt_amqp = rt_access = rt_host = 0;
	for (int i = 0; i < 3000; i++) {
		struct msw_record r;
		int unsupported_before;
		rnd_record(&r);
		round_trip(&r);
		/* the same record without the parts not readable yet comes back whole */
		record_block_drop(&r, &tls_table);
		record_block_drop(&r, &ws_table);
		record_block_drop(&r, &smb_table);
		fref_clear(&r.connack_props);
		unsupported_before = rt_unsupported;
		round_trip(&r);
		assert_int_equal(rt_unsupported, unsupported_before);
		record_free(&r);
	}
	fprintf(stderr, "round trips: %d the same (%d with an http block, %d with an amqp block, "
		"%d with an access block, %d with a host summary), %d unsupported\n", rt_same, rt_http,
		rt_amqp, rt_access, rt_host, rt_unsupported);
	/* every record without the unreadable parts (all 3,000 the second time), and those
	 * drawn without them the first time; a quarter of each carries an http block, a
	 * quarter an amqp block */
	assert_int_equal(rt_same + rt_unsupported, 6000);
	assert_true(rt_same > 3500);
	assert_true(rt_http > 700 && rt_amqp > 700 && rt_access > 700 && rt_host > 600);
}

/* The hostile full record of test_record_text.c (its blocks dropped: not readable yet). */
static void test_read_hostile(void **st)
{
	struct msw_record r;
	struct msw_finding f = {.id = NULL, .category = CAT__COUNT + 3, .severity = SEV_HIGH,
				.cwe = 79, .title = "t\xff", .evidence = "a\"b\\c\x01"};
	uint8_t big[1500];

	(void)st;
	record_init(&r, "mq\xfftt");
	snprintf(r.scan_id, sizeof(r.scan_id), "abc");
	r.start_us = 1764000000123456;
	snprintf(r.ip, sizeof(r.ip), "127.0.0.\xff");
	r.port = 65535;
	r.hostname = strdup("h\xc3\xa9\"\n\x01");
	r.auth_identity = strdup("us\xff" "er");
	r.transport = TRANSPORT_WSS;
	r.transport_security = TSEC_MTLS;
	r.status = ST__COUNT + 5;
	r.error = strdup("bad \xff");
	r.mqtt = true;
	snprintf(r.mqtt_version, sizeof(r.mqtt_version), "5.0");
	r.connack_code = 0x9D;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	mbytes_set(&r.connack_raw, big, sizeof(big)); /* raw_len: the bytes past 1024 are 0 */
	round_trip(&r);
	memset(big + CONNACK_RAW_MAX, 0, sizeof(big) - CONNACK_RAW_MAX);
	mbytes_free(&r.connack_raw);
	mbytes_set(&r.connack_raw, big, sizeof(big));
	r.versions = (struct msw_versions){.set = true, .planned = 5, .v = {VR_ACCEPTED, 0, 99}};
	r.broker_product = strdup("mosquitto");
	r.broker_version = strdup("2.0\xff");
	record_add_evidence(&r, "$SYS/broker/version", "2.0\xff");
	struct msw_topic *t = record_topic(&r, BAD, sizeof(BAD), 10);
	mbytes_set(&t->sample, "s\0x", 3);
	t->bytes = 1ull << 50;
	record_topic(&r, (const uint8_t *)"", 0, 10);
	mbytes_set(&f.topic, BAD, sizeof(BAD));
	record_add_finding(&r, &f);
	mbytes_free(&f.topic);
	hostile_cls(&r);
	round_trip(&r);
	rnd_host(&r);
	round_trip(&r);
	record_free(&r);
}

static void expect_error(const char *text)
{
	struct msw_record r;
	msw_err rc = record_from_json(text, strlen(text), &r);

	if (rc == MSW_OK)
		fprintf(stderr, "taken: %s\n", text);
	assert_int_not_equal(rc, MSW_OK);
	record_free(&r);
}

/* A valid record's text with one member replaced (by its name) or removed. */
static void mutate(const char *base, const char *key, const char *value)
{
	cJSON *o = cJSON_Parse(base);
	char *txt;

	assert_non_null(o);
	if (value)
		cJSON_ReplaceItemInObjectCaseSensitive(o, key, cJSON_Parse(value));
	else
		cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	txt = cJSON_PrintUnformatted(o);
	expect_error(txt);
	cJSON_free(txt);
	cJSON_Delete(o);
}

static void test_hostile_text(void **st)
{
	struct msw_record r;
	struct dbuf a;
	struct msw_finding f = {.id = "x.y", .title = "t", .cwe = 5};
	char *base;

	(void)st;
	record_init(&r, "mqtt");
	r.start_us = 1764000000123000;
	snprintf(r.ip, sizeof(r.ip), "127.0.0.1");
	r.connack_code = 0;
	mbytes_set(&r.connack_raw, "\x20\x02\x00\x00", 4);
	r.hostname = strdup("h");
	record_topic(&r, (const uint8_t *)"a/b", 3, 10);
	record_add_finding(&r, &f);
	dbuf_init(&a, 1u << 20);
	assert_int_equal(record_text(&r, "9.9.9", &a), MSW_OK);
	record_free(&r);
	base = malloc(a.len + 1); /* the line is not NUL-terminated: no strndup past a.len */
	assert_non_null(base);
	memcpy(base, a.p, a.len);
	base[a.len] = 0;
	/* the text itself is read */
	assert_int_equal(record_from_json(base, strlen(base), &r), MSW_OK);
	record_free(&r);
	/* every prefix */
	for (size_t n = 0; n < a.len; n++) {
		msw_err rc = record_from_json(base, n, &r);
		assert_int_not_equal(rc, MSW_OK);
		record_free(&r);
	}
	expect_error("[]");
	expect_error("null");
	expect_error("{}");
	mutate(base, "schema", "\"mqttsweep.record/2\"");
	mutate(base, "timestamp", "\"2025-13-40T99:00:00.000Z\"");
	mutate(base, "timestamp", "\"2025-01-01T00:00:00Z\"");
	mutate(base, "port", "65536");
	mutate(base, "port", "-1");
	mutate(base, "port", "1.5");
	mutate(base, "port", "\"1883\"");
	mutate(base, "status", "\"no-such-status\"");
	mutate(base, "mqtt", "1");
	mutate(base, "hostname", "7");
	mutate(base, "ip", "\"0123456789012345678901234567890123456789012345678901234567890123456789\"");
	mutate(base, "duration_ms", "-4");
	mutate(base, "port", NULL);                       /* a row that is always there */
	mutate(base, "connack", "{\"code\":0,\"reason\":\"Not this\",\"raw_hex\":\"20020000\","
			       "\"properties\":null}");
	mutate(base, "connack", "{\"code\":1e10,\"reason\":null,\"raw_hex\":\"\",\"properties\":null}");
	mutate(base, "connack", "{\"code\":0,\"reason\":\"Connection Accepted\",\"raw_hex\":\"2g\","
			       "\"properties\":null}");
	mutate(base, "connack", "{\"code\":0,\"reason\":\"Connection Accepted\",\"raw_hex\":\"\","
			       "\"raw_truncated\":true,\"raw_len\":99999999999,\"properties\":null}");
	mutate(base, "connack", "{\"code\":0,\"reason\":\"Connection Accepted\",\"raw_hex\":\"\","
			       "\"properties\":null,\"more\":1}");
	mutate(base, "topics", "{\"count\":1}");
	mutate(base, "topics", "{\"count\":1,\"sys_count\":0,\"retained\":0,\"messages\":0,"
			      "\"bytes\":0,\"truncated\":false,\"list\":[{\"topic_b64\":\"YS9i\"}]}");
	mutate(base, "findings", "[{\"id\":\"x\"}]");
	mutate(base, "findings", "[1]");
	mutate(base, "findings", "{}");
	/* base64 where text belongs, text where base64 belongs, non-canonical base64 */
	{
		char *t = calloc(1, strlen(base) + 16), *h;
		memcpy(t, base, strlen(base));
		h = strstr(t, "\"hostname\":\"h\"");
		assert_non_null(h);
		memcpy(h, "\"hostname_b64\":\"aA==\"", 21); /* "h" is text: never base64 */
		memmove(h + 21, h + 14, strlen(h + 14) + 1);
		expect_error(t);
		free(t);
	}
	expect_error("{\"schema\":\"mqttsweep.record/1\",\"kind\":\"service\",\"probe_b64\":\"/w=\"}");
	/* members after the envelope's: one no row or block takes, one that repeats a name
	 * written above, a classifier member out of its place or twice, a count without its
	 * fingerprint */
	{
		static const char *const tails[] = {
			",\"zz\":1}", ",\"ip\":\"x\"}", ",\"sys_identity\":\"a\",\"tags\":[\"x\"]}",
			",\"tags\":[\"x\"],\"tags\":[\"y\"]}", ",\"retained_fingerprint_n\":3}",
			",\"retained_fingerprint\":\"0123456789abcdef0123456789abcdef\"}",
			",\"honeypot\":{\"likelihood\":\"sure\",\"signals\":[]}}",
		};
		size_t n = strlen(base);
		char *t = malloc(n + 128);
		memcpy(t, base, n - 1);
		for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
			snprintf(t + n - 1, 128, "%s", tails[i]);
			expect_error(t);
		}
		/* and the classifier's members in their place are its block again */
		snprintf(t + n - 1, 128, ",\"tags\":[\"x\"],\"retained_fingerprint\":"
			 "\"0123456789abcdef0123456789abcdef\",\"retained_fingerprint_n\":3}");
		assert_int_equal(record_from_json(t, strlen(t), &r), MSW_OK);
		const struct cls_result *c = record_block(&r, &cls_result_table);
		assert_non_null(c);
		assert_int_equal(c->tags.n, 1);
		assert_int_equal(c->retained.n, 3);
		assert_int_equal(c->retained.hash[15], 0xef);
		record_free(&r);
		free(t);
	}
	free(base);
	dbuf_free(&a);
}

/* A record with an http block (one path, an upgrade with its close code) and an amqp block
 * (two properties, asked with the SASL header): its text, NUL-terminated (free it). */
static char *blocks_text(void)
{
	struct msw_record r;
	struct dbuf a;
	char *t;

	record_init(&r, "mqtt");
	r.start_us = 1764000000123000;
	snprintf(r.ip, sizeof(r.ip), "127.0.0.1");
	struct http_result *h = record_block_new(&r, &http_table);
	http_result_init(h);
	struct http_path_rec *p = vec_push(&h->paths);
	p->path = strdup("/mqtt");
	p->request = FPR_WS_MQTT;
	p->status = 101;
	p->ws_close_code = 1005;
	p = vec_push(&h->paths);
	p->path = strdup("/");
	p->request = FPR_GET;
	p->status = 200;
	p->ws_close_code = -1;
	struct amqp_info *b = record_block_new(&r, &amqp_table);
	snprintf(b->protocol, sizeof(b->protocol), "0-9-1");
	b->product.present = true;
	snprintf(b->product.s, sizeof(b->product.s), "RabbitMQ");
	b->version.present = true; /* an empty value the server sent */
	b->sasl_asked = true;
	strlist_add(&b->sasl_mechanisms, "PLAIN", 5, AMQP_MAX_MECHS);
	struct mqtt_access_rec *m = record_block_new(&r, &mqtt_access_table);
	m->mapped = true;
	acl_rec_alloc(&m->acl, 1);
	m->acl.rows[0] = (struct acl_rec_row){.filter = strdup("#"), .read = ACL_READ_GRANTED,
					      .write = ACL_WRITE_UNTESTED, .suback = 0,
					      .puback = ACL_NO_CODE};
	dbuf_init(&a, 1u << 20);
	assert_int_equal(record_text(&r, "9.9.9", &a), MSW_OK);
	record_free(&r);
	t = malloc(a.len + 1);
	assert_non_null(t);
	memcpy(t, a.p, a.len);
	t[a.len] = 0;
	dbuf_free(&a);
	return t;
}

/* base with the member key of the object at path (block, then optional list index)
 * replaced by value (NULL: removed); expects an error. */
static void mutate_in(const char *base, const char *block, int index, const char *key,
		      const char *value)
{
	cJSON *o = cJSON_Parse(base), *in;
	char *txt;

	assert_non_null(o);
	in = cJSON_GetObjectItemCaseSensitive(o, block);
	assert_non_null(in);
	if (index >= 0)
		in = cJSON_GetArrayItem(cJSON_IsArray(in) ? in
							  : cJSON_GetObjectItemCaseSensitive(in, "paths"),
					index);
	assert_non_null(in);
	if (!value)
		cJSON_DeleteItemFromObjectCaseSensitive(in, key);
	else if (cJSON_GetObjectItemCaseSensitive(in, key))
		cJSON_ReplaceItemInObjectCaseSensitive(in, key, cJSON_Parse(value));
	else
		cJSON_AddItemToObject(in, key, cJSON_Parse(value)); /* after its place */
	txt = cJSON_PrintUnformatted(o);
	expect_error(txt);
	cJSON_free(txt);
	cJSON_Delete(o);
}

/* The http and amqp setters: what their getters give comes back, and values no struct
 * gives are refused. */
static void test_hostile_blocks(void **st)
{
	struct msw_record r;
	char *base = blocks_text(), prop[200];

	(void)st;
	assert_int_equal(record_from_json(base, strlen(base), &r), MSW_OK);
	const struct http_result *h = record_block(&r, &http_table);
	assert_non_null(h);
	assert_int_equal(h->paths.n, 2);
	assert_int_equal(((struct http_path_rec *)h->paths.p)[0].request, FPR_WS_MQTT);
	assert_int_equal(((struct http_path_rec *)h->paths.p)[0].ws_close_code, 1005);
	assert_int_equal(((struct http_path_rec *)h->paths.p)[1].request, FPR_GET);
	assert_int_equal(((struct http_path_rec *)h->paths.p)[1].ws_close_code, -1);
	const struct amqp_info *b = record_block(&r, &amqp_table);
	assert_non_null(b);
	assert_true(b->product.present && !strcmp(b->product.s, "RabbitMQ"));
	assert_true(b->version.present && !b->version.s[0]);
	assert_false(b->platform.present);
	assert_true(b->sasl_asked);
	assert_int_equal(b->sasl_mechanisms.n, 1);
	const struct mqtt_access_rec *m = record_block(&r, &mqtt_access_table);
	assert_non_null(m);
	assert_true(m->mapped);
	assert_int_equal(m->acl.n, 1);
	assert_int_equal(m->acl.rows[0].suback, 0);
	assert_int_equal(m->acl.rows[0].puback, ACL_NO_CODE);
	assert_int_equal(m->acl.rows[0].read, ACL_READ_GRANTED);
	record_free(&r);
	/* every prefix */
	for (size_t n = 0; n < strlen(base); n++) {
		assert_int_not_equal(record_from_json(base, n, &r), MSW_OK);
		record_free(&r);
	}
	/* http: a close code no int holds or below 0 (-1 is "none": left out), an upgrade
	 * the vocabulary does not name, a GET's request written */
	mutate_in(base, "http", 0, "ws_close_code", "-1");
	mutate_in(base, "http", 0, "ws_close_code", "2147483648");
	mutate_in(base, "http", 0, "ws_close_code", "1e300");
	mutate_in(base, "http", 0, "ws_close_code", "1005.5");
	mutate_in(base, "http", 0, "ws_close_code", "\"1005\"");
	mutate_in(base, "http", 0, "ws_close_code", "null");
	mutate_in(base, "http", 0, "request", "\"GET\"");
	mutate_in(base, "http", 0, "request", "\"websocket-mqtt \"");
	mutate_in(base, "http", 0, "request", "1");
	mutate_in(base, "http", 0, "request", "null");
	mutate_in(base, "http", 1, "request", "\"websocket\""); /* out of its place */
	/* amqp: a property longer than the codec keeps (its room less the NUL), one with a
	 * NUL (base64), not text, null; the SASL list not a list, null, of non-strings */
	memset(prop, 'x', sizeof(prop));
	prop[0] = '"';
	snprintf(prop + 1 + AMQP_STR, sizeof(prop) - 1 - AMQP_STR, "\"");
	mutate_in(base, "amqp", -1, "product", prop);
	mutate_in(base, "amqp", -1, "product", "null");
	mutate_in(base, "amqp", -1, "product", "7");
	mutate_in(base, "amqp", -1, "product", "[\"a\"]");
	mutate_in(base, "amqp", -1, "sasl_mechanisms", "\"PLAIN\"");
	mutate_in(base, "amqp", -1, "sasl_mechanisms", "null");
	mutate_in(base, "amqp", -1, "sasl_mechanisms", "[1]");
	mutate_in(base, "amqp", -1, "sasl_mechanisms", "{}");
	/* acl: a code no SUBACK gives (255 is "none": left out), verdicts not in their
	 * vocabularies, the map not a list */
	mutate_in(base, "acl", 0, "suback", "255");
	mutate_in(base, "acl", 0, "suback", "256");
	mutate_in(base, "acl", 0, "suback", "-1");
	mutate_in(base, "acl", 0, "suback", "null");
	mutate_in(base, "acl", 0, "puback", "255");
	mutate_in(base, "acl", 0, "read", "\"granted \"");
	mutate_in(base, "acl", 0, "read", "null");
	mutate_in(base, "acl", 0, "read", NULL);
	mutate_in(base, "acl", 0, "write", "\"accepted_maybe\"");
	mutate_in(base, "acl", 0, "write", "2");
	mutate(base, "acl", "null");
	mutate(base, "acl", "{}");
	mutate(base, "acl", "[1]");
	{
		/* a property of AMQP_STR - 1 bytes is the longest the codec keeps: taken */
		cJSON *o = cJSON_Parse(base);
		char *txt;
		prop[AMQP_STR] = '"';
		prop[AMQP_STR + 1] = 0;
		cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "amqp"),
						       "product", cJSON_Parse(prop));
		txt = cJSON_PrintUnformatted(o);
		assert_int_equal(record_from_json(txt, strlen(txt), &r), MSW_OK);
		assert_int_equal(strlen(((const struct amqp_info *)record_block(&r, &amqp_table))
					     ->product.s),
				 AMQP_STR - 1);
		record_free(&r);
		cJSON_free(txt);
		/* base64 in the property's place: bytes that are not text come back, a NUL (no
		 * C string holds it) does not */
		cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "amqp"),
							"product");
		txt = cJSON_PrintUnformatted(o);
		char *at = strstr(txt, "\"amqp\":{");
		assert_non_null(at);
		char *t2 = malloc(strlen(txt) + 64);
		size_t k = (size_t)(at - txt) + 8;
		memcpy(t2, txt, k);
		/* protocol, answer, then product: "a\0b" in base64 */
		char *ans = strstr(at, "\"answer\":");
		assert_non_null(ans);
		char *after = strchr(ans + 9 + 1, '"');
		assert_non_null(after);
		k = (size_t)(after + 1 - txt);
		memcpy(t2, txt, k);
		/* 0xff (not text) is what a struct holds and writes as base64: taken */
		snprintf(t2 + k, strlen(txt) + 64 - k, ",\"product_b64\":\"/w==\"%s", after + 1);
		assert_int_equal(record_from_json(t2, strlen(t2), &r), MSW_OK);
		assert_int_equal((uint8_t)((const struct amqp_info *)record_block(&r, &amqp_table))
					 ->product.s[0],
				 0xff);
		record_free(&r);
		snprintf(t2 + k, strlen(txt) + 64 - k, ",\"product_b64\":\"YQBi\"%s", after + 1);
		expect_error(t2);
		free(t2);
		cJSON_free(txt);
		cJSON_Delete(o);
	}
	free(base);
	/* the host summary: a severity or an access word not in their vocabularies */
	{
		struct dbuf a;
		record_init(&r, "host");
		r.start_us = 1764000000123000;
		struct host_summary *hs = record_block_new(&r, &host_summary_table);
		host_summary_init(hs);
		struct host_service *sv = vec_push(&hs->services);
		assert_non_null(sv);
		if (!sv)
			return;
		snprintf(sv->probe, sizeof(sv->probe), "http");
		sv->port = 1880;
		sv->access = "open";
		sv->worst = SEV_HIGH;
		hs->worst = SEV_HIGH;
		hs->cats[CAT_DASHBOARD] = 2;
		hs->chain = strdup("http:1880 [high]");
		dbuf_init(&a, 1u << 20);
		assert_int_equal(record_text(&r, "9.9.9", &a), MSW_OK);
		record_free(&r);
		base = malloc(a.len + 1);
		memcpy(base, a.p, a.len);
		base[a.len] = 0;
		dbuf_free(&a);
		assert_int_equal(record_from_json(base, strlen(base), &r), MSW_OK);
		hs = record_block(&r, &host_summary_table);
		assert_non_null(hs);
		assert_int_equal(hs->worst, SEV_HIGH);
		assert_int_equal(hs->services.n, 1);
		assert_string_equal(((struct host_service *)hs->services.p)[0].access, "open");
		record_free(&r);
		mutate_in(base, "services", 0, "auth", "\"root\"");
		mutate_in(base, "services", 0, "auth", "\"open \"");
		mutate_in(base, "services", 0, "auth", "null");
		mutate_in(base, "services", 0, "auth", "1");
		mutate_in(base, "services", 0, "worst_severity", "\"severe\"");
		mutate_in(base, "services", 0, "worst_severity", "3");
		mutate_in(base, "risk", -1, "worst_severity", "\"HIGH\"");
		mutate_in(base, "risk", -1, "worst_severity", "-1");
		mutate_in(base, "risk", -1, "findings_by_category", "{\"dashboard\":-2}");
		mutate_in(base, "risk", -1, "findings_by_category", "{\"nope\":1}");
		mutate(base, "risk", "null");
		mutate(base, "services", "{}");
	}
	free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_random),
		cmocka_unit_test(test_read_hostile),
		cmocka_unit_test(test_hostile_text),
		cmocka_unit_test(test_hostile_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
