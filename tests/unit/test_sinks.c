/* The output fan-out and every sink, with hostile broker strings and a sentinel secret:
 * JSON lines (schema-valid), SQLite (WAL, rows, done markers, resume), CSV (formula
 * defence), HTML (nothing executable from data), text (escapes shown, not executed),
 * metadata file (secrets masked), a failing sink (exit-3 path). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>
#include "base/config.h"
#include "classify/cls_result.h"
#include "probes/mqtt_access_rec.h"
#include "engine/engine.h"
#include "output/output.h"
#include "output/record.h"
#include "test_util.h"

#define SECRET "S3ntinelPa55word"
#define PSK "PSKsentinel4242"
#define URLPW "UrlSecret7777"
#define URLPW2 "Url@Secret@88"

static char dir[64];
static char *tgt[] = {"mqtt://bob:" URLPW "@127.0.0.1:1883", "mqtts://al:" URLPW2 "@127.0.0.2/x@y", NULL};

static char *path_in(const char *name)
{
	static char buf[8][512];
	static int k;
	char *p = buf[k++ % 8];

	snprintf(p, 512, "%s/%.200s", dir, name);
	return p;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n + 1);
	if (fread(b, 1, (size_t)n, f) != (size_t)n)
		n = 0;
	b[n] = 0;
	fclose(f);
	if (len)
		*len = (size_t)n;
	return b;
}

static bool file_has(const char *path, const char *needle)
{
	size_t n;
	char *b = slurp(path, &n);
	bool hit = b && memmem(b, n, needle, strlen(needle)) != NULL;

	free(b);
	return hit;
}

static void base_cfg(struct msw_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = MODE_AUDIT;
	c->depth = DEPTH_HOST;
	c->format = FORMAT_JSON;
	c->quiet = true;
	c->password = SECRET;
	c->username = "bob";
	c->psk = PSK;
	c->targets = tgt;
	c->ntargets = 2;
}

static void hostile_record(struct msw_record *r, const char *ip, uint16_t port)
{
	static const char *const topics[] = {
		"<script>alert(1)</script>", "\x1b]0;pwned\x07", "\x1b[2J", "=cmd|' /C calc'!A0",
		"\" onmouseover=\"alert(1)", "bad\xff\xfeutf8", "owntracks/jo/phone",
	};
	struct msw_finding f = {0};

	record_init(r, "mqtt");
	r->start_us = 1764091547000000LL;
	snprintf(r->ip, sizeof(r->ip), "%s", ip);
	r->port = port;
	r->status = ST_SUCCESS;
	r->mqtt = true;
	snprintf(r->mqtt_version, sizeof(r->mqtt_version), "3.1.1");
	r->auth = AUTH_ANONYMOUS;
	r->connack_code = 0;
	r->read_access = READ_GRANTED_WITH_DATA;
	r->broker_product = strdup("mosquitto");
	r->broker_version = strdup("2.0.11\x1b]0;pwned\x07<script>");
	for (size_t i = 0; i < sizeof(topics) / sizeof(topics[0]); i++) {
		struct msw_topic *t = record_topic(r, (const uint8_t *)topics[i], strlen(topics[i]), 100);
		t->retained = true;
		t->messages = 1;
		t->bytes = 10;
		mbytes_set(&t->sample, topics[i], strlen(topics[i]));
	}
	{
		/* 64 KB of escapes and markup, valid UTF-8: kept as text, escaped by each sink */
		size_t n = 65536;
		char *big = malloc(n);
		struct msw_topic *t;

		for (size_t i = 0; i < n; i++)
			big[i] = "\x1b[31m<b>\"'=\x07"[i % 12];
		t = record_topic(r, (const uint8_t *)big, n, 100);
		t->messages = 1;
		mbytes_set(&t->sample, big, n);
		free(big);
	}
	r->topic_count = r->retained_count = (uint32_t)r->topics.n;
	f.id = "owntracks.location";
	f.category = CAT_LOCATION;
	f.severity = SEV_CRITICAL;
	f.confidence = CONF_CONFIRMED;
	f.cwe = 359;
	mbytes_set(&f.topic, "owntracks/jo/phone", 18);
	f.title = "=HYPERLINK(\"http://x\") <script>alert(2)</script>";
	f.evidence = "password seen: " SECRET;   /* must be scrubbed everywhere */
	f.remediation = "\" onmouseover=\"alert(3)";
	f.reproduce = "mosquitto_sub -t '#'";
	record_add_finding(r, &f);
	mbytes_free(&f.topic);
	mbytes_set(&f.topic, topics[3], strlen(topics[3]));
	f.id = "generic.actuator";
	f.category = CAT_ACTUATOR_CONTROL;
	f.severity = SEV_HIGH;
	f.confidence = CONF_INFERRED;
	f.evidence = "-1+2";
	f.title = "@SUM(1)";
	record_add_finding(r, &f);
	mbytes_free(&f.topic);
	record_set_error(r, "peer said %s and %s and %s", PSK, URLPW, URLPW2);
}

