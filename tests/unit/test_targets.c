/* Target specs in every form, port specs, -iL files, and the iterator: permutation over
 * the space, blocklist applied as hosts come out (named vs contained), exclusions that do
 * not reshuffle the order, shards, resume skips, -n, and host names resolved by the
 * resolver threads ("localhost" only: /etc/hosts, no DNS). No connection is made here;
 * documentation addresses appear only as parsed strings. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "engine/blocklist.h"
#include "base/config.h"
#include "engine/targets.h"
#include "output/record.h"

static void test_ports(void **state)
{
	struct port_spec *p;
	size_t n;
	char *err = NULL;

	(void)state;
	assert_int_equal(parse_ports(NULL, &p, &n, &err), MSW_OK); /* the default set */
	assert_int_equal(n, 4);
	assert_true(p[0].port == 1883 && p[0].transport == TRANSPORT_TCP);
	assert_true(p[1].port == 8883 && p[1].transport == TRANSPORT_TLS);
	assert_true(p[2].port == 1884 && p[2].transport == TRANSPORT_WS);
	assert_true(p[3].port == 8884 && p[3].transport == TRANSPORT_WSS);
	free(p);
	assert_int_equal(parse_ports("8883", &p, &n, &err), MSW_OK); /* never plain to 8883 */
	assert_true(n == 1 && p[0].transport == TRANSPORT_TLS);
	free(p);
	assert_int_equal(parse_ports("8883/tcp", &p, &n, &err), MSW_OK);
	assert_true(n == 1 && p[0].transport == TRANSPORT_TCP);
	free(p);
	assert_int_equal(parse_ports("1000-1005,1883,1883, 1002", &p, &n, &err), MSW_OK);
	assert_int_equal(n, 7);
	assert_int_equal(p[6].port, 1883);
	free(p);
	assert_int_equal(parse_ports("8880-8890", &p, &n, &err), MSW_OK);
	assert_int_equal(n, 11);
	assert_true(p[3].port == 8883 && p[3].transport == TRANSPORT_TLS);
	free(p);
	assert_int_equal(parse_ports("9001/WS,443/wss,8080/mqtts", &p, &n, &err), MSW_OK);
	assert_true(p[0].transport == TRANSPORT_WS && p[1].transport == TRANSPORT_WSS &&
		    p[2].transport == TRANSPORT_TLS);
	free(p);
	assert_int_equal(parse_ports("web", &p, &n, &err), MSW_OK); /* adds to the defaults */
	assert_int_equal(n, 10);
	assert_true(p[4].port == 9001 && p[4].transport == TRANSPORT_WS);
	assert_true(p[9].port == 15675 && p[9].transport == TRANSPORT_WS);
	free(p);
	assert_int_equal(parse_ports("1883,web", &p, &n, &err), MSW_OK);
	assert_int_equal(n, 7);
	free(p);
	assert_int_equal(parse_ports("1-65535", &p, &n, &err), MSW_OK);
	assert_int_equal(n, 65535);
	free(p);

	static const char *const bad[][2] = {
		{"0", "'0'"},         {"65536", "'65536'"}, {"1883,0", "'0'"},
		{"70000", "70000"},   {"0-10", "'0-10'"},   {"10-5", "'10-5'"},
		{"1883/foo", "foo"},  {"", "''"},           {"1883,,1884", "1883,,1884"},
		{"abc", "'abc'"},     {"-5", "'-5'"},       {"1-65536", "'1-65536'"},
		{"123456", "123456"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		assert_int_equal(parse_ports(bad[i][0], &p, &n, &err), MSW_ERR_USAGE);
		assert_non_null(err);
		if (!strstr(err, bad[i][1]))
			fail_msg("error for '%s' does not name it: %s", bad[i][0], err);
		free(err);
	}
}

