/* Classifier against data: the shared fixture set (tests/vectors/classify/fixtures, a copy
 * of shared/fixtures/payloads with its MANIFEST.tsv) and our own per-ecosystem cases
 * (tests/vectors/classify/MANIFEST.tsv). Fixtures: the top finding (highest severity,
 * first emitted) has exactly the manifest's category and severity; "none" rows produce
 * nothing above info. Cases: a finding with the expected id, category and severity exists.
 * Every rule of every table must be exercised by at least one vector (rule-hit hook), and
 * no finding shows a raw coordinate, password or the person's name under the default
 * --evidence redacted. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "classify/classify.h"
#include "classify/cls_int.h"
#include "output/record.h"

#define MAX_RULES 1024

static const struct rule *hits[MAX_RULES];
static size_t nhits;

static void on_hit(const struct rule *ru)
{
	for (size_t i = 0; i < nhits; i++)
		if (hits[i] == ru)
			return;
	if (nhits < MAX_RULES)
		hits[nhits++] = ru;
}

static const char *srcdir(void)
{
	const char *s = getenv("MSW_SOURCE_DIR");

	return s && *s ? s : MSW_SOURCE_DIR;
}

static uint8_t *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long l;

	*n = 0;
	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (l = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		b = malloc((size_t)l + 1);
		if (b)
			*n = fread(b, 1, (size_t)l, f);
	}
	fclose(f);
	return b;
}

struct row {
	char *f[8];
	int n;
};

static void split_tab(char *line, struct row *r)
{
	char *p = line;

	r->n = 0;
	line[strcspn(line, "\r\n")] = 0;
	while (r->n < 8) {
		char *t = strchr(p, '\t');

		r->f[r->n++] = p;
		if (!t)
			break;
		*t = 0;
		p = t + 1;
	}
}

/* Classify the message(s) of one row into rec. files/topics may list several with "||". */
static void classify_row(const char *dir, const char *files, const char *topics,
			 const struct msw_config *cfg, struct msw_record *rec)
{
	struct classify_ctx *c = cls_new(cfg);
	char fl[1024], tl[1024];
	char *fs = fl, *ts = tl;

	assert_non_null(c);
	snprintf(fl, sizeof(fl), "%s", files);
	snprintf(tl, sizeof(tl), "%s", topics);
	record_init(rec, "mqtt");
	snprintf(rec->ip, sizeof(rec->ip), "127.0.0.1");
	rec->port = 1883;
	while (fs && ts) {
		char *fn = strsep(&fs, "|"), *tp = strsep(&ts, "|");
		char path[1024];
		size_t n;
		uint8_t *p;

		if (fs && *fs == '|')
			fs++;
		if (ts && *ts == '|')
			ts++;
		snprintf(path, sizeof(path), "%s/%s", dir, fn);
		p = slurp(path, &n);
		assert_non_null(p);
		/* "(smb) <path>" rows are file contents (the manifest's notation): the test hands
		 * them to cls_file itself; the product never routes a topic to the file classifier */
		if (strncmp(tp, "(smb) ", 6) == 0)
			cls_file(c, tp + 6, p, n);
		else
			cls_message(c, (const uint8_t *)tp, strlen(tp), p, n, true);
		free(p);
	}
	cls_finish(c, rec);
	cls_free(c);
}

static const struct msw_finding *top(const struct msw_record *rec)
{
	const struct msw_finding *best = NULL;

	for (size_t i = 0; i < rec->findings.n; i++)
		if (!best || record_findings(rec)[i].severity > best->severity)
			best = &record_findings(rec)[i];
	return best;
}

static bool contains_ci(const struct msw_finding *f, const char *needle)
{
	const char *s[4] = { f->title, f->evidence, f->reproduce, NULL };
	char topic[2048];

	snprintf(topic, sizeof(topic), "%.*s", (int)f->topic.len, f->topic.p ? (const char *)f->topic.p : "");
	s[3] = topic;
	for (int i = 0; i < 4; i++)
		if (s[i] && strcasestr(s[i], needle))
			return true;
	return false;
}

