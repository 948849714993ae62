/* Redaction: one policy for titles, evidence, topics and payload samples.
 *
 *   redacted (default)  coordinates coarsened to 2 decimals (~1 km); secrets shown as their
 *                       first two characters and length ("pa…(12)"; secrets shorter than 6
 *                       characters show no characters at all: a 4-digit alarm code would
 *                       otherwise be half-disclosed); e-mail local parts and person names
 *                       partly masked ("a***e"), including the topic levels that name people
 *                       (owntracks/{user}/{device}, person.* and device_tracker.* entities,
 *                       $SYS client ids) and client IPs in $SYS client events ("192.168.x.x").
 *   minimal             nothing from payloads; topics become generalised filters plus a keyed
 *                       hash per level (HMAC-SHA256 with --hash-key or a per-process random
 *                       key, first 8 hex digits).
 *   raw                 nothing hidden.
 * Key classes come from one table (cls_key_class) so the sample redactor and the finding
 * renderer agree. */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include "classify/cls_int.h"

/* Key classes, one table for samples and findings. Matching is case-insensitive: exact
 * names, then substrings, then suffixes (no globs: this runs for every key of every
 * payload). */
struct keyname {
	const char *s;
	enum rclass rc;
};

static const struct keyname key_exact[] = {
	{ "lat", RC_COORD }, { "lon", RC_COORD }, { "lng", RC_COORD }, { "long", RC_COORD },
	{ "latitude", RC_COORD }, { "longitude", RC_COORD }, { "gps_lat", RC_COORD },
	{ "gps_lon", RC_COORD }, { "pwd", RC_SECRET }, { "pass", RC_SECRET }, { "psk", RC_SECRET },
	{ "pin", RC_SECRET }, { "passphrase", RC_SECRET }, { "privkey", RC_SECRET },
	{ "webhook_id", RC_SECRET }, { "email", RC_EMAIL }, { "e-mail", RC_EMAIL }, { "mail", RC_EMAIL },
	{ "username", RC_NAME }, { "user", RC_NAME }, { "user_name", RC_NAME }, { "clientid", RC_NAME },
	{ "client_id", RC_NAME }, { "owner", RC_NAME }, { "person", RC_NAME }, { "sub_label", RC_NAME },
	{ "first_name", RC_NAME }, { "last_name", RC_NAME }, { "full_name", RC_NAME },
	{ "device_name", RC_NAME }, { "mqttuser", RC_NAME }, { "face", RC_DROP }, { "image", RC_DROP },
	{ "addr", RC_DROP }, { "bssid", RC_BSSID },
};

static const struct keyname key_contains[] = {
	{ "password", RC_SECRET }, { "passwd", RC_SECRET }, { "secret", RC_SECRET },
	{ "token", RC_SECRET }, { "api_key", RC_SECRET }, { "apikey", RC_SECRET },
};

static const struct keyname key_suffix[] = {
	{ "_latitude", RC_COORD }, { "_longitude", RC_COORD }, { "_key", RC_SECRET },
};

/* Keys that look like secrets by name but hold flags or metadata. */
static const char *const not_secret = "*_required|*_enabled|has_*|token_type|*_set|*_format|"
				      "secret_type|*_length|*_expires*|*_count";

static enum rclass key_class_raw(const char *low, size_t n)
{
	for (size_t i = 0; i < sizeof(key_exact) / sizeof(key_exact[0]); i++)
		if (key_exact[i].s[0] == low[0] && strcmp(low, key_exact[i].s) == 0)
			return key_exact[i].rc;
	for (size_t i = 0; i < sizeof(key_contains) / sizeof(key_contains[0]); i++)
		if (strstr(low, key_contains[i].s))
			return key_contains[i].rc;
	for (size_t i = 0; i < sizeof(key_suffix) / sizeof(key_suffix[0]); i++) {
		size_t l = strlen(key_suffix[i].s);

		if (n > l && strcmp(low + n - l, key_suffix[i].s) == 0)
			return key_suffix[i].rc;
	}
	return RC_NONE;
}

