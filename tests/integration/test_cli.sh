#!/usr/bin/env bash
# The command line end to end: subcommands, exit codes (0, 2 naming the bad token, 130/143
# on SIGINT/SIGTERM), dry-run order (seeded, complete, blocklist and exclusions applied),
# target forms and port hints, -iL -, secrets absent from every output, the seed recorded,
# and --resume. Address range 127.0.99.x (see lib.sh). Documentation addresses (192.0.2.x)
# appear only in dry runs, which never connect.
. "$(dirname "$0")/lib.sh"
T=$(msw_tmpdir)
B=$MSW_BIN

# ---- subcommands ----
"$B" --version >"$T/v" 2>&1
assert_eq 0 $? "--version exit"
grep -q '^mqttsweep [0-9]' "$T/v" && pass "--version prints the version" || fail "--version: $(cat "$T/v")"
"$B" --help >"$T/h" 2>&1
assert_eq 0 $? "--help exit"
"$B" scan --help >"$T/h" 2>&1
assert_eq 0 $? "scan --help exit"
for o in --ports --depth --auth-probe --password-file --excludefile --window --rate --per-host \
	--dry-run -iL -oJ --db --metadata-file --evidence --versions --cafile --ws-path --resume; do
	grep -q -- "$o" "$T/h" || fail "scan --help lacks $o"
done
pass "scan --help lists the options"
"$B" frobnicate >/dev/null 2>"$T/e"
assert_eq 2 $? "unknown command exit"
"$B" >/dev/null 2>&1
assert_eq 2 $? "no command exit"

# ---- usage errors: exit 2, message names the token ----
usage_err() {   # TOKEN ARGS...
	local tok=$1
	shift
	"$B" "$@" >"$T/out" 2>"$T/err"
	local rc=$?
	if [ $rc -eq 2 ] && grep -qF -- "$tok" "$T/err"; then
		pass "usage error names '$tok'"
	else
		fail "mqttsweep $* -> rc $rc, stderr: $(cat "$T/err")"
	fi
	[ -s "$T/out" ] && fail "usage error wrote to stdout: $(head -c 200 "$T/out")"
	no_asan_report "$T/err"
}
usage_err "10.0.0.0/33" scan 10.0.0.0/33
usage_err "300.1.2.3" scan 127.0.99.1 300.1.2.3
usage_err "'0'" scan -p 0 127.0.99.1
usage_err "65536" scan -p 1883,65536 127.0.99.1
usage_err "empty target list" scan
usage_err "empty target list" audit -p 1883
usage_err "/nonexistent/targets.txt" scan -iL /nonexistent/targets.txt
usage_err "/nonexistent/pw" scan -u alice --password-file /nonexistent/pw 127.0.99.1
usage_err "--frob" scan --frob 127.0.99.1
usage_err "deep" audit --depth deep 127.0.99.1
usage_err "127.0.99.1:0" scan 127.0.99.1:0
usage_err "gopher://127.0.99.1" scan gopher://127.0.99.1

# ---- dry run: seeded order, complete, blocklist, exclusions ----
"$B" scan -sL --seed 42 -p 1883 127.0.99.0/26 >"$T/d1"
assert_eq 0 $? "dry-run exit"
"$B" scan --dry-run --seed 42 -p 1883 127.0.99.0/26 >"$T/d2"
"$B" scan -sL --seed 43 -p 1883 127.0.99.0/26 >"$T/d3"
assert_eq 64 "$(sort -u "$T/d1" | wc -l)" "dry-run lists every host once"
cmp -s "$T/d1" "$T/d2" && pass "same seed, same order" || fail "same seed gave another order"
cmp -s "$T/d1" "$T/d3" && fail "another seed gave the same order" || pass "another seed, another order"
sort -t. -k4,4n "$T/d1" | cmp -s - "$T/d1" && fail "order is sorted, not permuted" || pass "order is permuted"
grep -qvE '^127\.0\.99\.[0-9]+ 1883 tcp$' "$T/d1" && fail "dry-run line format" || pass "dry-run lines are 'ip port transport'"
# --shard K/N: the shards of one seeded order are disjoint and together the whole order
"$B" scan -sL --seed 42 --run-id cli --shard 0/2 -p 1883 127.0.99.0/26 >"$T/s0"
"$B" scan -sL --seed 42 --run-id cli --shard 1/2 -p 1883 127.0.99.0/26 >"$T/s1"
[ -s "$T/s0" ] && [ -s "$T/s1" ] && pass "--shard: both shards hold targets" || fail "--shard: an empty shard"
assert_eq 0 "$(sort "$T/s0" "$T/s1" | uniq -d | wc -l)" "--shard: no target in both shards"
assert_eq "$(sort "$T/d1" | paste -sd,)" "$(sort "$T/s0" "$T/s1" | paste -sd,)" "--shard: the two shards are the whole scan"

