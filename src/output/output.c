/* The output fan-out.
 *
 * output_open() picks the sinks from the configuration: stdout gets JSON lines when it is
 * not a terminal or with --format json (or -oJ -), else the plain-language text summary;
 * -oJ FILE, --db (or the --resume database), --csv and --html add sinks. A record goes to
 * every sink still alive, without a tree when it can: each sink walks it over the field
 * tables when every live sink can (write_record), else it is written once as text
 * straight from the struct (record_text) when every live sink takes text; otherwise it is
 * converted once (record_to_json, the same bytes) and the tree given to each. A sink that
 * fails is reported once on stderr, skipped from then on, and makes output_failed() true
 * (exit 3) while the others go on and are flushed at the end.
 *
 * Secrets: the options echo comes from the function the application registers
 * (output_set_options_echo: the option table's echo; secret options flagged in the
 * option table); the raw argv echo replaces the values of secret options and URL
 * passwords with "***". As a last line of defence every record is checked for the
 * configured secrets (password, PSK, URL passwords) before any sink sees it: a record
 * that holds one anywhere a sink could show it takes the tree path, where every string
 * holding one has it replaced by "***".
 *
 * The scan metadata record ("mqttsweep.scan/1") goes to --metadata-file (written at the
 * start, refreshed with the running counts every 10 s, and rewritten, complete, at the
 * end, each time via a temporary file + rename) and
 * to the sinks' meta() (SQLite scans table, HTML/text summaries). It is never mixed into
 * the JSON lines stream, so every line there is a mqttsweep.record/1. */
#define _GNU_SOURCE /* memmem */
#include "output/output.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "base/config.h"
#include "base/dbuf.h"
#include "base/fields.h"
#include "base/scan_stats.h"
#include "output/pg.h"
#include "output/rpath.h"
#include "output/record.h"
#include "output/rsource.h"
#include "output/sink.h"

#ifndef MSW_VERSION
#define MSW_VERSION "0.0.0"
#endif

#define MAX_SINKS 8
#define RECORD_TEXT_MAX (256u * 1024 * 1024) /* one record's JSON text */
#define MAX_SECRETS 32
#define PROGRESS_SAMPLES 11 /* one a second: the recent rate spans 10 s */

struct psample {
	int64_t us;
	uint64_t finished, started;
};

struct output {
	const struct msw_config *cfg;
	char scan_id[40];
	uint64_t seed;
	struct sink sinks[MAX_SINKS];
	bool dead[MAX_SINKS];
	int nsinks;
	bool failed;
	bool relay; /* output_open_to(): the one sink only, no metadata, no progress line */
	int64_t start_us;
	char *secrets[MAX_SECRETS];
	int nsecrets;
	struct dbuf line; /* a record's JSON text, for sinks that take text (record_text) */
	/* progress line */
	bool progress;
	bool progress_shown;
	int64_t last_progress_us;
	int64_t last_flush_us;
	int64_t last_meta_us;
	struct psample samples[PROGRESS_SAMPLES];
	unsigned nsamples;
	/* opt-in actions taken, tallied from the records (issue 5: "recorded in the scan
	 * metadata"): http.default_logins entries and how many were accepted, SMB secret
	 * files read under --read-secrets */
	uint64_t login_attempts, logins_accepted, secrets_read;
	/* write tests (--publish-proof): PUBLISH packets sent, and how many came back */
	uint64_t publish_attempts, publish_confirmed;
	/* the fields those tallies read, by path (typed blocks or parts still JSON) */
	struct tally_paths {
		struct rpath logins, accepted, secrets, accounts, acl, write_topic, write;
	} tp;
	/* attached blocks' tables seen, and whether the tallies read a part of theirs */
	struct tally_table {
		const struct fblock *tbl;
		bool read;
	} tt[16];
	int ntt;
};

static char **g_argv;
static int g_argc;

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- argv echo without secrets ---- */

static bool is_secret_opt(const char *a, const char **inline_val)
{
	static const char *const longs[] = {"--password", "--psk", "--hash-key", NULL};

	*inline_val = NULL;
	for (int i = 0; longs[i]; i++) {
		size_t n = strlen(longs[i]);

		if (strncmp(a, longs[i], n) == 0 && (a[n] == 0 || a[n] == '=')) {
			*inline_val = a[n] == '=' ? a + n + 1 : NULL;
			return true;
		}
	}
	if (strncmp(a, "-P", 2) == 0) {
		*inline_val = a[2] ? a + 2 : NULL;
		return true;
	}
	return false;
}

/* The password inside "scheme://user:pass@host/...": *pw and *pwlen, or false. The
 * userinfo ends at the last '@' of the authority, so a password may itself hold '@'. */
static bool url_password(const char *a, const char **pw, size_t *pwlen)
{
	const char *s = strstr(a, "://"), *end, *at = NULL, *colon;

	if (!s)
		return false;
	s += 3;
	end = s + strcspn(s, "/?#");
	for (const char *p = s; p < end; p++)
		if (*p == '@')
			at = p;
	if (!at)
		return false;
	colon = memchr(s, ':', (size_t)(at - s));
	if (!colon)
		return false;
	*pw = colon + 1;
	*pwlen = (size_t)(at - colon - 1);
	return true;
}

/* "scheme://user[:pass]@host...": the target names a user. */
static bool url_has_user(const char *a)
{
	const char *s = strstr(a, "://");

	return s && memchr(s + 3, '@', strcspn(s + 3, "/?#")) != NULL;
}

/* "scheme://user:pass@host" → "scheme://user:***@host". Returns a malloc'ed copy. */
char *output_mask_url(const char *a)
{
	const char *pw;
	size_t pwlen, n;
	char *o;

	if (!url_password(a, &pw, &pwlen))
		return strdup(a);
	n = strlen(a) - pwlen + 4;
	o = malloc(n);
	if (o)
		snprintf(o, n, "%.*s***%s", (int)(pw - a), a, pw + pwlen);
	return o;
}

