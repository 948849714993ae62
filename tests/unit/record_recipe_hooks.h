/* The recipe's hooks for the current record model (tests/unit/record_recipe.h leaves them to
 * the includer because the generator of the vectors, tests/vectors/record/gen_old.c, builds
 * against an older model): shared by every unit test that draws the recipe. */
#ifndef MSW_RECORD_RECIPE_HOOKS_H
#define MSW_RECORD_RECIPE_HOOKS_H

static void SET_KIND(struct msw_record *r, unsigned host)
{
	r->kind = host ? KIND_HOST : KIND_SERVICE;
}

static void SET_TSEC(struct msw_record *r, const char *s)
{
	r->transport_security = s ? (enum msw_tsec)fenum_lookup(&msw_tsec_enum, s) : TSEC_UNSET;
}

static void SET_VERSIONS(struct msw_record *r, unsigned planned, unsigned a, unsigned b,
			 unsigned c)
{
	r->versions = (struct msw_versions){
		.set = true, .planned = (uint8_t)planned, .v = {(uint8_t)a, (uint8_t)b, (uint8_t)c}};
}

static void ADD_EVIDENCE(struct msw_record *r, const char *s, const char *v)
{
	assert_int_equal(record_add_evidence(r, s, v), MSW_OK);
}

#include "record_recipe.h"

#endif
