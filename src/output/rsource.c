/* Result sources: the back-end table, the scan list and the checked record iterator (see
 * rsource.h). Everything a back end hands over is capped and checked here, so a new back
 * end only moves rows. */
#include "output/rsource.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/vec.h"
#include "output/jget.h"

/* Back ends in the order they are asked; a path that no URL back end claims is SQLite,
 * so the SQLite back end stays last. */
static const struct rsource_ops *const backends[] = {
	&rsource_pg_ops,
	&rsource_sqlite_ops,
};

struct rsource {
	const struct rsource_ops *ops;
	void *state;
	struct vec scans;    /* struct rs_scan */
	struct vec sel;      /* const struct rs_scan * */
	size_t cur;          /* index into sel of the scan being read */
	bool started;        /* rows_begin called for sel[cur] */
	uint64_t skipped;
	char why[256];
};

static char *text_copy(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strnlen(s, RS_TEXT_MAX);
	char *c = malloc(n + 1);
	if (c) {
		memcpy(c, s, n);
		c[n] = 0;
	}
	return c;
}

static void scan_free(struct rs_scan *s)
{
	free(s->scan_id);
	free(s->run_id);
	free(s->shard);
	free(s->started);
	free(s->ended);
	free(s->tool_version);
}

/* run_id and shard from the stored metadata; anything unexpected leaves them NULL. */
static void scan_meta(struct rs_scan *s, const char *meta, size_t len)
{
	if (!meta || !len || len > RS_META_MAX)
		return;
	cJSON *m = cJSON_ParseWithLength(meta, len);
	if (!cJSON_IsObject(m)) {
		cJSON_Delete(m);
		return;
	}
	s->run_id = text_copy(jstr(m, "run_id"));
	s->shard = text_copy(jstr(m, "shard"));
	cJSON_Delete(m);
}

static msw_err add_scan(void *arg, const struct rs_raw_scan *r)
{
	struct rsource *rs = arg;

	if (!r->scan_id || !*r->scan_id)
		return MSW_OK; /* a row without an id cannot be selected: not listed */
	struct rs_scan *s = vec_push(&rs->scans);
	if (!s)
		return rs->scans.n >= rs->scans.max ? MSW_ERR_TOO_BIG : MSW_ERR_NOMEM;
	s->scan_id = text_copy(r->scan_id);
	s->started = text_copy(r->started);
	s->ended = text_copy(r->ended);
	s->tool_version = text_copy(r->tool_version);
	s->exit_code = r->exit_code;
	s->records = r->records;
	scan_meta(s, r->meta, r->meta_len);
	if (!s->scan_id || (r->started && !s->started) || (r->ended && !s->ended) ||
	    (r->tool_version && !s->tool_version))
		return MSW_ERR_NOMEM;
	return MSW_OK;
}

static const struct rsource_ops *backend_for(const char *source)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (backends[i]->claims(source))
			return backends[i];
	return NULL;
}

msw_err rsource_open(const char *source, struct rsource **out, char *why, size_t whylen)
{
	*out = NULL;
	const struct rsource_ops *ops = source ? backend_for(source) : NULL;
	if (!ops) {
		snprintf(why, whylen, "no result source reads '%s'", source ? source : "(none)");
		return MSW_ERR_USAGE;
	}
	struct rsource *rs = calloc(1, sizeof(*rs));
	if (!rs) {
		snprintf(why, whylen, "out of memory");
		return MSW_ERR_NOMEM;
	}
	rs->ops = ops;
	vec_init(&rs->scans, sizeof(struct rs_scan), 16, RS_SCANS_MAX);
	vec_init(&rs->sel, sizeof(const struct rs_scan *), 16, RS_SCANS_MAX);
	msw_err rc = ops->open(source, &rs->state, why, whylen);
	if (!rc)
		rc = ops->scans(rs->state, add_scan, rs, why, whylen);
	if (rc == MSW_ERR_TOO_BIG)
		snprintf(why, whylen, "more than %u scans in one source", RS_SCANS_MAX);
	else if (rc == MSW_ERR_NOMEM)
		snprintf(why, whylen, "out of memory");
	if (rc) {
		rsource_close(rs);
		return rc;
	}
	*out = rs;
	return MSW_OK;
}

