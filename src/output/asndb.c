/* ip2asn TSV loader and lookup (design: output/asndb.h).
 *
 * Every address is kept as 16 bytes (IPv4 as ::ffff:a.b.c.d), so one sorted array of
 * ranges serves both families; a lookup is a binary search for the last range starting
 * at or below the address. Lines are at most 1 KiB, at most 4 million ranges (room for a
 * full IPv4 + IPv6 file), AS names at most 127 bytes: a hostile file ends in a usage
 * error, never in unbounded memory. */
#include "output/asndb.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/vec.h"

#define MAX_LINE   1024
#define MAX_RANGES (4u * 1024 * 1024)
#define MAX_NAME   127

struct range {
	uint8_t lo[16], hi[16];
	uint32_t asn;
	char cc[3];
	char *name;
};

struct asndb {
	struct vec ranges; /* struct range, sorted by lo once loaded */
};

static struct range *range_at(const struct asndb *db, size_t i)
{
	return vec_at(&db->ranges, i);
}

static msw_err bad(char **errmsg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static msw_err bad(char **errmsg, const char *fmt, ...)
{
	va_list ap;

	if (errmsg) {
		va_start(ap, fmt);
		if (vasprintf(errmsg, fmt, ap) < 0)
			*errmsg = NULL;
		va_end(ap);
	}
	return MSW_ERR_USAGE;
}

/* An address as 16 bytes (IPv4 mapped); false when it is neither family. */
static bool addr16(const char *s, uint8_t out[16])
{
	struct in_addr a4;

	if (inet_pton(AF_INET6, s, out) == 1)
		return true;
	if (inet_pton(AF_INET, s, &a4) != 1)
		return false;
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, &a4, 4);
	return true;
}

static bool mapped_v4(const uint8_t a[16])
{
	static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	return !memcmp(a, pfx, sizeof(pfx));
}

/* Splits line in place at its first four tabs: five fields, the description is the rest. */
static bool split(char *line, char *f[5])
{
	char *p = line;

	for (int i = 0; i < 4; i++) {
		char *t = strchr(p, '\t');

		if (!t)
			return false;
		*t = '\0';
		f[i] = p;
		p = t + 1;
	}
	f[4] = p;
	p[strcspn(p, "\r\n")] = '\0';
	return true;
}

static bool parse_asn(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

static msw_err add_range(struct asndb *db, const struct range *r)
{
	struct range *slot = vec_push(&db->ranges);

	if (!slot)
		return db->ranges.n >= db->ranges.max ? MSW_ERR_TOO_BIG : MSW_ERR_NOMEM;
	*slot = *r;
	return MSW_OK;
}

/* One line: MSW_OK (added or skipped: unrouted), or why not in *why. */
static msw_err one_line(struct asndb *db, char *line, const char **why)
{
	struct range r = {0};
	char *f[5];

	if (!split(line, f))
		return (*why = "not five tab-separated fields"), MSW_ERR_USAGE;
	if (!addr16(f[0], r.lo) || !addr16(f[1], r.hi))
		return (*why = "a range bound is not an address"), MSW_ERR_USAGE;
	if (mapped_v4(r.lo) != mapped_v4(r.hi) || memcmp(r.lo, r.hi, 16) > 0)
		return (*why = "the range ends before it starts"), MSW_ERR_USAGE;
	if (!parse_asn(f[2], &r.asn))
		return (*why = "the AS number is not a number"), MSW_ERR_USAGE;
	if (r.asn == 0)
		return MSW_OK; /* unrouted */
	if (strlen(f[3]) != 2 || !isalpha((unsigned char)f[3][0]) ||
	    !isalpha((unsigned char)f[3][1])) {
		if (strcmp(f[3], "None") && strcmp(f[3], "Unknown"))
			return (*why = "the country is not a two-letter code"), MSW_ERR_USAGE;
	} else {
		r.cc[0] = (char)toupper((unsigned char)f[3][0]);
		r.cc[1] = (char)toupper((unsigned char)f[3][1]);
	}
	if (!(r.name = strndup(f[4], MAX_NAME)))
		return MSW_ERR_NOMEM;
	msw_err rc = add_range(db, &r);
	if (rc) {
		free(r.name);
		return rc == MSW_ERR_TOO_BIG ? ((*why = "more than 4 million ranges"), MSW_ERR_USAGE)
					     : rc;
	}
	return MSW_OK;
}

static int cmp_range(const void *a, const void *b)
{
	return memcmp(((const struct range *)a)->lo, ((const struct range *)b)->lo, 16);
}

static msw_err read_all(struct asndb *db, FILE *f, const char *path, char **errmsg)
{
	char line[MAX_LINE + 2];
	unsigned long lineno = 0;

	while (fgets(line, sizeof(line), f)) {
		const char *why = NULL;
		size_t n = strlen(line);
		msw_err rc;

		lineno++;
		if (n == MAX_LINE + 1 && line[n - 1] != '\n')
			return bad(errmsg, "--asn-db '%s' line %lu: longer than %d bytes", path,
				   lineno, MAX_LINE);
		if (line[0] == '#' || line[0] == '\n' || (line[0] == '\r' && line[1] == '\n'))
			continue;
		rc = one_line(db, line, &why);
		if (rc == MSW_ERR_USAGE)
			return bad(errmsg, "--asn-db '%s' line %lu: %s", path, lineno, why);
		if (rc)
			return rc;
	}
	if (ferror(f))
		return bad(errmsg, "--asn-db '%s': %s", path, strerror(errno));
	return MSW_OK;
}

msw_err asndb_read(FILE *f, const char *name, struct asndb **out, char **errmsg)
{
	struct asndb *db = calloc(1, sizeof(*db));
	msw_err rc;

	*out = NULL;
	if (!db)
		return MSW_ERR_NOMEM;
	vec_init(&db->ranges, sizeof(struct range), 1024, MAX_RANGES);
	rc = read_all(db, f, name, errmsg);
	if (rc) {
		asndb_close(db);
		return rc;
	}
	if (db->ranges.n)
		qsort(db->ranges.p, db->ranges.n, sizeof(struct range), cmp_range);
	*out = db;
	return MSW_OK;
}

msw_err asndb_open(const char *path, struct asndb **out, char **errmsg)
{
	FILE *f = fopen(path, "r");
	msw_err rc;

	*out = NULL;
	if (!f)
		return bad(errmsg, "cannot read --asn-db '%s': %s", path, strerror(errno));
	rc = asndb_read(f, path, out, errmsg);
	fclose(f);
	return rc;
}

bool asndb_lookup(const struct asndb *db, const char *ip, struct asn_info *out)
{
	uint8_t a[16];
	size_t lo = 0, hi;

	if (!db || !db->ranges.n || !addr16(ip, a))
		return false;
	hi = db->ranges.n;
	while (hi - lo > 1) { /* last range with lo <= a */
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(range_at(db, mid)->lo, a, 16) <= 0)
			lo = mid;
		else
			hi = mid;
	}
	const struct range *r = range_at(db, lo);
	if (memcmp(r->lo, a, 16) > 0 || memcmp(a, r->hi, 16) > 0)
		return false;
	out->asn = r->asn;
	memcpy(out->cc, r->cc, sizeof(out->cc));
	out->as_name = r->name;
	return true;
}

size_t asndb_size(const struct asndb *db)
{
	return db ? db->ranges.n : 0;
}

void asndb_close(struct asndb *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->ranges.n; i++)
		free(range_at(db, i)->name);
	vec_free(&db->ranges);
	free(db);
}
