#!/usr/bin/env bash
# Classifiers end to end: publish every MQTT fixture of shared/fixtures/payloads (our copy in
# tests/vectors/classify/fixtures) as a retained message into a real Mosquitto on 127.0.92.1,
# scan it with `--depth topics`, and check the findings in the JSON lines and in SQLite:
# every manifest category appears, people's locations, door state, actuators and credentials
# are reported with the right severities, write_access is inferred, and — by default — no raw
# coordinate, password or person name appears in any finding; with --evidence raw they do.
# $SYS fixtures cannot be published (the broker owns $SYS): the broker's own $SYS stands in.
source "$(dirname "$0")/lib.sh"

ADDR=127.0.92.1
FIX="$MSW_SOURCE_DIR/tests/vectors/classify/fixtures"
[ -f "$FIX/MANIFEST.tsv" ] || FIX="$MSW_FIXTURES/payloads"
TMP=$(msw_tmpdir)
PORT=$(free_port "$ADDR")

for tool in mosquitto mosquitto_pub jq sqlite3; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
[ -x "$MSW_BIN" ] || { echo "FAIL: no binary at $MSW_BIN"; exit 1; }

start_mosquitto "$ADDR" "$PORT" "sys_interval 1" || { fail "mosquitto did not start"; finish; }

# Publish the fixtures (retained, QoS 1 so each is stored before the next connect). Two
# fixtures share owntracks/alice/phone (location and its last will): the first one stays.
published=0
declare -A seen_topic=()
while IFS=$'\t' read -r file topic _eco _cls _sev _why; do
	[ "$file" = file ] && continue
	case $topic in '('*|'$'*) continue ;; esac
	[ -n "${seen_topic[$topic]:-}" ] && continue
	seen_topic[$topic]=1
	if mosquitto_pub -h "$ADDR" -p "$PORT" -q 1 -r -f "$FIX/$file" -t "$topic"; then
		published=$((published + 1))
	else
		fail "publish $file to $topic"
	fi
done <"$FIX/MANIFEST.tsv"
[ "$published" -ge 37 ] && pass "published $published retained fixtures" || fail "only $published fixtures published"
# Correlation: a discovery config (payload_on false) and the Z2M state it points at.
CASES="$MSW_SOURCE_DIR/tests/vectors/classify/cases"
mosquitto_pub -h "$ADDR" -p "$PORT" -q 1 -r -f "$CASES/corr_door_config.json" -t homeassistant/binary_sensor/bd/config &&
	mosquitto_pub -h "$ADDR" -p "$PORT" -q 1 -r -f "$CASES/corr_door_state.json" -t zigbee2mqtt/back_door_contact ||
	fail "publish correlation pair"
sleep 1.5   # let $SYS publish its tree once

scan() {   # scan OUT_PREFIX [extra options]
	local out=$1
	shift
	"$MSW_BIN" scan "$ADDR" -p "$PORT" --depth topics --window 2 -oJ "$out.json" --db "$out.db" "$@" \
		>"$out.stdout" 2>"$out.stderr"
	echo $?
}

rc=$(scan "$TMP/red" --html "$TMP/red.html" --csv "$TMP/red.csv")
[ "$rc" -eq 0 ] && pass "scan exit 0" || fail "scan exit $rc: $(head -c 600 "$TMP/red.stderr")"
no_asan_report "$TMP/red.stderr"
J="$TMP/red.json"
svc='select(.kind == "service" and .probe == "mqtt")'

assert_json "$J" "$svc | .auth == \"anonymous\" and .read_access == \"granted_with_data\"" "anonymous, granted with data"
assert_json "$J" "$svc | .write_access == \"inferred\"" "write_access inferred (actuators seen, nothing published)"

# One finding per expectation: id, category, severity (and confidence where it matters).
expect() {   # expect ID CATEGORY SEVERITY [CONFIDENCE]
	local id=$1 cat=$2 sev=$3 conf=${4:-}
	local q="$svc | [.findings[] | select(.id == \"$id\" and .category == \"$cat\" and .severity == \"$sev\""
	[ -n "$conf" ] && q="$q and .confidence == \"$conf\""
	assert_json "$J" "$q)] | length > 0" "finding $id $cat/$sev${conf:+/$conf}"
}
expect owntracks.location location critical confirmed
expect owntracks.waypoints location high
expect owntracks.card device_inventory medium
expect owntracks.cmd actuator_control high inferred
expect owntracks.config_password credential critical
expect homeassistant.cover_door actuator_control critical inferred
expect homeassistant.alarm_code credential critical
expect homeassistant.door_sensor door_state high
expect homeassistant.device_tracker location high
expect homeassistant.status broker_info info
expect homeassistant.statestream.person presence high confirmed
expect mqttdash.controls actuator_control high inferred
expect tasmota.discovery device_inventory medium
expect tasmota.state_wifi device_inventory medium
expect tasmota.relay_door actuator_control high inferred
expect shelly.announce device_inventory medium
expect shelly.relay actuator_control high
expect shelly2.online device_inventory low
expect zigbee2mqtt.bridge_info device_inventory medium
expect zigbee2mqtt.devices device_inventory medium
expect zigbee2mqtt.lock door_state high confirmed
expect esphome.discover device_inventory medium
expect frigate.event presence high
expect teslamate.location location critical
expect domoticz.door door_state high
expect glances.ip device_inventory medium
expect omg.sys device_inventory medium
expect valetudo.status presence low
expect mosquitto.version broker_info info
expect mqtt.anonymous broker_info high
expect homeassistant.state.binary_sensor door_state high confirmed
assert_json "$J" "$svc | [.findings[] | select(.id == \"homeassistant.state.binary_sensor\" and (.title | test(\"OPEN now\")))] | length > 0" "correlated: 'Back door' is OPEN now (contact:false with payload_on false)"
expect zigbee2mqtt.contact door_state high confirmed

