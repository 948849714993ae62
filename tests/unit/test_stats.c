/* `mqttsweep stats` over a small database written by the real SQLite sink: every metric
 * checked against a population built by hand (brokers, people located, the host chain). */
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
#include "base/config.h"
#include "classify/cls_result.h"
#include "probes/mqtt_access_rec.h"
#include "engine/engine.h"
#include "output/output.h"
#include "output/record.h"
#include "output/stats.h"
#include <cjson/cJSON.h>
#include "test_util.h"

static char dir[64], dbpath[128], outpath[128];

static void add_finding(struct msw_record *r, enum msw_category c, enum msw_severity s,
			const char *topic)
{
	struct msw_finding f = {0};

	f.id = "test.finding";
	f.category = c;
	f.severity = s;
	f.confidence = CONF_CONFIRMED;
	f.cwe = 306;
	f.title = "test";
	if (topic)
		mbytes_set(&f.topic, topic, strlen(topic));
	assert_non_null(record_add_finding(r, &f));
	mbytes_free(&f.topic);
}

static void rec(struct output *o, const char *probe, const char *ip, uint16_t port,
		enum msw_status st, bool mqtt, enum msw_auth auth, void (*more)(struct msw_record *))
{
	struct msw_record r;

	record_init(&r, probe);
	snprintf(r.ip, sizeof(r.ip), "%s", ip);
	r.port = port;
	r.status = st;
	r.mqtt = mqtt;
	r.auth = auth;
	if (mqtt)
		snprintf(r.mqtt_version, sizeof(r.mqtt_version), "3.1.1");
	if (more)
		more(&r);
	assert_int_equal(output_record(o, &r), MSW_OK);
	record_free(&r);
}

static void home(struct msw_record *r)
{
	r->read_access = READ_GRANTED_WITH_DATA;
	add_finding(r, CAT_LOCATION, SEV_CRITICAL, "owntracks/alice/phone");
	add_finding(r, CAT_LOCATION, SEV_CRITICAL, "owntracks/alice/phone/event");
	add_finding(r, CAT_LOCATION, SEV_CRITICAL, "owntracks/bob/tablet");
	add_finding(r, CAT_DOOR_STATE, SEV_CRITICAL, "zigbee2mqtt/front_door");
	add_finding(r, CAT_ACTUATOR_CONTROL, SEV_CRITICAL, "homeassistant/cover/garage/config");
	add_finding(r, CAT_ACTUATOR_CONTROL, SEV_HIGH, "cmnd/plug/POWER");
	add_finding(r, CAT_BROKER_INFO, SEV_INFO, "$SYS/broker/version");
}

static void dash(struct msw_record *r) { add_finding(r, CAT_DASHBOARD, SEV_CRITICAL, NULL); }
/* an MQTT Dash export retained on the broker: a dashboard published on the broker */
static void mqtt_dash(struct msw_record *r)
{
	r->read_access = READ_GRANTED_WITH_DATA;
	add_finding(r, CAT_DASHBOARD, SEV_HIGH, "metrics/exchange");
}
/* the credentials given read data */
static void read_data(struct msw_record *r)
{
	r->read_access = READ_GRANTED_WITH_DATA;
	add_finding(r, CAT_LOCATION, SEV_CRITICAL, "owntracks/carol/phone");
}
static void dash_login(struct msw_record *r) { add_finding(r, CAT_DASHBOARD, SEV_INFO, NULL); }

static void share(struct msw_record *r)
{
	add_finding(r, CAT_FILE_SHARE, SEV_CRITICAL, NULL);
	add_finding(r, CAT_CREDENTIAL, SEV_CRITICAL, NULL);
}

