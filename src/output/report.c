/* The report's model (report.h): what each record adds to the counts, and the trimmed
 * copies kept for the per-host sections. The page itself is drawn by report_html.c and
 * report_svg.c. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "base/hash.h"
#include "output/jget.h"
#include "output/report_int.h"

#define INDEX_MAX (1u << 20) /* distinct hosts counted */
#define LABELS_KEPT 64       /* distinct product labels counted before "other" */

struct idx_slot {
	uint64_t h;
	char *ip;
	uint32_t host; /* index into hosts, or UINT32_MAX: counted, not kept */
	bool dashboard, share; /* counted among the hosts with one open */
	bool dropped;          /* no room for its detail */
};

static bool idx_eq(const void *slot, const void *key)
{
	return strcmp(((const struct idx_slot *)slot)->ip, key) == 0;
}

msw_err report_new(struct report **out)
{
	struct report *r = calloc(1, sizeof(*r));

	if (!r)
		return MSW_ERR_NOMEM;
	vec_init(&r->products, sizeof(struct rep_label), 8, LABELS_KEPT);
	vec_init(&r->ecosystems, sizeof(struct rep_label), 8, 64);
	vec_init(&r->hosts, sizeof(struct rep_host), 16, REPORT_HOSTS_MAX);
	hset_init(&r->index, sizeof(struct idx_slot), 8, 64, INDEX_MAX, idx_eq);
	*out = r;
	return MSW_OK;
}

static void labels_free(struct vec *v)
{
	struct rep_label *l = v->p;

	for (uint32_t i = 0; i < v->n; i++)
		free(l[i].label);
	vec_free(v);
}

void report_free(struct report *r)
{
	struct rep_host *h;

	if (!r)
		return;
	h = r->hosts.p;
	for (uint32_t i = 0; i < r->hosts.n; i++) {
		free(h[i].ip);
		cJSON_Delete(h[i].summary);
		cJSON_Delete(h[i].services);
	}
	vec_free(&r->hosts);
	for (struct idx_slot *s = NULL; (s = hset_next(&r->index, s));)
		free(s->ip);
	hset_free(&r->index);
	labels_free(&r->products);
	labels_free(&r->ecosystems);
	cJSON_Delete(r->diff);
	free(r->source);
	free(r->scans);
	free(r);
}

msw_err report_set_origin(struct report *r, const char *source, const char *scans)
{
	free(r->source);
	free(r->scans);
	r->source = source ? strdup(source) : NULL;
	r->scans = scans ? strdup(scans) : NULL;
	return (source && !r->source) || (scans && !r->scans) ? MSW_ERR_NOMEM : MSW_OK;
}

void report_set_diff(struct report *r, cJSON *events)
{
	cJSON_Delete(r->diff);
	r->diff = events;
}

void report_severities(const struct report *r, uint64_t by_sev[SEV__COUNT])
{
	memcpy(by_sev, r->by_sev, sizeof(r->by_sev));
}

uint64_t report_records(const struct report *r)
{
	return r->records;
}

int rep_auth_of(const char *s)
{
	for (int a = 0; s && a < AUTH__COUNT; a++)
		if (!strcmp(s, auth_str((enum msw_auth)a)))
			return a;
	return -1;
}

/* ---- labels ----------------------------------------------------------------------- */

/* Adds one to label's count; false when the list is full (the caller counts "other"). */
static bool label_bump(struct vec *v, const char *label)
{
	struct rep_label *l = v->p, *n;

	for (uint32_t i = 0; i < v->n; i++)
		if (!strcmp(l[i].label, label)) {
			l[i].n++;
			return true;
		}
	n = vec_push(v);
	if (!n)
		return false;
	n->label = strdup(label);
	if (!n->label) {
		v->n--;
		return false;
	}
	n->n = 1;
	return true;
}

