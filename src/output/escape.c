/* Context escaping (see escape.h). One decoder walks the input as UTF-8 and hands each
 * unit (a valid code point, or one invalid byte) to a per-context emitter, so the three
 * escapers agree on what counts as invalid and none of them can be desynchronised by a
 * truncated sequence. Output grows in a buffer whose size is computed conservatively
 * (worst case 10 output bytes per input byte) before anything is written. */
#include "output/escape.h"
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ebuf {
	char *p;
	size_t len, cap;
};

static bool eb_init(struct ebuf *b, size_t n)
{
	if (n > (SIZE_MAX - 16) / 12)
		return false;
	b->cap = n * 12 + 16;
	b->len = 0;
	b->p = malloc(b->cap);
	return b->p != NULL;
}

static void eb_put(struct ebuf *b, const char *s, size_t n)
{
	/* cap computed in eb_init covers the worst case of every emitter */
	if (b->len + n >= b->cap)
		n = b->cap - b->len - 1;
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void eb_str(struct ebuf *b, const char *s)
{
	eb_put(b, s, strlen(s));
}

static void eb_hexbyte(struct ebuf *b, uint8_t c)
{
	char t[8];

	snprintf(t, sizeof(t), "\\x%02x", c);
	eb_put(b, t, 4);
}

/* Decode one unit at p[0..n). Returns its length; *cp = code point, or -1 if p[0] is an
 * invalid byte (length 1). */
static size_t utf8_unit(const uint8_t *p, size_t n, int32_t *cp)
{
	uint8_t c = p[0];
	size_t need;
	uint32_t v, min;

	*cp = -1;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1; v = c & 0x1F; min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2; v = c & 0x0F; min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3; v = c & 0x07; min = 0x10000;
	} else {
		return 1;
	}
	if (n - 1 < need)
		return 1;
	for (size_t k = 1; k <= need; k++) {
		if ((p[k] & 0xC0) != 0x80)
			return 1;
		v = (v << 6) | (p[k] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 1;
	*cp = (int32_t)v;
	return need + 1;
}

/* Code points a terminal or a reader could be fooled by: C1 controls (0x9B is CSI),
 * line/paragraph separators and bidirectional overrides (Trojan Source). */
static bool is_sneaky(int32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF;
}

static void eb_ucode(struct ebuf *b, int32_t cp)
{
	char t[16];
	int k = snprintf(t, sizeof(t), "\\u{%04x}", (unsigned)cp);

	eb_put(b, t, (size_t)k);
}

enum ctx { CTX_HTML, CTX_TERM, CTX_CSV };

static void emit(struct ebuf *b, enum ctx x, const uint8_t *u, size_t ulen, int32_t cp)
{
	if (cp < 0) {
		eb_hexbyte(b, u[0]);
		return;
	}
	if (x == CTX_HTML) {
		switch (cp) {
		case '&': eb_str(b, "&amp;"); return;
		case '<': eb_str(b, "&lt;"); return;
		case '>': eb_str(b, "&gt;"); return;
		case '"': eb_str(b, "&quot;"); return;
		case '\'': eb_str(b, "&#39;"); return;
		case '`': eb_str(b, "&#96;"); return;
		}
		if ((cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7F) {
			eb_hexbyte(b, (uint8_t)cp);
			return;
		}
	} else if (x == CTX_TERM) {
		if (cp == '\\') {
			eb_str(b, "\\\\");
			return;
		}
		if (cp < 0x20 || cp == 0x7F) {
			eb_hexbyte(b, (uint8_t)cp);
			return;
		}
	} else {
		if (cp == '"') {
			eb_str(b, "\"\"");
			return;
		}
		if ((cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0x7F) {
			eb_hexbyte(b, (uint8_t)cp);
			return;
		}
	}
	if (is_sneaky(cp)) {
		eb_ucode(b, cp);
		return;
	}
	eb_put(b, (const char *)u, ulen);
}

static char *escape_any(const void *vp, size_t n, enum ctx x)
{
	const uint8_t *p = vp;
	struct ebuf b;
	size_t i = 0;

	if (!p)
		n = 0;
	if (!eb_init(&b, n))
		return NULL;
	if (x == CTX_CSV) {
		eb_put(&b, "\"", 1);
		if (n && (p[0] == '=' || p[0] == '+' || p[0] == '-' || p[0] == '@' ||
			  p[0] == '\t' || p[0] == '\r'))
			eb_put(&b, "'", 1);
	}
	while (i < n) {
		int32_t cp;
		size_t ul = utf8_unit(p + i, n - i, &cp);

		emit(&b, x, p + i, ul, cp);
		i += ul;
	}
	if (x == CTX_CSV)
		eb_put(&b, "\"", 1);
	b.p[b.len] = 0;
	return b.p;
}

char *escape_html(const void *p, size_t n) { return escape_any(p, n, CTX_HTML); }
char *escape_term(const void *p, size_t n) { return escape_any(p, n, CTX_TERM); }
char *escape_csv_cell(const void *p, size_t n) { return escape_any(p, n, CTX_CSV); }
char *escape_html_s(const char *s) { return escape_html(s, s ? strlen(s) : 0); }
char *escape_term_s(const char *s) { return escape_term(s, s ? strlen(s) : 0); }
char *escape_csv_s(const char *s) { return escape_csv_cell(s, s ? strlen(s) : 0); }