/* Strings that must never appear in a redacted finding. */
static const char *const raw_secrets[] = {
	"51.50123", "-0.14187", "51.5011", "Correct-Horse-Battery-9", "Ohj3ahRie7eiLohpaiThee4ooquooK8o",
	"\"4711\"", "alice", "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e", "3f1c0a9d8e7b6c5d4e3f2a1b0c9d8e7f",
	"correct-horse-battery", "52.517036", "hunter2hunter2", "z2mSecretPass", "gwpass1234",
	"letmein123", "doubleEncodedPw1", "n3wS3cretPass", "bobs-laptop", "marie",
};

static void check_redacted(const struct msw_record *rec, const char *what)
{
	for (size_t i = 0; i < rec->findings.n; i++)
		for (size_t k = 0; k < sizeof(raw_secrets) / sizeof(raw_secrets[0]); k++)
			if (contains_ci(&record_findings(rec)[i], raw_secrets[k]))
				fail_msg("%s: finding %s shows '%s' under --evidence redacted: %s / %s", what,
					 record_findings(rec)[i].id, raw_secrets[k], record_findings(rec)[i].title,
					 record_findings(rec)[i].evidence ? record_findings(rec)[i].evidence : "");
}

static void check_finding_fields(const struct msw_record *rec, const char *what)
{
	for (size_t i = 0; i < rec->findings.n; i++) {
		const struct msw_finding *f = &record_findings(rec)[i];

		if (!f->id || !f->title || !f->reproduce || !f->remediation)
			fail_msg("%s: finding without id/title/reproduce/remediation", what);
		if (f->cwe <= 0)
			fail_msg("%s: finding %s without CWE", what, f->id);
		if (strstr(f->reproduce, "{host}") || strstr(f->reproduce, "{port}"))
			fail_msg("%s: reproduce not filled: %s", what, f->reproduce);
		if (f->evidence) {
			cJSON *e = cJSON_Parse(f->evidence);

			if (!cJSON_IsObject(e))
				fail_msg("%s: evidence of %s is not a JSON object: %s", what, f->id, f->evidence);
			cJSON_Delete(e);
		}
		if (!utf8_valid((const uint8_t *)f->title, strlen(f->title)))
			fail_msg("%s: title of %s is not UTF-8", what, f->id);
	}
}

static void test_fixtures(void **state)
{
	char dir[1024], path[1100], line[4096];
	struct msw_config cfg = { .evidence = EVIDENCE_REDACTED };
	FILE *m;
	int rows = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tests/vectors/classify/fixtures", srcdir());
	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", dir);
	m = fopen(path, "r");
	assert_non_null(m);
	assert_non_null(fgets(line, sizeof(line), m));
	while (fgets(line, sizeof(line), m)) {
		struct row r;
		struct msw_record rec;
		const struct msw_finding *t;

		split_tab(line, &r);
		if (r.n < 5)
			continue;
		classify_row(dir, r.f[0], r.f[1], &cfg, &rec);
		t = top(&rec);
		if (strcmp(r.f[3], "none") == 0) {
			if (t && t->severity > SEV_INFO)
				fail_msg("%s: negative produced %s %s (%s)", r.f[0], severity_str(t->severity), t->id, t->title);
		} else {
			if (!t)
				fail_msg("%s: no finding (want %s %s)", r.f[0], r.f[3], r.f[4]);
			if (strcmp(category_str(t->category), r.f[3]) != 0 || strcmp(severity_str(t->severity), r.f[4]) != 0)
				fail_msg("%s: top finding %s is %s/%s, manifest says %s/%s", r.f[0], t->id,
					 category_str(t->category), severity_str(t->severity), r.f[3], r.f[4]);
		}
		check_redacted(&rec, r.f[0]);
		check_finding_fields(&rec, r.f[0]);
		record_free(&rec);
		rows++;
	}
	fclose(m);
	assert_true(rows >= 45);
}

