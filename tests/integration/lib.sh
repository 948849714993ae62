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
#   127.0.82.x            counts, credentials, progress (test_counts, test_credentials, ...)
#   127.0.81.0/24         the CERT-style /24 (test_cert_run.sh)
#   127.0.83.100-102      export (test_export.sh)
#   127.0.86.x            lint (test_lint.sh) and --fail-on (test_fail_on.sh, .20x)
#   127.0.87.x            harden (test_harden.sh)
#   127.0.88.x            broker zoo (RabbitMQ, ActiveMQ, Mosquitto configurations, Aedes)
#   127.0.89.x            the peer checks (test_peers.sh)
#   127.0.90.x            engine tests (rate, per-host, concurrency, signals, resume)
#   127.0.91.x            mqtt probe tests (anonymous, password, ACL, $SYS, versions)
#   127.0.92.x            classify tests
#   127.0.93.x            host probes (Node-RED, Samba, HTTP)
#   127.0.94.x            tls / websocket tests (127.0.98.x: Aedes, see test-peers.md)
#   127.0.95.x-127.0.96.x hostile broker suite
#   127.0.97.x            output / sink tests
#   127.0.99.x            cli / targets tests
#   127.0.84.x-127.0.85.x shards, zmap/zgrab2 input, --depth tcp, retries (helper scale)
#   127.2.0.0/16 and up   burst populations (test_burst) and bench/ populations
#   127.1.0.0/16 and up   benchmarks (bench/) only
# Within a range pick ports with free_port, or fixed high ports unique to the test file.
#
# Helpers:
#   msw_tmpdir                      -> prints $MSW_TMP (made when sourced, removed on exit)
#   start_mosquitto ADDR PORT [conf lines...]   real broker; sets MOSQ_PID, MOSQ_CONF, MOSQ_LOG
#   wait_port ADDR PORT [timeout_s]             until TCP connect succeeds (rc 1 on timeout)
#   start_silent_listener ADDR PORT             accepts TCP, never answers; sets SILENT_PID
#   start_blackhole ADDR PORT                   TCP handshakes go unanswered (connect timeout)
#   start_banner ADDR PORT TEXT                 answers every connection with TEXT, then closes
#   free_port [ADDR]                            prints an unused TCP port on ADDR
#   track_pid PID                               have cleanup kill PID too
#   on_cleanup 'COMMAND'                        have cleanup run COMMAND (eval) before killing PIDs
#   wait_mqtt ADDR PORT [timeout_s] [PID]       until an MQTT CONNECT gets a CONNACK
#   mqtt_connack ADDR PORT                      prints the CONNACK return code (rc 1: none)
#   http_status ADDR PORT [PATH] [USER:PASS]    prints the status code of a GET (rc 1: none)
#   assert_eq EXPECTED ACTUAL [message]
#   assert_json FILE 'jq-expr' [message]        expr must be true for at least one line
#   assert_json_all FILE 'jq-expr' [message]    expr must be true for every line
#   validate_schema FILE                        JSON lines against docs/record.schema.json
#   fail MESSAGE / pass MESSAGE / finish        counters; finish exits 1 if anything failed
# More real peers (below; docs/test-peers.md has ports, start times and caveats):
#   start_rabbitmq ADDR MQTT_PORT AMQP_PORT [MGMT_PORT]   RabbitMQ + rabbitmq_mqtt; RMQ_*; rmq_ctl
#   start_activemq ADDR MQTT_PORT [CONSOLE_PORT]          ActiveMQ Classic + MQTT connector; AMQ_*
#   start_postgres [ADDR] [PORT]                          throw-away PostgreSQL; exports PG_URL
#   start_slurm [CPUS]                                    munged, slurmctld, slurmd; SLURM_CONF
#   zmap_lo PORT CIDR OUTFILE [zmap args...]              zmap SYN scan on lo (root)
#   browser_render FILE.html OUTDIR [render.mjs args...]  headless Chromium checks of a report
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
MSW_CLEANUP_CMDS=()
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

# on_cleanup 'COMMAND': cleanup evals COMMAND (last registered first) before it kills the
# tracked PIDs: for peers that must be stopped in order or by their own tool (pg_ctl, scancel).
on_cleanup() {
	MSW_CLEANUP_CMDS+=("$1")
}

