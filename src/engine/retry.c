/* Connect retries (--retries) and the window of connects in flight.
 *
 * Retries: a connect that times out goes to the back of the retry queue instead of being
 * recorded; the probe never sees the lost attempt. A waiting target starts again once the
 * iterator has handed out its last host and no host or reconnect waits to start (after
 * the rest of the queue), or sooner when more targets wait than there are connection
 * slots, so that a sweep where most addresses never answer keeps its memory bounded. Its
 * total deadline is stopped while it waits and armed afresh when it starts, and its
 * record's timestamp and duration are those of the attempt that decided it. A target that
 * times out on its last try is recorded connection-timeout as before.
 *
 * Window (AIMD): the kernel sends a dropped SYN again after its initial RTO of one second,
 * so a connect that is answered after about a second lost its first SYN, and a retried
 * connect that is answered lost every SYN of its first attempt. Both are loss: a listen
 * queue or a path is overflowing. On loss the engine halves its window of connects in
 * flight (to half of those in flight now, at least MIN_CWND; at most once a second) and,
 * after a second without loss, grows it back by 1/32 of the concurrency per second. A
 * timeout alone is no signal: on the Internet most addresses never answer, which says
 * nothing about load. The window only delays new connects; connections already open are
 * not touched. */
#include <stdio.h>
#include "engine/engine_priv.h"

#define LOSS_MS  900 /* a connect answered later than this lost a SYN (RTO 1 s) */
#define MIN_CWND 16

void eng_cwnd_init(struct eng *e)
{
	e->cwnd = e->nslots;
	e->loss_ms = e->now_ms - 1000;
}

bool eng_connect_slot(const struct eng *e)
{
	return e->connecting < e->cwnd;
}

static void slowdown(struct eng *e)
{
	uint32_t w = e->connecting / 2;

	if (e->now_ms - e->loss_ms < 1000)
		return;
	e->loss_ms = e->now_ms;
	if (w < MIN_CWND)
		w = MIN_CWND;
	if (w >= e->cwnd)
		return;
	e->cwnd = w;
	e->stats->slowdowns++;
	if (e->cfg->verbose)
		fprintf(stderr, "mqttsweep: engine: SYNs lost, connects in flight capped at %u\n",
			w);
}

/* A connect got its answer (a connection or a refusal). */
void eng_connect_answered(struct eng *e, struct trun *tr)
{
	if (tr->retries) {
		ENG_COUNT(e, tr->host ? &tr->host->tally : NULL, retried_ok, 1);
		slowdown(e);
	} else if (e->now_ms - tr->connect_ms >= LOSS_MS) {
		slowdown(e);
	}
}

/* Every second: additive increase after a second without loss. */
void eng_cwnd_tick(struct eng *e)
{
	uint32_t step = e->nslots / 32 ? e->nslots / 32 : 1;

	if (e->cwnd >= e->nslots || e->now_ms - e->loss_ms < 1000)
		return;
	e->cwnd = e->nslots - e->cwnd < step ? e->nslots : e->cwnd + step;
	if (e->cfg->verbose && e->cwnd == e->nslots)
		fprintf(stderr, "mqttsweep: engine: connects in flight no longer capped\n");
}

bool eng_retry_later(struct eng *e, struct trun *tr, msw_err why, enum conn_state phase)
{
	if (why != MSW_ERR_TIMEOUT || phase != CS_CONNECTING || tr->expired || e->stopping ||
	    tr->retries >= e->cfg->retries)
		return false;
	tr->retries++;
	/* the host's tally too: its done marker carries it, so a resumed scan counts it */
	ENG_COUNT(e, tr->host ? &tr->host->tally : NULL, retried, 1);
	tw_del(&e->tw, &tr->total.e);
	tr->retry_wait = true;
	tr->qnext = NULL;
	if (e->rt_tail)
		e->rt_tail->qnext = tr;
	else
		e->rt_head = tr;
	e->rt_tail = tr;
	e->nretry++;
	return true;
}

/* queue_idle: nothing else waits to start (iterator done, no runnable host, no reconnect). */
bool eng_retry_ready(const struct eng *e, bool queue_idle)
{
	const struct trun *tr = e->rt_head;

	if (!tr || (!queue_idle && e->nretry <= e->nslots))
		return false;
	return !e->per_host || tr->addr->active < e->per_host;
}

struct trun *eng_retry_pop(struct eng *e)
{
	struct trun *tr = e->rt_head;

	if (!tr)
		return NULL;
	eng_retry_remove(e, tr);
	tw_add(&e->tw, &tr->total.e, e->now_ms, e->total_ms);
	tr->start_ms = e->now_ms; /* the record times the attempt that decided it */
	tr->rec.start_us = eng_wall_us();
	return tr;
}

void eng_retry_remove(struct eng *e, struct trun *tr)
{
	struct trun **pp = &e->rt_head, *prev = NULL;

	if (!tr->retry_wait)
		return;
	while (*pp && *pp != tr) {
		prev = *pp;
		pp = &(*pp)->qnext;
	}
	if (*pp) {
		*pp = tr->qnext;
		if (e->rt_tail == tr)
			e->rt_tail = prev;
		e->nretry--;
	}
	tr->qnext = NULL;
	tr->retry_wait = false;
}
