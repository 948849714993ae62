/* Broker fingerprint rules and the version → CVE table (see broker_db.h).
 *
 * Both are data. $SYS rules map a topic pattern ('+' = one level, a trailing '@' in a
 * level = that prefix) to what its payload says: a version text ("mosquitto version
 * 2.0.11"), a bare version, a product description, or mere presence of a product's
 * topic tree. CONNACK rules (MQTT 5) are weaker hints and never override $SYS.
 * The CVE table lists half-open version ranges [from, fixed) per product, each row with
 * its public source; a finding is emitted per row that contains the observed version. */
#include "probes/broker_db.h"
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "output/record.h"
#include "probes/mqtt_codec.h"

#define EVIDENCE_MAX 12
#define VALUE_MAX    160

/* ------------------------------------------------------------------ $SYS rules */

enum sys_kind { SK_VERSION_TEXT, SK_VERSION_BARE, SK_PRODUCT_TEXT, SK_PRESENCE };
struct sys_rule {
	const char *pattern;
	enum sys_kind kind;
	const char *product; /* NULL: named by the payload text */
};
static const struct sys_rule sys_rules[] = {
	/* Mosquitto (and brokers copying its tree, e.g. FlashMQ): "mosquitto version 2.0.11"
	 * — observed from Debian's mosquitto 2.0.11; mosquitto(8) "$SYS/broker/version" */
	{"$SYS/broker/version", SK_VERSION_TEXT, NULL},
	/* EMQX: https://docs.emqx.com/en/emqx/latest/observability/mqtt-system-topics.html
	 * "$SYS/brokers/${node}/version | EMQX version", "/sysdescr | EMQX description" */
	{"$SYS/brokers/+/version", SK_VERSION_BARE, "emqx"},
	{"$SYS/brokers/+/sysdescr", SK_PRODUCT_TEXT, "emqx"},
	/* "$SYS/brokers | cluster node list" (same page): "emqx@127.0.0.1" */
	{"$SYS/brokers", SK_PRODUCT_TEXT, "emqx"},
	/* Aedes publishes "$SYS/<broker id>/heartbeat" and "$SYS/<id>/new/clients"
	 * (aedes lib: broker heartbeat and client events); aedes-stats adds "$SYS/<id>/uptime" */
	{"$SYS/+/heartbeat", SK_PRESENCE, "aedes"},
	{"$SYS/+/new/clients", SK_PRESENCE, "aedes"},
	/* ... and "$SYS/<id>/new/subscribes" for every SUBSCRIBE, ours included (observed:
	 * Aedes 1.2 sends it right after our SUBACK: {"clientId":...,"subs":[...]}) */
	{"$SYS/+/new/subscribes", SK_PRESENCE, "aedes"},
	{"$SYS/+/disconnect/clients", SK_PRESENCE, "aedes"},
	/* VerneMQ's systree publishes metrics under "$SYS/<nodename>/..."; the default
	 * nodename is "VerneMQ@127.0.0.1" (vernemq.conf `nodename`) */
	{"$SYS/VerneMQ@/#", SK_PRESENCE, "vernemq"},
};

/* Match one topic level against a pattern level ('+' any, "X@" prefix "X@"). */
static bool level_match(const char *pl, size_t pn, const uint8_t *tl, size_t tn)
{
	if (pn == 1 && pl[0] == '+')
		return tn > 0;
	if (pn > 1 && pl[pn - 1] == '@')
		return tn >= pn && !memcmp(pl, tl, pn);
	return pn == tn && !memcmp(pl, tl, pn);
}

static bool topic_match(const char *pat, const uint8_t *t, size_t tn)
{
	const char *p = pat;
	size_t ti = 0;
	for (;;) {
		if (!strcmp(p, "#"))
			return true;
		size_t pn = strcspn(p, "/");
		size_t tl = 0;
		while (ti + tl < tn && t[ti + tl] != '/')
			tl++;
		if (!level_match(p, pn, t + ti, tl))
			return false;
		bool pend = p[pn] == 0, tend = ti + tl == tn;
		if (pend || tend)
			return pend && tend;
		p += pn + 1;
		ti += tl + 1;
	}
}

