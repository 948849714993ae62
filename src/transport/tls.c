/* layer_tls: OpenSSL 3 client, non-blocking, over whatever layer is below.
 *
 * I/O goes through a custom BIO whose read/write call below->ops->recv/send, so TLS runs
 * over tcp (or anything else) and never touches the socket itself; WANT_READ becomes
 * MSW_ERR_AGAIN. One SSL_CTX per scan (created lazily under a mutex, shared by reference),
 * one SSL per connection.
 *
 * An invalid certificate never stops the audit: the context does not verify during the
 * handshake (SSL_VERIFY_NONE, security level 0, TLS 1.0..1.3 offered); after it, the
 * verdicts are computed by tlsinfo.c against the trust store (system CAs or --cafile).
 * A CertificateRequest and any alert are seen by the message callback, which is how a
 * broker that demands a client certificate is told apart from other failures — in TLS 1.3
 * the refusal only arrives after our Finished, so in that case handshake() waits (at most
 * TLS_VERDICT_MS) for the server's verdict: an alert (refused → MSW_ERR_TLS, like a TLS 1.2
 * handshake failure) or a session ticket / data (accepted).
 *
 * --tls-legacy-check: a second, non-blocking connection to the same address offers only
 * TLS 1.0/1.1 (security level 0). It is opened in open() and stepped on every handshake()
 * call, so it runs alongside the main handshake; the engine is edge-triggered and only
 * wakes us for the main socket, so if the side check is still running when the main
 * handshake is done, handshake() finishes it with poll() on the side socket, at most
 * TLS_LEGACY_WAIT_MS (the only place the layer blocks; opt-in, and on a LAN the check is
 * done by then). A check that did not finish is recorded as null (unknown). The result is
 * remembered per ip:port, so the probe's later reconnections do not repeat it. If the main
 * handshake itself negotiated TLS 1.0/1.1, that is the answer and no side check is kept. */
#include "transport/tls.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include "base/config.h"
#include "base/target.h"
#include "base/record.h"
#include "transport/layer.h"
#include "transport/tlsinfo.h"

#define TLS_LEGACY_MS      3000 /* whole side check */
#define TLS_LEGACY_WAIT_MS 1000 /* blocking tail after the main handshake */
#define TLS_VERDICT_MS     1500
#define TLS_MEMO_SLOTS     256
#define TLS_PSK_MAX        64
#define TLS_RX_PER_CALL    (64u * 1024u) /* bytes one recv() may pull through OpenSSL */

enum tls_phase { TP_HANDSHAKE, TP_VERDICT, TP_OPEN, TP_FAILED };

struct legacy {
	int fd;
	SSL *ssl;
	bool connected;
	int64_t deadline_ms;
};

struct tls_state {
	struct layer *self;
	enum tls_phase ph;
	SSL *ssl;
	SSL_CTX *ctx;
	const struct msw_config *cfg;
	char ip[64];
	uint16_t port;
	char host[256]; /* name as given, "" when targeted by address */
	struct sockaddr_storage sa;
	socklen_t salen;
	msw_err io_err; /* error from the layer below seen inside the BIO */
	bool below_eof;
	bool have_cert;      /* --cert/--key configured */
	bool cert_requested; /* CertificateRequest seen */
	bool handshake_done;
	bool ticket_seen; /* a TLS 1.3 NewSessionTicket: the server accepted us */
	int64_t verdict_deadline;
	int alert_rcvd; /* alert description received, -1 none */
	char err[256];
	struct legacy *lg;
	int legacy;         /* -1 not tested, 0 refused, 1 accepted */
	int legacy_version; /* protocol the legacy attempt got */
	bool in_recv;       /* inside tls_recv(): bio_read() counts against rx_left */
	bool rx_capped;     /* ... and stopped at the cap */
	size_t rx_left;
};

/* ---- the scan's SSL_CTX ---- */

static pthread_mutex_t ctx_mu = PTHREAD_MUTEX_INITIALIZER;
static SSL_CTX *g_ctx;
static char *g_key; /* the configuration the context was built from */
static int g_state_idx = -1;

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *cfg_key(const struct msw_config *cfg)
{
	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "%s\n%s\n%s\n%s\n%s\n%d",
			 cfg && cfg->ca_file ? cfg->ca_file : "",
			 cfg && cfg->cert_file ? cfg->cert_file : "",
			 cfg && cfg->key_file ? cfg->key_file : "", cfg && cfg->psk ? cfg->psk : "",
			 cfg && cfg->psk_identity ? cfg->psk_identity : "", cfg && cfg->insecure);
	return n < 0 || (size_t)n >= sizeof(buf) ? NULL : strdup(buf);
}

