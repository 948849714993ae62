/* Certificate facts and verdicts for the record's tls block, as functions of an X509 (and
 * its chain and a trust store) only: no sockets, so they are unit-tested on certificates
 * made in memory. tls.c calls them after a handshake.
 *
 * Verdicts:
 *  self_signed        the leaf's issuer is its subject and its own key verifies it
 *  expired            notAfter < now;  not_yet_valid: notBefore > now
 *  hostname_mismatch  X509_check_host() against the name the user gave, or
 *                     X509_check_ip_asc() against the address when no name was given
 *  chain_verified     X509_verify_cert() against the store (system CAs or --cafile),
 *                     with the peer's chain as untrusted intermediates; includes dates
 *  weak_key           RSA/DSA/DH < 2048 bits, EC < 224 bits, or any DSA key */
#ifndef MSW_TLSINFO_H
#define MSW_TLSINFO_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <openssl/x509.h>
#include "base/record.h"

struct tls_verdicts {
	bool self_signed;
	bool expired;
	bool not_yet_valid;
	bool hostname_mismatch;
	bool chain_verified;
	bool weak_key;
	int verify_error; /* X509_V_* from chain verification (0 = ok) */
};

/* One part of a DN: its short name (or dotted OID) and value as UTF-8 bytes. */
struct tls_dn_part {
	char key[80];
	struct mbytes val;
};
#define TLS_MAX_DN_PARTS 32
#define TLS_MAX_SANS 64

/* The certificate block: subject, issuer, san, serial, validity, fingerprints, key type
 * and bits, signature algorithm (tls_cert_table writes a DN as {"CN": ..., "O": ...}, a
 * repeated part as an array). */
struct tls_cert {
	struct vec subject, issuer;      /* struct tls_dn_part */
	struct strlist san_dns, san_ip;  /* a DNS name with NUL is kept whole (dns_b64) */
	char *serial;                    /* lowercase hex, or NULL */
	char not_before[32], not_after[32];
	char sha1[41], sha256[65], sha512[129], md5[33];
	bool has_key;
	const char *key_type;
	int key_bits;
	char key_curve[64];
	const char *signature_algorithm;
	long version;
};
extern const struct fblock tls_cert_table;
/* Fill *out from cert (out is overwritten; tls_cert_free releases it). */
msw_err tlsinfo_cert(X509 *cert, struct tls_cert *out);
void tls_cert_free(struct tls_cert *c);
/* ASN1_TIME → RFC 3339 UTC ("2026-11-25T17:00:00Z"); false if it cannot be converted. */
bool tlsinfo_time_rfc3339(const ASN1_TIME *t, char *out, size_t outsz);
/* Key type name ("RSA", "EC", "ED25519", "DSA", ...) and size in bits. */
const char *tlsinfo_key_type(EVP_PKEY *k);
bool tlsinfo_weak_key(EVP_PKEY *k);

/* Computes every verdict. host: the name the user gave (NULL when targeted by address);
 * ip: the numeric address; chain: untrusted certificates sent by the peer (may be NULL);
 * store: trust anchors (may be NULL → chain_verified false); now: the time to judge by. */
void tlsinfo_verdicts(X509 *cert, STACK_OF(X509) * chain, X509_STORE *store, const char *host,
		      const char *ip, time_t now, struct tls_verdicts *v);

/* The record's "tls" block (filled by the TLS layer when it describes itself). */
struct tls_info {
	bool handshake_ok;
	bool facts;                 /* version and cipher are known */
	char version[24];
	char cipher[96];
	bool psk;
	struct tls_cert *cert;      /* the peer's certificate, or NULL */
	int chain_length;
	bool insecure;              /* --insecure: verification skipped */
	const char *verify_error;   /* OpenSSL's text, or NULL */
	struct tls_verdicts v;      /* with a certificate */
	int legacy;                 /* legacy protocols: -1 not tested, 0 refused, 1 accepted */
	const char *legacy_version; /* what the legacy attempt got, or NULL */
	bool client_cert_requested, client_cert_sent, client_cert_required;
	int alert;                  /* the alert received, -1 none */
	const char *alert_name;
	char *sni;
	char *error;
};
extern const struct fblock tls_table;
void tls_info_free(void *t);

#endif
