/* Fuzz the certificate → record code (tlsinfo.c) with arbitrary DER: whatever OpenSSL
 * accepts as an X.509 certificate (hostile DNs, SANs, serials, dates, keys) must turn into a
 * tls block and verdicts without crashing, and the record written by walking the tables
 * must be byte for byte the reference tree's text (output/record.c), and parse back. */
#include <assert.h>
#include <openssl/x509.h>
#include "fuzz_common.h"
#include "output/jsonw.h"
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
	struct tls_info *t = record_block_new(&rec, &tls_table);
	assert(t);
	t->legacy = t->alert = -1;
	t->cert = calloc(1, sizeof(*t->cert));
	assert(t->cert && tlsinfo_cert(c, t->cert) == MSW_OK);
	tlsinfo_verdicts(c, NULL, NULL, (size & 1) ? "broker.test" : NULL, "127.0.94.1", 1700000000,
			 &t->v);
	cJSON *j = record_to_json(&rec, "fuzz");
	assert(j);
	struct dbuf a, b;
	dbuf_init(&a, 1u << 24);
	dbuf_init(&b, 1u << 24);
	assert(jsonw_append(&a, j) == MSW_OK);
	assert(record_text(&rec, "fuzz", &b) == MSW_OK);
	assert(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
	cJSON *back = cJSON_ParseWithLength((const char *)b.p, b.len);
	assert(back);
	cJSON_Delete(back);
	dbuf_free(&a);
	dbuf_free(&b);
	cJSON_Delete(j);
	record_free(&rec);
	X509_free(c);
	return 0;
}
