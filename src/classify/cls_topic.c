/* Topic patterns. A pattern is an MQTT filter whose levels may also be named captures:
 *   {user}          one level, captured as "user"
 *   {id:shelly*}    one level matching a glob (alternatives with |), captured
 *   +               one level
 *   # or {*rest}    zero or more levels (one per pattern; it may stand anywhere)
 * Matching is linear: the levels before the multi-level wildcard match the topic's first
 * levels, the ones after it its last levels. Globs are case-insensitive, * and ?, with the
 * usual single-backtrack algorithm (no recursion). Topics starting with '$' only match
 * patterns that start with the same literal (MQTT §4.7.2). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "classify/cls_int.h"

bool cls_glob(const char *pat, size_t plen, const char *s, size_t slen)
{
	size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;

	while (si < slen) {
		if (pi < plen && (pat[pi] == '?' ||
				  tolower((unsigned char)pat[pi]) == tolower((unsigned char)s[si]))) {
			pi++;
			si++;
		} else if (pi < plen && pat[pi] == '*') {
			star = pi++;
			mark = si;
		} else if (star != (size_t)-1) {
			pi = star + 1;
			si = ++mark;
		} else {
			return false;
		}
	}
	while (pi < plen && pat[pi] == '*')
		pi++;
	return pi == plen;
}

bool cls_glob_alt(const char *alts, const char *s, size_t slen)
{
	const char *p = alts;

	for (;;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (cls_glob(p, len, s, slen))
			return true;
		if (!bar)
			return false;
		p = bar + 1;
	}
}

struct lv {
	size_t off, len;
};

static int split(const char *s, size_t n, struct lv *out, int max)
{
	int k = 0;
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '/') {
			if (k == max)
				return -1;
			out[k].off = start;
			out[k].len = i - start;
			k++;
			start = i + 1;
		}
	}
	return k;
}

static bool is_multi(const char *p, const struct lv *l)
{
	return (l->len == 1 && p[l->off] == '#') || (l->len >= 3 && p[l->off] == '{' && p[l->off + 1] == '*');
}

static void add_cap(const char *name, size_t nlen, size_t off, size_t len,
		    struct cls_cap *caps, int *ncaps)
{
	if (!nlen || *ncaps >= CLS_MAX_CAPS)
		return;
	if (nlen >= sizeof(caps[0].name))
		nlen = sizeof(caps[0].name) - 1;
	memcpy(caps[*ncaps].name, name, nlen);
	caps[*ncaps].name[nlen] = 0;
	caps[*ncaps].off = off;
	caps[*ncaps].len = len;
	(*ncaps)++;
}

/* One pattern level against one topic level. */
static bool level_match(const char *p, const struct lv *pl, const char *t, const struct lv *tl,
			struct cls_cap *caps, int *ncaps)
{
	const char *s = p + pl->off;

	if (pl->len == 1 && s[0] == '+')
		return true;
	if (pl->len >= 2 && s[0] == '{' && s[pl->len - 1] == '}') {
		const char *inner = s + 1;
		size_t ilen = pl->len - 2;
		const char *colon = memchr(inner, ':', ilen);
		size_t nlen = colon ? (size_t)(colon - inner) : ilen;

		if (colon) {
			char g[128];
			size_t gl = ilen - nlen - 1;

			if (gl >= sizeof(g))
				return false;
			memcpy(g, colon + 1, gl);
			g[gl] = 0;
			if (!cls_glob_alt(g, t + tl->off, tl->len))
				return false;
		}
		add_cap(inner, nlen, tl->off, tl->len, caps, ncaps);
		return true;
	}
	return pl->len == tl->len && memcmp(s, t + tl->off, tl->len) == 0;
}

