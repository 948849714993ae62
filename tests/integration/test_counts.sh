#!/usr/bin/env bash
# Counts that add up (addresses 127.0.82.11-17): one target of every kind — an anonymous
# Mosquitto, a password-protected one, a silent listener, a service that is not MQTT, a
# black hole (no answer to the TCP handshake), a closed port, a listener that hangs up at
# once, and TLS spoken to a plain MQTT port (handshake error).
#   - metadata counts: the outcomes are disjoint and add up to targets_tried; each equals
#     the JSON lines of its statuses (--all records every target); connected equals the
#     records with a source address; the MQTT verdicts add up to mqtt.speaking;
#   - the terminal summary says the same numbers as the metadata;
#   - audit: a named target that refuses has a record; at depth host the host-probe ports
#     are counted apart (targets_tried is what -sL lists);
#   - a name that does not resolve: status invalid-inputs, and the sentence says so with
#     the name (run in a fresh network namespace, so no DNS query leaves the machine);
#   - $SYS topics are counted apart from the owner's data (topics.sys_count, the SQLite and
#     CSV sys_topic_count, "read N topics (plus M $SYS topics ...)" in the summary and
#     "N topics (plus M $SYS)" in the HTML services table).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T=$(msw_tmpdir)
OPEN=127.0.82.11
PWB=127.0.82.12
SIL=127.0.82.13
BAN=127.0.82.14
BH=127.0.82.15
REF=127.0.82.16
HUP=127.0.82.17
P=$(free_port $OPEN)

start_mosquitto $OPEN "$P" || { fail "mosquitto open"; finish; }
make_passwd "$T/passwd" owner 'Counts-Pass-1'
start_mosquitto $PWB "$P" "allow_anonymous false" "password_file $T/passwd" || { fail "mosquitto pw"; finish; }
start_silent_listener $SIL "$P" || { fail "silent"; finish; }
start_banner $BAN "$P" $'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n' || { fail "banner"; finish; }
start_banner $HUP "$P" '' || { fail "hang-up listener"; finish; }
start_blackhole $BH "$P" || { fail "black hole"; finish; }

TARGETS="$OPEN $PWB $SIL $BAN $BH $REF $HUP mqtts://$OPEN:$P"
# shellcheck disable=SC2086
TERM=dumb script -qec "$MSW_BIN scan $TARGETS -p $P --all --connect-timeout 1 --io-timeout 2 -q \
	--metadata-file $T/meta.json -oJ $T/all.json" /dev/null >"$T/summary.txt" 2>&1
validate_schema "$T/all.json"
if "$(msw_python)" "$MSW_SOURCE_DIR/tests/tools/validate_schema.py" "$MSW_SOURCE_DIR/docs/scan.schema.json" "$T/meta.json"; then
	pass "metadata schema-valid"
else
	fail "metadata schema"
