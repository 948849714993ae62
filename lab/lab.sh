#!/usr/bin/env bash
# The lab: real servers on 127.0.80.x configured the way people really run them, for the
# demo and for trying mqttsweep safely. `mqttsweep lab up|down|status` runs this script.
#
#   127.0.80.1  Mosquitto, anonymous and open (listener 1883)
#   127.0.80.2  Mosquitto with a password file (allow_anonymous false) holding retained data
#   127.0.80.3  Home Assistant Mosquitto add-on style: no anonymous, device account `addons`,
#               1883 plain + 8883 TLS (self-signed certificate made at `lab up`). The add-on's
#               1884 WebSocket listener is left out: Mosquitto 2.0.11 binds WebSocket
#               listeners to every address, and the lab binds nothing outside 127.0.0.0/8.
#   127.0.80.4  an open Mosquitto holding a smart home's retained state (shared/fixtures/payloads:
#               OwnTracks, Home Assistant discovery, Tasmota, Zigbee2MQTT, ...) plus live messages
#               a few times per second (a phone's location, a door contact, a plug's power)
#   127.0.80.5  a Home Assistant host: password-protected Mosquitto, Node-RED without adminAuth
#               on 1880 (when tests/peers/nodered is installed) and a Samba guest share `config`
#               with Home Assistant files (secrets.yaml, .storage/core.config_entries, ...) on
#               4445 (and 445 when run as root)
#
# State (PIDs, configs, logs, generated passwords) lives in <repo>/.lab/ (gitignored).
# Every process is stopped by its recorded PID. Nothing binds outside 127.0.0.0/8.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LAB="$ROOT/.lab"
PIDS="$LAB/pids"
if [ -z "${MSW_SHARED_DIR:-}" ]; then
	MSW_SHARED_DIR="$(cd "$ROOT/.." && pwd)/shared"
	[ -d "$MSW_SHARED_DIR" ] || MSW_SHARED_DIR=/work/shared
fi
PAYLOADS="$MSW_SHARED_DIR/fixtures/payloads"
HOSTS="127.0.80.1 127.0.80.2 127.0.80.3 127.0.80.4 127.0.80.5"

say() { echo "lab: $*"; }

