#!/usr/bin/env bash
# The database sinks store, read through the record's field tables (write_record), what
# the record's JSON says, against real servers (a throw-away PostgreSQL, Mosquitto on
# 127.0.98.1-3):
# - test_db_record's PostgreSQL part: 600 random records written once through the cJSON
#   tree and once through write_record, every row of every table the same;
# - real audit records (anonymous brokers with retained OwnTracks and plain topics, a
#   refused one): every services, topics and findings column of a SQLite database equals
#   the value at its path in the row's own json column, and the same scan with a secret
#   configured (--hash-key, which at the default --evidence changes no record; output.c
#   then searches each record for it and sends one that holds it through the cJSON tree)
#   gives the same columns but time, duration and the $SYS counters. (Records from the
#   tree and from write_record are compared row for row by test_db_record itself.)
set -u
. "$(dirname "$0")/lib.sh"

T=$(msw_tmpdir)
B=$MSW_BIN
U=${MSW_BUILD_DIR:-$(dirname "$B")}/test_db_record
PY=$(msw_python)

# ---- 1. random records, PostgreSQL ----
if ! command -v psql >/dev/null; then
	fail "psql missing (scripts/setup.sh installs postgresql)"
elif ! start_postgres >"$T/pg.out" 2>&1; then
	fail "postgres: $(cat "$T/pg.out")"
elif [ ! -x "$U" ]; then
	fail "no $U (build the unit tests)"
else
	MSW_TEST_PG_URL=$PG_URL "$U" >"$T/u.out" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && grep -q "postgresql: .* bytes of rows the same" "$T/u.out"; then
		pass "PostgreSQL: random records, tree and write_record: $(grep -o '[0-9]* bytes of rows the same' "$T/u.out")"
	else
		fail "test_db_record with PostgreSQL (exit $rc): $(tail -20 "$T/u.out")"
	fi
fi

# ---- 2. real audit records, SQLite ----
P=$(free_port 127.0.98.1)
start_mosquitto 127.0.98.1 "$P" "listener $P 127.0.98.2" || { fail "mosquitto"; finish; }
start_mosquitto 127.0.98.3 "$P" "allow_anonymous false" || { fail "mosquitto refusing"; finish; }
wait_port 127.0.98.2 "$P" 10 || { fail "second listener"; finish; }
mosquitto_pub -h 127.0.98.1 -p "$P" -r -t 'owntracks/alice/phone' \
	-m '{"_type":"location","lat":52.52,"lon":13.40,"tst":1700000000}'
mosquitto_pub -h 127.0.98.1 -p "$P" -r -t 'home/livingroom/temperature' -m '21.5'
mosquitto_pub -h 127.0.98.2 -p "$P" -r -t 'tele/plug1/STATE' -m '{"POWER":"ON"}'
mosquitto_pub -h 127.0.98.2 -p "$P" -r -t 'bin/raw' -m "$(printf 'x\xc3\x28')"

# JSON lines and SQLite take the record; then the same with a secret configured
"$B" scan 127.0.98.1 127.0.98.2 127.0.98.3 -p "$P" --seed 5 --rate 0 --all --depth topics --window 1 -q \
	--db "$T/rec.db" >"$T/rec.ndjson" 2>"$T/rec.err"
assert_eq 0 $? "scan --db"
"$B" scan 127.0.98.1 127.0.98.2 127.0.98.3 -p "$P" --seed 5 --rate 0 --all --depth topics --window 1 -q \
	--db "$T/sec.db" --hash-key 'Kq7-never-in-a-record' >"$T/sec.ndjson" 2>"$T/sec.err"
assert_eq 0 $? "scan --db --hash-key"
no_asan_report "$T/rec.err"
no_asan_report "$T/sec.err"

