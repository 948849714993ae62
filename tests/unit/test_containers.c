/* The base containers: the growable array (vec), the hash set and FNV-1a. Growth keeps
 * every element, the cap given at creation holds (a push or insertion past it fails and
 * changes nothing), and with the Nth allocation failing, for every N, each container is
 * left as it was before the failed call and frees cleanly (this binary is linked with
 * --wrap=malloc,calloc,realloc, see CMakeLists.txt; ASan or valgrind catch the leaks). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/hash.h"
#include "base/hashset.h"
#include "base/vec.h"
#include "test_rng.h"

/* ---- allocation failure: the Nth allocation from now on fails (0 = none) ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t a, size_t b);
void *__real_realloc(void *p, size_t n);
static long fail_at, nallocs;
static bool injected;

static bool should_fail(void)
{
	if (!fail_at || ++nallocs != fail_at)
		return false;
	injected = true;
	return true;
}

void *__wrap_malloc(size_t n) { return should_fail() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t a, size_t b) { return should_fail() ? NULL : __real_calloc(a, b); }
void *__wrap_realloc(void *p, size_t n) { return should_fail() ? NULL : __real_realloc(p, n); }

static void arm(long n)
{
	fail_at = n;
	nallocs = 0;
	injected = false;
}

static void disarm(void) { fail_at = 0; }

/* ---- FNV-1a ---- */

static void test_fnv_vectors(void **state)
{
	(void)state;
	/* the published FNV-1a test values */
	assert_true(fnv1a64("", 0, FNV64_INIT) == UINT64_C(0xcbf29ce484222325));
	assert_true(fnv1a64("a", 1, FNV64_INIT) == UINT64_C(0xaf63dc4c8601ec8c));
	assert_true(fnv1a64("foobar", 6, FNV64_INIT) == UINT64_C(0x85944171f73967e8));
	assert_true(fnv1a32("", 0, FNV32_INIT) == UINT32_C(0x811c9dc5));
	assert_true(fnv1a32("a", 1, FNV32_INIT) == UINT32_C(0xe40c292c));
	assert_true(fnv1a32("foobar", 6, FNV32_INIT) == UINT32_C(0xbf9cf968));
	/* hashing in turn is hashing the concatenation */
	assert_true(fnv1a64("bar", 3, fnv1a64("foo", 3, FNV64_INIT)) ==
		    fnv1a64("foobar", 6, FNV64_INIT));
}

/* ---- vec ---- */

struct elem {
	uint32_t a;
	uint8_t pad[9];
};

static void test_vec_growth(void **state)
{
	struct vec v;
	(void)state;
	vec_init(&v, sizeof(struct elem), 4, 1000);
	assert_null(v.p); /* nothing allocated before the first push */
	assert_null(vec_last(&v));
	uint32_t allocs[8], na = 0;
	for (uint32_t i = 0; i < 100; i++) {
		struct elem *e = vec_push(&v);
		assert_non_null(e);
		assert_int_equal(e->a, 0); /* zero-filled */
		for (size_t k = 0; k < sizeof(e->pad); k++)
			assert_int_equal(e->pad[k], 0);
		e->a = i * 7;
		if (!na || allocs[na - 1] != v.alloc)
			allocs[na++] = v.alloc;
	}
	/* first 4, then doubling */
	const uint32_t want[] = {4, 8, 16, 32, 64, 128};
	assert_int_equal(na, 6);
	for (uint32_t k = 0; k < na; k++)
		assert_int_equal(allocs[k], want[k]);
	assert_int_equal(v.n, 100);
	const struct elem *all = v.p;
	for (uint32_t i = 0; i < 100; i++) {
		assert_int_equal(all[i].a, i * 7);
		assert_ptr_equal(vec_at(&v, i), &all[i]);
	}
	assert_ptr_equal(vec_last(&v), &all[99]);
	vec_clear(&v);
	assert_int_equal(v.n, 0);
	assert_int_equal(v.alloc, 128); /* storage kept */
	vec_free(&v);
	assert_null(v.p);
	assert_int_equal(v.alloc, 0);
}

