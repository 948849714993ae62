/* Terminal summary sink: one plain-language sentence per record, e.g.
 *   127.0.0.1:1883 mosquitto 2.0.11 — anyone can connect without a password and read 42
 *   topics, including people's locations and door and lock state (critical)
 * then, when the probe mapped what an account may do, its access map as a table (one
 * column per account when several were audited), and a closing line with the scan
 * counts. Every string that came from the network (or
 * from the user: hostnames) goes through escape_term(), so control characters, escape
 * sequences and bidi overrides in a broker's version string are shown as \x1b etc. and
 * never reach the terminal as such.
 *
 * Two entry points print the same bytes: write_record() reads the record itself through
 * the field tables (rpath, text_node.h), so a scan printing its summary builds no tree;
 * write() reads a parsed record (one that held a configured secret, scrubbed, or one from
 * a database) by the same paths. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "base/config.h"
#include "output/escape.h"
#include "output/jget.h"
#include "output/record.h"
#include "output/sink.h"
#include "output/text_findings.h"
#include "output/text_node.h"

struct text {
	FILE *f;
	bool color;
	bool details, detect; /* --details (text_findings.c), --detect (its hint) */
	bool creds; /* -u given: a refusal is a verdict on those credentials */
	const char *resume_db; /* --resume: where the earlier parts' records are */
	unsigned long printed;
};

static const char *const cat_phrase[CAT__COUNT] = {
	[CAT_LOCATION] = "people's locations",
	[CAT_PRESENCE] = "who is at home",
	[CAT_DOOR_STATE] = "door and lock state",
	[CAT_ACTUATOR_CONTROL] = "devices anyone could switch or open",
	[CAT_CREDENTIAL] = "passwords or tokens",
	[CAT_NETWORK_KEY] = "network keys",
	[CAT_DEVICE_INVENTORY] = "a list of the home's devices",
	[CAT_BROKER_INFO] = "broker details",
	[CAT_DASHBOARD] = "an open dashboard",
	[CAT_FILE_SHARE] = "an open file share",
};

static const struct { const char *auth, *text; } verdicts[] = {
	{"anonymous", "anyone can connect without a password"},
	{"any_credentials", "anyone can connect with any username and password"},
	{"authenticated", "connected with the credentials given"},
	{"credentials_required", "requires a username and password"},
	{"client_cert_required", "requires a client certificate"},
	{"not_authorized", "refuses unauthorised clients"},
	{"banned", "refused us as banned"},
	{"server_moved", "redirects clients to another server"},
	{"use_another_server", "redirects clients to another server"},
};

static msw_err text_open(struct sink *s, const char *path, const struct msw_config *cfg)
{
	struct text *t = calloc(1, sizeof(*t));

	if (!t)
		return MSW_ERR_NOMEM;
	t->f = stdout;
	t->color = cfg && cfg->color && isatty(STDOUT_FILENO);
	t->details = cfg && cfg->details;
	t->detect = cfg && cfg->detect;
	t->creds = cfg && cfg->username;
	t->resume_db = cfg ? cfg->resume_db : NULL;
	s->priv = t;
	return MSW_OK;
}

/* Print a string from the record, escaped for the terminal. */
static void put_esc(FILE *f, const char *s)
{
	char *e = escape_term_s(s);

	if (e) {
		fputs(e, f);
		free(e);
	}
}

