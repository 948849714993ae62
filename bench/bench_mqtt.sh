#!/usr/bin/env bash
# mqttsweep benchmark against one real Mosquitto on loopback (see bench/README.md).
# Not a test: run it by hand on an otherwise idle machine.
#
#   bash bench/bench_mqtt.sh            full run (about 5 minutes)
#   bash bench/bench_mqtt.sh --smoke    tiny sizes, checks that everything runs
#
# mqttsweep writes its JSON lines to stdout only (one sink, like the brief's -oJ /dev/null).
# One Mosquitto listens on 0.0.0.0:$BENCH_PORT, so it answers every 127.x.y.z, and in one run:
#  (a) handshake rate: shared/perf's mqttrate (the minimal C client: CONNECT, SUBSCRIBE '#',
#      DISCONNECT) vs mqttsweep at --depth topics --window 0, same count and concurrency;
#  (b) nmap --script mqtt-subscribe with a listen time vs mqttsweep with the same window on
#      a /24 (hosts/s each, the ratio), nmap also with --max-parallelism 256 (tuned);
#  (c) mqttsweep's peak RSS (VmHWM) with 1,000 and 5,000 connections in flight, and the
#      RSS per in-flight connection (difference / 4,000).
# Environment: BENCH_PORT (21883), BENCH_N (30000), BENCH_CONC (1000), BENCH_CONC2 (100),
# BENCH_REPS (5 pairs per concurrency in (a), each in the other order than the last; median
# reported), BENCH_WINDOW (1, s),
# BENCH_PARTS ("a b c"), BENCH_SYS_INTERVAL (unset: the broker's default $SYS; 0: no $SYS),
# MSW_BIN (build/mqttsweep).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED="$(cd "$ROOT/.." && pwd)/shared"
[ -d "$SHARED" ] || SHARED=/work/shared
MSW_BIN=${MSW_BIN:-$ROOT/build/mqttsweep}
PORT=${BENCH_PORT:-21883}
N=${BENCH_N:-30000}
CONC=${BENCH_CONC:-1000}
CONC2=${BENCH_CONC2-100}   # part (a) also runs at this concurrency ("" to skip)
REPS=${BENCH_REPS:-5}
WIN=${BENCH_WINDOW:-1}
PARTS=${BENCH_PARTS:-a b c}
NMAP_NET=127.2.0.0/24
NMAP_HOSTS=256
RSS_C1=1000
RSS_C2=5000
if [ "${1:-}" = "--smoke" ]; then
	N=300; CONC=100; CONC2=""; REPS=1; NMAP_NET=127.2.0.0/28; NMAP_HOSTS=16; RSS_C1=50; RSS_C2=150
	echo "smoke run: tiny sizes, figures are meaningless"
fi

T=$(mktemp -d /tmp/msw-bench.XXXXXX)
chmod 0777 "$T"
MPID=""
cleanup() {
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

[ -x "$MSW_BIN" ] || { echo "no mqttsweep binary at $MSW_BIN (build first)"; exit 2; }
ulimit -n 20000 || true

now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.${2:-0}f\", $1 }"; }

# peak RSS (KiB) of a process tree while it runs; usage: sample_rss PID > file
sample_rss() {
	local pid=$1 peak=0 kb c
	while kill -0 "$pid" 2>/dev/null; do
		kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
		for c in $(pgrep -P "$pid" 2>/dev/null); do
			kb=$((kb + $(awk '/^VmHWM:/ {print $2}' "/proc/$c/status" 2>/dev/null || echo 0)))
		done
		[ "${kb:-0}" -gt "$peak" ] && peak=$kb
		sleep 0.05
	done
	echo "$peak"
}

echo "== building shared/perf (mqttrate) in $T/perf"
cp -r "$SHARED/perf" "$T/perf" && chmod -R u+w "$T/perf" && make -s -C "$T/perf" >/dev/null 2>&1 ||
	{ echo "cannot build $SHARED/perf"; exit 2; }

