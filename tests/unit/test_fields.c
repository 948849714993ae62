/* base/fields.c: the tables every sink walks are well formed (checked for every table
 * reachable from the record's), rows are read by path, the walker visits rows in table
 * order and leaves out absent, secret and derived rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <regex.h>
#include "base/fields.h"
#include "base/record.h"
#include "classify/cls_result.h"
#include "probes/http_result.h"
#include "probes/mqtt_props_rec.h"
#include "probes/amqp_rec.h"
#include "probes/mqtt_access_rec.h"
#include "probes/smb_result.h"
#include "transport/tlsinfo.h"
#include "transport/ws_info.h"

/* ---- the table lint ---- */

static void lint_block(const struct fblock *b, int depth);

static void lint_row(const struct fblock *b, const struct fdef *f, int depth)
{
	char msg[200];

	snprintf(msg, sizeof(msg), "%s.%s", b->name ? b->name : "?", f->name);
	assert_non_null(f->name);
	assert_true(strlen(f->name) <= FKEY_NAME_MAX);
	assert_int_equal(f->jklen, strlen(f->name) + 3);
	assert_int_equal(f->jk64len, strlen(f->name) + 7);
	assert_true(f->type < FT__COUNT);
	/* zero-as-absent only where absence is allowed */
	if (f->flags & F_ZERO)
		assert_true(f->flags & (F_OPT | F_NULL));
	if (f->type == FT_ENUM) {
		assert_non_null(f->enm);
		for (int i = 0; i < f->enm->n; i++)
			assert_non_null(f->enm->names[i]);
		assert_true(f->enm->fallback >= 0 && f->enm->fallback < f->enm->n);
	}
	if (f->type == FT_INT || f->type == FT_UINT)
		assert_true(f->get || f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8);
	if (f->type == FT_LIST || f->type == FT_STRLIST)
		assert_true(f->get || f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8);
	if (f->type == FT_BLOCK || f->type == FT_PTR || f->type == FT_LIST) {
		assert_non_null(f->sub);
		if (f->type == FT_LIST)
			assert_true(f->sub->size > 0);
		lint_block(f->sub, depth + 1);
	}
	if (f->type == FT_BLOCKS)
		assert_non_null(f->get);
	(void)msg;
}

static void lint_block(const struct fblock *b, int depth)
{
	assert_true(depth < 8);
	assert_true(b->n > 0);
	for (size_t i = 0; i < b->n; i++) {
		lint_row(b, &b->f[i], depth);
		for (size_t j = 0; j < i; j++)
			if (b->f[i].name[0] && b->f[i].type != FT_BLOCKS)
				assert_string_not_equal(b->f[i].name, b->f[j].name);
	}
	if (b->flags & FB_MAP)
		assert_true(b->n == 2);
}

static void test_tables(void **st)
{
	(void)st;
	lint_block(&record_table, 0);
	/* the blocks layers and probes attach */
	lint_block(&tls_table, 0);
	lint_block(&mqtt_props_table, 0);
	lint_block(&ws_table, 0);
	lint_block(&host_summary_table, 0);
	lint_block(&smb_table, 0);
	lint_block(&mqtt_access_table, 0);
	lint_block(&amqp_table, 0);
	lint_block(&cls_result_table, 0);
	lint_block(&http_table, 0);
}

/* ---- by path ---- */

static void test_paths(void **st)
{
	(void)st;
	struct msw_record r;
	struct fpath p;
	struct fval v;

	record_init(&r, "mqtt");
	r.broker_product = strdup("mosquitto");
	r.topic_count = 7;
	assert_int_equal(fields_find(&record_table, "broker.product", &p), 2);
	fields_get_path(&r, &p, &v);
	assert_false(v.absent);
	assert_int_equal(v.n, 9);
	assert_memory_equal(v.s, "mosquitto", 9);
	assert_int_equal(fields_find(&record_table, "topics.count", &p), 2);
	fields_get_path(&r, &p, &v);
	assert_int_equal(v.u, 7);
	/* absent on the way: no CONNACK, so connack.code is absent */
	assert_int_equal(fields_find(&record_table, "connack.code", &p), 2);
	fields_get_path(&r, &p, &v);
	assert_true(v.absent);
	r.connack_code = 5;
	fields_get_path(&r, &p, &v);
	assert_false(v.absent);
	assert_int_equal(v.i, 5);
	assert_int_equal(fields_find(&record_table, "status", &p), 1);
	fields_get_path(&r, &p, &v);
	assert_string_equal((const char *)v.s, "unknown-error");
	assert_int_equal(fields_find(&record_table, "nope", &p), 0);
	assert_int_equal(fields_find(&record_table, "broker.nope", &p), 0);
	assert_int_equal(fields_find(&record_table, "status.x", &p), 0);
	assert_int_equal(fields_find(&record_table, "", &p), 0);
	record_free(&r);
}

/* ---- the walker ---- */

struct trace {
	char out[4096];
	size_t n;
};

static void put(struct trace *t, const char *s)
{
	size_t k = strlen(s);
	assert_true(t->n + k < sizeof(t->out));
	memcpy(t->out + t->n, s, k + 1);
	t->n += k;
}

