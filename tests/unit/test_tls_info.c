/* tlsinfo: certificate facts and verdicts on certificates made in memory (CA-signed, self-
 * signed, expired, not yet valid, wrong name, weak keys, odd DNs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <cjson/cJSON.h>
#include "base/dbuf.h"
#include "output/record.h"
#include "transport/tlsinfo.h"
#include "test_util.h"

#define DAY (24L * 3600L)

static EVP_PKEY *rsa_key(unsigned bits)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	assert_non_null(k);
	return k;
}

static EVP_PKEY *ec_key(const char *curve)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
	assert_non_null(k);
	return k;
}

static void add_ext(X509 *c, X509 *issuer, int nid, const char *val)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer ? issuer : c, c, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, val);
	assert_non_null(e);
	X509_add_ext(c, e, -1);
	X509_EXTENSION_free(e);
}

struct spec {
	const char *dn;  /* "C=DE/O=x/CN=y" */
	const char *san; /* "DNS:a,IP:192.0.2.4" or NULL */
	long from, to;   /* seconds from now */
	bool ca;
	long serial;
};

static void set_dn(X509_NAME *n, const char *dn)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", dn);
	for (char *part = buf; part && *part;) {
		char *slash = strchr(part, '/');
		if (slash)
			*slash = '\0';
		char *eq = strchr(part, '=');
		assert_non_null(eq);
		*eq = '\0';
		assert_int_equal(X509_NAME_add_entry_by_txt(n, part, MBSTRING_UTF8,
							    (unsigned char *)eq + 1, -1, -1, 0),
				 1);
		part = slash ? slash + 1 : NULL;
	}
}

static X509 *make_cert(const struct spec *sp, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey)
{
	X509 *c = X509_new();
	assert_non_null(c);
	X509_set_version(c, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(c), sp->serial ? sp->serial : 0x1234abcd);
	X509_gmtime_adj(X509_getm_notBefore(c), sp->from);
	X509_gmtime_adj(X509_getm_notAfter(c), sp->to);
	set_dn(X509_get_subject_name(c), sp->dn);
	X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(c));
	X509_set_pubkey(c, key);
	add_ext(c, issuer, NID_basic_constraints, sp->ca ? "critical,CA:TRUE" : "CA:FALSE");
	if (sp->ca)
		add_ext(c, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (sp->san)
		add_ext(c, issuer, NID_subject_alt_name, sp->san);
	assert_true(X509_sign(c, ikey ? ikey : key, EVP_sha256()) > 0);
	return c;
}

struct fixture {
	EVP_PKEY *ca_key, *leaf_key;
	X509 *ca, *leaf;
	X509_STORE *store;
};

static int setup(void **st)
{
	struct fixture *f = calloc(1, sizeof(*f));
	f->ca_key = rsa_key(2048);
	f->leaf_key = ec_key("P-256");
	struct spec ca = {.dn = "C=DE/O=Test/CN=Test CA", .from = -DAY, .to = 30 * DAY, .ca = true};
	f->ca = make_cert(&ca, f->ca_key, NULL, NULL);
	struct spec leaf = {.dn = "C=DE/ST=Berlin/O=Test/OU=brokers/CN=broker.test",
			    .san = "DNS:broker.test,DNS:*.example.test,IP:127.0.94.1",
			    .from = -DAY,
			    .to = 30 * DAY,
			    .serial = 0x0abc};
	f->leaf = make_cert(&leaf, f->leaf_key, f->ca, f->ca_key);
	f->store = X509_STORE_new();
	X509_STORE_add_cert(f->store, f->ca);
	*st = f;
	return 0;
}

static int teardown(void **st)
{
	struct fixture *f = *st;
	X509_free(f->ca);
	X509_free(f->leaf);
	EVP_PKEY_free(f->ca_key);
	EVP_PKEY_free(f->leaf_key);
	X509_STORE_free(f->store);
	free(f);
	return 0;
}

/* The certificate block as the record writes it, parsed back. */
static cJSON *tlsinfo_cert_json(X509 *cert)
{
	struct tls_cert c;
	struct dbuf b;
	cJSON *j = NULL;

	assert_int_equal(tlsinfo_cert(cert, &c), MSW_OK);
	dbuf_init(&b, 1u << 20);
	if (record_block_text(&tls_cert_table, &c, &b) == MSW_OK)
		j = cJSON_ParseWithLength((const char *)b.p, b.len);
	dbuf_free(&b);
	tls_cert_free(&c);
	return j;
}

/* A DN alone, as the certificate block writes it. */
static cJSON *tlsinfo_name_json(X509_NAME *n)
{
	X509 *c = X509_new();
	assert_non_null(c);
	X509_set_subject_name(c, n);
	cJSON *j = tlsinfo_cert_json(c);
	cJSON *s = cJSON_DetachItemFromObject(j, "subject");
	cJSON_Delete(j);
	X509_free(c);
	return s;
}

