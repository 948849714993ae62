/* The target iterator: a seeded permutation over the host space, filtered as it goes.
 *
 * The space is a list of segments (IPv4 ranges, IPv6 prefixes, single named hosts) with
 * cumulative offsets; a host's index is its offset in that list, which stays the same from
 * run to run for the same specs (the --resume key). cyclic.c walks the indices in a seeded
 * order with O(1) state; an index maps to its segment by binary search. Filters are applied
 * as hosts come out of the walk, never to the space itself, so changing --exclude or the
 * blocklist never reshuffles the order:
 *   1. resume: indices already done are skipped silently;
 *   2. the user's --exclude list: dropped, counted in targets_excluded();
 *   3. the reserved blocklist (blocklist.c): counted, and handed out with blocklisted=true
 *      when --all is on (the engine records blocklisted-target); --no-blocklist lifts it;
 *   4. loopback/private addresses: dropped (counted) unless the spec that produced them
 *      lies inside such a range (the user named them).
 * Host names are resolved by resolver threads from the first call on; when the walk reaches
 * a name still pending it is deferred, the walk moves on, and the name is handed out as soon
 * as it resolves. A name that does not resolve is handed out with unresolved=true: the engine
 * records it (status invalid-inputs), it is not an error of the scan. The targets (host ×
 * ports) of hosts that are never handed out (excluded, blocklisted) are counted in
 * targets_skipped(), so a progress line can reach its total. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include "base/config.h"
#include "engine/targets_int.h"

#define RESOLVER_THREADS 8

enum verdict { V_EMIT, V_BLOCKLISTED, V_DROP };

/* Exclusion tokens may also be comma lists (--exclude a,b and in files). */
static msw_err add_excl_cb(void *ctx, const char *tok, char **errmsg)
{
	char *copy = strdup(tok), *p, *next;
	msw_err rc = MSW_OK;

	if (!copy)
		return MSW_ERR_NOMEM;
	for (p = copy; p && !rc; p = next) {
		next = strchr(p, ',');
		if (next)
			*next++ = '\0';
		if (*p)
			rc = exclude_add(ctx, p, errmsg);
	}
	free(copy);
	return rc;
}

static msw_err build_space(struct target_iter *it, const struct msw_config *cfg, char **errmsg)
{
	msw_err rc = parse_ports(cfg->ports, &it->ports, &it->nports, errmsg);

	for (size_t i = 0; i < cfg->ntargets && !rc; i++)
		rc = tspace_add_spec(it, cfg->targets[i], errmsg);
	if (!rc && cfg->input_list)
		rc = tspace_add_list(it, cfg->input_list, errmsg);
	for (size_t i = 0; i < cfg->nexcludes && !rc; i++)
		rc = add_excl_cb(&it->excl, cfg->excludes[i], errmsg);
	if (!rc && cfg->exclude_file)
		rc = tspace_add_file(it, cfg->exclude_file, errmsg, add_excl_cb, &it->excl);
	if (!rc && it->segs.n == 0 && cfg->input_list)
		rc = errf(errmsg, "empty target list: '%s' holds no targets", cfg->input_list);
	else if (!rc && it->segs.n == 0)
		rc = errf(errmsg, "empty target list: name hosts, ranges or URLs, or use -iL FILE");
	exclude_seal(&it->excl);
	return rc;
}

msw_err targets_open(const struct msw_config *cfg, uint64_t seed, struct target_iter **itp,
		     char **errmsg)
{
	struct target_iter *it = calloc(1, sizeof(*it));
	msw_err rc;

	*itp = NULL;
	if (errmsg)
		*errmsg = NULL;
	if (!it)
		return MSW_ERR_NOMEM;
	tspace_init(it);
	it->record_all = cfg->record_all;
	it->no_blocklist = cfg->no_default_blocklist;
	it->max_targets = cfg->max_targets;
	it->shards = cfg->shards ? cfg->shards : 1;
	it->shard = cfg->shard;
	rc = build_space(it, cfg, errmsg);
	if (!rc && cyclic_init(&it->cyc, it->nhosts, seed, it->shard, it->shards))
		rc = errf(errmsg, "bad shard %u/%u (use k/n with 0 <= k < n)", it->shard,
			  it->shards);
	if (rc) {
		targets_close(it);
		return rc;
	}
	*itp = it;
	return MSW_OK;
}

