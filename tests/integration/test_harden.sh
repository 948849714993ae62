#!/usr/bin/env bash
# mqttsweep harden, checked by starting real Mosquitto with what it wrote (127.0.87.x):
#   1. the files: modes, $7$101$ PBKDF2 hashes, passwords.txt 0600, lint finds nothing
#   2. the broker: anonymous refused; audit --fail-on medium exits 0 and reports nothing
#      above low; a wrong password is refused
#   3. every generated account logs in; alice reads and writes only owntracks/alice/...;
#      bob cannot read or overwrite alice's location; audit -u bob reads none of it;
#      homeassistant publishes discovery and reads OwnTracks locations; nobody reads $SYS
#   4. --tls-cert/--tls-key: a TLS listener; audit with --cafile verifies it, logins work
#   5. --install-dir: the paths in mosquitto.conf and the install commands; --force;
#      usage errors (bad user name, missing --out, unreadable certificate)
set -u
. "$(dirname "$0")/lib.sh"

T=$(msw_tmpdir)
A1=127.0.87.1 A2=127.0.87.2
P=$(free_port $A1)
D="$T/hard"

pw_of() { awk -v u="$1" '$1 == u {print $2}' "$D/passwords.txt"; }

run_mosq() { # run_mosq CONF ADDR PORT
	mosquitto -c "$1" >"$T/mosq-$2.log" 2>&1 &
	MOSQ_PID=$!
	track_pid $MOSQ_PID
	wait_port "$2" "$3" 10 || { cat "$1" "$T/mosq-$2.log" >&2; return 1; }
}

# ---------------------------------------------------------------- 1. the files
"$MSW_BIN" harden --listen $A1:$P --out "$D" --user homeassistant --user alice --user bob \
	--user zigbee2mqtt >"$T/harden.out" 2>"$T/harden.err"
assert_eq 0 "$?" "1: harden exits 0"
for f in mosquitto.conf passwd acl passwords.txt; do
	[ -s "$D/$f" ] && pass "1: $f written" || fail "1: $f missing"
done
assert_eq 600 "$(stat -c %a "$D/passwords.txt")" "1: passwords.txt is 0600"
assert_eq 600 "$(stat -c %a "$D/passwd")" "1: passwd is 0600"
assert_eq 4 "$(grep -cE '^[a-z0-9]+:\$7\$101\$[A-Za-z0-9+/]{16}\$[A-Za-z0-9+/]{86}==$' "$D/passwd")" \
	"1: four PBKDF2-SHA512 entries, 101 iterations, 12-byte salt, 64-byte hash"
assert_eq 4 "$(grep -cE '^[a-z0-9]+ [A-Za-z0-9]{24}$' "$D/passwords.txt")" "1: four 24-character passwords"
grep -q "passwords.txt" "$T/harden.out" && pass "1: the output names passwords.txt" || fail "1: passwords.txt not named"
for u in homeassistant alice bob zigbee2mqtt; do
	grep -qF "$(pw_of $u)" "$T/harden.out" "$T/harden.err" && fail "1: $u's password printed" ||
		pass "1: $u's password not printed"
done
grep -q "^listener $P $A1$" "$D/mosquitto.conf" && pass "1: the listener line" || fail "1: listener line"
"$MSW_BIN" lint "$D/mosquitto.conf" >"$T/lint.out" 2>&1
assert_eq 0 "$?" "1: lint exits 0 on the result"
grep -q "^0 findings$" "$T/lint.out" && pass "1: lint: 0 findings" || { fail "1: lint findings"; cat "$T/lint.out" >&2; }

# ---------------------------------------------------------------- 2. the broker
run_mosq "$D/mosquitto.conf" $A1 $P || { fail "2: mosquitto did not start"; finish; }
"$MSW_BIN" audit $A1:$P --window 2 --format json --fail-on medium >"$T/anon.json" 2>>"$T/audit.err"
assert_eq 0 "$?" "2: audit --fail-on medium exits 0"
assert_json "$T/anon.json" '.probe == "mqtt" and .auth == "credentials_required"' "2: anonymous clients refused"
assert_json_all "$T/anon.json" '[.findings[]? | select(.severity == "medium" or .severity == "high" or .severity == "critical")] | length == 0' \
	"2: no finding above low"
mosquitto_sub -h $A1 -p $P -u alice -P wrong-password -t x -C 1 -W 2 >/dev/null 2>"$T/bad.err"
grep -q "not authorised" "$T/bad.err" && pass "2: a wrong password is refused" || fail "2: wrong password: $(cat "$T/bad.err")"

