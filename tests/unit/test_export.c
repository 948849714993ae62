/* CERT exports over hand-made stored records: Shadowserver's column lists compared with
 * the reference lists column for column, the severity rules, the IPv6 report names, CSV
 * escaping of hostile strings (quotes, newlines, formula-leading characters, bytes that
 * are not UTF-8), records whose fields have the wrong types, and JSON output that stays
 * valid UTF-8 whatever the database holds. The records are JSON rows written with SQL,
 * as an edited or corrupted database would hold them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <cjson/cJSON.h>
#include "output/export.h"
#include "output/export_cols.h"
#include "output/record.h"

/* Shadowserver report_schema reports.json, scan_mqtt (2026-03-24), in order. */
static const char *const ref_scan_mqtt[] = {
	"timestamp", "severity", "ip", "protocol", "port", "hostname", "tag", "asn", "geo",
	"region", "city", "naics", "hostname_source", "sector", "anonymous_access",
	"raw_response", "hex_code", "code", "cipher_suite", "cert_length",
	"subject_common_name", "issuer_common_name", "cert_issue_date", "cert_expiration_date",
	"sha1_fingerprint", "sha256_fingerprint", "sha512_fingerprint", "md5_fingerprint",
	"cert_serial_number", "ssl_version", "signature_algorithm", "key_algorithm",
	"subject_organization_name", "subject_organization_unit_name", "subject_country",
	"subject_state_or_province_name", "subject_locality_name", "subject_street_address",
	"subject_postal_code", "subject_surname", "subject_given_name", "subject_email_address",
	"subject_business_category", "subject_serial_number", "issuer_organization_name",
	"issuer_organization_unit_name", "issuer_country", "issuer_state_or_province_name",
	"issuer_locality_name", "issuer_street_address", "issuer_postal_code", "issuer_surname",
	"issuer_given_name", "issuer_email_address", "issuer_business_category",
	"issuer_serial_number",
};
#define NREF (sizeof(ref_scan_mqtt) / sizeof(ref_scan_mqtt[0]))

static char dir[64], db[128], out[128];

static void test_columns(void **state)
{
	size_t k = 0, a = 0;

	assert_int_equal(NREF, 56);
	for (size_t i = 0; i < xcols_n; i++) {
		if (!xcol_in(&xcols[i], false, false))
			continue;
		assert_true(k < NREF);
		assert_string_equal(xcols[i].name, ref_scan_mqtt[k]);
		k++;
	}
	assert_int_equal(k, 56);
	for (size_t i = 0, r = 0; i < xcols_n; i++) {
		if (!xcol_in(&xcols[i], true, false))
			continue;
		if (!strcmp(ref_scan_mqtt[r], "anonymous_access"))
			r++;
		assert_string_equal(xcols[i].name, ref_scan_mqtt[r]);
		r++;
		a++;
	}
	assert_int_equal(a, 55);
	/* our own columns only with extras, all after Shadowserver's and prefixed */
	size_t with = 0;
	for (size_t i = 0; i < xcols_n; i++)
		if (xcol_in(&xcols[i], false, true)) {
			if (with >= NREF)
				assert_memory_equal(xcols[i].name, "mqttsweep_", 10);
			with++;
		}
	assert_true(with > NREF);
}

static cJSON *rec(const char *json)
{
	cJSON *r = cJSON_Parse(json);
	assert_non_null(r);
	return r;
}

static const char *sev(const char *json, bool anon_report)
{
	static char s[16];
	struct xrow r;
	cJSON *j = rec(json);

	if (!xrow_init(&r, j, anon_report))
		snprintf(s, sizeof(s), "-");
	else
		snprintf(s, sizeof(s), "%s", r.severity);
	cJSON_Delete(j);
	return s;
}

#define SVC_X "\"kind\":\"service\",\"probe\":\"mqtt\",\"mqtt\":true,\"port\":1883,\"auth\":\"none\","
#define SVC "\"kind\":\"service\",\"probe\":\"mqtt\",\"mqtt\":true,\"ip\":\"192.0.2.1\",\"port\":1883,"

