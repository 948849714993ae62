/* Depth host: the per-host summary record. While a host is in flight the engine keeps
 * only a small list of its services (probe, port, transport, status, access, worst
 * severity) and finding counts per category (struct host_summary, base/record.h); when
 * the host is done they become one record of kind "host" carrying that block (services[],
 * risk). What an outsider gets at a service is the probe's own word (its summarize hook):
 * the engine reads no probe's blocks. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/engine_priv.h"

void hs_add(struct hrun *h, const struct msw_record *r, const struct probe *p)
{
	struct host_service *s = vec_push(&h->sum.services);
	int w;

	if (!s)
		return; /* HOST_MAX_SERVICES reached, or out of memory */
	w = record_worst_severity(r);
	memcpy(s->probe, r->probe, sizeof(s->probe));
	s->port = r->port;
	s->transport = r->transport;
	s->status = r->status;
	s->access = p && p->summarize ? p->summarize(r) : auth_str(r->auth);
	s->worst = w;
	if (w > h->sum.worst)
		h->sum.worst = w;
	for (size_t i = 0; i < r->findings.n; i++)
		if ((unsigned)record_findings(r)[i].category < CAT__COUNT)
			h->sum.cats[record_findings(r)[i].category]++;
}

/* "mqtt:1883 [high] -> http:1880 [critical] -> smb:445 [critical]": the broker, then the
 * open doors in order; a service without findings shows its access instead
 * ("mqtt:1883 [credentials_required]", "http:8080 [open]"). */
static void chain(const struct host_summary *h, char *buf, size_t len)
{
	const struct host_service *sv = h->services.p;
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < h->services.n; i++) {
		const struct host_service *s = &sv[i];
		const char *auth = s->access ? s->access : "";
		bool open = !strcmp(auth, "anonymous") || !strcmp(auth, "any_credentials") ||
			    !strcmp(auth, "open");
		bool broker = !strcmp(s->probe, "mqtt") && strcmp(auth, "unknown");
		const char *sev = s->worst >= 0 ? severity_str((enum msw_severity)s->worst)
				  : open || broker ? auth /* the broker starts the chain */
						   : NULL;
		if (!sev)
			continue;
		int k = snprintf(buf + n, len - n, "%s%s:%d [%s]", n ? " -> " : "", s->probe,
				 (int)s->port, sev);
		if (k < 0 || (size_t)k >= len - n)
			break;
		n += (size_t)k;
	}
}

bool hs_any(const struct hrun *h)
{
	return h->sum.services.n > 0;
}

void hs_emit(struct eng *e, struct hrun *h)
{
	struct msw_record r;
	struct msw_target t = h->h->base;
	struct host_summary *s;
	char buf[1024];

	t.port = 0;
	t.transport = TRANSPORT_TCP;
	record_init(&r, "host");
	r.kind = KIND_HOST;
	eng_record_identity(e, &r, &t, eng_wall_us());
	r.status = ST_SUCCESS;
	chain(&h->sum, buf, sizeof(buf));
	s = record_block_new(&r, &host_summary_table);
	if (s) { /* the summary moves into the record */
		*s = h->sum;
		s->chain = strdup(buf);
		host_summary_init(&h->sum);
	}
	eng_emit(e, &h->tally, &r); /* a record, not a target: no outcome */
	record_free(&r);
}

void hs_free(struct hrun *h)
{
	host_summary_free(&h->sum);
}
