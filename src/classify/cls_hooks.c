/* Rule hooks: the little code some rules need beyond topic/payload matching (walking a
 * Dash dashboard, counting Zigbee2MQTT devices, Tasmota relay names, Home Assistant
 * command topics; OwnTracks has its own file, cls_owntracks.c). A hook returns true when the rule matches and
 * leaves variables for the title/evidence templates with cls_var(). Walks are bounded: the
 * JSON depth by the parser (CLS_JSON_MAX_DEPTH), the nodes visited by WALK_MAX. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "classify/cls_int.h"

#define WALK_MAX 20000
#define LIST_MAX 5

void cls_list_add(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(buf);

	if (!s || n + 4 >= cap)
		return;
	snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", s);
}

/* ---- Home Assistant ---- */

bool hook_ha_command(struct cls_run *r, const struct rule *ru)
{
	char comp[64];
	const cJSON *it;

	(void)ru;
	if (cls_cap(r, "component", comp, sizeof(comp)) &&
	    cls_glob_alt("sensor|binary_sensor|camera|device_tracker|event|image|tag|device_automation",
			 comp, strlen(comp)))
		return false;
	cJSON_ArrayForEach(it, r->json) {
		if (!it->string || !cJSON_IsString(it) || !it->valuestring || !it->valuestring[0])
			continue;
		if (cls_glob_alt("*command*_topic|set_*_topic", it->string, strlen(it->string))) {
			cls_var(r, "cmd_key", it->string, RC_SAFE);
			cls_var(r, "cmd_topic", it->valuestring, RC_NONE);
			return true;
		}
	}
	return false;
}

/* ---- Tasmota ---- */

/* Relay names from discovery: fn[i] for every relay type rl[i] != 0. */
bool hook_tas_discovery(struct cls_run *r, const struct rule *ru)
{
	const cJSON *fn = cls_jget(r->json, "fn"), *rl = cls_jget(r->json, "rl");
	char list[CLS_VAL_MAX] = "";
	int n = 0;

	(void)ru;
	for (int i = 0; i < 32 && i < cJSON_GetArraySize(fn); i++) {
		const cJSON *type = cJSON_GetArrayItem(rl, i);
		const char *name = cJSON_GetStringValue(cJSON_GetArrayItem(fn, i));
		char item[96];

		if (!name || (cJSON_IsNumber(type) && type->valuedouble == 0))
			continue;
		snprintf(item, sizeof(item), "'%.60s' (POWER%d)", name, i + 1);
		cls_list_add(list, sizeof(list), item);
		n++;
	}
	cls_var(r, "relays", n ? list : "none named", RC_NONE);
	return true;
}

/* ---- Zigbee2MQTT ---- */

static bool exposes_has(const cJSON *exposes, const char *type, const char *prop, int depth)
{
	const cJSON *e;

	if (depth > 4)
		return false;
	cJSON_ArrayForEach(e, exposes) {
		const char *t = cJSON_GetStringValue(cls_jget(e, "type"));
		const char *p = cJSON_GetStringValue(cls_jget(e, "property"));

		if ((type && t && strcmp(t, type) == 0) || (prop && p && strcmp(p, prop) == 0))
			return true;
		if (exposes_has(cls_jget(e, "features"), type, prop, depth + 1))
			return true;
	}
	return false;
}

bool hook_z2m_devices(struct cls_run *r, const struct rule *ru)
{
	const cJSON *d;
	int n = 0, locks = 0, contacts = 0;
	char names[CLS_VAL_MAX] = "";

	(void)ru;
	cJSON_ArrayForEach(d, r->json) {
		const cJSON *ex = cls_jget(d, "definition.exposes");
		const char *fn = cJSON_GetStringValue(cls_jget(d, "friendly_name"));
		bool lock, contact;

		if (!cJSON_IsString(cls_jget(d, "ieee_address")) || n >= 100000)
			continue;
		n++;
		lock = exposes_has(ex, "lock", NULL, 0);
		contact = exposes_has(ex, NULL, "contact", 0);
		locks += lock;
		contacts += contact;
		if ((lock || contact) && locks + contacts <= LIST_MAX)
			cls_list_add(names, sizeof(names), fn);
	}
	if (!n)
		return false;
	cls_varf(r, "n", RC_SAFE, "%d", n);
	cls_varf(r, "locks", RC_SAFE, "%d", locks);
	cls_varf(r, "contacts", RC_SAFE, "%d", contacts);
	cls_var(r, "names", names[0] ? names : "-", RC_NONE);
	return true;
}

