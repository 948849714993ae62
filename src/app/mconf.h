/* A mosquitto.conf file as lines of directives: a pure function over a buffer (no I/O, no
 * global state), so hostile or broken files can be fuzzed without a file system.
 *
 * The split is lenient (spaces AND tabs separate words, CRLF is accepted) so that `lint`
 * understands what the author meant; every place where Mosquitto itself reads the line
 * differently is kept as a flag, because Mosquitto 1.6-2.0 splits the name from the value
 * at spaces only and treats '#' as a comment only in the first column: such lines stop
 * the broker at start-up ("Unknown configuration variable"). */
#ifndef MSW_MCONF_H
#define MSW_MCONF_H
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"

#define MCONF_MAX_BYTES (4u << 20)  /* one file: larger files are refused (MSW_ERR_TOO_BIG) */
#define MCONF_MAX_LINES 200000u     /* directives kept from one file */
#define MCONF_MAX_ARGS  6u          /* words after the name kept in args[] (value keeps all) */
#define MCONF_KEY_MAX   48u         /* longer names are kept truncated and never match */

enum mconf_flag {
	MCF_TAB_IN_NAME = 1u << 0,   /* a tab before the first space: Mosquitto reads "name\tvalue"
					as the name and refuses the file */
	MCF_INDENT_COMMENT = 1u << 1, /* '#' after leading blanks: Mosquitto reads "#" as a name */
	MCF_BLANK_TAB = 1u << 2,     /* a line of blanks with a tab: also read as a name */
	MCF_INLINE_HASH = 1u << 3,   /* " #" inside the value: string options keep it as text */
	MCF_CR = 1u << 4,            /* the line ended in CR LF (Mosquitto strips the CR) */
	MCF_NUL = 1u << 5,           /* a NUL byte in the line: Mosquitto stops reading it there */
};

struct mconf_line {
	uint32_t line;               /* 1-based line number in the file */
	unsigned flags;              /* enum mconf_flag bits */
	char key[MCONF_KEY_MAX];     /* the directive name ("" for a flagged blank line) */
	const char *value;           /* everything after the name, blanks trimmed at both ends
					(how Mosquitto reads string options); "" when none */
	const char *args[MCONF_MAX_ARGS]; /* value split at blanks */
	unsigned nargs;
};

struct mconf {
	struct mconf_line *v;
	size_t n;
	char *arena;                 /* owned copy of the text the pointers point into */
};

/* Parse len bytes. Comments and blank lines leave nothing (unless flagged). On success
 * *out owns its memory (mconf_free). Errors: MSW_ERR_TOO_BIG (len > MCONF_MAX_BYTES or more
 * than MCONF_MAX_LINES directives), MSW_ERR_NOMEM. */
msw_err mconf_parse(const char *buf, size_t len, struct mconf *out);
void mconf_free(struct mconf *c);

#endif
