/* Fuzz the certificate → record code (tlsinfo.c) with arbitrary DER: whatever OpenSSL
 * accepts as an X.509 certificate (hostile DNs, SANs, serials, dates, keys) must turn into a
 * JSON block and verdicts without crashing, and the record must render to JSON. */
#include <assert.h>
#include <openssl/x509.h>
#include "fuzz_common.h"
#include "output/record.h"
#include "transport/tlsinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	X509 *c = d2i_X509(NULL, &p, (long)size);
	if (!c)
		return 0;
	struct msw_record rec;
	record_init(&rec, "mqtt");
	rec.tls = cJSON_CreateObject();
	cJSON_AddItemToObject(rec.tls, "certificate", tlsinfo_cert_json(c));
	struct tls_verdicts v;
	tlsinfo_verdicts(c, NULL, NULL, (size & 1) ? "broker.test" : NULL, "127.0.94.1", 1700000000,
			 &v);
	cJSON_AddItemToObject(rec.tls, "verdicts", tlsinfo_verdicts_json(&v));
	cJSON *j = record_to_json(&rec, "fuzz");
	assert(j);
	char *s = cJSON_PrintUnformatted(j);
	assert(s);
	free(s);
	cJSON_Delete(j);
	record_free(&rec);
	X509_free(c);
	return 0;
}
