#!/usr/bin/env bash
# Differential test of our MQTT codec against an independent one, the npm mqtt-packet package
# (tests/differential, README.md there): seeded and reproducible, one mqtt_diff process per run
# (tests/tools/mqtt_diff.c), everything through pipes.
#   decode: mqtt-packet generates packets of every type for 3.1, 3.1.1 and 5.0 (random
#           properties, UTF-8 topics, binary payloads); our decoder must report the same fields
#   encode: what our encoders write must parse in mqtt-packet as the same packet, byte-exact
#   mutate: damaged packets; where both codecs accept, the fields must agree
#   vectors: tests/vectors/regress/*.hex (what this test found) replayed with their verdicts
# MSW_DIFF_SEED (default: a fixed seed; "random" picks one and prints it) and MSW_DIFF_COUNT
# (decode cases; default 200000, encode gets a quarter, mutate half) reproduce or widen a run.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DIR="$MSW_SOURCE_DIR/tests/differential"
TOOL="$MSW_BUILD_DIR/mqtt_diff"
SEED=${MSW_DIFF_SEED:-20261125}
[ "$SEED" = random ] && SEED=$(( (RANDOM << 15 | RANDOM) ))
COUNT=${MSW_DIFF_COUNT:-200000}

[ -x "$TOOL" ] || { fail "mqtt_diff not built ($TOOL)"; finish; }
command -v node >/dev/null || { fail "node not installed"; finish; }
if [ ! -d "$DIR/node_modules/mqtt-packet" ]; then
	(cd "$DIR" && npm install --no-audit --no-fund --loglevel=error) >&2 ||
		{ fail "cannot install mqtt-packet (npm)"; finish; }
fi
cd "$DIR" || exit 1
echo "differential seed $SEED, $COUNT cases (reproduce: MSW_DIFF_SEED=$SEED)"

run() { # name, then the pipeline as one string
	local name=$1 out rc t0=$SECONDS
	out=$(set -o pipefail; eval "$2" 2>&1)
	rc=$?
	echo "$out" | tail -15
	if [ "$rc" -eq 0 ] && grep -q "; 0 mismatches" <<<"$out"; then
		pass "$name: no mismatches ($((SECONDS - t0)) s)"
	else
		fail "$name: rc $rc"
	fi
}

run decode "node gen.mjs --seed $SEED --count $COUNT | '$TOOL' decode |
	node check.mjs decode --seed $SEED --count $COUNT"
run encode "'$TOOL' encode $SEED $((COUNT / 4)) | node check.mjs encode --seed $SEED"
run mutate "node gen.mjs --seed $SEED --count $((COUNT / 2)) --mutate | '$TOOL' decode |
	node check.mjs mutate --seed $SEED --count $((COUNT / 2))"
run vectors "node check.mjs vectors '$MSW_SOURCE_DIR/tests/vectors/regress' '$TOOL'"
finish
