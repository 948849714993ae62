/* The columns of the CERT exports, described once: Shadowserver's Open-MQTT report
 * columns in their order (scan_mqtt: 56; scan_mqtt_anon: the same without
 * anonymous_access), then mqttsweep's own columns (only with --extra-columns). Each row
 * of the table names the CSV column, the IntelMQ event key it maps to (Shadowserver's
 * own IntelMQ mapping, report_schema intelmq.json), the IntelMQ value type, and the
 * function that derives the value from a stored record. The CSV writer and the IntelMQ
 * writer both walk this table. */
#ifndef MSW_EXPORT_COLS_H
#define MSW_EXPORT_COLS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "output/asndb.h"

#define XV_MAX 4096 /* bytes of one derived value (longer values are cut) */

/* One broker row: the record and what was derived from it once. */
struct xrow {
	const cJSON *rec;
	const cJSON *connack;  /* rec.connack (object) or NULL */
	const cJSON *tls;      /* rec.tls (object) or NULL */
	const cJSON *cert;     /* rec.tls.certificate (object) or NULL */
	bool anon_report;      /* a row of scan_mqtt_anon (else scan_mqtt) */
	bool anonymous;        /* auth == anonymous */
	const char *severity;  /* Shadowserver severity word */
	const char *tag;       /* "mqtt" or "mqtt,mqtt-anon" */
	bool have_asn;
	struct asn_info asn;
};

/* A derived value: bytes p[0..n) (NULL or n == 0: empty). from_b64: bytes decoded from a
 * "_b64" field, which may not be UTF-8. */
struct xval {
	const char *p;
	size_t n;
	bool from_b64;
	char buf[XV_MAX];
};

enum xtype { XT_STR, XT_INT, XT_BOOL, XT_TIME };

enum {
	XC_NOT_IN_ANON = 1, /* only in scan_mqtt (anonymous_access) */
	XC_EXTRA = 2,       /* mqttsweep's own column: --extra-columns */
};

struct xcol {
	const char *name;
	const char *intelmq;  /* IntelMQ key; NULL: "extra." + name */
	enum xtype type;
	void (*get)(const struct xrow *r, const struct xcol *c, struct xval *v);
	const char *arg;
	unsigned flags;
};

extern const struct xcol xcols[];
extern const size_t xcols_n;

/* Fills the derived parts of a row (severity, tag, anonymous) for rec; false when rec is
 * not an MQTT broker that answered (kind service, probe mqtt, mqtt true). */
bool xrow_init(struct xrow *r, const cJSON *rec, bool anon_report);

/* The column's value for row r. */
void xcol_value(const struct xrow *r, const struct xcol *c, struct xval *v);

/* Whether column c belongs to the report (anon or not), with or without extras. */
bool xcol_in(const struct xcol *c, bool anon_report, bool extra);

/* The record's timestamp as "YYYY-MM-DD HH:MM:SS" (UTC) into out[20]; false when it is
 * missing or not RFC 3339. */
bool xtime_sql(const cJSON *rec, char out[20]);

#endif
