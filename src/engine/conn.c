/* Connections and probe driving. A target's life on the wire:
 *   conn_start: socket + non-blocking connect, connect deadline on the wheel
 *   → EPOLLOUT: SO_ERROR decides; stack_build; handshake() until MSW_OK (io deadline)
 *   → probe on_connected, then every read goes to on_data (picohttpparser contract:
 *     the probe sees all unconsumed bytes; the remainder is kept in a capped dbuf that is
 *     only allocated when a message spans reads)
 *   → PROBE_DONE: flush, FIN (shutdown SHUT_WR) unless the probe said the peer closes
 *     first (pctx.peer_closes: MQTT after DISCONNECT), linger for the peer's FIN (reading
 *     and dropping what it still sends), close — an abort (RST) after a peer that closed
 *     first, so no side keeps a TIME_WAIT; the record is emitted at once, the slot is
 *     freed when the linger ends
 *   → PROBE_RECONNECT: close now, queue a new connection to the same target
 *   → EOF / error / timeout: on_close(why) lets the probe decide and set the status; when
 *     it sets none, the engine maps `why` (refused, connection-timeout, io-timeout, ...).
 * The idle deadline is lazy: reads only stamp last_rx_ms and the timer re-arms itself for
 * the remainder when it fires, so a busy connection never touches the wheel. While the
 * probe has its own timer armed (e.g. a listen window) the idle deadline is suspended;
 * the total deadline still bounds everything. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "classify/classify.h"
#include "engine/engine_priv.h"
#include "transport/layer.h"
#include "transport/ws.h"

#define MAX_ATTEMPTS      128 /* connections to one target; probes bound their own (MQTT: a few
				* per account it audits, more when a broker drops refused writes) */
#define DEFAULT_MAX_INPUT (256u * 1024u)

int64_t eng_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t eng_wall_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Edge-triggered, registered once for input and output: no epoll_ctl per state change.
 * Every reader therefore reads until EAGAIN, or parks the connection on the ready list. */
static void watch(struct eng *e, struct conn *c)
{
	if (c->evmask || c->fd < 0)
		return;
	struct epoll_event ee = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET,
				 .data.ptr = c};
	if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, c->fd, &ee) == 0)
		c->evmask = ee.events;
}

static void arm(struct eng *e, struct conn *c, uint32_t ms)
{
	tw_add(&e->tw, &c->tm.e, e->now_ms, ms);
}

/* How far drain_fd() reads: to EOF or EAGAIN; to a short read (plain TCP: the socket is
 * empty until the next edge); or, when the edge carried the peer's FIN, to a short read
 * that took everything before it (the 0 that would follow is not read). */
enum drain { DRAIN_ALL, DRAIN_EDGE, DRAIN_FIN };

/* Reads and drops what is queued (at most 1 MiB): true when the peer has closed (EOF, a
 * DRAIN_FIN short read) or on an error; *got (may be NULL) counts the bytes. */
static bool drain_fd(int fd, size_t *got, enum drain how)
{
	uint8_t buf[4096];
	for (int i = 0; i < 256; i++) {
		ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (r > 0) {
			if (got)
				*got += (size_t)r;
			if (how != DRAIN_ALL && (size_t)r < sizeof(buf))
				return how == DRAIN_FIN;
			continue;
		}
		if (r < 0 && errno == EINTR)
			continue;
		return r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
	}
	return false;
}

/* Fairness: one connection reads at most READ_BUDGET times per turn. Edge-triggered epoll
 * will not report input that is already there, so a connection that stops early goes on
 * the ready list and is served again next turn (the loop then does not sleep). */
#define READ_BUDGET 16

static void ready_add(struct eng *e, struct conn *c)
{
	if (c->ready)
		return;
	c->ready = true;
	c->rprev = NULL;
	c->rnext = e->ready;
	if (e->ready)
		e->ready->rprev = c;
	e->ready = c;
}

