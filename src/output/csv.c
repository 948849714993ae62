/* CSV sink (--csv FILE): one row per finding; a service with no finding gets one row with
 * the finding columns empty. Every cell goes through escape_csv_cell(): always quoted
 * (RFC 4180), and a cell that would start with = + - @ TAB or CR gets a leading
 * apostrophe so a spreadsheet never evaluates a broker-chosen topic as a formula.
 *
 * Two entry points write the same rows: write_record() reads the record through the field
 * tables (the columns' rows found once at open, fields_get_path() per record), write()
 * reads a parsed record (the rows a database gives back when a resumed scan's file is
 * written anew). A text value is a cell when it is text (valid UTF-8 without NUL); peer
 * text that is not (hostname, auth_identity, broker product and version, finding texts)
 * shows its base64, as the JSON's "<name>_b64" holds it, and a finding's topic is marked
 * "base64:" then. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output/escape.h"
#include "output/jget.h"
#include "base/config.h"
#include "output/record.h"
#include "output/sink.h"

/* How a column's value becomes a cell. */
enum col_how {
	C_TEXT,     /* text, else empty */
	C_TEXT_B64, /* text, else its base64 */
	C_TOPIC,    /* text, else "base64:" + its base64 */
	C_NUM,      /* a number (a bool as true/false), else empty */
};

struct col {
	const char *path;
	enum col_how how;
};

/* The service columns, then the finding columns (paths in a finding), in file order. */
static const struct col service_cols[] = {
	{"scan_id", C_TEXT}, {"timestamp", C_TEXT}, {"ip", C_TEXT}, {"port", C_NUM},
	{"hostname", C_TEXT_B64}, {"transport", C_TEXT}, {"probe", C_TEXT}, {"status", C_TEXT},
	{"mqtt", C_NUM}, {"mqtt_version", C_TEXT}, {"auth", C_TEXT},
	{"auth_identity", C_TEXT_B64}, {"read_access", C_TEXT}, {"write_access", C_TEXT},
	{"broker.product", C_TEXT_B64}, {"broker.version", C_TEXT_B64}, {"topics.count", C_NUM},
	{"topics.sys_count", C_NUM},
};
static const struct col finding_cols[] = {
	{"id", C_TEXT}, {"category", C_TEXT}, {"severity", C_TEXT}, {"confidence", C_TEXT},
	{"cwe", C_NUM}, {"topic", C_TOPIC}, {"title", C_TEXT_B64}, {"evidence", C_TEXT_B64},
	{"remediation", C_TEXT_B64}, {"reproduce", C_TEXT_B64},
};
#define NSERVICE (sizeof(service_cols) / sizeof(service_cols[0]))
#define NFINDING (sizeof(finding_cols) / sizeof(finding_cols[0]))

struct csv {
	FILE *f;
	bool bad;
	/* write_record(): the columns' rows, found at open */
	struct fpath svc[NSERVICE], fnd[NFINDING], findings;
	bool paths_ok;
};

static const char *const columns[] = {
	"scan_id", "timestamp", "ip", "port", "hostname", "transport", "probe", "status",
	"mqtt", "mqtt_version", "auth", "auth_identity", "read_access", "write_access", "broker_product",
	"broker_version", "topic_count", "sys_topic_count", "finding_id", "category", "severity", "confidence",
	"cwe", "topic", "title", "evidence", "remediation", "reproduce", NULL
};

static bool find_paths(struct csv *c);

static void cell_n(struct csv *c, const void *p, size_t n, bool first)
{
	char *e = escape_csv_cell(p, n);

	if (!e) {
		c->bad = true;
		return;
	}
	if ((!first && fputc(',', c->f) == EOF) || fputs(e, c->f) == EOF)
		c->bad = true;
	free(e);
}