static void test_severity(void **state)
{
	assert_string_equal(sev("{" SVC "\"auth\":\"anonymous\",\"transport\":\"tcp\"}", false), "high");
	assert_string_equal(sev("{" SVC "\"auth\":\"anonymous\",\"transport\":\"tcp\","
				"\"findings\":[{\"severity\":\"medium\"},{\"severity\":\"critical\"}]}", false),
			    "critical");
	assert_string_equal(sev("{" SVC "\"auth\":\"anonymous\",\"findings\":[{\"severity\":\"high\"}]}",
				true), "high");
	assert_string_equal(sev("{" SVC "\"auth\":\"any_credentials\",\"transport\":\"tls\"}", false), "high");
	assert_string_equal(sev("{" SVC "\"auth\":\"any_credentials\"}", true), "-");
	assert_string_equal(sev("{" SVC "\"auth\":\"credentials_required\",\"transport\":\"tcp\"}", false),
			    "medium");
	assert_string_equal(sev("{" SVC "\"auth\":\"not_authorized\",\"transport\":\"ws\"}", false), "medium");
	assert_string_equal(sev("{" SVC "\"auth\":\"credentials_required\",\"transport\":\"tls\"}", false),
			    "low");
	assert_string_equal(sev("{" SVC "\"auth\":\"credentials_required\",\"transport\":\"wss\"}", false),
			    "low");
	/* not a broker that answered, or not a service record */
	assert_string_equal(sev("{\"kind\":\"service\",\"probe\":\"mqtt\",\"mqtt\":false,\"auth\":\"anonymous\"}",
				false), "-");
	assert_string_equal(sev("{\"kind\":\"service\",\"probe\":\"http\",\"mqtt\":true}", false), "-");
	assert_string_equal(sev("{\"kind\":\"host\",\"probe\":\"mqtt\",\"mqtt\":true}", false), "-");
	/* wrong types everywhere: still a row, no crash */
	assert_string_equal(sev("{" SVC "\"auth\":7,\"transport\":[],\"findings\":{\"a\":1}}", false), "medium");
}

static const char *value(const char *json, const char *col)
{
	static struct xval v;
	static char s[XV_MAX + 1];
	struct xrow r;
	cJSON *j = rec(json);

	assert_true(xrow_init(&r, j, false));
	for (size_t i = 0; i < xcols_n; i++)
		if (!strcmp(xcols[i].name, col)) {
			xcol_value(&r, &xcols[i], &v);
			memcpy(s, v.p ? v.p : "", v.n);
			s[v.n] = 0;
			cJSON_Delete(j);
			return s;
		}
	fail_msg("no column %s", col);
	return NULL;
}