/* A host record's summary (services[] and risk) as the engine attaches it: no services,
 * worst severity critical, the given chain. */
static void host_summary_block(struct msw_record *r, const char *chain)
{
	struct host_summary *h = record_block_new(r, &host_summary_table);

	assert_non_null(h);
	host_summary_init(h);
	h->worst = SEV_CRITICAL;
	h->chain = strdup(chain);
}

/* the engine's depth-host summary record */
static void host_record(struct msw_record *r, const char *ip)
{
	record_init(r, "host");
	r->kind = KIND_HOST;
	snprintf(r->ip, sizeof(r->ip), "%s", ip);
	r->status = ST_SUCCESS;
	host_summary_block(r, "mqtt:1883 anonymous [critical]");
}

static int redirect_stdout(const char *path)
{
	int saved = dup(STDOUT_FILENO);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	return saved;
}

static void restore_stdout(int saved)
{
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
}

static void run_scan(struct msw_config *cfg, const char *scan_id, uint64_t seed, int hosts)
{
	struct output *o;
	struct scan_stats stt = {0};
	struct msw_record r;
	char *argv[] = {"scan", "-P", SECRET, "--psk=" PSK, "-u", "bob", tgt[0], "--db", "x.db", tgt[1]};

	output_set_argv(10, argv);
	assert_int_equal(output_open(cfg, scan_id, seed, &o), MSW_OK);
	for (int h = 0; h < hosts; h++) {
		char ip[32];

		snprintf(ip, sizeof(ip), "127.0.0.%d", h + 1);
		hostile_record(&r, ip, 1883);
		assert_int_equal(output_record(o, &r), MSW_OK);
		record_free(&r);
		host_record(&r, ip);
		assert_int_equal(output_record(o, &r), MSW_OK);
		record_free(&r);
		struct scan_stats tally = {.hosts = 1, .targets_tried = 1, .mqtt = 1,
					   .anonymous = 1, .records = 2};
		tally.outcome[SO_SUCCESS] = 1;
		assert_int_equal(output_host_done(o, (uint64_t)h * 3, &tally), MSW_OK);
		scan_stats_add(&stt, &tally);
	}
	output_progress(o, &stt, 10);
	assert_int_equal(output_finish(o, &stt, 0), MSW_OK);
	assert_false(output_failed(o));
	output_close(o);
}

static int64_t q1(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static void check_no_secret_anywhere(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int files = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		files++;
		assert_false(file_has(path_in(e->d_name), SECRET));
		assert_false(file_has(path_in(e->d_name), PSK));
		assert_false(file_has(path_in(e->d_name), URLPW));
		assert_false(file_has(path_in(e->d_name), URLPW2));
		assert_false(file_has(path_in(e->d_name), "Secret@88"));
	}
	closedir(d);
	assert_true(files >= 6);
}

