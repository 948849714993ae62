/* The default blocklist as data, each range annotated with the RFC that reserves it, and
 * the user's --exclude list.
 *
 * Two classes: reserved ranges are never scanned (multicast, "this network", the
 * reserved 240/4, broadcast, documentation, benchmarking); loopback and private ranges
 * are dropped from a sweep that merely contains them (0.0.0.0/0, 96.0.0.0/3) but scanned
 * when the user names them, i.e. when a target spec lies entirely inside one of them.
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) follow the IPv4 rules. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/blocklist.h"

static const struct bl_range reserved4[] = {
	{{255, 255, 255, 255}, 32, "limited broadcast", "RFC 919, RFC 8190"},
	{{0, 0, 0, 0}, 8, "\"this network\"", "RFC 1122 3.2.1.3"},
	{{224, 0, 0, 0}, 4, "multicast", "RFC 5771"},
	{{240, 0, 0, 0}, 4, "reserved for future use", "RFC 1112 4"},
	{{192, 0, 2, 0}, 24, "documentation (TEST-NET-1)", "RFC 5737"},
	{{198, 51, 100, 0}, 24, "documentation (TEST-NET-2)", "RFC 5737"},
	{{203, 0, 113, 0}, 24, "documentation (TEST-NET-3)", "RFC 5737"},
	{{198, 18, 0, 0}, 15, "benchmarking", "RFC 2544"},
};

static const struct bl_range private4[] = {
	{{127, 0, 0, 0}, 8, "loopback", "RFC 1122 3.2.1.3"},
	{{10, 0, 0, 0}, 8, "private", "RFC 1918"},
	{{172, 16, 0, 0}, 12, "private", "RFC 1918"},
	{{192, 168, 0, 0}, 16, "private", "RFC 1918"},
	{{100, 64, 0, 0}, 10, "shared address space (CGN)", "RFC 6598"},
	{{169, 254, 0, 0}, 16, "link local", "RFC 3927"},
};

static const struct bl_range reserved6[] = {
	{{0}, 128, "unspecified address", "RFC 4291 2.5.2"},
	{{0xff}, 8, "multicast", "RFC 4291 2.7"},
	{{0x20, 0x01, 0x0d, 0xb8}, 32, "documentation", "RFC 3849"},
	{{0x3f, 0xff}, 20, "documentation", "RFC 9637"},
	{{0x20, 0x01, 0x00, 0x02}, 48, "benchmarking", "RFC 5180"},
	{{0x01, 0x00}, 64, "discard-only", "RFC 6666"},
};

static const struct bl_range private6[] = {
	{{[15] = 1}, 128, "loopback", "RFC 4291 2.5.3"},
	{{0xfc}, 7, "unique local", "RFC 4193"},
	{{0xfe, 0x80}, 10, "link local", "RFC 4291 2.5.6"},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static uint32_t v4_of(const struct bl_range *r)
{
	return (uint32_t)r->addr[0] << 24 | (uint32_t)r->addr[1] << 16 | (uint32_t)r->addr[2] << 8 |
	       r->addr[3];
}

static uint32_t v4_mask(unsigned prefix)
{
	return prefix ? ~UINT32_C(0) << (32 - prefix) : 0;
}

static const struct bl_range *match4(const struct bl_range *t, size_t n, uint32_t a)
{
	for (size_t i = 0; i < n; i++)
		if ((a & v4_mask(t[i].prefix)) == v4_of(&t[i]))
			return &t[i];
	return NULL;
}

bool v6_in_prefix(const struct in6_addr *a, const uint8_t *net, unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;

	if (memcmp(a->s6_addr, net, full))
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));

		if ((a->s6_addr[full] & m) != (net[full] & m))
			return false;
	}
	return true;
}

bool v6_is_v4mapped(const struct in6_addr *a, uint32_t *v4)
{
	static const uint8_t pfx[12] = {[10] = 0xff, [11] = 0xff};

	if (memcmp(a->s6_addr, pfx, 12))
		return false;
	*v4 = (uint32_t)a->s6_addr[12] << 24 | (uint32_t)a->s6_addr[13] << 16 |
	      (uint32_t)a->s6_addr[14] << 8 | a->s6_addr[15];
	return true;
}

static const struct bl_range *match6(const struct bl_range *t, size_t n, const struct in6_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (v6_in_prefix(a, t[i].addr, t[i].prefix))
			return &t[i];
	return NULL;
}

const struct bl_range *bl_reserved_v4(uint32_t a)
{
	return match4(reserved4, NELEM(reserved4), a);
}

const struct bl_range *bl_private_v4(uint32_t a)
{
	return match4(private4, NELEM(private4), a);
}

const struct bl_range *bl_reserved_v6(const struct in6_addr *a)
{
	uint32_t v4;

	if (v6_is_v4mapped(a, &v4))
		return bl_reserved_v4(v4);
	return match6(reserved6, NELEM(reserved6), a);
}

const struct bl_range *bl_private_v6(const struct in6_addr *a)
{
	uint32_t v4;

	if (v6_is_v4mapped(a, &v4))
		return bl_private_v4(v4);
	return match6(private6, NELEM(private6), a);
}

bool bl_inside_private_v4(uint32_t lo, uint32_t hi)
{
	const struct bl_range *r = bl_private_v4(lo);

	return r && (hi & v4_mask(r->prefix)) == v4_of(r);
}

bool bl_inside_private_v6(const struct in6_addr *base, unsigned prefix)
{
	uint32_t v4;

	if (v6_is_v4mapped(base, &v4) && prefix >= 96) {
		uint32_t span = prefix == 96 ? ~UINT32_C(0) : ~v4_mask(prefix - 96);

		return bl_inside_private_v4(v4 & ~span, v4 | span);
	}
	for (size_t i = 0; i < NELEM(private6); i++)
		if (prefix >= private6[i].prefix &&
		    v6_in_prefix(base, private6[i].addr, private6[i].prefix))
			return true;
	return false;
}

/* ---- address parsing shared with the target parser ---- */

