/* FNV-1a, the one non-cryptographic hash of the code base (hash sets, dedupe keys, topic
 * level lookups). Fast on the short strings we hash (topics, ids, addresses) and good
 * enough for tables whose keys are also compared in full; NOT collision resistant: a peer
 * can craft equal hashes, so a set that must not merge two keys compares them (hashset's
 * eq). The _seed variants start from a running value, so several fields can be hashed in
 * turn without building one string of them: fnv1a64(b, nb, fnv1a64(a, na, FNV64_INIT)). */
#ifndef MSW_HASH_H
#define MSW_HASH_H
#include <stddef.h>
#include <stdint.h>

#define FNV64_INIT  UINT64_C(14695981039346656037)
#define FNV64_PRIME UINT64_C(1099511628211)
#define FNV32_INIT  UINT32_C(2166136261)
#define FNV32_PRIME UINT32_C(16777619)

static inline uint64_t fnv1a64(const void *p, size_t n, uint64_t h)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * FNV64_PRIME;
	return h;
}

static inline uint32_t fnv1a32(const void *p, size_t n, uint32_t h)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * FNV32_PRIME;
	return h;
}

#endif
