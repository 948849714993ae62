/* The walker itself, as inline functions: base/fields.c instantiates it for
 * fields_walk(); a sink on the hot path (the JSON-lines writer) includes this header and
 * calls fw_walk() with a `static const` visitor, so the compiler can turn the visitor's
 * calls into direct ones. One walker, compiled where it is used. */
#ifndef MSW_FIELDS_WALK_H
#define MSW_FIELDS_WALK_H
#include <string.h>
#include "base/fields.h"

static inline int64_t fw_read_int(const char *p, unsigned size)
{
	switch (size) {
	case 1: return *(const int8_t *)p;
	case 2: return *(const int16_t *)p;
	case 4: return *(const int32_t *)p;
	default: return *(const int64_t *)p;
	}
}

static inline uint64_t fw_read_uint(const char *p, unsigned size)
{
	switch (size) {
	case 1: return *(const uint8_t *)p;
	case 2: return *(const uint16_t *)p;
	case 4: return *(const uint32_t *)p;
	default: return *(const uint64_t *)p;
	}
}

/* The row's value, read at its offset or by its getter; type is f->type (the walker
 * passes it as a constant, so each type's reading is compiled on its own). Absence is only
 * looked at for rows that may be absent (F_OPT, F_NULL). */
static inline __attribute__((always_inline)) void fw_get_t(const void *obj, const struct fdef *f,
							   struct fval *v, enum ftype type)
{
	const char *at = (const char *)obj + f->off;
	bool opt = f->flags & (F_OPT | F_NULL), zero = f->flags & F_ZERO;

	v->t = type;
	v->absent = false;
	v->tbl = f->sub;
	if (f->get) {
		v->s = NULL;
		v->n = 0;
		v->p = NULL;
		f->get(obj, f, v);
		v->absent &= opt;
		return;
	}
	switch (type) {
	case FT_BOOL:
		v->b = *(const bool *)at;
		v->absent = zero && !v->b;
		return;
	case FT_INT:
		v->i = fw_read_int(at, f->size);
		v->absent = zero && !v->i;
		return;
	case FT_UINT:
		v->u = fw_read_uint(at, f->size);
		v->absent = zero && !v->u;
		return;
	case FT_ENUM:
		v->i = *(const int *)at;
		v->absent = zero && !v->i;
		v->s = (const uint8_t *)(v->i >= 0 && v->i < f->enm->n && f->enm->names[v->i]
						 ? f->enm->names[v->i]
						 : f->enm->names[f->enm->fallback]);
		v->n = strlen((const char *)v->s);
		return;
	case FT_WORD:
	case FT_STR: {
		const char *s = *(const char *const *)at;
		v->s = (const uint8_t *)(s ? s : "");
		v->n = s ? strlen(s) : 0;
		v->absent = opt && (!s || (zero && !*s));
		return;
	}
	case FT_BYTES:
	case FT_HEX: {
		const struct mbytes *m = (const struct mbytes *)at;
		v->s = m->p ? m->p : (const uint8_t *)"";
		v->n = m->p ? m->len : 0;
		v->absent = opt && (!m->p || (zero && !m->len));
		return;
	}
	case FT_CHARS:
		v->s = (const uint8_t *)at;
		v->n = strnlen(at, f->size);
		v->absent = zero && !v->n;
		return;
	case FT_BLOCK:
		v->p = at;
		return;
	case FT_PTR:
		v->p = *(const void *const *)at;
		v->absent = opt && !v->p;
		return;
	case FT_LIST:
	case FT_STRLIST:
		v->p = *(const void *const *)at;
		v->n = fw_read_uint((const char *)obj + f->off2, f->size);
		v->absent = zero && !v->n;
		return;
	case FT_REF: {
		const struct fref *r = (const struct fref *)at;
		v->p = r->p;
		v->tbl = r->tbl;
		v->absent = opt && (!r->p || !r->tbl);
		return;
	}
	default:
		v->absent = opt;
	}
}

static inline __attribute__((always_inline)) void fw_get(const void *obj, const struct fdef *f,
							 struct fval *v)
{
	fw_get_t(obj, f, v, (enum ftype)f->type);
}


static inline const void *fw_elem(const struct fval *list, size_t i)
{
	if (list->t == FT_STRLIST)
		return (const struct mbytes *)list->p + i;
	return (const char *)list->p + i * list->tbl->size;
}

static inline bool fw_stop(const struct fvisitor *vis, void *ctx)
{
	return vis->stopped && vis->stopped(ctx);
}

static inline void fw_block(const struct fblock *blk, const void *obj, const struct fvisitor *vis,
		       void *ctx);

static inline enum fnode fw_node(const struct fblock *b)
{
	return b->flags & FB_TUPLE ? FN_TUPLE : FN_OBJECT;
}

