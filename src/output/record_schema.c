/* The record's JSON Schema from the field tables (see record_schema.h).
 *
 * One pass over a block's rows per keyword: "properties" (every row, text rows with their
 * "<name>_b64" twin), "required" (rows that are always written: neither F_OPT nor a text
 * row, which may come as either twin), "allOf" (one anyOf per always-written text row:
 * the name or its twin). F_NULL adds null to a value's type; FT_BLOCKS rows expand to the
 * attached tables of their slot (FB_TOP tables' rows join the level, the others are
 * optional properties named after the table). */
#include <stdio.h>
#include <string.h>
#include "output/jsonw.h"
#include "output/record_schema.h"
#include "classify/cls_result.h"
#include "probes/amqp_rec.h"
#include "probes/http_result.h"
#include "probes/mqtt_access_rec.h"
#include "probes/smb_result.h"
#include "transport/tlsinfo.h"
#include "transport/ws_info.h"
#include "base/record.h"

#define B64_PATTERN "^[A-Za-z0-9+/]*={0,2}$"
#define HEX_PATTERN "^([0-9a-f]{2})*$"
#define PATH_MAX_LEN 256

#define MAX_USED 64

struct sctx {
	struct dbuf *b;
	const cJSON *frag;
	msw_err rc;
	const cJSON *used[MAX_USED]; /* fragments spliced in */
	size_t nused;
};

/* ---- text pieces ---- */

static void raw(struct sctx *c, const char *s)
{
	if (!c->rc)
		c->rc = jsonw_raw(c->b, s, strlen(s));
}

static void str(struct sctx *c, const char *s)
{
	if (!c->rc)
		c->rc = jsonw_string(c->b, s);
}

static void key(struct sctx *c, const char *k)
{
	str(c, k);
	raw(c, ":");
}

static void key_b64(struct sctx *c, const char *name)
{
	char k[80];

	snprintf(k, sizeof(k), "%s_b64", name);
	key(c, k);
}

static void num(struct sctx *c, int64_t v)
{
	if (!c->rc)
		c->rc = jsonw_int(c->b, v);
}

static void echo(struct sctx *c, const cJSON *j)
{
	if (!c->rc)
		c->rc = jsonw_append(c->b, j);
}

static const cJSON *fragment(struct sctx *c, const char *path)
{
	const cJSON *f = c->frag ? cJSON_GetObjectItemCaseSensitive(c->frag, path) : NULL;

	if (f && c->nused < MAX_USED)
		c->used[c->nused++] = f;
	return f;
}

/* The first fragment no row asked for (a part that has got its table: remove the entry). */
static const char *unused_fragment(const struct sctx *c)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, c->frag) {
		bool seen = e->string[0] == '_'; /* comments */

		for (size_t i = 0; i < c->nused && !seen; i++)
			seen = c->used[i] == e;
		if (!seen)
			return e->string;
	}
	return NULL;
}

/* ---- rows, with attached blocks expanded ---- */

static bool is_text(const struct fdef *f)
{
	return f->type == FT_STR || f->type == FT_BYTES || f->type == FT_CHARS;
}

static bool skipped(const struct fdef *f)
{
	return (f->flags & (F_SECRET | F_DERIVED)) != 0;
}

/* Calls fn for every row of blk as the JSON has it at this level: FB_TOP attached tables'
 * rows in place, other attached tables as an optional pseudo-row of type FT_PTR. */
typedef void (*row_fn)(struct sctx *c, const struct fdef *f, const char *path, bool *first);

static void each_row(struct sctx *c, const struct fblock *blk, const char *path, row_fn fn,
		     bool *first);

static void prop_row(struct sctx *c, const struct fdef *f, const char *path, bool *first);

static void each_attached(struct sctx *c, int slot, const char *path, row_fn fn, bool *first)
{
	for (size_t i = 0; i < record_schema_nblocks; i++) {
		const struct fblock *t = record_schema_blocks[i];

		if (t->slot != slot)
			continue;
		if (t->flags & FB_TOP) {
			/* its rows join the level, but only records it is attached to have them:
			 * properties, never required */
			if (fn == prop_row)
				each_row(c, t, path, fn, first);
			continue;
		}
		struct fdef pseudo = {.name = t->name, .type = FT_PTR, .sub = t, .flags = F_OPT,
				      .desc = t->desc};
		fn(c, &pseudo, path, first);
	}
}

