/* Host-name resolution off the event loop: a few threads call getaddrinfo() for each name
 * given at start, and signal an eventfd as results come in. The iterator claims a name
 * when the permutation reaches it: a finished name is used at once; a pending one is
 * marked deferred and comes back later through resolver_pop_ready(). */
#ifndef MSW_RESOLVER_H
#define MSW_RESOLVER_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include "base/err.h"

enum { RJ_PENDING, RJ_OK, RJ_FAIL };

struct resolve_result {
	int state;                  /* RJ_OK or RJ_FAIL */
	struct sockaddr_storage sa; /* first IPv4 address, else first IPv6 (port 0) */
	socklen_t salen;
	char error[96]; /* why it failed (resolver's words) */
};

struct resolver;

/* Copies the names; starts min(nthreads, n) threads. */
msw_err resolver_start(struct resolver **r, const char *const *names, size_t n, unsigned nthreads);
int resolver_fd(struct resolver *r);     /* eventfd, readable when a name finished */
void resolver_drain(struct resolver *r); /* reset the eventfd (call before looking) */
/* RJ_OK/RJ_FAIL with *out filled, or RJ_PENDING (the job is now deferred). */
int resolver_claim(struct resolver *r, size_t job, struct resolve_result *out);
/* A deferred job that has finished since: true and its id and result. */
bool resolver_pop_ready(struct resolver *r, size_t *job, struct resolve_result *out);
/* Deferred jobs not yet popped (still resolving, or finished and waiting in the ready list). */
size_t resolver_waiting(struct resolver *r);
/* Stop; threads still inside getaddrinfo() finish on their own and free the rest. */
void resolver_close(struct resolver *r);

/* Blocking single resolution (used by the threads; exposed for tests). */
void resolve_one(const char *name, struct resolve_result *out);

#endif
