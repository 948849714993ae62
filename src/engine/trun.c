/* Targets in flight (struct trun): creation with a private copy of the target, the probe's
 * state and record, the total deadline and probe timer, finishing (finish → classifier →
 * emit → stats), blocking probes on the worker pool, and the pctx_* services probes use. */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include "classify/classify.h"
#include "engine/engine_priv.h"
#include "probes/broker_db.h"
#include "transport/layer.h"

char msw_scan_id[40];
static uint64_t scan_seed;
static volatile sig_atomic_t stop_sig, stop_count;

void engine_set_scan(const char *scan_id, uint64_t seed)
{
	snprintf(msw_scan_id, sizeof(msw_scan_id), "%s", scan_id ? scan_id : "");
	scan_seed = seed;
}

uint64_t eng_scan_seed(void)
{
	return scan_seed;
}

void engine_request_stop(int signo)
{
	stop_sig = signo;
	stop_count = stop_count + 1;
}

int engine_stop_signal(void)
{
	return stop_sig;
}
int eng_stop_count(void)
{
	return stop_count;
}

/* xoshiro256**, one state per thread, seeded from getrandom() */
static __thread uint64_t rng[4];
static __thread bool rng_ready;

void eng_rng_reseed(void)
{
	rng_ready = false;
}

static void rng_seed(void)
{
	if (getrandom(rng, sizeof(rng), 0) != (ssize_t)sizeof(rng)) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		rng[0] = (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 32);
		rng[1] = (uint64_t)ts.tv_sec * 0x9e3779b97f4a7c15ull;
		rng[2] = (uint64_t)(uintptr_t)&ts;
		rng[3] = 0x2545f4914f6cdd1dull;
	}
	if (!(rng[0] | rng[1] | rng[2] | rng[3]))
		rng[0] = 1;
	rng_ready = true;
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t pctx_random(struct pctx *c)
{
	if (!rng_ready)
		rng_seed();
	uint64_t r = rotl(rng[1] * 5, 7) * 9;
	uint64_t t = rng[1] << 17;
	rng[2] ^= rng[0];
	rng[3] ^= rng[1];
	rng[1] ^= rng[2];
	rng[0] ^= rng[3];
	rng[2] ^= t;
	rng[3] = rotl(rng[3], 45);
	return r;
}

int64_t pctx_now_ms(struct pctx *c)
{
	return eng_mono_ms();
}

msw_err pctx_send(struct pctx *c, const void *p, size_t n)
{
	struct trun *tr = c->engine_priv;
	struct conn *k = tr ? tr->conn : NULL;
	if (!k || k->state != CS_OPEN || !k->top)
		return MSW_ERR_CLOSED;
	return k->top->ops->send(k->top, p, n);
}