static void build_db(void)
{
	struct msw_config cfg;
	struct output *o;
	struct scan_stats st = {0};

	memset(&cfg, 0, sizeof(cfg));
	cfg.format = FORMAT_JSON;
	cfg.quiet = true;
	cfg.db_path = dbpath;
	cfg.json_out = "/dev/null";
	cfg.format = FORMAT_TEXT;
	{
		int saved = dup(1), fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		close(fd);
		assert_int_equal(output_open(&cfg, "scan-S", 7, &o), MSW_OK);
		rec(o, "mqtt", "127.0.0.1", 1883, ST_SUCCESS, true, AUTH_ANONYMOUS, home);
		rec(o, "mqtt", "127.0.0.2", 1883, ST_SUCCESS, true, AUTH_CREDENTIALS_REQUIRED, NULL);
		rec(o, "http", "127.0.0.2", 8123, ST_SUCCESS, false, AUTH_UNKNOWN, dash);
		rec(o, "smb", "127.0.0.2", 445, ST_SUCCESS, false, AUTH_UNKNOWN, share);
		rec(o, "mqtt", "127.0.0.3", 1883, ST_SUCCESS, true, AUTH_ANY_CREDENTIALS, NULL);
		rec(o, "http", "127.0.0.3", 3000, ST_SUCCESS, false, AUTH_UNKNOWN, dash_login);
		rec(o, "mqtt", "127.0.0.4", 1883, ST_CONNECTION_REFUSED, false, AUTH_UNKNOWN, NULL);
		rec(o, "mqtt", "127.0.0.5", 1883, ST_PROTOCOL_ERROR, false, AUTH_UNKNOWN, NULL);
		/* one broker seen twice: refused anonymously, then logged in with -u/-P (one
		 * broker, one verdict: asking for credentials, of which logged in) */
		rec(o, "mqtt", "127.0.0.6", 1883, ST_SUCCESS, true, AUTH_CREDENTIALS_REQUIRED, NULL);
		rec(o, "mqtt", "127.0.0.6", 1883, ST_SUCCESS, true, AUTH_AUTHENTICATED, read_data);
		rec(o, "mqtt", "127.0.0.7", 1883, ST_SUCCESS, true, AUTH_ANONYMOUS, mqtt_dash);
		st.targets_tried = 10;
		st.connected = 9;
		assert_int_equal(output_finish(o, &st, 0), MSW_OK);
		output_close(o);
		fflush(stdout);
		dup2(saved, 1);
		close(saved);
	}
}

static int run_stats(char **argv, int argc)
{
	int saved = dup(1), fd = open(outpath, O_WRONLY | O_CREAT | O_TRUNC, 0600), rc;

	fflush(stdout);
	dup2(fd, 1);
	close(fd);
	rc = stats_main(argc, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	return rc;
}

static cJSON *read_json(void)
{
	FILE *f = fopen(outpath, "r");
	static char buf[65536];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);

	fclose(f);
	buf[n] = 0;
	return cJSON_Parse(buf);
}

static double metric(cJSON *j, const char *k, const char *field)
{
	cJSON *m = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metrics"), k);
	cJSON *v = cJSON_GetObjectItem(m, field);

	assert_non_null(v);
	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static void test_stats_json(void **st)
{
	char *argv[] = {"stats", dbpath, "--format", "json"};
	cJSON *j;
	static const struct { const char *k; double v; } want[] = {
		{"targets_tried", 10}, {"connected", 9}, {"speaking_mqtt", 5}, {"anonymous", 2},
		{"any_credentials", 1}, {"password_protected", 2}, {"authenticated", 1},
		{"other_verdicts", 0}, {"readable", 2}, {"readable_with_credentials", 1},
		/* carol's location was read with credentials: not a leak to anyone */
		{"brokers_leaking_location", 1}, {"people_located", 2}, {"door_lock_state", 1},
		{"operable_actuators", 1}, {"actuators", 2}, {"leaking_credentials", 1},
		{"hosts", 6}, {"dashboards_open", 1}, {"dashboards_on_broker", 1},
		{"file_shares_open", 1}, {"full_chain", 1}, {"protected_broker_open_dashboard", 1},
		{"acl_mapped", 0}, {"acl_writable", 0},
	};
	(void)st;

	build_db();
	assert_int_equal(run_stats(argv, 4), 0);
	j = read_json();
	assert_non_null(j);
	assert_string_equal(cJSON_GetObjectItem(j, "schema")->valuestring, "mqttsweep.stats/1");
	assert_int_equal(cJSON_GetObjectItem(j, "targets_tried")->valueint, 10);
	assert_int_equal(cJSON_GetObjectItem(j, "scans")->valueint, 1);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (metric(j, want[i].k, "count") != want[i].v)
			fail_msg("%s: %g, expected %g", want[i].k, metric(j, want[i].k, "count"), want[i].v);
	}
	assert_true(metric(j, "connected", "percent") == 90.0);
	assert_true(metric(j, "anonymous", "percent") == 40.0);
	assert_true(metric(j, "authenticated", "percent") == 50.0); /* of asking for credentials */
	assert_true(metric(j, "full_chain", "percent") == 16.7);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metrics"),
					       "anonymous"), "of")->valuestring, "speaking_mqtt");
	/* one population adds up to 100 %: every broker has one verdict */
	assert_true(metric(j, "anonymous", "percent") + metric(j, "any_credentials", "percent") +
			    metric(j, "password_protected", "percent") +
			    metric(j, "other_verdicts", "percent") == 100.0);
	/* the per-host picture: only 127.0.0.2 has broker + dashboard + share */
	{
		cJSON *hosts = cJSON_GetObjectItem(j, "hosts"), *h = cJSON_GetArrayItem(hosts, 0);

		assert_int_equal(cJSON_GetArraySize(hosts), 1);
		assert_string_equal(cJSON_GetObjectItem(h, "ip")->valuestring, "127.0.0.2");
		assert_true(cJSON_IsTrue(cJSON_GetObjectItem(h, "full_chain")));
		assert_string_equal(cJSON_GetObjectItem(h, "worst_severity")->valuestring, "critical");
		assert_int_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(h, "findings_by_category"),
						     "file_share")->valueint, 1);
	}
	cJSON_Delete(j);
}

