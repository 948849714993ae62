/* `mqttsweep export` (see export.h): reads records through a result source, routes each
 * row to its file and writes it in the chosen format.
 *
 * Files: Shadowserver reports are named as Shadowserver names them,
 * DIR/<date>-<report type>-<org>-<filter>.csv, with the date of the row's timestamp (a
 * scan that runs past midnight gives one file per day, as daily reports do), report type
 * scan_mqtt / scan_mqtt_anon (scan6_ for IPv6 addresses) and filter "all", or the AS
 * ("as64500") or country ("de") with --split-by. IntelMQ events go to
 * DIR/intelmq-<filter>.jsonl, zgrab2 lines to DIR/zgrab2-<filter>.jsonl. Every file is
 * created afresh (an earlier export's file of the same name is replaced); files are found
 * by a hash of their path, and at most EXPORT_OPEN_MAX are open at once (the least recently
 * used is closed and reopened for appending when needed).
 *
 * Nothing in a stored record is trusted: strings that are not UTF-8 (the database may
 * have been edited) are shown as \xNN text in JSON output, and every CSV cell goes
 * through escape_csv_cell (quoted; formula-leading characters neutralised). */
#include "output/export.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "base/hash.h"
#include "base/hashset.h"
#include "base/vec.h"
#include "output/asndb.h"
#include "output/escape.h"
#include "output/export_cols.h"
#include "output/jget.h"
#include "output/record.h"

struct outfile {
	char *path;
	FILE *f;          /* NULL while closed */
	uint64_t used;    /* tick of the last write */
};

/* A slot of the path index: the path's hash, then the file's index in files. */
struct fslot {
	uint64_t h;
	uint32_t idx;
};

struct fkey {
	const char *path;
	const struct vec *files;
};

struct exp {
	const struct export_opts *o;
	struct asndb *asn;
	struct vec files;     /* struct outfile */
	struct hashset index; /* struct fslot, by path */
	uint32_t open[EXPORT_OPEN_MAX]; /* indexes of the open files */
	uint32_t nopen;
	uint64_t tick;
	struct export_counts *cnt;
	char today[11];
	char *why;
	size_t whylen;
};

bool export_org_ok(const char *org)
{
	size_t n = org ? strlen(org) : 0;

	if (!n || n > EXPORT_ORG_MAX || org[0] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)org[i]) && org[i] != '_' && org[i] != '.')
			return false;
	return true;
}

/* ---- output files ---- */

static msw_err io_fail(struct exp *x, const char *what, const char *path)
{
	snprintf(x->why, x->whylen, "%s %s: %s", what, path, strerror(errno));
	return MSW_ERR_IO;
}

static void close_lru(struct exp *x)
{
	uint32_t lru = 0;

	for (uint32_t i = 1; i < x->nopen; i++)
		if (((struct outfile *)vec_at(&x->files, x->open[i]))->used <
		    ((struct outfile *)vec_at(&x->files, x->open[lru]))->used)
			lru = i;
	struct outfile *of = vec_at(&x->files, x->open[lru]);
	fclose(of->f);
	of->f = NULL;
	x->open[lru] = x->open[--x->nopen];
}

static bool fslot_eq(const void *slot, const void *key)
{
	const struct fslot *sl = slot;
	const struct fkey *k = key;

	return !strcmp(((const struct outfile *)vec_at(k->files, sl->idx))->path, k->path);
}

/* The file of path, added (closed, not yet created) when new: *fresh. */
static msw_err file_lookup(struct exp *x, const char *path, uint32_t *idx, bool *fresh)
{
	struct fkey key = {path, &x->files};
	uint64_t h = fnv1a64(path, strlen(path), FNV64_INIT);
	struct fslot *sl = hset_add(&x->index, h, &key, fresh);

	if (!sl || (*fresh && x->files.n >= EXPORT_FILES_MAX)) {
		if (sl && *fresh)
			hset_del(&x->index, sl);
		snprintf(x->why, x->whylen, "more than %u output files", EXPORT_FILES_MAX);
		return MSW_ERR_TOO_BIG;
	}
	if (!*fresh) {
		*idx = sl->idx;
		return MSW_OK;
	}
	struct outfile *of = vec_push(&x->files);
	char *copy = strdup(path);
	if (!of || !copy) {
		free(copy);
		if (of)
			x->files.n--;
		hset_del(&x->index, sl);
		return MSW_ERR_NOMEM;
	}
	of->path = copy;
	sl->idx = x->files.n - 1;
	*idx = sl->idx;
	x->cnt->files++;
	return MSW_OK;
}

