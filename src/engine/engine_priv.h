/* Engine internals shared by engine.c (loop, scheduling, hosts), conn.c (connections and
 * probe driving), hostsum.c (depth-host summary) and workers.c (--workers processes).
 *
 * Objects:
 *   conn  — a preallocated connection slot: fd, layer stack, rx buffer, one deadline
 *           (connect / idle / linger). A conn outlives its target while it lingers for
 *           the peer's FIN after a polite close.
 *   trun  — one target (host:port) in flight: probe state, record, classifier, total
 *           deadline and the probe timer. Allocated when started, freed when recorded.
 *   hrun  — one host in flight: its port list, how many targets run, the per-address
 *           entry (--per-host), and at depth host the small services summary.
 * Nothing is kept once a host is done.
 *
 * Names, throughout the engine: e is the engine (struct eng), c a connection slot, tr a
 * target in flight, h a host in flight; e->stats the scan's counts, c->state the slot's
 * state (set only by conn_set_state), status a record's outcome (enum msw_status). */
#ifndef MSW_ENGINE_PRIV_H
#define MSW_ENGINE_PRIV_H
#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "engine/addrmap.h"
#include "base/config.h"
#include "base/dbuf.h"
#include "engine/engine.h"
#include "engine/ratelimit.h"
#include "base/target.h"
#include "engine/targets.h"
#include "engine/timerwheel.h"
#include "engine/workpool.h"
#include "base/record.h"
#include "probes/probe.h"

#define MAX_WS_EPS 8 /* depth host: MQTT-over-WebSocket endpoints probed per host */

enum tkind { TK_CONN, TK_TOTAL, TK_PROBE };

struct etimer {
	struct tw_entry e; /* first member: the wheel hands back &e */
	uint8_t kind;
	void *owner;
};

enum conn_state { CS_FREE, CS_CONNECTING, CS_HANDSHAKE, CS_OPEN, CS_LINGER };

struct trun;
struct eng;

struct conn {
	struct etimer tm;
	enum conn_state state;
	int fd;
	uint32_t evmask; /* events registered with epoll */
	struct layer *top;
	struct trun *tr;       /* NULL while lingering */
	struct addr_ent *addr; /* referenced; counted in addr->active */
	struct dbuf rx;        /* unconsumed input, allocated lazily */
	int64_t last_rx_ms;
	struct conn *next_free;
	struct conn *rprev, *rnext; /* on the engine's ready list (read budget used up) */
	bool ready;
	bool flushed;     /* lingering: the goodbye is out (and our FIN, unless peer_closes) */
	bool peer_closes; /* lingering for the peer's FIN: abort (RST) when it comes */
	bool rx_empty;    /* the read that finished the probe was short (plain TCP, no FIN or
			   * error on the edge): nothing to drain until the next edge */
};

struct hrun;

struct trun {
	struct wp_job job; /* blocking probes: first member */
	struct etimer total, ptimer;
	struct eng *eng;
	struct hrun *host; /* NULL once abandoned */
	const struct probe *probe;
	struct pctx pc;
	struct msw_record rec;
	struct msw_target tgt; /* private copy; strings below */
	char *s_host, *s_user, *s_pass, *s_path;
	struct addr_ent *addr; /* referenced */
	struct conn *conn;
	struct trun *prev, *next; /* engine's in-flight list */
	struct trun *qnext;       /* connect queue */
	int64_t start_ms;
	msw_err job_rc;
	bool queued, ever_connected, expired, blocking, running_job, abandoned, interrupted;
	bool detect_done;                /* --detect switched the transport once */
	bool peer_cert;                  /* the last TLS connection's peer showed a certificate */
	uint8_t ws_retries;              /* WebSocket paths tried on fresh connections */
	struct msw_record *detect_saved; /* the plain attempt's record, if TLS fails too */
	bool no_connect; /* finished without a connection (init stopped it, blocking) */
	int64_t connect_ms; /* when the current connect() started (retry.c: loss signal) */
	uint8_t retries;    /* timed-out connects tried again (--retries) */
	bool retry_wait;    /* in the engine's retry queue */
};

