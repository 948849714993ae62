/* Certificate facts → JSON, and the verdicts (see tlsinfo.h). Peer certificates are
 * hostile input too: every string goes through OpenSSL's own decoders (DN entries via
 * ASN1_STRING_to_UTF8, SANs by type), and the record's sanitizer turns anything that is
 * still not UTF-8 into a _b64 field. */
#include "transport/tlsinfo.h"
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>
#include "base/record.h"

/* key = the bytes when they are text, else key_b64 = their base64 */
static void json_add_bytes(cJSON *o, const char *key, const uint8_t *p, size_t n)
{
	char k[96];
	char *b;

	if (fields_text_ok(p, n)) {
		char *s = strndup((const char *)p, n);
		if (s)
			cJSON_AddStringToObject(o, key, s);
		free(s);
		return;
	}
	snprintf(k, sizeof(k), "%s_b64", key);
	if ((b = record_b64(p, n)))
		cJSON_AddStringToObject(o, k, b);
	free(b);
}

bool tlsinfo_time_rfc3339(const ASN1_TIME *t, char *out, size_t outsz)
{
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return false;
	return strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0;
}

/* Adds key=value; a repeated key turns into an array of values. */
static void add_multi(cJSON *o, const char *key, const char *val)
{
	cJSON *old = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!old) {
		cJSON_AddStringToObject(o, key, val);
		return;
	}
	if (!cJSON_IsArray(old)) {
		cJSON *arr = cJSON_CreateArray();
		if (!arr)
			return;
		cJSON_AddItemToArray(arr, cJSON_Duplicate(old, 0));
		cJSON_ReplaceItemInObjectCaseSensitive(o, key, arr);
		old = arr;
	}
	cJSON_AddItemToArray(old, cJSON_CreateString(val));
}

cJSON *tlsinfo_name_json(const X509_NAME *name)
{
	cJSON *o = cJSON_CreateObject();
	int n = name ? X509_NAME_entry_count(name) : 0;
	for (int i = 0; o && i < n; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
		ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
		char key[80];
		int nid = OBJ_obj2nid(obj);
		const char *sn = nid != NID_undef ? OBJ_nid2sn(nid) : NULL;
		if (sn)
			snprintf(key, sizeof(key), "%s", sn);
		else if (OBJ_obj2txt(key, sizeof(key), obj, 1) <= 0)
			continue;
		unsigned char *utf8 = NULL;
		int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
		if (len < 0)
			continue;
		if (memchr(utf8, '\0', (size_t)len)) /* "a.com\0.b.com": keep exact bytes */
			json_add_bytes(o, key, utf8, (size_t)len);
		else
			add_multi(o, key, (const char *)utf8);
		OPENSSL_free(utf8);
	}
	return o;
}

static void add_san(cJSON *cert_o, X509 *cert)
{
	cJSON *san = cJSON_AddObjectToObject(cert_o, "san");
	cJSON *dns = san ? cJSON_AddArrayToObject(san, "dns") : NULL;
	cJSON *ip = san ? cJSON_AddArrayToObject(san, "ip") : NULL;
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	int n = gens ? sk_GENERAL_NAME_num(gens) : 0;
	for (int i = 0; dns && ip && i < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type == GEN_DNS && ASN1_STRING_length(g->d.dNSName) > 0 && memchr(ASN1_STRING_get0_data(g->d.dNSName), '\0',
						 (size_t)ASN1_STRING_length(g->d.dNSName))) {
			/* "a.com\0.b.com": exact bytes ({"dns_b64": ...}), not the name before the NUL */
			cJSON *w = cJSON_CreateObject();
			if (w)
				json_add_bytes(w, "dns", ASN1_STRING_get0_data(g->d.dNSName),
					       (size_t)ASN1_STRING_length(g->d.dNSName));
			cJSON_AddItemToArray(dns, w);
		} else if (g->type == GEN_DNS) {
			const ASN1_IA5STRING *s = g->d.dNSName;
			char buf[256];
			int l = ASN1_STRING_length(s) < (int)sizeof(buf) - 1 ? ASN1_STRING_length(s)
									     : (int)sizeof(buf) - 1;
			memcpy(buf, ASN1_STRING_get0_data(s), (size_t)l);
			buf[l] = '\0';
			cJSON_AddItemToArray(dns, cJSON_CreateString(buf));
		} else if (g->type == GEN_IPADD) {
			const ASN1_OCTET_STRING *s = g->d.iPAddress;
			char buf[INET6_ADDRSTRLEN];
			int l = ASN1_STRING_length(s);
			int af = l == 4 ? AF_INET : l == 16 ? AF_INET6 : -1;
			if (af > 0 && inet_ntop(af, ASN1_STRING_get0_data(s), buf, sizeof(buf)))
				cJSON_AddItemToArray(ip, cJSON_CreateString(buf));
		}
	}
	GENERAL_NAMES_free(gens);
}