/* The open file for path; *fresh when it was created now (write a header). */
static msw_err file_for(struct exp *x, const char *path, FILE **out, bool *fresh)
{
	uint32_t idx;
	msw_err rc = file_lookup(x, path, &idx, fresh);

	if (rc)
		return rc;
	struct outfile *of = vec_at(&x->files, idx);
	if (!of->f) {
		if (x->nopen >= EXPORT_OPEN_MAX)
			close_lru(x);
		of->f = fopen(path, *fresh ? "w" : "a");
		if (!of->f)
			return io_fail(x, "cannot write", path);
		x->open[x->nopen++] = idx;
	}
	of->used = ++x->tick;
	*out = of->f;
	return MSW_OK;
}

static msw_err files_close(struct exp *x)
{
	msw_err rc = MSW_OK;

	for (uint32_t i = 0; i < x->files.n; i++) {
		struct outfile *of = vec_at(&x->files, i);
		if (of->f && fclose(of->f) != 0 && !rc)
			rc = io_fail(x, "cannot write", of->path);
		free(of->path);
	}
	vec_free(&x->files);
	hset_free(&x->index);
	return rc;
}

/* ---- naming ---- */

static void row_date(const struct exp *x, const cJSON *rec, char out[11])
{
	char t[20];

	if (xtime_sql(rec, t)) {
		memcpy(out, t, 10);
		out[10] = 0;
	} else {
		memcpy(out, x->today, 11);
	}
}

static bool is_v6(const cJSON *rec)
{
	const char *ip = jstr(rec, "ip");

	return ip && strchr(ip, ':');
}

/* "all", "as64500" / "asunknown", or "de" / "unknown". */
static void filter_name(const struct exp *x, const struct xrow *r, char *out, size_t n)
{
	if (x->o->split == SPLIT_ASN && r->have_asn && r->asn.asn)
		snprintf(out, n, "as%u", r->asn.asn);
	else if (x->o->split == SPLIT_ASN)
		snprintf(out, n, "asunknown");
	else if (x->o->split == SPLIT_CC && r->have_asn && isalpha((unsigned char)r->asn.cc[0]) &&
		 isalpha((unsigned char)r->asn.cc[1]))
		snprintf(out, n, "%c%c", tolower((unsigned char)r->asn.cc[0]),
			 tolower((unsigned char)r->asn.cc[1]));
	else if (x->o->split == SPLIT_CC)
		snprintf(out, n, "unknown");
	else
		snprintf(out, n, "all");
}

static const char *report_type(bool v6, bool anon)
{
	return v6 ? (anon ? "scan6_mqtt_anon" : "scan6_mqtt") : (anon ? "scan_mqtt_anon" : "scan_mqtt");
}

static const char *feed_name(bool v6, bool anon)
{
	return v6 ? (anon ? "IPv6-Open-Anonymous-MQTT" : "IPv6-Open-MQTT")
		  : (anon ? "Open-Anonymous-MQTT" : "Open-MQTT");
}

static msw_err path_for(struct exp *x, const struct xrow *r, const cJSON *rec, char *path,
			size_t n)
{
	char date[11], filter[32];
	int k;

	filter_name(x, r, filter, sizeof(filter));
	if (x->o->format == EXPORT_SHADOWSERVER) {
		row_date(x, rec, date);
		k = snprintf(path, n, "%s/%s-%s-%s-%s.csv", x->o->out_dir, date,
			     report_type(is_v6(rec), r->anon_report), x->o->org, filter);
	} else {
		k = snprintf(path, n, "%s/%s-%s.jsonl", x->o->out_dir,
			     x->o->format == EXPORT_INTELMQ ? "intelmq" : "zgrab2", filter);
	}
	if (k < 0 || (size_t)k >= n) {
		snprintf(x->why, x->whylen, "output path too long");
		return MSW_ERR_USAGE;
	}
	return MSW_OK;
}

/* ---- JSON safety ---- */

/* Strings that are not UTF-8 (or hold NUL) become their visible \xNN form. */
static void json_sanitize(cJSON *o, int depth)
{
	cJSON *e;

	if (depth > 64)
		return;
	cJSON_ArrayForEach(e, o) {
		if (cJSON_IsString(e) && e->valuestring &&
		    !utf8_valid((const uint8_t *)e->valuestring, strlen(e->valuestring))) {
			char *s = escape_term_s(e->valuestring);
			if (s)
				cJSON_SetValuestring(e, s);
			free(s);
		} else if (cJSON_IsObject(e) || cJSON_IsArray(e)) {
			json_sanitize(e, depth + 1);
		}
	}
}