/* The resolver threads start with the first targets_next()/targets_fd(), not in
 * targets_open(): a --workers parent opens the iterator but never walks it, and must not
 * fork while threads of its own sit inside getaddrinfo() holding resolver locks. */
static msw_err start_resolver(struct target_iter *it)
{
	if (it->res || !it->names.n)
		return MSW_OK;
	return resolver_start(&it->res, (const char *const *)it->names.p, it->names.n,
			      RESOLVER_THREADS);
}

static const struct seg *find_seg(const struct target_iter *it, uint64_t idx)
{
	const struct seg *segs = it->segs.p;
	size_t lo = 0, hi = it->segs.n;

	while (hi - lo > 1) { /* last segment with off <= idx */
		size_t mid = lo + (hi - lo) / 2;

		if (segs[mid].off <= idx)
			lo = mid;
		else
			hi = mid;
	}
	return &segs[lo];
}

/* The segment's extra, or NULL. */
static const struct seg_extra *extra_of(const struct target_iter *it, const struct seg *sg)
{
	return sg->extra != NO_EXTRA ? vec_at(&it->extras, sg->extra) : NULL;
}

static enum verdict judge_v4(const struct target_iter *it, const struct seg *sg, uint32_t a)
{
	if (exclude_v4(&it->excl, a))
		return V_DROP;
	if (it->no_blocklist)
		return V_EMIT;
	if (bl_reserved_v4(a))
		return V_BLOCKLISTED;
	if (!(sg->flags & SEGF_PRIVATE_OK) && bl_private_v4(a))
		return V_DROP;
	return V_EMIT;
}

static enum verdict judge_v6(const struct target_iter *it, const struct seg *sg,
			     const struct in6_addr *a)
{
	if (exclude_v6(&it->excl, a))
		return V_DROP;
	if (it->no_blocklist)
		return V_EMIT;
	if (bl_reserved_v6(a))
		return V_BLOCKLISTED;
	if (!(sg->flags & SEGF_PRIVATE_OK) && bl_private_v6(a))
		return V_DROP;
	return V_EMIT;
}

static enum verdict judge_sa(const struct target_iter *it, const struct seg *sg,
			     const struct sockaddr_storage *sa)
{
	if (sa->ss_family == AF_INET)
		return judge_v4(it, sg, ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	return judge_v6(it, sg, &((const struct sockaddr_in6 *)sa)->sin6_addr);
}

static struct target_host *host_new(const struct target_iter *it, const struct seg *sg,
				    uint64_t idx)
{
	struct target_host *h = calloc(1, sizeof(*h));
	const struct seg_extra *e = extra_of(it, sg);

	if (!h)
		return NULL;
	h->base.index = idx;
	h->base.named = sg->flags & SEGF_NAMED;
	h->ports = it->ports;
	h->nports = it->nports;
	if (e) {
		if (e->ports) {
			h->ports = e->ports;
			h->nports = e->nports;
		}
		h->base.hostname = e->hostname;
		h->base.username = e->username;
		h->base.password = e->password;
		h->base.ws_path = e->ws_path;
	}
	return h;
}

void targets_ntop(int family, const void *addr, char *out, size_t cap)
{
	if (family != AF_INET) {
		if (family != AF_INET6 || !inet_ntop(AF_INET6, addr, out, (socklen_t)cap))
			out[0] = 0;
		return;
	}
	const uint8_t *b = addr;
	char tmp[16], *o = tmp;
	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];
		if (v >= 100)
			*o++ = (char)('0' + v / 100);
		if (v >= 10)
			*o++ = (char)('0' + v / 10 % 10);
		*o++ = (char)('0' + v % 10);
		*o++ = i < 3 ? '.' : 0;
	}
	if ((size_t)(o - tmp) <= cap)
		memcpy(out, tmp, (size_t)(o - tmp));
	else if (cap)
		out[0] = 0;
}