enum rclass cls_key_class(const char *key)
{
	size_t n;
	enum rclass rc;

	if (!key)
		return RC_NONE;
	char low[72];

	n = strlen(key);
	if (n == 0 || n > 64)
		return RC_NONE;
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)key[i]);
	rc = key_class_raw(low, n);
	if (rc == RC_SECRET && cls_glob_alt(not_secret, key, n))
		return RC_NONE;
	return rc;
}

static size_t u8_count(const char *s)
{
	size_t c = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			c++;
	return c;
}

/* byte length of the first k UTF-8 characters */
static size_t u8_prefix(const char *s, size_t k)
{
	size_t i = 0;

	while (s[i] && k) {
		i++;
		while (s[i] && ((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		k--;
	}
	return i;
}

char *cls_mask_secret(const char *s)
{
	size_t chars = u8_count(s);
	size_t show = chars >= 6 ? u8_prefix(s, 2) : 0;
	char *out = malloc(show + 32);

	if (!out)
		return NULL;
	memcpy(out, s, show);
	snprintf(out + show, 32, "\xe2\x80\xa6(%zu)", chars);
	return out;
}

char *cls_mask_name(const char *s)
{
	size_t chars = u8_count(s);
	size_t first = u8_prefix(s, 1);
	size_t n = strlen(s);
	char *out = malloc(first + 16 + 4);
	size_t o = 0;

	if (!out)
		return NULL;
	if (chars <= 1) {
		memcpy(out, "*", 2);
		return out;
	}
	memcpy(out, s, first);
	o = first;
	memcpy(out + o, "***", 3);
	o += 3;
	if (chars >= 4) {
		size_t last = n;

		while (last > 0 && ((unsigned char)s[last - 1] & 0xC0) == 0x80)
			last--;
		if (last > 0)
			last--;
		if (n - last <= 4) {
			memcpy(out + o, s + last, n - last);
			o += n - last;
		}
	}
	out[o] = 0;
	return out;
}

static char *mask_email(const char *s)
{
	const char *at = strchr(s, '@');
	char local[128], *ml, *out;
	size_t ll;

	if (!at || at == s)
		return cls_mask_name(s);
	ll = (size_t)(at - s);
	if (ll >= sizeof(local))
		ll = sizeof(local) - 1;
	memcpy(local, s, ll);
	local[ll] = 0;
	ml = cls_mask_name(local);
	if (!ml)
		return NULL;
	out = malloc(strlen(ml) + strlen(at) + 1);
	if (out) {
		memcpy(out, ml, strlen(ml));
		memcpy(out + strlen(ml), at, strlen(at) + 1);
	}
	free(ml);
	return out;
}

static char *mask_ip(const char *s)
{
	unsigned a, b, c, d;
	char buf[64];

	if (sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) == 4 && a < 256 && b < 256) {
		snprintf(buf, sizeof(buf), "%u.%u.x.x", a, b);
		return strdup(buf);
	}
	if (strchr(s, ':')) {
		const char *p = strchr(s, ':');

		p = p ? strchr(p + 1, ':') : NULL;
		if (p && (size_t)(p - s) < 40) {
			snprintf(buf, sizeof(buf), "%.*s:x", (int)(p - s), s);
			return strdup(buf);
		}
	}
	return cls_mask_name(s);
}

/* "AA:BB:CC:DD:EE:FF" (or '-' separated, or 12 hex digits) -> "AA:BB:CC:xx:xx:xx": the
 * vendor stays, the access point does not. Anything else is masked like a name. */
char *cls_mask_bssid(const char *s)
{
	char hex[12], buf[24];
	size_t n = 0;

	for (const char *p = s; *p && n <= sizeof(hex); p++) {
		if (isxdigit((unsigned char)*p)) {
			if (n == sizeof(hex))
				return cls_mask_name(s);
			hex[n++] = *p;
		} else if (*p != ':' && *p != '-' && *p != '.') {
			return cls_mask_name(s);
		}
	}
	if (n != sizeof(hex))
		return cls_mask_name(s);
	snprintf(buf, sizeof(buf), "%c%c:%c%c:%c%c:xx:xx:xx", hex[0], hex[1], hex[2], hex[3], hex[4],
		 hex[5]);
	return strdup(buf);
}

char *cls_coarse_coord(const char *s)
{
	char *end, buf[48];
	double d = strtod(s, &end);

	while (*end == ' ' || *end == '\n' || *end == '\r')
		end++;
	if (end == s || *end || !isfinite(d))
		return strdup("[coordinate]");
	snprintf(buf, sizeof(buf), "%.2f", d);
	return strdup(buf);
}

bool cls_looks_email(const char *s)
{
	const char *at = strchr(s, '@');
	const char *dot;

	if (!at || at == s || strchr(at + 1, '@') || strchr(s, ' ') || strchr(s, '/'))
		return false;
	dot = strchr(at + 1, '.');
	return dot && dot > at + 1 && dot[1] && strlen(s) < 254;
}

bool cls_has_private_key(const char *s, size_t n)
{
	const char *b = memmem(s, n, "-----BEGIN ", 11);

	if (!b)
		return false;
	return memmem(b, n - (size_t)(b - s), "PRIVATE KEY-----", 16) != NULL;
}

static bool b64url_run(const char *s, size_t *i, size_t min)
{
	size_t st = *i;

	while (isalnum((unsigned char)s[*i]) || s[*i] == '-' || s[*i] == '_')
		(*i)++;
	return *i - st >= min;
}

bool cls_looks_jwt(const char *s)
{
	const char *p = strstr(s, "eyJ");

	while (p) {
		size_t i = 0;

		if (b64url_run(p, &i, 10) && p[i] == '.') {
			i++;
			if (b64url_run(p, &i, 10) && p[i] == '.') {
				i++;
				if (b64url_run(p, &i, 10))
					return true;
			}
		}
		p = strstr(p + 3, "eyJ");
	}
	return false;
}

char *cls_redact_value(enum msw_evidence ev, enum rclass rc, const char *v)
{
	if (!v)
		return NULL;
	if (ev == EVIDENCE_RAW || rc == RC_SAFE)
		return strdup(v);
	if (ev == EVIDENCE_MINIMAL)
		return strdup("[redacted]");
	if (rc == RC_NONE && strstr(v, "://"))   /* a URL: its password, not person levels */
		return cls_scrub_text(v);
	if (rc == RC_NONE)   /* a topic in a value may name a person (owntracks/alice/phone) */
		return strchr(v, '/') && !strchr(v, ' ') ? cls_topic_for(NULL, v, strlen(v))
							 : cls_scrub_text(v);
	switch (rc) {
	case RC_COORD: return cls_coarse_coord(v);
	case RC_SECRET: return cls_mask_secret(v);
	case RC_NAME: return cls_looks_email(v) ? mask_email(v) : cls_mask_name(v);
	case RC_EMAIL: return mask_email(v);
	case RC_IP: return mask_ip(v);
	case RC_BSSID: return cls_mask_bssid(v);
	case RC_DROP: {
		char buf[64];

		snprintf(buf, sizeof(buf), "[%zu bytes not shown]", strlen(v));
		return strdup(buf);
	}
	default: return strdup(v);
	}
}

/* cJSON_ReplaceItemViaPointer does not carry the member name over: do it here. */
static void replace_item(cJSON *parent, cJSON *it, cJSON *n)
{
	if (!n)
		return;
	if (it->string) {
		n->string = strdup(it->string);
		if (!n->string) {
			cJSON_Delete(n);
			return;
		}
	}
	if (!cJSON_ReplaceItemViaPointer(parent, it, n))
		cJSON_Delete(n);
}

static void replace_string(cJSON *node, char *nv)
{
	if (!nv)
		return;
	cJSON_SetValuestring(node, nv);
	free(nv);
}

/* ---- unkeyed coordinates and URL passwords in free text ---- */

/* "-?D{1,3}.D{4,}" at s (more than two decimals: a precise coordinate), else 0. */
static size_t coord_num_len(const char *s)
{
	size_t i = s[0] == '-', d = 0, f = 0;

	while (isdigit((unsigned char)s[i]) && d < 4) {
		i++;
		d++;
	}
	if (!d || d > 3 || s[i] != '.')
		return 0;
	i++;
	while (isdigit((unsigned char)s[i])) {
		i++;
		f++;
	}
	return f >= 4 && s[i] != '.' ? i : 0;
}

static bool coord_pair_ok(double a, double b)
{
	return fabs(a) <= 180 && fabs(b) <= 180 && (fabs(a) <= 90 || fabs(b) <= 90);
}

static void put_coarse(char *out, size_t *o, const char *num)
{
	*o += (size_t)snprintf(out + *o, 16, "%.2f", strtod(num, NULL));
}

/* "51.50123,-0.14187" (any of , ; and spaces between) at s+i: both coarsened. */
static size_t coord_pair_at(const char *s, size_t i, char *out, size_t *o)
{
	size_t al, bl, j;

	if (i && (isdigit((unsigned char)s[i - 1]) || s[i - 1] == '.'))
		return 0;
	if (!(al = coord_num_len(s + i)))
		return 0;
	j = i + al;
	while (s[j] == ' ')
		j++;
	if (s[j] == ',' || s[j] == ';')
		j++;
	while (s[j] == ' ')
		j++;
	if (j == i + al || !(bl = coord_num_len(s + j)))
		return 0;
	if (!coord_pair_ok(strtod(s + i, NULL), strtod(s + j, NULL)))
		return 0;
	put_coarse(out, o, s + i);
	memcpy(out + *o, s + i + al, j - i - al);
	*o += j - i - al;
	put_coarse(out, o, s + j);
	return j + bl;
}

/* "scheme://user:PASSWORD@host" at s+i ("://"): the password masked like a secret. */
static size_t url_pw_at(const char *s, size_t i, char *out, size_t *o)
{
	const char *a = s + i + 3, *e, *at = NULL, *colon;
	char *pw, *m;

	if (strncmp(s + i, "://", 3) != 0)
		return 0;
	e = a + strcspn(a, "/?# \t\r\n\"'<>");
	for (const char *p = a; p < e; p++)
		if (*p == '@')
			at = p;
	colon = at ? memchr(a, ':', (size_t)(at - a)) : NULL;
	if (!colon || colon + 1 == at)
		return 0;
	pw = strndup(colon + 1, (size_t)(at - colon - 1));
	m = pw ? cls_mask_secret(pw) : NULL;
	free(pw);
	if (!m)
		return 0;
	memcpy(out + *o, s + i, (size_t)(colon + 1 - (s + i)));
	*o += (size_t)(colon + 1 - (s + i));
	memcpy(out + *o, m, strlen(m));
	*o += strlen(m);
	free(m);
	out[(*o)++] = '@';
	return (size_t)(at + 1 - s);
}

char *cls_scrub_text(const char *s)
{
	size_t n = strlen(s), o = 0, k;
	char *out = n < (SIZE_MAX - 64) / 8 ? malloc(n * 8 + 64) : NULL;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		if ((k = url_pw_at(s, i, out, &o)) || (k = coord_pair_at(s, i, out, &o))) {
			i = k;
			continue;
		}
		out[o++] = s[i++];
	}
	out[o] = 0;
	return out;
}

/* One query or fragment parameter "key=value" of p[0..n): copied to out, its value masked
 * when minimal (every value) or when the key is named like a secret (token, password, ...). */
static size_t url_param(const char *p, size_t n, bool minimal, char *out)
{
	const char *eq = memchr(p, '=', n);
	char key[72], *val, *m;
	size_t kl = eq ? (size_t)(eq - p) : 0, o;

	if (!eq || kl == 0 || kl > 64) {
		memcpy(out, p, n);
		return n;
	}
	memcpy(key, p, kl);
	key[kl] = 0;
	if (!minimal && cls_key_class(key) != RC_SECRET) {
		memcpy(out, p, n);
		return n;
	}
	o = kl + 1;
	memcpy(out, p, o);
	if (o == n)
		return o; /* an empty value shows nothing */
	val = strndup(eq + 1, n - o);
	m = !val ? NULL : minimal ? strdup("[redacted]") : cls_mask_secret(val);
	free(val);
	if (!m)
		return o;
	memcpy(out + o, m, strlen(m));
	o += strlen(m);
	free(m);
	return o;
}

char *cls_redact_url(const struct msw_config *cfg, const char *url)
{
	enum msw_evidence ev = cfg ? cfg->evidence : EVIDENCE_REDACTED;
	char *s, *out;
	size_t n, i, o;

	if (!url || ev == EVIDENCE_RAW)
		return url ? strdup(url) : NULL;
	if (!(s = cls_scrub_text(url)))
		return NULL;
	n = strlen(s);
	i = strcspn(s, "?#");
	/* a masked value is at most 33 bytes longer than the value it replaces */
	out = i < n && n < SIZE_MAX / 40 ? malloc(n * 34 + 64) : NULL;
	if (!out)
		return i < n ? (free(s), NULL) : s;
	memcpy(out, s, i);
	o = i;
	while (i < n) {
		out[o++] = s[i++]; /* the separator: ? # & ; */
		size_t k = strcspn(s + i, "?#&;");
		o += url_param(s + i, k, ev == EVIDENCE_MINIMAL, out + o);
		i += k;
	}
	out[o] = 0;
	free(s);
	return out;
}

/* [lat, lon(, alt...)] or [lon, lat, ...]: two precise numbers that can be a position. */
static bool coord_array(const cJSON *a)
{
	const cJSON *x = a->child, *y = x ? x->next : NULL;
	int n = cJSON_GetArraySize(a);
	char bx[48], by[48];

	if (n < 2 || n > 3 || !cJSON_IsNumber(x) || !cJSON_IsNumber(y) ||
	    !coord_pair_ok(x->valuedouble, y->valuedouble))
		return false;
	snprintf(bx, sizeof(bx), "%.10g", x->valuedouble);
	snprintf(by, sizeof(by), "%.10g", y->valuedouble);
	return coord_num_len(bx) && coord_num_len(by);
}

static void coarse_array(cJSON *a)
{
	cJSON *x = a->child, *y = x->next;
	char b[48];

	snprintf(b, sizeof(b), "%.2f", x->valuedouble);
	replace_item(a, x, cJSON_CreateRaw(b));
	snprintf(b, sizeof(b), "%.2f", y->valuedouble);
	replace_item(a, y, cJSON_CreateRaw(b));
}

static void redact_leaf(cJSON *parent, cJSON *it, enum rclass rc, enum msw_evidence ev)
{
	if (rc == RC_COORD) {
		if (cJSON_IsNumber(it)) {   /* printed as exactly two decimals: 51.50 */
			char buf[48];
			cJSON *n;

			snprintf(buf, sizeof(buf), "%.2f", fabs(it->valuedouble) < 1e6 ? it->valuedouble : 0.0);
			n = cJSON_CreateRaw(buf);
			replace_item(parent, it, n);
		} else if (cJSON_IsString(it) && it->valuestring)
			replace_string(it, cls_coarse_coord(it->valuestring));
		return;
	}
	if (cJSON_IsNumber(it) && rc == RC_SECRET) {
		char *s = cls_jstr(it);
		char *m = s ? cls_redact_value(ev, rc, s) : NULL;
		cJSON *n = m ? cJSON_CreateString(m) : NULL;

		free(s);
		free(m);
		replace_item(parent, it, n);
		return;
	}
	if (!cJSON_IsString(it) || !it->valuestring)
		return;
	if (rc != RC_NONE || strchr(it->valuestring, '/'))
		replace_string(it, cls_redact_value(ev, rc, it->valuestring));
	else if (cls_looks_email(it->valuestring))
		replace_string(it, mask_email(it->valuestring));
	else if (cls_has_private_key(it->valuestring, strlen(it->valuestring)) ||
		 cls_looks_jwt(it->valuestring))
		replace_string(it, cls_mask_secret(it->valuestring));
	else if (ev != EVIDENCE_RAW && strchr(it->valuestring, '.'))
		replace_string(it, cls_scrub_text(it->valuestring));   /* "51.50123,-0.14187" */
}

static bool is_card(const cJSON *node)
{
	const cJSON *t;

	if (!cJSON_IsObject(node))
		return false;
	t = cJSON_GetObjectItemCaseSensitive(node, "_type");
	return cJSON_IsString(t) && t->valuestring && strcmp(t->valuestring, "card") == 0;
}

/* Class of one member, with the context rules: everything under a coordinate key is a
 * coordinate; client ids and IPs only in $SYS client events; a short "code" (an alarm PIN)
 * is a secret; an OwnTracks card's "name" is a person. */
static enum rclass member_class(const cJSON *it, bool coord_ctx, bool ip_ctx, bool card)
{
	const char *k = it->string;
	enum rclass rc = k ? cls_key_class(k) : RC_NONE;

	if (coord_ctx && rc == RC_NONE)
		rc = RC_COORD;
	if (!k)
		return rc;
	if (ip_ctx && cls_glob_alt("ipaddress|ip_address|peerhost|ip", k, strlen(k)))
		rc = RC_IP;
	if (card && strcmp(k, "name") == 0)
		rc = RC_NAME;
	if (strcmp(k, "code") == 0) {
		char *v = cls_jstr(it);

		if (v && strlen(v) <= 12 && (cJSON_IsString(it) || cJSON_IsNumber(it)))
			rc = RC_SECRET;
		free(v);
	}
	return rc;
}

/* Walk a JSON tree (depth already bounded by the parser) and redact in place. */
void cls_redact_tree(cJSON *node, enum msw_evidence ev, bool coord_ctx, bool ip_ctx, int depth)
{
	cJSON *it, *next;
	bool card = is_card(node);

	if (depth > CLS_JSON_MAX_DEPTH + 2 || ev == EVIDENCE_RAW || !node)
		return;
	if (cJSON_IsArray(node) && coord_array(node)) {   /* a payload that is [lat, lon] */
		coarse_array(node);
		return;
	}
	for (it = node->child; it; it = next) {
		enum rclass rc = member_class(it, coord_ctx, ip_ctx, card);

		next = it->next;
		if (cJSON_IsObject(it) || cJSON_IsArray(it)) {
			if (rc == RC_NAME || rc == RC_SECRET) {
				cJSON *e, *en;

				for (e = it->child; e; e = en) {
					en = e->next;
					redact_leaf(it, e, rc, ev);
				}
			} else if (rc == RC_DROP) {
				replace_item(node, it, cJSON_CreateString("[not shown]"));
			} else if (cJSON_IsArray(it) && coord_array(it)) {
				coarse_array(it);
			} else {
				cls_redact_tree(it, ev, coord_ctx || rc == RC_COORD, ip_ctx, depth + 1);
			}
			continue;
		}
		redact_leaf(node, it, rc, ev);
	}
}

/* ---- keyed hashes for --evidence minimal ---- */

static unsigned char scan_key[32];
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void make_key(void)
{
	if (RAND_bytes(scan_key, sizeof(scan_key)) != 1) {
		FILE *f = fopen("/dev/urandom", "rb");

		if (f) {
			if (fread(scan_key, 1, sizeof(scan_key), f) != sizeof(scan_key))
				memset(scan_key, 0x5a, sizeof(scan_key));
			fclose(f);
		}
	}
}

static void level_hash(const struct msw_config *cfg, const char *s, size_t n, char out[9])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const void *key;
	int klen;

	if (cfg && cfg->hash_key && cfg->hash_key[0]) {
		key = cfg->hash_key;
		klen = (int)strlen(cfg->hash_key);
	} else {
		pthread_once(&key_once, make_key);
		key = scan_key;
		klen = (int)sizeof(scan_key);
	}
	if (!HMAC(EVP_sha256(), key, klen, (const unsigned char *)s, n, md, &mdlen) || mdlen < 4) {
		memcpy(out, "00000000", 9);
		return;
	}
	snprintf(out, 9, "%02x%02x%02x%02x", md[0], md[1], md[2], md[3]);
}

