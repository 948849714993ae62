#!/usr/bin/env bash
# Who did what, and how to reproduce it (addresses 127.0.82.1-9):
#   - a password without a username is a usage error (-P, --password-file), never dropped;
#   - the password given on the command line (-P, --password=, a URL's) is blanked in the
#     process's own argv: /proc/PID/cmdline (what ps shows) never holds it while scanning;
#   - URL credentials count as given in the metadata (opt_in.credentials_given);
#   - a refused login with credentials we gave reads "rejected the credentials given";
#   - reproduce lines reproduce: on a broker that accepts any credentials (Aedes --auth any)
#     the findings' commands carry -u/-P placeholders and, run as printed, read the
#     broker; with credentials given they carry '<user>'/'<password>', which an owner
#     replaces; the clear-text-credentials finding shows the credentials on the wire;
#   - an anonymous broker has its finding at the default depth (connack);
#   - every record names the identity the scan used (auth_identity: the URL's or -u's
#     username, null when anonymous; never the password), in the JSON lines, the SQLite
#     services table and the CSV, also for targets that refused or were never reached.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T=$(msw_tmpdir)
OPEN=127.0.82.1  # Mosquitto, anonymous
PW=127.0.82.2    # Mosquitto, password file
SIL=127.0.82.3   # accepts TCP, never answers
ANY=127.0.82.4   # Aedes accepting any username/password
SECRET='Argv-Secret-82q'
PO=$(free_port $OPEN)
PP=$(free_port $PW)
PS=$(free_port $SIL)
PA=$(free_port $ANY)

start_mosquitto $OPEN "$PO" || { fail "mosquitto open"; finish; }
make_passwd "$T/passwd" tester "$SECRET"
start_mosquitto $PW "$PP" "allow_anonymous false" "password_file $T/passwd" || { fail "mosquitto pw"; finish; }
start_silent_listener $SIL "$PS" || { fail "silent listener"; finish; }
mosquitto_pub -h $OPEN -p "$PO" -r -t 'home/door' -m 'closed'
mosquitto_pub -h $PW -p "$PP" -u tester -P "$SECRET" -r -t 'home/lamp' -m 'on'

A=$MSW_SOURCE_DIR/tests/peers/aedes
if [ -d "$A/node_modules/aedes" ]; then
	node "$A/server.mjs" --auth any --tcp $ANY:"$PA" --retain any/topic:16 >"$T/aedes.out" 2>"$T/aedes.err" &
	track_pid $!
	wait_port $ANY "$PA" 20 || { cat "$T/aedes.err" >&2; fail "aedes"; }
else
	fail "tests/peers/aedes not installed (scripts/setup.sh)"
fi

# 1. a password needs a username
"$MSW_BIN" scan $PW -p "$PP" -P "$SECRET" >"$T/u1.out" 2>"$T/u1.err"
assert_eq 2 $? "-P without -u: usage error"
grep -q "needs a username" "$T/u1.err" && pass "-P without -u: says why" || fail "-P without -u message: $(cat "$T/u1.err")"
printf '%s\n' "$SECRET" >"$T/pwfile"
"$MSW_BIN" scan $PW -p "$PP" --password-file "$T/pwfile" >/dev/null 2>"$T/u2.err"
assert_eq 2 $? "--password-file without -u: usage error"
# the environment's password is used with -u only (then the login works)
MQTTSWEEP_PASSWORD="$SECRET" "$MSW_BIN" scan $PW -p "$PP" -u tester --format json >"$T/env.json" 2>/dev/null
assert_json "$T/env.json" '.auth == "authenticated"' "MQTTSWEEP_PASSWORD with -u logs in"

# 2. the password is not in the process's command line while it scans
argv_check() { # NAME ARGS... : scan the silent listener, read /proc/PID/cmdline meanwhile
	local name=$1
	shift
	"$MSW_BIN" scan "$@" --io-timeout 4 --format json -q >"$T/argv-$name.json" 2>"$T/argv-$name.err" &
	local pid=$! i seen=""
	track_pid $pid
	for i in $(seq 40); do # until it is connected to the listener, i.e. past option parsing
		if ss -Htn state established "dst $SIL:$PS" 2>/dev/null | grep -q .; then
			seen=1
			break
		fi
		sleep 0.1
	done
	if [ -z "$seen" ]; then
		fail "argv $name: scan never connected"
	elif tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$SECRET"; then
		fail "argv $name: the password is visible in /proc/$pid/cmdline"
	elif tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- '\*\*\*\*'; then
		pass "argv $name: the password is blanked in /proc/PID/cmdline"
	else
		fail "argv $name: cmdline read failed: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
	fi
	wait $pid
}
argv_check dashP $SIL -p "$PS" -u tester -P "$SECRET"
argv_check inline $SIL -p "$PS" -u tester "--password=$SECRET"
argv_check url "mqtt://tester:$SECRET@$SIL:$PS"

