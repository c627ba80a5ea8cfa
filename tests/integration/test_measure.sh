#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The measurement engine (issue 4) on the real Slurm cluster of the harness,
# with RAPL simulated at its powercap interface and GPUs by the NVML test
# double: nested steps counted once, two jobs sharing a node split by CPU
# time, GPUs in counter, power-only and failing modes, and a checkpoint that
# survives SIGKILL of slurmstepd. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

nvml_dir=$builddir/tests/fixtures/.libs
if [[ ! -e $nvml_dir/libnvidia-ml.so.1 ]]; then
	echo "1..0 # SKIP the NVML test double is not built (run make check first)"
	exit 0
fi
make_confdir measure
spool=$confdir/spool

# 4 CPUs on this machine's fewer cores (Slurm is told so), 2 GPUs.
HARNESS_CPUS=4
HARNESS_GPUS=2
SIM_MAX_POWER_UW=60000000	# the zones say 60 W at most: the 200 J range wraps every 3.3 s
HARNESS_NVML_DOUBLE=$nvml_dir
gpu_w=(300 150)
HARNESS_SLURMD_ENV="NVML_DOUBLE_GPUS=counter:${gpu_w[0]},counter:${gpu_w[1]}"
harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT

write_carbon_conf 2 '[sampling]' 'checkpoint = 4' '[site]' 'intensity = 300'
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 "$admin_db" -c "$1"; }
pkg_w=$(awk -v p="$HARNESS_PKG_W" -v s="$HARNESS_SOCKETS" 'BEGIN { print p * s }')

echo "1..30"
check_db_init "$admin_db"

submit() { harness_as_user sbatch --parsable "$@"; }
jobsum() {	# jobsum FILE JQ: a number from carbon-report job --json FILE
	jq -r "$2" "$1"
}
# Joules in a kWh figure.
J='* 3600000'

