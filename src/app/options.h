/* One option table drives command-line parsing, --help and the options echo in the scan
 * metadata (secrets flagged in the table never reach the echo). */
#ifndef MSW_OPTIONS_H
#define MSW_OPTIONS_H
#include <stdio.h>
#include <cjson/cJSON.h>
#include "base/config.h"
#include "base/err.h"

/* Parse argv (after the subcommand) into cfg with the mode's defaults applied.
 * On error returns MSW_ERR_USAGE and a message naming the bad token in *errmsg. */
msw_err options_parse(enum msw_mode mode, int argc, char **argv, struct msw_config *cfg,
		      char **errmsg);
cJSON *options_echo(const struct msw_config *cfg);
/* Overwrite, in place, the values of secret options and the passwords of target URLs in
 * the process's own argv (call after options_parse copied them): /proc/PID/cmdline, and
 * so ps, then shows asterisks instead. */
void options_hide_secrets(int argc, char **argv);
void options_help(FILE *f, enum msw_mode mode);
void options_free(struct msw_config *cfg);

/* --resume: rebuild the command line of the interrupted scan from its argv echo (a JSON
 * array: program, "scan"|"audit", arguments; secrets masked as "***", which the parser
 * never takes as a value) followed by the new arguments argv (options only: no targets;
 * --shard, --shards and --run-id there only pick the scan to resume and are left out).
 * *nargv is {"mqttsweep", mode, ...}, NULL-terminated, malloc'ed strings. */
msw_err options_resume_argv(const cJSON *echo, int argc, char **argv, enum msw_mode *mode,
			    int *nargc, char ***nargv, char **errmsg);

#endif
