/* --fail-on: see fail_on.h. */
#include "app/fail_on.h"

const char *const fail_on_names[] = {"none", "info", "low", "medium", "high", "critical", NULL};

_Static_assert(SEV__COUNT == 5 && SEV_INFO == 0 && SEV_CRITICAL == 4,
	       "fail_on_names follows enum msw_severity");

bool fail_on_hit(const uint64_t by_sev[SEV__COUNT], int fail_on)
{
	if (fail_on <= FAIL_ON_NONE || fail_on > SEV__COUNT)
		return false;
	for (int s = fail_on - 1; s < SEV__COUNT; s++)
		if (by_sev[s])
			return true;
	return false;
}

int fail_on_exit_code(int code, const uint64_t by_sev[SEV__COUNT], int fail_on)
{
	if (code == 0 && fail_on_hit(by_sev, fail_on))
		return EXIT_FINDINGS;
	return code;
}