static void test_spec_forms(void **state)
{
	static const char *const good[] = {
		"192.0.2.1",
		"192.0.2.0/24",
		"192.0.2.1-20",
		"192.0.2.1-192.0.2.9",
		"0.0.0.0/0",
		"2001:db8::1",
		"[2001:db8::1]",
		"[2001:db8::1]:1883",
		"2001:db8::/120",
		"[2001:db8::/120]:1883,8883",
		"fe80::1%1",
		"broker.example",
		"broker.local:1883",
		"my-broker",
		"192.0.2.1:8883",
		"192.0.2.0/28:1883/ws",
		"192.0.2.1:1883,8883/tls",
		"mqtt://192.0.2.1",
		"mqtt://u:p@192.0.2.1:1884",
		"mqtt://user@broker.example",
		"mqtts://broker.example",
		"ws://192.0.2.1:9001/mqtt",
		"wss://[2001:db8::1]/ws",
		"tcp://192.0.2.1:1883",
		"ssl://broker.example:8884",
		"mqtt://a%40b:p%3Aw@h",
		"MQTT://192.0.2.1/",
	};
	static const char *const bad[] = {
		"192.0.2.0/33",
		"300.1.1.1",
		"1.2.3",
		"192.0.2.5-3",
		"192.0.2.1-300",
		"2001:db8::/64",
		"2001:db8:::1",
		"gopher://192.0.2.1",
		"mqtt://[2001:db8::1",
		"broker.example:0",
		"broker.example:65536",
		"[2001:db8::1]x",
		"bad host",
		"192.0.2.1:",
		"-broker",
		"broker-.example",
		"mqtt://",
		"mqtt://h:0",
		"mqtt://h:99999",
		"mqtt://a%zz@h",
		"-",
		"",
		"host_with_$",
		"mqtt://192.0.2.1-5",
		"a..b",
		"mqtt://2001:db8::1:1883",
	};
	char *err;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		err = NULL;
		if (parse_target_spec(good[i], &err))
			fail_msg("'%s' rejected: %s", good[i], err ? err : "?");
		assert_null(err);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		if (parse_target_spec(bad[i], &err) != MSW_ERR_USAGE)
			fail_msg("'%s' accepted", bad[i]);
		assert_non_null(err);
		if (*bad[i] && !strstr(err, bad[i]))
			fail_msg("error for '%s' does not name it: %s", bad[i], err);
		free(err);
	}
}

/* ---- iterator helpers ---- */

struct got {
	struct target_host *h[70000];
	size_t n;
};

static void drain(struct target_iter *it, struct got *g, bool keep)
{
	struct target_host *h;
	msw_err rc;

	g->n = 0;
	while ((rc = targets_next(it, &h)) != MSW_ERR_CLOSED) {
		if (rc == MSW_ERR_AGAIN) {
			struct pollfd p = {.fd = targets_fd(it), .events = POLLIN};

			assert_true(p.fd >= 0);
			assert_true(poll(&p, 1, 5000) >= 0);
			continue;
		}
		assert_int_equal(rc, MSW_OK);
		assert_true(g->n < sizeof(g->h) / sizeof(g->h[0]));
		if (keep) {
			g->h[g->n++] = h;
		} else {
			g->n++;
			targets_release(it, h);
		}
	}
}

static void release_all(struct target_iter *it, struct got *g)
{
	for (size_t i = 0; i < g->n; i++)
		targets_release(it, g->h[i]);
	g->n = 0;
}

static struct target_iter *open_cfg(struct msw_config *cfg, const char *const *t, size_t n,
				    uint64_t seed)
{
	struct target_iter *it = NULL;
	char *err = NULL;

	cfg->targets = (char **)t;
	cfg->ntargets = n;
	if (targets_open(cfg, seed, &it, &err))
		fail_msg("targets_open: %s", err ? err : "?");
	return it;
}

static uint32_t host_v4(const struct target_host *h)
{
	assert_int_equal(h->base.sa.ss_family, AF_INET);
	return ntohl(((const struct sockaddr_in *)&h->base.sa)->sin_addr.s_addr);
}

static struct got G1, G2;

