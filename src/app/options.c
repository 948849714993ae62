/* The option table: one row per option drives parsing, --help and the options echo.
 *
 * A row names every spelling of the option (the first long name is the canonical one, used
 * as the echo key), its type and the offset of its field in struct msw_config, the
 * default per mode written as command-line text (so defaults go through the same parser
 * as user input), the help text and flags (secret: never echoed; repeatable: a list).
 * Boolean options also accept --no-NAME. Defaults that depend on other options (the I/O
 * and host timeouts follow --window) are derived after parsing unless given explicitly.
 * Every string in the config is owned by it (options_free() releases them); secrets are
 * wiped before they are freed. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "app/fail_on.h"
#include "app/options.h"
#include "app/shard.h"
#include "output/output.h"
#include "engine/targets.h"
#include "probes/mqtt_access.h"


/* Table rows are positional and leave trailing fields (flags, range) out when unused. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* clang-format off */
enum otype { OT_SECTION, OT_BOOL, OT_STR, OT_LIST, OT_U32, OT_U64, OT_MS, OT_BYTES32,
	     OT_BYTES64, OT_ENUM, OT_VERSIONS, OT_SHARD, OT_SEED };

#define OPT_SECRET 0x1u
#define OPT_FILE   0x2u   /* value is a file name that must be readable ("-" = stdin) */
#define OPT_URL    0x4u   /* may be a URL with a password: echoed with it masked */

struct opt {
	const char *names[4];    /* spellings; names[0] is the canonical long name */
	enum otype type;
	size_t off;              /* field in struct msw_config */
	const char *def[2];      /* default per mode (MODE_SCAN, MODE_AUDIT) as argument text */
	const char *const *choices;  /* OT_ENUM: names in enum order */
	const char *arg;         /* argument name for --help */
	const char *help;
	unsigned flags;
	double min, max;         /* numeric range (in the option's own unit) */
};

static const char *const depth_names[] = { "tcp", "connack", "topics", "host", NULL };
static const char *const evidence_names[] = { "redacted", "minimal", "raw", NULL };
static const char *const format_names[] = { "auto", "text", "json", NULL };

#define F(field) offsetof(struct msw_config, field)
#define BOTH(d) { d, d }
#define SECTION(title) { .names = { title }, .type = OT_SECTION }
#define MAXU32 4294967295.0

