#!/usr/bin/env bash
# The progress line tells the truth (addresses 127.0.82.3 and 127.0.82.50-249), read from
# stderr under a pseudo-terminal: 200 targets that refuse at once and one silent listener
# that holds its target for the I/O timeout (12 s).
#   - "done" counts finished targets: never all of them while one is still in flight, and
#     "in flight" says how many are;
#   - while the last target waits for its deadline, the ETA is a bound ("ETA ≤"), never "-";
#   - the rate is recent: 10 s after the refusals it reads 0/s (an average since the start
#     would still show about 200/12 ≈ 16/s).
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T=$(msw_tmpdir)
SIL=127.0.82.3
PS=$(free_port $SIL)
start_silent_listener $SIL "$PS" || { fail "silent listener"; finish; }

printf '%s\n' "$SIL" 127.0.82.50-249 >"$T/targets"
TERM=dumb script -qec "$MSW_BIN scan -iL $T/targets -p $PS --rate 0 --io-timeout 12 --format json -oJ $T/out.json >/dev/null" \
	/dev/null >"$T/tty.txt" 2>&1
# frames are separated by "\r\033[K"
tr '\r' '\n' <"$T/tty.txt" | sed 's/\x1b\[K//g' | grep ' done, ' >"$T/frames.txt"
n=$(wc -l <"$T/frames.txt")
[ "$n" -ge 8 ] && pass "progress frames drawn ($n)" || { fail "progress frames ($n)"; cat "$T/tty.txt" >&2; }
# the silent target is recorded; the refused ones are counted, not recorded
assert_json "$T/out.json" '.status == "io-timeout"' "the silent target timed out"

if grep -q '^201/201 done, [1-9]' "$T/frames.txt"; then
	fail "a frame says every target is done while one is in flight"
else
	pass "no frame counts a target in flight as done"
fi
grep -q '^200/201 done, 1 in flight' "$T/frames.txt" && pass "the target in flight is shown" ||
	{ fail "in-flight target not shown"; cat "$T/frames.txt" >&2; }
if grep -q '1 in flight.*ETA -' "$T/frames.txt"; then
	fail "ETA '-' while a timeout is pending"
else
	pass "no 'ETA -' while a timeout is pending"
fi
grep -q '1 in flight.*ETA ≤' "$T/frames.txt" && pass "the ETA is bounded by the pending deadline" ||
	fail "no bounded ETA while waiting"
# the first frame: the refusals of the first second; the last: more than 10 s old
first=$(head -1 "$T/frames.txt")
case $first in
*" 0/s,"*) fail "the first frame shows no rate: $first" ;;
*) pass "first frame's rate: $first" ;;
esac
last=$(grep '1 in flight' "$T/frames.txt" | tail -1)
case $last in
*" 0/s,"*) pass "recent rate: $last" ;;
*) fail "the rate is not recent: $last" ;;
esac

finish
