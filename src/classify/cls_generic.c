/* Hooks of the generic rules (rules_generic.c): a bounded walk over the parsed payload
 * (depth ≤ CLS_JSON_MAX_DEPTH from the parser, at most WALK_MAX nodes) looking for
 * secret-named keys with real values, coordinate pairs, e-mail addresses, JWTs and
 * MAC/IP addresses; plain-text payloads get the same checks on their text. */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "classify/cls_int.h"

#define WALK_MAX 20000

typedef bool (*visit_fn)(const cJSON *parent, const cJSON *node, void *arg);

/* Pre-order walk; stops when visit returns true. Returns true if stopped. */
static bool walk(const cJSON *node, int depth, int *budget, visit_fn fn, void *arg)
{
	const cJSON *it;

	if (!node || depth > CLS_JSON_MAX_DEPTH + 1)
		return false;
	cJSON_ArrayForEach(it, node) {
		if (--*budget < 0)
			return false;
		if (fn(node, it, arg))
			return true;
		if ((cJSON_IsObject(it) || cJSON_IsArray(it)) && walk(it, depth + 1, budget, fn, arg))
			return true;
	}
	return false;
}

static bool walk_json(const cJSON *root, visit_fn fn, void *arg)
{
	int budget = WALK_MAX;

	if (!root)
		return false;
	if (cJSON_IsString(root))
		return fn(NULL, root, arg);
	return walk(root, 0, &budget, fn, arg);
}

/* ---- secrets ---- */

static bool placeholder(const char *v)
{
	size_t n = strlen(v);

	if (n < 3)
		return true;
	if (strspn(v, "*xX#.-_ ") == n)
		return true;
	return cls_glob_alt("!secret*|${*}|{{*}}|<*>|null|none|changeme?|redacted|[redacted]|hidden|"
			    "*\xe2\x80\xa6(*)", v, n);
}

struct secret_acc {
	const char *key, *val;
	int count;
	char keys[200];
};

static bool visit_secret(const cJSON *parent, const cJSON *it, void *arg)
{
	struct secret_acc *a = arg;
	size_t kl;

	(void)parent;
	if (!it->string || !cJSON_IsString(it) || !it->valuestring)
		return false;
	if (cls_key_class(it->string) != RC_SECRET || placeholder(it->valuestring))
		return false;
	kl = strlen(it->string);
	if (kl > 4 && strcmp(it->string + kl - 4, "_key") == 0 &&
	    (strlen(it->valuestring) < 8 || strchr(it->valuestring, ' ')))
		return false;
	if (!a->key) {
		a->key = it->string;
		a->val = it->valuestring;
	}
	if (a->count++ < 6) {
		size_t n = strlen(a->keys);

		snprintf(a->keys + n, sizeof(a->keys) - n, "%s%.40s", n ? "," : "", it->string);
	}
	return false;
}

/* "password=xyz" / "token: xyz" in plain text */
static bool text_secret(struct cls_run *r)
{
	static const char *const words[] = { "password", "passwd", "pwd", "api_key", "apikey", "token", "secret" };
	const char *t = r->text;

	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		const char *p = strcasestr(t, words[w]);

		if (!p)
			continue;
		p += strlen(words[w]);
		while (*p == ' ' || *p == '"' || *p == '\'')
			p++;
		if (*p != '=' && *p != ':')
			continue;
		p++;
		while (*p == ' ' || *p == '"' || *p == '\'')
			p++;
		size_t n = strcspn(p, " \t\r\n;,&\"'");
		char val[CLS_VAL_MAX];

		if (n < 3 || n >= sizeof(val))
			continue;
		memcpy(val, p, n);
		val[n] = 0;
		if (placeholder(val))
			continue;
		cls_var(r, "key", words[w], RC_SAFE);
		cls_var(r, "value", val, RC_SECRET);
		cls_var(r, "more", "", RC_SAFE);
		return true;
	}
	return false;
}

bool hook_gen_secret(struct cls_run *r, const struct rule *ru)
{
	struct secret_acc a = { 0 };

	(void)ru;
	if (!r->json || cJSON_IsString(r->json) || cJSON_IsNumber(r->json))
		return r->text && !cJSON_IsObject(r->json) && !cJSON_IsArray(r->json) && text_secret(r);
	walk_json(r->json, visit_secret, &a);
	if (!a.key)
		return false;
	cls_var(r, "key", a.key, RC_SAFE);
	cls_var(r, "value", a.val, RC_SECRET);
	cls_var(r, "keys", a.keys, RC_SAFE);
	if (a.count > 1)
		cls_varf(r, "more", RC_SAFE, " and %d more secret-named key(s)", a.count - 1);
	else
		cls_var(r, "more", "", RC_SAFE);
	return true;
}