echo "== mosquitto on 0.0.0.0:$PORT (max_connections -1, log_dest none, persistence false)"
cat >"$T/mosq.conf" <<EOF
listener $PORT 0.0.0.0
allow_anonymous true
max_connections -1
persistence false
log_dest none
EOF
# BENCH_SYS_INTERVAL=0 turns the broker's $SYS tree off: then mqttsweep's second subscription
# ($SYS/#) costs the broker nothing and both clients ask it for the same work.
[ -n "${BENCH_SYS_INTERVAL:-}" ] && echo "sys_interval $BENCH_SYS_INTERVAL" >>"$T/mosq.conf"
chmod 0644 "$T/mosq.conf"
(ulimit -n 20000; exec mosquitto -c "$T/mosq.conf") >"$T/mosq.log" 2>&1 &
MPID=$!
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.1; done
if ! kill -0 "$MPID" 2>/dev/null; then
	echo "mosquitto did not start (port $PORT taken? set BENCH_PORT):"
	cat "$T/mosq.log"
	exit 2
fi
for i in 1 2 3; do
	mosquitto_pub -h 127.0.0.1 -p "$PORT" -r -t "owntracks/user$i/phone" \
		-m "{\"_type\":\"location\",\"lat\":52.5$i,\"lon\":13.4$i,\"tst\":1700000000}"
done

ROWS=()
row() { ROWS+=("$(printf '%-44s %14s %14s %8s' "$1" "$2" "$3" "$4")"); }

# ---- (a) handshake rate ------------------------------------------------------------------
# One pair of runs: mqttrate and mqttsweep (in the order given), same count and concurrency, fresh address
# ranges each (no TIME_WAIT left from an earlier run on the same 4-tuples). Prints
# "ref msw" in handshakes/s; mqttsweep's rate uses the scan's own start/end (metadata).
a_ref() {
	local out
	out=$("$T/perf/mqttrate" -a "$1" -p "$PORT" -n "$N" -c "$2" 2>/dev/null | grep '^RESULT')
	sed -nE 's/.* ok_per_s=([0-9.]+).*/\1/p' <<<"$out"
}

