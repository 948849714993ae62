/* Result sources over SQLite: a database written by the real sink, then hostile rows
 * and hostile files (not a database, wrong tables, oversized and malformed records,
 * truncated pages), the run and shard selection, and every selection error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <cjson/cJSON.h>
#include "base/config.h"
#include "base/scan_stats.h"
#include "output/output.h"
#include "output/record.h"
#include "output/rsource.h"

static char dir[64], dbpath[128];

static void real_scan(const char *path, const char *scan_id)
{
	struct msw_config cfg;
	struct output *o;
	struct scan_stats st = {0};
	int saved = dup(1), fd = open("/dev/null", O_WRONLY);

	memset(&cfg, 0, sizeof(cfg));
	cfg.quiet = true;
	cfg.db_path = path;
	cfg.json_out = "/dev/null";
	cfg.format = FORMAT_TEXT;
	dup2(fd, 1);
	close(fd);
	assert_int_equal(output_open(&cfg, scan_id, 7, &o), MSW_OK);
	for (int i = 0; i < 3; i++) {
		struct msw_record r;
		record_init(&r, "mqtt");
		snprintf(r.ip, sizeof(r.ip), "127.0.83.%d", 100 + i);
		r.port = 1883;
		r.status = ST_SUCCESS;
		r.mqtt = true;
		r.auth = i ? AUTH_CREDENTIALS_REQUIRED : AUTH_ANONYMOUS;
		assert_int_equal(output_record(o, &r), MSW_OK);
		record_free(&r);
	}
	st.targets_tried = 3;
	assert_int_equal(output_finish(o, &st, 0), MSW_OK);
	output_close(o);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
}

static void exec_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	char *err = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
	sqlite3_close(db);
}

static void add_scan(const char *path, const char *id, const char *started, const char *meta)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO scans(scan_id, started, meta)"
					    " VALUES(?1, ?2, ?3)", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, started, -1, SQLITE_STATIC);
	if (meta)
		sqlite3_bind_text(st, 3, meta, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* A record row of scan `id` for address ip (JSON text built from it). */
static void add_rec(const char *path, const char *id, const char *ip)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "INSERT INTO services(scan_id, ip, json) VALUES('%s', '%s',"
		 " '{\"kind\":\"service\",\"ip\":\"%s\",\"port\":1883,\"scan_id\":\"%s\"}')",
		 id, ip, ip, id);
	exec_sql(path, sql);
}

/* Every record of a selection: the ips joined by ',' into out. */
static msw_err collect(struct rsource *rs, char *out, size_t outsz, int *n)
{
	cJSON *r;
	msw_err rc;

	out[0] = 0;
	*n = 0;
	while (!(rc = rsource_next(rs, &r)) && r) {
		size_t l = strlen(out);
		snprintf(out + l, outsz - l, "%s%s", l ? "," : "", cJSON_GetObjectItem(r, "ip")->valuestring);
		(*n)++;
		cJSON_Delete(r);
	}
	return rc;
}

static void test_real_sink(void **state)
{
	struct rsource *rs;
	char why[256], ips[512];
	size_t n;
	int k;

	real_scan(dbpath, "scan-A");
	assert_int_equal(rsource_open(dbpath, &rs, why, sizeof(why)), MSW_OK);
	assert_string_equal(rsource_backend(rs), "sqlite");
	const struct rs_scan *s = rsource_scans(rs, &n);
	assert_int_equal(n, 1);
	assert_string_equal(s[0].scan_id, "scan-A");
	assert_int_equal(s[0].records, 3);
	assert_int_equal(s[0].exit_code, 0);
	assert_non_null(s[0].started);
	assert_non_null(s[0].ended);
	assert_null(s[0].run_id);
	struct rs_run *runs;
	assert_int_equal(rsource_runs(rs, &runs, &n), MSW_OK);
	assert_int_equal(n, 0);
	assert_null(runs);
	assert_int_equal(rsource_select(rs, &(struct rs_select){RS_PICK_LATEST, NULL}), MSW_OK);
	assert_int_equal(collect(rs, ips, sizeof(ips), &k), MSW_OK);
	assert_int_equal(k, 3);
	assert_string_equal(ips, "127.0.83.100,127.0.83.101,127.0.83.102");
	assert_int_equal(rsource_skipped(rs), 0);
	/* a second pass starts over */
	assert_int_equal(rsource_select(rs, &(struct rs_select){RS_PICK_SCAN, "scan-A"}), MSW_OK);
	assert_int_equal(collect(rs, ips, sizeof(ips), &k), MSW_OK);
	assert_int_equal(k, 3);
	rsource_close(rs);
}

