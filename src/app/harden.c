/* `mqttsweep harden --listen ADDR:PORT --out DIR [--user NAME]...`: writes a Mosquitto 2.0
 * configuration that lint finds clean, with one generated account per named client.
 *
 * DIR receives mosquitto.conf (one listener, allow_anonymous false, password_file,
 * acl_file, persistence in DIR/data, optional TLS), passwd (Mosquitto 2.0's format:
 * user:$7$101$<salt>$<hash>, PBKDF2-HMAC-SHA512 with 101 iterations, a 12-byte salt and a
 * 64-byte hash, both base64, as mosquitto_passwd writes them), acl (nothing for clients
 * without an account, nothing of $SYS, each account its own subtrees; the Home Assistant
 * and Zigbee2MQTT accounts, recognised by name, the topics those programs use) and
 * passwords.txt (mode 0600: the clear passwords, written once, never printed). Passwords
 * are 24 characters from [A-Za-z0-9] drawn with OpenSSL's RAND_bytes (about 143 bits).
 * Run as root, the files are given to user mosquitto, which the broker runs as. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include "app/harden.h"

#define EXIT_USAGE   2
#define EXIT_RUNTIME 3
#define MAX_USERS    64
#define PW_LEN       24
#define PBKDF2_ITER  101
#define SALT_LEN     12
#define HASH_LEN     64

struct harden_args {
	char addr[128];
	unsigned port;
	const char *out, *install, *cert, *key;
	const char *users[MAX_USERS];
	size_t nusers;
	bool force;
};

static int usage_err(const char *what, const char *v)
{
	fprintf(stderr, "mqttsweep: %s%s%s%s (see mqttsweep harden --help)\n", what, v ? " '" : "",
		v ? v : "", v ? "'" : "");
	return EXIT_USAGE;
}

static void harden_usage(FILE *f)
{
	fprintf(f,
		"usage: mqttsweep harden --listen ADDR:PORT --out DIR [--user NAME]... [options]\n"
		"  Write a Mosquitto 2.0 configuration with no anonymous access, one generated\n"
		"  account per --user and an ACL that gives each account its own topics.\n\n"
		"options:\n"
		"  --listen ADDR:PORT           the one listener (127.0.0.1:1883, [::1]:8883, ...)\n"
		"  --out DIR                    where to write mosquitto.conf, passwd, acl,\n"
		"                               passwords.txt (created if missing)\n"
		"  --user NAME                  an account (repeatable). 'homeassistant' and\n"
		"                               'zigbee2mqtt' also get the topics those use\n"
		"  --tls-cert FILE              serve TLS with this certificate (PEM) ...\n"
		"  --tls-key FILE               ... and key\n"
		"  --install-dir PATH           where the files will live (paths in the\n"
		"                               configuration) [DIR]\n"
		"  --force                      overwrite files already in DIR\n"
		"  -h, --help                   this text\n\n"
		"Exit codes: 0 written, 2 usage error, 3 a file could not be written.\n");
}

static bool valid_user(const char *u)
{
	size_t n = strlen(u);

	if (n < 1 || n > 64)
		return false;
	for (; *u; u++)
		if (!((*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') ||
		      (*u >= '0' && *u <= '9') || *u == '_' || *u == '-' || *u == '.'))
			return false;
	return true;
}

/* ADDR:PORT, [V6]:PORT. The address: printable, no blanks (it goes on a listener line). */
static bool parse_listen(const char *v, struct harden_args *a)
{
	const char *colon = strrchr(v, ':'), *s = v, *e;
	char *end;
	unsigned long port;

	if (!colon || !colon[1])
		return false;
	e = colon;
	if (*s == '[') {
		if (e[-1] != ']')
			return false;
		s++;
		e--;
	} else if (memchr(v, ':', (size_t)(colon - v))) {
		return false; /* a bare IPv6 address needs brackets */
	}
	if (e <= s || (size_t)(e - s) >= sizeof(a->addr))
		return false;
	for (const char *p = s; p < e; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '#')
			return false;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port < 1 || port > 65535)
		return false;
	memcpy(a->addr, s, (size_t)(e - s));
	a->addr[e - s] = '\0';
	a->port = (unsigned)port;
	return true;
}