struct hrun {
	struct target_host *h;
	struct addr_ent *addr;
	struct port_spec *ports; /* current stage */
	size_t nports, next;
	struct port_spec *stage2; /* owned (depth host) */
	int stage;                /* 1 the ports given, 2 host probes, 3 MQTT over WS found */
	/* depth host, stage 3: MQTT-over-WebSocket endpoints the http probe found */
	struct port_spec ws_eps[MAX_WS_EPS];
	char *ws_paths[MAX_WS_EPS]; /* owned; the path of ws_eps[i] */
	uint8_t nws;
	unsigned active; /* targets in flight */
	bool any_mqtt, queued, parked, interrupted;
	struct hrun *qnext;         /* runnable queue or address waiters */
	struct hrun *hprev, *hnext; /* engine's host list */
	/* this host's share of the scan counts: kept with its done marker, so --resume
	 * starts from the counts of the hosts already finished */
	struct scan_stats tally;
	/* depth host summary */
	struct host_summary sum;
};

struct eng {
	const struct msw_config *cfg;
	struct target_iter *it;
	struct output *out;
	struct scan_stats *stats;
	int epfd;
	struct timerwheel tw;
	struct ratelimit rl;
	struct addrmap am;
	struct conn *conns;
	struct conn *free_conns;
	uint32_t nconns, used; /* used: open conns + running blocking jobs */
	uint32_t nslots;       /* conns[] allocated; nconns (the cap) may be lowered below it */
	int64_t shortage_ms;   /* last time the system refused a socket or port (cap lowered) */
	uint64_t not_started;  /* listed targets of unresolved/blocklisted hosts handed out */
	uint32_t lingering;    /* conns closing politely after their target finished */
	uint32_t per_host;
	uint32_t connect_ms, io_ms, total_ms, linger_ms;
	struct trun *trs;               /* in flight */
	struct trun *cq_head, *cq_tail; /* waiting to (re)connect */
	struct hrun *hosts;             /* in flight */
	struct hrun *rq_head, *rq_tail; /* hosts with ports to start */
	struct workpool *wp;
	bool iter_done, iter_wait, iter_fd_added;
	bool stopping, rate_blocked, sink_failed;
	int64_t grace_end_ms;
	int64_t now_ms;     /* cached monotonic time */
	struct conn *ready; /* connections with input left after their read budget */
	uint8_t *rbuf;      /* shared receive buffer */
	size_t rbuf_len;
	bool depth_host;
	/* connect retries and the window of connects in flight (retry.c) */
	struct trun *rt_head, *rt_tail; /* timed-out connects waiting for another try */
	uint32_t nretry;
	uint32_t connecting; /* conns in CS_CONNECTING */
	uint32_t cwnd;       /* connects in flight allowed: halved on loss, grows back */
	int64_t loss_ms;     /* the last halving */
};

/* time */
int64_t eng_mono_ms(void);
int64_t eng_wall_us(void);

/* conn.c */
msw_err conn_start(struct eng *e, struct trun *tr);
void conn_event(struct eng *e, struct conn *c, uint32_t events);
void conn_timer(struct eng *e, struct conn *c);
void conn_release(struct eng *e, struct conn *c);
void conn_close(struct eng *e, struct conn *c, bool polite);
void conn_serve_ready(struct eng *e);
void tr_end_conn(struct eng *e, struct trun *tr, msw_err why);
void tr_handle(struct eng *e, struct trun *tr, enum probe_rc rc);
enum msw_status eng_map_why(msw_err why, enum conn_state phase);

/* trun.c */
struct trun *tr_new(struct eng *e, struct hrun *h, const struct port_spec *sp,
		    const struct probe *p);
