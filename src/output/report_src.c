/* Stored results read back (report_src.h) through the result-source layer (rsource.h,
 * which opens the source read-only and caps, parses and shape-checks every row); this file
 * only turns a report's or a diff's selection into an rsource selection. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include "output/jget.h"
#include "output/report.h"
#include "output/report_src.h"
#include "output/rsource.h"

static msw_err fail(char *why, size_t whylen, msw_err rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static msw_err fail(char *why, size_t whylen, msw_err rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (whylen)
		vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return rc;
}

/* With neither id: the scan that started `back` scans before the latest (ties: the one
 * stored last counts as later), as a scan id selection. */
static msw_err pick_back(struct rsource *rs, unsigned back, struct rs_select *sel, char *why,
			 size_t whylen)
{
	size_t n, best = SIZE_MAX;
	const struct rs_scan *all = rsource_scans(rs, &n);
	bool *taken = calloc(n ? n : 1, sizeof(*taken));

	if (!taken)
		return MSW_ERR_NOMEM;
	for (unsigned k = 0; k <= back; k++) {
		best = SIZE_MAX;
		for (size_t i = 0; i < n; i++)
			if (!taken[i] && (best == SIZE_MAX ||
					  strcmp(all[i].started ? all[i].started : "",
						 all[best].started ? all[best].started : "") >= 0))
				best = i;
		if (best == SIZE_MAX)
			break;
		taken[best] = true;
	}
	free(taken);
	if (best == SIZE_MAX)
		return fail(why, whylen, MSW_ERR_USAGE, "the source holds %zu scan%s, not %u", n,
			    n == 1 ? "" : "s", back + 1);
	*sel = (struct rs_select){.pick = RS_PICK_SCAN, .id = all[best].scan_id};
	return MSW_OK;
}

static msw_err select_of(struct rsource *rs, const struct rsrc_sel *in, char *why,
			 size_t whylen)
{
	struct rs_select sel = {.pick = RS_PICK_LATEST};
	msw_err rc = MSW_OK;

	if (in->scan_id)
		sel = (struct rs_select){.pick = RS_PICK_SCAN, .id = in->scan_id};
	else if (in->run_id)
		sel = (struct rs_select){.pick = RS_PICK_RUN, .id = in->run_id};
	else if (in->back)
		rc = pick_back(rs, in->back, &sel, why, whylen);
	if (!rc && (rc = rsource_select(rs, &sel)))
		fail(why, whylen, rc, "%s", rsource_why(rs));
	return rc;
}

/* The selected scan ids, comma-separated (cut at cap). */
static void picked_ids(struct rsource *rs, char *out, size_t cap)
{
	size_t n, len = 0;
	const struct rs_scan *const *sel = rsource_selected(rs, &n);

	if (cap)
		out[0] = '\0';
	for (size_t i = 0; i < n && len + 1 < cap; i++) {
		int w = snprintf(out + len, cap - len, "%s%s", i ? "," : "", sel[i]->scan_id);

		if (w < 0)
			break;
		len += (size_t)w;
	}
}

msw_err rsrc_each(const char *source, const struct rsrc_sel *sel,
		  msw_err (*cb)(void *arg, const cJSON *rec), void *arg, char *picked, size_t cap,
		  uint64_t *skipped, char *why, size_t whylen)
{
	struct rsource *rs;
	cJSON *rec;
	msw_err rc;

	*skipped = 0;
	if ((rc = rsource_open(source, &rs, why, whylen)))
		return rc == MSW_ERR_NOMEM ? rc : MSW_ERR_IO;
	rc = select_of(rs, sel, why, whylen);
	if (!rc)
		picked_ids(rs, picked, cap);
	while (!rc && !(rc = rsource_next(rs, &rec)) && rec) {
		rc = cb(arg, rec);
		cJSON_Delete(rec);
	}
	if (rc && rc != MSW_ERR_USAGE && !rsource_why(rs)[0])
		fail(why, whylen, rc, "reading the records failed");
	else if (rc && rc != MSW_ERR_USAGE && rsource_why(rs)[0])
		fail(why, whylen, rc, "%s", rsource_why(rs));
	*skipped = rsource_skipped(rs);
	rsource_close(rs);
	return rc;
}

static msw_err add_cb(void *arg, const cJSON *rec)
{
	msw_err rc = report_add(arg, rec);

	return rc == MSW_ERR_MALFORMED ? MSW_OK : rc;
}

msw_err report_load(struct report *r, const char *source, const char *scan_id,
		    const char *run_id, char *why, size_t whylen)
{
	struct rsrc_sel sel = {.scan_id = scan_id, .run_id = run_id};
	char picked[512];
	uint64_t skipped;
	msw_err rc = rsrc_each(source, &sel, add_cb, r, picked, sizeof(picked), &skipped, why,
			       whylen);

	if (rc)
		return rc;
	if (skipped)
		fprintf(stderr, "mqttsweep: %llu stored records were unreadable and left out\n",
			(unsigned long long)skipped);
	return report_set_origin(r, source, picked);
}