/* Exactly four decimal octets; *end points past them. */
static bool parse_quad(const char *s, const char **end, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned o = 0, nd = 0;

		if (i && *s++ != '.')
			return false;
		while (isdigit((unsigned char)*s) && nd < 4) {
			o = o * 10 + (unsigned)(*s++ - '0');
			nd++;
		}
		if (nd == 0 || nd > 3 || o > 255)
			return false;
		v = v << 8 | o;
	}
	*end = s;
	*out = v;
	return true;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && *end == '\0' && *out <= max;
}

static bool looks_v4(const char *s)
{
	if (!isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && *s != '.' && *s != '/' && *s != '-')
			return false;
	return true;
}

msw_err parse_v4_range(const char *s, uint32_t *lo, uint32_t *hi, const char **why)
{
	const char *e;
	unsigned long n;
	uint32_t a, b;

	if (!looks_v4(s))
		return MSW_ERR_UNSUPPORTED;
	*why = "malformed IPv4 address";
	if (!parse_quad(s, &e, &a))
		return MSW_ERR_USAGE;
	if (*e == '\0') {
		*lo = *hi = a;
		return MSW_OK;
	}
	if (*e == '/') {
		*why = "malformed CIDR (prefix length must be 0-32)";
		if (!parse_uint(e + 1, 32, &n))
			return MSW_ERR_USAGE;
		*lo = a & v4_mask((unsigned)n);
		*hi = *lo | ~v4_mask((unsigned)n);
		return MSW_OK;
	}
	*why = "malformed address range (a.b.c.d-e or a.b.c.d-a.b.c.d, start <= end)";
	if (*e != '-')
		return MSW_ERR_USAGE;
	if (strchr(e + 1, '.')) {
		const char *e2;

		if (!parse_quad(e + 1, &e2, &b) || *e2 != '\0' || b < a)
			return MSW_ERR_USAGE;
	} else {
		if (!parse_uint(e + 1, 255, &n) || n < (a & 0xff))
			return MSW_ERR_USAGE;
		b = (a & ~UINT32_C(0xff)) | (uint32_t)n;
	}
	*lo = a;
	*hi = b;
	return MSW_OK;
}

static msw_err parse_scope(const char *sc, uint32_t *scope)
{
	unsigned long n;

	if (parse_uint(sc, UINT32_MAX, &n)) {
		*scope = (uint32_t)n;
		return MSW_OK;
	}
	*scope = if_nametoindex(sc);
	return *scope ? MSW_OK : MSW_ERR_USAGE;
}

