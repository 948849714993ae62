/* Hashed timing wheel; see timerwheel.h. Ticks are absolute (since tw_init), so an
 * entry's slot is expire & (nslots - 1) and an entry more than one rotation ahead simply
 * stays in its slot until the wheel comes round on the right tick. */
#include "engine/timerwheel.h"
#include <stdlib.h>

static void list_init(struct tw_entry *h)
{
	h->next = h->prev = h;
}

static void list_add_tail(struct tw_entry *h, struct tw_entry *e)
{
	e->prev = h->prev;
	e->next = h;
	h->prev->next = e;
	h->prev = e;
}

static void list_unlink(struct tw_entry *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->next = e->prev = NULL;
}

msw_err tw_init(struct timerwheel *tw, size_t nslots, uint32_t tick_ms, int64_t now_ms)
{
	size_t n = 1;
	while (n < nslots)
		n <<= 1;
	tw->slots = calloc(n, sizeof(*tw->slots));
	if (!tw->slots)
		return MSW_ERR_NOMEM;
	for (size_t i = 0; i < n; i++)
		list_init(&tw->slots[i]);
	tw->nslots = n;
	tw->tick_ms = tick_ms ? tick_ms : 1;
	tw->cur = 0;
	tw->base_ms = now_ms;
	tw->count = 0;
	return MSW_OK;
}

void tw_free(struct timerwheel *tw)
{
	free(tw->slots);
	tw->slots = NULL;
	tw->nslots = 0;
}

static uint64_t tick_of(const struct timerwheel *tw, int64_t ms)
{
	if (ms <= tw->base_ms)
		return 0;
	return (uint64_t)(ms - tw->base_ms) / tw->tick_ms;
}

void tw_add(struct timerwheel *tw, struct tw_entry *e, int64_t now_ms, uint32_t ms)
{
	if (tw_armed(e))
		tw_del(tw, e);
	/* round up: an entry never fires early */
	uint64_t t = tick_of(tw, now_ms + (int64_t)ms + tw->tick_ms - 1);
	if (t < tw->cur)
		t = tw->cur;
	e->expire = t;
	list_add_tail(&tw->slots[t & (tw->nslots - 1)], e);
	tw->count++;
}

void tw_del(struct timerwheel *tw, struct tw_entry *e)
{
	if (!tw_armed(e))
		return;
	list_unlink(e);
	tw->count--;
}

/* Fire what is due in one slot. The slot is moved to a local list first so callbacks can
 * add to or delete from any list, this slot included, while we walk; the walk repeats
 * while a pass fired something, so an entry a callback armed for this very tick is not
 * left for the next rotation. */
static size_t fire_slot(struct timerwheel *tw, uint64_t tick, tw_fire_fn fire, void *arg)
{
	struct tw_entry *h = &tw->slots[tick & (tw->nslots - 1)];
	struct tw_entry local;
	size_t n = 0, pass;

	do {
		pass = 0;
		if (h->next == h)
			break;
		local.next = h->next;
		local.prev = h->prev;
		local.next->prev = &local;
		local.prev->next = &local;
		list_init(h);
		while (local.next != &local) {
			struct tw_entry *e = local.next;
			list_unlink(e);
			if (e->expire > tick) {
				list_add_tail(h, e); /* a later round */
				continue;
			}
			tw->count--;
			pass++;
			fire(e, arg);
		}
		n += pass;
	} while (pass);
	return n;
}

size_t tw_advance(struct timerwheel *tw, int64_t now_ms, tw_fire_fn fire, void *arg)
{
	uint64_t now = tick_of(tw, now_ms);
	size_t n = 0;

	while (tw->cur <= now) {
		if (tw->count == 0) {
			tw->cur = now + 1;
			break;
		}
		n += fire_slot(tw, tw->cur, fire, arg);
		tw->cur++;
	}
	return n;
}

int tw_next_ms(const struct timerwheel *tw, int64_t now_ms)
{
	if (tw->count == 0)
		return -1;
	uint64_t now = tick_of(tw, now_ms);
	uint64_t t = tw->cur;
	/* look ahead at most one rotation for a non-empty slot */
	for (size_t i = 0; i < tw->nslots; i++, t++) {
		const struct tw_entry *h = &tw->slots[t & (tw->nslots - 1)];
		if (h->next != h)
			break;
	}
	if (t <= now)
		return 0;
	int64_t due = tw->base_ms + (int64_t)(t * tw->tick_ms);
	int64_t d = due - now_ms;
	if (d < 0)
		return 0;
	return d > 1000000 ? 1000000 : (int)d;
}
