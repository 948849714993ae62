/* JSON lines sink: one mqttsweep.record/1 object per line, to stdout or -oJ FILE. Each
 * line is written whole and flushed at once, so a reader (or a kill -9) never sees half a
 * record from us. The scan metadata record is not written here (see output.c). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "core/config.h"
#include "output/sink.h"

struct nd {
	FILE *f;
	bool own;
};

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
		n->f = fopen(path, cfg && cfg->resume_db ? "a+" : "w");
		n->own = true;
		if (!n->f) {
			free(n);
			return MSW_ERR_IO;
		}
		if (cfg && cfg->resume_db)
			drop_partial_line(n->f);
	}
	s->priv = n;
	return MSW_OK;
}

static msw_err nd_write(struct sink *s, const cJSON *rec)
{
	struct nd *n = s->priv;
	char *txt = cJSON_PrintUnformatted(rec);
	size_t len;
	int bad;

	if (!txt)
		return MSW_ERR_NOMEM;
	len = strlen(txt);
	bad = fwrite(txt, 1, len, n->f) != len || fputc('\n', n->f) == EOF || fflush(n->f) != 0;
	cJSON_free(txt);
	return bad ? MSW_ERR_IO : MSW_OK;
}

static msw_err nd_flush(struct sink *s)
{
	struct nd *n = s->priv;

	return fflush(n->f) == 0 && !ferror(n->f) ? MSW_OK : MSW_ERR_IO;
}

static void nd_close(struct sink *s)
{
	struct nd *n = s->priv;

	if (!n)
		return;
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
	.meta = NULL,
	.flush = nd_flush,
	.close = nd_close,
};
