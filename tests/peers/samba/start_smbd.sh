#!/usr/bin/env bash
# start_smbd.sh ADDR PORT DIR FIXTURES [RESTRICT_ANON]: a private smbd on ADDR:PORT with
# its state under DIR and Home Assistant-like files from FIXTURES (shared/fixtures/payloads)
# on a guest share; RESTRICT_ANON is smb.conf's 'restrict anonymous' (default 0; 2 refuses
# anonymous share listing). Prints "SMBD_PID=<pid>" when the port answers. Stop it with
# stop_smbd.sh DIR.
# smbd calls setsid() itself in --foreground mode (without --no-process-group), so its
# SIGTERM handling, which signals its process group, never reaches the caller.
set -eu
addr=$1 port=$2 dir=$3 fx=$4 restrict=${5:-0}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir"/{private,lock,state,cache,pid,ncalrpc,binddns,log}
mkdir -p "$dir/shares/config/.storage" "$dir/shares/config/zigbee2mqtt" "$dir/shares/private" \
	"$dir/shares/public"
cp "$fx/smb_secrets.yaml" "$dir/shares/config/secrets.yaml"
cp "$fx/smb_core_config_entries_excerpt.json" "$dir/shares/config/.storage/core.config_entries"
cp "$fx/smb_known_devices.yaml" "$dir/shares/config/known_devices.yaml"
cat >"$dir/shares/config/configuration.yaml" <<'YAML'
homeassistant:
  name: Home
  latitude: !secret home_latitude
  longitude: !secret home_longitude
mqtt: !include mqtt.yaml
YAML
cat >"$dir/shares/config/zigbee2mqtt/configuration.yaml" <<'YAML'
# synthetic example
mqtt:
  server: mqtt://core-mosquitto:1883
  user: addons
  password: Ohj3ahRie7eiLohpaiThee4ooquooK8o
advanced:
  network_key: [7, 41, 203, 18, 99, 150, 2, 77, 180, 33, 61, 240, 5, 128, 11, 90]
  pan_id: 6754
YAML
printf 'notes\n' >"$dir/shares/config/README.txt"
cp "$fx/smb_secrets.yaml" "$dir/shares/private/secrets.yaml"
printf 'hello\n' >"$dir/shares/public/hello.txt"
# the guest account (nobody) must be able to traverse to the shares
chmod -R a+rX "$dir/shares"
d=$dir
while [ "$d" != / ]; do chmod o+x "$d" 2>/dev/null || true; d=$(dirname "$d"); done
sed -e "s|@RESTRICT@|$restrict|g" -e "s|@ADDR@|$addr|g" -e "s|@PORT@|$port|g" -e "s|@DIR@|$dir|g" "$here/smb.conf.in" >"$dir/smb.conf"
smbd --foreground --debug-stdout -s "$dir/smb.conf" >"$dir/log/smbd.out" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$dir/smbd.launcher.pid"
for _ in $(seq 1 100); do
	if (exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null; then
		echo "SMBD_PID=$pid"
		exit 0
	fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
echo "smbd did not start on $addr:$port" >&2
cat "$dir/log/smbd.out" >&2
kill "$pid" 2>/dev/null || true
exit 1
