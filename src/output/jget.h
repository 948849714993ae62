/* Small read helpers over a record's cJSON, shared by the sinks (internal to output/). */
#ifndef MSW_JGET_H
#define MSW_JGET_H
#include <stdbool.h>
#include <string.h>
#include <cjson/cJSON.h>

static inline const cJSON *jget(const cJSON *o, const char *k)
{
	return o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
}

/* String value, or NULL when absent or not a string. */
static inline const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = jget(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The string, else its "_b64" form (marked), else NULL: for display of peer strings. */
static inline const char *jstr_or_b64(const cJSON *o, const char *k, bool *is_b64)
{
	char key[96];
	const char *s = jstr(o, k);

	if (is_b64)
		*is_b64 = false;
	if (s)
		return s;
	if (strlen(k) + 5 >= sizeof(key))
		return NULL;
	memcpy(key, k, strlen(k));
	memcpy(key + strlen(k), "_b64", 5);
	s = jstr(o, key);
	if (s && is_b64)
		*is_b64 = true;
	return s;
}

static inline double jnum(const cJSON *o, const char *k, double dflt)
{
	const cJSON *v = jget(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* A stored port: 0..65535 (anything else, NaN included, reads as 0; a cast of an
 * out-of-range double to int is undefined). */
static inline int jport(const cJSON *o, const char *k)
{
	double d = jnum(o, k, 0);

	return d >= 0 && d <= 65535 ? (int)d : 0;
}

static inline bool jbool(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(jget(o, k));
}

#endif
