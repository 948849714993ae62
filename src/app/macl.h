/* Mosquitto's ACL file and password file, read as data for `lint`: pure functions over a
 * buffer. The ACL reader follows Mosquitto 2.0's (lines whose first byte is '#' are
 * comments; "user NAME" starts a user's section; "topic [ACCESS] FILTER" adds to the
 * current section, the anonymous one before any user line; "pattern [ACCESS] FILTER"
 * applies to every client; ACCESS is read, write, readwrite or deny, readwrite when left
 * out). The password reader keeps user names and the kind of hash only: never a
 * password or a hash. */
#ifndef MSW_MACL_H
#define MSW_MACL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"

#define MACL_MAX_BYTES   (4u << 20)
#define MACL_MAX_ENTRIES 100000u
#define MACL_NAME_MAX    128u   /* user names and filters longer than this are cut (and flagged) */

enum macl_kind { MACL_TOPIC, MACL_PATTERN, MACL_BAD };
enum macl_access { MACL_DENY = 0, MACL_READ = 1, MACL_WRITE = 2, MACL_READWRITE = 3 };

struct macl_entry {
	uint32_t line;
	enum macl_kind kind;          /* MACL_BAD: a line Mosquitto refuses (it stops loading) */
	enum macl_access access;
	bool anonymous;               /* a topic line before any user line */
	char user[MACL_NAME_MAX];     /* the section's user ("" when anonymous or a pattern) */
	char filter[MACL_NAME_MAX];
	bool cut;                     /* user or filter longer than MACL_NAME_MAX - 1 */
};

struct macl {
	struct macl_entry *v;
	size_t n;
	size_t users;                 /* "user" lines */
};

msw_err macl_parse(const char *buf, size_t len, struct macl *out);
void macl_free(struct macl *a);

/* Does the subscription filter f match every topic that does not start with '$'
 * ("#", "+/#", "+/+/#"... as Mosquitto matches them)? */
bool macl_filter_all(const char *f);
/* Does f grant the whole $SYS tree ("$SYS/#", "$SYS/+/#"...)? */
bool macl_filter_sys(const char *f);
/* A pattern filter that names a client: has a level that is exactly %u or %c. */
bool macl_filter_personal(const char *f);

enum mpw_hash { MPW_PBKDF2, MPW_SHA512, MPW_OTHER, MPW__COUNT };

struct mpw_summary {
	size_t entries;               /* lines with a user name */
	size_t by_hash[MPW__COUNT];   /* $7$ (PBKDF2-SHA512), $6$ (one SHA-512 round), other */
	uint32_t first_line[MPW__COUNT]; /* first line of each kind (0 = none) */
	uint32_t min_iterations;      /* smallest $7$ iteration count (0 = none) */
};

/* Summarise a password file (user:hash lines); never copies a hash. */
msw_err mpw_summarise(const char *buf, size_t len, struct mpw_summary *out);

#endif
