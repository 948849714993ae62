/* `mqttsweep stats DB [--format text|json] [--scan ID]`: the 2018 study's numbers over a
 * SQLite result (the --db of one or more scans).
 *
 * Populations, each named in the same words wherever a share of it is printed ("% of
 * brokers speaking MQTT"; in JSON "of" names the population's metric key):
 *   targets tried        the listed targets (the scans' metadata counts: targets_tried)
 *   targets connected    of those, the TCP connection was made (metadata: connected)
 *   host-probe ports     depth host: the ports the host-stage probes tried (host_probes)
 *   brokers speaking MQTT distinct (address, port, transport) that answered as MQTT
 *   brokers asking for credentials  of those, the ones whose verdict is a login demand
 *   hosts with a service distinct addresses with a service that answered
 * Each broker has one verdict, the most open one any of its records shows: open to
 * anyone (anonymous) > accepting any credentials > asking for credentials (refused us,
 * or took the credentials given) > other answers; the four add up to the brokers
 * speaking MQTT. "Logged in with the credentials given" is a share of the brokers asking
 * for credentials. What anyone can read or learn (readable, locations, presence, doors,
 * actuators, dashboards published on a broker) counts only records of sessions without
 * real credentials (anonymous, any credentials); reads with the credentials given are
 * counted apart (readable_with_credentials). Dashboards published on a broker (MQTT Dash
 * exports, vector 4) and web dashboards on the host (vector 2) are separate lines.
 *
 * People or devices whose location leaks are counted by the topic that carries it: for
 * OwnTracks the first three levels (owntracks/{user}/{device}), otherwise the full topic,
 * per broker; a location finding without a topic counts once per broker and finding id.
 * "Open" web dashboards and file shares are findings of those categories at severity
 * medium or worse (a login page alone is info). The full chain is a host with an MQTT
 * service, an open web dashboard and an open file share, as the hosts table records it.
 * Honeypots are shown apart in two ways. "Likely honeypots" answered like one themselves
 * (the record's honeypot.likelihood "strong", cls_honeypot.c); "one weak honeypot signal" are the
 * "weak" ones, counted with the rest. "Possible honeypots" are brokers whose retained set
 * (retained_fingerprint), retained $SYS snapshot (sys_fingerprint) or $SYS identity
 * (sys_identity) repeats across addresses: cls_fingerprint_suspicious()
 * decides for a fingerprint (how many distinct addresses share it, how many retained
 * messages it covers); an identity counts when three or more addresses share it and it is
 * not a container default (node@127.0.0.1, @localhost, nonode@nohost), which unrelated
 * real installations share.
 *
 * Every query binds the scan filter as a parameter; nothing is built from data. */
#include "output/stats.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include <cjson/cJSON.h>
#include "base/vec.h"
#include "classify/classify.h"
#include "output/escape.h"
#include "output/pg.h"

/* --scan ID: a scan id, or a run id (every shard of the run) */
#define SCAN_F                                                                           \
	" (?1 IS NULL OR scan_id = ?1 OR scan_id IN (SELECT scan_id FROM scans"          \
	" WHERE json_extract(meta, '$.run_id') = ?1)) "
#define REACHED " kind = 'service' AND probe = 'mqtt' AND status NOT IN ('connection-refused'," \
	" 'connection-timeout', 'blocklisted-target', 'invalid-inputs', 'unknown-error')"
#define BROKER_KEY " ip || ':' || port || '/' || transport "
#define S_BROKER_KEY " s.ip || ':' || s.port || '/' || s.transport "
#define ROWS_MAX UINT32_MAX /* rows held in memory at once: the growable array's limit */
/* A shard that ran twice (retried) counts once: its latest scan. */
#define LATEST_OF_SHARD                                                                  \
	" AND NOT EXISTS (SELECT 1 FROM scans t WHERE json_extract(s.meta, '$.run_id') IS NOT"   \
	" NULL AND json_extract(t.meta, '$.run_id') = json_extract(s.meta, '$.run_id') AND"      \
	" coalesce(json_extract(t.meta, '$.shard'), '') ="                                        \
	" coalesce(json_extract(s.meta, '$.shard'), '') AND t.started > s.started) "

/* A count of the scans' metadata, summed over the scans (a retried shard's latest only) */
#define COUNTS(path) "SELECT coalesce(sum(json_extract(counts, '" path "')), 0) FROM scans s" \
	" WHERE" SCAN_F LATEST_OF_SHARD
#define ANYONE " ('anonymous', 'any_credentials') "
#define PROTECTED " ('credentials_required', 'not_authorized', 'client_cert_required') "
/* One row per broker: its verdict (4 anyone, 3 any credentials, 2 asking for credentials,
 * 1 other) and what its records show. */
