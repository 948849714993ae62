/* `mqttsweep lint`: reads a broker's configuration the way Mosquitto does and reports
 * what an outsider could use, each finding at the file and line that causes it, with the
 * fix.
 *
 * The pieces: mconf.c (mosquitto.conf lines, pure), macl.c (ACL and password files, pure),
 * lint_model.c (files -> the listeners and security settings Mosquitto would end up with,
 * following include_dir and per_listener_settings as Mosquitto 2.0 (or 1.6) does),
 * lint_addon.c (the Home Assistant Mosquitto add-on's options -> the configuration the
 * add-on generates), lint_rules.c (the rule table, data, and the checks), lint_out.c (text
 * and SARIF 2.1.0), lint_main.c (the command line). */
#ifndef MSW_LINT_H
#define MSW_LINT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "app/macl.h"
#include "app/mconf.h"
#include "base/vec.h"
#include "output/record.h"

enum lint_ver { LV_2_0, LV_1_6 };

#define LINT_MAX_FILES    256u   /* configuration files (main + include_dir) */
#define LINT_MAX_LISTENERS 1024u
#define LINT_MAX_FINDINGS 4096u

struct lloc {
	uint16_t file;   /* index into lint_ctx.files */
	uint32_t line;   /* 1-based; 0 = the file as a whole */
};

/* Authentication and access settings: one set for the whole broker, or one per listener
 * with per_listener_settings true. */
struct lsec {
	int anon;                    /* allow_anonymous: -1 unset, 0, 1 */
	struct lloc anon_at;
	const char *password_file, *acl_file, *psk_file;
	struct lloc pw_at, acl_at, psk_at;
	unsigned plugins;            /* auth_plugin / plugin lines */
	struct lloc plugin_at;
	bool zero_len_off;           /* allow_zero_length_clientid false */
};

enum lkind { LK_EXPLICIT, LK_DEFAULT, LK_LOCAL_ONLY };

struct llistener {
	enum lkind kind;
	struct lloc at;              /* listener line; for the default listener the port or
					bind_address line, else the first setting that made
					Mosquitto create it */
	unsigned port;
	const char *host;            /* NULL: every address */
	bool unix_socket;
	bool websockets;
	struct lloc proto_at;
	int socket_domain;           /* 0 both, 4, 6 */
	const char *bind_interface;
	const char *certfile, *keyfile, *cafile, *capath;
	struct lloc cert_at, key_at;
	bool require_certificate, use_identity;
	const char *psk_hint;
	struct lsec sec;             /* used when per_listener_settings is true */
	bool touched;                /* default listener: a setting that creates it was given */
	struct lloc touched_at;
	const char *touched_key;
	bool has_port_line;          /* default listener: port or bind_address given */
};

/* Things noticed while reading, in file order, that a rule may report. */
enum lnote_kind {
	LN_SYNTAX,            /* a line Mosquitto refuses (text says why) */
	LN_INLINE_COMMENT,    /* " #" inside a string option's value */
	LN_DUPLICATE,         /* a string option given twice in one scope */
	LN_SEC_IGNORED,       /* security option before per_listener_settings true */
	LN_SEC_GLOBAL,        /* security option under a listener, per_listener_settings false */
	LN_SEC_TO_DEFAULT,    /* per_listener_settings true, option before a listener line */
	LN_NESTED_INCLUDE,    /* include_dir in an included file: ignored */
	LN_INCLUDE_MISSING,   /* include_dir that cannot be read */
	LN_SEC_CANDIDATE,     /* broker-wide security option: LN_SEC_IGNORED if
				 per_listener_settings true comes later */
};

struct lnote {
	enum lnote_kind kind;
	struct lloc at;
	char key[MCONF_KEY_MAX];
	const char *why;      /* static text (LN_SYNTAX) */
};

struct lint_finding {
	size_t rule;                 /* index into lint_rules[] */
	enum msw_severity sev;
	struct lloc at;
	char *msg;                   /* malloc'ed, plain text */
};