static void test_cases(void **state)
{
	char dir[1024], path[1100], line[8192];
	struct msw_config cfg = { .evidence = EVIDENCE_REDACTED };
	FILE *m;
	int rows = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tests/vectors/classify/cases", srcdir());
	snprintf(path, sizeof(path), "%s/tests/vectors/classify/MANIFEST.tsv", srcdir());
	m = fopen(path, "r");
	assert_non_null(m);
	assert_non_null(fgets(line, sizeof(line), m));
	while (fgets(line, sizeof(line), m)) {
		struct row r;
		struct msw_record rec;
		const struct msw_finding *hit = NULL, *t;

		split_tab(line, &r);
		if (r.n < 6)
			continue;
		classify_row(dir, r.f[0], r.f[1], &cfg, &rec);
		t = top(&rec);
		if (strcmp(r.f[3], "-") == 0) {
			if (t && t->severity > SEV_INFO)
				fail_msg("%s: negative produced %s %s (%s)", r.f[0], severity_str(t->severity), t->id, t->title);
		} else {
			for (size_t i = 0; i < rec.findings.n && !hit; i++)
				if (strcmp(record_findings(&rec)[i].id, r.f[3]) == 0 &&
				    strcmp(category_str(record_findings(&rec)[i].category), r.f[4]) == 0 &&
				    strcmp(severity_str(record_findings(&rec)[i].severity), r.f[5]) == 0)
					hit = &record_findings(&rec)[i];
			if (!hit) {
				for (size_t i = 0; i < rec.findings.n; i++)
					fprintf(stderr, "  got %s %s %s: %s\n", record_findings(&rec)[i].id,
						category_str(record_findings(&rec)[i].category),
						severity_str(record_findings(&rec)[i].severity), record_findings(&rec)[i].title);
				fail_msg("%s (%s): want %s %s/%s", r.f[0], r.f[1], r.f[3], r.f[4], r.f[5]);
			}
		}
		check_redacted(&rec, r.f[0]);
		check_finding_fields(&rec, r.f[0]);
		record_free(&rec);
		rows++;
	}
	fclose(m);
	assert_true(rows >= 100);
}

/* Payload string values (6+ characters) that must not show up under --evidence minimal. */
static void collect_values(const cJSON *n, char **out, int *k, int max, int depth)
{
	const cJSON *it;

	if (depth > 64)
		return;
	/* single words ("location", "OwnTracks") also occur in our own titles: only values with
	 * a digit, space or separator are specific enough to be a payload leak */
	if (cJSON_IsString(n) && n->valuestring && strlen(n->valuestring) >= 6 && *k < max &&
	    strpbrk(n->valuestring, "0123456789 -@.:"))
		out[(*k)++] = n->valuestring;
	cJSON_ArrayForEach(it, n)
		collect_values(it, out, k, max, depth + 1);
}

static void test_minimal(void **state)
{
	char dir[1024], path[1100], line[4096];
	struct msw_config cfg = { .evidence = EVIDENCE_MINIMAL, .hash_key = "test" };
	FILE *m;
	int rows = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/tests/vectors/classify/fixtures", srcdir());
	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", dir);
	m = fopen(path, "r");
	assert_non_null(m);
	assert_non_null(fgets(line, sizeof(line), m));
	while (fgets(line, sizeof(line), m)) {
		struct row r;
		struct msw_record rec;
		char *vals[512], fpath[1200];
		int nv = 0;
		size_t n;
		uint8_t *p;
		cJSON *j;

		split_tab(line, &r);
		if (r.n < 5 || r.f[1][0] == '(')
			continue;
		classify_row(dir, r.f[0], r.f[1], &cfg, &rec);
		snprintf(fpath, sizeof(fpath), "%s/%s", dir, r.f[0]);
		p = slurp(fpath, &n);
		j = cJSON_ParseWithLength((const char *)p, n);
		collect_values(j, vals, &nv, 512, 0);
		for (size_t i = 0; i < rec.findings.n; i++) {
			const struct msw_finding *f = &record_findings(&rec)[i];

			for (int v = 0; v < nv; v++)
				if (strstr(f->title, vals[v]) || (f->evidence && strstr(f->evidence, vals[v])))
					fail_msg("%s: minimal finding %s shows payload value '%s': %s", r.f[0], f->id, vals[v], f->title);
			if (f->topic.len && memmem(f->topic.p, f->topic.len, "alice", 5))
				fail_msg("%s: minimal topic names a person", r.f[0]);
		}
		check_redacted(&rec, r.f[0]);
		cJSON_Delete(j);
		free(p);
		record_free(&rec);
		rows++;
	}
	fclose(m);
	assert_true(rows >= 40);
}