#define BROKERS " (SELECT" BROKER_KEY "AS k, max(CASE WHEN auth = 'anonymous' THEN 4" \
	" WHEN auth = 'any_credentials' THEN 3 WHEN auth = 'authenticated' OR auth IN" PROTECTED \
	" THEN 2 ELSE 1 END) AS v, max(auth = 'authenticated') AS authd," \
	" max(read_access = 'granted_with_data' AND auth IN" ANYONE ") AS read_any," \
	" max(read_access = 'granted_with_data' AND auth = 'authenticated') AS read_cred" \
	" FROM services WHERE" SCAN_F "AND kind = 'service' AND probe = 'mqtt' AND mqtt = 1" \
	" GROUP BY k) "
/* Findings a broker gives to anyone (a session without real credentials). */
#define F_ANYONE " FROM findings f JOIN services s ON s.id = f.service_id" \
	" WHERE (?1 IS NULL OR f.scan_id = ?1) AND f.probe = 'mqtt' AND s.auth IN" ANYONE
/* Findings on a host open to anyone: from dashboards and shares, or a broker's to anyone. */
#define F_HOST " FROM findings f JOIN services s ON s.id = f.service_id" \
	" WHERE (?1 IS NULL OR f.scan_id = ?1) AND (f.probe <> 'mqtt' OR s.auth IN" ANYONE ")"

struct metric {
	const char *key;
	const char *label; /* the text line; indented when it is a share of the line above */
	const char *of;    /* the key of the population it is a share of, or NULL */
	const char *pop;   /* a population: its name after "% of", else NULL */
	const char *sql;   /* one integer; NULL = computed in C (computed()) */
};

static int64_t people_located(sqlite3 *db, const char *scan, bool *err);
static int64_t possible_honeypots(sqlite3 *db, const char *scan, bool *err);
static int64_t acl_metric(const char *key, sqlite3 *db, const char *scan, bool *err);

