/* lint's rules: the table (data: id, severity, what, why, fix, source) and the checks
 * that apply it to the model lint_model.c built. docs/lint.md is the long form of the
 * table; a check reports at the line whose change fixes the finding. */
#define _GNU_SOURCE
#include "app/lint.h"
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAN "mosquitto.conf(5), Mosquitto 2.0: "

enum rule_ix {
	R_ANON, R_ANON_LOCAL, R_NO_AUTH, R_IMPLICIT, R_PL_IGNORED, R_PL_GLOBAL, R_PL_DEFAULT,
	R_PLAIN_TLS, R_WS_BIND, R_ACL_ANON_ALL, R_ACL_ALL, R_NO_ACL, R_SYS, R_FILE_MODE,
	R_PW_WEAK, R_PW_PLAIN, R_FILE_MISSING, R_SYNTAX, R_INLINE, R_DUP, R_NESTED,
	R_ADDON_LOGIN, R_ADDON_ALL, R__COUNT
};

/* clang-format off */
const struct lint_rule lint_rules[] = {
	[R_ANON] = { "listener-anonymous", "AnonymousListener", SEV_HIGH,
	  "A listener reachable from other machines accepts anonymous clients",
	  "Anyone who can reach the port connects without a user name and reads (and usually "
	  "writes) every topic the ACL does not forbid: locations, door states, device commands.",
	  "Set allow_anonymous false (under the listener when per_listener_settings is true), "
	  "create accounts with mosquitto_passwd and set password_file; bind the listener to "
	  "127.0.0.1 if only local clients need it.",
	  MAN "allow_anonymous, listener; 2.0 defaults to false when a listener is defined, "
	  "1.6 defaulted to true" },
	[R_ANON_LOCAL] = { "listener-anonymous-local", "AnonymousLoopbackListener", SEV_INFO,
	  "A loopback-only listener accepts anonymous clients",
	  "Only processes on this machine can connect; every local user and service can read and "
	  "publish every topic.",
	  "Fine for a single-user machine; otherwise set allow_anonymous false and use accounts.",
	  MAN "allow_anonymous (local-only mode when no listener is defined)" },
	[R_NO_AUTH] = { "listener-no-auth", "ListenerWithoutAuthentication", SEV_LOW,
	  "A listener has no way to authenticate clients",
	  "No password_file, auth plugin, PSK file or certificate identity applies to the listener "
	  "and anonymous clients are refused, so no client can connect to it.",
	  "Give the listener a password_file (or a plugin), or remove it.",
	  MAN "password_file, auth_plugin, per_listener_settings" },
	[R_IMPLICIT] = { "implicit-default-listener", "ImplicitDefaultListener", SEV_MEDIUM,
	  "A setting before the first listener makes Mosquitto open port 1883 on every address",
	  "Listener settings (and, with per_listener_settings true, password_file, psk_file and "
	  "plugins) that come before any listener line belong to the default listener, which "
	  "Mosquitto then starts on port 1883 on every address. Under per_listener_settings true "
	  "its allow_anonymous stays unset, which Mosquitto 2.0.11 treats as allowed.",
	  "Move the setting below the listener it belongs to, or give the default listener an "
	  "explicit 'listener 1883 127.0.0.1' line.",
	  MAN "listener, port, bind_address; conf.c config__parse_args; observed with 2.0.11" },
	[R_PL_IGNORED] = { "per-listener-ignored", "SecurityOptionIgnored", SEV_MEDIUM,
	  "A security option before 'per_listener_settings true' is ignored",
	  "With per_listener_settings true Mosquitto uses only the settings given per listener; "
	  "a password_file, acl_file or allow_anonymous read before that line went to the "
	  "broker-wide set, which is then never used.",
	  "Put per_listener_settings at the top of the file, then repeat the option under each "
	  "listener that needs it.",
	  MAN "per_listener_settings" },
	[R_PL_GLOBAL] = { "per-listener-global", "SecurityOptionAppliesEverywhere", SEV_LOW,
	  "A security option under one listener applies to every listener",
	  "per_listener_settings is false (the default), so allow_anonymous, password_file, "
	  "acl_file and plugins apply to all listeners wherever they are written; placing one "
	  "under a listener does not limit it to that listener.",
	  "Add 'per_listener_settings true' at the top and give every listener its own settings, "
	  "or move the option to the top of the file so it reads as what it is.",
	  MAN "per_listener_settings" },
	[R_PL_DEFAULT] = { "per-listener-default", "SecurityOptionOnDefaultListener", SEV_MEDIUM,
	  "A security option before the first listener of its file goes to the default listener",
	  "With per_listener_settings true an option applies to the listener above it in the SAME "
	  "file; Mosquitto starts every file (include_dir files too) at the default listener, so "
	  "the option does not reach the listener you may have meant.",
	  "Put the option below the listener line it is meant for, in the same file.",
	  MAN "per_listener_settings, include_dir; conf.c (current listener per file)" },
	[R_PLAIN_TLS] = { "plaintext-beside-tls", "PlaintextListenerBesideTls", SEV_MEDIUM,
	  "A plain-text listener on a network address next to a TLS one",
	  "Clients that can use TLS may still connect in clear text, and their user names, "
	  "passwords and messages can be read on the network.",
	  "Bind the plain listener to 127.0.0.1 (local clients only) or remove it.",
	  MAN "listener, certfile, keyfile" },
	[R_WS_BIND] = { "websockets-bind-ignored", "WebSocketsBindAddressIgnored", SEV_MEDIUM,
	  "A WebSockets listener's IPv4 bind address is ignored",
	  "Mosquitto hands WebSockets listeners to libwebsockets, which (Mosquitto 2.0.11 with "
	  "libwebsockets 4.1, Debian 12) listens on every IPv4 and IPv6 address when the "
	  "listener may use IPv6, whatever address the listener line names.",
	  "Add 'socket_domain ipv4' under the listener (then the address is honoured), or name "
	  "the interface instead of the address ('listener 9001 lo').",
	  MAN "listener, protocol, socket_domain; observed with ss -ltn on 2.0.11" },
	[R_ACL_ANON_ALL] = { "acl-anonymous-all", "AclGivesEverythingToAnonymous", SEV_HIGH,
	  "The ACL lets anonymous clients read every topic",
	  "Topic lines before the first user line apply to clients without a user name; a "
	  "read or readwrite grant of '#' there opens every topic to anyone who can connect.",
	  "Remove the grant, or narrow it to the few public topics that anonymous clients need.",
	  MAN "acl_file" },
	[R_ACL_ALL] = { "acl-everyone-all", "AclGivesEverythingToEveryone", SEV_HIGH,
	  "The ACL lets every client read every topic",
	  "A pattern line applies to every client, anonymous ones included; a read grant of '#' "
	  "(or a filter without %u or %c that matches everything) lets any account read "
	  "everybody's topics.",
	  "Give each client its own subtree: 'pattern readwrite owntracks/%u/#'; grant '#' only "
	  "to named users (user homeassistant / topic readwrite #).",
	  MAN "acl_file (pattern)" },
	[R_NO_ACL] = { "no-acl", "NoAccessControlList", SEV_MEDIUM,
	  "Accounts but no ACL: every user can read and write every topic",
	  "Without an acl_file each account, including the one stored on the cheapest device in "
	  "the house, can read every location and operate every device.",
	  "Add an acl_file with one subtree per user ('pattern readwrite owntracks/%u/#'; user "
	  "lines for the few accounts that need more); 'mqttsweep harden' writes a template.",
	  MAN "acl_file" },
	[R_SYS] = { "sys-readable", "SysTreeReadable", SEV_MEDIUM,
	  "The $SYS tree is readable without an account (or by every account)",
	  "$SYS/broker/version names the exact Mosquitto version (an attacker's CVE look-up); "
	  "the client, message and byte counters show when and how the broker is used.",
	  "Set 'sys_interval 0', or use an acl_file that grants '$SYS/#' only to an "
	  "administrator (anonymous clients get nothing without a grant).",
	  MAN "sys_interval, acl_file" },
	[R_FILE_MODE] = { "file-world-readable", "SecretFileWorldReadable", SEV_MEDIUM,
	  "A file with secrets is readable by every local user",
	  "Password hashes can be cracked offline, PSKs and private keys are used as they are, "
	  "the persistence database holds retained messages (locations, credentials) and "
	  "stored sessions.",
	  "chmod 0600 (or 0640 with group mosquitto) and chown mosquitto the file.",
	  MAN "password_file, psk_file, keyfile, persistence_location" },
	[R_PW_WEAK] = { "password-weak-hash", "PasswordFileWeakHash", SEV_LOW,
	  "Password file entries hashed with one round of SHA-512 ($6$)",
	  "Entries written by mosquitto_passwd 1.x take one SHA-512 per guess to crack; 2.0 "
	  "writes PBKDF2-SHA512 ($7$).",
	  "Re-create the entries with mosquitto_passwd 2.0 (mosquitto_passwd -b FILE USER PASS).",
	  MAN "password_file; mosquitto_passwd(1)" },
	[R_PW_PLAIN] = { "password-plain", "PasswordFileClearText", SEV_MEDIUM,
	  "Password file entries are not hashed",
	  "A user:password line keeps the password in clear text, and Mosquitto 2.0 (built with "
	  "TLS) drops such entries at start-up, so the user cannot log in either.",
	  "Hash the file: mosquitto_passwd -U FILE.",
	  MAN "password_file; mosquitto_passwd(1) -U" },
	[R_FILE_MISSING] = { "file-missing", "ReferencedFileMissing", SEV_LOW,
	  "A file the configuration names cannot be read",
	  "Mosquitto refuses to start without its password, ACL or PSK file; a missing "
	  "include_dir stops it too.",
	  "Create the file or fix the path (Mosquitto resolves relative paths from its working "
	  "directory).",
	  MAN "password_file, acl_file, psk_file, include_dir" },
	[R_SYNTAX] = { "syntax", "MosquittoRefusesLine", SEV_MEDIUM,
	  "Mosquitto refuses this line and does not start",
	  "Mosquitto reads the option name up to the first space, treats '#' as a comment only in "
	  "the first column and stops at an unknown name: tabs, indented comments and typos "
	  "keep the broker from starting (or an older configuration keeps running).",
	  "Use one space between name and value, start comments in the first column, and check "
	  "the name against mosquitto.conf(5).",
	  MAN "File Format; conf.c (1.6-2.0 split at spaces only)" },
	[R_INLINE] = { "inline-comment", "CommentInsideValue", SEV_MEDIUM,
	  "A comment after a file path becomes part of the path",
	  "Mosquitto reads string options to the end of the line, so 'password_file /x # note' "
	  "names a file called '/x # note'.",
	  "Put the comment on its own line.",
	  MAN "File Format" },
	[R_DUP] = { "duplicate-option", "DuplicateOption", SEV_MEDIUM,
	  "An option that may appear once is given twice",
	  "Mosquitto refuses a second password_file, acl_file, psk_file or TLS file for the same "
	  "scope ('Duplicate ... value in configuration') and does not start.",
	  "Keep one of the lines.",
	  "Mosquitto 2.0 conf.c (conf__parse_string)" },
	[R_NESTED] = { "include-nested", "NestedIncludeIgnored", SEV_LOW,
	  "include_dir inside an included file is ignored",
	  "Mosquitto follows include_dir only in the main configuration file; the files of this "
	  "folder are never read.",
	  "Move the include_dir line into the main file.",
	  MAN "include_dir" },
	[R_ADDON_LOGIN] = { "addon-weak-login", "AddonWeakLogin", SEV_MEDIUM,
	  "A login of the Home Assistant add-on has a short or guessable password",
	  "Add-on logins are plain MQTT accounts reachable on 1883 from the whole network; a "
	  "short password or one that contains the user name falls to a guessing run.",
	  "Use 16 or more random characters (a password manager), or 'mqttsweep harden' to "
	  "generate accounts.",
	  "Home Assistant Mosquitto add-on DOCS.md (logins)" },
	[R_ADDON_ALL] = { "addon-every-user-all", "AddonEveryUserReadsAll", SEV_MEDIUM,
	  "Every add-on login and Home Assistant user can read and write every topic",
	  "Without an ACL from the customize folder the add-on lets any account it accepts "
	  "(its logins and every Home Assistant user) read and write everything, $SYS included.",
	  "Enable customize, create /share/mosquitto/acl.conf with 'acl_file "
	  "/share/mosquitto/accesscontrollist' and grant '#' only to homeassistant and addons, "
	  "each other user its own subtree.",
	  "Home Assistant Mosquitto add-on DOCS.md (Access Control Lists)" },
};
/* clang-format on */

