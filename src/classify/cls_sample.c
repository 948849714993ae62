/* Payload samples for the topic list, under the --evidence policy.
 *   raw       the first `cap` bytes, whatever they are (the record base64-encodes non-UTF-8).
 *   minimal   nothing (NULL).
 *   redacted  JSON (within the depth/size caps) is parsed, redacted by key class
 *             (cls_redact_tree) and re-serialised compactly; a topic whose last level names
 *             a coordinate (…/latitude, …/Position/Longitude) has its numbers coarsened;
 *             OwnTracks CSV has its LAT/LON fields coarsened; other text has e-mail addresses
 *             masked and private keys / JWTs replaced. JSON nested deeper than the cap is
 *             not stored (we cannot redact what we do not parse); binary payloads are stored
 *             as "hex:" + their first 16 bytes and the length. */
#define _GNU_SOURCE
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "classify/cls_int.h"

static bool coord_topic(const uint8_t *topic, size_t tlen)
{
	size_t i = tlen;

	while (i > 0 && topic[i - 1] != '/')
		i--;
	return cls_glob_alt("lat|lon|lng|latitude|longitude|*_latitude|*_longitude",
			    (const char *)topic + i, tlen - i);
}

static uint8_t *out_str(char *s, size_t cap, size_t *outlen)
{
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	if (n > cap) {
		n = cap;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	s[n] = 0;
	*outlen = n;
	return (uint8_t *)s;
}

static char *hex_sample(const uint8_t *p, size_t n)
{
	char *s = malloc(80);
	size_t k = n < 16 ? n : 16, o;

	if (!s)
		return NULL;
	o = (size_t)snprintf(s, 80, "hex:");
	for (size_t i = 0; i < k; i++)
		o += (size_t)snprintf(s + o, 80 - o, "%02x", p[i]);
	snprintf(s + o, 80 - o, " (%zu bytes)", n);
	return s;
}

/* OwnTracks Greenwich CSV: TID,TST,T,LAT,LON,... → LAT/LON coarsened (degrees, or
 * microdegrees when the field is an integer beyond ±180). */
static char *csv_coarse(const char *t)
{
	char *out = malloc(strlen(t) + 128);
	size_t o = 0, field = 0;
	const char *p = t;

	if (!out)
		return NULL;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (field == 3 || field == 4) {
			char num[48];
			char *end;
			double d;

			snprintf(num, sizeof(num), "%.*s", (int)(len < 40 ? len : 40), p);
			d = strtod(num, &end);
			if (fabs(d) > 180)
				d /= 1e6;
			int w = snprintf(out + o, 48, "%.2f", isfinite(d) && fabs(d) < 1e6 ? d : 0.0);

			o += w > 0 && w < 48 ? (size_t)w : 0;
		} else {
			memcpy(out + o, p, len);
			o += len;
		}
		if (!comma)
			break;
		out[o++] = ',';
		p = comma + 1;
		field++;
	}
	out[o] = 0;
	return out;
}

/* "key: value" / "key=value" lines (YAML, env files, Tasmota-style text): values of
 * secret-named keys masked, of coordinate keys coarsened. */
static void scrub_line(const char *l, size_t n, char *out, size_t *o, size_t cap)
{
	size_t k = strcspn(l, ":=");
	char key[96], val[512];
	size_t ks = 0, ke, vs;
	enum rclass rc;
	char *m;

	if (k >= n || k >= sizeof(key))
		goto copy;
	while (ks < k && (l[ks] == ' ' || l[ks] == '-' || l[ks] == '"' || l[ks] == '\''))
		ks++;
	ke = k;
	while (ke > ks && (l[ke - 1] == ' ' || l[ke - 1] == '"' || l[ke - 1] == '\''))
		ke--;
	snprintf(key, sizeof(key), "%.*s", (int)(ke - ks), l + ks);
	rc = cls_key_class(key);
	vs = k + 1;
	while (vs < n && l[vs] == ' ')
		vs++;
	if ((rc != RC_SECRET && rc != RC_COORD && rc != RC_BSSID) || vs >= n || n - vs >= sizeof(val))
		goto copy;
	snprintf(val, sizeof(val), "%.*s", (int)(n - vs), l + vs);
	m = cls_redact_value(EVIDENCE_REDACTED, rc, val);
	if (m && *o + vs + strlen(m) < cap) {
		memcpy(out + *o, l, vs);
		*o += vs;
		memcpy(out + *o, m, strlen(m));
		*o += strlen(m);
		free(m);
		return;
	}
	free(m);
copy:
	if (*o + n < cap) {
		memcpy(out + *o, l, n);
		*o += n;
	}
}