void output_set_argv(int argc, char **argv)
{
	for (int i = 0; i < g_argc; i++)
		free(g_argv[i]);
	free(g_argv);
	g_argv = NULL;
	g_argc = 0;
	if (argc <= 0 || !argv)
		return;
	g_argv = calloc((size_t)argc, sizeof(char *));
	if (!g_argv)
		return;
	for (int i = 0; i < argc && argv[i]; i++) {
		const char *iv;

		if (is_secret_opt(argv[i], &iv)) {
			size_t n = (size_t)(iv ? iv - argv[i] : (long)strlen(argv[i])) + 4;
			char *m = malloc(n);

			if (m)
				snprintf(m, n, "%.*s%s", (int)(n - 4), argv[i], iv ? "***" : "");
			g_argv[g_argc++] = m;
			if (!iv && i + 1 < argc && argv[i + 1]) {
				g_argv[g_argc++] = strdup("***");
				i++;
			}
			continue;
		}
		g_argv[g_argc++] = output_mask_url(argv[i]);
	}
}

/* ---- secrets: the last line of defence ---- */

static void add_secret(struct output *o, const char *s, size_t n)
{
	char *c;

	if (!s || n < 4 || o->nsecrets >= MAX_SECRETS || strspn(s, "*") >= n)
		return;
	c = strndup(s, n);
	if (c)
		o->secrets[o->nsecrets++] = c;
}

static void collect_secrets(struct output *o)
{
	const struct msw_config *cfg = o->cfg;

	add_secret(o, cfg->password, cfg->password ? strlen(cfg->password) : 0);
	add_secret(o, cfg->psk, cfg->psk ? strlen(cfg->psk) : 0);
	add_secret(o, cfg->hash_key, cfg->hash_key ? strlen(cfg->hash_key) : 0);
	for (int d = 0; d < 2; d++) { /* a database URL's password */
		const char *url = d ? cfg->resume_db : cfg->db_path, *pw;
		size_t pwlen;

		if (url && url_password(url, &pw, &pwlen))
			add_secret(o, pw, pwlen);
	}
	for (size_t i = 0; i < cfg->naccounts; i++) {
		const char *pw = cfg->accounts[i].password;
		add_secret(o, pw, pw ? strlen(pw) : 0);
	}
	for (size_t i = 0; i < cfg->ntargets; i++) {
		const char *pw;
		size_t pwlen;

		if (cfg->targets[i] && url_password(cfg->targets[i], &pw, &pwlen))
			add_secret(o, pw, pwlen);
	}
}

/* Replace every occurrence of a secret inside a string with "***" (one pass, so a
 * replacement can never recreate a match). */
static void scrub_string(char **sp, const char *secret)
{
	const char *s = *sp, *p, *hit;
	size_t sl = strlen(secret), n = 0, len = strlen(s);
	char *r, *w;

	for (p = s; (hit = strstr(p, secret)); p = hit + sl)
		n++;
	if (!n)
		return;
	r = malloc(len - n * sl + n * 3 + 1);
	if (!r) {
		/* same length in place: cannot fail */
		for (char *q = *sp; (q = strstr(q, secret));)
			memset(q, '*', sl);
		return;
	}
	w = r;
	for (p = s; (hit = strstr(p, secret)); p = hit + sl) {
		memcpy(w, p, (size_t)(hit - p));
		w += hit - p;
		memcpy(w, "***", 3);
		w += 3;
	}
	memcpy(w, p, strlen(p) + 1);
	cJSON_free(*sp);
	*sp = r;
}

static void scrub_tree(cJSON *node, const char *secret, int depth)
{
	cJSON *it;

	if (depth > 64)
		return;
	cJSON_ArrayForEach(it, node) {
		if (cJSON_IsString(it) && it->valuestring && strstr(it->valuestring, secret))
			scrub_string(&it->valuestring, secret);
		if (it->string && !(it->type & cJSON_StringIsConst) && strstr(it->string, secret))
			scrub_string(&it->string, secret);
		if (cJSON_IsObject(it) || cJSON_IsArray(it))
			scrub_tree(it, secret, depth + 1);
	}
}

/* Every string of the tree is searched: a pre-check on the printed JSON would miss a
 * secret holding a character JSON escapes (" \ or a control), which is still raw in the
 * tree and raw again in CSV, HTML, text and SQLite. */
static void scrub_secrets(struct output *o, cJSON *rec)
{
	for (int i = 0; i < o->nsecrets; i++)
		scrub_tree(rec, o->secrets[i], 0);
}

/* ---- secrets in a record, before any sink sees it ----
 *
 * A record whose sinks walk it (or take its text) gets no tree, so it is searched for the
 * secrets where it is: every text the walker writes, in each form a sink may show it (the
 * bytes, their base64 when they are not text, a CONNACK's hex), the rows' names, and the
 * members and keys of the parts still parsed JSON. A record that holds none goes the fast
 * way; one that does takes the tree path, whose scrubbing replaces it in every string the
 * sinks get (the same bytes as before). The search errs on the side of the tree: a name
 * that only a sink's decoration would complete, or no memory for a base64 form, counts as
 * a hit. */

struct sscan {
	const struct output *o;
	bool hit;
};

static bool holds(const struct output *o, const void *p, size_t n)
{
	for (int i = 0; i < o->nsecrets; i++)
		if (n && memmem(p, n, o->secrets[i], strlen(o->secrets[i])))
			return true;
	return false;
}

/* Text as a sink may show it: its bytes, or (not text) its base64. */
static bool text_holds(const struct output *o, const uint8_t *p, size_t n)
{
	char *b;
	bool h;

	if (holds(o, p, n))
		return true;
	if (fields_text_ok(p, n))
		return false;
	b = record_b64(p, n);
	h = !b || holds(o, b, strlen(b));
	free(b);
	return h;
}

static bool hex_holds(const struct output *o, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	char *t = malloc(2 * n + 1);
	bool h;

	if (!t)
		return true;
	for (size_t i = 0; i < n; i++) {
		t[2 * i] = hx[p[i] >> 4];
		t[2 * i + 1] = hx[p[i] & 15];
	}
	h = holds(o, t, 2 * n);
	free(t);
	return h;
}

#define SSCAN_DEPTH 1100 /* past the JSON writer's nesting cap: a hit (the tree decides) */

