#!/usr/bin/env bash
# mqttsweep export against a scan of real Mosquitto brokers on 127.0.83.x:
#   .100:1883 anonymous, with a retained OwnTracks location (critical finding)
#   .101:1883 password file (CONNACK 5)
#   .102:8883 TLS, anonymous, CA-signed certificate whose subject has a quote and a comma
#   ::1 is not used (IPv6 rows are covered by the unit test)
# The scan goes to SQLite; each format is exported and checked: Shadowserver CSVs parsed
# with python3's csv module (file names, the 56/55 columns in order, values), IntelMQ
# events, zgrab2 lines; --asn-db, --split-by, --extra-columns, --org, --scan-id,
# --run-id and --all-scans each checked by their effect; usage errors.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T=$(msw_tmpdir)
C=$T/certs
A=127.0.83.100
B=127.0.83.101
S=127.0.83.102
PY=$(command -v python3)

bash "$MSW_SOURCE_DIR/tests/peers/certs.sh" "$C" broker.test "$S" || { fail "certs.sh"; finish; }
# a server certificate with CSV-hostile subject text, signed by the test CA
openssl req -newkey rsa:2048 -nodes -keyout "$C/odd.key" -out "$C/odd.csr" \
	-subj '/C=DE/ST=Berlin/L=Mitte/O=Acme "Labs", Inc./OU==cmd|calc/CN=broker.test' >/dev/null 2>&1 &&
	openssl x509 -req -in "$C/odd.csr" -CA "$C/ca.crt" -CAkey "$C/ca.key" -CAcreateserial -days 30 \
		-extfile "$C/ext.cnf" -extensions server -out "$C/odd.crt" >/dev/null 2>&1 &&
	chmod 0644 "$C/odd.key" "$C/odd.crt" || { fail "odd certificate"; finish; }

start_mosquitto $A 1883 || { fail "mosquitto $A"; finish; }
make_passwd "$T/pw" owner "s3cret-$$"
start_mosquitto $B 1883 "allow_anonymous false" "password_file $T/pw" || { fail "mosquitto $B"; finish; }
start_mosquitto $S 8883 "certfile $C/odd.crt" "keyfile $C/odd.key" || { fail "mosquitto $S"; finish; }
mosquitto_pub -h $A -p 1883 -r -t owntracks/alice/phone \
	-m '{"_type":"location","lat":52.5201,"lon":13.4049,"tst":1700000000,"acc":10}' ||
	fail "retained location"

"$MSW_BIN" scan $A $B $S -p 1883,8883/tls --depth topics --window 1 --cafile "$C/ca.crt" \
	--db "$T/r.db" --run-id run-x -q -oJ "$T/scan.json" >"$T/scan.out" 2>&1
assert_json "$T/scan.json" ".ip==\"$S\" and .port==8883 and .auth==\"anonymous\" and .tls.certificate.subject.CN==\"broker.test\"" \
	"scan: TLS broker with its certificate"
assert_json "$T/scan.json" ".ip==\"$A\" and (.findings|map(.severity)|index(\"critical\")) != null" \
	"scan: the open broker has a critical finding"

ex() { "$MSW_BIN" export "$T/r.db" "$@"; }

# ---- Shadowserver ----
ex --out "$T/ss" --org cert_x >"$T/ss.out" 2>"$T/ss.err" || { cat "$T/ss.err" >&2; fail "export shadowserver"; }
DAY=$(date -u +%Y-%m-%d)
for f in scan_mqtt scan_mqtt_anon; do
	[ -f "$T/ss/$DAY-$f-cert_x-all.csv" ] && pass "file $DAY-$f-cert_x-all.csv" ||
		{ fail "missing $DAY-$f-cert_x-all.csv"; ls -l "$T/ss" >&2; }
done
assert_eq 2 "$(ls "$T/ss" | wc -l)" "exactly two report files"
grep -q "5 rows in 2 files" "$T/ss.err" && pass "summary line" || fail "summary: $(cat "$T/ss.err")"

