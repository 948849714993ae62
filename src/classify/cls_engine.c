/* The classifier engine: applies the rule tables (rules_*.c) to each message.
 *
 * Per message: copy the topic, parse the payload once (bounded, cls_json_parse), let the
 * Home Assistant module expand discovery abbreviations, then walk every table in order.
 * A rule matches when its topic pattern, payload kind, text matcher, JSON conditions and
 * optional hook all agree; within a rule group only the first match counts; R_GENERIC
 * rules stand back when the message already produced a finding of their category.
 * A match renders the title/evidence templates under the --evidence policy and keeps a
 * pending finding, deduplicated by (id, dedupe key) and capped per target; cls_finish()
 * fills in host/port in the reproduce lines and hands everything to the record. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/hash.h"
#include "classify/cls_int.h"
#include "classify/cls_result.h"

uint64_t cls_hash64(const void *p, size_t n, uint64_t seed)
{
	uint64_t h = fnv1a64(p, n, FNV64_INIT ^ seed);

	return h ? h : 1;
}

const struct msw_config *cls_cfg(const struct classify_ctx *c)
{
	return c->cfg;
}

static enum msw_evidence evmode(const struct classify_ctx *c)
{
	return c->cfg ? c->cfg->evidence : EVIDENCE_REDACTED;
}

struct classify_ctx *cls_new(const struct msw_config *cfg)
{
	struct classify_ctx *c;

	cls_words_prepare();
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->cfg = cfg;
	c->sys_retained_reported = -1;
	vec_init(&c->fs, sizeof(struct cls_pending), 2, CLS_MAX_FINDINGS);
	hset_init(&c->seen, sizeof(uint64_t), 8, 16, CLS_SEEN_MAX / 4 * 3, NULL);
	vec_init(&c->rhash, sizeof(uint64_t), 32, CLS_MAX_RETAINED);
	vec_init(&c->shash, sizeof(uint64_t), 32, CLS_MAX_RETAINED);
	return c;
}

static void pending_free(struct cls_pending *p)
{
	free(p->f.id);
	free(p->f.title);
	free(p->f.evidence);
	free(p->f.remediation);
	free(p->f.reproduce);
	mbytes_free(&p->f.topic);
}

void cls_free(struct classify_ctx *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->fs.n; i++)
		pending_free(vec_at(&c->fs, i));
	vec_free(&c->fs);
	cls_ha_free(c);
	hset_free(&c->seen);
	vec_free(&c->rhash);
	vec_free(&c->shash);
	free(c->broker_version);
	free(c->sys_identity);
	free(c->svc_hostname);
	free(c);
}

/* ---- dedupe ---- */

/* True if h is new (and now remembered). A full set (3/4 of CLS_SEEN_MAX slots) or no
 * memory stops deduping; the findings cap still holds. */
static bool seen_add(struct classify_ctx *c, uint64_t h)
{
	bool fresh;

	return !hset_add(&c->seen, h, NULL, &fresh) || fresh;
}

bool cls_has_finding(const struct classify_ctx *c, const char *id)
{
	const struct cls_pending *fs = c->fs.p;

	for (size_t i = 0; i < c->fs.n; i++)
		if (fs[i].f.id && strcmp(fs[i].f.id, id) == 0)
			return true;
	return false;
}

static struct cls_pending *pending_new(struct classify_ctx *c)
{
	struct cls_pending *p = vec_push(&c->fs); /* NULL at CLS_MAX_FINDINGS or OOM */

	if (!p)
		c->dropped++;
	return p;
}

/* A finding not seen before on this target: its id and its key (topic or the rule's
 * dedupe text) hashed in turn, without building one string of both. Rules and ad-hoc
 * findings share it, so they dedupe against each other. */
static bool finding_new(struct classify_ctx *c, const char *id, const char *key)
{
	uint64_t h = cls_hash64(id, strlen(id), 0);

	return seen_add(c, cls_hash64(key ? key : "", key ? strlen(key) : 0, h ^ 0x1f));
}

