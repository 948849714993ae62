/* From configuration files to what Mosquitto would run: which listeners, on which
 * addresses, with which authentication and access settings.
 *
 * Mosquitto reads its file top to bottom with a "current listener" that starts as the
 * implicit default listener in EVERY file (include_dir files too) and moves to each new
 * `listener` line. Security options (allow_anonymous, password_file, acl_file, psk_file,
 * auth_plugin/plugin, allow_zero_length_clientid) go to the current listener when
 * per_listener_settings is true AT THAT LINE, else to one broker-wide set; listener
 * options (TLS files, protocol, socket_domain, bind_interface, mount_point, ...) always go
 * to the current listener. The default listener is started when `port`/`bind_address`
 * was given or any listener option landed on it. At the end (2.0): no listener, port or
 * bind_address means "local only" (127.0.0.1 and ::1, anonymous allowed); otherwise an
 * unset allow_anonymous becomes false, except on a default listener made under
 * per_listener_settings true, which copies it after that step (still unset; observed with
 * 2.0.11 to accept anonymous clients). 1.6: no local-only mode (no listener = port 1883 on
 * every address) and an unset allow_anonymous becomes true unless a password file, PSK
 * file or plugin is set in the same scope. Read from Mosquitto's conf.c (1.6.15, 2.0.11)
 * and checked against 2.0.11; see docs/lint.md. */
#define _GNU_SOURCE
#include "app/lint.h"
#include <dirent.h>
#include <errno.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Every name Mosquitto 2.0 accepts (conf.c), besides auth_opt_* and plugin_opt_*. A name
 * not here stops the broker at start-up. */
static const char *const known_names[] = {
	"acl_file", "address", "addresses", "allow_anonymous", "allow_duplicate_messages",
	"allow_zero_length_clientid", "auth_plugin", "auth_plugin_deny_special_chars",
	"auto_id_prefix", "autosave_interval", "autosave_on_changes", "bind_address",
	"bind_interface", "bridge_alpn", "bridge_attempt_unsubscribe", "bridge_bind_address",
	"bridge_cafile", "bridge_capath", "bridge_certfile", "bridge_identity", "bridge_insecure",
	"bridge_keyfile", "bridge_max_packet_size", "bridge_outgoing_retain",
	"bridge_protocol_version", "bridge_psk", "bridge_require_ocsp", "bridge_tls_version",
	"cafile", "capath", "certfile", "check_retain_source", "ciphers", "ciphers_tls1.3",
	"cleansession", "clientid", "clientid_prefixes", "connection", "connection_messages",
	"crlfile", "dhparamfile", "http_dir", "idle_timeout", "include_dir", "keepalive_interval",
	"keyfile", "listener", "local_cleansession", "local_clientid", "local_password",
	"local_username", "log_dest", "log_facility", "log_timestamp", "log_timestamp_format",
	"log_type", "max_connections", "max_inflight_bytes", "max_inflight_messages",
	"max_keepalive", "max_packet_size", "max_qos", "max_queued_bytes", "max_queued_messages",
	"max_topic_alias", "maximum_qos", "memory_limit", "message_size_limit", "mount_point",
	"notification_topic", "notifications", "notifications_local_only", "password",
	"password_file", "per_listener_settings", "persistence", "persistence_file",
	"persistence_location", "persistent_client_expiration", "pid_file", "plugin", "port",
	"protocol", "psk_file", "psk_hint", "queue_qos0_messages", "remote_clientid",
	"remote_password", "remote_username", "require_certificate", "restart_timeout",
	"retain_available", "retained_persistence", "retry_interval", "round_robin",
	"set_tcp_nodelay", "socket_domain", "start_type", "sys_interval", "threshold",
	"tls_engine", "tls_engine_kpass_sha1", "tls_keyform", "tls_version", "topic",
	"try_private", "upgrade_outgoing_qos", "use_identity_as_username",
	"use_subject_as_username", "use_username_as_clientid", "user", "username",
	"websockets_headers_size", "websockets_log_level", NULL,
};

/* Listener options that land on the current listener (and, before any listener line,
 * make Mosquitto start the default listener) -- string-valued ones. */
