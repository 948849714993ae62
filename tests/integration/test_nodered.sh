#!/usr/bin/env bash
# The http host probe against real Node-RED 4 (tests/peers/nodered, npm node-red@^4 and the
# classic dashboard): 127.0.93.1 without adminAuth, 127.0.93.2 with adminAuth, 127.0.93.7
# with adminAuth and an anonymous "read" default. httpNodeAuth is set on none, so the
# dashboard (/ui) is public on all.
#  - no adminAuth: product Node-RED, its version, auth "open", a critical finding (flows can
#    be read and deployed) with evidence and a curl reproduce line
#  - adminAuth: auth "login_required", an info finding, no critical; the public dashboard
#    still reported as its own (high) finding
#  - adminAuth with anonymous read: flows readable (high), but no "deploy" (critical) claim
#  - nothing changed on the server: flows.json identical before and after
#  - the per-host record carries the worst severity
. "$(dirname "$0")/lib.sh"
T=$(msw_tmpdir)
NR="$MSW_SOURCE_DIR/tests/peers/nodered"
export LSAN_OPTIONS="suppressions=$MSW_SOURCE_DIR/tests/peers/samba/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

command -v node >/dev/null || { fail "node not installed"; finish; }
out=$(bash "$NR/start_nodered.sh" 127.0.93.1 1880 "$T/open" 2>"$T/nr-open.err") ||
	{ cat "$T/nr-open.err" >&2; fail "Node-RED (no adminAuth) did not start"; finish; }
track_pid "${out#NODERED_PID=}"
out=$(bash "$NR/start_nodered.sh" 127.0.93.2 1880 "$T/auth" 'msw-Test-pw-1' 2>"$T/nr-auth.err") ||
	{ cat "$T/nr-auth.err" >&2; fail "Node-RED (adminAuth) did not start"; finish; }
track_pid "${out#NODERED_PID=}"
out=$(MSW_NR_ANON_READ=1 bash "$NR/start_nodered.sh" 127.0.93.7 1880 "$T/read" 'msw-Test-pw-2' 2>"$T/nr-read.err") ||
	{ cat "$T/nr-read.err" >&2; fail "Node-RED (adminAuth, anonymous read) did not start"; finish; }
track_pid "${out#NODERED_PID=}"
pass "Node-RED on 127.0.93.1 (open), 127.0.93.2 (adminAuth), 127.0.93.7 (adminAuth + anonymous read)"
VER=$(jq -r .version "$NR/node_modules/node-red/package.json")
sum_before=$(md5sum "$T/open/flows.json" "$T/auth/flows.json" "$T/read/flows.json" | awk '{print $1}')

"$MSW_BIN" audit 127.0.93.1 127.0.93.2 127.0.93.7 --probe-all --format json >"$T/scan.json" 2>"$T/scan.err"
assert_eq 0 $? "mqttsweep exit code"
no_asan_report "$T/scan.err"
validate_schema "$T/scan.json"

O='select(.probe == "http" and .ip == "127.0.93.1" and .port == 1880)'
L='select(.probe == "http" and .ip == "127.0.93.2" and .port == 1880)'
assert_json "$T/scan.json" "$O | .status == \"success\" and .http.product == \"Node-RED\" and .http.version == \"$VER\"" "open instance: Node-RED $VER identified"
assert_json "$T/scan.json" "$O | .http.auth == \"open\"" "open instance: auth open"
assert_json "$T/scan.json" "$O | [.findings[] | select(.id == \"nodered.admin_open\" and .severity == \"critical\" and .category == \"dashboard\" and .confidence == \"confirmed\" and .cwe == 306 and (.title | test(\"deploy\")) and (.evidence | test(\"200\")) and (.reproduce | startswith(\"curl -s 'http://127.0.93.1:1880/\")))] | length == 1" "open instance: critical finding with evidence and curl line"
assert_json "$T/scan.json" "$O | .http.paths | map(select(.path == \"/flows\" and .status == 200)) | length == 1" "open instance: /flows readable (200)"
assert_json "$T/scan.json" "$O | [.findings[] | select(.id == \"nodered.flows_readable\")] | length == 0" "open instance: flows_readable folded into the critical finding"
R='select(.probe == "http" and .ip == "127.0.93.7" and .port == 1880)'
assert_json "$T/scan.json" "$R | [.findings[] | select(.id == \"nodered.flows_readable\" and .severity == \"high\" and (.reproduce | contains(\"/flows\")))] | length == 1" "anonymous read: flows readable (high)"
assert_json "$T/scan.json" "$R | [.findings[] | select(.id == \"nodered.admin_open\")] | length == 0" "anonymous read: no deploy claim"
assert_json "$T/scan.json" "$L | .status == \"success\" and .http.product == \"Node-RED\" and .http.auth == \"login_required\"" "adminAuth instance: login_required"
assert_json "$T/scan.json" "$L | [.findings[] | select(.severity == \"critical\")] | length == 0" "adminAuth instance: no critical finding"
assert_json "$T/scan.json" "$L | [.findings[] | select(.id == \"nodered.login_required\" and .severity == \"info\")] | length == 1" "adminAuth instance: info finding"
assert_json "$T/scan.json" "$L | .http.paths | map(select(.path == \"/flows\" and .status == 401)) | length == 1" "adminAuth instance: /flows says 401"
for ip in 127.0.93.1 127.0.93.2 127.0.93.7; do
	assert_json "$T/scan.json" "select(.probe == \"http\" and .ip == \"$ip\" and .port == 1880) | [.findings[] | select(.id == \"nodered.dashboard_open\" and .severity == \"high\" and (.reproduce | contains(\"/ui/\")))] | length == 1" "public dashboard reported separately ($ip)"
done
assert_json "$T/scan.json" 'select(.kind == "host" and .ip == "127.0.93.1") | .risk.worst_severity == "critical"' "host record 127.0.93.1: worst severity critical"
assert_json "$T/scan.json" 'select(.kind == "host" and .ip == "127.0.93.2") | .risk.worst_severity == "high"' "host record 127.0.93.2: worst severity high"

sum_after=$(md5sum "$T/open/flows.json" "$T/auth/flows.json" "$T/read/flows.json" | awk '{print $1}')
assert_eq "$sum_before" "$sum_after" "flows.json unchanged on every instance"
finish
