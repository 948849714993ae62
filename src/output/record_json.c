/* A record's JSON text: a visitor of the field-table walker (base/fields.h) that writes
 * compact JSON into a capped buffer.
 *
 * Rows come in table order; keys are the rows' precomputed `"name":` texts; text that is
 * valid UTF-8 without NUL is written as a string (printable ASCII copied in one pass),
 * anything else as "<name>_b64" (or {"b64": ...} in a list); vocabulary words are copied
 * as they are. The bytes are those jsonw_append(record_to_json(r)) writes (the cJSON
 * tree, kept as the reference: tests/unit/test_record_text.c and fuzz_output compare
 * the two byte for byte).
 *
 * Errors (the buffer's cap, out of memory) leave the buffer as it was. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output/jsonw.h"
#include "base/fields_walk.h"
#include "output/record.h"

struct jt {
	struct dbuf *b;
	msw_err rc;
	bool first; /* no member written yet at the current level */
	int depth;  /* objects and arrays open: 1 while writing the top level's members */
	const char *tool_version;
};

/* Up to 16 bytes without a call: two overlapping fixed-size copies. */
static inline void copy_small(uint8_t *d, const char *p, size_t n)
{
	if (n >= 8) {
		memcpy(d, p, 8);
		memcpy(d + n - 8, p + n - 8, 8);
	} else if (n >= 4) {
		memcpy(d, p, 4);
		memcpy(d + n - 4, p + n - 4, 4);
	} else {
		for (size_t i = 0; i < n; i++)
			d[i] = (uint8_t)p[i];
	}
}

static inline void raw(struct jt *t, const char *p, size_t n)
{
	struct dbuf *b = t->b;
	if (b->alloc - b->len >= n) { /* the usual case: room reserved at the start */
		if (n <= 16)
			copy_small(b->p + b->len, p, n);
		else
			memcpy(b->p + b->len, p, n);
		b->len += n;
	} else if (!t->rc) {
		t->rc = jsonw_raw(b, p, n);
	}
}

static void str_n(struct jt *t, const void *p, size_t n)
{
	if (!t->rc)
		t->rc = jsonw_string_n(t->b, p, n);
}

static void str(struct jt *t, const char *s)
{
	if (!t->rc)
		t->rc = jsonw_string(t->b, s);
}

static inline __attribute__((always_inline)) void plain_n(struct jt *t, const char *s, size_t n)
{
	struct dbuf *b = t->b;
	if (b->alloc - b->len < n + 2) {
		raw(t, "\"", 1);
		raw(t, s, n);
		raw(t, "\"", 1);
		return;
	}
	b->p[b->len] = '"';
	if (n <= 16)
		copy_small(b->p + b->len + 1, s, n);
	else
		memcpy(b->p + b->len + 1, s, n);
	b->p[b->len + 1 + n] = '"';
	b->len += n + 2;
}

static void inum(struct jt *t, int64_t v)
{
	if (!t->rc)
		t->rc = jsonw_int(t->b, v);
}

static void unum(struct jt *t, uint64_t v)
{
	if (!t->rc)
		t->rc = jsonw_uint(t->b, v);
}

static void sep(struct jt *t)
{
	if (!t->first)
		raw(t, ",", 1);
	t->first = false;
}

static void open_(struct jt *t, const char *c)
{
	raw(t, c, 1);
	t->first = true;
	t->depth++;
}

static void close_(struct jt *t, const char *c)
{
	raw(t, c, 1);
	t->first = false;
	t->depth--;
}

/* A member's key: a row's precomputed `"name":` text (or `"name_b64":`). */
static inline __attribute__((always_inline)) void key_as(struct jt *t, const char *text,
							      size_t n)
{
	struct dbuf *b = t->b;
	if (b->alloc - b->len > FKEY_COPY) { /* padded key text: one fixed-size copy */
		uint8_t *d = b->p + b->len;
		if (!t->first)
			*d++ = ',';
		memcpy(d, text, FKEY_COPY);
		b->len = (size_t)(d - b->p) + n;
	} else {
		if (!t->first)
			raw(t, ",", 1);
		raw(t, text, n);
	}
	t->first = false;
}

