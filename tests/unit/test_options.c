/* The option table: every spelling and alias, mode defaults, derived timeouts, password
 * sources, secrets absent from the echo, --help from the table, and usage errors that
 * name the bad token. */
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
#include "app/options.h"

#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)))
#define PARSE(mode, cfg, err, ...) \
	options_parse(mode, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), cfg, err)

static void test_scan_defaults(void **state)
{
	struct msw_config c;
	char *err = NULL;

	(void)state;
	unsetenv("MQTTSWEEP_PASSWORD");
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "127.0.0.1"), MSW_OK);
	assert_int_equal(c.mode, MODE_SCAN);
	assert_int_equal(c.depth, DEPTH_CONNACK);
	assert_int_equal(c.window_ms, 5000);
	assert_int_equal(c.versions, MSW_V311);
	assert_false(c.auth_probe);
	assert_int_equal(c.connect_timeout_ms, 3000);
	assert_int_equal(c.io_timeout_ms, 5000);
	assert_int_equal(c.host_timeout_ms, 20000);
	assert_int_equal(c.rate, 1000);
	assert_int_equal(c.per_host, 2);
	assert_true(c.concurrency >= 1000 && c.concurrency <= 19000);
	assert_int_equal(c.max_packet, 256 * 1024);
	assert_int_equal(c.max_topics, 1000);
	assert_int_equal(c.sample_bytes, 1024);
	assert_int_equal(c.max_messages, 10000);
	assert_true(c.max_bytes == 8u * 1024 * 1024);
	assert_string_equal(c.client_id_prefix, "msw-");
	assert_string_equal(c.ports, "1883,8883/tls,1884/ws,8884/wss");
	assert_int_equal(c.shards, 1);
	assert_int_equal(c.shard, 0);
	assert_int_equal(c.evidence, EVIDENCE_REDACTED);
	assert_int_equal(c.format, FORMAT_AUTO);
	assert_false(c.seed_set);
	assert_null(c.password);
	assert_int_equal(c.ntargets, 1);
	assert_string_equal(c.targets[0], "127.0.0.1");
	options_free(&c);

	/* topics: the I/O timeout outlasts the window */
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "--depth", "topics", "--window", "12.5", "h"),
			 0);
	assert_int_equal(c.window_ms, 12500);
	assert_true(c.io_timeout_ms >= 12500 + 1000);
	assert_int_equal(c.host_timeout_ms, 27500);
	options_free(&c);
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "--depth=topics", "--io-timeout", "2",
			       "--timeout", "9", "h"),
			 0);
	assert_int_equal(c.io_timeout_ms, 2000); /* explicit values win */
	assert_int_equal(c.host_timeout_ms, 9000);
	options_free(&c);
}

static void test_audit_defaults(void **state)
{
	struct msw_config c;
	char *err = NULL;

	(void)state;
	assert_int_equal(PARSE(MODE_AUDIT, &c, &err, "127.0.0.1:1883"), MSW_OK);
	assert_int_equal(c.mode, MODE_AUDIT);
	assert_int_equal(c.depth, DEPTH_HOST);
	assert_int_equal(c.window_ms, 30000);
	assert_int_equal(c.versions, MSW_VALL);
	assert_true(c.auth_probe);
	assert_true(c.io_timeout_ms >= 31000);
	assert_int_equal(c.host_timeout_ms, 45000);
	options_free(&c);
	assert_int_equal(PARSE(MODE_AUDIT, &c, &err, "--no-auth-probe", "--versions", "5.0",
			       "--depth", "connack", "h"),
			 MSW_OK);
	assert_false(c.auth_probe);
	assert_int_equal(c.versions, MSW_V5);
	assert_int_equal(c.depth, DEPTH_CONNACK);
	options_free(&c);
}

