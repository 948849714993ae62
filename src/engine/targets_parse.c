/* Target and port spec parsing: turns the user's tokens into segments of the target space.
 *
 * Token forms: a.b.c.d, a.b.c.d/n, a.b.c.d-e, a.b.c.d-a.b.c.d, IPv6 literals (bare, with
 * /prefix or %scope, or in brackets), host names, any of these followed by :PORTS (an IPv6
 * literal only in brackets: [v6]:PORTS), and URLs mqtt://[user[:pass]@]host[:port][/path]
 * (also tcp://), mqtts:// (ssl://), ws://, wss://.
 * Port specs: comma lists of PORT, LO-HI, either with a /tcp /tls /ws /wss hint, and the
 * keyword "web" (the usual WebSocket ports). Plain MQTT never goes to 8883: a bare 8883
 * means TLS unless written 8883/tcp. A spec made only of keywords adds to the default set.
 * Every error is a usage error whose message names the offending token. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/targets_int.h"
#include "base/record.h"

#define DEFAULT_PORTS "1883,8883/tls,1884/ws,8884/wss"
static const uint16_t web_ports[] = {9001, 8080, 8081, 8083, 8084, 15675};

msw_err errf(char **errmsg, const char *fmt, ...)
{
	va_list ap;

	if (errmsg) {
		va_start(ap, fmt);
		if (vasprintf(errmsg, fmt, ap) < 0)
			*errmsg = NULL;
		va_end(ap);
	}
	return MSW_ERR_USAGE;
}

/* ---- ports ---- */

struct portset {
	struct vec v; /* struct port_spec, each (transport, port) once */
	uint8_t *seen; /* one bit per (transport, port) */
};
#define PORTSET_MAX (TRANSPORT__COUNT * 65536)

static msw_err ps_add(struct portset *s, unsigned port, int tr)
{
	size_t bit = (size_t)tr * 65536 + port;

	struct port_spec *ps;

	if (s->seen[bit / 8] & (1u << (bit % 8)))
		return MSW_OK;
	if (!(ps = vec_push(&s->v)))
		return MSW_ERR_NOMEM; /* the cap holds every (transport, port) */
	s->seen[bit / 8] |= (uint8_t)(1u << (bit % 8));
	*ps = (struct port_spec){.port = (uint16_t)port, .transport = tr};
	return MSW_OK;
}

static int hint_transport(const char *h)
{
	static const struct {
		const char *name;
		int tr;
	} hints[] = {
		{"tcp", TRANSPORT_TCP}, {"mqtt", TRANSPORT_TCP}, {"plain", TRANSPORT_TCP},
		{"tls", TRANSPORT_TLS}, {"ssl", TRANSPORT_TLS},  {"mqtts", TRANSPORT_TLS},
		{"ws", TRANSPORT_WS},   {"wss", TRANSPORT_WSS},
	};

	for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++)
		if (!strcasecmp(h, hints[i].name))
			return hints[i].tr;
	return -1;
}