cat >"$T/check_ss.py" <<'EOF'
import csv, sys
ref56 = """timestamp, severity, ip, protocol, port, hostname, tag, asn, geo, region, city, naics, hostname_source, sector,
anonymous_access, raw_response, hex_code, code, cipher_suite, cert_length, subject_common_name,
issuer_common_name, cert_issue_date, cert_expiration_date, sha1_fingerprint, sha256_fingerprint,
sha512_fingerprint, md5_fingerprint, cert_serial_number, ssl_version, signature_algorithm, key_algorithm,
subject_organization_name, subject_organization_unit_name, subject_country, subject_state_or_province_name,
subject_locality_name, subject_street_address, subject_postal_code, subject_surname, subject_given_name,
subject_email_address, subject_business_category, subject_serial_number, issuer_organization_name,
issuer_organization_unit_name, issuer_country, issuer_state_or_province_name, issuer_locality_name,
issuer_street_address, issuer_postal_code, issuer_surname, issuer_given_name, issuer_email_address,
issuer_business_category, issuer_serial_number"""
ref56 = [c.strip() for c in ref56.replace("\n", " ").split(",")]
ref55 = [c for c in ref56 if c != "anonymous_access"]
full, anon, A, B, S, mode = sys.argv[1:7]
bad = []
def rows(path, ref):
    with open(path, newline="") as f:
        r = list(csv.reader(f))
    hdr = r[0]
    if mode == "extra":
        if hdr[:len(ref)] != ref or not all(h.startswith("mqttsweep_") for h in hdr[len(ref):]) or len(hdr) == len(ref):
            bad.append("extra header %s" % hdr[len(ref):])
    elif hdr != ref:
        bad.append("header of %s: %d columns %s" % (path, len(hdr), [h for h in hdr if h not in ref]))
    out = {}
    for row in r[1:]:
        if len(row) != len(hdr):
            bad.append("row width %d" % len(row))
        out[row[hdr.index("ip")]] = dict(zip(hdr, row))
    return out
F = rows(full, ref56)
N = rows(anon, ref55)
def eq(d, k, v, what):
    if d.get(k) != v:
        bad.append("%s: %s=%r, want %r" % (what, k, d.get(k), v))
if sorted(F) != sorted([A, B, S]): bad.append("scan_mqtt ips %s" % sorted(F))
if sorted(N) != sorted([A, S]): bad.append("scan_mqtt_anon ips %s" % sorted(N))
a, b, s = F.get(A, {}), F.get(B, {}), F.get(S, {})
for d, w in ((a, "A"), (b, "B"), (s, "S")):
    eq(d, "protocol", "tcp", w); eq(d, "tag", "mqtt", w)
    if not (len(d.get("timestamp", "")) == 19 and d["timestamp"][10] == " "): bad.append("timestamp %r" % d.get("timestamp"))
eq(a, "anonymous_access", "Y", "A"); eq(a, "severity", "critical", "A"); eq(a, "port", "1883", "A")
eq(a, "raw_response", "20020000", "A"); eq(a, "hex_code", "00", "A"); eq(a, "code", "Connection Accepted", "A")
eq(a, "cipher_suite", "", "A"); eq(a, "sha256_fingerprint", "", "A")
eq(b, "anonymous_access", "N", "B"); eq(b, "severity", "medium", "B")
eq(b, "raw_response", "20020005", "B"); eq(b, "hex_code", "05", "B"); eq(b, "code", "Connection Refused, not authorized", "B")
eq(s, "anonymous_access", "Y", "S"); eq(s, "severity", "high", "S"); eq(s, "port", "8883", "S")
eq(s, "subject_common_name", "broker.test", "S"); eq(s, "issuer_common_name", "mqttsweep test CA", "S")
eq(s, "subject_organization_name", 'Acme "Labs", Inc.', "S")
eq(s, "subject_organization_unit_name", "'=cmd|calc", "S")
eq(s, "subject_country", "DE", "S"); eq(s, "subject_state_or_province_name", "Berlin", "S")
eq(s, "subject_locality_name", "Mitte", "S"); eq(s, "issuer_organization_name", "mqttsweep tests", "S")
eq(s, "issuer_country", "DE", "S"); eq(s, "key_algorithm", "rsaEncryption", "S"); eq(s, "cert_length", "2048", "S")
eq(s, "signature_algorithm", "sha256WithRSAEncryption", "S")
if not s.get("cipher_suite", "").startswith("TLS_"): bad.append("cipher_suite %r" % s.get("cipher_suite"))
if s.get("ssl_version") not in ("2", "3"): bad.append("ssl_version %r" % s.get("ssl_version"))
if len(s.get("cert_issue_date", "")) != 19: bad.append("cert_issue_date %r" % s.get("cert_issue_date"))
if mode == "extra":
    eq(a, "mqttsweep_auth", "anonymous", "A extra"); eq(b, "mqttsweep_auth", "credentials_required", "B extra")
    eq(s, "mqttsweep_transport", "tls", "S extra"); eq(a, "mqttsweep_worst_severity", "critical", "A extra")
    eq(a, "mqttsweep_auth_identity", "", "A extra (anonymous run)")
    n = a.get("mqttsweep_sys_topic_count", "")
    if not (n.isdigit() and 1 <= int(n) < int(a.get("mqttsweep_topic_count", "0"))):
        bad.append("A extra: sys_topic_count %r of topic_count %r" % (n, a.get("mqttsweep_topic_count")))
