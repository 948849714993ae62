#!/usr/bin/env bash
# The MQTT probe against real Mosquitto brokers on 127.0.91.x:
#   1. anonymous broker, depth connack: verdict only, no SUBSCRIBE reaches the broker
#   2. anonymous broker, depth topics: retained topics (retained: true), a live topic
#      published during the window, $SYS version → broker block and CVE findings
#   3. audit / --versions all: 3.1, 3.1.1 and 5.0 all accepted, 5.0 CONNACK properties
#   4. password broker: credentials_required; --auth-probe tries once and stays refused;
#      authenticated with -u/-P; the password appears in no output (stdout, -oJ, --db,
#      --metadata-file)
#   5. ACL broker that grants '#' but delivers nothing: granted_no_data
#   6. identifier rejected (stand-in strict broker): one retry with a fresh alphanumeric id
#   7. politeness: DISCONNECT (not a dropped socket), no session and no retained message
#      of ours left behind; client ids are msw-… and at most 23 characters
set -u
. "$(dirname "$0")/lib.sh"

T=$(msw_tmpdir)
A1=127.0.91.1 A2=127.0.91.2 A3=127.0.91.3 A4=127.0.91.4 A5=127.0.91.5
P=$(free_port $A1)  # the same free port on each 127.0.91.x address
SECRET='S3cr3t-pa55-Zq9'

msw() {
	"$MSW_BIN" "$@" 2>>"$T/stderr.txt"
}

jqr() {  # jqr FILE EXPR: first record's value
	jq -r -s ".[0] | $2" "$1"
}

# ---------------------------------------------------------------- 1. depth connack
start_mosquitto $A1 $P "sys_interval 1" || { fail "mosquitto on $A1"; finish; }
ANON_LOG=$MOSQ_LOG
mosquitto_pub -h $A1 -p $P -r -t home/door/front -m open
mosquitto_pub -h $A1 -p $P -r -t owntracks/alice/phone -m '{"_type":"location","lat":52.37,"lon":4.89}'
msw scan $A1 -p $P --format json >"$T/connack.json"
validate_schema "$T/connack.json"
assert_json_all "$T/connack.json" '.status == "success" and .mqtt == true and .auth == "anonymous"' "connack: anonymous verdict"
assert_json_all "$T/connack.json" '.mqtt_version == "3.1.1" and .connack.code == 0 and .connack.raw_hex == "20020000"' "connack: 3.1.1 first, raw CONNACK"
assert_json_all "$T/connack.json" '.read_access == "untested" and .topics.count == 0' "connack: nothing read"
sleep 0.3
if grep -E "Received SUBSCRIBE from msw-" "$ANON_LOG" >/dev/null; then
	fail "connack: a SUBSCRIBE reached the broker"
else
	pass "connack: no SUBSCRIBE in the broker log"
fi
if grep -E "New client connected .* as msw-" "$ANON_LOG" >/dev/null; then
	pass "connack: client id carries the msw- prefix"
else
	fail "connack: no msw- client in the broker log"
fi
ID=$(grep -oE "as msw-[0-9A-Za-z]+" "$ANON_LOG" | head -1 | cut -c4-)
assert_eq 1 "$([ ${#ID} -le 23 ] && [ ${#ID} -gt 4 ] && echo 1 || echo 0)" "client id length ${#ID} <= 23"
grep -E "Client $ID disconnected\." "$ANON_LOG" >/dev/null && pass "connack: explicit DISCONNECT" ||
	fail "connack: no clean DISCONNECT from $ID"
: >"$ANON_LOG"
msw scan $A1 -p $P -I zq7 --format json >/dev/null
msw scan $A1 -p $P --client-id-prefix zq8_ --format json >/dev/null
sleep 0.3
grep -qE "New client connected .* as zq7[0-9A-Za-z]{20} " "$ANON_LOG" && grep -qE " as zq8_[0-9A-Za-z]{19} " "$ANON_LOG" &&
	pass "-I / --client-id-prefix: the broker sees our prefix + a random suffix, 23 characters" ||
	fail "-I / --client-id-prefix: $(grep -oE ' as [^ ]+' "$ANON_LOG" | head -3 | tr '\n' ' ')"