static void each_row(struct sctx *c, const struct fblock *blk, const char *path, row_fn fn,
		     bool *first)
{
	for (size_t i = 0; i < blk->n; i++) {
		const struct fdef *f = &blk->f[i];

		if (skipped(f))
			continue;
		if (f->type == FT_BLOCKS) {
			each_attached(c, (int)f->arg, path, fn, first);
		} else if ((f->flags & F_INLINE) && f->sub) {
			/* the sub-block's rows at this level; none required when it may be absent */
			if (fn == prop_row || !(f->flags & (F_OPT | F_NULL)))
				each_row(c, f->sub, path, fn, first);
		} else {
			fn(c, f, path, first);
		}
	}
}

static void sep(struct sctx *c, bool *first)
{
	if (!*first)
		raw(c, ",");
	*first = false;
}

static void row_path(char *out, size_t n, const char *path, const char *name)
{
	snprintf(out, n, "%s%s%s", path, path[0] ? "." : "", name);
}

/* ---- value schemas ---- */

static void object_schema(struct sctx *c, const struct fblock *blk, const char *path);

static void type_kw(struct sctx *c, const char *t, bool nullable)
{
	key(c, "type");
	if (nullable) {
		raw(c, "[");
		str(c, t);
		raw(c, ",\"null\"]");
	} else {
		str(c, t);
	}
}

static void desc_kw(struct sctx *c, const struct fdef *f)
{
	if (f->desc) {
		raw(c, ",");
		key(c, "description");
		str(c, f->desc);
	}
}

static void int_schema(struct sctx *c, const struct fdef *f, bool nullable)
{
	raw(c, "{");
	type_kw(c, "integer", nullable);
	if (f->min != f->max) {
		raw(c, ",\"minimum\":");
		num(c, f->min);
		raw(c, ",\"maximum\":");
		num(c, f->max);
	} else if (f->type == FT_UINT) {
		raw(c, ",\"minimum\":0");
	}
	desc_kw(c, f);
	raw(c, "}");
}

static void text_schema(struct sctx *c, const struct fdef *f, bool nullable)
{
	raw(c, "{");
	type_kw(c, "string", nullable);
	if (f->pattern || f->type == FT_HEX) {
		raw(c, ",");
		key(c, "pattern");
		str(c, f->pattern ? f->pattern : HEX_PATTERN);
	}
	desc_kw(c, f);
	raw(c, "}");
}

static void b64_schema(struct sctx *c)
{
	raw(c, "{\"type\":\"string\",\"contentEncoding\":\"base64\",\"pattern\":");
	str(c, B64_PATTERN);
	raw(c, "}");
}

static void enum_schema(struct sctx *c, const struct fdef *f, bool nullable)
{
	raw(c, "{");
	type_kw(c, "string", nullable);
	raw(c, ",\"enum\":[");
	for (int i = 0; f->enm && i < f->enm->n; i++) {
		if (i)
			raw(c, ",");
		str(c, f->enm->names[i]);
	}
	raw(c, nullable ? ",null]" : "]");
	desc_kw(c, f);
	raw(c, "}");
}

/* One element of a string list: text, or the bytes in base64 when they are not text. */
/* What the writer puts for bytes of a text row that are not text, in a list or a tuple:
 * {"b64": ...}, or {"<name>_b64": ...} for an F_NULWRAP row (NULL f: always "b64"). */
static void b64_object(struct sctx *c, const struct fdef *f)
{
	raw(c, "{\"type\":\"object\",\"properties\":{");
	if (f && (f->flags & F_NULWRAP))
		key_b64(c, f->name);
	else
		key(c, "b64");
	b64_schema(c);
	raw(c, "},\"minProperties\":1,\"additionalProperties\":false}");
}

static void strlist_elem(struct sctx *c, const struct fdef *f)
{
	raw(c, "{\"anyOf\":[{\"type\":\"string\"");
	if (f->pattern) { /* the row's pattern holds for each text element */
		raw(c, ",");
		key(c, "pattern");
		str(c, f->pattern);
	}
	raw(c, "},");
	b64_object(c, f);
	raw(c, "]}");
}