static void test_spellings(void **state)
{
	struct msw_config c;
	char *err = NULL;

	(void)state;
	assert_int_equal(
		PARSE(MODE_SCAN, &c, &err, "-p", "1883,web", "--auth-probe", "-u", "alice",
		      "--exclude", "127.0.0.9", "--exclude", "127.0.0.10,127.0.0.11", "--window",
		      "0.25", "--max-messages", "7", "--max-bytes", "64k", "--connect-timeout",
		      "1.5", "--host-timeout", "8", "--concurrency", "100", "--max-rate", "50",
		      "--per-host", "1", "-n", "10", "--seed", "0xdeadbeef", "-sL", "-I", "tst-",
		      "-q", "-v", "-oJ", "/tmp/x.json", "--format", "json", "--db", "/tmp/x.db",
		      "--csv", "/tmp/x.csv", "--html", "/tmp/x.html", "--metadata-file",
		      "/tmp/m.json", "--all", "--evidence", "minimal", "--versions", "3.1,5.0",
		      "--insecure", "--psk-identity", "id", "--tls-legacy-check", "--detect",
		      "--ws-path", "/ws", "--probe-all", "--try-default-logins", "--read-secrets",
		      "--workers", "4", "--shard", "2/5", "--run-id", "r-1", "--no-blocklist", "--max-topics", "5",
		      "--max-packet", "1M", "--sample-bytes", "16", "--color", "--publish-proof",
		      "--smb-port", "4445", "127.0.0.1", "--", "127.0.0.2"),
		MSW_OK);
	assert_string_equal(c.ports, "1883,web");
	assert_true(c.auth_probe);
	assert_string_equal(c.username, "alice");
	assert_int_equal(c.nexcludes, 2);
	assert_string_equal(c.excludes[1], "127.0.0.10,127.0.0.11");
	assert_int_equal(c.window_ms, 250);
	assert_int_equal(c.max_messages, 7);
	assert_true(c.max_bytes == 65536);
	assert_int_equal(c.connect_timeout_ms, 1500);
	assert_int_equal(c.host_timeout_ms, 8000);
	assert_int_equal(c.concurrency, 100);
	assert_int_equal(c.rate, 50);
	assert_int_equal(c.per_host, 1);
	assert_true(c.max_targets == 10);
	assert_true(c.seed_set && c.seed == 0xdeadbeef);
	assert_true(c.dry_run && c.quiet && c.verbose && c.record_all && c.insecure);
	assert_string_equal(c.client_id_prefix, "tst-");
	assert_string_equal(c.json_out, "/tmp/x.json");
	assert_int_equal(c.format, FORMAT_JSON);
	assert_string_equal(c.db_path, "/tmp/x.db");
	assert_string_equal(c.csv_out, "/tmp/x.csv");
	assert_string_equal(c.html_out, "/tmp/x.html");
	assert_string_equal(c.metadata_file, "/tmp/m.json");
	assert_int_equal(c.evidence, EVIDENCE_MINIMAL);
	assert_int_equal(c.versions, MSW_V31 | MSW_V5);
	assert_string_equal(c.psk_identity, "id");
	assert_true(c.tls_legacy_check && c.detect && c.probe_all && c.try_default_logins);
	assert_true(c.read_secrets && c.no_default_blocklist && c.color && c.publish_proof);
	assert_string_equal(c.ws_path, "/ws");
	assert_int_equal(c.workers, 4);
	assert_true(c.shard == 2 && c.shards == 5);
	assert_string_equal(c.run_id, "r-1");
	assert_int_equal(c.max_topics, 5);
	assert_int_equal(c.max_packet, 1024 * 1024);
	assert_int_equal(c.sample_bytes, 16);
	assert_int_equal(c.smb_port, 4445);
	assert_int_equal(c.ntargets, 2);
	assert_string_equal(c.targets[1], "127.0.0.2");
	options_free(&c);

	/* aliases and attached values */
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "--rate=7", "--timeout", "4", "-p1884",
			       "--username=bob", "--ports", "1885", "--max-targets", "3",
			       "--dry-run", "--client-id-prefix", "x", "--ca-file", "/dev/null",
			       "--exclude-file", "/dev/null", "-iL", "-"),
			 MSW_OK);
	assert_int_equal(c.rate, 7);
	assert_int_equal(c.host_timeout_ms, 4000);
	assert_string_equal(c.ports, "1885"); /* the last one wins */
	assert_string_equal(c.username, "bob");
	assert_string_equal(c.ca_file, "/dev/null");
	assert_string_equal(c.exclude_file, "/dev/null");
	assert_string_equal(c.input_list, "-");
	options_free(&c);
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "--cafile", "/dev/null", "--excludefile",
			       "/dev/null", "--versions", "all", "h"),
			 MSW_OK);
	assert_int_equal(c.versions, MSW_VALL);
	options_free(&c);
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "--window", "1500ms", "--connect-timeout", "2s",
			       "--timeout", ".5", "h"),
			 MSW_OK);
	assert_int_equal(c.window_ms, 1500);
	assert_int_equal(c.connect_timeout_ms, 2000);
	assert_int_equal(c.host_timeout_ms, 500);
	options_free(&c);
}