static const struct opt table[] = {
	SECTION("Targets"),
	{ { "--ports", "-p" }, OT_STR, F(ports), BOTH("1883,8883/tls,1884/ws,8884/wss"), NULL,
	  "SPEC", "ports: lists, ranges, /tcp /tls /ws /wss hints, 'web' (adds the WebSocket "
	  "ports); a bare 8883 is TLS" },
	{ { "--input-list", "-iL" }, OT_STR, F(input_list), { 0 }, NULL, "FILE",
	  "read targets from FILE ('-' = stdin), one per line, # comments", OPT_FILE },
	{ { "--exclude" }, OT_LIST, F(excludes), { 0 }, NULL, "LIST",
	  "exclude addresses, ranges, CIDRs, names (comma list; repeatable)" },
	{ { "--excludefile", "--exclude-file" }, OT_STR, F(exclude_file), { 0 }, NULL, "FILE",
	  "exclude the targets listed in FILE", OPT_FILE },
	{ { "--no-blocklist" }, OT_BOOL, F(no_default_blocklist), { 0 }, NULL, NULL,
	  "do not apply the default blocklist of reserved and private ranges" },
	{ { "--max-targets", "-n" }, OT_U64, F(max_targets), BOTH("0"), NULL, "N",
	  "stop after N hosts (0 = no limit; with --resume a total over every part)", 0, 0, 1e18 },
	{ { "--seed" }, OT_SEED, F(seed), { 0 }, NULL, "N",
	  "seed of the target order (default: random, recorded in the metadata)" },
	{ { "--dry-run", "-sL" }, OT_BOOL, F(dry_run), { 0 }, NULL, NULL,
	  "list the targets (ip port transport) in scan order and exit" },
	{ { "--all" }, OT_BOOL, F(record_all), { 0 }, NULL, NULL,
	  "also record refused, timed-out and blocklisted targets" },
	{ { "--probe-all" }, OT_BOOL, F(probe_all), { 0 }, NULL, NULL,
	  "run the host probes (depth host) on every host, not only MQTT hosts" },
	{ { "--shard" }, OT_SHARD, F(shard), BOTH("0/1"), NULL, "K/N",
	  "scan only shard K (0-based) of N of the target order; K with --shards N; 'auto': "
	  "the Slurm array task or Kubernetes completion index (needs --seed and a run id)" },
	{ { "--shards" }, OT_U32, F(shards_opt), { 0 }, NULL, "N",
	  "number of shards (zmap's spelling: --shards N --shard K)", 0, 1, 65536 },
	{ { "--run-id" }, OT_STR, F(run_id), { 0 }, NULL, "ID",
	  "the run the shards belong to (default: $MQTTSWEEP_RUN_ID, else slurm-"
	  "$SLURM_ARRAY_JOB_ID)" },
	{ { "--workers" }, OT_U32, F(workers), BOTH("1"), NULL, "N",
	  "split the scan over N processes", 0, 1, 64 },
	{ { "--resume" }, OT_STR, F(resume_db), { 0 }, NULL, "DB",
	  "resume the interrupted scan recorded in DB (a SQLite file or postgresql:// URL)",
	  OPT_URL },

	SECTION("MQTT"),
	{ { "--depth" }, OT_ENUM, F(depth), { "connack", "host" }, depth_names, "LEVEL",
	  "tcp: connect only (open/closed/filtered, nothing sent); connack: verdict only; "
	  "topics: subscribe and collect; host: add same-host probes" },
	{ { "--versions" }, OT_VERSIONS, F(versions), { "3.1.1", "all" }, NULL, "LIST",
	  "MQTT versions (3.1,3.1.1,5.0 or all); scan tries 3.1.1 first and falls back" },
	{ { "--auth-probe" }, OT_BOOL, F(auth_probe), { "false", "true" }, NULL, NULL,
	  "when refused, try once with random credentials (detects any_credentials)" },
	{ { "--username", "-u" }, OT_STR, F(username), { 0 }, NULL, "NAME",
	  "connect as NAME" },
	{ { "--password", "-P" }, OT_STR, F(password), { 0 }, NULL, "SECRET",
	  "password (prefer --password-file or MQTTSWEEP_PASSWORD)", OPT_SECRET },
	{ { "--password-file" }, OT_STR, F(password_file), { 0 }, NULL, "FILE",
	  "read the password from the first line of FILE", OPT_FILE },
	{ { "--credentials" }, OT_STR, F(credentials_file), { 0 }, NULL, "FILE",
	  "more accounts, one user:password a line, each audited on its own and compared "
	  "(-u/-P given more than once do the same)", OPT_FILE },
	{ { "--client-id-prefix", "-I" }, OT_STR, F(client_id_prefix), BOTH("msw-"), NULL, "PFX",
	  "client id prefix (a random suffix is added)" },
	{ { "--window" }, OT_MS, F(window_ms), { "5", "30" }, NULL, "SECONDS",
	  "listen time after SUBACK (depth topics/host)", 0, 0, 86400 },
	{ { "--max-messages" }, OT_U32, F(max_messages), BOTH("10000"), NULL, "N",
	  "messages collected per target", 0, 0, MAXU32 },
	{ { "--max-bytes" }, OT_BYTES64, F(max_bytes), BOTH("8M"), NULL, "SIZE",
	  "payload bytes collected per target (k/M/G suffixes)", 0, 0, 1e15 },
	{ { "--max-topics" }, OT_U32, F(max_topics), BOTH("1000"), NULL, "N",
	  "topics kept in a record", 0, 0, 1e7 },
	{ { "--max-packet" }, OT_BYTES32, F(max_packet), BOTH("256K"), NULL, "SIZE",
	  "largest MQTT packet accepted (and advertised in 5.0)", 0, 64, 268435460.0 },
	{ { "--sample-bytes" }, OT_BYTES32, F(sample_bytes), BOTH("1024"), NULL, "SIZE",
	  "first-payload sample kept per topic", 0, 0, 1048576 },
	{ { "--publish-proof" }, OT_BOOL, F(publish_proof), { 0 }, NULL, NULL,
	  "opt-in write test: one non-retained message to a random topic of our own (and one "
	  "under each access-map family), never an observed topic or $SYS" },
	{ { "--acl-filters" }, OT_U32, F(acl_filters), { "0", "32" }, NULL, "N",
	  "access map: topic filters subscribed to (and, with --publish-proof, written under) "
	  "per account at depth topics/host; 0 = no map", 0, 0, 256 },
	{ { "--acl-topics" }, OT_STR, F(acl_topics), { 0 }, NULL, "FILE",
	  "more access-map filters, one per line (%u = the account's user name)", OPT_FILE },

	SECTION("Speed and politeness"),
	{ { "--connect-timeout" }, OT_MS, F(connect_timeout_ms), BOTH("3"), NULL, "SECONDS",
	  "TCP connect timeout", 0, 0.001, 3600 },
	{ { "--io-timeout" }, OT_MS, F(io_timeout_ms), BOTH("5"), NULL, "SECONDS",
	  "idle read timeout (at least window+5 when collecting)", 0, 0.001, 86400 },
	{ { "--host-timeout", "--timeout" }, OT_MS, F(host_timeout_ms), { 0 }, NULL, "SECONDS",
	  "total time per target (default: window + 15)", 0, 0.001, 86400 * 7 },
	{ { "--concurrency" }, OT_U32, F(concurrency), BOTH("4096"), NULL, "N",
	  "connections in flight (one process may hold 20,000 files)", 0, 1, 19000 },
	{ { "--rate", "--max-rate" }, OT_U32, F(rate), BOTH("1000"), NULL, "N",
	  "new connections per second (0 = no limit)", 0, 0, 10000000 },
	{ { "--per-host" }, OT_U32, F(per_host), BOTH("2"), NULL, "N",
	  "concurrent connections to one address", 0, 1, 1000 },
	{ { "--retries" }, OT_U32, F(retries), BOTH("1"), NULL, "N",
	  "try a timed-out connect again, N times, after the rest of the queue", 0, 0, 10 },

	SECTION("TLS and WebSocket"),
	{ { "--cafile", "--ca-file" }, OT_STR, F(ca_file), { 0 }, NULL, "FILE",
	  "CA bundle to verify brokers against (default: system CAs)", OPT_FILE },
	{ { "--cert" }, OT_STR, F(cert_file), { 0 }, NULL, "FILE",
	  "client certificate (PEM)", OPT_FILE },
	{ { "--key" }, OT_STR, F(key_file), { 0 }, NULL, "FILE", "client key (PEM)", OPT_FILE },
	{ { "--insecure" }, OT_BOOL, F(insecure), { 0 }, NULL, NULL,
	  "do not verify certificates (they are still recorded)" },
	{ { "--psk" }, OT_STR, F(psk), { 0 }, NULL, "HEX", "TLS pre-shared key", OPT_SECRET },
	{ { "--psk-identity" }, OT_STR, F(psk_identity), { 0 }, NULL, "ID", "TLS-PSK identity" },
	{ { "--tls-legacy-check" }, OT_BOOL, F(tls_legacy_check), { 0 }, NULL, NULL,
	  "test TLS 1.0/1.1 acceptance on a separate connection" },
	{ { "--detect" }, OT_BOOL, F(detect), { 0 }, NULL, NULL,
	  "try TLS where plain MQTT got garbage, and plain where TLS failed" },
	{ { "--ws-path" }, OT_STR, F(ws_path), { 0 }, NULL, "PATH",
	  "WebSocket path (default: /mqtt, /, /ws in turn)" },

	SECTION("Host probes"),
	{ { "--try-default-logins" }, OT_BOOL, F(try_default_logins), { 0 }, NULL, NULL,
	  "try documented default logins on dashboards and shares" },
	{ { "--read-secrets" }, OT_BOOL, F(read_secrets), { 0 }, NULL, NULL,
	  "read secret files found on open shares (evidence redacted)" },
	{ { "--smb-port" }, OT_U32, F(smb_port), BOTH("0"), NULL, "PORT",
	  "an extra port for the SMB host probe besides 445 (0 = none)", 0, 0, 65535 },

	SECTION("Output"),
	{ { "--format" }, OT_ENUM, F(format), BOTH("auto"), format_names, "FMT",
	  "stdout: text (terminal default) or json (JSON lines)" },
	{ { "--json-out", "-oJ" }, OT_STR, F(json_out), { 0 }, NULL, "FILE",
	  "write JSON lines to FILE" },
	{ { "--db" }, OT_STR, F(db_path), { 0 }, NULL, "DB",
	  "write results to a SQLite file, or to PostgreSQL: postgresql://user@host:port/db",
	  OPT_URL },
	{ { "--csv" }, OT_STR, F(csv_out), { 0 }, NULL, "FILE", "write a CSV summary to FILE" },
	{ { "--html" }, OT_STR, F(html_out), { 0 }, NULL, "FILE", "write an HTML report to FILE" },
	{ { "--metadata-file" }, OT_STR, F(metadata_file), { 0 }, NULL, "FILE",
	  "write the scan record (version, seed, options, counts) to FILE" },
	{ { "--evidence" }, OT_ENUM, F(evidence), BOTH("redacted"), evidence_names, "LEVEL",
	  "redacted, minimal (hashes) or raw evidence in records" },
	{ { "--hash-key" }, OT_STR, F(hash_key), { 0 }, NULL, "KEY",
	  "key for the hashes of --evidence minimal", OPT_SECRET },
	{ { "--quiet", "-q" }, OT_BOOL, F(quiet), { 0 }, NULL, NULL, "no progress line" },
	{ { "--verbose", "-v" }, OT_BOOL, F(verbose), { 0 }, NULL, NULL, "more detail on stderr" },
	{ { "--color" }, OT_BOOL, F(color), { 0 }, NULL, NULL, "colour the terminal summary" },
	{ { "--details" }, OT_BOOL, F(details), { "false", "true" }, NULL, NULL,
	  "terminal: every finding with its meaning, fix and reproduce line (audit default)" },
	{ { "--fail-on" }, OT_ENUM, F(fail_on), BOTH("none"), fail_on_names, "SEVERITY",
	  "exit 1 when a finding at or above SEVERITY exists (none, info, low, medium, high, "
	  "critical)" },
};

