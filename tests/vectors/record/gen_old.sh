#!/bin/sh
# Regenerates records_head.jsonl and records.sha256 in this folder with the cJSON-based
# record writer of an older checkout (one that still has output/record_text.c and
# record_to_json): gen_old.sh OLD_CHECKOUT [OLD_BUILD_DIR]. OLD_BUILD_DIR (default
# OLD_CHECKOUT/build) is that checkout's product build, whose libmsw.a is linked. The
# recipe comes from this checkout (tests/unit/record_recipe.h), so the test that replays
# it here draws the same records.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
old=$(cd "$1" && pwd)
bld=${2:-$old/build}
[ -f "$old/src/output/record_text.c" ] || { echo "gen_old.sh: $old has no cJSON-based writer" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cc -std=gnu11 -O1 -Wall -Wextra -Werror -I"$old/src" -o "$tmp/gen_old" "$here/gen_old.c" \
	"$bld/libmsw.a" $(pkg-config --libs libcjson sqlite3 openssl) -lpthread -lm -ldl
(cd "$here" && "$tmp/gen_old")
echo "gen_old.sh: wrote $here/records_head.jsonl and records.sha256 with $(git -C "$old" rev-parse --short HEAD)"