static void expect_error(enum msw_mode mode, int argc, char **argv, const char *token)
{
	struct msw_config c;
	char *err = NULL;

	if (options_parse(mode, argc, argv, &c, &err) != MSW_ERR_USAGE)
		fail_msg("accepted, expected an error naming '%s'", token);
	assert_non_null(err);
	if (!strstr(err, token))
		fail_msg("error does not name '%s': %s", token, err);
	free(err);
	options_free(&c);
}

#define EXPECT_ERROR(token, ...) \
	expect_error(MODE_SCAN, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), token)

static void test_errors_name_token(void **state)
{
	(void)state;
	EXPECT_ERROR("10.0.0.0/33", "10.0.0.0/33");
	EXPECT_ERROR("300.1.2.3", "127.0.0.1", "300.1.2.3");
	EXPECT_ERROR("'0'", "-p", "0", "127.0.0.1");
	EXPECT_ERROR("65536", "-p", "1883,65536", "127.0.0.1");
	EXPECT_ERROR("broker:0", "broker:0");
	expect_error(MODE_SCAN, 0, ARGV(NULL), "empty target list");
	EXPECT_ERROR("empty target list", "-p", "1883");
	EXPECT_ERROR("/nonexistent/list.txt", "-iL", "/nonexistent/list.txt");
	EXPECT_ERROR("/nonexistent/pw", "-u", "u", "--password-file", "/nonexistent/pw", "h");
	EXPECT_ERROR("/dev/zero", "-u", "u", "--password-file", "/dev/zero", "h"); /* bounded */
	/* a password is sent only with a username: never silently dropped */
	EXPECT_ERROR("-P/--password", "-P", "secret", "h");
	EXPECT_ERROR("-P/--password", "--password=secret", "h");
	EXPECT_ERROR("--password-file", "--password-file", "/dev/null", "h");
	EXPECT_ERROR("/nonexistent/ex", "--excludefile", "/nonexistent/ex", "h");
	EXPECT_ERROR("/nonexistent/ca.pem", "--cafile", "/nonexistent/ca.pem", "h");
	EXPECT_ERROR("--bogus", "--bogus", "h");
	EXPECT_ERROR("-Z", "-Z", "h");
	EXPECT_ERROR("--window", "h", "--window");
	EXPECT_ERROR("abc", "--window", "abc", "h");
	EXPECT_ERROR("-1", "--window", "-1", "h");
	EXPECT_ERROR("5m", "--window", "5m", "h");
	EXPECT_ERROR("5ss", "--window", "5ss", "h");
	EXPECT_ERROR("deep", "--depth", "deep", "h");
	EXPECT_ERROR("connack, topics, host", "--depth", "deep", "h");
	EXPECT_ERROR("4.0", "--versions", "4.0", "h");
	EXPECT_ERROR("5/5", "--shard", "5/5", "h");
	EXPECT_ERROR("1/0", "--shard", "1/0", "h");
	EXPECT_ERROR("0", "--concurrency", "0", "h");
	EXPECT_ERROR("50000", "--concurrency", "50000", "h");
	EXPECT_ERROR("12x", "--rate", "12x", "h");
	EXPECT_ERROR("0", "--per-host", "0", "h");
	EXPECT_ERROR("huge", "--max-bytes", "huge", "h");
	EXPECT_ERROR("bad prefix!", "-I", "bad prefix!", "h");
	EXPECT_ERROR("mqtt", "--ws-path", "mqtt", "h");
	EXPECT_ERROR("xml", "--format", "xml", "h");
	EXPECT_ERROR("-n", "-n", "lots", "h");
	EXPECT_ERROR("lots", "-n", "lots", "h");
	EXPECT_ERROR("'-'", "-");
	EXPECT_ERROR("--auth-probe=maybe", "--auth-probe=maybe", "h");
}

