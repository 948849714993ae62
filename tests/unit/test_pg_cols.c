/* The PostgreSQL sink's services columns are the SQLite sink's, in order (the two back
 * ends keep the same tables; tests/integration/test_pg.sh compares their rows), each read
 * from an envelope field by its path (both sinks' write_record), and which strings name a
 * PostgreSQL database. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>
#include "base/record.h"
#include "output/pg.h"
#include "output/sink.h"

static void test_same_columns_as_sqlite(void **state)
{
	char path[] = "/tmp/msw-test-pgcols-XXXXXX";
	int fd = mkstemp(path);
	struct sink s = {.ops = &sink_sqlite};
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const struct pg_col *c = pg_services_cols;
	int row = 0;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sink_sqlite.open(&s, path, NULL), MSW_OK);
	sink_sqlite.close(&s);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA table_info(services)", -1, &st, NULL),
			 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 1);

		if (row++ < 2) { /* id, scan_id */
			assert_string_equal(name, row == 1 ? "id" : "scan_id");
			continue;
		}
		assert_non_null(c->column);
		assert_string_equal(name, c->column);
		c++;
	}
	assert_null(c->column); /* no column of ours that SQLite lacks */
	/* every column read by path is a field of the envelope (only json is not) */
	for (c = pg_services_cols; c->column; c++) {
		struct fpath fp;

		if (!c->path) {
			assert_string_equal(c->column, "json");
			continue;
		}
		assert_true(fields_find(&record_table, c->path, &fp) > 0);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	unlink(path);
	assert_true(pg_is_url("postgresql://msw@127.0.0.1:5432/db"));
	assert_true(pg_is_url("postgres://h/db"));
	assert_false(pg_is_url("/tmp/x.db"));
	assert_false(pg_is_url("postgresql:/x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_columns_as_sqlite),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