"$B" scan -sL 127.0.99.1 >"$T/d"
assert_eq "127.0.99.1 1883 tcp,127.0.99.1 8883 tls,127.0.99.1 1884 ws,127.0.99.1 8884 wss" \
	"$(paste -sd, "$T/d")" "default port set (Home Assistant add-on layout)"
"$B" scan -sL -p 8883,8883/tcp,web 127.0.99.1 >"$T/d"
grep -q '^127.0.99.1 8883 tls$' "$T/d" && grep -q '^127.0.99.1 8883 tcp$' "$T/d" &&
	grep -q '^127.0.99.1 9001 ws$' "$T/d" && grep -q '^127.0.99.1 15675 ws$' "$T/d" &&
	pass "port hints and 'web'" || fail "port hints: $(paste -sd, "$T/d")"
"$B" scan -sL 'mqtts://127.0.99.2' 'ws://127.0.99.3:9001/mqtt' '[::1]:1884/ws' 'mqtt://u:p@127.0.99.4' \
	127.0.99.5:8883 >"$T/d"
assert_eq "127.0.99.2 8883 tls,127.0.99.3 9001 ws,127.0.99.4 1883 tcp,127.0.99.5 8883 tls,::1 1884 ws" \
	"$(sort "$T/d" | paste -sd,)" "URL and host:port forms"
"$B" scan -sL -p 1883 192.0.2.0/30 198.51.100.7 127.0.99.9 >"$T/d"
assert_eq "127.0.99.9 1883 tcp" "$(cat "$T/d")" "documentation ranges are never scanned"
"$B" scan -sL -p 1883 --no-blocklist 192.0.2.0/30 127.0.99.9 >"$T/d"
assert_eq "127.0.99.9 1883 tcp,192.0.2.0 1883 tcp,192.0.2.1 1883 tcp,192.0.2.2 1883 tcp,192.0.2.3 1883 tcp" \
	"$(sort "$T/d" | paste -sd,)" "--no-blocklist lifts the default blocklist (a dry run: never connected)"
"$B" scan -sL -p 1883 --exclude 127.0.99.0/29,127.0.99.9 --exclude 127.0.99.10 127.0.99.0/28 >"$T/d"
assert_eq 6 "$(wc -l <"$T/d")" "--exclude (repeatable, comma lists)"
printf '127.0.99.9\n# 127.0.99.8\n' >"$T/ex"
"$B" scan -sL -p 1883 --excludefile "$T/ex" 127.0.99.8-9 >"$T/d"
assert_eq "127.0.99.8 1883 tcp" "$(cat "$T/d")" "--excludefile"
"$B" scan -sL -p 1883 --exclude-file "$T/ex" 127.0.99.8-127.0.99.9 >"$T/d"
assert_eq "127.0.99.8 1883 tcp" "$(cat "$T/d")" "--exclude-file"
printf '# lab\n127.0.99.1\n\n127.0.99.2  # second\nlocalhost\n' | "$B" scan -sL -p 1883 -iL - >"$T/d"
assert_eq "127.0.0.1 1883 tcp,127.0.99.1 1883 tcp,127.0.99.2 1883 tcp" "$(sort "$T/d" | paste -sd,)" \
	"-iL - with comments and a host name"
"$B" scan -sL -p 1883 -n 3000 --seed 9 96.0.0.0/3 >"$T/d"
assert_eq 3000 "$(wc -l <"$T/d")" "-n caps the hosts"
grep -q '^127\.' "$T/d" && fail "loopback scanned inside a sweep that merely contains it" ||
	pass "loopback dropped from a sweep that contains it"
"$B" scan -sL -p 1883 127.0.99.0/30 >"$T/d"
assert_eq 4 "$(wc -l <"$T/d")" "loopback scanned when named"

# ---- a name that does not resolve is a recorded result, not an error ----
# Run inside a fresh network namespace (no route anywhere), so the resolver's DNS query
# cannot leave the machine.
if unshare -rn true 2>/dev/null; then
	unshare -rn "$B" scan -q --format json -p 1883 no-such-host.invalid >"$T/unres.json" 2>"$T/unres.err"
	assert_eq 0 $? "unresolvable name: exit 0"
	assert_json "$T/unres.json" '.hostname == "no-such-host.invalid" and .status == "invalid-inputs" and
		(.error | startswith("name did not resolve"))' "unresolvable name recorded"
else
	echo "note: no unprivileged network namespace; unresolvable-name check skipped"
fi