static const char *const sched_env[] = {
	"MQTTSWEEP_RUN_ID",	  "SLURM_ARRAY_JOB_ID",	    "SLURM_ARRAY_TASK_ID",
	"SLURM_ARRAY_TASK_MIN",	  "SLURM_ARRAY_TASK_MAX",   "SLURM_ARRAY_TASK_COUNT",
	"JOB_COMPLETION_INDEX",	  NULL,
};

static void clear_sched_env(void)
{
	for (int i = 0; sched_env[i]; i++)
		unsetenv(sched_env[i]);
}

static void slurm_env(const char *job, const char *id, const char *lo, const char *hi,
		      const char *cnt)
{
	clear_sched_env();
	setenv("SLURM_ARRAY_JOB_ID", job, 1);
	setenv("SLURM_ARRAY_TASK_ID", id, 1);
	setenv("SLURM_ARRAY_TASK_MIN", lo, 1);
	setenv("SLURM_ARRAY_TASK_MAX", hi, 1);
	setenv("SLURM_ARRAY_TASK_COUNT", cnt, 1);
}

/* Shards of one run: every spelling, the scheduler's environment, and the usage errors
 * that keep a sharded scan from running without a shared seed and run id. */
static void test_shards_and_run_id(void **state)
{
	struct msw_config c;
	char *err = NULL;

	(void)state;
	clear_sched_env();
	/* zmap's spelling and K/N agree */
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "--shards", "4", "--shard", "3", "--seed",
			       "9", "--run-id", "run.7:a-b", "h"),
			 MSW_OK);
	assert_true(c.shard == 3 && c.shards == 4);
	assert_string_equal(c.run_id, "run.7:a-b");
	options_free(&c);
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "--shard", "1/4", "--shards", "4", "--seed",
			       "9", "--run-id", "r", "h"),
			 MSW_OK);
	assert_true(c.shard == 1 && c.shards == 4);
	options_free(&c);
	/* one shard of one is no sharding: neither seed nor run id needed */
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "--shard", "0/1", "h"), MSW_OK);
	assert_null(c.run_id);
	options_free(&c);
	EXPECT_ERROR("--seed", "--shard", "1/4", "--run-id", "r", "h");
	EXPECT_ERROR("run id", "--shard", "1/4", "--seed", "1", "h");
	EXPECT_ERROR("--shards 4 needs --shard", "--shards", "4", "--seed", "1", "--run-id", "r",
		     "h");
	EXPECT_ERROR("--shard 2 needs --shards", "--shard", "2", "h");
	EXPECT_ERROR("not below --shards 4", "--shard", "4", "--shards", "4", "h");
	EXPECT_ERROR("disagree", "--shard", "1/4", "--shards", "5", "h");
	EXPECT_ERROR("'x/4'", "--shard", "x/4", "h");
	EXPECT_ERROR("0", "--shards", "0", "h");
	EXPECT_ERROR("'-r'", "--run-id", "-r", "h");
	EXPECT_ERROR("--run-id", "--run-id", "has space", "h");
	EXPECT_ERROR("neither SLURM_ARRAY_TASK_ID", "--shard", "auto", "h");

	/* the run id from the environment: MQTTSWEEP_RUN_ID first, then the Slurm job */
	setenv("SLURM_ARRAY_JOB_ID", "4242", 1);
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "h"), MSW_OK);
	assert_string_equal(c.run_id, "slurm-4242");
	options_free(&c);
	setenv("MQTTSWEEP_RUN_ID", "k8s-job-1", 1);
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "h"), MSW_OK);
	assert_string_equal(c.run_id, "k8s-job-1");
	options_free(&c);
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "--run-id", "given", "h"), MSW_OK);
	assert_string_equal(c.run_id, "given");
	options_free(&c);
	setenv("MQTTSWEEP_RUN_ID", "bad id", 1);
	EXPECT_ERROR("MQTTSWEEP_RUN_ID", "h");

	/* Slurm arrays: 0-3 and 1-4 both give shards 0..3 of 4 */
	slurm_env("99", "2", "0", "3", "4");
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "--shard", "auto", "--seed", "5", "h"),
			 MSW_OK);
	assert_true(c.shard == 2 && c.shards == 4);
	assert_string_equal(c.run_id, "slurm-99");
	options_free(&c);
	slurm_env("99", "4", "1", "4", "4");
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "--shard", "auto", "--shards", "4", "--seed",
			       "5", "h"),
			 MSW_OK);
	assert_true(c.shard == 3 && c.shards == 4);
	options_free(&c);
	slurm_env("99", "4", "0", "6", "4"); /* --array=0-6:2 */
	EXPECT_ERROR("contiguous", "--shard", "auto", "--seed", "5", "h");
	slurm_env("99", "2", "0", "3", "4");
	EXPECT_ERROR("disagrees", "--shard", "auto", "--shards", "5", "--seed", "5", "h");
	EXPECT_ERROR("--seed", "--shard", "auto", "h");
	slurm_env("99", "x", "0", "3", "4");
	EXPECT_ERROR("SLURM_ARRAY_TASK_ID='x'", "--shard", "auto", "--seed", "5", "h");

	/* Kubernetes Indexed Job: the index from the environment, the count from --shards */
	clear_sched_env();
	setenv("JOB_COMPLETION_INDEX", "5", 1);
	setenv("MQTTSWEEP_RUN_ID", "scan-2026", 1);
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "--shard", "auto", "--shards", "8", "--seed",
			       "5", "h"),
			 MSW_OK);
	assert_true(c.shard == 5 && c.shards == 8);
	assert_string_equal(c.run_id, "scan-2026");
	options_free(&c);
	EXPECT_ERROR("needs --shards", "--shard", "auto", "--seed", "5", "h");
	EXPECT_ERROR("not below --shards 4", "--shard", "auto", "--shards", "4", "--seed", "5",
		     "h");
	clear_sched_env();
}