# ---------------------------------------------------------------- 2. depth topics
: >"$ANON_LOG"
(
	sleep 0.8
	for i in 1 2 3; do
		mosquitto_pub -h $A1 -p $P -t sensors/livingroom/temp -m "21.$i"
		sleep 0.2
	done
) &
track_pid $!
msw scan $A1 -p $P --depth topics --window 4 --format json >"$T/topics.json"
validate_schema "$T/topics.json"
assert_json_all "$T/topics.json" '.status == "success" and .read_access == "granted_with_data"' "topics: granted_with_data"
assert_json "$T/topics.json" '.topics.list | map(select(.topic == "home/door/front" and .retained == true and .sample == "open")) | length == 1' "topics: retained topic with retained:true and sample"
assert_json "$T/topics.json" '.topics.list | map(select(.topic == "owntracks/a***e/p***e" and .retained == true)) | length == 1' "topics: second retained topic, person levels masked (--evidence redacted)"
assert_json "$T/topics.json" '.topics.list | map(select(.topic == "sensors/livingroom/temp" and .retained == false and .messages >= 1)) | length == 1' "topics: live topic seen during the window"
assert_json "$T/topics.json" '.broker.product == "mosquitto" and (.broker.version | test("^[0-9]+\\.[0-9]+"))' "topics: \$SYS version parsed"
assert_json "$T/topics.json" '.broker.evidence | map(select(.source == "$SYS/broker/version")) | length == 1' "topics: evidence names \$SYS/broker/version"
assert_json "$T/topics.json" '.topics.retained >= 2 and .topics.count >= 3' "topics: counts"
if [ "$(mosquitto -h 2>&1 | head -1 | grep -o '2\.0\.1[01]$')" != "" ]; then
	# a banner is a claim: one "may be affected" finding, its own confidence, the highest fixed
	# version, the dynamic-security CVE stated as a condition, rated no higher than what was seen
	assert_json "$T/topics.json" '.findings | map(select(.id == "broker.version_cves" and .category == "broker_info"
		and .confidence == "version_match" and (.title | test("may be affected")) and (.title | test("2\\.0\\.19"))
		and (.evidence | fromjson | .cves | map(.id) | index("CVE-2023-28366") != null)
		and (.evidence | fromjson | .cves[] | select(.id == "CVE-2021-34434") | .condition_seen == false))) | length == 1' \
		"topics: one version_match finding for the banner's CVEs"
	assert_json "$T/topics.json" ".findings | map(select(.id == \"broker.version_cves\" and .cwe == 1395 and (.reproduce | startswith(\"mosquitto_sub -h $A1 -p $P -t '\$SYS/broker/version' -C 1\")))) | length == 1" \
		"topics: the CVE finding has its CWE and a reproduce line for this broker"
	assert_json "$T/topics.json" '([.findings[] | select(.confidence != "version_match") | .severity] | map({"info":0,"low":1,"medium":2,"high":3,"critical":4}[.]) | max) as $seen
		| [.findings[] | select(.confidence == "version_match") | {"info":0,"low":1,"medium":2,"high":3,"critical":4}[.severity]] | all(. <= $seen)' \
		"topics: the banner does not raise the headline severity"
fi
grep -E "Received SUBSCRIBE from msw-" "$ANON_LOG" >/dev/null && pass "topics: SUBSCRIBE sent" || fail "topics: no SUBSCRIBE"
# --color: the terminal summary colours the severity (a pseudo-terminal, since colour
# is only for a terminal); without it the same line is plain
script -qec "$MSW_BIN scan $A1 -p $P --depth topics --window 1 -q --color" /dev/null >"$T/color.txt" 2>&1
script -qec "$MSW_BIN scan $A1 -p $P --depth topics --window 1 -q" /dev/null >"$T/nocolor.txt" 2>&1
grep -q $'\033\[1;31mcritical\033\[0m' "$T/color.txt" && pass "--color: critical in bold red on a terminal" ||
	fail "--color: no coloured severity in '$(head -c 300 "$T/color.txt")'"
