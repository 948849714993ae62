/* `mqttsweep diff OLD NEW` and the comparison behind `report --since` (diff.h).
 *
 * Each side is read into a small model: its MQTT services (address, port, transport:
 * answered MQTT, open to anyone), the finding categories per host, and the actuators and
 * location leaks (address + topic, or address + finding id + title when a finding has no
 * topic). Keys are whole strings in hash sets that compare them in full, so a crafted
 * topic cannot merge two entries. Entries keep their insertion order for the output. */
#include "app/diff.h"
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "app/cmdargs.h"
#include "app/report_cmd.h"
#include "base/hash.h"
#include "base/hashset.h"
#include "base/vec.h"
#include "output/escape.h"
#include "output/jget.h"
#include "output/record.h"
#include "output/report_src.h"

#define DIFF_KEYS_MAX (1u << 22) /* entries per table of one side */
#define DIFF_TEXT_MAX 300        /* bytes of a topic or title in a key */

enum { SV_MQTT = 1, SV_OPEN = 2 };

struct entry {
	char *key;     /* "ip\x1fport\x1ftransport", "ip", "ip\x1ftopic" */
	char *ip, *transport, *topic, *category;
	int port;
	uint32_t bits; /* services: SV_*; hosts: categories */
};

struct table {
	struct vec v;      /* struct entry, in insertion order */
	struct hashset hs; /* key -> index */
};

struct slot {
	uint64_t h;
	const struct table *t;
	uint32_t i;
};

static bool slot_eq(const void *s, const void *key)
{
	const struct slot *x = s;

	return !strcmp(((const struct entry *)x->t->v.p)[x->i].key, key);
}

static void table_init(struct table *t)
{
	vec_init(&t->v, sizeof(struct entry), 16, DIFF_KEYS_MAX);
	hset_init(&t->hs, sizeof(struct slot), 8, 32, DIFF_KEYS_MAX, slot_eq);
}

static void table_free(struct table *t)
{
	struct entry *e = t->v.p;

	for (uint32_t i = 0; i < t->v.n; i++) {
		free(e[i].key);
		free(e[i].ip);
		free(e[i].transport);
		free(e[i].topic);
		free(e[i].category);
	}
	vec_free(&t->v);
	hset_free(&t->hs);
}

static struct entry *table_find(const struct table *t, const char *key)
{
	const struct slot *s = hset_find(&t->hs, fnv1a64(key, strlen(key), FNV64_INIT), key);

	return s ? (struct entry *)t->v.p + s->i : NULL;
}

static char *dup_cut(const char *s)
{
	return s ? strndup(s, DIFF_TEXT_MAX) : NULL;
}

/* The entry of key, added (with copies of the fields) when new; NULL at the cap. */
static struct entry *table_get(struct table *t, const char *key, const char *ip, int port,
			       const char *transport, const char *topic, const char *category)
{
	uint64_t h = fnv1a64(key, strlen(key), FNV64_INIT);
	struct slot *s;
	struct entry *e;
	bool fresh;

	if ((e = table_find(t, key)))
		return e;
	if (!(e = vec_push(&t->v)))
		return NULL;
	*e = (struct entry){.key = strdup(key), .ip = dup_cut(ip), .port = port,
			    .transport = dup_cut(transport), .topic = dup_cut(topic),
			    .category = dup_cut(category)};
	if (!e->key || !e->ip || !(s = hset_add(&t->hs, h, key, &fresh))) {
		free(e->key);
		free(e->ip);
		free(e->transport);
		free(e->topic);
		free(e->category);
		t->v.n--;
		return NULL;
	}
	s->t = t;
	s->i = t->v.n - 1;
	return e;
}

struct side {
	struct table services, hosts, actuators, locations;
	char picked[512];
};

static void side_init(struct side *s)
{
	table_init(&s->services);
	table_init(&s->hosts);
	table_init(&s->actuators);
	table_init(&s->locations);
}

static void side_free(struct side *s)
{
	table_free(&s->services);
	table_free(&s->hosts);
	table_free(&s->actuators);
	table_free(&s->locations);
}

/* A finding's place: its topic, else its id and title. */
static void finding_key(char *key, size_t cap, const char *ip, const cJSON *f)
{
	const char *topic = jstr(f, "topic");

	if (topic)
		snprintf(key, cap, "%s\x1f%.*s", ip, DIFF_TEXT_MAX, topic);
	else
		snprintf(key, cap, "%s\x1f%.80s\x1f%.*s", ip, jstr(f, "id") ?: "", DIFF_TEXT_MAX,
			 jstr(f, "title") ?: "");
}