static void test_runs_and_shards(void **state)
{
	struct rsource *rs;
	char why[256], ips[512];
	int k;
	size_t n;

	real_scan(dbpath, "scan-A");
	add_scan(dbpath, "s0", "2026-12-07T10:00:00.000Z", "{\"run_id\":\"run-1\",\"shard\":\"0/2\"}");
	add_scan(dbpath, "s1", "2026-12-07T10:00:01.000Z", "{\"run_id\":\"run-1\",\"shard\":\"1/2\"}");
	/* shard 1 again, later: it supersedes s1 */
	add_scan(dbpath, "s1b", "2026-12-07T11:00:00.000Z", "{\"run_id\":\"run-1\",\"shard\":\"1/2\"}");
	add_scan(dbpath, "other", "2026-12-07T09:00:00.000Z", "{\"run_id\":\"run-2\"}");
	add_scan(dbpath, "badmeta", "2026-12-07T08:00:00.000Z", "[1,2");
	add_rec(dbpath, "s0", "127.0.83.110");
	add_rec(dbpath, "s1", "127.0.83.111");
	add_rec(dbpath, "s1b", "127.0.83.112");
	add_rec(dbpath, "other", "127.0.83.113");

	assert_int_equal(rsource_open(dbpath, &rs, why, sizeof(why)), MSW_OK);
	const struct rs_scan *s = rsource_scans(rs, &n);
	assert_int_equal(n, 6);
	assert_string_equal(s[1].run_id, "run-1");
	assert_string_equal(s[1].shard, "0/2");
	assert_null(s[5].run_id);
	assert_int_equal(s[3].records, 1);

	assert_int_equal(rsource_select(rs, &(struct rs_select){RS_PICK_RUN, "run-1"}), MSW_OK);
	const struct rs_scan *const *sel = rsource_selected(rs, &n);
	assert_int_equal(n, 2);
	assert_string_equal(sel[0]->scan_id, "s0");
	assert_string_equal(sel[1]->scan_id, "s1b");
	assert_int_equal(collect(rs, ips, sizeof(ips), &k), MSW_OK);
	assert_string_equal(ips, "127.0.83.110,127.0.83.112");

	/* latest by start time: scan-A (started when the test ran), not the hand-made ones */
	assert_int_equal(rsource_select(rs, &(struct rs_select){RS_PICK_LATEST, NULL}), MSW_OK);
	sel = rsource_selected(rs, &n);
	assert_int_equal(n, 1);
	assert_string_equal(sel[0]->scan_id, "scan-A");

	assert_int_equal(rsource_select(rs, &(struct rs_select){RS_PICK_ALL, NULL}), MSW_OK);
	assert_int_equal(collect(rs, ips, sizeof(ips), &k), MSW_OK);
	assert_int_equal(k, 3 + 4);

	struct rs_run *runs;
	assert_int_equal(rsource_runs(rs, &runs, &n), MSW_OK);
	assert_int_equal(n, 2);
	assert_string_equal(runs[0].run_id, "run-1");
	assert_int_equal(runs[0].scans, 3);
	assert_int_equal(runs[0].shards, 2);
	assert_int_equal(runs[0].shard_count, 2);
	assert_int_equal(runs[0].records, 2); /* s0 and s1b; s1 is superseded */
	assert_string_equal(runs[1].run_id, "run-2");
	assert_int_equal(runs[1].scans, 1);
	assert_int_equal(runs[1].shards, 0);
	assert_int_equal(runs[1].shard_count, 0);
	free(runs);

	assert_int_equal(rsource_select(rs, &(struct rs_select){RS_PICK_SCAN, "nope"}),
			 MSW_ERR_USAGE);
	assert_non_null(strstr(rsource_why(rs), "no scan"));
	assert_int_equal(rsource_select(rs, &(struct rs_select){RS_PICK_RUN, "nope"}),
			 MSW_ERR_USAGE);
	assert_int_equal(rsource_select(rs, &(struct rs_select){RS_PICK_RUN, NULL}),
			 MSW_ERR_USAGE);
	rsource_close(rs);
}