static void ready_del(struct eng *e, struct conn *c)
{
	if (!c->ready)
		return;
	if (c->rprev)
		c->rprev->rnext = c->rnext;
	else
		e->ready = c->rnext;
	if (c->rnext)
		c->rnext->rprev = c->rprev;
	c->ready = false;
	c->rprev = c->rnext = NULL;
}

/* The layers' facts into the record; a plain TCP service is "plaintext" (ws says so
 * itself, tls gives its verdict). What the engine decides on later is asked of the layers
 * (stack_query), not read back from the record. */
static void describe(struct conn *c, struct trun *tr)
{
	stack_describe(c->top, &tr->rec);
	if (tr->tgt.transport == TRANSPORT_TLS || tr->tgt.transport == TRANSPORT_WSS)
		tr->peer_cert = stack_query(c->top, LQ_PEER_CERT);
	if (tr->tgt.transport == TRANSPORT_TCP && !tr->rec.transport_security)
		tr->rec.transport_security = TSEC_PLAINTEXT;
}

/* The only place a connection slot's state changes. */
/* The one setter of a connection's state: it also keeps the engine's counts of
 * connects in flight (retry.c's window) and of lingering connections. */
static void conn_set_state(struct eng *e, struct conn *c, enum conn_state to)
{
	if (c->state == CS_CONNECTING)
		e->connecting--;
	else if (c->state == CS_LINGER)
		e->lingering--;
	c->state = to;
	if (to == CS_CONNECTING)
		e->connecting++;
	else if (to == CS_LINGER)
		e->lingering++;
}

void conn_release(struct eng *e, struct conn *c)
{
	struct addr_ent *a = c->addr;

	ready_del(e, c);
	tw_del(&e->tw, &c->tm.e);
	dbuf_free(&c->rx);
	if (c->tr)
		c->tr->conn = NULL;
	c->tr = NULL;
	c->top = NULL;
	c->fd = -1;
	c->evmask = 0;
	conn_set_state(e, c, CS_FREE);
	c->addr = NULL;
	c->next_free = e->free_conns;
	e->free_conns = c;
	e->used--;
	if (a) {
		a->active--;
		eng_addr_freed(e, a);
		am_unref(&e->am, a);
	}
}

/* Close at once. polite: flush what is queued, read what the peer sent and send FIN
 * (not RST) where the transport allows. */
void conn_close(struct eng *e, struct conn *c, bool polite)
{
	if (c->top) {
		if (polite) {
			(void)stack_flush(c->top);
			drain_fd(c->fd, NULL, DRAIN_ALL);
		}
		if (c->tr)
			describe(c, c->tr);
		stack_destroy(c->top); /* the tcp layer closes the fd */
	} else if (c->fd >= 0) {
		close(c->fd);
	}
	conn_release(e, c);
}

enum msw_status eng_map_why(msw_err why, enum conn_state phase)
{
	switch (why) {
	case MSW_ERR_REFUSED:
		return ST_CONNECTION_REFUSED;
	case MSW_ERR_TIMEOUT:
		return phase == CS_CONNECTING ? ST_CONNECTION_TIMEOUT : ST_IO_TIMEOUT;
	case MSW_ERR_CLOSED:
		return ST_CONNECTION_CLOSED;
	case MSW_ERR_TLS:
	case MSW_ERR_HANDSHAKE:
		return ST_HANDSHAKE_ERROR;
	case MSW_ERR_MALFORMED:
	case MSW_ERR_TOO_BIG:
	case MSW_ERR_PROTOCOL:
		return ST_PROTOCOL_ERROR;
	case MSW_ERR_INTERRUPTED:
		return ST_INTERRUPTED;
	default:
		return ST_UNKNOWN_ERROR;
	}
}

static const char *phase_str(enum conn_state phase)
{
	switch (phase) {
	case CS_CONNECTING:
		return "connect";
	case CS_HANDSHAKE:
		return "handshake";
	case CS_OPEN:
		return "read";
	default:
		return "target";
	}
}

