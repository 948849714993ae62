/* `mqttsweep lint [options] FILE...`: the command line of the configuration linter.
 * Exit codes: 0 no finding at or above --fail-on (default low: info notes never fail),
 * 1 findings, 2 usage error or a file that cannot be read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app/fail_on.h"
#include "app/lint.h"

#define EXIT_USAGE 2

struct lint_args {
	bool sarif;
	enum lint_ver ver;
	const char *share;
	int fail_on;
	const char **files;
	size_t nfiles;
};

static void lint_usage(FILE *f)
{
	fprintf(f,
		"usage: mqttsweep lint [options] FILE...\n"
		"  Read Mosquitto configurations and report what an outsider could use, each at\n"
		"  its file:line with the fix. FILE is a mosquitto.conf (include_dir followed),\n"
		"  the Home Assistant Mosquitto add-on's options (options.json, or the YAML of\n"
		"  its Configuration tab), or an add-on customize folder (/share/mosquitto).\n\n"
		"options:\n"
		"  --format FMT                 text (default) or sarif (SARIF 2.1.0)\n"
		"  --mosquitto-version VER      2.0 (default) or 1.6: which defaults apply\n"
		"                               (allow_anonymous, listeners when none is set)\n"
		"  --share DIR                  where the add-on's /share is on this machine\n"
		"                               (its customize folder and paths) [/share]\n"
		"  --fail-on SEVERITY           exit 1 when a finding at or above SEVERITY\n"
		"                               exists (info, low, medium, high, critical) [low]\n"
		"  -h, --help                   this text\n\n"
		"Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 usage error or a file\n"
		"that cannot be read. docs/lint.md describes every rule.\n");
}

/* A usage error: what is wrong, and the argument it is about (or NULL). */
static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "mqttsweep: %s%s%s%s (see mqttsweep lint --help)\n", what, arg ? " '" : "",
		arg ? arg : "", arg ? "'" : "");
	return EXIT_USAGE;
}

static int parse_lint_args(int argc, char **argv, struct lint_args *a)
{
	a->ver = LV_2_0;
	a->share = "/share";
	a->fail_on = SEV_LOW + 1;
	a->files = calloc((size_t)argc + 1, sizeof(*a->files));
	if (!a->files)
		return 3;
	for (int i = 0; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--") && i + 1 <= argc) {
			while (++i < argc)
				a->files[a->nfiles++] = argv[i];
			break;
		}
		if (o[0] != '-' || !o[1]) {
			a->files[a->nfiles++] = o;
			continue;
		}
		if (strcmp(o, "--format") && strcmp(o, "--mosquitto-version") &&
		    strcmp(o, "--share") && strcmp(o, "--fail-on"))
			return bad("unknown option", o);
		if (!v)
			return bad("this option needs an argument:", o);
		i++;
		if (!strcmp(o, "--format")) {
			if (strcmp(v, "text") && strcmp(v, "sarif"))
				return bad("--format takes text or sarif, not", v);
			a->sarif = !strcmp(v, "sarif");
		} else if (!strcmp(o, "--mosquitto-version")) {
			if (!strcmp(v, "2.0") || !strcmp(v, "2"))
				a->ver = LV_2_0;
			else if (!strcmp(v, "1.6") || !strcmp(v, "1"))
				a->ver = LV_1_6;
			else
				return bad("--mosquitto-version takes 2.0 or 1.6, not", v);
		} else if (!strcmp(o, "--share")) {
			a->share = v;
		} else {
			int k;

			for (k = 1; fail_on_names[k] && strcmp(fail_on_names[k], v); k++)
				;
			if (!fail_on_names[k])
				return bad("--fail-on takes info, low, medium, high or critical, not",
					   v);
			a->fail_on = k;
		}
	}
	if (!a->nfiles)
		return bad("lint needs a FILE", NULL);
	return 0;
}

int lint_main(int argc, char **argv)
{
	struct lint_args a = {0};
	struct lint_ctx **cs;
	uint64_t by[SEV__COUNT] = {0};
	int code = 0;

	for (int i = 0; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			lint_usage(stdout);
			return 0;
		}
	if ((code = parse_lint_args(argc, argv, &a))) {
		free(a.files);
		return code;
	}
	cs = calloc(a.nfiles, sizeof(*cs));
	for (size_t i = 0; cs && i < a.nfiles && !code; i++) {
		char err[512];

		if (!(cs[i] = malloc(sizeof(*cs[i])))) {
			code = 3;
			break;
		}
		lint_init(cs[i], a.ver, a.share);
		if (lint_load(cs[i], a.files[i], err, sizeof(err))) {
			fprintf(stderr, "mqttsweep: %s\n", err);
			code = EXIT_USAGE;
			break;
		}
		lint_check(cs[i]);
		for (size_t k = 0; k < cs[i]->findings.n; k++)
			by[lint_findings(cs[i])[k].sev]++;
	}
	if (!cs)
		code = 3;
	if (!code) {
		int w = 0;

		if (a.sarif)
			w = lint_write_sarif(stdout, cs, a.nfiles);
		for (size_t i = 0; !a.sarif && i < a.nfiles && !w; i++)
			w = lint_write_text(stdout, cs[i]);
		if (w || fflush(stdout))
			code = 3;
		code = fail_on_exit_code(code, by, a.fail_on);
	}
	for (size_t i = 0; cs && i < a.nfiles; i++)
		if (cs[i]) {
			lint_free(cs[i]);
			free(cs[i]);
		}
	free(cs);
	free(a.files);
	return code;
}