# Every column against its path in the row's json (what the tree path bound).
check_json() { "$PY" - "$1" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rank = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
svc = {"kind": "$.kind", "probe": "$.probe", "ip": "$.ip", "port": "$.port",
       "hostname": "$.hostname", "transport": "$.transport",
       "transport_security": "$.transport_security", "status": "$.status", "mqtt": "$.mqtt",
       "mqtt_version": "$.mqtt_version", "auth": "$.auth", "connack_code": "$.connack.code",
       "read_access": "$.read_access", "write_access": "$.write_access",
       "broker_product": "$.broker.product", "broker_version": "$.broker.version",
       "topic_count": "$.topics.count", "retained_count": "$.topics.retained",
       "messages": "$.topics.messages", "bytes": "$.topics.bytes", "timestamp": "$.timestamp",
       "duration_ms": "$.duration_ms", "error": "$.error", "auth_identity": "$.auth_identity",
       "sys_topic_count": "$.topics.sys_count"}
tcols = ["topic", "topic_b64", "retained", "messages", "bytes", "sample", "sample_b64",
         "sample_truncated"]
fcols = ["id", "category", "severity", "confidence", "cwe", "topic", "topic_b64", "title",
         "evidence", "remediation", "reproduce"]
bad = n = nt = nf = 0
def same(a, b):
    return a == b and type(a) == type(b)
for row in db.execute("SELECT id, json, " + ", ".join(svc) + ", finding_count, worst_severity FROM services"):
    sid, js = row[0], row[1]
    n += 1
    for i, (col, path) in enumerate(svc.items()):
        (want,) = db.execute("SELECT json_extract(?, ?)", (js, path)).fetchone()
        if not same(row[2 + i], want):
            bad += 1; print("services", sid, col, repr(row[2 + i]), "json:", repr(want))
    sev = [s for (s,) in db.execute("SELECT json_extract(value, '$.severity') FROM json_each(?, '$.findings')", (js,))]
    worst = max(sev, key=lambda s: rank.get(s, 0)) if sev else None
    if row[-2] != len(sev) or row[-1] != worst:
        bad += 1; print("services", sid, "finding_count/worst", row[-2:], len(sev), worst)
    for table, cols, path in (("topics", tcols, "$.topics.list"), ("findings", fcols, "$.findings")):
        got = db.execute("SELECT " + ", ".join(cols) + " FROM " + table + " WHERE service_id = ? ORDER BY rowid", (sid,)).fetchall()
        want = db.execute("SELECT " + ", ".join("json_extract(value, '$.%s')" % c for c in cols) +
                          " FROM json_each(?, ?) ORDER BY key", (js, path)).fetchall()
        if table == "topics": nt += len(got)
        else: nf += len(got)
        if len(got) != len(want) or any(not same(a, b) for g, w in zip(got, want) for a, b in zip(g, w)):
            bad += 1; print(table, sid, got, "json:", want)
print("rows %d topics %d findings %d mismatches %d" % (n, nt, nf, bad))
sys.exit(1 if bad or not n or not nt or not nf else 0)
EOF
}
for d in rec sec; do
	if out=$(check_json "$T/$d.db"); then
		pass "$d.db: every column is its path in the row's json ($(echo "$out" | tail -1))"
	else
		fail "$d.db: columns differ from the json: $(echo "$out" | head -15)"
	fi
done
sq() { "$PY" - "$1" "$2" <<'EOF'
import sqlite3, sys
for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]):
    print("|".join("" if v is None else repr(v) for v in r))
EOF
}
# (not the $SYS counters: they move between the two runs)
cols="kind, probe, ip, port, hostname, transport, transport_security, status, mqtt,
 mqtt_version, auth, connack_code, read_access, write_access, broker_product, broker_version,
 retained_count, finding_count, worst_severity, error, auth_identity"
for q in "SELECT $cols FROM services ORDER BY ip, port, kind" \
	"SELECT ip, topic, topic_b64, retained, messages, bytes, sample, sample_b64, sample_truncated FROM topics WHERE topic NOT LIKE '\$SYS/%' ORDER BY ip, rowid" \
	"SELECT ip, probe, id, finding_id, category, severity, severity_rank, confidence, cwe, topic, topic_b64, title, evidence, remediation, reproduce FROM findings ORDER BY ip, rowid" \
	"SELECT ip, services, mqtt_services, findings, worst_severity, worst_finding, categories, open_dashboard, open_share, chain, risk_chain FROM hosts ORDER BY ip"; do
	t=$(echo "$q" | grep -o 'FROM [a-z]*' | head -1 | cut -c6-)
	a=$(sq "$T/rec.db" "$q")
	b=$(sq "$T/sec.db" "$q")
	if [ -n "$a" ] && [ "$a" == "$b" ]; then
		pass "$t: the same $(echo "$a" | wc -l) rows with and without a secret configured"
	else
		fail "$t differ: $(diff <(echo "$a") <(echo "$b") | head -10)"
	fi
done
finish
