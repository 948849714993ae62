/* gen_schema: prints the record's JSON Schema generated from the field tables, with the
 * hand-written fragments for the parts still carried as parsed JSON (record_schema.h).
 *
 *   gen_schema FRAGMENTS.json > schema.json      (compact; scripts/gen-schema.sh indents it) */
#include <stdio.h>
#include <stdlib.h>
#include <cjson/cJSON.h>
#include "output/record_schema.h"

#define FRAG_MAX (1u << 20)

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *p = f ? malloc(FRAG_MAX + 1) : NULL;
	size_t n = p ? fread(p, 1, FRAG_MAX + 1, f) : 0;

	if (f)
		fclose(f);
	if (!p || n > FRAG_MAX) {
		free(p);
		return NULL;
	}
	p[n] = 0;
	return p;
}

int main(int argc, char **argv)
{
	char *text = argc == 2 ? slurp(argv[1]) : NULL;
	cJSON *frag = text ? cJSON_Parse(text) : NULL;
	struct dbuf b;
	const char *unused = NULL;
	int rc = 1;

	if (!frag || !cJSON_IsObject(frag)) {
		fprintf(stderr, "usage: gen_schema FRAGMENTS.json (a JSON object of at most 1 MiB)\n");
		free(text);
		cJSON_Delete(frag);
		return 2;
	}
	dbuf_init(&b, 16u << 20);
	if (record_schema_write(&b, frag, &unused) != MSW_OK)
		fprintf(stderr, "gen_schema: cannot write the schema\n");
	else if (unused)
		fprintf(stderr, "gen_schema: fragment \"%s\" describes no row any more: remove it\n",
			unused);
	else if (fwrite(b.p, 1, b.len, stdout) == b.len && putchar('\n') != EOF)
		rc = 0;
	dbuf_free(&b);
	cJSON_Delete(frag);
	free(text);
	return rc;
}
