#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A chassis meter that measures the node's GPUs too, on the real Slurm
# cluster of the harness: the simulated ACPI power meter (hwmon) draws
# NODE_W for the whole node, RAPL (the powercap simulator) sees its package
# and DRAM, and the node's two GPUs are the NVML test double's (then the
# ROCm SMI double's) at known powers. The GPUs are counted once, by their
# own sensor, and taken out of the meter's reading: a job's other is
# (node - RAPL - GPUs) x time, its gpu the GPUs' power x the time it held
# them, and cpu + dram + gpu + other, with the GPUs' energy while no step
# held them, is the meter's energy within 1 %. A CPU-only job on the GPU
# node is not charged the GPUs it does not hold. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

double_dir=$builddir/tests/fixtures/.libs
if [[ ! -e $double_dir/libnvidia-ml.so.1 || ! -e $double_dir/librocm_smi64.so.1 ]]; then
	echo "1..0 # SKIP the GPU test doubles are not built (run make check first)"
	exit 0
fi
make_confdir gpu-subtract

HARNESS_CPUS=4
HARNESS_GPUS=2
SIM_NODE_W=1000		# the wall: RAPL's 40 W package + 5 W DRAM, the GPUs' 450 W, 505 W more
HARNESS_NVML_DOUBLE=$double_dir
gpu_w=(300 150)		# one GPU with an energy counter, one read by power only
gpus_w=$((gpu_w[0] + gpu_w[1]))
HARNESS_SLURMD_ENV="NVML_DOUBLE_GPUS=counter:${gpu_w[0]},power:${gpu_w[1]}"
harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT

rapl_w=$(awk -v p="$HARNESS_PKG_W" -v d="$HARNESS_DRAM_W" -v s="$HARNESS_SOCKETS" \
	'BEGIN { print (p + d) * s }')
rest_w=$(awk -v n="$HARNESS_NODE_W" -v r="$rapl_w" -v g="$gpus_w" 'BEGIN { print n - r - g }')

echo "1..24"
# Samples and meter readings every second.
write_carbon_conf 1 '[node]' 'meter = hwmon'
check_db_init "$admin_db"

J='* 3600000'
# The extern step holds the job's lease on the node from its first reading
# to its last: the job's cpu, dram and other are the node's over its life.
ext='.steps[] | select(.step == "extern")'

# energy_balance NAME: from $job_json (a job alone on the node), one test
# point each for its other, its cpu + dram, its gpu, and the balance with
# the meter; sets t_ext (the extern step's seconds) and method_ext,
# method_batch.
energy_balance() {
	local name=$1 t_batch other want_other parts want_parts gpu want_gpu it meter idle_gpu
	t_ext=$(j "$ext | .end_epoch - .start_epoch")
	t_batch=$(j '.steps[] | select(.step == "batch") | .end_epoch - .start_epoch')
	t_batch=${t_batch:-0}
	other=$(j ".energy_kwh.other $J")
	parts=$(j "(.energy_kwh.cpu + .energy_kwh.dram) $J")
	gpu=$(j ".energy_kwh.gpu $J")
	it=$(j ".energy_kwh.it $J")
	want_other=$(awk -v t="$t_ext" -v w="$rest_w" 'BEGIN { printf "%.3f", t * w }')
	want_parts=$(awk -v t="$t_ext" -v w="$rapl_w" 'BEGIN { printf "%.3f", t * w }')
	want_gpu=$(awk -v t="$t_batch" -v w="$gpu_hold_w" 'BEGIN { printf "%.3f", t * w }')
	# What the meter counted over the extern step's life, and what of it
	# no job is charged: the GPUs' energy while no step held them (before
	# the batch step starts and after it ends; all of it for a CPU-only job).
	meter=$(awk -v t="$t_ext" -v w="$HARNESS_NODE_W" 'BEGIN { printf "%.3f", t * w }')
	idle_gpu=$(awk -v te="$t_ext" -v tb="$t_batch" -v w="$gpus_w" -v h="$gpu_hold_w" \
		'BEGIN { printf "%.3f", te * w - tb * h }')
	echo "# $name: extern $t_ext s, batch $t_batch s; other $other J (truth $want_other), cpu+dram $parts J (truth $want_parts), gpu $gpu J (truth $want_gpu), it $it J + GPUs held by nobody $idle_gpu J vs the meter's $meter J"
	method_ext=$(j "$ext | .method")
	method_batch=$(j '.steps[] | select(.step == "batch") | .method')
	check "$name: other is (node - RAPL - the node's GPUs) x time within 1 % ($other vs $want_other J; not $(awk -v t="$t_ext" -v n="$HARNESS_NODE_W" -v r="$rapl_w" 'BEGIN { printf "%.0f", t * (n - r) }') J, the GPUs left in)" \
		within 1 "$other" "$want_other"
	check "$name: cpu + dram is RAPL's within 1 % ($parts vs $want_parts J)" \
		within 1 "$parts" "$want_parts"
	if [ "$gpu_hold_w" = 0 ]; then
		check "$name: no gpu energy for a job that holds no GPU ($gpu J)" \
			awk -v g="$gpu" 'BEGIN { exit !(g == 0) }'
	else
		check "$name: gpu is the GPUs' power x the time the job held them, once, within 2 % ($gpu vs $want_gpu J)" \
			within 2 "$gpu" "$want_gpu"
	fi
	check "$name: cpu + dram + gpu + other, with the GPUs' energy no job held, is the meter's energy within 1 % ($it + $idle_gpu vs $meter J)" \
		within 1 "$(awk -v a="$it" -v b="$idle_gpu" 'BEGIN { printf "%.3f", a + b }')" "$meter"
}

