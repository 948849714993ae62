/* layer_tls over a scripted layer below whose far end is an in-memory OpenSSL server (memory
 * BIOs, no sockets). Bytes reach the client in small pieces (1, 7, 4096), so records split
 * across reads go through the layer's BIO. Covers: handshake to MSW_OK with AGAIN in
 * between, data both ways, verdicts against a --cafile, client certificate demanded in
 * TLS 1.2 and 1.3 (→ client_cert_required, auth), and mtls with --cert/--key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include "base/config.h"
#include "base/target.h"
#include "output/record.h"
#include "transport/layer.h"
#include "transport/tls.h"

#define DAY (24L * 3600L)

struct peer {
	SSL *srv;
	BIO *to_srv, *from_srv; /* memory BIOs: client → server, server → client */
	size_t chunk;
	bool echo;
};

static void pump(struct peer *p)
{
	if (!SSL_is_init_finished(p->srv)) {
		SSL_do_handshake(p->srv);
		return;
	}
	uint8_t buf[4096];
	size_t n;
	while (SSL_read_ex(p->srv, buf, sizeof(buf), &n) == 1)
		if (p->echo)
			SSL_write_ex(p->srv, buf, n, &n);
}

static msw_err m_send(struct layer *l, const uint8_t *b, size_t n)
{
	struct peer *p = l->state;
	assert_int_equal(BIO_write(p->to_srv, b, (int)n), (int)n);
	return MSW_OK;
}

static msw_err m_recv(struct layer *l, uint8_t *b, size_t n, size_t *got)
{
	struct peer *p = l->state;
	*got = 0;
	pump(p);
	size_t k = n < p->chunk ? n : p->chunk;
	int r = BIO_read(p->from_srv, b, (int)k);
	if (r <= 0)
		return MSW_ERR_AGAIN;
	*got = (size_t)r;
	return MSW_OK;
}

static msw_err m_handshake(struct layer *l, bool *ww)
{
	*ww = false;
	l->ready = true;
	return MSW_OK;
}

static const struct layer_ops mock_ops = {
	.name = "mock",
	.handshake = m_handshake,
	.send = m_send,
	.recv = m_recv,
};

/* ---- certificates ---- */

struct pki {
	EVP_PKEY *ca_key, *srv_key, *cli_key;
	X509 *ca, *srv, *cli;
	char ca_file[64], cli_cert[64], cli_key_file[64];
};
static struct pki pki;

static X509 *cert(EVP_PKEY *k, const char *cn, X509 *issuer, EVP_PKEY *ikey, const char *san,
		  bool ca)
{
	X509 *c = X509_new();
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), (long)(uintptr_t)c & 0x7fffffff);
	X509_gmtime_adj(X509_getm_notBefore(c), -DAY);
	X509_gmtime_adj(X509_getm_notAfter(c), 30 * DAY);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(c), "CN", MBSTRING_UTF8,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c, X509_get_subject_name(issuer ? issuer : c));
	X509_set_pubkey(c, k);
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer ? issuer : c, c, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints,
						ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(c, e, -1);
	X509_EXTENSION_free(e);
	if (san) {
		e = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
		X509_add_ext(c, e, -1);
		X509_EXTENSION_free(e);
	}
	assert_true(X509_sign(c, ikey ? ikey : k, EVP_sha256()) > 0);
	return c;
}

static void write_pem(char *path, const char *tmpl, X509 *c, EVP_PKEY *k)
{
	snprintf(path, 64, "%s", tmpl);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	if (c)
		PEM_write_X509(f, c);
	if (k)
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
}

static int setup(void **st)
{
	pki.ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	pki.srv_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	pki.cli_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	pki.ca = cert(pki.ca_key, "unit CA", NULL, NULL, NULL, true);
	pki.srv = cert(pki.srv_key, "broker.test", pki.ca, pki.ca_key,
		       "DNS:broker.test,IP:127.0.94.60", false);
	pki.cli = cert(pki.cli_key, "client", pki.ca, pki.ca_key, NULL, false);
	write_pem(pki.ca_file, "/tmp/msw-tlsl-ca.XXXXXX", pki.ca, NULL);
	write_pem(pki.cli_cert, "/tmp/msw-tlsl-cc.XXXXXX", pki.cli, NULL);
	write_pem(pki.cli_key_file, "/tmp/msw-tlsl-ck.XXXXXX", NULL, pki.cli_key);
	return 0;
}

static int teardown(void **st)
{
	unlink(pki.ca_file);
	unlink(pki.cli_cert);
	unlink(pki.cli_key_file);
	X509_free(pki.ca);
	X509_free(pki.srv);
	X509_free(pki.cli);
	EVP_PKEY_free(pki.ca_key);
	EVP_PKEY_free(pki.srv_key);
	EVP_PKEY_free(pki.cli_key);
	tls_global_free();
	return 0;
}