static bool port_num(const char *s, size_t len, unsigned *out)
{
	unsigned v = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* One comma-separated token (NUL-terminated, trimmed). */
static msw_err port_token(struct portset *s, const char *tok, const char *spec, char **errmsg)
{
	const char *slash = strchr(tok, '/'), *dash;
	size_t numlen = slash ? (size_t)(slash - tok) : strlen(tok);
	unsigned lo, hi;
	int tr = -1;
	msw_err rc = MSW_OK;

	if (!strcasecmp(tok, "web")) {
		for (size_t i = 0; i < sizeof(web_ports) / sizeof(web_ports[0]) && !rc; i++)
			rc = ps_add(s, web_ports[i], TRANSPORT_WS);
		return rc;
	}
	if (slash && (tr = hint_transport(slash + 1)) < 0)
		return errf(errmsg,
			    "bad port '%s' in '%s': unknown transport '%s' "
			    "(use tcp, tls, ws or wss)",
			    tok, spec, slash + 1);
	dash = memchr(tok, '-', numlen);
	if (!port_num(tok, dash ? (size_t)(dash - tok) : numlen, &lo) ||
	    (dash && !port_num(dash + 1, numlen - (size_t)(dash + 1 - tok), &hi)))
		return errf(errmsg, "bad port '%s' in '%s': not a port number or range", tok, spec);
	if (!dash)
		hi = lo;
	if (lo == 0 || hi == 0 || lo > 65535 || hi > 65535)
		return errf(errmsg, "bad port '%s' in '%s': ports are 1-65535", tok, spec);
	if (lo > hi)
		return errf(errmsg, "bad port range '%s' in '%s': start is above end", tok, spec);
	for (unsigned p = lo; p <= hi && !rc; p++)
		rc = ps_add(s, p, tr >= 0 ? tr : p == 8883 ? TRANSPORT_TLS : TRANSPORT_TCP);
	return rc;
}

static msw_err port_list(struct portset *s, const char *spec, bool *numeric, char **errmsg)
{
	char *copy = strdup(spec), *p, *next;
	msw_err rc = MSW_OK;

	if (!copy)
		return MSW_ERR_NOMEM;
	for (p = copy; p && !rc; p = next) {
		char *end;

		next = strchr(p, ',');
		if (next)
			*next++ = '\0';
		while (isspace((unsigned char)*p))
			p++;
		end = p + strlen(p);
		while (end > p && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*p == '\0') {
			rc = errf(errmsg, "bad port list '%s': empty entry", spec);
			break;
		}
		if (strcasecmp(p, "web"))
			*numeric = true;
		rc = port_token(s, p, spec, errmsg);
	}
	free(copy);
	return rc;
}

msw_err parse_ports(const char *spec, struct port_spec **out, size_t *n, char **errmsg)
{
	struct portset s = {0};
	bool numeric = false, dummy = false;
	msw_err rc;

	vec_init(&s.v, sizeof(struct port_spec), 8, PORTSET_MAX);
	*out = NULL;
	*n = 0;
	if (!spec)
		spec = DEFAULT_PORTS;
	s.seen = calloc(TRANSPORT__COUNT * 65536 / 8, 1);
	if (!s.seen)
		return MSW_ERR_NOMEM;
	rc = port_list(&s, spec, &numeric, errmsg);
	if (!rc && !numeric) { /* keywords only: they add to the default set */
		struct portset d = {.seen = s.seen};
		const struct port_spec *kw = s.v.p;

		vec_init(&d.v, sizeof(struct port_spec), 8, PORTSET_MAX);
		memset(s.seen, 0, TRANSPORT__COUNT * 65536 / 8);
		rc = port_list(&d, DEFAULT_PORTS, &dummy, errmsg);
		for (size_t i = 0; i < s.v.n && !rc; i++)
			rc = ps_add(&d, kw[i].port, kw[i].transport);
		vec_free(&s.v);
		s.v = d.v;
	}
	free(s.seen);
	if (rc) {
		vec_free(&s.v);
		return rc;
	}
	*out = vec_take(&s.v, n);
	return MSW_OK;
}

/* ---- segments ---- */

struct hostinfo {
	const char *tok;         /* the whole token, for messages */
	struct port_spec *ports; /* own ports, or NULL; moved into the extra */
	size_t nports;
	char *user, *pass, *path; /* from a URL; moved into the extra */
	char *name;               /* a list row's domain for its address; moved likewise */
	bool single;              /* a URL names exactly one host */
};

static void hostinfo_free(struct hostinfo *hi)
{
	free(hi->ports);
	free(hi->user);
	free(hi->pass);
	free(hi->path);
	free(hi->name);
}

static msw_err add_seg(struct target_iter *it, struct seg *sg, const char *tok, char **errmsg)
{
	if (sg->count > CYCLIC_MAX_N - it->nhosts)
		return errf(errmsg, "bad target '%s': the target space would exceed 2^48 hosts",
			    tok);
	sg->off = it->nhosts;
	msw_err rc = vec_append(&it->segs, sg, 1);
	if (rc == MSW_ERR_TOO_BIG)
		return errf(errmsg, "bad target '%s': more than %u target specifications", tok,
			    TARGET_SEGS_MAX);
	if (!rc)
		it->nhosts += sg->count;
	return rc;
}

/* A new extra for sg, taking over the host info's own ports and URL parts. */
static msw_err add_extra(struct target_iter *it, struct seg *sg, struct hostinfo *hi)
{
	struct seg_extra *e = vec_push(&it->extras);

	if (!e)
		return MSW_ERR_NOMEM;
	*e = (struct seg_extra){.ports = hi->ports,
				.nports = hi->nports,
				.username = hi->user,
				.password = hi->pass,
				.ws_path = hi->path,
				.hostname = hi->name,
				.job = SIZE_MAX};
	hi->ports = NULL;
	hi->user = hi->pass = hi->path = hi->name = NULL;
	sg->extra = it->extras.n - 1;
	return MSW_OK;
}

static bool needs_extra(const struct hostinfo *hi)
{
	return hi->ports || hi->user || hi->pass || hi->path || hi->name;
}

static msw_err add_v4(struct target_iter *it, uint32_t lo, uint32_t hi_, struct hostinfo *hi,
		      char **errmsg)
{
	struct seg sg = {
		.kind = SEG_V4, .v4 = lo, .count = (uint64_t)hi_ - lo + 1, .extra = NO_EXTRA};
	msw_err rc;

	if (hi->single && lo != hi_)
		return errf(errmsg, "bad target '%s': a URL names one host, not a range", hi->tok);
	if (sg.count == 1)
		sg.flags |= SEGF_NAMED;
	if (bl_inside_private_v4(lo, hi_))
		sg.flags |= SEGF_PRIVATE_OK;
	if (needs_extra(hi) && (rc = add_extra(it, &sg, hi)))
		return rc;
	return add_seg(it, &sg, hi->tok, errmsg);
}

static msw_err add_v6(struct target_iter *it, const struct in6_addr *a, unsigned prefix,
		      uint32_t scope, struct hostinfo *hi, char **errmsg)
{
	struct seg sg = {.kind = SEG_V6, .extra = NO_EXTRA};
	struct seg_extra *e;
	msw_err rc;

	if (prefix < 80)
		return errf(errmsg,
			    "bad target '%s': IPv6 prefix too short to sweep "
			    "(use /80 or longer)",
			    hi->tok);
	if (hi->single && prefix != 128)
		return errf(errmsg, "bad target '%s': a URL names one host, not a prefix", hi->tok);
	sg.count = UINT64_C(1) << (128 - prefix);
	if (sg.count == 1)
		sg.flags |= SEGF_NAMED;
	if (bl_inside_private_v6(a, prefix))
		sg.flags |= SEGF_PRIVATE_OK;
	if ((rc = add_extra(it, &sg, hi)))
		return rc;
	e = vec_at(&it->extras, sg.extra);
	e->v6 = *a;
	e->scope = scope;
	return add_seg(it, &sg, hi->tok, errmsg);
}

static msw_err add_name(struct target_iter *it, const char *host, struct hostinfo *hi,
			char **errmsg)
{
	struct seg sg = {.kind = SEG_NAME,
			 .count = 1,
			 .extra = NO_EXTRA,
			 .flags = SEGF_NAMED | SEGF_PRIVATE_OK};
	struct seg_extra *e;
	msw_err rc;

	if ((rc = vec_reserve(&it->names, 1)) || (rc = vec_reserve(&it->name_segs, 1)))
		return rc;
	if ((rc = add_extra(it, &sg, hi)))
		return rc;
	e = vec_at(&it->extras, sg.extra);
	if (!(e->hostname = strdup(host)))
		return MSW_ERR_NOMEM;
	if ((rc = add_seg(it, &sg, hi->tok, errmsg)))
		return rc;
	e->job = it->names.n;
	*(size_t *)vec_push(&it->name_segs) = it->segs.n - 1; /* reserved above */
	*(char **)vec_push(&it->names) = e->hostname;
	return MSW_OK;
}

/* host: an IPv4 form, an IPv6 literal (without brackets) or a host name. */
static msw_err add_host(struct target_iter *it, const char *host, struct hostinfo *hi,
			char **errmsg)
{
	const char *why = NULL;
	uint32_t lo, hi_, scope;
	struct in6_addr a6;
	unsigned prefix;
	msw_err rc;

	if (*host == '\0')
		return errf(errmsg, "bad target '%s': empty host", hi->tok);
	rc = parse_v4_range(host, &lo, &hi_, &why);
	if (rc == MSW_OK)
		return add_v4(it, lo, hi_, hi, errmsg);
	if (rc != MSW_ERR_UNSUPPORTED)
		return errf(errmsg, "bad target '%s': %s", hi->tok, why);
	rc = parse_v6(host, &a6, &prefix, &scope, &why);
	if (rc == MSW_OK)
		return add_v6(it, &a6, prefix, scope, hi, errmsg);
	if (rc != MSW_ERR_UNSUPPORTED)
		return errf(errmsg, "bad target '%s': %s", hi->tok, why);
	if (!msw_valid_hostname(host))
		return errf(errmsg,
			    "bad target '%s': not an address, CIDR, range, host name or URL",
			    hi->tok);
	return add_name(it, host, hi, errmsg);
}

/* ---- tokens and URLs ---- */

static const struct scheme {
	const char *name;
	int transport;
	uint16_t port;
} schemes[] = {
	{"mqtt", TRANSPORT_TCP, 1883}, {"tcp", TRANSPORT_TCP, 1883}, {"mqtts", TRANSPORT_TLS, 8883},
	{"ssl", TRANSPORT_TLS, 8883},  {"tls", TRANSPORT_TLS, 8883}, {"ws", TRANSPORT_WS, 80},
	{"wss", TRANSPORT_WSS, 443},
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode s[0..n) into a new string; NULL on a bad escape, an embedded NUL or OOM. */
static char *pct_decode(const char *s, size_t n)
{
	char *o = malloc(n + 1);
	size_t j = 0;

	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			o[j++] = s[i];
			continue;
		}
		if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0 ||
		    (hexval(s[i + 1]) | hexval(s[i + 2])) == 0) {
			free(o);
			return NULL;
		}
		o[j++] = (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
		i += 2;
	}
	o[j] = '\0';
	return o;
}

