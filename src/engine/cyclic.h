/* Seeded pseudo-random permutation of [0, n) with O(1) state (after zmap's cyclic.c). */
#ifndef MSW_CYCLIC_H
#define MSW_CYCLIC_H
#include <stdbool.h>
#include <stdint.h>
#include "base/err.h"

/* Largest space we permute: p-1 is factored by trial division, so sqrt(p) must stay
 * small (2^24 divisions at worst, a few tens of milliseconds once per scan). */
#define CYCLIC_MAX_N (UINT64_C(1) << 48)

struct cyclic {
	uint64_t n;         /* size of the space */
	uint64_t p;         /* smallest prime > n */
	uint64_t g;         /* primitive root mod p (seeded) */
	uint64_t cur;       /* next group element of this shard's walk */
	uint64_t mult;      /* g^shards mod p: the step between this shard's elements */
	uint64_t remaining; /* walk positions left for this shard */
};

/* Set up the walk over [0, n) for shard k of shards (0 <= k < shards). Every shard built
 * with the same n and seed walks the same cycle; shard k takes positions k, k+shards, ...
 * so shards are disjoint and together complete. n == 0 gives an empty walk. */
msw_err cyclic_init(struct cyclic *c, uint64_t n, uint64_t seed, unsigned shard, unsigned shards);
/* Next index of the permutation; false when this shard's walk is exhausted. */
bool cyclic_next(struct cyclic *c, uint64_t *index);

/* Number theory helpers (exposed for tests). */
uint64_t cyclic_mulmod(uint64_t a, uint64_t b, uint64_t m);
uint64_t cyclic_powmod(uint64_t a, uint64_t e, uint64_t m);
bool cyclic_is_prime(uint64_t n);
uint64_t cyclic_next_prime(uint64_t n); /* smallest prime > n */
/* splitmix64: the seeded generator used for the walk parameters. */
uint64_t cyclic_splitmix(uint64_t *state);

#endif
