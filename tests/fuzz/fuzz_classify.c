/* Fuzz the payload/JSON classifier and the redaction of samples. Input: TOPIC \0 PAYLOAD
 * (up to FUZZ_MAX_MESSAGES messages separated by \0\0; the last takes the rest, separators
 * included), byte 0 chooses the --evidence level, the retain flag and (bit 3) whether the
 * first message is a file for cls_file (path \0 contents) instead. Eight messages are
 * enough for every cross-message path (HA discovery + state, OwnTracks people, $SYS
 * counters) and keep an input's cost bounded, so a long run reaches 10M executions.
 * Every message goes through cls_message() (or cls_file()); the target is finished into a
 * record whose JSON line (the table walker's, classifier block included) must be byte for
 * byte the reference tree's; the sample/topic redaction functions run too. */
#include <assert.h>
#include <cjson/cJSON.h>
#include "fuzz_common.h"
#include "classify/classify.h"
#include "base/config.h"
#include "output/jsonw.h"
#include "output/record.h"

#define FUZZ_MAX_MESSAGES 8

static void message(struct classify_ctx *c, const struct msw_config *cfg, const uint8_t *m,
		    size_t n, bool retained, bool file)
{
	const uint8_t *payload = (const uint8_t *)"";
	size_t tlen = n, plen = 0;
	fuzz_split(m, n, &payload, &tlen, &plen);
	if (file && tlen < 4096 && !memchr(m, 0, tlen)) {
		/* the file classifier (SMB --read-secrets): topic = path */
		char path[4096];
		memcpy(path, m, tlen);
		path[tlen] = 0;
		cls_file(c, path, payload, plen);
		return;
	}
	cls_message(c, m, tlen, payload, plen, retained);
	size_t outlen = 0;
	uint8_t *s = cls_redact_sample(cfg, m, tlen, payload, plen, 256, &outlen);
	assert(s || outlen == 0);
	assert(outlen <= 256 || !s);
	free(s);
	free(cls_redact_topic(cfg, m, tlen));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct msw_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.evidence = (enum msw_evidence)(data[0] % 3);
	cfg.mode = MODE_AUDIT;
	cfg.depth = DEPTH_TOPICS;
	bool retained = data[0] & 4;
	bool file = data[0] & 8;
	data++;
	size--;
	struct classify_ctx *c = cls_new(&cfg);
	if (!c)
		return 0;
	struct msw_record rec;
	record_init(&rec, "mqtt");
	rec.mqtt = true;
	rec.auth = AUTH_ANONYMOUS;
	/* messages separated by "\0\0" */
	size_t start = 0, nmsg = 0;
	for (size_t i = 0; i + 1 < size && nmsg + 1 < FUZZ_MAX_MESSAGES; i++) {
		if (data[i] == 0 && data[i + 1] == 0) {
			message(c, &cfg, data + start, i - start, retained, file && nmsg == 0);
			nmsg++;
			start = i + 2;
			i++;
		}
	}
	if (start <= size)
		message(c, &cfg, data + start, size - start, retained, file && nmsg == 0);
	cls_service(c, &rec);
	cls_finish(c, &rec);
	cls_free(c);
	cJSON *j = record_to_json(&rec, "fuzz");
	if (j) {
		struct dbuf a, b;
		dbuf_init(&a, 1u << 26);
		dbuf_init(&b, 1u << 26);
		assert(jsonw_append(&a, j) == MSW_OK);
		assert(record_text(&rec, "fuzz", &b) == MSW_OK);
		assert(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
		dbuf_free(&a);
		dbuf_free(&b);
		cJSON_Delete(j);
	}
	record_free(&rec);
	return 0;
}
