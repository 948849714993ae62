#!/usr/bin/env bash
# Honeypots told apart from brokers, end to end. Servers that answer the way Dionaea,
# Glutton and RIoTPot do on the wire (tests/peers/honeypots/mqtt_honeypots.py, from the
# research notes on their code), one that changes its CONNACK between connections, one that
# accepts everything and publishes nothing, and one image replaying the same $SYS snapshot
# on three addresses; next to them real brokers that must stay untagged: an empty open
# Mosquitto, a Mosquitto with $SYS off, and Aedes. `mqttsweep stats` shows the honeypots
# apart.
#   127.0.88.21          dionaea 18831, glutton 18832, riotpot 18833, flip 18834, silent 18835
#   127.0.88.22          Mosquitto, open, sys_interval 1
#   127.0.88.23          Mosquitto, open, sys_interval 0
#   127.0.88.24          Aedes
#   127.0.88.25-27       replay 18836 (one image on three addresses)
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T=$(msw_tmpdir)
HP=127.0.88.21
AE=$MSW_SOURCE_DIR/tests/peers/aedes
for tool in mosquitto python3 jq node; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
svc='select(.kind == "service" and .probe == "mqtt")'

"$(msw_python)" "$MSW_SOURCE_DIR/tests/peers/honeypots/mqtt_honeypots.py" "$HP,127.0.88.25,127.0.88.26,127.0.88.27" \
	"$T/honeypots.log" dionaea=18831 glutton=18832 riotpot=18833 flip=18834 silent=18835 replay=18836 \
	>"$T/honeypots.out" 2>&1 &
track_pid $!
wait_port $HP 18835 30 || { fail "honeypot emulators did not start"; finish; }
start_mosquitto 127.0.88.22 1883 "sys_interval 1" || { fail "mosquitto .22"; finish; }
L22=$MOSQ_LOG
start_mosquitto 127.0.88.23 1883 "sys_interval 0" || { fail "mosquitto .23"; finish; }
L23=$MOSQ_LOG
[ -d "$AE/node_modules/aedes" ] || { fail "tests/peers/aedes not installed (scripts/setup.sh)"; finish; }
node "$AE/server.mjs" --tcp 127.0.88.24:1883 --heartbeat 1 >"$T/aedes.out" 2>&1 &
track_pid $!
wait_port 127.0.88.24 1883 30 || { fail "aedes"; finish; }
sleep 1.2 # Mosquitto's first $SYS interval
C22=$(grep -c 'Sending CONNACK' "$L22") C23=$(grep -c 'Sending CONNACK' "$L23") # readiness checks

# every version on its own connection, topics for 2 s: the honeypots' answers are read
"$MSW_BIN" scan $HP:18831 $HP:18832 $HP:18833 $HP:18834 $HP:18835 127.0.88.22:1883 127.0.88.23:1883 \
	127.0.88.24:1883 127.0.88.25:18836 127.0.88.26:18836 127.0.88.27:18836 \
	--versions all --depth topics --window 2 --db "$T/hp.db" -oJ "$T/m.json" >"$T/m.out" 2>"$T/m.err" ||
	fail "matrix scan exit $?: $(head -c 300 "$T/m.err")"
no_asan_report "$T/m.err"
validate_schema "$T/m.json"
assert_eq 11 "$(jq -s "[.[] | $svc] | length" "$T/m.json")" "eleven MQTT records"
hp() { # hp PORT JQ-CONDITION MESSAGE: on the emulator's port
	assert_json "$T/m.json" "$svc | select(.ip == \"$HP\" and .port == $1) | $2" "$3"
}
strong='.honeypot.likelihood == "strong" and (.tags | index("likely_honeypot") != null)
	and any(.findings[]; .id == "mqtt.honeypot" and .severity == "info" and .confidence == "inferred")'