static void add_evidence(struct msw_record *r, const char *source, const uint8_t *v, size_t n)
{
	char buf[VALUE_MAX + 1];
	if (n > VALUE_MAX)
		n = VALUE_MAX;
	if (!utf8_valid(v, n))
		return;
	memcpy(buf, v, n);
	buf[n] = 0;
	if (!r->broker_evidence && !(r->broker_evidence = cJSON_CreateArray()))
		return;
	int cnt = cJSON_GetArraySize(r->broker_evidence);
	if (cnt >= EVIDENCE_MAX)
		return;
	for (int i = 0; i < cnt; i++) {
		cJSON *e = cJSON_GetArrayItem(r->broker_evidence, i);
		const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(e, "source"));
		const char *x = cJSON_GetStringValue(cJSON_GetObjectItem(e, "value"));
		if (s && x && !strcmp(s, source) && !strcmp(x, buf))
			return;
	}
	cJSON *e = cJSON_CreateObject();
	if (!e)
		return;
	cJSON_AddStringToObject(e, "source", source);
	cJSON_AddStringToObject(e, "value", buf);
	cJSON_AddItemToArray(r->broker_evidence, e);
}

static void set_str(char **dst, const char *v)
{
	char *n = v ? strdup(v) : NULL;
	if (v && !n)
		return;
	free(*dst);
	*dst = n;
}

static bool is_version_char(int ch)
{
	return isdigit(ch) || ch == '.' || ch == '-' || isalpha(ch) || ch == '+';
}

/* A version token: starts with a digit (an optional leading 'v' is dropped). */
static int take_version(const char *s, char *out, size_t cap)
{
	if ((*s == 'v' || *s == 'V') && isdigit((unsigned char)s[1]))
		s++;
	if (!isdigit((unsigned char)*s))
		return -1;
	size_t n = 0;
	while (s[n] && is_version_char((unsigned char)s[n]) && n + 1 < cap)
		n++;
	memcpy(out, s, n);
	out[n] = 0;
	return 0;
}

int broker_parse_version_text(const uint8_t *p, size_t n, char *product, size_t pcap, char *version,
			      size_t vcap)
{
	char t[VALUE_MAX + 1];
	if (!n || n > VALUE_MAX || memchr(p, 0, n) || pcap < 2 || vcap < 2)
		return -1;
	memcpy(t, p, n);
	t[n] = 0;
	product[0] = version[0] = 0;
	/* "<name> version <v>", "<name> <v>", "<name>/<v>", or a bare "<v>" */
	char *s = t;
	while (*s == ' ')
		s++;
	if (!take_version(s, version, vcap))
		return 0;
	size_t pn = strcspn(s, " /");
	if (!pn || pn >= pcap || !s[pn])
		return -1;
	for (size_t i = 0; i < pn; i++)
		product[i] = (char)tolower((unsigned char)s[i]);
	product[pn] = 0;
	char *rest = s + pn + 1;
	while (*rest == ' ')
		rest++;
	if (!strncasecmp(rest, "version", 7))
		rest += 7;
	while (*rest == ' ' || *rest == ':')
		rest++;
	return take_version(rest, version, vcap);
}

static void apply_rule(struct msw_record *r, const struct sys_rule *ru, const uint8_t *payload,
		       size_t plen)
{
	char prod[32], ver[48];
	switch (ru->kind) {
	case SK_VERSION_TEXT:
		if (broker_parse_version_text(payload, plen, prod, sizeof(prod), ver, sizeof(ver)))
			return;
		if (prod[0])
			set_str(&r->broker_product, prod);
		set_str(&r->broker_version, ver);
		return;
	case SK_VERSION_BARE:
		if (broker_parse_version_text(payload, plen, prod, sizeof(prod), ver, sizeof(ver)))
			return;
		set_str(&r->broker_product, ru->product);
		set_str(&r->broker_version, ver);
		return;
	case SK_PRODUCT_TEXT:
		/* a description names the product ("EMQX", "EMQ X Broker"); other brokers that
		 * copy the EMQX tree name themselves here too */
		if (r->broker_version && r->broker_product)
			return;
		if (plen >= 3 && !strncasecmp((const char *)payload, "emq", 3))
			set_str(&r->broker_product, "emqx");
		else if (!broker_parse_version_text(payload, plen, prod, sizeof(prod), ver,
						    sizeof(ver)) &&
			 prod[0])
			set_str(&r->broker_product, prod);
		return;
	case SK_PRESENCE:
		if (!r->broker_version)
			set_str(&r->broker_product, ru->product);
		return;
	}
}

