/* Target lists (-iL) and exclusion files: reading them line by line, and the forms a
 * target list line takes, so that zmap and zgrab2 can sit in front of a scan:
 *
 *   plain   whitespace-separated target specs, '#' starts a comment (nmap's -iL, and
 *           zmap's default output: one responding address a line);
 *   CSV with a header row naming its columns (zmap -O csv -f saddr,sport,...): the
 *           address from "saddr" or "ip", the port from "port" or "sport", the name from
 *           "domain"; rows zmap marks unsuccessful (success=0, an RST: the port is
 *           closed) or repeated (repeat=1) are skipped; other columns are ignored;
 *   CSV without a header (zgrab2's input): ip, domain, tag, port — each optional but
 *           one of ip and domain; a CIDR in ip expands, a domain alone is resolved, a
 *           domain with an ip is the name used for that address (TLS SNI, Host), the port
 *           overrides -p for that line, the tag is ignored.
 *
 * A line is CSV when a comma comes before any '#'. The first CSV line of a file decides
 * between the two CSV forms: a header is a row of column names, one of them "saddr" or
 * "ip". Fields may be quoted ("..." with "" for a quote) and are trimmed. Lines are at
 * most 64 KiB of text; every error names the file and the line. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/targets_int.h"

#define MAX_LINE   65536 /* a line longer than this is not a target list */
#define MAX_FIELDS 64
#define ZGRAB_FIELDS 4   /* ip, domain, tag, port */

enum col { COL_ADDR, COL_PORT, COL_DOMAIN, COL_SUCCESS, COL_REPEAT, COL__COUNT };

struct listctx {
	struct target_iter *it;
	msw_err (*add)(void *ctx, const char *tok, char **errmsg); /* plain tokens */
	void *add_ctx;
	bool csv;       /* CSV lines allowed (target lists, not exclusion files) */
	bool csv_seen;  /* the first CSV line has been looked at */
	bool header;    /* columns named by a header row */
	int col[COL__COUNT]; /* field index, -1 = absent */
	size_t ncols;
};

/* ---- plain lines ---- */

static msw_err plain_line(struct listctx *lc, char *line, char **errmsg)
{
	char *p = line;
	msw_err rc = MSW_OK;

	while (*p && !rc) {
		char *start;

		while (isspace((unsigned char)*p))
			p++;
		if (*p == '#' || *p == '\0')
			break;
		start = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		if (*p)
			*p++ = '\0';
		rc = lc->add(lc->add_ctx, start, errmsg);
	}
	return rc;
}

/* ---- CSV ---- */

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* One quoted field starting at *pp (on the opening quote), unescaped in place into out;
 * *pp ends after the closing quote. NULL when the quote is not closed. */
static char *quoted(char **pp, char *out)
{
	char *p = *pp + 1, *o = out;

	for (;;) {
		if (*p == '\0')
			return NULL;
		if (*p == '"' && p[1] == '"') {
			*o++ = '"';
			p += 2;
			continue;
		}
		if (*p == '"')
			break;
		*o++ = *p++;
	}
	*o = '\0';
	*pp = p + 1;
	return out;
}

/* Splits line in place into at most MAX_FIELDS trimmed fields; NULL or why not. */
static const char *split_csv(char *line, char **f, size_t *n)
{
	char *p = line;

	*n = 0;
	for (;;) {
		char *start;

		if (*n == MAX_FIELDS)
			return "more than 64 fields";
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '"') {
			start = p;
			if (!quoted(&p, start))
				return "a quote is not closed";
			while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
				p++;
			if (*p && *p != ',')
				return "text after a closing quote";
			f[(*n)++] = start;
		} else {
			start = p;
			while (*p && *p != ',')
				p++;
			f[(*n)++] = start;
		}
		if (*p == '\0') {
			f[*n - 1] = trim(f[*n - 1]);
			return NULL;
		}
		*p++ = '\0';
		f[*n - 1] = trim(f[*n - 1]);
	}
}

