/* The database sinks read the record through its field tables (write_record) and store the
 * values the tree path (write: the record's cJSON tree, record_to_json) stores:
 * - SQLite: 600 random records (the golden recipe, record_recipe.h, plus access maps and
 *   other parts as parsed JSON with hostile values, typed host summaries, enums past their
 *   vocabularies), written once through write() and once through write_record(), then
 *   again with --resume (every target replaced): every row of every table the same, value
 *   and type;
 * - the access map as a typed block (its table named like the JSON) gives the rows the
 *   JSON shape gives;
 * - PostgreSQL, when MSW_TEST_PG_URL names a throw-away server (tests/integration/
 *   test_db_record.sh starts one): the same records through both paths, every row the
 *   same. */
#define _GNU_SOURCE
#include <math.h>
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

static void SET_KIND(struct msw_record *r, unsigned host)
{
	r->kind = host ? KIND_HOST : KIND_SERVICE;
}

static void SET_TSEC(struct msw_record *r, const char *s)
{
	r->transport_security = s ? (enum msw_tsec)fenum_lookup(&msw_tsec_enum, s) : TSEC_UNSET;
}

static void SET_VERSIONS(struct msw_record *r, unsigned planned, unsigned a, unsigned b,
			 unsigned c)
{
	r->versions = (struct msw_versions){
		.set = true, .planned = (uint8_t)planned, .v = {(uint8_t)a, (uint8_t)b, (uint8_t)c}};
}

static void ADD_EVIDENCE(struct msw_record *r, const char *s, const char *v)
{
	assert_int_equal(record_add_evidence(r, s, v), MSW_OK);
}

#include "record_recipe.h"

#define NREC 600

/* ---- random parts as parsed JSON (what the probes still add to rec->extra) ---- */

static cJSON *rnd_str_or_not(void)
{
	switch (rnd(8)) {
	case 0: return cJSON_CreateNull();
	case 1: return cJSON_CreateNumber((double)rnd(1000));
	case 2: return cJSON_CreateBool(rnd(2));
	case 3: return cJSON_CreateObject();
	default: {
		char *s = rcstr(12); /* may be invalid UTF-8: then the JSON has <name>_b64 */
		cJSON *c = cJSON_CreateString(s);
		free(s);
		return c;
	}
	}
}

static cJSON *rnd_num_or_not(void)
{
	static const double odd[] = {1.5, -3, 1e19, -1e19, 9007199254740993.0, 4e18, 0};
	switch (rnd(8)) {
	case 0: return cJSON_CreateNull();
	case 1: return cJSON_CreateString("12");
	case 2: return cJSON_CreateBool(rnd(2));
	case 3: return cJSON_CreateNumber(rnd(4) ? odd[rnd(7)] : NAN);
	default: return cJSON_CreateNumber((double)rnd(256));
	}
}

static cJSON *rnd_acl(void)
{
	static const char *const words[] = {"granted", "denied", "untested", "confirmed", "accepted"};
	cJSON *a = cJSON_CreateArray();

	for (unsigned i = 0, n = rnd(4); i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		if (!rnd(12)) { /* not an object: no field reads */
			cJSON_AddItemToArray(a, cJSON_CreateString("x"));
			cJSON_Delete(o);
			continue;
		}
		cJSON_AddItemToObject(o, "filter", rnd_str_or_not());
		if (rnd(4))
			cJSON_AddStringToObject(o, "read", words[rnd(5)]);
		cJSON_AddItemToObject(o, "write", rnd(3) ? cJSON_CreateString(words[rnd(5)])
							 : rnd_str_or_not());
		if (rnd(2))
			cJSON_AddItemToObject(o, "suback", rnd_num_or_not());
		if (rnd(3) == 0)
			cJSON_AddItemToObject(o, "puback", rnd_num_or_not());
		if (rnd(3) == 0)
			cJSON_AddItemToObject(o, "write_topic", rnd_str_or_not());
		if (rnd(6) == 0) /* a name twice: the first is read */
			cJSON_AddStringToObject(o, "filter", "second");
		cJSON_AddItemToArray(a, o);
	}
	return a;
}

