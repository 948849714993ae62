#!/usr/bin/env bash
# Output end to end (addresses 127.0.97.x): a real anonymous Mosquitto holding hostile
# retained topics (script, attribute breakers, terminal escapes, a spreadsheet formula,
# invalid UTF-8) and a password-protected one audited with a sentinel password. Every
# sink at once: JSON lines on stdout and -oJ (schema-valid), SQLite (WAL, rows, hosts,
# done markers), CSV (formulas defused), HTML (nothing executable), the metadata file
# (secrets masked), the terminal summary under a pseudo-terminal (escapes shown, never
# sent), and `mqttsweep stats` over the database. The sentinel password must appear in
# no output file at all. The CSV and HTML the scan wrote from its records are the ones
# written from its JSON lines (tests/tools/sinks_replay.c).
set -u
. "$(dirname "$0")/lib.sh"

T=$(msw_tmpdir)
A=127.0.97.1
B=127.0.97.2
PA=$(free_port $A)
PB=$(free_port $B)
SECRET='Sentinel-Pa55-97q'

start_mosquitto $A "$PA" || { fail "mosquitto A"; finish; }
make_passwd "$T/passwd" owner "$SECRET"
start_mosquitto $B "$PB" "allow_anonymous false" "password_file $T/passwd" ||
	{ fail "mosquitto B"; finish; }

pub() { mosquitto_pub -h $A -p "$PA" -r -t "$1" -m "$2"; }
pub 'home/<script>alert(1)</script>' 'x'
pub 'home/" onmouseover="alert(2)' 'y'
pub "home/$(printf '\033]0;pwned\007')title" "$(printf '\033[2Jcleared')"
pub "=cmd|' /C calc'!A0" '=1+2'
pub 'owntracks/alice/phone' '{"_type":"location","lat":52.520008,"lon":13.404954,"tst":1700000000,"tid":"al"}'
printf 'bad\377\376bytes' | mosquitto_pub -h $A -p "$PA" -r -t 'raw/bin' -s

# the password reaches mqttsweep through a URL here, and through -P in step 9; raw evidence
# so the hostile payloads themselves reach every sink
run() {
	"$MSW_BIN" audit "$A:$PA" "mqtt://owner:$SECRET@$B:$PB" --depth topics --window 2 --evidence raw "$@"
}

# 1. every file sink at once, JSON lines on stdout (not a terminal)
run --db "$T/r.db" -oJ "$T/r.ndjson" --csv "$T/r.csv" --html "$T/r.html" \
	--metadata-file "$T/meta.json" >"$T/stdout.ndjson" 2>"$T/stderr.txt"
rc=$?
assert_eq 0 "$rc" "audit exit code" || cat "$T/stderr.txt" >&2
validate_schema "$T/stdout.ndjson"
validate_schema "$T/r.ndjson"
# The schema is strict enough to catch wrong words: a record that validates, then one
# mutation at a time that must not (status, auth, versions outcome, http/smb/host blocks).
schema_rejects() {   # NAME JQ_MUTATION
	jq -c "select(.ip == \"$A\" and .probe == \"mqtt\") | $2" "$T/r.ndjson" | head -1 >"$T/mut.json"
	if "$(msw_python)" "$MSW_SOURCE_DIR/tests/tools/validate_schema.py" "$MSW_SOURCE_DIR/docs/record.schema.json" \
		"$T/mut.json" >/dev/null 2>&1; then
		fail "schema accepts $1"
	else
		pass "schema rejects $1"
	fi
}
GOODX='.versions = {"3.1": "refused", "3.1.1": "accepted", "5.0": "not_authorized"} | .tags = ["acl_filtered"]
	| .retained_fingerprint = "0123456789abcdef0123456789abcdef" | .retained_fingerprint_n = 4
	| .http = {product: "Node-RED", product_id: "node_red", version: null, auth: "open",
		paths: [{path: "/", status: 200, marker: "x", server_b64: "AA=="}],
		mqtt_ws_endpoints: ["ws://127.0.0.1:1880/mqtt"],
		default_logins: [{product: "Node-RED", path: "/auth/token", method: "POST", username: "admin", status: 401, accepted: false}]}
	| .smb = {share_listing: "guest", shares: [{name: "config", access: "guest", session: "anonymous", entries: 3,
		files: [{path: "secrets.yaml", size: 10, what: "Home Assistant secrets"}]}, {name: "x", access: "denied"}]}
	| .services = [{probe: "http", port: 1880, transport: "tcp", status: "success", auth: "open", worst_severity: "critical"}]
	| .risk = {worst_severity: "critical", findings_by_category: {dashboard: 1}, chain: "http:1880 [critical]"}'
