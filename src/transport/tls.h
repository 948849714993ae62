/* TLS layer extras beyond layer.h.
 *
 * tls_global_init(): builds (or reuses) the scan's SSL_CTX from the configuration so that
 * a bad --cafile/--cert/--key/--psk is reported once at start-up (main may call it; the
 * layer otherwise creates the context lazily on the first TLS connection).
 * tls_client_cert_required(): the server sent a CertificateRequest, we had no certificate
 * to give, and the connection then failed (handshake alert, or in TLS 1.3 the alert that
 * follows the handshake). describe() also sets rec->auth = AUTH_CLIENT_CERT_REQUIRED. */
#ifndef MSW_TLS_H
#define MSW_TLS_H
#include <stdbool.h>
#include <stddef.h>
#include "base/err.h"

struct layer;
struct msw_config;

msw_err tls_global_init(const struct msw_config *cfg, char *err, size_t errsz);
void tls_global_free(void);
bool tls_client_cert_required(const struct layer *l);
/* The OpenSSL error text of a failed handshake/record, or "" */
const char *tls_last_error(const struct layer *l);

#endif
