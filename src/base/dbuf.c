#include "base/dbuf.h"
#include <stdlib.h>
#include <string.h>

void dbuf_init(struct dbuf *b, size_t max)
{
	b->p = NULL;
	b->len = b->alloc = 0;
	b->max = max;
}

msw_err dbuf_reserve(struct dbuf *b, size_t n)
{
	if (n > b->max - b->len)
		return MSW_ERR_TOO_BIG;
	size_t need = b->len + n;
	if (need <= b->alloc)
		return MSW_OK;
	size_t na = b->alloc ? b->alloc : 256;
	while (na < need)
		na = na > b->max / 2 ? b->max : na * 2;
	if (na > b->max)
		na = b->max;
	uint8_t *np = realloc(b->p, na ? na : 1);
	if (!np)
		return MSW_ERR_NOMEM;
	b->p = np;
	b->alloc = na;
	return MSW_OK;
}

msw_err dbuf_append(struct dbuf *b, const void *data, size_t n)
{
	if (!n)
		return MSW_OK;
	msw_err rc = dbuf_reserve(b, n);
	if (rc)
		return rc;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return MSW_OK;
}

void dbuf_consume(struct dbuf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
		return;
	}
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

void dbuf_reset(struct dbuf *b) { b->len = 0; }

void dbuf_free(struct dbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->alloc = 0;
}