static const struct metric metrics[] = {
	{"targets_tried", "Targets tried", NULL, "targets tried", COUNTS("$.targets_tried")},
	{"connected", "Targets connected", "targets_tried", "targets connected",
	 COUNTS("$.connected")},
	{"host_probe_ports", "Host-probe ports tried", NULL, "host-probe ports",
	 COUNTS("$.host_probes.tried")},
	{"host_probe_ports_connected", "  host-probe ports connected", "host_probe_ports", NULL,
	 COUNTS("$.host_probes.connected")},
	{"speaking_mqtt", "Brokers speaking MQTT", NULL, "brokers speaking MQTT",
	 "SELECT count(*) FROM" BROKERS},
	{"anonymous", "  open to anyone (no password)", "speaking_mqtt", NULL,
	 "SELECT count(*) FROM" BROKERS "WHERE v = 4"},
	{"any_credentials", "  accepting any credentials", "speaking_mqtt", NULL,
	 "SELECT count(*) FROM" BROKERS "WHERE v = 3"},
	{"password_protected", "  asking for credentials", "speaking_mqtt",
	 "brokers asking for credentials", "SELECT count(*) FROM" BROKERS "WHERE v = 2"},
	{"authenticated", "    logged in with the credentials given", "password_protected", NULL,
	 "SELECT count(*) FROM" BROKERS "WHERE v = 2 AND authd"},
	{"other_verdicts", "  other answers (banned, redirected, unknown)", "speaking_mqtt", NULL,
	 "SELECT count(*) FROM" BROKERS "WHERE v = 1"},
	{"readable", "Letting anyone read messages", "speaking_mqtt", NULL,
	 "SELECT count(*) FROM" BROKERS "WHERE read_any"},
	{"readable_with_credentials", "Readable with the credentials given",
	 "password_protected", NULL, "SELECT count(*) FROM" BROKERS "WHERE v = 2 AND read_cred"},
	{"brokers_leaking_location", "Leaking people's location to anyone", "speaking_mqtt", NULL,
	 "SELECT count(DISTINCT" S_BROKER_KEY ")" F_ANYONE
	 " AND f.category = 'location' AND f.severity_rank >= 1"},
	{"people_located", "  people/devices located", NULL, NULL, NULL},
	{"brokers_leaking_presence", "Revealing who is at home to anyone", "speaking_mqtt", NULL,
	 "SELECT count(DISTINCT" S_BROKER_KEY ")" F_ANYONE " AND f.category = 'presence'"},
	{"door_lock_state", "Exposing door/lock state to anyone", "speaking_mqtt", NULL,
	 "SELECT count(DISTINCT" S_BROKER_KEY ")" F_ANYONE " AND f.category = 'door_state'"},
	{"operable_actuators", "Exposing operable actuators to anyone", "speaking_mqtt", NULL,
	 "SELECT count(DISTINCT" S_BROKER_KEY ")" F_ANYONE " AND f.category = 'actuator_control'"},
	{"actuators", "  actuators (distinct topics)", NULL, NULL,
	 "SELECT count(*) FROM (SELECT DISTINCT" S_BROKER_KEY
	 ", coalesce(f.topic, f.topic_b64, f.finding_id)" F_ANYONE
	 " AND f.category = 'actuator_control')"},
	{"dashboards_on_broker", "Dashboards published on the broker (MQTT Dash)",
	 "speaking_mqtt", NULL,
	 "SELECT count(DISTINCT" S_BROKER_KEY ")" F_ANYONE " AND f.category = 'dashboard'"},
	{"likely_honeypots", "Likely honeypots (answered like one)", "speaking_mqtt", NULL,
	 "SELECT count(DISTINCT" BROKER_KEY ") FROM services WHERE" SCAN_F "AND" REACHED
	 " AND mqtt = 1 AND json_extract(json, '$.honeypot.likelihood') = 'strong'"},
	{"honeypot_signals", "  one weak honeypot signal", "speaking_mqtt", NULL,
	 "SELECT count(DISTINCT" BROKER_KEY ") FROM services WHERE" SCAN_F "AND" REACHED
	 " AND mqtt = 1 AND json_extract(json, '$.honeypot.likelihood') = 'weak'"},
	{"possible_honeypots", "Possible honeypots (repeated deployment)", "speaking_mqtt", NULL,
	 NULL},
	{"acl_mapped", "Access mapped (accounts' rights)", "speaking_mqtt", NULL, NULL},
	{"acl_writable", "  accepting a write of ours", "speaking_mqtt", NULL, NULL},
	{"hosts", "Hosts with a service", NULL, "hosts with a service",
	 "SELECT count(DISTINCT ip) FROM services WHERE" SCAN_F "AND kind = 'service'"
	 " AND status NOT IN ('connection-refused', 'connection-timeout', 'blocklisted-target',"
	 " 'invalid-inputs')"},
	{"leaking_credentials", "Leaking credentials or keys to anyone", "hosts", NULL,
	 "SELECT count(DISTINCT f.ip)" F_HOST " AND f.category IN ('credential', 'network_key')"},
	{"dashboards_open", "Web dashboards open on the host", "hosts", NULL,
	 "SELECT count(DISTINCT ip) FROM findings WHERE" SCAN_F
	 "AND category = 'dashboard' AND probe <> 'mqtt' AND severity_rank >= 2"},
	{"file_shares_open", "File shares open", "hosts", NULL,
	 "SELECT count(DISTINCT ip) FROM findings WHERE" SCAN_F
	 "AND category = 'file_share' AND severity_rank >= 2"},
	{"full_chain", "Hosts with the full chain", "hosts", NULL,
	 "SELECT count(DISTINCT ip) FROM hosts WHERE" SCAN_F "AND chain = 1"},
	{"protected_broker_open_dashboard", "  broker protected, web dashboard or share open",
	 "hosts", NULL,
	 "SELECT count(DISTINCT s.ip) FROM services s JOIN findings f ON f.scan_id = s.scan_id"
	 " AND f.ip = s.ip WHERE (?1 IS NULL OR s.scan_id = ?1) AND s.probe = 'mqtt'"
	 " AND s.auth IN" PROTECTED " AND f.category IN ('dashboard', 'file_share')"
	 " AND f.probe <> 'mqtt' AND f.severity_rank >= 2"},
};
#define NMETRICS (sizeof(metrics) / sizeof(metrics[0]))

static int64_t q_int(sqlite3 *db, const char *sql, const char *scan, bool *err)
{
	sqlite3_stmt *st;
	int64_t v = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "mqttsweep stats: %s\n", sqlite3_errmsg(db));
		*err = true;
		return 0;
	}
	if (scan)
		sqlite3_bind_text(st, 1, scan, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The person/device key of a location topic: owntracks/{user}/{device}, else the topic. */
static size_t location_key_len(const char *t)
{
	const char *p = t;
	int levels = 0;

	if (strncmp(t, "owntracks/", 10) != 0)
		return strlen(t);
	while (*p) {
		if (*p == '/' && ++levels == 3)
			return (size_t)(p - t);
		p++;
	}
	return strlen(t);
}

static int64_t people_located(sqlite3 *db, const char *scan, bool *err)
{
	static const char sql[] = "SELECT" S_BROKER_KEY ", 0, coalesce(f.topic, f.topic_b64),"
		" f.finding_id" F_ANYONE " AND f.category = 'location' AND f.severity_rank >= 1";
	sqlite3_stmt *st;
	struct vec kv; /* char *, one per row */
	char **keys;
	size_t n, distinct = 0;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		*err = true;
		return 0;
	}
	if (scan)
		sqlite3_bind_text(st, 1, scan, -1, SQLITE_TRANSIENT);
	vec_init(&kv, sizeof(char *), 64, ROWS_MAX);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *ip = (const char *)sqlite3_column_text(st, 0);
		const char *topic = (const char *)sqlite3_column_text(st, 2);
		const char *fid = (const char *)sqlite3_column_text(st, 3);
		const char *k = topic ? topic : (fid ? fid : "");
		size_t kl = topic ? location_key_len(topic) : strlen(k), len;
		char *key, **slot;

		if (vec_reserve(&kv, 1))
			break;
		len = strlen(ip ? ip : "") + kl + 32;
		key = malloc(len);
		if (!key)
			break;
		snprintf(key, len, "%s:%d|%.*s", ip ? ip : "", sqlite3_column_int(st, 1), (int)kl, k);
		slot = vec_push(&kv); /* reserved above */
		*slot = key;
	}
	sqlite3_finalize(st);
	keys = kv.p;
	n = kv.n;
	if (n)
		qsort(keys, n, sizeof(*keys), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (i == 0 || strcmp(keys[i], keys[i - 1]) != 0)
			distinct++;
		if (i)
			free(keys[i - 1]);
	}
	if (n)
		free(keys[n - 1]);
	vec_free(&kv);
	return (int64_t)distinct;
}