static msw_err url_userinfo(struct hostinfo *hi, const char *ui, size_t n, char **errmsg)
{
	const char *colon = memchr(ui, ':', n);
	size_t ulen = colon ? (size_t)(colon - ui) : n;

	hi->user = pct_decode(ui, ulen);
	if (colon)
		hi->pass = pct_decode(colon + 1, n - ulen - 1);
	if (!hi->user || (colon && !hi->pass))
		return errf(errmsg, "bad target '%s': bad %%-escape in user information", hi->tok);
	return MSW_OK;
}

/* host[:port] or [v6][:port] of a URL authority; copies the host into buf. */
static msw_err url_hostport(const char *hp, size_t n, char *buf, size_t bufsz, unsigned *port,
			    const struct hostinfo *hi, char **errmsg)
{
	const char *hs = hp, *pe = NULL, *colon;
	size_t hl;

	if (n && hp[0] == '[') {
		const char *rb = memchr(hp, ']', n);

		if (!rb || (rb + 1 < hp + n && rb[1] != ':'))
			return errf(errmsg, "bad target '%s': malformed [IPv6] host", hi->tok);
		hs = hp + 1;
		hl = (size_t)(rb - hs);
		colon = rb + 1 < hp + n ? rb + 1 : NULL;
	} else {
		colon = memchr(hp, ':', n);
		hl = colon ? (size_t)(colon - hp) : n;
		if (colon && memchr(colon + 1, ':', n - hl - 1))
			return errf(errmsg, "bad target '%s': put an IPv6 host in brackets",
				    hi->tok);
	}
	if (colon) {
		pe = colon + 1;
		if (!port_num(pe, (size_t)(hp + n - pe), port) || *port == 0 || *port > 65535)
			return errf(errmsg, "bad target '%s': bad port (ports are 1-65535)",
				    hi->tok);
	}
	if (hl == 0 || hl >= bufsz)
		return errf(errmsg, "bad target '%s': missing or overlong host", hi->tok);
	memcpy(buf, hs, hl);
	buf[hl] = '\0';
	return MSW_OK;
}