msw_err parse_v6(const char *s, struct in6_addr *a, unsigned *prefix, uint32_t *scope,
		 const char **why)
{
	char buf[INET6_ADDRSTRLEN + 32];
	char *slash, *pct;
	size_t len = strlen(s);
	unsigned long n;

	if (!strchr(s, ':'))
		return MSW_ERR_UNSUPPORTED;
	*why = "malformed IPv6 address";
	if (len >= sizeof(buf))
		return MSW_ERR_USAGE;
	memcpy(buf, s, len + 1);
	*prefix = 128;
	*scope = 0;
	if ((slash = strchr(buf, '/'))) {
		*slash = '\0';
		*why = "malformed IPv6 prefix (length must be 0-128)";
		if (!parse_uint(slash + 1, 128, &n))
			return MSW_ERR_USAGE;
		*prefix = (unsigned)n;
	}
	if ((pct = strchr(buf, '%'))) {
		*pct = '\0';
		*why = "unknown IPv6 scope (interface)";
		if (slash || parse_scope(pct + 1, scope))
			return MSW_ERR_USAGE;
	}
	*why = "malformed IPv6 address";
	if (inet_pton(AF_INET6, buf, a) != 1)
		return MSW_ERR_USAGE;
	for (unsigned i = *prefix; i < 128; i++) /* clear host bits */
		a->s6_addr[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
	return MSW_OK;
}

/* ---- the user's exclusions ---- */

static msw_err fail(char **errmsg, const char *tok, const char *why)
{
	if (errmsg && asprintf(errmsg, "bad exclusion '%s': %s", tok, why) < 0)
		*errmsg = NULL;
	return MSW_ERR_USAGE;
}

static msw_err added(msw_err rc, char **errmsg, const char *tok)
{
	return rc == MSW_ERR_TOO_BIG ? fail(errmsg, tok, "too many exclusions") : rc;
}

static msw_err add4(struct exclude_list *x, uint32_t lo, uint32_t hi, char **errmsg,
		    const char *tok)
{
	return added(vec_append(&x->v4, &(struct v4_interval){lo, hi}, 1), errmsg, tok);
}

static msw_err add6(struct exclude_list *x, const struct in6_addr *a, unsigned prefix,
		    char **errmsg, const char *tok)
{
	return added(vec_append(&x->v6, &(struct v6_prefix){*a, prefix}, 1), errmsg, tok);
}

static msw_err exclude_name(struct exclude_list *x, const char *tok, char **errmsg)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
	msw_err rc = MSW_OK;

	if (getaddrinfo(tok, NULL, &hints, &res))
		return fail(errmsg, tok, "name did not resolve");
	for (ai = res; ai && !rc; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET) {
			uint32_t a = ntohl(((struct sockaddr_in *)ai->ai_addr)->sin_addr.s_addr);

			rc = add4(x, a, a, errmsg, tok);
		} else if (ai->ai_family == AF_INET6) {
			rc = add6(x, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 128, errmsg,
				  tok);
		}
	}
	freeaddrinfo(res);
	return rc;
}

bool msw_valid_hostname(const char *s)
{
	size_t len = strlen(s), label = 0;
	char prev = '.';

	if (len == 0 || len > 253)
		return false;
	for (; *s; prev = *s++) {
		if (*s == '.') {
			if (label == 0 || prev == '-')
				return false;
			label = 0;
		} else if (isalnum((unsigned char)*s) || *s == '_' || (*s == '-' && label)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return prev != '-';
}

msw_err exclude_add(struct exclude_list *x, const char *tok, char **errmsg)
{
	const char *why = NULL;
	uint32_t lo, hi, scope;
	struct in6_addr a;
	unsigned prefix;
	msw_err rc;

	rc = parse_v4_range(tok, &lo, &hi, &why);
	if (rc == MSW_OK)
		return add4(x, lo, hi, errmsg, tok);
	if (rc != MSW_ERR_UNSUPPORTED)
		return fail(errmsg, tok, why);
	rc = parse_v6(tok, &a, &prefix, &scope, &why);
	if (rc == MSW_OK)
		return add6(x, &a, prefix, errmsg, tok);
	if (rc != MSW_ERR_UNSUPPORTED)
		return fail(errmsg, tok, why);
	if (!msw_valid_hostname(tok))
		return fail(errmsg, tok, "not an address, range, CIDR or host name");
	return exclude_name(x, tok, errmsg);
}

static int cmp4(const void *a, const void *b)
{
	const struct v4_interval *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

void exclude_init(struct exclude_list *x)
{
	vec_init(&x->v4, sizeof(struct v4_interval), 16, EXCLUDE_MAX);
	vec_init(&x->v6, sizeof(struct v6_prefix), 8, EXCLUDE_MAX);
}

void exclude_seal(struct exclude_list *x)
{
	struct v4_interval *v4 = x->v4.p;
	size_t o = 0;

	if (x->v4.n == 0)
		return;
	qsort(v4, x->v4.n, sizeof(*v4), cmp4);
	for (size_t i = 1; i < x->v4.n; i++) {
		if (v4[o].hi == UINT32_MAX || v4[i].lo <= v4[o].hi + 1) {
			if (v4[i].hi > v4[o].hi)
				v4[o].hi = v4[i].hi;
		} else {
			v4[++o] = v4[i];
		}
	}
	x->v4.n = (uint32_t)o + 1;
}

bool exclude_v4(const struct exclude_list *x, uint32_t a)
{
	const struct v4_interval *v4 = x->v4.p;
	size_t lo = 0, hi = x->v4.n;

	while (lo < hi) { /* first interval with lo > a, then look one back */
		size_t mid = lo + (hi - lo) / 2;

		if (v4[mid].lo <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && a <= v4[lo - 1].hi;
}

bool exclude_v6(const struct exclude_list *x, const struct in6_addr *a)
{
	const struct v6_prefix *v6 = x->v6.p;
	uint32_t v4;

	if (v6_is_v4mapped(a, &v4) && exclude_v4(x, v4))
		return true;
	for (size_t i = 0; i < x->v6.n; i++)
		if (v6_in_prefix(a, v6[i].a.s6_addr, v6[i].prefix))
			return true;
	return false;
}

void exclude_free(struct exclude_list *x)
{
	vec_free(&x->v4);
	vec_free(&x->v6);
}
