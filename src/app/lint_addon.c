/* The Home Assistant Mosquitto add-on: its options (the add-on page's YAML, the
 * /data/options.json it stores, or the add-on's own config.yaml with an `options:` block)
 * turned into the mosquitto.conf the add-on generates from them, then read like any other
 * configuration, customize folder included.
 *
 * What the add-on generates (its mosquitto.gtpl, 6.x): persistence in /data/, an auth
 * plugin (users from `logins` and Home Assistant's own users; no anonymous clients),
 * `listener 1883` (MQTT) and `listener 1884` (WebSockets) on every address, and, when
 * /ssl/<certfile> and /ssl/<keyfile> exist, `listener 8883` and `listener 8884` with TLS
 * (require_certificate as set); last, `include_dir /share/<customize.folder>` when
 * customize.active is true. Older add-ons (5.x and before) had an `anonymous` option,
 * which became allow_anonymous. Each generated line is attributed to the option that
 * causes it (line 1 of the options file for the fixed listeners).
 *
 * The YAML reader takes the subset these files use: block mappings and lists by
 * indentation, `- key: value` list items, plain and quoted scalars, empty [] and {},
 * comments. Anything else is skipped, never guessed. */
#define _GNU_SOURCE
#include "app/lint.h"
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "base/vec.h"

#define YAML_MAX_DEPTH 16
#define YAML_MAX_LINES 20000
#define ADDON_MAX_LOGINS 256

/* ---- YAML subset -> cJSON ---- */

struct yline {
	int indent;
	char *text;   /* content after the indentation, comment and trailing blanks removed */
};

struct yreader {
	struct yline *v;
	size_t n, i;
};

static char *strip_comment(char *s)
{
	char q = 0;

	for (char *p = s; *p; p++) {
		if (q) {
			if (*p == q)
				q = 0;
		} else if (*p == '"' || *p == '\'') {
			q = *p;
		} else if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	}
	for (size_t n = strlen(s); n && isspace((unsigned char)s[n - 1]);)
		s[--n] = '\0';
	return s;
}

static cJSON *scalar(const char *v)
{
	size_t n = strlen(v);

	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		char *t = strndup(v + 1, n - 2);
		cJSON *j = t ? cJSON_CreateString(t) : NULL;

		free(t);
		return j;
	}
	if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "yes"))
		return cJSON_CreateTrue();
	if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "no"))
		return cJSON_CreateFalse();
	if (!strcmp(v, "[]"))
		return cJSON_CreateArray();
	if (!strcmp(v, "{}"))
		return cJSON_CreateObject();
	if (!strcmp(v, "null") || !strcmp(v, "~") || !*v)
		return cJSON_CreateNull();
	return cJSON_CreateString(v);
}

static cJSON *yblock(struct yreader *r, int indent, int depth);

/* "key: value" or "key:" at r->i; adds to obj. */
static void ymap_entry(struct yreader *r, cJSON *obj, int indent, int depth)
{
	char *t = r->v[r->i].text, *colon = strstr(t, ": "), *val;
	cJSON *child;

	if (!colon && t[strlen(t) - 1] == ':')
		colon = t + strlen(t) - 1;
	if (!colon) {
		r->i++;
		return;
	}
	*colon = '\0';
	val = colon + 1;
	while (*val == ' ')
		val++;
	r->i++;
	if (*val)
		child = scalar(val);
	else if (r->i < r->n && r->v[r->i].indent > indent)
		child = yblock(r, r->v[r->i].indent, depth + 1);
	else if (r->i < r->n && r->v[r->i].indent == indent && r->v[r->i].text[0] == '-')
		child = yblock(r, indent, depth + 1); /* "key:\n- item" at the same indent */
	else
		child = cJSON_CreateNull();
	if (child && !cJSON_GetObjectItemCaseSensitive(obj, t))
		cJSON_AddItemToObject(obj, t, child);
	else
		cJSON_Delete(child);
}