/* clang-format on */

#define NOPTS (sizeof(table) / sizeof(table[0]))

_Static_assert(offsetof(struct msw_config, nexcludes) ==
		       offsetof(struct msw_config, excludes) + sizeof(char **),
	       "list layout");
_Static_assert(offsetof(struct msw_config, shards) ==
		       offsetof(struct msw_config, shard) + sizeof(unsigned),
	       "shard layout");

static msw_err fail(char **errmsg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static msw_err fail(char **errmsg, const char *fmt, ...)
{
	va_list ap;

	if (errmsg) {
		free(*errmsg);
		va_start(ap, fmt);
		if (vasprintf(errmsg, fmt, ap) < 0)
			*errmsg = NULL;
		va_end(ap);
	}
	return MSW_ERR_USAGE;
}

static void *fld(struct msw_config *c, const struct opt *o)
{
	return (char *)c + o->off;
}

static const void *cfld(const struct msw_config *c, const struct opt *o)
{
	return (const char *)c + o->off;
}

static void free_str(char **p, bool secret)
{
	if (*p && secret)
		explicit_bzero(*p, strlen(*p));
	free(*p);
	*p = NULL;
}

/* ---- value parsers: each returns NULL or why the value is bad ---- */

static const char *parse_u64(const char *v, const struct opt *o, uint64_t *out)
{
	char *end;

	if (!isdigit((unsigned char)*v))
		return "not a number";
	errno = 0;
	*out = strtoull(v, &end, 10);
	if (errno || *end)
		return "not a number";
	if ((double)*out < o->min || (double)*out > o->max)
		return "out of range";
	return NULL;
}

static const char *parse_seconds(const char *v, const struct opt *o, uint32_t *ms)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (!strcmp(end, "ms")) /* "500ms"; "5s" and a bare "5" are seconds */
		d /= 1000.0;
	else if (!strcmp(end, "s"))
		end++;
	if (errno || end == v || (*end && strcmp(end, "ms")) || !isfinite(d) ||
	    !(isdigit((unsigned char)*v) || *v == '.'))
		return "not a number of seconds";
	if (d < o->min || d > o->max)
		return "out of range";
	*ms = (uint32_t)llround(d * 1000.0);
	return NULL;
}

static const char *parse_bytes(const char *v, const struct opt *o, uint64_t *out)
{
	char *end;
	double d, mul = 1;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || !isfinite(d) || d < 0 || !isdigit((unsigned char)*v))
		return "not a size";
	switch (tolower((unsigned char)*end)) {
	case 'k':
		mul = 1024.0;
		end++;
		break;
	case 'm':
		mul = 1024.0 * 1024;
		end++;
		break;
	case 'g':
		mul = 1024.0 * 1024 * 1024;
		end++;
		break;
	default:
		break;
	}
	if (mul > 1 && *end == 'i')
		end++;
	if (tolower((unsigned char)*end) == 'b')
		end++;
	if (*end)
		return "not a size (use a number with an optional k, M or G suffix)";
	d *= mul;
	if (d < o->min || d > o->max)
		return "out of range";
	*out = (uint64_t)d;
	return NULL;
}

static const char *parse_versions(const char *v, unsigned *out)
{
	static const struct {
		const char *name;
		unsigned bit;
	} vs[] = {
		{"3.1", MSW_V31}, {"3", MSW_V31}, {"3.1.1", MSW_V311}, {"4", MSW_V311},
		{"5.0", MSW_V5},  {"5", MSW_V5},  {"all", MSW_VALL},
	};
	const char *p = v;

	*out = 0;
	while (*p) {
		size_t n = strcspn(p, ","), i;

		for (i = 0; i < sizeof(vs) / sizeof(vs[0]); i++)
			if (strlen(vs[i].name) == n && !strncasecmp(p, vs[i].name, n))
				break;
		if (i == sizeof(vs) / sizeof(vs[0]))
			return "unknown MQTT version (use 3.1, 3.1.1, 5.0 or all)";
		*out |= vs[i].bit;
		p += n;
		if (*p == ',' && *++p == '\0')
			return "empty entry";
	}
	return *out ? NULL : "empty list";
}

