#!/usr/bin/env bash
# One-time (idempotent) set-up on Debian 12, as root: the Debian packages the build, the tests,
# the lab and the benchmark need, then npm installs for the test peers in tests/peers/*/.
# Safe to run again: when every package is already installed it does not touch apt at all
# (set MSW_SETUP_FORCE=1 to run apt-get update/install anyway). Scanning itself needs no root.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Debian package names (each checked with apt-cache policy on Debian 12 bookworm).
PACKAGES=(
	build-essential cmake pkg-config clang libclang-rt-14-dev
	libssl-dev libsqlite3-dev libcjson-dev libcmocka-dev libsmbclient-dev
	samba smbclient mosquitto mosquitto-clients nmap openssl sqlite3
	python3 python3-jsonschema valgrind jq iproute2 procps psmisc ca-certificates
)
# nodejs/npm: a NodeSource nodejs already provides npm and conflicts with Debian's npm
# package, so they are only installed when npm is missing.
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; fi
fi

missing=()
for p in "${PACKAGES[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case $st in *" installed") ;; *) missing+=("$p") ;; esac
done

if [ ${#missing[@]} -gt 0 ] || [ -n "${MSW_SETUP_FORCE:-}" ]; then
	if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; then
		echo "setup: missing packages (${missing[*]}) and not root: run as root" >&2
		exit 1
	fi
	echo "setup: installing: ${missing[*]:-(forced)}"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -q
	$SUDO apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
	# Packages may start their distro services (where an init is running); the tests and
	# the lab start their own instances on 127.x addresses, so stop the distro ones (by
	# their init scripts only: never by name, concurrent test brokers must live).
	for svc in mosquitto smbd nmbd samba-ad-dc; do
		$SUDO service "$svc" stop >/dev/null 2>&1 || true
	done
else
	echo "setup: all Debian packages present"
fi

# npm peers: every tests/peers/*/package.json (and tests/differential/) gets its node_modules, unless they are already
# newer than package.json (and package-lock.json).
for pj in "$ROOT"/tests/peers/*/package.json "$ROOT"/tests/differential/package.json; do
	[ -f "$pj" ] || continue
	dir=$(dirname "$pj")
	stamp="$dir/node_modules/.msw-installed"
	if [ -f "$stamp" ] && [ "$stamp" -nt "$pj" ] &&
		{ [ ! -f "$dir/package-lock.json" ] || [ "$stamp" -nt "$dir/package-lock.json" ]; }; then
		continue
	fi
	echo "setup: npm install in ${dir#"$ROOT"/}"
	if (cd "$dir" && npm install --no-audit --no-fund --loglevel=error); then
		touch "$stamp"
	else
		echo "setup: WARNING: npm install failed in $dir (tests using this peer will fail)" >&2
	fi
done

echo "setup: done"
