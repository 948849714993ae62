/* The PostgreSQL result source: the database's rows are copied once, at open, into a
 * private SQLite file (pg_copy_to_sqlite, the copy that stats and --resume read), and the
 * SQLite back end reads that copy. The file is made with mkstemp in $TMPDIR (else /tmp),
 * readable by its owner only, and removed at close. Everything rsource.c checks (caps, record shape) applies
 * to these rows as to any others. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "output/pg.h"
#include "output/rsource.h"

struct pgsrc {
	void *sq;            /* the SQLite back end's state over the copy */
	char path[512];
};

static bool pgs_claims(const char *source)
{
	return pg_is_url(source);
}

static msw_err pgs_open(const char *source, void **state, char *why, size_t whylen)
{
	struct pgsrc *p = calloc(1, sizeof(*p));
	int fd;

	if (!p) {
		snprintf(why, whylen, "out of memory");
		return MSW_ERR_NOMEM;
	}
	*state = p;
	const char *tmp = getenv("TMPDIR");
	int n = snprintf(p->path, sizeof(p->path), "%s/mqttsweep-source-XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
	if (n < 0 || (size_t)n >= sizeof(p->path) || (fd = mkstemp(p->path)) < 0) {
		p->path[0] = 0;
		snprintf(why, whylen, "cannot make a temporary file for the PostgreSQL copy");
		return MSW_ERR_IO;
	}
	close(fd);
	msw_err rc = pg_copy_to_sqlite(source, NULL, p->path, true);
	if (rc) {
		snprintf(why, whylen, "cannot read the PostgreSQL database (see the message above)");
		return rc;
	}
	return rsource_sqlite_ops.open(p->path, &p->sq, why, whylen);
}

static msw_err pgs_scans(void *state, msw_err (*cb)(void *arg, const struct rs_raw_scan *s),
			 void *arg, char *why, size_t whylen)
{
	struct pgsrc *p = state;

	return rsource_sqlite_ops.scans(p->sq, cb, arg, why, whylen);
}

static msw_err pgs_rows_begin(void *state, const char *scan_id, char *why, size_t whylen)
{
	struct pgsrc *p = state;

	return rsource_sqlite_ops.rows_begin(p->sq, scan_id, why, whylen);
}

static msw_err pgs_rows_next(void *state, size_t cap, const char **json, size_t *len,
			     bool *skipped, char *why, size_t whylen)
{
	struct pgsrc *p = state;

	return rsource_sqlite_ops.rows_next(p->sq, cap, json, len, skipped, why, whylen);
}

static void pgs_close(void *state)
{
	struct pgsrc *p = state;

	if (p->sq)
		rsource_sqlite_ops.close(p->sq);
	if (p->path[0]) {
		static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
		for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
			char f[sizeof(p->path) + 16];
			snprintf(f, sizeof(f), "%s%s", p->path, sfx[i]);
			unlink(f);
		}
	}
	free(p);
}

const struct rsource_ops rsource_pg_ops = {
	.name = "postgresql",
	.claims = pgs_claims,
	.open = pgs_open,
	.scans = pgs_scans,
	.rows_begin = pgs_rows_begin,
	.rows_next = pgs_rows_next,
	.close = pgs_close,
};