static const char *const listener_strings[] = {
	"bind_interface", "cafile", "capath", "certfile", "keyfile", "ciphers", "ciphers_tls1.3",
	"dhparamfile", "psk_hint", "crlfile", "mount_point", "tls_engine", "tls_keyform",
	"tls_engine_kpass_sha1", "tls_version", "http_dir", NULL,
};

/* Options whose value Mosquitto reads as the rest of the line (so " #" is kept). */
static const char *const string_options[] = {
	"acl_file", "password_file", "psk_file", "persistence_location", "persistence_file",
	"auth_plugin", "plugin", "pid_file", "include_dir", "auto_id_prefix", NULL,
};

static bool in_list(const char *const *l, const char *k)
{
	for (; *l; l++)
		if (!strcmp(*l, k))
			return true;
	return false;
}

static bool is_true(const struct mconf_line *l)
{
	return l->nargs && (!strcmp(l->args[0], "true") || !strcmp(l->args[0], "1"));
}

static void note(struct lint_ctx *c, enum lnote_kind k, struct lloc at, const char *key,
		 const char *why)
{
	struct lnote *n;

	if (!(n = vec_push(&c->notes)))
		return;
	n->kind = k;
	n->at = at;
	n->why = why;
	snprintf(n->key, sizeof(n->key), "%s", key ? key : "");
}

static void listener_defaults(struct llistener *l)
{
	memset(l, 0, sizeof(*l));
	l->sec.anon = -1;
	l->port = 1883;
}

void lint_init(struct lint_ctx *c, enum lint_ver ver, const char *share_dir)
{
	memset(c, 0, sizeof(*c));
	c->ver = ver;
	c->share_dir = share_dir ? share_dir : "/share";
	c->global.anon = -1;
	c->sys_interval = -1;
	c->local_only = true;
	listener_defaults(&c->deflt);
	c->deflt.kind = LK_DEFAULT;
	vec_init(&c->findings, sizeof(struct lint_finding), 8, LINT_MAX_FINDINGS);
	vec_init(&c->notes, sizeof(struct lnote), 8, LINT_MAX_FINDINGS);
	vec_init(&c->ls, sizeof(struct llistener), 4, LINT_MAX_LISTENERS);
	vec_init(&c->eff, sizeof(struct llistener), 4, LINT_MAX_LISTENERS + 2);
}

void lint_free(struct lint_ctx *c)
{
	for (size_t i = 0; i < c->nfiles; i++) {
		free(c->files[i]);
		mconf_free(&c->confs[i]);
	}
	for (size_t i = 0; i < c->findings.n; i++)
		free(lint_findings(c)[i].msg);
	vec_free(&c->findings);
	vec_free(&c->notes);
	vec_free(&c->ls);
	vec_free(&c->eff);
	memset(c, 0, sizeof(*c));
}

msw_err lint_read_file(const char *path, size_t cap, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t n = 0, alloc = 4096;
	char *b;

	*buf = NULL;
	*len = 0;
	if (!f)
		return MSW_ERR_IO;
	if (!(b = malloc(alloc + 1))) {
		fclose(f);
		return MSW_ERR_NOMEM;
	}
	for (;;) {
		size_t got;

		if (n == alloc) {
			char *nb;

			if (alloc > cap) {
				free(b);
				fclose(f);
				return MSW_ERR_TOO_BIG;
			}
			alloc *= 2;
			if (!(nb = realloc(b, alloc + 1))) {
				free(b);
				fclose(f);
				return MSW_ERR_NOMEM;
			}
			b = nb;
		}
		got = fread(b + n, 1, alloc - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f) || n > cap) {
		msw_err rc = ferror(f) ? MSW_ERR_IO : MSW_ERR_TOO_BIG;

		free(b);
		fclose(f);
		return rc;
	}
	fclose(f);
	b[n] = '\0';
	*buf = b;
	*len = n;
	return MSW_OK;
}

msw_err lint_add_file(struct lint_ctx *c, const char *name, const char *buf, size_t len,
		      size_t *idx)
{
	msw_err rc;

	if (c->nfiles >= LINT_MAX_FILES)
		return MSW_ERR_TOO_BIG;
	if ((rc = mconf_parse(buf, len, &c->confs[c->nfiles])))
		return rc;
	if (!(c->files[c->nfiles] = strdup(name))) {
		mconf_free(&c->confs[c->nfiles]);
		return MSW_ERR_NOMEM;
	}
	*idx = c->nfiles++;
	return MSW_OK;
}

