/* What changed between two scans (`mqttsweep diff OLD NEW`, `report --since`): brokers
 * newly open to anyone or newly closed, finding categories new or gone per host, and new
 * actuators anyone could operate and new location leaks (by topic, or by finding where
 * there is none). Each change is one event object:
 *   {"event": "newly_open"|"newly_closed"|"new_category"|"gone_category"|
 *             "new_actuator"|"new_location",
 *    "ip", "port" (0 for a host-level event), "transport", "category", "topic",
 *    "worse": true when it is worse for the owner, "text": the sentence}
 * Events come grouped in that order, each group in the order the new (or old) scan stored
 * its records. */
#ifndef MSW_DIFF_H
#define MSW_DIFF_H
#include <stddef.h>
#include <cjson/cJSON.h>
#include "base/err.h"

struct diff_side {
	const char *source;
	const char *scan_id; /* NULL: see back */
	const char *run_id;
	unsigned back;       /* with neither id: 0 the latest scan, 1 the one before */
};

msw_err diff_compute(const struct diff_side *old, const struct diff_side *cur, cJSON **events,
		     char *why, size_t whylen);

#endif
