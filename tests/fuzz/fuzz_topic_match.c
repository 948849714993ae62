/* Fuzz topic-filter matching used by the classifier rules: PATTERN \0 TOPIC. Patterns use
 * MQTT wildcards (+, #) and captures ({name}, {name:glob|glob}, {*rest}). Invariants:
 * captures lie inside the topic; generalise() of a match is a valid string. The glob
 * helpers run on the same strings. */
#include <assert.h>
#include "fuzz_common.h"
#include "classify/cls_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *t;
	size_t plen, tlen;
	if (!fuzz_split(data, size, &t, &plen, &tlen))
		return 0;
	char *pat = fuzz_strdup(data, plen);
	char *topic = fuzz_strdup(t, tlen);  /* topics may contain anything but are length-counted */
	struct cls_cap caps[CLS_MAX_CAPS];
	int ncaps = 0;
	if (cls_topic_match(pat, topic, tlen, caps, &ncaps)) {
		assert(ncaps >= 0 && ncaps <= CLS_MAX_CAPS);
		for (int i = 0; i < ncaps; i++)
			assert(caps[i].off + caps[i].len <= tlen);
		char *g = cls_topic_generalise(pat, topic, tlen);
		free(g);
	}
	(void)cls_glob(pat, plen, topic, tlen);
	(void)cls_glob_alt(pat, topic, tlen);
	free(pat);
	free(topic);
	return 0;
}
