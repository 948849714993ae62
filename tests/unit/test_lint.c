/* lint's pure parts: the mosquitto.conf line reader (how Mosquitto would read each line),
 * the ACL and password readers, the filter predicates, and the model plus rules on the
 * files of tests/vectors/lint/ (no_io: nothing outside the buffers is read). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "app/lint.h"

static void test_mconf_lines(void **state)
{
	static const char text[] = "# comment\r\n"
				   "\r\n"
				   "listener 1883 0.0.0.0\r\n"
				   "allow_anonymous\ttrue\n"
				   "   # indented\n"
				   " \t \n"
				   "password_file /etc/pw # users\n"
				   "   per_listener_settings   true   \n"
				   "tail-without-newline x";
	struct mconf m;

	(void)state;
	assert_int_equal(mconf_parse(text, sizeof(text) - 1, &m), MSW_OK);
	assert_int_equal(m.n, 7);
	assert_string_equal(m.v[6].key, "tail-without-newline");
	assert_int_equal(m.v[0].line, 3);
	assert_string_equal(m.v[0].key, "listener");
	assert_int_equal(m.v[0].nargs, 2);
	assert_string_equal(m.v[0].args[1], "0.0.0.0");
	assert_true(m.v[0].flags & MCF_CR);
	assert_string_equal(m.v[1].key, "allow_anonymous"); /* lenient: what was meant */
	assert_true(m.v[1].flags & MCF_TAB_IN_NAME);        /* and what Mosquitto does */
	assert_true(m.v[2].flags & MCF_INDENT_COMMENT);
	assert_true(m.v[3].flags & MCF_BLANK_TAB);
	assert_string_equal(m.v[4].value, "/etc/pw # users");
	assert_true(m.v[4].flags & MCF_INLINE_HASH);
	assert_string_equal(m.v[5].key, "per_listener_settings");
	assert_string_equal(m.v[5].value, "true");
	assert_false(m.v[5].flags & MCF_TAB_IN_NAME);
	mconf_free(&m);
	assert_int_equal(mconf_parse(text, 100 + MCONF_MAX_BYTES, &m), MSW_ERR_TOO_BIG);
}

static void test_mconf_nul_and_long(void **state)
{
	char buf[300];
	struct mconf m;

	(void)state;
	memset(buf, 'k', sizeof(buf));
	memcpy(buf, "port 1\0883\nx", 12);
	assert_int_equal(mconf_parse(buf, sizeof(buf), &m), MSW_OK);
	assert_true(m.v[0].flags & MCF_NUL);
	assert_string_equal(m.v[0].value, "1");
	assert_int_equal(strlen(m.v[1].key), MCONF_KEY_MAX - 1); /* cut, never a real name */
	mconf_free(&m);
}

static void test_acl(void **state)
{
	static const char acl[] = "# c\ntopic read public/#\ntopic $SYS/#\n\npattern read #\n"
				  "user bob\ntopic readwrite bob/#\ntopic bogus x\nuser\n";
	struct macl a;

	(void)state;
	assert_int_equal(macl_parse(acl, sizeof(acl) - 1, &a), MSW_OK);
	assert_int_equal(a.n, 6);
	assert_true(a.v[0].anonymous && a.v[0].access == MACL_READ);
	assert_string_equal(a.v[1].filter, "$SYS/#");
	assert_int_equal(a.v[1].access, MACL_READWRITE);
	assert_int_equal(a.v[2].kind, MACL_PATTERN);
	assert_false(a.v[2].anonymous);
	assert_string_equal(a.v[3].user, "bob");
	assert_int_equal(a.v[4].kind, MACL_BAD);
	assert_int_equal(a.v[5].kind, MACL_BAD);
	assert_int_equal(a.v[5].line, 9);
	macl_free(&a);
	assert_true(macl_filter_all("#"));
	assert_true(macl_filter_all("+/+/#"));
	assert_false(macl_filter_all("a/#"));
	assert_false(macl_filter_all("+"));
	assert_true(macl_filter_sys("$SYS/#"));
	assert_false(macl_filter_sys("$SYS/broker/version"));
	assert_true(macl_filter_personal("owntracks/%u/#"));
	assert_false(macl_filter_personal("owntracks/%user/#"));
}

static void test_password_summary(void **state)
{
	static const char pw[] = "a:$7$101$c2FsdA==$aGFzaA==\nb:$6$salt$hash\nc:plain\n#x:y\n\n"
				 "d:$7$5$s$h";
	struct mpw_summary s;

	(void)state;
	assert_int_equal(mpw_summarise(pw, sizeof(pw) - 1, &s), MSW_OK);
	assert_int_equal(s.entries, 4);
	assert_int_equal(s.by_hash[MPW_PBKDF2], 2);
	assert_int_equal(s.by_hash[MPW_SHA512], 1);
	assert_int_equal(s.by_hash[MPW_OTHER], 1);
	assert_int_equal(s.first_line[MPW_OTHER], 3);
	assert_int_equal(s.min_iterations, 5);
}

