/* ACL and password files: see macl.h. */
#include "app/macl.h"
#include <stdlib.h>
#include "base/vec.h"
#include <string.h>

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool copy_cut(char *dst, const char *s, size_t n)
{
	size_t k = n < MACL_NAME_MAX - 1 ? n : MACL_NAME_MAX - 1;

	memcpy(dst, s, k);
	dst[k] = '\0';
	return k < n;
}

/* One line [s, e) (no line end), trailing blanks already trimmed. */
static void acl_line(struct vec *v, size_t *users, const char *s, const char *e,
		     uint32_t lineno, char *user, bool *have_user, bool *cut_user)
{
	struct macl_entry *x;
	const char *w1 = s, *w1e, *w2, *w2e, *rest;

	if (s == e || *s == '#')
		return;
	/* Mosquitto splits at spaces: a leading blank makes the first word "" -> skipped by
	 * strtok, so leading spaces are fine */
	while (w1 < e && *w1 == ' ')
		w1++;
	if (w1 == e)
		return;
	for (w1e = w1; w1e < e && *w1e != ' '; w1e++)
		;
	for (w2 = w1e; w2 < e && *w2 == ' '; w2++)
		;
	if ((size_t)(w1e - w1) == 4 && !memcmp(w1, "user", 4) && w2 < e) {
		*cut_user = copy_cut(user, w2, (size_t)(e - w2));
		*have_user = true;
		(*users)++;
		return;
	}
	x = vec_push(v);
	if (!x)
		return; /* at the cap (or out of memory): later lines are not judged */
	x->line = lineno;
	x->kind = MACL_BAD; /* so far: "Missing username", an unknown word, ... */
	if (!((w1e - w1 == 5 && !memcmp(w1, "topic", 5)) ||
	      (w1e - w1 == 7 && !memcmp(w1, "pattern", 7))))
		return;
	x->kind = w1e - w1 == 5 ? MACL_TOPIC : MACL_PATTERN;
	if (w2 == e) {
		x->kind = MACL_BAD; /* "Empty topic" */
		return;
	}
	for (w2e = w2; w2e < e && *w2e != ' '; w2e++)
		;
	for (rest = w2e; rest < e && blank(*rest); rest++)
		;
	x->access = MACL_READWRITE;
	if (rest < e) {
		size_t n = (size_t)(w2e - w2);

		if (n == 4 && !memcmp(w2, "read", 4))
			x->access = MACL_READ;
		else if (n == 5 && !memcmp(w2, "write", 5))
			x->access = MACL_WRITE;
		else if (n == 9 && !memcmp(w2, "readwrite", 9))
			x->access = MACL_READWRITE;
		else if (n == 4 && !memcmp(w2, "deny", 4))
			x->access = MACL_DENY;
		else
			x->kind = MACL_BAD; /* "Invalid topic access type" */
		x->cut = copy_cut(x->filter, rest, (size_t)(e - rest));
	} else {
		x->cut = copy_cut(x->filter, w2, (size_t)(w2e - w2));
	}
	if (x->kind == MACL_TOPIC && *have_user) {
		memcpy(x->user, user, MACL_NAME_MAX);
		x->cut |= *cut_user;
	}
	x->anonymous = x->kind == MACL_TOPIC && !*have_user;
}

msw_err macl_parse(const char *buf, size_t len, struct macl *out)
{
	char user[MACL_NAME_MAX] = "";
	bool have_user = false, cut_user = false;
	uint32_t lineno = 0;
	const char *p = buf, *end = buf + len;
	struct vec v;

	memset(out, 0, sizeof(*out));
	if (len > MACL_MAX_BYTES)
		return MSW_ERR_TOO_BIG;
	vec_init(&v, sizeof(struct macl_entry), 16, MACL_MAX_ENTRIES);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
		const char *z = memchr(p, '\0', (size_t)(e - p));

		lineno++;
		if (z)
			e = z; /* Mosquitto's line reader stops at a NUL */
		while (e > p && blank(e[-1]))
			e--;
		acl_line(&v, &out->users, p, e, lineno, user, &have_user, &cut_user);
		if (!nl)
			break;
		p = nl + 1;
	}
	out->v = vec_take(&v, &out->n);
	return MSW_OK;
}

void macl_free(struct macl *a)
{
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* Every level a '+', ending in '#': matches every topic without a leading '$'. */
bool macl_filter_all(const char *f)
{
	for (;;) {
		if (!strcmp(f, "#"))
			return true;
		if (f[0] != '+' || f[1] != '/')
			return false;
		f += 2;
	}
}

bool macl_filter_sys(const char *f)
{
	return !strncmp(f, "$SYS/", 5) && macl_filter_all(f + 5);
}

bool macl_filter_personal(const char *f)
{
	for (const char *l = f; l; l = strchr(l, '/') ? strchr(l, '/') + 1 : NULL) {
		size_t n = strcspn(l, "/");

		if (n == 2 && (!strncmp(l, "%u", 2) || !strncmp(l, "%c", 2)))
			return true;
	}
	return false;
}

msw_err mpw_summarise(const char *buf, size_t len, struct mpw_summary *out)
{
	const char *p = buf, *end = buf + len;
	uint32_t lineno = 0;

	memset(out, 0, sizeof(*out));
	if (len > MACL_MAX_BYTES)
		return MSW_ERR_TOO_BIG;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e = nl ? nl : end;
		const char *colon = memchr(p, ':', (size_t)(e - p));
		enum mpw_hash k = MPW_OTHER;

		lineno++;
		if (e > p && *p != '#' && colon && colon > p) {
			const char *h = colon + 1;
			size_t hn = (size_t)(e - h);

			if (hn >= 3 && !memcmp(h, "$7$", 3)) {
				char num[12] = "";
				size_t i = 0;

				k = MPW_PBKDF2;
				for (h += 3; h < e && i < sizeof(num) - 1 && *h >= '0' && *h <= '9'; h++)
					num[i++] = *h;
				if (i && i < 10) {
					uint32_t it = (uint32_t)strtoul(num, NULL, 10);

					if (!out->min_iterations || it < out->min_iterations)
						out->min_iterations = it;
				}
			} else if (hn >= 3 && !memcmp(h, "$6$", 3)) {
				k = MPW_SHA512;
			}
			out->entries++;
			out->by_hash[k]++;
			if (!out->first_line[k])
				out->first_line[k] = lineno;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return MSW_OK;
}