static void test_hostile_rows(void **state)
{
	struct rsource *rs;
	char why[256], ips[512];
	int k;

	real_scan(dbpath, "scan-A");
	add_scan(dbpath, "h", "2030-01-01T00:00:00.000Z", NULL);
	add_rec(dbpath, "h", "127.0.83.120");
	exec_sql(dbpath,
		 "INSERT INTO services(scan_id, json) VALUES('h', 'not json');"
		 "INSERT INTO services(scan_id, json) VALUES('h', '[1,2,3]');"
		 "INSERT INTO services(scan_id, json) VALUES('h', '{\"kind\":\"service\",\"port\":1}');"
		 "INSERT INTO services(scan_id, json) VALUES('h',"
		 " '{\"kind\":\"service\",\"ip\":\"x\",\"port\":70000}');"
		 "INSERT INTO services(scan_id, json) VALUES('h',"
		 " '{\"kind\":\"service\",\"ip\":\"x\",\"port\":1.5}');"
		 "INSERT INTO services(scan_id, json) VALUES('h',"
		 " '{\"kind\":\"service\",\"ip\":\"x\",\"port\":\"1883\"}');"
		 "INSERT INTO services(scan_id, json) VALUES('h', 42);"
		 "INSERT INTO services(scan_id, json) VALUES('h', x'00ff7b');"
		 "INSERT INTO services(scan_id, json) VALUES('h', '{\"kind\":\"service\",\"ip\":');"
		 /* 9 MiB of JSON: past the cap, skipped without being parsed */
		 "INSERT INTO services(scan_id, json) VALUES('h', '{\"kind\":\"service\",\"ip\":\"'"
		 " || replace(hex(zeroblob(4718592)), '0', 'a') || '\",\"port\":1}');"
		 /* nesting deeper than cJSON's limit */
		 "INSERT INTO services(scan_id, json) VALUES('h', replace(hex(zeroblob(2000)), '00', '['));");
	add_rec(dbpath, "h", "127.0.83.121");
	assert_int_equal(rsource_open(dbpath, &rs, why, sizeof(why)), MSW_OK);
	assert_int_equal(rsource_select(rs, &(struct rs_select){RS_PICK_SCAN, "h"}), MSW_OK);
	assert_int_equal(collect(rs, ips, sizeof(ips), &k), MSW_OK);
	assert_string_equal(ips, "127.0.83.120,127.0.83.121");
	assert_int_equal(rsource_skipped(rs), 11);
	rsource_close(rs);
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	fclose(f);
}

static void expect_open_fails(const char *path, msw_err want, const char *why_has)
{
	struct rsource *rs = (void *)1;
	char why[256] = "";

	assert_int_equal(rsource_open(path, &rs, why, sizeof(why)), want);
	assert_null(rs);
	if (!strstr(why, why_has))
		fail_msg("why '%s' lacks '%s'", why, why_has);
}

static void test_hostile_files(void **state)
{
	char p[160];
	unsigned char junk[4096];

	snprintf(p, sizeof(p), "%s/missing.db", dir);
	expect_open_fails(p, MSW_ERR_IO, "missing.db");
	snprintf(p, sizeof(p), "%s/empty.db", dir);
	write_file(p, "", 0);
	expect_open_fails(p, MSW_ERR_MALFORMED, "not a mqttsweep result database");
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 131 + 7);
	snprintf(p, sizeof(p), "%s/junk.db", dir);
	write_file(p, junk, sizeof(junk));
	expect_open_fails(p, MSW_ERR_MALFORMED, "not a mqttsweep result database");
	snprintf(p, sizeof(p), "%s/other.db", dir);
	exec_sql(p, "CREATE TABLE scans(scan_id TEXT); CREATE TABLE services(id INTEGER);");
	expect_open_fails(p, MSW_ERR_MALFORMED, "not a mqttsweep result database");
	expect_open_fails("mysql://nobody@127.0.0.1/none", MSW_ERR_USAGE, "no result source");
	/* nothing listens on 127.0.83.199:1 in the test's namespace */
	expect_open_fails("postgresql://nobody@127.0.83.199:1/none", MSW_ERR_USAGE, "PostgreSQL");
}

/* A database cut short or with pages overwritten: errors, never a crash. */
static void test_corrupt_pages(void **state)
{
	char p[160];

	real_scan(dbpath, "scan-A");
	exec_sql(dbpath, "PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;");
	for (int cut = 0; cut < 3; cut++) {
		FILE *f = fopen(dbpath, "rb");
		assert_non_null(f);
		static unsigned char buf[1 << 20];
		size_t n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		assert_true(n > 4096);
		if (cut == 0)
			n = n / 2;                          /* truncated */
		else
			for (size_t i = 100 + (size_t)cut * 4096; i < n; i += 7)
				buf[i] ^= 0x5a;             /* pages scribbled over */
		snprintf(p, sizeof(p), "%s/corrupt%d.db", dir, cut);
		write_file(p, buf, n);
		struct rsource *rs;
		char why[256];
		msw_err rc = rsource_open(p, &rs, why, sizeof(why));
		if (rc) {
			assert_true(why[0]);
			continue;
		}
		rc = rsource_select(rs, &(struct rs_select){RS_PICK_ALL, NULL});
		for (cJSON *r; !rc && !(rc = rsource_next(rs, &r)) && r;)
			cJSON_Delete(r);
		rsource_close(rs);
	}
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/msw_rsource_XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/s.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_real_sink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runs_and_shards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_pages, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