/* ---- topics ---- */

/* Topic shapes whose captures named user/device/person/client name people. */
const char *const cls_person_patterns[] = {
	"owntracks/{user}/{device}/{*rest}",
	"+/owntracks/{user}/{device}/{*rest}",
	"+/+/owntracks/{user}/{device}/{*rest}",
	"{*base}/person/{person}/+",
	"{*base}/device_tracker/{person}/+",
	"{*base}/device_tracker/+/{person}/config",
	"$SYS/brokers/+/clients/{client}/{*rest}",
	"$SYS/+/new/clients",
	/* hand-named presence topics: home/presence/<person>, haus/anwesenheit/<person>, ... */
	"{*base}/{k:presence|anwesenheit|praesenz|präsenz|aanwezigheid|présence|presencia|presenza|obecnosc|obecność}/{person}",
};
const size_t cls_nperson_patterns = sizeof(cls_person_patterns) / sizeof(cls_person_patterns[0]);
#define person_topics cls_person_patterns

static bool masked_cap(const char *name)
{
	return strcmp(name, "user") == 0 || strcmp(name, "device") == 0 ||
	       strcmp(name, "person") == 0 || strcmp(name, "client") == 0;
}

/* Rebuild topic with person captures replaced (mask: masked name, else "+"). */
static char *person_rewrite(const char *topic, size_t tlen, bool mask, bool *hit)
{
	struct cls_cap caps[CLS_MAX_CAPS];
	struct cls_tview v;
	int nc = 0;
	size_t i;

	*hit = false;
	cls_tview_init(&v, topic, tlen);
	const struct cls_pat *pats = cls_person_pats();

	for (i = 0; i < cls_nperson_patterns; i++) {
		nc = 0;
		if (cls_pat_match(pats ? &pats[i] : NULL, person_topics[i], &v, caps, &nc))
			break;
	}
	if (i == cls_nperson_patterns)
		return NULL;
	*hit = true;
	char *out = malloc(tlen * 2 + 64);
	size_t o = 0, pos = 0;

	if (!out)
		return NULL;
	for (int k = 0; k < nc; k++) {   /* captures are in topic order */
		if (!masked_cap(caps[k].name) || caps[k].off < pos)
			continue;
		memcpy(out + o, topic + pos, caps[k].off - pos);
		o += caps[k].off - pos;
		if (mask) {
			char lv[128];
			size_t l = caps[k].len < sizeof(lv) - 1 ? caps[k].len : sizeof(lv) - 1;
			char *m;

			memcpy(lv, topic + caps[k].off, l);
			lv[l] = 0;
			m = cls_mask_name(lv);
			if (m && strlen(m) <= caps[k].len + 8) {
				memcpy(out + o, m, strlen(m));
				o += strlen(m);
			}
			free(m);
		} else {
			out[o++] = '+';
		}
		pos = caps[k].off + caps[k].len;
	}
	memcpy(out + o, topic + pos, tlen - pos);
	o += tlen - pos;
	out[o] = 0;
	return out;
}

