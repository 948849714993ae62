/* Home Assistant MQTT discovery: abbreviation expansion (tables as data, after core's
 * mqtt/abbreviations.py), '~' substitution (only at the start or end of values whose key
 * is "topic" or ends in "_topic"), component- and device-based discovery (the "cmps"
 * dictionary, each entry with its platform "p" plus the shared top-level keys), and the
 * correlation of discovery semantics with the state messages seen on the same broker.
 *
 * A discovery message is classified with a normalised match topic
 * "homeassistant/<component>/<object>/config" (the real topic is what findings show), so
 * rules_homeassistant.c can match components whatever the prefix or node id. Memory is
 * bounded: at most CLS_MAX_DISCOVERY entries (a few capped strings each) and
 * CLS_MAX_STATES short payloads (a hash set keyed by topic, no eviction; the table starts
 * at HA_STATES_MIN slots and doubles, so a broker with a few topics costs a few hundred
 * bytes, not the whole table: it is allocated for every target that delivers anything). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "classify/cls_int.h"

struct abbr {
	const char *s, *l;
};

static const struct abbr abbr_main[] = {
	{ "act_t", "action_topic" }, { "act_tpl", "action_template" }, { "atype", "automation_type" },
	{ "aux_cmd_t", "aux_command_topic" }, { "aux_stat_t", "aux_state_topic" },
	{ "avty", "availability" }, { "avty_mode", "availability_mode" },
	{ "avty_t", "availability_topic" }, { "avty_tpl", "availability_template" },
	{ "away_mode_cmd_t", "away_mode_command_topic" }, { "away_mode_stat_t", "away_mode_state_topic" },
	{ "bri_cmd_t", "brightness_command_topic" }, { "bri_stat_t", "brightness_state_topic" },
	{ "bri_scl", "brightness_scale" }, { "bri_val_tpl", "brightness_value_template" },
	{ "clr_temp_cmd_t", "color_temp_command_topic" }, { "clr_temp_stat_t", "color_temp_state_topic" },
	{ "clrm_stat_t", "color_mode_state_topic" }, { "cln_t", "cleaning_topic" },
	{ "cmd_off_tpl", "command_off_template" }, { "cmd_on_tpl", "command_on_template" },
	{ "cmd_t", "command_topic" }, { "cmd_tpl", "command_template" }, { "cmps", "components" },
	{ "cod_arm_req", "code_arm_required" }, { "cod_dis_req", "code_disarm_required" },
	{ "cod_trig_req", "code_trigger_required" }, { "curr_temp_t", "current_temperature_topic" },
	{ "def_ent_id", "default_entity_id" }, { "dev", "device" }, { "dev_cla", "device_class" },
	{ "dir_cmd_t", "direction_command_topic" }, { "dir_stat_t", "direction_state_topic" },
	{ "dock_t", "docked_topic" }, { "e", "encoding" }, { "en", "enabled_by_default" },
	{ "ent_cat", "entity_category" }, { "ent_pic", "entity_picture" }, { "err_t", "error_topic" },
	{ "fanspd_t", "fan_speed_topic" }, { "fx_cmd_t", "effect_command_topic" },
	{ "fx_stat_t", "effect_state_topic" }, { "fan_mode_cmd_t", "fan_mode_command_topic" },
	{ "fan_mode_stat_t", "fan_mode_state_topic" }, { "hold_cmd_t", "hold_command_topic" },
	{ "hold_stat_t", "hold_state_topic" }, { "hs_cmd_t", "hs_command_topic" },
	{ "hs_stat_t", "hs_state_topic" }, { "ic", "icon" }, { "img_e", "image_encoding" },
	{ "hum_cmd_t", "target_humidity_command_topic" }, { "hum_stat_t", "target_humidity_state_topic" },
	{ "json_attr", "json_attributes" }, { "json_attr_t", "json_attributes_topic" },
	{ "json_attr_tpl", "json_attributes_template" }, { "lrst_t", "last_reset_topic" },
	{ "mode_cmd_t", "mode_command_topic" }, { "mode_stat_t", "mode_state_topic" },
	{ "o", "origin" }, { "obj_id", "object_id" }, { "opt", "optimistic" },
	{ "osc_cmd_t", "oscillation_command_topic" }, { "osc_stat_t", "oscillation_state_topic" },
	{ "p", "platform" }, { "pct_cmd_t", "percentage_command_topic" },
	{ "pct_stat_t", "percentage_state_topic" }, { "pl", "payload" },
	{ "pl_arm_away", "payload_arm_away" }, { "pl_arm_home", "payload_arm_home" },
	{ "pl_arm_nite", "payload_arm_night" }, { "pl_arm_vacation", "payload_arm_vacation" },
	{ "pl_arm_custom_b", "payload_arm_custom_bypass" }, { "pl_avail", "payload_available" },
	{ "pl_cls", "payload_close" }, { "pl_disarm", "payload_disarm" }, { "pl_home", "payload_home" },
	{ "pl_lock", "payload_lock" }, { "pl_not_avail", "payload_not_available" },
	{ "pl_not_home", "payload_not_home" }, { "pl_off", "payload_off" }, { "pl_on", "payload_on" },
	{ "pl_open", "payload_open" }, { "pl_prs", "payload_press" }, { "pl_rst", "payload_reset" },
	{ "pl_stop", "payload_stop" }, { "pl_strt", "payload_start" }, { "pl_trig", "payload_trigger" },
	{ "pl_toff", "payload_turn_off" }, { "pl_ton", "payload_turn_on" },
	{ "pl_unlk", "payload_unlock" }, { "pos_clsd", "position_closed" }, { "pos_open", "position_open" },
	{ "pos_t", "position_topic" }, { "pos_tpl", "position_template" },
	{ "pow_cmd_t", "power_command_topic" }, { "pow_stat_t", "power_state_topic" },
	{ "pr_mode_cmd_t", "preset_mode_command_topic" }, { "pr_mode_stat_t", "preset_mode_state_topic" },
	{ "ret", "retain" }, { "rgb_cmd_t", "rgb_command_topic" }, { "rgb_stat_t", "rgb_state_topic" },
	{ "rgbw_cmd_t", "rgbw_command_topic" }, { "rgbww_cmd_t", "rgbww_command_topic" },
	{ "send_cmd_t", "send_command_topic" }, { "set_fan_spd_t", "set_fan_speed_topic" },
	{ "set_pos_t", "set_position_topic" }, { "set_pos_tpl", "set_position_template" },
	{ "src_type", "source_type" }, { "stat_cla", "state_class" }, { "stat_clsd", "state_closed" },
	{ "stat_closing", "state_closing" }, { "stat_jam", "state_jammed" },
	{ "stat_locked", "state_locked" }, { "stat_locking", "state_locking" },
	{ "stat_off", "state_off" }, { "stat_on", "state_on" }, { "stat_open", "state_open" },
	{ "stat_opening", "state_opening" }, { "stat_stopped", "state_stopped" },
	{ "stat_unlocked", "state_unlocked" }, { "stat_unlocking", "state_unlocking" },
	{ "stat_t", "state_topic" }, { "stat_tpl", "state_template" },
	{ "stat_val_tpl", "state_value_template" }, { "swing_mode_cmd_t", "swing_mode_command_topic" },
	{ "t", "topic" }, { "temp_cmd_t", "temperature_command_topic" },
	{ "temp_hi_cmd_t", "temperature_high_command_topic" },
	{ "temp_lo_cmd_t", "temperature_low_command_topic" }, { "temp_stat_t", "temperature_state_topic" },
	{ "tilt_cmd_t", "tilt_command_topic" }, { "tilt_status_t", "tilt_status_topic" },
	{ "uniq_id", "unique_id" }, { "unit_of_meas", "unit_of_measurement" },
	{ "val_tpl", "value_template" }, { "whit_cmd_t", "white_command_topic" },
	{ "xy_cmd_t", "xy_command_topic" }, { "xy_stat_t", "xy_state_topic" },
};

static const struct abbr abbr_device[] = {
	{ "cns", "connections" }, { "cu", "configuration_url" }, { "ids", "identifiers" },
	{ "mf", "manufacturer" }, { "mdl", "model" }, { "mdl_id", "model_id" },
	{ "sw", "sw_version" }, { "hw", "hw_version" }, { "sn", "serial_number" },
	{ "sa", "suggested_area" },
};

static const struct abbr abbr_origin[] = {
	{ "sw", "sw_version" }, { "url", "support_url" },
};

static const char *const components =
	"alarm_control_panel|binary_sensor|button|camera|climate|cover|device|device_automation|"
	"device_tracker|event|fan|humidifier|image|lawn_mower|light|lock|notify|number|scene|"
	"select|sensor|siren|switch|tag|text|update|vacuum|valve|water_heater";

static void rename_keys(cJSON *obj, const struct abbr *t, size_t n)
{
	cJSON *it;

	cJSON_ArrayForEach(it, obj) {
		if (!it->string)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (strcmp(it->string, t[i].s) != 0)
				continue;
			if (cJSON_GetObjectItemCaseSensitive(obj, t[i].l))
				break;   /* the long form is already there: keep both as they are */
			char *nk = strdup(t[i].l);

			if (nk) {
				if (!(it->type & cJSON_StringIsConst))
					cJSON_free(it->string);
				it->string = nk;
				it->type &= ~cJSON_StringIsConst;
			}
			break;
		}
	}
}

