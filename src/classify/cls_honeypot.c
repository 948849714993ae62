/* Honeypot telltales of one target: what the MQTT exchange showed that real brokers never
 * do. No traffic of its own: the probe's version matrix, its re-check connection and its
 * protocol checks provide the input (cls_server_signal, the record).
 *
 * Signals, and how much each says (research: Dionaea, Conpot, Glutton and RIoTPot answer
 * from fixed byte templates and never publish):
 *   malformed_reply  the server broke the protocol after accepting us: a SUBACK whose
 *                    length, packet id, flags or return codes do not fit our SUBSCRIBE, a
 *                    packet of a reserved type, trailing bytes that frame as nothing  strong
 *   version_blind    an MQTT 5 CONNECT accepted with a 3.1.1-shaped CONNACK (20 02 00 00):
 *                    a 5.0 broker answers with properties, a 3.1.1-only broker refuses
 *                    (rc 1) or closes                                                  strong
 *   connack_changed  the same CONNECT, sent again, got another answer (a different CONNACK,
 *                    or none); load balancers and connection limits do this too        weak
 *   silent_accept    accepted, '#' granted, nothing at all delivered (not even $SYS), and
 *                    no product recognised from anything the broker said; an empty broker
 *                    with $SYS off looks the same; never judged at --window 0 (the probe
 *                    leaves at the SUBACK and listens to nothing)                        weak
 * Likelihood: "strong" with a strong signal or two weak ones, else "weak" with one.
 * Accepting any password is never a signal (misconfigured Aedes and ActiveMQ do that).
 * Repeated deployments (the same retained or $SYS state on many addresses) are judged
 * across targets by `mqttsweep stats`. */
#include <stdio.h>
#include <string.h>
#include "classify/cls_int.h"
#include "classify/cls_result.h"

static const char *const sig_names[CLS_SIG__COUNT] = {
	[CLS_SIG_MALFORMED_REPLY] = "malformed_reply",
	[CLS_SIG_CONNACK_CHANGED] = "connack_changed",
};

static void hex_of(char *out, size_t cap, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	size_t k = 0;

	for (size_t i = 0; p && i < n && k + 2 < cap; i++) {
		out[k++] = hx[p[i] >> 4];
		out[k++] = hx[p[i] & 15];
	}
	out[k] = 0;
}

void cls_server_signal(struct classify_ctx *c, enum cls_signal s, const uint8_t *raw, size_t n)
{
	if (!c || s >= CLS_SIG__COUNT || c->hp_sig[s])
		return; /* the first occurrence is the evidence */
	c->hp_sig[s] = true;
	hex_of(c->hp_raw[s], sizeof(c->hp_raw[s]), raw, n < CLS_HP_RAW ? n : CLS_HP_RAW);
}

/* An MQTT 5 CONNECT accepted by a CONNACK without properties (the record keeps the best
 * CONNACK, and an accepted 5.0 ranks first). */
static bool version_blind(const struct msw_record *rec)
{
	const uint8_t *p = rec->connack_raw.p;

	return strcmp(rec->mqtt_version, "5.0") == 0 && rec->connack_raw.len == 4 && p &&
	       p[0] == 0x20 && p[1] == 2 && p[3] == 0;
}

/* Only a scan that listened can say nothing came: with --window 0 the probe leaves at the
 * SUBACK, so every granted '#' reads as silent (a real broker's retained messages too). */
static bool silent_accept(const struct classify_ctx *c, const struct msw_record *rec)
{
	return (!c->cfg || c->cfg->window_ms > 0) && rec->read_access == READ_GRANTED_NO_DATA && rec->messages_total == 0 &&
	       c->messages == 0 && !rec->broker_product;
}

void cls_honeypot(struct classify_ctx *c, const struct msw_record *rec)
{
	const char *names[4];
	int strong = 0, weak = 0, n = 0;
	char title[256], ev[320], conn[CLS_HP_RAW * 2 + 1];
	struct cls_adhoc a = {
		.id = "mqtt.honeypot", .cat = CAT_BROKER_INFO, .sev = SEV_INFO,
		.conf = CONF_INFERRED, .cwe = 200, .title = title, .evidence = ev,
		.remediation = "None for the owner of a real broker. For a measurement: count this "
			       "address apart (mqttsweep stats does), its answers are not a broker's.",
		.reproduce = "mosquitto_sub -h {host} -p {port}{tls} -V mqttv5 -t '#' -C 1 -W 5 -d  "
			     "# a real broker answers 5.0 with properties or refuses it",
	};

	if (!rec->mqtt)
		return;
	if (c->hp_sig[CLS_SIG_MALFORMED_REPLY])
		names[n++] = sig_names[CLS_SIG_MALFORMED_REPLY], strong++;
	if (version_blind(rec))
		names[n++] = "version_blind", strong++;
	if (c->hp_sig[CLS_SIG_CONNACK_CHANGED])
		names[n++] = sig_names[CLS_SIG_CONNACK_CHANGED], weak++;
	if (silent_accept(c, rec))
		names[n++] = "silent_accept", weak++;
	if (!n)
		return;
	c->hp_likelihood = strong || weak >= 2 ? "strong" : "weak";
	c->hp_nsignals = 0;
	for (int i = 0; i < n; i++)
		c->hp_signals[c->hp_nsignals++] = names[i];
	hex_of(conn, sizeof(conn), rec->connack_raw.p,
	       rec->connack_raw.len < CLS_HP_RAW ? rec->connack_raw.len : CLS_HP_RAW);
	snprintf(title, sizeof(title), "Answers like a honeypot, not a broker (%s: %s%s%s%s%s%s%s)",
		 c->hp_likelihood, names[0], n > 1 ? ", " : "", n > 1 ? names[1] : "",
		 n > 2 ? ", " : "", n > 2 ? names[2] : "", n > 3 ? ", " : "", n > 3 ? names[3] : "");
	snprintf(ev, sizeof(ev), "{\"likelihood\":\"%s\",\"connack\":\"%s\",\"reply\":\"%s\","
		 "\"connack_again\":\"%s\"}", c->hp_likelihood, conn,
		 c->hp_raw[CLS_SIG_MALFORMED_REPLY], c->hp_raw[CLS_SIG_CONNACK_CHANGED]);
	cls_emit_adhoc(c, &a);
}

/* The record's "honeypot" {"likelihood", "signals": [...]} (the tag that goes with it is
 * cls_service_finish()'s). */
void cls_honeypot_finish(const struct classify_ctx *c, struct msw_record *rec)
{
	struct cls_result *cr;

	if (!c->hp_likelihood || !(cr = record_block_new(rec, &cls_result_table)))
		return;
	strlist_free(&cr->hp_signals);
	cr->honeypot = true;
	cr->hp_likelihood = strcmp(c->hp_likelihood, "strong") == 0 ? CLS_HP_STRONG : CLS_HP_WEAK;
	for (size_t i = 0; i < c->hp_nsignals; i++)
		if (strlist_add(&cr->hp_signals, c->hp_signals[i], strlen(c->hp_signals[i]),
				CLS_RESULT_MAX_SIGNALS) != MSW_OK)
			break;
}
