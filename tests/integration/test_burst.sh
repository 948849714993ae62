#!/usr/bin/env bash
# Losing no host to a burst: one Mosquitto on 0.0.0.0 answers a /20 of loopback addresses
# (4,096 "hosts"); `--rate 0 --concurrency 4096` sends every SYN at once and the broker's
# listen queue (backlog 100) overflows: SYNs are dropped, some connects time out. With the
# defaults (one retry of a timed-out connect after the rest of the queue, the window of
# connects in flight halved on loss) every host is recorded. The same burst without
# retries is run first and its losses printed (they vary from run to run: 0 to ~10%).
# Addresses 127.2.0.0/20 (see lib.sh); about 10 s.
. "$(dirname "$0")/lib.sh"
T=$(msw_tmpdir)
B=$MSW_BIN
NET=127.2.0.0/20
PORT=$(free_port 127.0.0.1)

cat >"$T/mosq.conf" <<EOF
listener $PORT 0.0.0.0
allow_anonymous true
max_connections -1
persistence false
log_dest none
EOF
chmod 0644 "$T/mosq.conf"
(ulimit -n 20000 2>/dev/null || ulimit -n 8192; exec mosquitto -c "$T/mosq.conf") \
	>"$T/mosq.err" 2>&1 &
track_pid $!
wait_port 127.2.0.1 "$PORT" 10 || { fail "mosquitto on 0.0.0.0:$PORT: $(cat "$T/mosq.err")"; finish; }

burst() { # NAME ARGS...
	local name=$1
	shift
	"$B" scan $NET -p "$PORT" --rate 0 --concurrency 4096 --all -q --format json \
		--metadata-file "$T/$name.meta" "$@" >"$T/$name.json" 2>"$T/$name.err"
	echo "$name: $(jq -c '.counts | {connected, outcomes, retried, retried_ok, slowdowns}' "$T/$name.meta")"
	no_asan_report "$T/$name.err"
}

burst noretry --retries 0
burst default
assert_eq 4096 "$(jq -s 'map(select(.status == "success" and .mqtt)) | length' "$T/default.json")" \
	"defaults: all 4,096 hosts recorded as MQTT brokers"
assert_eq 4096 "$(jq -r .ip "$T/default.json" | sort -u | wc -l)" "4,096 distinct addresses"
assert_json "$T/default.meta" '.counts.outcomes.no_answer + .counts.outcomes.timed_out == 0 and .counts.connected == 4096' \
	"metadata: nothing timed out in the end"
assert_json "$T/default.meta" '.counts.retried == .counts.retried_ok' \
	"every retried connect was answered"
finish
