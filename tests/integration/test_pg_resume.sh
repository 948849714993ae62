#!/usr/bin/env bash
# --resume in a database that holds several shards of one run (127.0.74.0/27: four
# Mosquitto listeners, the rest closed), PostgreSQL (lib.sh start_postgres) and SQLite:
# - shard 0/2 and then shard 1/2 of run rr are interrupted (SIGINT) mid-way; both scans
#   end with exit code 130;
# - `--resume DB --shard 0/2 --run-id rr` continues shard 0's scan (same scan id, one
#   resume), not the newest interrupted one (shard 1's), and leaves shard 1 alone;
# - shard 1 is resumed the way a restarted Kubernetes pod would do it (`--shard auto
#   --shards 2`, JOB_COMPLETION_INDEX=1, MQTTSWEEP_RUN_ID=rr);
# - afterwards each shard's scan holds exactly its own targets, once, and the two together
#   are the target space; a pick no scan matches is a usage error naming it.
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

P=$(free_port 127.0.74.1)
start_mosquitto 127.0.74.1 "$P" "listener $P 127.0.74.2" "listener $P 127.0.74.3" \
	"listener $P 127.0.74.4" || { fail "mosquitto"; finish; }
wait_port 127.0.74.4 "$P" 10 || { fail "last listener"; finish; }
SPACE=127.0.74.0/27
NT=$("$B" scan -sL "$SPACE" -p "$P" 2>/dev/null | wc -l)
"$B" scan -sL "$SPACE" -p "$P" 2>/dev/null | awk '{print $1}' | sort >"$T/space.txt"
for k in 0 1; do # each shard's own targets (the shards need not be the same size)
	"$B" scan -sL "$SPACE" -p "$P" --seed 31 --run-id rr --shard $k/2 2>/dev/null |
		awk '{print $1}' | sort >"$T/shard$k.txt"
done
n0=$(wc -l <"$T/shard0.txt")
n1=$(wc -l <"$T/shard1.txt")
[ $((n0 + n1)) = "$NT" ] && [ "$n0" -ge 8 ] && [ "$n1" -ge 8 ] &&
	pass "the shards list $n0 and $n1 of the $NT targets" || fail "shard lists: $n0 + $n1 of $NT"
# 4 targets a second: a shard (about 16 targets) takes about 4 s, interrupted after 1.5 s
ARGS=("$SPACE" -p "$P" --seed 31 --run-id rr --rate 4 --concurrency 2 --all -q)

# interrupt DB SHARD: a shard scan stopped by SIGINT mid-way; prints its exit code
interrupt() {
	"$B" scan "${ARGS[@]}" --shard "$2" --db "$1" >/dev/null 2>>"$T/int.err" &
	local pid=$!
	track_pid $pid
	sleep 1.5
	kill -INT $pid 2>/dev/null
	wait $pid
	echo $?
}

# ---- PostgreSQL ----
assert_eq 130 "$(interrupt "$PG_URL" 0/2)" "pg: shard 0/2 interrupted (exit 130)"
assert_eq 130 "$(interrupt "$PG_URL" 1/2)" "pg: shard 1/2 interrupted after it (exit 130)"
s0=$(pq "SELECT scan_id FROM scans WHERE run_id = 'rr' AND shard = '0/2'")
s1=$(pq "SELECT scan_id FROM scans WHERE run_id = 'rr' AND shard = '1/2'")
d0=$(pq "SELECT count(*) FROM done WHERE scan_id = '$s0'")
d1=$(pq "SELECT count(*) FROM done WHERE scan_id = '$s1'")
if [ -n "$s0" ] && [ -n "$s1" ] && [ "$d0" -gt 0 ] && [ "$d0" -lt "$n0" ] &&
	[ "$d1" -gt 0 ] && [ "$d1" -lt "$n1" ]; then
	pass "pg: both shards stopped mid-way ($d0 of $n0 and $d1 of $n1 hosts done)"
else
	fail "pg: the interrupts did not land mid-way (scans '$s0' '$s1', done $d0 $d1)"
fi
assert_eq "130|130" "$(pq "SELECT string_agg(exit_code::text, '|') FROM scans WHERE run_id = 'rr'")" \
	"pg: both scans recorded with exit code 130"

"$B" scan --resume "$PG_URL" --shard 0/2 --run-id rr -q >/dev/null 2>"$T/r0.err"
assert_eq 0 $? "pg: --resume --shard 0/2 --run-id rr finishes"
assert_eq "1|0|0" "$(pq "SELECT resumes, exit_code, (SELECT resumes FROM scans WHERE scan_id = '$s1')
	FROM scans WHERE scan_id = '$s0'")" \
	"pg: shard 0's scan was resumed (once, exit 0), shard 1's, the newest, was not"
assert_eq 2 "$(pq "SELECT count(*) FROM scans WHERE run_id = 'rr'")" "pg: no new scan id"

MQTTSWEEP_RUN_ID=rr JOB_COMPLETION_INDEX=1 "$B" scan --resume "$PG_URL" --shard auto --shards 2 \
	-q >/dev/null 2>"$T/r1.err"
assert_eq 0 $? "pg: shard 1 resumed as a restarted pod (--shard auto, JOB_COMPLETION_INDEX=1)"
assert_eq "1|0" "$(pq "SELECT resumes, exit_code FROM scans WHERE scan_id = '$s1'")" \
	"pg: shard 1's scan resumed once, exit 0"