static void test_values(void **state)
{
	const char *tls = "{" SVC "\"auth\":\"anonymous\",\"timestamp\":\"2026-12-07T21:05:09.123Z\","
		"\"mqtt_version\":\"3.1.1\",\"connack\":{\"code\":3,\"raw_hex\":\"20020003\"},"
		"\"tls\":{\"version\":\"TLSv1.2\",\"cipher\":\"ECDHE-RSA-AES128-GCM-SHA256\","
		"\"certificate\":{\"subject\":{\"CN\":\"a\",\"O\":[\"x\",\"y\"],\"OU_b64\":\"/w==\"},"
		"\"serial\":\"0a1b\",\"not_before\":\"2026-01-02T03:04:05Z\",\"key_type\":\"EC\","
		"\"key_bits\":256,\"fingerprints\":{\"md5\":\"00ff00ff00ff00ff00ff00ff00ff00ff\"}}}}";

	assert_string_equal(value(tls, "timestamp"), "2026-12-07 21:05:09");
	assert_string_equal(value(tls, "raw_response"), "20020003");
	assert_string_equal(value(tls, "hex_code"), "03");
	assert_string_equal(value(tls, "code"), "Connection Refused, Server unavailable");
	assert_string_equal(value(tls, "cipher_suite"), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	assert_string_equal(value(tls, "ssl_version"), "2");
	assert_string_equal(value(tls, "subject_common_name"), "a");
	assert_string_equal(value(tls, "subject_organization_name"), "x; y");
	assert_string_equal(value(tls, "subject_organization_unit_name"), "\xff");
	assert_string_equal(value(tls, "cert_serial_number"), "0A1B");
	assert_string_equal(value(tls, "cert_issue_date"), "2026-01-02 03:04:05");
	assert_string_equal(value(tls, "key_algorithm"), "id-ecPublicKey");
	assert_string_equal(value(tls, "cert_length"), "256");
	assert_string_equal(value(tls, "md5_fingerprint"), "00:FF:00:FF:00:FF:00:FF:00:FF:00:FF:00:FF:00:FF");
	assert_string_equal(value(tls, "anonymous_access"), "Y");
	assert_string_equal(value(tls, "protocol"), "tcp");
	assert_string_equal(value(tls, "port"), "1883");
	/* MQTT 5 reason by the record's reason name; not hex, wrong zone, wrong types: empty */
	assert_string_equal(value("{" SVC "\"mqtt_version\":\"5.0\",\"connack\":{\"code\":135,"
				  "\"reason\":\"Not authorized\",\"raw_hex\":\"2003008700\"}}", "code"),
			    "Not authorized");
	assert_string_equal(value("{" SVC "\"connack\":{\"code\":135,\"raw_hex\":\"2003008700\"}}",
				  "hex_code"), "87");
	assert_string_equal(value("{" SVC "\"connack\":{\"raw_hex\":\"20<script>\"}}", "raw_response"), "");
	assert_string_equal(value("{" SVC "\"timestamp\":\"2026-12-07T21:05:09+05:00\"}", "timestamp"), "");
	assert_string_equal(value("{" SVC "\"timestamp\":\"x\"}", "timestamp"), "");
	assert_string_equal(value("{" SVC "\"connack\":\"x\",\"tls\":{\"certificate\":[1]}}", "hex_code"), "");
	assert_string_equal(value("{" SVC "\"connack\":{\"code\":1e300}}", "hex_code"), "");
	assert_string_equal(value("{" SVC "\"tls\":{\"certificate\":{\"fingerprints\":{\"sha1\":\"abc\"}}}}",
				  "sha1_fingerprint"), "");
	assert_string_equal(value("{" SVC "\"tls\":{\"cipher\":\"NOT-A-CIPHER\"}}", "cipher_suite"), "");
	assert_string_equal(value("{" SVC "\"tls\":{\"version\":\"SSLv3\"}}", "ssl_version"), "");
}

static void db_make(void)
{
	sqlite3 *d;

	unlink(db);
	assert_int_equal(sqlite3_open(db, &d), SQLITE_OK);
	assert_int_equal(sqlite3_exec(d,
		"CREATE TABLE scans(scan_id TEXT PRIMARY KEY, schema TEXT, tool_version TEXT, seed TEXT,"
		" mode TEXT, depth TEXT, evidence TEXT, started TEXT, ended TEXT, exit_code INTEGER,"
		" resumes INTEGER, argv TEXT, options TEXT, counts TEXT, meta TEXT);"
		"CREATE TABLE services(id INTEGER PRIMARY KEY, scan_id TEXT NOT NULL, json TEXT NOT NULL);"
		"INSERT INTO scans(scan_id, started) VALUES('s', '2026-12-07T20:00:00.000Z');",
		NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(d);
}

static void db_add(const char *json, size_t n)
{
	sqlite3 *d;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open(db, &d), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(d, "INSERT INTO services(scan_id, json) VALUES('s', ?1)",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_text(st, 1, json, (int)n, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(d);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	static char buf[1 << 16];
	size_t n;

	if (!f)
		fail_msg("missing %s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

static void run(enum export_format fmt, struct export_counts *c)
{
	struct export_opts o = {.source = db, .format = fmt, .out_dir = out, .org = "o",
				.sel = {.pick = RS_PICK_ALL}};
	char why[256];

	if (export_run(&o, c, why, sizeof(why)))
		fail_msg("export: %s", why);
}

#define HOSTILE "{\"kind\":\"service\",\"probe\":\"mqtt\",\"mqtt\":true,\"auth\":\"anonymous\"," \
	"\"timestamp\":\"2026-12-07T21:05:09.123Z\",\"port\":1883,"

static void test_hostile_csv(void **state)
{
	struct export_counts c;
	char path[256];

	db_make();
	/* a quote, a newline, a formula-leading character, a comma */
	const char *a = HOSTILE "\"ip\":\"192.0.2.7\",\"hostname\":\"=HYPERLINK(\\\"x\\\")\\nline2, z\"}";
	db_add(a, strlen(a));
	/* IPv6: scan6_ reports; bytes that are not UTF-8 in a string cJSON takes as is */
	const char b[] = HOSTILE "\"ip\":\"2001:db8::1\",\"hostname\":\"\xff\xfe@x\"}";
	db_add(b, sizeof(b) - 1);
	/* garbage rows around them: skipped */
	db_add("{", 1);
	db_add("[]", 2);
	run(EXPORT_SHADOWSERVER, &c);
	assert_int_equal(c.rows, 4);
	assert_int_equal(c.files, 4);
	assert_int_equal(c.skipped, 2);
	snprintf(path, sizeof(path), "%s/2026-12-07-scan_mqtt-o-all.csv", out);
	char *csv = slurp(path);
	assert_non_null(strstr(csv, ",\"'=HYPERLINK(\"\"x\"\")\nline2, z\","));
	assert_non_null(strstr(csv, "\"2026-12-07 21:05:09\",\"high\",\"192.0.2.7\",\"tcp\",\"1883\","));
	snprintf(path, sizeof(path), "%s/2026-12-07-scan6_mqtt-o-all.csv", out);
	csv = slurp(path);
	assert_non_null(strstr(csv, "\"2001:db8::1\""));
	assert_non_null(strstr(csv, "\"\\xff\\xfe@x\""));
	snprintf(path, sizeof(path), "%s/2026-12-07-scan6_mqtt_anon-o-all.csv", out);
	csv = slurp(path);
	assert_non_null(strstr(csv, "\"mqtt,mqtt-anon\""));
	assert_null(strstr(csv, "anonymous_access"));
}

static void test_json_stays_utf8(void **state)
{
	struct export_counts c;
	char path[256];
	const char b[] = "{\"kind\":\"service\",\"probe\":\"mqtt\",\"mqtt\":true,\"auth\":\"anonymous\","
		"\"port\":1883,\"ip\":\"192.0.2.9\",\"hostname\":\"\xc3\x28\",\"status\":\"success\","
		"\"connack\":{\"code\":0,\"raw_hex\":\"20020100\"},\"broker\":{\"product\":\"\xed\xa0\x80\"},"
		"\"timestamp\":\"2026-12-07T21:05:09+05:00\"}";

	db_make();
	db_add(b, sizeof(b) - 1);
	run(EXPORT_INTELMQ, &c);
	assert_int_equal(c.rows, 2);
	snprintf(path, sizeof(path), "%s/intelmq-all.jsonl", out);
	char *txt = slurp(path);
	assert_true(utf8_valid((const uint8_t *)txt, strlen(txt)));
	assert_non_null(strstr(txt, "\"source.fqdn\":\"\\\\xc3(\""));
	assert_null(strstr(txt, "time.source")); /* a time in another zone is not shifted */
	run(EXPORT_ZGRAB2, &c);
	assert_int_equal(c.rows, 1);
	snprintf(path, sizeof(path), "%s/zgrab2-all.jsonl", out);
	txt = slurp(path);
	assert_true(utf8_valid((const uint8_t *)txt, strlen(txt)));
	cJSON *z = cJSON_Parse(txt);
	assert_non_null(z);
	cJSON *res = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(z, "data"), "mqtt"),
					 "result");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(res, "session_present")));
	assert_null(cJSON_GetObjectItem(res, "connect_return_code"));
	assert_string_equal(cJSON_GetObjectItem(res, "response")->valuestring, "20020100");
	assert_string_equal(cJSON_GetObjectItem(z, "domain")->valuestring, "\\xc3(");
	cJSON_Delete(z);
}

/* A record with no usable timestamp lands in today's file. */
static void test_date_fallback(void **state)
{
	struct export_counts c;
	char path[256], today[11];
	time_t now = time(NULL);
	struct tm tm;
	const char *a = "{\"kind\":\"service\",\"probe\":\"mqtt\",\"mqtt\":true,\"ip\":\"192.0.2.3\","
		"\"port\":1,\"timestamp\":null}";

	strftime(today, sizeof(today), "%Y-%m-%d", gmtime_r(&now, &tm));
	db_make();
	db_add(a, strlen(a));
	run(EXPORT_SHADOWSERVER, &c);
	snprintf(path, sizeof(path), "%s/%s-scan_mqtt-o-all.csv", out, today);
	assert_non_null(strstr(slurp(path), "\"192.0.2.3\""));
}

/* More files than may be open at once (EXPORT_OPEN_MAX): the least recently used is
 * closed and reopened for appending, never truncated, and its header is written once. */
static void test_many_files(void **state)
{
	struct export_counts c;
	char path[256], asn[160], json[512];
	const int nas = EXPORT_OPEN_MAX * 2 + 3;

	db_make();
	snprintf(asn, sizeof(asn), "%s/asn.tsv", dir);
	FILE *f = fopen(asn, "w");
	assert_non_null(f);
	for (int i = 0; i < nas; i++)
		fprintf(f, "198.18.%d.0\t198.18.%d.255\t%d\tDE\tAS %d\n", i, i, 64500 + i, i);
	fclose(f);
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < nas; i++) {
			int n = snprintf(json, sizeof(json), "{" SVC_X "\"ip\":\"198.18.%d.%d\","
					 "\"timestamp\":\"2026-12-07T21:00:00Z\"}", i, round + 1);
			db_add(json, (size_t)n);
		}
	struct export_opts o = {.source = db, .format = EXPORT_SHADOWSERVER, .out_dir = out,
				.org = "o", .asn_db = asn, .split = SPLIT_ASN,
				.sel = {.pick = RS_PICK_ALL}};
	char why[256];
	assert_int_equal(export_run(&o, &c, why, sizeof(why)), MSW_OK);
	assert_int_equal(c.files, nas);
	assert_int_equal(c.rows, 3 * nas);
	assert_int_equal(c.enriched, 3 * nas);
	for (int i = 0; i < nas; i++) {
		snprintf(path, sizeof(path), "%s/2026-12-07-scan_mqtt-o-as%d.csv", out, 64500 + i);
		const char *t = slurp(path);
		int headers = 0, lines = 0;
		for (const char *p = t; (p = strstr(p, "\"timestamp\"")); p++)
			headers++;
		for (const char *p = t; (p = strchr(p, '\n')); p++)
			lines++;
		assert_int_equal(headers, 1);
		assert_int_equal(lines, 4);
		for (int round = 0; round < 3; round++) {
			char ip[48];
			snprintf(ip, sizeof(ip), "\"198.18.%d.%d\"", i, round + 1);
			assert_non_null(strstr(t, ip));
		}
	}
}

static void test_org(void **state)
{
	assert_true(export_org_ok("cert_x.1"));
	assert_false(export_org_ok(""));
	assert_false(export_org_ok(NULL));
	assert_false(export_org_ok(".hidden"));
	assert_false(export_org_ok("a/b"));
	assert_false(export_org_ok("a-b"));
	assert_false(export_org_ok("a b"));
}

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/msw_export_XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(db, sizeof(db), "%s/r.db", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
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
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_severity),
		cmocka_unit_test(test_values),
		cmocka_unit_test_setup_teardown(test_hostile_csv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_stays_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_date_fallback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_files, setup, teardown),
		cmocka_unit_test(test_org),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