static void rnd_extra(struct msw_record *r)
{
	cJSON *x;

	if (rnd(3) == 0)
		return;
	x = r->extra = cJSON_CreateObject();
	if (rnd(2))
		cJSON_AddItemToObject(x, "acl", rnd(8) ? rnd_acl() : rnd_str_or_not());
	if (rnd(3) == 0) {
		cJSON *accs = rnd(8) ? cJSON_CreateArray() : cJSON_CreateObject();
		for (unsigned i = 0, n = rnd(4); i < n; i++) {
			cJSON *a = cJSON_CreateObject();
			if (rnd(2))
				cJSON_AddItemToObject(a, "user", rnd_str_or_not());
			if (rnd(5))
				cJSON_AddItemToObject(a, "acl", rnd_acl());
			if (!cJSON_IsArray(accs)) {
				cJSON_AddItemToObject(accs, "k", a);
			} else if (rnd(10)) {
				cJSON_AddItemToArray(accs, a);
			} else { /* not an object: an account without rows */
				cJSON_Delete(a);
				cJSON_AddItemToArray(accs, cJSON_CreateNumber(5));
			}
		}
		cJSON_AddItemToObject(x, "accounts", accs);
	}
	if (rnd(3) == 0) {
		cJSON *smb = cJSON_AddObjectToObject(x, "smb");
		cJSON_AddItemToObject(smb, "secrets_read", rnd_num_or_not());
	}
	/* members whose name the envelope has: merged only where the envelope left it out */
	if (rnd(4) == 0)
		cJSON_AddStringToObject(x, "transport_security", "from-extra");
	if (rnd(4) == 0)
		cJSON_AddStringToObject(x, "hostname", "from-extra");
	if (rnd(4) == 0)
		cJSON_AddNumberToObject(x, "sys_topic_count", 7);
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
	rnd_extra(r);
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

/* ---- the access map typed: a table named like the JSON ---- */

struct t_aclrow {
	char *filter, *read, *write, *write_topic;
	int suback; /* -1: none */
};
struct t_account {
	char *user;
	struct t_aclrow *acl;
	uint32_t nacl;
};
struct t_access {
	struct t_aclrow *acl;
	uint32_t nacl;
	struct t_account *accounts;
	uint32_t naccounts;
};

static void get_suback(const void *o, const struct fdef *f, struct fval *v)
{
	const struct t_aclrow *a = o;
	v->i = a->suback;
	v->absent = a->suback < 0;
}

#define A struct t_aclrow
static const struct fdef t_aclrow_fields[] = {
	{FIELD_KEY("filter"), .type = FT_STR, FMEMBER(A, filter), .flags = F_NULL},
	{FIELD_KEY("read"), .type = FT_WORD, FMEMBER(A, read), .flags = F_OPT},
	{FIELD_KEY("write"), .type = FT_WORD, FMEMBER(A, write), .flags = F_OPT},
	{FIELD_KEY("suback"), .type = FT_INT, .get = get_suback, .flags = F_OPT},
	{FIELD_KEY("write_topic"), .type = FT_STR, FMEMBER(A, write_topic), .flags = F_OPT},
};
#undef A
static const struct fblock t_aclrow_table = {FIELDS(t_aclrow_fields), .size = sizeof(struct t_aclrow)};
#define U struct t_account
static const struct fdef t_account_fields[] = {
	{FIELD_KEY("user"), .type = FT_STR, FMEMBER(U, user), .flags = F_NULL},
	{FIELD_KEY("acl"), .type = FT_LIST, FMEMBER(U, acl), FCOUNT(U, nacl), .sub = &t_aclrow_table},
};
#undef U
static const struct fblock t_account_table = {FIELDS(t_account_fields), .size = sizeof(struct t_account)};
#define X struct t_access
static const struct fdef t_access_fields[] = {
	{FIELD_KEY("acl"), .type = FT_LIST, FMEMBER(X, acl), FCOUNT(X, nacl),
	 .sub = &t_aclrow_table, .flags = F_OPT | F_ZERO},
	{FIELD_KEY("accounts"), .type = FT_LIST, FMEMBER(X, accounts), FCOUNT(X, naccounts),
	 .sub = &t_account_table, .flags = F_OPT | F_ZERO},
};
#undef X
static void t_access_free(void *p)
{
	struct t_access *x = p;
	free(x->acl);
	for (uint32_t i = 0; i < x->naccounts; i++)
		free(x->accounts[i].acl);
	free(x->accounts);
}
static const struct fblock t_access_table = {FBLOCK_KEY("access"), FIELDS(t_access_fields),
					     .size = sizeof(struct t_access), .flags = FB_TOP,
					     .slot = RB_SLOT_TAIL, .rank = 20, .free = t_access_free};

static void base(struct msw_record *r, const char *ip)
{
	record_init(r, "mqtt");
	snprintf(r->ip, sizeof(r->ip), "%s", ip);
	snprintf(r->scan_id, sizeof(r->scan_id), "scan-typed");
	r->port = 1883;
	r->status = ST_SUCCESS;
}

static cJSON *json_row(const struct t_aclrow *a)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "filter", a->filter ? cJSON_CreateString(a->filter) : cJSON_CreateNull());
	if (a->read)
		cJSON_AddStringToObject(o, "read", a->read);
	if (a->write)
		cJSON_AddStringToObject(o, "write", a->write);
	if (a->suback >= 0)
		cJSON_AddNumberToObject(o, "suback", a->suback);
	if (a->write_topic)
		cJSON_AddStringToObject(o, "write_topic", a->write_topic);
	return o;
}

