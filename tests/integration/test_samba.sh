#!/usr/bin/env bash
# The smb host probe against a real smbd on 127.0.93.3:4445 (tests/peers/samba): a guest
# share holding Home Assistant-like files (shared/fixtures/payloads/smb_*), a share that
# needs a password and a guest share with nothing of note.
#  - default: the guest share and its secret files are listed (names and sizes only, critical);
#    the password share is reported as protected (info); nothing is read
#  - --read-secrets on a named host: the files go through the classifier; no secret in clear
#  - --read-secrets on a host from a range: refused
#  - a closed port: connection-refused, fast
#  - end to end through mqttsweep (depth host, --smb-port) when the CLI has the option
# The probe's job runs from tests/tools/smb_probe_run.c (the engine's worker pool runs the
# same function). smbd and samba-dcerpcd are stopped by PID.
. "$(dirname "$0")/lib.sh"
T=$(msw_tmpdir)
A=127.0.93.3
PORT=4445
PEER="$MSW_SOURCE_DIR/tests/peers/samba"
RUN="$MSW_BUILD_DIR/smb_probe_run"
SECRET=Ohj3ahRie7eiLohpaiThee4ooquooK8o
export LSAN_OPTIONS="suppressions=$PEER/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

command -v smbd >/dev/null || { fail "smbd not installed (Debian package samba)"; finish; }
[ -x "$RUN" ] || { fail "$RUN not built"; finish; }

SMBDIR="$T/smbd"
SMBDIR2="$T/smbd2"
mkdir -p "$SMBDIR" "$SMBDIR2"
chmod 0755 "$SMBDIR" "$SMBDIR2"
trap 'bash "$PEER/stop_smbd.sh" "$SMBDIR"; bash "$PEER/stop_smbd.sh" "$SMBDIR2"; cleanup' EXIT
bash "$PEER/start_smbd.sh" $A $PORT "$SMBDIR" "$MSW_FIXTURES/payloads" >"$T/start.out" 2>&1 ||
	{ cat "$T/start.out" >&2; fail "smbd did not start"; finish; }
pass "smbd on $A:$PORT"
# a backup whose name is a shell trap: reproduce lines must keep it quoted
touch "$SMBDIR/shares/config/x'\$(id)'.tar"

# --- 1. default: names and sizes only
"$RUN" $A $PORT >"$T/list.json" 2>"$T/list.err"
assert_eq 0 $? "smb job exit code (0: the walker's line is the reference tree's, byte for byte)"
assert_eq 1 "$(grep -c '^access: open$' "$T/list.err")" "summarize hook: a guest share opens (open)"
assert_json "$T/list.json" '.probe == "smb" and .status == "success"' "record: probe smb, success"
assert_json "$T/list.json" '.smb.shares | map(select(.name == "config" and .access == "guest")) | length == 1' "guest share 'config' found"
for f in secrets.yaml .storage/core.config_entries known_devices.yaml zigbee2mqtt/configuration.yaml configuration.yaml; do
	assert_json "$T/list.json" ".smb.shares[] | select(.name == \"config\") | .files | map(select(.path == \"$f\" and .size > 0)) | length == 1" "listed: $f with its size"