static bool tree_holds(const struct output *o, const cJSON *n, int depth)
{
	const cJSON *c;

	if (depth > SSCAN_DEPTH)
		return true;
	if (cJSON_IsString(n) && n->valuestring &&
	    text_holds(o, (const uint8_t *)n->valuestring, strlen(n->valuestring)))
		return true;
	if (cJSON_IsRaw(n) && n->valuestring && holds(o, n->valuestring, strlen(n->valuestring)))
		return true;
	for (c = n->child; c; c = c->next) {
		if (c->string && text_holds(o, (const uint8_t *)c->string, strlen(c->string)))
			return true;
		if (tree_holds(o, c, depth + 1))
			return true;
	}
	return false;
}

/* A row's name and its "<name>_b64" (both in its padded key text). */
static bool name_holds(const struct output *o, const struct fdef *f)
{
	return f && f->jkey64 && holds(o, f->jkey64, f->jk64len);
}

static bool value_holds(const struct output *o, const struct fdef *f, const struct fval *v)
{
	switch (v->t) {
	case FT_STR:
	case FT_BYTES:
	case FT_CHARS: {
		size_t cut = strnlen((const char *)v->s, v->n);
		return text_holds(o, v->s, v->n) ||
		       ((f->flags & F_TRUNC_NUL) && cut < v->n && text_holds(o, v->s, cut));
	}
	case FT_WORD:
		if (f->flags & F_SINKVAL)
			return holds(o, MSW_VERSION, strlen(MSW_VERSION));
		return holds(o, v->s, v->n);
	case FT_ENUM:
		return holds(o, v->s, v->n);
	case FT_HEX:
		return hex_holds(o, v->s, v->n);
	case FT_JSON:
		return v->p && tree_holds(o, v->p, 0);
	case FT_LIST: /* a map list (FB_MAP): its keys and values */
		for (size_t i = 0; f->sub && (f->sub->flags & FB_MAP) && i < v->n; i++) {
			struct fval k, x;
			fields_map_entry(v, i, &k, &x);
			if (text_holds(o, k.s, k.n) || text_holds(o, x.s, x.n))
				return true;
		}
		return false;
	default:
		return false;
	}
}

static void ss_value(void *ctx, const struct fdef *f, const struct fval *v, bool elem)
{
	struct sscan *s = ctx;

	(void)elem;
	if (s->hit)
		return;
	s->hit = name_holds(s->o, f) || (!v->absent && value_holds(s->o, f, v));
}

static void ss_open(void *ctx, const struct fdef *f, const struct fblock *blk, enum fnode k,
		    bool elem)
{
	struct sscan *s = ctx;

	(void)k;
	(void)elem;
	if (!s->hit)
		s->hit = name_holds(s->o, f) ||
			 (!f && blk->jkey && holds(s->o, blk->jkey, blk->jklen));
}

static void ss_close(void *ctx, const struct fdef *f, const struct fblock *blk, enum fnode k)
{
	(void)ctx;
	(void)f;
	(void)blk;
	(void)k;
}

static bool ss_stopped(void *ctx)
{
	return ((struct sscan *)ctx)->hit;
}

static const struct fvisitor secret_scan = {
	.value = ss_value,
	.open = ss_open,
	.close = ss_close,
	.derived = true, /* columnar sinks write the derived rows too */
	.stopped = ss_stopped,
};

/* The record holds a configured secret somewhere a sink could show it. */
static bool record_holds_secret(const struct output *o, const struct msw_record *r)
{
	struct sscan s = {.o = o};

	if (!o->nsecrets)
		return false;
	fields_walk(&record_table, r, &secret_scan, &s);
	return s.hit;
}

/* ---- sinks ---- */

static void sink_failed(struct output *o, int i, msw_err rc, const char *what)
{
	if (!o->dead[i])
		fprintf(stderr, "mqttsweep: output %s failed while %s: %s\n",
			o->sinks[i].ops->name, what, msw_err_str(rc));
	o->dead[i] = true;
	o->failed = true;
}

static msw_err add_sink(struct output *o, const struct sink_ops *ops, const char *path,
		       void *arg)
{
	struct sink *s;
	msw_err rc;

	if (o->nsinks >= MAX_SINKS)
		return MSW_ERR_INTERNAL;
	s = &o->sinks[o->nsinks];
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->cfg = o->cfg;
	s->arg = arg;
	s->path = path;
	rc = ops->open(s, path, o->cfg);
	if (rc && s->priv && ops->close)
		ops->close(s);
	if (rc) {
		fprintf(stderr, "mqttsweep: cannot open %s output%s%s: %s\n", ops->name,
			path ? " " : "", path ? path : "", msw_err_str(rc));
		return MSW_ERR_SINK;
	}
	o->nsinks++;
	return MSW_OK;
}

static bool stdout_is_json(const struct msw_config *cfg)
{
	if (cfg->format == FORMAT_JSON)
		return true;
	if (cfg->format == FORMAT_TEXT)
		return false;
	return !isatty(STDOUT_FILENO);
}

static msw_err open_sinks(struct output *o)
{
	const struct msw_config *cfg = o->cfg;
	bool json_stdout = cfg->json_out && strcmp(cfg->json_out, "-") == 0;
	const char *db = cfg->db_path ? cfg->db_path : cfg->resume_db;
	char *masked = cfg->resume_db ? output_mask_url(cfg->resume_db) : NULL;
	msw_err rc = MSW_OK;

	/* --resume replays the scan's argv, whose --db URL has its password masked: the
	 * database given to --resume is the same one, unmasked */
	if (masked && cfg->db_path && !strcmp(masked, cfg->db_path))
		db = cfg->resume_db;
	free(masked);

	if (stdout_is_json(cfg) || json_stdout)
		rc = add_sink(o, &sink_ndjson, NULL, NULL);
	else
		rc = add_sink(o, &sink_text, NULL, NULL);
	if (!rc && cfg->json_out && !json_stdout)
		rc = add_sink(o, &sink_ndjson, cfg->json_out, NULL);
	if (!rc && db)
		rc = add_sink(o, pg_is_url(db) ? &sink_pg : &sink_sqlite, db, NULL);
	if (!rc && cfg->csv_out)
		rc = add_sink(o, &sink_csv, cfg->csv_out, NULL);
	if (!rc && cfg->html_out)
		rc = add_sink(o, &sink_html, cfg->html_out, NULL);
	return rc;
}

/* ---- metadata ---- */

static void fmt_time(int64_t us, char *out, size_t cap)
{
	time_t s = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&s, &tm);
	snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (int)((us / 1000) % 1000));
}