static void v_value(void *ctx, const struct fdef *f, const struct fval *v, bool elem)
{
	put(ctx, elem ? "e" : f->name);
	put(ctx, v->absent ? "=null " : " ");
}

static void v_open(void *ctx, const struct fdef *f, const struct fblock *b, enum fnode k, bool elem)
{
	put(ctx, f ? f->name : elem ? "elem" : b->name);
	put(ctx, k == FN_ARRAY ? "[ " : "{ ");
}

static void v_close(void *ctx, const struct fdef *f, const struct fblock *b, enum fnode k)
{
	put(ctx, k == FN_ARRAY ? "] " : "} ");
}

struct demo {
	bool flag;
	int32_t n;
	char *text;
	char *secret;
	struct demo_item {
		uint16_t x;
	} *items;
	uint8_t nitems;
};

static const struct fdef item_rows[] = {
	{FIELD_KEY("x"), .type = FT_UINT, FSIZED(struct demo_item, x)},
};
static const struct fblock item_tbl = {FIELDS(item_rows), .size = sizeof(struct demo_item)};

static void get_twice(const void *o, const struct fdef *f, struct fval *v)
{
	v->i = 2 * ((const struct demo *)o)->n;
}

static const struct fdef demo_rows[] = {
	{FIELD_KEY("flag"), .type = FT_BOOL, FMEMBER(struct demo, flag), .flags = F_OPT | F_ZERO},
	{FIELD_KEY("n"), .type = FT_INT, FSIZED(struct demo, n)},
	{FIELD_KEY("text"), .type = FT_STR, FMEMBER(struct demo, text), .flags = F_NULL},
	{FIELD_KEY("secret"), .type = FT_STR, FMEMBER(struct demo, secret), .flags = F_SECRET},
	{FIELD_KEY("items"), .type = FT_LIST, FMEMBER(struct demo, items),
	 FCOUNT(struct demo, nitems), .sub = &item_tbl},
	{FIELD_KEY("twice"), .type = FT_INT, .get = get_twice, .flags = F_DERIVED},
};
static const struct fblock demo_tbl = {FBLOCK_KEY("demo"), FIELDS(demo_rows)};

static void test_walk(void **st)
{
	(void)st;
	struct demo_item items[2] = {{1}, {2}};
	struct demo d = {.n = 3, .secret = "pw", .items = items, .nitems = 2};
	struct fvisitor vis = {.value = v_value, .open = v_open, .close = v_close};
	struct trace t = {0};

	fields_walk(&demo_tbl, &d, &vis, &t);
	assert_string_equal(t.out, "demo{ n text=null items[ elem{ x } elem{ x } ] } ");
	lint_block(&demo_tbl, 0);
	/* a derived row for a sink that asks for them; a flag now present */
	vis.derived = true;
	d.flag = true;
	d.text = "t";
	memset(&t, 0, sizeof(t));
	fields_walk(&demo_tbl, &d, &vis, &t);
	assert_string_equal(t.out, "demo{ flag n text items[ elem{ x } elem{ x } ] twice } ");
	struct fpath p;
	struct fval v;
	assert_int_equal(fields_find(&demo_tbl, "twice", &p), 1);
	fields_get_path(&d, &p, &v);
	assert_int_equal(v.i, 6);
}

static void test_enum(void **st)
{
	(void)st;
	assert_string_equal(fenum_name(&msw_status_enum, ST_SUCCESS), "success");
	assert_string_equal(fenum_name(&msw_status_enum, -1), "unknown-error");
	assert_string_equal(fenum_name(&msw_status_enum, ST__COUNT), "unknown-error");
	assert_int_equal(fenum_lookup(&msw_severity_enum, "high"), SEV_HIGH);
	assert_int_equal(fenum_lookup(&msw_severity_enum, "High"), -1);
	assert_int_equal(fenum_lookup(&msw_severity_enum, NULL), -1);
}

/* A host's service access word: every MQTT auth name and the probes' own words match the
 * row's schema pattern (which the schema uses as the list of words). */
static void test_access_pattern(void **st)
{
	(void)st;
	const struct fblock *svc = host_summary_table.f[0].sub;
	const struct fdef *f = NULL;
	static const char *const probe_words[] = {"open", "login_required", "listing_only", "unknown"};
	regex_t re;

	for (size_t i = 0; svc && i < svc->n; i++)
		if (strcmp(svc->f[i].name, "auth") == 0)
			f = &svc->f[i];
	assert_non_null(f);
	assert_non_null(f->pattern);
	assert_int_equal(regcomp(&re, f->pattern, REG_EXTENDED | REG_NOSUB), 0);
	for (int i = 0; i < msw_auth_enum.n; i++)
		assert_int_equal(regexec(&re, msw_auth_enum.names[i], 0, NULL, 0), 0);
	for (size_t i = 0; i < sizeof(probe_words) / sizeof(probe_words[0]); i++)
		assert_int_equal(regexec(&re, probe_words[i], 0, NULL, 0), 0);
	assert_int_not_equal(regexec(&re, "maybe", 0, NULL, 0), 0);
	assert_int_not_equal(regexec(&re, "open2", 0, NULL, 0), 0);
	regfree(&re);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_enum),
		cmocka_unit_test(test_access_pattern),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