/* The ecosystems a finding id names (its prefix before the first dot), with their names. */
static const struct {
	const char *prefix, *name;
} ecosystems[] = {
	{"owntracks", "OwnTracks"},   {"homeassistant", "Home Assistant"},
	{"zigbee2mqtt", "Zigbee2MQTT"}, {"z2m", "Zigbee2MQTT"},
	{"tasmota", "Tasmota"},       {"shelly", "Shelly"},
	{"shelly2", "Shelly"},        {"esphome", "ESPHome"},
	{"frigate", "Frigate"},       {"teslamate", "TeslaMate"},
	{"valetudo", "Valetudo"},     {"mqttdash", "MQTT Dash"},
	{"domoticz", "Domoticz"},     {"rtl433", "rtl_433"},
	{"omg", "OpenMQTTGateway"},   {"glances", "Glances"},
	{"zwavejs", "Z-Wave JS"},     {"nodered", "Node-RED"},
	{"openhab", "openHAB"},       {"victron", "Victron"},
	{"octoprint", "OctoPrint"},   {"ha", "Home Assistant"},
};
#define NECO (sizeof(ecosystems) / sizeof(ecosystems[0]))

static int ecosystem_of(const char *id)
{
	const char *dot = id ? strchr(id, '.') : NULL;

	if (!dot)
		return -1;
	for (size_t i = 0; i < NECO; i++)
		if (strlen(ecosystems[i].prefix) == (size_t)(dot - id) &&
		    !strncmp(id, ecosystems[i].prefix, (size_t)(dot - id)))
			return (int)i;
	return -1;
}

static void count_ecosystems(struct report *r, const cJSON *rec)
{
	const cJSON *f;
	uint64_t seen = 0;

	_Static_assert(NECO <= 64, "ecosystem set fits a mask");
	cJSON_ArrayForEach(f, jget(rec, "findings")) {
		int e = ecosystem_of(jstr(f, "id"));

		if (e < 0)
			continue;
		/* two prefixes of one name count once */
		for (size_t i = 0; i < NECO; i++)
			if (!strcmp(ecosystems[i].name, ecosystems[e].name))
				e = (int)i, i = NECO;
		if (!(seen & (1ull << e))) {
			seen |= 1ull << e;
			label_bump(&r->ecosystems, ecosystems[e].name);
		}
	}
}

/* ---- brokers ----------------------------------------------------------------------- */

static bool has_word(const char *s, const char *const *words)
{
	for (; s && *words; words++)
		if (strcasestr(s, *words))
			return true;
	return false;
}

static void broker_leaks(const cJSON *rec, bool lk[LK__COUNT])
{
	static const char *const door_words[] = {"door", "lock", "garage", "gate", NULL};
	const cJSON *f;
	int a = rep_auth_of(jstr(rec, "auth"));

	lk[LK_OPEN] = a == AUTH_ANONYMOUS || a == AUTH_ANY_CREDENTIALS;
	lk[LK_READABLE] = lk[LK_OPEN] && !strcmp(jstr(rec, "read_access") ?: "", "granted_with_data");
	cJSON_ArrayForEach(f, jget(rec, "findings")) {
		int c = category_from_str(jstr(f, "category"));

		if (c == CAT_LOCATION || c == CAT_PRESENCE)
			lk[LK_PEOPLE] = true;
		if (c == CAT_DOOR_STATE || (c == CAT_ACTUATOR_CONTROL &&
					    (has_word(jstr(f, "id"), door_words) ||
					     has_word(jstr(f, "title"), door_words))))
			lk[LK_DOOR] = true;
		if (c == CAT_ACTUATOR_CONTROL)
			lk[LK_SWITCH] = true;
		if (c == CAT_CREDENTIAL || c == CAT_NETWORK_KEY)
			lk[LK_SECRET] = true;
	}
}

static void count_product(struct report *r, const cJSON *rec)
{
	const cJSON *b = jget(rec, "broker");
	const char *p = jstr(b, "product"), *v = jstr(b, "version");
	char label[160];

	if (!p)
		snprintf(label, sizeof(label), "not named");
	else
		snprintf(label, sizeof(label), "%.80s %.60s", p, v ? v : "(version unknown)");
	if (!label_bump(&r->products, label))
		r->products_other++;
}

static void count_broker(struct report *r, const cJSON *rec)
{
	static const char *const tls_names[] = {"plaintext", "tls_unverified", "tls_verified",
						"mtls"};
	const char *ts = jstr(rec, "transport_security");
	int a = rep_auth_of(jstr(rec, "auth"));
	bool lk[LK__COUNT] = {0};
	size_t t = 0;

	r->brokers++;
	r->auth[a < 0 ? AUTH_UNKNOWN : a]++;
	broker_leaks(rec, lk);
	for (int i = 0; i < LK__COUNT; i++)
		r->leak[i] += lk[i];
	while (t < 4 && !(ts && !strcmp(ts, tls_names[t])))
		t++;
	r->tls[t]++;
	count_product(r, rec);
	count_ecosystems(r, rec);
}