static msw_err write_json_line(struct exp *x, FILE *f, cJSON *o, const char *path)
{
	json_sanitize(o, 0);
	char *txt = cJSON_PrintUnformatted(o);
	if (!txt)
		return MSW_ERR_NOMEM;
	int ok = fputs(txt, f) >= 0 && fputc('\n', f) != EOF;
	cJSON_free(txt);
	return ok ? MSW_OK : io_fail(x, "cannot write", path);
}

/* ---- Shadowserver CSV ---- */

static int put_cell(FILE *f, bool first, const char *p, size_t n)
{
	if (!first && fputc(',', f) == EOF)
		return -1;
	if (!n)
		return 0;
	char *cell = escape_csv_cell(p, n);
	if (!cell)
		return -1;
	int rc = fputs(cell, f);
	free(cell);
	return rc < 0 ? -1 : 0;
}

static msw_err csv_header(struct exp *x, FILE *f, bool anon, const char *path)
{
	bool first = true;
	int rc = 0;

	for (size_t i = 0; i < xcols_n && !rc; i++) {
		if (!xcol_in(&xcols[i], anon, x->o->extra_columns))
			continue;
		rc = put_cell(f, first, xcols[i].name, strlen(xcols[i].name));
		first = false;
	}
	if (rc || fputc('\n', f) == EOF)
		return io_fail(x, "cannot write", path);
	return MSW_OK;
}

static msw_err csv_row(struct exp *x, FILE *f, const struct xrow *r, const char *path)
{
	static struct xval v; /* 4 KiB: kept off the stack */
	bool first = true;
	int rc = 0;

	for (size_t i = 0; i < xcols_n && !rc; i++) {
		if (!xcol_in(&xcols[i], r->anon_report, x->o->extra_columns))
			continue;
		xcol_value(r, &xcols[i], &v);
		rc = put_cell(f, first, v.p, v.n);
		first = false;
	}
	if (rc || fputc('\n', f) == EOF)
		return io_fail(x, "cannot write", path);
	return MSW_OK;
}

/* ---- IntelMQ ---- */

static void add_typed(cJSON *ev, const char *key, enum xtype t, const struct xval *v)
{
	char tmp[XV_MAX + 1];

	memcpy(tmp, v->p, v->n);
	tmp[v->n] = 0;
	if (t == XT_INT) {
		char *end;
		errno = 0;
		long long n = strtoll(tmp, &end, 10);
		if (!errno && !*end && end != tmp)
			cJSON_AddNumberToObject(ev, key, (double)n);
	} else if (t == XT_BOOL) {
		cJSON_AddBoolToObject(ev, key, !strcmp(tmp, "Y"));
	} else if (t == XT_TIME && v->n == 19) {
		char iso[40];
		snprintf(iso, sizeof(iso), "%.10sT%.8s+00:00", tmp, tmp + 11);
		cJSON_AddStringToObject(ev, key, iso);
	} else if (v->from_b64 || memchr(v->p, 0, v->n)) {
		char *s = escape_term(v->p, v->n);
		if (s)
			cJSON_AddStringToObject(ev, key, s);
		free(s);
	} else {
		cJSON_AddStringToObject(ev, key, tmp);
	}
}

static cJSON *intelmq_event(const struct exp *x, const struct xrow *r)
{
	static struct xval v;
	cJSON *ev = cJSON_CreateObject();
	bool v6 = is_v6(r->rec);

	if (!ev)
		return NULL;
	cJSON_AddStringToObject(ev, "feed.provider", "mqttsweep");
	cJSON_AddStringToObject(ev, "feed.name", feed_name(v6, r->anon_report));
	cJSON_AddStringToObject(ev, "classification.taxonomy", "vulnerable");
	cJSON_AddStringToObject(ev, "classification.type", "vulnerable-system");
	cJSON_AddStringToObject(ev, "classification.identifier",
				r->anon_report ? "open-mqtt-anon" : "open-mqtt");
	cJSON_AddStringToObject(ev, "protocol.application", "mqtt");
	for (size_t i = 0; i < xcols_n; i++) {
		const struct xcol *c = &xcols[i];
		char key[96];
		if (!xcol_in(c, r->anon_report, x->o->extra_columns))
			continue;
		xcol_value(r, c, &v);
		if (!v.n)
			continue;
		if (c->intelmq)
			snprintf(key, sizeof(key), "%s", c->intelmq);
		else
			snprintf(key, sizeof(key), "extra.%s", c->name);
		add_typed(ev, key, c->type, &v);
	}
	return ev;
}

/* ---- zgrab2 ---- */