static const char *jstr(const cJSON *o, const char *a, const char *b)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
	if (b)
		x = cJSON_GetObjectItemCaseSensitive(x, b);
	return cJSON_IsString(x) ? x->valuestring : NULL;
}

static void test_cert_json(void **st)
{
	struct fixture *f = *st;
	cJSON *j = tlsinfo_cert_json(f->leaf);
	assert_non_null(j);
	assert_string_equal(jstr(j, "subject", "CN"), "broker.test");
	assert_string_equal(jstr(j, "subject", "O"), "Test");
	assert_string_equal(jstr(j, "subject", "OU"), "brokers");
	assert_string_equal(jstr(j, "subject", "ST"), "Berlin");
	assert_string_equal(jstr(j, "subject", "C"), "DE");
	assert_string_equal(jstr(j, "issuer", "CN"), "Test CA");
	assert_string_equal(jstr(j, "serial", NULL), "0abc");
	const cJSON *san = cJSON_GetObjectItem(j, "san");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(san, "dns")), 2);
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(san, "dns"), 1)->valuestring,
			    "*.example.test");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(san, "ip"), 0)->valuestring,
			    "127.0.94.1");
	/* fingerprints: lowercase hex without colons, equal to X509_digest */
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n;
	X509_digest(f->leaf, EVP_sha256(), md, &n);
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	for (unsigned i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(jstr(j, "fingerprints", "sha256"), hex);
	assert_int_equal(strlen(jstr(j, "fingerprints", "sha1")), 40);
	assert_int_equal(strlen(jstr(j, "fingerprints", "sha512")), 128);
	assert_int_equal(strlen(jstr(j, "fingerprints", "md5")), 32);
	assert_string_equal(jstr(j, "key_type", NULL), "EC");
	assert_int_equal(cJSON_GetObjectItem(j, "key_bits")->valueint, 256);
	assert_string_equal(jstr(j, "key_curve", NULL), "prime256v1");
	assert_string_equal(jstr(j, "signature_algorithm", NULL), "sha256WithRSAEncryption");
	const char *nb = jstr(j, "not_before", NULL);
	assert_non_null(nb);
	assert_int_equal(strlen(nb), 20); /* YYYY-MM-DDTHH:MM:SSZ */
	assert_true(nb[4] == '-' && nb[10] == 'T' && nb[19] == 'Z');
	cJSON_Delete(j);
}

