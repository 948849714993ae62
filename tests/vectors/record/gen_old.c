/* Writes the record golden vectors with the cJSON-based writer (record_to_json, then
 * jsonw_append: the reference tree path of the record model before the field tables):
 * records_head.jsonl (the first 25 lines in full) and records.sha256 (SHA-256 of each of
 * the 2,000 lines) in the current directory. It includes the recipe the test replays
 * (tests/unit/record_recipe.h) with the old API's hooks. It builds only against a tree
 * that still has that writer; tests/vectors/record/gen_old.sh builds and runs it. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <openssl/sha.h>
#include "base/dbuf.h"
#include "output/jsonw.h"
#include "output/record.h"

static void SET_KIND(struct msw_record *r, unsigned host)
{
	free(r->kind);
	r->kind = strdup(host ? "host" : "service");
}

static void SET_TSEC(struct msw_record *r, const char *s)
{
	free(r->transport_security);
	r->transport_security = s ? strdup(s) : NULL;
}

static const char *const vres_names[] = {
	"untested",       "accepted", "refused",      "identifier_rejected", "bad_credentials",
	"not_authorized", "banned",   "server_moved", "use_another_server",  "unavailable",
	"closed",         "timeout",  "error",
};

/* As the MQTT probe filled rec->versions: one key per planned level, in level order. */
static void SET_VERSIONS(struct msw_record *r, unsigned planned, unsigned a, unsigned b,
			 unsigned c)
{
	static const char *const names[3] = {"3.1", "3.1.1", "5.0"};
	const unsigned v[3] = {a, b, c};
	cJSON_Delete(r->versions);
	r->versions = cJSON_CreateObject();
	for (int i = 0; i < 3; i++)
		if (planned & (1u << i))
			cJSON_AddStringToObject(r->versions, names[i], vres_names[v[i]]);
}

/* As broker_db.c added evidence: a repeated pair is kept once. */
static void ADD_EVIDENCE(struct msw_record *r, const char *s, const char *v)
{
	if (!r->broker_evidence)
		r->broker_evidence = cJSON_CreateArray();
	const cJSON *e;
	cJSON_ArrayForEach(e, r->broker_evidence)
	{
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "source")), s) &&
		    !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "value")), v))
			return;
	}
	cJSON *n = cJSON_CreateObject();
	cJSON_AddStringToObject(n, "source", s);
	cJSON_AddStringToObject(n, "value", v);
	cJSON_AddItemToArray(r->broker_evidence, n);
}

#include "../../unit/record_recipe.h"

int main(void)
{
	FILE *head = fopen("records_head.jsonl", "wb"), *sums = fopen("records.sha256", "wb");
	if (!head || !sums)
		return 1;
	for (int i = 0; i < RECIPE_RECORDS; i++) {
		struct msw_record r;
		struct dbuf b;
		unsigned char md[SHA256_DIGEST_LENGTH];
		recipe(&r);
		cJSON *j = record_to_json(&r, "9.9.9");
		dbuf_init(&b, 1u << 24);
		if (!j || jsonw_append(&b, j) != MSW_OK)
			return 1;
		if (i < RECIPE_HEAD)
			fprintf(head, "%.*s\n", (int)b.len, (const char *)b.p);
		SHA256(b.p, b.len, md);
		for (int k = 0; k < SHA256_DIGEST_LENGTH; k++)
			fprintf(sums, "%02x", md[k]);
		fputc('\n', sums);
		cJSON_Delete(j);
		dbuf_free(&b);
		record_free(&r);
	}
	return fclose(head) || fclose(sums);
}
