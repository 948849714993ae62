/* A record's field by its dotted path: the envelope's rows, then the attached blocks; or
 * below a parsed record's node (see rpath.h). */
#include "output/rpath.h"
#include <string.h>
#include <cjson/cJSON.h>

bool rpath_init(struct rpath *p, const char *path)
{
	size_t n = path ? strlen(path) : 0;

	memset(p, 0, sizeof(*p));
	if (!n || n >= sizeof(p->path))
		return false;
	memcpy(p->path, path, n + 1);
	p->first = strcspn(p->path, ".");
	fields_find(&record_table, p->path, &p->env);
	return true;
}

static void none(struct fval *v)
{
	v->t = FT_JSON;
	v->absent = true;
	v->p = NULL;
	v->tbl = NULL;
	v->s = NULL;
	v->n = 0;
}

/* The rows of fp from obj down. A scalar's p is left NULL (rval_num tells a JSON number by
 * its node); a secret row reads as absent. */
static void get_rows(const void *obj, const struct fpath *fp, struct fval *v)
{
	none(v);
	for (int i = 0; obj && i < fp->n; i++) {
		const struct fdef *f = fp->f[i];

		if (f->flags & F_SECRET) {
			none(v);
			return;
		}
		v->p = NULL;
		fields_get(obj, f, v);
		if (v->absent)
			return;
		if (i + 1 < fp->n)
			obj = v->p;
		else if ((f->flags & F_TRUNC_NUL) && v->s)
			v->n = strnlen((const char *)v->s, v->n); /* a C string: before a NUL */
	}
}

/* fp for the path (from byte skip on) in tbl: found once per table, then kept. */
static const struct fpath *find_in(struct rpath *p, const struct fblock *tbl, size_t skip)
{
	if (p->tbl != tbl || p->tbl_skip != skip) {
		p->tbl = tbl;
		p->tbl_skip = skip;
		fields_find(tbl, p->path + skip, &p->in);
	}
	return &p->in;
}

/* ---- parsed JSON ---- */

static void from_json(const cJSON *c, struct fval *v)
{
	none(v);
	if (!c || cJSON_IsNull(c) || cJSON_IsInvalid(c))
		return;
	v->absent = false;
	v->p = c;
	if (cJSON_IsString(c)) {
		v->t = FT_STR;
		v->absent = !c->valuestring;
		v->s = (const uint8_t *)(c->valuestring ? c->valuestring : "");
		v->n = c->valuestring ? strlen(c->valuestring) : 0;
	} else if (cJSON_IsNumber(c)) {
		double d = c->valuedouble;

		v->t = FT_INT;
		v->i = d != d ? 0 : d >= 9.2e18 ? INT64_MAX : d <= -9.2e18 ? INT64_MIN : (int64_t)d;
	} else if (cJSON_IsBool(c)) {
		v->t = FT_BOOL;
		v->b = cJSON_IsTrue(c);
	}
}

/* The member named k[0..n) of an object, else NULL. The JSON writes a string that is not
 * valid UTF-8 as "<name>_b64", so the first member of that name whose value is not such a
 * string is the one the JSON shows under the name; only when there is none, the first
 * such string (its bytes: rval_b64_bytes). */
static const cJSON *member(const cJSON *o, const char *k, size_t n)
{
	const cJSON *b64 = NULL;

	if (!cJSON_IsObject(o))
		return NULL;
	for (const cJSON *c = o->child; c; c = c->next) {
		if (!c->string || strncmp(c->string, k, n) != 0 || c->string[n])
			continue;
		if (!cJSON_IsString(c) || !c->valuestring ||
		    utf8_valid((const uint8_t *)c->valuestring, strlen(c->valuestring)))
			return c;
		if (!b64)
			b64 = c;
	}
	return b64;
}

static const cJSON *json_find(const cJSON *o, const char *path)
{
	for (;;) {
		size_t n = strcspn(path, ".");

		o = member(o, path, n);
		if (!o || !path[n])
			return o;
		path += n + 1;
	}
}

static void json_path(const cJSON *o, const char *path, struct fval *v)
{
	from_json(json_find(o, path), v);
}

/* ---- attached blocks ---- */