# 3. URL credentials count as given; none given: false
"$MSW_BIN" scan "mqtt://tester:$SECRET@$PW:$PP" --metadata-file "$T/m-url.json" --format json >"$T/url.json" 2>/dev/null
assert_json "$T/m-url.json" '.opt_in.credentials_given == true' "URL credentials: credentials_given"
assert_json "$T/url.json" '.auth == "authenticated"' "URL credentials: logged in"
"$MSW_BIN" scan $OPEN -p "$PO" --metadata-file "$T/m-none.json" --format json >/dev/null 2>&1
assert_json "$T/m-none.json" '.opt_in.credentials_given == false' "no credentials: credentials_given false"
printf 'mqtt://tester:%s@%s:%s\n' "$SECRET" $PW "$PP" >"$T/list.txt"
"$MSW_BIN" scan -iL "$T/list.txt" --metadata-file "$T/m-list.json" --format json >/dev/null 2>&1
assert_json "$T/m-list.json" '.opt_in.credentials_given == true' "URL credentials from -iL: credentials_given"

# 4. a refused login with credentials given
TERM=dumb script -qec "$MSW_BIN scan $PW -p $PP -u tester -P wrong-password -q" /dev/null >"$T/rej.txt" 2>&1
grep -q "rejected the credentials given" "$T/rej.txt" && pass "refused login: rejected the credentials given" ||
	{ fail "refused login sentence"; cat "$T/rej.txt" >&2; }
TERM=dumb script -qec "$MSW_BIN scan $PW -p $PP -q" /dev/null >"$T/anon-refused.txt" 2>&1
if grep -q "rejected the credentials given" "$T/anon-refused.txt"; then
	fail "no credentials given, yet 'rejected the credentials given'"
else
	pass "without credentials the refusal is not about given credentials"
fi

# 5. the anonymous finding at the default depth
"$MSW_BIN" scan $OPEN -p "$PO" --format json --metadata-file "$T/m-anon.json" >"$T/anon.json" 2>/dev/null
assert_json "$T/anon.json" '.auth == "anonymous" and ([.findings[].id] | index("mqtt.anonymous") != null)' \
	"depth connack: the anonymous broker has its finding"
assert_json "$T/m-anon.json" '.depth == "connack" and .counts.findings >= 1' "depth connack: findings counted"