const size_t lint_nrules = R__COUNT;
_Static_assert(sizeof(lint_rules) / sizeof(lint_rules[0]) == R__COUNT, "one row per rule");

void lint_report(struct lint_ctx *c, size_t rule, enum msw_severity sev, struct lloc at,
		 const char *fmt, ...)
{
	struct lint_finding *f;
	va_list ap;
	char *msg = NULL;

	if (rule >= R__COUNT)
		return;
	if (c->findings.n >= LINT_MAX_FINDINGS) {
		c->truncated = true;
		return;
	}
	for (size_t i = 0; i < c->findings.n; i++) /* one finding per rule and line */
		if (lint_findings(c)[i].rule == rule && lint_findings(c)[i].at.file == at.file &&
		    lint_findings(c)[i].at.line == at.line && rule != R_ANON && rule != R_SYS)
			return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return;
	if (!(f = vec_push(&c->findings))) {
		free(msg);
		return;
	}
	*f = (struct lint_finding){rule, sev, at, msg};
}

/* ---- listeners ---- */

enum scope { SC_LOOPBACK, SC_UNIX, SC_PRIVATE, SC_PUBLIC, SC_ALL, SC_NAME };

static enum scope addr_scope(const char *h)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (!h || !*h || !strcmp(h, "0.0.0.0") || !strcmp(h, "::"))
		return SC_ALL;
	if (inet_pton(AF_INET, h, &a4) == 1) {
		uint32_t a = ntohl(a4.s_addr);

		if ((a >> 24) == 127)
			return SC_LOOPBACK;
		if ((a >> 24) == 10 || (a >> 20) == 0xac1 || (a >> 16) == 0xc0a8 ||
		    (a >> 16) == 0xa9fe || (a >> 22) == (100u << 2 | 1))
			return SC_PRIVATE;
		return SC_PUBLIC;
	}
	if (inet_pton(AF_INET6, h, &a6) == 1) {
		if (IN6_IS_ADDR_LOOPBACK(&a6))
			return SC_LOOPBACK;
		if ((a6.s6_addr[0] & 0xfe) == 0xfc || IN6_IS_ADDR_LINKLOCAL(&a6))
			return SC_PRIVATE;
		return SC_PUBLIC;
	}
	if (!strcmp(h, "localhost") || !strcmp(h, "lo") || !strcmp(h, "ip6-localhost"))
		return SC_LOOPBACK;
	return SC_NAME;
}