bool hook_gen_private_key(struct cls_run *r, const struct rule *ru)
{
	(void)ru;
	if (!cls_has_private_key((const char *)r->payload, r->plen))
		return false;
	cls_var(r, "where", r->json ? "a JSON value" : "the payload", RC_SAFE);
	return true;
}

static bool visit_jwt(const cJSON *parent, const cJSON *it, void *arg)
{
	(void)parent;
	if (cJSON_IsString(it) && it->valuestring && cls_looks_jwt(it->valuestring)) {
		*(const char **)arg = it->valuestring;
		return true;
	}
	return false;
}

bool hook_gen_jwt(struct cls_run *r, const struct rule *ru)
{
	const char *hit = NULL;

	(void)ru;
	if (r->json)
		walk_json(r->json, visit_jwt, &hit);
	else if (r->text && cls_looks_jwt(r->text))
		hit = strstr(r->text, "eyJ");
	if (!hit)
		return false;
	char tok[CLS_VAL_MAX];

	snprintf(tok, sizeof(tok), "%.*s", (int)strcspn(hit, " \t\r\n\"',;"), hit);
	cls_var(r, "value", tok, RC_SECRET);
	return true;
}

/* ---- coordinates ---- */

static int decimals(double x)
{
	double p = 1;

	for (int k = 0; k <= 8; k++, p *= 10) {
		double v = x * p;

		if (fabs(v - nearbyint(v)) < 1e-6 * p)
			return k;
	}
	return 9;
}

struct coord_acc {
	double lat, lon;
	char keys[64];
	bool found;
};


static bool visit_coord(const cJSON *parent, const cJSON *it, void *arg)
{
	struct coord_acc *a = arg;
	const cJSON *o;
	bool ok1 = false, ok2 = false;
	double la = 0, lo = 0;
	const char *kla = NULL, *klo = NULL;

	(void)parent;
	if (!cJSON_IsObject(it) && !(parent == NULL))
		return false;
	cJSON_ArrayForEach(o, it) {
		if (!o->string)
			continue;
		if (cls_key_class(o->string) != RC_COORD)
			continue;
		if (!ok1 && strcasestr(o->string, "lat")) {
			la = cls_jnum(o, &ok1);
			kla = o->string;
		} else if (!ok2 && !strcasestr(o->string, "lat")) {
			lo = cls_jnum(o, &ok2);
			klo = o->string;
		}
	}
	if (!ok1 || !ok2 || fabs(la) > 90 || fabs(lo) > 180 || (la == 0 && lo == 0))
		return false;
	a->lat = la;
	a->lon = lo;
	snprintf(a->keys, sizeof(a->keys), "%.24s/%.24s", kla, klo);
	a->found = true;
	return true;
}

/* The search is done once per message; the three precision rules share the result. */
static bool find_coords(struct cls_run *r)
{
	struct coord_acc a = { 0 };

	if (r->coord_done)
		return r->coord_done == 2;
	r->coord_done = 1;
	if (!cJSON_IsObject(r->json) && !cJSON_IsArray(r->json))
		return false;
	if (cJSON_IsObject(r->json))
		visit_coord(NULL, r->json, &a);
	if (!a.found)
		walk_json(r->json, visit_coord, &a);
	if (!a.found)
		return false;
	r->coord_done = 2;
	r->coord_lat = a.lat;
	r->coord_lon = a.lon;
	snprintf(r->coord_keys, sizeof(r->coord_keys), "%s", a.keys);
	return true;
}

bool hook_gen_latlon(struct cls_run *r, const struct rule *ru)
{
	int d, min = ru->arg ? (int)strtol(ru->arg, NULL, 10) : 0;

	if (!find_coords(r))
		return false;
	d = decimals(r->coord_lat) < decimals(r->coord_lon) ? decimals(r->coord_lat) : decimals(r->coord_lon);
	if (d < min)
		return false;
	cls_varf(r, "lat", RC_COORD, "%.8g", r->coord_lat);
	cls_varf(r, "lon", RC_COORD, "%.8g", r->coord_lon);
	cls_var(r, "keys", r->coord_keys, RC_SAFE);
	cls_varf(r, "decimals", RC_SAFE, "%d", d);
	return true;
}