static char *slurp(const char *name, size_t *len)
{
	char path[1024], *buf;

	snprintf(path, sizeof(path), "%s/tests/vectors/lint/%s", MSW_SOURCE_DIR, name);
	assert_int_equal(lint_read_file(path, 1 << 20, &buf, len), MSW_OK);
	return buf;
}

static bool has(const struct lint_ctx *c, const char *rule, uint32_t line)
{
	for (size_t i = 0; i < c->findings.n; i++)
		if (!strcmp(lint_rules[lint_findings(c)[i].rule].id, rule) && lint_findings(c)[i].at.line == line)
			return true;
	return false;
}

static void lint_buf(struct lint_ctx *c, const char *name, enum lint_ver v)
{
	size_t len, idx;
	char *buf = slurp(name, &len);

	lint_init(c, v, NULL);
	c->no_io = true;
	assert_int_equal(lint_add_file(c, name, buf, len, &idx), MSW_OK);
	free(buf);
	lint_process(c, idx, 0);
	lint_finish_model(c);
	lint_check(c);
}

static void test_model_home(void **state)
{
	struct lint_ctx c;

	(void)state;
	lint_buf(&c, "home_1x.conf", LV_2_0);
	assert_int_equal(c.eff.n, 1);
	assert_int_equal(lint_eff(&c)[0].kind, LK_DEFAULT);
	assert_true(has(&c, "listener-anonymous", 3));
	assert_true(has(&c, "sys-readable", 3));
	lint_free(&c);
}

static void test_model_per_listener(void **state)
{
	struct lint_ctx c;

	(void)state;
	lint_buf(&c, "per_listener.conf", LV_2_0);
	/* default (from password_file at line 3) + three listeners */
	assert_int_equal(c.eff.n, 4);
	assert_true(has(&c, "implicit-default-listener", 3));
	assert_true(has(&c, "per-listener-default", 3));
	assert_true(has(&c, "listener-anonymous-local", 6));
	assert_true(has(&c, "inline-comment", 12));
	assert_true(has(&c, "websockets-bind-ignored", 14));
	assert_true(has(&c, "syntax", 16));  /* tab */
	assert_true(has(&c, "syntax", 17));  /* indented comment */
	assert_true(has(&c, "syntax", 18));  /* typo */
	assert_true(has(&c, "plaintext-beside-tls", 14));
	lint_free(&c);
	lint_buf(&c, "per_listener.conf", LV_1_6);
	assert_false(has(&c, "websockets-bind-ignored", 14)); /* observed with 2.0.11 only */
	lint_free(&c);
}

static void test_addon(void **state)
{
	struct lint_ctx c;
	size_t len;
	char err[256], *buf;

	(void)state;
	for (int k = 0; k < 2; k++) {
		const char *name = k ? "addon.json" : "addon.yaml";

		buf = slurp(name, &len);
		lint_init(&c, LV_2_0, "/nonexistent");
		c.no_io = true;
		assert_int_equal(lint_load_addon(&c, name, buf, len, err, sizeof(err)), MSW_OK);
		free(buf);
		lint_check(&c);
		assert_true(c.addon);
		assert_true(has(&c, "addon-weak-login", 3) || has(&c, "addon-weak-login", 1));
		assert_true(has(&c, "addon-every-user-all", 1));
		/* addon.json sets the old anonymous option */
		assert_int_equal(has(&c, "listener-anonymous", 1), k == 1);
		lint_free(&c);
	}
}

/* docs/lint.md describes every rule of the table (and names no rule that is not in it). */
static void test_rules_documented(void **state)
{
	char path[1024], *doc;
	size_t len;

	(void)state;
	snprintf(path, sizeof(path), "%s/docs/lint.md", MSW_SOURCE_DIR);
	assert_int_equal(lint_read_file(path, 1 << 20, &doc, &len), MSW_OK);
	for (size_t i = 0; i < lint_nrules; i++) {
		char row[128];

		snprintf(row, sizeof(row), "| `%s` |", lint_rules[i].id);
		if (!strstr(doc, row))
			fail_msg("docs/lint.md has no row for rule %s", lint_rules[i].id);
		assert_non_null(lint_rules[i].fix);
		assert_non_null(lint_rules[i].source);
	}
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mconf_lines),   cmocka_unit_test(test_mconf_nul_and_long),
		cmocka_unit_test(test_acl),           cmocka_unit_test(test_password_summary),
		cmocka_unit_test(test_model_home),    cmocka_unit_test(test_model_per_listener),
		cmocka_unit_test(test_addon),         cmocka_unit_test(test_rules_documented),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
