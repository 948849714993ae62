/* PostgreSQL sink (--db postgresql://...) and source (design: output/pg.h).
 *
 * Tables: those of the SQLite sink (scans, services, topics, findings, hosts, done), with
 * the same columns, plus run_key (the run id, or the scan id of a scan without one) on
 * every row table and run_id, shard on scans. A target's row is keyed by (run_key, ip,
 * port, transport, probe, kind): a shard that runs again (a retried Slurm task or pod)
 * replaces its rows (ON CONFLICT ... DO UPDATE; its topics and findings are replaced
 * with it) and never adds a second one.
 *
 * Batching: records are rendered as COPY text into per-table buffers as they come. A
 * batch (BATCH_MAX records, or whatever BATCH_US microseconds gathered) is handed to a
 * writer thread, which sends it while the engine's thread fills the next: one
 * transaction copies it into temporary staging tables (ON COMMIT DELETE ROWS; BEGIN goes
 * with the first COPY) and moves it with three set-based statements pipelined with the
 * COMMIT (upsert the services and replace their topics and findings; recompute the hosts
 * the batch touched; insert the done markers): two round trips per non-empty COPY and one
 * for the rest, nine a batch at most. While the writer is busy the next batch grows, up to
 * BATCH_MAX; then the engine waits for it, so at most two batches are held. A host's done
 * marker is always in the same transaction as its records (host_done only queues it), so
 * after a crash a host is either done with all its rows or not done. The session commits
 * with synchronous_commit off (see pg_open).
 *
 * Values: every string reaches the server as COPY text, escaped (backslash, tab, newline,
 * carriage return) or through bound parameters; no SQL is ever built from data. Record
 * strings are the record's JSON values, which hold no NUL (peer bytes that are not clean
 * UTF-8 are "_b64" fields). The URL's password is never printed (libpq's messages do not
 * hold it); prefer PGPASSWORD or ~/.pgpass. */
#define _GNU_SOURCE
#include "output/pg.h"
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libpq-fe.h>
#include "base/config.h"
#include "base/scan_stats.h"
#include "base/dbuf.h"
#include "base/vec.h"
#include "output/dbcols.h"
#include "output/jget.h"
#include "output/jsonw.h"
#include "output/output.h"
#include "output/record.h"
#include "output/rpath.h"
#include "output/sink.h"

#ifndef MSW_VERSION
#define MSW_VERSION "0.0.0"
#endif

#define BATCH_MAX 1000
#define BATCH_US 200000
#define BUF_MAX (256u * 1024 * 1024) /* one batch's COPY text for one table */

/* A target's key: NULL transport, probe or kind (a host summary has no transport) count
 * as one value, on every PostgreSQL version (no NULLS NOT DISTINCT before 15). */
#define TARGET_KEY " (run_key, ip, port, coalesce(transport, ''), coalesce(probe, ''),"      \
	" coalesce(kind, ''))"

/* clang-format off */
static const char schema_sql[] =
	"CREATE TABLE IF NOT EXISTS scans(scan_id TEXT PRIMARY KEY, schema TEXT, tool_version TEXT,"
	" seed TEXT, mode TEXT, depth TEXT, evidence TEXT, started TEXT, ended TEXT,"
	" exit_code BIGINT, resumes BIGINT NOT NULL DEFAULT 0, argv TEXT, options TEXT,"
	" counts TEXT, meta TEXT, run_id TEXT, shard TEXT);"
	"CREATE TABLE IF NOT EXISTS services(id BIGSERIAL PRIMARY KEY, scan_id TEXT NOT NULL,"
	" kind TEXT, probe TEXT, ip TEXT, port BIGINT, hostname TEXT, transport TEXT,"
	" transport_security TEXT, status TEXT, mqtt BIGINT, mqtt_version TEXT, auth TEXT,"
	" connack_code BIGINT, read_access TEXT, write_access TEXT, broker_product TEXT,"
	" broker_version TEXT, topic_count BIGINT, retained_count BIGINT, messages BIGINT,"
	" bytes BIGINT, finding_count BIGINT, worst_severity TEXT, timestamp TEXT,"
	" duration_ms BIGINT, error TEXT, json TEXT NOT NULL, auth_identity TEXT,"
	" sys_topic_count BIGINT, run_key TEXT NOT NULL);"
	"CREATE UNIQUE INDEX IF NOT EXISTS services_target ON services" TARGET_KEY ";"
	"CREATE INDEX IF NOT EXISTS services_host ON services(scan_id, ip, port);"
	"CREATE TABLE IF NOT EXISTS topics(service_id BIGINT NOT NULL, scan_id TEXT, ip TEXT,"
	" port BIGINT, topic TEXT, topic_b64 TEXT, retained BIGINT, messages BIGINT,"
	" bytes BIGINT, sample TEXT, sample_b64 TEXT, sample_truncated BIGINT, run_key TEXT);"
	"CREATE INDEX IF NOT EXISTS topics_service ON topics(service_id);"
	"CREATE TABLE IF NOT EXISTS findings(service_id BIGINT NOT NULL, scan_id TEXT, ip TEXT,"
	" port BIGINT, probe TEXT, id TEXT, finding_id TEXT, category TEXT, severity TEXT,"
	" severity_rank BIGINT, confidence TEXT, cwe BIGINT, topic TEXT, topic_b64 TEXT,"
	" title TEXT, evidence TEXT, remediation TEXT, reproduce TEXT, run_key TEXT);"
	"CREATE INDEX IF NOT EXISTS findings_service ON findings(service_id);"
	"CREATE INDEX IF NOT EXISTS findings_host ON findings(run_key, ip);"
	"CREATE TABLE IF NOT EXISTS hosts(scan_id TEXT NOT NULL, ip TEXT NOT NULL,"
	" services BIGINT, mqtt_services BIGINT, findings BIGINT, worst_severity TEXT,"
	" worst_finding TEXT, categories TEXT, open_dashboard BIGINT, open_share BIGINT,"
	" chain BIGINT, risk_chain TEXT, run_key TEXT NOT NULL, PRIMARY KEY(run_key, ip));"
	"CREATE TABLE IF NOT EXISTS done(scan_id TEXT NOT NULL, idx BIGINT NOT NULL,"
	" run_key TEXT NOT NULL, counts TEXT, PRIMARY KEY(run_key, idx));";

/* Columns added since the first version of the tables: an older database gets them (only
 * when one is missing, so an open never waits for a table lock otherwise). */
static const char new_cols_sql[] =
	"SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema()"
	" AND ((table_name = 'services' AND column_name IN ('auth_identity', 'sys_topic_count'))"
	" OR (table_name = 'done' AND column_name = 'counts'))";
#define NEW_COLS "3"
static const char add_cols_sql[] =
	"ALTER TABLE IF EXISTS services ADD COLUMN IF NOT EXISTS auth_identity TEXT;"
	"ALTER TABLE IF EXISTS services ADD COLUMN IF NOT EXISTS sys_topic_count BIGINT;"
	"ALTER TABLE IF EXISTS done ADD COLUMN IF NOT EXISTS counts TEXT;";

