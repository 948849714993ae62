/* The output fan-out: owns the sinks chosen by the configuration (terminal summary or
 * JSON lines on stdout, -oJ, --db, --csv, --html, --metadata-file) and the scan metadata
 * record. output_record() converts a record once (record_to_json) and gives it to every
 * sink. A sink failure is remembered (exit 3) and the other sinks go on. */
#ifndef MSW_OUTPUT_H
#define MSW_OUTPUT_H
#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "base/err.h"
#include "base/scan_stats.h"

struct msw_config;
struct msw_record;
struct scan_stats;
struct output;

struct sink_ops;

msw_err output_open(const struct msw_config *cfg, const char *scan_id, uint64_t seed,
		    struct output **out);
/* An output whose one sink is ops (opened with no path; arg reaches it as sink.arg), and
 * nothing else: no scan metadata (neither meta() nor --metadata-file), no progress line,
 * no secret scrubbing. For a --workers child, whose records, host markers and counts go
 * to the parent's output, which does all of that. */
msw_err output_open_to(const struct msw_config *cfg, const struct sink_ops *ops, void *arg,
		       struct output **out);
msw_err output_record(struct output *o, struct msw_record *r);
msw_err output_json(struct output *o, const cJSON *rec);    /* already-built record (workers) */
/* A host (target-space index) is finished: every record of it has been given. The SQLite
 * sink commits the host's records and this marker in one transaction, so --resume after
 * kill -9 neither skips nor repeats a host. */
msw_err output_host_done(struct output *o, uint64_t index, const struct scan_stats *tally);
/* Whether any sink keeps host markers (a database): without one, output_host_done does nothing
 * and a caller may skip preparing its arguments (the worker processes do). */
bool output_wants_host_done(const struct output *o);
/* What --resume learns about the scan besides its identity. */
struct resume_info {
	struct scan_stats base; /* the counts of the hosts already finished (their tallies) */
	bool finished;          /* the scan ran to its end: there is nothing to resume */
};
/* Which scan --resume continues when a database holds several (the shards of a run):
 * the one whose metadata has this run id and this shard ("K/N"); NULL fields match any
 * scan. */
struct resume_pick {
	const char *run_id;
	const char *shard;
};
/* --resume: scan id, seed and original arguments of the scan to continue, its done set,
 * and *info. pick NULL (or both fields NULL): the most recent scan (PostgreSQL: the most
 * recent that did not finish, else the most recent). With a pick: of the scans it
 * matches, the most recent that did not finish, else the most recent; none matching is
 * MSW_ERR_USAGE (message on stderr). */
msw_err output_resume_load(const char *db, const struct resume_pick *pick, char **scan_id,
			   uint64_t *seed, cJSON **argv_echo,
			   bool (**is_done)(void *arg, uint64_t index), void **arg,
			   struct resume_info *info);
void output_progress(struct output *o, const struct scan_stats *st, uint64_t total);
msw_err output_finish(struct output *o, const struct scan_stats *st, int exit_code);
void output_close(struct output *o);
bool output_failed(const struct output *o);

/* Added by the output part (additive):
 * output_set_argv(): the raw command line, echoed in the scan metadata (and stored for
 *   --resume) with secret option values and URL passwords replaced by "***". Call before
 *   output_open(). The strings are copied.
 * output_resume_free(): frees the done set returned through output_resume_load()'s arg.
 * output_build_meta(): the scan metadata record ("mqttsweep.scan/1"), for tests/tools. */
void output_set_argv(int argc, char **argv);
/* "scheme://user:pass@host..." → "scheme://user:***@host...", a malloc'ed copy (the
 * argv echo, the options echo of database URLs). */
char *output_mask_url(const char *a);
/* The options echo of the metadata record comes from the application's option table
 * (the output layer does not know the options): register its echo function. Without one
 * the metadata's "options" is null. */
void output_set_options_echo(cJSON *(*echo)(const struct msw_config *cfg));
void output_resume_free(void *arg);
cJSON *output_build_meta(struct output *o, const struct scan_stats *st, int final, int exit_code);

#endif
