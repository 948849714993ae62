/* The probe interface. A probe speaks one application protocol over whatever the engine
 * gives it (the top of a layer stack); the engine owns sockets, transports, timers and
 * deadlines. Probes are const tables with designated initializers.
 *
 * Life of a target for a stream probe:
 *   init() once  →  per connection: on_connected() → on_data()* → on_close()
 *   → (on_close may return PROBE_RECONNECT to get a fresh connection to the same target,
 *      e.g. MQTT version fallback or the any-credentials probe)  →  finish() once.
 * on_data() follows picohttpparser's contract: it is given every unconsumed byte received
 * so far, sets *consumed, and returns PROBE_CONTINUE (more input wanted), PROBE_DONE (this
 * target is finished; the engine closes politely), PROBE_RECONNECT (close this connection
 * and open another), or PROBE_ERROR (record status already set).
 * A probe may arm one timer with pctx_timer(); on_timer() is called when it fires. */
#ifndef MSW_PROBE_H
#define MSW_PROBE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"

struct msw_config;
struct msw_record;
struct msw_target;
struct pctx;
struct port_spec;

enum probe_rc { PROBE_CONTINUE, PROBE_DONE, PROBE_RECONNECT, PROBE_ERROR };

/* A target a finished record names for a follow-up (depth host): the record's port, this
 * transport and path (an MQTT-over-WebSocket endpoint a dashboard probe saw). */
#define PROBE_PATH_MAX 256
struct probe_follow_up {
	int transport; /* enum msw_transport */
	char path[PROBE_PATH_MAX];
};

struct probe {
	const char *name;
	uint16_t default_port;
	size_t state_size;   /* per-target state, zeroed by the engine */
	size_t max_input;    /* cap of the engine's receive buffer for this probe */
	enum probe_rc (*init)(struct pctx *c);
	enum probe_rc (*on_connected)(struct pctx *c);
	enum probe_rc (*on_data)(struct pctx *c, const uint8_t *p, size_t n, size_t *consumed);
	enum probe_rc (*on_timer)(struct pctx *c);
	/* why: MSW_ERR_CLOSED (peer EOF), MSW_ERR_TIMEOUT (idle/connect), MSW_ERR_REFUSED,
	 * MSW_ERR_TLS/HANDSHAKE (transport), MSW_ERR_INTERRUPTED, ... */
	enum probe_rc (*on_close)(struct pctx *c, msw_err why);
	void (*finish)(struct pctx *c);  /* fill the final record fields, free owned state */
	/* Blocking probes (libsmbclient): when set, the engine does not connect; it runs this
	 * in its bounded worker-thread pool with a hard deadline, then calls finish(). */
	msw_err (*run_blocking)(struct pctx *c);
	/* Host-stage probes (depth host): the ports/transports to try on a host that has an
	 * MQTT service (or on every host with --probe-all). Returns how many were written. */
	size_t (*host_ports)(const struct msw_config *cfg, struct port_spec *out, size_t max);
	/* Connect only (depth tcp): the engine builds no transport stack and calls nothing;
	 * a completed TCP handshake is the answer (status success), then the socket is
	 * aborted. */
	bool connect_only;
	/* Depth host, typed facts the engine asks of a finished record of this probe
	 * (optional), instead of reading the probe's blocks itself:
	 * summarize(): what an outsider gets at this service in the probe's own words, a
	 *   static text ("open", "login_required", ...); without it, the MQTT verdict.
	 * follow_ups(): targets the record names for another probe (MQTT over WebSocket),
	 *   at most max written to out; returns how many. */
	const char *(*summarize)(const struct msw_record *r);
	size_t (*follow_ups)(const struct msw_record *r, struct probe_follow_up *out, size_t max);
	const char *help;
};

/* What the engine gives a probe. */
struct pctx {
	void *state;                     /* probe->state_size bytes */
	struct msw_record *rec;
	const struct msw_config *cfg;
	const struct msw_target *target;
	struct classify_ctx *cls;        /* classifier for this target (may be NULL) */
	unsigned attempt;                /* connection number for this target, from 0 */
	bool peer_closes;                /* the peer closes after what we sent last (e.g. MQTT
					  * DISCONNECT): the engine waits for its FIN instead of
					  * sending one (reset before every on_connected) */
	void *engine_priv;               /* engine's connection slot */
};

/* Engine services for probes. */
msw_err pctx_send(struct pctx *c, const void *p, size_t n);
void pctx_timer(struct pctx *c, uint32_t ms);   /* arm (or re-arm) the probe timer; 0 cancels */
uint64_t pctx_random(struct pctx *c);           /* per-scan CSPRNG-seeded generator */
int64_t pctx_now_ms(struct pctx *c);

extern const struct probe probe_mqtt;
extern const struct probe probe_tcp; /* depth tcp */
extern const struct probe probe_http;
extern const struct probe probe_smb;
extern const struct probe probe_amqp;
/* Every host-stage probe, NULL-terminated (depth host). */
extern const struct probe *const host_probes[];

#endif
