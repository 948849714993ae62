/* A record from its JSON text: the walker's inverse, one function over the same tables
 * (record_from_json(), output/record.h).
 *
 * cJSON parses the text; the tables then take its members in the order the walker wrote
 * them: each row the member under its name, under "<name>_b64" (text that is not text, in
 * base64), or none (a row that may be left out); a computed row through its setter (the
 * getter's inverse, base/fields.h); a block its object, a list its array. An attached
 * block comes back from the member of its name, or (FB_TOP) from the top-level members of
 * its rows, where its slot and rank put them; a member no row or block takes is not from a
 * record.
 *
 * Only what a struct can give is taken: text under its own name must be text (valid UTF-8
 * without NUL) and base64 must hold what is not, numbers must be whole and fit their
 * member (a schema's bounds are the schema's: the struct may hold more), an enum a name
 * of its vocabulary, a computed value the one its getter gives; anything else is
 * MSW_ERR_MALFORMED. A part the tables cannot read back (an
 * attached block or run-time-typed block whose table has computed rows without setters,
 * a pointer, a map or tuple list) is MSW_ERR_UNSUPPORTED: the caller keeps the parsed tree
 * for that record. Sizes are checked before anything is allocated (RD_* caps); F_SECRET
 * rows are never read. */
#include <stdlib.h>
#include <string.h>
#include "output/record.h"
#include "output/record_schema.h"

#define RD_LIST_MAX (1u << 20)  /* elements of one list */
#define RD_ALLOC_MAX (256u << 20) /* bytes one record's lists and texts may allocate */

struct rd {
	size_t left; /* of RD_ALLOC_MAX */
	struct msw_record *rec;
};

static int charge(struct rd *d, size_t n)
{
	if (n > d->left)
		return MSW_ERR_TOO_BIG;
	d->left -= n;
	return 0;
}

/* ---- base64 and hex (strict: only what b64_encode() and the hex writer produce) ---- */

