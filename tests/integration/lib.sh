#!/usr/bin/env bash
# Shared helpers for integration tests: source this file, then start REAL servers on
# loopback and assert on mqttsweep's output. Everything a test starts is recorded and
# killed by the EXIT trap (cleanup), and every file lives in one temp dir.
#
# Environment (set by ctest): MSW_BIN (the mqttsweep binary), MSW_SOURCE_DIR, MSW_BUILD_DIR.
# MSW_SHARED_DIR is derived: the shared/ folder beside the source tree (in CI: <clone>/../shared).
#
# Address allocation (each test owns a distinct 127.x.y.z range so ctest -j can run them in
# parallel; nothing ever binds outside 127.0.0.0/8):
#   127.0.80.x            lab (lab/lab.sh)
#   127.0.86.x            lint (test_lint.sh) and --fail-on (test_fail_on.sh, .20x)
#   127.0.87.x            harden (test_harden.sh)
#   127.0.90.x            engine tests (rate, per-host, concurrency, signals, resume)
#   127.0.91.x            mqtt probe tests (anonymous, password, ACL, $SYS, versions)
#   127.0.92.x            classify tests
#   127.0.93.x            host probes (Node-RED, Samba, HTTP)
#   127.0.94.x            tls / websocket tests (127.0.98.x: Aedes, see test-peers.md)
#   127.0.95.x-127.0.96.x hostile broker suite
#   127.0.97.x            output / sink tests
#   127.0.99.x            cli / targets tests
#   127.1.0.0/16 and up   benchmarks (bench/) only
# Within a range pick ports with free_port, or fixed high ports unique to the test file.
#
# Helpers:
#   msw_tmpdir                      -> prints $MSW_TMP (made when sourced, removed on exit)
#   start_mosquitto ADDR PORT [conf lines...]   real broker; sets MOSQ_PID, MOSQ_CONF, MOSQ_LOG
#   wait_port ADDR PORT [timeout_s]             until TCP connect succeeds (rc 1 on timeout)
#   start_silent_listener ADDR PORT             accepts TCP, never answers; sets SILENT_PID
#   free_port [ADDR]                            prints an unused TCP port on ADDR
#   track_pid PID                               have cleanup kill PID too
#   assert_eq EXPECTED ACTUAL [message]
#   assert_json FILE 'jq-expr' [message]        expr must be true for at least one line
#   assert_json_all FILE 'jq-expr' [message]    expr must be true for every line
#   validate_schema FILE                        JSON lines against docs/record.schema.json
#   fail MESSAGE / pass MESSAGE / finish        counters; finish exits 1 if anything failed
set -u

: "${MSW_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${MSW_BUILD_DIR:=$MSW_SOURCE_DIR/build}"
: "${MSW_BIN:=$MSW_BUILD_DIR/mqttsweep}"
if [ -z "${MSW_SHARED_DIR:-}" ]; then
	MSW_SHARED_DIR="$(cd "$MSW_SOURCE_DIR/.." && pwd)/shared"
	[ -d "$MSW_SHARED_DIR" ] || MSW_SHARED_DIR=/work/shared
fi
export MSW_SOURCE_DIR MSW_BUILD_DIR MSW_BIN MSW_SHARED_DIR
MSW_FIXTURES="$MSW_SHARED_DIR/fixtures"

# A Python with jsonschema: prefer Debian's (python3-jsonschema), else whatever is on PATH.
msw_python() {
	if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
		echo /usr/bin/python3
	else
		command -v python3
	fi
}

MSW_PIDS=()
MSW_FAILS=0
MSW_PASSES=0

# Created at source time so that $(msw_tmpdir) in a subshell names the same directory.
# root-run mosquitto drops to user mosquitto: it must be able to write logs here.
MSW_TMP=$(mktemp -d /tmp/msw-test.XXXXXX)
chmod 0777 "$MSW_TMP"
msw_tmpdir() {
	echo "$MSW_TMP"
}

track_pid() {
	MSW_PIDS+=("$1")
}

