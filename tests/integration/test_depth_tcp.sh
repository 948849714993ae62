#!/usr/bin/env bash
# --depth tcp: a connect scan. Open (a completed handshake: success), closed (RST:
# connection-refused) and filtered (no answer: connection-timeout, here a listener whose
# accept queue is full so the kernel drops further SYNs); nothing is sent, not even a TLS
# ClientHello on a /tls port, and the connection is aborted (RST: no TIME_WAIT left);
# refused and timed-out targets are recorded with --all only, like every depth. A
# two-phase run: the open ports of a tcp sweep fed to an MQTT scan through -iL.
# Address range 127.0.84.x (see lib.sh).
. "$(dirname "$0")/lib.sh"
T=$(msw_tmpdir)
B=$MSW_BIN
A=127.0.84
P=$(free_port $A.20)

start_mosquitto $A.20 "$P" || { fail "mosquitto"; finish; }
# a listener that counts the bytes each accepted connection sends before it closes
"$(msw_python)" -c 'import socket,sys,threading
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(64)
out=open(sys.argv[3],"a", buffering=1)
def serve(c):
    n=0
    try:
        while True:
            b=c.recv(4096)
            if not b: break
            n+=len(b)
    except OSError as e:
        out.write("reset %s\n" % e.errno)
    c.close()
    out.write("bytes %d\n" % n)
while True:
    c,_=s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()' \
	$A.21 "$P" "$T/counts" &
track_pid $!
wait_port $A.21 "$P" 5
sleep 0.2
: >"$T/counts" # wait_port's own connection
# a full accept queue: further SYNs are dropped (filtered)
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
time.sleep(600)' $A.23 "$P" "$T/full.ready" &
track_pid $!
for _ in $(seq 50); do [ -f "$T/full.ready" ] && break; sleep 0.1; done
sleep 0.3

tw_count() { ss -tan state time-wait 2>/dev/null | grep -c "$A.2[01]:$P"; }
sleep 0.3 # the TIME_WAITs of wait_port's own connections
TW0=$(tw_count)
"$B" scan $A.20-23 -p "$P,$P/tls" --depth tcp --all --connect-timeout 1 --retries 0 \
	--format json --metadata-file "$T/meta.json" >"$T/all.json" 2>"$T/all.err"
assert_eq 0 $? "depth tcp exit"
assert_eq 8 "$(jq -s length "$T/all.json")" "one record per target (4 hosts x 2 ports) with --all"
assert_json_all "$T/all.json" '.probe == "tcp" and .mqtt == false' "records of the tcp probe, no MQTT verdict"
for tr in tcp tls; do
	assert_json "$T/all.json" ".ip == \"$A.20\" and .transport == \"$tr\" and .status == \"success\"" \
		"open ($tr, Mosquitto): success"
	assert_json "$T/all.json" ".ip == \"$A.21\" and .transport == \"$tr\" and .status == \"success\"" \
		"open ($tr, counting listener): success"
	assert_json "$T/all.json" ".ip == \"$A.22\" and .transport == \"$tr\" and .status == \"connection-refused\"" \
		"closed ($tr): connection-refused"
	assert_json "$T/all.json" ".ip == \"$A.23\" and .transport == \"$tr\" and .status == \"connection-timeout\"" \
		"filtered ($tr): connection-timeout"
done
assert_json "$T/meta.json" '.depth == "tcp" and .counts.connected == 4 and .counts.outcomes.refused == 2 and .counts.outcomes.no_answer == 2' \
	"metadata: depth tcp, 4 open, 2 closed, 2 filtered"
validate_schema "$T/all.json"
no_asan_report "$T/all.err"
sleep 0.3
assert_eq "bytes 0,bytes 0" "$(grep bytes "$T/counts" | paste -sd,)" \
	"nothing sent: the listener read 0 bytes on both connections (no CONNECT, no ClientHello)"
assert_eq 2 "$(grep -c "reset 104" "$T/counts")" "both connections ended with a reset (ECONNRESET)"
TW1=$(tw_count)
[ "$TW1" -le "$TW0" ] && pass "no TIME_WAIT added (aborted, not closed): $TW0 before, $TW1 after" ||
	fail "TIME_WAIT added: $TW0 before, $TW1 after: $(ss -tan state time-wait | grep "$A.2[01]:$P")"
grep -q "New client connected" "$MOSQ_LOG" && fail "Mosquitto saw an MQTT client" ||
	pass "Mosquitto saw no MQTT client"

# without --all: only the open ports
"$B" scan $A.20-23 -p "$P" --depth tcp --connect-timeout 1 --retries 0 --format json \
	>"$T/open.json" 2>"$T/open.err"
assert_eq "$A.20 $A.21" "$(jq -r .ip "$T/open.json" | sort -V | paste -sd' ')" \
	"without --all: the open ports only"

# two phases: what is open, then MQTT on it
jq -r 'select(.status == "success") | "\(.ip),,,\(.port)"' "$T/open.json" |
	"$B" scan -iL - -p 1 --depth connack --format json >"$T/phase2.json" 2>"$T/phase2.err"
assert_json "$T/phase2.json" ".ip == \"$A.20\" and .mqtt and .auth == \"anonymous\"" \
	"phase 2: the open port of the tcp sweep speaks MQTT"
assert_json "$T/phase2.json" ".ip == \"$A.21\" and (.mqtt | not)" \
	"phase 2: the other open port does not"
no_asan_report "$T/phase2.err"
finish
