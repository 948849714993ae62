/* The report's model (report.h): what each record adds to the counts, and the trimmed
 * copies kept for the per-host sections. The page itself is drawn by report_html.c and
 * report_svg.c. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "base/dbuf.h"
#include "base/hash.h"
#include "output/jget.h"
#include "output/rpath.h"
#include "output/report_int.h"

#define INDEX_MAX (1u << 20) /* distinct hosts counted */
#define LABELS_KEPT 64       /* distinct product labels counted before "other" */
#define REPORT_KEPT_MAX (64u * 1024 * 1024) /* one kept record's JSON text */
#ifndef MSW_VERSION
#define MSW_VERSION "0.0.0"
#endif

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
		struct rep_service *k = h[i].kept.p;

		free(h[i].ip);
		free(h[i].summary_json);
		free(h[i].product);
		for (uint32_t j = 0; j < h[i].kept.n; j++)
			free(k[j].json);
		vec_free(&h[i].kept);
		if (h[i].drawn) {
			cJSON_Delete(h[i].drawn->services);
			cJSON_Delete(h[i].drawn->summary);
			free(h[i].drawn);
		}
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

/* ---- one record, in either form ---------------------------------------------------- */

/* What the counts read of a finding, and of a record: texts as a parsed copy of the
 * record holds them (NULL where it has none, or none as text), pointing into the record. */
struct rep_fd {
	const char *id, *title, *evidence, *severity, *category;
};
struct rep_in {
	const char *ip, *kind, *auth, *read_access, *tsec, *product, *version;
	bool mqtt;
	struct rep_fd *f;
	size_t nf;
};

