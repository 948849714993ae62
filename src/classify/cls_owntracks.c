/* OwnTracks and the OwnTracks Recorder, the code beside their rule table (rules_owntracks.c):
 * the Recorder's CSV line, waypoint exports, and the per-target inventory of user/device
 * pairs (the table's on_match notes every pair a rule matched; cls_finish emits one
 * aggregate finding). Person levels are never stored: only 64-bit hashes of them. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "classify/cls_int.h"

#define LIST_MAX 5

static bool csv_field(const char *s, size_t len, const char *accept)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!strchr(accept, s[i]))
			return false;
	return true;
}

/* TID,TST(hex),T,LAT,LON,COG,VEL,ALT,DIST,TRIP (Recorder CSV_RE). */
bool cls_owntracks_csv(const char *t)
{
	const char *f[6];
	size_t len[6];
	int n = 0;
	const char *p = t;

	while (n < 6) {
		const char *c = strchr(p, ',');

		f[n] = p;
		len[n] = c ? (size_t)(c - p) : strlen(p);
		n++;
		if (!c)
			break;
		p = c + 1;
	}
	if (n < 6 || len[0] > 4 || len[1] < 6 || len[1] > 12 || len[2] != 1)
		return false;
	return csv_field(f[0], len[0], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") &&
	       csv_field(f[1], len[1], "0123456789abcdefABCDEF") && isalpha((unsigned char)f[2][0]) &&
	       csv_field(f[3], len[3], "-0123456789.") && csv_field(f[4], len[4], "-0123456789.");
}

static void csv_coord_var(struct cls_run *r, const char *name, const char *s)
{
	char buf[48];
	double d;

	snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(s, ","), s);
	d = strtod(buf, NULL);
	if (fabs(d) > 180)
		d /= 1e6;
	cls_varf(r, name, RC_COORD, "%.6f", d);
}

bool hook_ot_csv(struct cls_run *r, const struct rule *ru)
{
	const char *p = r->text;

	(void)ru;
	if (!p || !cls_owntracks_csv(p))
		return false;
	cls_varf(r, "tid", RC_NONE, "%.*s", (int)strcspn(p, ","), p);
	for (int i = 0; i < 3; i++)
		p = strchr(p, ',') + 1;
	csv_coord_var(r, "lat", p);
	p = strchr(p, ',') + 1;
	csv_coord_var(r, "lon", p);
	return true;
}

bool hook_ot_waypoints(struct cls_run *r, const struct rule *ru)
{
	const cJSON *list = cls_jget(r->json, "waypoints");
	const cJSON *w;
	char names[CLS_VAL_MAX] = "";
	int n = 0;
	const cJSON *first = NULL;

	(void)ru;
	if (!cJSON_IsArray(list)) {
		if (!cJSON_IsNumber(cls_jget(r->json, "lat")))
			return false;
		first = r->json;
		n = 1;
		cls_list_add(names, sizeof(names), cJSON_GetStringValue(cls_jget(r->json, "desc")));
	} else {
		cJSON_ArrayForEach(w, list) {
			if (!cJSON_IsObject(w) || n >= 10000)
				continue;
			if (!first && cJSON_IsNumber(cls_jget(w, "lat")))
				first = w;
			if (n < LIST_MAX)
				cls_list_add(names, sizeof(names), cJSON_GetStringValue(cls_jget(w, "desc")));
			n++;
		}
	}
	if (!n)
		return false;
	cls_varf(r, "n", RC_SAFE, "%d", n);
	cls_var(r, "names", names[0] ? names : "unnamed", RC_NONE);
	if (first) {
		char *la = cls_jstr(cls_jget(first, "lat")), *lo = cls_jstr(cls_jget(first, "lon"));

		cls_var(r, "first_lat", la, RC_COORD);
		cls_var(r, "first_lon", lo, RC_COORD);
		free(la);
		free(lo);
	}
	return true;
}

static void note_person(struct classify_ctx *c, const char *user, const char *device)
{
	char key[300];
	uint64_t h;

	snprintf(key, sizeof(key), "%s/%s", user, device);
	h = cls_hash64(key, strlen(key), 7);
	for (size_t i = 0; i < c->npeople; i++)
		if (c->people[i] == h)
			return;
	if (c->npeople < CLS_MAX_PEOPLE)
		c->people[c->npeople++] = h;
	else
		c->people_extra++;
}

void cls_ot_on_match(struct cls_run *r, const struct rule *ru)
{
	char u[128], d[128];

	(void)ru;
	if (cls_cap(r, "user", u, sizeof(u)) && cls_cap(r, "device", d, sizeof(d)))
		note_person(r->c, u, d);
}

void cls_ot_inventory(struct classify_ctx *c)
{
	char title[200], ev[96];
	struct cls_adhoc a = {
		.id = "owntracks.inventory", .cat = CAT_DEVICE_INVENTORY, .sev = SEV_INFO,
		.conf = CONF_CONFIRMED, .cwe = 359, .topic = "owntracks/#", .title = title,
		.evidence = ev,
		.remediation = "Give every OwnTracks user their own broker account and an ACL limited "
			       "to owntracks/<user>/#; deny anonymous access.",
		.reproduce = "mosquitto_sub -h {host} -p {port}{tls}{auth} -v -t 'owntracks/+/+' -W 10",
	};

	if (!c->npeople)
		return;
	snprintf(title, sizeof(title), "OwnTracks: %zu%s user/device pair(s) publish through this broker",
		 c->npeople, c->people_extra ? "+" : "");
	snprintf(ev, sizeof(ev), "{\"owntracks_devices\":%zu}", c->npeople + c->people_extra);
	cls_emit_adhoc(c, &a);
}
