/* The SMB probe (issue 5, vector 3): anonymous and guest sessions only, via libsmbclient.
 *
 * libsmbclient blocks, so this is a run_blocking probe: the engine runs smb_run() on its
 * bounded worker pool with a hard deadline; every libsmbclient operation also has its own
 * timeout (smbc_setTimeout). Each job builds its own contexts, and jobs hold one process-
 * wide lock while they use libsmbclient: its globals (loadparm, talloc stack frames) are
 * only thread-safe after smbc_thread_posix(), which Debian's build does not export. Before
 * taking the lock a job checks with a plain non-blocking connect that the port answers, so
 * refused and filtered hosts never hold it; the lock is taken with a time limit so a job
 * that waited past its deadline gives up instead of running late.
 *
 * Steps: list the shares (anonymous, then guest); when listing is refused, try the Home
 * Assistant Samba add-on's share names directly. For each file share, open it as anonymous
 * then guest; a share that opens gets its top level (and a few known subdirectories)
 * listed and compared with the Home Assistant files below — names and sizes only. Only
 * with --read-secrets, and only for hosts the user named, the first few KB of the secret
 * files are read and handed to the classifier (cls_file), which reports them redacted.
 * Nothing is ever written. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "probes/smb_api.h"
#include "classify/classify.h"
#include "base/config.h"
#include "base/target.h"
#include "base/record.h"
#include "probes/probe.h"
#include "probes/smb_result.h"

/* libsmbclient is loaded on first use: every call goes through the loaded table (smb_run
 * checks that it loaded before anything else runs) */
#define SMB(f) (smb_api()->f)

#define SMB_MAX_SHARES 32
#define SMB_MAX_ENTRIES 512     /* directory entries read per directory */
#define SMB_READ_CAP 8192       /* --read-secrets: bytes read per file */
#define SMB_NAME_MAX 128
#define SMB_TIMEOUT_MS 5000

/* Home Assistant files worth knowing about (paths relative to a share). A pattern
 * starting with '*' matches a suffix (backups). */
struct ha_file {
	const char *path;
	const char *what;
	enum msw_severity severity;
	enum msw_category category;
	bool read;              /* --read-secrets reads it (text, small) */
};

static const struct ha_file ha_files[] = {
	{ "secrets.yaml", "plain-text passwords and API keys", SEV_CRITICAL, CAT_CREDENTIAL, true },
	{ "configuration.yaml", "configuration: inline passwords, home coordinates", SEV_HIGH,
	  CAT_CREDENTIAL, true },
	{ ".storage/auth", "refresh tokens and their JWT keys (mint admin API tokens)", SEV_CRITICAL,
	  CAT_CREDENTIAL, true },
	{ ".storage/auth_provider.homeassistant", "user names and password hashes", SEV_CRITICAL,
	  CAT_CREDENTIAL, true },
	{ ".storage/core.config_entries", "integration credentials: MQTT password, tokens, webhook secrets",
	  SEV_CRITICAL, CAT_CREDENTIAL, true },
	{ ".storage/core.config", "home coordinates", SEV_HIGH, CAT_LOCATION, true },
	{ "known_devices.yaml", "names and MAC addresses of the household's phones and laptops",
	  SEV_MEDIUM, CAT_DEVICE_INVENTORY, true },
	{ "home-assistant_v2.db", "full state history, positions included", SEV_CRITICAL,
	  CAT_LOCATION, true },   /* the first 8 KiB: enough for the classifier to confirm it */
	{ "zigbee2mqtt/configuration.yaml", "the Zigbee network key and the MQTT password",
	  SEV_CRITICAL, CAT_NETWORK_KEY, true },
	{ "esphome/secrets.yaml", "Wi-Fi passwords and device API keys", SEV_CRITICAL,
	  CAT_CREDENTIAL, true },
	{ "privkey.pem", "the TLS private key", SEV_CRITICAL, CAT_CREDENTIAL, true },
	{ "*.tar", "a full Home Assistant backup (every secret above)", SEV_CRITICAL, CAT_CREDENTIAL,
	  false },
};
#define N_HA_FILES (sizeof(ha_files) / sizeof(ha_files[0]))

