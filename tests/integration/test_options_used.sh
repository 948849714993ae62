#!/usr/bin/env bash
# No option is a stub: every option the binary lists in its --help (the option table,
# src/app/options.c) must be used by some test outside the option parser's own unit test
# (tests/unit/test_options.c), which only shows that an option parses. A use is any of the
# option's spellings (or --no-NAME) as a whole word in tests/ or lab/ (the lab is run by
# tests/integration/test_lab.sh); bench/ and scripts/ do not count, since nothing there
# checks what an option does. There is no allowlist: an option no test exercises fails
# here until a test shows its effect.
. "$(dirname "$0")/lib.sh"
T=$(msw_tmpdir)
SELF=tests/integration/$(basename "$0")

# One line per option: its spellings, from the left column of --help ("  -p, --ports SPEC").
help_spellings() {
	"$MSW_BIN" "$1" --help | awk '/^  -/ {
		sub(/^  /, ""); split($0, col, /   */); n = split(col[1], sp, /, /); line = ""
		for (i = 1; i <= n; i++) { split(sp[i], w, / /); line = line (i > 1 ? " " : "") w[1] }
		print line }'
}
{ help_spellings scan; help_spellings audit; } | sort -u >"$T/options"
n=$(wc -l <"$T/options")
[ "$n" -ge 40 ] && pass "--help lists $n options" || fail "--help lists only $n options: the parse of --help broke"

cd "$MSW_SOURCE_DIR" || exit 1
used() { # SPELLING: some test file other than the parser's test and this one names it
	local re="(^|[[:space:]\"'=([])$1([][:space:]\"'=),]|\$)"
	grep -rlE --exclude-dir=node_modules --exclude-dir=.git -- "$re" tests lab 2>/dev/null |
		grep -vxF -e tests/unit/test_options.c -e "$SELF" | grep -q .
}
lonely=()
while read -r -a spellings; do
	hit=0
	for s in "${spellings[@]}"; do
		used "$s" && { hit=1; break; }
		case $s in --*) used "--no-${s#--}" && { hit=1; break; } ;; esac
	done
	[ $hit = 1 ] || lonely+=("${spellings[*]}")
done <"$T/options"
if [ ${#lonely[@]} -eq 0 ]; then
	pass "every option is used by a test outside tests/unit/test_options.c"
else
	for o in "${lonely[@]}"; do
		fail "option '$o': no test outside tests/unit/test_options.c uses it; write one that shows its effect"
	done
fi

# the check itself: an option nobody uses is caught (a spelling no file holds)
used --no-such-option-anywhere && fail "the check finds a use of a made-up option" ||
	pass "the check reports an option no test names"
finish
