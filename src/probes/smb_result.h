/* What the SMB probe found (the record's "smb" block): how the share list was obtained,
 * each share with what an anonymous or guest session could do there (and, for a share that
 * opened, the Home Assistant files listed on it: names and sizes only), and what
 * --read-secrets did. Filled by probes/smb.c, described by smb_table; no libsmbclient here,
 * so tests and sinks use it without loading Samba.
 *
 * Share names and file paths are the server's bytes (C strings: the probe refuses names
 * with control bytes, '/' or '\'; anything else, not necessarily UTF-8, is kept and written
 * as "<name>_b64" when it is not text). File contents are never kept: what --read-secrets
 * reads goes to the classifier, which reports it redacted as findings. */
#ifndef MSW_SMB_RESULT_H
#define MSW_SMB_RESULT_H
#include <stdbool.h>
#include <stdint.h>
#include "base/record.h"

/* How the share list was obtained: which session listed smb://host/, or none could. */
enum smb_listing { SMB_LIST_ANONYMOUS, SMB_LIST_GUEST, SMB_LIST_DENIED, SMB_LIST__COUNT };
/* What a session without credentials got at one share. */
enum smb_access { SMB_ACCESS_GUEST, SMB_ACCESS_DENIED, SMB_ACCESS_ERROR, SMB_ACCESS__COUNT };
/* The session that opened a share. */
enum smb_session { SMB_SESSION_ANONYMOUS, SMB_SESSION_GUEST, SMB_SESSION__COUNT };
/* --read-secrets: not asked, refused (the host came from a range), done. */
enum smb_secrets { SMB_SECRETS_OFF, SMB_SECRETS_REFUSED, SMB_SECRETS_READ };

extern const struct fenum smb_listing_enum, smb_access_enum, smb_session_enum;

/* A Home Assistant file listed on a share. */
struct smb_file {
	char *path;             /* relative to the share ("dir/name"), the server's bytes */
	uint64_t size;          /* as the server reports it */
	const char *what;       /* what it holds: the probe's own static text */
};

struct smb_share {
	char *name;             /* the server's bytes */
	bool guessed;           /* not listed: one of the Home Assistant add-on's share names */
	enum smb_access access;
	char *error;            /* SMB_ACCESS_ERROR: strerror() of why, else NULL */
	enum smb_session session; /* SMB_ACCESS_GUEST only */
	uint32_t entries;       /* SMB_ACCESS_GUEST: directory entries seen (top level + subdirs) */
	struct smb_file *files; /* SMB_ACCESS_GUEST: nfiles of them */
	uint32_t nfiles;
};

#define SMB_RESULT_MAX_SHARES 64

struct smb_result {
	enum smb_listing listing;
	struct vec shares;      /* struct smb_share, at most SMB_RESULT_MAX_SHARES */
	enum smb_secrets secrets;
	uint32_t secrets_read;  /* SMB_SECRETS_READ: files read and handed to the classifier */
};

extern const struct fblock smb_table;

void smb_result_init(struct smb_result *s);
/* A new share at the end (zeroed, name copied), or NULL at the cap or out of memory. */
struct smb_share *smb_result_add_share(struct smb_result *s, const char *name);
/* Move src into dst (dst's old contents freed; src left empty and initialised). */
void smb_result_move(struct smb_result *dst, struct smb_result *src);
void smb_result_free(void *s);

#endif