/* ---- rig ---- */

struct rig {
	struct peer peer;
	SSL_CTX *sctx;
	struct layer bottom, top;
	struct msw_target t;
	struct msw_config cfg;
};

static struct rig *rig_new(size_t chunk, int max_version, bool demand_cert)
{
	struct rig *r = calloc(1, sizeof(*r));
	r->sctx = SSL_CTX_new(TLS_server_method());
	SSL_CTX_use_certificate(r->sctx, pki.srv);
	SSL_CTX_use_PrivateKey(r->sctx, pki.srv_key);
	if (max_version)
		SSL_CTX_set_max_proto_version(r->sctx, max_version);
	if (demand_cert) {
		X509_STORE_add_cert(SSL_CTX_get_cert_store(r->sctx), pki.ca);
		SSL_CTX_set_verify(r->sctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
				   NULL);
	}
	r->peer.srv = SSL_new(r->sctx);
	r->peer.to_srv = BIO_new(BIO_s_mem());
	r->peer.from_srv = BIO_new(BIO_s_mem());
	SSL_set_bio(r->peer.srv, r->peer.to_srv, r->peer.from_srv);
	SSL_set_accept_state(r->peer.srv);
	r->peer.chunk = chunk;
	r->peer.echo = true;
	r->bottom.ops = &mock_ops;
	r->bottom.state = &r->peer;
	r->bottom.fd = -1;
	r->top.ops = &layer_tls;
	r->top.below = &r->bottom;
	r->top.fd = -1;
	r->top.state = calloc(1, layer_tls.state_size);
	snprintf(r->t.ip, sizeof(r->t.ip), "127.0.94.60");
	r->t.port = 8883;
	r->t.transport = TRANSPORT_TLS;
	r->cfg.ca_file = pki.ca_file;
	return r;
}

static void rig_free(struct rig *r)
{
	layer_tls.destroy(&r->top);
	free(r->top.state);
	SSL_free(r->peer.srv);
	SSL_CTX_free(r->sctx);
	free(r);
	ERR_clear_error();
}

static msw_err drive(struct rig *r)
{
	bool ww;
	msw_err rc = MSW_ERR_AGAIN;
	for (int i = 0; i < 20000 && rc == MSW_ERR_AGAIN; i++)
		rc = r->top.ops->handshake(&r->top, &ww);
	return rc;
}

static void exchange(struct rig *r)
{
	uint8_t buf[64], all[64];
	size_t got, total = 0;
	assert_int_equal(r->top.ops->send(&r->top, (const uint8_t *)"hello mqtt", 10), MSW_OK);
	for (int i = 0; i < 20000 && total < 10; i++) {
		msw_err rc = r->top.ops->recv(&r->top, buf, sizeof(buf), &got);
		if (rc == MSW_ERR_AGAIN)
			continue;
		assert_int_equal(rc, MSW_OK);
		memcpy(all + total, buf, got);
		total += got;
	}
	assert_int_equal(total, 10);
	assert_memory_equal(all, "hello mqtt", 10);
}

static void test_handshake_chunks(void **st)
{
	const size_t chunks[] = {1, 7, 4096};
	for (size_t i = 0; i < 3; i++) {
		struct rig *r = rig_new(chunks[i], 0, false);
		assert_int_equal(layer_tls.open(&r->top, &r->t, &r->cfg), MSW_OK);
		assert_int_equal(drive(r), MSW_OK);
		assert_true(r->top.ready);
		exchange(r);
		struct msw_record rec;
		record_init(&rec, "mqtt");
		layer_tls.describe(&r->top, &rec);
		cJSON *recj = record_to_json(&rec, "t");
		const cJSON *rec_tls = cJSON_GetObjectItem(recj, "tls");
		assert_int_equal(rec.transport_security, TSEC_TLS_VERIFIED);
		cJSON *v = cJSON_GetObjectItem(rec_tls, "verdicts");
		assert_true(cJSON_IsTrue(cJSON_GetObjectItem(v, "chain_verified")));
		assert_true(cJSON_IsFalse(cJSON_GetObjectItem(v, "hostname_mismatch")));
		assert_true(cJSON_IsNull(cJSON_GetObjectItem(v, "legacy_protocols")));
		assert_string_equal(cJSON_GetObjectItem(rec_tls, "version")->valuestring,
				    "TLSv1.3");
		assert_false(tls_client_cert_required(&r->top));
		cJSON_Delete(recj);
		record_free(&rec);
		rig_free(r);
	}
}