static void test_named_private_and_order(void **state)
{
	static const char *const t[] = {"127.0.0.0/29", "127.0.1.250-127.0.2.5"};
	struct msw_config cfg = {0};
	struct target_iter *it = open_cfg(&cfg, t, 2, 7);
	uint8_t seen[20] = {0};

	(void)state;
	assert_true(targets_hosts(it) == 8 + 12);
	assert_true(targets_total(it) == 20 * 4);
	drain(it, &G1, true);
	assert_int_equal(G1.n, 20);
	for (size_t i = 0; i < G1.n; i++) {
		const struct target_host *h = G1.h[i];
		uint32_t a = host_v4(h);

		assert_true(h->base.index < 20);
		assert_int_equal(seen[h->base.index]++, 0);
		if (h->base.index < 8)
			assert_true(a == 0x7f000000u + h->base.index);
		else
			assert_true(a == 0x7f0001fau + (h->base.index - 8));
		assert_false(h->blocklisted);
		assert_false(h->base.named); /* ranges, not single hosts */
		assert_int_equal(h->nports, 4);
		assert_int_equal(((const struct sockaddr_in *)&h->base.sa)->sin_port, 0);
		char ip[32];
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&h->base.sa)->sin_addr, ip,
			  sizeof(ip));
		assert_string_equal(ip, h->base.ip);
	}
	assert_int_equal(targets_excluded(it), 0);
	/* same seed, same order; another seed, another order */
	struct target_iter *it2 = open_cfg(&cfg, t, 2, 7);
	drain(it2, &G2, true);
	assert_int_equal(G2.n, 20);
	for (size_t i = 0; i < 20; i++)
		assert_true(G1.h[i]->base.index == G2.h[i]->base.index);
	release_all(it2, &G2);
	targets_close(it2);
	size_t same = 0;
	for (uint64_t seed = 100; seed < 105; seed++) {
		it2 = open_cfg(&cfg, t, 2, seed);
		drain(it2, &G2, true);
		for (size_t i = 0; i < 20; i++)
			same += G1.h[i]->base.index == G2.h[i]->base.index;
		release_all(it2, &G2);
		targets_close(it2);
	}
	assert_true(same < 50);
	release_all(it, &G1);
	targets_close(it);
}

static void test_sweep_drops_private_and_reserved(void **state)
{
	static const char *const t[] = {"0.0.0.0/0"};
	static const char *const t2[] = {"96.0.0.0/3"};
	struct msw_config cfg = {.max_targets = 20000};
	struct target_iter *it = open_cfg(&cfg, t, 1, 1);

	(void)state;
	drain(it, &G1, true);
	assert_int_equal(G1.n, 20000); /* -n caps emitted hosts */
	for (size_t i = 0; i < G1.n; i++) {
		uint32_t a = host_v4(G1.h[i]);

		assert_null(bl_reserved_v4(a));
		assert_null(bl_private_v4(a));
		assert_true(G1.h[i]->base.index == a);
	}
	assert_true(targets_excluded(it) > 0);
	assert_true(targets_blocklisted(it) > 0);
	assert_true(targets_blocklisted(it) < targets_excluded(it));
	release_all(it, &G1);
	targets_close(it);

	cfg.max_targets = 5000;
	it = open_cfg(&cfg, t2, 1, 3);
	drain(it, &G1, true);
	assert_int_equal(G1.n, 5000);
	for (size_t i = 0; i < G1.n; i++)
		assert_true(host_v4(G1.h[i]) >> 24 != 127);
	assert_true(targets_excluded(it) > 0); /* 1/32 of 96/3 is 127/8: hit w.h.p. */
	release_all(it, &G1);
	targets_close(it);
}

static void test_blocklisted_named(void **state)
{
	static const char *const t[] = {"192.0.2.0/30", "224.0.0.1", "198.18.0.1:1883"};
	struct msw_config cfg = {0};
	struct target_iter *it = open_cfg(&cfg, t, 3, 5);

	(void)state;
	drain(it, &G1, false);
	assert_int_equal(G1.n, 0); /* never scanned */
	assert_int_equal(targets_excluded(it), 6);
	assert_int_equal(targets_blocklisted(it), 6);
	targets_close(it);

	cfg.record_all = true; /* --all: handed out, marked */
	it = open_cfg(&cfg, t, 3, 5);
	drain(it, &G1, true);
	assert_int_equal(G1.n, 6);
	for (size_t i = 0; i < G1.n; i++)
		assert_true(G1.h[i]->blocklisted);
	release_all(it, &G1);
	targets_close(it);
}

