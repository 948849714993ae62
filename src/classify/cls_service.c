/* Service-level findings and measurement-honesty tags.
 *
 * cls_service() turns the MQTT exchange into findings: anonymous access (CWE-306), any
 * credentials accepted (CWE-287), credentials over a clear-text transport (CWE-319), a
 * granted '#' that delivered nothing while $SYS counts retained messages ("deliveries
 * likely filtered by ACL"), and known public test brokers (by the name the user gave or a
 * name in the certificate), and the honeypot telltales (cls_honeypot.c).
 * cls_service_finish() keeps the tags in the record's classifier block (cls_result.h):
 * "tags" (likely_honeypot or honeypot_signal with "honeypot"), the broker's
 * "sys_identity" and two fingerprints: "retained_fingerprint" is a 128-bit hash (hex)
 * over the sorted 64-bit hashes of every non-$SYS retained (topic, payload) we received,
 * with "retained_fingerprint_n" the number of messages in it; "sys_fingerprint" the same
 * over the retained $SYS snapshot (uptime and counters included: two real brokers
 * practically never share one). `mqttsweep stats` counts addresses sharing a
 * fingerprint; cls_fingerprint_suspicious() says when a repeat count makes
 * "possible_honeypot" a fair tag. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "classify/cls_int.h"
#include "classify/cls_result.h"
#include "transport/tlsinfo.h"

static const char *const public_brokers[] = {
	"test.mosquitto.org", "broker.hivemq.com", "broker.emqx.io", "mqtt.eclipseprojects.io",
	"mqtt.eclipse.org", "iot.eclipse.org", "public.mqtthq.com", "broker.mqttdashboard.com",
};

static bool public_name(const char *s)
{
	for (size_t i = 0; i < sizeof(public_brokers) / sizeof(public_brokers[0]); i++)
		if (strcasestr(s, public_brokers[i]))
			return true;
	return false;
}

/* Any text of the record's tls block (certificate names, SNI, ...) names a public broker.
 * A value holding NUL ("a.com\0.b.com") names nothing. */
struct pub_scan {
	bool hit;
};

static bool public_bytes(const uint8_t *p, size_t n)
{
	char small[512], *buf;
	bool hit;

	if (!n || memchr(p, 0, n))
		return false;
	buf = n < sizeof(small) ? small : malloc(n + 1);
	if (!buf)
		return false;
	memcpy(buf, p, n);
	buf[n] = 0;
	hit = public_name(buf);
	if (buf != small)
		free(buf);
	return hit;
}

static void pub_value(void *ctx, const struct fdef *f, const struct fval *v, bool elem)
{
	struct pub_scan *ps = ctx;

	(void)elem;
	if (v->absent || ps->hit)
		return;
	if (v->t == FT_STR || v->t == FT_WORD || v->t == FT_BYTES || v->t == FT_CHARS) {
		ps->hit = public_bytes(v->s, v->n);
	} else if (v->t == FT_LIST && f->sub && (f->sub->flags & FB_MAP)) {
		for (size_t i = 0; i < v->n && !ps->hit; i++) {
			struct fval k, val;
			fields_map_entry(v, i, &k, &val);
			ps->hit = public_bytes(val.s, val.n);
		}
	}
}

static void pub_open(void *ctx, const struct fdef *f, const struct fblock *b, enum fnode k,
		     bool elem)
{
	(void)ctx, (void)f, (void)b, (void)k, (void)elem;
}

static void pub_close(void *ctx, const struct fdef *f, const struct fblock *b, enum fnode k)
{
	(void)ctx, (void)f, (void)b, (void)k;
}

static bool pub_stopped(void *ctx)
{
	return ((struct pub_scan *)ctx)->hit;
}

static bool tls_has_public_name(const struct msw_record *rec)
{
	static const struct fvisitor vis = {
		.value = pub_value, .open = pub_open, .close = pub_close, .stopped = pub_stopped};
	const struct tls_info *t = record_block(rec, &tls_table);
	struct pub_scan ps = {0};

	if (t)
		fields_walk(&tls_table, t, &vis, &ps);
	return ps.hit;
}

static bool plaintext(enum msw_transport t)
{
	return t == TRANSPORT_TCP || t == TRANSPORT_WS;
}