static void put_target(FILE *f, const struct tnode *r)
{
	const char *host = tn_str(r, "hostname"), *tr = tn_str(r, "transport");
	struct tnode br = tn_sub(r, "broker"), *b = &br;

	const char *ip = tn_str(r, "ip");
	bool no_ip = !ip || !ip[0]; /* a name that did not resolve: the name stands for it */

	put_esc(f, no_ip && host ? host : ip);
	if (strcmp(tn_str(r, "kind") ? tn_str(r, "kind") : "", "host") != 0)
		fprintf(f, ":%.0f", tn_num(r, "port", 0));
	if (host && !no_ip) {
		fputs(" (", f);
		put_esc(f, host);
		fputs(")", f);
	}
	if (tr && strcmp(tr, "tcp") != 0)
		fprintf(f, " [%s]", tr);
	if (tn_str(r, "probe") && strcmp(tn_str(r, "probe"), "mqtt") != 0) {
		fputc(' ', f);
		put_esc(f, tn_str(r, "probe"));
	}
	if (!tn_str(b, "product"))
		br = tn_sub(r, "http");   /* dashboards: the fingerprinted product */
	if (tn_str(b, "product")) {
		fputc(' ', f);
		put_esc(f, tn_str(b, "product"));
		if (tn_str(b, "version")) {
			fputc(' ', f);
			put_esc(f, tn_str(b, "version"));
		}
	}
}

/* Worst severity and the categories present, worst first (at most 4 named). */
static int categories(const struct tnode *r, int *order, int max, int *n, const char **worst_title)
{
	int rank[CAT__COUNT], worst = -1;
	struct tnode all = tn_sub(r, "findings");
	size_t nf = tn_len(&all);

	for (int i = 0; i < CAT__COUNT; i++)
		rank[i] = -1;
	*worst_title = NULL;
	for (size_t i = 0; i < nf; i++) {
		struct tnode e = tn_elem(&all, i), *fi = &e;
		int c = category_from_str(tn_str(fi, "category"));
		int sv = severity_from_str(tn_str(fi, "severity"));

		if (c < 0 || sv < 0)
			continue;
		if (sv > rank[c])
			rank[c] = sv;
		if (sv > worst) {
			worst = sv;
			*worst_title = tn_str(fi, "title");
		}
	}
	*n = 0;
	for (int sv = SEV__COUNT - 1; sv >= SEV_LOW && *n < max; sv--)
		for (int c = 0; c < CAT__COUNT && *n < max; c++)
			if (rank[c] == sv && c != CAT_BROKER_INFO)
				order[(*n)++] = c;
	return worst;
}

static void put_severity(struct text *t, int worst)
{
	static const char *const col[SEV__COUNT] = {"", "", "\033[33m", "\033[31m", "\033[1;31m"};

	if (worst < 0)
		return;
	if (t->color && col[worst][0])
		fprintf(t->f, " (%s%s\033[0m)", col[worst], severity_str((enum msw_severity)worst));
	else
		fprintf(t->f, " (%s)", severity_str((enum msw_severity)worst));
}

static bool has_tag(const struct tnode *r, const char *tag)
{
	struct tnode tags = tn_sub(r, "tags");
	size_t n = tn_len(&tags);

	for (size_t i = 0; i < n; i++) {
		struct tnode it = tn_elem(&tags, i);
		const char *s = tv_str(it.sc, &it.v);

		if (s && strcmp(s, tag) == 0)
			return true;
	}
	return false;
}

/* A broker that refused a login made with credentials we gave judged those credentials,
 * not unauthorised clients in general. */
static bool refused_given(const char *auth, bool creds)
{
	return creds && auth &&
	       (strcmp(auth, "credentials_required") == 0 || strcmp(auth, "not_authorized") == 0);
}