static void host_set_sa(struct target_host *h, const struct sockaddr_storage *sa, socklen_t len)
{
	memcpy(&h->base.sa, sa, len);
	h->base.salen = len;
	if (sa->ss_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&h->base.sa;

		s4->sin_port = 0;
		targets_ntop(AF_INET, &s4->sin_addr, h->base.ip, sizeof(h->base.ip));
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&h->base.sa;

		s6->sin6_port = 0;
		targets_ntop(AF_INET6, &s6->sin6_addr, h->base.ip, sizeof(h->base.ip));
	}
}

/* The address of host off within an address segment. */
static void seg_addr(const struct target_iter *it, const struct seg *sg, uint64_t off,
		     struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (sg->kind == SEG_V4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(sg->v4 + (uint32_t)off);
		*len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
		const struct seg_extra *e = extra_of(it, sg);

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = e->v6;
		s6->sin6_scope_id = e->scope;
		for (int i = 15; i >= 8 && off; i--) { /* host bits are zero: add bytewise */
			unsigned v = s6->sin6_addr.s6_addr[i] + (unsigned)(off & 0xff);

			s6->sin6_addr.s6_addr[i] = (uint8_t)v;
			off = (off >> 8) + (v >> 8);
		}
		*len = sizeof(*s6);
	}
}

/* The ports a host of this segment is probed on. */
static uint64_t seg_ports(const struct target_iter *it, const struct seg *sg)
{
	const struct seg_extra *e = extra_of(it, sg);

	return e && e->ports ? e->nports : it->nports;
}

/* Judge and hand out (or not) a host whose address is known. */
static msw_err emit(struct target_iter *it, const struct seg *sg, uint64_t idx,
		    const struct sockaddr_storage *sa, socklen_t len, struct target_host **hp)
{
	enum verdict v = judge_sa(it, sg, sa);

	if (v != V_EMIT) {
		it->excluded++;
		if (v == V_BLOCKLISTED)
			it->blocklisted++;
		if (v == V_DROP || !it->record_all) {
			it->skipped += seg_ports(it, sg);
			return MSW_ERR_AGAIN;
		}
	}
	if (!(*hp = host_new(it, sg, idx)))
		return MSW_ERR_NOMEM;
	host_set_sa(*hp, sa, len);
	(*hp)->blocklisted = v == V_BLOCKLISTED;
	it->emitted++;
	return MSW_OK;
}

static msw_err emit_name(struct target_iter *it, const struct seg *sg, uint64_t idx,
			 const struct resolve_result *r, struct target_host **hp)
{
	if (r->state == RJ_OK)
		return emit(it, sg, idx, &r->sa, r->salen, hp);
	if (!(*hp = host_new(it, sg, idx)))
		return MSW_ERR_NOMEM;
	(*hp)->unresolved = true;
	(*hp)->resolve_error = strdup(r->error);
	it->emitted++;
	return MSW_OK;
}

/* One index from the walk: MSW_OK with *hp, or MSW_ERR_AGAIN (nothing to hand out). */
static msw_err visit(struct target_iter *it, uint64_t idx, struct target_host **hp)
{
	const struct seg *sg = find_seg(it, idx);
	struct sockaddr_storage ss;
	struct resolve_result r;
	socklen_t len;

	if (sg->kind == SEG_NAME) {
		if (resolver_claim(it->res, extra_of(it, sg)->job, &r) == RJ_PENDING)
			return MSW_ERR_AGAIN; /* deferred: comes back via resolver_pop_ready */
		return emit_name(it, sg, idx, &r, hp);
	}
	seg_addr(it, sg, idx - sg->off, &ss, &len);
	return emit(it, sg, idx, &ss, len, hp);
}