fi
m() { jq -r "$1" "$T/meta.json"; }
r() { jq -s "$1" "$T/all.json"; }
assert_eq 8 "$(m .counts.targets_tried)" "targets tried"
assert_eq "$(m .counts.targets_tried)" "$(m '[.counts.outcomes[]] | add')" "outcomes add up to targets_tried"
assert_eq "$(m .counts.targets_tried)" "$(r 'length')" "--all: one record per target tried"
for pair in "success:success" "refused:connection-refused" "no_answer:connection-timeout" \
	"timed_out:io-timeout" "closed:connection-closed" "interrupted:interrupted"; do
	k=${pair%%:*}
	s=${pair#*:}
	assert_eq "$(r "map(select(.status == \"$s\")) | length")" "$(m ".counts.outcomes.$k")" "outcome $k = records with status $s"
done
assert_eq "$(r 'map(select(.status | IN("handshake-error", "protocol-error", "application-error", "invalid-inputs", "unknown-error"))) | length')" \
	"$(m .counts.outcomes.errors)" "outcome errors = records with an error status"
assert_json "$T/all.json" '.status == "handshake-error" and .transport == "tls"' "TLS to a plain port: handshake-error"
[ "$(m .counts.outcomes.errors)" -ge 2 ] && pass "the TLS handshake error is among the errors" || fail "errors miss the handshake error"
for k in success refused no_answer timed_out closed; do
	[ "$(m ".counts.outcomes.$k")" -ge 1 ] && pass "a target ended $k" || fail "no target ended $k"
done
assert_eq "$(r 'map(select(.source_ip != null)) | length')" "$(m .counts.connected)" "connected = records with a source address"
assert_eq "$(r 'map(select(.mqtt)) | length')" "$(m .counts.mqtt.speaking)" "mqtt.speaking = records that spoke MQTT"
assert_eq "$(m .counts.mqtt.speaking)" "$(m '.counts.mqtt | .anonymous + .any_credentials + .authenticated + .auth_required + .other')" \
	"MQTT verdicts add up to mqtt.speaking"
assert_eq "$(r 'map(select(.auth == "anonymous")) | length')" "$(m .counts.mqtt.anonymous)" "anonymous = records"
assert_eq "$(r '[.[].findings | length] | add')" "$(m .counts.findings)" "findings = findings in the records"
assert_eq 0 "$(m .counts.host_probes.tried)" "no host probes at depth connack"

# the summary says what the metadata says
sum=$(grep '^Scan ' "$T/summary.txt")
want="8 targets tried ($(m .counts.outcomes.success) completed, $(m .counts.outcomes.refused) refused, $(m .counts.outcomes.no_answer) no answer, $(m .counts.outcomes.timed_out) timed out after connecting, $(m .counts.outcomes.closed) closed early, $(m .counts.outcomes.errors) errors), $(m .counts.connected) connected"
case $sum in
*"$want"*) pass "summary outcomes = metadata" ;;
*) fail "summary: '$sum' lacks '$want'" ;;
esac
case $sum in
*"$(m .counts.mqtt.speaking) speak MQTT ($(m .counts.mqtt.anonymous) open to anyone, $(m .counts.mqtt.auth_required) asking for credentials); $(m .counts.findings) finding"*)
	pass "summary MQTT verdicts = metadata" ;;
*) fail "summary MQTT part: $sum" ;;
esac

# without --all the counts are the same, only fewer records
"$MSW_BIN" scan $TARGETS -p "$P" --connect-timeout 1 --io-timeout 2 -q --format json \
	--metadata-file "$T/meta2.json" >"$T/some.json" 2>/dev/null
# (the outcomes that do not depend on timing)
assert_eq "$(jq -c '.counts.outcomes | [.success, .refused, .no_answer]' "$T/meta.json")" \
	"$(jq -c '.counts.outcomes | [.success, .refused, .no_answer]' "$T/meta2.json")" "the same outcomes without --all"
assert_eq 8 "$(jq '[.counts.outcomes[]] | add' "$T/meta2.json")" "without --all the outcomes still add up"
[ "$(jq -s length "$T/some.json")" -lt 8 ] && pass "without --all the refused and silent are counted, not recorded" ||
	fail "without --all every target recorded"

# audit: a refused named target has its record; host-probe ports counted apart
TERM=dumb script -qec "$MSW_BIN audit $REF:$P $OPEN:$P --window 1 -q --metadata-file $T/ma.json -oJ $T/audit.json" \
	/dev/null >"$T/audit.txt" 2>&1
assert_json "$T/audit.json" ".ip == \"$REF\" and .status == \"connection-refused\"" "audit: the refusing target has a record"
tr -d '\r' <"$T/audit.txt" | grep -q "^$REF:$P — connection refused\$" && pass "audit: the refusal is a sentence" ||
	{ fail "audit refusal sentence"; cat "$T/audit.txt" >&2; }
