/* HTML report sink (--html FILE): one self-contained page (inline CSS, no script, no
 * external resource), written as records come so a killed scan still leaves a readable
 * report. Every string from a record goes through escape_html(), which is safe both in
 * element text and in quoted attribute values; class names are only ever taken from our
 * own vocabularies (severity_from_str() must accept them first). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output/escape.h"
#include "output/jget.h"
#include "output/record.h"
#include "base/config.h"
#include "output/sink.h"

#define HTML_MAX_TOPICS 200

struct html {
	FILE *f;
	bool footer;
	unsigned long records;
};

static const char head[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	"style-src 'unsafe-inline'\">\n"
	"<title>mqttsweep report</title>\n<style>\n"
	"body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:80em}\n"
	"section{border:1px solid #ccc;border-left:6px solid #999;margin:1em 0;padding:.5em 1em}\n"
	".sev-critical{border-left-color:#b00}.sev-high{border-left-color:#e60}\n"
	".sev-medium{border-left-color:#db0}.sev-low{border-left-color:#39c}\n"
	"table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ddd;padding:2px 6px;"
	"text-align:left;vertical-align:top}\n"
	"code,pre{white-space:pre-wrap;word-break:break-all;font-size:90%}\n"
	"</style></head><body>\n<h1>mqttsweep report</h1>\n";

static void put(struct html *h, const char *s)
{
	fputs(s, h->f);
}

/* escaped text of a possibly-absent string */
static void esc(struct html *h, const char *s)
{
	char *e = escape_html_s(s ? s : "");

	if (e) {
		fputs(e, h->f);
		free(e);
	}
}

/* a peer string or, when it was not UTF-8, its base64 form marked as such */
static void esc_field(struct html *h, const cJSON *o, const char *k)
{
	bool b64;
	const char *s = jstr_or_b64(o, k, &b64);

	if (b64)
		put(h, "<i>base64:</i> ");
	esc(h, s);
}

static msw_err html_open(struct sink *s, const char *path, const struct msw_config *cfg)
{
	struct html *h = calloc(1, sizeof(*h));

	if (!h)
		return MSW_ERR_NOMEM;
	/* --resume: append the rest of the scan to the same report */
	h->f = fopen(path, cfg && cfg->resume_db ? "a" : "w");
	if (!h->f) {
		free(h);
		return MSW_ERR_IO;
	}
	s->priv = h;
	if (fseek(h->f, 0, SEEK_END) == 0 && ftell(h->f) > 0) {
		put(h, "<hr><h2>Resumed scan</h2>\n");
		return fflush(h->f) == 0 ? MSW_OK : MSW_ERR_IO;
	}
	put(h, head);
	return fflush(h->f) == 0 ? MSW_OK : MSW_ERR_IO;
}

static void kv(struct html *h, const char *label, const cJSON *o, const char *k)
{
	fprintf(h->f, "<tr><th>%s</th><td>", label);
	esc_field(h, o, k);
	put(h, "</td></tr>\n");
}

static const char *worst_class(const cJSON *r)
{
	const cJSON *f;
	int worst = -1;

	cJSON_ArrayForEach(f, jget(r, "findings")) {
		int sv = severity_from_str(jstr(f, "severity"));

		if (sv > worst)
			worst = sv;
	}
	return worst >= 0 ? severity_str((enum msw_severity)worst) : "none";
}

static void findings_table(struct html *h, const cJSON *r)
{
	const cJSON *f, *arr = jget(r, "findings");

	if (!cJSON_GetArraySize(arr))
		return;
	put(h, "<table><tr><th>severity</th><th>category</th><th>confidence</th><th>finding</th>"
	       "<th>topic</th><th>evidence</th><th>remediation</th><th>reproduce</th></tr>\n");
	cJSON_ArrayForEach(f, arr) {
		put(h, "<tr><td>");
		esc(h, jstr(f, "severity"));
		put(h, "</td><td>");
		esc(h, jstr(f, "category"));
		put(h, "</td><td>");
		esc(h, jstr(f, "confidence"));
		put(h, "</td><td><b>");
		esc_field(h, f, "title");
		put(h, "</b><br><code>");
		esc(h, jstr(f, "id"));
		put(h, "</code></td><td><code>");
		esc_field(h, f, "topic");
		put(h, "</code></td><td><code>");
		esc_field(h, f, "evidence");
		put(h, "</code></td><td>");
		esc_field(h, f, "remediation");
		put(h, "</td><td><code>");
		esc_field(h, f, "reproduce");
		put(h, "</code></td></tr>\n");
	}
	put(h, "</table>\n");
}