static bool topic_key(const char *k)
{
	size_t n = strlen(k);

	return strcmp(k, "topic") == 0 || (n > 6 && strcmp(k + n - 6, "_topic") == 0);
}

static void tilde(cJSON *obj, const char *base)
{
	cJSON *it;
	size_t bl = strlen(base);

	cJSON_ArrayForEach(it, obj) {
		const char *v = it->valuestring;
		size_t vl;
		char *nv;

		if (!it->string || !cJSON_IsString(it) || !v || !topic_key(it->string))
			continue;
		vl = strlen(v);
		if (!vl || (v[0] != '~' && v[vl - 1] != '~'))
			continue;
		nv = malloc(vl + 2 * bl + 1);
		if (!nv)
			continue;
		if (v[0] == '~') {
			memcpy(nv, base, bl);
			memcpy(nv + bl, v + 1, vl);   /* includes NUL */
		} else {
			memcpy(nv, v, vl - 1);
			memcpy(nv + vl - 1, base, bl + 1);
		}
		cJSON_SetValuestring(it, nv);
		free(nv);
	}
}

/* Expand one component config in place ('~' from the object or the inherited base). */
static void expand(cJSON *o, const char *base_in)
{
	const cJSON *b;
	cJSON *it;
	char base[256] = "";

	rename_keys(o, abbr_main, sizeof(abbr_main) / sizeof(abbr_main[0]));
	b = cJSON_GetObjectItemCaseSensitive(o, "~");
	if (cJSON_IsString(b) && b->valuestring)
		snprintf(base, sizeof(base), "%s", b->valuestring);
	else if (base_in)
		snprintf(base, sizeof(base), "%s", base_in);
	if (base[0])
		tilde(o, base);
	it = cJSON_GetObjectItemCaseSensitive(o, "device");
	if (cJSON_IsObject(it))
		rename_keys(it, abbr_device, sizeof(abbr_device) / sizeof(abbr_device[0]));
	it = cJSON_GetObjectItemCaseSensitive(o, "origin");
	if (cJSON_IsObject(it))
		rename_keys(it, abbr_origin, sizeof(abbr_origin) / sizeof(abbr_origin[0]));
	it = cJSON_GetObjectItemCaseSensitive(o, "availability");
	if (cJSON_IsArray(it)) {
		cJSON *e;

		cJSON_ArrayForEach(e, it)
			if (cJSON_IsObject(e)) {
				rename_keys(e, abbr_main, sizeof(abbr_main) / sizeof(abbr_main[0]));
				if (base[0])
					tilde(e, base);
			}
	}
}