static void add_outcomes(cJSON *o, const uint64_t *v)
{
	static const char *const names[SO__COUNT] = SCAN_OUTCOME_NAMES;
	cJSON *a = cJSON_AddObjectToObject(o, "outcomes");

	for (int i = 0; a && i < SO__COUNT; i++)
		cJSON_AddNumberToObject(a, names[i], (double)v[i]);
}

/* The counts, by population (base/scan_stats.h): the outcomes of the listed targets add
 * up to targets_tried, those of the depth-host probe ports to host_probes.tried, and the
 * MQTT auth verdicts (with "other") to mqtt.speaking. */
static void add_counts(cJSON *m, const struct scan_stats *st)
{
	cJSON *c = cJSON_AddObjectToObject(m, "counts"), *hp, *mq;
	static const struct scan_stats zero;
	uint64_t known;

	if (!c)
		return;
	if (!st)
		st = &zero;
#define CNT(o, k, v) cJSON_AddNumberToObject(o, k, (double)(v))
	CNT(c, "hosts", st->hosts);
	CNT(c, "targets_tried", st->targets_tried);
	add_outcomes(c, st->outcome);
	CNT(c, "connected", st->connected);
	CNT(c, "blocklisted", st->blocklisted);
	CNT(c, "unresolved", st->unresolved);
	if ((hp = cJSON_AddObjectToObject(c, "host_probes"))) {
		CNT(hp, "tried", st->probe_tried);
		add_outcomes(hp, st->probe_outcome);
		CNT(hp, "connected", st->probe_connected);
	}
	if ((mq = cJSON_AddObjectToObject(c, "mqtt"))) {
		known = st->anonymous + st->any_credentials + st->authenticated + st->auth_required;
		CNT(mq, "speaking", st->mqtt);
		CNT(mq, "anonymous", st->anonymous);
		CNT(mq, "any_credentials", st->any_credentials);
		CNT(mq, "authenticated", st->authenticated);
		CNT(mq, "auth_required", st->auth_required);
		CNT(mq, "other", st->mqtt > known ? st->mqtt - known : 0);
	}
	CNT(c, "findings", st->findings);
	CNT(c, "records", st->records);
	CNT(c, "retried", st->retried);
	CNT(c, "retried_ok", st->retried_ok);
	CNT(c, "slowdowns", st->slowdowns);
#undef CNT
}

/* What the opt-in actions did in this run (a --resume run counts its own part). */
static void add_actions(cJSON *m, const struct output *o)
{
	cJSON *a = cJSON_AddObjectToObject(m, "opt_in_actions");

	if (!a)
		return;
	cJSON_AddNumberToObject(a, "default_login_attempts", (double)o->login_attempts);
	cJSON_AddNumberToObject(a, "default_logins_accepted", (double)o->logins_accepted);
	cJSON_AddNumberToObject(a, "secrets_read", (double)o->secrets_read);
	cJSON_AddNumberToObject(a, "publish_attempts", (double)o->publish_attempts);
	cJSON_AddNumberToObject(a, "publish_confirmed", (double)o->publish_confirmed);
}

/* Credentials were given: -u (with or without a password), a target URL naming a user,
 * or (targets read from -iL) a target the engine started with a username. */
static bool credentials_given(const struct msw_config *cfg, const struct scan_stats *st)
{
	if (cfg->username || (st && st->with_credentials))
		return true;
	for (size_t i = 0; i < cfg->ntargets; i++)
		if (cfg->targets[i] && url_has_user(cfg->targets[i]))
			return true;
	return false;
}

static void add_opt_in(cJSON *m, const struct msw_config *cfg, const struct scan_stats *st)
{
	static const char *const ev[] = {"redacted", "minimal", "raw"};
	cJSON *a = cJSON_AddObjectToObject(m, "opt_in");

	cJSON_AddStringToObject(m, "evidence",
				(unsigned)cfg->evidence < 3 ? ev[cfg->evidence] : "redacted");
	if (!a)
		return;
	cJSON_AddBoolToObject(a, "auth_probe", cfg->auth_probe || cfg->mode == MODE_AUDIT);
	cJSON_AddBoolToObject(a, "try_default_logins", cfg->try_default_logins);
	cJSON_AddBoolToObject(a, "read_secrets", cfg->read_secrets);
	cJSON_AddBoolToObject(a, "publish_proof", cfg->publish_proof);
	cJSON_AddBoolToObject(a, "evidence_raw", cfg->evidence == EVIDENCE_RAW);
	cJSON_AddBoolToObject(a, "credentials_given", credentials_given(cfg, st));
}

/* argv as given (secrets masked); an argument that is not UTF-8 becomes {"b64": ...}. */
static void add_argv(cJSON *m)
{
	cJSON *a = cJSON_AddArrayToObject(m, "argv");

	for (int i = 0; a && i < g_argc; i++) {
		const char *s = g_argv[i] ? g_argv[i] : "";
		cJSON *tmp;

		if (utf8_valid((const uint8_t *)s, strlen(s))) {
			cJSON_AddItemToArray(a, cJSON_CreateString(s));
			continue;
		}
		tmp = cJSON_CreateObject();
		if (!tmp)
			continue;
		json_add_bytes(tmp, "arg", (const uint8_t *)s, strlen(s));
		cJSON_AddItemToArray(a, tmp);
	}
}

static cJSON *(*options_echo_fn)(const struct msw_config *cfg);

void output_set_options_echo(cJSON *(*echo)(const struct msw_config *cfg))
{
	options_echo_fn = echo;
}