cleanup() {
	local pid i
	for ((i = ${#MSW_CLEANUP_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${MSW_CLEANUP_CMDS[$i]}" >/dev/null 2>&1 || true
	done
	MSW_CLEANUP_CMDS=()
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

# wait_established PID ADDR PORT [TIMEOUT_S]: wait until process PID holds an established
# TCP connection to ADDR:PORT (a deadline like wait_port's: a signal sent "after a second"
# may reach a sanitizer build on a loaded machine before it has connected at all).
wait_established() {
	local pid=$1 addr=$2 port=$3 timeout=${4:-30}
	local deadline=$((SECONDS + timeout))
	while [ $SECONDS -le $deadline ]; do
		ss -Htnp state established dst "$addr:$port" 2>/dev/null | grep -q "pid=$pid," && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "wait_established: pid $pid has no connection to $addr:$port" >&2
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

# start_blackhole ADDR PORT: a listener whose accept queue is full (backlog 0, filled by
# its own connections, never accepted), so further SYNs are dropped: connect timeout, as
# from a filtered host. Sets BLACKHOLE_PID.
start_blackhole() {
	local addr=$1 port=$2
	"$(msw_python)" -c 'import socket,sys,time
a=(sys.argv[1], int(sys.argv[2]))
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(a); s.listen(0)
fill=[]
for i in range(3):
    c=socket.socket(); c.setblocking(False)
    try: c.connect(a)
    except BlockingIOError: pass
    fill.append(c)
print("ready", flush=True)
while True: time.sleep(60)' "$addr" "$port" >"$MSW_TMP/blackhole-$addr-$port" &
	BLACKHOLE_PID=$!
	track_pid "$BLACKHOLE_PID"
	local i
	for i in $(seq 50); do
		grep -q ready "$MSW_TMP/blackhole-$addr-$port" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.3 # the filling connections settle in the queue
	export BLACKHOLE_PID
}

# start_banner ADDR PORT TEXT: answers every connection with TEXT and closes (a service
# that is not MQTT). Sets BANNER_PID.
start_banner() {
	local addr=$1 port=$2 text=$3
	"$(msw_python)" -c 'import socket,sys,threading
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(128)
t=sys.argv[3].encode()
while True:
    c,_=s.accept()
    try:
        c.sendall(t)
    except OSError:
        pass
    c.close()' "$addr" "$port" "$text" &
	BANNER_PID=$!
	track_pid "$BANNER_PID"
	wait_port "$addr" "$port" 10
	export BANNER_PID
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

# =============================================================================================
# More real peers: MQTT probes, RabbitMQ, ActiveMQ, PostgreSQL, Slurm, zmap, Chromium.
# Each helper keeps every listener on a 127.x address, every file under $MSW_TMP, and registers
# what it starts with track_pid/on_cleanup. docs/test-peers.md: ports, start times, caveats.
# =============================================================================================

_msw_now() {
	date +%s.%N
}

# _msw_since T0: seconds since T0 (from _msw_now), one decimal.
_msw_since() {
	awk -v a="$1" -v b="$(_msw_now)" 'BEGIN { printf "%.1f", b - a }'
}

# _msw_as USER CMD...: run CMD as USER when root, else as ourselves.
_msw_as() {
	local user=$1
	shift
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"
	else
		"$@"
	fi
}

# _msw_exec_as USER CMD...: the same, replacing the current (sub)shell, so that in
# `(_msw_exec_as USER daemon ...) &` $! is the daemon's own PID.
_msw_exec_as() {
	local user=$1
	shift
	if [ "$(id -u)" -eq 0 ]; then
		exec setpriv --reuid="$user" --regid="$user" --init-groups -- "$@"
	fi
	exec "$@"
}

# mqtt_connack ADDR PORT [timeout_s]: one MQTT 3.1.1 CONNECT (clean session, random msw-wait-
# client id, no credentials); prints the CONNACK return code and sends DISCONNECT.
# rc 1 if no CONNACK arrives (refused, closed, timeout, or not MQTT).
mqtt_connack() {
	"$(msw_python)" - "$1" "$2" "${3:-2}" <<'PY'
import os, socket, sys
addr, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
cid = b"msw-wait-" + os.urandom(4).hex().encode()
body = b"\x00\x04MQTT\x04\x02\x00\x0a" + len(cid).to_bytes(2, "big") + cid
try:
    s = socket.create_connection((addr, port), timeout=timeout)
    s.settimeout(timeout)
    s.sendall(b"\x10" + bytes([len(body)]) + body)
    got = b""
    while len(got) < 4:
        chunk = s.recv(4 - len(got))
        if not chunk:
            break
        got += chunk
    if len(got) == 4 and got[0] == 0x20 and got[1] == 2:
        try:
            s.sendall(b"\xe0\x00")
        except OSError:
            pass
        print(got[3])
        sys.exit(0)
except OSError:
    pass
sys.exit(1)
PY
}

# wait_mqtt ADDR PORT [timeout_s] [PID]: poll until a CONNECT gets a CONNACK (any code).
# rc 1 on timeout, or as soon as PID (the server being waited for) has exited.
wait_mqtt() {
	local addr=$1 port=$2 timeout=${3:-30} pid=${4:-}
	local deadline=$((SECONDS + timeout))
	while [ $SECONDS -le $deadline ]; do
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			echo "wait_mqtt: the server (pid $pid) exited before $addr:$port answered" >&2
			return 1
		fi
		mqtt_connack "$addr" "$port" 2 >/dev/null && return 0
		sleep 0.2
	done
	echo "wait_mqtt: no CONNACK from $addr:$port within ${timeout}s" >&2
	return 1
}

# http_status ADDR PORT [PATH] [USER:PASS]: prints the status code of a GET (rc 1: no answer).
http_status() {
	"$(msw_python)" - "$1" "$2" "${3:-/}" "${4:-}" <<'PY'
import base64, socket, sys
addr, port, path, cred = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
req = "GET %s HTTP/1.0\r\nHost: %s:%d\r\n" % (path, addr, port)
if cred:
    req += "Authorization: Basic %s\r\n" % base64.b64encode(cred.encode()).decode()
try:
    s = socket.create_connection((addr, port), timeout=3)
    s.settimeout(3)
    s.sendall((req + "\r\n").encode())
    line = s.makefile("rb").readline(200).split()
    if len(line) >= 2 and line[0].startswith(b"HTTP/"):
        print(line[1].decode())
        sys.exit(0)
except OSError:
    pass
sys.exit(1)
PY
}

# _msw_wait_http ADDR PORT TIMEOUT_S PID: until the HTTP server answers at all.
_msw_wait_http() {
	local deadline=$((SECONDS + $3))
	while [ $SECONDS -le $deadline ]; do
		kill -0 "$4" 2>/dev/null || return 1
		http_status "$1" "$2" / >/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# _msw_stop_pid PID [grace_s]: TERM, wait up to grace_s (default 10) for it to go, then KILL.
# Works for grandchildren too (polls; reaps it when it is our own child).
_msw_stop_pid() {
	local pid=$1 grace=${2:-10} i stat
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	for ((i = 0; i < grace * 20; i++)); do
		# gone, or our own child that has exited (a zombie until waited for)
		{ read -r stat <"/proc/$pid/stat"; } 2>/dev/null || break
		stat=${stat##*) }
		[ "${stat%% *}" = Z ] && break
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# ---- RabbitMQ 3.10 + rabbitmq_mqtt (Debian rabbitmq-server) ----------------------------------
# start_rabbitmq ADDR MQTT_PORT AMQP_PORT [MGMT_PORT]
#   One node per call, all state in $RMQ_DIR (config, mnesia, logs in $RMQ_DIR/log/).
#   Binds: MQTT and AMQP on ADDR; the management HTTP API/UI on ADDR:MGMT_PORT when given
#   (rabbitmq_management, guest/guest); a private epmd on 127.0.0.1 (and ::1) at a free port
#   (ERL_EPMD_PORT: parallel tests never share an epmd); the Erlang distribution port on
#   127.0.0.1 (free port, inet_dist_use_interface). Erlang resolves names from /etc/hosts only
#   (ERL_INETRC): no DNS query leaves, not even for the reverse look-up of ADDR.
#   Anonymous MQTT connects are accepted (mapped to guest, which may log in from anywhere:
#   loopback_users []). RMQ_RABBIT_ENV / RMQ_MQTT_ENV: more Erlang terms for the rabbit /
#   rabbitmq_mqtt application environment, e.g. RMQ_MQTT_ENV='{allow_anonymous, false}'.
#   Waits until MQTT answers a CONNECT with a CONNACK (and AMQP / management answer).
#   Sets RMQ_DIR, RMQ_PID (the Erlang VM), RMQ_EPMD_PID, RMQ_LOG (main log), RMQ_START_S.
#   rmq_ctl ARGS...  rabbitmqctl against the node in $RMQ_DIR (e.g. rmq_ctl add_user u p).
#   stop_rabbitmq [DIR] [GRACE_S]  graceful stop of the node (TERM; 1.5 s, 6 s with the
#   management plugin; KILL after GRACE_S, default 15), then its epmd. Cleanup calls it with
#   no grace (KILL): the node's data is thrown away with $MSW_TMP anyway.
#   launch_rabbitmq (same arguments) + wait_rabbitmq [DIR] [timeout_s] split the start so
#   that a test can do other work during the boot (~6.5 CPU-seconds; 20 s and more of wall
#   time on a busy 2-core machine).
MSW_RABBITMQ_BIN=${MSW_RABBITMQ_BIN:-/usr/lib/rabbitmq/bin}

launch_rabbitmq() {
	local addr=$1 mqtt=$2 amqp=$3 mgmt=${4:-}
	local dir epmd_port dist_port plugins=rabbitmq_mqtt wrapper beam i c
	if [ ! -x "$MSW_RABBITMQ_BIN/rabbitmq-server" ]; then
		echo "launch_rabbitmq: $MSW_RABBITMQ_BIN/rabbitmq-server missing (scripts/setup.sh)" >&2
		return 1
	fi
	dir="$MSW_TMP/rabbitmq-$addr-$mqtt"
	mkdir -p "$dir/log"
	epmd_port=$(free_port 127.0.0.1)
	dist_port=$(free_port 127.0.0.1)
	# The classic Erlang-term format: the new-style rabbitmq.conf costs ~3.5 CPU-seconds of
	# schema translation at every boot (of ~10).
	{
		echo "[{rabbit, [{tcp_listeners, [{\"$addr\", $amqp}]}, {loopback_users, []}${RMQ_RABBIT_ENV:+, $RMQ_RABBIT_ENV}]},"
		echo " {rabbitmq_mqtt, [{tcp_listeners, [{\"$addr\", $mqtt}]}, {ssl_listeners, []}${RMQ_MQTT_ENV:+, $RMQ_MQTT_ENV}]}"
		[ -n "$mgmt" ] && echo " ,{rabbitmq_management, [{tcp_config, [{ip, \"$addr\"}, {port, $mgmt}]}]}"
		echo "]."
	} >"$dir/rabbitmq.config"
	[ -n "$mgmt" ] && plugins="rabbitmq_mqtt,rabbitmq_management"
	echo "[$plugins]." >"$dir/enabled_plugins"
	printf '%s\n' '{lookup, [file]}.' '{hosts_file, "/etc/hosts"}.' >"$dir/erl_inetrc"
	: >"$dir/rabbitmq-env.conf"
	{
		printf 'export HOME=%q ERL_INETRC=%q\n' "$dir" "$dir/erl_inetrc"
		printf 'export ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT=%q\n' "$epmd_port"
		printf 'export RABBITMQ_CONF_ENV_FILE=%q RABBITMQ_CONFIG_FILE=%q\n' "$dir/rabbitmq-env.conf" "$dir/rabbitmq.config"
		printf 'export RABBITMQ_ADVANCED_CONFIG_FILE=%q RABBITMQ_ENABLED_PLUGINS_FILE=%q\n' \
			"$dir/advanced.config" "$dir/enabled_plugins"
		printf 'export RABBITMQ_MNESIA_BASE=%q RABBITMQ_LOG_BASE=%q RABBITMQ_PID_FILE=%q\n' \
			"$dir/mnesia" "$dir/log" "$dir/rabbitmq.pid"
		printf 'export RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_NODE_IP_ADDRESS=%q RABBITMQ_NODE_PORT=%q\n' \
			"$addr" "$amqp"
		printf 'export RABBITMQ_DIST_PORT=%q RABBITMQ_CTL_DIST_PORT_MIN=0 RABBITMQ_CTL_DIST_PORT_MAX=0\n' "$dist_port"
		# the syslog application (unused: no syslog output) opens a UDP socket for sending; by
		# default on 0.0.0.0
		echo "export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}" \
			"-syslog protocol {rfc3164,udp,[{ip,{127,0,0,1}}]}'"
		echo "export RABBITMQ_CTL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}'"
	} >"$dir/env.sh"
	printf 'addr=%q mqtt=%q amqp=%q mgmt=%q t0=%q\n' "$addr" "$mqtt" "$amqp" "$mgmt" "$(_msw_now)" >"$dir/listen.sh"

	# Our own epmd, in the foreground so that it is ours to stop; the node finds it running
	# (and the epmd -daemon the node tries to start exits: the port is taken).
	epmd -address 127.0.0.1 -port "$epmd_port" >"$dir/log/epmd.out" 2>&1 &
	echo $! >"$dir/epmd.pid"
	track_pid "$(cat "$dir/epmd.pid")"
	wait_port 127.0.0.1 "$epmd_port" 10 || return 1

	(. "$dir/env.sh" && cd "$dir" && exec "$MSW_RABBITMQ_BIN/rabbitmq-server") >"$dir/log/server.out" 2>&1 &
	wrapper=$!
	track_pid "$wrapper"
	echo "$wrapper" >"$dir/wrapper.pid"
	# rabbitmq-server is a shell that runs the Erlang VM as its child (after a few helper
	# commands): wait for the child that has become beam.smp.
	beam=""
	for ((i = 0; i < 600; i++)); do
		for c in $(ps -o pid= --ppid "$wrapper" 2>/dev/null); do
			case $(readlink "/proc/$c/exe" 2>/dev/null) in */beam.smp) beam=$c ;; esac
		done
		[ -n "$beam" ] && break
		kill -0 "$wrapper" 2>/dev/null || break
		sleep 0.05
	done
	if [ -z "$beam" ]; then
		echo "launch_rabbitmq: the Erlang VM did not start; output:" >&2
		cat "$dir/log/server.out" >&2
		return 1
	fi
	echo "$beam" >"$dir/beam.pid"
	track_pid "$beam"
	on_cleanup "stop_rabbitmq '$dir' 0"
	RMQ_DIR=$dir RMQ_PID=$beam RMQ_EPMD_PID=$(cat "$dir/epmd.pid") RMQ_LOG="$dir/log/rabbit@localhost.log"
	export RMQ_DIR RMQ_PID RMQ_EPMD_PID RMQ_LOG
}

wait_rabbitmq() {
	local dir=${1:-$RMQ_DIR} timeout=${2:-120} addr mqtt amqp mgmt t0 beam
	# shellcheck disable=SC1091
	. "$dir/listen.sh"
	beam=$(cat "$dir/beam.pid")
	if ! wait_mqtt "$addr" "$mqtt" "$timeout" "$beam" || ! wait_port "$addr" "$amqp" 10 ||
		{ [ -n "$mgmt" ] && ! _msw_wait_http "$addr" "$mgmt" 30 "$beam"; }; then
		echo "rabbitmq on $addr (mqtt $mqtt, amqp $amqp${mgmt:+, management $mgmt}) failed to start; logs:" >&2
		tail -n 30 "$dir/log/server.out" "$dir"/log/*.log >&2 2>/dev/null
		return 1
	fi
	RMQ_START_S=$(_msw_since "$t0")
	export RMQ_START_S
	echo "rabbitmq ready on $addr (mqtt $mqtt, amqp $amqp${mgmt:+, management $mgmt}) after ${RMQ_START_S}s"
}

start_rabbitmq() {
	launch_rabbitmq "$@" && wait_rabbitmq "$RMQ_DIR"
}

rmq_ctl() {
	(. "$RMQ_DIR/env.sh" && "$MSW_RABBITMQ_BIN/rabbitmqctl" "$@")
}

stop_rabbitmq() {
	local dir=${1:-$RMQ_DIR} grace=${2:-15}
	[ -f "$dir/beam.pid" ] || return 0
	_msw_stop_pid "$(cat "$dir/beam.pid")" "$grace"
	_msw_stop_pid "$(cat "$dir/wrapper.pid")" 5
	_msw_stop_pid "$(cat "$dir/epmd.pid")" 5
	rm -f "$dir/beam.pid"
}

# ---- ActiveMQ Classic 5.17 + MQTT transport connector (Debian activemq) ---------------------
# start_activemq ADDR MQTT_PORT [CONSOLE_PORT]
#   One broker per call in $AMQ_BASE (conf/, data/, tmp/, lib/ with links to the MQTT
#   transport's jars). Binds: the MQTT connector on ADDR:MQTT_PORT and nothing else (no
#   openwire, no JMX: useJmx=false); with CONSOLE_PORT, a Jetty HTTP server on
#   ADDR:CONSOLE_PORT behind the console's security layer (BASIC realm "ActiveMQRealm",
#   admin/admin and user/user as shipped upstream, no Server header). Debian does not package
#   the console web application itself: an authenticated request gets 404, an anonymous one
#   the real 401 challenge. Non-persistent broker (retained messages and advisories work).
#   Java: -Xmx256m, no DNS (jdk.net.hosts.file), no hsperfdata, temp files in $AMQ_BASE/tmp.
#   AMQ_BROKER_XML: more elements inside <broker> (e.g. <plugins> with a
#   simpleAuthenticationPlugin that turns anonymous access off).
#   Waits until an MQTT CONNECT gets a CONNACK (and the console answers).
#   Sets AMQ_BASE, AMQ_PID (java), AMQ_LOG, AMQ_START_S. stop_activemq [BASE] (cleanup too).
#   launch_activemq + wait_activemq [BASE] [timeout_s] as for RabbitMQ.
launch_activemq() {
	local addr=$1 mqtt=$2 console=${3:-} base j
	base="$MSW_TMP/activemq-$addr-$mqtt"
	mkdir -p "$base/conf" "$base/lib/web" "$base/data" "$base/tmp"
	# The Debian package lacks the MQTT transport's dependencies on its class path; the
	# broker adds <base>/lib and <base>/lib/web to it.
	for j in mqtt-client hawtdispatch hawtdispatch-transport; do
		if [ ! -f "/usr/share/java/$j.jar" ]; then
			echo "launch_activemq: /usr/share/java/$j.jar missing (scripts/setup.sh)" >&2
			return 1
		fi
		ln -sf "/usr/share/java/$j.jar" "$base/lib/$j.jar"
	done
	if [ -n "$console" ]; then
		for j in jetty9-server jetty9-http jetty9-io jetty9-util jetty9-security jetty9-rewrite servlet-api; do
			if [ ! -f "/usr/share/java/$j.jar" ]; then
				echo "launch_activemq: /usr/share/java/$j.jar missing (libjetty9-java; scripts/setup.sh)" >&2
				return 1
			fi
			ln -sf "/usr/share/java/$j.jar" "$base/lib/web/$j.jar"
		done
		printf 'admin: admin, admin\nuser: user, user\n' >"$base/conf/jetty-realm.properties"
	fi
	printf '127.0.0.1 localhost %s\n' "$(hostname)" >"$base/conf/hosts"
	cat >"$base/conf/log4j.properties" <<-EOF
		log4j.rootLogger=WARN, out
		log4j.logger.org.apache.activemq=INFO
		log4j.appender.out=org.apache.log4j.ConsoleAppender
		log4j.appender.out.layout=org.apache.log4j.PatternLayout
		log4j.appender.out.layout.ConversionPattern=%d{ISO8601} %5p %c{1} | %m%n
	EOF
	_msw_activemq_xml "$addr" "$mqtt" "$console" "$base" >"$base/conf/activemq.xml"
	printf 'addr=%q mqtt=%q console=%q t0=%q\n' "$addr" "$mqtt" "$console" "$(_msw_now)" >"$base/listen.sh"
	(cd "$base" && exec java -Xmx256m -XX:-UsePerfData -XX:TieredStopAtLevel=1 -XX:+UseSerialGC \
		-Djava.io.tmpdir="$base/tmp" -Djdk.net.hosts.file="$base/conf/hosts" -Djava.awt.headless=true \
		-Dactivemq.home=/usr/share/activemq -Dactivemq.base="$base" -Dactivemq.conf="$base/conf" \
		-Dactivemq.data="$base/data" -Dlog4j.configuration="file:$base/conf/log4j.properties" \
		-jar /usr/share/activemq/bin/activemq.jar start "xbean:file:$base/conf/activemq.xml") \
		>"$base/activemq.log" 2>&1 &
	AMQ_PID=$!
	echo "$AMQ_PID" >"$base/java.pid"
	track_pid "$AMQ_PID"
	on_cleanup "stop_activemq '$base'"
	AMQ_BASE=$base AMQ_LOG="$base/activemq.log"
	export AMQ_BASE AMQ_PID AMQ_LOG
}

# _msw_activemq_xml ADDR MQTT_PORT CONSOLE_PORT BASE: the broker's Spring configuration.
_msw_activemq_xml() {
	local addr=$1 mqtt=$2 console=$3 base=$4
	cat <<-EOF
		<beans xmlns="http://www.springframework.org/schema/beans"
		  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
		  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
		  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
		  <broker xmlns="http://activemq.apache.org/schema/core" brokerName="localhost"
		          useJmx="false" persistent="false" schedulerSupport="false" dataDirectory="$base/data">
		    ${AMQ_BROKER_XML:-}
		    <transportConnectors>
		      <transportConnector name="mqtt" uri="mqtt://$addr:$mqtt"/>
		    </transportConnectors>
		  </broker>
	EOF
	if [ -n "$console" ]; then
		cat <<-EOF
			  <bean id="consoleHttpConfig" class="org.eclipse.jetty.server.HttpConfiguration">
			    <property name="sendServerVersion" value="false"/>
			  </bean>
			  <bean id="consoleLogins" class="org.eclipse.jetty.security.HashLoginService">
			    <property name="name" value="ActiveMQRealm"/>
			    <property name="config" value="$base/conf/jetty-realm.properties"/>
			  </bean>
			  <bean id="consoleConstraint" class="org.eclipse.jetty.util.security.Constraint">
			    <property name="name" value="BASIC"/>
			    <property name="roles"><list><value>user</value><value>admin</value></list></property>
			    <property name="authenticate" value="true"/>
			  </bean>
			  <bean id="consoleMapping" class="org.eclipse.jetty.security.ConstraintMapping">
			    <property name="constraint" ref="consoleConstraint"/>
			    <property name="pathSpec" value="/"/>
			  </bean>
			  <bean id="consoleSecurity" class="org.eclipse.jetty.security.ConstraintSecurityHandler">
			    <property name="loginService" ref="consoleLogins"/>
			    <property name="authenticator"><bean class="org.eclipse.jetty.security.authentication.BasicAuthenticator"/></property>
			    <property name="constraintMappings"><list><ref bean="consoleMapping"/></list></property>
			    <property name="handler"><bean class="org.eclipse.jetty.server.handler.DefaultHandler"><property name="serveIcon" value="false"/></bean></property>
			  </bean>
			  <bean id="consoleHeaders" class="org.eclipse.jetty.rewrite.handler.RewriteHandler">
			    <property name="rules"><list>
			      <bean class="org.eclipse.jetty.rewrite.handler.HeaderPatternRule"><property name="pattern" value="*"/><property name="name" value="X-FRAME-OPTIONS"/><property name="value" value="SAMEORIGIN"/></bean>
			      <bean class="org.eclipse.jetty.rewrite.handler.HeaderPatternRule"><property name="pattern" value="*"/><property name="name" value="X-XSS-Protection"/><property name="value" value="1; mode=block"/></bean>
			      <bean class="org.eclipse.jetty.rewrite.handler.HeaderPatternRule"><property name="pattern" value="*"/><property name="name" value="X-Content-Type-Options"/><property name="value" value="nosniff"/></bean>
			    </list></property>
			    <property name="handler" ref="consoleSecurity"/>
			  </bean>
			  <bean id="consoleServer" class="org.eclipse.jetty.server.Server" destroy-method="stop">
			    <property name="handler" ref="consoleHeaders"/>
			  </bean>
			  <bean id="consoleConnector" class="org.eclipse.jetty.server.ServerConnector">
			    <constructor-arg ref="consoleServer"/>
			    <constructor-arg><list><bean class="org.eclipse.jetty.server.HttpConnectionFactory"><constructor-arg ref="consoleHttpConfig"/></bean></list></constructor-arg>
			    <property name="host" value="$addr"/>
			    <property name="port" value="$console"/>
			  </bean>
			  <bean id="consoleAddConnector" class="org.springframework.beans.factory.config.MethodInvokingFactoryBean">
			    <property name="targetObject" ref="consoleServer"/>
			    <property name="targetMethod" value="addConnector"/>
			    <property name="arguments"><list><ref bean="consoleConnector"/></list></property>
			  </bean>
			  <bean id="consoleStart" class="org.springframework.beans.factory.config.MethodInvokingFactoryBean" depends-on="consoleAddConnector">
			    <property name="targetObject" ref="consoleServer"/>
			    <property name="targetMethod" value="start"/>
			  </bean>
		EOF
	fi
	echo "</beans>"
}

wait_activemq() {
	local base=${1:-$AMQ_BASE} timeout=${2:-90} addr mqtt console t0 pid
	# shellcheck disable=SC1091
	. "$base/listen.sh"
	pid=$(cat "$base/java.pid")
	# The console starts after the broker: a broker whose console fails shuts down again.
	if { [ -n "$console" ] && ! _msw_wait_http "$addr" "$console" "$timeout" "$pid"; } ||
		! wait_mqtt "$addr" "$mqtt" "$timeout" "$pid" || ! kill -0 "$pid" 2>/dev/null; then
		echo "activemq on $addr (mqtt $mqtt${console:+, console $console}) failed to start; log:" >&2
		grep -v -E '^\s+(at |\.\.\. )' "$base/activemq.log" | tail -n 30 | cut -c1-400 >&2
		return 1
	fi
	AMQ_START_S=$(_msw_since "$t0")
	export AMQ_START_S
	echo "activemq ready on $addr (mqtt $mqtt${console:+, console $console}) after ${AMQ_START_S}s"
}

start_activemq() {
	launch_activemq "$@" && wait_activemq "$AMQ_BASE"
}

stop_activemq() {
	local base=${1:-$AMQ_BASE}
	[ -f "$base/java.pid" ] || return 0
	_msw_stop_pid "$(cat "$base/java.pid")" 10
	rm -f "$base/java.pid"
}

# ---- PostgreSQL 15 (Debian postgresql) -----------------------------------------------------
# start_postgres [ADDR] [PORT]
#   A throw-away server: initdb into $PG_DIR/data (as user postgres when root: postgres
#   refuses to run as root), superuser msw, trust authentication, fsync off.
#   Binds: ADDR (default 127.0.0.1) on PORT (default: a free port), and its unix socket in
#   $PG_DIR. Creates database msw. Exports PG_URL=postgresql://msw@ADDR:PORT/msw, PG_HOST,
#   PG_PORT, PG_DIR, PG_PID (postmaster), PG_BIN (server binaries), PG_START_S.
#   stop_postgres [DIR]: pg_ctl stop -m fast (cleanup calls it).
#   psql "$PG_URL" -c '...' works as root (TCP, trust).
start_postgres() {
	local addr=${1:-127.0.0.1} port=${2:-} dir t0
	t0=$(_msw_now)
	PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	if [ -z "$PG_BIN" ] || [ ! -x "$PG_BIN/initdb" ]; then
		echo "start_postgres: no /usr/lib/postgresql/*/bin/initdb (scripts/setup.sh)" >&2
		return 1
	fi
	[ -n "$port" ] || port=$(free_port "$addr")
	dir="$MSW_TMP/postgres-$addr-$port"
	mkdir -p "$dir"
	[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
	if ! _msw_as postgres "$PG_BIN/initdb" -D "$dir/data" -U msw --auth=trust --no-sync \
		--encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
		echo "start_postgres: initdb failed:" >&2
		cat "$dir/initdb.log" >&2
		return 1
	fi
	on_cleanup "stop_postgres '$dir'"
	if ! _msw_as postgres "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
		-o "-h $addr -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		start >"$dir/pg_ctl.log" 2>&1; then
		echo "start_postgres: server did not start:" >&2
		cat "$dir/pg_ctl.log" "$dir/postgres.log" >&2
		return 1
	fi
	PG_PID=$(head -1 "$dir/data/postmaster.pid")
	track_pid "$PG_PID"
	if ! "$PG_BIN/createdb" -h "$addr" -p "$port" -U msw msw 2>"$dir/createdb.log"; then
		echo "start_postgres: createdb failed: $(cat "$dir/createdb.log")" >&2
		return 1
	fi
	PG_HOST=$addr PG_PORT=$port PG_DIR=$dir PG_URL="postgresql://msw@$addr:$port/msw"
	PG_START_S=$(_msw_since "$t0")
	export PG_HOST PG_PORT PG_DIR PG_URL PG_PID PG_BIN PG_START_S
	echo "postgres ready on $addr:$port after ${PG_START_S}s ($PG_URL)"
}

stop_postgres() {
	local dir=${1:-$PG_DIR}
	[ -f "$dir/data/postmaster.pid" ] || return 0
	_msw_as postgres "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 20 stop >>"$dir/pg_ctl.log" 2>&1
}

# ---- Slurm 22.05 single-node cluster (Debian slurm-wlm, munge) ------------------------------
# start_slurm [CPUS]
#   Needs root. A munged of its own (own key, socket, pid, log and seed in $SLURM_DIR/munge),
#   slurmctld and slurmd (node "localhost", CPUS cpus, default 4, one partition "msw"),
#   all state, spool, logs and pid files in $SLURM_DIR. Binds: slurmctld and slurmd on
#   127.0.0.1 at free ports (CommunicationParameters=NoInAddrAny,NoCtldInAddrAny); munged
#   only a unix socket. Waits until sinfo shows the node idle.
#   Exports SLURM_CONF (the client commands sbatch/squeue/sinfo/scancel read it), SLURM_DIR,
#   MUNGE_SOCKET, SLURM_START_S. Jobs run as the submitter (root) with the submitter's
#   environment; sbatch writes slurm-*.out into the submit directory unless -o says otherwise.
#   In a network namespace that has only lo, it adds 127.0.0.2/8 to lo first (see
#   _msw_netns_addrconfig). stop_slurm [DIR]: cancels every job, stops slurmd, slurmctld,
#   leftover job processes and munged (cleanup calls it).
start_slurm() {
	local cpus=${1:-4} dir conf ctl_port d_port t0 i
	t0=$(_msw_now)
	if [ "$(id -u)" -ne 0 ]; then
		echo "start_slurm: needs root (slurmd starts jobs as their submitter)" >&2
		return 1
	fi
	for i in munged mungekey slurmctld slurmd sinfo; do
		command -v "$i" >/dev/null || { echo "start_slurm: $i missing (scripts/setup.sh)" >&2; return 1; }
	done
	_msw_netns_addrconfig || return 1
	MSW_SLURM_N=$((${MSW_SLURM_N:-0} + 1))
	dir="$MSW_TMP/slurm-$MSW_SLURM_N"
	mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/munge"
	chown munge:munge "$dir/munge"
	chmod 0700 "$dir/munge"
	MUNGE_SOCKET="$dir/munge/munge.socket"
	if ! _msw_as munge mungekey --create --keyfile="$dir/munge/munge.key" >"$dir/log/mungekey.out" 2>&1; then
		echo "start_slurm: mungekey failed: $(cat "$dir/log/mungekey.out")" >&2
		return 1
	fi
	# --force: $MSW_TMP is world-writable without the sticky bit, which munged calls insecure.
	(_msw_exec_as munge munged --foreground --force --socket="$MUNGE_SOCKET" --key-file="$dir/munge/munge.key" \
		--pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
		--seed-file="$dir/munge/munged.seed") >"$dir/log/munged.out" 2>&1 &
	echo $! >"$dir/munged.pid"
	track_pid "$(cat "$dir/munged.pid")"
	on_cleanup "stop_slurm '$dir'"
	for ((i = 0; i < 100; i++)); do
		[ -S "$MUNGE_SOCKET" ] && break
		sleep 0.05
	done
	if [ ! -S "$MUNGE_SOCKET" ]; then
		echo "start_slurm: munged did not start:" >&2
		cat "$dir/log/munged.out" >&2
		return 1
	fi
	ctl_port=$(free_port 127.0.0.1)
	d_port=$(free_port 127.0.0.1)
	conf="$dir/slurm.conf"
	cat >"$conf" <<-EOF
		ClusterName=msw
		SlurmctldHost=localhost(127.0.0.1)
		SlurmctldPort=$ctl_port
		SlurmdPort=$d_port
		CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
		SlurmUser=root
		SlurmdUser=root
		AuthType=auth/munge
		CredType=cred/munge
		AuthInfo=socket=$MUNGE_SOCKET
		StateSaveLocation=$dir/state
		SlurmdSpoolDir=$dir/spool
		SlurmctldPidFile=$dir/slurmctld.pid
		SlurmdPidFile=$dir/slurmd.pid
		SlurmctldLogFile=$dir/log/slurmctld.log
		SlurmdLogFile=$dir/log/slurmd.log
		MailProg=/bin/true
		ProctrackType=proctrack/linuxproc
		TaskPlugin=task/none
		JobAcctGatherType=jobacct_gather/none
		SelectType=select/cons_tres
		SelectTypeParameters=CR_Core
		SlurmdParameters=config_overrides
		ReturnToService=2
		MpiDefault=none
		KillWait=5
		NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus State=UNKNOWN
		PartitionName=msw Nodes=localhost Default=YES MaxTime=INFINITE State=UP
	EOF
	SLURM_CONF=$conf MSW_SLURM_NODE=$dir slurmctld -D -f "$conf" >"$dir/log/slurmctld.out" 2>&1 &
	echo $! >"$dir/slurmctld.pid.ours"
	track_pid "$(cat "$dir/slurmctld.pid.ours")"
	SLURM_CONF=$conf MSW_SLURM_NODE=$dir slurmd -D -N localhost -f "$conf" >"$dir/log/slurmd.out" 2>&1 &
	echo $! >"$dir/slurmd.pid.ours"
	track_pid "$(cat "$dir/slurmd.pid.ours")"
	SLURM_CONF=$conf SLURM_DIR=$dir
	export SLURM_CONF SLURM_DIR MUNGE_SOCKET
	for ((i = 0; i < 300; i++)); do
		[ "$(timeout 5 sinfo -h -o %t 2>/dev/null)" = idle ] && break
		kill -0 "$(cat "$dir/slurmctld.pid.ours")" 2>/dev/null && kill -0 "$(cat "$dir/slurmd.pid.ours")" 2>/dev/null ||
			break
		sleep 0.1
	done
	if [ "$(timeout 5 sinfo -h -o %t 2>/dev/null)" != idle ]; then
		echo "start_slurm: the node did not become idle; logs:" >&2
		tail -n 20 "$dir/log/slurmctld.out" "$dir/log/slurmd.out" "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 2>/dev/null
		return 1
	fi
	SLURM_START_S=$(_msw_since "$t0")
	export SLURM_START_S
	echo "slurm ready (slurmctld 127.0.0.1:$ctl_port, slurmd 127.0.0.1:$d_port, $cpus cpus) after ${SLURM_START_S}s"
}

stop_slurm() {
	local dir=${1:-$SLURM_DIR} conf jobs pid i
	conf="$dir/slurm.conf"
	[ -f "$dir/munged.pid" ] || return 0
	jobs=$(SLURM_CONF=$conf timeout 5 squeue -h -o %A 2>/dev/null | sort -u)
	if [ -n "$jobs" ]; then
		# shellcheck disable=SC2086
		SLURM_CONF=$conf timeout 5 scancel --full $jobs 2>/dev/null
		for ((i = 0; i < 50; i++)); do
			[ -z "$(SLURM_CONF=$conf timeout 2 squeue -h -o %A 2>/dev/null)" ] && break
			sleep 0.1
		done
	fi
	_msw_stop_pid "$(cat "$dir/slurmd.pid.ours" 2>/dev/null)" 10
	_msw_stop_pid "$(cat "$dir/slurmctld.pid.ours" 2>/dev/null)" 10
	for pid in $(_msw_slurm_leftovers "$dir"); do
		kill -KILL "$pid" 2>/dev/null
	done
	_msw_stop_pid "$(cat "$dir/munged.pid")" 5
	rm -f "$dir/munged.pid"
}

# _msw_slurm_leftovers DIR: PIDs of this cluster's processes that slurmd left detached:
# slurmstepd (it inherits slurmd's MSW_SLURM_NODE=DIR) and job processes (a job's environment
# is its submitter's: SLURM_CONF=DIR/slurm.conf, plus SLURM_JOB_ID).
_msw_slurm_leftovers() {
	local dir=$1 f
	{
		grep -lszxF -- "MSW_SLURM_NODE=$dir" /proc/[0-9]*/environ
		for f in $(grep -lszxF -- "SLURM_CONF=$dir/slurm.conf" /proc/[0-9]*/environ); do
			grep -qsz '^SLURM_JOB_ID=' "$f" && echo "$f"
		done
	} | sed -E 's|^/proc/([0-9]+)/environ$|\1|' | sort -u
}

# _msw_netns_addrconfig: glibc's getaddrinfo(AF_INET, ..., AI_ADDRCONFIG) answers nothing, not
# even for "127.0.0.1", when 127.0.0.1 is the only IPv4 address (a fresh `unshare -n`); Slurm
# resolves exactly that way. In such a namespace only, add 127.0.0.2/8 to lo (kept until the
# namespace goes; harmless: 127/8 is local there anyway). Namespaces with any other IPv4
# address (the host's own, CI) are left alone.
_msw_netns_addrconfig() {
	if ip -4 -o addr show | awk '{print $4}' | grep -qv '^127\.0\.0\.1/'; then
		return 0
	fi
	ip addr add 127.0.0.2/8 dev lo 2>/dev/null
	ip -4 -o addr show | awk '{print $4}' | grep -qv '^127\.0\.0\.1/' && return 0
	echo "_msw_netns_addrconfig: cannot add 127.0.0.2/8 to lo" >&2
	return 1
}

# ---- zmap 2.1.1 on loopback (Debian zmap) -----------------------------------------------------
# zmap_lo PORT CIDR OUTFILE [extra zmap arguments...]
#   Needs root (raw sockets). A SYN scan of CIDR (inside 127.0.0.0/8) on interface lo; writes
#   the responsive addresses (one per line, zmap's default csv of saddr) to OUTFILE ('-' =
#   stdout); zmap's log goes to $MSW_TMP/zmap.log. The four loopback changes: route_localnet=1
#   on lo for the scan (restored afterwards, also by cleanup), source 127.0.0.3 (127.0.0.1 is
#   a martian source; not 127.0.0.2, which start_slurm may add to lo: with it on lo zmap
#   sees no replies, and tests share one namespace in CI), gateway MAC 0 with source MAC 02:00:00:00:00:01 (zmap drops frames from
#   its own MAC, and every frame on lo has MAC 0), an empty blocklist (the default one holds
#   127/8). Rate MSW_ZMAP_RATE (default 10000/s), 1 s cooldown. Scans are serialised with a
#   lock on the zmap binary (the sysctl is shared by every test in a namespace).
zmap_lo() {
	local port=$1 cidr=$2 out=$3 bl lockfd old rc
	shift 3
	if [ "$(id -u)" -ne 0 ]; then
		echo "zmap_lo: needs root (raw sockets)" >&2
		return 1
	fi
	command -v zmap >/dev/null || { echo "zmap_lo: zmap missing (scripts/setup.sh)" >&2; return 1; }
	case $cidr in 127.*) ;; *)
		echo "zmap_lo: $cidr is not inside 127.0.0.0/8" >&2
		return 1
		;;
	esac
	bl="$MSW_TMP/zmap-empty-blocklist.conf"
	: >"$bl"
	exec {lockfd}<"$(command -v zmap)"
	flock "$lockfd"
	old=$(sysctl -n net.ipv4.conf.lo.route_localnet)
	if [ -z "${MSW_ZMAP_RESTORE+x}" ]; then
		on_cleanup '[ -n "${MSW_ZMAP_RESTORE:-}" ] && sysctl -qw net.ipv4.conf.lo.route_localnet="$MSW_ZMAP_RESTORE"'
	fi
	MSW_ZMAP_RESTORE=$old
	sysctl -qw net.ipv4.conf.lo.route_localnet=1
	zmap -q --disable-syslog -i lo -p "$port" -S 127.0.0.3 -G 00:00:00:00:00:00 \
		--source-mac 02:00:00:00:00:01 -b "$bl" -r "${MSW_ZMAP_RATE:-10000}" -c 1 \
		-o "$out" "$@" "$cidr" 2>>"$MSW_TMP/zmap.log"
	rc=$?
	sysctl -qw net.ipv4.conf.lo.route_localnet="$old"
	MSW_ZMAP_RESTORE=""
	exec {lockfd}<&-
	[ $rc -eq 0 ] || { echo "zmap_lo: zmap failed (rc $rc):" >&2; tail -5 "$MSW_TMP/zmap.log" >&2; }
	return $rc
}

# ---- Chromium (Debian chromium) via tests/peers/browser/render.mjs -------------------------
# browser_render FILE.html OUTDIR [--forbid-selector CSS]... [--expect-text TEXT]...
#   Opens FILE in headless Chromium at 1280 px (desktop) and 390 px (phone: mobile UA, touch),
#   saves OUTDIR/desktop.png and OUTDIR/phone.png, prints a JSON summary, and exits 1 on any
#   network request other than FILE itself and data: URLs (all are blocked), any console error,
#   page error or dialog, any element matching a --forbid-selector, or an --expect-text that
#   is not visible as text; 2 on a usage or browser start-up error. Binds nothing (no remote
#   debugging port: Playwright talks over a pipe); Chromium's profile, HOME and temp files
#   live in OUTDIR/.chromium-* and are removed at the end.
browser_render() {
	local dir="$MSW_SOURCE_DIR/tests/peers/browser"
	if [ ! -d "$dir/node_modules/playwright-core" ]; then
		echo "browser_render: $dir/node_modules missing (scripts/setup.sh runs npm install there)" >&2
		return 2
	fi
	node "$dir/render.mjs" "$@"
}
