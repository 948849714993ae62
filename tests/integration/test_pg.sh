#!/usr/bin/env bash
# PostgreSQL as sink and source, against a real throw-away server (lib.sh start_postgres,
# 127.0.0.1 only) and real Mosquitto listeners on 127.0.70.1-6 (the rest of 127.0.70.0/27
# is closed):
# - the same scan into SQLite and PostgreSQL gives the same rows (services, topics,
#   findings, hosts) and the same `stats`;
# - the four shards of a run, one of them run twice, hold every target of the space exactly
#   once (rows are keyed by run and target: a retried shard replaces, never adds);
# - `stats` over PostgreSQL counts the run once (shards reported, missing);
# - a scan killed mid-way is finished by `--resume postgresql://...` with every target
#   exactly once; the URL's password never reaches the database, stderr or the metadata;
# - a 1,024-target connect scan crosses several batches and stores every row;
# - an unreachable server is an error, not a silent empty result.
set -u
. "$(dirname "$0")/lib.sh"

T=$(msw_tmpdir)
B=$MSW_BIN
command -v psql >/dev/null || { fail "psql missing (scripts/setup.sh installs postgresql)"; finish; }
start_postgres >"$T/pg.out" 2>&1 || { fail "postgres: $(cat "$T/pg.out")"; finish; }
pq() { psql -XAtq -F'|' "$PG_URL" -c "$1"; }
sq() { "$(msw_python)" - "$1" "$2" <<'EOF'
import sqlite3, sys
for r in sqlite3.connect(sys.argv[1]).execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in r))
EOF
}

P=$(free_port 127.0.70.1)
start_mosquitto 127.0.70.1 "$P" "listener $P 127.0.70.2" "listener $P 127.0.70.3" \
	"listener $P 127.0.70.4" "listener $P 127.0.70.5" "listener $P 127.0.70.6" ||
	{ fail "mosquitto"; finish; }
wait_port 127.0.70.6 "$P" 10 || { fail "last listener"; finish; }
# retained messages: topics rows and findings (a location, a plain value)
mosquitto_pub -h 127.0.70.1 -p "$P" -r -t 'owntracks/alice/phone' \
	-m '{"_type":"location","lat":52.52,"lon":13.40,"tst":1700000000}'
mosquitto_pub -h 127.0.70.1 -p "$P" -r -t 'home/livingroom/temperature' -m '21.5'
mosquitto_pub -h 127.0.70.4 -p "$P" -r -t 'tele/plug1/STATE' -m '{"POWER":"ON"}'
SPACE=127.0.70.0/27
NT=$("$B" scan -sL "$SPACE" -p "$P" 2>/dev/null | wc -l)
[ "$NT" -ge 30 ] && pass "target space: $NT targets" || fail "target space: $NT targets"

# ---- 1. the same scan into SQLite and PostgreSQL ----
"$B" scan "$SPACE" -p "$P" --seed 7 --rate 0 --all --depth topics --window 1 -q --db "$T/a.db" >/dev/null 2>"$T/a.err"
assert_eq 0 $? "scan --db SQLite"
"$B" scan "$SPACE" -p "$P" --seed 7 --rate 0 --all --depth topics --window 1 -q --db "$PG_URL" >/dev/null 2>"$T/b.err"
assert_eq 0 $? "scan --db postgresql://"
sid=$(pq "SELECT scan_id FROM scans ORDER BY started LIMIT 1")
cols="kind, ip, port, transport, status, mqtt, mqtt_version, auth, connack_code, read_access,
 write_access, broker_product, topic_count, retained_count, finding_count, worst_severity"
sq "$T/a.db" "SELECT $cols FROM services ORDER BY ip, port, kind" >"$T/svc.sqlite"
pq "SELECT $cols FROM services WHERE scan_id = '$sid' ORDER BY ip COLLATE \"C\", port, kind" \
	>"$T/svc.pg"
# SQLite sorts text as bytes, like PostgreSQL's "C" collation
if [ -s "$T/svc.pg" ] && cmp -s "$T/svc.sqlite" "$T/svc.pg"; then
	pass "services: the same $(wc -l <"$T/svc.pg") rows in SQLite and PostgreSQL"
else
	fail "services differ: $(diff "$T/svc.sqlite" "$T/svc.pg" | head -10)"