/* ---- possible honeypots ---- */

#define HP_WHERE " FROM services WHERE" SCAN_F "AND" REACHED " AND mqtt = 1 AND "
#define HP_FP "json_extract(json, '$.retained_fingerprint')"
#define HP_SFP "json_extract(json, '$.sys_fingerprint')"
#define HP_ID "json_extract(json, '$.sys_identity')"

/* Strings, sorted once complete, looked up by binary search. */
struct strset {
	struct vec v; /* char * */
};

static void set_init(struct strset *s)
{
	vec_init(&s->v, sizeof(char *), 16, ROWS_MAX);
}

static bool set_add(struct strset *s, const char *v)
{
	char *d, **slot;

	if (vec_reserve(&s->v, 1) || !(d = strdup(v)))
		return false;
	slot = vec_push(&s->v); /* reserved above */
	*slot = d;
	return true;
}

static bool set_has(const struct strset *s, const char *v)
{
	return v && s->v.n && bsearch(&v, s->v.p, s->v.n, sizeof(char *), cmp_str) != NULL;
}

static void set_free(struct strset *s)
{
	char **v = s->v.p;

	for (size_t i = 0; i < s->v.n; i++)
		free(v[i]);
	vec_free(&s->v);
}

/* Shared by real installations that never set a node name: not a deployment signal. */
static bool container_default(const char *id)
{
	return strstr(id, "@127.0.0.1") || strstr(id, "@localhost") || strstr(id, "@::1") ||
	       strcmp(id, "nonode@nohost") == 0;
}

enum hp_kind { HP_RETAINED, HP_SYS, HP_IDENTITY };

/* The retained or $SYS fingerprints, or the identities, that mark a repeated deployment. */
static bool suspicious_values(sqlite3 *db, const char *scan, enum hp_kind kind,
			      struct strset *out)
{
	static const char *const sql[] = {
		[HP_RETAINED] = "SELECT " HP_FP ", count(DISTINCT ip),"
			" max(json_extract(json, '$.retained_fingerprint_n'))" HP_WHERE HP_FP
			" IS NOT NULL GROUP BY 1",
		[HP_SYS] = "SELECT " HP_SFP ", count(DISTINCT ip),"
			" max(json_extract(json, '$.sys_fingerprint_n'))" HP_WHERE HP_SFP
			" IS NOT NULL GROUP BY 1",
		[HP_IDENTITY] = "SELECT " HP_ID ", count(DISTINCT ip), 0" HP_WHERE HP_ID
			" IS NOT NULL GROUP BY 1",
	};
	bool ids = kind == HP_IDENTITY;
	sqlite3_stmt *st;
	bool ok = true;

	if (sqlite3_prepare_v2(db, sql[kind], -1, &st, NULL) != SQLITE_OK)
		return false;
	if (scan)
		sqlite3_bind_text(st, 1, scan, -1, SQLITE_TRANSIENT);
	while (ok && sqlite3_step(st) == SQLITE_ROW) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		int64_t rep = sqlite3_column_int64(st, 1), n = sqlite3_column_int64(st, 2);
		bool sus;

		if (!v || rep < 0 || n < 0)
			continue;
		rep = rep > UINT32_MAX ? UINT32_MAX : rep;
		n = n > UINT32_MAX ? UINT32_MAX : n;
		if (ids) /* an identity is a whole deployment: weigh it like a non-trivial set */
			sus = !container_default(v) && cls_fingerprint_suspicious((uint32_t)rep, 3);
		else
			sus = cls_fingerprint_suspicious((uint32_t)rep, (uint32_t)n);
		if (sus)
			ok = set_add(out, v);
	}
	sqlite3_finalize(st);
	if (out->v.n)
		qsort(out->v.p, out->v.n, sizeof(char *), cmp_str);
	return ok;
}