static void test_acl_typed_or_json(void **st)
{
	static struct t_aclrow own[] = {
		{"home/#", "granted", "confirmed", NULL, 0},
		{"$SYS/#", "denied", NULL, NULL, -1},
		{"bad\xff", "granted", "inferred", "w/\xfe", 128},
	};
	static struct t_aclrow bob[] = {{"owntracks/#", "granted", "accepted", "owntracks/x", 1}};
	char pa[] = "/tmp/msw-dbrec-j-XXXXXX", pb[] = "/tmp/msw-dbrec-t-XXXXXX";
	struct sink a = {.ops = &sink_sqlite}, b = a;
	long n[6];
	(void)st;

	close(mkstemp(pa));
	close(mkstemp(pb));
	assert_int_equal(sink_sqlite.open(&a, pa, NULL), MSW_OK);
	assert_int_equal(sink_sqlite.open(&b, pb, NULL), MSW_OK);
	for (int k = 0; k < 2; k++) { /* k 0: the record's own map; 1: two accounts */
		struct msw_record rj, rt;
		const char *ip = k ? "127.0.0.2" : "127.0.0.1";
		base(&rj, ip);
		base(&rt, ip);
		rj.extra = cJSON_CreateObject();
		cJSON *acl = cJSON_AddArrayToObject(rj.extra, "acl");
		for (size_t i = 0; i < 3; i++)
			cJSON_AddItemToArray(acl, json_row(&own[i]));
		struct t_access *x = record_block_new(&rt, &t_access_table);
		assert_non_null(x);
		x->acl = malloc(sizeof(own));
		memcpy(x->acl, own, sizeof(own));
		x->nacl = 3;
		if (k) {
			cJSON *accs = cJSON_AddArrayToObject(rj.extra, "accounts");
			x->naccounts = 2;
			x->accounts = calloc(2, sizeof(*x->accounts));
			for (int u = 0; u < 2; u++) {
				struct t_account *ta = &x->accounts[u];
				cJSON *ja = cJSON_CreateObject();
				ta->user = u ? "bob" : "al\xff";
				ta->nacl = u ? 1 : 3;
				ta->acl = malloc(ta->nacl * sizeof(struct t_aclrow));
				memcpy(ta->acl, u ? bob : own, ta->nacl * sizeof(struct t_aclrow));
				cJSON_AddStringToObject(ja, "user", ta->user);
				cJSON *l = cJSON_AddArrayToObject(ja, "acl");
				for (uint32_t i = 0; i < ta->nacl; i++)
					cJSON_AddItemToArray(l, json_row(&ta->acl[i]));
				cJSON_AddItemToArray(accs, ja);
			}
		}
		assert_int_equal(sink_sqlite.write_record(&a, &rj), MSW_OK);
		assert_int_equal(sink_sqlite.write_record(&b, &rt), MSW_OK);
		record_free(&rj);
		record_free(&rt);
	}
	sink_sqlite.close(&a);
	sink_sqlite.close(&b);
	{
		sqlite3 *x, *y;
		assert_int_equal(sqlite3_open(pa, &x), SQLITE_OK);
		assert_int_equal(sqlite3_open(pb, &y), SQLITE_OK);
		n[0] = same_rows(x, y, "SELECT * FROM acl ORDER BY rowid");
		n[1] = same_rows(x, y, "SELECT count(*) FROM acl WHERE account IS NULL AND"
					" suback = 128 AND filter IS NULL AND write_topic IS NULL");
		n[2] = same_rows(x, y, "SELECT account FROM acl WHERE account IS NOT NULL");
		sqlite3_close(x);
		sqlite3_close(y);
	}
	assert_int_equal(n[0], 3 + 4); /* 3 own rows; bob's 1 + al's 3 (NULL account: not text) */
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
		cmocka_unit_test(test_acl_typed_or_json),
		cmocka_unit_test(test_pg_same_rows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
