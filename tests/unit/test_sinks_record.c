/* The sinks that walk a record (write_record) write what they wrote from its cJSON tree
 * (write, the record_to_json reference): CSV rows byte for byte, for 3,000 random records
 * of test_record_text.c's generator (any bytes in every text, typed tls/websocket/
 * properties/host/classifier/probe blocks) and hand-made hostile ones (formula-leading
 * cells, controls, _b64 twins). And the fan-out: a record that holds a configured secret
 * anywhere a sink could show it (error text, topic, sample, evidence, a finding, a
 * certificate name, a probe's or the classifier's text, only in base64 form, a row name)
 * never reaches a file with it, while a record without one goes the tree-less way with
 * the same bytes a scan without secrets writes. The terminal summary (sink_text) likewise:
 * its sentences, access tables and finding lists the same both ways. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include "base/config.h"
#include "output/output.h"
#include "output/report.h"
#include "output/sink.h"

/* test_record_text.c's generator and hostile builders, without its tests' entry point
 * (its static helpers this file does not call are unused here). */
#pragma GCC diagnostic ignored "-Wunused-function"
#define main test_record_text_main
#include "test_record_text.c"
#undef main

static char dir[64];

static char *path_in(const char *name)
{
	static char buf[8][512];
	static int k;

	k = (k + 1) % 8;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	p[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return p;
}

static bool file_has(const char *path, const char *needle)
{
	size_t n;
	char *p = slurp(path, &n);
	bool h = memmem(p, n, needle, strlen(needle)) != NULL;

	free(p);
	return h;
}

/* ---- one sink, both entry points ---- */

struct pair {
	struct msw_config cfg;
	struct sink tree, rec;
	size_t at; /* bytes of both files compared so far */
};

static void pair_open(struct pair *p, const struct sink_ops *ops)
{
	memset(p, 0, sizeof(*p));
	p->tree = (struct sink){.ops = ops, .cfg = &p->cfg};
	p->rec = (struct sink){.ops = ops, .cfg = &p->cfg};
	p->tree.path = strdup(path_in("tree.out"));
	p->rec.path = strdup(path_in("rec.out"));
	assert_int_equal(ops->open(&p->tree, p->tree.path, &p->cfg), MSW_OK);
	assert_int_equal(ops->open(&p->rec, p->rec.path, &p->cfg), MSW_OK);
	assert_non_null(ops->write_record);
}

/* The record written both ways; the new bytes of the two files are the same. */
static void pair_write(struct pair *p, const struct msw_record *r)
{
	cJSON *j = record_to_json(r, "9.9.9");
	size_t na, nb;
	char *a, *b;

	assert_non_null(j);
	assert_int_equal(p->tree.ops->write(&p->tree, j), MSW_OK);
	assert_int_equal(p->rec.ops->write_record(&p->rec, r), MSW_OK);
	cJSON_Delete(j);
	a = slurp(p->tree.path, &na);
	b = slurp(p->rec.path, &nb);
	if (na != nb || memcmp(a + p->at, b + p->at, na - p->at) != 0) {
		fprintf(stderr, "tree:   %s\nrecord: %s\n", a + p->at, b + p->at);
		fail();
	}
	/* every cell escaped: no control byte but the rows' CR LF and escaped-cell LF/TAB */
	for (size_t i = p->at; i < nb; i++)
		assert_true((unsigned char)b[i] >= 0x20 || b[i] == '\r' || b[i] == '\n' ||
			    b[i] == '\t');
	p->at = na;
	free(a);
	free(b);
}

static void pair_close(struct pair *p)
{
	p->tree.ops->close(&p->tree);
	p->rec.ops->close(&p->rec);
	unlink(p->tree.path);
	unlink(p->rec.path);
	free((char *)p->tree.path);
	free((char *)p->rec.path);
}

/* A record with every CSV column hostile: formula-leading and control-holding text,
 * _b64 twins. */
static void hostile_record(struct msw_record *r, int variant)
{
	record_init(r, variant & 1 ? "mq\xfftt" : "=cmd|' /C calc'!A0");
	snprintf(r->scan_id, sizeof(r->scan_id), "+scan");
	r->start_us = 1764000000123456;
	snprintf(r->ip, sizeof(r->ip), variant & 2 ? "127.0.0.\xff" : "-127.0.0.1");
	r->port = 1883;
	r->hostname = variant & 4 ? NULL : strdup("@h\xc3\xa9\"\n\x01\t\r\x1b[31m");
	r->auth_identity = variant & 8 ? strdup("us\xff" "er") : NULL;
	r->status = ST_SUCCESS;
	r->mqtt = variant & 1;
	snprintf(r->mqtt_version, sizeof(r->mqtt_version), "%s", variant & 2 ? "5.0" : "");
	r->broker_product = strdup(variant & 4 ? "\tmosq" : "mosq\0uitto");
	r->broker_version = variant & 8 ? strdup("2.0\xff") : NULL;
	r->topic_count = 7;
	r->sys_topic_count = 4000000000u;
	struct msw_finding f = {.id = "=x.y", .category = CAT_CREDENTIAL, .severity = SEV_CRITICAL,
				.cwe = 798, .title = "T \xff", .evidence = "-{\"a\":1}\x7f",
				.remediation = "\r fix", .reproduce = "mosquitto_sub -t '#' \xe2\x80\xae"};
	mbytes_set(&f.topic, BAD, sizeof(BAD));
	record_add_finding(r, &f);
	mbytes_free(&f.topic);
	f.topic = (struct mbytes){0};
	mbytes_set(&f.topic, "=home/door", 10);
	f.cwe = -3;
	f.title = NULL;
	record_add_finding(r, &f);
	mbytes_free(&f.topic);
	struct msw_finding g = {0};
	if (variant & 4)
		record_add_finding(r, &g);
}

static void test_csv_hostile(void **st)
{
	struct pair p;
	struct msw_record r;

	(void)st;
	pair_open(&p, &sink_csv);
	for (int v = 0; v < 32; v++) {
		hostile_record(&r, v);
		pair_write(&p, &r);
		record_free(&r);
	}
	record_init(&r, NULL);
	pair_write(&p, &r);
	record_free(&r);
	pair_close(&p);
}

static void test_csv_random(void **st)
{
	struct pair p;

	(void)st;
	pair_open(&p, &sink_csv);
	for (int i = 0; i < 3000; i++) {
		struct msw_record r;
		rnd_record(&r);
		pair_write(&p, &r);
		record_free(&r);
	}
	pair_close(&p);
}

/* ---- the HTML report: fed trees or records, the same page ---- */

static char *page(const struct report *rep, size_t *n)
{
	char *p = NULL;
	FILE *f = open_memstream(&p, n);

	assert_non_null(f);
	assert_int_equal(report_write(rep, f), MSW_OK);
	fclose(f);
	return p;
}

static void same_page(const struct report *a, const struct report *b)
{
	size_t na, nb, i = 0;
	char *pa = page(a, &na), *pb = page(b, &nb);

	if (na != nb || memcmp(pa, pb, na) != 0) {
		while (i < na && i < nb && pa[i] == pb[i])
			i++;
		fprintf(stderr, "pages differ at %zu:\ntree:   %.200s\nrecord: %.200s\n", i,
			pa + (i > 100 ? i - 100 : 0), pb + (i > 100 ? i - 100 : 0));
		fail();
	}
	free(pa);
	free(pb);
}

static void both(struct report *a, struct report *b, const struct msw_record *r)
{
	cJSON *j = record_to_json(r, "9.9.9");

	assert_non_null(j);
	report_add(a, j);
	assert_int_not_equal(report_add_record(b, r), MSW_ERR_INTERNAL);
	cJSON_Delete(j);
}

static void test_html_hostile(void **st)
{
	struct report *a, *b;
	struct msw_record r;

	(void)st;
	assert_int_equal(report_new(&a), MSW_OK);
	assert_int_equal(report_new(&b), MSW_OK);
	for (int v = 0; v < 32; v++) {
		hostile_record(&r, v);
		if (v & 16)
			hostile_tls(&r);
		both(a, b, &r);
		record_free(&r);
	}
	same_page(a, b);
	report_free(a);
	report_free(b);
}

static void test_html_random(void **st)
{
	struct report *a, *b;

	(void)st;
	assert_int_equal(report_new(&a), MSW_OK);
	assert_int_equal(report_new(&b), MSW_OK);
	for (int i = 0; i < 3000; i++) {
		struct msw_record r;
		rnd_record(&r);
		if (rnd(8))
			snprintf(r.ip, sizeof(r.ip), "127.0.0.%u", rnd(60));
		both(a, b, &r);
		record_free(&r);
		if (i % 1000 == 999)
			same_page(a, b);
	}
	report_free(a);
	report_free(b);
}

/* ---- the terminal summary: write (tree) and write_record, the same lines ---- */

/* The text sink writes to stdout: each write goes to its own file through dup2. */
struct tpair {
	struct msw_config cfg;
	struct sink tree, rec;
	int fd_tree, fd_rec, saved;
	size_t at;
	unsigned seen; /* which of the parts below the lines showed */
};

/* Parts of the summary a run should show, so that the comparison covers them. */
static const char *const text_parts[] = {
	"what each account may do:", "what this account may do:", " host \xe2\x80\x94 open doors: ",
	"hint: TLS failed on 8883", "What to change", " about the broker's own $SYS topics",
	"delivered nothing although the broker", ", and anyone can publish", "rejected the credentials given",
	"\\x1b", "    (read: R granted",
};
#define NPARTS (sizeof(text_parts) / sizeof(text_parts[0]))

static void tpair_open(struct tpair *p, bool creds, bool detect)
{
	memset(p, 0, sizeof(*p));
	p->cfg.details = true; /* the access map and the findings under each sentence */
	p->cfg.detect = detect;
	p->cfg.username = creds ? "bob" : NULL;
	p->tree = (struct sink){.ops = &sink_text, .cfg = &p->cfg};
	p->rec = (struct sink){.ops = &sink_text, .cfg = &p->cfg};
	p->fd_tree = open(path_in("t-tree.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	p->fd_rec = open(path_in("t-rec.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(p->fd_tree >= 0 && p->fd_rec >= 0);
	fflush(stdout);
	p->saved = dup(STDOUT_FILENO);
	assert_int_equal(sink_text.open(&p->tree, NULL, &p->cfg), MSW_OK);
	assert_int_equal(sink_text.open(&p->rec, NULL, &p->cfg), MSW_OK);
	assert_non_null(sink_text.write_record);
}

static void to_fd(int fd)
{
	fflush(stdout);
	assert_true(dup2(fd, STDOUT_FILENO) >= 0);
}

static void tpair_write(struct tpair *p, const struct msw_record *r)
{
	cJSON *j = record_to_json(r, "9.9.9");
	size_t na, nb;
	char *a, *b;

	assert_non_null(j);
	to_fd(p->fd_tree);
	assert_int_equal(sink_text.write(&p->tree, j), MSW_OK);
	to_fd(p->fd_rec);
	assert_int_equal(sink_text.write_record(&p->rec, r), MSW_OK);
	to_fd(p->saved);
	cJSON_Delete(j);
	a = slurp(path_in("t-tree.txt"), &na);
	b = slurp(path_in("t-rec.txt"), &nb);
	if (na != nb || memcmp(a + p->at, b + p->at, na - p->at) != 0) {
		fprintf(stderr, "tree:   %s\nrecord: %s\n", a + p->at, b + p->at);
		fail();
	}
	/* escaped for the terminal: no control byte but the line ends (no colour: not a tty) */
	for (size_t i = p->at; i < nb; i++)
		assert_true((unsigned char)b[i] >= 0x20 || b[i] == '\n');
	assert_true(nb > p->at || r->kind == KIND_HOST); /* a service always gets its line */
	for (size_t k = 0; k < NPARTS; k++)
		if (memmem(b + p->at, nb - p->at, text_parts[k], strlen(text_parts[k])))
			p->seen |= 1u << k;
	p->at = na;
	free(a);
	free(b);
}

/* need: the parts (bits of text_parts) that some record must have shown. */
static void tpair_close(struct tpair *p, unsigned need)
{
	for (size_t k = 0; k < NPARTS; k++)
		if ((need & (1u << k)) && !(p->seen & (1u << k))) {
			fprintf(stderr, "text: no record showed \"%s\"\n", text_parts[k]);
			fail();
		}
	to_fd(p->fd_tree);
	sink_text.close(&p->tree);
	to_fd(p->fd_rec);
	sink_text.close(&p->rec);
	to_fd(p->saved);
	close(p->saved);
	close(p->fd_tree);
	close(p->fd_rec);
}

/* An access map of n rows whose filters repeat across accounts (the comparison table's
 * shared rows), with hostile bytes in filters and user names. */
static void shared_acl(struct acl_rec *a, uint32_t n, int salt)
{
	static const char *const filters[] = {"#", "home/+/door", "$SYS/#", "\x1b[2Jx",
					      "caf\xc3\xa9/\xe2\x80\xae", "t\xff"};
	acl_rec_alloc(a, n);
	for (uint32_t i = 0; i < n; i++) {
		a->rows[i].filter = (i + salt) % 7 == 6 ? NULL : strdup(filters[(i + salt) % 6]);
		a->rows[i].read = (uint8_t)((i + salt) % (ACL_READ_DENIED + 2));
		a->rows[i].write = (uint8_t)((i * 3 + salt) % (ACL_WRITE_DENIED + 2));
		a->rows[i].suback = ACL_NO_CODE;
		a->rows[i].puback = ACL_NO_CODE;
	}
}

static void access_record(struct msw_record *r, int v)
{
	static const char *const users[] = {"alice", NULL, "\x1b]0;pwn\x07",
					    "a-very-long-user-name-cut-at-24-chars-\xc3\xa9\xc3\xa9",
					    "us\xff" "er"};
	struct mqtt_access_rec *m;

	hostile_record(r, v);
	m = record_block_new(r, &mqtt_access_table);
	assert_non_null(m);
	m->mapped = !(v & 4);
	shared_acl(&m->acl, (uint32_t)(v % 5), v);
	if (v & 2)
		return;
	m->naccounts = 1 + (uint32_t)v % 4;
	m->accounts = calloc(m->naccounts, sizeof(*m->accounts));
	assert_non_null(m->accounts);
	for (uint32_t i = 0; i < m->naccounts; i++) {
		struct access_account_rec *a = &m->accounts[i];
		a->user = users[(i + (uint32_t)v) % 5] ? strdup(users[(i + (uint32_t)v) % 5]) : NULL;
		a->auth = AUTH_AUTHENTICATED;
		a->mapped = (i + (uint32_t)v) % 3 != 0;
		shared_acl(&a->acl, (uint32_t)(i + (uint32_t)v) % 6, (int)i + v);
	}
}

/* Sentences, access tables, findings and hints of hand-made records: hostile texts, TLS on
 * 8883, access maps with repeated filters and several accounts, host summaries, dashboards,
 * tags. */
static void test_text_hostile(void **st)
{
	struct tpair p;

	(void)st;
	for (int c = 0; c < 4; c++) {
		tpair_open(&p, c & 1, c & 2);
		for (int v = 0; v < 64; v++) {
			struct msw_record r;
			if (v < 32) {
				hostile_record(&r, v);
				if (v & 16)
					hostile_tls(&r);
				if (v & 8) {
					struct cls_result *cr;
					hostile_cls(&r); /* tags */
					cr = record_block(&r, &cls_result_table);
					strlist_add(&cr->tags, "acl_filtered", 12, CLS_RESULT_MAX_TAGS);
				}
				if (v & 1) { /* a finding about $SYS: counted apart */
					struct msw_finding f = {.id = "sys.x", .title = "s",
								.category = CAT_BROKER_INFO,
								.severity = (enum msw_severity)(v % SEV__COUNT)};
					mbytes_set(&f.topic, "$SYS/broker/version", 19);
					record_add_finding(&r, &f);
					mbytes_free(&f.topic);
				}
				if (v & 4) {
					hostile_http(&r);
					r.mqtt = false;
				}
				r.port = v & 2 ? 8883 : r.port;
				r.transport = v & 2 ? TRANSPORT_TLS : r.transport;
				r.status = (enum msw_status)(v / 2 % (ST__COUNT + 1));
				r.read_access = (enum msw_read_access)(v / 2 % (READ__COUNT + 1));
				r.write_access = (enum msw_write_access)(v / 3 % (WRITE__COUNT + 1));
				r.auth = (enum msw_auth)(v / 2 % (AUTH__COUNT + 1));
			} else {
				access_record(&r, v - 32);
				if (v % 8 == 7) {
					struct host_summary *h;
					r.kind = KIND_HOST;
					rnd_host(&r);
					h = record_block(&r, &host_summary_table);
					free(h->chain); /* a chain that is text (a random one is not) */
					h->chain = strdup("mqtt \xe2\x86\x92 \x1b[5mhttp");
				}
			}
			tpair_write(&p, &r);
			record_free(&r);
		}
		/* all but the --detect hint when --detect is given, and the verdict on given
		 * credentials when none are */
		tpair_close(&p, ((1u << NPARTS) - 1) & ~(c & 2 ? 1u << 3 : 0) & ~(c & 1 ? 0 : 1u << 8));
	}
}

static void test_text_random(void **st)
{
	struct tpair p;

	(void)st;
	for (int c = 0; c < 2; c++) {
		tpair_open(&p, c, !c);
		for (int i = 0; i < 3000; i++) {
			struct msw_record r;
			rnd_record(&r);
			tpair_write(&p, &r);
			record_free(&r);
		}
		/* the access tables, host lines and finding groups */
		tpair_close(&p, 1u << 0 | 1u << 1 | 1u << 2 | 1u << 4 | 1u << 10);
	}
}

/* ---- the fan-out's secret check ---- */

#define PW "Sentinel-Pw-4242"

/* A record holding the password in one place (which: 0 none). */
static void secret_record(struct msw_record *r, int where)
{
	static const char pw[] = PW;
	char ip[32];

	record_init(r, "mqtt");
	snprintf(ip, sizeof(ip), "127.0.0.%d", where + 1);
	snprintf(r->ip, sizeof(r->ip), "%s", ip);
	r->port = 1883;
	r->start_us = 1764000000123456;
	r->status = ST_SUCCESS;
	r->mqtt = true;
	r->auth = AUTH_AUTHENTICATED;
	r->auth_identity = strdup("bob");
	record_add_evidence(r, "$SYS/broker/version", "mosquitto 2.0");
	record_topic(r, (const uint8_t *)"home/door", 9, 8);
	switch (where) {
	case 1:
		record_set_error(r, "broker said: bad password %s", pw);
		break;
	case 2:
		record_topic(r, (const uint8_t *)"creds/" PW, sizeof("creds/" PW) - 1, 8);
		break;
	case 3: { /* in a sample that is not text: only its base64 shows it... */
		struct msw_topic *t = record_topic(r, (const uint8_t *)"t", 1, 8);
		uint8_t b[64] = {0xff};
		memcpy(b + 1, pw, sizeof(pw) - 1);
		mbytes_set(&t->sample, b, sizeof(pw));
		break;
	}
	case 4: {
		struct msw_finding f = {.id = "creds.leak", .title = "leak", .evidence = "pw=" PW};
		record_add_finding(r, &f);
		break;
	}
	case 5: {
		struct tls_info *t;
		hostile_tls(r);
		t = record_block(r, &tls_table);
		free(t->error);
		t->error = strdup("alert " PW);
		break;
	}
	case 6: { /* the broker's $SYS identity, in the classifier's block */
		struct cls_result *c = record_block_new(r, &cls_result_table);
		assert_non_null(c);
		c->sys_identity = strdup("node-" PW);
		break;
	}
	case 7: { /* a share's name, in the smb block */
		struct smb_result *sm = record_block_new(r, &smb_table);
		assert_non_null(sm);
		smb_result_init(sm);
		assert_non_null(smb_result_add_share(sm, "share:" PW));
		break;
	}
	case 8:
		r->broker_product = strdup("x" PW "\xff"); /* product_b64 */
		break;
	case 9:
		r->hostname = strdup(PW ".example");
		break;
	}
}

static void run(const char *json, const char *csv, const char *html, const char *password,
		int from, int to)
{
	struct msw_config cfg = {0};
	struct scan_stats stt = {0};
	struct output *o;

	cfg.format = FORMAT_JSON;
	cfg.quiet = true;
	cfg.json_out = path_in(json);
	cfg.csv_out = path_in(csv);
	cfg.html_out = path_in(html);
	cfg.password = password;
	cfg.username = "bob";
	output_set_argv(0, NULL);
	assert_int_equal(output_open(&cfg, "scan-S", 1, &o), MSW_OK);
	for (int w = from; w <= to; w++) {
		struct msw_record r;
		secret_record(&r, w);
		assert_int_equal(output_record(o, &r), MSW_OK);
		record_free(&r);
	}
	assert_int_equal(output_finish(o, &stt, 0), MSW_OK);
	output_close(o);
}

static void test_secret_anywhere(void **st)
{
	int saved = dup(STDOUT_FILENO), null = open("/dev/null", O_WRONLY);

	(void)st;
	fflush(stdout);
	dup2(null, STDOUT_FILENO); /* the stdout JSON lines sink */
	run("s.jsonl", "s.csv", "s.html", PW, 1, 9);
	/* a record without the secret: the same bytes whether secrets are configured */
	run("a.jsonl", "a.csv", "a.html", PW, 0, 0);
	run("b.jsonl", "b.csv", "b.html", NULL, 0, 0);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(null);
	assert_false(file_has(path_in("s.jsonl"), PW));
	assert_false(file_has(path_in("s.csv"), PW));
	assert_false(file_has(path_in("s.html"), PW));
	assert_true(file_has(path_in("s.jsonl"), "bad password ***"));
	assert_true(file_has(path_in("s.jsonl"), "creds/***"));
	assert_true(file_has(path_in("s.csv"), "pw=***"));
	assert_true(file_has(path_in("s.html"), "pw=***"));
	{
		size_t na, nb;
		char *a = slurp(path_in("a.jsonl"), &na), *b = slurp(path_in("b.jsonl"), &nb);
		assert_true(na > 0 && na == nb && !memcmp(a, b, na));
		free(a);
		free(b);
		a = slurp(path_in("a.csv"), &na);
		b = slurp(path_in("b.csv"), &nb);
		assert_true(na > 0 && na == nb && !memcmp(a, b, na));
		free(a);
		free(b);
	}
}

static int setup(void **st)
{
	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/msw-sinkrec-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **st)
{
	char cmd[128];

	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csv_hostile),
		cmocka_unit_test(test_csv_random),
		cmocka_unit_test(test_html_hostile),
		cmocka_unit_test(test_html_random),
		cmocka_unit_test(test_text_hostile),
		cmocka_unit_test(test_text_random),
		cmocka_unit_test(test_secret_anywhere),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