static void add_findings(struct side *s, const cJSON *rec, const char *ip, int port,
			 const char *tr, struct entry *host)
{
	const cJSON *f;
	char key[DIFF_TEXT_MAX * 2 + 200];

	cJSON_ArrayForEach(f, jget(rec, "findings")) {
		int c = category_from_str(jstr(f, "category"));
		struct table *t = c == CAT_ACTUATOR_CONTROL ? &s->actuators
				  : c == CAT_LOCATION	    ? &s->locations
							    : NULL;

		if (c < 0)
			continue;
		if (host)
			host->bits |= 1u << c;
		if (!t)
			continue;
		finding_key(key, sizeof(key), ip, f);
		table_get(t, key, ip, port, tr, jstr(f, "topic") ?: jstr(f, "title"), NULL);
	}
}

static msw_err add_record(void *arg, const cJSON *rec)
{
	struct side *s = arg;
	const char *ip = jstr(rec, "ip"), *tr = jstr(rec, "transport") ?: "tcp";
	const char *kind = jstr(rec, "kind");
	int port = jport(rec, "port");
	char key[256];
	struct entry *host;

	if (kind && !strcmp(kind, "host"))
		return MSW_OK;
	host = table_get(&s->hosts, ip, ip, 0, NULL, NULL, NULL);
	if (jbool(rec, "mqtt")) {
		const char *auth = jstr(rec, "auth") ?: "";
		struct entry *e;

		snprintf(key, sizeof(key), "%.64s\x1f%d\x1f%.16s", ip, port, tr);
		e = table_get(&s->services, key, ip, port, tr, NULL, NULL);
		if (e) {
			e->bits |= SV_MQTT;
			if (!strcmp(auth, "anonymous") || !strcmp(auth, "any_credentials"))
				e->bits |= SV_OPEN;
		}
	}
	add_findings(s, rec, ip, port, tr, host);
	return MSW_OK;
}

static msw_err side_load(struct side *s, const struct diff_side *d, char *why, size_t whylen)
{
	struct rsrc_sel sel = {.scan_id = d->scan_id, .run_id = d->run_id, .back = d->back};
	uint64_t skipped;

	return rsrc_each(d->source, &sel, add_record, s, s->picked, sizeof(s->picked), &skipped,
			 why, whylen);
}

/* ---- events ---------------------------------------------------------------------------- */

static void event(cJSON *events, const char *kind, const struct entry *e, const char *category,
		  bool worse, const char *text)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return;
	cJSON_AddStringToObject(o, "event", kind);
	cJSON_AddStringToObject(o, "ip", e->ip);
	cJSON_AddNumberToObject(o, "port", e->port);
	if (e->transport)
		cJSON_AddStringToObject(o, "transport", e->transport);
	if (category)
		cJSON_AddStringToObject(o, "category", category);
	if (e->topic)
		cJSON_AddStringToObject(o, "topic", e->topic);
	cJSON_AddBoolToObject(o, "worse", worse);
	cJSON_AddStringToObject(o, "text", text);
	cJSON_AddItemToArray(events, o);
}

static void broker_events(cJSON *ev, const struct side *old, const struct side *cur)
{
	const struct entry *e = cur->services.v.p;
	char text[512];

	for (uint32_t i = 0; i < cur->services.v.n; i++) {
		const struct entry *o = table_find(&old->services, e[i].key);

		if (!(e[i].bits & SV_OPEN) || (o && (o->bits & SV_OPEN)))
			continue;
		snprintf(text, sizeof(text), "%s:%d (%s) now lets anyone in (%s)", e[i].ip,
			 e[i].port, e[i].transport, o ? "it asked for a password before"
						      : "it was not seen before");
		event(ev, "newly_open", &e[i], NULL, true, text);
	}
	e = old->services.v.p;
	for (uint32_t i = 0; i < old->services.v.n; i++) {
		const struct entry *n = table_find(&cur->services, e[i].key);

		if (!(e[i].bits & SV_OPEN) || (n && (n->bits & SV_OPEN)))
			continue;
		snprintf(text, sizeof(text), "%s:%d (%s) no longer lets anyone in (%s)", e[i].ip,
			 e[i].port, e[i].transport, n ? "it asks for a password now"
						      : "it did not answer MQTT this time");
		event(ev, "newly_closed", &e[i], NULL, false, text);
	}
}

static void category_events(cJSON *ev, const struct table *a, const struct table *b,
			    const char *kind, bool worse)
{
	const struct entry *e = a->v.p;
	char text[512];

	for (uint32_t i = 0; i < a->v.n; i++) {
		const struct entry *o = table_find(b, e[i].key);
		uint32_t diff = e[i].bits & ~(o ? o->bits : 0);

		for (int c = 0; c < CAT__COUNT; c++) {
			if (!(diff & (1u << c)))
				continue;
			snprintf(text, sizeof(text), worse ? "%s: new findings about %s"
							   : "%s: no more findings about %s",
				 e[i].ip, category_str((enum msw_category)c));
			event(ev, kind, &e[i], category_str((enum msw_category)c), worse, text);
		}
	}
}