/* Subdirectories listed one level down. */
static const char *const ha_dirs[] = { ".storage", "zigbee2mqtt", "esphome", "backup", "backups" };

/* Share names of the Home Assistant Samba add-on, tried when listing is refused. */
static const char *const ha_shares[] = {
	"config", "homeassistant", "backup", "share", "ssl", "addons", "addon_configs",
	"local_apps", "app_configs", "media",
};

struct found {
	char path[2 * SMB_NAME_MAX + 2];
	uint64_t size;
	const struct ha_file *kind;
};

struct smb_job {
	struct pctx *c;
	SMBCCTX *ctx[2];        /* [0] anonymous, [1] guest (created lazily) */
	char base[200];         /* smb://host[:port] */
	uint16_t port;
	bool answered;          /* the server spoke SMB to us at least once */
	int conn_errno;         /* first connection-level errno */
	unsigned secrets_read;
	struct smb_result res;  /* the record's smb block, attached when the server answered */
};

static char guest_marker;

static void auth_fn(SMBCCTX *ctx, const char *srv, const char *shr, char *wg, int wglen,
		    char *un, int unlen, char *pw, int pwlen)
{
	bool guest = SMB(smbc_getOptionUserData)(ctx) == &guest_marker;
	(void)wg;
	(void)wglen;
	snprintf(un, (size_t)unlen, "%s", guest ? "guest" : "");
	snprintf(pw, (size_t)pwlen, "%s", "");
}

static pthread_mutex_t smb_lock = PTHREAD_MUTEX_INITIALIZER;

static SMBCCTX *ctx_new(const struct msw_config *cfg, uint16_t port, bool guest)
{
	SMBCCTX *ctx = SMB(smbc_new_context)();
	if (!ctx)
		return NULL;
	uint32_t to = cfg->io_timeout_ms ? cfg->io_timeout_ms : SMB_TIMEOUT_MS;
	SMB(smbc_setDebug)(ctx, 0);
	SMB(smbc_setOptionUseKerberos)(ctx, 0);
	SMB(smbc_setOptionFallbackAfterKerberos)(ctx, 1);
	SMB(smbc_setOptionUseCCache)(ctx, 0);
	SMB(smbc_setOptionNoAutoAnonymousLogin)(ctx, guest);
	SMB(smbc_setOptionUserData)(ctx, guest ? &guest_marker : NULL);
	SMB(smbc_setFunctionAuthDataWithContext)(ctx, auth_fn);
	SMB(smbc_setTimeout)(ctx, (int)(to > 30000 ? 30000 : to));
	SMB(smbc_setPort)(ctx, port == 445 ? 0 : port);
	if (!SMB(smbc_init_context)(ctx)) {
		SMB(smbc_free_context)(ctx, 1);
		return NULL;
	}
	return ctx;
}

static SMBCCTX *job_ctx(struct smb_job *j, int which)
{
	if (!j->ctx[which])
		j->ctx[which] = ctx_new(j->c->cfg, j->port, which == 1);
	return j->ctx[which];
}

/* Errors that mean "no SMB conversation happened" rather than "the server said no". */
static bool conn_level(int e)
{
	return e == ECONNREFUSED || e == ETIMEDOUT || e == EHOSTUNREACH || e == ENETUNREACH ||
	       e == ECONNRESET || e == EPIPE;
}

/* Errors that can only come from an SMB server answering (success, access denied, no such
 * share) mark the host as speaking SMB; others are kept for the record's status. */
static void note_errno(struct smb_job *j, int e)
{
	if (e == 0 || e == EACCES || e == EPERM || e == ENOENT || e == ENODEV || e == ENOTDIR)
		j->answered = true;
	else if (!j->conn_errno)
		j->conn_errno = e;
}