void tr_timer(struct eng *e, struct trun *tr, enum tkind k);
void tr_finish(struct eng *e, struct trun *tr);
void tr_interrupt(struct eng *e, struct trun *tr);
/* The record's identity: scan id, start, address, name, transport and the username the
 * target is tried with (its URL's, else -u). */
void eng_record_identity(const struct eng *e, struct msw_record *r, const struct msw_target *t,
			 int64_t start_us);
msw_err job_start(struct eng *e, struct trun *tr);
void job_abandon(struct eng *e, struct trun *tr, enum msw_status status);
void job_free(struct eng *e, struct trun *tr);
void eng_job_done(struct eng *e, struct trun *tr);
uint64_t eng_scan_seed(void);
int eng_stop_count(void);
void eng_rng_reseed(void);

/* engine.c */
void eng_queue_connect(struct eng *e, struct trun *tr);
/* A target's record is final: emit it (when asked), count it, update its host. */
/* A finished record of probe p (NULL: none known) is emitted (when emit), counted, and at
 * depth host summarised for its host h (NULL: none). */
void eng_account(struct eng *e, struct hrun *h, const struct probe *p, struct msw_record *r,
		 bool emit);
/* Write a record (to the output, or to the parent from a --workers child) and count it in
 * the scan and in the host's tally (may be NULL). */
void eng_emit(struct eng *e, struct scan_stats *tally, struct msw_record *r);
/* The target made its TCP connection: counted with its population (listed targets or
 * depth-host probe ports). */
#define ENG_COUNT_CONNECTED(e, tr)                                                   \
	do {                                                                           \
		struct hrun *h_ = (tr)->host;                                          \
		if (h_ && h_->stage != 1)                                              \
			ENG_COUNT(e, &h_->tally, probe_connected, 1);                 \
		else                                                                   \
			ENG_COUNT(e, h_ ? &h_->tally : NULL, connected, 1);           \
	} while (0)
/* A count goes to the scan's totals and to the host's tally (NULL: none). */
#define ENG_COUNT(e, tally, field, n)                    \
	do {                                              \
		struct scan_stats *tl_ = (tally);         \
		(e)->stats->field += (n);                    \
		if (tl_)                                  \
			tl_->field += (n);                \
	} while (0)
void eng_addr_freed(struct eng *e, struct addr_ent *a);
void eng_watch_fd(struct eng *e, int fd, void *tag);

/* retry.c */
void eng_cwnd_init(struct eng *e);
bool eng_connect_slot(const struct eng *e);
void eng_connect_answered(struct eng *e, struct trun *tr);
void eng_cwnd_tick(struct eng *e);
bool eng_retry_later(struct eng *e, struct trun *tr, msw_err why, enum conn_state phase);
bool eng_retry_ready(const struct eng *e, bool queue_idle);
struct trun *eng_retry_pop(struct eng *e);
void eng_retry_remove(struct eng *e, struct trun *tr);

/* hostsum.c */
void hs_add(struct hrun *h, const struct msw_record *r, const struct probe *p);
bool hs_any(const struct hrun *h); /* a service answered: the host gets a record */
void hs_emit(struct eng *e, struct hrun *h);
void hs_free(struct hrun *h);

/* engine.c: one process's scan into out (engine_run without --workers) */
msw_err eng_run_one(const struct msw_config *cfg, struct target_iter *it, struct output *out,
		    struct scan_stats *stats);

/* workers.c: --workers N: N child processes each running eng_run_one() on their share,
 * their records relayed into out */
msw_err eng_run_workers(const struct msw_config *cfg, struct target_iter *it, struct output *out,
			struct scan_stats *stats);
/* the parent's line splitter for what children write (exposed for tests) */
void workers_split_lines(struct dbuf *buf, bool *skipping, uint64_t *dropped, const char *p,
			 size_t n, void (*on_line)(void *arg, char *line), void *arg);

#endif
