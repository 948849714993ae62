/* The AMQP probe (depth host, ports 5672 and 5671/TLS): what a broker's AMQP port says before
 * anyone logs in. It sends the AMQP 0-9-1 protocol header and reads the answer (amqp_codec):
 * a Connection.Start names product and version (RabbitMQ 3.x); a 1.0 header instead
 * (RabbitMQ 4, ActiveMQ, Artemis) gets one more connection with the 1.0 SASL header to read
 * the SASL mechanisms the server offers. It never answers a challenge, never logs in: the
 * connection is closed after the server's first message.
 *
 * The record: broker.product/version from the server properties (so the CVE table applies,
 * "may be affected"), the "amqp" block (protocol, product, version, platform, cluster name,
 * mechanisms, capabilities), and findings: the banner (info), SASL ANONYMOUS offered
 * (medium, inferred), password mechanisms over a clear-text port (low). */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/config.h"
#include "base/record.h"
#include "base/target.h"
#include "probes/amqp_codec.h"
#include "probes/amqp_rec.h"
#include "probes/probe.h"

#define AMQP_MAX_INPUT (AMQP_MAX_FRAME + 64)

struct amqp_state {
	bool sasl;                 /* this connection sent the 1.0 SASL header */
	bool got091, gotsasl;      /* what came back on each */
	struct amqp_reply first;   /* the answer to the 0-9-1 header */
	struct amqp_reply second;  /* the answer to the 1.0 SASL header */
	uint8_t head[8];           /* the first bytes of the sasl connection (a header without */
	size_t nhead;              /* its frame when the server closes early) */
	char bad[40];              /* hex of the first bytes when they were not AMQP */
};

static enum probe_rc amqp_init(struct pctx *c)
{
	if (!c->rec->probe[0])
		snprintf(c->rec->probe, sizeof(c->rec->probe), "amqp");
	return PROBE_CONTINUE;
}

static enum probe_rc amqp_on_connected(struct pctx *c)
{
	struct amqp_state *s = c->state;

	s->sasl = c->attempt > 0;
	if (pctx_send(c, s->sasl ? amqp_header_10sasl : amqp_header_091, 8)) {
		record_set_error(c->rec, "sending the AMQP protocol header failed");
		return PROBE_ERROR;
	}
	return PROBE_CONTINUE;
}

static void hex16(char *out, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t k = n < 16 ? n : 16;

	for (size_t i = 0; i < k; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 0xf];
	}
	out[2 * k] = 0;
}

/* A 1.0 server ("AMQP" 3 1 0 0 or 0 1 0 0): ask again with the 1.0 SASL header to learn its
 * mechanisms. */
static bool wants_sasl(const struct amqp_reply *r)
{
	return r->kind == AMQP_HEADER && r->proto[1] == 1 && r->proto[2] == 0 && r->proto[3] == 0;
}

static enum probe_rc amqp_on_data(struct pctx *c, const uint8_t *p, size_t n, size_t *consumed)
{
	struct amqp_state *s = c->state;
	struct amqp_reply *rep = s->sasl ? &s->second : &s->first;
	long r = amqp_parse_reply(p, n, s->sasl, rep);

	*consumed = 0;
	if (s->sasl && s->nhead < 8) {
		s->nhead = n < 8 ? n : 8;
		memcpy(s->head, p, s->nhead);
	}
	if (r == 0)
		return PROBE_CONTINUE;
	*consumed = n;
	if (r < 0) {
		hex16(s->bad, p, n);
		c->rec->status = ST_PROTOCOL_ERROR;
		record_set_error(c->rec, "not an AMQP reply (first bytes %s)", s->bad);
		return PROBE_ERROR;
	}
	if (s->sasl) {
		s->gotsasl = true;
		return PROBE_DONE;
	}
	s->got091 = true;
	return wants_sasl(rep) ? PROBE_RECONNECT : PROBE_DONE;
}

static enum probe_rc amqp_on_close(struct pctx *c, msw_err why)
{
	struct amqp_state *s = c->state;

	(void)why;
	/* the 1.0 header came, then the server closed before (or instead of) its mechanisms */
	if (s->sasl && !s->gotsasl && s->nhead == 8 && !memcmp(s->head, "AMQP", 4)) {
		s->second.kind = AMQP_HEADER;
		memcpy(s->second.proto, s->head + 4, 4);
		s->gotsasl = true;
	}
	return PROBE_DONE;
}

/* ---- the record ---- */

/* "RabbitMQ" -> "rabbitmq", ActiveMQ Artemis's "apache-activemq-artemis" -> "artemis" */
static char *product_id(const char *p)
{
	char *id;

	if (strstr(p, "artemis") || strstr(p, "Artemis"))
		return strdup("artemis");
	if ((id = strdup(p)))
		for (char *q = id; *q; q++)
			*q = (char)tolower((unsigned char)*q);
	return id;
}

static void set_broker(struct msw_record *rec, const struct amqp_reply *r)
{
	char ev[2 * AMQP_STR + 4];

	if (r->kind != AMQP_START || !r->product.present || !r->product.s[0])
		return;
	free(rec->broker_product);
	rec->broker_product = product_id(r->product.s);
	if (r->version.present && r->version.s[0]) {
		free(rec->broker_version);
		rec->broker_version = strdup(r->version.s);
	}
	snprintf(ev, sizeof(ev), "%s %s", r->product.s, r->version.present ? r->version.s : "");
	(void)record_add_evidence(rec, "amqp:Connection.Start server-properties", ev);
}