/* ---- correlation tables ---- */

enum { HF_NAME, HF_CLASS, HF_STATE_T, HF_ATTR_T, HF_VALKEY, HF_ON, HF_OFF, HF_OPEN, HF_CLOSED,
       HF_LOCKED, HF_UNLOCKED, HF_HOME, HF_NOT_HOME, HF__N };

static const char *const hf_keys[HF__N] = {
	"name", "device_class", "state_topic", "json_attributes_topic", NULL, "payload_on",
	"payload_off", "state_open", "state_closed", "state_locked", "state_unlocked",
	"payload_home", "payload_not_home",
};

struct ha_entry {
	char comp[24];
	char *f[HF__N];
};

struct ha_state {
	uint64_t h;
	char *topic;
	uint8_t *p;
	size_t n;
};

#define HA_STATES_MIN 8

struct cls_ha {
	struct vec entries;    /* struct ha_entry: discovery configs kept for correlation */
	struct hashset states; /* struct ha_state, keyed by topic */
	uint32_t configs;      /* discovery configs seen */
	uint32_t with_inventory;  /* ... with configuration_url / connections */
};

static bool same_topic(const void *slot, const void *topic)
{
	return strcmp(((const struct ha_state *)slot)->topic, topic) == 0;
}

static struct cls_ha *ha_get(struct classify_ctx *c)
{
	if (!c->ha && (c->ha = calloc(1, sizeof(*c->ha)))) {
		vec_init(&c->ha->entries, sizeof(struct ha_entry), 8, CLS_MAX_DISCOVERY);
		hset_init(&c->ha->states, sizeof(struct ha_state), 8, HA_STATES_MIN,
			  CLS_MAX_STATES, same_topic);
	}
	return c->ha;
}

