/* The access map and write tests of one MQTT account: rows, steps, deliveries, verdicts
 * (the rules are in mqtt_access.h). */
#include "probes/mqtt_access.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/cursor.h"
#include "probes/mqtt_codec.h"

#define ACL_MAX_LEVEL 128 /* longest first level kept as a family */

static const char *const sensitive[] = {
	"#",          "$SYS/#",  "owntracks/#", "homeassistant/#", "zigbee2mqtt/#",
	"tasmota/#",  "cmnd/#",  "shellies/#",  "$CONTROL/#",      NULL, /* $share/<group>/# */
};
#define NSENSITIVE (sizeof(sensitive) / sizeof(sensitive[0]))

static const char *const read_names[] = {
	[ACL_READ_UNKNOWN] = "unknown", [ACL_READ_GRANTED] = "granted", [ACL_READ_DENIED] = "denied"};
static const char *const write_names[] = {
	[ACL_WRITE_UNTESTED] = "untested", [ACL_WRITE_CONFIRMED] = "confirmed",
	[ACL_WRITE_ACCEPTED] = "accepted", [ACL_WRITE_DENIED] = "denied"};
const struct fenum acl_read_enum = {read_names, 3, ACL_READ_UNKNOWN};
const struct fenum acl_write_enum = {write_names, 4, ACL_WRITE_UNTESTED};

const char *acl_read_str(int r)
{
	return fenum_name(&acl_read_enum, r);
}

const char *acl_write_str(int w)
{
	return fenum_name(&acl_write_enum, w);
}

/* ------------------------------------------------------------ filters and families */

bool acl_filter_valid(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > ACL_MAX_FILTER || !mqtt_utf8_valid((const uint8_t *)s, n))
		return false;
	for (size_t i = 0; i < n; i++) {
		bool starts = i == 0 || s[i - 1] == '/';
		if (s[i] == '+' && (!starts || (i + 1 < n && s[i + 1] != '/')))
			return false;
		if (s[i] == '#' && (!starts || i + 1 != n))
			return false;
	}
	return true;
}

void acl_family_add(struct acl_families *f, const uint8_t *t, size_t n, size_t max)
{
	const uint8_t *slash = memchr(t, '/', n);
	size_t len = slash ? (size_t)(slash - t) : n;
	char *s, **v;

	if (!len || len > ACL_MAX_LEVEL || t[0] == '$' || f->n >= max ||
	    memchr(t, '+', len) || memchr(t, '#', len) || !mqtt_utf8_valid(t, len))
		return;
	for (size_t i = 0; i < f->n; i++)
		if (strlen(f->v[i]) == len && !memcmp(f->v[i], t, len))
			return;
	if (!(v = realloc(f->v, (f->n + 1) * sizeof(*v))))
		return;
	f->v = v;
	if (!(s = malloc(len + 1)))
		return;
	memcpy(s, t, len);
	s[len] = 0;
	f->v[f->n++] = s;
}

void acl_families_free(struct acl_families *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->v[i]);
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

/* ------------------------------------------------------------ building the rows */

static bool has_filter(const struct acl_map *m, const char *f)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->rows[i].filter, f))
			return true;
	return false;
}

/* "F/mqttsweep/<rnd>/proof" for a filter "F/#" that does not start with '$'. */
static char *write_topic_for(const char *filter, const char *rnd)
{
	size_t n = strlen(filter);
	char *t;

	if (n < 3 || filter[0] == '$' || strcmp(filter + n - 2, "/#") || strchr(filter, '+'))
		return NULL;
	if (asprintf(&t, "%.*s/mqttsweep/%s/proof", (int)(n - 2), filter, rnd) < 0)
		return NULL;
	return t;
}

/* Append row `filter` (taking it) unless it is there already or the map is full. */
static msw_err add_row(struct acl_map *m, char *filter, enum acl_origin o, const char *rnd,
		       size_t cap)
{
	struct acl_row *r;

	if (!filter)
		return MSW_ERR_NOMEM;
	if (m->n >= cap || has_filter(m, filter) || !acl_filter_valid(filter)) {
		free(filter);
		return MSW_OK;
	}
	if (!(r = realloc(m->rows, (m->n + 1) * sizeof(*r)))) {
		free(filter);
		return MSW_ERR_NOMEM;
	}
	m->rows = r;
	r = &m->rows[m->n++];
	*r = (struct acl_row){.filter = filter, .origin = (uint8_t)o,
			      .suback = ACL_NO_CODE, .puback = ACL_NO_CODE};
	if (o == ACL_PROOF)
		r->write_topic = strdup(filter);
	else if (rnd)
		r->write_topic = write_topic_for(filter, rnd);
	return MSW_OK;
}

