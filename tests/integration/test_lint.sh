#!/usr/bin/env bash
# mqttsweep lint, checked against real Mosquitto on 127.0.86.x.
#
# Each configuration is written the way people write them (comments, blank lines, CRLF,
# 1.x-style port/bind_address, include_dir) twice: AS WRITTEN (its real address: every
# address, a LAN address) for lint, and AS STARTED here (the same file with a 127.0.86.x
# address and a free port). lint must name the weakness on the first, treat the second's
# 127.x address as the loopback address it is, and the broker started from the second
# must show the weakness to `mqttsweep audit`:
#   1. anonymous default listener (port/bind_address, CRLF): audit auth=anonymous and $SYS
#      version read; world-readable password/persistence files flagged, 0600 not
#   2. an ACL whose pattern gives '#' to every user: audit -u bob reads alice's topics
#   3. anonymous clients get $SYS through the ACL: audit reads $SYS/broker/version
#   4. a WebSockets listener bound to one IPv4 address: lint flags it; the broker (in a
#      private network namespace) listens on every address; with socket_domain ipv4 both
#      are clean
#   5. password_file before the first listener under per_listener_settings: an extra
#      listener on 1883 on every address that accepts anonymous clients (private namespace)
#   6. include_dir: an included file's allow_anonymous does not reach the listener of the
#      file before it (per-file current listener): audit is refused
#   7. a tab between name and value: Mosquitto refuses to start, lint says so
#   8. the Home Assistant add-on: options.json and the YAML form, customize folder (--share)
#   9. --mosquitto-version 1.6, --fail-on, SARIF 2.1.0 validated against the schema
set -u
. "$(dirname "$0")/lib.sh"

T=$(msw_tmpdir)
P=$(free_port 127.0.86.1)
SARIF_SCHEMA="$MSW_SOURCE_DIR/tests/peers/sarif/node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json"

lint() { # lint ARGS...: stdout to $T/lint.out, exit code in LINT_RC
	"$MSW_BIN" lint "$@" >"$T/lint.out" 2>"$T/lint.err"
	LINT_RC=$?
}

has_rule() { # has_rule FILE RULE LINE: a finding of RULE at FILE:LINE in $T/lint.out
	grep -qE "^$(basename "$1"):$3: [a-z]+ \[$2\]|^$1:$3: [a-z]+ \[$2\]" "$T/lint.out"
}

expect_rule() { # expect_rule CONF RULE LINE MESSAGE
	if has_rule "$1" "$2" "$3"; then
		pass "$4"
	else
		fail "$4: no [$2] at $(basename "$1"):$3"
		cat "$T/lint.out" >&2
	fi
}

expect_no_rule() { # expect_no_rule RULE MESSAGE
	if grep -q "\[$1\]" "$T/lint.out"; then
		fail "$2"
		cat "$T/lint.out" >&2
	else
		pass "$2"
	fi
}

run_mosq() { # run_mosq CONF ADDR PORT: start the broker from CONF, wait for the port
	mosquitto -c "$1" >"$1.log" 2>&1 &
	track_pid $!
	MOSQ_PID=$!
	wait_port "$2" "$3" 10 || { cat "$1" "$1.log" >&2; return 1; }
}

stop_mosq() {
	kill "$MOSQ_PID" 2>/dev/null
	wait "$MOSQ_PID" 2>/dev/null
}

audit() { # audit OUT ARGS...: JSON records of mqttsweep audit
	local out=$1
	shift
	"$MSW_BIN" audit "$@" --window 2 --format json >"$out" 2>>"$T/audit.err"
}

cd "$T" || exit 1

# ---------------------------------------------------------------- 1. anonymous, 1.x style
make_passwd "$T/passwd1" owner 'Lint-0wner-pw-77'
chmod 0644 "$T/passwd1"
printf '# Mosquitto on the Raspberry Pi (from a 2019 tutorial)\r\n\r\nport 1883\r\nallow_anonymous true\r\npassword_file %s\r\n\r\npersistence true\r\npersistence_location %s/\r\n' \
	"$T/passwd1" "$T" >written1.conf