static char *copy_topic(const char *topic, size_t tlen)
{
	char *s = malloc(tlen + 1);

	if (s) {
		memcpy(s, topic, tlen);
		s[tlen] = 0;
	}
	return s;
}

/* Generalised filter: the first rule pattern that matches, captures as '+'. */
static char *generalise(const char *topic, size_t tlen)
{
	struct cls_tview v;

	cls_tview_init(&v, topic, tlen);
	for (size_t t = 0; t < cls_ntables; t++) {
		const struct cls_tindex *ix = cls_table_index(t);
		struct cls_iter it;
		size_t i, k = 0;

		if (ix)
			cls_iter_init(&it, ix, v.h0);
		while (ix ? cls_iter_next(&it, &i) : (i = k++) < cls_tables[t]->n) {
			const char *p = cls_tables[t]->rules[i].topic;
			struct cls_cap caps[CLS_MAX_CAPS];
			int nc = 0;

			if (!p || p[0] == '#' || p[0] == '{' || p[0] == '+')
				continue;
			if (cls_pat_match(ix ? &ix->pats[i] : NULL, p, &v, caps, &nc))
				return cls_topic_generalise(p, topic, tlen);
		}
	}
	/* unknown: keep the first level */
	const char *slash = memchr(topic, '/', tlen);
	size_t first = slash ? (size_t)(slash - topic) : tlen;
	size_t levels = 1;
	char *out;

	for (size_t i = 0; i < tlen; i++)
		levels += topic[i] == '/';
	out = malloc(first + levels * 2 + 1);
	if (!out)
		return NULL;
	memcpy(out, topic, first);
	size_t o = first;

	for (size_t i = 1; i < levels; i++) {
		out[o++] = '/';
		out[o++] = '+';
	}
	out[o] = 0;
	return out;
}