static void count_findings(struct report *r, const cJSON *rec, int *worst, uint32_t *n)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, jget(rec, "findings")) {
		int s = severity_from_str(jstr(f, "severity"));
		int c = category_from_str(jstr(f, "category"));

		if (s < 0)
			continue;
		r->by_sev[s]++;
		if (c >= 0)
			r->by_cat_sev[c][s]++;
		if (s > *worst)
			*worst = s;
		(*n)++;
	}
}

/* ---- hosts ------------------------------------------------------------------------- */

/* The host's index slot (added when new; NULL past INDEX_MAX hosts or out of memory). */
static struct idx_slot *slot_of(struct report *r, const char *ip)
{
	uint64_t h = fnv1a64(ip, strlen(ip), FNV64_INIT);
	bool fresh;
	struct idx_slot *s = hset_add(&r->index, h, ip, &fresh);

	if (!s || !fresh)
		return s;
	r->hosts_seen++;
	s->host = UINT32_MAX;
	s->ip = strdup(ip);
	if (!s->ip) {
		hset_del(&r->index, s);
		r->hosts_seen--;
		return NULL;
	}
	return s;
}

/* The host's kept detail, started when there is room. */
static struct rep_host *host_of(struct report *r, struct idx_slot *s, const char *ip)
{
	struct rep_host *host;

	if (!s)
		return NULL;
	if (s->host != UINT32_MAX)
		return (struct rep_host *)r->hosts.p + s->host;
	if (s->dropped)
		return NULL;
	host = vec_push(&r->hosts);
	if (!host) {
		s->dropped = true;
		r->hosts_dropped++;
		return NULL;
	}
	host->ip = strdup(ip);
	host->services = cJSON_CreateArray();
	host->worst = -1;
	if (!host->ip || !host->services) {
		free(host->ip);
		cJSON_Delete(host->services);
		r->hosts.n--;
		s->dropped = true;
		r->hosts_dropped++;
		return NULL;
	}
	s->host = r->hosts.n - 1;
	return host;
}

/* Cuts an array in a copied record to at most keep entries. */
static void trim_array(cJSON *parent, const char *key, int keep)
{
	cJSON *a = cJSON_GetObjectItemCaseSensitive(parent, key);

	while (cJSON_IsArray(a) && cJSON_GetArraySize(a) > keep)
		cJSON_DeleteItemFromArray(a, cJSON_GetArraySize(a) - 1);
}

/* The add-on signals of one record, and the port layout over the host's services. */
static void host_signals(struct rep_host *h, const cJSON *rec)
{
	const cJSON *d;
	int mqtt_ports = 0;

	fix_signals_add(&h->sig, rec);
	cJSON_ArrayForEach(d, h->services) {
		int port = jport(d, "port");

		if (jbool(d, "mqtt") && (port == 1883 || port == 1884 || port == 8883 || port == 8884))
			mqtt_ports++;
	}
	h->sig.ports = mqtt_ports >= 2;
}

static void keep_service(struct report *r, struct rep_host *h, const cJSON *rec)
{
	cJSON *copy;

	if (cJSON_GetArraySize(h->services) >= REPORT_SERVICES_MAX) {
		r->services_dropped++;
		return;
	}
	copy = cJSON_Duplicate(rec, 1);
	if (!copy)
		return;
	trim_array(cJSON_GetObjectItemCaseSensitive(copy, "topics"), "list", REPORT_TOPICS_KEPT);
	trim_array(copy, "findings", REPORT_FINDINGS_KEPT);
	cJSON_AddItemToArray(h->services, copy);
	/* the first product named, re-read from the kept copy (the record is the caller's) */
	h->product = NULL;
	cJSON_ArrayForEach(copy, h->services)
		if (!h->product)
			h->product = jstr(jget(copy, "broker"), "product");
}

/* Hosts with an open dashboard or file share, each counted once. */
static void count_open(struct report *r, struct idx_slot *s, const cJSON *rec)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, jget(rec, "findings")) {
		int c = category_from_str(jstr(f, "category"));

		if (c == CAT_DASHBOARD && !s->dashboard) {
			s->dashboard = true;
			r->dashboards++;
		} else if (c == CAT_FILE_SHARE && !s->share) {
			s->share = true;
			r->shares++;
		}
	}
}

