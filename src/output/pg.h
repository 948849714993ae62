/* PostgreSQL as a sink (--db postgresql://...) and as a source (--resume, stats, export):
 * the same tables and columns as the SQLite sink, plus the run a row belongs to, so that
 * the shards of one run (docs/distributed.md) write into one database and a shard that
 * runs again replaces its rows instead of adding them. */
#ifndef MSW_PG_H
#define MSW_PG_H
#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "base/err.h"

/* "postgresql://..." or "postgres://..." (a libpq URI); anything else is a SQLite path. */
bool pg_is_url(const char *s);

/* --resume from PostgreSQL: of the scans pick matches (output.h; NULL: every scan), the
 * most recent that did not finish (no end, or ended by a signal), else the most recent;
 * its seed and argv echo, and the set of hosts it has finished. */
struct resume_info;
struct resume_pick;
msw_err pg_resume_load(const char *url, const struct resume_pick *pick, char **scan_id,
		       uint64_t *seed, cJSON **argv_echo,
		       bool (**is_done)(void *arg, uint64_t index), void **arg,
		       struct resume_info *info);

/* stats and export: copy the rows of the scans that match filter (a scan id or a run id;
 * NULL = every scan) into the SQLite database at path (an empty file or none), with the
 * SQLite sink's tables, so that the SQLite readers serve both; rows false: only the scans
 * and done tables (--resume). Returns MSW_ERR_USAGE (message on stderr) when the server
 * cannot be reached or holds no mqttsweep tables. */
msw_err pg_copy_to_sqlite(const char *url, const char *filter, const char *path, bool rows);

/* The services columns after id and scan_id, in table order (NULL-terminated), of both
 * database sinks: the record field each is read from by its path in the record tables
 * (output/rpath.h; finding_count and worst_severity are the envelope's derived rows; NULL:
 * the whole record as json) and its type ('t' text, 'i' integer). */
struct pg_col {
	const char *column, *path;
	char type;
};
extern const struct pg_col pg_services_cols[];

#endif
