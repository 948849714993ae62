/* Fuzz what the output does with hostile strings: the three escapers (HTML, terminal,
 * CSV) and the record → JSON path. Invariants: every escaper's output is valid UTF-8; HTML
 * output has no < > " ' `; terminal output has no byte below 0x20 nor DEL; a CSV cell
 * is one quoted cell that never starts with a formula character; a record whose topic,
 * sample, broker version and error are the input prints as JSON that parses back, and
 * the topic is either the input itself (valid UTF-8, no NUL) or topic_b64. The JSON-lines
 * writer (jsonw) must write exactly what cJSON_PrintUnformatted writes, for that record and
 * for a bare string of the input's bytes up to the first NUL (valid UTF-8 or not); and the
 * direct record writer (record_text) exactly what jsonw writes for record_to_json(), for
 * that record, for one whose classifier block holds the input (a tag, a honeypot signal,
 * the $SYS identity up to the first NUL), and for one whose probe blocks (http, smb,
 * acl/accounts, amqp) hold the input wherever a peer's text goes. */
#include <assert.h>
#include <stdio.h>
#include <cjson/cJSON.h>
#include "fuzz_common.h"
#include "classify/cls_result.h"
#include "output/escape.h"
#include "output/jsonw.h"
#include "output/record.h"
#include "probes/amqp_rec.h"
#include "probes/http_result.h"
#include "probes/mqtt_access_rec.h"
#include "probes/smb_result.h"

static void check_escapers(const uint8_t *data, size_t size)
{
	char *h = escape_html(data, size), *t = escape_term(data, size);
	char *c = escape_csv_cell(data, size);

	assert(h && t && c);
	assert(utf8_valid((const uint8_t *)h, strlen(h)));
	assert(utf8_valid((const uint8_t *)t, strlen(t)));
	assert(utf8_valid((const uint8_t *)c, strlen(c)));
	assert(!strpbrk(h, "<>\"'`"));
	for (const unsigned char *p = (const unsigned char *)t; *p; p++)
		assert(*p >= 0x20 && *p != 0x7f);
	assert(c[0] == '"' && strlen(c) >= 2 && c[strlen(c) - 1] == '"');
	assert(!strchr("=+-@\t\r", c[1]) || c[1] == 0 || (c[1] == '"' && c[2] == 0));
	free(h);
	free(t);
	free(c);
}

static void same_as_cjson(const cJSON *j, const char *txt)
{
	struct dbuf b;

	dbuf_init(&b, 1u << 24);
	assert(jsonw_append(&b, j) == MSW_OK);
	assert(b.len == strlen(txt) && memcmp(b.p, txt, b.len) == 0);
	dbuf_free(&b);
}

static void same_as_text(const struct msw_record *r, const cJSON *j)
{
	struct dbuf a, b;

	dbuf_init(&a, 1u << 24);
	dbuf_init(&b, 1u << 24);
	msw_err ra = jsonw_append(&a, j), rb = record_text(r, "fuzz", &b);
	assert(ra == rb);
	assert(a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0));
	dbuf_free(&a);
	dbuf_free(&b);
}

/* The input in the text members of the classifier's block. */
static void check_cls_block(const uint8_t *data, size_t size)
{
	struct msw_record r;
	struct cls_result *c;

	record_init(&r, "mqtt");
	r.connack_code = 0;
	c = record_block_new(&r, &cls_result_table);
	assert(c);
	strlist_add(&c->tags, data, size, CLS_RESULT_MAX_TAGS);
	c->honeypot = true;
	strlist_add(&c->hp_signals, data, size, CLS_RESULT_MAX_SIGNALS);
	c->sys_identity = fuzz_strdup(data, size);
	cJSON *j = record_to_json(&r, "fuzz");
	if (j)
		same_as_text(&r, j);
	cJSON_Delete(j);
	record_free(&r);
}

/* An http block whose texts (the version cut to its room) and one endpoint are the input. */
static void add_http(struct msw_record *r, const uint8_t *data, size_t size)
{
	struct http_result *h = record_block_new(r, &http_table);
	struct http_path_rec *p;

	assert(h);
	http_result_init(h);
	h->product = fuzz_strdup(data, size);
	memcpy(h->version, data, size < sizeof(h->version) - 1 ? size : sizeof(h->version) - 1);
	h->auth = size ? data[0] % 4 : 0;
	p = vec_push(&h->paths);
	assert(p);
	p->path = fuzz_strdup(data, size);
	p->request = size ? data[size - 1] % 3 : 0;
	p->server = fuzz_strdup(data, size);
	p->location = fuzz_strdup(data, size);
	p->bytes = size;
	p->ws_close_code = size ? data[0] - 1 : -1;
	p->ws_protocol = fuzz_strdup(data, size);
	p->error = fuzz_strdup(data, size);
	assert(strlist_add(&h->ws_endpoints, data, size, 4) == MSW_OK);
}