static void topics_table(struct html *h, const cJSON *r)
{
	const cJSON *t, *topics = jget(r, "topics"), *list = jget(topics, "list");
	int n = 0;

	if (!cJSON_GetArraySize(list))
		return;
	fprintf(h->f, "<details><summary>%d topics listed (%.0f seen)</summary>\n<table><tr>"
		"<th>topic</th><th>retained</th><th>messages</th><th>bytes</th><th>sample</th></tr>\n",
		cJSON_GetArraySize(list), jnum(topics, "count", 0));
	cJSON_ArrayForEach(t, list) {
		if (n++ >= HTML_MAX_TOPICS)
			break;
		put(h, "<tr><td><code>");
		esc_field(h, t, "topic");
		fprintf(h->f, "</code></td><td>%s</td><td>%.0f</td><td>%.0f</td><td><code>",
			jbool(t, "retained") ? "yes" : "no", jnum(t, "messages", 0),
			jnum(t, "bytes", 0));
		esc_field(h, t, "sample");
		put(h, "</code></td></tr>\n");
	}
	put(h, "</table></details>\n");
}

static msw_err html_write(struct sink *s, const cJSON *r)
{
	struct html *h = s->priv;
	const cJSON *b = jget(r, "broker");

	fprintf(h->f, "<section class=\"sev-%s\">\n<h2>", worst_class(r));
	esc(h, jstr(r, "ip"));
	fprintf(h->f, ":%.0f ", jnum(r, "port", 0));
	esc(h, jstr(r, "transport"));
	put(h, " ");
	esc(h, jstr(r, "probe"));
	put(h, " &mdash; ");
	esc(h, jstr(r, "status"));
	put(h, "</h2>\n<table>\n");
	kv(h, "hostname", r, "hostname");
	kv(h, "transport security", r, "transport_security");
	kv(h, "MQTT version", r, "mqtt_version");
	kv(h, "access", r, "auth");
	kv(h, "read access", r, "read_access");
	kv(h, "write access", r, "write_access");
	kv(h, "broker", b, "product");
	kv(h, "broker version", b, "version");
	kv(h, "error", r, "error");
	fprintf(h->f, "<tr><th>topics seen</th><td>%.0f</td></tr>\n",
		jnum(jget(r, "topics"), "count", 0));
	put(h, "</table>\n");
	findings_table(h, r);
	topics_table(h, r);
	put(h, "</section>\n");
	h->records++;
	return fflush(h->f) == 0 && !ferror(h->f) ? MSW_OK : MSW_ERR_IO;
}

static void footer(struct html *h)
{
	if (h->footer)
		return;
	put(h, "</body></html>\n");
	h->footer = true;
}

static msw_err html_meta(struct sink *s, const cJSON *m, int final)
{
	struct html *h = s->priv;
	const cJSON *c = jget(m, "counts"), *it;

	if (!final) {
		put(h, "<p>Scan <code>");
		esc(h, jstr(m, "scan_id"));
		put(h, "</code>, mqttsweep ");
		esc(h, jstr(m, "tool_version"));
		put(h, ", started ");
		esc(h, jstr(m, "start"));
		put(h, ", evidence ");
		esc(h, jstr(m, "evidence"));
		put(h, ".</p>\n");
	} else {
		put(h, "<h2>Totals</h2>\n<table>\n");
		cJSON_ArrayForEach(it, c) {
			if (!it->string || !cJSON_IsNumber(it))
				continue;
			put(h, "<tr><th>");
			esc(h, it->string);
			fprintf(h->f, "</th><td>%.0f</td></tr>\n", it->valuedouble);
		}
		put(h, "</table>\n<p>Finished ");
		esc(h, jstr(m, "end"));
		fprintf(h->f, ", %lu records.</p>\n", h->records);
		footer(h);
	}
	return fflush(h->f) == 0 && !ferror(h->f) ? MSW_OK : MSW_ERR_IO;
}

static msw_err html_flush(struct sink *s)
{
	struct html *h = s->priv;

	return fflush(h->f) == 0 ? MSW_OK : MSW_ERR_IO;
}

static void html_close(struct sink *s)
{
	struct html *h = s->priv;

	if (!h)
		return;
	footer(h);
	fclose(h->f);
	free(h);
	s->priv = NULL;
}

const struct sink_ops sink_html = {
	.name = "html",
	.open = html_open,
	.write = html_write,
	.meta = html_meta,
	.flush = html_flush,
	.close = html_close,
};
