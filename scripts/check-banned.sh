#!/usr/bin/env bash
# Fails (exit 1) when a banned C function is called in src/ or tests/ C files, listing
# file:line for each. Word-boundary aware: snprintf, strtol, strncpy_s etc. are fine.
# Comments and string literals are stripped first so that prose naming a function is fine.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 2

BANNED='sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|atoll|gets'

mapfile -t files < <(find src tests -type f \( -name '*.c' -o -name '*.h' \) \
	-not -path '*/node_modules/*' 2>/dev/null | sort)
[ ${#files[@]} -gt 0 ] || { echo "check-banned: no C files"; exit 0; }

# Strip /* */ and // comments and string/char literals (keeping line numbers), then look for
# a banned name followed by '(' that is not part of a longer identifier.
hits=$(for f in "${files[@]}"; do
	perl -0777 -ne '
		my $s = $_;
		# replace comments and literals by the same number of newlines
		$s =~ s{(/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"|'"'"'(?:\\.|[^'"'"'\\\n])*'"'"')}{
			my $m = $1; my $n = ($m =~ tr/\n//); ($m =~ m{^/[*/]} ? " " : q{""}) . ("\n" x $n)
		}gse;
		my $ln = 1;
		for my $line (split /\n/, $s, -1) {
			while ($line =~ /(?<![A-Za-z0-9_])('"$BANNED"')\s*\(/g) {
				print "$ARGV:$ln: $1(\n";
			}
			$ln++;
		}
	' "$f"
done)

if [ -n "$hits" ]; then
	echo "check-banned: banned functions used (use snprintf, memcpy with checked sizes, strtol/strtoul):"
	echo "$hits"
	exit 1
fi
echo "check-banned: ok (${#files[@]} files)"