/* A map list (FB_MAP): one object; a key seen again holds an array of its values. */
static void map_schema(struct sctx *c, const struct fblock *sub)
{
	const struct fdef *v = sub->n > 1 ? &sub->f[1] : NULL;
	struct fdef plain;

	raw(c, "{\"type\":\"object\",\"additionalProperties\":");
	if (!v) {
		raw(c, "true}");
		return;
	}
	plain = *v;
	plain.flags &= (uint16_t)~(F_NULL | F_OPT);
	plain.desc = NULL;
	raw(c, "{\"anyOf\":[");
	if (is_text(&plain) || plain.type == FT_WORD || plain.type == FT_HEX)
		text_schema(c, &plain, false);
	else
		raw(c, "true");
	/* a repeated key: its values as an array, an element that is not text as {"b64": ...} */
	raw(c, ",{\"type\":\"array\",\"items\":{\"anyOf\":[");
	text_schema(c, &plain, false);
	raw(c, ",");
	b64_object(c, NULL);
	raw(c, "]}}]}}");
}

static void value_schema(struct sctx *c, const struct fdef *f, const char *path);

/* A tuple's element: as its row says, but a text row's bytes that are not text come as
 * {"b64": ...} (or {"<name>_b64": ...} for an F_NULWRAP row), as in a string list. */
static void tuple_elem(struct sctx *c, const struct fdef *f, const char *path)
{
	if (!is_text(f)) {
		value_schema(c, f, path);
		return;
	}
	raw(c, "{\"anyOf\":[");
	value_schema(c, f, path);
	raw(c, ",");
	b64_object(c, f);
	raw(c, "]}");
}

static void nested_schema(struct sctx *c, const struct fdef *f, const char *path, bool nullable)
{
	if (nullable)
		raw(c, "{\"oneOf\":[{\"type\":\"null\"},");
	if (f->sub && (f->sub->flags & FB_TUPLE)) {
		bool first = true;

		raw(c, "{\"type\":\"array\",\"prefixItems\":[");
		for (size_t i = 0; i < f->sub->n; i++) {
			if (skipped(&f->sub->f[i]))
				continue;
			sep(c, &first);
			tuple_elem(c, &f->sub->f[i], path);
		}
		raw(c, "]}");
	} else if (f->sub) {
		object_schema(c, f->sub, path);
	} else {
		raw(c, "{\"type\":\"object\"}");
	}
	if (nullable)
		raw(c, "]}");
}

static void list_schema(struct sctx *c, const struct fdef *f, const char *path, bool nullable)
{
	if (f->sub && (f->sub->flags & FB_MAP)) {
		map_schema(c, f->sub);
		return;
	}
	raw(c, "{");
	type_kw(c, "array", nullable);
	raw(c, ",\"items\":");
	if (f->type == FT_STRLIST) {
		strlist_elem(c, f);
	} else {
		struct fdef elem = {.name = f->name, .type = FT_BLOCK, .sub = f->sub};

		nested_schema(c, &elem, path, false);
	}
	desc_kw(c, f);
	raw(c, "}");
}

static void value_schema(struct sctx *c, const struct fdef *f, const char *path)
{
	bool nullable = (f->flags & F_NULL) != 0;

	switch ((enum ftype)f->type) {
	case FT_BOOL:
		raw(c, "{");
		type_kw(c, "boolean", nullable);
		desc_kw(c, f);
		raw(c, "}");
		break;
	case FT_INT:
	case FT_UINT:
		int_schema(c, f, nullable);
		break;
	case FT_WORD:
	case FT_STR:
	case FT_BYTES:
	case FT_CHARS:
	case FT_HEX:
		text_schema(c, f, nullable);
		break;
	case FT_ENUM:
		enum_schema(c, f, nullable);
		break;
	case FT_BLOCK:
	case FT_PTR:
		nested_schema(c, f, path, nullable);
		break;
	case FT_LIST:
	case FT_STRLIST:
		list_schema(c, f, path, nullable);
		break;
	case FT_REF:
		raw(c, "{");
		type_kw(c, "object", nullable);
		desc_kw(c, f);
		raw(c, "}");
		break;
	default:
		raw(c, "true");
		break;
	}
}

/* ---- the keywords of an object ---- */

