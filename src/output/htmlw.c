/* The report's HTML writer (see htmlw.h). */
#include "output/htmlw.h"
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "output/escape.h"

void hw_raw(struct hw *w, const char *markup)
{
	if (fputs(markup, w->f) < 0)
		w->err = true;
}

size_t hw_cut(const uint8_t *s, size_t n, size_t cap)
{
	size_t k;

	if (n <= cap)
		return n;
	k = cap;
	/* back off over continuation bytes to the start of the sequence that crosses cap */
	while (k > 0 && (s[k] & 0xC0) == 0x80 && cap - k < 3)
		k--;
	return k;
}

void hw_textn(struct hw *w, const void *s, size_t n, size_t cap)
{
	size_t keep = cap && n > cap ? hw_cut(s, n, cap) : n;
	char *e = escape_html(s, keep);

	if (!e) {
		w->err = true;
		return;
	}
	hw_raw(w, e);
	free(e);
	if (keep < n)
		hw_fmt(w, "<span class=\"cut\">\xe2\x80\xa6 (%zu more bytes)</span>", n - keep);
}

void hw_text(struct hw *w, const char *s)
{
	if (s)
		hw_textn(w, s, strlen(s), 0);
}

void hw_label(struct hw *w, const char *s, size_t cap)
{
	size_t n = s ? strlen(s) : 0, keep;
	char *e;

	if (!n)
		return;
	keep = n > cap ? hw_cut((const uint8_t *)s, n, cap) : n;
	e = escape_html(s, keep);
	if (!e) {
		w->err = true;
		return;
	}
	hw_raw(w, e);
	free(e);
	if (keep < n)
		hw_raw(w, "\xe2\x80\xa6");
}

void hw_int(struct hw *w, int64_t v)
{
	hw_fmt(w, "%" PRId64, v);
}

void hw_pct(struct hw *w, int64_t part, int64_t whole)
{
	int64_t p;

	if (whole <= 0) {
		hw_raw(w, "\xe2\x80\x93");
		return;
	}
	if (part > 0 && part * 100 < whole) {
		hw_raw(w, "&lt;1%");
		return;
	}
	p = (part * 200 + whole) / (2 * whole); /* rounded */
	hw_fmt(w, "%" PRId64 "%%", p);
}

void hw_fmt(struct hw *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(w->f, fmt, ap) < 0)
		w->err = true;
	va_end(ap);
}