static void test_all_sinks(void **st)
{
	struct msw_config cfg;
	char cmd[1024];
	int saved;
	(void)st;

	base_cfg(&cfg);
	cfg.json_out = path_in("out.ndjson");
	cfg.db_path = path_in("scan.db");
	cfg.csv_out = path_in("out.csv");
	cfg.html_out = path_in("report.html");
	cfg.metadata_file = path_in("meta.json");
	saved = redirect_stdout(path_in("stdout.ndjson"));
	run_scan(&cfg, "scan-A", 123456789012345ULL, 3);
	restore_stdout(saved);

	check_no_secret_anywhere();
	/* JSON lines: stdout and -oJ, schema-valid */
	if (system("python3 -c 'import jsonschema' 2>/dev/null") == 0) {
		snprintf(cmd, sizeof(cmd), "python3 %s/tests/tools/validate_schema.py "
			 "%s/docs/record.schema.json %s %s", src_dir(), src_dir(),
			 path_in("out.ndjson"), path_in("stdout.ndjson"));
		assert_int_equal(system(cmd), 0);
		snprintf(cmd, sizeof(cmd), "python3 %s/tests/tools/validate_schema.py "
			 "%s/docs/scan.schema.json %s", src_dir(), src_dir(), path_in("meta.json"));
		assert_int_equal(system(cmd), 0);
	}
	assert_true(file_has(path_in("out.ndjson"), "\"topic_b64\""));
	assert_true(file_has(path_in("stdout.ndjson"), "\"ip\":\"127.0.0.3\""));
	assert_false(file_has(path_in("stdout.ndjson"), "mqttsweep.scan/1"));
	/* CSV: formulas defused, quotes doubled */
	assert_true(file_has(path_in("out.csv"), "\"'=cmd|' /C calc'!A0\""));
	assert_true(file_has(path_in("out.csv"), "\"'=HYPERLINK(\"\"http://x\"\")"));
	assert_false(file_has(path_in("out.csv"), ",\"=HYPERLINK"));
	assert_true(file_has(path_in("out.csv"), ",\"'-1+2\","));
	assert_true(file_has(path_in("out.csv"), ",\"'@SUM(1)\","));
	/* HTML: nothing executable from data */
	assert_false(file_has(path_in("report.html"), "<script"));
	assert_false(file_has(path_in("report.html"), "<SCRIPT"));
	assert_false(file_has(path_in("report.html"), "\" onmouseover"));
	assert_false(file_has(path_in("report.html"), "\x1b"));
	assert_true(file_has(path_in("report.html"), "&lt;script&gt;alert(1)"));
	assert_true(file_has(path_in("report.html"), "</html>"));
	/* metadata */
	{
		char *m = slurp(path_in("meta.json"), NULL);
		cJSON *j = cJSON_Parse(m);

		assert_non_null(j);
		assert_string_equal(cJSON_GetObjectItem(j, "schema")->valuestring, "mqttsweep.scan/1");
		assert_string_equal(cJSON_GetObjectItem(j, "seed")->valuestring, "123456789012345");
		assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "final")));
		{
			const cJSON *c = cJSON_GetObjectItem(j, "counts");
			const cJSON *mq = cJSON_GetObjectItem(c, "mqtt");

			assert_int_equal(cJSON_GetObjectItem(mq, "speaking")->valueint, 3);
			assert_int_equal(cJSON_GetObjectItem(mq, "anonymous")->valueint, 3);
			assert_int_equal(cJSON_GetObjectItem(mq, "other")->valueint, 0);
			assert_int_equal(cJSON_GetObjectItem(c, "targets_tried")->valueint, 3);
			assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(c, "outcomes"),
							     "success")->valueint, 3);
		}
		assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "opt_in"), "auth_probe")));
		assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "argv"), 2)->valuestring, "***");
		assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "argv"), 3)->valuestring,
				    "--psk=***");
		assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "argv"), 6)->valuestring,
				    "mqtt://bob:***@127.0.0.1:1883");
		assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(j, "argv"), 9)->valuestring,
				    "mqtts://al:***@127.0.0.2/x@y");
		cJSON_Delete(j);
		free(m);
	}
}

