/* Address map; see addrmap.h. */
#include "engine/addrmap.h"
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

static uint64_t hash_key(const uint8_t *k)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (size_t i = 0; i < ADDR_KEY_LEN; i++) {
		h ^= k[i];
		h *= 1099511628211ull;
	}
	return h ^ (h >> 29);
}

msw_err am_init(struct addrmap *m, size_t hint)
{
	size_t c = 64;
	while (c < hint * 2)
		c <<= 1;
	m->tab = calloc(c, sizeof(*m->tab));
	if (!m->tab)
		return MSW_ERR_NOMEM;
	m->cap = c;
	m->n = 0;
	return MSW_OK;
}

void am_free(struct addrmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->tab[i]);
	free(m->tab);
	m->tab = NULL;
	m->cap = m->n = 0;
}

static void place(struct addr_ent **tab, size_t cap, struct addr_ent *e)
{
	size_t i = hash_key(e->key) & (cap - 1);
	while (tab[i])
		i = (i + 1) & (cap - 1);
	tab[i] = e;
}

static msw_err grow(struct addrmap *m)
{
	size_t nc = m->cap * 2;
	struct addr_ent **nt = calloc(nc, sizeof(*nt));
	if (!nt)
		return MSW_ERR_NOMEM;
	for (size_t i = 0; i < m->cap; i++)
		if (m->tab[i])
			place(nt, nc, m->tab[i]);
	free(m->tab);
	m->tab = nt;
	m->cap = nc;
	return MSW_OK;
}

struct addr_ent *am_get(struct addrmap *m, const struct sockaddr_storage *sa)
{
	uint8_t k[ADDR_KEY_LEN];
	addr_key(sa, k);
	size_t i = hash_key(k) & (m->cap - 1);
	while (m->tab[i]) {
		if (!memcmp(m->tab[i]->key, k, ADDR_KEY_LEN))
			return m->tab[i];
		i = (i + 1) & (m->cap - 1);
	}
	if ((m->n + 1) * 2 > m->cap && grow(m))
		return NULL;
	struct addr_ent *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	memcpy(e->key, k, ADDR_KEY_LEN);
	place(m->tab, m->cap, e);
	m->n++;
	return e;
}

void am_ref(struct addr_ent *e)
{
	e->refs++;
}

/* Remove slot i and shift later members of its probe run back (no tombstones). */
static void remove_at(struct addrmap *m, size_t i)
{
	size_t mask = m->cap - 1;
	m->tab[i] = NULL;
	size_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (!m->tab[j])
			break;
		size_t home = hash_key(m->tab[j]->key) & mask;
		/* move j to i if home is cyclically outside (i, j] */
		bool move = i <= j ? (home <= i || home > j) : (home <= i && home > j);
		if (move) {
			m->tab[i] = m->tab[j];
			m->tab[j] = NULL;
			i = j;
		}
	}
	m->n--;
}

void am_unref(struct addrmap *m, struct addr_ent *e)
{
	if (e->refs && --e->refs)
		return;
	size_t i = hash_key(e->key) & (m->cap - 1);
	while (m->tab[i] && m->tab[i] != e)
		i = (i + 1) & (m->cap - 1);
	if (m->tab[i] == e)
		remove_at(m, i);
	free(e);
}