static void test_stats_text_and_filters(void **st)
{
	char *argv[] = {"stats", dbpath};
	char *argv_scan[] = {"stats", dbpath, "--scan", "other", "--format", "json"};
	char *bad1[] = {"stats"};
	char *bad2[] = {"stats", "/nonexistent/x.db"};
	char *bad3[] = {"stats", dbpath, "--format", "xml"};
	cJSON *j;
	FILE *f;
	char line[256];
	bool seen = false;
	(void)st;

	assert_int_equal(run_stats(argv, 2), 0);
	f = fopen(outpath, "r");
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, "open to anyone") && strstr(line, " 2 ") &&
		    strstr(line, " 40.0% of brokers speaking MQTT)"))
			seen = true;
		/* every share names its population in the words of its line */
		if (strchr(line, '%') && !strstr(line, "% of targets tried)") &&
		    !strstr(line, "% of brokers speaking MQTT)") &&
		    !strstr(line, "% of brokers asking for credentials)") &&
		    !strstr(line, "% of hosts with a service)"))
			fail_msg("a share without its population: %s", line);
	}
	fclose(f);
	assert_true(seen);
	seen = false;
	f = fopen(outpath, "r");
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "127.0.0.2: dashboard open share open (full chain) worst critical"))
			seen = true;
		else if (strstr(line, "127.0.0.7:")) /* its dashboard is on the broker, not the host */
			fail_msg("host with an MQTT Dash export listed as a dashboard host: %s", line);
	fclose(f);
	assert_true(seen);
	assert_int_equal(run_stats(argv_scan, 6), 0);
	j = read_json();
	assert_int_equal(cJSON_GetObjectItem(j, "scans")->valueint, 0);
	assert_true(metric(j, "speaking_mqtt", "count") == 0);
	cJSON_Delete(j);
	assert_int_equal(run_stats(bad1, 1), 2);
	assert_int_equal(run_stats(bad2, 2), 2);
	assert_int_equal(run_stats(bad3, 4), 2);
	/* a database that is not ours */
	{
		char *other[] = {"stats", outpath};
		assert_int_equal(run_stats(other, 2), 2);
	}
}

/* ---- possible honeypots: repeated retained sets and $SYS identities ---- */

static void hp_rec(struct output *o, const char *ip, uint16_t port, enum msw_transport tr,
		   const char *fp, int n, const char *id)
{
	struct msw_record r;

	record_init(&r, "mqtt");
	snprintf(r.ip, sizeof(r.ip), "%s", ip);
	r.port = port;
	r.transport = tr;
	r.status = ST_SUCCESS;
	r.mqtt = true;
	r.auth = AUTH_ANONYMOUS;
	snprintf(r.mqtt_version, sizeof(r.mqtt_version), "3.1.1");
	if (fp || id) { /* what the classifier attaches */
		struct cls_result *cr = record_block_new(&r, &cls_result_table);
		assert_non_null(cr);
		for (size_t i = 0; fp && i < sizeof(cr->retained.hash); i++)
			cr->retained.hash[i] = (uint8_t)(hexval(fp[2 * i]) << 4 | hexval(fp[2 * i + 1]));
		cr->retained.n = fp ? (uint32_t)n : 0;
		cr->sys_identity = id ? strdup(id) : NULL;
	}
	assert_int_equal(output_record(o, &r), MSW_OK);
	record_free(&r);
}