/* The blocks of one slot (or, tail false, those before the tail). */
static bool in_blocks(const struct msw_record *r, struct rpath *p, struct fval *v, bool tail)
{
	for (size_t i = 0; i < r->nblocks; i++) {
		const struct fref *b = &r->blocks[i];
		size_t skip = 0;

		if (!b->tbl || !b->p || (b->tbl->slot == RB_SLOT_TAIL) != tail)
			continue;
		if (!(b->tbl->flags & FB_TOP)) {
			if (!b->tbl->name || strncmp(b->tbl->name, p->path, p->first) != 0 ||
			    b->tbl->name[p->first])
				continue;
			if (!p->path[p->first]) { /* the block itself */
				none(v);
				v->t = FT_BLOCK;
				v->absent = false;
				v->p = b->p;
				v->tbl = b->tbl;
				return true;
			}
			skip = p->first + 1;
		}
		const struct fpath *fp = find_in(p, b->tbl, skip);
		if (fp->n) {
			get_rows(b->p, fp, v);
			return true;
		}
	}
	return false;
}

void rpath_get(const struct msw_record *r, struct rpath *p, struct fval *v)
{
	if (p->env.n) {
		get_rows(r, &p->env, v);
		return;
	}
	/* in the JSON's order: the layers' blocks, then the tail's (a name written twice
	 * reads as its first) */
	if (r->nblocks && (in_blocks(r, p, v, false) || in_blocks(r, p, v, true)))
		return;
	none(v);
}

void rpath_get_in(const struct fval *node, struct rpath *p, struct fval *v)
{
	if (node->absent) {
		none(v);
		return;
	}
	switch (node->t) {
	case FT_BLOCK:
	case FT_PTR:
	case FT_REF:
		if (node->p && node->tbl) {
			const struct fpath *fp = find_in(p, node->tbl, 0);
			if (fp->n) {
				get_rows(node->p, fp, v);
				return;
			}
		}
		break;
	case FT_JSON:
		json_path(node->p, p->path, v);
		return;
	default:
		break;
	}
	none(v);
}

/* ---- lists ---- */

size_t rpath_len(const struct fval *list)
{
	size_t n = 0;

	if (list->absent)
		return 0;
	if (list->t == FT_LIST || list->t == FT_STRLIST)
		return list->n;
	if (list->t != FT_JSON || !list->p)
		return 0;
	for (const cJSON *c = ((const cJSON *)list->p)->child; c; c = c->next)
		n++;
	return n;
}

void rpath_elem(const struct fval *list, size_t i, struct fval *e)
{
	none(e);
	if (list->t == FT_LIST) {
		e->t = FT_BLOCK;
		e->absent = false;
		e->p = fields_elem(list, i);
		e->tbl = list->tbl;
	} else if (list->t == FT_STRLIST) {
		const struct mbytes *m = fields_elem(list, i);

		e->t = FT_BYTES;
		e->absent = false;
		e->s = m->p ? m->p : (const uint8_t *)"";
		e->n = m->p ? m->len : 0;
	} else if (list->t == FT_JSON && list->p) {
		const cJSON *c = ((const cJSON *)list->p)->child;

		while (c && i--)
			c = c->next;
		from_json(c, e);
	}
}

bool rval_is_list(const struct fval *v)
{
	if (v->absent)
		return false;
	return v->t == FT_LIST || v->t == FT_STRLIST || (v->t == FT_JSON && cJSON_IsArray(v->p));
}

/* ---- values as the JSON has them ---- */

static bool peer_text(const struct fval *v)
{
	return !v->absent && (v->t == FT_STR || v->t == FT_BYTES || v->t == FT_CHARS);
}

bool rval_text(const struct fval *v, const uint8_t **s, size_t *n)
{
	if (v->absent)
		return false;
	if (v->t == FT_WORD || v->t == FT_ENUM || (peer_text(v) && fields_text_ok(v->s, v->n))) {
		*s = v->s;
		*n = v->n;
		return true;
	}
	return false;
}

bool rval_b64_bytes(const struct fval *v, const uint8_t **s, size_t *n)
{
	if (!peer_text(v) || fields_text_ok(v->s, v->n))
		return false;
	*s = v->s;
	*n = v->n;
	return true;
}

bool rval_num(const struct fval *v, double *d)
{
	if (v->absent)
		return false;
	switch (v->t) {
	case FT_BOOL:
		*d = v->b ? 1 : 0;
		return true;
	case FT_INT:
		*d = v->p ? ((const cJSON *)v->p)->valuedouble : (double)v->i;
		return true;
	case FT_UINT:
		*d = (double)v->u;
		return true;
	default:
		return false;
	}
}
