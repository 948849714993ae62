/* The database sinks read the record through its field tables (write_record) and store the
 * values the tree path (write: the record's cJSON tree, record_to_json) stores:
 * - SQLite: 600 random records (the golden recipe, record_recipe.h, plus typed access maps
 *   with hostile values, typed host summaries, enums past their vocabularies), written once
 *   through write() and once through write_record(), then again with --resume (every
 *   target replaced): every row of every table the same, value and type;
 * - PostgreSQL, when MSW_TEST_PG_URL names a throw-away server (tests/integration/
 *   test_db_record.sh starts one): the same records through both paths, every row the
 *   same. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include "base/config.h"
#include "base/record.h"
#include "base/scan_stats.h"
#include "output/record.h"
#include "output/rpath.h"
#include "output/sink.h"
#include "probes/mqtt_access_rec.h"

#include "record_recipe_hooks.h"

#define NREC 600

/* ---- random access maps (the MQTT probe's typed block, mqtt_access_rec.h) ---- */

static void rnd_rows(struct acl_rec *a)
{
	assert_int_equal(acl_rec_alloc(a, rnd(4)), MSW_OK);
	for (uint32_t i = 0; i < a->n; i++) {
		struct acl_rec_row *w = &a->rows[i];
		w->filter = rcstr(12); /* may be invalid UTF-8: then the JSON has <name>_b64 */
		w->read = (uint8_t)rnd(4);  /* one past the vocabulary: its fallback */
		w->write = (uint8_t)rnd(5);
		w->suback = rnd(3) ? (uint8_t)rnd(256) : ACL_NO_CODE;
		w->puback = rnd(3) ? ACL_NO_CODE : (uint8_t)rnd(256);
		w->write_topic = rnd(3) ? NULL : rcstr(8);
	}
}

static void rnd_access(struct msw_record *r)
{
	struct mqtt_access_rec *x;

	if (rnd(3) == 0)
		return;
	x = record_block_new(r, &mqtt_access_table);
	assert_non_null(x);
	if ((x->mapped = rnd(2)))
		rnd_rows(&x->acl);
	if (rnd(3) == 0) {
		x->naccounts = 1 + rnd(3);
		x->accounts = calloc(x->naccounts, sizeof(*x->accounts));
		assert_non_null(x->accounts);
		for (uint32_t i = 0; i < x->naccounts; i++) {
			struct access_account_rec *ac = &x->accounts[i];
			ac->user = rnd(4) ? rcstr(8) : NULL;
			ac->auth = (enum msw_auth)rnd(AUTH__COUNT);
			if ((ac->mapped = rnd(5) != 0))
				rnd_rows(&ac->acl);
		}
	}
}

static void rnd_host(struct msw_record *r)
{
	struct host_summary *h = record_block_new(r, &host_summary_table);

	assert_non_null(h);
	host_summary_init(h);
	h->worst = (int)rnd(SEV__COUNT + 2) - 1;
	h->chain = rnd(4) ? rcstr(20) : NULL;
}

static void rnd_record(struct msw_record *r)
{
	recipe(r);
	rnd_access(r);
	if (rnd(4) == 0)
		rnd_host(r);
	/* values past their vocabularies read as the fallback's name */
	if (rnd(8) == 0)
		r->auth = (enum msw_auth)(AUTH__COUNT + rnd(3));
	if (rnd(8) == 0)
		r->status = (enum msw_status)(ST__COUNT + rnd(3));
	for (size_t i = 0; i < r->findings.n; i++)
		if (rnd(6) == 0)
			record_findings(r)[i].severity = (enum msw_severity)(SEV__COUNT + rnd(3));
}

/* ---- two SQLite databases, row by row ---- */

static const char *const tables_sql[] = {
	"SELECT * FROM services ORDER BY id",
	"SELECT * FROM topics ORDER BY rowid",
	"SELECT * FROM findings ORDER BY rowid",
	"SELECT * FROM acl ORDER BY rowid",
	"SELECT * FROM hosts ORDER BY scan_id, ip",
	"SELECT * FROM done ORDER BY scan_id, idx",
};

/* Rows of query q in both databases: the same count, and every value the same type and
 * bytes. Returns the number of rows. */
