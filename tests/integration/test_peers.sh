#!/usr/bin/env bash
# The real peers that other tests build on (lib.sh), checked for what they show on their own:
#   1. ActiveMQ Classic (MQTT connector + console security) and RabbitMQ (rabbitmq_mqtt +
#      management): mqttsweep reaches both and reports an MQTT broker that lets anyone in;
#      the consoles challenge an anonymous request (401); every socket the brokers (and
#      RabbitMQ's epmd) listen on is a loopback address.
#   2. zmap on lo finds the one listening broker of a /28 and none of the closed addresses;
#      its output piped into `mqttsweep scan -iL -` yields that broker (needs root).
#   3. The browser harness (tests/peers/browser/render.mjs, headless Chromium) passes a report
#      page with a hostile topic escaped, and fails the page where the topic became markup that
#      runs, next to a fetch of http://127.0.0.1:1/x and a console error, naming each of them
#      in both views; it leaves no profile behind.
# RabbitMQ boots for ~15 s: it is launched first and waited for last.
#   127.0.89.1  RabbitMQ   mqtt, amqp, management (free ports)
#   127.0.89.2  ActiveMQ   mqtt, console
#   127.0.89.5  Mosquitto  for zmap (127.0.89.0/28 otherwise closed on that port)
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T=$(msw_tmpdir)
R=127.0.89.1 A=127.0.89.2 Z=127.0.89.5
R_MQTT=$(free_port $R) R_AMQP=$(free_port $R) R_MGMT=$(free_port $R)
A_MQTT=$(free_port $A) A_CONSOLE=$(free_port $A)
T0=$SECONDS

msw() {
	"$MSW_BIN" "$@" 2>>"$T/stderr.txt"
}

# listen_only_loopback NAME PID...: every listening TCP/UDP socket of these processes is on
# 127.x, ::1 or ::ffff:127.x.
listen_only_loopback() {
	local name=$1 pid addrs bad=""
	shift
	for pid in "$@"; do
		addrs=$(ss -H -ltunp | grep -F "pid=$pid," | awk '{print $5}')
		if [ -z "$addrs" ]; then
			fail "$name: pid $pid listens on nothing"
			return 1
		fi
		bad+=$(echo "$addrs" | grep -v -E '^(127\.|\[::1\]:|\[::ffff:127\.)' || true)
	done
	if [ -n "$bad" ]; then
		fail "$name listens beyond loopback: $bad"
	else
		pass "$name listens on loopback only"
	fi
}

launch_rabbitmq $R "$R_MQTT" "$R_AMQP" "$R_MGMT" || { fail "launch rabbitmq"; finish; }

# ---------------------------------------------------------------- 1a. ActiveMQ
if start_activemq $A "$A_MQTT" "$A_CONSOLE"; then
	msw scan $A -p "$A_MQTT" --format json >"$T/activemq.json"
	assert_json_all "$T/activemq.json" '.status == "success" and .mqtt == true and .auth == "anonymous"' \
		"activemq: mqttsweep sees an MQTT broker open to anyone"
	assert_eq 401 "$(http_status $A "$A_CONSOLE" /admin/)" "activemq console: anonymous request challenged"
	assert_eq 404 "$(http_status $A "$A_CONSOLE" /admin/ admin:admin)" \
		"activemq console: admin/admin passes the security layer (no web application behind it)"
	listen_only_loopback activemq "$AMQ_PID"
else
	fail "start activemq"
fi

# ---------------------------------------------------------------- 2. zmap -> mqttsweep
if [ "$(id -u)" -eq 0 ]; then
	ZP=$(free_port $Z)
	start_mosquitto $Z "$ZP" || fail "mosquitto for zmap"
	before=$(sysctl -n net.ipv4.conf.lo.route_localnet)
	if zmap_lo "$ZP" 127.0.89.0/28 "$T/zmap.txt"; then
		assert_eq "$Z" "$(tr -d '\r' <"$T/zmap.txt" | grep -v '^saddr$' | sort -u | paste -sd,)" \
			"zmap: exactly the listening address of 127.0.89.0/28"
	else
		fail "zmap_lo"
	fi
	assert_eq "$before" "$(sysctl -n net.ipv4.conf.lo.route_localnet)" "zmap: route_localnet restored"
	msw scan -iL - -p "$ZP" --format json <"$T/zmap.txt" >"$T/zmap-scan.json"
	assert_json_all "$T/zmap-scan.json" ".ip == \"$Z\" and .mqtt == true and .auth == \"anonymous\"" \
		"zmap output piped into scan -iL -: the broker"
