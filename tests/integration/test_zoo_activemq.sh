#!/usr/bin/env bash
# The broker zoo, part ActiveMQ Classic: Debian's activemq with its MQTT transport connector on
# 127.0.88.2:1883, started once by lib.sh's start_activemq.
# What a new user met: "anonymous, no data", no product, although every '#' subscriber gets the
# broker's advisory topics (some named with '#'), and a retained home/garage/door = closed
# was not classified. Now: the product is named from its advisories, they are the broker's own
# (not the owner's data, said so), the garage door is a door_state finding, and the anonymous
# advice is ActiveMQ's own.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

A=127.0.88.2
T=$(msw_tmpdir)
for tool in java mosquitto_pub jq; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
[ -f /usr/share/activemq/bin/activemq.jar ] || { echo "SKIP: activemq not installed"; exit 77; }

# lib.sh's broker: non-persistent, the MQTT connector only (no console: this test scans topics)
start_activemq "$A" 1883 || { fail "ActiveMQ did not start"; finish; }
pass "ActiveMQ Classic with the MQTT connector started on $A"
# the connector may accept TCP a moment before it answers CONNECT
for _ in $(seq 1 50); do
	mosquitto_pub -h "$A" -p 1883 -q 1 -r -t home/garage/door -m closed 2>/dev/null && break
	sleep 0.2
done

J=$T/audit.json
"$MSW_BIN" audit "$A" -p 1883 --depth topics --window 2 -oJ "$J" >"$T/audit.out" 2>"$T/audit.err" ||
	fail "audit exit $?: $(head -c 400 "$T/audit.err")"
no_asan_report "$T/audit.err"
validate_schema "$J"
svc='select(.kind == "service" and .probe == "mqtt")'
assert_json "$J" "$svc | .auth == \"anonymous\" and .versions[\"3.1.1\"] == \"accepted\"" "anonymous, 3.1.1 accepted"
assert_json "$J" "$svc | .broker.product == \"activemq\" and any(.broker.evidence[]; .source == \"broker_topic\" and (.value | startswith(\"ActiveMQ/Advisory/\")))" \
	"product: activemq, named from its advisory topics"
assert_json "$J" "$svc | any(.topics.list[]; .topic | startswith(\"ActiveMQ/Advisory/\"))" "advisory topics delivered to '#'"
assert_json "$J" "$svc | (.error // \"\") | test(\"invalid topic name\")" \
	"advisory topic names with '#' are recorded as the broker's protocol violation, and kept"
assert_json "$J" "$svc | (.tags | index(\"broker_advisories\") != null) and any(.findings[]; .id == \"activemq.advisories\" and .severity == \"info\")" \
	"the record says the advisories are the broker's own"
assert_json "$J" "$svc | any(.findings[]; .id == \"named.door_state\" and .category == \"door_state\" and .topic == \"home/garage/door\"
	and (.title | test(\"garage door\")) and .confidence == \"inferred\")" \
	"retained home/garage/door = closed: a garage door's state (hand-named topic)"
assert_json "$J" "$svc | any(.findings[]; .id == \"mqtt.anonymous\" and (.title | test(\"delivered 1 message\")) and (.remediation | test(\"simpleAuthenticationPlugin\")))" \
	"anonymous: one message of the owner's (advisories not counted), ActiveMQ's own advice"
assert_json "$J" "$svc | .honeypot == null and ((.tags // []) | map(select(test(\"honeypot\"))) | length == 0)" \
	"a real broker: no honeypot signal"

finish
