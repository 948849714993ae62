/* The SQLite result source: a database written by --db, opened read-only. Rows come out
 * as stored (scans by rowid, records by services.id); rsource.c parses and checks them.
 * Lengths are asked of SQLite before any text is fetched, so an oversized value is
 * skipped without being loaded; a value that is neither text nor a blob is skipped too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "output/rsource.h"

struct sqsrc {
	sqlite3 *db;
	sqlite3_stmt *rows;
};

static const char scans_sql[] =
	"SELECT s.scan_id, s.started, s.ended, s.tool_version, s.exit_code,"
	" CASE WHEN length(CAST(s.meta AS BLOB)) <= ?1 THEN CAST(s.meta AS TEXT) END,"
	" (SELECT count(*) FROM services v WHERE v.scan_id = s.scan_id)"
	" FROM scans s ORDER BY s.rowid";

/* The length test runs before the value is cast, so an oversized row is not copied. */
static const char rows_sql[] =
	"SELECT CASE WHEN typeof(json) IN ('text', 'blob') AND length(CAST(json AS BLOB)) <= ?2"
	" THEN CAST(json AS TEXT) END FROM services WHERE scan_id = ?1 ORDER BY id";

static bool sq_claims(const char *source)
{
	return !strstr(source, "://");
}

static msw_err fail(sqlite3 *db, const char *what, char *why, size_t whylen)
{
	snprintf(why, whylen, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
	return MSW_ERR_IO;
}

/* Both tables with the columns this reader uses, else "not a mqttsweep database". */
static msw_err check_schema(sqlite3 *db, char *why, size_t whylen)
{
	static const char probe_sql[] =
		"SELECT scan_id, started, ended, tool_version, exit_code, meta FROM scans LIMIT 0;"
		"SELECT id, scan_id, json FROM services LIMIT 0";
	const char *tail = probe_sql;

	while (tail && *tail) {
		sqlite3_stmt *st = NULL;
		int rc = sqlite3_prepare_v2(db, tail, -1, &st, &tail);
		sqlite3_finalize(st);
		if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT || rc == SQLITE_ERROR) {
			snprintf(why, whylen, "not a mqttsweep result database (%s)",
				 sqlite3_errmsg(db));
			return MSW_ERR_MALFORMED;
		}
		if (rc != SQLITE_OK)
			return fail(db, "sqlite", why, whylen);
	}
	return MSW_OK;
}

static msw_err sq_open(const char *source, void **state, char *why, size_t whylen)
{
	struct sqsrc *q = calloc(1, sizeof(*q));
	if (!q) {
		snprintf(why, whylen, "out of memory");
		return MSW_ERR_NOMEM;
	}
	*state = q;
	if (sqlite3_open_v2(source, &q->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return fail(q->db, source, why, whylen);
	sqlite3_busy_timeout(q->db, 5000);
	/* a result file is data: no triggers, views or extensions of its own run here */
	sqlite3_db_config(q->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(q->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	return check_schema(q->db, why, whylen);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static msw_err sq_scans(void *state, msw_err (*cb)(void *arg, const struct rs_raw_scan *s),
			void *arg, char *why, size_t whylen)
{
	struct sqsrc *q = state;
	sqlite3_stmt *st = NULL;
	msw_err rc = MSW_OK;
	int s;

	if (sqlite3_prepare_v2(q->db, scans_sql, -1, &st, NULL) != SQLITE_OK)
		return fail(q->db, "listing scans", why, whylen);
	sqlite3_bind_int64(st, 1, RS_META_MAX);
	while (!rc && (s = sqlite3_step(st)) == SQLITE_ROW) {
		struct rs_raw_scan r = {
			.scan_id = col_text(st, 0), .started = col_text(st, 1),
			.ended = col_text(st, 2), .tool_version = col_text(st, 3),
			.exit_code = sqlite3_column_type(st, 4) == SQLITE_INTEGER
				? sqlite3_column_int64(st, 4) : -1,
			.meta = col_text(st, 5), .records = sqlite3_column_int64(st, 6),
		};
		r.meta_len = r.meta ? (size_t)sqlite3_column_bytes(st, 5) : 0;
		rc = cb(arg, &r);
	}
	if (!rc && s != SQLITE_DONE)
		rc = fail(q->db, "listing scans", why, whylen);
	sqlite3_finalize(st);
	return rc;
}

static msw_err sq_rows_begin(void *state, const char *scan_id, char *why, size_t whylen)
{
	struct sqsrc *q = state;

	sqlite3_finalize(q->rows);
	q->rows = NULL;
	if (sqlite3_prepare_v2(q->db, rows_sql, -1, &q->rows, NULL) != SQLITE_OK)
		return fail(q->db, "reading records", why, whylen);
	sqlite3_bind_text(q->rows, 1, scan_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(q->rows, 2, RS_RECORD_MAX);
	return MSW_OK;
}

static msw_err sq_rows_next(void *state, size_t cap, const char **json, size_t *len,
			    bool *skipped, char *why, size_t whylen)
{
	struct sqsrc *q = state;

	*json = NULL;
	*len = 0;
	*skipped = false;
	if (!q->rows)
		return MSW_OK;
	int s = sqlite3_step(q->rows);
	if (s == SQLITE_DONE) {
		sqlite3_finalize(q->rows);
		q->rows = NULL;
		return MSW_OK;
	}
	if (s != SQLITE_ROW)
		return fail(q->db, "reading records", why, whylen);
	*json = col_text(q->rows, 0);
	*len = *json ? (size_t)sqlite3_column_bytes(q->rows, 0) : 0;
	if (!*json || *len > cap) {
		*json = NULL;
		*skipped = true;
	}
	return MSW_OK;
}

static void sq_close(void *state)
{
	struct sqsrc *q = state;

	sqlite3_finalize(q->rows);
	sqlite3_close(q->db);
	free(q);
}

const struct rsource_ops rsource_sqlite_ops = {
	.name = "sqlite",
	.claims = sq_claims,
	.open = sq_open,
	.scans = sq_scans,
	.rows_begin = sq_rows_begin,
	.rows_next = sq_rows_next,
	.close = sq_close,
};