else
	echo "note: not root: zmap part skipped (raw sockets)"
fi

# ---------------------------------------------------------------- 3. browser harness
# Two runs (each starts Chromium, ~4.5 CPU-seconds): the escaped page, and the same page with
# the topic injected as markup plus a fetch and a console error; each check names its finding.
page() { # page NAME BODY-FRAGMENT: a report-like page
	printf '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>report</title></head><body><h1>Brokers</h1><p>Topic: <code>%s</code></p></body></html>\n' "$2" >"$T/$1.html"
}
TOPIC='<img src=x onerror=alert(1)>'
page good '&lt;img src=x onerror=alert(1)&gt;<script data-msw>document.title = "ok";</script>'
page hostile "$TOPIC"'<script data-msw>fetch("http://127.0.0.1:1/x").catch(function () {}); console.error("boom");</script>'
render() { # render NAME: exit code; stdout/stderr kept in $T/NAME.{json,err}
	browser_render "$T/$1.html" "$T/shots-$1" --forbid-selector 'img[src=x]' \
		--forbid-selector 'script:not([data-msw])' --forbid-selector '[onerror]' \
		--expect-text "$TOPIC" >"$T/$1.json" 2>"$T/$1.err"
}
render good
rc=$?
assert_eq 0 "$rc" "browser: the escaped page passes"
[ $rc -eq 0 ] || cat "$T/good.err" >&2
assert_json "$T/good.json" '.ok == true and ([.views[].name] == ["desktop", "phone"])' "browser: desktop and phone views"
if [ -s "$T/shots-good/desktop.png" ] && [ -s "$T/shots-good/phone.png" ]; then
	pass "browser: a screenshot per width"
else
	fail "browser: screenshots missing"
fi
if ls -d "$T"/shots-*/.chromium-* >/dev/null 2>&1; then
	fail "browser: profile left behind"
else
	pass "browser: no profile left behind"
fi
render hostile
assert_eq 1 "$?" "browser: the hostile page fails"
for why in "forbidden selector 'img[src=x]'" "forbidden selector '[onerror]'" "expected text not visible" \
	"dialog (alert)" "network request: GET http://127.0.0.1:1/x" "console error: boom"; do
	if grep -F "render: FAIL desktop: " "$T/hostile.err" | grep -qF -- "$why" &&
		grep -F "render: FAIL phone: " "$T/hostile.err" | grep -qF -- "$why"; then
		pass "browser: named in both views: $why"
	else
		fail "browser: not named in both views: $why"
	fi
done
[ -n "$(grep -v '^render: FAIL' "$T/hostile.err")" ] && fail "browser: unexpected output: $(head -3 "$T/hostile.err")"

# ---------------------------------------------------------------- 1b. RabbitMQ
if wait_rabbitmq "$RMQ_DIR"; then
	msw scan $R -p "$R_MQTT" --format json >"$T/rabbitmq.json"
	assert_json_all "$T/rabbitmq.json" '.status == "success" and .mqtt == true and .auth == "anonymous"' \
		"rabbitmq: mqttsweep sees an MQTT broker open to anyone"
	assert_eq 401 "$(http_status $R "$R_MGMT" /api/overview)" "rabbitmq management: anonymous request challenged"
	listen_only_loopback "rabbitmq (node and epmd)" "$RMQ_PID" "$RMQ_EPMD_PID"
else
	fail "start rabbitmq"
fi

echo "test_peers: $((SECONDS - T0))s (activemq ${AMQ_START_S:-?}s, rabbitmq ${RMQ_START_S:-?}s to ready)"
finish