static int hexval(int c)
{
	return c >= '0' && c <= '9'   ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10
				      : -1;
}

/* --psk is hex, as in mosquitto's psk_file and mosquitto_sub --psk. */
static int psk_decode(const char *hex, unsigned char *out, size_t max)
{
	size_t n = strlen(hex);
	if (!n || n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		int a = hexval((unsigned char)hex[2 * i]),
		    b = hexval((unsigned char)hex[2 * i + 1]);
		if (a < 0 || b < 0)
			return -1;
		out[i] = (unsigned char)(a << 4 | b);
	}
	return (int)(n / 2);
}

static unsigned int psk_cb(SSL *ssl, const char *hint, char *identity, unsigned int max_id,
			   unsigned char *psk, unsigned int max_psk)
{
	struct tls_state *s = SSL_get_ex_data(ssl, g_state_idx);
	if (!s || !s->cfg || !s->cfg->psk)
		return 0;
	const char *id = s->cfg->psk_identity ? s->cfg->psk_identity : "mqttsweep";
	if (strlen(id) >= max_id)
		return 0;
	memcpy(identity, id, strlen(id) + 1);
	int n = psk_decode(s->cfg->psk, psk, max_psk < TLS_PSK_MAX ? max_psk : TLS_PSK_MAX);
	return n < 0 ? 0 : (unsigned int)n;
}

static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
		   SSL *ssl, void *arg)
{
	struct tls_state *s = SSL_get_ex_data(ssl, g_state_idx);
	const unsigned char *b = buf;
	if (!s || write_p || !len)
		return;
	if (content_type == SSL3_RT_HANDSHAKE && b[0] == SSL3_MT_CERTIFICATE_REQUEST)
		s->cert_requested = true;
	else if (content_type == SSL3_RT_HANDSHAKE && b[0] == SSL3_MT_NEWSESSION_TICKET)
		s->ticket_seen = true;
	else if (content_type == SSL3_RT_ALERT && len >= 2)
		s->alert_rcvd = b[1];
}

/* TLS alert names (RFC 8446 §6, RFC 5246 §7.2): OpenSSL 3.0 has no names for the
 * TLS 1.3 ones (certificate_required prints as "unknown"). */
static const char *alert_name(int a)
{
	switch (a) {
	case 0:
		return "close_notify";
	case 10:
		return "unexpected_message";
	case 20:
		return "bad_record_mac";
	case 22:
		return "record_overflow";
	case 40:
		return "handshake_failure";
	case 42:
		return "bad_certificate";
	case 43:
		return "unsupported_certificate";
	case 44:
		return "certificate_revoked";
	case 45:
		return "certificate_expired";
	case 46:
		return "certificate_unknown";
	case 47:
		return "illegal_parameter";
	case 48:
		return "unknown_ca";
	case 49:
		return "access_denied";
	case 50:
		return "decode_error";
	case 51:
		return "decrypt_error";
	case 70:
		return "protocol_version";
	case 71:
		return "insufficient_security";
	case 80:
		return "internal_error";
	case 86:
		return "inappropriate_fallback";
	case 90:
		return "user_canceled";
	case 109:
		return "missing_extension";
	case 110:
		return "unsupported_extension";
	case 112:
		return "unrecognized_name";
	case 113:
		return "bad_certificate_status_response";
	case 115:
		return "unknown_psk_identity";
	case 116:
		return "certificate_required";
	case 120:
		return "no_application_protocol";
	default:
		return "unknown";
	}
}

static void ssl_err_text(char *out, size_t outsz, const char *fallback)
{
	unsigned long e = ERR_peek_last_error();
	if (e)
		ERR_error_string_n(e, out, outsz);
	else
		snprintf(out, outsz, "%s", fallback);
}

/* A configuration error: "what: first OpenSSL reason" (the first queued error names the
 * cause, e.g. "no start line"; later ones only say which layer passed it up). */