/* ---- MQTT Dash ---- */

static const char *const dash_danger = "*garage*|*door*|*gate*|*lock*|*alarm*|*\xd0\xbe\xd1\x85\xd1\x80\xd0\xb0\xd0\xbd*|"
				       "*engine*|*\xd0\xb4\xd0\xb2\xd0\xb8\xd0\xb3\xd0\xb0\xd1\x82*|*boiler*|*heat*|*relay*";

static bool dash_dangerous(const cJSON *m)
{
	static const char *const keys[] = { "name", "topicPub", "topic", "iconOn", "iconOff" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *s = cJSON_GetStringValue(cls_jget(m, keys[i]));

		if (s && cls_glob_alt(dash_danger, s, strlen(s)))
			return true;
	}
	return false;
}

static const char *dash_ctl_topic(const cJSON *m)
{
	const char *tp = cJSON_GetStringValue(cls_jget(m, "topicPub"));

	if (tp && tp[0])
		return tp;
	return cJSON_GetStringValue(cls_jget(m, "topic"));
}

static void dash_vars(struct cls_run *r, const cJSON *m)
{
	const char *s;

	cls_var(r, "name", (s = cJSON_GetStringValue(cls_jget(m, "name"))) ? s : "?", RC_NONE);
	cls_var(r, "ctl_topic", dash_ctl_topic(m), RC_NONE);
	cls_var(r, "on", (s = cJSON_GetStringValue(cls_jget(m, "payloadOn"))) ? s : "?", RC_NONE);
	cls_var(r, "off", (s = cJSON_GetStringValue(cls_jget(m, "payloadOff"))) ? s : "?", RC_NONE);
	cls_var(r, "last", (s = cJSON_GetStringValue(cls_jget(m, "lastPayload"))) ? s : "?", RC_NONE);
}

bool hook_dash_controls(struct cls_run *r, const struct rule *ru)
{
	const cJSON *m, *pick = NULL;
	int n = 0, seen = 0;
	char list[CLS_VAL_MAX] = "";

	(void)ru;
	cJSON_ArrayForEach(m, r->json) {
		const char *t;

		if (++seen > 5000)
			break;
		if (!cJSON_IsObject(m) || !cJSON_IsTrue(cls_jget(m, "enablePub")) || !(t = dash_ctl_topic(m)) || !t[0])
			continue;
		n++;
		if (!pick || (!dash_dangerous(pick) && dash_dangerous(m)))
			pick = m;
		if (n <= LIST_MAX) {
			char item[160];
			const char *nm = cJSON_GetStringValue(cls_jget(m, "name"));

			snprintf(item, sizeof(item), "%.60s -> %.80s", nm ? nm : "?", t);
			cls_list_add(list, sizeof(list), item);
		}
	}
	if (!n)
		return false;
	cls_varf(r, "n", RC_SAFE, "%d", n);
	dash_vars(r, pick);
	cls_var(r, "controls", list, RC_NONE);
	return true;
}

bool hook_dash_count(struct cls_run *r, const struct rule *ru)
{
	const cJSON *m;
	int n = 0;
	char names[CLS_VAL_MAX] = "";

	(void)ru;
	cJSON_ArrayForEach(m, r->json) {
		if (!cJSON_IsObject(m) || !cls_jget(m, "topic") || n >= 100000)
			continue;
		if (n < LIST_MAX)
			cls_list_add(names, sizeof(names), cJSON_GetStringValue(cls_jget(m, "name")));
		n++;
	}
	if (!n)
		return false;
	cls_varf(r, "n", RC_SAFE, "%d", n);
	cls_var(r, "names", names, RC_NONE);
	return true;
}