void cls_ha_free(struct classify_ctx *c)
{
	struct cls_ha *h = c->ha;

	if (!h)
		return;
	for (size_t i = 0; i < h->entries.n; i++)
		for (int k = 0; k < HF__N; k++)
			free(((struct ha_entry *)vec_at(&h->entries, i))->f[k]);
	vec_free(&h->entries);
	for (struct ha_state *s = NULL; (s = hset_next(&h->states, s));) {
		free(s->topic);
		free(s->p);
	}
	hset_free(&h->states);
	free(h);
	c->ha = NULL;
}

void cls_ha_remember_state(struct classify_ctx *c, const char *topic, size_t tlen,
			   const uint8_t *p, size_t n)
{
	struct cls_ha *h;
	struct ha_state *s;
	bool fresh;

	if (n > CLS_STATE_PAYLOAD || tlen == 0 || tlen > 256 || topic[0] == '$' ||
	    (tlen > 7 && strcmp(topic + tlen - 7, "/config") == 0))
		return;
	h = ha_get(c);
	/* past CLS_MAX_STATES topics (or out of memory) a new topic is dropped */
	if (!h || !(s = hset_add(&h->states, cls_hash64(topic, tlen, 3), topic, &fresh)))
		return;
	if (fresh && !(s->topic = strdup(topic))) {
		hset_del(&h->states, s);
		return;
	}
	free(s->p);
	s->p = malloc(n + 1);
	s->n = s->p ? n : 0;
	if (s->p) {
		memcpy(s->p, p, n);
		s->p[n] = 0;
	}
}

static const struct ha_state *state_for(const struct cls_ha *h, const char *topic)
{
	return hset_find(&h->states, cls_hash64(topic, strlen(topic), 3), topic);
}

/* "{{ value_json.contact }}" → "contact" */
static char *value_key(const cJSON *o)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "value_template");
	const char *p, *q;

	if (!cJSON_IsString(t) || !t->valuestring)
		return NULL;
	p = strstr(t->valuestring, "value_json.");
	if (!p)
		return NULL;
	p += 11;
	q = p;
	while ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_')
		q++;
	return q > p ? strndup(p, (size_t)(q - p)) : NULL;
}

static void remember(struct classify_ctx *c, const char *comp, const cJSON *o)
{
	struct cls_ha *h = ha_get(c);
	struct ha_entry *e;

	if (!h || h->entries.n >= CLS_MAX_DISCOVERY)
		return;
	if (!cls_glob_alt("binary_sensor|cover|lock|alarm_control_panel|device_tracker|camera", comp, strlen(comp)))
		return;
	if (!(e = vec_push(&h->entries))) /* zero-filled */
		return;
	snprintf(e->comp, sizeof(e->comp), "%s", comp);
	for (int k = 0; k < HF__N; k++) {
		char *v;

		if (!hf_keys[k])
			continue;
		v = cls_jstr(cJSON_GetObjectItemCaseSensitive(o, hf_keys[k]));
		if (v && strlen(v) > 200)
			v[200] = 0;
		e->f[k] = v;
	}
	e->f[HF_VALKEY] = value_key(o);
}

/* ---- discovery ---- */

struct disc_topic {
	char comp[32];
	char object[128];
	char prefix[128];
};

