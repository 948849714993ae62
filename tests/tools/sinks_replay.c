/* sinks_replay IN.jsonl OUT.csv OUT.html SCAN_ID: the records of a JSON-lines file, each
 * parsed (cJSON) and given to the CSV sink's and the HTML report's tree entry points, so a
 * test can compare what a scan's sinks wrote from its records (write_record) with what the
 * same sinks write from the records' JSON. Each line is also read back into a record
 * (record_from_tree) and written again (record_text): the same bytes, or a part the
 * reader cannot read yet; the counts go to stdout ("read back: N same, M unsupported, K
 * differ"). Exit 0 when every line was written and none differed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/config.h"
#include "output/record.h"
#include "output/report.h"
#include "output/sink.h"

int main(int argc, char **argv)
{
	struct msw_config cfg = {0};
	struct sink csv = {.ops = &sink_csv, .cfg = &cfg};
	struct report *rep = NULL;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int bad = 0, same = 0, unsupported = 0, differ = 0;
	struct dbuf again;
	FILE *in;

	if (argc != 5) {
		fprintf(stderr, "usage: sinks_replay IN.jsonl OUT.csv OUT.html SCAN_ID\n");
		return 2;
	}
	in = fopen(argv[1], "r");
	csv.path = argv[2];
	if (!in || sink_csv.open(&csv, argv[2], &cfg) || report_new(&rep)) {
		fprintf(stderr, "sinks_replay: cannot open\n");
		return 1;
	}
	dbuf_init(&again, 1u << 28);
	while ((n = getline(&line, &cap, in)) > 0) {
		cJSON *j = cJSON_ParseWithLength(line, (size_t)n);
		struct msw_record r;
		msw_err rc = record_from_tree(j, &r);

		if (n && line[n - 1] == '\n')
			n--;
		dbuf_reset(&again);
		if (rc == MSW_ERR_UNSUPPORTED)
			unsupported++;
		else if (!rc && !record_text(&r, MSW_VERSION, &again) && again.len == (size_t)n &&
			 !memcmp(again.p, line, (size_t)n))
			same++;
		else
			differ++;
		record_free(&r);

		if (!j || sink_csv.write(&csv, j)) {
			bad++;
		} else {
			report_add(rep, j);
		}
		cJSON_Delete(j);
	}
	printf("read back: %d same, %d unsupported, %d differ\n", same, unsupported, differ);
	dbuf_free(&again);
	report_set_origin(rep, NULL, argv[4]);
	if (report_write_file(rep, argv[3]))
		bad++;
	sink_csv.close(&csv);
	report_free(rep);
	free(line);
	fclose(in);
	return bad || differ ? 1 : 0;
}
