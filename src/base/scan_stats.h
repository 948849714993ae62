/* The engine's running counts of a scan: filled by the engine (and summed over worker
 * processes), read by the output for the progress line and the scan metadata. The one
 * list of the counts (SCAN_STAT_FIELDS) drives the struct, the metadata's "counts" and
 * the worker processes' stats lines. */
#ifndef MSW_SCAN_STATS_H
#define MSW_SCAN_STATS_H
#include <stdint.h>

/* clang-format off */
/* retried: timed-out connects tried again (--retries); retried_ok: of which connected or
 * were refused (the first attempt was lost, not the host silent); slowdowns: times the
 * engine halved its window of connects in flight after lost SYNs (engine/retry.c). */
#define SCAN_STAT_FIELDS(X) \
	X(hosts) X(targets_tried) X(connected) X(refused) X(timed_out) X(blocklisted) \
	X(unresolved) X(mqtt) X(anonymous) X(any_credentials) X(auth_required) \
	X(interrupted) X(errors) X(findings) X(records) X(retried) X(retried_ok) X(slowdowns)
/* clang-format on */

struct scan_stats {
#define SCAN_STAT_MEMBER(f) uint64_t f;
	SCAN_STAT_FIELDS(SCAN_STAT_MEMBER)
#undef SCAN_STAT_MEMBER
	/* findings per severity, indexed by enum msw_severity (info .. critical; the output
	 * layer's record.h owns the enum): what --fail-on judges */
	uint64_t findings_by_severity[5];
	int64_t start_us, end_us;
};

#endif