/* Distinct brokers carrying a suspicious fingerprint or identity. */
static int64_t possible_honeypots(sqlite3 *db, const char *scan, bool *err)
{
	static const char sql[] = "SELECT DISTINCT" BROKER_KEY ", " HP_FP ", " HP_ID ", " HP_SFP
		HP_WHERE "(" HP_FP " IS NOT NULL OR " HP_ID " IS NOT NULL OR " HP_SFP
		" IS NOT NULL) ORDER BY 1";
	struct strset fps, ids, sfps;
	sqlite3_stmt *st = NULL;
	int64_t n = 0;
	char *last = NULL;

	set_init(&fps);
	set_init(&ids);
	set_init(&sfps);
	if (!suspicious_values(db, scan, HP_RETAINED, &fps) ||
	    !suspicious_values(db, scan, HP_IDENTITY, &ids) ||
	    !suspicious_values(db, scan, HP_SYS, &sfps) ||
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		*err = true;
		goto out;
	}
	if (scan)
		sqlite3_bind_text(st, 1, scan, -1, SQLITE_TRANSIENT);
	while ((fps.v.n || ids.v.n || sfps.v.n) && sqlite3_step(st) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);

		if (!key || (last && strcmp(last, key) == 0))
			continue; /* a broker listed twice (several records) counts once */
		if (set_has(&fps, (const char *)sqlite3_column_text(st, 1)) ||
		    set_has(&ids, (const char *)sqlite3_column_text(st, 2)) ||
		    set_has(&sfps, (const char *)sqlite3_column_text(st, 3))) {
			free(last);
			last = strdup(key);
			n++;
		}
	}
out:
	sqlite3_finalize(st);
	free(last);
	set_free(&fps);
	set_free(&ids);
	set_free(&sfps);
	return n;
}

/* The per-host picture: hosts where the broker and a dashboard or share are open doors
 * on the same address (the study's chain), full chains and worst first, at most 50. */
static const char hosts_sql[] =
	"SELECT ip, worst_severity, risk_chain, categories, open_dashboard, open_share, chain"
	" FROM hosts WHERE" SCAN_F "AND mqtt_services > 0 AND (open_dashboard OR open_share)"
	" ORDER BY chain DESC, (SELECT max(severity_rank) FROM findings f"
	"  WHERE f.scan_id = hosts.scan_id AND f.ip = hosts.ip) DESC, ip LIMIT 50";

static cJSON *chain_hosts(sqlite3 *db, const char *scan)
{
	sqlite3_stmt *st;
	cJSON *a = cJSON_CreateArray();

	if (!a || sqlite3_prepare_v2(db, hosts_sql, -1, &st, NULL) != SQLITE_OK)
		return a;
	if (scan)
		sqlite3_bind_text(st, 1, scan, -1, SQLITE_TRANSIENT);
	while (sqlite3_step(st) == SQLITE_ROW) {
		cJSON *h = cJSON_CreateObject(), *cats;
		const char *v;

		if (!h)
			break;
		for (int i = 0; i < 3; i++) {
			static const char *const k[] = {"ip", "worst_severity", "risk_chain"};

			v = (const char *)sqlite3_column_text(st, i);
			if (v)
				cJSON_AddStringToObject(h, k[i], v);
			else
				cJSON_AddNullToObject(h, k[i]);
		}
		v = (const char *)sqlite3_column_text(st, 3);
		cats = v ? cJSON_Parse(v) : NULL;
		cJSON_AddItemToObject(h, "findings_by_category", cats ? cats : cJSON_CreateObject());
		cJSON_AddBoolToObject(h, "open_dashboard", sqlite3_column_int(st, 4));
		cJSON_AddBoolToObject(h, "open_share", sqlite3_column_int(st, 5));
		cJSON_AddBoolToObject(h, "full_chain", sqlite3_column_int(st, 6));
		cJSON_AddItemToArray(a, h);
	}
	sqlite3_finalize(st);
	return a;
}

/* The access map's numbers: brokers with an access map, and brokers where a write test
 * of ours was confirmed or accepted (any account). A database written before the acl
 * table existed has none (stats opens it read-only; the sink adds the table). */
#define ACL_BROKERS "SELECT count(DISTINCT s.ip || ':' || s.port || '/' || s.transport)" \
	" FROM acl a JOIN services s ON s.id = a.service_id WHERE (?1 IS NULL OR a.scan_id = ?1)"

static int64_t acl_metric(const char *key, sqlite3 *db, const char *scan, bool *err)
{
	if (q_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'acl'",
		  NULL, err) == 0)
		return 0;
	if (strcmp(key, "acl_writable") == 0)
		return q_int(db, ACL_BROKERS " AND a.write IN ('confirmed', 'accepted')", scan, err);
	return q_int(db, ACL_BROKERS, scan, err);
}

