/* Address map; see addrmap.h. */
#include "engine/addrmap.h"
#include "base/hash.h"
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void addr_key(const struct sockaddr_storage *sa, uint8_t key[ADDR_KEY_LEN])
{
	memset(key, 0, ADDR_KEY_LEN);
	key[0] = (uint8_t)sa->ss_family;
	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		memcpy(key + 1, &s4->sin_addr, 4);
	} else if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		memcpy(key + 1, &s6->sin6_addr, 16);
	}
}

/* A slot of the set: the key's hash, then the entry (its address never moves). */
struct addr_slot {
	uint64_t h;
	struct addr_ent *e;
};

static uint64_t hash_key(const uint8_t *k)
{
	uint64_t h = fnv1a64(k, ADDR_KEY_LEN, FNV64_INIT);
	return h ^ (h >> 29); /* the set indexes by the low bits */
}

static bool same_key(const void *slot, const void *key)
{
	return !memcmp(((const struct addr_slot *)slot)->e->key, key, ADDR_KEY_LEN);
}

msw_err am_init(struct addrmap *m, size_t hint)
{
	hset_init(&m->set, sizeof(struct addr_slot), 8, 64, ADDRMAP_MAX, same_key);
	return hset_reserve(&m->set, hint < ADDRMAP_MAX ? hint : ADDRMAP_MAX);
}

void am_free(struct addrmap *m)
{
	for (struct addr_slot *s = NULL; (s = hset_next(&m->set, s));)
		free(s->e);
	hset_free(&m->set);
}

struct addr_ent *am_get(struct addrmap *m, const struct sockaddr_storage *sa)
{
	uint8_t k[ADDR_KEY_LEN];
	bool fresh;
	addr_key(sa, k);
	struct addr_slot *s = hset_add(&m->set, hash_key(k), k, &fresh);
	if (!s || !fresh)
		return s ? s->e : NULL;
	if (!(s->e = calloc(1, sizeof(*s->e)))) {
		hset_del(&m->set, s);
		return NULL;
	}
	memcpy(s->e->key, k, ADDR_KEY_LEN);
	s->e->hash = s->h;
	return s->e;
}

void am_ref(struct addr_ent *e)
{
	e->refs++;
}

void am_unref(struct addrmap *m, struct addr_ent *e)
{
	if (e->refs && --e->refs)
		return;
	struct addr_slot *s = hset_find(&m->set, e->hash, e->key);
	if (s && s->e == e)
		hset_del(&m->set, s);
	free(e);
}
