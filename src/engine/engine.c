/* The scan engine's loop and scheduler (design: engine/engine_priv.h).
 *
 * Each turn: start work while a slot is free and the rate limiter has a token — first
 * targets waiting to reconnect, then the next port of a runnable host (round-robin, so a
 * host's ports interleave with other hosts' and never exceed --per-host connections to
 * its address), then a new host from the iterator — then epoll_wait until the next
 * deadline, a token or the progress tick, dispatch socket events, advance the timing
 * wheel. A host is finished (output_host_done, targets_release) when its last target is
 * recorded; at depth host it first runs the host-stage probes and emits its summary.
 * Stop (SIGINT/SIGTERM): no new connections, a grace of at most 2 s, then every target
 * still in flight is recorded as interrupted. */
#define _GNU_SOURCE
#include "engine/engine.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>
#include "classify/classify.h"
#include "engine/engine_priv.h"
#include "output/output.h"
#include "transport/layer.h"

#define GRACE_MS   2000
#define FD_RESERVE 64
#define MAX_STAGE2 64
#define NEV        512 /* events per epoll_wait */

static char iter_tag;

void eng_watch_fd(struct eng *e, int fd, void *tag)
{
	struct epoll_event ee = {.events = EPOLLIN | EPOLLET, .data.ptr = tag};
	epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ee);
}

void eng_queue_connect(struct eng *e, struct trun *tr)
{
	if (tr->queued)
		return;
	tr->queued = true;
	tr->qnext = NULL;
	if (e->cq_tail)
		e->cq_tail->qnext = tr;
	else
		e->cq_head = tr;
	e->cq_tail = tr;
}

static void rq_push(struct eng *e, struct hrun *h)
{
	if (h->queued || h->parked)
		return;
	h->queued = true;
	h->qnext = NULL;
	if (e->rq_tail)
		e->rq_tail->qnext = h;
	else
		e->rq_head = h;
	e->rq_tail = h;
}

static struct hrun *rq_pop(struct eng *e)
{
	struct hrun *h = e->rq_head;
	if (!h)
		return NULL;
	e->rq_head = h->qnext;
	if (!e->rq_head)
		e->rq_tail = NULL;
	h->qnext = NULL;
	h->queued = false;
	return h;
}

static void park(struct hrun *h)
{
	h->parked = true;
	h->qnext = h->addr->waiters;
	h->addr->waiters = h;
}

/* A connection to this address closed: hosts parked on it may go on. */
void eng_addr_freed(struct eng *e, struct addr_ent *a)
{
	struct hrun *h = a->waiters;
	a->waiters = NULL;
	while (h) {
		struct hrun *n = h->qnext;
		h->parked = false;
		rq_push(e, h);
		h = n;
	}
}

static bool addr_full(const struct eng *e, const struct addr_ent *a)
{
	return e->per_host && a->active >= e->per_host;
}

static enum scan_outcome outcome_of(enum msw_status s)
{
	switch (s) {
	case ST_SUCCESS:
		return SO_SUCCESS;
	case ST_CONNECTION_REFUSED:
		return SO_REFUSED;
	case ST_CONNECTION_TIMEOUT:
		return SO_NO_ANSWER;
	case ST_IO_TIMEOUT:
		return SO_TIMED_OUT;
	case ST_CONNECTION_CLOSED:
		return SO_CLOSED;
	case ST_INTERRUPTED:
		return SO_INTERRUPTED;
	default:
		return SO_ERRORS;
	}
}

/* One finished target: its outcome (listed targets apart from the depth-host probe
 * ports) and, when it spoke MQTT, its auth verdict. */
static void count(struct eng *e, struct hrun *h, const struct msw_record *r)
{
	struct scan_stats *tl = &h->tally;

	if (h->stage == 1)
		ENG_COUNT(e, tl, outcome[outcome_of(r->status)], 1);
	else
		ENG_COUNT(e, tl, probe_outcome[outcome_of(r->status)], 1);
	if (!r->mqtt)
		return;
	ENG_COUNT(e, tl, mqtt, 1);
	if (r->auth == AUTH_ANONYMOUS)
		ENG_COUNT(e, tl, anonymous, 1);
	else if (r->auth == AUTH_ANY_CREDENTIALS)
		ENG_COUNT(e, tl, any_credentials, 1);
	else if (r->auth == AUTH_AUTHENTICATED)
		ENG_COUNT(e, tl, authenticated, 1);
	else if (r->auth == AUTH_CREDENTIALS_REQUIRED || r->auth == AUTH_NOT_AUTHORIZED ||
		 r->auth == AUTH_CLIENT_CERT_REQUIRED)
		ENG_COUNT(e, tl, auth_required, 1);
}

