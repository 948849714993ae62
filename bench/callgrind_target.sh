#!/usr/bin/env bash
# User-space instructions mqttsweep spends per audited target at --window 0, measured with
# callgrind against one real Mosquitto on loopback (see bench/README.md).
#
#   bash bench/callgrind_target.sh [BIN...]      (default: build/mqttsweep)
#
# For each binary: two scans of N1 and N2 targets (--depth topics --window 0, one sink:
# JSON lines to a file), each under `valgrind --tool=callgrind`; the figure is
# (Ir(N2) - Ir(N1)) / (N2 - N1): start-up and shut-down cancel out. Prints one line per
# binary. Environment: CG_N1 (500), CG_N2 (3500), CG_PORT (21884), CG_DB: a database sink
# too (1: a new SQLite file per scan; a postgresql:// URL: that server, the client's
# instructions only), CG_CSV=1 / CG_HTML=1: a CSV file / an HTML report too; CG_TEXT=1: the
# terminal summary (--format text --details) on stdout, the JSON lines to a file beside it. Traffic stays on
# 127.0.0.0/8; run it inside `unshare -n` (after `ip link set lo up`) to keep ports private.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N1=${CG_N1:-500}
N2=${CG_N2:-3500}
PORT=${CG_PORT:-21884}
[ $# -gt 0 ] || set -- "$ROOT/build/mqttsweep"

T=$(mktemp -d /tmp/msw-cg.XXXXXX)
chmod 0777 "$T"
MPID=""
cleanup() {
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

cat >"$T/mosq.conf" <<CONF
listener $PORT 0.0.0.0
allow_anonymous true
max_connections -1
persistence false
log_dest none
CONF
chmod 0644 "$T/mosq.conf"
(ulimit -n 20000; exec mosquitto -c "$T/mosq.conf") >"$T/mosq.log" 2>&1 &
MPID=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
for i in 1 2 3; do
	mosquitto_pub -h 127.0.0.1 -p "$PORT" -r -t "owntracks/user$i/phone" \
		-m "{\"_type\":\"location\",\"lat\":52.5$i,\"lon\":13.4$i,\"tst\":1700000000}"
done

net=20
ir_of() { # BIN N -> total Ir of one scan
	local bin=$1 n=$2 out
	out="$T/cg.$net.out"
	local db=()
	case "${CG_DB:-}" in
	"") ;;
	postgres*) db=(--db "$CG_DB") ;;
	*) db=(--db "$T/cg.$net.db") ;;
	esac
	[ -n "${CG_CSV:-}" ] && db+=(--csv "$T/cg.$net.csv")
	[ -n "${CG_HTML:-}" ] && db+=(--html "$T/cg.$net.html")
	local fmt=(--format json) so="$T/scan.json"
	if [ -n "${CG_TEXT:-}" ]; then
		fmt=(--format text --details -oJ "$T/scan.json")
		so="$T/scan.txt"
	fi
	valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" scan "127.$net.0.0/16" \
		-p "$PORT" -n "$n" --depth topics --window 0 --rate 100000 --concurrency 100 \
		"${fmt[@]}" -q "${db[@]}" >"$so" 2>"$T/vg.err" </dev/null
	net=$((net + 1))
	awk '/^summary:/ {print $2}' "$out"
	[ "$(grep -c '"status":"success"' "$T/scan.json")" = "$n" ] ||
		echo "warning: $bin: not every target succeeded" >&2
}

for bin in "$@"; do
	a=$(ir_of "$bin" "$N1")
	b=$(ir_of "$bin" "$N2")
	echo "$bin: $(( (b - a) / (N2 - N1) )) instructions per target (Ir $N1: $a, Ir $N2: $b)"
done