/* K/N, K (N from --shards) or auto (app/shard.c settles the last two after parsing). */
static const char *parse_shard(const char *v, struct msw_config *c)
{
	unsigned *k = &c->shard, *n = &c->shards;
	unsigned long a, b;
	char *end;

	c->shard_auto = c->shard_no_count = false;
	if (!strcmp(v, "auto")) {
		c->shard_auto = true;
		*k = 0;
		*n = 1;
		return NULL;
	}
	if (!isdigit((unsigned char)*v))
		return "use K/N, K with --shards N, or auto";
	errno = 0;
	a = strtoul(v, &end, 10);
	if (!errno && !*end && a < 65536) {
		c->shard_no_count = true;
		*k = (unsigned)a;
		*n = 1;
		return NULL;
	}
	if (errno || *end != '/' || !isdigit((unsigned char)end[1]))
		return "use K/N, K with --shards N, or auto";
	b = strtoul(end + 1, &end, 10);
	if (errno || *end || b == 0 || b > 65536 || a >= b)
		return "use K/N with 0 <= K < N";
	*k = (unsigned)a;
	*n = (unsigned)b;
	return NULL;
}

static const char *parse_seed(const char *v, uint64_t *out)
{
	char *end;

	if (!isdigit((unsigned char)*v))
		return "not a number";
	errno = 0;
	*out = strtoull(v, &end, 0);
	return errno || *end ? "not a number" : NULL;
}

static const char *parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes")) {
		*out = true;
		return NULL;
	}
	if (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no")) {
		*out = false;
		return NULL;
	}
	return "not a boolean (true or false)";
}

static const char *parse_enum(const char *v, const struct opt *o, int *out)
{
	for (int i = 0; o->choices[i]; i++)
		if (!strcasecmp(v, o->choices[i])) {
			*out = i;
			return NULL;
		}
	return "unknown choice";
}

static const char *set_list(struct msw_config *c, const struct opt *o, const char *v)
{
	char ***arr = fld(c, o);
	size_t *n = (size_t *)((char *)fld(c, o) + sizeof(char **));
	char **p = realloc(*arr, (*n + 1) * sizeof(*p));

	if (!p)
		return "out of memory";
	*arr = p;
	if (!(p[*n] = strdup(v)))
		return "out of memory";
	(*n)++;
	return NULL;
}

static const char *set_value(struct msw_config *c, const struct opt *o, const char *v)
{
	const char *why = NULL;
	uint64_t u = 0;
	uint32_t ms = 0;
	int e = 0;

	switch (o->type) {
	case OT_BOOL:
		return parse_bool(v, fld(c, o));
	case OT_STR:
		if (!*v)
			return "empty";
		free_str(fld(c, o), o->flags & OPT_SECRET);
		return (*(char **)fld(c, o) = strdup(v)) ? NULL : "out of memory";
	case OT_LIST:
		return *v ? set_list(c, o, v) : "empty";
	case OT_U32:
	case OT_U64:
		if (!(why = parse_u64(v, o, &u))) {
			if (o->type == OT_U32)
				*(uint32_t *)fld(c, o) = (uint32_t)u;
			else
				*(uint64_t *)fld(c, o) = u;
		}
		return why;
	case OT_MS:
		if (!(why = parse_seconds(v, o, &ms)))
			*(uint32_t *)fld(c, o) = ms;
		return why;
	case OT_BYTES32:
	case OT_BYTES64:
		if (!(why = parse_bytes(v, o, &u))) {
			if (o->type == OT_BYTES32)
				*(uint32_t *)fld(c, o) = (uint32_t)u;
			else
				*(uint64_t *)fld(c, o) = u;
		}
		return why;
	case OT_ENUM:
		if (!(why = parse_enum(v, o, &e)))
			*(int *)fld(c, o) = e;
		return why;
	case OT_VERSIONS:
		return parse_versions(v, fld(c, o));
	case OT_SHARD:
		return parse_shard(v, c);
	case OT_SEED:
		if (!(why = parse_seed(v, fld(c, o))))
			c->seed_set = true;
		return why;
	case OT_SECTION:
		break;
	}
	return "internal error";
}

static bool takes_arg(const struct opt *o)
{
	return o->type != OT_BOOL && o->type != OT_SECTION;
}

/* Which option a command-line token is; *val is an inline value (--x=v, -p1883) or NULL.
 * Exact spellings win over a short option with its value attached. */
static const struct opt *find_opt(const char *tok, const char **val, bool *neg)
{
	*val = NULL;
	*neg = false;
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < NOPTS; i++) {
			const struct opt *o = &table[i];

			for (int j = 0; j < 4 && o->names[j] && o->type != OT_SECTION; j++) {
				const char *nm = o->names[j];
				size_t n = strlen(nm);
				bool lng = nm[1] == '-';

				if (pass == 1) {
					if (n == 2 && takes_arg(o) && !strncmp(tok, nm, 2) &&
					    tok[2]) {
						*val = tok + 2;
						return o;
					}
					continue;
				}
				if (!strcmp(tok, nm))
					return o;
				if (lng && !strncmp(tok, nm, n) && tok[n] == '=') {
					*val = tok + n + 1;
					return o;
				}
				if (lng && o->type == OT_BOOL && !strncmp(tok, "--no-", 5) &&
				    !strcmp(tok + 5, nm + 2)) {
					*neg = true;
					return o;
				}
			}
		}
	}
	return NULL;
}

_Static_assert(offsetof(struct msw_config, ntargets) ==
		       offsetof(struct msw_config, targets) + sizeof(char **),
	       "list layout");
static const struct opt targets_opt = {{"TARGET"}, OT_LIST, F(targets)};

#define MASKED "***" /* how the argv echo shows a secret; never taken as a value */

static msw_err set_from_arg(struct msw_config *cfg, const struct opt *o, const char *tok,
			    const char *val, bool neg, char **errmsg)
{
	const char *why;

	if (o->type == OT_BOOL && !val) {
		*(bool *)fld(cfg, o) = !neg;
		return MSW_OK;
	}
	if ((o->flags & OPT_SECRET) && !strcmp(val, MASKED))
		return MSW_OK;
	why = set_value(cfg, o, val);
	if (!why)
		return MSW_OK;
	if (o->type == OT_ENUM) {
		char list[128] = "";
		size_t n = 0;

		for (int i = 0; o->choices[i] && n < sizeof(list); i++)
			n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
					      o->choices[i]);
		return fail(errmsg, "bad value '%s' for %s: use one of %s", val, tok, list);
	}
	return fail(errmsg, "bad value '%s' for %s: %s", val, tok, why);
}

/* One line of a small text file into buf (without its end): 1, 0 at the end of the file,
 * -1 for a line longer than cap - 1 bytes or holding NUL (the caller stops there: a file
 * like /dev/zero is refused at its first line instead of read forever). */
