/* The output fan-out: owns the sinks chosen by the configuration (terminal summary or
 * JSON lines on stdout, -oJ, --db, --csv, --html, --metadata-file) and the scan metadata
 * record. output_record() converts a record once (record_to_json) and gives it to every
 * sink. A sink failure is remembered (exit 3) and the other sinks go on. */
#ifndef MSW_OUTPUT_H
#define MSW_OUTPUT_H
#include <stdbool.h>
#include <cjson/cJSON.h>
#include "core/err.h"

struct msw_config;
struct msw_record;
struct scan_stats;
struct output;

msw_err output_open(const struct msw_config *cfg, const char *scan_id, uint64_t seed,
		    struct output **out);
msw_err output_record(struct output *o, struct msw_record *r);
msw_err output_json(struct output *o, const cJSON *rec);    /* already-built record (workers) */
void output_progress(struct output *o, const struct scan_stats *st, uint64_t total);
msw_err output_finish(struct output *o, const struct scan_stats *st, int exit_code);
void output_close(struct output *o);
bool output_failed(const struct output *o);

#endif