# --- nested steps: two srun steps in sequence, one in the background --------
job=$(submit -c1 --wrap 'srun -n1 sh -c "timeout 6 sha256sum /dev/zero; true"
srun -n1 sh -c "timeout 4 sha256sum /dev/zero; true" &
srun -n1 sleep 5
srun -n1 sh -c "timeout 3 sha256sum /dev/zero; true"
wait')
finished "$job" "batch with 2 srun steps in sequence and 1 in the background"
check_job_json "$confdir/nested.json" "$admin_db" "$job"
start=$(j '.start_epoch')
end=$(j '.end_epoch')
total=$(j ".energy_kwh.cpu $J")
truth=$(awk -v a="$start" -v b="$end" -v w="$pkg_w" 'BEGIN { printf "%.3f", (b - a) * w }')
steps=$(j '[.steps[] | select(.step != "batch" and .step != "extern")] | length')
sum_records=$(j "[.steps[].energy_kwh.cpu] | add $J")
echo "# nested: job total $total J over $(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }') s, node truth $truth J; sum of steps' own shares $sum_records J"
j '.steps[] | "# \(.step) \(.start_epoch) \(.end_epoch) own \(.energy_kwh.cpu * 3600000) job \((.job_energy_kwh.cpu // 0) * 3600000) \(.split) \(.notes)"'
check "the job has 4 srun step records ($steps)" test "$steps" = 4
check "the job's cpu energy is the node's energy over the job's life within 1 % ($total vs $truth J)" \
	within 1 "$total" "$truth"
check "the steps' own shares add up to no more than the job's total" \
	awk -v s="$sum_records" -v t="$total" 'BEGIN { exit !(s <= t * 1.001) }'
holders=$(j '[.steps[] | select(.job_energy_kwh.it > 0)] | length')
check "one record charged the job's share (the extern step holds the lease: $holders)" test "$holders" = 1
check "records carry hour buckets of the job's share" \
	test "$(sql "SELECT count(*) FROM carbon.job_energy_hour WHERE job_id = $job")" -ge 1
bucket_j=$(sql "SELECT sum(cpu_j) FROM carbon.job_energy_hour WHERE job_id = $job")
check "the hour buckets add up to the job's cpu energy ($bucket_j J)" within 0.01 "$bucket_j" "$total"
check "each record says how CPU time was read (cgroup-v1)" \
	test "$(j '[.steps[].split] | unique | join(",")')" = "cgroup-v1"

# --- two jobs share the node: 2 busy CPUs and 1 busy CPU ---------------------
busy='for i in $(seq $SLURM_CPUS_PER_TASK); do timeout 20 sha256sum /dev/zero & done; wait; true'
a=$(submit -c2 --wrap "srun -n1 -c2 sh -c '$busy'")
b=$(submit -c1 --wrap "srun -n1 -c1 sh -c '$busy'")
finished "$a" "2-CPU job sharing the node"
finished "$b" "1-CPU job sharing the node"
"$report" -d "$admin_db" job "$a" --json > "$confdir/a.json"
"$report" -d "$admin_db" job "$b" --json > "$confdir/b.json"
ea=$(jobsum "$confdir/a.json" ".energy_kwh.cpu $J")
eb=$(jobsum "$confdir/b.json" ".energy_kwh.cpu $J")
ca=$(jobsum "$confdir/a.json" '[.steps[].cpu_time_s // 0] | add')
cb=$(jobsum "$confdir/b.json" '[.steps[].cpu_time_s // 0] | add')
s0=$(jq -s 'map(.start_epoch) | min' "$confdir/a.json" "$confdir/b.json")
s1=$(jq -s 'map(.end_epoch) | max' "$confdir/a.json" "$confdir/b.json")
node=$(awk -v a="$s0" -v b="$s1" -v w="$pkg_w" 'BEGIN { printf "%.3f", (b - a) * w }')
ratio_e=$(awk -v a="$ea" -v b="$eb" 'BEGIN { printf "%.4f", a / b }')
ratio_c=$(awk -v a="$ca" -v b="$cb" 'BEGIN { printf "%.4f", a / b }')
echo "# shared node: energy $ea J vs $eb J (ratio $ratio_e); CPU time $ca s vs $cb s (ratio $ratio_c); node $node J"
check "their cpu energies split in proportion to their CPU time within 2 % ($ratio_e vs $ratio_c)" \
	within 2 "$ratio_e" "$ratio_c"
check "together they never exceed the node's energy over their lives" \
	awk -v a="$ea" -v b="$eb" -v n="$node" 'BEGIN { exit !(a + b <= n * 1.001) }'

# --- GPUs: counter mode --------------------------------------------------------
gpu_job counter "$((gpu_w[0] + gpu_w[1]))"
echo "# GPUs, counter mode: $gpu_got J, truth $gpu_truth J"
check "counter mode: the job's gpu energy within 0.5 % of the truth ($gpu_got vs $gpu_truth J)" \
	within 0.5 "$gpu_got" "$gpu_truth"
check "counter mode: the batch and srun records say nvml" \
	test "$(j '[.steps[] | select(.step != "extern") | .method | test("nvml")] | all')" = true
# The batch record's hardware (sql/010): the double names its GPUs
# "Simulated GPU N", so the batch step's first is GPU 0; the CPU model is
# this machine's.
cpu_model=$(grep -m1 '^model name' /proc/cpuinfo | sed 's/^[^:]*: *//; s/ *$//')
hw=$(jq -c '.steps[] | select(.step == "batch") | .hardware' "$job_json")
echo "# batch hardware: $hw"
check "the batch record holds gpu_model \"Simulated GPU 0\" and gpus 2" \
	test "$(jq -r '"\(.gpu_model) \(.gpus)"' <<<"$hw")" = "Simulated GPU 0 2"
check "the batch record holds this machine's CPU model ($cpu_model)" \
	test "$(jq -r .cpu_model <<<"$hw")" = "$cpu_model"
step_gpu=$(j '.steps[] | select(.step == "0") | .energy_kwh.gpu * 3600000')
check "counter mode: the srun step's own figure has its GPUs ($step_gpu J), the job counts them once" \
	awk -v s="$step_gpu" -v t="$gpu_got" 'BEGIN { exit !(s > 0 && s < t) }'

# --- GPUs: power-only mode, then a failing NVML --------------------------------
HARNESS_SLURMD_ENV="NVML_DOUBLE_GPUS=power:${gpu_w[0]},power:${gpu_w[1]}"
harness_slurmd_restart
gpu_job power "$((gpu_w[0] + gpu_w[1]))"
echo "# GPUs, power-only mode: $gpu_got J, truth $gpu_truth J"
check "power-only mode: the job's gpu energy within 2 % of the truth ($gpu_got vs $gpu_truth J)" \
	within 2 "$gpu_got" "$gpu_truth"
check "power-only mode: the batch and srun records say nvml_power ($(j '[.steps[].method] | join(",")'))" \
	test "$(j '[.steps[] | select(.step != "extern") | .method | test("(^|[+])nvml_power([+]|$)")] | all')" = true

HARNESS_SLURMD_ENV="NVML_DOUBLE_GPUS=counter:300,counter:150 NVML_DOUBLE_FAIL=1"
harness_slurmd_restart
gpu_job failing "$((gpu_w[0] + gpu_w[1]))"
check "failing NVML: the batch record says so" \
	grep -q "nvml failed" <<<"$(j '.steps[] | select(.step == "batch") | .notes')"
check "failing NVML: cpu energy is still measured" awk -v c="$(j ".energy_kwh.cpu $J")" 'BEGIN { exit !(c > 0) }'

# --- SIGKILL of slurmstepd: the last checkpoint survives ----------------------
job=$(submit --wrap 'srun -n1 sh -c "timeout 60 sha256sum /dev/zero; true"')
pid=
for _ in $(seq 100); do
	pid=$(pgrep -f "slurmstepd: \[$job\.0\]" | head -1)
	[[ -n $pid ]] && break
	sleep 0.2
done
sleep 11	# two checkpoints (every 4 s) and a bit
ckpt=$(ls "$spool"/"$job".0.*.ckpt 2>/dev/null | head -1)
check "a running step keeps a checkpoint in the spool ($ckpt)" test -n "$ckpt"
killed_at=$(date +%s.%N)
[[ -n $pid ]] && kill -KILL "$pid"
sleep 1
scancel "$job" 2>/dev/null
harness_wait_job "$job" 120 > /dev/null
out=$("$report" -d "$admin_db" spool flush --dir "$spool" 2>&1)
echo "# $out"
row=$(sql "SELECT partial, job_cpu_j + cpu_j > 0, extract(epoch FROM end_time), cpu_j,
		extract(epoch FROM end_time - start_time)
	   FROM carbon.step_energy WHERE job_id = $job AND step = '0'")
echo "# step 0 after SIGKILL: $row"
IFS='|' read -r partial positive ended cpu_j dur <<<"$row"
check "after SIGKILL the step's record reached the database, marked partial" test "$partial" = t
check "the partial record holds the energy up to its checkpoint ($cpu_j J over $dur s)" \
	within 3 "$cpu_j" "$(awk -v d="$dur" -v w="$pkg_w" 'BEGIN { print d * w }')"
check "the checkpoint is at most one checkpoint period (4 s) before the kill" \
	awk -v e="$ended" -v k="$killed_at" 'BEGIN { exit !(e <= k && k - e <= 4.5) }'
