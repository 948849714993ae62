/* The scan configuration. Filled by the option table (app/options.c) from the command
 * line, read-only for everything else. Every field here has exactly one option in the
 * table; secrets are flagged there so the options echo never prints them. */
#ifndef MSW_CONFIG_H
#define MSW_CONFIG_H
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

enum msw_mode { MODE_SCAN, MODE_AUDIT };
enum msw_depth { DEPTH_TCP, DEPTH_CONNACK, DEPTH_TOPICS, DEPTH_HOST }; /* ordered: more is deeper */
enum msw_evidence { EVIDENCE_REDACTED, EVIDENCE_MINIMAL, EVIDENCE_RAW };
enum msw_format { FORMAT_AUTO, FORMAT_TEXT, FORMAT_JSON };

/* One account to audit (user name, password or NULL; the password is a secret). */
struct msw_account {
	char *user;
	char *password;
};
#define MSW_MAX_ACCOUNTS 8

/* MQTT protocol versions as bit flags (for --versions) */
#define MSW_V31  0x1u
#define MSW_V311 0x2u
#define MSW_V5   0x4u
#define MSW_VALL (MSW_V31 | MSW_V311 | MSW_V5)

struct msw_config {
	enum msw_mode mode;
	enum msw_depth depth;
	enum msw_evidence evidence;
	enum msw_format format;

	/* targets */
	char **targets;            /* positional TARGET arguments */
	size_t ntargets;
	const char *input_list;    /* -iL FILE|- */
	const char *ports;         /* -p spec, NULL = default */
	char **excludes;           /* --exclude (repeatable, comma lists) */
	size_t nexcludes;
	const char *exclude_file;
	bool no_default_blocklist; /* --no-blocklist (still records blocklisted counts) */
	uint64_t max_targets;      /* -n, 0 = unlimited */
	uint64_t seed;             /* --seed, 0 = random (the chosen seed is recorded) */
	bool seed_set;
	bool dry_run;              /* --dry-run / -sL */
	bool record_all;           /* --all: also refused / timed out */
	bool probe_all;            /* --probe-all: host probes on every host */
	unsigned shard, shards;    /* --shard k/n */
	unsigned workers;          /* --workers N processes (0/1 = one) */
	const char *resume_db;     /* --resume DB */

	/* MQTT behaviour */
	unsigned versions;         /* MSW_V* flags to try; 0 = mode default */
	bool auth_probe;           /* --auth-probe */
	const char *username;      /* -u */
	const char *password;      /* -P / --password-file / MQTTSWEEP_PASSWORD (secret) */
	const char *password_file;
	const char *credentials_file; /* --credentials FILE: user:password lines */
	/* every account to audit, in order: the -u/-P pairs, then the --credentials lines
	 * (built by the option parser; the first is also username/password) */
	struct msw_account *accounts;
	size_t naccounts;
	const char *client_id_prefix; /* -I, default "msw-" */
	uint32_t window_ms;        /* --window (listen time after SUBACK) */
	uint32_t max_messages;     /* per target */
	uint64_t max_bytes;        /* per target, payload bytes collected */
	uint32_t max_topics;       /* topics kept in the record list */
	uint32_t max_packet;       /* largest MQTT packet we accept (and advertise in v5) */
	uint32_t sample_bytes;     /* first-payload sample cap per topic */

	/* engine */
	uint32_t connect_timeout_ms;
	uint32_t io_timeout_ms;    /* idle read timeout */
	uint32_t host_timeout_ms;  /* total per target */
	uint32_t concurrency;
	uint32_t rate;             /* new connections per second */
	uint32_t per_host;         /* concurrent connections to one address */

	/* transports (issue 3) */
	const char *ca_file;
	const char *cert_file;
	const char *key_file;
	bool insecure;
	const char *psk;           /* secret */
	const char *psk_identity;
	bool tls_legacy_check;
	bool detect;
	const char *ws_path;

	/* host probes (issue 5) */
	bool try_default_logins;
	bool read_secrets;
	bool publish_proof;        /* opt-in write test (never to observed topics or $SYS) */
	uint32_t acl_filters;      /* --acl-filters: access-map filters per account, 0 = no map */
	const char *acl_topics;    /* --acl-topics FILE: more filters for the map */
	char **acl_topic_list;     /* the lines of that file, read once by the option parser */
	size_t nacl_topic_list;

	/* output */
	const char *json_out;      /* -oJ FILE */
	const char *db_path;       /* --db FILE (SQLite) */
	const char *csv_out;
	const char *html_out;
	const char *metadata_file;
	const char *hash_key;      /* key for --evidence minimal level hashes */
	bool quiet, verbose;
	bool color;

	/* appended for issue 5 (host probes): --smb-port N, an extra SMB port for the smb
	 * host probe besides 445 (tests run smbd on 4445); 0 = none */
	uint32_t smb_port;

	/* --fail-on SEVERITY: exit 1 when a finding at or above it exists; 0 = none, else
	 * enum msw_severity + 1 (app/fail_on.h) */
	int fail_on;

	/* one run over many machines (app/shard.c settles these after parsing) */
	const char *run_id;        /* --run-id, else MQTTSWEEP_RUN_ID or the Slurm array job */
	uint32_t shards_opt;       /* --shards N: zmap's spelling, with --shard K */
	bool shard_auto;           /* --shard auto: the scheduler's task index */
	bool shard_no_count;       /* --shard K given without /N */
	uint32_t retries;          /* --retries: a timed-out connect is tried again */

	/* --details: the terminal lists every finding with its meaning, fix and reproduce
	 * line under its service (audit: on; scan: off) */
	bool details;
};

#endif
