#!/usr/bin/env bash
# start_nodered.sh ADDR PORT DIR [ADMIN_PASSWORD]: Node-RED on ADDR:PORT with its user dir
# in DIR (flows.json copied in), adminAuth only when ADMIN_PASSWORD is given. Installs the
# pinned packages into this directory on first use (npm install, ~20 s). Prints
# "NODERED_PID=<pid>" once the editor answers.
set -eu
addr=$1 port=$2 dir=$3 pw=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$here/node_modules/node-red/red.js" ]; then
	(cd "$here" && npm install --no-audit --no-fund --loglevel=error) >&2
fi
mkdir -p "$dir"
cp "$here/flows.json" "$dir/flows.json"
MSW_NR_HOST=$addr MSW_NR_PORT=$port MSW_NR_USERDIR=$dir MSW_NR_ADMIN_PASSWORD=$pw \
	node "$here/node_modules/node-red/red.js" --settings "$here/settings.js" >"$dir/nodered.log" 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 300); do
	if curl -s -o /dev/null --max-time 1 "http://$addr:$port/"; then
		echo "NODERED_PID=$pid"
		exit 0
	fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
echo "Node-RED did not start on $addr:$port" >&2
cat "$dir/nodered.log" >&2
kill "$pid" 2>/dev/null || true
exit 1