static void test_verdicts_valid(void **st)
{
	struct fixture *f = *st;
	struct tls_verdicts v;
	time_t now = time(NULL);
	tlsinfo_verdicts(f->leaf, NULL, f->store, "broker.test", "127.0.94.1", now, &v);
	assert_true(v.chain_verified);
	assert_false(v.self_signed || v.expired || v.not_yet_valid || v.hostname_mismatch ||
		     v.weak_key);
	/* by address: IP SAN matches; another address does not */
	tlsinfo_verdicts(f->leaf, NULL, f->store, NULL, "127.0.94.1", now, &v);
	assert_false(v.hostname_mismatch);
	tlsinfo_verdicts(f->leaf, NULL, f->store, NULL, "127.0.94.2", now, &v);
	assert_true(v.hostname_mismatch);
	/* a name given as an IP literal is checked as an address */
	tlsinfo_verdicts(f->leaf, NULL, f->store, "127.0.94.1", "127.0.94.1", now, &v);
	assert_false(v.hostname_mismatch);
	/* wildcard, and a wrong name */
	tlsinfo_verdicts(f->leaf, NULL, f->store, "a.example.test", "127.0.94.1", now, &v);
	assert_false(v.hostname_mismatch);
	tlsinfo_verdicts(f->leaf, NULL, f->store, "other.test", "127.0.94.1", now, &v);
	assert_true(v.hostname_mismatch);
	assert_true(v.chain_verified); /* the chain is fine; the name is not */
	/* without the CA in the store: not verified */
	X509_STORE *empty = X509_STORE_new();
	tlsinfo_verdicts(f->leaf, NULL, empty, "broker.test", NULL, now, &v);
	assert_false(v.chain_verified);
	assert_int_equal(v.verify_error, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
	/* the intermediate/CA sent in the chain does not make it trusted either */
	STACK_OF(X509) *chain = sk_X509_new_null();
	sk_X509_push(chain, f->ca);
	tlsinfo_verdicts(f->leaf, chain, empty, "broker.test", NULL, now, &v);
	assert_false(v.chain_verified);
	sk_X509_free(chain);
	X509_STORE_free(empty);
	/* judged 60 days later: expired and no longer verified */
	tlsinfo_verdicts(f->leaf, NULL, f->store, "broker.test", NULL, now + 60 * DAY, &v);
	assert_true(v.expired);
	assert_false(v.chain_verified);
	assert_int_equal(v.verify_error, X509_V_ERR_CERT_HAS_EXPIRED);
}

static void test_self_signed_and_dates(void **st)
{
	struct fixture *f = *st;
	struct tls_verdicts v;
	time_t now = time(NULL);
	EVP_PKEY *k = rsa_key(2048);
	struct spec ss = {
		.dn = "O=Self/CN=broker.test", .san = "DNS:broker.test", .from = -DAY, .to = DAY};
	X509 *c = make_cert(&ss, k, NULL, NULL);
	tlsinfo_verdicts(c, NULL, f->store, "broker.test", NULL, now, &v);
	assert_true(v.self_signed);
	assert_false(v.chain_verified);
	assert_false(v.weak_key);
	assert_int_equal(v.verify_error, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT);
	X509_free(c);

	struct spec old = {.dn = "CN=broker.test", .from = -400 * DAY, .to = -DAY};
	c = make_cert(&old, k, f->ca, f->ca_key);
	tlsinfo_verdicts(c, NULL, f->store, "broker.test", NULL, now, &v);
	assert_true(v.expired);
	assert_false(v.not_yet_valid);
	assert_false(v.self_signed);
	assert_false(v.chain_verified);
	assert_false(v.hostname_mismatch); /* CN is used when there is no SAN */
	X509_free(c);

	struct spec future = {.dn = "CN=broker.test", .from = 2 * DAY, .to = 9 * DAY};
	c = make_cert(&future, k, f->ca, f->ca_key);
	tlsinfo_verdicts(c, NULL, f->store, "broker.test", NULL, now, &v);
	assert_true(v.not_yet_valid);
	assert_false(v.expired);
	assert_false(v.chain_verified);
	X509_free(c);
	EVP_PKEY_free(k);

	/* the verdicts as the tls block writes them (a certificate present) */
	v.weak_key = true;
	struct tls_info ti = {.v = v, .legacy = -1, .alert = -1};
	struct tls_cert tc;
	struct dbuf b;
	assert_int_equal(tlsinfo_cert(f->leaf, &tc), MSW_OK);
	ti.cert = &tc;
	dbuf_init(&b, 1u << 20);
	assert_int_equal(record_block_text(&tls_table, &ti, &b), MSW_OK);
	cJSON *all = cJSON_ParseWithLength((const char *)b.p, b.len);
	const cJSON *j = cJSON_GetObjectItem(all, "verdicts");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "not_yet_valid")));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "weak_key")));
	assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "chain_verified")));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(j, "legacy_protocols")));
	assert_null(cJSON_GetObjectItem(all, "legacy_protocols"));
	cJSON_Delete(all);
	dbuf_free(&b);
	tls_cert_free(&tc);
}

static void test_weak_keys(void **st)
{
	EVP_PKEY *k = rsa_key(1024);
	assert_true(tlsinfo_weak_key(k));
	assert_string_equal(tlsinfo_key_type(k), "RSA");
	EVP_PKEY_free(k);
	k = ec_key("prime192v1");
	assert_true(tlsinfo_weak_key(k));
	EVP_PKEY_free(k);
	k = ec_key("P-384");
	assert_false(tlsinfo_weak_key(k));
	EVP_PKEY_free(k);
	k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(k);
	assert_false(tlsinfo_weak_key(k));
	assert_string_equal(tlsinfo_key_type(k), "ED25519");
	EVP_PKEY_free(k);
}

static void test_names(void **st)
{
	X509_NAME *n = X509_NAME_new();
	set_dn(n, "C=DE/OU=one/OU=two/CN=x/emailAddress=a@b.test");
	cJSON *j = tlsinfo_name_json(n);
	const cJSON *ou = cJSON_GetObjectItem(j, "OU");
	assert_true(cJSON_IsArray(ou));
	assert_int_equal(cJSON_GetArraySize(ou), 2);
	assert_string_equal(cJSON_GetArrayItem(ou, 1)->valuestring, "two");
	assert_string_equal(jstr(j, "emailAddress", NULL), "a@b.test");
	cJSON_Delete(j);
	X509_NAME_free(n);

	/* a CN with an embedded NUL keeps its exact bytes (as CN_b64) */
	n = X509_NAME_new();
	const unsigned char evil[] = "evil.test\0.good.test";
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, evil, (int)sizeof(evil) - 1, -1, 0);
	j = tlsinfo_name_json(n);
	assert_null(cJSON_GetObjectItem(j, "CN"));
	assert_non_null(jstr(j, "CN_b64", NULL));
	cJSON_Delete(j);
	X509_NAME_free(n);

	ASN1_TIME *t = ASN1_TIME_new();
	char buf[32];
	assert_int_equal(ASN1_TIME_set_string(t, "20200101000000Z"), 1);
	assert_true(tlsinfo_time_rfc3339(t, buf, sizeof(buf)));
	assert_string_equal(buf, "2020-01-01T00:00:00Z");
	assert_int_equal(ASN1_TIME_set_string(t, "491231235959Z"), 1); /* UTCTime */
	assert_true(tlsinfo_time_rfc3339(t, buf, sizeof(buf)));
	assert_string_equal(buf, "2049-12-31T23:59:59Z");
	ASN1_TIME_free(t);
}