/* A name from the network that we are willing to put in a URL and a record. */
static bool name_ok(const char *n)
{
	size_t l = strlen(n);
	if (l == 0 || l >= SMB_NAME_MAX || strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
		return false;
	for (const unsigned char *p = (const unsigned char *)n; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\')
			return false;
	return true;
}

/* smb://host[:port]/share[/a[/b]] with each component URL-encoded. */
static bool make_url(const struct smb_job *j, const char *share, const char *a, const char *b,
		     char *out, size_t n)
{
	char es[3 * SMB_NAME_MAX + 1] = "", ea[3 * SMB_NAME_MAX + 1] = "", eb[3 * SMB_NAME_MAX + 1] = "";
	if (share)
		SMB(smbc_urlencode)(es, (char *)share, (int)sizeof(es));
	if (a)
		SMB(smbc_urlencode)(ea, (char *)a, (int)sizeof(ea));
	if (b)
		SMB(smbc_urlencode)(eb, (char *)b, (int)sizeof(eb));
	int k = snprintf(out, n, "%s/%s%s%s%s%s", j->base, es, a ? "/" : "", ea, b ? "/" : "", eb);
	return k > 0 && (size_t)k < n;
}

static const struct ha_file *match_file(const char *rel)
{
	const char *base = strrchr(rel, '/');
	base = base ? base + 1 : rel;
	for (size_t i = 0; i < N_HA_FILES; i++) {
		const char *p = ha_files[i].path;
		if (p[0] == '*') {
			size_t bl = strlen(base), sl = strlen(p + 1);
			if (bl > sl && strcasecmp(base + bl - sl, p + 1) == 0)
				return &ha_files[i];
		} else if (strcasecmp(rel, p) == 0) {
			return &ha_files[i];
		}
	}
	return NULL;
}

static bool is_ha_dir(const char *name)
{
	for (size_t i = 0; i < sizeof(ha_dirs) / sizeof(ha_dirs[0]); i++)
		if (strcasecmp(name, ha_dirs[i]) == 0)
			return true;
	return false;
}

struct listing {
	struct found *f;
	size_t nf, cap;
	char subdirs[sizeof(ha_dirs) / sizeof(ha_dirs[0])][SMB_NAME_MAX];
	size_t nsub;
	unsigned entries;
};

static void take_entry(struct listing *l, const char *dir, const struct libsmb_file_info *fi)
{
	bool isdir = fi->attrs & 0x10;  /* FILE_ATTRIBUTE_DIRECTORY */
	if (!fi->name || !name_ok(fi->name))
		return;
	l->entries++;
	if (isdir) {
		if (!dir && is_ha_dir(fi->name) && l->nsub < sizeof(l->subdirs) / sizeof(l->subdirs[0]))
			snprintf(l->subdirs[l->nsub++], SMB_NAME_MAX, "%s", fi->name);
		return;
	}
	char rel[sizeof(l->f[0].path)];
	snprintf(rel, sizeof(rel), "%s%s%s", dir ? dir : "", dir ? "/" : "", fi->name);
	const struct ha_file *k = match_file(rel);
	if (!k || l->nf >= l->cap)
		return;
	struct found *f = &l->f[l->nf++];
	snprintf(f->path, sizeof(f->path), "%s", rel);
	f->size = fi->size;
	f->kind = k;
}

/* List share[/dir]; returns 0 or an errno. */
static int list_dir(struct smb_job *j, SMBCCTX *ctx, const char *share, const char *dir,
		    struct listing *l)
{
	char url[1024];
	if (!make_url(j, share, dir, NULL, url, sizeof(url)))
		return ENAMETOOLONG;
	errno = 0;
	SMBCFILE *d = SMB(smbc_getFunctionOpendir)(ctx)(ctx, url);
	if (!d)
		return errno ? errno : EIO;
	const struct libsmb_file_info *fi;
	unsigned n = 0;
	while (n++ < SMB_MAX_ENTRIES && (fi = SMB(smbc_getFunctionReaddirPlus)(ctx)(ctx, d)))
		take_entry(l, dir, fi);
	SMB(smbc_getFunctionClosedir)(ctx)(ctx, d);
	return 0;
}

/* Read the first SMB_READ_CAP bytes of a file and hand them to the classifier. */
static void read_secret(struct smb_job *j, SMBCCTX *ctx, const char *share, const struct found *f)
{
	char url[1024], dir[SMB_NAME_MAX + 1];
	const char *slash = strchr(f->path, '/');
	bool ok;
	if (slash) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - f->path), f->path);
		ok = make_url(j, share, dir, slash + 1, url, sizeof(url));
	} else {
		ok = make_url(j, share, f->path, NULL, url, sizeof(url));
	}
	if (!ok)
		return;
	SMBCFILE *fh = SMB(smbc_getFunctionOpen)(ctx)(ctx, url, O_RDONLY, 0);
	if (!fh)
		return;
	uint8_t *buf = malloc(SMB_READ_CAP);
	size_t len = 0;
	while (buf && len < SMB_READ_CAP) {
		ssize_t k = SMB(smbc_getFunctionRead)(ctx)(ctx, fh, buf + len, SMB_READ_CAP - len);
		if (k <= 0)
			break;
		len += (size_t)k;
	}
	SMB(smbc_getFunctionClose)(ctx)(ctx, fh);
	if (buf && len) {
		char name[sizeof(f->path) + SMB_NAME_MAX + 2];
		snprintf(name, sizeof(name), "%s/%s", share, f->path);
		cls_file(j->c->cls, name, buf, len);
		j->secrets_read++;
	}
	if (buf)
		explicit_bzero(buf, SMB_READ_CAP);
	free(buf);
}

