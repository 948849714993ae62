#!/usr/bin/env bash
# Results that survive (addresses 127.0.82.0/24, two ports each: 512 targets): real
# Mosquitto brokers on three addresses, the rest closed; a rate-limited scan is interrupted
# (SIGINT, and in a second round kill -9) and resumed.
#   - the resumed run's counts cover both parts: targets_tried is 512 whatever the
#     interruptions, the outcomes add up to it, every broker is counted once (metadata,
#     summary and `stats` agree);
#   - `scan --resume` on a finished scan changes nothing (database, metadata file, JSON
#     lines) and says so, exit 0;
#   - the files a resumed scan appended to are one valid report: a silent listener holds
#     its target in flight when SIGINT lands (an `interrupted` record), the resumed run
#     probes that host again, and at its end the JSON lines, CSV and HTML are written anew
#     from the database: each target once (no superseded `interrupted` record), one HTML
#     document; a target in flight at SIGINT that refuses when probed again (no record
#     without --all) leaves no `interrupted` record behind either.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T=$(msw_tmpdir)
P1=$(free_port 127.0.82.30)
P2=$(free_port 127.0.82.30)
[ "$P1" = "$P2" ] && P2=$((P1 + 1))
start_mosquitto 127.0.82.30 "$P1" "listener $P1 127.0.82.130" "listener $P1 127.0.82.230" ||
	{ fail "mosquitto"; finish; }
BROKERS=3
SIL=127.0.82.77 # accepts TCP and never answers: in flight until --io-timeout
start_silent_listener $SIL "$P1" || { fail "silent listener"; finish; }
# and on the other port until the first resume: in flight at SIGINT, refused when probed
# again (no record without --all), so only the database's dropping the `interrupted`
# record keeps it out of the rewritten files
start_silent_listener $SIL "$P2" || { fail "silent listener 2"; finish; }
SIL2_PID=$SILENT_PID

DB="$T/r.db"
q() { "$(msw_python)" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute(sys.argv[2]).fetchone()[0])' "$DB" "$1"; }
# run in the background as `scan ... &`: exec, so $! is mqttsweep itself (signals reach it)
scan() { exec "$MSW_BIN" scan 127.0.82.0/24 -p "$P1,$P2" --rate 80 --seed 8282 --db "$DB" \
	--io-timeout 3 --metadata-file "$T/meta.json" -oJ "$T/r.json" --csv "$T/r.csv" \
	--html "$T/r.html" "$@"; }

