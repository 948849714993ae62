/* output/rpath: a record's field by its dotted path reads envelope rows, attached typed
 * blocks (by name, FB_TOP rows at the top level, before the tail and in it), a parsed
 * record's members (strings, numbers as the tree holds them, booleans, null), and lists of
 * either shape alike; values as the JSON has them (text, or the "<name>_b64" bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "base/record.h"
#include "classify/cls_result.h"
#include "output/rpath.h"
#include "transport/tlsinfo.h"

static void test_rpath(void **st)
{
	struct msw_record r;
	struct rpath p;
	struct fval v, e, x;
	const uint8_t *s;
	size_t n;
	double d;
	(void)st;

	record_init(&r, "mqtt");
	r.broker_product = strdup("mosquitto");
	r.topic_count = 7;
	r.connack_code = -1;
	r.hostname = strdup("bad\xff");
	assert_true(rpath_init(&p, "broker.product"));
	rpath_get(&r, &p, &v);
	assert_true(rval_text(&v, &s, &n));
	assert_int_equal(n, 9);
	assert_memory_equal(s, "mosquitto", 9);
	assert_true(rpath_init(&p, "topics.count"));
	rpath_get(&r, &p, &v);
	assert_true(rval_num(&v, &d));
	assert_true(d == 7);
	assert_false(rval_text(&v, &s, &n));
	assert_true(rpath_init(&p, "connack.code")); /* connack is null: absent */
	rpath_get(&r, &p, &v);
	assert_true(v.absent);
	assert_true(rpath_init(&p, "hostname")); /* not text: the JSON has hostname_b64 */
	rpath_get(&r, &p, &v);
	assert_false(rval_text(&v, &s, &n));
	assert_true(rval_b64_bytes(&v, &s, &n));
	assert_int_equal(n, 4);
	assert_false(rpath_init(&p, ""));
	/* a typed list: its elements are blocks */
	struct msw_finding f = {.id = "x.y", .severity = SEV_HIGH, .cwe = 200};
	assert_non_null(record_add_finding(&r, &f));
	assert_true(rpath_init(&p, "findings"));
	rpath_get(&r, &p, &v);
	assert_true(rval_is_list(&v));
	assert_int_equal(rpath_len(&v), 1);
	rpath_elem(&v, 0, &e);
	assert_int_equal(e.t, FT_BLOCK);
	assert_true(rpath_init(&p, "severity"));
	rpath_get_in(&e, &p, &x);
	assert_true(rval_text(&x, &s, &n));
	assert_memory_equal(s, "high", 4);
	assert_true(rpath_init(&p, "cwe"));
	rpath_get_in(&e, &p, &x);
	assert_true(rval_num(&x, &d) && d == 200);
	assert_true(rpath_init(&p, "topic")); /* empty: null in the JSON */
	rpath_get_in(&e, &p, &x);
	assert_true(x.absent);
	assert_false(rval_text(&x, &s, &n));

	/* a typed attached block by its name */
	struct tls_info *t = record_block_new(&r, &tls_table);
	assert_non_null(t);
	t->facts = true;
	snprintf(t->version, sizeof(t->version), "TLSv1.3");
	assert_true(rpath_init(&p, "tls.version"));
	rpath_get(&r, &p, &v);
	assert_true(rval_text(&v, &s, &n));
	assert_memory_equal(s, "TLSv1.3", 7);
	assert_true(rpath_init(&p, "tls"));
	rpath_get(&r, &p, &v);
	assert_int_equal(v.t, FT_BLOCK);
	assert_ptr_equal(v.p, t);
	assert_true(rpath_init(&p, "version"));
	rpath_get_in(&v, &p, &e);
	assert_true(rval_text(&e, &s, &n));
	assert_memory_equal(s, "TLSv1.3", 7);

	/* an FB_TOP block's rows at the top level */
	struct host_summary *h = record_block_new(&r, &host_summary_table);
	host_summary_init(h);
	h->chain = strdup("mqtt:1883 [high]");
	assert_true(rpath_init(&p, "risk.chain"));
	rpath_get(&r, &p, &v);
	assert_true(rval_text(&v, &s, &n));
	assert_int_equal(n, 16);

	/* the tail's FB_TOP blocks: the classifier's members */
	struct cls_result *c = record_block_new(&r, &cls_result_table);
	assert_non_null(c);
	assert_int_equal(strlist_add(&c->tags, "acl_filtered", 12, CLS_RESULT_MAX_TAGS), MSW_OK);
	c->honeypot = true;
	c->hp_likelihood = CLS_HP_WEAK;
	c->retained.n = 3;
	assert_true(rpath_init(&p, "tags"));
	rpath_get(&r, &p, &v);
	assert_true(rval_is_list(&v));
	assert_int_equal(rpath_len(&v), 1);
	rpath_elem(&v, 0, &e);
	assert_true(rval_text(&e, &s, &n));
	assert_memory_equal(s, "acl_filtered", 12);
	assert_true(rpath_init(&p, "honeypot.likelihood"));
	rpath_get(&r, &p, &v);
	assert_true(rval_text(&v, &s, &n));
	assert_memory_equal(s, "weak", 4);
	assert_true(rpath_init(&p, "retained_fingerprint_n"));
	rpath_get(&r, &p, &v);
	assert_true(rval_num(&v, &d) && d == 3);
	assert_true(rpath_init(&p, "sys_fingerprint_n")); /* none: left out */
	rpath_get(&r, &p, &v);
	assert_true(v.absent);
	assert_true(rpath_init(&p, "versions")); /* left out by the envelope */
	rpath_get(&r, &p, &v);
	assert_true(v.absent);

	/* a parsed record: members, lists, numbers as the tree holds them */
	cJSON *tree = cJSON_Parse("{\"smb\":{\"secrets_read\":3,\"shares\":[{\"name\":\"a\"},"
				  "{\"name\":\"b\\u00e9\"}]},\"versions\":{\"x\":1},"
				  "\"n\":1e300,\"t\":true,\"z\":null}");
	struct fval root = {.t = FT_JSON, .p = tree};
	assert_non_null(tree);
	assert_true(rpath_init(&p, "smb.secrets_read"));
	rpath_get_in(&root, &p, &v);
	assert_int_equal(v.t, FT_INT);
	assert_true(rval_num(&v, &d) && d == 3);
	assert_true(rpath_init(&p, "smb.shares"));
	rpath_get_in(&root, &p, &v);
	assert_true(rval_is_list(&v));
	assert_int_equal(rpath_len(&v), 2);
	rpath_elem(&v, 1, &e);
	assert_true(rpath_init(&p, "name"));
	rpath_get_in(&e, &p, &x);
	assert_true(rval_text(&x, &s, &n));
	assert_int_equal(n, 3);
	assert_true(rpath_init(&p, "versions"));
	rpath_get_in(&root, &p, &v);
	assert_false(v.absent);
	assert_int_equal(v.t, FT_JSON);
	assert_true(rpath_init(&p, "n"));
	rpath_get_in(&root, &p, &v);
	assert_true(rval_num(&v, &d) && d == 1e300);
	assert_true(v.i == INT64_MAX);
	assert_true(rpath_init(&p, "t"));
	rpath_get_in(&root, &p, &v);
	assert_true(rval_num(&v, &d) && d == 1);
	assert_true(rpath_init(&p, "z"));
	rpath_get_in(&root, &p, &v);
	assert_true(v.absent);
	assert_true(rpath_init(&p, "smb.nothing.here"));
	rpath_get_in(&root, &p, &v);
	assert_true(v.absent);
	assert_int_equal(rpath_len(&v), 0);
	cJSON_Delete(tree);
	record_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rpath),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
