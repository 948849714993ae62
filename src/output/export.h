/* `mqttsweep export`: stored results (any result source, output/rsource.h) written in the
 * formats CERT pipelines read: Shadowserver's Open-MQTT CSV reports, IntelMQ events and
 * zgrab2's JSON-lines envelope, optionally enriched offline from an ip2asn file and split
 * into one file per AS or country. Formats, file names and columns: docs/export.md. */
#ifndef MSW_EXPORT_H
#define MSW_EXPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "base/err.h"
#include "output/rsource.h"

enum export_format { EXPORT_SHADOWSERVER, EXPORT_INTELMQ, EXPORT_ZGRAB2 };
enum export_split { SPLIT_NONE, SPLIT_ASN, SPLIT_CC };

#define EXPORT_ORG_MAX 64        /* bytes of --org */
#define EXPORT_FILES_MAX 100000u /* output files of one export */
#define EXPORT_OPEN_MAX 64       /* output files held open at once */

struct export_opts {
	const char *source;
	enum export_format format;
	const char *out_dir;
	const char *org;       /* [A-Za-z0-9_.]+, not starting with '.' */
	const char *asn_db;    /* ip2asn TSV or NULL */
	enum export_split split;
	bool extra_columns;
	struct rs_select sel;
};

struct export_counts {
	uint64_t records;  /* records read */
	uint64_t rows;     /* rows / events / lines written */
	uint64_t files;    /* files written */
	uint64_t skipped;  /* stored rows the source skipped as malformed */
	uint64_t enriched; /* rows whose address the ip2asn file knew */
};

/* Runs one export. MSW_ERR_USAGE for bad options or a missing scan (why says which). */
msw_err export_run(const struct export_opts *o, struct export_counts *cnt, char *why,
		   size_t whylen);

/* An --org value that is safe in a file name. */
bool export_org_ok(const char *org);

#endif
