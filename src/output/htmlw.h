/* A small HTML writer for the report. Two kinds of text only:
 *  - hw_raw(): our own markup, string literals of this program (never data);
 *  - hw_text()/hw_textn(): anything else (everything a peer sent, names, topics, versions,
 *    errors, and the user's own host names) — escaped by escape_html(), which is safe in
 *    element text, in quoted attribute values and in SVG <text>, and shows control bytes
 *    and invalid UTF-8 as visible \xNN. A cap cuts long text at a code-point boundary and
 *    says how much was left out.
 * Numbers go through hw_int()/hw_pct(). Nothing here ever builds a URL, an event handler,
 * a style or a tag name from data. The writer remembers the first write error. */
#ifndef MSW_HTMLW_H
#define MSW_HTMLW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct hw {
	FILE *f;
	bool err;
};

void hw_raw(struct hw *w, const char *markup);
/* Escaped text of s[0..n) (n bytes; NUL and invalid bytes shown), at most cap bytes of it
 * (0: no cap; a cut is marked "… (N more bytes)"). */
void hw_textn(struct hw *w, const void *s, size_t n, size_t cap);
/* Escaped text of a C string (NULL writes nothing). */
void hw_text(struct hw *w, const char *s);
/* Escaped, cut to at most cap bytes at a code-point boundary with a plain "…" (labels). */
void hw_label(struct hw *w, const char *s, size_t cap);
void hw_int(struct hw *w, int64_t v);
/* "33%" (integer percent, "<1%" for a small non-zero share, "–" without a base). */
void hw_pct(struct hw *w, int64_t part, int64_t whole);
/* printf for our own numbers and literals only (format and arguments never from data). */
void hw_fmt(struct hw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The length of the longest prefix of s[0..n) that is at most cap bytes and does not end
 * inside a UTF-8 sequence (a well-formed one; invalid bytes count as one each). */
size_t hw_cut(const uint8_t *s, size_t n, size_t cap);

#endif
