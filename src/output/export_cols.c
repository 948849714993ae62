/* Shadowserver Open-MQTT columns from stored records (see export_cols.h).
 *
 * Value formats follow the reports as IntelMQ's test data shows them: timestamps and
 * certificate dates "YYYY-MM-DD HH:MM:SS" (UTC), fingerprints upper-case hex pairs joined
 * by ':', the serial number upper-case hex, the cipher suite by its IANA name, signature
 * and key algorithms by OpenSSL's long names (sha256WithRSAEncryption, rsaEncryption),
 * cert_length the key size in bits, ssl_version the TLS minor version less one (TLS 1.0 =
 * 0 ... TLS 1.3 = 3: Shadowserver's TLS 1.2 rows carry 2), the CONNACK as raw_response
 * (its bytes in hex), hex_code (the return code, two hex digits) and code (the MQTT 3.1.1
 * specification's wording; MQTT 5 reason codes by the 5.0 specification's names).
 *
 * Severity, from Shadowserver's severity levels: a broker that lets anyone in (no
 * credentials, or any credentials) is "high" (some data can be leaked) and "critical"
 * when mqttsweep read sensitive data there (a finding of severity critical: locations,
 * locks, secrets); a broker that asks for a login is "medium" over plain TCP/WebSocket
 * (an unencrypted service requiring login) and "low" over TLS. */
#include "output/export_cols.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include "output/jget.h"

static void set_str(struct xval *v, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	v->p = s;
	v->n = n < XV_MAX ? n : XV_MAX;
}

static void set_fmt(struct xval *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_fmt(struct xval *v, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(v->buf, sizeof(v->buf), fmt, ap);
	va_end(ap);
	v->p = v->buf;
	v->n = n < 0 ? 0 : (size_t)n < sizeof(v->buf) ? (size_t)n : sizeof(v->buf) - 1;
}

/* Standard base64 text into v->buf (cut at XV_MAX bytes of output). */
static void set_b64(struct xval *v, const char *b64)
{
	size_t n = strlen(b64);
	size_t max_in = (sizeof(v->buf) - 4) / 3 * 4;

	if (n > max_in)
		n = max_in;
	n -= n % 4;
	int out = n ? EVP_DecodeBlock((unsigned char *)v->buf, (const unsigned char *)b64, (int)n)
		    : 0;
	if (out < 0)
		return;
	while (n && b64[n - 1] == '=' && out > 0) {
		n--;
		out--;
	}
	v->p = v->buf;
	v->n = (size_t)out;
	v->from_b64 = true;
}

/* A string field, or its "_b64" twin decoded. */
static void set_field(struct xval *v, const cJSON *o, const char *key)
{
	bool b64 = false;
	const char *s = jstr_or_b64(o, key, &b64);

	if (!s)
		return;
	if (b64)
		set_b64(v, s);
	else
		set_str(v, s);
}

static bool is_int(const cJSON *n)
{
	return cJSON_IsNumber(n) && n->valuedouble >= -9e15 && n->valuedouble <= 9e15 &&
	       n->valuedouble == (double)(long long)n->valuedouble;
}

/* "YYYY-MM-DDTHH:MM:SS[.fff]Z" to "YYYY-MM-DD HH:MM:SS". */
static bool rfc3339_sql(const char *s, char out[20])
{
	static const char pat[] = "dddd-dd-ddTdd:dd:dd";

	if (!s || strnlen(s, 20) < 19)
		return false;
	for (size_t i = 0; i < 19; i++)
		if (pat[i] == 'd' ? !isdigit((unsigned char)s[i])
				  : (s[i] != pat[i] && !(i == 10 && s[i] == 't')))
			return false;
	const char *z = s + 19; /* [.fraction] then Z: other zones are refused, not shifted */
	if (*z == '.')
		for (z++; isdigit((unsigned char)*z) && z - s < 40; z++)
			;
	if ((*z != 'Z' && *z != 'z') || z[1])
		return false;
	memcpy(out, s, 19);
	out[10] = ' ';
	out[19] = 0;
	return true;
}

bool xtime_sql(const cJSON *rec, char out[20])
{
	return rfc3339_sql(jstr(rec, "timestamp"), out);
}

static void time_field(struct xval *v, const char *s)
{
	if (rfc3339_sql(s, v->buf)) {
		v->p = v->buf;
		v->n = 19;
	}
}

/* ---- getters ---- */

static void g_empty(const struct xrow *r, const struct xcol *c, struct xval *v)
{
}

static void g_const(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	set_str(v, c->arg);
}

static void g_timestamp(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	if (xtime_sql(r->rec, v->buf)) {
		v->p = v->buf;
		v->n = 19;
	}
}

static void g_severity(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	set_str(v, r->severity);
}

static void g_tag(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	set_str(v, r->tag);
}

static void g_anon(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	set_str(v, r->anonymous ? "Y" : "N");
}

/* A dotted path into the record (at most 3 levels): strings (or _b64), integers, bools. */
static void g_path(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	char key[64];
	const cJSON *o = r->rec;
	const char *p = c->arg;

	for (int depth = 0; o && depth < 3; depth++) {
		const char *dot = strchr(p, '.');
		if (!dot)
			break;
		size_t n = (size_t)(dot - p);
		if (n >= sizeof(key))
			return;
		memcpy(key, p, n);
		key[n] = 0;
		o = jget(o, key);
		p = dot + 1;
	}
	if (!cJSON_IsObject(o))
		return;
	const cJSON *val = jget(o, p);
	if (is_int(val))
		set_fmt(v, "%lld", (long long)val->valuedouble);
	else if (cJSON_IsBool(val))
		set_str(v, cJSON_IsTrue(val) ? "true" : "false");
	else
		set_field(v, o, p);
}

static void g_asn(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	if (r->have_asn && r->asn.asn)
		set_fmt(v, "%u", r->asn.asn);
}

static void g_geo(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	if (r->have_asn && r->asn.cc[0])
		set_str(v, r->asn.cc);
}

static void g_as_name(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	if (r->have_asn)
		set_str(v, r->asn.as_name);
}

static bool hex_text(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n] && n <= max; n++)
		if (!isxdigit((unsigned char)s[n]))
			return false;
	return n && n <= max;
}