static msw_err cfg_fail(char *err, size_t errsz, const char *what, const char *file)
{
	unsigned long e = ERR_peek_error();
	const char *reason = e ? ERR_reason_error_string(e) : NULL;
	snprintf(err, errsz, "%s%s%s: %s", what, file ? " " : "", file ? file : "",
		 reason ? reason : "failed");
	ERR_clear_error();
	return MSW_ERR_USAGE;
}

static msw_err ctx_client_cert(SSL_CTX *ctx, const struct msw_config *cfg, char *err, size_t errsz)
{
	const char *cert = cfg->cert_file, *key = cfg->key_file ? cfg->key_file : cfg->cert_file;
	if (!cert) {
		snprintf(err, errsz, "--key needs --cert");
		return MSW_ERR_USAGE;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		return cfg_fail(err, errsz, "--cert", cert);
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		return cfg_fail(err, errsz, "--key", key);
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ERR_clear_error();
		snprintf(err, errsz, "--key %s does not match --cert %s", key, cert);
		return MSW_ERR_USAGE;
	}
	return MSW_OK;
}

static msw_err ctx_setup(SSL_CTX *ctx, const struct msw_config *cfg, char *err, size_t errsz)
{
	SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_msg_callback(ctx, msg_cb);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS); /* idle connections hold no buffers */
	if (SSL_CTX_set_cipher_list(ctx, cfg && cfg->psk ? "PSK:DEFAULT:@SECLEVEL=0"
							 : "DEFAULT:@SECLEVEL=0") != 1)
		return cfg_fail(err, errsz, "cipher list", NULL);
	if (cfg && cfg->psk) {
		unsigned char tmp[TLS_PSK_MAX];
		if (psk_decode(cfg->psk, tmp, sizeof(tmp)) < 0) {
			snprintf(err, errsz, "--psk must be 1..%d bytes of hex", TLS_PSK_MAX);
			return MSW_ERR_USAGE;
		}
		SSL_CTX_set_psk_client_callback(ctx, psk_cb);
		SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	}
	if (cfg && cfg->ca_file) {
		if (SSL_CTX_load_verify_locations(ctx, cfg->ca_file, NULL) != 1)
			return cfg_fail(err, errsz, "--cafile", cfg->ca_file);
	} else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
		return cfg_fail(err, errsz, "system CA store", NULL);
	}
	if (cfg && (cfg->cert_file || cfg->key_file))
		return ctx_client_cert(ctx, cfg, err, errsz);
	return MSW_OK;
}

/* Returns a referenced SSL_CTX for cfg (caller SSL_CTX_free()s it). */
static msw_err ctx_get(const struct msw_config *cfg, SSL_CTX **out, char *err, size_t errsz)
{
	msw_err rc = MSW_OK;
	char *key = cfg_key(cfg);
	*out = NULL;
	if (!key)
		return MSW_ERR_NOMEM;
	pthread_mutex_lock(&ctx_mu);
	if (g_state_idx < 0)
		g_state_idx = SSL_get_ex_new_index(0, "msw tls state", NULL, NULL, NULL);
	if (!g_ctx || strcmp(g_key, key) != 0) {
		SSL_CTX *c = SSL_CTX_new(TLS_client_method());
		rc = c ? ctx_setup(c, cfg, err, errsz) : MSW_ERR_NOMEM;
		if (rc) {
			SSL_CTX_free(c);
		} else {
			SSL_CTX_free(g_ctx);
			free(g_key);
			g_ctx = c;
			g_key = key;
			key = NULL;
		}
	}
	if (!rc && SSL_CTX_up_ref(g_ctx) == 1)
		*out = g_ctx;
	else if (!rc)
		rc = MSW_ERR_INTERNAL;
	pthread_mutex_unlock(&ctx_mu);
	free(key);
	return rc;
}

msw_err tls_global_init(const struct msw_config *cfg, char *err, size_t errsz)
{
	SSL_CTX *c = NULL;
	if (errsz)
		err[0] = '\0';
	msw_err rc = ctx_get(cfg, &c, err, errsz);
	SSL_CTX_free(c);
	return rc;
}

void tls_global_free(void)
{
	pthread_mutex_lock(&ctx_mu);
	SSL_CTX_free(g_ctx);
	free(g_key);
	g_ctx = NULL;
	g_key = NULL;
	pthread_mutex_unlock(&ctx_mu);
}

/* ---- legacy-protocol memo per ip:port ---- */

struct lg_memo {
	char ip[64];
	uint16_t port;
	int8_t result;
	int version;
	bool used;
};
static struct lg_memo lg_memo[TLS_MEMO_SLOTS];
static size_t lg_clock;