/* The metrics without one SQL query. */
static int64_t computed(const struct metric *m, sqlite3 *db, const char *scan, bool *err)
{
	if (strncmp(m->key, "acl_", 4) == 0)
		return acl_metric(m->key, db, scan, err);
	if (strcmp(m->key, "possible_honeypots") == 0)
		return possible_honeypots(db, scan, err);
	return people_located(db, scan, err);
}

static int usage(void)
{
	fputs("usage: mqttsweep stats DB [--format text|json] [--scan SCAN_OR_RUN_ID]\n"
	      "  The study-style summary of a scan database (--db): brokers reached, speaking\n"
	      "  MQTT, open to anyone, leaking locations, door/lock state, actuators,\n"
	      "  credentials, open dashboards and shares, and hosts with the full chain.\n", stderr);
	return 2;
}

struct stats_args {
	const char *db, *scan;
	bool json;
};

static int parse_args(int argc, char **argv, struct stats_args *a)
{
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		const char *s = argv[i];

		if (strcmp(s, "--format") == 0 && i + 1 < argc) {
			s = argv[++i];
			if (strcmp(s, "json") && strcmp(s, "text")) {
				fprintf(stderr, "mqttsweep stats: unknown format '%s'\n", s);
				return 2;
			}
			a->json = strcmp(s, "json") == 0;
		} else if (strcmp(s, "--format=json") == 0 || strcmp(s, "--json") == 0) {
			a->json = true;
		} else if (strcmp(s, "--format=text") == 0) {
			a->json = false;
		} else if (strcmp(s, "--scan") == 0 && i + 1 < argc) {
			a->scan = argv[++i];
		} else if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
			return usage();
		} else if (s[0] == '-' || a->db) {
			fprintf(stderr, "mqttsweep stats: unexpected argument '%s'\n", s);
			return usage();
		} else {
			a->db = s;
		}
	}
	if (!a->db) {
		fputs("mqttsweep stats: no database given\n", stderr);
		return usage();
	}
	return 0;
}

/* A run counts once: scans without a run id count one each, a run id once. */
static int64_t count_runs(sqlite3 *db, const char *scan, bool *err)
{
	return q_int(db, "SELECT count(DISTINCT coalesce('run:' || json_extract(meta, '$.run_id'),"
		     " 'scan:' || scan_id)) FROM scans WHERE" SCAN_F, scan, err);
}

/* Shard "K/N" of a scan row: false when it is none (an unsharded scan is 0/1). */
static bool shard_of(const char *s, unsigned *k, unsigned *n)
{
	char *end;
	unsigned long a, b;

	if (!s) {
		*k = 0;
		*n = 1;
		return true;
	}
	a = strtoul(s, &end, 10);
	if (*end != '/')
		return false;
	b = strtoul(end + 1, &end, 10);
	if (*end || b == 0 || b > 65536 || a >= b)
		return false;
	*k = (unsigned)a;
	*n = (unsigned)b;
	return true;
}

struct run_acc {
	char id[80];
	unsigned n;            /* shards of the run (the largest N seen) */
	bool mixed;            /* shard rows disagree on N */
	uint8_t *seen;         /* per shard: 0 missing, 1 started, 2 finished */
};

static cJSON *run_json(const struct run_acc *r)
{
	cJSON *o = cJSON_CreateObject(), *rep, *inc, *mis;
	unsigned nrep = 0;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "run_id", r->id);
	cJSON_AddNumberToObject(o, "shards", r->n);
	rep = cJSON_AddArrayToObject(o, "reported");
	inc = cJSON_AddArrayToObject(o, "incomplete");
	mis = cJSON_AddArrayToObject(o, "missing");
	for (unsigned k = 0; k < r->n; k++) {
		cJSON *a = r->seen[k] == 2 ? rep : r->seen[k] == 1 ? inc : mis;

		nrep += r->seen[k] == 2;
		cJSON_AddItemToArray(a, cJSON_CreateNumber(k));
	}
	cJSON_AddNumberToObject(o, "shards_reported", nrep);
	cJSON_AddBoolToObject(o, "complete", nrep == r->n);
	if (r->mixed)
		cJSON_AddBoolToObject(o, "shard_counts_disagree", true);
	return o;
}

static void run_add(struct run_acc *r, unsigned k, unsigned n, bool finished)
{
	if (n != r->n) {
		uint8_t *p;

		if (r->n)
			r->mixed = true;
		if (n > r->n && (p = realloc(r->seen, n))) {
			memset(p + r->n, 0, n - r->n);
			r->seen = p;
			r->n = n;
		}
	}
	if (k < r->n && r->seen[k] < (finished ? 2 : 1))
		r->seen[k] = finished ? 2 : 1;
}

/* Every run in the database (or the one --scan names): its shards, which reported (the
 * scan finished), which started but did not finish, which never appeared. */