static char *dupn(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Some byte below 0x20 in s[0..n) (eight at a time). */
static bool has_ctl(const char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101ull;
	size_t i = 0;

	for (; n - i >= 8; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if ((w - ones * 0x20) & ~w & (ones * 0x80))
			return true;
	}
	for (; i < n; i++)
		if ((unsigned char)s[i] < 0x20)
			return true;
	return false;
}

/* Strings from the network that reach a finding unrendered (correlation, files): bytes
 * that are not valid UTF-8 become '?', control characters spaces. */
static char *dup_clean(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	bool ok = utf8_valid((const uint8_t *)s, n);
	char *d = malloc(n + 1);

	if (!d)
		return NULL;
	memcpy(d, s, n + 1);
	if (ok && !has_ctl(s, n))
		return d; /* the usual case: nothing to change */
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)d[i];
		if (ch < 0x20)
			d[i] = ' ';
		else if (!ok && ch >= 0x80)
			d[i] = '?';
	}
	return d;
}

void cls_emit_adhoc(struct classify_ctx *c, const struct cls_adhoc *a)
{
	struct cls_pending *p;

	if (!finding_new(c, a->id, a->topic))
		return;
	p = pending_new(c);
	if (!p)
		return;
	p->f.id = dupn(a->id);
	p->f.category = a->cat;
	p->f.severity = a->sev;
	p->f.confidence = a->conf;
	p->f.cwe = a->cwe;
	p->f.title = dup_clean(a->title);
	p->f.evidence = dup_clean(a->evidence);
	p->f.remediation = dupn(a->remediation);
	p->f.reproduce = dup_clean(a->reproduce);
	if (a->topic && a->topic[0])
		mbytes_set(&p->f.topic, a->topic, strlen(a->topic));
}

/* ---- variables and captures ---- */

void cls_var(struct cls_run *r, const char *name, const char *val, enum rclass rc)
{
	struct cls_var *v;

	if (!val || r->nvars >= CLS_MAX_VARS)
		return;
	v = &r->vars[r->nvars];
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->val = strdup(val);
	v->rc = rc;
	if (v->val)
		r->nvars++;
}

