#!/usr/bin/env bash
# --workers N: the scan is split across N processes (sub-shards of the permutation), every
# target is recorded exactly once, the parent sums the counts into the metadata, -n is a
# total split across the workers, and SIGTERM to the parent stops every child (in-flight
# targets recorded as interrupted).
. "$(dirname "$0")/lib.sh"
T=$(msw_tmpdir)
A=127.0.90

# with a database the workers send every host's done marker (--resume relies on it); without
# one they send none (the parent has nothing to keep them in)
"$MSW_BIN" scan $A.100-249 $A.40 $A.41 -p 18860,18862 --rate 0 --all --workers 3 --format json \
	--db "$T/w.db" >"$T/wdb.json" 2>"$T/wdb.err"
assert_eq 0 $? "exit code with --workers 3 and --db"
assert_eq 152 "$(sqlite3 "$T/w.db" 'SELECT count(DISTINCT idx) FROM done')" "every host marked done in the database"
assert_eq 304 "$(sqlite3 "$T/w.db" 'SELECT count(*) FROM services')" "every target stored"
"$MSW_BIN" scan --resume "$T/w.db" --format json >"$T/wres.json" 2>"$T/wres.err"
assert_eq 0 "$(grep -c . "$T/wres.json")" "resuming the finished worker scan scans nothing again"
no_asan_report "$T/wdb.err"

# -n is a total, split across the workers (here fewer hosts than some workers get)
"$MSW_BIN" scan $A.100-249 -p 18862 -n 10 --workers 3 --all --format json >"$T/n.json" 2>"$T/n.err"
assert_eq 10 "$(grep -c . "$T/n.json")" "-n 10 with --workers 3: ten targets"
"$MSW_BIN" scan $A.100-249 -p 18862 -n 2 --workers 4 --all --format json >"$T/n2.json" 2>>"$T/n.err"
assert_eq 2 "$(grep -c . "$T/n2.json")" "-n 2 with --workers 4: two targets"
no_asan_report "$T/n.err"

start_mosquitto $A.40 18860 || { fail "mosquitto on $A.40"; finish; }
start_mosquitto $A.41 18860 || { fail "mosquitto on $A.41"; finish; }
start_silent_listener $A.42 18861

# 150 closed addresses x 2 ports + two brokers, three workers
"$MSW_BIN" scan $A.100-249 $A.40 $A.41 -p 18860,18862 --rate 0 --all --workers 3 --format json \
	--metadata-file "$T/meta.json" >"$T/w.json" 2>"$T/w.err"
assert_eq 0 $? "exit code with --workers 3"
assert_eq 304 "$(grep -c . "$T/w.json")" "one record per target"
assert_eq 304 "$(jq -r '"\(.ip):\(.port)"' "$T/w.json" | sort -u | wc -l | tr -d ' ')" "no target recorded twice"
assert_eq 2 "$(jq -s '[.[] | select(.mqtt == true and .auth == "anonymous")] | length' "$T/w.json")" "both brokers found by the workers"
assert_eq 1 "$(jq -s '[.[] | .scan_id] | unique | length' "$T/w.json")" "one scan id across workers"
if [ -s "$T/meta.json" ]; then
	assert_json "$T/meta.json" '.counts | .targets_tried == 304 and .outcomes.refused == 302 and .outcomes.success == 2
		and ([.outcomes[]] | add) == 304 and .mqtt.speaking == 2 and .mqtt.anonymous == 2' "metadata sums the workers' counts"
fi
validate_schema "$T/w.json"
no_asan_report "$T/w.err"

# the same scan in one process records the same set
"$MSW_BIN" scan $A.100-249 $A.40 $A.41 -p 18860,18862 --rate 0 --all --format json >"$T/one.json" 2>"$T/one.err"
diff <(jq -r '"\(.ip):\(.port) \(.status)"' "$T/w.json" | sort) <(jq -r '"\(.ip):\(.port) \(.status)"' "$T/one.json" | sort) >/dev/null &&
	pass "workers and one process record the same targets and statuses" || fail "workers and one process differ"

# -n is a total, split across the workers (here fewer hosts than some workers get)
"$MSW_BIN" scan $A.100-249 -p 18862 -n 10 --workers 3 --all --format json >"$T/n.json" 2>"$T/n.err"
assert_eq 10 "$(grep -c . "$T/n.json")" "-n 10 with --workers 3: ten targets"
"$MSW_BIN" scan $A.100-249 -p 18862 -n 2 --workers 4 --all --format json >"$T/n2.json" 2>>"$T/n.err"
assert_eq 2 "$(grep -c . "$T/n2.json")" "-n 2 with --workers 4: two targets"
no_asan_report "$T/n.err"

# SIGTERM to the parent: children stop, in-flight targets are interrupted, exit 143
"$MSW_BIN" scan $A.42 $A.43 -p 18861 --io-timeout 60 --workers 2 --all --format json >"$T/int.json" 2>"$T/int.err" &
pid=$!
sleep 1.5
kill -TERM $pid
wait $pid
assert_eq 143 $? "exit code after SIGTERM with --workers"
assert_json "$T/int.json" '.ip == "127.0.90.42" and .status == "interrupted"' "in-flight target in a worker recorded as interrupted"
sleep 0.5
if pgrep -f "mqttsweep scan $A.42" >/dev/null; then fail "a worker outlived the scan"; else pass "no worker left behind"; fi
no_asan_report "$T/int.err"

finish
