#!/usr/bin/env bash
# The owner's report and diff against real Mosquitto brokers on 127.0.81.x:
#   127.0.81.1  anonymous, holding retained Home Assistant discovery whose names and topics
#               are markup (<img src=x onerror=...>, "><script>, </style>) and an OwnTracks
#               location
#   127.0.81.2  a password file (credentials required)
#   127.0.81.3  shaped like the Home Assistant Mosquitto add-on: 1883 plain and 8883 TLS with a
#               certificate for core-mosquitto, passwords required
# 1. `audit --db --html` then `report DB -o`: one self-contained page (no script, no external
#    reference, SVG charts), the headline with its denominators, Mosquitto lines for the
#    Mosquitto that named itself, the add-on's way for the add-on-shaped broker, hostile names
#    as text; --html during the scan writes the same page; --fail-on, --scan-id and --run-id
#    change what is reported and the exit code.
# 2. Chromium (headless, desktop and phone widths) renders both pages: no network request, no
#    console error, no injected element, the hostile strings visible as text.
# 3. `diff`: after 127.0.81.1 gets a password and 127.0.81.2 is opened to anyone (with a
#    location on it), diff of two sources, of two scans in one database, --format jsonl, and
#    report --since.
set -u
. "$(dirname "$0")/lib.sh"

T=$(msw_tmpdir)
A1=127.0.81.1 A2=127.0.81.2 A3=127.0.81.3
C="$T/certs"

bash "$MSW_SOURCE_DIR/tests/peers/certs.sh" "$C" core-mosquitto $A3 >/dev/null ||
	{ fail "certs.sh"; finish; }
make_passwd "$T/passwd" owner 'Report-pw-7x'

start_mosquitto $A1 1883 || { fail "mosquitto on $A1"; finish; }
A1_PID=$MOSQ_PID
start_mosquitto $A2 1883 "allow_anonymous false" "password_file $T/passwd" ||
	{ fail "mosquitto on $A2"; finish; }
A2_PID=$MOSQ_PID
start_mosquitto $A3 1883 "allow_anonymous false" "password_file $T/passwd" \
	"listener 8883 $A3" "certfile $C/selfsigned.crt" "keyfile $C/selfsigned.key" ||
	{ fail "mosquitto on $A3"; finish; }
wait_port $A3 8883 10 || fail "no TLS listener on $A3:8883"

IMG='<img src=x onerror=alert(1)>'
SCR='"><script>alert(2)</script>'
STY='</style><b id=pwn>styled</b>'
pub() { mosquitto_pub -h "$1" -p 1883 -r -t "$2" -m "$3" || fail "publish $2"; }
pub $A1 homeassistant/cover/garage_door/config \
	"{\"name\":\"$IMG\",\"device_class\":\"garage\",\"command_topic\":\"garage/\\\"><script>alert(2)</script>/set\",\"payload_open\":\"OPEN\",\"state_topic\":\"garage/door/state\"}"
pub $A1 homeassistant/binary_sensor/x/contact/config \
	"{\"name\":\"$STY\",\"device_class\":\"door\",\"state_topic\":\"zigbee2mqtt/back_door\"}"
pub $A1 "home/$STY/state" "$IMG"
pub $A1 owntracks/alice/phone \
	'{"_type":"location","lat":51.5007,"lon":-0.1246,"acc":9,"tst":1733600000,"tid":"al"}'

audit() { # audit DB META TARGET...: a short audit into DB, its metadata into META
	local db=$1 meta=$2
	shift 2
	"$MSW_BIN" audit "$@" --window 2 --timeout 30 -q --db "$db" --metadata-file "$meta" \
		>/dev/null 2>>"$T/stderr.txt" </dev/null
}

# ---------------------------------------------------------------- 1. report
audit "$T/r.db" "$T/m1.json" $A1 $A2 $A3 --html "$T/scan.html"
assert_eq 0 $? "audit of the three brokers"
S1=$(jq -r .scan_id "$T/m1.json")
"$MSW_BIN" report "$T/r.db" -o "$T/report.html" 2>>"$T/stderr.txt"
assert_eq 0 $? "report exit code"
R="$T/report.html"
[ -s "$R" ] && pass "report written" || fail "no report"
no_asan_report "$T/stderr.txt"