static void leak_events(cJSON *ev, const struct table *cur, const struct table *old,
			const char *kind, const char *what)
{
	const struct entry *e = cur->v.p;
	char text[700];

	for (uint32_t i = 0; i < cur->v.n; i++) {
		if (table_find(old, e[i].key))
			continue;
		snprintf(text, sizeof(text), "%s:%d: new %s: %s", e[i].ip, e[i].port, what,
			 e[i].topic ? e[i].topic : "");
		event(ev, kind, &e[i], NULL, true, text);
	}
}

msw_err diff_compute(const struct diff_side *old, const struct diff_side *cur, cJSON **events,
		     char *why, size_t whylen)
{
	struct side a, b;
	msw_err rc;

	side_init(&a);
	side_init(&b);
	*events = NULL;
	rc = side_load(&a, old, why, whylen);
	if (!rc)
		rc = side_load(&b, cur, why, whylen);
	if (!rc && !strcmp(old->source, cur->source) && !strcmp(a.picked, b.picked)) {
		snprintf(why, whylen, "the old and the new side are the same scan");
		rc = MSW_ERR_USAGE;
	}
	if (!rc && !(*events = cJSON_CreateArray()))
		rc = MSW_ERR_NOMEM;
	if (!rc) {
		broker_events(*events, &a, &b);
		category_events(*events, &b.hosts, &a.hosts, "new_category", true);
		category_events(*events, &a.hosts, &b.hosts, "gone_category", false);
		leak_events(*events, &b.actuators, &a.actuators, "new_actuator",
			    "device anyone could operate");
		leak_events(*events, &b.locations, &a.locations, "new_location", "location leak");
	}
	side_free(&a);
	side_free(&b);
	return rc;
}

/* ---- the command ------------------------------------------------------------------------- */

static void diff_usage(FILE *f)
{
	fprintf(f,
		"usage: mqttsweep diff OLD [NEW] [options]\n"
		"  What changed between two scans: brokers newly open to anyone or newly closed,\n"
		"  finding categories new or gone per host, new actuators anyone could operate and\n"
		"  new location leaks. OLD and NEW are result sources (SQLite files written by\n"
		"  --db; the latest scan of each). With one SOURCE: its two latest scans, or the\n"
		"  scans --old-scan and --new-scan name.\n\n"
		"options:\n"
		"  --old-scan ID                the earlier scan (in OLD)\n"
		"  --new-scan ID                the later scan (in NEW, or in OLD when NEW is not given)\n"
		"  --format FMT                 text (default) or jsonl (one event object a line)\n"
		"  -h, --help                   this text\n\n"
		"Exit codes: 0 compared (changed or not), 2 usage error or a scan that does not\n"
		"exist, 3 the output could not be written.\n");
}

static int print_events(const cJSON *events, bool jsonl)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, events) {
		char *s = jsonl ? cJSON_PrintUnformatted(e) : escape_term_s(jstr(e, "text"));

		if (!s)
			return CMD_EXIT_RUNTIME;
		if (jsonl)
			printf("%s\n", s);
		else
			printf("%s %s\n", jbool(e, "worse") ? "+" : "-", s);
		free(s);
	}
	if (!jsonl && !cJSON_GetArraySize(events))
		printf("no change: the same brokers are open and the same kinds of findings are "
		       "there\n");
	return fflush(stdout) || ferror(stdout) ? CMD_EXIT_RUNTIME : 0;
}

int diff_main(int argc, char **argv)
{
	const char *pos[2] = {0}, *old_scan = NULL, *new_scan = NULL, *format = NULL;
	const struct cmd_opt opts[] = {
		{"--old-scan", &old_scan}, {"--new-scan", &new_scan}, {"--format", &format},
		{NULL, NULL},
	};
	struct diff_side old = {0}, cur = {0};
	cJSON *events;
	char why[256];
	int code = cmd_parse("diff", argc, argv, opts, pos, 2, diff_usage);

	if (code >= 0)
		return code;
	if (!pos[0])
		return cmd_bad("diff", "diff needs OLD (and NEW, or two scans in OLD)", NULL);
	if (format && strcmp(format, "text") && strcmp(format, "jsonl"))
		return cmd_bad("diff", "--format takes text or jsonl, not", format);
	old = (struct diff_side){.source = pos[0], .scan_id = old_scan};
	cur = (struct diff_side){.source = pos[1] ? pos[1] : pos[0], .scan_id = new_scan};
	if (!pos[1] && !old_scan)
		old.back = new_scan ? 0 : 1; /* one source: the scan before the latest */
	if (!pos[1] && !old_scan && new_scan)
		return cmd_bad("diff", "with one SOURCE, --new-scan needs --old-scan", NULL);
	if (diff_compute(&old, &cur, &events, why, sizeof(why))) {
		fprintf(stderr, "mqttsweep: diff: %s\n", why);
		return CMD_EXIT_USAGE;
	}
	code = print_events(events, format && !strcmp(format, "jsonl"));
	cJSON_Delete(events);
	return code;
}
