#!/usr/bin/env bash
# The terminal's finding list against real brokers on 127.0.82.x:
#   127.0.82.1:1883  Mosquitto, anonymous, holding an OwnTracks location and a Home Assistant
#                    garage door whose name carries terminal escapes
#   127.0.82.2:8883  Mosquitto speaking plain MQTT on the TLS port
#   127.0.82.3:1883  Aedes accepting any username with any password
# audit lists each finding under its service (grouped worst first, meaning, "Fix N", the
# reproduce line, $SYS findings counted apart, "What to change" written for Mosquitto);
# --no-details and scan give one line per service, scan --details the list; the --detect hint
# when TLS fails on 8883 (and not with --detect); the any-credentials line in the summary;
# Aedes gets its own words; escapes from the broker are never sent to the terminal.
set -u
. "$(dirname "$0")/lib.sh"

T=$(msw_tmpdir)
A1=127.0.82.1 A2=127.0.82.2 A3=127.0.82.3

start_mosquitto $A1 1883 || { fail "mosquitto on $A1"; finish; }
start_mosquitto $A2 8883 || { fail "mosquitto on $A2:8883"; finish; }
node "$MSW_SOURCE_DIR/tests/peers/aedes/server.mjs" --auth any --tcp $A3:1883 --heartbeat 300 \
	>"$T/aedes.out" 2>"$T/aedes.err" &
track_pid $!
wait_port $A3 1883 10 || fail "aedes on $A3"

ESC=$'\033[2J\033]0;pwned\007'
mosquitto_pub -h $A1 -p 1883 -r -t owntracks/alice/phone \
	-m '{"_type":"location","lat":51.5007,"lon":-0.1246,"acc":9,"tst":1733600000,"tid":"al"}' ||
	fail "publish location"
mosquitto_pub -h $A1 -p 1883 -r -t homeassistant/cover/garage_door/config \
	-m "{\"name\":\"Gate${ESC}\",\"device_class\":\"garage\",\"command_topic\":\"garage/door/set\",\"payload_open\":\"OPEN\"}" ||
	fail "publish cover"

msw() { "$MSW_BIN" "$@" --format text -q 2>>"$T/stderr.txt" </dev/null; }

msw audit $A1 --window 2 >"$T/audit.txt"
assert_eq 0 $? "audit exit code"
O="$T/audit.txt"
grep -qE '^  critical \([0-9]+\)$' "$O" && pass "findings grouped by severity, worst first" ||
	fail "no critical group: $(head -5 "$O")"
[ "$(grep -nE '^  (critical|high|medium|low|info) ' "$O" | head -1 | grep -c critical)" = 1 ] &&
	pass "the critical group comes first" || fail "critical is not first"
grep -qF "Live location of a***e's p***e is readable" "$O" && pass "the location finding listed" ||
	fail "location finding missing"
grep -qF 'Anyone who connects learns where people are, or were.  Fix ' "$O" &&
	pass "its meaning in a sentence and its fix number" || fail "no meaning/fix line"
grep -qF "\$ mosquitto_sub -h $A1 -p 1883 -v -t 'owntracks/+/+'" "$O" && pass "its reproduce line" ||
	fail "no reproduce line"
grep -qE "^  info \([0-9]+\): [0-9]+ about the broker's own \\\$SYS topics, not listed$" "$O" &&
	pass "\$SYS findings counted apart" || fail "\$SYS not counted apart: $(grep '^  info' "$O")"
! grep -qF 'Broker identifies itself as' "$O" && pass "\$SYS findings not listed one by one" ||
	fail "a \$SYS finding is listed"
grep -qF 'What to change (Mosquitto):' "$O" && pass "fixes written for Mosquitto" || fail "no fix block"
grep -qF 'allow_anonymous false' "$O" && grep -qF 'pattern readwrite owntracks/%u/#' "$O" &&
	pass "Mosquitto lines: allow_anonymous false and the OwnTracks ACL pattern" ||
	fail "Mosquitto lines missing"
[ "$(grep -c '^    1\. ' "$O")" = 1 ] && pass "each fix written once" || fail "fix 1 repeated"
if grep -q $'\033' "$O"; then fail "an escape sequence reached the terminal"
else pass "no raw escape byte"; fi
grep -qF "garage 'Gate" "$O" && grep -qF 'pwned' "$O" &&
	pass "the name with the escapes shown as text" || fail "the escaped name is missing"

msw audit $A1 --window 2 --no-details >"$T/nodetails.txt"
# (audit records every listed target: the refused default ports have a line of their own)
[ "$(grep -vc 'connection refused$' "$T/nodetails.txt")" -le 3 ] && ! grep -q 'What to change' "$T/nodetails.txt" &&
	pass "audit --no-details: one line per service" || fail "--no-details still lists findings"
msw scan $A1 -p 1883 --depth topics --window 2 >"$T/scan.txt"
! grep -q 'What to change' "$T/scan.txt" && [ "$(wc -l <"$T/scan.txt")" -le 2 ] &&
	pass "scan: one line per service by default" || fail "scan lists findings without --details"
msw scan $A1 -p 1883 --depth topics --window 2 --details >"$T/scan-details.txt"
grep -qF 'What to change (Mosquitto):' "$T/scan-details.txt" && grep -qE '^  critical' "$T/scan-details.txt" &&
	pass "scan --details lists the findings" || fail "scan --details has no list"

msw scan $A2 -p 8883/tls --window 1 --details >"$T/tls.txt"
grep -qF 'hint: TLS failed on 8883; plain MQTT may answer there: run again with --detect' "$T/tls.txt" &&
	pass "the --detect hint when TLS fails on 8883" || fail "no --detect hint: $(cat "$T/tls.txt")"
msw scan $A2 -p 8883/tls --window 1 --details --detect >"$T/tls-detect.txt"
! grep -qF 'hint: TLS failed' "$T/tls-detect.txt" && pass "no hint with --detect" ||
	fail "hint shown with --detect"

msw audit $A3:1883 --window 1 >"$T/aedes.txt"
grep -qF 'let in any username with any password' "$T/aedes.txt" &&
	pass "the any-credentials result in the summary" || fail "no any-credentials line: $(tail -3 "$T/aedes.txt")"
grep -qF 'What to change (Aedes):' "$T/aedes.txt" && grep -qF 'authenticate' "$T/aedes.txt" &&
	! grep -qF 'allow_anonymous' "$T/aedes.txt" && pass "Aedes gets its own words, no Mosquitto lines" ||
	fail "Aedes fix: $(grep -A6 'What to change' "$T/aedes.txt")"
no_asan_report "$T/stderr.txt"
finish