if grep -qiE '<script|<img|<iframe|<link|<object|@import|url\(' "$R"; then
	fail "the page holds a script, image, frame, link, import or url()"
else pass "no script, image, frame, link or url() in the page"; fi
if grep -qE '(src|href|action)="[^#]' "$R"; then fail "the page refers outside itself"
else pass "every href is an in-page anchor"; fi
grep -qF "default-src 'none'" "$R" && pass "Content-Security-Policy forbids everything but inline style" ||
	fail "no Content-Security-Policy"
grep -qF '&lt;img src=x onerror=alert(1)&gt;' "$R" && pass "hostile name shown escaped" ||
	fail "hostile name not found escaped"
grep -qF '&lt;/style&gt;&lt;b id=pwn&gt;' "$R" && pass "hostile </style> shown escaped" ||
	fail "</style> name not found escaped"
[ "$(grep -c '<svg' "$R")" -ge 5 ] && pass "five inline SVG charts" || fail "charts missing"
grep -qF 'Of 4 MQTT brokers reached: 1 of 4 (25%) lets anyone in' "$R" &&
	pass "headline: brokers reached and the open share with its denominator" ||
	fail "headline wrong: $(grep -o 'class="headline">[^<]*' "$R")"
grep -qF 'Of 3 hosts:' "$R" && pass "headline: hosts counted" || fail "headline host count"

section() { # section ADDR: the host's section of the page
	awk -v a="$1" 'index($0, "<section") && index($0, "class=\"host") {on = 0}
		index($0, "</span>" a " <span") {on = 1} on' "$R"
}
section $A1 >"$T/a1.html"
section $A3 >"$T/a3.html"
grep -qF 'allow_anonymous false' "$T/a1.html" && pass "$A1: Mosquitto's allow_anonymous false" ||
	fail "$A1: no allow_anonymous line"
grep -qF 'pattern readwrite owntracks/%u/#' "$T/a1.html" &&
	pass "$A1: the OwnTracks ACL pattern for the location finding" || fail "$A1: no OwnTracks ACL"
grep -qF 'Fixes written for Mosquitto' "$T/a1.html" && pass "$A1: fixes for Mosquitto" ||
	fail "$A1: software not named"
grep -qF 'The chain of open doors' "$T/a1.html" && pass "$A1: the chain of open doors" ||
	fail "$A1: no chain"
grep -qF 'looks like the Home Assistant Mosquitto add-on' "$T/a3.html" &&
	pass "$A3: recognised as the add-on (ports, certificate)" || fail "$A3: not seen as the add-on"
grep -qF 'add-on' "$T/a3.html" && ! grep -qF 'listener 1883 127.0.0.1' "$T/a3.html" &&
	pass "$A3: the add-on's options instead of mosquitto.conf listener lines" ||
	fail "$A3: mosquitto.conf lines for the add-on"
grep -qF 'Reproduce' "$T/a1.html" && grep -qF 'mosquitto_sub -h 127.0.81.1' "$T/a1.html" &&
	pass "$A1: reproduce lines" || fail "$A1: no reproduce line"

# --html during the scan: the same renderer (the same headline and host sections)
hl() { grep -o 'class="headline">[^<]*' "$1"; }
[ -n "$(hl "$T/scan.html")" ] && [ "$(hl "$T/scan.html")" = "$(hl "$R")" ] &&
	pass "--html writes the same report (same headline)" || fail "--html headline differs"
[ "$(grep -c 'class="host' "$T/scan.html")" = "$(grep -c 'class="host' "$R")" ] &&
	pass "--html: the same host sections" || fail "--html: host sections differ"

# --fail-on, --scan-id, --run-id
rc_of() { "$@" >/dev/null 2>>"$T/stderr.txt"; echo $?; }
assert_eq 1 "$(rc_of "$MSW_BIN" report "$T/r.db" -o "$T/x.html" --fail-on high)" \
	"report --fail-on high: exit 1 (an open broker)"
