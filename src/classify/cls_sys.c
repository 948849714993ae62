/* $SYS bookkeeping: what a target's broker says about itself, kept apart from the rule
 * engine.
 *
 * Per $-message: the broker's own name in its tree (EMQX/VerneMQ node, Aedes broker id —
 * a honeypot hint when it repeats across addresses), Mosquitto's version text and its
 * "retained messages/count", and the bridge state topics it publishes. Events the broker
 * publishes about OUR client (Aedes $SYS/<id>/new/clients|subscribes|unsubscribes and
 * disconnect/clients, EMQX $SYS/brokers/<node>/clients/<id>/..., NanoMQ
 * $SYS/brokers/connected|disconnected|client_status) say nothing about anybody else: the
 * engine skips them (cls_sys_own_event), so they never become a finding.
 *
 * The retained count (cls_sys_acl_suspect) counts every retained message the broker holds:
 * its own $SYS values (Mosquitto 2.0 publishes 53 retained $SYS topics, src/sys_tree.c;
 * values that stop changing expire after 60 s but stay counted until a subscriber's
 * retained scan meets them), bridge states, and retained messages on any other $-topic,
 * which '#' never matches (MQTT 3.1.1 §4.7.2). A count above what arrived therefore proves
 * nothing; only an excess beyond everything the broker itself could hold suggests that an
 * ACL filtered our deliveries. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include "classify/cls_int.h"

/* Retained $SYS topics of Mosquitto 2.0.x's own tree (src/sys_tree.c @ v2.0.11: 53
 * distinct topic names); bridge state topics come on top, one per bridge. */
#define MOSQ_SYS_TREE 53
/* Stray retained messages on other $-topics (a client's "$foo/bar", a plugin's) are counted
 * too and can never be seen: an excess this small is not even a hint. */
#define ACL_MIN_EXCESS 10

static bool match(const char *topic, size_t tlen, const char *pattern)
{
	struct cls_cap caps[CLS_MAX_CAPS];
	int n = 0;

	return cls_topic_match(pattern, topic, tlen, caps, &n);
}

/* The broker's own name in its $SYS tree: $SYS/brokers/<node>/…, $SYS/<VerneMQ@…>/…,
 * $SYS/<aedes id>/heartbeat. Repeated across many addresses it suggests one image. */
static void note_identity(struct classify_ctx *c, const char *topic)
{
	struct cls_cap caps[CLS_MAX_CAPS];
	static const char *const pats[] = {
		"$SYS/brokers/{id}/{*rest}", "$SYS/{id:VerneMQ@*}/{*rest}", "$SYS/{id}/heartbeat",
	};

	if (c->sys_identity)
		return;
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		int n = 0;

		if (cls_topic_match(pats[i], topic, strlen(topic), caps, &n) && n >= 1 &&
		    caps[0].len > 0 && caps[0].len < 128) {
			c->sys_identity = strndup(topic + caps[0].off, caps[0].len);
			return;
		}
	}
}

void cls_sys_observe(struct classify_ctx *c, const char *topic, const char *text, bool retained)
{
	char *end;
	long v;

	note_identity(c, topic);
	c->sys_messages++;
	if (retained)
		c->sys_retained_seen++;
	if (match(topic, strlen(topic), "$SYS/broker/connection/+/state") && c->sys_bridges < 1000)
		c->sys_bridges++;
	if (!text)
		return;
	if (strcmp(topic, "$SYS/broker/retained messages/count") == 0) {
		v = strtol(text, &end, 10);
		if (end != text && *end == 0 && v >= 0)
			c->sys_retained_reported = v;
	} else if (strcmp(topic, "$SYS/broker/version") == 0 && !c->broker_version) {
		c->broker_version = strndup(text, 128);
	}
}

void cls_own_client(struct classify_ctx *c, const char *client_id)
{
	size_t n = client_id ? strlen(client_id) : 0;

	if (!c || !n || n >= sizeof(c->own_ids[0]))
		return;
	for (size_t i = 0; i < c->nown; i++)
		if (strcmp(c->own_ids[i], client_id) == 0)
			return;
	/* a ring: the last few connections of the target are the ones whose events arrive */
	memcpy(c->own_ids[c->nown < CLS_OWN_IDS ? c->nown++ : (c->own_next++ % CLS_OWN_IDS)],
	       client_id, n + 1);
}

static bool is_own(const struct classify_ctx *c, const char *s, size_t n)
{
	for (size_t i = 0; s && i < c->nown; i++)
		if (strlen(c->own_ids[i]) == n && memcmp(c->own_ids[i], s, n) == 0)
			return true;
	return false;
}

static bool own_json(const struct classify_ctx *c, const cJSON *j, const char *key)
{
	const char *s = cJSON_GetStringValue(cls_jget(j, key));

	return s && is_own(c, s, strlen(s));
}

bool cls_sys_own_event(const struct classify_ctx *c, const struct cls_run *r)
{
	struct cls_cap caps[CLS_MAX_CAPS];
	int n = 0;

	if (!c->nown || r->topic[0] != '$')
		return false;
	/* Aedes: payload is the client id, or JSON with clientId (subscribes) */
	if (match(r->topic, r->tlen, "$SYS/+/{k:new|disconnect}/clients"))
		return r->text && is_own(c, r->text, strlen(r->text));
	if (match(r->topic, r->tlen, "$SYS/+/new/{k:subscribes|unsubscribes}"))
		return own_json(c, r->json, "clientId");
	/* EMQX: the client id is a topic level */
	if (cls_topic_match("$SYS/brokers/+/clients/{client}/{*rest}", r->topic, r->tlen, caps, &n) &&
	    n >= 1)
		return is_own(c, r->topic + caps[0].off, caps[0].len);
	/* NanoMQ: JSON with client_id */
	if (match(r->topic, r->tlen, "$SYS/brokers/{k:connected|disconnected|client_status}"))
		return own_json(c, r->json, "client_id");
	return false;
}

bool cls_sys_acl_suspect(const struct classify_ctx *c, long *excess)
{
	long explained;

	/* the arithmetic holds for Mosquitto's tree only */
	if (!c->broker_version || strncmp(c->broker_version, "mosquitto version ", 18) != 0)
		return false;
	if (c->nonsys_messages || c->sys_retained_reported < 0)
		return false;
	explained = MOSQ_SYS_TREE + (long)c->sys_bridges;
	*excess = c->sys_retained_reported - explained;
	return *excess > ACL_MIN_EXCESS;
}

void cls_sys_finish(struct classify_ctx *c, struct msw_record *rec)
{
	if (c->broker_version && !rec->broker_version &&
	    strncmp(c->broker_version, "mosquitto version ", 18) == 0) {
		rec->broker_version = strdup(c->broker_version + 18);
		if (!rec->broker_product)
			rec->broker_product = strdup("mosquitto");
	}
}
