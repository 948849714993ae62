/* The report page (report.h): the frame, the headline, and one section per host.
 * Markup comes only from string literals here; everything from a record goes through
 * hw_text()/hw_label() (htmlw.h). Class names and anchors are built from our own
 * vocabularies (severity_str of a parsed severity) and counters, never from data. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "output/jget.h"
#include "output/report_int.h"

static const char page_head[] =
	"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	"style-src 'unsafe-inline'; img-src data:\">\n"
	"<title>mqttsweep report</title>\n<style>\n"
	":root{--crit:#b3001b;--high:#d9480f;--med:#c99700;--low:#1c7ed6;--info:#868e96}\n"
	"*{box-sizing:border-box}\n"
	"body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;"
	"padding:1em;max-width:70em;color:#1d1d1f;line-height:1.45;overflow-wrap:anywhere}\n"
	"h1{font-size:1.6em;margin:.2em 0}h2{font-size:1.25em;margin-top:1.6em;"
	"border-bottom:1px solid #ddd}h3{font-size:1.1em;margin:.2em 0}h4{margin:.8em 0 .3em}\n"
	".headline{font-size:1.15em;background:#f4f6f8;border-radius:8px;padding:.8em 1em}\n"
	".origin{color:#555;font-size:.9em}\n"
	".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(18em,1fr));gap:1em}\n"
	".chart{border:1px solid #e3e3e3;border-radius:8px;padding:.5em}\n"
	".chart h3{font-size:1em}svg{width:100%;height:auto;display:block}\n"
	"svg text{font:12px system-ui,sans-serif;fill:#1d1d1f}\n"
	".f-critical{fill:var(--crit)}.f-high{fill:var(--high)}.f-medium{fill:var(--med)}"
	".f-low{fill:var(--low)}.f-info{fill:var(--info)}.f-bar{fill:#4263eb}\n"
	".host{border:1px solid #ddd;border-left:6px solid var(--info);border-radius:6px;"
	"margin:1em 0;padding:.6em 1em}\n"
	".host.sev-critical{border-left-color:var(--crit)}.host.sev-high{border-left-color:var(--high)}"
	".host.sev-medium{border-left-color:var(--med)}.host.sev-low{border-left-color:var(--low)}\n"
	".badge{display:inline-block;color:#fff;border-radius:4px;padding:0 .4em;font-size:.8em;"
	"font-weight:600;background:var(--info);margin-right:.3em}\n"
	".badge.sev-critical{background:var(--crit)}.badge.sev-high{background:var(--high)}"
	".badge.sev-medium{background:var(--med)}.badge.sev-low{background:var(--low)}\n"
	".scroll{overflow-x:auto}table{border-collapse:collapse;margin:.3em 0;font-size:.92em}\n"
	"td,th{border:1px solid #e3e3e3;padding:2px 6px;text-align:left;vertical-align:top}\n"
	"code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.88em}\n"
	"pre{background:#f6f8fa;border-radius:6px;padding:.5em;overflow-x:auto;"
	"white-space:pre-wrap;word-break:break-all;margin:.3em 0}\n"
	".chain{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.3em}\n"
	".chain li{background:#fff4e6;border:1px solid #ffc078;border-radius:4px;padding:0 .4em}\n"
	".chain li+li::before{content:'\\2192  ';color:#888}\n"
	"details.f{border-top:1px solid #eee;padding:.3em 0}details.f summary{cursor:pointer}\n"
	"dl{margin:.3em 0 .3em 1em}dt{font-weight:600;font-size:.9em}dd{margin:0 0 .3em 0}\n"
	".fix{background:#ebfbee;border-radius:6px;padding:.4em .8em;margin:.4em 0}\n"
	".sw{font-size:.9em;color:#444}.cut{color:#888}\n"
	".diff li.worse{color:var(--crit)}.diff li.better{color:#2b8a3e}\n"
	"@media (max-width:40em){body{padding:.5em}.host{padding:.5em}}\n"
	"</style></head><body>\n";

static void headline(struct hw *w, const struct report *r)
{
	char line[2048];

	report_headline(r, line, sizeof(line));
	hw_raw(w, "<h1>What an outsider sees</h1>\n<p class=\"origin\">mqttsweep report");
	if (r->source) {
		hw_raw(w, " of ");
		hw_text(w, r->source);
	}
	if (r->scans) {
		hw_raw(w, ", scan ");
		hw_text(w, r->scans);
	}
	hw_fmt(w, ": %" PRIu64 " records, %" PRIu64 " hosts.</p>\n", r->records, r->hosts_seen);
	hw_raw(w, "<p class=\"headline\">");
	hw_text(w, line);
	hw_raw(w, "</p>\n<p class=\"origin\">A broker is an address and port that answered MQTT; "
		  "evidence is redacted as the scan was told to; every host below has the "
		  "fixes that fit the software it runs.</p>\n");
}

/* ---- a host's findings --------------------------------------------------------------- */

