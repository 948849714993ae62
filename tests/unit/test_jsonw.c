/* jsonw (the ndjson sink's writer) writes the same text as cJSON_PrintUnformatted for
 * every value kind: numbers of every shape (integers, fractions, exponents, -0, NaN,
 * infinities, the 1e15 edge, values that need 17 digits), strings with every byte 1..255,
 * keys that need escaping, raw values, empty and nested containers, and 3,000 seeded
 * random trees. Also: a full buffer leaves it unchanged; too deep a tree is refused. */
#define _GNU_SOURCE
#include <float.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "output/jsonw.h"
#include "test_rng.h"

static void same_as_cjson(const cJSON *v)
{
	struct dbuf b;
	char *want = cJSON_PrintUnformatted(v);

	assert_non_null(want);
	dbuf_init(&b, 1u << 24);
	assert_int_equal(jsonw_append(&b, v), MSW_OK);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.p, want, b.len);
	dbuf_free(&b);
	cJSON_free(want);
}

static const double numbers[] = {
	0, 1, -1, 7, 21883, -21883, 2147483647.0, 2147483648.0, -2147483649.0, 4294967296.0,
	999999999999999.0, 1e15, -1e15, 1e15 + 1, 123456789012345678.0, 9007199254740993.0,
	0.5, -0.5, 0.1, 0.2, 1.0 / 3, 2.0 / 3, 52.52, 13.405, -33.8688, 151.2093, 1e-7, 1e-300,
	1e300, DBL_MAX, DBL_MIN, 4.9e-324, 1.7976931348623157e308, 12345.678901234567,
	100.25, 1e21, 3.14159265358979,
};

static void test_numbers(void **st)
{
	(void)st;
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
		cJSON *n = cJSON_CreateNumber(numbers[i]);

		same_as_cjson(n);
		cJSON_Delete(n);
	}
	double special[] = {-0.0, NAN, INFINITY, -INFINITY};
	for (size_t i = 0; i < 4; i++) {
		cJSON *n = cJSON_CreateNumber(special[i]);

		same_as_cjson(n);
		cJSON_Delete(n);
	}
}

static void test_strings(void **st)
{
	char s[256];

	(void)st;
	for (int i = 1; i < 256; i++)
		s[i - 1] = (char)i;
	s[255] = 0;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, s, s);          /* every byte in a key and a value */
	cJSON_AddStringToObject(o, "", "");
	cJSON_AddStringToObject(o, "q\"\\", "<script>\x1b[31m\xe2\x80\xae");
	cJSON_AddItemToObject(o, "raw", cJSON_CreateRaw("{\"a\":[1,2]}"));
	cJSON_AddItemToObject(o, "ea", cJSON_CreateArray());
	cJSON_AddItemToObject(o, "eo", cJSON_CreateObject());
	cJSON_AddNullToObject(o, "n");
	cJSON_AddTrueToObject(o, "t");
	cJSON_AddFalseToObject(o, "f");
	same_as_cjson(o);
	cJSON_Delete(o);
}


static char *rnd_str(char *buf, size_t cap)
{
	size_t n = rnd((uint32_t)cap);

	for (size_t i = 0; i < n; i++)
		buf[i] = (char)(rnd(255) + 1);
	buf[n] = 0;
	return buf;
}

static cJSON *rnd_tree(int depth)
{
	char s[40];

	switch (rnd(depth > 4 ? 6 : 8)) {
	case 0: return cJSON_CreateNull();
	case 1: return cJSON_CreateBool(rnd(2));
	case 2: return cJSON_CreateNumber(numbers[rnd(sizeof(numbers) / sizeof(numbers[0]))]);
	case 3: return cJSON_CreateNumber(((double)rnd(1u << 31) - (1u << 30)) / (rnd(1000) + 1));
	case 4:
	case 5: return cJSON_CreateString(rnd_str(s, sizeof(s)));
	case 6: {
		cJSON *a = cJSON_CreateArray();
		for (uint32_t i = rnd(5); i > 0; i--)
			cJSON_AddItemToArray(a, rnd_tree(depth + 1));
		return a;
	}
	default: {
		cJSON *o = cJSON_CreateObject();
		for (uint32_t i = rnd(5); i > 0; i--)
			cJSON_AddItemToObject(o, rnd_str(s, 12), rnd_tree(depth + 1));
		return o;
	}
	}
}

static void test_random_trees(void **st)
{
	(void)st;
	for (int i = 0; i < 3000; i++) {
		cJSON *t = rnd_tree(0);

		same_as_cjson(t);
		cJSON_Delete(t);
	}
}

static void test_limits(void **st)
{
	struct dbuf b;
	cJSON *o = cJSON_CreateObject();

	(void)st;
	cJSON_AddStringToObject(o, "k", "a fairly long value that does not fit");
	dbuf_init(&b, 16);
	assert_int_equal(dbuf_append(&b, "keep", 4), MSW_OK);
	assert_int_not_equal(jsonw_append(&b, o), MSW_OK);
	assert_int_equal(b.len, 4);              /* nothing half-written */
	assert_memory_equal(b.p, "keep", 4);
	dbuf_free(&b);
	cJSON_Delete(o);

	cJSON *root = cJSON_CreateArray(), *cur = root;
	for (int i = 0; i < 1100; i++) {
		cJSON *a = cJSON_CreateArray();
		cJSON_AddItemToArray(cur, a);
		cur = a;
	}
	dbuf_init(&b, 1u << 20);
	assert_int_equal(jsonw_append(&b, root), MSW_ERR_TOO_BIG);
	assert_int_equal(b.len, 0);
	dbuf_free(&b);
	cJSON_Delete(root);
	assert_int_not_equal(jsonw_append(&b, NULL), MSW_OK);
}

/* jsonw_ascii_plain agrees with its byte-by-byte definition for every byte value at every
 * position of strings of every length up to 24 (word and tail positions). */
static void test_ascii_plain(void **st)
{
	(void)st;
	unsigned char buf[24];
	for (size_t n = 0; n <= sizeof(buf); n++) {
		for (size_t pos = 0; pos < (n ? n : 1); pos++) {
			for (int c = 0; c < 256; c++) {
				memset(buf, 'a', sizeof(buf));
				if (n)
					buf[pos] = (unsigned char)c;
				bool want = true;
				for (size_t i = 0; i < n; i++)
					if (buf[i] < 0x20 || buf[i] >= 0x80 || buf[i] == '"' || buf[i] == '\\')
						want = false;
				assert_int_equal(jsonw_ascii_plain(buf, n), want);
				if (!c || !n)
					continue;
				/* the escaping scan, same grid: jsonw == cJSON */
				char z[sizeof(buf) + 1];
				memcpy(z, buf, n);
				z[n] = 0;
				cJSON *j = cJSON_CreateString(z);
				char *ref = cJSON_PrintUnformatted(j);
				struct dbuf d;
				dbuf_init(&d, 4096);
				assert_int_equal(jsonw_append(&d, j), MSW_OK);
				assert_int_equal(d.len, strlen(ref));
				assert_memory_equal(d.p, ref, d.len);
				dbuf_free(&d);
				cJSON_free(ref);
				cJSON_Delete(j);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_random_trees),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_ascii_plain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
