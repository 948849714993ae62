/* mqttsweep: parse → seed → targets → output → engine → report.
 * Subcommands: scan, audit, lab up|down|status, stats DB, export SOURCE, report SOURCE,
 * diff OLD NEW, lint FILE..., harden, --version, --help.
 * Exit codes: 0 finished; 1 a finding at or above --fail-on; 2 usage or configuration
 * error; 3 runtime failure (a sink failed; partial results flushed); 128+signal (130, 143)
 * after SIGINT/SIGTERM. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include "base/config.h"
#include "engine/engine.h"
#include "transport/tls.h"
#include "app/fail_on.h"
#include "app/harden.h"
#include "app/lint.h"
#include "app/options.h"
#include "app/report_cmd.h"
#include "engine/targets.h"
#include "output/output.h"
#include "output/record.h"
#include "output/stats.h"
#include "app/export_main.h"

#define EXIT_USAGE   2
#define EXIT_RUNTIME 3
#define EXIT_NOTHING (-1) /* not an exit code: done, exit 0 without running */

static void usage(FILE *f)
{
	fprintf(f,
		"mqttsweep %s: find exposed MQTT brokers and show what an outsider can read "
		"or control.\n\n"
		"usage: mqttsweep scan [options] TARGET...     sweep (depth connack by default)\n"
		"       mqttsweep audit [options] HOST[:PORT]... one host, deeply (depth host)\n"
		"       mqttsweep lab up|down|status            the built-in lab on 127.x\n"
		"       mqttsweep stats DB [--format json]      summary of a SQLite result\n"
		"       mqttsweep export SOURCE --out DIR ...   CERT formats (Shadowserver, IntelMQ, zgrab2)\n"
		"       mqttsweep report SOURCE -o FILE         the owner's HTML report of a result\n"
		"       mqttsweep diff OLD [NEW] [--format jsonl] what changed between two scans\n"
		"       mqttsweep lint [options] FILE...        check a Mosquitto configuration\n"
		"       mqttsweep harden --listen A:P --out DIR  write a locked-down Mosquitto setup\n"
		"       mqttsweep --version | --help\n\n"
		"'mqttsweep scan --help' and 'mqttsweep audit --help' list the options.\n",
		MSW_VERSION);
}

static void fill_random(void *p, size_t n)
{
	uint8_t *b = p;

	while (n) {
		ssize_t got = getrandom(b, n, 0);

		if (got < 0) {
			if (errno == EINTR)
				continue;
			perror("mqttsweep: getrandom");
			exit(EXIT_RUNTIME);
		}
		b += got;
		n -= (size_t)got;
	}
}