static void test_vec_cap(void **state)
{
	struct vec v;
	(void)state;
	vec_init(&v, sizeof(uint64_t), 4, 10);
	for (uint64_t i = 0; i < 10; i++) {
		uint64_t *e = vec_push(&v);
		assert_non_null(e);
		*e = i;
	}
	assert_int_equal(v.alloc, 10); /* the last doubling stops at the cap */
	assert_null(vec_push(&v));
	assert_int_equal(v.n, 10);
	assert_int_equal(vec_reserve(&v, 1), MSW_ERR_TOO_BIG);
	uint64_t more[3] = {1, 2, 3};
	assert_int_equal(vec_append(&v, more, 3), MSW_ERR_TOO_BIG);
	assert_int_equal(v.n, 10);
	for (uint64_t i = 0; i < 10; i++)
		assert_true(*(uint64_t *)vec_at(&v, i) == i);
	vec_free(&v);

	/* append: all or none */
	vec_init(&v, sizeof(uint64_t), 2, 4);
	assert_int_equal(vec_append(&v, more, 3), MSW_OK);
	assert_int_equal(vec_append(&v, more, 2), MSW_ERR_TOO_BIG);
	assert_int_equal(v.n, 3);
	assert_int_equal(vec_append(&v, more, 1), MSW_OK);
	assert_int_equal(v.n, 4);
	size_t n = 0;
	uint64_t *taken = vec_take(&v, &n);
	assert_int_equal(n, 4);
	assert_true(taken[3] == 1);
	assert_null(v.p);
	assert_int_equal(v.n, 0);
	free(taken);

	/* a zero cap holds nothing */
	vec_init(&v, 1, 1, 0);
	assert_null(vec_push(&v));
	assert_null(v.p);
}

static void test_vec_alloc_failure(void **state)
{
	(void)state;
	for (long fail = 1;; fail++) {
		struct vec v;
		uint32_t ok = 0;
		vec_init(&v, sizeof(uint32_t), 2, 50);
		arm(fail);
		for (uint32_t i = 0; i < 60; i++) {
			uint32_t before = v.n;
			uint32_t *e = vec_push(&v);
			if (!e) {
				assert_int_equal(v.n, before); /* unchanged */
				continue;
			}
			*e = i;
			ok++;
		}
		disarm();
		assert_int_equal(v.n, ok);
		/* what was pushed survived the failure, in order */
		uint32_t prev = 0;
		for (uint32_t i = 0; i < v.n; i++) {
			uint32_t x = *(uint32_t *)vec_at(&v, i);
			assert_true(i == 0 || x > prev);
			prev = x;
		}
		vec_free(&v);
		if (!injected) {
			assert_true(fail > 3); /* failures were injected (the wrap is linked) */
			break;
		}
		assert_true(fail < 100);
	}
}

/* ---- hashset ---- */

struct ent {
	uint64_t h;
	const char *key;
	uint32_t val;
};

static bool ent_eq(const void *slot, const void *key)
{
	return strcmp(((const struct ent *)slot)->key, key) == 0;
}

static uint64_t hstr(const char *s)
{
	return fnv1a64(s, strlen(s), FNV64_INIT);
}

static char keys[3000][12];

static void make_keys(void)
{
	for (int i = 0; i < 3000; i++)
		snprintf(keys[i], sizeof(keys[i]), "k%d", i);
}

static void test_hashset_growth(void **state)
{
	struct hashset s;
	bool fresh;
	(void)state;
	make_keys();
	hset_init(&s, sizeof(struct ent), 8, 16, 2000, ent_eq);
	assert_null(hset_find(&s, hstr("k1"), "k1"));
	assert_null(s.slots);
	for (int i = 0; i < 1000; i++) {
		struct ent *e = hset_add(&s, hstr(keys[i]), keys[i], &fresh);
		assert_non_null(e);
		assert_true(fresh);
		assert_null(e->key); /* zero-filled beyond the hash */
		e->key = keys[i];
		e->val = (uint32_t)i;
		assert_true(s.n * 4 <= s.cap * 3);
		if (i == 11)
			assert_int_equal(s.cap, 16); /* 12 of 16 */
		if (i == 12)
			assert_int_equal(s.cap, 32);
	}
	assert_int_equal(s.n, 1000);
	for (int i = 0; i < 1000; i++) {
		struct ent *e = hset_find(&s, hstr(keys[i]), keys[i]);
		assert_non_null(e);
		assert_int_equal(e->val, i);
		assert_ptr_equal(hset_add(&s, hstr(keys[i]), keys[i], &fresh), e);
		assert_false(fresh);
	}
	assert_null(hset_find(&s, hstr("k1000"), "k1000"));
	size_t seen = 0;
	for (void *x = NULL; (x = hset_next(&s, x));)
		seen++;
	assert_int_equal(seen, 1000);
	hset_free(&s);
	assert_null(s.slots);
}

/* Two keys with one hash: with eq they stay apart, without it they are one entry. */
static void test_hashset_collisions(void **state)
{
	struct hashset s;
	bool fresh;
	(void)state;
	hset_init(&s, sizeof(struct ent), 8, 4, 100, ent_eq);
	struct ent *a = hset_add(&s, 42, "a", &fresh);
	a->key = "a";
	struct ent *b = hset_add(&s, 42, "b", &fresh);
	assert_true(fresh);
	b->key = "b";
	assert_int_equal(s.n, 2);
	assert_string_equal(((struct ent *)hset_find(&s, 42, "a"))->key, "a");
	assert_string_equal(((struct ent *)hset_find(&s, 42, "b"))->key, "b");
	assert_null(hset_find(&s, 42, "c"));
	hset_del(&s, hset_find(&s, 42, "a"));
	assert_null(hset_find(&s, 42, "a"));
	assert_non_null(hset_find(&s, 42, "b"));
	hset_free(&s);

	/* hash-only set, 32-bit: hashes equal in their low 32 bits are one entry; 0 is
	 * stored as a hash too */
	hset_init(&s, 8, 4, 16, 100, NULL);
	assert_non_null(hset_add(&s, UINT64_C(0x100000007), NULL, &fresh));
	assert_true(fresh);
	assert_non_null(hset_add(&s, 7, NULL, &fresh));
	assert_false(fresh);
	assert_non_null(hset_add(&s, 0, NULL, &fresh));
	assert_true(fresh);
	assert_non_null(hset_find(&s, 0, NULL));
	assert_int_equal(s.n, 2);
	hset_free(&s);
}