# --- NVIDIA: a job holding both GPUs ------------------------------------------
gpu_hold_w=$gpus_w
gpu_job nvml "$gpus_w"
energy_balance nvml
check "nvml: both GPUs' energy in the job once, though its batch and srun steps both hold them ($(j "[.steps[].energy_kwh.gpu] | add $J") J in the steps' own figures)" \
	awk -v s="$(j "[.steps[].energy_kwh.gpu] | add $J")" -v g="$gpu_got" 'BEGIN { exit !(s > g * 1.5) }'
check "nvml: the batch step's method names NVML and the meter with its GPUs ($method_batch)" \
	test "$method_batch" = rapl+nvml+nvml_power+hwmon_averaged_incl_gpu
check "nvml: the extern step, which holds no GPU, still takes the node's GPUs out ($method_ext)" \
	test "$method_ext" = rapl+hwmon_averaged_incl_gpu
check "nvml: no sensor fault noted ($(j '[.steps[].notes // ""] | join(";")'))" \
	test -z "$(j '[.steps[].notes // "" | select(test("failed|not known|unreadable|stale"))] | join(";")')"

# --- a CPU-only job on the GPU node -----------------------------------------
gpu_hold_w=0
job=$(harness_as_user sbatch --parsable -c1 --wrap 'srun -n1 sleep 8; sleep 2')
finished "$job" "a CPU-only job on the GPU node"
wait_records "$job" 3
check_job_json "$confdir/cpu-only.json" "$admin_db" "$job"
energy_balance cpu-only
check "cpu-only: its steps hold no GPU and still take the node's GPUs out ($(j '[.steps[].method] | unique | join(",")'))" \
	test "$(j '[.steps[].method] | unique | join(",")')" = rapl+hwmon_averaged_incl_gpu

# --- AMD: the same node with its GPUs behind ROCm SMI -------------------------
# The NVML double finds no GPU without NVML_DOUBLE_GPUS: the meter goes on
# to ROCm SMI, for the step's GPUs and for the subtraction alike.
HARNESS_SLURMD_ENV="ROCM_DOUBLE_GPUS=counter:${gpu_w[0]},power:${gpu_w[1]}"
harness_slurmd_restart
gpu_hold_w=$gpus_w
gpu_job rocm "$gpus_w"
energy_balance rocm
check "rocm: the batch step's method names ROCm SMI and the meter with its GPUs ($method_batch)" \
	test "$method_batch" = rapl+rocm+rocm_power+hwmon_averaged_incl_gpu
check "rocm: the extern step takes the node's AMD GPUs out ($method_ext)" \
	test "$method_ext" = rapl+hwmon_averaged_incl_gpu
