/* Timing wheel: entries fire on their tick and never early, across many rotations;
 * delete and re-arm from inside a callback; next-deadline hint; no O(N) walk surprises. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "engine/timerwheel.h"

struct item {
	struct tw_entry e;  /* first member */
	int64_t due;
	int fired;
	int64_t fired_at;
	struct item *kill;  /* delete this one when fired */
	uint32_t rearm;     /* re-arm by this much once when fired */
};

static int64_t g_now;

static void fire(struct tw_entry *e, void *arg)
{
	struct timerwheel *tw = arg;
	struct item *it = (struct item *)e;
	it->fired++;
	it->fired_at = g_now;
	if (it->kill)
		tw_del(tw, &it->kill->e);
	if (it->rearm) {
		uint32_t r = it->rearm;
		it->rearm = 0;
		it->due = g_now + r;
		tw_add(tw, &it->e, g_now, r);
	}
}

static void run_until(struct timerwheel *tw, int64_t end, int64_t step)
{
	for (; g_now <= end; g_now += step)
		tw_advance(tw, g_now, fire, tw);
}

static void test_fires_in_order_never_early(void **state)
{
	struct timerwheel tw;
	g_now = 1000;
	assert_int_equal(tw_init(&tw, 64, 10, g_now), MSW_OK);
	enum { N = 500 };
	struct item *its = calloc(N, sizeof(*its));
	srand(7);
	for (int i = 0; i < N; i++) {
		uint32_t ms = (uint32_t)(rand() % 5000); /* up to ~8 rotations of 640 ms */
		tw_entry_init(&its[i].e);
		its[i].due = g_now + ms;
		tw_add(&tw, &its[i].e, g_now, ms);
	}
	assert_int_equal(tw.count, N);
	run_until(&tw, 1000 + 6000, 3);
	for (int i = 0; i < N; i++) {
		assert_int_equal(its[i].fired, 1);
		assert_true(its[i].fired_at >= its[i].due);       /* never early */
		assert_true(its[i].fired_at <= its[i].due + 10 + 3); /* at most a tick + a step late */
	}
	assert_int_equal(tw.count, 0);
	free(its);
	tw_free(&tw);
}

static void test_delete_and_rearm(void **state)
{
	struct timerwheel tw;
	struct item a = { 0 }, b = { 0 }, c = { 0 };
	g_now = 0;
	assert_int_equal(tw_init(&tw, 16, 10, g_now), MSW_OK);
	tw_add(&tw, &a.e, g_now, 100);
	tw_add(&tw, &b.e, g_now, 100); /* same slot as a */
	tw_add(&tw, &c.e, g_now, 50);
	a.kill = &b;                   /* a deletes b from inside the callback */
	c.rearm = 500;                 /* c re-arms itself once */
	tw_del(&tw, &c.e);             /* delete then re-add works */
	assert_false(tw_armed(&c.e));
	tw_add(&tw, &c.e, g_now, 50);
	tw_add(&tw, &c.e, g_now, 60);  /* re-arm moves it */
	assert_int_equal(tw.count, 3);
	run_until(&tw, 1000, 1);
	assert_int_equal(a.fired, 1);
	assert_int_equal(b.fired, 0);
	assert_int_equal(c.fired, 2);
	assert_true(c.fired_at >= 560);
	assert_int_equal(tw.count, 0);
	tw_free(&tw);
}

static void test_next_ms(void **state)
{
	struct timerwheel tw;
	struct item a = { 0 };
	g_now = 5000;
	assert_int_equal(tw_init(&tw, 256, 10, g_now), MSW_OK);
	assert_int_equal(tw_next_ms(&tw, g_now), -1);
	tw_add(&tw, &a.e, g_now, 95);
	int n = tw_next_ms(&tw, g_now);
	assert_true(n > 0 && n <= 100);
	g_now += 200;
	assert_int_equal(tw_next_ms(&tw, g_now), 0);
	tw_advance(&tw, g_now, fire, &tw);
	assert_int_equal(a.fired, 1);
	assert_int_equal(tw_next_ms(&tw, g_now), -1);
	/* far beyond one rotation: hint stays bounded and the entry waits its round */
	tw_add(&tw, &a.e, g_now, 100000);
	assert_true(tw_next_ms(&tw, g_now) >= 0);
	run_until(&tw, g_now + 99000, 500);
	assert_int_equal(a.fired, 1);
	run_until(&tw, g_now + 2000, 5);
	assert_int_equal(a.fired, 2);
	tw_free(&tw);
}

static void test_big_jump(void **state)
{
	struct timerwheel tw;
	struct item a = { 0 }, b = { 0 };
	g_now = 0;
	assert_int_equal(tw_init(&tw, 8, 1, g_now), MSW_OK);
	tw_add(&tw, &a.e, g_now, 3);
	tw_add(&tw, &b.e, g_now, 1000);
	g_now = 100000; /* the loop slept long: both fire in one advance */
	assert_int_equal(tw_advance(&tw, g_now, fire, &tw), 2);
	assert_int_equal(a.fired + b.fired, 2);
	tw_free(&tw);
}

static struct item *g_same_tick;

static void fire_arm_same_tick(struct tw_entry *e, void *arg)
{
	struct timerwheel *tw = arg;
	struct item *it = (struct item *)e;
	it->fired++;
	if (g_same_tick && !g_same_tick->fired && !tw_armed(&g_same_tick->e))
		tw_add(tw, &g_same_tick->e, 0, 0); /* stale time: clamps to the tick being fired */
	else if (it == g_same_tick)
		it->fired_at = g_now;
}

static void test_armed_for_current_tick(void **state)
{
	struct timerwheel tw;
	struct item a = { 0 }, b = { 0 };
	g_now = 0;
	assert_int_equal(tw_init(&tw, 8, 10, g_now), MSW_OK);
	tw_add(&tw, &a.e, g_now, 50);
	g_same_tick = &b;
	g_now = 60;
	tw_advance(&tw, g_now, fire_arm_same_tick, &tw);
	assert_int_equal(a.fired, 1);
	assert_int_equal(b.fired, 1); /* fired in the same advance, not a rotation later */
	assert_int_equal(tw.count, 0);
	g_same_tick = NULL;
	tw_free(&tw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fires_in_order_never_early),
		cmocka_unit_test(test_delete_and_rearm),
		cmocka_unit_test(test_next_ms),
		cmocka_unit_test(test_big_jump),
		cmocka_unit_test(test_armed_for_current_tick),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
