/* --fail-on's verdict: every threshold against every single-severity count, and the exit
 * code rules (only a 0 becomes 1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "app/fail_on.h"

static void test_thresholds(void **state)
{
	(void)state;
	for (int sev = 0; sev < SEV__COUNT; sev++) {
		uint64_t c[SEV__COUNT] = {0};

		c[sev] = 1;
		assert_false(fail_on_hit(c, FAIL_ON_NONE));
		for (int t = 1; t <= SEV__COUNT; t++)
			assert_int_equal(fail_on_hit(c, t), sev >= t - 1);
	}
	uint64_t none[SEV__COUNT] = {0};
	for (int t = 0; t <= SEV__COUNT; t++)
		assert_false(fail_on_hit(none, t));
}

static void test_exit_codes(void **state)
{
	uint64_t c[SEV__COUNT] = {0, 0, 0, 2, 0};

	(void)state;
	assert_int_equal(fail_on_exit_code(0, c, SEV_HIGH + 1), EXIT_FINDINGS);
	assert_int_equal(fail_on_exit_code(0, c, SEV_CRITICAL + 1), 0);
	assert_int_equal(fail_on_exit_code(3, c, SEV_HIGH + 1), 3);
	assert_int_equal(fail_on_exit_code(130, c, SEV_INFO + 1), 130);
	assert_int_equal(fail_on_exit_code(0, c, FAIL_ON_NONE), 0);
	assert_int_equal(fail_on_exit_code(0, c, 99), 0); /* out of range: never */
	assert_string_equal(fail_on_names[SEV_HIGH + 1], "high");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_exit_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