static cJSON *runs_json(sqlite3 *db, const char *scan, bool *err)
{
	static const char sql[] =
		"SELECT json_extract(meta, '$.run_id') AS r, json_extract(meta, '$.shard'),"
		" max(ended IS NOT NULL AND exit_code = 0) FROM scans WHERE" SCAN_F
		" AND r IS NOT NULL GROUP BY 1, 2 ORDER BY 1";
	cJSON *arr = cJSON_CreateArray();
	struct run_acc cur = {0};
	sqlite3_stmt *st;

	if (!arr || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		*err = true;
		return arr;
	}
	if (scan)
		sqlite3_bind_text(st, 1, scan, -1, SQLITE_TRANSIENT);
	for (;;) {
		int rc = sqlite3_step(st);
		const char *id = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
		unsigned k, n;

		if (cur.n && (!id || strcmp(id, cur.id))) {
			cJSON_AddItemToArray(arr, run_json(&cur));
			free(cur.seen);
			memset(&cur, 0, sizeof(cur));
		}
		if (rc != SQLITE_ROW)
			break;
		if (!cur.n)
			snprintf(cur.id, sizeof(cur.id), "%s", id ? id : "");
		if (shard_of((const char *)sqlite3_column_text(st, 1), &k, &n))
			run_add(&cur, k, n, sqlite3_column_int(st, 2) != 0);
	}
	free(cur.seen);
	sqlite3_finalize(st);
	return arr;
}

static void print_runs_text(const cJSON *runs)
{
	const cJSON *r, *k;

	cJSON_ArrayForEach(r, runs) {
		char *id = escape_term_s(cJSON_GetStringValue(cJSON_GetObjectItem(r, "run_id")));
		const cJSON *mis = cJSON_GetObjectItem(r, "missing");
		const cJSON *inc = cJSON_GetObjectItem(r, "incomplete");

		printf("  Run %s: %d of %d shard%s reported", id ? id : "",
		       cJSON_GetObjectItem(r, "shards_reported")->valueint,
		       cJSON_GetObjectItem(r, "shards")->valueint,
		       cJSON_GetObjectItem(r, "shards")->valueint == 1 ? "" : "s");
		if (cJSON_GetArraySize(inc)) {
			printf("; not finished:");
			cJSON_ArrayForEach(k, inc) printf(" %d", k->valueint);
		}
		if (cJSON_GetArraySize(mis)) {
			printf("; missing:");
			cJSON_ArrayForEach(k, mis) printf(" %d", k->valueint);
		}
		putchar('\n');
		free(id);
	}
}

static const struct metric *metric_by_key(const char *key, size_t *idx)
{
	for (size_t i = 0; key && i < NMETRICS; i++)
		if (strcmp(metrics[i].key, key) == 0) {
			*idx = i;
			return &metrics[i];
		}
	return NULL;
}

/* The population m is a share of (its index in *b), or NULL. */
static const struct metric *population(const struct metric *m, size_t *b)
{
	return m->of ? metric_by_key(m->of, b) : NULL;
}

/* The host-probe lines appear only where host probes ran. */
static bool shown(const struct metric *m, const int64_t *v)
{
	size_t b;

	if (strncmp(m->key, "host_probe_ports", 16) != 0)
		return true;
	return metric_by_key("host_probe_ports", &b) && v[b] > 0;
}

static void print_hosts_text(const cJSON *hosts)
{
	const cJSON *h;

	if (!cJSON_GetArraySize(hosts))
		return;
	printf("Hosts where the broker and a dashboard or share are open doors:\n");
	cJSON_ArrayForEach(h, hosts) {
		bool dash = cJSON_IsTrue(cJSON_GetObjectItem(h, "open_dashboard"));
		bool share = cJSON_IsTrue(cJSON_GetObjectItem(h, "open_share"));
		char *ip = escape_term_s(cJSON_GetStringValue(cJSON_GetObjectItem(h, "ip")));
		char *ch = escape_term_s(cJSON_GetStringValue(cJSON_GetObjectItem(h, "risk_chain")));
		char *sev = escape_term_s(cJSON_GetStringValue(cJSON_GetObjectItem(h, "worst_severity")));

		printf("  %s:%s%s%s%s", ip ? ip : "", dash ? " dashboard open" : "",
		       share ? " share open" : "",
		       cJSON_IsTrue(cJSON_GetObjectItem(h, "full_chain")) ? " (full chain)" : "",
		       sev && sev[0] ? " worst " : "");
		printf("%s%s%s\n", sev ? sev : "", ch && ch[0] ? " \xe2\x80\x94 " : "", ch ? ch : "");
		free(ip);
		free(ch);
		free(sev);
	}
}