static cJSON *yblock(struct yreader *r, int indent, int depth)
{
	bool list = r->i < r->n && r->v[r->i].text[0] == '-' &&
		    (r->v[r->i].text[1] == ' ' || !r->v[r->i].text[1]);
	cJSON *node = list ? cJSON_CreateArray() : cJSON_CreateObject();

	if (!node || depth > YAML_MAX_DEPTH) {
		while (r->i < r->n && r->v[r->i].indent >= indent)
			r->i++;
		return node;
	}
	while (r->i < r->n && r->v[r->i].indent == indent) {
		struct yline *l = &r->v[r->i];

		if (list) {
			char *rest;

			if (l->text[0] != '-')
				break;
			rest = l->text + 1;
			while (*rest == ' ')
				rest++;
			if (!*rest) {
				r->i++;
				if (r->i < r->n && r->v[r->i].indent > indent)
					cJSON_AddItemToArray(node, yblock(r, r->v[r->i].indent,
									  depth + 1));
				continue;
			}
			if (strstr(rest, ": ") || rest[strlen(rest) - 1] == ':') {
				/* "- key: value": a mapping whose lines sit at the item's column */
				l->indent = indent + (int)(rest - l->text);
				l->text = rest;
				cJSON_AddItemToArray(node, yblock(r, l->indent, depth + 1));
			} else {
				cJSON_AddItemToArray(node, scalar(rest));
				r->i++;
			}
		} else {
			if (l->text[0] == '-')
				break;
			ymap_entry(r, node, indent, depth);
		}
	}
	/* deeper lines nobody claimed (bad indentation): skip them */
	while (r->i < r->n && r->v[r->i].indent > indent)
		r->i++;
	return node;
}

static cJSON *yaml_parse(char *text)
{
	struct yreader r = {0};
	struct vec lines;
	cJSON *root;

	vec_init(&lines, sizeof(struct yline), 32, YAML_MAX_LINES);
	for (char *p = text; p && *p;) {
		char *nl = strchr(p, '\n'), *s = p;
		struct yline *l;
		int ind = 0;

		if (nl)
			*nl = '\0';
		while (*s == ' ') {
			s++;
			ind++;
		}
		s = strip_comment(s);
		if (*s && strcmp(s, "---")) {
			if (!(l = vec_push(&lines)))
				break; /* past the cap: the rest is not read */
			*l = (struct yline){ind, s};
		}
		p = nl ? nl + 1 : NULL;
	}
	r.v = lines.p;
	r.n = lines.n;
	root = r.n ? yblock(&r, r.v[0].indent, 0) : cJSON_CreateObject();
	vec_free(&lines);
	return root;
}

/* ---- where an option sits in the file (for file:line) ---- */

/* Line of the nth (0-based) occurrence of key as a key ("key": or key:), 0 if none. */
static uint32_t key_line(const char *buf, size_t len, const char *key, int nth)
{
	size_t kn = strlen(key);
	uint32_t line = 1;

	for (size_t i = 0; i + kn < len; i++) {
		if (buf[i] == '\n') {
			line++;
			continue;
		}
		if (memcmp(buf + i, key, kn) || (i && (isalnum((unsigned char)buf[i - 1]) ||
						      buf[i - 1] == '_')))
			continue;
		size_t j = i + kn;

		if (j < len && buf[j] == '"')
			j++;
		if (j < len && buf[j] == ':' && nth-- == 0)
			return line;
	}
	return 0;
}

bool lint_is_addon_options(const char *path, const char *buf, size_t len)
{
	size_t n = strlen(path);
	size_t i = 0;

	if ((n > 5 && !strcmp(path + n - 5, ".json")) || (n > 5 && !strcmp(path + n - 5, ".yaml")) ||
	    (n > 4 && !strcmp(path + n - 4, ".yml")))
		return true;
	while (i < len && isspace((unsigned char)buf[i]))
		i++;
	return i < len && buf[i] == '{';
}

/* ---- the generated configuration ---- */

struct gen {
	char text[16384];
	size_t n;
	uint32_t lines[256];   /* options-file line of each generated line */
	size_t nlines;
};