msw_err report_add(struct report *r, const cJSON *rec)
{
	const char *ip = jstr(rec, "ip"), *kind = jstr(rec, "kind");
	struct rep_host *h;
	int worst = -1;
	uint32_t n = 0;

	struct idx_slot *slot;

	if (!cJSON_IsObject(rec) || !ip)
		return MSW_ERR_MALFORMED;
	r->records++;
	slot = slot_of(r, ip);
	h = host_of(r, slot, ip);
	if (kind && !strcmp(kind, "host")) {
		if (h && !h->summary)
			h->summary = cJSON_Duplicate(rec, 1);
		return MSW_OK;
	}
	count_findings(r, rec, &worst, &n);
	if (jbool(rec, "mqtt"))
		count_broker(r, rec);
	if (slot)
		count_open(r, slot, rec);
	if (!h)
		return MSW_OK;
	keep_service(r, h, rec);
	if (worst > h->worst)
		h->worst = worst;
	h->findings += n;
	host_signals(h, rec);
	return MSW_OK;
}

enum fix_sw rep_host_sw(const struct rep_host *h)
{
	return fix_sw_for(h->product, &h->sig);
}

/* ---- the headline -------------------------------------------------------------------- */

struct sb {
	char *p;
	size_t cap, len;
};

static void sb_add(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (b->len >= b->cap)
		return;
	va_start(ap, fmt);
	w = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (w > 0)
		b->len = b->len + (size_t)w < b->cap ? b->len + (size_t)w : b->cap - 1;
}

/* " 2 of 6 (33%)": the count, its denominator and the share */
static void share(struct sb *b, uint64_t part, uint64_t whole)
{
	sb_add(b, "%" PRIu64 " of %" PRIu64, part, whole);
	if (!whole)
		return;
	if (part && part * 100 < whole)
		sb_add(b, " (<1%%)");
	else
		sb_add(b, " (%" PRIu64 "%%)", (part * 200 + whole) / (2 * whole));
}

static const struct {
	enum rep_leak lk;
	const char *one, *many; /* verb phrases for 1 and for more */
} phrases[] = {
	{LK_OPEN, "lets anyone in", "let anyone in"},
	{LK_READABLE, "gave us messages without a password", "gave us messages without a password"},
	{LK_PEOPLE, "leaks where people are", "leak where people are"},
	{LK_DOOR, "exposes a garage door or lock", "expose a garage door or lock"},
	{LK_SWITCH, "lets anyone switch or open a device", "let anyone switch or open devices"},
	{LK_SECRET, "leaks a password or key", "leak passwords or keys"},
};

void report_headline(const struct report *r, char *out, size_t cap)
{
	struct sb b = {out, cap, 0};

	if (!cap)
		return;
	out[0] = '\0';
	if (!r->brokers) {
		sb_add(&b, "No MQTT broker was reached");
	} else {
		sb_add(&b, "Of %" PRIu64 " MQTT broker%s reached: ", r->brokers,
		       r->brokers == 1 ? "" : "s");
		for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++) {
			uint64_t n = r->leak[phrases[i].lk];

			sb_add(&b, "%s", i ? "; " : "");
			share(&b, n, r->brokers);
			sb_add(&b, " %s", n == 1 ? phrases[i].one : phrases[i].many);
		}
	}
	sb_add(&b, ". Of %" PRIu64 " host%s: ", r->hosts_seen, r->hosts_seen == 1 ? "" : "s");
	share(&b, r->dashboards, r->hosts_seen);
	sb_add(&b, " %s an open dashboard; ", r->dashboards == 1 ? "has" : "have");
	share(&b, r->shares, r->hosts_seen);
	sb_add(&b, " %s an open file share.", r->shares == 1 ? "has" : "have");
}

msw_err report_write_file(const struct report *r, const char *path)
{
	size_t n = strlen(path) + 5;
	char *tmp = malloc(n);
	FILE *f;
	msw_err rc;

	if (!tmp)
		return MSW_ERR_NOMEM;
	snprintf(tmp, n, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		free(tmp);
		return MSW_ERR_IO;
	}
	rc = report_write(r, f);
	if (fclose(f) && !rc)
		rc = MSW_ERR_IO;
	if (!rc && rename(tmp, path))
		rc = MSW_ERR_IO;
	if (rc)
		remove(tmp);
	free(tmp);
	return rc;
}