/* Staging tables of this session; the ord column ties a topic or finding to its service. */
static const char stage_sql[] =
	"CREATE TEMP TABLE IF NOT EXISTS s_in(ord BIGINT, scan_id TEXT, kind TEXT, probe TEXT,"
	" ip TEXT, port BIGINT, hostname TEXT, transport TEXT, transport_security TEXT,"
	" status TEXT, mqtt BIGINT, mqtt_version TEXT, auth TEXT, connack_code BIGINT,"
	" read_access TEXT, write_access TEXT, broker_product TEXT, broker_version TEXT,"
	" topic_count BIGINT, retained_count BIGINT, messages BIGINT, bytes BIGINT,"
	" finding_count BIGINT, worst_severity TEXT, timestamp TEXT, duration_ms BIGINT,"
	" error TEXT, json TEXT, auth_identity TEXT, sys_topic_count BIGINT, run_key TEXT,"
	" sid BIGINT) ON COMMIT DELETE ROWS;"
	"CREATE TEMP TABLE IF NOT EXISTS t_in(ord BIGINT, topic TEXT, topic_b64 TEXT,"
	" retained BIGINT, messages BIGINT, bytes BIGINT, sample TEXT, sample_b64 TEXT,"
	" sample_truncated BIGINT) ON COMMIT DELETE ROWS;"
	"CREATE TEMP TABLE IF NOT EXISTS f_in(ord BIGINT, id TEXT, category TEXT, severity TEXT,"
	" severity_rank BIGINT, confidence TEXT, cwe BIGINT, topic TEXT, topic_b64 TEXT,"
	" title TEXT, evidence TEXT, remediation TEXT, reproduce TEXT) ON COMMIT DELETE ROWS;"
	"CREATE TEMP TABLE IF NOT EXISTS d_in(idx BIGINT, counts TEXT) ON COMMIT DELETE ROWS;";

#define SVC_COLS_SQLITE "scan_id, kind, probe, ip, port, hostname, transport,"          \
	" transport_security, status, mqtt, mqtt_version, auth, connack_code, read_access,"   \
	" write_access, broker_product, broker_version, topic_count, retained_count, messages,"\
	" bytes, finding_count, worst_severity, timestamp, duration_ms, error, json,"           \
	" auth_identity, sys_topic_count"
#define SVC_COLS "scan_id, kind, probe, ip, port, hostname, transport, transport_security," \
	" status, mqtt, mqtt_version, auth, connack_code, read_access, write_access,"          \
	" broker_product, broker_version, topic_count, retained_count, messages, bytes,"       \
	" finding_count, worst_severity, timestamp, duration_ms, error, json, auth_identity,"  \
	" sys_topic_count, run_key"

/* The staged key of a target, NULLs as the unique index counts them (TARGET_KEY). */
#define STAGE_KEY "ip, port, coalesce(transport, ''), coalesce(probe, ''), coalesce(kind, '')"
#define JOIN_KEY(a, b) a ".ip = " b ".ip AND " a ".port = " b ".port AND coalesce(" a     \
	".transport, '') = coalesce(" b ".transport, '') AND coalesce(" a ".probe, '') ="   \
	" coalesce(" b ".probe, '') AND coalesce(" a ".kind, '') = coalesce(" b ".kind, '')"

/* The batch, moved from the staging tables in one transaction by three statements sent
 * in one pipeline ($1 run key, $2 scan id). */
enum { M_MOVE, M_HOSTS, M_DONE, M__COUNT };
static const char *const move_sql[M__COUNT] = {
	/* One statement: upsert the services (one row per target even when the batch holds
	 * a target twice: the last wins), then replace their topics and findings with those
	 * of that last copy. Its parts see the tables as they were before it, so the DELETEs
	 * remove only the old children and the INSERTs add the new ones. The DELETEs take
	 * the ids as an array, so they probe the service_id indexes: as a join the planner
	 * (no statistics on the batch) read the whole children tables on every batch. */
	"WITH w AS (SELECT DISTINCT ON (" STAGE_KEY ") * FROM s_in ORDER BY " STAGE_KEY
	", ord DESC),"
	" up AS (INSERT INTO services(" SVC_COLS ") SELECT " SVC_COLS " FROM w"
	" ON CONFLICT" TARGET_KEY " DO UPDATE SET"
	" scan_id = EXCLUDED.scan_id, hostname = EXCLUDED.hostname,"
	" transport_security = EXCLUDED.transport_security, status = EXCLUDED.status,"
	" mqtt = EXCLUDED.mqtt, mqtt_version = EXCLUDED.mqtt_version, auth = EXCLUDED.auth,"
	" connack_code = EXCLUDED.connack_code, read_access = EXCLUDED.read_access,"
	" write_access = EXCLUDED.write_access, broker_product = EXCLUDED.broker_product,"
	" broker_version = EXCLUDED.broker_version, topic_count = EXCLUDED.topic_count,"
	" retained_count = EXCLUDED.retained_count, messages = EXCLUDED.messages,"
	" bytes = EXCLUDED.bytes, finding_count = EXCLUDED.finding_count,"
	" worst_severity = EXCLUDED.worst_severity, timestamp = EXCLUDED.timestamp,"
	" duration_ms = EXCLUDED.duration_ms, error = EXCLUDED.error, json = EXCLUDED.json,"
	" auth_identity = EXCLUDED.auth_identity, sys_topic_count = EXCLUDED.sys_topic_count"
	" RETURNING id, ip, port, transport, probe, kind),"
	" m AS (SELECT up.id AS sid, w.ord, w.scan_id, w.ip, w.port, w.probe, w.run_key"
	"  FROM up JOIN w ON " JOIN_KEY("up", "w") "),"
	" dt AS (DELETE FROM topics WHERE service_id = ANY(ARRAY(SELECT id FROM up))),"
	" df AS (DELETE FROM findings WHERE service_id = ANY(ARRAY(SELECT id FROM up))),"
	" it AS (INSERT INTO topics(service_id, scan_id, ip, port, topic, topic_b64, retained,"
	"  messages, bytes, sample, sample_b64, sample_truncated, run_key) SELECT m.sid,"
	"  m.scan_id, m.ip, m.port, t.topic, t.topic_b64, t.retained, t.messages, t.bytes,"
	"  t.sample, t.sample_b64, t.sample_truncated, m.run_key FROM t_in t JOIN m USING (ord))"
	" INSERT INTO findings(service_id, scan_id, ip, port, probe, id, finding_id, category,"
	" severity, severity_rank, confidence, cwe, topic, topic_b64, title, evidence,"
	" remediation, reproduce, run_key) SELECT m.sid, m.scan_id, m.ip, m.port, m.probe, f.id,"
	" f.id, f.category, f.severity, f.severity_rank, f.confidence, f.cwe, f.topic,"
	" f.topic_b64, f.title, f.evidence, f.remediation, f.reproduce, m.run_key FROM f_in f"
	" JOIN m USING (ord)",
	/* the per-address picture of every address the batch touched (as the SQLite sink's) */
	"INSERT INTO hosts(scan_id, ip, services, mqtt_services, findings, worst_severity,"
	" worst_finding, categories, open_dashboard, open_share, chain, risk_chain, run_key)"
	" SELECT $2, h.ip, s.n, s.m, f.n, f.sev, f.fid, f.cats, f.dash, f.share,"
	" (s.m > 0 AND f.dash = 1 AND f.share = 1)::int, rc.chain, $1"
	" FROM (SELECT DISTINCT ip FROM s_in) h"
	" CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE kind = 'service') AS n,"
	"  count(*) FILTER (WHERE mqtt = 1) AS m FROM services WHERE run_key = $1 AND ip = h.ip) s"
	" CROSS JOIN LATERAL (SELECT count(*) AS n,"
	"  (array_agg(severity ORDER BY severity_rank DESC))[1] AS sev,"
	"  (array_agg(finding_id ORDER BY severity_rank DESC))[1] AS fid,"
	"  (SELECT json_object_agg(category, c)::text FROM (SELECT category, count(*) AS c FROM"
	"   findings WHERE run_key = $1 AND ip = h.ip GROUP BY category) x) AS cats,"
	"  coalesce(max((category = 'dashboard' AND probe <> 'mqtt' AND severity_rank >= 2)::int),"
	"   0) AS dash,"
	"  coalesce(max((category = 'file_share' AND severity_rank >= 2)::int), 0) AS share"
	"  FROM findings WHERE run_key = $1 AND ip = h.ip) f"
	" LEFT JOIN LATERAL (SELECT (json::json #>> '{risk,chain}') AS chain FROM services"
	"  WHERE run_key = $1 AND ip = h.ip AND kind = 'host' ORDER BY id DESC LIMIT 1) rc ON true"
	" ON CONFLICT (run_key, ip) DO UPDATE SET scan_id = EXCLUDED.scan_id,"
	" services = EXCLUDED.services, mqtt_services = EXCLUDED.mqtt_services,"
	" findings = EXCLUDED.findings, worst_severity = EXCLUDED.worst_severity,"
	" worst_finding = EXCLUDED.worst_finding, categories = EXCLUDED.categories,"
	" open_dashboard = EXCLUDED.open_dashboard, open_share = EXCLUDED.open_share,"
	" chain = EXCLUDED.chain, risk_chain = EXCLUDED.risk_chain",
	/* a host done again (a shard run again) is the new scan's, with its counts */
	"INSERT INTO done(scan_id, idx, run_key, counts) SELECT $2, idx, $1, counts FROM d_in"
	" ON CONFLICT (run_key, idx) DO UPDATE SET scan_id = EXCLUDED.scan_id,"
	" counts = EXCLUDED.counts",
};
/* clang-format on */