a_pair() {
	local c=$1 ra=$2 rb=$3 first=${4:-ref} r_ref t0 t1 ok span
	[ "$first" = ref ] && r_ref=$(a_ref "$ra" "$c")
	t0=$(now)
	"$MSW_BIN" scan "$rb" -p "$PORT" -n "$N" --depth topics --window 0 --rate 100000 \
		--concurrency "$c" --format json --metadata-file "$T/a.meta" -q \
		>"$T/a.json" 2>"$T/a.err" </dev/null
	t1=$(now)
	ok=$(grep -c '"status":"success"' "$T/a.json" 2>/dev/null || echo 0)
	span=$(jq -r 'select(.schema == "mqttsweep.scan/1") |
		((.end | sub("\\.[0-9]+Z$"; "Z") | fromdate) + (.end | capture("\\.(?<ms>[0-9]+)Z$").ms | tonumber / 1000)) -
		((.start | sub("\\.[0-9]+Z$"; "Z") | fromdate) + (.start | capture("\\.(?<ms>[0-9]+)Z$").ms | tonumber / 1000))' \
		"$T/a.meta" 2>/dev/null | tail -1)
	[ -n "$span" ] && [ "$(calc "$span * 1000")" -gt 0 ] || span=$(calc "$t1 - $t0" 3)
	[ "$first" = ref ] || r_ref=$(a_ref "$ra" "$c")
	echo "${r_ref:-0} $(calc "$ok / $span") $ok"
}

median() { awk 'NF' | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

part_a() {
	local c i pair refs msws ratios net=10
	for c in $CONC $CONC2; do
		echo "== (a) handshakes: $N hosts per run, concurrency $c, $REPS alternating pairs"
		refs=""; msws=""; ratios=""
		for i in $(seq "$REPS"); do
			# odd pairs run mqttrate first, even pairs mqttsweep first (drift cancels)
			pair=$(a_pair "$c" "127.$net.0.0/16" "127.$((net + 1)).0.0/16" \
				"$([ $((i % 2)) = 1 ] && echo ref || echo msw)")
			net=$((net + 2))
			read -r r m ok <<<"$pair"
			echo "  pair $i: mqttrate $r/s, mqttsweep $m/s ($ok successful), ratio $(calc "$m / ($r + 0.001)" 2)"
			refs+="$r"$'\n'; msws+="$m"$'\n'; ratios+="$(calc "$m / ($r + 0.001)" 3)"$'\n'
		done
		row "(a) handshakes/s, c=$c, n=$N, median of $REPS" "$(median <<<"$refs")" \
			"$(median <<<"$msws")" "$(calc "$(median <<<"$ratios")" 2)"
	done
}

# ---- (b) nmap mqtt-subscribe vs mqttsweep, same window -------------------------------------
part_b() {
	echo "== (b) $NMAP_NET, listen window ${WIN}s"
	local t0 t1 nm_s nm2_s msw_s seen
	# nmap runs mqtt-subscribe only on ports its services file calls mqtt: give it a data
	# directory whose nmap-services names the benchmark port (scripts come from the default)
	mkdir -p "$T/nmapdata"
	{ cat /usr/share/nmap/nmap-services; printf 'mqtt\t%s/tcp\t0.000100\t# bench\n' "$PORT"; } \
		>"$T/nmapdata/nmap-services"
	t0=$(now)
	nmap -Pn -n -p "$PORT" --datadir "$T/nmapdata" --script mqtt-subscribe \
		--script-args "mqtt-subscribe.listen-time=${WIN}s" "$NMAP_NET" -oN "$T/nmap.txt" >/dev/null 2>&1
	t1=$(now)
	nm_s=$(calc "$t1 - $t0" 2)
	echo "nmap: $nm_s s; hosts listing owntracks/user1/phone: $(grep -c 'owntracks/user1/phone' "$T/nmap.txt")"
	t0=$(now)
	nmap -Pn -n -p "$PORT" --datadir "$T/nmapdata" --script mqtt-subscribe --max-parallelism 256 \
		--script-args "mqtt-subscribe.listen-time=${WIN}s" "$NMAP_NET" -oN "$T/nmap2.txt" >/dev/null 2>&1
	t1=$(now)
	nm2_s=$(calc "$t1 - $t0" 2)
	t0=$(now)
	# --evidence raw: nmap prints topics as they are; ours are redacted by default
	"$MSW_BIN" scan "$NMAP_NET" -p "$PORT" --depth topics --window "$WIN" --format json -q \
		--evidence raw >"$T/b.json" 2>"$T/b.err" </dev/null
	t1=$(now)
	msw_s=$(calc "$t1 - $t0" 2)
	seen=$(grep -c 'owntracks/user1/phone' "$T/b.json" 2>/dev/null)
	echo "mqttsweep: $msw_s s; records naming owntracks/user1/phone: $seen"
	row "(b) hosts/s, $NMAP_HOSTS hosts, window ${WIN}s" "$(calc "$NMAP_HOSTS / $nm_s" 1)" \
		"$(calc "$NMAP_HOSTS / $msw_s" 1)" "$(calc "$nm_s / $msw_s" 1)"
	row "(b') same, nmap --max-parallelism 256" "$(calc "$NMAP_HOSTS / $nm2_s" 1)" \
		"$(calc "$NMAP_HOSTS / $msw_s" 1)" "$(calc "$nm2_s / $msw_s" 1)"
}

# ---- (c) memory --------------------------------------------------------------------------
rss_at() { # concurrency -> peak KiB
	local c=$1 pid
	"$MSW_BIN" scan 127.3.0.0/16 -p "$PORT" -n $((c * 3)) --depth topics --window 3 \
		--rate 100000 --concurrency "$c" --format json -q >/dev/null 2>"$T/c$c.err" </dev/null &
	pid=$!
	sample_rss "$pid"
	wait "$pid" 2>/dev/null
}

part_c() {
	echo "== (c) peak RSS at concurrency $RSS_C1 and $RSS_C2 (window 3 s keeps them in flight)"
	local k1 k2 per
	k1=$(rss_at "$RSS_C1")
	k2=$(rss_at "$RSS_C2")
	per=$(calc "($k2 - $k1) * 1024 / ($RSS_C2 - $RSS_C1)")
	echo "VmHWM: $k1 KiB at $RSS_C1, $k2 KiB at $RSS_C2 -> $per bytes per in-flight connection"
	row "(c) peak RSS at c=$RSS_C1 (KiB)" "-" "$k1" "-"
	row "(c) peak RSS at c=$RSS_C2 (KiB)" "-" "$k2" "-"
	row "(c) RSS per in-flight connection (bytes)" "-" "$per" "-"
}

for p in $PARTS; do "part_$p"; done

echo
printf '%-44s %14s %14s %8s\n' "measure" "reference" "mqttsweep" "ratio"
printf '%s\n' "${ROWS[@]}"
echo "(reference: mqttrate for (a), nmap 7.93 for (b); ratio = mqttsweep/reference for (a),"
echo " reference time / mqttsweep time for (b); mosquitto pid $MPID, $(nproc) cores)"
