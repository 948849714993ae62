#!/usr/bin/env bash
# PostgreSQL keeps what SQLite keeps of who the scan was and what it counted, against a
# real throw-away server (lib.sh start_postgres) and real Mosquitto on 127.0.97.200-202
# (127.0.97.203 accepts TCP and never answers):
# - the services columns auth_identity and sys_topic_count hold what each record says
#   (the username given with -u, never the password; the $SYS topics of topics.count);
# - a database an older version wrote (without those columns) is read by `stats` and
#   written by the next scan, which adds them;
# - a scan interrupted (SIGINT) while a silent listener held a target, and resumed from
#   PostgreSQL: its counts cover both parts (each done marker carries its host's counts)
#   and its JSON lines file is written anew from the database, each target once; the
#   target in flight, refused when probed again, leaves no `interrupted` record behind.
set -u
. "$(dirname "$0")/lib.sh"

T=$(msw_tmpdir)
B=$MSW_BIN
command -v psql >/dev/null || { fail "psql missing (scripts/setup.sh installs postgresql)"; finish; }
start_postgres >"$T/pg.out" 2>&1 || { fail "postgres: $(cat "$T/pg.out")"; finish; }
pq() { psql -XAtq -F'|' "$PG_URL" -c "$1"; }

OPEN=127.0.97.200 # Mosquitto, anonymous, two retained topics
PW=127.0.97.201   # Mosquitto, password file
SECRET='Pg-Secret-97x'
P=$(free_port $OPEN)
start_mosquitto $OPEN "$P" || { fail "mosquitto open"; finish; }
make_passwd "$T/passwd" tester "$SECRET"
start_mosquitto $PW "$P" "allow_anonymous false" "password_file $T/passwd" || { fail "mosquitto pw"; finish; }
mosquitto_pub -h $OPEN -p "$P" -r -t 'home/lamp' -m 'on'
mosquitto_pub -h $OPEN -p "$P" -r -t 'home/door' -m 'closed'

# ---- 1. auth_identity and sys_topic_count columns ----
"$B" scan $OPEN $PW -p "$P" -u tester -P "$SECRET" --depth topics --window 1 -q \
	--db "$PG_URL" -oJ "$T/a.json" >/dev/null 2>"$T/a.err"
assert_eq 0 $? "scan -u into PostgreSQL"
assert_eq "2|2" "$(pq "SELECT count(*), count(*) FILTER (WHERE auth_identity = 'tester') FROM services")" \
	"services.auth_identity: the -u username on every row"
