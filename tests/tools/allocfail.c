/* allocfail: the allocation-failure mode for the decoders. For every input (the codec
 * vectors in tests/vectors, files ending in .hex, and the smart-home payload fixtures)
 * and every N, the Nth allocation fails; the code under test must end in a clean error: no
 * crash, and no allocation left behind once the caller has freed what it got (this tool counts live
 * allocations itself, so leaks on error paths are caught without a sanitizer).
 *
 * It replaces malloc/calloc/realloc/free (glibc supports replacing them in the executable,
 * and libcjson's allocations come here too). Under ASan that is impossible, so a sanitizer
 * build of this tool only says it is skipped; scripts/test.sh runs the product build's.
 *
 *   allocfail VECTOR_DIR [FIXTURE_DIR]      exit 0 when every failure point ended cleanly */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "classify/classify.h"
#include "base/config.h"
#include "output/record.h"
#include "probes/mqtt_codec.h"

#if defined(__SANITIZE_ADDRESS__)
#define MSW_NO_MALLOC_OVERRIDE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define MSW_NO_MALLOC_OVERRIDE 1
#endif
#endif

#ifdef MSW_NO_MALLOC_OVERRIDE
int main(void)
{
	printf("allocfail: skipped (sanitizer build: malloc cannot be replaced)\n");
	return 0;
}
#else

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static long fail_at;    /* 0 = never */
static long nallocs;    /* allocations attempted since arm() */
static long live;       /* live allocations */
static bool injected;

static bool should_fail(void)
{
	nallocs++;
	if (fail_at && nallocs == fail_at) {
		injected = true;
		return true;
	}
	return false;
}

void *malloc(size_t n)
{
	if (should_fail())
		return NULL;
	void *p = __libc_malloc(n);
	if (p)
		live++;
	return p;
}

void *calloc(size_t a, size_t b)
{
	if (should_fail())
		return NULL;
	void *p = __libc_calloc(a, b);
	if (p)
		live++;
	return p;
}

void *realloc(void *old, size_t n)
{
	if (!old)
		return malloc(n);
	if (n == 0) {
		free(old);
		return NULL;
	}
	if (should_fail())
		return NULL;
	return __libc_realloc(old, n);
}

void free(void *p)
{
	if (!p)
		return;
	live--;
	__libc_free(p);
}

static void arm(long n)
{
	fail_at = n;
	nallocs = 0;
	injected = false;
}

/* ---- cases ---------------------------------------------------------------------------- */

struct input {
	uint8_t *p;
	size_t n;
	int ver;
	char name[256];
	char topic[256];
};

static void case_mqtt(const struct input *in)
{
	static union mqtt_any any;
	struct mqtt_frame f;
	if (mqtt_decode_packet(in->ver, in->p, in->n, 1u << 20, &f, &any) != MSW_OK)
		return;
	const struct mqtt_props *p = NULL;
	if (f.type == MQTT_CONNACK)
		p = &any.connack.props;
	else if (f.type == MQTT_PUBLISH)
		p = &any.publish.props;
	else if (f.type == MQTT_DISCONNECT || f.type == MQTT_AUTH)
		p = &any.disconnect.props;
	if (!p)
		return;
	cJSON *j = mqtt_props_json(p);
	if (j) {
		char *s = cJSON_PrintUnformatted(j);
		free(s);
		cJSON_Delete(j);
	}
}

static void case_classify(const struct input *in)
{
	struct msw_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = MODE_AUDIT;
	cfg.depth = DEPTH_TOPICS;
	struct msw_record rec;
	record_init(&rec, "mqtt");
	rec.mqtt = true;
	rec.auth = AUTH_ANONYMOUS;
	struct classify_ctx *c = cls_new(&cfg);
	size_t tl = strlen(in->topic);
	if (c) {
		cls_message(c, (const uint8_t *)in->topic, tl, in->p, in->n, true);
		cls_service(c, &rec);
		cls_finish(c, &rec);
		cls_free(c);
	}
	size_t ol = 0;
	free(cls_redact_sample(&cfg, (const uint8_t *)in->topic, tl, in->p, in->n, 256, &ol));
	free(cls_redact_topic(&cfg, (const uint8_t *)in->topic, tl));
	struct msw_topic *t = record_topic(&rec, (const uint8_t *)in->topic, tl, 16);
	if (t)
		t->messages++;
	cJSON *j = record_to_json(&rec, "allocfail");
	if (j) {
		char *s = cJSON_PrintUnformatted(j);
		free(s);
		cJSON_Delete(j);
	}
	record_free(&rec);
}

/* Runs one case for N = 1, 2, ... until a run completes without an injected failure.
 * Returns the number of leaking failure points (0 = clean). */
