#!/usr/bin/env bash
# Connect retries and the window of connects in flight, against listeners whose accept
# queue is full (the kernel drops every SYN) until a set time after the scan starts, then
# drains it and accepts everything:
#  - the queue drains after the first attempt timed out: --retries 0 records
#    connection-timeout; the default (one retry, after the rest of the queue) records
#    success, and the retry's answer counts as a loss (one slowdown);
#  - the queue never drains: tried twice, recorded connection-timeout;
#  - the queue drains within a second: the kernel's second SYN (after 1 s) is
#    answered: success without a retry, and a slowdown (a SYN was lost);
#  - the retry waits for the rest of the queue: with one connection at a time, the
#    timed-out target is recorded after every other target.
#  - the retries of a scan interrupted and resumed are still counted at its end.
# Counts in the metadata: retried, retried_ok, slowdowns. Depth tcp (nothing to send).
# Address range 127.0.85.x (see lib.sh).
. "$(dirname "$0")/lib.sh"
T=$(msw_tmpdir)
B=$MSW_BIN
A=127.0.85
P=$(free_port $A.1)

# blackhole ADDR DELAY: a full accept queue on ADDR:$P that drains DELAY seconds after
# $T/go-ADDR appears (never when DELAY is "never")
blackhole() {
	"$(msw_python)" -c 'import socket,sys,time,os
addr,port,delay,d=sys.argv[1],int(sys.argv[2]),sys.argv[3],sys.argv[4]
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((addr, port)); s.listen(0)
held=[]
for i in range(4):
    c=socket.socket(); c.setblocking(False)
    try: c.connect((addr, port))
    except BlockingIOError: pass
    held.append(c)
open(d+"/ready-"+addr,"w").write("ready")
while not os.path.exists(d+"/go-"+addr): time.sleep(0.005)
if delay == "never": time.sleep(600)
time.sleep(float(delay))
s.setblocking(False)
while True:
    try:
        c,_=s.accept(); c.close()
    except BlockingIOError:
        time.sleep(0.002)' "$1" "$P" "$2" "$T" &
	track_pid $!
}
wait_ready() {
	local a
	for a in "$@"; do
		for _ in $(seq 200); do [ -f "$T/ready-$a" ] && break; sleep 0.05; done
		[ -f "$T/ready-$a" ] || fail "blackhole $a did not start"
	done
	sleep 0.2
}

# scan NAME ADDR ARGS...: scan ADDR at depth tcp and start its clock as the scan starts
# (the scanner first, then the clock: however slow a loaded machine starts it, its first
# SYN is sent less than the drain delay after the clock starts)
scan() {
	local name=$1 addr=$2 pid
	shift 2
	"$B" scan "$addr" -p "$P" --depth tcp --all --rate 0 --format json -v \
		--metadata-file "$T/$name.meta" "$@" >"$T/$name.json" 2>"$T/$name.err" &
	pid=$!
	touch "$T/go-$addr"
	wait $pid
	no_asan_report "$T/$name.err"
}

blackhole $A.1 2.5
blackhole $A.2 2.5
blackhole $A.3 never
blackhole $A.4 0.9
blackhole $A.5 never
wait_ready $A.1 $A.2 $A.3 $A.4 $A.5

scan noretry $A.1 --connect-timeout 2 --retries 0
assert_json "$T/noretry.json" '.status == "connection-timeout"' "--retries 0: connection-timeout"
assert_json "$T/noretry.meta" '.counts.retried == 0 and .options.retries == 0' "--retries 0: nothing retried"

scan retry $A.2 --connect-timeout 2
assert_json "$T/retry.json" '.status == "success"' "default (one retry): the host is recorded open"
assert_json "$T/retry.meta" '.options.retries == 1 and .counts.retried == 1 and .counts.retried_ok == 1' \
	"metadata: one retry, answered"