# ---------------------------------------------------------------- 3. the accounts
for u in homeassistant alice bob zigbee2mqtt; do
	mosquitto_pub -h $A1 -p $P -u $u -P "$(pw_of $u)" -t "clients/$u/hello" -m hi 2>"$T/pub.err" &&
		pass "3: $u logs in" || fail "3: $u cannot log in: $(cat "$T/pub.err")"
done
AP=$(pw_of alice) BP=$(pw_of bob) HP=$(pw_of homeassistant) ZP=$(pw_of zigbee2mqtt)
mosquitto_pub -h $A1 -p $P -u alice -P "$AP" -r -t owntracks/alice/phone \
	-m '{"_type":"location","lat":52.37,"lon":4.89,"tst":1700000000}'
got=$(mosquitto_sub -h $A1 -p $P -u alice -P "$AP" -t 'owntracks/alice/#' -C 1 -W 3 2>/dev/null)
case $got in *'"lat":52.37'*) pass "3: alice reads her own location" ;; *) fail "3: alice: '$got'" ;; esac
got=$(mosquitto_sub -h $A1 -p $P -u bob -P "$BP" -t 'owntracks/#' -C 1 -W 2 2>/dev/null)
assert_eq "" "$got" "3: bob reads nothing of alice's"
mosquitto_pub -h $A1 -p $P -u bob -P "$BP" -r -t owntracks/alice/phone -m '{"_type":"location","lat":0,"lon":0}'
got=$(mosquitto_sub -h $A1 -p $P -u alice -P "$AP" -t owntracks/alice/phone -C 1 -W 3 2>/dev/null)
case $got in *'"lat":52.37'*) pass "3: bob cannot overwrite alice's location" ;; *) fail "3: overwritten: '$got'" ;; esac
"$MSW_BIN" audit $A1:$P -u bob -P "$BP" --window 2 --format json >"$T/bob.json" 2>>"$T/audit.err"
assert_json "$T/bob.json" '.probe == "mqtt" and .auth == "authenticated" and .read_access != "granted_with_data"' \
	"3: audit -u bob: '#' delivers nothing"
assert_json "$T/bob.json" '.broker.evidence | length == 0' "3: audit -u bob: no \$SYS"
"$MSW_BIN" audit $A1:$P -u alice -P "$AP" --window 2 --format json >"$T/alice.json" 2>>"$T/audit.err"
assert_json "$T/alice.json" '.read_access == "granted_with_data" and (.topics.list | map(select(.topic | startswith("owntracks/"))) | length == 1) and (.topics.list | length == 1)' \
	"3: audit -u alice: exactly her own topic"
got=$(mosquitto_sub -h $A1 -p $P -u homeassistant -P "$HP" -t 'owntracks/+/+' -C 1 -W 3 2>/dev/null)
case $got in *'"lat":52.37'*) pass "3: homeassistant reads OwnTracks locations (device_tracker)" ;; *) fail "3: homeassistant: '$got'" ;; esac
mosquitto_pub -h $A1 -p $P -u homeassistant -P "$HP" -r -t homeassistant/sensor/t1/config -m '{"name":"t1"}'
got=$(mosquitto_sub -h $A1 -p $P -u zigbee2mqtt -P "$ZP" -t 'homeassistant/#' -C 1 -W 3 2>/dev/null)
assert_eq '{"name":"t1"}' "$got" "3: discovery written by homeassistant, read by zigbee2mqtt"
got=$(mosquitto_sub -h $A1 -p $P -u alice -P "$AP" -t 'homeassistant/#' -C 1 -W 2 2>/dev/null)
assert_eq "" "$got" "3: alice does not read discovery"
got=$(mosquitto_sub -h $A1 -p $P -u homeassistant -P "$HP" -t '$SYS/#' -C 1 -W 2 2>/dev/null)
assert_eq "" "$got" "3: not even homeassistant reads \$SYS"
mosquitto_pub -h $A1 -p $P -u alice -P "$AP" -r -t owntracks/alice/phone -n
mosquitto_pub -h $A1 -p $P -u homeassistant -P "$HP" -r -t homeassistant/sensor/t1/config -n

