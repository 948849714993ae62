#!/usr/bin/env bash
# What an account may do, against real Mosquitto with a password file and an ACL file
# (127.0.91.10-11): the access map and the write proof for several accounts in one run
# (--credentials, repeated -u/-P), MQTT 3.1.1 and 5.0, compared with the ACL line by
# line; anonymous reads $SYS only; --acl-filters bounds the map, no write test without
# --publish-proof, the map's packets stay under 20 a second; the scan metadata counts
# the write tests; no password in any output; and the broker holds nothing of ours
# afterwards (no retained message, no session, no subscription, nothing in its
# persistence file, every client of ours said DISCONNECT).
set -u
. "$(dirname "$0")/lib.sh"

T=$(msw_tmpdir)
A=127.0.91.10
P=$(free_port $A)
RPW='Rd-pass-4417' WPW='Wr-pass-8823' APW='Ad-pass-1290'

msw() {
	"$MSW_BIN" "$@" 2>>"$T/stderr.txt"
}

make_passwd "$T/passwd" reader "$RPW"
make_passwd "$T/passwd" writer "$WPW"
make_passwd "$T/passwd" admin "$APW"
cat >"$T/aclfile" <<'EOF'
# anonymous clients: broker statistics only
topic read $SYS/#

user reader
topic read home/#

user writer
topic write home/#

user admin
topic readwrite #

pattern readwrite owntracks/%u/#
EOF
chmod 0644 "$T/aclfile"
mkdir -p "$T/store" && chmod 0777 "$T/store"
start_mosquitto $A $P "password_file $T/passwd" "acl_file $T/aclfile" "sys_interval 1" \
	"persistence true" "persistence_location $T/store/" || { fail "mosquitto on $A"; finish; }
pub() { mosquitto_pub -h $A -p $P -u admin -P "$APW" -r "$@"; }
pub -t home/door -m open
pub -t garden/light -m on
pub -t owntracks/reader/phone -m '{"_type":"location","lat":1,"lon":2}'
pub -t owntracks/admin/phone -m '{"_type":"location","lat":1,"lon":2}'

# what the broker holds before we come: retained topics, subscriptions, clients
state() { # $SYS counters an anonymous client may read, as retained before it came
	mosquitto_sub -h $A -p $P -v -W 3 -t '$SYS/broker/subscriptions/count' \
		-t '$SYS/broker/clients/total' 2>/dev/null | awk '!seen[$1]++' | sort
}
retained() { mosquitto_sub -h $A -p $P -u admin -P "$APW" -v -W 2 -t '#' 2>/dev/null | sort; }
sleep 1.5
STATE0=$(state)
RET0=$(retained)

printf 'reader:%s\nwriter:%s\n# the operator\nadmin:%s\n' "$RPW" "$WPW" "$APW" >"$T/creds"
printf '# the per-user pattern of the ACL\nowntracks/%%u/#\n' >"$T/topics"

