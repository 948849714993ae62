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
#include <cjson/cJSON.h>
#include <openssl/x509.h>

struct tls_verdicts {
	bool self_signed;
	bool expired;
	bool not_yet_valid;
	bool hostname_mismatch;
	bool chain_verified;
	bool weak_key;
	int verify_error; /* X509_V_* from chain verification (0 = ok) */
};

/* The certificate block: subject, issuer, san, serial, validity, fingerprints, key type
 * and bits, signature algorithm. NULL on OOM. */
cJSON *tlsinfo_cert_json(X509 *cert);
/* A DN as {"CN": "...", "O": "...", ...}; a repeated part becomes an array. */
cJSON *tlsinfo_name_json(const X509_NAME *name);
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
cJSON *tlsinfo_verdicts_json(const struct tls_verdicts *v);

#endif