/* The COPY text of each staging table. */
enum { B_SVC, B_TOP, B_FND, B_DONE, B__COUNT };
#define COPY_SVC "COPY s_in(ord, " SVC_COLS ") FROM STDIN"
#define COPY_DONE "COPY d_in FROM STDIN"
static const char *const copy_sql[B__COUNT] = {
	COPY_SVC,
	"COPY t_in FROM STDIN",
	"COPY f_in FROM STDIN",
	COPY_DONE,
};

struct pgs {
	PGconn *c;
	char scan_id[64];
	char run_key[96];
	char *run_id, *shard; /* from the configuration */
	struct dbuf b[B__COUNT]; /* the batch being filled (the engine's thread) */
	struct dbuf json;        /* one record's JSON text */
	struct pg_paths *rp;     /* write_record's field lookups */
	uint64_t ord;            /* records in this batch */
	size_t nrec;
	int64_t batch_start_us;
	bool staged;
	bool resume; /* --resume: the scan's interrupted records are dropped at its start */
	/* the writer thread and the batch it sends (out, out_nrec) */
	struct dbuf out[B__COUNT];
	size_t out_nrec;
	pthread_t th;
	bool th_up;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool busy, quit;
	msw_err err; /* the writer's first error: the sink has failed */
};

bool pg_is_url(const char *s)
{
	return s && (!strncmp(s, "postgresql://", 13) || !strncmp(s, "postgres://", 11));
}

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* libpq's message, first line only (it ends with a newline). */
static void pg_err(PGconn *c, const char *what)
{
	const char *m = c ? PQerrorMessage(c) : "out of memory";

	fprintf(stderr, "mqttsweep: postgresql: %s: %.*s\n", what, (int)strcspn(m, "\n"), m);
}

static msw_err exec(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	msw_err rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? MSW_OK : MSW_ERR_IO;

	if (rc)
		pg_err(c, "statement failed");
	PQclear(r);
	return rc;
}

static msw_err exec_params(PGconn *c, const char *sql, int n, const char *const *v)
{
	PGresult *r = PQexecParams(c, sql, n, NULL, v, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(r);
	msw_err rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? MSW_OK : MSW_ERR_IO;

	if (rc)
		pg_err(c, "statement failed");
	PQclear(r);
	return rc;
}

/* Opens url; quiet server notices (CREATE ... IF NOT EXISTS says "already exists"). */
static void no_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static PGconn *pg_connect(const char *url)
{
	PGconn *c = PQconnectdb(url);

	if (!c || PQstatus(c) != CONNECTION_OK) {
		pg_err(c, "cannot connect");
		PQfinish(c);
		return NULL;
	}
	PQsetNoticeProcessor(c, no_notice, NULL);
	return c;
}

/* ---- COPY text ---- */

static msw_err put(struct dbuf *b, const char *s, size_t n)
{
	return dbuf_append(b, s, n);
}

/* n bytes of text, escaped for COPY's text format. */
static msw_err put_txt_n(struct dbuf *b, const char *s, size_t n)
{
	const char *p = s, *run, *end = s + n;
	msw_err rc = MSW_OK;

	for (run = p; p < end && !rc; p++) {
		const char *esc = NULL;

		switch (*p) {
		case '\\': esc = "\\\\"; break;
		case '\t': esc = "\\t"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		default: continue;
		}
		rc = put(b, run, (size_t)(p - run));
		if (!rc)
			rc = put(b, esc, 2);
		run = p + 1;
	}
	return rc ? rc : put(b, run, (size_t)(p - run));
}

/* A text field, escaped for COPY's text format; NULL is \N. */
static msw_err put_txt(struct dbuf *b, const char *s)
{
	return s ? put_txt_n(b, s, strlen(s)) : put(b, "\\N", 2);
}

static msw_err put_int(struct dbuf *b, const cJSON *v)
{
	char num[32];

	if (cJSON_IsBool(v))
		return put(b, cJSON_IsTrue(v) ? "1" : "0", 1);
	if (!cJSON_IsNumber(v) || v->valuedouble != v->valuedouble)
		return put(b, "\\N", 2);
	if (v->valuedouble >= 9.2e18 || v->valuedouble <= -9.2e18)
		return put(b, "\\N", 2);
	snprintf(num, sizeof(num), "%lld", (long long)v->valuedouble);
	return put(b, num, strlen(num));
}

static msw_err tab(struct dbuf *b)
{
	return put(b, "\t", 1);
}

static msw_err eol(struct dbuf *b)
{
	return put(b, "\n", 1);
}

/* The end of a staged services row (either writer): the run key, the newline, and the
 * record's JSON buffer dropped when one huge record grew it. */
static msw_err row_end(struct pgs *q, struct dbuf *b, msw_err rc)
{
	if (!rc && !(rc = tab(b)))
		rc = put_txt(b, q->run_key);
	if (!rc)
		rc = eol(b);
	if (q->json.alloc > (1u << 20)) /* one huge record: do not keep its buffer */
		dbuf_free(&q->json);
	return rc;
}

/* ---- records ---- */

/* The services columns after scan_id, in table order: each is a record field read by
 * its path in the record tables (base/record.c: the JSON keys are the table's names;
 * tests/unit/test_pg_cols.c checks every path against record_table and the column list
 * against the SQLite sink's table), or computed (path NULL). */
const struct pg_col pg_services_cols[] = {
	{"kind", "kind", 't'},
	{"probe", "probe", 't'},
	{"ip", "ip", 't'},
	{"port", "port", 'i'},
	{"hostname", "hostname", 't'},
	{"transport", "transport", 't'},
	{"transport_security", "transport_security", 't'},
	{"status", "status", 't'},
	{"mqtt", "mqtt", 'i'},
	{"mqtt_version", "mqtt_version", 't'},
	{"auth", "auth", 't'},
	{"connack_code", "connack.code", 'i'},
	{"read_access", "read_access", 't'},
	{"write_access", "write_access", 't'},
	{"broker_product", "broker.product", 't'},
	{"broker_version", "broker.version", 't'},
	{"topic_count", "topics.count", 'i'},
	{"retained_count", "topics.retained", 'i'},
	{"messages", "topics.messages", 'i'},
	{"bytes", "topics.bytes", 'i'},
	{"finding_count", "finding_count", 'i'},
	{"worst_severity", "worst_severity", 't'},
	{"timestamp", "timestamp", 't'},
	{"duration_ms", "duration_ms", 'i'},
	{"error", "error", 't'},
	{"json", NULL, 't'},
	{"auth_identity", "auth_identity", 't'},
	{"sys_topic_count", "topics.sys_count", 'i'},
	{NULL, NULL, 0},
};

static const cJSON *jpath(const cJSON *o, const char *path)
{
	char key[64];

	while (o && path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		o = jget(o, key);
		path = dot ? dot + 1 : NULL;
	}
	return o;
}

static msw_err put_col(struct dbuf *b, const cJSON *rec, const struct pg_col *c)
{
	const cJSON *v = jpath(rec, c->path);

	if (c->type == 'i')
		return put_int(b, v);
	return put_txt(b, cJSON_IsString(v) ? v->valuestring : NULL);
}

static const char *worst_severity(const cJSON *rec, int *count)
{
	const cJSON *f;
	int worst = -1;

	*count = 0;
	cJSON_ArrayForEach(f, jget(rec, "findings")) {
		int r = severity_from_str(jstr(f, "severity"));

		(*count)++;
		if (r > worst)
			worst = r;
	}
	return worst >= 0 ? severity_str((enum msw_severity)worst) : NULL;
}

static msw_err put_ord(struct dbuf *b, uint64_t ord)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64 "\t", ord);
	return put(b, num, strlen(num));
}

