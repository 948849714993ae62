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
#include "output/jget.h"
#include "output/record.h"
#include "output/text_findings.h"

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

static bool is_sys(const cJSON *f)
{
	const char *t = jstr(f, "topic");

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

static void one(struct tf *t, const cJSON *f)
{
	int cat = category_from_str(jstr(f, "category"));
	const struct fix *x = fix_lookup(jstr(f, "id"), cat, t->sw);
	int no = x ? fix_no(t, x) : 0;

	fputs("    ", t->f);
	esc(t->f, jstr(f, "title"));
	fputs("\n      ", t->f);
	fputs(fix_meaning(cat), t->f);
	if (no) {
		fprintf(t->f, "  Fix %d.", no);
	} else if (jstr(f, "remediation")) {
		fputs("\n      Fix: ", t->f);
		esc(t->f, jstr(f, "remediation"));
	}
	if (jstr(f, "reproduce")) {
		fputs("\n      $ ", t->f);
		esc(t->f, jstr(f, "reproduce"));
	}
	fputc('\n', t->f);
}

/* One severity group: its header and its findings (those about $SYS counted apart). */
static void group(struct tf *t, const cJSON *rec, int sev)
{
	const cJSON *f;
	int n = 0, sys = 0;

	cJSON_ArrayForEach(f, jget(rec, "findings"))
		if (severity_from_str(jstr(f, "severity")) == sev)
			is_sys(f) ? sys++ : n++;
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
	cJSON_ArrayForEach(f, jget(rec, "findings"))
		if (severity_from_str(jstr(f, "severity")) == sev && !is_sys(f))
			one(t, f);
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
static void hints(FILE *out, const cJSON *rec, bool detect)
{
	const char *tr = jstr(rec, "transport"), *st = jstr(rec, "status");

	if (!detect && jport(rec, "port") == 8883 && tr && !strcmp(tr, "tls") && st &&
	    (!strcmp(st, "handshake-error") || !strcmp(st, "protocol-error") ||
		   !strcmp(st, "connection-closed")))
		fputs("  hint: TLS failed on 8883; plain MQTT may answer there: run again with "
		      "--detect\n", out);
}

void text_findings(FILE *out, const cJSON *rec, bool color, bool detect)
{
	struct tf t = {.f = out, .color = color};
	struct addon_signals sig = {0};

	hints(out, rec, detect);
	if (!cJSON_GetArraySize(jget(rec, "findings")))
		return;
	fix_signals_add(&sig, rec);
	t.sw = jbool(rec, "mqtt") ? fix_sw_for(jstr(jget(rec, "broker"), "product"), &sig)
				  : FSW_ANY;
	for (int sev = SEV__COUNT - 1; sev >= 0; sev--)
		group(&t, rec, sev);
	fixes(&t);
}
