/* The owner's report without a browser: the fix table (the row for each software, the
 * add-on rule), the HTML writer (escaping, cuts at code points), and the report model fed
 * hostile records (wrong types, markup, control bytes, huge lists): the counts and the
 * headline, nothing from a record as markup, the caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "output/fixes.h"
#include "output/htmlw.h"
#include "output/record.h"
#include "output/report.h"

static void test_fix_rows(void **st)
{
	const struct fix *f;
	size_t n;
	(void)st;

	f = fix_lookup("mqtt.anonymous", CAT_BROKER_INFO, FSW_MOSQUITTO);
	assert_non_null(f);
	assert_non_null(strstr(f->config, "allow_anonymous false"));
	assert_non_null(strstr(f->config, "password_file"));
	f = fix_lookup("mqtt.anonymous", CAT_BROKER_INFO, FSW_HA_ADDON);
	assert_non_null(f);
	assert_non_null(strstr(f->config, "logins:"));
	assert_null(strstr(f->config, "allow_anonymous"));
	f = fix_lookup("mqtt.anonymous", CAT_BROKER_INFO, FSW_AEDES);
	assert_non_null(strstr(f->config, "authenticate"));
	f = fix_lookup("mqtt.anonymous", CAT_BROKER_INFO, FSW_RABBITMQ);
	assert_non_null(strstr(f->config, "mqtt.allow_anonymous = false"));
	/* a product without rows of its own gets no Mosquitto lines */
	assert_null(fix_lookup("mqtt.anonymous", CAT_BROKER_INFO, FSW_OTHER));
	f = fix_lookup("owntracks.location", CAT_LOCATION, FSW_MOSQUITTO);
	assert_non_null(strstr(f->config, "pattern readwrite owntracks/%u/#"));
	f = fix_lookup("owntracks.location", CAT_LOCATION, FSW_HA_ADDON);
	assert_non_null(strstr(f->config, "customize:"));
	f = fix_lookup("nodered.admin_open", CAT_DASHBOARD, FSW_ANY);
	assert_non_null(strstr(f->config, "adminAuth"));
	f = fix_lookup("smb.ha_files", CAT_FILE_SHARE, FSW_ANY);
	assert_non_null(strstr(f->config, "map to guest = Never"));
	f = fix_lookup("z2m.frontend_open", CAT_DASHBOARD, FSW_ANY);
	assert_non_null(strstr(f->config, "auth_token"));
	f = fix_lookup("zigbee2mqtt.mqtt_password", CAT_CREDENTIAL, FSW_MOSQUITTO);
	assert_non_null(strstr(f->title, "Change"));
	f = fix_lookup("something.new", CAT_CREDENTIAL, FSW_ANY);
	assert_string_equal(f->id, "rotate.credential");
	/* every row is complete enough to show */
	f = fix_table(&n);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(f[i].id);
		assert_non_null(f[i].title);
		assert_non_null(f[i].how);
		assert_true(f[i].findings || f[i].category >= 0);
	}
	for (int c = -1; c <= CAT__COUNT; c++)
		assert_non_null(fix_meaning(c));
}

static void test_addon_rule(void **st)
{
	struct addon_signals s = {0};
	char why[256];
	(void)st;

	assert_false(fix_is_addon(&s));
	s.ports = true;
	assert_false(fix_is_addon(&s)); /* one signal is not enough */
	s.account = true;
	assert_true(fix_is_addon(&s));
	s = (struct addon_signals){.ha_cert = true};
	assert_true(fix_is_addon(&s)); /* a core-mosquitto certificate counts twice */
	s.not_mosquitto = true;
	assert_false(fix_is_addon(&s));
	s = (struct addon_signals){.ports = true, .ha_traffic = true};
	fix_addon_why(&s, why, sizeof(why));
	assert_non_null(strstr(why, "ports"));
	assert_non_null(strstr(why, "Home Assistant topics"));
	fix_addon_why(&s, why, 5); /* a short buffer stays terminated */
	assert_true(strlen(why) < 5);
}