static int next_line(FILE *f, char *buf, size_t cap)
{
	size_t n = 0;
	int c = 0;

	while ((c = getc(f)) != EOF && c != '\n') {
		if (c == 0 || n + 1 >= cap)
			return -1;
		buf[n++] = (char)c;
	}
	if (n && buf[n - 1] == '\r')
		n--;
	buf[n] = 0;
	return n || c != EOF ? 1 : 0;
}

#define LIST_FILE_LINES 1024 /* lines read from --acl-topics and --credentials */

/* --acl-topics: one topic filter per line; blank lines and lines of '#' followed by more
 * text (comments: no filter holds '#' before its end) are skipped. */
static msw_err acl_topics_line(struct msw_config *cfg, char *s, size_t lineno, char **errmsg)
{
	char **v;
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || (s[0] == '#' && s[1]))
		return MSW_OK;
	if (!acl_filter_valid(s))
		return fail(errmsg, "bad topic filter on line %zu of '%s' (--acl-topics)", lineno,
			    cfg->acl_topics);
	if (!(v = realloc(cfg->acl_topic_list, (cfg->nacl_topic_list + 1) * sizeof(*v))))
		return MSW_ERR_NOMEM;
	cfg->acl_topic_list = v;
	if (!(v[cfg->nacl_topic_list] = strdup(s)))
		return MSW_ERR_NOMEM;
	cfg->nacl_topic_list++;
	return MSW_OK;
}

/* Read FILE (the value of option `name`) line by line through each(). */
static msw_err read_list_file(struct msw_config *cfg, const char *path, const char *name,
			      msw_err (*each)(struct msw_config *, char *, size_t, char **),
			      char **errmsg)
{
	char buf[4096 + 2];
	size_t lineno = 0;
	msw_err rc = MSW_OK;
	int got = 1;
	FILE *f;

	if (!path)
		return MSW_OK;
	if (!(f = fopen(path, "r")))
		return fail(errmsg, "cannot read '%s' (%s): %s", path, name, strerror(errno));
	while (!rc && (got = next_line(f, buf, sizeof(buf))) > 0 && ++lineno <= LIST_FILE_LINES)
		rc = each(cfg, buf, lineno, errmsg);
	fclose(f);
	explicit_bzero(buf, sizeof(buf));
	if (!rc && got < 0)
		rc = fail(errmsg, "line %zu of '%s' (%s) is not a short line of text", lineno + 1,
			  path, name);
	else if (!rc && lineno > LIST_FILE_LINES)
		rc = fail(errmsg, "more than %d lines in '%s' (%s)", LIST_FILE_LINES, path, name);
	return rc;
}

static msw_err read_acl_topics(struct msw_config *cfg, char **errmsg)
{
	return read_list_file(cfg, cfg->acl_topics, "--acl-topics", acl_topics_line, errmsg);
}

/* ---- accounts: -u/-P pairs and --credentials ---- */

static void free_accounts(struct msw_config *cfg)
{
	for (size_t i = 0; i < cfg->naccounts; i++) {
		free(cfg->accounts[i].user);
		free_str(&cfg->accounts[i].password, true);
	}
	free(cfg->accounts);
	cfg->accounts = NULL;
	cfg->naccounts = 0;
}

/* Append an account (copies; user may be NULL until its -u comes). */
static msw_err add_account(struct msw_config *cfg, const char *user, const char *password)
{
	struct msw_account *a = realloc(cfg->accounts, (cfg->naccounts + 1) * sizeof(*a));

	if (!a)
		return MSW_ERR_NOMEM;
	cfg->accounts = a;
	a = &cfg->accounts[cfg->naccounts++];
	a->user = user ? strdup(user) : NULL;
	a->password = password ? strdup(password) : NULL;
	return (user && !a->user) || (password && !a->password) ? MSW_ERR_NOMEM : MSW_OK;
}

/* Each -u starts an account and a -P gives the password of the one before it (a -P
 * before any -u, the first's). */
static msw_err note_account(struct msw_config *cfg, const struct opt *o, const char *val)
{
	struct msw_account *last = cfg->naccounts ? &cfg->accounts[cfg->naccounts - 1] : NULL;

	if (o->off == F(username)) {
		if (last && !last->user)
			return (last->user = strdup(val)) ? MSW_OK : MSW_ERR_NOMEM;
		return add_account(cfg, val, NULL);
	}
	if (o->off != F(password) || !strcmp(val, MASKED))
		return MSW_OK;
	if (!last)
		return add_account(cfg, NULL, val);
	free_str(&last->password, true);
	return (last->password = strdup(val)) ? MSW_OK : MSW_ERR_NOMEM;
}

/* "user:password" (the password may hold ':'; "user" alone: no password); blank lines
 * and '#' comments are skipped. */
static msw_err credentials_line(struct msw_config *cfg, char *s, size_t lineno, char **errmsg)
{
	char *colon = strchr(s, ':');

	if (!*s || *s == '#')
		return MSW_OK;
	if (colon)
		*colon = 0;
	if (!*s)
		return fail(errmsg, "no user name on line %zu of '%s' (--credentials)", lineno,
			    cfg->credentials_file);
	return add_account(cfg, s, colon ? colon + 1 : NULL);
}

static msw_err read_credentials(struct msw_config *cfg, char **errmsg)
{
	return read_list_file(cfg, cfg->credentials_file, "--credentials", credentials_line,
			      errmsg);
}

/* The accounts to audit: the -u/-P pairs (one -u: with the password from -P,
 * --password-file or the environment), then --credentials; the first is also
 * username/password. */
static msw_err build_accounts(struct msw_config *cfg, char **errmsg)
{
	msw_err rc = MSW_OK;

	if (cfg->naccounts <= 1) {
		free_accounts(cfg);
		if (cfg->username)
			rc = add_account(cfg, cfg->username, cfg->password);
	} else if (!cfg->accounts[0].user) {
		return fail(errmsg, "-P/--password given without a -u/--username");
	}
	if (!rc)
		rc = read_credentials(cfg, errmsg);
	if (rc)
		return rc;
	if (cfg->naccounts > MSW_MAX_ACCOUNTS)
		return fail(errmsg, "more than %d accounts (-u, --credentials)", MSW_MAX_ACCOUNTS);
	if (!cfg->naccounts)
		return MSW_OK;
	free_str((char **)&cfg->username, false);
	free_str((char **)&cfg->password, true);
	cfg->username = strdup(cfg->accounts[0].user);
	if (cfg->accounts[0].password)
		cfg->password = strdup(cfg->accounts[0].password);
	return cfg->username && (cfg->password || !cfg->accounts[0].password) ? MSW_OK
									      : MSW_ERR_NOMEM;
}

