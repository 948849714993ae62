#!/usr/bin/env bash
# Engine end to end against real servers on 127.0.90.x: a real Mosquitto (anonymous), a
# closed port (connection-refused only with --all), a port that accepts TCP and never
# answers (io-timeout within the idle and the total timeout), a full accept queue
# (connection-timeout), several brokers in one scan, and SIGINT (in-flight targets
# recorded as interrupted, exit 130, within the 2 s grace).
. "$(dirname "$0")/lib.sh"
T=$(msw_tmpdir)
A=127.0.90

# --- brokers and listeners
start_mosquitto $A.1 18830 || { fail "mosquitto on $A.1"; finish; }
start_mosquitto $A.4 18830 || { fail "mosquitto on $A.4"; finish; }
start_silent_listener $A.2 18831
CLOSED=18839

# a listener whose accept queue is full: further SYNs are dropped (connect timeout)
"$(msw_python)" -c 'import socket,sys,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(0)
held=[]
for i in range(4):
    c=socket.socket(); c.setblocking(False)
    try: c.connect((sys.argv[1], int(sys.argv[2])))
    except BlockingIOError: pass
    held.append(c)
open(sys.argv[3],"w").write("ready")
time.sleep(600)' $A.3 18832 "$T/full.ready" &
track_pid $!
for _ in $(seq 50); do [ -f "$T/full.ready" ] && break; sleep 0.1; done
sleep 0.3

# --- 1. anonymous broker, connack depth
"$MSW_BIN" scan $A.1 -p 18830 --depth connack --format json >"$T/anon.json" 2>"$T/anon.err"
assert_eq 0 $? "exit code (anonymous broker)"
assert_json "$T/anon.json" '.ip == "127.0.90.1" and .port == 18830 and .status == "success" and .mqtt == true and .auth == "anonymous"' "anonymous broker found"
assert_json_all "$T/anon.json" '.source_ip == "127.0.0.1" and (.scan_id | length) > 0 and .transport == "tcp" and .duration_ms >= 0' "identity fields filled"
validate_schema "$T/anon.json"
no_asan_report "$T/anon.err"

# --- 2. closed port: recorded only with --all, counted always
"$MSW_BIN" scan $A.1 -p $CLOSED --format json >"$T/closed.json" 2>"$T/closed.err"
assert_eq 0 $? "exit code (closed port)"
assert_eq 0 "$(grep -c . "$T/closed.json")" "closed port without --all: no record"
"$MSW_BIN" scan $A.1 -p $CLOSED --all --format json >"$T/closed_all.json" 2>>"$T/closed.err"
assert_json "$T/closed_all.json" '.port == 18839 and .status == "connection-refused" and .mqtt == false' "closed port with --all: connection-refused"
no_asan_report "$T/closed.err"

# --- 3. silent port: io-timeout within the idle timeout, and within the total timeout
start=$(date +%s%N)
"$MSW_BIN" scan $A.2 -p 18831 --io-timeout 1 --format json >"$T/silent.json" 2>"$T/silent.err"
el=$(( ($(date +%s%N) - start) / 1000000 ))
assert_json "$T/silent.json" '.status == "io-timeout" and .duration_ms >= 900 and .duration_ms < 2500' "silent port: io-timeout after ~1 s idle"
[ $el -lt 4000 ] && pass "silent scan finished in ${el} ms" || fail "silent scan took ${el} ms"
"$MSW_BIN" scan $A.2 -p 18831 --io-timeout 30 --timeout 1.5 --format json >"$T/silent2.json" 2>>"$T/silent.err"
assert_json "$T/silent2.json" '.status == "io-timeout" and .duration_ms >= 1400 and .duration_ms < 3000' "silent port: io-timeout at the total (host) timeout"
no_asan_report "$T/silent.err"

# --- 4. accept queue full: connection-timeout (recorded with --all)
"$MSW_BIN" scan $A.3 -p 18832 --connect-timeout 1 --all --format json >"$T/ctimeout.json" 2>"$T/ctimeout.err"
assert_json "$T/ctimeout.json" '.status == "connection-timeout" and .duration_ms < 2500' "full accept queue: connection-timeout"
"$MSW_BIN" scan $A.3 -p 18832 --connect-timeout 1 --format json >"$T/ctimeout2.json" 2>>"$T/ctimeout.err"
assert_eq 0 "$(grep -c . "$T/ctimeout2.json")" "connection-timeout without --all: no record"
no_asan_report "$T/ctimeout.err"

# --- 5. several brokers on distinct addresses, plus the dead ones, in one scan
"$MSW_BIN" scan $A.1 $A.4 $A.2 $A.9 -p 18830,18831 --io-timeout 1 --all --format json >"$T/multi.json" 2>"$T/multi.err"
assert_eq 8 "$(grep -c . "$T/multi.json")" "one record per host:port with --all"
assert_eq 2 "$(jq -s '[.[] | select(.mqtt == true and .auth == "anonymous")] | length' "$T/multi.json")" "both brokers found"
assert_json "$T/multi.json" '.ip == "127.0.90.2" and .port == 18831 and .status == "io-timeout"' "silent port in the same scan"
assert_json "$T/multi.json" '.ip == "127.0.90.9" and .status == "connection-refused"' "closed address in the same scan"
validate_schema "$T/multi.json"
no_asan_report "$T/multi.err"

# --- 6. --detect: plain MQTT sent to a TLS listener is hung up on; the engine retries the
# target over TLS and records what worked
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/k.pem" -out "$T/c.pem" -days 2 -subj "/CN=localhost" 2>/dev/null
chmod 0644 "$T/k.pem" "$T/c.pem"
start_mosquitto $A.6 18833 "certfile $T/c.pem" "keyfile $T/k.pem" || fail "tls mosquitto on $A.6"
"$MSW_BIN" scan $A.6 -p 18833 --format json >"$T/nodetect.json" 2>"$T/detect.err"
assert_json "$T/nodetect.json" '.transport == "tcp" and .mqtt == false' "plain MQTT to a TLS port: no MQTT without --detect"
"$MSW_BIN" scan $A.6 -p 18833 --detect --format json >"$T/detect.json" 2>>"$T/detect.err"
assert_json "$T/detect.json" '.transport == "tls" and .mqtt == true and .auth == "anonymous" and .status == "success"' "--detect: TLS found where plain got hung up on"
assert_eq 1 "$(grep -c . "$T/detect.json")" "--detect: one record for the target"
no_asan_report "$T/detect.err"

# --- 7. SIGINT: in-flight targets recorded as interrupted, exit 130, within the grace
"$MSW_BIN" scan $A.2 -p 18831 --io-timeout 60 --format json >"$T/int.json" 2>"$T/int.err" &
pid=$!
sleep 1
start=$(date +%s%N)
kill -INT $pid
wait $pid
rc=$?
el=$(( ($(date +%s%N) - start) / 1000000 ))
assert_eq 130 $rc "exit code after SIGINT"
[ $el -lt 3500 ] && pass "stopped ${el} ms after SIGINT" || fail "stop took ${el} ms"
assert_json "$T/int.json" '.status == "interrupted" and .port == 18831' "in-flight target recorded as interrupted"
no_asan_report "$T/int.err"

finish
