/* Output sinks: thin writers over the one record model. Each sink is a const table.
 * write_record() gets a record to read through the field tables; write() gets a record as
 * parsed JSON (a tree: from a database, a --workers child, or a record that held a
 * secret); meta() gets the scan metadata record (at start and again, complete, at the
 * end). A failing sink makes the scan exit 3 after
 * the others are flushed. The sinks a configuration names are opened by output_open();
 * a sink given by its owner (the --workers pipe, engine/workers.c) by output_open_to(). */
#ifndef MSW_SINK_H
#define MSW_SINK_H
#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "base/err.h"

struct msw_config;
struct scan_stats;
struct msw_record;
struct sink;
struct sink_ops {
	const char *name;
	msw_err (*open)(struct sink *s, const char *path, const struct msw_config *cfg);
	msw_err (*write)(struct sink *s, const cJSON *rec);
	/* optional: the same record as its compact JSON text (n bytes, no newline); when
	 * every live sink has it (and the record holds no configured secret), no tree is
	 * built (output.c) */
	msw_err (*write_text)(struct sink *s, const char *json, size_t n);
	/* optional: the record itself, read by the sink through the field tables; when every
	 * live sink has it and the record holds no configured secret, output.c neither
	 * builds a tree nor writes the text once for all (ndjson, csv, html, text) */
	msw_err (*write_record)(struct sink *s, const struct msw_record *r);
	msw_err (*meta)(struct sink *s, const cJSON *meta, int final);
	msw_err (*flush)(struct sink *s);
	void (*close)(struct sink *s);
	/* optional: a host's records are all written (SQLite commits them with the marker
	 * and the host's share of the counts) */
	msw_err (*host_done)(struct sink *s, uint64_t index, const struct scan_stats *tally);
	/* optional: the scan's counts now and then (final 0) and once at the end (final 1) */
	msw_err (*stats)(struct sink *s, const struct scan_stats *st, int final);
};
struct sink {
	const struct sink_ops *ops;
	void *priv;
	const struct msw_config *cfg;
	void *arg; /* what output_open_to() was given for this sink, else NULL */
	const char *path; /* the file it writes, NULL for stdout or a relay */
	bool fresh;       /* open the file anew even on --resume (the resumed scan's rewrite) */
};

extern const struct sink_ops sink_ndjson;
extern const struct sink_ops sink_sqlite;
extern const struct sink_ops sink_pg;     /* --db postgresql://... (output/pg.c) */
extern const struct sink_ops sink_csv;
extern const struct sink_ops sink_html;
extern const struct sink_ops sink_text;   /* terminal summary */

#endif
