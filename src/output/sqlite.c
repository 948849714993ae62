/* SQLite sink (--db) and the --resume loader.
 *
 * Tables: scans (one row per scan id: metadata, options and argv echo for --resume),
 * services (one row per record: main columns + the full JSON), topics, findings, hosts
 * (per-address picture, recomputed from services/findings whenever one of its records
 * lands), done (scan_id, idx): the target-space indexes of finished hosts, acl (the access
 * map: one row per service, account and filter; account NULL is the scan's own identity,
 * anonymous or -u, when a run audited a single one).
 *
 * Schema changes are additive (CREATE ... IF NOT EXISTS). A database written before the
 * acl table existed gets it on its next open, filled from the records' stored JSON.
 *
 * Durability: WAL, synchronous=NORMAL. Records and done markers go into a transaction
 * that is committed every BATCH_MAX rows or BATCH_US microseconds (and at flush): a
 * host's done marker is inserted in the same transaction as (or after) its records, so
 * after a kill -9 a host is either marked done with every record present or not marked
 * at all, and at most the last BATCH_US of work is probed again by --resume.
 * Records of a host that was still in flight may have been committed by a batch before
 * the kill; on --resume such a host is probed again and its new records replace the old
 * ones (same scan, address, port, transport, probe), so no target appears twice.
 *
 * Every value goes through bound parameters; no SQL is ever built from data. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include "base/config.h"
#include "base/dbuf.h"
#include "base/vec.h"
#include "output/jget.h"
#include "output/dbcols.h"
#include "output/jsonw.h"
#include "output/output.h"
#include "output/pg.h"
#include "output/record.h"
#include "output/rpath.h"
#include "output/sink.h"

#ifndef MSW_VERSION
#define MSW_VERSION "0.0.0"
#endif

#define BATCH_MAX 256
#define BATCH_US 200000
#define JSON_MAX (256u * 1024 * 1024) /* one record's JSON text */

