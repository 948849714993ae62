/* Fuzz the MQTT 5 property reader (§2.2.2). Input: byte 0 selects the context (the packet
 * type whose properties these are, or a Will); the rest is Property Length + properties.
 * Invariant: the cursor never moves past the input, and a successful read renders to
 * JSON. */
#include <assert.h>
#include <cjson/cJSON.h>
#include "fuzz_common.h"
#include "probes/mqtt_codec.h"

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
	}
	return 0;
}