jq -c "select(.ip == \"$A\" and .probe == \"mqtt\") | $GOODX" "$T/r.ndjson" | head -1 >"$T/good.json"
validate_schema "$T/good.json"
schema_rejects "status 'ok'" '.status = "ok"'
schema_rejects "auth 'open' on the MQTT field" '.auth = "open"'
schema_rejects "a versions outcome 'maybe'" "$GOODX | .versions[\"3.1.1\"] = \"maybe\""
schema_rejects "a versions key '4.0'" "$GOODX | .versions[\"4.0\"] = \"accepted\""
schema_rejects "http.auth 'anonymous'" "$GOODX | .http.auth = \"anonymous\""
schema_rejects "an unknown http key" "$GOODX | .http.password = \"x\""
schema_rejects "smb share access 'full'" "$GOODX | .smb.shares[0].access = \"full\""
schema_rejects "host services auth 'maybe'" "$GOODX | .services[0].auth = \"maybe\""
schema_rejects "retained_fingerprint not hex" "$GOODX | .retained_fingerprint = \"zz\""
schema_rejects "a findings_by_category key 'weather'" "$GOODX | .risk.findings_by_category.weather = 1"
assert_json "$T/stdout.ndjson" "select(.ip == \"$A\" and .probe == \"mqtt\") | .auth == \"anonymous\" and .topics.count >= 5" \
	"anonymous broker recorded with its topics"
assert_json "$T/stdout.ndjson" "select(.ip == \"$B\" and .probe == \"mqtt\") | .auth == \"authenticated\"" \
	"password broker authenticated with the URL credentials"
assert_json "$T/stdout.ndjson" '.topics.list[]? | has("topic_b64") or has("sample_b64")' \
	"invalid UTF-8 kept as _b64"
assert_json_all "$T/stdout.ndjson" '.schema == "mqttsweep.record/1"' "only records on stdout"

# 2. the secret is nowhere
for f in "$T"/r.* "$T"/stdout.ndjson "$T"/meta.json "$T"/stderr.txt; do
	[ -f "$f" ] || continue
	if grep -aq -- "$SECRET" "$f"; then fail "secret found in $(basename "$f")"; else pass "no secret in $(basename "$f")"; fi
done
if [ -f "$T/r.db-wal" ] && grep -aq -- "$SECRET" "$T/r.db-wal"; then fail "secret in WAL"; fi

# 3. SQLite
qdb() { "$(msw_python)" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute(sys.argv[2]).fetchone()[0])' "$1" "$2"; }
q() { qdb "$T/r.db" "$1"; }
assert_eq wal "$(q 'PRAGMA journal_mode')" "WAL journal"
assert_eq 1 "$(q "SELECT count(*) FROM services WHERE ip='$A' AND probe='mqtt' AND auth='anonymous'")" "service row A"
assert_eq 1 "$(q "SELECT count(*) FROM services WHERE ip='$B' AND probe='mqtt' AND auth='authenticated'")" "service row B"
[ "$(q "SELECT count(*) FROM topics WHERE ip='$A'")" -ge 5 ] && pass "topic rows" || fail "topic rows"
assert_eq 1 "$(q "SELECT count(*) FROM topics WHERE topic LIKE 'home/<script>%'")" "hostile topic stored verbatim (bound parameter)"
[ "$(q "SELECT count(*) FROM done")" -ge 2 ] && pass "done markers" || fail "done markers"
assert_eq 0 "$(q "SELECT exit_code FROM scans")" "scan row final"
assert_eq 1 "$(q "SELECT count(*) FROM hosts WHERE ip='$A'")" "hosts row"

# 4. CSV: formula defused, no raw formula cell
if grep -aq "\"'=cmd|' /C calc'!A0\"" "$T/r.csv" || ! grep -aq "calc'!A0" "$T/r.csv"; then
	pass "csv formula defused (or topic not in a finding row)"
else
	fail "csv formula cell"
fi
if grep -aqE '(^|,)"?[=+@]' "$T/r.csv"; then fail "csv cell starts with a formula character"; else pass "csv no formula cell"; fi

