#!/usr/bin/env bash
# deploy/slurm/mqttsweep.sbatch on a real single-node Slurm cluster (lib.sh start_slurm:
# munged, slurmctld and slurmd on 127.0.0.1) with one real PostgreSQL (start_postgres):
#   sbatch --array=0-3 deploy/slurm/mqttsweep.sbatch SPACE -p PORT --all --db PG_URL
# against a loopback population (Mosquitto on 127.0.71.1-4, the rest of 127.0.71.0/26
# closed). Checks exact coverage: the four tasks' rows in the database are the target
# space, no target twice; the tasks share the run id slurm-<array job id> and the seed the
# script derives from it; stats counts the run once with its four shards. Then one task is
# requeued (a retried task: same run and shard, new scan id) and the run still holds every
# target once. (--mem=0: this node declares no memory, so the script's 1G request cannot
# be met here.) Time-bounded: every wait has a deadline (the whole test takes ~30 s).
set -u
. "$(dirname "$0")/lib.sh"

T=$(msw_tmpdir)
SB=$MSW_SOURCE_DIR/deploy/slurm/mqttsweep.sbatch
unset MQTTSWEEP_RUN_ID SLURM_ARRAY_JOB_ID SLURM_ARRAY_TASK_ID SLURM_JOB_ID JOB_COMPLETION_INDEX
[ "$(id -u)" -eq 0 ] || { fail "needs root (slurmd runs jobs as their submitter)"; finish; }
command -v sbatch >/dev/null || { fail "sbatch missing (scripts/setup.sh installs slurm-wlm)"; finish; }

start_postgres >"$T/pg.out" 2>&1 || { fail "postgres: $(cat "$T/pg.out")"; finish; }
pq() { psql -XAtq -F'|' "$PG_URL" -c "$1"; }
P=$(free_port 127.0.71.1)
start_mosquitto 127.0.71.1 "$P" "listener $P 127.0.71.2" "listener $P 127.0.71.3" \
	"listener $P 127.0.71.4" || { fail "mosquitto"; finish; }
wait_port 127.0.71.4 "$P" 10 || { fail "last listener"; finish; }
start_slurm 4 >"$T/slurm.out" 2>&1 || { fail "slurm: $(cat "$T/slurm.out")"; finish; }
pass "$(tail -1 "$T/slurm.out")"

SPACE=127.0.71.0/26
"$MSW_BIN" scan -sL "$SPACE" -p "$P" 2>/dev/null | awk '{print $1 "|" $2}' | sort >"$T/space"
NT=$(wc -l <"$T/space")
[ "$NT" -ge 60 ] && pass "target space: $NT targets" || fail "target space: $NT targets"

# wait_jobs SECONDS: until no job is pending or running (a deadline, not a delay)
wait_jobs() {
	local deadline=$((SECONDS + $1))
	while [ $SECONDS -le $deadline ]; do
		[ -z "$(timeout 5 squeue -h -o %i 2>/dev/null)" ] && return 0
		sleep 0.3
	done
	return 1
}

# ---- the array: four tasks, one shard each ----
cd "$T" || exit 1
MQTTSWEEP=$MSW_BIN timeout 100 sbatch --parsable --wait --array=0-3 --mem=0 -o "$T/task-%A_%a.out" \
	"$SB" "$SPACE" -p "$P" --all --rate 0 -q --db "$PG_URL" >"$T/sbatch.out" 2>"$T/sbatch.err"
rc=$?
J=$(head -1 "$T/sbatch.out" | cut -d';' -f1)
assert_eq 0 $rc "sbatch --wait --array=0-3: every task exited 0" ||
	{ cat "$T/sbatch.err" "$T"/task-*.out >&2; timeout 5 scontrol show job "$J" >&2; }
case $J in '' | *[!0-9]*) fail "no array job id: $(cat "$T/sbatch.out")"; finish ;; esac
RUN=slurm-$J
for k in 0 1 2 3; do
	grep -q "task $k of array $J" "$T/task-${J}_$k.out" 2>/dev/null ||
		fail "task $k: $(cat "$T/task-${J}_$k.out" 2>&1 | head -5)"
done
no_asan_report "$T/task-${J}_0.out"

assert_eq "4|0/4,1/4,2/4,3/4|1|0" "$(pq "SELECT count(*), string_agg(shard, ',' ORDER BY shard),
	count(DISTINCT seed), max(exit_code) FROM scans WHERE run_id = '$RUN'")" \
	"four shard scans of run $RUN, one seed, all exit 0"
pq "SELECT ip || '|' || port FROM services WHERE run_key = '$RUN' AND kind = 'service'" |
	sort >"$T/stored"
assert_eq "$NT" "$(sort -u "$T/stored" | wc -l)" "distinct targets stored"
if cmp -s "$T/space" "$T/stored"; then
	pass "exact coverage: the union of the four shards is the target space, no target twice"
else
	fail "coverage: $(diff "$T/space" "$T/stored" | head -5); twice: $(uniq -d "$T/stored" | head -3)"
fi
assert_eq 4 "$(pq "SELECT count(DISTINCT scan_id) FROM services WHERE run_key = '$RUN'")" \
	"every task stored rows"
assert_eq "127.0.71.1 127.0.71.2 127.0.71.3 127.0.71.4" \
	"$(pq "SELECT ip FROM services WHERE run_key = '$RUN' AND mqtt = 1 ORDER BY ip" | paste -sd' ')" \
	"the four brokers found, the rest refused"
"$MSW_BIN" stats "$PG_URL" --scan "$RUN" --format json >"$T/st.json" 2>"$T/st.err"
assert_json "$T/st.json" ".runs == [{\"run_id\": \"$RUN\", \"shards\": 4, \"reported\": [0, 1, 2, 3],
	\"incomplete\": [], \"missing\": [], \"shards_reported\": 4, \"complete\": true}]
	and .targets_tried == $NT and .scans == 1" "stats: one run, 4 of 4 shards, $NT targets"

# ---- a retried task: requeue task 2 (same run and shard, a new scan id) ----
# (Slurm holds a requeued job back for about two minutes, its credential lifetime: the
# update lets it start now)
if timeout 10 scontrol requeue "${J}_2" 2>"$T/requeue.err" &&
	timeout 10 scontrol update JobId="${J}_2" StartTime=now 2>>"$T/requeue.err"; then
	wait_jobs 40 || fail "the requeued task did not finish within 40 s: $(timeout 5 squeue 2>&1)"
	assert_eq 5 "$(pq "SELECT count(*) FROM scans WHERE run_id = '$RUN'")" \
		"the requeued task stored a second scan of shard 2/4"
	pq "SELECT ip || '|' || port FROM services WHERE run_key = '$RUN' AND kind = 'service'" |
		sort >"$T/stored2"
	cmp -s "$T/space" "$T/stored2" && pass "after the retry: still every target exactly once" ||
		fail "after the retry: $(diff "$T/space" "$T/stored2" | head -5)"
	"$MSW_BIN" stats "$PG_URL" --scan "$RUN" --format json >"$T/st2.json" 2>>"$T/st.err"
	assert_json "$T/st2.json" ".targets_tried == $NT and .runs[0].complete" \
		"stats after the retry: the retried shard counted once"
else
	fail "scontrol requeue: $(cat "$T/requeue.err")"
fi
no_asan_report "$T/st.err"
finish
