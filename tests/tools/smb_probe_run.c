/* Runs the smb probe's blocking job directly against one SMB server and prints the
 * record as JSON (what the engine would emit, classifier findings included), so the
 * probe can be tested against a real smbd without the rest of the scan pipeline. The line
 * is the table walker's (record_text); it must be byte for byte the reference tree's
 * (record_to_json), else the tool says where they differ and exits 3. stderr also gets the
 * probe's summarize word ("access: open").
 *
 * usage: smb_probe_run IP PORT [--read-secrets] [--range] [--evidence raw|redacted]
 *   --range: the host came from a range (t->named = false): --read-secrets is refused. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "classify/classify.h"
#include "base/config.h"
#include "base/target.h"
#include "output/jsonw.h"
#include "output/record.h"
#include "probes/probe.h"

static int usage(void)
{
	fprintf(stderr, "usage: smb_probe_run IP PORT [--read-secrets] [--range] [--evidence raw|redacted]\n");
	return 2;
}

static int parse_args(int argc, char **argv, struct msw_config *cfg, struct msw_target *t)
{
	char *end;
	unsigned long port = strtoul(argv[2], &end, 10);
	if (*end || port == 0 || port > 65535)
		return -1;
	snprintf(t->ip, sizeof(t->ip), "%s", argv[1]);
	t->port = (uint16_t)port;
	t->named = true;
	struct sockaddr_in *sin = (struct sockaddr_in *)&t->sa;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(t->port);
	if (inet_pton(AF_INET, argv[1], &sin->sin_addr) != 1)
		return -1;
	t->salen = sizeof(*sin);
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--read-secrets") == 0)
			cfg->read_secrets = true;
		else if (strcmp(argv[i], "--range") == 0)
			t->named = false;
		else if (strcmp(argv[i], "--evidence") == 0 && i + 1 < argc)
			cfg->evidence = strcmp(argv[++i], "raw") == 0 ? EVIDENCE_RAW : EVIDENCE_REDACTED;
		else
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct msw_config cfg = { .mode = MODE_AUDIT, .depth = DEPTH_HOST, .io_timeout_ms = 5000 };
	struct msw_target t = { 0 };
	if (argc < 3 || parse_args(argc, argv, &cfg, &t))
		return usage();
	struct msw_record rec;
	record_init(&rec, probe_smb.name);
	snprintf(rec.ip, sizeof(rec.ip), "%s", t.ip);
	rec.port = t.port;
	struct pctx pc = { .rec = &rec, .cfg = &cfg, .target = &t, .cls = cls_new(&cfg) };
	msw_err rc = probe_smb.run_blocking(&pc);
	if (pc.cls) {
		cls_finish(pc.cls, &rec);
		cls_free(pc.cls);
	}
	struct dbuf line, ref;
	dbuf_init(&line, 1u << 24);
	dbuf_init(&ref, 1u << 24);
	cJSON *j = record_to_json(&rec, "test");
	bool ok = j && jsonw_append(&ref, j) == MSW_OK && record_text(&rec, "test", &line) == MSW_OK;
	bool same = ok && line.len == ref.len && memcmp(line.p, ref.p, line.len) == 0;
	if (ok)
		printf("%.*s\n", (int)line.len, (const char *)line.p);
	if (ok && !same) {
		size_t i = 0;
		while (i < line.len && i < ref.len && line.p[i] == ref.p[i])
			i++;
		fprintf(stderr, "record_text and record_to_json differ at byte %zu:\n%.*s\n%.*s\n", i,
			(int)ref.len, (const char *)ref.p, (int)line.len, (const char *)line.p);
	}
	fprintf(stderr, "access: %s\n", probe_smb.summarize(&rec));
	cJSON_Delete(j);
	dbuf_free(&line);
	dbuf_free(&ref);
	record_free(&rec);
	fflush(stdout);
	fprintf(stderr, "run_blocking: %s\n", msw_err_str(rc));
	return !ok ? 1 : !same ? 3 : 0;
}