static void copy_item(cJSON *to, const cJSON *from, const char *key)
{
	const cJSON *it = jget(from, key);

	if (it)
		cJSON_AddItemToObject(to, key, cJSON_Duplicate(it, 1));
}

static int hexval(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

/* zgrab2's mqtt module result (session_present, connect_return_code, response: each left
 * out when false/zero/empty, as zgrab2 does), plus mqttsweep's own findings under
 * "mqttsweep". */
static cJSON *zgrab2_result(const cJSON *rec)
{
	static const char *const ours[] = {
		"transport", "transport_security", "mqtt_version", "auth", "versions",
		"read_access", "write_access", "broker", "findings", "tls", "websocket",
		"duration_ms", "scan_id",
	};
	cJSON *res = cJSON_CreateObject(), *m;
	const cJSON *ck = jget(rec, "connack");
	const char *raw = jstr(ck, "raw_hex");
	const cJSON *code = jget(ck, "code");

	if (!res)
		return NULL;
	/* the CONNACK's third byte (acknowledge flags), bit 0: session present */
	if (raw && strnlen(raw, 6) == 6 && isxdigit((unsigned char)raw[5]) &&
	    (hexval(raw[5]) & 1))
		cJSON_AddTrueToObject(res, "session_present");
	if (cJSON_IsNumber(code) && code->valuedouble >= 1 && code->valuedouble <= 255)
		cJSON_AddNumberToObject(res, "connect_return_code", (int)code->valuedouble);
	if (raw && *raw) {
		char up[1024];
		size_t n = strnlen(raw, sizeof(up) - 1);
		for (size_t i = 0; i < n; i++)
			up[i] = (char)toupper((unsigned char)raw[i]);
		up[n] = 0;
		cJSON_AddStringToObject(res, "response", up);
	}
	m = cJSON_AddObjectToObject(res, "mqttsweep");
	for (size_t i = 0; m && i < sizeof(ours) / sizeof(ours[0]); i++)
		copy_item(m, rec, ours[i]);
	const cJSON *topics = jget(rec, "topics");
	cJSON *t = cJSON_IsObject(topics) && m ? cJSON_AddObjectToObject(m, "topics") : NULL;
	static const char *const tkeys[] = {"count", "retained", "messages", "bytes", "truncated"};
	for (size_t i = 0; t && i < sizeof(tkeys) / sizeof(tkeys[0]); i++)
		copy_item(t, topics, tkeys[i]);
	return res;
}

static cJSON *zgrab2_line(const cJSON *rec)
{
	cJSON *o = cJSON_CreateObject(), *mod = NULL;
	const char *host = jstr(rec, "hostname"), *status = jstr(rec, "status");

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "ip", jstr(rec, "ip"));
	if (host && *host)
		cJSON_AddStringToObject(o, "domain", host);
	cJSON *data = cJSON_AddObjectToObject(o, "data");
	if (!data || !(mod = cJSON_AddObjectToObject(data, "mqtt"))) {
		cJSON_Delete(o);
		return NULL;
	}
	cJSON_AddStringToObject(mod, "status", status ? status : "unknown-error");
	cJSON_AddStringToObject(mod, "protocol", "mqtt");
	cJSON_AddItemToObject(mod, "result", zgrab2_result(rec));
	if (jstr(rec, "timestamp"))
		cJSON_AddStringToObject(mod, "timestamp", jstr(rec, "timestamp"));
	if (jstr(rec, "error") && *jstr(rec, "error"))
		cJSON_AddStringToObject(mod, "error", jstr(rec, "error"));
	return o;
}

/* ---- routing ---- */

static void enrich(const struct exp *x, struct xrow *r)
{
	const char *ip = jstr(r->rec, "ip");

	r->have_asn = x->asn && ip && asndb_lookup(x->asn, ip, &r->asn);
	if (r->have_asn)
		x->cnt->enriched++;
}

static msw_err emit_row(struct exp *x, struct xrow *r)
{
	char path[4096];
	FILE *f;
	bool fresh;
	msw_err rc;

	enrich(x, r);
	if ((rc = path_for(x, r, r->rec, path, sizeof(path))) ||
	    (rc = file_for(x, path, &f, &fresh)))
		return rc;
	if (x->o->format == EXPORT_SHADOWSERVER) {
		if (fresh && (rc = csv_header(x, f, r->anon_report, path)))
			return rc;
		rc = csv_row(x, f, r, path);
	} else {
		cJSON *ev = intelmq_event(x, r);
		if (!ev)
			return MSW_ERR_NOMEM;
		rc = write_json_line(x, f, ev, path);
		cJSON_Delete(ev);
	}
	if (!rc)
		x->cnt->rows++;
	return rc;
}