static bool may_read_secrets(const struct smb_job *j)
{
	return j->c->cfg->read_secrets && j->c->target->named && j->c->cls;
}

/* --- findings --- */

static void size_text(uint64_t n, char *buf, size_t sz)
{
	if (n < 1024)
		snprintf(buf, sz, "%llu B", (unsigned long long)n);
	else if (n < 1024 * 1024)
		snprintf(buf, sz, "%.1f KB", (double)n / 1024);
	else
		snprintf(buf, sz, "%.1f MB", (double)n / (1024 * 1024));
}

/* s for the inside of a single-quoted shell word: share and file names come from the
 * server, and a ' in one must not end the quoting of the reproduce command line. */
static void shell_sq(const char *s, char *out, size_t n)
{
	size_t k = 0;
	for (; *s && k + 5 < n; s++) {
		if (*s == '\'') {
			memcpy(out + k, "'\\''", 4);
			k += 4;
		} else {
			out[k++] = *s;
		}
	}
	out[k] = 0;
}

static void reproduce(const struct smb_job *j, const char *share, const char *session,
		      const char *cmd, char *buf, size_t n)
{
	char port[16] = "", qs[4 * SMB_NAME_MAX + 1], qc[4 * 300 + 1];
	if (j->port != 445)
		snprintf(port, sizeof(port), " -p %u", (unsigned)j->port);
	shell_sq(share, qs, sizeof(qs));
	shell_sq(cmd, qc, sizeof(qc));
	int w = snprintf(buf, n, "smbclient %s '//%s/%s'%s -c '%s'",
			 strcmp(session, "guest") == 0 ? "-U 'guest%'" : "-N", j->c->target->ip, qs,
			 port, qc);
	if (w < 0 || (size_t)w >= n)
		buf[0] = 0; /* cut off mid-quote it would mislead: no line rather than half one */
}

