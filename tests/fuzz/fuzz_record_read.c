/* Fuzz the record reader (record_from_json: JSON text -> struct msw_record over the field
 * tables). Invariants: any input is read or refused, never a crash, leak or over-read;
 * a record it reads is written (record_text) as text that the reader takes again, and
 * that second record writes the same bytes (what is read is what a record holds). */
#include <assert.h>
#include "fuzz_common.h"
#include "output/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct msw_record r, again;
	struct dbuf a, b;

	if (record_from_json((const char *)data, size, &r) != MSW_OK) {
		record_free(&r);
		return 0;
	}
	dbuf_init(&a, 1u << 26);
	dbuf_init(&b, 1u << 26);
	assert(record_text(&r, "9.9.9", &a) == MSW_OK);
	assert(record_from_json((const char *)a.p, a.len, &again) == MSW_OK);
	assert(record_text(&again, "9.9.9", &b) == MSW_OK);
	assert(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
	record_free(&again);
	record_free(&r);
	dbuf_free(&a);
	dbuf_free(&b);
	return 0;
}