static bool json_has(const cJSON *o, const char *needle)
{
	char *txt = cJSON_PrintUnformatted(o);
	bool r = txt && strstr(txt, needle);

	free(txt);
	return r;
}

static void test_passwords_and_echo(void **state)
{
	struct msw_config c;
	char *err = NULL;
	char path[] = "/tmp/msw-test-pw-XXXXXX";
	int fd = mkstemp(path);
	cJSON *e;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "FilePass-9\r\nsecond line\n", 24), 24);
	close(fd);

	setenv("MQTTSWEEP_PASSWORD", "EnvPass-7", 1);
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "-u", "u", "h"), MSW_OK);
	assert_string_equal(c.password, "EnvPass-7");
	options_free(&c);
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "h"), MSW_OK);
	assert_null(c.password); /* the environment's password only goes with -u */
	options_free(&c);
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "-u", "u", "--password-file", path, "h"),
			 MSW_OK);
	assert_string_equal(c.password, "FilePass-9");
	e = options_echo(&c);
	assert_false(json_has(e, "FilePass-9"));
	assert_true(json_has(e, path)); /* the file name is not the secret */
	cJSON_Delete(e);
	options_free(&c);
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "-P", "ArgPass-3", "--psk", "a1b2c3d4",
			       "--hash-key", "HashKey-5", "-u", "carol", "h"),
			 MSW_OK);
	assert_string_equal(c.password, "ArgPass-3"); /* -P wins over the environment */
	assert_string_equal(c.psk, "a1b2c3d4");
	e = options_echo(&c);
	assert_non_null(e);
	assert_false(json_has(e, "ArgPass-3"));
	assert_false(json_has(e, "EnvPass-7"));
	assert_false(json_has(e, "a1b2c3d4"));
	assert_false(json_has(e, "HashKey-5"));
	assert_null(cJSON_GetObjectItem(e, "password"));
	assert_null(cJSON_GetObjectItem(e, "psk"));
	/* the echo names every other option with its effective value */
	assert_string_equal(cJSON_GetObjectItem(e, "username")->valuestring, "carol");
	assert_string_equal(cJSON_GetObjectItem(e, "mode")->valuestring, "scan");
	assert_string_equal(cJSON_GetObjectItem(e, "depth")->valuestring, "connack");
	assert_true(cJSON_GetObjectItem(e, "window")->valuedouble == 5.0);
	assert_true(cJSON_GetObjectItem(e, "rate")->valuedouble == 1000.0);
	assert_true(cJSON_GetObjectItem(e, "per-host")->valuedouble == 2.0);
	assert_string_equal(cJSON_GetObjectItem(e, "versions")->valuestring, "3.1.1");
	assert_string_equal(cJSON_GetObjectItem(e, "ports")->valuestring,
			    "1883,8883/tls,1884/ws,8884/wss");
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(e, "auth-probe")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(e, "db")));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(e, "targets")), 1);
	static const char *const keys[] = {
		"input-list",
		"exclude",
		"excludefile",
		"no-blocklist",
		"max-targets",
		"seed",
		"dry-run",
		"all",
		"probe-all",
		"shard",
		"workers",
		"resume",
		"client-id-prefix",
		"max-messages",
		"max-bytes",
		"max-topics",
		"max-packet",
		"sample-bytes",
		"connect-timeout",
		"io-timeout",
		"host-timeout",
		"concurrency",
		"cafile",
		"cert",
		"key",
		"insecure",
		"psk-identity",
		"tls-legacy-check",
		"detect",
		"ws-path",
		"try-default-logins",
		"read-secrets",
		"publish-proof",
		"format",
		"json-out",
		"csv",
		"html",
		"metadata-file",
		"evidence",
		"quiet",
		"verbose",
		"color",
		"smb-port",
		"password-file",
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!cJSON_GetObjectItem(e, keys[i]))
			fail_msg("echo lacks '%s'", keys[i]);
	cJSON_Delete(e);
	options_free(&c);
	/* a masked secret from a recorded command line is never taken as the password */
	assert_int_equal(PARSE(MODE_SCAN, &c, &err, "-u", "u", "-P", "***", "h"), MSW_OK);
	assert_string_equal(c.password, "EnvPass-7");
	options_free(&c);
	unsetenv("MQTTSWEEP_PASSWORD");
	unlink(path);
}

