/* Result sources: read back what a scan stored (a SQLite file today; further back ends
 * plug in as another `struct rsource_ops`), list its scans and runs, and iterate the
 * records of one scan, one run or all of them as parsed cJSON records.
 *
 * A stored database is input like any other: it may be truncated, written by another
 * version, or edited by hand. Back ends hand over raw rows; this layer caps them
 * (RS_RECORD_MAX bytes of JSON, RS_SCANS_MAX scans, RS_TEXT_MAX for ids and times),
 * parses them with cJSON and checks the shape every consumer relies on (an object with a
 * string `kind`, a string `ip` and an integer `port` in 0..65535). A row that fails is
 * skipped and counted (rsource_skipped()), never returned; a back end that fails (I/O,
 * a corrupt file) ends the iteration with an error and a reason in rsource_why().
 *
 * Usage:
 *   struct rsource *rs;
 *   char why[256];
 *   if (rsource_open(path_or_url, &rs, why, sizeof(why))) { ...print why... }
 *   struct rs_select sel = {.pick = RS_PICK_RUN, .id = "run-42"};
 *   if (rsource_select(rs, &sel)) { ...rsource_why(rs)... }
 *   cJSON *rec;
 *   while (!(rc = rsource_next(rs, &rec)) && rec) { ...; cJSON_Delete(rec); }
 *   rsource_close(rs);
 */
#ifndef MSW_RSOURCE_H
#define MSW_RSOURCE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "base/err.h"

#define RS_RECORD_MAX (8u << 20) /* bytes of one stored record's JSON */
#define RS_META_MAX (1u << 20)   /* bytes of one scan's stored metadata JSON */
#define RS_SCANS_MAX 1000000u    /* scans listed from one source */
#define RS_TEXT_MAX 256u         /* bytes of a scan id, run id, time or version kept */

/* One stored scan. Strings are NUL-terminated copies (at most RS_TEXT_MAX bytes, cut
 * otherwise), NULL when the source has none. */
struct rs_scan {
	char *scan_id;      /* never NULL */
	char *run_id;       /* the metadata's run_id: shards of one run share it */
	char *shard;        /* the metadata's shard ("K/N"), NULL for an unsharded scan */
	char *started;      /* RFC 3339, as stored */
	char *ended;        /* NULL while running or after a kill */
	char *tool_version;
	int64_t exit_code;  /* -1 when unknown */
	int64_t records;    /* stored records (services and host summaries) */
};

/* What to iterate. RS_PICK_LATEST: the scan that started last (ties: stored last);
 * RS_PICK_SCAN: the scan `id`; RS_PICK_RUN: every scan whose run_id is `id`, where a
 * shard stored more than once (a re-run under a new scan id) counts only with the scan
 * of it that started last; RS_PICK_ALL: every scan, oldest first. */
enum rs_pick { RS_PICK_LATEST, RS_PICK_SCAN, RS_PICK_RUN, RS_PICK_ALL };

struct rs_select {
	enum rs_pick pick;
	const char *id; /* scan id or run id for RS_PICK_SCAN / RS_PICK_RUN */
};

/* A back end: hands over raw rows; it never parses records. Strings it passes to a
 * callback or returns from rows_next stay valid until its next call. */
struct rs_raw_scan {
	const char *scan_id, *started, *ended, *tool_version;
	const char *meta;    /* the scan metadata JSON text, or NULL */
	size_t meta_len;
	int64_t exit_code;   /* -1 when NULL */
	int64_t records;
};

struct rsource_ops {
	const char *name;                        /* "sqlite", ... */
	bool (*claims)(const char *source);      /* this back end reads `source` */
	msw_err (*open)(const char *source, void **state, char *why, size_t whylen);
	/* Calls cb once per scan, in the order they were stored. A non-zero return of cb
	 * stops the walk and is returned. */
	msw_err (*scans)(void *state, msw_err (*cb)(void *arg, const struct rs_raw_scan *s),
			 void *arg, char *why, size_t whylen);
	/* Starts the rows of one scan, in the order they were stored. */
	msw_err (*rows_begin)(void *state, const char *scan_id, char *why, size_t whylen);
	/* Next row: *json NULL at the end. A row whose JSON exceeds `cap` bytes (or is not
	 * text) comes back with *json NULL and *skipped true. */
	msw_err (*rows_next)(void *state, size_t cap, const char **json, size_t *len,
			     bool *skipped, char *why, size_t whylen);
	void (*close)(void *state);
};

extern const struct rsource_ops rsource_sqlite_ops;
extern const struct rsource_ops rsource_pg_ops; /* postgresql:// and postgres:// URLs */

struct rsource;

/* Opens SOURCE with the first back end that claims it (a postgresql:// or postgres:// URL:
 * PostgreSQL; a path: SQLite, read-only) and
 * reads its scan list. On failure *why says why (MSW_ERR_IO, MSW_ERR_MALFORMED: not a
 * mqttsweep database, MSW_ERR_TOO_BIG: more than RS_SCANS_MAX scans). */
msw_err rsource_open(const char *source, struct rsource **out, char *why, size_t whylen);
void rsource_close(struct rsource *rs);

/* The scans, in stored order; valid until rsource_close. */
const struct rs_scan *rsource_scans(const struct rsource *rs, size_t *n);

/* One run: the scans that share a run_id. */
struct rs_run {
	const char *run_id;   /* points into the scan list */
	uint32_t scans;       /* stored scans with this run id (re-runs included) */
	uint32_t shards;      /* distinct shard values among them (0: none sharded) */
	uint32_t shard_count; /* N of the shards' "K/N" when they all agree, else 0 */
	int64_t records;      /* records a RS_PICK_RUN selection of it reads */
};

/* The runs of the source, ordered by run id, into a malloc'ed array (*runs, the caller
 * frees it; NULL when there is none). Scans without a run id are not runs. */
msw_err rsource_runs(const struct rsource *rs, struct rs_run **runs, size_t *n);

/* Picks what rsource_next iterates (may be called again to start over). MSW_ERR_USAGE
 * when the scan or run does not exist or the source holds no scan. */
msw_err rsource_select(struct rsource *rs, const struct rs_select *sel);

/* The scans the last rsource_select covers (pointers into rsource_scans()). */
const struct rs_scan *const *rsource_selected(const struct rsource *rs, size_t *n);

/* Next record of the selection: MSW_OK with *rec set (the caller deletes it), MSW_OK with
 * *rec NULL at the end, or the back end's error (reason in rsource_why()). */
msw_err rsource_next(struct rsource *rs, cJSON **rec);

/* Rows skipped since the last rsource_select: too large, not JSON, wrong shape. */
uint64_t rsource_skipped(const struct rsource *rs);
const char *rsource_why(const struct rsource *rs);
const char *rsource_backend(const struct rsource *rs);

/* The record shape every consumer relies on (see above); exposed for tests. */
bool rsource_record_ok(const cJSON *rec);

#endif