static msw_err add_url(struct target_iter *it, const char *tok, const char *sep, char **errmsg)
{
	struct hostinfo hi = {.tok = tok, .single = true};
	const struct scheme *sc = NULL;
	const char *auth = sep + 3, *slash, *at;
	size_t slen = (size_t)(sep - tok), alen;
	char host[256];
	unsigned port;
	msw_err rc;

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strlen(schemes[i].name) == slen && !strncasecmp(tok, schemes[i].name, slen))
			sc = &schemes[i];
	if (!sc)
		return errf(errmsg, "bad target '%s': unknown scheme (use mqtt, mqtts, ws or wss)",
			    tok);
	port = sc->port;
	slash = strchr(auth, '/');
	alen = slash ? (size_t)(slash - auth) : strlen(auth);
	at = memrchr(auth, '@', alen);
	rc = at ? url_userinfo(&hi, auth, (size_t)(at - auth), errmsg) : MSW_OK;
	if (at) {
		alen -= (size_t)(at + 1 - auth);
		auth = at + 1;
	}
	if (!rc)
		rc = url_hostport(auth, alen, host, sizeof(host), &port, &hi, errmsg);
	if (!rc && slash && (sc->transport == TRANSPORT_WS || sc->transport == TRANSPORT_WSS) &&
	    !(hi.path = strdup(slash)))
		rc = MSW_ERR_NOMEM;
	if (!rc && !(hi.ports = calloc(1, sizeof(*hi.ports))))
		rc = MSW_ERR_NOMEM;
	if (!rc) {
		hi.ports[0] =
			(struct port_spec){.port = (uint16_t)port, .transport = sc->transport};
		hi.nports = 1;
		rc = add_host(it, host, &hi, errmsg);
	}
	hostinfo_free(&hi);
	return rc;
}