static void print_text(const struct stats_args *a, const int64_t *v, int64_t nscans)
{
	printf("mqttsweep stats: %s (%s)\n", a->db, a->scan ? a->scan : "all scans");
	for (size_t i = 0; i < NMETRICS; i++) {
		const struct metric *m = &metrics[i], *p;
		size_t b;

		if (!shown(m, v))
			continue;
		printf("  %-48s %8lld", m->label, (long long)v[i]);
		if ((p = population(m, &b)) && v[b] > 0)
			printf("  (%5.1f%% of %s)", 100.0 * (double)v[i] / (double)v[b], p->pop);
		else if (i == 0)
			printf("  (%lld run%s)", (long long)nscans, nscans == 1 ? "" : "s");
		putchar('\n');
	}
}

static void print_json(const struct stats_args *a, const int64_t *v, int64_t nscans, cJSON *hosts,
		       cJSON *runs)
{
	cJSON *o = cJSON_CreateObject(), *m;
	char *txt;

	cJSON_AddStringToObject(o, "schema", "mqttsweep.stats/1");
	cJSON_AddStringToObject(o, "db", a->db);
	if (a->scan)
		cJSON_AddStringToObject(o, "scan_id", a->scan);
	else
		cJSON_AddNullToObject(o, "scan_id");
	cJSON_AddNumberToObject(o, "scans", (double)nscans); /* a run counts once */
	cJSON_AddItemToObject(o, "runs", runs ? runs : cJSON_CreateArray());
	cJSON_AddNumberToObject(o, "targets_tried", (double)v[0]);
	m = cJSON_AddObjectToObject(o, "metrics");
	for (size_t i = 0; m && i < NMETRICS; i++) {
		cJSON *e = cJSON_AddObjectToObject(m, metrics[i].key);
		const struct metric *p;
		size_t b;

		if (!e)
			continue;
		cJSON_AddNumberToObject(e, "count", (double)v[i]);
		if (!(p = population(&metrics[i], &b))) {
			cJSON_AddNullToObject(e, "percent");
			cJSON_AddNullToObject(e, "of");
		} else {
			if (v[b] > 0)
				cJSON_AddNumberToObject(
					e, "percent",
					(double)(int64_t)(1000.0 * (double)v[i] / (double)v[b] + 0.5) / 10.0);
			else
				cJSON_AddNullToObject(e, "percent");
			cJSON_AddStringToObject(e, "of", p->key);
		}
		if (metrics[i].pop)
			cJSON_AddStringToObject(e, "population", metrics[i].pop);
	}
	cJSON_AddItemToObject(o, "hosts", hosts ? hosts : cJSON_CreateArray());
	txt = cJSON_Print(o);
	if (txt)
		puts(txt);
	cJSON_free(txt);
	cJSON_Delete(o);
}

int stats_main(int argc, char **argv)
{
	struct stats_args a;
	sqlite3 *db = NULL;
	int64_t v[NMETRICS], nscans;
	bool err = false;
	cJSON *hosts = NULL, *runs = NULL;
	char copy[] = "/tmp/mqttsweep-stats-XXXXXX";
	const char *path;
	int rc = parse_args(argc, argv, &a);

	if (rc)
		return rc;
	path = a.db;
	if (pg_is_url(a.db)) { /* PostgreSQL: the rows of the run or scan, as a SQLite copy */
		int fd = mkstemp(copy);

		if (fd < 0 || (close(fd), pg_copy_to_sqlite(a.db, a.scan, copy, true))) {
			unlink(copy);
			fprintf(stderr, "mqttsweep stats: cannot read the PostgreSQL database\n");
			return 2;
		}
		path = copy;
	}
	rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
	if (path == copy)
		unlink(copy); /* the open handle keeps it */
	if (rc != SQLITE_OK) {
		fprintf(stderr, "mqttsweep stats: cannot open %s: %s\n", a.db, sqlite3_errmsg(db));
		sqlite3_close(db);
		return 2;
	}
	sqlite3_busy_timeout(db, 5000);
	nscans = count_runs(db, a.scan, &err);
	runs = runs_json(db, a.scan, &err);
	for (size_t i = 0; i < NMETRICS && !err; i++)
		v[i] = metrics[i].sql ? q_int(db, metrics[i].sql, a.scan, &err)
				      : computed(&metrics[i], db, a.scan, &err);
	if (!err)
		hosts = chain_hosts(db, a.scan);
	sqlite3_close(db);
	if (err) {
		fprintf(stderr, "mqttsweep stats: %s is not a mqttsweep database\n", a.db);
		cJSON_Delete(hosts);
		cJSON_Delete(runs);
		return 2;
	}
	if (a.json) {
		print_json(&a, v, nscans, hosts, runs);
	} else {
		print_text(&a, v, nscans);
		print_runs_text(runs);
		print_hosts_text(hosts);
		cJSON_Delete(hosts);
		cJSON_Delete(runs);
	}
	return fflush(stdout) == 0 ? 0 : 3;
}