static msw_err svc_row(struct pgs *q, const cJSON *rec)
{
	struct dbuf *b = &q->b[B_SVC];
	char num[16];
	int nf;
	const char *worst = worst_severity(rec, &nf);
	msw_err rc;

	q->json.len = 0; /* the whole record, as the JSON lines sink writes it */
	rc = jsonw_append(&q->json, rec);
	if (!rc)
		rc = put_ord(b, q->ord);

	if (!rc)
		rc = put_txt(b, q->scan_id);
	snprintf(num, sizeof(num), "%d", nf);
	for (const struct pg_col *c = pg_services_cols; c->column && !rc; c++) {
		if ((rc = tab(b)))
			break;
		if (!strcmp(c->column, "finding_count"))
			rc = put(b, num, strlen(num));
		else if (!strcmp(c->column, "worst_severity"))
			rc = put_txt(b, worst);
		else if (c->path)
			rc = put_col(b, rec, c);
		else
			rc = put_txt_n(b, (const char *)q->json.p, q->json.len);
	}
	return row_end(q, b, rc);
}

/* Fields of a list element, in the staging table's order: text or integer by name. */
static msw_err elem_row(struct dbuf *b, uint64_t ord, const cJSON *e, const char *const *names,
			const char *ints)
{
	msw_err rc = put_ord(b, ord);

	for (size_t i = 0; names[i] && !rc; i++) {
		if (i && (rc = tab(b)))
			break;
		if (ints[i] == 'i')
			rc = put_int(b, jget(e, names[i]));
		else
			rc = put_txt(b, jstr(e, names[i]));
	}
	return rc ? rc : eol(b);
}

static msw_err topic_rows(struct pgs *q, const cJSON *rec)
{
	static const char *const names[] = {"topic", "topic_b64", "retained", "messages",
					    "bytes", "sample", "sample_b64",
					    "sample_truncated", NULL};
	const cJSON *t;
	msw_err rc = MSW_OK;

	cJSON_ArrayForEach(t, jget(jget(rec, "topics"), "list")) {
		if ((rc = elem_row(&q->b[B_TOP], q->ord, t, names, "ttiiitti")))
			break;
	}
	return rc;
}

static msw_err finding_rows(struct pgs *q, const cJSON *rec)
{
	struct dbuf *b = &q->b[B_FND];
	const cJSON *f;
	msw_err rc = MSW_OK;

	cJSON_ArrayForEach(f, jget(rec, "findings")) {
		char rank[8];

		snprintf(rank, sizeof(rank), "%d", severity_from_str(jstr(f, "severity")));
		rc = put_ord(b, q->ord);
		if (!rc)
			rc = put_txt(b, jstr(f, "id"));
		if (!rc && !(rc = tab(b)))
			rc = put_txt(b, jstr(f, "category"));
		if (!rc && !(rc = tab(b)))
			rc = put_txt(b, jstr(f, "severity"));
		if (!rc && !(rc = tab(b)))
			rc = put(b, rank, strlen(rank));
		if (!rc && !(rc = tab(b)))
			rc = put_txt(b, jstr(f, "confidence"));
		if (!rc && !(rc = tab(b)))
			rc = put_int(b, jget(f, "cwe"));
		if (!rc && !(rc = tab(b)))
			rc = put_txt(b, jstr(f, "topic"));
		if (!rc && !(rc = tab(b)))
			rc = put_txt(b, jstr(f, "topic_b64"));
		if (!rc && !(rc = tab(b)))
			rc = put_txt(b, jstr(f, "title"));
		if (!rc && !(rc = tab(b)))
			rc = put_txt(b, jstr(f, "evidence"));
		if (!rc && !(rc = tab(b)))
			rc = put_txt(b, jstr(f, "remediation"));
		if (!rc && !(rc = tab(b)))
			rc = put_txt(b, jstr(f, "reproduce"));
		if (!rc)
			rc = eol(b);
		if (rc)
			break;
	}
	return rc;
}

/* ---- write_record: the record itself, read through its field tables ----
 *
 * The same rows as above, each column a field read by its path (output/rpath.h,
 * output/dbcols.h), typed or still carried as parsed JSON, resolved once when the sink
 * opens; the values are those pg_write puts from the record's JSON. */
#define SVC_MAX 32

struct pg_paths {
	struct rpath svc[SVC_MAX]; /* pg_services_cols, in order (json: unused) */
	struct rpath scan_id, topics, findings;
	struct rpath topic[DB_TOPIC_COLS], finding[DB_FINDING_COLS];
};

static struct pg_paths *pg_paths_new(void)
{
	struct pg_paths *p = calloc(1, sizeof(*p));
	size_t i = 0;
	bool ok = p != NULL;

	for (const struct pg_col *c = pg_services_cols; ok && c->column; c++, i++)
		ok = i < SVC_MAX && (!c->path || rpath_init(&p->svc[i], c->path));
	ok = ok && rpath_init(&p->scan_id, "scan_id") && rpath_init(&p->topics, "topics.list") &&
	     rpath_init(&p->findings, "findings");
	for (i = 0; ok && i < DB_TOPIC_COLS; i++)
		ok = rpath_init(&p->topic[i], db_topic_cols[i].path);
	for (i = 0; ok && i < DB_FINDING_COLS; i++)
		ok = rpath_init(&p->finding[i], db_finding_cols[i].path);
	if (!ok) {
		free(p);
		return NULL;
	}
	return p;
}