cleanup() {
	local pid i
	for ((i = ${#MSW_PIDS[@]} - 1; i >= 0; i--)); do
		pid=${MSW_PIDS[$i]}
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${MSW_PIDS[@]}"; do
		# give each a moment, then force
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	MSW_PIDS=()
	if [ -n "$MSW_TMP" ] && [ -z "${MSW_KEEP_TMP:-}" ]; then
		rm -rf "$MSW_TMP"
	fi
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

fail() {
	echo "FAIL: $*" >&2
	MSW_FAILS=$((MSW_FAILS + 1))
}

pass() {
	echo "ok: $*"
	MSW_PASSES=$((MSW_PASSES + 1))
}

# End of a test: summary line and exit status.
finish() {
	echo "$MSW_PASSES passed, $MSW_FAILS failed"
	[ "$MSW_FAILS" -eq 0 ]
	exit $?
}

assert_eq() {
	local exp=$1 act=$2 msg=${3:-}
	if [ "$exp" == "$act" ]; then
		pass "${msg:-value} = '$act'"
	else
		fail "${msg:-value}: expected '$exp', got '$act'"
		return 1
	fi
}

# True if at least one JSON line of FILE satisfies the jq expression.
assert_json() {
	local file=$1 expr=$2 msg=${3:-$2}
	if [ ! -s "$file" ]; then
		fail "$msg: $file is empty or missing"
		return 1
	fi
	if jq -e -s "map(($expr) == true) | any" "$file" >/dev/null 2>&1; then
		pass "$msg"
	else
		fail "$msg (in $file)"
		head -c 2000 "$file" >&2
		echo >&2
		return 1
	fi
}

# True if every JSON line of FILE satisfies the jq expression (and there is at least one).
assert_json_all() {
	local file=$1 expr=$2 msg=${3:-$2}
	if [ ! -s "$file" ]; then
		fail "$msg: $file is empty or missing"
		return 1
	fi
	if jq -e -s "length > 0 and (map(($expr) == true) | all)" "$file" >/dev/null 2>&1; then
		pass "$msg"
	else
		fail "$msg (in $file)"
		head -c 2000 "$file" >&2
		echo >&2
		return 1
	fi
}

validate_schema() {
	local file=$1
	local tool="$MSW_SOURCE_DIR/tests/tools/validate_schema.py"
	local schema="$MSW_SOURCE_DIR/docs/record.schema.json"
	if [ ! -f "$tool" ] || [ ! -f "$schema" ]; then
		echo "note: schema validator or schema not present yet; skipping validation of $file"
		return 0
	fi
	if "$(msw_python)" "$tool" "$schema" "$file"; then
		pass "schema-valid: $(basename "$file")"
	else
		fail "schema validation of $file"
		return 1
	fi
}

# wait_port ADDR PORT [timeout_s]: poll until a TCP connect succeeds.
wait_port() {
	local addr=$1 port=$2 timeout=${3:-10}
	# a deadline, not a delay: on a loaded machine (parallel ctest, sanitizer builds) peers
	# start slowly, so never give up before 30 s (MSW_WAIT_MIN overrides)
	[ "$timeout" -lt "${MSW_WAIT_MIN:-30}" ] && timeout=${MSW_WAIT_MIN:-30}
	local deadline=$((SECONDS + timeout))
	while [ $SECONDS -le $deadline ]; do
		if (exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "wait_port: $addr:$port did not open within ${timeout}s" >&2
	return 1
}

# free_port [ADDR]: an unused port on ADDR (bind to port 0 and read it back).
free_port() {
	local addr=${1:-127.0.0.1}
	"$(msw_python)" -c 'import socket,sys
s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1]); s.close()' "$addr"
}

# start_mosquitto ADDR PORT [extra conf lines...]
# Lines given override the defaults by key (e.g. "allow_anonymous false").
start_mosquitto() {
	local addr=$1 port=$2
	shift 2
	local dir
	dir=$(msw_tmpdir)
	MOSQ_CONF="$dir/mosq-$addr-$port.conf"
	MOSQ_LOG="$dir/mosq-$addr-$port.log"
	local anon="allow_anonymous true" line
	for line in "$@"; do
		case $line in allow_anonymous*) anon="" ;; esac
	done
	{
		echo "listener $port $addr"
		[ -n "$anon" ] && echo "$anon"
		echo "persistence false"
		echo "log_dest file $MOSQ_LOG"
		echo "log_type all"
		echo "connection_messages true"
		for line in "$@"; do
			echo "$line"
		done
	} >"$MOSQ_CONF"
	chmod 0644 "$MOSQ_CONF"
	: >"$MOSQ_LOG"
	chmod 0666 "$MOSQ_LOG"
	mosquitto -c "$MOSQ_CONF" >>"$dir/mosq-$addr-$port.stderr" 2>&1 &
	MOSQ_PID=$!
	track_pid "$MOSQ_PID"
	if ! wait_port "$addr" "$port" 10; then
		echo "mosquitto failed to start on $addr:$port; conf and log:" >&2
		cat "$MOSQ_CONF" "$MOSQ_LOG" "$dir/mosq-$addr-$port.stderr" >&2
		return 1
	fi
	export MOSQ_PID MOSQ_CONF MOSQ_LOG
}

# start_silent_listener ADDR PORT: accepts connections, never writes, never closes.
start_silent_listener() {
	local addr=$1 port=$2
	"$(msw_python)" -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(128)
held=[]
while True:
    c,_=s.accept(); held.append(c)' "$addr" "$port" &
	SILENT_PID=$!
	track_pid "$SILENT_PID"
	wait_port "$addr" "$port" 10
	export SILENT_PID
}

# make_passwd FILE USER PASS: a mosquitto password file readable by the broker.
make_passwd() {
	local file=$1 user=$2 pass=$3
	if [ -f "$file" ]; then
		mosquitto_passwd -b "$file" "$user" "$pass"
	else
		mosquitto_passwd -b -c "$file" "$user" "$pass" 2>/dev/null ||
			{ : >"$file" && mosquitto_passwd -b "$file" "$user" "$pass"; }
	fi
	chmod 0644 "$file"
}

# peak_rss_kb PID: VmHWM of a running process in KiB (0 if gone).
peak_rss_kb() {
	awk '/^VmHWM:/ {print $2; found=1} END {if (!found) print 0}' "/proc/$1/status" 2>/dev/null || echo 0
}

# no_asan_report FILE: fail if FILE holds a sanitizer report.
no_asan_report() {
	local file=$1
	if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$file" 2>/dev/null; then
		fail "sanitizer report in $file"
		grep -m5 -E 'ERROR: |runtime error:' "$file" >&2
		return 1
	fi
	return 0
}
