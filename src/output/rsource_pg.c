/* The PostgreSQL result source: a database written by --db postgresql://... (output/pg.c),
 * read in a read-only session. Scans come out by start time (PostgreSQL keeps no insertion
 * order), records by services.id in single-row mode, so one scan's rows are never all in
 * memory. The server measures a value before sending it: a record longer than the cap
 * arrives as NULL and is skipped without being transferred. rsource.c parses and checks
 * what this hands over. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>
#include "output/pg.h"
#include "output/rsource.h"

struct pgsrc {
	PGconn *c;
	PGresult *cur;  /* the row last handed out (its strings live until the next call) */
	bool in_rows;   /* a rows query is in flight */
};

static const char scans_sql[] =
	"SELECT s.scan_id, s.started, s.ended, s.tool_version, s.exit_code,"
	" CASE WHEN octet_length(s.meta) <= $1::bigint THEN s.meta END,"
	" (SELECT count(*) FROM services v WHERE v.scan_id = s.scan_id)"
	" FROM scans s ORDER BY s.started, s.scan_id";

static const char rows_sql[] =
	"SELECT CASE WHEN octet_length(json) <= $2::bigint THEN json END FROM services"
	" WHERE scan_id = $1 ORDER BY id";

static bool pgs_claims(const char *source)
{
	return pg_is_url(source);
}

static msw_err fail(PGconn *c, const char *what, char *why, size_t whylen)
{
	const char *m = c ? PQerrorMessage(c) : "out of memory";

	snprintf(why, whylen, "%s: %.*s", what, (int)strcspn(m, "\n"), m);
	return MSW_ERR_IO;
}

/* Reads and drops whatever the server still sends for the query in flight. */
static void drain(struct pgsrc *q)
{
	PGresult *r;

	PQclear(q->cur);
	q->cur = NULL;
	while ((r = PQgetResult(q->c)))
		PQclear(r);
	q->in_rows = false;
}

static msw_err pgs_open(const char *source, void **state, char *why, size_t whylen)
{
	static const char probe_sql[] =
		"SELECT scan_id, started, ended, tool_version, exit_code, meta FROM scans LIMIT 0;"
		"SELECT id, scan_id, json FROM services LIMIT 0";
	struct pgsrc *q = calloc(1, sizeof(*q));
	PGresult *r;
	msw_err rc = MSW_OK;

	if (!q) {
		snprintf(why, whylen, "out of memory");
		return MSW_ERR_NOMEM;
	}
	*state = q;
	q->c = PQconnectdb(source);
	if (!q->c || PQstatus(q->c) != CONNECTION_OK) { /* like a missing file: the user's to fix */
		fail(q->c, "PostgreSQL: cannot connect", why, whylen);
		return MSW_ERR_USAGE;
	}
	r = PQexec(q->c, "SET default_transaction_read_only = on");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		rc = fail(q->c, "postgresql", why, whylen);
	PQclear(r);
	if (rc)
		return rc;
	r = PQexec(q->c, probe_sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		const char *m = PQerrorMessage(q->c);

		snprintf(why, whylen, "not a mqttsweep result database (%.*s)",
			 (int)strcspn(m, "\n"), m);
		rc = MSW_ERR_MALFORMED;
	}
	PQclear(r);
	return rc;
}

static const char *val(const PGresult *r, int col)
{
	return PQgetisnull(r, 0, col) ? NULL : PQgetvalue(r, 0, col);
}

static int64_t num(const PGresult *r, int col, int64_t none)
{
	const char *s = val(r, col);
	char *end;
	long long v;

	if (!s)
		return none;
	v = strtoll(s, &end, 10);
	return *s && !*end ? (int64_t)v : none;
}

static msw_err pgs_scans(void *state, msw_err (*cb)(void *arg, const struct rs_raw_scan *s),
			 void *arg, char *why, size_t whylen)
{
	struct pgsrc *q = state;
	char cap[24];
	const char *params[1] = {cap};
	PGresult *r;
	msw_err rc = MSW_OK;

	if (q->in_rows)
		drain(q);
	snprintf(cap, sizeof(cap), "%u", RS_META_MAX);
	if (!PQsendQueryParams(q->c, scans_sql, 1, NULL, params, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(q->c))
		return fail(q->c, "listing scans", why, whylen);
	while ((r = PQgetResult(q->c))) {
		ExecStatusType s = PQresultStatus(r);

		if (s == PGRES_SINGLE_TUPLE && !rc && val(r, 0)) {
			struct rs_raw_scan raw = {
				.scan_id = val(r, 0), .started = val(r, 1), .ended = val(r, 2),
				.tool_version = val(r, 3), .exit_code = num(r, 4, -1),
				.meta = val(r, 5), .records = num(r, 6, 0),
			};
			raw.meta_len = raw.meta ? (size_t)PQgetlength(r, 0, 5) : 0;
			rc = cb(arg, &raw);
		} else if (s != PGRES_SINGLE_TUPLE && s != PGRES_TUPLES_OK && !rc) {
			rc = fail(q->c, "listing scans", why, whylen);
		}
		PQclear(r); /* after an error or a stop: read the rest, then return */
	}
	return rc;
}

static msw_err pgs_rows_begin(void *state, const char *scan_id, char *why, size_t whylen)
{
	struct pgsrc *q = state;
	char cap[24];
	const char *params[2] = {scan_id, cap};

	if (q->in_rows)
		drain(q);
	snprintf(cap, sizeof(cap), "%u", RS_RECORD_MAX);
	if (!PQsendQueryParams(q->c, rows_sql, 2, NULL, params, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(q->c))
		return fail(q->c, "reading records", why, whylen);
	q->in_rows = true;
	return MSW_OK;
}

static msw_err pgs_rows_next(void *state, size_t cap, const char **json, size_t *len,
			     bool *skipped, char *why, size_t whylen)
{
	struct pgsrc *q = state;
	PGresult *r;
	ExecStatusType s;

	*json = NULL;
	*len = 0;
	*skipped = false;
	PQclear(q->cur);
	q->cur = NULL;
	if (!q->in_rows)
		return MSW_OK;
	r = PQgetResult(q->c);
	s = r ? PQresultStatus(r) : PGRES_TUPLES_OK;
	if (s == PGRES_SINGLE_TUPLE) {
		q->cur = r;
		*json = val(r, 0);
		*len = *json ? (size_t)PQgetlength(r, 0, 0) : 0;
		if (!*json || *len > cap || strlen(*json) != *len) {
			*json = NULL;
			*skipped = true;
		}
		return MSW_OK;
	}
	PQclear(r);
	drain(q);
	if (s != PGRES_TUPLES_OK)
		return fail(q->c, "reading records", why, whylen);
	return MSW_OK;
}

static void pgs_close(void *state)
{
	struct pgsrc *q = state;

	if (!q)
		return;
	if (q->c && q->in_rows)
		drain(q);
	PQclear(q->cur);
	PQfinish(q->c);
	free(q);
}

const struct rsource_ops rsource_pg_ops = {
	.name = "postgresql",
	.claims = pgs_claims,
	.open = pgs_open,
	.scans = pgs_scans,
	.rows_begin = pgs_rows_begin,
	.rows_next = pgs_rows_next,
	.close = pgs_close,
};
