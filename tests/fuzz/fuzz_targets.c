/* Fuzz target-spec and port-list parsing: addresses, CIDRs, a.b.c.d-e ranges, IPv6
 * literals, host:port, URLs with credentials, and -p lists with transport suffixes; and
 * the whole input as an -iL target list (plain lines, zmap's CSV with a header, zgrab2's
 * ip,domain,tag,port rows, quoted fields).
 * Input: SPEC \0 PORTS. getaddrinfo() is replaced so nothing is resolved. Invariants:
 * an error always comes with a message (a target list's names its line); a port list
 * never holds port 0 or duplicates. */
#define MSW_FUZZ_NO_DNS
#include <assert.h>
#include "fuzz_common.h"
#include "engine/targets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *ports = NULL;
	size_t slen = size, plen = 0;
	fuzz_split(data, size, &ports, &slen, &plen);
	char *spec = fuzz_strdup(data, slen);
	char *err = NULL;
	msw_err rc = parse_target_list((const char *)data, size, &err);
	assert(rc == MSW_OK || rc == MSW_ERR_NOMEM || (err && strstr(err, "line ")));
	free(err);
	err = NULL;
	rc = parse_target_spec(spec, &err);
	assert(rc == MSW_OK || err);
	free(err);
	free(spec);
	if (ports) {
		char *ps = fuzz_strdup(ports, plen);
		struct port_spec *out = NULL;
		size_t n = 0;
		err = NULL;
		rc = parse_ports(ps, &out, &n, &err);
		if (rc == MSW_OK) {
			for (size_t i = 0; i < n; i++) {
				assert(out[i].port != 0);
				for (size_t j = 0; j < i && j < 64; j++)
					assert(out[i].port != out[j].port ||
					       out[i].transport != out[j].transport);
			}
		} else {
			assert(err);
		}
		free(out);
		free(err);
		free(ps);
	}
	return 0;
}