hp 18831 "$strong and (.honeypot.signals | index(\"version_blind\") != null and index(\"malformed_reply\") != null)
	and any(.findings[]; .id == \"mqtt.honeypot\" and (.evidence | fromjson | .connack == \"20020000\" and (.reply | startswith(\"90020001\"))))" \
	"Dionaea: 5.0 accepted the 3.1.1 way and a SUBACK two bytes long with a third: strong, bytes as evidence"
hp 18832 "$strong and (.honeypot.signals | index(\"version_blind\") != null)" \
	"Glutton: 20 02 00 00 to every version: strong"
hp 18833 "$strong and (.honeypot.signals | index(\"version_blind\") != null and index(\"malformed_reply\") != null)
	and any(.findings[]; .id == \"mqtt.honeypot\" and (.evidence | fromjson | .reply == \"92020000\"))" \
	"RIoTPot: a SUBACK with reserved flags and no return codes: strong"
hp 18834 "$strong and .auth == \"anonymous\" and (.honeypot.signals | index(\"connack_changed\") != null and index(\"silent_accept\") != null)
	and any(.findings[]; .id == \"mqtt.honeypot\" and (.evidence | fromjson | .connack_again == \"20020005\"))" \
	"flip: accepted, then refused for the same CONNECT, and silent: two weak signals make a strong one"
hp 18835 "$strong and (.honeypot.signals | index(\"version_blind\") != null)" \
	"accept-everything: 5.0 accepted the 3.1.1 way: strong"
for a in 127.0.88.22 127.0.88.23 127.0.88.24; do
	assert_json "$T/m.json" "$svc | select(.ip == \"$a\") | .auth == \"anonymous\" and .honeypot == null
		and ((.tags // []) | map(select(test(\"honeypot\"))) | length == 0)
		and ([.findings[] | select(.id == \"mqtt.honeypot\")] | length == 0)" \
		"real broker $a ($(jq -r "$svc | select(.ip == \"$a\") | .broker.product // \"?\"" "$T/m.json")): no honeypot tag"
done
assert_eq 1 "$(jq -s "[.[] | $svc | select(.port == 18836) | .sys_fingerprint] | unique | length" "$T/m.json")" \
	"the replayed \$SYS snapshot: one sys_fingerprint on three addresses"
assert_json "$T/m.json" "$svc | select(.ip == \"127.0.88.22\") | (.sys_fingerprint | test(\"^[0-9a-f]{32}$\")) and .sys_fingerprint_n > 10" \
	"Mosquitto's retained \$SYS snapshot has a fingerprint of its own"
# the re-check: one more CONNECT to the Mosquitto whose '#' delivered nothing ($SYS off),
# none to the one that published $SYS (three versions, the main pass on the 5.0 connection)
assert_eq 3 "$(($(grep -c 'Sending CONNACK' "$L22") - C22))" "Mosquitto with \$SYS: three CONNECTs (one per version), no re-check"
assert_eq 4 "$(($(grep -c 'Sending CONNACK' "$L23") - C23))" "Mosquitto without \$SYS: three CONNECTs and the re-check"

# `mqttsweep stats`: the honeypots apart
SID=$(jq -r -s '.[0].scan_id' "$T/m.json")
"$MSW_BIN" stats "$T/hp.db" --scan "$SID" --format json >"$T/stats.json" 2>"$T/stats.err" || fail "stats exit $?"
assert_json "$T/stats.json" '.metrics.speaking_mqtt.count == 11 and .metrics.likely_honeypots.count == 5
	and .metrics.likely_honeypots.of == "speaking_mqtt" and .metrics.honeypot_signals.count == 0
	and .metrics.possible_honeypots.count == 3' \
	"stats: 5 likely honeypots (answered like one), 3 possible ones (one image on 3 addresses)"
"$MSW_BIN" stats "$T/hp.db" --scan "$SID" >"$T/stats.txt" 2>>"$T/stats.err"
grep -qE 'Likely honeypots \(answered like one\) +5 ' "$T/stats.txt" && pass "stats text: the likely honeypots line" ||
	fail "stats text: no 'Likely honeypots' line with 5: $(grep -i honeypot "$T/stats.txt")"

# the default versions (3.1.1 alone): the accept-everything server is only silent there; the
# re-check gets the same answer: one weak signal, counted apart as such
N0=$(jq -c 'select(.port == 18835)' "$T/honeypots.log" | wc -l)
"$MSW_BIN" scan $HP:18835 127.0.88.23:1883 --depth topics --window 1 --db "$T/hp.db" -oJ "$T/f.json" \
	>"$T/f.out" 2>"$T/f.err" || fail "fallback scan exit $?"
no_asan_report "$T/f.err"
assert_json "$T/f.json" "$svc | select(.port == 18835) | .honeypot == {\"likelihood\": \"weak\", \"signals\": [\"silent_accept\"]}
	and (.tags | index(\"honeypot_signal\") != null)" "3.1.1 only: accept-everything is one weak signal (silent_accept)"
assert_json "$T/f.json" "$svc | select(.ip == \"127.0.88.23\") | .read_access == \"granted_no_data\"
	and .honeypot == {\"likelihood\": \"weak\", \"signals\": [\"silent_accept\"]}" \
	"Mosquitto without \$SYS, 3.1.1 only: '#' granted, nothing delivered, no product named: the same weak signal (why it is weak)"
assert_eq 2 "$(($(jq -c 'select(.port == 18835)' "$T/honeypots.log" | wc -l) - N0))" \
	"the silent server got two CONNECTs: the main connection and one re-check"
SID2=$(jq -r -s '.[0].scan_id' "$T/f.json")
"$MSW_BIN" stats "$T/hp.db" --scan "$SID2" --format json >"$T/stats2.json" 2>>"$T/stats.err"
assert_json "$T/stats2.json" '.metrics.likely_honeypots.count == 0 and .metrics.honeypot_signals.count == 2' \
	"stats: the weak ones counted as such, not as likely honeypots"
no_asan_report "$T/stats.err"

finish