static void test_sqlite_and_resume(void **st)
{
	struct msw_config cfg;
	sqlite3 *db;
	char *sid;
	struct resume_info info;
	uint64_t seed;
	cJSON *av;
	bool (*is_done)(void *, uint64_t);
	void *arg;
	int saved;
	(void)st;

	/* scan.db from test_all_sinks */
	assert_int_equal(sqlite3_open(path_in("scan.db"), &db), SQLITE_OK);
	{
		sqlite3_stmt *s;
		sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL);
		assert_int_equal(sqlite3_step(s), SQLITE_ROW);
		assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
		sqlite3_finalize(s);
	}
	assert_int_equal(q1(db, "SELECT count(*) FROM services"), 6);
	assert_int_equal(q1(db, "SELECT count(*) FROM services WHERE kind = 'host' AND port = 0"), 3);
	assert_int_equal(q1(db, "SELECT count(*) FROM hosts WHERE risk_chain = 'mqtt:1883 anonymous [critical]'"
			     " AND services = 1 AND mqtt_services = 1 AND findings = 2"), 3);
	assert_int_equal(q1(db, "SELECT count(*) FROM topics"), 24);
	assert_int_equal(q1(db, "SELECT count(*) FROM topics WHERE length(topic) = 65536"), 3);
	assert_int_equal(q1(db, "SELECT count(*) FROM topics WHERE topic_b64 IS NOT NULL"), 3);
	assert_int_equal(q1(db, "SELECT count(*) FROM findings WHERE category = 'location'"), 3);
	assert_int_equal(q1(db, "SELECT count(*) FROM done WHERE scan_id = 'scan-A'"), 3);
	assert_int_equal(q1(db, "SELECT count(*) FROM hosts WHERE worst_severity = 'critical'"), 3);
	assert_int_equal(q1(db, "SELECT exit_code FROM scans WHERE scan_id = 'scan-A'"), 0);
	assert_int_equal(q1(db, "SELECT count(*) FROM services WHERE json LIKE '%\"schema\":\"mqttsweep.record/1\"%'"), 6);
	sqlite3_close(db);

	/* a pick no scan matches (scan-A has no run id and no shard) */
	{
		struct resume_pick none = {.run_id = "run-x", .shard = "1/2"};

		assert_int_equal(output_resume_load(path_in("scan.db"), &none, &sid, &seed, &av,
						    &is_done, &arg, &info),
				 MSW_ERR_USAGE);
		assert_null(sid);
	}
	assert_int_equal(output_resume_load(path_in("scan.db"), NULL, &sid, &seed, &av, &is_done,
					    &arg, &info),
			 MSW_OK);
	assert_string_equal(sid, "scan-A");
	/* the done markers carry the hosts' counts; the scan ended: nothing to resume */
	assert_true(info.finished);
	assert_int_equal(info.base.hosts, 3);
	assert_int_equal(info.base.targets_tried, 3);
	assert_int_equal(info.base.outcome[SO_SUCCESS], 3);
	assert_int_equal(info.base.anonymous, 3);
	assert_int_equal(info.base.records, 6);
	assert_true(seed == 123456789012345ULL);
	assert_true(cJSON_IsArray(av));
	assert_string_equal(cJSON_GetArrayItem(av, 0)->valuestring, "scan");
	assert_true(is_done(arg, 0));
	assert_true(is_done(arg, 3));
	assert_true(is_done(arg, 6));
	assert_false(is_done(arg, 1));
	assert_false(is_done(arg, 9));
	output_resume_free(arg);
	cJSON_Delete(av);

	/* resume: same scan id, host 127.0.0.1 again (replaced, not duplicated), one more */
	base_cfg(&cfg);
	cfg.resume_db = path_in("scan.db");
	saved = redirect_stdout(path_in("stdout2.ndjson"));
	run_scan(&cfg, sid, seed, 4);
	restore_stdout(saved);
	free(sid);
	assert_int_equal(sqlite3_open(path_in("scan.db"), &db), SQLITE_OK);
	assert_int_equal(q1(db, "SELECT count(*) FROM services"), 8);
	assert_int_equal(q1(db, "SELECT count(*) FROM topics"), 32);
	assert_int_equal(q1(db, "SELECT count(*) FROM findings"), 8);
	assert_int_equal(q1(db, "SELECT count(*) FROM done"), 4);
	assert_int_equal(q1(db, "SELECT count(*) FROM scans"), 1);
	assert_int_equal(q1(db, "SELECT resumes FROM scans"), 1);
	sqlite3_close(db);
	unlink(path_in("stdout2.ndjson"));
}

/* The access maps as the MQTT probe attaches them (mqtt_access_rec.h). */
static struct mqtt_access_rec *access_block(struct msw_record *r)
{
	struct mqtt_access_rec *x = record_block_new(r, &mqtt_access_table);

	assert_non_null(x);
	return x;
}

/* Append a row (filter, read and write words; no SUBACK code yet) to a map. */
static struct acl_rec_row *acl_row(struct acl_rec *a, const char *filter, const char *rd,
				   const char *wr)
{
	struct acl_rec_row *v = realloc(a->rows, (a->n + 1) * sizeof(*v)), *w;

	assert_non_null(v);
	a->rows = v;
	w = &v[a->n++];
	memset(w, 0, sizeof(*w));
	w->filter = strdup(filter);
	w->read = (uint8_t)fenum_lookup(&acl_read_enum, rd);
	w->write = (uint8_t)fenum_lookup(&acl_write_enum, wr);
	w->suback = w->puback = ACL_NO_CODE;
	return w;
}

/* The accounts list with n entries (mapped, authenticated). */
static struct access_account_rec *accounts_of(struct mqtt_access_rec *x, uint32_t n)
{
	x->accounts = calloc(n, sizeof(*x->accounts));
	assert_non_null(x->accounts);
	x->naccounts = n;
	for (uint32_t i = 0; i < n; i++) {
		x->accounts[i].mapped = true;
		x->accounts[i].auth = AUTH_AUTHENTICATED;
	}
	return x->accounts;
}

