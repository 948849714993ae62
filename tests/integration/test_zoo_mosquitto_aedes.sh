#!/usr/bin/env bash
# The broker zoo, part Mosquitto and Aedes, and the verdicts a new user found wrong, end to
# end against the real brokers:
#   127.0.88.11 Mosquitto, open, sys_interval 1: first empty (its own $SYS retained count is
#              no ACL; the version banner is "may be affected" and raises nothing), then with
#              a retained "(smb) secrets.yaml" (an MQTT finding about that topic, never a
#              share's) and home/garage/door = closed (a hand-named door)
#   127.0.88.12 Mosquitto with a password file: named from its MQTT 5 CONNACK once logged in
#   127.0.88.13 Mosquitto with sys_interval 0: no $SYS, named from its MQTT 5 CONNACK
#   127.0.88.14 Aedes: our own $SYS events skipped, another client's reported (masked), its
#              own remediation
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T=$(msw_tmpdir)
AE=$MSW_SOURCE_DIR/tests/peers/aedes
for tool in mosquitto mosquitto_pub mosquitto_sub jq node; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
svc='select(.kind == "service" and .probe == "mqtt")'
RANK='{"info":0,"low":1,"medium":2,"high":3,"critical":4}'
scan() { # scan NAME ARGS...: JSON lines in $T/NAME.json
	local name=$1
	shift
	"$MSW_BIN" "$@" -oJ "$T/$name.json" >"$T/$name.out" 2>"$T/$name.err" ||
		fail "$name: exit $?: $(head -c 300 "$T/$name.err")"
	no_asan_report "$T/$name.err"
	validate_schema "$T/$name.json"
}

# ---- 1. an open, empty Mosquitto
A1=127.0.88.11
start_mosquitto "$A1" 1883 "sys_interval 1" || { fail "mosquitto $A1"; finish; }
sleep 2.2 # two $SYS intervals: the retained count is published
scan empty audit "$A1" -p 1883 --depth topics --window 2
J=$T/empty.json
assert_json "$J" "$svc | .read_access == \"granted_no_data\" and .auth == \"anonymous\"" "open empty broker: granted, nothing delivered"
assert_json "$J" "$svc | ((.tags // []) | index(\"acl_filtered\") == null) and ([.findings[] | select(.id == \"mqtt.acl_filtered\")] | length == 0)" \
	"its own \$SYS retained count is not called an ACL"
assert_json "$J" "$svc | .broker.product == \"mosquitto\" and any(.findings[]; .id == \"broker.version_cves\" and .confidence == \"version_match\" and (.title | test(\"may be affected\")))" \
	"the version banner: one 'may be affected' finding"
assert_json "$J" "$svc | ([.findings[] | select(.confidence != \"version_match\") | $RANK[.severity]] | max) as \$seen
	| [.findings[] | select(.confidence == \"version_match\") | $RANK[.severity]] | all(. <= \$seen)" \
	"the banner does not raise the headline above the anonymous access"
assert_json "$J" "$svc | [.findings[] | select(.id == \"mosquitto.version\") | .remediation | test(\"sys_interval 0\")] | all" \
	"Mosquitto's \$SYS advice names sys_interval 0"

# ---- 2. the same broker, with what a broker may publish
mosquitto_pub -h "$A1" -p 1883 -q 1 -r -t '(smb) secrets.yaml' -m 'mqtt_password: Sup3rS3cretPassw0rd' || fail "publish (smb)"
mosquitto_pub -h "$A1" -p 1883 -q 1 -r -t home/garage/door -m closed || fail "publish garage door"
scan filled audit "$A1" -p 1883 --depth topics --window 2
J=$T/filled.json
assert_json "$J" "$svc | [.findings[] | select(.id | startswith(\"files.\"))] | length == 0" "no file-share finding from a broker's topic"
assert_json "$J" "$svc | [.findings[] | select(.reproduce | test(\"smbclient\"))] | length == 0" "no smbclient line from a broker's topic"
assert_json "$J" "$svc | any(.findings[]; .id == \"generic.secret\" and .topic == \"(smb) secrets.yaml\" and (.reproduce | test(\"mosquitto_sub\")))" \
	"a secret published on '(smb) secrets.yaml' is an MQTT finding about that topic"
assert_json "$J" "$svc | any(.findings[]; .id == \"named.door_state\" and .topic == \"home/garage/door\" and .severity == \"high\" and (.title | test(\"garage door\")))" \
	"home/garage/door = closed: a garage door's state"
if grep -q 'Sup3rS3cretPassw0rd' "$J"; then fail "the secret appears unredacted"; else pass "the secret is redacted"; fi

# ---- 3. password file: logged in, named from the MQTT 5 CONNACK
A2=127.0.88.12
make_passwd "$T/passwd" owner ownerpw
start_mosquitto "$A2" 1883 "allow_anonymous false" "password_file $T/passwd" || { fail "mosquitto $A2"; finish; }
scan pw scan "$A2" -p 1883 --versions all -u owner -P ownerpw
assert_json "$T/pw.json" "$svc | .auth == \"authenticated\" and .broker.product == \"mosquitto\" and any(.broker.evidence[]; .source == \"connack_properties\")" \
	"password Mosquitto: named from its MQTT 5 CONNACK"

# ---- 4. sys_interval 0: no $SYS at all, still named
A3=127.0.88.13
start_mosquitto "$A3" 1883 "sys_interval 0" || { fail "mosquitto $A3"; finish; }
scan nosys audit "$A3" -p 1883 --depth topics --window 1
assert_json "$T/nosys.json" "$svc | .broker.product == \"mosquitto\" and .broker.version == null and ([.findings[] | select(.id == \"broker.version_cves\")] | length == 0)" \
	"sys_interval 0: product from the CONNACK, no version, so no CVE claim"

# ---- 5. Aedes: our own events are ours
A4=127.0.88.14
[ -d "$AE/node_modules/aedes" ] || { fail "tests/peers/aedes not installed (scripts/setup.sh)"; finish; }
node "$AE/server.mjs" --tcp "$A4:1883" --heartbeat 300 >"$T/aedes.out" 2>&1 &
track_pid $!
wait_port "$A4" 1883 20 || { fail "aedes $A4"; finish; }
(sleep 0.8 && timeout 3 mosquitto_sub -h "$A4" -p 1883 -i kitchen-tablet-7 -t 'x/y' -W 2 >/dev/null 2>&1) &
track_pid $!
scan aedes audit "$A4" -p 1883 --depth topics --window 2.5
J=$T/aedes.json
assert_json "$J" "$svc | .broker.product == \"aedes\" and .versions[\"5.0\"] == \"refused\"" "Aedes: named from \$SYS, MQTT 5 refused"
assert_json "$J" "$svc | any(.findings[]; .id == \"aedes.clients\" and (.remediation | test(\"authorizeSubscribe\")) and (.remediation | test(\"sys_interval\") | not))" \
	"another client's connect is a finding, with Aedes' own advice"
if jq -r "$svc | .findings[] | .title + \" \" + (.evidence // \"\")" "$J" | grep -qE 'msw-|kitchen-tablet-7'; then
	fail "a client id appears in a finding (ours must be skipped, theirs masked)"
else
	pass "our own client id is never a finding; the other one is masked"
fi

finish