if mode == "asn":
    eq(a, "asn", "64500", "A asn"); eq(a, "geo", "DE", "A geo"); eq(s, "asn", "64501", "S asn"); eq(s, "geo", "NL", "S geo")
    eq(b, "asn", "", "B asn (unrouted)"); eq(b, "geo", "", "B geo")
else:
    eq(a, "asn", "", "A asn"); eq(a, "geo", "", "A geo")
na, ns = N.get(A, {}), N.get(S, {})
eq(na, "tag", "mqtt,mqtt-anon", "anon A"); eq(ns, "tag", "mqtt,mqtt-anon", "anon S")
eq(na, "severity", "critical", "anon A"); eq(ns, "sha1_fingerprint", s.get("sha1_fingerprint"), "anon S")
fp = s.get("sha256_fingerprint", "")
if not (len(fp) == 95 and fp == fp.upper() and fp.count(":") == 31): bad.append("sha256 fingerprint %r" % fp)
if s.get("md5_fingerprint", "").count(":") != 15: bad.append("md5 %r" % s.get("md5_fingerprint"))
print("\n".join(bad) if bad else "OK")
sys.exit(1 if bad else 0)
EOF
chk() { # mode dir org
	local out
	out=$("$PY" "$T/check_ss.py" "$2/$DAY-scan_mqtt-$3-all.csv" "$2/$DAY-scan_mqtt_anon-$3-all.csv" $A $B $S "$1" 2>&1) &&
		pass "shadowserver ($1): columns in order, values checked" || fail "shadowserver ($1): $out"
}
chk plain "$T/ss" cert_x
# the fingerprint matches openssl's
want=$(openssl x509 -in "$C/odd.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
grep -q "$want" "$T/ss/$DAY-scan_mqtt-cert_x-all.csv" && pass "sha256 fingerprint = openssl's" ||
	fail "fingerprint $want not in the CSV"
want=$(openssl x509 -in "$C/odd.crt" -noout -serial | sed 's/.*=//')
grep -q "\"$want\"" "$T/ss/$DAY-scan_mqtt-cert_x-all.csv" && pass "serial = openssl's" || fail "serial $want"

# --extra-columns: our columns after theirs
ex --out "$T/ssx" --org cert_x --extra-columns 2>"$T/ssx.err" || fail "export --extra-columns"
chk extra "$T/ssx" cert_x

# --asn-db and --split-by
printf '127.0.83.96\t127.0.83.100\t64500\tDE\tEXAMPLE-A Example A\n127.0.83.101\t127.0.83.101\t0\tNone\tNot routed\n127.0.83.102\t127.0.83.110\t64501\tNL\tEXAMPLE-B\n' >"$T/asn.tsv"
ex --out "$T/ssa" --org cert_x --asn-db "$T/asn.tsv" 2>"$T/ssa.err" || fail "export --asn-db: $(cat "$T/ssa.err")"
chk asn "$T/ssa" cert_x
grep -q "2 addresses found in --asn-db\|3 addresses found in --asn-db\|4 addresses found in --asn-db" "$T/ssa.err" &&
	pass "asn-db: summary counts enriched rows" || fail "asn summary: $(cat "$T/ssa.err")"
ex --out "$T/ssp" --asn-db "$T/asn.tsv" --split-by asn 2>"$T/ssp.err" || fail "export --split-by asn"
assert_eq "$DAY-scan_mqtt-mqttsweep-as64500.csv $DAY-scan_mqtt-mqttsweep-as64501.csv $DAY-scan_mqtt-mqttsweep-asunknown.csv $DAY-scan_mqtt_anon-mqttsweep-as64500.csv $DAY-scan_mqtt_anon-mqttsweep-as64501.csv" \
	"$(ls "$T/ssp" | sort | tr '\n' ' ' | sed 's/ $//')" "--split-by asn: one file per AS"
grep -q "$B" "$T/ssp/$DAY-scan_mqtt-mqttsweep-asunknown.csv" && ! grep -q "$A" "$T/ssp/$DAY-scan_mqtt-mqttsweep-asunknown.csv" &&
	pass "--split-by asn: the unrouted broker in asunknown" || fail "asunknown content"
ex --out "$T/ssc" --asn-db "$T/asn.tsv" --split-by cc 2>"$T/ssc.err" || fail "export --split-by cc"
assert_eq "$DAY-scan_mqtt-mqttsweep-de.csv $DAY-scan_mqtt-mqttsweep-nl.csv $DAY-scan_mqtt-mqttsweep-unknown.csv $DAY-scan_mqtt_anon-mqttsweep-de.csv $DAY-scan_mqtt_anon-mqttsweep-nl.csv" \
	"$(ls "$T/ssc" | sort | tr '\n' ' ' | sed 's/ $//')" "--split-by cc: one file per country"

# ---- IntelMQ ----
ex --format intelmq --out "$T/im" --asn-db "$T/asn.tsv" 2>"$T/im.err" || fail "export intelmq: $(cat "$T/im.err")"
F=$T/im/intelmq-all.jsonl
assert_eq 5 "$(wc -l <"$F")" "intelmq: 3 open-mqtt + 2 open-mqtt-anon events"
assert_json_all "$F" '.["classification.taxonomy"]=="vulnerable" and .["classification.type"]=="vulnerable-system" and .["protocol.application"]=="mqtt" and .["protocol.transport"]=="tcp" and (.["source.port"]|type)=="number" and (.["time.source"]|test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\+00:00$"))' \
	"intelmq: constant fields and types on every event"
assert_json "$F" ".[\"classification.identifier\"]==\"open-mqtt\" and .[\"source.ip\"]==\"$A\" and .[\"extra.anonymous_access\"]==true and .severity==\"critical\" and .[\"source.asn\"]==64500 and .[\"source.geolocation.cc\"]==\"DE\" and .[\"extra.code\"]==\"Connection Accepted\"" \
	"intelmq: open broker event"
assert_json "$F" ".[\"classification.identifier\"]==\"open-mqtt\" and .[\"source.ip\"]==\"$B\" and .[\"extra.anonymous_access\"]==false and .severity==\"medium\" and (has(\"source.asn\")|not) and .[\"extra.hex_code\"]==\"05\"" \
	"intelmq: password broker event (unrouted: no asn)"
assert_json "$F" ".[\"classification.identifier\"]==\"open-mqtt-anon\" and .[\"source.ip\"]==\"$S\" and (has(\"extra.anonymous_access\")|not) and .[\"extra.cert_length\"]==2048 and (.[\"extra.ssl_version\"]|type)==\"number\" and .[\"extra.subject_organization_name\"]==\"Acme \\\"Labs\\\", Inc.\" and .[\"feed.name\"]==\"Open-Anonymous-MQTT\"" \
	"intelmq: anonymous TLS event with certificate fields"
assert_json_all "$F" '[keys[]|select(startswith("extra.mqttsweep_"))]|length==0' "intelmq: no mqttsweep columns without --extra-columns"
ex --format intelmq --out "$T/imx" --extra-columns 2>/dev/null
assert_json "$T/imx/intelmq-all.jsonl" ".[\"source.ip\"]==\"$A\" and .[\"extra.mqttsweep_auth\"]==\"anonymous\" and .[\"extra.mqttsweep_findings\"]>=1" \
	"intelmq --extra-columns: mqttsweep's fields under extra."

# ---- zgrab2 ----
ex --format zgrab2 --out "$T/zg" 2>"$T/zg.err" || fail "export zgrab2: $(cat "$T/zg.err")"
Z=$T/zg/zgrab2-all.jsonl
assert_json_all "$Z" '(keys_unsorted|.[0])=="ip" and (.data|keys)==["mqtt"] and .data.mqtt.protocol=="mqtt" and (.data.mqtt.status|type)=="string" and (.data.mqtt.timestamp|type)=="string" and (.data.mqtt.result|type)=="object"' \
	"zgrab2: envelope {ip, data: {mqtt: {status, protocol, result, timestamp}}} on every line"
assert_json "$Z" ".ip==\"$A\" and .data.mqtt.status==\"success\" and .data.mqtt.result.response==\"20020000\" and (.data.mqtt.result|has(\"connect_return_code\")|not) and .data.mqtt.result.mqttsweep.auth==\"anonymous\"" \
	"zgrab2: open broker (return code 0 left out as zgrab2 does)"
assert_json "$Z" ".ip==\"$B\" and .data.mqtt.result.connect_return_code==5 and .data.mqtt.result.response==\"20020005\"" \
	"zgrab2: password broker return code 5"
assert_json "$Z" ".ip==\"$S\" and .data.mqtt.result.mqttsweep.tls.certificate.subject.CN==\"broker.test\"" \
	"zgrab2: TLS facts under result.mqttsweep"
n=$(jq -s 'length' "$Z")
want=$(jq -s '[.[]|select(.kind=="service" and .probe=="mqtt")]|length' "$T/scan.json")
assert_eq "$want" "$n" "zgrab2: one line per stored MQTT record"

# ---- selection ----
cp "$T/r.db" "$T/two.db"
# the second scan also records a refused target (--all): zgrab2 lists it, the reports do not
"$MSW_BIN" scan $B 127.0.83.103 -p 1883 --depth connack --all --db "$T/two.db" -q -oJ /dev/null >/dev/null 2>&1
sid1=$(jq -r -s '.[0].scan_id' "$T/scan.json")
"$MSW_BIN" export "$T/two.db" --out "$T/sel1" 2>/dev/null
assert_eq "1" "$(ls "$T/sel1" | wc -l)" "default: the latest scan (one password broker, no anon file)"
"$MSW_BIN" export "$T/two.db" --format zgrab2 --out "$T/selz" 2>/dev/null
assert_json "$T/selz/zgrab2-all.jsonl" '.ip=="127.0.83.103" and .data.mqtt.status=="connection-refused" and (.data.mqtt.error|type)=="string" and (.data.mqtt.result.mqttsweep|has("auth"))' \
	"zgrab2: a refused target with zgrab2's status and the error"
assert_eq 2 "$(wc -l <"$T/selz/zgrab2-all.jsonl")" "zgrab2: the latest scan's two records"
"$MSW_BIN" export "$T/two.db" --out "$T/sel2" --scan-id "$sid1" 2>/dev/null
assert_eq "2" "$(ls "$T/sel2" | wc -l)" "--scan-id: the first scan"
"$MSW_BIN" export "$T/two.db" --out "$T/sel3" --all-scans 2>"$T/sel3.err"
assert_eq 4 "$(($(wc -l <"$T/sel3/$DAY-scan_mqtt-mqttsweep-all.csv") - 1))" "--all-scans: rows of both scans"
# the first scan ran with --run-id run-x, the second without
"$MSW_BIN" export "$T/two.db" --out "$T/sel4" --run-id run-x 2>/dev/null
assert_eq "2" "$(ls "$T/sel4" | wc -l)" "--run-id: the run's scan"
"$MSW_BIN" export "$T/two.db" --out "$T/sel5" --scan-id nope 2>"$T/sel5.err"
assert_eq 2 $? "--scan-id unknown: usage error"
grep -q "no scan with that id" "$T/sel5.err" && pass "unknown scan named" || fail "sel5: $(cat "$T/sel5.err")"

# ---- usage errors ----
u() { "$MSW_BIN" export "$@" >/dev/null 2>"$T/u.err"; assert_eq 2 $? "usage: $*"; }
u "$T/r.db"
u "$T/r.db" --out "$T/u1" --format csv
u "$T/r.db" --out "$T/u1" --org "../x"
u "$T/r.db" --out "$T/u1" --split-by asn
u "$T/r.db" --out "$T/u1" --split-by as --asn-db "$T/asn.tsv"
u "$T/r.db" --out "$T/u1" --scan-id a --run-id b
printf '127.0.83.1\tx\t1\tDE\tA\n' >"$T/bad.tsv"
u "$T/r.db" --out "$T/u1" --asn-db "$T/bad.tsv"
grep -q "line 1" "$T/u.err" && pass "bad --asn-db names the line" || fail "bad asn: $(cat "$T/u.err")"
"$MSW_BIN" export "$T/asn.tsv" --out "$T/u2" >/dev/null 2>"$T/u.err"
assert_eq 3 $? "a file that is not a database: runtime error"
grep -q "not a mqttsweep result database" "$T/u.err" && pass "not-a-database named" || fail "notdb: $(cat "$T/u.err")"
for f in "$T"/*.err; do no_asan_report "$f" || true; done
finish