void cls_varf(struct cls_run *r, const char *name, enum rclass rc, const char *fmt, ...)
{
	char buf[CLS_VAL_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cls_var(r, name, buf, rc);
}

const char *cls_cap(const struct cls_run *r, const char *name, char *buf, size_t cap)
{
	for (int i = 0; i < r->ncaps; i++)
		if (strcmp(r->caps[i].name, name) == 0) {
			size_t l = r->caps[i].len < cap - 1 ? r->caps[i].len : cap - 1;

			memcpy(buf, r->mtopic + r->caps[i].off, l);
			buf[l] = 0;
			return buf;
		}
	return NULL;
}

static const struct cls_var *find_var(const struct cls_run *r, const char *name)
{
	for (int i = r->nvars - 1; i >= 0; i--)
		if (strcmp(r->vars[i].name, name) == 0)
			return &r->vars[i];
	return NULL;
}

static void vars_reset(struct cls_run *r)
{
	for (int i = 0; i < r->nvars; i++)
		free(r->vars[i].val);
	r->nvars = 0;
}

/* Redaction class given to name by the rule's redact list ("user=name,$code=secret"). */
static enum rclass spec_class(const char *spec, const char *name)
{
	static const char *const names[] = { "none", "coord", "secret", "name", "email", "ip", "drop", "safe",
					     "bssid" };
	size_t nl = strlen(name);
	const char *p = spec;

	while (p && *p) {
		const char *eq = strchr(p, '=');
		const char *comma = strchr(p, ',');
		size_t vl;

		if (!eq || (comma && comma < eq))
			break;
		vl = comma ? (size_t)(comma - eq - 1) : strlen(eq + 1);
		if ((size_t)(eq - p) == nl && memcmp(p, name, nl) == 0)
			for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				if (strlen(names[i]) == vl && memcmp(eq + 1, names[i], vl) == 0)
					return (enum rclass)i;
		p = comma ? comma + 1 : NULL;
	}
	return (enum rclass)-1;
}

static const char *last_seg(const char *path)
{
	const char *d = strrchr(path, '.');

	return d ? d + 1 : path;
}

static enum rclass default_class(const char *name)
{
	if (strcmp(name, "user") == 0 || strcmp(name, "device") == 0 ||
	    strcmp(name, "person") == 0 || strcmp(name, "client") == 0)
		return RC_NAME;
	return cls_key_class(last_seg(name[0] == '$' ? name + 1 : name));
}

/* Values from the network: control characters become spaces, invalid UTF-8 is shown as
 * "[binary]" (titles and evidence are JSON strings). */
static char *clean_value(char *v)
{
	if (!v)
		return NULL;
	if (!utf8_valid((const uint8_t *)v, strlen(v))) {
		free(v);
		return strdup("[binary]");
	}
	for (char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	return v;
}

/* Raw value of a template name and its redaction class. names: topic, payload, $json.path,
 * a capture, or a hook variable. Returns malloc'ed or NULL (unknown/absent). */
static char *lookup(const struct cls_run *r, const struct rule *ru, const char *name,
		    enum rclass *rc)
{
	char buf[CLS_VAL_MAX + 1];
	const struct cls_var *v;
	enum rclass sc = ru ? spec_class(ru->redact, name) : (enum rclass)-1;

	*rc = (int)sc >= 0 ? sc : default_class(name);
	if (strcmp(name, "payload") == 0) {
		if (!r->text)
			return NULL;
		if ((int)sc < 0)
			*rc = RC_NONE;
		return clean_value(strndup(r->text, 64));
	}
	if (name[0] == '$') {
		const cJSON *j = cls_jget(r->json, name + 1);

		return clean_value(cls_jstr(j));
	}
	if ((v = find_var(r, name))) {
		if ((int)sc < 0)
			*rc = v->rc;
		return clean_value(strdup(v->val));
	}
	if (cls_cap(r, name, buf, sizeof(buf)))
		return clean_value(strdup(buf));
	return NULL;
}

/* A string being built: a vec of chars kept NUL-terminated, from 64 bytes up to
 * CLS_TEXT_MAX. A piece that does not fit (cap, or no memory) is left out. */
struct sbuf {
	struct vec v;
};

static void sb_init(struct sbuf *b)
{
	vec_init(&b->v, 1, 64, CLS_TEXT_MAX);
	if (!vec_reserve(&b->v, 1))
		*(char *)b->v.p = 0;
}

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (!b->v.p || vec_reserve(&b->v, n + 1))
		return;
	char *p = b->v.p;
	memcpy(p + b->v.n, s, n);
	b->v.n += (uint32_t)n;
	p[b->v.n] = 0;
}

/* The string (the caller frees it), or NULL when even the first allocation failed. */
static char *sb_take(struct sbuf *b)
{
	return vec_take(&b->v, NULL);
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* One {name} or {name|default} of a template; false, with nothing written, when the name
 * has no value and no default. */
static bool render_one(struct sbuf *b, const struct cls_run *r, const struct rule *ru,
		       const char *name)
{
	enum msw_evidence ev = evmode(r->c);
	char nm[128];
	const char *bar = strchr(name, '|');
	enum rclass rc;
	char *raw, *out;

	snprintf(nm, sizeof(nm), "%.*s", (int)(bar ? (size_t)(bar - name) : strlen(name)), name);
	if (strcmp(nm, "topic") == 0) {
		out = cls_topic_for(r->c->cfg, r->topic, r->tlen);
		if (out)
			sb_str(b, out);
		free(out);
		return true;
	}
	raw = lookup(r, ru, nm, &rc);
	if (!raw && bar) {
		raw = strdup(bar + 1);
		rc = RC_SAFE;   /* a default comes from the rule, not the payload */
	}
	if (!raw)
		return false;
	if (ev == EVIDENCE_MINIMAL && rc != RC_SAFE) {
		sb_str(b, "[");
		sb_str(b, nm[0] == '$' ? last_seg(nm + 1) : nm);
		sb_str(b, "]");
	} else {
		out = cls_redact_value(ev, rc, raw);
		if (out)
			sb_str(b, out);
		free(out);
	}
	free(raw);
	return true;
}

/* {name} or {name|default}: anything else between braces (JSON in a title) is literal. */
static bool template_name(const char *s)
{
	size_t n = strcspn(s, "|");

	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || strchr("_$.-", s[i])))
			return false;
	return true;
}

static void render_span(struct sbuf *b, const struct cls_run *r, const struct rule *ru,
			const char *p, const char *end, bool *missing);