grep -q '(critical)' "$T/nocolor.txt" && ! grep -q $'\033\[1;31m' "$T/nocolor.txt" &&
	pass "without --color the terminal line is plain" || fail "plain terminal line: '$(head -c 300 "$T/nocolor.txt")'"
if grep -qF "	# (QoS 0)" "$ANON_LOG" && grep -qF "	\$SYS/# (QoS 0)" "$ANON_LOG"; then
	pass "topics: # and \$SYS/# subscribed at QoS 0"
else
	fail "topics: subscriptions not at QoS 0 in the log"
fi

# window 0 (benchmark mode): still SUBSCRIBE '#' (alone: no $SYS tree to drop) and wait
# for SUBACK; with ~96 KiB of retained messages still coming we read them away until the
# broker closes on our DISCONNECT, so it logs it (closing at once would answer its
# messages with RST before it read the DISCONNECT); then we abort, so neither side keeps
# a TIME_WAIT for the connection
for i in $(seq 32); do
	head -c 3000 /dev/zero | tr '\0' x | mosquitto_pub -h $A1 -p $P -r -t "bulk/r$i" -s
done
tw_count() { ss -Htan state time-wait "( dst $A1:$P or src $A1:$P )" | wc -l; }
TW0=$(tw_count)
: >"$ANON_LOG"
msw scan $A1 -p $P --depth topics --window 0 --format json >"$T/w0.json"
msw scan $A1 -p $P --format json >"$T/w0c.json"
TW1=$(tw_count)
[ "$TW1" -le "$TW0" ] && pass "window 0 and connack: no TIME_WAIT left on either side ($TW0 -> $TW1)" ||
	fail "TIME_WAIT sockets added by our scans: $TW0 -> $TW1"
assert_json_all "$T/w0.json" '.topics.count == 0' "window 0: nothing read after the SUBACK"
assert_json_all "$T/w0.json" '.status == "success" and (.read_access == "granted_with_data" or .read_access == "granted_no_data")' "window 0: SUBACK awaited"
sleep 0.3
ID=$(grep -oE "as msw-[0-9A-Za-z]+" "$ANON_LOG" | head -1 | cut -c4-)
grep -E "^[0-9]+: $ID 0 #$" "$ANON_LOG" >/dev/null && ! grep -E "$ID 0 \\\$SYS" "$ANON_LOG" >/dev/null &&
	pass "window 0: '#' alone subscribed" || fail "window 0: subscriptions other than '#' alone"
grep -E "Client $ID disconnected\." "$ANON_LOG" >/dev/null && pass "window 0: broker logged our DISCONNECT (96 KiB still coming)" ||
	{ fail "window 0: no clean DISCONNECT from $ID"; grep "$ID" "$ANON_LOG" >&2; }
for i in $(seq 32); do mosquitto_pub -h $A1 -p $P -r -t "bulk/r$i" -n; done

# caps and evidence keys: five retained 1000-byte payloads
for i in 1 2 3 4 5; do
	head -c 1000 /dev/zero | tr '\0' y | mosquitto_pub -h $A1 -p $P -r -t "caps/t$i" -s