void pctx_timer(struct pctx *c, uint32_t ms)
{
	struct trun *tr = c->engine_priv;
	if (!tr || tr->running_job)
		return; /* blocking probes run off the loop: no timers */
	if (!ms)
		tw_del(&tr->eng->tw, &tr->ptimer.e);
	else
		tw_add(&tr->eng->tw, &tr->ptimer.e, eng_mono_ms(), ms);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void set_port(struct sockaddr_storage *sa, uint16_t port)
{
	if (sa->ss_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons(port);
	else if (sa->ss_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
}

/* The username a target is tried with first, as the MQTT probe picks it (identity 0): the
 * target URL's, else the first account of -u / --credentials; NULL: anonymous. */
static const char *first_identity(const struct msw_config *c, const struct msw_target *t)
{
	if (t->username)
		return t->username;
	if (c->naccounts)
		return c->accounts[0].user;
	return c->username;
}

/* Identity fields every record carries, from the target. */
void eng_record_identity(const struct eng *e, struct msw_record *r, const struct msw_target *t,
			 int64_t start_us)
{
	const char *user = first_identity(e->cfg, t);

	memcpy(r->scan_id, msw_scan_id, sizeof(r->scan_id));
	r->scan_id[sizeof(r->scan_id) - 1] = 0;
	r->start_us = start_us;
	snprintf(r->ip, sizeof(r->ip), "%s", t->ip);
	r->port = t->port;
	free(r->hostname);
	r->hostname = dup_or_null(t->hostname);
	free(r->auth_identity);
	r->auth_identity = dup_or_null(user);
	r->transport = (enum msw_transport)t->transport;
}

static void tr_free(struct trun *tr, struct addrmap *am)
{
	record_free(&tr->rec);
	if (tr->detect_saved) {
		record_free(tr->detect_saved);
		free(tr->detect_saved);
	}
	free(tr->pc.state);
	free(tr->s_host);
	free(tr->s_user);
	if (tr->s_pass)
		explicit_bzero(tr->s_pass, strlen(tr->s_pass)); /* a URL password */
	free(tr->s_pass);
	free(tr->s_path);
	if (tr->addr)
		am_unref(am, tr->addr);
	free(tr);
}

static void tr_copy_target(struct trun *tr, const struct msw_target *base,
			   const struct port_spec *sp)
{
	tr->tgt = *base;
	tr->tgt.port = sp->port;
	tr->tgt.transport = sp->transport;
	set_port(&tr->tgt.sa, sp->port);
	tr->s_host = dup_or_null(base->hostname);
	tr->s_user = dup_or_null(base->username);
	tr->s_pass = dup_or_null(base->password);
	tr->s_path = dup_or_null(base->ws_path);
	tr->tgt.hostname = tr->s_host;
	tr->tgt.username = tr->s_user;
	tr->tgt.password = tr->s_pass;
	tr->tgt.ws_path = tr->s_path;
}

struct trun *tr_new(struct eng *e, struct hrun *h, const struct port_spec *sp,
		    const struct probe *p)
{
	struct trun *tr = calloc(1, sizeof(*tr));
	if (!tr)
		return NULL;
	tr->eng = e;
	tr->host = h;
	tr->probe = p;
	tr_copy_target(tr, &h->h->base, sp);
	record_init(&tr->rec, p->name);
	eng_record_identity(e, &tr->rec, &tr->tgt, eng_wall_us());
	tr->pc.state = calloc(1, p->state_size ? p->state_size : 1);
	tr->pc.rec = &tr->rec;
	tr->pc.cfg = e->cfg;
	tr->pc.target = &tr->tgt;
	tr->pc.engine_priv = tr;
	if (e->cfg->depth >= DEPTH_TOPICS)
		tr->pc.cls = cls_new(e->cfg);
	tr->total.kind = TK_TOTAL;
	tr->total.owner = tr;
	tr->ptimer.kind = TK_PROBE;
	tr->ptimer.owner = tr;
	tr->addr = h->addr;
	am_ref(tr->addr);
	tr->start_ms = e->now_ms;
	if (!tr->pc.state) {
		tr_free(tr, &e->am);
		return NULL;
	}
	tr->next = e->trs;
	if (e->trs)
		e->trs->prev = tr;
	e->trs = tr;
	tw_add(&e->tw, &tr->total.e, e->now_ms, e->total_ms);
	if (h->stage == 1)
		ENG_COUNT(e, &h->tally, targets_tried, 1);
	else
		ENG_COUNT(e, &h->tally, probe_tried, 1);
	if (tr->tgt.username || e->cfg->username)
		ENG_COUNT(e, &h->tally, with_credentials, 1);
	return tr;
}

static void tr_unlink(struct eng *e, struct trun *tr)
{
	if (tr->prev)
		tr->prev->next = tr->next;
	else if (e->trs == tr)
		e->trs = tr->next;
	if (tr->next)
		tr->next->prev = tr->prev;
	tr->prev = tr->next = NULL;
}

static void cq_remove(struct eng *e, struct trun *tr)
{
	struct trun **pp = &e->cq_head, *prev = NULL;
	while (*pp && *pp != tr) {
		prev = *pp;
		pp = &(*pp)->qnext;
	}
	if (!*pp)
		return;
	*pp = tr->qnext;
	if (e->cq_tail == tr)
		e->cq_tail = prev;
	tr->qnext = NULL;
	tr->queued = false;
}

/* Targets that never connected are recorded only with --all, except in audit, where every
 * target the user listed gets its record (an owner asked about that host and port). */
static bool should_emit(const struct eng *e, const struct trun *tr)
{
	if (e->cfg->record_all || tr->ever_connected)
		return true;
	if (e->cfg->mode == MODE_AUDIT && tr->host && tr->host->stage == 1 && !tr->interrupted)
		return true;
	if (!tr->no_connect)
		return false;
	enum msw_status s = tr->rec.status;
	return s != ST_CONNECTION_REFUSED && s != ST_CONNECTION_TIMEOUT && s != ST_INTERRUPTED;
}

/* --detect: plain MQTT got garbage (or was hung up on), so start the target over on TLS. If TLS does not give
 * MQTT either, the plain attempt's record (with its evidence) is the one emitted. */
static bool detect_tls(struct eng *e, struct trun *tr)
{
	int t = tr->tgt.transport;
	if (!e->cfg->detect || tr->detect_done || tr->expired || tr->interrupted || e->stopping)
		return false;
	if (tr->probe != &probe_mqtt || (t != TRANSPORT_TCP && t != TRANSPORT_WS))
		return false;
	/* garbage, or a TLS server hanging up on plain bytes */
	if (tr->rec.mqtt || !tr->ever_connected ||
	    (tr->rec.status != ST_PROTOCOL_ERROR && tr->rec.status != ST_CONNECTION_CLOSED))
		return false;
	struct msw_record *saved = malloc(sizeof(*saved));
	if (!saved)
		return false;
	tr->detect_done = true;
	*saved = tr->rec; /* moved: already finished by the probe */
	tr->detect_saved = saved;
	memset(tr->pc.state, 0, tr->probe->state_size);
	tr->tgt.transport = t == TRANSPORT_TCP ? TRANSPORT_TLS : TRANSPORT_WSS;
	record_init(&tr->rec, tr->probe->name);
	eng_record_identity(e, &tr->rec, &tr->tgt, saved->start_us);
	if (tr->pc.cls) {
		cls_free(tr->pc.cls);
		tr->pc.cls = cls_new(e->cfg);
	}
	tr->pc.attempt = 0;
	enum probe_rc rc = tr->probe->init ? tr->probe->init(&tr->pc) : PROBE_CONTINUE;
	if (rc == PROBE_DONE || rc == PROBE_ERROR) {
		if (tr->probe->finish)
			tr->probe->finish(&tr->pc);
		return false;
	}
	tw_add(&e->tw, &tr->total.e, e->now_ms, e->total_ms);
	eng_queue_connect(e, tr);
	return true;
}

/* After a --detect retry on TLS: keep whichever attempt found MQTT. */
static void detect_pick(struct trun *tr)
{
	struct msw_record *saved = tr->detect_saved;
	if (!saved)
		return;
	tr->detect_saved = NULL;
	if (!tr->rec.mqtt) {
		record_free(&tr->rec);
		tr->rec = *saved;
	} else {
		record_free(saved);
	}
	free(saved);
}

void tr_finish(struct eng *e, struct trun *tr)
{
	tw_del(&e->tw, &tr->total.e);
	tw_del(&e->tw, &tr->ptimer.e);
	if (tr->queued)
		cq_remove(e, tr);
	eng_retry_remove(e, tr);
	if (tr->conn)
		conn_close(e, tr->conn, false);
	if (tr->probe->finish)
		tr->probe->finish(&tr->pc);
	tw_del(&e->tw, &tr->ptimer.e); /* in case finish() armed it */
	if (detect_tls(e, tr))
		return;
	detect_pick(tr);
	if (tr->interrupted)
		tr->rec.status = ST_INTERRUPTED;
	tr->rec.duration_ms = e->now_ms - tr->start_ms;
	broker_db_identify(&tr->rec); /* the classifier's notes depend on the product */
	if (!tr->pc.cls && tr->rec.mqtt)
		tr->pc.cls = cls_new(e->cfg); /* depth connack: the service-level findings */
	if (tr->pc.cls) {
		if (tr->ever_connected || tr->no_connect) {
			cls_service(tr->pc.cls, &tr->rec);
			cls_finish(tr->pc.cls, &tr->rec);
		}
		cls_free(tr->pc.cls);
		tr->pc.cls = NULL;
	}
	/* last: a version's CVEs are rated against everything the probe and classifier saw */
	broker_db_findings(&tr->rec);
	bool emit = should_emit(e, tr);
	struct hrun *h = tr->host;
	tr_unlink(e, tr);
	eng_account(e, h, tr->probe, &tr->rec, emit);
	tr_free(tr, &e->am);
}

void tr_timer(struct eng *e, struct trun *tr, enum tkind k)
{
	if (k == TK_PROBE) {
		enum probe_rc rc =
			tr->probe->on_timer ? tr->probe->on_timer(&tr->pc) : PROBE_CONTINUE;
		tr_handle(e, tr, rc);
		return;
	}
	tr->expired = true;
	if (tr->running_job) {
		job_abandon(e, tr, ST_IO_TIMEOUT);
	} else if (tr->conn) {
		tr_end_conn(e, tr, MSW_ERR_TIMEOUT);
	} else {
		if (!tr->rec.error)
			record_set_error(&tr->rec, "target deadline passed");
		tr_finish(e, tr);
	}
}

void tr_interrupt(struct eng *e, struct trun *tr)
{
	tr->interrupted = true;
	tr->expired = true;
	if (tr->running_job)
		job_abandon(e, tr, ST_INTERRUPTED);
	else if (tr->conn)
		tr_end_conn(e, tr, MSW_ERR_INTERRUPTED);
	else
		tr_finish(e, tr);
}

/* ---- blocking probes ---- */

static void job_run(struct wp_job *j)
{
	struct trun *tr = (struct trun *)j;
	tr->job_rc = tr->probe->run_blocking(&tr->pc);
}

msw_err job_start(struct eng *e, struct trun *tr)
{
	if (!e->wp) {
		msw_err rc = wp_open(&e->wp, 4);
		if (rc)
			return rc;
		eng_watch_fd(e, wp_fd(e->wp), &e->wp);
	}
	tr->blocking = tr->no_connect = true;
	tr->running_job = true;
	tr->job.run = job_run;
	e->used++;
	tr->addr->active++;
	msw_err rc = wp_submit(e->wp, &tr->job);
	if (rc) {
		tr->running_job = false;
		e->used--;
		tr->addr->active--;
	}
	return rc;
}

/* The thread may still run: emit a stand-in record and leave the trun to the pool. */
void job_abandon(struct eng *e, struct trun *tr, enum msw_status status)
{
	struct msw_record r;
	record_init(&r, tr->probe->name);
	eng_record_identity(e, &r, &tr->tgt, tr->rec.start_us);
	r.status = status;
	record_set_error(&r, status == ST_INTERRUPTED ? "interrupted"
						  : "blocking probe passed its deadline");
	r.duration_ms = e->now_ms - tr->start_ms;
	tw_del(&e->tw, &tr->total.e);
	tw_del(&e->tw, &tr->ptimer.e);
	struct hrun *h = tr->host;
	tr->host = NULL;
	tr->abandoned = true;
	tr_unlink(e, tr);
	eng_account(e, h, tr->probe, &r, status != ST_INTERRUPTED || e->cfg->record_all);
	record_free(&r);
}

void job_free(struct eng *e, struct trun *tr)
{
	if (tr->probe->finish)
		tr->probe->finish(&tr->pc);
	tw_del(&e->tw, &tr->ptimer.e);
	if (tr->pc.cls)
		cls_free(tr->pc.cls);
	tr_free(tr, &e->am);
}

void eng_job_done(struct eng *e, struct trun *tr)
{
	tr->running_job = false;
	e->used--;
	tr->addr->active--;
	eng_addr_freed(e, tr->addr);
	if (tr->abandoned) {
		job_free(e, tr);
		return;
	}
	if (tr->job_rc && tr->rec.status == ST_UNKNOWN_ERROR && !tr->rec.error) {
		tr->rec.status = eng_map_why(tr->job_rc, CS_OPEN);
		if (!tr->rec.error)
			record_set_error(&tr->rec, "%s", msw_err_str(tr->job_rc));
	}
	enum msw_status s = tr->rec.status;
	if (s != ST_CONNECTION_REFUSED && s != ST_CONNECTION_TIMEOUT) {
		tr->ever_connected = true;
		ENG_COUNT_CONNECTED(e, tr);
	}
	tr_finish(e, tr);
}
