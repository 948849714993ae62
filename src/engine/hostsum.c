/* Depth host: the per-host summary record. While a host is in flight the engine keeps
 * only a small list of its services (probe, port, transport, status, auth, worst
 * severity) and finding counts per category; when the host is done they become one
 * record of kind "host" whose `extra` holds {"services": [...], "risk": {...}}. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine/engine_priv.h"

#define MAX_SERVICES 64

static int worst_of(const struct msw_record *r)
{
	int w = -1;
	for (size_t i = 0; i < r->findings.n; i++)
		if ((int)record_findings(r)[i].severity > w)
			w = (int)record_findings(r)[i].severity;
	return w;
}

/* SMB access without credentials, from the smb block: "open" (a share could be opened),
 * "listing_only" (shares listed, none opened), "login_required" (nothing without
 * credentials), "unknown" (no block: the server did not answer). */
static const char *smb_access(const cJSON *smb)
{
	const cJSON *sh;
	const char *listing = cJSON_GetStringValue(cJSON_GetObjectItem(smb, "share_listing"));
	bool any_share = false;

	if (!cJSON_IsObject(smb))
		return "unknown";
	cJSON_ArrayForEach(sh, cJSON_GetObjectItem(smb, "shares"))
	{
		const char *a = cJSON_GetStringValue(cJSON_GetObjectItem(sh, "access"));
		if (a && !strcmp(a, "guest"))
			return "open";
		any_share = true;
	}
	if (listing && strcmp(listing, "denied"))
		return "listing_only";
	return any_share || listing ? "login_required" : "unknown";
}

/* What an outsider gets at this service: the MQTT verdict for the broker, the dashboard's
 * "open"/"login_required" for http, the share summary for smb. */
static const char *service_access(const struct msw_record *r)
{
	const cJSON *x = r->extra;
	if (!strcmp(r->probe, "http")) {
		const char *a =
			cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(x, "http"), "auth"));
		return a ? a : "unknown";
	}
	if (!strcmp(r->probe, "smb"))
		return smb_access(cJSON_GetObjectItem(x, "smb"));
	return auth_str(r->auth);
}

void hs_add(struct hrun *h, const struct msw_record *r)
{
	if (!h->services)
		h->services = cJSON_CreateArray();
	if (!h->services || cJSON_GetArraySize(h->services) >= MAX_SERVICES)
		return;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return;
	int w = worst_of(r);
	cJSON_AddStringToObject(o, "probe", r->probe);
	cJSON_AddNumberToObject(o, "port", r->port);
	cJSON_AddStringToObject(o, "transport", transport_str(r->transport));
	cJSON_AddStringToObject(o, "status", status_str(r->status));
	cJSON_AddStringToObject(o, "auth", service_access(r));
	if (w >= 0)
		cJSON_AddStringToObject(o, "worst_severity", severity_str((enum msw_severity)w));
	else
		cJSON_AddNullToObject(o, "worst_severity");
	cJSON_AddItemToArray(h->services, o);
	if (w > h->worst)
		h->worst = w;
	for (size_t i = 0; i < r->findings.n; i++)
		if ((unsigned)record_findings(r)[i].category < CAT__COUNT)
			h->cats[record_findings(r)[i].category]++;
}

/* "mqtt:1883 [high] -> http:1880 [critical] -> smb:445 [critical]": the broker, then the
 * open doors in order; a service without findings shows its access instead
 * ("mqtt:1883 [credentials_required]", "http:8080 [open]"). */
static void chain(const struct hrun *h, char *buf, size_t len)
{
	size_t n = 0;
	const cJSON *s;
	buf[0] = 0;
	cJSON_ArrayForEach(s, h->services)
	{
		const char *auth = cJSON_GetStringValue(cJSON_GetObjectItem(s, "auth"));
		const char *sev = cJSON_GetStringValue(cJSON_GetObjectItem(s, "worst_severity"));
		bool open = auth && (!strcmp(auth, "anonymous") || !strcmp(auth, "any_credentials") ||
				     !strcmp(auth, "open"));
		const char *probe = cJSON_GetStringValue(cJSON_GetObjectItem(s, "probe"));
		bool broker = probe && !strcmp(probe, "mqtt") && auth && strcmp(auth, "unknown");
		if (!sev)
			sev = open || broker ? auth : NULL; /* the broker starts the chain */
		if (!sev)
			continue;
		int k = snprintf(buf + n, len - n, "%s%s:%d [%s]", n ? " -> " : "",
				 probe ? probe : "?", (int)cJSON_GetNumberValue(cJSON_GetObjectItem(s, "port")), sev);
		if (k < 0 || (size_t)k >= len - n)
			break;
		n += (size_t)k;
	}
}

static cJSON *risk(const struct hrun *h)
{
	cJSON *r = cJSON_CreateObject();
	if (!r)
		return NULL;
	if (h->worst >= 0)
		cJSON_AddStringToObject(r, "worst_severity",
					severity_str((enum msw_severity)h->worst));
	else
		cJSON_AddNullToObject(r, "worst_severity");
	cJSON *cats = cJSON_AddObjectToObject(r, "findings_by_category");
	for (int i = 0; cats && i < CAT__COUNT; i++)
		if (h->cats[i])
			cJSON_AddNumberToObject(cats, category_str((enum msw_category)i),
						h->cats[i]);
	char buf[1024];
	chain(h, buf, sizeof(buf));
	cJSON_AddStringToObject(r, "chain", buf);
	return r;
}

void hs_emit(struct eng *e, struct hrun *h)
{
	struct msw_record r;
	struct msw_target t = h->h->base;
	t.port = 0;
	t.transport = TRANSPORT_TCP;
	record_init(&r, "host");
	r.kind = KIND_HOST;
	eng_record_identity(e, &r, &t, eng_wall_us());
	r.status = ST_SUCCESS;
	r.extra = cJSON_CreateObject();
	cJSON *rk = risk(h);
	if (r.extra) {
		cJSON_AddItemToObject(r.extra, "services",
				      h->services ? h->services : cJSON_CreateArray());
		h->services = NULL;
		if (rk)
			cJSON_AddItemToObject(r.extra, "risk", rk);
	} else {
		cJSON_Delete(rk);
	}
	eng_emit(e, &h->tally, &r); /* a record, not a target: no outcome */
	record_free(&r);
}

void hs_free(struct hrun *h)
{
	cJSON_Delete(h->services);
	h->services = NULL;
}
