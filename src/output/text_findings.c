/* The terminal's finding list (--details; audit's default), printed under a service's
 * one-line sentence:
 *
 *     critical (2)
 *       Live location of a***e's p***e is readable: 51.50, -0.14 (accuracy 9 m)
 *         Anyone who connects learns where people are, or were.  Fix 1.
 *         $ mosquitto_sub -h 127.0.80.4 -p 1883 -v -t 'owntracks/+/+' -C 1 -W 10
 *     info (3): 2 more about the broker's own $SYS topics
 *     What to change (Mosquitto):
 *       1. Give each OwnTracks phone its own account and topic
 *          ...its explanation, the file, the lines, the commands
 *
 * Groups worst first; findings about `$SYS` topics are counted apart, not listed; a fix
 * shared by several findings is written once. Hints: `--detect` when TLS failed where
 * plain MQTT may answer. Every string from a record goes through escape_term(); fix texts
 * are our own. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "output/escape.h"
#include "output/fixes.h"
#include "output/record.h"
#include "output/text_findings.h"
#include "output/text_node.h"

#define TF_FIXES_MAX 32    /* distinct fixes numbered under one service */
#define TF_TEXT_MAX 600    /* bytes of a title, reproduce line or remediation shown */

static void esc(FILE *f, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *e = escape_term(s ? s : "", n > TF_TEXT_MAX ? TF_TEXT_MAX : n);

	if (e) {
		fputs(e, f);
		free(e);
	}
	if (n > TF_TEXT_MAX)
		fprintf(f, "... (%zu more bytes)", n - TF_TEXT_MAX);
}

/* Our own multi-line text, each line indented. */
static void indented(FILE *f, const char *ind, const char *text)
{
	while (text && *text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);

		fprintf(f, "%s%.*s\n", ind, (int)n, text);
		text += n + (nl ? 1 : 0);
	}
}

static bool is_sys(const struct tnode *f)
{
	const char *t = tn_str(f, "topic");

	return t && !strncmp(t, "$SYS", 4);
}

struct tf {
	FILE *f;
	bool color;
	enum fix_sw sw;
	const struct fix *fixes[TF_FIXES_MAX];
	int nfixes;
};

static int fix_no(struct tf *t, const struct fix *x)
{
	for (int i = 0; i < t->nfixes; i++)
		if (t->fixes[i] == x)
			return i + 1;
	if (t->nfixes == TF_FIXES_MAX)
		return 0;
	t->fixes[t->nfixes++] = x;
	return t->nfixes;
}

static const char *sev_color(int sev)
{
	static const char *const col[SEV__COUNT] = {"", "", "\033[33m", "\033[31m", "\033[1;31m"};

	return sev >= 0 && sev < SEV__COUNT ? col[sev] : "";
}

static void one(struct tf *t, const struct tnode *f)
{
	int cat = category_from_str(tn_str(f, "category"));
	const struct fix *x = fix_lookup(tn_str(f, "id"), cat, t->sw);
	int no = x ? fix_no(t, x) : 0;

	fputs("    ", t->f);
	esc(t->f, tn_str(f, "title"));
	fputs("\n      ", t->f);
	fputs(fix_meaning(cat), t->f);
	if (no) {
		fprintf(t->f, "  Fix %d.", no);
	} else if (tn_str(f, "remediation")) {
		fputs("\n      Fix: ", t->f);
		esc(t->f, tn_str(f, "remediation"));
	}
	if (tn_str(f, "reproduce")) {
		fputs("\n      $ ", t->f);
		esc(t->f, tn_str(f, "reproduce"));
	}
	fputc('\n', t->f);
}

/* One severity group: its header and its findings (those about $SYS counted apart). */
static void group(struct tf *t, const struct tnode *rec, int sev)
{
	struct tnode all = tn_sub(rec, "findings");
	size_t nf = tn_len(&all);
	int n = 0, sys = 0;

	for (size_t i = 0; i < nf; i++) {
		struct tnode f = tn_elem(&all, i);
		if (severity_from_str(tn_str(&f, "severity")) == sev)
			is_sys(&f) ? sys++ : n++;
	}
	if (!n && !sys)
		return;
	if (t->color && sev_color(sev)[0])
		fprintf(t->f, "  %s%s\033[0m (%d)", sev_color(sev),
			severity_str((enum msw_severity)sev), n + sys);
	else
		fprintf(t->f, "  %s (%d)", severity_str((enum msw_severity)sev), n + sys);
	if (sys)
		fprintf(t->f, ": %d about the broker's own $SYS topics, not listed", sys);
	fputc('\n', t->f);
	for (size_t i = 0; i < nf; i++) {
		struct tnode f = tn_elem(&all, i);
		if (severity_from_str(tn_str(&f, "severity")) == sev && !is_sys(&f))
			one(t, &f);
	}
}

