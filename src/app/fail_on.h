/* --fail-on SEVERITY: the exit code's verdict over a run's findings, for cron and CI.
 * A command counts its findings per severity (struct scan_stats does for scan and audit;
 * a command reading a result database counts the rows) and asks fail_on_hit() whether one
 * is at or above the threshold; if so, and nothing worse (usage, runtime, signal) decided
 * the exit code first, the command exits with EXIT_FINDINGS. */
#ifndef MSW_FAIL_ON_H
#define MSW_FAIL_ON_H
#include <stdbool.h>
#include <stdint.h>
#include "output/record.h"

#define EXIT_FINDINGS 1

/* Threshold values as the option table stores them: FAIL_ON_NONE never fails, otherwise
 * fail_on - 1 is the enum msw_severity the threshold stands for. */
#define FAIL_ON_NONE 0
extern const char *const fail_on_names[]; /* "none", "info", ..., "critical", NULL */

/* by_sev[s] = number of findings of severity s (enum msw_severity order). */
bool fail_on_hit(const uint64_t by_sev[SEV__COUNT], int fail_on);
/* The exit code after the run decided code: EXIT_FINDINGS replaces a 0 when hit. */
int fail_on_exit_code(int code, const uint64_t by_sev[SEV__COUNT], int fail_on);

#endif