/* An optional part {[ ... ]} (groups do not nest): written only when every name in it has
 * a value, so a title leaves out what the payload did not say instead of printing a
 * placeholder. A part that starts with ", " right after ": " or "(" drops the comma (a
 * list whose first items were left out). Returns where the template goes on. */
static const char *render_group(struct sbuf *b, const struct cls_run *r, const struct rule *ru,
				const char *open, const char *end)
{
	const char *gend = open + 2;
	const char *done = b->v.p ? b->v.p : "";
	size_t n = b->v.n;
	struct sbuf g;
	bool gmissing = false;
	char *text;
	const char *t;

	while (gend + 1 < end && !(gend[0] == ']' && gend[1] == '}'))
		gend++;
	if (gend + 1 >= end) { /* unterminated: literal */
		sb_add(b, open, (size_t)(end - open));
		return end;
	}
	sb_init(&g);
	render_span(&g, r, ru, open + 2, gend, &gmissing);
	text = sb_take(&g);
	t = text;
	if (!gmissing && t) {
		if (strncmp(t, ", ", 2) == 0 &&
		    (!n || (n >= 2 && strcmp(done + n - 2, ": ") == 0) || done[n - 1] == '('))
			t += 2;
		sb_str(b, t);
	}
	free(text);
	return gend + 2;
}

/* Expand [p, end) into b; *missing is set when a name outside any group had no value. */
static void render_span(struct sbuf *b, const struct cls_run *r, const struct rule *ru,
			const char *p, const char *end, bool *missing)
{
	while (p < end) {
		const char *open = memchr(p, '{', (size_t)(end - p)), *close;
		char name[128];

		if (!open) {
			sb_add(b, p, (size_t)(end - p));
			return;
		}
		sb_add(b, p, (size_t)(open - p));
		if (open + 1 < end && open[1] == '[') {
			p = render_group(b, r, ru, open, end);
			continue;
		}
		close = memchr(open, '}', (size_t)(end - open));
		if (!close) {
			sb_add(b, open, (size_t)(end - open));
			return;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(close - open - 1), open + 1);
		if (cls_glob_alt("host|port|tls|auth|filter", name, strlen(name)) || !template_name(name))
			sb_add(b, open, (size_t)(close - open + 1));
		else if (!render_one(b, r, ru, name))
			*missing = true;
		p = close + 1;
	}
}

/* Expand a template. Names the run cannot resolve and that are left for cls_finish
 * ({host} {port} {tls} {auth}) are kept verbatim; a name without a value is left out
 * (with its optional part, see render_group). */
static char *render(const struct cls_run *r, const struct rule *ru, const char *tmpl)
{
	struct sbuf b;
	bool missing = false;

	if (!tmpl)
		return NULL;
	sb_init(&b);
	render_span(&b, r, ru, tmpl, tmpl + strlen(tmpl), &missing);
	return sb_take(&b);
}

/* Evidence: a JSON object text, each listed item redacted by its class. */
static void evidence_item(cJSON *o, const struct cls_run *r, const struct rule *ru,
			  const char *item)
{
	enum msw_evidence ev = evmode(r->c);
	const char *eq = strchr(item, '=');
	const char *name = eq ? eq + 1 : item;
	const char *label = eq ? NULL : (name[0] == '$' ? last_seg(name + 1) : name);
	char lab[64];
	enum rclass rc;

	if (eq) {
		snprintf(lab, sizeof(lab), "%.*s", (int)(eq - item), item);
		label = lab;
	}
	if (name[0] == '$') {
		const cJSON *j = cls_jget(r->json, name + 1);

		if (cJSON_IsArray(j) || cJSON_IsObject(j)) {
			cJSON *d = ev == EVIDENCE_MINIMAL ? cJSON_CreateString("[redacted]")
							  : cJSON_Duplicate(j, 1);
			enum rclass sc = spec_class(ru ? ru->redact : NULL, name);

			if (d && ev != EVIDENCE_MINIMAL)
				cls_redact_tree(d, ev, default_class(name) == RC_COORD, false, 0);
			if (d && ev == EVIDENCE_REDACTED && (sc == RC_NAME || sc == RC_SECRET)) {
				cJSON_Delete(d);
				d = cJSON_CreateString("[masked]");
			}
			if (d)
				if (!cJSON_AddItemToObject(o, label, d))
					cJSON_Delete(d);   /* the key copy failed: d was not attached */
			return;
		}
	}
	char *raw = lookup(r, ru, name, &rc);

	if (!raw)
		return;
	char *out = cls_redact_value(ev, rc, raw);

	if (out)
		cJSON_AddStringToObject(o, label, out);
	free(out);
	free(raw);
}