fi
assert_eq "$(sq "$T/a.db" "SELECT count(*) FROM services WHERE mqtt = 1")" 6 \
	"SQLite: six MQTT brokers"
for q in "SELECT ip, topic, retained, sample FROM topics" \
	"SELECT ip, finding_id, severity, severity_rank, category FROM findings" \
	"SELECT ip, services, mqtt_services, findings, worst_severity, worst_finding FROM hosts"; do
	t=$(echo "$q" | awk '{print $NF}')
	a=$(sq "$T/a.db" "$q ORDER BY 1, 2" | sort)
	b=$(pq "$q ORDER BY 1, 2" | sort)
	if [ -n "$a" ] && [ "$a" == "$b" ]; then
		pass "$t: the same $(echo "$a" | wc -l) rows"
	else
		fail "$t differ: sqlite=[$a] pg=[$b]"
	fi
done
pq "SELECT topic FROM topics" | grep -qxF 'owntracks/a***e/p***e' &&
	pass "topics: the retained OwnTracks topic stored (redacted)" || fail "topics: no owntracks row"
"$B" stats "$T/a.db" --format json >"$T/sa.json" 2>>"$T/a.err"
"$B" stats "$PG_URL" --scan "$sid" --format json >"$T/sb.json" 2>>"$T/b.err"
assert_eq 0 $? "stats postgresql://"
if [ "$(jq -cS '{scans, targets_tried, metrics, hosts}' "$T/sa.json")" == \
	"$(jq -cS '{scans, targets_tried, metrics, hosts}' "$T/sb.json")" ]; then
	pass "stats: the same figures from SQLite and PostgreSQL"
else
	fail "stats differ: $(diff <(jq -S . "$T/sa.json") <(jq -S . "$T/sb.json") | head -10)"
fi
assert_json "$T/sb.json" ".targets_tried == $NT and .metrics.speaking_mqtt.count == 6" \
	"stats over PostgreSQL: $NT tried, 6 speaking MQTT"

# ---- 2. four shards of one run, shard 2 twice (a retried task) ----
for k in 0 1 2 2 3; do
	"$B" scan "$SPACE" -p "$P" --seed 9 --run-id pg-run --shard "$k/4" --rate 0 --all -q \
		--db "$PG_URL" >/dev/null 2>>"$T/sh.err" || fail "shard $k/4 exit $?"
done
assert_eq 5 "$(pq "SELECT count(*) FROM scans WHERE run_id = 'pg-run'")" "five shard scans stored"
assert_eq "$NT|$NT" "$(pq "SELECT count(*), count(DISTINCT (ip, port))
	FROM services WHERE run_key = 'pg-run' AND kind = 'service'")" \
	"run pg-run: every target once (union = target space, the retried shard replaced its rows)"
"$B" scan -sL "$SPACE" -p "$P" 2>/dev/null | awk '{print $1}' | sort >"$T/space.txt"
pq "SELECT ip FROM services WHERE run_key = 'pg-run' AND kind = 'service'" | sort >"$T/run.txt"
cmp -s "$T/space.txt" "$T/run.txt" && pass "run pg-run: the stored addresses are the target space" ||
	fail "run pg-run addresses: $(diff "$T/space.txt" "$T/run.txt" | head -5)"
assert_eq 0 "$(pq "SELECT count(*) FROM (SELECT 1 FROM topics WHERE run_key = 'pg-run'
	GROUP BY service_id, topic HAVING count(*) > 1) x")" "run pg-run: no topic row twice"
assert_eq 0 "$(pq "SELECT count(*) FROM (SELECT 1 FROM findings WHERE run_key = 'pg-run'
	GROUP BY service_id, finding_id, topic HAVING count(*) > 1) x")" \
	"run pg-run: no finding row twice"
"$B" stats "$PG_URL" --format json >"$T/st.json" 2>>"$T/sh.err"
assert_json "$T/st.json" '.runs == [{"run_id": "pg-run", "shards": 4, "reported": [0, 1, 2, 3],
	"incomplete": [], "missing": [], "shards_reported": 4, "complete": true}]' \
	"stats over PostgreSQL: run pg-run complete, 4 of 4 shards"
