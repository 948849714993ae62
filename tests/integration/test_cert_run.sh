#!/usr/bin/env bash
# A CERT-style run (127.0.81.0/24, one port): the numbers a study would publish must agree
# everywhere. On the /24: two anonymous Mosquitto listeners holding a person's location
# (which says she is at home), one broker asking for credentials, two silent listeners, a
# service that is not MQTT, one that hangs up, a black hole; every other address refuses.
# The terminal summary, the metadata file, `mqttsweep stats` (text and JSON) and the JSON
# lines must say the same: targets tried, each outcome, brokers by verdict, findings.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T=$(msw_tmpdir)
N=127.0.81
P=$(free_port $N.10)

start_mosquitto $N.10 "$P" "listener $P $N.11" || { fail "mosquitto open"; finish; }
make_passwd "$T/passwd" owner 'Cert-Run-Pass-83'
start_mosquitto $N.20 "$P" "allow_anonymous false" "password_file $T/passwd" || { fail "mosquitto pw"; finish; }
start_silent_listener $N.40 "$P" || { fail "silent 40"; finish; }
start_silent_listener $N.41 "$P" || { fail "silent 41"; finish; }
start_banner $N.50 "$P" $'HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n' || { fail "banner"; finish; }
start_banner $N.51 "$P" '' || { fail "hang-up"; finish; }
start_blackhole $N.60 "$P" || { fail "black hole"; finish; }
mosquitto_pub -h $N.10 -p "$P" -r -t 'owntracks/alice/phone' \
	-m '{"_type":"location","lat":52.520008,"lon":13.404954,"tst":1700000000,"tid":"al","inregions":["home"]}'

DB="$T/cert.db"
TERM=dumb script -qec "$MSW_BIN scan $N.0/24 -p $P --depth topics --window 1 --all --connect-timeout 1 \
	--io-timeout 3 --rate 500 -q --db $DB --metadata-file $T/meta.json -oJ $T/cert.json" /dev/null \
	>"$T/summary.txt" 2>&1
"$MSW_BIN" stats "$DB" --format json >"$T/stats.json" 2>"$T/stats.err" || fail "stats json"
"$MSW_BIN" stats "$DB" >"$T/stats.txt" 2>&1 || fail "stats text"
validate_schema "$T/cert.json"

m() { jq -r "$1" "$T/meta.json"; }
r() { jq -s "$1" "$T/cert.json"; }
s() { jq -r "$1" "$T/stats.json"; }
status_n() { r "map(select(.kind == \"service\" and (.status | IN($1)))) | length"; }

# the metadata against the JSON lines (--all: every tried target has its record)
assert_eq 256 "$(m .counts.targets_tried)" "metadata: 256 targets tried"
assert_eq 256 "$(m '[.counts.outcomes[]] | add')" "metadata: the outcomes add up"
assert_eq 256 "$(r 'map(select(.kind == "service")) | length')" "JSON lines: one record per target"
assert_eq "$(status_n '"success"')" "$(m .counts.outcomes.success)" "success"
assert_eq "$(status_n '"connection-refused"')" "$(m .counts.outcomes.refused)" "refused"
assert_eq "$(status_n '"connection-timeout"')" "$(m .counts.outcomes.no_answer)" "no answer"
assert_eq "$(status_n '"io-timeout"')" "$(m .counts.outcomes.timed_out)" "timed out"
assert_eq "$(status_n '"connection-closed"')" "$(m .counts.outcomes.closed)" "closed"
assert_eq "$(status_n '"handshake-error", "protocol-error", "application-error", "invalid-inputs", "unknown-error"')" \
	"$(m .counts.outcomes.errors)" "errors"