# acl VER ACCOUNT FILTER: "read write" of that row
acl() { jq -r --arg u "$2" --arg f "$3" '.accounts[]? | select(.user == $u) | .acl[] |
	select(.filter == $f) | "\(.read) \(.write)"' "$T/v$1.json"; }
proof() { jq -r --arg u "$2" '.accounts[] | select(.user == $u) | .acl[0] |
	select(.filter | startswith("mqttsweep/")) | .write' "$T/v$1.json"; }

for V in 3.1.1 5.0; do
	: >"$MOSQ_LOG"
	msw scan $A -p $P --versions $V --depth topics --window 1 --credentials "$T/creds" \
		--acl-topics "$T/topics" --acl-filters 16 --publish-proof --format json \
		-oJ "$T/oj$V.json" --db "$T/acl$V.db" --metadata-file "$T/meta$V.json" >"$T/v$V.json"
	cp "$MOSQ_LOG" "$T/log$V.txt"
	validate_schema "$T/v$V.json"
	assert_json_all "$T/v$V.json" '.auth == "authenticated" and (.accounts | map(.user)) == ["reader", "writer", "admin"]' \
		"$V: three accounts audited, in order"
	assert_json_all "$T/v$V.json" '[.accounts[] | .auth] | all(. == "authenticated")' "$V: each account logged in"
	assert_json_all "$T/v$V.json" '(.acl | map(.filter)) == (.accounts[0].acl | map(.filter))' \
		"$V: the record's map is the first account's"
	# user reader / topic read home/#
	assert_eq "granted denied" "$(acl $V reader 'home/#')" "$V reader: home/# readable, not writable"
	# pattern readwrite owntracks/%u/#, for each account
	for u in reader writer admin; do
		assert_eq "granted confirmed" "$(acl $V $u "owntracks/$u/#")" "$V $u: owntracks/$u/# read and written"
	done
	# user writer / topic write home/#: nothing to read there (retained messages there
	# reached the others); writable, proven by the 5.0 PUBACK (3.1.1 acknowledges nothing)
	W=accepted
	[ $V = 3.1.1 ] && W=untested
	assert_eq "denied $W" "$(acl $V writer 'home/#')" "$V writer: home/# not readable, writable ($W)"
	# user admin / topic readwrite #
	for f in 'home/#' 'garden/#' 'owntracks/#' '#'; do
		assert_eq "granted confirmed" "$(acl $V admin "$f")" "$V admin: $f read and written"
	done
	assert_eq confirmed "$(proof $V admin)" "$V admin: the write proof came back"
	# nobody else may write outside its own owntracks subtree and home/#
	for u in reader writer; do
		assert_eq denied "$(acl $V $u 'garden/#' | cut -d' ' -f1)" "$V $u: garden/# not readable"
		W=denied
		[ $V = 3.1.1 ] && W=untested
		assert_eq "$W" "$(proof $V $u)" "$V $u: write proof $W"
		case "$(acl $V $u 'garden/#' | cut -d' ' -f2)" in
		confirmed | accepted) fail "$V $u: garden/# write '$(acl $V $u 'garden/#')'" ;;
		*) pass "$V $u: garden/# not shown writable" ;;
		esac
	done
	# $SYS: no named account may read it (admin's '#' does not cover '$' topics)
	for u in reader writer admin; do
		[ "$(acl $V $u '$SYS/#' | cut -d' ' -f1)" != granted ] && pass "$V $u: \$SYS/# not granted" ||
			fail "$V $u: \$SYS/# granted"
	done
	# the map in SQLite: the same rows as the records, one per account and filter
	n=$(jq -s '[.[] | .accounts[] | .acl[]] | length' "$T/v$V.json")
	assert_eq "$n" "$(sqlite3 "$T/acl$V.db" 'select count(*) from acl')" "$V: --db holds every row of every account's map"
	assert_eq "$(acl $V writer 'home/#')" "$(sqlite3 -separator ' ' "$T/acl$V.db" \
		"select read, write from acl where account = 'writer' and filter = 'home/#'")" \
		"$V: --db: writer's home/# row as in the record"
	assert_eq "reader writer admin" "$(sqlite3 "$T/acl$V.db" 'select distinct account from acl order by account_index' | xargs)" \
		"$V: --db: the accounts in their order"
	"$MSW_BIN" stats "$T/acl$V.db" --format json >"$T/stats$V.json" 2>>"$T/stderr.txt"
	jq -e '.metrics.acl_mapped.count == 1 and .metrics.acl_writable.count == 1' "$T/stats$V.json" >/dev/null &&
		pass "$V: stats reads the map (1 broker mapped, writable for an account)" ||
		fail "$V: stats $(jq -c '.metrics | {acl_mapped, acl_writable}' "$T/stats$V.json")"
	# the record's write_access is the first account's proof; the metadata counts them
	assert_json_all "$T/v$V.json" ".write_access == \"$(proof $V reader | sed 's/^untested$/untested/')\"" \
		"$V: write_access is reader's proof verdict"
	n=$(jq -s '[.[] | (.accounts // [])[] | .acl[] | select(.write_topic)] | length' "$T/v$V.json")
	nc=$(jq -s '[.[] | (.accounts // [])[] | .acl[] | select(.write_topic and .write == "confirmed")] | length' "$T/v$V.json")
	sent=$(grep -cE "(Received|Denied) PUBLISH from msw-" "$T/log$V.txt")
	assert_eq "$n" "$sent" "$V: one PUBLISH at the broker per write test in the accounts' maps"
	jq -e ".final and .opt_in.publish_proof and .opt_in_actions.publish_attempts == $n and .opt_in_actions.publish_confirmed == $nc and $nc > 0" \
		"$T/meta$V.json" >/dev/null && pass "$V: metadata counts the $n write tests of every account ($nc confirmed)" ||
		fail "$V: metadata opt_in_actions $(jq -c .opt_in_actions "$T/meta$V.json")"
	grep "Received PUBLISH from msw-" "$T/log$V.txt" | grep -qE "r1|'(\\\$SYS|home/door|garden/light|owntracks/[a-z]+/phone)'" &&
		fail "$V: a PUBLISH of ours was retained or went to an observed topic or \$SYS" ||
		pass "$V: every PUBLISH of ours: not retained, on a topic of our own"
	[ $V = 5.0 ] && { grep "Received PUBLISH from msw-" "$T/log$V.txt" | grep -q "(d0, q1, r0" &&
		pass "5.0: write tests at QoS 1" || fail "5.0: write tests not at QoS 1"; }
	[ $V = 3.1.1 ] && { grep "Received PUBLISH from msw-" "$T/log$V.txt" | grep -vq "(d0, q0, r0" &&
		fail "3.1.1: a write test not at QoS 0" || pass "3.1.1: write tests at QoS 0"; }
	# at most 20 packets of the map a second per connection (the log has 1 s resolution)
	peak=$(grep -E "Received (SUBSCRIBE|PUBLISH) from msw-" "$T/log$V.txt" |
		awk '{split($0, a, ":"); sec = a[1]; id = $4; n[sec " " id]++} END {m = 0; for (k in n) if (n[k] > m) m = n[k]; print m}')
	[ "$peak" -le 21 ] && pass "$V: at most $peak map packets in one second from one client" ||
		fail "$V: $peak map packets in one second"
	# passwords: in no output
	for f in "$T/v$V.json" "$T/oj$V.json" "$T/acl$V.db" "$T/acl$V.db-wal" "$T/meta$V.json" "$T/stderr.txt"; do
		[ -e "$f" ] || continue
		grep -a -q -e "$RPW" -e "$WPW" -e "$APW" "$f" && fail "$V: a password in $(basename "$f")"
	done
	pass "$V: no password in stdout, -oJ, --db, metadata or stderr"
