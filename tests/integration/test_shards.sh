#!/usr/bin/env bash
# One run, many shards: every spelling (--shard K/N, zmap's --shards N --shard K, --shard
# auto under a Slurm array or a Kubernetes Indexed Job) splits the same seeded order into
# disjoint shards whose union is the whole target space; a sharded scan without an
# explicit seed or a run id is a usage error; the run id (given, MQTTSWEEP_RUN_ID or
# slurm-$SLURM_ARRAY_JOB_ID) and the shard are in the scan metadata. Address range
# 127.0.84.x (see lib.sh).
. "$(dirname "$0")/lib.sh"
T=$(msw_tmpdir)
B=$MSW_BIN
unset MQTTSWEEP_RUN_ID SLURM_ARRAY_JOB_ID SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_MIN \
	SLURM_ARRAY_TASK_MAX SLURM_ARRAY_TASK_COUNT JOB_COMPLETION_INDEX
SPACE=(127.0.84.0/25 -p 1883,8883)

"$B" scan -sL --seed 7 "${SPACE[@]}" >"$T/all"
assert_eq 256 "$(wc -l <"$T/all")" "the unsharded space: 128 hosts x 2 ports"

# union_check NAME: the files $T/NAME.0..3 are disjoint and together the space
union_check() {
	local name=$1 n
	cat "$T/$name".[0-3] | sort >"$T/$name.union"
	n=$(wc -l <"$T/$name.union")
	assert_eq 256 "$n" "$name: the four shards list 256 targets together"
	assert_eq 0 "$(uniq -d "$T/$name.union" | wc -l)" "$name: no target in two shards"
	if sort "$T/all" | cmp -s - "$T/$name.union"; then
		pass "$name: the union is the target space"
	else
		fail "$name: the union differs from the unsharded space"
	fi
	for k in 0 1 2 3; do
		[ -s "$T/$name.$k" ] || fail "$name: shard $k is empty"
	done
}

for k in 0 1 2 3; do
	"$B" scan -sL --seed 7 --run-id r1 --shard "$k/4" "${SPACE[@]}" >"$T/kn.$k"
done
union_check kn
for k in 0 1 2 3; do
	"$B" scan -sL --seed 7 --run-id r1 --shards 4 --shard "$k" "${SPACE[@]}" >"$T/zmap.$k"
	cmp -s "$T/kn.$k" "$T/zmap.$k" || fail "--shards 4 --shard $k differs from --shard $k/4"
done
pass "zmap's spelling lists the same shards as K/N"

# Slurm: --array=1-4 (task ids 1..4 are shards 0..3)
for id in 1 2 3 4; do
	SLURM_ARRAY_JOB_ID=555 SLURM_ARRAY_TASK_ID=$id SLURM_ARRAY_TASK_MIN=1 \
		SLURM_ARRAY_TASK_MAX=4 SLURM_ARRAY_TASK_COUNT=4 \
		"$B" scan -sL --seed 7 --shard auto "${SPACE[@]}" >"$T/slurm.$((id - 1))"
done
union_check slurm
cmp -s "$T/kn.2" "$T/slurm.2" && pass "Slurm task 3 of 1-4 is shard 2/4" ||
	fail "Slurm task 3 of 1-4 lists something other than shard 2/4"

# Kubernetes Indexed Job: JOB_COMPLETION_INDEX and --shards
for k in 0 1 2 3; do
	JOB_COMPLETION_INDEX=$k MQTTSWEEP_RUN_ID=mqttsweep-run-1 \
		"$B" scan -sL --seed 7 --shard auto --shards 4 "${SPACE[@]}" >"$T/k8s.$k"
done
union_check k8s

# another seed gives another order (the seed is what the shards share)
"$B" scan -sL --seed 8 --run-id r1 --shard 0/4 "${SPACE[@]}" >"$T/seed8"
cmp -s "$T/kn.0" "$T/seed8" && fail "shard 0 is the same under seeds 7 and 8" ||
	pass "shard 0 depends on the seed"

