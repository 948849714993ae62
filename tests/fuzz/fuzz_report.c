/* Fuzz the owner's report and the terminal's finding list with any JSON as stored records:
 * the input is one record, or an array of records, or a record then (after a NUL) a second
 * one. Each goes through report_add (the counts, the kept copies, the add-on signals) and
 * the whole page is written; each record also through text_findings. Invariants: the page
 * ends with </html>; no '<' that a record brought in appears outside escaping (the page has
 * no "<script", "<img", "<svg o", "<iframe" from data: our markup has none of these); the
 * terminal list has no control byte other than newline. */
#include <assert.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "fuzz_common.h"
#include "output/report.h"
#include "output/text_findings.h"

static void one(struct report *r, const cJSON *rec)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert(f);
	report_add(r, rec);
	text_findings(f, rec, false, false);
	fclose(f);
	for (size_t i = 0; i < len; i++)
		assert((unsigned char)buf[i] >= 0x20 || buf[i] == '\n');
	assert(buf[len] == '\0');
	free(buf);
}

static void feed(struct report *r, const uint8_t *p, size_t n)
{
	cJSON *j = cJSON_ParseWithLength((const char *)p, n), *it;

	if (!j)
		return;
	if (cJSON_IsArray(j))
		cJSON_ArrayForEach(it, j)
			one(r, it);
	else
		one(r, j);
	cJSON_Delete(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report *r;
	const uint8_t *b;
	size_t alen, blen;
	char *page = NULL;
	size_t len = 0;
	FILE *f;

	if (report_new(&r))
		return 0;
	if (fuzz_split(data, size, &b, &alen, &blen)) {
		feed(r, data, alen);
		feed(r, b, blen);
	} else {
		feed(r, data, size);
	}
	f = open_memstream(&page, &len);
	assert(f);
	assert(report_write(r, f) == MSW_OK);
	fclose(f);
	assert(len > 7 && !strcmp(page + len - 8, "</html>\n"));
	assert(!strstr(page, "<script") && !strstr(page, "<img") && !strstr(page, "<iframe") &&
	       !strstr(page, "<svg o"));
	free(page);
	report_free(r);
	return 0;
}