static bool match_levels(const char *p, const struct lv *pl, int np, const char *t,
			 const struct lv *tl, int nt, struct cls_cap *caps, int *ncaps)
{
	int multi = -1;

	for (int i = 0; i < np; i++)
		if (is_multi(p, &pl[i])) {
			multi = i;
			break;
		}
	if (multi < 0) {
		if (np != nt)
			return false;
		for (int i = 0; i < np; i++)
			if (!level_match(p, &pl[i], t, &tl[i], caps, ncaps))
				return false;
		return true;
	}
	int after = np - multi - 1;

	if (nt < multi + after)
		return false;
	for (int i = 0; i < multi; i++)
		if (!level_match(p, &pl[i], t, &tl[i], caps, ncaps))
			return false;
	for (int i = 0; i < after; i++)
		if (!level_match(p, &pl[multi + 1 + i], t, &tl[nt - after + i], caps, ncaps))
			return false;
	if (p[pl[multi].off] == '{') {
		int first = multi, last = nt - after;   /* [first, last) */
		size_t off = first < last ? tl[first].off : (first < nt ? tl[first].off : 0);
		size_t end = first < last ? tl[last - 1].off + tl[last - 1].len : off;

		add_cap(p + pl[multi].off + 2, pl[multi].len - 3, off, end - off, caps, ncaps);
	}
	return true;
}

static bool literal_level(const char *s, size_t n)
{
	return n && s[0] != '{' && !(n == 1 && (s[0] == '+' || s[0] == '#'));
}

/* Cheap reject before splitting: a literal first or last pattern level must equal the
 * topic's (most rules start with a literal such as "owntracks" or end with "config"). */
static bool quick_reject(const char *pattern, const char *topic, size_t tlen)
{
	size_t pn = strlen(pattern);
	size_t p0 = strcspn(pattern, "/");
	const char *ts = memchr(topic, '/', tlen);
	size_t t0 = ts ? (size_t)(ts - topic) : tlen;
	const char *pe = strrchr(pattern, '/');
	const char *te;

	if (literal_level(pattern, p0) && (p0 != t0 || memcmp(pattern, topic, p0) != 0))
		return true;
	if (!pe)
		return false;
	pe++;
	te = topic + tlen;
	while (te > topic && te[-1] != '/')
		te--;
	return literal_level(pe, pn - (size_t)(pe - pattern)) &&
	       (pn - (size_t)(pe - pattern) != (size_t)(topic + tlen - te) || memcmp(pe, te, (size_t)(topic + tlen - te)) != 0);
}

bool cls_topic_match(const char *pattern, const char *topic, size_t tlen,
		     struct cls_cap *caps, int *ncaps)
{
	struct lv pl[CLS_MAX_LEVELS], tl[CLS_MAX_LEVELS];
	int np, nt, saved = *ncaps;

	if (!pattern)
		return true;
	if (tlen && topic[0] == '$' && pattern[0] != '$')
		return false;
	if (quick_reject(pattern, topic, tlen))
		return false;
	np = split(pattern, strlen(pattern), pl, CLS_MAX_LEVELS);
	nt = split(topic, tlen, tl, CLS_MAX_LEVELS);
	if (np < 0 || nt < 0)
		return false;
	if (!match_levels(pattern, pl, np, topic, tl, nt, caps, ncaps)) {
		*ncaps = saved;
		return false;
	}
	return true;
}

char *cls_topic_generalise(const char *pattern, const char *topic, size_t tlen)
{
	struct lv pl[CLS_MAX_LEVELS], tl[CLS_MAX_LEVELS];
	struct cls_cap caps[CLS_MAX_CAPS];
	int np, nt, nc = 0;
	char *out;
	size_t o = 0;

	np = split(pattern, strlen(pattern), pl, CLS_MAX_LEVELS);
	nt = split(topic, tlen, tl, CLS_MAX_LEVELS);
	if (np < 0 || nt < 0 || !match_levels(pattern, pl, np, topic, tl, nt, caps, &nc))
		return NULL;
	out = malloc(strlen(pattern) + 2);
	if (!out)
		return NULL;
	for (int i = 0; i < np; i++) {
		const char *s = pattern + pl[i].off;
		bool literal = !(pl[i].len && (s[0] == '{' || s[0] == '+' || s[0] == '#'));

		if (i)
			out[o++] = '/';
		if (is_multi(pattern, &pl[i])) {
			out[o++] = '#';
		} else if (literal) {
			memcpy(out + o, s, pl[i].len);
			o += pl[i].len;
		} else {
			out[o++] = '+';
		}
	}
	out[o] = 0;
	return out;
}
