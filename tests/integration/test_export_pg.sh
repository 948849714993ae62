#!/usr/bin/env bash
# mqttsweep export (and every rsource reader) over PostgreSQL: a real throw-away server
# (lib.sh start_postgres, 127.0.0.1 only) holds two scans of real Mosquitto brokers on
# 127.0.83.110 (anonymous) and .111 (password), the first with --run-id; export reads
# postgresql://... as it reads a SQLite file: the latest scan, --scan-id, --run-id,
# --all-scans, each format; an unreachable server is an error.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T=$(msw_tmpdir)
A=127.0.83.110
B=127.0.83.111
command -v psql >/dev/null || { fail "psql missing (scripts/setup.sh installs postgresql)"; finish; }
start_postgres >"$T/pg.out" 2>&1 || { fail "postgres: $(cat "$T/pg.out")"; finish; }
start_mosquitto $A 1883 || { fail "mosquitto $A"; finish; }
make_passwd "$T/pw" owner "s3cret-$$"
start_mosquitto $B 1883 "allow_anonymous false" "password_file $T/pw" || { fail "mosquitto $B"; finish; }

"$MSW_BIN" scan $A $B -p 1883 --depth connack --db "$PG_URL" --run-id run-pg -q -oJ "$T/s1.json" \
	>"$T/s1.out" 2>&1 || { fail "scan 1 into PostgreSQL: $(cat "$T/s1.out")"; finish; }
"$MSW_BIN" scan $B -p 1883 --depth connack --db "$PG_URL" -q -oJ "$T/s2.json" >"$T/s2.out" 2>&1 ||
	fail "scan 2 into PostgreSQL: $(cat "$T/s2.out")"
sid1=$(jq -r -s '.[0].scan_id' "$T/s1.json")
mkdir -p "$T/tmp"
export TMPDIR=$T/tmp # where the PostgreSQL source keeps its private copy
DAY=$(date -u +%Y-%m-%d)
rows() { # FILE: data rows of a CSV
	"$(msw_python)" -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1],newline=""))); print(" ".join(sorted(x["ip"]+"/"+x["anonymous_access"]+"/"+x["severity"] for x in r)))' "$1"
}

"$MSW_BIN" export "$PG_URL" --out "$T/latest" 2>"$T/latest.err" || fail "export latest: $(cat "$T/latest.err")"
assert_eq "$B/N/medium" "$(rows "$T/latest/$DAY-scan_mqtt-mqttsweep-all.csv")" "PostgreSQL: the latest scan"
"$MSW_BIN" export "$PG_URL" --out "$T/one" --scan-id "$sid1" 2>"$T/one.err" || fail "export --scan-id"
assert_eq "$A/Y/high $B/N/medium" "$(rows "$T/one/$DAY-scan_mqtt-mqttsweep-all.csv")" "PostgreSQL: --scan-id"
assert_eq "$A/high" "$("$(msw_python)" -c 'import csv,sys; print(" ".join(x["ip"]+"/"+x["severity"] for x in csv.DictReader(open(sys.argv[1],newline=""))))' "$T/one/$DAY-scan_mqtt_anon-mqttsweep-all.csv")" \
	"PostgreSQL: the anonymous report"
"$MSW_BIN" export "$PG_URL" --out "$T/run" --run-id run-pg 2>"$T/run.err" || fail "export --run-id"
assert_eq "$A/Y/high $B/N/medium" "$(rows "$T/run/$DAY-scan_mqtt-mqttsweep-all.csv")" "PostgreSQL: --run-id"
"$MSW_BIN" export "$PG_URL" --out "$T/all" --all-scans 2>"$T/all.err" || fail "export --all-scans"
assert_eq "$A/Y/high $B/N/medium $B/N/medium" "$(rows "$T/all/$DAY-scan_mqtt-mqttsweep-all.csv")" "PostgreSQL: --all-scans"
"$MSW_BIN" export "$PG_URL" --format intelmq --out "$T/im" --scan-id "$sid1" 2>/dev/null
assert_json "$T/im/intelmq-all.jsonl" ".[\"classification.identifier\"]==\"open-mqtt-anon\" and .[\"source.ip\"]==\"$A\"" \
	"PostgreSQL: IntelMQ events"
"$MSW_BIN" export "$PG_URL" --format zgrab2 --out "$T/zg" --scan-id "$sid1" 2>/dev/null
assert_json "$T/zg/zgrab2-all.jsonl" ".ip==\"$B\" and .data.mqtt.result.connect_return_code==5" "PostgreSQL: zgrab2 lines"
assert_eq "" "$(ls -A "$T/tmp")" "no temporary copy left in TMPDIR"

port=$(free_port 127.0.0.1)
"$MSW_BIN" export "postgresql://msw@127.0.0.1:$port/msw" --out "$T/x" >/dev/null 2>"$T/x.err"
assert_eq 2 $? "unreachable PostgreSQL: an error"
grep -q "PostgreSQL" "$T/x.err" && pass "unreachable server named" || fail "x: $(cat "$T/x.err")"
"$MSW_BIN" export "$PG_URL" --out "$T/nope" --run-id nope >/dev/null 2>"$T/nope.err"
assert_eq 2 $? "unknown run in PostgreSQL: usage error"
for f in "$T"/*.err; do no_asan_report "$f" || true; done
finish
