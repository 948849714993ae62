#!/usr/bin/env bash
# zmap in front: Debian's real zmap sweeps a loopback /28 where Mosquitto listens on four
# addresses, and its output is piped into `mqttsweep scan -iL -`: the default output
# module (bare addresses) and the csv module with a header (saddr, sport, success,
# repeat: the RST rows of the closed addresses are not targets). zgrab2's CSV input
# (ip, domain, tag, port): the port column overrides -p, a domain alone is resolved
# (localhost). Hostile lists end in a usage error naming the line. Address range
# 127.0.84.x (see lib.sh); zmap needs root and net.ipv4.conf.lo.route_localnet=1, which
# the test sets and restores.
. "$(dirname "$0")/lib.sh"
T=$(msw_tmpdir)
B=$MSW_BIN
PORT=$(free_port 127.0.84.1)
PORT2=$(free_port 127.0.0.1)

start_mosquitto 127.0.84.1 "$PORT" "listener $PORT 127.0.84.2" "listener $PORT 127.0.84.3" \
	"listener $PORT 127.0.84.4" "listener $PORT2 127.0.0.1" || {
	fail "mosquitto did not start"
	finish
}
for a in 2 3 4; do wait_port "127.0.84.$a" "$PORT" 5 || fail "listener 127.0.84.$a"; done

# ---- zgrab2's CSV (no zmap needed) ----
printf '# zgrab2 input: ip, domain, tag, port\n127.0.84.1,,mqtt,%s\n,localhost,mqtt,%s\n' \
	"$PORT" "$PORT2" >"$T/zgrab2.csv"
"$B" scan -iL "$T/zgrab2.csv" -p 1 --rate 0 -q --format json >"$T/zg.json" 2>"$T/zg.err"
assert_eq 0 $? "zgrab2 CSV scan exit"
assert_eq 2 "$(jq -s 'length' "$T/zg.json")" "zgrab2 CSV: two records"
assert_json "$T/zg.json" ".ip == \"127.0.84.1\" and .port == $PORT and .mqtt" \
	"zgrab2 CSV: the port column overrides -p"
assert_json "$T/zg.json" ".ip == \"127.0.0.1\" and .hostname == \"localhost\" and .port == $PORT2 and .mqtt" \
	"zgrab2 CSV: a domain alone is resolved"
no_asan_report "$T/zg.err"

# ---- hostile lists: a usage error naming the line, never a crash ----
bad_list() { # EXPECTED-TEXT PRINTF-ARGS...
	local want=$1
	shift
	# shellcheck disable=SC2059
	printf "$@" | "$B" scan -iL - -p "$PORT" -q --format json >"$T/bad.out" 2>"$T/bad.err"
	local rc=$?
	if [ $rc -eq 2 ] && grep -qF -- "$want" "$T/bad.err"; then
		pass "hostile list: '$want'"
	else
		fail "hostile list: rc $rc, stderr: $(cat "$T/bad.err")"
	fi
	[ -s "$T/bad.out" ] && fail "hostile list wrote records: $(head -c 200 "$T/bad.out")"
	no_asan_report "$T/bad.err"
}
bad_list "line 3: 5 fields" '127.0.84.1\n127.0.84.2\n127.0.84.3,a,b,1,x\n'
bad_list "line 2: bad CSV line: a quote is not closed" '127.0.84.1\n"127.0.84.2,,\n'
bad_list "line 1: bad port" '127.0.84.1,,,0\n'
bad_list "line 2 is not a line of text" '127.0.84.1\n127.0\000.84.2\n'
bad_list "line 1: a JSON object" '{ "saddr": "127.0.84.1" }\n'
head -c 70000 /dev/zero | tr '\0' 'a' >"$T/long"
"$B" scan -iL "$T/long" -p "$PORT" -q >/dev/null 2>"$T/long.err"
assert_eq 2 $? "a 70,000-byte line: usage error"
grep -q "line 1" "$T/long.err" && pass "the long line is named" || fail "long line: $(cat "$T/long.err")"

# ---- real zmap on loopback ----
if ! command -v zmap >/dev/null 2>&1 || [ "$(id -u)" -ne 0 ]; then
	fail "zmap is not installed or we are not root (scripts/setup.sh installs zmap; tests run as root)"
	finish
fi
# lib.sh's zmap_lo: the loopback settings, and one zmap at a time in a namespace (the
# route_localnet sysctl it sets and restores is shared by every test running in parallel)
run_zmap() { # zmap output options...
	zmap_lo "$PORT" 127.0.84.0/28 - "$@"
}

# the default output module: one responding address a line
run_zmap | tee "$T/zmap-default.txt" |
	"$B" scan -iL - -p "$PORT" --rate 0 -q --format json >"$T/z1.json" 2>"$T/z1.err"
assert_eq 0 $? "zmap | mqttsweep -iL - exit"
assert_eq "127.0.84.1 127.0.84.2 127.0.84.3 127.0.84.4" \
	"$(sort -V "$T/zmap-default.txt" | tr '\n' ' ' | sed 's/ $//')" \
	"zmap's default output: the four listening addresses, nothing else"
assert_eq "127.0.84.1 127.0.84.2 127.0.84.3 127.0.84.4" \
	"$(jq -r 'select(.mqtt and .status == "success") | .ip' "$T/z1.json" | sort -V | tr '\n' ' ' | sed 's/ $//')" \
	"mqttsweep found MQTT on every address zmap reported"
no_asan_report "$T/z1.err"

# the csv module with a header; without an output filter it writes the unsuccessful rows
# too (RST from the 12 closed addresses)
run_zmap -O csv -f saddr,sport,daddr,classification,success,repeat >"$T/zmap.csv"
head -1 "$T/zmap.csv" | grep -q '^saddr,sport,daddr' && pass "zmap csv: header row" ||
	fail "zmap csv: no header: $(head -2 "$T/zmap.csv")"
[ "$(grep -c ',0,' "$T/zmap.csv")" -ge 1 ] && pass "zmap csv: holds RST rows (success 0)" ||
	fail "zmap csv: no unsuccessful rows: $(cat "$T/zmap.csv")"
"$B" scan -sL -iL - -p 1 <"$T/zmap.csv" >"$T/z2.list" 2>"$T/z2.err"
assert_eq 0 $? "zmap csv | mqttsweep -iL - -sL exit"
assert_eq "127.0.84.1 $PORT tcp,127.0.84.2 $PORT tcp,127.0.84.3 $PORT tcp,127.0.84.4 $PORT tcp" \
	"$(sort -V "$T/z2.list" | paste -sd,)" \
	"zmap csv: the successful rows only, on the port zmap saw (sport), not -p"
"$B" scan -iL - -p 1 --rate 0 -q --format json <"$T/zmap.csv" >"$T/z2.json" 2>>"$T/z2.err"
assert_eq 4 "$(jq -s 'map(select(.mqtt and .status == "success")) | length' "$T/z2.json")" \
	"zmap csv | mqttsweep: four MQTT brokers"
no_asan_report "$T/z2.err"
finish
