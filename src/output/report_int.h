/* The report's model, shared by report.c (what is counted and kept) and report_html.c /
 * report_svg.c (how it is drawn). Internal to output/. */
#ifndef MSW_REPORT_INT_H
#define MSW_REPORT_INT_H
#include "base/hashset.h"
#include "base/vec.h"
#include "output/fixes.h"
#include "output/htmlw.h"
#include "output/report.h"

#define REPORT_LABELS_MAX 12 /* distinct products or ecosystems drawn; the rest is "other" */

/* A count per label (a broker product and version, an ecosystem): labels are copied. */
struct rep_label {
	char *label;
	uint64_t n;
};

/* One kept service record: its JSON text (trimmed: REPORT_TOPICS_KEPT topics,
 * REPORT_FINDINGS_KEPT findings) until the page is first drawn with it, then parsed once
 * (struct rep_drawn) and the text freed. */
struct rep_service {
	char *json;
	int port;
	bool mqtt;
};
/* A host's kept records as the page draws them: parsed once each, when first drawn. */
struct rep_drawn {
	cJSON *services;    /* array of the first n kept services */
	uint32_t n;
	cJSON *summary;
};
/* One host: its service records (trimmed copies), its host summary, what it runs. */
struct rep_host {
	char *ip;
	char *summary_json;  /* the kind "host" record's JSON text, or NULL */
	struct vec kept;     /* struct rep_service */
	struct rep_drawn *drawn; /* what report_html.c parsed of them so far */
	/* while the host is drawn (report_html.c): drawn's trees */
	const cJSON *summary; /* the kind "host" record, or NULL */
	const cJSON *services; /* array of kind "service" records */
	int worst;          /* enum msw_severity, -1 without findings */
	uint32_t findings;
	struct addon_signals sig;
	char *product;       /* the first broker product named */
};

/* Things a broker (an MQTT service) gives away; headline order. */
enum rep_leak { LK_OPEN, LK_PEOPLE, LK_DOOR, LK_SWITCH, LK_SECRET, LK_READABLE, LK__COUNT };

struct report {
	char *source, *scans;
	uint64_t records;
	/* MQTT brokers: services that answered MQTT */
	uint64_t brokers;
	uint64_t auth[AUTH__COUNT];
	uint64_t leak[LK__COUNT];
	uint64_t tls[5];       /* plaintext, tls_unverified, tls_verified, mtls, other */
	struct vec products;   /* struct rep_label, "product version" */
	uint64_t products_other;
	struct vec ecosystems; /* struct rep_label, brokers per ecosystem */
	/* every finding */
	uint64_t by_cat_sev[CAT__COUNT][SEV__COUNT];
	uint64_t by_sev[SEV__COUNT];
	/* hosts */
	struct vec hosts;      /* struct rep_host */
	struct hashset index;  /* ip -> hosts index */
	uint64_t hosts_seen, hosts_dropped, services_dropped, dashboards, shares;
	cJSON *diff;           /* diff events, or NULL */
};

/* Which of our own labels (a severity, an auth verdict) a record field names, or -1. */
int rep_auth_of(const char *s);
/* The software a host's fixes are written for. */
enum fix_sw rep_host_sw(const struct rep_host *h);

void rep_svg_charts(struct hw *w, const struct report *r);
void rep_html_hosts(struct hw *w, const struct report *r);
void rep_html_diff(struct hw *w, const cJSON *events);

#endif