# 6. reproduce lines reproduce
run_repro() { # FILE FINDING_ID USER PASS -> prints what the command printed
	local cmd
	cmd=$(jq -r --arg id "$2" 'select(.findings) | .findings[] | select(.id == $id) | .reproduce' "$1" | head -1)
	[ -n "$cmd" ] || return 1
	cmd=${cmd//<user>/$3}
	cmd=${cmd//<password>/$4}
	cmd=${cmd%%  #*}
	case $cmd in *"& mosquitto_sub"*) cmd="mosquitto_sub${cmd#*& mosquitto_sub}" ;; esac
	timeout 15 bash -c "$cmd" 2>&1
}
if [ -d "$A/node_modules/aedes" ]; then
	"$MSW_BIN" scan $ANY -p "$PA" --auth-probe --depth topics --window 1 --format json >"$T/any.json" 2>"$T/any.err"
	assert_json "$T/any.json" '.auth == "any_credentials"' "Aedes --auth any: any_credentials"
	assert_json_all "$T/any.json" 'has("auth_identity") and .auth_identity == null' \
		"any credentials probe: its random username is not an identity (auth_identity null)"
	assert_json_all "$T/any.json" '[.findings[].reproduce | select(test("mosquitto_sub"))] | all(test(" -u any-user -P any-password"))' \
		"any credentials: every mosquitto_sub line carries -u/-P"
	out=$(run_repro "$T/any.json" mqtt.any_credentials x x)
	if printf '%s' "$out" | grep -q "any/topic"; then
		pass "any credentials: the reproduce line reads the broker"
	else
		fail "any credentials: reproduce line did not read the broker: $out"
	fi
	assert_json "$T/any.json" '.findings[] | select(.id == "mqtt.cleartext_credentials") | .reproduce | test("tcpdump") and test("-u any-user -P any-password")' \
		"clear-text credentials: the reproduce line shows credentials on the wire"
fi
"$MSW_BIN" scan $PW -p "$PP" -u tester -P "$SECRET" --depth topics --window 1 --format json >"$T/auth.json" 2>/dev/null
assert_json "$T/auth.json" '.findings[] | select(.id == "mqtt.cleartext_credentials") | .reproduce | test("-u .<user>. -P .<password>.")' \
	"credentials given: placeholders, never the values"
if grep -q -- "$SECRET" "$T/auth.json"; then fail "the password reached a record"; else pass "no password in the records"; fi
out=$(run_repro "$T/auth.json" mqtt.cleartext_credentials tester "$SECRET")
if printf '%s' "$out" | grep -q '^[0-9]'; then
	pass "credentials given: the reproduce line, with the owner's values, reads the broker"
else
	fail "credentials given: reproduce line did not read the broker: $out"
fi

# 7. auth_identity: who the scan was, on every record and in every sink
CLOSED=$(free_port $OPEN)
"$MSW_BIN" scan $PW -p "$PP,$CLOSED" --all -u tester -P "$SECRET" --format json --db "$T/id.db" \
	--csv "$T/id.csv" --html "$T/id.html" >"$T/id.json" 2>/dev/null
assert_eq 2 "$(jq -s 'length' "$T/id.json")" "-u: a record per port (one open, one closed)"
assert_json_all "$T/id.json" '.auth_identity == "tester"' "-u: every record names the identity, the refused one too"
assert_eq 2 "$(sqlite3 "$T/id.db" "SELECT count(*) FROM services WHERE auth_identity = 'tester'")" \
	"-u: the SQLite services rows carry auth_identity"
col=$(head -1 "$T/id.csv" | tr -d '\r' | tr ',' '\n' | grep -n '^"auth_identity"$' | cut -d: -f1)
if [ -n "$col" ] && [ "$(tail -n +2 "$T/id.csv" | cut -d, -f"$col" | sort -u)" = '"tester"' ]; then
	pass "-u: the CSV has an auth_identity column naming the identity"
else
	fail "-u: CSV auth_identity column ($col): $(head -2 "$T/id.csv")"
fi
grep -q 'authenticated as tester' "$T/id.html" && pass "-u: the HTML services table names the identity" ||
	fail "-u: the HTML does not name the identity"
if grep -q -- "$SECRET" "$T/id.json" "$T/id.csv" "$T/id.html" || sqlite3 "$T/id.db" .dump | grep -q -- "$SECRET"; then
	fail "the password reached a record, the CSV, the HTML or the database"
else
	pass "auth_identity: the password is nowhere in the outputs"
fi
"$MSW_BIN" scan "mqtt://tester:$SECRET@$PW:$PP" --format json >"$T/id-url.json" 2>/dev/null
assert_json_all "$T/id-url.json" '.auth_identity == "tester"' "URL credentials: auth_identity is the URL's username"
"$MSW_BIN" scan $PW -p "$PP" --format json >"$T/id-anon.json" 2>/dev/null
assert_json_all "$T/id-anon.json" 'has("auth_identity") and .auth_identity == null' \
	"no credentials: auth_identity null (the anonymous run)"
if jq -e -s --slurpfile b "$T/id-anon.json" '.[0].ip == $b[0].ip and .[0].port == $b[0].port and .[0].auth_identity != $b[0].auth_identity' \
	"$T/id-url.json" >/dev/null; then
	pass "two records for one host:port are told apart by auth_identity"
else
	fail "records of the anonymous and the authenticated run look alike"
fi
"$MSW_BIN" scan $OPEN -p "$PO" -u tester -P "$SECRET" --depth host --format json >"$T/id-host.json" 2>/dev/null
assert_json "$T/id-host.json" '.kind == "host" and .auth_identity == "tester"' "depth host: the host record names the identity"
printf 'tester:%s\nnobody:wrong\n' "$SECRET" >"$T/creds"
"$MSW_BIN" scan $PW -p "$PP" --credentials "$T/creds" --format json >"$T/id-creds.json" 2>/dev/null
assert_json "$T/id-creds.json" '.auth_identity == "tester" and .auth == "authenticated"' \
	"--credentials: auth_identity is the first account's (the record's own identity)"
# (in a fresh network namespace: the resolver's query goes nowhere)
if unshare -rn true 2>/dev/null; then
	unshare -rn "$MSW_BIN" scan no-such-host.invalid -p 1883 -u tester -P "$SECRET" --format json \
		>"$T/id-unres.json" 2>/dev/null
	assert_json_all "$T/id-unres.json" '.status == "invalid-inputs" and .auth_identity == "tester"' \
		"a name that did not resolve: its record names the identity"
fi

finish