static void test_exclusions_keep_order(void **state)
{
	static const char *const t[] = {"127.1.0.0/22"};
	char *ex[] = {"127.1.1.0/24,127.1.2.7", "127.1.3.255"};
	struct msw_config cfg = {0};
	struct target_iter *a = open_cfg(&cfg, t, 1, 11), *b;
	size_t j = 0;

	(void)state;
	drain(a, &G1, true);
	assert_int_equal(G1.n, 1024);
	cfg.excludes = ex;
	cfg.nexcludes = 2;
	b = open_cfg(&cfg, t, 1, 11);
	drain(b, &G2, true);
	assert_int_equal(G2.n, 1024 - 256 - 2);
	assert_int_equal(targets_excluded(b), 258);
	for (size_t i = 0; i < G1.n; i++) { /* G2 is G1 with the excluded removed */
		uint32_t x = host_v4(G1.h[i]);
		bool gone = (x >> 8) == 0x7f0101u || x == 0x7f010207u || x == 0x7f0103ffu;

		if (gone)
			continue;
		assert_true(j < G2.n);
		assert_true(host_v4(G2.h[j]) == x);
		j++;
	}
	assert_int_equal(j, G2.n);
	release_all(a, &G1);
	release_all(b, &G2);
	targets_close(a);
	targets_close(b);
}

static void test_shards_and_skip(void **state)
{
	static const char *const t[] = {"127.2.0.0/20", "::1", "127.3.0.1-9"};
	static uint8_t seen[4096 + 10];
	struct msw_config cfg = {0};
	size_t total = 0;

	(void)state;
	memset(seen, 0, sizeof(seen));
	for (unsigned k = 0; k < 3; k++) {
		cfg.shard = k;
		cfg.shards = 3;
		struct target_iter *it = open_cfg(&cfg, t, 3, 77);
		drain(it, &G1, true);
		for (size_t i = 0; i < G1.n; i++) {
			assert_int_equal(seen[G1.h[i]->base.index]++, 0);
		}
		total += G1.n;
		release_all(it, &G1);
		targets_close(it);
	}
	assert_int_equal(total, 4096 + 10);
}

static bool skip_even(void *arg, uint64_t idx)
{
	(*(int *)arg)++;
	return idx % 2 == 0;
}

static void test_skip(void **state)
{
	static const char *const t[] = {"127.4.0.0/24"};
	struct msw_config cfg = {0};
	struct target_iter *it = open_cfg(&cfg, t, 1, 9);
	int calls = 0;

	(void)state;
	targets_set_skip(it, skip_even, &calls);
	drain(it, &G1, true);
	assert_int_equal(G1.n, 128);
	assert_int_equal(calls, 256);
	for (size_t i = 0; i < G1.n; i++)
		assert_int_equal(G1.h[i]->base.index % 2, 1);
	assert_int_equal(targets_excluded(it), 0);
	release_all(it, &G1);
	targets_close(it);
}

static const struct target_host *find_ip(const struct got *g, const char *ip)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->h[i]->base.ip, ip))
			return g->h[i];
	return NULL;
}

