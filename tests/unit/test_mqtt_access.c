/* The access map's bookkeeping without a broker: which rows a map gets, in which order
 * the steps come (again after a dropped connection), how deliveries count, and every
 * verdict rule of mqtt_access.h (one test per rule, each with its counter-case). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include "probes/mqtt_access.h"
#include "probes/mqtt_codec.h"

#define RND "AbCdEfGhIjKlMnOp"

static struct acl_row *row(struct acl_map *m, const char *filter)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->rows[i].filter, filter))
			return &m->rows[i];
	fail_msg("no row %s", filter);
	return NULL;
}

static void deliver(struct acl_map *m, const char *topic, bool retained)
{
	acl_deliver(m, (const uint8_t *)topic, strlen(topic), retained);
}

static void build(struct acl_map *m, bool proof, size_t max, const struct acl_families *fam,
		  char *const *extra, size_t nextra, const char *user, int ver)
{
	struct acl_spec s = {.proof = proof, .max_filters = max, .extra = extra,
			     .nextra = nextra, .families = fam, .user = user, .rnd = RND,
			     .version = ver};
	assert_int_equal(acl_map_build(m, &s), MSW_OK);
}

/* Order: proof, the sensitive prefixes, the file lines (%u), the families; no
 * duplicates; the cap counts everything but the proof; write tests only under F/#. */
static void test_rows(void **st)
{
	(void)st;
	struct acl_families fam = {0};
	const char *topics[] = {"home/door", "home/window", "$SYS/x", "owntracks/a/b", "shed",
				"bad+/x", "a#b"};
	for (size_t i = 0; i < sizeof(topics) / sizeof(topics[0]); i++)
		acl_family_add(&fam, (const uint8_t *)topics[i], strlen(topics[i]), 8);
	assert_int_equal(fam.n, 3); /* home, owntracks, shed; not $SYS, not wildcards */
	char *extra[] = {"owntracks/%u/#", "plain/topic", "x/%u/%u/#"};
	struct acl_map m;
	build(&m, true, 32, &fam, extra, 3, "alice", MQTT_V311);
	assert_string_equal(m.rows[0].filter, "mqttsweep/" RND "/proof");
	assert_string_equal(m.rows[0].write_topic, "mqttsweep/" RND "/proof");
	assert_string_equal(m.rows[1].filter, "owntracks/alice/#");
	assert_string_equal(m.rows[1].write_topic, "owntracks/alice/mqttsweep/" RND "/proof");
	assert_string_equal(m.rows[2].filter, "plain/topic");
	assert_null(m.rows[2].write_topic); /* could be someone's topic */
	assert_string_equal(m.rows[3].filter, "x/alice/alice/#");
	assert_string_equal(m.rows[4].filter, "#");
	assert_null(m.rows[4].write_topic); /* shares the proof's */
	assert_string_equal(m.rows[5].filter, "$SYS/#");
	assert_null(m.rows[5].write_topic); /* never $SYS */
	assert_string_equal(m.rows[13].filter, "$share/mqttsweep-" RND "/#");
	assert_null(m.rows[13].write_topic);
	assert_string_equal(m.rows[14].filter, "home/#");
	assert_string_equal(row(&m, "shed/#")->write_topic, "shed/mqttsweep/" RND "/proof");
	assert_int_equal(m.n, 16); /* owntracks/# only once */
	acl_map_free(&m);

	/* the cap; no write tests without the proof; %u lines left out without a user */
	build(&m, false, 3, &fam, extra, 3, NULL, MQTT_V311);
	assert_int_equal(m.n, 3);
	for (size_t i = 0; i < m.n; i++)
		assert_null(m.rows[i].write_topic);
	acl_map_free(&m);
	build(&m, false, 32, &fam, extra, 3, NULL, MQTT_V311);
	for (size_t i = 0; i < m.n; i++)
		assert_null(strstr(m.rows[i].filter, "%u"));
	acl_map_free(&m);
	acl_families_free(&fam);

	assert_true(acl_filter_valid("a/+/b/#"));
	assert_false(acl_filter_valid("a/b#"));
	assert_false(acl_filter_valid("a/#/b"));
	assert_false(acl_filter_valid("a+/b"));
	assert_false(acl_filter_valid(""));
	assert_false(acl_filter_valid("a/\xff"));
}

/* Steps: every row subscribed, then every write test; after a reconnect only what is
 * left, with the subscriptions a remaining write test needs. */
