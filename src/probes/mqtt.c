/* The MQTT probe: one target (host:port), one or more connections, one record.
 *
 * Design. A named-state enum with a single setter drives each connection:
 *   IDLE → (CONNECT sent) WAIT_CONNACK → (depth ≥ topics: SUBSCRIBE # and $SYS/#; # alone
 *   with --window 0)
 *   WAIT_SUBACK → COLLECT (listen window on the probe timer, PINGREQ every 30 s)
 *   → CLOSING (DISCONNECT sent, engine closes politely); an access connection goes
 *   WAIT_CONNACK → ACCESS (the access map's steps, mqtt_access.h) → CLOSING.
 * Across connections, the attempt plan (struct plan: a list of {protocol level,
 * credentials, purpose} and one next_attempt()) decides what each connection is for:
 *   - fallback (scan, default --versions 3.1.1): 3.1.1, then 3.1, then 5.0 — moving on
 *     only when the broker refuses the version (3.x rc 1, 5.0 0x84, a 3.1.1-style reply to
 *     5.0) or closes right after CONNECT without a CONNACK;
 *   - matrix (audit / --versions all): 3.1.1, 3.1, 5.0 each on its own connection,
 *     outcome per version in rec->versions; the best accepted version (5.0 > 3.1.1 > 3.1)
 *     then carries the main verdict and, at depth topics, the subscription (on the same
 *     connection when the last version tried is the best, else on one more connection).
 * After the plan: identifier rejected → the same attempt once more with a fresh,
 * strictly [0-9A-Za-z] id; refused as unauthorised with --auth-probe → one connection
 * with a random username and password (accepted → any_credentials). Then each further
 * account's verdict and main pass, then (access map or --publish-proof) one access
 * connection per accepted account, again after the broker dropped one mid-way. Last,
 * when '#' was granted to the main pass and nothing at all was delivered in its window:
 * one re-check connection with the same CONNECT, CONNACK only (a different answer is a
 * honeypot signal: real brokers answer alike; the silent ones are where honeypots hide,
 * so only they pay for the extra connection).
 * A protocol violation in the reply to our SUBSCRIBE or PINGREQ (honeypots answer from
 * fixed templates) is reported to the classifier as well (cls_server_signal).
 *
 * Decisions (documented behaviour):
 *   - A server that sends CONNECT, SUBSCRIBE, UNSUBSCRIBE, UNSUBACK, PUBREC, PUBCOMP,
 *     AUTH (we never started any of these flows), a PUBACK other than the one our write
 *     test awaits, a PUBLISH before CONNACK, a
 *     SUBACK for a packet id we did not use, a Topic Alias (we advertise 0), or any
 *     malformed packet: status protocol-error, everything gathered so far is kept.
 *     A server PINGREQ is harmless and ignored; PINGRESP is expected.
 *   - A packet whose remaining length exceeds cfg->max_packet: a PUBLISH is skipped
 *     without buffering (QoS 1/2 still acknowledged; counted in messages/bytes with no
 *     sample, topic recorded); any other type is a protocol error.
 *   - Connection closed by the broker after SUBSCRIBE and before SUBACK: read_access
 *     denied (some brokers drop clients instead of returning a failure code).
 *   - Our CONNECT: clean session, no Will, keepalive 60, 5.0 with Session Expiry 0,
 *     Receive Maximum 16, Maximum Packet Size = our cap, Topic Alias Maximum 0, Request
 *     Problem Information 1. Subscriptions at QoS 0, DISCONNECT before every close we
 *     initiate after an accepted CONNACK. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/config.h"
#include "base/hash.h"
#include "base/hashset.h"
#include "classify/classify.h"
#include "base/target.h"
#include "base/record.h"
#include "probes/broker_db.h"
#include "probes/mqtt_access.h"
#include "probes/mqtt_access_rec.h"
#include "probes/mqtt_codec.h"
#include "probes/mqtt_props_rec.h"
#include "probes/probe.h"

#define MQ_KEEPALIVE      60
#define MQ_PING_MS        30000
#define MQ_RECEIVE_MAX    16
#define MQ_INPUT_CAP      (1024u * 1024u)     /* hard cap on any packet we buffer */
#define MQ_MAX_INPUT      (MQ_INPUT_CAP + 64) /* engine rx buffer: header + packet */
#define MQ_DEFAULT_PACKET (256u * 1024u)
#define MQ_SUB_PID        1
#define MQ_SEEN_SLOTS     16384 /* distinct raw topics counted (see seen_add) */
#define MQ_SEEN_MIN       16
#define MQ_SEEN_NOLIST    UINT32_MAX /* seen_ent.idx: past the list cap */
#define MQ_ACL_SUB_PID    2
#define MQ_ACL_PUB_PID    3
#define MQ_ACL_GAP_MS     50   /* between the access map's packets: at most 20 a second */
#define MQ_ACL_SETTLE_MS  1000 /* after its last step, for late deliveries (≤ --window) */
#define MQ_ACL_EXPIRY_S   60   /* 5.0 Message Expiry Interval of a write test */
#define MQ_ACL_RETRIES    12   /* per account: access connections again after drops */

enum mq_state { MQ_IDLE, MQ_WAIT_CONNACK, MQ_WAIT_SUBACK, MQ_COLLECT, MQ_ACCESS, MQ_CLOSING };

/* What the access connection waits for. */
enum acc_wait { AW_NONE, AW_SUBACK, AW_SYNC, AW_SETTLE };


/* One raw topic in the seen set: its hash (the set's key) and, when the list holds
 * redacted forms, 1 + the index of its list entry (0 = none yet). */
struct seen_ent {
	uint32_t h, idx;
};

/* Who a CONNECT says we are: one of the run's identities (attempt.identity: 0 is the
 * target URL's credentials or the first -u/-P account, nobody when none were given;
 * 1.. the further accounts of -u/-P and --credentials), or a random name and password. */
enum creds { CREDS_IDENTITY, CREDS_RANDOM };

/* Why a connection is made. */
enum purpose {
	P_VERSION,   /* what this protocol level answers (a step of the fallback or matrix) */
	P_MAIN,      /* the best accepted level again, for the subscription; for a further
		      * identity, its verdict and subscription */
	P_ANY_CREDS, /* a random name and password after an authorisation refusal */
	P_ACCESS,    /* the access map and write tests (opt-in), after the main pass */
	P_RECHECK,   /* the main CONNECT again, CONNACK only: does the answer change? (last) */
};

struct attempt {
	uint8_t version;  /* MQTT_V31, MQTT_V311, MQTT_V5 */
	uint8_t creds;    /* enum creds */
	uint8_t identity; /* CREDS_IDENTITY: which one */
	uint8_t purpose;  /* enum purpose */
	bool id_retry;    /* run again with a fresh [0-9A-Za-z] client id (identifier rejected) */
};

/* Listed in place: 3 versions, then the main pass or the any-credentials probe (never
 * both: one needs an accepted verdict, the other an authorisation refusal), an access
 * connection and the re-check. More (further accounts, access retries) go to the heap,
 * up to MQ_MAX_ATTEMPTS (a main pass and an access connection per account, the retries). */
#define MQ_INLINE_ATTEMPTS 7
#define MQ_MAX_ATTEMPTS    (6 + MSW_MAX_ACCOUNTS * (2 + MQ_ACL_RETRIES))
_Static_assert(MQ_MAX_ATTEMPTS <= 255, "plan counts are bytes");

/* The attempts of one target, kept across its connections. a[0..nver) are the version
 * attempts listed by plan_init(); next_attempt() appends the rest. */
struct plan {
	struct attempt inl[MQ_INLINE_ATTEMPTS];
	struct attempt *a; /* inl, or a larger copy on the heap */
	uint8_t cap;
	uint8_t n, cur; /* attempts listed; the one running */
	uint8_t nver;   /* version attempts listed */
	uint8_t nrun;   /* version attempts run, once the version plan is over (0 before) */
	bool matrix;    /* every version on its own connection, else the fallback */
};

/* What one identity got. */
struct ident {
	struct acl_map map;   /* its access map (built on its first access connection) */
	bool built;
	bool accepted;        /* its verdict connection was accepted */
	uint8_t creds;        /* ... with these credentials (enum creds) */
	uint8_t auth;         /* enum msw_auth of its verdict, AUTH_UNKNOWN before one */
	uint8_t read;         /* enum msw_read_access of its main pass */
	int16_t connack;      /* its CONNACK code, -1 none */
	uint32_t messages;    /* deliveries of its main pass */
};

/* Several identities, the access map and write tests: allocated when the run asks for
 * any of them. */
struct access {
	struct ident *id;
	size_t nid;
	struct acl_families fam; /* first levels the main passes saw */
	char rnd[17];            /* names our topics and the share group */
	enum acc_wait wait;
	size_t row;              /* the row whose answer is awaited */
	int64_t next_ms;         /* no packet of the map before this */
	int64_t settle_end;
};