done
msw scan $A1 -p $P --depth topics --window 1 --format json >"$T/nocap.json"
assert_json_all "$T/nocap.json" '.topics.bytes >= 5000 and .topics.messages >= 7 and .topics.truncated == false' "caps: without caps every retained message is read"
assert_json "$T/nocap.json" '.topics.list | map(select(.topic == "caps/t1" and (.sample | length) == 1000 and .sample_truncated == false)) | length == 1' "caps: the default sample holds the whole 1000 bytes"
msw scan $A1 -p $P --depth topics --window 1 --max-messages 3 --format json >"$T/maxmsg.json"
assert_json_all "$T/maxmsg.json" '.topics.messages == 3 and .topics.truncated == true' "--max-messages 3: collection stops at 3 messages"
msw scan $A1 -p $P --depth topics --window 1 --max-bytes 2500 --format json >"$T/maxbytes.json"
assert_json_all "$T/maxbytes.json" '.topics.bytes >= 2500 and .topics.bytes < 3500 and .topics.truncated == true' "--max-bytes 2500: collection stops at the first message past 2500 bytes"
msw scan $A1 -p $P --depth topics --window 1 --sample-bytes 10 --format json >"$T/sample.json"
assert_json "$T/sample.json" '.topics.list | map(select(.topic == "caps/t1" and .sample == "yyyyyyyyyy" and .sample_truncated == true)) | length == 1' "--sample-bytes 10: samples cut at 10 bytes"
for k in k1 k1 k2; do
	msw scan $A1 -p $P --depth topics --window 1 --evidence minimal --hash-key $k --format json |
		jq -r '.topics.list[].topic | select(startswith("owntracks/"))' >>"$T/hk_$k.txt"
done
grep -q 'owntracks/+/+ (h=' "$T/hk_k1.txt" && ! grep -q alice "$T/hk_k1.txt" && pass "--hash-key: minimal evidence hashes the levels" ||
	fail "--hash-key: minimal topic '$(head -1 "$T/hk_k1.txt")'"
assert_eq 1 "$(sort -u "$T/hk_k1.txt" | wc -l)" "--hash-key: the same key gives the same hashes"
[ "$(head -1 "$T/hk_k1.txt")" != "$(head -1 "$T/hk_k2.txt")" ] && pass "--hash-key: another key gives other hashes" ||
	fail "--hash-key: k1 and k2 gave the same hashes"
for i in 1 2 3 4 5; do mosquitto_pub -h $A1 -p $P -r -t "caps/t$i" -n; done

# ---------------------------------------------------------------- 3. version matrix
msw audit $A1:$P --window 1 --format json >"$T/audit.json"
validate_schema "$T/audit.json"
assert_json "$T/audit.json" '.probe == "mqtt" and .versions["3.1"] == "accepted" and .versions["3.1.1"] == "accepted" and .versions["5.0"] == "accepted"' "audit: every version recorded"
assert_json "$T/audit.json" '.probe == "mqtt" and .mqtt_version == "5.0" and .connack.properties.receive_maximum > 0' "audit: main verdict on 5.0 with CONNACK properties"
msw scan $A1 -p $P --versions all --format json >"$T/vall.json"
assert_json "$T/vall.json" '(.versions | length) == 3 and .read_access == "untested"' "--versions all at depth connack"
grep -E "as msw-[0-9A-Za-z]+ \(p2, c1, k60\)" "$ANON_LOG" >/dev/null && pass "3.1 CONNECT (p2) seen" || fail "no 3.1 CONNECT"
grep -E "as msw-[0-9A-Za-z]+ \(p5, c1, k60\)" "$ANON_LOG" >/dev/null && pass "5.0 CONNECT (p5) seen" || fail "no 5.0 CONNECT"