done
assert_json "$T/list.json" '.smb.shares | map(select(.name == "private" and .access == "denied")) | length == 1' "password share reported as denied"
assert_json "$T/list.json" '.smb.shares | map(select(.name == "public" and .access == "guest" and (.files | length) == 0)) | length == 1' "plain guest share: no Home Assistant files"
assert_json "$T/list.json" '[.findings[] | select(.id == "smb.ha_files" and .severity == "critical" and .category == "file_share" and (.evidence | contains("secrets.yaml")) and (.title | test("Home Assistant secrets")))] | length == 1' "critical: anyone can read the Home Assistant secrets"
assert_json "$T/list.json" '[.findings[] | select(.id == "smb.protected_share" and .severity == "info" and (.title | contains("private")))] | length == 1' "password share: info finding"
assert_json "$T/list.json" '[.findings[] | select(.category == "network_key" and (.title | contains("zigbee2mqtt/configuration.yaml")))] | length == 1' "Zigbee network key file flagged (network_key)"
assert_json "$T/list.json" '.findings | all(.reproduce | startswith("smbclient"))' "every finding has a reproduce line"
assert_json "$T/list.json" '(.smb | has("secrets_read")) | not' "nothing read without --read-secrets"
assert_json "$T/list.json" '[.findings[] | select(.id | startswith("smb.") | not)] | length == 0' "no content findings without --read-secrets"
assert_eq 0 "$(grep -c "$SECRET" "$T/list.json")" "no secret value in the default record"
jq -r '.findings[] | select(.id == "smb.ha_file" and (.title | contains(".tar"))) | .reproduce' "$T/list.json" >"$T/repro.txt"
if [ -s "$T/repro.txt" ] && python3 -c 'import shlex, sys
w = shlex.split(open(sys.argv[1]).readline())
sys.exit(0 if w[w.index("-c") + 1] == sys.argv[2] else 1)' "$T/repro.txt" "allinfo \"x'\$(id)'.tar\""; then
	pass "a server-chosen file name stays inside the reproduce line's quotes"
else
	fail "reproduce line with a quote in the file name: $(cat "$T/repro.txt")"
fi
no_asan_report "$T/list.err"

# --- 2. --read-secrets on a named host: classified, redacted
"$RUN" $A $PORT --read-secrets >"$T/read.json" 2>"$T/read.err"
assert_eq 0 $? "smb job exit code (--read-secrets; walker and reference agree)"
assert_json "$T/read.json" '.smb.secrets_read >= 4' "secret files read (>= 4)"
assert_json "$T/read.json" '[.findings[] | select((.id | startswith("smb.") | not) and .category == "credential")] | length >= 1' "classifier: credential finding from the files"
assert_eq 0 "$(grep -c "$SECRET" "$T/read.json")" "the MQTT password is not in the record (redacted)"
assert_eq 0 "$(grep -c 'correct-horse-battery' "$T/read.json")" "the Wi-Fi password is not in the record (redacted)"
assert_json "$T/read.json" '[.findings[] | select((.id | startswith("smb.") | not) and .category == "network_key" and .confidence == "confirmed")] | length >= 1' "classifier: the Zigbee network key read and reported"
assert_eq 0 "$(grep -c '41, 203' "$T/read.json")" "the Zigbee network key is not in the record (redacted)"
no_asan_report "$T/read.err"

# --- 3. --read-secrets on a host from a range: refused
"$RUN" $A $PORT --read-secrets --range >"$T/range.json" 2>"$T/range.err"
assert_eq 0 $? "smb job exit code (--range; walker and reference agree)"
assert_json "$T/range.json" '.smb.read_secrets | startswith("refused")' "--read-secrets refused for a range target"
assert_json "$T/range.json" '[.findings[] | select(.id | startswith("smb.") | not)] | length == 0' "range target: nothing read or classified"
assert_json "$T/range.json" '[.findings[] | select(.id == "smb.ha_files")] | length == 1' "range target: names still listed"

# --- 4. a closed port
start=$(date +%s%N)
"$RUN" $A 4446 >"$T/closed.json" 2>"$T/closed.err"
el=$(( ($(date +%s%N) - start) / 1000000 ))
assert_json "$T/closed.json" '.status == "connection-refused" and (.findings | length) == 0 and (has("smb") | not)' "closed port: connection-refused, no finding, no smb block"
assert_eq 1 "$(grep -c '^access: unknown$' "$T/closed.err")" "summarize hook: no answer (unknown)"
[ $el -lt 3000 ] && pass "closed port answered in ${el} ms" || fail "closed port took ${el} ms"

# --- 4b. share listing refused (restrict anonymous = 2): the add-on's share names are tried
bash "$PEER/start_smbd.sh" 127.0.93.6 $PORT "$SMBDIR2" "$MSW_FIXTURES/payloads" 2 >"$T/start2.out" 2>&1 ||
	{ cat "$T/start2.out" >&2; fail "second smbd did not start"; }
