/* The scan engine: one epoll loop, preallocated connection slots, a timing wheel for
 * per-connection deadlines (connect, idle, total), a token-bucket rate limiter and a
 * per-address connection cap. It pulls hosts from the target iterator, runs the probes
 * on each port, and hands finished records to the output. */
#ifndef MSW_ENGINE_H
#define MSW_ENGINE_H
#include <stdbool.h>
#include <stdint.h>
#include "base/err.h"
#include "base/scan_stats.h"

struct msw_config;
struct target_iter;
struct output;

/* Runs until the iterator is exhausted and every target finished, or a stop signal.
 * Returns MSW_OK, MSW_ERR_INTERRUPTED (signal) or MSW_ERR_SINK. */
msw_err engine_run(const struct msw_config *cfg, struct target_iter *it, struct output *out,
		   struct scan_stats *stats);
/* Scan identity, set by main before engine_run: the scan id copied into every record and
 * the permutation seed (the --workers children re-open the target iterator with it). */
extern char msw_scan_id[40];
void engine_set_scan(const char *scan_id, uint64_t seed);
/* --resume with --workers: the same done-set callback main gives targets_set_skip(); each
 * worker process applies it to the iterator it opens (call before engine_run). */
void engine_set_skip(bool (*done)(void *arg, uint64_t index), void *arg);

/* Async-signal-safe request to stop (SIGINT/SIGTERM handler). A second request ends the
 * grace period at once. */
void engine_request_stop(int signo);
int engine_stop_signal(void);

#endif
