/* Fuzz the AMQP banner codec (amqp_codec.c). Input: byte 0 bit 0 says whether we sent the
 * 1.0 SASL header; the rest is what the server sent. Invariants: the answer is never longer
 * than the input, a complete reply's strings are terminated and bounded, and a reply parsed
 * from a prefix is either "need more" or the same reply (no answer depends on bytes past
 * the ones it consumed). */
#include <assert.h>
#include <string.h>
#include "fuzz_common.h"
#include "probes/amqp_codec.h"

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
	return 0;
}