void broker_db_observe_sys(struct msw_record *r, const uint8_t *topic, size_t tlen,
			   const uint8_t *payload, size_t plen)
{
	if (tlen < 5 || memcmp(topic, "$SYS/", 5))
		return;
	for (size_t i = 0; i < sizeof(sys_rules) / sizeof(sys_rules[0]); i++) {
		const struct sys_rule *ru = &sys_rules[i];
		if (!topic_match(ru->pattern, topic, tlen))
			continue;
		char src[VALUE_MAX + 1];
		size_t n = tlen < VALUE_MAX ? tlen : VALUE_MAX;
		memcpy(src, topic, n);
		src[n] = 0;
		if (!utf8_valid(topic, n))
			return;
		apply_rule(r, ru, payload, plen);
		if (ru->kind == SK_PRESENCE)
			add_evidence(r, "sys_topic", topic, tlen);
		else
			add_evidence(r, src, payload, plen);
		return;
	}
}

/* ------------------------------------------------------------ CONNACK hints */

/* Mosquitto assigns "auto-" + an upper-case UUID (observed: mosquitto 2.0.11 answers a
 * 5.0 CONNECT with an empty client id with "auto-3C629ED9-0F29-594D-4E79-175A16D50F91"). */
static bool mosquitto_assigned_id(const struct slice *s)
{
	if (s->len != 41 || memcmp(s->p, "auto-", 5))
		return false;
	for (size_t i = 5; i < 41; i++) {
		uint8_t ch = s->p[i];
		bool dash = i == 13 || i == 18 || i == 23 || i == 28;
		if (dash ? ch != '-' : !(isdigit(ch) || (ch >= 'A' && ch <= 'F')))
			return false;
	}
	return true;
}

/* Mosquitto 2.x defaults, observed on 2.0.11 with an empty config: the CONNACK carries
 * exactly Topic Alias Maximum 10 (max_topic_alias) and Receive Maximum 20
 * (max_inflight_messages), plus Assigned Client Identifier when it made one up. */
static bool mosquitto_defaults(const struct mqtt_props *p)
{
	uint64_t allowed = (1ull << MQTT_P_TOPIC_ALIAS_MAXIMUM) | (1ull << MQTT_P_RECEIVE_MAXIMUM) |
			   (1ull << MQTT_P_ASSIGNED_CLIENT_ID);
	return !(p->present & ~allowed) && mqtt_props_has(p, MQTT_P_TOPIC_ALIAS_MAXIMUM) &&
	       p->v[MQTT_P_TOPIC_ALIAS_MAXIMUM].u == 10 &&
	       mqtt_props_has(p, MQTT_P_RECEIVE_MAXIMUM) && p->v[MQTT_P_RECEIVE_MAXIMUM].u == 20;
}

/* Summarise the fingerprint-relevant properties as one evidence string. */
static void connack_summary(const struct mqtt_props *p, char *out, size_t cap)
{
	static const int ids[] = {
		MQTT_P_RECEIVE_MAXIMUM,  MQTT_P_TOPIC_ALIAS_MAXIMUM,  MQTT_P_MAXIMUM_PACKET_SIZE,
		MQTT_P_MAXIMUM_QOS,      MQTT_P_RETAIN_AVAILABLE,     MQTT_P_WILDCARD_SUB_AVAILABLE,
		MQTT_P_SUB_ID_AVAILABLE, MQTT_P_SHARED_SUB_AVAILABLE, MQTT_P_SERVER_KEEP_ALIVE,
	};
	size_t o = 0;
	out[0] = 0;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]) && o < cap; i++) {
		if (!mqtt_props_has(p, ids[i]))
			continue;
		int w = snprintf(out + o, cap - o, "%s%s=%u", o ? " " : "", mqtt_prop_name(ids[i]),
				 (unsigned)p->v[ids[i]].u);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	if (!out[0])
		snprintf(out, cap, "no capability properties");
}

