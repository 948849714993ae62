#!/usr/bin/env bash
# Aedes (npm aedes@1 + ws@8, tests/peers/aedes) as a second, independent broker: plain TCP,
# WebSocket (/mqtt), WSS; an "accept any username/password" hook, a "reject all" hook, and
# a WebSocket listener on /ws only (path retry). Aedes has no MQTT 5: a 5.0 CONNECT is
# refused, which exercises version fallback.
#   127.0.98.1  --auth none    tcp 18830, ws 18831, wss 18832, retained 300 KB message
#   127.0.98.2  --auth any     tcp 18830, ws 18831
#   127.0.98.3  --auth reject  tcp 18830, ws 18831
#   127.0.98.4  --auth none    ws 18831 at /ws only
#   127.0.98.5  --auth none    ws 18831 accepting only the "mqttv3.1" subprotocol (old brokers)
#   127.0.98.7  --acl          tcp 18830: accounts with authorizeSubscribe/authorizePublish
#                              hooks; the access map of each compared with its rights
# Part 1 drives the layer stack (tests/tools/layer_client); part 2 runs mqttsweep.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T=$(msw_tmpdir)
C=$T/certs
A=$MSW_SOURCE_DIR/tests/peers/aedes
LC=${MSW_LAYER_CLIENT:-$MSW_BUILD_DIR/layer_client}

if [ ! -d "$A/node_modules/aedes" ]; then
	(cd "$A" && npm install --no-audit --no-fund --loglevel=error) >"$T/npm.log" 2>&1 ||
		{ cat "$T/npm.log" >&2; fail "npm install in tests/peers/aedes"; finish; }
fi
bash "$MSW_SOURCE_DIR/tests/peers/certs.sh" "$C" localhost 127.0.98.1 || { fail "certs.sh"; finish; }

aedes() { # name args...
	local name=$1
	shift
	node "$A/server.mjs" "$@" >"$T/aedes-$name.out" 2>"$T/aedes-$name.err" &
	track_pid $!
}
aedes open --tcp 127.0.98.1:18830 --ws 127.0.98.1:18831 --wss 127.0.98.1:18832 \
	--cert "$C/valid.crt" --key "$C/valid.key" --retain big/topic:300000 --heartbeat 300
aedes any --auth any --tcp 127.0.98.2:18830 --ws 127.0.98.2:18831 --heartbeat 300
aedes reject --auth reject --tcp 127.0.98.3:18830 --ws 127.0.98.3:18831
aedes wspath --ws 127.0.98.4:18831/ws --heartbeat 300
aedes old --ws 127.0.98.5:18831 --ws-protocol mqttv3.1
for hp in 127.0.98.1:18830 127.0.98.1:18831 127.0.98.1:18832 127.0.98.2:18830 127.0.98.2:18831 \
	127.0.98.3:18830 127.0.98.3:18831 127.0.98.4:18831 127.0.98.5:18831; do
	wait_port "${hp%:*}" "${hp#*:}" 20 || { cat "$T"/aedes-*.err >&2; fail "aedes on $hp"; finish; }
done

