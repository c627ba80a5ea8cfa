#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A node with no powercap tree and no NVML (issue 4): the job still gets a
# figure, from the model, flagged as estimated, on the real Slurm cluster of
# the harness. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

if [[ -e /sys/class/powercap/intel-rapl:0 ]]; then
	echo "1..0 # SKIP this machine has RAPL; the test needs a node without it"
	exit 0
fi
. "$top/tests/harness/harness.sh"

make_confdir model
HARNESS_SIM=0	# slurmd sees this machine's /sys: no powercap tree
harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT

write_carbon_conf 2 '[model]' 'cpu_tdp   = 100'

echo "1..9"
check_db_init "$admin_db"
job=$(harness_as_user sbatch --parsable --mem=1024 --wrap 'srun -n1 sh -c "timeout 6 sha256sum /dev/zero; true"')
read -r state code < <(harness_wait_job "$job" 120)
check "job $job completed with exit code 0 ($state $code)" test "$state $code" = "COMPLETED 0:0"
check_job_json "$confdir/job.json" "$admin_db" "$job"
cpu=$(j '.energy_kwh.cpu * 3600000')
dram=$(j '.energy_kwh.dram * 3600000')
cpu_s=$(j '[.steps[].cpu_time_s // 0] | add')
cpus=$(grep -c '^processor' /proc/cpuinfo)
sockets=$(grep '^physical id' /proc/cpuinfo | sort -u | wc -l)
((sockets > 0)) || sockets=1
want=$(awk -v c="$cpu_s" -v n="$cpus" -v s="$sockets" 'BEGIN { printf "%.6f", 100 * s / n * c }')
echo "# model: cpu $cpu J for $cpu_s CPU-seconds (want $want J), memory $dram J"
check "the job gets a modelled cpu figure: TDP x sockets / CPUs x CPU time, within 2 %" within 2 "$cpu" "$want"
# Slurm here does not track memory (CR_Core): the job's CPUs' share of the
# node's memory, at 0.3725 W per GB, at most the whole node's.
mem_gb=$(awk '/^MemTotal:/ { print $2 / 1048576 }' /proc/meminfo)
check "memory is modelled at 0.3725 W per GB of the job's share of the node's memory" \
	awk -v d="$dram" -v t="$(j '.end_epoch - .start_epoch')" -v g="$mem_gb" \
	'BEGIN { exit !(d > 0 && d <= 0.3725 * g * t * 1.01) }'
check "estimated_fraction is 1" test "$(j '.estimated_fraction')" = 1
check "every record's method says model" test "$(j '[.steps[].method == "model"] | all')" = true
check "no GPU sensor was loaded (the job holds no GPU)" \
	test "$(j '[.steps[].notes // "" | select(test("nvml"; "i"))] | length')" = 0
# No counter is how this node is, not a fault (issue 12): nothing of the
# plugin's at error level in slurmd's log for the job, whatever it says at
# info.
check "slurmd's log has no error line of the plugin for job $job" \
	bash -c "! grep -q 'error: carbon: job $job ' '$HARNESS_SLURMD_LOG'"