static void test_urls_and_ports(void **state)
{
	static const char *const t[] = {
		"mqtt://alice:s%40cret@127.0.0.5:1999",
		"mqtts://127.0.0.6",
		"ws://127.0.0.7/mqtt",
		"wss://[::1]",
		"127.0.0.8:8883",
		"[::1]:1884/ws,9001",
		"127.0.0.9",
		"fd00::/126",
	};
	struct msw_config cfg = {.ports = "1883"};
	struct target_iter *it = open_cfg(&cfg, t, 8, 1);
	const struct target_host *h;

	(void)state;
	drain(it, &G1, true);
	assert_int_equal(G1.n, 7 + 4);
	h = find_ip(&G1, "127.0.0.5");
	assert_non_null(h);
	assert_string_equal(h->base.username, "alice");
	assert_string_equal(h->base.password, "s@cret");
	assert_true(h->nports == 1 && h->ports[0].port == 1999 &&
		    h->ports[0].transport == TRANSPORT_TCP);
	assert_true(h->base.named);
	h = find_ip(&G1, "127.0.0.6");
	assert_true(h->nports == 1 && h->ports[0].port == 8883 &&
		    h->ports[0].transport == TRANSPORT_TLS);
	assert_null(h->base.username);
	h = find_ip(&G1, "127.0.0.7");
	assert_true(h->ports[0].port == 80 && h->ports[0].transport == TRANSPORT_WS);
	assert_string_equal(h->base.ws_path, "/mqtt");
	h = find_ip(&G1, "127.0.0.8");
	assert_true(h->nports == 1 && h->ports[0].transport == TRANSPORT_TLS);
	h = find_ip(&G1, "127.0.0.9");
	assert_true(h->nports == 1 && h->ports[0].port == 1883); /* the -p list */
	size_t v6 = 0;
	for (size_t i = 0; i < G1.n; i++) {
		h = G1.h[i];
		if (strcmp(h->base.ip, "::1"))
			continue;
		v6++;
		assert_int_equal(h->base.sa.ss_family, AF_INET6);
		if (h->nports == 1) {
			assert_true(h->ports[0].port == 443 &&
				    h->ports[0].transport == TRANSPORT_WSS);
		} else {
			assert_int_equal(h->nports, 2);
			assert_true(h->ports[0].port == 1884 &&
				    h->ports[0].transport == TRANSPORT_WS);
			assert_true(h->ports[1].port == 9001 &&
				    h->ports[1].transport == TRANSPORT_TCP);
		}
	}
	assert_int_equal(v6, 2);
	assert_non_null(find_ip(&G1, "fd00::"));
	assert_non_null(find_ip(&G1, "fd00::3"));
	release_all(it, &G1);
	targets_close(it);
}

static void test_names(void **state)
{
	enum { N = 40 };
	static const char *t[N + 2];
	struct msw_config cfg = {0};
	struct target_iter *it;
	uint8_t seen[N + 2] = {0};

	(void)state;
	for (int i = 0; i < N; i++)
		t[i] = (i % 2) ? "localhost" : "mqtt://u@localhost:1999";
	t[N] = "127.0.0.1";
	it = open_cfg(&cfg, t, N + 1, 4);
	assert_true(targets_fd(it) >= 0);
	drain(it, &G1, true);
	assert_int_equal(G1.n, N + 1);
	for (size_t i = 0; i < G1.n; i++) {
		const struct target_host *h = G1.h[i];

		assert_int_equal(seen[h->base.index]++, 0);
		assert_false(h->unresolved);
		assert_string_equal(h->base.ip, "127.0.0.1");
		assert_true(h->base.named);
		if (h->base.index == N) {
			assert_null(h->base.hostname);
		} else {
			assert_string_equal(h->base.hostname, "localhost");
			if (h->base.index % 2 == 0)
				assert_true(h->nports == 1 && h->ports[0].port == 1999);
		}
	}
	release_all(it, &G1);
	targets_close(it);
}

/* One -iL file's hosts (cfg.ports "1883"). */
static struct target_iter *open_list(const char *text, char **err)
{
	static char path[] = "/tmp/msw-test-csv-XXXXXX";
	char tmpl[sizeof(path)];
	struct msw_config cfg = {0};
	struct target_iter *it = NULL;
	int fd;
	FILE *f;

	memcpy(tmpl, path, sizeof(path));
	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	cfg.input_list = tmpl;
	cfg.ports = "1883";
	*err = NULL;
	if (targets_open(&cfg, 3, &it, err))
		it = NULL;
	unlink(tmpl);
	return it;
}

/* zmap in front: its default output (bare addresses) and its csv module with a header
 * (address from saddr, port from sport; RST and repeated rows skipped); zgrab2's CSV
 * (ip, domain, tag, port): a port column overrides -p, a domain alone is resolved, a
 * domain with an address names it, a CIDR expands; quoted fields; every bad line is a
 * usage error naming its line. */