void broker_db_observe_connack(struct msw_record *r, const struct mqtt_props *p)
{
	char sum[VALUE_MAX + 1];
	connack_summary(p, sum, sizeof(sum));
	add_evidence(r, "connack_properties", (const uint8_t *)sum, strlen(sum));
	const struct slice *aid = &p->v[MQTT_P_ASSIGNED_CLIENT_ID].s;
	bool id_hint = mqtt_props_has(p, MQTT_P_ASSIGNED_CLIENT_ID) && mosquitto_assigned_id(aid);
	if (id_hint)
		add_evidence(r, "assigned_client_identifier", aid->p, aid->len);
	if ((id_hint || mosquitto_defaults(p)) && !r->broker_product)
		set_str(&r->broker_product, "mosquitto");
}

/* ------------------------------------------------------------ CVE table */

struct cve_row {
	const char *product;
	const char *cve;
	const char *from;  /* first affected version (inclusive), NULL = any */
	const char *fixed; /* first fixed version (exclusive upper bound) */
	float cvss;        /* 0 = not verified (severity medium) */
	int cwe;           /* the weakness (see cwe_inferred) */
	bool cwe_inferred; /* true: the CVE record states no CWE we could check; ours from
			    * its description */
	const char *title;
	const char *source;
};

/* Only rows whose range we could source. Ranges are from the CVE records (CVE
 * Program cvelistV5), the Mosquitto security page / changelogs and OSV. CWEs: the CVE
 * record's (CNA problemType, or NVD's for CVE-2017-7650 whose record gives only text);
 * where neither states one we could check, the CWE is ours from the description and the
 * row says cwe_inferred (the finding's evidence says so too). */