static void test_hashset_cap(void **state)
{
	struct hashset s;
	bool fresh;
	(void)state;
	make_keys();
	hset_init(&s, sizeof(struct ent), 8, 16, 100, ent_eq);
	for (int i = 0; i < 100; i++) {
		struct ent *e = hset_add(&s, hstr(keys[i]), keys[i], &fresh);
		assert_non_null(e);
		e->key = keys[i];
	}
	assert_int_equal(s.cap, 256); /* the slots for 100 entries at <= 3/4 */
	assert_null(hset_add(&s, hstr(keys[100]), keys[100], &fresh));
	assert_false(fresh);
	assert_int_equal(s.n, 100);
	/* known keys are still found at the cap */
	struct ent *e = hset_add(&s, hstr(keys[5]), keys[5], &fresh);
	assert_non_null(e);
	assert_false(fresh);
	assert_int_equal(hset_reserve(&s, 101), MSW_ERR_TOO_BIG);
	hset_free(&s);

	/* reserve sizes the table up front, within the cap */
	hset_init(&s, sizeof(struct ent), 8, 16, 1000, ent_eq);
	assert_int_equal(hset_reserve(&s, 100), MSW_OK);
	assert_int_equal(s.cap, 256);
	hset_free(&s);
}

/* Random insertions and deletions against a plain array of flags: backward-shift
 * deletion keeps every remaining key reachable. Hashes are folded to few bits so probe
 * runs are long and wrap around the table's end. */
static void test_hashset_delete(void **state)
{
	struct hashset s;
	bool fresh, in[300] = {false};
	size_t n = 0;
	(void)state;
	make_keys();
	hset_init(&s, sizeof(struct ent), 8, 8, 300, ent_eq);
	for (int op = 0; op < 20000; op++) {
		uint32_t k = rnd(300);
		uint64_t h = hstr(keys[k]) & 0x3f; /* many collisions */
		if (!in[k]) {
			struct ent *e = hset_add(&s, h, keys[k], &fresh);
			assert_non_null(e);
			assert_true(fresh);
			e->key = keys[k];
			e->val = k;
			in[k] = true;
			n++;
		} else if (rnd(2)) {
			struct ent *e = hset_find(&s, h, keys[k]);
			assert_non_null(e);
			hset_del(&s, e);
			in[k] = false;
			n--;
		}
		assert_int_equal(s.n, n);
		if (op % 1000 == 0)
			for (uint32_t j = 0; j < 300; j++) {
				struct ent *e = hset_find(&s, hstr(keys[j]) & 0x3f, keys[j]);
				assert_int_equal(e != NULL, in[j]);
				if (e)
					assert_int_equal(e->val, j);
			}
	}
	hset_free(&s);
}

static void test_hashset_alloc_failure(void **state)
{
	(void)state;
	make_keys();
	for (long fail = 1;; fail++) {
		struct hashset s;
		bool fresh, in[200] = {false};
		hset_init(&s, sizeof(struct ent), 8, 4, 1000, ent_eq);
		arm(fail);
		for (int i = 0; i < 200; i++) {
			uint32_t n = s.n;
			struct ent *e = hset_add(&s, hstr(keys[i]), keys[i], &fresh);
			if (!e) {
				assert_int_equal(s.n, n); /* unchanged */
				continue;
			}
			e->key = keys[i];
			in[i] = true;
		}
		disarm();
		for (int i = 0; i < 200; i++)
			assert_int_equal(hset_find(&s, hstr(keys[i]), keys[i]) != NULL, in[i]);
		hset_free(&s);
		if (!injected) {
			assert_true(fail > 3); /* failures were injected (the wrap is linked) */
			break;
		}
		assert_true(fail < 100);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fnv_vectors),
		cmocka_unit_test(test_vec_growth),
		cmocka_unit_test(test_vec_cap),
		cmocka_unit_test(test_vec_alloc_failure),
		cmocka_unit_test(test_hashset_growth),
		cmocka_unit_test(test_hashset_collisions),
		cmocka_unit_test(test_hashset_cap),
		cmocka_unit_test(test_hashset_delete),
		cmocka_unit_test(test_hashset_alloc_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