# ---------------------------------------------------------------- 4. password broker
make_passwd "$T/passwd" owner "$SECRET"
start_mosquitto $A2 $P "allow_anonymous false" "password_file $T/passwd" || { fail "mosquitto on $A2"; finish; }
PW_LOG=$MOSQ_LOG
msw scan $A2 -p $P --format json >"$T/pw_anon.json"
validate_schema "$T/pw_anon.json"
assert_json_all "$T/pw_anon.json" '.status == "success" and .auth == "credentials_required" and .mqtt == true' "password: credentials_required"
: >"$PW_LOG"
msw scan $A2 -p $P --auth-probe --format json >"$T/pw_probe.json"
assert_json_all "$T/pw_probe.json" '.auth == "credentials_required"' "password: --auth-probe with random credentials refused"
assert_eq 2 "$(grep -c 'Sending CONNACK' "$PW_LOG")" "password: --auth-probe made exactly one extra attempt"
grep -q "owner" "$PW_LOG" && fail "auth probe used a real user name" || pass "auth probe user name is random"
msw scan $A2 -p $P -u owner -P "$SECRET" --depth topics --window 1 --format json -oJ "$T/pw_oj.json" \
	--db "$T/pw.db" --metadata-file "$T/pw_meta.json" >"$T/pw_auth.json"
validate_schema "$T/pw_auth.json"
assert_json_all "$T/pw_auth.json" '.status == "success" and .auth == "authenticated"' "password: authenticated with -u/-P"
assert_json_all "$T/pw_oj.json" '.auth == "authenticated"' "password: -oJ record"
[ -s "$T/pw.db" ] && pass "password: --db written" || fail "password: --db missing"
[ -s "$T/pw_meta.json" ] && pass "password: metadata written" || fail "password: metadata missing"
leaks=0
for f in "$T/pw_auth.json" "$T/pw_oj.json" "$T/pw.db" "$T/pw.db-wal" "$T/pw_meta.json" "$T/stderr.txt"; do
	[ -e "$f" ] || continue
	if grep -a -q -- "$SECRET" "$f"; then
		fail "password leaked into $(basename "$f")"
		leaks=1
	fi
done
[ $leaks -eq 0 ] && pass "password in no output (stdout, -oJ, --db, metadata, stderr)"
# a wrong password: credentials_required (not authenticated)
msw scan $A2 -p $P -u owner -P wrong --format json >"$T/pw_bad.json"
assert_json_all "$T/pw_bad.json" '.auth == "credentials_required" or .auth == "not_authorized"' "password: wrong password refused"
# credentials from the target URL
msw scan "mqtt://owner:$SECRET@$A2:$P" --format json >"$T/pw_url.json"
assert_json_all "$T/pw_url.json" '.auth == "authenticated"' "password: credentials from an mqtt:// URL"
grep -a -q -- "$SECRET" "$T/pw_url.json" && fail "URL password leaked into the record" || pass "URL password not in the record"

# ---------------------------------------------------------------- 5. ACL: # granted, nothing delivered
make_passwd "$T/passwd_acl" admin adminpw
cat >"$T/acl" <<'EOF'
# anonymous clients may read one topic nobody publishes, and $SYS (as in Mosquitto's
# aclfile.example): broker statistics are not data
topic read nothing/here
topic read $SYS/#
user admin
topic readwrite #
EOF
chmod 0644 "$T/acl"
start_mosquitto $A3 $P "allow_anonymous true" "password_file $T/passwd_acl" "acl_file $T/acl" ||
	{ fail "mosquitto on $A3"; finish; }
mosquitto_pub -h $A3 -p $P -u admin -P adminpw -r -t home/alarm/code -m 1234
msw scan $A3 -p $P --depth topics --window 1 --format json >"$T/acl.json"
validate_schema "$T/acl.json"
assert_json_all "$T/acl.json" '.auth == "anonymous" and .read_access == "granted_no_data"' "ACL: granted_no_data"
assert_json_all "$T/acl.json" '[.topics.list[].topic | select(startswith("$SYS/") | not)] | length == 0' "ACL: nothing outside \$SYS delivered"
assert_json_all "$T/acl.json" '.broker.product == "mosquitto"' "ACL: \$SYS still read (broker identified)"

