/* probes/smb_result.c and the SMB probe's summarize hook: the word depth host gets for
 * every kind of smb block (open, listing_only, login_required, unknown), and the block's
 * JSON for the cases the probe makes: an opened share with its files, a denied one, an
 * error, a guessed name, a share name that is not UTF-8 (name_b64), --read-secrets done or
 * refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "output/record.h"
#include "probes/probe.h"
#include "probes/smb_result.h"

static struct smb_result *new_block(struct msw_record *r, enum smb_listing l)
{
	struct smb_result *s = record_block_new(r, &smb_table);

	assert_non_null(s);
	smb_result_init(s);
	s->listing = l;
	return s;
}

/* The record's smb part as the JSON line has it. */
static char *smb_text(const struct msw_record *r)
{
	struct dbuf b;
	char *p, *end, *out;

	dbuf_init(&b, 1u << 20);
	assert_int_equal(record_text(r, "t", &b), MSW_OK);
	assert_int_equal(dbuf_append(&b, "", 1), MSW_OK);
	p = strstr((char *)b.p, "\"smb\":");
	assert_non_null(p);
	end = (char *)b.p + b.len - 2; /* the record's closing brace: smb is its last part */
	assert_int_equal(*end, '}');
	out = strndup(p, (size_t)(end - p));
	dbuf_free(&b);
	return out;
}

static void test_summarize(void **st)
{
	struct msw_record r;
	struct smb_result *s;
	struct smb_share *sh;

	(void)st;
	record_init(&r, "smb");
	assert_string_equal(probe_smb.summarize(&r), "unknown"); /* no answer, no block */
	s = new_block(&r, SMB_LIST_DENIED);
	assert_string_equal(probe_smb.summarize(&r), "login_required");
	sh = smb_result_add_share(s, "config");
	sh->guessed = true;
	sh->access = SMB_ACCESS_DENIED;
	assert_string_equal(probe_smb.summarize(&r), "login_required");
	s->listing = SMB_LIST_GUEST;
	assert_string_equal(probe_smb.summarize(&r), "listing_only");
	s->listing = SMB_LIST_ANONYMOUS;
	sh = smb_result_add_share(s, "public");
	sh->access = SMB_ACCESS_ERROR;
	assert_string_equal(probe_smb.summarize(&r), "listing_only");
	sh->access = SMB_ACCESS_GUEST;
	assert_string_equal(probe_smb.summarize(&r), "open");
	s->listing = SMB_LIST_DENIED;
	assert_string_equal(probe_smb.summarize(&r), "open");
	record_free(&r);
}

static void test_json(void **st)
{
	struct msw_record r;
	struct smb_result *s;
	struct smb_share *sh;
	char *t;

	(void)st;
	record_init(&r, "smb");
	s = new_block(&r, SMB_LIST_GUEST);
	sh = smb_result_add_share(s, "config");
	sh->access = SMB_ACCESS_GUEST;
	sh->session = SMB_SESSION_GUEST;
	sh->entries = 12;
	sh->files = calloc(2, sizeof(*sh->files));
	sh->nfiles = 2;
	sh->files[0] = (struct smb_file){.path = strdup("secrets.yaml"), .size = 1234,
					 .what = "plain-text passwords and API keys"};
	sh->files[1] = (struct smb_file){.path = strdup("backup/x'\"\\.tar"), .size = 1ull << 40,
					 .what = "a full backup"};
	sh = smb_result_add_share(s, "private");
	sh->access = SMB_ACCESS_DENIED;
	sh->error = strdup("not written: access is denied");
	sh = smb_result_add_share(s, "caf\xe9");
	sh->guessed = true;
	sh->access = SMB_ACCESS_ERROR;
	sh->error = strdup("Connection reset by peer");
	s->secrets = SMB_SECRETS_READ;
	s->secrets_read = 4;
	t = smb_text(&r);
	assert_string_equal(
		t, "\"smb\":{\"share_listing\":\"guest\",\"shares\":["
		   "{\"name\":\"config\",\"access\":\"guest\",\"session\":\"guest\",\"entries\":12,"
		   "\"files\":[{\"path\":\"secrets.yaml\",\"size\":1234,\"what\":\"plain-text passwords "
		   "and API keys\"},{\"path\":\"backup/x'\\\"\\\\.tar\",\"size\":1099511627776,"
		   "\"what\":\"a full backup\"}]},"
		   "{\"name\":\"private\",\"access\":\"denied\"},"
		   "{\"name_b64\":\"Y2Fm6Q==\",\"guessed\":true,\"access\":\"error\","
		   "\"error\":\"Connection reset by peer\"}],\"secrets_read\":4}");
	free(t);
	record_free(&r);

	record_init(&r, "smb");
	s = new_block(&r, SMB_LIST_DENIED);
	s->secrets = SMB_SECRETS_REFUSED;
	t = smb_text(&r);
	assert_string_equal(t, "\"smb\":{\"share_listing\":\"denied\",\"shares\":[],"
			       "\"read_secrets\":\"refused: the host was not named (part of a range)\"}");
	free(t);
	record_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_summarize),
		cmocka_unit_test(test_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