cJSON *output_build_meta(struct output *o, const struct scan_stats *st, int final, int exit_code)
{
	static const char *const depth[] = {"tcp", "connack", "topics", "host"};
	const struct msw_config *cfg = o->cfg;
	cJSON *m = cJSON_CreateObject(), *opts;
	char buf[80];

	if (!m)
		return NULL;
	cJSON_AddStringToObject(m, "schema", "mqttsweep.scan/1");
	cJSON_AddStringToObject(m, "kind", "scan");
	cJSON_AddStringToObject(m, "scan_id", o->scan_id);
	cJSON_AddStringToObject(m, "tool_version", MSW_VERSION);
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)o->seed);
	cJSON_AddStringToObject(m, "seed", buf);
	cJSON_AddStringToObject(m, "mode", cfg->mode == MODE_AUDIT ? "audit" : "scan");
	cJSON_AddStringToObject(m, "depth", (unsigned)cfg->depth < 4 ? depth[cfg->depth] : "connack");
	add_opt_in(m, cfg, st);
	add_actions(m, o);
	cJSON_AddBoolToObject(m, "resumed", cfg->resume_db != NULL);
	if (cfg->shards > 1) {
		snprintf(buf, sizeof(buf), "%u/%u", cfg->shard, cfg->shards);
		cJSON_AddStringToObject(m, "shard", buf);
	}
	if (cfg->run_id)
		cJSON_AddStringToObject(m, "run_id", cfg->run_id);
	fmt_time(st && st->start_us ? st->start_us : o->start_us, buf, sizeof(buf));
	cJSON_AddStringToObject(m, "start", buf);
	if (final) {
		fmt_time(st && st->end_us ? st->end_us : now_us(), buf, sizeof(buf));
		cJSON_AddStringToObject(m, "end", buf);
		cJSON_AddNumberToObject(m, "exit_code", exit_code);
	} else {
		cJSON_AddNullToObject(m, "end");
		cJSON_AddNullToObject(m, "exit_code");
	}
	cJSON_AddBoolToObject(m, "final", final != 0);
	cJSON_AddBoolToObject(m, "output_failed", o->failed);
	add_counts(m, st);
	opts = options_echo_fn ? options_echo_fn(cfg) : NULL;
	cJSON_AddItemToObject(m, "options", opts ? opts : cJSON_CreateNull());
	add_argv(m);
	scrub_secrets(o, m);
	return m;
}

static msw_err write_metadata_file(const char *path, const cJSON *m)
{
	char tmp[4096];
	char *txt = cJSON_Print(m);
	FILE *f;
	int bad;

	if (!txt)
		return MSW_ERR_NOMEM;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
		cJSON_free(txt);
		return MSW_ERR_IO;
	}
	f = fopen(tmp, "w");
	if (!f) {
		cJSON_free(txt);
		return MSW_ERR_IO;
	}
	bad = fputs(txt, f) < 0 || fputc('\n', f) == EOF;
	bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
	bad |= fclose(f) != 0;
	cJSON_free(txt);
	if (bad || rename(tmp, path) != 0) {
		unlink(tmp);
		return MSW_ERR_IO;
	}
	return MSW_OK;
}

static void emit_meta(struct output *o, const struct scan_stats *st, int final, int exit_code)
{
	cJSON *m = output_build_meta(o, st, final, exit_code);

	if (!m) {
		o->failed = true;
		return;
	}
	for (int i = 0; i < o->nsinks; i++) {
		msw_err rc;

		if (o->dead[i] || !o->sinks[i].ops->meta)
			continue;
		rc = o->sinks[i].ops->meta(&o->sinks[i], m, final);
		if (rc)
			sink_failed(o, i, rc, "writing the scan metadata");
	}
	if (o->cfg->metadata_file && write_metadata_file(o->cfg->metadata_file, m) != MSW_OK) {
		fprintf(stderr, "mqttsweep: cannot write --metadata-file %s: %s\n",
			o->cfg->metadata_file, strerror(errno));
		o->failed = true;
	}
	cJSON_Delete(m);
}

/* ---- public ---- */

static struct output *output_new(const struct msw_config *cfg, const char *scan_id,
				 uint64_t seed)
{
	struct output *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	o->cfg = cfg;
	snprintf(o->scan_id, sizeof(o->scan_id), "%s", scan_id ? scan_id : "");
	o->seed = seed;
	dbuf_init(&o->line, RECORD_TEXT_MAX);
	if (!rpath_init(&o->tp.logins, "http.default_logins") ||
	    !rpath_init(&o->tp.accepted, "accepted") ||
	    !rpath_init(&o->tp.secrets, "smb.secrets_read") ||
	    !rpath_init(&o->tp.accounts, "accounts") || !rpath_init(&o->tp.acl, "acl") ||
	    !rpath_init(&o->tp.write_topic, "write_topic") ||
	    !rpath_init(&o->tp.write, "write")) {
		free(o);
		return NULL;
	}
	o->start_us = now_us();
	o->last_flush_us = o->start_us;
	o->last_meta_us = o->start_us;
	return o;
}

msw_err output_open(const struct msw_config *cfg, const char *scan_id, uint64_t seed,
		    struct output **out)
{
	struct output *o = output_new(cfg, scan_id, seed);
	msw_err rc;

	*out = NULL;
	if (!o)
		return MSW_ERR_NOMEM;
	o->progress = !cfg->quiet && isatty(STDERR_FILENO);
	o->samples[o->nsamples++] = (struct psample){.us = o->start_us}; /* nothing done yet */
	collect_secrets(o);
	rc = open_sinks(o);
	if (rc) {
		output_close(o);
		return rc;
	}
	emit_meta(o, NULL, 0, 0);
	*out = o;
	return MSW_OK;
}

msw_err output_open_to(const struct msw_config *cfg, const struct sink_ops *ops, void *arg,
		       struct output **out)
{
	struct output *o = output_new(cfg, NULL, 0);
	msw_err rc;

	*out = NULL;
	if (!o)
		return MSW_ERR_NOMEM;
	o->relay = true;
	rc = add_sink(o, ops, NULL, arg);
	if (rc) {
		output_close(o);
		return rc;
	}
	*out = o;
	return MSW_OK;
}

/* A record line is about to reach the terminal: take the progress line away first (it is
 * drawn again at the next output_progress()). */
static void progress_clear(struct output *o)
{
	if (!o->progress_shown)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
	o->progress_shown = false;
	o->last_progress_us = 0;
}

/* What a record says the opt-in actions did (every entry point, so --workers children's
 * records are counted too). The fields are read by path, the same calls for a record
 * (its typed blocks) and for a parsed record (a tree):
 * http.default_logins[] and how many were accepted, smb.secrets_read, and the write tests
 * of the access map (accounts[].acl[] when several accounts ran, else acl[]): the rows
 * that name the topic a write went to, and how many were confirmed. */
static void get_top(const struct msw_record *r, const cJSON *tree, struct rpath *p,
		    struct fval *v)
{
	struct fval root = {.t = FT_JSON, .p = tree};

