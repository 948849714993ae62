/* Seeded permutation of the target space with O(1) memory.
 *
 * Idea (zmap's cyclic.c, our own code): the multiplicative group of integers modulo a
 * prime p is cyclic of order p-1. If g is a primitive root (a generator), the sequence
 * x0, x0*g, x0*g^2, ... (mod p) visits every element of {1, ..., p-1} exactly once before
 * returning to x0. Choose p as the smallest prime above the number of hosts n, map element
 * x to index x-1, and skip the few indices >= n: the result is a permutation of [0, n) that
 * needs three integers of state, whatever n is (a /8 or all of IPv4 is never
 * materialised). The seed picks g (a random candidate, kept if g^((p-1)/q) != 1 for every
 * prime q dividing p-1) and the starting element x0, so the same seed gives the same order.
 *
 * Sharding takes every shards-th position of the one walk: shard k starts at x0*g^k and
 * steps by g^shards, for ceil((p-1-k)/shards) positions. Shards of one seed are therefore
 * disjoint and together cover the walk exactly.
 *
 * Products are computed in unsigned __int128, so any p < 2^64 is safe; p-1 is factored by
 * trial division, which is why the space is capped at CYCLIC_MAX_N. */
#include <stddef.h>
#include "engine/cyclic.h"

uint64_t cyclic_mulmod(uint64_t a, uint64_t b, uint64_t m)
{
	return (uint64_t)((unsigned __int128)a * b % m);
}

uint64_t cyclic_powmod(uint64_t a, uint64_t e, uint64_t m)
{
	uint64_t r = 1 % m;

	a %= m;
	while (e) {
		if (e & 1)
			r = cyclic_mulmod(r, a, m);
		a = cyclic_mulmod(a, a, m);
		e >>= 1;
	}
	return r;
}

/* Deterministic Miller-Rabin: these bases are exact for every n < 2^64. */
bool cyclic_is_prime(uint64_t n)
{
	static const uint64_t bases[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
	uint64_t d = n - 1;
	unsigned s = 0;

	if (n < 2)
		return false;
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		if (n == bases[i])
			return true;
		if (n % bases[i] == 0)
			return false;
	}
	while ((d & 1) == 0) {
		d >>= 1;
		s++;
	}
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		uint64_t x = cyclic_powmod(bases[i], d, n);
		unsigned r;

		if (x == 1 || x == n - 1)
			continue;
		for (r = 1; r < s; r++) {
			x = cyclic_mulmod(x, x, n);
			if (x == n - 1)
				break;
		}
		if (r == s)
			return false;
	}
	return true;
}

uint64_t cyclic_next_prime(uint64_t n)
{
	uint64_t c = n + 1;

	while (!cyclic_is_prime(c))
		c++;
	return c;
}

uint64_t cyclic_splitmix(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* Distinct prime factors of m (m < 2^48, so at most 12 of them). */
static unsigned factor(uint64_t m, uint64_t *q, unsigned max)
{
	unsigned n = 0;

	for (uint64_t d = 2; d * d <= m; d += (d == 2) ? 1 : 2) {
		if (m % d)
			continue;
		if (n < max)
			q[n++] = d;
		while (m % d == 0)
			m /= d;
	}
	if (m > 1 && n < max)
		q[n++] = m;
	return n;
}

static bool is_generator(uint64_t g, uint64_t p, const uint64_t *q, unsigned nq)
{
	for (unsigned i = 0; i < nq; i++)
		if (cyclic_powmod(g, (p - 1) / q[i], p) == 1)
			return false;
	return true;
}

msw_err cyclic_init(struct cyclic *c, uint64_t n, uint64_t seed, unsigned shard, unsigned shards)
{
	uint64_t q[16], st = seed, x0;
	unsigned nq;

	*c = (struct cyclic){.n = n};
	if (shards == 0 || shard >= shards || n > CYCLIC_MAX_N)
		return MSW_ERR_USAGE;
	if (n == 0)
		return MSW_OK;
	c->p = cyclic_next_prime(n);
	if (c->p == 2) {
		c->g = 1;
	} else {
		nq = factor(c->p - 1, q, 16);
		do
			c->g = 2 + cyclic_splitmix(&st) % (c->p - 2);
		while (!is_generator(c->g, c->p, q, nq));
	}
	x0 = 1 + cyclic_splitmix(&st) % (c->p - 1);
	c->cur = cyclic_mulmod(x0, cyclic_powmod(c->g, shard, c->p), c->p);
	c->mult = cyclic_powmod(c->g, shards, c->p);
	c->remaining = (c->p - 1 > shard) ? (c->p - 1 - shard + shards - 1) / shards : 0;
	return MSW_OK;
}

bool cyclic_next(struct cyclic *c, uint64_t *index)
{
	while (c->remaining) {
		uint64_t x = c->cur;

		c->remaining--;
		c->cur = cyclic_mulmod(c->cur, c->mult, c->p);
		if (x - 1 < c->n) {
			*index = x - 1;
			return true;
		}
	}
	return false;
}
