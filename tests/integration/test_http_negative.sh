#!/usr/bin/env bash
# The http host probe against servers that are none of the products (127.0.93.4):
# python3 -m http.server (a plain file server) and tests/peers/plainhttp/hostile_http.py
# (a catch-all JSON server, a redirect loop, an off-host redirect, an 8 MiB chunked body,
# garbage, a header flood, a slowloris head, WebSocket upgrades with a wrong and a right
# accept key). Expected: no product claimed and no finding at all; only GETs, each with a
# User-Agent naming mqttsweep; redirects bounded and never off-host; bodies capped; the
# scan bounded in time; the one correct MQTT-over-WebSocket upgrade listed as an endpoint.
. "$(dirname "$0")/lib.sh"
T=$(msw_tmpdir)
A=127.0.93.4
LOG="$T/requests.jsonl"
export LSAN_OPTIONS="suppressions=$MSW_SOURCE_DIR/tests/peers/samba/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

mkdir -p "$T/www"
echo '<html><head><title>Holiday photos</title></head><body>hi</body></html>' >"$T/www/index.html"
echo 'just a file' >"$T/www/notes.txt"
python3 -m http.server 8080 --bind $A --directory "$T/www" >"$T/plain.log" 2>&1 &
track_pid $!
python3 "$MSW_SOURCE_DIR/tests/peers/plainhttp/hostile_http.py" $A "$LOG" \
	catchall=8123 redirect=1880 offhost=3000 bigchunk=5000 garbage=6052 headers=8091 \
	slow=8581 wsbad=8083 wsmqtt=9001 interim=15672 >"$T/hostile.out" 2>&1 &
track_pid $!
# HTTPS on 8443 (a TLS variant port): the same probe through the engine's TLS layer
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$A" -keyout "$T/key.pem" \
	-out "$T/cert.pem" >/dev/null 2>&1
python3 -c 'import http.server, ssl, sys
d = sys.argv[3]
class H(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k):
        super().__init__(*a, directory=d, **k)
s = http.server.HTTPServer((sys.argv[1], 8443), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2] + "/cert.pem", sys.argv[2] + "/key.pem")
s.socket = ctx.wrap_socket(s.socket, server_side=True)
s.serve_forever()' $A "$T" "$T/www" >"$T/tls.log" 2>&1 &
track_pid $!
python3 "$MSW_SOURCE_DIR/tests/peers/plainhttp/hostile_http.py" 127.0.93.9 "$T/ws9.jsonl" wsclose=8080 \
	>"$T/ws9.out" 2>&1 &
track_pid $!
python3 "$MSW_SOURCE_DIR/tests/peers/plainhttp/hostile_http.py" 127.0.93.10 "$T/ws10.jsonl" wsdata=8080 \
	>"$T/ws10.out" 2>&1 &
track_pid $!
wait_port 127.0.93.9 8080 10 && wait_port 127.0.93.10 8080 10 || fail "WebSocket peers"
for p in 8080 8123 1880 3000 5000 6052 8091 8581 8083 9001 8443 15672; do
	wait_port $A $p 10 || fail "port $p did not open"
done

start=$(date +%s%N)
"$MSW_BIN" audit $A --probe-all --io-timeout 2 --timeout 20 --format json >"$T/scan.json" 2>"$T/scan.err"
rc=$?
el=$(( ($(date +%s%N) - start) / 1000000 ))
assert_eq 0 $rc "mqttsweep exit code"
[ $el -lt 15000 ] && pass "scan finished in ${el} ms" || fail "scan took ${el} ms"
no_asan_report "$T/scan.err"
validate_schema "$T/scan.json"