assert_eq 2 "$(jq .counts.targets_tried "$T/ma.json")" "audit: targets_tried is what was listed"
assert_eq 2 "$("$MSW_BIN" audit $REF:$P $OPEN:$P -sL | wc -l)" "audit -sL lists the same two"
hp=$(jq .counts.host_probes.tried "$T/ma.json")
[ "$hp" -gt 0 ] && pass "audit: $hp host-probe ports counted apart" || fail "audit: no host-probe ports counted"
assert_eq "$hp" "$(jq '[.counts.host_probes.outcomes[]] | add' "$T/ma.json")" "host-probe outcomes add up"
grep -q "^Scan .*: 2 targets tried (.*), 1 connected; plus $hp host-probe ports (" "$T/audit.txt" && pass "audit summary keeps them apart" ||
	{ fail "audit summary"; grep '^Scan' "$T/audit.txt" >&2; }

# a name that does not resolve, in a namespace of its own (no DNS query leaves it)
if unshare -rn true 2>/dev/null; then
	unshare -rn bash -c "ip link set lo up 2>/dev/null; TERM=dumb script -qec '$MSW_BIN audit no-such-host.invalid $REF -p $P -q \
		--metadata-file $T/mu.json -oJ $T/unres.json' /dev/null" >"$T/unres.txt" 2>&1
	assert_json "$T/unres.json" '.hostname == "no-such-host.invalid" and .status == "invalid-inputs" and .ip == "" and
		(.error | startswith("name did not resolve"))' "unresolved name: status invalid-inputs"
	grep -q "^no-such-host.invalid:$P — name did not resolve" "$T/unres.txt" && pass "unresolved name: the sentence names it" ||
		{ fail "unresolved sentence"; cat "$T/unres.txt" >&2; }
	if grep -q "unknown error\|^:$P" "$T/unres.txt"; then fail "unresolved: 'unknown error' or no name"; else pass "unresolved: no 'unknown error'"; fi
	assert_eq 1 "$(jq .counts.unresolved "$T/mu.json")" "unresolved host counted"
	assert_eq 1 "$(jq .counts.targets_tried "$T/mu.json")" "the unresolved target is not tried"
	grep -q "hosts not tried: 1 name did not resolve" "$T/unres.txt" && pass "summary: the unresolved host" || fail "summary: unresolved host"
else
	echo "note: no unprivileged network namespace; unresolvable-name check skipped"
fi

# $SYS apart: two retained topics of data on the open broker, and Mosquitto's own $SYS tree
mosquitto_pub -h $OPEN -p "$P" -r -t 'home/lamp' -m 'on'
mosquitto_pub -h $OPEN -p "$P" -r -t 'home/door' -m 'closed'
TERM=dumb script -qec "$MSW_BIN scan $OPEN -p $P --depth topics --window 2 -q --format text \
	-oJ $T/sys.json --db $T/sys.db --csv $T/sys.csv --html $T/sys.html" /dev/null >"$T/sys.txt" 2>&1
assert_json "$T/sys.json" '.topics.sys_count >= 1 and .topics.count - .topics.sys_count == 2' \
	"\$SYS topics counted apart: sys_count, and 2 topics of data"
assert_json "$T/sys.json" '([.topics.list[].topic | select(startswith("$SYS/"))] | length) == .topics.sys_count' \
	"sys_count is the \$SYS topics listed"
nsys=$(jq .topics.sys_count "$T/sys.json")
tr -d '\r' <"$T/sys.txt" | grep -q "read 2 topics (plus $nsys \$SYS topics of broker statistics)" &&
	pass "summary: read 2 topics, plus the \$SYS topics apart" || { fail "summary \$SYS"; cat "$T/sys.txt" >&2; }
grep -qF "2 topics (plus $nsys \$SYS)" "$T/sys.html" && pass "HTML: 2 topics, plus the \$SYS topics apart" ||
	fail "HTML: no '2 topics (plus $nsys \$SYS)'"
assert_eq "$nsys" "$(sqlite3 "$T/sys.db" "SELECT sys_topic_count FROM services")" "SQLite: sys_topic_count"
"$(msw_python)" - "$T/sys.csv" "$nsys" <<'PY' && pass "CSV: sys_topic_count" || fail "CSV: sys_topic_count"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
assert rows and all(r["sys_topic_count"] == sys.argv[2] for r in rows), rows[:1]
PY

finish