/* A --acl-topics line with %u replaced by the user name; NULL when it holds %u and the
 * account has none (or on a lack of memory: the line is then left out too). */
static char *expand_user(const char *line, const char *user)
{
	const char *p = strstr(line, "%u");
	char *out;

	if (!p)
		return strdup(line);
	if (!user || strchr(user, '/') || strchr(user, '+') || strchr(user, '#'))
		return NULL;
	if (asprintf(&out, "%.*s%s%s", (int)(p - line), line, user, p + 2) < 0)
		return NULL;
	if (strstr(out, "%u")) { /* more than one: expand the rest too */
		char *again = expand_user(out, user);
		free(out);
		return again;
	}
	return out;
}

static msw_err add_extra(struct acl_map *m, const struct acl_spec *s, const char *wrnd,
			 size_t cap)
{
	msw_err rc = MSW_OK;
	for (size_t i = 0; i < s->nextra && !rc; i++) {
		char *f = expand_user(s->extra[i], s->user);
		if (f)
			rc = add_row(m, f, ACL_FILE, wrnd, cap);
	}
	return rc;
}

msw_err acl_map_build(struct acl_map *m, const struct acl_spec *s)
{
	const char *wrnd = s->proof ? s->rnd : NULL; /* write tests only with the proof */
	size_t cap = s->max_filters + (s->proof ? 1 : 0);
	char *f;
	msw_err rc = MSW_OK;

	memset(m, 0, sizeof(*m));
	m->version = s->version;
	if (s->proof) {
		if (asprintf(&f, "mqttsweep/%s/proof", s->rnd) < 0)
			return MSW_ERR_NOMEM;
		if ((rc = add_row(m, f, ACL_PROOF, NULL, cap)))
			return rc;
	}
	rc = add_extra(m, s, wrnd, cap);
	for (size_t i = 0; i < NSENSITIVE && !rc; i++) {
		if (sensitive[i])
			rc = add_row(m, strdup(sensitive[i]), ACL_PREFIX, wrnd, cap);
		else if (asprintf(&f, "$share/mqttsweep-%s/#", s->rnd) < 0)
			rc = MSW_ERR_NOMEM;
		else
			rc = add_row(m, f, ACL_PREFIX, wrnd, cap);
	}
	for (size_t i = 0; s->families && i < s->families->n && !rc; i++)
		if (asprintf(&f, "%s/#", s->families->v[i]) < 0)
			rc = MSW_ERR_NOMEM;
		else
			rc = add_row(m, f, ACL_FAMILY, wrnd, cap);
	return rc;
}

void acl_map_free(struct acl_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->rows[i].filter);
		free(m->rows[i].write_topic);
	}
	free(m->rows);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------ steps and deliveries */

bool acl_pending(const struct acl_map *m)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct acl_row *r = &m->rows[i];
		if ((r->write_topic && !r->published) ||
		    (r->suback == ACL_NO_CODE && !r->sub_dropped))
			return true;
	}
	return false;
}

void acl_map_reconnect(struct acl_map *m)
{
	for (size_t i = 0; i < m->n; i++)
		m->rows[i].subscribed = false;
	m->step = 0;
}

static bool topic_is(const char *f, const char *t)
{
	return mqtt_topic_matches(f, (const uint8_t *)t, strlen(t));
}

/* A write test still to be sent needs this row's subscription (to see it come back, and
 * as the evidence of the row's own read). */
static bool needed_by_pending_write(const struct acl_map *m, const struct acl_row *r)
{
	for (size_t j = 0; j < m->n; j++) {
		const struct acl_row *w = &m->rows[j];
		if (w->write_topic && !w->published && topic_is(r->filter, w->write_topic))
			return true;
	}
	return false;
}

enum acl_step acl_next_step(struct acl_map *m, size_t *row)
{
	for (; m->step < 2 * m->n; m->step++) {
		size_t i = m->step < m->n ? m->step : m->step - m->n;
		struct acl_row *r = &m->rows[i];
		*row = i;
		if (m->step < m->n) {
			bool first = r->suback == ACL_NO_CODE && !r->sub_dropped;
			bool refused = r->sub_dropped ||
				       (r->suback != ACL_NO_CODE && r->suback >= 0x80);
			if (!r->subscribed && !refused && (first || needed_by_pending_write(m, r)))
				return ACL_STEP_SUBSCRIBE;
		} else if (r->write_topic && !r->published) {
			return ACL_STEP_PUBLISH;
		}
	}
	return ACL_STEP_DONE;
}