audit "$T/r.db" "$T/m2.json" $A2
S2=$(jq -r .scan_id "$T/m2.json")
assert_eq 0 "$(rc_of "$MSW_BIN" report "$T/r.db" -o "$T/latest.html" --fail-on high)" \
	"report of the latest scan (the password broker only) --fail-on high: exit 0"
grep -qF 'Of 1 MQTT broker reached' "$T/latest.html" && pass "the latest scan by default" ||
	fail "latest scan not chosen"
assert_eq 1 "$(rc_of "$MSW_BIN" report "$T/r.db" -o "$T/s1.html" --scan-id "$S1" --fail-on high)" \
	"--scan-id picks the first scan: exit 1"
grep -qF 'Of 4 MQTT brokers reached' "$T/s1.html" && pass "--scan-id: the first scan's brokers" ||
	fail "--scan-id did not pick the first scan"
sqlite3 "$T/r.db" "UPDATE scans SET meta = json_set(meta, '\$.run_id', 'run-7') WHERE scan_id IN ('$S1', '$S2')"
assert_eq 1 "$(rc_of "$MSW_BIN" report "$T/r.db" -o "$T/run.html" --run-id run-7 --fail-on critical)" \
	"--run-id: both scans of the run (exit 1: a critical finding)"
grep -qF 'Of 5 MQTT brokers reached' "$T/run.html" && pass "--run-id: the run's two scans together" ||
	fail "--run-id: $(grep -o 'class="headline">[^<]*' "$T/run.html")"
assert_eq 2 "$(rc_of "$MSW_BIN" report "$T/r.db" -o "$T/x.html" --scan-id no-such)" "unknown scan: exit 2"
assert_eq 2 "$(rc_of "$MSW_BIN" report "$T/r.db")" "no -o: usage error"

# ---------------------------------------------------------------- 2. Chromium
for page in report scan; do
	browser_render "$T/$page.html" "$T/shots-$page" \
		--forbid-selector 'img' --forbid-selector '[onerror]' --forbid-selector 'script' \
		--forbid-selector '#pwn' --forbid-selector 'b#pwn' \
		--expect-text "$IMG" --expect-text "$SCR" --expect-text '</style><b id=pwn>styled</b>' \
		--expect-text 'allow_anonymous false' >"$T/browser-$page.json" 2>"$T/browser-$page.err"
	rc=$?
	if [ $rc -eq 2 ]; then
		fail "$page: Chromium did not start: $(tail -3 "$T/browser-$page.err")"
		continue
	fi
	assert_eq 0 $rc "$page.html in Chromium: no request, no console error, no injected element, hostile text visible" ||
		cat "$T/browser-$page.err" >&2
	[ -s "$T/shots-$page/desktop.png" ] && [ -s "$T/shots-$page/phone.png" ] &&
		pass "$page: desktop and phone screenshots" || fail "$page: screenshots missing"
done

# ---------------------------------------------------------------- 3. diff
kill "$A1_PID" "$A2_PID" 2>/dev/null
wait "$A1_PID" "$A2_PID" 2>/dev/null
start_mosquitto $A1 1883 "allow_anonymous false" "password_file $T/passwd" ||
	fail "mosquitto on $A1 (closed)"
start_mosquitto $A2 1883 || fail "mosquitto on $A2 (opened)"
pub $A2 owntracks/bob/tablet \
	'{"_type":"location","lat":48.8584,"lon":2.2945,"acc":5,"tst":1733600000,"tid":"bt"}'
audit "$T/after.db" "$T/m3.json" $A1 $A2
S3=$(jq -r .scan_id "$T/m3.json")

"$MSW_BIN" diff "$T/r.db" "$T/after.db" --old-scan "$S1" >"$T/diff.txt" 2>>"$T/stderr.txt"
assert_eq 0 $? "diff of two sources"
grep -qF "+ $A2:1883 (tcp) now lets anyone in (it asked for a password before)" "$T/diff.txt" &&
	pass "diff: $A2 newly open" || fail "diff: $A2 not newly open: $(cat "$T/diff.txt")"