static void anon_finding(struct classify_ctx *c, const struct msw_record *rec)
{
	char title[256];
	struct cls_adhoc a = {
		.id = "mqtt.anonymous", .cat = CAT_BROKER_INFO, .sev = SEV_HIGH,
		.conf = CONF_CONFIRMED, .cwe = 306, .title = title,
		.remediation = cls_anon_remediation(rec->broker_product),
		.reproduce = "mosquitto_sub -h {host} -p {port}{tls} -v -t '#' -C 5 -W 10",
	};

	char ev[160], n1[24], n2[24];

	/* every scan of an open broker comes here: no printf on this path */
	cls_u64(n1, c->nonsys_messages);
	cls_u64(n2, c->sys_messages);
	cls_concat(ev, sizeof(ev), "{\"auth\":\"anonymous\",\"messages\":", n1, ",\"sys_messages\":",
		   n2, "}", NULL);
	a.evidence = ev;
	if (c->nonsys_messages)
		cls_concat(title, sizeof(title), "Broker accepts anonymous clients and delivered ", n1,
			   " message(s) to one", NULL);
	else
		a.title = "Broker accepts anonymous clients (no username or password)";
	cls_emit_adhoc(c, &a);
}

static void auth_findings(struct classify_ctx *c, const struct msw_record *rec)
{
	struct cls_adhoc a = { .conf = CONF_CONFIRMED, .cat = CAT_BROKER_INFO };

	if (rec->auth == AUTH_ANONYMOUS)
		anon_finding(c, rec);
	if (rec->auth == AUTH_ANY_CREDENTIALS) {
		a.id = "mqtt.any_credentials";
		a.sev = SEV_HIGH;
		a.cwe = 287;
		a.title = "Broker accepts any username/password: credentials are not checked";
		a.remediation = "Configure a password file or auth plugin and deny unknown users.";
		a.reproduce = "mosquitto_sub -h {host} -p {port}{tls}{auth} -v -t '#' -C 5 -W 10";
		cls_emit_adhoc(c, &a);
	}
	if (!plaintext(rec->transport))
		return;
	if (rec->auth == AUTH_AUTHENTICATED || rec->auth == AUTH_ANY_CREDENTIALS) {
		a.id = "mqtt.cleartext_credentials";
		a.sev = SEV_MEDIUM;
		a.cwe = 319;
		a.title = "Username and password are accepted over an unencrypted connection";
		a.remediation = "Offer MQTT only over TLS (8883) or WSS and disable the plain listener.";
		a.reproduce = "tcpdump -A -n -i any 'host {host} and tcp port {port}' & "
			      "mosquitto_sub -h {host} -p {port}{auth} -t '$SYS/broker/uptime' -C 1 -W 5"
			      "  # the CONNECT shows the username and password in clear text";
		cls_emit_adhoc(c, &a);
	} else if (rec->auth == AUTH_CREDENTIALS_REQUIRED) {
		a.id = "mqtt.cleartext_auth";
		a.sev = SEV_LOW;
		a.cwe = 319;
		a.title = "Broker requires credentials but clients must send them unencrypted";
		a.remediation = "Offer MQTT only over TLS (8883) or WSS and disable the plain listener.";
		a.reproduce = "mosquitto_sub -h {host} -p {port} -t 'x' -C 1 -W 5  # CONNACK: not authorized";
		cls_emit_adhoc(c, &a);
	}
}

/* '#' granted, nothing delivered, and Mosquitto counts more retained messages than its own
 * $SYS tree and its bridges can explain (cls_sys_acl_suspect): possibly an ACL. Retained
 * messages on other $-topics are counted too and never match '#', so this stays a hint
 * (info, inferred) and says so. A delivery cap that stopped the window early would invent
 * the difference, so a capped target is not judged. */
static void acl_check(struct classify_ctx *c, const struct msw_record *rec)
{
	char title[320], ev[160];
	long excess = 0;
	struct cls_adhoc a = {
		.id = "mqtt.acl_filtered", .cat = CAT_BROKER_INFO, .sev = SEV_INFO,
		.conf = CONF_INFERRED, .cwe = 200, .title = title, .evidence = ev,
		.remediation = "None needed if an ACL hides other clients' topics: results for this "
			       "broker then undercount what its users publish.",
		.reproduce = "mosquitto_sub -h {host} -p {port}{tls}{auth} -v -t '$SYS/broker/retained messages/count' -C 1 -W 10",
	};

	if (rec->read_access != READ_GRANTED_WITH_DATA && rec->read_access != READ_GRANTED_NO_DATA)
		return;
	if (!cls_sys_acl_suspect(c, &excess))
		return;
	if (c->cfg && c->cfg->max_messages && rec->messages_total >= c->cfg->max_messages)
		return;
	snprintf(title, sizeof(title), "Subscription to '#' was granted but delivered nothing while "
		 "$SYS counts %ld retained messages, %ld more than the broker's own $SYS tree "
		 "explains: deliveries are possibly filtered by an ACL (retained messages on other "
		 "'$' topics would explain it too)", c->sys_retained_reported, excess);
	snprintf(ev, sizeof(ev), "{\"sys_retained_count\":%ld,\"sys_retained_received\":%u,"
		 "\"unexplained\":%ld}", c->sys_retained_reported, c->sys_retained_seen, excess);
	c->tagged_acl = true;
	cls_emit_adhoc(c, &a);
}