void rsource_close(struct rsource *rs)
{
	if (!rs)
		return;
	if (rs->state)
		rs->ops->close(rs->state);
	for (uint32_t i = 0; i < rs->scans.n; i++)
		scan_free(vec_at(&rs->scans, i));
	vec_free(&rs->scans);
	vec_free(&rs->sel);
	free(rs);
}

const struct rs_scan *rsource_scans(const struct rsource *rs, size_t *n)
{
	*n = rs->scans.n;
	return rs->scans.p;
}

const struct rs_scan *const *rsource_selected(const struct rsource *rs, size_t *n)
{
	*n = rs->sel.n;
	return rs->sel.p;
}

uint64_t rsource_skipped(const struct rsource *rs)
{
	return rs->skipped;
}

const char *rsource_why(const struct rsource *rs)
{
	return rs->why;
}

const char *rsource_backend(const struct rsource *rs)
{
	return rs->ops->name;
}

static bool str_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/* RFC 3339 texts of one writer compare in time order as strings; a missing time sorts
 * first. */
static int time_cmp(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static msw_err sel_push(struct rsource *rs, const struct rs_scan *s)
{
	const struct rs_scan **slot = vec_push(&rs->sel);
	if (!slot)
		return MSW_ERR_NOMEM;
	*slot = s;
	return MSW_OK;
}

/* The scan of the same run and shard that supersedes s (started later, or at the same
 * time and stored later), if any. */
static bool superseded(const struct rsource *rs, size_t i)
{
	const struct rs_scan *all = rs->scans.p, *s = &all[i];
	if (!s->shard)
		return false;
	for (size_t j = 0; j < rs->scans.n; j++) {
		if (j == i || !str_eq(all[j].run_id, s->run_id) || !str_eq(all[j].shard, s->shard))
			continue;
		int c = time_cmp(all[j].started, s->started);
		if (c > 0 || (c == 0 && j > i))
			return true;
	}
	return false;
}

static msw_err pick_scans(struct rsource *rs, const struct rs_select *sel)
{
	const struct rs_scan *all = rs->scans.p;
	size_t best = 0;
	msw_err rc = MSW_OK;

	for (size_t i = 0; i < rs->scans.n && !rc; i++) {
		switch (sel->pick) {
		case RS_PICK_LATEST:
			if (time_cmp(all[i].started, all[best].started) >= 0)
				best = i;
			break;
		case RS_PICK_SCAN:
			if (str_eq(all[i].scan_id, sel->id))
				rc = sel_push(rs, &all[i]);
			break;
		case RS_PICK_RUN:
			if (str_eq(all[i].run_id, sel->id) && !superseded(rs, i))
				rc = sel_push(rs, &all[i]);
			break;
		case RS_PICK_ALL:
			rc = sel_push(rs, &all[i]);
			break;
		}
	}
	if (!rc && sel->pick == RS_PICK_LATEST && rs->scans.n)
		rc = sel_push(rs, &all[best]);
	return rc;
}

static int cmp_run(const void *a, const void *b)
{
	const struct rs_scan *x = *(const struct rs_scan *const *)a;
	const struct rs_scan *y = *(const struct rs_scan *const *)b;
	int c = strcmp(x->run_id, y->run_id);

	return c ? c : strcmp(x->shard ? x->shard : "", y->shard ? y->shard : "");
}

/* "K/N" -> N, 0 when it is not that form. */
static uint32_t shard_total(const char *shard)
{
	const char *slash = shard ? strchr(shard, '/') : NULL;
	char *end;
	unsigned long v = slash ? strtoul(slash + 1, &end, 10) : 0;

	return slash && *end == 0 && v <= UINT32_MAX ? (uint32_t)v : 0;
}

/* Adds scan s (sorted after prev) to run r. */
static void run_add(const struct rsource *rs, struct rs_run *r, const struct rs_scan *s,
		    const struct rs_scan *prev)
{
	size_t idx = (size_t)(s - (const struct rs_scan *)rs->scans.p);
	uint32_t total = shard_total(s->shard);

	if (!r->scans)
		r->shard_count = total;
	else if (r->shard_count != total)
		r->shard_count = 0;
	r->scans++;
	if (s->shard && !(prev && str_eq(prev->run_id, s->run_id) && str_eq(prev->shard, s->shard)))
		r->shards++;
	if (!superseded(rs, idx))
		r->records += s->records;
}

msw_err rsource_runs(const struct rsource *rs, struct rs_run **runs, size_t *n)
{
	const struct rs_scan *all = rs->scans.p;
	const struct rs_scan **byrun = calloc(rs->scans.n ? rs->scans.n : 1, sizeof(*byrun));
	size_t k = 0, nr = 0;

	*runs = NULL;
	*n = 0;
	if (!byrun)
		return MSW_ERR_NOMEM;
	for (size_t i = 0; i < rs->scans.n; i++)
		if (all[i].run_id)
			byrun[k++] = &all[i];
	qsort(byrun, k, sizeof(*byrun), cmp_run);
	struct rs_run *out = calloc(k ? k : 1, sizeof(*out));
	if (!out) {
		free(byrun);
		return MSW_ERR_NOMEM;
	}
	for (size_t i = 0; i < k; i++) {
		const struct rs_scan *prev = i ? byrun[i - 1] : NULL;
		if (!prev || strcmp(prev->run_id, byrun[i]->run_id))
			out[nr++].run_id = byrun[i]->run_id;
		run_add(rs, &out[nr - 1], byrun[i], prev);
	}
	free(byrun);
	if (!nr) {
		free(out);
		out = NULL;
	}
	*runs = out;
	*n = nr;
	return MSW_OK;
}

static const char *pick_name(enum rs_pick p)
{
	return p == RS_PICK_SCAN ? "scan" : "run";
}

msw_err rsource_select(struct rsource *rs, const struct rs_select *sel)
{
	vec_clear(&rs->sel);
	rs->cur = 0;
	rs->started = false;
	rs->skipped = 0;
	rs->why[0] = 0;
	if ((sel->pick == RS_PICK_SCAN || sel->pick == RS_PICK_RUN) && !sel->id) {
		snprintf(rs->why, sizeof(rs->why), "no %s id given", pick_name(sel->pick));
		return MSW_ERR_USAGE;
	}
	msw_err rc = pick_scans(rs, sel);
	if (rc) {
		snprintf(rs->why, sizeof(rs->why), "out of memory");
		return rc;
	}
	if (rs->sel.n)
		return MSW_OK;
	if (sel->pick == RS_PICK_SCAN || sel->pick == RS_PICK_RUN)
		snprintf(rs->why, sizeof(rs->why), "no %s with that id in the source",
			 pick_name(sel->pick));
	else
		snprintf(rs->why, sizeof(rs->why), "the source holds no scan");
	return MSW_ERR_USAGE;
}

bool rsource_record_ok(const cJSON *rec)
{
	const cJSON *port = jget(rec, "port");

	if (!cJSON_IsObject(rec) || !jstr(rec, "kind") || !jstr(rec, "ip") ||
	    !cJSON_IsNumber(port))
		return false;
	double p = port->valuedouble;
	return p >= 0 && p <= 65535 && p == (double)(int)p;
}

/* The next raw row of the selection, moving on to the next scan at the end of one. */
static msw_err next_row(struct rsource *rs, const char **json, size_t *len, bool *skipped)
{
	const struct rs_scan *const *sel = rs->sel.p;

	while (rs->cur < rs->sel.n) {
		msw_err rc;
		if (!rs->started) {
			rc = rs->ops->rows_begin(rs->state, sel[rs->cur]->scan_id, rs->why,
						 sizeof(rs->why));
			if (rc)
				return rc;
			rs->started = true;
		}
		rc = rs->ops->rows_next(rs->state, RS_RECORD_MAX, json, len, skipped, rs->why,
					sizeof(rs->why));
		if (rc || *json || *skipped)
			return rc;
		rs->cur++;
		rs->started = false;
	}
	*json = NULL;
	return MSW_OK;
}

msw_err rsource_next(struct rsource *rs, cJSON **rec)
{
	*rec = NULL;
	for (;;) {
		const char *json = NULL;
		size_t len = 0;
		bool skipped = false;
		msw_err rc = next_row(rs, &json, &len, &skipped);
		if (rc)
			return rc;
		if (skipped) {
			rs->skipped++;
			continue;
		}
		if (!json)
			return MSW_OK;
		cJSON *r = len <= RS_RECORD_MAX ? cJSON_ParseWithLength(json, len) : NULL;
		if (rsource_record_ok(r)) {
			*rec = r;
			return MSW_OK;
		}
		cJSON_Delete(r);
		rs->skipped++;
	}
}
