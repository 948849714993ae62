/* The parent's splitter for worker output: lines across reads, several lines per read, and
 * a line past the cap dropped whole and counted while the lines before and after it (in the
 * same read and in later reads) are kept. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "engine/engine_priv.h"

struct got {
	char lines[16][64];
	int n;
};

static void on_line(void *arg, char *line)
{
	struct got *g = arg;

	assert_true(g->n < 16);
	snprintf(g->lines[g->n++], sizeof(g->lines[0]), "%s", line);
}

static void feed(struct dbuf *b, bool *skip, uint64_t *dropped, struct got *g, const char *s)
{
	workers_split_lines(b, skip, dropped, s, strlen(s), on_line, g);
}

static void test_split(void **st)
{
	struct dbuf b;
	bool skip = false;
	uint64_t dropped = 0;
	struct got g = {.n = 0};

	(void)st;
	dbuf_init(&b, 16);   /* a line of 15 characters + NUL fits, 16 does not */
	feed(&b, &skip, &dropped, &g, "one\ntw");
	feed(&b, &skip, &dropped, &g, "o\nthree\n");
	assert_int_equal(g.n, 3);
	assert_string_equal(g.lines[1], "two");
	/* an over-long line in the middle of a read, ending in a later read */
	feed(&b, &skip, &dropped, &g, "keep1\n0123456789abcdefXYZ");
	feed(&b, &skip, &dropped, &g, "still the long one");
	feed(&b, &skip, &dropped, &g, " end\nkeep2\n");
	assert_int_equal(dropped, 1);
	assert_int_equal(g.n, 5);
	assert_string_equal(g.lines[3], "keep1");
	assert_string_equal(g.lines[4], "keep2");
	/* exactly at the cap: 15 characters kept, 16 dropped */
	feed(&b, &skip, &dropped, &g, "123456789012345\n1234567890123456\nlast\n");
	assert_int_equal(g.n, 7);
	assert_string_equal(g.lines[5], "123456789012345");
	assert_string_equal(g.lines[6], "last");
	assert_int_equal(dropped, 2);
	assert_false(skip);
	dbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