sed -e "s/^port 1883/port $P\r\nbind_address 127.0.86.1/" written1.conf >started1.conf
lint written1.conf
assert_eq 1 "$LINT_RC" "1: lint exits 1 on findings"
expect_rule written1.conf listener-anonymous 4 "1: anonymous default listener on every address (CRLF file)"
grep -q "listens on every address" "$T/lint.out" && pass "1: the message names every address" || fail "1: scope not named"
expect_rule written1.conf file-world-readable 5 "1: world-readable password file (mode 0644)"
lint started1.conf
expect_rule started1.conf listener-anonymous-local 5 "1: the 127.0.86.1 copy is loopback to lint (info)"
expect_no_rule listener-anonymous\] "1: no network-anonymous finding for the 127.x copy"
run_mosq started1.conf 127.0.86.1 "$P" || fail "1: mosquitto did not start"
audit a1.json 127.0.86.1:"$P"
assert_json a1.json '.probe == "mqtt" and .auth == "anonymous"' "1: audit: the broker accepts anonymous clients"
assert_json a1.json '[.findings[] | select(.id == "mqtt.anonymous")] | length == 1' "1: audit: mqtt.anonymous finding"
assert_json a1.json '.broker.evidence | map(select(.source == "$SYS/broker/version")) | length == 1' "1: audit: \$SYS readable (version)"
stop_mosq
if [ -f "$T/mosquitto.db" ]; then
	chmod 0644 "$T/mosquitto.db"
	lint written1.conf
	expect_rule written1.conf file-world-readable 7 "1: world-readable persistence database"
	chmod 0600 "$T/mosquitto.db" "$T/passwd1"
	lint written1.conf
	expect_no_rule file-world-readable "1: 0600 files are not flagged"
else
	fail "1: mosquitto wrote no persistence database"
fi

# ---------------------------------------------------------------- 2. ACL: '#' for every user
make_passwd "$T/passwd2" alice 'Alice-pw-0123456'
make_passwd "$T/passwd2" bob 'Bob-pw-0123456789'
chmod 0600 "$T/passwd2"
chown mosquitto "$T/passwd2" 2>/dev/null # the broker drops to user mosquitto
cat >acl2 <<'EOF'
# family broker: everyone may see everything (so the dashboard works)
pattern read #
pattern readwrite owntracks/%u/#

user admin
topic readwrite #
EOF
printf 'listener 1883\nallow_anonymous false\npassword_file %s\nacl_file %s/acl2\n' "$T/passwd2" "$T" >written2.conf
sed -e "s/^listener 1883$/listener $P 127.0.86.2/" written2.conf >started2.conf
lint written2.conf
expect_rule written2.conf acl-everyone-all 4 "2: 'pattern read #' gives every client every topic"
grep -q "acl2' line 2" "$T/lint.out" && pass "2: the ACL file's own line is named" || fail "2: ACL line not named"
expect_no_rule listener-anonymous "2: no anonymous finding"
run_mosq started2.conf 127.0.86.2 "$P" || fail "2: mosquitto did not start"
mosquitto_pub -h 127.0.86.2 -p "$P" -u alice -P 'Alice-pw-0123456' -r -t owntracks/alice/phone \
	-m '{"_type":"location","lat":52.37,"lon":4.89,"tst":1700000000}'
audit a2.json 127.0.86.2:"$P" -u bob -P 'Bob-pw-0123456789'
assert_json a2.json '.probe == "mqtt" and .auth == "authenticated" and .read_access == "granted_with_data"' "2: audit -u bob: '#' granted with data"
assert_json a2.json '.topics.list | map(select(.topic | startswith("owntracks/"))) | length >= 1' "2: audit -u bob reads alice's OwnTracks topic"
stop_mosq