static void emit(struct gen *g, uint32_t from, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void emit(struct gen *g, uint32_t from, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (g->nlines >= sizeof(g->lines) / sizeof(g->lines[0]) || g->n >= sizeof(g->text))
		return;
	va_start(ap, fmt);
	k = vsnprintf(g->text + g->n, sizeof(g->text) - g->n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k + 1 >= sizeof(g->text) - g->n) {
		g->text[g->n] = '\0';
		return;
	}
	g->n += (size_t)k;
	g->text[g->n++] = '\n';
	g->text[g->n] = '\0';
	g->lines[g->nlines++] = from ? from : 1;
}

/* A value from the options for a configuration line: one line of printable text. */
static const char *clean(const char *s)
{
	if (!s || !*s)
		return NULL;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return NULL;
	return s;
}

static const char *opt_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? clean(v->valuestring) : NULL;
}

static bool opt_true(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

static void gen_tls(struct gen *g, const cJSON *o, uint32_t cl, uint32_t rl, const char *cert,
		    const char *key, bool ws)
{
	const char *ca = opt_str(o, "cafile");

	emit(g, cl, "listener %s", ws ? "8884" : "8883");
	emit(g, cl, "protocol %s", ws ? "websockets" : "mqtt");
	emit(g, cl, "cafile /ssl/%s", ca ? ca : cert);
	emit(g, cl, "certfile /ssl/%s", cert);
	emit(g, cl, "keyfile /ssl/%s", key);
	emit(g, rl, "require_certificate %s", opt_true(o, "require_certificate") ? "true" : "false");
}

static void generate(struct gen *g, const cJSON *o, const char *buf, size_t len, bool tls_known)
{
	const cJSON *cust = cJSON_GetObjectItemCaseSensitive(o, "customize");
	const char *cert = opt_str(o, "certfile"), *key = opt_str(o, "keyfile");
	const char *folder = opt_str(cust, "folder");
	uint32_t logins = key_line(buf, len, "logins", 0);

	emit(g, 1, "persistence true");
	emit(g, 1, "persistence_location /data/");
	emit(g, logins, "auth_plugin /usr/share/mosquitto/go-auth.so");
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "anonymous")))
		emit(g, key_line(buf, len, "anonymous", 0), "allow_anonymous true");
	emit(g, 1, "listener 1883");
	emit(g, 1, "protocol mqtt");
	emit(g, 1, "listener 1884");
	emit(g, 1, "protocol websockets");
	if (tls_known && cert && key && !strchr(cert, ' ') && !strchr(key, ' ')) {
		uint32_t cl = key_line(buf, len, "certfile", 0);
		uint32_t rl = key_line(buf, len, "require_certificate", 0);

		gen_tls(g, o, cl, rl ? rl : cl, cert, key, false);
		gen_tls(g, o, cl, rl ? rl : cl, cert, key, true);
	}
	if (opt_true(cust, "active") && folder && !strstr(folder, ".."))
		emit(g, key_line(buf, len, "active", 0), "include_dir /share/%s", folder);
}

static msw_err add_generated(struct lint_ctx *c, const char *name, struct gen *g, size_t *idx)
{
	msw_err rc = lint_add_file(c, name, g->text, g->n, idx);
	struct mconf *m;

	if (rc)
		return rc;
	m = &c->confs[*idx];
	for (size_t i = 0; i < m->n; i++) /* generated line k came from options line lines[k] */
		m->v[i].line = m->v[i].line && m->v[i].line <= g->nlines ? g->lines[m->v[i].line - 1]
									 : 1;
	return MSW_OK;
}

static const cJSON *options_of(const cJSON *root)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "options");

	/* the add-on's own config.yaml keeps them under options: */
	return cJSON_IsObject(o) && cJSON_GetObjectItemCaseSensitive(root, "slug") ? o : root;
}

static void check_logins(struct lint_ctx *c, size_t file, const cJSON *o, const char *buf,
			 size_t len);

