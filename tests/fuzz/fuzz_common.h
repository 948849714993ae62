/* Shared bits for the libFuzzer targets: an input splitter and a getaddrinfo() that never
 * leaves the process (parsers of target specs and options must not send DNS queries
 * while being fuzzed: network traffic stays on loopback). */
#ifndef MSW_FUZZ_COMMON_H
#define MSW_FUZZ_COMMON_H
#include <netdb.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifdef MSW_FUZZ_NO_DNS
int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
		struct addrinfo **res)
{
	(void)node;
	(void)service;
	(void)hints;
	*res = NULL;
	return EAI_NONAME;
}
#endif

/* Copies data[0..n) into a fresh malloc'ed NUL-terminated string (NULs inside are kept,
 * so C-string consumers see a prefix). */
static inline char *fuzz_strdup(const uint8_t *data, size_t n)
{
	char *s = malloc(n + 1);
	if (!s)
		abort();
	memcpy(s, data, n);
	s[n] = 0;
	return s;
}

/* Splits at the first NUL: a = before, b = after. Returns 0 when there is no NUL. */
static inline int fuzz_split(const uint8_t *data, size_t n, const uint8_t **b, size_t *alen,
			     size_t *blen)
{
	const uint8_t *z = memchr(data, 0, n);
	if (!z)
		return 0;
	*alen = (size_t)(z - data);
	*b = z + 1;
	*blen = n - *alen - 1;
	return 1;
}

#endif
