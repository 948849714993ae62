#include "base/vec.h"
#include <stdlib.h>

msw_err vec_grow(struct vec *v, size_t k)
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


void *vec_take(struct vec *v, size_t *n)
{
	void *p = v->p;
	if (n)
		*n = v->n;
	v->p = NULL;
	v->n = v->alloc = 0;
	return p;
}