static bool lg_memo_get(const char *ip, uint16_t port, int *result, int *version)
{
	bool found = false;
	pthread_mutex_lock(&ctx_mu);
	for (size_t i = 0; i < TLS_MEMO_SLOTS && !found; i++) {
		if (lg_memo[i].used && lg_memo[i].port == port && !strcmp(lg_memo[i].ip, ip)) {
			*result = lg_memo[i].result;
			*version = lg_memo[i].version;
			found = true;
		}
	}
	pthread_mutex_unlock(&ctx_mu);
	return found;
}

static void lg_memo_set(const char *ip, uint16_t port, int result, int version)
{
	pthread_mutex_lock(&ctx_mu);
	struct lg_memo *m = &lg_memo[lg_clock++ % TLS_MEMO_SLOTS];
	snprintf(m->ip, sizeof(m->ip), "%s", ip);
	m->port = port;
	m->result = (int8_t)result;
	m->version = version;
	m->used = true;
	pthread_mutex_unlock(&ctx_mu);
}

/* ---- the BIO over the layer below ---- */

static BIO_METHOD *g_meth;
static pthread_once_t meth_once = PTHREAD_ONCE_INIT;

static int bio_write(BIO *b, const char *p, int n)
{
	struct tls_state *s = BIO_get_data(b);
	struct layer *below = s->self->below;
	BIO_clear_retry_flags(b);
	if (n <= 0)
		return 0;
	msw_err rc = below->ops->send(below, (const uint8_t *)p, (size_t)n);
	if (rc) {
		s->io_err = rc;
		return -1;
	}
	return n;
}

static int bio_read(BIO *b, char *p, int n)
{
	struct tls_state *s = BIO_get_data(b);
	struct layer *below = s->self->below;
	size_t got = 0;
	BIO_clear_retry_flags(b);
	if (n <= 0)
		return 0;
	if (s->in_recv && !s->rx_left) { /* see tls_recv(): as if nothing were there yet */
		s->rx_capped = true;
		BIO_set_retry_read(b);
		return -1;
	}
	if (s->in_recv && (size_t)n > s->rx_left)
		n = (int)s->rx_left;
	msw_err rc = below->ops->recv(below, (uint8_t *)p, (size_t)n, &got);
	if (s->in_recv)
		s->rx_left -= got;
	if (!rc)
		return (int)got;
	if (rc == MSW_ERR_AGAIN) {
		BIO_set_retry_read(b);
		return -1;
	}
	if (rc == MSW_ERR_CLOSED) {
		s->below_eof = true;
		return 0;
	}
	s->io_err = rc;
	return -1;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static void meth_init(void)
{
	g_meth = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "msw-layer");
	if (!g_meth)
		return;
	BIO_meth_set_write(g_meth, bio_write);
	BIO_meth_set_read(g_meth, bio_read);
	BIO_meth_set_ctrl(g_meth, bio_ctrl);
}

/* ---- open ---- */

static bool is_ip_literal(const char *h)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, h, buf) == 1 || inet_pton(AF_INET6, h, buf) == 1;
}

static bool legacy_start(struct tls_state *s);

static msw_err tls_open(struct layer *l, const struct msw_target *t, const struct msw_config *cfg)
{
	struct tls_state *s = l->state;
	s->self = l;
	s->cfg = cfg;
	s->alert_rcvd = -1;
	s->legacy = -1;
	snprintf(s->ip, sizeof(s->ip), "%s", t->ip);
	s->port = t->port;
	if (t->hostname)
		snprintf(s->host, sizeof(s->host), "%s", t->hostname);
	memcpy(&s->sa, &t->sa, sizeof(s->sa));
	s->salen = t->salen;
	s->have_cert = cfg && cfg->cert_file;
	if (!l->below)
		return MSW_ERR_INTERNAL;
	pthread_once(&meth_once, meth_init);
	if (!g_meth)
		return MSW_ERR_NOMEM;
	char why[200] = "";
	msw_err rc = ctx_get(cfg, &s->ctx, why, sizeof(why));
	if (rc == MSW_ERR_USAGE) {
		/* a bad --cafile/--cert/--key/--psk: fail in handshake() so that describe() can
		 * put the reason in the record (main should have caught it via tls_global_init) */
		snprintf(s->err, sizeof(s->err), "TLS configuration: %s", why);
		s->ph = TP_FAILED;
		return MSW_OK;
	}
	if (rc)
		return rc;
	s->ssl = SSL_new(s->ctx);
	BIO *b = s->ssl ? BIO_new(g_meth) : NULL;
	if (!b)
		return MSW_ERR_NOMEM;
	BIO_set_data(b, s);
	BIO_set_init(b, 1);
	SSL_set_bio(s->ssl, b, b);
	SSL_set_ex_data(s->ssl, g_state_idx, s);
	SSL_set_connect_state(s->ssl);
	if (s->host[0] && !is_ip_literal(s->host))
		SSL_set_tlsext_host_name(s->ssl, s->host);
	if (cfg && cfg->tls_legacy_check &&
	    !lg_memo_get(s->ip, s->port, &s->legacy, &s->legacy_version))
		(void)legacy_start(s); /* could not start: the verdict stays unknown */
	return MSW_OK;
}