struct lint_ctx {
	/* settings */
	enum lint_ver ver;
	const char *share_dir;       /* the add-on's /share on this machine */
	bool no_io;                  /* read nothing but the buffers given (fuzzing, tests):
					include_dir is not followed, no file is opened or
					stat'ed */

	/* input */
	char *files[LINT_MAX_FILES];
	struct mconf confs[LINT_MAX_FILES];
	size_t nfiles;

	/* the model */
	bool per_listener;
	struct lloc per_listener_at;
	bool local_only;             /* no listener, port or bind_address (2.0) */
	struct lsec global;
	struct llistener deflt;      /* the implicit default listener (port, bind_address...) */
	struct vec ls;               /* struct llistener: explicit listeners in file order */
	struct vec eff;              /* struct llistener: what Mosquitto would listen on */
	bool persistence;
	struct lloc persistence_at;
	const char *persistence_location, *persistence_file;
	int sys_interval;            /* -1 unset (10 s) */
	struct lloc sys_at;
	bool addon;                  /* the configuration is the HA add-on's */
	struct lloc addon_at;        /* the options file (for findings about the add-on) */
	const char *addon_folder;    /* the customize folder (in /share terms) or NULL */

	struct vec notes;            /* struct lnote */

	/* output */
	struct vec findings;         /* struct lint_finding */
	bool truncated;
};

static inline struct lint_finding *lint_findings(const struct lint_ctx *c)
{
	return c->findings.p;
}
static inline struct lnote *lint_notes(const struct lint_ctx *c)
{
	return c->notes.p;
}
static inline struct llistener *lint_ls(const struct lint_ctx *c)
{
	return c->ls.p;
}
static inline struct llistener *lint_eff(const struct lint_ctx *c)
{
	return c->eff.p;
}

struct lint_rule {
	const char *id;              /* stable, e.g. "listener-anonymous" */
	const char *name;            /* CamelCase name for SARIF */
	enum msw_severity sev;       /* default severity (a check may raise or lower it) */
	const char *summary;         /* one line */
	const char *why;             /* what it means and why it matters */
	const char *fix;             /* how to fix it */
	const char *source;          /* where the behaviour is documented or observed */
};
extern const struct lint_rule lint_rules[];
extern const size_t lint_nrules;

void lint_init(struct lint_ctx *c, enum lint_ver ver, const char *share_dir);
void lint_free(struct lint_ctx *c);

/* Read PATH (a mosquitto.conf, an add-on options file or a customize folder) and build the
 * model. Returns MSW_OK, or an error with a message in err (file unreadable, too big). */
msw_err lint_load(struct lint_ctx *c, const char *path, char *err, size_t errn);

/* Building blocks used by lint_load and the add-on reader. */
msw_err lint_add_file(struct lint_ctx *c, const char *name, const char *buf, size_t len,
		      size_t *idx);
msw_err lint_read_file(const char *path, size_t cap, char **buf, size_t *len);
void lint_process(struct lint_ctx *c, size_t file, int level);
void lint_finish_model(struct lint_ctx *c);
/* A path as the broker would open it, mapped onto this machine (/share/... under
 * --share for the add-on). Returns buf. */
const char *lint_local_path(const struct lint_ctx *c, const char *path, char *buf, size_t n);

/* The add-on: an options file (JSON, or YAML in the add-on's own shape). */
bool lint_is_addon_options(const char *path, const char *buf, size_t len);
msw_err lint_load_addon(struct lint_ctx *c, const char *path, const char *buf, size_t len,
			char *err, size_t errn);
/* A customize folder on its own: the add-on's generated configuration with default
 * options, then the folder. */
msw_err lint_load_addon_folder(struct lint_ctx *c, const char *dir, char *err, size_t errn);

/* Run every check; findings sorted worst first, then by file and line. */
void lint_check(struct lint_ctx *c);
void lint_report(struct lint_ctx *c, size_t rule, enum msw_severity sev, struct lloc at,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

int lint_write_text(FILE *f, const struct lint_ctx *c);
int lint_write_sarif(FILE *f, struct lint_ctx *const *cs, size_t n);

/* mqttsweep lint ...: the command. */
int lint_main(int argc, char **argv);

#endif