assert_eq 3 "$(m .counts.mqtt.speaking)" "three brokers"
assert_eq "$(r 'map(select(.mqtt)) | length')" "$(m .counts.mqtt.speaking)" "brokers: metadata = JSON lines"
assert_eq "$(r 'map(select(.auth == "anonymous")) | length')" "$(m .counts.mqtt.anonymous)" "anonymous: metadata = JSON lines"
assert_eq "$(r 'map(select(.auth | IN("credentials_required", "not_authorized", "client_cert_required"))) | length')" \
	"$(m .counts.mqtt.auth_required)" "asking for credentials: metadata = JSON lines"
assert_eq "$(r '[.[].findings | length] | add')" "$(m .counts.findings)" "findings: metadata = JSON lines"
assert_eq "$(r 'map(select(.source_ip != null)) | length')" "$(m .counts.connected)" "connected: metadata = JSON lines"

# the summary against the metadata
sum=$(tr -d '\r' <"$T/summary.txt" | grep '^Scan ')
o=".counts.outcomes"
want="256 targets tried ($(m $o.success) completed, $(m $o.refused) refused, $(m $o.no_answer) no answer, $(m $o.timed_out) timed out after connecting, $(m $o.closed) closed early, $(m $o.errors) errors), $(m .counts.connected) connected. $(m .counts.mqtt.speaking) speak MQTT ($(m .counts.mqtt.anonymous) open to anyone, $(m .counts.mqtt.auth_required) asking for credentials); $(m .counts.findings) findings."
case $sum in
*"$want") pass "summary = metadata" ;;
*) fail "summary: '$sum', want '$want'" ;;
esac

# stats against the metadata and the JSON lines
assert_eq "$(m .counts.targets_tried)" "$(s .targets_tried)" "stats: targets tried"
assert_eq "$(m .counts.connected)" "$(s .metrics.connected.count)" "stats: targets connected"
assert_eq "$(m .counts.mqtt.speaking)" "$(s .metrics.speaking_mqtt.count)" "stats: brokers speaking MQTT"
assert_eq "$(m .counts.mqtt.anonymous)" "$(s .metrics.anonymous.count)" "stats: open to anyone"
assert_eq "$(m .counts.mqtt.auth_required)" "$(s .metrics.password_protected.count)" "stats: asking for credentials"
assert_eq "$(r 'map(select(.read_access == "granted_with_data" and (.auth | IN("anonymous", "any_credentials")))) | length')" \
	"$(s .metrics.readable.count)" "stats: readable by anyone = JSON lines"
# .10 and .11 are one Mosquitto with two listeners: two brokers hold alice's location
assert_eq "$(r 'map(select(.findings | map(.category) | index("location"))) | length')" \
	"$(s .metrics.brokers_leaking_location.count)" "stats: brokers leaking a location = JSON lines"
assert_eq 2 "$(s .metrics.brokers_leaking_location.count)" "stats: two brokers leak a location"
assert_eq 2 "$(s .metrics.people_located.count)" "stats: a person per broker"
# presence: alice's location says she is in her region "home"
assert_eq "$(r 'map(select(.findings | map(.category) | index("presence"))) | length')" \
	"$(s .metrics.brokers_leaking_presence.count)" "stats: brokers revealing who is at home = JSON lines"
assert_eq 2 "$(s .metrics.brokers_leaking_presence.count)" "stats: two brokers reveal who is at home (inregions)"
# the population of brokers adds up to 100 % once
assert_eq "$(s .metrics.speaking_mqtt.count)" \
	"$(s '[.metrics | .anonymous, .any_credentials, .authenticated, .password_protected, .other_verdicts | .count] | add')" \
	"stats: the brokers' verdicts add up"
# every line of the text names its population in the words of the JSON "of"
bad=$(grep -E '%' "$T/stats.txt" | grep -vE '% of (targets tried|brokers speaking MQTT|brokers asking for credentials|hosts with a service)\)' || true)
[ -z "$bad" ] && pass "stats: every percentage names its population" || fail "stats lines without a named population: $bad"
grep -q "Targets tried  *256  (1 run)" "$T/stats.txt" && pass "stats text: targets tried" || fail "stats text: $(head -5 "$T/stats.txt")"

finish
