#!/usr/bin/env bash
# docs/record.schema.json is generated from the field tables (gen_schema, spliced with the
# hand-written fragments for parts still carried as parsed JSON: docs/schema/untyped.json).
# Fails when the checked-in schema differs from what the tables say (run
# scripts/gen-schema.sh), and shows the schema has teeth: the generated schema accepts the
# records the writer produces and rejects records that break a table's rule.
. "$(dirname "$0")/lib.sh"
T=$(msw_tmpdir)
PY=$(msw_python)
SRC=$MSW_SOURCE_DIR
GEN=$MSW_BUILD_DIR/gen_schema
[ -x "$GEN" ] || { fail "no gen_schema in $MSW_BUILD_DIR"; finish; }

"$GEN" "$SRC/docs/schema/untyped.json" >"$T/gen.json"
assert_eq 0 $? "gen_schema runs"
if "$PY" - "$T/gen.json" "$SRC/docs/record.schema.json" <<'PYEOF'; then
import json, sys
a = json.load(open(sys.argv[1]))
b = json.load(open(sys.argv[2]))
sys.exit(0 if a == b else 1)
PYEOF
	pass "docs/record.schema.json is what the field tables generate"
else
	fail "docs/record.schema.json differs from the generated schema: run scripts/gen-schema.sh"
fi

# a fragment for a part that has its own table now is an error, not silently kept
jq '. + {"no.such.row": {"type": "object"}}' "$SRC/docs/schema/untyped.json" >"$T/stale.json"
"$GEN" "$T/stale.json" >/dev/null 2>"$T/stale.err"
assert_eq 1 $? "gen_schema refuses a fragment that no row asks for"
grep -q 'no.such.row' "$T/stale.err" && pass "and names it" || fail "stale fragment not named"

# the writer's records (golden vectors of the record recipe, kind service) validate
jq -c 'select(.kind == "service")' "$SRC/tests/vectors/record/records_head.jsonl" >"$T/good.jsonl"
[ -s "$T/good.jsonl" ] || fail "no service records among the golden vectors"
"$PY" "$SRC/tests/tools/validate_schema.py" "$T/gen.json" "$T/good.jsonl" >"$T/good.out" 2>&1 &&
	pass "the golden records validate against the generated schema" ||
	{ cat "$T/good.out"; fail "golden records do not validate"; }

# hostile certificates (the 60 golden ones, and a repeated DN part that is not text, which the
# writer puts as {"b64": ...} in the part's array) validate inside a record's tls block
"$PY" - "$SRC/tests/vectors/record/certs.jsonl" "$T/good.jsonl" >"$T/certs.jsonl" <<'PYEOF'
import json, sys
rec = json.loads(open(sys.argv[2]).readline())
tls = {"handshake_ok": True, "client_cert_requested": False, "client_cert_sent": False,
       "client_cert_required": False}
for line in open(sys.argv[1]):
    rec["tls"] = dict(tls, certificate=json.loads(line)["json"])
    print(json.dumps(rec))
cert = json.loads(open(sys.argv[1]).readline())["json"]
cert["subject"] = {"CN": ["a", {"b64": "/w=="}], "O_b64": "AP8="}
rec["tls"] = dict(tls, certificate=cert)
print(json.dumps(rec))
PYEOF
assert_eq 61 "$(grep -c . "$T/certs.jsonl")" "61 records with hostile certificates"
"$PY" "$SRC/tests/tools/validate_schema.py" "$T/gen.json" "$T/certs.jsonl" >"$T/certs.out" 2>&1 &&
	pass "records with hostile certificates validate (DN parts as arrays, {\"b64\": ...} elements)" ||
	{ cat "$T/certs.out"; fail "hostile certificates do not validate"; }

# a real scan's records validate too (a broker with retained data and a closed port)
start_mosquitto 127.0.97.60 18897 || { fail "mosquitto"; finish; }
mosquitto_pub -h 127.0.97.60 -p 18897 -r -t 'owntracks/alice/phone' \
	-m '{"_type":"location","lat":51.5,"lon":-0.1,"acc":9,"tst":1767349440}'
"$MSW_BIN" audit 127.0.97.60 -p 18897,18898 --window 1 --format json -q >"$T/scan.jsonl" 2>"$T/scan.err"
[ -s "$T/scan.jsonl" ] || fail "the audit wrote no records"
"$PY" "$SRC/tests/tools/validate_schema.py" "$T/gen.json" "$T/scan.jsonl" >"$T/scan.out" 2>&1 &&
	pass "a real audit's records validate against the generated schema" ||
	{ cat "$T/scan.out"; fail "a real audit's records do not validate"; }

# broken records are rejected: each one breaks one rule a table row states
rec=$(jq -c 'select(.mqtt == true)' "$T/scan.jsonl" | head -1)
[ -n "$rec" ] || { fail "no MQTT record from the audit"; finish; }
bad() { # LABEL JQ-FILTER
	jq -c "$2" <<<"$rec" >"$T/bad.jsonl"
	if "$PY" "$SRC/tests/tools/validate_schema.py" "$T/gen.json" "$T/bad.jsonl" >/dev/null 2>&1; then
		fail "schema accepts a record with $1"
	else
		pass "schema rejects a record with $1"
	fi
}
bad "an unknown status (enum row)" '.status = "bogus"'
bad "neither ip nor ip_b64 (text row with its _b64 twin)" 'del(.ip)'
bad "a port above 65535 (row bounds)" '.port = 70000'
bad "a missing always-written row" 'del(.read_access)'
bad "an unknown key in a typed block" '.topics.extra_key = 1'
bad "a finding with an unknown severity" '.findings[0].severity = "dire"'
bad "a non-base64 _b64 twin" '.ip_b64 = "not base64!"'
bad "a CONNACK raw_hex that is not hex" '.connack.raw_hex = "zz"'
bad "an MQTT version no broker speaks" '.mqtt_version = "4.0"'
bad "another record format" '.schema = "mqttsweep.record/2"'

finish
