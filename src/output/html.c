/* HTML report sink (--html FILE): the same page `mqttsweep report` writes (report.h), fed
 * with the records as they come. The page is rewritten (to FILE.tmp, then renamed) at most
 * every REWRITE_US while the scan runs and once at the end, so a killed scan still leaves a
 * readable report of what it had. With --resume the interrupted scan's records are read
 * back from the database first, so the page covers the whole scan. A scan's records come
 * as records (write_record: read through the field tables), a database's as parsed JSON
 * (write); both make the same page. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/config.h"
#include "output/jget.h"
#include "output/report.h"
#include "output/report_src.h"
#include "output/sink.h"

#define REWRITE_US 5000000

struct html {
	char *path;
	struct report *rep;
	int64_t written_us;
	uint64_t written_records;
	bool resumed;
};

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static msw_err html_open(struct sink *s, const char *path, const struct msw_config *cfg)
{
	struct html *h = calloc(1, sizeof(*h));
	msw_err rc;

	(void)cfg;
	if (!h)
		return MSW_ERR_NOMEM;
	h->path = strdup(path);
	if (!h->path || report_new(&h->rep)) {
		free(h->path);
		free(h);
		return MSW_ERR_NOMEM;
	}
	s->priv = h;
	/* an empty page now: the path is writable, and a reader finds a report at once */
	rc = report_write_file(h->rep, h->path);
	h->written_us = now_us();
	return rc;
}

static msw_err rewrite(struct html *h)
{
	h->written_us = now_us();
	h->written_records = report_records(h->rep);
	return report_write_file(h->rep, h->path);
}

static msw_err html_write(struct sink *s, const cJSON *r)
{
	struct html *h = s->priv;

	report_add(h->rep, r);
	if (now_us() - h->written_us >= REWRITE_US)
		return rewrite(h);
	return MSW_OK;
}

static msw_err html_write_record(struct sink *s, const struct msw_record *r)
{
	struct html *h = s->priv;
	/* as write(): a record the report cannot use is left out; a table it cannot read
	 * (a path not found) is a fault */
	if (report_add_record(h->rep, r) == MSW_ERR_INTERNAL)
		return MSW_ERR_INTERNAL;
	if (now_us() - h->written_us >= REWRITE_US)
		return rewrite(h);
	return MSW_OK;
}

static msw_err html_meta(struct sink *s, const cJSON *m, int final)
{
	struct html *h = s->priv;
	const char *id = jstr(m, "scan_id");
	char why[256];

	if (!final && id && s->cfg && s->cfg->resume_db && !h->resumed) {
		h->resumed = true;
		if (report_load(h->rep, s->cfg->resume_db, id, NULL, why, sizeof(why)))
			fprintf(stderr, "mqttsweep: --html: the resumed scan's earlier records "
					"were not read: %s\n", why);
	}
	if (id)
		report_set_origin(h->rep, NULL, id);
	return final ? rewrite(h) : MSW_OK;
}

static msw_err html_flush(struct sink *s)
{
	struct html *h = s->priv;

	if (report_records(h->rep) != h->written_records &&
	    now_us() - h->written_us >= REWRITE_US)
		return rewrite(h);
	return MSW_OK;
}

static void html_close(struct sink *s)
{
	struct html *h = s->priv;

	if (!h)
		return;
	if (report_records(h->rep) != h->written_records)
		rewrite(h);
	report_free(h->rep);
	free(h->path);
	free(h);
	s->priv = NULL;
}

const struct sink_ops sink_html = {
	.name = "html",
	.open = html_open,
	.write = html_write,
	.write_record = html_write_record,
	.meta = html_meta,
	.flush = html_flush,
	.close = html_close,
};
