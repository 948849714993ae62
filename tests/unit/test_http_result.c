/* The http block (probes/http_result.c): the JSON the dashboard probe wrote before it kept a
 * typed result (key order, optional members, null product and version, _b64 twins), the
 * facts depth host asks of a finished http record (probe_http.summarize: the access word;
 * follow_ups: the MQTT-over-WebSocket endpoints), the logins tally, and the block's life
 * (move, free, a record without the block). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "base/dbuf.h"
#include "classify/cls_result.h"
#include "output/record.h"
#include "probes/http_result.h"
#include "probes/probe.h"

/* The part of the record's JSON line from "http": to the end of its object. */
static char *http_part(const struct msw_record *r)
{
	struct dbuf b;
	char *s, *from, *out;
	int depth = 0;
	bool in_str = false, esc = false;
	size_t i;

	dbuf_init(&b, 1u << 20);
	assert_int_equal(record_text(r, "1.0", &b), MSW_OK);
	s = malloc(b.len + 1); /* the line is not NUL-terminated: no strndup past b.len */
	assert_non_null(s);
	memcpy(s, b.p, b.len);
	s[b.len] = 0;
	dbuf_free(&b);
	from = strstr(s, ",\"http\":{");
	assert_non_null(from);
	from++;
	for (i = 7; from[i]; i++) {
		char c = from[i];
		if (in_str) {
			esc = !esc && c == '\\';
			in_str = esc || c != '"';
			continue;
		}
		in_str = c == '"';
		depth += c == '{' || c == '[';
		depth -= c == '}' || c == ']';
		if (!depth)
			break;
	}
	out = strndup(from, i + 1);
	free(s);
	return out;
}

static struct http_path_rec *add_path(struct http_result *h, const char *path, int status)
{
	struct http_path_rec *p = vec_push(&h->paths);

	assert_non_null(p);
	p->path = strdup(path);
	p->status = status;
	p->ws_close_code = -1;
	return p;
}

/* A record as the probe leaves it for an identified dashboard, and the bytes build_extra()
 * made of the same facts before the block was typed. */
static void test_json_shape(void **st)
{
	(void)st;
	struct msw_record r;
	struct http_result *h;
	struct http_path_rec *p;
	struct http_login_rec *l;
	char *got;

	record_init(&r, "http");
	h = record_block_new(&r, &http_table);
	assert_non_null(h);
	http_result_init(h);
	h->product = strdup("Node-RED");
	h->product_id = strdup("node_red");
	snprintf(h->version, sizeof(h->version), "4.0.2");
	h->auth = FP_AUTH_OPEN;
	p = add_path(h, "/settings", 200);
	p->server = strdup("Express");
	p->content_type = strdup("application/json; charset=utf-8");
	p->bytes = 70000;
	p->truncated = true;
	p->marker = strdup("httpNodeRoot&version");
	p = add_path(h, "/comms", 101);
	p->request = FPR_WS;
	p->ws_close_code = 1005;
	p->ws_data = true;
	p->ws_protocol = strdup("mqtt");
	p = add_path(h, "/mqtt", 0);
	p->request = FPR_WS_MQTT;
	p->error = strdup("timed out");
	p = add_path(h, "/old", 302);
	p->location = strdup("/new");
	assert_int_equal(strlist_add(&h->ws_endpoints, "ws://127.0.0.1:9001/mqtt", 24, 4), MSW_OK);
	l = vec_push(&h->logins);
	l->product = strdup("node_red");
	l->path = strdup("/auth/token");
	l->method = 1;
	l->username = strdup("admin");
	l->status = 401;
	got = http_part(&r);
	assert_string_equal(got,
		"\"http\":{\"product\":\"Node-RED\",\"product_id\":\"node_red\",\"version\":\"4.0.2\","
		"\"auth\":\"open\",\"paths\":[{\"path\":\"/settings\",\"status\":200,\"server\":\"Express\","
		"\"content_type\":\"application/json; charset=utf-8\",\"bytes\":70000,\"truncated\":true,"
		"\"marker\":\"httpNodeRoot&version\"},{\"path\":\"/comms\",\"request\":\"websocket\","
		"\"status\":101,\"ws_close_code\":1005,\"ws_data\":true,\"ws_protocol\":\"mqtt\"},"
		"{\"path\":\"/mqtt\",\"request\":\"websocket-mqtt\",\"status\":0,\"error\":\"timed out\"},"
		"{\"path\":\"/old\",\"status\":302,\"location\":\"/new\"}],"
		"\"mqtt_ws_endpoints\":[\"ws://127.0.0.1:9001/mqtt\"],\"default_logins\":[{\"product\":"
		"\"node_red\",\"path\":\"/auth/token\",\"method\":\"POST\",\"username\":\"admin\","
		"\"status\":401,\"accepted\":false}]}");
	free(got);
	record_free(&r);
}

/* Nothing identified: product and version null, no product_id, empty lists, no logins;
 * a server name that is not UTF-8 as server_b64, an endpoint that is not as {"b64": ...}. */
