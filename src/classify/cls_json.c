/* Bounded JSON for payloads. cJSON itself recurses (parse, print, delete), so nothing
 * deeper than CLS_JSON_MAX_DEPTH or larger than CLS_JSON_MAX_BYTES is handed to it: a
 * tiny iterative scanner measures the nesting first (strings and escapes skipped). A
 * payload that is a JSON string holding JSON (double-encoded) is decoded one more level,
 * with the same checks. Non-JSON, too-deep, binary and empty payloads simply return NULL:
 * they are normal input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "classify/cls_int.h"

bool cls_json_depth_ok(const uint8_t *p, size_t n, int limit)
{
	int depth = 0;
	bool in_str = false;

	for (size_t i = 0; i < n; i++) {
		uint8_t ch = p[i];

		if (in_str) {
			if (ch == '\\')
				i++;
			else if (ch == '"')
				in_str = false;
			continue;
		}
		if (ch == '"') {
			in_str = true;
		} else if (ch == '{' || ch == '[') {
			if (++depth > limit)
				return false;
		} else if (ch == '}' || ch == ']') {
			depth--;
		}
	}
	return true;
}

static size_t skip_ws(const uint8_t *p, size_t n, size_t i)
{
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i;
}

static bool looks_json(const uint8_t *p, size_t n)
{
	size_t i = skip_ws(p, n, 0);

	if (i >= n)
		return false;
	switch (p[i]) {
	case '{': case '[': case '"': case '-': case 't': case 'f': case 'n':
		return true;
	default:
		return p[i] >= '0' && p[i] <= '9';
	}
}

static cJSON *parse_once(const uint8_t *p, size_t n)
{
	if (n == 0 || n > CLS_JSON_MAX_BYTES || !looks_json(p, n))
		return NULL;
	if (!cls_json_depth_ok(p, n, CLS_JSON_MAX_DEPTH))
		return NULL;
	if (memchr(p, 0, n))
		return NULL;   /* cJSON stops at NUL; a payload with NULs is not JSON */
	const char *end = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts((const char *)p, n, &end, 0);

	if (j && end) {   /* "274269 seconds" is text, not the number 274269 */
		size_t rest = n - (size_t)(end - (const char *)p);

		if (skip_ws((const uint8_t *)end, rest, 0) != rest) {
			cJSON_Delete(j);
			return NULL;
		}
	}
	return j;
}

cJSON *cls_json_parse(const uint8_t *p, size_t n)
{
	cJSON *j = parse_once(p, n);

	if (cJSON_IsString(j) && j->valuestring) {
		const char *s = j->valuestring;
		size_t sl = strlen(s);
		size_t i = skip_ws((const uint8_t *)s, sl, 0);

		if (i < sl && (s[i] == '{' || s[i] == '[')) {
			cJSON *inner = parse_once((const uint8_t *)s, sl);

			if (inner) {
				cJSON_Delete(j);
				return inner;
			}
		}
	}
	return j;
}

const cJSON *cls_jget(const cJSON *root, const char *path)
{
	const cJSON *cur = root;
	const char *s = path;

	if (!path || !*path)
		return root;
	while (cur && *s) {
		const char *dot = strchr(s, '.');
		size_t len = dot ? (size_t)(dot - s) : strlen(s);
		char key[96];

		if (len >= sizeof(key))
			return NULL;
		memcpy(key, s, len);
		key[len] = 0;
		if (cJSON_IsArray(cur)) {
			char *end;
			long idx = strtol(key, &end, 10);

			if (end == key || *end || idx < 0)
				return NULL;
			cur = cJSON_GetArrayItem(cur, (int)idx);
		} else if (cJSON_IsObject(cur)) {
			cur = cJSON_GetObjectItemCaseSensitive(cur, key);
		} else {
			return NULL;
		}
		s = dot ? dot + 1 : s + len;
	}
	return cur;
}

static char *num_str(double d)
{
	char buf[64];

	/* the range check first: converting a double out of long long's range is undefined */
	if (isfinite(d) && fabs(d) < 1e15 && d == (double)(long long)d)
		snprintf(buf, sizeof(buf), "%lld", (long long)d);
	else
		snprintf(buf, sizeof(buf), "%.10g", d);
	return strdup(buf);
}

static char *capped(char *s)
{
	if (s && strlen(s) > CLS_VAL_MAX) {
		/* "..." and its NUL need 4 bytes from cut: the string has at least
		 * CLS_VAL_MAX + 2 (found by fuzz_classify: cutting at CLS_VAL_MAX overran a
		 * string of CLS_VAL_MAX + 1 or + 2 characters by up to 2 bytes) */
		size_t cut = CLS_VAL_MAX - 3;

		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;   /* do not split a UTF-8 sequence */
		memcpy(s + cut, "...", 4);
	}
	return s;
}

char *cls_jstr(const cJSON *v)
{
	if (!v || cJSON_IsNull(v) || cJSON_IsInvalid(v))
		return NULL;
	if (cJSON_IsString(v))
		return v->valuestring ? capped(strdup(v->valuestring)) : NULL;
	if (cJSON_IsNumber(v))
		return num_str(v->valuedouble);
	if (cJSON_IsBool(v))
		return strdup(cJSON_IsTrue(v) ? "true" : "false");
	/* containers: already depth-checked at parse time */
	return capped(cJSON_PrintUnformatted(v));
}

bool cls_jtruthy(const cJSON *v)
{
	if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v))
		return false;
	if (cJSON_IsString(v))
		return v->valuestring && v->valuestring[0];
	if (cJSON_IsArray(v) || cJSON_IsObject(v))
		return v->child != NULL;
	return true;
}

double cls_jnum(const cJSON *v, bool *ok)
{
	*ok = false;
	if (cJSON_IsNumber(v)) {
		*ok = isfinite(v->valuedouble);
		return v->valuedouble;
	}
	if (cJSON_IsString(v) && v->valuestring && v->valuestring[0]) {
		char *end;
		double d = strtod(v->valuestring, &end);

		while (*end == ' ')
			end++;
		*ok = *end == 0 && isfinite(d);
		return d;
	}
	return 0;
}