assert_json "$T/retry.meta" '.counts.slowdowns == 1' "an answered retry is a loss: one slowdown"
grep -q "connects in flight capped" "$T/retry.err" && pass "-v reports the slowdown" ||
	fail "-v does not report the slowdown: $(cat "$T/retry.err")"

scan dead $A.3 --connect-timeout 1 --retries 1
assert_json "$T/dead.json" '.status == "connection-timeout"' "never answering: connection-timeout"
assert_json "$T/dead.meta" '.counts.retried == 1 and .counts.retried_ok == 0 and .counts.slowdowns == 0' \
	"never answering: retried once, no loss signal"

scan late $A.4 --connect-timeout 3 --retries 0
assert_json "$T/late.json" '.status == "success" and .duration_ms >= 900' \
	"a lost first SYN: answered after the kernel's retransmission"
assert_json "$T/late.meta" '.counts.slowdowns == 1 and .counts.retried == 0' \
	"a SYN answered after ~1 s is a loss: one slowdown"

# the retry comes after the rest of the queue: one connection at a time, a seed that puts
# the blackholed address first, eight closed ports after it
blackhole $A.5 never
OTHERS="$A.16-23"
for seed in $(seq 1 200); do
	first=$("$B" scan -sL --seed "$seed" -p "$P" $A.5 $OTHERS | head -1)
	[ "${first%% *}" = "$A.5" ] && break
done
[ "${first%% *}" = "$A.5" ] || fail "no seed puts $A.5 first"
touch "$T/go-$A.5"
"$B" scan $A.5 $OTHERS -p "$P" --seed "$seed" --depth tcp --all --rate 0 --concurrency 1 \
	--connect-timeout 0.5 --format json >"$T/order.json" 2>"$T/order.err"
assert_eq "$A.5" "$(jq -r .ip "$T/order.json" | tail -1)" \
	"the timed-out target, first in the order, is recorded after the 8 others"
assert_eq 9 "$(jq -s length "$T/order.json")" "9 records"
no_asan_report "$T/order.err"

# the retries survive --resume: a scan interrupted after its blackholed host was tried
# twice and recorded, while a silent listener held the other target, counts that retry
# again when resumed (the host's done marker carries it)
"$(msw_python)" -c 'import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(8)
held=[]
while True: held.append(s.accept()[0])' $A.30 "$P" &
sil=$!
track_pid $sil
wait_port $A.30 "$P" 10 || fail "silent listener $A.30"
"$B" scan $A.3 $A.30 -p "$P" --depth connack --all --rate 0 --connect-timeout 1 --retries 1 \
	--io-timeout 30 --db "$T/resume.db" --metadata-file "$T/resume.meta" --format json -q \
	>/dev/null 2>"$T/resume1.err" &
pid=$!
for _ in $(seq 300); do
	[ "$(sqlite3 "$T/resume.db" "SELECT count(*) FROM done" 2>/dev/null)" = 1 ] && break
	sleep 0.1
done
kill -INT $pid
wait $pid
assert_eq 130 $? "resume: the first part was interrupted"
assert_json "$T/resume.meta" '.counts.retried == 1 and .counts.outcomes.no_answer == 1 and .counts.outcomes.interrupted == 1' \
	"resume: the first part retried the blackholed target once"
kill $sil 2>/dev/null
wait $sil 2>/dev/null
"$B" scan --resume "$T/resume.db" -q --format json >/dev/null 2>"$T/resume2.err"
assert_eq 0 $? "resume: the second part finishes"
assert_json "$T/resume.meta" '.counts.targets_tried == 2 and .counts.outcomes.no_answer == 1 and .counts.outcomes.refused == 1' \
	"resume: both parts' targets counted once"
assert_json "$T/resume.meta" '.counts.retried == 1 and .counts.retried_ok == 0' \
	"resume: the first part's retry is still counted"
no_asan_report "$T/resume1.err"
no_asan_report "$T/resume2.err"
finish