/* Runs last: both vector sets together must have exercised every rule. */
static void test_every_rule_exercised(void **state)
{
	int missing = 0;

	(void)state;
	for (size_t t = 0; t < cls_ntables; t++)
		for (size_t i = 0; i < cls_tables[t]->n; i++) {
			const struct rule *ru = &cls_tables[t]->rules[i];
			bool seen = false;

			for (size_t k = 0; k < nhits && !seen; k++)
				seen = hits[k] == ru;
			if (!seen) {
				fprintf(stderr, "rule not exercised: %s[%zu] %s (%s)\n", cls_tables[t]->name, i,
					ru->id, ru->topic ? ru->topic : "*");
				missing++;
			}
		}
	assert_int_equal(missing, 0);
}

static void md_add(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = realloc(*buf, *cap);
		assert_non_null(*buf);
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

/* The "Every rule" tables of docs/findings.md, from the rule tables. */
static char *rules_markdown(void)
{
	char *b = NULL, line[1024];
	size_t len = 0, cap = 0;

	md_add(&b, &len, &cap, "");
	for (size_t t = 0; t < cls_ntables; t++) {
		snprintf(line, sizeof(line), "%s### Table `%s`\n\n| id | topic pattern | category | severity | "
			 "confidence | CWE |\n|---|---|---|---|---|---|\n", t ? "\n" : "", cls_tables[t]->name);
		md_add(&b, &len, &cap, line);
		for (size_t i = 0; i < cls_tables[t]->n; i++) {
			const struct rule *ru = &cls_tables[t]->rules[i];
			char pat[512] = "(any)";
			size_t o = 0;

			for (const char *p = ru->topic; p && *p && o + 3 < sizeof(pat); p++) {
				if (*p == '|')
					pat[o++] = '\\';
				pat[o++] = *p;
				pat[o] = 0;
			}
			snprintf(line, sizeof(line), "| `%s` | `%s` | %s | %s | %s | %d |\n", ru->id, pat,
				 category_str(ru->cat), severity_str(ru->sev), confidence_str(ru->conf), ru->cwe);
			md_add(&b, &len, &cap, line);
		}
	}
	return b;
}

/* docs/findings.md lists every rule as the tables hold it: the section from the first
 * "### Table" to the end of the file. MSW_RULES_MD=FILE writes the generated text there. */
static void test_docs_list_every_rule(void **state)
{
	char path[1100];
	size_t n;
	char *want = rules_markdown(), *doc, *sec;
	const char *out = getenv("MSW_RULES_MD");

	(void)state;
	if (out) {
		FILE *f = fopen(out, "w");

		assert_non_null(f);
		fputs(want, f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/docs/findings.md", srcdir());
	doc = (char *)slurp(path, &n);
	assert_non_null(doc);
	sec = strstr(doc, "### Table `");
	assert_non_null(sec);
	for (size_t k = strlen(sec); k && (sec[k - 1] == '\n' || sec[k - 1] == ' '); k--)
		sec[k - 1] = 0;
	for (size_t k = strlen(want); k && want[k - 1] == '\n'; k--)
		want[k - 1] = 0;
	bool same = strcmp(sec, want) == 0;

	free(doc);
	free(want);
	if (!same)
		fail_msg("docs/findings.md \"Every rule\" differs from the rule tables; regenerate with "
			 "MSW_RULES_MD=/tmp/rules.md test_classify_vectors and paste it in");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_every_rule_exercised),
		cmocka_unit_test(test_docs_list_every_rule),
	};

	cls_rule_hit = on_hit;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