const char *lint_local_path(const struct lint_ctx *c, const char *path, char *buf, size_t n)
{
	if (c->addon && !strncmp(path, "/share/", 7))
		snprintf(buf, n, "%s/%s", c->share_dir, path + 7);
	else
		snprintf(buf, n, "%s", path);
	return buf;
}

/* ---- include_dir: files ending in .conf, in Mosquitto's order (conf_includedir.c:
 * case-insensitive first, then by case) ---- */

static int mosq_name_cmp(const void *a, const void *b)
{
	const char *s1 = *(const char *const *)a, *s2 = *(const char *const *)b;

	for (; *s1 && *s2; s1++, s2++) {
		int r = toupper((unsigned char)*s1) - toupper((unsigned char)*s2);

		if (!r)
			r = (unsigned char)*s1 - (unsigned char)*s2;
		if (r)
			return r;
	}
	return (unsigned char)*s1 - (unsigned char)*s2;
}

/* The names (malloc'ed) in *out, sorted; returns how many. */
static size_t list_conf_files(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct vec v;
	size_t n;

	*out = NULL;
	if (!d)
		return 0;
	vec_init(&v, sizeof(char *), 16, LINT_MAX_FILES);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char **slot, *name;

		if (len <= 5 || strcmp(de->d_name + len - 5, ".conf"))
			continue;
		if (!(name = strdup(de->d_name)))
			break;
		if (!(slot = vec_push(&v))) {
			free(name);
			break;
		}
		*slot = name;
	}
	closedir(d);
	*out = vec_take(&v, &n);
	if (n)
		qsort(*out, n, sizeof(char *), mosq_name_cmp);
	return n;
}

static void include_dir(struct lint_ctx *c, const struct mconf_line *l, struct lloc at)
{
	char local[4096], path[8192];
	char **names;
	size_t n;
	DIR *probe;

	if (c->no_io)
		return;
	lint_local_path(c, l->value, local, sizeof(local));
	if (!(probe = opendir(local))) {
		note(c, LN_INCLUDE_MISSING, at, l->value, NULL);
		return;
	}
	closedir(probe);
	n = list_conf_files(local, &names);
	for (size_t i = 0; i < n; i++) {
		char *buf;
		size_t len, idx;

		snprintf(path, sizeof(path), "%s/%s", local, names[i]);
		if (!lint_read_file(path, MCONF_MAX_BYTES, &buf, &len)) {
			if (!lint_add_file(c, path, buf, len, &idx))
				lint_process(c, idx, 1);
			free(buf);
		}
		free(names[i]);
	}
	free(names);
}

/* ---- directives ---- */

struct pstate {
	struct lint_ctx *c;
	size_t file;
	struct llistener *cur;     /* &c->deflt or an explicit listener */
	ptrdiff_t cur_index;       /* -1: the default listener */
};

static struct llistener *cur_listener(struct pstate *s)
{
	return s->cur_index < 0 ? &s->c->deflt : &lint_ls(s->c)[s->cur_index];
}

static void touch_default(struct pstate *s, const struct mconf_line *l, struct lloc at)
{
	struct llistener *d = &s->c->deflt;

	if (s->cur_index >= 0 || d->touched)
		return;
	d->touched = true;
	d->touched_at = at;
	d->touched_key = NULL;
	for (size_t i = 0; known_names[i]; i++)
		if (!strcmp(known_names[i], l->key))
			d->touched_key = known_names[i];
	for (size_t i = 0; !d->touched_key && listener_strings[i]; i++)
		if (!strcmp(listener_strings[i], l->key))
			d->touched_key = listener_strings[i];
}

static void set_str(struct pstate *s, const char **field, struct lloc *fat,
		    const struct mconf_line *l, struct lloc at)
{
	if (*field && *l->value) {
		note(s->c, LN_DUPLICATE, at, l->key, NULL);
		return;
	}
	*field = l->value;
	if (fat)
		*fat = at;
}