static msw_err parse_args(int argc, char **argv, struct msw_config *cfg, bool *set, char **errmsg)
{
	bool only_pos = false, neg;
	const char *val;
	msw_err rc;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		const struct opt *o;

		if (!only_pos && !strcmp(a, "--")) {
			only_pos = true;
			continue;
		}
		if (only_pos || a[0] != '-' || !a[1]) {
			if (!strcmp(a, "-"))
				return fail(errmsg,
					    "bad target '-': to read targets from stdin use -iL -");
			if (set_list(cfg, &targets_opt, a))
				return MSW_ERR_NOMEM;
			continue;
		}
		if (!(o = find_opt(a, &val, &neg)))
			return fail(errmsg, "unknown option '%s' (see --help)", a);
		if (takes_arg(o) && !val) {
			if (i + 1 >= argc)
				return fail(errmsg, "option '%s' needs an argument (%s)", a,
					    o->arg);
			val = argv[++i];
		}
		if ((rc = set_from_arg(cfg, o, a, val, neg, errmsg)))
			return rc;
		if ((rc = note_account(cfg, o, val)))
			return rc;
		set[o - table] = true;
	}
	return MSW_OK;
}

static msw_err apply_defaults(enum msw_mode mode, struct msw_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = mode;
	for (size_t i = 0; i < NOPTS; i++) {
		const char *d = table[i].def[mode == MODE_AUDIT];

		if (d && set_value(cfg, &table[i], d))
			return MSW_ERR_INTERNAL;
	}
	return MSW_OK;
}

static const struct opt *opt_by_field(size_t off)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (table[i].type != OT_SECTION && table[i].off == off)
			return &table[i];
	return NULL;
}

/* First line of the password file (without the line end): text, at most 4 KiB. */
static msw_err read_password_file(struct msw_config *cfg, char **errmsg)
{
	FILE *f = fopen(cfg->password_file, "r");
	char buf[4096 + 1];
	size_t n = 0;
	int c = 0;

	if (!f)
		return fail(errmsg, "cannot read '%s' (--password-file): %s", cfg->password_file,
			    strerror(errno));
	while (n < sizeof(buf) - 1 && (c = getc(f)) != EOF && c != '\n' && c != 0)
		buf[n++] = (char)c;
	fclose(f);
	buf[n] = '\0';
	if (c == 0 || n == sizeof(buf) - 1) {
		explicit_bzero(buf, sizeof(buf));
		return fail(errmsg, "cannot read '%s' (--password-file): not a short line of text",
			    cfg->password_file);
	}
	if (n == 0 && c == EOF)
		return fail(errmsg, "cannot read '%s' (--password-file): empty file",
			    cfg->password_file);
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	cfg->password = strdup(buf);
	explicit_bzero(buf, sizeof(buf));
	return cfg->password ? MSW_OK : MSW_ERR_NOMEM;
}

/* A password is sent only with a username: -P or --password-file without -u is a usage
 * error, and MQTTSWEEP_PASSWORD is read only when -u is given. */
static msw_err password_sources(struct msw_config *cfg, const bool *set, char **errmsg)
{
	const char *env = getenv("MQTTSWEEP_PASSWORD");
	const struct opt *pw = opt_by_field(F(password)), *pf = opt_by_field(F(password_file));

	if (!cfg->username && !cfg->resume_db && (set[pw - table] || set[pf - table]))
		return fail(errmsg, "option '%s' needs a username: give -u/--username too",
			    set[pw - table] ? "-P/--password" : "--password-file");
	if (!cfg->username)
		return MSW_OK;
	if (cfg->password)
		return MSW_OK;
	if (cfg->password_file)
		return read_password_file(cfg, errmsg);
	if (env && *env && !(cfg->password = strdup(env)))
		return MSW_ERR_NOMEM;
	return MSW_OK;
}

static void derive_defaults(struct msw_config *cfg, const bool *set)
{
	const struct opt *io = opt_by_field(F(io_timeout_ms));
	const struct opt *host = opt_by_field(F(host_timeout_ms));
	uint64_t want;

	if (!set[io - table] && cfg->depth >= DEPTH_TOPICS &&
	    cfg->io_timeout_ms < (uint64_t)cfg->window_ms + 5000)
		cfg->io_timeout_ms = cfg->window_ms + 5000;
	want = (uint64_t)cfg->window_ms + 15000;
	if (cfg->naccounts > 1) /* each account listens for its own window */
		want += (uint64_t)(cfg->naccounts - 1) * ((uint64_t)cfg->window_ms + 5000);
	if (!set[host - table])
		cfg->host_timeout_ms = want > UINT32_MAX ? UINT32_MAX : (uint32_t)want;
}

static msw_err check_files(const struct msw_config *cfg, char **errmsg)
{
	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt *o = &table[i];
		const char *path;
		FILE *f;

		if (!(o->flags & OPT_FILE) || !(path = *(char *const *)cfld(cfg, o)))
			continue;
		if (!strcmp(path, "-") && o->off == F(input_list))
			continue;
		if (!(f = fopen(path, "r")))
			return fail(errmsg, "cannot read '%s' (%s): %s", path, o->names[0],
				    strerror(errno));
		fclose(f);
	}
	return MSW_OK;
}

