/* Offline ASN and country enrichment from an ip2asn TSV file (iptoasn.com's format: one
 * range a line, tab-separated: range_start, range_end, AS number, country code, AS
 * description; IPv4 and IPv6 files alike, or both concatenated). AS 0 (country "None")
 * marks unrouted space: looking such an address up finds nothing. */
#ifndef MSW_ASNDB_H
#define MSW_ASNDB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "base/err.h"

struct asndb;

struct asn_info {
	uint32_t asn;
	char cc[3];             /* ISO 3166 alpha-2, upper case */
	const char *as_name;    /* the description (at most 127 bytes), owned by the db */
};

/* Loads FILE; a malformed line is a usage error naming the file and the line (*errmsg,
 * malloc'ed, the caller frees it). Lookups of an address inside overlapping ranges find
 * the range that starts last at or below it. */
msw_err asndb_open(const char *path, struct asndb **db, char **errmsg);
/* The same from an open stream; `name` is used in messages. */
msw_err asndb_read(FILE *f, const char *name, struct asndb **db, char **errmsg);
/* The range holding ip (text, IPv4 or IPv6): true and *out filled, or false. */
bool asndb_lookup(const struct asndb *db, const char *ip, struct asn_info *out);
size_t asndb_size(const struct asndb *db);
void asndb_close(struct asndb *db);

#endif