static void test_stats_honeypots(void **st)
{
	static const char F1[] = "11111111111111111111111111111111",
			  F2[] = "22222222222222222222222222222222",
			  F3[] = "33333333333333333333333333333333",
			  F4[] = "44444444444444444444444444444444";
	char db[160], *argv[] = {"stats", db, "--format", "json"}, *argv_t[] = {"stats", db};
	struct msw_config cfg;
	struct output *o;
	struct scan_stats ss = {0};
	cJSON *j;
	char line[256];
	bool seen = false;
	FILE *f;
	(void)st;

	snprintf(db, sizeof(db), "%s/hp.db", dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.quiet = true;
	cfg.db_path = db;
	cfg.json_out = "/dev/null";
	cfg.format = FORMAT_JSON;
	int saved = dup(1), fd = open("/dev/null", O_WRONLY);
	dup2(fd, 1);
	close(fd);
	assert_int_equal(output_open(&cfg, "scan-H", 9, &o), MSW_OK);
	/* one retained set on three addresses (one of them twice, TLS too): suspicious */
	hp_rec(o, "127.0.1.1", 1883, TRANSPORT_TCP, F1, 5, NULL);
	hp_rec(o, "127.0.1.1", 8883, TRANSPORT_TLS, F1, 5, NULL);
	hp_rec(o, "127.0.1.2", 1883, TRANSPORT_TCP, F1, 5, NULL);
	hp_rec(o, "127.0.1.3", 1883, TRANSPORT_TCP, F1, 5, NULL);
	/* two addresses only; a trivial set on three: not */
	hp_rec(o, "127.0.1.4", 1883, TRANSPORT_TCP, F2, 5, NULL);
	hp_rec(o, "127.0.1.5", 1883, TRANSPORT_TCP, F2, 5, NULL);
	hp_rec(o, "127.0.1.6", 1883, TRANSPORT_TCP, F3, 1, NULL);
	hp_rec(o, "127.0.1.7", 1883, TRANSPORT_TCP, F3, 1, NULL);
	hp_rec(o, "127.0.1.8", 1883, TRANSPORT_TCP, F3, 1, NULL);
	/* one configured node name on three addresses: suspicious; a container default: not */
	hp_rec(o, "127.0.1.9", 1883, TRANSPORT_TCP, NULL, 0, "emqx@10.9.8.7");
	hp_rec(o, "127.0.1.10", 1883, TRANSPORT_TCP, NULL, 0, "emqx@10.9.8.7");
	hp_rec(o, "127.0.1.11", 1883, TRANSPORT_TCP, F4, 5, "emqx@10.9.8.7");
	hp_rec(o, "127.0.1.12", 1883, TRANSPORT_TCP, NULL, 0, "emqx@127.0.0.1");
	hp_rec(o, "127.0.1.13", 1883, TRANSPORT_TCP, NULL, 0, "emqx@127.0.0.1");
	hp_rec(o, "127.0.1.14", 1883, TRANSPORT_TCP, NULL, 0, "emqx@127.0.0.1");
	ss.targets_tried = 15;
	assert_int_equal(output_finish(o, &ss, 0), MSW_OK);
	output_close(o);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);

	assert_int_equal(run_stats(argv, 4), 0);
	j = read_json();
	assert_non_null(j);
	assert_true(metric(j, "speaking_mqtt", "count") == 15);
	/* F1: 4 brokers on 3 addresses; the identity: 3 brokers (.11, unique set, through it) */
	if (metric(j, "possible_honeypots", "count") != 7)
		fail_msg("possible_honeypots %g", metric(j, "possible_honeypots", "count"));
	assert_true(metric(j, "possible_honeypots", "percent") == 46.7);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "metrics"),
					       "possible_honeypots"), "of")->valuestring, "speaking_mqtt");
	cJSON_Delete(j);
	assert_int_equal(run_stats(argv_t, 2), 0);
	f = fopen(outpath, "r");
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "Possible honeypots") && strstr(line, " 7 ") && strstr(line, "46.7%"))
			seen = true;
	fclose(f);
	assert_true(seen);
	/* the population of test_stats_json has none */
	argv[1] = dbpath;
	assert_int_equal(run_stats(argv, 4), 0);
	j = read_json();
	assert_true(metric(j, "possible_honeypots", "count") == 0);
	cJSON_Delete(j);
}

/* Two rows ("#", "home/#"), read denied, with these write verdicts (the probe's map,
 * mqtt_access_rec.h). */