static int parse_harden_args(int argc, char **argv, struct harden_args *a)
{
	for (int i = 0; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--force")) {
			a->force = true;
			continue;
		}
		if (strcmp(o, "--listen") && strcmp(o, "--out") && strcmp(o, "--user") &&
		    strcmp(o, "--tls-cert") && strcmp(o, "--tls-key") && strcmp(o, "--install-dir"))
			return usage_err("unknown argument", o);
		if (!v || !*v)
			return usage_err("this option needs an argument:", o);
		i++;
		if (!strcmp(o, "--listen")) {
			if (!parse_listen(v, a))
				return usage_err("bad value for --listen (use ADDR:PORT or [V6]:PORT):",
						 v);
		} else if (!strcmp(o, "--out")) {
			a->out = v;
		} else if (!strcmp(o, "--install-dir")) {
			a->install = v;
		} else if (!strcmp(o, "--tls-cert")) {
			a->cert = v;
		} else if (!strcmp(o, "--tls-key")) {
			a->key = v;
		} else {
			if (!valid_user(v))
				return usage_err("bad user name (1-64 of A-Z a-z 0-9 _ - .):", v);
			for (size_t k = 0; k < a->nusers; k++)
				if (!strcmp(a->users[k], v))
					return usage_err("user named twice:", v);
			if (a->nusers == MAX_USERS)
				return usage_err("too many users (64 at most)", NULL);
			a->users[a->nusers++] = v;
		}
	}
	if (!a->addr[0] || !a->out)
		return usage_err("harden needs --listen ADDR:PORT and --out DIR", NULL);
	if (!a->cert != !a->key)
		return usage_err("give --tls-cert and --tls-key together", NULL);
	const char *paths[] = {a->out, a->install, a->cert, a->key};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (!paths[i])
			continue;
		if (strpbrk(paths[i], "\n\r#"))
			return usage_err("a path with a line break or '#' cannot go in mosquitto.conf:",
					 paths[i]);
		if (i >= 2 && access(paths[i], R_OK))
			return usage_err("cannot read", paths[i]);
	}
	return 0;
}

/* ---- secrets ---- */

static bool random_password(char out[PW_LEN + 1])
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t n = 0;

	while (n < PW_LEN) {
		unsigned char b[32];

		if (RAND_bytes(b, sizeof(b)) != 1)
			return false;
		for (size_t i = 0; i < sizeof(b) && n < PW_LEN; i++)
			if (b[i] < 248) /* 248 = 4 * 62: no bias */
				out[n++] = set[b[i] % 62];
		explicit_bzero(b, sizeof(b));
	}
	out[PW_LEN] = '\0';
	return true;
}

/* One passwd line: user:$7$101$salt$hash (base64 with padding, as mosquitto_passwd). */
static bool hash_line(const char *user, const char *pw, char *line, size_t n)
{
	unsigned char salt[SALT_LEN], hash[HASH_LEN];
	char salt64[4 * ((SALT_LEN + 2) / 3) + 1], hash64[4 * ((HASH_LEN + 2) / 3) + 1];
	bool ok = RAND_bytes(salt, sizeof(salt)) == 1 &&
		  PKCS5_PBKDF2_HMAC(pw, (int)strlen(pw), salt, sizeof(salt), PBKDF2_ITER,
				    EVP_sha512(), sizeof(hash), hash) == 1;

	if (ok) {
		EVP_EncodeBlock((unsigned char *)salt64, salt, sizeof(salt));
		EVP_EncodeBlock((unsigned char *)hash64, hash, sizeof(hash));
		ok = (size_t)snprintf(line, n, "%s:$7$%d$%s$%s\n", user, PBKDF2_ITER, salt64,
				      hash64) < n;
	}
	explicit_bzero(hash, sizeof(hash));
	return ok;
}

/* ---- files ---- */

static bool owner_mosquitto(const char *path)
{
	struct passwd *pw;

	if (geteuid() != 0 || !(pw = getpwnam("mosquitto")))
		return true;
	return chown(path, pw->pw_uid, pw->pw_gid) == 0;
}

/* Create (or with force replace) path with mode, write text. */
static bool write_file(const struct harden_args *a, const char *name, const char *text,
		       mode_t mode, bool give)
{
	char path[PATH_MAX];
	int fd;
	size_t n = strlen(text);
	bool ok;

	snprintf(path, sizeof(path), "%s/%s", a->out, name);
	if (a->force)
		unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0) {
		fprintf(stderr, "mqttsweep: cannot create '%s': %s%s\n", path, strerror(errno),
			errno == EEXIST ? " (use --force to replace it)" : "");
		return false;
	}
	ok = write(fd, text, n) == (ssize_t)n && fchmod(fd, mode) == 0;
	ok = (close(fd) == 0) && ok;
	if (ok && give)
		ok = owner_mosquitto(path);
	if (!ok)
		fprintf(stderr, "mqttsweep: cannot write '%s': %s\n", path, strerror(errno));
	return ok;
}