static void test_json_unknown(void **st)
{
	(void)st;
	struct msw_record r;
	struct http_result *h;
	char *got;

	record_init(&r, "http");
	h = record_block_new(&r, &http_table);
	http_result_init(h);
	got = http_part(&r);
	assert_string_equal(got, "\"http\":{\"product\":null,\"version\":null,\"auth\":\"unknown\","
				 "\"paths\":[],\"mqtt_ws_endpoints\":[]}");
	free(got);
	add_path(h, "/", 200)->server = strdup("a\xff");
	strlist_add(&h->ws_endpoints, "ws://\xff/", 7, 4);
	got = http_part(&r);
	assert_string_equal(got, "\"http\":{\"product\":null,\"version\":null,\"auth\":\"unknown\","
				 "\"paths\":[{\"path\":\"/\",\"status\":200,\"server_b64\":\"Yf8=\"}],"
				 "\"mqtt_ws_endpoints\":[{\"b64\":\"d3M6Ly//Lw==\"}]}");
	free(got);
	record_free(&r);
}

/* The block comes after the error, before the classifier's members (rank 70) and the host
 * summary (rank 80). */
static void test_order(void **st)
{
	(void)st;
	struct msw_record r;
	struct dbuf b;
	const char *s, *err, *http, *tags, *services;

	record_init(&r, "http");
	http_result_init(record_block_new(&r, &http_table));
	host_summary_init(record_block_new(&r, &host_summary_table));
	struct cls_result *c = record_block_new(&r, &cls_result_table);
	assert_non_null(c);
	assert_int_equal(strlist_add(&c->tags, "x", 1, CLS_RESULT_MAX_TAGS), MSW_OK);
	dbuf_init(&b, 1u << 20);
	assert_int_equal(record_text(&r, "1.0", &b), MSW_OK);
	assert_int_equal(dbuf_append(&b, "", 1), MSW_OK);
	s = (const char *)b.p;
	err = strstr(s, "\"error\":");
	http = strstr(s, "\"http\":");
	tags = strstr(s, "\"tags\":");
	services = strstr(s, "\"services\":");
	assert_true(err && http && tags && services && err < http && http < tags && tags < services);
	dbuf_free(&b);
	record_free(&r);
}

static void test_summarize(void **st)
{
	(void)st;
	static const struct {
		int auth;
		const char *word;
	} cases[] = {
		{FP_AUTH_OPEN, "open"}, {FP_AUTH_LOGIN, "login_required"},
		{FP_AUTH_UNKNOWN, "unknown"}, {7, "unknown"}, {-1, "unknown"},
	};
	struct msw_record r;

	record_init(&r, "http");
	assert_string_equal(probe_http.summarize(&r), "unknown"); /* no answer, no block */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct http_result *h = record_block_new(&r, &http_table);
		h->auth = cases[i].auth;
		assert_string_equal(probe_http.summarize(&r), cases[i].word);
	}
	record_free(&r);
}

static void test_follow_ups(void **st)
{
	(void)st;
	static const char *const urls[] = {
		"ws://127.0.0.1:9001/mqtt", "http://127.0.0.1:80/x", "wss://h:8084/a/b?c",
		"ws://no-path", "ws:/", "wss://", "ws://h/",
	};
	char longp[300];
	struct probe_follow_up out[8];
	struct msw_record r;
	struct http_result *h;
	size_t n;

	record_init(&r, "http");
	assert_int_equal(probe_http.follow_ups(&r, out, 8), 0);
	h = record_block_new(&r, &http_table);
	http_result_init(h);
	for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
		assert_int_equal(strlist_add(&h->ws_endpoints, urls[i], strlen(urls[i]), 16), MSW_OK);
	memcpy(longp, "ws://h/", 7);
	memset(longp + 7, 'a', sizeof(longp) - 8);
	longp[sizeof(longp) - 1] = 0;
	strlist_add(&h->ws_endpoints, longp, strlen(longp), 16); /* path too long: skipped */
	strlist_add(&h->ws_endpoints, "ws://h/a\0b", 10, 16);    /* NUL: skipped */
	n = probe_http.follow_ups(&r, out, 8);
	assert_int_equal(n, 3);
	assert_int_equal(out[0].transport, TRANSPORT_WS);
	assert_string_equal(out[0].path, "/mqtt");
	assert_int_equal(out[1].transport, TRANSPORT_WSS);
	assert_string_equal(out[1].path, "/a/b?c");
	assert_int_equal(out[2].transport, TRANSPORT_WS);
	assert_string_equal(out[2].path, "/");
	assert_int_equal(probe_http.follow_ups(&r, out, 1), 1); /* at most max */
	record_free(&r);
}

static void test_logins_and_life(void **st)
{
	(void)st;
	struct msw_record r;
	struct http_result a, *h;
	unsigned n = 9, ok = 9;

	record_init(&r, "http");
	http_result_logins(&r, &n, &ok);
	assert_int_equal(n + ok, 0);
	http_result_init(&a);
	for (int i = 0; i < 3; i++) {
		struct http_login_rec *l = vec_push(&a.logins);
		l->product = strdup("grafana");
		l->accepted = i != 1;
	}
	add_path(&a, "/", 200);
	strlist_add(&a.ws_endpoints, "ws://h/", 7, 4);
	h = record_block_new(&r, &http_table);
	http_result_move(h, &a);
	assert_int_equal(a.logins.n + a.paths.n + a.ws_endpoints.n, 0);
	http_result_logins(&r, &n, &ok);
	assert_int_equal(n, 3);
	assert_int_equal(ok, 2);
	http_result_free(&a); /* empty: nothing to release, still usable */
	assert_non_null(vec_push(&a.paths));
	http_result_free(&a);
	record_free(&r); /* the block's texts and lists: ASan/LSan would tell */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_shape),   cmocka_unit_test(test_json_unknown),
		cmocka_unit_test(test_order),        cmocka_unit_test(test_summarize),
		cmocka_unit_test(test_follow_ups),   cmocka_unit_test(test_logins_and_life),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