static bool valid_prefix(const char *p)
{
	size_t n = strlen(p);

	if (n > 16)
		return false;
	for (; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
	return true;
}

static msw_err validate(const struct msw_config *cfg, char **errmsg)
{
	struct port_spec *ps = NULL;
	size_t nps;
	char *m = NULL;
	msw_err rc;

	if ((rc = check_files(cfg, errmsg)))
		return rc;
	rc = parse_ports(cfg->ports, &ps, &nps, &m);
	free(ps);
	for (size_t i = 0; i < cfg->ntargets && !rc; i++)
		rc = parse_target_spec(cfg->targets[i], &m);
	if (rc) {
		fail(errmsg, "%s", m ? m : msw_err_str(rc));
		free(m);
		return rc == MSW_ERR_NOMEM ? rc : MSW_ERR_USAGE;
	}
	if (!cfg->ntargets && !cfg->input_list && !cfg->resume_db)
		return fail(errmsg,
			    "empty target list: name hosts, ranges or URLs, or use -iL FILE");
	if (!valid_prefix(cfg->client_id_prefix))
		return fail(errmsg,
			    "bad value '%s' for --client-id-prefix: up to 16 of "
			    "[A-Za-z0-9_-]",
			    cfg->client_id_prefix);
	if (cfg->ws_path && cfg->ws_path[0] != '/')
		return fail(errmsg, "bad value '%s' for --ws-path: must start with '/'",
			    cfg->ws_path);
	if (cfg->key_file && !cfg->cert_file)
		return fail(errmsg, "bad option '--key %s': give --cert too", cfg->key_file);
	return MSW_OK;
}

msw_err options_parse(enum msw_mode mode, int argc, char **argv, struct msw_config *cfg,
		      char **errmsg)
{
	bool set[NOPTS] = {false};
	msw_err rc;

	if (errmsg)
		*errmsg = NULL;
	if ((rc = apply_defaults(mode, cfg)))
		return rc;
	rc = parse_args(argc, argv, cfg, set, errmsg);
	if (!rc)
		rc = password_sources(cfg, set, errmsg);
	if (!rc)
		rc = read_acl_topics(cfg, errmsg);
	if (!rc)
		rc = build_accounts(cfg, errmsg);
	if (!rc) {
		derive_defaults(cfg, set);
		rc = shard_resolve(cfg, set[opt_by_field(F(shard)) - table], errmsg);
	}
	if (!rc)
		rc = validate(cfg, errmsg);
	return rc;
}

/* ---- secrets in the process's own command line ---- */

static void blank(char *s)
{
	memset(s, '*', strlen(s));
}

/* The password inside "scheme://user:pass@host/...", blanked in place. */
static void blank_url_password(char *a)
{
	char *s = strstr(a, "://"), *end, *at = NULL, *colon;

	if (!s)
		return;
	s += 3;
	end = s + strcspn(s, "/?#");
	for (char *p = s; p < end; p++)
		if (*p == '@')
			at = p;
	if (!at || !(colon = memchr(s, ':', (size_t)(at - s))))
		return;
	memset(colon + 1, '*', (size_t)(at - colon - 1));
}

void options_hide_secrets(int argc, char **argv)
{
	bool only_pos = false, neg;
	const char *val;

	for (int i = 0; i < argc; i++) {
		char *a = argv[i];
		const struct opt *o;

		if (!only_pos && !strcmp(a, "--")) {
			only_pos = true;
			continue;
		}
		if (only_pos || a[0] != '-' || !a[1]) {
			blank_url_password(a);
			continue;
		}
		if (!(o = find_opt(a, &val, &neg)))
			continue;
		if (takes_arg(o) && !val && i + 1 < argc)
			val = argv[++i];
		if ((o->flags & OPT_SECRET) && val)
			blank((char *)val); /* val points into argv[i] */
	}
}

/* ---- echo ---- */

static void versions_list(unsigned v, char *buf, size_t n)
{
	size_t o = 0;

	buf[0] = '\0';
	if (v == MSW_VALL) {
		snprintf(buf, n, "all");
		return;
	}
	if (v & MSW_V31)
		o += (size_t)snprintf(buf + o, n - o, "3.1");
	if ((v & MSW_V311) && o < n)
		o += (size_t)snprintf(buf + o, n - o, "%s3.1.1", o ? "," : "");
	if ((v & MSW_V5) && o < n)
		snprintf(buf + o, n - o, "%s5.0", o ? "," : "");
}

static cJSON *echo_value(const struct msw_config *cfg, const struct opt *o)
{
	const void *p = cfld(cfg, o);
	char buf[64];

	switch (o->type) {
	case OT_BOOL:
		return cJSON_CreateBool(*(const bool *)p);
	case OT_STR:
		if (*(char *const *)p && (o->flags & OPT_URL)) {
			char *m = output_mask_url(*(char *const *)p);
			cJSON *s = m ? cJSON_CreateString(m) : cJSON_CreateNull();

			free(m);
			return s;
		}
		return *(char *const *)p ? cJSON_CreateString(*(char *const *)p)
					 : cJSON_CreateNull();
	case OT_LIST: {
		size_t n = *(const size_t *)((const char *)p + sizeof(char **));

		return n ? cJSON_CreateStringArray((const char *const *)*(char *const *)p, (int)n)
			 : cJSON_CreateArray();
	}
	case OT_U32:
	case OT_BYTES32:
		return cJSON_CreateNumber(*(const uint32_t *)p);
	case OT_U64:
	case OT_BYTES64:
		return cJSON_CreateNumber((double)*(const uint64_t *)p);
	case OT_MS:
		return cJSON_CreateNumber(*(const uint32_t *)p / 1000.0);
	case OT_ENUM:
		return cJSON_CreateString(o->choices[*(const int *)p]);
	case OT_VERSIONS:
		versions_list(*(const unsigned *)p, buf, sizeof(buf));
		return cJSON_CreateString(buf);
	case OT_SHARD:
		snprintf(buf, sizeof(buf), "%u/%u", cfg->shard, cfg->shards);
		return cJSON_CreateString(buf);
	case OT_SEED:
		if (!cfg->seed_set)
			return cJSON_CreateNull();
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)cfg->seed);
		return cJSON_CreateString(buf);
	case OT_SECTION:
		break;
	}
	return cJSON_CreateNull();
}

cJSON *options_echo(const struct msw_config *cfg)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "mode", cfg->mode == MODE_AUDIT ? "audit" : "scan");
	cJSON_AddItemToObject(o, "targets",
			      cfg->ntargets
				      ? cJSON_CreateStringArray((const char *const *)cfg->targets,
								(int)cfg->ntargets)
				      : cJSON_CreateArray());
	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt *t = &table[i];

		if (t->type == OT_SECTION || (t->flags & OPT_SECRET))
			continue;
		cJSON_AddItemToObject(o, t->names[0] + 2, echo_value(cfg, t));
	}
	return o;
}

/* ---- help ---- */