void cls_service(struct classify_ctx *c, const struct msw_record *rec)
{
	if (!c || !rec || c->service_done)
		return;
	c->service_done = true;
	auth_findings(c, rec);
	acl_check(c, rec);
	cls_quirks(c, rec);
	cls_honeypot(c, rec);
	if ((rec->hostname && public_name(rec->hostname)) || tls_has_public_name(rec)) {
		struct cls_adhoc a = {
			.id = "mqtt.public_test_broker", .cat = CAT_BROKER_INFO, .sev = SEV_INFO,
			.conf = CONF_CONFIRMED, .cwe = 200,
			.title = "Known public test broker: its contents are not an exposed home",
			.remediation = "None: public test brokers are open by design. Do not send private data to them.",
			.reproduce = "mosquitto_sub -h {host} -p {port}{tls}{auth} -t '$SYS/broker/version' -C 1 -W 10",
		};

		c->public_test = true;
		cls_emit_adhoc(c, &a);
	}
}

static void add_tag(struct msw_record *rec, const char *tag)
{
	struct cls_result *cr = record_block_new(rec, &cls_result_table);
	size_t n = strlen(tag);

	if (cr && !strlist_has(&cr->tags, tag, n))
		(void)strlist_add(&cr->tags, tag, n, CLS_RESULT_MAX_TAGS);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* 128-bit fingerprint of the sorted hash list (two independent chains; no allocation, so
 * it cannot fail halfway), kept as the record's <key>, <key>_n and <key>_capped. It only
 * has to tell identical sets apart. */
static void fingerprint(struct vec *v, bool overflow, struct cls_fingerprint *fp)
{
	uint64_t a = 0x6a09e667f3bcc908ULL, b = 0xbb67ae8584caa73bULL;
	uint64_t *rh = v->p, n = v->n;

	if (!n)
		return;
	qsort(rh, n, sizeof(uint64_t), cmp_u64);
	for (size_t i = 0; i < n; i++) {
		a = mix64(a ^ rh[i]);
		b = mix64(b + rh[i] * 0x9e3779b97f4a7c15ULL + i);
	}
	a = mix64(a ^ n);
	b = mix64(b ^ (n << 1));
	for (int i = 0; i < 8; i++) { /* big-endian: the hex reads as a then b */
		fp->hash[i] = (uint8_t)(a >> (56 - 8 * i));
		fp->hash[8 + i] = (uint8_t)(b >> (56 - 8 * i));
	}
	fp->n = (uint32_t)n;
	fp->capped = overflow;
}

void cls_service_finish(struct classify_ctx *c, struct msw_record *rec)
{
	struct cls_result *cr;
	bool id_ok;

	if (c->public_test)
		add_tag(rec, "public_test_broker");
	if (c->tagged_acl)
		add_tag(rec, "acl_filtered");
	for (size_t i = 0; i < c->nquirk_tags; i++)
		add_tag(rec, c->quirk_tags[i]);
	if (c->hp_likelihood) {
		add_tag(rec, strcmp(c->hp_likelihood, "strong") == 0 ? "likely_honeypot" : "honeypot_signal");
		cls_honeypot_finish(c, rec);
	}
	/* the broker's text: kept only when it is UTF-8 (a C string, so no NUL) */
	id_ok = c->sys_identity && utf8_valid((const uint8_t *)c->sys_identity, strlen(c->sys_identity));
	if (!c->rhash.n && !c->shash.n && !id_ok)
		return;
	if (!(cr = record_block_new(rec, &cls_result_table)))
		return;
	fingerprint(&c->rhash, c->rhash_overflow, &cr->retained);
	fingerprint(&c->shash, c->shash_overflow, &cr->sys);
	if (id_ok) {
		free(cr->sys_identity);
		cr->sys_identity = strdup(c->sys_identity);
	}
}

bool cls_fingerprint_suspicious(uint32_t repeats, uint32_t retained_n)
{
	/* A real home's retained set is unique; identical non-trivial sets on several
	 * addresses are a deployed image (honeypot, demo) rather than a home. */
	return repeats >= 3 && retained_n >= 3;
}