static const char *role_of(const char *user)
{
	if (!strcmp(user, "homeassistant"))
		return "homeassistant";
	if (!strcmp(user, "zigbee2mqtt"))
		return "zigbee2mqtt";
	return NULL;
}

static bool acl_text(const struct harden_args *a, char *buf, size_t n)
{
	size_t o = 0;

#define ADD(...) (o += (size_t)snprintf(buf + o, o < n ? n - o : 0, __VA_ARGS__))
	ADD("# ACL written by mqttsweep harden for Mosquitto 2.0 (mosquitto.conf(5), acl_file).\n"
	    "# No topic line comes before the first user line: clients without an account get\n"
	    "# nothing, and no line grants $SYS, so nobody reads the broker's status tree.\n"
	    "# Patterns apply to every account; %%u is the account's user name.\n\n"
	    "# OwnTracks: each phone publishes and reads only its own owntracks/USER/DEVICE.\n"
	    "# To share locations between two people add, under a user line:\n"
	    "#   topic read owntracks/alice/#\n"
	    "pattern readwrite owntracks/%%u/#\n"
	    "# Each account's own subtree for its devices and scripts.\n"
	    "pattern readwrite clients/%%u/#\n");
	for (size_t i = 0; i < a->nusers; i++) {
		const char *r = role_of(a->users[i]);

		if (!r)
			continue;
		ADD("\nuser %s\n", a->users[i]);
		if (!strcmp(r, "homeassistant"))
			ADD("# Home Assistant: MQTT discovery and its own state topics, the\n"
			    "# locations OwnTracks reports (device_tracker), Zigbee2MQTT devices.\n"
			    "# Add the prefixes of other integrations you use here.\n"
			    "topic readwrite homeassistant/#\n"
			    "topic read owntracks/+/+\n"
			    "topic readwrite zigbee2mqtt/#\n");
		else
			ADD("# Zigbee2MQTT: its base topic and Home Assistant discovery.\n"
			    "topic readwrite zigbee2mqtt/#\n"
			    "topic readwrite homeassistant/#\n");
	}
#undef ADD
	return o < n;
}

static bool conf_text(const struct harden_args *a, const char *inst, char *buf, size_t n)
{
	size_t o = 0;
	time_t now = time(NULL);
	char when[32];

	strftime(when, sizeof(when), "%Y-%m-%d", gmtime(&now));
#define ADD(...) (o += (size_t)snprintf(buf + o, o < n ? n - o : 0, __VA_ARGS__))
	ADD("# mosquitto.conf written by mqttsweep harden on %s for Mosquitto 2.0.\n"
	    "# It replaces the whole configuration (Debian's /etc/mosquitto/mosquitto.conf\n"
	    "# sets persistence too; a second persistence_location stops the broker).\n\n"
	    "# One listener. allow_anonymous, password_file and acl_file apply to it.\n"
	    "per_listener_settings false\n"
	    "listener %u %s\n",
	    when, a->port, a->addr);
	if (a->cert)
		ADD("certfile %s\nkeyfile %s\n", a->cert, a->key);
	ADD("allow_anonymous false\n"
	    "password_file %s/passwd\n"
	    "acl_file %s/acl\n\n"
	    "# Retained messages and sessions survive a restart; the database is written\n"
	    "# with mode 0600 by Mosquitto, in a folder only user mosquitto can enter.\n"
	    "persistence true\n"
	    "persistence_location %s/data/\n"
	    "autosave_interval 300\n",
	    inst, inst, inst);
#undef ADD
	return o < n;
}

static bool make_dirs(const struct harden_args *a)
{
	char data[PATH_MAX];

	if (mkdir(a->out, 0755) && errno != EEXIST) {
		fprintf(stderr, "mqttsweep: cannot create '%s': %s\n", a->out, strerror(errno));
		return false;
	}
	snprintf(data, sizeof(data), "%s/data", a->out);
	if (mkdir(data, 0700) && errno != EEXIST) {
		fprintf(stderr, "mqttsweep: cannot create '%s': %s\n", data, strerror(errno));
		return false;
	}
	return chmod(data, 0700) == 0 && owner_mosquitto(data);
}

