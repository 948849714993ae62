/* See cmdargs.h. */
#include "app/cmdargs.h"
#include <string.h>
#include "app/fail_on.h"

int cmd_bad(const char *cmd, const char *what, const char *arg)
{
	fprintf(stderr, "mqttsweep: %s%s%s%s (see mqttsweep %s --help)\n", what, arg ? " '" : "",
		arg ? arg : "", arg ? "'" : "", cmd);
	return CMD_EXIT_USAGE;
}

int cmd_fail_on(const char *v)
{
	for (int k = 1; fail_on_names[k]; k++)
		if (!strcmp(fail_on_names[k], v))
			return k;
	return -1;
}

static const struct cmd_opt *find_opt(const struct cmd_opt *opts, const char *name)
{
	for (; opts->name; opts++)
		if (!strcmp(opts->name, name))
			return opts;
	return NULL;
}

int cmd_parse(const char *cmd, int argc, char **argv, const struct cmd_opt *opts,
	      const char **pos, size_t npos, void (*usage)(FILE *f))
{
	size_t np = 0;

	for (int i = 0; i < argc; i++) {
		const char *o = argv[i];
		const struct cmd_opt *opt;

		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			return 0;
		}
		if (o[0] != '-' || !o[1]) {
			if (np == npos)
				return cmd_bad(cmd, "too many arguments:", o);
			pos[np++] = o;
			continue;
		}
		if (!(opt = find_opt(opts, o)))
			return cmd_bad(cmd, "unknown option", o);
		if (i + 1 >= argc)
			return cmd_bad(cmd, "this option needs a value:", o);
		*opt->dst = argv[++i];
	}
	return -1;
}
