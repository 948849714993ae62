#!/usr/bin/env bash
# The main job on the built-in lab: set up (Debian packages, as root), build, start the lab of
# real brokers on 127.0.80.x, audit it, show what an outsider can read or control, then the
# summary of the results database. The lab is left running so you can look around
# (`build/mqttsweep lab status`, `build/mqttsweep lab down`); MSW_DEMO_DOWN=1 stops it at the end.
# MSW_DEMO_WINDOW (default 10) is the listening time per broker, in seconds.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
WINDOW=${MSW_DEMO_WINDOW:-10}
HOSTS=(127.0.80.1 127.0.80.2 127.0.80.3 127.0.80.4 127.0.80.5)
DB="$ROOT/.lab/lab.db"

step() { echo; echo "=== $*"; }

step "set-up (Debian packages, npm peers)"
bash scripts/setup.sh || exit 1

step "build (build/mqttsweep)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
	cmake --build build -j2 >/dev/null || {
	echo "build failed; run: cmake --build build" >&2
	exit 1
}

step "lab up: real Mosquitto brokers, Node-RED and a Samba share on 127.0.80.x"
build/mqttsweep lab up || echo "(some lab parts did not start; auditing what runs)"

step "audit ${HOSTS[*]} (listening ${WINDOW}s per broker; results also in $DB)"
rm -f "$DB" "$DB-wal" "$DB-shm"
extra=()
# as root the lab's share also listens on 445 (the SMB probe's port); otherwise only on 4445
[ "$(id -u)" -eq 0 ] || extra=(--smb-port 4445)
build/mqttsweep audit "${HOSTS[@]}" "${extra[@]}" --window "$WINDOW" --format text --db "$DB" \
	-oJ "$ROOT/.lab/lab.json" </dev/null
rc=$?
[ $rc -eq 0 ] || echo "(audit exited with $rc)"

step "the owner's view of the password-protected broker (MQTTSWEEP_PASSWORD, never echoed)"
pw=$(awk '$1 == "homeowner" {print $2}' "$ROOT/.lab/credentials" 2>/dev/null)
MQTTSWEEP_PASSWORD="$pw" build/mqttsweep audit 127.0.80.2 -u homeowner --window 3 \
	--format text </dev/null

step "stats $DB"
build/mqttsweep stats "$DB"

if [ -n "${MSW_DEMO_DOWN:-}" ]; then
	step "lab down"
	build/mqttsweep lab down
else
	echo
	echo "The lab is still running: build/mqttsweep lab status | build/mqttsweep lab down"
	echo "JSON lines of this audit: .lab/lab.json; SQLite: .lab/lab.db"
fi
exit $rc
