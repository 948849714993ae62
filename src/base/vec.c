#include "base/vec.h"
#include <stdlib.h>
#include <string.h>

void vec_init(struct vec *v, size_t esz, size_t first, size_t max)
{
	assert(esz && esz <= UINT16_MAX && max <= UINT32_MAX);
	if (first > UINT16_MAX)
		first = UINT16_MAX;
	*v = (struct vec){.esz = (uint16_t)esz, .first = (uint16_t)(first ? first : 1),
			  .max = (uint32_t)max};
}

msw_err vec_reserve(struct vec *v, size_t k)
{
	if (k > (size_t)v->max - v->n)
		return MSW_ERR_TOO_BIG;
	size_t need = v->n + k;
	if (need <= v->alloc)
		return MSW_OK;
	size_t na = v->alloc ? v->alloc : v->first;
	while (na < need)
		na *= 2;
	if (na > v->max)
		na = v->max;
	void *np = realloc(v->p, na * v->esz);
	if (!np)
		return MSW_ERR_NOMEM;
	v->p = np;
	v->alloc = (uint32_t)na;
	return MSW_OK;
}

void *vec_push(struct vec *v)
{
	if (v->n == v->alloc && vec_reserve(v, 1))
		return NULL;
	void *e = (char *)v->p + (size_t)v->n++ * v->esz;
	memset(e, 0, v->esz);
	return e;
}

msw_err vec_append(struct vec *v, const void *src, size_t k)
{
	msw_err rc = vec_reserve(v, k);
	if (rc)
		return rc;
	if (k)
		memcpy((char *)v->p + (size_t)v->n * v->esz, src, k * v->esz);
	v->n += (uint32_t)k;
	return MSW_OK;
}

void vec_clear(struct vec *v) { v->n = 0; }

void vec_free(struct vec *v)
{
	free(v->p);
	v->p = NULL;
	v->n = v->alloc = 0;
}

void *vec_take(struct vec *v, size_t *n)
{
	void *p = v->p;
	if (n)
		*n = v->n;
	v->p = NULL;
	v->n = v->alloc = 0;
	return p;
}