"$B" stats "$PG_URL" --scan pg-run --format json >"$T/st2.json" 2>>"$T/sh.err"
assert_json "$T/st2.json" ".targets_tried == $NT and .scans == 1" \
	"stats --scan RUN over PostgreSQL: one run, the retried shard counted once"
# a missing shard: a second run with shards 0, 1, 3
for k in 0 1 3; do
	"$B" scan "$SPACE" -p "$P" --seed 9 --run-id pg-run2 --shard "$k/4" --rate 0 --all -q \
		--db "$PG_URL" >/dev/null 2>>"$T/sh.err"
done
"$B" stats "$PG_URL" --scan pg-run2 >"$T/st3.txt" 2>>"$T/sh.err"
grep -q "Run pg-run2: 3 of 4 shards reported; missing: 2" "$T/st3.txt" &&
	pass "stats text over PostgreSQL: pg-run2 misses shard 2" || fail "stats: $(cat "$T/st3.txt")"
no_asan_report "$T/sh.err"

# ---- 3. --resume from PostgreSQL (the URL carries a password: trust auth ignores it) ----
URLPW="postgresql://msw:s3cretPW77@$PG_HOST:$PG_PORT/msw"
"$B" scan "$SPACE" -p "$P" --seed 11 --rate 6 --concurrency 4 --all --db "$URLPW" -q \
	>/dev/null 2>"$T/r1.err" &
pid=$!
track_pid $pid
sleep 2.5
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
rsid=$(pq "SELECT scan_id FROM scans WHERE ended IS NULL")
done1=$(pq "SELECT count(*) FROM done WHERE scan_id = '$rsid'")
if [ -n "$rsid" ] && [ "$done1" -gt 0 ] && [ "$done1" -lt "$NT" ]; then
	pass "killed mid-scan: $done1 of $NT hosts done"
else
	fail "kill did not land mid-scan (scan '$rsid', done $done1)"
fi
assert_eq 0 "$(pq "SELECT count(*) FROM done d WHERE d.scan_id = '$rsid' AND NOT EXISTS
	(SELECT 1 FROM services s WHERE s.run_key = d.run_key AND s.kind = 'service')")" \
	"done markers commit with their records"
"$B" scan --resume "$URLPW" -q >/dev/null 2>"$T/r2.err"
assert_eq 0 $? "scan --resume postgresql:// finishes"
assert_eq "$NT|$NT|1" "$(pq "SELECT count(*), count(DISTINCT ip), max(c.resumes) FROM services s
	JOIN scans c USING (scan_id) WHERE s.scan_id = '$rsid' AND s.kind = 'service'")" \
	"resumed scan: every target exactly once, one resume"
assert_eq "$NT" "$(pq "SELECT count(*) FROM done WHERE scan_id = '$rsid'")" "every host done"
if pq "SELECT argv, options, meta FROM scans" | grep -q s3cretPW77 ||
	grep -q s3cretPW77 "$T/r1.err" "$T/r2.err"; then
	fail "the database URL's password leaked into the scans table or stderr"
else
	pass "the URL's password is masked in argv, options and metadata"
fi
pq "SELECT argv FROM scans WHERE scan_id = '$rsid'" | grep -q 'msw:\*\*\*@' &&
	pass "argv holds the masked URL" || fail "argv: $(pq "SELECT argv FROM scans WHERE scan_id = '$rsid'")"
no_asan_report "$T/r1.err"
no_asan_report "$T/r2.err"

# ---- 4. 1,024 closed targets at --depth tcp: several batches, every row ----
t0=$(date +%s%N)
"$B" scan 127.0.72.0/22 -p 1 --depth tcp --rate 0 --all --run-id big --db "$PG_URL" -q \
	>/dev/null 2>"$T/big.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
assert_eq 0 $rc "1,024-target scan into PostgreSQL"
assert_eq "1024|1024" "$(pq "SELECT count(*), count(*) FILTER (WHERE status = 'connection-refused')
	FROM services WHERE run_key = 'big' AND kind = 'service'")" "1,024 rows, all closed"
echo "# 1,024 records into PostgreSQL in ${ms} ms (ASan build: not a benchmark)"
no_asan_report "$T/big.err"