static bool ws_bind_ignored(const struct lint_ctx *c, const struct llistener *l)
{
	struct in_addr a;

	return c->ver == LV_2_0 && l->websockets && l->host && l->socket_domain != 4 &&
	       !l->bind_interface && inet_pton(AF_INET, l->host, &a) == 1;
}

static enum scope listener_scope(const struct lint_ctx *c, const struct llistener *l)
{
	if (l->unix_socket)
		return SC_UNIX;
	if (ws_bind_ignored(c, l))
		return SC_ALL;
	if (l->bind_interface && !l->websockets)
		return !strcmp(l->bind_interface, "lo") ? SC_LOOPBACK : SC_NAME;
	return addr_scope(l->host);
}

static const char *scope_words(enum scope s)
{
	switch (s) {
	case SC_LOOPBACK:
		return "loopback only";
	case SC_UNIX:
		return "a Unix socket";
	case SC_PRIVATE:
		return "a private-network address: every device on that network";
	case SC_PUBLIC:
		return "a public address: the Internet unless a firewall blocks it";
	case SC_ALL:
		return "every address: the whole network, the Internet if the port is forwarded";
	case SC_NAME:
		return "a host or interface name (not resolved by lint): assumed reachable";
	}
	return "";
}

static void describe(const struct llistener *l, char *buf, size_t n)
{
	const char *proto = l->websockets ? " (WebSockets)" : "";
	const char *tls = l->certfile && l->keyfile ? " with TLS" : "";

	if (l->kind == LK_LOCAL_ONLY)
		snprintf(buf, n, "the local-only listener %s port %u", l->host, l->port);
	else if (l->unix_socket)
		snprintf(buf, n, "listener %s%s", l->host ? l->host : "?", proto);
	else
		snprintf(buf, n, "%slistener %u %s%s%s", l->kind == LK_DEFAULT ? "default " : "",
			 l->port, l->host ? l->host : "(every address)", proto, tls);
}