static void add_hex(cJSON *o, const char *key, const unsigned char *p, size_t n)
{
	char buf[2 * EVP_MAX_MD_SIZE + 1];
	static const char hx[] = "0123456789abcdef";
	if (n > EVP_MAX_MD_SIZE)
		n = EVP_MAX_MD_SIZE;
	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = hx[p[i] >> 4];
		buf[2 * i + 1] = hx[p[i] & 15];
	}
	buf[2 * n] = '\0';
	cJSON_AddStringToObject(o, key, buf);
}

static void add_fingerprints(cJSON *cert_o, X509 *cert)
{
	static const struct {
		const char *name;
		const EVP_MD *(*md)(void);
	} mds[] = {
		{"sha1", EVP_sha1},
		{"sha256", EVP_sha256},
		{"sha512", EVP_sha512},
		{"md5", EVP_md5},
	};
	cJSON *fp = cJSON_AddObjectToObject(cert_o, "fingerprints");
	for (size_t i = 0; fp && i < sizeof(mds) / sizeof(mds[0]); i++) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int n = 0;
		if (X509_digest(cert, mds[i].md(), md, &n) == 1)
			add_hex(fp, mds[i].name, md, n);
	}
}

static void add_serial(cJSON *cert_o, X509 *cert)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	if (hex) {
		for (char *c = hex; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		cJSON_AddStringToObject(cert_o, "serial", hex);
	}
	OPENSSL_free(hex);
	BN_free(bn);
}

const char *tlsinfo_key_type(EVP_PKEY *k)
{
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
		return "RSA";
	case EVP_PKEY_RSA_PSS:
		return "RSA-PSS";
	case EVP_PKEY_EC:
		return "EC";
	case EVP_PKEY_DSA:
		return "DSA";
	case EVP_PKEY_DH:
		return "DH";
	case EVP_PKEY_ED25519:
		return "ED25519";
	case EVP_PKEY_ED448:
		return "ED448";
	default: {
		const char *n = EVP_PKEY_get0_type_name(k);
		return n ? n : "unknown";
	}
	}
}

bool tlsinfo_weak_key(EVP_PKEY *k)
{
	int bits = EVP_PKEY_get_bits(k);
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
	case EVP_PKEY_DH:
		return bits < 2048;
	case EVP_PKEY_DSA:
		return true;
	case EVP_PKEY_EC:
		return bits < 224;
	default:
		return false;
	}
}

static void add_key(cJSON *cert_o, X509 *cert)
{
	EVP_PKEY *k = X509_get0_pubkey(cert);
	if (!k)
		return;
	cJSON_AddStringToObject(cert_o, "key_type", tlsinfo_key_type(k));
	cJSON_AddNumberToObject(cert_o, "key_bits", EVP_PKEY_get_bits(k));
	char grp[64];
	size_t gl = 0;
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
	    EVP_PKEY_get_group_name(k, grp, sizeof(grp), &gl) == 1)
		cJSON_AddStringToObject(cert_o, "key_curve", grp);
	int nid = X509_get_signature_nid(cert);
	const char *sig = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
	cJSON_AddStringToObject(cert_o, "signature_algorithm", sig ? sig : "unknown");
}