static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS scans(scan_id TEXT PRIMARY KEY, schema TEXT, tool_version TEXT,"
	" seed TEXT, mode TEXT, depth TEXT, evidence TEXT, started TEXT, ended TEXT,"
	" exit_code INTEGER, resumes INTEGER NOT NULL DEFAULT 0, argv TEXT, options TEXT,"
	" counts TEXT, meta TEXT);"
	"CREATE TABLE IF NOT EXISTS services(id INTEGER PRIMARY KEY, scan_id TEXT NOT NULL,"
	" kind TEXT, probe TEXT, ip TEXT, port INTEGER, hostname TEXT, transport TEXT,"
	" transport_security TEXT, status TEXT, mqtt INTEGER, mqtt_version TEXT, auth TEXT,"
	" connack_code INTEGER, read_access TEXT, write_access TEXT, broker_product TEXT,"
	" broker_version TEXT, topic_count INTEGER, retained_count INTEGER, messages INTEGER,"
	" bytes INTEGER, finding_count INTEGER, worst_severity TEXT, timestamp TEXT,"
	" duration_ms INTEGER, error TEXT, json TEXT NOT NULL, auth_identity TEXT,"
	" sys_topic_count INTEGER);"
	"CREATE INDEX IF NOT EXISTS services_host ON services(scan_id, ip, port);"
	"CREATE TABLE IF NOT EXISTS topics(service_id INTEGER NOT NULL, scan_id TEXT, ip TEXT,"
	" port INTEGER, topic TEXT, topic_b64 TEXT, retained INTEGER, messages INTEGER,"
	" bytes INTEGER, sample TEXT, sample_b64 TEXT, sample_truncated INTEGER);"
	"CREATE INDEX IF NOT EXISTS topics_service ON topics(service_id);"
	"CREATE TABLE IF NOT EXISTS findings(service_id INTEGER NOT NULL, scan_id TEXT, ip TEXT,"
	" port INTEGER, probe TEXT, id TEXT, finding_id TEXT, category TEXT, severity TEXT,"
	" severity_rank INTEGER, confidence TEXT, cwe INTEGER, topic TEXT, topic_b64 TEXT,"
	" title TEXT, evidence TEXT, remediation TEXT, reproduce TEXT);"
	"CREATE INDEX IF NOT EXISTS findings_service ON findings(service_id);"
	"CREATE INDEX IF NOT EXISTS findings_host ON findings(scan_id, ip);"
	"CREATE TABLE IF NOT EXISTS hosts(scan_id TEXT NOT NULL, ip TEXT NOT NULL,"
	" services INTEGER, mqtt_services INTEGER, findings INTEGER, worst_severity TEXT,"
	" worst_finding TEXT, categories TEXT, open_dashboard INTEGER, open_share INTEGER,"
	" chain INTEGER, risk_chain TEXT, PRIMARY KEY(scan_id, ip));"
	"CREATE TABLE IF NOT EXISTS done(scan_id TEXT NOT NULL, idx INTEGER NOT NULL, counts TEXT,"
	" PRIMARY KEY(scan_id, idx)) WITHOUT ROWID;";

/* The access map's columns; ACL_ROW_SELECT reads them from a record's JSON (json_each
 * row r of an acl array, account a of accounts[] or NULL) for the migration. */
static const char acl_schema_sql[] =
	"CREATE TABLE IF NOT EXISTS acl(service_id INTEGER NOT NULL, scan_id TEXT, ip TEXT,"
	" port INTEGER, account TEXT, account_index INTEGER NOT NULL, filter TEXT,"
	" read TEXT, write TEXT, suback INTEGER, puback INTEGER, write_topic TEXT);"
	"CREATE INDEX IF NOT EXISTS acl_service ON acl(service_id);"
	"CREATE INDEX IF NOT EXISTS acl_host ON acl(scan_id, ip, port);";

#define ACL_ROW_SELECT(account, index) \
	" SELECT s.id, s.scan_id, s.ip, s.port, " account ", " index "," \
	" json_extract(r.value, '$.filter'), json_extract(r.value, '$.read')," \
	" json_extract(r.value, '$.write'), json_extract(r.value, '$.suback')," \
	" json_extract(r.value, '$.puback'), json_extract(r.value, '$.write_topic')"

/* a stored record that is not valid JSON reads as {} (json_each would fail on it) */
#define REC_JSON "CASE WHEN json_valid(s.json) THEN s.json ELSE '{}' END"

static const char acl_backfill_sql[] =
	"INSERT INTO acl(service_id, scan_id, ip, port, account, account_index, filter, read,"
	" write, suback, puback, write_topic)"
	ACL_ROW_SELECT("json_extract(a.value, '$.user')", "a.key")
	" FROM services s, json_each(" REC_JSON ", '$.accounts') a, json_each(CASE WHEN a.type = 'object' THEN a.value ELSE '{}' END, '$.acl') r"
	" WHERE json_type(" REC_JSON ", '$.accounts') = 'array' AND a.type = 'object'"
	" AND json_type(a.value, '$.acl') = 'array'"
	" UNION ALL"
	ACL_ROW_SELECT("NULL", "0")
	" FROM services s, json_each(" REC_JSON ", '$.acl') r"
	" WHERE json_type(" REC_JSON ", '$.acl') = 'array'"
	" AND json_type(" REC_JSON ", '$.accounts') IS NOT 'array'";

enum {
	Q_SERVICE, Q_TOPIC, Q_FINDING, Q_HOST, Q_DONE, Q_DEL_TOPICS, Q_DEL_FINDINGS,
	Q_DEL_SERVICE, Q_SCAN_START, Q_SCAN_END, Q_ACL, Q_DEL_ACL, Q__COUNT
};

static const char *const qsql[Q__COUNT] = {
	[Q_SERVICE] = "INSERT INTO services(scan_id, kind, probe, ip, port, hostname, transport,"
		" transport_security, status, mqtt, mqtt_version, auth, connack_code, read_access,"
		" write_access, broker_product, broker_version, topic_count, retained_count,"
		" messages, bytes, finding_count, worst_severity, timestamp, duration_ms, error, json,"
		" auth_identity, sys_topic_count)"
		" VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,"
		"?21,?22,?23,?24,?25,?26,?27,?28,?29)",
	[Q_TOPIC] = "INSERT INTO topics(service_id, scan_id, ip, port, topic, topic_b64, retained,"
		" messages, bytes, sample, sample_b64, sample_truncated)"
		" VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
	[Q_FINDING] = "INSERT INTO findings(service_id, scan_id, ip, port, probe, id, finding_id,"
		" category, severity, severity_rank, confidence, cwe, topic, topic_b64, title,"
		" evidence, remediation, reproduce)"
		" VALUES(?1,?2,?3,?4,?5,?6,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)",
	/* the worst finding and the newest host record by max() with bare columns (SQLite
	 * takes them from the row holding the maximum): no sort per address */
	[Q_HOST] = "INSERT OR REPLACE INTO hosts(scan_id, ip, services, mqtt_services, findings,"
		" worst_severity, worst_finding, categories, open_dashboard, open_share, chain,"
		" risk_chain)"
		" SELECT ?1, ?2, s.n, s.m, f.n, w.sev, w.fid, f.cats, f.dash, f.share,"
		"  (s.m > 0 AND f.dash AND f.share),"
		"  (SELECT c FROM (SELECT json_extract(json, '$.risk.chain') AS c, max(id)"
		"    FROM services WHERE scan_id = ?1 AND ip = ?2 AND kind = 'host'))"
		" FROM (SELECT count(*) FILTER (WHERE kind = 'service') AS n,"
		"   count(*) FILTER (WHERE mqtt = 1) AS m FROM services WHERE scan_id = ?1 AND ip = ?2) s,"
		"  (SELECT severity AS sev, finding_id AS fid, max(severity_rank) FROM findings"
		"   WHERE scan_id = ?1 AND ip = ?2) w,"
		"  (SELECT count(*) AS n,"
		"   (SELECT json_group_object(category, c) FROM (SELECT category, count(*) AS c"
		"     FROM findings WHERE scan_id = ?1 AND ip = ?2 GROUP BY category)) AS cats,"
		"   coalesce(max(category = 'dashboard' AND probe <> 'mqtt' AND severity_rank >= 2),"
		"    0) AS dash,"
		"   coalesce(max(category = 'file_share' AND severity_rank >= 2), 0) AS share"
		"   FROM findings WHERE scan_id = ?1 AND ip = ?2) f",
	[Q_ACL] = "INSERT INTO acl(service_id, scan_id, ip, port, account, account_index, filter,"
		" read, write, suback, puback, write_topic)"
		" VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
	[Q_DEL_ACL] = "DELETE FROM acl WHERE service_id IN (SELECT id FROM services"
		" WHERE scan_id = ?1 AND ip = ?2 AND port = ?3 AND transport IS ?4 AND probe IS ?5"
		" AND kind IS ?6)",
	[Q_DONE] = "INSERT OR IGNORE INTO done(scan_id, idx, counts) VALUES(?1, ?2, ?3)",
	[Q_DEL_TOPICS] = "DELETE FROM topics WHERE service_id IN (SELECT id FROM services"
		" WHERE scan_id = ?1 AND ip = ?2 AND port = ?3 AND transport IS ?4 AND probe IS ?5"
		" AND kind IS ?6)",
	[Q_DEL_FINDINGS] = "DELETE FROM findings WHERE service_id IN (SELECT id FROM services"
		" WHERE scan_id = ?1 AND ip = ?2 AND port = ?3 AND transport IS ?4 AND probe IS ?5"
		" AND kind IS ?6)",
	[Q_DEL_SERVICE] = "DELETE FROM services WHERE scan_id = ?1 AND ip = ?2 AND port = ?3"
		" AND transport IS ?4 AND probe IS ?5 AND kind IS ?6",
	[Q_SCAN_START] = "INSERT INTO scans(scan_id, schema, tool_version, seed, mode, depth,"
		" evidence, started, argv, options, counts, meta)"
		" VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"
		" ON CONFLICT(scan_id) DO UPDATE SET resumes = resumes + 1, ended = NULL,"
		" exit_code = NULL",
	[Q_SCAN_END] = "UPDATE scans SET ended = ?2, exit_code = ?3, counts = ?4, meta = ?5"
		" WHERE scan_id = ?1",
};

struct sq {
	sqlite3 *db;
	sqlite3_stmt *q[Q__COUNT];
	char scan_id[64];
	bool resume;
	bool in_tx;
	int pending;
	int64_t tx_start_us;
	struct dbuf json; /* one record's JSON text */
	struct dbuf b64;  /* a value's base64 (write_record) */
	struct sq_paths *rp; /* write_record's field lookups */
};

/* ---- write_record: the lookups of the record's fields ----
 *
 * Each column is a field read by its path (output/rpath.h, output/dbcols.h), typed or still
 * carried as parsed JSON, resolved once when the sink opens; the values are those the tree
 * path (sq_write) binds from the record's JSON. */
static const struct dbcol acl_cols[] = { /* ?7 .. ?12 */
	{"filter", 't'}, {"read", 't'}, {"write", 't'}, {"suback", 'i'}, {"puback", 'i'},
	{"write_topic", 't'},
};
#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))
#define SVC_MAX 32

struct sq_paths {
	struct rpath svc[SVC_MAX]; /* pg_services_cols, in order (json: unused) */
	struct rpath scan_id, ip, port, transport, probe, kind;
	struct rpath topics, findings, accounts, acl, user, acl_in;
	struct rpath topic[DB_TOPIC_COLS], finding[DB_FINDING_COLS], aclr[NCOLS(acl_cols)];
};

static bool init_cols(struct rpath *p, const struct dbcol *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!rpath_init(&p[i], c[i].path))
			return false;
	return true;
}