/* --detect: the TLS handshake failed and the peer never showed a certificate, so it may
 * speak plain MQTT: open the same target again without TLS. The probe never saw the
 * failed connection; the record keeps the tls block as evidence of the attempt. */
static bool detect_plain(struct eng *e, struct trun *tr, enum conn_state phase, msw_err why)
{
	int t = tr->tgt.transport;
	if (!e->cfg->detect || tr->detect_done || tr->expired || e->stopping ||
	    phase != CS_HANDSHAKE)
		return false;
	if (t != TRANSPORT_TLS && t != TRANSPORT_WSS)
		return false;
	if (why != MSW_ERR_TLS && why != MSW_ERR_CLOSED && why != MSW_ERR_TIMEOUT)
		return false;
	if (tr->peer_cert)
		return false; /* it speaks TLS: the handshake error is the answer */
	tr->detect_done = true;
	tr->tgt.transport = t == TRANSPORT_TLS ? TRANSPORT_TCP : TRANSPORT_WS;
	tr->rec.transport = (enum msw_transport)tr->tgt.transport;
	tr->rec.transport_security = TSEC_UNSET;
	eng_queue_connect(e, tr);
	return true;
}

/* A WebSocket upgrade was refused in a way that closes the connection and another default
 * path is left (transport/ws.h): open a new connection; the ws layer starts at the next
 * path. The probe never saw the refused connection. */
static bool ws_next_path(struct eng *e, struct trun *tr, enum conn_state phase, msw_err why)
{
	int t = tr->tgt.transport;
	if (why != MSW_ERR_HANDSHAKE || phase != CS_HANDSHAKE || tr->expired || e->stopping)
		return false;
	if ((t != TRANSPORT_WS && t != TRANSPORT_WSS) || !ws_retry_pending(&tr->tgt))
		return false;
	if (++tr->ws_retries > WS_NPATHS)
		return false;
	eng_queue_connect(e, tr);
	return true;
}

/* The connection ended without the probe asking (EOF, error, deadline): close it, let the
 * probe decide what follows, and fill the status when the probe set none. */
void tr_end_conn(struct eng *e, struct trun *tr, msw_err why)
{
	struct conn *c = tr->conn;
	enum conn_state phase = c ? c->state : CS_FREE;

	if (c)
		conn_close(e, c, false);
	if (eng_retry_later(e, tr, why, phase) || detect_plain(e, tr, phase, why) ||
	    ws_next_path(e, tr, phase, why))
		return;
	enum msw_status saved = tr->rec.status;
	tr->rec.status = ST__COUNT;
	enum probe_rc rc = tr->probe->on_close ? tr->probe->on_close(&tr->pc, why) : PROBE_ERROR;
	if (tr->rec.status == ST__COUNT) {
		if (!tr->ever_connected || rc == PROBE_ERROR || tr->expired) {
			tr->rec.status = eng_map_why(why, phase);
			if (!tr->rec.error)
				record_set_error(&tr->rec, "%s: %s", phase_str(phase),
						 msw_err_str(why));
		} else {
			tr->rec.status = saved;
		}
	}
	if (rc == PROBE_RECONNECT && !tr->expired && !e->stopping &&
	    tr->pc.attempt + 1 < MAX_ATTEMPTS) {
		tr->pc.attempt++;
		eng_queue_connect(e, tr);
		return;
	}
	tr_finish(e, tr);
}

/* Lingering on plain TCP: FIN after the goodbye, unless the probe said the peer closes
 * first (then the peer's FIN proves it read our goodbye, and we abort: neither side keeps
 * a TIME_WAIT or a FIN_WAIT2 for a connection both are done with). */
static void after_flush(struct conn *c)
{
	if (!c->peer_closes)
		shutdown(c->fd, SHUT_WR);
	c->flushed = true;
}