static bool write_accounts(const struct harden_args *a)
{
	size_t cap = (size_t)(a->nusers + 1) * 512;
	char *pw = calloc(1, cap), *clear = calloc(1, cap);
	size_t po = 0, co = 0;
	bool ok = pw && clear;

	if (ok)
		co += (size_t)snprintf(clear, cap,
				       "# The clear passwords, shown nowhere else: give each to its "
				       "client, then delete this file.\n");
	for (size_t i = 0; ok && i < a->nusers; i++) {
		char p[PW_LEN + 1];

		ok = random_password(p) && hash_line(a->users[i], p, pw + po, cap - po);
		if (ok) {
			po += strlen(pw + po);
			co += (size_t)snprintf(clear + co, cap - co, "%s %s\n", a->users[i], p);
		}
		explicit_bzero(p, sizeof(p));
	}
	ok = ok && write_file(a, "passwd", pw, 0600, true) &&
	     write_file(a, "passwords.txt", clear, 0600, false);
	if (clear)
		explicit_bzero(clear, cap);
	free(pw);
	free(clear);
	return ok;
}

static void print_install(const struct harden_args *a, const char *inst)
{
	printf("Wrote %s/mosquitto.conf, %s/passwd (%zu account%s), %s/acl and %s/data/.\n"
	       "The clear passwords are in %s/passwords.txt (mode 0600), written once and shown\n"
	       "nowhere else: give each to its client, then delete the file.\n\n",
	       a->out, a->out, a->nusers, a->nusers == 1 ? "" : "s", a->out, a->out, a->out);
	if (strcmp(inst, a->out))
		printf("Install (Debian, Raspberry Pi OS; Mosquitto 2.0), as root:\n"
		       "  install -d -o mosquitto -m 0700 %s %s/data\n"
		       "  install -o mosquitto -m 0600 %s/passwd %s/acl %s/\n"
		       "  cp /etc/mosquitto/mosquitto.conf /etc/mosquitto/mosquitto.conf.orig\n"
		       "  cp %s/mosquitto.conf /etc/mosquitto/mosquitto.conf\n"
		       "  systemctl restart mosquitto\n\n",
		       inst, inst, a->out, a->out, inst, a->out);
	else
		printf("Try it:   mosquitto -c %s/mosquitto.conf\n"
		       "Install:  rerun with --install-dir /etc/mosquitto for the paths of the\n"
		       "          system broker and the commands to copy the files there.\n\n",
		       a->out);
	printf("Check it: mqttsweep lint %s/mosquitto.conf\n"
	       "          mqttsweep audit %s%s%s:%u --fail-on medium%s\n"
	       "Home Assistant's Mosquitto add-on: put the accounts in the add-on's Logins\n"
	       "option instead, and the acl file in /share/mosquitto (customize folder) with an\n"
	       "acl.conf holding 'acl_file /share/mosquitto/acl'.\n",
	       a->out, strchr(a->addr, ':') ? "[" : "", a->addr, strchr(a->addr, ':') ? "]" : "",
	       a->port, a->cert ? " --cafile <your CA>" : "");
}

int harden_main(int argc, char **argv)
{
	struct harden_args a = {0};
	char inst[PATH_MAX], conf[4 * PATH_MAX + 4096], acl[MAX_USERS * 512 + 2048];
	int code;

	for (int i = 0; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			harden_usage(stdout);
			return 0;
		}
	if ((code = parse_harden_args(argc, argv, &a)))
		return code;
	if (!make_dirs(&a))
		return EXIT_RUNTIME;
	if (a.install)
		snprintf(inst, sizeof(inst), "%s", a.install);
	else if (!realpath(a.out, inst))
		return EXIT_RUNTIME;
	if (!conf_text(&a, inst, conf, sizeof(conf)) || !acl_text(&a, acl, sizeof(acl)))
		return EXIT_RUNTIME;
	if (!write_accounts(&a) || !write_file(&a, "acl", acl, 0600, true) ||
	    !write_file(&a, "mosquitto.conf", conf, 0644, false))
		return EXIT_RUNTIME;
	print_install(&a, inst);
	return fflush(stdout) ? EXIT_RUNTIME : 0;
}
