/* Capped dynamic buffer (after curl's dynbuf): the maximum size is fixed when the
 * buffer is created; an append past it fails with MSW_ERR_TOO_BIG and leaves the
 * buffer unchanged. Storage grows geometrically up to the cap, allocated lazily. */
#ifndef MSW_DBUF_H
#define MSW_DBUF_H
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"

struct dbuf {
	uint8_t *p;
	size_t len;   /* bytes used */
	size_t alloc; /* bytes allocated */
	size_t max;   /* hard cap */
};

void dbuf_init(struct dbuf *b, size_t max);
msw_err dbuf_append(struct dbuf *b, const void *data, size_t n);
msw_err dbuf_reserve(struct dbuf *b, size_t n); /* ensure n more bytes fit (<= max) */
void dbuf_consume(struct dbuf *b, size_t n);     /* drop n bytes from the front */
void dbuf_reset(struct dbuf *b);                 /* len = 0, keep storage */
void dbuf_free(struct dbuf *b);                  /* release storage */
static inline size_t dbuf_room(const struct dbuf *b) { return b->max - b->len; }

#endif
