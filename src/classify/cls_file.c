/* Files read from a share (issue 5, --read-secrets): Home Assistant's config directory.
 * A table maps path globs to a classifier; YAML is read with a minimal line scanner
 * ("key: value" at any indent, "- item" continuation lines for lists, comments dropped),
 * JSON with the bounded parser. Findings use the path as their topic and an smbclient
 * command as reproduce line. Sizes are capped (CLS_FILE_MAX) and nothing recurses without
 * the parser's depth bound. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "classify/cls_int.h"

#define CLS_FILE_MAX (4u * 1024 * 1024)
#define YAML_LINES_MAX 200000

struct fctx {
	struct classify_ctx *c;
	const char *path;      /* normalised with '/' */
	const uint8_t *data;
	size_t len;
	char repro[600];
};

static enum msw_evidence fev(const struct fctx *f)
{
	return cls_cfg(f->c) ? cls_cfg(f->c)->evidence : EVIDENCE_REDACTED;
}

static void femit(struct fctx *f, const char *id, enum msw_category cat, enum msw_severity sev,
		  int cwe, const char *title, const char *evidence, const char *remediation)
{
	struct cls_adhoc a = {
		.id = id, .cat = cat, .sev = sev, .conf = CONF_CONFIRMED, .cwe = cwe,
		.topic = f->path, .title = title, .evidence = evidence,
		.remediation = remediation, .reproduce = f->repro,
	};

	cls_emit_adhoc(f->c, &a);
}

/* ---- YAML line scanner ---- */

struct yline {
	int indent;
	char key[96];
	char val[512];
	bool list_item;
};

typedef void (*yaml_fn)(struct fctx *f, const struct yline *l, void *arg);

static void strip_value(char *v)
{
	size_t n;
	char *hash = strstr(v, " #");

	if (hash && v[0] != '"' && v[0] != '\'')
		*hash = 0;
	n = strlen(v);
	while (n && isspace((unsigned char)v[n - 1]))
		v[--n] = 0;
	if (n >= 2 && ((v[0] == '"' && v[n - 1] == '"') || (v[0] == '\'' && v[n - 1] == '\''))) {
		memmove(v, v + 1, n - 2);
		v[n - 2] = 0;
	}
}

static bool parse_line(const char *s, size_t n, struct yline *l)
{
	size_t i = 0, k;

	memset(l, 0, sizeof(*l));
	while (i < n && s[i] == ' ')
		i++;
	l->indent = (int)i;
	if (i >= n || s[i] == '#')
		return false;
	if (s[i] == '-' && (i + 1 == n || s[i + 1] == ' ')) {
		l->list_item = true;
		i += 2;
		snprintf(l->val, sizeof(l->val), "%.*s", (int)(i < n ? n - i : 0), s + (i < n ? i : n));
		strip_value(l->val);
		return true;
	}
	for (k = i; k < n && s[k] != ':'; k++)
		if (s[k] == ' ' && s[k - 1] != '\\' && !(s[i] == '"' || s[i] == '\''))
			return false;
	if (k >= n || k == i || k - i >= sizeof(l->key))
		return false;
	snprintf(l->key, sizeof(l->key), "%.*s", (int)(k - i), s + i);
	strip_value(l->key);
	k++;
	while (k < n && s[k] == ' ')
		k++;
	snprintf(l->val, sizeof(l->val), "%.*s", (int)(n - k), s + k);
	strip_value(l->val);
	return true;
}