static bool security_option(struct pstate *s, const struct mconf_line *l, struct lloc at)
{
	struct lint_ctx *c = s->c;
	struct lsec *sec;
	bool creates_default = false;

	if (strcmp(l->key, "allow_anonymous") && strcmp(l->key, "password_file") &&
	    strcmp(l->key, "acl_file") && strcmp(l->key, "psk_file") &&
	    strcmp(l->key, "auth_plugin") && strcmp(l->key, "plugin") &&
	    strcmp(l->key, "allow_zero_length_clientid"))
		return false;
	if (!c->per_listener) {
		sec = &c->global;
		note(c, LN_SEC_CANDIDATE, at, l->key, NULL);
		if (s->cur_index >= 0)
			note(c, LN_SEC_GLOBAL, at, l->key, NULL);
	} else {
		sec = &cur_listener(s)->sec;
		if (s->cur_index < 0)
			note(c, LN_SEC_TO_DEFAULT, at, l->key, NULL);
	}
	if (!strcmp(l->key, "allow_anonymous")) {
		sec->anon = is_true(l) ? 1 : 0;
		sec->anon_at = at;
		creates_default = c->ver == LV_1_6;
	} else if (!strcmp(l->key, "password_file")) {
		set_str(s, &sec->password_file, &sec->pw_at, l, at);
		creates_default = true;
	} else if (!strcmp(l->key, "acl_file")) {
		set_str(s, &sec->acl_file, &sec->acl_at, l, at);
	} else if (!strcmp(l->key, "psk_file")) {
		set_str(s, &sec->psk_file, &sec->psk_at, l, at);
		creates_default = true;
	} else if (!strcmp(l->key, "allow_zero_length_clientid")) {
		sec->zero_len_off = !is_true(l);
		creates_default = sec->zero_len_off;
	} else {
		if (!sec->plugins++)
			sec->plugin_at = at;
		creates_default = true;
	}
	if (c->per_listener && creates_default)
		touch_default(s, l, at);
	return true;
}

static void new_listener(struct pstate *s, const struct mconf_line *l, struct lloc at)
{
	struct lint_ctx *c = s->c;
	struct llistener *x;
	long port;
	char *end;

	c->local_only = false;
	if (!l->nargs)
		return;
	errno = 0;
	port = strtol(l->args[0], &end, 10);
	if (errno || *end || port < 0 || port > 65535 ||
	    (port == 0 && (l->nargs < 2 || l->args[1][0] == '#'))) {
		note(c, LN_SYNTAX, at, l->key, "invalid port (Mosquitto refuses the file)");
		return;
	}
	if (!(x = vec_push(&c->ls)))
		return;
	listener_defaults(x);
	x->kind = LK_EXPLICIT;
	x->at = at;
	x->port = (unsigned)port;
	if (l->nargs >= 2 && l->args[1][0] != '#')
		x->host = l->args[1];
	x->unix_socket = port == 0;
	s->cur_index = (ptrdiff_t)c->ls.n - 1;
}

static bool listener_option(struct pstate *s, const struct mconf_line *l, struct lloc at)
{
	struct llistener *x = cur_listener(s);
	bool creates = true;

	if (!strcmp(l->key, "protocol")) {
		x->websockets = l->nargs && !strcmp(l->args[0], "websockets");
		x->proto_at = at;
		creates = x->websockets;
	} else if (!strcmp(l->key, "socket_domain")) {
		x->socket_domain = !l->nargs ? 0 : !strcmp(l->args[0], "ipv4") ? 4
				 : !strcmp(l->args[0], "ipv6")                 ? 6
										: 0;
	} else if (!strcmp(l->key, "require_certificate")) {
		x->require_certificate = is_true(l);
		creates = x->require_certificate;
	} else if (!strcmp(l->key, "use_identity_as_username") ||
		   !strcmp(l->key, "use_subject_as_username")) {
		x->use_identity |= is_true(l);
		creates = is_true(l);
	} else if (!strcmp(l->key, "use_username_as_clientid")) {
		creates = is_true(l);
	} else if (!strcmp(l->key, "max_connections")) {
		creates = !(l->nargs && !strcmp(l->args[0], "-1"));
	} else if (!strcmp(l->key, "max_qos") || !strcmp(l->key, "maximum_qos")) {
		creates = !(l->nargs && !strcmp(l->args[0], "2"));
	} else if (!strcmp(l->key, "max_topic_alias") || !strcmp(l->key, "http_dir")) {
		creates = false;
	} else if (in_list(listener_strings, l->key)) {
		if (!strcmp(l->key, "certfile"))
			set_str(s, &x->certfile, &x->cert_at, l, at);
		else if (!strcmp(l->key, "keyfile"))
			set_str(s, &x->keyfile, &x->key_at, l, at);
		else if (!strcmp(l->key, "cafile"))
			set_str(s, &x->cafile, NULL, l, at);
		else if (!strcmp(l->key, "capath"))
			set_str(s, &x->capath, NULL, l, at);
		else if (!strcmp(l->key, "bind_interface"))
			set_str(s, &x->bind_interface, NULL, l, at);
		else if (!strcmp(l->key, "psk_hint"))
			set_str(s, &x->psk_hint, NULL, l, at);
	} else {
		return false;
	}
	if (creates)
		touch_default(s, l, at);
	return true;
}

