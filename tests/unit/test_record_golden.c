/* The record's JSON is the same bytes as before the field tables: 2,000 records from a
 * fixed recipe (every envelope field, _b64 fallbacks, long CONNACKs, numbers past 2^53) are
 * compared with tests/vectors/record/records.sha256 (SHA-256 of each line as the cJSON-based
 * writer wrote it: commit 704ef2a, regenerated with gen_old.sh by an older checkout that has
 * that writer and each field added since; the first 25 lines in full in records_head.jsonl,
 * so a difference shows where). The recipe is shared with the generator of the vectors
 * (record_recipe.h; tests/vectors/record/gen_old.sh builds it against the old writer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/sha.h>
#include "base/dbuf.h"
#include "base/record.h"
#include "output/record.h"

#include "record_recipe_hooks.h"
#include "test_util.h"

static char *slurp(const char *name, size_t *n)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/tests/vectors/record/%s", src_dir(), name);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)len + 1);
	assert_int_equal(fread(p, 1, (size_t)len, f), (size_t)len);
	p[len] = 0;
	fclose(f);
	*n = (size_t)len;
	return p;
}

static void test_records(void **st)
{
	(void)st;
	size_t hn, sn;
	char *head = slurp("records_head.jsonl", &hn), *sums = slurp("records.sha256", &sn);
	const char *hp = head, *sp = sums;
	for (int i = 0; i < RECIPE_RECORDS; i++) {
		struct msw_record r;
		struct dbuf b;
		unsigned char md[SHA256_DIGEST_LENGTH];
		char hex[2 * SHA256_DIGEST_LENGTH + 1];
		recipe(&r);
		dbuf_init(&b, 1u << 24);
		assert_int_equal(record_text(&r, "9.9.9", &b), MSW_OK);
		if (i < RECIPE_HEAD) {
			const char *nl = strchr(hp, '\n');
			assert_non_null(nl);
			if ((size_t)(nl - hp) != b.len || memcmp(hp, b.p, b.len) != 0) {
				fprintf(stderr, "record %d differs:\nwas: %.*s\nnow: %.*s\n", i,
					(int)(nl - hp), hp, (int)b.len, (char *)b.p);
				fail();
			}
			hp = nl + 1;
		}
		SHA256(b.p, b.len, md);
		for (int k = 0; k < SHA256_DIGEST_LENGTH; k++)
			snprintf(hex + 2 * k, 3, "%02x", md[k]);
		if (strncmp(sp, hex, 64) != 0) {
			fprintf(stderr, "record %d differs: %.*s\n", i, (int)b.len, (char *)b.p);
			fail();
		}
		sp += 65;
		dbuf_free(&b);
		record_free(&r);
	}
	free(head);
	free(sums);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