struct hf {
	const cJSON *f, *svc;
	int sev;
	const struct fix *fix;
	int fix_no; /* 1-based number of fix in the host's list, 0 without */
};

static int hf_cmp(const void *a, const void *b)
{
	const struct hf *x = a, *y = b;

	return y->sev - x->sev;
}

static bool is_broker(const cJSON *svc)
{
	return jbool(svc, "mqtt");
}

/* The host's findings, worst first, each with the fix for its software. */
static struct hf *host_findings(const struct rep_host *h, size_t *n)
{
	size_t cap = h->findings ? h->findings : 1, k = 0;
	struct hf *v = calloc(cap, sizeof(*v));
	const cJSON *svc, *f;
	enum fix_sw sw = rep_host_sw(h);

	if (!v)
		return NULL;
	cJSON_ArrayForEach(svc, h->services)
		cJSON_ArrayForEach(f, jget(svc, "findings")) {
			int s = severity_from_str(jstr(f, "severity"));

			if (s < 0 || k == cap)
				continue;
			v[k].f = f;
			v[k].svc = svc;
			v[k].sev = s;
			v[k].fix = fix_lookup(jstr(f, "id"), category_from_str(jstr(f, "category")),
					      is_broker(svc) ? sw : FSW_ANY);
			k++;
		}
	/* stable: qsort is not, so order by (severity, original position) */
	for (size_t i = 1; i < k; i++)
		for (size_t j = i; j > 0 && hf_cmp(&v[j - 1], &v[j]) > 0; j--) {
			struct hf t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	*n = k;
	return v;
}

static void badge(struct hw *w, int sev)
{
	const char *s = sev >= 0 ? severity_str((enum msw_severity)sev) : "none";

	hw_fmt(w, "<span class=\"badge sev-%s\">%s</span>", s, s);
}

static void field(struct hw *w, const char *label, const cJSON *o, const char *k, bool pre)
{
	bool b64;
	const char *s = jstr_or_b64(o, k, &b64);

	if (!s || !s[0])
		return;
	hw_fmt(w, "<dt>%s</dt><dd>%s", label, pre ? "<pre>" : "<code>");
	if (b64)
		hw_raw(w, "<i>base64:</i> ");
	hw_textn(w, s, strlen(s), REPORT_TEXT_MAX);
	hw_raw(w, pre ? "</pre></dd>\n" : "</code></dd>\n");
}

static void host_software(struct hw *w, const struct rep_host *h)
{
	enum fix_sw sw = rep_host_sw(h);
	char why[256];

	hw_raw(w, "<p class=\"sw\">");
	if (sw == FSW_HA_ADDON) {
		fix_addon_why(&h->sig, why, sizeof(why));
		hw_raw(w, "The broker looks like the Home Assistant Mosquitto add-on (");
		hw_text(w, why);
		hw_raw(w, "): its fixes use the add-on's options, not mosquitto.conf.");
	} else if (sw == FSW_ANY) {
		hw_raw(w, "The broker did not name its software: the fixes are general.");
	} else {
		hw_raw(w, "Fixes written for ");
		hw_text(w, fix_sw_name(sw));
		hw_raw(w, " (the broker named itself ");
		hw_label(w, h->product, 60);
		hw_raw(w, ").");
	}
	hw_raw(w, "</p>\n");
}

/* The topics seen: the owner's data, with the broker's own $SYS statistics named apart. */
static void readable(struct hw *w, const cJSON *t)
{
	double count = jnum(t, "count", 0), sys = jnum(t, "sys_count", 0);

	if (sys > count || sys < 0)
		sys = count > 0 ? count : 0;
	hw_fmt(w, "%.0f topics", count - sys);
	if (sys > 0)
		hw_fmt(w, " (plus %.0f $SYS)", sys);
	hw_fmt(w, ", %.0f retained, %.0f messages", jnum(t, "retained", 0),
	       jnum(t, "messages", 0));
}

static void service_row(struct hw *w, const cJSON *s)
{
	const cJSON *b = jget(s, "broker"), *t = jget(s, "topics");
	const char *product = jstr(b, "product") ? jstr(b, "product")
						 : jstr(jget(s, "http"), "product");

	hw_fmt(w, "<tr><td>%d/", jport(s, "port"));
	hw_label(w, jstr(s, "transport"), 16);
	hw_raw(w, "</td><td>");
	hw_label(w, jstr(s, "probe"), 16);
	if (product) {
		hw_raw(w, " &middot; ");
		hw_label(w, product, 60);
		hw_raw(w, " ");
		hw_label(w, jstr(b, "version") ? jstr(b, "version") : jstr(jget(s, "http"), "version"),
			 40);
	}
	hw_raw(w, "</td><td>");
	hw_label(w, jstr(s, "status"), 40);
	if (is_broker(s)) {
		hw_raw(w, ", ");
		hw_label(w, jstr(s, "auth"), 40);
		if (jstr(s, "auth_identity")) { /* who the scan logged in as */
			hw_raw(w, " as ");
			hw_label(w, jstr(s, "auth_identity"), 60);
		}
		hw_raw(w, ", ");
		hw_label(w, jstr(s, "transport_security"), 40);
	}
	hw_raw(w, "</td><td>");
	if (is_broker(s))
		readable(w, t);
	hw_raw(w, "</td></tr>\n");
}

static void services(struct hw *w, const struct rep_host *h)
{
	const cJSON *s;

	hw_raw(w, "<div class=\"scroll\"><table><tr><th>port</th><th>service</th>"
		  "<th>status, access</th><th>readable</th></tr>\n");
	cJSON_ArrayForEach(s, h->services)
		service_row(w, s);
	hw_raw(w, "</table></div>\n");
}

/* The chain of open doors: the host summary's "a -> b -> c", one step per item. */
static void chain(struct hw *w, const struct rep_host *h)
{
	const char *c = jstr(jget(h->summary, "risk"), "chain");
	int steps = 0;

	if (!c || !c[0])
		return;
	hw_raw(w, "<h4>The chain of open doors</h4>\n<ol class=\"chain\">");
	while (*c && steps++ < 32) {
		const char *arrow = strstr(c, " -> ");
		size_t n = arrow ? (size_t)(arrow - c) : strlen(c);

		hw_raw(w, "<li>");
		hw_textn(w, c, n, 200);
		hw_raw(w, "</li>");
		c += n + (arrow ? 4 : 0);
	}
	hw_raw(w, "</ol>\n");
}

static void one_fix(struct hw *w, size_t hno, int no, const struct fix *x, int count, int worst)
{
	hw_fmt(w, "<li class=\"fix\" id=\"fx-%zu-%d\"><b>", hno, no);
	hw_text(w, x->title);
	hw_fmt(w, "</b> <span class=\"sw\">(closes %d finding%s, the worst ", count,
	       count == 1 ? "" : "s");
	badge(w, worst);
	hw_raw(w, ")</span><p>");
	hw_text(w, x->how);
	hw_raw(w, "</p>");
	if (x->where) {
		hw_raw(w, "<p>Where: ");
		hw_text(w, x->where);
		hw_raw(w, "</p>");
	}
	if (x->config) {
		hw_raw(w, "<pre>");
		hw_text(w, x->config);
		hw_raw(w, "</pre>");
	}
	if (x->commands) {
		hw_raw(w, "<p>Then run:</p><pre>");
		hw_text(w, x->commands);
		hw_raw(w, "</pre>");
	}
	hw_raw(w, "</li>\n");
}

/* Numbers the distinct fixes in the order of the worst finding each closes, and lists them. */
static void fixes(struct hw *w, size_t hno, struct hf *v, size_t n)
{
	int next = 0;

	for (size_t i = 0; i < n; i++) {
		if (!v[i].fix || v[i].fix_no)
			continue;
		v[i].fix_no = ++next;
		for (size_t j = i + 1; j < n; j++)
			if (v[j].fix == v[i].fix)
				v[j].fix_no = next;
	}
	if (!next)
		return;
	hw_raw(w, "<h4>What to change</h4>\n<ol>\n");
	for (int no = 1; no <= next; no++) {
		size_t first = 0;
		int count = 0;

		for (size_t i = n; i-- > 0;)
			if (v[i].fix_no == no) {
				first = i;
				count++;
			}
		one_fix(w, hno, no, v[first].fix, count, v[first].sev);
	}
	hw_raw(w, "</ol>\n");
}

static void finding(struct hw *w, size_t hno, const struct hf *x)
{
	const cJSON *f = x->f;

	hw_fmt(w, "<details class=\"f\"%s><summary>", x->sev >= SEV_MEDIUM ? " open" : "");
	badge(w, x->sev);
	hw_textn(w, jstr(f, "title") ? jstr(f, "title") : "", strlen(jstr(f, "title") ?: ""),
		 REPORT_TEXT_MAX);
	hw_fmt(w, " <span class=\"sw\">(%d/", jport(x->svc, "port"));
	hw_label(w, jstr(x->svc, "probe"), 16);
	hw_raw(w, ")</span></summary>\n<dl>");
	hw_raw(w, "<dt>What it means</dt><dd>");
	hw_text(w, fix_meaning(category_from_str(jstr(f, "category"))));
	hw_raw(w, " <span class=\"sw\">(");
	hw_label(w, jstr(f, "id"), 80);
	hw_raw(w, ", ");
	hw_label(w, jstr(f, "confidence"), 20);
	hw_raw(w, ")</span></dd>\n");
	field(w, "Topic", f, "topic", false);
	field(w, "Evidence (redacted)", f, "evidence", false);
	hw_raw(w, "<dt>Fix</dt><dd>");
	if (x->fix) {
		hw_fmt(w, "<a href=\"#fx-%zu-%d\">", hno, x->fix_no);
		hw_text(w, x->fix->title);
		hw_raw(w, "</a> &mdash; ");
	}
	hw_textn(w, jstr(f, "remediation") ?: "", strlen(jstr(f, "remediation") ?: ""),
		 REPORT_TEXT_MAX);
	hw_raw(w, "</dd>\n");
	field(w, "Reproduce", f, "reproduce", true);
	hw_raw(w, "</dl></details>\n");
}

static void topics(struct hw *w, const cJSON *svc)
{
	const cJSON *t = jget(svc, "topics"), *list = jget(t, "list"), *e;

	if (!cJSON_GetArraySize(list))
		return;
	hw_fmt(w, "<details><summary>Topics seen on port %d (%d shown of %.0f)</summary>"
		  "<div class=\"scroll\"><table><tr><th>topic</th><th>retained</th><th>sample "
		  "(redacted)</th></tr>\n",
	       jport(svc, "port"), cJSON_GetArraySize(list), jnum(t, "count", 0));
	cJSON_ArrayForEach(e, list) {
		bool b64;
		const char *s = jstr_or_b64(e, "topic", &b64);

		hw_raw(w, "<tr><td><code>");
		if (b64)
			hw_raw(w, "<i>base64:</i> ");
		hw_textn(w, s ?: "", strlen(s ?: ""), 300);
		hw_fmt(w, "</code></td><td>%s</td><td><code>", jbool(e, "retained") ? "yes" : "no");
		s = jstr_or_b64(e, "sample", &b64);
		if (b64)
			hw_raw(w, "<i>base64:</i> ");
		hw_textn(w, s ?: "", strlen(s ?: ""), 300);
		hw_raw(w, "</code></td></tr>\n");
	}
	hw_raw(w, "</table></div></details>\n");
}

static void host_section(struct hw *w, size_t hno, const struct rep_host *h)
{
	size_t n = 0;
	struct hf *v = host_findings(h, &n);
	const char *sev = h->worst >= 0 ? severity_str((enum msw_severity)h->worst) : "none";
	const cJSON *s;

	hw_fmt(w, "<section class=\"host sev-%s\" id=\"host-%zu\">\n<h3>", sev, hno);
	badge(w, h->worst);
	hw_label(w, h->ip, 64);
	hw_fmt(w, " <span class=\"sw\">%u finding%s</span></h3>\n", h->findings,
	       h->findings == 1 ? "" : "s");
	host_software(w, h);
	services(w, h);
	chain(w, h);
	if (v) {
		fixes(w, hno, v, n);
		if (n)
			hw_raw(w, "<h4>Findings, worst first</h4>\n");
		for (size_t i = 0; i < n; i++)
			finding(w, hno, &v[i]);
	}
	cJSON_ArrayForEach(s, h->services)
		topics(w, s);
	hw_raw(w, "</section>\n");
	free(v);
}

/* A host's section from its kept records, each parsed once, when first drawn (its text
 * freed then; a text the parser refuses, nested past its limit, is left out of the
 * section: it was counted). */
static void drawn_host(struct hw *w, size_t hno, const struct rep_host *h)
{
	struct rep_service *k = h->kept.p;
	struct rep_drawn *d = h->drawn;
	struct rep_host t = *h;

	if (!d->services && !(d->services = cJSON_CreateArray())) {
		w->err = true;
		return;
	}
	for (; d->n < h->kept.n; d->n++) {
		cJSON *s = k[d->n].json ? cJSON_Parse(k[d->n].json) : NULL;
		if (s && !cJSON_AddItemToArray(d->services, s)) {
			cJSON_Delete(s);
			w->err = true;
			return;
		}
		free(k[d->n].json);
		k[d->n].json = NULL;
	}
	if (h->summary_json && !d->summary)
		d->summary = cJSON_Parse(h->summary_json);
	t.services = d->services;
	t.summary = d->summary;
	host_section(w, hno, &t);
}

static int host_cmp(const void *a, const void *b)
{
	const struct rep_host *x = *(const struct rep_host *const *)a;
	const struct rep_host *y = *(const struct rep_host *const *)b;

	if (x->worst != y->worst)
		return y->worst - x->worst;
	if (x->findings != y->findings)
		return x->findings < y->findings ? 1 : -1;
	return strcmp(x->ip, y->ip);
}

void rep_html_hosts(struct hw *w, const struct report *r)
{
	const struct rep_host **order = calloc(r->hosts.n ? r->hosts.n : 1, sizeof(*order));

	if (!order) {
		w->err = true;
		return;
	}
	for (uint32_t i = 0; i < r->hosts.n; i++)
		order[i] = (const struct rep_host *)r->hosts.p + i;
	qsort(order, r->hosts.n, sizeof(*order), host_cmp);
	hw_raw(w, "<h2>Hosts, worst first</h2>\n");
	if (r->hosts_dropped)
		hw_fmt(w, "<p>%" PRIu64 " further hosts are counted above but have no section "
			  "(the report keeps %d).</p>\n", r->hosts_dropped, REPORT_HOSTS_MAX);
	if (r->services_dropped)
		hw_fmt(w, "<p>%" PRIu64 " services past %d on one host are counted but not "
			  "listed.</p>\n", r->services_dropped, REPORT_SERVICES_MAX);
	for (uint32_t i = 0; i < r->hosts.n; i++)
		drawn_host(w, i + 1, order[i]);
	free(order);
}

msw_err report_write(const struct report *r, FILE *f)
{
	struct hw w = {.f = f};

	hw_raw(&w, page_head);
	headline(&w, r);
	rep_svg_charts(&w, r);
	if (r->diff)
		rep_html_diff(&w, r->diff);
	rep_html_hosts(&w, r);
	hw_raw(&w, "<p class=\"origin\">Written by mqttsweep " MSW_VERSION
		   ". Nothing on this page loads anything from the network.</p>\n</body></html>\n");
	if (fflush(f) || ferror(f))
		w.err = true;
	return w.err ? MSW_ERR_IO : MSW_OK;
}

/* ---- the comparison with an earlier scan (events from diff.c) ------------------------ */

void rep_html_diff(struct hw *w, const cJSON *events)
{
	const cJSON *e;
	int n = cJSON_GetArraySize(events);

	hw_raw(w, "<h2>Since the earlier scan</h2>\n");
	if (!n) {
		hw_raw(w, "<p>Nothing changed: the same brokers are open and the same kinds of "
			  "findings are there.</p>\n");
		return;
	}
	hw_raw(w, "<ul class=\"diff\">\n");
	cJSON_ArrayForEach(e, events) {
		const char *tone = jbool(e, "worse") ? "worse" : "better";

		hw_fmt(w, "<li class=\"%s\">", tone);
		hw_text(w, jstr(e, "text"));
		hw_raw(w, "</li>\n");
	}
	hw_raw(w, "</ul>\n");
}
