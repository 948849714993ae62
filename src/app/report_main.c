/* `mqttsweep report SOURCE -o FILE`: the owner's HTML report of stored results.
 * Exit codes: 0 written (no finding at or above --fail-on), 1 written and a finding at or
 * above --fail-on exists, 2 usage error or a source/selection that does not exist,
 * 3 the report could not be written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "app/cmdargs.h"
#include "app/diff.h"
#include "app/fail_on.h"
#include "app/report_cmd.h"
#include "output/report.h"
#include "output/report_src.h"

static void report_usage(FILE *f)
{
	fprintf(f,
		"usage: mqttsweep report SOURCE -o FILE [options]\n"
		"  Write one self-contained HTML page (no script, nothing fetched) of the results\n"
		"  SOURCE holds (a SQLite file written by --db): the headline in words, charts,\n"
		"  and per host its services, the chain of open doors, every finding with its\n"
		"  redacted evidence, the fix for the software it runs and the reproduce line.\n\n"
		"options:\n"
		"  -o, --output FILE            where to write the page (required)\n"
		"  --scan-id ID                 the scan to show [the latest in SOURCE]\n"
		"  --run-id ID                  every scan (shard) of this run\n"
		"  --since OLD                  add what changed since OLD: a scan id in SOURCE\n"
		"                               or another SOURCE (its latest scan)\n"
		"  --fail-on SEVERITY           exit 1 when a finding at or above SEVERITY is in\n"
		"                               the report (info, low, medium, high, critical)\n"
		"  -h, --help                   this text\n\n"
		"Exit codes: 0 written, 1 written with findings at or above --fail-on, 2 usage\n"
		"error or nothing to report, 3 the page could not be written.\n");
}

struct report_args {
	const char *source, *out, *scan_id, *run_id, *since, *fail_on;
};

/* The comparison with OLD (a scan id in source, or another source). */
static int add_since(struct report *rep, const struct report_args *a)
{
	struct stat sb;
	struct diff_side old = {.source = a->source, .scan_id = a->since};
	struct diff_side cur = {.source = a->source, .scan_id = a->scan_id, .run_id = a->run_id};
	cJSON *events = NULL;
	char why[256];

	if (stat(a->since, &sb) == 0 && S_ISREG(sb.st_mode)) {
		old.source = a->since;
		old.scan_id = NULL;
	}
	if (diff_compute(&old, &cur, &events, why, sizeof(why))) {
		fprintf(stderr, "mqttsweep: report --since: %s\n", why);
		return CMD_EXIT_USAGE;
	}
	report_set_diff(rep, events);
	return 0;
}

int report_main(int argc, char **argv)
{
	struct report_args a = {0};
	const struct cmd_opt opts[] = {
		{"-o", &a.out},         {"--output", &a.out},   {"--scan-id", &a.scan_id},
		{"--run-id", &a.run_id}, {"--since", &a.since}, {"--fail-on", &a.fail_on},
		{NULL, NULL},
	};
	struct report *rep = NULL;
	uint64_t by[SEV__COUNT];
	char why[256];
	int fail_on = FAIL_ON_NONE, code;

	code = cmd_parse("report", argc, argv, opts, &a.source, 1, report_usage);
	if (code >= 0)
		return code;
	if (!a.source || !a.out)
		return cmd_bad("report", "report needs SOURCE and -o FILE", NULL);
	if (a.scan_id && a.run_id)
		return cmd_bad("report", "give --scan-id or --run-id, not both", NULL);
	if (a.fail_on && (fail_on = cmd_fail_on(a.fail_on)) < 0)
		return cmd_bad("report", "--fail-on takes info, low, medium, high or critical, not",
			       a.fail_on);
	if (report_new(&rep))
		return CMD_EXIT_RUNTIME;
	if (report_load(rep, a.source, a.scan_id, a.run_id, why, sizeof(why))) {
		fprintf(stderr, "mqttsweep: report: %s\n", why);
		report_free(rep);
		return CMD_EXIT_USAGE;
	}
	if (a.since && (code = add_since(rep, &a))) {
		report_free(rep);
		return code;
	}
	code = report_write_file(rep, a.out) ? CMD_EXIT_RUNTIME : 0;
	if (code)
		fprintf(stderr, "mqttsweep: report: cannot write '%s'\n", a.out);
	report_severities(rep, by);
	report_free(rep);
	return fail_on_exit_code(code, by, fail_on);
}
