/* Internals of the target space shared by targets.c (iterator) and targets_parse.c
 * (spec parsing). Not a contract: only these two files include it. */
#ifndef MSW_TARGETS_INT_H
#define MSW_TARGETS_INT_H
#include <netinet/in.h>
#include "engine/blocklist.h"
#include "engine/cyclic.h"
#include "engine/resolver.h"
#include "engine/targets.h"

enum seg_kind { SEG_V4, SEG_V6, SEG_NAME };
#define SEGF_NAMED      0x1 /* the user named this one host */
#define SEGF_PRIVATE_OK 0x2 /* the spec lies inside a loopback/private range */
#define NO_EXTRA        UINT32_MAX
#define TARGET_SEGS_MAX (1u << 26) /* target specifications (ranges, names, URLs) at most */

/* A run of hosts in the space: [off, off+count). Compact, as -iL lists can be long. */
struct seg {
	uint64_t off;
	uint64_t count;
	uint32_t v4;    /* SEG_V4: first address, host order */
	uint32_t extra; /* index into extras, or NO_EXTRA */
	uint8_t kind;
	uint8_t flags;
};

struct seg_extra {
	struct in6_addr v6; /* SEG_V6: first address */
	uint32_t scope;
	char *hostname; /* SEG_NAME, or the host of a URL */
	char *username, *password, *ws_path;
	struct port_spec *ports; /* own ports (host:port, URL), or NULL = global list */
	size_t nports;
	size_t job; /* SEG_NAME: resolver job */
};

struct target_iter {
	bool record_all, no_blocklist;
	uint64_t max_targets;
	unsigned shard, shards;

	struct vec segs;      /* struct seg, in index order */
	struct vec extras;    /* struct seg_extra */
	struct vec names;     /* char *: SEG_NAME host names in job order (borrowed from extras) */
	struct vec name_segs; /* size_t: job -> segment */
	struct port_spec *ports; /* global port list (-p or the default) */
	size_t nports;
	struct exclude_list excl;

	uint64_t nhosts, excluded, blocklisted, emitted;
	uint64_t skipped; /* targets of hosts never handed out (targets_skipped) */
	struct cyclic cyc;
	bool walk_done;
	struct resolver *res;
	bool (*skip)(void *arg, uint64_t index);
	void *skip_arg;
};

/* targets_parse.c */
msw_err tspace_add_spec(struct target_iter *it, const char *tok, char **errmsg);
/* One row of a CSV target list: an address or CIDR and/or a domain, ports ("" = -p's). */
msw_err tspace_add_row(struct target_iter *it, const char *addr, const char *domain,
		       const char *ports, char **errmsg);

/* targets_list.c: -iL (plain, zmap CSV, zgrab2 CSV) and exclusion files (plain) */
msw_err tspace_add_list(struct target_iter *it, const char *path, char **errmsg);
msw_err tspace_add_file(struct target_iter *it, const char *path, char **errmsg,
			msw_err (*add)(void *ctx, const char *tok, char **errmsg), void *ctx);
void tspace_init(struct target_iter *it); /* empty space, before any add */
void tspace_free(struct target_iter *it);
msw_err errf(char **errmsg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