static const struct lsec *sec_of(const struct lint_ctx *c, const struct llistener *l)
{
	return c->per_listener && l->kind != LK_LOCAL_ONLY ? &l->sec : &c->global;
}

static bool anon_allowed(const struct lint_ctx *c, const struct llistener *l)
{
	return l->kind == LK_LOCAL_ONLY || sec_of(c, l)->anon != 0;
}

static bool has_auth(const struct lint_ctx *c, const struct llistener *l)
{
	const struct lsec *s = sec_of(c, l);

	return s->password_file || s->plugins || s->psk_file ||
	       (l->require_certificate && l->use_identity);
}

static bool is_tls(const struct llistener *l)
{
	return (l->certfile && l->keyfile) || l->psk_hint;
}

static void anon_why(const struct lint_ctx *c, const struct llistener *l, char *buf, size_t n)
{
	const struct lsec *s = sec_of(c, l);

	if (l->kind == LK_LOCAL_ONLY || (c->local_only && c->ver == LV_2_0))
		snprintf(buf, n, "no listener is defined, so Mosquitto 2.0 allows anonymous clients");
	else if (s->anon_at.line || (s->anon == 1 && s->anon_at.file))
		snprintf(buf, n, "allow_anonymous true");
	else if (c->ver == LV_1_6)
		snprintf(buf, n, "Mosquitto 1.6 allows anonymous clients unless a password "
				 "file, PSK file or plugin is set");
	else
		snprintf(buf, n, "allow_anonymous is unset on this default listener");
}

