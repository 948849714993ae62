/* Fuzz lint's readers: byte 0 picks the reader, the rest is the file.
 *   0: a mosquitto.conf through the whole pipeline (model, every check, both outputs)
 *   1: an ACL file and a password file summary
 *   2: the Home Assistant add-on's options (YAML, or JSON when it starts with '{')
 * The lint context runs with no_io: include_dir is not followed and no file is opened, so
 * a hostile input cannot make the harness read the machine's files. Invariants: every
 * finding names a rule of the table, a line inside the file (or 0) and a known file;
 * the ACL entries' strings are terminated and within their caps. */
#include <assert.h>
#include <stdio.h>
#include "fuzz_common.h"
#include "app/lint.h"

static void check_ctx(const struct lint_ctx *c, size_t nlines)
{
	for (size_t i = 0; i < c->findings.n; i++) {
		assert(lint_findings(c)[i].rule < lint_nrules);
		assert(lint_findings(c)[i].at.file < c->nfiles);
		assert(lint_findings(c)[i].at.line <= nlines + 1);
		assert(lint_findings(c)[i].msg);
	}
}

static void run_conf(const uint8_t *d, size_t n)
{
	struct lint_ctx c;
	size_t idx, lines = 1;
	FILE *null = fopen("/dev/null", "w");

	for (size_t i = 0; i < n; i++)
		lines += d[i] == '\n';
	lint_init(&c, n && (d[0] & 1) ? LV_1_6 : LV_2_0, "/nonexistent-share");
	c.no_io = true;
	if (lint_add_file(&c, "fuzz.conf", (const char *)d, n, &idx) == MSW_OK) {
		lint_process(&c, idx, 0);
		lint_finish_model(&c);
		lint_check(&c);
		check_ctx(&c, lines);
		if (null) {
			struct lint_ctx *cs[1] = {&c};

			lint_write_text(null, &c);
			lint_write_sarif(null, cs, 1);
		}
	}
	if (null)
		fclose(null);
	lint_free(&c);
}

static void run_acl(const uint8_t *d, size_t n)
{
	struct macl a;
	struct mpw_summary s;

	if (macl_parse((const char *)d, n, &a) == MSW_OK) {
		for (size_t i = 0; i < a.n; i++) {
			assert(memchr(a.v[i].filter, 0, MACL_NAME_MAX));
			assert(memchr(a.v[i].user, 0, MACL_NAME_MAX));
			(void)macl_filter_all(a.v[i].filter);
			(void)macl_filter_sys(a.v[i].filter);
			(void)macl_filter_personal(a.v[i].filter);
		}
	}
	macl_free(&a);
	if (mpw_summarise((const char *)d, n, &s) == MSW_OK)
		assert(s.by_hash[MPW_PBKDF2] + s.by_hash[MPW_SHA512] + s.by_hash[MPW_OTHER] ==
		       s.entries);
}

static void run_addon(const uint8_t *d, size_t n)
{
	struct lint_ctx c;
	char err[256];

	lint_init(&c, LV_2_0, "/nonexistent-share");
	c.no_io = true;
	if (lint_load_addon(&c, "options.yaml", (const char *)d, n, err, sizeof(err)) == MSW_OK) {
		lint_check(&c);
		for (size_t i = 0; i < c.findings.n; i++)
			assert(lint_findings(&c)[i].rule < lint_nrules);
	}
	lint_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	switch (data[0] % 3) {
	case 0:
		run_conf(data + 1, size - 1);
		break;
	case 1:
		run_acl(data + 1, size - 1);
		break;
	default:
		run_addon(data + 1, size - 1);
		break;
	}
	return 0;
}