/* host:PORTS or [v6]:PORTS, the host part copied to buf. */
static msw_err add_with_ports(struct target_iter *it, const char *tok, const char *host_end,
			      const char *ports, size_t skip, char **errmsg)
{
	struct hostinfo hi = {.tok = tok};
	size_t hl = (size_t)(host_end - tok) - skip;
	char *host = strndup(tok + skip, hl);
	char *perr = NULL;
	msw_err rc;

	if (!host)
		return MSW_ERR_NOMEM;
	rc = parse_ports(ports, &hi.ports, &hi.nports, &perr);
	if (rc == MSW_ERR_USAGE)
		rc = errf(errmsg, "bad target '%s': %s", tok, perr ? perr : "bad port");
	free(perr);
	if (!rc)
		rc = add_host(it, host, &hi, errmsg);
	free(host);
	hostinfo_free(&hi);
	return rc;
}

msw_err tspace_add_spec(struct target_iter *it, const char *tok, char **errmsg)
{
	struct hostinfo hi = {.tok = tok};
	const char *sep = strstr(tok, "://"), *colon = strchr(tok, ':');

	if (*tok == '\0')
		return errf(errmsg, "bad target '': empty");
	if (sep)
		return add_url(it, tok, sep, errmsg);
	if (tok[0] == '[') {
		const char *rb = strchr(tok, ']');

		if (!rb || (rb[1] && (rb[1] != ':' || !rb[2])))
			return errf(errmsg, "bad target '%s': malformed [IPv6]:port", tok);
		if (rb[1])
			return add_with_ports(it, tok, rb, rb + 2, 1, errmsg);
		{
			char *host = strndup(tok + 1, (size_t)(rb - tok - 1));
			msw_err rc = host ? add_host(it, host, &hi, errmsg) : MSW_ERR_NOMEM;

			free(host);
			return rc;
		}
	}
	if (colon && !strchr(colon + 1, ':')) {
		if (!colon[1])
			return errf(errmsg, "bad target '%s': missing port after ':'", tok);
		return add_with_ports(it, tok, colon, colon + 1, 0, errmsg);
	}
	return add_host(it, tok, &hi, errmsg);
}

