/* JSON lines sink: one mqttsweep.record/1 object per line, to stdout or -oJ FILE. Lines
 * are gathered whole in a buffer and written in one write() when it is full, when the
 * engine flushes (every 200 ms and at the end) or, on a terminal, at once; so a reader (or
 * a kill -9) never sees half a record from us, and a fast scan does not pay a syscall per
 * record. (A kill -9 loses at most the last 200 ms of lines here; the database sink, which
 * --resume reads, commits on its own schedule.) The scan metadata record is not written
 * here (see output.c). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef MSW_VERSION
#define MSW_VERSION "0.0.0"
#endif
#include "base/config.h"
#include "base/dbuf.h"
#include "output/jsonw.h"
#include "output/record.h"
#include "output/sink.h"

#define ND_FLUSH_AT (64 * 1024)          /* write once this much is gathered */
#define ND_LINE_MAX (256u * 1024 * 1024)   /* one record's text (cap of the buffer) */

struct nd {
	FILE *f;
	bool own;
	bool tty;          /* flush every line */
	struct dbuf out;   /* whole lines not yet written */
};

static bool nd_out(struct nd *n, const void *p, size_t len)
{
	return fwrite(p, 1, len, n->f) == len && fflush(n->f) == 0;
}

static bool nd_drain(struct nd *n)
{
	bool ok = n->out.len == 0 || nd_out(n, n->out.p, n->out.len);

	dbuf_reset(&n->out);
	return ok;
}

/* A scan killed in the middle of a line leaves a partial last line: cut it off before
 * appending, so every line stays one whole record. */
static void drop_partial_line(FILE *f)
{
	char buf[4096];
	long end, pos;

	if (fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) <= 0)
		return;
	for (pos = end; pos > 0;) {
		long chunk = pos > (long)sizeof(buf) ? (long)sizeof(buf) : pos;
		size_t got;

		pos -= chunk;
		if (fseek(f, pos, SEEK_SET) != 0)
			return;
		got = fread(buf, 1, (size_t)chunk, f);
		for (size_t i = got; i-- > 0;) {
			if (buf[i] != '\n')
				continue;
			if (pos + (long)i + 1 < end && ftruncate(fileno(f), pos + (long)i + 1) != 0)
				return;
			fseek(f, 0, SEEK_END);
			return;
		}
	}
	if (ftruncate(fileno(f), 0) == 0)
		fseek(f, 0, SEEK_END);
}

static msw_err nd_open(struct sink *s, const char *path, const struct msw_config *cfg)
{
	struct nd *n = calloc(1, sizeof(*n));

	if (!n)
		return MSW_ERR_NOMEM;
	if (!path || strcmp(path, "-") == 0) {
		n->f = stdout;
	} else {
		/* --resume continues the same files: append, never truncate */
		bool append = cfg && cfg->resume_db && !s->fresh;

		n->f = fopen(path, append ? "a+" : "w");
		n->own = true;
		if (!n->f) {
			free(n);
			return MSW_ERR_IO;
		}
		if (append)
			drop_partial_line(n->f);
	}
	n->tty = isatty(fileno(n->f));
	dbuf_init(&n->out, ND_LINE_MAX);
	s->priv = n;
	return MSW_OK;
}

/* Append one line: the record walked straight into the buffer, or the tree through
 * jsonw, or the text as it is, then a newline. When the buffer has no room behind earlier
 * lines, write those first. */
static msw_err nd_line(struct sink *s, const struct msw_record *r, const cJSON *rec,
		       const char *json, size_t len)
{
	struct nd *n = s->priv;
	size_t mark = n->out.len;
	msw_err rc = r     ? record_text(r, MSW_VERSION, &n->out)
		     : rec ? jsonw_append(&n->out, rec)
			   : dbuf_append(&n->out, json, len);

	if (!rc && (rc = dbuf_append(&n->out, "\n", 1)) != MSW_OK)
		n->out.len = mark;
	if (rc == MSW_ERR_TOO_BIG && mark) {   /* no room behind earlier lines: write them */
		if (!nd_drain(n))
			return MSW_ERR_IO;
		return nd_line(s, r, rec, json, len);
	}
	if (rc)
		return rc;
	if ((n->tty || n->out.len >= ND_FLUSH_AT) && !nd_drain(n))
		return MSW_ERR_IO;
	return MSW_OK;
}

static msw_err nd_write(struct sink *s, const cJSON *rec)
{
	return nd_line(s, NULL, rec, NULL, 0);
}

static msw_err nd_write_text(struct sink *s, const char *json, size_t len)
{
	return nd_line(s, NULL, NULL, json, len);
}

static msw_err nd_write_record(struct sink *s, const struct msw_record *r)
{
	return nd_line(s, r, NULL, NULL, 0);
}

static msw_err nd_flush(struct sink *s)
{
	struct nd *n = s->priv;
	bool ok = nd_drain(n);

	return ok && fflush(n->f) == 0 && !ferror(n->f) ? MSW_OK : MSW_ERR_IO;
}

static void nd_close(struct sink *s)
{
	struct nd *n = s->priv;

	if (!n)
		return;
	nd_drain(n);
	dbuf_free(&n->out);
	if (n->own)
		fclose(n->f);
	else
		fflush(n->f);
	free(n);
	s->priv = NULL;
}

const struct sink_ops sink_ndjson = {
	.name = "json",
	.open = nd_open,
	.write = nd_write,
	.write_text = nd_write_text,
	.write_record = nd_write_record,
	.meta = NULL,
	.flush = nd_flush,
	.close = nd_close,
};
