/* What the terminal summary (text.c, text_findings.c) reads of a record, the same way
 * whether it has the record itself (read through the field tables, rpath) or a parsed
 * record (a cJSON tree: a record that held a configured secret, or one from a database).
 * A node is the record's top level (r set) or a value below it (v: a block, a list
 * element, or a JSON node; the tree's root is an FT_JSON value). Texts come back as
 * NUL-terminated copies kept in the scratch list until tscratch_free(), so callers use
 * them as C strings; a text the JSON writes as "<name>_b64" reads as absent, as jstr()
 * reads it from the tree. */
#ifndef MSW_TEXT_NODE_H
#define MSW_TEXT_NODE_H
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "base/record.h"
#include "output/rpath.h"

struct tscratch {
	char **p;
	size_t n, cap;
};

struct tnode {
	const struct msw_record *r; /* the record's top level, else NULL and v */
	struct fval v;
	struct tscratch *sc;
};

static inline void tscratch_free(struct tscratch *sc)
{
	for (size_t i = 0; i < sc->n; i++)
		free(sc->p[i]);
	free(sc->p);
	sc->p = NULL;
	sc->n = sc->cap = 0;
}

/* The top of a parsed record. */
static inline struct tnode tnode_tree(const cJSON *root, struct tscratch *sc)
{
	struct tnode n = {.sc = sc};

	n.v.t = FT_JSON;
	n.v.p = root;
	n.v.absent = !root;
	return n;
}

static inline struct tnode tnode_record(const struct msw_record *r, struct tscratch *sc)
{
	struct tnode n = {.r = r, .sc = sc};

	n.v.absent = !r;
	return n;
}

#define TN_PATHS 64 /* prepared paths kept per thread (and per file that reads) */

/* The prepared rpath of a path given as a string literal (its address is the key): resolving
 * a path in the tables costs more than reading the field, so each is prepared once per
 * thread. NULL: not a path. */
static inline struct rpath *tn_path(const char *path, struct rpath *spare)
{
	static _Thread_local struct {
		const char *key;
		struct rpath p;
		bool ok;
	} cache[TN_PATHS];
	static _Thread_local size_t used;

	for (size_t i = 0; i < used; i++)
		if (cache[i].key == path)
			return cache[i].ok ? &cache[i].p : NULL;
	if (used == TN_PATHS)
		return rpath_init(spare, path) ? spare : NULL;
	cache[used].key = path;
	cache[used].ok = rpath_init(&cache[used].p, path);
	return cache[used++].ok ? &cache[used - 1].p : NULL;
}

/* The value at a dotted path (a string literal) below n (absent when there is none). */
static inline void tn_get(const struct tnode *n, const char *path, struct fval *v)
{
	struct rpath spare, *p = NULL;

	if (!n || (!n->r && n->v.absent) || !(p = tn_path(path, &spare))) {
		memset(v, 0, sizeof(*v));
		v->t = FT_JSON;
		v->absent = true;
		return;
	}
	if (n->r)
		rpath_get(n->r, p, v);
	else
		rpath_get_in(&n->v, p, v);
}

/* A value's text as a C string (a copy in the scratch list), else NULL. */
static inline const char *tv_str(struct tscratch *sc, const struct fval *v)
{
	const uint8_t *s;
	size_t n;
	char *c;

	if (!rval_text(v, &s, &n))
		return NULL;
	if (sc->n == sc->cap) {
		size_t cap = sc->cap ? sc->cap * 2 : 16;
		char **p = realloc(sc->p, cap * sizeof(*p));

		if (!p)
			return NULL;
		sc->p = p;
		sc->cap = cap;
	}
	c = malloc(n + 1);
	if (!c)
		return NULL;
	memcpy(c, s, n);
	c[n] = '\0';
	sc->p[sc->n++] = c;
	return c;
}

/* jstr(): the text at path, else NULL. */
static inline const char *tn_str(const struct tnode *n, const char *path)
{
	struct fval v;

	tn_get(n, path, &v);
	return tv_str(n->sc, &v);
}

/* jnum(): the number at path, else dflt (a boolean is not a number). */
static inline double tn_num(const struct tnode *n, const char *path, double dflt)
{
	struct fval v;
	double d;

	tn_get(n, path, &v);
	if (v.absent || v.t == FT_BOOL || !rval_num(&v, &d))
		return dflt;
	return d;
}

/* jbool(): true only for a true boolean. */
static inline bool tn_bool(const struct tnode *n, const char *path)
{
	struct fval v;

	tn_get(n, path, &v);
	return !v.absent && v.t == FT_BOOL && v.b;
}

/* The node at path (absent when there is none). */
static inline struct tnode tn_sub(const struct tnode *n, const char *path)
{
	struct tnode s = {.sc = n->sc};

	tn_get(n, path, &s.v);
	return s;
}

/* Children of a node (a list's elements, a JSON object's members): as
 * cJSON_GetArraySize() counts them. */
static inline size_t tn_len(const struct tnode *n)
{
	return n->r ? 0 : rpath_len(&n->v);
}

static inline struct tnode tn_elem(const struct tnode *n, size_t i)
{
	struct tnode e = {.sc = n->sc};

	rpath_elem(&n->v, i, &e.v);
	return e;
}

#endif