static struct lloc anon_loc(const struct lint_ctx *c, const struct llistener *l)
{
	const struct lsec *s = sec_of(c, l);

	return s->anon_at.line ? s->anon_at : l->at;
}

static void check_listener(struct lint_ctx *c, const struct llistener *l)
{
	char d[256], why[160];
	enum scope sc = listener_scope(c, l);
	bool anon = anon_allowed(c, l);

	describe(l, d, sizeof(d));
	if (anon) {
		anon_why(c, l, why, sizeof(why));
		if (sc == SC_LOOPBACK || sc == SC_UNIX)
			lint_report(c, R_ANON_LOCAL, SEV_INFO, anon_loc(c, l),
				    "%s accepts anonymous clients (%s); it is %s", d, why,
				    scope_words(sc));
		else
			lint_report(c, R_ANON, SEV_HIGH, anon_loc(c, l),
				    "%s accepts anonymous clients (%s) and listens on %s%s", d, why,
				    scope_words(sc),
				    sec_of(c, l)->password_file
					    ? "; its password_file does not stop clients that give "
					      "no user name"
					    : "");
	} else if (!has_auth(c, l)) {
		lint_report(c, R_NO_AUTH, SEV_LOW, l->at,
			    "%s refuses anonymous clients and has no password_file, plugin or PSK "
			    "file: no client can log in",
			    d);
	}
	if (ws_bind_ignored(c, l))
		lint_report(c, R_WS_BIND, anon ? SEV_HIGH : SEV_MEDIUM, l->at,
			    "%s: with Mosquitto 2.0.11 and libwebsockets 4.1 it listens on every "
			    "address, not only %s%s",
			    d, l->host, anon ? ", and it accepts anonymous clients" : "");
	if (l->kind == LK_DEFAULT && !l->has_port_line && c->deflt.touched)
		lint_report(c, R_IMPLICIT, anon ? SEV_HIGH : SEV_MEDIUM, l->at,
			    "'%s' before any listener line makes Mosquitto start a default listener "
			    "on port 1883 on every address%s",
			    c->deflt.touched_key ? c->deflt.touched_key : "this option",
			    anon ? ", and it accepts anonymous clients there" : "");
}

