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
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base/hash.h"
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

#define lv cls_level

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

static uint32_t level_hash(const char *s, size_t n);

void cls_tview_init(struct cls_tview *v, const char *topic, size_t tlen)
{
	v->t = topic;
	v->n = tlen;
	v->nl = split(topic, tlen, v->l, CLS_MAX_LEVELS);
	v->h0 = v->nl > 0 ? level_hash(topic, v->l[0].len) : 0;
}

/* Cheap reject before splitting the pattern: a literal first or last pattern level must
 * equal the topic's (most rules start with a literal such as "owntracks" or end with
 * "config"). */
static bool quick_reject(const char *pattern, const struct cls_tview *v)
{
	size_t p0 = strcspn(pattern, "/");
	const struct lv *f = &v->l[0], *l = &v->l[v->nl - 1];
	const char *pe;
	size_t pel;

	if (literal_level(pattern, p0) && (p0 != f->len || memcmp(pattern, v->t, p0) != 0))
		return true;
	if (!pattern[p0])
		return false;
	pe = strrchr(pattern, '/') + 1;
	pel = strlen(pe);
	return literal_level(pe, pel) && (pel != l->len || memcmp(pe, v->t + l->off, pel) != 0);
}

/* Rule patterns are constant: each is split once, at first use, into read-only arrays
 * parallel to the rule tables (and one for the redaction patterns), with a hash of a literal
 * first level so most rules are rejected by one integer compare. A pattern with more than
 * CLS_PAT_LEVELS levels, or any pattern when the arrays could not be allocated, is split
 * per call (same result, slower). */
static struct cls_pat **pat_tables;   /* [cls_ntables] */
static struct cls_tindex *pat_index;  /* [cls_ntables] */
static struct cls_pat *pat_person;    /* [cls_nperson_patterns] */
static pthread_once_t pat_once = PTHREAD_ONCE_INIT;

static uint32_t level_hash(const char *s, size_t n)
{
	return fnv1a32(s, n, FNV32_INIT);
}

static void pat_compile(struct cls_pat *cp, const char *p)
{
	int np;

	memset(cp, 0, sizeof(*cp));
	cp->np = -1;
	if (!p)
		return;
	np = split(p, strlen(p), cp->l, CLS_PAT_LEVELS);
	if (np <= 0)
		return;
	cp->p = p;
	cp->np = np;
	cp->lit0 = literal_level(p + cp->l[0].off, cp->l[0].len);
	cp->litn = np > 1 && literal_level(p + cp->l[np - 1].off, cp->l[np - 1].len);
	cp->h0 = level_hash(p + cp->l[0].off, cp->l[0].len);
}

static struct cls_pat *pat_array(const char *(*get)(size_t, size_t), size_t t, size_t n)
{
	struct cls_pat *a = calloc(n ? n : 1, sizeof(*a));

	if (a)
		for (size_t i = 0; i < n; i++)
			pat_compile(&a[i], get(t, i));
	return a;
}

static const char *rule_pattern(size_t t, size_t i)
{
	return cls_tables[t]->rules[i].topic;
}

static const char *person_pattern(size_t t, size_t i)
{
	(void)t;
	return cls_person_patterns[i];
}

/* Bucket lists of one table (see cls_tindex); false when out of memory or too many rules. */
static bool index_build(struct cls_tindex *ix, const struct cls_pat *pats, size_t n)
{
	uint16_t *wild = calloc(n ? n : 1, sizeof(uint16_t));
	uint16_t *order = calloc(n ? n : 1, sizeof(uint16_t));
	uint32_t fill[CLS_BUCKETS] = { 0 };

	if (!wild || !order || n > UINT16_MAX) {
		free(wild);
		free(order);
		return false;
	}
	memset(ix, 0, sizeof(*ix));
	for (size_t i = 0; i < n; i++)
		if (pats[i].lit0)
			ix->boff[pats[i].h0 % CLS_BUCKETS + 1]++;
		else
			wild[ix->nwild++] = (uint16_t)i;
	for (size_t b = 0; b < CLS_BUCKETS; b++)
		ix->boff[b + 1] += ix->boff[b];
	for (size_t i = 0; i < n; i++)
		if (pats[i].lit0) {
			size_t b = pats[i].h0 % CLS_BUCKETS;

			order[ix->boff[b] + fill[b]++] = (uint16_t)i;
		}
	ix->pats = pats;
	ix->wild = wild;
	ix->order = order;
	return true;
}