# ---- 5. export reads PostgreSQL (rsource_pg) ----
key='[.ip, .port, .data.mqtt.status, .data.mqtt.protocol] | @tsv'
"$B" export "$T/a.db" --format zgrab2 --out "$T/ex-sq" 2>"$T/ex.err"
"$B" export "$PG_URL" --format zgrab2 --scan-id "$sid" --out "$T/ex-pg" 2>>"$T/ex.err"
assert_eq 0 $? "export postgresql:// --scan-id"
a=$(cat "$T"/ex-sq/* 2>/dev/null | jq -r "$key" | sort)
b=$(cat "$T"/ex-pg/* 2>/dev/null | jq -r "$key" | sort)
if [ -n "$a" ] && [ "$a" == "$b" ]; then
	pass "export: the same $(echo "$a" | wc -l) zgrab2 lines from SQLite and PostgreSQL"
else
	fail "export differs: $(diff <(echo "$a") <(echo "$b") | head -5)"
fi
"$B" export "$PG_URL" --format zgrab2 --run-id pg-run --out "$T/ex-run" 2>>"$T/ex.err"
assert_eq "$NT|$NT" "$(cat "$T"/ex-run/* | jq -r '.ip' | sort -u | wc -l)|$(cat "$T"/ex-run/* | wc -l)" \
	"export --run-id over PostgreSQL: every target of the run once (the retried shard once)"
# hostile rows written by hand: not JSON, an array, no ip, a port out of range, > 8 MiB,
# and one good record; only the good one comes out, the rest are counted as skipped
pq "INSERT INTO scans(scan_id, started, meta) VALUES('hostile', '2000-01-01T00:00:00.000Z', 'not json')"
good='{"kind":"service","probe":"mqtt","ip":"192.0.2.7","port":1883,"status":"success","mqtt":true}'
for j in 'not json' '[1,2]' '{"kind":"service","port":1883}' \
	'{"kind":"service","ip":"192.0.2.8","port":70000}' "$good"; do
	n=$((${n:-0} + 1)) # the row key: a port of its own
	pq "INSERT INTO services(scan_id, kind, ip, port, json, run_key) VALUES('hostile', 'service',
		'192.0.2.9', $n, \$j\$$j\$j\$, 'hostile')"
done
pq "INSERT INTO services(scan_id, kind, ip, port, json, run_key) VALUES('hostile', 'service',
	'192.0.2.10', 1, '{\"kind\":\"service\",\"ip\":\"192.0.2.10\",\"port\":1,\"x\":\"' ||
	repeat('a', 9000000) || '\"}', 'hostile')"
"$B" export "$PG_URL" --format zgrab2 --scan-id hostile --out "$T/ex-h" 2>"$T/exh.err"
assert_eq 0 $? "export of hand-written hostile rows: exit 0"
assert_eq "192.0.2.7" "$(cat "$T"/ex-h/* | jq -r .ip)" "hostile rows: only the good record"
grep -q "5 stored rows skipped" "$T/exh.err" && pass "hostile rows: 5 skipped and counted" ||
	fail "hostile rows: $(cat "$T/exh.err")"
"$B" export "postgresql://msw@$PG_HOST:$PG_PORT/postgres" --out "$T/ex-x" 2>"$T/exx.err"
[ $? -ne 0 ] && grep -q "not a mqttsweep result database" "$T/exx.err" &&
	pass "export from a database without our tables: refused" ||
	fail "export from the postgres database: $(cat "$T/exx.err")"
no_asan_report "$T/ex.err"
no_asan_report "$T/exh.err"

# ---- 6. an unreachable server ----
BADP=$(free_port 127.0.0.1)
"$B" scan 127.0.70.1 -p "$P" -q --db "postgresql://msw@127.0.0.1:$BADP/msw" >/dev/null 2>"$T/bad.err"
rc=$?
[ $rc -ne 0 ] && grep -q "postgresql: cannot connect" "$T/bad.err" &&
	pass "unreachable server: exit $rc, $(head -1 "$T/bad.err" | cut -c1-80)" ||
	fail "unreachable server: exit $rc: $(cat "$T/bad.err")"
"$B" stats "postgresql://msw@127.0.0.1:$BADP/msw" >/dev/null 2>"$T/bad2.err"
assert_eq 2 $? "stats on an unreachable server: exit 2"
no_asan_report "$T/a.err"
no_asan_report "$T/b.err"
finish