# ---------------------------------------------------------------- 3. $SYS for anonymous via ACL
printf '# guests may see the public board and the broker status\ntopic read public/#\ntopic read $SYS/#\n' >acl3
printf 'listener 1883 0.0.0.0\nallow_anonymous true\nacl_file %s/acl3\n' "$T" >written3.conf
sed -e "s/^listener 1883 0.0.0.0$/listener $P 127.0.86.3/" written3.conf >started3.conf
lint written3.conf
expect_rule written3.conf sys-readable 3 "3: \$SYS granted to anonymous clients by the ACL"
expect_rule written3.conf listener-anonymous 2 "3: anonymous listener on 0.0.0.0"
expect_no_rule acl-anonymous-all "3: no '#' finding (the ACL grants public/# only)"
run_mosq started3.conf 127.0.86.3 "$P" || fail "3: mosquitto did not start"
mosquitto_pub -h 127.0.86.3 -p "$P" -r -t private/diary -m secret 2>/dev/null
audit a3.json 127.0.86.3:"$P"
assert_json a3.json '.auth == "anonymous" and (.broker.evidence | map(select(.source == "$SYS/broker/version")) | length == 1)' "3: audit reads \$SYS/broker/version anonymously"
assert_json a3.json '[.topics.list[]? | select(.topic | startswith("private/"))] | length == 0' "3: audit: the ACL keeps private/ closed"
stop_mosq

# ---------------------------------------------------------------- 4. WebSockets bind address
printf 'listener %s 127.0.86.4\nprotocol websockets\nlistener %s 127.0.86.4\nallow_anonymous false\npassword_file %s\nacl_file %s/acl2\n' \
	"$P" "$((P + 1))" "$T/passwd2" "$T" >ws4.conf
sed -e "s/^protocol websockets$/protocol websockets\nsocket_domain ipv4/" ws4.conf >ws4fixed.conf
lint ws4.conf
expect_rule ws4.conf websockets-bind-ignored 1 "4: WebSockets listener bound to an IPv4 address is flagged"
lint ws4fixed.conf
expect_no_rule websockets-bind-ignored "4: with socket_domain ipv4 it is not"
chmod 0644 ws4.conf ws4fixed.conf
ws_binds() { # the address mosquitto's WebSockets socket listens on, in a private namespace
	unshare -n bash -c "ip link set lo up; ip addr add 127.0.86.4/32 dev lo 2>/dev/null
		mosquitto -c '$1' >/dev/null 2>&1 & m=\$!
		for i in \$(seq 50); do ss -Hltn \"sport = :$P\" | grep -q . && break; sleep 0.1; done
		ss -Hltn \"sport = :$P\" | awk '{print \$4}'; kill \$m; wait \$m 2>/dev/null"
}
B4=$(ws_binds "$T/ws4.conf")
B4F=$(ws_binds "$T/ws4fixed.conf")
assert_eq "*:$P" "$B4" "4: the real broker listens on every address (ss)"
assert_eq "127.0.86.4:$P" "$B4F" "4: with socket_domain ipv4 only on 127.0.86.4"

# ---------------------------------------------------------------- 5. implicit default listener
printf '# per-listener users\nper_listener_settings true\npassword_file %s\n\nlistener %s 127.0.86.5\nallow_anonymous false\npassword_file %s\n' \
	"$T/passwd2" "$P" "$T/passwd2" >pl5.conf
