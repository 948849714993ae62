#!/usr/bin/env bash
# The broker zoo, part RabbitMQ: Debian's rabbitmq-server with rabbitmq_mqtt and the
# management plugin, every listener on 127.0.88.1 (MQTT 1883, AMQP 5672, management 15672;
# epmd and the Erlang distribution port on 127.0.0.1), started once by lib.sh's start_rabbitmq.
# What a new user met: RabbitMQ was "anonymous, no data", no product, MQTT 5 "closed". Now:
# the product is named from how the versions are answered, the record says that retained
# messages never reach '#' there, the anonymous advice is RabbitMQ's own, and a retained
# message it holds is still there for an exact subscription.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

A=127.0.88.1
T=$(msw_tmpdir)
for tool in mosquitto_pub mosquitto_sub jq; do
	command -v "$tool" >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
[ -x "$MSW_RABBITMQ_BIN/rabbitmq-server" ] || { echo "SKIP: rabbitmq-server not installed"; exit 77; }

# lib.sh's node: MQTT, AMQP and management on $A at their usual ports (the host probes look
# there), its own epmd and distribution port on 127.0.0.1
start_rabbitmq "$A" 1883 5672 15672 || { fail "RabbitMQ did not start"; finish; }
pass "RabbitMQ with rabbitmq_mqtt started on $A"

# the household's state, retained: RabbitMQ keeps it, but only an exact filter gets it
mosquitto_pub -h "$A" -p 1883 -q 1 -r -t home/garage/door -m closed || fail "publish retained"
got=$(timeout 10 mosquitto_sub -h "$A" -p 1883 -t home/garage/door -C 1 -W 5 2>/dev/null)
assert_eq closed "$got" "RabbitMQ delivers the retained message to its exact topic"

J=$T/audit.json
"$MSW_BIN" audit "$A" -p 1883 --depth host --window 2 -oJ "$J" >"$T/audit.out" 2>"$T/audit.err" ||
	fail "audit exit $?: $(head -c 400 "$T/audit.err")"
no_asan_report "$T/audit.err"
validate_schema "$J"
svc='select(.kind == "service" and .probe == "mqtt")'
assert_json "$J" "$svc | .auth == \"anonymous\" and .versions[\"5.0\"] == \"closed\" and .versions[\"3.1.1\"] == \"accepted\"" \
	"anonymous; MQTT 5 closed without a CONNACK, 3.1.1 accepted"
assert_json "$J" "$svc | .broker.product == \"rabbitmq\" and any(.broker.evidence[]; .source == \"mqtt_versions\")" \
	"product: rabbitmq, named from how the versions were answered"
assert_json "$J" "$svc | .read_access == \"granted_no_data\" and .topics.count == 0" \
	"'#' granted and nothing delivered, although a retained message exists"
assert_json "$J" "$svc | (.tags | index(\"retained_not_on_wildcards\") != null)
	and any(.findings[]; .id == \"rabbitmq.retained_on_exact_topics\" and .severity == \"info\" and (.title | test(\"says little\")))" \
	"the record says retained messages never reach '#' on RabbitMQ"
assert_json "$J" "$svc | any(.findings[]; .id == \"mqtt.anonymous\" and (.remediation | test(\"mqtt.allow_anonymous\")))" \
	"anonymous advice in RabbitMQ's own terms"
assert_json "$J" "$svc | [.findings[] | select(.remediation | test(\"allow_anonymous false \\\\(Mosquitto|sys_interval\"))] | length == 0" \
	"no Mosquitto advice for RabbitMQ"
assert_json "$J" "$svc | .honeypot == null and ((.tags // []) | map(select(test(\"honeypot\"))) | length == 0)" \
	"a real broker: no honeypot signal"


# depth host: the AMQP port names product and version (0-9-1 Connection.Start), the CVE table
# applies to that banner ("may be affected", Debian's backport named), the management UI is
# RabbitMQ's and asks for a login
amqp='select(.kind == "service" and .probe == "amqp" and .port == 5672)'
RANK='{"info":0,"low":1,"medium":2,"high":3,"critical":4}'
assert_json "$J" "$amqp | .status == \"success\" and .amqp.protocol == \"0-9-1\" and .amqp.product == \"RabbitMQ\"
	and (.amqp.version | test(\"^3\\\\.\")) and (.amqp.mechanisms | index(\"PLAIN\") != null)" \
	"AMQP 5672: Connection.Start names RabbitMQ and its version"
assert_json "$J" "$amqp | .broker.product == \"rabbitmq\" and any(.broker.evidence[]; .source | test(\"^amqp:\"))" \
	"AMQP record: broker.product from the server properties"
assert_json "$J" "$amqp | any(.findings[]; .id == \"amqp.banner\") and any(.findings[]; .id == \"amqp.cleartext_auth\" and .severity == \"low\")" \
	"AMQP findings: banner, password logins on a clear-text port"
if [ "$(jq -r "$amqp | .amqp.version" "$J" | head -1)" = 3.10.8 ]; then
	assert_json "$J" "$amqp | any(.findings[]; .id == \"broker.version_cves\" and .confidence == \"version_match\"
		and (.remediation | test(\"deb12u1\")) and (.evidence | fromjson | .cves | map(.id) | index(\"CVE-2023-46118\") != null))" \
		"RabbitMQ 3.10.8: may be affected by CVE-2023-46118 (and Debian's build is named as patched)"
	assert_json "$J" "$amqp | ([.findings[] | select(.confidence != \"version_match\") | .severity] | map($RANK[.]) | max) as \$seen
		| [.findings[] | select(.confidence == \"version_match\") | $RANK[.severity]] | all(. <= \$seen)" \
		"the banner's CVEs rate no higher than what the AMQP port was seen to do"
fi
http='select(.kind == "service" and .probe == "http" and .port == 15672)'
assert_json "$J" "$http | .http.product_id == \"rabbitmq\" and .http.auth == \"login_required\" and .broker.product == \"rabbitmq\"" \
	"management 15672: RabbitMQ management, login required"
assert_json "$J" 'select(.kind == "host") | (.services | map(.probe) | index("amqp") != null)' \
	"host record lists the AMQP service"

finish
