/* Fuzz the MQTT packet stream decoder, all versions. Input: byte 0 selects the protocol
 * version (3.1, 3.1.1, 5.0) and the remaining-length cap; the rest is the stream a server
 * sends. Each packet is framed and decoded; invariants: a framed packet never claims more
 * bytes than were given, every strict prefix of a complete packet frames as NEED_MORE, and
 * properties render to JSON. */
#include <assert.h>
#include <cjson/cJSON.h>
#include "fuzz_common.h"
#include "probes/mqtt_codec.h"

static void props_json(const struct mqtt_props *p)
{
	cJSON *j = mqtt_props_json(p);
	if (j) {
		char *s = cJSON_PrintUnformatted(j);
		free(s);
		cJSON_Delete(j);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static union mqtt_any any;
	if (size < 1)
		return 0;
	int ver = 3 + data[0] % 3;
	uint32_t cap = (data[0] & 0x80) ? 256 : (1u << 20);
	data++;
	size--;
	size_t off = 0;
	for (int npk = 0; off < size && npk < 64; npk++) {
		struct mqtt_frame f;
		msw_err rc = mqtt_decode_packet(ver, data + off, size - off, cap, &f, &any);
		if (rc == MSW_ERR_TOO_BIG) {
			assert(f.remaining > cap);
			break;
		}
		if (rc == MSW_ERR_NEED_MORE || rc == MSW_ERR_MALFORMED)
			break;
		struct mqtt_frame g;
		if (mqtt_frame_parse(data + off, size - off, ver, cap, &g) != MSW_OK)
			break;  /* framed but the body was rejected: nothing more to check */
		assert(g.total <= size - off && g.total >= 2 && g.hdr_len <= 5);
		/* every strict prefix of a complete packet needs more input */
		for (size_t k = 0; k < g.total && k < 8; k++) {
			struct mqtt_frame h;
			assert(mqtt_frame_parse(data + off, k, ver, cap, &h) == MSW_ERR_NEED_MORE);
		}
		if (rc == MSW_OK) {
			if (g.type == MQTT_CONNACK)
				props_json(&any.connack.props);
			else if (g.type == MQTT_PUBLISH)
				props_json(&any.publish.props);
			else if (g.type == MQTT_DISCONNECT || g.type == MQTT_AUTH)
				props_json(&any.disconnect.props);
			(void)mqtt_type_str(g.type);
		}
		off += g.total;
	}
	return 0;
}