# every finding has a CWE (or is info), a reproduce line with the real host and port
# (broker.version_cves comes from the broker database, not from the classifier)
mine='select(.id != "broker.version_cves")'
assert_json_all "$J" "if (.kind == \"service\" and .probe == \"mqtt\") then ([.findings[] | $mine | select(.cwe == null)] | length == 0) else true end" "every classifier finding has a CWE"
assert_json_all "$J" "if (.kind == \"service\" and .probe == \"mqtt\") then ([.findings[] | $mine | select((.reproduce // \"\") == \"\")] | length == 0) else true end" "every classifier finding has a reproduce line"
assert_json "$J" "$svc | [.findings[] | select((.reproduce // \"\") | test(\"-h $ADDR -p $PORT \"))] | length > 20" "reproduce lines name this broker"
# negatives: nothing above info on their topics
assert_json "$J" "$svc | [.findings[] | select((.topic // \"\") | test(\"^(sensors/garage/raw|devtest/deep|msh/)\")) | select(.severity != \"info\")] | length == 0" "negatives: nothing above info"
assert_json "$J" "$svc | [.findings[] | select((.topic // \"\") | test(\"charlie\")) | select(.category == \"location\")] | length == 0" "OwnTracks status is not a location"

# Redacted by default: no raw coordinates, passwords or person names in findings.
findings_text() { jq -c "$svc | .findings" "$1"; }
leak=0
for s in 51.50123 -0.14187 51.5011 51.50342 Correct-Horse-Battery-9 '"4711"' alice Alice; do
	if findings_text "$J" | grep -qF -- "$s"; then
		fail "redacted findings contain '$s'"
		leak=1
	fi
done
[ $leak -eq 0 ] && pass "redacted findings: no raw coordinate, password or name"
if jq -c "$svc | .topics.list[]? | .sample // empty" "$J" | grep -qE '51\.50123|Correct-Horse-Battery-9|"4711"'; then
	fail "redacted payload samples contain raw values"
else
	pass "redacted payload samples: coordinates coarsened, secrets masked"
fi
# the topic list too: person-naming levels masked (issue 4, "in every sink")
if jq -r "$svc | .topics.list[]? | .topic // empty" "$J" | grep -qi 'alice'; then
	fail "redacted topic list names a person"
else
	pass "redacted topic list: person-naming levels masked"
fi
assert_json "$J" "$svc | any(.topics.list[]; .topic == \"owntracks/a***e/p***e\")" "redacted topic list: owntracks/a***e/p***e"
for f in red.stdout red.csv red.html; do
	if grep -q 'owntracks/alice' "$TMP/$f"; then
		fail "redacted $f names owntracks/alice"
	else
		pass "redacted $f: no person-naming topic level"
	fi
done
grep -qF 'owntracks/a***e/p***e' "$TMP/red.html" && pass "HTML topic table shows the masked topic" ||
	fail "HTML topic table lacks owntracks/a***e/p***e"