	if (r)
		rpath_get(r, p, v);
	else
		rpath_get_in(&root, p, v);
}

static void tally_writes(struct output *o, const struct fval *acl)
{
	for (size_t i = 0, n = rpath_len(acl); i < n; i++) {
		struct fval row, t, w;
		const uint8_t *s;
		size_t len;

		rpath_elem(acl, i, &row);
		rpath_get_in(&row, &o->tp.write_topic, &t);
		if (t.absent)
			continue;
		rpath_get_in(&row, &o->tp.write, &w);
		o->publish_attempts++;
		o->publish_confirmed += rval_text(&w, &s, &len) && len == 9 &&
					!memcmp(s, "confirmed", 9);
	}
}

/* Whether the tallies read a part of this attached block's table: one named like a part
 * they read, or an FB_TOP block with a row of that name (cached per table). */
static bool tally_table(struct output *o, const struct fblock *t)
{
	static const char *const parts[] = {"http", "smb", "accounts", "acl"};
	bool read = false;

	for (int i = 0; i < o->ntt; i++)
		if (o->tt[i].tbl == t)
			return o->tt[i].read;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		struct fpath fp;
		read |= (t->flags & FB_TOP) ? fields_find(t, parts[i], &fp) > 0
					    : t->name && !strcmp(t->name, parts[i]);
	}
	if (o->ntt < (int)(sizeof(o->tt) / sizeof(o->tt[0])))
		o->tt[o->ntt++] = (struct tally_table){t, read};
	return read;
}

/* A record with none of those parts (no such block: most records) has nothing to count,
 * and the lookups are skipped. */
static bool tally_parts(struct output *o, const struct msw_record *r)
{
	for (size_t i = 0; i < r->nblocks; i++)
		if (r->blocks[i].tbl && tally_table(o, r->blocks[i].tbl))
			return true;
	return false;
}

static void tally_actions(struct output *o, const struct msw_record *r, const cJSON *tree)
{
	struct fval v, e, x;
	double d;
	size_t n;

	if (r && !tally_parts(o, r))
		return;

	get_top(r, tree, &o->tp.logins, &v);
	for (size_t i = 0, k = rpath_len(&v); i < k; i++) {
		rpath_elem(&v, i, &e);
		rpath_get_in(&e, &o->tp.accepted, &x);
		o->login_attempts++;
		o->logins_accepted += !x.absent && x.t == FT_BOOL && x.b;
	}
	get_top(r, tree, &o->tp.secrets, &v);
	if (!v.absent && v.t != FT_BOOL && rval_num(&v, &d) && d > 0 && d < 1e9)
		o->secrets_read += (uint64_t)d;
	get_top(r, tree, &o->tp.accounts, &v);
	n = rpath_len(&v);
	for (size_t i = 0; i < n; i++) {
		rpath_elem(&v, i, &e);
		rpath_get_in(&e, &o->tp.acl, &x);
		tally_writes(o, &x);
	}
	if (!n) {
		get_top(r, tree, &o->tp.acl, &x);
		tally_writes(o, &x);
	}
}

/* Every live sink has the entry point: write_record (want_record) or write_text. */
static bool all_sinks_take(const struct output *o, bool want_record)
{
	for (int i = 0; i < o->nsinks; i++) {
		const struct sink_ops *ops = o->sinks[i].ops;
		if (!o->dead[i] && !(want_record ? ops->write_record != NULL : ops->write_text != NULL))
			return false;
	}
	return true;
}

/* The tree (scrubbed of the secrets already) to every live sink. */
static void tree_to_sinks(struct output *o, const cJSON *rec)
{
	for (int i = 0; i < o->nsinks; i++) {
		msw_err rc;

		if (o->dead[i])
			continue;
		rc = o->sinks[i].ops->write(&o->sinks[i], rec);
		if (rc)
			sink_failed(o, i, rc, "writing a record");
	}
}

msw_err output_json(struct output *o, const cJSON *rec)
{
	if (!o || !rec)
		return MSW_ERR_INTERNAL;
	progress_clear(o);
	tally_actions(o, NULL, rec);
	if (o->nsecrets) {
		cJSON *copy = cJSON_Duplicate(rec, 1);
		if (!copy)
			return MSW_ERR_NOMEM;
		scrub_secrets(o, copy);
		tree_to_sinks(o, copy);
		cJSON_Delete(copy);
	} else {
		tree_to_sinks(o, rec);
	}
	return o->failed ? MSW_ERR_SINK : MSW_OK;
}

/* The fastest path: each sink walks the record into its own buffer. */
static void record_to_sinks(struct output *o, const struct msw_record *r)
{
	for (int i = 0; i < o->nsinks; i++) {
		msw_err rc;
		if (o->dead[i])
			continue;
		rc = o->sinks[i].ops->write_record(&o->sinks[i], r);
		if (rc)
			sink_failed(o, i, rc, "writing a record");
	}
}

/* The record's text written once for every sink (record_text: the same bytes as the
 * tree). false when it could not be made (the tree path then reports the failure). */
static bool text_to_sinks(struct output *o, const struct msw_record *r)
{
	dbuf_reset(&o->line);
	if (record_text(r, MSW_VERSION, &o->line) != MSW_OK)
		return false;
	for (int i = 0; i < o->nsinks; i++) {
		msw_err rc;
		if (o->dead[i])
			continue;
		rc = o->sinks[i].ops->write_text(&o->sinks[i], (const char *)o->line.p,
						 o->line.len);
		if (rc)
			sink_failed(o, i, rc, "writing a record");
	}
	if (o->line.alloc > (1u << 20)) /* one huge record: do not keep its buffer */
		dbuf_free(&o->line);
	return true;
}

/* The fast paths, no tree: every live sink walks the record, or takes its text, and the
 * record holds no secret. false when neither applies. */
static bool record_fast(struct output *o, const struct msw_record *r)
{
	bool recs = all_sinks_take(o, true);

	if (!recs && !all_sinks_take(o, false))
		return false;
	if (record_holds_secret(o, r))
		return false;
	if (recs) {
		record_to_sinks(o, r);
		return true;
	}
	return text_to_sinks(o, r);
}

