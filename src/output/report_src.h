/* Reading stored results back for `report` and `diff`: the records of a selection, each
 * parsed and shape-checked by rsource.h before a consumer sees it (SOURCE: whatever
 * rsource_open accepts; a SQLite file written by --db today). Rows that fail the checks are
 * skipped and counted, never handed over. */
#ifndef MSW_REPORT_SRC_H
#define MSW_REPORT_SRC_H
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "base/err.h"


struct report;

/* What to read: one scan by id, every scan of a run (metadata run_id), or, with neither,
 * the scan that started `back` scans before the latest (0: the latest). */
struct rsrc_sel {
	const char *scan_id;
	const char *run_id;
	unsigned back;
};

/* Calls cb for every record of the selection, in stored order (a non-zero return stops and
 * is returned). *picked (cap bytes) receives the scan id(s) read, comma-separated;
 * *skipped the rows left out. MSW_ERR_USAGE when the selection names nothing, MSW_ERR_IO
 * when the source cannot be read; why says which. */
msw_err rsrc_each(const char *source, const struct rsrc_sel *sel,
		  msw_err (*cb)(void *arg, const cJSON *rec), void *arg, char *picked, size_t cap,
		  uint64_t *skipped, char *why, size_t whylen);

/* Adds the selection's records to a report and names the source and scans on it. */
msw_err report_load(struct report *r, const char *source, const char *scan_id,
		    const char *run_id, char *why, size_t whylen);

#endif