static void check_plain_beside_tls(struct lint_ctx *c)
{
	bool tls = false;
	char d[256];

	for (size_t i = 0; i < c->eff.n; i++)
		tls |= is_tls(&lint_eff(c)[i]);
	if (!tls)
		return;
	for (size_t i = 0; i < c->eff.n; i++) {
		const struct llistener *l = &lint_eff(c)[i];
		enum scope sc = listener_scope(c, l);

		if (is_tls(l) || sc == SC_LOOPBACK || sc == SC_UNIX)
			continue;
		describe(l, d, sizeof(d));
		lint_report(c, R_PLAIN_TLS, SEV_MEDIUM, l->kind == LK_LOCAL_ONLY ? l->at : l->at,
			    "%s carries MQTT in clear text on %s, next to a TLS listener%s", d,
			    scope_words(sc),
			    c->addon ? " (the add-on always opens 1883 and 1884: blank them in its "
				       "Network settings to keep only 8883/8884)"
				     : "");
	}
}

/* ---- notes from reading ---- */

static void check_notes(struct lint_ctx *c)
{
	size_t nls = c->eff.n;

	for (size_t i = 0; i < c->notes.n; i++) {
		const struct lnote *n = &lint_notes(c)[i];

		switch (n->kind) {
		case LN_SYNTAX:
			lint_report(c, R_SYNTAX, SEV_MEDIUM, n->at, "%s%s%s", n->key[0] ? n->key : "",
				    n->key[0] ? ": " : "", n->why);
			break;
		case LN_INLINE_COMMENT:
			lint_report(c, R_INLINE, SEV_MEDIUM, n->at,
				    "%s: the value runs to the end of the line, the ' #...' included",
				    n->key);
			break;
		case LN_DUPLICATE:
			lint_report(c, R_DUP, SEV_MEDIUM, n->at,
				    "%s given a second time for the same scope: Mosquitto refuses the "
				    "file",
				    n->key);
			break;
		case LN_SEC_IGNORED:
			if (c->per_listener)
				lint_report(c, R_PL_IGNORED, SEV_MEDIUM, n->at,
					    "%s comes before per_listener_settings true and is ignored",
					    n->key);
			break;
		case LN_SEC_GLOBAL:
			if (!c->per_listener && nls > 1)
				lint_report(c, R_PL_GLOBAL, SEV_LOW, n->at,
					    "%s is written under a listener but applies to all %zu "
					    "listeners (per_listener_settings is false)",
					    n->key, nls);
			break;
		case LN_SEC_TO_DEFAULT:
			if (c->per_listener && c->ls.n > 0)
				lint_report(c, R_PL_DEFAULT, SEV_MEDIUM, n->at,
					    "%s comes before the first listener line of this file, so it "
					    "applies to the default listener, not to any listener above",
					    n->key);
			break;
		case LN_NESTED_INCLUDE:
			lint_report(c, R_NESTED, SEV_LOW, n->at,
				    "include_dir in an included file: Mosquitto ignores it");
			break;
		case LN_INCLUDE_MISSING:
			lint_report(c, R_FILE_MISSING, SEV_LOW, n->at,
				    "include_dir '%s' cannot be read: Mosquitto refuses to start",
				    n->key);
			break;
		case LN_SEC_CANDIDATE:
			break;
		}
	}
}

/* ---- files the configuration names ---- */

static bool file_state(const struct lint_ctx *c, const char *path, struct stat *st, char *local,
		       size_t n)
{
	lint_local_path(c, path, local, n);
	return stat(local, st) == 0;
}

static void check_mode(struct lint_ctx *c, const char *what, const char *path, struct lloc at,
		       enum msw_severity sev, bool must_exist)
{
	char local[4096];
	struct stat st;

	if (!path || c->no_io)
		return;
	if (!file_state(c, path, &st, local, sizeof(local))) {
		if (must_exist)
			lint_report(c, R_FILE_MISSING, SEV_LOW, at, "%s '%s' cannot be read: %s", what,
				    path, strerror(errno));
		return;
	}
	if (S_ISREG(st.st_mode) && (st.st_mode & S_IROTH))
		lint_report(c, R_FILE_MODE, sev, at,
			    "%s '%s' is readable by every local user (mode %04o)", what, path,
			    (unsigned)(st.st_mode & 07777));
}