# ---- part 1: layers ----
lc() { # name args...
	local name=$1
	shift
	"$LC" "$@" >"$T/lc-$name.json" 2>"$T/lc-$name.err"
	no_asan_report "$T/lc-$name.err"
}
if [ -x "$LC" ]; then
	lc tcp -t tcp -a 127.0.98.1 -p 18830 -s 'big/#'
	assert_json "$T/lc-tcp.json" '.handshake=="ok" and .connack_code==0 and .publish_bytes==300015' "layers: Aedes tcp, 300 KB retained message"
	lc ws -t ws -a 127.0.98.1 -p 18831 -s 'big/#'
	assert_json "$T/lc-ws.json" '.handshake=="ok" and .connack_code==0 and .publish_bytes==300015
		and .transport_security=="plaintext" and .websocket.upgraded and .websocket.subprotocol=="mqtt"
		and .websocket.path=="/mqtt" and .websocket.http_status==101 and .websocket.accept_ok
		and .websocket.messages_received > 3' \
		"layers: Aedes ws, one MQTT packet across WebSocket messages"
	lc wss -t wss -a 127.0.98.1 -p 18832 --cafile "$C/ca.crt" -s 'big/#'
	assert_json "$T/lc-wss.json" '.handshake=="ok" and .connack_code==0 and .publish_bytes==300015
		and .transport_security=="tls_verified" and .websocket.upgraded and .tls.verdicts.chain_verified' \
		"layers: Aedes wss (ws over tls), verified"
	lc v5 -t ws -a 127.0.98.1 -p 18831 -V 5
	assert_json "$T/lc-v5.json" '.handshake=="ok" and .connack_code!=0' "layers: Aedes refuses an MQTT 5.0 CONNECT"
	lc any -t ws -a 127.0.98.2 -p 18831 -u nobody -P whatever
	assert_json "$T/lc-any.json" '.connack_code==0' "layers: accept-any hook takes made-up credentials"
	lc anyanon -t ws -a 127.0.98.2 -p 18831
	assert_json "$T/lc-anyanon.json" '.connack_code==5' "layers: accept-any hook refuses anonymous"
	lc rej -t tcp -a 127.0.98.3 -p 18830 -u nobody -P whatever
	assert_json "$T/lc-rej.json" '.connack_code==4' "layers: reject hook → 4"
	lc path -t ws -a 127.0.98.4 -p 18831
	assert_json "$T/lc-path.json" '.handshake=="ok" and .connack_code==0 and .connections==3 and .websocket.path=="/ws"
		and ([.websocket.paths_tried[].status]==[400,400,101]) and .error==null' \
		"layers: /mqtt and / refused, /ws found on the third connection"
	lc fixed -t ws -a 127.0.98.4 -p 18831 --ws-path /nope
	assert_json "$T/lc-fixed.json" '.handshake=="handshake failed" and .connections==1 and .websocket.http_status==400
		and (.error|test("400"))' "layers: --ws-path is the only path tried"
	lc old -t ws -a 127.0.98.5 -p 18831 -V 3
	assert_json "$T/lc-old.json" '.handshake=="ok" and .connack_code==0 and .websocket.subprotocol=="mqttv3.1"' \
		"layers: a broker that only knows the mqttv3.1 subprotocol picks it from our list"
	lc notws -t ws -a 127.0.98.1 -p 18830
	assert_json "$T/lc-notws.json" '.handshake=="handshake failed" and (.websocket.upgraded|not)' \
		"layers: WebSocket against plain MQTT fails cleanly"
else
	fail "layer_client not built ($LC)"
fi

# ---- part 2: mqttsweep ----
if [ ! -x "$MSW_BIN" ]; then
	fail "mqttsweep binary missing ($MSW_BIN)"
	finish