static void test_steps(void **st)
{
	(void)st;
	char *extra[] = {"home/#"};
	struct acl_map m;
	size_t r, subs = 0, pubs = 0;
	build(&m, true, 3, NULL, extra, 1, NULL, MQTT_V311); /* proof, home/#, #, $SYS/# */
	assert_int_equal(m.n, 4);
	for (enum acl_step s; (s = acl_next_step(&m, &r)) != ACL_STEP_DONE;) {
		if (s == ACL_STEP_SUBSCRIBE) {
			assert_int_equal(pubs, 0); /* every subscription first */
			m.rows[r].suback = 0;
			m.rows[r].subscribed = true;
			subs++;
		} else {
			m.rows[r].published = true;
			pubs++;
			if (pubs == 1)
				break; /* the broker drops us on the proof's PUBLISH */
		}
		m.step++;
	}
	assert_int_equal(subs, 4);
	m.rows[0].pub_dropped = true;
	assert_true(acl_pending(&m));
	acl_map_reconnect(&m);
	/* again: home/# (its write test is still to come) and '#' (covers it), not the
	 * proof row or $SYS/# */
	size_t again = 0;
	for (enum acl_step s; (s = acl_next_step(&m, &r)) != ACL_STEP_DONE; m.step++) {
		if (s == ACL_STEP_SUBSCRIBE) {
			if (strcmp(m.rows[r].filter, "home/#") && strcmp(m.rows[r].filter, "#"))
				fail_msg("subscribed again: %s", m.rows[r].filter);
			assert_true(!strcmp(m.rows[r].filter, "home/#") ||
				    !strcmp(m.rows[r].filter, "#"));
			again++;
		} else {
			assert_string_equal(m.rows[r].filter, "home/#");
			m.rows[r].published = true;
		}
	}
	assert_int_equal(again, 2);
	assert_false(acl_pending(&m));
	acl_map_free(&m);
}

/* Deliveries count for subscribed rows whose filter matches; retained ones never for a
 * shared subscription; our write test's topic is its echo. */
static void test_deliver(void **st)
{
	(void)st;
	char *extra[] = {"home/#"};
	struct acl_map m;
	build(&m, true, 32, NULL, extra, 1, NULL, MQTT_V311);
	for (size_t i = 0; i < m.n; i++)
		m.rows[i].subscribed = strcmp(m.rows[i].filter, "owntracks/#") != 0;
	deliver(&m, "home/door", true);
	deliver(&m, "owntracks/a/b", false);
	assert_true(row(&m, "home/#")->arrived && row(&m, "home/#")->retained);
	assert_true(row(&m, "#")->arrived);
	assert_false(row(&m, "owntracks/#")->arrived); /* not subscribed */
	assert_false(row(&m, "$SYS/#")->arrived);
	struct acl_row *share = &m.rows[11];
	assert_non_null(strstr(share->filter, "$share/"));
	assert_true(share->arrived);   /* the live owntracks message */
	assert_false(share->retained); /* home/door was retained: not through $share */
	struct acl_row *h = row(&m, "home/#");
	h->published = true;
	deliver(&m, h->write_topic, false);
	assert_true(h->echoed);
	acl_map_free(&m);
}

static void verdicts(struct acl_map *m)
{
	struct acl_map *maps[1] = {m};
	acl_verdicts(maps, 1);
}

/* read: refused beats deliveries elsewhere; a delivery grants; an acknowledged write of
 * ours that never came back denies; nothing else is unknown. */
static void test_read_rules(void **st)
{
	(void)st;
	char *extra[] = {"home/#", "garden/#"};
	struct acl_map m;
	build(&m, true, 32, NULL, extra, 2, NULL, MQTT_V5);
	for (size_t i = 0; i < m.n; i++)
		m.rows[i].suback = 0;
	row(&m, "$SYS/#")->suback = 0x87;            /* refused */
	row(&m, "$SYS/#")->arrived = true;           /* ... whatever came another way */
	row(&m, "$CONTROL/#")->sub_dropped = true;   /* closed on it */
	row(&m, "$CONTROL/#")->suback = ACL_NO_CODE;
	row(&m, "home/#")->arrived = true;
	struct acl_row *g = row(&m, "garden/#");     /* our write there: PUBACK 0, no echo */
	g->published = g->synced = true;
	g->puback = 0x00;
	struct acl_row *t = row(&m, "tasmota/#");    /* PUBACK 0x10: still a success */
	t->published = t->synced = true;
	t->puback = 0x10;
	struct acl_row *z = row(&m, "zigbee2mqtt/#"); /* refused write: no evidence for read */
	z->published = z->synced = true;
	z->puback = 0x87;
	row(&m, "cmnd/#")->suback = ACL_NO_CODE;     /* never answered */
	verdicts(&m);
	assert_int_equal(row(&m, "$SYS/#")->read, ACL_READ_DENIED);
	assert_int_equal(row(&m, "$CONTROL/#")->read, ACL_READ_DENIED);
	assert_int_equal(row(&m, "home/#")->read, ACL_READ_GRANTED);
	assert_int_equal(g->read, ACL_READ_DENIED);
	assert_int_equal(t->read, ACL_READ_DENIED);
	assert_int_equal(z->read, ACL_READ_UNKNOWN);
	assert_int_equal(row(&m, "cmnd/#")->read, ACL_READ_UNKNOWN);
	assert_int_equal(row(&m, "#")->read, ACL_READ_DENIED); /* garden's write is under # */
	acl_map_free(&m);
}

