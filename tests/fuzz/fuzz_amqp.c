/* Fuzz the AMQP banner codec (amqp_codec.c). Input: byte 0 bit 0 says whether we sent the
 * 1.0 SASL header; the rest is what the server sent. Invariants: the answer is never longer
 * than the input, a complete reply's strings are terminated and bounded, and a reply parsed
 * from a prefix is either "need more" or the same reply (no answer depends on bytes past
 * the ones it consumed). The record's amqp block made from the reply (as the probe makes
 * it) is written by the table walker exactly as the reference tree (record_to_json). */
#include <assert.h>
#include <string.h>
#include "fuzz_common.h"
#include "output/jsonw.h"
#include "output/record.h"
#include "probes/amqp_codec.h"
#include "probes/amqp_rec.h"

/* The reply as the record's amqp block (a SASL answer also as the second reply). */
static void check_record(const struct amqp_reply *r)
{
	struct msw_record rec;
	struct dbuf a, b;

	record_init(&rec, "amqp");
	struct amqp_info *info = record_block_new(&rec, &amqp_table);
	assert(info);
	(void)amqp_info_fill(info, r, r->kind == AMQP_SASL ? r : NULL);
	cJSON *j = record_to_json(&rec, "fuzz");
	assert(j);
	dbuf_init(&a, 1u << 24);
	dbuf_init(&b, 1u << 24);
	assert(jsonw_append(&a, j) == MSW_OK);
	assert(record_text(&rec, "fuzz", &b) == MSW_OK);
	assert(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
	dbuf_free(&a);
	dbuf_free(&b);
	cJSON_Delete(j);
	record_free(&rec);
}

static void check_str(const struct amqp_str *s)
{
	assert(memchr(s->s, 0, sizeof(s->s)));
	assert(s->present || !s->s[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct amqp_reply r, again;

	if (size < 1)
		return 0;
	bool sasl = data[0] & 1;
	data++;
	size--;
	long n = amqp_parse_reply(data, size, sasl, &r);
	assert(n >= -1 && n <= (long)size);
	if (n <= 0)
		return 0;
	check_str(&r.product);
	check_str(&r.version);
	check_str(&r.platform);
	check_str(&r.cluster_name);
	check_str(&r.copyright);
	check_str(&r.information);
	assert(r.ncaps <= AMQP_MAX_CAPS && r.nmechs <= AMQP_MAX_MECHS);
	for (size_t i = 0; i < r.nmechs; i++)
		assert(memchr(r.mechs[i], 0, sizeof(r.mechs[i])));
	assert(memchr(r.locales, 0, sizeof(r.locales)));
	/* the same bytes alone give the same reply */
	assert(amqp_parse_reply(data, (size_t)n, sasl, &again) == n);
	assert(again.kind == r.kind && !strcmp(again.product.s, r.product.s));
	check_record(&r);
	return 0;
}