/* <prefix>/<component>/[<node_id>/]<object_id>/config */
static bool parse_topic(const char *t, struct disc_topic *d)
{
	const char *lv[CLS_MAX_LEVELS];
	size_t len[CLS_MAX_LEVELS];
	int n = 0, ci = -1;
	const char *p = t;

	for (;;) {
		const char *s = strchr(p, '/');

		if (n == CLS_MAX_LEVELS)
			return false;
		lv[n] = p;
		len[n] = s ? (size_t)(s - p) : strlen(p);
		n++;
		if (!s)
			break;
		p = s + 1;
	}
	if (n < 3 || len[n - 1] != 6 || memcmp(lv[n - 1], "config", 6) != 0)
		return false;
	if (cls_glob_alt(components, lv[n - 3], len[n - 3]) && n >= 3)
		ci = n - 3;
	else if (n >= 5 && cls_glob_alt(components, lv[n - 4], len[n - 4]))
		ci = n - 4;
	if (ci < 1 || len[ci] >= sizeof(d->comp) || len[n - 2] >= sizeof(d->object))
		return false;
	snprintf(d->comp, sizeof(d->comp), "%.*s", (int)len[ci], lv[ci]);
	snprintf(d->object, sizeof(d->object), "%.*s", (int)len[n - 2], lv[n - 2]);
	snprintf(d->prefix, sizeof(d->prefix), "%.*s", (int)(lv[ci] - t - 1), t);
	return true;
}

static void note_inventory(struct classify_ctx *c, const cJSON *o)
{
	struct cls_ha *h = ha_get(c);
	const cJSON *dev = cJSON_GetObjectItemCaseSensitive(o, "device");

	if (!h)
		return;
	h->configs++;
	if (cJSON_GetObjectItemCaseSensitive(dev, "configuration_url") ||
	    cJSON_GetObjectItemCaseSensitive(dev, "connections"))
		h->with_inventory++;
}

/* Classify one expanded component config under a normalised match topic. */
static void run_component(struct cls_run *r, const char *comp, const char *object, cJSON *cfg)
{
	char mt[256];
	cJSON *saved = r->json;
	const char *saved_mt = r->mtopic;

	snprintf(mt, sizeof(mt), "homeassistant/%s/%s/config", comp, object);
	r->json = cfg;
	cls_run_set_mtopic(r, mt);
	r->coord_done = 0;
	cls_var(r, "component", comp, RC_SAFE);
	remember(r->c, comp, cfg);
	note_inventory(r->c, cfg);
	cls_run_tables(r);
	r->json = saved;
	cls_run_set_mtopic(r, saved_mt);
	r->cats = 0;
	r->ngroups = 0;
	r->coord_done = 0;
}

static const char *const shared_keys[] = {
	"state_topic", "command_topic", "availability_topic", "availability", "json_attributes_topic",
	"encoding", "qos", "device", "origin", "~",
};

static void device_discovery(struct cls_run *r, const struct disc_topic *d, cJSON *root)
{
	const cJSON *cmps = cJSON_GetObjectItemCaseSensitive(root, "components");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, "~");
	const cJSON *ent;
	int k = 0;

	cJSON_ArrayForEach(ent, cmps) {
		const cJSON *pl;
		cJSON *m;
		char obj[200];

		if (!cJSON_IsObject(ent) || !ent->string || k++ >= 64)
			continue;
		m = cJSON_Duplicate(ent, 1);
		if (!m)
			continue;
		for (size_t i = 0; i < sizeof(shared_keys) / sizeof(shared_keys[0]); i++) {
			const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, shared_keys[i]);

			if (s && !cJSON_GetObjectItemCaseSensitive(m, shared_keys[i])) {
				cJSON *dup = cJSON_Duplicate(s, 1);

				if (dup && !cJSON_AddItemToObject(m, shared_keys[i], dup))
					cJSON_Delete(dup);
			}
		}
		expand(m, cJSON_IsString(b) ? b->valuestring : NULL);
		pl = cJSON_GetObjectItemCaseSensitive(m, "platform");
		if (cJSON_IsString(pl) && pl->valuestring &&
		    cls_glob_alt(components, pl->valuestring, strlen(pl->valuestring))) {
			snprintf(obj, sizeof(obj), "%s__%s", d->object, ent->string);
			run_component(r, pl->valuestring, obj, m);
		}
		cJSON_Delete(m);
	}
}

bool cls_ha_discovery(struct cls_run *r)
{
	struct disc_topic d;

	if (!parse_topic(r->topic, &d))
		return false;
	if (r->plen == 0)
		return true;   /* empty config = entity deleted: nothing to report */
	if (!cJSON_IsObject(r->json))
		return false;
	expand(r->json, NULL);
	cls_var(r, "object", d.object, RC_NONE);
	if (strcmp(d.comp, "device") == 0) {
		if (cJSON_GetObjectItemCaseSensitive(r->json, "components"))
			device_discovery(r, &d, r->json);
		return true;
	}
	run_component(r, d.comp, d.object, r->json);
	return true;
}