static void acl_rows(struct acl_rec *a, const char *w1, const char *w2)
{
	const char *w[2] = {w1, w2};

	assert_int_equal(acl_rec_alloc(a, 2), MSW_OK);
	for (int i = 0; i < 2; i++) {
		a->rows[i].filter = strdup(i ? "home/#" : "#");
		a->rows[i].read = ACL_READ_DENIED;
		a->rows[i].write = (uint8_t)fenum_lookup(&acl_write_enum, w[i]);
		a->rows[i].suback = a->rows[i].puback = ACL_NO_CODE;
	}
}

static struct mqtt_access_rec *access_block(struct msw_record *r)
{
	struct mqtt_access_rec *x = record_block_new(r, &mqtt_access_table);

	assert_non_null(x);
	x->mapped = true;
	return x;
}

/* one account, nothing writable */
static void map_denied(struct msw_record *r)
{
	acl_rows(&access_block(r)->acl, "denied", "untested");
}

/* two accounts, the second one's write test under home/# accepted */
static void map_accepted(struct msw_record *r)
{
	struct mqtt_access_rec *x = access_block(r);

	acl_rows(&x->acl, "denied", "denied");
	x->accounts = calloc(2, sizeof(*x->accounts));
	assert_non_null(x->accounts);
	x->naccounts = 2;
	for (int i = 0; i < 2; i++) {
		x->accounts[i].user = strdup(i ? "writer" : "reader");
		x->accounts[i].auth = AUTH_AUTHENTICATED;
		x->accounts[i].mapped = true;
		acl_rows(&x->accounts[i].acl, "denied", i ? "accepted" : "denied");
	}
}

/* The access map's numbers come from the acl table: brokers mapped, brokers where a
 * write of ours was confirmed or accepted by any account; a database from before the
 * table existed reads as none (not as an error). */
static void test_stats_acl(void **st)
{
	char path[160];
	char *argv[] = {"stats", path, "--format", "json"};
	struct msw_config cfg;
	struct output *o;
	struct scan_stats ss = {0};
	sqlite3 *db;
	cJSON *j;
	int saved = dup(1), fd = open("/dev/null", O_WRONLY);
	(void)st;

	snprintf(path, sizeof(path), "%s/acl.db", dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.quiet = true;
	cfg.db_path = path;
	cfg.json_out = "/dev/null";
	cfg.format = FORMAT_TEXT;
	dup2(fd, 1);
	close(fd);
	assert_int_equal(output_open(&cfg, "scan-M", 7, &o), MSW_OK);
	rec(o, "mqtt", "127.0.2.1", 1883, ST_SUCCESS, true, AUTH_AUTHENTICATED, map_denied);
	rec(o, "mqtt", "127.0.2.2", 1883, ST_SUCCESS, true, AUTH_AUTHENTICATED, map_accepted);
	rec(o, "mqtt", "127.0.2.3", 1883, ST_SUCCESS, true, AUTH_ANONYMOUS, NULL);
	rec(o, "mqtt", "127.0.2.4", 1883, ST_SUCCESS, true, AUTH_ANONYMOUS, NULL);
	ss.targets_tried = 4;
	assert_int_equal(output_finish(o, &ss, 0), MSW_OK);
	output_close(o);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);

	assert_int_equal(run_stats(argv, 4), 0);
	j = read_json();
	assert_non_null(j);
	assert_true(metric(j, "acl_mapped", "count") == 2);
	assert_true(metric(j, "acl_mapped", "percent") == 50.0);
	assert_true(metric(j, "acl_writable", "count") == 1);
	assert_true(metric(j, "acl_writable", "percent") == 25.0);
	cJSON_Delete(j);

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DROP TABLE acl", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(run_stats(argv, 4), 0);
	j = read_json();
	assert_non_null(j);
	assert_true(metric(j, "acl_mapped", "count") == 0);
	assert_true(metric(j, "speaking_mqtt", "count") == 4);
	cJSON_Delete(j);
}

static int setup(void **st)
{
	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/msw_stats_XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/s.db", dir);
	snprintf(outpath, sizeof(outpath), "%s/out.txt", dir);
	return 0;
}

static int teardown(void **st)
{
	char cmd[128];
	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_json),
		cmocka_unit_test(test_stats_text_and_filters),
		cmocka_unit_test(test_stats_honeypots),
		cmocka_unit_test(test_stats_acl),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
