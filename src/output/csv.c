/* CSV sink (--csv FILE): one row per finding; a service with no finding gets one row with
 * the finding columns empty. Every cell goes through escape_csv_cell(): always quoted
 * (RFC 4180), and a cell that would start with = + - @ TAB or CR gets a leading
 * apostrophe so a spreadsheet never evaluates a broker-chosen topic as a formula. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output/escape.h"
#include "output/jget.h"
#include "base/config.h"
#include "output/sink.h"

struct csv {
	FILE *f;
	bool bad;
};

static const char *const columns[] = {
	"scan_id", "timestamp", "ip", "port", "hostname", "transport", "probe", "status",
	"mqtt", "mqtt_version", "auth", "auth_identity", "read_access", "write_access", "broker_product",
	"broker_version", "topic_count", "sys_topic_count", "finding_id", "category", "severity", "confidence",
	"cwe", "topic", "title", "evidence", "remediation", "reproduce", NULL
};

static void cell(struct csv *c, const char *s, bool first)
{
	char *e = escape_csv_s(s ? s : "");

	if (!e) {
		c->bad = true;
		return;
	}
	if ((!first && fputc(',', c->f) == EOF) || fputs(e, c->f) == EOF)
		c->bad = true;
	free(e);
}

static void cell_num(struct csv *c, const cJSON *o, const char *k)
{
	const cJSON *v = jget(o, k);
	char b[32] = "";

	if (cJSON_IsNumber(v))
		snprintf(b, sizeof(b), "%.0f", v->valuedouble);
	else if (cJSON_IsBool(v))
		snprintf(b, sizeof(b), "%s", cJSON_IsTrue(v) ? "true" : "false");
	cell(c, b, false);
}

static void end_row(struct csv *c)
{
	if (fputs("\r\n", c->f) == EOF)
		c->bad = true;
}

static msw_err csv_open(struct sink *s, const char *path, const struct msw_config *cfg)
{
	struct csv *c = calloc(1, sizeof(*c));

	if (!c)
		return MSW_ERR_NOMEM;
	/* --resume continues the same file: append, header only when it is empty */
	c->f = fopen(path, cfg && cfg->resume_db && !s->fresh ? "a" : "w");
	if (!c->f) {
		free(c);
		return MSW_ERR_IO;
	}
	s->priv = c;
	if (fseek(c->f, 0, SEEK_END) == 0 && ftell(c->f) > 0)
		return MSW_OK;
	for (int i = 0; columns[i]; i++)
		cell(c, columns[i], i == 0);
	end_row(c);
	return c->bad ? MSW_ERR_IO : MSW_OK;
}

static void service_cells(struct csv *c, const cJSON *r)
{
	const cJSON *b = jget(r, "broker");
	bool b64;

	cell(c, jstr(r, "scan_id"), true);
	cell(c, jstr(r, "timestamp"), false);
	cell(c, jstr(r, "ip"), false);
	cell_num(c, r, "port");
	cell(c, jstr_or_b64(r, "hostname", &b64), false);
	cell(c, jstr(r, "transport"), false);
	cell(c, jstr(r, "probe"), false);
	cell(c, jstr(r, "status"), false);
	cell_num(c, r, "mqtt");
	cell(c, jstr(r, "mqtt_version"), false);
	cell(c, jstr(r, "auth"), false);
	cell(c, jstr_or_b64(r, "auth_identity", &b64), false);
	cell(c, jstr(r, "read_access"), false);
	cell(c, jstr(r, "write_access"), false);
	cell(c, jstr_or_b64(b, "product", &b64), false);
	cell(c, jstr_or_b64(b, "version", &b64), false);
	cell_num(c, jget(r, "topics"), "count");
	cell_num(c, jget(r, "topics"), "sys_count");
}

static void finding_cells(struct csv *c, const cJSON *f)
{
	bool b64 = false;
	const char *t = jstr_or_b64(f, "topic", &b64);

	cell(c, jstr(f, "id"), false);
	cell(c, jstr(f, "category"), false);
	cell(c, jstr(f, "severity"), false);
	cell(c, jstr(f, "confidence"), false);
	cell_num(c, f, "cwe");
	if (b64 && t) {
		/* mark base64 so it is not mistaken for the topic text */
		size_t n = strlen(t) + 8;
		char *both = malloc(n);

		if (both) {
			snprintf(both, n, "base64:%s", t);
			cell(c, both, false);
			free(both);
		} else {
			c->bad = true;
		}
	} else {
		cell(c, t, false);
	}
	cell(c, jstr_or_b64(f, "title", NULL), false);
	cell(c, jstr_or_b64(f, "evidence", NULL), false);
	cell(c, jstr_or_b64(f, "remediation", NULL), false);
	cell(c, jstr_or_b64(f, "reproduce", NULL), false);
}

static msw_err csv_write(struct sink *s, const cJSON *rec)
{
	struct csv *c = s->priv;
	const cJSON *f, *arr = jget(rec, "findings");
	int n = 0;

	cJSON_ArrayForEach(f, arr) {
		service_cells(c, rec);
		finding_cells(c, f);
		end_row(c);
		n++;
	}
	if (!n) {
		service_cells(c, rec);
		for (int i = 0; i < 10; i++)
			cell(c, "", false);
		end_row(c);
	}
	if (fflush(c->f) != 0)
		c->bad = true;
	return c->bad ? MSW_ERR_IO : MSW_OK;
}

static msw_err csv_flush(struct sink *s)
{
	struct csv *c = s->priv;

	return fflush(c->f) == 0 && !c->bad ? MSW_OK : MSW_ERR_IO;
}

static void csv_close(struct sink *s)
{
	struct csv *c = s->priv;

	if (!c)
		return;
	fclose(c->f);
	free(c);
	s->priv = NULL;
}

const struct sink_ops sink_csv = {
	.name = "csv",
	.open = csv_open,
	.write = csv_write,
	.flush = csv_flush,
	.close = csv_close,
};