chmod 0644 pl5.conf
lint pl5.conf
expect_rule pl5.conf implicit-default-listener 3 "5: password_file before the listener opens 1883 on every address"
grep -q "accepts anonymous clients there" "$T/lint.out" && pass "5: ... with anonymous access" || fail "5: anonymous not named"
expect_rule pl5.conf per-listener-default 3 "5: per-listener-default names the line"
R5=$(unshare -n bash -c "ip link set lo up
	mosquitto -c '$T/pl5.conf' >/dev/null 2>&1 & m=\$!
	for i in \$(seq 50); do ss -Hltn 'sport = :1883' | grep -q . && break; sleep 0.1; done
	ss -Hltn 'sport = :1883' | awk '{print \$4}' | sort | tr '\n' ' '
	'$MSW_BIN' audit 127.0.0.1:1883 --window 1 --format json 2>/dev/null | jq -r 'select(.probe == \"mqtt\") | .auth'
	kill \$m; wait \$m 2>/dev/null")
case $R5 in
"*:1883 0.0.0.0:1883 "*anonymous | "0.0.0.0:1883 [::]:1883 "*anonymous | *"0.0.0.0:1883"*anonymous)
	pass "5: the real broker opened 1883 on every address and let audit in anonymously ($R5)" ;;
*) fail "5: expected 1883 on every address with anonymous access, got: $R5" ;;
esac