/* ---- rows of a target list (targets_list.c: zmap and zgrab2 CSV) ---- */

static bool same_ports(const struct hostinfo *hi, const struct target_iter *it)
{
	if (hi->nports != it->nports)
		return false;
	for (size_t i = 0; i < hi->nports; i++)
		if (hi->ports[i].port != it->ports[i].port ||
		    hi->ports[i].transport != it->ports[i].transport)
			return false;
	return true;
}

/* An address or CIDR (never a name) for a row, with the row's own name and ports. */
static msw_err add_row_addr(struct target_iter *it, const char *addr, struct hostinfo *hi,
			    char **errmsg)
{
	const char *why = NULL;
	uint32_t lo, hi_, scope;
	struct in6_addr a6;
	unsigned prefix;
	msw_err rc;

	rc = parse_v4_range(addr, &lo, &hi_, &why);
	if (rc == MSW_OK)
		return add_v4(it, lo, hi_, hi, errmsg);
	if (rc == MSW_ERR_UNSUPPORTED)
		rc = parse_v6(addr, &a6, &prefix, &scope, &why);
	if (rc == MSW_OK)
		return add_v6(it, &a6, prefix, scope, hi, errmsg);
	return errf(errmsg, "bad address '%s': %s", addr,
		    rc == MSW_ERR_UNSUPPORTED
			    ? "not an address or CIDR (a host name goes in the domain column)"
			    : why);
}

msw_err tspace_add_row(struct target_iter *it, const char *addr, const char *domain,
		       const char *ports, char **errmsg)
{
	struct hostinfo hi = {.tok = *addr ? addr : domain};
	char *perr = NULL;
	msw_err rc = MSW_OK;

	if (!*addr && !*domain)
		return errf(errmsg, "no address and no domain");
	if (*domain && !msw_valid_hostname(domain))
		return errf(errmsg, "bad domain '%s': not a host name", domain);
	if (*ports) {
		rc = parse_ports(ports, &hi.ports, &hi.nports, &perr);
		if (rc == MSW_ERR_USAGE)
			rc = errf(errmsg, "%s", perr ? perr : "bad port");
		free(perr);
		if (!rc && same_ports(&hi, it)) { /* -p's list: no extra per row */
			free(hi.ports);
			hi.ports = NULL;
			hi.nports = 0;
		}
	}
	if (!rc && !*addr)
		rc = add_name(it, domain, &hi, errmsg);
	else if (!rc && *domain && !(hi.name = strdup(domain)))
		rc = MSW_ERR_NOMEM;
	if (!rc && *addr)
		rc = add_row_addr(it, addr, &hi, errmsg);
	hostinfo_free(&hi);
	return rc;
}

void tspace_init(struct target_iter *it)
{
	vec_init(&it->segs, sizeof(struct seg), 64, TARGET_SEGS_MAX);
	vec_init(&it->extras, sizeof(struct seg_extra), 16, NO_EXTRA);
	vec_init(&it->names, sizeof(char *), 16, TARGET_SEGS_MAX);
	vec_init(&it->name_segs, sizeof(size_t), 16, TARGET_SEGS_MAX);
	exclude_init(&it->excl);
}

void tspace_free(struct target_iter *it)
{
	for (size_t i = 0; i < it->extras.n; i++) {
		struct seg_extra *e = vec_at(&it->extras, i);

		free(e->hostname);
		free(e->username);
		free(e->password);
		free(e->ws_path);
		free(e->ports);
	}
	vec_free(&it->extras);
	vec_free(&it->segs);
	vec_free(&it->names);
	vec_free(&it->name_segs);
	free(it->ports);
	exclude_free(&it->excl);
}