static void prop_row(struct sctx *c, const struct fdef *f, const char *path, bool *first)
{
	char p[PATH_MAX_LEN];

	row_path(p, sizeof(p), path, f->name);
	sep(c, first);
	key(c, f->name);
	value_schema(c, f, p);
	if (is_text(f)) {
		raw(c, ",");
		key_b64(c, f->name);
		b64_schema(c);
	}
}

static bool always_written(const struct fdef *f)
{
	return !(f->flags & F_OPT) && f->name[0];
}

static void required_row(struct sctx *c, const struct fdef *f, const char *path, bool *first)
{
	if (!always_written(f) || is_text(f))
		return;
	sep(c, first);
	str(c, f->name);
}

static void anyof_row(struct sctx *c, const struct fdef *f, const char *path, bool *first)
{
	char k[80];

	if (!always_written(f) || !is_text(f))
		return;
	snprintf(k, sizeof(k), "%s_b64", f->name);
	sep(c, first);
	raw(c, "{\"anyOf\":[{\"required\":[");
	str(c, f->name);
	raw(c, "]},{\"required\":[");
	str(c, k);
	raw(c, "]}]}");
}

/* The rows' "allOf" entries, plus extra (a JSON array) when given. */
static void allof_kw(struct sctx *c, const struct fblock *blk, const char *path,
		     const cJSON *extra)
{
	bool first = true;
	const cJSON *e;
	size_t mark = c->b->len;

	raw(c, ",\"allOf\":[");
	each_row(c, blk, path, anyof_row, &first);
	cJSON_ArrayForEach(e, extra) {
		sep(c, &first);
		echo(c, e);
	}
	if (first && !c->rc)
		c->b->len = mark; /* nothing to say: no keyword */
	else
		raw(c, "]");
}

static void object_schema(struct sctx *c, const struct fblock *blk, const char *path)
{
	bool first = true;

	raw(c, "{\"type\":\"object\"");
	if (blk->desc) {
		raw(c, ",");
		key(c, "description");
		str(c, blk->desc);
	}
	raw(c, ",\"properties\":{");
	each_row(c, blk, path, prop_row, &first);
	raw(c, "},\"required\":[");
	first = true;
	each_row(c, blk, path, required_row, &first);
	raw(c, "]");
	allof_kw(c, blk, path, NULL);
	raw(c, ",\"additionalProperties\":false}");
}

/* ---- the record ---- */

static bool top_keyword(const char *k)
{
	static const char *const ours[] = {"type", "properties", "required", "allOf", "$defs"};

	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (!strcmp(k, ours[i]))
			return true;
	return false;
}

msw_err record_schema_write(struct dbuf *out, const cJSON *fragments, const char **unused)
{
	struct sctx c = {.b = out, .frag = fragments};
	const cJSON *env = fragment(&c, "envelope"), *e;
	bool first = true;
	size_t mark = out->len;

	raw(&c, "{\"$schema\":\"https://json-schema.org/draft/2020-12/schema\"");
	cJSON_ArrayForEach(e, env) {
		if (top_keyword(e->string) || !strcmp(e->string, "$schema"))
			continue;
		raw(&c, ",");
		key(&c, e->string);
		echo(&c, e);
	}
	raw(&c, ",\"type\":\"object\",\"properties\":{");
	each_row(&c, &record_table, "", prop_row, &first);
	raw(&c, "},\"required\":[");
	first = true;
	each_row(&c, &record_table, "", required_row, &first);
	raw(&c, "]");
	allof_kw(&c, &record_table, "", env ? cJSON_GetObjectItemCaseSensitive(env, "allOf") : NULL);
	raw(&c, "}");
	if (c.rc)
		out->len = mark;
	if (unused)
		*unused = c.rc || !fragments ? NULL : unused_fragment(&c);
	return c.rc;
}

/* Every table a layer attaches to a record (record_block_new). A block not listed here is
 * still written, but the schema does not describe it: list it when you add one. */
const struct fblock *const record_schema_blocks[] = {&tls_table, &ws_table, &http_table, &smb_table,
						     &mqtt_access_table, &amqp_table, &cls_result_table,
						     &host_summary_table};
const size_t record_schema_nblocks = sizeof(record_schema_blocks) / sizeof(record_schema_blocks[0]);