bool hook_gen_coord_text(struct cls_run *r, const struct rule *ru)
{
	const char *dot;
	int d = 0, min = ru->arg ? (int)strtol(ru->arg, NULL, 10) : 0;
	double v;

	if (!r->text)
		return false;
	v = strtod(r->text, NULL);
	if (fabs(v) > 90 || v == 0)
		return false;
	dot = strchr(r->text, '.');
	if (dot)
		d = (int)strspn(dot + 1, "0123456789");
	return d >= min;
}

/* ---- e-mail, network identifiers ---- */

static bool visit_email(const cJSON *parent, const cJSON *it, void *arg)
{
	(void)parent;
	if (cJSON_IsString(it) && it->valuestring && cls_looks_email(it->valuestring)) {
		*(const char **)arg = it->valuestring;
		return true;
	}
	return false;
}

static bool text_email(struct cls_run *r)
{
	const char *p = r->text;

	while (p && *p) {
		size_t n = strcspn(p, " \t\r\n,;\"'<>()[]{}");
		char tok[CLS_VAL_MAX];

		if (n > 0 && n < sizeof(tok)) {
			memcpy(tok, p, n);
			tok[n] = 0;
			if (cls_looks_email(tok)) {
				cls_var(r, "email", tok, RC_EMAIL);
				return true;
			}
		}
		p += n;
		if (*p)
			p++;
	}
	return false;
}

bool hook_gen_email(struct cls_run *r, const struct rule *ru)
{
	const char *hit = NULL;

	(void)ru;
	if (r->json && (cJSON_IsObject(r->json) || cJSON_IsArray(r->json) || cJSON_IsString(r->json)))
		walk_json(r->json, visit_email, &hit);
	else if (r->text)
		return text_email(r);
	if (!hit)
		return false;
	cls_var(r, "email", hit, RC_EMAIL);
	return true;
}

static bool looks_mac(const char *s)
{
	size_t n = strlen(s), hex = 0;

	if (n == 17) {
		for (size_t i = 0; i < n; i++) {
			if (i % 3 == 2) {
				if (s[i] != ':' && s[i] != '-')
					return false;
			} else if (!isxdigit((unsigned char)s[i])) {
				return false;
			}
		}
		return true;
	}
	if (n != 12)
		return false;
	for (size_t i = 0; i < n; i++)
		hex += isxdigit((unsigned char)s[i]) != 0;
	return hex == 12;
}

static bool looks_ipv4(const char *s)
{
	unsigned a, b, c, d;
	char tail;

	return sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a < 256 && b < 256 && c < 256 && d < 256;
}

struct netid_acc {
	char what[CLS_VAL_MAX];
	int n;
	bool raw;   /* --evidence raw: a BSSID is shown whole */
};

static bool visit_netid(const cJSON *parent, const cJSON *it, void *arg)
{
	struct netid_acc *a = arg;
	const char *v = it->valuestring;
	const char *k = it->string;
	size_t l;

	(void)parent;
	if (!cJSON_IsString(it) || !v || !k || a->n >= 4)
		return false;
	if (looks_mac(v) && cls_glob_alt("*mac*|*bssid*|*address*|id|*connections*", k, strlen(k))) {
		char *m = !a->raw && cls_glob_alt("*bssid*", k, strlen(k)) ? cls_mask_bssid(v) : NULL;

		l = strlen(a->what);
		snprintf(a->what + l, sizeof(a->what) - l, "%s%.20s %s", l ? ", " : "", k, m ? m : v);
		free(m);
		a->n++;
	} else if (looks_ipv4(v)) {
		l = strlen(a->what);
		snprintf(a->what + l, sizeof(a->what) - l, "%s%.20s %s", l ? ", " : "", k, v);
		a->n++;
	}
	return false;
}

bool hook_gen_netid(struct cls_run *r, const struct rule *ru)
{
	struct netid_acc a = { .n = 0 };

	(void)ru;
	a.raw = cls_cfg(r->c) && cls_cfg(r->c)->evidence == EVIDENCE_RAW;
	walk_json(r->json, visit_netid, &a);
	if (!a.n)
		return false;
	cls_var(r, "what", a.what, RC_NONE);
	return true;
}
