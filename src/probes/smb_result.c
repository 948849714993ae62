/* The "smb" block's table and life (see smb_result.h). */
#include "probes/smb_result.h"
#include <stdlib.h>
#include <string.h>

#define ENUM_OF(var, tbl) const struct fenum var = {tbl, (int)(sizeof(tbl) / sizeof(tbl[0])), 0}

static const char *const listing_names[SMB_LIST__COUNT] = {
	[SMB_LIST_ANONYMOUS] = "anonymous",
	[SMB_LIST_GUEST] = "guest",
	[SMB_LIST_DENIED] = "denied",
};
static const char *const access_names[SMB_ACCESS__COUNT] = {
	[SMB_ACCESS_GUEST] = "guest",
	[SMB_ACCESS_DENIED] = "denied",
	[SMB_ACCESS_ERROR] = "error",
};
static const char *const session_names[SMB_SESSION__COUNT] = {
	[SMB_SESSION_ANONYMOUS] = "anonymous",
	[SMB_SESSION_GUEST] = "guest",
};
ENUM_OF(smb_listing_enum, listing_names);
ENUM_OF(smb_access_enum, access_names);
ENUM_OF(smb_session_enum, session_names);

#define F struct smb_file
static const struct fdef file_fields[] = {
	{FIELD_KEY("path"), .type = FT_STR, FMEMBER(F, path),
	 .desc = "the file's path on the share (dir/name), as the server named it"},
	{FIELD_KEY("size"), .type = FT_UINT, FSIZED(F, size), .desc = "its size in bytes"},
	{FIELD_KEY("what"), .type = FT_WORD, FMEMBER(F, what),
	 .desc = "what such a file holds in a Home Assistant configuration"},
};
static const struct fblock file_table = {FIELDS(file_fields), .size = sizeof(F)};
#undef F

#define S struct smb_share
static void get_session(const void *o, const struct fdef *f, struct fval *v)
{
	const S *s = o;

	v->i = s->session;
	v->s = (const uint8_t *)fenum_name(&smb_session_enum, s->session);
	v->n = strlen((const char *)v->s);
	v->absent = s->access != SMB_ACCESS_GUEST;
}

static void get_error(const void *o, const struct fdef *f, struct fval *v)
{
	const S *s = o;

	v->s = (const uint8_t *)(s->error ? s->error : "");
	v->n = s->error ? strlen(s->error) : 0;
	v->absent = s->access != SMB_ACCESS_ERROR || !s->error;
}

static void get_entries(const void *o, const struct fdef *f, struct fval *v)
{
	const S *s = o;

	v->u = s->entries;
	v->absent = s->access != SMB_ACCESS_GUEST;
}

static void get_files(const void *o, const struct fdef *f, struct fval *v)
{
	const S *s = o;

	v->p = s->files;
	v->n = s->nfiles;
	v->absent = s->access != SMB_ACCESS_GUEST;
}

static const struct fdef share_fields[] = {
	{FIELD_KEY("name"), .type = FT_STR, FMEMBER(S, name),
	 .desc = "the share's name, as the server listed it (or the name tried when guessed)"},
	{FIELD_KEY("guessed"), .type = FT_BOOL, FMEMBER(S, guessed), .flags = F_OPT | F_ZERO,
	 .desc = "not listed: one of the Home Assistant Samba add-on's share names, tried because "
		 "the list was refused"},
	{FIELD_KEY("access"), .type = FT_ENUM, FMEMBER(S, access), .enm = &smb_access_enum,
	 .desc = "guest: an anonymous or guest session opened it; denied: both were refused; "
		 "error: something else failed"},
	{FIELD_KEY("error"), .type = FT_STR, .get = get_error, .flags = F_OPT,
	 .desc = "access error: why the share could not be opened"},
	{FIELD_KEY("session"), .type = FT_ENUM, .get = get_session, .flags = F_OPT,
	 .enm = &smb_session_enum, .desc = "access guest: the session that opened it"},
	{FIELD_KEY("entries"), .type = FT_UINT, .get = get_entries, .flags = F_OPT,
	 .desc = "access guest: directory entries seen (top level and the known subdirectories)"},
	{FIELD_KEY("files"), .type = FT_LIST, .get = get_files, .flags = F_OPT, .sub = &file_table,
	 .desc = "access guest: the Home Assistant files found (names and sizes only)"},
};
static const struct fblock share_table = {FIELDS(share_fields), .size = sizeof(S)};
#undef S

#define R struct smb_result
static const char refused_text[] = "refused: the host was not named (part of a range)";

static void get_refused(const void *o, const struct fdef *f, struct fval *v)
{
	v->s = (const uint8_t *)refused_text;
	v->n = sizeof(refused_text) - 1;
	v->absent = ((const R *)o)->secrets != SMB_SECRETS_REFUSED;
}

static void get_secrets_read(const void *o, const struct fdef *f, struct fval *v)
{
	const R *s = o;

	v->u = s->secrets_read;
	v->absent = s->secrets != SMB_SECRETS_READ;
}

static const struct fdef smb_fields[] = {
	{FIELD_KEY("share_listing"), .type = FT_ENUM, FMEMBER(R, listing), .enm = &smb_listing_enum,
	 .desc = "the session that could list the shares, or denied (then the Home Assistant "
		 "add-on's share names were tried)"},
	{FIELD_KEY("shares"), .type = FT_LIST, FMEMBER(R, shares.p), FCOUNT(R, shares.n),
	 .sub = &share_table, .desc = "every share listed or found, with what a session without "
				     "credentials got there"},
	{FIELD_KEY("read_secrets"), .type = FT_WORD, .get = get_refused, .flags = F_OPT,
	 .desc = "--read-secrets was refused: it reads only hosts named on the command line"},
	{FIELD_KEY("secrets_read"), .type = FT_UINT, .get = get_secrets_read, .flags = F_OPT,
	 .desc = "--read-secrets: files whose first bytes were read and classified (reported "
		 "redacted)"},
};

void smb_result_init(struct smb_result *s)
{
	memset(s, 0, sizeof(*s));
	vec_init(&s->shares, sizeof(struct smb_share), 8, SMB_RESULT_MAX_SHARES);
}

struct smb_share *smb_result_add_share(struct smb_result *s, const char *name)
{
	char *n = strdup(name);
	struct smb_share *sh = n ? vec_push(&s->shares) : NULL;

	if (!sh) {
		free(n);
		return NULL;
	}
	sh->name = n;
	return sh;
}

void smb_result_free(void *p)
{
	R *s = p;
	struct smb_share *sh = s->shares.p;

	for (size_t i = 0; i < s->shares.n; i++) {
		for (uint32_t k = 0; k < sh[i].nfiles; k++)
			free(sh[i].files[k].path);
		free(sh[i].files);
		free(sh[i].name);
		free(sh[i].error);
	}
	vec_free(&s->shares);
}

void smb_result_move(struct smb_result *dst, struct smb_result *src)
{
	smb_result_free(dst);
	*dst = *src;
	smb_result_init(src);
}

const struct fblock smb_table = {
	FBLOCK_KEY("smb"), FIELDS(smb_fields), .size = sizeof(R), .slot = RB_SLOT_TAIL,
	.rank = 40, .free = smb_result_free,
	.desc = "probe smb: the shares an anonymous or guest session lists and opens",
};
#undef R