static inline __attribute__((always_inline)) void key(struct jt *t, const struct fdef *f)
{
	key_as(t, f->jkey, f->jklen);
}

static inline void key64(struct jt *t, const struct fdef *f)
{
	key_as(t, f->jkey64, f->jk64len);
}

static __attribute__((noinline)) void b64_value(struct jt *t, const uint8_t *p, size_t n)
{
	char small[256];
	size_t need = 4 * ((n + 2) / 3);
	char *s = need < sizeof(small) ? small : malloc(need + 1);

	if (!s) {
		t->rc = t->rc ? t->rc : MSW_ERR_NOMEM;
		return;
	}
	str_n(t, s, b64_encode(p, n, s));
	if (s != small)
		free(s);
}

static __attribute__((noinline)) void text_slow(struct jt *t, const struct fdef *f,
						       const uint8_t *p, size_t n)
{
	if (fields_text_ok(p, n)) {
		key(t, f);
		str_n(t, n ? p : (const uint8_t *)"", n);
	} else {
		key64(t, f);
		b64_value(t, p, n);
	}
}

/* Text under row f: printable ASCII copied in one pass; other valid UTF-8 without NUL
 * escaped; anything else as "<name>_b64". */
static inline void text(struct jt *t, const struct fdef *f, const uint8_t *p, size_t n)
{
	if (n && jsonw_ascii_plain(p, n)) {
		key(t, f);
		plain_n(t, (const char *)p, n);
	} else {
		text_slow(t, f, p, n);
	}
}

/* Bytes as a lowercase-hex string, written straight into the buffer (the digits never
 * need escaping). */
static inline __attribute__((always_inline)) void hex(struct jt *t, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	struct dbuf *b = t->b;

	if (t->rc)
		return;
	if (b->alloc - b->len < 2 * n + 2 && (t->rc = dbuf_reserve(b, 2 * n + 2)) != MSW_OK)
		return;
	uint8_t *d = b->p + b->len;
	*d++ = '"';
	for (size_t i = 0; i < n; i++) {
		*d++ = (uint8_t)hx[p[i] >> 4];
		*d++ = (uint8_t)hx[p[i] & 15];
	}
	*d++ = '"';
	b->len = (size_t)(d - b->p);
}

/* ---- the visitor ---- */

/* An element of a string list: text, else {"b64": ...} (or {"<name>_b64": ...} for an
 * F_NULWRAP row's element holding NUL). */
static __attribute__((noinline)) void list_text(struct jt *t, const struct fdef *f, const struct fval *v)
{
	sep(t);
	if (fields_text_ok(v->s, v->n)) {
		str_n(t, v->n ? v->s : (const uint8_t *)"", v->n);
		return;
	}
	raw(t, "{", 1);
	if ((f->flags & F_NULWRAP) && memchr(v->s, 0, v->n))
		raw(t, f->jkey64, f->jk64len);
	else
		raw(t, "\"b64\":", 6);
	b64_value(t, v->s, v->n);
	raw(t, "}", 1);
}

/* A value without a key (an element of a string list or of a tuple): text that is not
 * text as {"b64": ...} (a NUL-holding element of an F_NULWRAP row: {"<name>_b64": ...}). */
