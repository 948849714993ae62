#!/usr/bin/env bash
# Scale benchmarks (see bench/README.md, "Scale"). Not a test: run it by hand, as root, in
# a network namespace of its own so that nothing else on the machine shares its loopback:
#
#   unshare -n bash -c 'ip link set lo up; bash bench/bench_scale.sh'          all parts
#   BENCH_PARTS="tcp workers" unshare -n bash -c 'ip link set lo up; bash bench/bench_scale.sh'
#   ... bench/bench_scale.sh --smoke                                          tiny sizes
#
# Parts (BENCH_PARTS, default "tcp workers nmap pg rss"):
#  tcp      connect-only sweep: shared/perf's connrate (the minimal client: non-blocking
#           connect, close with RST) against `mqttsweep scan --depth tcp`, same count and
#           concurrency, closed port (SYN -> RST) and open port (acceptd), BENCH_REPS
#           alternating pairs each; attempts/s by wall time and client CPU per attempt
#  workers  the same closed-port sweep with --workers 1 and --workers 2 (and connrate -j 1
#           and -j 2: how the machine itself scales), alternating pairs
#  nmap     a 4,096-host population (one Mosquitto on 0.0.0.0 answers 127.60.0.0/20),
#           listen window 1 s: mqttsweep over all 4,096 against nmap --script
#           mqtt-subscribe on samples (defaults; --max-parallelism 256; each also with
#           listen-time 1s), hosts/s and the ratios
#  pg       records/s at --window 0 (--depth topics --rate 0, one Mosquitto with three
#           retained OwnTracks topics) with no database, into SQLite and into PostgreSQL (a
#           throw-away server on 127.0.0.1 with default settings, needs the postgresql
#           package), BENCH_PG_REPS rounds in rotating order; the medians, each against the
#           no-database rate, PostgreSQL against SQLite, and CPU per record of the client
#           and of the PostgreSQL server (all its processes, from /proc). With
#           MSW_BIN_BEFORE=PATH (another build, e.g. of an older commit) each round also
#           runs both databases with it: before and after in one run
#  rss      dry-run listing (-sL, default blocklist) of the whole IPv4 space, its first 1M,
#           10M and 30M targets (the whole space with BENCH_FULL_RSS=1: about an hour
#           here): time and peak RSS
# Knobs: BENCH_N (100000 connects a run), BENCH_CONC (1000), BENCH_REPS (5),
# BENCH_NMAP_SAMPLE (64 hosts for nmap defaults), BENCH_NMAP_SAMPLE2 (256, tuned),
# BENCH_FULL_RSS (1: also list the whole IPv4 space), BENCH_PG_N (20000 targets a pg run),
# BENCH_PG_REPS (3), BENCH_PG_CONC (1000), MSW_BIN (build/mqttsweep), MSW_BIN_BEFORE.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED="$(cd "$ROOT/.." && pwd)/shared"
[ -d "$SHARED" ] || SHARED=/work/shared
MSW_BIN=${MSW_BIN:-$ROOT/build/mqttsweep}
N=${BENCH_N:-100000}
CONC=${BENCH_CONC:-1000}
REPS=${BENCH_REPS:-5}
PARTS=${BENCH_PARTS:-tcp workers nmap pg rss}
SAMPLE=${BENCH_NMAP_SAMPLE:-64}
SAMPLE2=${BENCH_NMAP_SAMPLE2:-256}
FULL_RSS=${BENCH_FULL_RSS:-0}
POP=4096
PG_N=${BENCH_PG_N:-20000}
PG_REPS=${BENCH_PG_REPS:-3}
PG_CONC=${BENCH_PG_CONC:-1000}
MSW_BIN_BEFORE=${MSW_BIN_BEFORE:-}
if [ "${1:-}" = "--smoke" ]; then
	N=2000; REPS=1; SAMPLE=4; SAMPLE2=8; POP=256; FULL_RSS=0; PG_N=500; PG_REPS=1
	echo "smoke run: tiny sizes, figures are meaningless"
fi

T=$(mktemp -d /tmp/msw-bench-scale.XXXXXX)
chmod 0777 "$T"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ -n "${PGDATA_DIR:-}" ] && su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D $PGDATA_DIR stop -m fast" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