/* A non-negative decimal number, or -1. */
static int atoi_safe(const char *v)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	return errno || *end || n < 0 || n > 100000000 ? -1 : (int)n;
}

static bool global_option(struct pstate *s, const struct mconf_line *l, struct lloc at)
{
	struct lint_ctx *c = s->c;

	if (!strcmp(l->key, "per_listener_settings")) {
		c->per_listener = is_true(l);
		c->per_listener_at = at;
		for (size_t i = 0; c->per_listener && i < c->notes.n; i++)
			if (lint_notes(c)[i].kind == LN_SEC_CANDIDATE)
				lint_notes(c)[i].kind = LN_SEC_IGNORED;
	} else if (!strcmp(l->key, "port")) {
		c->local_only = false;
		c->deflt.has_port_line = true;
		c->deflt.at = at;
		if (l->nargs)
			c->deflt.port = (unsigned)strtoul(l->args[0], NULL, 10);
	} else if (!strcmp(l->key, "bind_address")) {
		c->local_only = false;
		c->deflt.has_port_line = true;
		c->deflt.at = at;
		c->deflt.host = l->value;
	} else if (!strcmp(l->key, "persistence")) {
		c->persistence = is_true(l);
		c->persistence_at = at;
	} else if (!strcmp(l->key, "persistence_location")) {
		c->persistence_location = l->value;
	} else if (!strcmp(l->key, "persistence_file")) {
		c->persistence_file = l->value;
	} else if (!strcmp(l->key, "sys_interval")) {
		c->sys_interval = l->nargs ? atoi_safe(l->args[0]) : -1;
		c->sys_at = at;
	} else {
		return false;
	}
	return true;
}

static void syntax_checks(struct pstate *s, const struct mconf_line *l, struct lloc at)
{
	struct lint_ctx *c = s->c;

	if (l->flags & MCF_INDENT_COMMENT)
		note(c, LN_SYNTAX, at, "#",
		     "a comment after leading blanks: Mosquitto reads '#' as an option name "
		     "and refuses the file (start comments in the first column)");
	else if (l->flags & MCF_BLANK_TAB)
		note(c, LN_SYNTAX, at, "",
		     "a blank line holding a tab: Mosquitto reads the tab as an option name "
		     "and refuses the file");
	else if (l->flags & MCF_TAB_IN_NAME)
		note(c, LN_SYNTAX, at, l->key,
		     "a tab between the name and the value: Mosquitto splits at spaces only, "
		     "reads the whole line as an unknown name and refuses the file");
	else if (l->key[0] && !in_list(known_names, l->key) && strncmp(l->key, "auth_opt_", 9) &&
		 strncmp(l->key, "plugin_opt_", 11))
		note(c, LN_SYNTAX, at, l->key,
		     "not an option Mosquitto 2.0 knows: it refuses the file (\"Unknown "
		     "configuration variable\")");
	if ((l->flags & MCF_INLINE_HASH) && in_list(string_options, l->key))
		note(c, LN_INLINE_COMMENT, at, l->key, NULL);
}

