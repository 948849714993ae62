/* The seeded permutation: a permutation for every size, deterministic per seed, shards
 * disjoint and complete (and interleaving back into the unsharded order). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "engine/cyclic.h"

static void test_primes(void **state)
{
	(void)state;
	assert_false(cyclic_is_prime(0));
	assert_false(cyclic_is_prime(1));
	assert_true(cyclic_is_prime(2));
	assert_true(cyclic_is_prime(3));
	assert_false(cyclic_is_prime(561));                  /* Carmichael */
	assert_false(cyclic_is_prime(UINT64_C(3215031751))); /* strong pseudoprime to 2,3,5,7 */
	assert_true(cyclic_is_prime(65537));
	assert_int_equal(cyclic_next_prime(1), 2);
	assert_int_equal(cyclic_next_prime(2), 3);
	assert_int_equal(cyclic_next_prime(65536), 65537);
	assert_true(cyclic_next_prime(UINT64_C(4294967296)) == UINT64_C(4294967311));
	assert_true(cyclic_mulmod(UINT64_MAX - 1, UINT64_MAX - 1, UINT64_MAX) == 1);
}

/* Walks n with seed and checks every index comes out exactly once. */
static void check_perm(uint64_t n, uint64_t seed)
{
	uint8_t *seen = calloc(n, 1);
	struct cyclic c;
	uint64_t idx, count = 0;

	assert_non_null(seen);
	assert_int_equal(cyclic_init(&c, n, seed, 0, 1), 0);
	while (cyclic_next(&c, &idx)) {
		assert_true(idx < n);
		assert_int_equal(seen[idx], 0);
		seen[idx] = 1;
		count++;
	}
	assert_true(count == n);
	free(seen);
}

static void test_every_size(void **state)
{
	(void)state;
	for (uint64_t n = 1; n <= 5000; n++)
		check_perm(n, n * 2654435761u);
	check_perm(65536, 42); /* a /16 */
	check_perm(65536, 0);
}

static void test_empty_and_limits(void **state)
{
	struct cyclic c;
	uint64_t idx;

	(void)state;
	assert_int_equal(cyclic_init(&c, 0, 1, 0, 1), 0);
	assert_false(cyclic_next(&c, &idx));
	assert_int_not_equal(cyclic_init(&c, 10, 1, 3, 3), 0); /* shard >= shards */
	assert_int_not_equal(cyclic_init(&c, 10, 1, 0, 0), 0);
	assert_int_not_equal(cyclic_init(&c, CYCLIC_MAX_N + 1, 1, 0, 1), 0);
	/* all of IPv4: set-up is instant and the first indices are in range */
	assert_int_equal(cyclic_init(&c, UINT64_C(1) << 32, 7, 0, 1), 0);
	for (int i = 0; i < 1000; i++) {
		assert_true(cyclic_next(&c, &idx));
		assert_true(idx < (UINT64_C(1) << 32));
	}
}

static void walk(uint64_t n, uint64_t seed, unsigned k, unsigned s, uint64_t *out, size_t *cnt)
{
	struct cyclic c;
	uint64_t idx;

	*cnt = 0;
	assert_int_equal(cyclic_init(&c, n, seed, k, s), 0);
	while (cyclic_next(&c, &idx))
		out[(*cnt)++] = idx;
}

static void test_deterministic(void **state)
{
	uint64_t a[1000], b[1000], d[1000];
	size_t na, nb, nd;

	(void)state;
	walk(1000, 12345, 0, 1, a, &na);
	walk(1000, 12345, 0, 1, b, &nb);
	walk(1000, 54321, 0, 1, d, &nd);
	assert_int_equal(na, 1000);
	assert_memory_equal(a, b, sizeof(a));
	assert_memory_not_equal(a, d, sizeof(a));
	/* not the identity order */
	{
		size_t in_place = 0;

		for (size_t i = 0; i < na; i++)
			in_place += a[i] == i;
		assert_true(in_place < 50);
	}
}

static void test_shards(void **state)
{
	enum { N = 3001 };
	static uint64_t full[N + 8], part[8][N + 8];
	size_t nfull, np[8];

	(void)state;
	walk(N, 99, 0, 1, full, &nfull);
	for (unsigned s = 1; s <= 7; s++) {
		uint8_t seen[N] = {0};
		size_t total = 0;

		for (unsigned k = 0; k < s; k++) {
			walk(N, 99, k, s, part[k], &np[k]);
			for (size_t i = 0; i < np[k]; i++) {
				assert_int_equal(seen[part[k][i]], 0); /* disjoint */
				seen[part[k][i]] = 1;
			}
			total += np[k];
		}
		assert_int_equal(total, N); /* complete */
	}
	/* two shards interleave back into the full walk (each is a sub-sequence of it) */
	walk(N, 99, 0, 2, part[0], &np[0]);
	walk(N, 99, 1, 2, part[1], &np[1]);
	{
		size_t i0 = 0, i1 = 0, j = 0;

		while (j < nfull) {
			if (i0 < np[0] && part[0][i0] == full[j]) {
				i0++;
				j++;
			} else if (i1 < np[1] && part[1][i1] == full[j]) {
				i1++;
				j++;
			} else {
				fail_msg("shard outputs are not sub-sequences of the walk");
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_primes),           cmocka_unit_test(test_every_size),
		cmocka_unit_test(test_empty_and_limits), cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_shards),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