static struct sq_paths *sq_paths_new(void)
{
	struct sq_paths *p = calloc(1, sizeof(*p));
	size_t i = 0;
	bool ok = p != NULL;

	for (const struct pg_col *c = pg_services_cols; ok && c->column; c++, i++)
		ok = i < SVC_MAX && (!c->path || rpath_init(&p->svc[i], c->path));
	ok = ok && rpath_init(&p->scan_id, "scan_id") && rpath_init(&p->ip, "ip") &&
	     rpath_init(&p->port, "port") && rpath_init(&p->transport, "transport") &&
	     rpath_init(&p->probe, "probe") && rpath_init(&p->kind, "kind") &&
	     rpath_init(&p->topics, "topics.list") && rpath_init(&p->findings, "findings") &&
	     rpath_init(&p->accounts, "accounts") && rpath_init(&p->acl, "acl") &&
	     rpath_init(&p->user, "user") && rpath_init(&p->acl_in, "acl") &&
	     init_cols(p->topic, db_topic_cols, DB_TOPIC_COLS) &&
	     init_cols(p->finding, db_finding_cols, DB_FINDING_COLS) &&
	     init_cols(p->aclr, acl_cols, NCOLS(acl_cols));
	if (!ok) {
		free(p);
		return NULL;
	}
	return p;
}

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static msw_err exec(struct sq *q, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(q->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "mqttsweep: sqlite: %s\n", err ? err : "error");
		sqlite3_free(err);
		return MSW_ERR_IO;
	}
	return MSW_OK;
}

static msw_err tx_begin(struct sq *q)
{
	msw_err rc;

	if (q->in_tx)
		return MSW_OK;
	rc = exec(q, "BEGIN IMMEDIATE");
	if (rc)
		return rc;
	q->in_tx = true;
	q->pending = 0;
	q->tx_start_us = mono_us();
	return MSW_OK;
}

static msw_err tx_commit(struct sq *q)
{
	if (!q->in_tx)
		return MSW_OK;
	q->in_tx = false;
	q->pending = 0;
	return exec(q, "COMMIT");
}

/* The open transaction is committed every BATCH_MAX records or BATCH_US microseconds. */
static msw_err maybe_commit(struct sq *q)
{
	if (q->pending >= BATCH_MAX || mono_us() - q->tx_start_us >= BATCH_US)
		return tx_commit(q);
	return MSW_OK;
}

/* A database written by an older version gets the columns added since (done markers'
 * counts, the services' auth_identity and sys_topic_count). */
static msw_err add_column(struct sq *q, const char *probe_sql, const char *alter_sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(q->db, probe_sql, -1, &st, NULL) == SQLITE_OK) {
		sqlite3_finalize(st);
		return MSW_OK;
	}
	return exec(q, alter_sql);
}

static msw_err add_new_columns(struct sq *q)
{
	msw_err rc = add_column(q, "SELECT counts FROM done LIMIT 0",
				"ALTER TABLE done ADD COLUMN counts TEXT");

	if (!rc)
		rc = add_column(q, "SELECT auth_identity FROM services LIMIT 0",
				"ALTER TABLE services ADD COLUMN auth_identity TEXT");
	if (!rc)
		rc = add_column(q, "SELECT sys_topic_count FROM services LIMIT 0",
				"ALTER TABLE services ADD COLUMN sys_topic_count INTEGER");
	return rc;
}

