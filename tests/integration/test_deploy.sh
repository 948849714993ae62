#!/usr/bin/env bash
# deploy/: the Slurm batch script and the Kubernetes Indexed Job, checked without a
# scheduler. The sbatch script is run as Slurm runs each array task (the SLURM_ARRAY_*
# variables it would set): every task derives the same seed, --shard auto picks its
# shard, and the four tasks' dry runs are disjoint and together the target space; it
# refuses to run outside an array or without a binary. The Kubernetes manifests are
# parsed (python3-yaml) and checked structurally (Indexed Job, completions = --shards,
# the database URL from the Secret, the run id from the Job's name, resource requests,
# no root), and the container's arguments are run through mqttsweep itself with each
# pod's JOB_COMPLETION_INDEX: the shards cover the space once. (No Kubernetes runs here;
# tests/integration/test_slurm.sh runs the sbatch script on a real Slurm cluster.)
. "$(dirname "$0")/lib.sh"
T=$(msw_tmpdir)
SB=$MSW_SOURCE_DIR/deploy/slurm/mqttsweep.sbatch
K8S=$MSW_SOURCE_DIR/deploy/k8s
unset MQTTSWEEP_RUN_ID SLURM_ARRAY_JOB_ID SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_MIN \
	SLURM_ARRAY_TASK_MAX SLURM_ARRAY_TASK_COUNT JOB_COMPLETION_INDEX

# ---- Slurm: the batch script as each array task would run it ----
"$MSW_BIN" scan -sL --seed 1 -p 1883 127.0.84.0/26 | sort >"$T/space"
for id in 0 1 2 3; do
	MQTTSWEEP=$MSW_BIN SLURM_ARRAY_JOB_ID=4711 SLURM_ARRAY_TASK_ID=$id SLURM_ARRAY_TASK_MIN=0 \
		SLURM_ARRAY_TASK_MAX=3 SLURM_ARRAY_TASK_COUNT=4 SLURM_SUBMIT_DIR=/nonexistent \
		bash "$SB" -sL -p 1883 127.0.84.0/26 --metadata-file "$T/m$id.json" \
		>"$T/task.$id" 2>"$T/task.$id.err" ||
		fail "task $id: $(cat "$T/task.$id.err")"
done
cat "$T"/task.[0-3] | sort >"$T/union"
assert_eq "$(wc -l <"$T/space")" "$(wc -l <"$T/union")" "sbatch: four tasks list the space's size together"
cmp -s "$T/space" <(sort -u "$T/union") && [ -z "$(uniq -d "$T/union")" ] &&
	pass "sbatch: the tasks are disjoint and cover the space" || fail "sbatch: union differs"
# the same arguments with the seed the script derives, shard 2/4: the same list
seed="0x$(printf 'mqttsweep/%s/%s' "" 4711 | sha256sum | cut -c1-15)"
"$MSW_BIN" scan -sL -p 1883 127.0.84.0/26 --seed "$seed" --shard 2/4 --run-id x >"$T/direct.2"
cmp -s "$T/direct.2" "$T/task.2" && pass "sbatch: task 2 is shard 2/4 under the derived seed" ||
	fail "sbatch: task 2 differs from --shard 2/4 --seed $seed"
# an explicit --seed is passed through, not replaced
MQTTSWEEP=$MSW_BIN SLURM_ARRAY_JOB_ID=4711 SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=4 \
	bash "$SB" -sL -p 1883 127.0.84.0/26 --seed 99 >"$T/seed99" 2>/dev/null
"$MSW_BIN" scan -sL -p 1883 127.0.84.0/26 --seed 99 --shard 1/4 --run-id x >"$T/direct99"
cmp -s "$T/seed99" "$T/direct99" && pass "sbatch: an explicit --seed is kept" ||
	fail "sbatch: --seed 99 was not used"
# the binary from $SLURM_SUBMIT_DIR/build/mqttsweep
mkdir -p "$T/submit/build" && ln -s "$(readlink -f "$MSW_BIN")" "$T/submit/build/mqttsweep"
env -u MQTTSWEEP SLURM_SUBMIT_DIR="$T/submit" SLURM_ARRAY_JOB_ID=4711 SLURM_ARRAY_TASK_ID=2 \
	SLURM_ARRAY_TASK_COUNT=4 bash "$SB" -sL -p 1883 127.0.84.0/26 >"$T/submit.2" 2>/dev/null
cmp -s "$T/submit.2" "$T/task.2" && pass "sbatch: binary from \$SLURM_SUBMIT_DIR/build" ||
	fail "sbatch: \$SLURM_SUBMIT_DIR/build/mqttsweep not used"
# refusals
MQTTSWEEP=$MSW_BIN bash "$SB" -sL 127.0.84.1 >/dev/null 2>"$T/noarray.err"
assert_eq 2 $? "sbatch outside an array: exit 2"
grep -q -- "--array" "$T/noarray.err" && pass "sbatch outside an array says how to submit" ||
	fail "sbatch outside an array: $(cat "$T/noarray.err")"
