/* Per-address bookkeeping for the --per-host cap: one entry per IP address that has a
 * host in flight, holding how many connections are open to it. A hash set of entry
 * pointers keyed by the address (base/hashset.h); entries are removed as soon as nothing
 * references them, so memory follows what is in flight. */
#ifndef MSW_ADDRMAP_H
#define MSW_ADDRMAP_H
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "base/err.h"
#include "base/hashset.h"

#define ADDR_KEY_LEN 17 /* family byte + 16 address bytes */

struct addr_ent {
	uint8_t key[ADDR_KEY_LEN];
	uint64_t hash;   /* of key, kept for the removal */
	uint32_t active; /* open connections (and running blocking jobs) to this address */
	uint32_t refs;   /* owners holding this entry */
	void *waiters;   /* engine: hosts waiting for a free place under the cap */
};

struct addrmap {
	struct hashset set; /* slots: struct addr_slot (addrmap.c) */
};
#define ADDRMAP_MAX (1u << 26) /* addresses in flight at most */

void addr_key(const struct sockaddr_storage *sa, uint8_t key[ADDR_KEY_LEN]);
msw_err am_init(struct addrmap *m, size_t hint);
void am_free(struct addrmap *m);
/* Find the entry for sa, creating it (refs 0) if absent; NULL on OOM. */
struct addr_ent *am_get(struct addrmap *m, const struct sockaddr_storage *sa);
/* Take / drop a reference; the entry is removed and freed when refs reach 0. */
void am_ref(struct addr_ent *e);
void am_unref(struct addrmap *m, struct addr_ent *e);

#endif
