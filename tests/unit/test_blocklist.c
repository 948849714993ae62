/* Default blocklist (reserved ranges with their RFCs), the loopback/private class and the
 * contained-vs-named rule, IPv4 range parsing and the user's exclusion list. Addresses
 * from the documentation ranges appear here only as strings. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "engine/blocklist.h"

static uint32_t ip4(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return ntohl(a.s_addr);
}

static struct in6_addr ip6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

static void test_reserved_v4(void **state)
{
	static const char *const in[] = {
		"0.0.0.0",        "0.255.255.255",   "224.0.0.1",       "239.255.255.255",
		"240.0.0.1",      "255.255.255.254", "255.255.255.255", "192.0.2.0",
		"192.0.2.255",    "198.51.100.7",    "203.0.113.200",   "198.18.0.1",
		"198.19.255.255",
	};
	static const char *const out[] = {"127.0.0.1", "10.1.2.3", "192.168.1.1"};
	/* the public neighbours of each reserved range, as offsets from its edges (no public
	 * address literal in tests): just past 0/8, just below 224/4, past 192.0.2/24, around
	 * 198.18/15, and one in the middle of unicast space */
	const uint32_t neighbours[] = {
		ip4("0.255.255.255") + 1, ip4("224.0.0.0") - 1, ip4("192.0.2.255") + 1,
		ip4("198.19.255.255") + 1, ip4("198.18.0.0") - 1, ip4("10.0.0.0") - 0x01f7f7f8u,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		const struct bl_range *r = bl_reserved_v4(ip4(in[i]));

		assert_non_null(r);
		assert_non_null(strstr(r->rfc, "RFC"));
	}
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
		assert_null(bl_reserved_v4(ip4(out[i])));
	for (size_t i = 0; i < sizeof(neighbours) / sizeof(neighbours[0]); i++)
		assert_null(bl_reserved_v4(neighbours[i]));
	assert_string_equal(bl_reserved_v4(ip4("198.51.100.1"))->rfc, "RFC 5737");
	assert_string_equal(bl_reserved_v4(ip4("198.18.5.5"))->rfc, "RFC 2544");
	assert_string_equal(bl_reserved_v4(ip4("230.1.1.1"))->rfc, "RFC 5771");
}

static void test_private_v4(void **state)
{
	static const char *const in[] = {
		"127.0.0.1",      "127.255.255.255", "10.0.0.0",   "10.255.255.255",  "172.16.0.1",
		"172.31.255.255", "192.168.0.1",     "100.64.0.1", "100.127.255.255", "169.254.1.1",
	};
	static const char *const out[] = {"172.32.0.0", "172.15.255.255", "100.128.0.0",
					  "11.0.0.0",   "192.169.0.0",    "192.0.2.1"};

	(void)state;
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		assert_non_null(bl_private_v4(ip4(in[i])));
	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
		assert_null(bl_private_v4(ip4(out[i])));
}

static void test_contained_vs_named(void **state)
{
	(void)state;
	/* a spec entirely inside a private range names it */
	assert_true(bl_inside_private_v4(ip4("127.0.0.0"), ip4("127.0.0.7")));
	assert_true(bl_inside_private_v4(ip4("127.0.0.1"), ip4("127.0.0.1")));
	assert_true(bl_inside_private_v4(ip4("10.0.0.0"), ip4("10.255.255.255")));
	assert_true(bl_inside_private_v4(ip4("192.168.1.0"), ip4("192.168.1.255")));
	/* a sweep that merely contains one does not */
	assert_false(bl_inside_private_v4(ip4("0.0.0.0"), ip4("255.255.255.255")));
	assert_false(bl_inside_private_v4(ip4("96.0.0.0"), ip4("127.255.255.255")));
	assert_false(bl_inside_private_v4(ip4("192.168.0.0"), ip4("192.169.255.255")));
	assert_false(bl_inside_private_v4(ip4("9.255.255.255"), ip4("10.0.0.1")));
	/* IPv6 */
	struct in6_addr a = ip6("fd12:3456::");
	assert_true(bl_inside_private_v6(&a, 64));
	a = ip6("::1");
	assert_true(bl_inside_private_v6(&a, 128));
	a = ip6("fc00::");
	assert_false(bl_inside_private_v6(&a, 6));
	a = ip6("::ffff:127.0.0.0");
	assert_true(bl_inside_private_v6(&a, 120));
}

static void test_v6_classes(void **state)
{
	struct in6_addr a;

	(void)state;
	a = ip6("::1");
	assert_non_null(bl_private_v6(&a));
	assert_null(bl_reserved_v6(&a));
	a = ip6("fe80::1");
	assert_non_null(bl_private_v6(&a));
	a = ip6("fd00::1");
	assert_non_null(bl_private_v6(&a));
	a = ip6("ff02::1");
	assert_non_null(bl_reserved_v6(&a));
	a = ip6("2001:db8::1");
	assert_string_equal(bl_reserved_v6(&a)->rfc, "RFC 3849");
	a = ip6("::");
	assert_non_null(bl_reserved_v6(&a));
	a = ip6("2001:2::5");
	assert_non_null(bl_reserved_v6(&a));
	a = ip6("::ffff:224.0.0.1"); /* v4-mapped follows the v4 rules */
	assert_non_null(bl_reserved_v6(&a));
	a = ip6("::ffff:10.0.0.1");
	assert_non_null(bl_private_v6(&a));
	a = ip6("2606:4700::1111");
	assert_null(bl_reserved_v6(&a));
	assert_null(bl_private_v6(&a));
}