msw_err lint_load_addon(struct lint_ctx *c, const char *path, const char *buf, size_t len,
			char *err, size_t errn)
{
	struct gen *g = calloc(1, sizeof(*g));
	char *copy = malloc(len + 1);  /* not strndup: buf is not NUL-terminated */
	cJSON *root;
	size_t idx;
	msw_err rc;

	if (!g || !copy) {
		free(g);
		free(copy);
		return MSW_ERR_NOMEM;
	}
	memcpy(copy, buf, len);
	copy[len] = '\0';
	root = memchr(buf, '{', len) && copy[strspn(copy, " \t\r\n")] == '{'
		       ? cJSON_ParseWithLength(buf, len)
		       : yaml_parse(copy);
	if (!cJSON_IsObject(root)) {
		snprintf(err, errn, "cannot read '%s': not the add-on's options (a JSON or YAML "
				    "mapping)", path);
		cJSON_Delete(root);
		free(copy);
		free(g);
		return MSW_ERR_MALFORMED;
	}
	c->addon = true;
	generate(g, options_of(root), buf, len, true);
	rc = add_generated(c, path, g, &idx);
	if (!rc) {
		c->addon_at = (struct lloc){(uint16_t)idx, 1};
		check_logins(c, idx, options_of(root), buf, len);
		lint_process(c, idx, 0);
		lint_finish_model(c);
	} else {
		snprintf(err, errn, "cannot read '%s': %s", path, msw_err_str(rc));
	}
	cJSON_Delete(root);
	free(copy);
	free(g);
	return rc;
}

msw_err lint_load_addon_folder(struct lint_ctx *c, const char *dir, char *err, size_t errn)
{
	struct gen *g = calloc(1, sizeof(*g));
	size_t idx;
	msw_err rc;

	if (!g)
		return MSW_ERR_NOMEM;
	c->addon = true;
	emit(g, 1, "persistence true");
	emit(g, 1, "persistence_location /data/");
	emit(g, 1, "auth_plugin /usr/share/mosquitto/go-auth.so");
	emit(g, 1, "listener 1883");
	emit(g, 1, "protocol mqtt");
	emit(g, 1, "listener 1884");
	emit(g, 1, "protocol websockets");
	emit(g, 1, "include_dir %s", dir);
	rc = lint_add_file(c, "(Home Assistant add-on, default options)", g->text, g->n, &idx);
	free(g);
	if (rc) {
		snprintf(err, errn, "cannot read '%s': %s", dir, msw_err_str(rc));
		return rc;
	}
	for (size_t i = 0; i < c->confs[idx].n; i++)
		c->confs[idx].v[i].line = 0; /* no file to point into */
	c->addon_at = (struct lloc){(uint16_t)idx, 0};
	lint_process(c, idx, 0);
	lint_finish_model(c);
	return MSW_OK;
}

/* ---- logins ---- */

#define LOGIN_MIN_LEN 12

static void check_logins(struct lint_ctx *c, size_t file, const cJSON *o, const char *buf,
			 size_t len)
{
	const cJSON *logins = cJSON_GetObjectItemCaseSensitive(o, "logins"), *it;
	int i = 0;

	cJSON_ArrayForEach(it, logins)
	{
		const char *u = opt_str(it, "username");
		const cJSON *pw = cJSON_GetObjectItemCaseSensitive(it, "password");
		uint32_t line = key_line(buf, len, "password", i);
		struct lloc at = {(uint16_t)file, line ? line : 1};
		size_t rule;

		if (i++ >= ADDON_MAX_LOGINS)
			break;
		if (!cJSON_IsString(pw) || opt_true(it, "password_pre_hashed"))
			continue;
		for (rule = 0; rule < lint_nrules && strcmp(lint_rules[rule].id, "addon-weak-login");
		     rule++)
			;
		if (strlen(pw->valuestring) < LOGIN_MIN_LEN)
			lint_report(c, rule, lint_rules[rule].sev, at,
				    "login '%s' has a password of %zu characters (fewer than %d)",
				    u ? u : "?", strlen(pw->valuestring), LOGIN_MIN_LEN);
		else if (u && strcasestr(pw->valuestring, u))
			lint_report(c, rule, lint_rules[rule].sev, at,
				    "login '%s' has a password that contains its user name", u);
	}
}