static bool table_exists(struct sq *q, const char *name)
{
	sqlite3_stmt *st;
	bool yes = false;

	if (sqlite3_prepare_v2(q->db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

/* The acl table; when it is new to an existing database, filled from the records it
 * already holds (one transaction: a concurrent opener sees both or neither). */
static msw_err add_acl_table(struct sq *q)
{
	msw_err rc;

	if (table_exists(q, "acl"))
		return MSW_OK;
	rc = exec(q, "BEGIN IMMEDIATE");
	if (rc)
		return rc;
	if (!table_exists(q, "acl")) {
		rc = exec(q, acl_schema_sql);
		if (!rc)
			rc = exec(q, acl_backfill_sql);
	}
	if (rc) {
		exec(q, "ROLLBACK");
		return rc;
	}
	return exec(q, "COMMIT");
}

static msw_err sq_open(struct sink *s, const char *path, const struct msw_config *cfg)
{
	struct sq *q = calloc(1, sizeof(*q));
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

	if (!q)
		return MSW_ERR_NOMEM;
	s->priv = q;
	dbuf_init(&q->json, JSON_MAX);
	dbuf_init(&q->b64, JSON_MAX);
	if (!(q->rp = sq_paths_new()))
		return MSW_ERR_NOMEM;
	q->resume = cfg && cfg->resume_db;
	if (sqlite3_open_v2(path, &q->db, flags, NULL) != SQLITE_OK) {
		fprintf(stderr, "mqttsweep: sqlite %s: %s\n", path, sqlite3_errmsg(q->db));
		return MSW_ERR_IO;
	}
	sqlite3_busy_timeout(q->db, 5000);
	if (exec(q, "PRAGMA journal_mode=WAL") || exec(q, "PRAGMA synchronous=NORMAL") ||
	    exec(q, schema_sql) || add_new_columns(q) || add_acl_table(q))
		return MSW_ERR_IO;
	for (int i = 0; i < Q__COUNT; i++) {
		if (sqlite3_prepare_v2(q->db, qsql[i], -1, &q->q[i], NULL) != SQLITE_OK) {
			fprintf(stderr, "mqttsweep: sqlite prepare: %s\n", sqlite3_errmsg(q->db));
			return MSW_ERR_INTERNAL;
		}
	}
	return MSW_OK;
}

/* ---- binding helpers ---- */

static void bind_str(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void bind_jstr(sqlite3_stmt *st, int i, const cJSON *o, const char *k)
{
	bind_str(st, i, jstr(o, k));
}

/* A JSON number as an integer column: NaN is 0, and the range is clamped before the
 * conversion (a double outside int64's range converts to undefined behaviour). */
static sqlite3_int64 clamp_i64(double d)
{
	if (d != d)
		return 0;
	if (d >= 9.2e18)
		return (sqlite3_int64)9200000000000000000LL;
	if (d <= -9.2e18)
		return -(sqlite3_int64)9200000000000000000LL;
	return (sqlite3_int64)d;
}

static void bind_jint(sqlite3_stmt *st, int i, const cJSON *o, const char *k)
{
	const cJSON *v = jget(o, k);

	if (cJSON_IsNumber(v))
		sqlite3_bind_int64(st, i, clamp_i64(v->valuedouble));
	else if (cJSON_IsBool(v))
		sqlite3_bind_int(st, i, cJSON_IsTrue(v));
	else
		sqlite3_bind_null(st, i);
}

static msw_err step(struct sq *q, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		fprintf(stderr, "mqttsweep: sqlite: %s\n", sqlite3_errmsg(q->db));
		return MSW_ERR_IO;
	}
	return MSW_OK;
}

/* ---- records ---- */

static const char *worst_severity(const cJSON *rec, int *count)
{
	const cJSON *f, *arr = jget(rec, "findings");
	int worst = -1;

	*count = 0;
	cJSON_ArrayForEach(f, arr) {
		int r = severity_from_str(jstr(f, "severity"));

		(*count)++;
		if (r > worst)
			worst = r;
	}
	return worst >= 0 ? severity_str((enum msw_severity)worst) : NULL;
}

static msw_err insert_service(struct sq *q, const cJSON *rec, sqlite3_int64 *id)
{
	sqlite3_stmt *st = q->q[Q_SERVICE];
	const cJSON *broker = jget(rec, "broker"), *topics = jget(rec, "topics");
	const cJSON *connack = jget(rec, "connack");
	int nf;
	const char *worst = worst_severity(rec, &nf);
	msw_err rc;

	q->json.len = 0; /* the whole record, as the JSON lines sink writes it */
	if ((rc = jsonw_append(&q->json, rec)))
		return rc;
	bind_str(st, 1, q->scan_id);
	bind_jstr(st, 2, rec, "kind");
	bind_jstr(st, 3, rec, "probe");
	bind_jstr(st, 4, rec, "ip");
	bind_jint(st, 5, rec, "port");
	bind_jstr(st, 6, rec, "hostname");
	bind_jstr(st, 7, rec, "transport");
	bind_jstr(st, 8, rec, "transport_security");
	bind_jstr(st, 9, rec, "status");
	bind_jint(st, 10, rec, "mqtt");
	bind_jstr(st, 11, rec, "mqtt_version");
	bind_jstr(st, 12, rec, "auth");
	bind_jint(st, 13, connack, "code");
	bind_jstr(st, 14, rec, "read_access");
	bind_jstr(st, 15, rec, "write_access");
	bind_jstr(st, 16, broker, "product");
	bind_jstr(st, 17, broker, "version");
	bind_jint(st, 18, topics, "count");
	bind_jint(st, 19, topics, "retained");
	bind_jint(st, 20, topics, "messages");
	bind_jint(st, 21, topics, "bytes");
	sqlite3_bind_int(st, 22, nf);
	bind_str(st, 23, worst);
	bind_jstr(st, 24, rec, "timestamp");
	bind_jint(st, 25, rec, "duration_ms");
	bind_jstr(st, 26, rec, "error");
	sqlite3_bind_text(st, 27, (const char *)q->json.p, (int)q->json.len, SQLITE_STATIC);
	bind_jstr(st, 28, rec, "auth_identity");
	bind_jint(st, 29, topics, "sys_count");
	rc = step(q, st);
	*id = sqlite3_last_insert_rowid(q->db);
	if (q->json.alloc > (1u << 20)) /* one huge record: do not keep its buffer */
		dbuf_free(&q->json);
	return rc;
}

static void bind_key(struct sq *q, sqlite3_stmt *st, sqlite3_int64 id, const cJSON *rec)
{
	sqlite3_bind_int64(st, 1, id);
	bind_str(st, 2, q->scan_id);
	bind_jstr(st, 3, rec, "ip");
	bind_jint(st, 4, rec, "port");
}

static msw_err insert_topics(struct sq *q, const cJSON *rec, sqlite3_int64 id)
{
	const cJSON *t, *list = jget(jget(rec, "topics"), "list");
	sqlite3_stmt *st = q->q[Q_TOPIC];

	cJSON_ArrayForEach(t, list) {
		bind_key(q, st, id, rec);
		bind_jstr(st, 5, t, "topic");
		bind_jstr(st, 6, t, "topic_b64");
		bind_jint(st, 7, t, "retained");
		bind_jint(st, 8, t, "messages");
		bind_jint(st, 9, t, "bytes");
		bind_jstr(st, 10, t, "sample");
		bind_jstr(st, 11, t, "sample_b64");
		bind_jint(st, 12, t, "sample_truncated");
		if (step(q, st))
			return MSW_ERR_IO;
	}
	return MSW_OK;
}

static msw_err insert_findings(struct sq *q, const cJSON *rec, sqlite3_int64 id)
{
	const cJSON *f, *arr = jget(rec, "findings");
	sqlite3_stmt *st = q->q[Q_FINDING];

	cJSON_ArrayForEach(f, arr) {
		bind_key(q, st, id, rec);
		bind_jstr(st, 5, rec, "probe");
		bind_jstr(st, 6, f, "id");
		bind_jstr(st, 7, f, "category");
		bind_jstr(st, 8, f, "severity");
		sqlite3_bind_int(st, 9, severity_from_str(jstr(f, "severity")));
		bind_jstr(st, 10, f, "confidence");
		bind_jint(st, 11, f, "cwe");
		bind_jstr(st, 12, f, "topic");
		bind_jstr(st, 13, f, "topic_b64");
		bind_jstr(st, 14, f, "title");
		bind_jstr(st, 15, f, "evidence");
		bind_jstr(st, 16, f, "remediation");
		bind_jstr(st, 17, f, "reproduce");
		if (step(q, st))
			return MSW_ERR_IO;
	}
	return MSW_OK;
}

static msw_err insert_acl_rows(struct sq *q, const cJSON *rec, sqlite3_int64 id,
			       const cJSON *acl, const char *account, int index)
{
	const cJSON *r;
	sqlite3_stmt *st = q->q[Q_ACL];

	cJSON_ArrayForEach(r, acl) {
		bind_key(q, st, id, rec);
		bind_str(st, 5, account);
		sqlite3_bind_int(st, 6, index);
		bind_jstr(st, 7, r, "filter");
		bind_jstr(st, 8, r, "read");
		bind_jstr(st, 9, r, "write");
		bind_jint(st, 10, r, "suback");
		bind_jint(st, 11, r, "puback");
		bind_jstr(st, 12, r, "write_topic");
		if (step(q, st))
			return MSW_ERR_IO;
	}
	return MSW_OK;
}

/* The access map: each account's rows when several were audited (the record's own acl
 * is the first account's), else the record's rows under the scan's identity (NULL). */
static msw_err insert_acl(struct sq *q, const cJSON *rec, sqlite3_int64 id)
{
	const cJSON *a, *accounts = jget(rec, "accounts");
	int i = 0;

	if (!cJSON_IsArray(accounts) || !cJSON_GetArraySize(accounts))
		return insert_acl_rows(q, rec, id, jget(rec, "acl"), NULL, 0);
	cJSON_ArrayForEach(a, accounts) {
		if (insert_acl_rows(q, rec, id, jget(a, "acl"), jstr(a, "user"), i++))
			return MSW_ERR_IO;
	}
	return MSW_OK;
}

/* On --resume, a host probed again replaces the rows an interrupted run left for it. */
static msw_err delete_previous(struct sq *q, const cJSON *rec)
{
	static const int qs[] = {Q_DEL_TOPICS, Q_DEL_FINDINGS, Q_DEL_ACL, Q_DEL_SERVICE};

	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		sqlite3_stmt *st = q->q[qs[i]];

		bind_str(st, 1, q->scan_id);
		bind_jstr(st, 2, rec, "ip");
		bind_jint(st, 3, rec, "port");
		bind_jstr(st, 4, rec, "transport");
		bind_jstr(st, 5, rec, "probe");
		bind_jstr(st, 6, rec, "kind");
		if (step(q, st))
			return MSW_ERR_IO;
	}
	return MSW_OK;
}

static msw_err update_host(struct sq *q, const cJSON *rec)
{
	sqlite3_stmt *st = q->q[Q_HOST];

	bind_str(st, 1, q->scan_id);
	bind_jstr(st, 2, rec, "ip");
	return step(q, st);
}

static msw_err sq_write(struct sink *s, const cJSON *rec)
{
	struct sq *q = s->priv;
	sqlite3_int64 id;
	msw_err rc;

	if (!q->scan_id[0])
		snprintf(q->scan_id, sizeof(q->scan_id), "%s",
			 jstr(rec, "scan_id") ? jstr(rec, "scan_id") : "");
	rc = tx_begin(q);
	if (!rc && q->resume)
		rc = delete_previous(q, rec);
	if (!rc)
		rc = insert_service(q, rec, &id);
	if (!rc)
		rc = insert_topics(q, rec, id);
	if (!rc)
		rc = insert_findings(q, rec, id);
	if (!rc)
		rc = insert_acl(q, rec, id);
	if (!rc)
		rc = update_host(q, rec);
	if (rc)
		return rc;
	q->pending++;
	return maybe_commit(q);
}

/* ---- write_record: the record itself, read through its field tables ---- */

/* A text a getter wrote into the value (v->buf) is copied by SQLite; any other lives in
 * the record, its parsed JSON or a static table until the statement has run. */
static bool in_buf(const struct fval *v)
{
	return v->s >= (const uint8_t *)v->buf && v->s < (const uint8_t *)v->buf + sizeof(v->buf);
}

static msw_err bind_field(struct sq *q, sqlite3_stmt *st, int i, const struct fval *v, char type)
{
	struct dbv d;

	dbv_read(v, type, &d);
	switch (d.k) {
	case DBV_NUM:
		sqlite3_bind_int64(st, i, clamp_i64(d.d));
		break;
	case DBV_INT:
		sqlite3_bind_int64(st, i, d.i);
		break;
	case DBV_TEXT:
		sqlite3_bind_text(st, i, (const char *)d.s, (int)d.n,
				  in_buf(v) ? SQLITE_TRANSIENT : SQLITE_STATIC);
		break;
	case DBV_B64:
		dbuf_reset(&q->b64);
		if (dbuf_reserve(&q->b64, 4 * ((d.n + 2) / 3) + 1))
			return MSW_ERR_NOMEM;
		q->b64.len = b64_encode(d.s, d.n, (char *)q->b64.p);
		sqlite3_bind_text(st, i, (const char *)q->b64.p, (int)q->b64.len, SQLITE_TRANSIENT);
		break;
	default:
		sqlite3_bind_null(st, i);
	}
	return MSW_OK;
}

/* The field at p in r bound as column i. */
static msw_err bind_path(struct sq *q, sqlite3_stmt *st, int i, const struct msw_record *r,
			 struct rpath *p, char type)
{
	struct fval v;

	rpath_get(r, p, &v);
	return bind_field(q, st, i, &v, type);
}

/* Columns first .. of the fields at c below node e. */
static msw_err bind_cols(struct sq *q, sqlite3_stmt *st, int first, const struct fval *e,
			 struct rpath *p, const struct dbcol *c, size_t n)
{
	msw_err rc = MSW_OK;

	for (size_t i = 0; i < n && !rc; i++) {
		struct fval v;

		rpath_get_in(e, &p[i], &v);
		rc = bind_field(q, st, first + (int)i, &v, c[i].type);
	}
	return rc;
}

static msw_err rbind_key(struct sq *q, sqlite3_stmt *st, sqlite3_int64 id,
			 const struct msw_record *r)
{
	sqlite3_bind_int64(st, 1, id);
	bind_str(st, 2, q->scan_id);
	return bind_path(q, st, 3, r, &q->rp->ip, 't') ?: bind_path(q, st, 4, r, &q->rp->port, 'i');
}

static msw_err rinsert_service(struct sq *q, const struct msw_record *r, sqlite3_int64 *id)
{
	sqlite3_stmt *st = q->q[Q_SERVICE];
	msw_err rc;
	int i = 2;

	q->json.len = 0; /* the whole record, as the JSON lines sink writes it */
	if ((rc = record_text(r, MSW_VERSION, &q->json)))
		return rc;
	bind_str(st, 1, q->scan_id);
	for (const struct pg_col *c = pg_services_cols; c->column && !rc; c++, i++) {
		if (c->path)
			rc = bind_path(q, st, i, r, &q->rp->svc[i - 2], c->type);
		else
			sqlite3_bind_text(st, i, (const char *)q->json.p, (int)q->json.len,
					  SQLITE_STATIC);
	}
	if (!rc)
		rc = step(q, st);
	*id = sqlite3_last_insert_rowid(q->db);
	if (q->json.alloc > (1u << 20)) /* one huge record: do not keep its buffer */
		dbuf_free(&q->json);
	return rc;
}

static msw_err rinsert_topics(struct sq *q, const struct msw_record *r, sqlite3_int64 id)
{
	sqlite3_stmt *st = q->q[Q_TOPIC];
	struct fval list, e;
	msw_err rc = MSW_OK;

	rpath_get(r, &q->rp->topics, &list);
	for (size_t i = 0, n = rpath_len(&list); i < n && !rc; i++) {
		rpath_elem(&list, i, &e);
		rc = rbind_key(q, st, id, r);
		if (!rc)
			rc = bind_cols(q, st, 5, &e, q->rp->topic, db_topic_cols, DB_TOPIC_COLS);
		if (!rc && step(q, st))
			rc = MSW_ERR_IO;
	}
	return rc;
}

static msw_err rinsert_findings(struct sq *q, const struct msw_record *r, sqlite3_int64 id)
{
	sqlite3_stmt *st = q->q[Q_FINDING];
	struct fval list, e;
	msw_err rc = MSW_OK;

	rpath_get(r, &q->rp->findings, &list);
	for (size_t i = 0, n = rpath_len(&list); i < n && !rc; i++) {
		rpath_elem(&list, i, &e);
		rc = rbind_key(q, st, id, r);
		if (!rc)
			rc = bind_path(q, st, 5, r, &q->rp->probe, 't');
		if (!rc)
			rc = bind_cols(q, st, 6, &e, q->rp->finding, db_finding_cols,
				       DB_FINDING_COLS);
		if (!rc && step(q, st))
			rc = MSW_ERR_IO;
	}
	return rc;
}

/* One account's rows (acl: a list value), or the record's own under account NULL. */
static msw_err rinsert_acl_rows(struct sq *q, const struct msw_record *r, sqlite3_int64 id,
				const struct fval *acl, const struct fval *user, int index)
{
	sqlite3_stmt *st = q->q[Q_ACL];
	struct fval e;
	msw_err rc = MSW_OK;

	for (size_t i = 0, n = rpath_len(acl); i < n && !rc; i++) {
		rpath_elem(acl, i, &e);
		rc = rbind_key(q, st, id, r);
		if (!rc && user)
			rc = bind_field(q, st, 5, user, 't');
		else if (!rc)
			sqlite3_bind_null(st, 5);
		sqlite3_bind_int(st, 6, index);
		if (!rc)
			rc = bind_cols(q, st, 7, &e, q->rp->aclr, acl_cols, NCOLS(acl_cols));
		if (!rc && step(q, st))
			rc = MSW_ERR_IO;
	}
	return rc;
}

/* The access map, as insert_acl() stores it. */
static msw_err rinsert_acl(struct sq *q, const struct msw_record *r, sqlite3_int64 id)
{
	struct fval accounts, a, user, acl;
	size_t n;
	msw_err rc = MSW_OK;

	rpath_get(r, &q->rp->accounts, &accounts);
	n = rval_is_list(&accounts) ? rpath_len(&accounts) : 0;
	if (!n) {
		rpath_get(r, &q->rp->acl, &acl);
		return rinsert_acl_rows(q, r, id, &acl, NULL, 0);
	}
	for (size_t i = 0; i < n && !rc; i++) {
		rpath_elem(&accounts, i, &a);
		rpath_get_in(&a, &q->rp->user, &user);
		rpath_get_in(&a, &q->rp->acl_in, &acl);
		rc = rinsert_acl_rows(q, r, id, &acl, &user, (int)i);
	}
	return rc;
}

static msw_err rdelete_previous(struct sq *q, const struct msw_record *r)
{
	static const int qs[] = {Q_DEL_TOPICS, Q_DEL_FINDINGS, Q_DEL_ACL, Q_DEL_SERVICE};
	struct sq_paths *p = q->rp;
	msw_err rc = MSW_OK;

	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]) && !rc; i++) {
		sqlite3_stmt *st = q->q[qs[i]];

		bind_str(st, 1, q->scan_id);
		rc = bind_path(q, st, 2, r, &p->ip, 't') ?: bind_path(q, st, 3, r, &p->port, 'i') ?:
		     bind_path(q, st, 4, r, &p->transport, 't') ?:
		     bind_path(q, st, 5, r, &p->probe, 't') ?: bind_path(q, st, 6, r, &p->kind, 't');
		if (!rc && step(q, st))
			rc = MSW_ERR_IO;
	}
	return rc;
}

