/* Target space and iterator. The space is built from the user's target specs (IPv4
 * addresses, CIDRs, a.b.c.d-e ranges, IPv6 literals, hostnames, host:port, URLs) times
 * the port list. Hosts are visited in a seeded pseudo-random permutation with O(1) state
 * (cyclic group walk, see targets.c); a /8 is never materialised. Exclusions and the
 * default blocklist are applied as targets are emitted, so a changed exclusion list never
 * reshuffles the order. Hostnames are resolved off the event loop (resolver threads).
 *
 * The engine pulls whole hosts: each host carries its port list, so per-host limits and
 * per-host records (depth host) are natural. */
#ifndef MSW_TARGETS_H
#define MSW_TARGETS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"
#include "base/target.h"

struct msw_config;

/* One host handed to the engine: address + the ports to probe on it. */
struct target_host {
	struct msw_target base;      /* port/transport unset; copy and fill per port */
	struct port_spec *ports;     /* owned by the iterator's port list or by this host */
	size_t nports;
	bool blocklisted;            /* emitted only when --all: record blocklisted-target */
	bool unresolved;             /* hostname that did not resolve: record it, no probe */
	char *resolve_error;
};

struct target_iter;

/* Build the space from cfg (targets, -iL, ports, excludes). Errors are usage errors with
 * a message naming the bad token in *errmsg (malloc'ed). */
msw_err targets_open(const struct msw_config *cfg, uint64_t seed, struct target_iter **it,
		     char **errmsg);
/* Next host, or MSW_ERR_AGAIN when only pending name resolutions remain (poll
 * targets_fd() for readability), or MSW_ERR_CLOSED when exhausted. The host stays valid
 * until the next call to targets_release(). */
msw_err targets_next(struct target_iter *it, struct target_host **h);
void targets_release(struct target_iter *it, struct target_host *h);
int targets_fd(struct target_iter *it);    /* eventfd signalled by resolver threads, or -1 */
uint64_t targets_total(const struct target_iter *it); /* hosts × ports estimate (progress) */
uint64_t targets_excluded(const struct target_iter *it);   /* dropped or blocklisted so far */
uint64_t targets_blocklisted(const struct target_iter *it); /* of which reserved-range hits */
/* Targets (host × ports) of hosts never handed out: excluded, blocklisted (not those a
 * --resume skips: their counts come back from the database). */
uint64_t targets_skipped(const struct target_iter *it);
uint64_t targets_hosts(const struct target_iter *it);       /* hosts in the space (unfiltered) */
/* Resume support: skip hosts whose index is in the done set (callback returns true). */
void targets_set_skip(struct target_iter *it, bool (*done)(void *arg, uint64_t index), void *arg);
void targets_close(struct target_iter *it);
/* An address as text (inet_ntop's form; IPv4 without printf: a sweep formats two per
 * target). out holds at least INET6_ADDRSTRLEN bytes; "" for an unknown family. */
void targets_ntop(int family, const void *addr, char *out, size_t cap);

/* Parsing helpers, exposed for unit tests and fuzzing. */
msw_err parse_ports(const char *spec, struct port_spec **out, size_t *n, char **errmsg);
msw_err parse_target_spec(const char *s, char **errmsg);  /* validate one token */
/* Validate a whole -iL text (plain lines, zmap CSV or zgrab2 CSV); errors name the line. */
msw_err parse_target_list(const char *data, size_t n, char **errmsg);

#endif
