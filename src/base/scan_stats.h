/* The engine's running counts of a scan: filled by the engine (and summed over worker
 * processes), read by the output for the progress line and the scan metadata.
 *
 * Populations (docs/records.md, "counts"):
 *   - targets_tried: targets of the target list (host × --ports, what -sL lists) that the
 *     engine started. Each ends with exactly one outcome, so outcome[] is a partition of
 *     targets_tried: the outcomes never overlap and always add up to it.
 *   - probe_tried / probe_outcome[]: the same for the ports the depth-host probes add
 *     (dashboards, shares, MQTT over WebSocket found there), kept apart so "targets tried"
 *     means what the user listed.
 *   - connected (probe_connected): of targets_tried (probe_tried), those whose TCP
 *     connection was made (this cuts across the outcomes: a connected target can end in
 *     any outcome but refused and no_answer).
 *   - mqtt and its auth split: targets that spoke MQTT; anonymous, any_credentials,
 *     authenticated and auth_required never overlap (the rest is reported as "other").
 *   - blocklisted / unresolved: hosts never tried. */
#ifndef MSW_SCAN_STATS_H
#define MSW_SCAN_STATS_H
#include <stdbool.h>
#include <stdint.h>

/* How a tried target ended (zgrab2 statuses folded into what a reader asks). */
enum scan_outcome {
	SO_SUCCESS,     /* success: the probe ran to its end */
	SO_REFUSED,     /* connection-refused */
	SO_NO_ANSWER,   /* connection-timeout: nothing answered the TCP handshake */
	SO_TIMED_OUT,   /* io-timeout: connected, then silence past a deadline */
	SO_CLOSED,      /* connection-closed: the peer hung up before the probe finished */
	SO_ERRORS,      /* handshake-error (TLS/WebSocket), protocol-error, application-error,
			 * invalid-inputs, unknown-error */
	SO_INTERRUPTED, /* interrupted by SIGINT/SIGTERM */
	SO__COUNT
};

/* Names of the outcomes in the metadata, in enum order. */
#define SCAN_OUTCOME_NAMES                                                                 \
	{ "success", "refused", "no_answer", "timed_out", "closed", "errors", "interrupted" }

/* Every plain counter, once: summed over worker processes, sent over their pipes. */
#define SCAN_STATS_COUNTERS(X)                                                             \
	X(hosts) X(targets_tried) X(probe_tried) X(connected) X(probe_connected)          \
	X(blocklisted) X(unresolved)                                                       \
	X(mqtt) X(anonymous) X(any_credentials) X(authenticated) X(auth_required)         \
	X(with_credentials) X(findings) X(records) X(skipped)                             \
	X(retried) X(retried_ok) X(slowdowns)

/* Severity slots of findings_by_severity (enum msw_severity: info .. critical). */
#define SCAN_SEVERITIES 5

struct scan_stats {
	uint64_t hosts;            /* hosts handed to the engine (probed or unresolved) */
	uint64_t targets_tried;    /* listed targets started */
	uint64_t probe_tried;      /* depth-host probe ports started */
	uint64_t outcome[SO__COUNT];       /* partition of targets_tried */
	uint64_t probe_outcome[SO__COUNT]; /* partition of probe_tried */
	uint64_t connected;        /* listed targets whose TCP connection was made */
	uint64_t probe_connected;  /* the same for the depth-host probe ports */
	uint64_t blocklisted, unresolved;  /* hosts */
	uint64_t mqtt, anonymous, any_credentials, authenticated, auth_required;
	uint64_t with_credentials; /* targets started with a username (-u or a URL's) */
	uint64_t findings, records;
	/* findings per severity, indexed by enum msw_severity (info .. critical; the output
	 * layer's record.h owns the enum): what --fail-on judges */
	uint64_t findings_by_severity[SCAN_SEVERITIES];
	uint64_t skipped;          /* listed targets never started (blocklisted, unresolved) */
	/* retried: timed-out connects tried again (--retries); retried_ok: of which connected
	 * or were refused (the first attempt was lost, not the host silent); slowdowns: times
	 * the engine halved its window of connects in flight after lost SYNs (engine/retry.c) */
	uint64_t retried, retried_ok, slowdowns;
	int64_t last_deadline_us;  /* wall clock when the newest target in flight must end, 0 =
				    * none in flight (the progress line's bound) */
	int64_t start_us, end_us;
};

struct cJSON;
/* The counts as one flat JSON object (counters by name, the outcome partitions as arrays
 * in enum order, last_deadline_us): how worker processes send them to the parent and how
 * the database keeps a finished host's tally for --resume. Zero counters are left out. */
struct cJSON *scan_stats_json(const struct scan_stats *st);
/* Read that object back into *st (replaced whole; counters outside uint64_t's range are
 * left at 0). */
void scan_stats_from_json(struct scan_stats *st, const struct cJSON *o);
/* sum += a (counters and outcomes; the later deadline; start/end untouched). */
void scan_stats_add(struct scan_stats *sum, const struct scan_stats *a);

static inline uint64_t scan_stats_finished(const struct scan_stats *st)
{
	uint64_t n = 0;

	for (int i = 0; i < SO__COUNT; i++)
		n += st->outcome[i];
	return n;
}

static inline uint64_t scan_stats_in_flight(const struct scan_stats *st)
{
	uint64_t done = scan_stats_finished(st), tried = st->targets_tried + st->probe_tried;

	for (int i = 0; i < SO__COUNT; i++)
		done += st->probe_outcome[i];
	return tried > done ? tried - done : 0;
}

#endif
