/* The engine's running counts of a scan: filled by the engine (and summed over worker
 * processes), read by the output for the progress line and the scan metadata. */
#ifndef MSW_SCAN_STATS_H
#define MSW_SCAN_STATS_H
#include <stdint.h>

struct scan_stats {
	uint64_t hosts, targets_tried, connected, refused, timed_out, blocklisted, unresolved;
	uint64_t mqtt, anonymous, any_credentials, auth_required, interrupted, errors;
	uint64_t findings, records;
	/* findings per severity, indexed by enum msw_severity (info .. critical; the output
	 * layer's record.h owns the enum): what --fail-on judges */
	uint64_t findings_by_severity[5];
	int64_t start_us, end_us;
};

#endif
