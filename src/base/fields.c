/* The walker over field tables (see fields.h): read a row, visit a block in table order,
 * find a row by path. Nothing here knows a sink; nothing allocates. */
#include "base/fields.h"
#include "base/fields_walk.h"
#include <string.h>

const char *fenum_name(const struct fenum *e, int v)
{
	if (v >= 0 && v < e->n && e->names[v])
		return e->names[v];
	return e->names[e->fallback];
}

int fenum_index(const struct fenum *e, int v)
{
	return v >= 0 && v < e->n && e->names[v] ? v : e->fallback;
}

int fenum_lookup(const struct fenum *e, const char *name)
{
	if (!name)
		return -1;
	for (int i = 0; i < e->n; i++)
		if (e->names[i] && strcmp(e->names[i], name) == 0)
			return i;
	return -1;
}

void fields_get(const void *obj, const struct fdef *f, struct fval *v)
{
	fw_get(obj, f, v);
}

const void *fields_elem(const struct fval *list, size_t i)
{
	if (list->t == FT_STRLIST)
		return (const struct mbytes *)list->p + i;
	return (const char *)list->p + i * list->tbl->size;
}

void fields_map_entry(const struct fval *list, size_t i, struct fval *k, struct fval *val)
{
	const void *e = fields_elem(list, i);

	fields_get(e, &list->tbl->f[0], k);
	fields_get(e, &list->tbl->f[1], val);
}

void fields_walk(const struct fblock *blk, const void *obj, const struct fvisitor *vis,
		 void *ctx)
{
	fw_walk(blk, obj, vis, ctx);
}

/* ---- by path ---- */

static const struct fdef *row_named(const struct fblock *blk, const char *name, size_t n)
{
	for (size_t i = 0; i < blk->n; i++)
		if (strlen(blk->f[i].name) == n && memcmp(blk->f[i].name, name, n) == 0)
			return &blk->f[i];
	return NULL;
}

int fields_find(const struct fblock *blk, const char *path, struct fpath *out)
{
	out->n = 0;
	while (blk && *path && out->n < FPATH_MAX) {
		size_t n = strcspn(path, ".");
		const struct fdef *f = row_named(blk, path, n);

		if (!f)
			break;
		out->f[out->n++] = f;
		path += n;
		if (!*path)
			return out->n;
		path++;
		blk = f->type == FT_BLOCK || f->type == FT_PTR ? f->sub : NULL;
	}
	out->n = 0;
	return 0;
}

void fields_get_path(const void *obj, const struct fpath *p, struct fval *v)
{
	v->absent = true;
	for (int i = 0; obj && i < p->n; i++) {
		fields_get(obj, p->f[i], v);
		if (v->absent)
			return;
		if (i + 1 < p->n)
			obj = v->p;
	}
}