static int sweep(void (*fn)(const struct input *), const struct input *in, long *points)
{
	int leaks = 0;
	fn(in);  /* warm-up: one-time global initialisation is not a leak */
	for (long n = 1; n < 1000000; n++) {
		long before = live;
		arm(n);
		fn(in);
		fail_at = 0;
		if (live != before) {
			fprintf(stderr, "allocfail: %s: %ld allocation(s) leaked when allocation %ld failed\n",
				in->name, live - before, n);
			leaks++;
		}
		if (!injected)
			break;
		(*points)++;
	}
	return leaks;
}

/* ---- inputs --------------------------------------------------------------------------- */

static bool read_file(const char *path, uint8_t **p, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	size_t cap = 1 << 16, len = 0;
	uint8_t *b = __libc_malloc(cap);
	size_t r;
	while (b && (r = fread(b + len, 1, cap - len, f)) > 0) {
		len += r;
		if (len == cap) {
			uint8_t *nb = cap < (16u << 20) ? __libc_realloc(b, cap * 2) : NULL;
			if (!nb)
				break;
			b = nb;
			cap *= 2;
		}
	}
	fclose(f);
	*p = b;
	*n = len;
	return b != NULL;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* tests/vectors format: '#' comment lines ("# ver: N" gives the version), hex elsewhere */
static void parse_hex(struct input *in, const uint8_t *t, size_t n)
{
	size_t o = 0;
	int hi = -1;
	in->ver = !strncmp(in->name, "v5_", 3) ? 5 : !strncmp(in->name, "v31_", 4) ? 3 : 4;
	for (size_t i = 0; i < n; i++) {
		if (t[i] == '#') {
			const char *v = memmem(t + i, n - i, "ver:", 4);
			const uint8_t *eol = memchr(t + i, '\n', n - i);
			if (v && (!eol || (const uint8_t *)v < eol)) {
				int d = hexval(v[4] == ' ' ? v[5] : v[4]);
				if (d >= 3 && d <= 5)
					in->ver = d;
			}
			if (!eol)
				break;
			i = (size_t)(eol - t);
			continue;
		}
		int d = hexval(t[i]);
		if (d < 0)
			continue;
		if (hi < 0) {
			hi = d;
		} else {
			in->p[o++] = (uint8_t)(hi << 4 | d);
			hi = -1;
		}
	}
	in->n = o;
}

static int run_vectors(const char *dir, long *points, int *count)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int leaks = 0;
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (l < 5 || strcmp(e->d_name + l - 4, ".hex"))
			continue;
		char path[4096];
		uint8_t *t;
		size_t n;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!read_file(path, &t, &n))
			continue;
		struct input in = {.p = __libc_malloc(n / 2 + 1)};
		snprintf(in.name, sizeof(in.name), "%.250s", e->d_name);
		if (in.p) {
			parse_hex(&in, t, n);
			leaks += sweep(case_mqtt, &in, points);
			(*count)++;
		}
		__libc_free(in.p);
		__libc_free(t);
	}
	closedir(d);
	return leaks;
}

static int run_fixtures(const char *dir, long *points, int *count)
{
	char path[4096], line[2048];
	snprintf(path, sizeof(path), "%s/MANIFEST.tsv", dir);
	FILE *m = fopen(path, "r");
	int leaks = 0;
	if (!m)
		return 0;
	while (fgets(line, sizeof(line), m)) {
		char *tab1 = strchr(line, '\t'), *tab2 = tab1 ? strchr(tab1 + 1, '\t') : NULL;
		if (!tab1 || !tab2 || !strncmp(line, "file\t", 5))
			continue;
		*tab1 = *tab2 = 0;
		struct input in = {0};
		snprintf(in.name, sizeof(in.name), "%.200s", line);
		snprintf(in.topic, sizeof(in.topic), "%.250s", tab1 + 1);
		snprintf(path, sizeof(path), "%s/%s", dir, line);
		if (!read_file(path, &in.p, &in.n))
			continue;
		leaks += sweep(case_classify, &in, points);
		(*count)++;
		__libc_free(in.p);
	}
	fclose(m);
	return leaks;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: allocfail VECTOR_DIR [FIXTURE_DIR]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	setvbuf(stderr, NULL, _IONBF, 0);
	long points = 0, fpoints = 0;
	int nv = 0, nf = 0, fleaks = 0;
	int leaks = run_vectors(argv[1], &points, &nv);
	printf("allocfail: %d codec vectors, %ld allocation-failure points, %d leaking\n", nv,
	       points, leaks);
	if (argc > 2) {
		fleaks = run_fixtures(argv[2], &fpoints, &nf);
		printf("allocfail: %d payload fixtures (classifier + record), %ld failure points, "
		       "%d leaking%s\n", nf, fpoints, fleaks,
		       getenv("ALLOCFAIL_LENIENT") ? " (ALLOCFAIL_LENIENT: warning only)" : "");
		if (!getenv("ALLOCFAIL_LENIENT"))
			leaks += fleaks;
	}
	/* reaching this line means no failure point crashed */
	printf("allocfail: %s\n", leaks ? "FAILED: allocations leaked on error paths" : "ok");
	return leaks ? 1 : 0;
}
#endif
