#include "base/hashset.h"
#include <string.h>

static uint64_t slot_hash(const struct hashset *s, const uint8_t *slot)
{
	if (s->hbytes == 8) {
		uint64_t h;
		memcpy(&h, slot, 8);
		return h;
	}
	uint32_t h;
	memcpy(&h, slot, 4);
	return h;
}

static void put_hash(const struct hashset *s, uint8_t *slot, uint64_t h)
{
	if (s->hbytes == 8) {
		memcpy(slot, &h, 8);
	} else {
		uint32_t h32 = (uint32_t)h;
		memcpy(slot, &h32, 4);
	}
}

/* The hash as stored: the set's width, never 0 (0 marks a free slot). */
static uint64_t stored(const struct hashset *s, uint64_t h)
{
	if (s->hbytes == 4)
		h = (uint32_t)h;
	return h ? h : 1;
}

static uint8_t *slot_at(const struct hashset *s, size_t i)
{
	return s->slots + i * s->esz;
}

/* Slots needed for n entries at most 3/4 full. */
static size_t slots_for(const struct hashset *s, size_t n)
{
	size_t c = (size_t)1 << s->first;
	while (n > c / 4 * 3)
		c *= 2;
	return c;
}

/* First free slot for hash h in a table of cap slots (the table has one). */
static uint8_t *free_slot(const struct hashset *s, uint8_t *tab, size_t cap, uint64_t h)
{
	size_t i = h & (cap - 1);
	while (slot_hash(s, tab + i * s->esz))
		i = (i + 1) & (cap - 1);
	return tab + i * s->esz;
}

static msw_err rehash(struct hashset *s, size_t cap)
{
	uint8_t *t = calloc(cap, s->esz);
	if (!t)
		return MSW_ERR_NOMEM;
	for (size_t i = 0; i < s->cap; i++) {
		const uint8_t *old = slot_at(s, i);
		uint64_t h = slot_hash(s, old);
		if (h)
			memcpy(free_slot(s, t, cap, h), old, s->esz);
	}
	free(s->slots);
	s->slots = t;
	s->cap = (uint32_t)cap;
	return MSW_OK;
}

msw_err hset_reserve(struct hashset *s, size_t n)
{
	if (n > s->max)
		return MSW_ERR_TOO_BIG;
	size_t c = slots_for(s, n);
	return c > s->cap ? rehash(s, c) : MSW_OK;
}

/* The slot of the key (hash h as stored), or the free slot that ends its probe run
 * (*found false); NULL when nothing is allocated yet. The table is never full, so every
 * probe ends at a free slot. */
static uint8_t *probe(const struct hashset *s, uint64_t h, const void *key, bool *found)
{
	*found = false;
	if (!s->cap)
		return NULL;
	for (size_t i = h & (s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
		uint8_t *slot = slot_at(s, i);
		uint64_t sh = slot_hash(s, slot);
		if (!sh)
			return slot;
		if (sh == h && (!s->eq || s->eq(slot, key))) {
			*found = true;
			return slot;
		}
	}
}

void *hset_find(const struct hashset *s, uint64_t h, const void *key)
{
	bool found;
	uint8_t *slot = probe(s, stored(s, h), key, &found);
	return found ? slot : NULL;
}

void *hset_add(struct hashset *s, uint64_t h, const void *key, bool *fresh)
{
	bool found;
	h = stored(s, h);
	uint8_t *slot = probe(s, h, key, &found);
	*fresh = false;
	if (found)
		return slot;
	if (s->n >= s->max)
		return NULL;
	if (s->n + 1 > s->cap / 4 * 3) { /* also when nothing is allocated yet */
		if (hset_reserve(s, s->n + 1))
			return NULL;
		slot = free_slot(s, s->slots, s->cap, h);
	}
	put_hash(s, slot, h); /* a free slot is all zeros */
	s->n++;
	*fresh = true;
	return slot;
}

void hset_del(struct hashset *s, void *slot)
{
	size_t mask = s->cap - 1;
	size_t i = (size_t)((uint8_t *)slot - s->slots) / s->esz;
	memset(slot, 0, s->esz);
	for (size_t j = (i + 1) & mask;; j = (j + 1) & mask) {
		uint8_t *sj = slot_at(s, j);
		uint64_t h = slot_hash(s, sj);
		if (!h)
			break;
		size_t home = h & mask;
		/* j moves back to the hole at i when its home is not cyclically in (i, j] */
		bool move = i <= j ? (home <= i || home > j) : (home <= i && home > j);
		if (move) {
			memcpy(slot_at(s, i), sj, s->esz);
			memset(sj, 0, s->esz);
			i = j;
		}
	}
	s->n--;
}

void *hset_next(const struct hashset *s, void *prev)
{
	size_t i = prev ? (size_t)((uint8_t *)prev - s->slots) / s->esz + 1 : 0;
	for (; i < s->cap; i++)
		if (slot_hash(s, slot_at(s, i)))
			return slot_at(s, i);
	return NULL;
}

