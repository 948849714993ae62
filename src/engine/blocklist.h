/* Address classes that a sweep treats specially, and the user's --exclude list. */
#ifndef MSW_BLOCKLIST_H
#define MSW_BLOCKLIST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include "base/err.h"
#include "base/vec.h"

struct bl_range {
	uint8_t addr[16]; /* IPv4: first 4 bytes, network order */
	unsigned prefix;
	const char *what;
	const char *rfc;
};

/* Reserved ranges never scanned (unless --no-blocklist): NULL if a is not in one. */
const struct bl_range *bl_reserved_v4(uint32_t a); /* a in host order */
const struct bl_range *bl_reserved_v6(const struct in6_addr *a);
/* Loopback and private ranges: dropped from a sweep that merely contains them, scanned
 * when the user names them (a spec that lies entirely inside one). */
const struct bl_range *bl_private_v4(uint32_t a);
const struct bl_range *bl_private_v6(const struct in6_addr *a);
bool bl_inside_private_v4(uint32_t lo, uint32_t hi);
bool bl_inside_private_v6(const struct in6_addr *base, unsigned prefix);

/* The user's exclusions: IPv4 intervals (sorted, merged on seal) and IPv6 prefixes. */
struct v4_interval {
	uint32_t lo, hi;
};
struct v6_prefix {
	struct in6_addr a;
	unsigned prefix;
};
struct exclude_list {
	struct vec v4; /* struct v4_interval */
	struct vec v6; /* struct v6_prefix */
};
#define EXCLUDE_MAX (1u << 22) /* intervals, and prefixes, at most (--exclude, --excludefile) */

void exclude_init(struct exclude_list *x);

/* Add one token (address, CIDR, a.b.c.d-e, a.b.c.d-a.b.c.d, IPv6 literal or prefix, or a
 * hostname, resolved now: this runs before the event loop). */
msw_err exclude_add(struct exclude_list *x, const char *tok, char **errmsg);
void exclude_seal(struct exclude_list *x); /* sort and merge; call before lookups */
bool exclude_v4(const struct exclude_list *x, uint32_t a);
bool exclude_v6(const struct exclude_list *x, const struct in6_addr *a);
void exclude_free(struct exclude_list *x);

/* A DNS name: labels of [A-Za-z0-9_-], 1-63 bytes each, 253 at most in all. */
bool msw_valid_hostname(const char *s);

/* Prefix match helpers. */
bool v6_in_prefix(const struct in6_addr *a, const uint8_t *net, unsigned prefix);
bool v6_is_v4mapped(const struct in6_addr *a, uint32_t *v4);

/* IPv4 forms shared with the target parser: a.b.c.d, a.b.c.d/n, a.b.c.d-e,
 * a.b.c.d-a.b.c.d. Returns MSW_OK and the inclusive range, MSW_ERR_UNSUPPORTED when the
 * token does not look like IPv4 at all, MSW_ERR_USAGE (with *why) when it looks like IPv4
 * but is malformed. */
msw_err parse_v4_range(const char *s, uint32_t *lo, uint32_t *hi, const char **why);
/* IPv6 literal with optional /prefix (and %scope on a bare address). */
msw_err parse_v6(const char *s, struct in6_addr *a, unsigned *prefix, uint32_t *scope,
		 const char **why);

#endif