static void yaml_scan(struct fctx *f, yaml_fn fn, void *arg)
{
	const char *p = (const char *)f->data;
	size_t left = f->len, lines = 0;

	while (left && lines++ < YAML_LINES_MAX) {
		const char *nl = memchr(p, '\n', left);
		size_t n = nl ? (size_t)(nl - p) : left;
		struct yline l;

		if (n && p[n - 1] == '\r')
			n--;
		if (parse_line(p, n, &l))
			fn(f, &l, arg);
		if (!nl)
			break;
		left -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
}

/* ---- secrets.yaml, configuration.yaml ---- */

struct yacc {
	int secrets, coords;
	char first_key[96], first_val[512], keys[240], lat[64], lon[64];
	char netkey[512];
	bool in_netkey;
	int netkey_indent;
	char mqtt_pw[512], auth_token[512];
	int known, macs;
	char names[240];
	bool all_values_secret;   /* secrets.yaml: every scalar is a secret */
};

static bool inline_secret(const char *v)
{
	return v[0] && strncmp(v, "!secret", 7) != 0 && strncmp(v, "!env_var", 8) != 0 &&
	       strcmp(v, "null") != 0 && strcmp(v, "~") != 0 && strcmp(v, "''") != 0;
}

static void list_append(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(buf);

	if (n + 4 < cap)
		snprintf(buf + n, cap - n, "%s%.40s", n ? "," : "", s);
}

static void on_secret_line(struct fctx *f, const struct yline *l, void *arg)
{
	struct yacc *a = arg;
	enum rclass rc;

	(void)f;
	if (a->in_netkey && l->list_item) {
		list_append(a->netkey, sizeof(a->netkey), l->val);
		return;
	}
	a->in_netkey = false;
	if (l->list_item || !l->key[0])
		return;
	rc = cls_key_class(l->key);
	if (strcmp(l->key, "network_key") == 0) {
		snprintf(a->netkey, sizeof(a->netkey), "%s", l->val);
		a->in_netkey = l->val[0] == 0;
		return;
	}
	if (rc == RC_COORD && l->val[0]) {
		a->coords++;
		snprintf(strstr(l->key, "lat") ? a->lat : a->lon, 64, "%.63s", l->val);
		return;
	}
	if (!inline_secret(l->val) || (rc != RC_SECRET && !a->all_values_secret))
		return;
	if (strcmp(l->key, "password") == 0 && !a->mqtt_pw[0])
		snprintf(a->mqtt_pw, sizeof(a->mqtt_pw), "%s", l->val);
	if (strcmp(l->key, "auth_token") == 0)
		snprintf(a->auth_token, sizeof(a->auth_token), "%s", l->val);
	if (!a->secrets++) {
		snprintf(a->first_key, sizeof(a->first_key), "%s", l->key);
		snprintf(a->first_val, sizeof(a->first_val), "%s", l->val);
	}
	list_append(a->keys, sizeof(a->keys), l->key);
}

static void emit_secrets(struct fctx *f, const struct yacc *a, const char *what)
{
	char title[600], ev[900];
	char *v = cls_redact_value(fev(f), RC_SECRET, a->first_val);
	cJSON *o = cJSON_CreateObject();
	char *s;

	snprintf(title, sizeof(title), "%s readable on the share: %d secret(s) in clear text (e.g. %s: %s)",
		 what, a->secrets, a->first_key, v ? v : "?");
	if (o) {
		cJSON_AddNumberToObject(o, "secrets", a->secrets);
		cJSON_AddStringToObject(o, "keys", a->keys);
		cJSON_AddStringToObject(o, a->first_key, v ? v : "");
	}
	s = o ? cJSON_PrintUnformatted(o) : NULL;
	snprintf(ev, sizeof(ev), "%s", s ? s : "{}");
	femit(f, "files.secrets", CAT_CREDENTIAL, SEV_CRITICAL, 522, title, ev,
	      "Require strong credentials on the share (or disable it), rotate every secret in this file.");
	free(s);
	free(v);
	cJSON_Delete(o);
}

static char *json_pairs(const char *const *kv, size_t n)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	if (!o)
		return NULL;
	for (size_t i = 0; i + 1 < n; i += 2)
		if (kv[i + 1])
			cJSON_AddStringToObject(o, kv[i], kv[i + 1]);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static void emit_home(struct fctx *f, const char *lat, const char *lon, const char *what)
{
	char title[300];
	char *la = cls_redact_value(fev(f), RC_COORD, lat), *lo = cls_redact_value(fev(f), RC_COORD, lon);
	const char *kv[] = { "latitude", la, "longitude", lo };
	char *ev = json_pairs(kv, 4);

	snprintf(title, sizeof(title), "%s gives the home's coordinates (%s, %s)", what, la ? la : "?", lo ? lo : "?");
	femit(f, "files.home_location", CAT_LOCATION, SEV_HIGH, 359, title, ev,
	      "Require strong credentials on the share (or disable it).");
	free(ev);
	free(la);
	free(lo);
}

static void file_secrets_yaml(struct fctx *f)
{
	struct yacc a = { .all_values_secret = true };

	yaml_scan(f, on_secret_line, &a);
	if (a.secrets)
		emit_secrets(f, &a, "secrets.yaml");
	if (a.lat[0] && a.lon[0])
		emit_home(f, a.lat, a.lon, "secrets.yaml");
}

static void file_ha_configuration(struct fctx *f)
{
	struct yacc a = { .all_values_secret = false };

	yaml_scan(f, on_secret_line, &a);
	if (a.secrets)
		emit_secrets(f, &a, "configuration.yaml");
	if (a.lat[0] && a.lon[0])
		emit_home(f, a.lat, a.lon, "configuration.yaml");
}

/* The Zigbee2MQTT default network key (settings.ts) — a well-known value. */
static bool default_netkey(const char *k)
{
	char norm[512];
	size_t o = 0;

	for (const char *p = k; *p && o + 1 < sizeof(norm); p++)
		if (isdigit((unsigned char)*p) || *p == ',')
			norm[o++] = *p;
	norm[o] = 0;
	return strcmp(norm, "1,3,5,7,9,11,13,15,0,2,4,6,8,10,12,13") == 0;
}

static void file_z2m_configuration(struct fctx *f)
{
	struct yacc a = { .all_values_secret = false };
	char title[600];

	yaml_scan(f, on_secret_line, &a);
	if (a.netkey[0] && strcmp(a.netkey, "GENERATE") != 0) {
		bool def = default_netkey(a.netkey);
		char *v = cls_redact_value(fev(f), RC_SECRET, a.netkey);
		const char *kv[] = { "network_key", v, "default_key", def ? "true" : "false" };
		char *ev = json_pairs(kv, 4);

		snprintf(title, sizeof(title), "Zigbee2MQTT configuration.yaml gives the Zigbee network key%s (%s): "
			 "anyone can decrypt and inject Zigbee traffic", def ? " (the well-known default)" : "",
			 v ? v : "?");
		femit(f, def ? "files.zigbee_default_network_key" : "files.zigbee_network_key", CAT_NETWORK_KEY,
		      SEV_CRITICAL, def ? 1392 : 522, title, ev,
		      "Protect the share; re-form the Zigbee network with a new random key (network_key: GENERATE).");
		free(v);
		free(ev);
	}
	if (a.secrets)
		emit_secrets(f, &a, "zigbee2mqtt/configuration.yaml");
}

static void on_known_device(struct fctx *f, const struct yline *l, void *arg)
{
	struct yacc *a = arg;

	(void)f;
	if (l->list_item)
		return;
	if (l->indent == 0 && l->key[0] && !l->val[0])
		a->known++;
	else if (strcmp(l->key, "mac") == 0 && l->val[0])
		a->macs++;
	else if (strcmp(l->key, "name") == 0 && l->val[0]) {
		char *m = cls_redact_value(fev(f), RC_NAME, l->val);

		if (m)
			list_append(a->names, sizeof(a->names), m);
		free(m);
	}
}

static void file_known_devices(struct fctx *f)
{
	struct yacc a = { 0 };
	char title[500], n1[16], n2[16];

	yaml_scan(f, on_known_device, &a);
	if (!a.known)
		return;
	snprintf(n1, sizeof(n1), "%d", a.known);
	snprintf(n2, sizeof(n2), "%d", a.macs);
	const char *kv[] = { "devices", n1, "mac_addresses", n2, "names", a.names };
	char *ev = json_pairs(kv, 6);

	snprintf(title, sizeof(title), "known_devices.yaml names %d tracked device(s) of the household (%s) with %d MAC address(es)",
		 a.known, a.names, a.macs);
	femit(f, "files.known_devices", CAT_DEVICE_INVENTORY, SEV_MEDIUM, 359, title, ev,
	      "Require strong credentials on the share (or disable it).");
	free(ev);
}

/* ---- JSON files (.storage) ---- */

static void config_entry(struct fctx *f, const cJSON *e)
{
	const char *dom = cJSON_GetStringValue(cls_jget(e, "domain"));
	const char *pw = cJSON_GetStringValue(cls_jget(e, "data.password"));
	const char *wh = cJSON_GetStringValue(cls_jget(e, "data.webhook_id"));
	const char *user = cJSON_GetStringValue(cls_jget(e, "data.username"));
	const char *broker = cJSON_GetStringValue(cls_jget(e, "data.broker"));
	char title[600];

	if (pw && pw[0]) {
		char *v = cls_redact_value(fev(f), RC_SECRET, pw);
		char *u = cls_redact_value(fev(f), RC_NAME, user ? user : "");
		const char *kv[] = { "domain", dom, "broker", broker, "username", u, "password", v };
		char *ev = json_pairs(kv, 8);

		snprintf(title, sizeof(title), "core.config_entries holds the %s integration's password in clear text (user '%s', password %s)",
			 dom ? dom : "?", u ? u : "?", v ? v : "?");
		femit(f, dom && strcmp(dom, "mqtt") == 0 ? "files.mqtt_credentials" : "files.integration_credentials",
		      CAT_CREDENTIAL, SEV_CRITICAL, 522, title, ev,
		      "Protect the share with strong credentials; change this password.");
		free(v);
		free(u);
		free(ev);
	}
	if (wh && wh[0]) {
		char *v = cls_redact_value(fev(f), RC_SECRET, wh);
		const char *kv[] = { "domain", dom, "webhook_id", v };
		char *ev = json_pairs(kv, 4);

		snprintf(title, sizeof(title), "core.config_entries holds a %s webhook id (%s): anyone can post fake updates (e.g. locations) to Home Assistant",
			 dom ? dom : "?", v ? v : "?");
		femit(f, "files.webhook_secret", CAT_CREDENTIAL, SEV_CRITICAL, 522, title, ev,
		      "Protect the share; remove and re-register the mobile app to rotate its webhook.");
		free(v);
		free(ev);
	}
}

static void file_config_entries(struct fctx *f, const cJSON *j)
{
	const cJSON *e, *list = cls_jget(j, "data.entries");
	int k = 0;

	cJSON_ArrayForEach(e, list)
		if (k++ < 1000)
			config_entry(f, e);
}

static void file_core_config(struct fctx *f, const cJSON *j)
{
	char *la = cls_jstr(cls_jget(j, "data.latitude")), *lo = cls_jstr(cls_jget(j, "data.longitude"));

	if (la && lo)
		emit_home(f, la, lo, ".storage/core.config");
	free(la);
	free(lo);
}

static void file_auth(struct fctx *f, const cJSON *j)
{
	int n = cJSON_GetArraySize(cls_jget(j, "data.refresh_tokens"));
	char title[300], ev[64];

	snprintf(title, sizeof(title), ".storage/auth readable: %d refresh token(s) with their JWT signing keys (valid admin API tokens can be minted)", n);
	snprintf(ev, sizeof(ev), "{\"refresh_tokens\":%d}", n);
	femit(f, "files.ha_auth", CAT_CREDENTIAL, SEV_CRITICAL, 522, title, ev,
	      "Protect the share; revoke all refresh tokens (delete them under the user profile) and rotate.");
}

static void file_auth_provider(struct fctx *f, const cJSON *j)
{
	int n = cJSON_GetArraySize(cls_jget(j, "data.users"));
	char title[300], ev[64];

	snprintf(title, sizeof(title), "Home Assistant user database readable: %d user(s) with password hashes (offline cracking)", n);
	snprintf(ev, sizeof(ev), "{\"users\":%d}", n);
	femit(f, "files.ha_password_hashes", CAT_CREDENTIAL, SEV_CRITICAL, 522, title, ev,
	      "Protect the share; change every Home Assistant password.");
}

static void file_zwave_settings(struct fctx *f, const cJSON *j)
{
	const cJSON *keys = cls_jget(j, "zwave.securityKeys");
	char title[300];

	if (!keys)
		keys = cls_jget(j, "zwave.networkKey");
	if (keys && cls_jtruthy(keys)) {
		snprintf(title, sizeof(title), "Z-Wave JS UI settings.json gives the Z-Wave S0/S2 security keys");
		femit(f, "files.zwave_keys", CAT_NETWORK_KEY, SEV_CRITICAL, 522, title, "{\"security_keys\":\"[redacted]\"}",
		      "Protect the share; re-include secure devices with new keys.");
	}
}

/* Anything else: JSON → a secret-named key anywhere; text → private keys, YAML secrets. */
struct jsec {
	const char *key, *val;
	int n;
};

static void json_secret_walk(const cJSON *node, int depth, int *budget, struct jsec *a)
{
	const cJSON *it;

	if (depth > CLS_JSON_MAX_DEPTH + 1)
		return;
	cJSON_ArrayForEach(it, node) {
		if (--*budget < 0)
			return;
		if (it->string && cJSON_IsString(it) && it->valuestring && strlen(it->valuestring) >= 3 &&
		    cls_key_class(it->string) == RC_SECRET && inline_secret(it->valuestring)) {
			if (!a->n++) {
				a->key = it->string;
				a->val = it->valuestring;
			}
		}
		if (cJSON_IsObject(it) || cJSON_IsArray(it))
			json_secret_walk(it, depth + 1, budget, a);
	}
}

static void file_generic(struct fctx *f, const cJSON *j)
{
	char title[600];

	if (cls_has_private_key((const char *)f->data, f->len)) {
		snprintf(title, sizeof(title), "Private key material readable on the share");
		femit(f, "files.private_key", CAT_CREDENTIAL, SEV_CRITICAL, 522, title, NULL,
		      "Protect the share; replace the key pair and its certificate.");
		return;
	}
	if (j) {
		struct jsec a = { 0 };
		int budget = 20000;

		json_secret_walk(j, 0, &budget, &a);
		if (a.n) {
			char *v = cls_redact_value(fev(f), RC_SECRET, a.val);
			const char *kv[] = { "key", a.key, "value", v };
			char *ev = json_pairs(kv, 4);

			snprintf(title, sizeof(title), "File holds %d secret-named value(s) in clear text (e.g. %s: %s)",
				 a.n, a.key, v ? v : "?");
			femit(f, "files.secrets", CAT_CREDENTIAL, SEV_CRITICAL, 522, title, ev,
			      "Protect the share; rotate the secrets in this file.");
			free(v);
			free(ev);
		}
		return;
	}
	if (utf8_valid(f->data, f->len))
		file_ha_configuration(f);
}

static void file_recorder_db(struct fctx *f)
{
	if (f->len < 16 || memcmp(f->data, "SQLite format 3", 15) != 0)
		return;
	femit(f, "files.recorder_db", CAT_LOCATION, SEV_CRITICAL, 359,
	      "Home Assistant recorder database readable: full state history incl. person/device_tracker positions",
	      NULL, "Protect the share (strong credentials, or disable it); purge the recorder history.");
}

struct file_rule {
	const char *glob;
	void (*text)(struct fctx *f);
	void (*json)(struct fctx *f, const cJSON *j);
};

static const struct file_rule file_rules[] = {
	{ "*zigbee2mqtt/configuration.yaml", file_z2m_configuration, NULL },
	{ "*secrets.yaml", file_secrets_yaml, NULL },
	{ "*known_devices.yaml", file_known_devices, NULL },
	{ "*.storage/core.config_entries", NULL, file_config_entries },
	{ "*.storage/core.config", NULL, file_core_config },
	{ "*.storage/auth", NULL, file_auth },
	{ "*.storage/auth_provider.homeassistant", NULL, file_auth_provider },
	{ "*zwave*/settings.json|*zwavejs*/store/settings.json", NULL, file_zwave_settings },
	{ "*home-assistant_v2.db", file_recorder_db, NULL },
	{ "*configuration.yaml|*.yaml|*.yml", file_ha_configuration, NULL },
};

static void make_repro(struct fctx *f)
{
	const char *p = f->path;
	const char *slash;
	char share[128] = "config";

	while (*p == '/')
		p++;
	slash = strchr(p, '/');
	/* "//HOST/share/rest" or "share/rest": the share is the first level after a host */
	if (f->path[0] == '/' && f->path[1] == '/' && slash) {
		p = slash + 1;
		slash = strchr(p, '/');
	}
	if (slash && (size_t)(slash - p) < sizeof(share)) {
		snprintf(share, sizeof(share), "%.*s", (int)(slash - p), p);
		p = slash + 1;
	}
	/* quotes would end the shell words, braces could read as {host}/{auth} placeholders */
	for (char *q = share; *q; q++)
		if (*q == '\'' || *q == '"' || *q == '{')
			*q = '_';
	snprintf(f->repro, sizeof(f->repro), "smbclient '//{host}/%s' -U '<user>' -c 'get \"%.300s\" -'",
		 share, strpbrk(p, "'{") ? "FILE" : p);
}

void cls_file(struct classify_ctx *c, const char *path, const uint8_t *data, size_t len)
{
	struct fctx f = { .c = c, .data = data, .len = len };
	char *norm;
	cJSON *j;

	if (!c || !path || (!data && len) || len > CLS_FILE_MAX)
		return;
	norm = strdup(path);
	if (!norm)
		return;
	for (char *q = norm; *q; q++)
		if (*q == '\\')
			*q = '/';
	f.path = norm;
	make_repro(&f);
	j = cls_json_parse(data, len);
	for (size_t i = 0; i < sizeof(file_rules) / sizeof(file_rules[0]); i++) {
		const struct file_rule *r = &file_rules[i];

		if (!cls_glob_alt(r->glob, norm, strlen(norm)))
			continue;
		if (r->json && j)
			r->json(&f, j);
		else if (r->text && !r->json)
			r->text(&f);
		break;
	}
	if (!cls_glob_alt("*.yaml|*.yml|*.storage/*|*.db|*settings.json", norm, strlen(norm)))
		file_generic(&f, j);
	cJSON_Delete(j);
	free(norm);
}