static bool column_name(const char *s)
{
	if (!isalpha((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

static int find_col(char **f, size_t n, const char *a, const char *b)
{
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(f[i], a))
			return (int)i;
	for (size_t i = 0; b && i < n; i++)
		if (!strcasecmp(f[i], b))
			return (int)i;
	return -1;
}

/* The first CSV line: a header (true, columns mapped) or already data (false). */
static bool take_header(struct listctx *lc, char **f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!column_name(f[i]))
			return false;
	lc->col[COL_ADDR] = find_col(f, n, "saddr", "ip");
	if (lc->col[COL_ADDR] < 0)
		return false;
	lc->col[COL_PORT] = find_col(f, n, "port", "sport");
	lc->col[COL_DOMAIN] = find_col(f, n, "domain", NULL);
	lc->col[COL_SUCCESS] = find_col(f, n, "success", NULL);
	lc->col[COL_REPEAT] = find_col(f, n, "repeat", NULL);
	lc->ncols = n;
	lc->header = true;
	return true;
}

static const char *field(char **f, int col)
{
	return col >= 0 ? f[col] : "";
}

static msw_err csv_line(struct listctx *lc, char *line, char **errmsg)
{
	char *f[MAX_FIELDS];
	const char *why;
	size_t n;

	if ((why = split_csv(line, f, &n)))
		return errf(errmsg, "bad CSV line: %s", why);
	if (!lc->csv_seen) {
		lc->csv_seen = true;
		if (take_header(lc, f, n))
			return MSW_OK;
	}
	if (lc->header) {
		if (n != lc->ncols)
			return errf(errmsg, "%zu fields where the header names %zu", n, lc->ncols);
		if (!strcmp(field(f, lc->col[COL_SUCCESS]), "0") ||
		    !strcmp(field(f, lc->col[COL_REPEAT]), "1"))
			return MSW_OK; /* zmap: a closed port (RST) or a repeated answer */
		return tspace_add_row(lc->it, field(f, lc->col[COL_ADDR]),
				      field(f, lc->col[COL_DOMAIN]), field(f, lc->col[COL_PORT]),
				      errmsg);
	}
	if (n > ZGRAB_FIELDS)
		return errf(errmsg, "%zu fields: zgrab2's CSV form is ip, domain, tag, port", n);
	return tspace_add_row(lc->it, f[0], n > 1 ? f[1] : "", n > 3 ? f[3] : "", errmsg);
}

/* ---- files ---- */

static bool is_csv(const char *line)
{
	const char *comma = strchr(line, ','), *hash = strchr(line, '#');

	return comma && (!hash || comma < hash);
}

static msw_err one_line(struct listctx *lc, char *line, char **errmsg)
{
	char *p = line;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '#' || *p == '\0')
		return MSW_OK;
	if (lc->csv && is_csv(p))
		return csv_line(lc, p, errmsg);
	if (p[0] == '{')
		return errf(errmsg, "a JSON object is not a target: give zmap's default or csv "
				    "output (-O csv), or plain addresses");
	return plain_line(lc, p, errmsg);
}

/* One line into buf (NUL-terminated, line end kept): 1, or 0 at the end of the file, or -1
 * for a line over max bytes or one holding a NUL byte (not a text file). */
static int read_line(FILE *f, char *buf, size_t max)
{
	size_t n = 0;
	int c;

	while ((c = getc(f)) != EOF) {
		if (c == 0 || n == max)
			return -1;
		buf[n++] = (char)c;
		if (c == '\n')
			break;
	}
	buf[n] = '\0';
	return n ? 1 : 0;
}

/* Prefixes *errmsg with where the error is. */
static msw_err at_line(char **errmsg, const char *name, unsigned long lineno, msw_err rc)
{
	char *old;

	if (!errmsg || rc != MSW_ERR_USAGE)
		return rc;
	old = *errmsg;
	*errmsg = NULL;
	errf(errmsg, "%s line %lu: %s", name, lineno, old ? old : "bad line");
	free(old);
	return rc;
}

static msw_err read_stream(struct listctx *lc, FILE *f, const char *name, char **errmsg)
{
	char *line = malloc(MAX_LINE + 1);
	unsigned long lineno = 0;
	msw_err rc = MSW_OK;
	int got;

	if (!line)
		return MSW_ERR_NOMEM;
	while (!rc && (got = read_line(f, line, MAX_LINE)) != 0) {
		lineno++;
		if (got < 0)
			rc = errf(errmsg, "cannot read %s: line %lu is not a line of text", name,
				  lineno);
		else
			rc = at_line(errmsg, name, lineno, one_line(lc, line, errmsg));
	}
	if (!rc && ferror(f))
		rc = errf(errmsg, "cannot read %s: %s", name, strerror(errno));
	free(line);
	return rc;
}

static msw_err read_path(struct listctx *lc, const char *path, char **errmsg)
{
	bool is_stdin = !strcmp(path, "-");
	FILE *f = is_stdin ? stdin : fopen(path, "r");
	char name[300];
	msw_err rc;

	if (!f)
		return errf(errmsg, "cannot read '%s': %s", path, strerror(errno));
	snprintf(name, sizeof(name), is_stdin ? "standard input (-iL -)" : "'%.280s'", path);
	rc = read_stream(lc, f, name, errmsg);
	if (!is_stdin)
		fclose(f);
	return rc;
}

static msw_err add_spec_cb(void *ctx, const char *tok, char **errmsg)
{
	return tspace_add_spec(ctx, tok, errmsg);
}

static void listctx_init(struct listctx *lc, struct target_iter *it)
{
	*lc = (struct listctx){.it = it, .add = add_spec_cb, .add_ctx = it, .csv = true};
	for (int i = 0; i < COL__COUNT; i++)
		lc->col[i] = -1;
}

msw_err tspace_add_list(struct target_iter *it, const char *path, char **errmsg)
{
	struct listctx lc;

	listctx_init(&lc, it);
	return read_path(&lc, path, errmsg);
}

msw_err tspace_add_file(struct target_iter *it, const char *path, char **errmsg,
			msw_err (*add)(void *ctx, const char *tok, char **errmsg), void *ctx)
{
	struct listctx lc;

	listctx_init(&lc, it);
	lc.add = add;
	lc.add_ctx = ctx;
	lc.csv = false;
	return read_path(&lc, path, errmsg);
}

msw_err parse_target_list(const char *data, size_t n, char **errmsg)
{
	struct target_iter it = {0};
	struct listctx lc;
	FILE *f = fmemopen((void *)data, n, "r");
	msw_err rc;

	if (errmsg)
		*errmsg = NULL;
	if (!f)
		return n ? MSW_ERR_NOMEM : MSW_OK;
	tspace_init(&it);
	listctx_init(&lc, &it);
	rc = read_stream(&lc, f, "target list", errmsg);
	fclose(f);
	tspace_free(&it);
	return rc;
}