done

# repeated -u/-P pairs: the same accounts as the file
msw scan $A -p $P --versions 5.0 --depth topics --window 1 -u reader -P "$RPW" -u admin -P "$APW" \
	--acl-filters 4 --format json --metadata-file "$T/metaU.json" >"$T/pairs.json"
assert_json_all "$T/pairs.json" '(.accounts | map(.user)) == ["reader", "admin"] and ([.accounts[].auth] | all(. == "authenticated"))' \
	"-u/-P twice: two accounts, each logged in with its own password"
assert_json_all "$T/pairs.json" '[.accounts[].acl | length] == [4, 4] and ([.accounts[].acl[] | select(.write_topic)] | length) == 0' \
	"--acl-filters 4 bounds each map; no write test without --publish-proof"
grep -q -e "$RPW" -e "$APW" "$T/pairs.json" "$T/metaU.json" && fail "-u/-P pairs: a password in the output" ||
	pass "-u/-P pairs: passwords masked in the metadata argv, absent from the records"
jq -e '[.argv[] | select(. == "***")] | length == 2' "$T/metaU.json" >/dev/null && pass "argv echo masks both -P values" ||
	fail "argv echo: $(jq -c .argv "$T/metaU.json")"

# anonymous: $SYS only (topic read $SYS/# before any user line)
for V in 3.1.1 5.0; do
	msw scan $A -p $P --versions $V --depth topics --window 1 --publish-proof --acl-filters 16 \
		--format json >"$T/anon$V.json"
	assert_json_all "$T/anon$V.json" '.auth == "anonymous" and (.accounts == null)' "$V anonymous: one account"
	assert_json_all "$T/anon$V.json" '.acl[] | select(.filter == "$SYS/#") | .read == "granted"' "$V anonymous: \$SYS/# readable"
	assert_json_all "$T/anon$V.json" '[.acl[] | select(.filter != "$SYS/#") | .read] | all(. != "granted")' \
		"$V anonymous: nothing else readable"
	W=denied
	[ $V = 3.1.1 ] && W=untested
	assert_json_all "$T/anon$V.json" "([.acl[] | .write] | all(. == \"$W\" or . == \"untested\")) and .write_access == \"$W\"" \
		"$V anonymous: nothing writable (proof $W)"