/* A record with the access maps of two accounts (alice's is also the record's own). */
static void acl_record(struct msw_record *r, const char *ip, const char *alice_home_write)
{
	struct mqtt_access_rec *x;
	struct access_account_rec *accs;

	record_init(r, "mqtt");
	snprintf(r->ip, sizeof(r->ip), "%s", ip);
	r->port = 1883;
	r->status = ST_SUCCESS;
	r->mqtt = true;
	r->auth = AUTH_AUTHENTICATED;
	x = access_block(r);
	x->mapped = true;
	acl_row(&x->acl, "home/#", "granted", alice_home_write);
	acl_row(&x->acl, "$SYS/#", "denied", "untested");
	accs = accounts_of(x, 2);
	for (int i = 0; i < 2; i++) {
		struct acl_rec *acl = &accs[i].acl;
		accs[i].user = strdup(i ? "bo'b\x1b" : "alice");
		acl_row(acl, "home/#", i ? "denied" : "granted", i ? "accepted" : alice_home_write)
			->suback = i ? 0x87 : 0;
		if (!i)
			acl_row(acl, "$SYS/#", "denied", "untested");
		else
			acl_row(acl, "owntracks/bob/#", "granted", "confirmed")->write_topic =
				strdup("owntracks/bob/mqttsweep-x");
	}
}

static void acl_scan(struct msw_config *cfg, const char *home_write)
{
	struct output *o;
	struct scan_stats stt = {0};
	struct msw_record r;

	assert_int_equal(output_open(cfg, "scan-acl", 7, &o), MSW_OK);
	acl_record(&r, "127.0.0.30", home_write);
	assert_int_equal(output_record(o, &r), MSW_OK);
	record_free(&r);
	/* a single identity: the record's own map, account NULL */
	acl_record(&r, "127.0.0.31", home_write);
	{
		struct mqtt_access_rec *x = record_block(&r, &mqtt_access_table);
		for (uint32_t i = 0; i < x->naccounts; i++) {
			free(x->accounts[i].user);
			acl_rec_free(&x->accounts[i].acl);
		}
		free(x->accounts);
		x->accounts = NULL;
		x->naccounts = 0;
	}
	assert_int_equal(output_record(o, &r), MSW_OK);
	record_free(&r);
	assert_int_equal(output_host_done(o, 0, &stt), MSW_OK);
	assert_int_equal(output_finish(o, &stt, 0), MSW_OK);
	output_close(o);
}

/* The access map in SQLite: one row per service, account and filter; a host probed again
 * on --resume replaces its rows; a database from before the table existed gets it on its
 * next open, filled from the records' stored JSON, once. */