static void fixes(struct tf *t)
{
	if (!t->nfixes)
		return;
	fprintf(t->f, "  What to change (%s):\n", fix_sw_name(t->sw));
	for (int i = 0; i < t->nfixes; i++) {
		const struct fix *x = t->fixes[i];

		fprintf(t->f, "    %d. %s\n", i + 1, x->title);
		indented(t->f, "       ", x->how);
		if (x->where)
			fprintf(t->f, "       In %s:\n", x->where);
		indented(t->f, "         ", x->config);
		if (x->commands) {
			fputs("       Then:\n", t->f);
			indented(t->f, "         ", x->commands);
		}
	}
}

/* TLS failed on 8883 (the handshake or what came back was not TLS): many brokers serve
 * plain MQTT there, which only --detect tries. */
static void hints(FILE *out, const struct tnode *rec, bool detect)
{
	const char *tr = tn_str(rec, "transport"), *st = tn_str(rec, "status");

	double d = tn_num(rec, "port", 0);
	int port = d >= 0 && d <= 65535 ? (int)d : 0; /* as jport() reads it */

	if (!detect && port == 8883 && tr && !strcmp(tr, "tls") && st &&
	    (!strcmp(st, "handshake-error") || !strcmp(st, "protocol-error") ||
		   !strcmp(st, "connection-closed")))
		fputs("  hint: TLS failed on 8883; plain MQTT may answer there: run again with "
		      "--detect\n", out);
}

/* fix_signals_add(), read the same way as the rest. */
static void signals(struct addon_signals *s, const struct tnode *rec)
{
	struct tnode dns = tn_sub(rec, "tls.certificate.san.dns"), all = tn_sub(rec, "findings");
	const char *probe = tn_str(rec, "probe");
	size_t n = tn_len(&dns);

	for (size_t i = 0; i < n; i++) {
		struct tnode d = tn_elem(&dns, i);
		const char *name = tv_str(d.sc, &d.v);
		if (name)
			fix_signal_text(s, FX_CERT_NAME, name);
	}
	fix_signal_text(s, FX_CERT_NAME, tn_str(rec, "tls.certificate.subject.CN"));
	if (probe && !strcmp(probe, "http"))
		fix_signal_text(s, FX_HTTP_PRODUCT, tn_str(rec, "http.product"));
	fix_signal_text(s, FX_PRODUCT, tn_str(rec, "broker.product"));
	n = tn_len(&all);
	for (size_t i = 0; i < n; i++) {
		struct tnode f = tn_elem(&all, i);
		fix_signal_text(s, FX_FINDING_ID, tn_str(&f, "id"));
		fix_signal_text(s, FX_FINDING_TEXT, tn_str(&f, "title"));
		fix_signal_text(s, FX_FINDING_TEXT, tn_str(&f, "evidence"));
	}
}

void text_findings_node(FILE *out, const struct tnode *rec, bool color, bool detect)
{
	struct tf t = {.f = out, .color = color};
	struct addon_signals sig = {0};
	struct tnode all = tn_sub(rec, "findings");

	hints(out, rec, detect);
	if (!tn_len(&all))
		return;
	signals(&sig, rec);
	t.sw = tn_bool(rec, "mqtt") ? fix_sw_for(tn_str(rec, "broker.product"), &sig) : FSW_ANY;
	for (int sev = SEV__COUNT - 1; sev >= 0; sev--)
		group(&t, rec, sev);
	fixes(&t);
}

void text_findings(FILE *out, const cJSON *rec, bool color, bool detect)
{
	struct tscratch sc = {0};
	struct tnode r = tnode_tree(rec, &sc);

	text_findings_node(out, &r, color, detect);
	tscratch_free(&sc);
}