# ---------------------------------------------------------------- 6. include_dir, per file
mkdir -p conf.d
printf '# the LAN listener\nlistener %s 127.0.86.6\n' "$P" >conf.d/10-listener.conf
printf '# guests\nallow_anonymous true\n' >conf.d/20-guests.conf
printf 'ignored\tline\n' >conf.d/30-notes.txt
chmod 0644 conf.d/*
printf 'per_listener_settings true\ninclude_dir %s/conf.d\n' "$T" >inc6.conf
lint inc6.conf
expect_rule "$T/conf.d/20-guests.conf" per-listener-default 2 "6: allow_anonymous in the second file goes to the default listener"
expect_rule "$T/conf.d/10-listener.conf" listener-no-auth 2 "6: the listener ends with no way in"
expect_no_rule syntax "6: files not ending in .conf are not read"
run_mosq inc6.conf 127.0.86.6 "$P" || fail "6: mosquitto did not start"
audit a6.json 127.0.86.6:"$P"
assert_json a6.json '.probe == "mqtt" and .auth != "anonymous"' "6: audit: anonymous clients refused, as lint said"
stop_mosq

# ---------------------------------------------------------------- 7. a tab
printf 'listener %s 127.0.86.7\nallow_anonymous\ttrue\n' "$P" >tab7.conf
lint tab7.conf
expect_rule tab7.conf syntax 2 "7: tab between name and value"
timeout 5 mosquitto -c tab7.conf >tab7.log 2>&1
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q "Unknown configuration variable" tab7.log &&
	pass "7: real Mosquitto refuses the file (rc $rc)" || { fail "7: mosquitto rc $rc"; cat tab7.log >&2; }

# ---------------------------------------------------------------- 8. the Home Assistant add-on
mkdir -p share/mosquitto
cat >options.json <<'EOF'
{
  "logins": [
    {"username": "tasmota", "password": "tasmota1"},
    {"username": "phone", "password": "Xq7-long-random-pass-9"}
  ],
  "require_certificate": false,
  "certfile": "fullchain.pem",
  "keyfile": "privkey.pem",
  "customize": {"active": true, "folder": "mosquitto"}
}
EOF
cat >addon.yaml <<'EOF'
logins:
  - username: tasmota
    password: tasmota1   # the plug's
  - username: phone
    password: "Xq7-long-random-pass-9"
require_certificate: false
certfile: fullchain.pem
keyfile: privkey.pem
customize:
  active: true
  folder: mosquitto
EOF
printf 'acl_file /share/mosquitto/accesscontrollist\n' >share/mosquitto/acl.conf
printf 'user homeassistant\ntopic readwrite #\n\npattern read #\n' >share/mosquitto/accesscontrollist
for f in options.json addon.yaml; do
	lint --share "$T/share" "$f"
	expect_rule "$f" addon-weak-login 3 "8 ($f): short login password (line of the password)"
	grep -q "phone" "$T/lint.out" && fail "8 ($f): the good login is flagged" || pass "8 ($f): the long login is not"
	grep -q "tasmota1" "$T/lint.out" && fail "8 ($f): a password reached the output" || pass "8 ($f): no password in the output"
	grep -q "acl-everyone-all" "$T/lint.out" && pass "8 ($f): the customize folder's ACL is read (--share)" ||
		{ fail "8 ($f): customize ACL not read"; cat "$T/lint.out" >&2; }
	grep -q "plaintext-beside-tls" "$T/lint.out" && pass "8 ($f): 1883/1884 beside TLS 8883/8884" || fail "8 ($f): plain ports"
	expect_no_rule listener-anonymous "8 ($f): the add-on allows no anonymous clients"
done
lint --share "$T/nowhere" options.json
grep -q "addon-every-user-all" "$T/lint.out" && pass "8: without --share the folder is missing: no ACL" || fail "8: --share had no effect"
lint --share "$T/share" "$T/share/mosquitto"
grep -q "acl-everyone-all" "$T/lint.out" && pass "8: a customize folder on its own" || fail "8: customize folder alone"

# ---------------------------------------------------------------- 9. versions, --fail-on, SARIF
: >empty.conf
lint empty.conf
assert_eq 0 "$LINT_RC" "9: empty config, 2.0: local-only, loopback notes only (exit 0)"
grep -q "^empty.conf: info \[listener-anonymous-local\] the local-only listener" "$T/lint.out" &&
	pass "9: 2.0 local-only mode named" || fail "9: 2.0 local-only mode not named"
lint --mosquitto-version 1.6 empty.conf
assert_eq 1 "$LINT_RC" "9: empty config, 1.6: exit 1"
grep -q "\[listener-anonymous\].*1.6" "$T/lint.out" && pass "9: 1.6 listens everywhere, anonymous" || fail "9: 1.6 semantics"
lint --fail-on high tab7.conf
assert_eq 0 "$LINT_RC" "9: --fail-on high: a medium finding does not fail"
lint --fail-on medium tab7.conf
assert_eq 1 "$LINT_RC" "9: --fail-on medium: it does"
lint --format yaml empty.conf
assert_eq 2 "$LINT_RC" "9: bad --format is a usage error"
lint "$T/does-not-exist.conf"
assert_eq 2 "$LINT_RC" "9: unreadable file: exit 2"
for c in written1.conf written2.conf written3.conf ws4.conf pl5.conf inc6.conf tab7.conf options.json; do
	"$MSW_BIN" lint --share "$T/share" --format sarif "$c" >"$T/$c.sarif" 2>/dev/null
done
if [ -f "$SARIF_SCHEMA" ]; then
	for c in written1.conf written2.conf written3.conf ws4.conf pl5.conf inc6.conf tab7.conf options.json; do
		"$(msw_python)" "$MSW_SOURCE_DIR/tests/tools/validate_schema.py" "$SARIF_SCHEMA" "$T/$c.sarif" >/dev/null &&
			pass "9: SARIF of $c valid against the SARIF 2.1.0 schema" || fail "9: SARIF of $c invalid"
	done
else
	fail "9: SARIF schema missing ($SARIF_SCHEMA): run scripts/setup.sh"
fi
assert_json "$T/written2.conf.sarif" '.version == "2.1.0" and (.runs[0].tool.driver.rules | map(select(.id == "acl-everyone-all" and (.help.text | length) > 0)) | length == 1)' "9: SARIF rules carry ids and help"
assert_json "$T/written2.conf.sarif" '.runs[0].results | map(select(.ruleId == "acl-everyone-all" and .level == "error" and .locations[0].physicalLocation.artifactLocation.uri == "written2.conf" and .locations[0].physicalLocation.region.startLine == 4)) | length == 1' "9: SARIF result: ruleId, level, uri, startLine"
finish