static const struct cve_row cves[] = {
	{"mosquitto", "CVE-2017-7650", "0.15", "1.4.12", 6.5f, 284, false,
	 "pattern-based ACLs bypassed by a client id or username of '#' or '+'",
	 "https://mosquitto.org/2017/05/security-advisory-cve-2017-7650/ ; cvelistV5 CVE-2017-7650 (0.15 to 1.4.11 inclusive); GHSA-vcg2-pq78-9mhr (moderate)"},
	{"mosquitto", "CVE-2017-7651", "0.15", "1.4.15", 0, 770, true,
	 "unauthenticated clients can exhaust broker memory with a large remaining length",
	 "mosquitto security page: affecting 0.15 to 1.4.14, fixed in 1.4.15"},
	{"mosquitto", "CVE-2017-7652", "1.0", "1.4.15", 0, 636, true,
	 "security settings reset to defaults when a SIGHUP reload fails (no file descriptors left)",
	 "mosquitto security page: affecting 1.0 to 1.4.14, fixed in 1.4.15"},
	{"mosquitto", "CVE-2017-7653", NULL, "1.5", 0, 20, false,
	 "invalid UTF-8 topics relayed, letting one client disconnect others",
	 "cvelistV5 CVE-2017-7653 (up to 1.4.15); mosquitto security page: fixed in 1.5"},
	{"mosquitto", "CVE-2017-7654", NULL, "1.5", 7.5f, 401, false,
	 "memory leak from crafted CONNECT packets by unauthenticated clients",
	 "cvelistV5 CVE-2017-7654 (1.4.15 and earlier); https://osv.dev/vulnerability/CVE-2017-7654 (7.5)"},
	{"mosquitto", "CVE-2018-12543", "1.5", "1.5.3", 0, 617, true,
	 "a message to a topic starting with '$' but not '$SYS' triggers an assert and the broker exits",
	 "https://projects.eclipse.org/node/15341/review (1.5.3 changelog: Fix CVE-2018-12543)"},
	{"mosquitto", "CVE-2018-12546", "1.0", "1.5.6", 0, 284, false,
	 "retained messages still delivered after the publisher's access was revoked",
	 "cvelistV5 CVE-2018-12546 (1.0 to 1.5.5 inclusive)"},
	{"mosquitto", "CVE-2018-12551", NULL, "1.5.6", 0, 703, false,
	 "malformed password file lines accepted as valid users (authentication bypass)",
	 "mosquitto 1.5.6 release notes / openSUSE mosquitto.changes (Fix CVE-2018-12551)"},
	{"mosquitto", "CVE-2019-11779", "1.5", "1.5.9", 0, 674, true,
	 "SUBSCRIBE with ~65400 '/' characters overflows the stack",
	 "https://www.mosquitto.org/blog/2019/09/version-1-6-6-released/ (1.5 to 1.6.5; fixed 1.6.6 and 1.5.9)"},
	{"mosquitto", "CVE-2019-11779", "1.6", "1.6.6", 0, 674, true,
	 "SUBSCRIBE with ~65400 '/' characters overflows the stack",
	 "https://www.mosquitto.org/blog/2019/09/version-1-6-6-released/ (1.5 to 1.6.5; fixed 1.6.6 and 1.5.9)"},
	{"mosquitto", "CVE-2019-11778", "1.6", "1.6.5", 0, 416, true,
	 "use after free with an MQTT 5 will delay longer than the session expiry",
	 "https://www.mosquitto.org/blog/2019/09/version-1-6-6-released/ (1.6 to 1.6.4; fixed 1.6.5)"},
	{"mosquitto", "CVE-2021-28166", "2.0.0", "2.0.10", 0, 476, true,
	 "NULL pointer dereference from a malformed CONNACK sent by an authenticated MQTT 5 client",
	 "mosquitto 2.0.10 changelog: affects 2.0.0 to 2.0.9 inclusive"},
	{"mosquitto", "CVE-2021-34431", "1.6", "2.0.11", 0, 401, false,
	 "memory leak from a crafted MQTT 5 CONNECT by an authenticated client",
	 "cvelistV5 CVE-2021-34431 (1.6 to 2.0.10)"},
	{"mosquitto", "CVE-2021-34432", NULL, "2.0.8", 0, 20, false,
	 "broker crash on a PUBLISH with a zero-length topic",
	 "cvelistV5 CVE-2021-34432 (2.0.7 and earlier)"},
	{"mosquitto", "CVE-2021-34434", "2.0.0", "2.0.12", 0, 863, true,
	 "dynamic security: revoked subscribe rights not applied to a durable client's existing subscriptions",
	 "cvelistV5 CVE-2021-34434 (2.0 to 2.0.11)"},
	{"mosquitto", "CVE-2021-41039", "1.6", "2.0.12", 7.5f, 400, true,
	 "excessive CPU use from MQTT 5 CONNECTs with many user properties",
	 "https://osv.dev/vulnerability/CVE-2021-41039 (1.6 to 2.0.11; 7.5)"},
	{"mosquitto", "CVE-2023-28366", "1.3.2", "2.0.16", 7.5f, 401, false,
	 "memory leak from QoS 2 messages with duplicate ids whose PUBREC is never answered",
	 "https://osv.dev/vulnerability/CVE-2023-28366 (1.3.2 through 2.x before 2.0.16; 7.5)"},
	{"mosquitto", "CVE-2023-0809", NULL, "2.0.16", 5.3f, 770, true,
	 "excessive memory allocated for malicious initial packets that are not CONNECT",
	 "NVD CVE-2023-0809 (before 2.0.16); https://mosquitto.org/blog/2023/08/version-2-0-16-released/"},
	{"mosquitto", "CVE-2023-3592", NULL, "2.0.16", 5.8f, 401, false,
	 "memory leak from MQTT 5 CONNECTs whose will message has invalid property types",
	 "https://osv.dev/vulnerability/CVE-2023-3592 (before 2.0.16; 5.8)"},
	{"mosquitto", "CVE-2024-8376", NULL, "2.0.19", 7.5f, 401, true,
	 "memory leak, crash or use after free from crafted CONNECT/DISCONNECT/SUBSCRIBE/UNSUBSCRIBE/PUBLISH sequences",
	 "https://osv.dev/vulnerability/CVE-2024-8376 (up to 2.0.18a; 7.5)"},
};

/* Numeric dotted compare; missing components are 0, a non-digit suffix ends a part. */
int broker_version_cmp(const char *a, const char *b)
{
	while (*a || *b) {
		unsigned long x = 0, y = 0;
		while (isdigit((unsigned char)*a) && x < 100000000ul)
			x = x * 10 + (unsigned long)(*a++ - '0');
		while (isdigit((unsigned char)*b) && y < 100000000ul)
			y = y * 10 + (unsigned long)(*b++ - '0');
		if (x != y)
			return x < y ? -1 : 1;
		while (*a && *a != '.')
			a++;
		while (*b && *b != '.')
			b++;
		if (*a == '.')
			a++;
		if (*b == '.')
			b++;
	}
	return 0;
}

