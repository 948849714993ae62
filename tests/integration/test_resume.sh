#!/usr/bin/env bash
# Durability (addresses 127.0.97.100-147): a rate-limited scan of 48 real Mosquitto
# listeners is killed with SIGKILL in the middle; the database must be consistent
# (integrity check, no host marked done without its record), and `scan --resume DB`
# must finish the same scan id with every target present exactly once: none skipped,
# none recorded twice. A second kill/resume round checks it again from a resumed run.
set -u
. "$(dirname "$0")/lib.sh"

T=$(msw_tmpdir)
N=48
FIRST=100
LAST=$((FIRST + N - 1))
P=$(free_port 127.0.97.$FIRST)

conf=()
for i in $(seq $FIRST $LAST); do
	conf+=("listener $P 127.0.97.$i")
done
# start_mosquitto writes the first listener itself; the rest come as extra lines
start_mosquitto 127.0.97.$FIRST "$P" "${conf[@]:1}" || { fail "mosquitto"; finish; }
wait_port 127.0.97.$LAST "$P" 10 || { fail "last listener"; finish; }

DB="$T/r.db"
q() { "$(msw_python)" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute(sys.argv[2]).fetchone()[0])' "$DB" "$1"; }

"$MSW_BIN" scan "127.0.97.$FIRST-$LAST" -p "$P" --rate 6 --concurrency 4 --seed 4242 \
	--db "$DB" -oJ "$T/r.ndjson" >/dev/null 2>"$T/run1.err" &
pid=$!
track_pid $pid
sleep 3
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null

done1=$(q "SELECT count(*) FROM done")
rows1=$(q "SELECT count(*) FROM services")
assert_eq ok "$(q 'PRAGMA integrity_check')" "database consistent after kill -9"
if [ "$done1" -gt 0 ] && [ "$done1" -lt $N ]; then
	pass "killed mid-scan ($done1 of $N hosts done, $rows1 rows)"
else
	fail "kill did not land mid-scan (done=$done1)"
fi
# a host marked done has its record (records and marker commit together)
assert_eq 0 "$(q "SELECT count(*) FROM done d WHERE NOT EXISTS (SELECT 1 FROM services s WHERE s.scan_id = d.scan_id)")" \
	"done markers belong to a scan with records"
sid=$(q "SELECT scan_id FROM scans")

# second round: resume, kill again, resume to the end
"$MSW_BIN" scan --resume "$DB" >/dev/null 2>"$T/run2.err" &
pid=$!
track_pid $pid
sleep 1.5
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
assert_eq ok "$(q 'PRAGMA integrity_check')" "consistent after the second kill"

"$MSW_BIN" scan --resume "$DB" >/dev/null 2>"$T/run3.err"
rc=$?
assert_eq 0 "$rc" "resume finishes" || cat "$T/run3.err" >&2

assert_eq 1 "$(q "SELECT count(*) FROM scans")" "one scan row"
assert_eq "$sid" "$(q "SELECT scan_id FROM scans")" "same scan id"
[ "$(q "SELECT resumes FROM scans")" -ge 2 ] && pass "resumes counted" || fail "resumes counted"
assert_eq $N "$(q "SELECT count(*) FROM done")" "every host done"
assert_eq $N "$(q "SELECT count(DISTINCT ip) FROM services WHERE kind = 'service'")" "no target skipped"
assert_eq $N "$(q "SELECT count(*) FROM services WHERE kind = 'service'")" "no target recorded twice"
assert_eq $N "$(q "SELECT count(*) FROM services WHERE auth = 'anonymous'")" "every broker probed to the end"
assert_eq 0 "$(q "SELECT count(*) FROM services WHERE scan_id <> '$sid'")" "every row in the same scan"
validate_schema "$T/r.ndjson"

# -n is a total over every part: a scan of the first 20 targets, killed and resumed, stores
# exactly the 20 targets an uninterrupted run lists (-sL), not 20 more
DB="$T/n.db"
"$MSW_BIN" scan "127.0.97.$FIRST-$LAST" -p "$P" -n 20 --rate 6 --concurrency 4 --seed 777 \
	--db "$DB" >/dev/null 2>"$T/n1.err" &
pid=$!
track_pid $pid
sleep 1.5
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
ndone=$(q "SELECT count(*) FROM done")
[ "$ndone" -gt 0 ] && [ "$ndone" -lt 20 ] && pass "-n 20 killed mid-scan ($ndone done)" ||
	fail "-n 20: kill did not land mid-scan (done=$ndone)"
"$MSW_BIN" scan --resume "$DB" >/dev/null 2>"$T/n2.err"
assert_eq 0 $? "-n 20: resume finishes"
assert_eq 20 "$(q "SELECT count(*) FROM services WHERE kind = 'service'")" "-n 20 over both parts: 20 targets stored"
"$MSW_BIN" scan "127.0.97.$FIRST-$LAST" -p "$P" -n 20 --seed 777 -sL 2>/dev/null | awk '{print $1}' |
	sed 's/:[0-9]*$//' | sort >"$T/n.want"
"$(msw_python)" -c 'import sqlite3,sys; [print(r[0]) for r in sqlite3.connect(sys.argv[1]).execute("SELECT ip FROM services WHERE kind = \x27service\x27")]' \
	"$DB" | sort >"$T/n.got"
if [ -s "$T/n.want" ] && diff "$T/n.want" "$T/n.got" >/dev/null; then
	pass "-n 20 resumed: the same 20 targets an uninterrupted run lists"
else
	fail "-n 20 resumed: stored targets differ from the listing"; diff "$T/n.want" "$T/n.got" | head -5 >&2
fi

finish