static char *render_evidence(const struct cls_run *r, const struct rule *ru)
{
	cJSON *o;
	char *s = NULL;
	const char *p = ru->evidence;

	if (!p || !*p)
		return NULL;
	o = cJSON_CreateObject();
	if (!o)
		return NULL;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char item[128];

		snprintf(item, sizeof(item), "%.*s", (int)len, p);
		if (item[0])
			evidence_item(o, r, ru, item);
		if (!comma)
			break;
		p = comma + 1;
	}
	if (o->child)
		s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s && !utf8_valid((const uint8_t *)s, strlen(s))) {
		free(s);
		s = strdup("{\"note\":\"evidence not valid UTF-8, not shown\"}");
	}
	return s;
}

void cls_u64(char *out, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(out, tmp + i, sizeof(tmp) - i);
	out[sizeof(tmp) - i] = 0;
}

void cls_concat(char *out, size_t cap, ...)
{
	va_list ap;
	size_t n = 0;

	va_start(ap, cap);
	for (const char *s; (s = va_arg(ap, const char *));) {
		size_t k = strlen(s);
		if (k > cap - 1 - n)
			k = cap - 1 - n;
		memcpy(out + n, s, k);
		n += k;
	}
	va_end(ap);
	out[n] = 0;
}

/* The inside of a single-quoted shell word ('...'): ' becomes '\'' and { becomes {lb}
 * (see cls_int.h). */
char *cls_shell_quote(const char *t)
{
	struct sbuf b;

	sb_init(&b);
	bool ok = utf8_valid((const uint8_t *)t, strlen(t));

	for (const char *p = t; *p; p++) {
		if (*p == '\'')
			sb_str(&b, "'\\''");
		else if (*p == '{')
			sb_str(&b, "{lb}"); /* fill_repro() writes '{': no placeholder in peer text */
		else if ((unsigned char)*p < 0x20 || (!ok && (unsigned char)*p >= 0x80))
			sb_str(&b, "?");   /* keep the command line printable and valid UTF-8 */
		else
			sb_add(&b, p, 1);
	}
	return sb_take(&b);
}

#define DEFAULT_REPRO "mosquitto_sub -h {host} -p {port}{tls}{auth} -v -t '{filter}' -C 1 -W 10"

static char *render_repro(const struct cls_run *r, const struct rule *ru, const char *topic)
{
	char *t = render(r, ru, ru->reproduce ? ru->reproduce : DEFAULT_REPRO);
	char *f = cls_topic_filter(r->c->cfg, topic, strlen(topic));
	char *q = f ? cls_shell_quote(f) : NULL;
	struct sbuf b;
	const char *p = t, *hit;

	free(f);
	if (!t || !q) {
		free(q);
		return t;
	}
	sb_init(&b);
	while ((hit = strstr(p, "{filter}"))) {
		sb_add(&b, p, (size_t)(hit - p));
		sb_str(&b, q);
		p = hit + 8;
	}
	sb_str(&b, p);
	free(t);
	free(q);
	return sb_take(&b);
}

void cls_emit(struct cls_run *r, const struct rule *ru, const char *topic_override)
{
	const char *topic = topic_override ? topic_override : r->topic;
	char *key = ru->dedupe ? render(r, ru, ru->dedupe) : NULL;
	struct cls_pending *p;
	char *t;
	bool fresh = finding_new(r->c, ru->id, ru->dedupe ? key : topic);

	free(key);
	r->cats |= 1u << ru->cat;
	if (!fresh)
		return;
	p = pending_new(r->c);
	if (!p)
		return;
	p->f.id = strdup(ru->id);
	p->f.category = ru->cat;
	p->f.severity = ru->sev;
	p->f.confidence = ru->conf;
	p->f.cwe = ru->cwe;
	p->f.title = render(r, ru, ru->title);
	p->f.evidence = render_evidence(r, ru);
	p->f.remediation = dupn(ru->remediation);
	p->f.reproduce = render_repro(r, ru, topic);
	t = cls_topic_for(r->c->cfg, topic, strlen(topic));
	if (t)
		mbytes_set(&p->f.topic, t, strlen(t));
	free(t);
}