static void add(struct smb_job *j, const char *id, enum msw_category cat, enum msw_severity sev,
		enum msw_confidence conf, int cwe, const char *title, const char *ev, const char *rem,
		const char *rep)
{
	struct msw_finding f = {
		.id = (char *)id, .category = cat, .severity = sev, .confidence = conf, .cwe = cwe,
		.title = (char *)title, .evidence = (char *)ev, .remediation = (char *)rem,
		.reproduce = (char *)rep,
	};
	record_add_finding(j->c->rec, &f);
}

#define REM_SHARE "Turn guest access off (guest ok = no, map to guest = Never, restrict anonymous = 2), " \
	"require a strong password for the share and allow only the local network (hosts allow)."
#define REM_SECRETS REM_SHARE " Then rotate every secret the listed files hold: MQTT and integration " \
	"passwords, tokens, webhook secrets, and the Zigbee network key."

static void file_findings(struct smb_job *j, const char *share, const char *session,
			  const struct listing *l)
{
	for (size_t i = 0; i < l->nf; i++) {
		const struct found *f = &l->f[i];
		char title[512], ev[512], rep[700], sz[32], cmd[300];
		size_text(f->size, sz, sizeof(sz));
		snprintf(title, sizeof(title), "'%s' on SMB share '%s' is readable without a password: %s",
			 f->path, share, f->kind->what);
		snprintf(ev, sizeof(ev), "listed as %s: %s (%s)", session, f->path, sz);
		snprintf(cmd, sizeof(cmd), "allinfo \"%s\"", f->path);
		reproduce(j, share, session, cmd, rep, sizeof(rep));
		add(j, "smb.ha_file", f->kind->category, f->kind->severity, CONF_INFERRED, 552, title, ev,
		    REM_SECRETS, rep);
	}
}

static void share_findings(struct smb_job *j, const char *share, const char *session,
			   const struct listing *l)
{
	char title[300], ev[600], rep[600];
	reproduce(j, share, session, "ls", rep, sizeof(rep));
	if (!l->nf) {
		snprintf(title, sizeof(title), "SMB share '%s' opens without a password", share);
		snprintf(ev, sizeof(ev), "opened as %s; %u entries at the top level; no Home Assistant "
			 "files recognised", session, l->entries);
		add(j, "smb.guest_share", CAT_FILE_SHARE, SEV_MEDIUM, CONF_CONFIRMED, 306, title, ev,
		    REM_SHARE, rep);
		return;
	}
	snprintf(title, sizeof(title), "Anyone can read your Home Assistant secrets: SMB share '%s' "
		 "opens without a password", share);
	size_t k = (size_t)snprintf(ev, sizeof(ev), "opened as %s; ", session);
	for (size_t i = 0; i < l->nf && k < sizeof(ev); i++) {
		char sz[32];
		size_text(l->f[i].size, sz, sizeof(sz));
		k += (size_t)snprintf(ev + k, sizeof(ev) - k, "%s%s (%s)", i ? ", " : "", l->f[i].path, sz);
	}
	add(j, "smb.ha_files", CAT_FILE_SHARE, SEV_CRITICAL, CONF_CONFIRMED, 552, title, ev,
	    REM_SECRETS, rep);
	file_findings(j, share, session, l);
}

static void denied_finding(struct smb_job *j, const char *share)
{
	char title[300], ev[200], rep[600];
	snprintf(title, sizeof(title), "SMB share '%s' requires a password", share);
	snprintf(ev, sizeof(ev), "anonymous and guest sessions were refused access to '%s'", share);
	reproduce(j, share, "anonymous", "ls", rep, sizeof(rep));
	add(j, "smb.protected_share", CAT_FILE_SHARE, SEV_INFO, CONF_CONFIRMED, 0, title, ev,
	    "Keep the password; make sure it is not a default or shared one.", rep);
}

/* --- shares --- */

/* The listing's files into the share's record (paths copied; as many as memory allows). */
static void keep_files(struct smb_share *sh, const struct listing *l)
{
	if (!l->nf || !(sh->files = calloc(l->nf, sizeof(*sh->files))))
		return;
	for (size_t i = 0; i < l->nf; i++) {
		struct smb_file *f = &sh->files[sh->nfiles];
		if (!(f->path = strdup(l->f[i].path)))
			break;
		f->size = l->f[i].size;
		f->what = l->f[i].kind->what;
		sh->nfiles++;
	}
}