struct mq {
	enum mq_state st;
	struct plan plan;
	struct access *acc;
	uint8_t vres[3]; /* indexed 0 = 3.1, 1 = 3.1.1, 2 = 5.0 */
	int ver;         /* this connection's protocol level */
	int best_rank;   /* rank of the CONNACK the record holds, -1 = none */
	int best_ver;
	enum mqtt_connack_class best_class;
	bool subscribed_any;
	uint8_t read0;   /* enum msw_read_access of identity 0's main pass */
	uint8_t main_id; /* the identity of the main pass running (or last run) */
	char client_id[24];
	char rnd_user[13], rnd_pass[17];
	/* this connection */
	bool accepted, finish_pending, hash_granted, any_granted, suback_seen;
	bool recheck_wanted;              /* end_window: the re-check runs last */
	uint8_t recheck_ver, recheck_creds; /* its CONNECT: the main pass's */
	uint64_t skip; /* bytes of an oversized PUBLISH still to discard */
	int64_t window_end, next_ping;
	uint32_t msgs, user_msgs, oversized, bad_topics;
	bool capped; /* --max-messages / --max-bytes reached */
	uint64_t bytes;
	struct hashset seen; /* struct seen_ent: raw topics (see topic_entry), lazily allocated */
	const uint8_t *pkt;  /* the packet being handled (evidence of a protocol violation) */
	size_t pkt_len;
};

/* What the main pass of this connection says about reading. */
static enum msw_read_access main_read(const struct mq *m)
{
	if (m->user_msgs)
		return READ_GRANTED_WITH_DATA;
	if (m->hash_granted)
		return READ_GRANTED_NO_DATA;
	return m->suback_seen ? READ_DENIED : READ_UNTESTED; /* no SUBACK: unknown */
}

static void keep_main_read(struct mq *m)
{
	if (m->main_id == 0)
		m->read0 = (uint8_t)main_read(m);
	else if (m->acc && m->main_id < m->acc->nid)
		m->acc->id[m->main_id].read = (uint8_t)main_read(m);
}

static bool main_pass(enum mq_state s)
{
	return s == MQ_WAIT_SUBACK || s == MQ_COLLECT;
}

static void set_state(struct mq *m, enum mq_state s)
{
	/* the only place the connection state changes; leaving a main pass fixes its read
	 * verdict for its identity */
	if (main_pass(m->st) && !main_pass(s))
		keep_main_read(m);
	m->st = s;
}

static int vidx(int level)
{
	return level == MQTT_V31 ? 0 : level == MQTT_V311 ? 1 : 2;
}

static uint32_t eff_cap(const struct msw_config *cfg)
{
	uint32_t cap = cfg->max_packet ? cfg->max_packet : MQ_DEFAULT_PACKET;
	return cap > MQ_INPUT_CAP ? MQ_INPUT_CAP : cap;
}

/* ------------------------------------------------------------ identity */