assert_eq 0 "$(pq "SELECT count(*) FROM services WHERE sys_topic_count IS DISTINCT FROM
	(json::json #>> '{topics,sys_count}')::bigint")" "services.sys_topic_count: the record's topics.sys_count"
assert_json "$T/a.json" ".ip == \"$OPEN\" and .topics.sys_count >= 1 and .topics.count - .topics.sys_count == 2" \
	"the open broker: \$SYS topics counted apart from its 2 topics of data"
assert_eq "$(jq -r "select(.ip == \"$OPEN\") | .topics.sys_count" "$T/a.json")" \
	"$(pq "SELECT sys_topic_count FROM services WHERE ip = '$OPEN'")" "services.sys_topic_count: as in the JSON lines"
if pq "SELECT * FROM services" | grep -q -- "$SECRET"; then
	fail "the password reached PostgreSQL"
else
	pass "the password is not in PostgreSQL"
fi

# ---- 2. a database an older version wrote ----
old_db() { pq "ALTER TABLE services DROP COLUMN auth_identity, DROP COLUMN sys_topic_count"; }
newcols() { pq "SELECT count(*) FROM information_schema.columns WHERE table_name = 'services'
	AND column_name IN ('auth_identity', 'sys_topic_count')"; }
old_db
"$B" scan $PW -p "$P" -u tester -P "$SECRET" -q --db "$PG_URL" >/dev/null 2>"$T/b.err"
assert_eq 0 $? "scan into an older database"
assert_eq 2 "$(newcols)" "the scan added the new columns to the older database"
assert_eq tester "$(pq "SELECT auth_identity FROM services WHERE scan_id =
	(SELECT scan_id FROM scans ORDER BY started DESC LIMIT 1)")" "the new scan's rows fill them"
old_db
"$B" stats "$PG_URL" --format json >"$T/st.json" 2>"$T/st.err"
assert_eq 0 $? "stats over an older database"
assert_json "$T/st.json" '.metrics.speaking_mqtt.count >= 1' "stats over an older database: its brokers"
assert_eq 2 "$(newcols)" "stats added the columns it reads"

# ---- 3. --resume from PostgreSQL: counts of every part, the JSON lines written anew ----
SIL=127.0.97.203
start_silent_listener $SIL "$P" || { fail "silent listener"; finish; }
pq "DELETE FROM done; DELETE FROM services; DELETE FROM scans"
"$B" scan $OPEN $PW $SIL -p "$P" -u tester -P "$SECRET" --depth topics --window 1 --io-timeout 60 \
	--db "$PG_URL" -oJ "$T/r.json" --metadata-file "$T/r.meta" -q >/dev/null 2>"$T/r1.err" &
pid=$!
track_pid $pid
for _ in $(seq 600); do
	[ "$(pq "SELECT count(*) FROM done")" = 2 ] && break
	sleep 0.1
done
kill -INT $pid
wait $pid
assert_eq 130 $? "the first part was interrupted"
assert_eq 2 "$(pq "SELECT count(*) FROM done WHERE counts IS NOT NULL")" \
	"the done markers of the two brokers carry their hosts' counts"
assert_json "$T/r.json" ".ip == \"$SIL\" and .status == \"interrupted\"" \
	"the silent listener's target was in flight at SIGINT"
kill "$SILENT_PID" 2>/dev/null
wait "$SILENT_PID" 2>/dev/null
"$B" scan --resume "$PG_URL" -q >/dev/null 2>"$T/r2.err"
assert_eq 0 $? "resume from PostgreSQL finishes"
assert_json "$T/r.meta" '.counts.targets_tried == 3 and .counts.outcomes.success == 2 and .counts.outcomes.refused == 1' \
	"resumed from PostgreSQL: the counts cover both parts"
assert_json "$T/r.meta" '.counts.mqtt.speaking == 2 and .counts.mqtt.authenticated >= 1' \
	"resumed from PostgreSQL: both brokers counted once"
assert_eq 2 "$(grep -c . "$T/r.json")" \
	"the JSON lines written anew from PostgreSQL: the two brokers (the refused target has no record without --all)"
assert_eq 0 "$(pq "SELECT count(*) FROM services WHERE ip = '$SIL'")" \
	"the interrupted record of the target probed again is gone from PostgreSQL"
assert_eq 0 "$(jq -s '[.[] | select(.status == "interrupted")] | length' "$T/r.json")" \
	"the JSON lines: no superseded interrupted record"
# an older database's done markers (no counts column): --resume still reads it
pq "ALTER TABLE done DROP COLUMN counts"
"$B" scan --resume "$PG_URL" -q >/dev/null 2>"$T/r3.err"
assert_eq 0 $? "--resume of the finished scan in an older database: exit 0"
grep -q "nothing to resume" "$T/r3.err" && pass "--resume of an older database: reads it, nothing to resume" ||
	fail "--resume of an older database: $(cat "$T/r3.err")"
assert_eq 1 "$(pq "SELECT count(*) FROM information_schema.columns WHERE table_name = 'done'
	AND column_name = 'counts'")" "--resume added done.counts to the older database"
no_asan_report "$T/r1.err"
no_asan_report "$T/r2.err"
no_asan_report "$T/r3.err"

no_asan_report "$T/a.err"
no_asan_report "$T/b.err"
no_asan_report "$T/st.err"
finish