void lint_process(struct lint_ctx *c, size_t file, int level)
{
	struct pstate s = {.c = c, .file = file, .cur_index = -1};
	const struct mconf *m = &c->confs[file];

	for (size_t i = 0; i < m->n; i++) {
		const struct mconf_line *l = &m->v[i];
		struct lloc at = {(uint16_t)file, l->line};

		syntax_checks(&s, l, at);
		if (!l->key[0] || (l->flags & (MCF_TAB_IN_NAME | MCF_INDENT_COMMENT)))
			continue; /* Mosquitto stops here; read on for the rest of the findings */
		if (!strcmp(l->key, "listener")) {
			new_listener(&s, l, at);
		} else if (!strcmp(l->key, "include_dir")) {
			if (level > 0)
				note(c, LN_NESTED_INCLUDE, at, l->key, NULL);
			else if (*l->value)
				include_dir(c, l, at);
		} else if (!security_option(&s, l, at) && !listener_option(&s, l, at)) {
			global_option(&s, l, at);
		}
	}
}

/* ---- the end of reading: the listeners Mosquitto would start ---- */

static bool push_eff(struct lint_ctx *c, const struct llistener *l)
{
	struct llistener *v = vec_push(&c->eff);

	if (v)
		*v = *l;
	return v != NULL;
}

/* 1.6: an unset allow_anonymous becomes true unless the scope has a password file, a PSK
 * file or a plugin. */
static void anon_default_16(struct lsec *s)
{
	if (s->anon == -1)
		s->anon = s->password_file || s->psk_file || s->plugins ? 0 : 1;
}

void lint_finish_model(struct lint_ctx *c)
{
	struct llistener d = c->deflt;
	bool want_default = d.touched || d.has_port_line;

	if (!d.has_port_line)
		d.at = d.touched_at;
	if (c->ver == LV_1_6) {
		want_default |= c->ls.n == 0;
		if (!d.has_port_line && !d.touched)
			d.at = (struct lloc){0, 0};
		if (c->per_listener) {
			for (size_t i = 0; i < c->ls.n; i++)
				anon_default_16(&lint_ls(c)[i].sec);
		} else {
			anon_default_16(&c->global);
		}
	} else if (c->local_only) {
		c->global.anon = 1; /* local-only mode allows anonymous, whatever was set */
		if (!want_default) {
			struct llistener lo;

			listener_defaults(&lo);
			lo.kind = LK_LOCAL_ONLY;
			lo.host = "127.0.0.1";
			push_eff(c, &lo);
			lo.host = "::1";
			push_eff(c, &lo);
		}
	} else {
		if (c->per_listener) {
			for (size_t i = 0; i < c->ls.n; i++)
				if (lint_ls(c)[i].sec.anon == -1)
					lint_ls(c)[i].sec.anon = 0;
		} else if (c->global.anon == -1) {
			c->global.anon = 0;
		}
	}
	/* The default listener copies its settings after that step: under
	 * per_listener_settings an unset allow_anonymous stays unset, which 2.0.11 treats as
	 * allowed. */
	if (want_default && c->per_listener && d.sec.anon == -1)
		d.sec.anon = 1;
	if (want_default)
		push_eff(c, &d);
	for (size_t i = 0; i < c->ls.n; i++)
		push_eff(c, &lint_ls(c)[i]);
}

msw_err lint_load(struct lint_ctx *c, const char *path, char *err, size_t errn)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, idx;
	msw_err rc;

	if (stat(path, &st)) {
		snprintf(err, errn, "cannot read '%s': %s", path, strerror(errno));
		return MSW_ERR_IO;
	}
	if (S_ISDIR(st.st_mode))
		return lint_load_addon_folder(c, path, err, errn);
	rc = lint_read_file(path, MCONF_MAX_BYTES, &buf, &len);
	if (rc) {
		snprintf(err, errn, "cannot read '%s': %s", path,
			 rc == MSW_ERR_TOO_BIG ? "larger than 4 MiB" : strerror(errno));
		return rc;
	}
	if (lint_is_addon_options(path, buf, len)) {
		rc = lint_load_addon(c, path, buf, len, err, errn);
		free(buf);
		return rc;
	}
	rc = lint_add_file(c, path, buf, len, &idx);
	free(buf);
	if (rc) {
		snprintf(err, errn, "cannot read '%s': %s", path, msw_err_str(rc));
		return rc;
	}
	lint_process(c, idx, 0);
	lint_finish_model(c);
	return MSW_OK;
}