for k in 0 1; do
	s=$([ $k = 0 ] && echo "$s0" || echo "$s1")
	n=$(wc -l <"$T/shard$k.txt")
	assert_eq "$n|$n" "$(pq "SELECT count(*), (SELECT count(*) FROM done WHERE scan_id = '$s')
		FROM services WHERE scan_id = '$s' AND kind = 'service'")" \
		"pg: shard $k's scan: $n targets, every host done"
	pq "SELECT ip FROM services WHERE scan_id = '$s' AND kind = 'service'" | sort >"$T/got$k.txt"
	cmp -s "$T/shard$k.txt" "$T/got$k.txt" && pass "pg: shard $k's scan holds its own targets, once" ||
		fail "pg: shard $k: $(diff "$T/shard$k.txt" "$T/got$k.txt" | head -5)"
done
pq "SELECT ip FROM services WHERE run_key = 'rr' AND kind = 'service'" | sort >"$T/pg-run.txt"
cmp -s "$T/space.txt" "$T/pg-run.txt" && pass "pg: run rr holds the target space, each target once" ||
	fail "pg: run rr: $(diff "$T/space.txt" "$T/pg-run.txt" | head -5)"
"$B" scan --resume "$PG_URL" --shard 3/4 --run-id rr -q >/dev/null 2>"$T/none.err"
rc=$?
[ $rc = 2 ] && grep -q "no scan of run rr shard 3/4" "$T/none.err" &&
	pass "pg: a pick no scan matches: exit 2, $(head -1 "$T/none.err" | cut -c1-90)" ||
	fail "pg: a pick no scan matches: exit $rc: $(cat "$T/none.err")"

# ---- SQLite: the same two shards written in turn into one file ----
DB="$T/r.db"
assert_eq 130 "$(interrupt "$DB" 0/2)" "sqlite: shard 0/2 interrupted (exit 130)"
assert_eq 130 "$(interrupt "$DB" 1/2)" "sqlite: shard 1/2 interrupted after it (exit 130)"
q0="json_extract(meta, '\$.shard') = '0/2'"
q1="json_extract(meta, '\$.shard') = '1/2'"
t0=$(sq "$DB" "SELECT scan_id FROM scans WHERE $q0")
t1=$(sq "$DB" "SELECT scan_id FROM scans WHERE $q1")
d0=$(sq "$DB" "SELECT count(*) FROM done WHERE scan_id = '$t0'")
[ -n "$t0" ] && [ -n "$t1" ] && [ "$d0" -gt 0 ] && [ "$d0" -lt "$n0" ] &&
	pass "sqlite: shard 0 stopped mid-way ($d0 hosts done)" ||
	fail "sqlite: the interrupt did not land mid-way (scans '$t0' '$t1', done $d0)"
"$B" scan --resume "$DB" --shard 0/2 --run-id rr -q >/dev/null 2>"$T/s0.err"
assert_eq 0 $? "sqlite: --resume --shard 0/2 --run-id rr finishes"
assert_eq "1|0|0|130" "$(sq "$DB" "SELECT a.resumes, a.exit_code, b.resumes, b.exit_code
	FROM scans a, scans b WHERE a.scan_id = '$t0' AND b.scan_id = '$t1'")" \
	"sqlite: shard 0's scan was resumed, shard 1's (the newest) left as it was"
"$B" scan --resume "$DB" --shard 1/2 -q >/dev/null 2>"$T/s1.err"
assert_eq 0 $? "sqlite: --resume --shard 1/2 (no run id) finishes shard 1"
for k in 0 1; do
	s=$([ $k = 0 ] && echo "$t0" || echo "$t1")
	n=$(wc -l <"$T/shard$k.txt")
	assert_eq "$n|1" "$(sq "$DB" "SELECT count(*), (SELECT resumes FROM scans WHERE scan_id = '$s')
		FROM services WHERE scan_id = '$s' AND kind = 'service'")" \
		"sqlite: shard $k's scan: $n targets, resumed once"
	sq "$DB" "SELECT ip FROM services WHERE scan_id = '$s' AND kind = 'service'" | sort >"$T/sgot$k.txt"
	cmp -s "$T/shard$k.txt" "$T/sgot$k.txt" && pass "sqlite: shard $k's scan holds its own targets, once" ||
		fail "sqlite: shard $k: $(diff "$T/shard$k.txt" "$T/sgot$k.txt" | head -5)"
done
sq "$DB" "SELECT ip FROM services WHERE kind = 'service'" | sort >"$T/sq-run.txt"
cmp -s "$T/space.txt" "$T/sq-run.txt" && pass "sqlite: the two shards hold the target space" ||
	fail "sqlite: $(diff "$T/space.txt" "$T/sq-run.txt" | head -5)"
"$B" scan --resume "$DB" --run-id other -q >/dev/null 2>"$T/none2.err"
rc=$?
[ $rc = 2 ] && grep -q "no scan of run other recorded" "$T/none2.err" &&
	pass "sqlite: a run id no scan has: exit 2" ||
	fail "sqlite: a run id no scan has: exit $rc: $(cat "$T/none2.err")"
for f in "$T"/int.err "$T"/r0.err "$T"/r1.err "$T"/s0.err "$T"/s1.err; do
	no_asan_report "$f"
done
finish