size_t broker_db_cve_count(const char *product)
{
	size_t n = 0;
	for (size_t i = 0; i < sizeof(cves) / sizeof(cves[0]); i++)
		n += product && !strcmp(cves[i].product, product);
	return n;
}

static enum msw_severity sev_of(float cvss)
{
	if (cvss >= 9.0f)
		return SEV_CRITICAL;
	if (cvss >= 7.0f)
		return SEV_HIGH;
	if (cvss >= 4.0f || cvss <= 0.0f)
		return SEV_MEDIUM; /* CVSS not verified: medium */
	return SEV_LOW;
}

static const char *product_name(const char *p)
{
	return !strcmp(p, "mosquitto") ? "Mosquitto" : p;
}

/* The command that shows the version the finding rests on ($SYS/broker/version), for this
 * target: host characters outside [A-Za-z0-9.:_-] become '_' (a hostile reverse name must
 * not reach a shell line), TLS adds --capath, -u/-P placeholders when we authenticated. */
static void cve_reproduce(const struct msw_record *r, char *buf, size_t n)
{
	char host[300];
	const char *h = r->hostname && r->hostname[0] ? r->hostname : r->ip;
	bool tls = r->transport == TRANSPORT_TLS || r->transport == TRANSPORT_WSS;

	snprintf(host, sizeof(host), "%s", h && h[0] ? h : "HOST");
	for (char *q = host; *q; q++)
		if (!(isalnum((unsigned char)*q) || *q == '.' || *q == ':' || *q == '-' || *q == '_'))
			*q = '_';
	snprintf(buf, n, "mosquitto_sub -h %s -p %u%s%s -t '$SYS/broker/version' -C 1 -v -W 10",
		 host, (unsigned)r->port, tls ? " --capath /etc/ssl/certs" : "",
		 r->auth == AUTH_AUTHENTICATED ? " -u '<user>' -P '<password>'" : "");
}

static void add_cve(struct msw_record *r, const struct cve_row *row)
{
	char id[48], title[320], ev[400], rem[160], rep[480];
	snprintf(id, sizeof(id), "broker.cve.%s", row->cve);
	for (size_t i = 0; i < r->findings.n; i++)
		if (record_findings(r)[i].id && !strcmp(record_findings(r)[i].id, id))
			return; /* a CVE listed for two ranges */
	snprintf(title, sizeof(title), "%s %s is affected by %s: %s", product_name(row->product),
		 r->broker_version, row->cve, row->title);
	if (row->from)
		snprintf(ev, sizeof(ev),
			 "broker version %s (%s); affected: %s up to before %s; source: %.120s",
			 r->broker_version, row->product, row->from, row->fixed, row->source);
	else
		snprintf(
			ev, sizeof(ev),
			"broker version %s (%s); affected: every version before %s; source: %.120s",
			r->broker_version, row->product, row->fixed, row->source);
	if (row->cwe_inferred) {
		size_t l = strlen(ev);
		snprintf(ev + l, sizeof(ev) - l, "; CWE-%d assigned from the description", row->cwe);
	}
	cve_reproduce(r, rep, sizeof(rep));
	snprintf(rem, sizeof(rem), "upgrade %s to %s or later", product_name(row->product),
		 row->fixed);
	struct msw_finding f = {
		.id = id,
		.category = CAT_BROKER_INFO,
		.severity = sev_of(row->cvss),
		.confidence = CONF_INFERRED,
		.cwe = row->cwe,
		.title = title,
		.evidence = ev,
		.remediation = rem,
		.reproduce = rep,
	};
	(void)record_add_finding(r, &f);
}

void broker_db_findings(struct msw_record *r)
{
	const char *v = r->broker_version, *p = r->broker_product;
	if (!v || !p || !isdigit((unsigned char)v[0]))
		return;
	for (size_t i = 0; i < sizeof(cves) / sizeof(cves[0]); i++) {
		const struct cve_row *row = &cves[i];
		if (strcmp(row->product, p))
			continue;
		if (row->from && broker_version_cmp(v, row->from) < 0)
			continue;
		if (broker_version_cmp(v, row->fixed) >= 0)
			continue;
		add_cve(r, row);
	}
}