/* A tuple's rows (scalars): each value comes as an element (no key). */
static __attribute__((noinline)) void fw_tuple(const struct fblock *blk, const void *obj,
					       const struct fvisitor *vis, void *ctx)
{
	unsigned skip = F_SECRET | (vis->derived ? 0 : F_DERIVED);

	for (const struct fdef *f = blk->f, *end = blk->f + blk->n; f < end; f++) {
		struct fval v;
		if (f->flags & skip)
			continue;
		fw_get(obj, f, &v);
		vis->value(ctx, f, &v, true);
	}
}

static inline void fw_nested(const struct fdef *f, const struct fblock *blk, const void *obj,
			const struct fvisitor *vis, void *ctx, bool elem)
{
	enum fnode k = fw_node(blk);

	vis->open(ctx, f, blk, k, elem);
	if (k == FN_TUPLE)
		fw_tuple(blk, obj, vis, ctx);
	else
		fw_block(blk, obj, vis, ctx);
	vis->close(ctx, f, blk, k);
}

static inline void fw_list(const struct fdef *f, const struct fval *v, const struct fvisitor *vis,
		      void *ctx)
{
	if (f->type == FT_LIST && (f->sub->flags & FB_MAP)) {
		vis->value(ctx, f, v, false);
		return;
	}
	vis->open(ctx, f, f->sub, FN_ARRAY, false);
	for (size_t i = 0; i < v->n && !fw_stop(vis, ctx); i++) {
		if (f->type == FT_LIST) {
			fw_nested(NULL, f->sub, fw_elem(v, i), vis, ctx, true);
			continue;
		}
		struct fval e = {.t = FT_BYTES};
		const struct mbytes *m = fw_elem(v, i);
		e.s = m->p ? m->p : (const uint8_t *)"";
		e.n = m->p ? m->len : 0;
		vis->value(ctx, f, &e, true);
	}
	vis->close(ctx, f, f->sub, FN_ARRAY);
}

/* The record's attached blocks of one slot: a block of its own key, or (FB_TOP) its
 * fields at this level. */
static inline void fw_attached(const struct fval *v, const struct fvisitor *vis, void *ctx)
{
	const struct fref *r = v->p;

	for (size_t i = 0; i < v->n && !fw_stop(vis, ctx); i++) {
		if (!r[i].tbl || !r[i].p)
			continue;
		if (r[i].tbl->flags & FB_TOP)
			fw_block(r[i].tbl, r[i].p, vis, ctx);
		else
			fw_nested(NULL, r[i].tbl, r[i].p, vis, ctx, false);
	}
}

/* One row of a known type: read, then visit (a value, a nested block, a list, or the
 * attached blocks). */
static inline __attribute__((always_inline)) void fw_row(const struct fdef *f, const void *obj,
							 const struct fvisitor *vis, void *ctx,
							 enum ftype type)
{
	struct fval v;

	fw_get_t(obj, f, &v, type);
	if (v.absent) {
		if (f->flags & F_NULL)
			vis->value(ctx, f, &v, false);
		return;
	}
	switch (type) {
	case FT_BLOCKS:
		fw_attached(&v, vis, ctx);
		break;
	case FT_BLOCK:
	case FT_PTR:
	case FT_REF:
		if (f->flags & F_INLINE)
			fw_block(v.tbl, v.p, vis, ctx);
		else
			fw_nested(f, v.tbl, v.p, vis, ctx, false);
		break;
	case FT_LIST:
	case FT_STRLIST:
		fw_list(f, &v, vis, ctx);
		break;
	default:
		vis->value(ctx, f, &v, false);
	}
}

#define FW_ROW(T)                                  \
	case T:                                    \
		fw_row(f, obj, vis, ctx, T);       \
		break

static inline void fw_block(const struct fblock *blk, const void *obj, const struct fvisitor *vis,
		       void *ctx)
{
	unsigned skip = F_SECRET | (vis->derived ? 0 : F_DERIVED);

	/* one case per type: each row's reading and visiting is the code of its type only */
	for (const struct fdef *f = blk->f, *end = blk->f + blk->n; f < end; f++) {
		if (f->flags & skip)
			continue;
		switch (f->type) {
			FW_ROW(FT_BOOL);
			FW_ROW(FT_INT);
			FW_ROW(FT_UINT);
			FW_ROW(FT_WORD);
			FW_ROW(FT_STR);
			FW_ROW(FT_BYTES);
			FW_ROW(FT_CHARS);
			FW_ROW(FT_ENUM);
			FW_ROW(FT_HEX);
			FW_ROW(FT_BLOCK);
			FW_ROW(FT_PTR);
			FW_ROW(FT_LIST);
			FW_ROW(FT_STRLIST);
			FW_ROW(FT_REF);
			FW_ROW(FT_BLOCKS);
		default:
			fw_row(f, obj, vis, ctx, (enum ftype)f->type);
		}
	}
}
#undef FW_ROW

static inline void fw_walk(const struct fblock *blk, const void *obj,
			   const struct fvisitor *vis, void *ctx)
{
	fw_nested(NULL, blk, obj, vis, ctx, false);
}

#endif