MQTTSWEEP=/nonexistent/mqttsweep SLURM_ARRAY_JOB_ID=1 SLURM_ARRAY_TASK_ID=0 \
	SLURM_ARRAY_TASK_COUNT=1 bash "$SB" -sL 127.0.84.1 >/dev/null 2>"$T/nobin.err"
assert_eq 2 $? "sbatch without a binary: exit 2"
grep -q "no mqttsweep binary" "$T/nobin.err" && pass "sbatch names the missing binary" ||
	fail "sbatch without a binary: $(cat "$T/nobin.err")"
grep -q '^#SBATCH --output=' "$SB" && pass "sbatch: an output file per task" || fail "no #SBATCH --output"

# ---- Kubernetes: structure ----
/usr/bin/python3 - "$K8S" "$T/k8s.env" <<'PY' >"$T/k8s.out" 2>&1
import sys, yaml
d, envout = sys.argv[1], sys.argv[2]
def load(name):
    docs = [x for x in yaml.safe_load_all(open(f"{d}/{name}")) if x]
    assert len(docs) == 1, f"{name}: one document"
    return docs[0]
job, secret = load("job.yaml"), load("secret.example.yaml")
checks = []
def check(ok, what):
    checks.append(what)
    if not ok:
        print("FAIL:", what); sys.exit(1)
check(job["apiVersion"] == "batch/v1" and job["kind"] == "Job", "a batch/v1 Job")
spec = job["spec"]
check(spec.get("completionMode") == "Indexed", "completionMode: Indexed")
n = spec["completions"]
check(isinstance(n, int) and n >= 1 and 1 <= spec.get("parallelism", n) <= n, "completions and parallelism")
pod = spec["template"]["spec"]
check(pod.get("restartPolicy") in ("Never", "OnFailure"), "restartPolicy Never/OnFailure (a Job)")
check(pod.get("securityContext", {}).get("runAsNonRoot") is True, "the pod runs as non-root")
(c,) = pod["containers"]
args = c["args"]
check(args[0] == "scan" and "--shard" in args and args[args.index("--shard") + 1] == "auto", "scan --shard auto")
check(int(args[args.index("--shards") + 1]) == n, "--shards equals completions")
check("--seed" in args, "an explicit --seed (every pod the same)")
check(args[args.index("--db") + 1] == "$(DATABASE_URL)", "--db $(DATABASE_URL)")
env = {e["name"]: e for e in c["env"]}
ref = env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]
check(ref["name"] == secret["metadata"]["name"] and ref["key"] in secret["stringData"], "DATABASE_URL from the Secret's key")
check(secret["kind"] == "Secret" and secret["stringData"][ref["key"]].startswith("postgresql://"), "the Secret holds a postgresql:// URL")
fp = env["MQTTSWEEP_RUN_ID"]["valueFrom"]["fieldRef"]["fieldPath"]
check(fp in ("metadata.labels['job-name']", "metadata.labels['batch.kubernetes.io/job-name']"), "run id from the Job's name label")
req = c["resources"]["requests"]
check("cpu" in req and "memory" in req and "limits" in c["resources"], "resource requests and limits")
check(c["securityContext"].get("allowPrivilegeEscalation") is False, "no privilege escalation")
for k, v in checks and [("checks", len(checks))]:
    print(f"{k}={v}")
with open(envout, "w") as f:
    f.write(f"N={n}\nJOB={job['metadata']['name']}\n")
    f.write("ARGS=(" + " ".join("'" + a.replace("'", "'\\''") + "'" for a in args) + ")\n")
PY
if [ $? -eq 0 ]; then pass "k8s manifests: $(cat "$T/k8s.out")"; else fail "k8s manifests: $(cat "$T/k8s.out")"; fi

# ---- Kubernetes: the container's arguments, run as each pod would ----
# shellcheck disable=SC1091
. "$T/k8s.env"
for ((k = 0; k < N; k++)); do
	a=("${ARGS[@]}")
	for i in "${!a[@]}"; do # as the kubelet expands $(DATABASE_URL)
		[ "${a[$i]}" = '$(DATABASE_URL)' ] && a[$i]="postgresql://msw@127.0.0.1:1/none"
	done
	JOB_COMPLETION_INDEX=$k MQTTSWEEP_RUN_ID=$JOB "$MSW_BIN" "${a[@]}" --no-blocklist -sL \
		>"$T/pod.$k" 2>"$T/pod.$k.err" || fail "pod $k: $(cat "$T/pod.$k.err")"
done
# the same targets and ports, unsharded
"$MSW_BIN" scan -sL --no-blocklist --seed 1 198.51.100.0/24 -p 1883,8883 | sort >"$T/kspace"
cat "$T"/pod.* | sort >"$T/kunion"
cmp -s "$T/kspace" "$T/kunion" && pass "k8s: the $N pods' shards are disjoint and cover the targets" ||
	fail "k8s: the pods' shards differ from the target space ($(wc -l <"$T/kunion") vs $(wc -l <"$T/kspace"))"
finish