/* A dNSName with a NUL ("good.test\0.evil.test", the NUL-prefix trick) is recorded with its
 * exact bytes, not cut at the NUL into a name it never was (review). */
static void test_san_with_nul(void **st)
{
	struct fixture *f = *st;
	static const char name[] = "good.test\0.evil.test";
	X509 *c = X509_new();
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

	assert_non_null(c);
	assert_true(ASN1_STRING_set(ia5, name, sizeof(name) - 1) == 1);
	GENERAL_NAME_set0_value(g, GEN_DNS, ia5);
	sk_GENERAL_NAME_push(gens, g);
	X509_set_version(c, 2);
	X509_gmtime_adj(X509_getm_notBefore(c), -DAY);
	X509_gmtime_adj(X509_getm_notAfter(c), DAY);
	set_dn(X509_get_subject_name(c), "CN=x.test");
	X509_set_issuer_name(c, X509_get_subject_name(c));
	X509_set_pubkey(c, f->leaf_key);
	assert_int_equal(X509_add1_ext_i2d(c, NID_subject_alt_name, gens, 0, 0), 1);
	GENERAL_NAMES_free(gens);
	assert_true(X509_sign(c, f->leaf_key, EVP_sha256()) > 0);
	cJSON *j = tlsinfo_cert_json(c);
	char *txt = cJSON_PrintUnformatted(j);
	assert_non_null(txt);
	assert_null(strstr(txt, "\"good.test\""));   /* not the truncated name */
	/* base64 of the 20 exact bytes */
	assert_non_null(strstr(txt, "Z29vZC50ZXN0AC5ldmlsLnRlc3Q="));
	free(txt);
	cJSON_Delete(j);
	X509_free(c);
}

/* The certificate block is the bytes the cJSON-based writer of earlier versions wrote for
 * 60 certificates with hostile DNs (NUL, invalid UTF-8, BMP surrogates, repeated and
 * unknown parts) and SANs (NUL, high bytes, long names, odd IP lengths):
 * tests/vectors/record/certs.jsonl. */
static void test_cert_vectors(void **st)
{
	(void)st;
	char path[512], *line = NULL;
	size_t cap = 0;
	int n = 0;
	snprintf(path, sizeof(path), "%s/tests/vectors/record/certs.jsonl", src_dir());
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		char *hex = strstr(line, "\"der\":\"") + 7, *json = strstr(line, ",\"json\":") + 8;
		size_t hl = (size_t)(strchr(hex, '"') - hex);
		unsigned char *der = malloc(hl / 2);
		for (size_t i = 0; i < hl / 2; i++)
			der[i] = (unsigned char)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
		json[strlen(json) - 2] = 0; /* the closing brace and newline */
		const unsigned char *p = der;
		X509 *c = d2i_X509(NULL, &p, (long)(hl / 2));
		if (!c) { /* made in memory, not valid DER (a v1 certificate with extensions) */
			free(der);
			continue;
		}
		struct tls_cert tc;
		struct dbuf b;
		assert_int_equal(tlsinfo_cert(c, &tc), MSW_OK);
		dbuf_init(&b, 1u << 20);
		assert_int_equal(record_block_text(&tls_cert_table, &tc, &b), MSW_OK);
		dbuf_append(&b, "", 1);
		if (strcmp(json, (const char *)b.p) != 0) {
			fprintf(stderr, "certificate %d:\nwant %s\ngot  %s\n", n, json, (char *)b.p);
			fail();
		}
		dbuf_free(&b);
		tls_cert_free(&tc);
		X509_free(c);
		free(der);
		n++;
	}
	free(line);
	fclose(f);
	assert_true(n >= 30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cert_json),
		cmocka_unit_test(test_cert_vectors),
		cmocka_unit_test(test_verdicts_valid),
		cmocka_unit_test(test_self_signed_and_dates),
		cmocka_unit_test(test_weak_keys),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_san_with_nul),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