msw_err output_record(struct output *o, struct msw_record *r)
{
	cJSON *j;

	if (!o || !r)
		return MSW_ERR_INTERNAL;
	if (!r->scan_id[0])
		snprintf(r->scan_id, sizeof(r->scan_id), "%s", o->scan_id);
	progress_clear(o);
	tally_actions(o, r, NULL);
	if (record_fast(o, r))
		return o->failed ? MSW_ERR_SINK : MSW_OK;
	j = record_to_json(r, MSW_VERSION);
	if (!j)
		return MSW_ERR_NOMEM;
	if (o->nsecrets)
		scrub_secrets(o, j);
	tree_to_sinks(o, j);
	cJSON_Delete(j);
	return o->failed ? MSW_ERR_SINK : MSW_OK;
}

msw_err output_host_done(struct output *o, uint64_t index, const struct scan_stats *tally)
{
	if (!o)
		return MSW_ERR_INTERNAL;
	for (int i = 0; i < o->nsinks; i++) {
		msw_err rc;

		if (o->dead[i] || !o->sinks[i].ops->host_done)
			continue;
		rc = o->sinks[i].ops->host_done(&o->sinks[i], index, tally);
		if (rc)
			sink_failed(o, i, rc, "marking a host done");
	}
	return o->failed ? MSW_ERR_SINK : MSW_OK;
}

bool output_wants_host_done(const struct output *o)
{
	for (int i = 0; o && i < o->nsinks; i++)
		if (o->sinks[i].ops->host_done)
			return true;
	return false;
}

static void flush_all(struct output *o)
{
	for (int i = 0; i < o->nsinks; i++) {
		msw_err rc;

		if (o->dead[i] || !o->sinks[i].ops->flush)
			continue;
		rc = o->sinks[i].ops->flush(&o->sinks[i]);
		if (rc)
			sink_failed(o, i, rc, "flushing");
	}
}

static void stats_all(struct output *o, const struct scan_stats *st, int final)
{
	for (int i = 0; i < o->nsinks; i++) {
		msw_err rc;

		if (o->dead[i] || !o->sinks[i].ops->stats)
			continue;
		rc = o->sinks[i].ops->stats(&o->sinks[i], st, final);
		if (rc)
			sink_failed(o, i, rc, "writing the counts");
	}
}

static void fmt_eta(double secs, char *out, size_t cap, const char *how)
{
	long s = secs > 0 && secs < 1e8 ? (long)(secs + 0.5) : 0;

	if (s >= 3600)
		snprintf(out, cap, "%s%ldh%02ldm", how, s / 3600, (s / 60) % 60);
	else
		snprintf(out, cap, "%s%ldm%02lds", how, s / 60, s % 60);
}

/* A progress sample: targets finished and started by then. */
static void progress_sample(struct output *o, int64_t now, const struct scan_stats *st)
{
	struct psample *p = &o->samples[o->nsamples++ % PROGRESS_SAMPLES];

	p->us = now;
	p->finished = scan_stats_finished(st);
	p->started = st->targets_tried;
}

/* Finished and started targets per second over the recent samples (about 10 s): a rate
 * that follows the scan, not an average since the start. */
static void recent_rates(const struct output *o, double *finished, double *started)
{
	unsigned n = o->nsamples < PROGRESS_SAMPLES ? o->nsamples : PROGRESS_SAMPLES;
	const struct psample *last = &o->samples[(o->nsamples - 1) % PROGRESS_SAMPLES];
	const struct psample *first = &o->samples[(o->nsamples - n) % PROGRESS_SAMPLES];
	double dt = (double)(last->us - first->us) / 1e6;

	*finished = *started = 0;
	if (n < 2 || dt <= 0)
		return;
	*finished = (double)(last->finished - first->finished) / dt;
	*started = (double)(last->started - first->started) / dt;
}

/* The time left: when every listed target has started, at most until the newest one in
 * flight meets its deadline; before that, the targets left at the recent finishing rate
 * (or, while nothing finishes, at the starting rate plus one deadline). */
static void progress_eta(const struct output *o, const struct scan_stats *st, uint64_t total,
			 int64_t now, char *eta, size_t cap)
{
	uint64_t done = scan_stats_finished(st) + st->skipped;
	uint64_t started = st->targets_tried + st->skipped;
	double fin, sta, bound = st->last_deadline_us > now
					 ? (double)(st->last_deadline_us - now) / 1e6 : 0;

	recent_rates(o, &fin, &sta);
	if (done >= total && !scan_stats_in_flight(st))
		snprintf(eta, cap, "0m00s");
	else if (started >= total)
		fmt_eta(bound, eta, cap, "\xe2\x89\xa4"); /* ≤ */
	else if (fin > 0)
		fmt_eta((double)(total - done) / fin, eta, cap, "~");
	else if (sta > 0)
		fmt_eta((double)(total - started) / sta + bound, eta, cap, "~");
	else
		snprintf(eta, cap, "-");
}

/* Called by the engine about once a second: gives the counts to the sinks that take them,
 * draws the progress line (at most 5 times a second) and commits batched sink work that
 * has waited 200 ms. The line counts finished
 * listed targets (and those never started: resumed, blocklisted, unresolved) against the
 * total, the targets in flight, and the recent finishing rate. */
void output_progress(struct output *o, const struct scan_stats *st, uint64_t total)
{
	int64_t now = now_us();
	double fin, sta;
	char eta[32];

	if (!o || !st)
		return;
	stats_all(o, st, 0);
	if (now - o->last_flush_us >= 200000) {
		o->last_flush_us = now;
		flush_all(o);
	}
	if (!o->relay && o->cfg->metadata_file && now - o->last_meta_us >= 10000000) {
		/* a killed scan still leaves recent counts (final stays false) */
		cJSON *m = output_build_meta(o, st, 0, 0);

		o->last_meta_us = now;
		if (m && write_metadata_file(o->cfg->metadata_file, m) != MSW_OK)
			o->failed = true;
		cJSON_Delete(m);
	}
	progress_sample(o, now, st);
	if (!o->progress || now - o->last_progress_us < 200000)
		return;
	o->last_progress_us = now;
	recent_rates(o, &fin, &sta);
	progress_eta(o, st, total, now, eta, sizeof(eta));
	fprintf(stderr, "\r\033[K%llu/%llu done, %llu in flight, %llu connected, %llu MQTT, "
		"%llu anonymous, %.0f/s, ETA %s",
		(unsigned long long)(scan_stats_finished(st) + st->skipped),
		(unsigned long long)total, (unsigned long long)scan_stats_in_flight(st),
		(unsigned long long)st->connected, (unsigned long long)st->mqtt,
		(unsigned long long)st->anonymous, fin, eta);
	fflush(stderr);
	o->progress_shown = true;
}

