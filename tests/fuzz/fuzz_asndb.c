/* Fuzz the ip2asn TSV reader: any bytes as a file (through fmemopen) either load or fail
 * with a message; a loaded table answers lookups of the addresses named in the input and
 * of fixed ones, and every answer it gives lies inside a range of the table (its AS
 * number is not 0 and its country is empty or two upper-case letters). */
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include "fuzz_common.h"
#include "output/asndb.h"

static void check(const struct asndb *db, const char *ip)
{
	struct asn_info a;

	if (!asndb_lookup(db, ip, &a))
		return;
	assert(a.asn != 0);
	assert(a.as_name && strlen(a.as_name) <= 127);
	assert(!a.cc[0] || (isupper((unsigned char)a.cc[0]) && isupper((unsigned char)a.cc[1]) &&
			    !a.cc[2]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fixed[] = {"0.0.0.0", "192.0.2.1", "255.255.255.255", "::",
					    "2001:db8::1", "::ffff:192.0.2.1", "not an address"};
	struct asndb *db = NULL;
	char *err = NULL;

	if (!size)
		return 0;
	FILE *f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	msw_err rc = asndb_read(f, "fuzz", &db, &err);
	fclose(f);
	if (rc) {
		assert(!db);
		free(err);
		return 0;
	}
	assert(db && !err);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		check(db, fixed[i]);
	/* the first field of each line as an address to look up */
	char *copy = fuzz_strdup(data, size);
	for (char *line = copy; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		line[strcspn(line, "\t")] = 0;
		check(db, line);
		line = nl ? nl + 1 : NULL;
	}
	free(copy);
	asndb_close(db);
	return 0;
}
