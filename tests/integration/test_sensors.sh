#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# RAPL trees (issue 4): a two-socket node whose counters wrap several times
# during a job, measured to within 0.1 % of the simulated truth, on the real
# Slurm cluster of the harness. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

make_confdir sensors
SIM_SOCKETS=2
SIM_PACKAGE_W=30,50		# per socket
SIM_DRAM_W=5
SIM_MAX_RANGE_UJ=100000000	# 100 J: package-1 wraps every 2 s
SIM_MAX_POWER_UW=60000000	# what the zones say their maximum is
SIM_PERIOD_MS=1
harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT

write_carbon_conf 1

echo "1..8"
check_db_init "$admin_db"
job=$(harness_as_user sbatch --parsable --wrap 'srun -n1 sh -c "timeout 15 sha256sum /dev/zero; true"')
read -r state code < <(harness_wait_job "$job" 120)
check "job $job completed with exit code 0 ($state $code)" test "$state $code" = "COMPLETED 0:0"
check_job_json "$confdir/job.json" "$admin_db" "$job"

# The extern step holds the job's lease from its first reading to its last.
holder='.steps[] | select(.job_energy_kwh.it > 0)'
t0=$(j "$holder | .start_epoch")
t1=$(j "$holder | .end_epoch")
dur=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
cpu=$(j '.energy_kwh.cpu * 3600000')
dram=$(j '.energy_kwh.dram * 3600000')
want_cpu=$(awk -v d="$dur" 'BEGIN { printf "%.6f", d * (30 + 50) }')
want_dram=$(awk -v d="$dur" 'BEGIN { printf "%.6f", d * 5 * 2 }')
wraps=$(awk -v d="$dur" 'BEGIN { printf "%d", d * 50 / 100 }')
echo "# two sockets over $dur s: cpu $cpu J (truth $want_cpu), dram $dram J (truth $want_dram); package-1 wrapped $wraps times"
check "the job ran long enough for package-1 to wrap several times ($wraps)" test "$wraps" -ge 5
check "both sockets' package energy within 0.1 % of the truth" within 0.1 "$cpu" "$want_cpu"
check "both sockets' dram energy within 0.1 % of the truth" within 0.1 "$dram" "$want_dram"
check "the record says rapl" test "$(j "$holder | .method")" = rapl
check "the holder sampled every second, faster than any counter wraps ($(j "$holder | .samples") samples)" \
	awk -v n="$(j "$holder | .samples")" -v d="$dur" 'BEGIN { exit !(n >= d - 1) }'