static void g_raw_response(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	const char *h = jstr(r->connack, "raw_hex");

	if (h && hex_text(h, XV_MAX - 1))
		set_str(v, h);
}

static int connack_code(const struct xrow *r)
{
	const cJSON *c = jget(r->connack, "code");

	return is_int(c) && c->valuedouble >= 0 && c->valuedouble <= 255 ? (int)c->valuedouble
									 : -1;
}

static void g_hex_code(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	int code = connack_code(r);

	if (code >= 0)
		set_fmt(v, "%02x", code);
}

/* MQTT 3.1.1 table 3.1 (3.1 uses the same codes). */
static const char *const v3_codes[] = {
	"Connection Accepted",
	"Connection Refused, unacceptable protocol version",
	"Connection Refused, identifier rejected",
	"Connection Refused, Server unavailable",
	"Connection Refused, bad user name or password",
	"Connection Refused, not authorized",
};

static void g_code(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	int code = connack_code(r);
	const char *ver = jstr(r->rec, "mqtt_version");

	if (code < 0)
		return;
	if (ver && !strcmp(ver, "5.0")) {
		set_field(v, r->connack, "reason");
		return;
	}
	if ((size_t)code < sizeof(v3_codes) / sizeof(v3_codes[0]))
		set_str(v, v3_codes[code]);
}