static long same_rows(sqlite3 *a, sqlite3 *b, const char *q)
{
	sqlite3_stmt *x, *y;
	long rows = 0;

	assert_int_equal(sqlite3_prepare_v2(a, q, -1, &x, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(b, q, -1, &y, NULL), SQLITE_OK);
	for (;;) {
		int rx = sqlite3_step(x), ry = sqlite3_step(y);
		assert_int_equal(rx, ry);
		if (rx != SQLITE_ROW)
			break;
		rows++;
		assert_int_equal(sqlite3_column_count(x), sqlite3_column_count(y));
		for (int i = 0; i < sqlite3_column_count(x); i++) {
			int tx = sqlite3_column_type(x, i), ty = sqlite3_column_type(y, i);
			if (tx != ty)
				fprintf(stderr, "%s: row %ld, column %s: type %d, %d\n", q, rows,
					sqlite3_column_name(x, i), tx, ty);
			assert_int_equal(tx, ty);
			const void *px = sqlite3_column_blob(x, i), *py = sqlite3_column_blob(y, i);
			int nx = sqlite3_column_bytes(x, i), ny = sqlite3_column_bytes(y, i);
			if (nx != ny || (nx && memcmp(px, py, (size_t)nx)))
				fprintf(stderr, "%s: row %ld, column %s: %.*s | %.*s\n", q, rows,
					sqlite3_column_name(x, i), nx > 200 ? 200 : nx, (const char *)px,
					ny > 200 ? 200 : ny, (const char *)py);
			assert_int_equal(nx, ny);
			if (nx)
				assert_memory_equal(px, py, (size_t)nx);
		}
	}
	sqlite3_finalize(x);
	sqlite3_finalize(y);
	return rows;
}

static void same_dbs(const char *pa, const char *pb, long *count)
{
	sqlite3 *a, *b;

	assert_int_equal(sqlite3_open(pa, &a), SQLITE_OK);
	assert_int_equal(sqlite3_open(pb, &b), SQLITE_OK);
	for (size_t i = 0; i < sizeof(tables_sql) / sizeof(tables_sql[0]); i++)
		count[i] = same_rows(a, b, tables_sql[i]);
	sqlite3_close(a);
	sqlite3_close(b);
}

/* The same NREC records (from the recipe's seed) into sink a through write() (the tree)
 * and into sink b through write_record(). */
static void write_both(const struct sink_ops *ops, struct sink *a, struct sink *b)
{
	rs = 0x2545F4914F6CDD1Dull;
	for (int i = 0; i < NREC; i++) {
		struct msw_record r;
		rnd_record(&r);
		cJSON *j = record_to_json(&r, MSW_VERSION);
		assert_non_null(j);
		assert_int_equal(ops->write(a, j), MSW_OK);
		assert_int_equal(ops->write_record(b, &r), MSW_OK);
		cJSON_Delete(j);
		record_free(&r);
		if (i % 7 == 0) {
			struct scan_stats t = {.hosts = 1, .records = (uint64_t)i};
			assert_int_equal(ops->host_done(a, (uint64_t)i, &t), MSW_OK);
			assert_int_equal(ops->host_done(b, (uint64_t)i, &t), MSW_OK);
		}
	}
}

static void sqlite_pass(const char *pa, const char *pb, const struct msw_config *cfg)
{
	struct sink a = {.ops = &sink_sqlite, .cfg = cfg}, b = a;

	assert_int_equal(sink_sqlite.open(&a, pa, cfg), MSW_OK);
	assert_int_equal(sink_sqlite.open(&b, pb, cfg), MSW_OK);
	write_both(&sink_sqlite, &a, &b);
	sink_sqlite.close(&a);
	sink_sqlite.close(&b);
}

static void rm_db(const char *p)
{
	char w[300];
	unlink(p);
	snprintf(w, sizeof(w), "%s-wal", p);
	unlink(w);
	snprintf(w, sizeof(w), "%s-shm", p);
	unlink(w);
}

static void test_sqlite_same_rows(void **st)
{
	char pa[] = "/tmp/msw-dbrec-a-XXXXXX", pb[] = "/tmp/msw-dbrec-b-XXXXXX";
	struct msw_config cfg = {0};
	long n[6], n2[6];
	(void)st;

	close(mkstemp(pa));
	close(mkstemp(pb));
	sqlite_pass(pa, pb, NULL);
	same_dbs(pa, pb, n);
	fprintf(stderr, "sqlite: services %ld, topics %ld, findings %ld, acl %ld, hosts %ld, "
		"done %ld rows the same\n", n[0], n[1], n[2], n[3], n[4], n[5]);
	assert_int_equal(n[0], NREC);
	assert_true(n[1] > NREC && n[2] > NREC && n[3] > 100 && n[4] > 100 && n[5] > 50);
	/* --resume: the same targets again replace their rows */
	cfg.resume_db = pa;
	sqlite_pass(pa, pb, &cfg);
	same_dbs(pa, pb, n2);
	assert_int_equal(n2[0], n[0]);
	assert_int_equal(n2[1], n[1]);
	assert_int_equal(n2[3], n[3]);
	rm_db(pa);
	rm_db(pb);
}

/* ---- PostgreSQL (a throw-away server given by MSW_TEST_PG_URL) ---- */

static const char *const pg_tables[] = {"scans", "services", "topics", "findings", "hosts", "done"};

/* Every row of every table as text, sorted, without the services' ids (a batch is sent
 * when it is full or 200 ms old, so the two runs' batches, and the ids their upserts
 * draw, differ with the timing). */
static char *pg_dump(PGconn *c)
{
	size_t cap = 1u << 20, len = 0;
	char *out = malloc(cap);

	assert_non_null(out);
	for (size_t t = 0; t < sizeof(pg_tables) / sizeof(pg_tables[0]); t++) {
		char q[200];
		snprintf(q, sizeof(q), "SELECT (to_jsonb(x) - 'id' - 'service_id')::text FROM %s x"
			 " ORDER BY 1", pg_tables[t]);
		PGresult *r = PQexec(c, q);
		assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
		for (int i = 0; i < PQntuples(r); i++) {
			const char *v = PQgetvalue(r, i, 0);
			size_t n = strlen(v) + strlen(pg_tables[t]) + 3;
			while (len + n + 1 > cap)
				assert_non_null(out = realloc(out, cap *= 2));
			len += (size_t)snprintf(out + len, cap - len, "%s: %s\n", pg_tables[t], v);
		}
		PQclear(r);
	}
	out[len] = 0;
	return out;
}

static void pg_drop(PGconn *c)
{
	PGresult *r = PQexec(c, "DROP TABLE IF EXISTS scans, services, topics, findings, hosts, done");
	assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
}

/* One path's records (0: the tree, 1: write_record) into the emptied database. */
static char *pg_pass(PGconn *c, const char *url, int path)
{
	struct msw_config cfg = {0};
	struct sink s = {.ops = &sink_pg, .cfg = &cfg};

	pg_drop(c);
	assert_int_equal(sink_pg.open(&s, url, &cfg), MSW_OK);
	rs = 0x2545F4914F6CDD1Dull;
	for (int i = 0; i < NREC; i++) {
		struct msw_record r;
		rnd_record(&r);
		if (path) {
			assert_int_equal(sink_pg.write_record(&s, &r), MSW_OK);
		} else {
			cJSON *j = record_to_json(&r, MSW_VERSION);
			assert_int_equal(sink_pg.write(&s, j), MSW_OK);
			cJSON_Delete(j);
		}
		record_free(&r);
		if (i % 7 == 0) {
			struct scan_stats t = {.hosts = 1, .records = (uint64_t)i};
			assert_int_equal(sink_pg.host_done(&s, (uint64_t)i, &t), MSW_OK);
		}
	}
	sink_pg.close(&s);
	return pg_dump(c);
}

static void test_pg_same_rows(void **st)
{
	const char *url = getenv("MSW_TEST_PG_URL");
	(void)st;

	if (!url || !*url) {
		fprintf(stderr, "MSW_TEST_PG_URL not set: PostgreSQL part skipped "
				"(tests/integration/test_db_record.sh runs it)\n");
		skip();
	}
	PGconn *c = PQconnectdb(url);
	assert_int_equal(PQstatus(c), CONNECTION_OK);
	char *a = pg_pass(c, url, 0), *b = pg_pass(c, url, 1);
	size_t i = 0;
	while (a[i] && a[i] == b[i])
		i++;
	if (a[i] != b[i])
		fprintf(stderr, "differ at %zu:\ntree:   %.300s\nrecord: %.300s\n", i,
			a + (i > 100 ? i - 100 : 0), b + (i > 100 ? i - 100 : 0));
	assert_string_equal(a, b);
	fprintf(stderr, "postgresql: %zu bytes of rows the same\n", strlen(a));
	assert_true(strlen(a) > 100000);
	free(a);
	free(b);
	pg_drop(c);
	PQfinish(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sqlite_same_rows),
		cmocka_unit_test(test_pg_same_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