/* An integer in decimal. */
static msw_err put_i64(struct dbuf *b, int64_t v)
{
	char num[24], *e = num + sizeof(num), *d = e;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--d = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--d = '-';
	return put(b, d, (size_t)(e - d));
}

/* A field's value as column text (put_int's rules for a number: NaN and values past
 * int64 are \N). */
static msw_err put_field(struct dbuf *b, const struct fval *v, char type)
{
	struct dbv d;
	msw_err rc;

	dbv_read(v, type, &d);
	switch (d.k) {
	case DBV_NUM:
		if (d.d != d.d || d.d >= 9.2e18 || d.d <= -9.2e18)
			return put(b, "\\N", 2);
		return put_i64(b, (int64_t)d.d);
	case DBV_INT:
		return put_i64(b, d.i);
	case DBV_TEXT:
		return put_txt_n(b, (const char *)d.s, d.n);
	case DBV_B64: /* base64 needs no COPY escape */
		if ((rc = dbuf_reserve(b, 4 * ((d.n + 2) / 3))))
			return rc;
		b->len += b64_encode(d.s, d.n, (char *)b->p + b->len);
		return MSW_OK;
	default:
		return put(b, "\\N", 2);
	}
}

static msw_err rsvc_row(struct pgs *q, const struct msw_record *r)
{
	struct dbuf *b = &q->b[B_SVC];
	struct rpath *p = q->rp->svc;
	msw_err rc;

	q->json.len = 0; /* the whole record, as the JSON lines sink writes it */
	rc = record_text(r, MSW_VERSION, &q->json);
	if (!rc)
		rc = put_ord(b, q->ord);
	if (!rc)
		rc = put_txt(b, q->scan_id);
	for (const struct pg_col *c = pg_services_cols; c->column && !rc; c++, p++) {
		struct fval v;

		if ((rc = tab(b)))
			break;
		if (c->path) {
			rpath_get(r, p, &v);
			rc = put_field(b, &v, c->type);
		} else {
			rc = put_txt_n(b, (const char *)q->json.p, q->json.len);
		}
	}
	return row_end(q, b, rc);
}

/* The rows of a list field (topics, findings): the batch's ord, then the columns. */
static msw_err rlist_rows(struct pgs *q, struct dbuf *b, const struct msw_record *r,
			  struct rpath *list, struct rpath *p, const struct dbcol *c, size_t nc)
{
	struct fval l, e, v;
	msw_err rc = MSW_OK;

	rpath_get(r, list, &l);
	for (size_t i = 0, n = rpath_len(&l); i < n && !rc; i++) {
		rpath_elem(&l, i, &e);
		rc = put_ord(b, q->ord);
		for (size_t k = 0; k < nc && !rc; k++) {
			if (k && (rc = tab(b)))
				break;
			rpath_get_in(&e, &p[k], &v);
			rc = put_field(b, &v, c[k].type);
		}
		if (!rc)
			rc = eol(b);
	}
	return rc;
}

/* ---- batches ---- */

/* The results of a query sent with PQsendQuery until it asks for COPY data: true when it
 * does (the batch's first COPY is sent with BEGIN, both in one round trip; a statement
 * that fails ends the string before the COPY). */
static bool await_copy(PGconn *c)
{
	PGresult *r;

	while ((r = PQgetResult(c))) {
		ExecStatusType st = PQresultStatus(r);

		PQclear(r);
		if (st == PGRES_COPY_IN)
			return true;
	}
	return false;
}

static msw_err copy_in(PGconn *c, const char *sql, const struct dbuf *b)
{
	PGresult *r;
	msw_err rc = MSW_OK;

	if (!PQsendQuery(c, sql) || !await_copy(c)) {
		pg_err(c, "COPY failed");
		while ((r = PQgetResult(c)))
			PQclear(r);
		return MSW_ERR_IO;
	}
	if (b->len && PQputCopyData(c, (const char *)b->p, (int)b->len) != 1)
		rc = MSW_ERR_IO;
	if (PQputCopyEnd(c, rc ? "write failed" : NULL) != 1)
		rc = MSW_ERR_IO;
	while ((r = PQgetResult(c))) {
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			rc = MSW_ERR_IO;
		PQclear(r);
	}
	if (rc)
		pg_err(c, "COPY failed");
	return rc;
}

/* The results of a pipeline of nq queries up to its sync; the first error is reported. */
static msw_err pipeline_results(PGconn *c, int nq)
{
	msw_err rc = MSW_OK;
	int nulls = 0;

	for (;;) {
		PGresult *r = PQgetResult(c);
		ExecStatusType st;

		if (!r) { /* the end of one query's results */
			if (++nulls > nq || PQstatus(c) != CONNECTION_OK)
				return rc ? rc : MSW_ERR_IO;
			continue;
		}
		st = PQresultStatus(r);
		PQclear(r);
		if (st == PGRES_PIPELINE_SYNC)
			return rc;
		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && !rc) {
			if (st != PGRES_PIPELINE_ABORTED)
				pg_err(c, "statement failed");
			rc = MSW_ERR_IO;
		}
	}
}

static bool send_params(PGconn *c, const char *sql, int n, const char *const *v)
{
	return PQsendQueryParams(c, sql, n, NULL, v, NULL, NULL, 0) == 1;
}

/* The set-based statements and COMMIT, pipelined: one round trip. */
static msw_err move_batch(struct pgs *q, size_t nrec, bool done)
{
	const char *v[2] = {q->run_key, q->scan_id};
	int nq = 0;
	bool ok;
	msw_err rc;

	if (!PQenterPipelineMode(q->c)) {
		pg_err(q->c, "pipeline");
		return MSW_ERR_IO;
	}
	ok = true;
	if (nrec) {
		ok = send_params(q->c, move_sql[M_MOVE], 0, v) &&
		     send_params(q->c, move_sql[M_HOSTS], 2, v);
		nq += 2;
	}
	if (ok && done) {
		ok = send_params(q->c, move_sql[M_DONE], 2, v);
		nq++;
	}
	if (ok) {
		ok = send_params(q->c, "COMMIT", 0, v) && PQpipelineSync(q->c) == 1;
		nq++;
	}
	rc = ok ? pipeline_results(q->c, nq) : MSW_ERR_IO;
	if (!ok)
		pg_err(q->c, "statement failed");
	if (PQexitPipelineMode(q->c) != 1 && !rc)
		rc = MSW_ERR_IO;
	return rc;
}

/* One transaction: BEGIN with the first COPY, the other COPYs, then the set-based moves
 * and COMMIT in one pipeline (two round trips a COPY, one for the rest). The buffers are
 * emptied. */
static msw_err batch_commit(struct pgs *q, struct dbuf *b, size_t nrec)
{
	bool begun = false;
	msw_err rc = MSW_OK;

	for (int i = 0; i < B__COUNT && !rc; i++) {
		if (!b[i].len)
			continue;
		if (begun)
			rc = copy_in(q->c, copy_sql[i], &b[i]);
		else
			rc = copy_in(q->c, i == B_SVC ? "BEGIN; " COPY_SVC : "BEGIN; " COPY_DONE,
				     &b[i]);
		begun = true;
	}
	if (!rc && !begun)
		rc = exec(q->c, "BEGIN");
	if (!rc)
		rc = move_batch(q, nrec, b[B_DONE].len > 0);
	if (rc)
		(void)exec(q->c, "ROLLBACK");
	for (int i = 0; i < B__COUNT; i++)
		b[i].len = 0;
	return rc;
}

