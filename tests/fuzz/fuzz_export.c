/* Fuzz the CERT export columns: the input parsed as a stored record (any JSON, any types,
 * strings that are not UTF-8) runs through every column of both Shadowserver reports and
 * through the CSV escaper. Invariants: a value is never longer than XV_MAX; the timestamp
 * is empty or 19 bytes; the severity is one of Shadowserver's words; every escaped cell is
 * valid UTF-8. */
#include <assert.h>
#include <cjson/cJSON.h>
#include "fuzz_common.h"
#include "output/escape.h"
#include "output/export_cols.h"
#include "output/record.h"

static void one_report(const cJSON *rec, bool anon)
{
	static struct xval v;
	struct xrow r;

	if (!xrow_init(&r, rec, anon))
		return;
	assert(!strcmp(r.severity, "critical") || !strcmp(r.severity, "high") ||
	       !strcmp(r.severity, "medium") || !strcmp(r.severity, "low"));
	for (size_t i = 0; i < xcols_n; i++) {
		xcol_value(&r, &xcols[i], &v);
		assert(v.n <= XV_MAX);
		if (!strcmp(xcols[i].name, "timestamp"))
			assert(v.n == 0 || v.n == 19);
		if (!v.n)
			continue;
		char *cell = escape_csv_cell(v.p, v.n);
		assert(cell && utf8_valid((const uint8_t *)cell, strlen(cell)));
		free(cell);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *rec = cJSON_ParseWithLength((const char *)data, size);

	if (!rec)
		return 0;
	one_report(rec, false);
	one_report(rec, true);
	cJSON_Delete(rec);
	return 0;
}