# wait_silent: wait (up to 60 s) until the scan holds a connection to the silent listener
wait_silent() {
	local i
	for i in $(seq 600); do
		ss -Htn state established "dst $SIL:$P1" 2>/dev/null | grep -q . &&
			ss -Htn state established "dst $SIL:$P2" 2>/dev/null | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

check_files() { # NAME: JSON lines, CSV and HTML hold each target once, as the database does
	local name=$1 rows
	rows=$(q "SELECT count(*) FROM services")
	assert_eq "$rows" "$(grep -c . "$T/r.json")" "$name: JSON lines: one line per database row"
	assert_eq 0 "$(jq -s '[group_by([.ip, .port, .transport, .probe, .kind])[] | select(length > 1)] | length' "$T/r.json")" \
		"$name: JSON lines: no target twice"
	assert_eq 0 "$(jq -s '[.[] | select(.status == "interrupted")] | length' "$T/r.json")" \
		"$name: JSON lines: no superseded interrupted record"
	assert_eq 1 "$(grep -c '</html>' "$T/r.html")" "$name: HTML: one document"
	if "$(msw_python)" - "$T/r.html" "$T/r.csv" "$rows" <<'PY'
import csv, sys
from html.parser import HTMLParser
html = open(sys.argv[1], encoding="utf-8").read()
assert html.lstrip().lower().startswith("<!doctype html"), "no doctype first"
assert html.rstrip().endswith("</html>"), "text after </html>"
HTMLParser().feed(html)
rows = list(csv.DictReader(open(sys.argv[2], newline="", encoding="utf-8")))
keys = {(r["ip"], r["port"], r["transport"], r["probe"]) for r in rows}
assert len(keys) == int(sys.argv[3]), "CSV: %d targets, database %s" % (len(keys), sys.argv[3])
assert not [r for r in rows if r["status"] == "interrupted"], "CSV: an interrupted row"
PY
	then pass "$name: HTML ends with its one </html>, CSV has each target once"
	else fail "$name: HTML or CSV"; fi
}


# wait_done N: wait (up to 60 s) until N hosts are marked done in the database, so a signal
# lands mid-scan however slowly a loaded machine starts the scan
wait_done() {
	local i n
	for i in $(seq 600); do
		n=$(q "SELECT count(*) FROM done" 2>/dev/null) || n=0
		[ "${n:-0}" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

check_totals() { # NAME: the metadata and stats of the scan so far cover every part
	local name=$1
	assert_eq 512 "$(jq .counts.targets_tried "$T/meta.json")" "$name: targets_tried covers every part"
	assert_eq 512 "$(jq '[.counts.outcomes[]] | add' "$T/meta.json")" "$name: the outcomes add up"
	assert_eq 256 "$(jq .counts.hosts "$T/meta.json")" "$name: hosts"
	assert_eq $BROKERS "$(jq .counts.mqtt.speaking "$T/meta.json")" "$name: every broker counted once"
	assert_eq $BROKERS "$(jq .counts.outcomes.success "$T/meta.json")" "$name: brokers completed"
	assert_eq 1 "$(jq .counts.outcomes.timed_out "$T/meta.json")" "$name: the silent listener timed out"
	assert_eq $((511 - BROKERS)) "$(jq .counts.outcomes.refused "$T/meta.json")" "$name: the rest refused"
	"$MSW_BIN" stats "$DB" --format json >"$T/stats.json"
	assert_eq 512 "$(jq .targets_tried "$T/stats.json")" "$name: stats targets_tried"
	assert_eq $BROKERS "$(jq .metrics.speaking_mqtt.count "$T/stats.json")" "$name: stats brokers"
}

# round 1: SIGINT after 2 s, then resume to the end
scan -q --format json >/dev/null 2>"$T/run1.err" &
pid=$!
track_pid $pid
wait_done 4 || fail "round 1: no host finished within 60 s"
wait_silent || fail "round 1: the scan never reached the silent listener"
kill -INT $pid
wait $pid
assert_eq 130 $? "interrupted run exits 130"
tried1=$(jq .counts.targets_tried "$T/meta.json")
if [ "$tried1" -gt 0 ] && [ "$tried1" -lt 512 ]; then pass "interrupted mid-scan ($tried1 tried)"; else fail "SIGINT did not land mid-scan ($tried1)"; fi
assert_json "$T/r.json" ".ip == \"127.0.82.77\" and .port == $P1 and .status == \"interrupted\"" \
	"the silent listener's target was in flight at SIGINT (an interrupted record)"
assert_json "$T/r.json" ".ip == \"127.0.82.77\" and .port == $P2 and .status == \"interrupted\"" \
	"the second silent listener's target too"
kill "$SIL2_PID" 2>/dev/null
wait "$SIL2_PID" 2>/dev/null
TERM=dumb script -qec "$MSW_BIN scan --resume $DB -q --format text" /dev/null >"$T/resume1.txt" 2>&1
assert_eq 0 $? "resume exit code"
check_totals "SIGINT + resume"
check_files "SIGINT + resume"
assert_eq 0 "$(q "SELECT count(*) FROM services WHERE ip = '127.0.82.77' AND port = $P2")" \
	"the target refused when probed again: its interrupted row is gone from the database"
sum=$(tr -d '\r' <"$T/resume1.txt" | grep '^Scan ')
case $sum in
*"512 targets tried ($BROKERS completed, $((511 - BROKERS)) refused, 1 timed out after connecting), $((BROKERS + 1)) connected. $BROKERS speak MQTT ($BROKERS open to anyone)"*)
	pass "resumed summary covers both parts" ;;
*) fail "resumed summary: $sum" ;;
esac
tr -d '\r' <"$T/resume1.txt" | grep -q "^Resumed: these counts cover every part of the scan; the records found before the interruption are in $DB" &&
	pass "resumed summary points to the earlier records" || fail "resumed summary: no pointer to the earlier records"

# a finished scan: --resume changes nothing and says so
before_db=$(q "SELECT group_concat(scan_id || ended || exit_code || resumes || counts) FROM scans")
before_rows=$(q "SELECT count(*) FROM services")
cp "$T/meta.json" "$T/meta.before"
cp "$T/r.json" "$T/r.before"
"$MSW_BIN" scan --resume "$DB" >"$T/again.out" 2>"$T/again.err"
assert_eq 0 $? "resume of a finished scan: exit 0"
grep -q "already finished (512 targets tried); nothing to resume" "$T/again.err" && pass "says there is nothing to resume" ||
	fail "resume of a finished scan says: $(cat "$T/again.err")"
assert_eq "$before_db" "$(q "SELECT group_concat(scan_id || ended || exit_code || resumes || counts) FROM scans")" \
	"the scan row is unchanged"
assert_eq "$before_rows" "$(q "SELECT count(*) FROM services")" "no row added"
cmp -s "$T/meta.json" "$T/meta.before" && pass "metadata file unchanged" || fail "metadata file changed"
cmp -s "$T/r.json" "$T/r.before" && pass "JSON lines unchanged" || fail "JSON lines changed"
[ ! -s "$T/again.out" ] && pass "nothing printed on stdout" || fail "stdout: $(head -c 300 "$T/again.out")"

# round 2: a new scan in a new database, kill -9 mid-scan, SIGINT on the resumed run, resume
rm -f "$DB" "$DB"-wal "$DB"-shm "$T/meta.json" "$T/r.json"
scan -q --format json >/dev/null 2>"$T/run2.err" &
pid=$!
track_pid $pid
wait_done 4 || fail "round 2: no host finished within 60 s"
kill -9 $pid
wait $pid 2>/dev/null
done2=$(q "SELECT count(*) FROM done")
"$MSW_BIN" scan --resume "$DB" -q --format json >/dev/null 2>"$T/run3.err" &
pid=$!
track_pid $pid
wait_done $((done2 + 4)) || fail "round 2: the resumed run finished no host within 60 s"
kill -INT $pid
wait $pid
"$MSW_BIN" scan --resume "$DB" -q --format json >/dev/null 2>"$T/run4.err"
assert_eq 0 $? "second resume finishes" || cat "$T/run2.err" "$T/run3.err" "$T/run4.err" >&2
check_totals "kill -9 + SIGINT + resume"
check_files "kill -9 + SIGINT + resume"
assert_eq 1 "$(q "SELECT count(*) FROM scans")" "one scan row"

finish