static void check_password_file(struct lint_ctx *c, const char *path, struct lloc at)
{
	char local[4096], *buf;
	struct mpw_summary s;
	size_t len;

	check_mode(c, "password_file", path, at, SEV_MEDIUM, true);
	lint_local_path(c, path, local, sizeof(local));
	if (c->no_io || lint_read_file(local, MACL_MAX_BYTES, &buf, &len))
		return;
	if (!mpw_summarise(buf, len, &s)) {
		if (s.by_hash[MPW_SHA512])
			lint_report(c, R_PW_WEAK, SEV_LOW, at,
				    "%zu entr%s of '%s' use one round of SHA-512 ($6$, first at "
				    "line %u)",
				    s.by_hash[MPW_SHA512], s.by_hash[MPW_SHA512] == 1 ? "y" : "ies",
				    path, s.first_line[MPW_SHA512]);
		if (s.by_hash[MPW_OTHER])
			lint_report(c, R_PW_PLAIN, SEV_MEDIUM, at,
				    "%zu entr%s of '%s' are not hashed (first at line %u)",
				    s.by_hash[MPW_OTHER], s.by_hash[MPW_OTHER] == 1 ? "y" : "ies", path,
				    s.first_line[MPW_OTHER]);
	}
	explicit_bzero(buf, len);
	free(buf);
}

/* ---- ACL ---- */

struct acl_use {
	const char *path;
	struct lloc at;
	bool anon;        /* some listener using it accepts anonymous clients */
};

static bool grants_read(const struct macl_entry *e)
{
	return e->kind != MACL_BAD && (e->access & MACL_READ);
}

/* A deny of the same filter in the same section (deny lines win in Mosquitto). */
static bool denied(const struct macl *a, const struct macl_entry *g)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct macl_entry *e = &a->v[i];

		if (e->kind == g->kind && e->access == MACL_DENY && e->anonymous == g->anonymous &&
		    !strcmp(e->user, g->user) && (macl_filter_all(e->filter) ||
						   !strcmp(e->filter, g->filter)))
			return true;
	}
	return false;
}

static void check_acl_entries(struct lint_ctx *c, const struct acl_use *u, const struct macl *a)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct macl_entry *e = &a->v[i];
		bool all = macl_filter_all(e->filter), sys = macl_filter_sys(e->filter);

		if (e->kind == MACL_BAD) {
			lint_report(c, R_SYNTAX, SEV_MEDIUM, u->at,
				    "acl_file '%s' line %u: Mosquitto refuses this line and does "
				    "not start",
				    u->path, e->line);
			continue;
		}
		if (!grants_read(e) || denied(a, e))
			continue;
		if (e->anonymous && u->anon && (all || sys))
			lint_report(c, all ? R_ACL_ANON_ALL : R_SYS, all ? SEV_HIGH : SEV_MEDIUM,
				    u->at,
				    "acl_file '%s' line %u: 'topic %s' gives anonymous clients %s",
				    u->path, e->line, e->filter,
				    all ? "every topic" : "the $SYS tree");
		if (e->kind == MACL_PATTERN && !macl_filter_personal(e->filter) && (all || sys))
			lint_report(c, all ? R_ACL_ALL : R_SYS,
				    all ? SEV_HIGH : u->anon ? SEV_MEDIUM : SEV_LOW, u->at,
				    "acl_file '%s' line %u: 'pattern %s' gives every client%s %s",
				    u->path, e->line, e->filter,
				    u->anon ? " (anonymous ones too)" : "",
				    all ? "every topic" : "the $SYS tree");
	}
}

static void check_acl(struct lint_ctx *c, const struct acl_use *u)
{
	char local[4096], *buf;
	struct macl a;
	size_t len;

	check_mode(c, "acl_file", u->path, u->at, SEV_LOW, true);
	lint_local_path(c, u->path, local, sizeof(local));
	if (c->no_io || lint_read_file(local, MACL_MAX_BYTES, &buf, &len))
		return;
	if (!macl_parse(buf, len, &a))
		check_acl_entries(c, u, &a);
	macl_free(&a);
	free(buf);
}