static void test_cert_demanded(void **st)
{
	const int versions[] = {TLS1_2_VERSION, TLS1_3_VERSION};
	for (size_t i = 0; i < 2; i++) {
		struct rig *r = rig_new(64, versions[i], true);
		assert_int_equal(layer_tls.open(&r->top, &r->t, &r->cfg), MSW_OK);
		assert_int_equal(drive(r), MSW_ERR_TLS);
		assert_true(tls_client_cert_required(&r->top));
		assert_non_null(strstr(tls_last_error(&r->top), "TLS handshake failed"));
		struct msw_record rec;
		record_init(&rec, "mqtt");
		layer_tls.describe(&r->top, &rec);
		cJSON *recj = record_to_json(&rec, "t");
		const cJSON *rec_tls = cJSON_GetObjectItem(recj, "tls");
		assert_int_equal(rec.auth, AUTH_CLIENT_CERT_REQUIRED);
		assert_true(cJSON_IsTrue(cJSON_GetObjectItem(rec_tls, "client_cert_requested")));
		assert_true(cJSON_IsTrue(cJSON_GetObjectItem(rec_tls, "client_cert_required")));
		/* the server's certificate came before the refusal: it is in the record */
		cJSON *c = cJSON_GetObjectItem(rec_tls, "certificate");
		assert_true(cJSON_IsObject(c));
		assert_string_equal(
			cJSON_GetObjectItem(cJSON_GetObjectItem(c, "subject"), "CN")->valuestring,
			"broker.test");
		assert_non_null(rec.error);
		cJSON_Delete(recj);
		record_free(&rec);
		rig_free(r);
	}
}

static void test_mtls(void **st)
{
	const int versions[] = {TLS1_2_VERSION, TLS1_3_VERSION};
	for (size_t i = 0; i < 2; i++) {
		struct rig *r = rig_new(7, versions[i], true);
		r->cfg.cert_file = pki.cli_cert;
		r->cfg.key_file = pki.cli_key_file;
		assert_int_equal(layer_tls.open(&r->top, &r->t, &r->cfg), MSW_OK);
		assert_int_equal(drive(r), MSW_OK);
		exchange(r);
		struct msw_record rec;
		record_init(&rec, "mqtt");
		layer_tls.describe(&r->top, &rec);
		assert_int_equal(rec.transport_security, TSEC_MTLS);
		assert_int_equal(rec.auth, AUTH_UNKNOWN);
		record_free(&rec);
		rig_free(r);
	}
}

static void test_bad_config(void **st)
{
	struct msw_config cfg = {0};
	char err[256];
	cfg.cert_file = "/nonexistent/cert.pem";
	assert_int_equal(tls_global_init(&cfg, err, sizeof(err)), MSW_ERR_USAGE);
	assert_true(err[0]);
	cfg.cert_file = NULL;
	cfg.psk = "not-hex";
	assert_int_equal(tls_global_init(&cfg, err, sizeof(err)), MSW_ERR_USAGE);
	cfg.psk = "00112233";
	assert_int_equal(tls_global_init(&cfg, err, sizeof(err)), MSW_OK);
	/* the layer with a bad configuration fails in handshake() and says why */
	struct rig *r = rig_new(64, 0, false);
	r->cfg.cert_file = "/nonexistent/cert.pem";
	assert_int_equal(layer_tls.open(&r->top, &r->t, &r->cfg), MSW_OK);
	assert_int_equal(drive(r), MSW_ERR_TLS);
	struct msw_record rec;
	record_init(&rec, "mqtt");
	layer_tls.describe(&r->top, &rec);
	assert_non_null(strstr(rec.error, "TLS configuration"));
	assert_int_equal(rec.transport_security, TSEC_UNSET);
	record_free(&rec);
	rig_free(r);
}

/* A server that floods records without application data (here TLS 1.3 session tickets)
 * must not keep recv() reading while input lasts: one call takes a bounded number of
 * bytes and comes back (review: OpenSSL's auto-retry read the whole flood in one call). */
static void test_ticket_flood(void **st)
{
	struct rig *r = rig_new(16384, 0, false);
	assert_int_equal(layer_tls.open(&r->top, &r->t, &r->cfg), MSW_OK);
	assert_int_equal(drive(r), MSW_OK);
	exchange(r);
	r->peer.echo = false;
	for (int i = 0; i < 4000; i++) {
		assert_int_equal(SSL_new_session_ticket(r->peer.srv), 1);
		if (i % 64 == 63)
			SSL_do_handshake(r->peer.srv);
	}
	SSL_do_handshake(r->peer.srv);
	size_t before = (size_t)BIO_ctrl_pending(r->peer.from_srv);
	assert_true(before > 512 * 1024);
	uint8_t buf[64];
	size_t got = 1;
	msw_err rc = r->top.ops->recv(&r->top, buf, sizeof(buf), &got);
	size_t taken = before - (size_t)BIO_ctrl_pending(r->peer.from_srv);
	assert_true(rc == MSW_OK || rc == MSW_ERR_AGAIN);
	assert_int_equal(got, 0);
	assert_true(taken <= 128 * 1024);
	rig_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_chunks),
		cmocka_unit_test(test_cert_demanded),
		cmocka_unit_test(test_mtls),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_ticket_flood),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