_Static_assert(SCAN_SEVERITIES == SEV__COUNT, "one findings_by_severity slot per severity");

void eng_emit(struct eng *e, struct scan_stats *tally, struct msw_record *r)
{
	msw_err rc = output_record(e->out, r);
	if (rc)
		e->sink_failed = true;
	ENG_COUNT(e, tally, records, 1);
	ENG_COUNT(e, tally, findings, r->findings.n);
	for (size_t i = 0; i < r->findings.n; i++)
		if ((unsigned)record_findings(r)[i].severity < SEV__COUNT)
			ENG_COUNT(e, tally, findings_by_severity[record_findings(r)[i].severity], 1);
}

static void host_check(struct eng *e, struct hrun *h);

/* Depth host, stage 3 (issue 5: WebSocket endpoints are "handed to the MQTT probe"): an
 * MQTT-over-WebSocket endpoint the http probe found becomes an MQTT target with transport
 * ws/wss on that port and path, unless the port was already probed as MQTT. */
static bool mqtt_port_planned(const struct hrun *h, uint16_t port)
{
	const struct target_host *th = h->h;
	for (size_t i = 0; i < th->nports; i++)
		if (th->ports[i].port == port &&
		    (!th->ports[i].probe || th->ports[i].probe == &probe_mqtt))
			return true;
	for (size_t i = 0; i < h->nws; i++)
		if (h->ws_eps[i].port == port)
			return true;
	return false;
}