grep -qF -- "- $A1:1883 (tcp) no longer lets anyone in (it asks for a password now)" "$T/diff.txt" &&
	pass "diff: $A1 newly closed" || fail "diff: $A1 not newly closed"
grep -qF -- "- $A1: no more findings about location" "$T/diff.txt" && pass "diff: a gone category" ||
	fail "diff: location not gone on $A1"
grep -qF "+ $A2: new findings about location" "$T/diff.txt" && pass "diff: a new category" ||
	fail "diff: location not new on $A2"
grep -qF "+ $A2:1883: new location leak" "$T/diff.txt" && pass "diff: a new location leak" ||
	fail "diff: no new location leak"

"$MSW_BIN" diff "$T/r.db" "$T/after.db" --old-scan "$S1" --format jsonl >"$T/diff.jsonl" 2>>"$T/stderr.txt"
assert_eq 0 $? "diff --format jsonl"
[ "$(wc -l <"$T/diff.jsonl")" = "$(wc -l <"$T/diff.txt")" ] && pass "jsonl: one line per event" ||
	fail "jsonl and text differ in length"
jq -e -s 'all(.[]; (.event | type) == "string" and (.ip | type) == "string" and (.worse | type) == "boolean")' \
	"$T/diff.jsonl" >/dev/null && pass "jsonl: each line an event object" || fail "jsonl: bad lines"
jq -e -s "any(.[]; .event == \"newly_open\" and .ip == \"$A2\" and .port == 1883)" "$T/diff.jsonl" >/dev/null &&
	pass "jsonl: newly_open event" || fail "jsonl: no newly_open event"

"$MSW_BIN" report "$T/after.db" -o "$T/since.html" --since "$T/r.db" 2>>"$T/stderr.txt"
assert_eq 0 $? "report --since another source (its latest scan: the password broker only)"
grep -qF 'Since the earlier scan' "$T/since.html" && grep -qF "$A2:1883 (tcp) now lets anyone in" "$T/since.html" &&
	pass "report --since: the changes section" || fail "report --since: no changes section"

# two scans in one database: the after scan copied into r.db
sqlite3 "$T/r.db" "ATTACH '$T/after.db' AS a;
	INSERT INTO scans SELECT * FROM a.scans;
	INSERT INTO services(scan_id, kind, probe, ip, port, hostname, transport, transport_security,
	  status, mqtt, mqtt_version, auth, connack_code, read_access, write_access, broker_product,
	  broker_version, topic_count, retained_count, messages, bytes, finding_count, worst_severity,
	  timestamp, duration_ms, error, json)
	SELECT scan_id, kind, probe, ip, port, hostname, transport, transport_security, status, mqtt,
	  mqtt_version, auth, connack_code, read_access, write_access, broker_product, broker_version,
	  topic_count, retained_count, messages, bytes, finding_count, worst_severity, timestamp,
	  duration_ms, error, json FROM a.services;" || fail "copying the after scan"
"$MSW_BIN" diff "$T/r.db" --old-scan "$S1" --new-scan "$S3" >"$T/diff1.txt" 2>>"$T/stderr.txt"
assert_eq 0 $? "diff of two scans in one database"
cmp -s "$T/diff.txt" "$T/diff1.txt" && pass "one database and two sources give the same changes" ||
	fail "one-database diff differs: $(diff "$T/diff.txt" "$T/diff1.txt" | head -5)"
"$MSW_BIN" diff "$T/r.db" >"$T/diff2.txt" 2>>"$T/stderr.txt"
grep -qF "+ $A2:1883 (tcp) now lets anyone in" "$T/diff2.txt" &&
	pass "diff DB: the two latest scans (password broker, then opened)" || fail "diff DB: $(cat "$T/diff2.txt")"

"$MSW_BIN" report "$T/r.db" -o "$T/since1.html" --scan-id "$S3" --since "$S1" 2>>"$T/stderr.txt"
grep -qF "$A1:1883 (tcp) no longer lets anyone in" "$T/since1.html" &&
	pass "report --since a scan id in the same database" || fail "report --since SCAN: no changes"
no_asan_report "$T/stderr.txt"
finish