static void help_row(FILE *f, const struct opt *o, enum msw_mode mode)
{
	char left[80];
	size_t n = 0;
	const char *d = o->def[mode == MODE_AUDIT];

	for (int pass = 0; pass < 2; pass++) /* short spellings first, then long ones */
		for (int j = 0; j < 4 && o->names[j]; j++)
			if ((o->names[j][1] == '-') == (pass == 1) && n < sizeof(left))
				n += (size_t)snprintf(left + n, sizeof(left) - n, "%s%s",
						      n ? ", " : "", o->names[j]);
	if (o->arg && n < sizeof(left))
		snprintf(left + n, sizeof(left) - n, " %s", o->arg);
	if (strlen(left) > 31)
		fprintf(f, "  %s\n  %-31s %s", left, "", o->help);
	else
		fprintf(f, "  %-31s %s", left, o->help);
	if (d && o->type != OT_BOOL && !(o->type == OT_U64 && !strcmp(d, "0")))
		fprintf(f, " [%s]", d);
	else if (d && o->type == OT_BOOL && !strcmp(d, "true"))
		fprintf(f, " [on; --no-%s turns it off]", o->names[0] + 2);
	fputc('\n', f);
}

void options_help(FILE *f, enum msw_mode mode)
{
	if (mode == MODE_AUDIT)
		fprintf(f, "usage: mqttsweep audit [options] HOST[:PORT]...\n"
			   "  Audit hosts deeply: depth host, 30 s window, every MQTT version, "
			   "any-credentials probe.\n");
	else
		fprintf(f,
			"usage: mqttsweep scan [options] TARGET...\n"
			"  Sweep targets: IPv4, CIDR, a.b.c.d-e, a.b.c.d-a.b.c.d, IPv6, host names,\n"
			"  host:port, [v6]:port, mqtt://[user[:pass]@]host[:port], mqtts://, ws://, "
			"wss://.\n");
	for (size_t i = 0; i < NOPTS; i++) {
		if (table[i].type == OT_SECTION)
			fprintf(f, "\n%s:\n", table[i].names[0]);
		else
			help_row(f, &table[i], mode);
	}
	fprintf(f, "\nThe password can also come from the environment: MQTTSWEEP_PASSWORD.\n"
		   "Exit codes: 0 finished, 1 a finding at or above --fail-on, 2 usage or "
		   "configuration error,\n3 runtime failure (an output failed), 130/143 "
		   "interrupted by SIGINT/SIGTERM\n(2, 3, 130 and 143 win over 1).\n");
}

void options_free(struct msw_config *cfg)
{
	for (size_t i = 0; i < NOPTS; i++) {
		const struct opt *o = &table[i];

		if (o->type == OT_STR) {
			free_str(fld(cfg, o), o->flags & OPT_SECRET);
		} else if (o->type == OT_LIST) {
			char **arr = *(char ***)fld(cfg, o);
			size_t n = *(size_t *)((char *)fld(cfg, o) + sizeof(char **));

			for (size_t j = 0; j < n; j++)
				free(arr[j]);
			free(arr);
		}
	}
	for (size_t j = 0; j < cfg->ntargets; j++)
		free(cfg->targets[j]);
	free(cfg->targets);
	for (size_t j = 0; j < cfg->nacl_topic_list; j++)
		free(cfg->acl_topic_list[j]);
	free(cfg->acl_topic_list);
	free_accounts(cfg);
	memset(cfg, 0, sizeof(*cfg));
}

/* ---- --resume ---- */

static msw_err push_arg(int *n, char ***v, const char *s)
{
	char **p = realloc(*v, (size_t)(*n + 2) * sizeof(*p));

	if (!p)
		return MSW_ERR_NOMEM;
	*v = p;
	if (!(p[*n] = strdup(s)))
		return MSW_ERR_NOMEM;
	p[++*n] = NULL;
	return MSW_OK;
}

/* --shard, --shards and --run-id given with --resume pick the scan to continue (app/main.c)
 * and are not replayed: the scan's own recorded values are. Returns how many arguments
 * the option at argv[i] takes up (1 or 2), or 0 when it is not one of them. */
static int resume_selector(int argc, char **argv, int i)
{
	const struct opt *o;
	const char *val;
	bool neg;

	if (argv[i][0] != '-' || !(o = find_opt(argv[i], &val, &neg)))
		return 0;
	if (o->off != F(shard) && o->off != F(shards_opt) && o->off != F(run_id))
		return 0;
	return takes_arg(o) && !val && i + 1 < argc ? 2 : 1;
}

/* The new command line may add options (a password, outputs) but no targets: the target
 * space, and so every host index, must be the interrupted scan's. */
static msw_err check_no_targets(int argc, char **argv, char **errmsg)
{
	for (int i = 0; i < argc; i++) {
		const struct opt *o;
		const char *val;
		bool neg;

		if (!strcmp(argv[i], "--") || argv[i][0] != '-' || !argv[i][1])
			return fail(errmsg,
				    "bad target '%s': --resume scans the interrupted scan's "
				    "targets; give none",
				    argv[i]);
		o = find_opt(argv[i], &val, &neg);
		if (o && o->off == F(input_list))
			return fail(errmsg, "option '%s' cannot change with --resume", argv[i]);
		if (o && takes_arg(o) && !val)
			i++;
	}
	return MSW_OK;
}

msw_err options_resume_argv(const cJSON *echo, int argc, char **argv, enum msw_mode *mode,
			    int *nargc, char ***nargv, char **errmsg)
{
	const cJSON *it;
	int n = 0, seen_mode = 0;
	char **v = NULL;
	msw_err rc = check_no_targets(argc, argv, errmsg);

	*nargc = 0;
	*nargv = NULL;
	if (rc)
		return rc;
	if (!cJSON_IsArray(echo))
		return fail(errmsg, "bad value for --resume: no command line recorded");
	rc = push_arg(&n, &v, "mqttsweep");
	cJSON_ArrayForEach(it, echo)
	{
		if (rc || !cJSON_IsString(it))
			continue; /* non-UTF-8 arguments ({"b64":..}) cannot be replayed */
		if (!seen_mode &&
		    (!strcmp(it->valuestring, "scan") || !strcmp(it->valuestring, "audit"))) {
			seen_mode = 1;
			*mode = strcmp(it->valuestring, "audit") ? MODE_SCAN : MODE_AUDIT;
			rc = push_arg(&n, &v, it->valuestring);
		} else if (seen_mode) {
			rc = push_arg(&n, &v, it->valuestring);
		}
	}
	if (!rc && !seen_mode)
		rc = fail(errmsg, "bad value for --resume: no scan or audit command recorded");
	for (int i = 0; i < argc && !rc; i++) {
		int skip = resume_selector(argc, argv, i);

		if (skip)
			i += skip - 1;
		else
			rc = push_arg(&n, &v, argv[i]);
	}
	if (rc) {
		for (int i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return rc;
	}
	*nargc = n;
	*nargv = v;
	return MSW_OK;
}