static void ecosystems_of(struct report *r, const struct rep_in *in)
{
	uint64_t seen = 0;

	_Static_assert(NECO <= 64, "ecosystem set fits a mask");
	for (size_t i = 0; i < in->nf; i++) {
		int e = ecosystem_of(in->f[i].id);

		if (e < 0)
			continue;
		/* two prefixes of one name count once */
		for (size_t k = 0; k < NECO; k++)
			if (!strcmp(ecosystems[k].name, ecosystems[e].name))
				e = (int)k, k = NECO;
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

static void broker_leaks(const struct rep_in *in, bool lk[LK__COUNT])
{
	static const char *const door_words[] = {"door", "lock", "garage", "gate", NULL};
	int a = rep_auth_of(in->auth);

	lk[LK_OPEN] = a == AUTH_ANONYMOUS || a == AUTH_ANY_CREDENTIALS;
	lk[LK_READABLE] = lk[LK_OPEN] && !strcmp(in->read_access ?: "", "granted_with_data");
	for (size_t i = 0; i < in->nf; i++) {
		const struct rep_fd *f = &in->f[i];
		int c = category_from_str(f->category);

		if (c == CAT_LOCATION || c == CAT_PRESENCE)
			lk[LK_PEOPLE] = true;
		if (c == CAT_DOOR_STATE || (c == CAT_ACTUATOR_CONTROL &&
					    (has_word(f->id, door_words) ||
					     has_word(f->title, door_words))))
			lk[LK_DOOR] = true;
		if (c == CAT_ACTUATOR_CONTROL)
			lk[LK_SWITCH] = true;
		if (c == CAT_CREDENTIAL || c == CAT_NETWORK_KEY)
			lk[LK_SECRET] = true;
	}
}

static void count_product(struct report *r, const struct rep_in *in)
{
	char label[160];

	if (!in->product)
		snprintf(label, sizeof(label), "not named");
	else
		snprintf(label, sizeof(label), "%.80s %.60s", in->product,
			 in->version ? in->version : "(version unknown)");
	if (!label_bump(&r->products, label))
		r->products_other++;
}

static void count_broker(struct report *r, const struct rep_in *in)
{
	static const char *const tls_names[] = {"plaintext", "tls_unverified", "tls_verified",
						"mtls"};
	const char *ts = in->tsec;
	int a = rep_auth_of(in->auth);
	bool lk[LK__COUNT] = {0};
	size_t t = 0;

	r->brokers++;
	r->auth[a < 0 ? AUTH_UNKNOWN : a]++;
	broker_leaks(in, lk);
	for (int i = 0; i < LK__COUNT; i++)
		r->leak[i] += lk[i];
	while (t < 4 && !(ts && !strcmp(ts, tls_names[t])))
		t++;
	r->tls[t]++;
	count_product(r, in);
	ecosystems_of(r, in);
}

static void count_findings(struct report *r, const struct rep_in *in, int *worst, uint32_t *n)
{
	for (size_t i = 0; i < in->nf; i++) {
		int s = severity_from_str(in->f[i].severity);
		int c = category_from_str(in->f[i].category);

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
	memset(host, 0, sizeof(*host));
	host->ip = strdup(ip);
	host->drawn = calloc(1, sizeof(*host->drawn));
	vec_init(&host->kept, sizeof(struct rep_service), 2, REPORT_SERVICES_MAX);
	host->worst = -1;
	if (!host->ip || !host->drawn) {
		free(host->ip);
		free(host->drawn);
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

/* The port layout over the host's services. */
static void host_ports(struct rep_host *h)
{
	const struct rep_service *k = h->kept.p;
	int mqtt_ports = 0;

	for (uint32_t i = 0; i < h->kept.n; i++)
		if (k[i].mqtt && (k[i].port == 1883 || k[i].port == 1884 || k[i].port == 8883 ||
				  k[i].port == 8884))
			mqtt_ports++;
	h->sig.ports = mqtt_ports >= 2;
}

/* A kept service (json: malloc'ed text, taken). */
static void keep_service(struct report *r, struct rep_host *h, char *json, int port, bool mqtt,
			 const char *product)
{
	struct rep_service *k;

	if (h->kept.n >= REPORT_SERVICES_MAX) {
		r->services_dropped++;
		free(json);
		return;
	}
	if (!json || !(k = vec_push(&h->kept))) {
		free(json);
		return;
	}
	*k = (struct rep_service){.json = json, .port = port, .mqtt = mqtt};
	/* the first product named among the kept services */
	if (!h->product && product)
		h->product = strdup(product);
}

/* Hosts with an open dashboard or file share, each counted once. */
static void count_open(struct report *r, struct idx_slot *s, const struct rep_in *in)
{
	for (size_t i = 0; i < in->nf; i++) {
		int c = category_from_str(in->f[i].category);

		if (c == CAT_DASHBOARD && !s->dashboard) {
			s->dashboard = true;
			r->dashboards++;
		} else if (c == CAT_FILE_SHARE && !s->share) {
			s->share = true;
			r->shares++;
		}
	}
}

/* The counts of one service record; its host's kept detail, when it has one, is the
 * caller's (h). */
static void count_service(struct report *r, struct idx_slot *slot, struct rep_host *h,
			  const struct rep_in *in)
{
	int worst = -1;
	uint32_t n = 0;

	count_findings(r, in, &worst, &n);
	if (in->mqtt)
		count_broker(r, in);
	if (slot)
		count_open(r, slot, in);
	if (!h)
		return;
	if (worst > h->worst)
		h->worst = worst;
	h->findings += n;
}

/* ---- a parsed record ---- */

static void tree_in(const cJSON *rec, struct rep_in *in)
{
	const cJSON *b = jget(rec, "broker"), *fs = jget(rec, "findings"), *f;
	size_t n = 0;

	*in = (struct rep_in){
		.ip = jstr(rec, "ip"), .kind = jstr(rec, "kind"), .auth = jstr(rec, "auth"),
		.read_access = jstr(rec, "read_access"), .tsec = jstr(rec, "transport_security"),
		.product = jstr(b, "product"), .version = jstr(b, "version"),
		.mqtt = jbool(rec, "mqtt")};
	cJSON_ArrayForEach(f, fs)
		n++;
	if (!n || !(in->f = calloc(n, sizeof(*in->f))))
		return;
	cJSON_ArrayForEach(f, fs)
		in->f[in->nf++] = (struct rep_fd){.id = jstr(f, "id"), .title = jstr(f, "title"),
						  .evidence = jstr(f, "evidence"),
						  .severity = jstr(f, "severity"),
						  .category = jstr(f, "category")};
}

msw_err report_add(struct report *r, const cJSON *rec)
{
	struct rep_in in;
	struct rep_host *h;
	struct idx_slot *slot;
	cJSON *copy;

	if (!cJSON_IsObject(rec) || !jstr(rec, "ip"))
		return MSW_ERR_MALFORMED;
	tree_in(rec, &in);
	r->records++;
	slot = slot_of(r, in.ip);
	h = host_of(r, slot, in.ip);
	if (in.kind && !strcmp(in.kind, "host")) {
		if (h && !h->summary_json)
			h->summary_json = cJSON_PrintUnformatted(rec);
		free(in.f);
		return MSW_OK;
	}
	count_service(r, slot, h, &in);
	if (h && (copy = cJSON_Duplicate(rec, 1))) {
		trim_array(cJSON_GetObjectItemCaseSensitive(copy, "topics"), "list",
			   REPORT_TOPICS_KEPT);
		trim_array(copy, "findings", REPORT_FINDINGS_KEPT);
		keep_service(r, h, cJSON_PrintUnformatted(copy), jport(copy, "port"),
			     jbool(copy, "mqtt"), in.product);
		cJSON_Delete(copy);
	}
	if (h) {
		fix_signals_add(&h->sig, rec);
		host_ports(h);
	}
	free(in.f);
	return MSW_OK;
}

/* ---- a record, through its tables ---- */

/* The rows read, found once. */
static struct rep_paths {
	bool ok;
	struct fpath ip, kind, auth, read_access, tsec, product, version, mqtt, port, probe,
		findings, topics_list, f_id, f_title, f_evidence, f_severity, f_category;
	struct rpath cert, san_dns, subject, cn, http_product;
} P;

static bool paths_init(void)
{
	const struct fblock *ft;

	if (P.ok)
		return true;
	if (!fields_find(&record_table, "findings", &P.findings))
		return false;
	ft = P.findings.f[0]->sub;
	P.ok = fields_find(&record_table, "ip", &P.ip) && fields_find(&record_table, "kind", &P.kind) &&
	       fields_find(&record_table, "auth", &P.auth) &&
	       fields_find(&record_table, "read_access", &P.read_access) &&
	       fields_find(&record_table, "transport_security", &P.tsec) &&
	       fields_find(&record_table, "broker.product", &P.product) &&
	       fields_find(&record_table, "broker.version", &P.version) &&
	       fields_find(&record_table, "mqtt", &P.mqtt) &&
	       fields_find(&record_table, "port", &P.port) &&
	       fields_find(&record_table, "probe", &P.probe) &&
	       fields_find(&record_table, "topics.list", &P.topics_list) &&
	       fields_find(ft, "id", &P.f_id) && fields_find(ft, "title", &P.f_title) &&
	       fields_find(ft, "evidence", &P.f_evidence) &&
	       fields_find(ft, "severity", &P.f_severity) &&
	       fields_find(ft, "category", &P.f_category) &&
	       rpath_init(&P.cert, "tls.certificate") && rpath_init(&P.san_dns, "san.dns") &&
	       rpath_init(&P.subject, "subject") && rpath_init(&P.cn, "CN") &&
	       rpath_init(&P.http_product, "http.product");
	return P.ok;
}

/* A text (STR, CHARS, WORD, ENUM: NUL-terminated in the record) as a parsed copy holds
 * it under the row's own name, else NULL. */
static const char *text_of(const void *obj, const struct fpath *p)
{
	struct fval v;

	fields_get_path(obj, p, &v);
	if (v.absent)
		return NULL;
	if (v.t == FT_WORD || v.t == FT_ENUM)
		return (const char *)v.s;
	if ((v.t == FT_STR || v.t == FT_CHARS) && fields_text_ok(v.s, v.n))
		return (const char *)v.s;
	return NULL;
}

/* A top-level text, with the extra member that stands where the envelope wrote none. */
static const char *top_of(const struct msw_record *rec, const struct fpath *p)
{
	const uint8_t *s;
	size_t n;

	return record_top_text(rec, p, &s, &n) ? (const char *)s : NULL;
}

static void record_in(const struct msw_record *rec, struct rep_in *in)
{
	struct fval l;

	*in = (struct rep_in){
		.ip = top_of(rec, &P.ip), .kind = top_of(rec, &P.kind), .auth = top_of(rec, &P.auth),
		.read_access = top_of(rec, &P.read_access), .tsec = top_of(rec, &P.tsec),
		.product = text_of(rec, &P.product), .version = text_of(rec, &P.version)};
	fields_get_path(rec, &P.mqtt, &l);
	in->mqtt = l.b;
	fields_get_path(rec, &P.findings, &l);
	if (l.absent || !l.n || !(in->f = calloc(l.n, sizeof(*in->f))))
		return;
	for (size_t i = 0; i < l.n; i++) {
		const void *f = fields_elem(&l, i);
		in->f[in->nf++] = (struct rep_fd){
			.id = text_of(f, &P.f_id), .title = text_of(f, &P.f_title),
			.evidence = text_of(f, &P.f_evidence), .severity = text_of(f, &P.f_severity),
			.category = text_of(f, &P.f_category)};
	}
}

/* A map list's (a DN's) text at key k, as its JSON object holds it: the one value of that
 * key (values holding NUL stand apart as "<k>_b64"), when it is text. */
static const char *map_text(const struct fval *m, const char *k)
{
	const char *hit = NULL;
	size_t kn = strlen(k), seen = 0;

	for (size_t i = 0; i < m->n; i++) {
		struct fval key, val;
		fields_map_entry(m, i, &key, &val);
		if (key.n != kn || memcmp(key.s, k, kn) || memchr(val.s, 0, val.n))
			continue;
		if (!seen++ && fields_text_ok(val.s, val.n))
			hit = (const char *)val.s;
	}
	return seen == 1 ? hit : NULL;
}

/* A value read by path as text (a typed text, or a JSON string): NUL-terminated. */
static const char *rtext(const struct fval *v)
{
	const uint8_t *s;
	size_t n;

	return rval_text(v, &s, &n) && !memchr(s, 0, n) && !s[n] ? (const char *)s : NULL;
}

/* fix_signals_add() over the record's tables (and the parts still JSON). */
static void record_signals(struct addon_signals *sig, const struct msw_record *rec,
			   const struct rep_in *in)
{
	struct fval cert, v, e;
	const char *probe = top_of(rec, &P.probe);

	rpath_get(rec, &P.cert, &cert);
	if (!cert.absent) {
		rpath_get_in(&cert, &P.san_dns, &v);
		for (size_t i = 0, n = rpath_len(&v); i < n; i++) {
			rpath_elem(&v, i, &e);
			fix_signal_text(sig, FX_CERT_NAME, rtext(&e));
		}
		rpath_get_in(&cert, &P.subject, &v);
		if (!v.absent && v.t == FT_LIST && v.tbl && (v.tbl->flags & FB_MAP)) {
			fix_signal_text(sig, FX_CERT_NAME, map_text(&v, "CN"));
		} else if (!v.absent) {
			rpath_get_in(&v, &P.cn, &e);
			fix_signal_text(sig, FX_CERT_NAME, rtext(&e));
		}
	}
	if (probe && !strcmp(probe, "http")) {
		rpath_get(rec, &P.http_product, &v);
		fix_signal_text(sig, FX_HTTP_PRODUCT, rtext(&v));
	}
	fix_signal_text(sig, FX_PRODUCT, in->product);
	for (size_t i = 0; i < in->nf; i++) {
		fix_signal_text(sig, FX_FINDING_ID, in->f[i].id);
		fix_signal_text(sig, FX_FINDING_TEXT, in->f[i].title);
		fix_signal_text(sig, FX_FINDING_TEXT, in->f[i].evidence);
	}
}

/* The record's JSON text, its lists cut as the report keeps them (a view of the record:
 * the same pointers, shorter counts). */
static char *kept_text(const struct msw_record *rec, bool trim)
{
	struct msw_record view = *rec;
	struct dbuf b;
	char *t = NULL;

	if (trim) {
		if (view.topics.n > REPORT_TOPICS_KEPT)
			view.topics.n = REPORT_TOPICS_KEPT;
		if (view.findings.n > REPORT_FINDINGS_KEPT)
			view.findings.n = REPORT_FINDINGS_KEPT;
	}
	dbuf_init(&b, REPORT_KEPT_MAX);
	if (record_text(&view, MSW_VERSION, &b) == MSW_OK && (t = malloc(b.len + 1))) {
		memcpy(t, b.p, b.len);
		t[b.len] = 0;
	}
	dbuf_free(&b);
	return t;
}

msw_err report_add_record(struct report *r, const struct msw_record *rec)
{
	struct rep_in in;
	struct rep_host *h;
	struct idx_slot *slot;
	struct fval port;

	if (!paths_init())
		return MSW_ERR_INTERNAL;
	record_in(rec, &in);
	if (!in.ip) {
		free(in.f);
		return MSW_ERR_MALFORMED;
	}
	r->records++;
	slot = slot_of(r, in.ip);
	h = host_of(r, slot, in.ip);
	if (in.kind && !strcmp(in.kind, "host")) {
		if (h && !h->summary_json)
			h->summary_json = kept_text(rec, false);
		free(in.f);
		return MSW_OK;
	}
	count_service(r, slot, h, &in);
	if (h) {
		fields_get_path(rec, &P.port, &port);
		keep_service(r, h, kept_text(rec, true), (int)port.u, in.mqtt, in.product);
		record_signals(&h->sig, rec, &in);
		host_ports(h);
	}
	free(in.f);
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