"$RUN" 127.0.93.6 $PORT >"$T/restrict.json" 2>"$T/restrict.err"
assert_eq 0 $? "smb job exit code (listing refused; walker and reference agree)"
assert_json "$T/restrict.json" '.status == "success" and .smb.share_listing == "denied"' "listing refused: recorded as denied"
assert_json "$T/restrict.json" '.smb.shares | map(select(.name == "config" and .guessed == true and .access == "guest" and (.files | length) >= 4)) | length == 1' "listing refused: the 'config' share found by its add-on name"
assert_json "$T/restrict.json" '.smb.shares | map(select(.name == "private" or .name == "public")) | length == 0' "listing refused: unlisted shares not invented"
bash "$PEER/stop_smbd.sh" "$SMBDIR2"

# --- 5. end to end through mqttsweep, when the CLI has --smb-port
if "$MSW_BIN" audit --help 2>&1 | grep -q -- '--smb-port'; then
	"$MSW_BIN" audit $A --probe-all --smb-port $PORT --read-secrets --format json \
		--metadata-file "$T/e2e.meta" >"$T/e2e.json" 2>"$T/e2e.err"
	assert_json "$T/e2e.json" '.probe == "smb" and .port == 4445 and .status == "success" and ([.findings[] | select(.id == "smb.ha_files")] | length == 1)' "mqttsweep audit: smb record with the critical share finding"
	# the scan metadata counts the secret files the records say were read (the smb block
	# typed: the count is read through the record's tables), with and without --workers
	n_read=$(jq -s '[.[] | select(.probe == "smb") | .smb.secrets_read // 0] | add' "$T/e2e.json")
	assert_json "$T/e2e.meta" ".final and .opt_in.read_secrets and .opt_in_actions.secrets_read == $n_read and $n_read >= 4" \
		"metadata: opt_in_actions.secrets_read = the records' secrets_read ($n_read)"
	"$MSW_BIN" audit $A --probe-all --smb-port $PORT --read-secrets --format json --workers 2 \
		--metadata-file "$T/w.meta" >"$T/w.json" 2>"$T/w.err"
	assert_json "$T/w.meta" ".opt_in_actions.secrets_read == $n_read" \
		"--workers 2: the parent counts the children's secret reads ($n_read)"
	no_asan_report "$T/w.err"
	assert_eq 0 "$(grep -c "$SECRET" "$T/e2e.json")" "mqttsweep audit: no secret in clear"
	validate_schema "$T/e2e.json"
	no_asan_report "$T/e2e.err"
	# libsmbclient is loaded on first use: without it the SMB record says why, the rest runs
	MQTTSWEEP_LIBSMBCLIENT=/nonexistent/libsmbclient.so.0 "$MSW_BIN" audit $A --probe-all \
		--smb-port $PORT --format json >"$T/nolib.json" 2>"$T/nolib.err"
	assert_json "$T/nolib.json" '.probe == "smb" and .status == "unknown-error" and (.error | startswith("SMB probe unavailable: cannot load libsmbclient"))' "no libsmbclient: the smb record says why"
	assert_json "$T/nolib.json" '.probe != "smb"' "no libsmbclient: the other probes still ran"
	no_asan_report "$T/nolib.err"
else
	echo "note: mqttsweep has no --smb-port yet; end-to-end part skipped"
fi

# --- 6. smbd and samba-dcerpcd stopped by PID
pids=$(cat "$SMBDIR"/pid/*.pid "$SMBDIR/smbd.launcher.pid" "$SMBDIR2"/pid/*.pid "$SMBDIR2/smbd.launcher.pid" 2>/dev/null)
bash "$PEER/stop_smbd.sh" "$SMBDIR"
left=0
for p in $pids; do kill -0 "$p" 2>/dev/null && left=$((left + 1)); done
assert_eq 0 "$left" "smbd processes left running"
finish