pid_alive() { # NAME -> 0 if the recorded process runs
	local f="$PIDS/$1.pid"
	[ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null
}

wait_port() {
	local addr=$1 port=$2 i
	for ((i = 0; i < 100; i++)); do
		(exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

randpw() {
	head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 16
}

# credential NAME: a password generated once per lab and kept in .lab/credentials
credential() {
	local name=$1 pw
	pw=$(awk -v n="$name" '$1 == n {print $2}' "$LAB/credentials" 2>/dev/null)
	if [ -z "$pw" ]; then
		pw=$(randpw)
		echo "$name $pw" >>"$LAB/credentials"
		chmod 0600 "$LAB/credentials"
	fi
	echo "$pw"
}

# start_bg NAME CMD...: start in the background (own session), record the PID.
start_bg() {
	local name=$1
	shift
	setsid "$@" </dev/null >>"$LAB/log/$name.out" 2>&1 &
	echo $! >"$PIDS/$name.pid"
}

# broker NAME ADDR "conf lines"...: a Mosquitto instance
broker() {
	local name=$1 addr=$2
	shift 2
	if pid_alive "$name"; then
		say "$name already running"
		return 0
	fi
	if (exec 3<>"/dev/tcp/$addr/1883") 2>/dev/null; then
		say "ERROR: $addr:1883 is already in use by another process (another lab from another checkout?)"
		return 1
	fi
	local conf="$LAB/$name.conf" line
	{
		echo "# lab broker $name ($addr)"
		echo "persistence false"
		echo "log_dest file $LAB/log/$name.log"
		echo "connection_messages true"
		echo "sys_interval 10"
		for line in "$@"; do echo "$line"; done
	} >"$conf"
	chmod 0644 "$conf"
	start_bg "$name" mosquitto -c "$conf"
	if ! wait_port "$addr" 1883 || ! pid_alive "$name"; then
		say "ERROR: $name did not start; see $LAB/log/$name.log"
		tail -5 "$LAB/log/$name.log" "$LAB/log/$name.out" 2>/dev/null
		return 1
	fi
}

passwd_file() { # FILE user pass [user pass]...
	local f=$1
	shift
	rm -f "$f"
	: >"$f"
	while [ $# -ge 2 ]; do
		mosquitto_passwd -b "$f" "$1" "$2" >/dev/null 2>&1
		shift 2
	done
	chmod 0644 "$f"
}

make_cert() {
	[ -f "$LAB/tls/cert.pem" ] && return 0
	mkdir -p "$LAB/tls"
	openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=homeassistant.local" \
		-addext "subjectAltName=DNS:homeassistant.local,DNS:core-mosquitto" \
		-keyout "$LAB/tls/key.pem" -out "$LAB/tls/cert.pem" >/dev/null 2>&1
	chmod 0755 "$LAB/tls"
	chmod 0644 "$LAB/tls/key.pem" "$LAB/tls/cert.pem"
}

# The smart home's retained state: every MANIFEST row with an MQTT topic, first per topic.
publish_fixtures() {
	local addr=$1 n=0 file topic rest
	declare -A seen=()
	if [ ! -f "$PAYLOADS/MANIFEST.tsv" ]; then
		say "WARNING: no fixtures at $PAYLOADS (retained state not published)"
		return 0
	fi
	while IFS=$'\t' read -r file topic rest; do
		[ "$file" = file ] && continue
		case $topic in '(smb)'* | '$'* | '') continue ;; esac
		[ -n "${seen[$topic]:-}" ] && continue
		seen[$topic]=1
		mosquitto_pub -h "$addr" -p 1883 -i "lab-seed-$n" -r -q 1 -t "$topic" -f "$PAYLOADS/$file" &&
			n=$((n + 1))
	done <"$PAYLOADS/MANIFEST.tsv"
	say "published $n retained messages on $addr"
}

# A few live messages per second, as a real home produces them.
live_publisher() {
	local addr=$1 i=0 lat lon contact
	while :; do
		i=$((i + 1))
		lat=$(printf '52.52%02d' $((i % 97)))
		lon=$(printf '13.40%02d' $((i * 7 % 89)))
		mosquitto_pub -h "$addr" -p 1883 -i lab-live-phone -t owntracks/alice/phone -m \
			"{\"_type\":\"location\",\"tid\":\"al\",\"lat\":$lat,\"lon\":$lon,\"acc\":12,\"batt\":$((90 - i % 60)),\"tst\":$(date +%s),\"inregions\":[\"Home\"],\"SSID\":\"HomeNet\"}" \
			2>/dev/null
		if [ $((i % 4)) -eq 0 ]; then
			contact=$([ $((i % 8)) -eq 0 ] && echo true || echo false)
			mosquitto_pub -h "$addr" -p 1883 -i lab-live-door -t zigbee2mqtt/front_door_contact \
				-m "{\"contact\":$contact,\"battery\":87,\"linkquality\":142}" 2>/dev/null
		fi
		mosquitto_pub -h "$addr" -p 1883 -i lab-live-plug -t tele/garage_opener/SENSOR \
			-m "{\"Time\":\"$(date -u +%FT%T)\",\"ENERGY\":{\"Power\":$((i % 40))}}" 2>/dev/null
		sleep 0.5
	done
}

start_live() {
	local addr=$1
	pid_alive live && return 0
	export -f live_publisher
	start_bg live bash -c "live_publisher $addr"
	say "live publisher on $addr (pid $(cat "$PIDS/live.pid"))"
}

nodered_up() {
	local addr=127.0.80.5 red="$ROOT/tests/peers/nodered/node_modules/node-red/red.js"
	pid_alive nodered && return 0
	if [ ! -f "$red" ]; then
		say "Node-RED not installed (tests/peers/nodered; scripts/setup.sh installs it): skipped"
		return 0
	fi
	mkdir -p "$LAB/nodered"
	cat >"$LAB/nodered/flows.json" <<EOF
[{"id":"f1","type":"tab","label":"Garage"},
 {"id":"b1","type":"mqtt-broker","name":"home broker","broker":"127.0.80.4","port":"1883","clientid":"nodered-lab"},
 {"id":"i1","type":"inject","z":"f1","name":"open garage","payload":"ON","payloadType":"str","repeat":"","once":false,"wires":[["o1"]]},
 {"id":"o1","type":"mqtt out","z":"f1","name":"garage relay","topic":"cmnd/garage_opener/POWER","broker":"b1","wires":[]}]
EOF
	cat >"$LAB/nodered/settings.js" <<EOF
module.exports = {
    uiHost: "$addr",
    uiPort: 1880,
    userDir: "$LAB/nodered",
    flowFile: "flows.json",
    credentialSecret: false,
    telemetry: { enabled: false, updateNotification: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
    logging: { console: { level: "warn" } },
    editorTheme: { tours: false }
};
EOF
	start_bg nodered node "$red" --settings "$LAB/nodered/settings.js"
	if wait_port "$addr" 1880; then
		say "Node-RED (no adminAuth) on http://$addr:1880/"
	else
		say "WARNING: Node-RED did not start; see $LAB/log/nodered.out"
	fi
}

samba_up() {
	local addr=127.0.80.5 d="$LAB/samba" ports=4445
	pid_alive smbd && return 0
	if ! command -v smbd >/dev/null; then
		say "smbd not installed: SMB share skipped"
		return 0
	fi
	[ "$(id -u)" -eq 0 ] && ports="445 4445"
	mkdir -p "$d"/{private,lock,state,cache,pid,ncalrpc,log} "$d/share/config/.storage"
	if [ -f "$PAYLOADS/smb_secrets.yaml" ]; then
		cp "$PAYLOADS/smb_secrets.yaml" "$d/share/config/secrets.yaml"
		cp "$PAYLOADS/smb_known_devices.yaml" "$d/share/config/known_devices.yaml"
		cp "$PAYLOADS/smb_core_config_entries_excerpt.json" "$d/share/config/.storage/core.config_entries"
	fi
	printf 'homeassistant:\n  name: Home\n  unit_system: metric\nmqtt:\n  broker: 127.0.80.5\n' \
		>"$d/share/config/configuration.yaml"
	chmod -R a+rX "$d/share"
	cat >"$d/smb.conf" <<EOF
[global]
  server role = standalone server
  interfaces = $addr/8
  bind interfaces only = yes
  smb ports = $ports
  disable netbios = yes
  map to guest = Bad User
  guest account = nobody
  passdb backend = tdbsam:$d/private/passdb.tdb
  private dir = $d/private
  lock directory = $d/lock
  state directory = $d/state
  cache directory = $d/cache
  pid directory = $d/pid
  ncalrpc dir = $d/ncalrpc
  log file = $d/log/log.%m
  load printers = no
  printing = bsd
  printcap name = /dev/null
  disable spoolss = yes
  server min protocol = SMB2_02
[config]
  comment = Home Assistant configuration
  path = $d/share/config
  guest ok = yes
  read only = yes
  browseable = yes
EOF
	# own session (start_bg): --no-process-group then only signals smbd and its children
	start_bg smbd smbd --foreground --debug-stdout --no-process-group -s "$d/smb.conf"
	if wait_port "$addr" 4445; then
		say "Samba guest share smb://$addr:4445/config ($ports)"
	else
		say "WARNING: smbd did not start; see $LAB/log/smbd.out"
	fi
}

lab_up() {
	mkdir -p "$LAB" "$PIDS" "$LAB/log"
	chmod 0755 "$LAB"
	chmod 0777 "$LAB/log"  # mosquitto drops to its own user when started as root
	local pw_home pw_addons pw_ha pw_ha5 rc=0
	pw_home=$(credential homeowner)
	pw_addons=$(credential addons)
	pw_ha=$(credential homeassistant)
	pw_ha5=$(credential homeassistant5)
	passwd_file "$LAB/broker2.passwd" homeowner "$pw_home"
	passwd_file "$LAB/broker3.passwd" addons "$pw_addons" homeassistant "$pw_ha"
	passwd_file "$LAB/broker5.passwd" homeassistant "$pw_ha5"
	make_cert

	broker open 127.0.80.1 "listener 1883 127.0.80.1" "allow_anonymous true" || rc=1
	broker password 127.0.80.2 "listener 1883 127.0.80.2" "allow_anonymous false" \
		"password_file $LAB/broker2.passwd" || rc=1
	broker ha-addon 127.0.80.3 "per_listener_settings false" "allow_anonymous false" \
		"password_file $LAB/broker3.passwd" "listener 1883 127.0.80.3" \
		"listener 8883 127.0.80.3" "certfile $LAB/tls/cert.pem" "keyfile $LAB/tls/key.pem" || rc=1
	local fresh_home=1
	pid_alive smarthome && fresh_home=0
	broker smarthome 127.0.80.4 "listener 1883 127.0.80.4" "allow_anonymous true" || rc=1
	broker ha-host 127.0.80.5 "listener 1883 127.0.80.5" "allow_anonymous false" \
		"password_file $LAB/broker5.passwd" || rc=1
	[ $fresh_home -eq 1 ] && publish_fixtures 127.0.80.4
	# the password-protected broker holds data too (seen only with -u/-P)
	mosquitto_pub -h 127.0.80.2 -p 1883 -u homeowner -P "$pw_home" -r -t home/alarm/state \
		-m armed_away 2>/dev/null || true
	start_live 127.0.80.4
	nodered_up
	samba_up
	echo
	lab_status
	echo
	echo "Audit the lab with:"
	echo "  $(msw_bin) audit $HOSTS"
	echo "As the owner of the password-protected broker:"
	echo "  $(msw_bin) audit 127.0.80.2 -u homeowner -P $pw_home"
	return $rc
}

msw_bin() {
	if [ -x "$ROOT/build/mqttsweep" ]; then echo "build/mqttsweep"; else echo "mqttsweep"; fi
}

# Stop by recorded PID: TERM, wait, then KILL.
stop_pid() {
	local name=$1 pid i
	pid=$(cat "$PIDS/$name.pid" 2>/dev/null) || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null
		for ((i = 0; i < 30; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2>/dev/null || true
		say "stopped $name (pid $pid)"
	fi
	rm -f "$PIDS/$name.pid"
}

lab_down() {
	[ -d "$PIDS" ] || { say "not running"; return 0; }
	local f name pid
	stop_pid live
	for f in "$PIDS"/*.pid; do
		[ -f "$f" ] || continue
		name=$(basename "$f" .pid)
		stop_pid "$name"
	done
	# samba-dcerpcd and friends (started by smbd) leave pid files in our pid directory
	for f in "$LAB"/samba/pid/*.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f" 2>/dev/null)
		[ -n "$pid" ] && kill "$pid" 2>/dev/null && say "stopped $(basename "$f" .pid) (pid $pid)"
		rm -f "$f"
	done
	say "down"
}

lab_status() {
	local name pid state any=0
	printf '%-12s %-8s %-8s %s\n' COMPONENT PID STATE WHERE
	for name in open password ha-addon smarthome ha-host live nodered smbd; do
		[ -f "$PIDS/$name.pid" ] || continue
		any=1
		pid=$(cat "$PIDS/$name.pid")
		state=running
		kill -0 "$pid" 2>/dev/null || state=DEAD
		printf '%-12s %-8s %-8s %s\n' "$name" "$pid" "$state" "$(where "$name")"
	done
	[ $any -eq 1 ] || echo "(nothing running; start with: lab up)"
}

where() {
	case $1 in
	open) echo "mqtt://127.0.80.1:1883  anonymous, open" ;;
	password) echo "mqtt://127.0.80.2:1883  password file (user homeowner)" ;;
	ha-addon) echo "mqtt://127.0.80.3:1883 + mqtts://127.0.80.3:8883  HA add-on style (user addons)" ;;
	smarthome) echo "mqtt://127.0.80.4:1883  anonymous, a smart home's retained state" ;;
	ha-host) echo "mqtt://127.0.80.5:1883  password (user homeassistant)" ;;
	live) echo "live messages to 127.0.80.4 (location, door, power)" ;;
	nodered) echo "http://127.0.80.5:1880/  Node-RED without adminAuth" ;;
	smbd) echo "smb://127.0.80.5:4445/config  guest share with Home Assistant files" ;;
	esac
}

case ${1:-status} in
up) lab_up ;;
down) lab_down ;;
status) lab_status ;;
restart) lab_down; lab_up ;;
*)
	echo "usage: mqttsweep lab up|down|status|restart" >&2
	exit 2
	;;
esac