/* Open share as anonymous, then guest. Returns the session that worked or NULL (*err). */
static const char *open_share(struct smb_job *j, const char *share, struct listing *l, int *err,
			      SMBCCTX **used)
{
	*err = 0;
	for (int which = 0; which < 2; which++) {
		SMBCCTX *ctx = job_ctx(j, which);
		if (!ctx)
			continue;
		l->nf = l->nsub = l->entries = 0;
		int rc = list_dir(j, ctx, share, NULL, l);
		note_errno(j, rc);
		if (!rc) {
			*used = ctx;
			return which ? "guest" : "anonymous";
		}
		*err = rc;
		if (conn_level(rc) || rc == ENOENT || rc == ENODEV)
			break;
	}
	return NULL;
}

static void process_share(struct smb_job *j, const char *share, bool guessed)
{
	struct found f[48];
	struct listing l = { .f = f, .cap = sizeof(f) / sizeof(f[0]) };
	SMBCCTX *ctx = NULL;
	int err;
	const char *session = open_share(j, share, &l, &err, &ctx);
	if (!session && (guessed && (err == ENOENT || err == ENODEV || conn_level(err))))
		return;  /* a guessed name that does not exist */
	struct smb_share *sh = smb_result_add_share(&j->res, share);
	if (sh)
		sh->guessed = guessed;
	if (!session) {
		bool denied = err == EACCES || err == EPERM;
		if (sh) {
			sh->access = denied ? SMB_ACCESS_DENIED : SMB_ACCESS_ERROR;
			sh->error = denied ? NULL : strdup(strerror(err));
		}
		if (denied)
			denied_finding(j, share);
		return;
	}
	for (size_t i = 0; i < l.nsub; i++)
		list_dir(j, ctx, share, l.subdirs[i], &l);
	if (sh) {
		sh->access = SMB_ACCESS_GUEST;
		sh->session = strcmp(session, "guest") ? SMB_SESSION_ANONYMOUS : SMB_SESSION_GUEST;
		sh->entries = l.entries;
		keep_files(sh, &l);
	}
	share_findings(j, share, session, &l);
	if (!may_read_secrets(j))
		return;
	for (size_t i = 0; i < l.nf; i++)
		if (l.f[i].kind->read)
			read_secret(j, ctx, share, &l.f[i]);
}

/* Share names from smb://host/ (anonymous, then guest). Returns 0 or an errno. */
static int list_shares(struct smb_job *j, char (*names)[SMB_NAME_MAX], size_t *n,
		       const char **session)
{
	int err = EIO;
	char url[256];
	snprintf(url, sizeof(url), "%s/", j->base);
	for (int which = 0; which < 2; which++) {
		SMBCCTX *ctx = job_ctx(j, which);
		if (!ctx)
			continue;
		errno = 0;
		SMBCFILE *d = SMB(smbc_getFunctionOpendir)(ctx)(ctx, url);
		if (!d) {
			err = errno ? errno : EIO;
			note_errno(j, err);
			if (conn_level(err))
				return err;
			continue;
		}
		j->answered = true;
		struct smbc_dirent *de;
		unsigned k = 0;
		while (k++ < SMB_MAX_ENTRIES && *n < SMB_MAX_SHARES &&
		       (de = SMB(smbc_getFunctionReaddir)(ctx)(ctx, d)))
			if (de->smbc_type == SMBC_FILE_SHARE && name_ok(de->name))
				snprintf(names[(*n)++], SMB_NAME_MAX, "%s", de->name);
		SMB(smbc_getFunctionClosedir)(ctx)(ctx, d);
		*session = which ? "guest" : "anonymous";
		return 0;
	}
	return err;
}