[ -x "$MSW_BIN" ] || { echo "no mqttsweep binary at $MSW_BIN (build first)"; exit 2; }
ulimit -n 20000 || true
calc() { awk "BEGIN { printf \"%.${2:-0}f\", $1 }"; }
median() { awk 'NF' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ROWS=()
row() { ROWS+=("$(printf '%-52s %14s %14s %8s' "$1" "$2" "$3" "$4")"); }

echo "== machine: $(nproc) cores, $(awk '/model name/ {$1=$2=$3=""; print; exit}' /proc/cpuinfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== building shared/perf in $T/perf"
cp -r "$SHARED/perf" "$T/perf" && chmod -R u+w "$T/perf" && make -s -C "$T/perf" >/dev/null 2>&1 ||
	{ echo "cannot build $SHARED/perf"; exit 2; }

# mqttsweep's own span (metadata start..end) in seconds
span_of() {
	jq -r 'def t: (sub("\\.[0-9]+Z$"; "Z") | fromdate) + (capture("\\.(?<ms>[0-9]+)Z$").ms | tonumber / 1000);
		select(.schema == "mqttsweep.scan/1") | (.end | t) - (.start | t)' "$1" 2>/dev/null | tail -1
}

# connrate: "attempts/s cpu_us_per_attempt"
ref_run() { # PORT CIDR PROCS
	local out
	out=$("$T/perf/connrate" -a "$2" -p "$1" -n "$N" -c "$CONC" -r -j "$3" 2>/dev/null | grep '^RESULT')
	awk -v n="$N" '{for (i = 1; i <= NF; i++) {split($i, kv, "="); v[kv[1]] = kv[2]}}
		END {printf "%.0f %.2f\n", v["attempts_per_s"], (v["user_s"] + v["sys_s"]) * 1e6 / n}' <<<"$out"
}

# mqttsweep --depth tcp: "attempts/s cpu_us_per_attempt"
msw_run() { # PORT CIDR WORKERS
	local t0 t1 span cpu
	/usr/bin/time -f "%U %S" -o "$T/time" "$MSW_BIN" scan "$2" -n "$N" -p "$1" --depth tcp \
		--rate 0 --concurrency "$CONC" --retries 0 --workers "$3" -q --format json \
		--metadata-file "$T/m.json" >/dev/null 2>"$T/msw.err" </dev/null
	span=$(span_of "$T/m.json")
	cpu=$(awk '{print $1 + $2}' "$T/time")
	echo "$(calc "$N / $span") $(calc "$cpu * 1e6 / $N" 2)"
}

net=16
next_net() { net=$((net + 4)); echo "127.$net.0.0/14"; }

pairs() { # LABEL PORT REF_PROCS MSW_WORKERS -> rows
	local label=$1 port=$2 rp=$3 mw=$4 i r m rr mr rc mc
	local refs="" msws="" ratios="" rcpu="" mcpu="" cratios=""
	for i in $(seq "$REPS"); do
		if [ $((i % 2)) = 1 ]; then
			r=$(ref_run "$port" "$(next_net)" "$rp"); m=$(msw_run "$port" "$(next_net)" "$mw")
		else
			m=$(msw_run "$port" "$(next_net)" "$mw"); r=$(ref_run "$port" "$(next_net)" "$rp")
		fi
		read -r rr rc <<<"$r"
		read -r mr mc <<<"$m"
		echo "  $label pair $i: connrate -j $rp $rr/s ($rc us CPU each), mqttsweep --workers $mw $mr/s ($mc us), ratio $(calc "$mr / $rr" 2), CPU ratio $(calc "$rc / $mc" 2)"
		refs+="$rr"$'\n'; msws+="$mr"$'\n'; ratios+="$(calc "$mr / $rr" 3)"$'\n'
		rcpu+="$rc"$'\n'; mcpu+="$mc"$'\n'; cratios+="$(calc "$rc / $mc" 3)"$'\n'
	done
	row "$label: attempts/s, median of $REPS" "$(median <<<"$refs")" "$(median <<<"$msws")" \
		"$(calc "$(median <<<"$ratios")" 2)"
	row "$label: client CPU us per attempt" "$(median <<<"$rcpu")" "$(median <<<"$mcpu")" \
		"$(calc "$(median <<<"$cratios")" 2)"
	echo "$(median <<<"$refs") $(median <<<"$msws")" >"$T/pairs.$label"
}

part_tcp() {
	echo "== tcp: $N connects a run, concurrency $CONC, $REPS alternating pairs (connrate -r / mqttsweep --depth tcp)"
	pairs "closed port" 18831 1 1
	"$T/perf/acceptd" -p 18830 >"$T/acceptd.log" 2>&1 &
	PIDS+=($!)
	sleep 0.3
	pairs "open port (acceptd)" 18830 1 1
	kill "${PIDS[-1]}" 2>/dev/null
}

part_workers() {
	echo "== workers: closed port, $N connects a run, concurrency $CONC in all"
	local w1 w2 r1 r2 i a b ws="" rs=""
	for i in $(seq "$REPS"); do
		w1=$(msw_run 18831 "$(next_net)" 1 | cut -d' ' -f1)
		w2=$(msw_run 18831 "$(next_net)" 2 | cut -d' ' -f1)
		r1=$(ref_run 18831 "$(next_net)" 1 | cut -d' ' -f1)
		r2=$(ref_run 18831 "$(next_net)" 2 | cut -d' ' -f1)
		echo "  round $i: mqttsweep 1 worker $w1/s, 2 workers $w2/s ($(calc "$w2 / $w1" 2)x); connrate -j1 $r1/s, -j2 $r2/s ($(calc "$r2 / $r1" 2)x)"
		ws+="$(calc "$w2 / $w1" 3)"$'\n'; rs+="$(calc "$r2 / $r1" 3)"$'\n'
	done
	row "two processes / one, median of $REPS (closed port)" "$(calc "$(median <<<"$rs")" 2)" \
		"$(calc "$(median <<<"$ws")" 2)" "-"
}

start_mosquitto_any() { # PORT
	cat >"$T/mosq.conf" <<EOF
listener $1 0.0.0.0
allow_anonymous true
max_connections -1
persistence false
log_dest none
EOF
	chmod 0644 "$T/mosq.conf"
	(ulimit -n 20000; exec mosquitto -c "$T/mosq.conf") >"$T/mosq.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && break; sleep 0.1; done
	for i in 1 2 3; do
		mosquitto_pub -h 127.0.0.1 -p "$1" -r -t "owntracks/user$i/phone" \
			-m "{\"_type\":\"location\",\"lat\":52.5$i,\"lon\":13.4$i,\"tst\":1700000000}"
	done
}

# nmap over the first HOSTS addresses of NET: "seconds hosts-listing-a-topic"
nmap_run() { # NET_PREFIX HOSTS PORT ARGS...
	local pfx=$1 hosts=$2 port=$3 t0 t1 i
	shift 3
	: >"$T/nmap.targets"
	for ((i = 0; i < hosts; i++)); do echo "$pfx.$((i / 256)).$((i % 256 + 1))"; done >"$T/nmap.targets"
	t0=$(date +%s.%N)
	nmap -Pn -n -p "$port" --datadir "$T/nmapdata" --script mqtt-subscribe "$@" \
		-iL "$T/nmap.targets" -oN "$T/nmap.txt" >/dev/null 2>&1
	t1=$(date +%s.%N)
	echo "$(calc "$t1 - $t0" 2) $(grep -c 'owntracks/user1/phone' "$T/nmap.txt")"
}

part_nmap() {
	local port=21883 t0 t1 msw_s msw_ok r s n
	echo "== nmap: $POP hosts (one Mosquitto on 0.0.0.0:$port), window 1 s"
	start_mosquitto_any $port
	mkdir -p "$T/nmapdata"
	{ cat /usr/share/nmap/nmap-services; printf 'mqtt\t%s/tcp\t0.000100\t# bench\n' "$port"; } \
		>"$T/nmapdata/nmap-services"
	for args in "" "--rate 4000"; do
		t0=$(date +%s.%N)
		# shellcheck disable=SC2086
		"$MSW_BIN" scan 127.60.0.0/20 -n "$POP" -p "$port" --depth topics --window 1 $args \
			-q --format json --evidence raw >"$T/pop.json" 2>"$T/pop.err" </dev/null
		t1=$(date +%s.%N)
		msw_s=$(calc "$t1 - $t0" 2)
		msw_ok=$(grep -c 'owntracks/user1/phone' "$T/pop.json")
		echo "  mqttsweep ${args:-(defaults)}: $POP hosts in $msw_s s, $msw_ok records name owntracks/user1/phone"
		echo "$msw_s" >"$T/msw_s${args:+_rate}"
	done
	msw_s=$(cat "$T/msw_s_rate")
	for cfg in "defaults|$SAMPLE|" "defaults, listen-time 1s|$SAMPLE|--script-args mqtt-subscribe.listen-time=1s" \
		"--max-parallelism 256|$SAMPLE2|--max-parallelism 256" \
		"--max-parallelism 256, listen-time 1s|$SAMPLE2|--max-parallelism 256 --script-args mqtt-subscribe.listen-time=1s"; do
		IFS='|' read -r label n extra <<<"$cfg"
		# shellcheck disable=SC2086
		r=$(nmap_run 127.61 "$n" $port $extra)
		read -r s ok <<<"$r"
		echo "  nmap $label: $n hosts in $s s ($ok list owntracks/user1/phone) -> $(calc "$n / $s" 2) hosts/s, $POP hosts would take $(calc "$s * $POP / $n" 0) s"
		row "hosts/s: nmap $label (sample $n)" "$(calc "$n / $s" 2)" "$(calc "$POP / $msw_s" 1)" \
			"$(calc "($POP / $msw_s) / ($n / $s)" 1)"
	done
	row "hosts/s: mqttsweep defaults (rate 1000/s)" "-" "$(calc "$POP / $(cat "$T/msw_s")" 1)" "-"
}

# CPU seconds the PostgreSQL server has used so far: the postmaster and its live children,
# plus what its exited children (each client's backend) left in its cutime/cstime.
pg_cpu() {
	local pm
	pm=$(head -1 "$PGDATA_DIR/postmaster.pid" 2>/dev/null) || { echo 0; return; }
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v pm="$pm" -v hz="$(getconf CLK_TCK)" '
		{ pid = $1; s = $0; sub(/^.*\) /, "", s); split(s, f, " ")
		  if (pid == pm) t += f[12] + f[13] + f[14] + f[15]
		  else if (f[2] == pm) t += f[12] + f[13] }
		END { printf "%.2f\n", t / hz }'
}