/* ---- correlation (at finish) ---- */

/* The state value a discovery entry would read from a payload. */
static char *state_value(const struct ha_entry *e, const struct ha_state *s)
{
	if (e->f[HF_VALKEY]) {
		cJSON *j = cls_json_parse(s->p, s->n);
		char *v = cls_jstr(cls_jget(j, e->f[HF_VALKEY]));

		cJSON_Delete(j);
		return v;
	}
	if (!utf8_valid(s->p, s->n) || memchr(s->p, 0, s->n))
		return NULL;
	char *v = malloc(s->n + 1);  /* not strndup: s->p is not NUL-terminated */

	if (v) {
		memcpy(v, s->p, s->n);
		v[s->n] = '\0';
	}

	if (v) {
		size_t n = strlen(v);

		while (n && (v[n - 1] == '\n' || v[n - 1] == '\r' || v[n - 1] == ' '))
			v[--n] = 0;
	}
	return v;
}

static bool eq(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

struct verdict {
	enum msw_category cat;
	const char *what;      /* "OPEN now", "UNLOCKED now", ... */
	enum msw_severity sev;
};

static bool judge_binary(const struct ha_entry *e, const char *v, struct verdict *out)
{
	const char *cls = e->f[HF_CLASS] ? e->f[HF_CLASS] : "";
	const char *on = e->f[HF_ON] ? e->f[HF_ON] : "ON";
	const char *off = e->f[HF_OFF] ? e->f[HF_OFF] : "OFF";
	bool is_on = eq(v, on), is_off = eq(v, off);

	if (!is_on && !is_off)
		return false;
	if (cls_glob_alt("door|garage_door|window|opening", cls, strlen(cls))) {
		*out = (struct verdict){ CAT_DOOR_STATE, is_on ? "OPEN now" : "closed now", SEV_HIGH };
		return true;
	}
	if (strcmp(cls, "lock") == 0) {
		*out = (struct verdict){ CAT_DOOR_STATE, is_on ? "UNLOCKED now" : "locked now", SEV_HIGH };
		return true;
	}
	if (cls_glob_alt("motion|occupancy|presence|moving", cls, strlen(cls))) {
		*out = (struct verdict){ CAT_PRESENCE, is_on ? "detecting someone now" : "detecting nobody now", SEV_HIGH };
		return true;
	}
	return false;
}

static bool judge(const struct ha_entry *e, const char *v, struct verdict *out)
{
	if (!v)
		return false;
	if (strcmp(e->comp, "binary_sensor") == 0)
		return judge_binary(e, v, out);
	if (strcmp(e->comp, "cover") == 0) {
		const char *cls = e->f[HF_CLASS] ? e->f[HF_CLASS] : "";
		bool door = cls_glob_alt("garage|door|gate", cls, strlen(cls));

		if (eq(v, e->f[HF_OPEN] ? e->f[HF_OPEN] : "open") || eq(v, "opening"))
			*out = (struct verdict){ door ? CAT_DOOR_STATE : CAT_ACTUATOR_CONTROL, "OPEN now", door ? SEV_HIGH : SEV_MEDIUM };
		else if (eq(v, e->f[HF_CLOSED] ? e->f[HF_CLOSED] : "closed") || eq(v, "closing"))
			*out = (struct verdict){ door ? CAT_DOOR_STATE : CAT_ACTUATOR_CONTROL, "closed now", door ? SEV_HIGH : SEV_MEDIUM };
		else
			return false;
		return true;
	}
	if (strcmp(e->comp, "lock") == 0) {
		if (eq(v, e->f[HF_UNLOCKED] ? e->f[HF_UNLOCKED] : "UNLOCKED") || eq(v, "open") || eq(v, "unlocking"))
			*out = (struct verdict){ CAT_DOOR_STATE, "UNLOCKED now", SEV_HIGH };
		else if (eq(v, e->f[HF_LOCKED] ? e->f[HF_LOCKED] : "LOCKED"))
			*out = (struct verdict){ CAT_DOOR_STATE, "locked now", SEV_HIGH };
		else if (eq(v, "JAMMED"))
			*out = (struct verdict){ CAT_DOOR_STATE, "JAMMED now", SEV_HIGH };
		else
			return false;
		return true;
	}
	if (strcmp(e->comp, "alarm_control_panel") == 0) {
		if (eq(v, "disarmed"))
			*out = (struct verdict){ CAT_DOOR_STATE, "DISARMED now", SEV_HIGH };
		else if (strncasecmp(v, "armed", 5) == 0 || eq(v, "triggered") || eq(v, "pending") || eq(v, "arming"))
			*out = (struct verdict){ CAT_DOOR_STATE, "armed/active now", SEV_HIGH };
		else
			return false;
		return true;
	}
	if (strcmp(e->comp, "device_tracker") == 0) {
		if (eq(v, e->f[HF_HOME] ? e->f[HF_HOME] : "home"))
			*out = (struct verdict){ CAT_PRESENCE, "at home now", SEV_HIGH };
		else if (eq(v, e->f[HF_NOT_HOME] ? e->f[HF_NOT_HOME] : "not_home"))
			*out = (struct verdict){ CAT_PRESENCE, "away from home now", SEV_HIGH };
		else if (!eq(v, "None") && v[0] && strlen(v) < 64)
			*out = (struct verdict){ CAT_PRESENCE, "in a named zone now", SEV_HIGH };
		else
			return false;
		return true;
	}
	return false;
}

static void emit_correlated(struct classify_ctx *c, const struct ha_entry *e, const char *st,
			    const char *v, const struct verdict *vd)
{
	enum msw_evidence ev = cls_cfg(c) ? cls_cfg(c)->evidence : EVIDENCE_REDACTED;
	bool person = strcmp(e->comp, "device_tracker") == 0;
	char *name = cls_redact_value(ev, person ? RC_NAME : RC_NONE, e->f[HF_NAME] ? e->f[HF_NAME] : "entity");
	char *val = cls_redact_value(ev, RC_NONE, v);
	char *tp = cls_topic_for(cls_cfg(c), st, strlen(st));
	char *flt = cls_topic_filter(cls_cfg(c), st, strlen(st));
	char title[600], evid[700], repro[600], id[64];
	cJSON *o = cJSON_CreateObject();

	snprintf(id, sizeof(id), "homeassistant.state.%s", e->comp);
	snprintf(title, sizeof(title), "%s '%s'%s%s%s is %s (state read from its discovery-declared topic)",
		 strcmp(e->comp, "binary_sensor") == 0 ? "Sensor" : e->comp, name ? name : "?",
		 e->f[HF_CLASS] ? " (" : "", e->f[HF_CLASS] ? e->f[HF_CLASS] : "", e->f[HF_CLASS] ? ")" : "",
		 vd->what);
	if (o) {
		cJSON_AddStringToObject(o, "state_topic", tp ? tp : "");
		cJSON_AddStringToObject(o, "value", val ? val : "");
		cJSON_AddStringToObject(o, "component", e->comp);
		char *s = cJSON_PrintUnformatted(o);

		snprintf(evid, sizeof(evid), "%s", s ? s : "{}");
		free(s);
		cJSON_Delete(o);
	}
	char *qf = flt ? cls_shell_quote(flt) : NULL;   /* a broker-chosen topic */

	snprintf(repro, sizeof(repro), "mosquitto_sub -h {host} -p {port}{tls}{auth} -v -t '%s' -C 1 -W 10",
		 qf ? qf : "#");
	free(qf);
	struct cls_adhoc a = {
		.id = id, .cat = vd->cat, .sev = vd->sev, .conf = CONF_CONFIRMED, .cwe = 359,
		.topic = st, .title = title, .evidence = evid, .reproduce = repro,
		.remediation = "Require authentication and restrict reads of state topics with an ACL; "
			       "anyone who can read them knows who is home and what is open.",
	};
	char *rt = tp;

	a.topic = rt ? rt : st;
	cls_emit_adhoc(c, &a);
	free(name);
	free(val);
	free(tp);
	free(flt);
}

static void inventory_finding(struct classify_ctx *c, const struct cls_ha *h)
{
	char title[200], ev[120];
	struct cls_adhoc a = {
		.id = "homeassistant.discovery_inventory", .cat = CAT_DEVICE_INVENTORY,
		.sev = h->with_inventory ? SEV_MEDIUM : SEV_LOW, .conf = CONF_CONFIRMED, .cwe = 200,
		.topic = "homeassistant/#", .title = title, .evidence = ev,
		.remediation = "Restrict the discovery prefix to Home Assistant's own account with an ACL.",
		.reproduce = "mosquitto_sub -h {host} -p {port}{tls}{auth} -v -t 'homeassistant/+/+/config' -t 'homeassistant/+/+/+/config' -W 10",
	};

	snprintf(title, sizeof(title), "Home Assistant discovery: %u entity config(s) readable%s",
		 h->configs, h->with_inventory ? ", with device URLs/MAC connections" : "");
	snprintf(ev, sizeof(ev), "{\"discovery_configs\":%u,\"with_device_inventory\":%u}",
		 h->configs, h->with_inventory);
	cls_emit_adhoc(c, &a);
}

/* A device tracker's json_attributes_topic carrying latitude/longitude: the position of
 * the person the tracker names. */
static void tracker_location(struct classify_ctx *c, const struct ha_entry *e, const struct ha_state *s)
{
	enum msw_evidence ev = cls_cfg(c) ? cls_cfg(c)->evidence : EVIDENCE_REDACTED;
	cJSON *j = cls_json_parse(s->p, s->n);
	bool ok1, ok2;
	double la = cls_jnum(cls_jget(j, "latitude"), &ok1), lo = cls_jnum(cls_jget(j, "longitude"), &ok2);
	char buf[64], title[400], repro[400];

	if (!ok1 || !ok2) {   /* OwnTracks-style attributes */
		la = cls_jnum(cls_jget(j, "lat"), &ok1);
		lo = cls_jnum(cls_jget(j, "lon"), &ok2);
	}
	cJSON_Delete(j);
	if (!ok1 || !ok2 || (la == 0 && lo == 0))
		return;
	char *name = cls_redact_value(ev, RC_NAME, e->f[HF_NAME] ? e->f[HF_NAME] : "tracker");
	snprintf(buf, sizeof(buf), "%.8g", la);
	char *las = cls_redact_value(ev, RC_COORD, buf);
	snprintf(buf, sizeof(buf), "%.8g", lo);
	char *los = cls_redact_value(ev, RC_COORD, buf);
	char *tp = cls_topic_for(cls_cfg(c), s->topic, strlen(s->topic));
	char *flt = cls_topic_filter(cls_cfg(c), s->topic, strlen(s->topic));
	const char *kv[] = { "latitude", las, "longitude", los };
	cJSON *o = cJSON_CreateObject();
	char *evs;

	for (int i = 0; o && i < 4; i += 2)
		cJSON_AddStringToObject(o, kv[i], kv[i + 1] ? kv[i + 1] : "");
	evs = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	snprintf(title, sizeof(title), "Position of device tracker '%s' is readable: %s, %s (its discovery-declared attributes topic)",
		 name ? name : "?", las ? las : "?", los ? los : "?");
	char *qf = flt ? cls_shell_quote(flt) : NULL;   /* a broker-chosen topic */

	snprintf(repro, sizeof(repro), "mosquitto_sub -h {host} -p {port}{tls}{auth} -v -t '%s' -C 1 -W 10", qf ? qf : "#");
	free(qf);
	struct cls_adhoc a = {
		.id = "homeassistant.state.device_tracker_location", .cat = CAT_LOCATION, .sev = SEV_CRITICAL,
		.conf = CONF_CONFIRMED, .cwe = 359, .topic = tp ? tp : s->topic, .title = title, .evidence = evs,
		.reproduce = repro,
		.remediation = "Require authentication and restrict reads of tracker topics with an ACL.",
	};

	cls_emit_adhoc(c, &a);
	free(name);
	free(las);
	free(los);
	free(tp);
	free(flt);
	free(evs);
}

void cls_ha_correlate(struct classify_ctx *c)
{
	struct cls_ha *h = c->ha;

	if (!h)
		return;
	for (size_t i = 0; i < h->entries.n; i++) {
		const struct ha_entry *e = vec_at(&h->entries, i);
		const char *st = e->f[HF_STATE_T];
		const struct ha_state *s;
		struct verdict vd;
		char *v;

		if (strcmp(e->comp, "device_tracker") == 0 && e->f[HF_ATTR_T] &&
		    (s = state_for(h, e->f[HF_ATTR_T])))
			tracker_location(c, e, s);
		if (!st || !(s = state_for(h, st)))
			continue;
		v = state_value(e, s);
		if (judge(e, v, &vd))
			emit_correlated(c, e, st, v, &vd);
		free(v);
	}
	if (h->configs)
		inventory_finding(c, h);
}
