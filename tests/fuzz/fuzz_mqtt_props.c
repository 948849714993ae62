/* Fuzz the MQTT 5 property reader (§2.2.2). Input: byte 0 selects the context (the packet
 * type whose properties these are, or a Will); the rest is Property Length + properties.
 * Invariant: the cursor never moves past the input, and a successful read renders to
 * JSON: a record carrying the kept copy (connack.properties) is written by the table
 * walker byte for byte as the reference tree (output/record.c, the codec's
 * mqtt_props_json) writes it, and parses back. */
#include <assert.h>
#include <cjson/cJSON.h>
#include "fuzz_common.h"
#include "output/jsonw.h"
#include "output/record.h"
#include "probes/mqtt_codec.h"
#include "probes/mqtt_props_rec.h"

static void as_record(const struct mqtt_props *p)
{
	struct msw_record r;
	struct dbuf a, b;

	record_init(&r, "mqtt");
	r.connack_code = 0;
	struct mqtt_props_rec *k = mqtt_props_keep(p);
	fref_set(&r.connack_props, k ? &k->tbl : NULL, k);
	cJSON *j = record_to_json(&r, "fuzz");
	assert(j);
	dbuf_init(&a, 1u << 24);
	dbuf_init(&b, 1u << 24);
	assert(jsonw_append(&a, j) == MSW_OK);
	assert(record_text(&r, "fuzz", &b) == MSW_OK);
	assert(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
	cJSON *back = cJSON_ParseWithLength((const char *)b.p, b.len);
	assert(back);
	cJSON_Delete(back);
	cJSON_Delete(j);
	dbuf_free(&a);
	dbuf_free(&b);
	record_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct mqtt_props props;
	if (size < 1)
		return 0;
	unsigned t = data[0] % 17;
	unsigned ctx = t == 16 ? MQTT_PCTX_WILL : MQTT_PCTX(t ? t : MQTT_CONNACK);
	struct cursor c;
	cur_init(&c, data + 1, size - 1);
	memset(&props, 0, sizeof(props));
	msw_err rc = mqtt_props_read(&c, ctx, &props);
	assert(c.off <= c.len);
	if (rc == MSW_OK) {
		for (int id = 1; id <= MQTT_P__MAX; id++)
			if (mqtt_props_has(&props, id)) {
				(void)mqtt_prop_name(id);
				(void)mqtt_prop_type(id);
			}
		cJSON *j = mqtt_props_json(&props);
		if (j) {
			char *s = cJSON_PrintUnformatted(j);
			assert(s);
			free(s);
			cJSON_Delete(j);
		}
		as_record(&props);
	}
	return 0;
}
