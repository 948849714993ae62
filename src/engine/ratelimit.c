/* Token bucket; see ratelimit.h. */
#include "engine/ratelimit.h"

#define MICRO 1000000ull

void rl_init(struct ratelimit *rl, uint32_t rate, uint32_t burst, int64_t now_us)
{
	rl->rate = rate;
	if (!burst)
		burst = rate / 10; /* 100 ms of slack: a loop that wakes late catches up */
	if (!burst)
		burst = 1;
	rl->cap = (uint64_t)burst * MICRO;
	rl->tokens = MICRO; /* the first connection goes at once */
	if (rl->tokens > rl->cap)
		rl->tokens = rl->cap;
	rl->last_us = now_us;
}

static void refill(struct ratelimit *rl, int64_t now_us)
{
	if (now_us <= rl->last_us)
		return;
	uint64_t dt = (uint64_t)(now_us - rl->last_us);
	rl->last_us = now_us;
	/* a full bucket needs at most cap/rate µs; clamp dt so dt * rate cannot overflow */
	uint64_t fill_us = rl->cap / rl->rate + 1;
	if (dt > fill_us) {
		rl->tokens = rl->cap;
		return;
	}
	rl->tokens += dt * rl->rate;
	if (rl->tokens > rl->cap)
		rl->tokens = rl->cap;
}

bool rl_take(struct ratelimit *rl, int64_t now_us)
{
	if (!rl->rate)
		return true;
	refill(rl, now_us);
	if (rl->tokens < MICRO)
		return false;
	rl->tokens -= MICRO;
	return true;
}

int64_t rl_wait_us(struct ratelimit *rl, int64_t now_us)
{
	if (!rl->rate)
		return 0;
	refill(rl, now_us);
	if (rl->tokens >= MICRO)
		return 0;
	uint64_t missing = MICRO - rl->tokens;
	return (int64_t)((missing + rl->rate - 1) / rl->rate);
}
