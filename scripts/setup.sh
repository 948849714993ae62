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
	python3 python3-jsonschema python3-yaml valgrind jq iproute2 procps psmisc ca-certificates
	# more real peers (docs/test-peers.md): RabbitMQ (pulls Erlang), ActiveMQ (pulls a Java
	# runtime; the MQTT transport's jars and Jetty for its console are separate packages),
	# PostgreSQL, a Slurm cluster, zmap, a browser with a font for legible screenshots
	rabbitmq-server activemq libmqtt-client-java libhawtdispatch-java libjetty9-java
	postgresql libpq-dev slurm-wlm munge zmap chromium fonts-dejavu-core
)
# nodejs/npm: a NodeSource nodejs already provides npm and conflicts with Debian's npm
# package, so they are only installed when npm is missing.
command -v npm >/dev/null 2>&1 || PACKAGES+=(nodejs npm)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; fi
fi

# One dpkg-query for the whole list (a query per package costs a second or two).
declare -A installed=()
while read -r name st; do
	case $st in *" installed") installed[$name]=1 ;; esac
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
missing=()
for p in "${PACKAGES[@]}"; do
	[ -n "${installed[$p]:-}" ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ] || [ -n "${MSW_SETUP_FORCE:-}" ]; then
	if [ "$(id -u)" -ne 0 ] && [ -z "$SUDO" ]; then
		echo "setup: missing packages (${missing[*]}) and not root: run as root" >&2
		exit 1
	fi
	echo "setup: installing: ${missing[*]:-(forced)}"
	export DEBIAN_FRONTEND=noninteractive
	# other helpers may be installing too: wait for the dpkg lock instead of failing
	$SUDO apt-get -o DPkg::Lock::Timeout=900 update -q
	$SUDO apt-get -o DPkg::Lock::Timeout=900 install -y -q --no-install-recommends "${PACKAGES[@]}"
	# Packages may start their distro services (where an init is running); the tests and
	# the lab start their own instances on 127.x addresses, so stop the distro ones (by
	# their init scripts only: never by name, concurrent test brokers must live).
	for svc in mosquitto smbd nmbd samba-ad-dc rabbitmq-server epmd activemq postgresql slurmctld slurmd munge; do
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
