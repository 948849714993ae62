#!/usr/bin/env bash
# The one test command (.ci/run calls it): set-up, the product build (-Werror), an ASan+UBSan
# build running every ctest (unit, integration, hostile), short libFuzzer runs, valgrind on
# the codec unit tests, the allocation-failure pass and the banned-function check.
# Ends with one line "N passed, N failed" over every step's cases; exit 1 if anything failed.
#
# Knobs: MSW_FUZZ_SECONDS (default 20 per target; 0 skips fuzzing), MSW_JOBS (default 2),
# MSW_SKIP_SETUP=1 (no apt/npm), MSW_CTEST_ARGS (extra ctest arguments, e.g. "-R mqtt").
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2
JOBS=${MSW_JOBS:-2}
FUZZ_SECONDS=${MSW_FUZZ_SECONDS:-20}
LOGDIR="$ROOT/build-logs"
SHARED="$(cd "$ROOT/.." && pwd)/shared"
[ -d "$SHARED" ] || SHARED=/work/shared
mkdir -p "$LOGDIR"

PASSED=0
FAILED=0
FAILED_NAMES=()
T0=$SECONDS

ok() { PASSED=$((PASSED + ${2:-1})); echo "== ok: $1"; }
bad() {
	FAILED=$((FAILED + ${2:-1}))
	FAILED_NAMES+=("$1")
	echo "== FAILED: $1"
}
section() { echo; echo "=== [$((SECONDS - T0))s] $*"; }

summary() {
	echo
	if [ ${#FAILED_NAMES[@]} -gt 0 ]; then
		echo "failed: ${FAILED_NAMES[*]}"
	fi
	echo "total time $((SECONDS - T0))s"
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" -eq 0 ]
	exit $?
}

# ---- set-up -------------------------------------------------------------------------------
if [ -z "${MSW_SKIP_SETUP:-}" ]; then
	section "setup"
	if bash scripts/setup.sh; then ok setup; else bad setup; summary; fi
fi

# ---- builds -------------------------------------------------------------------------------
build() { # build NAME DIR [cmake args...]
	local name=$1 dir=$2
	shift 2
	section "build $name ($dir)"
	if cmake -S "$ROOT" -B "$ROOT/$dir" "$@" >"$LOGDIR/$name.configure.log" 2>&1 &&
		cmake --build "$ROOT/$dir" -j"$JOBS" >"$LOGDIR/$name.build.log" 2>&1; then
		ok "build $name"
		return 0
	fi
	cat "$LOGDIR/$name.configure.log" | tail -20
	grep -E 'error|Error' "$LOGDIR/$name.build.log" | head -40
	bad "build $name"
	return 1
}

build product build -DMSW_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
PRODUCT_OK=$?
build asan build-asan -DMSW_SANITIZE=ON -DMSW_WERROR=ON -DCMAKE_BUILD_TYPE=Debug
ASAN_OK=$?

# ---- ctest under ASan+UBSan -----------------------------------------------------------------
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
if [ "$ASAN_OK" -eq 0 ]; then
	section "ctest (ASan+UBSan): unit, integration, hostile"
	# shellcheck disable=SC2086
	ctest --test-dir build-asan --output-on-failure -j"$JOBS" --timeout 600 ${MSW_CTEST_ARGS:-} \
		2>&1 | tee "$LOGDIR/ctest.log"
	total=$(sed -nE 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\2/p' "$LOGDIR/ctest.log" | tail -1)
	nfail=$(sed -nE 's/.*tests passed, ([0-9]+) tests? failed out of ([0-9]+).*/\1/p' "$LOGDIR/ctest.log" | tail -1)
	if [ -z "$total" ]; then
		if grep -q 'No tests were found' "$LOGDIR/ctest.log"; then
			echo "ctest: no tests found"
		else
			bad "ctest (no summary)"
		fi
	else
		[ $((total - nfail)) -gt 0 ] && ok "ctest" $((total - nfail))
		[ "$nfail" -gt 0 ] && bad "ctest ($nfail tests)" "$nfail"
	fi
fi

# ---- fuzzing ------------------------------------------------------------------------------
if [ "$FUZZ_SECONDS" != 0 ] && ls tests/fuzz/fuzz_*.c >/dev/null 2>&1; then
	section "fuzz (${FUZZ_SECONDS}s per target)"
	bash scripts/fuzz.sh "$FUZZ_SECONDS" 2>&1 | tee "$LOGDIR/fuzz.log"
	fp=$(sed -nE 's/^fuzz: ([0-9]+) passed, ([0-9]+) failed$/\1/p' "$LOGDIR/fuzz.log" | tail -1)
	ff=$(sed -nE 's/^fuzz: ([0-9]+) passed, ([0-9]+) failed$/\2/p' "$LOGDIR/fuzz.log" | tail -1)
	if [ -z "$fp" ]; then
		bad "fuzz (build or harness failed)"
	else
		[ "$fp" -gt 0 ] && ok "fuzz targets" "$fp"
		[ "$ff" -gt 0 ] && bad "fuzz targets ($ff)" "$ff"
	fi
fi

# ---- valgrind on the codec and container unit tests (product build: no sanitizers) ----------
if [ "$PRODUCT_OK" -eq 0 ]; then
	section "valgrind (codec and container unit tests)"
	for t in test_mqtt_codec test_ws_codec test_http_parse test_cursor test_escape test_record test_containers; do
		[ -x "build/$t" ] || continue
		if valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite \
			"build/$t" >"$LOGDIR/valgrind.$t.log" 2>&1; then
			ok "valgrind $t"
		else
			tail -40 "$LOGDIR/valgrind.$t.log"
			bad "valgrind $t"
		fi
	done
	# Allocation-failure mode: every codec vector with the Nth allocation failing, every N.
	if [ -x build/allocfail ]; then
		section "allocation-failure mode (codecs)"
		if build/allocfail "$ROOT/tests/vectors" "$SHARED/fixtures/payloads" \
			>"$LOGDIR/allocfail.log" 2>&1; then
			ok "allocfail"
		else
			grep -v '^allocfail: [a-z_0-9.]*: ' "$LOGDIR/allocfail.log" | tail -5
			grep '^allocfail: [a-z_0-9.]*: ' "$LOGDIR/allocfail.log" | head -10
			bad "allocfail"
		fi
		grep -v '^allocfail: [a-z_0-9.]*: ' "$LOGDIR/allocfail.log" | tail -3
	fi
fi

# ---- static checks --------------------------------------------------------------------------
section "banned functions"
if bash scripts/check-banned.sh; then ok "check-banned"; else bad "check-banned"; fi

summary