static __attribute__((noinline)) void elem_value(struct jt *t, const struct fdef *f,
						 const struct fval *v)
{
	if (!v->absent && (v->t == FT_STR || v->t == FT_BYTES || v->t == FT_CHARS)) {
		struct fval c = *v;
		if (f->flags & F_TRUNC_NUL) /* a C string: what comes before a NUL */
			c.n = strnlen((const char *)c.s, c.n);
		list_text(t, f, &c);
		return;
	}
	sep(t);
	if (v->absent)
		raw(t, "null", 4);
	else if (v->t == FT_BOOL)
		v->b ? raw(t, "true", 4) : raw(t, "false", 5);
	else if (v->t == FT_INT)
		inum(t, v->i);
	else if (v->t == FT_UINT)
		unum(t, v->u);
	else if (v->t == FT_WORD || v->t == FT_ENUM)
		plain_n(t, (const char *)v->s, v->n);
	else if (v->t == FT_HEX)
		hex(t, v->s, v->n);
	else
		t->rc = t->rc ? t->rc : MSW_ERR_INTERNAL;
}

/* A member whose key is data (a map's): the key as text (with "_b64" appended when its
 * value is written as base64), or "_b64:" + the key's base64. */
static void data_key(struct jt *t, const struct fval *k, bool b64_suffix)
{
	sep(t);
	if (fields_text_ok(k->s, k->n)) {
		char kb[300];
		if (!b64_suffix) {
			str_n(t, k->s, k->n);
		} else if (k->n + 5 <= sizeof(kb)) {
			memcpy(kb, k->s, k->n);
			memcpy(kb + k->n, "_b64", 4);
			str_n(t, kb, k->n + 4);
		} else {
			t->rc = t->rc ? t->rc : MSW_ERR_TOO_BIG;
		}
	} else {
		char *b = record_b64(k->s, k->n);
		size_t n = b ? strlen(b) + 10 : 0;
		char *kb = b ? malloc(n) : NULL;
		if (kb) {
			snprintf(kb, n, "_b64:%s%s", b, b64_suffix ? "_b64" : "");
			str(t, kb);
		} else {
			t->rc = t->rc ? t->rc : MSW_ERR_NOMEM;
		}
		free(kb);
		free(b);
	}
	raw(t, ":", 1);
}

static bool same_key(const struct fval *a, const struct fval *b)
{
	return a->n == b->n && (!a->n || memcmp(a->s, b->s, a->n) == 0);
}

/* A map list (FB_MAP: a certificate's DN parts) as one object: a value holding NUL is
 * "<key>_b64" where it stands; the other values of one key are grouped at the key's first
 * place, as an array when the key repeats (an element that is not text: {"b64": ...}). */
static void map_value(struct jt *t, const struct fdef *f, const struct fval *list)
{
	key(t, f);
	open_(t, "{");
	for (size_t i = 0; i < list->n && !t->rc; i++) {
		struct fval k, v, k2, v2;
		size_t more = 0;
		bool earlier = false;
		fields_map_entry(list, i, &k, &v);
		if (memchr(v.s, 0, v.n)) {
			data_key(t, &k, true);
			b64_value(t, v.s, v.n);
			continue;
		}
		for (size_t j = 0; j < list->n; j++) {
			fields_map_entry(list, j, &k2, &v2);
			if (j == i || memchr(v2.s, 0, v2.n) || !same_key(&k, &k2))
				continue;
			earlier |= j < i;
			more += j > i;
		}
		if (earlier)
			continue;
		if (!more) {
			bool ok = fields_text_ok(v.s, v.n);
			data_key(t, &k, !ok);
			ok ? str_n(t, v.s, v.n) : b64_value(t, v.s, v.n);
			continue;
		}
		data_key(t, &k, false);
		open_(t, "[");
		for (size_t j = i; j < list->n; j++) {
			fields_map_entry(list, j, &k2, &v2);
			if (memchr(v2.s, 0, v2.n) || !same_key(&k, &k2))
				continue;
			list_text(t, f, &v2);
		}
		close_(t, "]");
	}
	close_(t, "}");
}

static __attribute__((noinline)) void rare_value(struct jt *t, const struct fdef *f,
						       const struct fval *v)
{
	if (v->t == FT_LIST && f->sub && (f->sub->flags & FB_MAP))
		map_value(t, f, v);
	else
		t->rc = t->rc ? t->rc : MSW_ERR_INTERNAL;
}

