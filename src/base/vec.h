/* Growable array of fixed-size elements, capped when it is created (dbuf's rule for
 * elements instead of bytes): vec_push past `max` elements fails and leaves the array as
 * it was. Storage is allocated on the first push, `first` elements, then doubles up to the
 * cap, so an array that stays empty costs nothing and a short one little.
 *
 * Elements are addressed by vec_at() (asserts the index in debug builds) or through a
 * typed pointer to .p:   const struct seg *segs = it->segs.p;   ... segs[i] ...
 * Pointers into the array are invalidated by the next push or reserve. */
#ifndef MSW_VEC_H
#define MSW_VEC_H
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "base/err.h"

struct vec {
	void *p;        /* n elements of esz bytes; NULL until the first push */
	uint32_t n;     /* elements in use */
	uint32_t alloc; /* elements allocated */
	uint32_t max;   /* hard cap on n */
	uint16_t esz;   /* element size in bytes */
	uint16_t first; /* elements of the first allocation */
};

/* esz: element size (1..65535); first: first allocation (1..65535); max: the cap. */
static inline void vec_init(struct vec *v, size_t esz, size_t first, size_t max)
{
	assert(esz && esz <= UINT16_MAX && first && first <= UINT16_MAX && max <= UINT32_MAX);
	*v = (struct vec){.esz = (uint16_t)esz, .first = (uint16_t)first, .max = (uint32_t)max};
}

msw_err vec_grow(struct vec *v, size_t k); /* vec_reserve's slow path */

/* Room for k more elements without another allocation: MSW_ERR_TOO_BIG past the cap,
 * MSW_ERR_NOMEM (the array unchanged either way). */
static inline msw_err vec_reserve(struct vec *v, size_t k)
{
	return k <= (size_t)v->alloc - v->n ? MSW_OK : vec_grow(v, k);
}

/* A new zero-filled element at the end; NULL at the cap or out of memory (unchanged). */
static inline void *vec_push(struct vec *v)
{
	if (v->n == v->alloc && vec_grow(v, 1))
		return NULL;
	void *e = (char *)v->p + (size_t)v->n++ * v->esz;
	memset(e, 0, v->esz);
	return e;
}
/* Append k elements copied from src (all or none). */
msw_err vec_append(struct vec *v, const void *src, size_t k);
void vec_clear(struct vec *v); /* n = 0, storage kept */
/* Storage released, n = 0; the array stays usable (same cap). */
static inline void vec_free(struct vec *v)
{
	free(v->p);
	v->p = NULL;
	v->n = v->alloc = 0;
}
/* Hands the storage over (the caller frees it) and empties the array; *n its count. */
void *vec_take(struct vec *v, size_t *n);

static inline void *vec_at(const struct vec *v, size_t i)
{
	assert(i < v->n);
	return (char *)v->p + i * v->esz;
}

static inline void *vec_last(const struct vec *v)
{
	return v->n ? vec_at(v, v->n - 1) : NULL;
}

#endif
