/* `mqttsweep export`: argument parsing and the one-line summary (see export_main.h). */
#include "app/export_main.h"
#include <stdio.h>
#include <string.h>
#include "output/export.h"

static int usage(FILE *f, int rc)
{
	fputs("usage: mqttsweep export SOURCE --out DIR [options]\n"
	      "  SOURCE                 a result database written by --db (SQLite file or\n"
	      "                         postgresql:// URL)\n"
	      "  --format F             shadowserver (default): Open-MQTT CSV reports;\n"
	      "                         intelmq: IntelMQ events (JSON lines); zgrab2: zgrab2's\n"
	      "                         JSON-lines envelope\n"
	      "  --out DIR              directory for the files (created if missing; its parent\n"
	      "                         must exist)\n"
	      "  --org ORG              organisation part of Shadowserver file names (default\n"
	      "                         mqttsweep; letters, digits, '_', '.')\n"
	      "  --scan-id ID           export this scan (default: the scan that started last)\n"
	      "  --run-id ID            export every shard of this run\n"
	      "  --all-scans            export every scan in SOURCE\n"
	      "  --asn-db FILE          ip2asn TSV: fills asn and geo (offline)\n"
	      "  --split-by asn|cc      one file per AS or country (needs --asn-db)\n"
	      "  --extra-columns        mqttsweep's own columns after Shadowserver's\n"
	      "  (docs/export.md: formats, file names, every column)\n", f);
	return rc;
}

static int bad(const char *msg, const char *arg)
{
	fprintf(stderr, "mqttsweep export: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	return usage(stderr, 2);
}

/* "--name VALUE" or "--name=VALUE": the value, advancing *i; NULL when s is not --name. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
	const char *s = argv[*i];
	size_t n = strlen(name);

	if (strncmp(s, name, n))
		return NULL;
	if (s[n] == '=')
		return s + n + 1;
	if (s[n])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static int set_format(struct export_opts *o, const char *v)
{
	if (!strcmp(v, "shadowserver"))
		o->format = EXPORT_SHADOWSERVER;
	else if (!strcmp(v, "intelmq"))
		o->format = EXPORT_INTELMQ;
	else if (!strcmp(v, "zgrab2"))
		o->format = EXPORT_ZGRAB2;
	else
		return bad("unknown --format (shadowserver, intelmq, zgrab2)", v);
	return 0;
}

static int set_split(struct export_opts *o, const char *v)
{
	if (!strcmp(v, "asn"))
		o->split = SPLIT_ASN;
	else if (!strcmp(v, "cc"))
		o->split = SPLIT_CC;
	else
		return bad("unknown --split-by (asn, cc)", v);
	return 0;
}

static int set_pick(struct export_opts *o, enum rs_pick p, const char *id, int *picks)
{
	o->sel.pick = p;
	o->sel.id = id;
	return ++*picks > 1 ? bad("--scan-id, --run-id and --all-scans exclude each other", NULL)
			    : 0;
}

static int one_arg(struct export_opts *o, int argc, char **argv, int *i, int *picks)
{
	bool missing = false;
	const char *s = argv[*i], *v;

	if (!strcmp(s, "--extra-columns"))
		o->extra_columns = true;
	else if (!strcmp(s, "--all-scans"))
		return set_pick(o, RS_PICK_ALL, NULL, picks);
	else if ((v = opt_value(argc, argv, i, "--format", &missing)))
		return set_format(o, v);
	else if ((v = opt_value(argc, argv, i, "--out", &missing)))
		o->out_dir = v;
	else if ((v = opt_value(argc, argv, i, "--org", &missing)))
		o->org = v;
	else if ((v = opt_value(argc, argv, i, "--scan-id", &missing)))
		return set_pick(o, RS_PICK_SCAN, v, picks);
	else if ((v = opt_value(argc, argv, i, "--run-id", &missing)))
		return set_pick(o, RS_PICK_RUN, v, picks);
	else if ((v = opt_value(argc, argv, i, "--asn-db", &missing)))
		o->asn_db = v;
	else if ((v = opt_value(argc, argv, i, "--split-by", &missing)))
		return set_split(o, v);
	else if (missing)
		return bad("option needs a value", s);
	else if (s[0] == '-' || o->source)
		return bad("unexpected argument", s);
	else
		o->source = s;
	return 0;
}

int export_main(int argc, char **argv)
{
	struct export_opts o = {.format = EXPORT_SHADOWSERVER, .org = "mqttsweep",
				.sel = {.pick = RS_PICK_LATEST}};
	struct export_counts c;
	char why[512];
	int picks = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return usage(stdout, 0);
		int rc = one_arg(&o, argc, argv, &i, &picks);
		if (rc)
			return rc;
	}
	if (!o.source)
		return bad("no SOURCE given", NULL);
	if (!o.out_dir)
		return bad("--out DIR is required", NULL);
	msw_err rc = export_run(&o, &c, why, sizeof(why));
	if (rc) {
		fprintf(stderr, "mqttsweep export: %s\n", why[0] ? why : msw_err_str(rc));
		return rc == MSW_ERR_USAGE ? 2 : 3;
	}
	fprintf(stderr,
		"mqttsweep export: %llu row%s in %llu file%s (%llu records read, %llu stored rows "
		"skipped as malformed, %llu addresses found in --asn-db)\n",
		(unsigned long long)c.rows, c.rows == 1 ? "" : "s", (unsigned long long)c.files,
		c.files == 1 ? "" : "s", (unsigned long long)c.records,
		(unsigned long long)c.skipped, (unsigned long long)c.enriched);
	return 0;
}
