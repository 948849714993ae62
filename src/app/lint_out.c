/* lint's output: text for people (file:line, severity, rule, message, fix), SARIF 2.1.0
 * for code-scanning tools (one run; the rule table as tool.driver.rules with help text;
 * one result per finding with its physical location). Everything taken from the files is
 * escaped for the terminal in text, and JSON-encoded by cJSON in SARIF. */
#include "app/lint.h"
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "output/escape.h"

#ifndef MSW_VERSION
#define MSW_VERSION "0"
#endif

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"

static const char *file_of(const struct lint_ctx *c, struct lloc at)
{
	return at.file < c->nfiles ? c->files[at.file] : "?";
}

static const char *level_of(enum msw_severity s)
{
	return s >= SEV_HIGH ? "error" : s == SEV_MEDIUM ? "warning" : "note";
}

int lint_write_text(FILE *f, const struct lint_ctx *c)
{
	size_t by[SEV__COUNT] = {0};

	fprintf(f, "# mqttsweep lint: %s semantics%s\n",
		c->ver == LV_1_6 ? "Mosquitto 1.6" : "Mosquitto 2.0 (checked against 2.0.11)",
		c->addon ? "; the Home Assistant add-on's generated configuration" : "");
	for (size_t i = 0; i < c->findings.n; i++) {
		const struct lint_finding *x = &lint_findings(c)[i];
		const struct lint_rule *r = &lint_rules[x->rule];
		char *file = escape_term_s(file_of(c, x->at)), *msg = escape_term_s(x->msg);

		by[x->sev]++;
		if (x->at.line)
			fprintf(f, "%s:%u: %s [%s] %s\n", file ? file : "?", x->at.line,
				severity_str(x->sev), r->id, msg ? msg : "");
		else
			fprintf(f, "%s: %s [%s] %s\n", file ? file : "?", severity_str(x->sev), r->id,
				msg ? msg : "");
		fprintf(f, "    fix: %s\n", r->fix);
		free(file);
		free(msg);
	}
	if (c->truncated)
		fprintf(f, "(more findings left out: the first %u are shown)\n", LINT_MAX_FINDINGS);
	fprintf(f, "%u finding%s", c->findings.n, c->findings.n == 1 ? "" : "s");
	for (int s = SEV__COUNT - 1; s >= 0; s--)
		if (by[s])
			fprintf(f, ", %zu %s", by[s], severity_str((enum msw_severity)s));
	fprintf(f, "\n");
	return ferror(f) ? -1 : 0;
}

/* A SARIF artifact URI: the path percent-encoded (RFC 3986 unreserved and '/' kept); an
 * absolute path becomes a file:// URI. */
static char *path_uri(const char *p)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(p);
	char *o = malloc(3 * n + 8), *w = o;

	if (!o)
		return NULL;
	if (p[0] == '/') {
		memcpy(w, "file://", 7);
		w += 7;
	}
	for (; *p; p++) {
		unsigned char ch = (unsigned char)*p;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		    strchr("-._~/", ch)) {
			*w++ = (char)ch;
		} else {
			*w++ = '%';
			*w++ = hex[ch >> 4];
			*w++ = hex[ch & 15];
		}
	}
	*w = '\0';
	return o;
}

static cJSON *text_obj(const char *t)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "text", t);
	return o;
}

static cJSON *sarif_rule(const struct lint_rule *r)
{
	cJSON *o = cJSON_CreateObject(), *cfg, *props, *tags;
	char help[2048];

	snprintf(help, sizeof(help), "%s\n\nFix: %s\n\nSource: %s", r->why, r->fix, r->source);
	cJSON_AddStringToObject(o, "id", r->id);
	cJSON_AddStringToObject(o, "name", r->name);
	cJSON_AddItemToObject(o, "shortDescription", text_obj(r->summary));
	cJSON_AddItemToObject(o, "fullDescription", text_obj(r->why));
	cJSON_AddItemToObject(o, "help", text_obj(help));
	cfg = cJSON_AddObjectToObject(o, "defaultConfiguration");
	cJSON_AddStringToObject(cfg, "level", level_of(r->sev));
	props = cJSON_AddObjectToObject(o, "properties");
	tags = cJSON_AddArrayToObject(props, "tags");
	cJSON_AddItemToArray(tags, cJSON_CreateString("security"));
	cJSON_AddItemToArray(tags, cJSON_CreateString("mqtt"));
	cJSON_AddStringToObject(props, "severity", severity_str(r->sev));
	return o;
}

static cJSON *sarif_result(const struct lint_ctx *c, const struct lint_finding *x)
{
	cJSON *o = cJSON_CreateObject(), *locs, *loc, *phys, *art, *region, *props;
	char *uri = path_uri(file_of(c, x->at));
	char msg[4096];

	snprintf(msg, sizeof(msg), "%s Fix: %s", x->msg, lint_rules[x->rule].fix);
	cJSON_AddStringToObject(o, "ruleId", lint_rules[x->rule].id);
	cJSON_AddNumberToObject(o, "ruleIndex", (double)x->rule);
	cJSON_AddStringToObject(o, "level", level_of(x->sev));
	cJSON_AddItemToObject(o, "message", text_obj(msg));
	locs = cJSON_AddArrayToObject(o, "locations");
	loc = cJSON_CreateObject();
	cJSON_AddItemToArray(locs, loc);
	phys = cJSON_AddObjectToObject(loc, "physicalLocation");
	art = cJSON_AddObjectToObject(phys, "artifactLocation");
	cJSON_AddStringToObject(art, "uri", uri ? uri : "unknown");
	region = cJSON_AddObjectToObject(phys, "region");
	cJSON_AddNumberToObject(region, "startLine", x->at.line ? x->at.line : 1);
	props = cJSON_AddObjectToObject(o, "properties");
	cJSON_AddStringToObject(props, "severity", severity_str(x->sev));
	free(uri);
	return o;
}

int lint_write_sarif(FILE *f, struct lint_ctx *const *cs, size_t n)
{
	cJSON *root = cJSON_CreateObject(), *runs, *run, *tool, *driver, *rules, *results;
	char *txt;
	int rc;

	if (!root)
		return -1;
	cJSON_AddStringToObject(root, "$schema", SARIF_SCHEMA);
	cJSON_AddStringToObject(root, "version", "2.1.0");
	runs = cJSON_AddArrayToObject(root, "runs");
	run = cJSON_CreateObject();
	cJSON_AddItemToArray(runs, run);
	tool = cJSON_AddObjectToObject(run, "tool");
	driver = cJSON_AddObjectToObject(tool, "driver");
	cJSON_AddStringToObject(driver, "name", "mqttsweep lint");
	cJSON_AddStringToObject(driver, "version", MSW_VERSION);
	rules = cJSON_AddArrayToObject(driver, "rules");
	for (size_t i = 0; i < lint_nrules; i++)
		cJSON_AddItemToArray(rules, sarif_rule(&lint_rules[i]));
	results = cJSON_AddArrayToObject(run, "results");
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < cs[k]->findings.n; i++)
			cJSON_AddItemToArray(results, sarif_result(cs[k], &lint_findings(cs[k])[i]));
	txt = cJSON_Print(root);
	cJSON_Delete(root);
	if (!txt)
		return -1;
	rc = fputs(txt, f) < 0 || fputc('\n', f) == EOF ? -1 : 0;
	free(txt);
	return rc;
}
