#!/usr/bin/env bash
# The study's chain on one host (127.0.93.5): the broker has a password, the dashboard on
# the same address has none, and the Home Assistant secrets sit on a guest SMB share.
# One `mqttsweep audit` must show all three services and a host record that links them
# (worst severity critical, counts by category, the chain). Real Mosquitto (1883,
# password), real Node-RED (1880, no adminAuth), real smbd (445: we run as root).
. "$(dirname "$0")/lib.sh"
T=$(msw_tmpdir)
A=127.0.93.5
PEER="$MSW_SOURCE_DIR/tests/peers"
export LSAN_OPTIONS="suppressions=$PEER/samba/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
[ "$(id -u)" = 0 ] || { echo "note: needs root for SMB on port 445; skipped"; exit 0; }

make_passwd "$T/mosq.passwd" homeassistant 'broker-Pw-1'
start_mosquitto $A 1883 "allow_anonymous false" "password_file $T/mosq.passwd" ||
	{ fail "mosquitto"; finish; }
out=$(bash "$PEER/nodered/start_nodered.sh" $A 1880 "$T/nr" 2>"$T/nr.err") ||
	{ cat "$T/nr.err" >&2; fail "Node-RED did not start"; finish; }
track_pid "${out#NODERED_PID=}"
SMBDIR="$T/smbd"
mkdir -p "$SMBDIR" && chmod 0755 "$SMBDIR"
trap 'bash "$PEER/samba/stop_smbd.sh" "$SMBDIR"; cleanup' EXIT
bash "$PEER/samba/start_smbd.sh" $A 445 "$SMBDIR" "$MSW_FIXTURES/payloads" >"$T/smbd.out" 2>&1 ||
	{ cat "$T/smbd.out" >&2; fail "smbd did not start on $A:445"; finish; }
pass "broker, Node-RED and smbd on $A"

"$MSW_BIN" audit $A -p 1883 --window 1 --format json >"$T/audit.json" 2>"$T/audit.err"
assert_eq 0 $? "mqttsweep audit exit code"
no_asan_report "$T/audit.err"
validate_schema "$T/audit.json"
assert_json "$T/audit.json" '.probe == "mqtt" and .port == 1883 and .mqtt == true and .auth == "credentials_required"' "broker: protected by a password"
assert_json "$T/audit.json" '.probe == "http" and .port == 1880 and .http.product == "Node-RED" and .http.auth == "open" and ([.findings[] | select(.severity == "critical")] | length) >= 1' "dashboard: Node-RED open (critical)"
assert_json "$T/audit.json" '.probe == "smb" and .port == 445 and ([.findings[] | select(.id == "smb.ha_files" and .severity == "critical")] | length) == 1' "share: Home Assistant secrets readable (critical)"
H='select(.kind == "host" and .ip == "127.0.93.5")'
assert_json "$T/audit.json" "$H | .risk.worst_severity == \"critical\"" "host record: worst severity critical"
assert_json "$T/audit.json" "$H | ([.services[].probe] | (index(\"mqtt\") != null and index(\"http\") != null and index(\"smb\") != null))" "host record links the broker, the dashboard and the share"
assert_json "$T/audit.json" "$H | (.risk.findings_by_category.dashboard // 0) >= 1 and (.risk.findings_by_category.file_share // 0) >= 1" "host record: counts by category"
assert_json "$T/audit.json" "$H | (.risk.chain | test(\"mqtt\") and test(\"http:1880\") and test(\"smb:445\"))" "host record: the chain broker → dashboard → share"
# each service's access in its own words: MQTT verdict, dashboard login, share access
assert_json "$T/audit.json" "$H | any(.services[]; .probe == \"mqtt\" and .port == 1883 and .auth == \"credentials_required\")" "host record: broker access from the CONNACK"
assert_json "$T/audit.json" "$H | any(.services[]; .probe == \"http\" and .port == 1880 and .auth == \"open\")" "host record: dashboard access from http.auth (open)"
assert_json "$T/audit.json" "$H | any(.services[]; .probe == \"smb\" and .port == 445 and .auth == \"open\")" "host record: share access from the smb block (open)"
assert_json "$T/audit.json" "$H | [.services[] | select(.probe != \"mqtt\" and .auth == \"unknown\" and .status == \"success\")] | length == 0" "host record: no answered http/smb service left at auth unknown"
finish