static char *mem_of(void (*fn)(struct hw *w, const void *arg), const void *arg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct hw w = {.f = f};

	fn(&w, arg);
	fclose(f);
	assert_false(w.err);
	return buf;
}

static void write_hostile(struct hw *w, const void *arg)
{
	hw_text(w, arg);
	hw_raw(w, "|");
	hw_label(w, "\xc3\xa9\xc3\xa9\xc3\xa9", 3); /* cut inside the second é */
	hw_raw(w, "|");
	hw_textn(w, "abcdef", 6, 4);
	hw_raw(w, "|");
	hw_pct(w, 1, 300);
	hw_raw(w, "|");
	hw_pct(w, 1, 3);
}

static void test_writer(void **st)
{
	char *s = mem_of(write_hostile, "<img src=x onerror=\"a\">'\x1b[2J");
	(void)st;

	assert_non_null(strstr(s, "&lt;img src=x onerror=&quot;a&quot;&gt;&#39;"));
	assert_null(strchr(s, '\x1b'));
	assert_non_null(strstr(s, "|\xc3\xa9\xe2\x80\xa6|")); /* é… : whole code points only */
	assert_non_null(strstr(s, "abcd<span class=\"cut\">"));
	assert_non_null(strstr(s, "(2 more bytes)"));
	assert_non_null(strstr(s, "|&lt;1%|33%"));
	free(s);
	assert_int_equal(hw_cut((const uint8_t *)"ab\xe2\x82\xac", 5, 4), 2);
	assert_int_equal(hw_cut((const uint8_t *)"abc", 3, 9), 3);
}

static const char *const hostile_records[] = {
	/* an open broker with markup everywhere a string can be */
	"{\"kind\":\"service\",\"probe\":\"mqtt\",\"ip\":\"192.0.2.1\\\"><script>\",\"port\":1883,"
	"\"transport\":\"tcp\",\"transport_security\":\"plaintext\",\"mqtt\":true,"
	"\"auth\":\"anonymous\",\"read_access\":\"granted_with_data\","
	"\"broker\":{\"product\":\"<b>evil</b>\",\"version\":\"1\\u001b[31m\"},"
	"\"topics\":{\"count\":2,\"list\":[{\"topic\":\"a/<img src=x onerror=alert(1)>\","
	"\"sample\":\"</style><script>\"},{\"topic_b64\":\"AAEC\"}]},"
	"\"findings\":[{\"id\":\"owntracks.location\",\"category\":\"location\","
	"\"severity\":\"critical\",\"title\":\"<svg onload=alert(1)>\",\"topic\":\"owntracks/x\","
	"\"evidence\":\"</pre><script>alert(2)</script>\",\"reproduce\":\"mosquitto_sub '\\\"'\"},"
	"{\"id\":\"homeassistant.cover_door\",\"category\":\"actuator_control\","
	"\"severity\":\"high\",\"title\":\"open the garage\"},"
	"{\"id\":\"x\",\"category\":\"no-such\",\"severity\":\"loud\"}]}",
	/* wrong types everywhere */
	"{\"kind\":7,\"ip\":\"192.0.2.2\",\"port\":\"x\",\"mqtt\":\"yes\",\"auth\":[],"
	"\"findings\":{\"a\":1},\"topics\":\"many\",\"broker\":\"mosquitto\"}",
	/* a protected broker, and a host summary with a hostile chain */
	"{\"kind\":\"service\",\"ip\":\"192.0.2.3\",\"port\":8883,\"mqtt\":true,"
	"\"auth\":\"credentials_required\",\"transport_security\":\"tls_unverified\","
	"\"tls\":{\"certificate\":{\"san\":{\"dns\":[\"core-mosquitto\"]}}}}",
	"{\"kind\":\"host\",\"ip\":\"192.0.2.3\",\"port\":0,"
	"\"risk\":{\"chain\":\"mqtt:8883 [<i>x</i>] -> -> \"}}",
	/* a share */
	"{\"kind\":\"service\",\"probe\":\"smb\",\"ip\":\"192.0.2.3\",\"port\":445,"
	"\"findings\":[{\"id\":\"smb.ha_files\",\"category\":\"file_share\","
	"\"severity\":\"critical\",\"title\":\"share\"}]}",
};