static void new_scan_id(char *out, size_t n)
{
	uint8_t r[16];

	fill_random(r, sizeof(r));
	for (size_t i = 0; i < sizeof(r) && 2 * i + 2 < n; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

static void on_signal(int signo)
{
	engine_request_stop(signo);
}

static void install_signals(void)
{
	struct sigaction sa = {.sa_handler = on_signal};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed stdout is a sink failure, not a silent death */
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 0; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

/* --dry-run / -sL: every target in scan order, "ip port transport", then exit 0. */
static int dry_run(struct target_iter *it)
{
	struct target_host *h;
	msw_err rc;

	while ((rc = targets_next(it, &h)) != MSW_ERR_CLOSED) {
		if (rc == MSW_ERR_AGAIN) {
			struct pollfd p = {.fd = targets_fd(it), .events = POLLIN};

			if (poll(&p, 1, 1000) < 0 && errno != EINTR)
				return EXIT_RUNTIME;
			continue;
		}
		if (rc)
			return EXIT_RUNTIME;
		if (h->unresolved)
			fprintf(stderr, "mqttsweep: %s: name did not resolve: %s\n",
				h->base.hostname ? h->base.hostname : "?",
				h->resolve_error ? h->resolve_error : "");
		else if (!h->blocklisted)
			for (size_t i = 0; i < h->nports; i++)
				printf("%s %u %s\n", h->base.ip, h->ports[i].port,
				       transport_str((enum msw_transport)h->ports[i].transport));
		targets_release(it, h);
	}
	return fflush(stdout) ? EXIT_RUNTIME : 0;
}

struct run {
	struct msw_config cfg;
	int argc; /* the command line for the metadata echo (merged on resume) */
	char **argv;
	char **owned_argv;
	bool (*is_done)(void *arg, uint64_t index);
	void *done_arg;
	char scan_id[40];
	uint64_t seed;
	bool resumed;
	struct resume_info resume; /* --resume: the finished hosts' counts, finished or not */
};

static int usage_error(char *err)
{
	fprintf(stderr, "mqttsweep: %s\n", err ? err : "usage error");
	free(err);
	return EXIT_USAGE;
}

/* --resume DB: the interrupted scan's id, seed and command line, plus the new options. A
 * database may hold several scans (the shards of a run): --run-id and --shard given with
 * --resume (or taken from the scheduler's environment, as for a new scan) say which. */
static int resume(struct run *r, int argc, char **argv)
{
	enum msw_mode mode = r->cfg.mode;
	cJSON *echo = NULL;
	char *sid = NULL, *err = NULL, shard[32];
	struct resume_pick pick = {.run_id = r->cfg.run_id};
	int nargc = 0;
	msw_err rc;

	if (r->cfg.shards > 1) {
		snprintf(shard, sizeof(shard), "%u/%u", r->cfg.shard, r->cfg.shards);
		pick.shard = shard;
	}
	rc = output_resume_load(r->cfg.resume_db, &pick, &sid, &r->seed, &echo, &r->is_done,
				&r->done_arg, &r->resume);
	if (rc) {
		fprintf(stderr, "mqttsweep: cannot resume from '%s': %s\n", r->cfg.resume_db,
			msw_err_str(rc));
		return EXIT_USAGE;
	}
	snprintf(r->scan_id, sizeof(r->scan_id), "%s", sid);
	free(sid);
	rc = options_resume_argv(echo, argc, argv, &mode, &nargc, &r->owned_argv, &err);
	cJSON_Delete(echo);
	if (rc)
		return usage_error(err);
	options_free(&r->cfg);
	if (options_parse(mode, nargc - 2, r->owned_argv + 2, &r->cfg, &err))
		return usage_error(err);
	r->argc = nargc;
	r->argv = r->owned_argv;
	r->resumed = true;
	if (r->resume.finished) { /* nothing is opened, nothing written */
		fprintf(stderr,
			"mqttsweep: scan %s in '%s' already finished (%llu targets tried); "
			"nothing to resume, nothing changed\n",
			r->scan_id, r->cfg.resume_db,
			(unsigned long long)r->resume.base.targets_tried);
		return EXIT_NOTHING;
	}
	return 0;
}

static int parse_cmdline(struct run *r, enum msw_mode mode, int argc, char **argv)
{
	char *err = NULL;

	if (options_parse(mode, argc, argv, &r->cfg, &err))
		return usage_error(err);
	if (r->cfg.resume_db)
		return resume(r, argc, argv);
	r->seed = r->cfg.seed;
	if (!r->cfg.seed_set)
		fill_random(&r->seed, sizeof(r->seed));
	new_scan_id(r->scan_id, sizeof(r->scan_id));
	return 0;
}

static int finish_code(msw_err rc, const struct output *out)
{
	if (rc == MSW_ERR_INTERRUPTED) {
		int sig = engine_stop_signal();

		return 128 + (sig > 0 ? sig : SIGINT);
	}
	if (rc || output_failed(out))
		return EXIT_RUNTIME;
	return 0;
}

static int scan(struct run *r, struct target_iter *it)
{
	struct scan_stats st = r->resume.base; /* zero, or the finished hosts' counts */
	struct output *out = NULL;
	msw_err rc;
	int code;

	output_set_argv(r->argc, r->argv);
	output_set_options_echo(options_echo);
	rc = output_open(&r->cfg, r->scan_id, r->seed, &out);
	if (rc) {
		fprintf(stderr, "mqttsweep: cannot open the outputs: %s\n", msw_err_str(rc));
		return rc == MSW_ERR_NOMEM ? EXIT_RUNTIME : EXIT_USAGE;
	}
	engine_set_scan(r->scan_id, r->seed);
	install_signals();
	rc = engine_run(&r->cfg, it, out, &st);
	if (targets_blocklisted(it) > st.blocklisted)
		st.blocklisted = targets_blocklisted(it);
	code = fail_on_exit_code(finish_code(rc, out), st.findings_by_severity, r->cfg.fail_on);
	if (output_finish(out, &st, code) && code == 0)
		code = EXIT_RUNTIME;
	output_close(out);
	return code;
}

/* A bad --cafile/--cert/--key/--psk is a configuration error, reported once at start. */
static int check_tls_options(const struct msw_config *cfg)
{
	char err[512];

	if (!cfg->ca_file && !cfg->cert_file && !cfg->key_file && !cfg->psk)
		return 0;
	if (tls_global_init(cfg, err, sizeof err) == MSW_OK)
		return 0;
	fprintf(stderr, "mqttsweep: %s\n", err);
	return EXIT_USAGE;
}

static int run_scan(enum msw_mode mode, int argc, char **argv, int full_argc, char **full_argv)
{
	struct run r = {.argc = full_argc, .argv = full_argv};
	struct target_iter *it = NULL;
	char *err = NULL;
	int code;

	if (wants_help(argc, argv)) {
		options_help(stdout, mode);
		return 0;
	}
	if (argc == 1 && !strcmp(argv[0], "--version")) {
		printf("mqttsweep %s\n", MSW_VERSION);
		return 0;
	}
	code = parse_cmdline(&r, mode, argc, argv);
	if (!code)
		options_hide_secrets(argc, argv); /* the values are copied: ps shows '*' */
	if (!code)
		code = check_tls_options(&r.cfg);
	if (!code) {
		r.cfg.seed = r.seed; /* the options echo records the seed actually used */
		r.cfg.seed_set = true;
		if (targets_open(&r.cfg, r.seed, &it, &err))
			code = usage_error(err);
	}
	if (!code && r.is_done)
		targets_set_skip(it, r.is_done, r.done_arg);
	if (!code && r.is_done)
		engine_set_skip(r.is_done, r.done_arg);
	if (!code)
		code = r.cfg.dry_run ? dry_run(it) : scan(&r, it);
	if (code == EXIT_NOTHING)
		code = 0;
	targets_close(it);
	options_free(&r.cfg);
	for (int i = 0; r.owned_argv && r.owned_argv[i]; i++)
		free(r.owned_argv[i]);
	free(r.owned_argv);
	if (r.done_arg)
		output_resume_free(r.done_arg);
	return code;
}

/* lab up|down|status: run lab/lab.sh from the source tree ($MSW_SOURCE_DIR, else next to
 * the build directory holding this binary). */
static int run_lab(int argc, char **argv)
{
	char exe[PATH_MAX], script[PATH_MAX + 32];
	const char *src = getenv("MSW_SOURCE_DIR");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char **av;

	if (argc < 1) {
		fprintf(stderr, "mqttsweep: lab needs a command: up, down or status\n");
		return EXIT_USAGE;
	}
	if (n < 0)
		n = 0;
	exe[n] = '\0';
	if (src && *src) {
		snprintf(script, sizeof(script), "%s/lab/lab.sh", src);
	} else {
		char *slash = strrchr(exe, '/');

		if (slash)
			*slash = '\0';
		snprintf(script, sizeof(script), "%s/../lab/lab.sh", exe);
		if (access(script, R_OK))
			snprintf(script, sizeof(script), "%s/lab/lab.sh", exe);
		if (slash)
			*slash = '/';
	}
	if (access(script, R_OK)) {
		fprintf(stderr, "mqttsweep: cannot find the lab script '%s' (set MSW_SOURCE_DIR)\n",
			script);
		return EXIT_USAGE;
	}
	if (n > 0 && !getenv("MSW_BIN"))
		setenv("MSW_BIN", exe, 1);
	av = calloc((size_t)argc + 3, sizeof(*av));
	if (!av)
		return EXIT_RUNTIME;
	av[0] = "bash";
	av[1] = script;
	for (int i = 0; i < argc; i++)
		av[i + 2] = argv[i];
	execvp("bash", av);
	perror("mqttsweep: exec bash");
	free(av);
	return EXIT_RUNTIME;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version") || !strcmp(cmd, "-V")) {
		printf("mqttsweep %s\n", MSW_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "scan"))
		return run_scan(MODE_SCAN, argc - 2, argv + 2, argc, argv);
	if (!strcmp(cmd, "audit"))
		return run_scan(MODE_AUDIT, argc - 2, argv + 2, argc, argv);
	if (!strcmp(cmd, "lab"))
		return run_lab(argc - 2, argv + 2);
	if (!strcmp(cmd, "stats"))
		return stats_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "export"))
		return export_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "lint"))
		return lint_main(argc - 2, argv + 2);
	if (!strcmp(cmd, "harden"))
		return harden_main(argc - 2, argv + 2);
	if (!strcmp(cmd, "report"))
		return report_main(argc - 2, argv + 2);
	if (!strcmp(cmd, "diff"))
		return diff_main(argc - 2, argv + 2);
	fprintf(stderr,
		"mqttsweep: unknown command '%s' (use scan, audit, lab, stats, export, report, diff, lint "
		"or harden; "
		"see --help)\n",
		cmd);
	return EXIT_USAGE;
}