# ---- usage errors ----
usage_err() { # TOKEN ARGS...
	local tok=$1
	shift
	env "$@" >"$T/out" 2>"$T/err"
	local rc=$?
	if [ $rc -eq 2 ] && grep -qF -- "$tok" "$T/err"; then
		pass "usage error names '$tok'"
	else
		fail "$* -> rc $rc, stderr: $(cat "$T/err")"
	fi
	no_asan_report "$T/err"
}
usage_err "--seed" "$B" scan -sL --run-id r1 --shard 1/4 "${SPACE[@]}"
usage_err "run id" "$B" scan -sL --seed 7 --shard 1/4 "${SPACE[@]}"
usage_err "--seed" SLURM_ARRAY_JOB_ID=5 SLURM_ARRAY_TASK_ID=0 SLURM_ARRAY_TASK_COUNT=2 \
	"$B" scan -sL --shard auto "${SPACE[@]}"
usage_err "JOB_COMPLETION_INDEX" "$B" scan -sL --seed 7 --run-id r --shard auto "${SPACE[@]}"

# ---- run id and shard in the metadata of a real (small) scan: nothing listens ----
meta_of() { # FILE ENV... -- ARGS...
	local m=$1
	shift
	env "$@" -p 1 --rate 0 --connect-timeout 1 -q --format json \
		--metadata-file "$m" >/dev/null 2>"$T/err"
}
meta_of "$T/m1.json" "$B" scan 127.0.84.128/30 --seed 3 --shard 1/2 --run-id run-a
assert_json "$T/m1.json" '.run_id == "run-a" and .shard == "1/2" and .seed == "3"' \
	"metadata: --run-id and --shard"
assert_json "$T/m1.json" '.counts.hosts == 2' "metadata: shard 1/2 of 4 hosts scanned 2"
meta_of "$T/m2.json" SLURM_ARRAY_JOB_ID=8080 SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=2 \
	"$B" scan 127.0.84.128/30 --seed 3 --shard auto
assert_json "$T/m2.json" '.run_id == "slurm-8080" and .shard == "1/2"' \
	"metadata: run id and shard from a Slurm array"
meta_of "$T/m3.json" MQTTSWEEP_RUN_ID=job-abc "$B" scan 127.0.84.128/30
assert_json "$T/m3.json" '.run_id == "job-abc" and (has("shard") | not)' \
	"metadata: MQTTSWEEP_RUN_ID on an unsharded scan"
meta_of "$T/m4.json" "$B" scan 127.0.84.128/30
assert_json "$T/m4.json" '(has("run_id") | not)' "metadata: no run id when none was given"
# ---- stats counts a run once: shards into one SQLite database, one missing, one twice ----
for k in 0 1 3 3; do
	"$B" scan 127.0.84.128/28 -p 1 --seed 5 --run-id run-x --shard "$k/4" --db "$T/sh.db" \
		--rate 0 -q --format json >/dev/null 2>>"$T/sh.err"
done
"$B" scan 127.0.84.144/30 -p 1 --db "$T/sh.db" -q --format json >/dev/null 2>>"$T/sh.err"
"$B" stats "$T/sh.db" --format json >"$T/st.json" 2>>"$T/sh.err"
assert_json "$T/st.json" '.scans == 2' "stats: the four shard scans and a lone scan are 2 runs"
assert_json "$T/st.json" '.runs == [{"run_id": "run-x", "shards": 4, "reported": [0, 1, 3],
	"incomplete": [], "missing": [2], "shards_reported": 3, "complete": false}]' \
	"stats: run-x has 3 of 4 shards, shard 2 missing"
"$B" stats "$T/sh.db" --scan run-x --format json >"$T/st2.json" 2>>"$T/sh.err"
assert_json "$T/st2.json" '.targets_tried == 12' \
	"stats --scan RUN: 3 shards x 4 targets, the shard that ran twice counted once"
"$B" stats "$T/sh.db" >"$T/st.txt" 2>>"$T/sh.err"
grep -q "Run run-x: 3 of 4 shards reported; missing: 2" "$T/st.txt" &&
	pass "stats text: the run line" || fail "stats text: $(cat "$T/st.txt")"
no_asan_report "$T/sh.err"

for m in m1 m2 m3; do
	if "$(msw_python)" "$MSW_SOURCE_DIR/tests/tools/validate_schema.py" \
		"$MSW_SOURCE_DIR/docs/scan.schema.json" "$T/$m.json" >/dev/null; then
		pass "$m.json follows docs/scan.schema.json"
	else
		fail "$m.json does not follow docs/scan.schema.json"
	fi
done
finish