static void test_help(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	options_help(f, MODE_SCAN);
	fclose(f);
	static const char *const want[] = {
		"--ports",
		"-p",
		"--depth",
		"--auth-probe",
		"--password-file",
		"MQTTSWEEP_PASSWORD",
		"--excludefile",
		"--exclude-file",
		"--window",
		"--max-rate",
		"--per-host",
		"-sL",
		"-iL",
		"-oJ",
		"--metadata-file",
		"--cafile",
		"--ca-file",
		"--psk-identity",
		"--shard",
		"--resume",
		"--workers",
		"[5]",
		"[connack]",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(buf, want[i]))
			fail_msg("--help lacks '%s'", want[i]);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	options_help(f, MODE_AUDIT);
	fclose(f);
	assert_non_null(strstr(buf, "[30]"));
	assert_non_null(strstr(buf, "[host]"));
	free(buf);
}

static void test_resume_argv(void **state)
{
	cJSON *echo = cJSON_Parse("[\"/usr/bin/mqttsweep\",\"audit\",\"-P\",\"***\","
				  "\"--window\",\"3\",\"127.0.0.1\",\"--db\",\"/tmp/r.db\"]");
	enum msw_mode mode = MODE_SCAN;
	int n;
	char **v, *err = NULL;
	struct msw_config c;

	(void)state;
	assert_int_equal(options_resume_argv(echo, ARGC("--resume", "/tmp/r.db", "-P", "pw"),
					     ARGV("--resume", "/tmp/r.db", "-P", "pw"), &mode, &n,
					     &v, &err),
			 MSW_OK);
	assert_int_equal(mode, MODE_AUDIT);
	assert_int_equal(n, 2 + 7 + 4);
	assert_string_equal(v[1], "audit");
	assert_null(v[n]);
	assert_int_equal(options_parse(mode, n - 2, v + 2, &c, &err), MSW_OK);
	assert_string_equal(c.password, "pw");
	assert_int_equal(c.window_ms, 3000);
	assert_string_equal(c.resume_db, "/tmp/r.db");
	assert_int_equal(c.ntargets, 1);
	options_free(&c);
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
	/* --shard, --shards and --run-id pick the scan to resume: not replayed */
	assert_int_equal(options_resume_argv(echo, ARGC("--resume", "/tmp/r.db", "--shards", "2",
							"--shard", "1", "--run-id=r1", "-q"),
					     ARGV("--resume", "/tmp/r.db", "--shards", "2", "--shard",
						  "1", "--run-id=r1", "-q"),
					     &mode, &n, &v, &err),
			 MSW_OK);
	assert_int_equal(n, 2 + 7 + 3);
	assert_string_equal(v[n - 1], "-q");
	for (int i = 0; i < n; i++) {
		assert_null(strstr(v[i], "shard"));
		assert_null(strstr(v[i], "run-id"));
		free(v[i]);
	}
	free(v);
	/* with --resume a shard needs no --seed: the recorded one is replayed */
	assert_int_equal(options_parse(MODE_SCAN, ARGC("--resume", "/tmp/r.db", "--shard", "1/2"),
				       ARGV("--resume", "/tmp/r.db", "--shard", "1/2"), &c, &err),
			 MSW_OK);
	assert_int_equal(c.shard, 1);
	assert_int_equal(c.shards, 2);
	options_free(&c);
	/* no new targets with --resume */
	assert_int_equal(options_resume_argv(echo, ARGC("--resume", "/tmp/r.db", "10.0.0.1"),
					     ARGV("--resume", "/tmp/r.db", "10.0.0.1"), &mode, &n,
					     &v, &err),
			 MSW_ERR_USAGE);
	assert_non_null(strstr(err, "10.0.0.1"));
	free(err);
	cJSON_Delete(echo);
}