static void set_base(struct smb_job *j)
{
	const struct msw_target *t = j->c->target;
	bool v6 = strchr(t->ip, ':') != NULL;
	char port[16] = "";
	if (j->port != 445)
		snprintf(port, sizeof(port), ":%u", (unsigned)j->port);
	snprintf(j->base, sizeof(j->base), v6 ? "smb://[%s]%s" : "smb://%s%s", t->ip, port);
}

/* SMB access without credentials, from the record's smb block (build_record): "open" (a
 * share could be opened), "listing_only" (shares listed, none opened), "login_required"
 * (nothing without credentials), "unknown" (no block: the server did not answer). */
static const char *smb_summarize(const struct msw_record *r)
{
	const struct smb_result *s = record_block(r, &smb_table);
	const struct smb_share *sh;

	if (!s)
		return "unknown";
	sh = s->shares.p;
	for (size_t i = 0; i < s->shares.n; i++)
		if (sh[i].access == SMB_ACCESS_GUEST)
			return "open";
	return s->listing != SMB_LIST_DENIED ? "listing_only" : "login_required";
}

/* The smb block, attached to the record (the server answered). */
static void build_record(struct smb_job *j, const char *enumeration)
{
	struct smb_result *s = record_block_new(j->c->rec, &smb_table);

	if (!s)
		return;
	smb_result_move(s, &j->res);
	s->listing = !strcmp(enumeration, "anonymous") ? SMB_LIST_ANONYMOUS
		     : !strcmp(enumeration, "guest")   ? SMB_LIST_GUEST
						       : SMB_LIST_DENIED;
	if (j->c->cfg->read_secrets) {
		s->secrets = j->c->target->named ? SMB_SECRETS_READ : SMB_SECRETS_REFUSED;
		s->secrets_read = j->secrets_read;
	}
}

static msw_err smb_status(struct smb_job *j)
{
	struct msw_record *r = j->c->rec;
	if (j->answered) {
		r->status = ST_SUCCESS;
		return MSW_OK;
	}
	int e = j->conn_errno;
	if (e == ECONNREFUSED) {
		r->status = ST_CONNECTION_REFUSED;
		return MSW_ERR_REFUSED;
	}
	if (e == ETIMEDOUT || e == EHOSTUNREACH || e == ENETUNREACH) {
		r->status = ST_CONNECTION_TIMEOUT;
		return MSW_ERR_TIMEOUT;
	}
	r->status = ST_PROTOCOL_ERROR;
	record_set_error(r, "no SMB answer: %s", e ? strerror(e) : "unknown error");
	return MSW_ERR_PROTOCOL;
}

/* Does ip:port accept TCP within timeout_ms? 0, or an errno (ECONNREFUSED, ETIMEDOUT). */
static int tcp_check(const struct msw_target *t, uint16_t port, uint32_t timeout_ms)
{
	struct sockaddr_storage sa = t->sa;
	if (sa.ss_family == AF_INET)
		((struct sockaddr_in *)&sa)->sin_port = htons(port);
	else if (sa.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&sa)->sin6_port = htons(port);
	else
		return EAFNOSUPPORT;
	int fd = socket(sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	int err = 0;
	if (connect(fd, (struct sockaddr *)&sa, t->salen) < 0) {
		err = errno;
		if (err == EINPROGRESS) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };
			int k = poll(&p, 1, (int)timeout_ms);
			socklen_t l = sizeof(err);
			err = k == 0 ? ETIMEDOUT : k < 0 ? errno : 0;
			if (k > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) < 0)
				err = errno;
		}
	}
	close(fd);
	return err;
}

static int reachable(const struct pctx *c)
{
	uint32_t to = c->cfg->connect_timeout_ms ? c->cfg->connect_timeout_ms : SMB_TIMEOUT_MS;
	int e = tcp_check(c->target, c->target->port, to);
	if (e == ECONNREFUSED && c->target->port == 445)
		e = tcp_check(c->target, 139, to);  /* libsmbclient falls back to 139 too */
	return e;
}

