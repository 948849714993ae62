/* The owner's report: one self-contained HTML page (inline CSS and SVG, no script, no
 * external resource, a Content-Security-Policy that forbids both) built from result records.
 * `mqttsweep report SOURCE` feeds it the records a database holds; `--html FILE` during a
 * scan feeds it the records as they come. One renderer for both.
 *
 * The page: a headline in words over the MQTT brokers reached (every percentage names its
 * denominator), charts (auth verdicts, findings by category and severity, ecosystems,
 * broker products and versions, TLS use), an optional comparison with an earlier scan
 * (report_set_diff), then one section per host, worst first: its services, the chain of
 * open doors, the fixes that fit the software it runs (fixes.h) and every finding with its
 * redacted evidence and reproduce line.
 *
 * Records are input like any other (a database may have been edited): every string is
 * escaped (htmlw.h) and only fields of the expected type are read. Memory is capped:
 * the aggregates count every record, the per-host detail keeps REPORT_HOSTS_MAX hosts
 * (those with findings first come, then the rest) with REPORT_TOPICS_KEPT topics per
 * service; what was left out is said on the page. A kept service is kept as its JSON text
 * and parsed again only while its host's section is drawn. */
#ifndef MSW_REPORT_H
#define MSW_REPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "base/err.h"
#include "output/record.h"

#define REPORT_HOSTS_MAX 2000    /* hosts with a section of their own */
#define REPORT_SERVICES_MAX 64   /* services kept per host */
#define REPORT_TOPICS_KEPT 40    /* topics kept per service (the count is always shown) */
#define REPORT_FINDINGS_KEPT 300 /* findings kept per service */
#define REPORT_TEXT_MAX 4096     /* bytes shown of one string (titles, evidence, samples) */

struct report;

msw_err report_new(struct report **out);
void report_free(struct report *r);
/* A record of any kind (service, host summary); what is kept is copied. */
msw_err report_add(struct report *r, const cJSON *rec);
/* The same record read through the field tables (the scan's records, no tree): the page is
 * the one report_add() of its JSON would give. */
msw_err report_add_record(struct report *r, const struct msw_record *rec);
/* Where the records came from, for the page's first lines (copied; shown escaped). */
msw_err report_set_origin(struct report *r, const char *source, const char *scans);
/* A comparison with an earlier scan, rendered as its own section (the report takes it:
 * an array of diff events, see diff.h). */
void report_set_diff(struct report *r, cJSON *events);
/* Findings per severity over every record added (for --fail-on). */
void report_severities(const struct report *r, uint64_t by_sev[SEV__COUNT]);
/* Records added (services and host summaries). */
uint64_t report_records(const struct report *r);
msw_err report_write(const struct report *r, FILE *f);
/* Writes PATH.tmp and renames it over PATH, so a reader never sees half a page. */
msw_err report_write_file(const struct report *r, const char *path);

/* The headline sentence ("Of N MQTT brokers reached, M let anyone in (x% of ...); ...")
 * as plain text into out (for tests and the terminal). */
void report_headline(const struct report *r, char *out, size_t cap);

#endif