static void random_alnum(struct pctx *c, char *out, size_t n)
{
	static const char al[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	uint64_t r = 0;
	for (size_t i = 0; i < n; i++) {
		if (i % 8 == 0)
			r = pctx_random(c);
		out[i] = al[r % 62];
		r /= 62;
	}
	out[n] = 0;
}

/* prefix + random, at most 23 characters, at least 8 random. strict: keep only
 * [0-9A-Za-z] of the prefix (3.1.1 §3.1.3.1 guarantees only those). */
static void new_client_id(struct pctx *c, struct mq *m, bool strict)
{
	const char *pfx = c->cfg->client_id_prefix ? c->cfg->client_id_prefix : "msw-";
	size_t n = 0;
	for (const char *s = pfx; *s && n < 15; s++) {
		bool alnum = (*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') ||
			     (*s >= 'a' && *s <= 'z');
		if (alnum || !strict)
			m->client_id[n++] = *s;
	}
	random_alnum(c, m->client_id + n, 23 - n);
	if (c->cls) /* the broker's $SYS events about this id are ours, not a leak */
		cls_own_client(c->cls, m->client_id);
}

/* ------------------------------------------------------------ sending */

static bool send_or_fail(struct pctx *c, const uint8_t *p, size_t n)
{
	return pctx_send(c, p, n) == MSW_OK;
}

static const struct attempt *cur_attempt(const struct mq *m)
{
	return &m->plan.a[m->plan.cur];
}

static struct ident *cur_ident(struct mq *m)
{
	return &m->acc->id[cur_attempt(m)->identity];
}

static struct acl_map *cur_map(struct mq *m)
{
	return &cur_ident(m)->map;
}

static bool random_creds(const struct mq *m)
{
	return cur_attempt(m)->creds == CREDS_RANDOM;
}

/* The identities of this target: the target URL's credentials or the first account
 * (nobody when neither), then the further accounts. */
static size_t identities(const struct pctx *c)
{
	return c->cfg->naccounts > 1 ? c->cfg->naccounts : 1;
}

static void identity_creds(const struct pctx *c, unsigned i, const char **user,
			   const char **pass)
{
	*user = *pass = NULL;
	if (i == 0 && c->target && c->target->username) {
		*user = c->target->username;
		*pass = c->target->password;
	} else if (i < c->cfg->naccounts) {
		*user = c->cfg->accounts[i].user;
		*pass = c->cfg->accounts[i].password;
	} else if (i == 0 && c->cfg->username) {
		*user = c->cfg->username;
		*pass = c->cfg->password;
	}
}

static void creds(struct pctx *c, struct mq *m, const char **user, const char **pass)
{
	const struct attempt *a = cur_attempt(m);
	if (a->creds == CREDS_RANDOM) {
		*user = m->rnd_user;
		*pass = m->rnd_pass;
	} else {
		identity_creds(c, a->identity, user, pass);
	}
}

/* The identity of the running attempt has a user name. */
static bool user_creds(const struct pctx *c)
{
	const struct mq *m = c->state;
	const char *user, *pass;
	identity_creds(c, m->plan.a ? cur_attempt(m)->identity : 0, &user, &pass);
	return user != NULL;
}

static msw_err send_connect(struct pctx *c, struct mq *m)
{
	struct mqtt_connect o = {
		.version = m->ver,
		.keepalive = MQ_KEEPALIVE,
		.clean = true,
		.client_id = m->client_id,
		.receive_maximum = MQ_RECEIVE_MAX,
		/* Maximum Packet Size counts the whole packet: our cap on the remaining
		 * length plus the fixed header that encodes it */
		.maximum_packet_size = eff_cap(c->cfg) + 1 + (uint32_t)varint_len(eff_cap(c->cfg)),
	};
	creds(c, m, &o.username, &o.password);
	if ((o.username && strlen(o.username) > 0xffff) ||
	    (o.password && strlen(o.password) > 0xffff))
		return MSW_ERR_USAGE;
	size_t n = mqtt_encode_connect(&o, NULL, 0);
	uint8_t *b = malloc(n);
	if (!b)
		return MSW_ERR_NOMEM;
	mqtt_encode_connect(&o, b, n);
	msw_err rc = pctx_send(c, b, n);
	memset(b, 0, n); /* the packet may hold a password */
	free(b);
	return rc;
}

static void send_disconnect(struct pctx *c, struct mq *m)
{
	uint8_t b[2];
	if (!m->accepted)
		return;
	mqtt_encode_disconnect(m->ver, b, sizeof(b));
	/* a server closes the connection on DISCONNECT (3.1.1 §3.14.4, 5.0 §3.14.4) */
	c->peer_closes = pctx_send(c, b, sizeof(b)) == MSW_OK;
	m->accepted = false; /* once */
}

/* Close this connection politely and finish the target. */
static enum probe_rc finish_conn(struct pctx *c, struct mq *m)
{
	send_disconnect(c, m);
	pctx_timer(c, 0);
	set_state(m, MQ_CLOSING);
	return PROBE_DONE;
}

/* Close this connection politely and open another one. */
static enum probe_rc reconnect(struct pctx *c, struct mq *m)
{
	send_disconnect(c, m);
	pctx_timer(c, 0);
	set_state(m, MQ_IDLE);
	return PROBE_RECONNECT;
}

static enum probe_rc work_done(struct pctx *c, struct mq *m);

static enum probe_rc proto_err(struct pctx *c, struct mq *m, const char *what)
{
	c->rec->status = ST_PROTOCOL_ERROR;
	record_set_error(c->rec, "%s", what);
	if (m->st == MQ_WAIT_CONNACK)
		m->vres[vidx(m->ver)] = VR_ERROR;
	return finish_conn(c, m);
}

/* A control packet that answers nothing we sent, or answers it wrongly, once the server
 * had accepted us: what template-driven honeypots do (a broken PUBLISH is not counted:
 * that is data, and real brokers get it wrong too). */
static enum probe_rc bad_reply(struct pctx *c, struct mq *m, const char *what)
{
	if (c->cls && (m->st == MQ_WAIT_SUBACK || m->st == MQ_COLLECT))
		cls_server_signal(c->cls, CLS_SIG_MALFORMED_REPLY, m->pkt, m->pkt_len);
	return proto_err(c, m, what);
}

/* ------------------------------------------------------------ CONNACK */

static enum msw_vres vres_of(enum mqtt_connack_class k)
{
	switch (k) {
	case CK_ACCEPTED:
		return VR_ACCEPTED;
	case CK_BAD_VERSION:
		return VR_REFUSED;
	case CK_BAD_CLIENT_ID:
		return VR_IDENTIFIER;
	case CK_BAD_CREDENTIALS:
	case CK_BAD_AUTH_METHOD:
		return VR_BAD_CREDS;
	case CK_NOT_AUTHORIZED:
		return VR_NOT_AUTH;
	case CK_BANNED:
		return VR_BANNED;
	case CK_SERVER_MOVED:
		return VR_MOVED;
	case CK_USE_ANOTHER_SERVER:
		return VR_OTHER_SERVER;
	case CK_UNAVAILABLE:
		return VR_UNAVAILABLE;
	default:
		return VR_ERROR;
	}
}

static bool unauthorised(enum mqtt_connack_class k)
{
	return k == CK_BAD_CREDENTIALS || k == CK_NOT_AUTHORIZED || k == CK_BAD_AUTH_METHOD;
}

/* Which CONNACK the record shows: accepted beats an auth refusal beats a redirect or
 * ban beats other errors beats a version refusal; a newer protocol level breaks ties. */
static int rank_of(enum mqtt_connack_class k, int ver)
{
	int r;
	if (k == CK_ACCEPTED)
		r = 100;
	else if (unauthorised(k))
		r = 60;
	else if (k == CK_BANNED || k == CK_SERVER_MOVED || k == CK_USE_ANOTHER_SERVER)
		r = 50;
	else if (k == CK_BAD_VERSION)
		r = 10;
	else
		r = 30;
	return r + ver;
}

static enum msw_auth auth_of(const struct pctx *c, const struct mq *m, enum mqtt_connack_class k)
{
	switch (k) {
	case CK_ACCEPTED:
		if (random_creds(m))
			return AUTH_ANY_CREDENTIALS;
		return user_creds(c) ? AUTH_AUTHENTICATED : AUTH_ANONYMOUS;
	case CK_BAD_CREDENTIALS:
	case CK_BAD_AUTH_METHOD:
		return AUTH_CREDENTIALS_REQUIRED;
	case CK_NOT_AUTHORIZED:
		/* Mosquitto answers an anonymous 3.1.1 client with rc 5: without credentials
		 * of our own this means credentials are required */
		return user_creds(c) && !random_creds(m) ? AUTH_NOT_AUTHORIZED
							 : AUTH_CREDENTIALS_REQUIRED;
	case CK_BANNED:
		return AUTH_BANNED;
	case CK_SERVER_MOVED:
		return AUTH_SERVER_MOVED;
	case CK_USE_ANOTHER_SERVER:
		return AUTH_USE_ANOTHER_SERVER;
	default:
		return AUTH_UNKNOWN;
	}
}

static enum msw_status status_of(enum mqtt_connack_class k)
{
	switch (k) {
	case CK_BAD_VERSION:
	case CK_BAD_CLIENT_ID:
	case CK_UNAVAILABLE:
	case CK_OTHER:
		return ST_APPLICATION_ERROR;
	default:
		return ST_SUCCESS;
	}
}

/* Put this CONNACK into the record (when it ranks at least as high as the one there). */
static void keep_connack(struct pctx *c, struct mq *m, const struct mqtt_connack *ck, int nver,
			 enum mqtt_connack_class k, const uint8_t *raw, size_t rawlen)
{
	struct msw_record *r = c->rec;
	int rank = rank_of(k, m->ver);
	if (rank < m->best_rank)
		return;
	m->best_rank = rank;
	m->best_ver = m->ver;
	m->best_class = k;
	r->mqtt = true;
	snprintf(r->mqtt_version, sizeof(r->mqtt_version), "%s", mqtt_ver_str(m->ver));
	r->connack_code = ck->code;
	mbytes_free(&r->connack_raw);
	(void)mbytes_set(&r->connack_raw, raw, rawlen);
	struct mqtt_props_rec *kept = m->ver == MQTT_V5 && !ck->legacy ? mqtt_props_keep(&ck->props) : NULL;
	if (kept || r->connack_props.p)
		fref_set(&r->connack_props, kept ? &kept->tbl : NULL, kept);
	r->auth = auth_of(c, m, k);
	r->status = status_of(k);
	free(r->error);
	r->error = NULL;
	if (k != CK_ACCEPTED)
		record_set_error(r, "CONNACK refused: %s (code 0x%02x)",
				 mqtt_connack_str(nver, ck->code), ck->code);
	if (k == CK_ACCEPTED && m->ver == MQTT_V5 && !ck->legacy)
		broker_db_observe_connack(r, &ck->props);
}

/* '#' and '$SYS/#'. With --window 0 nothing is collected, so only '#' (read access):
 * '$SYS/#' would make the broker push its whole retained $SYS tree (~50 messages on
 * Mosquitto) only for us to drop it; measured, it halves a busy broker's handshake rate. */
static size_t sub_filters(const struct pctx *c)
{
	return c->cfg->window_ms ? 2 : 1;
}

static msw_err send_subscribe(struct pctx *c, struct mq *m)
{
	static const char *const filters[] = {"#", "$SYS/#"};
	struct mqtt_subscribe s = {.version = m->ver,
				   .packet_id = MQ_SUB_PID,
				   .filters = filters,
				   .nfilters = sub_filters(c),
				   .qos = 0};
	uint8_t b[32];
	size_t n = mqtt_encode_subscribe(&s, b, sizeof(b));
	return pctx_send(c, b, n);
}

/* The verdict is known and this connection was accepted: subscribe or stop. */
static enum probe_rc start_main(struct pctx *c, struct mq *m)
{
	if (c->cfg->depth == DEPTH_CONNACK)
		return work_done(c, m);
	m->hash_granted = m->any_granted = m->suback_seen = false;
	m->user_msgs = 0;
	m->main_id = cur_attempt(m)->identity;
	if (send_subscribe(c, m))
		return finish_conn(c, m);
	m->subscribed_any = true;
	set_state(m, MQ_WAIT_SUBACK);
	return PROBE_CONTINUE;
}

/* ------------------------------------------------------------ the attempt plan
 *
 * Every connection to a target is one attempt: a protocol level, who we say we are and
 * why we connect. plan_init() lists the version attempts (the fallback or the matrix);
 * next_attempt() is the one place that decides, from what the running attempt got,
 * whether the main work goes on over this connection, which attempt comes next, or
 * whether the target is done. */

enum next { NEXT_HERE, NEXT_CONNECT, NEXT_FINISH };

/* What an attempt got, besides a CONNACK class (enum mqtt_connack_class, >= 0). */
#define OUT_CLOSED  (-1) /* the connection ended before a CONNACK */
#define OUT_DONE    (-2) /* the connection's work is over */
#define OUT_DROPPED (-3) /* the broker closed it during the access steps */

static void plan_init(struct plan *p, const struct pctx *c)
{
	static const uint8_t fallback[3] = {MQTT_V311, MQTT_V31, MQTT_V5};
	static const unsigned bit[6] = {
		[MQTT_V31] = MSW_V31, [MQTT_V311] = MSW_V311, [MQTT_V5] = MSW_V5};
	const struct msw_config *cfg = c->cfg;
	unsigned v = cfg->versions;

	p->a = p->inl;
	p->cap = MQ_INLINE_ATTEMPTS;
	p->matrix = v == MSW_VALL || (v == 0 && cfg->mode == MODE_AUDIT);
	/* the matrix tries all three; the scan default (3.1.1 alone) falls back to 3.1 and
	 * 5.0; an explicit list is tried in the same order and nothing outside it is sent */
	for (int i = 0; i < 3; i++)
		if (p->matrix || v == 0 || v == MSW_V311 || (v & bit[fallback[i]]))
			p->a[p->n++] = (struct attempt){.version = fallback[i]};
	p->nver = p->n;
}

static bool plan_grow(struct plan *p)
{
	unsigned cap = p->cap * 2u > MQ_MAX_ATTEMPTS ? MQ_MAX_ATTEMPTS : p->cap * 2u;
	struct attempt *a;

	if (p->cap >= MQ_MAX_ATTEMPTS || !(a = malloc(cap * sizeof(*a))))
		return false;
	memcpy(a, p->a, p->n * sizeof(*a));
	if (p->a != p->inl)
		free(p->a);
	p->a = a;
	p->cap = (uint8_t)cap;
	return true;
}

static void plan_free(struct plan *p)
{
	if (p->a && p->a != p->inl) {
		p->n = p->n < MQ_INLINE_ATTEMPTS ? p->n : MQ_INLINE_ATTEMPTS;
		p->cur = p->cur < p->n ? p->cur : 0;
		memcpy(p->inl, p->a, p->n * sizeof(*p->a));
		free(p->a);
		p->a = p->inl;
		p->cap = MQ_INLINE_ATTEMPTS;
	}
}

/* Append an attempt and make it the next one to run. */
static enum next plan_add(struct plan *p, int version, enum creds cr, unsigned identity,
			  enum purpose why)
{
	if (p->n >= p->cap && !plan_grow(p))
		return NEXT_FINISH;
	p->a[p->n] = (struct attempt){.version = (uint8_t)version, .creds = cr,
				      .identity = (uint8_t)identity, .purpose = why};
	p->cur = p->n++;
	return NEXT_CONNECT;
}

static bool id_retried(const struct plan *p)
{
	for (unsigned i = 0; i < p->n; i++)
		if (p->a[i].id_retry)
			return true;
	return false;
}

static unsigned attempts_for(const struct plan *p, enum purpose why, int identity)
{
	unsigned n = 0;
	for (unsigned i = 0; i < p->n; i++)
		n += p->a[i].purpose == why && (identity < 0 || p->a[i].identity == identity);
	return n;
}

/* Version attempts run so far. */
static unsigned versions_run(const struct plan *p)
{
	return p->nrun ? p->nrun : p->cur + 1u;
}

/* Whether the version plan moves on to its next level after what this one got (k: the
 * CONNACK class, or OUT_CLOSED and why). Closed right after CONNECT is the usual answer
 * of a server that does not speak the version; a timeout moves on only in the matrix
 * once the broker has answered another version (a silent port would otherwise cost the
 * timeout three times). */
static bool next_version_wanted(const struct mq *m, int k, msw_err why)
{
	const struct plan *p = &m->plan;
	if (p->cur + 1 >= p->nver)
		return false;
	if (k == OUT_CLOSED)
		return why == MSW_ERR_CLOSED ||
		       (why == MSW_ERR_TIMEOUT && p->matrix && m->best_rank >= 0);
	return p->matrix || k == CK_BAD_VERSION;
}

/* The access connections: with --publish-proof, or with an access map at depth topics
 * and deeper. */
static bool access_on(const struct msw_config *cfg)
{
	return cfg->publish_proof || (cfg->acl_filters && cfg->depth != DEPTH_CONNACK);
}

/* The re-check, once, when the main pass asked for it (end_window) and no access
 * connection of the record's identity has repeated its CONNECT (on_connack compares that
 * one's answer instead). */
static enum next recheck(struct mq *m)
{
	if (!m->recheck_wanted || attempts_for(&m->plan, P_RECHECK, -1) ||
	    attempts_for(&m->plan, P_ACCESS, 0)) /* the main CONNECT was sent again already */
		return NEXT_FINISH;
	return plan_add(&m->plan, m->recheck_ver, (enum creds)m->recheck_creds, 0, P_RECHECK);
}

/* The running identity's part is over: the next identity's verdict and main pass, then
 * each accepted identity's access connection, in order. */
static enum next next_work(struct pctx *c, struct mq *m)
{
	struct access *acc = m->acc;
	if (m->best_rank < 0) /* nothing answered as MQTT */
		return NEXT_FINISH;
	if (!acc)
		return recheck(m);
	for (unsigned i = 1; i < acc->nid; i++)
		if (!attempts_for(&m->plan, P_MAIN, (int)i))
			return plan_add(&m->plan, m->best_ver, CREDS_IDENTITY, i, P_MAIN);
	if (!access_on(c->cfg))
		return recheck(m);
	for (unsigned i = 0; i < acc->nid; i++)
		if (acc->id[i].accepted && !attempts_for(&m->plan, P_ACCESS, (int)i))
			return plan_add(&m->plan, m->best_ver, acc->id[i].creds, i, P_ACCESS);
	return recheck(m);
}

/* --auth-probe: after an authorisation refusal without credentials of ours, once, a
 * random user name and password. */
static enum next try_any_creds(struct pctx *c, struct mq *m)
{
	if (!c->cfg->auth_probe || attempts_for(&m->plan, P_ANY_CREDS, -1) || user_creds(c) ||
	    !unauthorised(m->best_class))
		return next_work(c, m);
	random_alnum(c, m->rnd_user, sizeof(m->rnd_user) - 1);
	random_alnum(c, m->rnd_pass, sizeof(m->rnd_pass) - 1);
	return plan_add(&m->plan, m->best_ver, CREDS_RANDOM, 0, P_ANY_CREDS);
}

/* The version plan ended without continuing on this connection as the fallback does:
 * the record holds the best CONNACK; subscribe at its level (here when this connection
 * speaks it), probe for any credentials, or go on. */
static enum next after_versions(struct pctx *c, struct mq *m, int k)
{
	const struct attempt *a = cur_attempt(m);
	if (k == CK_ACCEPTED && m->best_ver == m->ver)
		return NEXT_HERE;
	if (m->best_class == CK_ACCEPTED && c->cfg->depth != DEPTH_CONNACK)
		return plan_add(&m->plan, m->best_ver, a->creds, a->identity, P_MAIN);
	return try_any_creds(c, m);
}

/* The broker closed the access connection during its steps: again while steps remain
 * (MQ_ACL_RETRIES for each account), else on. */
static enum next after_drop(struct pctx *c, struct mq *m)
{
	const struct attempt *a = cur_attempt(m);
	if (a->purpose == P_ACCESS && acl_pending(&m->acc->id[a->identity].map) &&
	    attempts_for(&m->plan, P_ACCESS, a->identity) <= MQ_ACL_RETRIES)
		return plan_add(&m->plan, a->version, a->creds, a->identity, P_ACCESS);
	return next_work(c, m);
}

/* What follows the running attempt. k: its CONNACK class, or OUT_CLOSED when the
 * connection ended without one (why), OUT_DONE when its work is over, OUT_DROPPED when
 * the broker closed it during the access steps. NEXT_CONNECT: plan.cur is the attempt to
 * open next (the same one again after "identifier rejected"). */
static enum next next_attempt(struct pctx *c, struct mq *m, int k, msw_err why)
{
	struct plan *p = &m->plan;
	struct attempt *a = &p->a[p->cur];

	if (k == OUT_DONE)
		return next_work(c, m);
	if (k == OUT_DROPPED)
		return after_drop(c, m);
	if (a->purpose == P_ACCESS)
		return k == CK_ACCEPTED ? NEXT_HERE : next_work(c, m);
	if (k == CK_BAD_CLIENT_ID && !id_retried(p)) {
		a->id_retry = true;
		new_client_id(c, m, true);
		return NEXT_CONNECT;
	}
	if (a->purpose == P_VERSION && !p->nrun) {
		if (next_version_wanted(m, k, why)) {
			p->cur++;
			return NEXT_CONNECT;
		}
		p->nrun = p->cur + 1;
		if (k == OUT_CLOSED || p->matrix)
			return after_versions(c, m, k);
		/* the fallback found its level: this connection goes on as the main one */
	}
	if (k == OUT_CLOSED)
		return next_work(c, m);
	if (k == CK_ACCEPTED)
		return NEXT_HERE;
	return try_any_creds(c, m);
}

static enum probe_rc start_access(struct pctx *c, struct mq *m);

/* This connection's work is over: the next attempt, or DISCONNECT and the end. */
static enum probe_rc work_done(struct pctx *c, struct mq *m)
{
	if (next_attempt(c, m, OUT_DONE, MSW_OK) == NEXT_CONNECT)
		return reconnect(c, m);
	return finish_conn(c, m);
}

static enum probe_rc after_connack(struct pctx *c, struct mq *m, enum mqtt_connack_class k)
{
	switch (next_attempt(c, m, (int)k, MSW_OK)) {
	case NEXT_HERE:
		return cur_attempt(m)->purpose == P_ACCESS ? start_access(c, m) : start_main(c, m);
	case NEXT_CONNECT:
		return reconnect(c, m);
	default:
		return finish_conn(c, m);
	}
}

/* The re-check's CONNACK: the verdict stays the first connection's; another code (or a
 * 3.1.1-shaped answer where a 5.0 one came) is the signal. */
static void compare_connack(struct pctx *c, struct mq *m, const struct mqtt_frame *f,
			    const struct mqtt_connack *ck)
{
	const struct msw_record *r = c->rec;
	bool legacy_before = m->ver == MQTT_V5 && !r->connack_props.p;

	if (c->cls && (ck->code != r->connack_code || ck->legacy != legacy_before))
		cls_server_signal(c->cls, CLS_SIG_CONNACK_CHANGED, f->body - f->hdr_len, f->total);
}

static enum probe_rc on_recheck(struct pctx *c, struct mq *m, const struct mqtt_frame *f,
				const struct mqtt_connack *ck, enum mqtt_connack_class k)
{
	m->accepted = k == CK_ACCEPTED;
	compare_connack(c, m, f, ck);
	return finish_conn(c, m);
}

/* An identity's verdict CONNACK (the record keeps identity 0's). */
static void note_identity(struct pctx *c, struct mq *m, enum mqtt_connack_class k, uint8_t code)
{
	struct ident *id = cur_ident(m);
	id->auth = (uint8_t)auth_of(c, m, k);
	id->connack = code;
	if (k == CK_ACCEPTED) {
		id->accepted = true;
		id->creds = cur_attempt(m)->creds;
	}
}

static enum probe_rc on_connack(struct pctx *c, struct mq *m, const struct mqtt_frame *f)
{
	struct mqtt_connack ck;

	if (m->st != MQ_WAIT_CONNACK)
		return proto_err(c, m, "unexpected second CONNACK");
	if (mqtt_decode_connack(m->ver, f->body, f->remaining, &ck))
		return proto_err(c, m, "malformed CONNACK");
	int nver = ck.legacy ? MQTT_V311 : m->ver;
	enum mqtt_connack_class k = mqtt_connack_class(nver, ck.code);
	if (cur_attempt(m)->purpose == P_RECHECK)
		return on_recheck(c, m, f, &ck, k);
	const struct attempt *a = cur_attempt(m);
	bool verdict = a->purpose != P_ACCESS; /* an access connection's verdict is known */
	bool primary = verdict && a->identity == 0; /* the record's verdict */
	if (!verdict && a->identity == 0 && m->recheck_wanted) /* it serves as the re-check */
		compare_connack(c, m, f, &ck);
	if (primary && !random_creds(m)) /* the matrix shows what anonymous (or -u) clients get */
		m->vres[vidx(m->ver)] = (uint8_t)vres_of(k);
	m->accepted = k == CK_ACCEPTED;
	if (primary)
		keep_connack(c, m, &ck, nver, k, f->body - f->hdr_len, f->total);
	if (verdict && m->acc)
		note_identity(c, m, k, ck.code);
	return after_connack(c, m, k);
}

/* ------------------------------------------------------------ SUBACK */

static void arm_collect_timer(struct pctx *c, struct mq *m)
{
	int64_t now = pctx_now_ms(c);
	int64_t next = m->window_end < m->next_ping ? m->window_end : m->next_ping;
	int64_t d = next - now;
	pctx_timer(c, d < 1 ? 1 : (uint32_t)d);
}

static enum probe_rc on_suback(struct pctx *c, struct mq *m, const struct mqtt_frame *f)
{
	struct mqtt_suback sa;

	if (m->st != MQ_WAIT_SUBACK)
		return bad_reply(c, m, "SUBACK without a pending SUBSCRIBE");
	if (mqtt_decode_suback(m->ver, f->body, f->remaining, &sa))
		return bad_reply(c, m, "malformed SUBACK");
	if (sa.packet_id != MQ_SUB_PID)
		return bad_reply(c, m, "SUBACK for a packet identifier we did not use");
	if (sa.ncodes != sub_filters(c))
		return bad_reply(
			c, m, "SUBACK with a return code count that does not match the SUBSCRIBE");
	m->suback_seen = true;
	m->hash_granted = mqtt_suback_granted(sa.codes[0]);
	m->any_granted = m->hash_granted || (sa.ncodes > 1 && mqtt_suback_granted(sa.codes[1]));
	set_state(m, MQ_COLLECT);
	if (!c->cfg->window_ms) /* read access only: what follows the SUBACK is not read */
		return work_done(c, m);
	int64_t now = pctx_now_ms(c);
	m->window_end = now + c->cfg->window_ms;
	m->next_ping = now + MQ_PING_MS;
	arm_collect_timer(c, m);
	return PROBE_CONTINUE;
}

/* ------------------------------------------------------------ PUBLISH */

/* Count a distinct raw topic (past the list cap, or every topic when the list holds
 * redacted forms): true when seen for the first time (approximate: 32-bit hashes, and
 * the set, growing from MQ_SEEN_MIN slots, stops at three quarters of MQ_SEEN_SLOTS). *ent,
 * when given, is the topic's slot (its .idx caches the list entry), NULL when not kept. */
static bool seen_add(struct mq *m, const uint8_t *t, size_t n, struct seen_ent **ent)
{
	bool fresh;
	struct seen_ent *e = hset_add(&m->seen, fnv1a32(t, n, FNV32_INIT), NULL, &fresh);

	if (ent)
		*ent = e;
	return e && fresh;
}

static void first_sample(struct pctx *c, struct msw_topic *t, const struct slice *topic,
			 const uint8_t *payload, size_t plen)
{
	const struct msw_config *cfg = c->cfg;
	size_t outlen = 0;
	if (!payload)
		return; /* oversized: skipped, nothing to sample */
	uint8_t *s = cls_redact_sample(cfg, topic->p, topic->len, payload, plen, cfg->sample_bytes,
				       &outlen);
	if (s) {
		(void)mbytes_set(&t->sample, s, outlen);
		free(s);
	}
	t->sample_truncated = plen > cfg->sample_bytes;
}

/* The record's topic list entry for a delivery. Under --evidence raw it is keyed by the
 * raw topic and a new entry is a new distinct topic (*fresh). Otherwise the list holds
 * only the redacted form (cls_redact_topic: person levels masked, or under minimal a
 * generalised filter with per-level keyed hashes), so raw topics that redact alike merge
 * into one entry (messages and bytes summed, sample and retained flag from the first);
 * topic_count and retained_count still count distinct RAW topics, through the hash set
 * (*fresh from seen_add). Returns NULL past --max-topics or when out of memory. */
static struct msw_topic *topic_entry(struct pctx *c, struct mq *m, const struct slice *topic,
				     bool *fresh)
{
	struct msw_record *r = c->rec;
	struct msw_topic *t;
	struct seen_ent *e;

	if (c->cfg->evidence == EVIDENCE_RAW) {
		t = record_topic(r, topic->p, topic->len, c->cfg->max_topics);
		*fresh = t ? !t->messages : seen_add(m, topic->p, topic->len, NULL);
		return t;
	}
	*fresh = seen_add(m, topic->p, topic->len, &e);
	if (e && e->idx == MQ_SEEN_NOLIST)
		return NULL; /* a repeat past --max-topics */
	if (e && e->idx && e->idx <= r->topics.n)
		return &record_topics(r)[e->idx - 1]; /* a repeat: no second redaction */
	char *red = cls_redact_topic(c->cfg, topic->p, topic->len);
	if (!red)
		return NULL;
	t = record_topic(r, (const uint8_t *)red, strlen(red), c->cfg->max_topics);
	free(red);
	if (e)
		e->idx = t ? (uint32_t)(t - record_topics(r)) + 1
			   : r->topics.n >= c->cfg->max_topics ? MQ_SEEN_NOLIST : 0;
	return t;
}

/* Account one delivery (payload NULL when the PUBLISH was too large to read). */
static void record_publish(struct pctx *c, struct mq *m, const struct slice *topic, bool retain,
			   const uint8_t *payload, uint64_t plen)
{
	struct msw_record *r = c->rec;
	bool fresh;
	m->msgs++;
	if (topic->len < 5 || memcmp(topic->p, "$SYS/", 5))
		m->user_msgs++; /* what read_access is about: data, not broker statistics */
	m->bytes += plen;
	if (cur_attempt(m)->identity) { /* a further account: counted, not the record's data */
		cur_ident(m)->messages++;
		acl_family_add(&m->acc->fam, topic->p, topic->len, c->cfg->acl_filters);
		return;
	}
	r->messages_total++;
	r->bytes_total += plen;
	struct msw_topic *t = topic_entry(c, m, topic, &fresh);
	if (fresh && m->acc)
		acl_family_add(&m->acc->fam, topic->p, topic->len, c->cfg->acl_filters);
	if (fresh) {
		r->topic_count++;
		r->sys_topic_count += topic->len >= 5 && !memcmp(topic->p, "$SYS/", 5);
		r->retained_count += retain;
	}
	if (t) {
		if (!t->messages) {
			t->retained = retain;
			first_sample(c, t, topic, payload, (size_t)plen);
		}
		if (!payload)
			t->sample_truncated = true; /* over --max-packet: skipped unread */
		t->messages++;
		t->bytes += plen;
	} else {
		r->topics_truncated = true;
	}
	if (!payload)
		return;
	if (c->cls)
		cls_message(c->cls, topic->p, topic->len, payload, (size_t)plen, retain);
	broker_db_observe_topic(r, topic->p, topic->len, payload, (size_t)plen);
}

static void ack_publish(struct pctx *c, uint8_t qos, uint16_t pid)
{
	uint8_t b[4];
	if (qos == 1)
		send_or_fail(c, b, mqtt_encode_ack(MQTT_PUBACK, pid, b, sizeof(b)));
	else if (qos == 2)
		send_or_fail(c, b, mqtt_encode_ack(MQTT_PUBREC, pid, b, sizeof(b)));
}

static void check_caps(struct pctx *c, struct mq *m)
{
	const struct msw_config *cfg = c->cfg;
	if ((cfg->max_messages && m->msgs >= cfg->max_messages) ||
	    (cfg->max_bytes && m->bytes >= cfg->max_bytes))
		m->finish_pending = m->capped = c->rec->topics_truncated = true;
}

static enum probe_rc on_publish(struct pctx *c, struct mq *m, const struct mqtt_frame *f)
{
	struct mqtt_publish pub;

	if (m->st == MQ_WAIT_CONNACK || m->st == MQ_IDLE)
		return proto_err(c, m, "PUBLISH before CONNACK");
	if (m->st == MQ_CLOSING)
		return PROBE_CONTINUE;
	msw_err e = mqtt_decode_publish_ex(m->ver, f->flags, f->body, f->remaining, true, &pub);
	if (e == MSW_ERR_PROTOCOL && (pub.wildcard || pub.bad_utf8))
		m->bad_topics++; /* kept: a broken broker's data is still data */
	else if (e)
		return proto_err(c, m, "malformed PUBLISH");
	if (mqtt_props_has(&pub.props, MQTT_P_TOPIC_ALIAS))
		return proto_err(c, m, "PUBLISH with a Topic Alias although we allowed none");
	if (m->st == MQ_ACCESS) { /* evidence for the map, not data for the record */
		acl_deliver(cur_map(m), pub.topic.p, pub.topic.len, pub.retain);
		ack_publish(c, pub.qos, pub.packet_id);
		return PROBE_CONTINUE;
	}
	record_publish(c, m, &pub.topic, pub.retain,
		       pub.payload.p ? pub.payload.p : (const uint8_t *)"", pub.payload.len);
	ack_publish(c, pub.qos, pub.packet_id);
	check_caps(c, m);
	return PROBE_CONTINUE;
}

/* A PUBLISH over our cap: read the topic (and packet id) from its first bytes, account
 * it, acknowledge it, and discard the rest as it streams in. Returns bytes used (0 with
 * CONTINUE: wait for the variable header). */
static enum probe_rc on_oversized(struct pctx *c, struct mq *m, const uint8_t *p, size_t n,
				  const struct mqtt_frame *f, size_t *used)
{
	struct cursor cur;
	struct slice topic;
	uint16_t pid = 0;
	uint8_t qos = (f->flags >> 1) & 3;

	*used = 0;
	if (f->type != MQTT_PUBLISH)
		return proto_err(c, m, "packet larger than --max-packet");
	if (m->st != MQ_WAIT_SUBACK && m->st != MQ_COLLECT && m->st != MQ_ACCESS)
		return proto_err(c, m, "oversized PUBLISH before SUBSCRIBE");
	cur_init_stream(&cur, p + f->hdr_len, n - f->hdr_len);
	msw_err e = cur_utf8(&cur, &topic);
	if (!e && qos)
		e = cur_u16(&cur, &pid);
	if (e == MSW_ERR_NEED_MORE)
		return PROBE_CONTINUE;
	if (e || (qos && !pid))
		return proto_err(c, m, "malformed PUBLISH");
	if (m->st == MQ_ACCESS)
		acl_deliver(cur_map(m), topic.p, topic.len, f->flags & 1);
	else
		m->oversized++;
	if (m->st != MQ_ACCESS)
		record_publish(c, m, &topic, f->flags & 1, NULL, f->remaining - cur.off);
	ack_publish(c, qos, pid);
	m->skip = f->total;
	*used = n < m->skip ? n : (size_t)m->skip;
	m->skip -= *used;
	check_caps(c, m);
	return PROBE_CONTINUE;
}

/* ------------------------------------------------------------ the access connection
 *
 * One connection per account after its main pass (P_ACCESS): the steps of its access map
 * (mqtt_access.h), one packet at a time and at most one per MQ_ACL_GAP_MS, each waited
 * for (SUBACK; PUBACK on 5.0; on 3.x a PINGREQ after the PUBLISH, whose PINGRESP says the
 * broker has processed it), then a settle time for late deliveries, then DISCONNECT. */

static void access_wait(struct access *a, enum acc_wait w)
{
	/* the only place the access connection's wait changes */
	a->wait = w;
}

static msw_err access_build(struct pctx *c, struct mq *m)
{
	const char *user, *pass;
	creds(c, m, &user, &pass);
	struct acl_spec spec = {
		.proof = c->cfg->publish_proof,
		.max_filters = c->cfg->depth == DEPTH_CONNACK ? 0 : c->cfg->acl_filters,
		.extra = c->cfg->acl_topic_list,
		.nextra = c->cfg->nacl_topic_list,
		.families = &m->acc->fam,
		.user = user,
		.rnd = m->acc->rnd,
		.version = m->ver,
	};
	cur_ident(m)->built = true;
	return acl_map_build(cur_map(m), &spec);
}

static enum probe_rc access_subscribe(struct pctx *c, struct mq *m, const struct acl_row *r)
{
	const char *const filters[1] = {r->filter};
	struct mqtt_subscribe s = {.version = m->ver, .packet_id = MQ_ACL_SUB_PID,
				   .filters = filters, .nfilters = 1, .qos = 0};
	uint8_t b[ACL_MAX_FILTER + 16];
	size_t n = mqtt_encode_subscribe(&s, b, sizeof(b));
	if (n > sizeof(b) || pctx_send(c, b, n))
		return finish_conn(c, m);
	access_wait(m->acc, AW_SUBACK);
	return PROBE_CONTINUE;
}

/* A write test: never retained; 5.0 QoS 1 (the PUBACK reason code is the answer) with a
 * Message Expiry Interval, 3.x QoS 0 (nothing is queued for offline subscribers) and a
 * PINGREQ behind it. */
static enum probe_rc access_publish(struct pctx *c, struct mq *m, struct acl_row *r)
{
	bool v5 = m->ver == MQTT_V5;
	struct mqtt_publish_out o = {.version = m->ver, .topic = r->write_topic,
				     .payload = ACL_PROOF_PAYLOAD,
				     .payload_len = sizeof(ACL_PROOF_PAYLOAD) - 1,
				     .qos = v5 ? 1 : 0, .packet_id = v5 ? MQ_ACL_PUB_PID : 0,
				     .expiry = MQ_ACL_EXPIRY_S};
	uint8_t b[ACL_MAX_FILTER + 2 * sizeof(ACL_PROOF_PAYLOAD) + 32], ping[2];
	size_t n = mqtt_encode_publish(&o, b, sizeof(b));
	if (n > sizeof(b) || pctx_send(c, b, n) ||
	    (!v5 && pctx_send(c, ping, mqtt_encode_pingreq(ping, sizeof(ping)))))
		return finish_conn(c, m);
	r->published = true;
	cur_map(m)->publishes++;
	access_wait(m->acc, AW_SYNC);
	return PROBE_CONTINUE;
}

/* The next step, when the gap since the last one has passed. */
static enum probe_rc access_next(struct pctx *c, struct mq *m)
{
	struct access *a = m->acc;
	int64_t now = pctx_now_ms(c);
	size_t row;

	access_wait(a, AW_NONE);
	if (now < a->next_ms) {
		pctx_timer(c, (uint32_t)(a->next_ms - now));
		return PROBE_CONTINUE;
	}
	switch (acl_next_step(cur_map(m), &row)) {
	case ACL_STEP_SUBSCRIBE:
		a->row = row;
		return access_subscribe(c, m, &cur_map(m)->rows[row]);
	case ACL_STEP_PUBLISH:
		a->row = row;
		return access_publish(c, m, &cur_map(m)->rows[row]);
	default:
		break;
	}
	uint32_t settle = c->cfg->window_ms < MQ_ACL_SETTLE_MS ? c->cfg->window_ms
							      : MQ_ACL_SETTLE_MS;
	if (!settle)
		return work_done(c, m);
	access_wait(a, AW_SETTLE);
	a->settle_end = now + settle;
	pctx_timer(c, settle);
	return PROBE_CONTINUE;
}

static enum probe_rc start_access(struct pctx *c, struct mq *m)
{
	if (!cur_ident(m)->built && access_build(c, m)) {
		record_set_error(c->rec, "access map: out of memory");
		return finish_conn(c, m);
	}
	acl_map_reconnect(cur_map(m));
	set_state(m, MQ_ACCESS);
	m->acc->next_ms = 0;
	return access_next(c, m);
}

/* The step awaited is answered: the next one after the gap. */
static enum probe_rc access_step_done(struct pctx *c, struct mq *m)
{
	m->acc->next_ms = pctx_now_ms(c) + MQ_ACL_GAP_MS;
	return access_next(c, m);
}

static enum probe_rc access_suback(struct pctx *c, struct mq *m, const struct mqtt_frame *f)
{
	struct mqtt_suback sa;
	struct acl_row *r = &cur_map(m)->rows[m->acc->row];

	if (m->acc->wait != AW_SUBACK)
		return proto_err(c, m, "SUBACK without a pending SUBSCRIBE");
	if (mqtt_decode_suback(m->ver, f->body, f->remaining, &sa))
		return proto_err(c, m, "malformed SUBACK");
	if (sa.packet_id != MQ_ACL_SUB_PID)
		return proto_err(c, m, "SUBACK for a packet identifier we did not use");
	if (sa.ncodes != 1)
		return proto_err(
			c, m, "SUBACK with a return code count that does not match the SUBSCRIBE");
	if (r->suback == ACL_NO_CODE)
		r->suback = sa.codes[0];
	r->subscribed = mqtt_suback_granted(sa.codes[0]);
	return access_step_done(c, m);
}

/* The write test awaited was processed: reason is the 5.0 PUBACK's (ACL_NO_CODE: a
 * PINGRESP after a 3.x PUBLISH). */
static enum probe_rc access_synced(struct pctx *c, struct mq *m, uint8_t reason)
{
	struct acl_row *r = &cur_map(m)->rows[m->acc->row];
	r->synced = true;
	r->puback = reason;
	return access_step_done(c, m);
}

static enum probe_rc access_puback(struct pctx *c, struct mq *m, const struct mqtt_frame *f)
{
	struct mqtt_ack a;
	if (mqtt_decode_ack(m->ver, MQTT_PUBACK, f->body, f->remaining, &a))
		return proto_err(c, m, "malformed PUBACK");
	if (a.packet_id != MQ_ACL_PUB_PID)
		return proto_err(c, m, "PUBACK for a packet identifier we did not use");
	return access_synced(c, m, a.reason);
}

static enum probe_rc access_timer(struct pctx *c, struct mq *m)
{
	if (m->acc->wait == AW_SETTLE)
		return pctx_now_ms(c) >= m->acc->settle_end ? work_done(c, m) : PROBE_CONTINUE;
	if (m->acc->wait == AW_NONE)
		return access_next(c, m);
	return PROBE_CONTINUE;
}

/* The broker ended the access connection: the step it was answering is what it refused. */
static void access_lost(struct mq *m)
{
	struct acl_row *r = &cur_map(m)->rows[m->acc->row];
	if (m->acc->wait == AW_SUBACK)
		r->sub_dropped = true;
	else if (m->acc->wait == AW_SYNC)
		r->pub_dropped = true;
	access_wait(m->acc, AW_NONE);
}

/* A 5.0 DISCONNECT from the broker during the access steps. */
static enum probe_rc access_dropped(struct pctx *c, struct mq *m)
{
	access_lost(m);
	pctx_timer(c, 0);
	switch (next_attempt(c, m, OUT_DROPPED, MSW_OK)) {
	case NEXT_CONNECT:
		return reconnect(c, m);
	default:
		return finish_conn(c, m);
	}
}

/* ------------------------------------------------------------ other packets */

static enum probe_rc on_pubrel(struct pctx *c, struct mq *m, const struct mqtt_frame *f)
{
	struct mqtt_ack a;
	uint8_t b[4];
	if (m->st == MQ_WAIT_CONNACK)
		return proto_err(c, m, "PUBREL before CONNACK");
	if (mqtt_decode_ack(m->ver, MQTT_PUBREL, f->body, f->remaining, &a))
		return proto_err(c, m, "malformed PUBREL");
	send_or_fail(c, b, mqtt_encode_ack(MQTT_PUBCOMP, a.packet_id, b, sizeof(b)));
	return PROBE_CONTINUE;
}

static enum probe_rc on_server_disconnect(struct pctx *c, struct mq *m, const struct mqtt_frame *f)
{
	struct mqtt_disconnect d;
	if (m->ver != MQTT_V5 || m->st == MQ_WAIT_CONNACK)
		return proto_err(c, m, "DISCONNECT from the server");
	if (mqtt_decode_disconnect(m->ver, f->body, f->remaining, &d))
		return proto_err(c, m, "malformed DISCONNECT");
	const struct slice *ref = &d.props.v[MQTT_P_SERVER_REFERENCE].s;
	if (mqtt_props_has(&d.props, MQTT_P_SERVER_REFERENCE))
		record_set_error(c->rec,
				 "server sent DISCONNECT: %s (0x%02x), server reference %.*s",
				 mqtt_reason_str(d.reason), d.reason,
				 (int)(ref->len > 200 ? 200 : ref->len), (const char *)ref->p);
	else
		record_set_error(c->rec, "server sent DISCONNECT: %s (0x%02x)",
				 mqtt_reason_str(d.reason), d.reason);
	m->accepted = false; /* the session is over: no DISCONNECT back */
	if (m->st == MQ_ACCESS)
		return access_dropped(c, m);
	return m->st == MQ_COLLECT || m->st == MQ_WAIT_SUBACK ? work_done(c, m)
							       : finish_conn(c, m);
}

static enum probe_rc dispatch(struct pctx *c, struct mq *m, const struct mqtt_frame *f)
{
	switch (f->type) {
	case MQTT_CONNACK:
		return on_connack(c, m, f);
	case MQTT_PUBLISH:
		return on_publish(c, m, f);
	case MQTT_SUBACK:
		return m->st == MQ_ACCESS ? access_suback(c, m, f) : on_suback(c, m, f);
	case MQTT_PUBACK:
		if (m->st != MQ_ACCESS || m->acc->wait != AW_SYNC || m->ver != MQTT_V5)
			return proto_err(c, m, "PUBACK from the server (no QoS 1 PUBLISH of ours)");
		return access_puback(c, m, f);
	case MQTT_PUBREL:
		return on_pubrel(c, m, f);
	case MQTT_PINGRESP:
		if (m->st == MQ_ACCESS && m->acc->wait == AW_SYNC) /* the PUBLISH before it is done */
			return access_synced(c, m, ACL_NO_CODE);
		return PROBE_CONTINUE;
	case MQTT_PINGREQ:
		return PROBE_CONTINUE; /* not a server packet, but harmless */
	case MQTT_DISCONNECT:
		return on_server_disconnect(c, m, f);
	case MQTT_AUTH:
		return proto_err(
			c, m, "AUTH from the server (we did not ask for enhanced authentication)");
	default: {
		char what[96];
		snprintf(what, sizeof(what), "%s from the server", mqtt_type_str(f->type));
		return bad_reply(c, m, what);
	}
	}
}

/* The first bytes did not frame as MQTT: say what came instead. */
static enum probe_rc not_mqtt(struct pctx *c, struct mq *m, const uint8_t *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	char h[33];
	size_t k = n < 16 ? n : 16;
	for (size_t i = 0; i < k; i++) {
		h[2 * i] = hx[p[i] >> 4];
		h[2 * i + 1] = hx[p[i] & 0xf];
	}
	h[2 * k] = 0;
	if (m->st == MQ_WAIT_CONNACK) {
		c->rec->status = ST_PROTOCOL_ERROR;
		record_set_error(c->rec, "not an MQTT reply (first bytes %s)", h);
		m->vres[vidx(m->ver)] = VR_ERROR;
		return finish_conn(c, m);
	}
	return bad_reply(c, m, "malformed packet header");
}

static enum probe_rc mq_on_data(struct pctx *c, const uint8_t *p, size_t n, size_t *consumed)
{
	struct mq *m = c->state;
	enum probe_rc rc = PROBE_CONTINUE;
	size_t off = 0;

	while (off < n && rc == PROBE_CONTINUE && m->st != MQ_CLOSING && m->st != MQ_IDLE &&
	       !m->capped) {
		if (m->skip) {
			size_t k = n - off < m->skip ? n - off : (size_t)m->skip;
			off += k;
			m->skip -= k;
			continue;
		}
		struct mqtt_frame f;
		msw_err e = mqtt_frame_parse(p + off, n - off, m->ver, eff_cap(c->cfg), &f);
		if (e == MSW_ERR_NEED_MORE)
			break;
		if (e == MSW_ERR_TOO_BIG) {
			size_t used;
			rc = on_oversized(c, m, p + off, n - off, &f, &used);
			if (rc == PROBE_CONTINUE && !used)
				break;
			off += used;
			continue;
		}
		m->pkt = p + off;
		m->pkt_len = e ? n - off : f.total;
		if (e) {
			rc = not_mqtt(c, m, p + off, n - off);
			break;
		}
		off += f.total;
		rc = dispatch(c, m, &f);
	}
	*consumed = off;
	m->pkt = NULL; /* it pointed into the engine's buffer */
	m->pkt_len = 0;
	if (rc == PROBE_CONTINUE && m->capped)
		*consumed = n; /* the rest is dropped with the connection */
	if (rc == PROBE_CONTINUE && m->finish_pending && (m->st == MQ_COLLECT || m->capped))
		rc = work_done(c, m);
	return rc;
}

/* The listen window is over. The main pass (the record's identity) that was granted '#'
 * and got nothing at all asks for the re-check, which runs after everything else. */
static enum probe_rc end_window(struct pctx *c, struct mq *m)
{
	const struct attempt *a = cur_attempt(m);

	if (m->hash_granted && !m->msgs && !m->capped && a->identity == 0 &&
	    a->purpose != P_ACCESS && a->purpose != P_RECHECK &&
	    !m->recheck_wanted) {
		m->recheck_wanted = true;
		m->recheck_ver = m->ver;
		m->recheck_creds = a->creds;
	}
	return work_done(c, m);
}

static enum probe_rc mq_on_timer(struct pctx *c)
{
	struct mq *m = c->state;
	if (m->st == MQ_ACCESS)
		return access_timer(c, m);
	if (m->st != MQ_COLLECT)
		return PROBE_CONTINUE;
	int64_t now = pctx_now_ms(c);
	if (now >= m->window_end)
		return end_window(c, m);
	if (now >= m->next_ping) {
		uint8_t b[2];
		send_or_fail(c, b, mqtt_encode_pingreq(b, sizeof(b)));
		m->next_ping = now + MQ_PING_MS;
	}
	arm_collect_timer(c, m);
	return PROBE_CONTINUE;
}

/* ------------------------------------------------------------ connection life */

static enum probe_rc mq_init(struct pctx *c)
{
	struct mq *m = c->state;
	plan_init(&m->plan, c);
	hset_init(&m->seen, sizeof(struct seen_ent), 4, MQ_SEEN_MIN, MQ_SEEN_SLOTS / 4 * 3, NULL);
	m->best_rank = -1;
	m->best_class = CK_OTHER;
	new_client_id(c, m, false);
	if (access_on(c->cfg) || identities(c) > 1) {
		if (!(m->acc = calloc(1, sizeof(*m->acc))) ||
		    !(m->acc->id = calloc(identities(c), sizeof(*m->acc->id))))
			return PROBE_ERROR;
		m->acc->nid = identities(c);
		random_alnum(c, m->acc->rnd, sizeof(m->acc->rnd) - 1);
	}
	return m->plan.nver ? PROBE_CONTINUE : PROBE_ERROR;
}

static enum probe_rc mq_on_connected(struct pctx *c)
{
	struct mq *m = c->state;
	m->ver = cur_attempt(m)->version;
	m->accepted = m->finish_pending = false;
	m->capped = false;
	m->skip = 0;
	m->msgs = 0;
	m->bytes = 0;
	msw_err rc = send_connect(c, m);
	if (rc) {
		record_set_error(c->rec, "sending CONNECT: %s", msw_err_str(rc));
		return PROBE_ERROR;
	}
	set_state(m, MQ_WAIT_CONNACK);
	return PROBE_CONTINUE;
}

/* No CONNACK on this connection: what happened, for the version matrix and the record. */
static enum probe_rc closed_before_connack(struct pctx *c, struct mq *m, msw_err why)
{
	struct msw_record *r = c->rec;
	bool version_step = cur_attempt(m)->purpose == P_VERSION && !m->plan.nrun;
	if (cur_attempt(m)->purpose == P_RECHECK) { /* accepted before, no answer now */
		if (c->cls)
			cls_server_signal(c->cls, CLS_SIG_CONNACK_CHANGED, NULL, 0);
		return PROBE_DONE;
	}
	m->vres[vidx(m->ver)] = why == MSW_ERR_CLOSED    ? VR_CLOSED
				: why == MSW_ERR_TIMEOUT ? VR_TIMEOUT
							 : VR_ERROR;
	if (next_attempt(c, m, OUT_CLOSED, why) == NEXT_CONNECT)
		return reconnect(c, m);
	if (m->best_rank >= 0) { /* an earlier connection decided the verdict */
		if (!version_step)
			record_set_error(r, "follow-up connection got no CONNACK: %s",
					 msw_err_str(why));
		return PROBE_DONE;
	}
	if (why == MSW_ERR_CLOSED) {
		r->status = ST_CONNECTION_CLOSED;
		record_set_error(r, "connection closed after CONNECT without a CONNACK");
	} else if (why == MSW_ERR_TIMEOUT) {
		r->status = ST_IO_TIMEOUT;
		record_set_error(r, "no CONNACK before the timeout");
	} else if (why == MSW_ERR_TOO_BIG) {
		r->status = ST_PROTOCOL_ERROR;
		record_set_error(r, "reply larger than the receive cap");
	} else {
		return PROBE_ERROR; /* the engine maps the transport error */
	}
	return PROBE_DONE;
}

/* A connection ended under us after its CONNACK: another attempt, or the end. */
static enum probe_rc after_close(struct pctx *c, struct mq *m, int k)
{
	return next_attempt(c, m, k, MSW_OK) == NEXT_CONNECT ? PROBE_RECONNECT : PROBE_DONE;
}

static enum probe_rc mq_on_close(struct pctx *c, msw_err why)
{
	struct mq *m = c->state;
	struct msw_record *r = c->rec;
	enum mq_state st = m->st;

	m->accepted = false;
	pctx_timer(c, 0);
	set_state(m, MQ_IDLE);
	switch (st) {
	case MQ_WAIT_CONNACK:
		return closed_before_connack(c, m, why);
	case MQ_WAIT_SUBACK:
		if (why == MSW_ERR_CLOSED) {
			m->suback_seen = true; /* dropped for subscribing: read denied */
			record_set_error(r, "connection closed after SUBSCRIBE without a SUBACK");
		} else {
			r->status = why == MSW_ERR_TIMEOUT ? ST_IO_TIMEOUT : r->status;
			record_set_error(r, "no SUBACK: %s", msw_err_str(why));
		}
		return after_close(c, m, OUT_DONE);
	case MQ_COLLECT:
		if (why != MSW_ERR_TIMEOUT && why != MSW_ERR_INTERRUPTED)
			record_set_error(r, "connection ended during the listen window: %s",
					 msw_err_str(why));
		return after_close(c, m, OUT_DONE);
	case MQ_ACCESS:
		if (why != MSW_ERR_CLOSED) /* a timeout or an error is no refusal: stop here */
			return PROBE_DONE;
		access_lost(m);
		return after_close(c, m, OUT_DROPPED);
	default:
		/* the connection failed before CONNECT (a fallback or main-pass reconnect) */
		if (m->best_rank < 0)
			return PROBE_ERROR;
		if (cur_attempt(m)->purpose == P_RECHECK) {
			if (c->cls)
				cls_server_signal(c->cls, CLS_SIG_CONNACK_CHANGED, NULL, 0);
			return PROBE_DONE;
		}
		record_set_error(r, "follow-up connection failed: %s", msw_err_str(why));
		return PROBE_DONE;
	}
}

/* A filter or topic as the record shows it: a family seen on the broker is its data and
 * is redacted like the topic list (--evidence); our own filters are shown as they are.
 * NULL when out of memory. */
static char *acl_text(const struct pctx *c, const char *s, bool from_broker)
{
	char *red = from_broker ? cls_redact_topic(c->cfg, (const uint8_t *)s, strlen(s)) : NULL;
	return red ? red : strdup(s);
}

/* A copy of the map's rows as the record shows them (MSW_ERR_NOMEM: *out holds none). */
static msw_err acl_copy(const struct pctx *c, const struct acl_map *map, struct acl_rec *out)
{
	if (acl_rec_alloc(out, map->n))
		return MSW_ERR_NOMEM;
	for (size_t i = 0; i < map->n; i++) {
		const struct acl_row *r = &map->rows[i];
		struct acl_rec_row *w = &out->rows[i];
		bool family = r->origin == ACL_FAMILY;
		w->filter = acl_text(c, r->filter, family);
		w->read = r->read;
		w->write = r->write;
		w->suback = r->suback;
		w->puback = r->puback;
		w->write_topic = r->published ? acl_text(c, r->write_topic, family) : NULL;
		if (!w->filter || (r->published && !w->write_topic)) {
			acl_rec_free(out);
			return MSW_ERR_NOMEM;
		}
	}
	return MSW_OK;
}

static uint8_t record_write(int w)
{
	static const uint8_t of[] = {[ACL_WRITE_UNTESTED] = WRITE_UNTESTED,
				     [ACL_WRITE_CONFIRMED] = WRITE_CONFIRMED,
				     [ACL_WRITE_ACCEPTED] = WRITE_ACCEPTED,
				     [ACL_WRITE_DENIED] = WRITE_DENIED};
	return of[w];
}

/* Each account of a run with several: who it is (never its password), its verdict, what
 * its main pass read and its access map. Identity 0's verdict is the record's. */
static void accounts_copy(struct pctx *c, struct mq *m, struct mqtt_access_rec *out)
{
	if (!(out->accounts = calloc(m->acc->nid, sizeof(*out->accounts))))
		return;
	for (size_t i = 0; i < m->acc->nid; i++) {
		const struct ident *id = &m->acc->id[i];
		struct access_account_rec *o = &out->accounts[out->naccounts];
		const char *user, *pass;
		identity_creds(c, (unsigned)i, &user, &pass);
		if (user && !(o->user = strdup(user)))
			break;
		o->auth = i ? (enum msw_auth)id->auth : c->rec->auth;
		o->read_access = i ? (enum msw_read_access)id->read : c->rec->read_access;
		o->write_access = id->built ? (enum msw_write_access)record_write(acl_proof_write(&id->map))
					    : WRITE_UNTESTED;
		o->messages = i ? id->messages : c->rec->messages_total;
		o->mapped = id->built && !acl_copy(c, &id->map, &o->acl);
		out->naccounts++;
	}
}

/* The verdicts of the access maps and the write proofs, into the record. */
static void access_finish(struct pctx *c, struct mq *m)
{
	struct msw_record *r = c->rec;
	struct access *a = m->acc;
	struct acl_map *maps[MSW_MAX_ACCOUNTS];
	struct mqtt_access_rec *rec = NULL;
	if (!a)
		return;
	for (size_t i = 0; i < a->nid && i < MSW_MAX_ACCOUNTS; i++)
		maps[i] = a->id[i].built ? &a->id[i].map : NULL;
	acl_verdicts(maps, a->nid < MSW_MAX_ACCOUNTS ? a->nid : MSW_MAX_ACCOUNTS);
	if (a->id[0].built || a->nid > 1)
		rec = record_block_new(r, &mqtt_access_table);
	if (a->id[0].built) {
		int w = acl_proof_write(&a->id[0].map);
		if (w != ACL_WRITE_UNTESTED)
			r->write_access = record_write(w);
		if (rec)
			rec->mapped = !acl_copy(c, &a->id[0].map, &rec->acl);
	}
	if (a->nid > 1 && rec)
		accounts_copy(c, m, rec);
	for (size_t i = 0; i < a->nid; i++)
		acl_map_free(&a->id[i].map);
	acl_families_free(&a->fam);
	free(a->id);
	free(a);
	m->acc = NULL;
}

static void fill_versions(struct pctx *c, struct mq *m)
{
	struct msw_record *r = c->rec;
	const struct plan *p = &m->plan;
	if (!p->matrix && versions_run(p) < 2)
		return;
	r->versions.set = true;
	r->versions.planned = 0;
	for (int i = 0; i < 3; i++) {
		for (unsigned j = 0; j < p->nver; j++)
			if (p->a[j].version == i + MQTT_V31)
				r->versions.planned |= (uint8_t)(1u << i);
		r->versions.v[i] = m->vres[i];
	}
}

static void mq_finish(struct pctx *c)
{
	struct mq *m = c->state;
	struct msw_record *r = c->rec;

	set_state(m, MQ_IDLE); /* fixes the read verdict of a main pass still open */
	r->read_access = m->read0;
	if (!r->error && m->oversized)
		record_set_error(r, "%u PUBLISH over --max-packet skipped unread", m->oversized);
	else if (!r->error && m->bad_topics)
		record_set_error(
			r,
			"%u PUBLISH with an invalid topic name (not UTF-8, NUL, '+' or '#'; protocol violation, kept)",
			m->bad_topics);
	fill_versions(c, m);
	access_finish(c, m);
	hset_free(&m->seen);
	memset(m->rnd_pass, 0, sizeof(m->rnd_pass));
	plan_free(&m->plan);
}

const struct probe probe_mqtt = {
	.name = "mqtt",
	.default_port = 1883,
	.state_size = sizeof(struct mq),
	.max_input = MQ_MAX_INPUT,
	.init = mq_init,
	.on_connected = mq_on_connected,
	.on_data = mq_on_data,
	.on_timer = mq_on_timer,
	.on_close = mq_on_close,
	.finish = mq_finish,
	.help = "MQTT 3.1/3.1.1/5.0: CONNACK verdict, optional subscription to # and $SYS/#",
};