static void batch_reset(struct pgs *q)
{
	for (int i = 0; i < B__COUNT; i++)
		q->b[i].len = 0;
	q->nrec = 0;
	q->ord = 0;
	q->batch_start_us = mono_us();
}

/* ---- the writer thread ---- */

/* It sends the batches while the engine's thread goes on scanning and fills the next one.
 * It owns the connection from a hand-over until it clears busy; the engine's thread uses
 * the connection (scans rows) only when it is not busy. Locks: mu guards busy, quit and
 * err. */
static void *writer(void *arg)
{
	struct pgs *q = arg;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		msw_err rc;

		while (!q->busy && !q->quit)
			pthread_cond_wait(&q->cv, &q->mu);
		if (!q->busy)
			break;
		pthread_mutex_unlock(&q->mu);
		rc = batch_commit(q, q->out, q->out_nrec);
		pthread_mutex_lock(&q->mu);
		if (rc && !q->err)
			q->err = rc;
		q->busy = false;
		pthread_cond_broadcast(&q->cv);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* Started with the first batch (after --workers has forked), every signal blocked: they
 * are the engine's thread's. */
static msw_err writer_start(struct pgs *q)
{
	sigset_t all, old;
	int e;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	e = pthread_create(&q->th, NULL, writer, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (e) {
		fprintf(stderr, "mqttsweep: postgresql: cannot start the writer: %s\n", strerror(e));
		return MSW_ERR_NOMEM;
	}
	q->th_up = true;
	return MSW_OK;
}

/* Hands the filled batch to the writer, first waiting while it still sends the previous
 * one (so at most two batches are held); wait: also until this one is in the database.
 * Returns the writer's first error. */
static msw_err hand_over(struct pgs *q, bool wait)
{
	bool any = q->nrec || q->b[B_DONE].len;
	msw_err rc = MSW_OK;

	if (!q->th_up && (!any || (rc = writer_start(q))))
		return rc;
	pthread_mutex_lock(&q->mu);
	while (q->busy)
		pthread_cond_wait(&q->cv, &q->mu);
	if (any && !q->err) {
		struct dbuf t[B__COUNT];

		memcpy(t, q->out, sizeof(t));
		memcpy(q->out, q->b, sizeof(t));
		memcpy(q->b, t, sizeof(t));
		q->out_nrec = q->nrec;
		q->busy = true;
		pthread_cond_broadcast(&q->cv);
	}
	while (wait && q->busy)
		pthread_cond_wait(&q->cv, &q->mu);
	rc = q->err;
	pthread_mutex_unlock(&q->mu);
	batch_reset(q);
	return rc;
}

static bool writer_busy(struct pgs *q)
{
	bool busy;

	if (!q->th_up)
		return false;
	pthread_mutex_lock(&q->mu);
	busy = q->busy;
	pthread_mutex_unlock(&q->mu);
	return busy;
}

static void writer_stop(struct pgs *q)
{
	if (!q->th_up)
		return;
	pthread_mutex_lock(&q->mu);
	q->quit = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->th, NULL);
	q->th_up = false;
}

/* A full batch is handed over at once (waiting for the writer if it must); one that has
 * waited BATCH_US when the writer is free (while it is busy the batch grows instead). */
static msw_err maybe_commit(struct pgs *q)
{
	if (q->nrec >= BATCH_MAX)
		return hand_over(q, false);
	if (mono_us() - q->batch_start_us >= BATCH_US && !writer_busy(q))
		return hand_over(q, false);
	return MSW_OK;
}

/* ---- sink ---- */

static msw_err add_new_columns(PGconn *c)
{
	PGresult *r = PQexec(c, new_cols_sql);
	bool all = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
		   !strcmp(PQgetvalue(r, 0, 0), NEW_COLS);

	PQclear(r);
	return all ? MSW_OK : exec(c, add_cols_sql);
}

/* A record's json (~2 KB) is compressed when its row is stored, first in the staging
 * table (the services row reuses that datum): pglz cost ~15 us a record of the server's
 * CPU, lz4 a fraction of it. Best effort: servers before 14, or built without lz4,
 * refuse the setting and keep pglz; readers decompress either transparently. */
static void toast_lz4(PGconn *c)
{
	PQclear(PQexec(c, "SET default_toast_compression = lz4"));
}

static msw_err pg_open(struct sink *s, const char *url, const struct msw_config *cfg)
{
	struct pgs *q = calloc(1, sizeof(*q));

	if (!q)
		return MSW_ERR_NOMEM;
	s->priv = q;
	for (int i = 0; i < B__COUNT; i++) {
		dbuf_init(&q->b[i], BUF_MAX);
		dbuf_init(&q->out[i], BUF_MAX);
	}
	dbuf_init(&q->json, BUF_MAX);
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	batch_reset(q);
	q->resume = cfg && cfg->resume_db;
	if (!(q->rp = pg_paths_new()))
		return MSW_ERR_NOMEM;
	if (cfg && cfg->run_id && !(q->run_id = strdup(cfg->run_id)))
		return MSW_ERR_NOMEM;
	if (cfg && cfg->shards > 1 && asprintf(&q->shard, "%u/%u", cfg->shard, cfg->shards) < 0) {
		q->shard = NULL;
		return MSW_ERR_NOMEM;
	}
	if (!(q->c = pg_connect(url)))
		return MSW_ERR_IO;
	/* several shards may create the tables at once: serialise on an advisory lock */
	if (exec(q->c, "SELECT pg_advisory_lock(7718201)") || exec(q->c, schema_sql) ||
	    add_new_columns(q->c) || exec(q->c, "SELECT pg_advisory_unlock(7718201)") ||
	    exec(q->c, stage_sql))
		return MSW_ERR_IO;
	/* A COMMIT returns before the server has flushed it to disk: a server crash can
	 * lose the last batches, records and done markers together (so --resume probes
	 * those hosts again); a crash of ours loses nothing the server acknowledged. */
	if (exec(q->c, "SET synchronous_commit = off"))
		return MSW_ERR_IO;
	toast_lz4(q->c);
	q->staged = true;
	return MSW_OK;
}

static void set_ids(struct pgs *q, const char *scan_id)
{
	snprintf(q->scan_id, sizeof(q->scan_id), "%s", scan_id ? scan_id : "");
	snprintf(q->run_key, sizeof(q->run_key), "%s", q->run_id ? q->run_id : q->scan_id);
}

static msw_err pg_write(struct sink *s, const cJSON *rec)
{
	struct pgs *q = s->priv;
	msw_err rc;

	if (!q->scan_id[0])
		set_ids(q, jstr(rec, "scan_id"));
	q->ord++;
	rc = svc_row(q, rec);
	if (!rc)
		rc = topic_rows(q, rec);
	if (!rc)
		rc = finding_rows(q, rec);
	if (rc)
		return rc;
	q->nrec++;
	return maybe_commit(q);
}

static msw_err pg_write_record(struct sink *s, const struct msw_record *r)
{
	struct pgs *q = s->priv;
	msw_err rc;

	if (!q->scan_id[0]) {
		struct fval v;
		const uint8_t *t;
		size_t n;
		char sid[sizeof(q->scan_id)];

		rpath_get(r, &q->rp->scan_id, &v);
		if (!rval_text(&v, &t, &n))
			n = 0;
		snprintf(sid, sizeof(sid), "%.*s", (int)n, n ? (const char *)t : "");
		set_ids(q, sid);
	}
	q->ord++;
	rc = rsvc_row(q, r);
	if (!rc)
		rc = rlist_rows(q, &q->b[B_TOP], r, &q->rp->topics, q->rp->topic, db_topic_cols,
				DB_TOPIC_COLS);
	if (!rc)
		rc = rlist_rows(q, &q->b[B_FND], r, &q->rp->findings, q->rp->finding,
				db_finding_cols, DB_FINDING_COLS);
	if (rc)
		return rc;
	q->nrec++;
	return maybe_commit(q);
}

/* The done marker carries the host's share of the counts (tally), as the SQLite sink's:
 * --resume adds them up to continue the counts where the finished hosts left them. */
static msw_err pg_host_done(struct sink *s, uint64_t index, const struct scan_stats *tally)
{
	struct pgs *q = s->priv;
	cJSON *j = tally ? scan_stats_json(tally) : NULL;
	char num[24];
	msw_err rc = tally && !j ? MSW_ERR_NOMEM : MSW_OK;

	q->json.len = 0; /* the counts as JSON text */
	if (!rc && j)
		rc = jsonw_append(&q->json, j);
	cJSON_Delete(j);
	snprintf(num, sizeof(num), "%" PRIu64 "\t", index);
	if (!rc)
		rc = put(&q->b[B_DONE], num, strlen(num));
	if (!rc)
		rc = j ? put_txt_n(&q->b[B_DONE], (const char *)q->json.p, q->json.len)
		       : put(&q->b[B_DONE], "\\N", 2);
	if (!rc)
		rc = eol(&q->b[B_DONE]);
	return rc ? rc : maybe_commit(q);
}

static char *json_text(const cJSON *o)
{
	return o ? cJSON_PrintUnformatted(o) : NULL;
}

static msw_err scan_row(struct pgs *q, const cJSON *m, bool final)
{
	static const char start_sql[] =
		"INSERT INTO scans(scan_id, schema, tool_version, seed, mode, depth, evidence,"
		" started, argv, options, counts, meta, run_id, shard)"
		" VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)"
		" ON CONFLICT(scan_id) DO UPDATE SET resumes = scans.resumes + 1, ended = NULL,"
		" exit_code = NULL";
	static const char end_sql[] = "UPDATE scans SET ended = $2, exit_code = $3::bigint,"
				      " counts = $4, meta = $5 WHERE scan_id = $1";
	char *argv = json_text(jget(m, "argv")), *opts = json_text(jget(m, "options"));
	char *counts = json_text(jget(m, "counts")), *all = json_text(m), code[16] = "";
	const cJSON *ec = jget(m, "exit_code");
	msw_err rc;

	if (cJSON_IsNumber(ec))
		snprintf(code, sizeof(code), "%d", ec->valueint);
	if (final) {
		const char *v[5] = {q->scan_id, jstr(m, "end"), code[0] ? code : NULL, counts, all};

		rc = exec_params(q->c, end_sql, 5, v);
	} else {
		const char *v[14] = {q->scan_id,	 jstr(m, "schema"),   jstr(m, "tool_version"),
				     jstr(m, "seed"),	 jstr(m, "mode"),     jstr(m, "depth"),
				     jstr(m, "evidence"), jstr(m, "start"),   argv,
				     opts,		 counts,	      all,
				     q->run_id,		 q->shard};

		rc = exec_params(q->c, start_sql, 14, v);
	}
	cJSON_free(argv);
	cJSON_free(opts);
	cJSON_free(counts);
	cJSON_free(all);
	return rc;
}

/* On --resume, before anything is probed: the targets a SIGINT caught in flight are
 * probed again (their hosts are not done), so their `interrupted` records are superseded
 * whatever the new probe records (nothing, e.g. a refusal without --all); an address left
 * with no row loses its hosts row. */
static msw_err drop_interrupted(struct pgs *q)
{
	static const char sql[] =
		"WITH d AS (DELETE FROM services WHERE scan_id = $1 AND status = 'interrupted'"
		" RETURNING id, ip, run_key),"
		" t AS (DELETE FROM topics WHERE service_id IN (SELECT id FROM d)),"
		" f AS (DELETE FROM findings WHERE service_id IN (SELECT id FROM d))"
		" DELETE FROM hosts h USING d WHERE h.run_key = d.run_key AND h.ip = d.ip AND NOT"
		" EXISTS (SELECT 1 FROM services s WHERE s.run_key = d.run_key AND s.ip = d.ip AND"
		" s.id NOT IN (SELECT id FROM d))";
	const char *v[1] = {q->scan_id};

	return exec_params(q->c, sql, 1, v);
}

static msw_err pg_meta(struct sink *s, const cJSON *m, int final)
{
	struct pgs *q = s->priv;
	msw_err rc;

	/* everything before this record is in the database; the connection is ours */
	if ((rc = hand_over(q, true)))
		return rc;
	if (jstr(m, "scan_id"))
		set_ids(q, jstr(m, "scan_id"));
	rc = scan_row(q, m, final != 0);
	return !rc && !final && q->resume ? drop_interrupted(q) : rc;
}

/* Now and then (output.c): a batch waiting for a free writer goes at once. */
static msw_err pg_flush(struct sink *s)
{
	struct pgs *q = s->priv;

	return writer_busy(q) ? MSW_OK : hand_over(q, false);
}

static void pg_close(struct sink *s)
{
	struct pgs *q = s->priv;

	if (!q)
		return;
	if (q->c && q->staged)
		(void)hand_over(q, true);
	writer_stop(q);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	PQfinish(q->c);
	for (int i = 0; i < B__COUNT; i++) {
		dbuf_free(&q->b[i]);
		dbuf_free(&q->out[i]);
	}
	dbuf_free(&q->json);
	free(q->rp);
	free(q->run_id);
	free(q->shard);
	free(q);
	s->priv = NULL;
}

const struct sink_ops sink_pg = {
	.name = "postgresql",
	.open = pg_open,
	.write = pg_write,
	.write_record = pg_write_record,
	.meta = pg_meta,
	.flush = pg_flush,
	.close = pg_close,
	.host_done = pg_host_done,
};

/* ---- source: a SQLite copy for the readers (stats, export, --resume) ---- */

#include <sqlite3.h>

/* The SQLite sink's columns of each table, copied by name (PostgreSQL has them all). */
static const struct {
	const char *table;
	const char *cols;
	const char *where; /* $1 = the filter (scan id or run id), NULL = everything */
} copies[] = {
	{"scans",
	 "scan_id, schema, tool_version, seed, mode, depth, evidence, started, ended, exit_code,"
	 " resumes, argv, options, counts, meta",
	 "$1::text IS NULL OR scan_id = $1 OR run_id = $1"},
	{"services", "id, " SVC_COLS_SQLITE, "$1::text IS NULL OR scan_id = $1 OR run_key = $1"},
	{"topics",
	 "service_id, scan_id, ip, port, topic, topic_b64, retained, messages, bytes, sample,"
	 " sample_b64, sample_truncated",
	 "$1::text IS NULL OR scan_id = $1 OR run_key = $1"},
	{"findings",
	 "service_id, scan_id, ip, port, probe, id, finding_id, category, severity,"
	 " severity_rank, confidence, cwe, topic, topic_b64, title, evidence, remediation,"
	 " reproduce",
	 "$1::text IS NULL OR scan_id = $1 OR run_key = $1"},
	{"hosts",
	 "scan_id, ip, services, mqtt_services, findings, worst_severity, worst_finding,"
	 " categories, open_dashboard, open_share, chain, risk_chain",
	 "$1::text IS NULL OR scan_id = $1 OR run_key = $1"},
	{"done", "scan_id, idx, counts", "$1::text IS NULL OR scan_id = $1 OR run_key = $1"},
};

static int ncols(const char *cols)
{
	int n = 1;

	for (; *cols; cols++)
		n += *cols == ',';
	return n;
}

/* INSERT INTO t(cols) VALUES(?1, ..., ?n) */
static char *insert_sql(const char *table, const char *cols)
{
	struct dbuf b;
	char num[16];
	int n = ncols(cols);

	dbuf_init(&b, 64 * 1024);
	if (dbuf_append(&b, "INSERT INTO ", 12) || dbuf_append(&b, table, strlen(table)) ||
	    dbuf_append(&b, "(", 1) || dbuf_append(&b, cols, strlen(cols)) ||
	    dbuf_append(&b, ") VALUES(", 9))
		goto fail;
	for (int i = 1; i <= n; i++) {
		snprintf(num, sizeof(num), "%s?%d", i > 1 ? "," : "", i);
		if (dbuf_append(&b, num, strlen(num)))
			goto fail;
	}
	if (dbuf_append(&b, ")", 2)) /* with the NUL */
		goto fail;
	return (char *)b.p;
fail:
	dbuf_free(&b);
	return NULL;
}

static msw_err copy_table(PGconn *c, sqlite3 *db, int t, const char *filter)
{
	char *sel = NULL, *ins = insert_sql(copies[t].table, copies[t].cols);
	const char *params[1] = {filter};
	sqlite3_stmt *st = NULL;
	PGresult *r;
	msw_err rc = MSW_OK;

	if (!ins || asprintf(&sel, "SELECT %s FROM %s WHERE %s", copies[t].cols, copies[t].table,
			     copies[t].where) < 0) {
		free(ins);
		return MSW_ERR_NOMEM;
	}
	if (sqlite3_prepare_v2(db, ins, -1, &st, NULL) != SQLITE_OK ||
	    !PQsendQueryParams(c, sel, 1, NULL, params, NULL, NULL, 0) || !PQsetSingleRowMode(c))
		rc = MSW_ERR_IO;
	while (!rc && (r = PQgetResult(c))) {
		ExecStatusType s = PQresultStatus(r);

		if (s == PGRES_SINGLE_TUPLE) {
			for (int i = 0; i < PQnfields(r); i++) {
				if (PQgetisnull(r, 0, i))
					sqlite3_bind_null(st, i + 1);
				else
					sqlite3_bind_text(st, i + 1, PQgetvalue(r, 0, i), -1,
							  SQLITE_TRANSIENT);
			}
			if (sqlite3_step(st) != SQLITE_DONE)
				rc = MSW_ERR_IO;
			sqlite3_reset(st);
		} else if (s != PGRES_TUPLES_OK) {
			pg_err(c, copies[t].table);
			rc = MSW_ERR_USAGE;
		}
		PQclear(r);
	}
	while ((r = PQgetResult(c))) /* after an error: drain the rest */
		PQclear(r);
	sqlite3_finalize(st);
	free(sel);
	free(ins);
	return rc;
}

/* A new SQLite database with the SQLite sink's tables. */
static msw_err sqlite_with_tables(const char *path)
{
	struct sink s = {.ops = &sink_sqlite};
	msw_err rc = sink_sqlite.open(&s, path, NULL);

	if (s.priv)
		sink_sqlite.close(&s);
	return rc;
}

msw_err pg_copy_to_sqlite(const char *url, const char *filter, const char *path, bool rows)
{
	PGconn *c = pg_connect(url);
	sqlite3 *db = NULL;
	msw_err rc;

	if (!c)
		return MSW_ERR_USAGE;
	add_new_columns(c); /* a database an older version wrote: else its columns are missing */
	rc = sqlite_with_tables(path);
	if (!rc && sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
		rc = MSW_ERR_IO;
	if (!rc)
		sqlite3_exec(db, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=OFF; BEGIN", NULL,
			     NULL, NULL);
	for (size_t t = 0; t < sizeof(copies) / sizeof(copies[0]) && !rc; t++)
		if (rows || !strcmp(copies[t].table, "scans") || !strcmp(copies[t].table, "done"))
			rc = copy_table(c, db, (int)t, filter);
	if (!rc && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = MSW_ERR_IO;
	sqlite3_close(db);
	PQfinish(c);
	return rc;
}

/* The scan to resume: of those the pick matches (its run id and shard; NULL fields match
 * any), the newest that did not finish (no end, or ended by a signal: exit code 128 + n),
 * else the newest. */
static msw_err pick_scan(PGconn *c, const struct resume_pick *pick, char *scan_id, size_t cap)
{
	static const char sql[] =
		"SELECT scan_id FROM scans WHERE ($1::text IS NULL OR run_id = $1)"
		" AND ($2::text IS NULL OR shard = $2) ORDER BY (ended IS NULL OR exit_code IS NULL"
		" OR exit_code < 0 OR exit_code >= 128) DESC, started DESC LIMIT 1";
	const char *v[2] = {pick ? pick->run_id : NULL, pick ? pick->shard : NULL};
	PGresult *r = PQexecParams(c, sql, 2, NULL, v, NULL, NULL, 0);
	msw_err rc = MSW_ERR_USAGE;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
		snprintf(scan_id, cap, "%s", PQgetvalue(r, 0, 0));
		rc = MSW_OK;
	} else if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		pg_err(c, "no mqttsweep tables");
	}
	PQclear(r);
	return rc;
}

msw_err pg_resume_load(const char *url, const struct resume_pick *pick, char **scan_id,
		       uint64_t *seed, cJSON **argv_echo,
		       bool (**is_done)(void *arg, uint64_t index), void **arg,
		       struct resume_info *info)
{
	char sid[128], path[] = "/tmp/mqttsweep-resume-XXXXXX";
	PGconn *c = pg_connect(url);
	int fd;
	msw_err rc;

	if (!c)
		return MSW_ERR_USAGE;
	rc = pick_scan(c, pick, sid, sizeof(sid));
	PQfinish(c);
	if (rc && pick && (pick->run_id || pick->shard))
		fprintf(stderr, "mqttsweep: --resume: no scan of%s%s%s%s recorded in this database\n",
			pick->run_id ? " run " : "", pick->run_id ? pick->run_id : "",
			pick->shard ? " shard " : "", pick->shard ? pick->shard : "");
	else if (rc)
		fprintf(stderr, "mqttsweep: --resume: no scan recorded in this database\n");
	if (rc)
		return rc;
	if ((fd = mkstemp(path)) < 0)
		return MSW_ERR_IO;
	close(fd);
	/* the scan's row and its run's done markers (a run's shards share the target space) */
	rc = pg_copy_to_sqlite(url, sid, path, false);
	if (!rc)
		rc = output_resume_load(path, NULL, scan_id, seed, argv_echo, is_done, arg, info);
	unlink(path);
	return rc;
}
