/* The small command line of the result commands (report, diff): options that each take
 * one value, positional arguments, --help. The scanner's own options live in options.c. */
#ifndef MSW_CMDARGS_H
#define MSW_CMDARGS_H
#include <stddef.h>
#include <stdio.h>

#define CMD_EXIT_USAGE 2
#define CMD_EXIT_RUNTIME 3

struct cmd_opt {
	const char *name;  /* "--scan-id" */
	const char **dst;  /* where its value goes */
};

/* Parses argv (after the command word) into the options' destinations and up to npos
 * positional arguments into pos[]. Returns -1 to go on, or the exit code to return now
 * (0 after --help, CMD_EXIT_USAGE after a message on stderr). */
int cmd_parse(const char *cmd, int argc, char **argv, const struct cmd_opt *opts,
	      const char **pos, size_t npos, void (*usage)(FILE *f));
/* A usage error: the message (and the argument it is about) on stderr; CMD_EXIT_USAGE. */
int cmd_bad(const char *cmd, const char *what, const char *arg);
/* --fail-on's value as the option table stores it (fail_on.h), or -1. */
int cmd_fail_on(const char *v);

#endif