/* ---- legacy side check ---- */

static void legacy_end(struct tls_state *s, int result, int version, bool memo)
{
	if (s->lg) {
		SSL_free(s->lg->ssl);
		if (s->lg->fd >= 0)
			close(s->lg->fd);
		free(s->lg);
		s->lg = NULL;
	}
	s->legacy = result;
	s->legacy_version = version;
	if (memo)
		lg_memo_set(s->ip, s->port, result, version);
}

static bool legacy_start(struct tls_state *s)
{
	int fd = socket(s->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct legacy *g = fd >= 0 ? calloc(1, sizeof(*g)) : NULL;
	if (!g) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	g->fd = fd;
	g->deadline_ms = mono_ms() + TLS_LEGACY_MS;
	if (connect(fd, (struct sockaddr *)&s->sa, s->salen) == 0)
		g->connected = true;
	else if (errno != EINPROGRESS) {
		close(fd);
		free(g);
		return false;
	}
	g->ssl = SSL_new(s->ctx);
	if (!g->ssl || SSL_set_fd(g->ssl, fd) != 1) {
		SSL_free(g->ssl);
		close(fd);
		free(g);
		return false;
	}
	SSL_set_security_level(g->ssl, 0);
	SSL_set_cipher_list(g->ssl, "DEFAULT:@SECLEVEL=0");
	SSL_set_min_proto_version(g->ssl, TLS1_VERSION);
	SSL_set_max_proto_version(g->ssl, TLS1_1_VERSION);
	SSL_set_connect_state(g->ssl);
	if (s->host[0] && !is_ip_literal(s->host))
		SSL_set_tlsext_host_name(g->ssl, s->host);
	s->lg = g;
	return true;
}

/* One non-blocking step; true when finished (s->legacy set). *events: what to wait for. */
static bool legacy_step(struct tls_state *s, short *events)
{
	struct legacy *g = s->lg;
	*events = POLLIN;
	if (mono_ms() > g->deadline_ms) {
		legacy_end(s, -1, 0, false); /* unknown: no answer within the limit */
		return true;
	}
	if (!g->connected) {
		struct pollfd pf = {.fd = g->fd, .events = POLLOUT};
		*events = POLLOUT;
		if (poll(&pf, 1, 0) <= 0)
			return false;
		int so_err = 0;
		socklen_t el = sizeof(so_err);
		if (getsockopt(g->fd, SOL_SOCKET, SO_ERROR, &so_err, &el) != 0 || so_err) {
			legacy_end(s, -1, 0, false);
			return true;
		}
		g->connected = true;
	}
	ERR_clear_error();
	int r = SSL_do_handshake(g->ssl);
	if (r == 1) {
		legacy_end(s, 1, SSL_version(g->ssl), true);
		return true;
	}
	int ssl_err = SSL_get_error(g->ssl, r);
	if (ssl_err == SSL_ERROR_WANT_READ || ssl_err == SSL_ERROR_WANT_WRITE) {
		*events = ssl_err == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
		return false;
	}
	ERR_clear_error();
	legacy_end(s, 0, 0, true); /* refused: an alert or a close */
	return true;
}

/* The blocking tail (see the file comment). */
static void legacy_finish(struct tls_state *s)
{
	int64_t until = mono_ms() + TLS_LEGACY_WAIT_MS;
	short ev;
	while (s->lg && !legacy_step(s, &ev)) {
		int64_t left = until - mono_ms();
		if (left <= 0) {
			legacy_end(s, -1, 0, false);
			return;
		}
		struct pollfd pf = {.fd = s->lg->fd, .events = ev};
		poll(&pf, 1, (int)left);
	}
}

/* ---- handshake ---- */

static msw_err failed(struct tls_state *s, const char *what)
{
	char why[200];
	if (s->io_err)
		snprintf(why, sizeof(why), "%s", msw_err_str(s->io_err));
	else if (s->below_eof)
		snprintf(why, sizeof(why), "connection closed by peer");
	else
		ssl_err_text(why, sizeof(why), "unknown TLS error");
	if (s->alert_rcvd >= 0)
		snprintf(s->err, sizeof(s->err), "%s: %s (alert %s)", what, why,
			 alert_name(s->alert_rcvd));
	else
		snprintf(s->err, sizeof(s->err), "%s: %s", what, why);
	ERR_clear_error();
	s->ph = TP_FAILED;
	return s->io_err == MSW_ERR_NOMEM ? MSW_ERR_NOMEM : MSW_ERR_TLS;
}

static bool below_pending(struct layer *l)
{
	for (struct layer *b = l->below; b; b = b->below)
		if (b->ops->pending_out && b->ops->pending_out(b))
			return true;
	return false;
}

static bool version_is_legacy(int v)
{
	return v == TLS1_VERSION || v == TLS1_1_VERSION || v == SSL3_VERSION;
}

/* After the main handshake: the legacy verdict from the main session, or the side check. */
static void finish_legacy(struct tls_state *s)
{
	s->ph = TP_OPEN;
	if (version_is_legacy(SSL_version(s->ssl))) {
		if (s->lg)
			legacy_end(s, -1, 0, false);
		s->legacy = 1;
		s->legacy_version = SSL_version(s->ssl);
		return;
	}
	if (s->lg)
		legacy_finish(s);
}

/* TLS 1.3 with a CertificateRequest we could not answer: the server's verdict comes after
 * our Finished — an alert (refused) or a session ticket / data (accepted). Waits for it
 * (checked on each wake-up; past TLS_VERDICT_MS we go on), so that a refusal is a
 * handshake failure like in TLS 1.2. A server that sends neither leaves us waiting for the
 * engine's io timeout.
 * MSW_OK: go on; MSW_ERR_AGAIN: poll again; else failed. */
static msw_err await_verdict(struct tls_state *s)
{
	uint8_t b;
	size_t g = 0;
	ERR_clear_error();
	s->io_err = MSW_OK;
	s->in_recv = true; /* the same cap as tls_recv(): a ticket flood ends the wait */
	s->rx_capped = false;
	s->rx_left = TLS_RX_PER_CALL;
	int r = SSL_peek_ex(s->ssl, &b, 1, &g);
	s->in_recv = false;
	if (r == 1 || s->ticket_seen)
		return MSW_OK;
	int ssl_err = SSL_get_error(s->ssl, r);
	if (ssl_err == SSL_ERROR_WANT_READ || ssl_err == SSL_ERROR_WANT_WRITE) {
		ERR_clear_error();
		return mono_ms() > s->verdict_deadline ? MSW_OK : MSW_ERR_AGAIN;
	}
	return failed(s, "TLS handshake failed");
}

static msw_err do_handshake(struct layer *l, struct tls_state *s, bool *want_write)
{
	ERR_clear_error();
	s->io_err = MSW_OK;
	int r = SSL_do_handshake(s->ssl);
	if (r != 1) {
		int ssl_err = SSL_get_error(s->ssl, r);
		if (ssl_err == SSL_ERROR_WANT_READ || ssl_err == SSL_ERROR_WANT_WRITE) {
			*want_write = ssl_err == SSL_ERROR_WANT_WRITE || below_pending(l);
			return MSW_ERR_AGAIN;
		}
		return failed(s, "TLS handshake failed");
	}
	s->handshake_done = true;
	if (SSL_version(s->ssl) == TLS1_3_VERSION && s->cert_requested && !s->have_cert) {
		s->ph = TP_VERDICT;
		s->verdict_deadline = mono_ms() + TLS_VERDICT_MS;
	} else {
		finish_legacy(s);
	}
	return MSW_OK;
}

static msw_err tls_handshake(struct layer *l, bool *want_write)
{
	struct tls_state *s = l->state;
	msw_err rc;
	*want_write = false;
	if (!l->below->ready) {
		rc = l->below->ops->handshake(l->below, want_write);
		if (rc)
			return rc;
	}
	short ev;
	if (s->lg)
		(void)legacy_step(s, &ev); /* alongside the main handshake */
	if (s->ph == TP_HANDSHAKE && (rc = do_handshake(l, s, want_write)))
		return rc;
	if (s->ph == TP_VERDICT) {
		rc = await_verdict(s);
		if (rc)
			return rc;
		finish_legacy(s);
	}
	if (s->ph != TP_OPEN)
		return MSW_ERR_TLS;
	l->ready = true;
	return MSW_OK;
}

/* ---- data ---- */

static msw_err tls_send(struct layer *l, const uint8_t *p, size_t n)
{
	struct tls_state *s = l->state;
	size_t w = 0;
	if (s->ph != TP_OPEN)
		return MSW_ERR_TLS;
	if (!n)
		return MSW_OK;
	ERR_clear_error();
	s->io_err = MSW_OK;
	if (SSL_write_ex(s->ssl, p, n, &w) == 1 && w == n)
		return MSW_OK;
	if (s->io_err && s->io_err != MSW_ERR_TLS)
		return s->io_err;
	return failed(s, "TLS write failed");
}

static msw_err tls_recv(struct layer *l, uint8_t *p, size_t n, size_t *got)
{
	struct tls_state *s = l->state;
	*got = 0;
	if (s->ph != TP_OPEN)
		return s->ph == TP_FAILED ? MSW_ERR_TLS : MSW_ERR_CLOSED;
	if (!n)
		return MSW_OK;
	ERR_clear_error();
	s->io_err = MSW_OK;
	/* OpenSSL reads on through records without data (session tickets, key updates) while
	 * input lasts: cap the bytes one call takes, so a flooding peer cannot keep the engine
	 * here; capped with nothing to give, the call returns MSW_OK and no data, and the
	 * engine calls again on its next turn (the rest is still in the socket) */
	s->in_recv = true;
	s->rx_capped = false;
	s->rx_left = TLS_RX_PER_CALL;
	int r = SSL_read_ex(s->ssl, p, n, got);
	s->in_recv = false;
	if (r == 1)
		return MSW_OK;
	switch (SSL_get_error(s->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return s->rx_capped ? MSW_OK : MSW_ERR_AGAIN;
	case SSL_ERROR_WANT_WRITE:
		return MSW_ERR_AGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return MSW_ERR_CLOSED; /* close_notify */
	case SSL_ERROR_SYSCALL:
		if (s->below_eof && !ERR_peek_error())
			return MSW_ERR_CLOSED; /* EOF without close_notify */
					       /* fall through */
	default:
		if (s->io_err && s->io_err != MSW_ERR_TLS && !ERR_peek_error())
			return s->io_err;
		return failed(s, "TLS read failed");
	}
}

/* ---- record ---- */

bool tls_client_cert_required(const struct layer *l)
{
	const struct tls_state *s = l->state;
	if (!s->cert_requested || s->have_cert)
		return false;
	/* refused after asking: a failed handshake, or a fatal alert afterwards (TLS 1.3) */
	return s->ph == TP_FAILED || (s->alert_rcvd >= 0 && s->alert_rcvd != SSL_AD_CLOSE_NOTIFY);
}

const char *tls_last_error(const struct layer *l)
{
	const struct tls_state *s = l->state;
	return s->err;
}

static enum msw_tsec security_verdict(const struct tls_state *s, const struct tls_verdicts *v,
				      bool psk)
{
	/* our certificate was asked for, sent, and the session did not fail afterwards */
	bool mutual = s->have_cert && s->cert_requested && s->ph != TP_FAILED;
	if (psk)
		return TSEC_TLS_VERIFIED; /* both sides proved the pre-shared key */
	if (mutual)
		return TSEC_MTLS;
	bool verified =
		v->chain_verified && !v->hostname_mismatch && !v->expired && !v->not_yet_valid;
	return verified ? TSEC_TLS_VERIFIED : TSEC_TLS_UNVERIFIED;
}

static void add_cert_facts(struct tls_info *o, struct tls_state *s)
{
	X509 *cert = SSL_get0_peer_certificate(s->ssl);
	const SSL_CIPHER *c = SSL_get_current_cipher(s->ssl);
	o->facts = true;
	o->psk = c && SSL_CIPHER_get_auth_nid(c) == NID_auth_psk;
	snprintf(o->version, sizeof(o->version), "%s", SSL_get_version(s->ssl));
	snprintf(o->cipher, sizeof(o->cipher), "%s", c ? SSL_CIPHER_get_name(c) : "");
	if (!cert || !(o->cert = calloc(1, sizeof(*o->cert))))
		return;
	if (tlsinfo_cert(cert, o->cert) != MSW_OK) {
		tls_cert_free(o->cert);
		free(o->cert);
		o->cert = NULL;
		return;
	}
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(s->ssl);
	bool skip = s->cfg && s->cfg->insecure; /* --insecure: facts yes, trust no */
	X509_STORE *store = skip ? NULL : SSL_CTX_get_cert_store(s->ctx);
	tlsinfo_verdicts(cert, chain, store, s->host[0] ? s->host : NULL, s->ip, time(NULL), &o->v);
	o->chain_length = chain ? sk_X509_num(chain) : 0;
	o->insecure = skip;
	o->verify_error = o->v.verify_error ? X509_verify_cert_error_string(o->v.verify_error) : NULL;
}

static void tls_describe(struct layer *l, struct msw_record *rec)
{
	struct tls_state *s = l->state;
	struct tls_info *o;
	record_block_drop(rec, &tls_table); /* this connection's view replaces an earlier one */
	if (!(o = record_block_new(rec, &tls_table)))
		return;
	o->handshake_ok = s->handshake_done && !tls_client_cert_required(l);
	/* a handshake that failed after the server's Certificate (e.g. a TLS 1.2 client
	 * certificate demand) still shows the certificate: record it as evidence */
	if (s->handshake_done || (s->ssl && SSL_get0_peer_certificate(s->ssl)))
		add_cert_facts(o, s);
	o->legacy = s->legacy;
	if (s->legacy >= 0 && s->legacy_version)
		o->legacy_version = s->legacy_version == TLS1_VERSION     ? "TLSv1"
				    : s->legacy_version == TLS1_1_VERSION ? "TLSv1.1"
									  : "SSLv3";
	o->client_cert_requested = s->cert_requested;
	o->client_cert_sent = s->have_cert && s->cert_requested;
	bool ccr = tls_client_cert_required(l);
	o->client_cert_required = ccr;
	o->alert = s->alert_rcvd >= 0 ? s->alert_rcvd : -1;
	o->alert_name = s->alert_rcvd >= 0 ? alert_name(s->alert_rcvd) : NULL;
	if (s->host[0] && !is_ip_literal(s->host))
		o->sni = strdup(s->host);
	if (s->err[0]) {
		o->error = strdup(s->err);
		if (!rec->error)
			record_set_error(rec, "%s", s->err);
	} else if (s->ph == TP_OPEN && rec->error && !strncmp(rec->error, "TLS ", 4)) {
		free(rec->error); /* an earlier connection's TLS failure: this one worked */
		rec->error = NULL;
	}
	if (ccr)
		rec->auth = AUTH_CLIENT_CERT_REQUIRED;
	rec->transport_security = s->handshake_done ? security_verdict(s, &o->v, o->psk) : TSEC_UNSET;
}

static bool tls_query(struct layer *l, enum layer_query q)
{
	struct tls_state *s = l->state;
	return q == LQ_PEER_CERT && s->ssl && SSL_get0_peer_certificate(s->ssl);
}

static void tls_destroy(struct layer *l)
{
	struct tls_state *s = l->state;
	if (!s)
		return;
	if (s->lg)
		legacy_end(s, -1, 0, false); /* unfinished: remember nothing */
	if (s->ssl) {
		if (s->ph == TP_OPEN && !s->io_err && !s->below_eof) {
			ERR_clear_error();
			SSL_shutdown(s->ssl); /* best effort close_notify */
		}
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	ERR_clear_error();
	SSL_CTX_free(s->ctx);
	s->ctx = NULL;
}

const struct layer_ops layer_tls = {
	.name = "tls",
	.state_size = sizeof(struct tls_state),
	.open = tls_open,
	.handshake = tls_handshake,
	.send = tls_send,
	.recv = tls_recv,
	.pending_out = NULL,
	.flush = NULL,
	.describe = tls_describe,
	.query = tls_query,
	.destroy = tls_destroy,
};