/* ---- the resumed scan's files, written anew ----
 *
 * JSON lines and CSV files are appended to while a --resume run goes on (a host that was
 * in flight at the interruption is probed again, so its records would appear twice). (The
 * HTML page is the whole scan's already: its sink reads the earlier records back.) At the
 * end of a resumed run each such file
 * is written anew from the database, the authoritative copy (one row per target: a host
 * probed again replaced its earlier rows): the records of the scan in stored order
 * between the start and the final metadata, through a temporary file and a rename. When
 * the database cannot give every record (a row it skips, a read error) the appended file
 * is kept and the reason printed. */

static bool rewritten_file(const struct sink *s)
{
	return s->path && strcmp(s->path, "-") != 0 &&
	       (s->ops == &sink_ndjson || s->ops == &sink_csv);
}

static msw_err replay(struct sink *t, struct rsource *rs, const char *scan_id,
		      const cJSON *m0, const cJSON *m1, char *why, size_t whylen)
{
	struct rs_select sel = {.pick = RS_PICK_SCAN, .id = scan_id};
	cJSON *rec;
	msw_err rc = rsource_select(rs, &sel);

	if (!rc && t->ops->meta)
		rc = t->ops->meta(t, m0, 0);
	while (!rc && !(rc = rsource_next(rs, &rec)) && rec) {
		rc = t->ops->write(t, rec);
		cJSON_Delete(rec);
	}
	if (rc) {
		snprintf(why, whylen, "%s", rsource_why(rs)[0] ? rsource_why(rs) : msw_err_str(rc));
		return rc;
	}
	if (rsource_skipped(rs)) {
		snprintf(why, whylen, "the database skipped %llu of its records",
			 (unsigned long long)rsource_skipped(rs));
		return MSW_ERR_MALFORMED;
	}
	if (t->ops->meta && (rc = t->ops->meta(t, m1, 1)))
		snprintf(why, whylen, "%s", msw_err_str(rc));
	else if (t->ops->flush && (rc = t->ops->flush(t)))
		snprintf(why, whylen, "%s", msw_err_str(rc));
	return rc;
}

/* Writes sink i's file anew from rs; its open handle is closed first. */
static void rewrite_one(struct output *o, int i, struct rsource *rs, const cJSON *m0,
			const cJSON *m1)
{
	struct sink *s = &o->sinks[i];
	size_t n = strlen(s->path) + sizeof(".resumed-tmp");
	char *tmp = malloc(n), why[256] = "out of memory";
	struct sink t = {.ops = s->ops, .cfg = s->cfg, .fresh = true};
	msw_err rc = MSW_ERR_NOMEM;

	s->ops->close(s);
	o->dead[i] = true; /* closed: nothing more goes to it */
	if (tmp) {
		snprintf(tmp, n, "%s.resumed-tmp", s->path);
		t.path = tmp;
		rc = s->ops->open(&t, tmp, s->cfg);
		if (rc)
			snprintf(why, sizeof(why), "%s", msw_err_str(rc));
		else
			rc = replay(&t, rs, o->scan_id, m0, m1, why, sizeof(why));
		if (t.priv)
			s->ops->close(&t);
		if (!rc && rename(tmp, s->path) != 0) {
			snprintf(why, sizeof(why), "%s", strerror(errno));
			rc = MSW_ERR_IO;
		}
		if (rc)
			unlink(tmp);
	}
	if (rc)
		fprintf(stderr, "mqttsweep: %s was appended to, not rewritten from the database: %s\n",
			s->path, why);
	free(tmp);
}

static void rewrite_resumed(struct output *o, const struct scan_stats *st, int exit_code)
{
	const char *db = o->cfg->db_path ? o->cfg->db_path : o->cfg->resume_db;
	struct rsource *rs = NULL;
	cJSON *m0 = NULL, *m1 = NULL;
	char why[256];
	bool any = false;

	for (int i = 0; i < o->nsinks; i++) {
		if ((o->sinks[i].ops == &sink_sqlite || o->sinks[i].ops == &sink_pg) && o->dead[i])
			return; /* the database missed records: keep the appended files */
		any |= !o->dead[i] && rewritten_file(&o->sinks[i]);
	}
	if (!any)
		return;
	if (rsource_open(db, &rs, why, sizeof(why))) {
		fprintf(stderr, "mqttsweep: the resumed scan's files were appended to, not "
				"rewritten: %s\n", why);
		return;
	}
	m0 = output_build_meta(o, NULL, 0, 0);
	m1 = output_build_meta(o, st, 1, exit_code);
	for (int i = 0; m0 && m1 && i < o->nsinks; i++)
		if (!o->dead[i] && rewritten_file(&o->sinks[i]))
			rewrite_one(o, i, rs, m0, m1);
	cJSON_Delete(m0);
	cJSON_Delete(m1);
	rsource_close(rs);
}

msw_err output_finish(struct output *o, const struct scan_stats *st, int exit_code)
{
	if (!o)
		return MSW_ERR_INTERNAL;
	progress_clear(o);
	flush_all(o);
	if (o->failed && exit_code == 0)
		exit_code = 3;   /* a sink failed at this last flush: the run ends with 3 */
	if (st)
		stats_all(o, st, 1);
	if (!o->relay)
		emit_meta(o, st, 1, exit_code);
	flush_all(o);
	if (!o->relay && o->cfg->resume_db && !o->failed)
		rewrite_resumed(o, st, exit_code);
	return o->failed ? MSW_ERR_SINK : MSW_OK;
}

void output_close(struct output *o)
{
	if (!o)
		return;
	for (int i = 0; i < o->nsinks; i++)
		if (o->sinks[i].ops->close)
			o->sinks[i].ops->close(&o->sinks[i]);
	for (int i = 0; i < o->nsecrets; i++)
		free(o->secrets[i]);
	dbuf_free(&o->line);
	free(o);
}

bool output_failed(const struct output *o)
{
	return o && o->failed;
}