static void test_parse_v4(void **state)
{
	uint32_t lo, hi;
	const char *why;

	(void)state;
	assert_int_equal(parse_v4_range("192.0.2.7", &lo, &hi, &why), MSW_OK);
	assert_true(lo == ip4("192.0.2.7") && hi == lo);
	assert_int_equal(parse_v4_range("192.0.2.77/24", &lo, &hi, &why), MSW_OK);
	assert_true(lo == ip4("192.0.2.0") && hi == ip4("192.0.2.255"));
	assert_int_equal(parse_v4_range("0.0.0.0/0", &lo, &hi, &why), MSW_OK);
	assert_true(lo == 0 && hi == UINT32_MAX);
	assert_int_equal(parse_v4_range("192.0.2.1-20", &lo, &hi, &why), MSW_OK);
	assert_true(lo == ip4("192.0.2.1") && hi == ip4("192.0.2.20"));
	assert_int_equal(parse_v4_range("192.0.2.250-192.0.3.4", &lo, &hi, &why), MSW_OK);
	assert_true(hi - lo == 10);
	static const char *const bad[] = {
		"192.0.2.0/33", "192.0.2.0/",  "192.0.2.0/-1",  "300.1.1.1",           "1.2.3",
		"192.0.2.4.5",  "192.0.2.9-3", "192.0.2.1-256", "192.0.2.9-192.0.2.1", "1..2.3",
		"192.0.2.4-",   "0192.0.2.4",  "192.0.2.4/24/8",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse_v4_range(bad[i], &lo, &hi, &why), MSW_ERR_USAGE);
	assert_int_equal(parse_v4_range("broker.example", &lo, &hi, &why), MSW_ERR_UNSUPPORTED);
	assert_int_equal(parse_v4_range("2001:db8::1", &lo, &hi, &why), MSW_ERR_UNSUPPORTED);
}

static void test_parse_v6(void **state)
{
	struct in6_addr a;
	unsigned p;
	uint32_t scope;
	const char *why;

	(void)state;
	assert_int_equal(parse_v6("2001:db8::1", &a, &p, &scope, &why), MSW_OK);
	assert_int_equal(p, 128);
	assert_int_equal(parse_v6("2001:db8::ff/120", &a, &p, &scope, &why), MSW_OK);
	assert_int_equal(p, 120);
	assert_int_equal(a.s6_addr[15], 0); /* host bits cleared */
	assert_int_equal(parse_v6("fe80::1%7", &a, &p, &scope, &why), MSW_OK);
	assert_int_equal(scope, 7);
	assert_int_equal(parse_v6("2001:db8::1/129", &a, &p, &scope, &why), MSW_ERR_USAGE);
	assert_int_equal(parse_v6("2001:db8:::1", &a, &p, &scope, &why), MSW_ERR_USAGE);
	assert_int_equal(parse_v6("fe80::1%no-such-if0", &a, &p, &scope, &why), MSW_ERR_USAGE);
	assert_int_equal(parse_v6("192.0.2.1", &a, &p, &scope, &why), MSW_ERR_UNSUPPORTED);
}

static void test_exclude(void **state)
{
	struct exclude_list x;
	char *err = NULL;
	struct in6_addr a;

	(void)state;
	exclude_init(&x);
	assert_int_equal(exclude_add(&x, "192.0.2.0/25", &err), MSW_OK);
	assert_int_equal(exclude_add(&x, "192.0.2.100-192.0.2.200", &err), MSW_OK);
	assert_int_equal(exclude_add(&x, "198.51.100.9", &err), MSW_OK);
	assert_int_equal(exclude_add(&x, "10.0.0.0/8", &err), MSW_OK);
	assert_int_equal(exclude_add(&x, "2001:db8::/64", &err), MSW_OK);
	assert_int_equal(exclude_add(&x, "255.255.255.255", &err), MSW_OK);
	assert_int_equal(exclude_add(&x, "255.255.255.0/24", &err), MSW_OK);
	exclude_seal(&x);
	assert_true(exclude_v4(&x, ip4("192.0.2.0")));
	assert_true(exclude_v4(&x, ip4("192.0.2.150")));
	assert_true(exclude_v4(&x, ip4("192.0.2.200")));
	assert_false(exclude_v4(&x, ip4("192.0.2.201")));
	assert_true(exclude_v4(&x, ip4("198.51.100.9")));
	assert_false(exclude_v4(&x, ip4("198.51.100.10")));
	assert_false(exclude_v4(&x, ip4("9.255.255.255")));
	assert_true(exclude_v4(&x, ip4("10.200.0.1")));
	assert_true(exclude_v4(&x, ip4("255.255.255.255")));
	assert_false(exclude_v4(&x, ip4("203.0.113.77")));
	a = ip6("2001:db8::abcd");
	assert_true(exclude_v6(&x, &a));
	a = ip6("2001:db8:1::1");
	assert_false(exclude_v6(&x, &a));
	a = ip6("::ffff:10.1.1.1");
	assert_true(exclude_v6(&x, &a));
	assert_int_equal(exclude_add(&x, "192.0.2.0/40", &err), MSW_ERR_USAGE);
	assert_non_null(err);
	assert_non_null(strstr(err, "192.0.2.0/40"));
	free(err);
	err = NULL;
	assert_int_equal(exclude_add(&x, "bad name!", &err), MSW_ERR_USAGE);
	assert_non_null(strstr(err, "bad name!"));
	free(err);
	exclude_free(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reserved_v4),
		cmocka_unit_test(test_private_v4),
		cmocka_unit_test(test_contained_vs_named),
		cmocka_unit_test(test_v6_classes),
		cmocka_unit_test(test_parse_v4),
		cmocka_unit_test(test_parse_v6),
		cmocka_unit_test(test_exclude),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