done

# audit's terminal output: the map of each account as a table, one column per account
: >"$MOSQ_LOG"
msw audit $A:$P --versions 5.0 --window 1 --credentials "$T/creds" --acl-topics "$T/topics" \
	--acl-filters 16 --publish-proof --format text >"$T/audit.txt"
cp "$MOSQ_LOG" "$T/audit-log.txt"
# cell USER FILTER: the two letters in that account's column of that filter's row (a
# column starts where its header names the account)
cell() { awk -v u="$1" -v f="$2" '/what each account may do:/ {t = 1; next}
	t && $1 == "filter" {c = index($0, " " u " ") + 1; next}
	t && $1 == f {print substr($0, c, 2); exit}' "$T/audit.txt"; }
grep -q "what each account may do:" "$T/audit.txt" && pass "audit text: the access map table" ||
	fail "audit text: no access map table: $(head -c 600 "$T/audit.txt")"
grep -qE "^    filter +reader +writer +admin *$" "$T/audit.txt" && pass "audit text: one column per account, in order" ||
	fail "audit text: header $(grep -m1 '^    filter' "$T/audit.txt")"
assert_eq "R- -w RW" "$(cell reader 'home/#') $(cell writer 'home/#') $(cell admin 'home/#')" \
	"audit text: home/# read-only for reader, write-only (accepted) for writer, both for admin"
assert_eq "-- -- RW" "$(cell reader 'garden/#') $(cell writer 'garden/#') $(cell admin 'garden/#')" \
	"audit text: garden/# only for admin"
for u in reader writer admin; do
	assert_eq RW "$(cell $u "owntracks/$u/#")" "audit text: $u reads and writes owntracks/$u/#"
done
grep -q -e "$RPW" -e "$WPW" -e "$APW" "$T/audit.txt" && fail "audit text: a password shown" ||
	pass "audit text: no password"
c=$(grep -cE "New client connected from [0-9.:]+ as msw-" "$T/audit-log.txt")
d=$(grep -cE "Client msw-[0-9A-Za-z]+ disconnected\.$" "$T/audit-log.txt")
[ "$c" -gt 0 ] && [ "$c" = "$d" ] && pass "audit: its $c connections all ended with DISCONNECT" ||
	fail "audit: $c connections, $d DISCONNECTs"

# the broker holds nothing of ours. $SYS values are published (retained) only when they
# change, at most once a second, and state()'s own connection changes both: a retained value
# taken while the previous state() was connected stays until a tick falls between two
# state() calls, and Mosquitto lets a $SYS value expire 60 s after it was published. So leave
# the broker quiet for more than a tick between tries (on a loaded machine ticks come late).
now=$(state)
for _ in $(seq 20); do [ "$now" = "$STATE0" ] && break; sleep 3; now=$(state); done
assert_eq "$STATE0" "$now" "subscription and client counts in \$SYS as before our runs"
assert_eq "$RET0" "$(retained)" "retained messages as before our runs"
conn=$(cat "$T"/log*.txt | grep -cE "New client connected from [0-9.:]+ as msw-[0-9A-Za-z]+")
bye=$(cat "$T"/log*.txt | grep -cE "Client msw-[0-9A-Za-z]+ disconnected\.$")
assert_eq 12 "$conn" "a main pass and an access connection per account and version"
assert_eq "$conn" "$bye" "every connection of ours ended with DISCONNECT"
grep -hE "as msw-" "$T"/log*.txt | grep -vq "c1," && fail "a CONNECT of ours without clean session" ||
	pass "every CONNECT of ours: clean session"
kill "$MOSQ_PID" && wait "$MOSQ_PID" 2>/dev/null
if [ -s "$T/store/mosquitto.db" ]; then
	grep -a -q -e mqttsweep -e msw- "$T/store/mosquitto.db" && fail "the broker's persistence file holds something of ours" ||
		pass "the broker's persistence file holds nothing of ours ($(stat -c %s "$T/store/mosquitto.db") bytes)"
else
	fail "no persistence file written"
fi
finish