static void cell(struct csv *c, const char *s, bool first)
{
	cell_n(c, s, s ? strlen(s) : 0, first);
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
	c->paths_ok = find_paths(c);
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

/* ---- the record, through the field tables ---- */

static void num_cell(struct csv *c, const struct fval *v)
{
	char b[48] = "";

	if (v->absent)
		;
	else if (v->t == FT_BOOL)
		snprintf(b, sizeof(b), "%s", v->b ? "true" : "false");
	else if (v->t == FT_INT || v->t == FT_ENUM)
		snprintf(b, sizeof(b), "%.0f", (double)v->i);
	else if (v->t == FT_UINT)
		snprintf(b, sizeof(b), "%.0f", (double)v->u);
	cell(c, b, false);
}

/* Text that is not text (invalid UTF-8, or NUL): its base64, marked for a topic. */
static void b64_cell(struct csv *c, const struct fval *v, size_t n, enum col_how how,
		     bool first)
{
	char *b = record_b64(v->s, n), *both = NULL;
	size_t bn = b ? strlen(b) + 8 : 0;

	if (b && how == C_TOPIC && (both = malloc(bn)))
		snprintf(both, bn, "base64:%s", b);
	if (!b || (how == C_TOPIC && !both))
		c->bad = true;
	else
		cell(c, both ? both : b, first);
	free(both);
	free(b);
}

/* One cell of the value at path p in obj. */
static void rec_cell(struct csv *c, const void *obj, const struct fpath *p, enum col_how how,
		     bool first)
{
	const struct fdef *f = p->f[p->n - 1];
	struct fval v;
	size_t n;

	fields_get_path(obj, p, &v);
	if (how == C_NUM) {
		num_cell(c, &v);
		return;
	}
	if (v.absent) {
		cell(c, NULL, first);
		return;
	}
	if (v.t == FT_WORD || v.t == FT_ENUM) {
		cell_n(c, v.s, v.n, first);
		return;
	}
	n = (f->flags & F_TRUNC_NUL) ? strnlen((const char *)v.s, v.n) : v.n;
	if (fields_text_ok(v.s, n)) {
		cell_n(c, v.s, n, first);
		return;
	}
	if (how == C_TEXT)
		cell(c, NULL, first);
	else
		b64_cell(c, &v, n, how, first);
}

static void record_service(struct csv *c, const struct msw_record *r)
{
	for (size_t i = 0; i < NSERVICE; i++)
		rec_cell(c, r, &c->svc[i], service_cols[i].how, i == 0);
}

static msw_err csv_write_record(struct sink *s, const struct msw_record *r)
{
	struct csv *c = s->priv;
	struct fval list;

	if (!c->paths_ok)
		return MSW_ERR_INTERNAL;
	fields_get_path(r, &c->findings, &list);
	for (size_t i = 0; !list.absent && i < list.n; i++) {
		const void *f = fields_elem(&list, i);

		record_service(c, r);
		for (size_t k = 0; k < NFINDING; k++)
			rec_cell(c, f, &c->fnd[k], finding_cols[k].how, false);
		end_row(c);
	}
	if (list.absent || !list.n) {
		record_service(c, r);
		for (size_t k = 0; k < NFINDING; k++)
			cell(c, "", false);
		end_row(c);
	}
	if (fflush(c->f) != 0)
		c->bad = true;
	return c->bad ? MSW_ERR_IO : MSW_OK;
}

/* The columns' rows in the record's tables. */
static bool find_paths(struct csv *c)
{
	const struct fblock *ft;

	if (!fields_find(&record_table, "findings", &c->findings))
		return false;
	ft = c->findings.f[0]->sub;
	for (size_t i = 0; i < NSERVICE; i++)
		if (!fields_find(&record_table, service_cols[i].path, &c->svc[i]))
			return false;
	for (size_t i = 0; i < NFINDING; i++)
		if (!fields_find(ft, finding_cols[i].path, &c->fnd[i]))
			return false;
	return true;
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
	.write_record = csv_write_record,
	.flush = csv_flush,
	.close = csv_close,
};
