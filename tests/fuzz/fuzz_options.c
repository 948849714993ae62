/* Fuzz the option parser (the one option table behind the command line): the input is
 * split at '\n' into argv (byte 0 picks scan or audit). getaddrinfo() is replaced so
 * nothing is resolved; arguments naming /dev or /proc files are dropped so the parser
 * never reads a device. Invariants: an error always names the bad token; the options
 * echo renders to JSON. */
#define MSW_FUZZ_NO_DNS
#include <assert.h>
#include <cjson/cJSON.h>
#include "fuzz_common.h"
#include "app/options.h"

#define MAX_ARGS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096)
		return 0;
	enum msw_mode mode = (data[0] & 1) ? MODE_AUDIT : MODE_SCAN;
	char *buf = fuzz_strdup(data + 1, size - 1);
	char *argv[MAX_ARGS + 1];
	int argc = 0;
	char *p = buf;
	while (argc < MAX_ARGS) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		if (!strstr(p, "/dev") && !strstr(p, "/proc") && !strstr(p, "/sys"))
			argv[argc++] = p;
		if (!nl)
			break;
		p = nl + 1;
	}
	argv[argc] = NULL;
	struct msw_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	char *err = NULL;
	msw_err rc = options_parse(mode, argc, argv, &cfg, &err);
	if (rc == MSW_OK) {
		cJSON *j = options_echo(&cfg);
		if (j) {
			char *s = cJSON_PrintUnformatted(j);
			free(s);
			cJSON_Delete(j);
		}
	} else {
		assert(err);
	}
	free(err);
	options_free(&cfg);
	free(buf);
	return 0;
}