/* The input (up to a NUL) as the peer's text in every typed probe block. */
static void check_blocks(const uint8_t *data, size_t size)
{
	char *s = fuzz_strdup(data, size);
	struct msw_record r;

	if (!s)
		return;
	record_init(&r, "smb");
	struct smb_result *smb = record_block_new(&r, &smb_table);
	struct mqtt_access_rec *acc = record_block_new(&r, &mqtt_access_table);
	struct amqp_info *amqp = record_block_new(&r, &amqp_table);
	assert(smb && acc && amqp);
	smb_result_init(smb);
	struct smb_share *sh = smb_result_add_share(smb, s);
	struct smb_share *bad = smb_result_add_share(smb, s);
	assert(sh && bad);
	sh->files = calloc(1, sizeof(*sh->files));
	assert(sh->files);
	sh->nfiles = 1;
	sh->files[0].path = strdup(s);
	sh->files[0].size = size;
	sh->files[0].what = "home coordinates";
	bad->access = SMB_ACCESS_ERROR;
	bad->error = strdup(s);
	acc->mapped = true;
	assert(acl_rec_alloc(&acc->acl, 1) == MSW_OK);
	acc->acl.rows[0] = (struct acl_rec_row){.filter = strdup(s), .write_topic = strdup(s),
						.suback = ACL_NO_CODE, .puback = 0x87};
	acc->accounts = calloc(2, sizeof(*acc->accounts));
	assert(acc->accounts);
	acc->naccounts = 2;
	acc->accounts[0].user = strdup(s);
	snprintf(amqp->product.s, sizeof(amqp->product.s), "%s", s);
	amqp->product.present = true;
	snprintf(amqp->locales, sizeof(amqp->locales), "%s", s);
	strlist_add(&amqp->mechanisms, s, strlen(s), AMQP_MAX_MECHS);
	add_http(&r, data, size);
	cJSON *j = record_to_json(&r, "fuzz");
	assert(j);
	same_as_text(&r, j);
	cJSON_Delete(j);
	record_free(&r);
	free(s);
}

static void check_string(const uint8_t *data, size_t size)
{
	char *s = fuzz_strdup(data, size);
	cJSON *j = s ? cJSON_CreateString(s) : NULL;
	char *txt = j ? cJSON_PrintUnformatted(j) : NULL;

	if (txt)
		same_as_cjson(j, txt);
	cJSON_free(txt);
	cJSON_Delete(j);
	free(s);
}

static void check_record(const uint8_t *data, size_t size)
{
	struct msw_record r;
	struct msw_topic *tp;
	cJSON *j, *back, *item;
	char *txt;

	record_init(&r, "mqtt");
	tp = record_topic(&r, data, size, 4);
	assert(tp);
	mbytes_set(&tp->sample, data, size);
	r.broker_version = fuzz_strdup(data, size);
	r.error = fuzz_strdup(data, size);
	j = record_to_json(&r, "fuzz");
	assert(j);
	txt = cJSON_PrintUnformatted(j);
	assert(txt && utf8_valid((const uint8_t *)txt, strlen(txt)));
	same_as_cjson(j, txt);
	same_as_text(&r, j);
	back = cJSON_Parse(txt);
	assert(back);
	item = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(back, "topics"), "list"), 0);
	if (utf8_valid(data, size) && !memchr(data, 0, size))
		assert(cJSON_GetObjectItem(item, "topic") &&
		       strlen(cJSON_GetObjectItem(item, "topic")->valuestring) == size &&
		       memcmp(cJSON_GetObjectItem(item, "topic")->valuestring, data, size) == 0);
	else
		assert(cJSON_GetObjectItem(item, "topic_b64"));
	cJSON_free(txt);
	cJSON_Delete(back);
	cJSON_Delete(j);
	record_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	check_escapers(data, size);
	check_string(data, size);
	check_record(data, size);
	check_cls_block(data, size);
	check_blocks(data, size);
	return 0;
}