/* ---- matching ---- */

static bool payload_kind_ok(const struct cls_run *r, enum pkind k)
{
	switch (k) {
	case PK_ANY: return true;
	case PK_OBJ: return cJSON_IsObject(r->json);
	case PK_ARR: return cJSON_IsArray(r->json);
	case PK_TEXT: return r->text && r->text[0] && !cJSON_IsObject(r->json) && !cJSON_IsArray(r->json);
	case PK_NUM: {
		char *end;

		if (!r->text || !r->text[0])
			return false;
		(void)strtod(r->text, &end);
		return *end == 0;
	}
	case PK_EMPTY: return r->plen == 0;
	case PK_NONEMPTY: return r->plen > 0;
	case PK_IMAGE:
		return (r->plen >= 3 && r->payload[0] == 0xFF && r->payload[1] == 0xD8 && r->payload[2] == 0xFF) ||
		       (r->plen >= 8 && memcmp(r->payload, "\x89PNG\r\n\x1a\n", 8) == 0);
	case PK_BINARY: return !r->utf8;
	}
	return false;
}

static bool cond_ok(const struct cls_run *r, const struct jcond *jc)
{
	const cJSON *v = cls_jget(r->json, jc->path);
	bool ok = false;
	char *s;

	switch (jc->op) {
	case J_NONE: return true;
	case J_PRESENT: return v && !cJSON_IsNull(v);
	case J_ABSENT: return !v || cJSON_IsNull(v);
	case J_NUM: return cJSON_IsNumber(v);
	case J_STR: return cJSON_IsString(v);
	case J_BOOL: return cJSON_IsBool(v);
	case J_OBJ: return cJSON_IsObject(v);
	case J_ARR: return cJSON_IsArray(v);
	case J_NONEMPTY: return cls_jtruthy(v) && !cJSON_IsBool(v);
	case J_GT: {
		double d = cls_jnum(v, &ok);

		return ok && d > strtod(jc->arg, NULL);
	}
	default:
		break;
	}
	if (!v || cJSON_IsNull(v) || cJSON_IsObject(v) || cJSON_IsArray(v))
		return jc->op == J_NE || jc->op == J_NONEOF;
	s = cls_jstr(v);
	if (!s)
		return jc->op == J_NE || jc->op == J_NONEOF;
	switch (jc->op) {
	case J_EQ: ok = strcasecmp(s, jc->arg) == 0; break;
	case J_NE: ok = strcasecmp(s, jc->arg) != 0; break;
	case J_ONEOF: case J_GLOB: ok = cls_glob_alt(jc->arg, s, strlen(s)); break;
	case J_NONEOF: ok = !cls_glob_alt(jc->arg, s, strlen(s)); break;
	default: break;
	}
	free(s);
	return ok;
}

static bool group_done(const struct cls_run *r, const char *g)
{
	for (int i = 0; i < r->ngroups; i++)
		if (strcmp(r->groups[i], g) == 0)
			return true;
	return false;
}

static bool rule_matches(struct cls_run *r, const struct rule *ru, const struct cls_pat *cp)
{
	if (ru->group && group_done(r, ru->group))
		return false;
	if ((ru->flags & R_GENERIC) && (r->cats & (1u << ru->cat)))
		return false;
	if ((ru->flags & R_NOSYS) && r->tlen && r->topic[0] == '$')
		return false;
	if ((ru->flags & R_FALLBACK) && r->cats)
		return false;
	r->ncaps = 0;
	if (!cls_pat_match(cp, ru->topic, &r->mview, r->caps, &r->ncaps))
		return false;
	if (!payload_kind_ok(r, ru->payload))
		return false;
	if (ru->text && !(r->text && cls_glob_alt(ru->text, r->text, strlen(r->text))))
		return false;
	for (int i = 0; i < CLS_MAX_CONDS && ru->when[i].path; i++)
		if (!cond_ok(r, &ru->when[i]))
			return false;
	return true;
}

