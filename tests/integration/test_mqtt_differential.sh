#!/usr/bin/env bash
# Differential test of our MQTT codec against an independent one, the npm mqtt-packet package
# (tests/peers/mqttpacket): mqtt-packet generates packets of every type for 3.1.1 and 5.0
# with random properties, topics, payloads and reason codes, and our decoder
# (tests/tools/mqtt_diff.c) must report the same fields; what our encoder writes must parse
# in mqtt-packet with the same fields. Seeded and reproducible (MSW_DIFF_SEED, MSW_DIFF_COUNT).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PEER="$MSW_SOURCE_DIR/tests/peers/mqttpacket"
TOOL="$MSW_BUILD_DIR/mqtt_diff"
SEED=${MSW_DIFF_SEED:-20261125}
COUNT=${MSW_DIFF_COUNT:-100000}

[ -x "$TOOL" ] || { fail "mqtt_diff not built ($TOOL)"; finish; }
if [ ! -d "$PEER/node_modules/mqtt-packet" ]; then
	(cd "$PEER" && npm install --no-audit --no-fund --loglevel=error) >&2 ||
		{ fail "cannot install mqtt-packet (npm)"; finish; }
fi

# two seeds: 2 x COUNT decoded packets, 2 x COUNT/4 encoded ones
for s in "$SEED" $((SEED + 1)); do
	out=$(node "$PEER/diff.mjs" "$TOOL" --seed "$s" --count "$COUNT" 2>&1)
	rc=$?
	echo "$out" | tail -25
	assert_eq 0 "$rc" "mqtt-packet differential, seed $s"
	grep -q " 0 mismatches" <<<"$out" && pass "seed $s: no mismatches" || fail "seed $s: mismatches"
done
finish
