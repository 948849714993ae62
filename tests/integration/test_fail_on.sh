#!/usr/bin/env bash
# --fail-on SEVERITY against real Mosquitto brokers on 127.0.86.20x:
#   1. an anonymous broker: audit --fail-on high exits 1 (mqtt.anonymous is high), the
#      metadata records exit_code 1; --fail-on critical exits 0 (nothing critical there);
#      without --fail-on the same audit exits 0; scan --depth topics, alone and with
#      --workers 2, exits 1 too; so does scan at the default depth (connack), where the
#      service-level findings (mqtt.anonymous) are classified too
#   2. a password-protected broker: audit --fail-on high exits 0
#   3. a usage error wins over a finding: exit 2
set -u
. "$(dirname "$0")/lib.sh"

T=$(msw_tmpdir)
A1=127.0.86.201 A2=127.0.86.202
P=$(free_port $A1)

rc_of() { # rc_of CMD...: the exit code, output discarded
	"$@" >/dev/null 2>>"$T/stderr.txt"
	echo $?
}

# ---------------------------------------------------------------- 1. anonymous broker
start_mosquitto $A1 $P || { fail "mosquitto on $A1"; finish; }
assert_eq 1 "$(rc_of "$MSW_BIN" audit $A1:$P --window 1 -q --fail-on high --metadata-file "$T/meta.json")" \
	"open broker: audit --fail-on high exits 1"
assert_json "$T/meta.json" '.exit_code == 1' "open broker: the metadata records exit code 1"
assert_eq 0 "$(rc_of "$MSW_BIN" audit $A1:$P --window 1 -q --fail-on critical)" \
	"open broker: audit --fail-on critical exits 0 (nothing critical on an empty broker)"
assert_eq 0 "$(rc_of "$MSW_BIN" audit $A1:$P --window 1 -q)" "open broker: audit without --fail-on exits 0"
assert_eq 1 "$(rc_of "$MSW_BIN" scan $A1 -p $P --depth topics --window 0 -q --fail-on high)" \
	"open broker: scan --depth topics --fail-on high exits 1"
assert_eq 1 "$(rc_of "$MSW_BIN" scan $A1 -p $P --depth topics --window 0 -q --fail-on medium --workers 2)" \
	"open broker: --workers 2 children's findings reach the verdict (exit 1)"
assert_eq 1 "$(rc_of "$MSW_BIN" scan $A1 -p $P -q --fail-on high --metadata-file "$T/meta-connack.json")" \
	"open broker: scan --fail-on high at depth connack exits 1 (mqtt.anonymous is classified at every depth)"
assert_json "$T/meta-connack.json" '.depth == "connack" and .exit_code == 1' \
	"depth connack: the metadata records the depth and exit code 1"
assert_eq 0 "$(rc_of "$MSW_BIN" scan $A1 -p $P -q --fail-on critical)" \
	"open broker at depth connack: --fail-on critical exits 0"
assert_eq 2 "$(rc_of "$MSW_BIN" audit $A1:$P --window 1 -q --fail-on severe)" "unknown severity: exit 2"

# ---------------------------------------------------------------- 2. password broker
make_passwd "$T/passwd" owner 'Fail-0n-pw-9q'
start_mosquitto $A2 $P "allow_anonymous false" "password_file $T/passwd" || { fail "mosquitto on $A2"; finish; }
"$MSW_BIN" audit $A2:$P --window 1 --format json --fail-on high >"$T/pw.json" 2>>"$T/stderr.txt"
assert_eq 0 "$?" "password broker: audit --fail-on high exits 0"
assert_json "$T/pw.json" '.probe == "mqtt" and .auth == "credentials_required"' "password broker: refused anonymous"
assert_eq 1 "$(rc_of "$MSW_BIN" scan $A2 -p $P -q --fail-on low)" \
	"password broker at depth connack: --fail-on low exits 1 (mqtt.cleartext_auth is low)"
assert_eq 0 "$(rc_of "$MSW_BIN" scan $A2 -p $P -q --fail-on medium)" \
	"password broker at depth connack: --fail-on medium exits 0"
assert_json_all "$T/pw.json" '[.findings[]? | select(.severity == "high" or .severity == "critical")] | length == 0' \
	"password broker: no finding at high or above"

# ---------------------------------------------------------------- 3. usage beats findings
assert_eq 2 "$(rc_of "$MSW_BIN" audit $A1:$P --window 1 -q --fail-on high --no-such-option)" \
	"usage error with --fail-on: exit 2"
finish