static void linger_done(struct eng *e, struct conn *c)
{
	if (c->peer_closes) {
		struct linger l = {.l_onoff = 1, .l_linger = 0};
		(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	conn_close(e, c, false);
}

/* PROBE_DONE: the target is finished; the connection closes politely on its own. */
static void conn_graceful(struct eng *e, struct conn *c)
{
	struct trun *tr = c->tr;
	describe(c, tr);
	tr->conn = NULL;
	c->tr = NULL;
	c->peer_closes = tr->pc.peer_closes;
	dbuf_free(&c->rx);
	conn_set_state(e, c, CS_LINGER);
	arm(e, c, e->linger_ms);
	msw_err rc = stack_flush(c->top);
	if (rc == MSW_ERR_AGAIN)
		return; /* the rest goes out on EPOLLOUT edges (linger_event) */
	if (rc) {
		conn_close(e, c, false);
		return;
	}
	if (c->top->below) { /* tls/ws: their destroy says goodbye; close now */
		conn_close(e, c, true);
		return;
	}
	/* Wait for the peer's FIN (after ours, unless it closes first), reading and dropping
	 * what it still sends: closing at once would answer its messages with RST, and a
	 * broker busy writing to us may then drop the connection before it reads our
	 * DISCONNECT (seen with Mosquitto and 96 KiB of retained messages). The linger
	 * deadline bounds the wait. */
	after_flush(c);
	/* the peer's FIN (and anything before it) arrives as an edge; read now only when
	 * the socket may already hold it */
	if (!c->rx_empty && drain_fd(c->fd, NULL, DRAIN_ALL))
		linger_done(e, c);
	c->rx_empty = false;
}

void tr_handle(struct eng *e, struct trun *tr, enum probe_rc rc)
{
	struct conn *c = tr->conn;

	switch (rc) {
	case PROBE_CONTINUE:
		return; /* queued output goes out on the next EPOLLOUT edge */
	case PROBE_DONE:
		if (c && c->top && c->state == CS_OPEN)
			conn_graceful(e, c);
		else if (c)
			conn_close(e, c, false);
		tr_finish(e, tr);
		return;
	case PROBE_RECONNECT:
		if (c)
			conn_close(e, c, true);
		if (tr->queued)
			return;
		if (tr->expired || e->stopping || tr->pc.attempt + 1 >= MAX_ATTEMPTS) {
			tr_finish(e, tr);
			return;
		}
		tr->pc.attempt++;
		eng_queue_connect(e, tr);
		return;
	case PROBE_ERROR:
	default:
		if (c)
			conn_close(e, c, false);
		tr_finish(e, tr);
		return;
	}
}

/* Feed bytes to on_data until it wants more, stops, or consumes nothing. */
static enum probe_rc feed(struct trun *tr, const uint8_t *p, size_t n, size_t *off)
{
	enum probe_rc rc = PROBE_CONTINUE;
	*off = 0;
	if (!tr->probe->on_data)
		return rc;
	while (*off < n) {
		size_t used = 0;
		rc = tr->probe->on_data(&tr->pc, p + *off, n - *off, &used);
		if (used > n - *off)
			used = n - *off;
		*off += used;
		if (rc != PROBE_CONTINUE || !used)
			break;
	}
	return rc;
}

/* Returns the probe's verdict, or -1 when the unconsumed input would pass the cap. */
static int deliver(struct conn *c, struct trun *tr, const uint8_t *p, size_t n)
{
	size_t off;
	enum probe_rc rc;

	if (!c->rx.len) {
		rc = feed(tr, p, n, &off);
		if (rc != PROBE_CONTINUE)
			return rc;
		if (off < n && dbuf_append(&c->rx, p + off, n - off))
			return -1;
		return rc;
	}
	if (dbuf_append(&c->rx, p, n))
		return -1;
	rc = feed(tr, c->rx.p, c->rx.len, &off);
	dbuf_consume(&c->rx, off);
	if (!c->rx.len && c->rx.alloc > 4096)
		dbuf_free(&c->rx);
	return rc;
}

/* Reads until AGAIN, the budget, or the probe is done. With edge-triggered epoll a short
 * read on plain TCP means the socket is empty now and the next segment raises a new edge,
 * so the read that would only say AGAIN is skipped, unless the event also reported the
 * peer's FIN or an error (that edge is spent: read on to the 0 or the error). Layers above
 * TCP may hold decoded bytes back, so they always read to AGAIN. */
static void conn_read(struct eng *e, struct conn *c, bool until_again)
{
	struct trun *tr = c->tr;

	for (int spins = 0;; spins++) {
		if (spins == READ_BUDGET) {
			ready_add(e, c);
			break;
		}
		size_t got = 0;
		msw_err rc = c->top->ops->recv(c->top, e->rbuf, e->rbuf_len, &got);
		if (rc == MSW_ERR_AGAIN)
			break;
		if (rc) {
			tr_end_conn(e, tr, rc);
			return;
		}
		if (!got)
			continue;
		c->last_rx_ms = e->now_ms;
		int prc = deliver(c, tr, e->rbuf, got);
		if (prc < 0) {
			tr_end_conn(e, tr, MSW_ERR_TOO_BIG);
			return;
		}
		if (prc != PROBE_CONTINUE) {
			c->rx_empty = !until_again && !c->top->below && got < e->rbuf_len;
			tr_handle(e, tr, (enum probe_rc)prc);
			return;
		}
		if (!until_again && !c->top->below && got < e->rbuf_len)
			break;
	}
}

static void conn_open(struct eng *e, struct conn *c, bool readable)
{
	struct trun *tr = c->tr;

	conn_set_state(e, c, CS_OPEN);
	c->last_rx_ms = e->now_ms;
	arm(e, c, e->io_ms);
	tr->pc.peer_closes = false;
	enum probe_rc rc =
		tr->probe->on_connected ? tr->probe->on_connected(&tr->pc) : PROBE_CONTINUE;
	tr_handle(e, tr, rc);
	/* input that arrived with the connect edge, or that a tls/ws layer already holds */
	if (rc == PROBE_CONTINUE && tr->conn == c && c->state == CS_OPEN &&
	    (readable || c->top->below))
		conn_read(e, c, true);
}

static void conn_handshake(struct eng *e, struct conn *c, bool readable)
{
	bool want_write = false;
	msw_err rc = c->top->ops->handshake(c->top, &want_write);
	if (rc == MSW_ERR_AGAIN)
		return; /* edge-triggered for both directions: the next edge calls again */
	if (rc) {
		tr_end_conn(e, c->tr, rc);
		return;
	}
	conn_open(e, c, readable);
}

static void fill_source_ip(struct conn *c, struct msw_record *r)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	if (getsockname(c->fd, (struct sockaddr *)&ss, &sl))
		return;
	const void *a = ss.ss_family == AF_INET6
				? (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
				: (const void *)&((struct sockaddr_in *)&ss)->sin_addr;
	targets_ntop(ss.ss_family, a, r->source_ip, sizeof(r->source_ip));
}

/* Depth tcp: the handshake is the answer. Nothing is sent; the socket is aborted (RST)
 * so that neither side keeps state, as after a SYN scan. */
static void connect_only_done(struct eng *e, struct conn *c, struct trun *tr)
{
	struct linger l = {.l_onoff = 1, .l_linger = 0};

	(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	tr->rec.status = ST_SUCCESS;
	conn_close(e, c, false);
	tr_finish(e, tr);
}

static void conn_connected(struct eng *e, struct conn *c, bool readable)
{
	struct trun *tr = c->tr;

	if (!tr->ever_connected) {
		tr->ever_connected = true;
		ENG_COUNT_CONNECTED(e, tr);
	}
	eng_connect_answered(e, tr);
	if (tr->probe->connect_only) {
		connect_only_done(e, c, tr);
		return;
	}
	fill_source_ip(c, &tr->rec);
	msw_err rc = stack_build(c->fd, tr->tgt.transport, &tr->tgt, e->cfg, &c->top);
	if (rc) {
		c->top = NULL;
		c->fd = -1; /* the tcp layer was pushed first and closed it */
		tr_end_conn(e, tr, rc == MSW_ERR_NOMEM ? rc : MSW_ERR_HANDSHAKE);
		return;
	}
	conn_set_state(e, c, CS_HANDSHAKE);
	arm(e, c, e->io_ms);
	conn_handshake(e, c, readable);
}

static msw_err errno_err(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return MSW_ERR_REFUSED;
	case ETIMEDOUT:
		return MSW_ERR_TIMEOUT;
	case ECONNRESET:
		return MSW_ERR_CLOSED;
	default:
		return MSW_ERR_IO;
	}
}

static void connect_failed(struct eng *e, struct conn *c, int err)
{
	struct trun *tr = c->tr;

	if (err == ECONNREFUSED)
		eng_connect_answered(e, tr);
	if (!tr->rec.error && err != ECONNREFUSED && err != ETIMEDOUT)
		record_set_error(&tr->rec, "connect: %s", strerror(err));
	tr_end_conn(e, tr, errno_err(err));
}

/* Out of files or local ports: not the target's fault. While other connections are open,
 * shrink the concurrency cap to what the system gave us and try the target again later
 * (the cap grows back once the shortage is over: engine.c regrow()). */
static bool local_shortage(struct eng *e, struct trun *tr, int err)
{
	if (err != EMFILE && err != ENFILE && err != EADDRNOTAVAIL && err != ENOBUFS)
		return false;
	if (!e->used)
		return false;
	e->shortage_ms = e->now_ms;
	if (e->nconns > e->used) {
		e->nconns = e->used;
		if (e->cfg->verbose)
			fprintf(stderr, "mqttsweep: engine: %s: concurrency cap lowered to %u\n",
				strerror(err), e->nconns);
	}
	eng_queue_connect(e, tr);
	return true;
}

msw_err conn_start(struct eng *e, struct trun *tr)
{
	struct conn *c = e->free_conns;
	if (!c)
		return MSW_ERR_INTERNAL;
	int fd = socket(tr->tgt.sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int err = errno;
		if (local_shortage(e, tr, err))
			return MSW_OK;
		record_set_error(&tr->rec, "socket: %s", strerror(err));
		tr_end_conn(e, tr, MSW_ERR_IO);
		return MSW_OK;
	}
	e->free_conns = c->next_free;
	e->used++;
	memset(c, 0, sizeof(*c));
	c->tm.kind = TK_CONN;
	c->tm.owner = c;
	c->fd = fd;
	conn_set_state(e, c, CS_CONNECTING);
	tr->connect_ms = e->now_ms;
	c->tr = tr;
	tr->conn = c;
	c->addr = tr->addr;
	am_ref(c->addr);
	c->addr->active++;
	dbuf_init(&c->rx, tr->probe->max_input ? tr->probe->max_input : DEFAULT_MAX_INPUT);
	int r = connect(fd, (const struct sockaddr *)&tr->tgt.sa, tr->tgt.salen);
	if (r == 0) {
		watch(e, c);
		conn_connected(e, c, true);
		return MSW_OK;
	}
	if (errno != EINPROGRESS) {
		int err = errno;
		if (err == EADDRNOTAVAIL && e->used > 1) {
			conn_close(e, c, false);
			(void)local_shortage(e, tr, err);
			return MSW_OK;
		}
		connect_failed(e, c, err);
		return MSW_OK;
	}
	watch(e, c);
	arm(e, c, e->connect_ms);
	return MSW_OK;
}

/* A finished connection: send what is left, then FIN (unless the peer closes first), then
 * wait for the peer's FIN or an error (the linger deadline bounds it all). A peer that
 * closes first is done with us once its FIN is in: abort without reading what came
 * before it. */
static void linger_event(struct eng *e, struct conn *c, uint32_t ev)
{
	if (!c->flushed) {
		msw_err rc = stack_flush(c->top);
		if (rc == MSW_ERR_AGAIN && !(ev & (EPOLLERR | EPOLLHUP)))
			return;
		if (rc || c->top->below) {
			conn_close(e, c, !rc && c->top->below);
			return;
		}
		after_flush(c);
	}
	if (c->peer_closes && (ev & (EPOLLRDHUP | EPOLLERR | EPOLLHUP))) {
		linger_done(e, c);
		return;
	}
	if (drain_fd(c->fd, NULL, ev & EPOLLRDHUP ? DRAIN_FIN : DRAIN_EDGE) ||
	    (ev & (EPOLLERR | EPOLLHUP)))
		linger_done(e, c);
}

void conn_event(struct eng *e, struct conn *c, uint32_t ev)
{
	switch (c->state) {
	case CS_CONNECTING: {
		int err = 0;
		socklen_t el = sizeof(err);
		/* a failed connect always raises EPOLLERR (tcp_poll reports sk_err): a plain
		 * EPOLLOUT edge is a connection, no SO_ERROR syscall needed */
		if ((ev & (EPOLLERR | EPOLLHUP) || !(ev & EPOLLOUT)) &&
		    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0)
			err = errno;
		if (err)
			connect_failed(e, c, err);
		else if (ev & EPOLLOUT)
			conn_connected(e, c, ev & EPOLLIN);
		return;
	}
	case CS_HANDSHAKE:
		conn_handshake(e, c, true);
		return;
	case CS_OPEN:
		if (ev & EPOLLOUT) {
			msw_err rc = stack_flush(c->top);
			if (rc && rc != MSW_ERR_AGAIN) {
				tr_end_conn(e, c->tr, rc);
				return;
			}
		}
		if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP))
			conn_read(e, c, (ev & (EPOLLRDHUP | EPOLLERR | EPOLLHUP)) != 0);
		return;
	case CS_LINGER:
		linger_event(e, c, ev);
		return;
	default:
		return;
	}
}