static msw_err rupdate_host(struct sq *q, const struct msw_record *r)
{
	sqlite3_stmt *st = q->q[Q_HOST];

	bind_str(st, 1, q->scan_id);
	return bind_path(q, st, 2, r, &q->rp->ip, 't') ?: step(q, st);
}

static msw_err sq_write_record(struct sink *s, const struct msw_record *r)
{
	struct sq *q = s->priv;
	sqlite3_int64 id;
	msw_err rc;

	if (!q->scan_id[0]) {
		struct fval v;
		const uint8_t *t;
		size_t n;

		rpath_get(r, &q->rp->scan_id, &v);
		if (rval_text(&v, &t, &n))
			snprintf(q->scan_id, sizeof(q->scan_id), "%.*s", (int)n, (const char *)t);
	}
	rc = tx_begin(q);
	if (!rc && q->resume)
		rc = rdelete_previous(q, r);
	if (!rc)
		rc = rinsert_service(q, r, &id);
	if (!rc)
		rc = rinsert_topics(q, r, id);
	if (!rc)
		rc = rinsert_findings(q, r, id);
	if (!rc)
		rc = rinsert_acl(q, r, id);
	if (!rc)
		rc = rupdate_host(q, r);
	if (rc)
		return rc;
	q->pending++;
	return maybe_commit(q);
}