# 4b. the CSV rows and the HTML page the scan's sinks wrote from its records (read through
# the field tables) are the ones the same sinks write from the records' JSON lines
SID=$(jq -r '.scan_id' "$T/r.ndjson" | head -1)
# (and each line read back into a record writes the same line again, or is a part the
# reader cannot read yet)
if "$MSW_BUILD_DIR/sinks_replay" "$T/r.ndjson" "$T/replay.csv" "$T/replay.html" "$SID" >"$T/replay.out"; then
	pass "records read back: $(cat "$T/replay.out")"
	cmp -s "$T/r.csv" "$T/replay.csv" && pass "csv from records = csv from JSON lines" ||
		fail "csv from records differs: $(diff "$T/r.csv" "$T/replay.csv" | head -5)"
	cmp -s "$T/r.html" "$T/replay.html" && pass "html from records = html from JSON lines" ||
		fail "html from records differs: $(diff "$T/r.html" "$T/replay.html" | head -5)"
else
	fail "sinks_replay: $(cat "$T/replay.out")"
fi

# 5. HTML: nothing executable from the broker
if grep -aiq '<script' "$T/r.html"; then fail "html contains <script"; else pass "html has no <script"; fi
if grep -aq '" onmouseover' "$T/r.html"; then fail "html attribute breaker"; else pass "html attributes intact"; fi
if grep -aq $'\033' "$T/r.html"; then fail "html contains ESC"; else pass "html has no ESC"; fi
grep -aq '&lt;script&gt;' "$T/r.html" && pass "html shows the topic escaped" || fail "html topic missing"

# 6. metadata
assert_json "$T/meta.json" '.schema == "mqttsweep.scan/1" and .final == true and (.argv | map(select(type == "string" and test("\\*\\*\\*"))) | length) == 1 and .counts.mqtt.speaking >= 2' \
	"metadata final with masked argv"
if "$(msw_python)" "$MSW_SOURCE_DIR/tests/tools/validate_schema.py" "$MSW_SOURCE_DIR/docs/scan.schema.json" "$T/meta.json"; then
	pass "metadata schema-valid"
else
	fail "metadata schema"
fi

# 7. the terminal summary, under a pseudo-terminal
TERM=dumb script -qec "$MSW_BIN audit $A:$PA --depth topics --window 2 -q" /dev/null >"$T/tty.txt" 2>&1
if grep -aq $'\033]0;pwned' "$T/tty.txt" || grep -aq $'\033\[2J' "$T/tty.txt"; then
	fail "terminal received a broker escape sequence"
else
	pass "terminal output carries no broker escape"
fi
grep -aq "anyone can connect without a password" "$T/tty.txt" && pass "plain-language sentence" ||
	{ fail "plain-language sentence"; head -c 2000 "$T/tty.txt" >&2; }

# 8. stats
"$MSW_BIN" stats "$T/r.db" --format json >"$T/stats.json" 2>"$T/stats.err"
assert_eq 0 $? "stats exit code"
assert_json "$T/stats.json" '.metrics.speaking_mqtt.count == 2 and .metrics.anonymous.count == 1' "stats counts"
"$MSW_BIN" stats "$T/r.db" >"$T/stats.txt" 2>&1 && grep -q "Brokers speaking MQTT" "$T/stats.txt" &&
	pass "stats text" || fail "stats text"

# 9. a failing sink: exit 3, other sinks flushed; the -P secret is nowhere either
"$MSW_BIN" audit "$B:$PB" --depth connack -u owner -P "$SECRET" --db "$T/f.db" -oJ /dev/full \
	--metadata-file "$T/fmeta.json" >"$T/f.out" 2>"$T/full.err"
assert_eq 3 $? "exit 3 when a sink fails"
assert_eq 1 "$(qdb "$T/f.db" "SELECT count(*) FROM services WHERE probe = 'mqtt' AND auth = 'authenticated'")" \
	"other sinks kept the records"
assert_json "$T/fmeta.json" '.output_failed == true and .exit_code == 3 and (.argv | index("***") != null)' \
	"metadata records the failed sink"
for f in "$T"/f.db "$T"/f.out "$T"/full.err "$T"/fmeta.json; do
	if grep -aq -- "$SECRET" "$f"; then fail "secret found in $(basename "$f")"; else pass "no -P secret in $(basename "$f")"; fi
done

finish
