/* mosquitto.conf lines: see mconf.h. One pass over the text; the arena holds a copy of the
 * text twice (values, then the words split from them), so every pointer handed out is
 * NUL-terminated inside memory this struct owns and no line needs its own allocation. */
#include "app/mconf.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool grow(struct mconf *c, size_t *cap)
{
	size_t ncap = *cap ? *cap * 2 : 64;
	struct mconf_line *v;

	if (ncap > MCONF_MAX_LINES)
		ncap = MCONF_MAX_LINES;
	v = realloc(c->v, ncap * sizeof(*v));
	if (!v)
		return false;
	c->v = v;
	*cap = ncap;
	return true;
}

/* Trim blanks at both ends of [*s, *e). */
static void trim(char **s, char **e)
{
	while (*s < *e && blank(**s))
		(*s)++;
	while (*e > *s && blank((*e)[-1]))
		(*e)--;
}

/* Words of the value: a copy at w (same length, w[n] still belongs to this line), split
 * at blanks. */
static void split_args(struct mconf_line *l, char *w, size_t n)
{
	char *p = w, *end = w + n;

	w[n] = '\0';
	l->nargs = 0;
	while (p < end && l->nargs < MCONF_MAX_ARGS) {
		while (p < end && blank(*p))
			*p++ = '\0';
		if (p >= end)
			break;
		l->args[l->nargs++] = p;
		while (p < end && !blank(*p))
			p++;
	}
	while (p < end)
		if (blank(*p))
			*p++ = '\0';
		else
			p++;
}

/* One line [s, e) of the values half. */
static void parse_line(struct mconf_line *l, char *s, char *e, size_t lineno, unsigned flags)
{
	char *name, *ne;
	const char *first_space;
	size_t n;

	memset(l, 0, sizeof(*l));
	l->line = (uint32_t)lineno;
	l->flags = flags;
	l->value = "";
	/* Mosquitto: strtok(line, " ") -- the name runs to the first space */
	for (name = s; name < e && *name == ' '; name++)
		;
	first_space = memchr(name, ' ', (size_t)(e - name));
	if (memchr(name, '\t', (size_t)((first_space ? first_space : e) - name)))
		l->flags |= MCF_TAB_IN_NAME;
	trim(&s, &e);
	if (s == e) {
		l->flags |= MCF_BLANK_TAB;
		return;
	}
	for (ne = s; ne < e && !blank(*ne); ne++)
		;
	n = (size_t)(ne - s);
	memcpy(l->key, s, n < MCONF_KEY_MAX - 1 ? n : MCONF_KEY_MAX - 1);
	if (n >= MCONF_KEY_MAX - 1)
		l->key[MCONF_KEY_MAX - 2] = '\x01'; /* a truncated name never equals a real one */
	s = ne;
	trim(&s, &e);
	*e = '\0';
	l->value = s;
	for (const char *h = s; (h = strchr(h, '#')); h++)
		if (h > s && blank(h[-1]))
			l->flags |= MCF_INLINE_HASH;
}

msw_err mconf_parse(const char *buf, size_t len, struct mconf *out)
{
	size_t cap = 0, lineno = 0;
	char *a, *p, *end;

	memset(out, 0, sizeof(*out));
	if (len > MCONF_MAX_BYTES)
		return MSW_ERR_TOO_BIG;
	a = malloc(2 * len + 2);
	if (!a)
		return MSW_ERR_NOMEM;
	memcpy(a, buf, len);
	a[len] = '\0';
	memcpy(a + len + 1, buf, len);
	a[2 * len + 1] = '\0';
	out->arena = a;
	for (p = a, end = a + len; p < end; p = p + strlen(p) + 1) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
		unsigned flags = 0;
		char *z;

		lineno++;
		*e = '\0';
		if (e > p && e[-1] == '\r') {
			*--e = '\0';
			flags |= MCF_CR;
		}
		if ((z = memchr(p, '\0', (size_t)(e - p)))) {
			flags |= MCF_NUL;
			e = z;
		}
		if (p == e || p[0] == '#')
			goto next;
		{
			char *s = p;

			while (s < e && blank(*s))
				s++;
			if (s == e && !memchr(p, '\t', (size_t)(e - p)))
				goto next;
			if (s < e && *s == '#') {
				if (out->n == cap && (cap == MCONF_MAX_LINES || !grow(out, &cap)))
					return out->n >= MCONF_MAX_LINES ? MSW_ERR_TOO_BIG
									 : MSW_ERR_NOMEM;
				memset(&out->v[out->n], 0, sizeof(out->v[0]));
				out->v[out->n].line = (uint32_t)lineno;
				out->v[out->n].flags = flags | MCF_INDENT_COMMENT;
				out->v[out->n].value = "";
				out->n++;
				goto next;
			}
		}
		if (out->n == cap && (cap == MCONF_MAX_LINES || !grow(out, &cap)))
			return out->n >= MCONF_MAX_LINES ? MSW_ERR_TOO_BIG : MSW_ERR_NOMEM;
		{
			struct mconf_line *l = &out->v[out->n++];

			parse_line(l, p, e, lineno, flags);
			if (*l->value) {
				size_t off = (size_t)(l->value - a), vn = strlen(l->value);

				split_args(l, a + len + 1 + off, vn);
			}
		}
next:
		if (!nl)
			break;
		p = nl; /* strlen(p) + 1 below steps over the '\0' written at the line end */
		*p = '\0';
	}
	return MSW_OK;
}

void mconf_free(struct mconf *c)
{
	free(c->v);
	free(c->arena);
	memset(c, 0, sizeof(*c));
}