static void test_input_list_csv(void **state)
{
	struct target_iter *it;
	const struct target_host *h;
	char *err = NULL;

	(void)state;
	it = open_list("127.0.84.3\n127.0.84.4\n", &err);
	assert_non_null(it);
	drain(it, &G1, true);
	assert_int_equal(G1.n, 2);
	release_all(it, &G1);
	targets_close(it);

	it = open_list("saddr,sport,daddr,classification,success,repeat\n"
		       "127.0.84.3,1883,127.0.0.2,synack,1,0\n"
		       "127.0.84.4,1883,127.0.0.2,rst,0,0\n"
		       "127.0.84.3,1883,127.0.0.2,synack,1,1\n"
		       "127.0.84.5,8883,127.0.0.2,synack,1,0\r\n",
		       &err);
	assert_non_null(it);
	drain(it, &G1, true);
	assert_int_equal(G1.n, 2); /* the RST and the repeat are not targets */
	assert_null(find_ip(&G1, "127.0.84.4"));
	assert_null(find_ip(&G1, "127.0.0.2")); /* daddr is zmap's own address */
	h = find_ip(&G1, "127.0.84.3");
	assert_true(h && h->nports == 1 && h->ports[0].port == 1883);
	h = find_ip(&G1, "127.0.84.5");
	assert_true(h && h->nports == 1 && h->ports[0].port == 8883 &&
		    h->ports[0].transport == TRANSPORT_TLS);
	release_all(it, &G1);
	targets_close(it);

	it = open_list("# zgrab2 input\n"
		       "127.0.84.7, , tag1, 1884\n"
		       ",localhost,,2000\n"
		       "127.0.84.8,broker.example,,\n"
		       "\"127.0.84.16/30\",,\"a \"\"tag\"\"\",\"8883/tcp\"\n"
		       "127.0.84.9\n",
		       &err);
	assert_non_null(it);
	drain(it, &G1, true);
	assert_int_equal(G1.n, 8);
	h = find_ip(&G1, "127.0.84.7");
	assert_true(h && h->nports == 1 && h->ports[0].port == 1884 && !h->base.hostname);
	h = find_ip(&G1, "127.0.0.1");
	assert_true(h && h->nports == 1 && h->ports[0].port == 2000);
	assert_string_equal(h->base.hostname, "localhost");
	h = find_ip(&G1, "127.0.84.8");
	assert_true(h && h->nports == 1 && h->ports[0].port == 1883);
	assert_string_equal(h->base.hostname, "broker.example");
	h = find_ip(&G1, "127.0.84.18");
	assert_true(h && h->ports[0].port == 8883 && h->ports[0].transport == TRANSPORT_TCP);
	assert_non_null(find_ip(&G1, "127.0.84.9"));
	release_all(it, &G1);
	targets_close(it);

	static const char *const bad[][2] = {
		{"127.0.84.1\n127.0.84.2,a,b,1883,x\n", "line 2: 5 fields"},
		{"127.0.84.1\n\n300.1.1.1,,,\n", "line 3: bad address '300.1.1.1'"},
		{",,,\n", "line 1: no address and no domain"},
		{"127.0.84.1,,,99999\n", "line 1: bad port '99999'"},
		{"\"127.0.84.1,,\n", "line 1: bad CSV line: a quote is not closed"},
		{"\"127.0.84.1\"x,,\n", "line 1: bad CSV line: text after a closing quote"},
		{"example.com,,,\n", "line 1: bad address 'example.com'"},
		{"127.0.84.1,bad_name!,,\n", "line 1: bad domain 'bad_name!'"},
		{"saddr,sport\n127.0.84.1,1883,extra\n", "line 2: 3 fields where the header names 2"},
		{"saddr,sport\nhost.example,1883\n", "line 2: bad address 'host.example'"},
		{"{\"saddr\": \"127.0.84.1\"}\n", "line 1: a JSON object"},
		{"127.0.84.1\n192.0.2.0/33\n", "line 2: bad target '192.0.2.0/33'"},
		{",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,\n",
		 "more than 64 fields"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		it = open_list(bad[i][0], &err);
		if (it)
			fail_msg("accepted: %s", bad[i][0]);
		assert_non_null(err);
		if (!strstr(err, bad[i][1]))
			fail_msg("error for '%s' does not say '%s': %s", bad[i][0], bad[i][1], err);
		free(err);
		assert_int_equal(parse_target_list(bad[i][0], strlen(bad[i][0]), &err),
				 MSW_ERR_USAGE);
		assert_non_null(strstr(err, "line "));
		free(err);
	}
	assert_int_equal(parse_target_list("127.0.84.1,,,1883\n", 18, &err), MSW_OK);
	assert_int_equal(parse_target_list("", 0, &err), MSW_OK);
}

static void test_input_list(void **state)
{
	char path[] = "/tmp/msw-test-il-XXXXXX";
	int fd = mkstemp(path);
	FILE *f;
	struct msw_config cfg = {0};
	struct target_iter *it = NULL;
	char *err = NULL;

	(void)state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fprintf(f, "# lab brokers\n127.0.0.1\n\n   127.0.0.2   # second\n127.0.0.3 127.0.0.4\r\n"
		   "#127.0.0.99\n127.0.5.0/30\n");
	fclose(f);
	cfg.input_list = path;
	assert_int_equal(targets_open(&cfg, 1, &it, &err), MSW_OK);
	drain(it, &G1, true);
	assert_int_equal(G1.n, 8);
	assert_null(find_ip(&G1, "127.0.0.99"));
	assert_non_null(find_ip(&G1, "127.0.5.3"));
	release_all(it, &G1);
	targets_close(it);

	f = fopen(path, "w");
	fprintf(f, "127.0.0.1\n127.0.0.0/40\n");
	fclose(f);
	assert_int_equal(targets_open(&cfg, 1, &it, &err), MSW_ERR_USAGE);
	assert_non_null(strstr(err, "127.0.0.0/40"));
	free(err);
	f = fopen(path, "w");
	fprintf(f, "# nothing here\n\n");
	fclose(f);
	assert_int_equal(targets_open(&cfg, 1, &it, &err), MSW_ERR_USAGE);
	assert_non_null(strstr(err, "empty target list"));
	assert_non_null(strstr(err, path));
	free(err);
	unlink(path);
	assert_int_equal(targets_open(&cfg, 1, &it, &err), MSW_ERR_USAGE);
	assert_non_null(strstr(err, path)); /* unreadable file named */
	free(err);

	cfg.input_list = "/dev/zero"; /* not text: refused, not read forever */
	assert_int_equal(targets_open(&cfg, 1, &it, &err), MSW_ERR_USAGE);
	assert_non_null(strstr(err, "/dev/zero"));
	free(err);

	cfg.input_list = NULL; /* empty target list */
	assert_int_equal(targets_open(&cfg, 1, &it, &err), MSW_ERR_USAGE);
	assert_non_null(strstr(err, "empty target list"));
	free(err);
	cfg.exclude_file = "/nonexistent/msw-excl";
	static const char *const t[] = {"127.0.0.1"};
	cfg.targets = (char **)t;
	cfg.ntargets = 1;
	assert_int_equal(targets_open(&cfg, 1, &it, &err), MSW_ERR_USAGE);
	assert_non_null(strstr(err, "/nonexistent/msw-excl"));
	free(err);
}

/* targets_ntop: the same text as inet_ntop for every IPv4 octet value in every position,
 * IPv6 through inet_ntop, "" for another family or a buffer too small. */
static void test_ntop(void **st)
{
	(void)st;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	for (unsigned v = 0; v < 256; v++) {
		for (int pos = 0; pos < 4; pos++) {
			uint8_t ip[4] = {127, 0, 9, 255};
			ip[pos] = (uint8_t)v;
			targets_ntop(AF_INET, ip, a, sizeof(a));
			assert_non_null(inet_ntop(AF_INET, ip, b, sizeof(b)));
			assert_string_equal(a, b);
		}
	}
	struct in6_addr six;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", &six), 1);
	targets_ntop(AF_INET6, &six, a, sizeof(a));
	assert_string_equal(a, "2001:db8::1");
	targets_ntop(AF_UNIX, &six, a, sizeof(a));
	assert_string_equal(a, "");
	uint8_t ip[4] = {255, 255, 255, 255};
	targets_ntop(AF_INET, ip, a, 15);
	assert_string_equal(a, "");
	targets_ntop(AF_INET, ip, a, 16);
	assert_string_equal(a, "255.255.255.255");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_spec_forms),
		cmocka_unit_test(test_named_private_and_order),
		cmocka_unit_test(test_sweep_drops_private_and_reserved),
		cmocka_unit_test(test_blocklisted_named),
		cmocka_unit_test(test_exclusions_keep_order),
		cmocka_unit_test(test_shards_and_skip),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_urls_and_ports),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_input_list),
		cmocka_unit_test(test_input_list_csv),
		cmocka_unit_test(test_ntop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