/* The done marker carries the host's share of the scan counts (base/scan_stats.h), which
 * --resume adds up to continue the counts where the finished hosts left them. */
static msw_err sq_host_done(struct sink *s, uint64_t index, const struct scan_stats *tally)
{
	struct sq *q = s->priv;
	sqlite3_stmt *st = q->q[Q_DONE];
	cJSON *j = tally ? scan_stats_json(tally) : NULL;
	msw_err rc = tally && !j ? MSW_ERR_NOMEM : tx_begin(q);

	q->json.len = 0; /* the counts as JSON text */
	if (!rc && j)
		rc = jsonw_append(&q->json, j);
	cJSON_Delete(j);
	if (rc)
		return rc;
	bind_str(st, 1, q->scan_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	if (tally)
		sqlite3_bind_text(st, 3, (const char *)q->json.p, (int)q->json.len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 3);
	rc = step(q, st);
	if (rc)
		return rc;
	q->pending++;
	return maybe_commit(q);
}

static char *json_text(const cJSON *o)
{
	return o ? cJSON_PrintUnformatted(o) : NULL;
}

/* The scan's targets in flight at the interruption: their rows, and the addresses' picture
 * in hosts recomputed (or dropped when nothing of the address is left). */
#define INTERRUPTED_IDS "(SELECT id FROM services WHERE scan_id = ?1 AND status = 'interrupted')"
static const char *const drop_interrupted_sql[] = {
	"DELETE FROM topics WHERE service_id IN " INTERRUPTED_IDS,
	"DELETE FROM findings WHERE service_id IN " INTERRUPTED_IDS,
	"DELETE FROM acl WHERE service_id IN " INTERRUPTED_IDS,
	"DELETE FROM services WHERE scan_id = ?1 AND status = 'interrupted'",
	"DELETE FROM hosts WHERE scan_id = ?1 AND ip NOT IN (SELECT ip FROM services WHERE"
	" scan_id = ?1)",
};

static msw_err run_bound(struct sq *q, const char *sql, const char *a, const char *b)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(q->db, sql, -1, &st, NULL) != SQLITE_OK)
		return MSW_ERR_IO;
	bind_str(st, 1, a);
	if (b)
		bind_str(st, 2, b);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? MSW_OK : MSW_ERR_IO;
}

