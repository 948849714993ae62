/* Hash set of fixed-size slots, capped when it is created. Each slot starts with its
 * key's hash (hbytes = 4 or 8 bytes, 0 = an empty slot: a zero hash is stored as 1) and
 * goes on with whatever the owner keeps beside it (a list index, a pointer, a payload);
 * a free slot is all zeros.
 * Open addressing with linear probing from hash & (cap - 1), backward-shift deletion (no
 * tombstones). The table is allocated at the first insertion (`first` slots) and doubles
 * to stay at most 3/4 full, up to the slots that hold `max` entries; past that an insertion
 * fails and the set is unchanged, while lookups still work.
 *
 * Keys: with eq == NULL, equal hashes are the same key (a counter of distinct things,
 * where a collision only miscounts). Otherwise eq(slot, key) decides among slots with
 * the caller's hash: for sets where merging two keys would be wrong, since FNV-1a
 * collisions can be crafted. Slot pointers are invalidated by the next insertion or
 * deletion. Iterate with hset_next(). */
#ifndef MSW_HASHSET_H
#define MSW_HASHSET_H
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "base/err.h"

typedef bool (*hset_eq_fn)(const void *slot, const void *key);

struct hashset {
	uint8_t *slots; /* cap slots of esz bytes; NULL until the first insertion */
	uint32_t n;     /* occupied slots */
	uint32_t cap;   /* slots allocated: 0 or a power of two */
	uint32_t max;   /* entries at most */
	uint16_t esz;   /* slot size, the hash included */
	uint8_t hbytes; /* 4 or 8 */
	uint8_t first;  /* the first allocation is 1 << first slots */
	hset_eq_fn eq;
};

/* esz: slot size (>= hbytes, < 64 KiB); hbytes: 4 (uint32_t hash) or 8 (uint64_t) at the
 * slot's start, which the owner's slot struct declares as its first member; first:
 * slots of the first allocation; max: entries at most. */
static inline void hset_init(struct hashset *s, size_t esz, unsigned hbytes, size_t first,
			     size_t max, hset_eq_fn eq)
{
	assert((hbytes == 4 || hbytes == 8) && esz >= hbytes && esz <= UINT16_MAX);
	assert(max <= UINT32_MAX / 2 && first && first <= UINT32_MAX / 2);
	uint8_t f = 0;
	while ((size_t)1 << f < first)
		f++;
	*s = (struct hashset){.first = f, .max = (uint32_t)max, .esz = (uint16_t)esz,
			      .hbytes = (uint8_t)hbytes, .eq = eq};
}
/* Slots for n entries up front (e.g. the expected size), so early insertions do not
 * rehash; within the cap only. */
msw_err hset_reserve(struct hashset *s, size_t n);
/* The slot of key (hash h), or NULL. */
void *hset_find(const struct hashset *s, uint64_t h, const void *key);
/* The slot of key, inserted (zero-filled but for its hash) when absent: *fresh tells which.
 * NULL when absent and the set is at its cap or out of memory. */
void *hset_add(struct hashset *s, uint64_t h, const void *key, bool *fresh);
/* Removes the slot (one returned by hset_find/hset_add and not invalidated since). */
void hset_del(struct hashset *s, void *slot);
/* Occupied slots in table order: for (void *x = NULL; (x = hset_next(s, x));). */
void *hset_next(const struct hashset *s, void *prev);
/* Storage released (slot contents are the owner's); the set stays usable. */
static inline void hset_free(struct hashset *s)
{
	free(s->slots);
	s->slots = NULL;
	s->n = s->cap = 0;
}

#endif