void (*cls_rule_hit)(const struct rule *ru);

void cls_run_set_mtopic(struct cls_run *r, const char *mtopic)
{
	r->mtopic = mtopic;
	cls_tview_init(&r->mview, mtopic, strlen(mtopic));
}

static void run_rule(struct cls_run *r, const struct rule_table *tab, const struct rule *ru,
		     const struct cls_pat *cp)
{
	int saved = r->nvars;

	if (!rule_matches(r, ru, cp))
		return;
	if (ru->hook && !ru->hook(r, ru))
		goto out;
	if (ru->group && r->ngroups < CLS_MAX_GROUPS)
		r->groups[r->ngroups++] = ru->group;
	if (cls_rule_hit)
		cls_rule_hit(ru);
	if (tab->on_match)
		tab->on_match(r, ru);
	if (ru->title)
		cls_emit(r, ru, NULL);
out:
	while (r->nvars > saved)
		free(r->vars[--r->nvars].val);
}

/* Only the rules the topic's first level can match, in table order (cls_tindex). */
void cls_run_table(struct cls_run *r, const struct rule_table *tab, const struct cls_tindex *ix)
{
	if (!ix) {
		for (size_t i = 0; i < tab->n; i++)
			run_rule(r, tab, &tab->rules[i], NULL);
		return;
	}
	struct cls_iter it;
	size_t i;

	cls_iter_init(&it, ix, r->mview.h0);
	while (cls_iter_next(&it, &i))
		run_rule(r, tab, &tab->rules[i], &ix->pats[i]);
}

void cls_run_tables(struct cls_run *r)
{
	for (size_t t = 0; t < cls_ntables; t++)
		cls_run_table(r, cls_tables[t], cls_table_index(t));
}

/* ---- per message ---- */

static char *trimmed_text(const uint8_t *p, size_t n)
{
	size_t a = 0, b = n;
	char *s;

	while (a < b && (p[a] == ' ' || p[a] == '\t' || p[a] == '\r' || p[a] == '\n'))
		a++;
	while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t' || p[b - 1] == '\r' || p[b - 1] == '\n'))
		b--;
	if (memchr(p + a, 0, b - a))
		return NULL;
	s = malloc(b - a + 1);
	if (s) {
		memcpy(s, p + a, b - a);
		s[b - a] = 0;
	}
	return s;
}

/* One retained message into its fingerprint's hash list: the owner's (rhash) or the
 * broker's $SYS snapshot (shash). */
static void note_retained(struct vec *v, bool *overflow, const char *topic, size_t tlen,
			  const uint8_t *p, size_t n)
{
	uint64_t h;

	if (v->n >= CLS_MAX_RETAINED) {
		*overflow = true;
		return;
	}
	h = cls_hash64(topic, tlen, 0x51);
	h = cls_hash64(p, n, h);
	(void)vec_append(v, &h, 1); /* grows from 32: most targets retain little */
}

void cls_message(struct classify_ctx *c, const uint8_t *topic, size_t tlen,
		 const uint8_t *payload, size_t plen, bool retained)
{
	struct cls_run r;
	char *t;

	if (!c || (!topic && tlen) || (!payload && plen) || tlen > 65535)
		return;
	t = malloc(tlen + 1);
	if (!t)
		return;
	if (tlen)
		memcpy(t, topic, tlen);
	t[tlen] = 0;
	memset(&r, 0, sizeof(r));
	r.c = c;
	r.topic = t;
	r.tlen = strlen(t);   /* an embedded NUL ends the topic for matching */
	cls_run_set_mtopic(&r, t);
	r.payload = payload ? payload : (const uint8_t *)"";
	r.plen = plen;
	r.retained = retained;
	r.utf8 = utf8_valid(r.payload, plen);
	r.text = r.utf8 ? trimmed_text(r.payload, plen) : NULL;
	r.json = cls_json_parse(r.payload, plen);
	c->messages++;
	if (t[0] == '$')
		cls_sys_observe(c, t, r.text, retained);
	else if (strncmp(t, "ActiveMQ/Advisory/", 18) == 0)
		c->advisories++; /* the broker's own bookkeeping, not the owner's data */
	else
		c->nonsys_messages++;
	if (retained && t[0] != '$')
		note_retained(&c->rhash, &c->rhash_overflow, t, r.tlen, r.payload, plen);
	else if (retained && strncmp(t, "$SYS/", 5) == 0)
		note_retained(&c->shash, &c->shash_overflow, t, r.tlen, r.payload, plen);
	cls_ha_remember_state(c, t, r.tlen, r.payload, plen);
	if (!cls_sys_own_event(c, &r) && !cls_ha_discovery(&r))
		cls_run_tables(&r);
	vars_reset(&r);
	cJSON_Delete(r.json);
	free(r.text);
	free(t);
}

