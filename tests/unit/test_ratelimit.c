/* Token bucket: long-run rate equals the configured rate, bursts are bounded, waits are
 * exact, rate 0 is unlimited, huge gaps do not overflow. Also the per-address map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "engine/addrmap.h"
#include "engine/ratelimit.h"

static uint64_t run(struct ratelimit *rl, int64_t start, int64_t dur_us, int64_t step)
{
	uint64_t n = 0;
	for (int64_t t = start; t < start + dur_us; t += step)
		while (rl_take(rl, t))
			n++;
	return n;
}

static void test_rate(void **state)
{
	static const uint32_t rates[] = { 1, 7, 100, 1000, 25000, 1000000 };
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct ratelimit rl;
		rl_init(&rl, rates[i], 0, 0);
		uint64_t n = run(&rl, 0, 10 * 1000000, 100);
		uint64_t want = (uint64_t)rates[i] * 10;
		/* at most the first token + burst more than rate × time, and never much less */
		assert_true(n <= want + rates[i] / 10 + 2);
		assert_true(n + want / 100 + 1 >= want);
	}
}

static void test_burst_bounded(void **state)
{
	struct ratelimit rl;
	rl_init(&rl, 100, 0, 0);
	assert_true(rl_take(&rl, 0));
	assert_false(rl_take(&rl, 0));
	/* after a long idle gap only the burst (rate/10 = 10) is available */
	int n = 0;
	while (rl_take(&rl, 3600ll * 1000000))
		n++;
	assert_int_equal(n, 10);
	/* explicit burst */
	rl_init(&rl, 10, 5, 0);
	n = 0;
	while (rl_take(&rl, 10 * 1000000))
		n++;
	assert_int_equal(n, 5);
}

static void test_wait(void **state)
{
	struct ratelimit rl;
	rl_init(&rl, 100, 1, 0);
	assert_int_equal(rl_wait_us(&rl, 0), 0);
	assert_true(rl_take(&rl, 0));
	int64_t w = rl_wait_us(&rl, 0);
	assert_int_equal(w, 10000);
	assert_false(rl_take(&rl, w - 1));
	assert_true(rl_take(&rl, w));
}

static void test_unlimited(void **state)
{
	struct ratelimit rl;
	rl_init(&rl, 0, 0, 0);
	for (int i = 0; i < 100000; i++)
		assert_true(rl_take(&rl, 0));
	assert_int_equal(rl_wait_us(&rl, 0), 0);
}

static void test_clock_backwards(void **state)
{
	struct ratelimit rl;
	rl_init(&rl, 10, 1, 5000000);
	assert_true(rl_take(&rl, 5000000));
	assert_false(rl_take(&rl, 1000)); /* earlier time: no refill, no crash */
	assert_true(rl_take(&rl, 5100000));
}

static struct sockaddr_storage v4(const char *s)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof(ss));
	struct sockaddr_in *a = (struct sockaddr_in *)&ss;
	a->sin_family = AF_INET;
	inet_pton(AF_INET, s, &a->sin_addr);
	return ss;
}

static void test_addrmap(void **state)
{
	struct addrmap m;
	assert_int_equal(am_init(&m, 4), MSW_OK);
	struct addr_ent *ents[3000];
	char buf[32];
	for (int i = 0; i < 3000; i++) {
		snprintf(buf, sizeof(buf), "127.%d.%d.1", i / 250, i % 250);
		struct sockaddr_storage ss = v4(buf);
		ents[i] = am_get(&m, &ss);
		assert_non_null(ents[i]);
		am_ref(ents[i]);
		ents[i]->active = (uint32_t)i;
	}
	assert_int_equal(m.set.n, 3000);
	/* same address, other port: same entry */
	struct sockaddr_storage ss = v4("127.3.7.1");
	((struct sockaddr_in *)&ss)->sin_port = htons(1883);
	assert_ptr_equal(am_get(&m, &ss), ents[3 * 250 + 7]);
	/* drop every other one; the rest must still be found (backward-shift deletion) */
	for (int i = 0; i < 3000; i += 2)
		am_unref(&m, ents[i]);
	assert_int_equal(m.set.n, 1500);
	for (int i = 1; i < 3000; i += 2) {
		snprintf(buf, sizeof(buf), "127.%d.%d.1", i / 250, i % 250);
		struct sockaddr_storage s2 = v4(buf);
		struct addr_ent *e = am_get(&m, &s2);
		assert_ptr_equal(e, ents[i]);
		assert_int_equal(e->active, (uint32_t)i);
	}
	am_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_burst_bounded),
		cmocka_unit_test(test_wait),
		cmocka_unit_test(test_unlimited),
		cmocka_unit_test(test_clock_backwards),
		cmocka_unit_test(test_addrmap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