# The same findings in SQLite.
DB="$TMP/red.db"
if [ -s "$DB" ]; then
	tables=$(sqlite3 "$DB" .tables)
	ftab=$(echo "$tables" | tr ' ' '\n' | grep -m1 -x findings || true)
	if [ -n "$ftab" ]; then
		n=$(sqlite3 "$DB" "select count(*) from findings where finding_id = 'owntracks.location' and category = 'location' and severity = 'critical'")
		[ "${n:-0}" -ge 1 ] && pass "SQLite findings holds owntracks.location (critical)" || fail "SQLite findings lacks owntracks.location"
		crit=$(sqlite3 "$DB" "select count(*) from findings where severity = 'critical' and finding_id != 'broker.version_cves'")
		[ "${crit:-0}" -ge 5 ] && pass "SQLite: $crit critical classifier findings" || fail "SQLite: only ${crit:-0} critical findings"
		njson=$(jq "$svc | [.findings[]] | length" "$J" | head -1)
		ndb=$(sqlite3 "$DB" "select count(*) from findings")
		assert_eq "$njson" "$ndb" "findings in SQLite = findings in JSON lines"
		if sqlite3 "$DB" "select topic from topics" | grep -q 'alice'; then
			fail "SQLite topics table names a person under --evidence redacted"
		else
			pass "SQLite topics table redacted"
		fi
		n=$(sqlite3 "$DB" "select count(*) from topics where topic = 'owntracks/a***e/p***e'")
		[ "${n:-0}" -ge 1 ] && pass "SQLite topics: owntracks/a***e/p***e" || fail "SQLite topics lacks the masked owntracks topic"
		if sqlite3 "$DB" "select * from findings" | grep -qE '51\.50123|Correct-Horse-Battery-9|alice'; then
			fail "SQLite findings hold raw values under --evidence redacted"
		else
			pass "SQLite findings redacted"
		fi
	else
		fail "no findings table in $DB (tables: $tables)"
	fi
else
	fail "no SQLite database written"
fi

# --evidence raw: nothing hidden.
rc=$(scan "$TMP/raw" --evidence raw)
[ "$rc" -eq 0 ] && pass "raw scan exit 0" || fail "raw scan exit $rc"
if findings_text "$TMP/raw.json" | grep -qF 51.50123 && findings_text "$TMP/raw.json" | grep -qF Correct-Horse-Battery-9 &&
	findings_text "$TMP/raw.json" | grep -qF alice; then
	pass "--evidence raw shows coordinates, passwords and names"
else
	fail "--evidence raw hides something"
fi
assert_json "$TMP/raw.json" "$svc | any(.topics.list[]; .topic == \"owntracks/alice/phone\")" "--evidence raw: topic list as delivered"

# --evidence minimal: no payload values, generalised topics.
rc=$(scan "$TMP/min" --evidence minimal)
[ "$rc" -eq 0 ] && pass "minimal scan exit 0" || fail "minimal scan exit $rc"
if findings_text "$TMP/min.json" | grep -qE '51\.5|Correct-Horse|alice|Co…'; then
	fail "--evidence minimal leaks payload values"
else
	pass "--evidence minimal: no payload values"
fi
assert_json "$TMP/min.json" "$svc | [.findings[] | select((.topic // \"\") | test(\"^owntracks/\\\\+/\\\\+ \\\\(h=\"))] | length > 0" "minimal: topics generalised with keyed hashes"
assert_json "$TMP/min.json" "$svc | any(.topics.list[]; .topic | test(\"^owntracks/\\\\+/\\\\+ \\\\(h=\"))" "minimal: topic list generalised with keyed hashes"
assert_json "$TMP/min.json" "$svc | [.topics.list[] | select(.topic | test(\"alice|phone\"))] | length == 0" "minimal: topic list names no level"
assert_json "$TMP/min.json" "$svc | .topics.count >= $published" "minimal: every published topic counted (by raw topic)"

# ---- measurement honesty: '#' granted, deliveries filtered by an ACL, $SYS counts retained.
# The count includes Mosquitto's own 53 retained $SYS topics, so only many more hidden
# messages than that make the hint (40 here); the open broker above must never get it.
A2=127.0.92.2
P2=$(free_port "$A2")
make_passwd "$TMP/passwd" admin adminpw
printf 'topic read nothing/here\ntopic read $SYS/#\nuser admin\ntopic readwrite #\n' >"$TMP/acl"
chmod 0644 "$TMP/acl"
if start_mosquitto "$A2" "$P2" "allow_anonymous true" "password_file $TMP/passwd" "acl_file $TMP/acl" "sys_interval 1"; then
	for i in $(seq 1 40); do
		echo "home/room$i/state {\"x\":$i}"
	done | while read -r t m; do
		mosquitto_pub -h "$A2" -p "$P2" -u admin -P adminpw -q 1 -r -t "$t" -m "$m"
	done
	sleep 2.5   # the retained count is republished every sys_interval
	"$MSW_BIN" scan "$A2" -p "$P2" --depth topics --window 2 -oJ "$TMP/acl.json" >/dev/null 2>"$TMP/acl.stderr"
	assert_json "$TMP/acl.json" "$svc | (.tags // []) | index(\"acl_filtered\") != null" "ACL-filtered broker tagged acl_filtered"
	assert_json "$TMP/acl.json" "$svc | [.findings[] | select(.id == \"mqtt.acl_filtered\" and .severity == \"info\")] | length == 1" "finding: deliveries likely filtered by ACL"
	assert_json "$J" "$svc | (.tags // []) | index(\"acl_filtered\") == null" "open broker not tagged acl_filtered"
else
	fail "ACL mosquitto did not start"
fi

validate_schema "$J"
finish