/* Each distinct security scope once: its files, its ACL, $SYS without an ACL. */
static void check_scopes(struct lint_ctx *c)
{
	const struct lsec *done[LINT_MAX_LISTENERS + 1];
	size_t ndone = 0;

	for (size_t i = 0; i < c->eff.n; i++) {
		const struct llistener *l = &lint_eff(c)[i];
		const struct lsec *s = sec_of(c, l);
		bool anon = false, seen = false;
		struct lloc at;

		for (size_t k = 0; k < ndone; k++)
			seen |= done[k] == s || (done[k]->acl_file && s->acl_file &&
						 !strcmp(done[k]->acl_file, s->acl_file) &&
						 done[k]->password_file == s->password_file);
		if (seen)
			continue;
		done[ndone++] = s;
		for (size_t k = 0; k < c->eff.n; k++) /* anonymous anywhere this scope applies */
			if (sec_of(c, &lint_eff(c)[k]) == s && anon_allowed(c, &lint_eff(c)[k]))
				anon = true;
		if (s->password_file)
			check_password_file(c, s->password_file, s->pw_at);
		check_mode(c, "psk_file", s->psk_file, s->psk_at, SEV_HIGH, true);
		if (s->acl_file) {
			struct acl_use u = {s->acl_file, s->acl_at, anon};

			check_acl(c, &u);
		} else if (c->sys_interval != 0 && anon && !c->addon) {
			at = anon_loc(c, l);
			lint_report(c, R_SYS, l->kind == LK_LOCAL_ONLY ||
						      listener_scope(c, l) == SC_LOOPBACK
						      ? SEV_INFO
						      : SEV_MEDIUM,
				    at,
				    "no acl_file: anonymous clients read $SYS (version, client "
				    "counts) on %s",
				    l->kind == LK_LOCAL_ONLY ? "the local-only listeners"
							     : "this broker");
		} else if (s->password_file && !s->plugins && !c->addon) {
			lint_report(c, R_NO_ACL, SEV_MEDIUM, s->pw_at,
				    "password_file without an acl_file: every account can read and "
				    "write every topic");
		}
	}
}

static void check_tls_files(struct lint_ctx *c)
{
	for (size_t i = 0; i < c->eff.n; i++)
		check_mode(c, "keyfile", lint_eff(c)[i].keyfile, lint_eff(c)[i].key_at, SEV_HIGH, false);
}

static void check_persistence(struct lint_ctx *c)
{
	char path[4096];

	if (!c->persistence || !c->persistence_location || !*c->persistence_location)
		return;
	snprintf(path, sizeof(path), "%s%s%s", c->persistence_location,
		 c->persistence_location[strlen(c->persistence_location) - 1] == '/' ? "" : "/",
		 c->persistence_file ? c->persistence_file : "mosquitto.db");
	check_mode(c, "persistence database", path, c->persistence_at, SEV_MEDIUM, false);
}

static void check_addon(struct lint_ctx *c)
{
	bool acl = false;

	if (!c->addon)
		return;
	for (size_t i = 0; i < c->eff.n; i++)
		acl |= sec_of(c, &lint_eff(c)[i])->acl_file != NULL;
	if (!acl)
		lint_report(c, R_ADDON_ALL, SEV_MEDIUM, c->addon_at,
			    "no acl_file in the customize folder: every login and every Home "
			    "Assistant user can read and write every topic");
}

static int finding_cmp(const void *a, const void *b)
{
	const struct lint_finding *x = a, *y = b;

	if (x->sev != y->sev)
		return (int)y->sev - (int)x->sev;
	if (x->at.file != y->at.file)
		return (int)x->at.file - (int)y->at.file;
	if (x->at.line != y->at.line)
		return x->at.line < y->at.line ? -1 : 1;
	return (int)x->rule - (int)y->rule;
}

void lint_check(struct lint_ctx *c)
{
	check_notes(c);
	for (size_t i = 0; i < c->eff.n; i++)
		check_listener(c, &lint_eff(c)[i]);
	check_plain_beside_tls(c);
	check_scopes(c);
	check_tls_files(c);
	check_persistence(c);
	check_addon(c);
	if (c->findings.n)
		qsort(c->findings.p, c->findings.n, sizeof(struct lint_finding), finding_cmp);
}
