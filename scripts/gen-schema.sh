#!/usr/bin/env bash
# Writes docs/record.schema.json from the field tables (build/gen_schema) and the hand-written
# fragments for parts not yet typed (docs/schema/untyped.json). test_record_schema fails when
# the checked-in file differs from what this writes: run it after changing a table.
#   bash scripts/gen-schema.sh [BUILD_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-$ROOT/build}
"$BUILD/gen_schema" "$ROOT/docs/schema/untyped.json" |
	python3 -c 'import json, sys; json.dump(json.load(sys.stdin), sys.stdout, indent=2, ensure_ascii=False); print()' \
	>"$ROOT/docs/record.schema.json.tmp"
mv "$ROOT/docs/record.schema.json.tmp" "$ROOT/docs/record.schema.json"
echo "wrote docs/record.schema.json"
