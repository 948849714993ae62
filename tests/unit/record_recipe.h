/* The recipe of the record golden vectors: 2,000 records drawn from one xorshift generator
 * (every envelope field, _b64 fallbacks, long CONNACKs, numbers past 2^53). Shared by the
 * test (tests/unit/test_record_golden.c, the field-table writer) and the generator of the
 * vectors (tests/vectors/record/gen_old.c, built against the cJSON-based writer), so both
 * draw in the same order (a field added later is drawn at the end of recipe()). The includer defines the hooks whose API differs between the two
 * record models: SET_KIND, SET_TSEC, SET_VERSIONS, ADD_EVIDENCE. */
#ifndef MSW_RECORD_RECIPE_H
#define MSW_RECORD_RECIPE_H

#define RECIPE_RECORDS 2000 /* lines in records.sha256 */
#define RECIPE_HEAD 25      /* of which in full in records_head.jsonl */

static unsigned long long rs = 0x2545F4914F6CDD1Dull;
static unsigned rnd(unsigned n)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (unsigned)(rs % n);
}

/* ---- the recipe (same draws as the writer of the vectors) ---- */
static const uint8_t POOL[] = {'a', 'b', '"', '\\', '\n', 0x01, 0x7f, 0xc3, 0xa9, 0xff, 0xe2,
			       0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, '/', 0, ' ', 'Z'};

static void rbytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = POOL[rnd(sizeof(POOL))];
}

static char *rcstr(size_t max)
{
	size_t n = rnd((unsigned)max + 1);
	char *s = malloc(n + 1);
	rbytes((uint8_t *)s, n);
	for (size_t i = 0; i < n; i++)
		s[i] = s[i] ? s[i] : 'z';
	s[n] = 0;
	return s;
}

static void recipe_topics(struct msw_record *r)
{
	for (unsigned i = 0, k = rnd(5); i < k; i++) {
		uint8_t buf[40];
		size_t n = rnd(sizeof(buf));
		rbytes(buf, n);
		struct msw_topic *t = record_topic(r, buf, n, 8);
		if (!t)
			continue;
		t->retained = rnd(2);
		t->messages = rnd(100000);
		t->bytes = (uint64_t)rnd(1u << 30) * rnd(1u << 30);
		if (rnd(2))
			mbytes_set(&t->sample, buf, rnd((unsigned)n + 1));
		t->sample_truncated = rnd(2);
	}
	r->topic_count = rnd(50000);
	r->retained_count = rnd(100);
	r->messages_total = (uint64_t)rnd(1u << 31) * rnd(1u << 31);
	r->bytes_total = rnd(1u << 31);
	r->topics_truncated = rnd(2);
}

static void recipe_findings(struct msw_record *r)
{
	for (unsigned i = 0, k = rnd(4); i < k; i++) {
		struct msw_finding f = {.id = rnd(5) ? rcstr(12) : NULL};
		f.cwe = (int)rnd(1000) - 1;
		f.title = rnd(5) ? rcstr(30) : NULL;
		f.evidence = rnd(2) ? rcstr(30) : NULL;
		f.remediation = rnd(2) ? rcstr(30) : NULL;
		f.reproduce = rnd(2) ? rcstr(30) : NULL;
		f.category = (enum msw_category)rnd(CAT__COUNT);
		f.severity = (enum msw_severity)rnd(SEV__COUNT);
		f.confidence = (enum msw_confidence)rnd(CONF__COUNT);
		uint8_t buf[40];
		size_t n = rnd(4) ? rnd(sizeof(buf)) : 0;
		rbytes(buf, n);
		mbytes_set(&f.topic, buf, n);
		record_add_finding(r, &f);
		free(f.id);
		free(f.title);
		free(f.evidence);
		free(f.remediation);
		free(f.reproduce);
		mbytes_free(&f.topic);
	}
}

static void recipe(struct msw_record *r)
{
	static const char *const tsec[] = {NULL, "plaintext", "tls_unverified", "tls_verified", "mtls"};
	static const char *const probes[] = {"mqtt", "http", "smb", "host"};
	record_init(r, probes[rnd(4)]);
	SET_KIND(r, rnd(2));
	snprintf(r->scan_id, sizeof(r->scan_id), "scan-%u", rnd(1000));
	r->start_us = (int64_t)rnd(2000000000) * 1000000 + rnd(1000000);
	unsigned b = rnd(256), a = rnd(256); /* the writer of the vectors drew the last first */
	snprintf(r->ip, sizeof(r->ip), "127.0.%u.%u", a, b);
	if (rnd(2))
		snprintf(r->source_ip, sizeof(r->source_ip), "127.0.0.1");
	r->port = (uint16_t)rnd(65536);
	r->hostname = rnd(2) ? rcstr(12) : NULL;
	r->error = rnd(2) ? rcstr(20) : NULL;
	r->transport = (enum msw_transport)rnd(TRANSPORT__COUNT);
	r->status = (enum msw_status)rnd(ST__COUNT);
	SET_TSEC(r, tsec[rnd(5)]);
	r->auth = (enum msw_auth)rnd(AUTH__COUNT);
	r->read_access = (enum msw_read_access)rnd(READ__COUNT);
	/* the four values the vectors were made with (WRITE_ACCEPTED came later; the record
	 * tests and test_mqtt_acl cover it) */
	r->write_access = (enum msw_write_access)rnd(4);
	r->mqtt = rnd(2);
	if (rnd(3)) {
		const char *v = rnd(2) ? "5.0" : rnd(2) ? "3.1.1" : "3.1";
		snprintf(r->mqtt_version, sizeof(r->mqtt_version), "%s", v);
	}
	if (rnd(3)) {
		r->connack_code = (int)rnd(256);
		uint8_t buf[1500];
		size_t n = rnd(8) ? rnd(40) : 1100 + rnd(200);
		rbytes(buf, n);
		mbytes_set(&r->connack_raw, buf, n);
	}
	if (!rnd(3)) {
		unsigned planned = rnd(8), v0 = rnd(13), v1 = rnd(13), v2 = rnd(13);
		SET_VERSIONS(r, planned, v0, v1, v2);
	}
	r->broker_product = rnd(2) ? rcstr(8) : NULL;
	r->broker_version = rnd(2) ? rcstr(8) : NULL;
	for (unsigned i = 0, k = rnd(4); i < k; i++) {
		char *x = rcstr(10), *y = rcstr(10);
		ADD_EVIDENCE(r, x, y);
		free(x);
		free(y);
	}
	recipe_topics(r);
	recipe_findings(r);
	r->duration_ms = (int64_t)rnd(100000) - 10;
	/* fields added since the first vectors: drawn last, so every earlier draw stays */
	r->auth_identity = rnd(2) ? rcstr(12) : NULL;
	r->sys_topic_count = rnd(3) ? 0 : rnd(r->topic_count + 1);
}

#endif