# ---- a real run: secrets never reach any output; the seed is recorded ----
P=$(free_port 127.0.99.20)
make_passwd "$T/passwd" alice 'Hunter2-Secret-Value'
start_mosquitto 127.0.99.20 "$P" "allow_anonymous false" "password_file $T/passwd" || fail "broker"
printf 'Hunter2-Secret-Value\n' >"$T/pwfile"
"$B" scan 127.0.99.20:"$P" -u alice --password-file "$T/pwfile" --seed 777 -q --format json \
	--metadata-file "$T/meta.json" --db "$T/r.db" -oJ "$T/o.json" >"$T/stdout.json" 2>"$T/stderr"
assert_eq 0 $? "scan exit"
assert_json "$T/o.json" '.auth == "authenticated"' "authenticated with --password-file"
MQTTSWEEP_PASSWORD='Hunter2-Secret-Value' "$B" scan 127.0.99.20:"$P" -u alice -q --format json \
	>"$T/env.json" 2>>"$T/stderr"
assert_json "$T/env.json" '.auth == "authenticated"' "authenticated with MQTTSWEEP_PASSWORD"
"$B" scan 127.0.99.20:"$P" -u alice -P 'Hunter2-Secret-Value' -q --format json --metadata-file \
	"$T/meta2.json" >"$T/arg.json" 2>>"$T/stderr"
assert_json "$T/arg.json" '.auth == "authenticated"' "authenticated with -P"
sqlite3 "$T/r.db" .dump >"$T/dump.sql" 2>/dev/null
if grep -rqF 'Hunter2-Secret-Value' "$T"/*.json "$T/stderr" "$T/dump.sql"; then
	fail "the password reached an output"
else
	pass "the password is in no output"
fi
assert_json "$T/meta.json" '.seed == "777"' "the given seed is recorded"
assert_json "$T/meta.json" '.options.window == 5 and .options.rate == 1000 and .options["per-host"] == 2' \
	"options echo carries the effective values"

# ---- audit: the owner's view defaults ----
"$B" audit 127.0.99.20:"$P" --window 1 -q --format json --metadata-file "$T/ameta.json" \
	>"$T/audit.json" 2>"$T/audit.err"
assert_eq 0 $? "audit exit"
assert_json "$T/ameta.json" '.options.mode == "audit" and .options.depth == "host" and
	.options.versions == "all" and .options["auth-probe"] == true and .options.window == 1' \
	"audit defaults: depth host, every version, any-credentials probe"
assert_json "$T/audit.json" '.port == '"$P"' and .auth == "credentials_required"' \
	"audit records the password-protected broker"

# ---- signals: 130 / 143, in-flight targets recorded ----
S=$(free_port 127.0.99.21)
start_silent_listener 127.0.99.21 "$S"
for sig in INT:130 TERM:143; do
	"$B" scan 127.0.99.21:"$S" --io-timeout 60 --timeout 60 -q --format json >"$T/sig.json" 2>/dev/null &
	pid=$!
	wait_established $pid 127.0.99.21 "$S"
	sleep 0.3
	kill -"${sig%%:*}" $pid
	wait $pid
	assert_eq "${sig##*:}" $? "exit code after SIG${sig%%:*}"
	assert_json "$T/sig.json" '.status == "interrupted"' "in-flight target recorded after SIG${sig%%:*}"
done

# ---- --resume: same scan id, only unfinished hosts ----
"$B" scan 127.0.99.20:"$P" 127.0.99.21:"$S" --io-timeout 60 --timeout 60 -q --format json \
	--db "$T/res.db" >"$T/res1.json" 2>/dev/null &
pid=$!
wait_established $pid 127.0.99.21 "$S"
# the password-protected broker answers at once: wait for its record before interrupting
for _ in $(seq 300); do grep -q '"127.0.99.20"' "$T/res1.json" 2>/dev/null && break; sleep 0.1; done
sleep 0.3
kill -INT $pid
wait $pid
assert_eq 130 $? "interrupted scan with --db"
"$B" scan --resume "$T/res.db" --io-timeout 1 --timeout 2 -q --format json >"$T/res2.json" 2>"$T/res.err"
assert_eq 0 $? "resumed scan exit"
sid=$(jq -r .scan_id "$T/res1.json" | head -1)
assert_json_all "$T/res2.json" ".scan_id == \"$sid\"" "resume keeps the scan id"
assert_json_all "$T/res2.json" ".ip == \"127.0.99.21\"" "resume scans only the unfinished host"
"$B" scan --resume "$T/res.db" 127.0.99.22 >/dev/null 2>"$T/e"
assert_eq 2 $? "--resume with new targets is a usage error"

for f in "$T"/*.err "$T/stderr"; do
	no_asan_report "$f"
done
finish
