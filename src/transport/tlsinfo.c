/* Certificate facts and verdicts, and the record's tls block (see tlsinfo.h). Peer
 * certificates are hostile input too: every string goes through OpenSSL's own decoders
 * (DN entries via ASN1_STRING_to_UTF8, SANs by type) and is kept as exact bytes; sinks write
 * anything that is not UTF-8 as a _b64 field. */
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

bool tlsinfo_time_rfc3339(const ASN1_TIME *t, char *out, size_t outsz)
{
	struct tm tm;
	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return false;
	return strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0;
}

/* The parts of a DN in order: short name (or dotted OID) and the value as UTF-8 bytes
 * (exact, a NUL included); parts OpenSSL cannot convert are left out. */
static void name_parts(const X509_NAME *name, struct vec *out)
{
	int n = name ? X509_NAME_entry_count(name) : 0;
	for (int i = 0; i < n; i++) {
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
		struct tls_dn_part *p = vec_push(out);
		if (p) {
			memcpy(p->key, key, sizeof(key));
			if (mbytes_set(&p->val, utf8, (size_t)len) != MSW_OK)
				out->n--;
		}
		OPENSSL_free(utf8);
	}
}

static void add_san(struct tls_cert *c, X509 *cert)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	int n = gens ? sk_GENERAL_NAME_num(gens) : 0;
	for (int i = 0; i < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type == GEN_DNS) {
			const unsigned char *p = ASN1_STRING_get0_data(g->d.dNSName);
			int l = ASN1_STRING_length(g->d.dNSName);
			/* "a.com\0.b.com": the exact bytes (written as dns_b64), not the name before
			 * the NUL; other names are cut at 255 bytes */
			if (l > 0 && !memchr(p, '\0', (size_t)l) && l > 255)
				l = 255;
			(void)strlist_add(&c->san_dns, p, l > 0 ? (size_t)l : 0, TLS_MAX_SANS);
		} else if (g->type == GEN_IPADD) {
			const ASN1_OCTET_STRING *s = g->d.iPAddress;
			char buf[INET6_ADDRSTRLEN];
			int l = ASN1_STRING_length(s);
			int af = l == 4 ? AF_INET : l == 16 ? AF_INET6 : -1;
			if (af > 0 && inet_ntop(af, ASN1_STRING_get0_data(s), buf, sizeof(buf)))
				(void)strlist_add(&c->san_ip, buf, strlen(buf), TLS_MAX_SANS);
		}
	}
	GENERAL_NAMES_free(gens);
}

static void hex_of(char *buf, const unsigned char *p, size_t n)
{
	static const char hx[] = "0123456789abcdef";
	if (n > EVP_MAX_MD_SIZE)
		n = EVP_MAX_MD_SIZE;
	for (size_t i = 0; i < n; i++) {
		buf[2 * i] = hx[p[i] >> 4];
		buf[2 * i + 1] = hx[p[i] & 15];
	}
	buf[2 * n] = '\0';
}

static void add_fingerprints(struct tls_cert *c, X509 *cert)
{
	const struct {
		char *out;
		size_t cap;
		const EVP_MD *(*md)(void);
	} mds[] = {
		{c->sha1, sizeof(c->sha1), EVP_sha1},
		{c->sha256, sizeof(c->sha256), EVP_sha256},
		{c->sha512, sizeof(c->sha512), EVP_sha512},
		{c->md5, sizeof(c->md5), EVP_md5},
	};
	for (size_t i = 0; i < sizeof(mds) / sizeof(mds[0]); i++) {
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int n = 0;
		if (X509_digest(cert, mds[i].md(), md, &n) == 1 && 2 * (size_t)n < mds[i].cap)
			hex_of(mds[i].out, md, n);
	}
}

