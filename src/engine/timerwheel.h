/* Hashed timing wheel (Varghese & Lauck, scheme 6): one slot per tick, an entry goes in
 * slot (expire_tick mod nslots) and fires when the wheel reaches that slot on the right
 * round. Add, delete and fire are O(1); advancing costs one slot per elapsed tick, so a
 * scan with 20,000 connections in flight never walks a sorted list (redis ae's O(N) timer
 * list is the thing to avoid). Entries are intrusive (embedded in the owner), so the wheel
 * never allocates after tw_init(). Callbacks may add or delete any entry, including the
 * one being fired. */
#ifndef MSW_TIMERWHEEL_H
#define MSW_TIMERWHEEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"

struct tw_entry {
	struct tw_entry *next, *prev; /* circular list; both NULL when not armed */
	uint64_t expire;              /* absolute tick */
};

struct timerwheel {
	struct tw_entry *slots; /* nslots list heads */
	size_t nslots;          /* power of two */
	uint32_t tick_ms;
	uint64_t cur;    /* next tick to process */
	int64_t base_ms; /* time of tick 0 */
	size_t count;    /* armed entries */
};

typedef void (*tw_fire_fn)(struct tw_entry *e, void *arg);

msw_err tw_init(struct timerwheel *tw, size_t nslots, uint32_t tick_ms, int64_t now_ms);
void tw_free(struct timerwheel *tw);
static inline void tw_entry_init(struct tw_entry *e)
{
	e->next = e->prev = NULL;
}
static inline bool tw_armed(const struct tw_entry *e)
{
	return e->next != NULL;
}
/* Arm (or re-arm) e to fire at now_ms + ms (rounded up to the next tick, at least one). */
void tw_add(struct timerwheel *tw, struct tw_entry *e, int64_t now_ms, uint32_t ms);
void tw_del(struct timerwheel *tw, struct tw_entry *e);
/* Fire every entry whose tick has passed by now_ms. Returns how many fired. */
size_t tw_advance(struct timerwheel *tw, int64_t now_ms, tw_fire_fn fire, void *arg);
/* Milliseconds until the wheel next needs tw_advance() (0 = now), or -1 if empty. */
int tw_next_ms(const struct timerwheel *tw, int64_t now_ms);

#endif