static void pat_init(void)
{
	struct cls_pat **tabs = calloc(cls_ntables, sizeof(*tabs));
	struct cls_tindex *ix = calloc(cls_ntables, sizeof(*ix));
	size_t t;

	if (!tabs || !ix)
		goto fail;
	for (t = 0; t < cls_ntables; t++) {
		tabs[t] = pat_array(rule_pattern, t, cls_tables[t]->n);
		if (!tabs[t] || !index_build(&ix[t], tabs[t], cls_tables[t]->n))
			goto fail;
	}
	pat_person = pat_array(person_pattern, 0, cls_nperson_patterns);
	pat_tables = tabs;
	pat_index = ix;
	return;
fail:   /* nothing compiled: every match takes the slow way */
	for (t = 0; tabs && ix && t < cls_ntables; t++) {
		free(tabs[t]);
		free((void *)ix[t].wild);
		free((void *)ix[t].order);
	}
	free(tabs);
	free(ix);
}

void cls_iter_init(struct cls_iter *it, const struct cls_tindex *ix, uint32_t h0)
{
	size_t b = h0 % CLS_BUCKETS;

	it->a = ix->wild;
	it->ae = ix->wild + ix->nwild;
	it->c = ix->order + ix->boff[b];
	it->ce = ix->order + ix->boff[b + 1];
}

bool cls_iter_next(struct cls_iter *it, size_t *i)
{
	if (it->a == it->ae && it->c == it->ce)
		return false;
	*i = (it->c == it->ce || (it->a < it->ae && *it->a < *it->c)) ? *it->a++ : *it->c++;
	return true;
}

const struct cls_tindex *cls_table_index(size_t t)
{
	pthread_once(&pat_once, pat_init);
	return pat_index && t < cls_ntables ? &pat_index[t] : NULL;
}

const struct cls_pat *cls_table_pats(size_t t)
{
	pthread_once(&pat_once, pat_init);
	return pat_tables && t < cls_ntables ? pat_tables[t] : NULL;
}

const struct cls_pat *cls_person_pats(void)
{
	pthread_once(&pat_once, pat_init);
	return pat_person;
}

static bool level_eq(const char *p, const struct lv *pl, const struct cls_tview *v, int k)
{
	return pl->len == v->l[k].len && memcmp(p + pl->off, v->t + v->l[k].off, pl->len) == 0;
}

static bool match_compiled(const struct cls_pat *cp, const struct cls_tview *v,
			   struct cls_cap *caps, int *ncaps)
{
	if (cp->lit0 && (cp->h0 != v->h0 || !level_eq(cp->p, &cp->l[0], v, 0)))
		return false;
	if (cp->litn && !level_eq(cp->p, &cp->l[cp->np - 1], v, v->nl - 1))
		return false;
	return match_levels(cp->p, cp->l, cp->np, v->t, v->l, v->nl, caps, ncaps);
}

bool cls_pat_match(const struct cls_pat *cp, const char *pattern, const struct cls_tview *v,
		   struct cls_cap *caps, int *ncaps)
{
	struct lv pl[CLS_MAX_LEVELS];
	int np, saved = *ncaps;
	bool ok;

	if (!pattern)
		return true;
	if (v->nl <= 0)
		return false;
	if (cp && cp->lit0 && cp->h0 != v->h0)
		return false;     /* the common case: another ecosystem's rule */
	if (v->n && v->t[0] == '$' && pattern[0] != '$')
		return false;
	if (cp && cp->np > 0) {
		ok = match_compiled(cp, v, caps, ncaps);
	} else {
		if (quick_reject(pattern, v))
			return false;
		np = split(pattern, strlen(pattern), pl, CLS_MAX_LEVELS);
		ok = np >= 0 && match_levels(pattern, pl, np, v->t, v->l, v->nl, caps, ncaps);
	}
	if (!ok)
		*ncaps = saved;
	return ok;
}

bool cls_topic_match_view(const char *pattern, const struct cls_tview *v,
			  struct cls_cap *caps, int *ncaps)
{
	return cls_pat_match(NULL, pattern, v, caps, ncaps);
}

bool cls_topic_match(const char *pattern, const char *topic, size_t tlen,
		     struct cls_cap *caps, int *ncaps)
{
	struct cls_tview v;

	if (!pattern)
		return true;
	cls_tview_init(&v, topic, tlen);
	return cls_topic_match_view(pattern, &v, caps, ncaps);
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
