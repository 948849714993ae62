#!/usr/bin/env bash
# Depth host with a blocking probe (smb, libsmbclient on the worker pool) against a port
# that accepts TCP and never answers: the engine's hard deadline (--host-timeout) ends the
# target even though the worker thread is stuck, the scan finishes on time, and SIGINT
# during such a job still exits promptly.
. "$(dirname "$0")/lib.sh"
T=$(msw_tmpdir)
A=127.0.90.92

start_silent_listener $A 18445
start_mosquitto $A 18880 || { fail "mosquitto on $A"; finish; }

t0=$(date +%s%N)
"$MSW_BIN" scan $A -p 18880 --depth host --smb-port 18445 --host-timeout 2 --io-timeout 1 \
	--all --format json >"$T/host.json" 2>"$T/host.err"
rc=$?
el=$(( ($(date +%s%N) - t0) / 1000000 ))
assert_eq 0 $rc "exit code"
assert_json "$T/host.json" '.probe == "mqtt" and .port == 18880 and .auth == "anonymous"' "broker found first"
assert_json "$T/host.json" '.probe == "smb" and .port == 18445 and (.status == "io-timeout" or .status == "connection-timeout") and .duration_ms <= 2600' "silent SMB port: timed out by the deadline"
assert_json "$T/host.json" '.kind == "host" and .ip == "127.0.90.92" and ([.services[] | select(.probe == "smb" and .port == 18445)] | length) == 1' "host record lists the SMB attempt"
[ $el -lt 6000 ] && pass "scan with a stuck blocking probe finished in ${el} ms" || fail "scan took ${el} ms"
validate_schema "$T/host.json"
no_asan_report "$T/host.err"

# SIGINT while the blocking job runs
"$MSW_BIN" scan $A -p 18880 --depth host --smb-port 18445 --host-timeout 30 --io-timeout 30 \
	--format json >"$T/int.json" 2>"$T/int.err" &
pid=$!
sleep 1.5
t0=$(date +%s%N)
kill -INT $pid
wait $pid
rc=$?
el=$(( ($(date +%s%N) - t0) / 1000000 ))
assert_eq 130 $rc "exit code after SIGINT"
[ $el -lt 4500 ] && pass "stopped ${el} ms after SIGINT with a blocking job in flight" || fail "stop took ${el} ms"
no_asan_report "$T/int.err"

finish