/* The secrets' values in the process's own argv are blanked in place, everything else is
 * left as it was. */
static void test_hide_secrets(void **state)
{
	char a0[] = "-u", a1[] = "alice", a2[] = "-P", a3[] = "Secret-1", a4[] = "-PSecret-2",
	     a5[] = "--password=Secret-3", a6[] = "--psk", a7[] = "abcd1234",
	     a8[] = "mqtt://bob:Secret-4@host:1883", a9[] = "--hash-key", a10[] = "Key-5",
	     a11[] = "127.0.0.1", a12[] = "--", a13[] = "ws://c:Secret-6@h/p";
	char *argv[] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, NULL};

	(void)state;
	options_hide_secrets(14, argv);
	assert_string_equal(argv[1], "alice");
	assert_string_equal(argv[3], "********");
	assert_string_equal(argv[4], "-P********");
	assert_string_equal(argv[5], "--password=********");
	assert_string_equal(argv[7], "********");
	assert_string_equal(argv[8], "mqtt://bob:********@host:1883");
	assert_string_equal(argv[10], "*****");
	assert_string_equal(argv[11], "127.0.0.1");
	assert_string_equal(argv[13], "ws://c:********@h/p");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_defaults),      cmocka_unit_test(test_audit_defaults),
		cmocka_unit_test(test_spellings),          cmocka_unit_test(test_errors_name_token),
		cmocka_unit_test(test_passwords_and_echo), cmocka_unit_test(test_help),
		cmocka_unit_test(test_resume_argv),       cmocka_unit_test(test_shards_and_run_id),
		cmocka_unit_test(test_hide_secrets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