/* A deferred name that has resolved since, if any. */
static msw_err pop_name(struct target_iter *it, struct target_host **hp)
{
	struct resolve_result r;
	size_t job;

	while (resolver_pop_ready(it->res, &job, &r)) {
		const struct seg *sg = vec_at(&it->segs, *(size_t *)vec_at(&it->name_segs, job));
		msw_err rc = emit_name(it, sg, sg->off, &r, hp);

		if (rc != MSW_ERR_AGAIN)
			return rc;
	}
	return MSW_ERR_AGAIN;
}

msw_err targets_next(struct target_iter *it, struct target_host **hp)
{
	msw_err rc;
	uint64_t idx;

	*hp = NULL;
	if ((rc = start_resolver(it)))
		return rc;
	if (it->res)
		resolver_drain(it->res); /* before looking, so no wake-up is lost */
	for (;;) {
		if (it->max_targets && it->emitted >= it->max_targets)
			return MSW_ERR_CLOSED;
		if (it->res && (rc = pop_name(it, hp)) != MSW_ERR_AGAIN)
			return rc;
		if (it->walk_done)
			break;
		if (!cyclic_next(&it->cyc, &idx)) {
			it->walk_done = true;
			continue;
		}
		if (it->skip && it->skip(it->skip_arg, idx)) {
			/* done in an earlier part: its counts come back with --resume
			 * (output_resume_load), and it counts toward -n, which is a total */
			it->emitted++;
			continue;
		}
		if ((rc = visit(it, idx, hp)) != MSW_ERR_AGAIN)
			return rc;
	}
	return it->res && resolver_waiting(it->res) ? MSW_ERR_AGAIN : MSW_ERR_CLOSED;
}

void targets_release(struct target_iter *it, struct target_host *h)
{
	(void)it;
	if (!h)
		return;
	free(h->resolve_error);
	free(h);
}

int targets_fd(struct target_iter *it)
{
	if (!it || start_resolver(it))
		return -1;
	return it->res ? resolver_fd(it->res) : -1;
}

/* Saturating a*b + c: the estimate never wraps (a /80 times every port is > 2^64). */
static uint64_t mul_add(uint64_t a, uint64_t b, uint64_t c)
{
	unsigned __int128 v = (unsigned __int128)a * b + c;

	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

uint64_t targets_total(const struct target_iter *it)
{
	uint64_t total = 0, cap;

	for (size_t i = 0; i < it->segs.n; i++) {
		const struct seg *sg = vec_at(&it->segs, i);
		const struct seg_extra *e = extra_of(it, sg);

		total = mul_add(sg->count, e && e->ports ? e->nports : it->nports, total);
	}
	total = total / it->shards + (total % it->shards != 0);
	cap = mul_add(it->max_targets, it->nports, 0);
	if (it->max_targets && cap < total)
		total = cap;
	return total;
}

uint64_t targets_hosts(const struct target_iter *it)
{
	return it->nhosts;
}

uint64_t targets_excluded(const struct target_iter *it)
{
	return it->excluded;
}

uint64_t targets_skipped(const struct target_iter *it)
{
	return it->skipped;
}

uint64_t targets_blocklisted(const struct target_iter *it)
{
	return it->blocklisted;
}

void targets_set_skip(struct target_iter *it, bool (*done)(void *arg, uint64_t index), void *arg)
{
	it->skip = done;
	it->skip_arg = arg;
}

void targets_close(struct target_iter *it)
{
	if (!it)
		return;
	resolver_close(it->res);
	tspace_free(it);
	free(it);
}

msw_err parse_target_spec(const char *s, char **errmsg)
{
	struct target_iter it = {0};
	msw_err rc;

	if (errmsg)
		*errmsg = NULL;
	tspace_init(&it);
	rc = tspace_add_spec(&it, s, errmsg);
	tspace_free(&it);
	return rc;
}
