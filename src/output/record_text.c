/* A record's JSON text, written straight from struct msw_record.
 *
 * Why: record_to_json() builds a cJSON tree (about 60 nodes and their strings, each a
 * malloc, then freed) that the JSON-lines sink only prints. On a fast sweep that was the
 * largest part of the CPU mqttsweep spends per target beyond the kernel's work. This
 * writer produces the same bytes as jsonw_append(record_to_json(r)) — same keys, order,
 * number and string forms, the same "<name>_b64" fallbacks and the same sanitising of
 * subtrees (sanitize_tree() in record.c: an invalid UTF-8 key becomes "_b64:" + base64,
 * an invalid string value "<key>_b64" in an object or {"b64": ...} in an array, down to
 * depth 64) — so either path can feed any sink. tests/unit/test_record_text.c and
 * fuzz_output compare the two byte for byte.
 *
 * Errors (the buffer's cap, out of memory) leave the buffer as it was. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output/jsonw.h"
#include "output/record.h"
#include "output/record_int.h"

#define SANITIZE_DEPTH 64 /* sanitize_tree() stops below this depth */
#define TOP_KEYS 64       /* the envelope's keys, for merge_extra()'s duplicate check */
#define JSONW_DEPTH 1000  /* jsonw_append()'s nesting cap */

struct jt {
	struct dbuf *b;
	msw_err rc;
	bool first; /* no member written yet at the current level */
	/* top-level keys written so far (extra members must not repeat one) */
	const char *keys[TOP_KEYS];
	bool b64[TOP_KEYS]; /* keys[i] was written with "_b64" appended */
	int nkeys;
	int depth; /* objects and arrays open: 1 while writing the top level's members */
};