fi
run() { # name args...
	local name=$1
	shift
	"$MSW_BIN" audit -q --window 2 --seed 1 "$@" -oJ "$T/$name.json" >"$T/$name.out" 2>"$T/$name.err"
	echo "$?" >"$T/$name.rc"
	no_asan_report "$T/$name.err"
}
run open 127.0.98.1 -p 18830/tcp,18831/ws,18832/wss --cafile "$C/ca.crt"
R=$T/open.json
assert_eq 0 "$(cat "$T/open.rc")" "mqttsweep exit code"
validate_schema "$R"
for tp in 18830:tcp 18831:ws 18832:wss; do
	port=${tp%:*} tr=${tp#*:}
	assert_json "$R" ".port==$port and .transport==\"$tr\" and .status==\"success\" and .auth==\"anonymous\"
		and .mqtt_version==\"3.1.1\" and .versions[\"5.0\"]!=\"accepted\" and .versions[\"3.1.1\"]==\"accepted\"" \
		"scan: Aedes $tr → anonymous, 3.1.1 accepted, 5.0 refused"
	assert_json "$R" ".port==$port and (.broker.product|ascii_downcase|test(\"aedes\"))" "scan: Aedes $tr → broker aedes"
done
assert_json "$R" '.port==18830 and .transport_security=="plaintext"' "scan: tcp → plaintext"
assert_json "$R" '.port==18831 and .transport_security=="plaintext" and .websocket.subprotocol=="mqtt" and .websocket.path=="/mqtt" and .tls==null' \
	"scan: ws → websocket block, plaintext"
assert_json "$R" '.port==18832 and .transport_security=="tls_verified" and .websocket.upgraded and .tls.verdicts.chain_verified' \
	"scan: wss → websocket and tls blocks, tls_verified"
assert_json "$R" '.port==18831 and .read_access=="granted_with_data"' "scan: ws subscription reads the retained message"

run any 127.0.98.2 -p 18830/tcp,18831/ws --auth-probe
assert_json "$T/any.json" '.port==18830 and .auth=="any_credentials"' "scan: accept-any hook over tcp → any_credentials"
assert_json "$T/any.json" '.port==18831 and .transport=="ws" and .auth=="any_credentials"' "scan: accept-any hook over ws → any_credentials"
run reject 127.0.98.3 -p 18830/tcp,18831/ws --auth-probe
assert_json_all "$T/reject.json" '.kind!="service" or .auth=="credentials_required"' "scan: reject hook → credentials_required (tcp and ws)"
assert_json "$T/reject.json" '.port==18831 and .transport=="ws" and .auth=="credentials_required"' "scan: reject hook over ws → credentials_required"
run wspath 127.0.98.4 -p 18831/ws
assert_json "$T/wspath.json" '.transport=="ws" and .auth=="anonymous" and .websocket.path=="/ws"' \
	"scan: WebSocket found at /ws after /mqtt and / were refused"
run old 127.0.98.5 -p 18831/ws
assert_json "$T/old.json" '.transport=="ws" and .auth=="anonymous" and .websocket.subprotocol=="mqttv3.1"' \
	"scan: mqttv3.1-only WebSocket broker audited"
run wsurl "ws://127.0.98.4:18831/ws"
assert_json "$T/wsurl.json" '.kind=="service" and .transport=="ws" and .auth=="anonymous" and .websocket.path=="/ws"
	and (.websocket.paths_tried|length)==1' "scan: ws:// URL path is used as given"
run wsspath 127.0.98.1 -p 18832/wss --ws-path /mqtt --cafile "$C/ca.crt"
assert_json "$T/wsspath.json" '.transport=="wss" and .status=="success" and .websocket.path=="/mqtt"' "scan: --ws-path over wss"

# depth host: an MQTT-over-WebSocket endpoint the http probe finds (9001, /mqtt) is handed
# to the MQTT probe (stage 3) unless that port was already probed as MQTT
aedes hostws --tcp 127.0.98.6:1883 --ws 127.0.98.6:9001 --heartbeat 300
if wait_port 127.0.98.6 1883 20 && wait_port 127.0.98.6 9001 20; then
	run hostws 127.0.98.6 -p 1883
	H=$T/hostws.json
	validate_schema "$H"
	assert_json "$H" '.probe=="http" and .port==9001 and (.http.mqtt_ws_endpoints|index("ws://127.0.98.6:9001/mqtt"))!=null' \
		"host: http probe lists the MQTT WebSocket endpoint on 9001"
	assert_json "$H" '.kind=="service" and .probe=="mqtt" and .port==9001 and .transport=="ws" and .status=="success"
		and .auth=="anonymous" and .websocket.path=="/mqtt" and (.websocket.paths_tried|length)==1' \
		"host: the endpoint is audited as MQTT over ws at its path"
	assert_eq 1 "$(jq -s '[.[] | select(.probe=="mqtt" and .port==9001)] | length' "$H")" "host: one MQTT record for 9001"
	assert_json "$H" '.kind=="host" and any(.services[]; .probe=="mqtt" and .port==9001 and .transport=="ws" and .auth=="anonymous")' \
		"host record: the ws broker is one of the host's services"
	run hostws2 127.0.98.6 -p 1883,9001/ws
	assert_eq 1 "$(jq -s '[.[] | select(.probe=="mqtt" and .port==9001)] | length' "$T/hostws2.json")" \
		"host: 9001 already probed as MQTT → not queued again"
	run hostws3 127.0.98.6 -p 1883 --depth topics
	assert_eq 0 "$(jq -s '[.[] | select(.port==9001)] | length' "$T/hostws3.json")" "depth topics: no host stage, no ws hand-off"
else
	fail "aedes on 127.0.98.6:1883/9001"
fi

# ---- the access map against authorizeSubscribe/authorizePublish hooks (127.0.98.7) ----
# Aedes refuses a subscription with SUBACK 0x80 and a publish by closing the connection:
# reads come from the SUBACKs, a refused write from the closing (the probe reconnects and
# goes on), an allowed one from its echo or, where it cannot read it back, from the broker
# not closing on it after it closed on others.
cat >"$T/acl.json" <<'EOF'
{"users": {
  "reader": {"password": "Rd-aedes-71", "read": ["home/#", "owntracks/%u/#"], "write": ["owntracks/%u/#"]},
  "writer": {"password": "Wr-aedes-52", "read": ["owntracks/%u/#"], "write": ["home/#", "owntracks/%u/#"]},
  "admin": {"password": "Ad-aedes-93", "read": ["#"], "write": ["#"]}},
 "anonymous": {"read": ["$SYS/#"], "write": []}}
EOF
aedes acl --tcp 127.0.98.7:18830 --acl "$T/acl.json" --heartbeat 300 --events "$T/events.jsonl"
ACL_PID=$!
if wait_port 127.0.98.7 18830 20; then
	for t in home/door owntracks/reader/phone garden/light; do
		mosquitto_pub -h 127.0.98.7 -p 18830 -u admin -P Ad-aedes-93 -r -t $t -m x
	done
	printf 'reader:Rd-aedes-71\nwriter:Wr-aedes-52\nadmin:Ad-aedes-93\n' >"$T/creds"
	printf 'owntracks/%%u/#\nhome/#\n' >"$T/topics"
	"$MSW_BIN" scan 127.0.98.7 -p 18830 --depth topics --window 1 --credentials "$T/creds" \
		--acl-topics "$T/topics" --acl-filters 12 --publish-proof --format json \
		>"$T/acl.out" 2>"$T/acl.err"
	no_asan_report "$T/acl.err"
	validate_schema "$T/acl.out"
	arow() { jq -r --arg u "$1" --arg f "$2" '.accounts[] | select(.user == $u) | .acl[] |
		select(.filter == $f) | "\(.read) \(.write)"' "$T/acl.out"; }
	assert_json_all "$T/acl.out" '(.accounts | map(.user)) == ["reader", "writer", "admin"] and .mqtt_version == "3.1.1"' \
		"acl: three accounts (3.1.1: Aedes has no MQTT 5)"
	assert_eq "granted denied" "$(arow reader 'home/#')" "acl reader: home/# readable, not writable"
	assert_eq "granted confirmed" "$(arow reader 'owntracks/reader/#')" "acl reader: own owntracks subtree"
	assert_eq "denied accepted" "$(arow writer 'home/#')" "acl writer: home/# refused to read, written (not closed on)"
	assert_eq "granted confirmed" "$(arow writer 'owntracks/writer/#')" "acl writer: own owntracks subtree"
	for f in '#' 'home/#' 'owntracks/#'; do
		assert_eq "granted confirmed" "$(arow admin "$f")" "acl admin: $f read and written"
	done
	for u in reader writer; do
		assert_eq denied "$(arow $u '#' | cut -d' ' -f1)" "acl $u: # refused (SUBACK 0x80)"
		assert_json_all "$T/acl.out" "[.accounts[] | select(.user == \"$u\") | .acl[] | select(.suback == 128) | .read] | all(. == \"denied\")" \
			"acl $u: every SUBACK 0x80 is a denied read"
		assert_json_all "$T/acl.out" "[.accounts[] | select(.user == \"$u\") | .acl[0].write] == [\"denied\"]" \
			"acl $u: the write proof refused (connection closed)"
	done
	assert_eq denied "$(arow admin '$SYS/#' | cut -d' ' -f1)" "acl admin: '#' does not cover \$SYS"
	"$MSW_BIN" scan 127.0.98.7 -p 18830 --depth topics --window 1 --acl-filters 12 --publish-proof \
		--format json >"$T/acl-anon.out" 2>>"$T/acl.err"
	assert_json_all "$T/acl-anon.out" '.auth == "anonymous" and ([.acl[] | select(.read == "granted") | .filter] == ["$SYS/#"])' \
		"acl anonymous: \$SYS/# and nothing else readable"
	assert_json_all "$T/acl-anon.out" '.write_access == "denied" and ([.acl[] | .write] | all(. == "denied" or . == "untested"))' \
		"acl anonymous: nothing writable"
	mosquitto_sub -h 127.0.98.7 -p 18830 -u admin -P Ad-aedes-93 -v -W 2 -t '#' >"$T/acl-left.txt" 2>/dev/null
	grep -q mqttsweep "$T/acl-left.txt" && fail "acl: a retained message of ours left on the broker" ||
		pass "acl: no message of ours retained ($(wc -l <"$T/acl-left.txt") retained: the three seeded)"
	grep -q -e Rd-aedes-71 -e Wr-aedes-52 -e Ad-aedes-93 "$T/acl.out" "$T/acl.err" &&
		fail "acl: a password in the output" || pass "acl: no password in the output"
	# what the broker saw of us (its event log): clean sessions, no retained or observed
	# topic written, every connection of ours gone, each with DISCONNECT unless the broker
	# closed it on a refused write
	kill -USR2 "$ACL_PID" && sleep 0.5
	ev() { jq -c "select(.id | tostring | startswith(\"msw-\")) | $1" "$T/events.jsonl"; }
	nconn=$(ev 'select(.ev == "connect")' | wc -l)
	[ "$nconn" -gt 0 ] && assert_eq "$nconn" "$(ev 'select(.ev == "connect" and .clean)' | wc -l)" \
		"acl: all $nconn connections of ours with a clean session" || fail "acl: no connection of ours logged"
	assert_eq "" "$(ev 'select(.ev == "publish" and (.retain or (.topic | test("^(home/door|owntracks/reader/phone|garden/light)$|^\\$"))))')" \
		"acl: no publish of ours retained, to an observed topic or to \$SYS"
	npub=$(ev 'select(.ev == "publish")' | wc -l)
	nw=$(jq -s '[.[] | ((.accounts // [])[] | .acl[]?), (select(.accounts == null) | .acl[]?) | select(.write_topic and (.write == "confirmed" or .write == "accepted"))] | length' \
		"$T/acl.out" "$T/acl-anon.out")
	assert_eq "$nw" "$npub" "acl: the broker let through exactly the $nw writes the maps call confirmed or accepted"
	assert_eq "$nconn" "$(ev 'select(.ev == "close")' | wc -l)" "acl: every connection of ours closed"
	nrefused=$(jq -s '[.[] | ((.accounts // [])[] | .acl[]?), (select(.accounts == null) | .acl[]?) | select(.write_topic and .write == "denied")] | length' \
		"$T/acl.out" "$T/acl-anon.out")
	nunclean=$(ev 'select(.ev == "close" and (.disconnect | not))' | wc -l)
	[ "$nunclean" -le "$nrefused" ] && pass "acl: $((nconn - nunclean)) closed by our DISCONNECT, $nunclean by the broker on a refused write ($nrefused refused)" ||
		fail "acl: $nunclean connections ended without DISCONNECT, only $nrefused writes refused"
	assert_eq 0 "$(jq -s '[.[] | select(.ev == "state")] | last | .clients' "$T/events.jsonl")" \
		"acl: no client connected to the broker afterwards"
else
	fail "aedes --acl on 127.0.98.7"
fi
finish