static struct report *hostile_report(void)
{
	struct report *r;

	assert_int_equal(report_new(&r), MSW_OK);
	for (size_t i = 0; i < sizeof(hostile_records) / sizeof(hostile_records[0]); i++) {
		cJSON *j = cJSON_Parse(hostile_records[i]);

		assert_non_null(j);
		report_add(r, j);
		cJSON_Delete(j);
	}
	/* not a record at all */
	assert_int_equal(report_add(r, NULL), MSW_ERR_MALFORMED);
	return r;
}

static void test_model_hostile(void **st)
{
	struct report *r = hostile_report();
	uint64_t by[SEV__COUNT];
	char line[1024], *page = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&page, &len);
	(void)st;

	report_severities(r, by);
	assert_int_equal(by[SEV_CRITICAL], 2);
	assert_int_equal(by[SEV_HIGH], 1);
	report_headline(r, line, sizeof(line));
	assert_non_null(strstr(line, "Of 2 MQTT brokers reached: 1 of 2 (50%) lets anyone in"));
	assert_non_null(strstr(line, "1 of 2 (50%) leaks where people are"));
	assert_non_null(strstr(line, "1 of 2 (50%) exposes a garage door or lock"));
	assert_non_null(strstr(line, "Of 3 hosts: 0 of 3 (0%) have an open dashboard; "
				     "1 of 3 (33%) has an open file share."));
	report_headline(r, line, 10);
	assert_true(strlen(line) < 10);
	assert_int_equal(report_write(r, f), MSW_OK);
	fclose(f);
	assert_null(strstr(page, "<script"));
	assert_null(strstr(page, "<img"));
	assert_null(strstr(page, "<svg onload"));
	assert_null(strstr(page, "<b>evil"));
	assert_null(strstr(page, "<i>x"));
	assert_null(strstr(page, "</style><script"));
	assert_null(strchr(page, '\x1b'));
	assert_non_null(strstr(page, "&lt;svg onload=alert(1)&gt;"));
	assert_non_null(strstr(page, "&lt;b&gt;evil&lt;/b&gt;"));
	assert_non_null(strstr(page, "<i>base64:</i> AAEC"));
	/* the add-on-shaped host is not given mosquitto.conf lines, the share gets Samba's */
	assert_non_null(strstr(page, "map to guest = Never"));
	assert_non_null(strstr(page, "</html>"));
	free(page);
	report_free(r);
}

static void test_model_caps(void **st)
{
	struct report *r;
	cJSON *rec = cJSON_Parse("{\"kind\":\"service\",\"ip\":\"x\",\"port\":1,\"mqtt\":true,"
				 "\"topics\":{\"count\":100000,\"list\":[]},\"findings\":[]}");
	cJSON *list = cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "topics"), "list");
	char ip[32];
	(void)st;

	for (int i = 0; i < 500; i++)
		cJSON_AddItemToArray(list, cJSON_CreateObject());
	assert_int_equal(report_new(&r), MSW_OK);
	for (int i = 0; i < REPORT_HOSTS_MAX + 50; i++) {
		snprintf(ip, sizeof(ip), "10.1.%d.%d", i / 256, i % 256);
		cJSON_ReplaceItemInObject(rec, "ip", cJSON_CreateString(ip));
		assert_int_equal(report_add(r, rec), MSW_OK);
	}
	for (int i = 0; i < REPORT_SERVICES_MAX + 5; i++)
		assert_int_equal(report_add(r, rec), MSW_OK);
	assert_int_equal(report_records(r), REPORT_HOSTS_MAX + 50 + REPORT_SERVICES_MAX + 5);
	{
		char *page = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&page, &len);

		assert_int_equal(report_write(r, f), MSW_OK);
		fclose(f);
		assert_non_null(strstr(page, "50 further hosts are counted above"));
		assert_non_null(strstr(page, "(40 shown of 100000)"));
		free(page);
	}
	report_free(r);
	cJSON_Delete(rec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fix_rows),
		cmocka_unit_test(test_addon_rule),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_model_hostile),
		cmocka_unit_test(test_model_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