static int b64v(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes s (n bytes) into out (room for 3 * n / 4 + 1); *outn its length. */
static int unb64(const char *s, size_t n, uint8_t *out, size_t *outn)
{
	size_t k = 0;

	if (n % 4)
		return MSW_ERR_MALFORMED;
	for (size_t i = 0; i < n; i += 4) {
		int a = b64v((uint8_t)s[i]), b = b64v((uint8_t)s[i + 1]);
		bool last = i + 4 == n;
		int c = last && s[i + 2] == '=' && s[i + 3] == '=' ? -2 : b64v((uint8_t)s[i + 2]);
		int e = last && s[i + 3] == '=' ? -2 : b64v((uint8_t)s[i + 3]);

		if (a < 0 || b < 0 || c == -1 || e == -1 || (c == -2 && e != -2))
			return MSW_ERR_MALFORMED;
		out[k++] = (uint8_t)(a << 2 | b >> 4);
		if (c == -2) {
			if (b & 15)
				return MSW_ERR_MALFORMED; /* not canonical */
			break;
		}
		out[k++] = (uint8_t)((b & 15) << 4 | c >> 2);
		if (e == -2) {
			if (c & 3)
				return MSW_ERR_MALFORMED;
			break;
		}
		out[k++] = (uint8_t)((c & 3) << 6 | e);
	}
	*outn = k;
	return 0;
}

static int hexv(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* ---- one value ---- */

/* Bytes given as text (own name) or base64 ("<name>_b64"), into *buf (malloc'd). */
static int text_bytes(struct rd *d, const cJSON *m, bool b64, uint8_t **buf, size_t *n)
{
	const char *s = m->valuestring;
	size_t len;
	int rc;

	if (!cJSON_IsString(m) || !s)
		return MSW_ERR_MALFORMED;
	len = strlen(s);
	if ((rc = charge(d, len + 1)) || !(*buf = malloc(len + 1)))
		return rc ? rc : MSW_ERR_NOMEM;
	if (!b64) {
		memcpy(*buf, s, len + 1);
		*n = len;
		/* the walker writes text only when it is text */
		return fields_text_ok(*buf, len) ? 0 : MSW_ERR_MALFORMED;
	}
	if ((rc = unb64(s, len, *buf, n)))
		return rc;
	(*buf)[*n] = 0;
	/* ... and base64 only when it is not */
	return fields_text_ok(*buf, *n) ? MSW_ERR_MALFORMED : 0;
}

/* A whole number within [lo, hi] (|lo|, |hi| < 2^63 and < 2^64). */
static int whole(const cJSON *m, double lo, double hi, double *out)
{
	double x = m->valuedouble, a = x < 0 ? -x : x;

	if (!cJSON_IsNumber(m) || x != x || x < lo || x > hi)
		return MSW_ERR_MALFORMED;
	/* every double from 2^52 on is whole; below, the cast is exact */
	if (a < 4503599627370496.0 && x != (double)(int64_t)x)
		return MSW_ERR_MALFORMED;
	*out = x;
	return 0;
}

/* The member's value as the row's fval (text in v->s: *own, malloc'd). */
static int value_of(struct rd *d, const struct fdef *f, const cJSON *m, bool b64,
		    struct fval *v, uint8_t **own)
{
	double x, lo, hi;
	int rc;

	memset(v, 0, sizeof(*v));
	v->t = (enum ftype)f->type;
	switch (f->type) {
	case FT_BOOL:
		if (!cJSON_IsBool(m))
			return MSW_ERR_MALFORMED;
		v->b = cJSON_IsTrue(m);
		return 0;
	case FT_INT:
	case FT_UINT: {
		unsigned bits = f->get || !f->size ? 64 : 8u * f->size;
		if (f->type == FT_INT) {
			lo = bits >= 64 ? -9.2e18 : -(double)(1ull << (bits - 1));
			hi = bits >= 64 ? 9.2e18 : (double)(1ull << (bits - 1)) - 1;
		} else {
			lo = 0;
			hi = bits >= 64 ? 1.8e19 : (double)((1ull << bits) - 1);
		}
		if ((rc = whole(m, lo, hi, &x)))
			return rc;
		if (f->type == FT_INT)
			v->i = (int64_t)x;
		else
			v->u = (uint64_t)x;
		return 0;
	}
	case FT_ENUM:
		if (!cJSON_IsString(m) || (v->i = fenum_lookup(f->enm, m->valuestring)) < 0)
			return MSW_ERR_MALFORMED;
		/* a row that leaves out its zero value wrote the zero's name: a value past the
		 * vocabulary, shown as its fallback (when that is the zero's name) */
		if ((f->flags & F_ZERO) && !v->i) {
			if (f->enm->fallback != 0)
				return MSW_ERR_MALFORMED;
			v->i = f->enm->n;
		}
		v->s = (const uint8_t *)fenum_name(f->enm, (int)v->i);
		v->n = strlen((const char *)v->s);
		return 0;
	case FT_WORD:
		if (!cJSON_IsString(m) || !m->valuestring)
			return MSW_ERR_MALFORMED;
		v->s = (const uint8_t *)m->valuestring;
		v->n = strlen(m->valuestring);
		return 0;
	case FT_HEX: {
		const char *s = m->valuestring;
		size_t len = cJSON_IsString(m) && s ? strlen(s) : 1;
		if (len % 2 || (rc = charge(d, len / 2 + 1)) || !(*own = malloc(len / 2 + 1)))
			return len % 2 ? MSW_ERR_MALFORMED : rc ? rc : MSW_ERR_NOMEM;
		for (size_t i = 0; i < len; i += 2) {
			int a = hexv(s[i]), b = hexv(s[i + 1]);
			if (a < 0 || b < 0)
				return MSW_ERR_MALFORMED;
			(*own)[i / 2] = (uint8_t)(a << 4 | b);
		}
		v->s = *own;
		v->n = len / 2;
		return 0;
	}
	case FT_STR:
	case FT_BYTES:
	case FT_CHARS: {
		size_t n;
		if ((rc = text_bytes(d, m, b64, own, &n)))
			return rc;
		/* a C string cannot hold NUL */
		if (f->type != FT_BYTES && memchr(*own, 0, n))
			return MSW_ERR_MALFORMED;
		v->s = *own;
		v->n = n;
		return 0;
	}
	default:
		return MSW_ERR_UNSUPPORTED;
	}
}

/* A scalar stored at the row's offset. */
static int store(struct rd *d, void *obj, const struct fdef *f, struct fval *v, uint8_t **own)
{
	char *at = (char *)obj + f->off;

	switch (f->type) {
	case FT_BOOL:
		*(bool *)at = v->b;
		return 0;
	case FT_INT:
	case FT_UINT: {
		/* two's complement bits of the value (checked against the size already) */
		uint64_t w = f->type == FT_UINT ? v->u : (uint64_t)v->i;
		switch (f->size) {
		case 1: *(uint8_t *)at = (uint8_t)w; return 0;
		case 2: *(uint16_t *)at = (uint16_t)w; return 0;
		case 4: *(uint32_t *)at = (uint32_t)w; return 0;
		case 8: *(uint64_t *)at = w; return 0;
		default: return MSW_ERR_UNSUPPORTED;
		}
	}
	case FT_ENUM:
		*(int *)at = (int)v->i;
		return 0;
	case FT_STR:
		free(*(char **)at);
		*(char **)at = (char *)*own; /* NUL-terminated by text_bytes() */
		*own = NULL;
		return 0;
	case FT_BYTES:
	case FT_HEX: {
		struct mbytes *b = (struct mbytes *)at;
		mbytes_free(b);
		b->p = *own;
		b->len = v->n;
		*own = NULL;
		if (b->p)
			b->p[b->len] = 0;
		return 0;
	}
	case FT_CHARS:
		if (v->n >= f->size)
			return MSW_ERR_MALFORMED;
		memset(at, 0, f->size);
		memcpy(at, v->s, v->n);
		return 0;
	default: /* WORD: our own static text, which a reader cannot point at */
		return MSW_ERR_UNSUPPORTED;
	}
}

/* ---- blocks, lists ---- */

static int read_level(struct rd *d, const struct fblock *tbl, void *obj, const cJSON **m);

/* A whole JSON object into obj (every member taken by a row). */
static int read_object(struct rd *d, const struct fblock *tbl, void *obj, const cJSON *o)
{
	const cJSON *m;
	int rc;

	if (!cJSON_IsObject(o))
		return MSW_ERR_MALFORMED;
	if (tbl->flags & (FB_TUPLE | FB_MAP))
		return MSW_ERR_UNSUPPORTED;
	m = o->child;
	rc = read_level(d, tbl, obj, &m);
	return rc ? rc : m ? MSW_ERR_MALFORMED : 0;
}

static bool row_ok(const struct fblock *tbl, int depth)
{
	if (depth > 8 || (tbl->flags & (FB_TUPLE | FB_MAP)))
		return false;
	for (size_t i = 0; i < tbl->n; i++) {
		const struct fdef *f = &tbl->f[i];
		if (f->flags & (F_SECRET | F_DERIVED | F_SINKVAL))
			continue;
		if (f->get && !f->set && !(f->type == FT_BLOCK && (f->flags & (F_OPT | F_NULL)) == 0))
			return false;
		if (f->type == FT_PTR || f->type == FT_REF || f->type == FT_BLOCKS ||
		    (f->type == FT_WORD && !f->get))
			return false;
		if ((f->type == FT_BLOCK || f->type == FT_LIST) && !row_ok(f->sub, depth + 1))
			return false;
	}
	return true;
}

/* A list row's array: count elements (checked against the caps before allocating). */
static int read_list(struct rd *d, const struct fdef *f, void *obj, const cJSON *a)
{
	char *at = (char *)obj + f->off;
	size_t n = 0, esz = f->type == FT_LIST ? f->sub->size : sizeof(struct mbytes);
	uint64_t cmax = f->size >= 8 ? UINT64_MAX : (1ull << (8 * f->size)) - 1;
	const cJSON *e;
	void *p;
	int rc, i = 0;

	if (!cJSON_IsArray(a) || (f->get && !f->set) || (f->type == FT_LIST && !esz))
		return cJSON_IsArray(a) ? MSW_ERR_UNSUPPORTED : MSW_ERR_MALFORMED;
	cJSON_ArrayForEach(e, a)
		n++;
	if (n > RD_LIST_MAX || n > cmax)
		return MSW_ERR_TOO_BIG;
	if (!n)
		return 0;
	if ((rc = charge(d, n * esz)))
		return rc;
	if (!(p = calloc(n, esz)))
		return MSW_ERR_NOMEM;
	*(void **)at = p;
	cJSON_ArrayForEach(e, a) {
		/* counted as they are filled: what is filled is freed with the record */
		switch (f->size) {
		case 1: *(uint8_t *)((char *)obj + f->off2) = (uint8_t)(i + 1); break;
		case 2: *(uint16_t *)((char *)obj + f->off2) = (uint16_t)(i + 1); break;
		case 4: *(uint32_t *)((char *)obj + f->off2) = (uint32_t)(i + 1); break;
		default: *(uint64_t *)((char *)obj + f->off2) = (uint64_t)(i + 1); break;
		}
		if (f->type == FT_LIST) {
			rc = read_object(d, f->sub, (char *)p + (size_t)i * esz, e);
		} else { /* a string list: text, or {"b64": ...} ({"<name>_b64": ...} with NUL) */
			struct mbytes *b = (struct mbytes *)p + i;
			const cJSON *w = e;
			size_t k;
			bool wrap = cJSON_IsObject(e);
			if (wrap) {
				w = e->child;
				if (!w || w->next || !w->string ||
				    (strcmp(w->string, "b64") &&
				     !((f->flags & F_NULWRAP) && !strncmp(w->string, f->name,
									  strlen(f->name)) &&
				       !strcmp(w->string + strlen(f->name), "_b64"))))
					return MSW_ERR_MALFORMED;
			}
			rc = text_bytes(d, w, wrap, &b->p, &k);
			b->len = k;
			if (!rc && wrap && strcmp(w->string, "b64") && !memchr(b->p, 0, k))
				rc = MSW_ERR_MALFORMED; /* the NUL wrap is for NUL only */
			if (!rc && wrap && !strcmp(w->string, "b64") && (f->flags & F_NULWRAP) &&
			    memchr(b->p, 0, k))
				rc = MSW_ERR_MALFORMED;
		}
		if (rc)
			return rc;
		i++;
	}
	return 0;
}

/* The member at *m, if it is the row's (its name, or "<name>_b64" for text). */
static const cJSON *member_for(const struct fdef *f, const cJSON *m, bool *b64)
{
	size_t n = strlen(f->name);

	*b64 = false;
	if (!m || !m->string)
		return NULL;
	if (!strcmp(m->string, f->name))
		return m;
	if ((f->type == FT_STR || f->type == FT_BYTES || f->type == FT_CHARS) &&
	    !strncmp(m->string, f->name, n) && !strcmp(m->string + n, "_b64")) {
		*b64 = true;
		return m;
	}
	return NULL;
}

/* An FB_TOP table's rows stand at m: the member there is one of its rows'. */
static bool top_block_at(const struct fblock *t, const cJSON *m)
{
	bool b64;

	for (size_t i = 0; i < t->n; i++)
		if (!(t->f[i].flags & (F_SECRET | F_DERIVED)) && member_for(&t->f[i], m, &b64))
			return true;
	return false;
}

/* The attached blocks of one slot that stand at *m (tables the schema lists): a block
 * under its key, or an FB_TOP block's rows at this level. */
static int read_attached(struct rd *d, const struct fdef *f, const cJSON **m)
{
	for (size_t i = 0; *m && i < record_schema_nblocks; i++) {
		const struct fblock *t = record_schema_blocks[i];
		bool top = t->flags & FB_TOP;
		void *p;
		int rc;

		if (t->slot != f->arg || !(*m)->string)
			continue;
		if (top ? !top_block_at(t, *m) : strcmp((*m)->string, t->name) != 0)
			continue;
		if (!row_ok(t, 0))
			return MSW_ERR_UNSUPPORTED;
		if (record_block(d->rec, t) || !(p = record_block_new(d->rec, t)))
			return record_block(d->rec, t) ? MSW_ERR_MALFORMED : MSW_ERR_NOMEM;
		if (top) {
			rc = read_level(d, t, p, m);
		} else if (!(rc = read_object(d, t, p, *m))) {
			*m = (*m)->next;
		}
		if (rc)
			return rc;
		i = (size_t)-1; /* the next block may be any of them (by rank) */
	}
	return 0;
}

/* A block row: its object (or null / nothing when it may be absent). */
static int read_block_row(struct rd *d, const struct fdef *f, void *obj, const cJSON *mm)
{
	struct fval absent = {.t = FT_BLOCK, .absent = true}, here = {.t = FT_BLOCK};
	void *sub = (char *)obj + f->off;
	int rc;

	if (f->get) {
		struct fval g;
		fields_get(obj, f, &g);
		sub = (void *)g.p;
	}
	if (!mm || cJSON_IsNull(mm)) {
		if (mm ? !(f->flags & F_NULL) : !(f->flags & (F_OPT | F_NULL)))
			return MSW_ERR_MALFORMED;
		return f->set ? f->set(obj, f, &absent) : 0;
	}
	if (!sub)
		return MSW_ERR_UNSUPPORTED;
	if (f->set && (rc = f->set(obj, f, &here)))
		return rc;
	return read_object(d, f->sub, sub, mm);
}

/* The rows of tbl from the member at *m on (a level: an object, or a block's rows joining
 * the level above). */
static int read_level(struct rd *d, const struct fblock *tbl, void *obj, const cJSON **m)
{
	for (const struct fdef *f = tbl->f, *end = tbl->f + tbl->n; f < end; f++) {
		const cJSON *mm;
		bool b64;
		int rc = 0;

		if (f->flags & (F_SECRET | F_DERIVED))
			continue;
		if (f->flags & F_SINKVAL) { /* the writer's own (tool_version) */
			if ((mm = member_for(f, *m, &b64)) && !b64 && cJSON_IsString(mm))
				*m = mm->next;
			continue;
		}
		if (f->type == FT_BLOCKS) {
			if ((rc = read_attached(d, f, m)))
				return rc;
			continue;
		}
		if ((f->type == FT_BLOCK || f->type == FT_PTR) && (f->flags & F_INLINE)) {
			if (f->type == FT_PTR || f->get || (rc = read_level(d, f->sub, (char *)obj + f->off, m)))
				return rc ? rc : MSW_ERR_UNSUPPORTED;
			continue;
		}
		mm = member_for(f, *m, &b64);
		if (mm)
			*m = mm->next;
		if (f->type == FT_BLOCK) {
			if ((rc = read_block_row(d, f, obj, mm)))
				return rc;
			continue;
		}
		if (f->type == FT_PTR || f->type == FT_REF) {
			if (mm && !cJSON_IsNull(mm))
				return MSW_ERR_UNSUPPORTED;
			if (mm ? !(f->flags & F_NULL) : !(f->flags & (F_OPT | F_NULL)))
				return MSW_ERR_MALFORMED;
			continue;
		}
		if (f->get && !f->set)
			return MSW_ERR_UNSUPPORTED;
		if (!mm || cJSON_IsNull(mm)) {
			struct fval none = {.t = (enum ftype)f->type, .absent = true};
			/* null only where the walker writes null; nothing where it may leave out */
			if (mm ? !(f->flags & F_NULL) : !(f->flags & (F_OPT | F_NULL)))
				return MSW_ERR_MALFORMED;
			if (f->set && (rc = f->set(obj, f, &none)))
				return rc;
			continue;
		}
		if (f->type == FT_LIST || f->type == FT_STRLIST) {
			struct fval here = {.t = (enum ftype)f->type};
			/* a computed list: its setter takes the presence, the elements go to the
			 * row's member as for a stored list */
			if (f->set && (rc = f->set(obj, f, &here)))
				return rc;
			if ((rc = read_list(d, f, obj, mm)))
				return rc;
			continue;
		}
		struct fval v;
		uint8_t *own = NULL;
		rc = value_of(d, f, mm, b64, &v, &own);
		if (!rc)
			rc = f->set ? f->set(obj, f, &v) : store(d, obj, f, &v, &own);
		free(own);
		if (rc)
			return rc;
	}
	return 0;
}

msw_err record_from_tree(const cJSON *o, struct msw_record *r)
{
	struct rd d = {.left = RD_ALLOC_MAX, .rec = r};
	const cJSON *m;
	int rc;

	record_init(r, NULL);
	if (!cJSON_IsObject(o))
		return MSW_ERR_MALFORMED;
	m = o->child;
	rc = read_level(&d, &record_table, r, &m);
	if (!rc && m)
		rc = MSW_ERR_MALFORMED;
	/* the lists the envelope keeps as vecs: their allocation is what was read */
	if (!rc && (r->topics.n > r->topics.max || r->findings.n > r->findings.max))
		rc = MSW_ERR_TOO_BIG;
	r->topics.alloc = r->topics.n;
	r->findings.alloc = r->findings.n;
	for (size_t i = 0; !rc && i < r->topics.n; i++)
		r->topic_bytes += record_topics(r)[i].topic.len;
	if (rc)
		record_free(r);
	return (msw_err)rc;
}

msw_err record_from_json(const char *text, size_t n, struct msw_record *r)
{
	cJSON *o = cJSON_ParseWithLength(text, n);
	msw_err rc;

	if (!o) {
		record_init(r, NULL);
		return MSW_ERR_MALFORMED;
	}
	rc = record_from_tree(o, r);
	cJSON_Delete(o);
	return rc;
}