/* ---- finish ---- */

/* The reproduce template with {host}, {port}, {tls} and {auth} filled in, and {lb} (a '{'
 * of peer text, see cls_shell_quote) turned back into '{', in one pass: placeholders are
 * only ever ours, and no value holds a '{' that could form one. */
/* {auth}: what a reader must add to log in as we did — placeholders for the credentials
 * given (never the values), any made-up pair where the broker takes any. */
static const char *auth_args(enum msw_auth a)
{
	if (a == AUTH_AUTHENTICATED)
		return " -u '<user>' -P '<password>'";
	if (a == AUTH_ANY_CREDENTIALS)
		return " -u any-user -P any-password";
	return "";
}

static char *fill_repro(const char *tmpl, const struct msw_record *rec, const struct classify_ctx *c)
{
	static const char *const names[5] = {"{host}", "{port}", "{tls}", "{auth}", "{lb}"};
	char port[24], host[300];
	const char *h = rec->hostname && rec->hostname[0] ? rec->hostname : rec->ip;
	const char *vals[5] = {
		host, port,
		rec->transport == TRANSPORT_TLS || rec->transport == TRANSPORT_WSS
			? " --capath /etc/ssl/certs" : "",
		auth_args(rec->auth),
		"{",
	};
	struct sbuf b;
	size_t n = 0;

	cls_u64(port, rec->port);
	for (const char *q = h && h[0] ? h : "HOST"; *q && n < sizeof(host) - 1; q++, n++)
		host[n] = isalnum((unsigned char)*q) || *q == '.' || *q == ':' || *q == '-' ||
				  *q == '_' ? *q : '_';
	host[n] = 0;
	(void)c;
	sb_init(&b);
	for (const char *p = tmpl; *p;) {
		const char *brace = strchr(p, '{');
		int k = 0;
		if (!brace) {
			sb_str(&b, p);
			break;
		}
		sb_add(&b, p, (size_t)(brace - p));
		while (k < 5 && strncmp(brace, names[k], strlen(names[k])) != 0)
			k++;
		if (k < 5) {
			sb_str(&b, vals[k]);
			p = brace + strlen(names[k]);
		} else {
			sb_add(&b, "{", 1);
			p = brace + 1;
		}
	}
	return sb_take(&b);
}

void cls_finish(struct classify_ctx *c, struct msw_record *rec)
{
	bool inferred_actuator = false;

	if (!c || !rec)
		return;
	if (!c->service_done)
		cls_service(c, rec);
	cls_ha_correlate(c);
	cls_ot_inventory(c);
	cls_sys_finish(c, rec);
	cls_service_finish(c, rec);
	for (size_t i = 0; i < c->fs.n; i++) {
		struct cls_pending *pend = vec_at(&c->fs, i);
		struct msw_finding *f = &pend->f;
		char *r = f->reproduce ? fill_repro(f->reproduce, rec, c) : NULL;

		if (r) {
			free(f->reproduce);
			f->reproduce = r;
		}
		if (f->category == CAT_ACTUATOR_CONTROL && f->confidence == CONF_INFERRED)
			inferred_actuator = true;
		if (!record_take_finding(rec, f)) /* the strings move to the record */
			c->dropped++;
		pending_free(pend);
	}
	vec_clear(&c->fs);
	if (inferred_actuator && rec->write_access == WRITE_UNTESTED &&
	    rec->read_access != READ_DENIED)
		rec->write_access = WRITE_INFERRED;
	if (c->dropped) {
		struct cls_result *cr = record_block_new(rec, &cls_result_table);
		if (cr)
			cr->findings_dropped = c->dropped;
	}
}