# One scan at --window 0 into DB ("" = no database): "records/s client-CPU-us server-CPU-us"
# (CPU per record; the server's is 0 without PostgreSQL).
sink_run() { # BIN DB NET PORT
	local db=() c0 c1
	[ -n "$2" ] && db=(--db "$2")
	c0=$(pg_cpu)
	/usr/bin/time -f "%U %S" -o "$T/pgtime" "$1" scan "$3" -n "$PG_N" -p "$4" --depth topics \
		--window 0 --rate 0 --concurrency "$PG_CONC" -q "${db[@]}" \
		--metadata-file "$T/pgm.json" --format json >/dev/null 2>"$T/pg.err" </dev/null
	c1=$(pg_cpu)
	local recs span
	recs=$(jq -r .counts.records "$T/pgm.json")
	span=$(span_of "$T/pgm.json")
	echo "$(calc "$recs / $span") $(calc "($(awk '{print $1 + $2}' "$T/pgtime")) * 1e6 / $recs" 1)" \
		"$(case $2 in postgres*) calc "($c1 - $c0) * 1e6 / $recs" 1 ;; *) echo 0 ;; esac)"
}

part_pg() {
	PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
	if [ -z "$PGBIN" ] || ! grep -q postgresql <("$MSW_BIN" scan --help 2>&1); then
		echo "== pg: skipped (no PostgreSQL, or this mqttsweep has no PostgreSQL sink)"
		return
	fi
	local port=21884 pgport=25432 net=100 i k bin db label r rate ccpu scpu
	local kinds=("none|$MSW_BIN|" "sqlite|$MSW_BIN|sqlite" "pg|$MSW_BIN|pg")
	[ -n "$MSW_BIN_BEFORE" ] &&
		kinds+=("sqlite-before|$MSW_BIN_BEFORE|sqlite" "pg-before|$MSW_BIN_BEFORE|pg")
	echo "== pg: $PG_N targets a run at --window 0 (--depth topics --rate 0 --concurrency $PG_CONC,"
	echo "   JSON lines to /dev/null in every run), $PG_REPS rounds of: no --db, --db SQLite,"
	echo "   --db PostgreSQL${MSW_BIN_BEFORE:+, and both databases with $MSW_BIN_BEFORE}"
	PGDATA_DIR=$T/pg
	mkdir -p "$PGDATA_DIR" && chown postgres "$PGDATA_DIR"
	su postgres -s /bin/sh -c "$PGBIN/initdb -D $PGDATA_DIR -U msw --auth=trust" >"$T/initdb.log" 2>&1
	su postgres -s /bin/sh -c "$PGBIN/pg_ctl -D $PGDATA_DIR -o '-h 127.0.0.1 -p $pgport -k $PGDATA_DIR' -l $PGDATA_DIR/log start" >/dev/null 2>&1
	sleep 1
	su postgres -s /bin/sh -c "$PGBIN/createdb -h 127.0.0.1 -p $pgport -U msw scans" 2>/dev/null
	echo "   PostgreSQL $("$PGBIN/postgres" -V | awk '{print $3}') on 127.0.0.1:$pgport, default settings (fsync on)"
	start_mosquitto_any $port
	for i in $(seq "$PG_REPS"); do
		# rotate the order inside a round, so drift in the machine's load spreads evenly
		for k in $(seq 0 $((${#kinds[@]} - 1))); do
			IFS='|' read -r label bin db <<<"${kinds[$(((k + i - 1) % ${#kinds[@]}))]}"
			case $db in
			sqlite) db="$T/s$net.db" ;;
			pg) db="postgresql://msw@127.0.0.1:$pgport/scans" ;;
			esac
			r=$(sink_run "$bin" "$db" "127.$net.0.0/16" $port)
			net=$((net + 1))
			read -r rate ccpu scpu <<<"$r"
			echo "  round $i: $label: $rate records/s, client CPU $ccpu us/record, PostgreSQL server CPU $scpu us/record"
			echo "$rate $ccpu $scpu" >>"$T/pg.$label"
		done
	done
	med() { awk -v c="$2" '{print $c}' "$T/pg.$1" | median; }
	for label in none sqlite pg ${MSW_BIN_BEFORE:+sqlite-before pg-before}; do
		row "records/s, $label (median of $PG_REPS)" "-" "$(calc "$(med "$label" 1)")" \
			"$(calc "$(med "$label" 1) / $(med none 1)" 2)"
		row "  CPU us/record: client | PostgreSQL server" "-" \
			"$(med "$label" 2) | $(med "$label" 3)" "-"
	done
	row "PostgreSQL / SQLite (records/s medians)" "$(calc "$(med sqlite 1)")" \
		"$(calc "$(med pg 1)")" "$(calc "$(med pg 1) / $(med sqlite 1)" 2)"
	[ -n "$MSW_BIN_BEFORE" ] &&
		row "PostgreSQL / SQLite, before" "$(calc "$(med sqlite-before 1)")" \
			"$(calc "$(med pg-before 1)")" "$(calc "$(med pg-before 1) / $(med sqlite-before 1)" 2)"
	echo "   (pg rows: ratio = records/s / the no-database run's)"
}

part_rss() {
	local n t0 t1 lines
	echo "== rss: dry-run listing of 0.0.0.0/0 with the default blocklist, the first N targets"
	echo "   (and the whole space with BENCH_FULL_RSS=1); peak RSS of mqttsweep from /usr/bin/time"
	for n in 1000000 10000000 30000000 $([ "$FULL_RSS" = 1 ] && echo all); do
		t0=$(date +%s.%N)
		if [ "$n" = all ]; then
			/usr/bin/time -f "%M" -o "$T/rss" "$MSW_BIN" scan -sL -p 1883 --seed 1 0.0.0.0/0 |
				wc -l >"$T/lines"
		else
			/usr/bin/time -f "%M" -o "$T/rss" "$MSW_BIN" scan -sL -p 1883 --seed 1 0.0.0.0/0 |
				head -n "$n" | wc -l >"$T/lines"
		fi
		t1=$(date +%s.%N)
		lines=$(cat "$T/lines")
		echo "  $lines targets listed in $(calc "$t1 - $t0" 1) s, peak RSS $(tail -1 "$T/rss") KiB"
		row "dry run 0/0, first $n: s / peak RSS KiB" "$lines" "$(calc "$t1 - $t0" 1) s" "$(tail -1 "$T/rss")"
	done
}

for p in $PARTS; do "part_$p"; done

echo
printf '%-52s %14s %14s %8s\n' "measure" "reference" "mqttsweep" "ratio"
printf '%s\n' "${ROWS[@]}"
echo "(reference: connrate for tcp, connrate -j 2/-j 1 for workers, nmap 7.93 for nmap,"
echo " SQLite for pg; ratio = mqttsweep / reference, CPU ratio = reference CPU / mqttsweep CPU)"