# ---------------------------------------------------------------- 6. identifier rejected
# Mosquitto cannot be made to answer rc 2, so a tiny stand-in broker that (like a strict
# 3.1.1 server) refuses any client id outside [0-9A-Za-z] and accepts the rest.
cat >"$T/idbroker.py" <<'EOF'
import socket, sys
host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((host, port)); s.listen(8)
while True:
    c, _ = s.accept(); c.settimeout(5)
    try:
        d = c.recv(4096)
        n = d[1]; body = d[2:2 + n]
        pl = int.from_bytes(body[0:2], 'big'); i = 2 + pl + 4
        il = int.from_bytes(body[i:i + 2], 'big'); cid = body[i + 2:i + 2 + il].decode()
        open(out, 'a').write(cid + '\n')
        ok = cid.isalnum() and cid.isascii()
        c.sendall(bytes([0x20, 2, 0, 0 if ok else 2]))
        while c.recv(16): pass
    except Exception:
        pass
    c.close()
EOF
"$(msw_python)" "$T/idbroker.py" "$A4" "$P" "$T/ids.txt" &
track_pid $!
wait_port $A4 $P 10
msw scan $A4 -p $P --format json >"$T/idrej.json"
assert_json_all "$T/idrej.json" '.status == "success" and .auth == "anonymous" and .connack.code == 0' "identifier rejected: accepted after the retry"
assert_eq 2 "$(wc -l <"$T/ids.txt" | tr -d ' ')" "identifier rejected: exactly one retry"
first=$(sed -n 1p "$T/ids.txt")
second=$(sed -n 2p "$T/ids.txt")
case $first in msw-*) pass "first id has the msw- prefix ($first)" ;; *) fail "first id '$first'" ;; esac
if [[ $second =~ ^msw[0-9A-Za-z]+$ ]] && [ "$first" != "$second" ] && [ ${#second} -le 23 ]; then
	pass "retry id is fresh and alphanumeric ($second)"
else
	fail "retry id '$second'"
fi

# ---------------------------------------------------------------- 7. nothing of ours left behind
# no retained message of ours: only the two we published and $SYS
mosquitto_sub -h $A1 -p $P -v -t '#' -W 2 >"$T/retained.txt" 2>/dev/null
if grep -vE '^(home/door/front|owntracks/alice/phone) ' "$T/retained.txt" | grep -q .; then
	fail "unexpected retained messages: $(grep -vE '^(home/door/front|owntracks/alice/phone) ' "$T/retained.txt" | head -3)"
else
	pass "no retained message of ours"
fi
# no session: reconnect with our last client id and clean session off → session present 0
LASTID=$(grep -oE "as msw-[0-9A-Za-z]+" "$ANON_LOG" | tail -1 | cut -c4-)
sp=$("$(msw_python)" - "$A1" "$P" "$LASTID" <<'EOF'
import socket, sys
host, port, cid = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
def s(b): return len(b).to_bytes(2, 'big') + b
body = s(b'MQTT') + bytes([4, 0x00, 0, 60]) + s(cid)   # clean session 0
so = socket.create_connection((host, port), timeout=5)
so.sendall(bytes([0x10, len(body)]) + body)
ack = so.recv(4)
print(ack[2] & 1 if len(ack) == 4 and ack[0] == 0x20 else 'bad')
# leave no session of our own either: reconnect clean and disconnect
so.close()
body = s(b'MQTT') + bytes([4, 0x02, 0, 60]) + s(cid)
so = socket.create_connection((host, port), timeout=5)
so.sendall(bytes([0x10, len(body)]) + body); so.recv(4); so.sendall(b'\xe0\x00'); so.close()
EOF
)
assert_eq 0 "$sp" "no session kept for $LASTID (session present flag)"
sleep 1.5
total=$(mosquitto_sub -h $A1 -p $P -t '$SYS/broker/clients/total' -C 1 -W 5 2>/dev/null)
if [ -n "$total" ] && [ "$total" -le 1 ]; then
	pass "\$SYS/broker/clients/total = $total: no session of ours"
else
	fail "\$SYS/broker/clients/total = '$total'"
fi
no_asan_report "$T/stderr.txt" && pass "no sanitizer report"

finish