static void finding(struct msw_record *rec, const char *id, enum msw_severity sev,
		    enum msw_confidence conf, int cwe, const char *title, const char *ev,
		    const char *rem, const char *rep)
{
	struct msw_finding f = {
		.id = (char *)id, .category = CAT_BROKER_INFO, .severity = sev, .confidence = conf,
		.cwe = cwe, .title = (char *)title, .evidence = (char *)ev, .remediation = (char *)rem,
		.reproduce = (char *)rep,
	};
	(void)record_add_finding(rec, &f);
}

/* The host as a shell word: characters outside [A-Za-z0-9.:_-] become '_'. */
static void host_word(const struct msw_record *rec, char *out, size_t n)
{
	const char *h = rec->hostname && rec->hostname[0] ? rec->hostname : rec->ip;

	snprintf(out, n, "%s", h && h[0] ? h : "HOST");
	for (char *q = out; *q; q++)
		if (!(isalnum((unsigned char)*q) || *q == '.' || *q == ':' || *q == '-' || *q == '_'))
			*q = '_';
}

static void findings(struct pctx *c, const struct amqp_state *s)
{
	struct msw_record *rec = c->rec;
	const struct amqp_reply *r = &s->first;
	char title[640], rep[400], host[300], ev[128];
	bool clear = rec->transport == TRANSPORT_TCP;

	host_word(rec, host, sizeof(host));
	snprintf(rep, sizeof(rep), "printf 'AMQP\\0\\0\\011\\001' | timeout 3 nc %s %u | strings", host,
		 (unsigned)rec->port);
	if (r->kind == AMQP_START) {
		snprintf(title, sizeof(title),
			 "AMQP port names its broker before any login: %s %s%s%s%s%s",
			 r->product.present ? r->product.s : "(no product)",
			 r->version.present ? r->version.s : "",
			 r->platform.present ? " on " : "", r->platform.present ? r->platform.s : "",
			 r->cluster_name.present ? ", node " : "",
			 r->cluster_name.present ? r->cluster_name.s : "");
		finding(rec, "amqp.banner", SEV_INFO, CONF_CONFIRMED, 200, title, NULL,
			"Keep AMQP (5672) off the Internet; RabbitMQ can hide its version and node name "
			"with server_properties in advanced.config.", rep);
		bool plain = false;
		for (size_t i = 0; i < r->nmechs; i++)
			plain |= !strcmp(r->mechs[i], "PLAIN") || !strcmp(r->mechs[i], "AMQPLAIN");
		if (plain && clear)
			finding(rec, "amqp.cleartext_auth", SEV_LOW, CONF_CONFIRMED, 319,
				"AMQP offers password logins (PLAIN/AMQPLAIN) on an unencrypted port", NULL,
				"Offer AMQP only over TLS (5671) and disable the plain listener.", rep);
	} else {
		const char *pn = amqp_proto_name(r->proto);
		snprintf(title, sizeof(title), "Port answers as an AMQP broker that speaks AMQP %s",
			 pn ? pn : "(an unknown version)");
		finding(rec, "amqp.banner", SEV_INFO, CONF_CONFIRMED, 200, title, NULL,
			"Keep AMQP (5672) off the Internet.", rep);
	}
	if (s->gotsasl && s->second.kind == AMQP_SASL && amqp_offers(&s->second, "ANONYMOUS")) {
		snprintf(rep, sizeof(rep), "printf 'AMQP\\003\\001\\0\\0' | timeout 3 nc %s %u | strings",
			 host, (unsigned)rec->port);
		snprintf(ev, sizeof(ev), "{\"sasl_mechanisms\":%zu}", s->second.nmechs);
		finding(rec, "amqp.sasl_anonymous", SEV_MEDIUM, CONF_INFERRED, 306,
			"AMQP 1.0 offers SASL ANONYMOUS: clients can probably connect without credentials",
			ev, "Remove ANONYMOUS from the broker's SASL mechanisms (RabbitMQ: no default user "
			"for AMQP 1.0; ActiveMQ: an authentication plugin) and require TLS.", rep);
	}
}

static void amqp_finish(struct pctx *c)
{
	struct amqp_state *s = c->state;
	struct amqp_info *b;

	if (!s->got091)
		return; /* refused, silent, or not AMQP: the engine and on_data said so */
	c->rec->status = ST_SUCCESS;
	set_broker(c->rec, &s->first);
	if ((b = record_block_new(c->rec, &amqp_table)))
		(void)amqp_info_fill(b, &s->first,
				     s->gotsasl && s->second.kind == AMQP_SASL ? &s->second : NULL);
	findings(c, s);
}

static size_t amqp_host_ports(const struct msw_config *cfg, struct port_spec *out, size_t max)
{
	size_t n = 0;

	(void)cfg;
	if (n < max)
		out[n++] = (struct port_spec){ .port = 5672, .transport = TRANSPORT_TCP, .probe = &probe_amqp };
	if (n < max)
		out[n++] = (struct port_spec){ .port = 5671, .transport = TRANSPORT_TLS, .probe = &probe_amqp };
	return n;
}

const struct probe probe_amqp = {
	.name = "amqp",
	.default_port = 5672,
	.state_size = sizeof(struct amqp_state),
	.max_input = AMQP_MAX_INPUT,
	.init = amqp_init,
	.on_connected = amqp_on_connected,
	.on_data = amqp_on_data,
	.on_close = amqp_on_close,
	.finish = amqp_finish,
	.host_ports = amqp_host_ports,
	.help = "AMQP brokers on the same host (RabbitMQ, ActiveMQ): the protocol header's answer, "
		"product and version from the server properties, SASL mechanisms. Never logs in.",
};