static bool ws_path_ok(const char *p)
{
	size_t n = 0;
	if (*p != '/')
		return false;
	for (; *p; p++, n++)
		if (n > 255 || (unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return false;
	return true;
}

/* The MQTT-over-WebSocket endpoints a finished record names (its probe's follow_ups
 * hook), kept for stage 3: one per port. */
static void note_ws_endpoints(struct hrun *h, const struct probe *p, const struct msw_record *r)
{
	struct probe_follow_up *fu;
	size_t n;

	if (!p || !p->follow_ups || h->nws >= MAX_WS_EPS || mqtt_port_planned(h, r->port))
		return;
	fu = calloc(MAX_WS_EPS, sizeof(*fu));
	n = fu ? p->follow_ups(r, fu, MAX_WS_EPS) : 0;
	for (size_t i = 0; i < n && h->nws < MAX_WS_EPS && !mqtt_port_planned(h, r->port); i++) {
		const char *path = fu[i].path;
		if ((fu[i].transport != TRANSPORT_WS && fu[i].transport != TRANSPORT_WSS) ||
		    !ws_path_ok(path) || !(h->ws_paths[h->nws] = strdup(path)))
			continue;
		h->ws_eps[h->nws] = (struct port_spec){
			.port = r->port, .transport = fu[i].transport, .probe = NULL};
		h->nws++;
	}
	free(fu);
}

void eng_account(struct eng *e, struct hrun *h, const struct probe *p, struct msw_record *r,
		 bool do_emit)
{
	if (do_emit)
		eng_emit(e, h ? &h->tally : NULL, r);
	if (!h)
		return;
	count(e, h, r);
	if (r->mqtt)
		h->any_mqtt = true;
	if (r->status == ST_INTERRUPTED)
		h->interrupted = true;
	if (e->depth_host && do_emit)
		hs_add(h, r, p);
	if (e->depth_host && h->stage == 2)
		note_ws_endpoints(h, p, r);
	h->active--;
	host_check(e, h);
}

static void host_unlink(struct eng *e, struct hrun *h)
{
	if (h->hprev)
		h->hprev->hnext = h->hnext;
	else if (e->hosts == h)
		e->hosts = h->hnext;
	if (h->hnext)
		h->hnext->hprev = h->hprev;
}

/* Every target of the host is recorded: the resume marker, with the host's tally. */
static void host_done(struct eng *e, uint64_t index, const struct scan_stats *tally)
{
	if (output_host_done(e->out, index, tally))
		e->sink_failed = true;
}

/* Drop a host; done = every target recorded (the resume marker is written). */
static void host_drop(struct eng *e, struct hrun *h, bool done)
{
	if (done)
		host_done(e, h->h->base.index, &h->tally);
	host_unlink(e, h);
	targets_release(e->it, h->h);
	am_unref(&e->am, h->addr);
	hs_free(h);
	free(h->stage2);
	for (size_t i = 0; i < h->nws; i++)
		free(h->ws_paths[i]);
	free(h);
}

/* Depth host: the host-stage probes' ports, each tagged with its probe. */
static size_t build_stage2(struct eng *e, struct hrun *h)
{
	struct port_spec buf[MAX_STAGE2];
	size_t n = 0;
	for (const struct probe *const *p = host_probes; *p && n < MAX_STAGE2; p++) {
		if (!(*p)->host_ports)
			continue;
		size_t k = (*p)->host_ports(e->cfg, buf + n, MAX_STAGE2 - n);
		if (k > MAX_STAGE2 - n)
			k = MAX_STAGE2 - n;
		for (size_t i = n; i < n + k; i++)
			if (!buf[i].probe)
				buf[i].probe = *p;
		n += k;
	}
	if (!n)
		return 0;
	h->stage2 = malloc(n * sizeof(*buf));
	if (!h->stage2)
		return 0;
	memcpy(h->stage2, buf, n * sizeof(*buf));
	h->ports = h->stage2;
	h->nports = n;
	h->next = 0;
	h->stage = 2;
	return n;
}

static bool needs_stage2(const struct eng *e, const struct hrun *h)
{
	return e->depth_host && h->stage == 1 && (h->any_mqtt || e->cfg->probe_all) &&
	       host_probes[0];
}

static void host_check(struct eng *e, struct hrun *h)
{
	if (h->next < h->nports && !e->stopping) {
		rq_push(e, h);
		return;
	}
	if (h->active)
		return;
	bool complete = h->next >= h->nports && !h->interrupted;
	if (complete && needs_stage2(e, h)) {
		if (!e->stopping && build_stage2(e, h)) {
			rq_push(e, h);
			return;
		}
		if (e->stopping)
			complete = false; /* --resume redoes it */
	}
	if (complete && e->depth_host && h->stage == 2 && h->nws) {
		if (!e->stopping) {
			h->ports = h->ws_eps;
			h->nports = h->nws;
			h->next = 0;
			h->stage = 3;
			rq_push(e, h);
			return;
		}
		complete = false;
	}
	if (complete && e->depth_host && hs_any(h))
		hs_emit(e, h); /* only hosts where something answered */
	host_drop(e, h, complete);
}

/* The probe of a port that names none: MQTT, or a bare connect at depth tcp. */
static const struct probe *port_probe(const struct eng *e, const struct port_spec *sp)
{
	if (sp->probe)
		return sp->probe;
	return e->cfg->depth == DEPTH_TCP ? &probe_tcp : &probe_mqtt;
}

/* Targets that could not be started for want of memory: tried, ended in errors. */
static void count_failed(struct eng *e, struct scan_stats *tl, int stage, uint64_t n)
{
	if (stage == 1) {
		ENG_COUNT(e, tl, targets_tried, n);
		ENG_COUNT(e, tl, outcome[SO_ERRORS], n);
	} else {
		ENG_COUNT(e, tl, probe_tried, n);
		ENG_COUNT(e, tl, probe_outcome[SO_ERRORS], n);
	}
}

/* Records for hosts that are not probed (blocklisted, unresolved). */
static void host_static_records(struct eng *e, struct target_host *th, enum msw_status status,
				struct scan_stats *tally)
{
	int64_t now = eng_wall_us();
	for (size_t i = 0; i < th->nports; i++) {
		const struct probe *p = port_probe(e, &th->ports[i]);
		struct msw_record r;
		struct msw_target t = th->base;
		t.port = th->ports[i].port;
		t.transport = th->ports[i].transport;
		record_init(&r, p->name);
		eng_record_identity(e, &r, &t, now);
		r.status = status;
		if (status != ST_BLOCKLISTED_TARGET)
			record_set_error(&r, "name did not resolve%s%s",
					 th->resolve_error ? ": " : "",
					 th->resolve_error ? th->resolve_error : "");
		if (status != ST_BLOCKLISTED_TARGET || e->cfg->record_all)
			eng_emit(e, tally, &r); /* the host is counted by the caller */
		record_free(&r);
	}
}

static void pull_host(struct eng *e)
{
	struct target_host *th = NULL;
	msw_err rc = targets_next(e->it, &th);
	if (rc == MSW_ERR_AGAIN) {
		e->iter_wait = true;
		int fd = targets_fd(e->it);
		if (fd >= 0 && !e->iter_fd_added) {
			eng_watch_fd(e, fd, &iter_tag);
			e->iter_fd_added = true;
		}
		return;
	}
	if (rc || !th) {
		e->iter_done = true;
		return;
	}
	if (th->blocklisted || th->unresolved || !th->nports) {
		struct scan_stats tl = {0};
		ENG_COUNT(e, &tl, hosts, 1);
		if (th->blocklisted)
			ENG_COUNT(e, &tl, blocklisted, 1);
		else if (th->unresolved)
			ENG_COUNT(e, &tl, unresolved, 1);
		e->not_started += th->nports;
		tl.skipped = th->nports; /* a resumed run counts them as finished */
		if (th->nports)
			host_static_records(e, th,
					    th->blocklisted ? ST_BLOCKLISTED_TARGET : ST_INVALID_INPUTS,
					    &tl);
		host_done(e, th->base.index, &tl);
		targets_release(e->it, th);
		return;
	}
	struct hrun *h = calloc(1, sizeof(*h));
	struct addr_ent *a = h ? am_get(&e->am, &th->base.sa) : NULL;
	if (!a) {
		free(h);
		ENG_COUNT(e, NULL, hosts, 1);
		count_failed(e, NULL, 1, th->nports);
		targets_release(e->it, th);
		return;
	}
	ENG_COUNT(e, &h->tally, hosts, 1);
	am_ref(a);
	h->h = th;
	h->addr = a;
	h->ports = th->ports;
	h->nports = th->nports;
	h->stage = 1;
	host_summary_init(&h->sum);
	h->hnext = e->hosts;
	if (e->hosts)
		e->hosts->hprev = h;
	e->hosts = h;
	rq_push(e, h);
}

/* Start the next port of h (a token has been checked). */
static void host_step(struct eng *e, struct hrun *h)
{
	const struct port_spec *sp = &h->ports[h->next++];
	const struct probe *p = port_probe(e, sp);
	struct trun *tr = tr_new(e, h, sp, p);

	if (!tr) {
		count_failed(e, &h->tally, h->stage, 1);
		host_check(e, h);
		return;
	}
	if (h->stage == 3 && sp >= h->ws_eps && sp < h->ws_eps + h->nws) {
		/* the endpoint's own path (an explicit --ws-path still wins, in the ws layer) */
		char *path = strdup(h->ws_paths[sp - h->ws_eps]);
		if (path) {
			free(tr->s_path);
			tr->s_path = path;
			tr->tgt.ws_path = path;
		}
	}
	h->active++;
	if (h->next < h->nports)
		rq_push(e, h);
	enum probe_rc rc = p->init ? p->init(&tr->pc) : PROBE_CONTINUE;
	if (rc == PROBE_DONE || rc == PROBE_ERROR) {
		tr->no_connect = true;
		tr_finish(e, tr);
		return;
	}
	(void)rl_take(&e->rl, e->now_ms * 1000);
	if (p->run_blocking) {
		if (job_start(e, tr)) {
			record_set_error(&tr->rec, "worker pool unavailable");
			tr->rec.status = ST_UNKNOWN_ERROR;
			tr->no_connect = true;
			tr_finish(e, tr);
		}
		return;
	}
	conn_start(e, tr);
}

/* First queued reconnect whose address is under the cap. */
static struct trun *cq_pick(struct eng *e)
{
	struct trun *prev = NULL;
	for (struct trun *tr = e->cq_head; tr; prev = tr, tr = tr->qnext) {
		if (addr_full(e, tr->addr))
			continue;
		if (prev)
			prev->qnext = tr->qnext;
		else
			e->cq_head = tr->qnext;
		if (e->cq_tail == tr)
			e->cq_tail = prev;
		tr->qnext = NULL;
		tr->queued = false;
		return tr;
	}
	return NULL;
}

static bool token_ready(struct eng *e)
{
	if (rl_wait_us(&e->rl, e->now_ms * 1000) == 0)
		return true;
	e->rate_blocked = true;
	return false;
}

static uint32_t host_cap(const struct eng *e)
{
	return e->nconns * 2 + 1024;
}

static void fill(struct eng *e)
{
	uint32_t nhosts_guard = 0;
	e->rate_blocked = false;
	if (e->iter_wait && !e->iter_fd_added)
		e->iter_wait = false; /* no fd to wait on: poll the iterator each turn */
	while (!e->stopping && e->used < e->nconns && eng_connect_slot(e)) {
		if (e->cq_head && token_ready(e)) {
			struct trun *tr = cq_pick(e);
			if (tr) {
				(void)rl_take(&e->rl, e->now_ms * 1000);
				conn_start(e, tr);
				continue;
			}
		}
		if (e->rate_blocked)
			break;
		if (eng_retry_ready(e, e->iter_done && !e->rq_head && !e->cq_head)) {
			if (!token_ready(e))
				break;
			(void)rl_take(&e->rl, e->now_ms * 1000);
			conn_start(e, eng_retry_pop(e));
			continue;
		}
		struct hrun *h = rq_pop(e);
		if (h) {
			if (addr_full(e, h->addr)) {
				park(h);
				continue;
			}
			if (!token_ready(e)) {
				rq_push(e, h);
				break;
			}
			host_step(e, h);
			continue;
		}
		if (e->iter_done || e->iter_wait || ++nhosts_guard > host_cap(e))
			break;
		pull_host(e);
	}
}

static void on_timer(struct tw_entry *te, void *arg)
{
	struct eng *e = arg;
	struct etimer *t = (struct etimer *)te;
	if (t->kind == TK_CONN)
		conn_timer(e, t->owner);
	else
		tr_timer(e, t->owner, (enum tkind)t->kind);
}

static void reap_jobs(struct eng *e)
{
	struct wp_job *j = wp_reap(e->wp);
	while (j) {
		struct wp_job *n = j->next;
		eng_job_done(e, (struct trun *)j);
		j = n;
	}
}

static void dispatch(struct eng *e, struct epoll_event *ev, int n)
{
	for (int i = 0; i < n; i++) {
		void *p = ev[i].data.ptr;
		if (p == &iter_tag) {
			e->iter_wait = false;
		} else if (e->wp && p == (void *)&e->wp) {
			reap_jobs(e);
		} else {
			struct conn *c = p;
			if (c->state != CS_FREE)
				conn_event(e, c, ev[i].events);
		}
	}
}

/* Grace is over: record everything still in flight as interrupted. */
static void interrupt_all(struct eng *e)
{
	while (e->trs)
		tr_interrupt(e, e->trs);
	for (uint32_t i = 0; i < e->nslots; i++)
		if (e->conns[i].state == CS_LINGER)
			conn_close(e, &e->conns[i], false);
	while (e->hosts)
		host_drop(e, e->hosts, false);
}

static void begin_stop(struct eng *e)
{
	e->stopping = true;
	e->iter_done = true;
	e->grace_end_ms = e->now_ms + GRACE_MS;
	while (e->cq_head)
		tr_interrupt(e, e->cq_head);
	while (e->rt_head)
		tr_interrupt(e, e->rt_head);
	while (rq_pop(e))
		;
	for (struct hrun *h = e->hosts; h; h = h->hnext) {
		h->parked = false;
		h->addr->waiters = NULL;
	}
	/* hosts with nothing in flight are dropped now (not done: --resume redoes them) */
	struct hrun *h = e->hosts;
	while (h) {
		struct hrun *n = h->hnext;
		if (!h->active)
			host_drop(e, h, false);
		h = n;
	}
}

static bool finished(const struct eng *e)
{
	return e->iter_done && !e->trs && !e->hosts && !e->lingering && !e->cq_head &&
	       !e->rt_head;
}

static int next_timeout(struct eng *e, int64_t next_progress)
{
	int64_t to = tw_next_ms(&e->tw, e->now_ms);
	if (to < 0 || to > 1000)
		to = 1000;
	if (e->ready)
		return 0; /* input is waiting in connections that used up their read budget */
	if (e->rate_blocked) {
		int64_t w = rl_wait_us(&e->rl, e->now_ms * 1000) / 1000 + 1;
		if (w < to)
			to = w;
	}
	if (e->iter_wait && targets_fd(e->it) < 0 && to > 20)
		to = 20;
	if (next_progress - e->now_ms < to)
		to = next_progress - e->now_ms;
	if (e->stopping && e->grace_end_ms - e->now_ms < to)
		to = e->grace_end_ms - e->now_ms;
	return to < 0 ? 0 : (int)to;
}

/* The counts only the loop knows: listed targets never started, and when the newest
 * target in flight (the head of the in-flight list) reaches its total deadline. */
static void note_progress(struct eng *e)
{
	e->stats->skipped = e->not_started + targets_skipped(e->it);
	e->stats->last_deadline_us = 0;
	if (e->trs) {
		int64_t left = e->trs->start_ms + (int64_t)e->total_ms - e->now_ms;
		e->stats->last_deadline_us = eng_wall_us() + (left > 0 ? left : 0) * 1000;
	}
}

static void progress(struct eng *e)
{
	note_progress(e);
	output_progress(e->out, e->stats, targets_total(e->it));
}

/* A cap lowered for a shortage of files or ports (conn.c local_shortage) grows back by an
 * eighth of the configured concurrency per second once a second passes without one. */
static void regrow(struct eng *e)
{
	if (e->nconns >= e->nslots || e->now_ms - e->shortage_ms < 1000)
		return;
	uint32_t step = e->nslots / 8 ? e->nslots / 8 : 1;
	e->nconns = e->nslots - e->nconns < step ? e->nslots : e->nconns + step;
	if (e->cfg->verbose)
		fprintf(stderr, "mqttsweep: engine: concurrency cap raised to %u\n", e->nconns);
}

static void loop(struct eng *e)
{
	struct epoll_event ev[NEV];
	int64_t next_progress = e->now_ms + 1000;

	while (!finished(e)) {
		e->now_ms = eng_mono_ms();
		if (engine_stop_signal() && !e->stopping)
			begin_stop(e);
		if (e->stopping && (eng_stop_count() > 1 || e->now_ms >= e->grace_end_ms)) {
			interrupt_all(e);
			break;
		}
		fill(e);
		if (finished(e))
			break;
		int n = epoll_wait(e->epfd, ev, NEV, next_timeout(e, next_progress));
		e->now_ms = eng_mono_ms();
		/* every ready socket is served before deadlines are judged, so a loop that fell
		 * behind (a slow sink) never times out input that is already waiting */
		for (int batches = 0; n > 0; batches++) {
			dispatch(e, ev, n);
			if (n < NEV || batches >= 64)
				break;
			n = epoll_wait(e->epfd, ev, NEV, 0);
			e->now_ms = eng_mono_ms();
		}
		if (e->ready)
			conn_serve_ready(e);
		tw_advance(&e->tw, e->now_ms, on_timer, e);
		if (e->now_ms >= next_progress) {
			progress(e);
			regrow(e);
			eng_cwnd_tick(e);
			next_progress = e->now_ms + 1000;
		}
	}
}

static uint32_t fd_budget(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 1024 - FD_RESERVE;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	rlim_t n = rl.rlim_cur == RLIM_INFINITY ? 1000000 : rl.rlim_cur;
	if (n > 1000000)
		n = 1000000;
	return n > FD_RESERVE * 2 ? (uint32_t)(n - FD_RESERVE) : (uint32_t)(n / 2);
}

static void defaults(struct eng *e, const struct msw_config *cfg)
{
	uint32_t budget = fd_budget();
	e->nconns = cfg->concurrency ? cfg->concurrency : budget;
	if (e->nconns > budget)
		e->nconns = budget;
	e->per_host = cfg->per_host;
	e->connect_ms = cfg->connect_timeout_ms ? cfg->connect_timeout_ms : 3000;
	e->io_ms = cfg->io_timeout_ms ? cfg->io_timeout_ms : 5000;
	e->total_ms = cfg->host_timeout_ms;
	if (!e->total_ms)
		e->total_ms = 4 * (e->connect_ms + e->io_ms) + cfg->window_ms + 10000;
	e->linger_ms = e->io_ms < 500 ? e->io_ms : 500;
	e->depth_host = cfg->depth == DEPTH_HOST;
}

static msw_err setup(struct eng *e, const struct msw_config *cfg, struct target_iter *it,
		     struct output *out, struct scan_stats *stats)
{
	memset(e, 0, sizeof(*e));
	e->cfg = cfg;
	e->it = it;
	e->out = out;
	e->stats = stats;
	defaults(e, cfg);
	e->now_ms = eng_mono_ms();
	e->not_started = stats->skipped; /* --resume: the finished hosts' share */
	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	e->rbuf_len = 64 * 1024;
	e->rbuf = malloc(e->rbuf_len);
	e->nslots = e->nconns;
	e->conns = calloc(e->nslots, sizeof(*e->conns));
	if (e->epfd < 0 || !e->rbuf || !e->conns)
		return MSW_ERR_NOMEM;
	if (tw_init(&e->tw, 4096, 10, e->now_ms) || am_init(&e->am, e->nconns))
		return MSW_ERR_NOMEM;
	for (uint32_t i = e->nconns; i-- > 0;) {
		e->conns[i].fd = -1;
		e->conns[i].next_free = e->free_conns;
		e->free_conns = &e->conns[i];
	}
	rl_init(&e->rl, cfg->rate, 0, e->now_ms * 1000);
	eng_cwnd_init(e);
	if (cfg->verbose)
		fprintf(stderr,
			"mqttsweep: engine: concurrency %u (open files allow %u), rate %u/s, "
			"%u per host, timeouts: connect %u ms, idle %u ms, total %u ms, linger %u ms\n",
			e->nconns, fd_budget(), cfg->rate, e->per_host, e->connect_ms, e->io_ms,
			e->total_ms, e->linger_ms);
	return MSW_OK;
}

static void teardown(struct eng *e)
{
	if (e->wp) {
		struct wp_job *j =
			wp_close(e->wp, 250); /* a stuck libsmbclient call is left behind */
		while (j) {
			struct wp_job *n = j->next;
			struct trun *tr = (struct trun *)j;
			if (!tr->abandoned)
				tr_finish(e, tr); /* cannot happen after interrupt_all; be safe */
			else
				job_free(e, tr);
			j = n;
		}
	}
	if (e->epfd >= 0)
		close(e->epfd);
	free(e->rbuf);
	free(e->conns);
	tw_free(&e->tw);
	am_free(&e->am);
}

msw_err eng_run_one(const struct msw_config *cfg, struct target_iter *it, struct output *out,
		    struct scan_stats *stats)
{
	struct eng e;
	signal(SIGPIPE, SIG_IGN);
	if (!stats->start_us)
		stats->start_us = eng_wall_us();
	msw_err rc = setup(&e, cfg, it, out, stats);
	if (!rc)
		loop(&e);
	bool stopped = e.stopping;
	bool failed = e.sink_failed;
	if (!rc)
		note_progress(&e);
	teardown(&e);
	stats->end_us = eng_wall_us();
	if (rc)
		return rc;
	if (stopped)
		return MSW_ERR_INTERRUPTED;
	if (failed || output_failed(out))
		return MSW_ERR_SINK;
	return MSW_OK;
}

msw_err engine_run(const struct msw_config *cfg, struct target_iter *it, struct output *out,
		   struct scan_stats *stats)
{
	if (cfg->workers > 1) /* each worker runs its share with workers = 1 */
		return eng_run_workers(cfg, it, out, stats);
	return eng_run_one(cfg, it, out, stats);
}