# ---------------------------------------------------------------- 4. TLS
DT="$T/tls"
mkdir -p "$T/certs"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-subj "/CN=$A2" -addext "subjectAltName=IP:$A2" -keyout "$T/certs/key.pem" \
	-out "$T/certs/cert.pem" >/dev/null 2>&1
chmod 0644 "$T/certs/cert.pem"
chmod 0640 "$T/certs/key.pem"
chgrp mosquitto "$T/certs/key.pem" 2>/dev/null
"$MSW_BIN" harden --listen $A2:$P --out "$DT" --user sensor --tls-cert "$T/certs/cert.pem" \
	--tls-key "$T/certs/key.pem" >/dev/null 2>"$T/harden-tls.err"
assert_eq 0 "$?" "4: harden with --tls-cert/--tls-key"
grep -q "^certfile $T/certs/cert.pem$" "$DT/mosquitto.conf" && grep -q "^keyfile $T/certs/key.pem$" "$DT/mosquitto.conf" &&
	pass "4: certfile and keyfile on the listener" || fail "4: TLS lines missing"
"$MSW_BIN" lint "$DT/mosquitto.conf" >"$T/lint-tls.out" 2>&1
assert_eq 0 "$?" "4: lint clean with TLS"
run_mosq "$DT/mosquitto.conf" $A2 $P || { fail "4: mosquitto (TLS) did not start"; finish; }
"$MSW_BIN" audit mqtts://$A2:$P --cafile "$T/certs/cert.pem" --window 1 --format json --fail-on medium \
	>"$T/tls.json" 2>>"$T/audit.err"
assert_eq 0 "$?" "4: audit over TLS --fail-on medium exits 0"
assert_json "$T/tls.json" '.probe == "mqtt" and .transport == "tls" and .transport_security == "tls_verified" and .auth == "credentials_required"' \
	"4: TLS verified, anonymous refused"
SP=$(awk '$1 == "sensor" {print $2}' "$DT/passwords.txt")
mosquitto_pub -h $A2 -p $P --cafile "$T/certs/cert.pem" -u sensor -P "$SP" -t clients/sensor/t -m 1 2>"$T/tlspub.err" &&
	pass "4: the generated account logs in over TLS" || fail "4: TLS login: $(cat "$T/tlspub.err")"

# ---------------------------------------------------------------- 5. options and errors
"$MSW_BIN" harden --listen 127.0.0.1:1883 --out "$T/inst" --user alice --install-dir /etc/mosquitto >"$T/inst.out" 2>&1
assert_eq 0 "$?" "5: --install-dir"
grep -q "^password_file /etc/mosquitto/passwd$" "$T/inst/mosquitto.conf" && grep -q "^persistence_location /etc/mosquitto/data/$" "$T/inst/mosquitto.conf" &&
	pass "5: the configuration names the install paths" || fail "5: install paths"
grep -q "install -o mosquitto -m 0600 $T/inst/passwd $T/inst/acl /etc/mosquitto/" "$T/inst.out" &&
	pass "5: the install commands" || fail "5: install commands missing"
"$MSW_BIN" harden --listen 127.0.0.1:1883 --out "$T/inst" --user alice >/dev/null 2>"$T/again.err"
assert_eq 3 "$?" "5: existing files are not replaced without --force"
grep -q "use --force" "$T/again.err" && pass "5: ... and the message says --force" || fail "5: no --force hint"
old=$(cat "$T/inst/passwd")
"$MSW_BIN" harden --listen 127.0.0.1:1883 --out "$T/inst" --user alice --force >/dev/null 2>&1
assert_eq 0 "$?" "5: --force replaces them"
[ "$old" != "$(cat "$T/inst/passwd")" ] && pass "5: a new password file" || fail "5: passwd unchanged"
"$MSW_BIN" harden --listen 127.0.0.1:1883 --out "$T/x" --user 'a/b' >/dev/null 2>&1
assert_eq 2 "$?" "5: a user name with '/' is refused"
"$MSW_BIN" harden --listen 127.0.0.1:1883 --user a >/dev/null 2>&1
assert_eq 2 "$?" "5: --out is required"
"$MSW_BIN" harden --listen 127.0.0.1 --out "$T/x" >/dev/null 2>&1
assert_eq 2 "$?" "5: --listen needs a port"
"$MSW_BIN" harden --listen 127.0.0.1:1883 --out "$T/x" --tls-cert /nonexistent --tls-key /nonexistent >/dev/null 2>&1
assert_eq 2 "$?" "5: an unreadable certificate is a usage error"
finish
