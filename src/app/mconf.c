/* mosquitto.conf lines: see mconf.h. One pass over the text; the arena holds a copy of the
 * text twice (values, then the words split from them), so every pointer handed out is
 * NUL-terminated inside memory this struct owns and no line needs its own allocation. */
#include "app/mconf.h"
#include <stdbool.h>
#include "base/vec.h"
#include <stdlib.h>
#include <string.h>

static bool blank(char c)
{
	return c == ' ' || c == '\t';
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

/* One line [p, e) (NUL-terminated at e) of the values half of arena a; the words half
 * starts at a + len + 1. Adds a directive to lines unless the line is a comment or blank. */
static msw_err one_line(struct vec *lines, char *a, size_t len, char *p, char *e, size_t lineno,
			unsigned flags)
{
	struct mconf_line *l;
	char *s = p;

	if (p == e || p[0] == '#')
		return MSW_OK;
	while (s < e && blank(*s))
		s++;
	if (s == e && !memchr(p, '\t', (size_t)(e - p)))
		return MSW_OK;
	if (!(l = vec_push(lines)))
		return lines->n >= MCONF_MAX_LINES ? MSW_ERR_TOO_BIG : MSW_ERR_NOMEM;
	if (s < e && *s == '#') {
		l->line = (uint32_t)lineno;
		l->flags = flags | MCF_INDENT_COMMENT;
		l->value = "";
		return MSW_OK;
	}
	parse_line(l, p, e, lineno, flags);
	if (*l->value)
		split_args(l, a + len + 1 + (size_t)(l->value - a), strlen(l->value));
	return MSW_OK;
}

msw_err mconf_parse(const char *buf, size_t len, struct mconf *out)
{
	struct vec lines;
	size_t lineno = 0;
	msw_err rc = MSW_OK;
	char *a, *p, *end;

	memset(out, 0, sizeof(*out));
	if (len > MCONF_MAX_BYTES)
		return MSW_ERR_TOO_BIG;
	if (!(a = malloc(2 * len + 2)))
		return MSW_ERR_NOMEM;
	memcpy(a, buf, len);
	a[len] = '\0';
	memcpy(a + len + 1, buf, len);
	a[2 * len + 1] = '\0';
	vec_init(&lines, sizeof(struct mconf_line), 32, MCONF_MAX_LINES);
	for (p = a, end = a + len; p < end && !rc;) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end, *z;
		unsigned flags = 0;

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
		rc = one_line(&lines, a, len, p, e, lineno, flags);
		if (!nl)
			break;
		p = nl + 1;
	}
	if (rc) {
		vec_free(&lines);
		free(a);
		return rc;
	}
	out->arena = a;
	out->v = vec_take(&lines, &out->n);
	return MSW_OK;
}

void mconf_free(struct mconf *c)
{
	free(c->v);
	free(c->arena);
	memset(c, 0, sizeof(*c));
}