static void put_mqtt_verdict(FILE *f, const struct tnode *r, bool creds)
{
	const char *auth = tn_str(r, "auth"), *ra = tn_str(r, "read_access");
	const char *v = "speaks MQTT";
	double count = tn_num(r, "topics.count", 0);
	double sys = tn_num(r, "topics.sys_count", 0);

	for (size_t i = 0; auth && i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		if (strcmp(auth, verdicts[i].auth) == 0)
			v = verdicts[i].text;
	if (refused_given(auth, creds))
		v = "rejected the credentials given";
	fputs(v, f);
	if (!ra)
		return;
	if (sys > count)
		sys = count;
	if (strcmp(ra, "granted_with_data") == 0) {
		/* the owner's data apart from the broker's own $SYS statistics */
		fprintf(f, " and read %.0f topic%s", count - sys, count - sys == 1 ? "" : "s");
		if (sys > 0)
			fprintf(f, " (plus %.0f $SYS topic%s of broker statistics)", sys,
				sys == 1 ? "" : "s");
	}
	else if (strcmp(ra, "granted_no_data") == 0)
		fputs(has_tag(r, "acl_filtered")
			      ? ", but subscribing to everything delivered nothing although the broker "
				"reports stored messages (deliveries are likely filtered by an ACL)"
			      : ", but subscribing to everything delivered nothing beyond the broker's "
				"own statistics", f);
	else if (strcmp(ra, "denied") == 0)
		fputs(", but subscribing was refused", f);
	if (tn_str(r, "write_access") && strcmp(tn_str(r, "write_access"), "confirmed") == 0)
		fputs(", and anyone can publish", f);
}

static void put_failure(FILE *f, const struct tnode *r)
{
	const char *st = tn_str(r, "status"), *err = tn_str(r, "error");
	char buf[64];
	size_t i;

	if (st && strcmp(st, "invalid-inputs") == 0 && err) {
		put_esc(f, err); /* "name did not resolve: ..." says it all */
		return;
	}
	snprintf(buf, sizeof(buf), "%s", st ? st : "unknown-error");
	for (i = 0; buf[i]; i++)
		if (buf[i] == '-')
			buf[i] = ' ';
	fputs(buf, f);
	if (err && !strstr(err, buf)) { /* not "connection refused: connect: connection refused" */
		fputs(": ", f);
		put_esc(f, err);
	}
}

static void put_findings(FILE *f, const int *order, int n)
{
	if (!n)
		return;
	fputs(", including ", f);
	for (int i = 0; i < n; i++) {
		if (i)
			fputs(i == n - 1 ? " and " : ", ", f);
		fputs(cat_phrase[order[i]], f);
	}
}

/* Host summary (depth host): the chain of open doors, when there is one. */
static msw_err text_host(struct text *t, const struct tnode *r)
{
	const char *chain = tn_str(r, "risk.chain");

	if (!chain || !chain[0])
		return MSW_OK;
	put_esc(t->f, tn_str(r, "ip"));
	fputs(" host \xe2\x80\x94 open doors: ", t->f);
	put_esc(t->f, chain);
	put_severity(t, severity_from_str(tn_str(r, "risk.worst_severity")));
	fputc('\n', t->f);
	return fflush(t->f) == 0 ? MSW_OK : MSW_ERR_IO;
}

#define ACL_COL 40   /* width of the filter column */
#define ACL_USER_W 24 /* widest account column (longer names are cut at a character) */

/* Characters a terminal shows for UTF-8 text (escape_term's output is valid UTF-8). */
static size_t term_width(const char *s)
{
	size_t w = 0;
	for (; s && *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

/* TEXT padded with spaces to WIDTH characters (at least one space after it). */
static void put_padded(FILE *f, const char *text, size_t width)
{
	size_t w = term_width(text);
	fprintf(f, "%s%*s", text, w < width ? (int)(width - w) : 1, "");
}

/* "    FILTER" padded to the filter column (escaped; a longer one pushes the row right). */
static void put_filter_cell(FILE *f, const char *filter)
{
	char *e = escape_term_s(filter ? filter : "");
	fputs("    ", f);
	put_padded(f, e ? e : "", ACL_COL);
	free(e);
}

static const char *word(const struct tnode *o, const char *k)
{
	const char *s = tn_str(o, k);
	return s ? s : "?";
}

/* One account: its rows with the read and write verdicts in words. */
static void put_acl_rows(FILE *f, const struct tnode *acl)
{
	size_t n = tn_len(acl);
	fputs("    ", f);
	put_padded(f, "filter", ACL_COL);
	fprintf(f, "%-9s %s\n", "read", "write");
	for (size_t i = 0; i < n; i++) {
		struct tnode e = tn_elem(acl, i), *row = &e;
		put_filter_cell(f, tn_str(row, "filter"));
		fprintf(f, "%-9s %s\n", word(row, "read"), word(row, "write"));
	}
}

static char read_letter(const char *rd)
{
	return !strcmp(rd, "granted") ? 'R' : !strcmp(rd, "denied") ? '-' : '?';
}

static char write_letter(const char *wr)
{
	return !strcmp(wr, "confirmed")  ? 'W'
	       : !strcmp(wr, "accepted") ? 'w'
	       : !strcmp(wr, "denied")   ? '-'
					 : '?';
}

/* An account's name as its column header: escaped, cut to ACL_USER_W characters. */
static char *user_label(const struct tnode *account)
{
	const char *u = tn_str(account, "user");
	char *e = escape_term_s(u ? u : "(anonymous)");
	size_t w = 0, i = 0;
	if (!e)
		return NULL;
	for (; e[i]; i++)
		if (((unsigned char)e[i] & 0xC0) != 0x80 && ++w > ACL_USER_W)
			break;
	e[i] = '\0';
	return e;
}

/* A verdict in two letters (read, write) in a column WIDTH wide; blank when the account
 * had no such row. */
static void put_acl_cell(FILE *f, const struct tnode *acl, const char *filter, size_t width)
{
	size_t n = tn_len(acl);
	char cell[3] = "  ";
	for (size_t i = 0; i < n; i++) {
		struct tnode e = tn_elem(acl, i), *row = &e;
		const char *rf = tn_str(row, "filter");
		if (!rf || strcmp(rf, filter))
			continue;
		cell[0] = read_letter(word(row, "read"));
		cell[1] = write_letter(word(row, "write"));
		break;
	}
	put_padded(f, cell, width + 2);
}

/* Whether a row before row RI of account AI (of any account, in table order) already has
 * this filter. */
static bool filter_seen(const struct tnode *accounts, size_t ai, size_t ri, const char *filter)
{
	for (size_t i = 0; i <= ai; i++) {
		struct tnode a = tn_elem(accounts, i), acl = tn_sub(&a, "acl");
		size_t n = tn_len(&acl);
		for (size_t k = 0; k < n; k++) {
			struct tnode x = tn_elem(&acl, k);
			const char *xf;
			if (i == ai && k == ri)
				return false;
			xf = tn_str(&x, "filter");
			if (xf && !strcmp(xf, filter))
				return true;
		}
	}
	return false;
}

/* Several accounts: one column each, the rows of all of them in order of appearance. */
static void put_acl_compare(FILE *f, const struct tnode *accounts)
{
	size_t width[MSW_MAX_ACCOUNTS], n = 0, na = tn_len(accounts);
	fputs("    ", f);
	put_padded(f, "filter", ACL_COL);
	for (size_t ai = 0; ai < na; ai++) {
		struct tnode a = tn_elem(accounts, ai);
		char *e = user_label(&a);
		if (n == MSW_MAX_ACCOUNTS)
			break;
		width[n] = term_width(e) > 2 ? term_width(e) : 2;
		put_padded(f, e ? e : "", width[n++] + 2);
		free(e);
	}
	fputc('\n', f);
	for (size_t ai = 0; ai < na; ai++) {
		struct tnode a = tn_elem(accounts, ai), acl = tn_sub(&a, "acl");
		size_t nr = tn_len(&acl);
		for (size_t ri = 0; ri < nr; ri++) {
			struct tnode row = tn_elem(&acl, ri);
			const char *filter = tn_str(&row, "filter");
			if (!filter || filter_seen(accounts, ai, ri, filter))
				continue;
			put_filter_cell(f, filter);
			for (size_t i = 0; i < na && i < n; i++) {
				struct tnode b = tn_elem(accounts, i), bacl = tn_sub(&b, "acl");
				put_acl_cell(f, &bacl, filter, width[i]);
			}
			fputc('\n', f);
		}
	}
	fputs("    (read: R granted, - denied, ? unknown; write: W confirmed, w accepted, - denied, "
	      "? untested)\n", f);
}

static bool any_acl(const struct tnode *accounts)
{
	size_t na = tn_len(accounts);
	for (size_t i = 0; i < na; i++) {
		struct tnode a = tn_elem(accounts, i), acl = tn_sub(&a, "acl");
		if (tn_len(&acl) > 0)
			return true;
	}
	return false;
}

/* The access map of a record as a table under its sentence: what each account may read
 * and write (the audit's answer to "what can this account do"). */
static void put_acl(FILE *f, const struct tnode *r)
{
	struct tnode accounts = tn_sub(r, "accounts"), acl = tn_sub(r, "acl");
	if (tn_len(&accounts) > 1 && any_acl(&accounts)) {
		fputs("  what each account may do:\n", f);
		put_acl_compare(f, &accounts);
	} else if (tn_len(&acl) > 0) {
		fputs("  what this account may do:\n", f);
		put_acl_rows(f, &acl);
	}
}

/* One record's sentence (and, with details, its access map and findings). */
static msw_err text_node(struct text *t, const struct tnode *r)
{
	int order[4], n, worst;
	const char *title;
	bool is_mqtt = tn_bool(r, "mqtt"), ok = tn_str(r, "status") &&
		strcmp(tn_str(r, "status"), "success") == 0;

	if (tn_str(r, "kind") && strcmp(tn_str(r, "kind"), "host") == 0)
		return text_host(t, r);
	worst = categories(r, order, 4, &n, &title);
	put_target(t->f, r);
	fputs(" \xe2\x80\x94 ", t->f);   /* em dash */
	if (is_mqtt) {
		put_mqtt_verdict(t->f, r, t->creds);
		put_findings(t->f, order, n);
		if (!ok) {
			fputs("; stopped early: ", t->f);
			put_failure(t->f, r);
		}
	} else if (title) {
		put_esc(t->f, title);
	} else if (ok) {
		fputs("nothing exposed found", t->f);
	} else {
		put_failure(t->f, r);
	}
	put_severity(t, worst);
	fputc('\n', t->f);
	if (t->details) { /* the access map and the findings: audit's default, scan --details */
		put_acl(t->f, r);
		text_findings_node(t->f, r, t->color, t->detect);
	}
	t->printed++;
	return fflush(t->f) == 0 ? MSW_OK : MSW_ERR_IO;
}

/* A parsed record (one that held a configured secret, or from a database). */
static msw_err text_write(struct sink *s, const cJSON *rec)
{
	struct tscratch sc = {0};
	struct tnode r = tnode_tree(rec, &sc);
	msw_err e = text_node(s->priv, &r);

	tscratch_free(&sc);
	return e;
}

/* The record itself, read through the field tables: the same lines, no tree. */
static msw_err text_write_record(struct sink *s, const struct msw_record *rec)
{
	struct tscratch sc = {0};
	struct tnode r = tnode_record(rec, &sc);
	msw_err e = text_node(s->priv, &r);

	tscratch_free(&sc);
	return e;
}

/* "N word" with the plural s, appended after a separator when n > 0 (or always). */
static void put_count(FILE *f, bool *first, double n, const char *what, bool always)
{
	if (n <= 0 && !always)
		return;
	fprintf(f, "%s%.0f %s", *first ? "" : ", ", n, what);
	*first = false;
}

/* The outcomes of one population, in the metadata's words. */
static void put_outcomes(FILE *f, const cJSON *o)
{
	static const char *const keys[] = {"success", "refused", "no_answer", "timed_out",
					   "closed", "errors", "interrupted"};
	static const char *const words[] = {"completed", "refused", "no answer",
					    "timed out after connecting", "closed early", "errors",
					    "interrupted"};
	bool first = true;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		put_count(f, &first, jnum(o, keys[i], 0), words[i], false);
}

/* The closing summary: the listed targets and their outcomes (which add up to the
 * targets tried), the hosts never tried, the depth-host probe ports apart, and the MQTT
 * verdicts (which add up to the brokers that spoke MQTT). */
static msw_err text_meta(struct sink *s, const cJSON *m, int final)
{
	struct text *t = s->priv;
	const cJSON *c = jget(m, "counts"), *hp = jget(c, "host_probes"), *mq = jget(c, "mqtt");
	double tried = jnum(c, "targets_tried", 0);
	bool first = true;

	if (!final)
		return MSW_OK;
	if (!t->printed)
		fputs("No service found.\n", t->f);
	fprintf(t->f, "Scan %s: %.0f target%s tried", jstr(m, "scan_id") ? jstr(m, "scan_id") : "",
		tried, tried == 1 ? "" : "s");
	if (tried > 0) {
		fputs(" (", t->f);
		put_outcomes(t->f, jget(c, "outcomes"));
		fprintf(t->f, "), %.0f connected", jnum(c, "connected", 0));
	}
	if (jnum(c, "unresolved", 0) > 0 || jnum(c, "blocklisted", 0) > 0) {
		fputs("; hosts not tried: ", t->f);
		put_count(t->f, &first, jnum(c, "unresolved", 0), "name did not resolve", false);
		put_count(t->f, &first, jnum(c, "blocklisted", 0), "blocklisted", false);
	}
	if (jnum(hp, "tried", 0) > 0) {
		fprintf(t->f, "; plus %.0f host-probe port%s (", jnum(hp, "tried", 0),
			jnum(hp, "tried", 0) == 1 ? "" : "s");
		put_outcomes(t->f, jget(hp, "outcomes"));
		fputc(')', t->f);
	}
	fprintf(t->f, ". %.0f speak%s MQTT", jnum(mq, "speaking", 0),
		jnum(mq, "speaking", 0) == 1 ? "s" : "");
	if (jnum(mq, "speaking", 0) > 0) {
		first = true;
		fputs(" (", t->f);
		put_count(t->f, &first, jnum(mq, "anonymous", 0), "open to anyone", false);
		put_count(t->f, &first, jnum(mq, "any_credentials", 0), "accepting any credentials",
			  false);
		put_count(t->f, &first, jnum(mq, "authenticated", 0),
			  "logged in with the credentials given", false);
		put_count(t->f, &first, jnum(mq, "auth_required", 0), "asking for credentials",
			  false);
		put_count(t->f, &first, jnum(mq, "other", 0), "other answers", false);
		fputc(')', t->f);
	}
	fprintf(t->f, "; %.0f finding%s.\n", jnum(c, "findings", 0),
		jnum(c, "findings", 0) == 1 ? "" : "s");
	if (jnum(mq, "any_credentials", 0) > 0)
		fprintf(t->f, "%.0f broker(s) let in any username with any password: the password "
			"check accepts everyone.\n", jnum(mq, "any_credentials", 0));
	if (jbool(m, "resumed") && t->resume_db) {
		fputs("Resumed: these counts cover every part of the scan; the records found before "
		      "the interruption are in ", t->f);
		put_esc(t->f, t->resume_db);
		fputs(" (mqttsweep stats).\n", t->f);
	}
	return fflush(t->f) == 0 ? MSW_OK : MSW_ERR_IO;
}

static msw_err text_flush(struct sink *s)
{
	struct text *t = s->priv;

	return fflush(t->f) == 0 ? MSW_OK : MSW_ERR_IO;
}

static void text_close(struct sink *s)
{
	struct text *t = s->priv;

	if (t)
		fflush(t->f);
	free(t);
	s->priv = NULL;
}

const struct sink_ops sink_text = {
	.name = "text",
	.open = text_open,
	.write = text_write,
	.write_record = text_write_record,
	.meta = text_meta,
	.flush = text_flush,
	.close = text_close,
};