H='select(.probe == "http")'
assert_json "$T/scan.json" "$H | .port == 8080 and .status == \"success\"" "plain file server answered"
assert_json_all "$T/scan.json" "if .probe == \"http\" then ((.http.product // null) == null and ((.http.auth // \"unknown\") == \"unknown\")) else true end" "no product claimed on any port"
assert_json_all "$T/scan.json" '[.findings[]? | select(.category == "dashboard" or .category == "location")] | length == 0' "no dashboard finding at all"
assert_json "$T/scan.json" "$H | .port == 5000 and (.http.paths | map(select(.truncated == true)) | length) >= 1" "8 MiB chunked body capped (truncated)"
assert_json "$T/scan.json" "$H | .port == 9001 and (.http.mqtt_ws_endpoints | index(\"ws://127.0.93.4:9001/mqtt\")) != null" "MQTT-over-WebSocket endpoint listed (correct 101 + mqtt)"
assert_json "$T/scan.json" "$H | .port == 8083 and (.http.mqtt_ws_endpoints | length) == 0" "wrong Sec-WebSocket-Accept: not an endpoint"
assert_json "$T/scan.json" "$H | .port == 6052 and .status == \"protocol-error\"" "garbage: protocol-error"
assert_json "$T/scan.json" "$H | .port == 15672 and (.http.paths | map(select(.path == \"/\" and .status == 200 and .bytes == 5)) | length) == 1" "interim 1xx responses skipped: the final 200 counts"
assert_json "$T/scan.json" "$H | .port == 8443 and .transport == \"tls\" and .status == \"success\" and .tls != null and (.http.paths | map(select(.status == 404)) | length) >= 1" "HTTPS through the TLS layer: tls block in the record"

# what the servers saw
assert_json_all "$LOG" '.method == "GET"' "only GET requests"
assert_json_all "$LOG" '.ua | test("^mqttsweep/")' "every request names mqttsweep in its User-Agent"
assert_eq 0 "$(jq -s 'map(select(.path == "/zz-offhost")) | length' "$LOG")" "off-host redirect not followed"
n=$(jq -s 'map(select(.port == 1880)) | length' "$LOG")
[ "$n" -le 32 ] && pass "redirect loop bounded ($n requests)" || fail "redirect loop: $n requests"
assert_eq 0 "$(jq -s 'map(select(.path | test("^/r[0-9]+$")) | .path | ltrimstr("/r") | tonumber | select(. > 40)) | length' "$LOG")" "no deep redirect chain"
grep -q '"GET / HTTP/1.1" 200' "$T/plain.log" && pass "plain server saw GET /" || fail "plain server log: no GET /"

# WebSocket verdicts read from the server's frames (ping skipped, close code, data frame)
"$MSW_BIN" audit 127.0.93.9 127.0.93.10 --probe-all --io-timeout 2 --format json >"$T/ws.json" 2>"$T/ws.err"
no_asan_report "$T/ws.err"
assert_json "$T/ws.json" '.probe == "http" and .ip == "127.0.93.9" and (.http.paths | map(select(.path == "/api" and .status == 101 and .ws_close_code == 4401)) | length) == 1' "WebSocket closed with 4401: close code read (after a ping)"
assert_json "$T/ws.json" '.probe == "http" and .ip == "127.0.93.10" and (.http.paths | map(select(.path == "/api" and .status == 101 and .ws_data == true and (has("ws_close_code") | not))) | length) == 1' "WebSocket that pushes data: accepted, data seen, no close"
assert_json_all "$T/ws.json" 'if .probe == "http" then .http.product == null and (.findings | length) == 0 else true end' "WebSocket peers without a product marker: nothing claimed"

# --try-default-logins: still nothing tried where no product was identified
: >"$LOG"
"$MSW_BIN" audit $A --probe-all --try-default-logins --io-timeout 2 --timeout 20 --format json \
	>"$T/logins.json" 2>"$T/logins.err"
assert_eq 0 $? "mqttsweep exit code (--try-default-logins)"
no_asan_report "$T/logins.err"
assert_json_all "$LOG" '.method == "GET" and (.headers | has("authorization") | not)' "no login attempt on unidentified servers"
assert_eq 0 "$(jq -s 'map(select(.path == "/api/user" or .path == "/api/v5/login" or .path == "/api/whoami")) | length' "$LOG")" "no login API requested"
finish