/* OpenSSL's cipher name to the IANA (RFC) name; TLS 1.3 names are already IANA's. */
static const char *iana_cipher(const char *ossl)
{
	static SSL_CTX *ctx;
	const char *found = NULL;

	if (!strncmp(ossl, "TLS_", 4))
		return ossl;
	if (!ctx) {
		ctx = SSL_CTX_new(TLS_method());
		if (!ctx || SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL:@SECLEVEL=0") != 1)
			return NULL;
	}
	STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(ctx);
	for (int i = 0; sk && i < sk_SSL_CIPHER_num(sk) && !found; i++) {
		const SSL_CIPHER *ci = sk_SSL_CIPHER_value(sk, i);
		if (!strcmp(SSL_CIPHER_get_name(ci), ossl))
			found = SSL_CIPHER_standard_name(ci);
	}
	return found;
}

static void g_cipher(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	const char *ossl = jstr(r->tls, "cipher");

	if (ossl && *ossl)
		set_str(v, iana_cipher(ossl));
}

static void g_ssl_version(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	static const char *const names[] = {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"};
	const char *ver = jstr(r->tls, "version");

	for (size_t i = 0; ver && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(ver, names[i]))
			set_fmt(v, "%zu", i);
}

static void g_cert_int(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	const cJSON *n = jget(r->cert, c->arg);

	if (is_int(n) && n->valuedouble > 0)
		set_fmt(v, "%lld", (long long)n->valuedouble);
}

static void g_cert_str(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	set_field(v, r->cert, c->arg);
}

static void g_cert_date(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	time_field(v, jstr(r->cert, c->arg));
}

/* Lower-case hex from the record to upper-case pairs joined by ':' (fingerprints), or
 * upper-case without separators (serial). */
static void hex_upper(struct xval *v, const char *h, bool colons)
{
	size_t n = h ? strnlen(h, XV_MAX) : 0, o = 0;

	if (!n || !hex_text(h, (XV_MAX - 1) / 3 * 2) || (colons && n % 2))
		return;
	for (size_t i = 0; i < n; i++) {
		if (colons && i && i % 2 == 0)
			v->buf[o++] = ':';
		v->buf[o++] = (char)toupper((unsigned char)h[i]);
	}
	v->p = v->buf;
	v->n = o;
}

static void g_fingerprint(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	hex_upper(v, jstr(jget(r->cert, "fingerprints"), c->arg), true);
}

static void g_serial(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	hex_upper(v, jstr(r->cert, "serial"), false);
}

static void g_key_alg(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	static const char *const map[][2] = {
		{"RSA", "rsaEncryption"}, {"RSA-PSS", "rsassaPss"}, {"EC", "id-ecPublicKey"},
		{"DSA", "dsaEncryption"}, {"DH", "dhKeyAgreement"}, {"ED25519", "ED25519"},
		{"ED448", "ED448"},
	};
	const char *k = jstr(r->cert, "key_type");

	if (!k)
		return;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(k, map[i][0])) {
			set_str(v, map[i][1]);
			return;
		}
	set_str(v, k);
}

/* A distinguished-name part ("subject:CN"): one value, or repeated values joined by "; ". */
static void g_dn(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	const char *colon = strchr(c->arg, ':');
	char which[8];
	size_t wn = (size_t)(colon - c->arg);

	memcpy(which, c->arg, wn);
	which[wn] = 0;
	const cJSON *dn = jget(r->cert, which), *val = jget(dn, colon + 1);
	if (!cJSON_IsArray(val)) {
		if (cJSON_IsObject(dn))
			set_field(v, dn, colon + 1);
		return;
	}
	size_t o = 0;
	const cJSON *e;
	cJSON_ArrayForEach(e, val) {
		if (!cJSON_IsString(e))
			continue;
		int n = snprintf(v->buf + o, sizeof(v->buf) - o, "%s%s", o ? "; " : "", e->valuestring);
		if (n < 0 || (size_t)n >= sizeof(v->buf) - o) {
			o = sizeof(v->buf) - 1;
			break;
		}
		o += (size_t)n;
	}
	v->p = v->buf;
	v->n = o;
}

static const char *worst_finding(const cJSON *rec, const char **id, int *count);

static void g_findings(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	int n = 0;
	const char *id = NULL;
	const char *sev = worst_finding(r->rec, &id, &n);

	if (!strcmp(c->arg, "count"))
		set_fmt(v, "%d", n);
	else if (!strcmp(c->arg, "severity"))
		set_str(v, sev);
	else
		set_str(v, id);
}

#define SUBJ(n, k) {"subject_" n, NULL, XT_STR, g_dn, "subject:" k, 0}
#define ISSU(n, k) {"issuer_" n, NULL, XT_STR, g_dn, "issuer:" k, 0}
#define XTRA(n, path, t) {"mqttsweep_" n, NULL, t, g_path, path, XC_EXTRA}

const struct xcol xcols[] = {
	{"timestamp", "time.source", XT_TIME, g_timestamp, NULL, 0},
	{"severity", "severity", XT_STR, g_severity, NULL, 0},
	{"ip", "source.ip", XT_STR, g_path, "ip", 0},
	{"protocol", "protocol.transport", XT_STR, g_const, "tcp", 0},
	{"port", "source.port", XT_INT, g_path, "port", 0},
	{"hostname", "source.fqdn", XT_STR, g_path, "hostname", 0},
	{"tag", NULL, XT_STR, g_tag, NULL, 0},
	{"asn", "source.asn", XT_INT, g_asn, NULL, 0},
	{"geo", "source.geolocation.cc", XT_STR, g_geo, NULL, 0},
	{"region", "source.geolocation.region", XT_STR, g_empty, NULL, 0},
	{"city", "source.geolocation.city", XT_STR, g_empty, NULL, 0},
	{"naics", NULL, XT_INT, g_empty, NULL, 0},
	{"hostname_source", NULL, XT_STR, g_empty, NULL, 0},
	{"sector", NULL, XT_STR, g_empty, NULL, 0},
	{"anonymous_access", NULL, XT_BOOL, g_anon, NULL, XC_NOT_IN_ANON},
	{"raw_response", NULL, XT_STR, g_raw_response, NULL, 0},
	{"hex_code", NULL, XT_STR, g_hex_code, NULL, 0},
	{"code", NULL, XT_STR, g_code, NULL, 0},
	{"cipher_suite", NULL, XT_STR, g_cipher, NULL, 0},
	{"cert_length", NULL, XT_INT, g_cert_int, "key_bits", 0},
	SUBJ("common_name", "CN"),
	ISSU("common_name", "CN"),
	{"cert_issue_date", NULL, XT_STR, g_cert_date, "not_before", 0},
	{"cert_expiration_date", NULL, XT_STR, g_cert_date, "not_after", 0},
	{"sha1_fingerprint", NULL, XT_STR, g_fingerprint, "sha1", 0},
	{"sha256_fingerprint", NULL, XT_STR, g_fingerprint, "sha256", 0},
	{"sha512_fingerprint", NULL, XT_STR, g_fingerprint, "sha512", 0},
	{"md5_fingerprint", NULL, XT_STR, g_fingerprint, "md5", 0},
	{"cert_serial_number", NULL, XT_STR, g_serial, NULL, 0},
	{"ssl_version", NULL, XT_INT, g_ssl_version, NULL, 0},
	{"signature_algorithm", NULL, XT_STR, g_cert_str, "signature_algorithm", 0},
	{"key_algorithm", NULL, XT_STR, g_key_alg, NULL, 0},
	SUBJ("organization_name", "O"),
	SUBJ("organization_unit_name", "OU"),
	SUBJ("country", "C"),
	SUBJ("state_or_province_name", "ST"),
	SUBJ("locality_name", "L"),
	SUBJ("street_address", "street"),
	SUBJ("postal_code", "postalCode"),
	SUBJ("surname", "SN"),
	SUBJ("given_name", "GN"),
	SUBJ("email_address", "emailAddress"),
	SUBJ("business_category", "businessCategory"),
	SUBJ("serial_number", "serialNumber"),
	ISSU("organization_name", "O"),
	ISSU("organization_unit_name", "OU"),
	ISSU("country", "C"),
	ISSU("state_or_province_name", "ST"),
	ISSU("locality_name", "L"),
	ISSU("street_address", "street"),
	ISSU("postal_code", "postalCode"),
	ISSU("surname", "SN"),
	ISSU("given_name", "GN"),
	ISSU("email_address", "emailAddress"),
	ISSU("business_category", "businessCategory"),
	ISSU("serial_number", "serialNumber"),
	/* mqttsweep's own columns (--extra-columns) */
	XTRA("transport", "transport", XT_STR),
	XTRA("transport_security", "transport_security", XT_STR),
	XTRA("mqtt_version", "mqtt_version", XT_STR),
	XTRA("auth", "auth", XT_STR),
	XTRA("auth_identity", "auth_identity", XT_STR),
	XTRA("read_access", "read_access", XT_STR),
	XTRA("write_access", "write_access", XT_STR),
	XTRA("broker_product", "broker.product", XT_STR),
	XTRA("broker_version", "broker.version", XT_STR),
	XTRA("topic_count", "topics.count", XT_INT),
	XTRA("sys_topic_count", "topics.sys_count", XT_INT),
	{"mqttsweep_findings", NULL, XT_INT, g_findings, "count", XC_EXTRA},
	{"mqttsweep_worst_severity", NULL, XT_STR, g_findings, "severity", XC_EXTRA},
	{"mqttsweep_worst_finding", NULL, XT_STR, g_findings, "id", XC_EXTRA},
	{"mqttsweep_as_name", NULL, XT_STR, g_as_name, NULL, XC_EXTRA},
	XTRA("scan_id", "scan_id", XT_STR),
};

const size_t xcols_n = sizeof(xcols) / sizeof(xcols[0]);

void xcol_value(const struct xrow *r, const struct xcol *c, struct xval *v)
{
	v->p = NULL;
	v->n = 0;
	v->from_b64 = false;
	c->get(r, c, v);
	if (!v->p)
		v->n = 0;
}

bool xcol_in(const struct xcol *c, bool anon_report, bool extra)
{
	if ((c->flags & XC_NOT_IN_ANON) && anon_report)
		return false;
	return extra || !(c->flags & XC_EXTRA);
}

static int sev_rank(const char *s)
{
	static const char *const names[] = {"info", "low", "medium", "high", "critical"};

	for (int i = 0; s && i < 5; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

/* The worst finding's severity (NULL: none) and id; *count = findings. */
static const char *worst_finding(const cJSON *rec, const char **id, int *count)
{
	const cJSON *f, *fs = jget(rec, "findings");
	const char *worst = NULL;
	int rank = -1;

	*count = 0;
	*id = NULL;
	if (!cJSON_IsArray(fs))
		return NULL;
	cJSON_ArrayForEach(f, fs) {
		const char *s = jstr(f, "severity");
		(*count)++;
		if (sev_rank(s) > rank) {
			rank = sev_rank(s);
			worst = s;
			*id = jstr(f, "id");
		}
	}
	return worst;
}

static bool str_is(const char *s, const char *want)
{
	return s && !strcmp(s, want);
}

bool xrow_init(struct xrow *r, const cJSON *rec, bool anon_report)
{
	memset(r, 0, sizeof(*r));
	if (!str_is(jstr(rec, "kind"), "service") || !str_is(jstr(rec, "probe"), "mqtt") ||
	    !cJSON_IsTrue(jget(rec, "mqtt")))
		return false;
	r->rec = rec;
	r->connack = cJSON_IsObject(jget(rec, "connack")) ? jget(rec, "connack") : NULL;
	r->tls = cJSON_IsObject(jget(rec, "tls")) ? jget(rec, "tls") : NULL;
	r->cert = cJSON_IsObject(jget(r->tls, "certificate")) ? jget(r->tls, "certificate") : NULL;
	const char *auth = jstr(rec, "auth");
	r->anonymous = str_is(auth, "anonymous");
	r->anon_report = anon_report;
	if (anon_report && !r->anonymous)
		return false;
	r->tag = anon_report ? "mqtt,mqtt-anon" : "mqtt";
	int n;
	const char *id;
	const char *worst = worst_finding(rec, &id, &n);
	const char *tr = jstr(rec, "transport");
	bool tls = str_is(tr, "tls") || str_is(tr, "wss");
	if (r->anonymous || str_is(auth, "any_credentials"))
		r->severity = sev_rank(worst) >= 4 ? "critical" : "high";
	else
		r->severity = tls ? "low" : "medium";
	return true;
}