/* One more turn for every connection that used up its read budget. */
void conn_serve_ready(struct eng *e)
{
	struct conn *list = e->ready;
	e->ready = NULL;
	for (struct conn *c = list; c; c = c->rnext)
		c->ready = false; /* detached: a read below may put it back */
	while (list) {
		struct conn *c = list;
		list = c->rnext;
		if (list)
			list->rprev = NULL;
		c->rprev = c->rnext = NULL;
		if (c->state == CS_OPEN && c->tr)
			conn_read(e, c, true);
		else if (c->state == CS_LINGER)
			linger_event(e, c, EPOLLIN);
	}
}

void conn_timer(struct eng *e, struct conn *c)
{
	struct trun *tr = c->tr;

	switch (c->state) {
	case CS_CONNECTING:
	case CS_HANDSHAKE:
		tr_end_conn(e, tr, MSW_ERR_TIMEOUT);
		return;
	case CS_OPEN: {
		if (tw_armed(&tr->ptimer.e)) { /* the probe is waiting on its own timer */
			c->last_rx_ms = e->now_ms;
			arm(e, c, e->io_ms);
			return;
		}
		int64_t idle = e->now_ms - c->last_rx_ms;
		if (idle < (int64_t)e->io_ms) {
			arm(e, c, e->io_ms - (uint32_t)idle);
			return;
		}
		tr_end_conn(e, tr, MSW_ERR_TIMEOUT);
		return;
	}
	case CS_LINGER:
		conn_close(e, c, false);
		return;
	default:
		return;
	}
}
