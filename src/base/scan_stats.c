/* The scan counts' wire form (base/scan_stats.h): one flat JSON object, read back with
 * every number checked against uint64_t's range before it is converted. */
#include "base/scan_stats.h"
#include <cjson/cJSON.h>

static void add_num(cJSON *o, const char *k, uint64_t v)
{
	if (v)
		cJSON_AddNumberToObject(o, k, (double)v);
}

/* An array of n counts, left out when all are 0. */
static void add_counts(cJSON *o, const char *key, const uint64_t *v, int n)
{
	cJSON *a;
	uint64_t any = 0;

	for (int i = 0; i < n; i++)
		any |= v[i];
	if (!any || !(a = cJSON_AddArrayToObject(o, key)))
		return;
	for (int i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber((double)v[i]));
}

cJSON *scan_stats_json(const struct scan_stats *st)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
#define X(f) add_num(o, #f, st->f);
	SCAN_STATS_COUNTERS(X)
#undef X
	add_counts(o, "outcome", st->outcome, SO__COUNT);
	add_counts(o, "probe_outcome", st->probe_outcome, SO__COUNT);
	add_counts(o, "findings_by_severity", st->findings_by_severity, SCAN_SEVERITIES);
	if (st->last_deadline_us > 0)
		add_num(o, "last_deadline_us", (uint64_t)st->last_deadline_us);
	return o;
}

/* A count: a number in uint64_t's range (checked before converting). */
static bool count_of(const cJSON *v, uint64_t *out)
{
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble < 1.8e19))
		return false;
	*out = (uint64_t)v->valuedouble;
	return true;
}

static void counts_from(uint64_t *v, const cJSON *a, int len)
{
	for (int i = 0; cJSON_IsArray(a) && i < len; i++) {
		uint64_t n;

		if (count_of(cJSON_GetArrayItem(a, i), &n))
			v[i] = n;
	}
}

void scan_stats_from_json(struct scan_stats *st, const cJSON *o)
{
	uint64_t n;

	*st = (struct scan_stats){0};
#define X(f)                                                 \
	if (count_of(cJSON_GetObjectItemCaseSensitive(o, #f), &n)) \
		st->f = n;
	SCAN_STATS_COUNTERS(X)
#undef X
	counts_from(st->outcome, cJSON_GetObjectItemCaseSensitive(o, "outcome"), SO__COUNT);
	counts_from(st->probe_outcome, cJSON_GetObjectItemCaseSensitive(o, "probe_outcome"),
		    SO__COUNT);
	counts_from(st->findings_by_severity,
		    cJSON_GetObjectItemCaseSensitive(o, "findings_by_severity"), SCAN_SEVERITIES);
	if (count_of(cJSON_GetObjectItemCaseSensitive(o, "last_deadline_us"), &n) &&
	    n < (uint64_t)INT64_MAX)
		st->last_deadline_us = (int64_t)n;
}

void scan_stats_add(struct scan_stats *sum, const struct scan_stats *a)
{
#define X(f) sum->f += a->f;
	SCAN_STATS_COUNTERS(X)
#undef X
	for (int i = 0; i < SO__COUNT; i++) {
		sum->outcome[i] += a->outcome[i];
		sum->probe_outcome[i] += a->probe_outcome[i];
	}
	for (int i = 0; i < SCAN_SEVERITIES; i++)
		sum->findings_by_severity[i] += a->findings_by_severity[i];
	if (a->last_deadline_us > sum->last_deadline_us)
		sum->last_deadline_us = a->last_deadline_us;
}