static char *minimal_topic(const struct msw_config *cfg, const char *topic, size_t tlen)
{
	char *g = generalise(topic, tlen);
	size_t levels = 1, cap, o;
	char *out;

	if (!g)
		return NULL;
	for (size_t i = 0; i < tlen; i++)
		levels += topic[i] == '/';
	if (levels > CLS_MAX_LEVELS)
		levels = CLS_MAX_LEVELS;
	cap = strlen(g) + 8 + levels * 9 + 2;
	out = malloc(cap);
	if (!out) {
		free(g);
		return NULL;
	}
	o = (size_t)snprintf(out, cap, "%s (h=", g);
	free(g);
	size_t start = 0, k = 0;

	for (size_t i = 0; i <= tlen && k < levels; i++) {
		if (i == tlen || topic[i] == '/') {
			char h[9];

			level_hash(cfg, topic + start, i - start, h);
			o += (size_t)snprintf(out + o, cap - o, "%s%s", k ? "/" : "", h);
			start = i + 1;
			k++;
		}
	}
	snprintf(out + o, cap - o, ")");
	return out;
}

char *cls_topic_for(const struct msw_config *cfg, const char *topic, size_t tlen)
{
	enum msw_evidence ev = cfg ? cfg->evidence : EVIDENCE_REDACTED;
	bool hit;
	char *s;

	if (ev == EVIDENCE_RAW)
		return copy_topic(topic, tlen);
	if (ev == EVIDENCE_MINIMAL)
		return minimal_topic(cfg, topic, tlen);
	s = person_rewrite(topic, tlen, true, &hit);
	return hit ? s : copy_topic(topic, tlen);
}

char *cls_topic_filter(const struct msw_config *cfg, const char *topic, size_t tlen)
{
	enum msw_evidence ev = cfg ? cfg->evidence : EVIDENCE_REDACTED;
	bool hit;
	char *s;

	if (ev == EVIDENCE_RAW)
		return copy_topic(topic, tlen);
	if (ev == EVIDENCE_MINIMAL)
		return generalise(topic, tlen);
	s = person_rewrite(topic, tlen, false, &hit);
	return hit ? s : copy_topic(topic, tlen);
}

char *cls_redact_topic(const struct msw_config *cfg, const uint8_t *topic, size_t tlen)
{
	return cls_topic_for(cfg, (const char *)topic, tlen);
}