static char *scrub_lines(const char *t)
{
	size_t cap = strlen(t) * 2 + 64, o = 0;
	char *out = malloc(cap);
	const char *p = t;

	if (!out)
		return NULL;
	while (*p) {
		size_t n = strcspn(p, "\n;&");

		scrub_line(p, n, out, &o, cap);
		p += n;
		if (*p && o + 1 < cap)
			out[o++] = *p++;
	}
	out[o] = 0;
	return out;
}

static char *text_sample(const uint8_t *topic, size_t tlen, const char *t)
{
	if (coord_topic(topic, tlen))
		return cls_coarse_coord(t);
	if (cls_owntracks_csv(t))
		return csv_coarse(t);
	if (tlen >= 6 && strncasecmp((const char *)topic + tlen - 6, "/bssid", 6) == 0)
		return cls_mask_bssid(t);
	if (cls_has_private_key(t, strlen(t)))
		return strdup("[private key material not shown]");
	if (cls_looks_jwt(t) || cls_looks_email(t))
		return cls_redact_value(EVIDENCE_REDACTED, cls_looks_jwt(t) ? RC_SECRET : RC_EMAIL, t);
	if (strchr(t, ':') || strchr(t, '='))
		return scrub_lines(t);
	if (tlen > 5 && memcmp(topic, "$SYS/", 5) == 0 && tlen >= 8 &&
	    memcmp(topic + tlen - 8, "/clients", 8) == 0)
		return cls_mask_name(t);
	return strdup(t);
}

static char *json_sample(const uint8_t *topic, size_t tlen, cJSON *j)
{
	bool coord = coord_topic(topic, tlen);
	bool sys = tlen >= 5 && memcmp(topic, "$SYS/", 5) == 0;

	if (coord && cJSON_IsNumber(j)) {
		char buf[48];

		snprintf(buf, sizeof(buf), "%.2f", fabs(j->valuedouble) < 1e6 ? j->valuedouble : 0.0);
		return strdup(buf);
	}
	if (cJSON_IsString(j) && j->valuestring) {
		char *s = text_sample(topic, tlen, j->valuestring);
		char *t = s ? cls_scrub_text(s) : NULL;

		free(s);
		if (t) {
			cJSON_SetValuestring(j, t);
			free(t);
		}
	}
	cls_redact_tree(j, EVIDENCE_REDACTED, coord, sys, 0);
	return cJSON_PrintUnformatted(j);
}

static bool deep_json_text(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n && isspace(p[i]))
		i++;
	return i < n && (p[i] == '{' || p[i] == '[');
}

uint8_t *cls_redact_sample(const struct msw_config *cfg, const uint8_t *topic, size_t tlen,
			   const uint8_t *payload, size_t plen, size_t cap, size_t *outlen)
{
	enum msw_evidence ev = cfg ? cfg->evidence : EVIDENCE_REDACTED;
	cJSON *j;
	char *s;

	*outlen = 0;
	if (ev == EVIDENCE_MINIMAL || plen == 0 || cap == 0)
		return NULL;
	if (ev == EVIDENCE_RAW) {
		size_t n = plen < cap ? plen : cap;
		uint8_t *o = malloc(n + 1);

		if (!o)
			return NULL;
		memcpy(o, payload, n);
		o[n] = 0;
		*outlen = n;
		return o;
	}
	if (!utf8_valid(payload, plen))
		return out_str(hex_sample(payload, plen), cap, outlen);
	j = cls_json_parse(payload, plen);
	if (j) {
		s = json_sample(topic, tlen, j);
		cJSON_Delete(j);
		return out_str(s, cap, outlen);
	}
	if (deep_json_text(payload, plen))
		return NULL;   /* too deep/large to parse, so not redactable: not stored */
	if (memchr(payload, 0, plen))
		return out_str(hex_sample(payload, plen), cap, outlen);
	char *t = malloc(plen + 1);

	if (!t)
		return NULL;
	memcpy(t, payload, plen);
	t[plen] = 0;
	s = text_sample(topic, tlen, t);
	free(t);
	t = s ? cls_scrub_text(s) : NULL;   /* unkeyed coordinates, URL passwords */
	free(s);
	return out_str(t, cap, outlen);
}