/* Another account's retained deliveries under the same filter deny a granted but silent
 * subscription; its own deliveries (or none anywhere) do not. */
static void test_cross_accounts(void **st)
{
	(void)st;
	char *extra[] = {"home/#"};
	struct acl_map a, b, c;
	build(&a, false, 32, NULL, extra, 1, "a", MQTT_V311);
	build(&b, false, 32, NULL, extra, 1, "b", MQTT_V311);
	build(&c, false, 32, NULL, extra, 1, "c", MQTT_V311);
	struct acl_map *maps[3] = {&a, &b, &c};
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < maps[k]->n; i++)
			maps[k]->rows[i].suback = 0;
	row(&a, "home/#")->arrived = row(&a, "home/#")->retained = true;
	row(&a, "owntracks/#")->arrived = true; /* live only: no evidence for the others */
	row(&c, "home/#")->arrived = true;
	acl_verdicts(maps, 3);
	assert_int_equal(row(&a, "home/#")->read, ACL_READ_GRANTED);
	assert_int_equal(row(&b, "home/#")->read, ACL_READ_DENIED);
	assert_int_equal(row(&c, "home/#")->read, ACL_READ_GRANTED);
	assert_int_equal(row(&b, "owntracks/#")->read, ACL_READ_UNKNOWN);
	assert_int_equal(row(&b, "$SYS/#")->read, ACL_READ_UNKNOWN);
	acl_map_free(&a);
	acl_map_free(&b);
	acl_map_free(&c);
}

static struct acl_row *written(struct acl_map *m, const char *f)
{
	struct acl_row *r = row(m, f);
	r->published = r->synced = true;
	return r;
}

/* write: echo confirms; a drop or a refusing 5.0 PUBACK denies; a successful one accepts;
 * 3.x: no echo where the filter delivered denies (never for the proof's own filter), a
 * broker that drops refused writes accepts the ones it kept; else untested. */
static void test_write_rules(void **st)
{
	(void)st;
	char *extra[] = {"a/#", "b/#", "c/#", "d/#", "e/#"};
	struct acl_map m;

	build(&m, true, 32, NULL, extra, 5, NULL, MQTT_V5);
	written(&m, "a/#")->echoed = true;
	written(&m, "b/#")->pub_dropped = true;
	written(&m, "c/#")->puback = 0x87;
	written(&m, "d/#")->puback = 0x00;
	row(&m, "e/#")->published = true; /* sent, the connection ended before its answer */
	m.rows[0].published = m.rows[0].synced = true;
	m.rows[0].puback = 0x10;
	verdicts(&m);
	assert_int_equal(row(&m, "a/#")->write, ACL_WRITE_CONFIRMED);
	assert_int_equal(row(&m, "b/#")->write, ACL_WRITE_DENIED);
	assert_int_equal(row(&m, "c/#")->write, ACL_WRITE_DENIED);
	assert_int_equal(row(&m, "d/#")->write, ACL_WRITE_ACCEPTED);
	assert_int_equal(row(&m, "e/#")->write, ACL_WRITE_UNTESTED);
	assert_int_equal(acl_proof_write(&m), ACL_WRITE_ACCEPTED);
	assert_int_equal(row(&m, "#")->write, ACL_WRITE_ACCEPTED); /* the proof's */
	assert_int_equal(row(&m, "tasmota/#")->write, ACL_WRITE_UNTESTED); /* never sent */
	acl_map_free(&m);

	/* 3.1.1 */
	build(&m, true, 32, NULL, extra, 5, NULL, MQTT_V311);
	written(&m, "a/#")->arrived = true;           /* a/# delivered, our write did not */
	written(&m, "b/#");                           /* b/# delivered nothing */
	m.rows[0].published = m.rows[0].synced = true; /* the proof: # delivered, no echo */
	row(&m, "#")->arrived = true;
	verdicts(&m);
	assert_int_equal(row(&m, "a/#")->write, ACL_WRITE_DENIED);
	assert_int_equal(row(&m, "b/#")->write, ACL_WRITE_UNTESTED);
	assert_int_equal(acl_proof_write(&m), ACL_WRITE_UNTESTED);
	acl_map_free(&m);

	/* 3.1.1 on a broker that closes the connection on a refused PUBLISH */
	build(&m, true, 32, NULL, extra, 5, NULL, MQTT_V311);
	written(&m, "a/#")->pub_dropped = true;
	written(&m, "b/#");
	row(&m, "c/#")->published = true; /* not processed when the connection ended */
	verdicts(&m);
	assert_int_equal(row(&m, "a/#")->write, ACL_WRITE_DENIED);
	assert_int_equal(row(&m, "b/#")->write, ACL_WRITE_ACCEPTED);
	assert_int_equal(row(&m, "c/#")->write, ACL_WRITE_UNTESTED);
	acl_map_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),	       cmocka_unit_test(test_steps),
		cmocka_unit_test(test_deliver),	       cmocka_unit_test(test_read_rules),
		cmocka_unit_test(test_cross_accounts), cmocka_unit_test(test_write_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