void acl_deliver(struct acl_map *m, const uint8_t *t, size_t n, bool retained)
{
	for (size_t i = 0; i < m->n; i++) {
		struct acl_row *r = &m->rows[i];
		if (r->write_topic && r->published && strlen(r->write_topic) == n &&
		    !memcmp(r->write_topic, t, n))
			r->echoed = true;
		/* a shared subscription is sent no retained messages (5.0 §4.8.2), so a
		 * retained one came through another of our subscriptions */
		if (!r->subscribed || (retained && !strncmp(r->filter, "$share/", 7)) ||
		    !mqtt_topic_matches(r->filter, t, n))
			continue;
		r->arrived = true;
		r->retained |= retained;
	}
}

/* ------------------------------------------------------------ verdicts */

static bool refused(const struct acl_row *r)
{
	return r->sub_dropped || (r->suback != ACL_NO_CODE && r->suback >= 0x80);
}

/* A write test under filter f that the broker acknowledged with success and that did
 * not come back to us. */
static bool accepted_unseen_under(const struct acl_map *m, const char *f)
{
	for (size_t j = 0; j < m->n; j++) {
		const struct acl_row *w = &m->rows[j];
		if (w->write_topic && w->synced && !w->echoed && w->puback < 0x80 &&
		    topic_is(f, w->write_topic))
			return true;
	}
	return false;
}

/* Retained messages under filter f that another account read. */
static bool retained_elsewhere(struct acl_map *const *maps, size_t n, const struct acl_map *m,
			       const char *f)
{
	for (size_t k = 0; k < n; k++) {
		if (!maps[k] || maps[k] == m)
			continue;
		for (size_t i = 0; i < maps[k]->n; i++)
			if (maps[k]->rows[i].retained && !strcmp(maps[k]->rows[i].filter, f))
				return true;
	}
	return false;
}

static int read_verdict(struct acl_map *const *maps, size_t n, const struct acl_map *m,
			const struct acl_row *r)
{
	if (refused(r))
		return ACL_READ_DENIED;
	if (r->arrived)
		return ACL_READ_GRANTED;
	if (r->suback == ACL_NO_CODE)
		return ACL_READ_UNKNOWN;
	if (accepted_unseen_under(m, r->filter) || retained_elsewhere(maps, n, m, r->filter))
		return ACL_READ_DENIED;
	return ACL_READ_UNKNOWN;
}

/* drops: the broker closed a connection on some refused write test of this run */
static int write_verdict(const struct acl_map *m, const struct acl_row *r, bool drops)
{
	if (!r->write_topic || !r->published)
		return ACL_WRITE_UNTESTED;
	if (r->echoed)
		return ACL_WRITE_CONFIRMED;
	if (r->pub_dropped)
		return ACL_WRITE_DENIED;
	if (m->version == MQTT_V5 && r->puback != ACL_NO_CODE)
		return r->puback >= 0x80 ? ACL_WRITE_DENIED : ACL_WRITE_ACCEPTED;
	/* no echo although the filter the test was written under delivered to us (the
	 * proof's own filter is its topic: it delivers nothing else) */
	if (r->synced && r->origin != ACL_PROOF && r->read == ACL_READ_GRANTED)
		return ACL_WRITE_DENIED;
	if (r->synced && drops) /* processed without the closing it gives a refusal */
		return ACL_WRITE_ACCEPTED;
	return ACL_WRITE_UNTESTED;
}

static bool drops_refused_writes(struct acl_map *const *maps, size_t n)
{
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; maps[k] && i < maps[k]->n; i++)
			if (maps[k]->rows[i].pub_dropped)
				return true;
	return false;
}

int acl_proof_write(const struct acl_map *m)
{
	for (size_t i = 0; m && i < m->n; i++)
		if (m->rows[i].origin == ACL_PROOF)
			return m->rows[i].write;
	return ACL_WRITE_UNTESTED;
}

void acl_verdicts(struct acl_map *const *maps, size_t n)
{
	bool drops = drops_refused_writes(maps, n);
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; maps[k] && i < maps[k]->n; i++)
			maps[k]->rows[i].read =
				(uint8_t)read_verdict(maps, n, maps[k], &maps[k]->rows[i]);
	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; maps[k] && i < maps[k]->n; i++)
			maps[k]->rows[i].write =
				(uint8_t)write_verdict(maps[k], &maps[k]->rows[i], drops);
		/* '#': every topic is under it; its write is the proof's */
		for (size_t i = 0; maps[k] && i < maps[k]->n; i++)
			if (!strcmp(maps[k]->rows[i].filter, "#"))
				maps[k]->rows[i].write = (uint8_t)acl_proof_write(maps[k]);
	}
}
