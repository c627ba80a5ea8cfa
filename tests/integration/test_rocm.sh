#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# AMD GPUs through ROCm SMI on the real Slurm cluster of the harness, with
# the ROCm SMI test double: a job's 2 GPUs, taken from the list Slurm set for
# its steps, measured by their energy counters within 0.5 % of the truth and
# by power sampling within 2 %, each GPU counted once though the batch step
# and its srun step both hold them. Output: TAP.
set -uo pipefail
. "$(dirname "$0")/tap.sh"

. "$top/tests/harness/harness.sh"

double_dir=$builddir/tests/fixtures/.libs
if [[ ! -e $double_dir/librocm_smi64.so.1 ]]; then
	echo "1..0 # SKIP the ROCm SMI test double is not built (run make check first)"
	exit 0
fi
make_confdir rocm

HARNESS_CPUS=4
HARNESS_GPUS=2
# The doubles' directory first in slurmd's library path: dlopen finds the
# ROCm SMI double there (and the NVML double, which has no GPU without
# NVML_DOUBLE_GPUS, so the meter goes on to ROCm SMI).
HARNESS_NVML_DOUBLE=$double_dir
gpu_w=(300 150)
HARNESS_SLURMD_ENV="ROCM_DOUBLE_GPUS=counter:${gpu_w[0]},counter:${gpu_w[1]}"
harness_start --plugstack "$confdir/plugstack.conf"
trap 'harness_stop; rm -rf "$confdir"' EXIT

write_carbon_conf 2

echo "1..8"
check_db_init "$admin_db"

gpu_job counter "$((gpu_w[0] + gpu_w[1]))"
echo "# AMD GPUs, counter mode: $gpu_got J, truth $gpu_truth J"
check "counter mode: the job's gpu energy within 0.5 % of the truth ($gpu_got vs $gpu_truth J)" \
	within 0.5 "$gpu_got" "$gpu_truth"
check "counter mode: the batch and srun records say rocm ($(j '[.steps[].method] | join(",")'))" \
	test "$(j '[.steps[] | select(.step != "extern") | .method | test("rocm")] | all')" = true
check "the batch record holds gpus 2 and the double's GPU name" \
	test "$(j '.steps[] | select(.step == "batch") | .hardware | "\(.gpus) \(.gpu_model != null)"')" = "2 true"

HARNESS_SLURMD_ENV="ROCM_DOUBLE_GPUS=power:${gpu_w[0]},power:${gpu_w[1]}"
harness_slurmd_restart
gpu_job power "$((gpu_w[0] + gpu_w[1]))"
echo "# AMD GPUs, power mode: $gpu_got J, truth $gpu_truth J"
check "power mode: the job's gpu energy within 2 % of the truth ($gpu_got vs $gpu_truth J)" \
	within 2 "$gpu_got" "$gpu_truth"
check "power mode: the batch and srun records say rocm_power ($(j '[.steps[].method] | join(",")'))" \
	test "$(j '[.steps[] | select(.step != "extern") | .method | test("(^|[+])rocm_power([+]|$)")] | all')" = true