static void test_sqlite_acl(void **st)
{
	struct msw_config cfg;
	sqlite3 *db;
	int saved;
	(void)st;

	unlink(path_in("acl.db"));
	base_cfg(&cfg);
	cfg.db_path = path_in("acl.db");
	saved = redirect_stdout(path_in("acl.ndjson"));
	acl_scan(&cfg, "confirmed");
	assert_int_equal(sqlite3_open(path_in("acl.db"), &db), SQLITE_OK);
	assert_int_equal(q1(db, "SELECT count(*) FROM acl"), 6);
	assert_int_equal(q1(db, "SELECT count(*) FROM acl WHERE ip = '127.0.0.30' AND account = 'alice'"
			     " AND account_index = 0 AND filter = 'home/#' AND read = 'granted'"
			     " AND write = 'confirmed' AND suback = 0 AND puback IS NULL"), 1);
	assert_int_equal(q1(db, "SELECT count(*) FROM acl WHERE account = 'bo''b' || char(27)"
			     " AND account_index = 1 AND filter = 'home/#' AND write = 'accepted'"
			     " AND suback = 135"), 1);
	assert_int_equal(q1(db, "SELECT count(*) FROM acl WHERE write_topic = 'owntracks/bob/mqttsweep-x'"), 1);
	assert_int_equal(q1(db, "SELECT count(*) FROM acl WHERE ip = '127.0.0.31' AND account IS NULL"
			     " AND account_index = 0"), 2);
	assert_int_equal(q1(db, "SELECT count(*) FROM acl a JOIN services s ON s.id = a.service_id"
			     " WHERE s.ip = a.ip AND s.scan_id = 'scan-acl'"), 6);
	sqlite3_close(db);

	/* --resume: the same hosts again, their rows replaced */
	cfg.resume_db = path_in("acl.db");
	acl_scan(&cfg, "denied");
	assert_int_equal(sqlite3_open(path_in("acl.db"), &db), SQLITE_OK);
	assert_int_equal(q1(db, "SELECT count(*) FROM acl"), 6);
	assert_int_equal(q1(db, "SELECT count(*) FROM acl WHERE write = 'confirmed'"), 1);
	assert_int_equal(q1(db, "SELECT count(*) FROM acl WHERE filter = 'home/#' AND account_index = 0"
			     " AND write = 'denied'"), 2);

	/* a database written before the table existed: the migration fills it */
	assert_int_equal(sqlite3_exec(db, "DROP TABLE acl", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO services(scan_id, ip, port, json) VALUES"
				      "('old', '127.0.0.32', 1883, 'not json'), ('old', '127.0.0.33', 1883,"
				      " '{\"acl\": {\"filter\": \"x\"}, \"accounts\": [{\"user\": null}, \"abc\", 5]}')",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	cfg.resume_db = NULL;
	acl_scan(&cfg, "confirmed");
	assert_int_equal(sqlite3_open(path_in("acl.db"), &db), SQLITE_OK);
	/* 6 from the records already stored, 6 from the new run, none from the odd rows */
	assert_int_equal(q1(db, "SELECT count(*) FROM acl"), 12);
	assert_int_equal(q1(db, "SELECT count(*) FROM acl WHERE write = 'denied' AND account_index = 0"
			     " AND filter = 'home/#'"), 2);
	assert_int_equal(q1(db, "SELECT count(DISTINCT service_id) FROM acl"), 4);
	sqlite3_close(db);
	/* opened once more: nothing filled twice */
	acl_scan(&cfg, "confirmed");
	assert_int_equal(sqlite3_open(path_in("acl.db"), &db), SQLITE_OK);
	assert_int_equal(q1(db, "SELECT count(*) FROM acl"), 18);
	sqlite3_close(db);
	restore_stdout(saved);
	unlink(path_in("acl.ndjson"));
	unlink(path_in("acl.db"));
	unlink(path_in("acl.db-wal"));
	unlink(path_in("acl.db-shm"));
}

static void test_text(void **st)
{
	struct msw_config cfg;
	struct output *o;
	struct msw_record r;
	struct scan_stats stt = {0};
	int saved;
	(void)st;

	base_cfg(&cfg);
	cfg.format = FORMAT_TEXT;
	saved = redirect_stdout(path_in("text.out"));
	assert_int_equal(output_open(&cfg, "scan-T", 1, &o), MSW_OK);
	hostile_record(&r, "127.0.0.9", 1883);
	assert_int_equal(output_record(o, &r), MSW_OK);
	record_free(&r);
	record_init(&r, "mqtt");
	snprintf(r.ip, sizeof(r.ip), "127.0.0.10");
	r.port = 1884;
	r.status = ST_CONNECTION_REFUSED;
	assert_int_equal(output_record(o, &r), MSW_OK);
	record_free(&r);
	/* granted '#' with nothing delivered: an ACL is only suggested when tagged so */
	for (int tagged = 0; tagged < 2; tagged++) {
		record_init(&r, "mqtt");
		snprintf(r.ip, sizeof(r.ip), "127.0.0.%d", 11 + tagged);
		r.port = 1883;
		r.status = ST_SUCCESS;
		r.mqtt = true;
		r.auth = AUTH_ANONYMOUS;
		r.read_access = READ_GRANTED_NO_DATA;
		if (tagged) {
			struct cls_result *cr = record_block_new(&r, &cls_result_table);
			assert_non_null(cr);
			assert_int_equal(strlist_add(&cr->tags, "acl_filtered", 12, CLS_RESULT_MAX_TAGS),
					 MSW_OK);
		}
		assert_int_equal(output_record(o, &r), MSW_OK);
		record_free(&r);
	}
	record_init(&r, "host");
	r.kind = KIND_HOST;
	snprintf(r.ip, sizeof(r.ip), "127.0.0.9");
	r.status = ST_SUCCESS;
	host_summary_block(&r, "mqtt:1883 anonymous [high] -> http:1880 [critical]\x1b[2J");
	assert_int_equal(output_record(o, &r), MSW_OK);
	record_free(&r);
	assert_int_equal(output_finish(o, &stt, 0), MSW_OK);
	output_close(o);
	restore_stdout(saved);
	if (getenv("MSW_DEBUG")) { char *t = slurp(path_in("text.out"), NULL); fputs(t, stderr); free(t); }
	assert_true(file_has(path_in("text.out"), "127.0.0.9:1883 mosquitto 2.0.11\\x1b]0;pwned\\x07<script> "));
	assert_true(file_has(path_in("text.out"), "anyone can connect without a password and read 8 topics, including people's locations and devices anyone could switch or open (critical)"));
	assert_true(file_has(path_in("text.out"), "127.0.0.10:1884 \xe2\x80\x94 connection refused"));
	assert_true(file_has(path_in("text.out"), "127.0.0.11:1883 \xe2\x80\x94 anyone can connect without a password, but subscribing to everything delivered nothing beyond the broker's own statistics"));
	assert_true(file_has(path_in("text.out"), "127.0.0.12:1883 \xe2\x80\x94 anyone can connect without a password, but subscribing to everything delivered nothing although the broker reports stored messages (deliveries are likely filtered by an ACL)"));
	assert_true(file_has(path_in("text.out"), "127.0.0.9 host \xe2\x80\x94 open doors: mqtt:1883 anonymous [high] -> http:1880 [critical]\\x1b[2J (critical)"));
	assert_false(file_has(path_in("text.out"), "\x1b"));
	assert_false(file_has(path_in("text.out"), "\x07"));
	assert_false(file_has(path_in("text.out"), SECRET));
	unlink(path_in("text.out"));
}

/* The access map as a terminal table: one account in words; several side by side, one
 * column each (a filter only some accounts have is blank for the others); account names
 * and filters escaped, a long name cut at a character, never inside a UTF-8 sequence. */
static void test_text_acl(void **st)
{
	struct msw_config cfg;
	struct output *o;
	struct msw_record r;
	struct scan_stats stt = {0};
	static const char *const users[3] = {"reader", "\x1b[31mw\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", NULL};
	int saved;
	char *out;
	(void)st;

	base_cfg(&cfg);
	cfg.format = FORMAT_TEXT;
	cfg.details = true; /* audit's default: the map is a detail */
	saved = redirect_stdout(path_in("acl.out"));
	assert_int_equal(output_open(&cfg, "scan-A", 1, &o), MSW_OK);
	record_init(&r, "mqtt");
	snprintf(r.ip, sizeof(r.ip), "127.0.0.20");
	r.port = 1883;
	r.status = ST_SUCCESS;
	r.mqtt = true;
	r.auth = AUTH_AUTHENTICATED;
	{
		struct mqtt_access_rec *x = access_block(&r);
		x->mapped = true;
		acl_row(&x->acl, "mqttsweep/abc/proof", "granted", "confirmed");
		acl_row(&x->acl, "home/#", "granted", "denied");
		acl_row(&x->acl, "$SYS/#\x1b]0;x\x07", "denied", "untested");
	}
	assert_int_equal(output_record(o, &r), MSW_OK);
	record_free(&r);

	record_init(&r, "mqtt");
	snprintf(r.ip, sizeof(r.ip), "127.0.0.21");
	r.port = 1883;
	r.status = ST_SUCCESS;
	r.mqtt = true;
	r.auth = AUTH_AUTHENTICATED;
	{
		struct access_account_rec *accs = accounts_of(access_block(&r), 3);
		for (int i = 0; i < 3; i++) {
			struct acl_rec *acl = &accs[i].acl;
			accs[i].user = users[i] ? strdup(users[i]) : NULL;
			acl_row(acl, "home/#", i == 0 ? "granted" : "denied", i == 1 ? "accepted" : "denied");
			if (i == 1)
				acl_row(acl, "owntracks/w/#", "granted", "confirmed");
			acl_row(acl, "$SYS/#", i == 2 ? "granted" : "unknown", "untested");
		}
	}
	assert_int_equal(output_record(o, &r), MSW_OK);
	record_free(&r);
	assert_int_equal(output_finish(o, &stt, 0), MSW_OK);
	output_close(o);
	restore_stdout(saved);
	out = slurp(path_in("acl.out"), NULL);
	assert_non_null(out);
	if (getenv("MSW_DEBUG"))
		fputs(out, stderr);
	/* one account, in words */
	assert_non_null(strstr(out, "  what this account may do:\n"));
	assert_non_null(strstr(out, "    filter                                  read      write\n"));
	assert_non_null(strstr(out, "    mqttsweep/abc/proof                     granted   confirmed\n"));
	assert_non_null(strstr(out, "    home/#                                  granted   denied\n"));
	assert_non_null(strstr(out, "    $SYS/#\\x1b]0;x\\x07                      denied    untested\n"));
	/* three accounts: the escaped name cut after 24 characters (whole é's); the rows of
	 * the first account, then those only later ones have */
	assert_non_null(strstr(out, "  what each account may do:\n"));
	assert_non_null(strstr(out, "    filter                                  reader  \\x1b[31mw\xc3\xa9\xc3\xa9\xc3\xa9"
				    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
				    "\xc3\xa9\xc3\xa9  (anonymous)  \n"));
	assert_non_null(strstr(out, "  \n    home/#                                  R-      -w                        --           \n"
				    "    $SYS/#                                  ??      ??                        R?           \n"
				    "    owntracks/w/#                                   RW                                     \n"));
	assert_non_null(strstr(out, "(read: R granted, - denied, ? unknown; write: W confirmed, w accepted, - denied, ? untested)"));
	assert_null(strchr(out, '\x1b'));
	assert_null(strchr(out, '\x07'));
	free(out);
	unlink(path_in("acl.out"));
}

static void test_failing_sink(void **st)
{
	struct msw_config cfg;
	struct output *o;
	struct msw_record r;
	struct scan_stats stt = {0};
	sqlite3 *db;
	int saved;
	(void)st;

	base_cfg(&cfg);
	cfg.json_out = path_in("no/such/dir/out.ndjson");
	assert_int_equal(output_open(&cfg, "scan-F", 1, &o), MSW_ERR_SINK);
	assert_null(o);

	/* a sink that fails mid-scan: the others go on, output_failed() says so */
	cfg.json_out = "/dev/full";
	cfg.db_path = path_in("fail.db");
	saved = redirect_stdout(path_in("stdout3.ndjson"));
	assert_int_equal(output_open(&cfg, "scan-F", 1, &o), MSW_OK);
	hostile_record(&r, "127.0.0.5", 1883);
	assert_int_equal(output_record(o, &r), MSW_ERR_SINK);
	assert_true(output_failed(o));
	assert_int_equal(output_record(o, &r), MSW_ERR_SINK);
	record_free(&r);
	assert_int_equal(output_finish(o, &stt, 3), MSW_ERR_SINK);
	output_close(o);
	restore_stdout(saved);
	assert_int_equal(sqlite3_open(path_in("fail.db"), &db), SQLITE_OK);
	assert_int_equal(q1(db, "SELECT count(*) FROM services"), 2);
	assert_int_equal(q1(db, "SELECT exit_code FROM scans"), 3);
	sqlite3_close(db);
	unlink(path_in("stdout3.ndjson"));
}

static int setup(void **st)
{
	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/msw_sinks_XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **st)
{
	char cmd[128];
	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A secret holding characters JSON escapes (" \ control) must still be scrubbed: the
 * last line of defence once looked for it in the printed JSON, where it is escaped. */
static void test_secret_needing_json_escape(void **st)
{
	static const char *const pws[] = {"Qu\"otePass99", "Back\\slash77", "Tab\tPass55"};
	(void)st;

	for (size_t i = 0; i < sizeof(pws) / sizeof(pws[0]); i++) {
		struct msw_config cfg;
		struct scan_stats stt = {0};
		struct output *o;
		struct msw_record r;
		char *txt, *esc;
		cJSON *js;

		base_cfg(&cfg);
		cfg.password = (char *)pws[i];
		cfg.ntargets = 0;
		cfg.json_out = path_in("esc.ndjson");
		output_set_argv(0, NULL);
		assert_int_equal(output_open(&cfg, "scan-E", 1, &o), MSW_OK);
		record_init(&r, "mqtt");
		snprintf(r.ip, sizeof(r.ip), "127.0.0.9");
		r.port = 1883;
		record_set_error(&r, "broker echoed our password: %s", pws[i]);
		assert_int_equal(output_record(o, &r), MSW_OK);
		record_free(&r);
		assert_int_equal(output_finish(o, &stt, 0), MSW_OK);
		output_close(o);
		js = cJSON_CreateString(pws[i]);
		txt = cJSON_PrintUnformatted(js);   /* "..." with the JSON escapes */
		esc = strndup(txt + 1, strlen(txt) - 2);
		assert_false(file_has(path_in("esc.ndjson"), esc));
		assert_true(file_has(path_in("esc.ndjson"), "broker echoed our password: ***"));
		free(esc);
		cJSON_free(txt);
		cJSON_Delete(js);
		unlink(path_in("esc.ndjson"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_sinks),
		cmocka_unit_test(test_sqlite_and_resume),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_text_acl),
		cmocka_unit_test(test_sqlite_acl),
		cmocka_unit_test(test_failing_sink),
		cmocka_unit_test(test_secret_needing_json_escape),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