static void add_serial(struct tls_cert *c, X509 *cert)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	if (hex) {
		for (char *p = hex; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		c->serial = strdup(hex);
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

static void add_key(struct tls_cert *c, X509 *cert)
{
	EVP_PKEY *k = X509_get0_pubkey(cert);
	if (!k)
		return;
	c->has_key = true;
	c->key_type = tlsinfo_key_type(k);
	c->key_bits = EVP_PKEY_get_bits(k);
	size_t gl = 0;
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
	    EVP_PKEY_get_group_name(k, c->key_curve, sizeof(c->key_curve), &gl) != 1)
		c->key_curve[0] = '\0';
	int nid = X509_get_signature_nid(cert);
	const char *sig = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
	c->signature_algorithm = sig ? sig : "unknown";
}

msw_err tlsinfo_cert(X509 *cert, struct tls_cert *c)
{
	memset(c, 0, sizeof(*c));
	vec_init(&c->subject, sizeof(struct tls_dn_part), 4, TLS_MAX_DN_PARTS);
	vec_init(&c->issuer, sizeof(struct tls_dn_part), 4, TLS_MAX_DN_PARTS);
	if (!cert)
		return MSW_ERR_INTERNAL;
	name_parts(X509_get_subject_name(cert), &c->subject);
	name_parts(X509_get_issuer_name(cert), &c->issuer);
	add_san(c, cert);
	add_serial(c, cert);
	if (!tlsinfo_time_rfc3339(X509_get0_notBefore(cert), c->not_before, sizeof(c->not_before)))
		c->not_before[0] = '\0';
	if (!tlsinfo_time_rfc3339(X509_get0_notAfter(cert), c->not_after, sizeof(c->not_after)))
		c->not_after[0] = '\0';
	add_fingerprints(c, cert);
	add_key(c, cert);
	c->version = X509_get_version(cert) + 1;
	return MSW_OK;
}

static void dn_free(struct vec *v)
{
	struct tls_dn_part *p = v->p;
	for (size_t i = 0; i < v->n; i++)
		mbytes_free(&p[i].val);
	vec_free(v);
}

void tls_cert_free(struct tls_cert *c)
{
	dn_free(&c->subject);
	dn_free(&c->issuer);
	strlist_free(&c->san_dns);
	strlist_free(&c->san_ip);
	free(c->serial);
	c->serial = NULL;
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

/* ---- the tables ---- */

#define DP struct tls_dn_part
static const struct fdef dn_fields[] = {
	{FIELD_KEY("key"), .type = FT_CHARS, FSIZED(DP, key)},
	{FIELD_KEY("value"), .type = FT_BYTES, FMEMBER(DP, val)},
};
/* a DN is one object: {"CN": "...", "O": "..."}, a repeated part an array */
static const struct fblock dn_table = {FIELDS(dn_fields), .size = sizeof(DP), .flags = FB_MAP};
#undef DP

#define C struct tls_cert
static const struct fdef san_fields[] = {
	{FIELD_KEY("dns"), .type = FT_STRLIST, FMEMBER(C, san_dns.v), FCOUNT(C, san_dns.n),
	 .flags = F_NULWRAP, .desc = "DNS names; one holding NUL as {dns_b64}"},
	{FIELD_KEY("ip"), .type = FT_STRLIST, FMEMBER(C, san_ip.v), FCOUNT(C, san_ip.n)},
};
static const struct fblock san_table = {FIELDS(san_fields)};

static const struct fdef fp_fields[] = {
	{FIELD_KEY("sha1"), .type = FT_CHARS, FSIZED(C, sha1), .flags = F_OPT | F_ZERO},
	{FIELD_KEY("sha256"), .type = FT_CHARS, FSIZED(C, sha256), .flags = F_OPT | F_ZERO},
	{FIELD_KEY("sha512"), .type = FT_CHARS, FSIZED(C, sha512), .flags = F_OPT | F_ZERO},
	{FIELD_KEY("md5"), .type = FT_CHARS, FSIZED(C, md5), .flags = F_OPT | F_ZERO},
};
static const struct fblock fp_table = {FIELDS(fp_fields)};

static void get_self(const void *o, const struct fdef *f, struct fval *v)
{
	v->p = o;
}

static void get_if_key(const void *o, const struct fdef *f, struct fval *v)
{
	const C *c = o;
	switch (f->arg) {
	case 0:
		v->s = (const uint8_t *)(c->key_type ? c->key_type : "");
		v->n = strlen((const char *)v->s);
		break;
	case 1:
		v->i = c->key_bits;
		break;
	default:
		v->s = (const uint8_t *)(c->signature_algorithm ? c->signature_algorithm : "");
		v->n = strlen((const char *)v->s);
	}
	v->absent = !c->has_key;
}

static const struct fdef cert_fields[] = {
	{FIELD_KEY("subject"), .type = FT_LIST, FMEMBER(C, subject.p), FCOUNT(C, subject.n),
	 .sub = &dn_table},
	{FIELD_KEY("issuer"), .type = FT_LIST, FMEMBER(C, issuer.p), FCOUNT(C, issuer.n),
	 .sub = &dn_table},
	{FIELD_KEY("san"), .type = FT_BLOCK, .get = get_self, .sub = &san_table},
	{FIELD_KEY("serial"), .type = FT_STR, FMEMBER(C, serial), .flags = F_OPT},
	{FIELD_KEY("not_before"), .type = FT_CHARS, FSIZED(C, not_before), .flags = F_OPT | F_ZERO},
	{FIELD_KEY("not_after"), .type = FT_CHARS, FSIZED(C, not_after), .flags = F_OPT | F_ZERO},
	{FIELD_KEY("fingerprints"), .type = FT_BLOCK, .get = get_self, .sub = &fp_table},
	{FIELD_KEY("key_type"), .type = FT_STR, .get = get_if_key, .arg = 0, .flags = F_OPT},
	{FIELD_KEY("key_bits"), .type = FT_INT, .get = get_if_key, .arg = 1, .flags = F_OPT},
	{FIELD_KEY("key_curve"), .type = FT_CHARS, FSIZED(C, key_curve), .flags = F_OPT | F_ZERO},
	{FIELD_KEY("signature_algorithm"), .type = FT_STR, .get = get_if_key, .arg = 2,
	 .flags = F_OPT},
	{FIELD_KEY("version"), .type = FT_INT, FSIZED(C, version)},
};
const struct fblock tls_cert_table = {FIELDS(cert_fields), .size = sizeof(C)};
#undef C

#define I struct tls_info
static void get_if_facts(const void *o, const struct fdef *f, struct fval *v)
{
	const I *t = o;
	const char *s = f->arg ? t->cipher : t->version;
	v->s = (const uint8_t *)s;
	v->n = strlen(s);
	v->absent = !t->facts;
}

static void get_if_cert(const void *o, const struct fdef *f, struct fval *v)
{
	const I *t = o;
	v->absent = !t->cert;
	switch (f->arg) {
	case 0: /* chain_length */
		v->i = t->chain_length;
		break;
	case 1: /* verification */
		v->s = (const uint8_t *)"skipped (--insecure)";
		v->n = strlen((const char *)v->s);
		v->absent |= !t->insecure;
		break;
	case 2: /* verify_error */
		v->s = (const uint8_t *)(t->verify_error ? t->verify_error : "");
		v->n = strlen((const char *)v->s);
		v->absent |= t->insecure || !t->verify_error;
		break;
	default: /* verdicts */
		v->p = o;
	}
}

static void get_legacy_in(const void *o, const struct fdef *f, struct fval *v)
{
	const I *t = o;
	v->b = t->legacy == 1;
	v->absent = t->legacy < 0;
}

static void get_legacy_top(const void *o, const struct fdef *f, struct fval *v)
{
	const I *t = o;
	v->b = t->legacy == 1;
	v->absent = t->legacy < 0 || t->cert;
}

static void get_alert(const void *o, const struct fdef *f, struct fval *v)
{
	const I *t = o;
	v->p = o;
	v->absent = t->alert < 0;
}

static const struct fdef verdict_fields[] = {
	{FIELD_KEY("self_signed"), .type = FT_BOOL, FMEMBER(I, v.self_signed)},
	{FIELD_KEY("expired"), .type = FT_BOOL, FMEMBER(I, v.expired)},
	{FIELD_KEY("not_yet_valid"), .type = FT_BOOL, FMEMBER(I, v.not_yet_valid)},
	{FIELD_KEY("hostname_mismatch"), .type = FT_BOOL, FMEMBER(I, v.hostname_mismatch)},
	{FIELD_KEY("chain_verified"), .type = FT_BOOL, FMEMBER(I, v.chain_verified)},
	{FIELD_KEY("weak_key"), .type = FT_BOOL, FMEMBER(I, v.weak_key)},
	{FIELD_KEY("legacy_protocols"), .type = FT_BOOL, .get = get_legacy_in, .flags = F_NULL,
	 .desc = "TLS 1.0/1.1 or SSLv3 accepted; null when not tested"},
};
static const struct fblock verdict_table = {FIELDS(verdict_fields)};

static const struct fdef alert_fields[] = {
	{FIELD_KEY("code"), .type = FT_INT, FSIZED(I, alert)},
	{FIELD_KEY("name"), .type = FT_STR, FMEMBER(I, alert_name)},
};
static const struct fblock alert_table = {FIELDS(alert_fields)};

static const struct fdef tls_fields[] = {
	{FIELD_KEY("handshake_ok"), .type = FT_BOOL, FMEMBER(I, handshake_ok)},
	{FIELD_KEY("version"), .type = FT_STR, .get = get_if_facts, .arg = 0, .flags = F_OPT},
	{FIELD_KEY("cipher"), .type = FT_STR, .get = get_if_facts, .arg = 1, .flags = F_OPT},
	{FIELD_KEY("psk"), .type = FT_BOOL, FMEMBER(I, psk), .flags = F_OPT | F_ZERO},
	{FIELD_KEY("certificate"), .type = FT_PTR, FMEMBER(I, cert), .flags = F_OPT,
	 .sub = &tls_cert_table},
	{FIELD_KEY("chain_length"), .type = FT_INT, .get = get_if_cert, .arg = 0, .flags = F_OPT},
	{FIELD_KEY("verification"), .type = FT_WORD, .get = get_if_cert, .arg = 1, .flags = F_OPT},
	{FIELD_KEY("verify_error"), .type = FT_STR, .get = get_if_cert, .arg = 2, .flags = F_OPT},
	{FIELD_KEY("verdicts"), .type = FT_BLOCK, .get = get_if_cert, .arg = 3, .flags = F_OPT,
	 .sub = &verdict_table},
	{FIELD_KEY("legacy_version"), .type = FT_WORD, FMEMBER(I, legacy_version), .flags = F_OPT},
	{FIELD_KEY("legacy_protocols"), .type = FT_BOOL, .get = get_legacy_top, .flags = F_OPT},
	{FIELD_KEY("client_cert_requested"), .type = FT_BOOL, FMEMBER(I, client_cert_requested)},
	{FIELD_KEY("client_cert_sent"), .type = FT_BOOL, FMEMBER(I, client_cert_sent)},
	{FIELD_KEY("client_cert_required"), .type = FT_BOOL, FMEMBER(I, client_cert_required)},
	{FIELD_KEY("alert"), .type = FT_BLOCK, .get = get_alert, .flags = F_OPT, .sub = &alert_table},
	{FIELD_KEY("sni"), .type = FT_STR, FMEMBER(I, sni), .flags = F_OPT},
	{FIELD_KEY("error"), .type = FT_STR, FMEMBER(I, error), .flags = F_OPT},
};

void tls_info_free(void *p)
{
	I *t = p;
	if (t->cert) {
		tls_cert_free(t->cert);
		free(t->cert);
	}
	free(t->sni);
	free(t->error);
	t->cert = NULL;
	t->sni = t->error = NULL;
}

const struct fblock tls_table = {
	FBLOCK_KEY("tls"), FIELDS(tls_fields), .size = sizeof(I), .slot = RB_SLOT_LAYER, .rank = 10,
	.free = tls_info_free,
	.desc = "facts from the TLS layer: version, cipher, certificate, verdicts",
};
#undef I