static msw_err emit_zgrab2(struct exp *x, const cJSON *rec)
{
	struct xrow r = {.rec = rec};
	char path[4096];
	FILE *f;
	bool fresh;
	msw_err rc;

	if (strcmp(jstr(rec, "kind"), "service") || !jstr(rec, "probe") ||
	    strcmp(jstr(rec, "probe"), "mqtt"))
		return MSW_OK;
	enrich(x, &r);
	if ((rc = path_for(x, &r, rec, path, sizeof(path))) || (rc = file_for(x, path, &f, &fresh)))
		return rc;
	cJSON *line = zgrab2_line(rec);
	if (!line)
		return MSW_ERR_NOMEM;
	rc = write_json_line(x, f, line, path);
	cJSON_Delete(line);
	if (!rc)
		x->cnt->rows++;
	return rc;
}

static msw_err one_record(struct exp *x, const cJSON *rec)
{
	struct xrow r;
	msw_err rc = MSW_OK;

	x->cnt->records++;
	if (x->o->format == EXPORT_ZGRAB2)
		return emit_zgrab2(x, rec);
	/* every broker in the Open-MQTT report; anonymous ones in the anonymous report too */
	if (xrow_init(&r, rec, false))
		rc = emit_row(x, &r);
	if (!rc && xrow_init(&r, rec, true))
		rc = emit_row(x, &r);
	return rc;
}

/* ---- driver ---- */

static msw_err prepare(struct exp *x)
{
	const struct export_opts *o = x->o;
	time_t now = time(NULL);
	struct tm tm;

	strftime(x->today, sizeof(x->today), "%Y-%m-%d", gmtime_r(&now, &tm));
	if (!export_org_ok(o->org)) {
		snprintf(x->why, x->whylen, "--org must be 1-%d letters, digits, '_' or '.' (not "
			 "starting with '.')", EXPORT_ORG_MAX);
		return MSW_ERR_USAGE;
	}
	if (o->split != SPLIT_NONE && !o->asn_db) {
		snprintf(x->why, x->whylen, "--split-by needs --asn-db");
		return MSW_ERR_USAGE;
	}
	if (mkdir(o->out_dir, 0755) && errno != EEXIST)
		return io_fail(x, "cannot create", o->out_dir);
	struct stat st;
	if (stat(o->out_dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(x->why, x->whylen, "--out %s is not a directory", o->out_dir);
		return MSW_ERR_USAGE;
	}
	if (o->asn_db) {
		char *msg = NULL;
		msw_err rc = asndb_open(o->asn_db, &x->asn, &msg);
		if (rc) {
			snprintf(x->why, x->whylen, "%s", msg ? msg : "cannot load --asn-db");
			free(msg);
			return rc == MSW_ERR_USAGE ? rc : MSW_ERR_IO;
		}
	}
	return MSW_OK;
}

static msw_err run_source(struct exp *x)
{
	struct rsource *rs = NULL;
	msw_err rc = rsource_open(x->o->source, &rs, x->why, x->whylen);
	cJSON *rec;

	if (rc)
		return rc;
	rc = rsource_select(rs, &x->o->sel);
	if (rc)
		snprintf(x->why, x->whylen, "%s", rsource_why(rs));
	while (!rc && !(rc = rsource_next(rs, &rec)) && rec) {
		rc = one_record(x, rec);
		cJSON_Delete(rec);
	}
	if (rc && !x->why[0])
		snprintf(x->why, x->whylen, "%s", rsource_why(rs));
	x->cnt->skipped = rsource_skipped(rs);
	rsource_close(rs);
	return rc;
}

msw_err export_run(const struct export_opts *o, struct export_counts *cnt, char *why,
		   size_t whylen)
{
	struct exp x = {.o = o, .cnt = cnt, .why = why, .whylen = whylen};
	msw_err rc;

	memset(cnt, 0, sizeof(*cnt));
	why[0] = 0;
	vec_init(&x.files, sizeof(struct outfile), 8, EXPORT_FILES_MAX);
	hset_init(&x.index, sizeof(struct fslot), 8, 16, EXPORT_FILES_MAX, fslot_eq);
	rc = prepare(&x);
	if (!rc)
		rc = run_source(&x);
	msw_err crc = files_close(&x);
	asndb_close(x.asn);
	if (!rc && crc)
		rc = crc;
	if (rc == MSW_ERR_NOMEM && !why[0])
		snprintf(why, whylen, "out of memory");
	return rc;
}