cJSON *tlsinfo_cert_json(X509 *cert)
{
	char t[64];
	cJSON *o = cJSON_CreateObject();
	if (!o || !cert)
		return o;
	cJSON_AddItemToObject(o, "subject", tlsinfo_name_json(X509_get_subject_name(cert)));
	cJSON_AddItemToObject(o, "issuer", tlsinfo_name_json(X509_get_issuer_name(cert)));
	add_san(o, cert);
	add_serial(o, cert);
	if (tlsinfo_time_rfc3339(X509_get0_notBefore(cert), t, sizeof(t)))
		cJSON_AddStringToObject(o, "not_before", t);
	if (tlsinfo_time_rfc3339(X509_get0_notAfter(cert), t, sizeof(t)))
		cJSON_AddStringToObject(o, "not_after", t);
	add_fingerprints(o, cert);
	add_key(o, cert);
	cJSON_AddNumberToObject(o, "version", X509_get_version(cert) + 1);
	return o;
}

static bool is_ip_literal(const char *s)
{
	unsigned char buf[16];
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static bool name_matches(X509 *cert, const char *host, const char *ip)
{
	if (host && host[0] && !is_ip_literal(host))
		return X509_check_host(cert, host, strlen(host), 0, NULL) == 1;
	const char *addr = host && host[0] ? host : ip;
	return addr && addr[0] && X509_check_ip_asc(cert, addr, 0) == 1;
}

static int verify_chain(X509 *cert, STACK_OF(X509) * chain, X509_STORE *store, time_t now)
{
	X509_STORE_CTX *c = X509_STORE_CTX_new();
	int err = X509_V_ERR_UNSPECIFIED;
	if (!c)
		return err;
	if (X509_STORE_CTX_init(c, store, cert, chain) == 1) {
		X509_STORE_CTX_set_time(c, 0, now);
		err = X509_verify_cert(c) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(c);
		if (err == X509_V_OK && X509_STORE_CTX_get_error(c) != X509_V_OK)
			err = X509_STORE_CTX_get_error(c);
	}
	X509_STORE_CTX_free(c);
	return err;
}

void tlsinfo_verdicts(X509 *cert, STACK_OF(X509) * chain, X509_STORE *store, const char *host,
		      const char *ip, time_t now, struct tls_verdicts *v)
{
	memset(v, 0, sizeof(*v));
	if (!cert) {
		v->verify_error = X509_V_ERR_UNSPECIFIED;
		return;
	}
	v->self_signed = X509_self_signed(cert, 1) == 1;
	v->expired = X509_cmp_time(X509_get0_notAfter(cert), &now) < 0;
	v->not_yet_valid = X509_cmp_time(X509_get0_notBefore(cert), &now) > 0;
	v->hostname_mismatch = !name_matches(cert, host, ip);
	EVP_PKEY *k = X509_get0_pubkey(cert);
	v->weak_key = k ? tlsinfo_weak_key(k) : false;
	v->verify_error = store ? verify_chain(cert, chain, store, now) : X509_V_ERR_UNSPECIFIED;
	v->chain_verified = v->verify_error == X509_V_OK;
}

cJSON *tlsinfo_verdicts_json(const struct tls_verdicts *v)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddBoolToObject(o, "self_signed", v->self_signed);
	cJSON_AddBoolToObject(o, "expired", v->expired);
	cJSON_AddBoolToObject(o, "not_yet_valid", v->not_yet_valid);
	cJSON_AddBoolToObject(o, "hostname_mismatch", v->hostname_mismatch);
	cJSON_AddBoolToObject(o, "chain_verified", v->chain_verified);
	cJSON_AddBoolToObject(o, "weak_key", v->weak_key);
	return o;
}