static bool lock_smb(const struct pctx *c)
{
	struct timespec ts;
	uint32_t ms = c->cfg->host_timeout_ms ? c->cfg->host_timeout_ms : 60000;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_mutex_timedlock(&smb_lock, &ts) == 0;
}

static msw_err smb_job_locked(struct pctx *c);

static msw_err smb_run(struct pctx *c)
{
	if (!smb_api()) {
		c->rec->status = ST_UNKNOWN_ERROR;
		record_set_error(c->rec, "SMB probe unavailable: %s", smb_api_error());
		return MSW_ERR_INTERNAL;
	}
	int e = reachable(c);
	if (e) {
		struct smb_job j = { .c = c, .conn_errno = e };
		return smb_status(&j);
	}
	if (!lock_smb(c)) {
		c->rec->status = ST_IO_TIMEOUT;
		record_set_error(c->rec, "waited too long for the SMB worker");
		return MSW_ERR_TIMEOUT;
	}
	msw_err rc = smb_job_locked(c);
	pthread_mutex_unlock(&smb_lock);
	return rc;
}

static msw_err smb_job_locked(struct pctx *c)
{
	struct smb_job j = { .c = c, .port = c->target->port };
	char (*list)[SMB_NAME_MAX] = calloc(SMB_MAX_SHARES, SMB_NAME_MAX);
	if (!list)
		return MSW_ERR_NOMEM;
	set_base(&j);
	smb_result_init(&j.res);
	size_t n = 0;
	const char *session = "denied";
	int rc = list_shares(&j, list, &n, &session);
	if (!rc) {
		for (size_t i = 0; i < n; i++)
			process_share(&j, list[i], false);
	} else if (j.answered) {
		for (size_t i = 0; i < sizeof(ha_shares) / sizeof(ha_shares[0]); i++)
			process_share(&j, ha_shares[i], true);
	}
	free(list);
	msw_err st = smb_status(&j);
	if (j.answered)
		build_record(&j, session);
	smb_result_free(&j.res);
	for (int i = 0; i < 2; i++)
		if (j.ctx[i])
			SMB(smbc_free_context)(j.ctx[i], 1);
	return st;
}

static size_t smb_host_ports(const struct msw_config *cfg, struct port_spec *out, size_t max)
{
	size_t n = 0;
	/* 445 only: for port 445 libsmbclient is given port 0, which tries 445 then 139 */
	if (n < max)
		out[n++] = (struct port_spec){ .port = 445, .transport = TRANSPORT_TCP, .probe = &probe_smb };
	if (cfg->smb_port && cfg->smb_port != 445 && cfg->smb_port <= 65535 && n < max)
		out[n++] = (struct port_spec){ .port = (uint16_t)cfg->smb_port,
					       .transport = TRANSPORT_TCP, .probe = &probe_smb };
	return n;
}

const struct probe probe_smb = {
	.name = "smb",
	.default_port = 445,
	.state_size = 0,
	.run_blocking = smb_run,
	.host_ports = smb_host_ports,
	.summarize = smb_summarize,
	.help = "SMB shares a guest can open, and Home Assistant files on them (names and sizes; "
		"--read-secrets reads a few KB of secret files on named hosts, redacted).",
};

/* libsmbclient keeps process-wide talloc state (loadparm, its global context) until exit,
 * which LeakSanitizer reports in every sanitizer run that talked to an SMB server. It is
 * not ours to free: suppress exactly those libraries. (LeakSanitizer calls this hook when
 * present; in other builds it is an unused function.) */
const char *__lsan_default_suppressions(void);
__attribute__((used, visibility("default"))) const char *__lsan_default_suppressions(void)
{
	return "leak:libtalloc.so\nleak:libsmbclient.so\nleak:libsmbconf.so\nleak:libsamba-util.so\n";
}
