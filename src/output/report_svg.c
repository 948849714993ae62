/* The report's charts: inline SVG bar charts (no script, no external font or image).
 * Each chart is a list of rows (label, count, optional severity split); the bars scale to
 * the largest row. Labels from records (broker products and versions) are cut and escaped
 * by hw_label(); the rest are our own words. The SVG has a viewBox and no fixed size, so it
 * shrinks to a phone's width. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include "output/report_int.h"

#define CH_W 420      /* viewBox width */
#define CH_LABEL 150  /* label column */
#define CH_BAR 220    /* longest bar */
#define CH_ROW 20     /* row height */

struct row {
	const char *label;
	uint64_t n;
	uint64_t sev[SEV__COUNT]; /* a split by severity, or all zero for one plain bar */
};

static void chart_open(struct hw *w, const char *title, size_t rows)
{
	hw_raw(w, "<div class=\"chart\"><h3>");
	hw_text(w, title);
	hw_fmt(w, "</h3>\n<svg viewBox=\"0 0 %d %zu\" role=\"img\" aria-label=\"", CH_W,
	       rows * CH_ROW + 6);
	hw_text(w, title);
	hw_raw(w, "\">\n");
}

static void bar(struct hw *w, size_t y, uint64_t x0, uint64_t len, uint64_t max, const char *cls)
{
	if (!len)
		return;
	hw_fmt(w, "<rect class=\"%s\" x=\"%" PRIu64 "\" y=\"%zu\" width=\"%" PRIu64
		  "\" height=\"%d\"/>", cls, CH_LABEL + x0 * CH_BAR / max, y + 3,
	       len * CH_BAR / max ? len * CH_BAR / max : 1, CH_ROW - 6);
}

static void chart_rows(struct hw *w, const struct row *rows, size_t n)
{
	uint64_t max = 1;

	for (size_t i = 0; i < n; i++)
		if (rows[i].n > max)
			max = rows[i].n;
	for (size_t i = 0; i < n; i++) {
		size_t y = i * CH_ROW;
		uint64_t x = 0, split = 0;

		hw_fmt(w, "<text x=\"0\" y=\"%zu\">", y + CH_ROW - 6);
		hw_label(w, rows[i].label, 24);
		hw_raw(w, "</text>");
		for (int s = SEV__COUNT - 1; s >= 0; s--) {
			char cls[16];

			snprintf(cls, sizeof(cls), "f-%s", severity_str((enum msw_severity)s));
			bar(w, y, x, rows[i].sev[s], max, cls);
			x += rows[i].sev[s];
			split += rows[i].sev[s];
		}
		if (!split)
			bar(w, y, 0, rows[i].n, max, "f-bar");
		hw_fmt(w, "<text x=\"%" PRIu64 "\" y=\"%zu\">%" PRIu64 "</text>\n",
		       CH_LABEL + rows[i].n * CH_BAR / max + 4, y + CH_ROW - 6, rows[i].n);
	}
}

static void chart(struct hw *w, const char *title, const struct row *rows, size_t n)
{
	chart_open(w, title, n ? n : 1);
	if (!n)
		hw_fmt(w, "<text x=\"0\" y=\"%d\">none</text>", CH_ROW - 6);
	chart_rows(w, rows, n);
	hw_raw(w, "</svg></div>\n");
}

static const char *const auth_words[AUTH__COUNT] = {
	[AUTH_UNKNOWN] = "not known",
	[AUTH_ANONYMOUS] = "open to anyone",
	[AUTH_ANY_CREDENTIALS] = "any password works",
	[AUTH_AUTHENTICATED] = "our login worked",
	[AUTH_CREDENTIALS_REQUIRED] = "asks for a password",
	[AUTH_CLIENT_CERT_REQUIRED] = "asks for a certificate",
	[AUTH_NOT_AUTHORIZED] = "refused us",
	[AUTH_BANNED] = "banned us",
	[AUTH_SERVER_MOVED] = "moved elsewhere",
	[AUTH_USE_ANOTHER_SERVER] = "sent us elsewhere",
};

static void auth_chart(struct hw *w, const struct report *r)
{
	struct row rows[AUTH__COUNT];
	size_t n = 0;

	for (int a = 0; a < AUTH__COUNT; a++)
		if (r->auth[a])
			rows[n++] = (struct row){.label = auth_words[a] ? auth_words[a] : "other",
						 .n = r->auth[a]};
	chart(w, "MQTT brokers by access verdict", rows, n);
}

static const char *const cat_words[CAT__COUNT] = {
	[CAT_LOCATION] = "location",
	[CAT_PRESENCE] = "presence",
	[CAT_DOOR_STATE] = "door and lock state",
	[CAT_ACTUATOR_CONTROL] = "devices to operate",
	[CAT_CREDENTIAL] = "passwords, tokens",
	[CAT_NETWORK_KEY] = "network keys",
	[CAT_DEVICE_INVENTORY] = "device inventory",
	[CAT_BROKER_INFO] = "broker set-up",
	[CAT_DASHBOARD] = "open dashboards",
	[CAT_FILE_SHARE] = "open file shares",
};

static void category_chart(struct hw *w, const struct report *r)
{
	struct row rows[CAT__COUNT];
	size_t n = 0;

	for (int c = 0; c < CAT__COUNT; c++) {
		struct row x = {.label = cat_words[c]};

		for (int s = 0; s < SEV__COUNT; s++) {
			x.sev[s] = r->by_cat_sev[c][s];
			x.n += x.sev[s];
		}
		if (x.n)
			rows[n++] = x;
	}
	chart(w, "Findings by category (colour: severity)", rows, n);
}

static int label_cmp(const void *a, const void *b)
{
	const struct rep_label *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return strcmp(x->label, y->label);
}

/* The largest REPORT_LABELS_MAX labels, the rest (and other) as one "other" row. */
static void label_chart(struct hw *w, const char *title, const struct vec *v, uint64_t other)
{
	struct rep_label *l = malloc((v->n ? v->n : 1) * sizeof(*l));
	struct row rows[REPORT_LABELS_MAX + 1];
	size_t n = 0;

	if (!l) {
		w->err = true;
		return;
	}
	if (v->n)
		memcpy(l, v->p, v->n * sizeof(*l));
	qsort(l, v->n, sizeof(*l), label_cmp);
	for (uint32_t i = 0; i < v->n; i++) {
		if (n < REPORT_LABELS_MAX)
			rows[n++] = (struct row){.label = l[i].label, .n = l[i].n};
		else
			other += l[i].n;
	}
	if (other)
		rows[n++] = (struct row){.label = "other", .n = other};
	chart(w, title, rows, n);
	free(l);
}

static void tls_chart(struct hw *w, const struct report *r)
{
	static const char *const names[5] = {"plain MQTT", "TLS, not verified", "TLS, verified",
					     "TLS with client certificates", "not known"};
	struct row rows[5];
	size_t n = 0;

	for (int i = 0; i < 5; i++)
		if (r->tls[i])
			rows[n++] = (struct row){.label = names[i], .n = r->tls[i]};
	chart(w, "MQTT brokers by transport", rows, n);
}

void rep_svg_charts(struct hw *w, const struct report *r)
{
	hw_raw(w, "<h2>At a glance</h2>\n<div class=\"charts\">\n");
	auth_chart(w, r);
	category_chart(w, r);
	label_chart(w, "Brokers per ecosystem seen on them", &r->ecosystems, 0);
	label_chart(w, "Broker products and versions", &r->products, r->products_other);
	tls_chart(w, r);
	hw_raw(w, "</div>\n");
}
