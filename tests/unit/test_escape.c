/* escape.c with hostile broker strings: NUL, invalid UTF-8, terminal escapes (OSC title,
 * clear screen, C1 CSI), bidi overrides, <script>, attribute breakers, 64 KB strings,
 * spreadsheet formulas. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "output/escape.h"
#include "output/record.h"

#define S(lit) lit, sizeof(lit) - 1

static void no_byte_below_space(const char *s, bool allow_nl)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (allow_nl && (*p == '\n' || *p == '\t' || *p == '\r'))
			continue;
		assert_true(*p >= 0x20 && *p != 0x7f);
	}
}

static void test_term(void **st)
{
	char *e;
	(void)st;

	e = escape_term(S("\x1b]0;pwned\x07"));
	assert_string_equal(e, "\\x1b]0;pwned\\x07");
	free(e);
	e = escape_term(S("a\x1b[2Jb"));
	assert_string_equal(e, "a\\x1b[2Jb");
	free(e);
	e = escape_term(S("nul\0here"));
	assert_string_equal(e, "nul\\x00here");
	free(e);
	e = escape_term(S("bad\xff\xc3"));
	assert_string_equal(e, "bad\\xff\\xc3");
	free(e);
	e = escape_term(S("csi\xc2\x9b" "2J"));                  /* C1 CSI as UTF-8 */
	assert_string_equal(e, "csi\\u{009b}2J");
	free(e);
	e = escape_term(S("rlo\xe2\x80\xae" "txt"));              /* bidi override */
	assert_string_equal(e, "rlo\\u{202e}txt");
	free(e);
	e = escape_term(S("caf\xc3\xa9 back\\slash\nnl\x7f"));
	assert_string_equal(e, "caf\xc3\xa9 back\\\\slash\\x0anl\\x7f");
	no_byte_below_space(e, false);
	free(e);
	e = escape_term(NULL, 5);
	assert_string_equal(e, "");
	free(e);
}

static void test_html(void **st)
{
	char *e;
	(void)st;

	e = escape_html(S("<script>alert(1)</script>"));
	assert_string_equal(e, "&lt;script&gt;alert(1)&lt;/script&gt;");
	free(e);
	e = escape_html(S("\" onmouseover=\"alert(1)"));
	assert_null(strchr(e, '"'));
	assert_string_equal(e, "&quot; onmouseover=&quot;alert(1)");
	free(e);
	e = escape_html(S("' onfocus='x' `&amp;"));
	assert_null(strchr(e, '\''));
	assert_null(strchr(e, '`'));
	assert_string_equal(e, "&#39; onfocus=&#39;x&#39; &#96;&amp;amp;");
	free(e);
	e = escape_html(S("a\0b\xfe<"));
	assert_string_equal(e, "a\\x00b\\xfe&lt;");
	assert_true(utf8_valid((const uint8_t *)e, strlen(e)));
	free(e);
}

static void test_csv(void **st)
{
	char *e;
	(void)st;

	e = escape_csv_cell(S("=cmd|' /C calc'!A0"));
	assert_string_equal(e, "\"'=cmd|' /C calc'!A0\"");
	free(e);
	e = escape_csv_cell(S("+1"));
	assert_string_equal(e, "\"'+1\"");
	free(e);
	e = escape_csv_cell(S("-2+3"));
	assert_string_equal(e, "\"'-2+3\"");
	free(e);
	e = escape_csv_cell(S("@SUM(A1)"));
	assert_string_equal(e, "\"'@SUM(A1)\"");
	free(e);
	e = escape_csv_cell(S("\t=1"));
	assert_string_equal(e, "\"'\t=1\"");
	free(e);
	e = escape_csv_cell(S("\r=1"));
	assert_string_equal(e, "\"'\r=1\"");
	free(e);
	e = escape_csv_cell(S("a \"quoted\", b\nline"));
	assert_string_equal(e, "\"a \"\"quoted\"\", b\nline\"");
	free(e);
	e = escape_csv_cell(S("home/a=b"));                    /* '=' inside is harmless */
	assert_string_equal(e, "\"home/a=b\"");
	free(e);
	e = escape_csv_cell(S("x\0\x1b\xff"));
	assert_string_equal(e, "\"x\\x00\\x1b\\xff\"");
	free(e);
	e = escape_csv_cell("", 0);
	assert_string_equal(e, "\"\"");
	free(e);
}

/* 64 KB of the worst characters for each context: bounded, complete, valid output. */
static void test_big(void **st)
{
	size_t n = 65536;
	unsigned char *p = malloc(n);
	char *e;
	(void)st;

	for (size_t i = 0; i < n; i++)
		p[i] = "\"<&\x1b\xff'\0="[i % 8];
	e = escape_html(p, n);
	assert_non_null(e);
	assert_null(strstr(e, "<"));
	assert_true(utf8_valid((const uint8_t *)e, strlen(e)));
	assert_true(strlen(e) > n);
	free(e);
	e = escape_term(p, n);
	no_byte_below_space(e, false);
	assert_true(utf8_valid((const uint8_t *)e, strlen(e)));
	free(e);
	e = escape_csv_cell(p, n);
	assert_true(utf8_valid((const uint8_t *)e, strlen(e)));
	/* quotes balanced: the only unescaped quotes are the first and last */
	assert_int_equal(e[0], '"');
	assert_int_equal(e[strlen(e) - 1], '"');
	for (size_t i = 1; i + 1 < strlen(e); i++) {
		if (e[i] == '"') {
			assert_int_equal(e[i + 1], '"');
			i++;
		}
	}
	free(e);
	/* every byte value alone */
	for (int c = 0; c < 256; c++) {
		unsigned char b = (unsigned char)c;
		char *h = escape_html(&b, 1), *t = escape_term(&b, 1), *v = escape_csv_cell(&b, 1);

		assert_true(utf8_valid((const uint8_t *)h, strlen(h)));
		assert_true(utf8_valid((const uint8_t *)t, strlen(t)));
		assert_true(utf8_valid((const uint8_t *)v, strlen(v)));
		no_byte_below_space(t, false);
		free(h);
		free(t);
		free(v);
	}
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_term),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_big),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
