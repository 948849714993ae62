/* The version -> CVE table of the broker products mqttsweep identifies (data in
 * broker_cves.c, matched by broker_db.c). A row is one affected range of one CVE: a CVE
 * with several release branches has a row per branch. */
#ifndef MSW_BROKER_CVES_H
#define MSW_BROKER_CVES_H
#include <stdbool.h>
#include <stddef.h>

/* What else must hold for the CVE to matter, beyond the version. */
enum cve_cond {
	CV_NONE,        /* the version is all it takes (reachable without an account) */
	CV_CLIENT,      /* needs a connected client: holds when the scan itself got in */
	CV_PUBLISH,     /* needs a client allowed to publish: a read-only scan cannot tell */
	CV_MQTT5,       /* reached through MQTT 5 only: fails when the broker refused 5.0 */
	CV_MQTT,        /* through the product's MQTT listener: holds on an MQTT record */
	CV_CONFIG,      /* needs a plugin, bridge or setting a read-only scan cannot see */
	CV_OTHER_PORT,  /* through another port of the product (OpenWire, console, ...) */
};

struct cve_row {
	const char *product;     /* as in record.broker.product: "mosquitto", "rabbitmq", ... */
	const char *cve;         /* or an advisory id where no CVE exists */
	const char *from;        /* first affected version (inclusive), NULL = any */
	const char *fixed;       /* first fixed version (exclusive bound), NULL = see last */
	const char *last;        /* last affected version (inclusive) when no fix is named */
	double cvss;             /* 0 = no verified score */
	int cwe;
	bool cwe_inferred;       /* the record states none we could check: ours from the text */
	enum cve_cond cond;
	const char *condition;   /* the condition in words (NULL for CV_NONE) */
	const char *title;
	const char *source;
};

/* Per product: how it is written, and what distributions are known to backport. */
struct cve_product {
	const char *product;
	const char *name;
	const char *backports;   /* NULL when none is known */
	bool version_on_wire;    /* false: rows are documentation only, never matched */
};

extern const struct cve_row broker_cves[];
extern const size_t broker_ncves;
extern const struct cve_product broker_cve_products[];
extern const size_t broker_ncve_products;

#endif
