/* The unit tests' deterministic generator (xorshift64): the same sequence on every run,
 * so a failing random case is reproduced by running the test again. */
#ifndef MSW_TEST_RNG_H
#define MSW_TEST_RNG_H
#include <stdint.h>

/* A number in [0, n) from the sequence of one test file. */
static inline uint32_t rnd(uint32_t n)
{
	static uint64_t s = 0x9E3779B97F4A7C15ull;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (uint32_t)(s % n);
}

#endif
