#!/usr/bin/env bash
# Runs the broker × transport × MQTT version matrix against real peers on loopback and
# prints it as a Markdown table (docs/transport-matrix.md is made from its output).
#   Mosquitto 2.0.11: tcp 127.0.94.20:18830, tls 127.0.94.20:18883
#   Aedes 1.2.x:      tcp/tls/ws/wss 127.0.98.20:18830/18833/18831/18832
# Layer rows use tests/tools/layer_client (one CONNECT per version, the CONNACK code);
# with MSW_BIN set, a second table shows what `mqttsweep audit` recorded per service.
# usage: matrix.sh LAYER_CLIENT [MSW_BIN]
set -u
LC=${1:?usage: matrix.sh LAYER_CLIENT [MSW_BIN]}
MSW=${2:-}
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
T=$(mktemp -d /tmp/msw-matrix.XXXXXX)
chmod 0777 "$T"
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; sleep 0.3; rm -rf "$T"' EXIT

bash "$SRC/tests/peers/certs.sh" "$T/c" localhost 127.0.94.20,127.0.98.20 >/dev/null
cat >"$T/m.conf" <<EOF
allow_anonymous true
persistence false
log_dest none
listener 18830 127.0.94.20
listener 18883 127.0.94.20
certfile $T/c/valid.crt
keyfile $T/c/valid.key
EOF
chmod 0644 "$T/m.conf"
mosquitto -c "$T/m.conf" >/dev/null 2>&1 &
PIDS+=($!)
node "$SRC/tests/peers/aedes/server.mjs" --tcp 127.0.98.20:18830 --tls 127.0.98.20:18833 \
	--ws 127.0.98.20:18831 --wss 127.0.98.20:18832 --cert "$T/c/valid.crt" --key "$T/c/valid.key" \
	--heartbeat 300 >/dev/null 2>&1 &
PIDS+=($!)
sleep 2

mver=$(mosquitto -h 2>/dev/null | sed -n 's/^mosquitto version \([0-9.]*\).*/\1/p' | head -1)
aver=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$SRC/tests/peers/aedes/node_modules/aedes/package.json" | head -1)

connack_name() {
	case $1 in
	0) echo "accepted (0)" ;; 1) echo "refused: protocol version (1)" ;;
	2) echo "refused: identifier (2)" ;; 4) echo "refused: credentials (4)" ;; 5) echo "refused: not authorized (5)" ;;
	132) echo "refused: unsupported protocol version (0x84)" ;; -1) echo "no CONNACK" ;; *) echo "code $1" ;;
	esac
}

echo "| broker | transport | MQTT | result | transport_security | notes |"
echo "|---|---|---|---|---|---|"
row() { # broker addr port transport
	local broker=$1 addr=$2 port=$3 tr=$4 v name out res sec notes
	for v in 3 4 5; do
		case $v in 3) name=3.1 ;; 4) name=3.1.1 ;; 5) name=5.0 ;; esac
		out=$("$LC" -t "$tr" -a "$addr" -p "$port" -V "$v" --cafile "$T/c/ca.crt" -w 3000 2>/dev/null)
		res=$(echo "$out" | jq -r 'if .handshake != "ok" then "transport: \(.handshake)"
			elif .connack_code == null then "no CONNACK (\(.exchange))" else .connack_code|tostring end')
		case $res in [0-9]* | -1) res=$(connack_name "$res") ;; esac
		sec=$(echo "$out" | jq -r '.transport_security // "plaintext"')
		notes=$(echo "$out" | jq -r '[(.tls.version // empty), (.websocket.subprotocol // empty | "subprotocol \(.)"),
			(.websocket.messages_received // empty | "\(.) ws messages")] | join(", ")')
		echo "| $broker | $tr | $name | $res | $sec | $notes |"
	done
}
row "Mosquitto $mver" 127.0.94.20 18830 tcp
row "Mosquitto $mver" 127.0.94.20 18883 tls
row "Aedes $aver" 127.0.98.20 18830 tcp
row "Aedes $aver" 127.0.98.20 18833 tls
row "Aedes $aver" 127.0.98.20 18831 ws
row "Aedes $aver" 127.0.98.20 18832 wss

if [ -n "$MSW" ] && [ -x "$MSW" ]; then
	"$MSW" audit -q --window 2 --seed 1 --cafile "$T/c/ca.crt" 127.0.94.20 -p 18830/tcp,18883/tls \
		-oJ "$T/m.json" >/dev/null 2>"$T/m.err"
	"$MSW" audit -q --window 2 --seed 1 --cafile "$T/c/ca.crt" 127.0.98.20 \
		-p 18830/tcp,18833/tls,18831/ws,18832/wss -oJ "$T/a.json" >/dev/null 2>"$T/a.err"
	echo
	echo "| service | transport | status | auth | mqtt_version | versions (3.1 / 3.1.1 / 5.0) | transport_security | broker |"
	echo "|---|---|---|---|---|---|---|---|"
	cat "$T/m.json" "$T/a.json" | jq -r 'select(.kind=="service") | "| \(.ip):\(.port) | \(.transport) | \(.status) | \(.auth) | \(.mqtt_version // "-") | \(.versions["3.1"] // "-") / \(.versions["3.1.1"] // "-") / \(.versions["5.0"] // "-") | \(.transport_security // "-") | \(.broker.product // "-") \(.broker.version // "") |"'
fi