static inline void raw(struct jt *t, const char *p, size_t n)
{
	struct dbuf *b = t->b;
	if (b->alloc - b->len >= n) { /* the usual case: room reserved at the start */
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

static void plain(struct jt *t, const char *s)
{
	size_t n = strlen(s);
	raw(t, "\"", 1);
	raw(t, s, n);
	raw(t, "\"", 1);
}

static void num(struct jt *t, double d)
{
	if (!t->rc)
		t->rc = jsonw_number(t->b, d);
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

/* A member's key: a literal of ours, k, whose text `"k":` (and `"k_b64":`) the KEY
 * macros below make at compile time. known_b64: the name merge_extra() sees has "_b64"
 * (for a subtree it is the name before sanitising). */
static inline void key_as(struct jt *t, const char *k, const char *text, size_t n,
			  bool known_b64)
{
	if (!t->first)
		raw(t, ",", 1);
	t->first = false;
	if (t->depth == 1 && t->nkeys < TOP_KEYS) {
		t->keys[t->nkeys] = k;
		t->b64[t->nkeys++] = known_b64;
	}
	raw(t, text, n);
}

#define KEYTEXT(k) "\"" k "\":"
#define KEYTEXT64(k) "\"" k "_b64\":"
#define key(t, k) key_as(t, k, KEYTEXT(k), sizeof(KEYTEXT(k)) - 1, false)
#define key64(t, k, known) key_as(t, k, KEYTEXT64(k), sizeof(KEYTEXT64(k)) - 1, known)

#define null_(t, k) (key(t, k), raw(t, "null", 4))
#define boolean(t, k, v) (key(t, k), (v) ? raw(t, "true", 4) : raw(t, "false", 5))
#define number(t, k, v) (key(t, k), num(t, v))
#define lit(t, k, v) (key(t, k), str(t, v))
/* v is one of our vocabulary strings (plain ASCII, nothing to escape) */
#define word(t, k, v) (key(t, k), plain(t, v))

static void b64_value(struct jt *t, const uint8_t *p, size_t n)
{
	char *s = record_b64(p, n);
	if (!s) {
		t->rc = t->rc ? t->rc : MSW_ERR_NOMEM;
		return;
	}
	str(t, s);
	free(s);
}

/* The common case of bytes(): printable ASCII, written in one pass under key k (whose
 * `"k":` text is in kt). false (nothing written) when p needs the general path. */
static bool ascii_(struct jt *t, const char *k, const char *kt, size_t kn, const uint8_t *p,
		   size_t n)
{
	if (!n || !jsonw_ascii_plain(p, n))
		return false;
	key_as(t, k, kt, kn, false);
	raw(t, "\"", 1);
	raw(t, (const char *)p, n);
	raw(t, "\"", 1);
	return true;
}
#define ascii(t, k, p, n) ascii_(t, k, KEYTEXT(k), sizeof(KEYTEXT(k)) - 1, p, n)

/* add_bytes(): valid UTF-8 without NUL as a string, anything else as "<k>_b64". */
static bool plain_bytes(const uint8_t *p, size_t n)
{
	return n == 0 || (utf8_valid(p, n) && !memchr(p, 0, n));
}

#define bytes(t, k, p, n)                                                 \
	do {                                                              \
		const uint8_t *p_ = (p);                                  \
		size_t n_ = p_ ? (n) : 0;                                 \
		if (ascii(t, k, p_, n_))                                  \
			break;                                            \
		if (plain_bytes(p_, n_)) {                                \
			key(t, k);                                        \
			str_n(t, n_ ? p_ : (const uint8_t *)"", n_);      \
		} else {                                                  \
			key64(t, k, true);                                \
			b64_value(t, p_, n_);                             \
		}                                                         \
	} while (0)

/* json_add_cstr(): null when absent. */
#define cstr(t, k, s)                                                     \
	do {                                                              \
		const char *s_ = (s);                                     \
		if (!s_)                                                  \
			null_(t, k);                                      \
		else                                                      \
			bytes(t, k, (const uint8_t *)s_, strlen(s_));     \
	} while (0)

/* ---- subtrees, with sanitize_tree()'s rules ---- */

static void sub_value(struct jt *t, const cJSON *v, int depth);

static bool bad_utf8(const char *s)
{
	return s && !utf8_valid((const uint8_t *)s, strlen(s));
}

/* A string that sanitize_tree() replaces by its base64. (Subtrees reach the tree as
 * cJSON_Duplicate() copies, which are never references: every string is checked.) */
static bool bad_string(const cJSON *c, int depth)
{
	return depth <= SANITIZE_DEPTH && cJSON_IsString(c) && c->valuestring &&
	       bad_utf8(c->valuestring);
}

/* An object member's key as sanitize_tree() leaves it (malloc'd when renamed). */
static char *member_key(const cJSON *c, int depth)
{
	if (depth > SANITIZE_DEPTH || !c->string || (c->type & cJSON_StringIsConst) ||
	    !bad_utf8(c->string))
		return NULL;
	char *b = record_b64((const uint8_t *)c->string, strlen(c->string));
	size_t n = b ? strlen(b) + 6 : 0;
	char *k = b ? malloc(n) : NULL;
	if (k)
		snprintf(k, n, "_b64:%s", b);
	free(b);
	return k;
}

/* One member of an object whose members sanitize_tree() visits at `depth`. */
static void sub_member(struct jt *t, const cJSON *c, int depth)
{
	char *renamed = member_key(c, depth);
	const char *k = renamed ? renamed : c->string;

	sep(t);
	if (bad_string(c, depth) && k) {
		char kb[256];
		snprintf(kb, sizeof(kb), "%s_b64", k);
		str(t, kb);
		raw(t, ":", 1);
		b64_value(t, (const uint8_t *)c->valuestring, strlen(c->valuestring));
	} else {
		str(t, k);
		raw(t, ":", 1);
		sub_value(t, c, depth + 1);
	}
	free(renamed);
}

static void sub_children(struct jt *t, const cJSON *node, int depth)
{
	bool obj = cJSON_IsObject(node);

	open_(t, obj ? "{" : "[");
	for (const cJSON *c = node->child; c && !t->rc; c = c->next) {
		if (obj) {
			sub_member(t, c, depth);
			continue;
		}
		sep(t);
		if (bad_string(c, depth)) {
			raw(t, "{\"b64\":", 7);
			b64_value(t, (const uint8_t *)c->valuestring, strlen(c->valuestring));
			raw(t, "}", 1);
		} else {
			sub_value(t, c, depth + 1);
		}
	}
	close_(t, obj ? "}" : "]");
}

/* A value whose own members (if any) sanitize_tree() visits at `depth`. */
static void sub_value(struct jt *t, const cJSON *v, int depth)
{
	if (depth > JSONW_DEPTH) { /* v sits at this depth of the record */
		t->rc = t->rc ? t->rc : MSW_ERR_TOO_BIG;
		return;
	}
	if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
		sub_children(t, v, depth);
		return;
	}
	if (!t->rc)
		t->rc = jsonw_append(t->b, v);
}

/* A subtree under one of our literal keys, visited by sanitize_tree() at `depth` (the
 * key is ours, so only a string value can be renamed, after merge_extra() looked). */
#define subtree(t, k, v, depth)                                                        \
	do {                                                                           \
		const cJSON *v_ = (v);                                                 \
		if (!v_) {                                                             \
			null_(t, k);                                                   \
		} else if (bad_string(v_, depth)) {                                    \
			key64(t, k, false);                                            \
			b64_value(t, (const uint8_t *)v_->valuestring, strlen(v_->valuestring)); \
		} else {                                                               \
			key(t, k);                                                     \
			sub_value(t, v_, (depth) + 1);                                 \
		}                                                                      \
	} while (0)

/* ---- the record, in record_to_json()'s order ---- */

static void identity(struct jt *t, const struct msw_record *r, const char *tool_version)
{
	char ts[80];

	word(t, "schema", MSW_RECORD_SCHEMA);
	word(t, "kind", r->kind && strcmp(r->kind, "host") == 0 ? "host" : "service");
	cstr(t, "probe", r->probe ? r->probe : "mqtt");
	cstr(t, "scan_id", r->scan_id);
	record_format_ts(r->start_us, ts, sizeof(ts));
	word(t, "timestamp", ts);
	lit(t, "tool_version", tool_version ? tool_version : "unknown");
	cstr(t, "source_ip", r->source_ip[0] ? r->source_ip : NULL);
	cstr(t, "ip", r->ip);
	number(t, "port", r->port);
	cstr(t, "hostname", r->hostname);
	word(t, "transport", transport_str(r->transport));
	if (r->transport_security)
		cstr(t, "transport_security", r->transport_security);
	word(t, "status", status_str(r->status));
}

static void hex(struct jt *t, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	char buf[2 * CONNACK_RAW_MAX];
	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = hx[p[i] >> 4];
		buf[2 * i + 1] = hx[p[i] & 15];
	}
	str_n(t, buf, 2 * n);
}

static void connack(struct jt *t, const struct msw_record *r)
{
	if (r->connack_code < 0) {
		null_(t, "connack");
		return;
	}
	key(t, "connack");
	open_(t, "{");
	number(t, "code", r->connack_code);
	const char *reason = record_connack_reason(r->connack_code, r->mqtt_version);
	if (reason)
		word(t, "reason", reason);
	else
		null_(t, "reason");
	size_t n = r->connack_raw.len > CONNACK_RAW_MAX ? CONNACK_RAW_MAX : r->connack_raw.len;
	key(t, "raw_hex");
	hex(t, r->connack_raw.p, n);
	if (n < r->connack_raw.len) {
		boolean(t, "raw_truncated", true);
		number(t, "raw_len", (double)r->connack_raw.len);
	}
	subtree(t, "properties", r->connack_props, 1);
	close_(t, "}");
}

static void broker(struct jt *t, const struct msw_record *r)
{
	key(t, "broker");
	open_(t, "{");
	cstr(t, "product", r->broker_product);
	cstr(t, "version", r->broker_version);
	if (r->broker_evidence) {
		subtree(t, "evidence", r->broker_evidence, 1);
	} else {
		key(t, "evidence");
		raw(t, "[]", 2);
	}
	close_(t, "}");
}

static void topic(struct jt *t, const struct msw_topic *e)
{
	sep(t);
	open_(t, "{");
	bytes(t, "topic", e->topic.p, e->topic.len);
	boolean(t, "retained", e->retained);
	number(t, "messages", e->messages);
	number(t, "bytes", (double)e->bytes);
	if (e->sample.p)
		bytes(t, "sample", e->sample.p, e->sample.len);
	else
		null_(t, "sample");
	boolean(t, "sample_truncated", e->sample_truncated);
	close_(t, "}");
}

static void topics(struct jt *t, const struct msw_record *r)
{
	key(t, "topics");
	open_(t, "{");
	number(t, "count", r->topic_count);
	number(t, "retained", r->retained_count);
	number(t, "messages", (double)r->messages_total);
	number(t, "bytes", (double)r->bytes_total);
	boolean(t, "truncated", r->topics_truncated);
	key(t, "list");
	open_(t, "[");
	for (size_t i = 0; i < r->topics.n && !t->rc; i++)
		topic(t, &record_topics(r)[i]);
	close_(t, "]");
	close_(t, "}");
}

static void finding(struct jt *t, const struct msw_finding *f)
{
	sep(t);
	open_(t, "{");
	cstr(t, "id", f->id ? f->id : "unknown");
	word(t, "category", category_str(f->category));
	word(t, "severity", severity_str(f->severity));
	word(t, "confidence", confidence_str(f->confidence));
	if (f->cwe > 0)
		number(t, "cwe", f->cwe);
	else
		null_(t, "cwe");
	if (f->topic.len)
		bytes(t, "topic", f->topic.p, f->topic.len);
	else
		null_(t, "topic");
	cstr(t, "title", f->title ? f->title : "");
	cstr(t, "evidence", f->evidence);
	cstr(t, "remediation", f->remediation);
	cstr(t, "reproduce", f->reproduce);
	close_(t, "}");
}

static void findings(struct jt *t, const struct msw_record *r)
{
	key(t, "findings");
	open_(t, "[");
	for (size_t i = 0; i < r->findings.n && !t->rc; i++)
		finding(t, &record_findings(r)[i]);
	close_(t, "]");
}

/* merge_extra(): an extra member whose key is already at the top level is skipped. */
static bool top_has(const struct jt *t, const char *k)
{
	for (int i = 0; i < t->nkeys; i++) {
		const char *w = t->keys[i];
		size_t n = strlen(w);
		if (strncmp(k, w, n) == 0 && (t->b64[i] ? strcmp(k + n, "_b64") == 0 : !k[n]))
			return true;
	}
	return false;
}

/* An earlier member of x with key k: it was written, or skipped for the same reason. */
static bool earlier(const cJSON *x, const cJSON *it)
{
	for (const cJSON *p = x->child; p && p != it; p = p->next)
		if (p->string && strcmp(p->string, it->string) == 0)
			return true;
	return false;
}

static void extra(struct jt *t, const cJSON *x)
{
	const cJSON *it;

	if (!cJSON_IsObject(x))
		return;
	cJSON_ArrayForEach(it, x) {
		if (!it->string || top_has(t, it->string) || earlier(x, it))
			continue;
		sub_member(t, it, 0);
	}
}

msw_err record_text(const struct msw_record *r, const char *tool_version, struct dbuf *b)
{
	struct jt t = {.b = b, .first = true};
	size_t mark = b->len;

	(void)dbuf_reserve(b, 4096); /* most records fit: raw() then only copies */
	open_(&t, "{");
	identity(&t, r, tool_version);
	boolean(&t, "mqtt", r->mqtt);
	cstr(&t, "mqtt_version", r->mqtt_version[0] ? r->mqtt_version : NULL);
	word(&t, "auth", auth_str(r->auth));
	connack(&t, r);
	if (r->versions)
		subtree(&t, "versions", r->versions, 0);
	word(&t, "read_access", read_access_str(r->read_access));
	word(&t, "write_access", write_access_str(r->write_access));
	broker(&t, r);
	topics(&t, r);
	findings(&t, r);
	if (r->tls)
		subtree(&t, "tls", r->tls, 0);
	if (r->websocket)
		subtree(&t, "websocket", r->websocket, 0);
	number(&t, "duration_ms", (double)(r->duration_ms > 0 ? r->duration_ms : 0));
	cstr(&t, "error", r->error);
	extra(&t, r->extra);
	close_(&t, "}");
	if (t.rc)
		b->len = mark;
	return t.rc;
}
