/* ip2asn TSV enrichment: IPv4 and IPv6 ranges in one file, lookups at range bounds and in
 * gaps, unrouted space (AS 0) finding nothing, and malformed lines refused with their
 * line number. Documentation ranges only (parsed, never connected). */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "output/asndb.h"

static char *write_tmp(const char *text)
{
	static char path[64];
	int fd;
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/msw-test-asn-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_lookup(void **state)
{
	const char *path = write_tmp("192.0.2.0\t192.0.2.127\t64500\tDE\tEXAMPLE-A Example A\n"
				     "192.0.2.128\t192.0.2.255\t0\tNone\tNot routed\n"
				     "198.51.100.0\t198.51.100.255\t64501\tnl\tEXAMPLE-B\ttabbed\n"
				     "2001:db8::\t2001:db8::ffff\t64502\tUS\tEXAMPLE-6\r\n"
				     "# a comment\n\n"
				     "203.0.113.0\t203.0.113.9\t64503\tUnknown\tno country\n");
	struct asndb *db = NULL;
	struct asn_info a;
	char *err = NULL;

	(void)state;
	assert_int_equal(asndb_open(path, &db, &err), MSW_OK);
	unlink(path);
	assert_int_equal(asndb_size(db), 4); /* AS 0 is not kept */
	assert_true(asndb_lookup(db, "192.0.2.0", &a));
	assert_int_equal(a.asn, 64500);
	assert_string_equal(a.cc, "DE");
	assert_string_equal(a.as_name, "EXAMPLE-A Example A");
	assert_true(asndb_lookup(db, "192.0.2.127", &a) && a.asn == 64500);
	assert_false(asndb_lookup(db, "192.0.2.128", &a)); /* unrouted */
	assert_false(asndb_lookup(db, "192.0.1.255", &a));
	assert_true(asndb_lookup(db, "198.51.100.77", &a));
	assert_string_equal(a.cc, "NL");
	assert_string_equal(a.as_name, "EXAMPLE-B\ttabbed");
	assert_false(asndb_lookup(db, "198.51.101.0", &a));
	assert_true(asndb_lookup(db, "2001:db8::1:0", &a) == false);
	assert_true(asndb_lookup(db, "2001:db8::fff0", &a) && a.asn == 64502);
	assert_string_equal(a.cc, "US");
	assert_true(asndb_lookup(db, "203.0.113.5", &a) && a.asn == 64503);
	assert_string_equal(a.cc, "");
	assert_false(asndb_lookup(db, "::ffff:203.0.113.200", &a));
	assert_false(asndb_lookup(db, "not-an-address", &a));
	assert_false(asndb_lookup(NULL, "192.0.2.1", &a));
	asndb_close(db);
}

static void test_bad_files(void **state)
{
	static const char *const bad[][2] = {
		{"192.0.2.0\t192.0.2.9\t64500\tDE\tA\n192.0.2.10 192.0.2.20 1 DE x\n", "line 2: not five"},
		{"192.0.2.0\t192.0.2.x\t64500\tDE\tA\n", "line 1: a range bound"},
		{"192.0.2.9\t192.0.2.0\t64500\tDE\tA\n", "line 1: the range ends"},
		{"192.0.2.0\t2001:db8::\t64500\tDE\tA\n", "line 1: the range ends"},
		{"192.0.2.0\t192.0.2.9\tAS64500\tDE\tA\n", "line 1: the AS number"},
		{"192.0.2.0\t192.0.2.9\t99999999999\tDE\tA\n", "line 1: the AS number"},
		{"192.0.2.0\t192.0.2.9\t64500\tDEU\tA\n", "line 1: the country"},
	};
	struct asndb *db = NULL;
	char *err = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *path = write_tmp(bad[i][0]);

		err = NULL;
		assert_int_equal(asndb_open(path, &db, &err), MSW_ERR_USAGE);
		unlink(path);
		assert_null(db);
		if (!err || !strstr(err, bad[i][1]))
			fail_msg("'%s': expected '%s', got '%s'", bad[i][0], bad[i][1],
				 err ? err : "(null)");
		free(err);
	}
	/* an overlong line */
	char *longline = malloc(5000);
	memset(longline, 'a', 4998);
	longline[4998] = '\n';
	longline[4999] = 0;
	const char *path = write_tmp(longline);
	free(longline);
	err = NULL;
	assert_int_equal(asndb_open(path, &db, &err), MSW_ERR_USAGE);
	unlink(path);
	assert_non_null(strstr(err, "line 1: longer than"));
	free(err);
	err = NULL;
	assert_int_equal(asndb_open("/nonexistent/asn.tsv", &db, &err), MSW_ERR_USAGE);
	assert_non_null(strstr(err, "/nonexistent/asn.tsv"));
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_bad_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