static bool ip_has_rows(struct sq *q, const char *ip)
{
	sqlite3_stmt *st;
	bool yes;

	if (sqlite3_prepare_v2(q->db, "SELECT 1 FROM services WHERE scan_id = ?1 AND ip = ?2",
			       -1, &st, NULL) != SQLITE_OK)
		return false;
	bind_str(st, 1, q->scan_id);
	bind_str(st, 2, ip);
	yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

/* On --resume, before anything is probed: a target that was in flight at the interruption
 * is probed again (its host is not done), so its `interrupted` record is superseded
 * whatever the new probe records (nothing, e.g. a refusal without --all). */
static msw_err drop_interrupted(struct sq *q)
{
	sqlite3_stmt *st;
	struct vec ips;
	msw_err rc = MSW_OK;

	vec_init(&ips, sizeof(char *), 16, 1u << 20);
	if (sqlite3_prepare_v2(q->db, "SELECT DISTINCT ip FROM services WHERE scan_id = ?1 AND"
			       " status = 'interrupted' AND ip IS NOT NULL", -1, &st, NULL) != SQLITE_OK)
		return MSW_ERR_IO;
	bind_str(st, 1, q->scan_id);
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		char *ip = strdup((const char *)sqlite3_column_text(st, 0));

		rc = ip ? vec_append(&ips, &ip, 1) : MSW_ERR_NOMEM;
		if (rc)
			free(ip);
	}
	sqlite3_finalize(st);
	for (size_t i = 0; !rc && i < sizeof(drop_interrupted_sql) / sizeof(*drop_interrupted_sql); i++)
		rc = run_bound(q, drop_interrupted_sql[i], q->scan_id, NULL);
	for (size_t i = 0; i < ips.n; i++) {
		char *ip = ((char **)ips.p)[i];

		if (!rc && ip_has_rows(q, ip)) {
			sqlite3_stmt *h = q->q[Q_HOST];

			bind_str(h, 1, q->scan_id);
			bind_str(h, 2, ip);
			rc = step(q, h);
		}
		free(ip);
	}
	vec_free(&ips);
	return rc;
}

static msw_err scan_start(struct sq *q, const cJSON *m)
{
	sqlite3_stmt *st = q->q[Q_SCAN_START];
	char *argv = json_text(jget(m, "argv")), *opts = json_text(jget(m, "options"));
	char *counts = json_text(jget(m, "counts")), *all = json_text(m);
	msw_err rc;

	bind_str(st, 1, q->scan_id);
	bind_jstr(st, 2, m, "schema");
	bind_jstr(st, 3, m, "tool_version");
	bind_jstr(st, 4, m, "seed");
	bind_jstr(st, 5, m, "mode");
	bind_jstr(st, 6, m, "depth");
	bind_jstr(st, 7, m, "evidence");
	bind_jstr(st, 8, m, "start");
	bind_str(st, 9, argv);
	bind_str(st, 10, opts);
	bind_str(st, 11, counts);
	bind_str(st, 12, all);
	rc = step(q, st);
	cJSON_free(argv);
	cJSON_free(opts);
	cJSON_free(counts);
	cJSON_free(all);
	if (!rc && q->resume)
		rc = drop_interrupted(q);
	return rc;
}

static msw_err scan_end(struct sq *q, const cJSON *m)
{
	sqlite3_stmt *st = q->q[Q_SCAN_END];
	char *counts = json_text(jget(m, "counts")), *all = json_text(m);
	msw_err rc;

	bind_str(st, 1, q->scan_id);
	bind_jstr(st, 2, m, "end");
	bind_jint(st, 3, m, "exit_code");
	bind_str(st, 4, counts);
	bind_str(st, 5, all);
	rc = step(q, st);
	cJSON_free(counts);
	cJSON_free(all);
	return rc;
}

static msw_err sq_meta(struct sink *s, const cJSON *m, int final)
{
	struct sq *q = s->priv;
	msw_err rc;

	if (jstr(m, "scan_id"))
		snprintf(q->scan_id, sizeof(q->scan_id), "%s", jstr(m, "scan_id"));
	rc = tx_begin(q);
	if (rc)
		return rc;
	rc = final ? scan_end(q, m) : scan_start(q, m);
	if (rc)
		return rc;
	return tx_commit(q);
}

static msw_err sq_flush(struct sink *s)
{
	return tx_commit(s->priv);
}

static void sq_close(struct sink *s)
{
	struct sq *q = s->priv;

	if (!q)
		return;
	if (q->db)
		tx_commit(q);
	for (int i = 0; i < Q__COUNT; i++)
		sqlite3_finalize(q->q[i]);
	if (q->db)
		sqlite3_close(q->db);
	dbuf_free(&q->json);
	dbuf_free(&q->b64);
	free(q->rp);
	free(q);
	s->priv = NULL;
}

const struct sink_ops sink_sqlite = {
	.name = "sqlite",
	.open = sq_open,
	.write = sq_write,
	.write_record = sq_write_record,
	.meta = sq_meta,
	.flush = sq_flush,
	.close = sq_close,
	.host_done = sq_host_done,
};