static inline __attribute__((always_inline)) void on_value(void *ctx, const struct fdef *f, const struct fval *v, bool elem)
{
	struct jt *t = ctx;

	if (elem) {
		elem_value(t, f, v);
		return;
	}
	if (v->absent) {
		key(t, f);
		raw(t, "null", 4);
		return;
	}
	switch (v->t) {
	case FT_BOOL:
		key(t, f);
		v->b ? raw(t, "true", 4) : raw(t, "false", 5);
		break;
	case FT_INT:
		key(t, f);
		inum(t, v->i);
		break;
	case FT_UINT:
		key(t, f);
		unum(t, v->u);
		break;
	case FT_WORD:
		key(t, f);
		if (f->flags & F_SINKVAL)
			str(t, t->tool_version ? t->tool_version : "unknown");
		else
			plain_n(t, (const char *)v->s, v->n);
		break;
	case FT_ENUM:
		key(t, f);
		plain_n(t, (const char *)v->s, v->n);
		break;
	case FT_STR:
	case FT_BYTES:
	case FT_CHARS:
		text(t, f, v->s, (f->flags & F_TRUNC_NUL) ? strnlen((const char *)v->s, v->n) : v->n);
		break;
	case FT_HEX:
		key(t, f);
		hex(t, v->s, v->n);
		break;
	default:
		rare_value(t, f, v);
	}
}

static inline __attribute__((always_inline)) void on_open(void *ctx, const struct fdef *f, const struct fblock *blk, enum fnode k,
		    bool elem)
{
	struct jt *t = ctx;

	if (elem)
		sep(t);
	else if (f)
		key(t, f);
	else if (blk->jkey && t->depth > 0) /* an attached block (the walk's top has no key) */
		key_as(t, blk->jkey, blk->jklen);
	open_(t, k == FN_OBJECT ? "{" : "[");
}

static inline __attribute__((always_inline)) void on_close(void *ctx, const struct fdef *f, const struct fblock *blk, enum fnode k)
{
	close_(ctx, k == FN_OBJECT ? "}" : "]");
}

static bool on_stopped(void *ctx)
{
	return ((struct jt *)ctx)->rc != MSW_OK;
}

static const struct fvisitor json_visitor = {
	.value = on_value,
	.open = on_open,
	.close = on_close,
	.stopped = on_stopped,
};

msw_err record_block_text(const struct fblock *blk, const void *obj, struct dbuf *b)
{
	struct jt t = {.b = b, .first = true};
	size_t mark = b->len;

	fw_walk(blk, obj, &json_visitor, &t);
	if (t.rc)
		b->len = mark;
	return t.rc;
}

msw_err record_text(const struct msw_record *r, const char *tool_version, struct dbuf *b)
{
	struct jt t = {.b = b, .first = true, .tool_version = tool_version};
	size_t mark = b->len;

	(void)dbuf_reserve(b, 4096); /* most records fit: raw() then only copies */
	fw_walk(&record_table, r, &json_visitor, &t);
	if (t.rc)
		b->len = mark;
	return t.rc;
}

/* ---- the top level as a parsed copy reads it ---- */

bool record_top_text(const struct msw_record *r, const struct fpath *p, const uint8_t **s,
		     size_t *n)
{
	const struct fdef *f = p->f[0];
	struct fval v;

	fields_get_path(r, p, &v);
	if (v.absent)
		return false;
	if (v.t == FT_WORD || v.t == FT_ENUM) {
		*s = v.s;
		*n = v.n;
		return true;
	}
	if (v.t == FT_STR || v.t == FT_BYTES || v.t == FT_CHARS) {
		size_t k = (f->flags & F_TRUNC_NUL) ? strnlen((const char *)v.s, v.n) : v.n;
		if (fields_text_ok(v.s, k)) {
			*s = v.s;
			*n = k;
			return true;
		}
	}
	return false; /* not text, or written as "<name>_b64" */
}
