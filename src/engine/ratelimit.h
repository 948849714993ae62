/* Token bucket for new connections: `rate` tokens per second, at most `burst` saved up.
 * Tokens are kept in millionths so any rate from 1/s to millions/s is exact in integers.
 * rate 0 means unlimited. */
#ifndef MSW_RATELIMIT_H
#define MSW_RATELIMIT_H
#include <stdbool.h>
#include <stdint.h>

struct ratelimit {
	uint32_t rate;   /* tokens per second, 0 = unlimited */
	uint64_t cap;    /* burst in micro-tokens */
	uint64_t tokens; /* micro-tokens available */
	int64_t last_us;
};

/* burst 0 picks a small default (rate/10, at least 1): 100 ms of slack so an event loop
 * that wakes late (a loaded machine) still reaches the rate, while the long-run average
 * never exceeds it. */
void rl_init(struct ratelimit *rl, uint32_t rate, uint32_t burst, int64_t now_us);
/* Take one token if available. */
bool rl_take(struct ratelimit *rl, int64_t now_us);
/* Microseconds until a token is available (0 = now). */
int64_t rl_wait_us(struct ratelimit *rl, int64_t now_us);

#endif