/* ---- --resume ---- */

struct done_set {
	struct vec v; /* uint64_t target indexes, sorted once loaded */
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool done_lookup(void *arg, uint64_t index)
{
	const struct done_set *d = arg;

	return d && d->v.n && bsearch(&index, d->v.p, d->v.n, sizeof(uint64_t), cmp_u64) != NULL;
}

void output_resume_free(void *arg)
{
	struct done_set *d = arg;

	if (!d)
		return;
	vec_free(&d->v);
	free(d);
}

static msw_err load_done(sqlite3 *db, const char *scan_id, struct done_set *d,
			 struct scan_stats *base)
{
	sqlite3_stmt *st;
	int rc;

	vec_init(&d->v, sizeof(uint64_t), 1024, UINT32_MAX);
	if (sqlite3_prepare_v2(db, "SELECT idx, counts FROM done WHERE scan_id = ?1", -1, &st,
			       NULL) &&
	    sqlite3_prepare_v2(db, "SELECT idx, NULL FROM done WHERE scan_id = ?1", -1, &st, NULL))
		return MSW_ERR_IO;
	sqlite3_bind_text(st, 1, scan_id, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		uint64_t idx = (uint64_t)sqlite3_column_int64(st, 0);
		const char *counts = (const char *)sqlite3_column_text(st, 1);
		msw_err err = vec_append(&d->v, &idx, 1);

		if (err) {
			sqlite3_finalize(st);
			return err;
		}
		if (counts) {
			cJSON *j = cJSON_Parse(counts);
			struct scan_stats host;

			scan_stats_from_json(&host, j);
			scan_stats_add(base, &host);
			cJSON_Delete(j);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return MSW_ERR_IO;
	if (d->v.n)
		qsort(d->v.p, d->v.n, sizeof(uint64_t), cmp_u64);
	return MSW_OK;
}

/* A scan that did not run to its end: no end time, or no exit code, or a signal's
 * (128 + n: SIGINT, SIGTERM) or a negative one. */
#define SCAN_UNFINISHED "(ended IS NULL OR exit_code IS NULL OR exit_code < 0 OR exit_code >= 128)"
/* The metadata's run id and shard; a scans row whose meta is not JSON matches no pick. */
#define META_KEY(k) "(CASE WHEN json_valid(meta) THEN json_extract(meta, '$." k "') END)"

/* The scan to resume (output.h: the most recent; with a pick, the most recent unfinished
 * of those it matches, else the most recent of them): id, seed, command line, and
 * whether it ran to its end (an end time and an exit code below 128: not a signal; a scan
 * killed outright has no end). */
static msw_err load_scan(sqlite3 *db, const struct resume_pick *pick, char **scan_id,
			 uint64_t *seed, cJSON **argv_echo, struct resume_info *info)
{
	static const char sql[] =
		"SELECT scan_id, seed, argv, ended, exit_code FROM scans"
		" WHERE (?1 IS NULL OR " META_KEY("run_id") " = ?1)"
		" AND (?2 IS NULL OR " META_KEY("shard") " = ?2)"
		" ORDER BY ?3 AND " SCAN_UNFINISHED " DESC, rowid DESC LIMIT 1";
	sqlite3_stmt *st;
	const char *sid, *sd, *av;
	char *end;
	msw_err rc = MSW_ERR_USAGE;
	bool picked = pick && (pick->run_id || pick->shard);

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL))
		return MSW_ERR_USAGE;
	bind_str(st, 1, picked ? pick->run_id : NULL);
	bind_str(st, 2, picked ? pick->shard : NULL);
	sqlite3_bind_int(st, 3, picked);
	if (sqlite3_step(st) == SQLITE_ROW) {
		sid = (const char *)sqlite3_column_text(st, 0);
		sd = (const char *)sqlite3_column_text(st, 1);
		av = (const char *)sqlite3_column_text(st, 2);
		*seed = sd ? strtoull(sd, &end, 10) : 0;
		*scan_id = sid ? strdup(sid) : NULL;
		*argv_echo = av ? cJSON_Parse(av) : cJSON_CreateArray();
		info->finished = sqlite3_column_type(st, 3) != SQLITE_NULL &&
				 sqlite3_column_type(st, 4) != SQLITE_NULL &&
				 sqlite3_column_int(st, 4) >= 0 && sqlite3_column_int(st, 4) < 128;
		rc = *scan_id && *argv_echo ? MSW_OK : MSW_ERR_NOMEM;
	}
	sqlite3_finalize(st);
	return rc;
}

/* "no scan recorded", or which pick found none */
static void no_scan(const char *path, const struct resume_pick *pick)
{
	if (!pick || (!pick->run_id && !pick->shard))
		fprintf(stderr, "mqttsweep: --resume %s: no scan recorded in this database\n", path);
	else
		fprintf(stderr, "mqttsweep: --resume %s: no scan of%s%s%s%s recorded in this database\n",
			path, pick->run_id ? " run " : "", pick->run_id ? pick->run_id : "",
			pick->shard ? " shard " : "", pick->shard ? pick->shard : "");
}

msw_err output_resume_load(const char *path, const struct resume_pick *pick, char **scan_id,
			   uint64_t *seed, cJSON **argv_echo,
			   bool (**is_done)(void *arg, uint64_t index), void **arg,
			   struct resume_info *info)
{
	sqlite3 *db = NULL;
	struct done_set *d;
	msw_err rc;

	*scan_id = NULL;
	*argv_echo = NULL;
	*arg = NULL;
	*is_done = NULL;
	*seed = 0;
	*info = (struct resume_info){0};
	if (pg_is_url(path))
		return pg_resume_load(path, pick, scan_id, seed, argv_echo, is_done, arg, info);
	/* read-write (no create): the WAL of a killed scan is recovered on open */
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		fprintf(stderr, "mqttsweep: --resume %s: %s\n", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return MSW_ERR_USAGE;
	}
	sqlite3_busy_timeout(db, 5000);
	d = calloc(1, sizeof(*d));
	rc = d ? load_scan(db, pick, scan_id, seed, argv_echo, info) : MSW_ERR_NOMEM;
	if (rc == MSW_ERR_USAGE)
		no_scan(path, pick);
	if (!rc)
		rc = load_done(db, *scan_id, d, &info->base);
	sqlite3_close(db);
	if (rc) {
		output_resume_free(d);
		free(*scan_id);
		*scan_id = NULL;
		cJSON_Delete(*argv_echo);
		*argv_echo = NULL;
		return rc;
	}
	*is_done = done_lookup;
	*arg = d;
	return MSW_OK;
}
